/* The CSV column cache (data/csv_cache.h) and the folder loader (data/csv_dir.h): bars from a
 * cache equal the parser's bit for bit, a changed CSV or a damaged cache is never used, and
 * concurrent builders leave one whole cache. */
#include "data/csv_dir.h"
#include "util/hash64.h"
#include "tbtest.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static const tb_csv_cache_opts no_racy = {.racy_ns = -1}; /* files here are seconds old */

static char *tmpdir(void)
{
    static char buf[64];
    snprintf(buf, sizeof buf, "/tmp/tb-csvcache-XXXXXX");
    return mkdtemp(buf);
}

static void put(const char *dir, const char *name, const char *text)
{
    char p[512];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    FILE *f = fopen(p, "w");
    fputs(text, f);
    fclose(f);
}

/* A symbol's minute bars with prices that need every digit, and a few bad rows among them. */
static void put_symbol(const char *dir, const char *name, int rows, unsigned seed)
{
    char p[512];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    FILE *f = fopen(p, "w");
    fprintf(f, "t,o,h,l,c,v,vw,n\n");
    double px = 50 + seed % 100;
    for (int i = 0; i < rows; i++) {
        seed = seed * 1103515245u + 12345u;
        px *= 1 + ((double)(seed >> 16 & 0xff) - 127.5) / 20000;
        int64_t t = 1767364200 + (int64_t)i * 60;
        if (i % 97 == 13) fprintf(f, "%lld,abc,1,1,1,1,1,1\n", (long long)t);    /* malformed */
        if (i % 101 == 7) fprintf(f, "%lld,1,1,1,1,1,1,1\n", (long long)t - 60); /* out of order */
        fprintf(f, "%lld,%.4f,%.4f,%.4f,%.4f,%u,%.6f,%u\n", (long long)t, px, px * 1.001,
                px * 0.999, px * 1.0004, seed % 100000, px * 1.0002, seed % 977);
    }
    fclose(f);
}

/* What the engine loaded before the cache: every file parsed, then one sort. */
static int legacy_load(const char *dir, tb_symtab *syms, tb_bar_vec *out)
{
    struct dirent **names;
    int n = scandir(dir, &names, NULL, alphasort), rc = 0;
    for (int i = 0; i < n; i++) {
        size_t len = strlen(names[i]->d_name);
        char p[512];
        snprintf(p, sizeof p, "%s/%s", dir, names[i]->d_name);
        tb_csv_report rep;
        tb_err e;
        if (len > 4 && strcmp(names[i]->d_name + len - 4, ".csv") == 0 &&
            tb_csv_read_file(p, NULL, syms, out, &rep, &e) != 0)
            rc = -1;
        free(names[i]);
    }
    free(names);
    tb_bar_vec_sort(out);
    return rc;
}

typedef struct seen {
    int n;
    tb_csv_cache_state st[16];
    char note[16][200];
    tb_csv_report rep[16];
} seen;

static void on_file(void *ud, const char *path, const tb_csv_file *f)
{
    (void)path;
    seen *s = ud;
    if (s->n == 16) return;
    s->st[s->n] = f->cache;
    snprintf(s->note[s->n], sizeof s->note[0], "%s", f->note);
    s->rep[s->n++] = f->rep;
}

static int load(const char *dir, const tb_csv_cache_opts *co, tb_symtab *syms, tb_bar_vec *v,
                seen *s)
{
    tb_csv_dir_opts o = {.cache = co, .on_file = on_file, .ud = s};
    tb_err e;
    memset(s, 0, sizeof *s);
    tb_symtab_init(syms);
    memset(v, 0, sizeof *v);
    int rc = tb_csv_dir_load(dir, &o, syms, v, &e);
    if (rc) fprintf(stderr, "  load: %s\n", e.msg);
    return rc;
}

/* Same bars (every field, bit for bit) with the same symbol names. */
static int same_bars(const tb_bar_vec *a, const tb_symtab *sa, const tb_bar_vec *b,
                     const tb_symtab *sb)
{
    if (a->n != b->n || tb_symtab_count(sa) != tb_symtab_count(sb)) return 0;
    for (uint32_t i = 0; i < tb_symtab_count(sa); i++)
        if (strcmp(tb_symtab_name(sa, i), tb_symtab_name(sb, i)) != 0) return 0;
    return a->n == 0 || memcmp(a->v, b->v, a->n * sizeof *a->v) == 0;
}

static void drop(tb_symtab *s, tb_bar_vec *v)
{
    tb_symtab_free(s);
    tb_bar_vec_free(v);
}

/* Three symbol files and one with a symbol column whose symbols come in another order than the
 * table's (its bars must be re-sorted by id), each with bad rows. */
static void make_folder(const char *d)
{
    put_symbol(d, "ZED.csv", 600, 7);
    put_symbol(d, "alpha.csv", 700, 11);
    put_symbol(d, "Mid.csv", 500, 19);
    put(d, "multi.csv",
        "S,t,o,h,l,c,v\n"
        "ZED,1767364200,9,10,8,9.5,100\n"
        "ALPHA,1767364200,1.25,1.5,1,1.5,200\n"
        "NEWSYM,1767364200,3,3,3,3,1\n"
        "ALPHA,1767364260,1.5,1.5,1.5,1.5,0\n"
        "bad row\n"
        "ZED,1767364200,9,10,8,9.5,100\n");
}

TEST(hash64_is_xxh64)
{
    CHECK(tb_hash64("", 0, 0) == 0xEF46DB3751D8E999ULL);
    CHECK(tb_hash64("a", 1, 0) == 0xD24EC4F1A98C6E5BULL);
    CHECK(tb_hash64("abc", 3, 0) == 0x44BC2CF5AD770999ULL);
    const char *s = "Nobody inspects the spammish repetition";
    CHECK(tb_hash64(s, strlen(s), 0) == 0xFBCEA83C8A378BF1ULL);
}

TEST(cached_bars_equal_the_parsers_bit_for_bit)
{
    char *d = tmpdir();
    make_folder(d);
    tb_symtab s0, s1, s2, s3;
    tb_bar_vec v0 = {0}, v1, v2, v3;
    seen a, b, c;
    tb_symtab_init(&s0);
    CHECK_INT(legacy_load(d, &s0, &v0), 0);
    tb_csv_cache_opts off = {.off = 1};
    CHECK_INT(load(d, &off, &s1, &v1, &a), 0);
    CHECK_INT(load(d, &no_racy, &s2, &v2, &b), 0); /* builds */
    CHECK_INT(load(d, &no_racy, &s3, &v3, &c), 0); /* reads */
    CHECK(v0.n > 1700);
    CHECK(same_bars(&v0, &s0, &v1, &s1));
    CHECK(same_bars(&v0, &s0, &v2, &s2));
    CHECK(same_bars(&v0, &s0, &v3, &s3));
    CHECK_INT(a.n, 4);
    for (int i = 0; i < 4; i++) {
        CHECK_INT(a.st[i], TB_CSV_CACHE_OFF);
        CHECK_INT(b.st[i], TB_CSV_CACHE_BUILT);
        CHECK_INT(c.st[i], TB_CSV_CACHE_HIT);
        CHECK(memcmp(&a.rep[i], &c.rep[i], sizeof a.rep[i]) == 0); /* counts and messages */
    }
    CHECK(c.rep[3].nmsgs == 2); /* multi.csv: the bad row and the duplicate, with file:line */
    char want[600];
    snprintf(want, sizeof want, "%s/multi.csv:6: ", d);
    CHECK(strncmp(c.rep[3].msgs[0], want, strlen(want)) == 0);
    drop(&s0, &v0), drop(&s1, &v1), drop(&s2, &v2), drop(&s3, &v3);
}

/* Rewrites a file's bytes in place and puts its old mtime back: size and mtime as before. */
static void edit_keeping_size_and_mtime(const char *path, long off, char ch)
{
    struct stat st;
    stat(path, &st);
    int fd = open(path, O_WRONLY);
    pwrite(fd, &ch, 1, off);
    close(fd);
    struct timespec ts[2] = {st.st_atim, st.st_mtim};
    utimensat(AT_FDCWD, path, ts, 0);
}

TEST(a_changed_csv_is_never_read_from_its_cache)
{
    char *d = tmpdir(), p[512];
    put_symbol(d, "AAA.csv", 300, 3);
    tb_symtab s;
    tb_bar_vec v;
    seen x;
    CHECK_INT(load(d, &no_racy, &s, &v, &x), 0);
    CHECK_INT(x.st[0], TB_CSV_CACHE_BUILT);
    double old_open = v.v[150].open;
    drop(&s, &v);
    /* The middle row's first price digit: same size, same mtime (the header hashes and ctime
     * are what can see it). */
    snprintf(p, sizeof p, "%s/AAA.csv", d);
    FILE *f = fopen(p, "r");
    char line[200];
    long off = 0;
    for (int i = 0; i < 152 && fgets(line, sizeof line, f); i++) off = ftell(f);
    fclose(f);
    char first = line[11];
    edit_keeping_size_and_mtime(p, off - (long)strlen(line) + 11, first == '1' ? '2' : '1');
    CHECK_INT(load(d, &no_racy, &s, &v, &x), 0);
    CHECK_INT(x.st[0], TB_CSV_CACHE_BUILT);
    CHECK_CONTAINS(x.note[0], "built from another CSV");
    CHECK(v.v[150].open != old_open);
    drop(&s, &v);
    CHECK_INT(load(d, &no_racy, &s, &v, &x), 0);
    CHECK_INT(x.st[0], TB_CSV_CACHE_HIT);
    drop(&s, &v);
    /* A parse option the cache depends on: a different timeframe is not this cache's. */
    tb_csv_file cf;
    tb_csv_opts o = {.tf_sec = 300};
    tb_err e;
    CHECK_INT(tb_csv_file_load(p, &o, &no_racy, &cf, &e), 0);
    CHECK_INT(cf.cache, TB_CSV_CACHE_BUILT);
    CHECK_CONTAINS(cf.note, "other parse options");
    CHECK_INT(cf.tf_sec, 300);
    tb_csv_file_free(&cf);
}

static void damage(const char *cpath, long off, int truncate_to)
{
    if (truncate_to >= 0) {
        truncate(cpath, truncate_to);
        return;
    }
    int fd = open(cpath, O_RDWR);
    unsigned char ch;
    pread(fd, &ch, 1, off);
    ch ^= 0x10;
    pwrite(fd, &ch, 1, off);
    close(fd);
}

TEST(a_damaged_cache_is_rebuilt_never_trusted)
{
    char *d = tmpdir(), p[512], cpath[600];
    put_symbol(d, "BBB.csv", 400, 5);
    snprintf(p, sizeof p, "%s/BBB.csv", d);
    tb_csv_cache_path(p, cpath, sizeof cpath);
    tb_csv_file f;
    tb_err e;
    CHECK_INT(tb_csv_file_load(p, NULL, &no_racy, &f, &e), 0);
    CHECK_INT(f.cache, TB_CSV_CACHE_BUILT);
    tb_csv_file_free(&f);
    struct stat st;
    CHECK_INT(stat(cpath, &st), 0);
    const struct {
        long off;
        int trunc;
        const char *why;
    } cases[] = {
        {(long)st.st_size - 3, -1, "payload checksum"}, /* a bit of the last bar */
        {40, -1, "header checksum"},                    /* the CSV's size in the header */
        {0, -1, "bad magic"},
        {0, (int)st.st_size - 8, "size"}, /* cut short */
        {0, 100, "truncated"},
        {0, 0, "truncated"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        damage(cpath, cases[i].off, cases[i].trunc);
        CHECK_INT(tb_csv_file_load(p, NULL, &no_racy, &f, &e), 0);
        CHECK_INT(f.cache, TB_CSV_CACHE_BUILT);
        CHECK_CONTAINS(f.note, cases[i].why);
        CHECK_INT(f.n, 400);
        tb_csv_file_free(&f);
        CHECK_INT(tb_csv_file_load(p, NULL, &no_racy, &f, &e), 0);
        CHECK_INT(f.cache, TB_CSV_CACHE_HIT);
        tb_csv_file_free(&f);
    }
}

TEST(a_csv_changed_just_now_is_not_cached_yet)
{
    char *d = tmpdir(), p[512];
    put_symbol(d, "CCC.csv", 50, 9);
    snprintf(p, sizeof p, "%s/CCC.csv", d);
    tb_csv_file f;
    tb_err e;
    CHECK_INT(tb_csv_file_load(p, NULL, NULL, &f, &e), 0); /* the default 2 s */
    CHECK_INT(f.cache, TB_CSV_CACHE_UNSAVED);
    CHECK_CONTAINS(f.note, "changed in the last");
    CHECK_INT(f.n, 50);
    tb_csv_file_free(&f);
}

TEST(an_unwritable_data_folder_uses_the_fallback_folder)
{
    char *d = tmpdir(), p[512], fb[600], blocker[600];
    put_symbol(d, "DDD.csv", 80, 4);
    snprintf(p, sizeof p, "%s/DDD.csv", d);
    snprintf(blocker, sizeof blocker, "%s/%s", d, TB_CSV_CACHE_DIR);
    put(d, TB_CSV_CACHE_DIR, "a file where the cache folder would go\n"); /* root ignores modes */
    snprintf(fb, sizeof fb, "%s/fallback", d);
    tb_csv_cache_opts co = {.racy_ns = -1, .fallback_dir = fb};
    tb_csv_file f;
    tb_err e;
    CHECK_INT(tb_csv_file_load(p, NULL, &co, &f, &e), 0);
    CHECK_INT(f.cache, TB_CSV_CACHE_BUILT);
    tb_csv_file_free(&f);
    CHECK_INT(tb_csv_file_load(p, NULL, &co, &f, &e), 0);
    CHECK_INT(f.cache, TB_CSV_CACHE_HIT);
    tb_csv_file_free(&f);
    DIR *dd = opendir(fb);
    int n = 0;
    for (struct dirent *de; dd && (de = readdir(dd));) n += strstr(de->d_name, "DDD.csv.tbc") != 0;
    if (dd) closedir(dd);
    CHECK_INT(n, 1);
    co.fallback_dir = NULL; /* nowhere to write: parsed every time, and said so */
    CHECK_INT(tb_csv_file_load(p, NULL, &co, &f, &e), 0);
    CHECK_INT(f.cache, TB_CSV_CACHE_UNSAVED);
    CHECK_CONTAINS(f.note, "not cached: ");
    CHECK_INT(f.n, 80);
    tb_csv_file_free(&f);
}

TEST(concurrent_builders_leave_one_whole_cache)
{
    char *d = tmpdir(), p[512], cpath[600];
    put_symbol(d, "EEE.csv", 3000, 8);
    snprintf(p, sizeof p, "%s/EEE.csv", d);
    tb_csv_cache_path(p, cpath, sizeof cpath);
    for (int round = 0; round < 5; round++) {
        unlink(cpath);
        pid_t kids[4];
        for (int k = 0; k < 4; k++) {
            if ((kids[k] = fork()) == 0) {
                int bad = 0;
                for (int i = 0; i < 20; i++) {
                    tb_csv_file f;
                    tb_err e;
                    if (tb_csv_file_load(p, NULL, &no_racy, &f, &e) != 0 || f.n != 3000) bad = 1;
                    if (f.cache == TB_CSV_CACHE_BUILT && i % 3 == 0) unlink(cpath);
                    tb_csv_file_free(&f);
                }
                _exit(bad);
            }
        }
        for (int k = 0; k < 4; k++) {
            int st = -1;
            waitpid(kids[k], &st, 0);
            CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
        }
        tb_csv_file f;
        tb_err e;
        CHECK_INT(tb_csv_file_load(p, NULL, &no_racy, &f, &e), 0);
        CHECK(f.cache == TB_CSV_CACHE_HIT || f.cache == TB_CSV_CACHE_BUILT);
        tb_csv_file_free(&f);
    }
    char cdir[600];
    snprintf(cdir, sizeof cdir, "%s/%s", d, TB_CSV_CACHE_DIR);
    DIR *dd = opendir(cdir);
    int tmp = 0;
    for (struct dirent *de; dd && (de = readdir(dd));) tmp += strstr(de->d_name, ".tmp.") != 0;
    if (dd) closedir(dd);
    CHECK_INT(tmp, 0); /* every temporary renamed or removed */
}

TEST(a_folder_without_csv_or_with_a_refused_file_says_so)
{
    char *d = tmpdir();
    tb_symtab s;
    tb_bar_vec v;
    seen x;
    tb_csv_dir_opts o = {0};
    tb_err e;
    tb_symtab_init(&s);
    memset(&v, 0, sizeof v);
    CHECK_INT(tb_csv_dir_load(d, &o, &s, &v, &e), -1);
    CHECK_CONTAINS(e.msg, "no .csv files");
    put(d, "bad.csv", "x,y\n1,2\n");
    CHECK_INT(tb_csv_dir_load(d, &o, &s, &v, &e), -1);
    CHECK_CONTAINS(e.msg, "bad.csv:1: header has no 't' column");
    (void)x;
    drop(&s, &v);
}
