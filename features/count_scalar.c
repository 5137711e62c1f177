/* count_scalar.c - the counting kernels in plain C: the specification of
 * ks_bow_binary_fn and ks_bow_compact_fn (cpu.h) that the SIMD kernels
 * must match bit for bit, in both modes: the walk over the bitmap of
 * filled slots (a bit scan per filled slot, what the scalar, SSE2, AVX2
 * and NEON kernels use) and the scan of every slot (occ NULL). */
#include <math.h>
#include <string.h>
#include "ks/cpu.h"
#include "ks/features.h"

#define EMPTY (~0ull)
#define BIAS 0x80000000u   /* count 0 */

/* The binary feature of entry e at f (+-1 by the count's sign, no
 * branch); 1 when the count is not 0 (else f is left to be overwritten). */
static inline size_t feature(uint64_t e, ks_feature *f)
{
    uint32_t c = (uint32_t)e, v = 0x3f800000u;   /* 1.0f */
    v |= c < BIAS ? 0x80000000u : 0;             /* sign */
    f->index = (uint32_t)(e >> 32);
    memcpy(&f->value, &v, sizeof v);
    return c != BIAS;
}

size_t ks_bow_binary_scalar(uint64_t *t, uint64_t *occ, size_t n, void *out, int normalize)
{
    ks_feature *f = out;
    size_t m = 0;
    if (occ) {
        for (size_t w = 0; w < (n + 63) / 64; w++) {
            uint64_t bits = occ[w];
            occ[w] = 0;
            while (bits) {
                size_t s = w * 64 + (size_t)__builtin_ctzll(bits);
                bits &= bits - 1;
                m += feature(t[s], f + m);
                t[s] = EMPTY;
            }
        }
    } else {
        for (size_t s = 0; s < n; s++) {
            if (t[s] != EMPTY)
                m += feature(t[s], f + m);
            t[s] = EMPTY;
        }
    }
    if (normalize && m) {
        float sc = (float)(1.0 / sqrt((double)m));
        for (size_t i = 0; i < m; i++)
            f[i].value *= sc;
    }
    return m;
}

size_t ks_bow_compact_scalar(uint64_t *t, uint64_t *occ, size_t n, uint64_t *out)
{
    size_t m = 0;
    if (occ) {
        for (size_t w = 0; w < (n + 63) / 64; w++) {
            uint64_t bits = occ[w];
            occ[w] = 0;
            while (bits) {
                size_t s = w * 64 + (size_t)__builtin_ctzll(bits);
                bits &= bits - 1;
                out[m++] = t[s];
                t[s] = EMPTY;
            }
        }
    } else {
        for (size_t s = 0; s < n; s++) {
            if (t[s] != EMPTY)
                out[m++] = t[s];
            t[s] = EMPTY;
        }
    }
    return m;
}
