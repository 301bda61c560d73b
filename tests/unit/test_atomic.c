/*
 * core/util/atomic.c: state files are replaced whole (old or new, never half), with the mode the
 * caller asked for, and a failure leaves the old file and no temporary file behind.
 */
#include "tbtest.h"
#include "util/atomic.h"

#include <dirent.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[] = "/tmp/tb-atomic-XXXXXX";

static void path_of(char *buf, size_t n, const char *name)
{
    snprintf(buf, n, "%s/%s", dir, name);
}

/* Entries of dir other than . and .., and how many look like a left temporary. */
static int count_entries(const char *d, int *tmps)
{
    DIR *dh = opendir(d);
    int n = 0;
    *tmps = 0;
    for (struct dirent *de; dh && (de = readdir(dh));) {
        if (de->d_name[0] == '.' && (!de->d_name[1] || de->d_name[1] == '.')) continue;
        n++;
        if (strstr(de->d_name, ".tmp")) (*tmps)++;
    }
    if (dh) closedir(dh);
    return n;
}

static int left_tmps(const char *d)
{
    int tmps;
    count_entries(d, &tmps);
    return tmps;
}

static char *slurp(const char *path)
{
    static char buf[256];
    FILE *f = fopen(path, "r");
    if (!f) return NULL;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

static void setup(void)
{
    static int made;
    if (!made++) CHECK(mkdtemp(dir) != NULL);
}

TEST(atomic_write_sets_the_callers_mode_exactly_whatever_the_umask)
{
    setup();
    char p[256];
    path_of(p, sizeof p, "a.json");
    mode_t old = umask(0);
    tb_err e;
    CHECK_INT(tb_atomic_write(p, "one\n", 4, 0600, &e), 0);
    umask(077);
    char q[256];
    path_of(q, sizeof q, "b.csv");
    CHECK_INT(tb_atomic_write(q, "x,y\n", 4, 0640, &e), 0);
    umask(old);
    struct stat st;
    CHECK_INT(stat(p, &st), 0);
    CHECK_INT(st.st_mode & 0777, 0600);
    CHECK_INT(stat(q, &st), 0);
    CHECK_INT(st.st_mode & 0777, 0640);
    CHECK_STR(slurp(p), "one\n");
    CHECK_INT(left_tmps(dir), 0);
}

/* Replaces "old\n" with new text, then commits or aborts; a reader sees old until commit. */
static void replace(const char *name, int commit)
{
    setup();
    char p[256];
    path_of(p, sizeof p, name);
    tb_err e;
    CHECK_INT(tb_atomic_write(p, "old\n", 4, 0644, &e), 0);
    tb_atomic a;
    CHECK_INT(tb_atomic_begin(&a, p, 0644, &e), 0);
    fputs("new and longer\n", a.f);
    fflush(a.f);
    CHECK_STR(slurp(p), "old\n"); /* a reader now still sees the whole old file */
    if (commit)
        CHECK_INT(tb_atomic_commit(&a, &e), 0);
    else
        tb_atomic_abort(&a);
    CHECK_STR(slurp(p), commit ? "new and longer\n" : "old\n");
    CHECK_INT(left_tmps(dir), 0);
}

TEST(atomic_replace_keeps_the_old_content_until_commit)
{
    replace("state.json", 1);
}

TEST(atomic_abort_leaves_the_old_file_and_no_temporary)
{
    replace("kept.json", 0);
}

TEST(atomic_write_into_a_missing_folder_fails_naming_the_path)
{
    setup();
    char p[256];
    path_of(p, sizeof p, "nope/state.json");
    tb_err e = {{0}};
    CHECK_INT(tb_atomic_write(p, "x", 1, 0600, &e), -1);
    CHECK_CONTAINS(e.msg, p);
    CHECK_CONTAINS(e.msg, "No such file");
}

TEST(atomic_write_into_an_unwritable_folder_fails_and_creates_nothing)
{
    setup();
    char sub[256], p[300];
    path_of(sub, sizeof sub, "ro");
    CHECK_INT(mkdir(sub, 0500), 0);
    /* root ignores folder modes: /proc refuses new files to everyone */
    if (geteuid() == 0)
        snprintf(p, sizeof p, "/proc/tb-atomic-state.json");
    else
        snprintf(p, sizeof p, "%s/state.json", sub);
    tb_err e = {{0}};
    CHECK_INT(tb_atomic_write(p, "x", 1, 0600, &e), -1);
    CHECK_CONTAINS(e.msg, p);
    CHECK_CONTAINS(e.msg, "temporary");
    CHECK(access(p, F_OK) != 0);
    int tmps;
    CHECK_INT(count_entries(sub, &tmps), 0);
    rmdir(sub);
}

TEST(atomic_failed_rename_leaves_no_temporary_and_the_target_as_it_was)
{
    setup();
    char p[256], inner[300];
    path_of(p, sizeof p, "isadir");
    CHECK_INT(mkdir(p, 0755), 0);
    snprintf(inner, sizeof inner, "%s/keep", p);
    CHECK_INT(tb_atomic_write(inner, "k", 1, 0600, NULL), 0);
    tb_err e = {{0}};
    CHECK_INT(tb_atomic_write(p, "x", 1, 0600, &e), -1); /* rename over a non-empty folder */
    CHECK_CONTAINS(e.msg, p);
    CHECK_CONTAINS(e.msg, "rename");
    struct stat st;
    CHECK(stat(p, &st) == 0 && S_ISDIR(st.st_mode));
    CHECK_STR(slurp(inner), "k");
    CHECK_INT(left_tmps(dir), 0);
    unlink(inner);
    rmdir(p);
}

TEST(atomic_json_round_trips)
{
    setup();
    char p[256];
    path_of(p, sizeof p, "doc.json");
    json_t *j = json_pack("{s:i, s:s}", "day_trade_count", 2, "date", "2026-03-09");
    tb_err e;
    CHECK_INT(tb_atomic_write_json(p, j, JSON_INDENT(2) | JSON_SORT_KEYS, 0640, &e), 0);
    json_decref(j);
    json_error_t je;
    json_t *back = json_load_file(p, 0, &je);
    CHECK(back != NULL);
    CHECK_INT(json_integer_value(json_object_get(back, "day_trade_count")), 2);
    json_decref(back);
    struct stat st;
    CHECK_INT(stat(p, &st), 0);
    CHECK_INT(st.st_mode & 0777, 0640);
}
