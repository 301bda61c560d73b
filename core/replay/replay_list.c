/*
 * replay_list.c - the recordings of a home (the .rec files of data/sessions) and the bars they hold
 * for one day (the Sentinel's missed opportunities read the bars the engine really saw).
 */
#include "data/calendar.h"
#include "replay/rec.h"
#include "replay/session_replay.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* By id, i.e. the path without ".rec": "...-145000" before "...-145000-2" (a second engine start
 * in the same second), which a plain comparison of the paths would invert ('-' < '.'). */
static int cmp_path(const void *a, const void *b)
{
    const char *x = a, *y = b;
    size_t nx = strlen(x) - 4, ny = strlen(y) - 4, n = nx < ny ? nx : ny;
    int c = strncmp(x, y, n);
    return c ? c : (nx > ny) - (nx < ny);
}

int tb_sreplay_list(const char *dir, char (*out)[4096], int cap)
{
    DIR *d = opendir(dir);
    int n = 0;
    for (struct dirent *de; d && (de = readdir(d)) && n < cap;) {
        size_t len = strlen(de->d_name);
        if (de->d_name[0] == '.' || len < 5 || strcmp(de->d_name + len - 4, ".rec") != 0) continue;
        snprintf(out[n++], 4096, "%s/%s", dir, de->d_name);
    }
    if (d) closedir(d);
    qsort(out, (size_t)n, sizeof out[0], cmp_path); /* ids are start times: oldest first */
    return n;
}

/* One recording's bars of the day; a damaged file gives what was read before the damage. */
static long file_day_bars(const char *path, tb_date day, tb_symtab *syms, tb_bar_vec *out)
{
    tb_rec_reader r;
    tb_err e;
    if (tb_rec_open(&r, path, &e) != 0) return 0;
    long added = 0;
    tb_rec_rec x;
    while (tb_rec_next(&r, &x, &e) == 1) {
        tb_rec_bar b;
        if (x.type != TB_REC_BAR || tb_rec_get_bar(&r, &x, &b, &e) != 0 ||
            tb_cal_session_day(b.start_ns) != day)
            continue;
        int64_t id = tb_symtab_intern(syms, b.symbol, &e);
        tb_bar bar;
        tb_rec_bar_to(&b, (uint32_t)id, &bar);
        if (id >= 0 && tb_bar_vec_push(out, &bar, &e) == 0) added++;
    }
    tb_rec_close(&r);
    return added;
}

long tb_sreplay_day_bars(const char *dir, tb_date day, tb_symtab *syms, tb_bar_vec *out)
{
    static char files[TB_REPLAY_MAX_FILES][4096];
    int n = tb_sreplay_list(dir, files, TB_REPLAY_MAX_FILES);
    long added = 0;
    for (int i = 0; i < n; i++) added += file_day_bars(files[i], day, syms, out);
    return added;
}
