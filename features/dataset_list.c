/* dataset_list.c - finds the data files of a dataset folder (dataset.h).
 *
 * Mail folders: a depth-first walk that follows symbolic links, both to
 * files and to folders. Loops are cut by keeping the (device, inode) of
 * every folder on the current path and not entering one twice; the depth
 * is capped at WALK_MAX_DEPTH. A link to a folder outside the loop is
 * followed, so two links to one folder list its messages twice: that is
 * the layout's business, as with hard links. A maildir's tmp/ folder (a
 * tmp beside cur/ or new/) holds deliveries in progress and is skipped.
 * Hidden names (".x") are skipped. Files outside any ham/ or spam/ folder
 * are not data. A dangling link under a label folder is listed, so that it
 * is counted as unreadable when read, not silently lost. Folders that
 * cannot be listed below the top are skipped (logged at KS_LOG_WARN).
 *
 * TREC: the index is read line by line; a line that is not "<ham|spam>
 * <path>" becomes a KS_ENT_BAD entry so that every pass counts it as
 * malformed. The index order is kept (it is the TREC chronology).
 */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include "ks/alloc.h"
#include "ks/instream.h"
#include "dataset_int.h"

#define WALK_MAX_DEPTH 64
#define INDEX_LINE_MAX 4096   /* longer TREC index lines are malformed */

#define PATH_CHUNK (64 * 1024)

void ks_ds_list_free(ks_ds_list *l)
{
    char *c = l->chunk, *prev;
    while (c) {
        memcpy(&prev, c, sizeof prev);
        ks_free(c);
        c = prev;
    }
    ks_free(l->v);
    memset(l, 0, sizeof *l);
}

void ks_ds_list_trim(ks_ds_list *l)
{
    ks_ds_entry *v;
    if (l->n && l->n < l->cap && (v = ks_realloc(l->v, l->n * sizeof *v))) {
        l->v = v;
        l->cap = l->n;
    }
}

/* A copy of path[0..len) with a NUL, in the list's path store. */
static char *store_path(ks_ds_list *l, const char *path, size_t len)
{
    char *p;
    if (len + 1 > l->chunk_cap - l->chunk_used) {
        size_t need = sizeof(char *) + len + 1;
        size_t cap = need > PATH_CHUNK ? need : PATH_CHUNK;
        char *c = ks_malloc(cap);
        if (!c)
            return NULL;
        memcpy(c, &l->chunk, sizeof l->chunk);
        l->chunk = c;
        l->chunk_used = sizeof(char *);
        l->chunk_cap = cap;
    }
    p = l->chunk + l->chunk_used;
    memcpy(p, path, len);
    p[len] = '\0';
    l->chunk_used += len + 1;
    return p;
}

static ks_status list_add(ks_ds_list *l, const char *path, size_t len, int label,
                          long line)
{
    char *p;
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 256;
        ks_ds_entry *v = ks_realloc(l->v, cap * sizeof *v);
        if (!v)
            return ks_fail(KS_ERR_NOMEM, "out of memory listing %zu files", l->n);
        l->v = v;
        l->cap = cap;
    }
    if (!(p = store_path(l, path, len)))
        return ks_fail(KS_ERR_NOMEM, "out of memory listing %zu files", l->n);
    l->v[l->n].path = p;
    l->v[l->n].label = label;
    l->v[l->n].line = line;
    l->n++;
    return KS_OK;
}

static int ent_cmp(const void *a, const void *b)
{
    return strcmp(((const ks_ds_entry *)a)->path, ((const ks_ds_entry *)b)->path);
}

static int str_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

ks_status ks_ds_join(ks_buf *b, const char *dir, const char *rel)
{
    ks_buf_clear(b);
    if (rel[0] == '/')
        return ks_buf_append(b, rel, strlen(rel));
    return ks_buf_printf(b, "%s/%s", dir, rel);
}

/* The non-hidden names of a folder, sorted. */
typedef struct {
    char **v;
    size_t n, cap;
} names;

static void names_free(names *nm)
{
    size_t i;
    for (i = 0; i < nm->n; i++)
        ks_free(nm->v[i]);
    ks_free(nm->v);
    memset(nm, 0, sizeof *nm);
}

static ks_status names_add(names *nm, const char *name)
{
    if (nm->n == nm->cap) {
        size_t cap = nm->cap ? nm->cap * 2 : 64;
        char **v = ks_realloc(nm->v, cap * sizeof *v);
        if (!v)
            return ks_fail(KS_ERR_NOMEM, "out of memory listing a folder");
        nm->v = v;
        nm->cap = cap;
    }
    if (!(nm->v[nm->n] = ks_strdup(name)))
        return ks_fail(KS_ERR_NOMEM, "out of memory listing a folder");
    nm->n++;
    return KS_OK;
}

static ks_status read_names(const char *path, names *nm)
{
    struct dirent *de;
    ks_status rc = KS_OK;
    DIR *d = opendir(path);
    if (!d)
        return ks_fail(KS_ERR_IO, "%s: cannot read folder: %s", path, strerror(errno));
    while (rc == KS_OK && (de = readdir(d)) != NULL)
        if (de->d_name[0] != '.')
            rc = names_add(nm, de->d_name);
    closedir(d);
    if (rc != KS_OK)
        names_free(nm);
    else if (nm->n)
        qsort(nm->v, nm->n, sizeof *nm->v, str_cmp);
    return rc;
}

static int has_name(const names *nm, const char *name)
{
    return nm->n && bsearch(&name, nm->v, nm->n, sizeof *nm->v, str_cmp) != NULL;
}

static int label_of(const char *name)
{
    if (strcasecmp(name, "ham") == 0)
        return 0;
    if (strcasecmp(name, "spam") == 0)
        return 1;
    return -1;
}

/* ---- mail folders -------------------------------------------------------- */

typedef struct {
    ks_ds_list *l;
    ks_buf full;                       /* path of the current entry */
    ks_buf rel;                        /* same, relative to the top */
    dev_t dev[WALK_MAX_DEPTH];         /* folders on the current path */
    ino_t ino[WALK_MAX_DEPTH];
    int depth;
    int found;                         /* a ham/ or spam/ folder was seen */
} walker;

static ks_status walk_dir(walker *w, int label);

static int on_path(const walker *w, const struct stat *st)
{
    int i;
    for (i = 0; i < w->depth; i++)
        if (w->dev[i] == st->st_dev && w->ino[i] == st->st_ino)
            return 1;
    return 0;
}

/* One entry of a folder; w->full and w->rel name it. */
static ks_status walk_entry(walker *w, const char *name, int label, int maildir)
{
    struct stat st;
    ks_status rc = KS_OK;
    int sub;
    if (stat(w->full.data, &st) != 0) {
        if (label >= 0 && lstat(w->full.data, &st) == 0)   /* dangling link */
            return list_add(w->l, w->rel.data, w->rel.len, label, 0);
        return KS_OK;
    }
    if (S_ISREG(st.st_mode)) {
        if (label < 0)
            return KS_OK;
        w->l->bytes += (uint64_t)st.st_size;
        return list_add(w->l, w->rel.data, w->rel.len, label, 0);
    }
    if (!S_ISDIR(st.st_mode) || (maildir && strcmp(name, "tmp") == 0))
        return KS_OK;
    if (on_path(w, &st) || w->depth >= WALK_MAX_DEPTH)
        return KS_OK;                                      /* link loop */
    sub = label_of(name);
    if (sub >= 0)
        w->found = 1;
    w->dev[w->depth] = st.st_dev;
    w->ino[w->depth] = st.st_ino;
    w->depth++;
    rc = walk_dir(w, sub >= 0 ? sub : label);
    w->depth--;
    return rc;
}

static void buf_cut(ks_buf *b, size_t len)
{
    b->len = len;
    if (b->data)
        b->data[len] = '\0';
}

static ks_status walk_dir(walker *w, int label)
{
    names nm = {0};
    size_t i, flen = w->full.len, rlen = w->rel.len;
    ks_status rc = read_names(w->full.data, &nm);
    int maildir;
    if (rc != KS_OK) {
        if (w->depth <= 1 || rc == KS_ERR_NOMEM)
            return rc;
        ks_log(KS_LOG_WARN, "%s", ks_error_detail());
        return KS_OK;
    }
    maildir = has_name(&nm, "cur") || has_name(&nm, "new");
    for (i = 0; i < nm.n && rc == KS_OK; i++) {
        rc = ks_buf_printf(&w->full, "/%s", nm.v[i]);
        if (rc == KS_OK)
            rc = ks_buf_printf(&w->rel, "%s%s", rlen ? "/" : "", nm.v[i]);
        if (rc == KS_OK)
            rc = walk_entry(w, nm.v[i], label, maildir);
        buf_cut(&w->full, flen);
        buf_cut(&w->rel, rlen);
    }
    names_free(&nm);
    return rc;
}

ks_status ks_ds_list_mail(ks_ds_list *l, const char *dir, int *found)
{
    walker w;
    struct stat st;
    size_t from = l->n;
    ks_status rc;
    memset(&w, 0, sizeof w);
    w.l = l;
    *found = 0;
    if (stat(dir, &st) != 0)
        return ks_fail(KS_ERR_IO, "%s: cannot read folder: %s", dir, strerror(errno));
    w.dev[0] = st.st_dev;
    w.ino[0] = st.st_ino;
    w.depth = 1;                                  /* the top is on the path */
    rc = ks_buf_append(&w.full, dir, strlen(dir));
    if (rc == KS_OK)
        rc = ks_buf_append(&w.rel, "", 0);
    if (rc == KS_OK)
        rc = walk_dir(&w, -1);
    ks_buf_free(&w.full);
    ks_buf_free(&w.rel);
    if (rc == KS_OK && l->n > from)
        qsort(l->v + from, l->n - from, sizeof *l->v, ent_cmp);
    *found = w.found;
    return rc;
}

/* ---- CSV files ------------------------------------------------------------ */

static int is_csv_name(const char *name)
{
    size_t n = strlen(name);
    return (n > 4 && strcasecmp(name + n - 4, ".csv") == 0)
        || (n > 7 && strcasecmp(name + n - 7, ".csv.gz") == 0);
}

/* Lists the regular files at the top of dir whose names pass want(), as
 * entries of kind; *found says whether any was. */
static ks_status list_top(ks_ds_list *l, const char *dir, int (*want)(const char *),
                          int kind, int *found)
{
    names nm = {0};
    ks_buf path = {0};
    size_t i, from = l->n;
    ks_status rc = read_names(dir, &nm);
    *found = 0;
    for (i = 0; rc == KS_OK && i < nm.n; i++) {
        struct stat st;
        if (!want(nm.v[i]))
            continue;
        if ((rc = ks_ds_join(&path, dir, nm.v[i])) != KS_OK)
            break;
        if (stat(path.data, &st) != 0 || !S_ISREG(st.st_mode))
            continue;
        l->bytes += (uint64_t)st.st_size;
        rc = list_add(l, nm.v[i], strlen(nm.v[i]), kind, 0);
    }
    names_free(&nm);
    ks_buf_free(&path);
    *found = l->n > from;
    return rc;
}

ks_status ks_ds_list_csv(ks_ds_list *l, const char *dir, int *found)
{
    return list_top(l, dir, is_csv_name, KS_ENT_CSV, found);
}

/* ---- LIBSVM files --------------------------------------------------------- */

static int is_libsvm_name(const char *name)
{
    size_t n = strlen(name);
    if (n > 3 && strcasecmp(name + n - 3, ".gz") == 0)
        n -= 3;
    return (n > 4 && strncasecmp(name + n - 4, ".svm", 4) == 0)
        || (n > 7 && strncasecmp(name + n - 7, ".libsvm", 7) == 0);
}

ks_status ks_ds_list_libsvm(ks_ds_list *l, const char *dir, int *found)
{
    return list_top(l, dir, is_libsvm_name, KS_ENT_SVM, found);
}

/* ---- TREC index ----------------------------------------------------------- */

/* One index line: "<ham|spam> <path>", blanks around ignored. */
static ks_status index_line(ks_ds_list *l, const char *dir, char *s, long lineno,
                            ks_buf *path)
{
    char *save = NULL, *lab, *file;
    struct stat st;
    int label;
    lab = strtok_r(s, " \t\r", &save);
    if (!lab)
        return KS_OK;                               /* empty line */
    file = strtok_r(NULL, " \t\r", &save);
    label = label_of(lab);
    if (!file || label < 0 || strtok_r(NULL, " \t\r", &save))
        return list_add(l, "", 0, KS_ENT_BAD, lineno);
    if (ks_ds_join(path, dir, file) != KS_OK)
        return KS_ERR_NOMEM;
    if (stat(path->data, &st) == 0 && S_ISREG(st.st_mode))
        l->bytes += (uint64_t)st.st_size;
    return list_add(l, file, strlen(file), label, lineno);
}

static ks_status read_index(ks_ds_list *l, const char *dir, ks_instream *in)
{
    ks_buf line = {0}, path = {0};
    long lineno = 0;
    ks_status rc;
    int too_long;
    while ((rc = ks_instream_read_line(in, INDEX_LINE_MAX, &line, &too_long)) == KS_OK) {
        lineno++;
        if (too_long)
            rc = list_add(l, "", 0, KS_ENT_BAD, lineno);
        else if (memchr(line.data ? line.data : "", '\0', line.len))
            rc = list_add(l, "", 0, KS_ENT_BAD, lineno);
        else
            rc = index_line(l, dir, line.data ? line.data : (char *)"", lineno, &path);
        if (rc != KS_OK)
            break;
    }
    ks_buf_free(&line);
    ks_buf_free(&path);
    return rc == KS_DONE ? KS_OK : rc;
}

ks_status ks_ds_list_trec(ks_ds_list *l, const char *dir, int *found)
{
    ks_buf path = {0};
    ks_instream *in = NULL;
    struct stat st;
    ks_status rc = ks_ds_join(&path, dir, "index");
    *found = 0;
    if (rc != KS_OK)
        return rc;
    if (stat(path.data, &st) != 0 || !S_ISREG(st.st_mode)) {
        ks_buf_free(&path);
        return KS_OK;
    }
    *found = 1;
    rc = ks_instream_new(&in, 64 * 1024);
    if (rc == KS_OK)
        rc = ks_instream_open(in, path.data, KS_IN_PLAIN, 0);
    if (rc == KS_OK)
        rc = read_index(l, dir, in);
    ks_instream_free(in);
    ks_buf_free(&path);
    return rc;
}
