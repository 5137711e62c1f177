/* count_avx512.c - counting kernels, AVX-512F: they scan the table (occ
 * is NULL, cpu.h), 8 slots per step (built with -mavx512f for this file
 * only): on the Knitfab text the scan of a table of 4 slots a hash was
 * faster than the bitmap walk of the scalar kernel, whose loop exits
 * mispredict; with AVX2 (4 slots a step) and SSE2 it was slower.
 *
 * A feature {index, value} is one little-endian 64-bit word, index low:
 * from an entry e = bucket << 32 | count + 2^31 it is e >> 32, ORed with
 * the bits of 1.0f and the sign (bit 31 of the count word clear: count
 * < 0) moved to bit 63. The live lanes are compressed in a register and
 * stored whole (out has 8 words of room past the last feature): the
 * memory form of vpcompressq is slow on some cores (AMD Zen 4). */
#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>
#include <math.h>
#include "ks/cpu.h"

size_t ks_bow_binary_avx512(uint64_t *t, uint64_t *occ, size_t n, void *out, int normalize)
{
    (void)occ;   /* NULL: this kernel scans */
    const __m512i empty = _mm512_set1_epi64(-1), lo = _mm512_set1_epi64(0xffffffffll);
    const __m512i bias = _mm512_set1_epi64(0x80000000ll);
    const __m512i one = _mm512_set1_epi64(0x3f800000ll << 32);
    const __m512i sign = _mm512_set1_epi64((long long)(0x8000000000000000ull));
    uint64_t *o = out;
    size_t m = 0;
    for (size_t i = 0; i < n; i += 8) {
        __m512i e = _mm512_loadu_si512((const void *)(t + i));
        __mmask8 live = _mm512_cmpneq_epu64_mask(e, empty) &
                        _mm512_cmpneq_epu64_mask(_mm512_and_si512(e, lo), bias);
        __m512i f = _mm512_or_si512(_mm512_srli_epi64(e, 32), one);
        f = _mm512_or_si512(f, _mm512_andnot_si512(_mm512_slli_epi64(e, 32), sign));
        _mm512_storeu_si512((void *)(o + m), _mm512_maskz_compress_epi64(live, f));
        _mm512_storeu_si512((void *)(t + i), empty);
        m += (size_t)__builtin_popcount(live);
    }
    if (normalize && m) {
        __m512 s = _mm512_set1_ps((float)(1.0 / sqrt((double)m)));
        float *v = out;
        for (size_t i = 0; i < m; i += 8) {   /* values: the odd floats */
            __mmask16 k = (__mmask16)(0xaaaau & (m - i >= 8 ? 0xffffu : (1u << 2 * (m - i)) - 1));
            __m512 x = _mm512_maskz_loadu_ps(k, v + 2 * i);
            _mm512_mask_storeu_ps(v + 2 * i, k, _mm512_mul_ps(x, s));
        }
    }
    return m;
}

size_t ks_bow_compact_avx512(uint64_t *t, uint64_t *occ, size_t n, uint64_t *out)
{
    (void)occ;
    const __m512i empty = _mm512_set1_epi64(-1);
    size_t m = 0;
    for (size_t i = 0; i < n; i += 8) {
        __m512i e = _mm512_loadu_si512((const void *)(t + i));
        __mmask8 live = _mm512_cmpneq_epu64_mask(e, empty);
        _mm512_storeu_si512((void *)(out + m), _mm512_maskz_compress_epi64(live, e));
        _mm512_storeu_si512((void *)(t + i), empty);
        m += (size_t)__builtin_popcount(live);
    }
    return m;
}
#endif
