#include "engine/watch.h"
#include "loop/stall.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_DIRS    256
#define MAX_PENDING 64

struct tb_watch {
    int fd;
    struct event *ev, *timer;
    int64_t debounce_ms;
    tb_watch_cb cb;
    void *ud;
    struct {
        int wd;
        int recursive;
        char path[PATH_MAX];
    } dirs[MAX_DIRS];
    int ndirs;
    char pending[MAX_PENDING][PATH_MAX];
    int npending;
};

static int ignored(const char *name)
{
    size_t n = strlen(name);
    return name[0] == '.' || (n && name[n - 1] == '~') ||
           (n > 4 && !strcmp(name + n - 4, ".swp")) || (n > 4 && !strcmp(name + n - 4, ".tmp")) ||
           (n > 5 && !strcmp(name + n - 5, ".part"));
}

static void flush_cb_run(evutil_socket_t fd, short what, void *arg)
{
    tb_watch *w = arg;
    /* Copy first: a callback may add watches or trigger more events. */
    int n = w->npending;
    char(*paths)[PATH_MAX] = malloc((size_t)n * PATH_MAX);
    if (!paths) return;
    memcpy(paths, w->pending, (size_t)n * PATH_MAX);
    w->npending = 0;
    for (int i = 0; i < n; i++) w->cb(paths[i], w->ud);
    free(paths);
}

/* Named work for the loop's stall record (loop/stall.h). */
static void flush_cb(evutil_socket_t fd, short what, void *arg)
{
    tb_work_begin(TB_WORK_RELOAD, "hot reload", NULL);
    flush_cb_run(fd, what, arg);
    tb_work_end();
}

static void queue_path(tb_watch *w, const char *path)
{
    for (int i = 0; i < w->npending; i++)
        if (strcmp(w->pending[i], path) == 0) return;
    if (w->npending < MAX_PENDING) snprintf(w->pending[w->npending++], PATH_MAX, "%s", path);
    struct timeval tv = {(time_t)(w->debounce_ms / 1000),
                         (suseconds_t)(w->debounce_ms % 1000) * 1000};
    evtimer_add(w->timer, &tv); /* re-arming pushes the flush back: one reload per burst */
}

static int find_dir(tb_watch *w, int wd)
{
    for (int i = 0; i < w->ndirs; i++)
        if (w->dirs[i].wd == wd) return i;
    return -1;
}

static void read_cb(evutil_socket_t fd, short what, void *arg)
{
    tb_watch *w = arg;
    char buf[8192] __attribute__((aligned(__alignof__(struct inotify_event))));
    for (;;) {
        ssize_t len = read(w->fd, buf, sizeof buf);
        if (len <= 0) return;
        for (char *p = buf; p < buf + len;) {
            struct inotify_event *ev = (struct inotify_event *)p;
            p += sizeof *ev + ev->len;
            int d = find_dir(w, ev->wd);
            if (d < 0 || !ev->len || ignored(ev->name)) continue;
            char full[PATH_MAX];
            snprintf(full, sizeof full, "%s/%s", w->dirs[d].path, ev->name);
            if (ev->mask & IN_ISDIR) {
                if ((ev->mask & (IN_CREATE | IN_MOVED_TO)) && w->dirs[d].recursive)
                    tb_watch_add_dir(w, full, 1, NULL);
                continue;
            }
            if (ev->mask & (IN_CLOSE_WRITE | IN_MOVED_TO)) queue_path(w, full);
        }
    }
}

tb_watch *tb_watch_new(struct event_base *base, int64_t debounce_ms, tb_watch_cb cb, void *ud,
                       tb_err *e)
{
    tb_watch *w = tb_zalloc(sizeof *w, "watch", e);
    if (!w) return NULL;
    w->fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (w->fd < 0) {
        tb_errf(e, "watch: inotify: %s", strerror(errno));
        free(w);
        return NULL;
    }
    w->debounce_ms = debounce_ms;
    w->cb = cb;
    w->ud = ud;
    w->ev = event_new(base, w->fd, EV_READ | EV_PERSIST, read_cb, w);
    w->timer = evtimer_new(base, flush_cb, w);
    event_add(w->ev, NULL);
    return w;
}

int tb_watch_add_dir(tb_watch *w, const char *dir, int recursive, tb_err *e)
{
    if (w->ndirs >= MAX_DIRS) return tb_errf(e, "watch: more than %d directories", MAX_DIRS);
    int wd = inotify_add_watch(w->fd, dir, IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE | IN_ONLYDIR);
    if (wd < 0) return tb_errf(e, "watch %s: %s", dir, strerror(errno));
    if (find_dir(w, wd) < 0) {
        w->dirs[w->ndirs].wd = wd;
        w->dirs[w->ndirs].recursive = recursive;
        snprintf(w->dirs[w->ndirs].path, PATH_MAX, "%s", dir);
        w->ndirs++;
    }
    if (!recursive) return 0;
    DIR *dh = opendir(dir);
    if (!dh) return 0;
    struct dirent *de;
    while ((de = readdir(dh))) {
        if (de->d_name[0] == '.') continue;
        char sub[PATH_MAX];
        snprintf(sub, sizeof sub, "%s/%s", dir, de->d_name);
        struct stat st;
        if (stat(sub, &st) == 0 && S_ISDIR(st.st_mode)) tb_watch_add_dir(w, sub, 1, NULL);
    }
    closedir(dh);
    return 0;
}

void tb_watch_free(tb_watch *w)
{
    if (!w) return;
    event_free(w->ev);
    event_free(w->timer);
    close(w->fd);
    free(w);
}
