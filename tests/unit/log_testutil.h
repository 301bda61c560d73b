/* A fresh text log in a temporary folder, at debug level, for tests that read what was logged. */
#ifndef TB_LOG_TESTUTIL_H
#define TB_LOG_TESTUTIL_H

#include "log/log.h"
#include "tbtest.h" /* tbt_read_file */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* How many times needle occurs in the log at path. */
static inline int tbt_log_count(const char *path, const char *needle)
{
    const char *s = tbt_read_file(path);
    int n = 0;
    for (const char *p = s; p && (p = strstr(p, needle)); p++) n++;
    return n;
}

#endif
