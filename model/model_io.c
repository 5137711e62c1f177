/* model_io.c - the model folder: model.bin (read back) and model.json (for
 * people).
 *
 * model.bin, every integer and float little-endian, written field by field
 * (never a struct dump, so padding and host byte order never reach disk):
 *
 *   off  size  field
 *     0     8  magic "KSPAMMDL"
 *     8     4  u32 format version (3)
 *    12     4  u32 endianness mark 0x01020304 (bytes 04 03 02 01)
 *    16    32  feature settings, u32 each: hash_bits seed families ngram_n
 *              ngram_bytes max_token weighting normalize; families holds
 *              the KS_FEAT_* bits in 0..7 and the training view's in 16..23
 *    48    60  training settings: f64 alpha, f64 beta, f64 l1, f64 l2,
 *              u32 passes, u64 seed, u32 balance, u32 replay, u32 algo
 *              (0 logistic regression, 1 svm), u32 family_crc (svm: CRC32
 *              of svm.bin beside it, see model/svm.c; 0 otherwise)
 *   108     8  f64 decision threshold, 0..1
 *   116    36  calibration (format 3): f64 a, f64 b (p = 1 / (1 + exp(a *
 *              margin + b)); -1e6 <= a < 0, |b| <= 1e6), u32 scores (0 none,
 *              1 cross-fit, 2 progressive), u32 threshold rule (0 fixed,
 *              1 accuracy, 2 target false-positive rate), f64 target rate
 *              (rule 2: 0 < x < 1; else 0), u32 loss of
 *              the lr family (0 log, 1 hinge; the field was a reserved 0
 *              before hinge existed, so older files read as log loss, as
 *              they were trained)
 *   152     4  u32 parent checksum (CRC32 of the model.bin this came from)
 *   156     4  u32 history count H
 *   160 316*H  history entries: char mode[16], char dataset[256] (NUL
 *              padded), u64 dataset_bytes, u64 messages[0], u64 messages[1],
 *              u64 skipped, u32 passes, i64 time (Unix seconds)
 *     .    16  f64 bias z, f64 bias n
 *     .     8  u64 count N of stored coordinates
 *     .  12*N  (u32 index, f32 z, f32 n), index strictly ascending; every
 *              coordinate whose z or n is not zero (the rest is all zero:
 *              a fresh coordinate, which makes the file sparse)
 *     .    28  replay reservoir: u32 examples K, u64 examples offered so
 *              far, u64 generator state, u64 size B of the examples
 *     .     B  K x (u8 label, u32 size L, L bytes of the encoded vector:
 *              varint index gaps, see model/replay.c)
 *     .     4  u32 CRC32 (zlib crc32) of every byte before it
 *
 * The CRC covers everything, so any flipped bit is caught; the loader still
 * checks every count against the file size and every value against its
 * range, because a CRC is no defence against a crafted file.
 */
#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <zlib.h>
#include "ks/alloc.h"
#include "ks/buf.h"
#include "ks/fileio.h"
#include "ks/json.h"
#include "byteorder.h"
#include "model_internal.h"

#define MAGIC "KSPAMMDL"
#define ENDIAN_MARK 0x01020304u
#define PREFIX_SIZE 160u          /* up to and including the history count */
#define HIST_SIZE 316u            /* one history entry */
#define TAIL_FIXED 24u            /* bias z, bias n, coordinate count */
#define COORD_SIZE 12u            /* index, z, n */
#define REPLAY_FIXED 28u          /* replay section before its examples */
#define MIN_SIZE (PREFIX_SIZE + TAIL_FIXED + REPLAY_FIXED + 4u)
/* Bound on what the loader reads: every coordinate of the largest model
 * plus 16 MiB for the header and about 50,000 history entries. */
#define MAX_FILE (((size_t)1 << 28) * COORD_SIZE + ((size_t)16 << 20))

/* ---- writing -------------------------------------------------------- */

static uint64_t stored_coords(const ks_model *m)
{
    uint64_t c = 0;
    for (uint32_t i = 0; i < m->dim; i++)
        c += KS_Z(m, i) != 0.0f || KS_N(m, i) != 0.0f;
    return c;
}

static void put_header(ks_buf *b, const ks_model *m)
{
    put_bytes(b, MAGIC, 8);
    put_u32(b, KS_MODEL_FORMAT_VERSION);
    put_u32(b, ENDIAN_MARK);
    for (int k = 0; k < KS_FC_NFIELDS; k++)
        put_u32(b, ks_model_fc_get(&m->fc, k));
    put_f64(b, m->tc.alpha);
    put_f64(b, m->tc.beta);
    put_f64(b, m->tc.l1);
    put_f64(b, m->tc.l2);
    put_u32(b, m->tc.passes);
    put_u64(b, m->tc.seed);
    put_u32(b, m->tc.balance);
    put_u32(b, m->tc.replay);
    put_u32(b, m->tc.algo);
    put_u32(b, m->tc.family_crc);
    put_f64(b, m->threshold);
    put_f64(b, m->cal.a);
    put_f64(b, m->cal.b);
    put_u32(b, m->cal.scores);
    put_u32(b, m->cal.rule);
    put_f64(b, m->cal.target_fpr);
    put_u32(b, m->tc.loss);
    put_u32(b, m->checksum);   /* this model is the parent of the file */
    put_u32(b, (uint32_t)m->nhist);
}

static void put_history(ks_buf *b, const ks_history_entry *h)
{
    char mode[16] = {0}, dataset[256] = {0};
    memcpy(mode, h->mode, strnlen(h->mode, sizeof mode - 1));
    memcpy(dataset, h->dataset, strnlen(h->dataset, sizeof dataset - 1));
    put_bytes(b, mode, sizeof mode);
    put_bytes(b, dataset, sizeof dataset);
    put_u64(b, h->dataset_bytes);
    put_u64(b, h->messages[0]);
    put_u64(b, h->messages[1]);
    put_u64(b, h->skipped);
    put_u32(b, h->passes);
    put_u64(b, (uint64_t)h->time);
}

static uint64_t replay_bytes(const ks_model *m)
{
    uint64_t n = 0;
    for (uint32_t i = 0; i < m->nreplay; i++)
        n += 5 + m->replay[i].len;
    return n;
}

/* model.bin is written in parts of about PART bytes from one buffer of
 * PART_BUF: the margin holds what is added after a part's check (the
 * header, a history entry, the replay header and an example's head). */
#define PART_BUF ((size_t)1 << 20)
#define PART (PART_BUF - 1024)
_Static_assert(PREFIX_SIZE + HIST_SIZE + TAIL_FIXED + REPLAY_FIXED + 64 <= 1024,
               "PART's margin");

/* Hands what b holds to the file (and the checksum). */
static void flush_part(ks_buf *b, ks_atomic *a, uLong *crc)
{
    *crc = crc32(*crc, (const Bytef *)b->data, (uInt)b->len);
    ks_atomic_write(a, b->data, b->len);
    b->len = 0;
}

/* model.bin streamed to a in parts (the file is never whole in memory:
 * the model's own state is the largest thing a save holds); *crc gets its
 * checksum. Only memory (or reading a reservoir kept in a temporary file)
 * can fail here; write errors wait in a. */
static ks_status stream_bin(const ks_model *m, ks_atomic *a, uint32_t *crc)
{
    uint64_t nnz = stored_coords(m), rb = replay_bytes(m);
    uLong c = crc32(0L, Z_NULL, 0);
    ks_buf b = {0};
    /* PART_BUF bytes exactly: reserve adds one for a NUL (never written) */
    ks_status st = ks_buf_reserve(&b, PART_BUF - 1);
    if (st != KS_OK)
        return st;
    put_header(&b, m);
    for (size_t i = 0; i < m->nhist; i++) {
        put_history(&b, &m->hist[i]);
        if (b.len >= PART)
            flush_part(&b, a, &c);
    }
    put_f64(&b, m->bias_z);
    put_f64(&b, m->bias_n);
    put_u64(&b, nnz);
    for (uint32_t i = 0; i < m->dim; i++) {
        if (KS_Z(m, i) == 0.0f && KS_N(m, i) == 0.0f)
            continue;
        put_u32(&b, i);
        put_f32(&b, KS_Z(m, i));
        put_f32(&b, KS_N(m, i));
        if (b.len >= PART)
            flush_part(&b, a, &c);
    }
    put_u32(&b, m->nreplay);
    put_u64(&b, m->replay_seen);
    put_u64(&b, m->replay_rng);
    put_u64(&b, rb);
    for (uint32_t i = 0; i < m->nreplay; i++) {
        const ks_replay_slot *e = &m->replay[i];
        const unsigned char *data;
        size_t len;
        int label;
        if ((st = ks_model_replay_encoded(m, i, &data, &len, &label)) != KS_OK) {
            ks_buf_free(&b);
            return st;
        }
        put_bytes(&b, &e->label, 1);
        put_u32(&b, e->len);
        if (b.len + e->len > PART) {   /* the example straight from the model */
            flush_part(&b, a, &c);
            c = crc32(c, data, (uInt)e->len);
            ks_atomic_write(a, data, e->len);
        } else {
            put_bytes(&b, data, e->len);
        }
    }
    flush_part(&b, a, &c);
    *crc = (uint32_t)c;
    put_u32(&b, *crc);
    ks_atomic_write(a, b.data, b.len);
    ks_buf_free(&b);
    return KS_OK;
}

static void json_hex(ks_json *j, const char *key, uint32_t v)
{
    char hex[9];
    snprintf(hex, sizeof hex, "%08x", v);
    ks_json_key(j, key);
    ks_json_string(j, hex);
}

static void json_time(ks_json *j, int64_t t)
{
    char iso[32];
    struct tm tm;
    time_t tt = (time_t)t;
    if (!gmtime_r(&tt, &tm) ||
        !strftime(iso, sizeof iso, "%Y-%m-%dT%H:%M:%SZ", &tm)) {
        ks_json_null(j);
        return;
    }
    ks_json_string(j, iso);
}

static void json_family_names(ks_json *j, const char *key, uint32_t bits)
{
    ks_json_key(j, key);
    ks_json_begin_array(j);
    for (unsigned k = 0; k < KS_FEAT_COUNT; k++)
        if (bits & (1u << k))
            ks_json_string(j, ks_feature_family_names[k]);
    ks_json_end(j);
}

static void json_features(ks_json *j, const ks_feature_config *fc)
{
    ks_json_begin_object(j);
    for (int k = 0; k < KS_FC_NFIELDS; k++) {
        int fam = ks_model_fc_fields[k].off == offsetof(ks_feature_config, families);
        ks_json_key(j, ks_model_fc_fields[k].name);   /* families: without the view */
        ks_json_uint(j, fam ? fc->families : ks_model_fc_get(fc, k));
    }
    ks_json_key(j, "view"); ks_json_uint(j, fc->view);
    json_family_names(j, "family_names", fc->families);
    json_family_names(j, "view_names", fc->view);
    ks_json_end(j);
}

static void json_training(ks_json *j, const ks_train_config *tc)
{
    ks_json_begin_object(j);
    ks_json_key(j, "alpha"); ks_json_double(j, tc->alpha);
    ks_json_key(j, "beta"); ks_json_double(j, tc->beta);
    ks_json_key(j, "l1"); ks_json_double(j, tc->l1);
    ks_json_key(j, "l2"); ks_json_double(j, tc->l2);
    ks_json_key(j, "passes"); ks_json_uint(j, tc->passes);
    ks_json_key(j, "seed"); ks_json_uint(j, tc->seed);
    ks_json_key(j, "balance"); ks_json_uint(j, tc->balance);
    ks_json_key(j, "replay"); ks_json_uint(j, tc->replay);
    ks_json_key(j, "algo"); ks_json_string(j, tc->algo == KS_ALGO_SVM ? "svm" : "lr");
    if (tc->algo == KS_ALGO_LR) {
        ks_json_key(j, "loss");
        ks_json_string(j, tc->loss == KS_LOSS_HINGE ? "hinge" : "log");
    }
    ks_json_end(j);
}

static void json_by_class(ks_json *j, const char *key, uint64_t ham,
                          uint64_t spam)
{
    ks_json_key(j, key);
    ks_json_begin_object(j);
    ks_json_key(j, "ham"); ks_json_uint(j, ham);
    ks_json_key(j, "spam"); ks_json_uint(j, spam);
    ks_json_end(j);
}

static void json_history(ks_json *j, const ks_history_entry *h)
{
    ks_json_begin_object(j);
    ks_json_key(j, "mode"); ks_json_string(j, h->mode);
    ks_json_key(j, "dataset"); ks_json_string(j, h->dataset);
    ks_json_key(j, "dataset_bytes"); ks_json_uint(j, h->dataset_bytes);
    json_by_class(j, "messages", h->messages[0], h->messages[1]);
    ks_json_key(j, "skipped"); ks_json_uint(j, h->skipped);
    ks_json_key(j, "passes"); ks_json_uint(j, h->passes);
    ks_json_key(j, "time"); json_time(j, h->time);
    ks_json_end(j);
}

static void json_calibration(ks_json *j, const ks_calibration *c)
{
    static const char *const scores[] = {"none", "cross-fit", "progressive"};
    static const char *const rule[] = {"fixed", "max-accuracy", "target-fpr"};
    ks_json_begin_object(j);
    ks_json_key(j, "method");
    ks_json_string(j, c->scores == KS_SCORES_OFF ? "none (sigmoid of the margin)"
                                                 : "platt");
    ks_json_key(j, "a"); ks_json_double(j, c->a);
    ks_json_key(j, "b"); ks_json_double(j, c->b);
    ks_json_key(j, "scores"); ks_json_string(j, scores[c->scores <= 2 ? c->scores : 0]);
    ks_json_key(j, "threshold_rule"); ks_json_string(j, rule[c->rule <= 2 ? c->rule : 0]);
    ks_json_key(j, "target_fpr");
    if (c->rule == KS_RULE_TARGET_FPR)
        ks_json_double(j, c->target_fpr);
    else
        ks_json_null(j);
    ks_json_end(j);
}

/* model.json for a model.bin with checksum crc. */
static ks_status build_json(const ks_model *m, uint32_t crc, ks_buf *b)
{
    ks_json j;
    ks_json_init(&j, b);
    j.pretty = 1;
    ks_json_begin_object(&j);
    ks_json_key(&j, "format_version"); ks_json_uint(&j, KS_MODEL_FORMAT_VERSION);
    json_hex(&j, "checksum", crc);
    json_hex(&j, "parent_checksum", m->checksum);
    ks_json_key(&j, "features"); json_features(&j, &m->fc);
    ks_json_key(&j, "training"); json_training(&j, &m->tc);
    ks_json_key(&j, "threshold"); ks_json_double(&j, m->threshold);
    ks_json_key(&j, "calibration"); json_calibration(&j, &m->cal);
    json_by_class(&j, "examples_seen", ks_model_seen(m, 0), ks_model_seen(m, 1));
    ks_json_key(&j, "nonzero_weights"); ks_json_uint(&j, ks_model_nonzero(m));
    ks_json_key(&j, "replay_examples"); ks_json_uint(&j, m->nreplay);
    ks_json_key(&j, "history");
    ks_json_begin_array(&j);
    for (size_t i = 0; i < m->nhist; i++)
        json_history(&j, &m->hist[i]);
    ks_json_end(&j);
    ks_json_end(&j);
    if (ks_json_status(&j) == KS_OK && ks_buf_putc(b, '\n') != KS_OK)
        return KS_ERR_NOMEM;
    return ks_json_status(&j);
}

/* Writes data to dir/name atomically. */
static ks_status save(ks_model *m, const char *dir)
{
    ks_buf js = {0};
    ks_atomic *bin = NULL;
    uint32_t crc = 0;
    char *path = ks_path_join(dir, "model.bin");
    ks_status st = path ? ks_atomic_begin(&bin, path)
                        : ks_fail(KS_ERR_NOMEM, "out of memory writing %s/model.bin", dir);
    /* model.bin goes to its temporary file and to disk first (its checksum
     * is in model.json), but is renamed into place last: model.bin is the
     * commit point, so a failure at any step leaves the old model.bin (or
     * none), never a new one beside an exit status that says nothing was
     * written. */
    if (st == KS_OK)
        st = stream_bin(m, bin, &crc);
    if (st == KS_OK)
        st = ks_atomic_sync(bin);
    if (st == KS_OK)
        st = build_json(m, crc, &js);
    if (st == KS_OK)
        st = ks_write_atomic_in(dir, "model.json", js.data, js.len);
    if (st == KS_OK) {
        st = ks_atomic_commit(bin);   /* frees bin */
        bin = NULL;
    }
    ks_atomic_abort(bin);
    if (st == KS_OK) {
        m->parent = m->checksum;
        m->checksum = crc;
    }
    ks_free(path);
    ks_buf_free(&js);
    return st;
}

ks_status ks_model_save(ks_model *m, const char *dir)
{
    if (m->replay_skipped)
        return ks_fail(KS_ERR_USAGE, "a model loaded for scoring only cannot be saved "
                       "(its replay reservoir was not loaded)");
    return save(m, dir);
}

/* ---- reading -------------------------------------------------------- */

static uint32_t u32_at(const unsigned char *p, size_t off)
{
    reader r = {p, off + 4, off};
    return get_u32(&r);
}

/* Identity and integrity, in the order that gives the most useful message:
 * a file of another kind or version is reported as such, not as corrupt. */
static ks_status check_envelope(const char *path, const unsigned char *p,
                                size_t len)
{
    uint32_t v, crc;
    if (len < 16)
        return ks_fail(KS_ERR_MODEL, "%s: too short to be a model (%zu bytes)",
                       path, len);
    if (memcmp(p, MAGIC, 8) != 0)
        return ks_fail(KS_ERR_MODEL, "%s: not a ks model file", path);
    v = u32_at(p, 8);
    if (v != KS_MODEL_FORMAT_VERSION)
        return ks_fail(KS_ERR_MODEL, "%s: format version %u, this program "
                       "reads %u", path, v, KS_MODEL_FORMAT_VERSION);
    if (u32_at(p, 12) != ENDIAN_MARK)
        return ks_fail(KS_ERR_MODEL, "%s: other endianness (byte-order mark "
                       "0x%08x, expected 0x%08x)", path, u32_at(p, 12),
                       ENDIAN_MARK);
    if (len < MIN_SIZE)
        return ks_fail(KS_ERR_MODEL, "%s: truncated (%zu bytes)", path, len);
    crc = (uint32_t)crc32(0L, p, (uInt)(len - 4));
    if (crc != u32_at(p, len - 4))
        return ks_fail(KS_ERR_MODEL, "%s: checksum mismatch: file is corrupt",
                       path);
    return KS_OK;
}

/* The declared history, coordinate and replay sizes must fill the file
 * exactly. */
static ks_status check_sizes(const char *path, const unsigned char *p,
                             size_t len, uint64_t *nnz)
{
    uint64_t h = u32_at(p, PREFIX_SIZE - 4), tail, rest, zlen;
    uint64_t body = len - 4;   /* without the CRC */
    if (PREFIX_SIZE + h * HIST_SIZE + TAIL_FIXED + REPLAY_FIXED > body)
        return ks_fail(KS_ERR_MODEL, "%s: truncated: %llu history entries "
                       "declared past the end", path, (unsigned long long)h);
    tail = PREFIX_SIZE + h * HIST_SIZE;
    {
        reader r = {p, len, tail + 16};
        *nnz = get_u64(&r);
    }
    rest = body - tail - TAIL_FIXED - REPLAY_FIXED;
    if (*nnz > rest / COORD_SIZE)
        return ks_fail(KS_ERR_MODEL, "%s: truncated: %llu coordinates "
                       "declared past the end", path, (unsigned long long)*nnz);
    {
        reader r = {p, len, tail + TAIL_FIXED + *nnz * COORD_SIZE + 20};
        zlen = get_u64(&r);
    }
    if (zlen > rest - *nnz * COORD_SIZE)
        return ks_fail(KS_ERR_MODEL, "%s: truncated: replay data declared "
                       "past the end", path);
    if (*nnz * COORD_SIZE + zlen != rest)
        return ks_fail(KS_ERR_MODEL, "%s: unexpected bytes after the data",
                       path);
    return KS_OK;
}

/* Feature settings, training settings, threshold and calibration,
 * checked. */
static ks_status read_settings(const char *path, reader *r,
                               ks_feature_config *fc, ks_train_config *tc,
                               double *threshold, ks_calibration *cal)
{
    char why[512];
    for (int k = 0; k < KS_FC_NFIELDS; k++)
        ks_model_fc_set(fc, k, get_u32(r));
    tc->alpha = get_f64(r);
    tc->beta = get_f64(r);
    tc->l1 = get_f64(r);
    tc->l2 = get_f64(r);
    tc->passes = get_u32(r);
    tc->seed = get_u64(r);
    tc->balance = get_u32(r);
    tc->replay = get_u32(r);
    tc->algo = get_u32(r);
    tc->family_crc = get_u32(r);
    *threshold = get_f64(r);
    cal->a = get_f64(r);
    cal->b = get_f64(r);
    cal->scores = get_u32(r);
    cal->rule = get_u32(r);
    cal->target_fpr = get_f64(r);
    tc->loss = get_u32(r);
    if (ks_feature_config_check(fc) != KS_OK || fc->hash_bits > 28) {
        snprintf(why, sizeof why, "%s", ks_error_detail());
        return ks_fail(KS_ERR_MODEL, "%s: feature settings out of range: %s",
                       path, fc->hash_bits > 28 ? "hash_bits" : why);
    }
    if (ks_train_config_check(tc) != KS_OK) {
        snprintf(why, sizeof why, "%s", ks_error_detail());
        return ks_fail(KS_ERR_MODEL, "%s: training settings out of range: %s",
                       path, why);
    }
    if (!(*threshold >= 0.0 && *threshold <= 1.0))
        return ks_fail(KS_ERR_MODEL, "%s: threshold out of range", path);
    return KS_OK;
}

static ks_status read_history(const char *path, reader *r, ks_model *m,
                              uint32_t count)
{
    for (uint32_t i = 0; i < count; i++) {
        ks_history_entry h;
        ks_status st;
        memset(&h, 0, sizeof h);   /* padding too: entries compare by bytes */
        memcpy(h.mode, r->p + r->pos, sizeof h.mode);
        memcpy(h.dataset, r->p + r->pos + sizeof h.mode, sizeof h.dataset);
        r->pos += sizeof h.mode + sizeof h.dataset;
        if (!memchr(h.mode, 0, sizeof h.mode) ||
            !memchr(h.dataset, 0, sizeof h.dataset))
            return ks_fail(KS_ERR_MODEL, "%s: history entry %u is not "
                           "NUL-terminated", path, i);
        h.dataset_bytes = get_u64(r);
        h.messages[0] = get_u64(r);
        h.messages[1] = get_u64(r);
        h.skipped = get_u64(r);
        h.passes = get_u32(r);
        h.time = (int64_t)get_u64(r);
        if ((st = ks_model_add_history(m, &h)) != KS_OK)
            return st;
    }
    return KS_OK;
}

static bool good_state(double z, double n)
{
    return isfinite(z) && isfinite(n) && n >= 0.0;
}

static ks_status read_state(const char *path, reader *r, ks_model *m,
                            uint64_t nnz)
{
    int64_t prev = -1;
    m->bias_z = get_f64(r);
    m->bias_n = get_f64(r);
    if (!good_state(m->bias_z, m->bias_n))
        return ks_fail(KS_ERR_MODEL, "%s: bias state is not finite", path);
    r->pos += 8;   /* nnz, read by check_sizes */
    for (uint64_t k = 0; k < nnz; k++) {
        uint32_t i = get_u32(r);
        float z = get_f32(r), n = get_f32(r);
        if (i >= m->dim)
            return ks_fail(KS_ERR_MODEL, "%s: coordinate index %u out of range "
                           "(2^%u buckets)", path, i, (unsigned)m->fc.hash_bits);
        if ((int64_t)i <= prev)
            return ks_fail(KS_ERR_MODEL, "%s: coordinate index %u out of order",
                           path, i);
        if (!good_state(z, n))
            return ks_fail(KS_ERR_MODEL, "%s: coordinate %u state is not "
                           "finite", path, i);
        KS_Z(m, i) = z;
        KS_N(m, i) = n;
        prev = i;
    }
    return KS_OK;
}

static ks_status read_replay(const char *path, reader *r, ks_model *m, int keep)
{
    uint32_t count = get_u32(r);
    uint64_t seen = get_u64(r), rng = get_u64(r), bytes = get_u64(r);
    size_t end = r->pos + (size_t)bytes;
    ks_fvec v = {0};
    ks_status st = KS_OK;

    if (count > m->tc.replay || seen < count)
        return ks_fail(KS_ERR_MODEL, "%s: replay reservoir header is invalid", path);
    /* the arena takes exactly the reservoir (a short section fails below) */
    if (keep && count && bytes >= 5 * (uint64_t)count &&
        (st = ks_model_replay_reserve(m, count, (size_t)bytes - 5 * (size_t)count)) != KS_OK)
        return st;
    for (uint32_t i = 0; st == KS_OK && i < count; i++) {
        uint32_t len;
        int label;
        if (end - r->pos < 5) {
            st = ks_fail(KS_ERR_MODEL, "%s: replay example %u truncated", path, i);
            break;
        }
        label = r->p[r->pos++];
        len = get_u32(r);
        if (label > 1 || len > end - r->pos) {
            st = ks_fail(KS_ERR_MODEL, "%s: replay example %u is invalid", path, i);
            break;
        }
        if (keep) {   /* scoring only: framed, not decoded (27 % of a
                         validation's instructions on the Knitfab model) */
            st = ks_fvec_decode(r->p + r->pos, len, m->dim, &v);
            if (st == KS_ERR_FORMAT)
                st = ks_fail(KS_ERR_MODEL, "%s: replay example %u is invalid", path, i);
            if (st == KS_OK)
                st = ks_model_replay_put(m, i, r->p + r->pos, len, label);
        }
        r->pos += len;
    }
    if (st == KS_OK && r->pos != end)
        st = ks_fail(KS_ERR_MODEL, "%s: replay data has unexpected bytes", path);
    ks_fvec_free(&v);
    m->replay_seen = seen;
    m->replay_rng = rng;
    m->replay_skipped = !keep;
    return st;
}

/* Decodes a file that passed check_envelope into a new model. */
static ks_status parse(const char *path, const unsigned char *p, size_t len,
                       ks_model **out, int keep_replay)
{
    reader r = {p, len, 16};
    ks_feature_config fc;
    ks_train_config tc;
    double threshold;
    ks_calibration cal;
    uint32_t parent, count;
    uint64_t nnz = 0;
    ks_model *m = NULL;
    ks_status st = check_sizes(path, p, len, &nnz);
    if (st == KS_OK)
        st = read_settings(path, &r, &fc, &tc, &threshold, &cal);
    if (st == KS_OK)
        st = ks_model_alloc(&m, &fc, &tc);
    if (st == KS_OK && keep_replay == 2 && (st = ks_model_replay_spill(m)) == KS_ERR_IO) {
        ks_log(KS_LOG_INFO, "%s; the replay reservoir is kept in memory", ks_error_detail());
        st = KS_OK;
    }
    if (st != KS_OK) {
        ks_model_free(m);
        return st;
    }
    if (ks_model_set_calibration(m, &cal) != KS_OK) {
        char why[512];
        snprintf(why, sizeof why, "%s", ks_error_detail());
        ks_model_free(m);
        return ks_fail(KS_ERR_MODEL, "%s: calibration out of range: %s", path, why);
    }
    parent = get_u32(&r);
    count = get_u32(&r);
    st = read_history(path, &r, m, count);
    if (st == KS_OK)
        st = read_state(path, &r, m, nnz);
    if (st == KS_OK)
        st = read_replay(path, &r, m, keep_replay);
    if (st != KS_OK) {
        ks_model_free(m);
        return st;
    }
    m->threshold = threshold;
    m->parent = parent;
    m->checksum = u32_at(p, len - 4);
    *out = m;
    return KS_OK;
}

/* Reads path, turning "cannot read" into the model error it means here. */
static ks_status read_model_file(const char *path, char **data, size_t *len)
{
    char why[512];
    struct stat sb;
    ks_status st;
    if (stat(path, &sb) != 0 && errno == ENOENT)
        return ks_fail(KS_ERR_MODEL, "%s: missing (no model file)", path);
    st = ks_read_file(path, MAX_FILE, data, len);
    if (st == KS_OK || st == KS_ERR_NOMEM)
        return st;
    snprintf(why, sizeof why, "%s", ks_error_detail());
    return ks_fail(KS_ERR_MODEL, "cannot read the model: %s", why);
}

static ks_status load(ks_model **out, const char *dir, int keep_replay)
{
    char *path, *data = NULL;
    size_t len = 0;
    ks_status st;
    *out = NULL;
    path = ks_path_join(dir, "model.bin");
    if (!path)
        return ks_fail(KS_ERR_NOMEM, "out of memory loading a model");
    st = read_model_file(path, &data, &len);
    if (st == KS_OK)
        st = check_envelope(path, (const unsigned char *)data, len);
    if (st == KS_OK)
        st = parse(path, (const unsigned char *)data, len, out, keep_replay);
    ks_free(data);
    ks_free(path);
    return st;
}

ks_status ks_model_load(ks_model **out, const char *dir)
{
    return load(out, dir, 1);
}

ks_status ks_model_load_scoring(ks_model **out, const char *dir)
{
    return load(out, dir, 0);
}

ks_status ks_model_load_spilled(ks_model **out, const char *dir)
{
    return load(out, dir, 2);   /* keep, in a file */
}
