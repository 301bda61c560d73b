/*
 * answered.c - a finding is answered once. The Sentinel repeats a finding every audit while
 * its window still shows it (a stagnation over the last N sessions persists for N nights after
 * a fix was merged, since those sessions were played before it), so a proposer that reads the
 * finding afresh would answer it again every night: loosen a threshold, then loosen it further
 * before the first change has had a single session to work. Here a proposal made from a
 * finding is dropped when
 *   - the same change was proposed before and is open, merged, refused, rejected, failed or
 *     rolled back (an operator's "no" or a worse replay is not asked again nightly);
 *   - a directive answering the same finding (rule, strategy, symbol, target) is still in
 *     flight (Queued, PENDING_EXECUTION, Executed: awaiting its run or an operator);
 *   - one was Promoted, unless the proposal's evidence starts after that day (`since`, the
 *     first session the finding covers): only sessions played with the fix can judge it.
 */
#include "healer/healer_priv.h"
#include "healer/store.h"

#include <stdio.h>
#include <string.h>

static int status_in(json_t *d, const char *const *list)
{
    const char *s = hl_status(d);
    for (; *list; list++)
        if (strcmp(s, *list) == 0) return 1;
    return 0;
}

static const char *str_or(json_t *v, const char *dflt)
{
    return json_is_string(v) ? json_string_value(v) : dflt;
}

/* "rule|strategy|symbol|target": what a directive answers. */
static void finding_key(json_t *d, char *out, size_t len)
{
    json_t *ch = json_object_get(d, "change");
    snprintf(out, len, "%s|%s|%s|%s", str_or(json_object_get(d, "finding"), ""),
             str_or(json_object_get(ch, "strategy"), ""), str_or(json_object_get(d, "symbol"), ""),
             str_or(json_object_get(d, "target"), ""));
}

static int same_change(json_t *a, json_t *b)
{
    return json_equal(json_object_get(a, "target"), json_object_get(b, "target")) &&
           json_equal(json_object_get(a, "change"), json_object_get(b, "change"));
}

/* The proposal's evidence starts after the day o was promoted. */
static int evidence_after_promotion(json_t *o, json_t *d)
{
    const char *since = str_or(json_object_get(d, "since"), NULL);
    const char *at = str_or(json_object_get(json_object_get(o, "timestamps"), "Promoted"), NULL);
    return since && at && strlen(since) >= 10 && strlen(at) >= 10 && strncmp(since, at, 10) > 0;
}

const char *hl_already_answered(json_t *root, json_t *d, int by_finding)
{
    static const char *const decided[] = {"Queued",   "PENDING_EXECUTION", "Executed",
                                          "Promoted", "Refused",           "Rejected",
                                          "Failed",   "RolledBack",        NULL};
    static const char *const in_flight[] = {"Queued", "PENDING_EXECUTION", "Executed", NULL};
    char key[512], other[512];
    finding_key(d, key, sizeof key);
    size_t i;
    json_t *o;
    json_array_foreach(json_object_get(root, "directives"), i, o)
    {
        if (same_change(o, d) && status_in(o, decided)) return "the same change was proposed";
        if (!by_finding || !json_is_string(json_object_get(d, "finding"))) continue;
        finding_key(o, other, sizeof other);
        if (strcmp(key, other) != 0) continue;
        if (status_in(o, in_flight)) return "a directive for this finding awaits its run or review";
        if (strcmp(hl_status(o), "Promoted") == 0 && !evidence_after_promotion(o, d))
            return "a fix for this finding was merged after the sessions it covers";
    }
    return NULL;
}
