/* fileio_test.c - atomic writes (including failures that must leave the
 * old file and no temporary), whole-file reads with a bound, folders. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>
#include "ks/alloc.h"
#include "ks/fileio.h"

static char dir[64];
static char path[128];

static void setup(void)
{
    strcpy(dir, "/tmp/ks_fileio_XXXXXX");
    cr_assert_not_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/out.txt", dir);
}

static void teardown(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    (void)system(cmd);
}

TestSuite(fileio, .init = setup, .fini = teardown);

/* Number of entries in dir other than . and .. */
static int entries(const char *d)
{
    DIR *dp = opendir(d);
    struct dirent *e;
    int n = 0;
    cr_assert_not_null(dp);
    while ((e = readdir(dp)))
        n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
    closedir(dp);
    return n;
}

static void write_plain(const char *p, const char *text)
{
    FILE *f = fopen(p, "w");
    cr_assert_not_null(f);
    fputs(text, f);
    cr_assert_eq(fclose(f), 0);
}

static void assert_content(const char *p, const char *text)
{
    char *data;
    size_t len;
    cr_assert_eq(ks_read_file(p, 1 << 20, &data, &len), KS_OK);
    cr_assert_eq(len, strlen(text));
    cr_assert_str_eq(data, text);
    ks_free(data);
}

Test(fileio, write_creates_and_replaces)
{
    struct stat sb;
    cr_assert_eq(ks_write_atomic(path, "first", 5), KS_OK);
    assert_content(path, "first");
    cr_assert_eq(ks_write_atomic(path, "second!", 7), KS_OK);
    assert_content(path, "second!");
    cr_assert_eq(entries(dir), 1, "temporary file left behind");
    cr_assert_eq(stat(path, &sb), 0);
    cr_assert_eq(sb.st_mode & 0777, 0644);
    cr_assert_eq(ks_write_atomic(path, "", 0), KS_OK);
    assert_content(path, "");
}

Test(fileio, write_without_folder_part)
{
    char cwd[512];
    cr_assert_not_null(getcwd(cwd, sizeof cwd));
    cr_assert_eq(chdir(dir), 0);
    cr_assert_eq(ks_write_atomic("rel.txt", "x", 1), KS_OK);
    cr_assert_eq(chdir(cwd), 0);
    snprintf(path, sizeof path, "%s/rel.txt", dir);
    assert_content(path, "x");
}

Test(fileio, write_into_missing_folder_fails_cleanly)
{
    char p[160];
    snprintf(p, sizeof p, "%s/missing/out.txt", dir);
    cr_assert_eq(ks_write_atomic(p, "x", 1), KS_ERR_WRITE);
    cr_assert_not_null(strstr(ks_error_detail(), p), "%s", ks_error_detail());
    cr_assert_not_null(strstr(ks_error_detail(), "No such file"), "%s",
                       ks_error_detail());
    cr_assert_eq(entries(dir), 0);
}

Test(fileio, failed_rename_removes_the_temporary)
{
    /* the target is a non-empty folder: the temporary is written, synced,
     * and the rename fails; the folder must be untouched and no
     * temporary left */
    char inner[160];
    cr_assert_eq(mkdir(path, 0755), 0);
    snprintf(inner, sizeof inner, "%s/keep", path);
    write_plain(inner, "kept");
    cr_assert_eq(ks_write_atomic(path, "new", 3), KS_ERR_WRITE);
    cr_assert_not_null(strstr(ks_error_detail(), path));
    cr_assert_eq(entries(dir), 1, "temporary file left behind");
    assert_content(inner, "kept");
}

Test(fileio, failed_write_keeps_the_old_file)
{
    /* RLIMIT_FSIZE makes write() fail with EFBIG part-way (root cannot be
     * stopped by permissions, but it is by this limit) */
    static char big[100000];
    struct rlimit rl = {4096, 4096};
    memset(big, 'b', sizeof big);
    write_plain(path, "old content");
    signal(SIGXFSZ, SIG_IGN);
    cr_assert_eq(setrlimit(RLIMIT_FSIZE, &rl), 0);
    cr_assert_eq(ks_write_atomic(path, big, sizeof big), KS_ERR_WRITE);
    cr_assert_not_null(strstr(ks_error_detail(), path), "%s", ks_error_detail());
    assert_content(path, "old content");
    cr_assert_eq(entries(dir), 1, "temporary file left behind");
}

Test(fileio, read_file_bounds_and_errors)
{
    char *data = (char *)1;
    size_t len = 99;
    static char big[10000];
    memset(big, 'q', sizeof big);
    cr_assert_eq(ks_write_atomic(path, big, sizeof big), KS_OK);
    cr_assert_eq(ks_read_file(path, sizeof big, &data, &len), KS_OK);
    cr_assert_eq(len, sizeof big);
    cr_assert_eq(data[len], '\0');
    cr_assert_eq(memcmp(data, big, len), 0);
    ks_free(data);
    cr_assert_eq(ks_read_file(path, sizeof big - 1, &data, &len), KS_ERR_LIMIT);
    cr_assert_null(data);
    cr_assert_eq(ks_read_file(path, 10, &data, &len), KS_ERR_LIMIT);
    strcat(path, ".none");
    cr_assert_eq(ks_read_file(path, 10, &data, &len), KS_ERR_IO);
    cr_assert_not_null(strstr(ks_error_detail(), path));
}

Test(fileio, ensure_dir_cases)
{
    char sub[160];
    snprintf(sub, sizeof sub, "%s/sub", dir);
    cr_assert_eq(ks_ensure_dir(sub), KS_OK);
    cr_assert_eq(ks_ensure_dir(sub), KS_OK);   /* existing is fine */
    write_plain(path, "f");
    cr_assert_eq(ks_ensure_dir(path), KS_ERR_WRITE);   /* a file */
    cr_assert_not_null(strstr(ks_error_detail(), "not a folder"));
    snprintf(sub, sizeof sub, "%s/a/b", dir);
    cr_assert_eq(ks_ensure_dir(sub), KS_ERR_WRITE);   /* one level only */
}

Test(fileio, path_join)
{
    char *p = ks_path_join("a/b", "c");
    cr_assert_str_eq(p, "a/b/c");
    ks_free(p);
    p = ks_path_join("a/", "c");
    cr_assert_str_eq(p, "a/c");
    ks_free(p);
    p = ks_path_join("/", "c");
    cr_assert_str_eq(p, "/c");
    ks_free(p);
}

Test(fileio, allocation_failures)
{
    static char big[20000];
    memset(big, 'z', sizeof big);
    for (unsigned long n = 1;; n++) {
        ks_status st;
        char *data = NULL;
        size_t len;
        ks_alloc_fail_at(n, 0);
        st = ks_write_atomic(path, big, sizeof big);
        if (st == KS_OK)
            st = ks_read_file(path, sizeof big, &data, &len);
        ks_alloc_fail_at(0, 0);
        ks_free(data);
        if (st == KS_OK)
            break;
        cr_assert_eq(st, KS_ERR_NOMEM);
        cr_assert_lt(n, 50);
    }
    cr_assert_eq(entries(dir), 1);
}
