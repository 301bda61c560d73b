/*
 * proc.h - running the git command and tradebot's own sub-commands for the Healer, with their
 * output appended to the directive's log (the failure log operators read).
 */
#ifndef TB_HEALER_PROC_H
#define TB_HEALER_PROC_H

#include <stddef.h>

/* Runs argv (argv[0] looked up in PATH; "tradebot" means this executable) in cwd, stderr and
 * (unless out is given) stdout appended to the log fd, the command line written before it.
 * With out, stdout is captured into a malloc'ed string the caller frees. Returns the exit
 * status (0 success), or -1 when it could not run. */
int hl_run(const char *const *argv, const char *cwd, int logfd, char **out);

/* printf to the log fd. */
void hl_logf(int logfd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
