/*
 * oms_warm: the order manager's slot pool is sized at start, but a slot's page becomes resident
 * only when first written, a page fault on the order path. oms_warm touches the next slots the
 * pool hands out, between events; mincore tells whether their pages are resident.
 */
#include "tbtest.h"
#include "intent_testutil.h"
#include "oms/oms.h"

#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>

static int resident(const void *p)
{
    long page = sysconf(_SC_PAGESIZE);
    unsigned char v = 0;
    void *base = (void *)((uintptr_t)p & ~(uintptr_t)(page - 1));
    return mincore(base, (size_t)page, &v) == 0 && (v & 1);
}

/* Submits one market buy; the order's address (its slot's). */
static const char *submit_one(oms *m, const char *sym)
{
    oms_intent in = oms_test_order("warm", sym, OMS_BUY, 1);
    const oms_order *o = NULL;
    tb_err e;
    return oms_submit(m, &in, &o, &e) == 0 && o ? (const char *)o : NULL;
}

TEST(oms_warm_makes_the_next_order_slots_resident)
{
    /* A pool of megabytes: calloc maps it fresh, nothing resident until written. */
    oms_config c = {
        .max_orders = 8192, .max_symbols = 16, .max_execs = 1024, .session_day = 20260107};
    oms *m = oms_new(&c, NULL);
    CHECK(m != NULL);
    const char *a = submit_one(m, "AAA"), *b = submit_one(m, "AAA");
    CHECK(a && b && b > a);
    if (!a || !b || b <= a) return;
    ptrdiff_t stride = b - a;          /* slots are handed out in order from a fresh pool */
    const char *far = b + 40 * stride; /* ten pages on: nothing has written there */
    CHECK_INT(resident(far), 0);
    oms_warm(m, 40);
    CHECK_INT(resident(far), 1);
    CHECK_INT(resident(b + 50 * stride), 0); /* only the slots asked for (two pages on) */
    /* Warming changes nothing the order manager shows: the next order is the next slot. */
    CHECK(submit_one(m, "AAA") == b + stride);
    oms_free(m);
}
