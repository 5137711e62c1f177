/* fvec_test.c - the compact vector codec: round trips and refusals. */
#include <criterion/criterion.h>
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
