/*
 * repl_proto.h - the REPL socket's framing, shared by the engine and `tradebot repl`.
 *
 * Every message is a 4-byte big-endian length and that many bytes. A request is Lua source; a
 * reply starts with one status byte ('=' success, '!' error) followed by the text to print.
 */
#ifndef TB_REPL_PROTO_H
#define TB_REPL_PROTO_H

#include <stdint.h>

#define TB_REPL_MAX_FRAME (16u << 20)
#define TB_REPL_OK        '='
#define TB_REPL_ERR       '!'

static inline void tb_repl_put_len(unsigned char *p, uint32_t n)
{
    p[0] = (unsigned char)(n >> 24), p[1] = (unsigned char)(n >> 16);
    p[2] = (unsigned char)(n >> 8), p[3] = (unsigned char)n;
}

static inline uint32_t tb_repl_get_len(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

#endif
