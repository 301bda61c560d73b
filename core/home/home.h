/*
 * home.h - the one directory every runtime path is relative to.
 *
 * Home is --home DIR, else $TRADEBOT_HOME, else the current directory. tb_home_init() creates
 * the runtime folders (config/, data/, data/archives/, logs/, ml_db/, ml_db/models/, run/,
 * strategies/, scripts/) and proves each can be written, so a bad path fails at start.
 */
#ifndef TB_HOME_H
#define TB_HOME_H

#include "util/err.h"

#include <stddef.h>

/* Sets the --home override (takes precedence over TRADEBOT_HOME). */
void tb_home_set_override(const char *dir);

/* Removes --home DIR / --home=DIR from argv (any position), setting the override. */
void tb_home_take_arg(int *argc, char **argv);

/* Resolves home to an absolute path without creating anything. */
int tb_home_resolve(tb_err *e);

/* Resolves home, creates missing runtime folders and checks they are writable. */
int tb_home_init(tb_err *e);

/* The resolved absolute home directory ("" before resolve). */
const char *tb_home_dir(void);

/* Writes home/rel into buf and returns buf (rel may be absolute: then it is used as is). */
char *tb_home_path(char *buf, size_t len, const char *rel);

/* Takes the lock file home/rel (flock, non-blocking) and writes our pid into it: returns the
 * descriptor to keep open for as long as the lock is wanted, or -1 with e saying why and, when
 * another process holds it, *holder set to its pid (-1 if it could not be read; 0 when the
 * failure was something else). The kernel
 * drops the lock with the process, so a kill -9 leaves no stale lock. */
int tb_home_lock(const char *rel, int *holder, tb_err *e);

/* The engine's lock: one `tradebot run` per home, taken before the journal, the database or
 * the log is touched. */
#define TB_HOME_ENGINE_LOCK "run/engine.lock"

#endif
