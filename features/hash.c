/* hash.c - the token hashes (see hash.h): MurmurHash3 x86_32, written from
 * the published algorithm, and the word hash of the hot path. */
#include <string.h>
#include "ks/alloc.h"
#include "ks/hash.h"

static inline uint32_t rotl32(uint32_t x, int r) { return (x << r) | (x >> (32 - r)); }

static inline uint32_t fmix32(uint32_t h)
{
    h ^= h >> 16;
    h *= 0x85ebca6bu;
    h ^= h >> 13;
    h *= 0xc2b2ae35u;
    h ^= h >> 16;
    return h;
}

static inline uint32_t mix_k1(uint32_t k1)
{
    k1 *= 0xcc9e2d51u;
    k1 = rotl32(k1, 15);
    return k1 * 0x1b873593u;
}

uint32_t ks_hash32(const void *key, size_t len, uint32_t seed)
{
    const unsigned char *p = key;
    size_t nblocks = len / 4, i;
    uint32_t h1 = seed, k1 = 0;

    for (i = 0; i < nblocks; i++) {
        uint32_t k;
        memcpy(&k, p + i * 4, 4);   /* little-endian hosts (x86-64, arm64) */
        h1 ^= mix_k1(k);
        h1 = rotl32(h1, 13);
        h1 = h1 * 5 + 0xe6546b64u;
    }
    /* Tail of r = len % 4 bytes without a branch on r (token lengths are
     * random, so a switch mispredicts): read q[0], q[r / 2], q[r - 1] and
     * mask out what r does not have; r = 0 gives k1 = 0 and mix_k1(0) = 0,
     * which leaves h1 as the reference's skipped case does. */
    static const unsigned char zero[1];
    size_t r = len & 3;
    const unsigned char *q = r ? p + nblocks * 4 : zero;
    size_t last = r ? r - 1 : 0;
    k1 = q[0] | (((uint32_t)q[r >> 1] << 8) & (r >= 2 ? 0xff00u : 0)) |
         (((uint32_t)q[last] << 16) & (r == 3 ? 0xff0000u : 0));
    h1 ^= mix_k1(k1);
    h1 ^= (uint32_t)len;
    return fmix32(h1);
}

uint32_t ks_hash_pair(uint32_t a, uint32_t b)
{
    return fmix32(a * 0x9e3779b1u ^ rotl32(b, 16) ^ 0x5bd1e995u);
}

/* The word hash, the specification of ks_hash_tok_padded():
 *   h = (seed:seed) ^ len * P0
 *   for each 8-byte little-endian word w of the key, the last one padded
 *   with zero bytes (no word for len 0):
 *       h = (h ^ w) * P1;  h ^= h >> 32
 *   the hash is the high 32 bits of h * P2.
 * The length in the start value tells "a" from "a\0". */
uint32_t ks_hash_tok(const void *key, size_t len, uint32_t seed)
{
    const unsigned char *p = key;
    uint64_t h = ks_htok_start(len, seed);
    for (size_t i = 0; i < len; i += 8) {
        uint64_t w = 0;
        size_t r = len - i < 8 ? len - i : 8;
        for (size_t k = 0; k < r; k++)
            w |= (uint64_t)p[i + k] << (8 * k);
        h = ks_htok_word(h, w);
    }
    return ks_htok_final(h);
}

ks_status ks_hashes_reserve(ks_hashes *a, size_t more)
{
    if (more <= a->cap - a->n)
        return KS_OK;
    size_t cap = a->cap ? a->cap : 1024;
    while (cap - a->n < more)
        cap *= 2;
    uint32_t *h = ks_realloc(a->h, cap * sizeof *h);
    if (!h)
        return ks_fail(KS_ERR_NOMEM, "out of memory for %zu token hashes", cap);
    a->h = h;
    a->cap = cap;
    return KS_OK;
}

void ks_hashes_free(ks_hashes *a)
{
    ks_free(a->h);
    a->h = NULL;
    a->n = a->cap = 0;
}
