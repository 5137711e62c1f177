/* classify.h - spam-classify: score raw mail with a saved model, for mail
 * filters (procmail, maildrop, Sieve) and for batches.
 *
 *   spam-classify [--model DIR] [--threshold P] [FILE | -]
 *       scores one RFC 822 message (a file, or standard input for "-" or
 *       no argument), prints "SCORE<TAB>VERDICT" and exits 0 for ham, 1 for
 *       spam (spamc -c's convention; NOT bogofilter's, which is 0 spam,
 *       1 ham, 2 unsure, 3 error).
 *   spam-classify [--model DIR] --batch DIR|MBOX
 *       scores every message of a folder (walked in byte order, hidden
 *       names skipped; a file that starts with a From_ line is split as an
 *       mbox) or of one mbox file, one line "SCORE<TAB>VERDICT<TAB>ID" per
 *       message (ID: the path below DIR, "#N" for the Nth message of an
 *       mbox); exits 0 once all were scored, whatever the verdicts.
 *
 * Exit codes: 0 ham, 1 spam, then errors, all >= 2 so a filter never takes
 * an error for a verdict: 2 usage; 3 input missing, unreadable or too
 * large (batch: at least one message could not be scored; the others are
 * printed); 4 model missing, corrupt or incompatible; 5 cannot write the
 * output; 6 batch found no message; 7 internal error (out of memory).
 */
#ifndef KS_CLASSIFY_H
#define KS_CLASSIFY_H

#include <stdint.h>
#include <stdio.h>
#include "ks/buf.h"
#include "ks/features.h"
#include "ks/instream.h"
#include "ks/model.h"
#include "ks/svm_model.h"
#include "progress.h"

enum {
    KS_CLASSIFY_HAM = 0, KS_CLASSIFY_SPAM = 1, KS_CLASSIFY_USAGE = 2,
    KS_CLASSIFY_INPUT = 3, KS_CLASSIFY_MODEL = 4, KS_CLASSIFY_WRITE = 5,
    KS_CLASSIFY_EMPTY = 6, KS_CLASSIFY_INTERNAL = 7
};

/* What one run holds; filled by classify.c, used by batch.c. */
typedef struct {
    ks_model *m;
    ks_svm *svm;             /* the model's SVM, for --algo svm models */
    ks_extractor *ex;
    ks_fvec x;               /* features of the message being scored */
    ks_instream *in;         /* reused for every file */
    ks_buf buf;              /* one message read whole */
    double threshold;        /* spam when score >= threshold */
    uint64_t max_message;    /* bytes; larger messages are not scored */
    FILE *out;               /* where verdict lines go (stdout) */
    uint64_t verdicts[2];    /* messages scored ham, spam */
    uint64_t failed;         /* messages or files that could not be scored */
    uint64_t bytes;          /* input bytes read so far (progress) */
    ks_progress pr;
} ks_classifier;

/* Main of spam-classify (classifier/main.c). Returns the exit code. */
int ks_classify_main(int argc, char **argv);

/* Scores one raw message: *score in (0, 1). Fails only on limits or memory. */
ks_status ks_classify_score(ks_classifier *c, const char *id, const char *data,
                            size_t len, double *score /* OUT */);

/* Batch mode over a folder or one file; prints a line per message, warns
 * (KS_LOG_WARN) and counts c->failed for what cannot be scored. Fails only
 * when path cannot be read at all (KS_ERR_IO), on output errors
 * (KS_ERR_WRITE) or out of memory. */
ks_status ks_classify_batch(ks_classifier *c, const char *path);

/* Reads the rest of c->in into c->buf (replacing it); KS_ERR_LIMIT past
 * c->max_message bytes. */
ks_status ks_classify_read_all(ks_classifier *c);

#endif
