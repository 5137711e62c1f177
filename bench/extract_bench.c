/* extract_bench.c - feature extraction alone (tokenize + normalise + hash +
 * count, no model), per kernel, next to a memchr pass over the same bytes.
 *
 *   extract_bench [--mb N] [--runs R] [--label NAME] [--kernel NAME]
 *                 [--row NAME] [--clock cpu|wall] DATASET
 *
 * Loads DATASET's messages (any format ks_dataset reads) into one memory
 * arena, replicated until it holds about N MB (default 200), so reading
 * and decoding the files is not measured. Then, R times each (median
 * reported), one thread:
 *   memchr          a memchr('\n') pass over every message (memory speed)
 *   tokenize        the tokenizer alone, tokens to a no-op callback
 *   tokenize-hash   the batch path: tokens hashed into an array (no count)
 *   extract-words   ks_extract() with the words family only: the issue's
 *                   definition (tokenize + normalise + hash + count)
 *   extract-default ks_extract() with the default feature set (words,
 *                   headers, bigrams, chargrams, urls, meta)
 * per kernel (all the CPU runs, or --kernel NAME; --row NAME runs only
 * that row, e.g. under callgrind). MB/s are of the
 * messages' bytes over the thread's CPU time (--clock cpu, the default:
 * the machine is shared, and a descheduled thread does not count) or wall
 * time. Prints one tab-separated line per row: label, row, kernel, MB/s,
 * and a checksum of the vectors (every kernel must give the scalar one's,
 * or the run fails).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "ks/cpu.h"
#include "ks/dataset.h"
#include "ks/features.h"
#include "ks/hash.h"
#include "ks/tokenize.h"

typedef struct {
    size_t off, len;
    ks_msg_kind kind;
} msg_ref;

static char *arena;
static size_t arena_len;
static msg_ref *msgs;
static size_t nmsgs;
static clockid_t clock_id = CLOCK_THREAD_CPUTIME_ID;

static double now(void)
{
    struct timespec ts;
    clock_gettime(clock_id, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void *xrealloc(void *p, size_t n)
{
    if (!(p = realloc(p, n))) {
        fprintf(stderr, "extract_bench: out of memory\n");
        exit(1);
    }
    return p;
}

static void load(const char *dir, size_t target)
{
    ks_dataset *ds;
    ks_message m;
    size_t cap = 0, mcap = 0, base_n, base_len;
    ks_status st;
    if (ks_dataset_open(&ds, dir, NULL) != KS_OK) {
        fprintf(stderr, "extract_bench: %s: %s\n", dir, ks_error_detail());
        exit(1);
    }
    while ((st = ks_dataset_next(ds, &m)) == KS_OK) {
        if (arena_len + m.len + 1 > cap) {
            cap = (arena_len + m.len + 1) * 2;
            arena = xrealloc(arena, cap);
        }
        if (nmsgs == mcap) {
            mcap = mcap ? mcap * 2 : 1024;
            msgs = xrealloc(msgs, mcap * sizeof *msgs);
        }
        memcpy(arena + arena_len, m.data, m.len + 1);
        msgs[nmsgs++] = (msg_ref){arena_len, m.len, m.kind};
        arena_len += m.len + 1;
    }
    if (st < 0) {
        fprintf(stderr, "extract_bench: %s: %s\n", dir, ks_error_detail());
        exit(1);
    }
    ks_dataset_free(ds);
    base_n = nmsgs;
    base_len = arena_len;
    if (!base_len) {
        fprintf(stderr, "extract_bench: %s: no messages\n", dir);
        exit(1);
    }
    size_t copies = target > base_len ? (target + base_len - 1) / base_len : 1;
    arena = xrealloc(arena, base_len * copies);
    msgs = xrealloc(msgs, base_n * copies * sizeof *msgs);
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

/* Checksum of a vector: every index and value bit, and their order. The
 * terms are independent (no chain through the features), so the check
 * costs little of the time it shares with ks_extract(). */
static uint64_t vec_sum(const ks_fvec *v)
{
    uint64_t s = v->n;
    for (uint32_t k = 0; k < v->n; k++) {
        uint32_t bits;
        memcpy(&bits, &v->f[k].value, sizeof bits);
        s += ((uint64_t)v->f[k].index << 32 | bits) * (2 * k + 1);
    }
    return s;
}

static size_t sink;
static void no_token(void *ctx, const char *tok, size_t len, int is_long) { sink += len; }

enum { MEMCHR, TOKENIZE, TOKHASH, EXTRACT };

/* One timed pass; returns seconds. */
static double pass(int what, ks_extractor *ex, ks_tokenizer *tok, uint64_t *sum)
{
    ks_fvec v = {0};
    ks_hashes hs = {0};
    size_t bytes = 0;
    double t0 = now();
    *sum = 0;
    for (size_t i = 0; i < nmsgs; i++) {
        const char *p = arena + msgs[i].off, *e = p + msgs[i].len;
        bytes += msgs[i].len;
        if (what == MEMCHR) {
            while ((p = memchr(p, '\n', (size_t)(e - p))) != NULL && p++ < e)
                (*sum)++;
        } else if (what == TOKENIZE) {
            ks_tokenize(tok, p, msgs[i].len, no_token, NULL);
        } else if (what == TOKHASH) {
            hs.n = 0;
            if (ks_tokenize_hash(tok, p, msgs[i].len, 0x6b73u, &hs, no_token, NULL) != KS_OK) {
                fprintf(stderr, "extract_bench: %s\n", ks_error_detail());
                exit(1);
            }
            for (size_t k = 0; k < hs.n; k++)
                *sum += hs.h[k];
        } else {
            ks_message m = {.id = "", .kind = msgs[i].kind, .data = p, .len = msgs[i].len};
            if (ks_extract(ex, &m, &v) != KS_OK) {
                fprintf(stderr, "extract_bench: %s\n", ks_error_detail());
                exit(1);
            }
            *sum = *sum * 31 + vec_sum(&v);
        }
    }
    double t = now() - t0;
    (void)bytes;
    ks_fvec_free(&v);
    ks_hashes_free(&hs);
    return t;
}

static double median_mbs(int what, int runs, ks_extractor *ex, ks_tokenizer *tok, uint64_t *sum)
{
    double t[64];
    size_t bytes = 0;
    for (size_t i = 0; i < nmsgs; i++)
        bytes += msgs[i].len;
    for (int r = 0; r < runs; r++)
        t[r] = pass(what, ex, tok, sum);
    qsort(t, (size_t)runs, sizeof *t, cmp_d);
    return (double)bytes / 1e6 / t[runs / 2];
}

int main(int argc, char **argv)
{
    size_t mb = 200;
    int runs = 5, only = -1;
    const char *only_row = NULL;
    const char *label = "data", *dir = NULL;
    ks_feature_config fc_words, fc_all;
    uint64_t ref[3] = {0}, sum;

    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--mb") && i + 1 < argc)
            mb = strtoul(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--runs") && i + 1 < argc)
            runs = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--label") && i + 1 < argc)
            label = argv[++i];
        else if (!strcmp(argv[i], "--kernel") && i + 1 < argc) {
            if ((only = ks_kernel_lookup(argv[++i])) < 0) {
                fprintf(stderr, "extract_bench: unknown kernel %s\n", argv[i]);
                return 2;
            }
        } else if (!strcmp(argv[i], "--row") && i + 1 < argc) {
            only_row = argv[++i];
        } else if (!strcmp(argv[i], "--clock") && i + 1 < argc) {
            i++;
            if (!strcmp(argv[i], "wall"))
                clock_id = CLOCK_MONOTONIC;
            else if (strcmp(argv[i], "cpu")) {
                fprintf(stderr, "extract_bench: --clock cpu or wall\n");
                return 2;
            }
        } else if (argv[i][0] == '-') {
            dir = NULL;
            break;
        } else
            dir = argv[i];
    }
    if (!dir || runs < 1 || runs > 63) {
        fprintf(stderr, "usage: extract_bench [--mb N] [--runs R] [--label NAME] "
                        "[--kernel NAME] [--row NAME] [--clock cpu|wall] DATASET\n");
        return 2;
    }
    load(dir, mb * 1000000);
    fprintf(stderr, "extract_bench: %s: %zu messages, %.1f MB in memory, %s time\n", label,
            nmsgs, arena_len / 1e6, clock_id == CLOCK_MONOTONIC ? "wall" : "thread CPU");
#define WANT(r) (!only_row || !strcmp(only_row, (r)))
    if (only < 0 && WANT("memchr"))
        printf("%s\tmemchr\t-\t%.1f\t-\n", label, median_mbs(MEMCHR, runs, NULL, NULL, &sum));
    ks_feature_config_default(&fc_all);
    fc_words = fc_all;
    fc_words.families = KS_FEAT_WORDS;
    for (int k = 0; k < KS_KERNEL_COUNT; k++) {
        ks_extractor *exw, *exa;
        ks_tokenizer *tok;
        if ((only >= 0 && k != only) || ks_kernel_select((ks_kernel_id)k) != KS_OK)
            continue;
        if (ks_extractor_new(&exw, &fc_words) != KS_OK ||
            ks_extractor_new(&exa, &fc_all) != KS_OK ||
            ks_tokenizer_new(&tok, fc_all.max_token) != KS_OK)
            return 1;
        const char *name = ks_kernel_get((ks_kernel_id)k)->name;
        static const char *const row[] = {"tokenize-hash", "extract-words", "extract-default"};
        if (WANT("tokenize"))
            printf("%s\ttokenize\t%s\t%.1f\t-\n", label, name,
                   median_mbs(TOKENIZE, runs, NULL, tok, &sum));
        for (int r = 0; r < 3; r++) {
            if (!WANT(row[r]))
                continue;
            double mbs = median_mbs(r ? EXTRACT : TOKHASH, runs, r == 2 ? exa : exw, tok, &sum);
            printf("%s\t%s\t%s\t%.1f\t%016llx\n", label, row[r], name, mbs,
                   (unsigned long long)sum);
            fflush(stdout);
            if (!ref[r] || only >= 0)
                ref[r] = sum;
            else if (sum != ref[r]) {
                fprintf(stderr, "extract_bench: %s: kernel %s gives other results than %s\n",
                        row[r], name, "the first kernel");
                return 1;
            }
        }
        ks_extractor_free(exw);
        ks_extractor_free(exa);
        ks_tokenizer_free(tok);
    }
    return 0;
}
