/* hash.c - MurmurHash3 x86_32, written from the published algorithm. */
#include <string.h>
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
