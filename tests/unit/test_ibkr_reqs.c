/* test_ibkr_reqs: the IB feed's historical request ids: a slot in flight is never reused (its
 * answer must find it), ids skip to a free slot, a full table takes nothing. */
#include "tbtest.h"

#include "feed/ibkr_reqs.h"

#define B 700000000LL

TEST(ids_count_up_from_the_base_and_are_found_until_freed)
{
    ibkr_reqs t;
    ibkr_reqs_init(&t, B);
    int64_t a, b;
    int sa = ibkr_reqs_take(&t, &a), sb = ibkr_reqs_take(&t, &b);
    CHECK_INT(a, B);
    CHECK_INT(b, B + 1);
    CHECK_INT(ibkr_reqs_find(&t, a), sa);
    CHECK_INT(ibkr_reqs_find(&t, b), sb);
    CHECK_INT(ibkr_reqs_find(&t, B + 2), -1); /* never issued */
    CHECK_INT(ibkr_reqs_find(&t, 42), -1);    /* not ours (an order id) */
    ibkr_reqs_free(&t, sa);
    CHECK_INT(ibkr_reqs_find(&t, a), -1); /* a late answer to it finds nothing */
}

TEST(a_slot_in_flight_is_never_reused_after_the_ids_wrap_around_the_table)
{
    ibkr_reqs t;
    ibkr_reqs_init(&t, B);
    int64_t stuck, id;
    int s0 = ibkr_reqs_take(&t, &stuck); /* waits in the pacer, or for a slow answer */
    for (int k = 1; k < IBKR_REQS_MAX; k++) ibkr_reqs_free(&t, ibkr_reqs_take(&t, &id));
    /* the next id would land on stuck's slot: it is skipped */
    int s = ibkr_reqs_take(&t, &id);
    CHECK(s != s0);
    CHECK_INT(id, B + IBKR_REQS_MAX + 1);
    CHECK_INT(ibkr_reqs_find(&t, stuck), s0); /* its answer still finds it */
    CHECK_INT(ibkr_reqs_find(&t, id), s);
}

TEST(a_full_table_takes_nothing_until_a_slot_is_freed)
{
    ibkr_reqs t;
    ibkr_reqs_init(&t, B);
    int64_t id, first = 0;
    for (int k = 0; k < IBKR_REQS_MAX; k++) {
        CHECK(ibkr_reqs_take(&t, &id) >= 0);
        if (!k) first = id;
    }
    CHECK_INT(ibkr_reqs_take(&t, &id), -1);
    ibkr_reqs_free(&t, ibkr_reqs_find(&t, first + 7));
    int s = ibkr_reqs_take(&t, &id);
    CHECK_INT(s, 7);
    CHECK_INT(id, first + IBKR_REQS_MAX + 7);
    ibkr_reqs_clear(&t); /* the socket is gone: every request with it */
    CHECK_INT(ibkr_reqs_find(&t, id), -1);
    CHECK(ibkr_reqs_take(&t, &id) >= 0);
}
