#include "strategy/shipped.h"
#include "home/home.h"
#include "log/log.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const struct {
    const char *path, *src;
} shipped[] = {
#include "default_strategies.inc"
    {NULL, NULL},
};

/* Creates the file only if it does not exist: 1 written, 0 it existed, -1 an error. */
static int write_new(int i, char *path, size_t len)
{
    tb_home_path(path, len, shipped[i].path);
    FILE *f = fopen(path, "wx");
    if (!f) return access(path, R_OK) == 0 ? 0 : -1;
    int ok = fputs(shipped[i].src, f) >= 0;
    ok &= fclose(f) == 0;
    if (!ok) return -1;
    TB_INFO("strategy", "wrote the example strategy %s", shipped[i].path);
    return 1;
}

int tb_shipped_write_missing(void)
{
    int n = 0;
    char path[PATH_MAX];
    for (int i = 0; shipped[i].path; i++) n += write_new(i, path, sizeof path) == 1;
    return n;
}

int tb_shipped_materialize(const char *rel, char *out, size_t len)
{
    const char *base = strrchr(rel, '/') ? strrchr(rel, '/') + 1 : rel;
    for (int i = 0; shipped[i].path; i++) {
        const char *name = strrchr(shipped[i].path, '/') + 1;
        if (strcmp(name, base) != 0) continue;
        /* only "NAME.lua" or ".../strategies/NAME.lua": another folder is another file */
        size_t bl = (size_t)(base - rel);
        if (bl && (bl < 11 || strncmp(base - 11, "strategies/", 11) != 0)) return -1;
        return write_new(i, out, len) < 0 ? -1 : 0;
    }
    return -1;
}

void tb_shipped_names(char *out, size_t len)
{
    size_t at = 0;
    out[0] = '\0';
    for (int i = 0; shipped[i].path && at < len; i++)
        at += (size_t)snprintf(out + at, len - at, "%s%s", i ? ", " : "", shipped[i].path);
}
