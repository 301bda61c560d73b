/*
 * emu_loop.h - the fixture of the tests that run a real client on an event loop against a
 * tests/emu emulator: one event base for the executable, the emulator E (a fresh one per test),
 * a debug log in /tmp, the loop run until a condition holds, the emulator's counters, and all of
 * it stopped and freed at exit.
 * One test executable includes it once.
 */
#ifndef TB_TEST_EMU_LOOP_H
#define TB_TEST_EMU_LOOP_H

#include "emu_util.h"
#include "tbtest.h"

#include "log/log.h"

#include <event2/event.h>

static struct event_base *base;
static emu E;
static char logpath[128]; /* "" until emu_loop_open is given a name */

/* Creates the event base on first use and, with a name, opens the debug log
 * /tmp/tb_<name>_<pid>.log (logpath) that tests read back with emu_read_log. */
static inline void emu_loop_open(const char *name)
{
    if (base) return;
    base = event_base_new();
    if (!name) return;
    snprintf(logpath, sizeof logpath, "/tmp/tb_%s_%d.log", name, (int)getpid());
    tb_log_opts lo = {.level = TB_LOG_DEBUG};
    tb_err e;
    tb_log_open(logpath, &lo, &e);
}

/* Stops the previous test's emulator and starts tests/emu/<script> with args (NULL-ended). */
static inline void emu_restart(const char *script, const char *const *args)
{
    emu_stop(&E);
    if (emu_start(&E, script, args) != 0) TBT_FAIL("emulator %s did not start", script);
}

/* Runs the loop for ms milliseconds. */
static inline void spin(int ms)
{
    struct timeval tv = {ms / 1000, (ms % 1000) * 1000};
    event_base_loopexit(base, &tv);
    event_base_dispatch(base);
}

/* Runs the loop until cond holds (checked every 10 ms) or max_ms passes. */
#define WAIT_FOR(cond, max_ms)                                                                     \
    do {                                                                                           \
        for (int w_ = 0; w_ < (max_ms) / 10 && !(cond); w_++) spin(10);                            \
    } while (0)

/* Runs the loop until order cid of rig r reaches status st or max_ms passes, then checks it did
 * (the test's status_of(r, cid) reads the order manager). */
#define EXPECT_STATUS(r, cid, st, max_ms)                                                          \
    do {                                                                                           \
        WAIT_FOR(status_of(r, cid) == (st), max_ms);                                               \
        CHECK_STR(oms_status_name(status_of(r, cid)), oms_status_name(st));                        \
    } while (0)

/* The issue-19 contract on any broker: market buy cid of q AAPL (strategy "t") becomes unknown
 * within unknown_ms, the strategy's next order on the symbol is refused naming it, and it is
 * adopted with its fill within fill_ms (oms_testutil.h's oms_test_buy_again is the next order). */
#define EXPECT_UNKNOWN_THEN_ADOPTED(r, cid, q, unknown_ms, fill_ms)                                \
    do {                                                                                           \
        EXPECT_STATUS(r, cid, OMS_ST_UNKNOWN, unknown_ms);                                         \
        tb_err eu_;                                                                                \
        CHECK_INT(oms_test_buy_again((r)->m, q, &eu_), -1);                                        \
        CHECK_CONTAINS(eu_.msg, cid " has an unknown outcome");                                    \
        EXPECT_STATUS(r, cid, OMS_ST_FILLED, fill_ms);                                             \
        CHECK_INT(oms_position_get((r)->m, "AAPL")->qty, q);                                       \
    } while (0)

/* The number after "key": in the emulator's /__emu/stats answer, or missing when it has none. */
static inline int emu_stat(const char *key, int missing)
{
    const char *s = emu_ctl(&E, "stats", NULL);
    char k[200];
    snprintf(k, sizeof k, "\"%s\":", key);
    const char *p = strstr(s, k);
    return p ? atoi(p + strlen(k)) : missing;
}

/* The debug log so far (its first MiB), "" before emu_loop_open named one; one buffer, reused. */
static inline char *read_log(void)
{
    static char buf[1 << 20];
    FILE *f = logpath[0] ? fopen(logpath, "r") : NULL;
    size_t n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
    if (f) fclose(f);
    buf[n] = '\0';
    return buf;
}

/* At exit: the emulator stopped, the log closed and removed (KEEP=1 keeps it), the loop freed. */
__attribute__((destructor)) static void emu_loop_teardown(void)
{
    emu_stop(&E);
    if (logpath[0]) {
        tb_log_close();
        if (!getenv("KEEP")) unlink(logpath);
    }
    if (base) event_base_free(base);
}

#endif
