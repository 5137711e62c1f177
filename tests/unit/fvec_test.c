/* fvec_test.c - the compact vector codec: round trips and refusals. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include "ks/features.h"

static ks_fvec round_trip(const ks_feature *f, uint32_t n, size_t *bytes)
{
    ks_fvec in = {(ks_feature *)f, n, n}, out = {0};
    ks_buf b = {0};
    cr_assert_eq(ks_fvec_encode(&in, &b), KS_OK);
    *bytes = b.len;
    cr_assert_eq(ks_fvec_decode((const unsigned char *)b.data, b.len, 1u << 20, &out), KS_OK);
    ks_buf_free(&b);
    return out;
}

Test(fvec, uniform_magnitude_is_index_gaps_and_signs)
{
    ks_feature f[4] = {{0, 0.5f}, {1, -0.5f}, {100, 0.5f}, {1048575, -0.5f}};
    size_t bytes;
    ks_fvec out = round_trip(f, 4, &bytes);
    cr_assert_eq(out.n, 4);
    cr_assert_eq(memcmp(out.f, f, sizeof f), 0);
    /* count 1 + mode 1 + magnitude 4 + gaps 1+1+2+3 */
    cr_assert_eq(bytes, 13);
    ks_fvec_free(&out);
}

Test(fvec, mixed_values_keep_each_value)
{
    ks_feature f[3] = {{7, 1.25f}, {8, -3.0f}, {9000, 1e-3f}};
    size_t bytes;
    ks_fvec out = round_trip(f, 3, &bytes);
    cr_assert_eq(out.n, 3);
    cr_assert_eq(memcmp(out.f, f, sizeof f), 0);
    ks_fvec_free(&out);
}

Test(fvec, empty_vector)
{
    size_t bytes;
    ks_fvec out = round_trip(NULL, 0, &bytes);
    cr_assert_eq(out.n, 0);
    ks_fvec_free(&out);
}

Test(fvec, refuses_bad_bytes)
{
    ks_fvec out = {0};
    /* index past dim: count 1, uniform, magnitude 1.0, gap 300 << 1 */
    const unsigned char past[] = {1, 0, 0, 0, 0x80, 0x3f, 0xd8, 0x04};
    /* repeated index: count 2, gaps 5 then 0 */
    const unsigned char dup[] = {2, 0, 0, 0, 0x80, 0x3f, 10, 0};
    /* unterminated varint, unknown mode, trailing byte */
    const unsigned char unterminated[] = {1, 0, 0, 0, 0x80, 0x3f, 0x80};
    const unsigned char mode[] = {1, 9, 0, 0, 0x80, 0x3f, 2};
    const unsigned char trailing[] = {1, 0, 0, 0, 0x80, 0x3f, 2, 0};
    cr_assert_eq(ks_fvec_decode(past, sizeof past, 256, &out), KS_ERR_FORMAT);
    cr_assert_eq(ks_fvec_decode(past, sizeof past, 1024, &out), KS_OK);
    cr_assert_eq(out.f[0].index, 300);
    cr_assert_eq(ks_fvec_decode(dup, sizeof dup, 256, &out), KS_ERR_FORMAT);
    cr_assert_eq(ks_fvec_decode(unterminated, sizeof unterminated, 256, &out), KS_ERR_FORMAT);
    cr_assert_eq(ks_fvec_decode(mode, sizeof mode, 256, &out), KS_ERR_FORMAT);
    cr_assert_eq(ks_fvec_decode(trailing, sizeof trailing, 256, &out), KS_ERR_FORMAT);
    ks_fvec_free(&out);
}

/* A training example with a view is two vectors back to back. */
Test(fvec, example_is_one_vector_or_two)
{
    ks_feature f1[2] = {{3, 0.5f}, {900, -0.5f}}, f2[1] = {{7, 1.0f}};
    ks_fvec a = {f1, 2, 2}, b = {f2, 1, 1}, x = {0}, v = {0};
    ks_buf buf = {0};
    size_t used;
    int pair = -1;
    cr_assert_eq(ks_fvec_encode(&a, &buf), KS_OK);
    size_t one = buf.len;
    const unsigned char *p = (const unsigned char *)buf.data;
    cr_assert_eq(ks_example_decode(p, one, 1024, &x, &v, &pair), KS_OK);
    cr_assert_eq(pair, 0);
    cr_assert_eq(x.n, 2);
    cr_assert_eq(ks_fvec_encode(&b, &buf), KS_OK);
    p = (const unsigned char *)buf.data;
    cr_assert_eq(ks_fvec_decode_first(p, buf.len, 1024, &x, &used), KS_OK);
    cr_assert_eq(used, one);
    cr_assert_eq(ks_example_decode(p, buf.len, 1024, &x, &v, &pair), KS_OK);
    cr_assert_eq(pair, 1);
    cr_assert_eq(memcmp(x.f, f1, sizeof f1), 0);
    cr_assert_eq(v.n, 1);
    cr_assert_eq(v.f[0].index, 7);
    /* a pair where one vector is wanted, a cut second vector, garbage */
    cr_assert_eq(ks_example_decode(p, buf.len, 1024, &x, NULL, &pair), KS_ERR_FORMAT);
    cr_assert_eq(ks_example_decode(p, buf.len - 1, 1024, &x, &v, &pair), KS_ERR_FORMAT);
    cr_assert_eq(ks_fvec_decode(p, buf.len, 1024, &x), KS_ERR_FORMAT);
    ks_buf_free(&buf);
    ks_fvec_free(&x);
    ks_fvec_free(&v);
}

/* A small xorshift, so the cases below are the same on every run. */
static uint64_t rng_next(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

/* Both decoders on p[0..len): same status, and on success the same size
 * and the same features. */
static void same_as_reference(const unsigned char *p, size_t len, uint32_t dim)
{
    ks_fvec a = {0}, b = {0};
    size_t ua = 0, ub = 0;
    ks_status sa = ks_fvec_decode_first(p, len, dim, &a, &ua);
    ks_status sb = ks_fvec_decode_first_ref(p, len, dim, &b, &ub);
    cr_assert_eq(sa, sb);
    cr_assert_eq(ks_fvec_first_size(p, len), ks_fvec_first_size_ref(p, len));
    if (sa == KS_OK) {
        cr_assert_eq(ua, ub);
        cr_assert_eq(a.n, b.n);
        cr_assert(a.n == 0 || memcmp(a.f, b.f, a.n * sizeof *a.f) == 0);
    }
    ks_fvec_free(&a);
    ks_fvec_free(&b);
}

/* f[0..k) encoded by `encode` into b (with, when view, half of it after
 * it as a view): it decodes to f with the first vector's size, and the
 * fast decoder matches the reference on b, past dim, cut short and with
 * bits flipped. */
static void check_codec(ks_status (*encode)(const ks_fvec *, ks_buf *), ks_feature *f,
                        uint32_t k, uint32_t dim, int view, uint64_t *s)
{
    ks_fvec x = {f, k, k}, y = {f + k / 3, k / 2, k / 2}, out = {0};
    ks_buf b = {0};
    size_t used, one;
    cr_assert_eq(encode(&x, &b), KS_OK);
    one = b.len;
    if (view)
        cr_assert_eq(encode(&y, &b), KS_OK);
    const unsigned char *p = (const unsigned char *)b.data;
    cr_assert_eq(ks_fvec_decode_first(p, b.len, dim, &out, &used), KS_OK);
    cr_assert_eq(used, one);
    cr_assert_eq(ks_fvec_first_size(p, b.len), one);
    cr_assert_eq(out.n, k);
    cr_assert(k == 0 || memcmp(out.f, f, k * sizeof *f) == 0);
    ks_fvec_free(&out);
    same_as_reference(p, b.len, dim);
    same_as_reference(p, b.len, dim >> 4);                   /* past dim */
    same_as_reference(p, one - (rng_next(s) % one), dim);    /* cut short */
    for (int m = 0; m < 4; m++) {                            /* corrupted */
        size_t at = rng_next(s) % b.len;
        unsigned char old = (unsigned char)b.data[at];
        b.data[at] = (char)(old ^ (1u << (rng_next(s) % 8)));
        same_as_reference(p, b.len, dim);
        b.data[at] = (char)old;
    }
    ks_buf_free(&b);
}

/* The fast encoder writes the reference's bytes, also for mixed values
 * (the k-th magnitude changed when `mixed`) and after bytes already in
 * the buffer. */
static void same_encoding(ks_feature *f, uint32_t k, int mixed)
{
    ks_fvec x = {f, k, k};
    ks_buf a = {0}, r = {0};
    float keep = k ? f[k / 2].value : 0.0f;
    if (mixed && k)
        f[k / 2].value = keep * 3.0f + 1.0f;
    cr_assert_eq(ks_buf_append(&a, "ab", 2), KS_OK);
    cr_assert_eq(ks_buf_append(&r, "ab", 2), KS_OK);
    cr_assert_eq(ks_fvec_encode(&x, &a), KS_OK);
    cr_assert_eq(ks_fvec_encode_ref(&x, &r), KS_OK);
    cr_assert_eq(a.len, r.len);
    cr_assert(memcmp(a.data, r.data, a.len) == 0);
    if (k)
        f[k / 2].value = keep;
    ks_buf_free(&a);
    ks_buf_free(&r);
}

/* The fast uniform loop against the plain one: random binary vectors with
 * gaps of every varint length (1 to 5 bytes, one length a vector or mixed),
 * signs, magnitudes (0 too),
 * with and without bytes after them (a view), then the same bytes cut
 * short and with bytes flipped. */
Test(fvec, fast_decode_matches_reference)
{
    uint64_t s = 0x9e3779b97f4a7c15u;
    ks_feature *f = malloc(4096 * sizeof *f);
    cr_assert_not_null(f);
    for (int t = 0; t < 3000; t++) {
        uint32_t dim = t % 3 == 0 ? 1u << 28 : 1u << 20, n = (uint32_t)(rng_next(&s) % 600);
        uint64_t idx = 0;
        int cls = (int)(rng_next(&s) % 6);   /* 5: each gap's length drawn anew */
        float mag = t % 50 == 0 ? 0.0f : 1.0f / (float)(1 + rng_next(&s) % 97);
        uint32_t k = 0;
        for (; k < n; k++) {
            int c = cls == 5 ? (int)(rng_next(&s) % 4) : cls;
            uint64_t lim = (uint64_t)1 << (c == 4 ? 28 : 7 * (c + 1) - 1);
            uint64_t gap = (k ? 1 : 0) + rng_next(&s) % lim;
            if (idx + gap >= dim)
                break;
            idx += gap;
            f[k].index = (uint32_t)idx;
            f[k].value = rng_next(&s) & 1 && mag != 0 ? -mag : mag;   /* -0 is stored as 0 */
        }
        same_encoding(f, k, t % 7 == 0);
        check_codec(ks_fvec_encode, f, k, dim, t & 1, &s);
    }
    free(f);
}

/* The wide form: 2 bytes a feature, (gap << 1) | sign, when every gap (the
 * first index too) is below 2^15 and the magnitudes are one; else the
 * compact form. */
Test(fvec, wide_form_is_two_bytes_a_gap_or_else_compact)
{
    ks_feature f[4] = {{0, 0.5f}, {1, -0.5f}, {100, 0.5f}, {32867, -0.5f}};
    ks_fvec x = {f, 4, 4}, out = {0};
    ks_buf b = {0};
    size_t used;
    cr_assert_eq(ks_fvec_encode_wide(&x, &b), KS_OK);
    /* count 1 + mode 1 + magnitude 4 + 4 x 2 */
    cr_assert_eq(b.len, 14);
    cr_assert_eq((unsigned char)b.data[1], 2);
    cr_assert_eq((unsigned char)b.data[6 + 6], (32767u << 1 | 1u) & 0xff);
    cr_assert_eq(ks_fvec_decode((const unsigned char *)b.data, b.len, 1u << 20, &out), KS_OK);
    cr_assert_eq(out.n, 4);
    cr_assert_eq(memcmp(out.f, f, sizeof f), 0);
    cr_assert_eq(ks_fvec_first_size((const unsigned char *)b.data, b.len), 14);
    /* a gap of 2^15, a first index of 2^15, two magnitudes: compact */
    f[3].index = 32868;
    ks_buf_clear(&b);
    cr_assert_eq(ks_fvec_encode_wide(&x, &b), KS_OK);
    cr_assert_eq((unsigned char)b.data[1], 0);
    ks_feature g[1] = {{32768, 1.0f}}, h[2] = {{1, 1.0f}, {2, 2.0f}};
    ks_fvec y = {g, 1, 1}, z = {h, 2, 2};
    ks_buf_clear(&b);
    cr_assert_eq(ks_fvec_encode_wide(&y, &b), KS_OK);
    cr_assert_eq((unsigned char)b.data[1], 0);
    ks_buf_clear(&b);
    cr_assert_eq(ks_fvec_encode_wide(&z, &b), KS_OK);
    cr_assert_eq((unsigned char)b.data[1], 1);
    /* refusals: a zero gap after the first, past dim, cut short */
    const unsigned char dup[] = {2, 2, 0, 0, 0x80, 0x3f, 10, 0, 0, 0};
    const unsigned char past[] = {1, 2, 0, 0, 0x80, 0x3f, 0x58, 0x02};   /* index 300 */
    cr_assert_eq(ks_fvec_decode_first(dup, sizeof dup, 256, &out, &used), KS_ERR_FORMAT);
    cr_assert_eq(ks_fvec_decode_first_ref(dup, sizeof dup, 256, &out, &used), KS_ERR_FORMAT);
    cr_assert_eq(ks_fvec_decode_first(past, sizeof past, 256, &out, &used), KS_ERR_FORMAT);
    cr_assert_eq(ks_fvec_decode_first(past, sizeof past, 301, &out, &used), KS_OK);
    cr_assert_eq(out.f[0].index, 300);
    cr_assert_eq(ks_fvec_decode_first(past, sizeof past - 1, 301, &out, &used), KS_ERR_FORMAT);
    cr_assert_eq(ks_fvec_first_size(past, sizeof past - 1), 0);
    ks_buf_free(&b);
    ks_fvec_free(&out);
}

/* The wide form's fast loop against its plain one, and both against the
 * vector encoded: random binary vectors with gaps up to 2^15 - 1 (and some
 * beyond, which must come back compact and still decode), signs, zero
 * magnitudes, a view after them, cut short, bytes flipped. */
Test(fvec, wide_decode_matches_reference)
{
    uint64_t s = 0x2545f4914f6cdd1du;
    ks_feature *f = malloc(2048 * sizeof *f);
    cr_assert_not_null(f);
    for (int t = 0; t < 3000; t++) {
        uint32_t dim = t % 5 == 0 ? 1u << 16 : 1u << 22, n = (uint32_t)(rng_next(&s) % 1200);
        uint64_t lim = t % 7 == 0 ? (1u << 16) : t % 3 == 0 ? 4 : (1u << 15) - 1;
        float mag = t % 40 == 0 ? 0.0f : 1.0f / (float)(1 + rng_next(&s) % 31);
        uint64_t idx = 0;
        uint32_t k = 0;
        for (; k < n; k++) {
            uint64_t gap = (k ? 1 : 0) + rng_next(&s) % lim;
            if (idx + gap >= dim)
                break;
            idx += gap;
            f[k].index = (uint32_t)idx;
            f[k].value = rng_next(&s) & 1 && mag != 0 ? -mag : mag;
        }
        check_codec(ks_fvec_encode_wide, f, k, dim, t & 1, &s);
    }
    free(f);
}

/* The fast size walk against the plain one on runs of continuation bytes
 * of every length (9 is a valid varint's most, 10 is refused), placed at
 * every offset across its 8-byte words. */
Test(fvec, first_size_walk_matches_reference)
{
    unsigned char p[64];
    for (int run = 0; run <= 12; run++)
        for (int at = 0; at < 20; at++)
            for (int n = 1; n <= 12; n++) {
                size_t len = 0;
                p[len++] = (unsigned char)n;   /* count */
                p[len++] = 0;                  /* uniform */
                memcpy(p + len, "\0\0\x80\x3f", 4);
                len += 4;
                for (int k = 0; k < at; k++)
                    p[len++] = 3;                /* one-byte varints */
                for (int k = 0; k < run; k++)
                    p[len++] = 0x81;             /* continuation bytes */
                while (len < sizeof p)
                    p[len++] = 5;
                for (size_t cut = 6; cut <= sizeof p; cut += 7)
                    cr_assert_eq(ks_fvec_first_size(p, cut), ks_fvec_first_size_ref(p, cut),
                                 "run %d at %d n %d cut %zu", run, at, n, cut);
                cr_assert_eq(ks_fvec_first_size(p, sizeof p), ks_fvec_first_size_ref(p, sizeof p),
                             "run %d at %d n %d", run, at, n);
            }
}
