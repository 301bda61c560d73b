/* The cache image: layout, building, checksums and the checks a loaded image must pass. */
#include "data/csv_cache.h"
#include "util/hash64.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAGIC     "TBCSVCOL"
#define SYM_LEN   (TB_SYM_MAX_LEN + 1)
#define MSG_LEN   sizeof(((tb_csv_report *)0)->msgs[0])
#define MAX_SYMS  (1u << 20)
#define HASH_SEED 0x7462637376636f6cULL

/* The file starts with this header; all integers are the host's (little-endian: a big-endian
 * host fails the magic's checksum and rebuilds). */
typedef struct hdr {
    char magic[8];
    uint32_t version, hdr_size;
    uint64_t file_size;
    tb_csv_src src;
    uint64_t opts_hash;
    uint64_t nbars;
    uint32_t nsyms, nmsgs;
    int32_t tf_sec;
    uint32_t pad;
    uint64_t rows, skipped[TB_CSV_NREASONS];
    uint64_t payload_hash;
    uint64_t hdr_hash; /* of every byte above: last */
} hdr;

_Static_assert(sizeof(hdr) % 8 == 0, "the columns after the header stay 8-byte aligned");
_Static_assert(TB_CSV_NREASONS == 3, "the header holds three skip reasons");

/* Bytes of the whole image for these counts; 0 when they overflow or exceed the bounds. */
static size_t image_size(uint64_t nbars, uint64_t nsyms, uint64_t nmsgs)
{
    if (nbars > (1ull << 36) || nsyms > MAX_SYMS || nmsgs > TB_CSV_MAX_MSGS) return 0;
    uint64_t sym_col = (nbars * 4 + 7) & ~7ull;
    return (size_t)(sizeof(hdr) + nsyms * SYM_LEN + nmsgs * MSG_LEN + nbars * 64 + sym_col);
}

/* Points f's arrays into the image whose header is h. */
static void lay_out(const unsigned char *img, const hdr *h, tb_csv_file *f)
{
    const unsigned char *p = img + sizeof(hdr);
    size_t n = (size_t)h->nbars;
    f->n = n;
    f->nsyms = h->nsyms;
    f->tf_sec = h->tf_sec;
    f->syms = (const char(*)[SYM_LEN])p;
    p += (size_t)h->nsyms * SYM_LEN + (size_t)h->nmsgs * MSG_LEN;
    const double *d = (const double *)p;
    f->start_ns = (const int64_t *)p;
    f->open = d + n, f->high = d + 2 * n, f->low = d + 3 * n, f->close = d + 4 * n;
    f->volume = d + 5 * n, f->vwap = d + 6 * n;
    f->trades = (const int64_t *)(d + 7 * n);
    f->sym = (const uint32_t *)(d + 8 * n);
}

static const char *msg_at(const unsigned char *img, const hdr *h, uint32_t k)
{
    return (const char *)img + sizeof(hdr) + (size_t)h->nsyms * SYM_LEN + (size_t)k * MSG_LEN;
}

uint64_t tb_csv_cache_opts_hash(const tb_csv_opts *o)
{
    char buf[64 + SYM_LEN];
    int n = snprintf(buf, sizeof buf, "policy=%d tf=%d symbol=%s", (int)o->policy, o->tf_sec,
                     o->symbol ? o->symbol : "");
    return tb_hash64(buf, (size_t)n, HASH_SEED);
}

void tb_csv_cache_seal(void *img, size_t len)
{
    hdr *h = img;
    h->payload_hash = tb_hash64((unsigned char *)img + sizeof(hdr), len - sizeof(hdr), HASH_SEED);
    h->hdr_hash = tb_hash64(h, offsetof(hdr, hdr_hash), HASH_SEED);
}

static int cmp_local(const void *pa, const void *pb)
{
    const tb_bar *a = pa, *b = pb;
    if (a->start_ns != b->start_ns) return a->start_ns < b->start_ns ? -1 : 1;
    return (a->sym > b->sym) - (a->sym < b->sym);
}

/* The message without "path:" in front (the parser writes "%.80s:%zu: what"); NULL if not so. */
static const char *strip_path(const char *msg, const char *path)
{
    size_t plen = strlen(path);
    if (plen > 80) plen = 80;
    if (strncmp(msg, path, plen) != 0 || msg[plen] != ':') return NULL;
    return msg + plen + 1;
}

void *tb_csv_cache_build(const tb_csv_src *src, uint64_t opts_hash, const tb_symtab *syms,
                         tb_bar_vec *bars, const tb_csv_report *rep, const char *path, size_t *len,
                         tb_err *e)
{
    size_t n = bars->n, size = image_size(n, tb_symtab_count(syms), (uint64_t)rep->nmsgs);
    if (!size || rep->rejected) return tb_errf(e, "%s: not cacheable", path), NULL;
    unsigned char *img = calloc(1, size);
    if (!img) return tb_errf(e, "%s: out of memory for its cache", path), NULL;
    hdr *h = (hdr *)img;
    memcpy(h->magic, MAGIC, 8);
    h->version = TB_CSV_CACHE_VERSION;
    h->hdr_size = sizeof(hdr);
    h->file_size = size;
    h->src = *src;
    h->opts_hash = opts_hash;
    h->nbars = n;
    h->nsyms = tb_symtab_count(syms);
    h->nmsgs = (uint32_t)rep->nmsgs;
    h->tf_sec = n ? bars->v[0].tf_sec : 0;
    h->rows = rep->rows;
    for (int i = 0; i < TB_CSV_NREASONS; i++) h->skipped[i] = rep->skipped[i];
    unsigned char *p = img + sizeof(hdr);
    for (uint32_t i = 0; i < h->nsyms; i++, p += SYM_LEN)
        snprintf((char *)p, SYM_LEN, "%s", tb_symtab_name(syms, i));
    for (int k = 0; k < rep->nmsgs; k++, p += MSG_LEN) {
        const char *m = strip_path(rep->msgs[k], path);
        if (!m) return free(img), tb_errf(e, "%s: a message not in the parser's form", path), NULL;
        snprintf((char *)p, MSG_LEN, "%s", m);
    }
    size_t k = 1; /* a file of one symbol is in order already */
    while (k < n && cmp_local(&bars->v[k - 1], &bars->v[k]) < 0) k++;
    if (k < n) qsort(bars->v, n, sizeof *bars->v, cmp_local); /* (start, symbol) is unique */
    tb_csv_file f;
    lay_out(img, h, &f);
    int64_t *start = (int64_t *)f.start_ns, *trades = (int64_t *)f.trades;
    double *col[6] = {(double *)f.open,  (double *)f.high,   (double *)f.low,
                      (double *)f.close, (double *)f.volume, (double *)f.vwap};
    uint32_t *sym = (uint32_t *)f.sym;
    for (size_t i = 0; i < n; i++) {
        const tb_bar *b = &bars->v[i];
        start[i] = b->start_ns, trades[i] = b->trades, sym[i] = b->sym;
        col[0][i] = b->open, col[1][i] = b->high, col[2][i] = b->low, col[3][i] = b->close;
        col[4][i] = b->volume, col[5][i] = b->vwap;
    }
    tb_csv_cache_seal(img, size);
    *len = size;
    return img;
}

#define WHY(...) (snprintf(why, whylen, __VA_ARGS__), -1)

static int check_header(const unsigned char *img, size_t len, char *why, size_t whylen)
{
    const hdr *h = (const hdr *)img;
    if (len < sizeof(hdr)) return WHY("truncated (%zu bytes, header is %zu)", len, sizeof(hdr));
    if (memcmp(h->magic, MAGIC, 8) != 0) return WHY("not a cache file (bad magic)");
    if (h->hdr_hash != tb_hash64(h, offsetof(hdr, hdr_hash), HASH_SEED))
        return WHY("header checksum mismatch");
    if (h->version != TB_CSV_CACHE_VERSION || h->hdr_size != sizeof(hdr))
        return WHY("format version %u, this build reads %d", h->version, TB_CSV_CACHE_VERSION);
    size_t want = image_size(h->nbars, h->nsyms, h->nmsgs);
    if (!want || h->file_size != want || len != want)
        return WHY("size %zu, the header says %llu and its counts %zu", len,
                   (unsigned long long)h->file_size, want);
    return 0;
}

/* The symbols: names the symbol table takes, none twice (a twin interns to the earlier id). */
static int check_syms(const tb_csv_file *f, char *why, size_t whylen)
{
    if (f->nsyms > f->n) return WHY("%u symbols for %zu bars", f->nsyms, f->n);
    tb_symtab t;
    tb_symtab_init(&t);
    int rc = 0;
    for (uint32_t i = 0; i < f->nsyms && rc == 0; i++) {
        tb_err e;
        const char *nm = f->syms[i];
        if (!memchr(nm, '\0', SYM_LEN))
            rc = WHY("symbol %u is not terminated", i);
        else if (tb_symtab_intern(&t, nm, &e) != (int64_t)i)
            rc = WHY("symbol %u: not a symbol or a second '%s'", i, nm);
    }
    tb_symtab_free(&t);
    return rc;
}

/* Every bar as the parser accepts a row: the loader never hands on what it could not parse. */
static int check_bars(const tb_csv_file *f, char *why, size_t whylen)
{
    if (f->n && !(f->tf_sec > 0)) return WHY("timeframe %d", f->tf_sec);
    for (size_t i = 0; i < f->n; i++) {
        double o = f->open[i], hi = f->high[i], lo = f->low[i], c = f->close[i];
        if (f->sym[i] >= f->nsyms) return WHY("bar %zu: symbol index %u", i, f->sym[i]);
        if (!(lo > 0) || !(hi >= lo) || !(o >= lo && o <= hi) || !(c >= lo && c <= hi) ||
            !isfinite(hi) || !(f->volume[i] >= 0) || !isfinite(f->volume[i]) || !(f->vwap[i] > 0) ||
            !isfinite(f->vwap[i]) || f->trades[i] < 0)
            return WHY("bar %zu: not a valid bar", i);
        if (i && (f->start_ns[i] < f->start_ns[i - 1] ||
                  (f->start_ns[i] == f->start_ns[i - 1] && f->sym[i] <= f->sym[i - 1])))
            return WHY("bar %zu: out of order", i);
    }
    return 0;
}

/* The report of the image's header and messages, the messages prefixed with path. */
static void fill_report(const unsigned char *img, const char *path, tb_csv_report *rep)
{
    const hdr *h = (const hdr *)img;
    memset(rep, 0, sizeof *rep);
    rep->rows = h->rows;
    rep->accepted = h->nbars;
    for (int i = 0; i < TB_CSV_NREASONS; i++) rep->skipped[i] = h->skipped[i];
    for (uint32_t k = 0; k < h->nmsgs; k++)
        snprintf(rep->msgs[k], MSG_LEN, "%.80s:%s", path, msg_at(img, h, k));
    rep->nmsgs = (int)h->nmsgs;
}

void tb_csv_cache_view(const void *img, const char *path, tb_csv_file *f)
{
    lay_out(img, img, f);
    fill_report(img, path, &f->rep);
}

int tb_csv_cache_check(const void *image, size_t len, const tb_csv_src *src, uint64_t opts_hash,
                       const char *path, tb_csv_file *f, char *why, size_t whylen)
{
    const unsigned char *img = image;
    if (check_header(img, len, why, whylen) != 0) return -1;
    const hdr *h = (const hdr *)img;
    if (src && memcmp(&h->src, src, sizeof *src) != 0) return WHY("built from another CSV");
    if (src && h->opts_hash != opts_hash) return WHY("built with other parse options");
    if (h->payload_hash != tb_hash64(img + sizeof(hdr), len - sizeof(hdr), HASH_SEED))
        return WHY("payload checksum mismatch");
    lay_out(img, h, f);
    if (check_syms(f, why, whylen) != 0 || check_bars(f, why, whylen) != 0) return -1;
    uint64_t skipped = h->skipped[0] + h->skipped[1] + h->skipped[2];
    if (h->skipped[0] > h->rows || skipped > h->rows || h->rows - skipped != h->nbars)
        return WHY("report counts do not add up");
    if (h->nmsgs != (skipped < TB_CSV_MAX_MSGS ? skipped : TB_CSV_MAX_MSGS))
        return WHY("%u messages for %llu skipped rows", h->nmsgs, (unsigned long long)skipped);
    for (uint32_t k = 0; k < h->nmsgs; k++)
        if (!memchr(msg_at(img, h, k), '\0', MSG_LEN)) return WHY("message %u not terminated", k);
    fill_report(img, path, &f->rep);
    return 0;
}

void tb_csv_file_bar(const tb_csv_file *f, size_t i, uint32_t gsym, tb_bar *b)
{
    b->start_ns = f->start_ns[i];
    b->open = f->open[i];
    b->high = f->high[i];
    b->low = f->low[i];
    b->close = f->close[i];
    b->volume = f->volume[i];
    b->vwap = f->vwap[i];
    b->trades = f->trades[i];
    b->tf_sec = f->tf_sec;
    b->sym = gsym;
}
