/* features.h - from a message to a hashed, signed, sparse feature vector.
 *
 * Chain (each stage testable alone): mail.h decodes raw mail into UTF-8
 * segments; tokenize.h splits and normalises (ASCII case fold, utf8proc
 * NFKC + case folding for non-ASCII runs); hash.h hashes every token, with
 * the header field name as prefix for header tokens; bow.h counts hashed
 * indices per message and turns counts into weights.
 *
 * The feature settings are saved inside every model, so validation and
 * incremental training extract exactly what initial training did.
 */
#ifndef KS_FEATURES_H
#define KS_FEATURES_H

#include <stddef.h>
#include <stdint.h>
#include "status.h"
#include "buf.h"
#include "dataset.h"
#include "mail.h"

/* Feature families (bits of ks_feature_config.families). Header fields
 * are split in two because they generalise differently: the subject and
 * sender fields say what a message is, while the rest (Received, Date,
 * Message-ID, X-*) mostly say where and when it was collected, which a
 * model learns as a shortcut that breaks on later mail (docs/design.md,
 * "Features under drift"). */
enum {
    KS_FEAT_WORDS = 1u << 0,     /* body word tokens */
    KS_FEAT_HEADERS = 1u << 1,   /* Subject, From, Reply-To, Return-Path,
                                    Sender tokens, prefixed by the field */
    KS_FEAT_BIGRAMS = 1u << 2,   /* adjacent word pairs */
    KS_FEAT_CHARGRAMS = 1u << 3, /* byte n-grams over the first bytes of
                                    the text: subject, then decoded body */
    KS_FEAT_URLS = 1u << 4,      /* URL hosts and their parent domains */
    KS_FEAT_META = 1u << 5,      /* length, charset, attachment, html hints */
    KS_FEAT_ALLHEADERS = 1u << 6,/* every other header field's tokens */
    KS_FEAT_RAWGRAMS = 1u << 7   /* byte n-grams over the first bytes of the
                                    raw message, headers included (TREC) */
};
#define KS_FEAT_COUNT 8
/* spam-train's default training view: the families that do not tell
 * which collection a message came from (docs/design.md, "Training views"). */
#define KS_VIEW_DEFAULT (KS_FEAT_WORDS | KS_FEAT_HEADERS | KS_FEAT_BIGRAMS | KS_FEAT_CHARGRAMS | \
                         KS_FEAT_URLS | KS_FEAT_META)
/* The families' names as --features spells them, index = bit number. */
extern const char *const ks_feature_family_names[KS_FEAT_COUNT];

enum { KS_WEIGHT_BINARY = 0, KS_WEIGHT_LOG = 1 };

typedef struct {
    uint32_t hash_bits;    /* 2^hash_bits buckets, 8..28 */
    uint32_t seed;         /* hash seed */
    uint32_t families;     /* KS_FEAT_* bits */
    uint32_t ngram_n;      /* byte n-gram length, 2..8 */
    uint32_t ngram_bytes;  /* byte n-grams over the first this many bytes */
    uint32_t max_token;    /* longer tokens become a length token (bytes) */
    uint32_t weighting;    /* KS_WEIGHT_BINARY or KS_WEIGHT_LOG (1+ln tf) */
    uint32_t normalize;    /* 1: scale each vector to unit L2 length */
    uint32_t view;         /* KS_FEAT_* bits of the training view, a subset
                              of families (0: none); see ks_extract_view() */
} ks_feature_config;

void ks_feature_config_default(ks_feature_config *c);
/* KS_OK, or KS_ERR_USAGE naming the setting out of range. */
ks_status ks_feature_config_check(const ks_feature_config *c);

/* One non-zero coordinate (liblinear's feature_node). */
typedef struct {
    uint32_t index;   /* bucket, 0 .. 2^hash_bits - 1 */
    float value;      /* signed weight */
} ks_feature;

/* A sparse vector, indices strictly ascending. Caller-owned; start at {0}. */
typedef struct {
    ks_feature *f;
    uint32_t n;
    uint32_t cap;
} ks_fvec;

void ks_fvec_free(ks_fvec *v);

/* Compact form (features/fvec.c): about 2 bytes a feature. Appends v's
 * encoding to out (a ks_buf from buf.h). */
ks_status ks_fvec_encode(const ks_fvec *v, ks_buf *out);
/* The same bytes, one feature at a time: the plain reference the fast
 * loop of ks_fvec_encode is tested against. */
ks_status ks_fvec_encode_ref(const ks_fvec *v, ks_buf *out);
/* Wide form: 2 bytes a feature, a fixed width that decodes several times
 * faster; for vectors read back many times from a temporary file
 * (model.bin keeps the compact form). The compact form when v's values
 * differ in magnitude or a gap between indices (the first index too) is
 * 2^15 or more. Every decoder below reads both. */
ks_status ks_fvec_encode_wide(const ks_fvec *v, ks_buf *out);
/* Decodes p[0..len) into out (caller-owned, reused). KS_ERR_FORMAT (no
 * detail) when the bytes are not a valid vector of dim buckets;
 * KS_ERR_NOMEM. */
ks_status ks_fvec_decode(const unsigned char *p, size_t len, uint32_t dim,
                         ks_fvec *out);
/* Decodes the vector at the start of p[0..len) and sets *used to its
 * size in bytes (a training example with a view is two vectors back to
 * back: the message's, then the view's). Errors as ks_fvec_decode(). */
ks_status ks_fvec_decode_first(const unsigned char *p, size_t len, uint32_t dim,
                               ks_fvec *out, size_t *used /* OUT */);
/* The same, one byte at a time with every check on every feature: the
 * plain reference the fast loop above is tested against. */
ks_status ks_fvec_decode_first_ref(const unsigned char *p, size_t len, uint32_t dim,
                                   ks_fvec *out, size_t *used /* OUT */);
/* The size in bytes of the vector at the start of p[0..len) (framing
 * only, nothing decoded), or 0 when p does not start with one. */
size_t ks_fvec_first_size(const unsigned char *p, size_t len);
/* The same, one varint at a time: the reference of the fast walk above. */
size_t ks_fvec_first_size_ref(const unsigned char *p, size_t len);
/* A training example's bytes: one vector, or two back to back (the
 * message's, then its training view's). Decodes the first into x and the
 * second, when there is one, into view; *pair tells which. view may be
 * NULL only when pair is not wanted (then a second vector is an error). */
ks_status ks_example_decode(const unsigned char *p, size_t len, uint32_t dim,
                            ks_fvec *x, ks_fvec *view, int *pair /* OUT */);
/* Whether the example's bytes are its vector, or vector and view, all in
 * the wide form (framing only, nothing decoded). */
int ks_example_wide(const unsigned char *p, size_t len);

typedef struct ks_extractor ks_extractor;

ks_status ks_extractor_new(ks_extractor **out /* OUT */,
                           const ks_feature_config *c);
/* Replaces *out with msg's features. Fails only on limits or memory. */
ks_status ks_extract(ks_extractor *ex, const ks_message *msg,
                     ks_fvec *out /* OUT */);
/* The training view of the message last given to ks_extract() (which
 * must have succeeded): the same features restricted to the families of
 * cfg.view, normalised on their own. Training on both views of every
 * message keeps a model from leaning only on the families that identify
 * where mail came from (docs/design.md, "Training views"). KS_ERR_USAGE
 * when the settings have no view. */
ks_status ks_extract_view(ks_extractor *ex, ks_fvec *out /* OUT */);
/* MIME nesting depth and part count allowed per message (mail.h); lim
 * NULL restores the defaults. Not part of the feature settings (so not
 * saved in the model): a run-time guard, like --max-message. A message
 * over a limit makes ks_extract() return KS_ERR_LIMIT with a detail. */
void ks_extractor_set_limits(ks_extractor *ex, const ks_mail_limits *lim);
/* A new extractor with ex's settings and limits: the same output for every
 * message (an extractor is one thread's at a time; app/prefetch.c gives a
 * second thread its own). */
ks_status ks_extractor_clone(ks_extractor **out /* OUT */, const ks_extractor *ex);
void ks_extractor_free(ks_extractor *ex);   /* NULL is a no-op */

#endif
