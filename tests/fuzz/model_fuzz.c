/* model_fuzz.c - libFuzzer target: the model loader (model.h). Each input
 * is loaded twice: as it is (the CRC rejects nearly every mutation) and
 * with its last 4 bytes replaced by the right CRC32, so the fuzzer also
 * reaches every check behind the checksum, as a crafted file would. A
 * model that loads is used: predict, check, save to a second folder; the
 * scoring-only load must agree. */
#include "fuzz_util.h"
#include <zlib.h>
#include "ks/model.h"

static void try_load(const char *dir, const char *out, const uint8_t *data, size_t size)
{
    ks_model *m = NULL, *s = NULL;
    int full;
    fuzz_put(dir, "model.bin", data, size);
    /* the scoring-only load accepts whatever the full load accepts (it
     * checks a subset: replay examples framed, not decoded), and a model
     * it accepts scores within (0, 1) too */
    full = ks_model_load(&m, dir) == KS_OK;
    if (ks_model_load_scoring(&s, dir) == KS_OK) {
        ks_feature f[2] = {{0, 1.0f}, {1, -2.0f}};
        ks_fvec x = {f, 2, 2};
        double p = ks_model_predict(s, &x);
        if (!(p > 0 && p < 1) || (full && p != ks_model_predict(m, &x)))
            __builtin_trap();
    } else if (full) {
        __builtin_trap();
    }
    ks_model_free(s);
    if (full) {
        ks_feature f[2] = {{0, 1.0f}, {1, -2.0f}};
        ks_fvec x = {f, 2, 2};
        double p = ks_model_predict(m, &x);
        if (!(p > 0 && p < 1))
            __builtin_trap();   /* contract: 0 < p < 1 for a loaded model */
        (void)ks_model_check_compatible(m, ks_model_features(m));
        /* nonzero and save walk all 2^hash_bits buckets: fine for a real
         * 28-bit model (about 1 s), a 20 s timeout under ASan per input */
        if (ks_model_features(m)->hash_bits <= 16) {
            (void)ks_model_nonzero(m);
            (void)ks_model_save(m, out);
        }
    }
    ks_model_free(m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char dir[300], out[300];
    uint32_t crc;
    uint8_t *fixed;
    fuzz_in_out(dir, out);
    if (size > (1u << 20))
        return 0;
    try_load(dir, out, data, size);
    if ((fixed = fuzz_fix_crc(data, size, &crc))) {
        try_load(dir, out, fixed, size);
        free(fixed);
    }
    return 0;
}
