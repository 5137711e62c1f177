/* prefetch_test.c - the read-ahead thread (and its extraction helper)
 * gives the inline path's vectors, views, labels, ids and extraction
 * failures in the same order (ring depths 1, 3, 64), ends passes
 * early and restarts, and carries a dataset error's status and detail to
 * the consumer's thread. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "prefetch.h"
#include "ks/features.h"

#define CSV KS_TEST_DATA "/knitfab-example/dataset/validate"

typedef struct {
    uint64_t sum;      /* hash of every vector (and view), label and id, in order */
    uint64_t n, last_messages;
    uint64_t handed;   /* extracted by the helper thread */
} digest;

static void add_vec(digest *d, const ks_fvec *v)
{
    for (uint32_t k = 0; k < v->n; k++) {
        uint32_t bits;
        memcpy(&bits, &v->f[k].value, 4);
        d->sum = (d->sum ^ v->f[k].index) * 0x100000001b3ull ^ bits;
    }
}

static void add(digest *d, const ks_fvec *v, const ks_prefetch_info *in)
{
    d->sum = d->sum * 1000003u + (uint64_t)in->label + in->len;
    for (const char *s = in->id; *s; s++)
        d->sum = d->sum * 31 + (unsigned char)*s;
    add_vec(d, v);
    d->n++;
    d->last_messages = in->messages;
}

/* One pass over dir (views too when view); stop_after > 0 ends it early.
 * Returns the end status. */
static ks_status run_view(const char *dir, unsigned depth, int threaded, int view,
                          uint64_t stop_after, digest *d, char *detail, size_t dsize)
{
    ks_dataset *ds;
    ks_extractor *ex;
    ks_prefetch *p;
    ks_feature_config fc;
    ks_fvec v = {0}, w = {0};
    ks_prefetch_info in;
    ks_status st;
    memset(d, 0, sizeof *d);
    ks_feature_config_default(&fc);
    if (view)
        fc.view = KS_VIEW_DEFAULT & fc.families;
    cr_assert_eq(ks_dataset_open(&ds, dir, NULL), KS_OK);
    cr_assert_eq(ks_extractor_new(&ex, &fc), KS_OK);
    cr_assert_eq(ks_prefetch_new(&p, depth, threaded), KS_OK);
    ks_prefetch_set_view(p, view);
    for (int pass = 0; pass < 2; pass++) {   /* a second pass after rewind */
        memset(d, 0, sizeof *d);
        cr_assert_eq(ks_dataset_rewind(ds, 0), KS_OK);
        cr_assert_eq(ks_prefetch_start(p, ds, ex), KS_OK);
        while ((st = ks_prefetch_next_view(p, &v, &w, &in)) == KS_OK) {
            cr_assert_eq(in.extract_st, KS_OK);
            add(d, &v, &in);
            cr_assert_eq(in.view, view);
            if (in.view)
                add_vec(d, &w);
            if (stop_after && d->n == stop_after)
                break;
        }
        if (st < 0)
            snprintf(detail, dsize, "%s", ks_error_detail());
        ks_prefetch_stop(p);
    }
    d->handed = ks_prefetch_handed(p);
    ks_prefetch_free(p);
    ks_fvec_free(&v);
    ks_fvec_free(&w);
    ks_extractor_free(ex);
    ks_dataset_free(ds);
    return st;
}

static ks_status run(const char *dir, unsigned depth, int threaded, uint64_t stop_after,
                     digest *d, char *detail, size_t dsize)
{
    return run_view(dir, depth, threaded, 0, stop_after, d, detail, dsize);
}

/* Threaded, the producer hands every other message to the helper thread
 * (its own extractor): the same vectors and views, in the same order. */
Test(prefetch, threaded_equals_inline)
{
    digest ref, d;
    char why[256];
    for (int view = 0; view < 2; view++) {
        cr_assert_eq(run_view(CSV, 4, 0, view, 0, &ref, why, sizeof why), KS_DONE);
        cr_assert_gt(ref.n, 1000);
        cr_assert_eq(ref.last_messages, ref.n);
        cr_assert_eq(ref.handed, 0);
        const unsigned depths[] = {1, 3, 64};
        for (int i = 0; i < 3; i++) {
            cr_assert_eq(run_view(CSV, depths[i], 1, view, 0, &d, why, sizeof why), KS_DONE);
            cr_assert_eq(d.n, ref.n, "depth %u", depths[i]);
            cr_assert_eq(d.sum, ref.sum, "depth %u view %d: other vectors or order", depths[i],
                         view);
            cr_assert_gt(d.handed, ref.n / 2, "depth %u: the helper extracted %llu", depths[i],
                         (unsigned long long)d.handed);   /* of two passes */
        }
    }
}

/* A message over a MIME limit fails in whichever thread extracts it, with
 * the same status and detail as inline. */
Test(prefetch, extraction_failure_in_the_helper)
{
    char dir[] = "/tmp/ks_prefetch_XXXXXX", sub[64], path[96];
    cr_assert(mkdtemp(dir));
    snprintf(sub, sizeof sub, "%s/spam", dir);
    cr_assert_eq(mkdir(sub, 0755), 0);
    for (int i = 0; i < 6; i++) {   /* every message nests 30 multiparts: over 16 */
        snprintf(path, sizeof path, "%s/m%d.eml", sub, i);
        FILE *f = fopen(path, "w");
        fprintf(f, "Subject: deep %d\n", i);
        for (int k = 0; k < 30; k++)
            fprintf(f, "Content-Type: multipart/mixed; boundary=\"b%d\"\n\n--b%d\n", k, k);
        fprintf(f, "Content-Type: text/plain\n\nhello\n");
        fclose(f);
    }
    for (int threaded = 0; threaded < 2; threaded++) {
        ks_dataset *ds;
        ks_extractor *ex;
        ks_prefetch *p;
        ks_feature_config fc;
        ks_fvec v = {0};
        ks_prefetch_info in;
        static char details[2][6][512];
        int n = 0;
        ks_feature_config_default(&fc);
        cr_assert_eq(ks_dataset_open(&ds, dir, NULL), KS_OK);
        cr_assert_eq(ks_extractor_new(&ex, &fc), KS_OK);
        cr_assert_eq(ks_prefetch_new(&p, 8, threaded), KS_OK);
        cr_assert_eq(ks_prefetch_start(p, ds, ex), KS_OK);
        while (ks_prefetch_next(p, &v, &in) == KS_OK) {
            cr_assert_eq(in.extract_st, KS_ERR_LIMIT, "message %d", n);
            cr_assert_eq(v.n, 0);
            snprintf(details[threaded][n++], 512, "%s", in.detail);
        }
        cr_assert_eq(n, 6);
        if (threaded) {
            cr_assert_gt(ks_prefetch_handed(p), 0);
            for (int i = 0; i < 6; i++)
                cr_assert_str_eq(details[1][i], details[0][i]);
        }
        ks_prefetch_free(p);
        ks_fvec_free(&v);
        ks_extractor_free(ex);
        ks_dataset_free(ds);
    }
    for (int i = 0; i < 6; i++) {
        snprintf(path, sizeof path, "%s/m%d.eml", sub, i);
        unlink(path);
    }
    rmdir(sub);
    rmdir(dir);
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
