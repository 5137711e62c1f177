/* alloc.c - the library's allocator with a counter-driven failure hook. */
#include <stdlib.h>
#include <string.h>
#include "ks/alloc.h"

static unsigned long alloc_count;  /* allocations attempted so far */
static unsigned long fail_at;      /* absolute count that fails, 0 = none */
static int fail_sticky;            /* keep failing after fail_at */

static int should_fail(void)
{
    alloc_count++;
    if (!fail_at)
        return 0;
    return fail_sticky ? alloc_count >= fail_at : alloc_count == fail_at;
}

unsigned long ks_alloc_fail_at(unsigned long nth, int sticky)
{
    fail_at = nth ? alloc_count + nth : 0;
    fail_sticky = sticky;
    return alloc_count;
}

void *ks_malloc(size_t n) { return should_fail() ? NULL : malloc(n ? n : 1); }

void *ks_calloc(size_t count, size_t size)
{
    return should_fail() ? NULL : calloc(count ? count : 1, size ? size : 1);
}

void *ks_realloc(void *p, size_t n)
{
    return should_fail() ? NULL : realloc(p, n ? n : 1);
}

void ks_free(void *p) { free(p); }

char *ks_strndup(const char *s, size_t n)
{
    size_t len = strnlen(s, n);
    char *d = ks_malloc(len + 1);
    if (!d)
        return NULL;
    memcpy(d, s, len);
    d[len] = '\0';
    return d;
}

char *ks_strdup(const char *s) { return ks_strndup(s, strlen(s)); }
