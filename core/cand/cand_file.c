#include "cand/cand_file.h"
#include "util/atomic.h"

#include <errno.h>
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

static int parse_row(char *line, tb_cand_set *out, tb_err *e)
{
    char *f[10];
    int n = 0;
    for (char *p = line; n < 10; n++) {
        f[n] = p;
        char *comma = strchr(p, ',');
        if (!comma) {
            n++;
            break;
        }
        *comma = '\0';
        p = comma + 1;
    }
    if (n < 10) return -1;
    tb_cand *c = &out->c[out->n];
    memset(c, 0, sizeof *c);
    snprintf(out->generated_at, sizeof out->generated_at, "%s", f[0]);
    if (tb_date_parse(f[1], &out->date, e) != 0) return -1;
    snprintf(c->symbol, sizeof c->symbol, "%s", f[3]);
    c->score = strtod(f[4], NULL);
    c->price = strtod(f[5], NULL);
    c->gap_pct = strtod(f[6], NULL);
    c->rel_volume = strtod(f[7], NULL);
    c->atr_pct = strtod(f[8], NULL);
    c->dollar_volume = strtod(f[9], NULL);
    out->n++;
    return 0;
}

int tb_cand_read(const char *path, tb_cand_set *out, tb_err *e)
{
    FILE *f = fopen(path, "r");
    if (!f) return tb_errf(e, "%s: %s", path, strerror(errno));
    memset(out, 0, sizeof *out);
    char line[2048];
    int lineno = 0, rc = 0;
    while (rc == 0 && fgets(line, sizeof line, f)) {
        lineno++;
        line[strcspn(line, "\r\n")] = '\0';
        if (lineno == 1) {
            if (strncmp(line, header, sizeof header - 1) != 0)
                rc = tb_errf(e, "%s: not a candidates file (header differs)", path);
            continue;
        }
        if (!line[0] || out->n == (int)(sizeof out->c / sizeof out->c[0])) continue;
        tb_err pe = {""};
        if (parse_row(line, out, &pe) != 0)
            rc = tb_errf(e, "%s:%d: bad row%s%s", path, lineno, pe.msg[0] ? ": " : "", pe.msg);
    }
    fclose(f);
    return rc;
}
