#include "data/csv.h"
#include "data/calendar.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

enum { COL_T, COL_O, COL_H, COL_L, COL_C, COL_V, COL_VW, COL_N, COL_SYM, NROLES };
static const char *const role_names[NROLES] = {"t", "o", "h", "l", "c", "v", "vw", "n", "S"};

#define MAX_COLS  64
#define MAX_FIELD 96

/* Column role of a header name, or -1 for a column we ignore. */
static int role_of(const char *nm)
{
    static const struct {
        const char *name;
        int role;
    } exact[] = {{"t", COL_T}, {"o", COL_O},   {"h", COL_H}, {"l", COL_L},   {"c", COL_C},
                 {"v", COL_V}, {"vw", COL_VW}, {"n", COL_N}, {"S", COL_SYM}, {"T", COL_SYM}};
    static const struct {
        const char *name;
        int role;
    } words[] = {{"timestamp", COL_T}, {"time", COL_T},    {"date", COL_T},
                 {"datetime", COL_T},  {"open", COL_O},    {"high", COL_H},
                 {"low", COL_L},       {"close", COL_C},   {"volume", COL_V},
                 {"vwap", COL_VW},     {"trades", COL_N},  {"trade_count", COL_N},
                 {"symbol", COL_SYM},  {"ticker", COL_SYM}};
    for (size_t i = 0; i < sizeof exact / sizeof exact[0]; i++)
        if (strcmp(nm, exact[i].name) == 0) return exact[i].role;
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
        if (strcasecmp(nm, words[i].name) == 0) return words[i].role;
    return -1;
}

typedef struct field {
    char s[MAX_FIELD + 1];
    size_t len;
    int too_long;
} field;

/* Splits one line into fields (double quotes with "" escapes; surrounding blanks trimmed).
 * Returns the number of fields, or -1 when there are more than MAX_COLS. */
static int split_line(const char *p, const char *end, field *f)
{
    int n = 0;
    for (;;) {
        if (n == MAX_COLS) return -1;
        field *cur = &f[n++];
        cur->len = 0;
        cur->too_long = 0;
        while (p < end && (*p == ' ' || *p == '\t')) p++;
        int quoted = p < end && *p == '"';
        if (quoted) p++;
        while (p < end) {
            if (!quoted) { /* the rest of the field up to its comma, copied in one go */
                const char *q = p;
                while (q < end && *q != ',') q++;
                size_t run = (size_t)(q - p), room = MAX_FIELD - cur->len;
                if (run > room) {
                    cur->too_long = 1;
                    run = room;
                }
                memcpy(cur->s + cur->len, p, run);
                cur->len += run;
                p = q;
                break;
            }
            char ch = *p; /* inside quotes: a comma is data, "" is one quote */
            if (ch == '"') {
                if (p + 1 < end && p[1] == '"') {
                    p++;
                } else {
                    quoted = 0;
                    p++;
                    continue;
                }
            }
            if (cur->len < MAX_FIELD)
                cur->s[cur->len++] = ch;
            else
                cur->too_long = 1;
            p++;
        }
        while (cur->len && (cur->s[cur->len - 1] == ' ' || cur->s[cur->len - 1] == '\t'))
            cur->len--;
        cur->s[cur->len] = '\0';
        if (p >= end) return n;
        p++; /* the comma */
    }
}

static int all_digits(const char *s, size_t len)
{
    if (!len) return 0;
    for (size_t i = 0; i < len; i++)
        if (!isdigit((unsigned char)s[i])) return 0;
    return 1;
}

static int num2(const char *s)
{
    return isdigit((unsigned char)s[0]) && isdigit((unsigned char)s[1])
               ? (s[0] - '0') * 10 + (s[1] - '0')
               : -1;
}

static int days_in(int y, int m)
{
    static const int dm[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0) ? 29 : dm[m - 1];
}

int tb_csv_parse_time(const char *s, size_t len, int64_t *ns)
{
    if (len == 0 || len > 40) return -1;
    if (all_digits(s, len)) {
        int64_t v = 0;
        for (size_t i = 0; i < len; i++) {
            if (v > (INT64_MAX - 9) / 10) return -1;
            v = v * 10 + (s[i] - '0');
        }
        if (v < 5000000000LL)
            *ns = v * 1000000000LL; /* seconds (to 2128) */
        else if (v < 5000000000000LL)
            *ns = v * 1000000LL; /* milliseconds (Polygon, Alpaca files) */
        else if (v < 5000000000000000LL)
            *ns = v * 1000LL;
        else
            *ns = v;
        return 0;
    }
    /* YYYY-MM-DD */
    if (len < 10 || !all_digits(s, 4) || s[4] != '-' || s[7] != '-') return -1;
    int y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
    int mo = num2(s + 5), d = num2(s + 8);
    if (y < 1900 || y > 2200 || mo < 1 || mo > 12 || d < 1 || d > days_in(y, mo)) return -1;
    tb_date date = tb_date_from_ymd(y, mo, d);
    if (len == 10) {
        *ns = tb_cal_local_to_ns(date, 9 * 3600 + 1800);
        return 0;
    }
    /* [T ]HH:MM[:SS[.frac]][Z|+hh:mm|-hh:mm|+hhmm] */
    if (len < 16 || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') || s[13] != ':') return -1;
    int hh = num2(s + 11), mm = num2(s + 14), ss = 0;
    size_t i = 16;
    int64_t frac = 0;
    if (i < len && s[i] == ':') {
        if (i + 3 > len || (ss = num2(s + i + 1)) < 0) return -1;
        i += 3;
        if (i < len && (s[i] == '.' || s[i] == ',')) {
            i++;
            int64_t scale = 100000000;
            size_t start = i;
            while (i < len && isdigit((unsigned char)s[i])) {
                frac += (s[i] - '0') * scale;
                scale /= 10;
                i++;
            }
            if (i == start) return -1;
        }
    }
    if (hh < 0 || hh > 23 || mm < 0 || mm > 59 || ss < 0 || ss > 60) return -1;
    int offset = 0;
    if (i < len && (s[i] == 'Z' || s[i] == 'z')) {
        i++;
    } else if (i < len && (s[i] == '+' || s[i] == '-')) {
        int sign = s[i] == '-' ? -1 : 1, oh, om;
        if (i + 3 > len || (oh = num2(s + i + 1)) < 0) return -1;
        i += 3;
        if (i < len && s[i] == ':') i++;
        if (i + 2 > len || (om = num2(s + i)) < 0) return -1;
        i += 2;
        if (oh > 23 || om > 59) return -1;
        offset = sign * (oh * 3600 + om * 60);
    }
    if (i != len) return -1;
    *ns = ((int64_t)date * 86400 + hh * 3600 + mm * 60 + ss - offset) * 1000000000LL + frac;
    return 0;
}

typedef struct parser {
    const char *name;
    const tb_csv_opts *opts;
    tb_csv_report *rep;
    tb_err *e;
    size_t line;
    int col[NROLES]; /* column index of each role, -1 when absent */
    int ncols;
    int64_t *last; /* per symbol id: start of the last bar accepted, INT64_MIN none */
    size_t nlast;
} parser;

/* Records a problem with the row. Returns -1 when the policy rejects the file. */
static int problem(parser *ps, int reason, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int problem(parser *ps, int reason, const char *fmt, ...)
{
    char what[160];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    tb_csv_report *rep = ps->rep;
    rep->skipped[reason]++;
    if (rep->nmsgs < TB_CSV_MAX_MSGS)
        snprintf(rep->msgs[rep->nmsgs++], sizeof rep->msgs[0], "%.80s:%zu: %s", ps->name, ps->line,
                 what);
    if (ps->opts->policy == TB_CSV_REJECT) {
        rep->rejected = 1;
        return tb_errf(ps->e, "%s:%zu: %s (file rejected)", ps->name, ps->line, what);
    }
    return 0;
}

static int parse_header(parser *ps, const field *f, int n)
{
    for (int r = 0; r < NROLES; r++) ps->col[r] = -1;
    for (int i = 0; i < n; i++) {
        int r = role_of(f[i].s);
        if (r < 0) continue;
        if (ps->col[r] >= 0)
            return tb_errf(ps->e, "%s:%zu: header has two '%s' columns", ps->name, ps->line,
                           role_names[r]);
        ps->col[r] = i;
    }
    for (int r = COL_T; r <= COL_C; r++)
        if (ps->col[r] < 0)
            return tb_errf(ps->e,
                           "%s:%zu: header has no '%s' column (want t|timestamp, o|open, h|high, "
                           "l|low, c|close)",
                           ps->name, ps->line, role_names[r]);
    if (ps->col[COL_SYM] < 0 && !(ps->opts->symbol && *ps->opts->symbol))
        return tb_errf(ps->e, "%s: no symbol column (S, T, symbol) and no symbol given", ps->name);
    ps->ncols = n;
    return 0;
}

/*
 * Plain decimals ("-123.4567"): at most 15 digits, so the digits as an integer m are exact in a
 * double, as is 10^k for the k <= 15 digits after the point; m / 10^k is then one correctly
 * rounded division of exact operands, the same double strtod's correctly rounded conversion gives
 * (Clinger's fast path). 1 when done, 0 for anything else (exponents, more digits, "inf", ...):
 * strtod decides those. strtod was over half of the instructions of reading a CSV file.
 */
static int plain_decimal(const char *s, double *v)
{
    static const double pow10[16] = {1e0, 1e1, 1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                     1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15};
    int neg = *s == '-', digits = 0, frac = -1;
    uint64_t m = 0;
    for (s += neg;; s++) {
        if (*s >= '0' && *s <= '9') {
            if (++digits > 15) return 0;
            m = m * 10 + (uint64_t)(*s - '0');
            if (frac >= 0) frac++;
        } else if (*s == '.' && frac < 0) {
            frac = 0;
        } else {
            break;
        }
    }
    if (*s != '\0' || digits == 0) return 0;
    double x = (double)m / pow10[frac > 0 ? frac : 0];
    *v = neg ? -x : x;
    return 1;
}

/* A number field: 1 when present and parsed, 0 when empty, -1 when not a finite number. */
static int num_field(const field *f, double *v)
{
    if (f->len == 0) return 0;
    if (f->too_long) return -1;
    if (plain_decimal(f->s, v)) return 1;
    char *end;
    errno = 0;
    *v = strtod(f->s, &end);
    if (end == f->s || *end != '\0' || !isfinite(*v)) return -1;
    return 1;
}

/* Parses one data row into b; returns 1 ok, 0 skipped (reported), -1 rejected. */
static int parse_row(parser *ps, const field *f, int n, tb_symtab *syms, tb_bar *b)
{
    if (n > ps->ncols)
        return problem(ps, TB_CSV_MALFORMED, "%d fields, header has %d", n, ps->ncols);
    memset(b, 0, sizeof *b);
    double v[NROLES];
    for (int r = COL_O; r <= COL_N; r++) {
        int c = ps->col[r];
        v[r] = NAN;
        if (c < 0) continue;
        int got = c < n ? num_field(&f[c], &v[r]) : 0;
        if (got < 0)
            return problem(ps, TB_CSV_MALFORMED, "field '%s': not a finite number ('%.24s')",
                           role_names[r], f[c].s);
        if (got == 0 && (r <= COL_V))
            return problem(ps, TB_CSV_MALFORMED, "missing field '%s'", role_names[r]);
    }
    int tc = ps->col[COL_T];
    if (tc >= n || f[tc].len == 0) return problem(ps, TB_CSV_MALFORMED, "missing field 't'");
    if (f[tc].too_long || tb_csv_parse_time(f[tc].s, f[tc].len, &b->start_ns) != 0)
        return problem(ps, TB_CSV_MALFORMED, "field 't': not a time ('%.32s')", f[tc].s);
    for (int r = COL_O; r <= COL_C; r++)
        if (!(v[r] > 0))
            return problem(ps, TB_CSV_MALFORMED, "field '%s': price %g is not positive",
                           role_names[r], v[r]);
    if (v[COL_H] < v[COL_L])
        return problem(ps, TB_CSV_MALFORMED, "field 'h': high %g below low %g", v[COL_H], v[COL_L]);
    if (v[COL_O] < v[COL_L] || v[COL_O] > v[COL_H])
        return problem(ps, TB_CSV_MALFORMED, "field 'o': open %g outside low..high", v[COL_O]);
    if (v[COL_C] < v[COL_L] || v[COL_C] > v[COL_H])
        return problem(ps, TB_CSV_MALFORMED, "field 'c': close %g outside low..high", v[COL_C]);
    double vol = isnan(v[COL_V]) ? 0 : v[COL_V];
    if (vol < 0) return problem(ps, TB_CSV_MALFORMED, "field 'v': negative volume %g", vol);
    if (!isnan(v[COL_VW]) && !(v[COL_VW] > 0))
        return problem(ps, TB_CSV_MALFORMED, "field 'vw': vwap %g is not positive", v[COL_VW]);
    double nt = isnan(v[COL_N]) ? 0 : v[COL_N];
    if (nt < 0 || nt > 9e15 || nt != floor(nt))
        return problem(ps, TB_CSV_MALFORMED, "field 'n': %g is not a trade count", nt);
    b->open = v[COL_O];
    b->high = v[COL_H];
    b->low = v[COL_L];
    b->close = v[COL_C];
    b->volume = vol;
    b->vwap = isnan(v[COL_VW]) ? (b->high + b->low + b->close) / 3 : v[COL_VW];
    b->trades = (int64_t)nt;
    int64_t id;
    tb_err se;
    int sc = ps->col[COL_SYM];
    if (sc >= 0) {
        if (sc >= n || f[sc].len == 0) return problem(ps, TB_CSV_MALFORMED, "missing field 'S'");
        if (f[sc].too_long || (id = tb_symtab_intern_n(syms, f[sc].s, f[sc].len, &se)) < 0)
            return problem(ps, TB_CSV_MALFORMED, "field 'S': bad symbol ('%.24s')", f[sc].s);
    } else if ((id = tb_symtab_intern(syms, ps->opts->symbol, ps->e)) < 0) {
        return -1;
    }
    b->sym = (uint32_t)id;
    return 1;
}

/* Checks b against the previous bar of its symbol; 1 accept, 0 skip, -1 reject. */
static int check_order(parser *ps, const tb_bar *b)
{
    if (b->sym >= ps->nlast) {
        size_t n = ps->nlast ? ps->nlast : 16;
        while (n <= b->sym) n *= 2;
        int64_t *nl = realloc(ps->last, n * sizeof *nl);
        if (!nl) return tb_errf(ps->e, "%s: out of memory", ps->name);
        for (size_t i = ps->nlast; i < n; i++) nl[i] = INT64_MIN;
        ps->last = nl;
        ps->nlast = n;
    }
    int64_t prev = ps->last[b->sym];
    if (b->start_ns == prev)
        return problem(ps, TB_CSV_DUPLICATE, "duplicate bar (same symbol and start)");
    if (b->start_ns < prev)
        return problem(ps, TB_CSV_OUT_OF_ORDER, "bar out of order (earlier than the previous)");
    ps->last[b->sym] = b->start_ns;
    return 1;
}

/* The timeframe of the bars added: the smallest step between two bars of one symbol. */
static int infer_tf(const tb_bar *v, size_t n)
{
    int64_t best = INT64_MAX;
    for (size_t i = 1; i < n; i++)
        for (size_t j = i; j-- > 0 && i - j < 64;)
            if (v[j].sym == v[i].sym) {
                int64_t step = v[i].start_ns - v[j].start_ns;
                if (step > 0 && step < best) best = step;
                break;
            }
    if (best == INT64_MAX) return 60;
    int64_t sec = best / TB_NS_PER_SEC;
    if (sec >= 82800) return 86400; /* one ET day, 23 or 25 hours across DST */
    if (sec >= 60 && sec % 60 == 0 && best % TB_NS_PER_SEC == 0) return (int)sec;
    return 60;
}

static int parse_all(parser *ps, const char *p, const char *end, tb_symtab *syms, tb_bar_vec *out)
{
    field f[MAX_COLS];
    int have_header = 0;
    if (end - p >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0) p += 3;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl ? nl : end;
        const char *next = nl ? nl + 1 : end;
        ps->line++;
        if (le > p && le[-1] == '\r') le--;
        const char *q = p;
        while (q < le && (*q == ' ' || *q == '\t')) q++;
        if (q == le || *q == '#') {
            p = next;
            continue;
        }
        int n = split_line(p, le, f);
        p = next;
        if (!have_header) {
            if (n < 0)
                return tb_errf(ps->e, "%s:%zu: header has too many columns", ps->name, ps->line);
            if (parse_header(ps, f, n) != 0) return -1;
            have_header = 1;
            continue;
        }
        ps->rep->rows++;
        tb_bar b;
        /* A last row with no line end may be a file read while it was written: its last field
         * cut short still parses ("30" of "3000"), so it is not taken on trust. */
        int r = !nl     ? problem(ps, TB_CSV_MALFORMED,
                                  "the last row has no line end (cut short while written?); end the "
                                      "line to keep it")
                : n < 0 ? problem(ps, TB_CSV_MALFORMED, "more than %d fields", MAX_COLS)
                        : parse_row(ps, f, n, syms, &b);
        if (r == 1) r = check_order(ps, &b);
        if (r < 0) return -1;
        if (r == 0) continue;
        if (tb_bar_vec_push(out, &b, ps->e) != 0) return -1;
        ps->rep->accepted++;
    }
    if (!have_header) return tb_errf(ps->e, "%s: empty file (no header)", ps->name);
    return 0;
}

size_t tb_csv_skipped(const tb_csv_report *rep)
{
    size_t n = 0;
    for (int i = 0; i < TB_CSV_NREASONS; i++) n += rep->skipped[i];
    return n;
}

void tb_csv_summary(const tb_csv_report *rep, char *buf, size_t len)
{
    snprintf(buf, len, "%zu rows, %zu bars, skipped %zu malformed, %zu out of order, %zu duplicate",
             rep->rows, rep->accepted, rep->skipped[TB_CSV_MALFORMED],
             rep->skipped[TB_CSV_OUT_OF_ORDER], rep->skipped[TB_CSV_DUPLICATE]);
}

int tb_csv_parse(const char *buf, size_t len, const char *name, const tb_csv_opts *opts,
                 tb_symtab *syms, tb_bar_vec *out, tb_csv_report *rep, tb_err *e)
{
    static const tb_csv_opts defaults = {TB_CSV_SKIP, 0, NULL};
    parser ps = {
        .name = name ? name : "<csv>", .opts = opts ? opts : &defaults, .rep = rep, .e = e};
    memset(rep, 0, sizeof *rep);
    size_t base = out->n;
    int rc = parse_all(&ps, buf, buf + len, syms, out);
    free(ps.last);
    if (rc != 0) {
        out->n = base;
        rep->accepted = 0;
        return -1;
    }
    if (out->n == base) return 0; /* nothing accepted (out->v may still be NULL) */
    int tf = ps.opts->tf_sec > 0 ? ps.opts->tf_sec : infer_tf(out->v + base, out->n - base);
    for (size_t i = base; i < out->n; i++) out->v[i].tf_sec = tf;
    return 0;
}

const char *tb_csv_path_symbol(const char *path, char sym[TB_SYM_MAX_LEN + 1])
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    size_t n = 0;
    while (base[n] && base[n] != '.' && n < TB_SYM_MAX_LEN) {
        sym[n] = (char)toupper((unsigned char)base[n]);
        n++;
    }
    sym[n] = '\0';
    return sym;
}

int tb_csv_read_file(const char *path, const tb_csv_opts *opts, tb_symtab *syms, tb_bar_vec *out,
                     tb_csv_report *rep, tb_err *e)
{
    memset(rep, 0, sizeof *rep);
    FILE *f = fopen(path, "rb");
    if (!f) return tb_errf(e, "%s: %s", path, strerror(errno));
    char *buf = NULL;
    size_t len = 0, cap = 0;
    for (;;) {
        if (len == cap) {
            cap = cap ? cap * 2 : 1 << 16;
            char *nb = realloc(buf, cap);
            if (!nb) {
                free(buf);
                fclose(f);
                return tb_errf(e, "%s: out of memory", path);
            }
            buf = nb;
        }
        size_t got = fread(buf + len, 1, cap - len, f);
        len += got;
        if (got == 0) break;
    }
    int rd_err = ferror(f);
    fclose(f);
    if (rd_err) {
        free(buf);
        return tb_errf(e, "%s: read error", path);
    }
    tb_csv_opts o = opts ? *opts : (tb_csv_opts){TB_CSV_SKIP, 0, NULL};
    char sym[TB_SYM_MAX_LEN + 1];
    if (!o.symbol) o.symbol = tb_csv_path_symbol(path, sym);
    int rc = tb_csv_parse(buf, len, path, &o, syms, out, rep, e);
    free(buf);
    return rc;
}
