/* dataset.c - open a dataset folder and stream its labelled messages
 * (dataset.h is the contract; dataset_list.c finds the files).
 *
 * Iteration is a loop over the file list (in `order`) with at most one open
 * source at a time: a CSV reader or an mbox splitter over the one input
 * stream, whose records are handed out one per ks_dataset_next() call. A
 * plain message file is read whole into `text` (up to max_message + 1
 * bytes, so a huge file costs at most that much reading before it is
 * skipped) and handed out at once.
 *
 * A mail file is split as an mbox when its name (without .gz) is "mbox" or
 * ends in .mbox/.mbx, or when it starts with "From ". In the latter case a
 * file that turns out to hold one message keeps the id "path"; otherwise
 * the Nth message gets "path#N". Errors while reading one message file
 * (unreadable, corrupt gzip, gzip over the ratio limit) skip that file and
 * are counted; the same errors on a CSV fail the pass, since a CSV is the
 * whole dataset rather than one message of it. A failure is sticky: next()
 * returns it again until ks_dataset_rewind().
 *
 * Shuffling (rewind with a seed != 0) permutes the file list, starting from
 * the sorted order each time, with Fisher-Yates driven by splitmix64, so a
 * (list, seed) pair always gives the same order on every platform.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include "ks/alloc.h"
#include "ks/charset.h"
#include "ks/csv.h"
#include "ks/instream.h"
#include "ks/libsvm.h"
#include "ks/mbox.h"
#include "dataset_int.h"

#define DEFAULT_MAX (64ull << 20)
#define AGAIN 2   /* internal: record skipped, read the next one */

enum { SRC_NONE, SRC_CSV, SRC_MBOX, SRC_LIBSVM };

typedef struct {
    long text, label, label_num, id;   /* column index, -1 if absent */
    size_t ncols;                      /* fields in the header */
} csv_cols;

struct ks_dataset {
    char *dir;                 /* the dataset folder as given */
    ks_dataset_opts opts;
    ks_ds_list list;           /* data files, sorted (TREC: index order) */
    size_t *order;             /* this pass's order of list entries */
    size_t pos;                /* next index into order */
    ks_dataset_stats st;
    ks_status failed;          /* sticky error of this pass, or KS_OK */
    ks_instream *in;           /* the one open data file */
    int file_open;             /* `in` holds a file whose bytes are uncounted */
    uint64_t bytes_done;       /* input bytes of the files closed this pass */
    int src;                   /* SRC_*: what reads from `in` */
    const ks_ds_entry *cur;    /* entry of the open file */
    ks_csv *csv;
    csv_cols cols;
    long row;                  /* CSV data rows read in this file */
    ks_mbox *mbox;
    int mbox_named;            /* named as an mbox: ids always get #N */
    long mbox_n;               /* messages split from this file so far */
    ks_buf path;               /* full path of the open file */
    ks_buf id;                 /* id of the message handed out */
    ks_buf text;               /* message bytes / converted CSV text */
};

/* ---- names and options --------------------------------------------------- */

static const char *const fmt_names[] = {"auto", "csv", "mail", "trec", "libsvm"};
static const char *const skip_names[KS_SKIP_COUNT] = {
    "bad_label", "empty", "too_large", "unreadable", "bad_gzip", "malformed"};

const char *ks_format_name(ks_format f)
{
    return (unsigned)f < 5 ? fmt_names[f] : NULL;
}

ks_status ks_format_parse(const char *name, ks_format *out)
{
    int i;
    for (i = 0; name && i < 5; i++)
        if (strcasecmp(name, fmt_names[i]) == 0) {
            *out = (ks_format)i;
            return KS_OK;
        }
    return ks_fail(KS_ERR_USAGE, "unknown dataset format '%s' (auto, csv, mail, trec, libsvm)",
                   name ? name : "");
}

const char *ks_skip_reason_name(int reason)
{
    return reason >= 0 && reason < KS_SKIP_COUNT ? skip_names[reason] : NULL;
}

void ks_dataset_opts_default(ks_dataset_opts *o)
{
    o->format = KS_FMT_AUTO;
    o->max_message = DEFAULT_MAX;
    o->max_field = DEFAULT_MAX;
    o->max_gz_ratio = 1000;
}

/* ---- opening --------------------------------------------------------------- */

static ks_status detect(ks_dataset *ds)
{
    int found = 0;
    ks_format f = ds->opts.format;
    ks_status rc = KS_OK;
    if (f == KS_FMT_AUTO || f == KS_FMT_TREC) {
        if ((rc = ks_ds_list_trec(&ds->list, ds->dir, &found)) != KS_OK || found)
            return ds->st.format = KS_FMT_TREC, rc;
        if (f == KS_FMT_TREC)
            return ks_fail(KS_ERR_FORMAT, "%s: no TREC 'index' file in the folder", ds->dir);
    }
    if (f == KS_FMT_AUTO || f == KS_FMT_CSV) {
        if ((rc = ks_ds_list_csv(&ds->list, ds->dir, &found)) != KS_OK || found)
            return ds->st.format = KS_FMT_CSV, rc;
        if (f == KS_FMT_CSV)
            return ks_fail(KS_ERR_FORMAT, "%s: no *.csv or *.csv.gz file in the folder",
                           ds->dir);
    }
    if (f == KS_FMT_AUTO || f == KS_FMT_LIBSVM) {
        if ((rc = ks_ds_list_libsvm(&ds->list, ds->dir, &found)) != KS_OK || found)
            return ds->st.format = KS_FMT_LIBSVM, rc;
        if (f == KS_FMT_LIBSVM)
            return ks_fail(KS_ERR_FORMAT, "%s: no *.svm or *.libsvm file (or .gz) in the folder",
                           ds->dir);
    }
    if ((rc = ks_ds_list_mail(&ds->list, ds->dir, &found)) != KS_OK || found)
        return ds->st.format = KS_FMT_MAIL, rc;
    if (f == KS_FMT_MAIL)
        return ks_fail(KS_ERR_FORMAT, "%s: no ham/ or spam/ folder in the folder", ds->dir);
    return ks_fail(KS_ERR_FORMAT,
                   "%s: no dataset found: looked for a TREC 'index' file, *.csv files "
                   "or *.svm/*.libsvm files at the top and ham/ or spam/ folders", ds->dir);
}

static ks_status check_opts(ks_dataset_opts *o)
{
    if ((unsigned)o->format > KS_FMT_LIBSVM)
        return ks_fail(KS_ERR_USAGE, "dataset: unknown format %d", (int)o->format);
    if (!o->max_message)
        o->max_message = DEFAULT_MAX;
    if (!o->max_field)
        o->max_field = DEFAULT_MAX;
    if (o->max_message > SIZE_MAX / 2)
        o->max_message = SIZE_MAX / 2;
    if (o->max_field > SIZE_MAX / 2)
        o->max_field = SIZE_MAX / 2;
    return KS_OK;
}

ks_status ks_dataset_open(ks_dataset **out, const char *dir, const ks_dataset_opts *opts)
{
    struct stat sb;
    ks_dataset *ds;
    ks_status rc;
    if (!out || !dir)
        return ks_fail(KS_ERR_USAGE, "ks_dataset_open: NULL argument");
    *out = NULL;
    if (stat(dir, &sb) != 0)
        return ks_fail(KS_ERR_IO, "%s: cannot read dataset folder: %s", dir,
                       strerror(errno));
    if (!S_ISDIR(sb.st_mode))
        return ks_fail(KS_ERR_IO, "%s: cannot read dataset folder: not a folder", dir);
    if (!(ds = ks_calloc(1, sizeof *ds)))
        return ks_fail(KS_ERR_NOMEM, "out of memory opening %s", dir);
    if (opts)
        ds->opts = *opts;
    else
        ks_dataset_opts_default(&ds->opts);
    rc = check_opts(&ds->opts);
    if (rc == KS_OK && !(ds->dir = ks_strdup(dir)))
        rc = ks_fail(KS_ERR_NOMEM, "out of memory opening %s", dir);
    if (rc == KS_OK)
        rc = detect(ds);
    if (rc == KS_OK)
        ks_ds_list_trim(&ds->list);
    if (rc == KS_OK && !(ds->order = ks_malloc((ds->list.n + 1) * sizeof *ds->order)))
        rc = ks_fail(KS_ERR_NOMEM, "out of memory listing %s", dir);
    if (rc == KS_OK)
        rc = ks_instream_new(&ds->in, 0);
    if (rc == KS_OK)
        rc = ks_dataset_rewind(ds, 0);
    if (rc != KS_OK) {
        ks_dataset_free(ds);
        return rc;
    }
    *out = ds;
    return KS_OK;
}

/* ---- passes ------------------------------------------------------------------ */

static void close_source(ks_dataset *ds)
{
    if (ds->file_open)
        ds->bytes_done += ks_instream_bytes_in(ds->in);
    ds->file_open = 0;
    ds->st.bytes = ds->bytes_done;
    ks_instream_close(ds->in);
    ks_csv_free(ds->csv);
    ks_mbox_free(ds->mbox);
    ds->csv = NULL;
    ds->mbox = NULL;
    ds->src = SRC_NONE;
    ds->cur = NULL;
}

static uint64_t splitmix64(uint64_t *s)
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

ks_status ks_dataset_rewind(ks_dataset *ds, uint64_t seed)
{
    ks_format f;
    if (!ds)
        return ks_fail(KS_ERR_USAGE, "ks_dataset_rewind: NULL dataset");
    close_source(ds);
    f = ds->st.format;
    memset(&ds->st, 0, sizeof ds->st);
    ds->st.format = f;
    ds->bytes_done = 0;
    ds->failed = KS_OK;
    ds->pos = 0;
    ks_dataset_order(ds, seed, ds->order);
    return KS_OK;
}

void ks_dataset_order(const ks_dataset *ds, uint64_t seed, size_t *order)
{
    size_t i;
    for (i = 0; i < ds->list.n; i++)
        order[i] = i;
    for (i = ds->list.n; seed && i > 1; i--) {
        /* j uniform in [0, i) by a 64x64->128 multiply (no modulo bias) */
        size_t j = (size_t)(((unsigned __int128)splitmix64(&seed) * i) >> 64);
        size_t t = order[i - 1];
        order[i - 1] = order[j];
        order[j] = t;
    }
}

size_t ks_dataset_files(const ks_dataset *ds) { return ds ? ds->list.n : 0; }

size_t ks_dataset_source(const ks_dataset *ds)
{
    return ds && ds->pos ? ds->order[ds->pos - 1] : 0;
}

const ks_dataset_stats *ks_dataset_stats_get(const ks_dataset *ds)
{
    return ds ? &ds->st : NULL;
}

uint64_t ks_dataset_size(const ks_dataset *ds) { return ds ? ds->list.bytes : 0; }

void ks_dataset_free(ks_dataset *ds)
{
    if (!ds)
        return;
    if (ds->in)
        close_source(ds);
    ks_instream_free(ds->in);
    ks_ds_list_free(&ds->list);
    ks_free(ds->order);
    ks_free(ds->dir);
    ks_buf_free(&ds->path);
    ks_buf_free(&ds->id);
    ks_buf_free(&ds->text);
    ks_free(ds);
}

/* ---- handing out --------------------------------------------------------------- */

static int skip(ks_dataset *ds, int reason)
{
    ds->st.skipped[reason]++;
    ds->st.skipped_total++;
    return AGAIN;
}

static ks_status emit(ks_dataset *ds, ks_message *msg, int label, ks_msg_kind kind,
                      const char *data, size_t len, long line)
{
    msg->id = ds->id.data ? ds->id.data : "";
    msg->label = label;
    msg->kind = kind;
    msg->data = data;
    msg->len = len;
    msg->file = ds->path.data ? ds->path.data : "";
    msg->line = line;
    ds->st.messages++;
    ds->st.per_class[label]++;
    /* live, so that a progress line moves inside one big CSV or mbox */
    ds->st.bytes = ds->bytes_done + (ds->file_open ? ks_instream_bytes_in(ds->in) : 0);
    return KS_OK;
}

/* Counts a failed message-file read as a skip; only NOMEM is fatal. */
static int skip_read_error(ks_dataset *ds, ks_status rc)
{
    if (rc == KS_ERR_NOMEM)
        return rc;
    ks_log(KS_LOG_DEBUG, "skipped: %s", ks_error_detail());
    return skip(ds, rc == KS_ERR_IO ? KS_SKIP_UNREADABLE : KS_SKIP_BAD_GZIP);
}

/* ---- CSV files ------------------------------------------------------------------ */

/* f[0..len) equals name, ignoring case and surrounding blanks. */
static int col_is(const char *f, size_t len, const char *name)
{
    while (len && (*f == ' ' || *f == '\t'))
        f++, len--;
    while (len && (f[len - 1] == ' ' || f[len - 1] == '\t'))
        len--;
    return len == strlen(name) && strncasecmp(f, name, len) == 0;
}

static ks_status header_fail(ks_dataset *ds, const char *what)
{
    ks_buf h = {0};
    size_t i, len;
    ks_status rc;
    for (i = 0; i < ks_csv_nfields(ds->csv) && h.len < 200; i++) {
        const char *f = ks_csv_field(ds->csv, i, &len);
        if (ks_buf_printf(&h, "%s%.*s", i ? "," : "", (int)(len < 100 ? len : 100), f))
            break;
    }
    rc = ks_fail(KS_ERR_FORMAT, "%s:%ld: no %s column in the CSV header \"%s\"",
                 ds->path.data, ks_csv_line(ds->csv), what, h.data ? h.data : "");
    ks_buf_free(&h);
    return rc;
}

static ks_status map_columns(ks_dataset *ds)
{
    csv_cols *c = &ds->cols;
    size_t i, len;
    c->text = c->label = c->label_num = c->id = -1;
    c->ncols = ks_csv_nfields(ds->csv);
    for (i = 0; i < c->ncols; i++) {
        const char *f = ks_csv_field(ds->csv, i, &len);
        long *slot = NULL;
        if (col_is(f, len, "text"))
            slot = &c->text;
        else if (col_is(f, len, "label_num"))
            slot = &c->label_num;
        else if (col_is(f, len, "label"))
            slot = &c->label;
        else if (col_is(f, len, "Unnamed: 0") || col_is(f, len, "id") || (i == 0 && !len))
            slot = &c->id;
        if (slot && *slot < 0)
            *slot = (long)i;
    }
    if (c->text < 0)
        return header_fail(ds, "\"text\"");
    if (c->label < 0 && c->label_num < 0)
        return header_fail(ds, "\"label\" or \"label_num\"");
    return KS_OK;
}

static int csv_open(ks_dataset *ds)
{
    ks_status rc = ks_csv_new(&ds->csv, ds->in, (size_t)ds->opts.max_field);
    if (rc != KS_OK)
        return rc;
    ds->src = SRC_CSV;
    ds->row = 0;
    rc = ks_csv_next(ds->csv);
    if (rc == KS_DONE)
        return ks_fail(KS_ERR_FORMAT, "%s: empty CSV file (no header)", ds->path.data);
    if (rc == KS_OK)
        rc = map_columns(ds);
    return rc == KS_OK ? AGAIN : rc;   /* the records come next */
}

/* 0 or 1, or -1 when s is not a label ("ham"/"spam" only if words). */
static int parse_label(const char *s, size_t len, int words)
{
    if (col_is(s, len, "0") || (words && col_is(s, len, "ham")))
        return 0;
    if (col_is(s, len, "1") || (words && col_is(s, len, "spam")))
        return 1;
    return -1;
}

/* label_num wins; when both columns exist they must agree. */
static int csv_label(const ks_dataset *ds)
{
    int a = -2, b = -2;
    size_t len;
    const char *f;
    if (ds->cols.label_num >= 0) {
        f = ks_csv_field(ds->csv, (size_t)ds->cols.label_num, &len);
        a = parse_label(f, len, 0);
    }
    if (ds->cols.label >= 0) {
        f = ks_csv_field(ds->csv, (size_t)ds->cols.label, &len);
        b = parse_label(f, len, 1);
    }
    if (a == -1 || b == -1 || (a >= 0 && b >= 0 && a != b))
        return -1;
    return a >= 0 ? a : b;
}

static int csv_record(ks_dataset *ds, ks_message *msg)
{
    const char *text, *idf;
    size_t len, idlen = 0;
    int label;
    ks_status rc = ks_csv_next(ds->csv);
    if (rc != KS_OK)
        return rc;
    ds->row++;
    if (ks_csv_nfields(ds->csv) != ds->cols.ncols)
        return skip(ds, KS_SKIP_MALFORMED);
    if (ks_csv_oversize(ds->csv))
        return skip(ds, KS_SKIP_TOO_LARGE);
    if ((label = csv_label(ds)) < 0)
        return skip(ds, KS_SKIP_BAD_LABEL);
    text = ks_csv_field(ds->csv, (size_t)ds->cols.text, &len);
    if (len == 0)
        return skip(ds, KS_SKIP_EMPTY);
    ks_buf_clear(&ds->id);
    idf = ds->cols.id >= 0 ? ks_csv_field(ds->csv, (size_t)ds->cols.id, &idlen) : "";
    rc = idlen ? ks_buf_append(&ds->id, idf, idlen) : ks_buf_printf(&ds->id, "%ld", ds->row);
    if (rc == KS_OK && !ks_utf8_valid(text, len)) {
        ks_buf_clear(&ds->text);
        rc = ks_charset_to_utf8("windows-1252", text, len, &ds->text);
        text = ds->text.data;
        len = ds->text.len;
    }
    if (rc != KS_OK)
        return rc;
    return emit(ds, msg, label, KS_MSG_TEXT, text, len, ks_csv_line(ds->csv));
}

/* ---- LIBSVM files ---------------------------------------------------------------- */

/* One line per record (libsvm.h), streamed, at most max_message bytes a
 * line; blank and comment lines are not records. The features are checked
 * here (so bad lines are counted in the counting pass) and parsed again by
 * ks_extract. */
static int svm_record(ks_dataset *ds, ks_message *msg)
{
    const char *feat;
    size_t flen;
    int label, too_long, r;
    ks_status rc = ks_libsvm_read_line(ds->in, (size_t)ds->opts.max_message, &ds->text,
                                       &ds->row, &too_long);
    if (rc != KS_OK)
        return rc;
    if (too_long)
        return skip(ds, KS_SKIP_TOO_LARGE);
    if (ks_libsvm_is_blank(ds->text.data ? ds->text.data : "", ds->text.len))
        return AGAIN;
    r = ks_libsvm_split(ds->text.data, ds->text.len, &label, &feat, &flen);
    if (r != KS_LIBSVM_OK)
        return skip(ds, r == KS_LIBSVM_BAD_LABEL ? KS_SKIP_BAD_LABEL : KS_SKIP_MALFORMED);
    if (ks_libsvm_parse(feat, flen, KS_LIBSVM_MAX_INDEX, NULL, NULL) != KS_OK) {
        ks_log(KS_LOG_DEBUG, "%s:%ld: skipped: %s", ds->path.data, ds->row, ks_error_detail());
        return skip(ds, KS_SKIP_MALFORMED);
    }
    ((char *)feat)[flen] = '\0';   /* data[len] == '\0' (our buffer) */
    ks_buf_clear(&ds->id);
    if ((rc = ks_buf_printf(&ds->id, "%s:%ld", ds->cur->path, ds->row)) != KS_OK)
        return rc;
    return emit(ds, msg, label, KS_MSG_VECTOR, feat, flen, ds->row);
}

/* ---- mail files ------------------------------------------------------------------ */

/* "mbox", "x.mbox", "x.mbx", each maybe with .gz, ignoring case. */
static int is_mbox_name(const char *rel)
{
    const char *base = strrchr(rel, '/');
    size_t n;
    base = base ? base + 1 : rel;
    n = strlen(base);
    if (n > 3 && strcasecmp(base + n - 3, ".gz") == 0)
        n -= 3;
    return (n == 4 && strncasecmp(base, "mbox", 4) == 0)
        || (n > 5 && strncasecmp(base + n - 5, ".mbox", 5) == 0)
        || (n > 4 && strncasecmp(base + n - 4, ".mbx", 4) == 0);
}

/* A file holding one message: read it whole, at most max_message bytes. */
static int mail_whole(ks_dataset *ds, ks_message *msg)
{
    ks_status rc;
    ks_buf_clear(&ds->text);
    for (;;) {
        const char *p;
        size_t n;
        rc = ks_instream_fill(ds->in, 1, &p, &n);
        if (rc == KS_DONE)
            break;
        if (rc != KS_OK)
            return skip_read_error(ds, rc);
        if (n > ds->opts.max_message - ds->text.len)
            return skip(ds, KS_SKIP_TOO_LARGE);
        if ((rc = ks_buf_append(&ds->text, p, n)) != KS_OK)
            return rc;
        ks_instream_consume(ds->in, n);
    }
    if (ds->text.len == 0)
        return skip(ds, KS_SKIP_EMPTY);
    ks_buf_clear(&ds->id);
    if ((rc = ks_buf_append(&ds->id, ds->cur->path, strlen(ds->cur->path))) != KS_OK)
        return rc;
    return emit(ds, msg, ds->cur->label, KS_MSG_MAIL, ds->text.data, ds->text.len, 1);
}

static int mbox_record(ks_dataset *ds, ks_message *msg)
{
    const char *data;
    size_t len;
    long line;
    int over, r;
    ks_status rc = ks_mbox_next(ds->mbox, &data, &len, &line, &over);
    if (rc == KS_DONE)
        return KS_DONE;
    if (rc != KS_OK) {
        r = skip_read_error(ds, rc);
        return r == AGAIN ? KS_DONE : r;      /* give up on this file */
    }
    ds->mbox_n++;
    if (over)
        return skip(ds, KS_SKIP_TOO_LARGE);
    if (len == 0)
        return skip(ds, KS_SKIP_EMPTY);
    ks_buf_clear(&ds->id);
    if (ds->mbox_named || ds->mbox_n > 1 || !ks_mbox_at_end(ds->mbox))
        rc = ks_buf_printf(&ds->id, "%s#%ld", ds->cur->path, ds->mbox_n);
    else
        rc = ks_buf_append(&ds->id, ds->cur->path, strlen(ds->cur->path));
    if (rc != KS_OK)
        return rc;
    return emit(ds, msg, ds->cur->label, KS_MSG_MAIL, data, len, line);
}

static int mbox_start(ks_dataset *ds, int named)
{
    ks_status rc = ks_mbox_new(&ds->mbox, ds->in, (size_t)ds->opts.max_message);
    if (rc != KS_OK)
        return rc;
    ds->src = SRC_MBOX;
    ds->mbox_named = named;
    ds->mbox_n = 0;
    return AGAIN;
}

/* A message file (mail folder or TREC): one message, or an mbox. */
static int mail_open(ks_dataset *ds, ks_message *msg)
{
    const char *p;
    size_t n;
    ks_status rc;
    if (ds->st.format == KS_FMT_TREC)
        return mail_whole(ds, msg);
    if (is_mbox_name(ds->cur->path))
        return mbox_start(ds, 1);
    rc = ks_instream_fill(ds->in, 5, &p, &n);
    if (rc != KS_OK && rc != KS_DONE)
        return skip_read_error(ds, rc);
    if (n >= 5 && memcmp(p, "From ", 5) == 0)
        return mbox_start(ds, 0);
    return mail_whole(ds, msg);
}

/* Opens the next file of the pass; KS_DONE when there is none. */
static int next_file(ks_dataset *ds, ks_message *msg)
{
    const ks_ds_entry *e;
    ks_status rc;
    close_source(ds);
    if (ds->pos >= ds->list.n)
        return KS_DONE;
    e = &ds->list.v[ds->order[ds->pos++]];
    if (e->label == KS_ENT_BAD)
        return skip(ds, KS_SKIP_MALFORMED);
    if ((rc = ks_ds_join(&ds->path, ds->dir, e->path)) != KS_OK)
        return rc;
    rc = ks_instream_open(ds->in, ds->path.data, KS_IN_AUTO, ds->opts.max_gz_ratio);
    if (rc != KS_OK)
        return e->label == KS_ENT_CSV || e->label == KS_ENT_SVM ? rc : skip_read_error(ds, rc);
    ds->file_open = 1;
    ds->cur = e;
    ds->st.files++;
    if (e->label == KS_ENT_SVM) {   /* records come next, like a CSV's */
        ds->src = SRC_LIBSVM;
        ds->row = 0;
        return AGAIN;
    }
    return e->label == KS_ENT_CSV ? csv_open(ds) : mail_open(ds, msg);
}

ks_status ks_dataset_next(ks_dataset *ds, ks_message *msg)
{
    if (!ds || !msg)
        return ks_fail(KS_ERR_USAGE, "ks_dataset_next: NULL argument");
    if (ds->failed != KS_OK)
        return ds->failed;
    for (;;) {
        int r;
        if (ds->src == SRC_CSV)
            r = csv_record(ds, msg);
        else if (ds->src == SRC_MBOX)
            r = mbox_record(ds, msg);
        else if (ds->src == SRC_LIBSVM)
            r = svm_record(ds, msg);
        else
            r = next_file(ds, msg);
        if (r == KS_OK)
            return KS_OK;
        if (r == KS_DONE && ds->src == SRC_NONE)
            return KS_DONE;
        if (r == KS_DONE)
            close_source(ds);
        else if (r != AGAIN) {
            close_source(ds);
            ds->failed = (ks_status)r;
            return (ks_status)r;
        }
    }
}
