#include "orch/child.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define LINE_MAX_LEN 4096
#define POLL_US      50000

struct tb_child {
    pid_t pid;
    long long start_ticks;
    int adopted;
    int fd; /* out_path, read as it grows */
    struct event *poll, *timeout, *kill9;
    tb_child_opts o;
    char status_path[PATH_MAX];
    char line[LINE_MAX_LEN];
    size_t len;
    int timed_out, reaped;
};

long long tb_proc_start_ticks(pid_t pid)
{
    char path[64], buf[1024];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "r");
    if (!f) return -1;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    /* The command name (field 2) may hold spaces and parentheses: fields count from its end. */
    char *p = strrchr(buf, ')');
    if (!p || p[1] != ' ' || p[2] == 'Z' || p[2] == 'X') return -1;
    p += 2; /* field 3, the state */
    for (int field = 3; field < 22 && p; field++) {
        p = strchr(p, ' ');
        if (p) p++;
    }
    return p ? strtoll(p, NULL, 10) : -1;
}

int tb_child_read_status(const char *status_path, tb_child_result *r)
{
    FILE *f = fopen(status_path, "r");
    if (!f) return 0;
    char kind[16] = "";
    int v = 0;
    int ok = fscanf(f, "%15s %d", kind, &v) == 2;
    fclose(f);
    if (!ok) return 0;
    memset(r, 0, sizeof *r);
    r->signaled = strcmp(kind, "signal") == 0;
    r->exit_code = r->signaled ? 128 + v : v;
    return 1;
}

static void emit_line(tb_child *c)
{
    c->line[c->len] = '\0';
    if (c->len && c->line[c->len - 1] == '\r') c->line[c->len - 1] = '\0';
    if (c->o.on_line) c->o.on_line(c->line, c->o.ud);
    c->len = 0;
}

/* Everything the child wrote since the last look. */
static void read_output(tb_child *c)
{
    char buf[4096];
    ssize_t n;
    while ((n = read(c->fd, buf, sizeof buf)) > 0)
        for (ssize_t i = 0; i < n; i++) {
            if (buf[i] == '\n' || c->len == LINE_MAX_LEN - 1) emit_line(c);
            if (buf[i] != '\n') c->line[c->len++] = buf[i];
        }
}

static void finish(tb_child *c, tb_child_result *r)
{
    c->reaped = 1;
    read_output(c);
    if (c->len) emit_line(c);
    r->timed_out = c->timed_out;
    c->o.on_exit(r, c->o.ud);
}

static void from_wait_status(int status, tb_child_result *r)
{
    memset(r, 0, sizeof *r);
    if (WIFEXITED(status)) {
        r->exit_code = WEXITSTATUS(status);
    } else {
        r->signaled = 1;
        r->exit_code = 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
    }
}

static void poll_cb(evutil_socket_t fd, short what, void *arg)
{
    tb_child *c = arg;
    read_output(c);
    tb_child_result r;
    if (!c->adopted) {
        int status;
        if (waitpid(c->pid, &status, WNOHANG) == c->pid) {
            /* The program's own status, from the supervisor, unless the group was killed. */
            if (!tb_child_read_status(c->status_path, &r)) from_wait_status(status, &r);
            finish(c, &r);
            return;
        }
    } else if (tb_proc_start_ticks(c->pid) != c->start_ticks) {
        if (!tb_child_read_status(c->status_path, &r)) {
            memset(&r, 0, sizeof r);
            r.lost = !c->timed_out;
            r.signaled = 1;
            r.exit_code = 128 + SIGKILL;
        }
        finish(c, &r);
        return;
    }
    struct timeval tv = {0, POLL_US};
    evtimer_add(c->poll, &tv);
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

/* "exit N\n" or "signal N\n" without stdio (async-signal-safe). */
static size_t fmt_status(char *buf, int status)
{
    const char *kind = WIFEXITED(status) ? "exit " : "signal ";
    int v = WIFEXITED(status) ? WEXITSTATUS(status) : WIFSIGNALED(status) ? WTERMSIG(status) : 0;
    size_t n = 0;
    while (*kind) buf[n++] = *kind++;
    char digits[12];
    int k = 0;
    do digits[k++] = (char)('0' + v % 10);
    while ((v /= 10) > 0);
    while (k) buf[n++] = digits[--k];
    buf[n++] = '\n';
    return n;
}

/* The group leader after fork: runs the program as its own child, writes how it ended to
 * status_path (through a temporary name, so a reader never sees half a line), and ends the
 * same way. Only async-signal-safe calls: the parent may have threads. */
static void supervise(const tb_child_opts *o, char **env, const char *tmp_status)
{
    /* The timeout's SIGTERM is for the program: the supervisor stays to report how it ended
     * (the SIGKILL 5 s later ends both). */
    struct sigaction ign = {.sa_handler = SIG_IGN}, dfl = {.sa_handler = SIG_DFL};
    static const int stay[] = {SIGTERM, SIGINT, SIGHUP};
    for (int i = 0; i < 3; i++) sigaction(stay[i], &ign, NULL);
    pid_t pid = fork();
    if (pid == 0) {
        for (int i = 0; i < 3; i++) sigaction(stay[i], &dfl, NULL);
        execve(o->argv[0], o->argv, env);
        const char msg[] = "cannot execute the step's program\n";
        ssize_t ignored = write(2, msg, sizeof msg - 1);
        (void)ignored;
        _exit(127);
    }
    int status = 0;
    if (pid < 0) _exit(126);
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    char buf[32];
    size_t n = fmt_status(buf, status);
    int fd = open(tmp_status, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd >= 0) {
        ssize_t ignored = write(fd, buf, n);
        (void)ignored;
        fsync(fd);
        close(fd);
        rename(tmp_status, o->status_path);
    }
    if (WIFSIGNALED(status)) {
        struct sigaction sa = {.sa_handler = SIG_DFL};
        sigaction(WTERMSIG(status), &sa, NULL);
        kill(getpid(), WTERMSIG(status));
    }
    _exit(WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
}

/* In the child after fork: only async-signal-safe calls until exec. */
static void exec_child(const tb_child_opts *o, char **env, int wfd, const char *tmp_status)
{
    setpgid(0, 0);
    /* The supervisor never execs: the parent's handlers (libevent's writes to the parent's
     * signal pipe) must not run in it. Default dispositions and no blocked signals. */
    struct sigaction dfl = {.sa_handler = SIG_DFL};
    for (int sig = 1; sig < NSIG; sig++) sigaction(sig, &dfl, NULL);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    int null = open("/dev/null", O_RDONLY);
    if (null >= 0) dup2(null, 0);
    dup2(wfd, 1);
    dup2(wfd, 2);
    /* The supervisor never execs, so O_CLOEXEC does not help: without this it would keep the
     * parent's descriptors, and with them its flocks (run/engine.lock, run/orchestrator.lock),
     * refusing the next engine or orchestrator for as long as the step runs. */
    if (close_range(3, ~0U, 0) != 0)
        for (int fd = 3; fd < 65536; fd++) close(fd);
    if (o->cwd && chdir(o->cwd) != 0) _exit(126);
    supervise(o, env, tmp_status);
}

static tb_child *child_new(struct event_base *base, const tb_child_opts *o, int fd)
{
    tb_child *c = calloc(1, sizeof *c);
    if (!c) return NULL;
    c->o = *o;
    c->fd = fd;
    snprintf(c->status_path, sizeof c->status_path, "%s", o->status_path);
    c->poll = evtimer_new(base, poll_cb, c);
    c->timeout = evtimer_new(base, timeout_cb, c);
    c->kill9 = evtimer_new(base, kill9_cb, c);
    struct timeval tv = {0, POLL_US};
    evtimer_add(c->poll, &tv);
    if (o->timeout_s > 0) {
        struct timeval to = {o->timeout_s, 0};
        evtimer_add(c->timeout, &to);
    }
    return c;
}

tb_child *tb_child_spawn(struct event_base *base, const tb_child_opts *o, tb_err *e)
{
    char tmp_status[PATH_MAX + 8];
    snprintf(tmp_status, sizeof tmp_status, "%s.tmp", o->status_path);
    unlink(o->status_path);
    int wfd = open(o->out_path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0640);
    int rfd = wfd >= 0 ? open(o->out_path, O_RDONLY | O_CLOEXEC) : -1;
    if (rfd < 0) {
        tb_errf(e, "%s: %s", o->out_path, strerror(errno));
        if (wfd >= 0) close(wfd);
        return NULL;
    }
    char **env = build_env(o->env);
    pid_t pid = env ? fork() : -1;
    if (pid == 0) exec_child(o, env, wfd, tmp_status);
    int err = errno;
    free(env);
    close(wfd);
    if (pid < 0) {
        tb_errf(e, "fork: %s", strerror(err));
        close(rfd);
        return NULL;
    }
    setpgid(pid, pid); /* also here, so a kill right after spawn reaches the group */
    tb_child *c = child_new(base, o, rfd);
    if (!c) {
        kill(-pid, SIGKILL);
        waitpid(pid, NULL, 0);
        close(rfd);
        tb_errf(e, "out of memory");
        return NULL;
    }
    c->pid = pid;
    c->start_ticks = tb_proc_start_ticks(pid);
    return c;
}

tb_child *tb_child_adopt(struct event_base *base, pid_t pid, long long start_ticks,
                         const tb_child_opts *o, tb_err *e)
{
    if (pid <= 0 || tb_proc_start_ticks(pid) != start_ticks) {
        tb_errf(e, "pid %d is no longer running", (int)pid);
        return NULL;
    }
    int rfd = open(o->out_path, O_RDONLY | O_CLOEXEC);
    if (rfd >= 0) lseek(rfd, 0, SEEK_END); /* what it wrote meanwhile stays in the file */
    if (rfd < 0) rfd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    tb_child *c = child_new(base, o, rfd);
    if (!c) {
        close(rfd);
        tb_errf(e, "out of memory");
        return NULL;
    }
    c->pid = pid;
    c->start_ticks = start_ticks;
    c->adopted = 1;
    return c;
}

pid_t tb_child_pid(const tb_child *c)
{
    return c->pid;
}

long long tb_child_start_ticks(const tb_child *c)
{
    return c->start_ticks;
}

void tb_child_free(tb_child *c)
{
    if (!c) return;
    if (!c->reaped) {
        kill(-c->pid, SIGKILL);
        if (!c->adopted) waitpid(c->pid, NULL, 0);
    }
    if (c->fd >= 0) close(c->fd);
    event_free(c->poll);
    event_free(c->timeout);
    event_free(c->kill9);
    free(c);
}
