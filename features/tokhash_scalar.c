/* tokhash_scalar.c - the token-walk kernels of the batch tokenizer in
 * plain C: the specification of ks_tok_flatten_fn and ks_tok_hash_fn
 * (cpu.h) that the SIMD kernels must match. (The scalar, SSE2, AVX2 and
 * NEON kernels do not use them: tokenize.c's walk with two bit scans per
 * token; flattening first in plain C was 5 % slower, measured with the
 * AVX-512 classify kernel.) */
#include "ks/cpu.h"
#include "ks/hash.h"

void ks_tok_flatten_scalar(const uint64_t *word, size_t nw, uint32_t *st, uint32_t *en,
                           size_t *ns, size_t *ne)
{
    uint64_t carry = 0;
    for (size_t w = 0; w < nw; w++) {
        uint64_t W = word[w], prev = W << 1 | carry;
        uint64_t S = W & ~prev, E = ~W & prev;
        carry = W >> 63;
        for (; S; S &= S - 1)
            st[(*ns)++] = (uint32_t)(w * 64 + (size_t)__builtin_ctzll(S));
        for (; E; E &= E - 1)
            en[(*ne)++] = (uint32_t)(w * 64 + (size_t)__builtin_ctzll(E));
    }
}

size_t ks_tok_hash_scalar(const unsigned char *low, const uint32_t *st, const uint32_t *en,
                          size_t m, uint32_t seed, size_t maxt, uint32_t *out)
{
    size_t nlong = 0;
    for (size_t i = 0; i < m; i++) {
        size_t len = en[i] - st[i];
        if (len > maxt)
            nlong++;
        else
            out[i] = ks_hash_tok(low + st[i], len, seed);
    }
    return nlong;
}
