/*
 * pool.c - the process pool (pool.h).
 */
#include "sweep/pool.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

typedef struct slot {
    pid_t pid;
    int fd;
    size_t task;
    char *buf;
    size_t len, cap;
    int overflow;
} slot;

static int spawn(const tb_pool_opts *o, slot *s, size_t task, tb_err *e)
{
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) return tb_errf(e, "pool: pipe: %s", strerror(errno));
    fflush(NULL); /* nothing buffered is written twice */
    pid_t pid = fork();
    if (pid < 0) {
        close(fds[0]), close(fds[1]);
        return tb_errf(e, "pool: fork: %s", strerror(errno));
    }
    if (pid == 0) {
        close(fds[0]);
        signal(SIGPIPE, SIG_DFL);
        int rc = o->run(o->ud, task, fds[1]);
        _exit(rc & 0x7f);
    }
    close(fds[1]);
    *s = (slot){.pid = pid, .fd = fds[0], .task = task};
    return 0;
}

/* Reads what is there; 1 at end of file. */
static int drain(const tb_pool_opts *o, slot *s)
{
    size_t max = o->max_output ? o->max_output : 16u << 20;
    for (;;) {
        if (s->cap - s->len < 4096) {
            size_t cap = s->cap ? s->cap * 2 : 65536;
            char *b = cap <= max + 65536 ? realloc(s->buf, cap) : NULL;
            if (!b) {
                s->overflow = 1;
                char sink[4096]; /* keep reading so the child is not blocked, drop the rest */
                ssize_t n = read(s->fd, sink, sizeof sink);
                if (n > 0) continue;
                return n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR);
            }
            s->buf = b, s->cap = cap;
        }
        ssize_t n = read(s->fd, s->buf + s->len, s->cap - s->len - 1);
        if (n > 0) {
            s->len += (size_t)n;
            return 0;
        }
        if (n < 0 && errno == EINTR) continue;
        return 1;
    }
}

static int reap(const tb_pool_opts *o, slot *s, tb_err *e)
{
    int st = 0;
    close(s->fd);
    while (waitpid(s->pid, &st, 0) < 0 && errno == EINTR) {
    }
    int failed = WIFEXITED(st) ? WEXITSTATUS(st) : WIFSIGNALED(st) ? 128 + WTERMSIG(st) : 1;
    if (s->overflow && !failed) failed = 1;
    if (s->buf) s->buf[s->len] = 0;
    int rc = o->done(o->ud, s->task, s->buf ? s->buf : "", s->len, failed, e);
    free(s->buf);
    s->pid = 0, s->buf = NULL;
    return rc;
}

static void end_all(slot *sl, int n)
{
    for (int i = 0; i < n; i++)
        if (sl[i].pid > 0) kill(sl[i].pid, SIGTERM);
    for (int i = 0; i < n; i++) {
        if (sl[i].pid <= 0) continue;
        close(sl[i].fd);
        waitpid(sl[i].pid, NULL, 0);
        free(sl[i].buf);
    }
}

int tb_pool_run(const tb_pool_opts *o, tb_err *e)
{
    int jobs = o->jobs < 1 ? 1 : o->jobs;
    slot *sl = calloc((size_t)jobs, sizeof *sl);
    struct pollfd *pf = calloc((size_t)jobs, sizeof *pf);
    size_t next = 0, finished = 0;
    int rc = sl && pf ? 0 : tb_errf(e, "pool: out of memory");
    while (rc == 0 && finished < o->ntasks) {
        for (int i = 0; rc == 0 && i < jobs && next < o->ntasks; i++)
            if (sl[i].pid == 0) rc = spawn(o, &sl[i], o->tasks[next++], e);
        int np = 0;
        for (int i = 0; i < jobs; i++)
            if (sl[i].pid > 0) pf[np++] = (struct pollfd){.fd = sl[i].fd, .events = POLLIN};
        if (rc || np == 0) break;
        int n = poll(pf, (nfds_t)np, 1000);
        if (n < 0 && errno != EINTR) rc = tb_errf(e, "pool: poll: %s", strerror(errno));
        for (int i = 0, k = 0; rc == 0 && n > 0 && i < jobs; i++) {
            if (sl[i].pid <= 0) continue;
            struct pollfd *p = &pf[k++];
            if (!(p->revents & (POLLIN | POLLHUP | POLLERR)) || !drain(o, &sl[i])) continue;
            rc = reap(o, &sl[i], e);
            finished++;
            if (o->progress) o->progress(o->ud, finished, o->ntasks);
        }
        if (n == 0 && o->progress) o->progress(o->ud, finished, o->ntasks);
    }
    if (sl) end_all(sl, jobs);
    free(sl);
    free(pf);
    return rc;
}
