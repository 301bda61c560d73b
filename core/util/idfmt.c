#include "util/idfmt.h"

static void put(tb_idbuf *b, char c)
{
    if (b->len + 1 < b->cap) b->out[b->len++] = c;
    b->out[b->len] = '\0';
}

void tb_idbuf_init(tb_idbuf *b, char *out, size_t cap)
{
    b->out = out, b->cap = cap, b->len = 0;
    out[0] = '\0';
}

void tb_idbuf_str(tb_idbuf *b, const char *s)
{
    while (*s && b->len + 1 < b->cap) b->out[b->len++] = *s++;
    b->out[b->len] = '\0';
}

void tb_idbuf_dec(tb_idbuf *b, long long v, int width)
{
    char d[24];
    int n = 0;
    unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
    do d[n++] = (char)('0' + u % 10);
    while ((u /= 10) != 0);
    if (v < 0) put(b, '-');
    for (int pad = width - n - (v < 0); pad > 0; pad--) put(b, '0');
    while (n > 0) put(b, d[--n]);
}

void tb_idbuf_hex16(tb_idbuf *b, uint64_t v)
{
    static const char hex[] = "0123456789abcdef";
    for (int shift = 60; shift >= 0; shift -= 4) put(b, hex[(v >> shift) & 15]);
}
