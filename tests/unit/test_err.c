/* Errors as values (util/err.h): the message says what, context is prefixed, and a constructor's
 * failed allocation names the module. */
#include "tbtest.h"
#include "util/err.h"

#include <stdint.h>
#include <stdlib.h>

/* Under AddressSanitizer an impossible allocation aborts unless the allocator may return NULL,
 * which is what the failure case below needs (ignored in builds without ASan). */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
    return "allocator_may_return_null=1";
}

TEST(errf_fills_the_message_and_returns_minus_one)
{
    tb_err e = {{0}};
    CHECK_INT(tb_errf(&e, "%s: bad key %d", "config.json", 7), -1);
    CHECK_STR(e.msg, "config.json: bad key 7");
    CHECK_INT(tb_errf(NULL, "nobody listens"), -1);
}

TEST(prefix_adds_context_before_the_message)
{
    tb_err e = {{0}};
    tb_errf(&e, "line 3: not a number");
    CHECK_INT(tb_err_prefix(&e, "%s: ", "config/trading_config.json"), -1);
    CHECK_STR(e.msg, "config/trading_config.json: line 3: not a number");
}

TEST(zalloc_gives_zeroed_memory)
{
    tb_err e = {{0}};
    unsigned char *p = tb_zalloc(64, "test", &e);
    CHECK(p != NULL);
    int zero = 1;
    for (int i = 0; p && i < 64; i++) zero &= p[i] == 0;
    CHECK(zero);
    CHECK_STR(e.msg, "");
    free(p);
}

TEST(zalloc_failure_names_the_module)
{
    tb_err e = {{0}};
    /* no allocator grants SIZE_MAX bytes */
    void *p = tb_zalloc(SIZE_MAX, "bar store", &e);
    CHECK(p == NULL);
    CHECK_STR(e.msg, "bar store: out of memory");
    free(p);
}
