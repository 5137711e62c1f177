/* model_io_test.c - the model folder: round trip, exact continuation of
 * training across save/load, parent checksums, model.json, and every way
 * a model.bin can be bad (each must give KS_ERR_MODEL with its own detail;
 * any flipped bit must be caught), plus allocation failures.
 *
 * Offsets below follow the layout at the top of model/model_io.c.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>
#include "ks/alloc.h"
#include "ks/fileio.h"
#include "ks/model.h"
#include "../../model/model_internal.h"

#define OFF_VERSION 8
#define OFF_ENDIAN 12
#define OFF_HASH_BITS 16
#define OFF_ALPHA 48
#define OFF_THRESHOLD 108
#define OFF_CAL_A 116
#define OFF_CAL_B 124
#define OFF_CAL_SCORES 132
#define OFF_CAL_RULE 136
#define OFF_CAL_TARGET 140
#define OFF_LOSS 148   /* was a reserved 0 */
#define OFF_HIST_COUNT 156
#define OFF_COORDS_NOHIST 184   /* first coordinate when H = 0 */

static char dir[64];
static char bin[128];

static void setup(void)
{
    strcpy(dir, "/tmp/ks_model_io_XXXXXX");
    cr_assert_not_null(mkdtemp(dir));
    snprintf(bin, sizeof bin, "%s/model.bin", dir);
}

static void teardown(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    (void)system(cmd);
}

TestSuite(model_io, .init = setup, .fini = teardown);

static uint32_t lcg(uint32_t *s)
{
    *s = *s * 1103515245u + 12345u;
    return (*s >> 8) & 0xFFFF;
}

/* Trains on count synthetic examples drawn with seed (values vary so
 * that float rounding of z and n is exercised). */
static void train(ks_model *m, uint32_t seed, int count)
{
    for (int i = 0; i < count; i++) {
        ks_feature f[6];
        ks_fvec x = {f, 0, 6};
        int y = lcg(&seed) & 1;
        uint32_t idx = (y ? 5 : 40) + lcg(&seed) % 7;
        for (int k = 0; k < 6; k++, idx += 1 + lcg(&seed) % 30)   /* < 256 */
            f[x.n++] = (ks_feature){idx, 0.1f + (float)(lcg(&seed) % 100) / 37.0f};
        ks_model_learn(m, &x, y, y ? 1.3 : 0.7);
        cr_assert_eq(ks_model_replay_offer(m, &x, y), KS_OK);
    }
}

static ks_model *fresh(uint32_t hash_bits)
{
    ks_feature_config fc;
    ks_train_config tc;
    ks_model *m;
    ks_feature_config_default(&fc);
    fc.hash_bits = hash_bits;
    ks_train_config_default(&tc);
    tc.l1 = 0.01;
    cr_assert_eq(ks_model_new(&m, &fc, &tc), KS_OK);
    return m;
}

static ks_history_entry entry(const char *mode, const char *dataset, int64_t t)
{
    ks_history_entry h;
    memset(&h, 0, sizeof h);
    strcpy(h.mode, mode);
    strcpy(h.dataset, dataset);
    h.dataset_bytes = 123456789012ull;
    h.messages[0] = 1000;
    h.messages[1] = 250;
    h.skipped = 3;
    h.passes = 5;
    h.time = t;
    return h;
}

static void assert_same_entry(const ks_history_entry *a,
                              const ks_history_entry *b)
{
    cr_assert_str_eq(a->mode, b->mode);
    cr_assert_str_eq(a->dataset, b->dataset);
    cr_assert_eq(a->dataset_bytes, b->dataset_bytes);
    cr_assert_eq(a->messages[0], b->messages[0]);
    cr_assert_eq(a->messages[1], b->messages[1]);
    cr_assert_eq(a->skipped, b->skipped);
    cr_assert_eq(a->passes, b->passes);
    cr_assert_eq(a->time, b->time);
}

static void assert_same_state(const ks_model *a, const ks_model *b)
{
    cr_assert_eq(a->dim, b->dim);
    cr_assert_eq(memcmp(a->zn, b->zn, 2 * (size_t)a->dim * sizeof *a->zn), 0, "z or n differs");
    cr_assert_eq(memcmp(&a->bias_z, &b->bias_z, sizeof a->bias_z), 0);
    cr_assert_eq(memcmp(&a->bias_n, &b->bias_n, sizeof a->bias_n), 0);
}

static char *slurp(const char *path, size_t *len)
{
    char *data;
    cr_assert_eq(ks_read_file(path, 1 << 26, &data, len), KS_OK);
    return data;
}

static void put_file(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    cr_assert_not_null(f);
    cr_assert_eq(fwrite(data, 1, len, f), len);
    cr_assert_eq(fclose(f), 0);
}

static void put_le32(unsigned char *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static uint32_t le32(const unsigned char *p)
{
    return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

static void fix_crc(unsigned char *p, size_t len)
{
    put_le32(p + len - 4, (uint32_t)crc32(0L, p, (uInt)(len - 4)));
}

Test(model_io, round_trip_keeps_everything)
{
    ks_model *m = fresh(12), *l;
    ks_history_entry h1 = entry("initial", "/data/a", 1700000000);
    ks_history_entry h2 = entry("incremental", "in/b \"quoted\"", 1700003600);
    unsigned char *data;
    size_t len;
    train(m, 1, 300);
    ks_model_set_threshold(m, 0.42);
    cr_assert_eq(ks_model_add_history(m, &h1), KS_OK);
    cr_assert_eq(ks_model_add_history(m, &h2), KS_OK);
    cr_assert_eq(ks_model_save(m, dir), KS_OK);
    data = (unsigned char *)slurp(bin, &len);
    cr_assert_eq(memcmp(data, "KSPAMMDL", 8), 0);
    cr_assert_eq(ks_model_checksum(m), le32(data + len - 4));
    cr_assert_eq(ks_model_checksum(m), (uint32_t)crc32(0L, data, (uInt)(len - 4)));
    cr_assert_eq(ks_model_parent_checksum(m), 0);
    cr_assert_eq(le32(data + OFF_HIST_COUNT), 2);
    cr_assert_eq(ks_model_load(&l, dir), KS_OK);
    cr_assert_eq(memcmp(ks_model_features(l), ks_model_features(m),
                        sizeof(ks_feature_config)), 0);
    cr_assert_eq(ks_model_train_config(l)->alpha, m->tc.alpha);
    cr_assert_eq(ks_model_train_config(l)->beta, m->tc.beta);
    cr_assert_eq(ks_model_train_config(l)->l1, m->tc.l1);
    cr_assert_eq(ks_model_train_config(l)->l2, m->tc.l2);
    cr_assert_eq(ks_model_train_config(l)->passes, m->tc.passes);
    cr_assert_eq(ks_model_train_config(l)->seed, m->tc.seed);
    cr_assert_eq(ks_model_train_config(l)->balance, m->tc.balance);
    cr_assert_eq(ks_model_threshold(l), 0.42);
    cr_assert_eq(ks_model_history_count(l), 2);
    assert_same_entry(ks_model_history(l, 0), &h1);
    assert_same_entry(ks_model_history(l, 1), &h2);
    cr_assert_eq(ks_model_checksum(l), ks_model_checksum(m));
    cr_assert_eq(ks_model_parent_checksum(l), 0);
    cr_assert_eq(ks_model_nonzero(l), ks_model_nonzero(m));
    assert_same_state(m, l);
    free(data);
    ks_model_free(m);
    ks_model_free(l);
}

Test(model_io, continuation_is_bit_identical)
{
    /* A then save/load then B == A then B in one model */
    ks_model *one = fresh(10), *two = fresh(10), *back;
    train(one, 11, 400);
    train(two, 11, 400);
    cr_assert_eq(ks_model_save(two, dir), KS_OK);
    ks_model_free(two);
    cr_assert_eq(ks_model_load(&back, dir), KS_OK);
    train(one, 22, 400);
    train(back, 22, 400);
    assert_same_state(one, back);
    ks_model_free(one);
    ks_model_free(back);
}

Test(model_io, parent_checksum_chain)
{
    ks_model *m = fresh(10), *l, *l2;
    char d2[128];
    uint32_t c1, c2;
    train(m, 3, 50);
    cr_assert_eq(ks_model_save(m, dir), KS_OK);
    c1 = ks_model_checksum(m);
    cr_assert_neq(c1, 0);
    cr_assert_eq(ks_model_load(&l, dir), KS_OK);
    cr_assert_eq(ks_model_checksum(l), c1);
    cr_assert_eq(ks_model_parent_checksum(l), 0);
    train(l, 4, 50);
    snprintf(d2, sizeof d2, "%s/next", dir);
    cr_assert_eq(ks_ensure_dir(d2), KS_OK);
    cr_assert_eq(ks_model_save(l, d2), KS_OK);
    c2 = ks_model_checksum(l);
    cr_assert_neq(c2, c1);
    cr_assert_eq(ks_model_parent_checksum(l), c1);
    cr_assert_eq(ks_model_load(&l2, d2), KS_OK);
    cr_assert_eq(ks_model_parent_checksum(l2), c1);
    cr_assert_eq(ks_model_checksum(l2), c2);
    ks_model_free(m);
    ks_model_free(l);
    ks_model_free(l2);
}

Test(model_io, model_json_describes_the_model)
{
    ks_model *m = fresh(10), *l;
    ks_history_entry h = entry("initial", "data\\set", 1700000000);
    char path[160], *js, want[64];
    size_t len;
    train(m, 5, 100);
    cr_assert_eq(ks_model_add_history(m, &h), KS_OK);
    cr_assert_eq(ks_model_save(m, dir), KS_OK);
    cr_assert_eq(ks_model_load(&l, dir), KS_OK);
    cr_assert_eq(ks_model_save(l, dir), KS_OK);   /* now has a parent */
    snprintf(path, sizeof path, "%s/model.json", dir);
    js = slurp(path, &len);
    static const char *keys[] = {
        "\"format_version\": 3", "\"hash_bits\": 10", "\"family_names\": [",
        "\"alpha\": 0.5", "\"loss\": \"hinge\"", "\"l1\": 0.01", "\"l2\": 1e-06", "\"passes\": 8",
        "\"threshold\": 0.5", "\"examples_seen\": {\n    \"ham\": 1000,\n    \"spam\": 250",
        "\"mode\": \"initial\"", "\"dataset\": \"data\\\\set\"",
        "\"dataset_bytes\": 123456789012", "\"skipped\": 3",
        "\"time\": \"2023-11-14T22:13:20Z\"", "\"nonzero_weights\": "};
    for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++)
        cr_assert_not_null(strstr(js, keys[k]), "missing %s in\n%s", keys[k], js);
    snprintf(want, sizeof want, "\"checksum\": \"%08x\"", ks_model_checksum(l));
    cr_assert_not_null(strstr(js, want), "%s", want);
    snprintf(want, sizeof want, "\"parent_checksum\": \"%08x\"", ks_model_checksum(m));
    cr_assert_not_null(strstr(js, want), "%s", want);
    cr_assert_eq(js[len - 1], '\n');
    ks_free(js);
    ks_model_free(m);
    ks_model_free(l);
}

/* Saves a small model (no history) and returns its bytes. */
static unsigned char *saved_bytes(size_t *len)
{
    ks_model *m = fresh(10);
    train(m, 9, 40);
    cr_assert_eq(ks_model_save(m, dir), KS_OK);
    ks_model_free(m);
    return (unsigned char *)slurp(bin, len);
}

/* Loading must fail with KS_ERR_MODEL, the path and `what` in the detail;
 * the same with the scoring-only load (which frames the replay examples
 * without decoding them, and must refuse the same files otherwise). */
static void expect_bad(const char *what)
{
    for (int scoring = 0; scoring < 2; scoring++) {
        ks_model *m = (ks_model *)1;
        ks_status st = scoring ? ks_model_load_scoring(&m, dir) : ks_model_load(&m, dir);
        cr_assert_eq(st, KS_ERR_MODEL, "%s (scoring %d): %s", what, scoring,
                     ks_error_detail());
        cr_assert_null(m);
        cr_assert_not_null(strstr(ks_error_detail(), what), "want \"%s\" in \"%s\"",
                           what, ks_error_detail());
        cr_assert_not_null(strstr(ks_error_detail(), bin), "%s", ks_error_detail());
    }
}

/* Writes data with one change (and, if fix, a valid CRC), expects what. */
static void corrupt(const unsigned char *orig, size_t len, size_t off,
                    const void *bytes, size_t n, int fix, const char *what)
{
    unsigned char *d = malloc(len);
    memcpy(d, orig, len);
    memcpy(d + off, bytes, n);
    if (fix)
        fix_crc(d, len);
    put_file(bin, d, len);
    expect_bad(what);
    free(d);
}

Test(model_io, missing_short_magic_version_endianness)
{
    size_t len;
    unsigned char *d;
    expect_bad("missing");
    put_file(bin, "KSPAMMDL", 8);
    expect_bad("too short");
    d = saved_bytes(&len);
    corrupt(d, len, 0, "KSPAMMDX", 8, 0, "not a ks model file");
    corrupt(d, len, OFF_VERSION, "\x02\0\0\0", 4, 0,
            "format version 2, this program reads 3");
    corrupt(d, len, OFF_ENDIAN, "\x01\x02\x03\x04", 4, 1, "other endianness");
    put_file(bin, d, 100);
    expect_bad("truncated");
    free(d);
}

Test(model_io, checksum_and_structure)
{
    size_t len;
    unsigned char *d = saved_bytes(&len), big[4], nan32[4], idx[4];
    float qnan = NAN;
    put_le32(big, 1000000);
    memcpy(nan32, &qnan, 4);   /* host float layout: the file's on x86/arm */
    unsigned char flipped = d[len / 2] ^ 0xff;
    corrupt(d, len, len / 2, &flipped, 1, 0, "checksum mismatch: file is corrupt");
    /* counts past the end, with a valid CRC */
    corrupt(d, len, OFF_HIST_COUNT, big, 4, 1, "truncated");
    corrupt(d, len, OFF_COORDS_NOHIST - 8, big, 4, 1, "truncated");
    /* settings out of range */
    corrupt(d, len, OFF_HASH_BITS, "\x28\0\0\0", 4, 1, "feature settings out of range");
    corrupt(d, len, OFF_ALPHA, "\0\0\0\0\0\0\xf0\xbf", 8, 1,   /* -1.0 */
            "training settings out of range");
    /* a coordinate outside 2^10, and a NaN state */
    put_le32(idx, 1024);
    corrupt(d, len, OFF_COORDS_NOHIST, idx, 4, 1, "out of range");
    corrupt(d, len, OFF_COORDS_NOHIST + 4, nan32, 4, 1, "not finite");
    corrupt(d, len, OFF_COORDS_NOHIST + 8, nan32, 4, 1, "not finite");
    free(d);
}

/* The reservoirs of a and b hold the same examples in the same slots. */
static void same_reservoir(const ks_model *a, const ks_model *b)
{
    ks_fvec x = {0}, y = {0};
    cr_assert_eq(ks_model_replay_count(a), ks_model_replay_count(b));
    for (size_t i = 0; i < ks_model_replay_count(a); i++) {
        int la, lb;
        cr_assert_eq(ks_model_replay_get(a, i, &x, &la), KS_OK);
        cr_assert_eq(ks_model_replay_get(b, i, &y, &lb), KS_OK);
        cr_assert_eq(la, lb);
        cr_assert_eq(x.n, y.n);
        cr_assert_eq(memcmp(x.f, y.f, x.n * sizeof *x.f), 0);
    }
    ks_fvec_free(&x);
    ks_fvec_free(&y);
}

Test(model_io, replay_reservoir_round_trip_and_sampling)
{
    ks_model *m, *l;
    ks_feature_config fc;
    ks_train_config tc;
    ks_fvec x = {0};
    int label, spam = 0;
    ks_feature_config_default(&fc);
    fc.hash_bits = 10;
    ks_train_config_default(&tc);
    tc.replay = 16;
    cr_assert_eq(ks_model_new(&m, &fc, &tc), KS_OK);
    train(m, 5, 200);   /* 200 offers into 16 slots */
    cr_assert_eq(ks_model_replay_count(m), 16);
    cr_assert_eq(ks_model_save(m, dir), KS_OK);
    cr_assert_eq(ks_model_load(&l, dir), KS_OK);
    same_reservoir(m, l);
    cr_assert_eq(l->replay_seen, 200);
    cr_assert_eq(l->replay_rng, m->replay_rng);
    /* examples decode to what train() made: 6 ascending indices < 256 */
    for (size_t i = 0; i < 16; i++) {
        cr_assert_eq(ks_model_replay_get(l, i, &x, &label), KS_OK);
        cr_assert_eq(x.n, 6);
        for (uint32_t k = 1; k < x.n; k++)
            cr_assert_lt(x.f[k - 1].index, x.f[k].index);
        cr_assert_lt(x.f[5].index, 256);
        spam += label;
    }
    cr_assert(spam > 0 && spam < 16, "a sample of both classes (%d spam)", spam);
    /* continuing after a load samples exactly as continuing in memory */
    train(m, 77, 100);
    train(l, 77, 100);
    same_reservoir(m, l);
    cr_assert_eq(m->replay_seen, 300);
    ks_fvec_free(&x);
    ks_model_free(m);
    ks_model_free(l);
}

/* The arena keeps every slot's bytes through replacements and
 * compactions: after each offer at most one slot changed, and to the
 * offered bytes; memory stays near the live bytes (no growth with the
 * number of offers). Lengths vary (1..700 bytes) so entries move. */
Test(model_io, replay_arena_keeps_examples_through_compaction)
{
    enum { K = 8, OFFERS = 3000 };
    static unsigned char shadow[K][701], blob[701];
    size_t shadow_len[K] = {0}, live, most = 0;
    ks_model *m;
    ks_feature_config fc;
    ks_train_config tc;
    uint64_t s = 12345;
    ks_feature_config_default(&fc);
    fc.hash_bits = 10;
    ks_train_config_default(&tc);
    tc.replay = K;
    cr_assert_eq(ks_model_new(&m, &fc, &tc), KS_OK);
    for (int t = 0; t < OFFERS; t++) {
        size_t len = 1 + (size_t)((s = s * 6364136223846793005ull + 1) >> 33) % 700;
        int changed = -1;
        for (size_t k = 0; k < len; k++)
            blob[k] = (unsigned char)(t * 31 + k);
        cr_assert_eq(ks_model_replay_offer_encoded(m, blob, len, t & 1), KS_OK);
        live = 0;
        for (size_t i = 0; i < ks_model_replay_count(m); i++) {
            const unsigned char *d;
            size_t n;
            int label;
            ks_model_replay_encoded(m, i, &d, &n, &label);
            live += n + 8;
            if (n == shadow_len[i] && memcmp(d, shadow[i], n) == 0)
                continue;
            cr_assert_eq(changed, -1, "offer %d changed two slots", t);
            cr_assert(n == len && memcmp(d, blob, n) == 0, "offer %d: slot %zu corrupt", t, i);
            cr_assert_eq(label, t & 1);
            memcpy(shadow[i], d, n);
            shadow_len[i] = n;
            changed = (int)i;
        }
        if (m->arena_cap > most)
            most = m->arena_cap;
        cr_assert_leq(m->arena_used, m->arena_cap);
    }
    cr_assert_gt(m->replay_seen, 2 * K);
    /* bounded by the largest possible live set plus slack, not by offers */
    cr_assert_leq(most, 2 * K * (700 + 8) + 4096, "arena grew to %zu", most);
    ks_model_free(m);
}

static uint64_t ref_mix(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* Offer t: len bytes, the first four t, the rest from t. */
static size_t replay_blob(uint32_t t, size_t spread, unsigned char *b)
{
    size_t len = 4 + (t * 2654435761u) % spread;
    for (size_t k = 0; k < len; k++)
        b[k] = (unsigned char)(t * 7 + k);
    memcpy(b, &t, 4);
    return len;
}

static int replay_blob_ok(const unsigned char *d, size_t n, size_t spread)
{
    static unsigned char want[16384];
    uint32_t t;
    if (n < 4)
        return 0;
    memcpy(&t, d, 4);
    return replay_blob(t, spread, want) == n && memcmp(d, want, n) == 0;
}

/* Below its byte bound the reservoir is Algorithm R exactly (a reference
 * copy here); past it the kept bytes never exceed it, fewer examples are
 * kept, each intact, and a save and load continues as in memory. The
 * bound is set to 16 MiB here (replay_max; BOUND, 256 MiB, would
 * take 300 MB of offers to reach). */
#define BOUND ((size_t)16 << 20)
Test(model_io, replay_reservoir_bounded_by_bytes)
{
    static unsigned char blob[16384];
    enum { K = 4096 };
    ks_model *m, *l;
    ks_feature_config fc;
    ks_train_config tc;
    uint32_t *ref = malloc(K * sizeof *ref);
    uint64_t rng, seen = 0;
    size_t nref = 0;
    ks_feature_config_default(&fc);
    fc.view = 0;   /* offer_encoded keeps the bytes as they are */
    fc.hash_bits = 10;
    ks_train_config_default(&tc);
    tc.replay = K;
    /* small examples: 20000 offers of at most 203 bytes fit */
    cr_assert_eq(ks_model_new(&m, &fc, &tc), KS_OK);
    rng = tc.seed ^ 0x7265706c6179ull;
    for (uint32_t t = 0; t < 20000; t++) {
        size_t len = replay_blob(t, 200, blob);
        cr_assert_eq(ks_model_replay_offer_encoded(m, blob, len, t & 1), KS_OK);
        seen++;
        if (nref < K) {
            ref[nref++] = t;
        } else {
            uint64_t j = ref_mix(&rng) % seen;
            if (j < K)
                ref[j] = t;
        }
    }
    cr_assert_eq(ks_model_replay_count(m), K);
    for (size_t i = 0; i < K; i++) {
        const unsigned char *d;
        size_t n;
        int label;
        uint32_t t;
        ks_model_replay_encoded(m, i, &d, &n, &label);
        memcpy(&t, d, 4);
        cr_assert_eq(t, ref[i], "slot %zu: offer %u, Algorithm R keeps %u", i, t, ref[i]);
    }
    ks_model_free(m);
    /* large examples: 6000 offers of ~8 KB (48 MB; 4096 of them ~32 MB)
     * into the bound (16 MiB) */
    cr_assert_eq(ks_model_new(&m, &fc, &tc), KS_OK);
    m->replay_max = BOUND;
    for (uint32_t t = 0; t < 6000; t++) {
        size_t len = replay_blob(t, 16000, blob);
        cr_assert_eq(ks_model_replay_offer_encoded(m, blob, len, t & 1), KS_OK);
        cr_assert_leq(ks_model_replay_bytes(m), BOUND, "offer %u: %zu bytes kept", t,
                      ks_model_replay_bytes(m));
    }
    cr_assert_lt(ks_model_replay_count(m), K);
    cr_assert_gt(ks_model_replay_count(m), BOUND / 16100, "%zu kept",
                 ks_model_replay_count(m));
    for (size_t i = 0; i < ks_model_replay_count(m); i++) {
        const unsigned char *d;
        size_t n;
        int label;
        ks_model_replay_encoded(m, i, &d, &n, &label);
        cr_assert(replay_blob_ok(d, n, 16000), "slot %zu is not an offered example", i);
    }
    cr_assert_leq(m->arena_cap, BOUND + BOUND / 8 + 8192);
    ks_model_free(m);
    /* real vectors past the bound: saved, loaded, continued as in memory */
    fc.hash_bits = 20;
    cr_assert_eq(ks_model_new(&m, &fc, &tc), KS_OK);
    m->replay_max = BOUND;
    for (uint32_t t = 0; t < 7000; t++) {
        if (t == 6000) {
            cr_assert_eq(ks_model_save(m, dir), KS_OK);
            /* continued in a file: drops rewrite an entry's owner there */
            cr_assert_eq(ks_model_load_spilled(&l, dir), KS_OK, "%s", ks_error_detail());
            cr_assert_null(l->replay_arena);
            l->replay_max = BOUND;
            same_reservoir(m, l);
        }
        ks_fvec x = {0};
        x.n = 4000 + (t * 2654435761u) % 8000;   /* ~8 KB encoded */
        x.f = malloc(x.n * sizeof *x.f);
        for (uint32_t k = 0; k < x.n; k++) {
            x.f[k].index = k * 80 + t % 80;   /* < 2^20 */
            x.f[k].value = 1.0f;
        }
        cr_assert_eq(ks_model_replay_offer(m, &x, t & 1), KS_OK);
        if (t >= 6000)
            cr_assert_eq(ks_model_replay_offer(l, &x, t & 1), KS_OK);
        cr_assert_leq(ks_model_replay_bytes(m), BOUND);
        free(x.f);
    }
    cr_assert_lt(ks_model_replay_count(m), K);
    same_reservoir(m, l);
    ks_model_free(m);
    ks_model_free(l);
    free(ref);
}

Test(model_io, replay_encoding_round_trips_both_forms)
{
    ks_model *m;
    ks_feature_config fc;
    ks_train_config tc;
    ks_feature f1[3] = {{3, 0.5f}, {700, -0.5f}, {1023, 0.5f}};       /* one magnitude */
    ks_feature f2[3] = {{0, 0.25f}, {1, -1.5f}, {999, 3.0f}};         /* values */
    ks_fvec a = {f1, 3, 3}, b = {f2, 3, 3}, e = {0}, out = {0};
    int label;
    ks_feature_config_default(&fc);
    fc.hash_bits = 10;
    ks_train_config_default(&tc);
    cr_assert_eq(ks_model_new(&m, &fc, &tc), KS_OK);
    cr_assert_eq(ks_model_replay_offer(m, &a, 1), KS_OK);
    cr_assert_eq(ks_model_replay_offer(m, &b, 0), KS_OK);
    cr_assert_eq(ks_model_replay_offer(m, &e, 0), KS_OK);
    cr_assert_eq(ks_model_replay_get(m, 0, &out, &label), KS_OK);
    cr_assert_eq(label, 1);
    cr_assert_eq(out.n, 3);
    cr_assert_eq(memcmp(out.f, f1, sizeof f1), 0);
    cr_assert_eq(ks_model_replay_get(m, 1, &out, &label), KS_OK);
    cr_assert_eq(label, 0);
    cr_assert_eq(memcmp(out.f, f2, sizeof f2), 0);
    cr_assert_eq(ks_model_replay_get(m, 2, &out, &label), KS_OK);
    cr_assert_eq(out.n, 0);
    ks_fvec_free(&out);
    ks_model_free(m);
}

Test(model_io, replay_section_corruption_is_detected)
{
    size_t len;
    unsigned char *d = saved_bytes(&len);
    /* the replay section follows the coordinates; a crafted file has a
     * valid CRC, so the loader itself must refuse a bad label or count */
    size_t nnz = le32(d + OFF_COORDS_NOHIST - 8), sec = OFF_COORDS_NOHIST + nnz * 12;
    unsigned char seven = 7, big[4];
    put_le32(big, 0x7fffffff);
    cr_assert_gt(le32(d + sec), 0, "the model has replay examples");
    corrupt(d, len, sec + 28, &seven, 1, 1, "replay example 0 is invalid");
    corrupt(d, len, sec + 29, big, 4, 1, "replay example 0 is invalid");
    corrupt(d, len, sec, big, 4, 1, "replay reservoir header is invalid");
    free(d);
}

/* The scoring-only load: the same model for scoring (state, settings,
 * calibration, checksum), no reservoir, and no save (it would drop the
 * reservoir); a replay example whose bytes do not decode is refused by
 * the full load only (the CRC still covers it: any flipped bit is caught). */
Test(model_io, scoring_load_skips_the_reservoir_only)
{
    ks_model *m = fresh(10), *full, *sc;
    size_t len, nnz, sec;
    unsigned char *d;
    train(m, 9, 40);
    cr_assert_eq(ks_model_save(m, dir), KS_OK);
    cr_assert_eq(ks_model_load(&full, dir), KS_OK);
    cr_assert_eq(ks_model_load_scoring(&sc, dir), KS_OK);
    cr_assert_gt(ks_model_replay_count(full), 0);
    cr_assert_eq(ks_model_replay_count(sc), 0);
    cr_assert_eq(ks_model_checksum(sc), ks_model_checksum(full));
    cr_assert_eq(memcmp(sc->zn, full->zn, 2 * (size_t)full->dim * sizeof *full->zn), 0);
    cr_assert_eq(sc->bias_z, full->bias_z);
    cr_assert_eq(sc->bias_n, full->bias_n);
    cr_assert_eq(ks_model_threshold(sc), ks_model_threshold(full));
    cr_assert_eq(memcmp(ks_model_calibration(sc), ks_model_calibration(full),
                        sizeof(ks_calibration)), 0);
    cr_assert_eq(ks_model_save(sc, dir), KS_ERR_USAGE);
    cr_assert_eq(ks_model_replay_offer_encoded(sc, "x", 1, 0), KS_ERR_USAGE);
    ks_model_free(full);
    ks_model_free(sc);
    ks_model_free(m);
    /* example 0's first varint made endless (0xFF...): decode fails */
    d = (unsigned char *)slurp(bin, &len);
    nnz = le32(d + OFF_COORDS_NOHIST - 8);
    sec = OFF_COORDS_NOHIST + nnz * 12;
    cr_assert_geq(le32(d + sec + 29), 2);
    memset(d + sec + 33, 0xFF, le32(d + sec + 29));
    fix_crc(d, len);
    put_file(bin, d, len);
    cr_assert_eq(ks_model_load(&full, dir), KS_ERR_MODEL);
    cr_assert_not_null(strstr(ks_error_detail(), "replay example 0 is invalid"), "%s",
                       ks_error_detail());
    cr_assert_eq(ks_model_load_scoring(&sc, dir), KS_OK, "%s", ks_error_detail());
    ks_model_free(sc);
    free(d);
}

Test(model_io, trailing_bytes_are_rejected)
{
    size_t len;
    unsigned char *d = saved_bytes(&len), *e = calloc(1, len + 12);
    memcpy(e, d, len - 4);
    fix_crc(e, len + 12);
    put_file(bin, e, len + 12);
    expect_bad("unexpected bytes");
    free(d);
    free(e);
}

Test(model_io, every_flipped_bit_is_detected)
{
    ks_model *m = fresh(8), *l;
    ks_history_entry h = entry("initial", "x", 1);
    unsigned char *d;
    size_t len;
    train(m, 13, 10);
    cr_assert_eq(ks_model_add_history(m, &h), KS_OK);
    cr_assert_eq(ks_model_save(m, dir), KS_OK);
    ks_model_free(m);
    d = (unsigned char *)slurp(bin, &len);
    cr_assert_gt(len, 500);
    for (size_t i = 0; i < len; i++)
        for (int bit = 0; bit < 8; bit++) {
            d[i] ^= (unsigned char)(1u << bit);
            put_file(bin, d, len);
            l = NULL;
            cr_assert_eq(ks_model_load(&l, dir), KS_ERR_MODEL,
                         "byte %zu bit %d not detected", i, bit);
            d[i] ^= (unsigned char)(1u << bit);
        }
    put_file(bin, d, len);
    cr_assert_eq(ks_model_load(&l, dir), KS_OK);
    ks_model_free(l);
    free(d);
}

Test(model_io, save_into_missing_folder_fails)
{
    ks_model *m = fresh(8);
    char d2[128];
    snprintf(d2, sizeof d2, "%s/nope", dir);
    cr_assert_eq(ks_model_save(m, d2), KS_ERR_WRITE);
    cr_assert_eq(ks_model_checksum(m), 0);
    ks_model_free(m);
}

Test(model_io, allocation_failures_in_save_and_load)
{
    ks_model *m = fresh(10), *l;
    ks_history_entry h = entry("initial", "x", 1);
    unsigned long n;
    train(m, 17, 60);
    for (int i = 0; i < 6; i++)
        cr_assert_eq(ks_model_add_history(m, &h), KS_OK);
    for (n = 1;; n++) {
        ks_status st;
        ks_alloc_fail_at(n, 0);
        st = ks_model_save(m, dir);
        ks_alloc_fail_at(0, 0);
        if (st == KS_OK)
            break;
        cr_assert_eq(st, KS_ERR_NOMEM, "save, allocation %lu: %s", n,
                     ks_error_detail());
        cr_assert_eq(ks_model_checksum(m), 0);   /* unchanged on failure */
        cr_assert_lt(n, 100);
    }
    cr_assert_gt(n, 3);
    for (n = 1;; n++) {
        ks_status st;
        l = (ks_model *)1;
        ks_alloc_fail_at(n, 0);
        st = ks_model_load(&l, dir);
        ks_alloc_fail_at(0, 0);
        if (st == KS_OK)
            break;
        cr_assert_eq(st, KS_ERR_NOMEM, "load, allocation %lu: %s", n,
                     ks_error_detail());
        cr_assert_null(l);
        cr_assert_lt(n, 100);
    }
    cr_assert_gt(n, 4);
    assert_same_state(m, l);
    ks_model_free(m);
    ks_model_free(l);
}

static void put_f64le(unsigned char *p, double v)
{
    uint64_t u;
    memcpy(&u, &v, 8);
    for (int i = 0; i < 8; i++)
        p[i] = (unsigned char)(u >> (8 * i));
}

static double f64le(const unsigned char *p)
{
    uint64_t u = 0;
    double v;
    for (int i = 7; i >= 0; i--)
        u = u << 8 | p[i];
    memcpy(&v, &u, 8);
    return v;
}

Test(model_io, calibration_round_trip_at_its_offsets)
{
    ks_model *m = fresh(10), *l;
    ks_calibration c = {-1.75, 0.3125, KS_SCORES_CROSSFIT, KS_RULE_TARGET_FPR, 0.001};
    const ks_calibration *b;
    unsigned char *d;
    size_t len;
    train(m, 3, 50);
    ks_model_set_threshold(m, 0.8125);
    cr_assert_eq(ks_model_set_calibration(m, &c), KS_OK);
    cr_assert_eq(ks_model_save(m, dir), KS_OK);
    d = (unsigned char *)slurp(bin, &len);
    cr_assert_eq(le32(d + OFF_VERSION), 3);
    cr_assert_eq(f64le(d + OFF_THRESHOLD), 0.8125);
    cr_assert_eq(f64le(d + OFF_CAL_A), -1.75);
    cr_assert_eq(f64le(d + OFF_CAL_B), 0.3125);
    cr_assert_eq(le32(d + OFF_CAL_SCORES), KS_SCORES_CROSSFIT);
    cr_assert_eq(le32(d + OFF_CAL_RULE), KS_RULE_TARGET_FPR);
    cr_assert_eq(f64le(d + OFF_CAL_TARGET), 0.001);
    cr_assert_eq(le32(d + OFF_LOSS), KS_LOSS_HINGE);
    cr_assert_eq(ks_model_load(&l, dir), KS_OK);
    b = ks_model_calibration(l);
    cr_assert_eq(b->a, -1.75);
    cr_assert_eq(b->b, 0.3125);
    cr_assert_eq(b->scores, KS_SCORES_CROSSFIT);
    cr_assert_eq(b->rule, KS_RULE_TARGET_FPR);
    cr_assert_eq(b->target_fpr, 0.001);
    cr_assert_eq(ks_model_threshold(l), 0.8125);
    /* the loaded model predicts with the calibration: p = 1/(1+e^(a z + b)) */
    {
        ks_feature f[2] = {{7, 0.5f}, {300, 0.25f}};
        ks_fvec x = {f, 2, 2};
        double z = ks_model_margin(l, &x);
        cr_assert_float_eq(ks_model_predict(l, &x), 1.0 / (1.0 + exp(-1.75 * z + 0.3125)), 1e-15);
    }
    free(d);
    ks_model_free(m);
    ks_model_free(l);
}

Test(model_io, fresh_model_predicts_the_plain_sigmoid)
{
    ks_model *m = fresh(10);
    ks_feature f[1] = {{9, 1.0f}};
    ks_fvec x = {f, 1, 1};
    train(m, 4, 60);
    cr_assert_eq(ks_model_calibration(m)->a, -1.0);
    cr_assert_eq(ks_model_calibration(m)->b, 0.0);
    cr_assert_eq(ks_model_predict(m, &x), 1.0 / (1.0 + exp(-ks_model_margin(m, &x))));
    ks_model_free(m);
}

Test(model_io, set_calibration_checks_ranges)
{
    ks_model *m = fresh(10);
    const ks_calibration bad[] = {
        {0.0, 0, 1, 1, 0}, {1.0, 0, 1, 1, 0}, {-2e6, 0, 1, 1, 0}, {NAN, 0, 1, 1, 0},
        {-1, 2e6, 1, 1, 0}, {-1, INFINITY, 1, 1, 0}, {-1, 0, 3, 1, 0}, {-1, 0, 1, 3, 0},
        {-1, 0, 1, KS_RULE_TARGET_FPR, 0}, {-1, 0, 1, KS_RULE_TARGET_FPR, 1},
        {-1, 0, 1, KS_RULE_ACCURACY, 0.01}};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        cr_assert_eq(ks_model_set_calibration(m, &bad[i]), KS_ERR_USAGE, "case %zu", i);
        cr_assert_eq(ks_model_calibration(m)->a, -1.0, "case %zu changed the model", i);
    }
    ks_model_free(m);
}

Test(model_io, loader_rejects_calibration_out_of_range)
{
    size_t len;
    unsigned char *d = saved_bytes(&len), v[8], u[4];
    put_f64le(v, 0.5);   /* a > 0: probabilities would fall as spam scores rise */
    corrupt(d, len, OFF_CAL_A, v, 8, 1, "calibration out of range");
    put_f64le(v, NAN);
    corrupt(d, len, OFF_CAL_B, v, 8, 1, "calibration out of range");
    put_le32(u, 7);
    corrupt(d, len, OFF_CAL_SCORES, u, 4, 1, "calibration out of range");
    corrupt(d, len, OFF_CAL_RULE, u, 4, 1, "calibration out of range");
    put_le32(u, KS_RULE_TARGET_FPR);   /* with target 0 */
    corrupt(d, len, OFF_CAL_RULE, u, 4, 1, "calibration out of range");
    put_f64le(v, 0.01);                /* a target beside rule "fixed" */
    corrupt(d, len, OFF_CAL_TARGET, v, 8, 1, "calibration out of range");
    put_le32(u, 2);
    corrupt(d, len, OFF_LOSS, u, 4, 1, "loss must be");
    put_f64le(v, 1.5);
    corrupt(d, len, OFF_THRESHOLD, v, 8, 1, "threshold out of range");
    free(d);
}

/* ks_model_reset_weights (spam-update --relearn): every weight back to a
 * fresh model's, the reservoir, history, threshold and calibration kept;
 * learning from there is learning from scratch. */
Test(model_io, reset_weights_keeps_all_but_the_weights)
{
    ks_model *m = fresh(10), *z = fresh(10);
    ks_calibration c = {-1.5, 0.25, KS_SCORES_CROSSFIT, KS_RULE_ACCURACY, 0};
    ks_history_entry h = entry("initial", "d", 1700000000);
    ks_feature f[] = {{3, 0.6f}, {9, 0.8f}};
    ks_fvec x = {f, 2, 2};
    size_t kept;
    train(m, 3, 50);
    cr_assert_eq(ks_model_add_history(m, &h), KS_OK);
    ks_model_set_threshold(m, 0.625);
    cr_assert_eq(ks_model_set_calibration(m, &c), KS_OK);
    kept = ks_model_replay_count(m);
    cr_assert_gt(ks_model_nonzero(m), 0);
    ks_model_reset_weights(m);
    cr_assert_eq(ks_model_nonzero(m), 0);
    cr_assert_eq(ks_model_margin(m, &x), 0.0);
    cr_assert_eq(ks_model_replay_count(m), kept);
    cr_assert_eq(ks_model_history_count(m), 1);
    cr_assert_eq(ks_model_threshold(m), 0.625);
    cr_assert_eq(ks_model_calibration(m)->a, -1.5);
    /* the next step is a fresh model's first step, bit for bit */
    ks_model_learn(m, &x, 1, 1.0);
    ks_model_learn(z, &x, 1, 1.0);
    cr_assert_eq(ks_model_margin(m, &x), ks_model_margin(z, &x));
    ks_model_free(m);
    ks_model_free(z);
}

/* The loss is saved (model.bin offset 148, model.json "loss"); a file from
 * before the field (a reserved 0 there) loads as log loss, as it was
 * trained, and continues training with it. */
Test(model_io, loss_round_trip_and_older_files)
{
    for (uint32_t loss = KS_LOSS_LOG; loss <= KS_LOSS_HINGE; loss++) {
        ks_feature_config fc;
        ks_train_config tc;
        ks_model *m, *l;
        unsigned char *d;
        size_t len;
        char *json, path[128];
        ks_feature_config_default(&fc);
        fc.hash_bits = 10;
        ks_train_config_default(&tc);
        tc.loss = loss;
        cr_assert_eq(ks_model_new(&m, &fc, &tc), KS_OK);
        train(m, 3, 50);
        cr_assert_eq(ks_model_save(m, dir), KS_OK);
        d = (unsigned char *)slurp(bin, &len);
        cr_assert_eq(le32(d + OFF_LOSS), loss);
        free(d);
        snprintf(path, sizeof path, "%s/model.json", dir);
        json = slurp(path, &len);
        cr_assert(strstr(json, loss ? "\"loss\": \"hinge\"" : "\"loss\": \"log\""), "%s", json);
        free(json);
        cr_assert_eq(ks_model_load(&l, dir), KS_OK);
        cr_assert_eq(ks_model_train_config(l)->loss, loss);
        ks_model_free(l);
        ks_model_free(m);
    }
}

/* A model that trains on views keeps them in its settings; its
 * reservoir keeps the messages' vectors only (an offered example's view,
 * the second vector of its encoding, is dropped). */
Test(model_io, training_view_round_trip)
{
    ks_model *m, *l;
    ks_feature_config fc;
    ks_train_config tc;
    ks_feature f1[2] = {{3, 0.5f}, {700, -0.5f}}, f2[1] = {{3, 1.0f}};
    ks_fvec a = {f1, 2, 2}, b = {f2, 1, 1}, x = {0};
    ks_buf enc = {0};
    int label;
    ks_feature_config_default(&fc);
    fc.hash_bits = 10;
    fc.families = (1u << KS_FEAT_COUNT) - 1;
    fc.view = KS_VIEW_DEFAULT;
    ks_train_config_default(&tc);
    cr_assert_eq(ks_model_new(&m, &fc, &tc), KS_OK);
    cr_assert_eq(ks_fvec_encode(&a, &enc), KS_OK);
    size_t one = enc.len;
    cr_assert_eq(ks_fvec_encode(&b, &enc), KS_OK);
    cr_assert_eq(ks_model_replay_offer_encoded(m, enc.data, enc.len, 1), KS_OK);
    cr_assert_eq(ks_model_replay_offer_encoded(m, "\xff", 1, 1), KS_ERR_USAGE);
    cr_assert_eq(ks_model_save(m, dir), KS_OK);
    cr_assert_eq(ks_model_load(&l, dir), KS_OK);
    cr_assert_eq(ks_model_features(l)->view, KS_VIEW_DEFAULT);
    cr_assert_eq(ks_model_features(l)->families, fc.families);
    const unsigned char *kept;
    size_t kept_len;
    ks_model_replay_encoded(l, 0, &kept, &kept_len, &label);
    cr_assert_eq(kept_len, one);
    cr_assert_eq(ks_model_replay_get(l, 0, &x, &label), KS_OK);
    cr_assert_eq(label, 1);
    cr_assert_eq(x.n, 2);
    cr_assert_eq(memcmp(x.f, f1, sizeof f1), 0);
    char path[160];
    size_t len;
    snprintf(path, sizeof path, "%s/model.json", dir);
    char *js = slurp(path, &len);
    cr_assert_not_null(strstr(js, "\"families\": 255,"), "%s", js);
    cr_assert_not_null(strstr(js, "\"view\": 63,"), "%s", js);
    char *vn = strstr(js, "\"view_names\": [");
    cr_assert_not_null(vn, "%s", js);
    cr_assert_not_null(strstr(vn, "\"chargrams\""), "%s", vn);
    cr_assert_null(strstr(vn, "\"rawgrams\""), "%s", vn);
    ks_free(js);
    ks_buf_free(&enc);
    ks_fvec_free(&x);
    ks_model_free(l);
    ks_model_free(m);
}

/* Reads a whole file (test helper). */
static unsigned char *read_whole(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    unsigned char *p;
    long len;
    cr_assert_not_null(f);
    fseek(f, 0, SEEK_END);
    len = ftell(f);
    rewind(f);
    p = malloc((size_t)len + 1);
    cr_assert_eq(fread(p, 1, (size_t)len, f), (size_t)len);
    fclose(f);
    *n = (size_t)len;
    return p;
}

/* A reservoir kept in a temporary file (ks_model_replay_spill, from the
 * start or after some offers) holds, gives back and saves exactly what the
 * one in memory does, through replacements and the file's compactions
 * (2 MB offered to 8 slots: the dead bytes pass the 1 MiB trigger); its
 * memory is no arena. (ks_model_load_spilled: replay_reservoir_bounded_by_bytes.) */
Test(model_io, replay_in_a_file_is_the_one_in_memory)
{
    enum { K = 8, OFFERS = 3000 };
    static unsigned char blob[701];
    ks_model *mem, *early, *late;
    ks_feature_config fc;
    ks_train_config tc;
    uint64_t s = 777;
    char d[2][160];
    unsigned char *file[2];
    size_t flen[2];
    ks_feature_config_default(&fc);
    fc.hash_bits = 10;
    ks_train_config_default(&tc);
    tc.replay = K;
    cr_assert_eq(ks_model_new(&mem, &fc, &tc), KS_OK);
    cr_assert_eq(ks_model_new(&early, &fc, &tc), KS_OK);
    cr_assert_eq(ks_model_new(&late, &fc, &tc), KS_OK);
    cr_assert_eq(ks_model_replay_spill(early), KS_OK);
    for (int t = 0; t < OFFERS; t++) {
        size_t len = 1 + (size_t)((s = s * 6364136223846793005ull + 1) >> 33) % 700;
        for (size_t k = 0; k < len; k++)
            blob[k] = (unsigned char)(t * 31 + k);
        cr_assert_eq(ks_model_replay_offer_encoded(mem, blob, len, t & 1), KS_OK);
        cr_assert_eq(ks_model_replay_offer_encoded(early, blob, len, t & 1), KS_OK);
        cr_assert_eq(ks_model_replay_offer_encoded(late, blob, len, t & 1), KS_OK);
        if (t == OFFERS / 3)
            cr_assert_eq(ks_model_replay_spill(late), KS_OK);
        if (t % 97 && t != OFFERS - 1)
            continue;
        cr_assert_eq(ks_model_replay_count(early), ks_model_replay_count(mem));
        for (size_t i = 0; i < ks_model_replay_count(mem); i++) {
            const unsigned char *a, *b;
            size_t na, nb;
            int la, lb;
            cr_assert_eq(ks_model_replay_encoded(mem, i, &a, &na, &la), KS_OK);
            for (int w = 0; w < 2; w++) {
                cr_assert_eq(ks_model_replay_encoded(w ? late : early, i, &b, &nb, &lb), KS_OK);
                cr_assert(na == nb && la == lb && memcmp(a, b, na) == 0,
                          "offer %d, slot %zu, %s", t, i, w ? "late" : "early");
            }
        }
    }
    cr_assert_null(early->replay_arena);
    cr_assert_null(late->replay_arena);
    cr_assert_lt(early->arena_used, (size_t)2 << 20, "the file was compacted");
    for (int w = 0; w < 2; w++) {
        snprintf(d[w], sizeof d[w], "%s/m%d", dir, w);
        cr_assert_eq(ks_ensure_dir(d[w]), KS_OK);
    }
    cr_assert_eq(ks_model_save(mem, d[0]), KS_OK);
    cr_assert_eq(ks_model_save(early, d[1]), KS_OK);
    for (int w = 0; w < 2; w++) {
        char path[600];
        snprintf(path, sizeof path, "%s/model.bin", d[w]);
        file[w] = read_whole(path, &flen[w]);
    }
    cr_assert_eq(flen[1], flen[0]);
    cr_assert(memcmp(file[0], file[1], flen[0]) == 0, "spilled reservoir saved differently");
    for (int w = 0; w < 2; w++)
        free(file[w]);
    ks_model_free(mem);
    ks_model_free(early);
    ks_model_free(late);
}
