/* model_internal.h - the ks_model struct, shared by model.c (training) and
 * model_io.c (the model folder), and visible to the unit tests that check
 * the optimiser state bit for bit. Not a public header: programs use
 * include/ks/model.h only.
 */
#ifndef KS_MODEL_INTERNAL_H
#define KS_MODEL_INTERNAL_H

#include "ks/model.h"

/* Model file format version written and read by this program. */
#define KS_MODEL_FORMAT_VERSION 3u   /* 2: algo, family_crc; 3: calibration */

/* One kept example, encoded (replay.c): bytes [off, off + len) of the
 * model's replay arena. */
typedef struct {
    size_t off;                /* offset in replay_arena */
    uint32_t len;              /* bytes */
    unsigned char label;       /* 0 ham, 1 spam */
} ks_replay_slot;

struct ks_model {
    ks_feature_config fc;      /* feature settings (fixed for life) */
    ks_train_config tc;        /* FTRL settings (fixed for life) */
    uint32_t dim;              /* 2^fc.hash_bits coordinates */
    float *zn;                 /* FTRL state per coordinate, interleaved:
                                  zn[2i] = z_i, zn[2i+1] = n_i (the sum
                                  of squared gradients), so a learning
                                  step's random access to a coordinate
                                  touches one cache line, not two;
                                  2 x dim entries (KS_Z, KS_N) */
    double bias_z;             /* z of the unregularised bias coordinate */
    double bias_n;             /* n of the bias coordinate */
    double threshold;          /* decision threshold on p(spam) */
    ks_calibration cal;        /* margin -> p(spam), threshold rule */
    ks_history_entry *hist;    /* training sessions, oldest first */
    size_t nhist;              /* entries in hist */
    size_t cap_hist;           /* entries allocated */
    uint32_t checksum;         /* CRC32 of model.bin last loaded/saved */
    uint32_t parent;           /* checksum of the model this came from */
    ks_replay_slot *replay;    /* reservoir examples, tc.replay slots */
    uint32_t nreplay;          /* slots filled */
    unsigned char *replay_arena;   /* the examples' bytes, back to back
                                      (one block: no allocator
                                      fragmentation from replacements) */
    size_t arena_used;         /* bytes of the arena handed out */
    size_t arena_cap;          /* bytes allocated */
    size_t arena_dead;         /* bytes of replaced examples (compaction
                                  gives them back) */
    struct ks_replay_file *rfile;   /* the arena in a temporary file
                                       instead of replay_arena, or NULL
                                       (replay.c, ks_model_replay_spill) */
    size_t replay_max;         /* byte bound of the reservoir; 0:
                                  KS_REPLAY_BYTES (tests set a smaller one) */
    int replay_skipped;        /* loaded by ks_model_load_scoring: the
                                  file's reservoir was not kept */
    uint64_t replay_seen;      /* examples offered so far, all sessions */
    uint64_t replay_rng;       /* splitmix64 state of the reservoir */
    float *wf;                 /* the hinge loss's shortcut (model.c,
                                  outside_margin): every coordinate's
                                  weight rounded to float, kept in step
                                  with zn by the learning steps; NULL
                                  until the first hinge step needs it,
                                  and after ks_model_state_changed */
    int wf_failed;             /* no memory for wf: the exact path only */
    uint64_t steps;            /* learning steps that changed the state
                                  (ks_model_steps) */
    double *learn_tmp;         /* ks_model_learn's scratch: weights, then
                                  sqrt(n), learn_cap of each */
    uint32_t learn_cap;
};

/* Coordinate i's z and n (lvalues). */
#define KS_Z(m, i) ((m)->zn[2 * (size_t)(i)])
#define KS_N(m, i) ((m)->zn[2 * (size_t)(i) + 1])

/* Frees the reservoir (model.c's ks_model_free calls it). */
void ks_model_replay_free(ks_model *m);
/* Copies an encoded example into slot i <= nreplay. The loader uses it
 * after checking the bytes with ks_fvec_decode. */
ks_status ks_model_replay_put(ks_model *m, uint32_t i, const void *data,
                              size_t len, int label);
/* Room in the arena for `count` more examples of `bytes` in all (the
 * loader: a loaded reservoir takes exactly its size). */
ks_status ks_model_replay_reserve(ks_model *m, uint32_t count, size_t bytes);


/* To call after writing zn or the bias other than by ks_model_learn (the
 * tests do): drops the float weights, rebuilt from zn when next needed. */
void ks_model_state_changed(ks_model *m);

/* KS_OK, or KS_ERR_USAGE naming the training setting out of range. */
ks_status ks_train_config_check(const ks_train_config *c);

/* A model with zero state for fc/tc, without checking either (the loader
 * checks them itself, with its own error code). */
ks_status ks_model_alloc(ks_model **out, const ks_feature_config *fc,
                         const ks_train_config *tc);

/* The feature settings field by field, in file order: the binary file,
 * model.json and ks_model_check_compatible all walk this one table, so a
 * new setting cannot be forgotten in one of them. */
#define KS_FC_NFIELDS 8
typedef struct {
    const char *name;   /* as in model.json and error details */
    size_t off;         /* offsetof in ks_feature_config (a uint32_t) */
} ks_fc_field;
extern const ks_fc_field ks_model_fc_fields[KS_FC_NFIELDS];
uint32_t ks_model_fc_get(const ks_feature_config *c, int k);
void ks_model_fc_set(ks_feature_config *c, int k, uint32_t v);

#endif
