/* extract_test.c - message -> feature vector: families, prefixes,
 * determinism, settings checks. */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>
#include "ks/features.h"
#include "ks/hash.h"

static ks_message text_msg(const char *s)
{
    ks_message m = {.id = "1", .label = 0, .kind = KS_MSG_TEXT, .data = s,
                    .len = strlen(s), .file = "t.csv", .line = 1};
    return m;
}

static ks_fvec extract(const ks_feature_config *c, ks_message m)
{
    ks_extractor *ex;
    ks_fvec v = {0};
    cr_assert_eq(ks_extractor_new(&ex, c), KS_OK);
    cr_assert_eq(ks_extract(ex, &m, &v), KS_OK);
    ks_extractor_free(ex);
    return v;
}

static int has_index(const ks_fvec *v, uint32_t idx)
{
    for (uint32_t i = 0; i < v->n; i++)
        if (v->f[i].index == idx)
            return 1;
    return 0;
}

static uint32_t bucket(const ks_feature_config *c, const char *family, const char *tok)
{
    uint32_t seed = ks_hash32(family, strlen(family), c->seed);
    /* words have the word hash; URL hosts MurmurHash3 (extract.c) */
    uint32_t h = strcmp(family, "url") ? ks_hash_tok(tok, strlen(tok), seed)
                                       : ks_hash32(tok, strlen(tok), seed);
    return h & ((1u << c->hash_bits) - 1);
}

Test(extract, words_go_to_their_hashed_buckets)
{
    ks_feature_config c;
    ks_feature_config_default(&c);
    c.families = KS_FEAT_WORDS;
    ks_fvec v = extract(&c, text_msg("Cheap cheap PILLS"));
    cr_assert_eq(v.n, 2);
    cr_assert(has_index(&v, bucket(&c, "body", "cheap")));
    cr_assert(has_index(&v, bucket(&c, "body", "pills")));
    ks_fvec_free(&v);
}

Test(extract, subject_line_is_a_prefixed_header)
{
    ks_feature_config c;
    ks_feature_config_default(&c);
    c.families = KS_FEAT_WORDS | KS_FEAT_HEADERS;
    ks_fvec v = extract(&c, text_msg("Subject: offer\nhello"));
    cr_assert(has_index(&v, bucket(&c, "subject", "offer")));
    cr_assert(!has_index(&v, bucket(&c, "body", "offer")));
    cr_assert(has_index(&v, bucket(&c, "body", "hello")));
    ks_fvec_free(&v);
}

Test(extract, deterministic_and_unit_length)
{
    ks_feature_config c;
    ks_feature_config_default(&c);
    c.families |= KS_FEAT_BIGRAMS | KS_FEAT_CHARGRAMS;
    const char *s = "Subject: win money now\nclick here to claim your prize, win win";
    ks_fvec a = extract(&c, text_msg(s)), b = extract(&c, text_msg(s));
    double norm = 0;
    cr_assert_eq(a.n, b.n);
    cr_assert(a.n > 20);
    for (uint32_t i = 0; i < a.n; i++) {
        cr_assert_eq(a.f[i].index, b.f[i].index);
        cr_assert_eq(a.f[i].value, b.f[i].value);
        norm += (double)a.f[i].value * a.f[i].value;
    }
    cr_assert_float_eq(norm, 1.0, 1e-5);
    ks_fvec_free(&a);
    ks_fvec_free(&b);
}

Test(extract, seed_changes_buckets)
{
    ks_feature_config c1, c2;
    ks_feature_config_default(&c1);
    c2 = c1;
    c2.seed = c1.seed + 1;
    ks_fvec a = extract(&c1, text_msg("alpha beta gamma delta"));
    ks_fvec b = extract(&c2, text_msg("alpha beta gamma delta"));
    int same = a.n == b.n;
    for (uint32_t i = 0; same && i < a.n; i++)
        same = a.f[i].index == b.f[i].index;
    cr_assert(!same);
    ks_fvec_free(&a);
    ks_fvec_free(&b);
}

Test(extract, config_check_names_the_setting)
{
    ks_feature_config c;
    ks_feature_config_default(&c);
    cr_assert_eq(ks_feature_config_check(&c), KS_OK);
    c.hash_bits = 29;
    cr_assert_eq(ks_feature_config_check(&c), KS_ERR_USAGE);
    cr_assert(strstr(ks_error_detail(), "hash_bits"));
    ks_feature_config_default(&c);
    c.families = 0;
    cr_assert_eq(ks_feature_config_check(&c), KS_ERR_USAGE);
    ks_feature_config_default(&c);
    c.ngram_n = 1;
    cr_assert_eq(ks_feature_config_check(&c), KS_ERR_USAGE);
    cr_assert(strstr(ks_error_detail(), "ngram_n"));
}

Test(extract, raw_mail_headers_and_body)
{
    ks_feature_config c;
    ks_feature_config_default(&c);
    c.families = KS_FEAT_WORDS | KS_FEAT_HEADERS | KS_FEAT_URLS;
    const char *raw = "From: Alice <alice@example.com>\r\nSubject: =?utf-8?q?Gr=C3=BC=C3=9Fe?=\r\n"
                      "X-Spam-Status: Yes\r\nContent-Type: text/plain\r\n\r\n"
                      "Visit http://www.Example.org/path now\r\n";
    ks_message m = {.id = "m", .label = 1, .kind = KS_MSG_MAIL, .data = raw,
                    .len = strlen(raw), .file = "m", .line = 0};
    ks_fvec v = extract(&c, m);
    cr_assert(has_index(&v, bucket(&c, "subject", "gr\xc3\xbc\x73\x73\x65")));
    cr_assert(has_index(&v, bucket(&c, "from", "alice")));
    cr_assert(has_index(&v, bucket(&c, "body", "visit")));
    cr_assert(has_index(&v, bucket(&c, "url", "www.example.org")));
    cr_assert(has_index(&v, bucket(&c, "url", "example.org")));
    /* filter verdict headers are not features */
    cr_assert(!has_index(&v, bucket(&c, "x-spam-status", "yes")));
    ks_fvec_free(&v);
}

static ks_message mail_msg(const char *raw)
{
    ks_message m = {.id = "m", .label = 0, .kind = KS_MSG_MAIL, .data = raw,
                    .len = strlen(raw), .file = "m", .line = 0};
    return m;
}

static int same_vec(const ks_fvec *a, const ks_fvec *b)
{
    if (a->n != b->n)
        return 0;
    for (uint32_t i = 0; i < a->n; i++)
        if (a->f[i].index != b->f[i].index || a->f[i].value != b->f[i].value)
            return 0;
    return 1;
}

Test(extract, headers_are_sender_fields_allheaders_the_rest)
{
    ks_feature_config c;
    ks_feature_config_default(&c);
    const char *raw = "Received: from relay.example.net\r\nFrom: bob@example.com\r\n"
                      "Reply-To: sales@example.biz\r\nSubject: hello\r\n\r\nbody\r\n";
    c.families = KS_FEAT_HEADERS;
    ks_fvec v = extract(&c, mail_msg(raw));
    cr_assert(has_index(&v, bucket(&c, "from", "bob")));
    cr_assert(has_index(&v, bucket(&c, "reply-to", "sales")));
    cr_assert(has_index(&v, bucket(&c, "subject", "hello")));
    cr_assert(!has_index(&v, bucket(&c, "received", "relay")));
    ks_fvec_free(&v);
    c.families = KS_FEAT_ALLHEADERS;
    v = extract(&c, mail_msg(raw));
    cr_assert(has_index(&v, bucket(&c, "received", "relay")));
    cr_assert(!has_index(&v, bucket(&c, "from", "bob")));
    cr_assert(!has_index(&v, bucket(&c, "subject", "hello")));
    ks_fvec_free(&v);
}

/* chargrams see the text (subject and decoded body), so two messages that
 * differ only in transport headers and transfer encoding give the same
 * chargrams; rawgrams see the raw bytes and differ. */
Test(extract, chargrams_of_the_text_rawgrams_of_the_raw_message)
{
    ks_feature_config c;
    ks_feature_config_default(&c);
    const char *a = "Received: from a.example\r\nSubject: cheap watches\r\n"
                    "Content-Type: text/plain\r\n\r\nbuy cheap watches today\r\n";
    const char *b = "Received: from another-relay.example.org by mx\r\nDate: Mon, 1 Jan 2024\r\n"
                    "Subject: cheap watches\r\nContent-Type: text/plain\r\n"
                    "Content-Transfer-Encoding: base64\r\n\r\nYnV5IGNoZWFwIHdhdGNoZXMgdG9kYXkNCg==\r\n";
    c.families = KS_FEAT_CHARGRAMS;
    ks_fvec va = extract(&c, mail_msg(a)), vb = extract(&c, mail_msg(b));
    cr_assert_gt(va.n, 10);
    cr_assert(same_vec(&va, &vb), "chargrams differ: %u vs %u features", va.n, vb.n);
    /* the CSV form of the same text: "Subject:" line, then the body */
    ks_fvec vt = extract(&c, text_msg("Subject: cheap watches\nbuy cheap watches today\r\n"));
    cr_assert_gt(vt.n, 10);
    ks_fvec_free(&va);
    ks_fvec_free(&vb);
    ks_fvec_free(&vt);
    c.families = KS_FEAT_RAWGRAMS;
    va = extract(&c, mail_msg(a));
    vb = extract(&c, mail_msg(b));
    cr_assert(!same_vec(&va, &vb));
    ks_fvec_free(&va);
    ks_fvec_free(&vb);
    /* only the first ngram_bytes of the text count */
    c.families = KS_FEAT_CHARGRAMS;
    c.ngram_bytes = 8;
    va = extract(&c, mail_msg(a));
    cr_assert_leq(va.n, 8 - 4 + 1);
    cr_assert_gt(va.n, 0);
    ks_fvec_free(&va);
}

/* The training view is the same message's features restricted to the
 * view's families, normalised on their own: what an extractor with only
 * those families gives. */
Test(extract, view_is_the_message_through_fewer_families)
{
    const char *raw = "Received: from relay.example.net by mx\r\nFrom: bob@example.com\r\n"
                      "Subject: cheap watches\r\nX-Mailer: Foo 1.0\r\n"
                      "Content-Type: text/html\r\n\r\n<p>Buy cheap watches at "
                      "<a href=\"http://shop.example.biz/x\">our shop</a> today</p>\r\n";
    ks_feature_config all, only;
    ks_extractor *ex;
    ks_fvec v = {0}, w = {0};
    ks_feature_config_default(&all);
    all.families = (1u << KS_FEAT_COUNT) - 1;
    all.view = KS_VIEW_DEFAULT;
    only = all;
    only.families = KS_VIEW_DEFAULT;
    only.view = 0;
    ks_message m = mail_msg(raw);
    cr_assert_eq(ks_extractor_new(&ex, &all), KS_OK);
    for (int round = 0; round < 2; round++) {   /* state does not leak between messages */
        cr_assert_eq(ks_extract(ex, &m, &v), KS_OK);
        ks_fvec full = extract(&all, m), want = extract(&only, m);
        cr_assert(same_vec(&v, &full), "the message's vector does not change");
        cr_assert_eq(ks_extract_view(ex, &w), KS_OK);
        cr_assert_gt(w.n, 10);
        cr_assert_lt(w.n, v.n);
        cr_assert(same_vec(&w, &want), "view %u features, extractor with the view's "
                  "families %u", w.n, want.n);
        cr_assert(!has_index(&w, bucket(&all, "received", "relay")));
        cr_assert(has_index(&v, bucket(&all, "received", "relay")));
        ks_fvec_free(&full);
        ks_fvec_free(&want);
    }
    ks_extractor_free(ex);
    /* no view in the settings; a view outside the families */
    cr_assert_eq(ks_extractor_new(&ex, &only), KS_OK);
    cr_assert_eq(ks_extract(ex, &m, &v), KS_OK);
    cr_assert_eq(ks_extract_view(ex, &w), KS_ERR_USAGE);
    ks_extractor_free(ex);
    only.view = KS_FEAT_RAWGRAMS;
    cr_assert_eq(ks_feature_config_check(&only), KS_ERR_USAGE);
    ks_fvec_free(&v);
    ks_fvec_free(&w);
}
