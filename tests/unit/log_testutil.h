/* A fresh text log in a temporary folder, at debug level, for tests that read what was logged. */
#ifndef TB_LOG_TESTUTIL_H
#define TB_LOG_TESTUTIL_H

#include "log/log.h"

#include <stdio.h>
#include <stdlib.h>

/* Opens <new temporary folder>/trading_bot.log; its path goes to path. 0 on success. */
static inline int tbt_open_tmp_log(char *path, size_t len)
{
    char dir[] = "/tmp/tbtest-log-XXXXXX";
    if (!mkdtemp(dir)) return -1;
    snprintf(path, len, "%s/trading_bot.log", dir);
    tb_err e;
    tb_log_opts o = {.level = TB_LOG_DEBUG};
    return tb_log_open(path, &o, &e);
}

#endif
