/* hash_test.c - MurmurHash3 x86_32 against its published test vectors. */
#include <criterion/criterion.h>
#include <string.h>
#include "ks/hash.h"

Test(hash, published_vectors)
{
    cr_assert_eq(ks_hash32("", 0, 0), 0u);
    cr_assert_eq(ks_hash32("", 0, 1), 0x514e28b7u);
    cr_assert_eq(ks_hash32("", 0, 0xffffffffu), 0x81f16f39u);
    cr_assert_eq(ks_hash32("\xff\xff\xff\xff", 4, 0), 0x76293b50u);
    cr_assert_eq(ks_hash32("!Ce\x87", 4, 0), 0xf55b516bu);
    cr_assert_eq(ks_hash32("!Ce", 3, 0), 0x7e4a8634u);
    cr_assert_eq(ks_hash32("!C", 2, 0), 0xa0f7b07au);
    cr_assert_eq(ks_hash32("!", 1, 0), 0x72661cf4u);
    const char *fox = "The quick brown fox jumps over the lazy dog";
    cr_assert_eq(ks_hash32(fox, strlen(fox), 0x9747b28cu), 0x2fa826cdu);
}

Test(hash, seed_and_pair_change_the_hash)
{
    cr_assert_neq(ks_hash32("free", 4, 1), ks_hash32("free", 4, 2));
    cr_assert_neq(ks_hash_pair(1, 2), ks_hash_pair(2, 1));
    cr_assert_eq(ks_hash_pair(7, 9), ks_hash_pair(7, 9));
}
