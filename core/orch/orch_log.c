#include "orch/orch_log.h"
#include "log/redact.h"
#include "util/clock.h"

#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void tb_orch_log_init(tb_orch_log *lg, const char *path)
{
    memset(lg, 0, sizeof *lg);
    lg->fd = -1;
    if (path) snprintf(lg->path, sizeof lg->path, "%s", path);
}

/* Reopens when the file was moved away (rotation) or never opened. */
static void ensure_open(tb_orch_log *lg)
{
    struct stat st;
    if (lg->fd >= 0 && stat(lg->path, &st) == 0 && st.st_ino == lg->ino) return;
    if (lg->fd >= 0) close(lg->fd);
    lg->fd = open(lg->path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
    if (lg->fd >= 0 && fstat(lg->fd, &st) == 0) lg->ino = st.st_ino;
}

void tb_orch_logf(tb_orch_log *lg, tb_log_level level, const char *fmt, ...)
{
    char msg[4600];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (!lg->path[0]) {
        tb_log(level, "orchestrator", "%s", msg);
        return;
    }
    static const char *const names[] = {"DEBUG", "INFO", "WARN", "ERROR"};
    char ts[40], clean[4700], line[4800];
    tb_redact(msg, clean, sizeof clean);
    int n = snprintf(line, sizeof line, "%s %s [orchestrator] %s\n",
                     tb_clock_fmt_utc(tb_clock_now_ns(), ts, sizeof ts), names[level], clean);
    if (n >= (int)sizeof line) n = (int)sizeof line - 1, line[n - 1] = '\n';
    if (lg->echo && write(2, line, (size_t)n) < 0) {
        /* stderr closed: the file still gets the line */
    }
    ensure_open(lg);
    if (lg->fd >= 0 && write(lg->fd, line, (size_t)n) < 0) {
        /* Nothing sensible to do: the trading log is the place to say it. */
        tb_log(TB_LOG_WARN, "orchestrator", "cannot write %s", lg->path);
    }
}

void tb_orch_log_close(tb_orch_log *lg)
{
    if (lg->fd >= 0) close(lg->fd);
    lg->fd = -1;
}
