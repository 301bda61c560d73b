/*
 * hash.h - FNV-1a, the one string hash of the engine: symbol tables, order and position maps,
 * file and schema fingerprints. Not a defence against a forger.
 *
 * Two 64-bit seeds exist and both stay: TB_FNV64_SEED is the engine's own (the standard basis
 * lost its last digit early on, and feature_schema.json hashes and pdt_state.json carry values
 * made with it, so it never changes); TB_FNV64_BASIS is the standard one, which the sample
 * generator's seeds use.
 */
#ifndef TB_UTIL_HASH_H
#define TB_UTIL_HASH_H

#include <stddef.h>
#include <stdint.h>

#define TB_FNV64_SEED  1469598103934665603ULL  /* the engine's seed: see above */
#define TB_FNV64_BASIS 14695981039346656037ULL /* the standard offset basis */
#define TB_FNV64_PRIME 1099511628211ULL
#define TB_FNV32_BASIS 2166136261u
#define TB_FNV32_PRIME 16777619u

/* One more byte into h. */
static inline uint64_t tb_fnv64_byte(uint64_t h, unsigned char c)
{
    return (h ^ c) * TB_FNV64_PRIME;
}

/* n bytes at p into h (start from a seed above). */
static inline uint64_t tb_fnv64(uint64_t h, const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++) h = tb_fnv64_byte(h, b[i]);
    return h;
}

/* A NUL-terminated string into h. */
static inline uint64_t tb_fnv64_str(uint64_t h, const char *s)
{
    for (; *s; s++) h = tb_fnv64_byte(h, (unsigned char)*s);
    return h;
}

/* 32-bit FNV-1a of n bytes from the standard basis: slots of small open-addressing tables. */
static inline uint32_t tb_fnv32(const void *p, size_t n)
{
    const unsigned char *b = p;
    uint32_t h = TB_FNV32_BASIS;
    for (size_t i = 0; i < n; i++) h = (h ^ b[i]) * TB_FNV32_PRIME;
    return h;
}

/* The same of a NUL-terminated string. */
static inline uint32_t tb_fnv32_str(const char *s)
{
    uint32_t h = TB_FNV32_BASIS;
    for (; *s; s++) h = (h ^ (unsigned char)*s) * TB_FNV32_PRIME;
    return h;
}

/* Folds the high bits into the low ones, which pick the slot of a power-of-two table. */
static inline uint64_t tb_hash_fold(uint64_t h)
{
    return h ^ (h >> 29);
}

#endif
