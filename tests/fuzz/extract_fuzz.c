/* extract_fuzz.c - libFuzzer target: message -> features (ks_extract) with
 * every family and a training view (ks_extract_view), as spam-train runs
 * them, on raw mail and on plain text. Checks what the model relies on:
 * indices strictly ascending and inside 2^bits, finite values, unit
 * length, the same vectors from a fresh extractor (no state carried from
 * one message to the next), and the example codec round trip. */
#include "fuzz_util.h"
#include <math.h>
#include "ks/buf.h"
#include "ks/features.h"

static void check_vec(const ks_fvec *v, uint32_t bits)
{
    double norm = 0;
    for (uint32_t i = 0; i < v->n; i++) {
        if (v->f[i].index >> bits || (i && v->f[i].index <= v->f[i - 1].index) ||
            !isfinite(v->f[i].value) || v->f[i].value == 0.0f)
            __builtin_trap();
        norm += (double)v->f[i].value * v->f[i].value;
    }
    if (v->n && fabs(norm - 1.0) > 1e-3)
        __builtin_trap();
}

static int same(const ks_fvec *a, const ks_fvec *b)
{
    return a->n == b->n && (!a->n || !memcmp(a->f, b->f, a->n * sizeof *a->f));
}

/* Extracts m with ex into x and v (view); 0 when the message was refused. */
static int run(ks_extractor *ex, const ks_message *m, ks_fvec *x, ks_fvec *v)
{
    ks_status st = ks_extract(ex, m, x);
    if (st == KS_ERR_LIMIT || st == KS_ERR_NOMEM)
        return 0;
    if (st != KS_OK || ks_extract_view(ex, v) != KS_OK)
        __builtin_trap();
    return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static ks_extractor *ex[2];
    static ks_feature_config fc[2];
    ks_fvec x = {0}, v = {0}, x2 = {0}, v2 = {0}, dx = {0}, dv = {0};
    ks_extractor *fresh;
    ks_buf enc = {0};
    int pair;
    if (!ex[0])
        for (int k = 0; k < 2; k++) {
            ks_feature_config_default(&fc[k]);
            fc[k].hash_bits = k ? 20 : 10;
            fc[k].ngram_bytes = k ? 3000 : 64;
            fc[k].view = KS_VIEW_DEFAULT;
            if (ks_extractor_new(&ex[k], &fc[k]) != KS_OK)
                __builtin_trap();
        }
    if (size < 1)
        return 0;
    int k = data[0] & 1;
    ks_message m = {.id = "f", .label = 0, .kind = (data[0] & 2) ? KS_MSG_MAIL : KS_MSG_TEXT,
                    .data = (const char *)data + 1, .len = size - 1, .file = "fuzz", .line = 1};
    if (!run(ex[k], &m, &x, &v))
        return 0;
    check_vec(&x, fc[k].hash_bits);
    check_vec(&v, fc[k].hash_bits);
    if (ks_extractor_new(&fresh, &fc[k]) != KS_OK)
        __builtin_trap();
    if (run(fresh, &m, &x2, &v2) && (!same(&x, &x2) || !same(&v, &v2)))
        __builtin_trap();   /* state from the previous message leaked */
    ks_extractor_free(fresh);
    if (ks_fvec_encode(&x, &enc) != KS_OK || ks_fvec_encode(&v, &enc) != KS_OK ||
        ks_example_decode((const unsigned char *)enc.data, enc.len, 1u << fc[k].hash_bits,
                          &dx, &dv, &pair) != KS_OK ||
        !pair || !same(&x, &dx) || !same(&v, &dv) ||
        ks_fvec_first_size((const unsigned char *)enc.data, enc.len) >= enc.len)
        __builtin_trap();
    ks_buf_free(&enc);
    ks_fvec_free(&x);
    ks_fvec_free(&v);
    ks_fvec_free(&x2);
    ks_fvec_free(&v2);
    ks_fvec_free(&dx);
    ks_fvec_free(&dv);
    return 0;
}
