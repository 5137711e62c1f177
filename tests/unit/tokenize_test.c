/* tokenize_test.c - the scalar tokenizer: boundaries, ASCII folding, the
 * utf8proc path (NFKC, case folding, ignorables, CJK), long runs. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include "ks/buf.h"
#include "ks/tokenize.h"

/* Tokens joined by '|', long runs as "<long:N>". */
static void collect(void *ctx, const char *tok, size_t len, int is_long)
{
    ks_buf *b = ctx;
    if (b->len)
        ks_buf_putc(b, '|');
    if (is_long)
        ks_buf_printf(b, "<long:%zu>", len);
    else
        ks_buf_append(b, tok, len);
}

static char out[4096];

static const char *toks(const char *s, size_t max_token)
{
    ks_tokenizer *t;
    ks_buf b = {0};
    cr_assert_eq(ks_tokenizer_new(&t, max_token), KS_OK);
    cr_assert_eq(ks_tokenize(t, s, strlen(s), collect, &b), KS_OK);
    snprintf(out, sizeof out, "%s", b.len ? b.data : "");
    ks_buf_free(&b);
    ks_tokenizer_free(t);
    return out;
}

Test(tokenize, ascii_boundaries_and_folding)
{
    cr_assert_str_eq(toks("Hello, WORLD!  Free $$$ money_now 4U", 40),
                     "hello|world|free|$$$|money_now|4u");
    cr_assert_str_eq(toks("", 40), "");
    cr_assert_str_eq(toks(" ,.;\n\t", 40), "");
    cr_assert_str_eq(toks("a.b-c'd", 40), "a|b|c|d");
    cr_assert_str_eq(toks("x", 40), "x");
}

Test(tokenize, long_runs_are_flagged)
{
    cr_assert_str_eq(toks("short aaaaaaaaaaaa end", 10), "short|<long:12>|end");
    cr_assert_str_eq(toks("aaaaaaaaaa", 10), "aaaaaaaaaa");
}

Test(tokenize, nfkc_and_case_folding)
{
    /* fullwidth letters, the fi ligature, German sharp s, Greek capitals */
    cr_assert_str_eq(toks("\xef\xbc\xa6\xef\xbd\x92\xef\xbd\x85\xef\xbd\x85", 40), "free");
    cr_assert_str_eq(toks("\xef\xac\x81nance", 40), "finance");
    cr_assert_str_eq(toks("Stra\xc3\x9f" "e", 40), "strasse");
    cr_assert_str_eq(toks("\xce\x91\xce\x92\xce\x93", 40), "\xce\xb1\xce\xb2\xce\xb3");
    cr_assert_str_eq(toks("Caf\xc3\xa9", 40), "caf\xc3\xa9");
    /* decomposed e + combining acute composes to the same token */
    cr_assert_str_eq(toks("Cafe\xcc\x81", 40), "caf\xc3\xa9");
}

Test(tokenize, ignorables_and_unicode_separators)
{
    /* zero-width space and soft hyphen inside a word vanish */
    cr_assert_str_eq(toks("fr\xe2\x80\x8b" "ee vi\xc2\xad" "agra", 40), "free|viagra");
    /* no-break space and a curly quote split words */
    cr_assert_str_eq(toks("a\xc2\xa0" "b \xe2\x80\x9cq\xe2\x80\x9d", 40), "a|b|q");
}

Test(tokenize, cjk_one_token_per_ideograph)
{
    cr_assert_str_eq(toks("\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e abc", 40),
                     "\xe6\x97\xa5|\xe6\x9c\xac|\xe8\xaa\x9e|abc");
}

Test(tokenize, invalid_utf8_passes_bytes)
{
    cr_assert_str_eq(toks("\xff\xfe" "ABC def", 40), "\xff\xfe" "abc|def");
}

Test(tokenize, word_byte_table)
{
    for (int c = 0; c < 256; c++) {
        int want = (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') ||
                   (c >= 'a' && c <= 'z') || c == '$' || c == '_' || c >= 0x80;
        cr_assert_eq(ks_tok_word_byte[c], want, "byte 0x%02x", c);
    }
}
