/* replay.c - the model's replay reservoir (see model.h).
 *
 * Algorithm R: the k-th example offered (k from 1) fills a free slot while
 * there is one, else replaces slot j with probability cap/k, j uniform.
 * After any number of offers the reservoir is a uniform sample of all of
 * them, across sessions, because the count and the generator state are
 * saved with the model.
 */
#include <string.h>
#include "ks/alloc.h"
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
    for (uint32_t i = 0; m->replay && i < m->tc.replay; i++)
        ks_fvec_free(&m->replay[i]);
    ks_free(m->replay);
    ks_free(m->replay_label);
    m->replay = NULL;
    m->replay_label = NULL;
    m->nreplay = 0;
}

ks_status ks_model_replay_set(ks_model *m, uint32_t i, const ks_fvec *x, int label)
{
    ks_fvec *v;
    if (!m->replay) {
        m->replay = ks_calloc(m->tc.replay, sizeof *m->replay);
        m->replay_label = ks_calloc(m->tc.replay, 1);
        if (!m->replay || !m->replay_label) {
            ks_model_replay_free(m);
            return ks_fail(KS_ERR_NOMEM, "out of memory for the replay reservoir");
        }
    }
    v = &m->replay[i];
    if (x->n > v->cap) {
        ks_feature *f = ks_realloc(v->f, x->n * sizeof *f);
        if (!f)
            return ks_fail(KS_ERR_NOMEM, "out of memory for the replay reservoir");
        v->f = f;
        v->cap = x->n;
    }
    if (x->n)
        memcpy(v->f, x->f, x->n * sizeof *x->f);
    v->n = x->n;
    m->replay_label[i] = (unsigned char)(label != 0);
    if (i == m->nreplay)
        m->nreplay++;
    return KS_OK;
}

ks_status ks_model_replay_offer(ks_model *m, const ks_fvec *x, int label)
{
    uint64_t j;
    if (!m->tc.replay)
        return KS_OK;
    if (!m->replay_seen && !m->replay_rng)
        m->replay_rng = m->tc.seed ^ 0x7265706c6179ull;   /* "replay" */
    m->replay_seen++;
    if (m->nreplay < m->tc.replay)
        return ks_model_replay_set(m, m->nreplay, x, label);
    j = splitmix64(&m->replay_rng) % m->replay_seen;
    if (j >= m->tc.replay)
        return KS_OK;
    return ks_model_replay_set(m, (uint32_t)j, x, label);
}

size_t ks_model_replay_count(const ks_model *m) { return m->nreplay; }

const ks_fvec *ks_model_replay_get(const ks_model *m, size_t i, int *label)
{
    *label = m->replay_label[i];
    return &m->replay[i];
}
