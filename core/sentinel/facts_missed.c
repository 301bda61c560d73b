/*
 * facts_missed.c - missed opportunities: a signal that was blocked or not taken, on a symbol
 * that then moved more than sentinel.missed_move_pct in the signal's direction before the
 * session's close. The bars are the replay's (the seeded sample data the engine played, or the
 * bars table of ml_db/ml_data.db when it has the symbol's day).
 */
#include "data/calendar.h"
#include "data/sample_gen.h"
#include "sentinel/facts.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

typedef struct day_bars {
    tb_symtab syms;
    tb_bar_vec bars;
    tb_date day;
    int ok;
} day_bars;

static int load_bars(day_bars *b, const tb_config *cfg, tb_date day)
{
    tb_sample_cfg sc;
    tb_err e;
    memset(b, 0, sizeof *b);
    b->day = day;
    tb_symtab_init(&b->syms);
    if (cfg->replay.data_dir && *cfg->replay.data_dir) return -1; /* CSV replay: not yet */
    tb_sample_defaults(&sc);
    sc.seed = (uint64_t)cfg->replay.seed;
    sc.days = (int)cfg->replay.days;
    sc.nsymbols = (int)cfg->replay.symbols;
    sc.with_vix = 0;
    if (cfg->replay.start && *cfg->replay.start && tb_date_parse(cfg->replay.start, &sc.start, &e))
        return -1;
    if (tb_sample_generate(&sc, &b->syms, &b->bars, NULL, &e) != 0) return -1;
    b->ok = 1;
    return 0;
}

/* The best move in the signal's direction after t_ns until the close, in percent of price. */
static double best_move(const day_bars *b, uint32_t sym, int64_t t_ns, double price, int buy)
{
    double best = 0;
    for (size_t i = 0; i < b->bars.n; i++) {
        const tb_bar *x = &b->bars.v[i];
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
    if (json_array_size(signals) &&
        tb_date_parse(json_string_value(json_object_get(facts, "date")), &day, &e) == 0 &&
        load_bars(&b, cfg, day) == 0)
        source = "replay sample data";
    size_t i;
    json_t *d;
    json_array_foreach(signals, i, d)
    {
        if (!b.ok) break;
        const char *sym = json_string_value(json_object_get(d, "symbol"));
        const char *side = json_string_value(json_object_get(d, "side"));
        double price = json_number_value(json_object_get(d, "price"));
        int64_t id = sym ? tb_symtab_find(&b.syms, sym) : -1;
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
    if (b.ok) tb_bar_vec_free(&b.bars);
    tb_symtab_free(&b.syms);
}
