/* extract_bench.c - feature extraction alone (tokenize + normalise + hash +
 * count, no model), per kernel, next to a memchr pass over the same bytes.
 *
 *   extract_bench [--mb N] [--runs R] [--label NAME] DATASET
 *
 * Loads DATASET's messages (any format ks_dataset reads) into one memory
 * arena, replicated until it holds about N MB (default 200), so reading
 * and decoding the files is not measured. Then, R times each (median
 * reported): a memchr('\n') pass over the arena (the memory-speed limit),
 * the tokenizer alone with a no-op callback, and ks_extract() per kernel.
 * Prints one tab-separated line per row: label, what, kernel, MB/s, and a
 * checksum of the vectors (equal for every kernel, or the run fails).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "ks/cpu.h"
#include "ks/dataset.h"
#include "ks/features.h"
#include "ks/tokenize.h"

typedef struct {
    size_t off, len;
    ks_msg_kind kind;
} msg_ref;

static char *arena;
static size_t arena_len;
static msg_ref *msgs;
static size_t nmsgs;

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void load(const char *dir, size_t target)
{
    ks_dataset *ds;
    ks_message m;
    size_t cap = 0, mcap = 0, base_n, base_len;
    if (ks_dataset_open(&ds, dir, NULL) != KS_OK) {
        fprintf(stderr, "extract_bench: %s: %s\n", dir, ks_error_detail());
        exit(1);
    }
    while (ks_dataset_next(ds, &m) == KS_OK) {
        if (arena_len + m.len + 1 > cap) {
            cap = (arena_len + m.len + 1) * 2;
            arena = realloc(arena, cap);
        }
        if (nmsgs == mcap) {
            mcap = mcap ? mcap * 2 : 1024;
            msgs = realloc(msgs, mcap * sizeof *msgs);
        }
        memcpy(arena + arena_len, m.data, m.len + 1);
        msgs[nmsgs++] = (msg_ref){arena_len, m.len, m.kind};
        arena_len += m.len + 1;
    }
    ks_dataset_free(ds);
    base_n = nmsgs;
    base_len = arena_len;
    if (!base_len)
        exit(1);
    size_t copies = target > base_len ? (target + base_len - 1) / base_len : 1;
    arena = realloc(arena, base_len * copies);
    msgs = realloc(msgs, base_n * copies * sizeof *msgs);
    for (size_t c = 1; c < copies; c++) {
        memcpy(arena + c * base_len, arena, base_len);
        for (size_t i = 0; i < base_n; i++) {
            msgs[c * base_n + i] = msgs[i];
            msgs[c * base_n + i].off += c * base_len;
        }
    }
    nmsgs = base_n * copies;
    arena_len = base_len * copies;
}

static size_t sink;
static void no_token(void *ctx, const char *tok, size_t len, int is_long) { sink += len; }

/* One timed pass; what: 0 memchr, 1 tokenize, 2 extract. */
static double pass(int what, ks_extractor *ex, ks_tokenizer *tok, uint64_t *sum)
{
    ks_fvec v = {0};
    double t0 = now();
    *sum = 0;
    for (size_t i = 0; i < nmsgs; i++) {
        const char *p = arena + msgs[i].off, *e = p + msgs[i].len;
        if (what == 0) {
            while ((p = memchr(p, '\n', (size_t)(e - p))) != NULL && p++ < e)
                (*sum)++;
        } else if (what == 1) {
            ks_tokenize(tok, p, msgs[i].len, no_token, NULL);
        } else {
            ks_message m = {.id = "", .kind = msgs[i].kind, .data = p, .len = msgs[i].len};
            if (ks_extract(ex, &m, &v) != KS_OK) {
                fprintf(stderr, "extract_bench: %s\n", ks_error_detail());
                exit(1);
            }
            for (uint32_t k = 0; k < v.n; k++)
                *sum = *sum * 31 + v.f[k].index + (uint64_t)(v.f[k].value * 1e6f);
        }
    }
    double t = now() - t0;
    ks_fvec_free(&v);
    return t;
}

static double median_mbs(int what, int runs, ks_extractor *ex, ks_tokenizer *tok, uint64_t *sum)
{
    double t[64];
    for (int r = 0; r < runs; r++)
        t[r] = pass(what, ex, tok, sum);
    qsort(t, (size_t)runs, sizeof *t, cmp_d);
    return (double)arena_len / 1e6 / t[runs / 2];
}

int main(int argc, char **argv)
{
    size_t mb = 200;
    int runs = 5;
    const char *label = "data", *dir = NULL;
    ks_feature_config fc;
    uint64_t ref = 0, sum;

    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--mb") && i + 1 < argc)
            mb = strtoul(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--runs") && i + 1 < argc)
            runs = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--label") && i + 1 < argc)
            label = argv[++i];
        else
            dir = argv[i];
    }
    if (!dir || runs < 1 || runs > 63) {
        fprintf(stderr, "usage: extract_bench [--mb N] [--runs R] [--label NAME] DATASET\n");
        return 2;
    }
    load(dir, mb * 1000000);
    fprintf(stderr, "extract_bench: %s: %zu messages, %.1f MB in memory\n", label, nmsgs,
            arena_len / 1e6);
    printf("%s\tmemchr\t-\t%.1f\t-\n", label, median_mbs(0, runs, NULL, NULL, &sum));
    ks_feature_config_default(&fc);
    for (int k = 0; k < KS_KERNEL_COUNT; k++) {
        ks_extractor *ex;
        ks_tokenizer *tok;
        if (ks_kernel_select((ks_kernel_id)k) != KS_OK)
            continue;
        if (ks_extractor_new(&ex, &fc) != KS_OK || ks_tokenizer_new(&tok, fc.max_token) != KS_OK)
            return 1;
        const char *name = ks_kernel_get((ks_kernel_id)k)->name;
        printf("%s\ttokenize\t%s\t%.1f\t-\n", label, name, median_mbs(1, runs, ex, tok, &sum));
        double mbs = median_mbs(2, runs, ex, tok, &sum);
        printf("%s\textract\t%s\t%.1f\t%016llx\n", label, name, mbs, (unsigned long long)sum);
        fflush(stdout);
        if (k == 0)
            ref = sum;
        else if (sum != ref) {
            fprintf(stderr, "extract_bench: kernel %s gives other vectors than scalar\n", name);
            return 1;
        }
        ks_extractor_free(ex);
        ks_tokenizer_free(tok);
    }
    return 0;
}
