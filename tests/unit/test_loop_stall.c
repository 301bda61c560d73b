/* The loop's own stalls (loop/stall.h): named work past the threshold is a WARN line naming it
 * and a count of its kind; a late probe no named work explains is an "unnamed" stall; lines are
 * rate-limited, counts are not. Work is held with a busy wait far past the threshold (400 ms
 * against 150 ms), so a loaded machine only makes it longer. */
#include "log/log.h"
#include "loop/loop.h"
#include "tbtest.h"
#include "util/clock.h"

#include <event2/event.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static void busy_ms(int ms)
{
    int64_t end = tb_clock_mono_ns() + (int64_t)ms * 1000000;
    while (tb_clock_mono_ns() < end) {
    }
}

static char log_path[64];

static void log_to_file(void)
{
    snprintf(log_path, sizeof log_path, "/tmp/tb-stall-log-XXXXXX");
    int fd = mkstemp(log_path);
    if (fd >= 0) close(fd);
    tb_err e;
    tb_log_opts lo = {.level = TB_LOG_INFO};
    tb_log_open(log_path, &lo, &e);
}

/* The log's text; the log is closed and removed. */
static const char *log_text(void)
{
    tb_log_close();
    const char *t = tbt_read_file(log_path);
    unlink(log_path);
    return t;
}

static int count_of(const char *hay, const char *needle)
{
    int n = 0;
    for (const char *p = hay; (p = strstr(p, needle)); p++) n++;
    return n;
}

static tb_loop *loop;
static int turn, marked;

/* Turn 1 holds the loop 400 ms (as named dashboard work when marked); turns 2-6 are short, so
 * the probe samples a few times after the stall; turn 6 stops. */
static void work_cb(evutil_socket_t fd, short what, void *arg)
{
    if (++turn == 1) {
        if (marked) tb_work_begin(TB_WORK_DASHBOARD, "dashboard GET", "/api/slow");
        busy_ms(400);
        if (marked) tb_work_end();
    }
    if (turn >= 6) tb_loop_stop(loop);
}

/* A loop with a 5 ms probe and a threshold of warn_ms through those turns: its stall counts in
 * *st and the log's text. */
static const char *stall_run(int mark, int64_t warn_ms, tb_stall_stats *st)
{
    log_to_file();
    tb_err e;
    loop = tb_loop_new(5, &e);
    tb_loop_set_stall_ms(loop, warn_ms);
    turn = 0, marked = mark;
    struct event *ev = event_new(tb_loop_base(loop), -1, EV_PERSIST, work_cb, NULL);
    struct timeval tv = {0, 10000};
    event_add(ev, &tv);
    tb_loop_run(loop);
    event_free(ev);
    tb_loop_stalls(loop, st);
    tb_loop_free(loop);
    return log_text();
}

/* Lines of unnamed stalls the thread spent on the CPU (not the machine's load): the named
 * stall counted a second time would be one. */
static int unnamed_cpu_lines(const char *t)
{
    int n = 0;
    for (const char *p = t; (p = strstr(p, "in unnamed work")); p++) {
        const char *eol = strchr(p, '\n');
        const char *busy = strstr(p, "the machine was busy");
        if (!busy || (eol && busy > eol)) n++;
    }
    return n;
}

TEST(named_work_past_the_threshold_is_a_warn_line_naming_it_and_a_count_of_its_kind)
{
    tb_stall_stats st;
    const char *t = stall_run(1, 150, &st);
    CHECK_INT(st.count[TB_WORK_DASHBOARD], 1);
    CHECK(st.longest_s >= 0.4);
    CHECK_CONTAINS(t, " WARN  [loop] loop stall: 0.");
    /* with the loop thread's CPU time since the probe's last sample (a busy wait: CPU) */
    CHECK_CONTAINS(t, " s in dashboard GET /api/slow (kind=dashboard, threshold 150 ms; the loop "
                      "thread over the last 0.");
    CHECK_CONTAINS(t, " s on a CPU");
    CHECK_INT(count_of(t, "loop stall:"), 1 + (int)st.count[TB_WORK_UNNAMED]);
    /* the probe that waited behind it does not count it again */
    CHECK_INT(unnamed_cpu_lines(t), 0);
}

TEST(a_late_probe_no_named_work_explains_is_an_unnamed_stall)
{
    tb_stall_stats st;
    const char *t = stall_run(0, 150, &st);
    CHECK(st.count[TB_WORK_UNNAMED] >= 1);
    CHECK_INT(st.count[TB_WORK_DASHBOARD], 0);
    CHECK(st.longest_s >= 0.35); /* the probe due early in the 400 ms wait */
    CHECK_CONTAINS(t, "s in unnamed work (kind=unnamed, threshold 150 ms; the loop thread over the "
                      "last ");
}

TEST(no_threshold_no_stall_and_work_outside_a_running_loop_is_not_recorded)
{
    tb_stall_stats st;
    const char *t = stall_run(1, 0, &st);
    for (int k = 0; k < TB_WORK_NKINDS; k++) CHECK_INT(st.count[k], 0);
    CHECK(!strstr(t, "loop stall:"));
    tb_err e;
    tb_loop *l = tb_loop_new(5, &e);
    tb_loop_set_stall_ms(l, 150);
    tb_work_begin(TB_WORK_REPL, "REPL chunk", NULL); /* no loop runs: nothing to record into */
    busy_ms(200);
    tb_work_end();
    tb_loop_stalls(l, &st);
    CHECK_INT(st.count[TB_WORK_REPL], 0);
    tb_loop_free(l);
}

TEST(work_inside_work_is_the_outer_one_s)
{
    log_to_file();
    tb_stall s = {0};
    tb_stall_set_warn_ms(&s, 150);
    tb_stall *prev = tb_stall_attach(&s);
    tb_work_begin(TB_WORK_DASHBOARD, "dashboard POST", "/api/control");
    tb_work_begin(TB_WORK_NET, "HTTP client answers", NULL);
    busy_ms(200);
    tb_work_end();
    tb_work_end();
    tb_stall_attach(prev);
    tb_stall_close(&s);
    const char *t = log_text();
    CHECK_INT(s.st.count[TB_WORK_DASHBOARD], 1);
    CHECK_INT(s.st.count[TB_WORK_NET], 0);
    CHECK_CONTAINS(t, "s in dashboard POST /api/control (kind=dashboard");
    CHECK_INT(s.depth, 0);
}

/* Work that sleeps in a system call (a disk write, a lock) is told from work on the CPU and
 * from a busy machine: the scheduler's statistics say the thread was neither running nor
 * waiting to run. */
TEST(a_stall_spent_asleep_in_a_system_call_is_said_to_be_blocked)
{
    if (access("/proc/thread-self/schedstat", R_OK) != 0) return; /* no statistics: not said */
    log_to_file();
    tb_stall s = {0};
    tb_stall_set_warn_ms(&s, 100);
    tb_stall *prev = tb_stall_attach(&s);
    tb_stall_probe(&s, tb_clock_mono_ns(), 0); /* the sample the note counts from */
    tb_work_begin(TB_WORK_TIMER, "database lock retry", NULL);
    struct timespec nap = {0, 400000000};
    nanosleep(&nap, NULL);
    tb_work_end();
    tb_stall_attach(prev);
    tb_stall_close(&s);
    const char *t = log_text();
    CHECK_INT(s.st.count[TB_WORK_TIMER], 1);
    CHECK_CONTAINS(t, "s in database lock retry (kind=timer, threshold 100 ms; the loop thread "
                      "over the last 0.");
    CHECK_CONTAINS(t, " s blocked: asleep in a system call (I/O or a lock))");
}

/* A late probe with no work: the sleep may be the loop's own wait for events (woken late by the
 * kernel or the hypervisor), not a system call of the engine's, and the line says so. */
TEST(an_unnamed_stall_asleep_does_not_blame_a_system_call)
{
    if (access("/proc/thread-self/schedstat", R_OK) != 0) return;
    log_to_file();
    tb_stall s = {0};
    tb_stall_set_warn_ms(&s, 100);
    tb_stall *prev = tb_stall_attach(&s);
    int64_t t0 = tb_clock_mono_ns();
    tb_stall_probe(&s, t0, 0);
    struct timespec nap = {0, 400000000};
    nanosleep(&nap, NULL);
    int64_t t1 = tb_clock_mono_ns();
    tb_stall_probe(&s, t1, t1 - t0 - 10000000); /* due 10 ms after the last */
    tb_stall_attach(prev);
    tb_stall_close(&s);
    const char *t = log_text();
    CHECK_INT(s.st.count[TB_WORK_UNNAMED], 1);
    CHECK_CONTAINS(t,
                   " s blocked: asleep (idle in the loop's wait, woken late, or in a system call)");
    CHECK(strstr(t, "asleep in a system call") == NULL);
}

TEST(lines_are_rate_limited_and_the_next_line_says_how_many_were_not_written)
{
    log_to_file();
    tb_stall s = {0};
    tb_stall_set_warn_ms(&s, 100);
    int64_t sec = 1000000000, t = 100 * sec;
    for (int i = 0; i < TB_STALL_BURST + 2; i++) /* a bad minute: a burst, each named */
        tb_stall_probe(&s, t + i * sec / 10, 200000000);
    tb_stall_probe(&s, t + sec, 50000000); /* under the threshold: not a stall */
    CHECK_INT(s.st.lines, TB_STALL_BURST);
    tb_stall_probe(&s, t + TB_STALL_REFILL_S * sec, 250000000); /* one line gained */
    tb_stall_probe(&s, t + TB_STALL_REFILL_S * sec + 1, 200000000);
    tb_stall_close(&s);
    const char *t_log = log_text();
    CHECK_INT(s.st.count[TB_WORK_UNNAMED], TB_STALL_BURST + 4);
    CHECK_INT(s.st.lines, TB_STALL_BURST + 1);
    CHECK_INT(count_of(t_log, "loop stall:"), TB_STALL_BURST + 1);
    CHECK_CONTAINS(t_log, "loop stall: 0.25 s in unnamed work");
    CHECK_CONTAINS(t_log, "; 2 more since the last line, not logged (tradebot_loop_stalls_total))");
    CHECK(s.st.longest_s == 0.25);
}

TEST(kind_names_are_the_metric_labels)
{
    CHECK_STR(tb_work_kind_name(TB_WORK_UNNAMED), "unnamed");
    CHECK_STR(tb_work_kind_name(TB_WORK_REPL), "repl");
    CHECK_STR(tb_work_kind_name(TB_WORK_ORCH), "orchestrator");
    CHECK_STR(tb_work_kind_name(TB_WORK_NKINDS), "unnamed");
    for (int k = 0; k < TB_WORK_NKINDS; k++) CHECK(tb_work_kind_name((tb_work_kind)k) != NULL);
}
