#include "broker/ibkr_sendlog.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Field k of the payload, or NULL when the frame has fewer (or an unterminated one). */
static const char *field(const char *p, const char *end, int k)
{
    for (; p < end; k--) {
        const char *nul = memchr(p, 0, (size_t)(end - p));
        if (!nul) return NULL;
        if (k == 0) return p;
        p = nul + 1;
    }
    return NULL;
}

void ibkr_frame_info_of(const void *frame, size_t len, ibkr_frame_info *out)
{
    memset(out, 0, sizeof *out);
    out->msg_id = -1;
    if (len < 5) return;
    const char *p = (const char *)frame + 4, *end = (const char *)frame + len;
    const char *id = field(p, end, 0);
    if (!id) return;
    out->msg_id = strtoll(id, NULL, 10);
    const char *oid = out->msg_id == 3 ? field(p, end, 1) : out->msg_id == 4 ? field(p, end, 2) : 0;
    if (oid) out->order_id = strtoll(oid, NULL, 10);
    const char *ref = out->msg_id == 3 ? field(p, end, 26) : NULL;
    if (ref) snprintf(out->ref, sizeof out->ref, "%s", ref);
}

const char *ibkr_frame_describe(const ibkr_frame_info *i, char *out, size_t n)
{
    if (i->msg_id == 3)
        snprintf(out, n, "placeOrder id=%lld ref=%s", (long long)i->order_id, i->ref);
    else if (i->msg_id == 4)
        snprintf(out, n, "cancelOrder id=%lld", (long long)i->order_id);
    else
        snprintf(out, n, "message %lld", (long long)i->msg_id);
    return out;
}
