#include "broker/tws_frame.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void tws_begin(tb_sbuf *b)
{
    b->len = 0;
    tb_sbuf_add(b, "\0\0\0\0", 4);
}

void tws_put_str(tb_sbuf *b, const char *s)
{
    tb_sbuf_add(b, s ? s : "", s ? strlen(s) : 0);
    tb_sbuf_add(b, "", 1);
}

void tws_put_int(tb_sbuf *b, int64_t v)
{
    char t[32];
    snprintf(t, sizeof t, "%lld", (long long)v);
    tws_put_str(b, t);
}

void tws_put_double(tb_sbuf *b, double v, int set)
{
    char t[64] = "";
    if (set) snprintf(t, sizeof t, "%.10g", v);
    tws_put_str(b, t);
}

int tws_end(tb_sbuf *b, tb_err *e)
{
    if (b->oom || b->len < 4) return tb_errf(e, "tws: out of memory");
    size_t n = b->len - 4;
    if (n > TWS_MAX_FRAME) return tb_errf(e, "tws: message of %zu bytes is too long", n);
    unsigned char *p = (unsigned char *)b->s;
    p[0] = (unsigned char)(n >> 24), p[1] = (unsigned char)(n >> 16);
    p[2] = (unsigned char)(n >> 8), p[3] = (unsigned char)n;
    return 0;
}

int tws_ints(tb_sbuf *b, const int64_t *v, int n, tb_err *e)
{
    tws_begin(b);
    for (int i = 0; i < n; i++) tws_put_int(b, v[i]);
    return tws_end(b, e);
}

int tws_greeting(tb_sbuf *b, int min_version, int max_version, tb_err *e)
{
    char v[48];
    snprintf(v, sizeof v, "v%d..%d", min_version, max_version);
    tb_sbuf rest = {0};
    tws_begin(&rest);
    tb_sbuf_add(&rest, v, strlen(v)); /* the version string is not NUL-terminated */
    int rc = tws_end(&rest, e);
    b->len = 0;
    tb_sbuf_add(b, "API\0", 4);
    if (rc == 0) tb_sbuf_add(b, rest.s, rest.len);
    tb_sbuf_free(&rest);
    return b->oom ? tb_errf(e, "tws: out of memory") : rc;
}

int tws_frame_next(const uint8_t *buf, size_t len, size_t *used, tws_frame *f, tb_err *e)
{
    memset(f, 0, sizeof *f);
    if (len < 4) return 0;
    size_t n = (size_t)buf[0] << 24 | (size_t)buf[1] << 16 | (size_t)buf[2] << 8 | buf[3];
    if (n > TWS_MAX_FRAME) return tb_errf(e, "tws: frame length %zu over the limit", n);
    if (len - 4 < n) return 0;
    if (n > 0 && buf[4 + n - 1] != '\0')
        return tb_errf(e, "tws: frame of %zu bytes does not end a field", n);
    if (!(f->data = malloc(n + 1))) return tb_errf(e, "tws: out of memory");
    memcpy(f->data, buf + 4, n);
    f->data[n] = '\0';
    f->len = n;
    for (size_t i = 0; i < n;) {
        if (f->n == TWS_MAX_FIELDS) {
            tws_frame_free(f);
            return tb_errf(e, "tws: more than %d fields in one frame", TWS_MAX_FIELDS);
        }
        f->field[f->n++] = f->data + i;
        i += strlen(f->data + i) + 1;
    }
    *used = 4 + n;
    return 1;
}

void tws_frame_free(tws_frame *f)
{
    free(f->data);
    memset(f, 0, sizeof *f);
}

int tws_field_int(const tws_frame *f, int i, int64_t *out)
{
    if (i < 0 || i >= f->n || !f->field[i][0]) return -1;
    char *end;
    errno = 0;
    long long v = strtoll(f->field[i], &end, 10);
    if (*end || errno) return -1;
    *out = v;
    return 0;
}
