#include "sched/child.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define LINE_MAX_LEN 4096

struct tb_child {
    pid_t pid;
    int fd;
    struct event *rd, *timeout, *poll, *kill9;
    tb_child_opts o;
    char line[LINE_MAX_LEN];
    size_t len;
    int timed_out, reaped;
};

static void emit_line(tb_child *c)
{
    c->line[c->len] = '\0';
    if (c->len && c->line[c->len - 1] == '\r') c->line[c->len - 1] = '\0';
    if (c->o.on_line) c->o.on_line(c->line, c->o.ud);
    c->len = 0;
}

static void finish(tb_child *c, int status)
{
    c->reaped = 1;
    tb_child_result r = {.timed_out = c->timed_out};
    if (WIFEXITED(status)) {
        r.exit_code = WEXITSTATUS(status);
    } else {
        r.signaled = 1;
        r.exit_code = 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
    }
    c->o.on_exit(&r, c->o.ud);
}

static void try_reap(evutil_socket_t fd, short what, void *arg)
{
    tb_child *c = arg;
    int status;
    pid_t p = waitpid(c->pid, &status, WNOHANG);
    if (p == c->pid) {
        finish(c, status);
        return;
    }
    struct timeval tv = {0, 20000};
    evtimer_add(c->poll, &tv);
}

static void read_cb(evutil_socket_t fd, short what, void *arg)
{
    tb_child *c = arg;
    char buf[4096];
    ssize_t n = read(c->fd, buf, sizeof buf);
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
    if (n <= 0) {
        if (c->len) emit_line(c);
        event_del(c->rd);
        close(c->fd);
        c->fd = -1;
        try_reap(-1, 0, c);
        return;
    }
    for (ssize_t i = 0; i < n; i++) {
        if (buf[i] == '\n' || c->len == LINE_MAX_LEN - 1) emit_line(c);
        if (buf[i] != '\n') c->line[c->len++] = buf[i];
    }
}

static void kill9_cb(evutil_socket_t fd, short what, void *arg)
{
    tb_child *c = arg;
    kill(-c->pid, SIGKILL);
}

static void timeout_cb(evutil_socket_t fd, short what, void *arg)
{
    tb_child *c = arg;
    c->timed_out = 1;
    kill(-c->pid, SIGTERM);
    struct timeval tv = {5, 0};
    evtimer_add(c->kill9, &tv);
}

extern char **environ;

/* environ with the step's variables laid over it, built before fork: between fork and exec
 * only async-signal-safe calls are allowed (another thread may hold the malloc lock). */
static char **build_env(const char *const *extra)
{
    size_t n = 0, k = 0;
    while (environ[n]) n++;
    for (const char *const *p = extra; p && *p; p++) k++;
    char **env = calloc(n + k + 1, sizeof *env);
    if (!env) return NULL;
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        const char *eq = strchr(environ[i], '=');
        size_t len = eq ? (size_t)(eq - environ[i]) + 1 : strlen(environ[i]);
        int replaced = 0;
        for (const char *const *p = extra; p && *p; p++)
            if (strncmp(*p, environ[i], len) == 0) replaced = 1;
        if (!replaced) env[m++] = environ[i];
    }
    for (const char *const *p = extra; p && *p; p++) env[m++] = (char *)*p;
    return env;
}

/* In the child after fork: only async-signal-safe calls until exec. */
static void exec_child(const tb_child_opts *o, char **env, int wfd)
{
    setpgid(0, 0);
    int null = open("/dev/null", O_RDONLY);
    if (null >= 0) dup2(null, 0);
    dup2(wfd, 1);
    dup2(wfd, 2);
    if (o->cwd && chdir(o->cwd) != 0) _exit(126);
    execve(o->argv[0], o->argv, env);
    const char msg[] = "cannot execute the step's program\n";
    ssize_t ignored = write(2, msg, sizeof msg - 1);
    (void)ignored;
    _exit(127);
}

tb_child *tb_child_spawn(struct event_base *base, const tb_child_opts *o, tb_err *e)
{
    int p[2];
    if (pipe2(p, O_CLOEXEC) != 0) {
        tb_errf(e, "pipe: %s", strerror(errno));
        return NULL;
    }
    tb_child *c = calloc(1, sizeof *c);
    if (!c) {
        close(p[0]), close(p[1]);
        tb_errf(e, "out of memory");
        return NULL;
    }
    c->o = *o;
    char **env = build_env(o->env);
    pid_t pid = env ? fork() : -1;
    if (pid == 0) exec_child(o, env, p[1]);
    free(env);
    close(p[1]);
    if (pid < 0) {
        tb_errf(e, "fork: %s", strerror(errno));
        close(p[0]);
        free(c);
        return NULL;
    }
    setpgid(pid, pid); /* also here, so a kill right after spawn reaches the group */
    c->pid = pid;
    c->fd = p[0];
    fcntl(c->fd, F_SETFL, fcntl(c->fd, F_GETFL) | O_NONBLOCK);
    c->rd = event_new(base, c->fd, EV_READ | EV_PERSIST, read_cb, c);
    c->timeout = evtimer_new(base, timeout_cb, c);
    c->poll = evtimer_new(base, try_reap, c);
    c->kill9 = evtimer_new(base, kill9_cb, c);
    event_add(c->rd, NULL);
    if (o->timeout_s > 0) {
        struct timeval tv = {o->timeout_s, 0};
        evtimer_add(c->timeout, &tv);
    }
    return c;
}

pid_t tb_child_pid(const tb_child *c)
{
    return c->pid;
}

void tb_child_free(tb_child *c)
{
    if (!c) return;
    if (!c->reaped) {
        kill(-c->pid, SIGKILL);
        waitpid(c->pid, NULL, 0);
    }
    if (c->fd >= 0) close(c->fd);
    event_free(c->rd);
    event_free(c->timeout);
    event_free(c->poll);
    event_free(c->kill9);
    free(c);
}
