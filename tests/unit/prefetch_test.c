/* prefetch_test.c - the read-ahead thread gives the inline path's vectors,
 * labels and ids in the same order (ring depths 1, 3, 64), ends passes
 * early and restarts, and carries a dataset error's status and detail to
 * the consumer's thread. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "prefetch.h"
#include "ks/features.h"

#define CSV KS_TEST_DATA "/knitfab-example/dataset/validate"

typedef struct {
    uint64_t sum;      /* hash of every vector, label and id, in order */
    uint64_t n, last_messages;
} digest;

static void add(digest *d, const ks_fvec *v, const ks_prefetch_info *in)
{
    d->sum = d->sum * 1000003u + (uint64_t)in->label + in->len;
    for (const char *s = in->id; *s; s++)
        d->sum = d->sum * 31 + (unsigned char)*s;
    for (uint32_t k = 0; k < v->n; k++) {
        uint32_t bits;
        memcpy(&bits, &v->f[k].value, 4);
        d->sum = (d->sum ^ v->f[k].index) * 0x100000001b3ull ^ bits;
    }
    d->n++;
    d->last_messages = in->messages;
}

/* One pass over dir; stop_after > 0 ends it early. Returns the end status. */
static ks_status run(const char *dir, unsigned depth, int threaded, uint64_t stop_after,
                     digest *d, char *detail, size_t dsize)
{
    ks_dataset *ds;
    ks_extractor *ex;
    ks_prefetch *p;
    ks_feature_config fc;
    ks_fvec v = {0};
    ks_prefetch_info in;
    ks_status st;
    memset(d, 0, sizeof *d);
    ks_feature_config_default(&fc);
    cr_assert_eq(ks_dataset_open(&ds, dir, NULL), KS_OK);
    cr_assert_eq(ks_extractor_new(&ex, &fc), KS_OK);
    cr_assert_eq(ks_prefetch_new(&p, depth, threaded), KS_OK);
    for (int pass = 0; pass < 2; pass++) {   /* a second pass after rewind */
        memset(d, 0, sizeof *d);
        cr_assert_eq(ks_dataset_rewind(ds, 0), KS_OK);
        cr_assert_eq(ks_prefetch_start(p, ds, ex), KS_OK);
        while ((st = ks_prefetch_next(p, &v, &in)) == KS_OK) {
            cr_assert_eq(in.extract_st, KS_OK);
            add(d, &v, &in);
            if (stop_after && d->n == stop_after)
                break;
        }
        if (st < 0)
            snprintf(detail, dsize, "%s", ks_error_detail());
        ks_prefetch_stop(p);
    }
    ks_prefetch_free(p);
    ks_fvec_free(&v);
    ks_extractor_free(ex);
    ks_dataset_free(ds);
    return st;
}

Test(prefetch, threaded_equals_inline)
{
    digest ref, d;
    char why[256];
    cr_assert_eq(run(CSV, 4, 0, 0, &ref, why, sizeof why), KS_DONE);
    cr_assert_gt(ref.n, 1000);
    cr_assert_eq(ref.last_messages, ref.n);
    const unsigned depths[] = {1, 3, 64};
    for (int i = 0; i < 3; i++) {
        cr_assert_eq(run(CSV, depths[i], 1, 0, &d, why, sizeof why), KS_DONE);
        cr_assert_eq(d.n, ref.n, "depth %u", depths[i]);
        cr_assert_eq(d.sum, ref.sum, "depth %u: other vectors or order", depths[i]);
    }
}

Test(prefetch, stop_early_then_restart)
{
    digest ref, d;
    char why[256];
    cr_assert_eq(run(CSV, 2, 0, 17, &ref, why, sizeof why), KS_OK);
    cr_assert_eq(run(CSV, 2, 1, 17, &d, why, sizeof why), KS_OK);
    cr_assert_eq(d.n, 17);
    cr_assert_eq(d.sum, ref.sum);
}

Test(prefetch, dataset_error_crosses_threads)
{
    char dir[] = "/tmp/ks_prefetch_XXXXXX", path[64], w0[256] = "", w1[256] = "";
    digest a, b;
    cr_assert(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/a.csv", dir);
    FILE *f = fopen(path, "w");
    fprintf(f, "text,label\n\"free money\",spam\n\"hello there\",ham\n\"never closed,ham\n");
    fclose(f);
    ks_status s0 = run(dir, 2, 0, 0, &a, w0, sizeof w0);
    ks_status s1 = run(dir, 2, 1, 0, &b, w1, sizeof w1);
    unlink(path);
    rmdir(dir);
    cr_assert_lt(s0, 0);
    cr_assert_eq(s1, s0);
    cr_assert_eq(a.n, b.n);
    cr_assert_eq(a.sum, b.sum);
    cr_assert_str_eq(w1, w0);
    cr_assert_neq(w0[0], '\0');
}
