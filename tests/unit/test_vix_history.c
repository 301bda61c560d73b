/* The daily VIX series a backtest reads survival mode from (core/risk/vix_history.h). */
#include "risk/vix_history.h"
#include "tbtest.h"

#include <unistd.h>

static const char *write_tmp(const char *text)
{
    static char path[64];
    snprintf(path, sizeof path, "/tmp/tb-vix-XXXXXX");
    int fd = mkstemp(path);
    FILE *f = fdopen(fd, "w");
    fputs(text, f);
    fclose(f);
    return path;
}

static tb_date D(int y, int m, int d)
{
    return tb_date_from_ymd(y, m, d);
}

TEST(cboe_history_is_read_sorted_with_open_and_close)
{
    const char *p = write_tmp("DATE,OPEN,HIGH,LOW,CLOSE\n"
                              "01/05/2026,17.10,18.00,16.90,17.55\n"
                              "01/02/2026,16.00,16.50,15.80,16.25\r\n");
    tb_vix_history h = {0};
    tb_err e;
    CHECK_INT(tb_vix_history_csv(p, &h, &e), 0);
    CHECK_INT(h.n, 2);
    CHECK_INT(h.v[0].date, D(2026, 1, 2));
    CHECK_NEAR(h.v[0].open, 16.00, 1e-12);
    CHECK_NEAR(h.v[1].close, 17.55, 1e-12);
    tb_vix_history_free(&h);
    unlink(p);
}

TEST(a_session_sees_the_previous_close_never_its_own)
{
    const char *p = write_tmp("date,close\n2026-01-02,16.25\n2026-01-05,45.00\n2026-01-06,20\n");
    tb_vix_history h = {0};
    tb_err e;
    CHECK_INT(tb_vix_history_csv(p, &h, &e), 0);
    double v;
    tb_date asof;
    CHECK_INT(tb_vix_history_at(&h, D(2026, 1, 5), &v, &asof), 0);
    CHECK_NEAR(v, 16.25, 1e-12); /* the spike closes on the 5th: the 5th does not know it yet */
    CHECK_INT(asof, D(2026, 1, 2));
    CHECK_INT(tb_vix_history_at(&h, D(2026, 1, 6), &v, &asof), 0);
    CHECK_NEAR(v, 45.0, 1e-12);
    CHECK_INT(tb_vix_history_at(&h, D(2026, 3, 1), &v, &asof), 0); /* after the end: the last */
    CHECK_NEAR(v, 20.0, 1e-12);
    CHECK_INT(tb_vix_history_at(&h, D(2026, 1, 2), &v, &asof), 0); /* first day: its open */
    CHECK_INT(asof, D(2026, 1, 2));
    CHECK_INT(tb_vix_history_at(&h, D(2025, 12, 31), &v, &asof), -1);
    tb_vix_history_free(&h);
    unlink(p);
}

TEST(a_malformed_row_names_file_and_line)
{
    const char *p =
        write_tmp("DATE,OPEN,HIGH,LOW,CLOSE\n01/02/2026,1,2,1,1.5\n01/05/2026,1,2,1,nan\n");
    tb_vix_history h = {0};
    tb_err e;
    CHECK_INT(tb_vix_history_csv(p, &h, &e), -1);
    CHECK_CONTAINS(e.msg, p);
    CHECK_CONTAINS(e.msg, ":3:");
    tb_vix_history_free(&h);
    unlink(p);
    CHECK_INT(tb_vix_history_csv("/nonexistent/vix.csv", &h, &e), -1);
    CHECK_CONTAINS(e.msg, "/nonexistent/vix.csv");
}

TEST(the_sample_series_has_one_day_per_session_and_the_spike)
{
    tb_sample_cfg sc;
    tb_sample_defaults(&sc);
    sc.days = 20, sc.nsymbols = 2;
    tb_vix_history h = {0};
    tb_err e;
    CHECK_INT(tb_vix_history_sample(&sc, &h, &e), 0);
    CHECK_INT(h.n, 20);
    for (int i = 0; i < 15; i++) CHECK(h.v[i].close < 40);
    CHECK(h.v[15].close >= 42); /* the spike on day days * 3 / 4, then it decays */
    for (int i = 1; i < h.n; i++) CHECK(h.v[i].date > h.v[i - 1].date);
    tb_vix_history_free(&h);
}
