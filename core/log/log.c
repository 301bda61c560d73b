#include "log/log.h"
#include "log/redact.h"
#include "log/rotate.h"
#include "util/clock.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

static struct {
    int fd;
    char path[PATH_MAX];
    char archive_dir[PATH_MAX];
    tb_log_level level;
    int also_stderr;
    int64_t max_bytes;
    int64_t size;
    uint64_t counts[4];
} lg = {.fd = -1, .level = TB_LOG_INFO, .also_stderr = 1};

static const char *const level_names[] = {"DEBUG", "INFO", "WARN", "ERROR"};

void tb_log_configure(const tb_log_opts *o)
{
    lg.level = o->level;
    lg.also_stderr = o->also_stderr;
    lg.max_bytes = o->max_bytes;
    snprintf(lg.archive_dir, sizeof lg.archive_dir, "%s", o->archive_dir ? o->archive_dir : "");
}

int tb_log_open(const char *path, const tb_log_opts *opts, tb_err *e)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
    if (fd < 0) return tb_errf(e, "log %s: %s", path, strerror(errno));
    tb_log_close();
    lg.fd = fd;
    snprintf(lg.path, sizeof lg.path, "%s", path);
    struct stat st;
    lg.size = fstat(fd, &st) == 0 ? st.st_size : 0;
    tb_log_configure(opts);
    return 0;
}

int tb_log_level_parse(const char *s)
{
    if (!strcasecmp(s, "debug")) return TB_LOG_DEBUG;
    if (!strcasecmp(s, "info")) return TB_LOG_INFO;
    if (!strcasecmp(s, "warn") || !strcasecmp(s, "warning")) return TB_LOG_WARN;
    if (!strcasecmp(s, "error")) return TB_LOG_ERROR;
    return -1;
}

static void maybe_rotate(void)
{
    if (lg.max_bytes <= 0 || lg.size < lg.max_bytes || !lg.archive_dir[0]) return;
    tb_err e;
    char dst[PATH_MAX];
    if (tb_rotate_file(lg.path, lg.archive_dir, dst, sizeof dst, &e) != 0) {
        lg.max_bytes = 0; /* stop retrying every line; the error is said once */
        dprintf(STDERR_FILENO, "log rotation failed: %s\n", e.msg);
        return;
    }
    int fd = open(lg.path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
    if (fd >= 0) {
        close(lg.fd);
        lg.fd = fd;
        lg.size = 0;
    }
    tb_log(TB_LOG_INFO, "log", "log rotated to %s", dst);
}

/*
 * Control characters become escapes (\n, \r, \t, \x1b ...): a message carries strings from
 * strategies (reasons, names, symbols), and a newline in one must not forge a log line, nor an
 * escape sequence rewrite the operator's terminal.
 */
static void escape_controls(const char *in, char *out, size_t cap)
{
    size_t o = 0;
    for (const unsigned char *p = (const unsigned char *)in; *p && o + 5 < cap; p++) {
        if (*p == '\n' || *p == '\r' || *p == '\t') {
            out[o++] = '\\';
            out[o++] = *p == '\n' ? 'n' : *p == '\r' ? 'r' : 't';
        } else if (*p < 0x20 || *p == 0x7f) {
            o += (size_t)snprintf(out + o, cap - o, "\\x%02x", *p);
        } else {
            out[o++] = (char)*p;
        }
    }
    out[o] = '\0';
}

void tb_log(tb_log_level level, const char *component, const char *fmt, ...)
{
    if ((unsigned)level > TB_LOG_ERROR) level = TB_LOG_ERROR;
    lg.counts[level]++;
    if (level < lg.level) return;
    char msg[4096], esc[4096], comp[80], line[4400], ts[40];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    escape_controls(msg, esc, sizeof esc);
    escape_controls(component ? component : "-", comp, sizeof comp);
    int n = snprintf(line, sizeof line, "%s %-5s [%s] ",
                     tb_clock_fmt_utc(tb_clock_now_ns(), ts, sizeof ts), level_names[level], comp);
    tb_redact(esc, line + n, sizeof line - (size_t)n - 1);
    size_t len = strlen(line);
    line[len++] = '\n';
    if (lg.fd >= 0) {
        ssize_t w = write(lg.fd, line, len);
        if (w > 0) lg.size += w;
    }
    if (lg.fd < 0 || lg.also_stderr) {
        ssize_t w = write(STDERR_FILENO, line, len);
        (void)w;
    }
    if (lg.fd >= 0) maybe_rotate();
}

void tb_log_close(void)
{
    if (lg.fd >= 0) {
        fsync(lg.fd);
        close(lg.fd);
    }
    lg.fd = -1;
}

uint64_t tb_log_count(tb_log_level level)
{
    return (unsigned)level <= TB_LOG_ERROR ? lg.counts[level] : 0;
}

int tb_log_line_parse(const char *line, size_t len, tb_log_line *out)
{
    const char *end = line + len, *p = memchr(line, ' ', len);
    if (!p) return -1;
    while (p < end && *p == ' ') p++;
    out->level = -1;
    for (int i = 0; i < 4; i++) {
        size_t n = strlen(level_names[i]);
        if ((size_t)(end - p) > n && strncmp(p, level_names[i], n) == 0 && p[n] == ' ')
            out->level = i, p += n;
    }
    while (p < end && *p == ' ') p++;
    if (out->level < 0 || p >= end || *p != '[') return -1;
    const char *close = memchr(p, ']', (size_t)(end - p));
    size_t n = close ? (size_t)(close - p - 1) : 0;
    if (!close || n >= sizeof out->component || close + 1 >= end || close[1] != ' ') return -1;
    memcpy(out->component, p + 1, n);
    out->component[n] = 0;
    out->message = close + 2;
    return 0;
}

const char *tb_log_line_from(const char *line, size_t len, const char *component,
                             const char *prefix)
{
    tb_log_line l;
    if (tb_log_line_parse(line, len, &l) != 0 || strcmp(l.component, component) != 0) return NULL;
    size_t n = strlen(prefix);
    return (size_t)(line + len - l.message) >= n && strncmp(l.message, prefix, n) == 0 ? l.message
                                                                                       : NULL;
}
