/*
 * unanswered.c - the findings of the last audit no directive answers, counted per rule, so a
 * run that proposes nothing says why ("30 findings -> 0 proposed" left an operator guessing):
 * no file of scripts/healer/ acts on that rule, or the rule's cause is not a strategy's to fix
 * (missed opportunities blocked by day trades under PDT, say).
 */
#include "healer/healer.h"
#include "healer/store.h"

#include <string.h>

static int severe(json_t *f)
{
    const char *s = json_string_value(json_object_get(f, "severity"));
    return s &&
           (strcmp(s, "WARNING") == 0 || strcmp(s, "ERROR") == 0 || strcmp(s, "CRITICAL") == 0);
}

/* d answers f: same rule, and the same symbol and strategy when d names them. */
static int answers(json_t *d, json_t *f)
{
    if (!json_equal(json_object_get(d, "finding"), json_object_get(f, "rule"))) return 0;
    json_t *sym = json_object_get(d, "symbol");
    if (json_is_string(sym) && !json_equal(sym, json_object_get(f, "symbol"))) return 0;
    json_t *strat = json_object_get(json_object_get(d, "change"), "strategy");
    json_t *fs = json_object_get(json_object_get(f, "evidence"), "strategy");
    return !(json_is_string(strat) && json_is_string(fs) && !json_equal(strat, fs));
}

json_t *hl_unanswered(json_t *findings, json_t *root)
{
    json_t *out = json_object();
    size_t i, j;
    json_t *f, *d;
    json_array_foreach(findings, i, f)
    {
        const char *rule = json_string_value(json_object_get(f, "rule"));
        if (!rule || !severe(f)) continue;
        int hit = 0;
        json_array_foreach(json_object_get(root, "directives"), j,
                           d) if ((hit = answers(d, f))) break;
        if (hit) continue;
        json_int_t n = json_integer_value(json_object_get(out, rule));
        json_object_set_new(out, rule, json_integer(n + 1));
    }
    return out;
}
