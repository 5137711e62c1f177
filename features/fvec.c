/* fvec.c - the compact form of a feature vector, for vectors kept in
 * memory or in model.bin (the replay reservoir, the shuffle buffer), and
 * the wide form, for vectors read back many times from a temporary file.
 *
 * A varint count and a mode byte, then either
 * - compact, uniform (every value has the same magnitude, as with binary
 *   weights): a float32 magnitude and per feature
 *   varint((index gap << 1) | sign);
 * - compact, values: per feature a varint index gap and a float32 value;
 * - wide (uniform only, every gap - the first index too - below 2^15):
 *   a float32 magnitude and per feature 2 bytes, little-endian
 *   (index gap << 1) | sign.
 * Indices ascend, so gaps are small: the compact form takes about 2 bytes
 * a feature instead of the 8 of a ks_feature. The wide form takes the
 * same on long vectors (1,000 features in 2^20 buckets: gaps of about
 * 1,000, two varint bytes each) and decodes with one load a feature,
 * without finding where a varint ends (perf, KF defaults: the fold
 * models' decoding of the calibration log was a third of the run's CPU).
 * Short vectors, whose gaps are large, keep the compact form.
 */
#include <math.h>
#include <string.h>
#include "ks/alloc.h"
#include "ks/buf.h"
#include "ks/features.h"
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

enum { ENC_UNIFORM = 0, ENC_VALUES = 1, ENC_WIDE = 2 };
#define WIDE_GAP ((uint32_t)1 << 15)

static void put_varint(ks_buf *b, uint64_t v)
{
    while (v >= 0x80) {
        b->data[b->len++] = (char)(v | 0x80);
        v >>= 7;
    }
    b->data[b->len++] = (char)v;
}

static int get_varint(const unsigned char *p, size_t len, size_t *pos, uint64_t *v)
{
    uint64_t x = 0;
    for (int shift = 0; shift < 64 && *pos < len; shift += 7) {
        unsigned char c = p[(*pos)++];
        x |= (uint64_t)(c & 0x7f) << shift;
        if (!(c & 0x80)) {
            *v = x;
            return 0;
        }
    }
    return -1;
}

static void put_f32(ks_buf *b, float f)
{
    memcpy(b->data + b->len, &f, 4);   /* little-endian hosts */
    b->len += 4;
}

static int uniform(const ks_fvec *x)
{
    for (uint32_t k = 1; k < x->n; k++)
        if (fabsf(x->f[k].value) != fabsf(x->f[0].value))
            return 0;
    return 1;
}

/* See features.h: one feature at a time through put_varint (the
 * reference ks_fvec_encode must match byte for byte). */
ks_status ks_fvec_encode_ref(const ks_fvec *x, ks_buf *b)
{
    int uni = uniform(x);
    uint32_t prev = 0;
    ks_status st = ks_buf_reserve(b, 10 + 5 + (size_t)x->n * (uni ? 5 : 9));
    if (st != KS_OK)
        return st;
    put_varint(b, x->n);
    b->data[b->len++] = (char)(uni ? ENC_UNIFORM : ENC_VALUES);
    if (uni)
        put_f32(b, x->n ? fabsf(x->f[0].value) : 0.0f);
    for (uint32_t k = 0; k < x->n; k++) {
        uint32_t gap = x->f[k].index - prev;
        prev = x->f[k].index;
        if (uni) {
            put_varint(b, ((uint64_t)gap << 1) | (x->f[k].value < 0));
        } else {
            put_varint(b, gap);
            put_f32(b, x->f[k].value);
        }
    }
    return KS_OK;
}

/* See features.h. The uniform form (every training vector by default,
 * encoded once a message in the first pass, on the learner's thread)
 * writes a varint below 2^21 without a branch on its length: its 7-bit
 * groups spread over a 4-byte store (5 bytes a feature are reserved) and
 * the position moved by its length; longer ones go through put_varint. */
ks_status ks_fvec_encode(const ks_fvec *x, ks_buf *b)
{
    uint32_t prev = 0;
    unsigned char *q;
    ks_status st;
    if (!uniform(x))
        return ks_fvec_encode_ref(x, b);
    if ((st = ks_buf_reserve(b, 10 + 5 + (size_t)x->n * 5)) != KS_OK)
        return st;
    put_varint(b, x->n);
    b->data[b->len++] = (char)ENC_UNIFORM;
    put_f32(b, x->n ? fabsf(x->f[0].value) : 0.0f);
    q = (unsigned char *)b->data + b->len;
    for (uint32_t k = 0; k < x->n; k++) {
        uint64_t v = (uint64_t)(x->f[k].index - prev) << 1 | (uint64_t)(x->f[k].value < 0);
        prev = x->f[k].index;
        if (v < (UINT64_C(1) << 21)) {
            uint32_t u = (uint32_t)v, two = u >= 0x80, three = u >= 0x4000;
            uint32_t w = (u & 0x7fu) | (u << 1 & 0x7f00u) | (u << 2 & 0x7f0000u) |
                         two << 7 | three << 15;
            memcpy(q, &w, 4);   /* little-endian hosts */
            q += 1 + two + three;
        } else {
            b->len = (size_t)(q - (unsigned char *)b->data);
            put_varint(b, v);
            q = (unsigned char *)b->data + b->len;
        }
    }
    b->len = (size_t)(q - (unsigned char *)b->data);
    return KS_OK;
}

/* See features.h. One pass writes the features and checks that they fit
 * (every gap, the first index too, below WIDE_GAP; one magnitude, as
 * uniform() compares them); a vector that does not is written again in
 * the compact form over it. */
ks_status ks_fvec_encode_wide(const ks_fvec *x, ks_buf *b)
{
    ks_status st;
    unsigned char *q;
    uint32_t prev = 0, bad = 0;
    size_t start = b->len;
    float mag = x->n ? fabsf(x->f[0].value) : 0.0f;
    if ((st = ks_buf_reserve(b, 10 + 5 + (size_t)x->n * 2)) != KS_OK)
        return st;
    put_varint(b, x->n);
    b->data[b->len++] = (char)ENC_WIDE;
    put_f32(b, mag);
    q = (unsigned char *)b->data + b->len;
    for (uint32_t k = 0; k < x->n; k++) {
        uint32_t gap = x->f[k].index - prev;
        uint16_t v = (uint16_t)(gap << 1 | (uint32_t)(x->f[k].value < 0));
        prev = x->f[k].index;
        bad |= (uint32_t)(gap >= WIDE_GAP) | (uint32_t)(fabsf(x->f[k].value) != mag);
        memcpy(q + 2 * (size_t)k, &v, 2);   /* little-endian hosts */
    }
    if (bad) {
        b->len = start;
        return ks_fvec_encode(x, b);
    }
    b->len += (size_t)x->n * 2;
    return KS_OK;
}

ks_status ks_fvec_decode(const unsigned char *p, size_t len, uint32_t dim, ks_fvec *out)
{
    size_t used;
    ks_status st = ks_fvec_decode_first(p, len, dim, out, &used);
    return st == KS_OK && used != len ? KS_ERR_FORMAT : st;
}

/* The header: count n, mode, and (uniform) the magnitude; *pos past it. */
static ks_status decode_head(const unsigned char *p, size_t len, uint32_t dim, ks_fvec *out,
                             size_t *pos, uint64_t *n, int *mode, float *scale)
{
    if (get_varint(p, len, pos, n) || *n > dim || *pos >= len)
        return KS_ERR_FORMAT;
    *mode = p[(*pos)++];
    if (*mode > ENC_WIDE || (*mode != ENC_VALUES && len - *pos < 4))
        return KS_ERR_FORMAT;
    *scale = 0;
    if (*mode != ENC_VALUES) {
        memcpy(scale, p + *pos, 4);
        *pos += 4;
        if (!isfinite(*scale))
            return KS_ERR_FORMAT;
    }
    if (*n > out->cap) {
        ks_feature *f = ks_realloc(out->f, *n * sizeof *f);
        if (!f)
            return ks_fail(KS_ERR_NOMEM, "out of memory decoding a feature vector");
        out->f = f;
        out->cap = (uint32_t)*n;
    }
    return KS_OK;
}

/* Features k0 .. n-1, one byte at a time with every check (the reference
 * the fast loop of ks_fvec_decode_first must match); prev is the index of
 * feature k0 - 1, or -1. */
static ks_status decode_tail(const unsigned char *p, size_t len, uint32_t dim, ks_fvec *out,
                             size_t pos, uint64_t k0, uint64_t n, int mode, float scale,
                             int64_t prev, size_t *used)
{
    uint64_t v;
    for (uint64_t k = k0; k < n; k++) {
        float val;
        if (len - pos >= 2 && !(p[pos] & 0x80)) {            /* 1-byte varint */
            v = p[pos++];
        } else if (len - pos >= 2 && !(p[pos + 1] & 0x80)) { /* 2 bytes */
            v = (uint64_t)(p[pos] & 0x7f) | (uint64_t)p[pos + 1] << 7;
            pos += 2;
        } else if (get_varint(p, len, &pos, &v)) {
            return KS_ERR_FORMAT;
        }
        uint64_t gap = mode == ENC_UNIFORM ? v >> 1 : v;
        int64_t idx = (prev < 0 ? 0 : prev) + (int64_t)gap;
        if ((k && gap == 0) || idx >= dim)
            return KS_ERR_FORMAT;
        if (mode == ENC_UNIFORM) {
            val = (v & 1) ? -scale : scale;
        } else {
            if (len - pos < 4)
                return KS_ERR_FORMAT;
            memcpy(&val, p + pos, 4);
            pos += 4;
            if (!isfinite(val))
                return KS_ERR_FORMAT;
        }
        out->f[k].index = (uint32_t)idx;
        out->f[k].value = val;
        prev = idx;
    }
    out->n = (uint32_t)n;
    *used = pos;
    return KS_OK;
}

/* The wide form's features, one byte at a time with every check (the
 * reference of decode_wide). */
static ks_status wide_ref(const unsigned char *p, size_t len, uint32_t dim, ks_fvec *out,
                          size_t pos, uint64_t n, float scale, size_t *used)
{
    uint64_t idx = 0;
    for (uint64_t k = 0; k < n; k++) {
        uint32_t v;
        if (len - pos < 2)
            return KS_ERR_FORMAT;
        v = (uint32_t)p[pos] | (uint32_t)p[pos + 1] << 8;
        pos += 2;
        if (k && v >> 1 == 0)   /* indices strictly ascend */
            return KS_ERR_FORMAT;
        idx += v >> 1;
        if (idx >= dim)
            return KS_ERR_FORMAT;
        out->f[k].index = (uint32_t)idx;
        out->f[k].value = (v & 1) ? -scale : scale;
    }
    out->n = (uint32_t)n;
    *used = pos;
    return KS_OK;
}

/* The wide form's features: a 2-byte load each (8 at once with SSE2),
 * no branch but the loop's; a zero gap after the first feature is
 * remembered and refused at the end, and since indices only grow "below
 * dim" is checked on the last alone (n <= dim and gaps below 2^15 keep
 * the sum far from overflow). Same results and refusals as wide_ref
 * (tests/unit/fvec_test.c). */
static ks_status decode_wide(const unsigned char *p, size_t len, uint32_t dim, ks_fvec *out,
                             size_t pos, uint64_t n, float scale, size_t *used)
{
    const unsigned char *q = p + pos;
    ks_feature *f = out->f;
    uint32_t sbits, zero = 0;
    uint64_t idx = 0;
    if ((len - pos) / 2 < n)
        return KS_ERR_FORMAT;
    memcpy(&sbits, &scale, 4);
    uint64_t k = 0;
#if defined(__SSE2__)
    /* 8 features a step: the 8 words widened to 32 bits, the gaps summed
     * in place in each half of 4 (two shifted adds) on top of the index so
     * far, each sign bit moved to bit 31 and xor-ed into the magnitude's
     * bits, indices and values interleaved into ks_feature pairs. The
     * 32-bit lanes may wrap only when the 64-bit idx, which is refused
     * then, ends past dim (2^28 at most). */
    const __m128i z = _mm_setzero_si128(), sb = _mm_set1_epi32((int)sbits);
    for (; n - k >= 8; k += 8) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(q + 2 * k));
        __m128i lo = _mm_unpacklo_epi16(v, z), hi = _mm_unpackhi_epi16(v, z);
        __m128i glo = _mm_srli_epi32(lo, 1), ghi = _mm_srli_epi32(hi, 1);
        int zl = _mm_movemask_ps(_mm_castsi128_ps(_mm_cmpeq_epi32(glo, z)));
        int zh = _mm_movemask_ps(_mm_castsi128_ps(_mm_cmpeq_epi32(ghi, z)));
        uint32_t tlo, thi;
        zero |= (uint32_t)((k ? zl : zl & ~1) | zh) != 0;
        glo = _mm_add_epi32(glo, _mm_slli_si128(glo, 4));
        glo = _mm_add_epi32(glo, _mm_slli_si128(glo, 8));
        ghi = _mm_add_epi32(ghi, _mm_slli_si128(ghi, 4));
        ghi = _mm_add_epi32(ghi, _mm_slli_si128(ghi, 8));
        tlo = (uint32_t)_mm_cvtsi128_si32(_mm_shuffle_epi32(glo, 0xff));
        thi = (uint32_t)_mm_cvtsi128_si32(_mm_shuffle_epi32(ghi, 0xff));
        glo = _mm_add_epi32(glo, _mm_set1_epi32((int)(uint32_t)idx));
        ghi = _mm_add_epi32(ghi, _mm_set1_epi32((int)((uint32_t)idx + tlo)));
        idx += (uint64_t)tlo + thi;
        lo = _mm_xor_si128(sb, _mm_slli_epi32(lo, 31));
        hi = _mm_xor_si128(sb, _mm_slli_epi32(hi, 31));
        _mm_storeu_si128((__m128i *)(void *)(f + k), _mm_unpacklo_epi32(glo, lo));
        _mm_storeu_si128((__m128i *)(void *)(f + k + 2), _mm_unpackhi_epi32(glo, lo));
        _mm_storeu_si128((__m128i *)(void *)(f + k + 4), _mm_unpacklo_epi32(ghi, hi));
        _mm_storeu_si128((__m128i *)(void *)(f + k + 6), _mm_unpackhi_epi32(ghi, hi));
    }
#endif
    for (; k < n; k++) {
        uint16_t v;
        uint32_t bits;
        memcpy(&v, q + 2 * k, 2);   /* little-endian hosts */
        zero |= (uint32_t)(k != 0) & (uint32_t)(v < 2);
        idx += (uint32_t)v >> 1;
        bits = sbits ^ ((uint32_t)v << 31);
        f[k].index = (uint32_t)idx;
        memcpy(&f[k].value, &bits, 4);
    }
    if (zero || idx >= dim)
        return KS_ERR_FORMAT;
    out->n = (uint32_t)n;
    *used = pos + 2 * (size_t)n;
    return KS_OK;
}

/* See features.h. */
ks_status ks_fvec_decode_first_ref(const unsigned char *p, size_t len, uint32_t dim,
                                   ks_fvec *out, size_t *used)
{
    size_t pos = 0;
    uint64_t n;
    int mode;
    float scale;
    ks_status st = decode_head(p, len, dim, out, &pos, &n, &mode, &scale);
    if (st != KS_OK)
        return st;
    if (mode == ENC_WIDE)
        return wide_ref(p, len, dim, out, pos, n, scale, used);
    return decode_tail(p, len, dim, out, pos, 0, n, mode, scale, -1, used);
}

/* The uniform form (binary weights: every training vector by default) is
 * what passes 2.. and the calibration's fold models decode again and
 * again, so it has a loop of its own, without branches on the varint's
 * length: while 4 bytes are left it loads them at once, finds the first
 * byte without the continuation bit and gathers the 7-bit groups before
 * it (a gap below 2^27 - with 2^20 buckets every gap; longer ones go to
 * decode_tail). The sign is the low bit, put straight into the float's
 * sign bit (-scale is scale with that bit set). Indices only grow, so
 * "below dim" is checked once, on the last (and on the way out to the
 * tail); a zero gap after the first feature is remembered and refused at
 * the end. Same results, same refusals as the reference loop
 * (tests/unit/fvec_test.c). */
ks_status ks_fvec_decode_first(const unsigned char *p, size_t len, uint32_t dim, ks_fvec *out,
                               size_t *used)
{
    size_t pos = 0;
    uint64_t n, k = 0;
    int mode;
    float scale;
    uint32_t sbits, zero = 0;
    uint64_t idx = 0;
    ks_feature *f;
    ks_status st = decode_head(p, len, dim, out, &pos, &n, &mode, &scale);
    if (st != KS_OK)
        return st;
    if (mode == ENC_WIDE)
        return decode_wide(p, len, dim, out, pos, n, scale, used);
    if (mode != ENC_UNIFORM || n == 0)
        return decode_tail(p, len, dim, out, pos, 0, n, mode, scale, -1, used);
    memcpy(&sbits, &scale, 4);
    f = out->f;
    /* Two features a load: the second varint's end is the next stop bit
     * of the same 8 bytes, so the chain from one load to the next (the
     * loop's latency) is paid once per two features. */
    for (; n - k >= 2 && len - pos >= 8; k += 2) {
        uint64_t w, stop, stop2;
        uint32_t t1, t2, v1, v2, b1, b2;
        memcpy(&w, p + pos, 8);
        stop = ~w & UINT64_C(0x8080808080808080);
        stop2 = stop & (stop - 1);                 /* the second varint's stop bit */
        if (!stop2)
            break;
        t1 = ((uint32_t)__builtin_ctzll(stop) >> 3) + 1;    /* bytes of the first */
        t2 = ((uint32_t)__builtin_ctzll(stop2) >> 3) + 1;   /* of both */
        if (t1 > 4 || t2 - t1 > 4)                 /* a long one */
            break;
        b1 = (uint32_t)(w & (stop ^ (stop - 1)));
        b2 = (uint32_t)((w & (stop2 ^ (stop2 - 1))) >> (8 * t1));
        v1 = (b1 & 0x7fu) | (b1 >> 1 & 0x3f80u) | (b1 >> 2 & 0x1fc000u) | (b1 >> 3 & 0xfe00000u);
        v2 = (b2 & 0x7fu) | (b2 >> 1 & 0x3f80u) | (b2 >> 2 & 0x1fc000u) | (b2 >> 3 & 0xfe00000u);
        pos += t2;
        zero |= ((uint32_t)(k != 0) & (uint32_t)(v1 < 2)) | (uint32_t)(v2 < 2);
        idx += v1 >> 1;
        f[k].index = (uint32_t)idx;
        b1 = sbits ^ (v1 << 31);
        memcpy(&f[k].value, &b1, 4);
        idx += v2 >> 1;
        f[k + 1].index = (uint32_t)idx;
        b2 = sbits ^ (v2 << 31);
        memcpy(&f[k + 1].value, &b2, 4);
    }
    for (; k < n && len - pos >= 4; k++) {
        uint32_t w, stop, nb, v, bits;
        memcpy(&w, p + pos, 4);                        /* little-endian hosts */
        stop = ~w & 0x80808080u;
        if (!stop)                                     /* 5 bytes or more */
            break;
        nb = ((uint32_t)__builtin_ctz(stop) >> 3) + 1; /* bytes of this varint */
        w &= (uint32_t)((UINT64_C(1) << (8 * nb)) - 1);
        v = (w & 0x7fu) | (w >> 1 & 0x3f80u) | (w >> 2 & 0x1fc000u) | (w >> 3 & 0xfe00000u);
        pos += nb;
        zero |= (uint32_t)(k != 0) & (uint32_t)(v < 2);
        idx += v >> 1;
        bits = sbits ^ (v << 31);
        f[k].index = (uint32_t)idx;
        memcpy(&f[k].value, &bits, 4);
    }
    if (zero || idx >= dim)
        return KS_ERR_FORMAT;
    if (k < n)
        return decode_tail(p, len, dim, out, pos, k, n, mode, scale, k ? (int64_t)idx : -1, used);
    out->n = (uint32_t)n;
    *used = pos;
    return KS_OK;
}

ks_status ks_example_decode(const unsigned char *p, size_t len, uint32_t dim, ks_fvec *x,
                            ks_fvec *view, int *pair)
{
    size_t used;
    ks_status st = ks_fvec_decode_first(p, len, dim, x, &used);
    *pair = 0;
    if (st != KS_OK || used == len)
        return st;
    if (!view)
        return KS_ERR_FORMAT;
    *pair = 1;
    return ks_fvec_decode(p + used, len - used, dim, view);
}

/* See features.h: one varint at a time (the reference of the fast walk
 * in ks_fvec_first_size). */
size_t ks_fvec_first_size_ref(const unsigned char *p, size_t len)
{
    size_t pos = 0;
    uint64_t n, v;
    int mode;
    if (get_varint(p, len, &pos, &n) || pos >= len)
        return 0;
    mode = p[pos++];
    if (mode > ENC_WIDE)
        return 0;
    if (mode != ENC_VALUES) {
        if (len - pos < 4)
            return 0;
        pos += 4;
    }
    if (mode == ENC_WIDE)
        return (len - pos) / 2 < n ? 0 : pos + 2 * n;
    for (uint64_t k = 0; k < n; k++) {
        if (get_varint(p, len, &pos, &v))
            return 0;
        if (mode == ENC_VALUES) {
            if (len - pos < 4)
                return 0;
            pos += 4;
        }
    }
    return pos;
}

/* See features.h. The compact uniform form's varints end at the bytes
 * without the continuation bit: the walk counts those 8 bytes at a time
 * (a popcount) until the word holding the n-th, then finds it in the
 * word. get_varint refuses a varint of 10 continuation bytes, so the walk
 * carries the run of continuation bytes from word to word and refuses
 * the same (tests/unit/fvec_test.c compares with the reference). */
size_t ks_fvec_first_size(const unsigned char *p, size_t len)
{
    size_t pos = 0;
    uint64_t n, left;
    unsigned run = 0;   /* continuation bytes since the last stop byte */
    if (get_varint(p, len, &pos, &n) || pos >= len || p[pos] != ENC_UNIFORM ||
        len - pos < 5)
        return ks_fvec_first_size_ref(p, len);
    pos += 5;
    left = n;
    while (left && len - pos >= 8) {
        uint64_t w, stop;
        unsigned c;
        memcpy(&w, p + pos, 8);   /* little-endian hosts */
        stop = ~w & UINT64_C(0x8080808080808080);
        if (!stop) {
            if ((run += 8) >= 10)
                return 0;
            pos += 8;
            continue;
        }
        if (run + ((unsigned)__builtin_ctzll(stop) >> 3) >= 10)
            return 0;
        c = (unsigned)__builtin_popcountll(stop);
        if (c >= left) {
            while (--left)
                stop &= stop - 1;
            return pos + ((unsigned)__builtin_ctzll(stop) >> 3) + 1;
        }
        left -= c;
        run = (unsigned)__builtin_clzll(stop) >> 3;   /* bytes after the last stop */
        pos += 8;
    }
    for (; left && pos < len; pos++) {
        if (p[pos] & 0x80) {
            if (++run >= 10)
                return 0;
        } else {
            run = 0;
            left--;
        }
    }
    return left ? 0 : pos;
}

/* The size of a wide vector at the start of p[0..len), or 0. */
static size_t wide_size(const unsigned char *p, size_t len)
{
    size_t pos = 0;
    uint64_t n;
    if (get_varint(p, len, &pos, &n) || len - pos < 5 || p[pos] != ENC_WIDE)
        return 0;
    pos += 5;
    return (len - pos) / 2 < n ? 0 : pos + 2 * (size_t)n;
}

int ks_example_wide(const unsigned char *p, size_t len)
{
    size_t one = wide_size(p, len);
    return one && (one == len || wide_size(p + one, len - one) == len - one);
}
