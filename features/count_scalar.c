/* count_scalar.c - the counting kernels in plain C: the specification of
 * ks_bow_binary_fn and ks_bow_compact_fn (cpu.h) that the SIMD kernels
 * must match bit for bit, in both modes: the walk over the bitmap of
 * filled slots (a bit scan per filled slot, what the scalar, SSE2, AVX2
 * and NEON kernels use) and the scan of every slot (occ NULL: what the
 * AVX-512 kernels' visit of the marked groups of 8 slots must give). */
#include <math.h>
#include <string.h>
#include "ks/cpu.h"
#include "ks/features.h"

#define EMPTY KS_BOW_EMPTY
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

/* Takes the filled slots of t in slot order, emptying them: with binary,
 * as binary features at out (a ks_feature array), else as the entries
 * themselves (a uint64_t array). Inlined with a constant binary, so each
 * kernel below is one specialised loop. */
static inline __attribute__((always_inline)) size_t drain(uint64_t *t, uint64_t *occ, size_t n,
                                                          void *out, int binary)
{
    ks_feature *f = out;
    uint64_t *e = out;
    size_t m = 0;
    if (occ) {   /* a bit scan per filled slot */
        for (size_t w = 0; w < (n + 63) / 64; w++) {
            uint64_t bits = occ[w];
            occ[w] = 0;
            while (bits) {
                size_t s = w * 64 + (size_t)__builtin_ctzll(bits);
                bits &= bits - 1;
                if (binary)
                    m += feature(t[s], f + m);
                else
                    e[m++] = t[s];
                t[s] = EMPTY;
            }
        }
    } else {     /* every slot */
        for (size_t s = 0; s < n; s++) {
            if (t[s] != EMPTY) {
                if (binary)
                    m += feature(t[s], f + m);
                else
                    e[m++] = t[s];
            }
            t[s] = EMPTY;
        }
    }
    return m;
}

size_t ks_bow_binary_scalar(uint64_t *t, uint64_t *occ, size_t n, void *out, int normalize)
{
    ks_feature *f = out;
    size_t m = drain(t, occ, n, out, 1);
    if (normalize && m) {
        float sc = (float)(1.0 / sqrt((double)m));
        for (size_t i = 0; i < m; i++)
            f[i].value *= sc;
    }
    return m;
}

size_t ks_bow_compact_scalar(uint64_t *t, uint64_t *occ, size_t n, uint64_t *out)
{
    return drain(t, occ, n, out, 0);
}
