/* prefetch.c - the read-ahead ring (see prefetch.h for the contract).
 *
 * Slots are used in order: the producer fills slot produced % depth, the
 * consumer empties slot consumed % depth; the two counters, under one
 * mutex, are the only shared state, and a slot belongs to whichever side
 * the counters give it to. A slot's vector and strings are swapped with the
 * consumer's, so nothing is copied twice. The last slot of a pass holds
 * the dataset's KS_DONE or error (with its detail text).
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
} slot;

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
};

ks_status ks_prefetch_new(ks_prefetch **out, unsigned depth, int threaded)
{
    ks_prefetch *p = ks_calloc(1, sizeof *p);
    *out = NULL;
    if (!p || !(p->ring = ks_calloc(depth ? depth : 1, sizeof *p->ring))) {
        ks_free(p);
        return ks_fail(KS_ERR_NOMEM, "out of memory for the read-ahead ring");
    }
    p->depth = depth ? depth : 1;
    p->threaded = threaded;
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->not_full, NULL);
    pthread_cond_init(&p->not_empty, NULL);
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

/* Reads and extracts the next message into s (either thread). */
static void fill(ks_prefetch *p, slot *s)
{
    ks_message m;
    ks_status st = ks_dataset_next(p->ds, &m);
    const ks_dataset_stats *ds = ks_dataset_stats_get(p->ds);
    s->st = st;
    ks_buf_clear(&s->detail);
    if (st != KS_OK) {
        if (st < 0 && set_str(&s->detail, ks_error_detail()))
            s->st = KS_ERR_NOMEM;
        return;
    }
    s->info.label = m.label;
    s->info.kind = m.kind;
    s->info.line = m.line;
    s->info.len = m.len;
    s->info.source = ks_dataset_source(p->ds);
    s->info.messages = ds->messages;
    s->info.bytes = ds->bytes;
    if (set_str(&s->id, m.id) || set_str(&s->file, m.file)) {
        s->st = KS_ERR_NOMEM;
        set_str(&s->detail, "out of memory in the read-ahead ring");
        return;
    }
    s->info.extract_st = ks_extract(p->ex, &m, &s->vec);
    s->info.view = 0;
    if (s->info.extract_st == KS_OK && p->view && m.kind != KS_MSG_VECTOR) {
        s->info.extract_st = ks_extract_view(p->ex, &s->view);
        s->info.view = s->info.extract_st == KS_OK;
    }
    trim(&s->vec);
    trim(&s->view);
    if (s->info.extract_st != KS_OK) {
        s->vec.n = 0;
        if (ks_buf_printf(&s->detail, "%s: message %s: %s", m.file ? m.file : "",
                          m.id ? m.id : "", ks_error_detail()) != KS_OK)
            s->st = KS_ERR_NOMEM;
    }
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
        fill(p, s);
        ks_status st = s->st;   /* once published, the slot is the consumer's */
        pthread_mutex_lock(&p->mu);
        p->produced++;
        pthread_cond_signal(&p->not_empty);
        pthread_mutex_unlock(&p->mu);
        if (st != KS_OK)
            break;
    }
    return NULL;
}

void ks_prefetch_stop(ks_prefetch *p)
{
    if (!p)
        return;
    if (p->running) {
        pthread_mutex_lock(&p->mu);
        p->stop = 1;
        pthread_cond_signal(&p->not_full);
        pthread_mutex_unlock(&p->mu);
        pthread_join(p->thread, NULL);
        p->running = 0;
    }
    p->ds = NULL;
    p->ex = NULL;
}

ks_status ks_prefetch_start(ks_prefetch *p, ks_dataset *ds, ks_extractor *ex)
{
    ks_prefetch_stop(p);
    p->ds = ds;
    p->ex = ex;
    p->produced = p->consumed = 0;
    p->stop = 0;
    p->ended = 0;
    if (!p->threaded)
        return KS_OK;
    if (pthread_create(&p->thread, NULL, producer, p) != 0) {
        p->threaded = 0;   /* no thread to be had: read inline, same output */
        return KS_OK;
    }
    p->running = 1;
    return KS_OK;
}

void ks_prefetch_set_view(ks_prefetch *p, int on) { p->view = on; }

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
        while (p->produced == p->consumed)
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
        if (p->running) {
            pthread_join(p->thread, NULL);
            p->running = 0;
        }
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
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->not_full);
    pthread_cond_destroy(&p->not_empty);
    ks_free(p);
}
