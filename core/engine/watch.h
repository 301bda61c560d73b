/*
 * watch.h - file change notification (inotify) on the event loop, for hot reload.
 *
 * Watches directories (and their subdirectories); a file that is written and closed, or renamed
 * into place (how editors save), is reported once per debounce period. Editor droppings (names
 * starting with '.', ending in '~', .swp) are ignored.
 */
#ifndef TB_ENGINE_WATCH_H
#define TB_ENGINE_WATCH_H

#include "util/err.h"

#include <event2/event.h>
#include <stdint.h>

typedef struct tb_watch tb_watch;

/* Called with the absolute path of each changed file. */
typedef void (*tb_watch_cb)(const char *path, void *ud);

tb_watch *tb_watch_new(struct event_base *base, int64_t debounce_ms, tb_watch_cb cb, void *ud,
                       tb_err *e);

/* Adds a directory (and, when recursive, its subdirectories, including ones created later). */
int tb_watch_add_dir(tb_watch *w, const char *dir, int recursive, tb_err *e);

void tb_watch_free(tb_watch *w);

#endif
