/*
 * test_ibkr_conn: the IB Gateway connection state machine against tests/emu/ibgw_emu.js:
 * handshake to ready, the next order id never going back, 1100/1101/1102 pause and resume,
 * the daily restart survived by reconnecting, and 326 answered with the alternate client id.
 */
#include "tbtest.h"
#include "emu_loop.h"

#include "broker/ibkr_bars.h"
#include "broker/ibkr_conn.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *conn_host = "127.0.0.1";

static int data_only;
static const char *max_version = "151"; /* the emulated Gateway's highest server version */

static ibkr_conn *open_conn(const char *next_id, int client_id, int alt, int64_t persisted)
{
    emu_loop_open(NULL);
    const char *args[] = {"--next-id", next_id, "--max-version", max_version, NULL};
    emu_restart("ibgw_emu.js", args);
    ibkr_conn_opts o = {.base = base,
                        .host = conn_host,
                        .hosts_only = 1,
                        .connect_timeout_ms = 300,
                        .port = E.port,
                        .client_id = client_id,
                        .alt_client_id = alt,
                        .persisted_next_id = persisted,
                        .reconnect_min_ms = 50,
                        .reconnect_max_ms = 200,
                        .data_only = data_only};
    tb_err e;
    ibkr_conn *c = ibkr_conn_new(&o, &e);
    ibkr_conn_start(c, &e);
    return c;
}

TEST(handshake_reaches_ready_after_the_initial_sync)
{
    ibkr_conn *c = open_conn("1000", 7, -1, 0);
    WAIT_FOR(ibkr_conn_state(c) == IBC_READY, 3000);
    CHECK_STR(ibkr_state_name(ibkr_conn_state(c)), "ready");
    ibkr_conn_stats st;
    ibkr_conn_stats_get(c, &st);
    CHECK_INT(st.server_version, IBKR_MAX_VERSION);
    CHECK_INT(st.farm_ok, 3);
    const char *s = emu_ctl(&E, "stats", NULL);
    CHECK_CONTAINS(s, "\"req_open\":1");
    CHECK_CONTAINS(s, "\"req_pos\":1");
    CHECK_CONTAINS(s, "\"req_exec\":1");
    CHECK_INT(ibkr_conn_take_order_id(c), 1000);
    CHECK_INT(ibkr_conn_take_order_id(c), 1001);
    ibkr_conn_free(c);
}

TEST(next_order_id_is_never_below_the_persisted_one)
{
    ibkr_conn *c = open_conn("5", 7, -1, 4321);
    WAIT_FOR(ibkr_conn_state(c) == IBC_READY, 3000);
    CHECK_INT(ibkr_conn_take_order_id(c), 4322);
    ibkr_conn_free(c);
}

TEST(connectivity_lost_pauses_and_restored_resumes)
{
    ibkr_conn *c = open_conn("1000", 7, -1, 0);
    WAIT_FOR(ibkr_conn_state(c) == IBC_READY, 3000);
    emu_ctl(&E, "lost", NULL);
    WAIT_FOR(ibkr_conn_state(c) == IBC_PAUSED, 2000);
    CHECK_STR(ibkr_state_name(ibkr_conn_state(c)), "paused");
    emu_ctl(&E, "restored", NULL);
    WAIT_FOR(ibkr_conn_state(c) == IBC_READY, 2000);
    CHECK_STR(ibkr_state_name(ibkr_conn_state(c)), "ready");
    emu_ctl(&E, "lost", NULL);
    WAIT_FOR(ibkr_conn_state(c) == IBC_PAUSED, 2000);
    emu_ctl(&E, "restored_lost", NULL); /* data lost: everything is requested again */
    WAIT_FOR(ibkr_conn_state(c) == IBC_READY, 2000);
    CHECK_STR(ibkr_state_name(ibkr_conn_state(c)), "ready");
    CHECK_CONTAINS(emu_ctl(&E, "stats", NULL), "\"req_open\":2");
    ibkr_conn_free(c);
}

TEST(daily_restart_is_survived_by_reconnecting)
{
    ibkr_conn *c = open_conn("1000", 7, -1, 0);
    WAIT_FOR(ibkr_conn_state(c) == IBC_READY, 3000);
    int64_t before = ibkr_conn_take_order_id(c);
    emu_ctl(&E, "restart?ms=500", NULL);
    WAIT_FOR(ibkr_conn_state(c) != IBC_READY, 2000);
    CHECK(ibkr_conn_state(c) != IBC_READY);
    WAIT_FOR(ibkr_conn_state(c) == IBC_READY, 5000);
    CHECK_STR(ibkr_state_name(ibkr_conn_state(c)), "ready");
    ibkr_conn_stats st;
    ibkr_conn_stats_get(c, &st);
    CHECK(st.drops >= 1);
    CHECK_INT(st.readies, 2);
    /* The restarted Gateway says 1000 again; the id moves on from what was used. */
    CHECK(ibkr_conn_take_order_id(c) > before);
    ibkr_conn_free(c);
}

TEST(client_id_in_use_switches_to_the_alternate_id)
{
    ibkr_conn *c = open_conn("1000", 7, 17, 0);
    emu_ctl(&E, "hold_id?id=7", NULL);
    WAIT_FOR(ibkr_conn_state(c) == IBC_READY, 5000);
    CHECK_STR(ibkr_state_name(ibkr_conn_state(c)), "ready");
    ibkr_conn_stats st;
    ibkr_conn_stats_get(c, &st);
    CHECK_INT(st.client_id, 17);
    CHECK(st.code_326 >= 2);
    ibkr_conn_free(c);
}

TEST(frame_cut_mid_message_is_a_drop_not_a_crash)
{
    ibkr_conn *c = open_conn("1000", 7, -1, 0);
    WAIT_FOR(ibkr_conn_state(c) == IBC_READY, 3000);
    emu_ctl(&E, "drop_mid", NULL);
    WAIT_FOR(ibkr_conn_state(c) != IBC_READY, 2000);
    WAIT_FOR(ibkr_conn_state(c) == IBC_READY, 3000);
    CHECK_STR(ibkr_state_name(ibkr_conn_state(c)), "ready");
    ibkr_conn_free(c);
}

/* A Gateway that settles on 136 would misread every 151-layout order (194 errors, 0 orders in
 * the field): it is refused at the greeting, never ready, and the refusal says which version. */
TEST(a_gateway_below_the_built_server_version_is_refused_never_ready)
{
    max_version = "136";
    ibkr_conn *c = open_conn("1000", 7, -1, 0);
    max_version = "151";
    ibkr_conn_stats st;
    WAIT_FOR((ibkr_conn_stats_get(c, &st), st.version_refusals >= 2), 3000);
    CHECK(st.version_refusals >= 2); /* retried with backoff: the Gateway may be upgraded */
    CHECK_INT(st.refused_version, 136);
    CHECK_INT(st.readies, 0);
    CHECK(ibkr_conn_state(c) != IBC_READY);
    CHECK_INT(ibkr_conn_take_order_id(c), 0); /* no START_API, so no order id either */
    CHECK_CONTAINS(emu_ctl(&E, "stats", NULL), "\"start_api\":0");
    ibkr_conn_free(c);
}

/* "ib-gateway:4004" in compose: a name, resolved on the loop (here from /etc/hosts only). */
TEST(host_name_is_resolved_without_blocking_the_loop)
{
    conn_host = "localhost";
    ibkr_conn *c = open_conn("1000", 7, -1, 0);
    WAIT_FOR(ibkr_conn_state(c) == IBC_READY, 3000);
    CHECK_STR(ibkr_state_name(ibkr_conn_state(c)), "ready");
    ibkr_conn_free(c);
    conn_host = "no-such-gateway.invalid";
    c = open_conn("1000", 7, -1, 0);
    ibkr_conn_stats st;
    WAIT_FOR((ibkr_conn_stats_get(c, &st), st.drops >= 2), 2000);
    CHECK(st.drops >= 2); /* an unknown name is a drop and a retry, never a crash or a hang */
    CHECK(ibkr_conn_state(c) != IBC_READY);
    ibkr_conn_free(c);
    spin(50); /* libevent delivers the cancelled lookups' callbacks on the loop */
    conn_host = "127.0.0.1";
}

TEST(a_data_only_connection_is_ready_without_requesting_orders_positions_or_executions)
{
    data_only = 1;
    ibkr_conn *c = open_conn("1000", 8, -1, 0);
    data_only = 0;
    WAIT_FOR(ibkr_conn_state(c) == IBC_READY, 3000);
    CHECK_STR(ibkr_state_name(ibkr_conn_state(c)), "ready");
    emu_ctl(&E, "restored_lost", NULL); /* 1101: ready again, still nothing requested */
    spin(200);
    CHECK_STR(ibkr_state_name(ibkr_conn_state(c)), "ready");
    ibkr_conn_stats st;
    ibkr_conn_stats_get(c, &st);
    CHECK_INT(st.code_1101, 1);
    CHECK_INT(st.readies, 2);
    const char *s = emu_ctl(&E, "stats", NULL);
    CHECK_CONTAINS(s, "\"req_open\":0");
    CHECK_CONTAINS(s, "\"req_pos\":0");
    CHECK_CONTAINS(s, "\"req_exec\":0");
    ibkr_conn_free(c);
}

static int tap_errors;
static void count_tap_error(void *ud, const tws_frame *f)
{
    int64_t id, code;
    if (tws_field_int(f, 0, &id) == 0 && id == 4 && tws_field_int(f, 3, &code) == 0 && code == 162)
        tap_errors++;
}

static void ask_history(ibkr_conn *c, int64_t id)
{
    tb_sbuf b = {0};
    tb_err e;
    ibkr_enc_hist(&b, id, "AAPL", "", "60 S", 1, &e); /* the market has not moved: 162 no data */
    ibkr_conn_send(c, &b);
    tb_sbuf_free(&b);
}

TEST(an_error_for_a_tap_request_is_left_to_the_tap_to_log_others_are_logged_here)
{
    char path[] = "/tmp/tb-ibkr-conn-log-XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    tb_err e;
    tb_log_opts lo = {.level = TB_LOG_INFO};
    CHECK_INT(tb_log_open(path, &lo, &e), 0);
    ibkr_conn *c = open_conn("1000", 9, -1, 0);
    ibkr_conn_tap tap = {.on_message = count_tap_error, .ids_from = 700000000};
    ibkr_conn_set_tap(c, &tap);
    WAIT_FOR(ibkr_conn_state(c) == IBC_READY, 3000);
    ask_history(c, 700000001);
    ask_history(c, 42);
    WAIT_FOR(tap_errors == 2, 3000);
    CHECK_INT(tap_errors, 2);
    ibkr_conn_stats st;
    ibkr_conn_stats_get(c, &st);
    CHECK_INT(st.errors, 2); /* both counted */
    ibkr_conn_free(c);
    tb_log_close();
    char buf[65536] = "";
    FILE *f = fopen(path, "r");
    size_t n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
    buf[n] = 0;
    if (f) fclose(f);
    CHECK(strstr(buf, "error id=700000001") == NULL);
    CHECK_CONTAINS(buf, "error id=42 code=162");
    close(fd);
    unlink(path);
}
