/* svm_model_test.c - the svm family (include/ks/svm_model.h): train, save,
 * load and predict give the same probabilities; an update keeps and
 * retrains on the support vectors; the cap holds; every corruption of
 * svm.bin, a mismatched pair of files and a logistic model are refused. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "ks/alloc.h"
#include "ks/fileio.h"
#include "ks/svm_model.h"

static char dir[64], dir2[64];

static void setup(void)
{
    strcpy(dir, "/tmp/ks_svm_XXXXXX");
    strcpy(dir2, "/tmp/ks_svm2_XXXXXX");
    cr_assert_not_null(mkdtemp(dir));
    cr_assert_not_null(mkdtemp(dir2));
}

static void teardown(void)
{
    char cmd[200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s' '%s'", dir, dir2);
    (void)system(cmd);
}

TestSuite(svm_model, .init = setup, .fini = teardown);

static uint32_t lcg(uint32_t *s)
{
    *s = *s * 1103515245u + 12345u;
    return (*s >> 8) & 0xFFFF;
}

/* Example of class y: 4 buckets from a class-specific range of 12 and 2
 * shared ones, sorted, values in (0.2, 1]. */
static void example(uint32_t *seed, int y, ks_feature *f, ks_fvec *x)
{
    uint32_t used[6];
    int n = 0;
    for (int k = 0; k < 6; k++) {
        uint32_t idx = k < 4 ? (y ? 100 : 300) + lcg(seed) % 12 : 500 + lcg(seed) % 8;
        int dup = 0;
        for (int j = 0; j < n; j++)
            dup |= used[j] == idx;
        if (!dup)
            used[n++] = idx;
    }
    for (int i = 1; i < n; i++)   /* insertion sort */
        for (int j = i; j > 0 && used[j - 1] > used[j]; j--) {
            uint32_t t = used[j];
            used[j] = used[j - 1];
            used[j - 1] = t;
        }
    for (int i = 0; i < n; i++) {
        f[i].index = used[i];
        f[i].value = 0.2f + (float)(lcg(seed) % 80) / 100.0f;
    }
    x->f = f;
    x->n = (uint32_t)n;
    x->cap = 6;
}

static void add_examples(ks_svm *s, uint32_t seed, int count)
{
    for (int i = 0; i < count; i++) {
        ks_feature f[6];
        ks_fvec x;
        int y = lcg(&seed) % 3 == 0;
        example(&seed, y, f, &x);
        cr_assert_eq(ks_svm_add(s, &x, y), KS_OK);
    }
}

static ks_model *lr_model(void)
{
    ks_feature_config fc;
    ks_train_config tc;
    ks_model *m = NULL;
    ks_feature_config_default(&fc);
    fc.hash_bits = 10;
    ks_train_config_default(&tc);
    cr_assert_eq(ks_model_new(&m, &fc, &tc), KS_OK);
    return m;
}

static ks_svm *trained(uint32_t seed, int count, uint32_t cap)
{
    ks_svm_config c;
    ks_svm *s = NULL;
    ks_svm_config_default(&c);
    c.cap = cap;
    cr_assert_eq(ks_svm_new(&s, &c), KS_OK);
    add_examples(s, seed, count);
    cr_assert_eq(ks_svm_train(s), KS_OK);
    return s;
}

Test(svm_model, train_save_load_predict)
{
    ks_svm *s = trained(7, 300, 20000), *t = NULL;
    ks_model *m = lr_model(), *m2 = NULL;
    uint32_t seed = 99;
    int right = 0;
    cr_assert_gt(ks_svm_sv_count(s), 0);
    cr_assert_eq(ks_svm_save(s, m, dir), KS_OK);
    cr_assert_eq(ks_model_load(&m2, dir), KS_OK);
    cr_expect_eq(ks_model_train_config(m2)->algo, KS_ALGO_SVM);
    cr_assert_eq(ks_svm_load(&t, m2, dir), KS_OK);
    cr_expect_eq(ks_svm_sv_count(t), ks_svm_sv_count(s));
    for (int i = 0; i < 200; i++) {
        ks_feature f[6];
        ks_fvec x;
        int y = lcg(&seed) & 1;
        example(&seed, y, f, &x);
        double p = ks_svm_predict(s, &x), q = ks_svm_predict(t, &x);
        cr_expect(p > 0 && p < 1);
        cr_expect_eq(p, q, "saved and loaded models agree: %.17g %.17g", p, q);
        right += (p >= 0.5) == y;
    }
    cr_expect_geq(right, 195, "separable classes: %d of 200 right", right);
    ks_svm_free(s);
    ks_svm_free(t);
    ks_model_free(m);
    ks_model_free(m2);
}

Test(svm_model, incremental_keeps_support_vectors)
{
    ks_svm *s = trained(7, 300, 20000);
    size_t before = ks_svm_sv_count(s);
    add_examples(s, 8, 100);
    cr_expect_eq(ks_svm_batch_count(s), 100);
    cr_assert_eq(ks_svm_train(s), KS_OK);
    cr_expect_eq(ks_svm_batch_count(s), 0);
    cr_expect_gt(ks_svm_sv_count(s), 0);
    cr_expect_leq(ks_svm_sv_count(s), before + 100);
    ks_svm_free(s);

    s = trained(7, 300, 5);   /* the cap holds */
    cr_expect_eq(ks_svm_sv_count(s), 5);
    ks_svm_free(s);
}

Test(svm_model, one_class_refused)
{
    ks_svm_config c;
    ks_svm *s = NULL;
    ks_feature f[1] = {{3, 1}};
    ks_fvec x = {f, 1, 1};
    ks_svm_config_default(&c);
    cr_assert_eq(ks_svm_new(&s, &c), KS_OK);
    cr_assert_eq(ks_svm_add(s, &x, 1), KS_OK);
    cr_expect_eq(ks_svm_train(s), KS_ERR_DATA);
    ks_svm_free(s);
    c.c = 0;
    cr_expect_eq(ks_svm_new(&s, &c), KS_ERR_USAGE);
}

static void expect_refused(const char *why)
{
    ks_model *m = NULL;
    ks_svm *t = NULL;
    cr_assert_eq(ks_model_load(&m, dir), KS_OK);
    cr_expect_eq(ks_svm_load(&t, m, dir), KS_ERR_MODEL, "%s", why);
    cr_expect(strstr(ks_error_detail(), why), "want '%s', got '%s'", why, ks_error_detail());
    cr_expect_null(t);
    ks_model_free(m);
}

Test(svm_model, corruption_detected)
{
    ks_svm *s = trained(7, 300, 20000), *s2 = trained(9, 200, 20000);
    ks_model *m = lr_model();
    char path[128], *data;
    size_t len;
    snprintf(path, sizeof path, "%s/svm.bin", dir);
    cr_assert_eq(ks_svm_save(s, m, dir), KS_OK);
    cr_assert_eq(ks_read_file(path, 1 << 26, &data, &len), KS_OK);
    for (size_t off = 0; off < len; off += len / 50 + 1) {   /* flipped bits */
        data[off] ^= 0x10;
        cr_assert_eq(ks_write_atomic(path, data, len), KS_OK);
        expect_refused(off < 8 ? "not a ks svm file" : off < 12 ? "format version"
                       : off < 16 ? "endianness" : "corrupt");
        data[off] ^= 0x10;
    }
    cr_assert_eq(ks_write_atomic(path, data, len - 5), KS_OK);
    expect_refused("corrupt");
    ks_free(data);
    unlink(path);
    expect_refused("missing");
    /* another model's svm.bin beside this model.bin */
    {
        ks_model *o = lr_model();
        char other[128];
        cr_assert_eq(ks_svm_save(s2, o, dir2), KS_OK);
        snprintf(other, sizeof other, "%s/svm.bin", dir2);
        cr_assert_eq(ks_read_file(other, 1 << 26, &data, &len), KS_OK);
        cr_assert_eq(ks_write_atomic(path, data, len), KS_OK);
        ks_free(data);
        expect_refused("files of different models");
        ks_model_free(o);
    }
    ks_svm_free(s);
    ks_svm_free(s2);
    ks_model_free(m);
}

Test(svm_model, logistic_model_is_not_svm)
{
    ks_model *m = lr_model();
    ks_svm *t = NULL;
    cr_assert_eq(ks_model_save(m, dir), KS_OK);
    cr_expect_eq(ks_svm_load(&t, m, dir), KS_ERR_MODEL);
    cr_expect(strstr(ks_error_detail(), "not an svm model"), "%s", ks_error_detail());
    ks_model_free(m);
}
