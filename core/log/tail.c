#include "log/tail.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Reads [off, off+n) and hands out complete lines; returns bytes consumed up to the last \n. */
static int64_t read_lines(int fd, int64_t off, size_t n, int skip_first, tb_tail_fn fn, void *ud)
{
    char *buf = malloc(n + 1);
    if (!buf) return -1;
    ssize_t got = pread(fd, buf, n, off);
    if (got < 0) {
        free(buf);
        return -1;
    }
    char *p = buf, *end = buf + got;
    if (skip_first) {
        char *nl = memchr(p, '\n', (size_t)(end - p));
        p = nl ? nl + 1 : end;
    }
    int64_t used = p - buf;
    while (p < end) {
        char *nl = memchr(p, '\n', (size_t)(end - p));
        if (!nl) break;
        *nl = 0;
        if (nl > p) fn(p, (size_t)(nl - p), ud);
        p = nl + 1;
        used = p - buf;
    }
    free(buf);
    return used;
}

int64_t tb_tail_lines(const char *path, size_t max_bytes, tb_tail_fn fn, void *ud)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    struct stat st;
    int64_t rc = -1;
    if (fstat(fd, &st) == 0) {
        int64_t size = st.st_size;
        int64_t off = size > (int64_t)max_bytes ? size - (int64_t)max_bytes : 0;
        int64_t used = read_lines(fd, off, (size_t)(size - off), off > 0, fn, ud);
        rc = used < 0 ? -1 : off + used;
    }
    close(fd);
    return rc;
}

int64_t tb_tail_from(const char *path, int64_t from, size_t max_bytes, tb_tail_fn fn, void *ud)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    struct stat st;
    int64_t rc = -1;
    if (fstat(fd, &st) == 0) {
        if (st.st_size < from) from = 0;
        int64_t n = st.st_size - from;
        if (n > (int64_t)max_bytes) n = (int64_t)max_bytes;
        int64_t used = n > 0 ? read_lines(fd, from, (size_t)n, 0, fn, ud) : 0;
        rc = used < 0 ? -1 : from + used;
    }
    close(fd);
    return rc;
}
