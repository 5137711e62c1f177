/* train.c - initial and incremental training (spam-train, spam-update).
 *
 * Each pass streams the dataset (files in an order shuffled by seed+pass)
 * through a bounded shuffle buffer (shuffle.h: 1024 messages, 16 MiB of
 * vectors at most): a message's vector enters a random slot and the vector
 * it displaces is learned from. Memory is the buffer plus the model,
 * whatever the dataset's size.
 *
 * Only the first pass reads and extracts the dataset; it keeps every
 * message's encoded vector in the pass cache (vcache.h, a temporary file;
 * the wide form, which decodes fastest, with the message's cross-fit
 * fold), and the later passes replay the cache in the order re-reading
 * would give, so the result is the same, bit for bit, either way (the
 * reservoir is offered the compact form in both). Without a cache (no
 * temporary file could be written) every pass re-reads.
 *
 * Class-mix shift: the example's incremental set is 50 % spam against 15 %
 * in the initial set; learning it as is drags the bias toward spam and
 * flags ham. With --balance prior the examples of a later set are
 * weighted so that its classes have the proportions the model saw in its
 * first set; the set still moves the weights, not the prior. The default
 * is none: a relearning update (spam-update's default) learns the first
 * set's reservoir together with the new set and refits the threshold on
 * both, and cross-validation preferred the natural mix (docs/design.md).
 */
#define _GNU_SOURCE   /* RUSAGE_THREAD */
#include <math.h>
#ifdef __GLIBC__
#include <malloc.h>   /* malloc_trim */
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include "app.h"
#include "oos.h"
#include "prefetch.h"
#include "progress.h"
#include "shuffle.h"
#include "vcache.h"
#include "skip.h"
#include "train_svm.h"
#include "ks/alloc.h"
#include "ks/cpu.h"
#include "ks/buf.h"
#include "ks/fileio.h"

typedef struct {
    const ks_app_opts *o;
    ks_model *m;
    ks_extractor *ex;
    ks_shuffle *sb;      /* the shuffle buffer (shuffle.h) */
    double weight[2];    /* example weight of new messages, by label */
    uint64_t seed;       /* shuffle seed (--seed, else the model's) */
    unsigned balance;    /* 0 none, 1 prior, 2 equal */
    size_t nreplay;      /* reservoir examples rehearsed each pass */
    uint32_t *perm;      /* their order in this pass */
    size_t replayed;     /* rehearsed so far in this pass */
    int offer;           /* this pass offers messages to the reservoir */
    int defer;           /* the last pass's offers wait until training
                            ends (offer_deferred) */
    ks_fvec scratch;     /* a message's vector before it takes a slot */
    ks_fvec work;        /* a slot's vector decoded for learning */
    int view;            /* the model trains on views too (features.h) */
    ks_fvec sview;       /* the new message's view, beside scratch */
    ks_fvec wview;       /* the slot's view, beside work */
    ks_buf enc;          /* a new message's vector, encoded */
    ks_buf wenc;         /* its pass cache record: fold byte, wide form */
    ks_buf cenc;         /* a cached example in the compact form again */
    ks_vcache *cache;    /* the first pass's vectors for the others, or NULL */
    int fill;            /* this pass fills the cache */
    size_t *order;       /* a cached pass's order of data files */
    ks_prefetch *pf;     /* reading and extraction ahead of the learner */
    ks_status err;       /* first failure while learning (decode) */
    ks_app_skips skips;  /* messages the extractor refused, this pass */
    ks_oos *oos;         /* out-of-sample scores for calibration, or NULL */
    unsigned pass, passes;   /* the pass running, of how many */
    int keep;            /* spam-update --calibration keep */
    double loss;         /* summed weighted loss (hinge or log) of the pass */
    double wsum;         /* summed weights of the pass */
    uint64_t learned;
    int idle;            /* the pass before made no step (ks_model_steps) */
    int settled;         /* ... and this one has the same examples: it is
                            not learned, no step would change the model */
    int learn_all;       /* KS_LEARN_ALL=1: never settled */
    int relearned;       /* an update learning from zero weights: the
                            reservoir's examples are training data like
                            the new ones (cross-fit folds, scores) */
} trainer;

static void learn(trainer *t, const ks_fvec *x, int label, double w)
{
    t->loss += w * ks_model_learn(t->m, x, label, w);
    t->wsum += w;
    t->learned++;
}

/* Learns from an example the shuffle buffer gives back (the
 * calibration's fold models and scores first: oos.h); label | 2: a
 * rehearsed (replay) example; label | (fold + 1) << 2: a cached example
 * whose fold (ks_oos_fold) came with it. */
static void learn_example(void *ctx, const unsigned char *data, size_t len, int label,
                          double weight)
{
    trainer *t = ctx;
    int replay = label >> 1 & 1, fold = (label >> 2) - 1, pair;
    ks_status st;
    label &= 1;
    if (t->settled && !ks_oos_uses_vectors(t->oos)) {   /* the fold models' log only: */
        if (t->oos && (st = ks_oos_step(t->oos, t->m, NULL, NULL, data, len, fold, label, weight,
                                        replay && !t->relearned, t->pass,
                                        t->passes)) != KS_OK && t->err == KS_OK)
            t->err = st;                                /* nothing to decode */
        t->learned++;
        t->wsum += weight;
        return;
    }
    st = ks_example_decode(data, len, 1u << ks_model_features(t->m)->hash_bits, &t->work,
                           &t->wview, &pair);
    if (st != KS_OK) {   /* only memory can fail: we encoded it ourselves */
        if (t->err == KS_OK)
            t->err = ks_fail(KS_ERR_NOMEM, "out of memory decoding a feature vector");
        return;
    }
    if (t->oos && (st = ks_oos_step(t->oos, t->m, &t->work, pair ? &t->wview : NULL, data, len,
                                    fold, label, weight, replay && !t->relearned, t->pass,
                                    t->passes)) != KS_OK &&
        t->err == KS_OK)
        t->err = st;
    if (t->settled) {
        t->learned++;
        t->wsum += weight;
        return;
    }
    learn(t, &t->work, label, weight);
    if (pair)   /* the message again, seen through its view */
        learn(t, &t->wview, label, weight);
}

/* A cache that fails is dropped: the later passes re-read the dataset,
 * with the same result. */
static void cache_check(trainer *t, ks_status st)
{
    if (st == KS_OK)
        return;
    ks_log(KS_LOG_INFO, "%s; the passes after the first read the dataset again",
           ks_error_detail());
    ks_vcache_free(t->cache);
    t->cache = NULL;
}

/* Offers a new message to the reservoir, in the compact form (model.bin
 * keeps that form; a cached example is in the wide form). The reservoir
 * keeps the message's vector, not its view: only that is re-encoded. */
static ks_status offer(trainer *t, const unsigned char *enc, size_t len, int label)
{
    ks_status st;
    size_t used;
    if (!ks_example_wide(enc, len))
        return ks_model_replay_offer_encoded(t->m, enc, len, label);
    if (ks_fvec_decode_first(enc, len, 1u << ks_model_features(t->m)->hash_bits, &t->work,
                             &used) != KS_OK)   /* ours: memory only */
        return ks_fail(KS_ERR_NOMEM, "out of memory decoding a feature vector");
    ks_buf_clear(&t->cenc);
    if ((st = ks_fvec_encode(&t->work, &t->cenc)) != KS_OK)
        return st;
    return ks_model_replay_offer_encoded(t->m, t->cenc.data, t->cenc.len, label);
}

/* Puts a new message's encoded vector into the buffer (fold: its
 * ks_oos_fold, or -1: unknown yet), and offers it to the reservoir in the
 * last pass: compact, its compact bytes when at hand (else NULL). */
static ks_status push_encoded(trainer *t, const void *enc, size_t len, int label, int fold,
                              const void *compact, size_t clen)
{
    ks_status st = ks_shuffle_push(t->sb, enc, len, label | (fold + 1) << 2, t->weight[label],
                                   learn_example, t);
    if (st == KS_OK && t->offer)
        st = compact ? ks_model_replay_offer_encoded(t->m, compact, clen, label)
                     : offer(t, (const unsigned char *)enc, len, label);
    return st;
}

/* Puts the vector of a new message (in t->scratch) into the buffer and,
 * in the first pass, into the cache: its fold (one byte) and its vectors
 * in the wide form, which the later passes decode several times faster
 * and the calibration log takes as they are (or both compact when one
 * does not fit the wide form). The buffer then takes the cache's bytes
 * too. */
static ks_status push_scratch(trainer *t, int label, size_t source)
{
    ks_status st;
    ks_buf_clear(&t->enc);
    if ((st = ks_fvec_encode(&t->scratch, &t->enc)) != KS_OK ||
        (t->view && (st = ks_fvec_encode(&t->sview, &t->enc)) != KS_OK))
        return st;
    if (t->fill && t->cache) {
        unsigned char fold = (unsigned char)ks_oos_fold((const unsigned char *)t->enc.data,
                                                        t->enc.len);
        ks_buf_clear(&t->wenc);
        if ((st = ks_buf_append(&t->wenc, &fold, 1)) != KS_OK ||
            (st = ks_fvec_encode_wide(&t->scratch, &t->wenc)) != KS_OK ||
            (t->view && (st = ks_fvec_encode_wide(&t->sview, &t->wenc)) != KS_OK))
            return st;
        /* all wide or all compact (a vector that does not fit the wide
         * form makes the other compact too) */
        if (!ks_example_wide((const unsigned char *)t->wenc.data + 1, t->wenc.len - 1)) {
            t->wenc.len = 1;
            if ((st = ks_buf_append(&t->wenc, t->enc.data, t->enc.len)) != KS_OK)
                return st;
        }
        cache_check(t, ks_vcache_add(t->cache, source, label, t->wenc.data, t->wenc.len));
        /* the buffer takes the cache's form too (decoded faster, logged as
         * it is) */
        return push_encoded(t, t->wenc.data + 1, t->wenc.len - 1, label, fold, t->enc.data,
                            t->enc.len);
    }
    return push_encoded(t, t->enc.data, t->enc.len, label, -1, t->enc.data, t->enc.len);
}

/* Copies reservoir example i into the buffer (weight 1: it stands for
 * itself, one example of the earlier data). */
static ks_status push_replay(trainer *t, size_t i)
{
    int label;
    const unsigned char *enc;
    size_t len;
    ks_status st;
    if (i >= ks_model_replay_count(t->m))   /* dropped in this pass by the reservoir's
                                               byte bound (KS_REPLAY_BYTES) */
        return KS_OK;
    if ((st = ks_model_replay_encoded(t->m, i, &enc, &len, &label)) != KS_OK)
        return st;
    return ks_shuffle_push(t->sb, enc, len, label | 2, 1.0, learn_example, t);   /* | 2: replay */
}

/* Rehearses reservoir examples so that, after `done` of `total` new
 * messages, the same fraction of the reservoir has been mixed in. */
static ks_status replay_upto(trainer *t, uint64_t done, uint64_t total)
{
    size_t target = total ? (size_t)((double)t->nreplay * (double)done / (double)total) : t->nreplay;
    ks_status st;
    if (target > t->nreplay)
        target = t->nreplay;
    while (t->replayed < target)
        if ((st = push_replay(t, t->perm[t->replayed++])) != KS_OK)
            return st;
    return KS_OK;
}

/* A fresh random order of the reservoir examples for this pass. */
static void shuffle_replay(trainer *t)
{
    for (size_t i = 0; i < t->nreplay; i++)
        t->perm[i] = (uint32_t)i;
    for (size_t i = t->nreplay; i > 1; i--) {
        size_t j = (size_t)(ks_shuffle_random(t->sb) % i);
        uint32_t tmp = t->perm[i - 1];
        t->perm[i - 1] = t->perm[j];
        t->perm[j] = tmp;
    }
    t->replayed = 0;
}

/* One message from the read-ahead: learned, skipped (over a MIME limit)
 * or the end of the run. */
static ks_status take_message(trainer *t, const ks_prefetch_info *in, uint64_t total)
{
    ks_status st;
    if (in->extract_st == KS_ERR_LIMIT) {
        ks_app_skip_limit(&t->skips, in->label, in->file, in->line, in->detail);
        if (t->fill && t->cache)
            cache_check(t, ks_vcache_add_skip(t->cache, in->source, in->label, in->file,
                                              in->line, in->detail));
        return KS_OK;
    }
    if (in->extract_st != KS_OK)
        return ks_fail(in->extract_st, "%s", in->detail);
    if ((st = replay_upto(t, in->messages - 1, total)) != KS_OK)
        return st;
    return push_scratch(t, in->label, in->source);
}

/* A pass over the dataset: read, extracted ahead by the prefetcher (and
 * kept in the cache when this pass fills it). KS_DONE at the end. */
static ks_status read_pass(trainer *t, ks_dataset *ds, uint64_t seed, uint64_t total,
                           ks_progress *pr)
{
    ks_prefetch_info in;
    ks_status st;
    if ((st = ks_dataset_rewind(ds, seed ? seed : 1)) != KS_OK ||
        (st = ks_prefetch_start(t->pf, ds, t->ex)) != KS_OK)
        return st;
    while ((st = ks_prefetch_next_view(t->pf, &t->scratch, &t->sview, &in)) == KS_OK) {
        if ((st = take_message(t, &in, total)) != KS_OK)
            break;
        ks_progress_tick(pr, in.messages, in.bytes);
    }
    ks_prefetch_stop(t->pf);   /* ds and ex are ours again */
    if (t->fill && t->cache && st == KS_DONE)
        cache_check(t, ks_vcache_seal(t->cache));
    return st;
}

/* A pass replayed from the cache, in the order ks_dataset_rewind(ds, seed)
 * would read: the same messages as read_pass, in the same order. ds is not
 * read, so its stats stay those of the first pass, which are this pass's. */
static ks_status cached_pass(trainer *t, ks_dataset *ds, uint64_t seed, uint64_t total,
                             ks_progress *pr)
{
    uint64_t k = 0, size = ks_vcache_size(t->cache);
    double bytes = (double)ks_dataset_size(ds);
    ks_vcache_rec r;
    ks_status st;
    ks_dataset_order(ds, seed ? seed : 1, t->order);
    ks_vcache_rewind(t->cache, t->order);
    while ((st = ks_vcache_next(t->cache, &r)) == KS_OK) {
        k++;   /* as the dataset's message count */
        if (r.skipped) {
            ks_app_skip_limit(&t->skips, r.label, r.file, r.line, r.detail);
        } else if ((st = replay_upto(t, k - 1, total)) != KS_OK ||
                   (st = push_encoded(t, r.vec + 1, r.len - 1, r.label, r.vec[0], NULL, 0)) !=
                       KS_OK) {
            break;
        }
        ks_progress_tick(pr, k, size ? (uint64_t)(bytes * (double)ks_vcache_pos(t->cache) /
                                                  (double)size) : 0);
    }
    return st;
}

static uint64_t pass_seed(const trainer *t, unsigned pass)
{
    return t->seed * 0x9e3779b97f4a7c15ull + pass;
}

static ks_status run_pass(trainer *t, ks_dataset *ds, unsigned pass, unsigned passes)
{
    uint64_t seed = pass_seed(t, pass);
    uint64_t total = ks_dataset_stats_get(ds)->messages;   /* from the counting pass */
    uint64_t steps = ks_model_steps(t->m);
    ks_progress pr;
    ks_status st;
    char what[64];
    int same;

    ks_shuffle_seed(t->sb, seed);
    t->pass = pass;
    t->passes = passes;
    t->loss = t->wsum = 0;
    t->learned = 0;
    /* the reservoir sees each message once, in the last pass; when that
     * pass replays the cache and rehearses nothing (so nothing reads the
     * reservoir during it), the offers wait until the fold models are
     * gone: the same offers in the same order, a lower peak of memory */
    t->defer = pass == passes && t->cache && !t->nreplay;
    t->offer = pass == passes && !t->defer;
    /* The same examples as the pass before: the cache's (the data read
     * once), and a reservoir no offer changes during the pass (offers come
     * in the last pass; they matter when it is rehearsed). Then, when the
     * pass before made no step, the model stays as it is whatever the
     * order: the pass is not learned (the same model, bit for bit).
     * KS_LEARN_ALL=1 learns every pass (tests/cli/threads.sh compares). */
    same = pass > 1 && t->cache && !(t->offer && t->nreplay) && !t->learn_all;
    t->settled = same && t->idle;
    ks_oos_begin_pass(t->oos, same);
    memset(&t->skips, 0, sizeof t->skips);
    shuffle_replay(t);
    snprintf(what, sizeof what, "pass %u/%u", pass, passes);
    ks_progress_start(&pr, what, total);
    ks_progress_set_bytes(&pr, ks_dataset_size(ds));
    t->fill = pass == 1;
    st = pass > 1 && t->cache ? cached_pass(t, ds, seed, total, &pr)
                              : read_pass(t, ds, seed, total, &pr);
    if (st == KS_DONE && t->err != KS_OK)
        st = t->err;
    if (st != KS_DONE || (st = replay_upto(t, total, total)) != KS_OK ||
        (st = ks_app_check_skips(t->o, ds, &t->skips)) != KS_OK)
        return st;
    ks_shuffle_drain(t->sb, learn_example, t);
    ks_progress_done(&pr);
    if (t->err != KS_OK)
        return t->err;
    t->idle = ks_model_steps(t->m) == steps;
    if (t->settled)
        ks_log(KS_LOG_INFO, "pass %u/%u: not learned (%llu messages, %zu rehearsed): the model "
               "made no step in the pass before, so none would change it, %.2f s", pass, passes,
               (unsigned long long)t->learned, t->replayed, ks_now() - pr.start);
    else
        ks_log(KS_LOG_INFO, "pass %u/%u: %llu examples (%zu rehearsed), %llu steps, mean %s "
               "loss %.5f, %.2f s", pass, passes, (unsigned long long)t->learned, t->replayed,
               (unsigned long long)(ks_model_steps(t->m) - steps),
               ks_model_train_config(t->m)->loss == KS_LOSS_HINGE ? "hinge" : "log",
               t->wsum > 0 ? t->loss / t->wsum : 0.0, ks_now() - pr.start);
    ks_log(KS_LOG_DEBUG, "shuffle buffer: a block of %zu bytes; %llu examples learned early "
           "for its bound of %zu bytes (all passes so far)", ks_shuffle_block(t->sb),
           (unsigned long long)ks_shuffle_early(t->sb), (size_t)KS_SHUFFLE_BYTES);
    return KS_OK;
}

/* Example weights for this dataset (see the comment at the top). */
static void class_weights(trainer *t, const ks_dataset_stats *s)
{
    double n0 = (double)s->per_class[0], n1 = (double)s->per_class[1], n = n0 + n1;
    double seen0 = (double)ks_model_seen(t->m, 0), seen1 = (double)ks_model_seen(t->m, 1);
    t->weight[0] = t->weight[1] = 1.0;
    switch (t->balance) {
    case 1:   /* prior: keep the class mix the model was first trained on */
        if (seen0 > 0 && seen1 > 0 && n0 > 0 && n1 > 0) {
            double pi1 = seen1 / (seen0 + seen1);
            t->weight[1] = pi1 * n / n1;
            t->weight[0] = (1 - pi1) * n / n0;
        }
        break;
    case 2:   /* equal */
        if (n0 > 0 && n1 > 0) {
            t->weight[0] = n / (2 * n0);
            t->weight[1] = n / (2 * n1);
        }
        break;
    }
    ks_log(KS_LOG_INFO, "example weights: ham %.3f, spam %.3f", t->weight[0], t->weight[1]);
}

/* The model to train: a new one, or the loaded one (*relearned: its weights
 * were reset to relearn the reservoir with the new data). */
static ks_status make_model(const ks_app_opts *o, const ks_dataset_stats *s, ks_model **m,
                            int *relearned)
{
    ks_status st;
    if (o->mode == KS_APP_TRAIN) {
        ks_feature_config fc = o->feat;
        if (!s->per_class[0] || !s->per_class[1])
            return ks_fail(KS_ERR_DATA, "%s: only %s messages; training needs both ham and spam",
                           o->dataset, s->per_class[0] ? "ham" : "spam");
        if (s->format == KS_FMT_LIBSVM && fc.view && !o->view_set) {
            ks_log(KS_LOG_INFO, "LIBSVM vectors: no training view (it needs the message text)");
            fc.view = 0;
        }
        if ((st = ks_model_new(m, &fc, &o->train)) != KS_OK)
            return st;
        /* the reservoir's bytes in a temporary file, not memory */
        if ((st = ks_model_replay_spill(*m)) == KS_ERR_IO)
            ks_log(KS_LOG_INFO, "%s; the replay reservoir is kept in memory", ks_error_detail());
        return st == KS_ERR_NOMEM ? st : KS_OK;
    }
    if ((st = ks_model_load_spilled(m, o->model)) != KS_OK)
        return st;
    ks_log(KS_LOG_INFO, "loaded model %s (checksum %08x, %zu training sessions, seen ham %llu, spam %llu)",
           o->model, ks_model_checksum(*m), ks_model_history_count(*m),
           (unsigned long long)ks_model_seen(*m, 0), (unsigned long long)ks_model_seen(*m, 1));
    if (!o->relearn)
        return KS_OK;
    if (ks_model_replay_count(*m) == 0) {   /* nothing of the past to relearn */
        if (o->relearn_set) {
            ks_model_free(*m);
            *m = NULL;
            return ks_fail(KS_ERR_USAGE, "%s: --relearn needs the model's replay reservoir, and "
                           "it is empty (trained with --replay 0); use --no-relearn", o->model);
        }
        ks_log(KS_LOG_INFO, "the model keeps no past examples (--replay 0): continuing from "
               "its weights (--no-relearn)");
        return KS_OK;
    }
    ks_log(KS_LOG_INFO, "relearning from zero weights: the model's %zu kept examples (of %llu "
           "seen) and the new data", ks_model_replay_count(*m),
           (unsigned long long)(ks_model_seen(*m, 0) + ks_model_seen(*m, 1)));
    ks_model_reset_weights(*m);
    *relearned = 1;
    return KS_OK;
}

static void trainer_settings(trainer *t, const ks_app_opts *o, unsigned passes)
{
    static const char *const bal[] = {"none", "prior", "equal"};
    const ks_train_config *tc = ks_model_train_config(t->m);
    const ks_feature_config *fc = ks_model_features(t->m);
    char families[320] = "";
    size_t n = 0;
    t->seed = (o->train_set & KS_SET_SEED) ? o->train.seed : tc->seed;
    t->learn_all = getenv("KS_LEARN_ALL") && strcmp(getenv("KS_LEARN_ALL"), "1") == 0;
    t->balance = (o->train_set & KS_SET_BALANCE) ? o->train.balance : tc->balance;
    for (int i = 0; i < KS_FEAT_COUNT; i++)
        if (fc->families & (1u << i))
            n += (size_t)snprintf(families + n, sizeof families - n, "%s%s", n ? "," : "",
                                  ks_feature_family_names[i]);
    for (int i = 0, first = 1; i < KS_FEAT_COUNT; i++)
        if (fc->view & (1u << i)) {
            n += (size_t)snprintf(families + n, sizeof families - n, "%s%s",
                                  first ? " (view " : ",", ks_feature_family_names[i]);
            first = 0;
        }
    if (fc->view)
        snprintf(families + n, sizeof families - n, ")");
    ks_log(KS_LOG_INFO, "settings: features %s, 2^%u buckets, %s weights, %u-grams over %u bytes; "
           "FTRL alpha %g, l1 %g, l2 %g; %u passes, seed %llu, balance %s, replay %u, "
           "shuffle buffer %u; kernel %s", families, fc->hash_bits,
           fc->weighting == KS_WEIGHT_LOG ? "log" : "binary", fc->ngram_n, fc->ngram_bytes,
           tc->alpha, tc->l1, tc->l2, passes, (unsigned long long)t->seed,
           bal[t->balance < 3 ? t->balance : 0], tc->replay, o->shuffle_buffer, ks_kernel_name());
}

static ks_status record_and_save(const ks_app_opts *o, trainer *t, ks_dataset *ds, unsigned passes)
{
    const ks_dataset_stats *s = ks_dataset_stats_get(ds);
    ks_history_entry h;
    ks_status st;

    memset(&h, 0, sizeof h);
    snprintf(h.mode, sizeof h.mode, "%s", o->mode == KS_APP_TRAIN ? "initial" : "incremental");
    snprintf(h.dataset, sizeof h.dataset, "%s", o->dataset);
    h.dataset_bytes = ks_dataset_size(ds);
    h.messages[0] = s->per_class[0];
    h.messages[1] = s->per_class[1];
    h.skipped = s->skipped_total + t->skips.mime_limit;
    h.passes = passes;
    h.time = (int64_t)time(NULL);
    if ((st = ks_model_add_history(t->m, &h)) != KS_OK)
        return st;
    if ((st = ks_ensure_dir(o->save_to)) != KS_OK)
        return st;
    return ks_model_save(t->m, o->save_to);
}

/* The last pass's reservoir offers, made after it (t->defer): the cache
 * walked in that pass's order, each message offered as push_encoded would
 * have, so the reservoir (Algorithm R, seeded) ends the same. */
static ks_status offer_deferred(trainer *t, ks_dataset *ds, unsigned passes)
{
    uint64_t seed = pass_seed(t, passes);
    ks_vcache_rec r;
    ks_status st;
    ks_dataset_order(ds, seed ? seed : 1, t->order);
    ks_vcache_rewind(t->cache, t->order);
    while ((st = ks_vcache_next(t->cache, &r)) == KS_OK)
        if (!r.skipped && (st = offer(t, r.vec + 1, r.len - 1, r.label)) != KS_OK)
            return st;
    return st == KS_DONE ? KS_OK : st;
}

/* The calibration settings of this session. spam-train: --calibration,
 * else cross-fit scores. spam-update: --calibration; else, with
 * --target-fpr, the model's kind of scores; else keep the model's
 * calibration and threshold (refitting on the new set alone did worse in
 * cross-validation: docs/design.md, "Threshold and calibration"). The
 * rule: the flags, else (update) the model's, else the highest accuracy. */
static ks_status calibration_start(const ks_app_opts *o, trainer *t, double *target,
                                   double *fixed)
{
    const ks_calibration *c = ks_model_calibration(t->m);
    int update = o->mode == KS_APP_UPDATE;
    /* a relearned model is new weights, learned from the reservoir and the
     * new data as spam-train learns: calibrated anew on both, the model's way */
    uint32_t mode = o->scores >= 0 ? (uint32_t)o->scores
                  : !update ? KS_SCORES_CROSSFIT
                  : t->relearned || !isnan(o->target_fpr) ? c->scores : KS_APP_SCORES_KEEP;
    *target = o->target_fpr;
    *fixed = o->threshold;
    if (update && isnan(*target) && isnan(*fixed)) {   /* the model's rule */
        if (c->rule == KS_RULE_TARGET_FPR)
            *target = c->target_fpr;
        else if (c->rule == KS_RULE_FIXED)
            *fixed = ks_model_threshold(t->m);
    }
    if (mode == KS_SCORES_OFF && !isnan(*target))
        return ks_fail(KS_ERR_USAGE, "the model has no calibration scores (--calibration off); "
                       "give --calibration crossfit or progressive with --target-fpr");
    if (mode == KS_APP_SCORES_KEEP) {   /* finish leaves the model's as they are */
        t->keep = 1;
        return KS_OK;
    }
    return ks_oos_new(&t->oos, t->m, mode, o->threads, !update || t->relearned);
}

/* The pass cache, when there are passes after the first; without a
 * temporary file every pass reads the dataset. */
static ks_status cache_open(trainer *t, ks_dataset *ds, unsigned passes)
{
    size_t files = ks_dataset_files(ds);
    ks_status st;
    if (passes < 2)
        return KS_OK;
    if (!(t->order = ks_malloc((files ? files : 1) * sizeof *t->order)))
        return ks_fail(KS_ERR_NOMEM, "out of memory for the file order");
    if ((st = ks_vcache_new(&t->cache, files)) == KS_ERR_NOMEM)
        return st;
    if (st != KS_OK)
        ks_log(KS_LOG_INFO, "%s; every pass reads the dataset", ks_error_detail());
    return KS_OK;
}

/* CPU time of the learner's thread against the process's (with
 * --threads 2 the read-ahead and the fold-model helper run beside it): on
 * a shared machine, what the learner's thread needs says more about the
 * wall time on free cores than the wall time measured. */
static void log_cpu(void)
{
    struct rusage self, me;
    if (getrusage(RUSAGE_SELF, &self) || getrusage(RUSAGE_THREAD, &me))
        return;
    ks_log(KS_LOG_DEBUG, "CPU: learner thread %.2f s, process %.2f s (user + system)",
           (double)(me.ru_utime.tv_sec + me.ru_stime.tv_sec) +
               (double)(me.ru_utime.tv_usec + me.ru_stime.tv_usec) / 1e6,
           (double)(self.ru_utime.tv_sec + self.ru_stime.tv_sec) +
               (double)(self.ru_utime.tv_usec + self.ru_stime.tv_usec) / 1e6);
}

/* Messages read ahead: each slot keeps a message's vectors, so a few are
 * enough (16 before: spam-train --passes 1 --calibration off on SA, 5 runs
 * each alternated, median wall 1.79 s with 4 against 2.40 s with 16 on a
 * loaded machine, user CPU 0.81 s both; peak RSS 1.4 MiB lower). */
#define PREFETCH_DEPTH 4

/* Gives the pages of freed memory back to the system (glibc keeps them,
 * in every thread's arena, for later allocations): what one phase of
 * training freed does not stay resident under the next phase's peak. */
static void release_free_memory(void)
{
#ifdef __GLIBC__
    malloc_trim(0);
#endif
}

static ks_status train(const ks_app_opts *o, trainer *t, ks_dataset **ds)
{
    double target, fixed;
    ks_status st;
    unsigned passes;

    if ((st = ks_app_open_dataset(o, ds)) != KS_OK)
        return st;
    if ((st = make_model(o, ks_dataset_stats_get(*ds), &t->m, &t->relearned)) != KS_OK)
        return st;
    passes = (o->train_set & KS_SET_PASSES) ? o->train.passes : ks_model_train_config(t->m)->passes;
    trainer_settings(t, o, passes);
    if ((st = ks_extractor_new(&t->ex, ks_model_features(t->m))) != KS_OK ||
        (st = ks_shuffle_new(&t->sb, o->shuffle_buffer, KS_SHUFFLE_BYTES, t->seed)) != KS_OK ||
        (st = ks_prefetch_new(&t->pf, PREFETCH_DEPTH, o->threads > 1)) != KS_OK)
        return st;
    ks_extractor_set_limits(t->ex, &o->mail);
    if ((t->view = ks_model_features(t->m)->view != 0) &&
        ks_dataset_stats_get(*ds)->format == KS_FMT_LIBSVM)
        return ks_fail(KS_ERR_USAGE, "%s: LIBSVM vectors have no training view; the model "
                       "trains on views of the message text (--view none for vectors)",
                       o->dataset);
    ks_prefetch_set_view(t->pf, t->view);
    t->nreplay = ks_model_replay_count(t->m);   /* earlier sessions' examples */
    if (t->nreplay && !(t->perm = ks_malloc(t->nreplay * sizeof *t->perm)))
        return ks_fail(KS_ERR_NOMEM, "out of memory for the replay order");
    if (t->nreplay)
        ks_log(KS_LOG_INFO, "rehearsing %zu examples of earlier training each pass", t->nreplay);
    class_weights(t, ks_dataset_stats_get(*ds));
    if ((st = calibration_start(o, t, &target, &fixed)) != KS_OK)
        return st;
    if ((st = cache_open(t, *ds, passes)) != KS_OK)
        return st;
    for (unsigned p = 1; p <= passes; p++) {
        if ((st = run_pass(t, *ds, p, passes)) != KS_OK)
            return st;
        if (p == 1 && t->cache) {   /* the later passes never read: the
                                       read-ahead's vectors can go */
            ks_prefetch_free(t->pf);
            t->pf = NULL;
            release_free_memory();
        }
    }
    /* what learning needed goes before the fold models learn (deferred
     * cross-fit, oos.h), the reservoir fills and the model is saved (the
     * peak of memory is the largest of the phases) */
    ks_shuffle_free(t->sb);
    t->sb = NULL;
    ks_prefetch_free(t->pf);
    t->pf = NULL;
    ks_fvec_free(&t->scratch);   /* sized by the longest messages seen */
    ks_fvec_free(&t->sview);
    ks_fvec_free(&t->work);
    ks_fvec_free(&t->wview);
    ks_extractor_free(t->ex);
    t->ex = NULL;
    ks_model_end_learning(t->m);   /* its float weights, before the fold models' */
    release_free_memory();
    if ((st = ks_oos_end_learning(t->oos)) != KS_OK)
        return st;
    release_free_memory();
    if (t->defer && (st = offer_deferred(t, *ds, passes)) != KS_OK)
        return st;
    ks_vcache_free(t->cache);
    t->cache = NULL;
    if (t->keep && !isnan(o->threshold)) {   /* the threshold is given now */
        ks_calibration c = *ks_model_calibration(t->m);
        c.rule = KS_RULE_FIXED;
        c.target_fpr = 0;
        ks_model_set_threshold(t->m, o->threshold);
        if ((st = ks_model_set_calibration(t->m, &c)) != KS_OK)
            return st;
    }
    if (!t->keep && (st = ks_oos_finish(t->oos, t->m, target, fixed)) != KS_OK)
        return st;
    ks_oos_free(t->oos);   /* before saving: the fold models' memory */
    t->oos = NULL;
    if ((st = record_and_save(o, t, *ds, passes)) != KS_OK)
        return st;
    log_cpu();
    ks_log(KS_LOG_INFO, "wrote %s/model.bin (checksum %08x, %llu non-zero weights of %u, threshold %.3f)",
           o->save_to, ks_model_checksum(t->m), (unsigned long long)ks_model_nonzero(t->m),
           1u << ks_model_features(t->m)->hash_bits, ks_model_threshold(t->m));
    return KS_OK;
}

int ks_app_train(const ks_app_opts *o)
{
    trainer t;
    ks_dataset *ds = NULL;
    ks_status st;

    /* blocks of 128 KiB and more in mappings of their own, always (glibc
     * otherwise raises that threshold to the size of a block freed, up to
     * 32 MiB, and the arenas that then grow by realloc in the heap leave a
     * trail of freed holes there: SA spam-update peak 92 MiB, not 47) */
#ifdef __GLIBC__
    mallopt(M_MMAP_THRESHOLD, 128 * 1024);
#endif
    if (o->online)
        return ks_app_online(o);
    if (ks_app_is_svm(o))   /* --algo svm, or updating an svm model */
        return ks_app_train_svm(o);
    memset(&t, 0, sizeof t);
    t.o = o;
    st = train(o, &t, &ds);
    if (st != KS_OK)
        ks_log(KS_LOG_ERROR, "%s (no model written)", ks_error_detail());
    ks_prefetch_free(t.pf);
    ks_shuffle_free(t.sb);
    ks_fvec_free(&t.scratch);
    ks_fvec_free(&t.work);
    ks_fvec_free(&t.sview);
    ks_fvec_free(&t.wview);
    ks_buf_free(&t.enc);
    ks_buf_free(&t.wenc);
    ks_buf_free(&t.cenc);
    ks_vcache_free(t.cache);
    ks_free(t.order);
    ks_free(t.perm);
    ks_oos_free(t.oos);
    ks_extractor_free(t.ex);
    ks_model_free(t.m);
    ks_dataset_free(ds);
    return ks_app_exit_code(st);
}
