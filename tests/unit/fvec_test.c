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
