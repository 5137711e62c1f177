/* mail_test.c - RFC 822 / MIME decoding into segments, on inline fixtures.
 *
 * The sink writes every segment as "K name=text\n" (K = H, B, U, A), so a
 * test compares the whole decoded message with one string.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include "ks/alloc.h"
#include "ks/charset.h"
#include "ks/mail.h"

static ks_buf log_;       /* serialised segments */
static int stop_after;    /* stop the walk after this many segments, 0 never */
static int seen;

static int sink(void *ctx, ks_seg_kind kind, const char *name,
                const char *text, size_t len)
{
    static const char k[] = "HBUA";
    cr_assert_eq(text[len], '\0', "segment not NUL-terminated");
    cr_assert_eq(strlen(text), len, "NUL inside a segment");
    cr_assert(ks_utf8_valid(text, len), "segment not UTF-8: %s", text);
    ks_buf_printf(&log_, "%c %s=%s\n", k[kind], name ? name : "", text);
    return stop_after && ++seen >= stop_after;
}

static void setup(void)
{
    memset(&log_, 0, sizeof log_);
    stop_after = seen = 0;
}

static void teardown(void) { ks_buf_free(&log_); }

TestSuite(mail, .init = setup, .fini = teardown);

static ks_status decode_lim(const char *raw, const ks_mail_limits *lim)
{
    ks_buf_clear(&log_);
    return ks_mail_decode(raw, strlen(raw), lim, sink, NULL);
}

static const char *decode(const char *raw)
{
    ks_status st = decode_lim(raw, NULL);
    cr_assert_eq(st, KS_OK, "status %d: %s", st, ks_error_detail());
    return log_.data ? log_.data : "";
}

Test(mail, headers_unfolded_crlf_and_url_in_text)
{
    cr_assert_str_eq(
        decode("From: Alice <a@example.com>\r\n"
               "Subject: a long\r\n\tfolded  subject \r\n"
               "X-Empty:\r\n"
               "\r\n"
               "Visit http://spam.example/buy?x=1, or www.example.org.\r\n"
               "Not a url: xwww.no, http:// alone\r\n"),
        "H from=Alice <a@example.com>\n"
        "H subject=a long\tfolded  subject\n"
        "H x-empty=\n"
        "B plain=Visit http://spam.example/buy?x=1, or www.example.org.\n"
        "Not a url: xwww.no, http:// alone\n\n"
        "U =http://spam.example/buy?x=1\n"
        "U =www.example.org\n");
}

Test(mail, mbox_from_line_and_bare_lf)
{
    cr_assert_str_eq(decode("From bob@example.com Mon Sep  2 12:00:00 2002\n"
                            "Subject: hi\n\nbody\n"),
                     "H subject=hi\nB plain=body\n\n");
}

Test(mail, body_without_headers_and_header_without_body)
{
    cr_assert_str_eq(decode("Just some text\nwith: a colon later\n"),
                     "B plain=Just some text\nwith: a colon later\n\n");
    cr_assert_str_eq(decode("Subject: only\r\nTo: x@y"),
                     "H subject=only\nH to=x@y\n");
    cr_assert_str_eq(decode(""), "");
}

Test(mail, encoded_words_in_many_charsets)
{
    cr_assert_str_eq(
        decode("Subject: =?ISO-2022-JP?B?GyRCJUYlOSVIGyhC?=\n"
               "X-Koi: =?koi8-r?B?8NLJ18XU?=\n"
               "X-Big5: =?big5?B?pKSk5Q==?=\n"
               "X-Gb: =?gb2312?B?xOO6ww==?=\n"
               "X-Cp: =?windows-1251?Q?=CF=F0=E8?= !\n"
               "X-Raw: caf\xE9\n\n"),
        "H subject=\xE3\x83\x86\xE3\x82\xB9\xE3\x83\x88\n"
        "H x-koi=\xD0\x9F\xD1\x80\xD0\xB8\xD0\xB2\xD0\xB5\xD1\x82\n"
        "H x-big5=\xE4\xB8\xAD\xE6\x96\x87\n"
        "H x-gb=\xE4\xBD\xA0\xE5\xA5\xBD\n"
        "H x-cp=\xD0\x9F\xD1\x80\xD0\xB8 !\n"
        "H x-raw=caf\xC3\xA9\n");
}

static const char alternative[] =
    "Content-Type: multipart/alternative; boundary=\"=_b 1\"\n"
    "\n"
    "preamble is ignored\n"
    "--=_b 1\n"
    "Content-Type: text/plain; charset=iso-8859-1\n"
    "Content-Transfer-Encoding: quoted-printable\n"
    "\n"
    "Caf=E9 cr=\n"
    "=E8me\n"
    "--=_b 1\n"
    "Content-Type: text/html; charset=utf-8\n"
    "Content-Transfer-Encoding: base64\n"
    "\n"
    "PHA+SGk8L3A+PGEgaHJlZj0iaHR0cDovL3guZXhhbXBsZS8iPmdvPC9hPg==\n"
    "--=_b 1--\n"
    "epilogue is ignored\n";

Test(mail, multipart_alternative_qp_and_base64_html)
{
    cr_assert_str_eq(decode(alternative),
                     "H content-type=multipart/alternative; boundary=\"=_b 1\"\n"
                     "H content-type=text/plain; charset=iso-8859-1\n"
                     "H content-transfer-encoding=quoted-printable\n"
                     "B plain=Caf\xC3\xA9 cr\xC3\xA8me\n"
                     "H content-type=text/html; charset=utf-8\n"
                     "H content-transfer-encoding=base64\n"
                     "B html=Hi\ngo\n"
                     "U =http://x.example/\n");
}

Test(mail, nested_mixed_attachment_and_rfc822)
{
    cr_assert_str_eq(
        decode("Content-Type: multipart/mixed; boundary=outer\n\n"
               "--outer\n"
               "Content-Type: multipart/related; boundary=\"inner\"\n\n"
               "--inner\n\nno headers: plain us-ascii\n"
               "--inner\n"
               "Content-Type: IMAGE/GIF; name=\"pic.gif\"\n"
               "Content-Transfer-Encoding: base64\n\n"
               "R0lGODlhAQABAAAAACw=\n"
               "--inner--\n"
               "--outer\n"
               "Content-Type: application/pdf\n"
               "Content-Disposition: attachment;\n"
               " filename*0*=utf-8''na%C3%AF;\n"
               " filename*1=\"ve.pdf\"\n\n"
               "%PDF-1.4 binary\n"
               "--outer\n"
               "Content-Type: message/rfc822\n\n"
               "Subject: =?utf-8?q?inner_msg?=\n\n"
               "forwarded text\n"
               "--outer--\n"),
        "H content-type=multipart/mixed; boundary=outer\n"
        "H content-type=multipart/related; boundary=\"inner\"\n"
        "B plain=no headers: plain us-ascii\n"
        "H content-type=IMAGE/GIF; name=\"pic.gif\"\n"
        "H content-transfer-encoding=base64\n"
        "A image/gif=pic.gif\n"
        "H content-type=application/pdf\n"
        "H content-disposition=attachment; filename*0*=utf-8''na%C3%AF; "
        "filename*1=\"ve.pdf\"\n"
        "A application/pdf=na\xC3\xAFve.pdf\n"
        "H content-type=message/rfc822\n"
        "H subject=inner msg\n"
        "B plain=forwarded text\n");
}

Test(mail, attachment_names_rfc2047_and_none)
{
    cr_assert_str_eq(
        decode("Content-Type: multipart/mixed; boundary=b\n\n--b\n"
               "Content-Type: application/zip; name=\"=?utf-8?B?w6kuemlw?=\"\n\n"
               "PK\n--b\nContent-Type: application/octet-stream\n\nxx\n--b--\n"),
        "H content-type=multipart/mixed; boundary=b\n"
        "H content-type=application/zip; name=\"\xC3\xA9.zip\"\n"
        "A application/zip=\xC3\xA9.zip\n"
        "H content-type=application/octet-stream\n"
        "A application/octet-stream=\n");
}

Test(mail, broken_boundaries_recovered)
{
    /* no closing delimiter: the last part runs to the end */
    cr_assert_str_eq(decode("Content-Type: multipart/mixed; boundary=zz\n\n"
                            "--zz\n\nfirst\n--zz\n\nsecond, never closed\n"),
                     "H content-type=multipart/mixed; boundary=zz\n"
                     "B plain=first\nB plain=second, never closed\n\n");
    /* a boundary that never occurs: the body is shown as text; a line
     * starting with the boundary plus more text is not a delimiter */
    cr_assert_str_eq(decode("Content-Type: multipart/mixed; boundary=zz\n\n"
                            "--zzz not it\nplain body\n"),
                     "H content-type=multipart/mixed; boundary=zz\n"
                     "B plain=--zzz not it\nplain body\n\n");
    /* multipart without boundary parameter */
    cr_assert_str_eq(decode("Content-Type: multipart/mixed\n\ntext\n"),
                     "H content-type=multipart/mixed\nB plain=text\n\n");
}

Test(mail, bad_and_truncated_base64)
{
    cr_assert_str_eq(decode("Content-Transfer-Encoding: base64\n\n"
                            "SGVs!!bG8g\nd29y*bGQ\n"),
                     "H content-transfer-encoding=base64\nB plain=Hello world\n");
    cr_assert_str_eq(decode("Content-Transfer-Encoding: BASE64\n\nSGVsbG8gd29"),
                     "H content-transfer-encoding=BASE64\nB plain=Hello wo\n");
}

Test(mail, body_charsets)
{
    cr_assert_str_eq(decode("Content-Type: text/plain; charset=\"KOI8-R\"\n\n"
                            "\xF0\xD2\xC9\xD7\xC5\xD4\n"),
                     "H content-type=text/plain; charset=\"KOI8-R\"\n"
                     "B plain=\xD0\x9F\xD1\x80\xD0\xB8\xD0\xB2\xD0\xB5\xD1\x82\n\n");
    cr_assert_str_eq(decode("Content-Type: text/plain; charset=iso-2022-jp\n\n"
                            "\x1B$B%F%9%H\x1B(B\n"),
                     "H content-type=text/plain; charset=iso-2022-jp\n"
                     "B plain=\xE3\x83\x86\xE3\x82\xB9\xE3\x83\x88\n\n");
    /* undeclared 8-bit body: not UTF-8, so windows-1252 */
    cr_assert_str_eq(decode("Subject: x\n\n\x93quoted\x94\n"),
                     "H subject=x\nB plain=\xE2\x80\x9Cquoted\xE2\x80\x9D\n\n");
}

/* A message nested `levels` multiparts deep, with text at the bottom. */
static void nested(ks_buf *b, int levels)
{
    int i;
    for (i = 0; i < levels; i++)
        ks_buf_printf(b, "Content-Type: multipart/mixed; boundary=b%d\n\n--b%d\n",
                      i, i);
    ks_buf_printf(b, "\nbottom\n");
}

Test(mail, depth_limit)
{
    ks_mail_limits lim = {3, 1000};
    ks_buf m = {0};
    nested(&m, 3);   /* text part at depth 3: allowed */
    cr_assert_eq(decode_lim(m.data, &lim), KS_OK);
    cr_assert_not_null(strstr(log_.data, "B plain=bottom"));
    ks_buf_clear(&m);
    nested(&m, 4);
    cr_assert_eq(decode_lim(m.data, &lim), KS_ERR_LIMIT);
    cr_assert_not_null(strstr(ks_error_detail(), "deeper than 3"));
    ks_buf_clear(&m);
    nested(&m, 300); /* default limit 16, hard ceiling 256 */
    cr_assert_eq(decode_lim(m.data, NULL), KS_ERR_LIMIT);
    lim.max_depth = 100000;
    cr_assert_eq(decode_lim(m.data, &lim), KS_ERR_LIMIT);
    ks_buf_free(&m);
}

Test(mail, parts_limit)
{
    ks_mail_limits lim = {16, 10};
    ks_buf m = {0};
    int i;
    ks_buf_printf(&m, "Content-Type: multipart/mixed; boundary=p\n\n");
    for (i = 0; i < 9; i++)
        ks_buf_printf(&m, "--p\n\npart %d\n", i);
    cr_assert_eq(decode_lim(m.data, &lim), KS_OK);  /* 1 + 9 entities */
    ks_buf_printf(&m, "--p\n\none too many\n");
    cr_assert_eq(decode_lim(m.data, &lim), KS_ERR_LIMIT);
    cr_assert_not_null(strstr(ks_error_detail(), "more than 10"));
    ks_buf_free(&m);
}

Test(mail, digest_and_rfc2231_boundary)
{
    cr_assert_str_eq(
        decode("Content-Type: multipart/digest; boundary*0=\"d\"; boundary*1=ig\n\n"
               "--dig\n\nSubject: one\n\nfirst\n--dig--\n"),
        "H content-type=multipart/digest; boundary*0=\"d\"; boundary*1=ig\n"
        "H subject=one\nB plain=first\n");
}

Test(mail, sink_can_stop)
{
    stop_after = 2;
    cr_assert_eq(decode_lim(alternative, NULL), KS_OK);
    cr_assert_str_eq(log_.data,
                     "H content-type=multipart/alternative; boundary=\"=_b 1\"\n"
                     "H content-type=text/plain; charset=iso-8859-1\n");
}

Test(mail, bad_arguments)
{
    cr_assert_eq(ks_mail_decode("x", 1, NULL, NULL, NULL), KS_ERR_USAGE);
    cr_assert_eq(ks_mail_decode(NULL, 1, NULL, sink, NULL), KS_ERR_USAGE);
    cr_assert_eq(ks_mail_decode(NULL, 0, NULL, sink, NULL), KS_OK);
}

/* Every prefix of a complex message decodes without error (run under
 * -DKS_SANITIZE=ON to prove no read past the end). */
Test(mail, every_truncation)
{
    size_t n, len = strlen(alternative);
    for (n = 0; n <= len; n++) {
        char *copy = ks_malloc(n ? n : 1);
        memcpy(copy, alternative, n);
        ks_buf_clear(&log_);
        cr_assert_eq(ks_mail_decode(copy, n, NULL, sink, NULL), KS_OK, "at %zu", n);
        ks_free(copy);
    }
}

/* Failing each allocation in turn yields KS_ERR_NOMEM or success, never a
 * crash or a leak (leaks show under the sanitizer build). */
Test(mail, allocation_failures)
{
    unsigned long nth;
    int nomem = 0;
    for (nth = 1; nth < 400; nth++) {
        ks_status st;
        ks_buf_free(&log_);
        ks_alloc_fail_at(nth, 0);
        st = ks_mail_decode(alternative, sizeof alternative - 1, NULL, sink, NULL);
        ks_alloc_fail_at(0, 0);
        cr_assert(st == KS_OK || st == KS_ERR_NOMEM, "nth %lu: %d", nth, st);
        nomem += st == KS_ERR_NOMEM;
    }
    cr_assert_geq(nomem, 8);  /* one per ks_buf first allocation and more */
}
