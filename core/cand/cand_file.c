#include "cand/cand_file.h"
#include "util/atomic.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char header[] =
    "generated_at,date,rank,symbol,score,price,gap_pct,rel_volume,atr_pct,dollar_volume";

int tb_cand_write(const char *path, const tb_cand_set *set, const tb_scorer *s, tb_err *e)
{
    char day[16];
    tb_atomic a;
    if (tb_atomic_begin(&a, path, TB_STATE_FILE_MODE, e) != 0) return -1;
    FILE *f = a.f;
    fputs(header, f);
    for (int k = 0; k < s->ncomp; k++) fprintf(f, ",score_%s", s->comp[k]);
    fputc('\n', f);
    tb_date_fmt(set->date, day, sizeof day);
    for (int i = 0; i < set->n; i++) {
        const tb_cand *c = &set->c[i];
        fprintf(f, "%s,%s,%d,%s,%.4f,%.2f,%.3f,%.3f,%.3f,%.0f", set->generated_at, day, i + 1,
                c->symbol, c->score, c->price, c->gap_pct, c->rel_volume, c->atr_pct,
                c->dollar_volume);
        for (int k = 0; k < s->ncomp; k++) fprintf(f, ",%.4f", c->comp[k]);
        fputc('\n', f);
    }
    return tb_atomic_commit(&a, e);
}

int tb_cand_split(char *line, char **f, int cap)
{
    line[strcspn(line, "\r\n")] = '\0';
    int n = 0;
    for (char *p = line;; n++) {
        char *comma = strchr(p, ',');
        if (n < cap) f[n] = p;
        if (!comma) return n + 1;
        *comma = '\0';
        p = comma + 1;
    }
}

/* A whole field as a finite number (strtod alone takes "nan", "12abc" and ""). */
static int num(const char *s, const char *name, double min, double *out, tb_err *e)
{
    char *end;
    double v = strtod(s, &end);
    if (!*s || *end || !isfinite(v)) return tb_errf(e, "%s '%.24s' is not a number", name, s);
    if (v < min) return tb_errf(e, "%s %.24s is below %g", name, s, min);
    *out = v;
    return 0;
}

static int symbol_ok(const char *s)
{
    size_t n = strlen(s);
    if (n < 1 || n > 15 || !isupper((unsigned char)s[0])) return 0;
    for (size_t i = 0; i < n; i++)
        if (!isupper((unsigned char)s[i]) && !isdigit((unsigned char)s[i]) && s[i] != '.' &&
            s[i] != '-')
            return 0;
    return 1;
}

static int parse_row(char *line, int want, tb_cand_set *out, tb_err *e)
{
    char *f[64];
    int n = tb_cand_split(line, f, 64);
    if (n != want) return tb_errf(e, "%d fields, the header has %d", n, want);
    tb_cand c = {0};
    tb_date day;
    if (!f[0][0]) return tb_errf(e, "generated_at is empty");
    if (tb_date_parse(f[1], &day, e) != 0) return -1;
    if (!symbol_ok(f[3])) return tb_errf(e, "symbol '%.24s' is not a ticker", f[3]);
    snprintf(c.symbol, sizeof c.symbol, "%s", f[3]);
    if (num(f[4], "score", -HUGE_VAL, &c.score, e) || num(f[5], "price", 0, &c.price, e) ||
        num(f[6], "gap_pct", -HUGE_VAL, &c.gap_pct, e) ||
        num(f[7], "rel_volume", 0, &c.rel_volume, e) || num(f[8], "atr_pct", 0, &c.atr_pct, e) ||
        num(f[9], "dollar_volume", 0, &c.dollar_volume, e))
        return -1;
    if (c.price <= 0) return tb_errf(e, "price %.24s is not above 0", f[5]);
    snprintf(out->generated_at, sizeof out->generated_at, "%s", f[0]);
    out->date = day;
    out->c[out->n++] = c;
    return 0;
}

int tb_cand_read(const char *path, tb_cand_set *out, tb_err *e)
{
    FILE *f = fopen(path, "r");
    if (!f) return tb_errf(e, "%s: %s", path, strerror(errno));
    memset(out, 0, sizeof *out);
    char line[2048];
    int lineno = 0, rc = 0, want = 0;
    while (rc == 0 && fgets(line, sizeof line, f)) {
        lineno++;
        line[strcspn(line, "\r\n")] = '\0';
        if (lineno == 1) {
            char *hf[64];
            if (strncmp(line, header, sizeof header - 1) != 0)
                rc = tb_errf(e, "%s: not a candidates file (header differs)", path);
            want = tb_cand_split(line, hf, 64);
            continue;
        }
        if (!line[0] || out->n == (int)(sizeof out->c / sizeof out->c[0])) continue;
        tb_err pe = {""};
        if (parse_row(line, want, out, &pe) == 0) continue;
        if (out->nbad < TB_CAND_BAD_MSGS)
            snprintf(out->bad[out->nbad], sizeof out->bad[0], "%.100s:%d: %s", path, lineno,
                     pe.msg);
        out->nbad++;
    }
    fclose(f);
    return rc;
}
