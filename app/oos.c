/* oos.c - out-of-sample scores of training data -> calibration and
 * threshold (oos.h; the choice of method is argued in docs/design.md,
 * "Threshold and calibration"). */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <zlib.h>
#include "oos.h"
#include "spill.h"
#include "ks/alloc.h"
#include "ks/buf.h"

#define FOLDS 4   /* as good as 5 in bench/calibration_cv.py, 8 MiB less */
#define CROSSFIT_MAX_BITS 22
/* With a helper thread, it owns fold models HELPER_FIRST .. FOLDS - 1 and
 * the caller's thread the others: each learns 3/4 of the examples, so the
 * caller (the real model and one fold: 1.75) and the helper (three folds:
 * 2.25) do about the same work. */
#define HELPER_FIRST 1
#define QDEPTH 64               /* examples queued for the helper */
/* ... and at most this many bytes of theirs (more only for one example
 * larger than that): a job's buffer is also cut back when it holds much
 * more than its example, so the queue's memory follows the examples
 * queued, not the largest ones ever seen */
#define QBYTES ((size_t)512 << 10)
/* Bytes of records a batch gathers for the log's writer thread. */
#define WBATCH ((size_t)256 << 10)

/* An example handed to the helper: its encoding (the caller's vector is
 * reused as soon as ks_oos_step returns), and where its score goes. */
typedef struct {
    ks_buf enc;                 /* ks_fvec_encode bytes */
    int label, fold;            /* fold -1: replayed, learned by all */
    double weight;
    size_t score;               /* index in v, or SIZE_MAX: not scored */
} job;

/* Deferred cross-fit: the head of a record in the log (host layout; the
 * file is this process's own), followed by len bytes of encoding. */
typedef struct {
    uint32_t len;
    int32_t fold;               /* -1: replayed, learned by all */
    int32_t label;
    uint16_t pass;              /* the model's pass (1..1000) */
    uint16_t same;              /* that pass's examples are the pass
                                   before's (ks_oos_begin_pass) */
    double weight;
    uint64_t score;             /* index in score, or UINT64_MAX: not scored */
} rec_head;

struct ks_oos {
    uint32_t mode;              /* KS_SCORES_CROSSFIT or _PROGRESSIVE */
    int same;                   /* ks_oos_begin_pass's, for the log */
    unsigned skipped;           /* fold-model passes not learned (settled) */
    ks_model *fold[FOLDS];      /* cross-fit: fold k's model never learns fold k */
    uint32_t dim;               /* buckets of the models */
    /* deferred cross-fit (a fresh model and a temporary file): the steps
     * are logged while the real model learns, and each fold model learns
     * the log alone afterwards (ks_oos_end_learning) */
    ks_spill *log;              /* NULL: the fold models learn live */
    /* the log's writer thread (log_step), when threads > 1: the fields
     * from werr on are shared, under wmu; batch[wjob] is the writer's
     * while wbusy, batch[wfill] the caller's */
    int writer;                 /* the writer runs */
    int wsync;                  /* wmu, wcv are initialised */
    pthread_t wthread;
    ks_buf batch[2];
    int wfill, wjob;
    ks_status werr;             /* the writer's first failure */
    char wdetail[512];          /* its detail (ks_fail's is per thread) */
    pthread_mutex_t wmu;
    pthread_cond_t wcv;         /* a batch handed / written, or stop */
    int wbusy, wstop;
    const ks_model *base;       /* settings of the fold models */
    unsigned threads;           /* for the fold models' phase */
    /* collected scores, 9 bytes each while training (they are the one
     * thing that grows with the data): the margin, and the index of its
     * (label, weight) in kinds; ks_oos_finish expands them into v */
    double *score;
    unsigned char *kind;
    size_t n, cap;
    ks_scored kinds[255];       /* distinct (label, weight) pairs seen */
    int nkinds;
    ks_scored *v;               /* the scores expanded, after ks_oos_finish */
    /* helper thread (cross-fit with threads > 1): hx is the helper's
     * own; herr and the fields from mu on are shared, under mu (a job's
     * contents belong to the caller until put counts it, then to the
     * helper until done does) */
    int threaded;               /* the helper runs */
    int sync;                   /* mu, more, room are initialised */
    pthread_t thread;
    ks_fvec hx, hv;             /* the helper's decoded vector and view */
    ks_status herr;             /* the helper's first failure */
    pthread_mutex_t mu;
    pthread_cond_t more, room;  /* a job queued / a job done */
    job q[QDEPTH];
    uint64_t put, got, done;    /* jobs queued / taken / finished */
    size_t qbytes;              /* bytes of the jobs queued, not done */
    int stop;
    int hwait, mwait;           /* the helper / the caller waits (so a
                                   signal is sent only when one does) */
};

static ks_status stop_writer(ks_oos *o);
static void *writer(void *arg);

/* Fold model f learns an example: its vector, then its view (or NULL). */
static void learn_example(ks_model *f, const ks_fvec *x, const ks_fvec *view, int label,
                          double weight)
{
    ks_model_learn(f, x, label, weight);
    if (view)
        ks_model_learn(f, view, label, weight);
}

/* The helper: takes jobs in order and makes its folds' steps (the same
 * steps, in the same order, as the single-threaded ks_oos_step). */
static void *helper(void *arg)
{
    ks_oos *o = arg;
    pthread_mutex_lock(&o->mu);
    for (;;) {
        job *j;
        ks_status st;
        int pair;
        while (o->got == o->put && !o->stop) {
            o->hwait = 1;
            pthread_cond_wait(&o->more, &o->mu);
            o->hwait = 0;
        }
        if (o->got == o->put)
            break;
        j = &o->q[o->got++ % QDEPTH];
        pthread_mutex_unlock(&o->mu);
        st = ks_example_decode((const unsigned char *)j->enc.data, j->enc.len, o->dim, &o->hx,
                               &o->hv, &pair);
        if (st == KS_OK) {
            if (j->score != SIZE_MAX)
                o->score[j->score] = ks_model_margin(o->fold[j->fold], &o->hx);
            for (int k = HELPER_FIRST; k < FOLDS; k++)
                if (k != j->fold)
                    learn_example(o->fold[k], &o->hx, pair ? &o->hv : NULL, j->label, j->weight);
        }
        pthread_mutex_lock(&o->mu);
        if (st != KS_OK && o->herr == KS_OK)
            o->herr = KS_ERR_NOMEM;   /* decode fails only for memory */
        o->qbytes -= j->enc.len;
        o->done++;
        if (o->mwait)
            pthread_cond_signal(&o->room);
    }
    pthread_mutex_unlock(&o->mu);
    return NULL;
}

/* Waits until the helper has finished every queued job (its fold models
 * and scores are then safe to read or move). */
static ks_status wait_idle(ks_oos *o)
{
    ks_status st;
    if (!o->threaded)
        return KS_OK;
    pthread_mutex_lock(&o->mu);
    while (o->done != o->put) {
        o->mwait = 1;
        pthread_cond_wait(&o->room, &o->mu);
        o->mwait = 0;
    }
    st = o->herr;
    pthread_mutex_unlock(&o->mu);
    return st == KS_OK ? KS_OK
                       : ks_fail(st, "out of memory decoding a vector for the fold models");
}

static void stop_helper(ks_oos *o)
{
    if (!o->threaded)
        return;
    pthread_mutex_lock(&o->mu);
    o->stop = 1;
    pthread_cond_signal(&o->more);
    pthread_mutex_unlock(&o->mu);
    pthread_join(o->thread, NULL);
    o->threaded = 0;
}

ks_status ks_oos_new(ks_oos **out, const ks_model *m, uint32_t mode, unsigned threads,
                     int fresh)
{
    ks_oos *o;
    ks_status st;
    *out = NULL;
    if (mode == KS_SCORES_OFF)
        return KS_OK;
    if (mode == KS_SCORES_CROSSFIT && ks_model_features(m)->hash_bits > CROSSFIT_MAX_BITS) {
        ks_log(KS_LOG_WARN, "calibration: cross-fit needs %d more models of 2^%u buckets; "
               "using progressive scores instead (over 2^%d buckets)", FOLDS,
               (unsigned)ks_model_features(m)->hash_bits, CROSSFIT_MAX_BITS);
        mode = KS_SCORES_PROGRESSIVE;
    }
    if (!(o = ks_calloc(1, sizeof *o)))
        return ks_fail(KS_ERR_NOMEM, "out of memory for calibration");
    o->mode = mode;
    o->dim = (uint32_t)1 << ks_model_features(m)->hash_bits;
    o->base = m;
    o->threads = threads;
    if (mode == KS_SCORES_CROSSFIT && fresh) {
        if ((st = ks_spill_new(&o->log, "calibration log")) == KS_OK) {
            if (threads > 1) {
                pthread_mutex_init(&o->wmu, NULL);
                pthread_cond_init(&o->wcv, NULL);
                o->wsync = 1;
                /* without a thread, log_step writes the records itself */
                o->writer = pthread_create(&o->wthread, NULL, writer, o) == 0;
            }
            *out = o;
            return KS_OK;
        }
        if (st == KS_ERR_NOMEM) {
            ks_oos_free(o);
            return st;
        }
        ks_log(KS_LOG_INFO, "%s; the fold models learn beside the model (%d x 8 bytes a "
               "bucket more memory)", ks_error_detail(), FOLDS);
    }
    for (int k = 0; mode == KS_SCORES_CROSSFIT && k < FOLDS; k++)
        if ((st = ks_model_clone_state(&o->fold[k], m)) != KS_OK) {
            ks_oos_free(o);
            return st;
        }
    if (mode == KS_SCORES_CROSSFIT && threads > 1) {
        pthread_mutex_init(&o->mu, NULL);
        pthread_cond_init(&o->more, NULL);
        pthread_cond_init(&o->room, NULL);
        o->sync = 1;
        /* without a thread, the same steps in this one */
        o->threaded = pthread_create(&o->thread, NULL, helper, o) == 0;
    }
    *out = o;
    return KS_OK;
}

void ks_oos_free(ks_oos *o)
{
    if (!o)
        return;
    stop_helper(o);
    (void)stop_writer(o);
    if (o->wsync) {
        pthread_mutex_destroy(&o->wmu);
        pthread_cond_destroy(&o->wcv);
    }
    ks_buf_free(&o->batch[0]);
    ks_buf_free(&o->batch[1]);
    if (o->sync) {
        pthread_mutex_destroy(&o->mu);
        pthread_cond_destroy(&o->more);
        pthread_cond_destroy(&o->room);
    }
    for (int k = 0; k < QDEPTH; k++)
        ks_buf_free(&o->q[k].enc);
    ks_fvec_free(&o->hx);
    ks_fvec_free(&o->hv);
    for (int k = 0; k < FOLDS; k++)
        ks_model_free(o->fold[k]);
    ks_spill_free(o->log);
    ks_free(o->score);
    ks_free(o->kind);
    ks_free(o->v);
    ks_free(o);
}

/* Deferred cross-fit, one fold model: a fresh model learns the log in
 * order, every example but its own fold's, and scores those of the last
 * pass where they come: the steps ks_oos_step makes live, so the same
 * scores, bit for bit. */
static ks_status learn_fold(ks_oos *o, int k, ks_fvec *x, ks_fvec *view, unsigned *skipped)
{
    ks_spill_reader r;
    const unsigned char *p;
    rec_head h;
    ks_model *f;
    unsigned pass = 0, settled = 0;   /* settled: no step would change f (below) */
    uint64_t steps = 0;               /* f's steps before this pass */
    ks_status st = ks_model_new(&f, ks_model_features(o->base), ks_model_train_config(o->base));
    if (st != KS_OK)
        return st;
    ks_spill_reader_start(&r, o->log);
    while ((st = ks_spill_read(&r, sizeof h, &p)) == KS_OK) {
        int pair;
        memcpy(&h, p, sizeof h);
        if ((st = ks_spill_read(&r, h.len, &p)) != KS_OK) {
            if (st == KS_DONE)
                st = ks_fail(KS_ERR_IO, "the calibration log ends inside a record");
            break;
        }
        if (h.pass != pass) {   /* a pass begins: if the one before made no
                                   step and this one has the same examples,
                                   it makes none either (ks_model_steps) */
            settled = pass && h.same && ks_model_steps(f) == steps;
            *skipped += settled;
            pass = h.pass;
            steps = ks_model_steps(f);
        }
        if (h.fold == k && h.score == UINT64_MAX)   /* never learned by its fold */
            continue;
        if (settled && h.fold != k)   /* a step that would change nothing */
            continue;
        if ((st = ks_example_decode(p, h.len, o->dim, x, view, &pair)) != KS_OK)
            break;   /* memory only: we encoded it ourselves */
        if (h.fold == k)
            o->score[h.score] = ks_model_margin(f, x);
        else
            learn_example(f, x, pair ? view : NULL, h.label, h.weight);
    }
    ks_spill_reader_end(&r);
    ks_model_free(f);
    return st == KS_DONE ? KS_OK : st;
}

/* A thread's share of the fold models: folds first, first + 2, ... */
typedef struct {
    ks_oos *o;
    int first, step;
    unsigned skipped;   /* passes its fold models did not learn */
    ks_status st;
    char detail[512];   /* the failure's detail (ks_fail's is per thread) */
} fold_share;

static void *learn_folds(void *arg)
{
    fold_share *s = arg;
    ks_fvec x = {0}, view = {0};
    s->st = KS_OK;
    for (int k = s->first; k < FOLDS && s->st == KS_OK; k += s->step)
        s->st = learn_fold(s->o, k, &x, &view, &s->skipped);
    if (s->st != KS_OK)
        snprintf(s->detail, sizeof s->detail, "%s", ks_error_detail());
    ks_fvec_free(&x);
    ks_fvec_free(&view);
    return NULL;
}

/* The fold models' phase: one at a time, or two at a time with a helper
 * thread (each model its own thread's, so the same scores). */
static ks_status learn_log(ks_oos *o)
{
    fold_share mine = {o, 0, 1, 0, KS_OK, ""}, its = {o, 1, 2, 0, KS_OK, ""};
    pthread_t th;
    int threaded = 0;
    ks_status st;
    if ((st = stop_writer(o)) != KS_OK || (st = ks_spill_flush(o->log)) != KS_OK)
        return st;
    if (o->threads > 1 && FOLDS > 1) {
        mine.step = 2;
        threaded = pthread_create(&th, NULL, learn_folds, &its) == 0;
        if (!threaded)
            mine.step = 1;
    }
    learn_folds(&mine);
    if (threaded)
        pthread_join(th, NULL);
    if (mine.st != KS_OK || its.st != KS_OK) {
        const fold_share *f = mine.st != KS_OK ? &mine : &its;
        return ks_fail(f->st, "%s", f->detail);
    }
    o->skipped = mine.skipped + its.skipped;
    ks_log(KS_LOG_DEBUG, "calibration: %d fold models learned from a log of %llu bytes "
           "(%u of their passes not learned: no step would have changed them)",
           FOLDS, (unsigned long long)ks_spill_size(o->log), o->skipped);
    return KS_OK;
}

ks_status ks_oos_end_learning(ks_oos *o)
{
    ks_status st;
    if (!o)
        return KS_OK;
    if (o->log) {
        st = learn_log(o);
        ks_spill_free(o->log);
        o->log = NULL;
        return st;
    }
    st = wait_idle(o);
    stop_helper(o);
    for (int k = 0; k < FOLDS; k++) {
        ks_model_free(o->fold[k]);
        o->fold[k] = NULL;
    }
    return st;
}

uint32_t ks_oos_mode(const ks_oos *o) { return o ? o->mode : KS_SCORES_OFF; }

const ks_scored *ks_oos_scores(const ks_oos *o, size_t *n)
{
    *n = o ? o->n : 0;
    return o ? o->v : NULL;
}

static ks_status keep(ks_oos *o, double margin, int label, double weight)
{
    ks_status st;
    int k = 0;
    while (k < o->nkinds && !(o->kinds[k].label == label && o->kinds[k].weight == weight))
        k++;
    if (k == o->nkinds) {
        if (k == (int)(sizeof o->kinds / sizeof o->kinds[0]))
            return ks_fail(KS_ERR_USAGE, "calibration: more than %d distinct example weights", k);
        o->kinds[k].label = label;
        o->kinds[k].weight = weight;
        o->nkinds++;
    }
    if (o->n == o->cap && (st = wait_idle(o)) != KS_OK)   /* the helper writes into score */
        return st;
    if (o->n == o->cap) {
        size_t cap = o->cap ? o->cap * 2 : 4096;
        double *ns = ks_realloc(o->score, cap * sizeof *ns);
        unsigned char *nk;
        if (ns)
            o->score = ns;
        if (!ns || !(nk = ks_realloc(o->kind, cap)))
            return ks_fail(KS_ERR_NOMEM, "out of memory for %zu calibration scores", cap);
        o->kind = nk;
        o->cap = cap;
    }
    o->score[o->n] = margin;
    o->kind[o->n] = (unsigned char)k;
    o->n++;
    return KS_OK;
}

/* The scores as ks_scored (ks_oos_finish: the fold models are gone by
 * then, so this copy does not add to the peak). */
static ks_status expand(ks_oos *o)
{
    if (o->v || !o->n)
        return KS_OK;
    if (!(o->v = ks_malloc(o->n * sizeof *o->v)))
        return ks_fail(KS_ERR_NOMEM, "out of memory for %zu calibration scores", o->n);
    for (size_t i = 0; i < o->n; i++) {
        o->v[i] = o->kinds[o->kind[i]];
        o->v[i].score = o->score[i];
    }
    ks_free(o->score);
    ks_free(o->kind);
    o->score = NULL;
    o->kind = NULL;
    return KS_OK;
}

/* ks_oos_step with the helper: the example queued for the helper's folds
 * (its score, when its fold is the helper's, lands in v[idx] later), then
 * this thread's folds. */
static ks_status step_threaded(ks_oos *o, const ks_fvec *x, const ks_fvec *view,
                               const unsigned char *enc, size_t len, int label, double weight,
                               int fold, int scored)
{
    size_t idx = SIZE_MAX;
    ks_status st;
    job *j;
    if (scored) {
        double margin = fold < HELPER_FIRST ? ks_model_margin(o->fold[fold], x) : NAN;
        if ((st = keep(o, margin, label, weight)) != KS_OK)
            return st;
        if (fold >= HELPER_FIRST)
            idx = o->n - 1;
    }
    pthread_mutex_lock(&o->mu);
    /* slot put % QDEPTH is free once done */
    while (o->put - o->done >= QDEPTH || (o->qbytes && o->qbytes + len > QBYTES)) {
        o->mwait = 1;
        pthread_cond_wait(&o->room, &o->mu);
        o->mwait = 0;
    }
    pthread_mutex_unlock(&o->mu);
    j = &o->q[o->put % QDEPTH];
    if (j->enc.cap > 2 * len + 256)
        ks_buf_free(&j->enc);
    ks_buf_clear(&j->enc);
    if ((st = ks_buf_append(&j->enc, enc, len)) != KS_OK)
        return st;
    j->label = label;
    j->fold = fold;
    j->weight = weight;
    j->score = idx;
    pthread_mutex_lock(&o->mu);
    o->qbytes += len;
    o->put++;
    if (o->hwait)
        pthread_cond_signal(&o->more);
    pthread_mutex_unlock(&o->mu);
    for (int k = 0; k < HELPER_FIRST; k++)
        if (k != fold)
            learn_example(o->fold[k], x, view, label, weight);
    return KS_OK;
}

/* The log's writer thread (threads > 1): log_step appends each record
 * (rec_head, then the example's bytes) to a batch; a full batch goes to
 * the writer, which writes it to the log while the caller fills the other
 * batch, so the file's writes leave the caller's thread (after the first
 * pass the real model's learning keeps it busy and the other core has
 * nothing else to do). */
static void *writer(void *arg)
{
    ks_oos *o = arg;
    pthread_mutex_lock(&o->wmu);
    for (;;) {
        const ks_buf *b;
        ks_status st;
        while (!o->wbusy && !o->wstop)
            pthread_cond_wait(&o->wcv, &o->wmu);
        if (!o->wbusy)
            break;
        b = &o->batch[o->wjob];   /* the writer's until wbusy is 0 */
        pthread_mutex_unlock(&o->wmu);
        st = ks_spill_write(o->log, b->data, b->len);
        pthread_mutex_lock(&o->wmu);
        if (st != KS_OK && o->werr == KS_OK) {
            o->werr = st;
            snprintf(o->wdetail, sizeof o->wdetail, "%s", ks_error_detail());
        }
        o->wbusy = 0;
        pthread_cond_broadcast(&o->wcv);
    }
    pthread_mutex_unlock(&o->wmu);
    return NULL;
}

/* Hands the batch being filled, if it holds anything, to the writer (once
 * it is done with the one before) and starts the other; the writer's
 * failure, if it had one. */
static ks_status hand_batch(ks_oos *o)
{
    ks_status st;
    ks_buf *b;
    pthread_mutex_lock(&o->wmu);
    while (o->wbusy)
        pthread_cond_wait(&o->wcv, &o->wmu);
    st = o->werr;
    if (st == KS_OK && o->batch[o->wfill].len) {
        o->wjob = o->wfill;
        o->wbusy = 1;
        pthread_cond_broadcast(&o->wcv);
        o->wfill ^= 1;
    }
    pthread_mutex_unlock(&o->wmu);
    if (st != KS_OK)
        return ks_fail(st, "%s", o->wdetail);
    b = &o->batch[o->wfill];
    if (b->cap > 4 * WBATCH)   /* one huge example once: not kept */
        ks_buf_free(b);
    ks_buf_clear(b);
    return KS_OK;
}

/* Ends the writer: its last batch written (or its failure), the thread
 * joined. A no-op without one. */
static ks_status stop_writer(ks_oos *o)
{
    ks_status st;
    if (!o->writer)
        return KS_OK;
    st = hand_batch(o);
    pthread_mutex_lock(&o->wmu);
    while (o->wbusy)
        pthread_cond_wait(&o->wcv, &o->wmu);
    if (st == KS_OK && o->werr != KS_OK)
        st = ks_fail(o->werr, "%s", o->wdetail);
    o->wstop = 1;
    pthread_cond_broadcast(&o->wcv);
    pthread_mutex_unlock(&o->wmu);
    pthread_join(o->wthread, NULL);
    o->writer = 0;
    return st;
}

/* Deferred cross-fit: the step logged for the fold models (a scored
 * example gets its place in score now, its margin later): put into the
 * log here, or batched for the writer. The bytes go as they come: the
 * pass cache's are in the wide form (features.h), which the fold models
 * decode several times faster. */
static ks_status log_step(ks_oos *o, const unsigned char *enc, size_t len, int label,
                          double weight, int fold, int scored, unsigned pass)
{
    rec_head h;
    ks_status st;
    memset(&h, 0, sizeof h);
    if (len > UINT32_MAX)
        return ks_fail(KS_ERR_USAGE, "calibration: an example of %zu bytes", len);
    h.len = (uint32_t)len;
    h.fold = fold;
    h.label = label;
    h.pass = (uint16_t)pass;
    h.same = (uint16_t)o->same;
    h.weight = weight;
    h.score = UINT64_MAX;
    if (scored) {
        if ((st = keep(o, NAN, label, weight)) != KS_OK)
            return st;
        h.score = o->n - 1;
    }
    if (o->writer) {
        ks_buf *b = &o->batch[o->wfill];
        /* room first: a record is in the batch whole or not at all (the
         * writer writes what a batch holds, even after a failure) */
        if ((st = ks_buf_reserve(b, sizeof h + len)) != KS_OK)
            return st;
        memcpy(b->data + b->len, &h, sizeof h);
        memcpy(b->data + b->len + sizeof h, enc, len);
        b->len += sizeof h + len;
        return b->len >= WBATCH ? hand_batch(o) : KS_OK;
    }
    if ((st = ks_spill_write(o->log, &h, sizeof h)) != KS_OK)
        return st;
    return ks_spill_write(o->log, enc, len);
}

void ks_oos_begin_pass(ks_oos *o, int same)
{
    if (o)
        o->same = same;
}

unsigned ks_oos_passes_skipped(const ks_oos *o) { return o ? o->skipped : 0; }

int ks_oos_uses_vectors(const ks_oos *o)
{
    return o && o->mode == KS_SCORES_CROSSFIT && !o->log;
}

int ks_oos_fold(const unsigned char *compact, size_t len)
{
    return (int)(crc32(0L, compact, (uInt)len) % FOLDS);
}

ks_status ks_oos_step(ks_oos *o, const ks_model *m, const ks_fvec *x, const ks_fvec *view,
                      const unsigned char *enc, size_t len, int fold, int label,
                      double weight, int replay, unsigned pass, unsigned passes)
{
    if (!o || weight <= 0)
        return KS_OK;
    if (o->mode == KS_SCORES_PROGRESSIVE)
        return pass == 1 && !replay ? keep(o, ks_model_margin(m, x), label, weight) : KS_OK;
    fold = replay ? -1 : fold >= 0 ? fold % FOLDS : ks_oos_fold(enc, len);
    if (o->log)
        return log_step(o, enc, len, label, weight, fold, pass == passes && fold >= 0, pass);
    if (o->threaded)
        return step_threaded(o, x, view, enc, len, label, weight, fold,
                             pass == passes && fold >= 0);
    if (pass == passes && fold >= 0) {
        ks_status st = keep(o, ks_model_margin(o->fold[fold], x), label, weight);
        if (st != KS_OK)
            return st;
    }
    for (int k = 0; k < FOLDS; k++)
        if (k != fold)
            learn_example(o->fold[k], x, view, label, weight);
    return KS_OK;
}

static const char *rule_name(uint32_t r)
{
    return r == KS_RULE_TARGET_FPR ? "target false-positive rate"
         : r == KS_RULE_ACCURACY ? "highest accuracy" : "fixed";
}

ks_status ks_oos_finish(ks_oos *o, ks_model *m, double target_fpr, double fixed_threshold)
{
    ks_calibration c = {-1.0, 0.0, KS_SCORES_OFF, KS_RULE_FIXED, 0.0};
    ks_threshold_choice ch;
    ks_platt pl;
    ks_scored *p;
    ks_status st;
    int it = 0;

    if (o && (st = ks_oos_end_learning(o)) != KS_OK)   /* the helper's last scores */
        return st;
    if (!o) {   /* scores off: the plain sigmoid */
        if (!isnan(fixed_threshold))
            ks_model_set_threshold(m, fixed_threshold);
        return ks_model_set_calibration(m, &c);
    }
    if ((st = expand(o)) != KS_OK || (st = ks_platt_fit(o->v, o->n, &pl, &it)) != KS_OK)
        return st;
    if (!(pl.a < 0 && pl.a >= -1e6 && fabs(pl.b) <= 1e6)) {
        ks_log(KS_LOG_WARN, "calibration: fitted a = %g, b = %g are unusable (scores do not "
               "rank spam above ham); keeping the plain sigmoid", pl.a, pl.b);
        pl.a = -1.0;
        pl.b = 0.0;
    }
    c.a = pl.a;
    c.b = pl.b;
    c.scores = o->mode;
    c.rule = !isnan(target_fpr) ? KS_RULE_TARGET_FPR
           : !isnan(fixed_threshold) ? KS_RULE_FIXED : KS_RULE_ACCURACY;
    c.target_fpr = c.rule == KS_RULE_TARGET_FPR ? target_fpr : 0.0;
    if ((st = ks_model_set_calibration(m, &c)) != KS_OK)
        return st;
    /* the threshold is on calibrated probabilities */
    if (!(p = ks_malloc((o->n ? o->n : 1) * sizeof *p)))
        return ks_fail(KS_ERR_NOMEM, "out of memory for %zu calibration scores", o->n);
    for (size_t i = 0; i < o->n; i++) {
        p[i] = o->v[i];
        p[i].score = ks_platt_prob(&pl, o->v[i].score);
    }
    st = ks_threshold_choose(p, o->n, target_fpr, 0.5, 0.0, 1.0, &ch);
    ks_free(p);
    if (st != KS_OK)
        return st;
    if (c.rule == KS_RULE_FIXED)
        ks_model_set_threshold(m, fixed_threshold);
    else
        ks_model_set_threshold(m, ch.threshold);
    ks_log(KS_LOG_INFO, "calibration: Platt a %.4f, b %.4f on %zu %s scores (%d Newton steps); "
           "threshold %.4f (%s%s)", pl.a, pl.b, o->n,
           o->mode == KS_SCORES_CROSSFIT ? "cross-fit" : "progressive", it,
           ks_model_threshold(m), rule_name(c.rule),
           c.rule == KS_RULE_TARGET_FPR ? ", target given" : "");
    if (c.rule != KS_RULE_FIXED)
        ks_log(KS_LOG_INFO, "calibration: on those scores: accuracy %.4f, false-positive rate "
               "%.5f, spam recall %.4f (weighted)", ch.accuracy, ch.fpr, ch.recall);
    return KS_OK;
}
