#include "util/jobs.h"

#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

typedef struct slot {
    pid_t pid; /* 0: not started or reaped */
    FILE *out, *err;
    int status, done;
    struct timespec t0;
} slot;

int tb_jobs_cpus(void)
{
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) > 0) return CPU_COUNT(&set);
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (int)n : 1;
}

static double since(const struct timespec *t0)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)(t.tv_sec - t0->tv_sec) + (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

static int start(const tb_jobs_opts *o, size_t i, slot *s, tb_err *e)
{
    if (!(s->out = tmpfile()) || !(s->err = tmpfile()))
        return tb_errf(e, "job %zu: no file for its output: %s", i, strerror(errno));
    fflush(stdout); /* or the child would write the caller's buffered output again */
    fflush(stderr);
    clock_gettime(CLOCK_MONOTONIC, &s->t0);
    pid_t pid = fork();
    if (pid < 0) return tb_errf(e, "job %zu: fork: %s", i, strerror(errno));
    if (pid == 0) {
        if (dup2(fileno(s->out), STDOUT_FILENO) < 0 || dup2(fileno(s->err), STDERR_FILENO) < 0)
            _exit(127);
        int rc = o->run(o->ud, i);
        fflush(stdout);
        fflush(stderr);
        _exit(rc & 0xff);
    }
    s->pid = pid;
    return 0;
}

/* The whole of a job's output file, NUL-terminated ("" when unreadable). */
static char *slurp(FILE *f, size_t *len)
{
    long n = fseek(f, 0, SEEK_END) == 0 ? ftell(f) : -1;
    char *buf = malloc(n > 0 ? (size_t)n + 1 : 1);
    *len = 0;
    if (!buf) return NULL;
    if (n > 0 && fseek(f, 0, SEEK_SET) == 0) *len = fread(buf, 1, (size_t)n, f);
    buf[*len] = '\0';
    return buf;
}

static void deliver(const tb_jobs_opts *o, size_t i, slot *s)
{
    size_t olen, elen;
    char *out = slurp(s->out, &olen), *err = slurp(s->err, &elen);
    if (o->on_done)
        o->on_done(o->ud, i, s->status, out ? out : "", out ? olen : 0, err ? err : "",
                   err ? elen : 0);
    free(out);
    free(err);
    fclose(s->out);
    fclose(s->err);
    s->out = s->err = NULL;
}

/* Waits for one of our children; records its status. */
static void reap(const tb_jobs_opts *o, slot *slots, size_t *ndone, tb_jobs_result *res)
{
    int st;
    pid_t pid;
    for (;;) {
        pid = waitpid(-1, &st, 0);
        if (pid < 0 && errno == EINTR) continue;
        if (pid < 0) return; /* no child left: nothing to wait for */
        size_t i = 0;
        while (i < o->njobs && slots[i].pid != pid) i++;
        if (i == o->njobs) continue; /* not one of ours */
        slot *s = &slots[i];
        s->pid = 0;
        s->done = 1;
        s->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + (WIFSIGNALED(st) ? WTERMSIG(st) : 0);
        ++*ndone;
        if (s->status) res->failed++;
        if (o->progress) {
            char nm[32];
            const char *name = o->name ? o->name(o->ud, i) : NULL;
            if (!name) snprintf(nm, sizeof nm, "job %zu", i), name = nm;
            const char *pre = o->prefix ? o->prefix : "jobs";
            if (s->status)
                fprintf(o->progress, "%s: [%zu/%zu] %s FAILED (exit %d) in %.1f s\n", pre, *ndone,
                        o->njobs, name, s->status, since(&s->t0));
            else
                fprintf(o->progress, "%s: [%zu/%zu] %s ok in %.1f s\n", pre, *ndone, o->njobs, name,
                        since(&s->t0));
            fflush(o->progress);
        }
        return;
    }
}

int tb_jobs_run(const tb_jobs_opts *o, tb_jobs_result *res, tb_err *e)
{
    memset(res, 0, sizeof *res);
    int workers = o->workers > 0 ? o->workers : tb_jobs_cpus();
    slot *slots = calloc(o->njobs ? o->njobs : 1, sizeof *slots);
    if (!slots) return tb_errf(e, "jobs: out of memory");
    size_t next = 0, ndone = 0, emitted = 0, running = 0;
    int rc = 0;
    while (emitted < o->njobs) {
        while (rc == 0 && next < o->njobs && running < (size_t)workers) {
            if (start(o, next, &slots[next], e) != 0) {
                rc = -1;
                break;
            }
            next++, running++;
        }
        if (running == 0) break; /* a start failed and nothing is left to wait for */
        size_t before = ndone;
        reap(o, slots, &ndone, res);
        if (ndone == before) break; /* no child left to reap (should not happen) */
        running--;
        for (; emitted < o->njobs && slots[emitted].done; emitted++)
            deliver(o, emitted, &slots[emitted]);
    }
    for (size_t i = 0; i < o->njobs; i++) {
        if (slots[i].out) fclose(slots[i].out);
        if (slots[i].err) fclose(slots[i].err);
        if (slots[i].status && !res->first_status)
            res->first_status = slots[i].status, res->first_index = i;
    }
    free(slots);
    return rc;
}
