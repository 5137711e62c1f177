/* cli.c - flags, help, version, logging and exit codes of the programs. */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <libxml/xmlversion.h>
#include <utf8proc.h>
#include <zlib.h>
#include "app.h"
#include "progress.h"
#include "ks/cpu.h"
#include "ks/html.h"

static const char *log_prog = "ks";
static int log_verbosity = 1;

static void stderr_log(int level, const char *msg, void *ctx)
{
    static const char *const names[] = {"debug: ", "", "warning: ", "error: "};
    if (level == KS_LOG_DEBUG && log_verbosity < 2)
        return;
    if (level == KS_LOG_INFO && log_verbosity < 1)
        return;
    ks_progress_clear();   /* a progress bar must not share the line */
    fprintf(stderr, "%s: %s%s\n", log_prog, names[level & 3], msg);
}

void ks_app_log_init(const char *prog, int verbosity)
{
    log_prog = prog;
    log_verbosity = verbosity;
    ks_progress_mode(verbosity);
    ks_set_log_fn(stderr_log, NULL);
}

int ks_app_exit_code(ks_status st)
{
    switch (st) {
    case KS_OK: case KS_DONE: return KS_EXIT_OK;
    case KS_ERR_USAGE: return KS_EXIT_USAGE;
    case KS_ERR_IO: case KS_ERR_FORMAT: return KS_EXIT_INPUT;
    case KS_ERR_MODEL: return KS_EXIT_MODEL;
    case KS_ERR_WRITE: return KS_EXIT_WRITE;
    case KS_ERR_LIMIT: case KS_ERR_DATA: return KS_EXIT_DATA;
    case KS_ERR_NOMEM: return KS_EXIT_INTERNAL;
    }
    return KS_EXIT_INTERNAL;
}

static const char *const prog_names[] = {"spam-train", "spam-update", "spam-validate"};

static void usage(const ks_app_opts *o, FILE *f)
{
    static const char *const what[] = {
        "Train a spam classifier from a labelled dataset (initial training).",
        "Continue training a saved model on new labelled data (incremental).",
        ("Score a labelled dataset with a model; write metrics.json, predictions.csv,\n"
         "roc.svg, pr.svg, scores.svg and report.html (one page with all of them)."),
    };
    fprintf(f, "Usage: %s [options]\n%s\n\n", o->prog, what[o->mode]);
    fprintf(f,
        "  --dataset DIR         dataset folder (default /in/dataset): *.csv,\n"
        "                        ham/ and spam/ mail folders or mbox files, a TREC\n"
        "                        index; any file may be .gz\n");
    if (o->mode != KS_APP_TRAIN)
        fprintf(f, "  --model DIR           model folder to read (default /in/model)\n");
    fprintf(f, "  --save-to DIR         where to write %s (default %s)\n",
            o->mode == KS_APP_VALIDATE ? "the files above" : "model.bin and model.json",
            o->mode == KS_APP_VALIDATE ? "/out/metrics" : "/out/model");
    fprintf(f,
        "  --format F            auto (default), csv, mail, trec or libsvm\n"
        "  --max-bad-fraction X  fail when more than X of the records are\n"
        "                        unusable (default 0.1)\n"
        "  --max-message BYTES   largest message or CSV field (default 64 MiB)\n"
        "  --max-mime-depth N    deepest MIME nesting, 1..256 (default 16)\n"
        "  --max-mime-parts N    MIME parts per message (default 1000)\n"
        "  --max-gzip-ratio R    largest decompressed/compressed ratio of a .gz\n"
        "                        file (default 1000; 0 = no limit)\n");
    if (o->mode == KS_APP_TRAIN)
        fprintf(f,
            "  --hash-bits B         2^B feature buckets, 8..28 (default 20)\n"
            "  --features LIST       comma list of words, headers (subject, sender\n"
            "                        fields), allheaders (the other fields),\n"
            "                        bigrams, chargrams (byte n-grams of the text),\n"
            "                        rawgrams (of the raw message), urls, meta\n"
            "                        (default: all eight)\n"
            "  --view LIST           also learn every message through these families\n"
            "                        alone, so the model does not lean only on what\n"
            "                        tells where mail came from (default: words,\n"
            "                        headers,bigrams,chargrams,urls,meta of those in\n"
            "                        --features; none: off)\n"
            "  --weighting W         binary (default) or log (1 + ln count)\n"
            "  --online              evaluate as the TREC spam track did: one pass in\n"
            "                        dataset order, each message scored before it is\n"
            "                        learned (then --passes - 1 earlier ones drawn\n"
            "                        from the replay reservoir); writes online.json\n"
            "                        ((1-ROCA)%% with a 95%%\n"
            "                        interval, ROC points) beside the model\n"
            "  --ngram N             byte n-gram length of chargrams and rawgrams\n"
            "                        (default 4)\n"
            "  --ngram-bytes N       n-grams over the first N bytes (default 3000)\n"
            "  --replay N            past examples the model keeps and rehearses in\n"
            "                        later updates (default 4096; 0: none)\n"
            "  --algo A              model family: lr (default: a linear model\n"
            "                        trained online by FTRL-Proximal) or svm\n"
            "                        (libsvm C-SVC; spam-update and spam-validate\n"
            "                        follow the model's family)\n"
            "  --loss L              lr: hinge (default: an online linear SVM) or\n"
            "                        log (logistic regression)\n"
            "  --svm-c C             svm: penalty C (default 1)\n"
            "  --svm-kernel K        svm: linear (default) or rbf\n"
            "  --svm-gamma G         svm: rbf kernel width (default 1)\n"
            "  --svm-cap N           svm: support vectors kept for later updates\n"
            "                        (default 20000)\n");
    if (o->mode != KS_APP_VALIDATE)
        fprintf(f,
            "  --passes N            passes over the data (default 8; update: the\n"
            "                        model's)\n"
            "  --alpha A, --l1 X, --l2 X   FTRL-Proximal learning rate (default 0.5;\n"
            "                        8 with --loss log) and penalties (default 0,\n"
            "                        1e-6; spam-train only: an update keeps the\n"
            "                        model's)\n"
            "  --seed S              shuffle seed (default 1)\n");
    if (o->mode == KS_APP_UPDATE)
        fprintf(f,
            "  --relearn             (default) start from zero weights and learn the\n"
            "                        model's replay reservoir (a sample of the past\n"
            "                        examples; all of them while they fit) with the\n"
            "                        new data; the probability fit and threshold are\n"
            "                        refit on both, as spam-train fits them. lr only\n"
            "  --no-relearn          continue from the model's weights instead,\n"
            "                        rehearsing the reservoir (calibration kept)\n");
    if (o->mode != KS_APP_VALIDATE)
        fprintf(f,
            "  --balance MODE        none (default: every set learned at its own\n"
            "                        class mix), prior (a later set weighted to\n"
            "                        the class mix of the first), equal\n"
            "  --shuffle-buffer N    messages mixed in memory (default 1024; with\n"
            "                        at most 16 MiB of their vectors)\n"
            "  --target-fpr X        store the lowest threshold whose false-positive\n"
            "                        rate on out-of-sample training scores is <= X\n"
            "                        (0 < X < 1; default: the threshold of the highest\n"
            "                        accuracy there; update: refit by the model's rule,\n"
            "                        with --no-relearn only with --target-fpr or\n"
            "                        --calibration)\n"
            "  --threshold P         store the fixed threshold P instead (0..1)\n"
            "  --calibration M       out-of-sample scores for the probability fit\n"
            "                        and the threshold: crossfit (train default; 4\n"
            "                        fold models), progressive (first-pass scores),\n"
            "                        off (sigmoid of the margin, threshold 0.5), or\n"
            "                        keep (--no-relearn update default unless\n"
            "                        --target-fpr: the model's calibration and\n"
            "                        threshold stay). lr only\n");
    else
        fprintf(f, "  --threshold P         spam when probability >= P (default: the model's)\n");
    fprintf(f,
        "  --threads N           2 (default with 2+ cores): read and decode ahead\n"
        "                        (and learn cross-fit fold models) in a second\n"
        "                        thread; 1: one thread. Same results\n"
        "  -q, --quiet           errors only;  -v, --verbose  more detail\n"
        "  -h, --help            this text;    -V, --version  versions in use\n\n"
        "Exit status: 0 success, 1 internal error, 2 usage error, 3 input missing\n"
        "or invalid, 4 model missing, corrupt or incompatible, 5 cannot write\n"
        "output, 6 dataset unusable (no records, one class, too many bad records).\n");
}

void ks_app_version(const char *prog)
{
    printf("%s (knitspam) %s\nkernel: %s\nlibxml2 %s, utf8proc %s, zlib %s\n",
           prog, KS_VERSION, ks_kernel_name(), LIBXML_DOTTED_VERSION, utf8proc_version(),
           zlibVersion());
}

static int parse_u64(const char *s, unsigned long long max, unsigned long long *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || end == s || *end || *s == '-' || v > max)
        return -1;
    *out = v;
    return 0;
}

static int parse_double(const char *s, double lo, double hi, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || *end || !(v >= lo && v <= hi))
        return -1;
    *out = v;
    return 0;
}

static int parse_features(const char *s, uint32_t *out)
{
    uint32_t bits = 0;
    while (*s) {
        size_t n = strcspn(s, ","), i;
        for (i = 0; i < KS_FEAT_COUNT; i++)
            if (strlen(ks_feature_family_names[i]) == n &&
                !strncmp(s, ks_feature_family_names[i], n))
                break;
        if (i == KS_FEAT_COUNT)
            return -1;
        bits |= 1u << i;
        s += n + (s[n] == ',');
    }
    *out = bits;
    return bits ? 0 : -1;
}

enum { O_DATASET = 256, O_MODEL, O_SAVE, O_FORMAT, O_BAD, O_MAXMSG, O_BITS,
       O_FEATURES, O_WEIGHTING, O_PASSES, O_ALPHA, O_L1, O_L2, O_SEED,
       O_BALANCE, O_SHUFFLE, O_THRESHOLD, O_REPLAY,
       O_MIMEDEPTH, O_MIMEPARTS, O_GZRATIO, O_NGRAM, O_NGRAM_BYTES, O_ONLINE, O_THREADS,
       O_ALGO, O_SVM_C, O_SVM_CAP, O_SVM_KERNEL, O_SVM_GAMMA, O_TARGET_FPR, O_CALIBRATION,
       O_VIEW, O_LOSS, O_RELEARN, O_NO_RELEARN };

/* Which modes accept a flag: bit 0 train, bit 1 update, bit 2 validate. */
static const struct { int id; unsigned modes; } flag_modes[] = {
    {O_MODEL, 6}, {O_BITS, 1}, {O_FEATURES, 1}, {O_WEIGHTING, 1},
    {O_PASSES, 3}, {O_ALPHA, 1}, {O_L1, 1}, {O_L2, 1}, {O_SEED, 3},
    {O_BALANCE, 3}, {O_SHUFFLE, 3}, {O_THRESHOLD, 7}, {O_TARGET_FPR, 3}, {O_CALIBRATION, 3}, {O_REPLAY, 1}, {O_NGRAM, 1},
    {O_NGRAM_BYTES, 1}, {O_ONLINE, 1}, {O_ALGO, 1}, {O_SVM_C, 1}, {O_SVM_CAP, 1},
    {O_SVM_KERNEL, 1}, {O_SVM_GAMMA, 1}, {O_VIEW, 1}, {O_LOSS, 1},
    {O_RELEARN, 2}, {O_NO_RELEARN, 2}};

static int flag_allowed(int id, ks_app_mode mode)
{
    for (size_t i = 0; i < sizeof flag_modes / sizeof *flag_modes; i++)
        if (flag_modes[i].id == id)
            return (flag_modes[i].modes >> mode) & 1;
    return 1;
}

static void defaults(ks_app_opts *o, ks_app_mode mode)
{
    memset(o, 0, sizeof *o);
    o->mode = mode;
    o->prog = prog_names[mode];
    o->dataset = "/in/dataset";
    o->model = "/in/model";
    o->save_to = mode == KS_APP_VALIDATE ? "/out/metrics" : "/out/model";
    ks_dataset_opts_default(&o->ds);
    ks_mail_limits_default(&o->mail);
    ks_feature_config_default(&o->feat);
    ks_train_config_default(&o->train);
    ks_svm_config_default(&o->svm);
    o->threshold = NAN;
    o->target_fpr = NAN;
    o->scores = -1;
    o->max_bad_fraction = 0.1;
    o->shuffle_buffer = 1024;
    o->verbosity = 1;
    o->threads = sysconf(_SC_NPROCESSORS_ONLN) > 1 ? 2 : 1;
    o->relearn = 1;
}

/* Applies one flag's value; returns 0, or -1 for a bad value. */
static int apply(ks_app_opts *o, int id, const char *v)
{
    unsigned long long u;
    double d;
    switch (id) {
    case O_DATASET: o->dataset = v; return 0;
    case O_MODEL: o->model = v; return 0;
    case O_SAVE: o->save_to = v; return 0;
    case O_FORMAT: return ks_format_parse(v, &o->ds.format) == KS_OK ? 0 : -1;
    case O_BAD: return parse_double(v, 0, 1, &o->max_bad_fraction);
    case O_MAXMSG:
        if (parse_u64(v, 1ull << 40, &u) || u < 1024) return -1;
        o->ds.max_message = o->ds.max_field = u; return 0;
    case O_BITS:
        if (parse_u64(v, 28, &u) || u < 8) return -1;
        o->feat.hash_bits = (uint32_t)u; return 0;
    case O_FEATURES: return parse_features(v, &o->feat.families);
    case O_VIEW:
        o->view_set = 1;
        if (!strcmp(v, "none")) {
            o->feat.view = 0;
            return 0;
        }
        return parse_features(v, &o->feat.view);
    case O_WEIGHTING:
        if (!strcmp(v, "log")) o->feat.weighting = KS_WEIGHT_LOG;
        else if (!strcmp(v, "binary")) o->feat.weighting = KS_WEIGHT_BINARY;
        else return -1;
        return 0;
    case O_PASSES:
        if (parse_u64(v, 1000, &u) || u < 1) return -1;
        o->train.passes = (uint32_t)u; o->train_set |= KS_SET_PASSES; return 0;
    case O_ALPHA:
        if (parse_double(v, 1e-9, 1e6, &d)) return -1;
        o->train.alpha = d; o->train_set |= KS_SET_ALPHA; return 0;
    case O_L1:
        if (parse_double(v, 0, 1e6, &d)) return -1;
        o->train.l1 = d; o->train_set |= KS_SET_L1; return 0;
    case O_L2:
        if (parse_double(v, 0, 1e6, &d)) return -1;
        o->train.l2 = d; o->train_set |= KS_SET_L2; return 0;
    case O_SEED:
        if (parse_u64(v, ~0ull, &u) || u == 0) return -1;
        o->train.seed = u; o->train_set |= KS_SET_SEED; return 0;
    case O_BALANCE:
        if (!strcmp(v, "none")) o->train.balance = 0;
        else if (!strcmp(v, "prior")) o->train.balance = 1;
        else if (!strcmp(v, "equal")) o->train.balance = 2;
        else return -1;
        o->train_set |= KS_SET_BALANCE; return 0;
    case O_SHUFFLE:
        if (parse_u64(v, 1u << 20, &u) || u < 1) return -1;
        o->shuffle_buffer = (unsigned)u; return 0;
    case O_THRESHOLD: return parse_double(v, 0, 1, &o->threshold);
    case O_TARGET_FPR:
        if (parse_double(v, 0, 1, &d) || d <= 0 || d >= 1) return -1;
        o->target_fpr = d; return 0;
    case O_CALIBRATION:
        if (!strcmp(v, "crossfit")) o->scores = KS_SCORES_CROSSFIT;
        else if (!strcmp(v, "progressive")) o->scores = KS_SCORES_PROGRESSIVE;
        else if (!strcmp(v, "off")) o->scores = KS_SCORES_OFF;
        else if (!strcmp(v, "keep") && o->mode == KS_APP_UPDATE) o->scores = KS_APP_SCORES_KEEP;
        else return -1;
        return 0;
    case O_MIMEDEPTH:
        if (parse_u64(v, 256, &u) || u < 1) return -1;
        o->mail.max_depth = (unsigned)u; return 0;
    case O_MIMEPARTS:
        if (parse_u64(v, 1000000, &u) || u < 1) return -1;
        o->mail.max_parts = (unsigned)u; return 0;
    case O_GZRATIO:
        if (parse_u64(v, 1000000, &u)) return -1;
        o->ds.max_gz_ratio = (uint32_t)u; return 0;
    case O_ONLINE: o->online = 1; return 0;
    case O_RELEARN: o->relearn = 1; o->relearn_set = 1; return 0;
    case O_NO_RELEARN: o->relearn = 0; o->relearn_set = 1; return 0;
    case O_THREADS:
        if (parse_u64(v, 2, &u) || u < 1) return -1;
        o->threads = (unsigned)u; return 0;
    case O_NGRAM:
        if (parse_u64(v, 8, &u) || u < 2) return -1;
        o->feat.ngram_n = (uint32_t)u; return 0;
    case O_NGRAM_BYTES:
        if (parse_u64(v, 1u << 24, &u)) return -1;
        o->feat.ngram_bytes = (uint32_t)u; return 0;
    case O_ALGO:
        if (!strcmp(v, "lr")) o->train.algo = KS_ALGO_LR;
        else if (!strcmp(v, "svm")) o->train.algo = KS_ALGO_SVM;
        else return -1;
        return 0;
    case O_LOSS:
        if (!strcmp(v, "hinge")) o->train.loss = KS_LOSS_HINGE;
        else if (!strcmp(v, "log")) o->train.loss = KS_LOSS_LOG;
        else return -1;
        o->loss_set = 1;
        return 0;
    case O_SVM_C: return parse_double(v, 1e-6, 1e6, &o->svm.c);
    case O_SVM_GAMMA: return parse_double(v, 1e-6, 1e6, &o->svm.gamma);
    case O_SVM_CAP:
        if (parse_u64(v, 1u << 22, &u) || u < 1) return -1;
        o->svm.cap = (uint32_t)u; return 0;
    case O_SVM_KERNEL:
        if (!strcmp(v, "linear")) o->svm.kernel = KS_SVM_LINEAR;
        else if (!strcmp(v, "rbf")) o->svm.kernel = KS_SVM_RBF;
        else return -1;
        return 0;
    case O_REPLAY:
        if (parse_u64(v, 1u << 20, &u)) return -1;
        o->train.replay = (uint32_t)u; return 0;
    }
    return -1;
}

static const struct option long_opts[] = {
    {"dataset", required_argument, 0, O_DATASET},
    {"model", required_argument, 0, O_MODEL},
    {"save-to", required_argument, 0, O_SAVE},
    {"format", required_argument, 0, O_FORMAT},
    {"max-bad-fraction", required_argument, 0, O_BAD},
    {"max-message", required_argument, 0, O_MAXMSG},
    {"hash-bits", required_argument, 0, O_BITS},
    {"features", required_argument, 0, O_FEATURES},
    {"view", required_argument, 0, O_VIEW},
    {"weighting", required_argument, 0, O_WEIGHTING},
    {"passes", required_argument, 0, O_PASSES},
    {"alpha", required_argument, 0, O_ALPHA},
    {"l1", required_argument, 0, O_L1},
    {"l2", required_argument, 0, O_L2},
    {"seed", required_argument, 0, O_SEED},
    {"balance", required_argument, 0, O_BALANCE},
    {"shuffle-buffer", required_argument, 0, O_SHUFFLE},
    {"threshold", required_argument, 0, O_THRESHOLD},
    {"target-fpr", required_argument, 0, O_TARGET_FPR},
    {"calibration", required_argument, 0, O_CALIBRATION},
    {"max-mime-depth", required_argument, 0, O_MIMEDEPTH},
    {"max-mime-parts", required_argument, 0, O_MIMEPARTS},
    {"max-gzip-ratio", required_argument, 0, O_GZRATIO},
    {"replay", required_argument, 0, O_REPLAY},
    {"algo", required_argument, 0, O_ALGO},
    {"loss", required_argument, 0, O_LOSS},
    {"svm-c", required_argument, 0, O_SVM_C},
    {"svm-cap", required_argument, 0, O_SVM_CAP},
    {"svm-kernel", required_argument, 0, O_SVM_KERNEL},
    {"svm-gamma", required_argument, 0, O_SVM_GAMMA},
    {"ngram", required_argument, 0, O_NGRAM},
    {"online", no_argument, 0, O_ONLINE},
    {"relearn", no_argument, 0, O_RELEARN},
    {"no-relearn", no_argument, 0, O_NO_RELEARN},
    {"threads", required_argument, 0, O_THREADS},
    {"ngram-bytes", required_argument, 0, O_NGRAM_BYTES},
    {"quiet", no_argument, 0, 'q'},
    {"verbose", no_argument, 0, 'v'},
    {"help", no_argument, 0, 'h'},
    {"version", no_argument, 0, 'V'},
    {0, 0, 0, 0}};

/* Returns -1 to go on, else the exit code. */
static int parse(ks_app_opts *o, int argc, char **argv)
{
    int c, idx;
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":qvhV", long_opts, &idx)) != -1) {
        const char *flag = argv[optind - 1];
        if (c == 'h') { usage(o, stdout); return KS_EXIT_OK; }
        if (c == 'V') { ks_app_version(o->prog); return KS_EXIT_OK; }
        if (c == 'q') { o->verbosity = 0; continue; }
        if (c == 'v') { o->verbosity = 2; continue; }
        if (c == '?' || c == ':') {
            fprintf(stderr, "%s: %s '%s' (see --help)\n", o->prog,
                    c == ':' ? "missing value for" : "unknown option", flag);
            return KS_EXIT_USAGE;
        }
        if (!flag_allowed(c, o->mode)) {
            fprintf(stderr, "%s: option --%s does not apply to %s (see --help)\n",
                    o->prog, long_opts[idx].name, o->prog);
            return KS_EXIT_USAGE;
        }
        if (apply(o, c, optarg)) {
            fprintf(stderr, "%s: invalid value '%s' for --%s (see --help)\n",
                    o->prog, optarg, long_opts[idx].name);
            return KS_EXIT_USAGE;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "%s: unexpected argument '%s' (see --help)\n", o->prog, argv[optind]);
        return KS_EXIT_USAGE;
    }
    if (o->loss_set && !(o->train_set & KS_SET_ALPHA))   /* each loss its own */
        o->train.alpha = ks_default_alpha(o->train.loss);
    if (o->loss_set && o->train.algo == KS_ALGO_SVM) {
        fprintf(stderr, "%s: --loss is for the lr family, not --algo svm\n", o->prog);
        return KS_EXIT_USAGE;
    }
    if (o->view_set && o->feat.view && o->train.algo == KS_ALGO_SVM) {
        fprintf(stderr, "%s: --view is for the lr family, not --algo svm\n", o->prog);
        return KS_EXIT_USAGE;
    }
    if (o->view_set && (o->feat.view & ~o->feat.families)) {
        fprintf(stderr, "%s: --view families must be among --features\n", o->prog);
        return KS_EXIT_USAGE;
    }
    if (!o->view_set)   /* the default view, of the families there are */
        o->feat.view = o->train.algo == KS_ALGO_SVM ? 0 : KS_VIEW_DEFAULT & o->feat.families;
    if (o->feat.view == o->feat.families)
        o->feat.view = 0;   /* the same vector twice: no view */
    if (o->online && o->train.algo == KS_ALGO_SVM) {   /* score-then-learn is FTRL's */
        fprintf(stderr, "%s: --online evaluates the lr family only, not --algo svm\n", o->prog);
        return KS_EXIT_USAGE;
    }
    if (!isnan(o->target_fpr) && !isnan(o->threshold) && o->mode != KS_APP_VALIDATE) {
        fprintf(stderr, "%s: --target-fpr and --threshold both set the stored threshold; "
                "give one\n", o->prog);
        return KS_EXIT_USAGE;
    }
    if (!isnan(o->target_fpr) && (o->scores == KS_SCORES_OFF || o->scores == KS_APP_SCORES_KEEP)) {
        fprintf(stderr, "%s: --target-fpr needs out-of-sample scores, not --calibration %s\n",
                o->prog, o->scores == KS_SCORES_OFF ? "off" : "keep");
        return KS_EXIT_USAGE;
    }
    if (o->train.algo == KS_ALGO_SVM && (!isnan(o->target_fpr) || o->scores >= 0)) {
        fprintf(stderr, "%s: --target-fpr and --calibration are for the lr family; an svm "
                "model's probabilities are libsvm's Platt fit (threshold 0.5 or --threshold)\n",
                o->prog);
        return KS_EXIT_USAGE;
    }
    {   /* --svm-* without --algo svm would be silently ignored */
        ks_svm_config d;
        ks_svm_config_default(&d);
        if (o->train.algo != KS_ALGO_SVM && (o->svm.c != d.c || o->svm.kernel != d.kernel ||
                                             o->svm.gamma != d.gamma || o->svm.cap != d.cap)) {
            fprintf(stderr, "%s: --svm-c, --svm-kernel, --svm-gamma and --svm-cap need "
                    "--algo svm\n", o->prog);
            return KS_EXIT_USAGE;
        }
    }
    return -1;
}

int ks_app_main(ks_app_mode mode, int argc, char **argv)
{
    ks_app_opts o;
    int rc;
    defaults(&o, mode);
    if ((rc = parse(&o, argc, argv)) >= 0)
        return rc;
    ks_app_log_init(o.prog, o.verbosity);
    ks_html_global_init();
    rc = mode == KS_APP_VALIDATE ? ks_app_validate(&o) : ks_app_train(&o);
    ks_html_global_cleanup();
    return rc;
}
