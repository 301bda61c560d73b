/*
 * child.h - one child process watched from the event loop: its output read line by line, its
 * exit noticed without blocking, and a timeout that stops it (SIGTERM to its process group,
 * SIGKILL 5 s later).
 *
 * The child runs in its own process group, so a timeout also stops what it started (rclone).
 * Its output goes to a file (out_path), not a pipe, and a small supervisor (the group leader,
 * forked from us) waits for the real program and writes its exit status to status_path: so a
 * step outlives an orchestrator killed with -9 (no SIGPIPE on a dead reader), and the next
 * orchestrator adopts it (tb_child_adopt): it follows the same file, notices the end through
 * the recorded pid and its start time (never a recycled pid), and reads the status.
 */
#ifndef TB_ORCH_CHILD_H
#define TB_ORCH_CHILD_H

#include "util/err.h"

#include <event2/event.h>
#include <sys/types.h>

typedef struct tb_child tb_child;

typedef struct tb_child_result {
    int exit_code; /* exit status, or 128 + signal when killed */
    int signaled;  /* killed by a signal */
    int timed_out; /* killed because the timeout passed */
    int lost;      /* adopted, and it ended without a status (killed with its group) */
} tb_child_result;

typedef struct tb_child_opts {
    char *const *argv;       /* argv[0] is the program path */
    const char *cwd;         /* NULL: unchanged */
    const char *const *env;  /* "NAME=value" strings added to the environment; NULL-terminated */
    const char *out_path;    /* stdout and stderr of the child (created 0640) */
    const char *status_path; /* "exit N" or "signal N" once the program ended */
    int timeout_s;           /* 0: none */
    void (*on_line)(const char *line, void *ud);
    void (*on_exit)(const tb_child_result *r, void *ud); /* may free the child */
    void *ud;
} tb_child_opts;

/* Starts the child. The callbacks run on the loop of base. */
tb_child *tb_child_spawn(struct event_base *base, const tb_child_opts *o, tb_err *e);

/* Follows a child a previous process started (pid and start time as recorded): NULL when it is
 * no longer running. Its output is followed from the current end of out_path. argv and env of
 * o are not used; timeout_s is what is left of its timeout. */
tb_child *tb_child_adopt(struct event_base *base, pid_t pid, long long start_ticks,
                         const tb_child_opts *o, tb_err *e);

/* The child's process id (its process group) and its start time in clock ticks since boot
 * (field 22 of /proc/PID/stat), which tell it apart from a later process with the same pid. */
pid_t tb_child_pid(const tb_child *c);
long long tb_child_start_ticks(const tb_child *c);

/* The start time of a live process, or -1 when there is none (or only its zombie). */
long long tb_proc_start_ticks(pid_t pid);

/* Reads a status file the supervisor wrote: 1 and r filled, 0 when there is none. */
int tb_child_read_status(const char *status_path, tb_child_result *r);

/* Stops a running child (SIGKILL to its group, reaped) and frees it. NULL is fine. */
void tb_child_free(tb_child *c);

#endif
