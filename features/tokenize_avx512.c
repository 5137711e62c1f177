/* tokenize_avx512.c - classify kernel, AVX-512BW: one 64-byte block per
 * step, the comparisons give the bit masks directly (built with
 * -mavx512f -mavx512bw for this file only); the word bytes by nibble
 * lookups, one test for what took five compares. */
#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>
#include <stdint.h>
#include "ks/cpu.h"

/* Bytes the loop prefetches ahead of the block it classifies: past the
 * end of a short text this is the data that comes next in a buffer (the
 * next message); a prefetch never faults. extract-words avx512 1120 ->
 * 1180 MB/s (extract_bench --mb 200, 512 to 4096 all within noise of
 * each other). */
#define PF_DIST 1024

/* Word bytes by two nibble lookups (vpshufb): bit sets of the high and
 * the low nibble whose AND is not 0 exactly for ks_tok_word_byte:
 *   0x01 digits (hi 3, lo 0-9)      0x02 A-O, a-o (hi 4, 6, lo 1-15)
 *   0x04 P-Z, p-z (hi 5, 7, lo 0-10) 0x08 '_' (hi 5, lo 15)
 *   0x10 '$' (hi 2, lo 4)           0x20 bytes >= 0x80 (hi 8-15, any lo) */
void ks_tok_classify_avx512(const unsigned char *src, size_t n,
                            unsigned char *dst, uint64_t *word, uint64_t *high)
{
    const __m512i A = _mm512_set1_epi8('A'), sp25 = _mm512_set1_epi8(25);
    const __m512i x20 = _mm512_set1_epi8(0x20), x0f = _mm512_set1_epi8(0x0f);
    const __m512i thi = _mm512_broadcast_i32x4(_mm_setr_epi8(
        0, 0, 0x10, 0x01, 0x02, 0x0c, 0x02, 0x04, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20));
    const __m512i tlo = _mm512_broadcast_i32x4(_mm_setr_epi8(
        0x25, 0x27, 0x27, 0x27, 0x37, 0x27, 0x27, 0x27, 0x27, 0x27, 0x26, 0x22, 0x22, 0x22,
        0x22, 0x2a));
    for (size_t b = 0; b < n / 64; b++) {
        /* (an address, not a pointer past the object) */
        _mm_prefetch((const char *)((uintptr_t)src + b * 64 + PF_DIST), _MM_HINT_T0);
        __m512i c = _mm512_loadu_si512((const void *)(src + b * 64));
        __mmask64 up = _mm512_cmple_epu8_mask(_mm512_sub_epi8(c, A), sp25);
        __m512i h = _mm512_shuffle_epi8(thi, _mm512_and_si512(_mm512_srli_epi16(c, 4), x0f));
        __m512i l = _mm512_shuffle_epi8(tlo, _mm512_and_si512(c, x0f));
        _mm512_storeu_si512((void *)(dst + b * 64), _mm512_mask_add_epi8(c, up, c, x20));
        word[b] = (uint64_t)_mm512_test_epi8_mask(h, l);
        high[b] = (uint64_t)_mm512_movepi8_mask(c);
    }
}
#endif
