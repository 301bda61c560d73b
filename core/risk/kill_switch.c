/*
 * kill_switch.c - the operator's stop: blocks every new entry and cancels every open order.
 *
 * Engaged from the REPL (tb.risk.kill), or by creating data/kill_switch.json (any content; a JSON
 * object may say "reason" and "who"). The engine writes that same file when the REPL engages
 * it, so the switch survives a restart; tb.risk.clear() (or deleting the file) clears it.
 * Exits still pass: closing a position is what an operator who pulls the switch wants, but only
 * an order that reduces the account's position by no more than what is left of it once the
 * working orders on its side have filled (risk_order_make): a long of 20 admits one sell of 20,
 * not two hundred.
 */
#include "risk/risk_priv.h"
#include "util/atomic.h"
#include "log/log.h"
#include "util/clock.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void engage(tb_risk *r, const char *who, const char *reason, int64_t since)
{
    r->kill.engaged = 1;
    snprintf(r->kill.who, sizeof r->kill.who, "%s", who);
    snprintf(r->kill.reason, sizeof r->kill.reason, "%s", reason);
    r->kill.since_ns = since;
    char ts[40];
    TB_WARN("risk", "kill switch engaged by %s at %s: %s", who,
            tb_clock_fmt_utc(since, ts, sizeof ts), reason);
    r->kill.cancels_requested += risk_cancel_all(r, "kill switch");
}

static int write_flag(tb_risk *r, tb_err *e)
{
    if (!r->files) return 0;
    char ts[40];
    json_t *j =
        json_pack("{s:b, s:s, s:s, s:s}", "engaged", 1, "who", r->kill.who, "reason",
                  r->kill.reason, "since", tb_clock_fmt_utc(r->kill.since_ns, ts, sizeof ts));
    int rc = tb_atomic_write_json(r->kill_path, j, JSON_INDENT(2), TB_STATE_FILE_MODE, e);
    json_decref(j);
    if (rc != 0) return -1;
    struct stat st;
    if (stat(r->kill_path, &st) == 0) r->kill_mtime = risk_mtime(r->kill_path);
    r->kill_file_seen = 1;
    return 0;
}

int tb_risk_kill(tb_risk *r, const char *who, const char *reason, tb_err *e)
{
    if (!reason || !*reason) return tb_errf(e, "the kill switch needs a reason");
    engage(r, who, reason, tb_clock_now_ns());
    return write_flag(r, e);
}

int tb_risk_clear(tb_risk *r, const char *who, tb_err *e)
{
    if (r->files && unlink(r->kill_path) != 0 && errno != ENOENT)
        return tb_errf(e, "%s: cannot remove: %s", r->kill_path, strerror(errno));
    if (r->kill.engaged) TB_WARN("risk", "kill switch cleared by %s", who);
    memset(&r->kill, 0, sizeof r->kill);
    r->kill_file_seen = 0;
    return 0;
}

void tb_risk_kill_get(const tb_risk *r, tb_risk_kill_state *out)
{
    *out = r->kill;
    if (!r->oms) return;
    const oms_order *open[1];
    int n = oms_open_orders_all(r->oms, open, 1);
    out->cancels_confirmed = out->cancels_requested > n ? out->cancels_requested - n : 0;
}

/* The file as the operator (or a previous run) left it. */
static void read_flag(tb_risk *r, const struct stat *st)
{
    json_error_t je;
    json_t *j = json_load_file(r->kill_path, 0, &je);
    const char *who = json_string_value(json_object_get(j, "who"));
    const char *reason = json_string_value(json_object_get(j, "reason"));
    /* To the nanosecond: orders older than the flag are the ones it cancels (risk_kill_tick). */
    engage(r, who ? who : "file", reason ? reason : "data/kill_switch.json present",
           (int64_t)st->st_mtim.tv_sec * 1000000000LL + st->st_mtim.tv_nsec);
    json_decref(j);
}

void risk_kill_load(tb_risk *r)
{
    struct stat st;
    if (stat(r->kill_path, &st) != 0) return;
    r->kill_mtime = risk_mtime(r->kill_path);
    r->kill_file_seen = 1;
    read_flag(r, &st);
}

void risk_kill_poll(tb_risk *r)
{
    struct stat st;
    if (stat(r->kill_path, &st) != 0) {
        if (r->kill_file_seen && r->kill.engaged) {
            tb_err e;
            tb_risk_clear(r, "file (data/kill_switch.json removed)", &e);
        }
        r->kill_file_seen = 0;
        return;
    }
    if (r->kill_file_seen && risk_mtime(r->kill_path) == r->kill_mtime) return;
    r->kill_file_seen = 1;
    r->kill_mtime = risk_mtime(r->kill_path);
    if (!r->kill.engaged) read_flag(r, &st);
}

/*
 * While engaged, what was working before the switch is canceled again: a cancel the broker never
 * got (it was away) comes back as a working order at reconciliation, and after a restart the
 * restored book appears after the gates were attached. Orders placed since (exits pass the
 * switch) stay; an order whose cancel is pending is left to it (oms_cancel would not resend).
 */
void risk_kill_tick(tb_risk *r)
{
    if (!r->kill.engaged || !r->oms) return;
    const oms_order *open[1024];
    int n = oms_open_orders_all(r->oms, open, 1024), k = 0;
    static char ids[1024][OMS_CLIENT_ID_MAX + 1];
    for (int i = 0; i < n && i < 1024; i++)
        if (open[i]->status != OMS_ST_PENDING_CANCEL && open[i]->created_ns <= r->kill.since_ns)
            snprintf(ids[k++], sizeof ids[0], "%s", open[i]->client_id);
    for (int i = 0; i < k; i++) {
        const oms_order *o = oms_find(r->oms, ids[i]);
        if (!o || oms_status_is_terminal(o->status) || o->status == OMS_ST_PENDING_CANCEL) continue;
        tb_err e;
        if (oms_cancel(r->oms, ids[i], &e) != 0) {
            TB_ERROR("risk", "kill switch: cancel %s failed again: %s", ids[i], e.msg);
            continue;
        }
        r->kill.cancels_requested++;
        TB_WARN("risk", "kill switch: %s was still working: cancel requested again", ids[i]);
    }
}

int risk_kill_switch_check(tb_risk *r, const tb_gate_ctx *cx, const risk_order *o, char *why,
                           size_t n)
{
    if (!r->kill.engaged || o->reduces) return 0;
    snprintf(why, n, "kill switch engaged by %s: %s", r->kill.who, r->kill.reason);
    return 1;
}
