/*
 * orch_log.h - logs/orchestrator.log: what the scheduler did and every line its steps printed.
 *
 * Inside the engine the orchestrator writes its own file beside trading_bot.log; standalone
 * (`tradebot orchestrate`) the process log is orchestrator.log itself and lines go through
 * tb_log. The file is reopened when the log rotation step moves it away, so no line is written
 * into an archive. Lines pass through redaction like every log line.
 */
#ifndef TB_ORCH_ORCH_LOG_H
#define TB_ORCH_ORCH_LOG_H

#include "log/log.h"

#include <limits.h>
#include <sys/types.h>

typedef struct tb_orch_log {
    char path[PATH_MAX]; /* "" : through tb_log */
    int fd;
    ino_t ino;
    int echo; /* also write each line to stderr (a terminal, `--step`) */
} tb_orch_log;

/* Writes to path, or through tb_log when path is NULL or "". */
void tb_orch_log_init(tb_orch_log *lg, const char *path);

/* One line "<UTC time> <LEVEL> [orchestrator] <message>". */
void tb_orch_logf(tb_orch_log *lg, tb_log_level level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

void tb_orch_log_close(tb_orch_log *lg);

#endif
