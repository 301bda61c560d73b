/*
 * data/pdt_state.json: written when the count changes, operator edits picked up without a
 * restart, validated and kept as dated corrections across a restart (runbook 2.3).
 */
#include "tbtest.h"
#include "risk_fixture.h"

#include <jansson.h>
#include <stdlib.h>
#include <unistd.h>

static char dir[] = "/tmp/tb-pdt-XXXXXX", path[64];

static void use_files(fx *f)
{
    tb_risk_cfg c = fx_cfg();
    tb_risk_free(f->r);
    tb_err e;
    f->r = tb_risk_new(&c, dir, &e);
    tb_risk_attach(f->r, f->m);
    tb_macro m = {.vix = 18, .valid = 1, .time_ns = tb_clock_now_ns()};
    tb_risk_set_macro(f->r, &m);
}

static long long file_count(void)
{
    json_error_t je;
    json_t *j = json_load_file(path, 0, &je);
    long long n = j ? json_integer_value(json_object_get(j, "day_trade_count")) : -1;
    json_decref(j);
    return n;
}

static void edit(const char *count)
{
    char tmp[80];
    snprintf(tmp, sizeof tmp, "%s.edit", path);
    FILE *fp = fopen(tmp, "w");
    fprintf(fp, "{\"day_trade_count\": %s, \"window\": {\"last\": \"2026-01-07\"}}\n", count);
    fclose(fp);
    rename(tmp, path);
}

static int count_now(fx *f)
{
    tb_risk_dt_state st;
    tb_risk_dt_get(f->r, &f->cx, &st);
    return st.count;
}

TEST(pdt_state_file_follows_the_ledger_and_takes_operator_edits)
{
    CHECK(mkdtemp(dir) != NULL);
    snprintf(path, sizeof path, "%s/pdt_state.json", dir);
    fx f;
    tb_risk_cfg c = fx_cfg();
    fx_init(&f, &c);
    use_files(&f);
    fx_account(&f, 100000, 1e6);
    CHECK_INT(fx_trade(&f, "AAA", OMS_BUY, 10), 0);
    CHECK_INT(fx_trade(&f, "AAA", OMS_SELL, 10), 0);
    tb_risk_tick(f.r, &f.cx);
    CHECK_INT(file_count(), 1);
    edit("3"); /* the broker says 3: the operator corrects us */
    usleep(1100000);
    tb_risk_tick(f.r, &f.cx);
    CHECK_INT(count_now(&f), 3);
    CHECK_INT(file_count(), 3);
    edit("\"three\""); /* invalid: ignored, logged */
    usleep(1100000);
    tb_risk_tick(f.r, &f.cx);
    CHECK_INT(count_now(&f), 3);
    CHECK_INT(file_count(), 3); /* rewritten with what is in force */
    use_files(&f);              /* a restart keeps the correction */
    CHECK_INT(count_now(&f), 3);
    edit("0"); /* lower: our own entry is waived */
    usleep(1100000);
    tb_risk_tick(f.r, &f.cx);
    CHECK_INT(count_now(&f), 0);
    fx_free(&f);
    unlink(path);
    rmdir(dir);
}
