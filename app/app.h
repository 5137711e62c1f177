/* app.h - what spam-train, spam-update and spam-validate share: flags,
 * logging to stderr, exit codes, and the training and scoring loops.
 *
 * The programs are thin: main() calls ks_app_main() with its mode.
 *
 * Exit codes (documented in the README and in --help):
 *   0 success; 1 internal error (out of memory); 2 usage error;
 *   3 input missing, unreadable or invalid; 4 model missing, corrupt or
 *   incompatible; 5 cannot write an output; 6 dataset unusable (no
 *   records, one class only, too many bad records, a limit exceeded).
 */
#ifndef KS_APP_H
#define KS_APP_H

#include "ks/dataset.h"
#include "ks/features.h"
#include "ks/model.h"
#include "ks/svm_model.h"

typedef enum { KS_APP_TRAIN, KS_APP_UPDATE, KS_APP_VALIDATE } ks_app_mode;

enum {
    KS_EXIT_OK = 0, KS_EXIT_INTERNAL = 1, KS_EXIT_USAGE = 2, KS_EXIT_INPUT = 3,
    KS_EXIT_MODEL = 4, KS_EXIT_WRITE = 5, KS_EXIT_DATA = 6
};

typedef struct {
    ks_app_mode mode;
    const char *prog;             /* program name for messages */
    const char *dataset;          /* --dataset */
    const char *model;            /* --model (update, validate) */
    const char *save_to;          /* --save-to */
    ks_dataset_opts ds;           /* --format, --max-message, --max-gzip-ratio */
    ks_mail_limits mail;          /* --max-mime-depth, --max-mime-parts: give
                                     to ks_extractor_set_limits() */
    ks_feature_config feat;       /* --hash-bits, --features, ... */
    ks_train_config train;        /* --passes, --alpha, --l1, --l2, --seed,
                                     --algo (train.algo) */
    ks_svm_config svm;            /* --svm-c, --svm-kernel, --svm-gamma, --svm-cap */
    unsigned train_set;           /* bits: which train flags were given */
    double threshold;             /* --threshold: validate: override, NaN =
                                     the model's; train/update: a fixed
                                     threshold to store, NaN = chosen */
    double target_fpr;            /* --target-fpr (train/update), NaN = none */
    int scores;                   /* --calibration: KS_SCORES_* or
                                     KS_APP_SCORES_KEEP (update), -1 = the
                                     default (cross-fit; update: the model's) */
    double max_bad_fraction;      /* --max-bad-fraction */
    unsigned shuffle_buffer;      /* --shuffle-buffer, messages */
    int verbosity;                /* 0 quiet, 1 normal, 2 verbose */
    int online;                   /* --online (spam-train) */
    int view_set;                 /* --view given */
    int loss_set;                 /* --loss given */
    int relearn;                  /* spam-update: 1 (default, --relearn):
                                     start from zero weights and learn the
                                     model's replay reservoir with the new
                                     data; 0 (--no-relearn): continue from
                                     the model's weights */
    int relearn_set;              /* --relearn or --no-relearn given */
    unsigned threads;             /* --threads: 1 reads in the learner's
                                     thread, 2 reads ahead in another */
} ks_app_opts;

/* spam-update --calibration keep: the model's calibration and threshold
 * stay as they are (no out-of-sample scores are collected). */
enum { KS_APP_SCORES_KEEP = 3 };

/* Bits of train_set. */
enum { KS_SET_PASSES = 1, KS_SET_ALPHA = 2, KS_SET_L1 = 4, KS_SET_L2 = 8,
       KS_SET_SEED = 16, KS_SET_BALANCE = 32 };

int ks_app_main(ks_app_mode mode, int argc, char **argv);

/* Prints "prog (knitspam) VERSION", the kernel in use and the libraries'
 * versions to stdout (--version of every program). */
void ks_app_version(const char *prog);

/* Maps a library status to the exit code above. */
int ks_app_exit_code(ks_status st);

/* Logs to stderr as "prog: message" (library log hook). */
void ks_app_log_init(const char *prog, int verbosity);

/* The loops, after flags are parsed. Return an exit code; never exit. */
int ks_app_train(const ks_app_opts *o);
int ks_app_validate(const ks_app_opts *o);
/* spam-train --online: score-then-learn evaluation, writes online.json. */
int ks_app_online(const ks_app_opts *o);

/* Opens the dataset, checks it holds usable records, logs what it found.
 * Shared by the loops. */
ks_status ks_app_open_dataset(const ks_app_opts *o, ks_dataset **ds /* OUT */);
/* Appends s to b as one RFC 4180 field: quoted when it holds a comma,
 * quote or line break (predictions.csv, online_predictions.csv). */
ks_status ks_app_csv_field(ks_buf *b, const char *s);
/* KS_ERR_DATA when skipped records exceed max_bad_fraction. */
ks_status ks_app_check_bad(const ks_app_opts *o, const ks_dataset *ds);

#endif
