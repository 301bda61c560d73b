#include "home/home.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

/* The holder writes its pid right after taking the lock; a reader racing it retries briefly. */
static int read_holder(int fd)
{
    for (int i = 0; i < 20; i++) {
        char buf[32];
        ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
        buf[n > 0 ? n : 0] = '\0';
        int pid = atoi(buf);
        if (pid > 0) return pid;
        usleep(10000);
    }
    return 0;
}

int tb_home_lock(const char *rel, int *holder, tb_err *e)
{
    char path[PATH_MAX];
    tb_home_path(path, sizeof path, rel);
    if (holder) *holder = 0;
    /* O_CLOEXEC: a step or training child must not keep the home locked after we are gone. */
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) return tb_errf(e, "%s: %s", path, strerror(errno));
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        int err = errno;
        if (err != EWOULDBLOCK) {
            close(fd);
            return tb_errf(e, "%s: flock: %s", path, strerror(err));
        }
        int pid = read_holder(fd);
        close(fd);
        if (holder) *holder = pid ? pid : -1;
        if (!pid) return tb_errf(e, "%s is held by another process (pid not readable)", rel);
        return tb_errf(e, "%s is held by pid %d", rel, pid);
    }
    char pid[32];
    int len = snprintf(pid, sizeof pid, "%d\n", (int)getpid());
    if (ftruncate(fd, 0) != 0 || pwrite(fd, pid, (size_t)len, 0) != len) {
        int err = errno;
        close(fd);
        return tb_errf(e, "%s: cannot write our pid: %s", path, strerror(err));
    }
    return fd;
}
