/*
 * stall.h - the loop's own stalls: a piece of work that held the main thread's event loop for
 * longer than loop.stall_warn_ms (default 250 ms) is a WARN line naming it and a count on
 * /metrics (tradebot_loop_stalls_total{kind}).
 *
 * Two detectors, one record (docs/architecture.md, "Loop latency"):
 *
 * - Named work. The places where the engine's callbacks do their work (a dashboard request, a
 *   REPL chunk, an orchestrator tick, a feed slice, a broker or feed stream read, an HTTP client
 *   answer, a hot reload) mark it with tb_work_begin()/tb_work_end(): two monotonic clock reads.
 *   Work longer than the threshold is logged when it ends: "loop stall: 1.8 s in dashboard GET
 *   /api/status". Work marked inside other work belongs to the outer one.
 * - The latency probe. A probe sample (docs/architecture.md) longer than the threshold that no
 *   named work explains is logged as kind "unnamed".
 *
 * Each line says where the loop thread's time went since the probe's last sample: on a CPU (the
 * engine's work), waiting for one (the machine's load) or blocked in a system call (a disk, a
 * lock).
 *
 * Lines are rate-limited (TB_STALL_BURST at once, then one per TB_STALL_REFILL_S; the next line
 * says how many were not written); every stall is counted.
 */
#ifndef TB_LOOP_STALL_H
#define TB_LOOP_STALL_H

#include <stdint.h>

/* What held the loop: the label of the metric's series (a fixed set, so the series stay few). */
typedef enum {
    TB_WORK_UNNAMED, /* seen by the probe only */
    TB_WORK_DASHBOARD,
    TB_WORK_REPL,
    TB_WORK_ORCH,
    TB_WORK_FEED,
    TB_WORK_BROKER,
    TB_WORK_NET, /* a stream or HTTP client's answers (the broker's or the feed's) */
    TB_WORK_RELOAD,
    TB_WORK_TIMER,
    TB_WORK_NKINDS
} tb_work_kind;

#define TB_STALL_BURST    5  /* lines written at once before the rate limit */
#define TB_STALL_REFILL_S 10 /* then one line per this many seconds */

/* "unnamed", "dashboard", "repl", "orchestrator", "feed", "broker", "net", "reload", "timer". */
const char *tb_work_kind_name(tb_work_kind k);

typedef struct tb_stall_stats {
    uint64_t count[TB_WORK_NKINDS];
    double longest_s; /* the longest stall since start */
    uint64_t lines;   /* WARN lines written (the rest were rate-limited) */
} tb_stall_stats;

/* The loop thread's time: on a CPU and (has_wait) waiting in the run queue for one. */
typedef struct tb_thread_time {
    int64_t cpu_ns, wait_ns;
    int has_wait;
} tb_thread_time;

/* One loop's stall record; zero-initialised is "off" until tb_stall_set_warn_ms. */
typedef struct tb_stall {
    int64_t warn_ns; /* 0: stalls are neither logged nor counted */
    int depth;       /* nesting of named work; only the outermost is timed */
    tb_work_kind kind;
    const char *what, *detail; /* valid until tb_work_end */
    int64_t start_ns;
    const char *last_what;     /* the last named work that ended (a static string) */
    int64_t last_ns;           /* and its length */
    int explained;             /* named work stalled since the probe's last sample */
    int64_t probe_wall_ns;     /* the probe's last sample (monotonic), 0 before the first */
    tb_thread_time probe_time; /* and the thread's time then */
    int sched_tried, sched_fd; /* /proc/thread-self/schedstat of the loop's thread */
    int lines_left;            /* of the rate limit's burst */
    int64_t refill_ns;         /* when the burst last gained a line */
    uint64_t unlogged;
    tb_stall_stats st;
} tb_stall;

/* Sets the threshold in milliseconds (0 turns stall detection off). */
void tb_stall_set_warn_ms(tb_stall *s, int64_t ms);

/* Makes s the record that tb_work_begin/end on this thread write to (NULL: none, they do
 * nothing); returns the one it replaces. The loop attaches its record while it runs. */
tb_stall *tb_stall_attach(tb_stall *s);

/*
 * Marks the start of named work on the running loop. what: a static string naming the work
 * ("dashboard", "REPL chunk"); detail: more words (may be NULL), valid until tb_work_end.
 * Cheap (one clock read) and a no-op when no loop runs on this thread.
 */
void tb_work_begin(tb_work_kind kind, const char *what, const char *detail);

/* Ends the work begun last; logs and counts it when it ran past the threshold. */
void tb_work_end(void);

/* The probe's sample: late_ns from its due time to now_ns. Logs and counts an unnamed stall. */
void tb_stall_probe(tb_stall *s, int64_t now_ns, int64_t late_ns);

/* Closes the record's file (the loop's end); it may be used again. */
void tb_stall_close(tb_stall *s);

/* Copies the counts. */
void tb_stall_stats_of(const tb_stall *s, tb_stall_stats *out);

#endif
