/* model.h - online logistic regression trained by FTRL-Proximal, and its
 * versioned, checksummed model folder.
 *
 * Model: p(spam | x) = sigmoid(w . x + b). Training is FTRL-Proximal
 * (McMahan et al. 2013): per-coordinate adaptive steps, L1 and L2. The
 * optimiser state (z, n per bucket and for the bias) is saved, so training
 * on A, saving, loading and training on B continues exactly like one run
 * over A then B.
 *
 * Model folder (ks_model_save):
 *   model.bin   binary: magic "KSPAMMDL", format version, endianness mark,
 *               feature settings, training settings, threshold, history,
 *               the non-zero optimiser state, CRC32 of everything before it;
 *   model.json  the same settings and history for people (not read back).
 * Both are written atomically (fileio.h). Nothing in either can run code.
 */
#ifndef KS_MODEL_H
#define KS_MODEL_H

#include <stddef.h>
#include <stdint.h>
#include "status.h"
#include "features.h"

typedef struct {
    double alpha;       /* FTRL learning rate (per-coordinate scale) */
    double beta;        /* FTRL smoothing of the step, usually 1 */
    double l1;          /* L1 strength (sparsity) */
    double l2;          /* L2 strength */
    uint32_t passes;    /* passes over the data in initial training */
    uint64_t seed;      /* shuffle seed */
    uint32_t balance;   /* class weights of a training set: 0 none; 1
                           prior: a later set is weighted to the class mix
                           of the model's first set (guards against
                           class-mix shift); 2 equal: each class counts
                           the same */
    uint32_t replay;    /* examples kept in the replay reservoir (0: none);
                           see ks_model_replay_offer */
    uint32_t algo;      /* model family: KS_ALGO_LR (this FTRL logistic
                           regression) or KS_ALGO_SVM (libsvm C-SVC, whose
                           own file sits beside model.bin: svm_model.h) */
    uint32_t family_crc;/* KS_ALGO_SVM: CRC32 of that file (svm.bin), so
                           a model.bin only loads with its own; 0 for LR */
    uint32_t loss;      /* KS_ALGO_LR's training loss: KS_LOSS_HINGE (the
                           default: a linear SVM trained online) or
                           KS_LOSS_LOG (logistic regression) */
} ks_train_config;

enum { KS_ALGO_LR = 0, KS_ALGO_SVM = 1 };
enum { KS_LOSS_LOG = 0, KS_LOSS_HINGE = 1 };

void ks_train_config_default(ks_train_config *c);   /* hinge loss */
/* The default learning rate of a loss (what --alpha is without the flag). */
double ks_default_alpha(uint32_t loss);

/* One training session, as recorded in the model's history. */
typedef struct {
    char mode[16];           /* "initial" or "incremental" */
    char dataset[256];       /* dataset folder as given */
    uint64_t dataset_bytes;  /* its size */
    uint64_t messages[2];    /* examples used, by label (one pass) */
    uint64_t skipped;        /* records skipped */
    uint32_t passes;         /* passes made */
    int64_t time;            /* Unix seconds when it ended */
} ks_history_entry;

typedef struct ks_model ks_model;

/* A zero model (all weights 0, threshold 0.5, no history, checksum and
 * parent 0). KS_ERR_USAGE naming the setting when fc or tc is out of range
 * (alpha > 0; beta, l1, l2 >= 0 and finite; passes 1..1000; balance 0..2;
 * loss 0..1);
 * KS_ERR_NOMEM. Memory: 8 bytes per bucket (2^hash_bits): z and n, float32. */
ks_status ks_model_new(ks_model **out /* OUT */, const ks_feature_config *fc,
                       const ks_train_config *tc);
void ks_model_free(ks_model *m);   /* NULL is a no-op */
/* A new model with m's settings and optimiser state (weights), without its
 * history, replay reservoir, threshold or calibration: the fold models of
 * cross-fitted scoring (app/oos.h). KS_ERR_NOMEM. */
ks_status ks_model_clone_state(ks_model **out /* OUT */, const ks_model *m);

const ks_feature_config *ks_model_features(const ks_model *m);
const ks_train_config *ks_model_train_config(const ks_model *m);

/* Margin w . x + b, and the calibrated probability of spam:
 * 1 / (1 + exp(a * margin + b)), the exponent clipped to [-35, 35] (so
 * 0 < p < 1); a fresh model has a = -1, b = 0, i.e. sigmoid(margin). x must come from this model's
 * feature settings (indices < 2^hash_bits; others are ignored). */
double ks_model_margin(const ks_model *m, const ks_fvec *x);
/* The same margin, to the bit, by the plain one-coordinate loop (the
 * reference ks_model_margin's prefetching, two-lane loop is tested against). */
double ks_model_margin_ref(const ks_model *m, const ks_fvec *x);
double ks_model_predict(const ks_model *m, const ks_fvec *x);

/* One FTRL-Proximal step on (x, label in {0,1}) with example weight
 * (multiplies the gradient; 0 leaves the model unchanged). Returns the
 * (unweighted) loss (tc.loss: hinge or log) of the margin before the step;
 * with the hinge loss an example outside the margin leaves the model
 * unchanged. The update
 * rule and its terms are described at the top of model/model.c. */
double ks_model_learn(ks_model *m, const ks_fvec *x, int label,
                      double weight);

/* Zero weights: every coordinate's (z, n) and the bias's back to a fresh
 * model's, keeping the settings, history, replay reservoir, threshold and
 * calibration (spam-update --relearn then learns the reservoir and the new
 * data from there). */
void ks_model_reset_weights(ks_model *m);

/* How many ks_model_learn calls changed the state (made a step: the hinge
 * loss inside the margin, the log loss nearly always) since the model was
 * made or loaded. A pass over a set of examples with no step leaves the
 * model as it was, so another pass over the same set makes none either:
 * training skips such passes (app/train.c, app/oos.c). */
uint64_t ks_model_steps(const ks_model *m);

/* Frees what only learning uses (the hinge loss's float weights, 4 bytes
 * a bucket, and a scratch buffer); a later ks_model_learn builds them
 * again. Changes no result. */
void ks_model_end_learning(ks_model *m);

/* Decision threshold on the probability (default 0.5). */
double ks_model_threshold(const ks_model *m);
void ks_model_set_threshold(ks_model *m, double t);

/* Calibration: how a margin becomes the probability ks_model_predict
 * returns, p = 1 / (1 + exp(a * margin + b)) (a = -1, b = 0: the plain
 * sigmoid, what a fresh model has), and how the threshold was chosen.
 * Set by training from out-of-sample scores (app/train.c, docs/design.md
 * "Threshold and calibration"). */
enum { KS_SCORES_OFF = 0,          /* none: plain sigmoid, threshold kept */
       KS_SCORES_CROSSFIT = 1,     /* 4 fold models' scores, last pass */
       KS_SCORES_PROGRESSIVE = 2 };/* first-pass scores before each step */
enum { KS_RULE_FIXED = 0,          /* given (--threshold) or the default 0.5 */
       KS_RULE_ACCURACY = 1,       /* highest accuracy on the scores */
       KS_RULE_TARGET_FPR = 2 };   /* lowest with false-positive rate <= target */
typedef struct {
    double a, b;          /* Platt's sigmoid on the margin; a < 0 */
    uint32_t scores;      /* KS_SCORES_*: what a, b, threshold came from */
    uint32_t rule;        /* KS_RULE_*: how the threshold was chosen */
    double target_fpr;    /* KS_RULE_TARGET_FPR: 0 < target < 1; else 0 */
} ks_calibration;

const ks_calibration *ks_model_calibration(const ks_model *m);
/* KS_ERR_USAGE (m unchanged) when c is out of range: a, b finite,
 * -1e6 <= a < 0, |b| <= 1e6, scores and rule known, target_fpr in (0, 1)
 * for KS_RULE_TARGET_FPR and 0 otherwise. */
ks_status ks_model_set_calibration(ks_model *m, const ks_calibration *c);
/* The calibrated probability of a margin (what ks_model_predict uses). */
double ks_model_calibrate(const ks_model *m, double margin);

/* Appends a copy of h (strings cut to fit and NUL-terminated). */
ks_status ks_model_add_history(ks_model *m, const ks_history_entry *h);
size_t ks_model_history_count(const ks_model *m);
/* Entry i (0 = oldest), owned by the model, valid until the next
 * ks_model_add_history or ks_model_free; NULL when i is past the end. */
const ks_history_entry *ks_model_history(const ks_model *m, size_t i);

/* Examples trained on so far, by label, summed over the history. */
uint64_t ks_model_seen(const ks_model *m, int label);

/* CRC32 of model.bin as last loaded or saved (0 for a fresh model), and
 * the checksum of the model this one was trained from (0 if none). */
uint32_t ks_model_checksum(const ks_model *m);
uint32_t ks_model_parent_checksum(const ks_model *m);

/* Non-zero weights, i.e. buckets with |z| > l1 (for the summary in logs
 * and model.json). Walks all 2^hash_bits buckets. */
uint64_t ks_model_nonzero(const ks_model *m);

/* KS_OK when features c are the ones the model was trained with (what
 * incremental training must extract); else KS_ERR_MODEL with a detail
 * naming the first setting that differs and both values. */
ks_status ks_model_check_compatible(const ks_model *m,
                                    const ks_feature_config *c);

/* Replay reservoir. The model keeps a uniform random sample (reservoir
 * sampling, Vitter's Algorithm R, seeded, so reproducible) of at most
 * tc.replay of the examples it was trained on, as hashed vectors. An
 * incremental session rehearses them alongside the new data, so that an
 * update behaves like training on old and new data together instead of
 * drifting toward the new set (catastrophic forgetting). Offer each
 * training example once per session. */
ks_status ks_model_replay_offer(ks_model *m, const ks_fvec *x, int label);
size_t ks_model_replay_count(const ks_model *m);
/* The reservoir is bounded by bytes too: its examples (encoded, 8 bytes
 * each added) stay within KS_REPLAY_BYTES; past that it keeps fewer than
 * tc.replay, dropping random ones (replay.c). ks_model_replay_bytes: what
 * they take now. The bound is far above what 4096 examples of the
 * SpamAssassin or Knitfab data take (about 20 MB and 3 MB), so there the
 * reservoir is Algorithm R exactly; it caps a reservoir of huge vectors
 * (in a temporary file, ks_model_replay_spill, it is not the process's
 * memory; in memory it is). */
#define KS_REPLAY_BYTES ((size_t)256 << 20)
size_t ks_model_replay_bytes(const ks_model *m);
/* Decodes the i-th kept example (i < count) into *out (caller-owned,
 * reused). */
ks_status ks_model_replay_get(const ks_model *m, size_t i,
                              ks_fvec *out /* OUT */, int *label /* OUT */);
/* The same for a vector already in ks_fvec_encode form (what the
 * training loop keeps): offer a copy of data[0 .. len) (with a
 * training view, of its first vector only: the example's view after it is
 * not kept, the reservoir holds messages' vectors), or read kept example i's bytes (owned by
 * the model, valid until the next call on the reservoir: offer, get or
 * encoded). KS_ERR_IO only when the reservoir is in a file
 * (ks_model_replay_spill) that cannot be read. */
ks_status ks_model_replay_offer_encoded(ks_model *m, const void *data,
                                        size_t len, int label);
ks_status ks_model_replay_encoded(const ks_model *m, size_t i,
                                  const unsigned char **data /* OUT */,
                                  size_t *len /* OUT */, int *label /* OUT */);

/* Keeps the reservoir's bytes (those held, and every later offer) in an
 * unlinked temporary file in $TMPDIR (else /tmp) instead of memory, read
 * back on demand: memory is then 16 bytes per example (tc.replay of them),
 * a 256 KiB write buffer and read-ahead block, and a buffer of the largest
 * example read, whatever the examples' size; the same
 * examples, offers and saved file. Training calls it; KS_ERR_IO when no
 * file can be made (the reservoir stays in memory, usable), KS_ERR_NOMEM.
 * A no-op on a model loaded for scoring, or already spilled. */
ks_status ks_model_replay_spill(ks_model *m);

/* Writes dir/model.bin and dir/model.json atomically; dir must exist.
 * The file records ks_model_checksum(m) as its parent (0 for a fresh model,
 * the loaded file's checksum for a loaded one). On success the parent
 * checksum becomes that previous checksum and the checksum becomes the new
 * file's CRC32. On failure (KS_ERR_NOMEM, KS_ERR_WRITE) m is unchanged;
 * model.json is written first and model.bin last (the commit point), so a
 * failure leaves the old model.bin (or none), perhaps beside a new
 * model.json (which is never read back). */
ks_status ks_model_save(ks_model *m, const char *dir);

/* Loads dir/model.bin (layout at the top of model/model_io.c). Checks, in
 * this order, each failing with KS_ERR_MODEL and a detail naming the file
 * and the problem: missing; too short; not a ks model file (magic); format
 * version N; other endianness; checksum mismatch: file is corrupt;
 * truncated / unexpected bytes (declared counts vs size); feature or
 * training settings out of range; coordinate index out of range or out of
 * order; state not finite. KS_ERR_NOMEM when memory runs out. The model's
 * checksum is the file's CRC32 and its parent the one stored in the file;
 * model.json is not read. */
ks_status ks_model_load(ks_model **out /* OUT */, const char *dir);

/* ks_model_load with the reservoir read straight into a temporary file
 * (ks_model_replay_spill; in memory if none can be made): loading for
 * training does not hold the reservoir in memory beside the file read. */
ks_status ks_model_load_spilled(ks_model **out /* OUT */, const char *dir);

/* ks_model_load for scoring only (spam-validate, spam-classify): the same
 * checks, except that the replay reservoir's examples are only framed
 * (label and size of each, the section's total) and neither decoded nor
 * kept; the CRC32 still covers them. The model scores exactly as a full
 * load's; its reservoir reads as empty, and ks_model_save refuses it
 * (KS_ERR_USAGE: saving would drop the reservoir). */
ks_status ks_model_load_scoring(ks_model **out /* OUT */, const char *dir);

#endif
