#include "util/atomic.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int tb_fsync_dir_of(const char *path, tb_err *e)
{
    char dir[PATH_MAX];
    const char *slash = strrchr(path, '/');
    if (!slash)
        snprintf(dir, sizeof dir, ".");
    else if (slash == path)
        snprintf(dir, sizeof dir, "/");
    else
        snprintf(dir, sizeof dir, "%.*s", (int)(slash - path), path);
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return tb_errf(e, "%s: cannot open its folder %s: %s", path, dir, strerror(errno));
    int rc = fsync(fd);
    int err = errno;
    close(fd);
    /* Some file systems cannot sync a folder (EINVAL): the rename is as durable as they allow. */
    if (rc != 0 && err != EINVAL)
        return tb_errf(e, "%s: fsync of its folder %s: %s", path, dir, strerror(err));
    return 0;
}

int tb_atomic_begin(tb_atomic *a, const char *path, mode_t mode, tb_err *e)
{
    memset(a, 0, sizeof *a);
    if (snprintf(a->path, sizeof a->path, "%s", path) >= (int)sizeof a->path)
        return tb_errf(e, "%s: path too long", path);
    /* A unique name: two processes replacing the same file never write into one temporary. */
    snprintf(a->tmp, sizeof a->tmp, "%s.tmpXXXXXX", path);
    int fd = mkostemp(a->tmp, O_CLOEXEC);
    if (fd < 0) {
        int err = errno;
        a->tmp[0] = '\0';
        return tb_errf(e, "%s: cannot create a temporary file beside it: %s", path, strerror(err));
    }
    if (fchmod(fd, mode) != 0 || !(a->f = fdopen(fd, "w"))) {
        int err = errno;
        close(fd);
        tb_atomic_abort(a);
        return tb_errf(e, "%s: %s", path, strerror(err));
    }
    return 0;
}

void tb_atomic_abort(tb_atomic *a)
{
    if (a->f) fclose(a->f);
    a->f = NULL;
    if (a->tmp[0]) unlink(a->tmp);
    a->tmp[0] = '\0';
}

int tb_atomic_commit(tb_atomic *a, tb_err *e)
{
    if (!a->f) return tb_errf(e, "%s: nothing to commit", a->path);
    const char *step = NULL;
    if (ferror(a->f))
        step = "write";
    else if (fflush(a->f) != 0)
        step = "write";
    else if (fsync(fileno(a->f)) != 0)
        step = "fsync";
    int err = errno;
    if (step) {
        tb_atomic_abort(a);
        return tb_errf(e, "%s: %s failed: %s", a->path, step, strerror(err ? err : EIO));
    }
    int closed = fclose(a->f);
    a->f = NULL;
    if (closed != 0 || rename(a->tmp, a->path) != 0) {
        err = errno;
        tb_atomic_abort(a);
        return tb_errf(e, "%s: %s failed: %s", a->path, closed ? "close" : "rename", strerror(err));
    }
    a->tmp[0] = '\0';
    return tb_fsync_dir_of(a->path, e);
}

int tb_atomic_write(const char *path, const void *data, size_t len, mode_t mode, tb_err *e)
{
    tb_atomic a;
    if (tb_atomic_begin(&a, path, mode, e) != 0) return -1;
    if (len && fwrite(data, 1, len, a.f) != len) {
        int err = errno;
        tb_atomic_abort(&a);
        return tb_errf(e, "%s: write failed: %s", path, strerror(err ? err : EIO));
    }
    return tb_atomic_commit(&a, e);
}

int tb_atomic_write_json(const char *path, const json_t *j, size_t flags, mode_t mode, tb_err *e)
{
    char *s = json_dumps(j, flags);
    if (!s) return tb_errf(e, "%s: cannot encode the JSON document", path);
    size_t n = strlen(s);
    char *t = realloc(s, n + 2);
    if (!t) {
        free(s);
        return tb_errf(e, "%s: out of memory", path);
    }
    t[n] = '\n';
    t[n + 1] = '\0';
    int rc = tb_atomic_write(path, t, n + 1, mode, e);
    free(t);
    return rc;
}
