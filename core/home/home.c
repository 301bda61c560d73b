#include "home/home.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char override_dir[PATH_MAX];
static char home_dir[PATH_MAX];

static const char *const runtime_dirs[] = {
    "config",       "data", "data/archives", "logs",    "ml_db",
    "ml_db/models", "run",  "strategies",    "scripts", NULL,
};

void tb_home_set_override(const char *dir)
{
    snprintf(override_dir, sizeof override_dir, "%s", dir);
}

void tb_home_take_arg(int *argc, char **argv)
{
    int out = 0;
    for (int i = 0; i < *argc; i++) {
        if (strcmp(argv[i], "--home") == 0 && i + 1 < *argc) {
            tb_home_set_override(argv[++i]);
        } else if (strncmp(argv[i], "--home=", 7) == 0) {
            tb_home_set_override(argv[i] + 7);
        } else {
            argv[out++] = argv[i];
        }
    }
    argv[out] = NULL;
    *argc = out;
}

int tb_home_resolve(tb_err *e)
{
    const char *dir = override_dir[0] ? override_dir : getenv("TRADEBOT_HOME");
    if (!dir || !*dir) dir = ".";
    if (mkdir(dir, 0755) != 0 && errno != EEXIST)
        return tb_errf(e, "home %s: cannot create: %s", dir, strerror(errno));
    if (!realpath(dir, home_dir)) return tb_errf(e, "home %s: %s", dir, strerror(errno));
    return 0;
}

/* Creating and removing a file is the only honest test of "writable" (ACLs, read-only mounts). */
static int probe_writable(const char *dir, tb_err *e)
{
    char probe[PATH_MAX + 32];
    snprintf(probe, sizeof probe, "%s/.tradebot-write-probe.%d", dir, (int)getpid());
    int fd = open(probe, O_WRONLY | O_CREAT | O_EXCL, 0600);
    if (fd < 0) return tb_errf(e, "%s is not writable: %s", dir, strerror(errno));
    close(fd);
    unlink(probe);
    return 0;
}

int tb_home_init(tb_err *e)
{
    if (tb_home_resolve(e) != 0) return -1;
    for (int i = 0; runtime_dirs[i]; i++) {
        char path[PATH_MAX];
        tb_home_path(path, sizeof path, runtime_dirs[i]);
        if (mkdir(path, 0755) != 0 && errno != EEXIST)
            return tb_errf(e, "cannot create %s: %s", path, strerror(errno));
        struct stat st;
        if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode))
            return tb_errf(e, "%s exists but is not a directory", path);
        if (probe_writable(path, e) != 0) return -1;
    }
    char run[PATH_MAX];
    chmod(tb_home_path(run, sizeof run, "run"), 0700); /* the REPL socket lives here */
    return 0;
}

const char *tb_home_dir(void)
{
    return home_dir;
}

char *tb_home_path(char *buf, size_t len, const char *rel)
{
    if (rel[0] == '/')
        snprintf(buf, len, "%s", rel);
    else
        snprintf(buf, len, "%s/%s", home_dir[0] ? home_dir : ".", rel);
    return buf;
}
