/* mbox_test.c - splitting mbox streams at From_ lines. */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ks/mbox.h"

static char tmp[64];
static ks_instream *in;
static ks_mbox *mb;

static int rm_one(const char *p, const struct stat *sb, int flag, struct FTW *f)
{
    (void)sb, (void)flag, (void)f;
    return remove(p);
}

static void setup(void)
{
    strcpy(tmp, "/tmp/ks-mbox-XXXXXX");
    cr_assert_not_null(mkdtemp(tmp));
}

static void teardown(void)
{
    ks_mbox_free(mb);
    ks_instream_free(in);
    mb = NULL;
    in = NULL;
    nftw(tmp, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static void open_mbox(const char *text, size_t bufsize, size_t max)
{
    char path[256];
    FILE *f;
    snprintf(path, sizeof path, "%s/box", tmp);
    f = fopen(path, "wb");
    fputs(text, f);
    fclose(f);
    cr_assert_eq(ks_instream_new(&in, bufsize), KS_OK);
    cr_assert_eq(ks_instream_open(in, path, KS_IN_AUTO, 0), KS_OK);
    cr_assert_eq(ks_mbox_new(&mb, in, max), KS_OK);
}

static void expect_msg(const char *want, long want_line, int want_over)
{
    const char *data;
    size_t len;
    long line;
    int over;
    cr_assert_eq(ks_mbox_next(mb, &data, &len, &line, &over), KS_OK);
    cr_assert_eq(over, want_over);
    cr_assert_eq(line, want_line);
    if (!want_over) {
        cr_assert_str_eq(data, want);
        cr_assert_eq(len, strlen(want));
    }
}

static void expect_done(void)
{
    const char *data;
    size_t len;
    long line;
    int over;
    cr_assert_eq(ks_mbox_next(mb, &data, &len, &line, &over), KS_DONE);
    cr_assert(ks_mbox_at_end(mb));
}

#define F1 "From alice@example.com  Thu Aug 22 13:17:22 2002\n"
#define F2 "From bob@example.org Fri Aug 23 01:02:03 2002\n"
#define F3 "From - Mon Sep  2 9:15 2002\n"

TestSuite(mbox, .init = setup, .fini = teardown);

Test(mbox, from_line_rule)
{
    const char *yes[] = {F1, F2, F3, "From x Sat Jan  1 00:00:00 +0000 2000"};
    const char *no[] = {"From what I heard, it was fine.", "From: alice@example.com",
                        ">From alice Thu Aug 22 13:17:22 2002", "From alice 2002",
                        "From alice 13:17:22", "from alice Thu Aug 22 13:17:22 2002"};
    size_t i;
    for (i = 0; i < sizeof yes / sizeof *yes; i++)
        cr_assert(ks_mbox_is_from_line(yes[i], strcspn(yes[i], "\n")), "%s", yes[i]);
    for (i = 0; i < sizeof no / sizeof *no; i++)
        cr_assert_not(ks_mbox_is_from_line(no[i], strlen(no[i])), "%s", no[i]);
}

Test(mbox, three_messages_with_lines)
{
    open_mbox(F1 "Subject: one\n\nbody 1\n\n" F2 "Subject: two\n\n"
              "From what I heard\n>From alice Thu Aug 22 13:17:22 2002\n\n"
              F3 "Subject: three\n", 0, 1000);
    expect_msg(F1 "Subject: one\n\nbody 1\n\n", 1, 0);
    cr_assert_not(ks_mbox_at_end(mb));
    expect_msg(F2 "Subject: two\n\nFrom what I heard\n>From alice Thu Aug 22 13:17:22 2002\n\n",
               6, 0);
    expect_msg(F3 "Subject: three\n", 12, 0);
    cr_assert(ks_mbox_at_end(mb));
    expect_done();
}

Test(mbox, no_blank_line_needed_and_crlf)
{
    open_mbox("From a@b Thu Aug 22 13:17:22 2002\r\nX: 1\r\n"
              "From c@d Thu Aug 22 13:17:23 2002\r\nX: 2", 0, 1000);
    expect_msg("From a@b Thu Aug 22 13:17:22 2002\r\nX: 1\r\n", 1, 0);
    expect_msg("From c@d Thu Aug 22 13:17:23 2002\r\nX: 2", 3, 0);
    expect_done();
}

Test(mbox, bytes_before_first_from_are_a_message)
{
    open_mbox("Subject: stray\n\n" F1 "Subject: x\n", 0, 1000);
    expect_msg("Subject: stray\n\n", 1, 0);
    expect_msg(F1 "Subject: x\n", 3, 0);
    expect_done();
}

Test(mbox, single_message_is_whole_file)
{
    open_mbox(F1 "Subject: only\n\nbody\n", 0, 1000);
    expect_msg(F1 "Subject: only\n\nbody\n", 1, 0);
    cr_assert(ks_mbox_at_end(mb));
    expect_done();
}

Test(mbox, empty_stream)
{
    open_mbox("", 0, 1000);
    expect_done();
}

Test(mbox, oversize_message_skipped_in_the_middle)
{
    char *text = malloc(10000);
    strcpy(text, F1 "a\n" F2);
    memset(text + strlen(text), 'z', 5000);
    strcpy(text + strlen(F1 "a\n" F2) + 5000, "\n" F3 "c\n");
    open_mbox(text, 64, 1000);
    expect_msg(F1 "a\n", 1, 0);
    expect_msg(NULL, 3, 1);
    expect_msg(F3 "c\n", 5, 0);
    expect_done();
    free(text);
}

Test(mbox, message_exactly_at_limit_is_kept)
{
    char text[200];
    size_t n1 = strlen(F1 "abc\n");
    snprintf(text, sizeof text, "%s%s", F1 "abc\n", F2 "0123456789\n");
    open_mbox(text, 8, n1);
    expect_msg(F1 "abc\n", 1, 0);
    cr_assert_gt(strlen(F2 "0123456789\n"), n1);
    expect_msg(NULL, 3, 1);
    expect_done();
}

ParameterizedTestParameters(mbox, any_buffer_size)
{
    static size_t sizes[] = {4, 5, 6, 7, 8, 17, 4096};
    return cr_make_param_array(size_t, sizes, sizeof sizes / sizeof sizes[0]);
}

ParameterizedTest(size_t *bufsize, mbox, any_buffer_size)
{
    open_mbox(F1 "one\n\n" F2 "two\n" F3 "three", *bufsize, 1000);
    expect_msg(F1 "one\n\n", 1, 0);
    expect_msg(F2 "two\n", 4, 0);
    expect_msg(F3 "three", 6, 0);
    expect_done();
}
