/* svm_model.h - the SVM model family (--algo svm): libsvm C-SVC on our
 * hashed features, Platt-scaled probabilities, and incremental training
 * by retraining on the kept support vectors plus the new batch (Syed, Liu
 * & Sung 1999). docs/design-svm.md gives the why and the measurements.
 *
 * A model folder of this family holds:
 *   model.bin   our settings, history, threshold and checksum (model.h),
 *               with training setting algo = KS_ALGO_SVM and family_crc =
 *               CRC32 of svm.bin (so a model.bin loads only with its own
 *               svm.bin);
 *   svm.bin     binary, little-endian, field by field (layout at the top of
 *               model/svm.c): libsvm's parameters, rho, Platt's A and B,
 *               and every support vector as our sparse vector with its
 *               label and coefficient; CRC32 of everything before it.
 * Both are written atomically (fileio.h); svm.bin first, model.bin last
 * (the commit point). libsvm's own text model (svm_save_model) is not
 * written: it tripled the folder (docs/design-svm.md).
 *
 * Threads: a ks_svm is used by one thread at a time.
 */
#ifndef KS_SVM_MODEL_H
#define KS_SVM_MODEL_H

#include <stddef.h>
#include <stdint.h>
#include "features.h"
#include "model.h"
#include "status.h"

enum { KS_SVM_LINEAR = 0, KS_SVM_RBF = 2 };   /* libsvm's kernel_type values */

/* Training hands libsvm the whole kernel matrix (its PRECOMPUTED kernel)
 * when it fits in this many bytes (16 per entry: up to ~8000 examples),
 * which is 10-30x faster on our sparse vectors; past it libsvm computes
 * kernel values itself. The saved model is the same either way. */
#define KS_SVM_GRAM_MAX ((uint64_t)1 << 30)

typedef struct {
    double c;        /* C-SVC penalty C (> 0) */
    uint32_t kernel; /* KS_SVM_LINEAR or KS_SVM_RBF */
    double gamma;    /* RBF exp(-gamma |x - y|^2); our vectors have unit
                        length, so 1 is a sane scale */
    uint32_t cap;    /* support vectors kept (and used) at most, 1..2^22;
                        past it the ones with the smallest |alpha| go */
    uint64_t seed;   /* seeds libsvm's shuffles (Platt's cross-validation) */
} ks_svm_config;

void ks_svm_config_default(ks_svm_config *c);   /* C 1, linear, gamma 1, cap 20000 */
/* KS_OK or KS_ERR_USAGE naming the setting out of range. */
ks_status ks_svm_config_check(const ks_svm_config *c);

typedef struct ks_svm ks_svm;

/* An untrained model with settings c (checked). KS_ERR_NOMEM. */
ks_status ks_svm_new(ks_svm **out /* OUT */, const ks_svm_config *c);
void ks_svm_free(ks_svm *s);   /* NULL is a no-op */

const ks_svm_config *ks_svm_config_get(const ks_svm *s);

/* Adds a copy of (x, label 0/1) to the batch of the next ks_svm_train. */
ks_status ks_svm_add(ks_svm *s, const ks_fvec *x, int label);

/* Trains on the kept support vectors plus the batch (then emptied), keeps
 * the new support vectors (at most cap). KS_ERR_DATA when the examples
 * hold one class only; KS_ERR_NOMEM. */
ks_status ks_svm_train(ks_svm *s);

/* Support vectors kept; examples waiting in the batch. */
size_t ks_svm_sv_count(const ks_svm *s);
size_t ks_svm_batch_count(const ks_svm *s);

/* P(spam | x) by Platt scaling, in (0, 1); 0.5 for an untrained model. */
double ks_svm_predict(const ks_svm *s, const ks_fvec *x);

/* Writes dir/svm.bin, then records algo = KS_ALGO_SVM and
 * svm.bin's CRC32 in m and saves m (ks_model_save: model.bin, model.json).
 * KS_ERR_WRITE, KS_ERR_NOMEM; on failure no new model.bin is written. */
ks_status ks_svm_save(ks_svm *s, ks_model *m, const char *dir);

/* Loads dir/svm.bin for m (loaded from dir/model.bin). KS_ERR_MODEL with a
 * detail when m is not of the svm family, svm.bin is missing, of another
 * kind or version, corrupt (CRC), not the one model.bin names
 * (family_crc), or holds values out of range (indices past 2^hash_bits,
 * out of order, not finite). KS_ERR_NOMEM. */
ks_status ks_svm_load(ks_svm **out /* OUT */, const ks_model *m, const char *dir);

#endif
