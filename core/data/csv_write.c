#include "data/csv.h"
#include "util/atomic.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Shortest of %.15g and %.17g that reads back as the same double ("187.23", not
 * "187.22999999999999"). */
static void fmt_num(char *buf, size_t len, double v)
{
    snprintf(buf, len, "%.15g", v);
    if (strtod(buf, NULL) != v) snprintf(buf, len, "%.17g", v);
}

static void fmt_time(char *buf, size_t len, int64_t ns)
{
    int64_t sec = ns / 1000000000LL, frac = ns % 1000000000LL;
    if (frac < 0) {
        frac += 1000000000LL;
        sec--;
    }
    time_t t = (time_t)sec;
    struct tm tm;
    gmtime_r(&t, &tm);
    int n = snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d", tm.tm_year + 1900, tm.tm_mon + 1,
                     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
    if (frac) n += snprintf(buf + n, len - (size_t)n, ".%09lld", (long long)frac);
    snprintf(buf + n, len - (size_t)n, "Z");
}

static int write_row(FILE *f, const tb_symtab *syms, const tb_bar *b, int with_symbol, tb_err *e)
{
    char t[48], o[32], h[32], l[32], c[32], v[32], vw[32];
    fmt_time(t, sizeof t, b->start_ns);
    fmt_num(o, sizeof o, b->open);
    fmt_num(h, sizeof h, b->high);
    fmt_num(l, sizeof l, b->low);
    fmt_num(c, sizeof c, b->close);
    fmt_num(v, sizeof v, b->volume);
    fmt_num(vw, sizeof vw, b->vwap);
    if (with_symbol) {
        const char *s = tb_symtab_name(syms, b->sym);
        if (!s) return tb_errf(e, "csv write: unknown symbol id %u", b->sym);
        fprintf(f, "%s,", s);
    }
    fprintf(f, "%s,%s,%s,%s,%s,%s,%s,%lld\n", t, o, h, l, c, v, vw, (long long)b->trades);
    return 0;
}

int tb_csv_write(FILE *f, const tb_symtab *syms, const tb_bar *bars, size_t n, int with_symbol,
                 tb_err *e)
{
    fputs(with_symbol ? "S,t,o,h,l,c,v,vw,n\n" : "t,o,h,l,c,v,vw,n\n", f);
    for (size_t i = 0; i < n; i++)
        if (write_row(f, syms, &bars[i], with_symbol, e) != 0) return -1;
    if (ferror(f)) return tb_errf(e, "csv write: %s", strerror(errno));
    return 0;
}

int tb_csv_write_per_symbol(const char *dir, const tb_symtab *syms, const tb_bar *bars, size_t n,
                            tb_err *e)
{
    uint32_t nsyms = tb_symtab_count(syms);
    char *used = calloc(nsyms ? nsyms : 1, 1);
    if (!used) return tb_errf(e, "out of memory");
    for (size_t i = 0; i < n; i++)
        if (bars[i].sym < nsyms) used[bars[i].sym] = 1;
    int rc = 0;
    for (uint32_t s = 0; s < nsyms && rc == 0; s++) {
        if (!used[s]) continue;
        char path[PATH_MAX];
        snprintf(path, sizeof path, "%s/%s.csv", dir, tb_symtab_name(syms, s));
        /* A replay reading the folder meanwhile sees the old file or the new one. */
        tb_atomic a;
        if ((rc = tb_atomic_begin(&a, path, 0644, e)) != 0) break;
        fputs("t,o,h,l,c,v,vw,n\n", a.f);
        for (size_t i = 0; i < n && rc == 0; i++)
            if (bars[i].sym == s) rc = write_row(a.f, syms, &bars[i], 0, e);
        if (rc != 0)
            tb_atomic_abort(&a);
        else
            rc = tb_atomic_commit(&a, e);
    }
    free(used);
    return rc;
}
