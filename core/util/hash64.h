/*
 * hash64.h - a fast 64-bit hash of a byte range (the XXH64 algorithm), for checksums of files the
 * engine writes and reads back (the CSV column cache). Not cryptographic: it detects damage
 * (a torn write, a flipped bit, a truncated file), not a forger.
 */
#ifndef TB_UTIL_HASH64_H
#define TB_UTIL_HASH64_H

#include <stddef.h>
#include <stdint.h>

/* XXH64 of len bytes at p (no alignment needed) with the given seed. */
uint64_t tb_hash64(const void *p, size_t len, uint64_t seed);

#endif
