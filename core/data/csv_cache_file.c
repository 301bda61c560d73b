/* The cache on disk: where it lives, whether it belongs to the CSV, reading and writing it. */
#include "data/csv_cache.h"
#include "util/hash64.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define EDGE     4096
#define RACY_NS  (2 * TB_NS_PER_SEC)
#define MAX_FILE (1ull << 40)

static int64_t ts_ns(struct timespec t)
{
    return (int64_t)t.tv_sec * TB_NS_PER_SEC + t.tv_nsec;
}

static void src_of(const struct stat *st, tb_csv_src *s)
{
    memset(s, 0, sizeof *s);
    s->size = (uint64_t)st->st_size;
    s->mtime_ns = ts_ns(st->st_mtim);
    s->ctime_ns = ts_ns(st->st_ctim);
    s->dev = (uint64_t)st->st_dev;
    s->ino = (uint64_t)st->st_ino;
}

/* Reads len bytes at off; 0 when all were read. */
static int pread_all(int fd, void *buf, size_t len, off_t off)
{
    for (size_t got = 0; got < len;) {
        ssize_t r = pread(fd, (char *)buf + got, len - got, off + (off_t)got);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) return -1;
        got += (size_t)r;
    }
    return 0;
}

static void edge_hashes(const char *buf, size_t len, tb_csv_src *s)
{
    size_t k = len < EDGE ? len : EDGE;
    s->head_hash = tb_hash64(buf, k, 1);
    s->tail_hash = tb_hash64(buf + len - k, k, 2);
}

/* The first and last 4 KiB of the CSV, read where they are. */
static int edge_hashes_fd(int fd, tb_csv_src *s)
{
    char head[EDGE], tail[EDGE];
    size_t k = s->size < EDGE ? (size_t)s->size : EDGE;
    if (pread_all(fd, head, k, 0) != 0 || pread_all(fd, tail, k, (off_t)(s->size - k)) != 0)
        return -1;
    s->head_hash = tb_hash64(head, k, 1);
    s->tail_hash = tb_hash64(tail, k, 2);
    return 0;
}

void tb_csv_cache_path(const char *csv, char *out, size_t len)
{
    const char *slash = strrchr(csv, '/');
    if (slash)
        snprintf(out, len, "%.*s/%s/%s%s", (int)(slash - csv), csv, TB_CSV_CACHE_DIR, slash + 1,
                 TB_CSV_CACHE_EXT);
    else
        snprintf(out, len, "%s/%s%s", TB_CSV_CACHE_DIR, csv, TB_CSV_CACHE_EXT);
}

/* DIR/HASH-NAME.tbc in the fallback folder, HASH of the CSV's absolute path. */
static int fallback_path(const char *csv, const char *dir, char *out, size_t len)
{
    char abs[PATH_MAX];
    if (!dir || !*dir || !realpath(csv, abs)) return -1;
    snprintf(out, len, "%s/%016llx-%s%s", dir, (unsigned long long)tb_hash64(abs, strlen(abs), 0),
             strrchr(abs, '/') + 1, TB_CSV_CACHE_EXT);
    return 0;
}

/* The whole cache file in memory: read, not mapped, so a file truncated by someone else while
 * we use it cannot end the process with SIGBUS. NULL when absent or unreadable. */
static void *read_file(const char *cpath, size_t *len)
{
    int fd = open(cpath, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return NULL;
    struct stat st;
    void *buf = NULL;
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && (uint64_t)st.st_size < MAX_FILE &&
        (buf = malloc((size_t)st.st_size + 1)) && pread_all(fd, buf, (size_t)st.st_size, 0) != 0) {
        free(buf);
        buf = NULL;
    }
    close(fd);
    *len = buf ? (size_t)st.st_size : 0;
    return buf;
}

/* 0 and f filled when cpath holds a valid cache of the CSV; why says otherwise ("" absent). */
static int try_cache(const char *cpath, const tb_csv_src *src, uint64_t oh, const char *path,
                     tb_csv_file *f, char *why, size_t whylen)
{
    size_t len;
    void *img = read_file(cpath, &len);
    why[0] = '\0';
    if (!img) return -1;
    if (tb_csv_cache_check(img, len, src, oh, path, f, why, whylen) != 0) {
        free(img);
        return -1;
    }
    f->img = img, f->img_len = len, f->cache = TB_CSV_CACHE_HIT;
    return 0;
}

/* Writes the image to cpath through a temporary file renamed into place. */
static int write_cache(const char *cpath, const void *img, size_t len, char *why, size_t whylen)
{
    static unsigned seq;
    char dir[PATH_MAX], tmp[PATH_MAX + 48];
    snprintf(dir, sizeof dir, "%s", cpath);
    char *slash = strrchr(dir, '/');
    if (slash) *slash = '\0';
    if (slash && mkdir(dir, 0755) != 0 && errno != EEXIST)
        return snprintf(why, whylen, "%s: %s", dir, strerror(errno)), -1;
    snprintf(tmp, sizeof tmp, "%s.tmp.%ld.%u", cpath, (long)getpid(), seq++);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0) return snprintf(why, whylen, "%s: %s", tmp, strerror(errno)), -1;
    const char *p = img;
    size_t done = 0;
    while (done < len) {
        ssize_t w = write(fd, p + done, len - done);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) break;
        done += (size_t)w;
    }
    int err = done == len ? 0 : errno ? errno : EIO;
    if (close(fd) != 0 && !err) err = errno;
    if (!err && rename(tmp, cpath) != 0) err = errno;
    if (!err) return 0;
    unlink(tmp);
    snprintf(why, whylen, "%s: %s", cpath, strerror(err));
    return -1;
}

/* The whole CSV from fd (it may have grown since fstat). */
static char *read_all(int fd, size_t hint, size_t *len)
{
    size_t cap = hint + 1, n = 0;
    char *buf = malloc(cap);
    while (buf) {
        if (n == cap) {
            char *nb = realloc(buf, cap *= 2);
            if (!nb) break;
            buf = nb;
        }
        ssize_t r = read(fd, buf + n, cap - n);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) break;
        if (r == 0) {
            *len = n;
            return buf;
        }
        n += (size_t)r;
    }
    free(buf);
    return NULL;
}

/* Writes the cache of a CSV just parsed (next to it, else in the fallback folder) and says in
 * f->cache and f->note what became of it. */
static void save(const char *path, const tb_csv_cache_opts *co, const tb_csv_src *src, int changed,
                 tb_csv_file *f)
{
    char why[sizeof f->note / 2], cpath[PATH_MAX], fpath[PATH_MAX], chk[128];
    int64_t racy = co->racy_ns ? co->racy_ns : RACY_NS;
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    int64_t touched = src->mtime_ns > src->ctime_ns ? src->mtime_ns : src->ctime_ns;
    tb_csv_file probe;
    f->cache = TB_CSV_CACHE_UNSAVED;
    if (changed) {
        snprintf(f->note, sizeof f->note, "not cached: the CSV changed while it was read");
    } else if (ts_ns(now) - touched < racy) {
        snprintf(f->note, sizeof f->note, "not cached yet: the CSV changed in the last %lld ms",
                 (long long)(racy / 1000000));
    } else if (tb_csv_cache_check(f->img, f->img_len, NULL, 0, path, &probe, chk, sizeof chk)) {
        snprintf(f->note, sizeof f->note, "not cached: its bars fail the cache's checks (%s)", chk);
    } else {
        tb_csv_cache_path(path, cpath, sizeof cpath);
        if (write_cache(cpath, f->img, f->img_len, why, sizeof why) == 0 ||
            (fallback_path(path, co->fallback_dir, fpath, sizeof fpath) == 0 &&
             write_cache(fpath, f->img, f->img_len, f->note, sizeof f->note / 2) == 0))
            f->cache = TB_CSV_CACHE_BUILT;
        else
            snprintf(f->note, sizeof f->note, "not cached: %s", why);
    }
}

/* Parses the CSV open on fd and keeps the bars as a cache image in f. */
static int parse(int fd, const char *path, const tb_csv_opts *o, tb_csv_src *src, uint64_t oh,
                 int *changed, tb_csv_file *f, tb_err *e)
{
    size_t len;
    char *buf = read_all(fd, (size_t)src->size, &len);
    if (!buf) return tb_errf(e, "%s: read error", path);
    struct stat after;
    tb_csv_src now;
    if (fstat(fd, &after) == 0) {
        src_of(&after, &now);
        *changed = now.size != src->size || now.size != len || now.mtime_ns != src->mtime_ns ||
                   now.ctime_ns != src->ctime_ns;
    } else {
        *changed = 1;
    }
    edge_hashes(buf, len, src);
    tb_symtab local;
    tb_symtab_init(&local);
    tb_bar_vec v = {0};
    tb_csv_report rep;
    int rc = tb_csv_parse(buf, len, path, o, &local, &v, &rep, e);
    free(buf);
    if (rc == 0 && !(f->img = tb_csv_cache_build(src, oh, &local, &v, &rep, path, &f->img_len, e)))
        rc = -1;
    if (rc == 0) tb_csv_cache_view(f->img, path, f);
    tb_bar_vec_free(&v);
    tb_symtab_free(&local);
    return rc;
}

int tb_csv_file_load(const char *path, const tb_csv_opts *opts, const tb_csv_cache_opts *co,
                     tb_csv_file *f, tb_err *e)
{
    static const tb_csv_cache_opts on = {0};
    memset(f, 0, sizeof *f);
    co = co ? co : &on;
    tb_csv_opts o = opts ? *opts : (tb_csv_opts){TB_CSV_SKIP, 0, NULL};
    char sym[TB_SYM_MAX_LEN + 1], cpath[PATH_MAX], why[96] = "", why2[96] = "";
    if (!o.symbol) o.symbol = tb_csv_path_symbol(path, sym);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return tb_errf(e, "%s: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0) {
        close(fd);
        return tb_errf(e, "%s: %s", path, strerror(errno));
    }
    tb_csv_src src;
    src_of(&st, &src);
    uint64_t oh = tb_csv_cache_opts_hash(&o);
    int cacheable = !co->off && S_ISREG(st.st_mode) && edge_hashes_fd(fd, &src) == 0;
    if (cacheable) {
        tb_csv_cache_path(path, cpath, sizeof cpath);
        if (try_cache(cpath, &src, oh, path, f, why, sizeof why) == 0 ||
            (fallback_path(path, co->fallback_dir, cpath, sizeof cpath) == 0 &&
             try_cache(cpath, &src, oh, path, f, why2, sizeof why2) == 0)) {
            close(fd);
            return 0;
        }
    }
    int changed = 0, rc = parse(fd, path, &o, &src, oh, &changed, f, e);
    close(fd);
    if (rc != 0) return -1;
    if (!cacheable) {
        f->cache = TB_CSV_CACHE_OFF;
        return 0;
    }
    save(path, co, &src, changed, f);
    if (f->cache == TB_CSV_CACHE_BUILT && (why[0] || why2[0]))
        snprintf(f->note, sizeof f->note, "cache rebuilt: %s", why[0] ? why : why2);
    return 0;
}

void tb_csv_file_free(tb_csv_file *f)
{
    free(f->img);
    memset(f, 0, sizeof *f);
}
