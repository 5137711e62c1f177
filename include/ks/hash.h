/* hash.h - token hashing for the hashed bag of words.
 *
 * A feature's bucket is the low hash_bits of its 32-bit hash and its sign
 * the top bit (hash_bits <= 28, so they are independent bits).
 *
 * ks_hash_tok() hashes words (the hot path: every token of every body):
 * 8-byte little-endian words, each mixed with one 64-bit multiply and an
 * xor-shift, then one more multiply whose high half is the hash. ks_hash_gram() hashes a byte
 * n-gram (n <= 8) given as one little-endian word: two multiplies, no
 * per-byte loop. ks_hash32() is MurmurHash3 x86_32 (Austin Appleby, public
 * domain algorithm; written here from its description), kept for the rare
 * features (family seeds, header fields, URL hosts, meta) whose values the
 * hot path does not touch.
 */
#ifndef KS_HASH_H
#define KS_HASH_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include "status.h"

uint32_t ks_hash32(const void *key, size_t len, uint32_t seed);

/* Hash of a pair of hashes (word bigrams, prefix + token). */
uint32_t ks_hash_pair(uint32_t a, uint32_t b);

/* The word hash (the specification; see hash.c for its definition and
 * ks_hash_tok_padded() for the fast form). */
uint32_t ks_hash_tok(const void *key, size_t len, uint32_t seed);

#define KS_HTOK_P0 0x9e3779b97f4a7c15ull
#define KS_HTOK_P1 0xbf58476d1ce4e5b9ull
#define KS_HTOK_P2 0x94d049bb133111ebull

static inline uint64_t ks_htok_start(size_t len, uint32_t seed)
{
    return ((uint64_t)seed << 32 | seed) ^ ((uint64_t)len * KS_HTOK_P0);
}

static inline uint64_t ks_htok_word(uint64_t h, uint64_t w)
{
    h = (h ^ w) * KS_HTOK_P1;
    return h ^ (h >> 32);
}

static inline uint32_t ks_htok_final(uint64_t h)
{
    return (uint32_t)((h * KS_HTOK_P2) >> 32);
}

/* ks_hash_tok() of key[0..len) when 8 bytes past every 8-byte word of the
 * key may be read (key[0 .. (len + 7) / 8 * 8) readable): loads whole
 * words and masks the last one. Little-endian hosts (x86-64, arm64). */
static inline uint32_t ks_hash_tok_padded(const void *key, size_t len, uint32_t seed)
{
    const unsigned char *p = key;
    uint64_t h = ks_htok_start(len, seed), w;
    size_t i = 0;
    for (; i + 8 < len; i += 8) {
        memcpy(&w, p + i, 8);
        h = ks_htok_word(h, w);
    }
    if (len) {   /* the last 1..8 bytes */
        unsigned r = (unsigned)(len - i);
        memcpy(&w, p + i, 8);
        h = ks_htok_word(h, w & (~0ull >> (64 - 8 * r)));
    }
    return ks_htok_final(h);
}

/* Hash of a byte n-gram: w holds its n bytes (1 <= n <= 8) little-endian,
 * the bytes above them zero. */
static inline uint32_t ks_hash_gram(uint64_t w, uint32_t seed)
{
    uint64_t h = (w ^ ((uint64_t)seed << 32 | seed)) * KS_HTOK_P1;
    h ^= h >> 32;
    h *= KS_HTOK_P2;
    return (uint32_t)(h >> 32);
}

/* A growable array of hashes; caller-owned, start at {0}. */
typedef struct {
    uint32_t *h;
    size_t n, cap;
} ks_hashes;

/* Room for `more` hashes past n. KS_ERR_NOMEM. */
ks_status ks_hashes_reserve(ks_hashes *a, size_t more);
void ks_hashes_free(ks_hashes *a);

#endif
