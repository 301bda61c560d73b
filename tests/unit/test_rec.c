#include "replay/rec.h"
#include "tbtest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>

static void tmp_path(char *out, size_t len, const char *name)
{
    snprintf(out, len, "/tmp/tb_rec_%d_%s.rec", (int)getpid(), name);
    unlink(out);
}

static unsigned char *slurp(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long sz = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *p = malloc((size_t)sz + 1);
    *n = fread(p, 1, (size_t)sz, f);
    fclose(f);
    return p;
}

/* A session: meta, a strategy, 3 bars, a decision, an update, the end. */
static void write_session(const char *path, size_t buf_cap)
{
    tb_rec_writer w;
    tb_err e;
    CHECK_INT(tb_rec_writer_open(&w, path, buf_cap, &e), 0);
    const char *meta = "{\"id\":\"s1\"}";
    CHECK_INT(tb_rec_put_raw(&w, TB_REC_META, meta, strlen(meta), &e), 0);
    const char *sj = "{\"name\":\"rsi\"}", *text = "return {name='rsi'}\n";
    CHECK_INT(tb_rec_put_strategy(&w, sj, strlen(sj), text, strlen(text), &e), 0);
    tb_rec_session s = {.start = 1, .date = 20260309, .t_ns = 5};
    CHECK_INT(tb_rec_put_session(&w, &s, &e), 0);
    for (int i = 1; i <= 3; i++) {
        tb_rec_bar b = {.seq = i,
                        .start_ns = 1000 * i,
                        .tf_sec = 60,
                        .open = 10.25 + i,
                        .high = 11,
                        .low = 9.5,
                        .close = 10.5,
                        .volume = 1234,
                        .vwap = 10.4,
                        .trades = 7,
                        .recv_ns = 99};
        snprintf(b.symbol, sizeof b.symbol, "AAPL");
        CHECK_INT(tb_rec_put_bar(&w, &b, &e), 0);
    }
    tb_rec_decision d = {.bar_seq = 3, .side = 1, .type = 1, .qty = 20, .limit = 10500000};
    snprintf(d.strategy, sizeof d.strategy, "rsi");
    snprintf(d.symbol, sizeof d.symbol, "AAPL");
    snprintf(d.verdict, sizeof d.verdict, "blocked");
    snprintf(d.gate, sizeof d.gate, "max_position");
    snprintf(d.reason, sizeof d.reason, "oversold");
    CHECK_INT(tb_rec_put_decision(&w, &d, &e), 0);
    tb_rec_update u = {.bar_seq = 3,
                       .status = 4,
                       .has_exec = 1,
                       .exec_qty = 5,
                       .exec_price = 10250000,
                       .t_ns = 77};
    snprintf(u.client_id, sizeof u.client_id, "tb-rsi-AAPL-1");
    snprintf(u.exec_id, sizeof u.exec_id, "x1");
    CHECK_INT(tb_rec_put_update(&w, &u, &e), 0);
    tb_rec_end x = {.t_ns = 9, .bars = 3, .decisions = 1, .updates = 1};
    CHECK_INT(tb_rec_put_end(&w, &x, &e), 0);
    tb_rec_writer_close(&w);
}

/* Counts records by type; returns the reader's verdict (0 end, -1 error). */
static int read_all(const char *path, int counts[8], tb_rec_reader *r, tb_err *e)
{
    memset(counts, 0, 8 * sizeof counts[0]);
    if (tb_rec_open(r, path, e) != 0) return -1;
    tb_rec_rec x;
    int rc;
    while ((rc = tb_rec_next(r, &x, e)) == 1) counts[x.type]++;
    return rc;
}

/* A session (write_session) recorded at a fresh path named name; path gets it. */
static void recorded(char *path, size_t len, const char *name)
{
    tmp_path(path, len, name);
    write_session(path, 1 << 16);
}

/* The bytes (n of them, the caller frees them) of a recorded session written to a fresh
 * path named name. */
static unsigned char *session_bytes(char *path, size_t len, const char *name, size_t *n)
{
    recorded(path, len, name);
    unsigned char *p = slurp(path, n);
    if (!p) TBT_FAIL("cannot read %s", path);
    return p;
}

TEST(rec_round_trip_gives_back_every_field)
{
    char path[256];
    recorded(path, sizeof path, "rt");
    tb_rec_reader r;
    tb_err e;
    CHECK_INT(tb_rec_open(&r, path, &e), 0);
    tb_rec_rec x;
    int bars = 0;
    while (tb_rec_next(&r, &x, &e) == 1) {
        if (x.type == TB_REC_BAR) {
            tb_rec_bar b;
            CHECK_INT(tb_rec_get_bar(&r, &x, &b, &e), 0);
            bars++;
            CHECK_INT(b.seq, bars);
            CHECK_STR(b.symbol, "AAPL");
            CHECK(b.open == 10.25 + bars && b.volume == 1234 && b.trades == 7);
        } else if (x.type == TB_REC_DECISION) {
            tb_rec_decision d;
            CHECK_INT(tb_rec_get_decision(&r, &x, &d, &e), 0);
            CHECK_STR(d.gate, "max_position");
            CHECK_STR(d.verdict, "blocked");
            CHECK_INT(d.limit, 10500000);
        } else if (x.type == TB_REC_UPDATE) {
            tb_rec_update u;
            CHECK_INT(tb_rec_get_update(&r, &x, &u, &e), 0);
            CHECK_STR(u.client_id, "tb-rsi-AAPL-1");
            CHECK_INT(u.exec_price, 10250000);
        } else if (x.type == TB_REC_STRATEGY) {
            const char *j, *t;
            size_t jl, tl;
            CHECK_INT(tb_rec_get_strategy(&r, &x, &j, &jl, &t, &tl, &e), 0);
            CHECK(tl == strlen("return {name='rsi'}\n") && memcmp(t, "return", 6) == 0);
        }
    }
    CHECK_INT(bars, 3);
    CHECK_INT(r.torn, 0);
    tb_rec_close(&r);
    unlink(path);
}

TEST(rec_torn_tail_is_reported_and_the_intact_part_read)
{
    char path[256];
    size_t n;
    unsigned char *p = session_bytes(path, sizeof path, "torn", &n);
    for (size_t cut = 1; cut <= 20; cut++) { /* every cut inside the END record (and the update) */
        tb_rec_reader r;
        tb_err e;
        int counts[8];
        CHECK_INT(tb_rec_open_mem(&r, p, n - cut, path, &e), 0);
        tb_rec_rec x;
        int rc;
        memset(counts, 0, sizeof counts);
        while ((rc = tb_rec_next(&r, &x, &e)) == 1) counts[x.type]++;
        CHECK_INT(rc, 0);
        CHECK_INT(r.torn, 1);
        CHECK_INT(counts[TB_REC_BAR], 3);
        CHECK_INT(counts[TB_REC_END], 0);
        CHECK(r.torn_bytes > 0 && r.torn_offset + r.torn_bytes == n - cut);
    }
    free(p);
    unlink(path);
}

TEST(rec_corrupt_record_in_the_middle_is_an_error_naming_file_and_offset)
{
    char path[256];
    size_t n;
    unsigned char *p = session_bytes(path, sizeof path, "corrupt", &n);
    p[n / 2] ^= 0x5a; /* a flipped byte with records after it */
    FILE *f = fopen(path, "wb");
    fwrite(p, 1, n, f);
    fclose(f);
    tb_rec_reader r;
    tb_err e;
    int counts[8];
    CHECK_INT(read_all(path, counts, &r, &e), -1);
    CHECK_CONTAINS(e.msg, path);
    CHECK_CONTAINS(e.msg, "corrupt record at offset");
    tb_rec_close(&r);
    free(p);
    unlink(path);
}

TEST(rec_damaged_length_is_corruption_not_a_torn_tail)
{
    char path[256];
    size_t n;
    unsigned char *p = session_bytes(path, sizeof path, "len", &n);
    p[TB_REC_HEADER + 1] ^= 0x40; /* the first record's length now points past the end */
    tb_rec_reader r;
    tb_err e;
    CHECK_INT(tb_rec_open_mem(&r, p, n, path, &e), 0);
    tb_rec_rec x;
    CHECK_INT(tb_rec_next(&r, &x, &e), -1);
    CHECK_CONTAINS(e.msg, "corrupt record at offset 16: damaged length");
    CHECK_INT(r.torn, 0);
    free(p);
    unlink(path);
}

TEST(rec_other_format_version_is_refused_with_both_versions)
{
    char path[256];
    size_t n;
    unsigned char *p = session_bytes(path, sizeof path, "ver", &n);
    p[8] = 9;
    tb_rec_reader r;
    tb_err e;
    CHECK_INT(tb_rec_open_mem(&r, p, n, path, &e), -1);
    CHECK_CONTAINS(e.msg, "version 9");
    CHECK_CONTAINS(e.msg, "this build reads 2");
    CHECK_INT(tb_rec_open_mem(&r, "garbage!", 8, "x.rec", &e), -1);
    CHECK_CONTAINS(e.msg, "not a session recording");
    free(p);
    unlink(path);
}

TEST(rec_small_buffer_flushes_and_keeps_order)
{
    char path[256];
    tmp_path(path, sizeof path, "small");
    tb_rec_writer w;
    tb_err e;
    CHECK_INT(tb_rec_writer_open(&w, path, 1, &e), 0); /* the minimum buffer */
    for (int i = 1; i <= 500; i++) {
        tb_rec_bar b = {.seq = i, .start_ns = i, .tf_sec = 60, .close = i};
        snprintf(b.symbol, sizeof b.symbol, "S%d", i % 7);
        CHECK_INT(tb_rec_put_bar(&w, &b, &e), 0);
    }
    CHECK(w.sync_flushes > 0);
    tb_rec_writer_close(&w);
    tb_rec_reader r;
    CHECK_INT(tb_rec_open(&r, path, &e), 0);
    tb_rec_rec x;
    int i = 0;
    while (tb_rec_next(&r, &x, &e) == 1) {
        tb_rec_bar b;
        CHECK_INT(tb_rec_get_bar(&r, &x, &b, &e), 0);
        CHECK_INT(b.seq, ++i);
    }
    CHECK_INT(i, 500);
    tb_rec_close(&r);
    unlink(path);
}

TEST(rec_failed_write_stops_the_recording_and_says_where)
{
    char path[256];
    tmp_path(path, sizeof path, "fail");
    tb_rec_writer w;
    tb_err e;
    CHECK_INT(tb_rec_writer_open(&w, path, 1 << 16, &e), 0);
    int ro = open("/dev/null", O_RDONLY); /* every write to it fails (EBADF) */
    dup2(ro, w.fd);
    close(ro);
    tb_rec_bar b = {.seq = 1, .start_ns = 1, .tf_sec = 60};
    snprintf(b.symbol, sizeof b.symbol, "AAPL");
    CHECK_INT(tb_rec_put_bar(&w, &b, &e), 0); /* buffered */
    CHECK_INT(tb_rec_writer_flush(&w, &e), -1);
    CHECK_CONTAINS(e.msg, path);
    CHECK_CONTAINS(e.msg, "write failed at byte 16");
    CHECK_INT(w.failed, 1);
    CHECK_INT(tb_rec_put_bar(&w, &b, &e), -1); /* nothing more is recorded */
    CHECK_CONTAINS(e.msg, "recording stopped");
    tb_rec_writer_close(&w);
    unlink(path);
}

TEST(rec_writer_refuses_to_overwrite_a_recording)
{
    char path[256];
    recorded(path, sizeof path, "excl");
    tb_rec_writer w;
    tb_err e;
    CHECK_INT(tb_rec_writer_open(&w, path, 1 << 16, &e), -1);
    CHECK_CONTAINS(e.msg, "cannot create");
    unlink(path);
}

TEST(rec_decoder_refuses_a_payload_of_the_wrong_shape)
{
    unsigned char junk[10] = {1, 2, 3};
    tb_rec_rec x = {.type = TB_REC_BAR, .p = junk, .len = sizeof junk, .offset = 42};
    tb_rec_reader r = {.path = "f.rec"};
    tb_rec_bar b;
    tb_err e;
    CHECK_INT(tb_rec_get_bar(&r, &x, &b, &e), -1);
    CHECK_CONTAINS(e.msg, "f.rec: corrupt bar record at offset 42");
}
