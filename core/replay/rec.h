/*
 * rec.h - the session recording format (docs/replay.md): what the live engine saw and did, one
 * file per engine run under data/sessions/<id>.rec, read back by `tradebot replay`.
 *
 * A file is an 16-byte header ("TBRECORD", u32 version, u32 zero) and then records, each
 *   u32 payload length | u32 its complement | u32 CRC-32 of (type byte, payload) | u8 type |
 *   payload
 * little-endian. Records are only ever appended, so a process killed mid-write leaves at most
 * one partial record at the end: the reader reports it as a torn tail and stops there. A length
 * that does not match its complement, or a CRC that does not match with more bytes after the
 * record, is corruption and an error naming the offset (a damaged length is never taken for a
 * torn tail).
 *
 * Bars, decisions and broker updates are fixed-shape records encoded into the writer's buffer
 * (no allocation per event); strings are u16-length-prefixed and capped at the sizes below
 * (the writer truncates, the reader refuses longer ones as corrupt).
 */
#ifndef TB_REPLAY_REC_H
#define TB_REPLAY_REC_H

#include "data/bar.h"
#include "util/err.h"

#include <stddef.h>
#include <stdint.h>

#define TB_REC_MAGIC       "TBRECORD"
#define TB_REC_VERSION     2u /* 2: the length's complement in the frame */
#define TB_REC_HEADER      16
#define TB_REC_FRAME       13 /* length, ~length, CRC, type */
#define TB_REC_OFF_CRC     8
#define TB_REC_OFF_TYPE    12
#define TB_REC_MAX_PAYLOAD (16u << 20) /* a strategy file and its params at most */

typedef enum {
    TB_REC_META = 1,     /* JSON: session id, start, broker, feed, config in effect */
    TB_REC_STRATEGY = 2, /* JSON: a strategy version (name, file, hash, params) + the file text */
    TB_REC_BAR = 3,      /* a bar as it arrived */
    TB_REC_SESSION = 4,  /* a session started or ended */
    TB_REC_DECISION = 5, /* an intent and its verdict (gate name when refused) */
    TB_REC_UPDATE = 6,   /* a broker update: ack, fill, reject, cancel */
    TB_REC_END = 7,      /* clean close (absent after a crash) */
    TB_REC_START = 8     /* JSON, before the first bar: what the engine restored (resume point,
                            strategies' state, positions, next order sequence) */
} tb_rec_type;

#define TB_REC_LAST TB_REC_START

#define TB_REC_SYM   16
#define TB_REC_NAME  64
#define TB_REC_SHORT 32
#define TB_REC_ID    64
#define TB_REC_TEXT  256

typedef struct tb_rec_bar {
    int64_t seq; /* arrival order in the session, from 1 */
    char symbol[TB_REC_SYM];
    int64_t start_ns; /* the feed's timestamp */
    int32_t tf_sec;
    double open, high, low, close, volume, vwap;
    int64_t trades;
    int64_t recv_ns; /* wall clock at arrival */
} tb_rec_bar;

typedef struct tb_rec_session {
    int start; /* 1 started, 0 ended */
    int32_t date;
    int64_t t_ns;
} tb_rec_session;

typedef struct tb_rec_decision {
    int64_t bar_seq; /* the last bar seen when it was decided */
    char strategy[TB_REC_NAME], symbol[TB_REC_SYM];
    int side, type, tif, order_class;
    int64_t qty, limit, stop, take_profit, stop_loss; /* money in micro-dollars */
    char verdict[TB_REC_SHORT]; /* submitted, blocked, refused, error, duplicate */
    char gate[TB_REC_NAME];
    char why[TB_REC_TEXT];
    char client_id[TB_REC_ID];
    char status[TB_REC_SHORT]; /* the order's status right after submit ("" when none) */
    char reason[TB_REC_TEXT];
} tb_rec_decision;

typedef struct tb_rec_update {
    int64_t bar_seq;
    char client_id[TB_REC_ID], broker_id[TB_REC_ID];
    int status; /* oms_status */
    char reason[TB_REC_TEXT];
    int has_exec;
    char exec_id[TB_REC_ID];
    int64_t exec_qty, exec_price, commission, cum_qty, avg_price, t_ns, exec_t_ns;
} tb_rec_update;

typedef struct tb_rec_end {
    int64_t t_ns;
    int64_t bars, decisions, updates;
} tb_rec_end;

/* --- writing -------------------------------------------------------------------------------- */

typedef struct tb_rec_writer {
    int fd;
    char path[4096];
    unsigned char *buf; /* records not yet written */
    size_t len, cap;
    int failed;                /* a write failed: nothing more is recorded (docs/replay.md) */
    uint64_t records, written; /* bytes written to the file, header included */
    uint64_t sync_flushes;     /* the buffer was full: flushed on the producer's path */
    char err[256];
} tb_rec_writer;

/* Creates path (it must not exist) and writes the header; buf_cap bytes are allocated once. */
int tb_rec_writer_open(tb_rec_writer *w, const char *path, size_t buf_cap, tb_err *e);

/* Writes what is buffered (the loop calls it after the event that produced the records).
 * Returns 0, or -1 with e (w->failed set: later records are dropped and counted). */
int tb_rec_writer_flush(tb_rec_writer *w, tb_err *e);

/* Flushes and closes; the END record is the caller's. */
void tb_rec_writer_close(tb_rec_writer *w);

/* Appends a record of any payload (META, STRATEGY: JSON text and blobs; not the hot path). */
int tb_rec_put_raw(tb_rec_writer *w, tb_rec_type type, const void *payload, size_t len, tb_err *e);

/* The hot-path records: encoded straight into the buffer, no allocation. */
int tb_rec_put_bar(tb_rec_writer *w, const tb_rec_bar *b, tb_err *e);
int tb_rec_put_session(tb_rec_writer *w, const tb_rec_session *s, tb_err *e);
int tb_rec_put_decision(tb_rec_writer *w, const tb_rec_decision *d, tb_err *e);
int tb_rec_put_update(tb_rec_writer *w, const tb_rec_update *u, tb_err *e);
int tb_rec_put_end(tb_rec_writer *w, const tb_rec_end *x, tb_err *e);

/* A STRATEGY payload: u32 JSON length, JSON, u32 text length, text. */
int tb_rec_put_strategy(tb_rec_writer *w, const char *json, size_t jlen, const char *text,
                        size_t tlen, tb_err *e);

/* --- reading -------------------------------------------------------------------------------- */

typedef struct tb_rec_rec {
    tb_rec_type type;
    const unsigned char *p; /* payload, valid while the reader is open */
    size_t len;
    uint64_t offset; /* of the record's frame in the file */
} tb_rec_rec;

typedef struct tb_rec_reader {
    char path[4096];
    unsigned char *data;
    size_t size, pos;
    int owned; /* data was read by tb_rec_open (freed by tb_rec_close) */
    uint32_t version;
    int torn;             /* the file ends in a partial record (a crash while writing) */
    uint64_t torn_offset; /* where it starts */
    size_t torn_bytes;
} tb_rec_reader;

/* Reads the whole file and checks its header (magic, version). Errors name file and offset. */
int tb_rec_open(tb_rec_reader *r, const char *path, tb_err *e);

/* The same over a buffer the caller keeps alive (tests, fuzzing); path names it in errors. */
int tb_rec_open_mem(tb_rec_reader *r, const void *data, size_t size, const char *path, tb_err *e);

/* The next record: 1 with out filled, 0 at the end (r->torn tells a torn tail), -1 on corruption
 * with e naming the file and offset. */
int tb_rec_next(tb_rec_reader *r, tb_rec_rec *out, tb_err *e);

void tb_rec_close(tb_rec_reader *r);

/* Decoders: 0, or -1 with e naming the record's offset when the payload is malformed. */
int tb_rec_get_bar(const tb_rec_reader *r, const tb_rec_rec *x, tb_rec_bar *out, tb_err *e);
int tb_rec_get_session(const tb_rec_reader *r, const tb_rec_rec *x, tb_rec_session *out, tb_err *e);
int tb_rec_get_decision(const tb_rec_reader *r, const tb_rec_rec *x, tb_rec_decision *out,
                        tb_err *e);
int tb_rec_get_update(const tb_rec_reader *r, const tb_rec_rec *x, tb_rec_update *out, tb_err *e);
int tb_rec_get_end(const tb_rec_reader *r, const tb_rec_rec *x, tb_rec_end *out, tb_err *e);

/* A STRATEGY record: pointers into the payload (not NUL-terminated). */
int tb_rec_get_strategy(const tb_rec_reader *r, const tb_rec_rec *x, const char **json,
                        size_t *jlen, const char **text, size_t *tlen, tb_err *e);

/* The trading path's bar of a recorded one (sym: its id in the caller's symbol table). */
void tb_rec_bar_to(const tb_rec_bar *x, uint32_t sym, tb_bar *out);

#endif
