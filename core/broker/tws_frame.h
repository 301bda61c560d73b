/*
 * tws_frame.h - the TWS / IB Gateway socket API framing (reference/ibkr-tws.md): after the raw
 * "API\0" greeting, every message is a 4-byte big-endian length and a payload of NUL-terminated
 * ASCII fields. Encoding builds a message field by field; decoding splits one complete frame
 * from a byte stream without trusting it (length cap 16 MiB - 1, every field terminated).
 * Pure functions: the base of the IB adapter and its emulator checks, and fuzzed.
 */
#ifndef TB_BROKER_TWS_FRAME_H
#define TB_BROKER_TWS_FRAME_H

#include "util/err.h"
#include "util/sbuf.h"

#include <stddef.h>
#include <stdint.h>

#define TWS_MAX_FRAME  (16u * 1024 * 1024 - 1)
#define TWS_MAX_FIELDS 1024

/* Starts a message in b (reserves the length prefix). */
void tws_begin(tb_sbuf *b);

/* Appends one field: text, integer, or a price (unset: the empty field). */
void tws_put_str(tb_sbuf *b, const char *s);
void tws_put_int(tb_sbuf *b, int64_t v);
void tws_put_double(tb_sbuf *b, double v, int set);

/* Writes the length prefix; -1 when the message is too long or memory ran out. */
int tws_end(tb_sbuf *b, tb_err *e);

/* A whole message of n integer fields (its id, version and arguments: the cancels and the short
 * requests), begun and ended; what tws_end returns. */
int tws_ints(tb_sbuf *b, const int64_t *v, int n, tb_err *e);

/* The client greeting: "API\0" and the framed version range "v<min>..<max>". */
int tws_greeting(tb_sbuf *b, int min_version, int max_version, tb_err *e);

/* One decoded frame: fields point into a copy owned by the struct. */
typedef struct tws_frame {
    char *data;
    size_t len;
    const char *field[TWS_MAX_FIELDS];
    int n;
} tws_frame;

/*
 * Splits the next frame from buf[0..len). Returns 1 and fills f (*used bytes consumed), 0 when
 * more bytes are needed, -1 on a frame that can never be valid (too long, a field without its
 * NUL, too many fields). Free f with tws_frame_free.
 */
int tws_frame_next(const uint8_t *buf, size_t len, size_t *used, tws_frame *f, tb_err *e);
void tws_frame_free(tws_frame *f);

/* Integer value of field i; -1 when absent or not an integer. */
int tws_field_int(const tws_frame *f, int i, int64_t *out);

#endif
