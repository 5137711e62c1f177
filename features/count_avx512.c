/* count_avx512.c - counting kernels, AVX-512F/BW (built with -mavx512f
 * -mavx512bw for this file only): they visit the groups of 8 slots that
 * bow.c's count marked in the byte map occ (cpu.h), a group a step, found
 * 64 groups at a time from a byte compare: on the Knitfab text (163
 * hashes a message, 93 distinct, in a table of 8 slots a hash rounded up
 * to a power of 2: 2048 slots, 256 groups, about 85 marked) this beat the
 * former scan of every slot of a table of 4 slots a hash, and the bitmap
 * walk of the scalar kernel, whose loop exits mispredict; with AVX2 (4
 * slots a step) and SSE2 the scan was slower than the bitmap walk.
 *
 * A feature {index, value} is one little-endian 64-bit word, index low:
 * from an entry e = bucket << 32 | count + 2^31 it is e >> 32, ORed with
 * the bits of 1.0f and the sign (bit 31 of the count word clear: count
 * < 0) moved to bit 63. The live lanes are compressed in a register and
 * stored whole (out has 8 words of room past the last feature): the
 * memory form of vpcompressq is slow on some cores (AMD Zen 4); the low
 * half alone when it holds them all (a group rarely has more than 4: a
 * 512-bit store each group instead cost 4-8 % of extract-words).
 *
 * Packing the marked groups into a list first took the binary drain from
 * about 495 to 435 rdtsc ticks a Knitfab message (the table of one
 * message counted and drained in a loop over the training set's hashes,
 * least of 15 passes). */
#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>
#include <math.h>
#include "ks/cpu.h"

/* For each marked group of the map occ[0 .. ng) (ng = n / 8), in order,
 * runs body with i = the group's first slot; zeroes the map. The marked
 * groups' numbers are first packed into gl (vpcompressd, 16 map bytes a
 * step), GROUPS at a time, so body runs in one plain loop over a list:
 * the former bit scan over each 64-bit word of the map mispredicted its
 * exit once a word (4 a Knitfab message). */
#define GROUPS 512
#define FOR_MARKED(occ, ng, i, body)                                                  \
    do {                                                                              \
        const __m512i iota_ = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, \
                                                12, 13, 14, 15);                      \
        unsigned char *g_ = (unsigned char *)(occ);                                   \
        uint32_t gl_[GROUPS + 16];                                                    \
        for (size_t c0_ = 0; c0_ < (ng); c0_ += GROUPS) {                             \
            size_t ngl_ = 0, c1_ = (ng) - c0_ < GROUPS ? (ng) : c0_ + GROUPS;         \
            for (size_t q_ = c0_; q_ < c1_; q_ += 64) {                               \
                __mmask64 in_ = c1_ - q_ >= 64 ? ~0ull : (1ull << (c1_ - q_)) - 1;    \
                __m512i gb_ = _mm512_maskz_loadu_epi8(in_, g_ + q_);                  \
                uint64_t bits_ = (uint64_t)_mm512_test_epi8_mask(gb_, gb_);           \
                _mm512_mask_storeu_epi8(g_ + q_, in_, _mm512_setzero_si512());        \
                for (unsigned k_ = 0; k_ < 64; k_ += 16) {                            \
                    __mmask16 b_ = (__mmask16)(bits_ >> k_);                          \
                    __m512i p_ = _mm512_add_epi32(iota_, _mm512_set1_epi32((int)(q_ + k_))); \
                    _mm512_storeu_si512((void *)(gl_ + ngl_),                         \
                                        _mm512_maskz_compress_epi32(b_, p_));         \
                    ngl_ += (size_t)__builtin_popcount(b_);                           \
                }                                                                     \
            }                                                                         \
            for (size_t j_ = 0; j_ < ngl_; j_++) {                                    \
                size_t i = (size_t)gl_[j_] * 8;                                       \
                body                                                                  \
            }                                                                         \
        }                                                                             \
    } while (0)

size_t ks_bow_binary_avx512(uint64_t *t, uint64_t *occ, size_t n, void *out, int normalize)
{
    const __m512i empty = _mm512_set1_epi64((long long)KS_BOW_EMPTY);
    const __m512i bias = _mm512_set1_epi64((long long)(0x80000000ull << 32));
    const __m512i one = _mm512_set1_epi64(0x3f800000ll << 32);
    const __m512i sign = _mm512_set1_epi64((long long)(0x8000000000000000ull));
    uint64_t *o = out;
    size_t m = 0;
    FOR_MARKED(occ, n / 8, i, {
        __m512i e = _mm512_loadu_si512((const void *)(t + i));
        __m512i c = _mm512_slli_epi64(e, 32);   /* the count word, high */
        __mmask8 live = _mm512_cmpneq_epu64_mask(c, bias);   /* count not 0 (nor EMPTY) */
        /* index | 1.0f | sign (count word's bit 31 clear: ~c & sign) */
        __m512i f = _mm512_ternarylogic_epi64(_mm512_or_si512(_mm512_srli_epi64(e, 32), one), c,
                                              sign, 0xf2);
        __m512i cf = _mm512_maskz_compress_epi64(live, f);
        unsigned cnt = (unsigned)__builtin_popcount(live);
        _mm256_storeu_si256((void *)(o + m), _mm512_castsi512_si256(cf));
        if (__builtin_expect(cnt > 4, 0))
            _mm256_storeu_si256((void *)(o + m + 4), _mm512_extracti64x4_epi64(cf, 1));
        _mm512_storeu_si512((void *)(t + i), empty);
        m += cnt;
    });
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
    const __m512i empty = _mm512_set1_epi64((long long)KS_BOW_EMPTY);
    size_t m = 0;
    FOR_MARKED(occ, n / 8, i, {
        __m512i e = _mm512_loadu_si512((const void *)(t + i));
        __mmask8 live = _mm512_cmpneq_epu64_mask(e, empty);
        _mm512_storeu_si512((void *)(out + m), _mm512_maskz_compress_epi64(live, e));
        _mm512_storeu_si512((void *)(t + i), empty);
        m += (size_t)__builtin_popcount(live);
    });
    return m;
}
#endif
