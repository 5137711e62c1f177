/* codec_test.c - base64, quoted-printable and RFC 2047 header decoding. */
#include <criterion/criterion.h>
#include <string.h>
#include "ks/alloc.h"
#include "ks/codec.h"

static ks_buf out;

static void setup(void) { memset(&out, 0, sizeof out); }
static void teardown(void) { ks_buf_free(&out); }

TestSuite(codec, .init = setup, .fini = teardown);

static const char *b64(const char *in)
{
    ks_buf_clear(&out);
    cr_assert_eq(ks_codec_base64_decode(in, strlen(in), &out), KS_OK);
    return out.data;
}

static const char *qp(const char *in, int q)
{
    ks_buf_clear(&out);
    cr_assert_eq(ks_codec_qp_decode(in, strlen(in), q, &out), KS_OK);
    return out.data;
}

static const char *hdr(const char *in)
{
    ks_buf tmp = {0};
    ks_buf_clear(&out);
    cr_assert_eq(ks_codec_decode_header(in, strlen(in), &tmp, &out), KS_OK);
    ks_buf_free(&tmp);
    return out.data;
}

Test(codec, base64_basic_and_lines)
{
    cr_assert_str_eq(b64("SGVsbG8sIHdvcmxkIQ=="), "Hello, world!");
    cr_assert_str_eq(b64("SGVs\r\nbG8s\nIHdv cmxk\tIQ==\r\n"), "Hello, world!");
    cr_assert_str_eq(b64(""), "");
    cr_assert_eq(out.len, 0);
}

Test(codec, base64_junk_is_skipped)
{
    cr_assert_str_eq(b64("SG*Vs!bG8"), "Hello");
    cr_assert_str_eq(b64("###"), "");
}

Test(codec, base64_truncated_group)
{
    cr_assert_str_eq(b64("SGVsbG8"), "Hello");     /* 3 chars -> 2 bytes */
    cr_assert_str_eq(b64("SGVsbA"), "Hell");       /* 2 chars -> 1 byte */
    cr_assert_str_eq(b64("SGVsb"), "Hel");         /* lone char dropped */
}

Test(codec, base64_concatenated_and_appends)
{
    cr_assert_str_eq(b64("YQ==Yg=="), "ab");
    ks_buf_clear(&out);
    ks_buf_append(&out, "x:", 2);
    cr_assert_eq(ks_codec_base64_decode("eQ==", 4, &out), KS_OK);
    cr_assert_str_eq(out.data, "x:y");
}

Test(codec, base64_binary_bytes)
{
    ks_buf_clear(&out);
    cr_assert_eq(ks_codec_base64_decode("AP8A", 4, &out), KS_OK);
    cr_assert_eq(out.len, 3);
    cr_assert_eq((unsigned char)out.data[0], 0x00);
    cr_assert_eq((unsigned char)out.data[1], 0xFF);
    cr_assert_eq((unsigned char)out.data[2], 0x00);
}

Test(codec, qp_body)
{
    cr_assert_str_eq(qp("caf=C3=A9 =3D ok", 0), "caf\xC3\xA9 = ok");
    cr_assert_str_eq(qp("soft=\r\nbreak", 0), "softbreak");
    cr_assert_str_eq(qp("soft=  \nbreak", 0), "softbreak");
    cr_assert_str_eq(qp("a  \r\nb\t\nc", 0), "a\nb\nc");
    cr_assert_str_eq(qp("lower=e9case", 0), "lower\xE9" "case");
    cr_assert_str_eq(qp("bad=ZZ and =", 0), "bad=ZZ and");  /* soft break */
    cr_assert_str_eq(qp("a_b", 0), "a_b");
    cr_assert_str_eq(qp("kept=20\n", 0), "kept \n");
}

Test(codec, qp_truncated_escape)
{
    cr_assert_str_eq(qp("x=4", 0), "x=4");
    cr_assert_str_eq(qp("x=", 0), "x");
}

Test(codec, q_mode)
{
    cr_assert_str_eq(qp("a_b=5Fc=20d", 1), "a b_c d");
    cr_assert_str_eq(qp("no=\nsoft", 1), "no=\nsoft");
}

Test(codec, header_plain_ascii)
{
    cr_assert_str_eq(hdr("Hello world"), "Hello world");
    cr_assert_str_eq(hdr(""), "");
}

Test(codec, header_b_and_q_words)
{
    cr_assert_str_eq(hdr("=?UTF-8?B?w6l0w6k=?="), "\xC3\xA9t\xC3\xA9");
    cr_assert_str_eq(hdr("=?iso-8859-1?q?caf=E9_cr=E8me?="),
                     "caf\xC3\xA9 cr\xC3\xA8me");
    cr_assert_str_eq(hdr("Re: =?utf-8?Q?na=C3=AFve?= idea"),
                     "Re: na\xC3\xAFve idea");
}

Test(codec, header_adjacent_words_join)
{
    /* blanks between words vanish; blanks around plain text stay */
    cr_assert_str_eq(hdr("=?utf-8?q?a?= =?utf-8?q?b?=\t=?utf-8?q?c?= d"), "abc d");
    /* one UTF-8 character split across two base64 words */
    cr_assert_str_eq(hdr("=?utf-8?B?4oI=?= =?utf-8?B?rA==?="), "\xE2\x82\xAC");
}

Test(codec, header_charsets)
{
    cr_assert_str_eq(hdr("=?koi8-r?B?8NLJ18XU?="),
                     "\xD0\x9F\xD1\x80\xD0\xB8\xD0\xB2\xD0\xB5\xD1\x82");
    cr_assert_str_eq(hdr("=?windows-1251?Q?=CF=F0=E8?="),
                     "\xD0\x9F\xD1\x80\xD0\xB8");
    cr_assert_str_eq(hdr("=?ISO-2022-JP?B?GyRCJUYlOSVIGyhC?="),
                     "\xE3\x83\x86\xE3\x82\xB9\xE3\x83\x88");
    cr_assert_str_eq(hdr("=?big5?B?pKSk5Q==?="), "\xE4\xB8\xAD\xE6\x96\x87");
    cr_assert_str_eq(hdr("=?gb2312?B?xOO6ww==?="), "\xE4\xBD\xA0\xE5\xA5\xBD");
    cr_assert_str_eq(hdr("=?utf-8*en?q?hi?="), "hi");
}

Test(codec, header_malformed_words_stay_literal)
{
    cr_assert_str_eq(hdr("=?utf-8?x?abc?="), "=?utf-8?x?abc?=");
    cr_assert_str_eq(hdr("=?utf-8?q?never closed"), "=?utf-8?q?never closed");
    cr_assert_str_eq(hdr("a =? b"), "a =? b");
    cr_assert_str_eq(hdr("=??q?x?="), "=??q?x?=");
}

Test(codec, header_glued_word_and_bad_bytes)
{
    cr_assert_str_eq(hdr("foo=?utf-8?q?bar?=baz"), "foobarbaz");
    /* undeclared 8-bit: valid UTF-8 stays, else windows-1252 */
    cr_assert_str_eq(hdr("caf\xC3\xA9"), "caf\xC3\xA9");
    cr_assert_str_eq(hdr("caf\xE9 \x93q\x94"),
                     "caf\xC3\xA9 \xE2\x80\x9Cq\xE2\x80\x9D");
    /* invalid bytes inside a declared UTF-8 word become U+FFFD */
    cr_assert_str_eq(hdr("=?utf-8?q?a=FFb?="), "a\xEF\xBF\xBD" "b");
}

Test(codec, header_null_scratch_and_nomem)
{
    ks_buf_clear(&out);
    cr_assert_eq(ks_codec_decode_header("=?utf-8?q?x?=", 13, NULL, &out), KS_OK);
    cr_assert_str_eq(out.data, "x");
    ks_buf_free(&out);
    ks_alloc_fail_at(1, 1);
    cr_assert_eq(ks_codec_decode_header("=?utf-8?q?x?=", 13, NULL, &out),
                 KS_ERR_NOMEM);
    ks_alloc_fail_at(0, 0);
}
