/* dataset.h - a dataset is a folder; find what is in it and stream its
 * labelled messages.
 *
 * Formats (detected in this order unless opts->format says which):
 *   KS_FMT_TREC  an `index` file at the top, lines "spam ../data/inmail.1"
 *                (label ham|spam, path relative to the index's folder);
 *   KS_FMT_CSV   any *.csv (or *.csv.gz) in the folder, sorted by name, with
 *                a header naming a text column ("text") and a label column
 *                ("label_num" 0/1, else "label" ham/spam/0/1); optional id
 *                column ("Unnamed: 0", or an empty first header name).
 *                RFC 4180 quoting, multi-line fields, CRLF; a field that is
 *                not valid UTF-8 is read as latin-1 (windows-1252);
 *   KS_FMT_MAIL  files under folders named ham/ and spam/ at any depth
 *                (maildir cur/ new/ included): one raw RFC 822 message per
 *                file, or an mbox (a file whose name is mbox or ends in
 *                .mbox/.mbx, or that starts with a From_ line and holds more
 *                From_ lines, as mbox.h defines them) split into messages;
 *                a maildir's tmp/ is skipped; symlinks are followed, with
 *                folder loops cut (see dataset_list.c).
 * Any file may be gzip-compressed (*.gz): it is read as a zlib stream and
 * classified by its name without .gz. Hidden files (.*) are ignored.
 *
 * Records that cannot be used (bad label, empty text, too large, unreadable
 * message file, corrupt gzip member) are skipped and counted by reason;
 * ks_dataset_next() fails only when the dataset as a whole cannot be read
 * (missing folder, no recognised format, a CSV without the needed columns,
 * a CSV whose quoting never closes, an I/O error).
 *
 * Memory: one message (bounded by max_message / max_field) plus the list of
 * file names; never the whole dataset.
 *
 * Order: files sorted by byte-wise path (TREC: the index order, which is
 * the corpus chronology), records of a file in file order. Ids: see
 * ks_message; a file that starts with a From_ line but holds one message
 * keeps the plain path as id. A CSV id column with an empty value gives
 * the row number. Errors while reading a message file are skips; errors on
 * a CSV (I/O, corrupt gzip, gzip over max_gz_ratio: KS_ERR_LIMIT) fail the
 * pass, and next() keeps returning that error until ks_dataset_rewind().
 *
 * Threads: a dataset handle is used by one thread at a time; distinct
 * handles are independent.
 */
#ifndef KS_DATASET_H
#define KS_DATASET_H

#include <stddef.h>
#include <stdint.h>
#include "status.h"

typedef enum {
    KS_FMT_AUTO = 0,
    KS_FMT_CSV,
    KS_FMT_MAIL,
    KS_FMT_TREC,
    KS_FMT_LIBSVM   /* *.svm / *.libsvm (or .gz) at the top: feature
                       vectors, one "label index:value ..." line each
                       (libsvm.h); messages are KS_MSG_VECTOR */
} ks_format;

/* "auto", "csv", "mail", "trec", "libsvm"; NULL for an unknown value. */
const char *ks_format_name(ks_format f);
/* Parses a --format value; returns KS_ERR_USAGE for an unknown name. */
ks_status ks_format_parse(const char *name, ks_format *out /* OUT */);

typedef enum {
    KS_MSG_TEXT = 0,   /* plain UTF-8 text (CSV "text" column) */
    KS_MSG_MAIL = 1,   /* raw RFC 822 message bytes, any charset */
    KS_MSG_VECTOR = 2  /* a LIBSVM line's "index:value ..." part (label,
                          qid and comment removed): ks_extract parses it
                          into the vector as given (libsvm.h) */
} ks_msg_kind;

typedef struct {
    const char *id;    /* CSV id column (or 1-based row number), or the
                          path relative to the dataset folder, with "#N"
                          (1-based) for the Nth message of an mbox */
    int label;         /* 0 = ham, 1 = spam */
    ks_msg_kind kind;
    const char *data;  /* message bytes; data[len] == '\0' */
    size_t len;
    const char *file;  /* path of the file it came from (for errors) */
    long line;         /* 1-based line in that file where it starts, or 0 */
} ks_message;          /* all pointers valid until the next call on the
                          dataset (next, rewind, free); owned by the
                          dataset: copy what must outlive that */

enum {
    KS_SKIP_BAD_LABEL = 0,  /* label not 0/1/ham/spam, or columns disagree */
    KS_SKIP_EMPTY,          /* empty text / empty message */
    KS_SKIP_TOO_LARGE,      /* over max_message or max_field */
    KS_SKIP_UNREADABLE,     /* message file could not be opened or read */
    KS_SKIP_BAD_GZIP,       /* corrupt gzip data, or over max_gz_ratio */
    KS_SKIP_MALFORMED,      /* CSV row with a wrong number of fields, bad
                               TREC index line */
    KS_SKIP_COUNT
};
/* "bad_label", "empty", "too_large", "unreadable", "bad_gzip", "malformed" */
const char *ks_skip_reason_name(int reason);

typedef struct {
    ks_format format;       /* KS_FMT_AUTO to detect */
    uint64_t max_message;   /* bytes of one message (default 64 MiB) */
    uint64_t max_field;     /* bytes of one CSV field (default 64 MiB) */
    uint32_t max_gz_ratio;  /* decompressed/compressed bytes (default 1000) */
} ks_dataset_opts;

void ks_dataset_opts_default(ks_dataset_opts *o);

typedef struct {
    ks_format format;              /* what was detected or forced */
    uint64_t files;                /* data files opened (this pass); a
                                      file that cannot be opened is not
                                      counted here but as unreadable */
    uint64_t bytes;                /* input bytes read, compressed (this pass) */
    uint64_t messages;             /* messages returned (this pass) */
    uint64_t per_class[2];         /* messages returned by label */
    uint64_t skipped[KS_SKIP_COUNT];
    uint64_t skipped_total;
} ks_dataset_stats;

typedef struct ks_dataset ks_dataset;

/* Opens dir (opts may be NULL). Fails with KS_ERR_IO when dir cannot be
 * read, KS_ERR_FORMAT when no format is recognised. */
ks_status ks_dataset_open(ks_dataset **out /* OUT */, const char *dir,
                          const ks_dataset_opts *opts);

/* Next message: KS_OK (msg filled), KS_DONE at the end, < 0 on error. */
ks_status ks_dataset_next(ks_dataset *ds, ks_message *msg /* OUT */);

/* Starts a new pass and zeroes the stats. seed 0: files in sorted order;
 * otherwise files in an order shuffled by seed (records inside one file keep
 * their order). */
ks_status ks_dataset_rewind(ks_dataset *ds, uint64_t seed);

const ks_dataset_stats *ks_dataset_stats_get(const ks_dataset *ds);

/* Entries in the dataset's file list (data files; TREC: index lines):
 * what a pass walks and ks_dataset_rewind shuffles. */
size_t ks_dataset_files(const ks_dataset *ds);
/* The list index (0 .. files-1, in sorted order) of the file the message
 * last returned by ks_dataset_next came from. */
size_t ks_dataset_source(const ks_dataset *ds);
/* Fills order[0 .. files) with the list indices in the order a pass after
 * ks_dataset_rewind(ds, seed) reads them (the pass is not touched). With
 * ks_dataset_source, a caller that kept each file's records of one pass
 * can replay any later pass in exactly the dataset's order. */
void ks_dataset_order(const ks_dataset *ds, uint64_t seed, size_t *order /* OUT */);

/* Total size in bytes of the dataset's data files (as stored). */
uint64_t ks_dataset_size(const ks_dataset *ds);

void ks_dataset_free(ks_dataset *ds);   /* NULL is a no-op */

#endif
