/* extract.c - message -> hashed feature vector (see features.h).
 *
 * Every feature is a hash of a token under a seed that names its family:
 * body words under the body seed, header words under a seed derived from
 * the field name (so "free" in Subject: and in the body are different
 * features), URL hosts under the URL seed, and so on. All families share
 * one 2^hash_bits space.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include "ks/alloc.h"
#include "ks/bow.h"
#include "ks/features.h"
#include "ks/hash.h"
#include "ks/libsvm.h"
#include "ks/mail.h"
#include "ks/tokenize.h"

const char *const ks_feature_family_names[KS_FEAT_COUNT] = {
    "words", "headers", "bigrams", "chargrams", "urls", "meta", "allheaders", "rawgrams"};

void ks_feature_config_default(ks_feature_config *c)
{
    c->hash_bits = 20;
    c->seed = 0x6b73u;
    c->families = (1u << KS_FEAT_COUNT) - 1;   /* all (docs/design.md, "Training views") */
    c->ngram_n = 4;
    c->ngram_bytes = 3000;
    c->max_token = 40;
    c->weighting = KS_WEIGHT_BINARY;
    c->normalize = 1;
    c->view = 0;
}

ks_status ks_feature_config_check(const ks_feature_config *c)
{
    const uint32_t all = (1u << KS_FEAT_COUNT) - 1;
    if (c->hash_bits < 8 || c->hash_bits > 28)
        return ks_fail(KS_ERR_USAGE, "hash_bits %u out of range 8..28", c->hash_bits);
    if (!c->families || (c->families & ~all))
        return ks_fail(KS_ERR_USAGE, "feature families 0x%x invalid", c->families);
    if (c->ngram_n < 2 || c->ngram_n > 8)
        return ks_fail(KS_ERR_USAGE, "ngram_n %u out of range 2..8", c->ngram_n);
    if (c->ngram_bytes > (1u << 24))
        return ks_fail(KS_ERR_USAGE, "ngram_bytes %u out of range 0..16777216", c->ngram_bytes);
    if (c->max_token < 1 || c->max_token > 1024)
        return ks_fail(KS_ERR_USAGE, "max_token %u out of range 1..1024", c->max_token);
    if (c->weighting > KS_WEIGHT_LOG)
        return ks_fail(KS_ERR_USAGE, "weighting %u unknown", c->weighting);
    if (c->normalize > 1)
        return ks_fail(KS_ERR_USAGE, "normalize %u not 0 or 1", c->normalize);
    if (c->view & ~c->families)
        return ks_fail(KS_ERR_USAGE, "view families 0x%x are not all among the features 0x%x",
                       c->view, c->families);
    return KS_OK;
}

void ks_fvec_free(ks_fvec *v)
{
    ks_free(v->f);
    v->f = NULL;
    v->n = v->cap = 0;
}

struct ks_extractor {
    ks_feature_config cfg;
    ks_tokenizer *tok;
    ks_bow *bow;
    ks_bow *vbow;          /* the training view (cfg.view), or NULL */
    ks_hashes skip;        /* view: [start, end) pairs of hashes outside it */
    int viewed;            /* vbow holds the last message's view */
    uint32_t seed_body, seed_url, seed_meta, seed_gram, seed_raw, seed_hdr;
    ks_buf text;           /* CHARGRAMS: the first ngram_bytes of the text */
    unsigned longs[17];    /* runs too long to be words, by length class */
    ks_status err;         /* first failure inside a callback */
    unsigned urls, html, attachments, bodies;
    size_t body_bytes;
    ks_mail_limits lim;    /* MIME depth and part limits (not in the model) */
};

static uint32_t family_seed(uint32_t seed, const char *name)
{
    return ks_hash32(name, strlen(name), seed);
}

ks_status ks_extractor_new(ks_extractor **out, const ks_feature_config *c)
{
    ks_status st = ks_feature_config_check(c);
    ks_extractor *ex;
    *out = NULL;
    if (st != KS_OK)
        return st;
    if (!(ex = ks_calloc(1, sizeof *ex)))
        return ks_fail(KS_ERR_NOMEM, "out of memory for the feature extractor");
    ex->cfg = *c;
    if ((st = ks_tokenizer_new(&ex->tok, c->max_token)) != KS_OK ||
        (st = ks_bow_new(&ex->bow, c->hash_bits)) != KS_OK ||
        (c->view && (st = ks_bow_new(&ex->vbow, c->hash_bits)) != KS_OK)) {
        ks_extractor_free(ex);
        return st;
    }
    ex->seed_body = family_seed(c->seed, "body");
    ex->seed_url = family_seed(c->seed, "url");
    ex->seed_meta = family_seed(c->seed, "meta");
    ex->seed_gram = family_seed(c->seed, "gram");
    ex->seed_raw = family_seed(c->seed, "rawgram");
    ex->seed_hdr = family_seed(c->seed, "header");
    ks_mail_limits_default(&ex->lim);
    *out = ex;
    return KS_OK;
}

void ks_extractor_set_limits(ks_extractor *ex, const ks_mail_limits *lim)
{
    if (lim)
        ex->lim = *lim;
    else
        ks_mail_limits_default(&ex->lim);
}

ks_status ks_extractor_clone(ks_extractor **out, const ks_extractor *ex)
{
    ks_status st = ks_extractor_new(out, &ex->cfg);
    if (st == KS_OK)
        (*out)->lim = ex->lim;
    return st;
}

void ks_extractor_free(ks_extractor *ex)
{
    if (!ex)
        return;
    ks_tokenizer_free(ex->tok);
    ks_bow_free(ex->bow);
    ks_bow_free(ex->vbow);
    ks_hashes_free(&ex->skip);
    ks_buf_free(&ex->text);
    ks_free(ex);
}

static void add(ks_extractor *ex, uint32_t h)
{
    if (ex->err == KS_OK)
        ex->err = ks_bow_add(ex->bow, h);
}

/* The hashes added since `start` are of family fam: with a view that
 * leaves fam out, they are recorded as a range to skip. */
static void mark(ks_extractor *ex, uint32_t fam, size_t start)
{
    size_t end = ks_bow_count(ex->bow);
    ks_hashes *k = &ex->skip;
    ks_status st;
    if (!ex->cfg.view || (ex->cfg.view & fam) || end <= start)
        return;
    if (k->n && k->h[k->n - 1] == start) {   /* extends the last range */
        k->h[k->n - 1] = (uint32_t)end;
        return;
    }
    if ((st = ks_hashes_reserve(k, 2)) != KS_OK) {
        if (ex->err == KS_OK)
            ex->err = st;
        return;
    }
    k->h[k->n++] = (uint32_t)start;
    k->h[k->n++] = (uint32_t)end;
}

static void add_meta(ks_extractor *ex, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void add_meta(ks_extractor *ex, const char *fmt, ...)
{
    char s[160];
    va_list ap;
    int n;
    if (!(ex->cfg.families & KS_FEAT_META))
        return;
    va_start(ap, fmt);
    n = vsnprintf(s, sizeof s, fmt, ap);
    va_end(ap);
    if (n > (int)sizeof s - 1)
        n = (int)sizeof s - 1;
    size_t start = ks_bow_count(ex->bow);
    add(ex, ks_hash32(s, (size_t)n, ex->seed_meta));
    mark(ex, KS_FEAT_META, start);
}

/* A run too long to be a word: only its length class is kept (as a meta
 * feature, added at the end of the message: the token hashes are being
 * appended while this runs). */
static void on_long(void *ctx, const char *tok, size_t len, int is_long)
{
    ks_extractor *ex = ctx;
    ex->longs[len < 64 ? len / 8 : len < 1024 ? 8 + len / 128 : 16]++;
}

/* The tokens of s, hashed under seed straight into the bag (the batch
 * path of tokenize.h), and with bigrams (body text: the words family)
 * the pairs of adjacent word hashes (a long run between two words does
 * not break their pair). Header tokens are marked by the caller. */
static void tokenize(ks_extractor *ex, const char *s, size_t len, uint32_t seed,
                     int bigrams)
{
    ks_hashes *hs = ks_bow_hashes(ex->bow);
    size_t first = hs->n, m = 0;
    ks_status st = ks_tokenize_hash(ex->tok, s, len, seed, hs, on_long, ex);
    if (bigrams)
        mark(ex, KS_FEAT_WORDS, first);
    if (st == KS_OK && bigrams && (ex->cfg.families & KS_FEAT_BIGRAMS) &&
        (m = hs->n - first) > 1 && (st = ks_hashes_reserve(hs, m - 1)) == KS_OK) {
        const uint32_t *w = hs->h + first;
        uint32_t *o = hs->h + hs->n;
        for (size_t i = 0; i + 1 < m; i++)
            o[i] = ks_hash_pair(w[i], w[i + 1]);
        hs->n += m - 1;
        mark(ex, KS_FEAT_BIGRAMS, first + m);
    }
    if (st != KS_OK && ex->err == KS_OK)
        ex->err = st;
}

/* The family of a header field (name lower-cased): 0 for fields added by
 * other filters, which would let a model learn their verdict. */
static uint32_t header_family(const char *name)
{
    static const char *const verdict[] = {"x-spam", "x-bogosity", "x-dspam", "x-crm114"};
    static const char *const sender[] = {"subject", "from", "reply-to", "return-path", "sender"};
    for (size_t i = 0; i < sizeof verdict / sizeof *verdict; i++)
        if (!strncmp(name, verdict[i], strlen(verdict[i])))
            return 0;
    for (size_t i = 0; i < sizeof sender / sizeof *sender; i++)
        if (!strcmp(name, sender[i]))
            return KS_FEAT_HEADERS;
    return KS_FEAT_ALLHEADERS;
}

/* Keeps the first ngram_bytes of the message text for CHARGRAMS. */
static void keep_text(ks_extractor *ex, const char *s, size_t len)
{
    size_t room;
    ks_status st;
    if (!(ex->cfg.families & KS_FEAT_CHARGRAMS) || ex->text.len >= ex->cfg.ngram_bytes)
        return;
    room = ex->cfg.ngram_bytes - ex->text.len;
    if ((st = ks_buf_append(&ex->text, s, len < room ? len : room)) != KS_OK && ex->err == KS_OK)
        ex->err = st;
}

/* Header values also hold addresses, host names and IP addresses whose
 * whole form says more than their parts ("mail.example.com",
 * "10.1.2.3"): emit every run without blanks or brackets that holds a '.'
 * or '@', lower-cased, as one more token of the field. */
static void header_words(ks_extractor *ex, const char *s, size_t len, uint32_t seed)
{
    char w[128];
    size_t i = 0;
    while (i < len) {
        size_t n = 0, start;
        int dotted = 0;
        while (i < len && strchr(" \t\r\n<>()[]\";,'", s[i]))
            i++;
        start = i;
        while (i < len && !strchr(" \t\r\n<>()[]\";,'", s[i])) {
            dotted |= s[i] == '.' || s[i] == '@';
            if (n < sizeof w)
                w[n++] = (char)tolower((unsigned char)s[i]);
            i++;
        }
        while (n && (w[n - 1] == '.' || w[n - 1] == ':'))
            n--;
        if (dotted && i - start <= sizeof w && n > 1)
            add(ex, ks_hash32(w, n, seed ^ 0x2e2e2e2eu));
    }
}

static void on_header(ks_extractor *ex, const char *name, const char *text, size_t len)
{
    uint32_t seed, fam;
    size_t start = ks_bow_count(ex->bow);
    if (!strcmp(name, "subject")) {   /* the text starts with the subject */
        keep_text(ex, text, len);
        keep_text(ex, "\n", 1);
    }
    /* without the header families (the words-only set) the field's name
     * is not looked at: no string compares per message */
    if (!(ex->cfg.families & (KS_FEAT_HEADERS | KS_FEAT_ALLHEADERS)) ||
        !(ex->cfg.families & (fam = header_family(name))))
        return;
    add(ex, ks_hash32(name, strlen(name), ex->seed_hdr));   /* field present */
    seed = family_seed(ex->cfg.seed, name);
    tokenize(ex, text, len, seed, 0);
    header_words(ex, text, len, seed);
    mark(ex, fam, start);
}

/* URL host, lower-cased, and its parent domains down to two labels. */
static void on_url(ks_extractor *ex, const char *url, size_t len)
{
    char host[256];
    size_t i = 0, n = 0;
    const char *p = memmem(url, len, "://", 3);
    if (p)
        i = (size_t)(p - url) + 3;
    for (size_t k = i; k < len && !strchr("/?#", url[k]); k++)
        if (url[k] == '@')
            i = k + 1;   /* drop user:password@ */
    while (i < len && n < sizeof host - 1 && !strchr("/?#:\\ \t\r\n\"'<>", url[i]))
        host[n++] = (char)tolower((unsigned char)url[i++]);
    while (n && host[n - 1] == '.')
        n--;
    host[n] = '\0';
    ex->urls++;
    if (!n || !(ex->cfg.families & KS_FEAT_URLS))
        return;
    size_t start = ks_bow_count(ex->bow);
    for (char *d = host; d;) {
        add(ex, ks_hash32(d, strlen(d), ex->seed_url));
        d = strchr(d, '.');
        if (d && !strchr(++d, '.'))
            break;   /* stop at the registrable-looking last two labels */
    }
    mark(ex, KS_FEAT_URLS, start);
}

static int mail_sink(void *ctx, ks_seg_kind kind, const char *name,
                     const char *text, size_t len)
{
    ks_extractor *ex = ctx;
    switch (kind) {
    case KS_SEG_HEADER:
        on_header(ex, name ? name : "", text, len);
        break;
    case KS_SEG_BODY:
        ex->bodies++;
        ex->body_bytes += len;
        if (name && !strcmp(name, "html"))
            ex->html++;
        if (ex->cfg.families & KS_FEAT_WORDS)
            tokenize(ex, text, len, ex->seed_body, 1);
        keep_text(ex, text, len);
        break;
    case KS_SEG_URL:
        on_url(ex, text, len);
        break;
    case KS_SEG_ATTACH:
        ex->attachments++;
        add_meta(ex, "attach:%s", name ? name : "");
        break;
    }
    return ex->err != KS_OK;
}

/* Byte n-grams over the first ngram_bytes of s, as the TREC spam track's
 * best filters did: robust to obfuscation and odd spellings. CHARGRAMS runs
 * over the decoded text (subject, then body parts as decoded), RAWGRAMS over
 * the raw message, headers included, as the track's filters did. */
static void chargrams(ks_extractor *ex, const char *s, size_t len, uint32_t seed,
                      uint32_t fam)
{
    size_t n = ex->cfg.ngram_n, end = len < ex->cfg.ngram_bytes ? len : ex->cfg.ngram_bytes;
    const unsigned char *p = (const unsigned char *)s;
    ks_hashes *hs = ks_bow_hashes(ex->bow);
    uint64_t mask = n >= 8 ? ~0ull : (1ull << (8 * n)) - 1, w;
    size_t m, i = 0;
    ks_status st;
    if (end < n)
        return;
    m = end - n + 1;   /* windows p[i .. i + n), i < m */
    if ((st = ks_hashes_reserve(hs, m)) != KS_OK) {
        if (ex->err == KS_OK)
            ex->err = st;
        return;
    }
    uint32_t *o = hs->h + hs->n;
    for (; i < m && i + 8 <= len; i++) {   /* whole 8-byte loads inside s */
        memcpy(&w, p + i, 8);
        o[i] = ks_hash_gram(w & mask, seed);
    }
    for (; i < m; i++) {   /* the last few windows, byte by byte */
        w = 0;
        for (size_t k = 0; k < n; k++)
            w |= (uint64_t)p[i + k] << (8 * k);
        o[i] = ks_hash_gram(w, seed);
    }
    hs->n += m;
    mark(ex, fam, hs->n - m);
}

/* Plain text (the example's CSV): a first line "Subject: ..." is a header. */
static void text_message(ks_extractor *ex, const char *s, size_t len)
{
    if (len >= 8 && !strncasecmp(s, "subject:", 8)) {
        const char *eol = memchr(s, '\n', len);
        size_t l = eol ? (size_t)(eol - s) : len;
        on_header(ex, "subject", s + 8, l - 8);
        s += l;
        len -= l;
    }
    mail_sink(ex, KS_SEG_BODY, "plain", s, len);
}

/* The view's hashes: all but the skipped ranges (in order, disjoint). */
static ks_status copy_view(ks_extractor *ex)
{
    const ks_hashes *all = ks_bow_hashes(ex->bow);
    ks_hashes *v = ks_bow_hashes(ex->vbow);
    size_t at = 0;
    ks_status st = ks_hashes_reserve(v, all->n);
    if (st != KS_OK)
        return st;
    for (size_t k = 0; k <= ex->skip.n; k += 2) {
        size_t end = k < ex->skip.n ? ex->skip.h[k] : all->n;
        memcpy(v->h + v->n, all->h + at, (end - at) * sizeof *v->h);
        v->n += end - at;
        if (k < ex->skip.n)
            at = ex->skip.h[k + 1];
    }
    return KS_OK;
}

static unsigned log2_bucket(size_t n)
{
    unsigned b = 0;
    while (n > 1 && b < 30) {
        n >>= 1;
        b++;
    }
    return b;
}

ks_status ks_extract(ks_extractor *ex, const ks_message *msg, ks_fvec *out)
{
    ks_status st = KS_OK;
    ex->viewed = 0;
    if (msg->kind == KS_MSG_VECTOR)   /* already features: as given */
        return ks_libsvm_vector(msg->data, msg->len, ex->cfg.hash_bits, out);
    ks_bow_reset(ex->bow);
    if (ex->vbow)
        ks_bow_reset(ex->vbow);
    ex->skip.n = 0;
    memset(ex->longs, 0, sizeof ex->longs);
    ex->err = KS_OK;
    ex->urls = ex->html = ex->attachments = ex->bodies = 0;
    ex->body_bytes = 0;
    ks_buf_clear(&ex->text);
    if (msg->kind == KS_MSG_MAIL)
        st = ks_mail_decode(msg->data, msg->len, &ex->lim, mail_sink, ex);
    else
        text_message(ex, msg->data, msg->len);
    if (st != KS_OK)
        return st;
    if (ex->err != KS_OK)
        return ex->err;
    if (ex->cfg.families & KS_FEAT_CHARGRAMS)
        chargrams(ex, ex->text.data, ex->text.len, ex->seed_gram, KS_FEAT_CHARGRAMS);
    if (ex->cfg.families & KS_FEAT_RAWGRAMS)
        chargrams(ex, msg->data, msg->len, ex->seed_raw, KS_FEAT_RAWGRAMS);
    if (ex->cfg.families & KS_FEAT_META) {   /* (add_meta() checks it too) */
        for (unsigned c = 0; c < sizeof ex->longs / sizeof *ex->longs; c++)
            for (unsigned k = 0; k < ex->longs[c]; k++)
                add_meta(ex, "long:%u", c);
        add_meta(ex, "bodylen:%u", log2_bucket(ex->body_bytes));
        add_meta(ex, "urls:%u", ex->urls < 16 ? ex->urls : 16);
        add_meta(ex, "html:%u", ex->html ? 1 : 0);
        if (!ex->bodies)
            add_meta(ex, "nobody");
    }
    if (ex->err != KS_OK)
        return ex->err;
    if (ex->vbow && (st = copy_view(ex)) != KS_OK)
        return st;
    ex->viewed = ex->vbow != NULL;
    return ks_bow_finish(ex->bow, ex->cfg.weighting, (int)ex->cfg.normalize, out);
}

ks_status ks_extract_view(ks_extractor *ex, ks_fvec *out)
{
    if (!ex->viewed)
        return ks_fail(KS_ERR_USAGE, ex->vbow ? "no view: the last message was a vector"
                                              : "the feature settings have no training view");
    return ks_bow_finish(ex->vbow, ex->cfg.weighting, (int)ex->cfg.normalize, out);
}
