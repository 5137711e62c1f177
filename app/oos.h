/* oos.h - out-of-sample scores of the training data, and what training
 * makes of them: the model's calibration (Platt) and decision threshold.
 *
 * Two ways to score a training example with a model that has not learned
 * it (docs/design.md, "Threshold and calibration"):
 *   cross-fit:   four fold models, each learning the examples of the other
 *                three folds (fold = a hash of the example's encoded vector,
 *                so it is the same in every pass and duplicates share a
 *                fold) in every pass, beside the real model; in the last
 *                pass each example is scored by its own fold's model before
 *                the rest learn it. Costs three more learning steps an
 *                example and 4 x 8 bytes a bucket; used up to 2^22 buckets.
 *   progressive: the first pass, each example scored by the real model just
 *                before it learns it. Free, but from an early model.
 * Replayed examples (spam-update) are learned by every fold model and never
 * scored: the model has seen them in an earlier session.
 */
#ifndef KS_APP_OOS_H
#define KS_APP_OOS_H

#include "app.h"
#include "ks/calibrate.h"

typedef struct ks_oos ks_oos;

/* For model m (already loaded or new), scores `mode` (KS_SCORES_*; OFF:
 * *out = NULL, nothing to do). Cross-fit over 2^22 buckets falls back to
 * progressive, with a warning. Cross-fit with threads > 1: a helper
 * thread learns three of the four fold models (the caller's thread the
 * other one), each fold model stepped by one thread in the order of
 * ks_oos_step calls, so the fold models and scores are bit for bit those
 * of threads 1. One caller thread.
 * fresh: m's state is a new model's (spam-train, a relearning update).
 * Cross-fit on a fresh model is deferred when a temporary file can be
 * made (spill.h): ks_oos_step logs each step there, and
 * ks_oos_end_learning has each fold model, new, learn the log alone
 * afterwards (two at a time with threads > 1): the same steps in the same
 * order, so the same scores, with one or two fold models in memory at a
 * time instead of four beside the model. m must outlive the ks_oos. */
ks_status ks_oos_new(ks_oos **out /* OUT */, const ks_model *m, uint32_t mode,
                     unsigned threads, int fresh);
void ks_oos_free(ks_oos *o);   /* NULL is a no-op */
uint32_t ks_oos_mode(const ks_oos *o);

/* The cross-fit fold of a new example, from its compact encoding (the
 * CRC of its bytes): the same message is in the same fold in every pass,
 * whatever form its bytes take later. */
int ks_oos_fold(const unsigned char *compact, size_t len);

/* Before the real model learns x (label, weight) in pass `pass` of
 * `passes`, and then its training view (view, or NULL); enc/len: the
 * example's encoding, compact or wide (features.h); fold: its ks_oos_fold,
 * or -1 to take it from enc, which must then be the compact form. replay:
 * a rehearsed example of an earlier session (no fold). At most 255
 * distinct (label, weight) pairs are scored in a session (training has
 * two: a weight per class); KS_ERR_USAGE past that. */
ks_status ks_oos_step(ks_oos *o, const ks_model *m, const ks_fvec *x, const ks_fvec *view,
                      const unsigned char *enc, size_t len, int fold, int label,
                      double weight, int replay, unsigned pass, unsigned passes);

/* Before the steps of a pass: same says that the pass presents the same
 * examples (bytes, labels, weights; any order) as the pass before it. The
 * deferred fold models then skip learning a pass when they made no step
 * in the one before (ks_model_steps): none would make one. NULL: no-op. */
void ks_oos_begin_pass(ks_oos *o, int same);

/* How many passes the deferred fold models did not learn, in all (after
 * ks_oos_end_learning). */
unsigned ks_oos_passes_skipped(const ks_oos *o);

/* Whether ks_oos_step reads x and view (the fold models learn beside the
 * model); if not, they may be NULL. */
int ks_oos_uses_vectors(const ks_oos *o);

/* After the last ks_oos_step: waits for the helper's steps, ends it, and
 * frees the fold models (the scores stay for ks_oos_finish), so what
 * follows training does not hold 4 x 8 bytes a bucket. No ks_oos_step
 * after it; ks_oos_finish calls it if the caller has not. KS_ERR_NOMEM
 * when the helper ran out of memory. NULL is a no-op. */
ks_status ks_oos_end_learning(ks_oos *o);

/* After the last pass: fits Platt's sigmoid on the collected margins and
 * sets it as m's calibration, then sets m's threshold by the rule:
 * target_fpr in (0, 1) -> KS_RULE_TARGET_FPR; NaN and fixed_threshold NaN
 * -> KS_RULE_ACCURACY; fixed_threshold in [0, 1] -> KS_RULE_FIXED with that
 * value. Logs what it chose. With o NULL (scores off): plain sigmoid, and
 * the threshold fixed_threshold if given, else kept as it is. */
ks_status ks_oos_finish(ks_oos *o, ks_model *m, double target_fpr,
                        double fixed_threshold);

/* The scores collected (for tests and diagnostics), after ks_oos_finish
 * (NULL before). */
const ks_scored *ks_oos_scores(const ks_oos *o, size_t *n /* OUT */);

#endif
