/* spill_test.c - the temporary file of app/spill.c: what is written comes
 * back in order, whatever the record sizes (some larger than the write
 * and read buffers), to two readers at once; KS_DONE at the end. */
#include <criterion/criterion.h>
#include <string.h>
#include "spill.h"

static size_t len_of(unsigned k) { return k % 7 == 0 ? KS_SPILL_BUF + 1000 + k : k * 37 % 5000; }

static void fill(unsigned k, unsigned char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (unsigned char)(k * 131 + i);
}

Test(spill, records_come_back_in_order)
{
    enum { N = 60 };
    static unsigned char want[KS_SPILL_BUF + 2000];
    ks_spill *s;
    ks_spill_reader a, b;
    const unsigned char *p;
    uint64_t total = 0;
    cr_assert_eq(ks_spill_new(&s, "test"), KS_OK);
    for (unsigned k = 0; k < N; k++) {
        uint32_t n = (uint32_t)len_of(k);
        fill(k, want, n);
        cr_assert_eq(ks_spill_write(s, &n, sizeof n), KS_OK);
        cr_assert_eq(ks_spill_write(s, want, n), KS_OK);
        total += sizeof n + n;
    }
    cr_assert_eq(ks_spill_size(s), total);
    cr_assert_eq(ks_spill_flush(s), KS_OK);
    ks_spill_reader_start(&a, s);
    ks_spill_reader_start(&b, s);
    for (unsigned k = 0; k < N; k++)
        for (int r = 0; r < 2; r++) {   /* the readers in turn */
            ks_spill_reader *x = r ? &b : &a;
            uint32_t n;
            cr_assert_eq(ks_spill_read(x, sizeof n, &p), KS_OK);
            memcpy(&n, p, sizeof n);
            cr_assert_eq(n, len_of(k), "record %u", k);
            cr_assert_eq(ks_spill_read(x, n, &p), KS_OK);
            fill(k, want, n);
            cr_assert(memcmp(p, want, n) == 0, "record %u differs", k);
        }
    cr_assert_eq(ks_spill_read(&a, 4, &p), KS_DONE);
    cr_assert_eq(ks_spill_read(&b, 0, &p), KS_OK);
    ks_spill_reader_end(&a);
    ks_spill_reader_end(&b);
    ks_spill_free(s);
}

Test(spill, a_read_past_the_end_fails)
{
    ks_spill *s;
    ks_spill_reader r;
    const unsigned char *p;
    cr_assert_eq(ks_spill_new(&s, "test"), KS_OK);
    cr_assert_eq(ks_spill_write(s, "abc", 3), KS_OK);
    ks_spill_reader_start(&r, s);
    cr_assert_eq(ks_spill_read(&r, 1, &p), KS_DONE, "nothing flushed yet");
    cr_assert_eq(ks_spill_flush(s), KS_OK);
    cr_assert_eq(ks_spill_read(&r, 4, &p), KS_ERR_IO);
    cr_assert_eq(ks_spill_read(&r, 3, &p), KS_OK);
    cr_assert(memcmp(p, "abc", 3) == 0);
    ks_spill_reader_end(&r);
    ks_spill_free(s);
}
