/* svm.c - the SVM model family (svm_model.h is the contract).
 *
 * Training: libsvm's C-SVC (Chang & Lin 2011), SMO on
 *     min_a 1/2 a'Qa - e'a,  0 <= a_i <= C,  y'a = 0,  Q_ij = y_i y_j K(x_i, x_j)
 * with K linear (x.y) by default or RBF exp(-gamma |x-y|^2). Decision
 * f(x) = sum_i y_i a_i K(x_i, x) - rho; probability P(y=1|x) =
 * 1 / (1 + exp(A f(x) + B)) with A, B fitted by Platt's method on libsvm's
 * internal 5-fold cross-validation (probability = 1).
 *
 * Incremental training (Syed, Liu & Sung 1999, "Incremental learning with
 * support vector machines"): the support vectors summarise what the data
 * taught the SVM, so an update retrains on the kept support vectors plus
 * the new batch. We keep them as our own sparse vectors (label and
 * coefficient y_i a_i), at most cfg.cap; past the cap the ones with the
 * smallest |a_i| (the least influential on the decision) are dropped.
 *
 * svm.bin, little-endian, field by field:
 *   off  size  field
 *     0     8  magic "KSPAMSVM"
 *     8     4  u32 format version (1)
 *    12     4  u32 endianness mark 0x01020304
 *    16     4  u32 kernel (0 linear, 2 rbf)
 *    20     8  f64 gamma
 *    28     8  f64 C
 *    36     4  u32 cap
 *    40     8  u64 seed
 *    48     8  f64 rho
 *    56    16  f64 probA, f64 probB (Platt)
 *    72     8  i32 label[0], i32 label[1] (libsvm's class order, 0/1)
 *    80     8  u32 nSV[0], u32 nSV[1] (support vectors per class, in order)
 *    88     8  u64 total non-zeros N
 *    96 12*L  L = nSV[0] + nSV[1] times (f64 coefficient, u32 non-zeros)
 *     .  8*N  N times (u32 bucket, f32 value), per vector strictly ascending
 *     .     4  u32 CRC32 of every byte before it
 * The loader checks every count against the file size and every value
 * against its range before building libsvm's struct svm_model itself; it
 * never calls svm_load_model, whose text parser trusts its input.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <libsvm/svm.h>
#include <zlib.h>
#include "ks/alloc.h"
#include "ks/buf.h"
#include "ks/fileio.h"
#include "ks/svm_model.h"
#include "byteorder.h"
#include "model_internal.h"

#define SVM_MAGIC "KSPAMSVM"
#define SVM_VERSION 1u
#define SVM_ENDIAN 0x01020304u
#define SVM_HEAD 96u
#define SVM_PER_SV 12u
#define SVM_MAX_FILE ((size_t)1 << 31)

struct ks_svm {
    ks_svm_config cfg;
    /* kept support vectors, in libsvm's order (class label[0] first) */
    ks_fvec *sv;
    double *coef;             /* y_i a_i */
    size_t nsv;
    int label[2];             /* libsvm's class order */
    uint32_t nsv_class[2];    /* support vectors per class */
    double rho, prob_a, prob_b;
    int trained;
    struct svm_model *model;  /* built from the fields above; owns copies */
    /* batch for the next training */
    ks_fvec *bx;
    int *by;
    size_t nb, capb;
};

void ks_svm_config_default(ks_svm_config *c)
{
    c->c = 1.0;
    c->kernel = KS_SVM_LINEAR;
    c->gamma = 1.0;
    c->cap = 20000;
    c->seed = 1;
}

ks_status ks_svm_config_check(const ks_svm_config *c)
{
    if (!(isfinite(c->c) && c->c > 0 && c->c <= 1e6))
        return ks_fail(KS_ERR_USAGE, "svm C must be in (0, 1e6]");
    if (c->kernel != KS_SVM_LINEAR && c->kernel != KS_SVM_RBF)
        return ks_fail(KS_ERR_USAGE, "svm kernel %u unknown (0 linear, 2 rbf)", c->kernel);
    if (!(isfinite(c->gamma) && c->gamma > 0 && c->gamma <= 1e6))
        return ks_fail(KS_ERR_USAGE, "svm gamma must be in (0, 1e6]");
    if (c->cap < 1 || c->cap > (1u << 22))
        return ks_fail(KS_ERR_USAGE, "svm cap must be 1..4194304 support vectors");
    return KS_OK;
}

static void sv_clear(ks_svm *s)
{
    for (size_t i = 0; i < s->nsv; i++)
        ks_fvec_free(&s->sv[i]);
    ks_free(s->sv);
    ks_free(s->coef);
    s->sv = NULL;
    s->coef = NULL;
    s->nsv = 0;
    if (s->model)
        svm_free_and_destroy_model(&s->model);
    s->trained = 0;
}

ks_status ks_svm_new(ks_svm **out, const ks_svm_config *c)
{
    ks_status st;
    *out = NULL;
    if ((st = ks_svm_config_check(c)) != KS_OK)
        return st;
    if (!(*out = ks_calloc(1, sizeof **out)))
        return ks_fail(KS_ERR_NOMEM, "out of memory for an svm model");
    (*out)->cfg = *c;
    return KS_OK;
}

void ks_svm_free(ks_svm *s)
{
    if (!s)
        return;
    sv_clear(s);
    for (size_t i = 0; i < s->nb; i++)
        ks_fvec_free(&s->bx[i]);
    ks_free(s->bx);
    ks_free(s->by);
    ks_free(s);
}

const ks_svm_config *ks_svm_config_get(const ks_svm *s) { return &s->cfg; }
size_t ks_svm_sv_count(const ks_svm *s) { return s->nsv; }
size_t ks_svm_batch_count(const ks_svm *s) { return s->nb; }

static ks_status fvec_copy(ks_fvec *dst, const ks_fvec *src)
{
    dst->n = dst->cap = 0;
    dst->f = NULL;
    if (!src->n)
        return KS_OK;
    if (!(dst->f = ks_malloc((size_t)src->n * sizeof *dst->f)))
        return ks_fail(KS_ERR_NOMEM, "out of memory copying a vector");
    memcpy(dst->f, src->f, (size_t)src->n * sizeof *dst->f);
    dst->n = dst->cap = src->n;
    return KS_OK;
}

ks_status ks_svm_add(ks_svm *s, const ks_fvec *x, int label)
{
    if (s->nb == s->capb) {
        size_t cap = s->capb ? s->capb * 2 : 1024;
        ks_fvec *bx = ks_realloc(s->bx, cap * sizeof *bx);
        int *by;
        if (!bx)
            return ks_fail(KS_ERR_NOMEM, "out of memory for %zu examples", s->nb);
        s->bx = bx;
        if (!(by = ks_realloc(s->by, cap * sizeof *by)))
            return ks_fail(KS_ERR_NOMEM, "out of memory for %zu examples", s->nb);
        s->by = by;
        s->capb = cap;
    }
    s->by[s->nb] = label ? 1 : 0;
    if (fvec_copy(&s->bx[s->nb], x) != KS_OK)
        return KS_ERR_NOMEM;
    s->nb++;
    return KS_OK;
}

/* ---- libsvm's view --------------------------------------------------------- */

/* x as libsvm nodes (bucket + 1, as in our LIBSVM export) into dst,
 * terminated by index -1; returns the next free node. */
static struct svm_node *to_nodes(struct svm_node *dst, const ks_fvec *x)
{
    for (uint32_t k = 0; k < x->n; k++) {
        dst[k].index = (int)x->f[k].index + 1;
        dst[k].value = x->f[k].value;
    }
    dst[x->n].index = -1;
    dst[x->n].value = 0;
    return dst + x->n + 1;
}

static void set_param(struct svm_parameter *p, const ks_svm_config *c, int probability)
{
    memset(p, 0, sizeof *p);
    p->svm_type = C_SVC;
    p->kernel_type = (int)c->kernel;
    p->degree = 3;
    p->gamma = c->gamma;
    p->cache_size = 200;
    p->eps = 1e-3;
    p->C = c->c;
    p->shrinking = 1;
    p->probability = probability;
}

/* Builds libsvm's struct svm_model from our fields, with malloc (libsvm
 * frees it: free_sv = 1 frees SV[0], the one block of all nodes). */
static ks_status build_model(ks_svm *s)
{
    struct svm_model *m = calloc(1, sizeof *m);
    size_t nodes = 0;
    struct svm_node *x;
    if (!m)
        return ks_fail(KS_ERR_NOMEM, "out of memory for an svm model");
    for (size_t i = 0; i < s->nsv; i++)
        nodes += s->sv[i].n + 1;
    set_param(&m->param, &s->cfg, 1);
    m->nr_class = 2;
    m->l = (int)s->nsv;
    m->SV = calloc(s->nsv ? s->nsv : 1, sizeof *m->SV);
    m->sv_coef = calloc(1, sizeof *m->sv_coef);
    if (m->sv_coef)
        m->sv_coef[0] = calloc(s->nsv ? s->nsv : 1, sizeof **m->sv_coef);
    m->rho = calloc(1, sizeof *m->rho);
    m->probA = calloc(1, sizeof *m->probA);
    m->probB = calloc(1, sizeof *m->probB);
    m->label = calloc(2, sizeof *m->label);
    m->nSV = calloc(2, sizeof *m->nSV);
    m->free_sv = 1;
    x = calloc(nodes ? nodes : 1, sizeof *x);
    if (m->SV)
        m->SV[0] = x;   /* freed by libsvm when l > 0 */
    if (!m->SV || !m->sv_coef || !m->sv_coef[0] || !m->rho || !m->probA || !m->probB ||
        !m->label || !m->nSV || !x) {
        if (!s->nsv)
            free(x);
        svm_free_and_destroy_model(&m);
        return ks_fail(KS_ERR_NOMEM, "out of memory for an svm model");
    }
    for (size_t i = 0; i < s->nsv; i++) {
        m->SV[i] = x;
        x = to_nodes(x, &s->sv[i]);
        m->sv_coef[0][i] = s->coef[i];
    }
    if (!s->nsv)
        free(m->SV[0]), m->SV[0] = NULL;
    m->rho[0] = s->rho;
    m->probA[0] = s->prob_a;
    m->probB[0] = s->prob_b;
    m->label[0] = s->label[0];
    m->label[1] = s->label[1];
    m->nSV[0] = (int)s->nsv_class[0];
    m->nSV[1] = (int)s->nsv_class[1];
    if (s->model)
        svm_free_and_destroy_model(&s->model);
    s->model = m;
    s->trained = 1;
    return KS_OK;
}

static void quiet(const char *msg) { (void)msg; }

typedef struct {
    struct svm_problem prob;
    struct svm_node *nodes;
    const ks_fvec **vec;      /* example i's vector (kept SV or batch) */
    double *wanted;           /* |coef| when pruning */
} problem;

static void problem_free(problem *p)
{
    ks_free(p->prob.y);
    ks_free(p->prob.x);
    ks_free(p->nodes);
    ks_free(p->vec);
    ks_free(p->wanted);
}

/* Kept support vectors first, then the batch. */
static ks_status make_problem(const ks_svm *s, problem *p, int *classes)
{
    size_t l = s->nsv + s->nb, nodes = 0, i;
    struct svm_node *x;
    memset(p, 0, sizeof *p);
    for (i = 0; i < s->nsv; i++)
        nodes += s->sv[i].n + 1;
    for (i = 0; i < s->nb; i++)
        nodes += s->bx[i].n + 1;
    if (l > (size_t)INT32_MAX / 2)
        return ks_fail(KS_ERR_LIMIT, "svm: %zu examples are too many for libsvm", l);
    p->prob.l = (int)l;
    p->prob.y = ks_malloc((l ? l : 1) * sizeof *p->prob.y);
    p->prob.x = ks_malloc((l ? l : 1) * sizeof *p->prob.x);
    p->nodes = ks_malloc((nodes ? nodes : 1) * sizeof *p->nodes);
    p->vec = ks_malloc((l ? l : 1) * sizeof *p->vec);
    if (!p->prob.y || !p->prob.x || !p->nodes || !p->vec)
        return ks_fail(KS_ERR_NOMEM, "out of memory for %zu svm examples", l);
    x = p->nodes;
    *classes = 0;
    for (i = 0; i < l; i++) {
        const ks_fvec *v = i < s->nsv ? &s->sv[i] : &s->bx[i - s->nsv];
        int y = i < s->nsv ? (i < s->nsv_class[0] ? s->label[0] : s->label[1]) : s->by[i - s->nsv];
        p->prob.y[i] = y;
        p->prob.x[i] = x;
        p->vec[i] = v;
        *classes |= 1 << y;
        x = to_nodes(x, v);
    }
    return KS_OK;
}

static int desc(const void *x, const void *y)
{
    double u = *(const double *)x, v = *(const double *)y;
    return (u < v) - (u > v);
}

/* Which of the model's support vectors to keep (all, or the cap with the
 * largest |coef|): marks kept ones in keep[]. */
static void choose_kept(const struct svm_model *m, uint32_t cap, unsigned char *keep)
{
    size_t l = (size_t)m->l, kept = 0;
    double cut = 0;
    if (l <= cap) {
        memset(keep, 1, l);
        return;
    }
    {   /* the cap-th largest |coef| by sorting a copy */
        double *a = malloc(l * sizeof *a);
        if (a) {
            for (size_t i = 0; i < l; i++)
                a[i] = fabs(m->sv_coef[0][i]);
            qsort(a, l, sizeof *a, desc);
            cut = a[cap - 1];
            free(a);
        }
    }
    for (size_t i = 0; i < l; i++) {
        keep[i] = kept < cap && fabs(m->sv_coef[0][i]) >= cut;
        kept += keep[i];
    }
}

/* Takes the trained model's support vectors into our own store. */
static ks_status keep_svs(ks_svm *s, const problem *p, const struct svm_model *m)
{
    size_t l = (size_t)m->l, n = 0;
    int *idx = ks_malloc((l ? l : 1) * sizeof *idx);
    unsigned char *keep = ks_malloc(l ? l : 1);
    ks_fvec *sv = NULL;
    double *coef = NULL;
    uint32_t per[2] = {0, 0};
    ks_status st = KS_OK;
    if (!idx || !keep)
        st = ks_fail(KS_ERR_NOMEM, "out of memory for %zu support vectors", l);
    if (st == KS_OK) {
        svm_get_sv_indices(m, idx);
        choose_kept(m, s->cfg.cap, keep);
        sv = ks_calloc(l ? l : 1, sizeof *sv);
        coef = ks_malloc((l ? l : 1) * sizeof *coef);
        if (!sv || !coef)
            st = ks_fail(KS_ERR_NOMEM, "out of memory for %zu support vectors", l);
    }
    for (size_t i = 0; st == KS_OK && i < l; i++) {
        if (!keep[i])
            continue;
        if ((st = fvec_copy(&sv[n], p->vec[idx[i] - 1])) != KS_OK)
            break;
        coef[n] = m->sv_coef[0][i];
        per[i < (size_t)m->nSV[0] ? 0 : 1]++;
        n++;
    }
    if (st == KS_OK) {
        sv_clear(s);
        s->sv = sv;
        s->coef = coef;
        s->nsv = n;
        s->label[0] = m->label[0];
        s->label[1] = m->label[1];
        s->nsv_class[0] = per[0];
        s->nsv_class[1] = per[1];
        s->rho = m->rho[0];
        s->prob_a = m->probA ? m->probA[0] : 0;
        s->prob_b = m->probB ? m->probB[0] : 0;
        sv = NULL;
        coef = NULL;
        if (l > n)
            ks_log(KS_LOG_INFO, "svm: kept %zu of %zu support vectors (cap %u, largest |alpha|)",
                   n, l, s->cfg.cap);
    }
    for (size_t i = 0; sv && i < n; i++)
        ks_fvec_free(&sv[i]);
    ks_free(sv);
    ks_free(coef);
    ks_free(idx);
    ks_free(keep);
    return st;
}

/* The Gram matrix as libsvm's PRECOMPUTED kernel input: row i is
 * (0: serial i + 1), (j + 1: K(x_i, x_j)) for every j, then -1. Each row
 * is scattered into a dense array once and every other vector gathered
 * against it, so a kernel value costs one multiply-add per non-zero of one
 * vector, against libsvm's sorted merge of both vectors for each of the
 * six trainings (five for Platt's cross-validation) that ask for it. */
static ks_status gram_problem(const problem *p, const ks_svm_config *c, uint32_t top,
                              struct svm_problem *g, struct svm_node **block)
{
    size_t l = (size_t)p->prob.l, w = l + 2;
    double *dense = ks_calloc((size_t)top + 1, sizeof *dense);
    double *norm = ks_calloc(l ? l : 1, sizeof *norm);
    struct svm_node *nodes = ks_malloc(l * w * sizeof *nodes + 1);
    struct svm_node **rows = ks_malloc((l ? l : 1) * sizeof *rows);
    if (!dense || !norm || !nodes || !rows) {
        ks_free(dense), ks_free(norm), ks_free(nodes), ks_free(rows);
        return ks_fail(KS_ERR_NOMEM, "out of memory for the %zu x %zu kernel matrix", l, l);
    }
    for (size_t i = 0; i < l; i++) {
        const ks_fvec *x = p->vec[i];
        rows[i] = nodes + i * w;
        rows[i][0].index = 0;
        rows[i][0].value = (double)(i + 1);
        rows[i][l + 1].index = -1;
        for (uint32_t k = 0; k < x->n; k++)
            norm[i] += (double)x->f[k].value * x->f[k].value;
    }
    for (size_t i = 0; i < l; i++) {
        const ks_fvec *x = p->vec[i];
        for (uint32_t k = 0; k < x->n; k++)
            dense[x->f[k].index] = x->f[k].value;
        for (size_t j = 0; j <= i; j++) {
            const ks_fvec *y = p->vec[j];
            double d = 0;
            for (uint32_t k = 0; k < y->n; k++)
                d += y->f[k].value * dense[y->f[k].index];
            if (c->kernel == KS_SVM_RBF)
                d = exp(-c->gamma * (norm[i] + norm[j] - 2 * d));
            rows[i][j + 1].index = (int)(j + 1);
            rows[i][j + 1].value = d;
            rows[j][i + 1].index = (int)(i + 1);
            rows[j][i + 1].value = d;
        }
        for (uint32_t k = 0; k < x->n; k++)
            dense[x->f[k].index] = 0;
    }
    ks_free(dense);
    ks_free(norm);
    g->l = p->prob.l;
    g->y = p->prob.y;
    g->x = rows;
    *block = nodes;
    return KS_OK;
}

/* The largest bucket of the problem's vectors. */
static uint32_t top_index(const problem *p)
{
    uint32_t top = 0;
    for (int i = 0; i < p->prob.l; i++)
        if (p->vec[i]->n && p->vec[i]->f[p->vec[i]->n - 1].index > top)
            top = p->vec[i]->f[p->vec[i]->n - 1].index;
    return top;
}

ks_status ks_svm_train(ks_svm *s)
{
    struct svm_parameter param;
    struct svm_model *m;
    struct svm_problem g, *use;
    struct svm_node *gram = NULL;
    problem p;
    const char *why;
    int classes = 0;
    ks_status st = make_problem(s, &p, &classes);
    uint64_t l = (uint64_t)p.prob.l;
    if (st == KS_OK && classes != 3)
        st = ks_fail(KS_ERR_DATA, "svm training needs both ham and spam examples");
    set_param(&param, &s->cfg, 1);
    use = &p.prob;
    if (st == KS_OK && l * (l + 2) * sizeof(struct svm_node) <= KS_SVM_GRAM_MAX) {
        if ((st = gram_problem(&p, &s->cfg, top_index(&p), &g, &gram)) == KS_OK) {
            param.kernel_type = PRECOMPUTED;
            use = &g;
        }
    }
    if (st == KS_OK && (why = svm_check_parameter(use, &param)) != NULL)
        st = ks_fail(KS_ERR_USAGE, "svm: %s", why);
    if (st != KS_OK) {
        if (gram)
            ks_free(g.x);
        ks_free(gram);
        problem_free(&p);
        return st;
    }
    svm_set_print_string_function(quiet);
    srand((unsigned)(s->cfg.seed ^ (s->cfg.seed >> 32)));   /* Platt's CV folds */
    m = svm_train(use, &param);
    if (gram) {
        ks_free(g.x);
        ks_free(gram);
    }
    if (!m || !svm_check_probability_model(m)) {
        if (m)
            svm_free_and_destroy_model(&m);
        problem_free(&p);
        return ks_fail(KS_ERR_NOMEM, "svm training failed (out of memory)");
    }
    st = keep_svs(s, &p, m);
    svm_free_and_destroy_model(&m);   /* free_sv 0: our nodes stay ours */
    problem_free(&p);
    if (st == KS_OK)
        st = build_model(s);
    if (st == KS_OK) {
        for (size_t i = 0; i < s->nb; i++)
            ks_fvec_free(&s->bx[i]);
        s->nb = 0;
    }
    return st;
}

double ks_svm_predict(const ks_svm *s, const ks_fvec *x)
{
    struct svm_node stackbuf[512], *nodes = stackbuf;
    double prob[2] = {0.5, 0.5}, p;
    if (!s->trained || !s->model)
        return 0.5;
    if (x->n + 1 > sizeof stackbuf / sizeof *stackbuf &&
        !(nodes = malloc(((size_t)x->n + 1) * sizeof *nodes)))
        return 0.5;
    to_nodes(nodes, x);
    svm_predict_probability(s->model, nodes, prob);
    if (nodes != stackbuf)
        free(nodes);
    p = s->model->label[0] == 1 ? prob[0] : prob[1];
    if (!(p > 0))
        p = 1e-12;
    if (!(p < 1))
        p = 1 - 1e-12;
    return p;
}

/* ---- svm.bin ------------------------------------------------------------------ */

static ks_status build_bin(const ks_svm *s, ks_buf *b, uint32_t *crc)
{
    uint64_t nnz = 0;
    ks_status st;
    for (size_t i = 0; i < s->nsv; i++)
        nnz += s->sv[i].n;
    if ((st = ks_buf_reserve(b, SVM_HEAD + s->nsv * SVM_PER_SV + nnz * 8 + 4)) != KS_OK)
        return st;
    put_bytes(b, SVM_MAGIC, 8);
    put_u32(b, SVM_VERSION);
    put_u32(b, SVM_ENDIAN);
    put_u32(b, s->cfg.kernel);
    put_f64(b, s->cfg.gamma);
    put_f64(b, s->cfg.c);
    put_u32(b, s->cfg.cap);
    put_u64(b, s->cfg.seed);
    put_f64(b, s->rho);
    put_f64(b, s->prob_a);
    put_f64(b, s->prob_b);
    put_u32(b, (uint32_t)s->label[0]);
    put_u32(b, (uint32_t)s->label[1]);
    put_u32(b, s->nsv_class[0]);
    put_u32(b, s->nsv_class[1]);
    put_u64(b, nnz);
    for (size_t i = 0; i < s->nsv; i++) {
        put_f64(b, s->coef[i]);
        put_u32(b, s->sv[i].n);
    }
    for (size_t i = 0; i < s->nsv; i++)
        for (uint32_t k = 0; k < s->sv[i].n; k++) {
            uint32_t u;
            memcpy(&u, &s->sv[i].f[k].value, 4);
            put_u32(b, s->sv[i].f[k].index);
            put_u32(b, u);
        }
    *crc = (uint32_t)crc32(0L, (const Bytef *)b->data, (uInt)b->len);
    put_u32(b, *crc);
    return KS_OK;
}

ks_status ks_svm_save(ks_svm *s, ks_model *m, const char *dir)
{
    ks_buf b = {0};
    uint32_t crc = 0;
    char *path;
    ks_status st;
    if (!s->trained)
        return ks_fail(KS_ERR_USAGE, "ks_svm_save: model not trained");
    if ((st = build_bin(s, &b, &crc)) != KS_OK)
        return st;
    if (!(path = ks_path_join(dir, "svm.bin")))
        st = ks_fail(KS_ERR_NOMEM, "out of memory saving the svm model");
    else
        st = ks_write_atomic(path, b.data, b.len);
    ks_free(path);
    ks_buf_free(&b);
    if (st != KS_OK)
        return st;
    m->tc.algo = KS_ALGO_SVM;
    m->tc.family_crc = crc;
    m->tc.replay = 0;
    return ks_model_save(m, dir);
}

/* ---- loading ------------------------------------------------------------------- */

static ks_status bad(const char *path, const char *what)
{
    return ks_fail(KS_ERR_MODEL, "%s: %s", path, what);
}

/* Header fields after the envelope; checks them. */
static ks_status read_head(ks_svm *s, const char *path, reader *r, uint64_t *nnz)
{
    s->cfg.kernel = get_u32(r);
    s->cfg.gamma = get_f64(r);
    s->cfg.c = get_f64(r);
    s->cfg.cap = get_u32(r);
    s->cfg.seed = get_u64(r);
    s->rho = get_f64(r);
    s->prob_a = get_f64(r);
    s->prob_b = get_f64(r);
    s->label[0] = (int)get_u32(r);
    s->label[1] = (int)get_u32(r);
    s->nsv_class[0] = get_u32(r);
    s->nsv_class[1] = get_u32(r);
    *nnz = get_u64(r);
    if (ks_svm_config_check(&s->cfg) != KS_OK)
        return bad(path, "svm settings out of range");
    if (!isfinite(s->rho) || !isfinite(s->prob_a) || !isfinite(s->prob_b))
        return bad(path, "svm state not finite");
    if (!((s->label[0] == 0 && s->label[1] == 1) || (s->label[0] == 1 && s->label[1] == 0)))
        return bad(path, "svm class labels out of range");
    return KS_OK;
}

static ks_status read_svs(ks_svm *s, const char *path, reader *r, size_t len, uint64_t nnz,
                          uint32_t dim)
{
    size_t l = (size_t)s->nsv_class[0] + s->nsv_class[1], vpos;
    uint64_t sum = 0;
    if (l > (len - SVM_HEAD - 4) / SVM_PER_SV || nnz > (len - SVM_HEAD - 4 - l * SVM_PER_SV) / 8)
        return bad(path, "truncated: support vectors declared past the end");
    if (SVM_HEAD + l * SVM_PER_SV + nnz * 8 + 4 != len)
        return bad(path, "unexpected bytes after the data");
    if (!(s->sv = ks_calloc(l ? l : 1, sizeof *s->sv)) || !(s->coef = ks_malloc((l ? l : 1) * 8)))
        return ks_fail(KS_ERR_NOMEM, "out of memory loading %zu support vectors", l);
    vpos = SVM_HEAD + l * SVM_PER_SV;
    for (size_t i = 0; i < l; i++) {
        uint32_t n;
        reader v = *r;
        s->coef[i] = get_f64(r);
        n = get_u32(r);
        if (!isfinite(s->coef[i]))
            return bad(path, "support vector coefficient not finite");
        if (n > nnz - sum)
            return bad(path, "support vector sizes exceed the declared non-zeros");
        s->nsv = i + 1;
        if (n && !(s->sv[i].f = ks_malloc((size_t)n * sizeof *s->sv[i].f)))
            return ks_fail(KS_ERR_NOMEM, "out of memory loading support vectors");
        s->sv[i].n = s->sv[i].cap = n;
        v.pos = vpos + sum * 8;
        for (uint32_t k = 0; k < n; k++) {
            uint32_t idx = get_u32(&v), u = get_u32(&v);
            float f;
            memcpy(&f, &u, 4);
            if (idx >= dim || (k && idx <= s->sv[i].f[k - 1].index))
                return bad(path, "support vector index out of range or out of order");
            if (!isfinite(f))
                return bad(path, "support vector value not finite");
            s->sv[i].f[k].index = idx;
            s->sv[i].f[k].value = f;
        }
        sum += n;
    }
    if (sum != nnz)
        return bad(path, "support vector sizes do not add up to the declared non-zeros");
    return KS_OK;
}

static ks_status parse_bin(ks_svm *s, const char *path, const unsigned char *p, size_t len,
                           const ks_model *m)
{
    reader r = {p, len, 8};
    uint64_t nnz;
    uint32_t v, crc;
    ks_status st;
    if (len < 16 || memcmp(p, SVM_MAGIC, 8) != 0)
        return bad(path, "not a ks svm file");
    if ((v = get_u32(&r)) != SVM_VERSION)
        return ks_fail(KS_ERR_MODEL, "%s: format version %u, this program reads %u", path, v,
                       SVM_VERSION);
    if (get_u32(&r) != SVM_ENDIAN)
        return bad(path, "other endianness");
    if (len < SVM_HEAD + 4)
        return bad(path, "truncated");
    crc = (uint32_t)crc32(0L, p, (uInt)(len - 4));
    {
        reader t = {p, len, len - 4};
        if (crc != get_u32(&t))
            return bad(path, "checksum mismatch: file is corrupt");
    }
    if (crc != m->tc.family_crc)
        return ks_fail(KS_ERR_MODEL, "%s: checksum %08x is not the %08x model.bin names: "
                       "files of different models", path, crc, m->tc.family_crc);
    if ((st = read_head(s, path, &r, &nnz)) != KS_OK)
        return st;
    return read_svs(s, path, &r, len, nnz, m->dim);
}

ks_status ks_svm_load(ks_svm **out, const ks_model *m, const char *dir)
{
    ks_svm_config c;
    ks_svm *s;
    char *path, *data = NULL;
    size_t len = 0;
    ks_status st;
    *out = NULL;
    if (m->tc.algo != KS_ALGO_SVM)
        return ks_fail(KS_ERR_MODEL, "%s/model.bin: a logistic regression model, not an svm "
                       "model", dir);
    ks_svm_config_default(&c);
    if ((st = ks_svm_new(&s, &c)) != KS_OK)
        return st;
    if (!(path = ks_path_join(dir, "svm.bin"))) {
        ks_svm_free(s);
        return ks_fail(KS_ERR_NOMEM, "out of memory loading the svm model");
    }
    st = ks_read_file(path, SVM_MAX_FILE, &data, &len);
    if (st == KS_ERR_IO)
        st = ks_fail(KS_ERR_MODEL, "%s: missing or unreadable (model.bin says this is an svm "
                     "model): %s", path, ks_error_detail());
    if (st == KS_OK)
        st = parse_bin(s, path, (const unsigned char *)data, len, m);
    if (st == KS_OK)
        st = build_model(s);
    ks_free(data);
    ks_free(path);
    if (st != KS_OK) {
        ks_svm_free(s);
        return st;
    }
    *out = s;
    return KS_OK;
}
