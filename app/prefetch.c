/* prefetch.c - the read-ahead ring (see prefetch.h for the contract).
 *
 * Slots are used in order: the producer fills slot produced % depth, the
 * consumer empties slot consumed % depth; the two counters, under one
 * mutex, are the only shared state, and a slot belongs to whichever side
 * the counters give it to. A slot's vector and strings are swapped with the
 * consumer's, so nothing is copied twice. The last slot of a pass holds
 * the dataset's KS_DONE or error (with its detail text).
 *
 * Extraction (MIME, HTML, tokens: nearly all of the producer's time on
 * raw mail) is shared with a helper thread: the producer hands every other
 * message, copied, to the helper (its own extractor, a clone: the same
 * output) and extracts the rest itself. A handed slot is published at
 * once but stays "pending" until the helper is done; the consumer still
 * takes the slots in order, so nothing changes but the time. At most
 * HAND_BYTES of handed messages wait at a time and none over HAND_MAX (the
 * producer extracts those itself): the copies cost bounded memory.
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include "prefetch.h"
#include "ks/alloc.h"
#include "ks/buf.h"

typedef struct {
    ks_fvec vec;
    ks_fvec view;              /* the training view (info.view) */
    ks_prefetch_info info;
    ks_buf id, file, detail;   /* strings behind info */
    ks_status st;              /* KS_OK: a message; else the pass's end */
    ks_buf raw;                /* a handed message's bytes */
    int pending;               /* handed, not yet extracted (under mu) */
} slot;

#define HAND_MAX ((size_t)1 << 20)     /* largest message handed over */
#define HAND_BYTES ((size_t)4 << 20)   /* handed bytes waiting, at most */
#define RAW_KEEP ((size_t)64 << 10)    /* a slot's copy buffer kept up to */

struct ks_prefetch {
    unsigned depth;
    int threaded;
    slot *ring;
    slot cur;                  /* what the consumer holds now */
    ks_dataset *ds;
    ks_extractor *ex;
    int view;                  /* also extract the training view */
    pthread_t thread;
    int running;               /* a producer thread exists (to join) */
    int ended;                 /* the pass's end was handed out */
    ks_status end_st;
    pthread_mutex_t mu;
    pthread_cond_t not_full, not_empty;
    uint64_t produced, consumed;   /* slots filled / emptied this pass */
    int stop;                  /* the consumer wants the producer to end */
    /* the extraction helper (see the top) */
    ks_extractor *ex2;         /* its extractor, a clone of ex */
    pthread_t helper;
    int helping;               /* a helper thread exists (to join) */
    pthread_cond_t work;       /* a slot was handed over, or stop */
    uint64_t *handq;           /* handed slots' numbers, depth of them */
    uint64_t put, got;         /* handed / taken by the helper */
    size_t inflight;           /* bytes handed, not yet extracted */
    uint64_t handed;           /* messages the helper extracted (all passes) */
};

ks_status ks_prefetch_new(ks_prefetch **out, unsigned depth, int threaded)
{
    ks_prefetch *p = ks_calloc(1, sizeof *p);
    *out = NULL;
    if (!p || !(p->ring = ks_calloc(depth ? depth : 1, sizeof *p->ring)) ||
        !(p->handq = ks_calloc(depth ? depth : 1, sizeof *p->handq))) {
        if (p)
            ks_free(p->ring);
        ks_free(p);
        return ks_fail(KS_ERR_NOMEM, "out of memory for the read-ahead ring");
    }
    p->depth = depth ? depth : 1;
    p->threaded = threaded;
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->not_full, NULL);
    pthread_cond_init(&p->not_empty, NULL);
    pthread_cond_init(&p->work, NULL);
    *out = p;
    return KS_OK;
}

/* ks_buf keeps a NUL after len; data is NULL until something is stored. */
static int set_str(ks_buf *b, const char *s)
{
    ks_buf_clear(b);
    return s && *s && ks_buf_append(b, s, strlen(s)) != KS_OK ? -1 : 0;
}

/* A vector's room is sized by the extractor for the message's features
 * before duplicates go (about 8 bytes a token): after a long message it is
 * cut back to what the vector holds, so the ring keeps vectors, not the
 * room of the longest messages seen (that would grow with the data). */
#define TRIM_BYTES ((size_t)64 << 10)
static void trim(ks_fvec *v)
{
    size_t keep = (size_t)v->n + 8;
    ks_feature *f;
    if ((size_t)v->cap * sizeof *v->f <= TRIM_BYTES || v->cap <= 2 * keep)
        return;
    if ((f = ks_realloc(v->f, keep * sizeof *f)) != NULL) {   /* else keep the room */
        v->f = f;
        v->cap = (uint32_t)keep;
    }
}

/* Reads the next message into s's info and strings; KS_OK: *m is it
 * (valid until the next read), else s holds the pass's end. */
static ks_status read_one(ks_prefetch *p, slot *s, ks_message *m)
{
    ks_status st = ks_dataset_next(p->ds, m);
    const ks_dataset_stats *ds = ks_dataset_stats_get(p->ds);
    s->st = st;
    ks_buf_clear(&s->detail);
    if (st != KS_OK) {
        if (st < 0 && set_str(&s->detail, ks_error_detail()))
            s->st = KS_ERR_NOMEM;
        return s->st;
    }
    s->info.label = m->label;
    s->info.kind = m->kind;
    s->info.line = m->line;
    s->info.len = m->len;
    s->info.source = ks_dataset_source(p->ds);
    s->info.messages = ds->messages;
    s->info.bytes = ds->bytes;
    if (set_str(&s->id, m->id) || set_str(&s->file, m->file)) {
        s->st = KS_ERR_NOMEM;
        set_str(&s->detail, "out of memory in the read-ahead ring");
    }
    return s->st;
}

/* Extracts message m into s with extractor ex (the thread's own). */
static void extract_one(ks_prefetch *p, ks_extractor *ex, slot *s, const ks_message *m)
{
    s->info.extract_st = ks_extract(ex, m, &s->vec);
    s->info.view = 0;
    if (s->info.extract_st == KS_OK && p->view && m->kind != KS_MSG_VECTOR) {
        s->info.extract_st = ks_extract_view(ex, &s->view);
        s->info.view = s->info.extract_st == KS_OK;
    }
    trim(&s->vec);
    trim(&s->view);
    if (s->info.extract_st != KS_OK) {
        s->vec.n = 0;
        if (ks_buf_printf(&s->detail, "%s: message %s: %s", m->file ? m->file : "",
                          m->id ? m->id : "", ks_error_detail()) != KS_OK)
            s->st = KS_ERR_NOMEM;
    }
}

/* Reads and extracts the next message into s (inline: --threads 1). */
static void fill(ks_prefetch *p, slot *s)
{
    ks_message m;
    if (read_one(p, s, &m) == KS_OK)
        extract_one(p, p->ex, s, &m);
}

/* Whether the producer hands message m (slot number n) to the helper
 * (under mu), copying it into s->raw; then the slot is pending. */
static int hand_over(ks_prefetch *p, slot *s, const ks_message *m, uint64_t n)
{
    int take;
    if (!p->helping || !(n & 1) || m->len > HAND_MAX)
        return 0;
    pthread_mutex_lock(&p->mu);
    take = p->inflight + m->len <= HAND_BYTES;
    pthread_mutex_unlock(&p->mu);
    ks_buf_clear(&s->raw);
    if (!take || ks_buf_append(&s->raw, m->data, m->len) != KS_OK)
        return 0;   /* no room: the producer extracts it itself */
    pthread_mutex_lock(&p->mu);
    s->pending = 1;
    p->inflight += m->len;
    p->handq[p->put++ % p->depth] = n;
    pthread_cond_signal(&p->work);
    pthread_mutex_unlock(&p->mu);
    return 1;
}

/* The extraction helper: the handed slots, in the order handed. */
static void *helper(void *arg)
{
    ks_prefetch *p = arg;
    for (;;) {
        pthread_mutex_lock(&p->mu);
        while (p->got == p->put && !p->stop)
            pthread_cond_wait(&p->work, &p->mu);
        if (p->stop) {
            pthread_mutex_unlock(&p->mu);
            break;
        }
        slot *s = &p->ring[p->handq[p->got++ % p->depth] % p->depth];
        pthread_mutex_unlock(&p->mu);
        ks_message m = {s->id.data ? s->id.data : "", s->info.label, s->info.kind,
                        s->raw.data ? s->raw.data : "", s->info.len,
                        s->file.data ? s->file.data : "", s->info.line};
        extract_one(p, p->ex2, s, &m);
        if (s->raw.cap > RAW_KEEP)   /* the ring keeps small copies only */
            ks_buf_free(&s->raw);
        pthread_mutex_lock(&p->mu);
        s->pending = 0;
        p->inflight -= s->info.len;
        p->handed++;
        pthread_cond_broadcast(&p->not_empty);
        pthread_mutex_unlock(&p->mu);
    }
    return NULL;
}

static void *producer(void *arg)
{
    ks_prefetch *p = arg;
    for (;;) {
        pthread_mutex_lock(&p->mu);
        while (p->produced - p->consumed == p->depth && !p->stop)
            pthread_cond_wait(&p->not_full, &p->mu);
        int stop = p->stop;
        pthread_mutex_unlock(&p->mu);
        if (stop)
            break;
        slot *s = &p->ring[p->produced % p->depth];
        ks_message m;
        /* once published, the slot is the consumer's (a handed one the
         * helper's until it is done: st is read_one's then) */
        ks_status st = read_one(p, s, &m);
        if (st == KS_OK && !hand_over(p, s, &m, p->produced)) {
            extract_one(p, p->ex, s, &m);
            st = s->st;
        }
        pthread_mutex_lock(&p->mu);
        p->produced++;
        pthread_cond_signal(&p->not_empty);
        pthread_mutex_unlock(&p->mu);
        if (st != KS_OK)
            break;
    }
    return NULL;
}

/* Ends the producer and the helper, whatever they are doing. */
static void stop_threads(ks_prefetch *p)
{
    if (p->running || p->helping) {
        pthread_mutex_lock(&p->mu);
        p->stop = 1;
        pthread_cond_signal(&p->not_full);
        pthread_cond_signal(&p->work);
        pthread_mutex_unlock(&p->mu);
    }
    if (p->running)
        pthread_join(p->thread, NULL);
    if (p->helping)
        pthread_join(p->helper, NULL);
    p->running = p->helping = 0;
}

void ks_prefetch_stop(ks_prefetch *p)
{
    if (!p)
        return;
    stop_threads(p);
    p->ds = NULL;
    p->ex = NULL;
}

ks_status ks_prefetch_start(ks_prefetch *p, ks_dataset *ds, ks_extractor *ex)
{
    ks_prefetch_stop(p);
    p->ds = ds;
    p->ex = ex;
    p->produced = p->consumed = 0;
    p->put = p->got = 0;
    p->inflight = 0;
    p->stop = 0;
    p->ended = 0;
    for (unsigned i = 0; i < p->depth; i++)
        p->ring[i].pending = 0;
    if (!p->threaded)
        return KS_OK;
    /* a fresh clone each pass (ex may be another extractor); without one,
     * or without a thread for it, the producer extracts everything */
    ks_extractor_free(p->ex2);
    p->ex2 = NULL;
    if (ks_extractor_clone(&p->ex2, ex) == KS_OK)
        p->helping = pthread_create(&p->helper, NULL, helper, p) == 0;
    if (pthread_create(&p->thread, NULL, producer, p) != 0) {
        p->threaded = 0;   /* no thread to be had: read inline, same output */
        return KS_OK;
    }
    p->running = 1;
    return KS_OK;
}

void ks_prefetch_set_view(ks_prefetch *p, int on) { p->view = on; }

uint64_t ks_prefetch_handed(const ks_prefetch *p) { return p->handed; }

/* Exchanges what two slots own, so neither copy nor free is needed. */
static void swap_slot(slot *a, slot *b)
{
    slot t = *a;
    *a = *b;
    *b = t;
}

ks_status ks_prefetch_next(ks_prefetch *p, ks_fvec *vec, ks_prefetch_info *info)
{
    return ks_prefetch_next_view(p, vec, NULL, info);
}

ks_status ks_prefetch_next_view(ks_prefetch *p, ks_fvec *vec, ks_fvec *view,
                                ks_prefetch_info *info)
{
    if (p->ended)
        return p->end_st < 0 ? ks_fail(p->end_st, "%s", p->cur.detail.data ?
                                       p->cur.detail.data : "") : p->end_st;
    if (!p->ds)
        return ks_fail(KS_ERR_USAGE, "read-ahead: no pass started");
    if (!p->running) {
        fill(p, &p->cur);
    } else {
        slot *s = &p->ring[p->consumed % p->depth];
        pthread_mutex_lock(&p->mu);
        while (p->produced == p->consumed || s->pending)
            pthread_cond_wait(&p->not_empty, &p->mu);
        pthread_mutex_unlock(&p->mu);
        swap_slot(&p->cur, s);   /* the slot is ours until consumed++ */
        pthread_mutex_lock(&p->mu);
        p->consumed++;
        pthread_cond_signal(&p->not_full);
        pthread_mutex_unlock(&p->mu);
    }
    slot *c = &p->cur;
    if (c->st != KS_OK) {
        p->ended = 1;
        p->end_st = c->st;
        stop_threads(p);
        return c->st < 0 ? ks_fail(c->st, "%s", c->detail.data ? c->detail.data : "") : c->st;
    }
    ks_fvec t = *vec;
    *vec = c->vec;
    c->vec = t;
    if (view) {
        t = *view;
        *view = c->view;
        c->view = t;
    }
    *info = c->info;
    info->id = c->id.data ? c->id.data : "";
    info->file = c->file.data ? c->file.data : "";
    info->detail = c->detail.data ? c->detail.data : "";
    return KS_OK;
}

static void slot_free(slot *s)
{
    ks_buf_free(&s->raw);
    ks_fvec_free(&s->vec);
    ks_fvec_free(&s->view);
    ks_buf_free(&s->id);
    ks_buf_free(&s->file);
    ks_buf_free(&s->detail);
}

void ks_prefetch_free(ks_prefetch *p)
{
    if (!p)
        return;
    ks_prefetch_stop(p);
    for (unsigned i = 0; i < p->depth; i++)
        slot_free(&p->ring[i]);
    slot_free(&p->cur);
    ks_free(p->ring);
    ks_free(p->handq);
    ks_extractor_free(p->ex2);
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->not_full);
    pthread_cond_destroy(&p->not_empty);
    pthread_cond_destroy(&p->work);
    ks_free(p);
}
