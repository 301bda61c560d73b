/* test_ibkr_hpace: IB's historical-data pacing on a fake clock: no identical request within
 * 15 s, at most 5 per contract in 2 s (IB: six or more is a violation), at most 60 in 10
 * minutes, in arrival order. */
#include "tbtest.h"

#include "broker/ibkr_hpace.h"

#include <stdio.h>

#define S 1000000000LL

/* The tag of the request that goes at now, or -1 when none may (or none waits). */
static int64_t tag_at(ibkr_hpace *p, int64_t now)
{
    int64_t tag, wait;
    return ibkr_hpace_pop(p, now, &tag, &wait) == 1 ? tag : -1;
}

/* How long the next request must still wait at now, or -1 when one goes (or none waits). */
static int64_t wait_at(ibkr_hpace *p, int64_t now)
{
    int64_t tag, wait;
    return ibkr_hpace_pop(p, now, &tag, &wait) == 0 ? wait : -1;
}

/* ibkr_hpace_pop at now: 1 a request goes, 0 one must wait, -1 none waits. */
static int pop_at(ibkr_hpace *p, int64_t now)
{
    int64_t tag, wait;
    return ibkr_hpace_pop(p, now, &tag, &wait);
}

static ibkr_hpace_stats stats_of(ibkr_hpace *p)
{
    ibkr_hpace_stats st;
    ibkr_hpace_stats_get(p, &st);
    return st;
}

TEST(requests_go_at_once_while_no_rule_objects)
{
    ibkr_hpace *p = ibkr_hpace_new(0);
    CHECK_INT(pop_at(p, 0), -1);
    ibkr_hpace_push(p, "AAPL|a", "AAPL", 1);
    ibkr_hpace_push(p, "MSFT|a", "MSFT", 2);
    CHECK_INT(tag_at(p, 100 * S), 1);
    CHECK_INT(tag_at(p, 100 * S), 2);
    ibkr_hpace_stats st = stats_of(p);
    CHECK_INT(st.sent, 2);
    CHECK_INT(st.delayed, 0);
    ibkr_hpace_free(p);
}

TEST(an_identical_request_waits_15_seconds)
{
    ibkr_hpace *p = ibkr_hpace_new(0);
    ibkr_hpace_push(p, "AAPL|x", "AAPL", 1);
    CHECK_INT(pop_at(p, 1000 * S), 1);
    ibkr_hpace_push(p, "AAPL|x", "AAPL", 2); /* a retry after 162 */
    CHECK_INT(wait_at(p, 1003 * S), 12 * S);
    CHECK_INT(pop_at(p, 1015 * S - 1), 0);
    CHECK_INT(tag_at(p, 1015 * S), 2);
    ibkr_hpace_stats st = stats_of(p);
    CHECK_INT(st.delayed, 1); /* counted once however often it was asked */
    CHECK_INT(st.by_identical, 1);
    ibkr_hpace_free(p);
}

TEST(a_sixth_request_for_one_contract_within_2_s_waits_and_blocks_those_behind_it)
{
    ibkr_hpace *p = ibkr_hpace_new(0);
    char k[32];
    for (int i = 0; i < 6; i++) {
        snprintf(k, sizeof k, "AAPL|%d", i);
        ibkr_hpace_push(p, k, "AAPL", i);
    }
    ibkr_hpace_push(p, "MSFT|0", "MSFT", 100);
    for (int i = 0; i < 5; i++) CHECK_INT(pop_at(p, 10 * S + i * (S / 10)), 1);
    /* Six in 2 s would be a violation: the first of the five went at 10 s. */
    CHECK_INT(wait_at(p, 11 * S), S);
    CHECK_INT(pop_at(p, 12 * S - 1), 0);
    CHECK_INT(tag_at(p, 12 * S), 5);
    CHECK_INT(tag_at(p, 12 * S), 100); /* in order: MSFT only now */
    ibkr_hpace_stats st = stats_of(p);
    CHECK_INT(st.by_contract, 1);
    ibkr_hpace_free(p);
}

TEST(the_61st_request_in_ten_minutes_waits_for_the_oldest_to_age_out)
{
    ibkr_hpace *p = ibkr_hpace_new(0);
    char k[32], c[16];
    for (int i = 0; i < 61; i++) {
        snprintf(k, sizeof k, "S%d|x", i);
        snprintf(c, sizeof c, "S%d", i);
        ibkr_hpace_push(p, k, c, i);
    }
    for (int i = 0; i < 60; i++) CHECK_INT(pop_at(p, i * 5 * S), 1);
    CHECK_INT(wait_at(p, 300 * S), 300 * S); /* the first went at 0: free at 600 s */
    CHECK_INT(tag_at(p, 600 * S), 60);
    ibkr_hpace_stats st = stats_of(p);
    CHECK_INT(st.by_window, 1);
    CHECK_INT(st.sent, 61);
    ibkr_hpace_free(p);
}

TEST(the_margin_widens_every_window_and_clear_keeps_the_history)
{
    ibkr_hpace *p = ibkr_hpace_new(S / 4);
    ibkr_hpace_push(p, "A|x", "A", 1);
    CHECK_INT(pop_at(p, 0), 1);
    ibkr_hpace_push(p, "A|x", "A", 2);
    ibkr_hpace_clear(p); /* the connection dropped */
    CHECK_INT(ibkr_hpace_waiting(p), 0);
    ibkr_hpace_push(p, "A|x", "A", 3);
    CHECK_INT(wait_at(p, 15 * S), S / 4);
    CHECK_INT(tag_at(p, 15 * S + S / 4), 3);
    ibkr_hpace_free(p);
}
