/*
 * tws_testutil.h - checks of the TWS API messages the IB adapter writes (test_ibkr*.c): a
 * message's fields against a table of (index, expected text) pairs. Include after tbtest.h.
 */
#ifndef TB_TEST_TWS_TESTUTIL_H
#define TB_TEST_TWS_TESTUTIL_H

#include "broker/tws_frame.h"
#include "tbtest.h"

typedef struct tws_want {
    int i;
    const char *text;
} tws_want;

/* Checks that frame f's field i is text for each {i, "text"} given; a missing field fails too. */
#define CHECK_FIELDS(f, ...)                                                                       \
    do {                                                                                           \
        static const tws_want w_[] = {__VA_ARGS__};                                                \
        for (size_t k_ = 0; k_ < sizeof w_ / sizeof w_[0]; k_++) {                                 \
            const char *got_ = w_[k_].i < (f).n ? (f).field[w_[k_].i] : "(missing)";               \
            if (strcmp(got_, w_[k_].text) != 0)                                                    \
                TBT_FAIL("field[%d] == \"%s\", expected \"%s\"", w_[k_].i, got_, w_[k_].text);     \
        }                                                                                          \
    } while (0)

#endif
