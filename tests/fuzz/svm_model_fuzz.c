/* svm_model_fuzz.c - libFuzzer target: the svm.bin loader (svm_model.h,
 * model/svm.c). The input is svm.bin; the model.bin it belongs to is made
 * in memory (2^8 buckets, algo svm, family_crc = the CRC the loader will
 * compute). Each input is loaded twice: as it is (family_crc = its last 4
 * bytes, so nearly every mutation stops at the checksum) and with its last
 * 4 bytes replaced by the right CRC32, so the fuzzer also reaches every
 * check behind the checksum, as a crafted file would. A model that loads is
 * used (scores two vectors, 0 < p < 1), saved to a second folder, and the
 * saved svm.bin must be the loaded bytes, and load again to the same
 * scores. */
#include "fuzz_util.h"
#include <zlib.h>
#include "ks/alloc.h"
#include "ks/fileio.h"
#include "ks/svm_model.h"

#define CHECK(c) do { if (!(c)) __builtin_trap(); } while (0)
#define BITS 8

static ks_model *model_for(uint32_t crc)
{
    ks_feature_config fc;
    ks_train_config tc;
    ks_model *m = NULL;
    ks_feature_config_default(&fc);
    fc.hash_bits = BITS;
    ks_train_config_default(&tc);
    tc.algo = KS_ALGO_SVM;
    tc.family_crc = crc;
    CHECK(ks_model_new(&m, &fc, &tc) == KS_OK);
    return m;
}

static void score(const ks_svm *s, double p[2])
{
    ks_feature f[3] = {{0, 1.0f}, {1, -2.0f}, {(1u << BITS) - 1, 0.5f}};
    ks_fvec x = {f, 3, 3}, e = {NULL, 0, 0};
    p[0] = ks_svm_predict(s, &x);
    p[1] = ks_svm_predict(s, &e);
    CHECK(p[0] > 0 && p[0] < 1 && p[1] > 0 && p[1] < 1);
}

static void try_load(const char *dir, const char *out, const uint8_t *data, size_t size,
                     uint32_t family_crc)
{
    ks_model *m = model_for(family_crc), *m2 = NULL;
    ks_svm *s = NULL, *s2 = NULL;
    double p[2], q[2];
    fuzz_put(dir, "svm.bin", data, size);
    if (ks_svm_load(&s, m, dir) == KS_OK) {
        char path[512], *back = NULL;
        size_t len = 0;
        CHECK(s);
        score(s, p);
        CHECK(ks_svm_save(s, m, out) == KS_OK);
        snprintf(path, sizeof path, "%s/svm.bin", out);
        CHECK(ks_read_file(path, (size_t)1 << 22, &back, &len) == KS_OK);
        CHECK(len == size && memcmp(back, data, size) == 0);   /* field by field, exact */
        ks_free(back);
        CHECK(ks_model_load(&m2, out) == KS_OK);
        CHECK(ks_svm_load(&s2, m2, out) == KS_OK);
        score(s2, q);
        CHECK(memcmp(p, q, sizeof p) == 0);
        ks_svm_free(s2);
        ks_model_free(m2);
    } else
        CHECK(!s);
    ks_svm_free(s);
    ks_model_free(m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char dir[300], out[300];
    fuzz_in_out(dir, out);
    if (size > (1u << 20))
        return 0;
    if (size >= 4) {
        uint32_t stored = 0, crc;
        uint8_t *fixed;
        for (int i = 0; i < 4; i++)
            stored |= (uint32_t)data[size - 4 + i] << (8 * i);
        try_load(dir, out, data, size, stored);
        if (!(fixed = fuzz_fix_crc(data, size, &crc)))
            return 0;
        if (crc != stored)
            try_load(dir, out, fixed, size, crc);
        free(fixed);
    } else
        try_load(dir, out, data, size, 0);
    return 0;
}
