#include "log/rotate.h"
#include "util/atomic.h"
#include "util/clock.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

static pthread_mutex_t jobs_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t jobs_cv = PTHREAD_COND_INITIALIZER;
static int jobs_running;

int tb_archive_gzip(const char *src, const char *dst, tb_err *e)
{
    FILE *in = fopen(src, "rb");
    if (!in) return tb_errf(e, "archive %s: %s", src, strerror(errno));
    char tmp[PATH_MAX + 8];
    snprintf(tmp, sizeof tmp, "%s.part", dst);
    /* Archives hold logs and trails: the owner's alone (0600), whatever the umask. */
    int ofd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    gzFile out = ofd >= 0 && fchmod(ofd, 0600) == 0 ? gzdopen(ofd, "wb6") : NULL;
    if (!out) {
        if (ofd >= 0) close(ofd);
        fclose(in);
        return tb_errf(e, "archive %s: cannot create %s", src, tmp);
    }
    char buf[1 << 16];
    size_t n;
    int rc = 0;
    while ((n = fread(buf, 1, sizeof buf, in)) > 0)
        if (gzwrite(out, buf, (unsigned)n) != (int)n) {
            rc = tb_errf(e, "archive %s: write to %s failed", src, tmp);
            break;
        }
    if (ferror(in)) rc = tb_errf(e, "archive %s: read failed", src);
    fclose(in);
    if (gzclose(out) != Z_OK && rc == 0) rc = tb_errf(e, "archive %s: closing %s failed", src, tmp);
    if (rc == 0) {
        int fd = open(tmp, O_RDONLY);
        if (fd >= 0) {
            fsync(fd);
            close(fd);
        }
        if (rename(tmp, dst) != 0)
            rc = tb_errf(e, "archive %s: %s", dst, strerror(errno));
        else
            rc = tb_fsync_dir_of(dst, e);
    }
    if (rc != 0) unlink(tmp);
    return rc;
}

struct job {
    char src[PATH_MAX];
    char dst[PATH_MAX + 4];
};

static void *compress_job(void *arg)
{
    struct job *j = arg;
    tb_err e;
    /* On failure the uncompressed file stays in the archive: nothing is lost. */
    if (tb_archive_gzip(j->src, j->dst, &e) == 0) unlink(j->src);
    free(j);
    pthread_mutex_lock(&jobs_mu);
    jobs_running--;
    pthread_cond_broadcast(&jobs_cv);
    pthread_mutex_unlock(&jobs_mu);
    return NULL;
}

int tb_rotate_file(const char *path, const char *archive_dir, char *out, int outlen, tb_err *e)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    char stamp[32];
    time_t now = (time_t)(tb_clock_now_ns() / 1000000000LL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tm);

    struct job *j = calloc(1, sizeof *j);
    if (!j) return tb_errf(e, "rotate %s: out of memory", path);
    struct stat st;
    for (int n = 0;; n++) {
        if (n == 0)
            snprintf(j->src, sizeof j->src, "%s/%s.%s", archive_dir, base, stamp);
        else
            snprintf(j->src, sizeof j->src, "%s/%s.%s.%d", archive_dir, base, stamp, n);
        snprintf(j->dst, sizeof j->dst, "%s.gz", j->src);
        if (stat(j->src, &st) != 0 && stat(j->dst, &st) != 0) break;
    }
    if (rename(path, j->src) != 0) {
        int err = errno;
        free(j);
        return tb_errf(e, "rotate %s -> %s: %s", path, archive_dir, strerror(err));
    }
    if (out) snprintf(out, (size_t)outlen, "%s", j->dst);

    pthread_mutex_lock(&jobs_mu);
    jobs_running++;
    pthread_mutex_unlock(&jobs_mu);
    pthread_t t;
    if (pthread_create(&t, NULL, compress_job, j) != 0) {
        compress_job(j); /* no thread: compress here rather than leave it undone */
    } else {
        pthread_detach(t);
    }
    return 0;
}

void tb_rotate_wait(void)
{
    pthread_mutex_lock(&jobs_mu);
    while (jobs_running > 0) pthread_cond_wait(&jobs_cv, &jobs_mu);
    pthread_mutex_unlock(&jobs_mu);
}
