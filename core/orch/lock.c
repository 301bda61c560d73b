#include "orch/lock.h"
#include "home/home.h"

#include <stdio.h>

int tb_orch_lock(tb_err *e)
{
    int holder = 0;
    tb_err le;
    int fd = tb_home_lock("run/orchestrator.lock", &holder, &le);
    if (fd >= 0) return fd;
    if (holder == 0) return tb_errf(e, "%s", le.msg);
    char pid[16] = "?";
    if (holder > 0) snprintf(pid, sizeof pid, "%d", holder);
    return tb_errf(e, "another process (pid %s) already runs the daily sequence in this home", pid);
}
