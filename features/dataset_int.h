/* dataset_int.h - internals shared by dataset.c (iteration) and
 * dataset_list.c (finding the files of a dataset). Not a public header.
 */
#ifndef KS_DATASET_INT_H
#define KS_DATASET_INT_H

#include <stddef.h>
#include <stdint.h>
#include "ks/buf.h"
#include "ks/dataset.h"

#define KS_ENT_CSV (-1)   /* entry label of a CSV file (labels are inside) */
#define KS_ENT_BAD (-2)   /* a malformed TREC index line (skip on reading) */
#define KS_ENT_SVM (-3)   /* entry label of a LIBSVM file (labels are inside) */

/* One data file (or one TREC index line). */
typedef struct {
    char *path;   /* in the list's path store; relative to the dataset
                     folder (mail, csv) or as written in the TREC index */
    int label;    /* 0 ham, 1 spam, or KS_ENT_CSV / KS_ENT_BAD */
    long line;    /* TREC index line, else 0 */
} ks_ds_entry;

/* The file list: entries in sorted order (TREC: index order). */
typedef struct {
    ks_ds_entry *v;
    size_t n, cap;
    uint64_t bytes;   /* total size on disk of the data files */
    char *chunk;      /* the paths, back to back in 64 KiB chunks (each
                         starts with a pointer to the one before): no
                         allocation per file, since the list is the one
                         thing of a training run that grows with the
                         number of files */
    size_t chunk_used, chunk_cap;
} ks_ds_list;

void ks_ds_list_free(ks_ds_list *l);

/* Gives the entry array back the room it grew into but does not use. */
void ks_ds_list_trim(ks_ds_list *l);

/* Each lister appends to l and sorts what it found (except TREC).
 * *found tells whether the format is present at all: an index file, a
 * *.csv(.gz) at the top, a ham/ or spam/ folder. Errors are I/O errors on
 * the folder or index (KS_ERR_IO) and KS_ERR_NOMEM. */
ks_status ks_ds_list_trec(ks_ds_list *l, const char *dir, int *found /* OUT */);
ks_status ks_ds_list_csv(ks_ds_list *l, const char *dir, int *found /* OUT */);
ks_status ks_ds_list_mail(ks_ds_list *l, const char *dir, int *found /* OUT */);
/* *.svm, *.libsvm (and .gz) at the top (features/libsvm.c reads them). */
ks_status ks_ds_list_libsvm(ks_ds_list *l, const char *dir, int *found /* OUT */);

/* dir + "/" + rel (rel as is when absolute) into b (cleared first). */
ks_status ks_ds_join(ks_buf *b, const char *dir, const char *rel);

#endif
