/* classify.c - spam-classify: flags, one message, exit codes (classify.h). */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libxml/xmlversion.h>
#include <utf8proc.h>
#include <zlib.h>
#include "app.h"
#include "classify.h"
#include "train_svm.h"
#include "ks/html.h"

static const char *const PROG = "spam-classify";

typedef struct {
    const char *model;       /* --model */
    const char *batch;       /* --batch, NULL for one message */
    const char *input;       /* FILE or "-" */
    double threshold;        /* --threshold, NaN = the model's */
    uint64_t max_message;    /* --max-message */
    int verbosity;           /* 0 quiet, 1 normal, 2 verbose */
} opts;

static void usage(FILE *f)
{
    fprintf(f,
        "Usage: %s [options] [FILE | -]\n"
        "       %s [options] --batch DIR|MBOX\n"
        "Score raw RFC 822 mail with a model trained by spam-train/spam-update.\n\n"
        "One message (FILE, or standard input for - or no argument): prints\n"
        "\"SCORE<TAB>VERDICT\" (score = probability of spam, verdict ham or spam)\n"
        "and exits 0 for ham, 1 for spam, as spamc -c does (bogofilter differs:\n"
        "0 spam, 1 ham).\n"
        "Batch: one line \"SCORE<TAB>VERDICT<TAB>ID\" per message of a folder\n"
        "(walked in byte order, hidden names skipped, files starting with a From_\n"
        "line split as mbox; *.gz read) or of one mbox file; ID is the path below\n"
        "the folder, with #N for the Nth message of an mbox.\n\n"
        "  --model DIR           model folder (default /in/model)\n"
        "  --batch DIR|MBOX      score every message of a folder or an mbox\n"
        "  --threshold P         spam when score >= P (default: the model's)\n"
        "  --max-message BYTES   largest message scored (default 64 MiB)\n"
        "  -q, --quiet           errors only (one message: no output line)\n"
        "  -v, --verbose         more detail;  -h, --help  this text\n"
        "  -V, --version         versions in use\n\n"
        "Exit status: 0 ham, 1 spam (batch: 0 all scored); errors are >= 2:\n"
        "2 usage error, 3 input missing, unreadable or too large (batch: some\n"
        "message was not scored), 4 model missing, corrupt or incompatible,\n"
        "5 cannot write output, 6 batch found no message, 7 internal error.\n",
        PROG, PROG);
}

static void version(void) { ks_app_version(PROG); }

static int exit_code(ks_status st)
{
    switch (st) {
    case KS_OK: case KS_DONE: return KS_CLASSIFY_HAM;
    case KS_ERR_USAGE: return KS_CLASSIFY_USAGE;
    case KS_ERR_IO: case KS_ERR_FORMAT: case KS_ERR_LIMIT: return KS_CLASSIFY_INPUT;
    case KS_ERR_MODEL: return KS_CLASSIFY_MODEL;
    case KS_ERR_WRITE: return KS_CLASSIFY_WRITE;
    case KS_ERR_DATA: return KS_CLASSIFY_EMPTY;
    case KS_ERR_NOMEM: return KS_CLASSIFY_INTERNAL;
    }
    return KS_CLASSIFY_INTERNAL;
}

enum { O_MODEL = 256, O_BATCH, O_THRESHOLD, O_MAXMSG };

static const struct option long_opts[] = {
    {"model", required_argument, 0, O_MODEL},
    {"batch", required_argument, 0, O_BATCH},
    {"threshold", required_argument, 0, O_THRESHOLD},
    {"max-message", required_argument, 0, O_MAXMSG},
    {"quiet", no_argument, 0, 'q'},
    {"verbose", no_argument, 0, 'v'},
    {"help", no_argument, 0, 'h'},
    {"version", no_argument, 0, 'V'},
    {0, 0, 0, 0}};

/* Applies one valued flag; 0, or -1 for a bad value. */
static int apply(opts *o, int id, const char *v)
{
    char *end;
    errno = 0;
    if (id == O_MODEL) o->model = v;
    else if (id == O_BATCH) o->batch = v;
    else if (id == O_THRESHOLD) {
        o->threshold = strtod(v, &end);
        return errno || end == v || *end || !(o->threshold >= 0 && o->threshold <= 1) ? -1 : 0;
    } else if (id == O_MAXMSG) {
        unsigned long long u = strtoull(v, &end, 10);
        o->max_message = u;
        return errno || end == v || *end || *v == '-' || u < 1024 || u > (1ull << 40) ? -1 : 0;
    }
    return 0;
}

/* Returns -1 to go on, else the exit code. */
static int parse(opts *o, int argc, char **argv)
{
    int c, idx;
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":qvhV", long_opts, &idx)) != -1) {
        const char *flag = argv[optind - 1];
        if (c == 'h') { usage(stdout); return 0; }
        if (c == 'V') { version(); return 0; }
        if (c == 'q') { o->verbosity = 0; continue; }
        if (c == 'v') { o->verbosity = 2; continue; }
        if (c == '?' || c == ':') {
            fprintf(stderr, "%s: %s '%s' (see --help)\n", PROG,
                    c == ':' ? "missing value for" : "unknown option", flag);
            return KS_CLASSIFY_USAGE;
        }
        if (apply(o, c, optarg)) {
            fprintf(stderr, "%s: invalid value '%s' for --%s (see --help)\n", PROG, optarg,
                    long_opts[idx].name);
            return KS_CLASSIFY_USAGE;
        }
    }
    if (optind < argc)
        o->input = argv[optind++];
    if (optind < argc || (o->batch && o->input)) {
        fprintf(stderr, "%s: unexpected argument '%s' (one FILE, or --batch; see --help)\n",
                PROG, argv[optind < argc ? optind : optind - 1]);
        return KS_CLASSIFY_USAGE;
    }
    return -1;
}

ks_status ks_classify_score(ks_classifier *c, const char *id, const char *data, size_t len,
                            double *score)
{
    ks_message msg;
    ks_status st;
    memset(&msg, 0, sizeof msg);
    msg.id = id;
    msg.kind = KS_MSG_MAIL;
    msg.data = data;
    msg.len = len;
    msg.file = id;
    if ((st = ks_extract(c->ex, &msg, &c->x)) != KS_OK)
        return st;
    *score = ks_app_score(c->m, c->svm, &c->x);
    return KS_OK;
}

ks_status ks_classify_read_all(ks_classifier *c)
{
    const char *p;
    size_t n;
    ks_status st;
    ks_buf_clear(&c->buf);
    while ((st = ks_instream_fill(c->in, 0, &p, &n)) == KS_OK) {
        if (c->buf.len + n > c->max_message)
            return ks_fail(KS_ERR_LIMIT, "%s: message larger than --max-message %llu bytes",
                           ks_instream_path(c->in), (unsigned long long)c->max_message);
        if ((st = ks_buf_append(&c->buf, p, n)) != KS_OK)
            return st;
        ks_instream_consume(c->in, n);
    }
    c->bytes += c->buf.len;
    return st == KS_DONE ? KS_OK : st;
}

static ks_status read_stdin(ks_classifier *c)
{
    char chunk[65536];
    size_t n;
    ks_status st;
    ks_buf_clear(&c->buf);
    while ((n = fread(chunk, 1, sizeof chunk, stdin)) > 0) {
        if (c->buf.len + n > c->max_message)
            return ks_fail(KS_ERR_LIMIT, "standard input: message larger than --max-message "
                           "%llu bytes", (unsigned long long)c->max_message);
        if ((st = ks_buf_append(&c->buf, chunk, n)) != KS_OK)
            return st;
    }
    if (ferror(stdin))
        return ks_fail(KS_ERR_IO, "standard input: %s", strerror(errno));
    return KS_OK;
}

/* One message: returns the exit code (verdict or error). */
static int one_message(ks_classifier *c, const char *input, int verbosity)
{
    int from_stdin = !input || !strcmp(input, "-");
    double p;
    ks_status st = from_stdin ? read_stdin(c) : ks_instream_open(c->in, input, KS_IN_AUTO, 1000);
    if (st == KS_OK && !from_stdin)
        st = ks_classify_read_all(c);
    if (st == KS_OK)
        st = ks_classify_score(c, from_stdin ? "-" : input, c->buf.data ? c->buf.data : "",
                               c->buf.len, &p);
    if (st != KS_OK) {
        ks_log(KS_LOG_ERROR, "%s", ks_error_detail());
        return exit_code(st);
    }
    if (verbosity > 0 && (printf("%.6f\t%s\n", p, p >= c->threshold ? "spam" : "ham") < 0 ||
                          fflush(stdout) != 0)) {
        ks_log(KS_LOG_ERROR, "cannot write to standard output: %s", strerror(errno));
        return KS_CLASSIFY_WRITE;
    }
    ks_log(KS_LOG_DEBUG, "%s: score %.6f, threshold %.3f", from_stdin ? "-" : input, p,
           c->threshold);
    return p >= c->threshold ? KS_CLASSIFY_SPAM : KS_CLASSIFY_HAM;
}

static int batch(ks_classifier *c, const char *path)
{
    ks_status st;
    ks_progress_start(&c->pr, "classifying", 0);
    st = ks_classify_batch(c, path);
    if (st == KS_OK && fflush(c->out) != 0)
        st = ks_fail(KS_ERR_WRITE, "cannot write to standard output: %s", strerror(errno));
    if (st != KS_OK) {
        ks_log(KS_LOG_ERROR, "%s", ks_error_detail());
        return exit_code(st);
    }
    ks_log(KS_LOG_INFO, "%s: %llu messages scored (ham %llu, spam %llu) at threshold %.3f%s",
           path, (unsigned long long)(c->verdicts[0] + c->verdicts[1]),
           (unsigned long long)c->verdicts[0], (unsigned long long)c->verdicts[1], c->threshold,
           c->failed ? "; some could not be scored (see above)" : "");
    if (c->failed)
        return KS_CLASSIFY_INPUT;
    if (c->verdicts[0] + c->verdicts[1] == 0) {
        ks_log(KS_LOG_ERROR, "%s: no message found", path);
        return KS_CLASSIFY_EMPTY;
    }
    return KS_CLASSIFY_HAM;
}

static ks_status setup(ks_classifier *c, const opts *o)
{
    ks_status st;
    ks_feature_config fc;
    if ((st = ks_model_load_scoring(&c->m, o->model)) != KS_OK ||
        (st = ks_app_svm_load(c->m, o->model, &c->svm)) != KS_OK)
        return st;
    fc = *ks_model_features(c->m);
    fc.view = 0;   /* scoring needs the message's vector only */
    if ((st = ks_extractor_new(&c->ex, &fc)) != KS_OK ||
        (st = ks_instream_new(&c->in, 0)) != KS_OK)
        return st;
    c->threshold = isnan(o->threshold) ? ks_model_threshold(c->m) : o->threshold;
    c->max_message = o->max_message;
    c->out = stdout;
    ks_log(KS_LOG_DEBUG, "model %s: checksum %08x, %zu training sessions, threshold %.3f",
           o->model, ks_model_checksum(c->m), ks_model_history_count(c->m), c->threshold);
    return KS_OK;
}

int ks_classify_main(int argc, char **argv)
{
    opts o = {"/in/model", NULL, NULL, NAN, 64ull << 20, 1};
    ks_classifier c;
    ks_status st;
    int rc;

    if ((rc = parse(&o, argc, argv)) >= 0)
        return rc;
    ks_app_log_init(PROG, o.verbosity);
    ks_html_global_init();
    memset(&c, 0, sizeof c);
    if ((st = setup(&c, &o)) != KS_OK) {
        ks_log(KS_LOG_ERROR, "%s", ks_error_detail());
        rc = exit_code(st);
    } else {
        rc = o.batch ? batch(&c, o.batch) : one_message(&c, o.input, o.verbosity);
    }
    ks_fvec_free(&c.x);
    ks_buf_free(&c.buf);
    ks_instream_free(c.in);
    ks_extractor_free(c.ex);
    ks_svm_free(c.svm);
    ks_model_free(c.m);
    ks_html_global_cleanup();
    return rc;
}
