/* replay.c - the model's replay reservoir (see model.h).
 *
 * Algorithm R: the k-th example offered (k from 1) fills a free slot while
 * there is one, else replaces slot j with probability cap/k, j uniform.
 * After any number of offers the reservoir is a uniform sample of all of
 * them, across sessions, because the count and the generator state are
 * saved with the model.
 *
 * Examples are kept in the compact form of ks_fvec_encode (features.h),
 * in memory and in model.bin.
 */
#include <string.h>
#include "ks/alloc.h"
#include "ks/buf.h"
#include "model_internal.h"

static uint64_t splitmix64(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

void ks_model_replay_free(ks_model *m)
{
    for (uint32_t i = 0; m->replay && i < m->nreplay; i++)
        ks_free(m->replay[i].data);
    ks_free(m->replay);
    m->replay = NULL;
    m->nreplay = 0;
}

ks_status ks_model_replay_put(ks_model *m, uint32_t i, unsigned char *data, size_t len, int label)
{
    if (!m->replay && !(m->replay = ks_calloc(m->tc.replay, sizeof *m->replay))) {
        ks_free(data);
        return ks_fail(KS_ERR_NOMEM, "out of memory for the replay reservoir");
    }
    ks_free(m->replay[i].data);
    m->replay[i].data = data;
    m->replay[i].len = len;
    m->replay[i].label = (unsigned char)(label != 0);
    if (i == m->nreplay)
        m->nreplay++;
    return KS_OK;
}

/* The slot the next offered example goes to (Algorithm R), or -1 when it
 * is not kept. Advances the count and the generator. */
static int64_t offer_slot(ks_model *m)
{
    uint64_t j;
    if (!m->tc.replay)
        return -1;
    if (!m->replay_seen && !m->replay_rng)
        m->replay_rng = m->tc.seed ^ 0x7265706c6179ull;   /* "replay" */
    m->replay_seen++;
    if (m->nreplay < m->tc.replay)
        return m->nreplay;
    j = splitmix64(&m->replay_rng) % m->replay_seen;
    return j < m->tc.replay ? (int64_t)j : -1;
}

ks_status ks_model_replay_offer(ks_model *m, const ks_fvec *x, const ks_fvec *view, int label)
{
    ks_buf b = {0};
    ks_status st;
    int64_t i = offer_slot(m);
    if (i < 0)
        return KS_OK;
    if ((st = ks_fvec_encode(x, &b)) != KS_OK ||
        (view && (st = ks_fvec_encode(view, &b)) != KS_OK)) {
        ks_buf_free(&b);
        return st;
    }
    return ks_model_replay_put(m, (uint32_t)i, (unsigned char *)b.data, b.len, label);
}

ks_status ks_model_replay_offer_encoded(ks_model *m, const void *data, size_t len, int label)
{
    unsigned char *copy;
    int64_t i = offer_slot(m);
    if (i < 0)
        return KS_OK;
    if (!(copy = ks_malloc(len ? len : 1)))   /* exactly its size */
        return ks_fail(KS_ERR_NOMEM, "out of memory for the replay reservoir");
    if (len)
        memcpy(copy, data, len);
    return ks_model_replay_put(m, (uint32_t)i, copy, len, label);
}

size_t ks_model_replay_count(const ks_model *m) { return m->nreplay; }

ks_status ks_model_replay_get(const ks_model *m, size_t i, ks_fvec *out, ks_fvec *view,
                              int *label)
{
    int pair;
    *label = m->replay[i].label;
    ks_status st = ks_example_decode(m->replay[i].data, m->replay[i].len, m->dim, out, view,
                                     &pair);
    if (st == KS_ERR_FORMAT)   /* checked on load: cannot happen */
        return ks_fail(KS_ERR_MODEL, "replay example %zu does not decode", i);
    if (view && !pair)
        view->n = 0;
    return st;
}

/* See model_internal.h. */
ks_status ks_example_check(const unsigned char *p, size_t len, const ks_model *m,
                           ks_fvec *scratch)
{
    int pair;
    ks_status st = ks_example_decode(p, len, m->dim, scratch, scratch, &pair);
    return st == KS_OK && pair != (m->fc.view != 0) ? KS_ERR_FORMAT : st;
}

void ks_model_replay_encoded(const ks_model *m, size_t i, const unsigned char **data,
                             size_t *len, int *label)
{
    *data = m->replay[i].data;
    *len = m->replay[i].len;
    *label = m->replay[i].label;
}
