/* train_svm.h - the loops of the svm model family (--algo svm), beside
 * train.c and validate.c, which call in through one hook each. */
#ifndef KS_APP_TRAIN_SVM_H
#define KS_APP_TRAIN_SVM_H

#include "app.h"
#include "ks/svm_model.h"

/* 1 when this run trains an svm model: spam-train with --algo svm, or
 * spam-update on a model whose model.bin says svm (a model that does not
 * load gives 0, and the usual loop reports why). */
int ks_app_is_svm(const ks_app_opts *o);

/* spam-train / spam-update of the svm family: collects the dataset's
 * vectors, retrains on them plus the kept support vectors, saves the model
 * folder. Returns an exit code (app.h). */
int ks_app_train_svm(const ks_app_opts *o);

/* For a loaded model m of folder dir: *out = its svm (KS_ALGO_SVM), or
 * NULL for a logistic regression model. KS_ERR_MODEL / KS_ERR_NOMEM. */
ks_status ks_app_svm_load(const ks_model *m, const char *dir, ks_svm **out /* OUT */);

/* P(spam | x) by whichever family the model is (svm NULL: m's). */
double ks_app_score(const ks_model *m, const ks_svm *svm, const ks_fvec *x);

#endif
