#include "orch/defaults.h"
#include "home/home.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

static const struct {
    const char *path, *src;
} scripts[] = {
#include "default_scripts.inc"
    {NULL, NULL},
};

int tb_orch_write_default_scripts(void)
{
    int n = 0;
    char dir[PATH_MAX];
    mkdir(tb_home_path(dir, sizeof dir, "scripts/sentinel"), 0755); /* rules and proposers */
    mkdir(tb_home_path(dir, sizeof dir, "scripts/healer"), 0755);
    for (int i = 0; scripts[i].path; i++) {
        char path[PATH_MAX];
        FILE *f = fopen(tb_home_path(path, sizeof path, scripts[i].path), "wx");
        if (!f) continue;
        fputs(scripts[i].src, f);
        fclose(f);
        n++;
    }
    return n;
}

const char *tb_orch_default_script(const char *rel)
{
    for (int i = 0; scripts[i].path; i++)
        if (strcmp(scripts[i].path, rel) == 0) return scripts[i].src;
    return NULL;
}
