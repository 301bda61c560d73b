#include "util/idfmt.h"

#include <string.h>

/* Appends n bytes of s, cut at the buffer's end; the text always ends in NUL. One copy per
 * piece: a store and a terminator per character cost as much as the rest of the id. */
static void put_n(tb_idbuf *b, const char *s, size_t n)
{
    size_t room = b->cap - 1 - b->len;
    if (n > room) n = room;
    memcpy(b->out + b->len, s, n);
    b->len += n;
    b->out[b->len] = '\0';
}

void tb_idbuf_init(tb_idbuf *b, char *out, size_t cap)
{
    b->out = out, b->cap = cap, b->len = 0;
    out[0] = '\0';
}

void tb_idbuf_str(tb_idbuf *b, const char *s)
{
    char *out = b->out; /* in locals: stores through b would be reloaded after each byte */
    size_t len = b->len, last = b->cap - 1;
    while (*s && len < last) out[len++] = *s++;
    out[len] = '\0';
    b->len = len;
}

/* "00" to "99": two digits per division by 100. */
static const char digit_pairs[] =
    "00010203040506070809101112131415161718192021222324252627282930313233"
    "34353637383940414243444546474849505152535455565758596061626364656667"
    "6869707172737475767778798081828384858687888990919293949596979899";

void tb_idbuf_mem(tb_idbuf *b, const char *s, size_t n)
{
    put_n(b, s, n);
}

void tb_idbuf_dec(tb_idbuf *b, long long v, int width)
{
    char d[24];
    int n = 0;
    unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
    for (; u >= 100; u /= 100) {
        n += 2;
        memcpy(d + sizeof d - n, digit_pairs + 2 * (u % 100), 2);
    }
    if (u >= 10) {
        n += 2;
        memcpy(d + sizeof d - n, digit_pairs + 2 * u, 2);
    } else
        d[sizeof d - 1 - n++] = (char)('0' + u);
    if (v < 0) put_n(b, "-", 1);
    for (int pad = width - n - (v < 0); pad > 0; pad -= 16)
        put_n(b, "0000000000000000", pad < 16 ? (size_t)pad : 16);
    put_n(b, d + sizeof d - n, (size_t)n);
}

void tb_idbuf_hex16(tb_idbuf *b, uint64_t v)
{
    static const char hex[] = "0123456789abcdef";
    char h[16];
    for (int i = 0; i < 16; i += 2, v <<= 8) { /* a byte a step, from the top */
        unsigned byte = (unsigned)(v >> 56);
        h[i] = hex[byte >> 4];
        h[i + 1] = hex[byte & 15];
    }
    put_n(b, h, sizeof h);
}
