/*
 * store.c - data/healer_active_directives.json and logs/healer_history.jsonl.
 */
#include "healer/store.h"
#include "util/atomic.h"
#include "home/home.h"
#include "log/jsonl.h"
#include "util/clock.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

const char *hl_now(char buf[40])
{
    return tb_clock_fmt_utc(tb_clock_now_ns(), buf, 40);
}

json_t *hl_store_load(tb_err *e)
{
    char path[4096];
    json_error_t je;
    tb_home_path(path, sizeof path, HL_DIRECTIVES);
    FILE *f = fopen(path, "r");
    if (!f) return json_pack("{s:[]}", "directives");
    json_t *root = json_loadf(f, 0, &je);
    fclose(f);
    if (!root) {
        tb_errf(e, "%s:%d: %s", HL_DIRECTIVES, je.line, je.text);
        return NULL;
    }
    if (json_is_array(root)) { /* the dashboard also accepts a bare list */
        json_t *o = json_pack("{s:o}", "directives", root);
        root = o;
    }
    if (!json_is_array(json_object_get(root, "directives")))
        json_object_set_new(root, "directives", json_array());
    return root;
}

int hl_store_save(json_t *root, tb_err *e)
{
    char path[4096];
    tb_home_path(path, sizeof path, HL_DIRECTIVES);
    return tb_atomic_write_json(path, root, JSON_INDENT(2) | JSON_PRESERVE_ORDER,
                                TB_STATE_FILE_MODE, e);
}

json_t *hl_store_find(json_t *root, const char *id)
{
    size_t i;
    json_t *d;
    json_array_foreach(json_object_get(root, "directives"), i, d)
    {
        const char *did = json_string_value(json_object_get(d, "id"));
        if (did && strcmp(did, id) == 0) return d;
    }
    return NULL;
}

const char *hl_status(json_t *d)
{
    const char *s = json_string_value(json_object_get(d, "status"));
    return s ? s : "Queued";
}

void hl_history(json_t *event)
{
    char path[4096], ts[40];
    tb_err e;
    tb_jsonl *j = tb_jsonl_open(tb_home_path(path, sizeof path, HL_HISTORY), 0, &e);
    if (!j) return;
    json_t *line = json_pack("{s:s}", "t", hl_now(ts));
    json_object_update(line, event);
    tb_jsonl_write(j, line, &e);
    json_decref(line);
    tb_jsonl_close(j);
}

void hl_set_status(json_t *d, const char *status, const char *detail, json_t *extra)
{
    char ts[40];
    hl_now(ts);
    json_t *stamps = json_object_get(d, "timestamps");
    if (!json_is_object(stamps)) json_object_set_new(d, "timestamps", stamps = json_object());
    json_object_set_new(stamps, status, json_string(ts));
    json_object_set_new(d, "status", json_string(status));
    json_object_set_new(d, "updated_at", json_string(ts));
    json_t *ev = json_pack("{s:O?, s:s, s:O?, s:O?, s:O?, s:O?}", "id", json_object_get(d, "id"),
                           "status", status, "finding", json_object_get(d, "finding"), "severity",
                           json_object_get(d, "severity"), "symbol", json_object_get(d, "symbol"),
                           "branch", json_object_get(d, "branch"));
    if (detail) json_object_set_new(ev, "message", json_string(detail));
    if (extra) json_object_update(ev, extra);
    hl_history(ev);
    json_decref(ev);
}

int hl_store_lock(void)
{
    char path[4096];
    int fd = open(tb_home_path(path, sizeof path, "data/healer_active_directives.lock"),
                  O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd >= 0 && flock(fd, LOCK_EX) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

void hl_store_unlock(int fd)
{
    if (fd >= 0) close(fd); /* closing releases the flock */
}

int hl_store_put_if(json_t *d, const char *expect, tb_err *e)
{
    int fd = hl_store_lock();
    json_t *root = hl_store_load(e);
    int rc = -1;
    if (root) {
        json_t *list = json_object_get(root, "directives");
        const char *id = json_string_value(json_object_get(d, "id"));
        size_t i, at = (size_t)-1;
        json_t *o;
        json_array_foreach(list, i, o)
        {
            const char *oid = json_string_value(json_object_get(o, "id"));
            if (id && oid && strcmp(id, oid) == 0) {
                at = i;
                break;
            }
        }
        if (expect && (at == (size_t)-1 || strcmp(hl_status(o), expect) != 0)) {
            rc = 1; /* decided elsewhere meanwhile: that decision stands */
        } else {
            if (at == (size_t)-1)
                json_array_append(list, d);
            else
                json_array_set(list, at, d);
            rc = hl_store_save(root, e);
        }
        json_decref(root);
    }
    hl_store_unlock(fd);
    return rc;
}

int hl_store_put(json_t *d, tb_err *e)
{
    return hl_store_put_if(d, NULL, e);
}
