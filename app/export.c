/* export.c - spam-features: turn any dataset our readers understand into
 * a LIBSVM file of our exact hashed features, one line per message, so
 * liblinear, libsvm or scikit-learn can be tried on the same vectors.
 *
 * Feature settings: the model's (--model DIR) so the file matches what
 * that model sees, else the defaults of spam-train (and --hash-bits).
 * The file is streamed to a temporary file beside FILE and renamed over it
 * at the end (fsync'ed first): an error leaves no partial FILE.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "app.h"
#include "export.h"
#include "skip.h"
#include "ks/alloc.h"
#include "ks/buf.h"
#include "ks/html.h"
#include "ks/libsvm.h"

static const char *const PROG = "spam-features";

typedef struct {
    ks_app_opts app;        /* dataset, model, format, limits, features */
    const char *output;     /* --output */
    int have_model;         /* --model given */
} xopts;

static void usage(FILE *f)
{
    fprintf(f,
        "Usage: %s --dataset DIR --output FILE.svm [--model DIR] [options]\n"
        "Write the hashed feature vectors of a dataset in LIBSVM format, one line\n"
        "\"LABEL INDEX:VALUE ...\" per message (label 1 spam, 0 ham; indices\n"
        "1-based, ascending), for liblinear, libsvm or scikit-learn.\n\n"
        "  --dataset DIR         dataset folder (default /in/dataset), any format\n"
        "                        spam-train reads\n"
        "  --output FILE         file to write (required)\n"
        "  --model DIR           use this model's feature settings (default: the\n"
        "                        defaults of spam-train)\n"
        "  --hash-bits B         2^B feature buckets without --model (default 20)\n"
        "  --format F            auto (default), csv, mail, trec or libsvm\n"
        "  --max-message BYTES   largest message or CSV field (default 64 MiB)\n"
        "  -q, --quiet           errors only;  -v, --verbose  more detail\n"
        "  -h, --help            this text;    -V, --version  version\n\n"
        "Exit status: 0 success, 1 internal error, 2 usage error, 3 input missing\n"
        "or invalid, 4 model missing, corrupt or incompatible, 5 cannot write\n"
        "output, 6 dataset unusable (no records, too many bad records).\n", PROG);
}

enum { X_DATASET = 256, X_OUTPUT, X_MODEL, X_BITS, X_FORMAT, X_MAXMSG };

static const struct option long_opts[] = {
    {"dataset", required_argument, 0, X_DATASET},
    {"output", required_argument, 0, X_OUTPUT},
    {"model", required_argument, 0, X_MODEL},
    {"hash-bits", required_argument, 0, X_BITS},
    {"format", required_argument, 0, X_FORMAT},
    {"max-message", required_argument, 0, X_MAXMSG},
    {"quiet", no_argument, 0, 'q'},
    {"verbose", no_argument, 0, 'v'},
    {"help", no_argument, 0, 'h'},
    {"version", no_argument, 0, 'V'},
    {0, 0, 0, 0}};

static int apply(xopts *x, int c, const char *v)
{
    char *end;
    unsigned long long u;
    switch (c) {
    case X_DATASET: x->app.dataset = v; return 0;
    case X_OUTPUT: x->output = v; return 0;
    case X_MODEL: x->app.model = v; x->have_model = 1; return 0;
    case X_FORMAT: return ks_format_parse(v, &x->app.ds.format) == KS_OK ? 0 : -1;
    case X_BITS:
    case X_MAXMSG:
        errno = 0;
        u = strtoull(v, &end, 10);
        if (errno || end == v || *end || *v == '-')
            return -1;
        if (c == X_BITS) {
            if (u < 8 || u > 28)
                return -1;
            x->app.feat.hash_bits = (uint32_t)u;
        } else {
            if (u < 1024 || u > (1ull << 40))
                return -1;
            x->app.ds.max_message = x->app.ds.max_field = u;
        }
        return 0;
    }
    return -1;
}

/* -1 to go on, else the exit code. */
static int parse(xopts *x, int argc, char **argv)
{
    int c, idx;
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":qvhV", long_opts, &idx)) != -1) {
        const char *flag = argv[optind - 1];
        if (c == 'h') { usage(stdout); return KS_EXIT_OK; }
        if (c == 'V') { printf("%s (knitspam) %s\n", PROG, KS_VERSION); return KS_EXIT_OK; }
        if (c == 'q') { x->app.verbosity = 0; continue; }
        if (c == 'v') { x->app.verbosity = 2; continue; }
        if (c == '?' || c == ':') {
            fprintf(stderr, "%s: %s '%s' (see --help)\n", PROG,
                    c == ':' ? "missing value for" : "unknown option", flag);
            return KS_EXIT_USAGE;
        }
        if (apply(x, c, optarg)) {
            fprintf(stderr, "%s: invalid value '%s' for --%s (see --help)\n", PROG, optarg,
                    long_opts[idx].name);
            return KS_EXIT_USAGE;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "%s: unexpected argument '%s' (see --help)\n", PROG, argv[optind]);
        return KS_EXIT_USAGE;
    }
    if (!x->output) {
        fprintf(stderr, "%s: --output FILE is required (see --help)\n", PROG);
        return KS_EXIT_USAGE;
    }
    return -1;
}

typedef struct {
    FILE *f;
    char *tmp;          /* temporary file beside the output */
    ks_buf line;
    ks_fvec x;
    ks_extractor *ex;
    ks_dataset *ds;
    ks_model *m;
    ks_app_skips skips;
    uint64_t written;
} exporter;

static ks_status open_tmp(exporter *e, const char *out)
{
    size_t n = strlen(out);
    int fd;
    if (!(e->tmp = ks_malloc(n + 16)))
        return ks_fail(KS_ERR_NOMEM, "out of memory");
    snprintf(e->tmp, n + 16, "%s.tmp.XXXXXX", out);
    mode_t um = umask(0);
    umask(um);
    if ((fd = mkstemp(e->tmp)) < 0 || fchmod(fd, 0666 & ~um) != 0 || !(e->f = fdopen(fd, "w"))) {
        ks_status st = ks_fail(KS_ERR_WRITE, "%s: cannot create: %s", e->tmp, strerror(errno));
        if (fd >= 0)
            close(fd), unlink(e->tmp);
        ks_free(e->tmp);
        e->tmp = NULL;
        return st;
    }
    return KS_OK;
}

static ks_status finish(exporter *e, const char *out)
{
    int bad = fflush(e->f) != 0 || ferror(e->f) || fsync(fileno(e->f)) != 0;
    bad |= fclose(e->f) != 0;
    e->f = NULL;
    if (bad || rename(e->tmp, out) != 0)
        return ks_fail(KS_ERR_WRITE, "%s: cannot write: %s", out, strerror(errno));
    ks_free(e->tmp);
    e->tmp = NULL;
    return KS_OK;
}

static ks_status export_all(exporter *e, const xopts *x)
{
    ks_feature_config fc = x->app.feat;
    ks_message msg;
    ks_status st;

    if (x->have_model) {
        if ((st = ks_model_load(&e->m, x->app.model)) != KS_OK)
            return st;
        fc = *ks_model_features(e->m);
    }
    fc.view = 0;   /* the message's vector only */
    if ((st = ks_app_open_dataset(&x->app, &e->ds)) != KS_OK ||
        (st = ks_extractor_new(&e->ex, &fc)) != KS_OK ||
        (st = ks_dataset_rewind(e->ds, 0)) != KS_OK ||
        (st = open_tmp(e, x->output)) != KS_OK)
        return st;
    ks_extractor_set_limits(e->ex, &x->app.mail);
    while ((st = ks_dataset_next(e->ds, &msg)) == KS_OK) {
        int skipped;
        if ((st = ks_app_extract(e->ex, &msg, &e->x, &e->skips, &skipped)) != KS_OK)
            return st;
        if (skipped)
            continue;
        ks_buf_clear(&e->line);
        if ((st = ks_libsvm_format(&e->line, msg.label, &e->x)) != KS_OK)
            return st;
        if (fwrite(e->line.data, 1, e->line.len, e->f) != e->line.len)
            return ks_fail(KS_ERR_WRITE, "%s: cannot write: %s", e->tmp, strerror(errno));
        e->written++;
    }
    if (st != KS_DONE || (st = ks_app_check_skips(&x->app, e->ds, &e->skips)) != KS_OK)
        return st;
    if ((st = finish(e, x->output)) != KS_OK)
        return st;
    ks_log(KS_LOG_INFO, "wrote %s: %llu vectors, 2^%u buckets (indices 1..%u)", x->output,
           (unsigned long long)e->written, fc.hash_bits, 1u << fc.hash_bits);
    return KS_OK;
}

int ks_app_export_main(int argc, char **argv)
{
    xopts x;
    exporter e;
    ks_status st;
    int rc;

    memset(&x, 0, sizeof x);
    x.app.mode = KS_APP_VALIDATE;   /* reads a dataset; one class is fine */
    x.app.prog = PROG;
    x.app.dataset = "/in/dataset";
    x.app.model = "/in/model";
    ks_dataset_opts_default(&x.app.ds);
    ks_mail_limits_default(&x.app.mail);
    ks_feature_config_default(&x.app.feat);
    ks_train_config_default(&x.app.train);
    x.app.max_bad_fraction = 0.1;
    x.app.verbosity = 1;
    if ((rc = parse(&x, argc, argv)) >= 0)
        return rc;
    ks_app_log_init(PROG, x.app.verbosity);
    ks_html_global_init();
    memset(&e, 0, sizeof e);
    st = export_all(&e, &x);
    if (st != KS_OK)
        ks_log(KS_LOG_ERROR, "%s (no file written)", ks_error_detail());
    if (e.f)
        fclose(e.f);
    if (e.tmp)
        unlink(e.tmp);
    ks_free(e.tmp);
    ks_buf_free(&e.line);
    ks_fvec_free(&e.x);
    ks_extractor_free(e.ex);
    ks_dataset_free(e.ds);
    ks_model_free(e.m);
    ks_html_global_cleanup();
    return ks_app_exit_code(st);
}
