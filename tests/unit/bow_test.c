/* bow_test.c - signed hashed counting, weighting and normalisation. */
#include <criterion/criterion.h>
#include <math.h>
#include "ks/bow.h"

#define NEG 0x80000000u   /* top bit: negative sign */

Test(bow, merges_counts_and_sorts)
{
    ks_bow *b;
    ks_fvec v = {0};
    cr_assert_eq(ks_bow_new(&b, 8), KS_OK);
    /* bucket 5 three times, bucket 3 once; 0x105 lands in bucket 5 too */
    cr_assert_eq(ks_bow_add(b, 5), KS_OK);
    cr_assert_eq(ks_bow_add(b, 3), KS_OK);
    cr_assert_eq(ks_bow_add(b, 5), KS_OK);
    cr_assert_eq(ks_bow_add(b, 0x105), KS_OK);
    cr_assert_eq(ks_bow_count(b), 4);
    cr_assert_eq(ks_bow_finish(b, KS_WEIGHT_BINARY, 0, &v), KS_OK);
    cr_assert_eq(v.n, 2);
    cr_assert_eq(v.f[0].index, 3);
    cr_assert_float_eq(v.f[0].value, 1.0f, 1e-7);
    cr_assert_eq(v.f[1].index, 5);
    cr_assert_float_eq(v.f[1].value, 1.0f, 1e-7);

    ks_bow_reset(b);
    for (int i = 0; i < 3; i++)
        ks_bow_add(b, 5);
    cr_assert_eq(ks_bow_finish(b, KS_WEIGHT_LOG, 0, &v), KS_OK);
    cr_assert_eq(v.n, 1);
    cr_assert_float_eq(v.f[0].value, (float)(1.0 + log(3.0)), 1e-6);
    ks_fvec_free(&v);
    ks_bow_free(b);
}

Test(bow, opposite_signs_cancel)
{
    ks_bow *b;
    ks_fvec v = {0};
    cr_assert_eq(ks_bow_new(&b, 8), KS_OK);
    ks_bow_add(b, 7);
    ks_bow_add(b, 7 | NEG);
    ks_bow_add(b, 9 | NEG);
    ks_bow_add(b, 9 | NEG);
    cr_assert_eq(ks_bow_finish(b, KS_WEIGHT_LOG, 0, &v), KS_OK);
    cr_assert_eq(v.n, 1);
    cr_assert_eq(v.f[0].index, 9);
    cr_assert_float_eq(v.f[0].value, (float)-(1.0 + log(2.0)), 1e-6);
    ks_fvec_free(&v);
    ks_bow_free(b);
}

Test(bow, unit_length)
{
    ks_bow *b;
    ks_fvec v = {0};
    double norm = 0;
    cr_assert_eq(ks_bow_new(&b, 10), KS_OK);
    for (uint32_t i = 0; i < 50; i++)
        ks_bow_add(b, i * 7 + (i % 3 ? 0 : NEG));
    cr_assert_eq(ks_bow_finish(b, KS_WEIGHT_BINARY, 1, &v), KS_OK);
    cr_assert_eq(v.n, 50);
    for (uint32_t i = 0; i < v.n; i++) {
        norm += (double)v.f[i].value * v.f[i].value;
        if (i)
            cr_assert_lt(v.f[i - 1].index, v.f[i].index);
    }
    cr_assert_float_eq(norm, 1.0, 1e-6);
    ks_fvec_free(&v);
    ks_bow_free(b);
}

Test(bow, empty_message_gives_empty_vector)
{
    ks_bow *b;
    ks_fvec v = {0};
    cr_assert_eq(ks_bow_new(&b, 12), KS_OK);
    cr_assert_eq(ks_bow_finish(b, KS_WEIGHT_LOG, 1, &v), KS_OK);
    cr_assert_eq(v.n, 0);
    ks_fvec_free(&v);
    ks_bow_free(b);
}
