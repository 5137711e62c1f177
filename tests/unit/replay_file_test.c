/* replay_file_test.c - the replay reservoir in a temporary file
 * (model/replay.c after ks_model_replay_spill): its write buffer and
 * read-ahead must give back exactly what a reservoir in memory does.
 *
 * Edge cases: examples read while still in the write buffer, and ones
 * already written; examples larger than the buffer (written straight
 * through); the byte bound rewriting entry headers both in the buffer and
 * in the file; compactions with appends pending; a save after all that;
 * and a flush that fails (the file size limit) and is retried.
 */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include "ks/alloc.h"
#include "ks/fileio.h"
#include "ks/model.h"
#include "../../model/model_internal.h"

static char dir[40];

static void setup(void)
{
    strcpy(dir, "/tmp/ks_replay_file_XXXXXX");
    cr_assert_not_null(mkdtemp(dir));
}

static void teardown(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    (void)system(cmd);
}

TestSuite(replay_file, .init = setup, .fini = teardown);

static ks_model *model(uint32_t slots, size_t max_bytes, int spill)
{
    ks_feature_config fc;
    ks_train_config tc;
    ks_model *m;
    ks_feature_config_default(&fc);
    fc.hash_bits = 10;
    fc.view = 0;
    ks_train_config_default(&tc);
    tc.replay = slots;
    cr_assert_eq(ks_model_new(&m, &fc, &tc), KS_OK);
    m->replay_max = max_bytes;
    if (spill)
        cr_assert_eq(ks_model_replay_spill(m), KS_OK);
    return m;
}

/* Every kept example of a and b: same count, bytes and labels. */
static void same_reservoir(const ks_model *a, const ks_model *b, int t)
{
    cr_assert_eq(ks_model_replay_count(a), ks_model_replay_count(b), "offer %d", t);
    cr_assert_eq(ks_model_replay_bytes(a), ks_model_replay_bytes(b), "offer %d", t);
    for (size_t i = 0; i < ks_model_replay_count(a); i++) {
        const unsigned char *p, *q;
        size_t np, nq;
        int lp, lq;
        cr_assert_eq(ks_model_replay_encoded(a, i, &p, &np, &lp), KS_OK);
        cr_assert_eq(ks_model_replay_encoded(b, i, &q, &nq, &lq), KS_OK);
        cr_assert(np == nq && lp == lq && memcmp(p, q, np) == 0, "offer %d, slot %zu", t, i);
    }
}

/* m saved into dir/name: model.bin's bytes (ks_free them). */
static char *saved(ks_model *m, const char *name, size_t *n)
{
    char d[100], path[160], *p;
    snprintf(d, sizeof d, "%s/%s", dir, name);
    cr_assert_eq(ks_ensure_dir(d), KS_OK);
    cr_assert_eq(ks_model_save(m, d), KS_OK);
    snprintf(path, sizeof path, "%s/model.bin", d);
    cr_assert_eq(ks_read_file(path, (size_t)1 << 30, &p, n), KS_OK);
    return p;
}

/* Offers of 1 byte to 40 KB, and now and then one of 1.5 MB (past the
 * 256 KiB write buffer), to 64 slots under a 2 MiB byte bound: the bound
 * drops examples (rewriting the last entry's header, pending or written)
 * and the file is compacted several times with appends pending. Checked
 * after every offer (reads from the buffer, from the file a block at a
 * time, and after compactions); the saved model.bin is the same bytes as
 * the in-memory reservoir's. */
Test(replay_file, buffer_and_file_read_back_what_memory_holds)
{
    enum { K = 64, OFFERS = 1500 };
    static unsigned char blob[1536 * 1024];
    ks_model *mem = model(K, (size_t)2 << 20, 0), *file = model(K, (size_t)2 << 20, 1);
    uint64_t s = 12345;
    int compactions = 0, dropped = 0;
    size_t used = 0;
    char *bin[2];
    size_t nbin[2];
    for (int t = 0; t < OFFERS; t++) {
        size_t len;
        s = s * 6364136223846793005ull + 1442695040888963407ull;
        len = t % 53 == 7 ? sizeof blob : 1 + (size_t)(s >> 33) % 40000;
        for (size_t k = 0; k < len; k += 997)
            blob[k] = (unsigned char)(t + k);
        blob[len - 1] = (unsigned char)t;
        cr_assert_eq(ks_model_replay_offer_encoded(mem, blob, len, t & 1), KS_OK);
        cr_assert_eq(ks_model_replay_offer_encoded(file, blob, len, t & 1), KS_OK);
        if (file->arena_used < used)
            compactions++;
        used = file->arena_used;
        if (ks_model_replay_count(mem) < K && mem->replay_seen > ks_model_replay_count(mem))
            dropped = 1;
        same_reservoir(mem, file, t);
    }
    cr_assert_gt(compactions, 1, "the file was compacted (%d)", compactions);
    cr_assert(dropped, "the byte bound dropped examples");
    cr_assert_null(file->replay_arena);
    bin[0] = saved(mem, "m0", &nbin[0]);
    bin[1] = saved(file, "m1", &nbin[1]);
    cr_assert_eq(nbin[0], nbin[1]);
    cr_assert(memcmp(bin[0], bin[1], nbin[0]) == 0, "the file's reservoir saved differently");
    ks_free(bin[0]);
    ks_free(bin[1]);
    ks_model_free(mem);
    ks_model_free(file);
}

/* A save right after examples were put, all still in the write buffer,
 * and one with them read back from a compacted file: the same bytes. */
Test(replay_file, save_with_everything_pending)
{
    ks_model *mem = model(16, 0, 0), *file = model(16, 0, 1);
    unsigned char b[300];
    char *bin[2];
    size_t nbin[2];
    for (int t = 0; t < 40; t++) {
        memset(b, t, sizeof b);
        cr_assert_eq(ks_model_replay_offer_encoded(mem, b, 10 + (size_t)t * 7, t & 1), KS_OK);
        cr_assert_eq(ks_model_replay_offer_encoded(file, b, 10 + (size_t)t * 7, t & 1), KS_OK);
    }
    bin[0] = saved(mem, "p0", &nbin[0]);
    bin[1] = saved(file, "p1", &nbin[1]);
    cr_assert(nbin[0] == nbin[1] && memcmp(bin[0], bin[1], nbin[0]) == 0);
    ks_free(bin[0]);
    ks_free(bin[1]);
    ks_model_free(mem);
    ks_model_free(file);
}

/* A flush that fails (the process's file size limit: EFBIG, SIGXFSZ
 * ignored) fails the put with KS_ERR_IO and leaves the reservoir as it
 * was: the appends stay pending, every example still reads back, and
 * once the limit is lifted the same put succeeds and the file holds
 * everything. */
Test(replay_file, failed_flush_keeps_the_pending_appends)
{
    enum { SLOTS = 200, LEN = 20000 };
    static unsigned char b[LEN];
    ks_model *m = model(SLOTS, 0, 1);
    struct rlimit old, lim;
    uint32_t i = 0;
    ks_status st = KS_OK;
    signal(SIGXFSZ, SIG_IGN);
    cr_assert_eq(getrlimit(RLIMIT_FSIZE, &old), 0);
    lim = old;
    lim.rlim_cur = 100 * 1024;   /* less than the 256 KiB buffer: its first flush fails */
    cr_assert_eq(setrlimit(RLIMIT_FSIZE, &lim), 0);
    for (; i < SLOTS; i++) {
        memset(b, (int)i, LEN);
        if ((st = ks_model_replay_put(m, i, b, LEN, (int)(i & 1))) != KS_OK)
            break;
    }
    cr_assert_eq(st, KS_ERR_IO, "%s", ks_error_detail());
    cr_assert_gt(i, 10);
    cr_assert_eq(ks_model_replay_count(m), i, "the failed put kept nothing");
    cr_assert_eq(m->arena_used, (size_t)i * (LEN + 8));
    cr_assert_eq(setrlimit(RLIMIT_FSIZE, &old), 0);
    memset(b, (int)i, LEN);
    cr_assert_eq(ks_model_replay_put(m, i, b, LEN, (int)(i & 1)), KS_OK);
    for (i++; i < SLOTS; i++) {
        memset(b, (int)i, LEN);
        cr_assert_eq(ks_model_replay_put(m, i, b, LEN, (int)(i & 1)), KS_OK);
    }
    for (i = 0; i < SLOTS; i++) {
        const unsigned char *p;
        size_t n;
        int label;
        cr_assert_eq(ks_model_replay_encoded(m, i, &p, &n, &label), KS_OK);
        cr_assert(n == LEN && label == (int)(i & 1) && p[0] == (unsigned char)i &&
                  p[LEN - 1] == (unsigned char)i, "slot %u", i);
    }
    ks_model_free(m);
}

/* A compaction reads the file's last entries into the read buffer, and
 * later appends overwrite those bytes in the file: the buffer must not
 * answer for them. 300 KB examples (killed), a 1.5 MiB one, then 1000
 * byte ones replacing the first: the compaction's last read is of those
 * at the file's end [.., U). Appending up to U + 2 MiB writes new examples
 * over that range; the first read, of one of them, must see its own
 * bytes. */
Test(replay_file, no_stale_read_after_a_compaction)
{
    enum { OLD = 10, SMALL = 1000, SLOTS = 8000 };
    static unsigned char b[1536 * 1024];
    ks_model *m = model(SLOTS, 0, 1);
    size_t u = 0, before;
    uint32_t i, n = OLD + 1, pick = SLOTS;
    const unsigned char *p;
    size_t len;
    int label, replaced = 0;
    for (i = 0; i < OLD; i++) {
        memset(b, 'a' + (int)i, 300000);
        cr_assert_eq(ks_model_replay_put(m, i, b, 300000, 0), KS_OK);
    }
    memset(b, 'B', sizeof b);
    cr_assert_eq(ks_model_replay_put(m, OLD, b, sizeof b, 1), KS_OK);
    memset(b, 'x', SMALL);
    for (i = 0; i < OLD && !u; i++) {   /* until a compaction */
        before = m->arena_used;
        cr_assert_eq(ks_model_replay_put(m, i, b, SMALL, 0), KS_OK);
        if (m->arena_used < before)
            u = before;
        replaced++;
    }
    cr_assert_neq(u, 0, "a compaction ran");
    cr_assert_geq(replaced, 5, "the file ends with 1000-byte examples");
    for (; m->arena_used < u + ((size_t)2 << 20); n++) {
        cr_assert_lt(n, SLOTS);
        memset(b, (int)(n % 200) + 1, SMALL);
        cr_assert_eq(ks_model_replay_put(m, n, b, SMALL, 0), KS_OK);
        if (pick == SLOTS && m->replay[n].off >= u - 3000 && m->replay[n].off + SMALL <= u)
            pick = n;
    }
    cr_assert_lt(pick, SLOTS);
    cr_assert_eq(ks_model_replay_encoded(m, pick, &p, &len, &label), KS_OK);
    cr_assert(len == SMALL && p[0] == (unsigned char)(pick % 200 + 1) &&
              p[SMALL - 1] == (unsigned char)(pick % 200 + 1), "slot %u read stale bytes", pick);
    ks_model_free(m);
}
