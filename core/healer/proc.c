/*
 * proc.c - child processes for the Healer: fork, chdir, redirect, exec, wait. The Healer runs
 * outside the engine's loop (a command of its own), so waiting here blocks nothing else; the
 * dashboard's promotion runs only short git commands.
 */
#include "healer/proc.h"

#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

void hl_logf(int logfd, const char *fmt, ...)
{
    char buf[2048];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (n > (int)sizeof buf - 1) n = (int)sizeof buf - 1;
    if (logfd >= 0 && n > 0 && write(logfd, buf, (size_t)n) < 0) return;
}

static char *read_all(int fd)
{
    size_t len = 0, cap = 4096;
    char *s = malloc(cap);
    ssize_t n;
    while (s && (n = read(fd, s + len, cap - len - 1)) > 0) {
        len += (size_t)n;
        if (cap - len < 1024) {
            char *t = realloc(s, cap *= 2);
            if (!t) break;
            s = t;
        }
    }
    if (s) s[len] = 0;
    return s;
}

int hl_run(const char *const *argv, const char *cwd, int logfd, char **out)
{
    char self[4096];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    self[n > 0 ? n : 0] = 0;
    hl_logf(logfd, "$");
    for (int i = 0; argv[i]; i++) hl_logf(logfd, " %s", argv[i]);
    hl_logf(logfd, "   (in %s)\n", cwd ? cwd : ".");
    int pfd[2] = {-1, -1};
    if (out && pipe(pfd) != 0) return -1;
    pid_t pid = fork();
    if (pid < 0) return -1;
    if (pid == 0) {
        int devnull = open("/dev/null", O_RDWR);
        int sink = logfd >= 0 ? logfd : devnull; /* no log: the output goes nowhere */
        dup2(devnull, 0);
        dup2(out ? pfd[1] : sink, 1);
        dup2(sink, 2);
        if (out) close(pfd[0]);
        if (cwd && chdir(cwd) != 0) _exit(126);
        const char *prog = strcmp(argv[0], "tradebot") == 0 ? self : argv[0];
        execvp(prog, (char *const *)argv);
        _exit(127);
    }
    if (out) {
        close(pfd[1]);
        *out = read_all(pfd[0]);
        close(pfd[0]);
    }
    int st;
    while (waitpid(pid, &st, 0) < 0) {
    }
    int rc = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    if (rc) hl_logf(logfd, "(exit status %d)\n", rc);
    return rc;
}
