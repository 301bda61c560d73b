#include "broker/reject_class.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

static int has(const char *s, const char *word)
{
    size_t n = strlen(word);
    for (; *s; s++)
        if (strncasecmp(s, word, n) == 0) return 1;
    return 0;
}

static int any(const char *s, const char *const *words)
{
    for (; *words; words++)
        if (has(s, *words)) return 1;
    return 0;
}

broker_reject_class broker_reject_classify(const char *reason)
{
    if (!reason || !*reason) return BROKER_REJECT_TRANSIENT;
    /* Account-wide or passing conditions first: they can clear any minute. */
    static const char *const passing[] = {"margin",     "buying power",  "pattern day", "day trad",
                                          "wash trade", "rate limit",    "too many",    "tick",
                                          "price",      "market closed", "not open",    NULL};
    if (any(reason, passing)) return BROKER_REJECT_TRANSIENT;
    static const char *const shorting[] = {"short", "borrow", "locate", NULL};
    if (any(reason, shorting)) return BROKER_REJECT_SHORT;
    long code = strtol(reason, NULL, 10);
    if (code == 200 || code == 203) return BROKER_REJECT_SYMBOL; /* IB: no contract / not allowed */
    static const char *const symbol[] = {
        "permission",    "not allowed",     "not tradable",         "not tradeable",
        "not active",    "restricted",      "invalid contract",     "security definition",
        "not available", "asset not found", "could not find asset", NULL};
    if ((code == 201 || code == 403 || code == 422) && any(reason, symbol))
        return BROKER_REJECT_SYMBOL;
    return BROKER_REJECT_TRANSIENT;
}
