/*
 * facts_missed.c - missed opportunities: a signal that was blocked or not taken, on a symbol
 * that then moved more than sentinel.missed_move_pct in the signal's direction before the
 * session's close. The bars are the ones the live engine recorded that day (data/sessions,
 * docs/replay.md) when it recorded any; otherwise they are loaded by the replay's own code
 * (tb_runner: the seeded sample data or the CSV folder of replay.data_dir), the bars a replay
 * engine played. facts.missed_source says which.
 */
#include "data/calendar.h"
#include "home/home.h"
#include "replay/recorder.h"
#include "replay/session_replay.h"
#include "sentinel/facts.h"
#include "trade/runner.h"

#include <event2/event.h>

#include <math.h>
#include <stdio.h>
#include <string.h>

typedef struct day_bars {
    struct event_base *base;
    tb_shost host;
    tb_runner r;     /* loads the bars exactly as the engine's replay does (sample data or CSV) */
    tb_symtab rsyms; /* the recorded bars of the day, when the live engine recorded any */
    tb_bar_vec rbars;
    const tb_symtab *syms; /* whichever of the two is used */
    const tb_bar_vec *bars;
    long recorded;
    tb_date day;
    int ok;
} day_bars;

/* The bars the live engine recorded that day; 0 when it recorded none. */
static long load_recorded(day_bars *b, tb_date day)
{
    char dir[4096];
    memset(b, 0, sizeof *b);
    b->day = day;
    tb_symtab_init(&b->rsyms);
    b->recorded = tb_sreplay_day_bars(tb_home_path(dir, sizeof dir, TB_SESSIONS_DIR), day,
                                      &b->rsyms, &b->rbars);
    if (b->recorded > 0) b->syms = &b->rsyms, b->bars = &b->rbars, b->ok = 1;
    return b->recorded;
}

static int load_bars(day_bars *b, const tb_config *cfg, const char *date, tb_date day)
{
    char data[4096];
    tb_err e;
    tb_lua_limits lim = {
        .mem_limit = 16u << 20, .instr_budget = 1000000, .time_limit_ms = 50, .time_on_cpu = 1};
    if (!(b->base = event_base_new())) return -1;
    tb_shost_init(&b->host, &lim);
    tb_runner_opts o = {.base = b->base,
                        .shost = &b->host,
                        .seed = (uint64_t)cfg->replay.seed,
                        .days = (int)cfg->replay.days,
                        .nsymbols = (int)cfg->replay.symbols,
                        .start = cfg->replay.start,
                        .from = date,
                        .to = date,
                        .initial_cash = 1};
    if (cfg->replay.data_dir && *cfg->replay.data_dir)
        o.data_dir = tb_home_path(data, sizeof data, cfg->replay.data_dir);
    if (tb_runner_open(&b->r, &o, &e) != 0) {
        tb_runner_close(&b->r);
        return -1;
    }
    b->ok = 1;
    b->syms = &b->r.syms, b->bars = &b->r.bars;
    return 0;
}

static void free_bars(day_bars *b)
{
    tb_bar_vec_free(&b->rbars);
    tb_symtab_free(&b->rsyms);
    if (b->ok && !b->recorded) tb_runner_close(&b->r);
    if (b->base) {
        tb_shost_free(&b->host);
        event_base_free(b->base);
    }
}

/* The best move in the signal's direction after t_ns until the close, in percent of price. */
static double best_move(const day_bars *b, uint32_t sym, int64_t t_ns, double price, int buy)
{
    double best = 0;
    for (size_t i = 0; i < b->bars->n; i++) {
        const tb_bar *x = &b->bars->v[i];
        if (x->sym != sym || x->start_ns <= t_ns || tb_cal_session_day(x->start_ns) != b->day)
            continue;
        double m = buy ? (x->high - price) / price : (price - x->low) / price;
        if (m > best) best = m;
    }
    return best * 100.0;
}

static int64_t parse_t(const char *t)
{
    int y, mo, d, h, mi, s;
    if (!t || sscanf(t, "%d-%d-%dT%d:%d:%d", &y, &mo, &d, &h, &mi, &s) != 6) return 0;
    return ((int64_t)tb_date_from_ymd(y, mo, d) * 86400 + h * 3600 + mi * 60 + s) * 1000000000LL;
}

static int is_candidate(json_t *facts, const char *sym)
{
    json_t *c = json_object_get(json_object_get(facts, "candidates"), "symbols");
    if (!json_array_size(c)) return 1; /* no candidates file: every symbol traded counts */
    size_t i;
    json_t *v;
    json_array_foreach(c, i, v) if (strcmp(json_string_value(v), sym) == 0) return 1;
    return 0;
}

void tb_facts_missed(json_t *facts, const tb_config *cfg)
{
    json_t *missed = json_array(), *seen = json_object();
    json_t *signals = json_object_get(facts, "untaken_signals");
    tb_date day;
    tb_err e;
    day_bars b = {0};
    const char *source = "none";
    const char *date = json_string_value(json_object_get(facts, "date"));
    if (json_array_size(signals) && tb_date_parse(date, &day, &e) == 0) {
        if (load_recorded(&b, day) > 0)
            source = "recorded live bars";
        else if (load_bars(&b, cfg, date, day) == 0)
            source = cfg->replay.data_dir && *cfg->replay.data_dir ? "replay CSV data"
                                                                   : "replay sample data";
    }
    size_t i;
    json_t *d;
    json_array_foreach(signals, i, d)
    {
        if (!b.ok) break;
        const char *sym = json_string_value(json_object_get(d, "symbol"));
        const char *side = json_string_value(json_object_get(d, "side"));
        double price = json_number_value(json_object_get(d, "price"));
        int64_t id = sym ? tb_symtab_find(b.syms, sym) : -1;
        if (id < 0 || !side || !(price > 0) || !is_candidate(facts, sym)) continue;
        int buy = strcmp(side, "buy") == 0;
        char key[96];
        snprintf(key, sizeof key, "%s/%s/%s", sym, side,
                 json_string_value(json_object_get(d, "strategy")));
        double m = best_move(&b, (uint32_t)id, parse_t(json_string_value(json_object_get(d, "t"))),
                             price, buy);
        json_t *prev = json_object_get(seen, key);
        if (m < cfg->sentinel.missed_move_pct ||
            (prev && json_number_value(json_object_get(prev, "move_pct")) >= m))
            continue;
        json_t *row =
            json_pack("{s:s, s:s, s:O?, s:O?, s:O?, s:O?, s:f, s:f}", "symbol", sym, "side", side,
                      "strategy", json_object_get(d, "strategy"), "verdict",
                      json_object_get(d, "verdict"), "gate", json_object_get(d, "gate"), "t",
                      json_object_get(d, "t"), "price", price, "move_pct", round(m * 100) / 100);
        json_object_set_new(seen, key, row);
    }
    const char *k;
    json_t *v;
    json_object_foreach(seen, k, v) json_array_append(missed, v);
    json_decref(seen);
    json_object_set_new(facts, "missed", missed);
    json_object_set_new(facts, "missed_source", json_string(source));
    json_object_set_new(facts, "untaken_count", json_integer((json_int_t)json_array_size(signals)));
    json_object_del(facts, "untaken_signals");
    free_bars(&b);
}
