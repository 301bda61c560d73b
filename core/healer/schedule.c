/*
 * schedule.c - when directives run: CRITICAL ones at the next orchestrator run (any
 * `healer run`), WARNING and ERROR ones at 22:30 UTC (the nightly run, or --now); only those
 * with can_auto_apply run without an operator, the others wait in Queued for `approve`.
 */
#include "healer/healer.h"
#include "healer/proc.h"
#include "healer/store.h"
#include "home/home.h"
#include "util/clock.h"

#include <stdlib.h>
#include <string.h>

static int nightly_window(void)
{
    int64_t sec = tb_clock_now_ns() / 1000000000LL % 86400;
    return sec >= 22 * 3600 + 30 * 60;
}

static int due(json_t *d, int nightly)
{
    const char *sev = json_string_value(json_object_get(d, "severity"));
    if (!json_is_true(json_object_get(d, "can_auto_apply")) || !sev) return 0;
    if (strcmp(sev, "CRITICAL") == 0) return 1;
    return (strcmp(sev, "WARNING") == 0 || strcmp(sev, "ERROR") == 0) &&
           (nightly || nightly_window());
}

/* The home must be a git repository with a commit: directives run on branches of it. */
static int home_is_repo(void)
{
    const char *argv[] = {"git", "rev-parse", "--verify", "-q", "HEAD", NULL};
    char *out = NULL;
    int rc = hl_run(argv, tb_home_dir(), -1, &out);
    free(out);
    return rc == 0;
}

int hl_run_due(const tb_config *cfg, int nightly, const char *only_id, int *failed, tb_err *e)
{
    if (!home_is_repo())
        return tb_errf(e,
                       "%s is not a git repository with a commit; the Healer works on branches "
                       "of it (docs/operations.md 4.7)",
                       tb_home_dir());
    json_t *root = hl_store_load(e);
    if (!root) return -1;
    size_t i;
    json_t *d;
    int ran = 0;
    *failed = 0;
    json_array_foreach(json_object_get(root, "directives"), i, d)
    {
        const char *id = json_string_value(json_object_get(d, "id"));
        if (only_id && (!id || strcmp(id, only_id) != 0)) continue;
        if (strcmp(hl_status(d), "Queued") == 0 && due(d, nightly)) {
            hl_set_status(d, "PENDING_EXECUTION", "due by schedule (can_auto_apply)", NULL);
            if (hl_store_put(d, e) != 0) goto out;
        }
    }
    json_array_foreach(json_object_get(root, "directives"), i, d)
    {
        const char *id = json_string_value(json_object_get(d, "id"));
        if (only_id && (!id || strcmp(id, only_id) != 0)) continue;
        if (strcmp(hl_status(d), "PENDING_EXECUTION") != 0) continue;
        tb_err xe;
        if (hl_execute(cfg, d, &xe) != 0) (*failed)++;
        ran++;
        if (hl_store_put(d, e) != 0) goto out;
    }
out:
    json_decref(root);
    return ran;
}
