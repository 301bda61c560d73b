/*
 * child.h - one child process watched from the event loop: its output read line by line from a
 * pipe, its exit noticed without blocking, and a timeout that stops it (SIGTERM to its process
 * group, SIGKILL 5 s later).
 *
 * The child runs in its own process group, so a timeout also stops what it started (rclone).
 * End of output is the signal to reap it; a child that closes its output and goes on is polled.
 */
#ifndef TB_SCHED_CHILD_H
#define TB_SCHED_CHILD_H

#include "util/err.h"

#include <event2/event.h>
#include <sys/types.h>

typedef struct tb_child tb_child;

typedef struct tb_child_result {
    int exit_code; /* exit status, or 128 + signal when killed */
    int signaled;  /* killed by a signal */
    int timed_out; /* killed because the timeout passed */
} tb_child_result;

typedef struct tb_child_opts {
    char *const *argv;      /* argv[0] is the program path */
    const char *cwd;        /* NULL: unchanged */
    const char *const *env; /* "NAME=value" strings added to the environment; NULL-terminated */
    int timeout_s;          /* 0: none */
    void (*on_line)(const char *line, void *ud);
    void (*on_exit)(const tb_child_result *r, void *ud); /* may free the child */
    void *ud;
} tb_child_opts;

/* Starts the child. The callbacks run on the loop of base. */
tb_child *tb_child_spawn(struct event_base *base, const tb_child_opts *o, tb_err *e);

/* The child's process id. */
pid_t tb_child_pid(const tb_child *c);

/* Stops a running child (SIGKILL to its group, reaped at once) and frees it. NULL is fine. */
void tb_child_free(tb_child *c);

#endif
