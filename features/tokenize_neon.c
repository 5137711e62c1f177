/* tokenize_neon.c - classify kernel, AArch64 NEON (baseline on arm64, no
 * flags needed). Bit masks from byte masks with the shrn-by-4 nibble trick
 * would be shorter; this packs 16 bytes with a weighted horizontal add. */
#if defined(__aarch64__)
#include <arm_neon.h>
#include "ks/cpu.h"

static inline uint64_t bits16(uint8x16_t m)
{
    static const uint8_t w[16] = {1, 2, 4, 8, 16, 32, 64, 128, 1, 2, 4, 8, 16, 32, 64, 128};
    uint8x16_t t = vandq_u8(m, vld1q_u8(w));
    return (uint64_t)vaddv_u8(vget_low_u8(t)) | (uint64_t)vaddv_u8(vget_high_u8(t)) << 8;
}

static inline uint8x16_t in_range(uint8x16_t c, uint8_t lo, uint8_t span)
{
    return vcleq_u8(vsubq_u8(c, vdupq_n_u8(lo)), vdupq_n_u8(span));
}

void ks_tok_classify_neon(const unsigned char *src, size_t n,
                          unsigned char *dst, uint64_t *word, uint64_t *high)
{
    for (size_t b = 0; b < n / 64; b++) {
        uint64_t w = 0, h = 0;
        for (unsigned k = 0; k < 4; k++) {
            uint8x16_t c = vld1q_u8(src + b * 64 + k * 16);
            uint8x16_t up = in_range(c, 'A', 25);
            uint8x16_t wd = in_range(vorrq_u8(c, vdupq_n_u8(0x20)), 'a', 25);
            uint8x16_t hi = vcgeq_u8(c, vdupq_n_u8(0x80));
            wd = vorrq_u8(wd, in_range(c, '0', 9));
            wd = vorrq_u8(wd, vceqq_u8(c, vdupq_n_u8('$')));
            wd = vorrq_u8(wd, vorrq_u8(vceqq_u8(c, vdupq_n_u8('_')), hi));
            vst1q_u8(dst + b * 64 + k * 16, vaddq_u8(c, vandq_u8(up, vdupq_n_u8(0x20))));
            w |= bits16(wd) << (k * 16);
            h |= bits16(hi) << (k * 16);
        }
        word[b] = w;
        high[b] = h;
    }
}
#endif
