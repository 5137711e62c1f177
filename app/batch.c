/* batch.c - spam-classify --batch: walk a folder or read one mbox, score
 * every message, print one line each (classify.h).
 *
 * The walk is depth-first in byte order of names (scandir + alphasort in
 * the C locale), follows symbolic links, skips hidden names, cuts folder
 * loops by the (device, inode) of the folders on the current path and
 * stops at WALK_MAX_DEPTH. A file whose first line is a From_ line
 * (mbox.h) is split into messages; any other file is one message.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "ks/alloc.h"
#include "ks/fileio.h"
#include "ks/mbox.h"
#include "classify.h"

#define WALK_MAX_DEPTH 32

typedef struct {
    dev_t dev[WALK_MAX_DEPTH];
    ino_t ino[WALK_MAX_DEPTH];
    int depth;                   /* folders on the current path */
} walk_path;

static ks_status emit(ks_classifier *c, const char *id, const char *data, size_t len)
{
    double p;
    ks_status st = ks_classify_score(c, id, data, len, &p);
    if (st == KS_ERR_LIMIT) {
        ks_log(KS_LOG_WARN, "%s: not scored: %s", id, ks_error_detail());
        c->failed++;
        return KS_OK;
    }
    if (st != KS_OK)
        return st;
    c->verdicts[p >= c->threshold]++;
    if (fprintf(c->out, "%.6f\t%s\t%s\n", p, p >= c->threshold ? "spam" : "ham", id) < 0)
        return ks_fail(KS_ERR_WRITE, "cannot write to standard output: %s", strerror(errno));
    ks_progress_tick(&c->pr, c->verdicts[0] + c->verdicts[1], c->bytes);
    return KS_OK;
}

/* The messages of an mbox open in c->in. */
static ks_status split_mbox(ks_classifier *c, const char *id)
{
    ks_mbox *mb;
    const char *data;
    size_t len;
    long line;
    int oversize;
    unsigned long k = 0;
    char *mid;
    ks_status st = ks_mbox_new(&mb, c->in, c->max_message);

    while (st == KS_OK && (st = ks_mbox_next(mb, &data, &len, &line, &oversize)) == KS_OK) {
        size_t n = strlen(id) + 24;
        k++;
        c->bytes += len;
        if (!(mid = ks_malloc(n))) {
            st = ks_fail(KS_ERR_NOMEM, "out of memory");
            break;
        }
        if (k == 1 && ks_mbox_at_end(mb))
            snprintf(mid, n, "%s", id);   /* one message: the plain path */
        else
            snprintf(mid, n, "%s#%lu", id, k);
        if (oversize) {
            ks_log(KS_LOG_WARN, "%s: not scored: %zu bytes, over --max-message", mid, len);
            c->failed++;
        } else {
            st = emit(c, mid, data, len);
        }
        ks_free(mid);
    }
    ks_mbox_free(mb);
    return st == KS_DONE ? KS_OK : st;
}

/* Whether the stream starts with a From_ line. */
static int starts_mbox(ks_classifier *c)
{
    const char *p, *nl;
    size_t n;
    if (ks_instream_fill(c->in, KS_MBOX_FROM_MAX + 2, &p, &n) != KS_OK)
        return 0;
    nl = memchr(p, '\n', n);
    if (!nl)
        return 0;
    return ks_mbox_is_from_line(p, (size_t)(nl - p) - (nl > p && nl[-1] == '\r'));
}

/* One file; what cannot be read is warned about and counted, except
 * output errors and memory, which stop the batch. */
static ks_status one_file(ks_classifier *c, const char *path, const char *id)
{
    ks_status st = ks_instream_open(c->in, path, KS_IN_AUTO, 1000);
    if (st == KS_OK && starts_mbox(c))
        st = split_mbox(c, id);
    else if (st == KS_OK && (st = ks_classify_read_all(c)) == KS_OK)
        st = emit(c, id, c->buf.data ? c->buf.data : "", c->buf.len);
    ks_instream_close(c->in);
    if (st == KS_ERR_IO || st == KS_ERR_FORMAT || st == KS_ERR_LIMIT) {
        ks_log(KS_LOG_WARN, "%s: not scored: %s", id, ks_error_detail());
        c->failed++;
        return KS_OK;
    }
    return st;
}

static int visible(const struct dirent *e)
{
    return e->d_name[0] != '.';
}

static ks_status walk(ks_classifier *c, const char *dir, const char *rel, walk_path *wp);

/* One entry of a folder: a file, a folder to enter, or something skipped. */
static ks_status entry(ks_classifier *c, const char *path, const char *id, walk_path *wp)
{
    struct stat sb;
    if (stat(path, &sb) != 0) {
        ks_log(KS_LOG_WARN, "%s: not scored: %s", id, strerror(errno));
        c->failed++;
        return KS_OK;
    }
    if (S_ISREG(sb.st_mode))
        return one_file(c, path, id);
    if (!S_ISDIR(sb.st_mode))
        return KS_OK;
    for (int i = 0; i < wp->depth; i++)
        if (wp->dev[i] == sb.st_dev && wp->ino[i] == sb.st_ino)
            return KS_OK;   /* a link back up: a loop */
    if (wp->depth == WALK_MAX_DEPTH) {
        ks_log(KS_LOG_WARN, "%s: deeper than %d folders, not entered", id, WALK_MAX_DEPTH);
        return KS_OK;
    }
    wp->dev[wp->depth] = sb.st_dev;
    wp->ino[wp->depth++] = sb.st_ino;
    ks_status st = walk(c, path, id, wp);
    wp->depth--;
    return st;
}

static ks_status walk(ks_classifier *c, const char *dir, const char *rel, walk_path *wp)
{
    struct dirent **names;
    ks_status st = KS_OK;
    int n = scandir(dir, &names, visible, alphasort);
    if (n < 0) {
        if (wp->depth == 1)   /* the folder given */
            return ks_fail(KS_ERR_IO, "%s: cannot list: %s", dir, strerror(errno));
        ks_log(KS_LOG_WARN, "%s: cannot list: %s", dir, strerror(errno));
        c->failed++;
        return KS_OK;
    }
    for (int i = 0; i < n; i++) {
        char *path = st == KS_OK ? ks_path_join(dir, names[i]->d_name) : NULL;
        char *id = !path ? NULL : *rel ? ks_path_join(rel, names[i]->d_name)
                                       : ks_strdup(names[i]->d_name);
        if (st == KS_OK && !id)
            st = ks_fail(KS_ERR_NOMEM, "out of memory walking %s", dir);
        if (st == KS_OK)
            st = entry(c, path, id, wp);
        ks_free(path);
        ks_free(id);
        free(names[i]);
    }
    free(names);
    return st;
}

ks_status ks_classify_batch(ks_classifier *c, const char *path)
{
    struct stat sb;
    walk_path wp = {.depth = 0};
    if (stat(path, &sb) != 0)
        return ks_fail(KS_ERR_IO, "%s: %s", path, strerror(errno));
    if (!S_ISDIR(sb.st_mode))
        return one_file(c, path, path);
    wp.dev[0] = sb.st_dev;
    wp.ino[0] = sb.st_ino;
    wp.depth = 1;
    return walk(c, path, "", &wp);
}
