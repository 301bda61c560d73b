#include "data/calendar.h"
#include "data/csv.h"
#include "tbtest.h"

#include <unistd.h>

#define NS 1000000000LL

static int64_t utc(int y, int m, int d, int hh, int mm)
{
    return ((int64_t)tb_date_from_ymd(y, m, d) * 86400 + hh * 3600 + mm * 60) * NS;
}

/* What one test reads into: the symbols, the bars, the report and the error. */
typedef struct fx {
    tb_symtab syms;
    tb_bar_vec v;
    tb_csv_report rep;
    tb_err e;
} fx;

static fx *fx_new(void)
{
    fx *f = calloc(1, sizeof *f);
    tb_symtab_init(&f->syms);
    return f;
}

static void fx_free(fx *f)
{
    tb_bar_vec_free(&f->v);
    tb_symtab_free(&f->syms);
    free(f);
}

/* Parses text as bars.csv (1-minute bars, symbol TEST unless a column names it) into f. */
static int parse(fx *f, const char *text, tb_csv_policy pol)
{
    tb_csv_opts o = {pol, 60, "TEST"};
    return tb_csv_parse(text, strlen(text), "bars.csv", &o, &f->syms, &f->v, &f->rep, &f->e);
}

/* Parses text under the skip policy and checks that it read `rows` data rows and kept `accepted`
 * bars, all of them in the vector. */
static void parse_rows(fx *f, const char *text, size_t rows, size_t accepted)
{
    if (parse(f, text, TB_CSV_SKIP) != 0) TBT_FAIL("parse failed: %s", f->e.msg);
    if (f->rep.rows != rows || f->rep.accepted != accepted || f->v.n != accepted)
        TBT_FAIL("read %zu rows and kept %zu (%zu bars), expected %zu and %zu", f->rep.rows,
                 f->rep.accepted, f->v.n, rows, accepted);
}

/* The symbol of the i-th bar read. */
static const char *sym_of(fx *f, size_t i)
{
    return tb_symtab_name(&f->syms, f->v.v[i].sym);
}

TEST(reads_alpaca_columns_with_rfc3339_times)
{
    fx *f = fx_new();
    const char *text = "t,o,h,l,c,v,n,vw\n"
                       "2024-03-01T14:30:00Z,179.55,180.1,179.5,180.0,12345,210,179.8\n"
                       "2024-03-01T14:31:00Z,180,180.2,179.9,180.1,1000,20,180.05\r\n";
    parse_rows(f, text, 2, 2);
    CHECK_INT(f->v.v[0].start_ns, utc(2024, 3, 1, 14, 30));
    CHECK_NEAR(f->v.v[0].open, 179.55, 0);
    CHECK_NEAR(f->v.v[0].high, 180.1, 0);
    CHECK_NEAR(f->v.v[0].volume, 12345, 0);
    CHECK_NEAR(f->v.v[0].vwap, 179.8, 0);
    CHECK_INT(f->v.v[0].trades, 210);
    CHECK_INT(f->v.v[0].tf_sec, 60);
    CHECK_STR(sym_of(f, 1), "TEST");
    fx_free(f);
}

TEST(reads_polygon_columns_in_any_order_with_unix_ms_and_ticker)
{
    fx *f = fx_new();
    const char *text = "v,vw,o,c,h,l,t,n,T\n"
                       "500,10.1,10,10.2,10.3,9.9,1709303400000,7,AAPL\n"
                       "600,20.1,20,20.2,20.3,19.9,1709303400000,8,MSFT\n";
    CHECK_INT(tb_csv_parse(text, strlen(text), "poly.csv", NULL, &f->syms, &f->v, &f->rep, &f->e),
              0);
    CHECK_INT(f->v.n, 2);
    CHECK_INT(f->v.v[0].start_ns, utc(2024, 3, 1, 14, 30));
    CHECK_STR(sym_of(f, 0), "AAPL");
    CHECK_STR(sym_of(f, 1), "MSFT");
    CHECK_NEAR(f->v.v[1].close, 20.2, 0);
    fx_free(f);
}

TEST(reads_plain_header_names_case_insensitively)
{
    fx *f = fx_new();
    const char *text = "\xEF\xBB\xBFSymbol,Timestamp,Open,High,Low,Close,Volume,extra\n"
                       "SPY,2024-03-01 09:30:00-05:00,500,501,499,500.5,10,x\n"
                       "\n"
                       "SPY,\"2024-03-01T09:31:00.000-05:00\",500.5,501,500,500.8,11,y\n";
    parse_rows(f, text, 2, 2);
    CHECK_INT(f->v.v[0].start_ns, utc(2024, 3, 1, 14, 30));
    CHECK_INT(f->v.v[1].start_ns, utc(2024, 3, 1, 14, 31));
    CHECK_NEAR(f->v.v[0].vwap, (501 + 499 + 500.5) / 3, 1e-12); /* no vwap column */
    CHECK_STR(sym_of(f, 0), "SPY");
    fx_free(f);
}

TEST(malformed_rows_are_reported_with_line_and_field_and_skipped)
{
    fx *f = fx_new();
    const char *text = "t,o,h,l,c,v\n"
                       "2024-03-01T14:30:00Z,10,11,9,10,100\n"
                       "2024-03-01T14:31:00Z,abc,11,9,10,100\n" /* line 3: not a number */
                       "2024-03-01T14:32:00Z,10,nan,9,10,100\n" /* line 4: NaN */
                       "2024-03-01T14:33:00Z,10,11,-9,10,100\n" /* line 5: negative */
                       "2024-03-01T14:34:00Z,0,11,9,10,100\n"   /* line 6: zero */
                       "2024-03-01T14:35:00Z,10,9,11,10,100\n"  /* line 7: high < low */
                       "2024-03-01T14:36:00Z,10,11,9,,100\n"    /* line 8: missing */
                       "2024-03-01T14:37:00Z,10,11,9\n"         /* line 9: short row */
                       "2024-03-01T14:38:00Z,10,11,9,10,-1\n"   /* line 10: volume */
                       "not-a-time,10,11,9,10,1\n"              /* line 11 */
                       "2024-03-01T14:40:00Z,10,11,9,10,1,7\n"  /* line 12: extra field */
                       "2024-03-01T14:41:00Z,10,11,9,10,100\n";
    parse_rows(f, text, 12, 2);
    CHECK_INT(f->rep.skipped[TB_CSV_MALFORMED], 10);
    for (size_t i = 0; i < f->v.n; i++) CHECK(f->v.v[i].open > 0 && f->v.v[i].low > 0);
    CHECK_INT(f->rep.nmsgs, TB_CSV_MAX_MSGS);
    static const char *const want[] = {"bars.csv:3: field 'o'",
                                       "bars.csv:4: field 'h'",
                                       "bars.csv:5: field 'l'",
                                       "bars.csv:6: field 'o'",
                                       "bars.csv:7: field 'h': high 9 below low 11",
                                       "bars.csv:8: missing field 'c'",
                                       "bars.csv:9: missing field 'c'",
                                       "bars.csv:10: field 'v'"};
    for (int i = 0; i < TB_CSV_MAX_MSGS && i < (int)(sizeof want / sizeof *want); i++)
        CHECK_CONTAINS(f->rep.msgs[i], want[i]);
    fx_free(f);
}

TEST(a_last_row_without_line_end_is_reported_and_skipped)
{
    fx *f = fx_new();
    /* A file read while it was written: the last volume "30" is what is left of "3000". */
    const char *text = "t,o,h,l,c,v\n"
                       "2024-03-01T14:30:00Z,10,11,9,10,100\n"
                       "2024-03-01T14:31:00Z,10,11,9,10,30";
    parse_rows(f, text, 2, 1);
    CHECK_INT(f->rep.skipped[TB_CSV_MALFORMED], 1);
    CHECK_INT(f->rep.nmsgs, 1);
    CHECK_CONTAINS(f->rep.msgs[0], "bars.csv:3: the last row has no line end");
    /* A trailing blank line or CRLF endings leave every row whole. */
    fx *g = fx_new();
    CHECK_INT(parse(g, "t,o,h,l,c,v\r\n2024-03-01T14:30:00Z,10,11,9,10,100\r\n", TB_CSV_SKIP), 0);
    CHECK_INT(g->rep.accepted, 1);
    fx_free(g);
    fx_free(f);
}

TEST(reject_policy_refuses_the_whole_file_and_adds_nothing)
{
    fx *f = fx_new();
    tb_bar keep = {.start_ns = 1, .open = 1, .high = 1, .low = 1, .close = 1};
    tb_bar_vec_push(&f->v, &keep, NULL);
    const char *text = "t,o,h,l,c\n"
                       "2024-03-01T14:30:00Z,10,11,9,10\n"
                       "2024-03-01T14:31:00Z,10,11,9,oops\n";
    CHECK_INT(parse(f, text, TB_CSV_REJECT), -1);
    CHECK_INT(f->v.n, 1);
    CHECK(f->rep.rejected);
    CHECK_INT(f->rep.accepted, 0);
    CHECK_CONTAINS(f->e.msg, "bars.csv:3: field 'c'");
    CHECK_CONTAINS(f->e.msg, "rejected");
    fx_free(f);
}

TEST(duplicates_and_out_of_order_bars_follow_the_policy)
{
    fx *f = fx_new();
    const char *text = "S,t,o,h,l,c\n"
                       "A,2024-03-01T14:31:00Z,10,11,9,10\n"
                       "B,2024-03-01T14:30:00Z,10,11,9,10\n" /* other symbol: fine */
                       "A,2024-03-01T14:31:00Z,10,11,9,10\n" /* duplicate */
                       "A,2024-03-01T14:30:00Z,10,11,9,10\n" /* out of order */
                       "A,2024-03-01T14:32:00Z,10,11,9,10\n";
    parse_rows(f, text, 5, 3);
    CHECK_INT(f->rep.skipped[TB_CSV_DUPLICATE], 1);
    CHECK_INT(f->rep.skipped[TB_CSV_OUT_OF_ORDER], 1);
    CHECK_CONTAINS(f->rep.msgs[0], "bars.csv:4: duplicate");
    CHECK_CONTAINS(f->rep.msgs[1], "bars.csv:5: bar out of order");
    CHECK_INT(parse(f, text, TB_CSV_REJECT), -1);
    CHECK_CONTAINS(f->e.msg, "bars.csv:4: duplicate");
    CHECK_INT(f->v.n, 3);
    fx_free(f);
}

TEST(header_without_required_column_is_an_error)
{
    fx *f = fx_new();
    CHECK_INT(parse(f, "t,o,h,c\n1,1,1,1\n", TB_CSV_SKIP), -1);
    CHECK_CONTAINS(f->e.msg, "no 'l' column");
    CHECK_INT(parse(f, "", TB_CSV_SKIP), -1);
    CHECK_CONTAINS(f->e.msg, "no header");
    CHECK_INT(tb_csv_parse("t,o,h,l,c\n", 10, "x.csv", NULL, &f->syms, &f->v, &f->rep, &f->e), -1);
    CHECK_CONTAINS(f->e.msg, "no symbol");
    fx_free(f);
}

TEST(time_forms_and_units)
{
    int64_t t;
    const int64_t open = utc(2024, 3, 1, 14, 30);
    static const struct {
        const char *text;
        int64_t after_open_ns;
    } good[] = {
        {"2024-03-01T14:30:00Z", 0},
        {"2024-03-01T14:30:00.123456789Z", 123456789},
        {"2024-03-01T09:30:00-0500", 0},
        {"1709303400", 0},          /* seconds */
        {"1709303400000000000", 0}, /* nanoseconds */
        {"1709303400000000", 0},    /* microseconds */
        {"2024-03-01", 0},          /* the 09:30 ET open */
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        const char *s = good[i].text;
        t = 0;
        if (tb_csv_parse_time(s, strlen(s), &t) != 0) TBT_FAIL("refused %s", s);
        if (t != open + good[i].after_open_ns)
            TBT_FAIL("%s read as %lld, expected %lld", s, (long long)t,
                     (long long)(open + good[i].after_open_ns));
    }
    const char *bad[] = {"2024-02-30T00:00:00Z",
                         "2024-03-01T24:00:00Z",
                         "2024-03-01X14:30",
                         "99999999999999999999",
                         "2024-03-01T14:30:00+5",
                         "-1",
                         "2024-3-1"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (tb_csv_parse_time(bad[i], strlen(bad[i]), &t) == 0) TBT_FAIL("accepted %s", bad[i]);
}

TEST(timeframe_is_inferred_for_daily_files)
{
    fx *f = fx_new();
    const char *text = "date,open,high,low,close\n2026-03-06,20,21,19,20\n2026-03-09,20,22,19,21\n"
                       "2026-03-10,21,22,20,21\n";
    tb_csv_opts o = {TB_CSV_SKIP, 0, "VIX"};
    CHECK_INT(tb_csv_parse(text, strlen(text), "vix.csv", &o, &f->syms, &f->v, &f->rep, &f->e), 0);
    CHECK_INT(f->v.n, 3);
    CHECK_INT(f->v.v[2].tf_sec, 86400);
    fx_free(f);
}

TEST(written_bars_read_back_identically)
{
    tb_symtab syms;
    tb_symtab_init(&syms);
    tb_err e;
    uint32_t a = (uint32_t)tb_symtab_intern(&syms, "AAA", &e);
    uint32_t b = (uint32_t)tb_symtab_intern(&syms, "BBB", &e);
    tb_bar bars[3] = {
        {utc(2026, 3, 9, 13, 30), 187.23, 187.5, 187.01, 187.44, 1234, 187.3333, 17, 60, a},
        {utc(2026, 3, 9, 13, 30), 0.1 + 0.2, 0.31, 0.3, 0.3, 0.5, 0.30000001, 1, 60, b},
        {utc(2026, 3, 9, 13, 31) + 5, 187.44, 188, 187, 188, 99, 187.5, 3, 60, a},
    };
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    CHECK_INT(tb_csv_write(f, &syms, bars, 3, 1, &e), 0);
    fclose(f);
    CHECK_CONTAINS(buf, "S,t,o,h,l,c,v,vw,n\nAAA,2026-03-09T13:30:00Z,187.23,187.5,");
    tb_bar_vec v = {0};
    tb_csv_report rep;
    tb_csv_opts o = {TB_CSV_REJECT, 60, NULL};
    CHECK_INT(tb_csv_parse(buf, len, "mem", &o, &syms, &v, &rep, &e), 0);
    CHECK_INT(v.n, 3);
    for (size_t i = 0; i < v.n && i < 3; i++) CHECK(memcmp(&v.v[i], &bars[i], sizeof bars[i]) == 0);
    free(buf);
    tb_bar_vec_free(&v);
    tb_symtab_free(&syms);
}

TEST(per_symbol_files_take_their_symbol_from_the_file_name)
{
    tb_symtab syms;
    tb_symtab_init(&syms);
    tb_err e;
    uint32_t a = (uint32_t)tb_symtab_intern(&syms, "ZZA", &e);
    uint32_t b = (uint32_t)tb_symtab_intern(&syms, "ZZB", &e);
    tb_bar bars[3] = {
        {utc(2026, 3, 9, 13, 30), 10, 11, 9, 10, 1, 10, 1, 60, a},
        {utc(2026, 3, 9, 13, 30), 20, 21, 19, 20, 1, 20, 1, 60, b},
        {utc(2026, 3, 9, 13, 31), 10, 11, 9, 11, 1, 10, 1, 60, a},
    };
    char dir[] = "/tmp/tb_csv_XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    CHECK_INT(tb_csv_write_per_symbol(dir, &syms, bars, 3, &e), 0);
    char path[256];
    snprintf(path, sizeof path, "%s/ZZA.csv", dir);
    tb_symtab s2;
    tb_symtab_init(&s2);
    tb_bar_vec v = {0};
    tb_csv_report rep;
    CHECK_INT(tb_csv_read_file(path, NULL, &s2, &v, &rep, &e), 0);
    CHECK_INT(v.n, 2);
    CHECK_STR(tb_symtab_name(&s2, v.v[0].sym), "ZZA");
    CHECK_NEAR(v.v[1].close, 11, 0);
    unlink(path);
    snprintf(path, sizeof path, "%s/ZZB.csv", dir);
    unlink(path);
    rmdir(dir);
    CHECK_INT(tb_csv_read_file("/nonexistent/x.csv", NULL, &s2, &v, &rep, &e), -1);
    CHECK_CONTAINS(e.msg, "/nonexistent/x.csv");
    tb_bar_vec_free(&v);
    tb_symtab_free(&s2);
    tb_symtab_free(&syms);
}

static uint64_t fz = 0x9E3779B97F4A7C15ULL;
static uint32_t fuzz_rand(void)
{
    fz ^= fz << 13;
    fz ^= fz >> 7;
    fz ^= fz << 17;
    return (uint32_t)(fz >> 32);
}

TEST(parser_survives_random_and_mutated_bytes)
{
    const char *seed = "S,t,o,h,l,c,v,vw,n\n"
                       "A,2024-03-01T14:30:00Z,10,11,9,10,100,10.1,5\n"
                       "B,1709303460000,\"10\",11,9,10.5,100,10.1,5\r\n"
                       "A,2024-03-01T14:31:00.5+01:00,10,11,9,10,100,,\n";
    size_t slen = strlen(seed);
    char buf[512];
    fx *f = fx_new();
    for (int iter = 0; iter < 30000; iter++) {
        size_t len;
        if (iter % 3 == 0) { /* random bytes, biased to CSV punctuation */
            len = fuzz_rand() % sizeof buf;
            static const char alpha[] = ",\n\r\"0123456789.-+:TZetohlcvSn \xEF\xBB\xBF";
            for (size_t i = 0; i < len; i++)
                buf[i] =
                    fuzz_rand() % 4 ? alpha[fuzz_rand() % (sizeof alpha - 1)] : (char)fuzz_rand();
        } else { /* mutations of a valid file */
            memcpy(buf, seed, slen);
            len = slen;
            int nm = 1 + (int)(fuzz_rand() % 8);
            for (int m = 0; m < nm; m++) {
                size_t at = fuzz_rand() % len;
                switch (fuzz_rand() % 4) {
                case 0: buf[at] = (char)fuzz_rand(); break;
                case 1: len = at; break;
                case 2:
                    if (len + 1 < sizeof buf) {
                        memmove(buf + at + 1, buf + at, len - at);
                        buf[at] = ",\n\"9"[fuzz_rand() % 4];
                        len++;
                    }
                    break;
                default:
                    memmove(buf + at, buf + at + 1, len - at - 1);
                    len--;
                    break;
                }
                if (len == 0) break;
            }
        }
        /* Exactly len bytes, no terminator: ASan catches any read past the end. */
        char *exact = malloc(len ? len : 1);
        memcpy(exact, buf, len);
        tb_csv_opts o = {iter % 2 ? TB_CSV_REJECT : TB_CSV_SKIP, 0, "FZ"};
        size_t before = f->v.n;
        int rc = tb_csv_parse(exact, len, "fuzz", &o, &f->syms, &f->v, &f->rep, &f->e);
        free(exact);
        if (rc != 0 && f->v.n != before) TBT_FAIL("failed parse added bars");
        for (size_t i = before; i < f->v.n; i++)
            if (!tb_bar_valid(&f->v.v[i])) {
                TBT_FAIL("iteration %d accepted an invalid bar", iter);
                break;
            }
        f->v.n = 0;
    }
    fx_free(f);
}

/* Prices are read by a fast path for plain decimals (at most 15 digits) and by strtod for the
 * rest: every price must be the double strtod gives for its text, bit for bit, on both sides of
 * the 15-digit line, with leading zeros, a bare point on either side and exponents. */
TEST(prices_are_bit_for_bit_what_strtod_reads)
{
    enum { ROWS = 1000 };
    static const char *fixed[] = {"5.",
                                  ".5",
                                  "007.250",
                                  "0.1",
                                  "0.3",
                                  "1e2",
                                  "123456789012345",
                                  "1234567890123456",
                                  "9.99999999999999",
                                  "99999999999999.9",
                                  "0.000000000000001",
                                  "179.55",
                                  "1.5E-3",
                                  "4503599627370497.5"};
    int nfixed = (int)(sizeof fixed / sizeof *fixed);
    char(*txt)[40] = malloc(sizeof *txt * ROWS);
    size_t cap = ROWS * 200, len = 0;
    char *csv = malloc(cap);
    len += (size_t)snprintf(csv, cap, "t,o,h,l,c,v\n");
    uint64_t r = 99;
    for (int i = 0; i < ROWS; i++) {
        r = r * 6364136223846793005ULL + 1442695040888963407ULL;
        if (i < nfixed) {
            snprintf(txt[i], sizeof txt[i], "%s", fixed[i]);
        } else {
            double x = (double)(r >> 11) / (double)(1ULL << 53) * pow(10, (int)(r % 9) - 2);
            snprintf(txt[i], sizeof txt[i], "%.*f", (int)(r >> 7) % 12, x + 1);
        }
        len += (size_t)snprintf(csv + len, cap - len, "2024-03-01T%02d:%02d:00Z,%s,%s,%s,%s,1\n",
                                i / 60, i % 60, txt[i], txt[i], txt[i], txt[i]);
    }
    fx *f = fx_new();
    CHECK_INT(parse(f, csv, TB_CSV_SKIP), 0);
    CHECK_INT(f->v.n, ROWS);
    for (int m = 0; m < f->rep.nmsgs; m++) TBT_FAIL("%s", f->rep.msgs[m]);
    for (size_t i = 0; i < f->v.n && i < ROWS; i++) {
        double want = strtod(txt[i], NULL);
        const tb_bar *b = &f->v.v[i];
        if (memcmp(&b->open, &want, sizeof want) || memcmp(&b->close, &want, sizeof want)) {
            TBT_FAIL("row %zu '%s': read %.17g, strtod %.17g", i, txt[i], b->open, want);
            break;
        }
    }
    fx_free(f);
    free(csv);
    free(txt);
}
