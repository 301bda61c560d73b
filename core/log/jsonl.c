#include "log/jsonl.h"
#include "log/redact.h"
#include "log/rotate.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct tb_jsonl {
    int fd;
    int fsync_each;
    int64_t size, max_bytes, repaired;
    char path[PATH_MAX];
    char archive_dir[PATH_MAX];
};

/* Cuts everything after the last newline: a partial line is not a record. */
static int64_t repair_tail(int fd, int64_t size)
{
    if (size == 0) return 0;
    char c;
    if (pread(fd, &c, 1, size - 1) == 1 && c == '\n') return 0;
    char buf[4096];
    int64_t pos = size;
    while (pos > 0) {
        int64_t chunk = pos < (int64_t)sizeof buf ? pos : (int64_t)sizeof buf;
        if (pread(fd, buf, (size_t)chunk, pos - chunk) != chunk) return -1;
        for (int64_t i = chunk - 1; i >= 0; i--)
            if (buf[i] == '\n') {
                int64_t keep = pos - chunk + i + 1;
                return ftruncate(fd, keep) == 0 ? size - keep : -1;
            }
        pos -= chunk;
    }
    return ftruncate(fd, 0) == 0 ? size : -1;
}

tb_jsonl *tb_jsonl_open(const char *path, int fsync_each, tb_err *e)
{
    int fd = open(path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
    if (fd < 0) {
        tb_errf(e, "%s: %s", path, strerror(errno));
        return NULL;
    }
    struct stat st;
    if (fstat(fd, &st) != 0) {
        tb_errf(e, "%s: %s", path, strerror(errno));
        close(fd);
        return NULL;
    }
    tb_jsonl *j = calloc(1, sizeof *j);
    if (!j) {
        close(fd);
        tb_errf(e, "%s: out of memory", path);
        return NULL;
    }
    j->fd = fd;
    j->fsync_each = fsync_each;
    j->repaired = repair_tail(fd, st.st_size);
    if (j->repaired < 0) {
        tb_errf(e, "%s: cannot repair torn last line: %s", path, strerror(errno));
        tb_jsonl_close(j);
        return NULL;
    }
    j->size = st.st_size - j->repaired;
    snprintf(j->path, sizeof j->path, "%s", path);
    return j;
}

void tb_jsonl_set_rotation(tb_jsonl *j, int64_t max_bytes, const char *archive_dir)
{
    j->max_bytes = max_bytes;
    snprintf(j->archive_dir, sizeof j->archive_dir, "%s", archive_dir ? archive_dir : "");
}

int tb_jsonl_rotate_now(tb_jsonl *j, char *out, int outlen, tb_err *e)
{
    if (!j->archive_dir[0]) return tb_errf(e, "%s: no archive folder set", j->path);
    if (tb_rotate_file(j->path, j->archive_dir, out, outlen, e) != 0) return -1;
    int fd = open(j->path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
    if (fd < 0) return tb_errf(e, "%s: reopen after rotation: %s", j->path, strerror(errno));
    close(j->fd);
    j->fd = fd;
    j->size = 0;
    return 0;
}

int tb_jsonl_write(tb_jsonl *j, const json_t *obj, tb_err *e)
{
    char *raw = json_dumps(obj, JSON_COMPACT | JSON_ENSURE_ASCII);
    if (!raw) return tb_errf(e, "%s: cannot encode record", j->path);
    size_t cap = strlen(raw) + 64;
    char *line = malloc(cap + 1);
    if (!line) {
        free(raw);
        return tb_errf(e, "%s: out of memory", j->path);
    }
    tb_redact(raw, line, cap);
    free(raw);
    size_t len = strlen(line);
    line[len++] = '\n';
    ssize_t w = write(j->fd, line, len);
    free(line);
    if (w != (ssize_t)len) {
        /* A short write would leave a torn line: cut it now rather than at the next start. */
        if (w > 0) (void)!ftruncate(j->fd, j->size);
        return tb_errf(e, "%s: write failed: %s", j->path, w < 0 ? strerror(errno) : "short write");
    }
    j->size += w;
    if (j->fsync_each) fdatasync(j->fd);
    if (j->max_bytes > 0 && j->size >= j->max_bytes && j->archive_dir[0])
        return tb_jsonl_rotate_now(j, NULL, 0, e);
    return 0;
}

int64_t tb_jsonl_repaired_bytes(const tb_jsonl *j)
{
    return j->repaired;
}

void tb_jsonl_close(tb_jsonl *j)
{
    if (!j) return;
    fsync(j->fd);
    close(j->fd);
    free(j);
}
