/*
 * fuzz_rec: libFuzzer target for the session recording reader (core/replay/rec_read.c), the
 * parser every `tradebot replay` and the Sentinel's recorded bars go through. The first input
 * byte picks whether a valid header is put in front (so the record walk is reached) and whether
 * the buffer is cut short. Any input must give 1/0/-1 from the walk, never a crash, a leak or
 * undefined behaviour; the invariants a user relies on are checked too: a torn tail covers
 * exactly the bytes after the last whole record, and decoded strings are terminated within their
 * fields.
 */
#include "replay/rec.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static void check_str(const char *s, size_t cap)
{
    if (!memchr(s, '\0', cap)) abort();
}

static void decode(const tb_rec_reader *r, const tb_rec_rec *x)
{
    tb_err e;
    switch (x->type) {
    case TB_REC_BAR: {
        tb_rec_bar b;
        if (tb_rec_get_bar(r, x, &b, &e) == 0) {
            check_str(b.symbol, sizeof b.symbol);
            if (!b.symbol[0] || b.tf_sec <= 0) abort();
        }
        break;
    }
    case TB_REC_DECISION: {
        tb_rec_decision d;
        if (tb_rec_get_decision(r, x, &d, &e) == 0) {
            check_str(d.why, sizeof d.why), check_str(d.reason, sizeof d.reason);
            check_str(d.client_id, sizeof d.client_id);
        }
        break;
    }
    case TB_REC_UPDATE: {
        tb_rec_update u;
        if (tb_rec_get_update(r, x, &u, &e) == 0) check_str(u.exec_id, sizeof u.exec_id);
        break;
    }
    case TB_REC_SESSION: {
        tb_rec_session s;
        tb_rec_get_session(r, x, &s, &e);
        break;
    }
    case TB_REC_END: {
        tb_rec_end en;
        tb_rec_get_end(r, x, &en, &e);
        break;
    }
    case TB_REC_STRATEGY: {
        const char *j, *t;
        size_t jl, tl;
        if (tb_rec_get_strategy(r, x, &j, &jl, &t, &tl, &e) == 0 && jl + tl + 8 != x->len) abort();
        break;
    }
    default: break;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    uint8_t mode = data[0];
    data++, size--;
    unsigned char *buf = malloc(size + TB_REC_HEADER + 1);
    size_t n = 0;
    if (mode & 1) { /* a valid header, so the fuzzer spends its time on records */
        memset(buf, 0, TB_REC_HEADER);
        memcpy(buf, TB_REC_MAGIC, 8);
        buf[8] = TB_REC_VERSION;
        n = TB_REC_HEADER;
    }
    if (size) memcpy(buf + n, data, size);
    n += size;
    if ((mode & 2) && n > 3) n -= mode % 4; /* a cut tail */
    tb_rec_reader r;
    tb_err e;
    if (tb_rec_open_mem(&r, buf, n, "fuzz.rec", &e) == 0) {
        tb_rec_rec x;
        int rc;
        size_t last_end = TB_REC_HEADER;
        while ((rc = tb_rec_next(&r, &x, &e)) == 1) {
            if (x.offset != last_end || x.len + TB_REC_FRAME + x.offset > n) abort();
            last_end = x.offset + TB_REC_FRAME + x.len;
            decode(&r, &x);
        }
        if (rc != 0 && rc != -1) abort();
        if (rc == 0 && r.torn && (r.torn_offset != last_end || r.torn_offset + r.torn_bytes != n))
            abort();
        if (rc == 0 && !r.torn && last_end != n) abort();
        tb_rec_close(&r);
    }
    free(buf);
    return 0;
}
