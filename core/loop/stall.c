#include "loop/stall.h"
#include "log/log.h"
#include "util/clock.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

/* The record of the loop running on this thread: set by tb_loop_run, so the callbacks that mark
 * their work need no handle to the loop (the HTTP server, the REPL and the feeds only get the
 * libevent base). */
static _Thread_local tb_stall *cur;

static const char *const kind_names[TB_WORK_NKINDS] = {
    [TB_WORK_UNNAMED] = "unnamed",   [TB_WORK_DASHBOARD] = "dashboard", [TB_WORK_REPL] = "repl",
    [TB_WORK_ORCH] = "orchestrator", [TB_WORK_FEED] = "feed",           [TB_WORK_BROKER] = "broker",
    [TB_WORK_NET] = "net",           [TB_WORK_RELOAD] = "reload",       [TB_WORK_TIMER] = "timer",
};

const char *tb_work_kind_name(tb_work_kind k)
{
    return (unsigned)k < TB_WORK_NKINDS ? kind_names[k] : "unnamed";
}

/* The loop thread's time so far: on a CPU, and (when the kernel keeps scheduler statistics,
 * /proc/thread-self/schedstat) runnable but waiting for a CPU. Read only at probe samples and
 * stalls; the file is opened once, on the loop's thread, and read with pread. */
static void thread_time(tb_stall *s, tb_thread_time *t)
{
    if (!s->sched_tried) {
        s->sched_tried = 1;
        s->sched_fd = open("/proc/thread-self/schedstat", O_RDONLY | O_CLOEXEC);
    }
    char buf[96];
    ssize_t n = s->sched_fd >= 0 ? pread(s->sched_fd, buf, sizeof buf - 1, 0) : -1;
    if (n > 0) {
        buf[n] = '\0';
        char *end;
        t->cpu_ns = strtoll(buf, &end, 10);
        t->wait_ns = strtoll(end, &end, 10);
        t->has_wait = 1;
        return;
    }
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    t->cpu_ns = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
    t->wait_ns = 0, t->has_wait = 0;
}

void tb_stall_close(tb_stall *s)
{
    if (s->sched_tried && s->sched_fd >= 0) close(s->sched_fd);
    s->sched_tried = 0, s->sched_fd = -1;
}

void tb_stall_set_warn_ms(tb_stall *s, int64_t ms)
{
    s->warn_ns = ms > 0 ? ms * 1000000 : 0;
}

tb_stall *tb_stall_attach(tb_stall *s)
{
    tb_stall *prev = cur;
    cur = s;
    return prev;
}

/* Counts a stall; returns 1 when its line may be written now (then with *unlogged, the stalls
 * not written since the last line), 0 beyond the rate limit. A burst of lines is allowed (the
 * stalls of one bad minute, each named) and refills one line per TB_STALL_REFILL_S. */
static int record(tb_stall *s, tb_work_kind k, int64_t len_ns, int64_t now, uint64_t *unlogged)
{
    s->st.count[k]++;
    double len_s = (double)len_ns / 1e9;
    if (len_s > s->st.longest_s) s->st.longest_s = len_s;
    const int64_t refill = (int64_t)TB_STALL_REFILL_S * 1000000000;
    if (!s->refill_ns) {
        s->lines_left = TB_STALL_BURST, s->refill_ns = now;
    } else if (now - s->refill_ns >= refill) {
        int64_t gained = (now - s->refill_ns) / refill;
        s->refill_ns += gained * refill;
        s->lines_left += gained > TB_STALL_BURST ? TB_STALL_BURST : (int)gained;
        if (s->lines_left > TB_STALL_BURST) s->lines_left = TB_STALL_BURST;
    }
    if (s->lines_left <= 0) {
        s->unlogged++;
        return 0;
    }
    s->lines_left--;
    *unlogged = s->unlogged;
    s->unlogged = 0;
    s->st.lines++;
    return 1;
}

/* "" or "; 3 more stalls since the last line (rate-limited)" */
static const char *unlogged_note(char *buf, size_t n, uint64_t unlogged)
{
    if (!unlogged) return "";
    snprintf(buf, n, "; %llu more since the last line, not logged (tradebot_loop_stalls_total)",
             (unsigned long long)unlogged);
    return buf;
}

void tb_work_begin(tb_work_kind kind, const char *what, const char *detail)
{
    tb_stall *s = cur;
    if (!s || s->depth++) return;
    s->kind = kind, s->what = what, s->detail = detail;
    s->start_ns = tb_clock_mono_ns();
}

/* "; the loop thread over the last 0.46 s: 0.05 s on a CPU, 0.38 s waiting for one, 0.03 s
 * blocked: the machine was busy": where the thread's time went since the probe's last sample (a
 * probe period before the work began, at most, when the probe runs); "" before any sample. Over
 * half the wall time waiting for a CPU is the machine's load; blocked, the thread slept in a
 * system call (a disk write, a lock); on a CPU, the engine's own work. */
static const char *time_note(const tb_stall *s, int64_t now, const tb_thread_time *t, int named,
                             char *buf, size_t n)
{
    if (!s->probe_wall_ns || now <= s->probe_wall_ns) return "";
    int64_t wall = now - s->probe_wall_ns, cpu = t->cpu_ns - s->probe_time.cpu_ns;
    int64_t wait = t->wait_ns - s->probe_time.wait_ns, blocked = wall - cpu - wait;
    const char *verdict = cpu * 2 > wall ? ": working" : "";
    if (!t->has_wait)
        verdict = cpu * 2 < wall ? ": off the CPU (a busy machine or blocked)" : verdict;
    else if (wait * 2 > wall)
        verdict = ": the machine was busy";
    else if (blocked * 2 > wall) /* a late probe with no work: the loop's own wait counts too */
        verdict = named ? ": asleep in a system call (I/O or a lock)"
                        : ": asleep (idle in the loop's wait, woken late, or in a system call)";
    int k = snprintf(buf, n, "; the loop thread over the last %.2f s: %.2f s on a CPU",
                     (double)wall / 1e9, (double)cpu / 1e9);
    if (t->has_wait && k > 0 && (size_t)k < n)
        k += snprintf(buf + k, n - (size_t)k, ", %.2f s waiting for one, %.2f s blocked",
                      (double)wait / 1e9, (double)(blocked > 0 ? blocked : 0) / 1e9);
    if (k > 0 && (size_t)k < n) snprintf(buf + k, n - (size_t)k, "%s", verdict);
    return buf;
}

void tb_work_end(void)
{
    tb_stall *s = cur;
    if (!s || !s->depth || --s->depth) return;
    int64_t now = tb_clock_mono_ns(), len = now - s->start_ns;
    s->last_what = s->what, s->last_ns = len;
    if (!s->warn_ns || len <= s->warn_ns) return;
    s->explained = 1;
    uint64_t unlogged;
    if (!record(s, s->kind, len, now, &unlogged)) return;
    char note[128], tn[192];
    tb_thread_time t;
    thread_time(s, &t);
    TB_WARN("loop", "loop stall: %.2f s in %s%s%s (kind=%s, threshold %lld ms%s%s)",
            (double)len / 1e9, s->what, s->detail ? " " : "", s->detail ? s->detail : "",
            tb_work_kind_name(s->kind), (long long)(s->warn_ns / 1000000),
            time_note(s, now, &t, 1, tn, sizeof tn), unlogged_note(note, sizeof note, unlogged));
}

void tb_stall_probe(tb_stall *s, int64_t now_ns, int64_t late_ns)
{
    if (!s->warn_ns) return;
    tb_thread_time t;
    thread_time(s, &t);
    int explained = s->explained;
    s->explained = 0;
    uint64_t unlogged;
    if (late_ns > s->warn_ns && !explained &&
        record(s, TB_WORK_UNNAMED, late_ns, now_ns, &unlogged)) {
        char note[128], tn[192];
        TB_WARN("loop",
                "loop stall: %.2f s in unnamed work (kind=unnamed, threshold %lld ms%s; last named "
                "work: %s, %.3f s%s)",
                (double)late_ns / 1e9, (long long)(s->warn_ns / 1000000),
                time_note(s, now_ns, &t, 0, tn, sizeof tn), s->last_what ? s->last_what : "none",
                (double)s->last_ns / 1e9, unlogged_note(note, sizeof note, unlogged));
    }
    s->probe_time = t, s->probe_wall_ns = now_ns;
}

void tb_stall_stats_of(const tb_stall *s, tb_stall_stats *out)
{
    *out = s->st;
}
