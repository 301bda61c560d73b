/*
 * test_ind_table.c - the indicator table is consistent and is what the code enforces: unique
 * names, defaults inside the bounds, start() rejecting values just outside them, state sizes
 * known, and docs/indicators.md describing every indicator and parameter.
 */
#include "tbtest.h"
#include "ind/ind.h"

TEST(table_names_are_unique_and_findable)
{
    CHECK_INT(ind_count(), 13);
    for (int i = 0; i < ind_count(); i++) {
        CHECK(ind_find(ind_at(i)->name) == ind_at(i));
        for (int j = 0; j < i; j++) CHECK(strcmp(ind_at(i)->name, ind_at(j)->name) != 0);
    }
    CHECK(ind_find("nope") == NULL);
    CHECK(ind_at(ind_count()) == NULL);
}

TEST(defaults_are_valid_and_out_of_bounds_params_are_rejected)
{
    for (int i = 0; i < ind_count(); i++) {
        const ind_info *ind = ind_at(i);
        double opt[IND_MAX_PARAMS];
        ind_defaults(ind, opt);
        CHECK(ind->start(opt) >= 0);
        CHECK(ind->size(opt) > 0);
        for (int k = 0; k < ind->nparams; k++) {
            const ind_param *p = &ind->params[k];
            CHECK(p->def >= p->min && p->def <= p->max);
            double save = opt[k];
            opt[k] = p->min - 1;
            if (ind->start(opt) != IND_EPARAM)
                TBT_FAIL("%s accepts %s below min", ind->name, p->name);
            CHECK(ind->size(opt) == 0);
            opt[k] = p->max + 1;
            if (ind->start(opt) != IND_EPARAM)
                TBT_FAIL("%s accepts %s above max", ind->name, p->name);
            opt[k] = NAN;
            if (ind->start(opt) != IND_EPARAM) TBT_FAIL("%s accepts NaN %s", ind->name, p->name);
            if (p->integer) {
                opt[k] = p->def + 0.5;
                if (ind->start(opt) != IND_EPARAM)
                    TBT_FAIL("%s accepts fractional %s", ind->name, p->name);
            }
            opt[k] = save;
        }
    }
}

TEST(default_lookbacks_match_talib_conventions)
{
    static const struct {
        const char *name;
        int lookback;
    } want[] = {{"sma", 19}, {"ema", 19},    {"wma", 19},   {"rsi", 14}, {"macd", 33},
                {"atr", 14}, {"bbands", 19}, {"stoch", 17}, {"adx", 27}, {"obv", 0},
                {"vwap", 0}, {"roc", 10},    {"relvol", 20}};
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        const ind_info *ind = ind_find(want[i].name);
        double opt[IND_MAX_PARAMS];
        ind_defaults(ind, opt);
        CHECK_INT(ind->start(opt), want[i].lookback);
    }
    double opt[1] = {14};
    CHECK_INT(ind_out_start(ind_find("adx"), opt, 1), 14);
}

TEST(docs_describe_every_indicator_and_param)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/docs/indicators.md", TB_SOURCE_DIR);
    FILE *f = fopen(path, "r");
    CHECK(f != NULL);
    if (!f) return;
    static char doc[1 << 17];
    size_t n = fread(doc, 1, sizeof doc - 1, f);
    doc[n] = 0;
    fclose(f);
    for (int i = 0; i < ind_count(); i++) {
        const ind_info *ind = ind_at(i);
        char head[64];
        snprintf(head, sizeof head, "## %s", ind->name);
        CHECK_CONTAINS(doc, head);
        const char *sec = strstr(doc, head);
        if (!sec) continue;
        for (int k = 0; k < ind->nparams; k++) CHECK_CONTAINS(sec, ind->params[k].name);
        for (int k = 0; k < ind->noutputs; k++) CHECK_CONTAINS(sec, ind->outputs[k]);
    }
}
