/* tail: the dashboard reads the end of growing logs, and follows them from an offset. */
#include "log/tail.h"
#include "tbtest.h"

#include <unistd.h>

static char got[4096];
static int nlines;

static void collect(const char *line, size_t len, void *ud)
{
    strcat(got, line);
    strcat(got, "|");
    nlines++;
}

static const char *path(void)
{
    static char p[64];
    if (!p[0]) snprintf(p, sizeof p, "/tmp/tb-tail-%d.log", (int)getpid());
    return p;
}

static void write_file(const char *mode, const char *text)
{
    FILE *f = fopen(path(), mode);
    fputs(text, f);
    fclose(f);
}

static void reset(void)
{
    got[0] = 0;
    nlines = 0;
}

TEST(tail_gives_whole_lines_of_the_window_oldest_first)
{
    write_file("w", "first line\nsecond\nthird\n");
    reset();
    CHECK_INT(tb_tail_lines(path(), 1 << 20, collect, NULL), 24);
    CHECK_STR(got, "first line|second|third|");
    reset();
    tb_tail_lines(path(), 10, collect, NULL); /* window starts inside "second" */
    CHECK_STR(got, "third|");
}

TEST(tail_from_follows_appends_and_waits_for_the_newline)
{
    write_file("w", "a\nb\n");
    reset();
    int64_t off = tb_tail_from(path(), 0, 1 << 20, collect, NULL);
    CHECK_INT(off, 4);
    write_file("a", "c\npartial");
    reset();
    off = tb_tail_from(path(), off, 1 << 20, collect, NULL);
    CHECK_STR(got, "c|");
    CHECK_INT(off, 6);
    write_file("a", " done\n");
    reset();
    off = tb_tail_from(path(), off, 1 << 20, collect, NULL);
    CHECK_STR(got, "partial done|");
}

TEST(tail_from_restarts_a_rotated_file_and_a_missing_file_is_minus_one)
{
    write_file("w", "new\n");
    reset();
    CHECK_INT(tb_tail_from(path(), 500, 1 << 20, collect, NULL), 4);
    CHECK_STR(got, "new|");
    unlink(path());
    CHECK_INT(tb_tail_lines(path(), 100, collect, NULL), -1);
    CHECK_INT(tb_tail_from(path(), 0, 100, collect, NULL), -1);
}
