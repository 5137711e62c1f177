/* dataset_test.c - dataset folders: detection, CSV, mail folders, mbox,
 * TREC, gzip, skip reasons, errors, shuffled passes, the real CSVs. */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include "ks/alloc.h"
#include "ks/dataset.h"

static char tmp[64];
static ks_dataset *ds;

static int rm_one(const char *p, const struct stat *sb, int flag, struct FTW *f)
{
    (void)sb, (void)flag, (void)f;
    return remove(p);
}

static void setup(void)
{
    strcpy(tmp, "/tmp/ks-dataset-XXXXXX");
    cr_assert_not_null(mkdtemp(tmp));
}

static void teardown(void)
{
    ks_dataset_free(ds);
    ds = NULL;
    nftw(tmp, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static const char *P(const char *rel)
{
    static char p[4][512];
    static int k;
    k = (k + 1) % 4;
    snprintf(p[k], sizeof p[k], "%s/%s", tmp, rel);
    return p[k];
}

/* Creates the parent folders of rel. */
static void mkparents(const char *rel)
{
    char buf[512];
    char *s;
    snprintf(buf, sizeof buf, "%s", P(rel));
    for (s = buf + strlen(tmp) + 1; (s = strchr(s, '/')) != NULL; s++) {
        *s = '\0';
        mkdir(buf, 0755);
        *s = '/';
    }
}

static void put(const char *rel, const char *text)
{
    FILE *f;
    mkparents(rel);
    f = fopen(P(rel), "wb");
    cr_assert_not_null(f, "%s", rel);
    fputs(text, f);
    fclose(f);
}

static void put_gz(const char *rel, const void *data, size_t len)
{
    gzFile g;
    mkparents(rel);
    g = gzopen(P(rel), "wb9");
    cr_assert_not_null(g);
    cr_assert_eq(gzwrite(g, data, (unsigned)len), (int)len);
    gzclose(g);
}

static void link_to(const char *target, const char *rel)
{
    mkparents(rel);
    cr_assert_eq(symlink(target, P(rel)), 0, "%s", rel);
}

static void open_ds(const char *rel, const ks_dataset_opts *o)
{
    ks_status rc = ks_dataset_open(&ds, P(rel), o);
    cr_assert_eq(rc, KS_OK, "open %s: %s", rel, ks_error_detail());
}

/* Reads the pass; "id label" lines joined by '|' into out. */
static ks_status read_all(char *out, size_t cap)
{
    ks_message m;
    ks_status rc;
    size_t len = 0;
    out[0] = '\0';
    while ((rc = ks_dataset_next(ds, &m)) == KS_OK) {
        cr_assert_eq(m.data[m.len], '\0');
        len += (size_t)snprintf(out + len, cap - len, "%s%s %d", len ? "|" : "", m.id,
                                m.label);
        cr_assert_lt(len, cap);
    }
    return rc;
}

static const ks_dataset_stats *stats(void) { return ks_dataset_stats_get(ds); }

static void expect_skips(uint64_t bad_label, uint64_t empty, uint64_t too_large,
                         uint64_t unreadable, uint64_t bad_gzip, uint64_t malformed)
{
    const ks_dataset_stats *s = stats();
    uint64_t want[KS_SKIP_COUNT] = {bad_label, empty, too_large, unreadable, bad_gzip,
                                    malformed};
    int i;
    uint64_t total = 0;
    for (i = 0; i < KS_SKIP_COUNT; i++) {
        cr_assert_eq(s->skipped[i], want[i], "%s: %llu, expected %llu",
                     ks_skip_reason_name(i), (unsigned long long)s->skipped[i],
                     (unsigned long long)want[i]);
        total += want[i];
    }
    cr_assert_eq(s->skipped_total, total);
}

TestSuite(dataset, .init = setup, .fini = teardown);

/* ---- names -------------------------------------------------------------- */

Test(dataset, names_and_defaults)
{
    ks_format f;
    ks_dataset_opts o;
    cr_assert_str_eq(ks_format_name(KS_FMT_TREC), "trec");
    cr_assert_null(ks_format_name((ks_format)9));
    cr_assert_eq(ks_format_parse("MAIL", &f), KS_OK);
    cr_assert_eq(f, KS_FMT_MAIL);
    cr_assert_eq(ks_format_parse("xml", &f), KS_ERR_USAGE);
    cr_assert_str_eq(ks_skip_reason_name(KS_SKIP_BAD_GZIP), "bad_gzip");
    cr_assert_str_eq(ks_skip_reason_name(KS_SKIP_MALFORMED), "malformed");
    cr_assert_null(ks_skip_reason_name(KS_SKIP_COUNT));
    ks_dataset_opts_default(&o);
    cr_assert_eq(o.max_message, 64ull << 20);
    cr_assert_eq(o.max_gz_ratio, 1000);
    ks_dataset_free(NULL);
}

/* ---- CSV ------------------------------------------------------------------ */

Test(dataset, csv_records_and_skips)
{
    char out[1024];
    ks_message m;
    put("d/a.csv",
        "Unnamed: 0,label,text,label_num\r\n"
        "10,ham,\"hello \"\"you\"\"\r\nsecond line\",0\r\n"   /* lines 2-3 */
        "11,spam,buy now,1\r\n"                              /* 4 */
        "12,spam,disagree,0\r\n"                             /* bad_label */
        "13,eggs,bad,1\r\n"                                  /* bad_label */
        "14,ham,,0\r\n"                                      /* empty */
        "15,ham,too,many,0\r\n"                              /* malformed */
        ",SPAM,no id,1\r\n");                                /* id = row 7 */
    open_ds("d", NULL);
    cr_assert_eq(stats()->format, KS_FMT_CSV);
    cr_assert_eq(ks_dataset_next(ds, &m), KS_OK);
    cr_assert_str_eq(m.id, "10");
    cr_assert_eq(m.label, 0);
    cr_assert_eq(m.kind, KS_MSG_TEXT);
    cr_assert_str_eq(m.data, "hello \"you\"\r\nsecond line");
    cr_assert_eq(m.line, 2);
    cr_assert_not_null(strstr(m.file, "d/a.csv"));
    cr_assert_eq(stats()->bytes, ks_dataset_size(ds));   /* live, file read */
    cr_assert_eq(ks_dataset_next(ds, &m), KS_OK);
    cr_assert_eq(m.line, 4);
    cr_assert_eq(read_all(out, sizeof out), KS_DONE);
    cr_assert_str_eq(out, "7 1");
    cr_assert_eq(stats()->messages, 3);
    cr_assert_eq(stats()->per_class[0], 1);
    cr_assert_eq(stats()->per_class[1], 2);
    cr_assert_eq(stats()->files, 1);
    expect_skips(2, 1, 0, 0, 0, 1);
}

Test(dataset, csv_label_only_no_id_latin1)
{
    char out[256];
    ks_message m;
    put("d/x.csv", "text,label\ncaf\xe9 cr\xe8me,spam\nna\xc3\xafve,HAM\n");
    open_ds("d", NULL);
    cr_assert_eq(ks_dataset_next(ds, &m), KS_OK);
    cr_assert_str_eq(m.id, "1");
    cr_assert_str_eq(m.data, "caf\xc3\xa9 cr\xc3\xa8me");      /* latin-1 -> UTF-8 */
    cr_assert_eq(m.len, strlen("caf\xc3\xa9 cr\xc3\xa8me"));
    cr_assert_eq(ks_dataset_next(ds, &m), KS_OK);
    cr_assert_str_eq(m.data, "na\xc3\xafve");                  /* UTF-8 kept */
    cr_assert_eq(m.label, 0);
    cr_assert_eq(read_all(out, sizeof out), KS_DONE);
}

Test(dataset, csv_files_sorted_and_gzip)
{
    char out[256];
    const char *b = "id,label_num,text\nb1,1,x\nb2,0,y\n";
    put("d/c.csv", "id,label_num,text\nc1,0,z\n");
    put_gz("d/b.csv.gz", b, strlen(b));
    put("d/a.CSV", "id,label_num,text\na1,1,w\n");
    put("d/notes.txt", "ignored");
    open_ds("d", NULL);
    cr_assert_eq(read_all(out, sizeof out), KS_DONE);
    cr_assert_str_eq(out, "a1 1|b1 1|b2 0|c1 0");
    cr_assert_eq(stats()->files, 3);
}

Test(dataset, csv_missing_columns_names_file_and_header)
{
    ks_message m;
    put("d/a.csv", "id,body,label\n1,hi,ham\n");
    open_ds("d", NULL);
    cr_assert_eq(ks_dataset_next(ds, &m), KS_ERR_FORMAT);
    cr_assert_not_null(strstr(ks_error_detail(), "a.csv"), "%s", ks_error_detail());
    cr_assert_not_null(strstr(ks_error_detail(), "id,body,label"), "%s", ks_error_detail());
    cr_assert_eq(ks_dataset_next(ds, &m), KS_ERR_FORMAT);     /* sticky */
    ks_dataset_free(ds);
    ds = NULL;
    put("e/a.csv", "text,kind\nhi,ham\n");
    open_ds("e", NULL);
    cr_assert_eq(ks_dataset_next(ds, &m), KS_ERR_FORMAT);
    cr_assert_not_null(strstr(ks_error_detail(), "label"), "%s", ks_error_detail());
}

Test(dataset, csv_unterminated_quote_names_line)
{
    char out[256];
    put("d/a.csv", "label,text\nham,ok\nspam,\"open\nstill open\n");
    open_ds("d", NULL);
    cr_assert_eq(read_all(out, sizeof out), KS_ERR_FORMAT);
    cr_assert_str_eq(out, "1 0");
    cr_assert_not_null(strstr(ks_error_detail(), "a.csv:3:"), "%s", ks_error_detail());
}

Test(dataset, csv_huge_field_skipped)
{
    char out[256];
    ks_dataset_opts o;
    char text[200] = "label,text\nham,short\nspam,\"";
    memset(text + strlen(text), 'x', 50);
    strcat(text, "\"\nham,end\n");
    put("d/a.csv", text);
    ks_dataset_opts_default(&o);
    o.max_field = 20;
    open_ds("d", &o);
    cr_assert_eq(read_all(out, sizeof out), KS_DONE);
    cr_assert_str_eq(out, "1 0|3 0");
    expect_skips(0, 0, 1, 0, 0, 0);
}

Test(dataset, csv_gzip_bomb_and_corrupt_fail)
{
    size_t n = 50u << 20;
    char *zeros = calloc(1, n);
    char out[64];
    memcpy(zeros, "label,text\nham,", 15);
    put_gz("d/bomb.csv.gz", zeros, n);
    free(zeros);
    open_ds("d", NULL);
    cr_assert_eq(read_all(out, sizeof out), KS_ERR_LIMIT);
    cr_assert_not_null(strstr(ks_error_detail(), "bomb.csv.gz"), "%s", ks_error_detail());
    ks_dataset_free(ds);
    ds = NULL;
    put("e/bad.csv.gz", "not gzip");
    open_ds("e", NULL);
    cr_assert_eq(read_all(out, sizeof out), KS_ERR_FORMAT);
    cr_assert_not_null(strstr(ks_error_detail(), "bad.csv.gz"), "%s", ks_error_detail());
}

/* ---- mail folders ---------------------------------------------------------- */

#define MSG(s) "Subject: " s "\n\nbody of " s "\n"
#define FROM(n) "From a@b Thu Aug 22 13:17:0" #n " 2002\n"

Test(dataset, mail_folders_nesting_maildir_hidden_links)
{
    char out[2048];
    put("d/README", "not data");
    put("d/ham/1", MSG("h1"));
    put("d/x/y/HAM/deep/2", MSG("h2"));
    put("d/spam/cur/3", MSG("s3"));
    put("d/spam/new/4", MSG("s4"));
    put("d/spam/tmp/5", MSG("in delivery"));      /* maildir tmp/: skipped */
    put("d/spam/ham/6", MSG("nearest wins"));     /* ham inside spam */
    put("d/ham/.hidden", MSG("hidden"));
    put("d/ham/.dir/7", MSG("hidden dir"));
    put("d/other/tmp/8", MSG("no label"));
    put("d/ham/empty", "");
    link_to(P("d/ham/1"), "d/spam/link-to-file");
    link_to("/nonexistent/file", "d/spam/dangling");
    link_to("..", "d/ham/loop");                   /* d/ham/loop -> d */
    open_ds("d", NULL);
    cr_assert_eq(stats()->format, KS_FMT_MAIL);
    cr_assert_eq(read_all(out, sizeof out), KS_DONE);
    cr_assert_str_eq(out, "ham/1 0|spam/cur/3 1|spam/ham/6 0|spam/link-to-file 1|"
                          "spam/new/4 1|x/y/HAM/deep/2 0");
    expect_skips(0, 1, 0, 1, 0, 0);
    cr_assert_eq(stats()->files, 7);
    cr_assert_eq(ks_dataset_size(ds), strlen(MSG("h1")) + strlen(MSG("h2"))
                 + strlen(MSG("s3")) + strlen(MSG("s4")) + strlen(MSG("nearest wins"))
                 + strlen(MSG("h1")));
}

Test(dataset, mail_message_fields)
{
    ks_message m;
    put("d/spam/one.eml", MSG("x"));
    open_ds("d", NULL);
    cr_assert_eq(ks_dataset_next(ds, &m), KS_OK);
    cr_assert_str_eq(m.id, "spam/one.eml");
    cr_assert_str_eq(m.file, P("d/spam/one.eml"));
    cr_assert_eq(m.kind, KS_MSG_MAIL);
    cr_assert_eq(m.label, 1);
    cr_assert_eq(m.line, 1);
    cr_assert_eq(m.len, strlen(MSG("x")));
    cr_assert_str_eq(m.data, MSG("x"));
    cr_assert_eq(ks_dataset_next(ds, &m), KS_DONE);
}

Test(dataset, mbox_files_split)
{
    char out[1024];
    ks_message m;
    put("d/ham/box.mbox", FROM(1) MSG("a") "\n" FROM(2) MSG("b"));
    put("d/ham/mbox", FROM(3) MSG("c"));                   /* named: #1 */
    put("d/spam/plain", FROM(4) MSG("d") "\n" FROM(5) MSG("e"));
    put("d/spam/single", FROM(6) MSG("f"));               /* one: no #1 */
    open_ds("d", NULL);
    cr_assert_eq(ks_dataset_next(ds, &m), KS_OK);
    cr_assert_str_eq(m.id, "ham/box.mbox#1");
    cr_assert_str_eq(m.data, FROM(1) MSG("a") "\n");
    cr_assert_eq(m.line, 1);
    cr_assert_eq(ks_dataset_next(ds, &m), KS_OK);
    cr_assert_str_eq(m.data, FROM(2) MSG("b"));
    cr_assert_eq(m.line, 6);
    cr_assert_eq(read_all(out, sizeof out), KS_DONE);
    cr_assert_str_eq(out, "ham/mbox#1 0|spam/plain#1 1|spam/plain#2 1|spam/single 1");
    cr_assert_eq(stats()->files, 4);
}

Test(dataset, mail_limits)
{
    char out[512];
    ks_dataset_opts o;
    ks_dataset_opts_default(&o);
    o.max_message = 40;
    put("d/ham/small", "Subject: s\n\nok\n");
    put("d/ham/big", "Subject: big\n\nxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n");
    put("d/spam/box.mbox", FROM(1) "x\n" FROM(2) "yyyyyyyyyyyyyyyyyy\n" FROM(3) "z\n");
    open_ds("d", &o);
    cr_assert_eq(read_all(out, sizeof out), KS_DONE);
    cr_assert_str_eq(out, "ham/small 0|spam/box.mbox#1 1|spam/box.mbox#3 1");
    expect_skips(0, 0, 2, 0, 0, 0);
}

Test(dataset, gzip_messages_mbox_corrupt_and_bomb)
{
    char out[1024];
    size_t n = 50u << 20;
    char *zeros = calloc(1, n);
    const char *box = FROM(1) MSG("a") FROM(2) MSG("b");
    put_gz("d/ham/inmail.1.gz", MSG("gz"), strlen(MSG("gz")));
    put_gz("d/spam/y.mbox.gz", box, strlen(box));
    put("d/spam/corrupt.gz", "this is not gzip");
    memcpy(zeros, "Subject: bomb\n\n", 15);
    put_gz("d/spam/bomb.gz", zeros, n);
    free(zeros);
    put("d/spam/after", MSG("after"));
    open_ds("d", NULL);
    cr_assert_eq(read_all(out, sizeof out), KS_DONE);
    cr_assert_str_eq(out, "ham/inmail.1.gz 0|spam/after 1|spam/y.mbox.gz#1 1|"
                          "spam/y.mbox.gz#2 1");
    expect_skips(0, 0, 0, 0, 2, 0);
    cr_assert_eq(stats()->files, 5);
    cr_assert_lt(stats()->bytes, 200000);   /* compressed bytes read */
}

/* ---- TREC ------------------------------------------------------------------- */

Test(dataset, trec_index)
{
    char out[1024];
    ks_message m;
    put("t/data/inmail.1", MSG("one"));
    put("t/data/inmail.2", MSG("two"));
    put("t/data/inmail.3", MSG("three"));
    put_gz("t/data/inmail.4.gz", MSG("four"), strlen(MSG("four")));
    put("t/full/ham.csv", "label,text\nham,csv is ignored when an index exists\n");
    put("t/full/index", "spam ../data/inmail.1\n"
                        "ham ../data/inmail.2\r\n"
                        "\n"
                        "junk line here\n"
                        "spam ../data/missing\n"
                        "maybe ../data/inmail.3\n"
                        "ham ../data/inmail.4.gz\n");
    open_ds("t/full", NULL);
    cr_assert_eq(stats()->format, KS_FMT_TREC);
    cr_assert_eq(ks_dataset_next(ds, &m), KS_OK);
    cr_assert_str_eq(m.id, "../data/inmail.1");
    cr_assert_str_eq(m.data, MSG("one"));
    cr_assert_eq(read_all(out, sizeof out), KS_DONE);
    cr_assert_str_eq(out, "../data/inmail.2 0|../data/inmail.4.gz 0");
    expect_skips(0, 0, 0, 1, 0, 2);
    struct stat gz;
    cr_assert_eq(stat(P("t/data/inmail.4.gz"), &gz), 0);
    /* inmail.3 sits behind a malformed line, so it is not a data file */
    cr_assert_eq(ks_dataset_size(ds), strlen(MSG("one")) + strlen(MSG("two")) +
                 (uint64_t)gz.st_size);
}

/* ---- detection and errors ---------------------------------------------------- */

Test(dataset, detection_order_and_errors)
{
    ks_dataset_opts o;
    put("a/ham/1", MSG("1"));
    put("a/data.csv", "label,text\nspam,x\n");
    open_ds("a", NULL);
    cr_assert_eq(stats()->format, KS_FMT_CSV);             /* csv before mail */
    ks_dataset_free(ds);
    ds = NULL;
    ks_dataset_opts_default(&o);
    o.format = KS_FMT_MAIL;
    open_ds("a", &o);
    cr_assert_eq(stats()->format, KS_FMT_MAIL);
    ks_dataset_free(ds);
    ds = NULL;
    o.format = KS_FMT_TREC;
    cr_assert_eq(ks_dataset_open(&ds, P("a"), &o), KS_ERR_FORMAT);
    cr_assert_null(ds);
    put("b/sub/x.csv", "deep csv does not count");
    put("b/notes.txt", "x");
    cr_assert_eq(ks_dataset_open(&ds, P("b"), NULL), KS_ERR_FORMAT);
    cr_assert_not_null(strstr(ks_error_detail(), P("b")), "%s", ks_error_detail());
    cr_assert_not_null(strstr(ks_error_detail(), "index"));
    cr_assert_not_null(strstr(ks_error_detail(), "ham/"));
    cr_assert_eq(ks_dataset_open(&ds, P("missing"), NULL), KS_ERR_IO);
    cr_assert_not_null(strstr(ks_error_detail(), P("missing")));
    cr_assert_eq(ks_dataset_open(&ds, P("b/notes.txt"), NULL), KS_ERR_IO);
}

Test(dataset, empty_label_folder_is_mail)
{
    ks_message m;
    mkparents("d/spam/x");
    open_ds("d", NULL);
    cr_assert_eq(stats()->format, KS_FMT_MAIL);
    cr_assert_eq(ks_dataset_next(ds, &m), KS_DONE);
}

/* ---- passes --------------------------------------------------------------------- */

static void order_of(uint64_t seed, char *out, size_t cap)
{
    cr_assert_eq(ks_dataset_rewind(ds, seed), KS_OK);
    cr_assert_eq(read_all(out, cap), KS_DONE);
    cr_assert_eq(stats()->messages, 40);
}

Test(dataset, rewind_shuffles_deterministically)
{
    char a[2048], b[2048], c[2048], sorted[2048];
    char name[64];
    int i, seen[40] = {0};
    for (i = 0; i < 40; i++) {
        snprintf(name, sizeof name, "d/%s/m%02d", i < 20 ? "ham" : "spam", i);
        put(name, MSG("x"));
    }
    open_ds("d", NULL);
    cr_assert_eq(read_all(sorted, sizeof sorted), KS_DONE);
    cr_assert_eq(strncmp(sorted, "ham/m00 0|ham/m01 0", 19), 0);
    order_of(7, a, sizeof a);
    order_of(8, b, sizeof b);
    order_of(7, c, sizeof c);
    cr_assert_str_eq(a, c);                  /* same seed, same order */
    cr_assert_str_neq(a, b);
    cr_assert_str_neq(a, sorted);
    for (char *s = a; *s; ) {                /* every message exactly once */
        char *m = strstr(s, "/m");
        cr_assert_not_null(m);
        seen[atoi(m + 2)]++;
        s = strchr(m, '|') ? strchr(m, '|') + 1 : m + strlen(m);
    }
    for (i = 0; i < 40; i++)
        cr_assert_eq(seen[i], 1, "message %d seen %d times", i, seen[i]);
    order_of(0, c, sizeof c);
    cr_assert_str_eq(c, sorted);
    cr_assert_eq(stats()->files, 40);        /* stats are per pass */
}

Test(dataset, out_of_memory_is_reported)
{
    unsigned long n;
    put("d/ham/1", MSG("a"));
    put("d/spam/box.mbox", FROM(1) MSG("b") FROM(2) MSG("c"));
    put("e/x.csv", "label,text\nham,\"q\"\"x\"\nspam,y\n");
    for (n = 1; n < 200; n++) {
        const char *dirs[] = {"d", "e"};
        for (int k = 0; k < 2; k++) {
            ks_dataset *d = NULL;
            ks_message m;
            ks_status rc;
            ks_alloc_fail_at(n, 0);
            rc = ks_dataset_open(&d, P(dirs[k]), NULL);
            while (rc == KS_OK)
                rc = ks_dataset_next(d, &m);
            ks_alloc_fail_at(0, 0);
            cr_assert(rc == KS_DONE || rc == KS_ERR_NOMEM, "n=%lu rc=%d", n, rc);
            ks_dataset_free(d);
        }
    }
}

/* ---- the real example CSVs (counts verified with Python's csv module) ---------- */

static void real_csv(const char *sub, uint64_t ham, uint64_t spam)
{
    char dir[512];
    struct stat sb;
    ks_message m;
    ks_status rc;
    snprintf(dir, sizeof dir, "%s/knitfab-example/dataset/%s", KS_TEST_DATA, sub);
    if (stat(dir, &sb) != 0)
        cr_skip_test("%s not present", dir);
    cr_assert_eq(ks_dataset_open(&ds, dir, NULL), KS_OK, "%s", ks_error_detail());
    while ((rc = ks_dataset_next(ds, &m)) == KS_OK)
        cr_assert_gt(m.len, 0);
    cr_assert_eq(rc, KS_DONE, "%s", ks_error_detail());
    cr_assert_eq(stats()->per_class[0], ham);
    cr_assert_eq(stats()->per_class[1], spam);
    cr_assert_eq(stats()->skipped_total, 0);
    cr_assert_eq(stats()->bytes, ks_dataset_size(ds));
}

Test(dataset, real_initial) { real_csv("initial", 2343, 965); }
Test(dataset, real_incremental) { real_csv("incremental", 587, 241); }
Test(dataset, real_validate) { real_csv("validate", 742, 293); }
