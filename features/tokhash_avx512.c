/* tokhash_avx512.c - the token-walk kernels, AVX-512F/DQ (built with
 * -mavx512f -mavx512dq for this file only): token starts and ends
 * flattened with vpcompressd, 16 positions a step, and the word hash of
 * hash.h computed for 8 tokens at a time in 64-bit lanes (vpmullq). Tokens of 1..16 bytes (all but a few in
 * text) take the vector path; longer ones below maxt are hashed one at a
 * time afterwards. */
#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>
#include "ks/cpu.h"
#include <string.h>
#include "ks/hash.h"

void ks_tok_flatten_avx512(const uint64_t *word, size_t nw, uint32_t *st, uint32_t *en,
                           size_t *ns, size_t *ne)
{
    const __m512i iota = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    uint64_t carry = 0;
    size_t a = *ns, b = *ne;
    for (size_t w = 0; w < nw; w++) {
        uint64_t W = word[w], prev = W << 1 | carry;
        uint64_t S = W & ~prev, E = ~W & prev;
        carry = W >> 63;
        for (unsigned j = 0; j < 4; j++) {
            __m512i pos = _mm512_add_epi32(iota, _mm512_set1_epi32((int)(w * 64 + 16 * j)));
            __mmask16 ms = (__mmask16)(S >> 16 * j), me = (__mmask16)(E >> 16 * j);
            _mm512_storeu_si512((void *)(st + a), _mm512_maskz_compress_epi32(ms, pos));
            _mm512_storeu_si512((void *)(en + b), _mm512_maskz_compress_epi32(me, pos));
            a += (size_t)__builtin_popcount(ms);
            b += (size_t)__builtin_popcount(me);
        }
    }
    *ns = a;
    *ne = b;
}

/* ks_tok_flatten_avx512() with AVX512_VBMI2's byte compress: the byte
 * positions of a whole 64-bit mask in one vpcompressb, widened to
 * dwords 16 at a time (a second 16 only for a block with more than 16
 * starts or ends; it has at most 32). Chosen at start-up when the CPU has
 * VBMI2 (cpu.c). */
__attribute__((target("avx512bw,avx512vbmi2")))
static inline size_t flat64(uint64_t bits, unsigned base, uint32_t *out)
{
    const __m512i iota = _mm512_set_epi8(63, 62, 61, 60, 59, 58, 57, 56, 55, 54, 53, 52, 51, 50,
        49, 48, 47, 46, 45, 44, 43, 42, 41, 40, 39, 38, 37, 36, 35, 34, 33, 32, 31, 30, 29, 28,
        27, 26, 25, 24, 23, 22, 21, 20, 19, 18, 17, 16, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4,
        3, 2, 1, 0);
    __m512i p = _mm512_maskz_compress_epi8((__mmask64)bits, iota);
    __m512i b = _mm512_set1_epi32((int)base);
    size_t cnt = (size_t)__builtin_popcountll(bits);
    _mm512_storeu_si512((void *)out,
                        _mm512_add_epi32(_mm512_cvtepu8_epi32(_mm512_castsi512_si128(p)), b));
    if (__builtin_expect(cnt > 16, 0)) {
        _mm512_storeu_si512((void *)(out + 16), _mm512_add_epi32(
            _mm512_cvtepu8_epi32(_mm512_extracti32x4_epi32(p, 1)), b));
    }
    return cnt;
}

__attribute__((target("avx512bw,avx512vbmi2")))
void ks_tok_flatten_avx512vbmi2(const uint64_t *word, size_t nw, uint32_t *st, uint32_t *en,
                                size_t *ns, size_t *ne)
{
    uint64_t carry = 0;
    size_t a = *ns, b = *ne;
    for (size_t w = 0; w < nw; w++) {
        uint64_t W = word[w], prev = W << 1 | carry;
        carry = W >> 63;
        a += flat64(W & ~prev, (unsigned)w * 64, st + a);
        b += flat64(~W & prev, (unsigned)w * 64, en + b);
    }
    *ns = a;
    *ne = b;
}

/* The 8 bytes at low + st[j] + off of each of 8 tokens. */
static inline __m512i load8(const unsigned char *low, const uint32_t *st, size_t off)
{
    uint64_t v[8];
    for (int j = 0; j < 8; j++)
        memcpy(&v[j], low + st[j] + off, 8);
    return _mm512_set_epi64((long long)v[7], (long long)v[6], (long long)v[5], (long long)v[4],
                            (long long)v[3], (long long)v[2], (long long)v[1], (long long)v[0]);
}

size_t ks_tok_hash_avx512(const unsigned char *low, const uint32_t *st, const uint32_t *en,
                          size_t m, uint32_t seed, size_t maxt, uint32_t *out)
{
    const __m512i p0 = _mm512_set1_epi64((long long)KS_HTOK_P0);
    const __m512i p1 = _mm512_set1_epi64((long long)KS_HTOK_P1);
    const __m512i p2 = _mm512_set1_epi64((long long)KS_HTOK_P2);
    const __m512i sd = _mm512_set1_epi64((long long)((uint64_t)seed << 32 | seed));
    const __m512i ones = _mm512_set1_epi64(-1), c8 = _mm512_set1_epi64(8);
    const __m512i c64 = _mm512_set1_epi64(64), c16 = _mm512_set1_epi64(16);
    const __m512i cmax = _mm512_set1_epi64((long long)maxt);
    size_t nlong = 0;
    for (size_t i = 0; i < m; i += 8) {
        __mmask8 in = (__mmask8)(m - i >= 8 ? 0xff : (1u << (m - i)) - 1);
        __m256i s = _mm512_castsi512_si256(_mm512_maskz_loadu_epi32(in, st + i));
        __m256i e = _mm512_castsi512_si256(_mm512_maskz_loadu_epi32(in, en + i));
        __m512i len = _mm512_cvtepu32_epi64(_mm256_sub_epi32(e, s));
        /* the first word: min(len, 8) bytes; the second (len > 8): len - 8 */
        /* the key words: plain loads for a whole step (faster than a
         * gather on AMD Zen 4), a gather for the last, partial one */
        __m512i w0 = in == 0xff ? load8(low, st + i, 0)
                                : _mm512_mask_i32gather_epi64(ones, in, s, low, 1);
        __m512i r0 = _mm512_min_epu64(len, c8);
        w0 = _mm512_and_si512(w0, _mm512_srlv_epi64(ones, _mm512_sub_epi64(c64, _mm512_slli_epi64(r0, 3))));
        __m512i h = _mm512_xor_si512(sd, _mm512_mullo_epi64(len, p0));
        h = _mm512_mullo_epi64(_mm512_xor_si512(h, w0), p1);
        h = _mm512_xor_si512(h, _mm512_srli_epi64(h, 32));
        __mmask8 two = _mm512_mask_cmpgt_epu64_mask(in, len, c8);
        if (two) {
            __m512i w1 = in == 0xff ? load8(low, st + i, 8)
                                    : _mm512_mask_i32gather_epi64(ones, two,
                                          _mm256_add_epi32(s, _mm256_set1_epi32(8)), low, 1);
            __m512i r1 = _mm512_min_epu64(_mm512_sub_epi64(len, c8), c8);
            w1 = _mm512_and_si512(w1, _mm512_srlv_epi64(ones, _mm512_sub_epi64(c64, _mm512_slli_epi64(r1, 3))));
            __m512i h2 = _mm512_mullo_epi64(_mm512_xor_si512(h, w1), p1);
            h = _mm512_mask_xor_epi64(h, two, h2, _mm512_srli_epi64(h2, 32));
        }
        h = _mm512_srli_epi64(_mm512_mullo_epi64(h, p2), 32);
        _mm512_mask_storeu_epi32(out + i, in, _mm512_castsi256_si512(_mm512_cvtepi64_epi32(h)));
        nlong += (size_t)__builtin_popcount(_mm512_mask_cmpgt_epu64_mask(in, len, cmax));
        /* longer than 16 bytes: one at a time (not at all past maxt) */
        __mmask8 over = _mm512_mask_cmpgt_epu64_mask(in, len, c16);
        if (__builtin_expect(over != 0, 0)) {
            for (; over; over &= (__mmask8)(over - 1)) {
                size_t k = i + (size_t)__builtin_ctz(over), n = en[k] - st[k];
                if (n <= maxt)
                    out[k] = ks_hash_tok_padded(low + st[k], n, seed);
            }
        }
    }
    return nlong;
}

/* ks_tok_hash_avx512() with AVX512_VBMI's two-table byte permute: the
 * key words of 8 tokens are picked out of a 128-byte window of low that
 * starts at the first token's start (vpermt2b, bytes past each token's
 * length zeroed by the mask), instead of 8 loads and inserts per word;
 * the start value (seed:seed) ^ len * P0 comes from a 16-entry table
 * (vpermt2q: len 16 is entry 0). The window is a masked load of the bytes
 * up to 16 past the last start, which is all cpu.h lets the kernel read;
 * a step whose tokens span more than the window, and the last, partial
 * step, go through ks_tok_hash_avx512(). The second word is hashed for
 * every step, not behind a branch: whether a step has a token longer than
 * 8 bytes is a coin toss in text (with the branch this kernel was slower
 * than ks_tok_hash_avx512() inside extract-words; without it, 535 against
 * 655 TSC ticks a Knitfab message). Chosen at start-up when the CPU has
 * VBMI (cpu.c). */
__attribute__((target("avx512f,avx512bw,avx512dq,avx512vbmi")))
size_t ks_tok_hash_avx512vbmi(const unsigned char *low, const uint32_t *st, const uint32_t *en,
                              size_t m, uint32_t seed, size_t maxt, uint32_t *out)
{
    const __m512i p1 = _mm512_set1_epi64((long long)KS_HTOK_P1);
    const __m512i p2 = _mm512_set1_epi64((long long)KS_HTOK_P2);
    const __m512i sd = _mm512_set1_epi64((long long)((uint64_t)seed << 32 | seed));
    const __m512i c8 = _mm512_set1_epi64(8), c16 = _mm512_set1_epi64(16);
    const __m512i cmax = _mm512_set1_epi64((long long)maxt);
    /* start values for len 16, 1..7 and 8..15 */
    const __m512i t0 = _mm512_xor_si512(sd, _mm512_mullo_epi64(
        _mm512_setr_epi64(16, 1, 2, 3, 4, 5, 6, 7), _mm512_set1_epi64((long long)KS_HTOK_P0)));
    const __m512i t1 = _mm512_xor_si512(sd, _mm512_mullo_epi64(
        _mm512_setr_epi64(8, 9, 10, 11, 12, 13, 14, 15), _mm512_set1_epi64((long long)KS_HTOK_P0)));
    /* byte 0 of each 64-bit lane to all its 8 bytes */
    const __m512i bcast = _mm512_set_epi64(0x0808080808080808ll, 0, 0x0808080808080808ll, 0,
                                           0x0808080808080808ll, 0, 0x0808080808080808ll, 0);
    const __m512i k0 = _mm512_set1_epi64(0x0706050403020100ll);
    const __m512i k1 = _mm512_set1_epi64(0x0f0e0d0c0b0a0908ll);
    const __m512i iota = _mm512_set_epi8(63, 62, 61, 60, 59, 58, 57, 56, 55, 54, 53, 52, 51, 50,
        49, 48, 47, 46, 45, 44, 43, 42, 41, 40, 39, 38, 37, 36, 35, 34, 33, 32, 31, 30, 29, 28,
        27, 26, 25, 24, 23, 22, 21, 20, 19, 18, 17, 16, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4,
        3, 2, 1, 0);
    const __m512i iota64 = _mm512_add_epi8(iota, _mm512_set1_epi8(64));
    size_t nlong = 0, i = 0;
    /* Blocks of up to 64 steps; the steps that need a function call (a
     * span past the window, a token longer than 16 bytes) are marked in
     * wide and over and done after the block: with the calls inside the
     * step loop the compiler kept the loop's position and two vectors on
     * the stack (every zmm register is lost across a call).
     * tokenize-hash avx512 3230 -> 3510 MB/s (extract_bench --mb 50
     * --runs 7, before and after alternately). */
    while (i + 8 <= m) {
        size_t i0 = i, end = m - i >= 512 ? i + 512 : i + (m - i) / 8 * 8;
        uint64_t wide = 0, over = 0;
        for (unsigned j = 0; i < end; i += 8, j++) {
            uint32_t base = st[i], span = st[i + 7] + 16 - base;
            if (__builtin_expect(span > 128, 0)) {   /* the tokens span more than the window */
                wide |= 1ull << j;
                continue;
            }
            __m256i s = _mm256_loadu_si256((const void *)(st + i));
            __m256i e = _mm256_loadu_si256((const void *)(en + i));
            __m512i len = _mm512_cvtepu32_epi64(_mm256_sub_epi32(e, s));
            __m512i off = _mm512_cvtepu32_epi64(_mm256_sub_epi32(s, _mm256_set1_epi32((int)base)));
            /* the window's bytes below span, by byte compares: span (23 ..
             * 128) is around 64 in text, and the former shifts under
             * span >= 64 / span > 64 tests were branches that mispredicted */
            __m512i sp = _mm512_set1_epi8((char)span);
            __mmask64 wlo = _mm512_cmplt_epu8_mask(iota, sp);
            __mmask64 whi = _mm512_cmplt_epu8_mask(iota64, sp);
            __m512i lo = _mm512_maskz_loadu_epi8(wlo, low + base);
            __m512i hi = _mm512_maskz_loadu_epi8(whi, low + base + 64);
            /* per byte: its token's offset in the window and its length */
            __m512i offb = _mm512_shuffle_epi8(off, bcast);
            __m512i lenb = _mm512_shuffle_epi8(_mm512_min_epu64(len, c16), bcast);
            __m512i w0 = _mm512_maskz_permutex2var_epi8(_mm512_cmplt_epu8_mask(k0, lenb), lo,
                                                        _mm512_add_epi8(offb, k0), hi);
            __m512i h = _mm512_permutex2var_epi64(t0, len, t1);
            h = _mm512_mullo_epi64(_mm512_xor_si512(h, w0), p1);
            h = _mm512_xor_si512(h, _mm512_srli_epi64(h, 32));
            /* the second word of the tokens longer than 8, without a branch
             * (whether a step has one is a coin toss) */
            __mmask8 two = _mm512_cmpgt_epu64_mask(len, c8);
            __m512i w1 = _mm512_maskz_permutex2var_epi8(_mm512_cmplt_epu8_mask(k1, lenb), lo,
                                                        _mm512_add_epi8(offb, k1), hi);
            __m512i h2 = _mm512_mullo_epi64(_mm512_xor_si512(h, w1), p1);
            h = _mm512_mask_xor_epi64(h, two, h2, _mm512_srli_epi64(h2, 32));
            h = _mm512_srli_epi64(_mm512_mullo_epi64(h, p2), 32);
            _mm256_storeu_si256((void *)(out + i), _mm512_cvtepi64_epi32(h));
            nlong += (size_t)__builtin_popcount(_mm512_cmpgt_epu64_mask(len, cmax));
            /* longer than 16 bytes: one at a time, after the block */
            over |= (uint64_t)(_mm512_cmpgt_epu64_mask(len, c16) != 0) << j;
        }
        for (; wide; wide &= wide - 1) {
            size_t k = i0 + 8 * (size_t)__builtin_ctzll(wide);
            nlong += ks_tok_hash_avx512(low, st + k, en + k, 8, seed, maxt, out + k);
        }
        for (; over; over &= over - 1) {   /* (not at all past maxt) */
            size_t q = i0 + 8 * (size_t)__builtin_ctzll(over);
            for (size_t k = q; k < q + 8; k++) {
                size_t n = en[k] - st[k];
                if (n > 16 && n <= maxt)
                    out[k] = ks_hash_tok_padded(low + st[k], n, seed);
            }
        }
    }
    if (i < m)
        nlong += ks_tok_hash_avx512(low, st + i, en + i, m - i, seed, maxt, out + i);
    return nlong;
}
#endif
