/* cpu.h - CPU feature detection and the table of SIMD kernels.
 *
 * Kernels are picked once (ks_cpu_init(), run on first use through
 * pthread_once) from what the CPU reports, never from the build machine:
 * only the kernel files get ISA flags (CMakeLists.txt), the rest of the
 * library is plain x86-64 / arm64. KS_KERNEL=scalar|sse2|avx2|avx512|neon
 * in the environment forces a kernel; an unknown or unsupported name logs
 * a warning and the best supported kernel is used.
 *
 * Every kernel gives the same result as the scalar one (the specification;
 * tests/simd/ checks it). Threads: the table is filled once and read-only
 * afterwards.
 */
#ifndef KS_CPU_H
#define KS_CPU_H

#include <stddef.h>
#include <stdint.h>

typedef enum {
    KS_KERNEL_SCALAR = 0,   /* the specification: byte-at-a-time tokenizer */
    KS_KERNEL_SSE2,         /* x86-64 baseline, 16 bytes per step */
    KS_KERNEL_AVX2,         /* 32 bytes per step */
    KS_KERNEL_AVX512,       /* AVX-512F/BW/DQ, 64 bytes per step */
    KS_KERNEL_NEON,         /* AArch64 Advanced SIMD, 16 bytes per step */
    KS_KERNEL_COUNT
} ks_kernel_id;

/* Classifies n bytes of src (n a multiple of 64, n may be 0) for the
 * tokenizer: dst[i] = src[i] with 'A'..'Z' folded to lower case; bit j of
 * word[i / 64] is set when src[64 i + j] is a word byte (ks_tok_word_byte);
 * bit j of high[i / 64] when it is >= 0x80. src, dst need no alignment. */
typedef void (*ks_tok_classify_fn)(const unsigned char *src, size_t n,
                                   unsigned char *dst, uint64_t *word,
                                   uint64_t *high);

/* The counting kernels drain bow.c's ordered table: t[0..n) holds entries
 * bucket << 32 | (count + 2^31) and EMPTY slots (KS_BOW_EMPTY: bucket
 * 0xffffffff, count 0; buckets are < 2^31); the filled
 * slots, in slot order, are the distinct buckets in ascending order. For
 * kernels without bow_scan, occ has a bit per filled slot: the kernel
 * visits the slots of its set bits below n and clears them. For kernels
 * with bow_scan, n is a multiple of 8 and occ is a byte map read as
 * unsigned char[n / 8]: byte q is not 0 when the group of slots 8 q ..
 * 8 q + 7 may hold entries (every group that does is marked); the kernel
 * visits the marked groups and zeroes the map. The scalar kernels, the
 * specification, take occ NULL as well: then they scan every slot. Either
 * way every slot is EMPTY afterwards.
 *
 * ks_bow_binary_fn writes the binary feature of every entry whose count is
 * not 0 to out, a ks_feature array (features.h: {uint32_t index; float
 * value}) with room for (filled slots + 8) features: index = bucket, value
 * +1.0f or -1.0f by the count's sign; with normalize, multiplied by
 * (float)(1.0 / sqrt((double)m)) for the m features written. Returns m.
 * ks_bow_compact_fn copies every filled entry as it is (count 0 included)
 * to out (room for filled slots + 8) and returns their number. */
#define KS_BOW_EMPTY 0xffffffff80000000ull
typedef size_t (*ks_bow_binary_fn)(uint64_t *t, uint64_t *occ, size_t n, void *out,
                                   int normalize);
typedef size_t (*ks_bow_compact_fn)(uint64_t *t, uint64_t *occ, size_t n, uint64_t *out);

/* The token walk of the batch tokenizer (tokenize.c) for kernels that
 * flatten first. ks_tok_flatten_fn: for the nw classified words of a chunk
 * (bit j of word[w] set for a word byte at 64 w + j, ks_tok_classify_fn),
 * appends the position of every token start (a word byte after a non-word
 * one, or at 0) to st[*ns..] and of every token end (a non-word byte after
 * a word one) to en[*ne..], ascending, advancing *ns and *ne; st and en
 * have room for 16 more positions than that. ks_tok_hash_fn: for the m
 * tokens low[st[i] .. en[i]) (lengths >= 1; low readable 16 bytes past
 * every start and 8 past every end), sets out[i] = ks_hash_tok(token,
 * seed) (hash.h) for every token of at most maxt bytes, and returns the
 * number of the others (out[i] of those is unspecified). */
typedef void (*ks_tok_flatten_fn)(const uint64_t *word, size_t nw, uint32_t *st,
                                  uint32_t *en, size_t *ns, size_t *ne);
typedef size_t (*ks_tok_hash_fn)(const unsigned char *low, const uint32_t *st,
                                 const uint32_t *en, size_t m, uint32_t seed, size_t maxt,
                                 uint32_t *out);

typedef struct {
    const char *name;               /* "scalar", "sse2", ... (static) */
    ks_tok_classify_fn classify;    /* NULL when not built for this arch */
    ks_bow_binary_fn bow_binary;    /* counting table -> binary features */
    ks_bow_compact_fn bow_compact;  /* counting table -> entries (log weights) */
    int bow_scan;                   /* 1: the counting kernels take the group map */
    ks_tok_flatten_fn tok_flatten;  /* NULL: tokenize.c walks the bits itself */
    ks_tok_hash_fn tok_hash;        /* with tok_flatten */
} ks_kernel;

/* Detects the CPU and picks the kernel (idempotent, thread-safe). */
void ks_cpu_init(void);

/* The kernel in use (after ks_cpu_init(); calls it if needed). */
ks_kernel_id ks_kernel_current(void);
/* Name of the kernel in use, e.g. "avx2" (static string). */
const char *ks_kernel_name(void);

/* Makes id the kernel that tokenizers created from now on get (tests and
 * benchmarks; call while no other thread creates tokenizers). KS_ERR_USAGE
 * (as an int, see status.h) when id is not supported here. */
int ks_kernel_select(ks_kernel_id id);

/* Table entry of id (NULL for an id out of range). */
const ks_kernel *ks_kernel_get(ks_kernel_id id);
/* 1 when id is built into this binary and the CPU runs it. */
int ks_kernel_supported(ks_kernel_id id);
/* Id of a kernel name, or -1 for an unknown name. */
int ks_kernel_lookup(const char *name);

/* The scalar classify kernel (the specification of ks_tok_classify_fn),
 * and the SIMD ones built for this arch (declared everywhere, defined only
 * where built: use them through ks_kernel_get()). */
void ks_tok_classify_scalar(const unsigned char *src, size_t n,
                            unsigned char *dst, uint64_t *word, uint64_t *high);
void ks_tok_classify_sse2(const unsigned char *src, size_t n,
                          unsigned char *dst, uint64_t *word, uint64_t *high);
void ks_tok_classify_avx2(const unsigned char *src, size_t n,
                          unsigned char *dst, uint64_t *word, uint64_t *high);
void ks_tok_classify_avx512(const unsigned char *src, size_t n,
                            unsigned char *dst, uint64_t *word, uint64_t *high);
void ks_tok_classify_neon(const unsigned char *src, size_t n,
                          unsigned char *dst, uint64_t *word, uint64_t *high);

/* The token-walk kernels: scalar is the specification (no kernel uses
 * it); AVX-512 (F, DQ), its flatten kernel replaced by the VBMI2 one at
 * start-up when the CPU has AVX512_VBMI2, its hash kernel by the VBMI one
 * (and BW) when it has AVX512_VBMI. */
void ks_tok_flatten_scalar(const uint64_t *word, size_t nw, uint32_t *st, uint32_t *en,
                           size_t *ns, size_t *ne);
void ks_tok_flatten_avx512(const uint64_t *word, size_t nw, uint32_t *st, uint32_t *en,
                           size_t *ns, size_t *ne);
void ks_tok_flatten_avx512vbmi2(const uint64_t *word, size_t nw, uint32_t *st, uint32_t *en,
                                size_t *ns, size_t *ne);
size_t ks_tok_hash_scalar(const unsigned char *low, const uint32_t *st, const uint32_t *en,
                          size_t m, uint32_t seed, size_t maxt, uint32_t *out);
size_t ks_tok_hash_avx512(const unsigned char *low, const uint32_t *st, const uint32_t *en,
                          size_t m, uint32_t seed, size_t maxt, uint32_t *out);
size_t ks_tok_hash_avx512vbmi(const unsigned char *low, const uint32_t *st, const uint32_t *en,
                              size_t m, uint32_t seed, size_t maxt, uint32_t *out);

/* The counting kernels (bow.c): scalar is the specification (both modes)
 * and the one SSE2, AVX2 and NEON use (SSE2 and AVX2 scans were slower
 * than its bitmap walk, bench/README.md; NEON was not measured). AVX-512
 * scans the marked groups. */
size_t ks_bow_binary_scalar(uint64_t *t, uint64_t *occ, size_t n, void *out, int normalize);
size_t ks_bow_binary_avx512(uint64_t *t, uint64_t *occ, size_t n, void *out, int normalize);
size_t ks_bow_compact_scalar(uint64_t *t, uint64_t *occ, size_t n, uint64_t *out);
size_t ks_bow_compact_avx512(uint64_t *t, uint64_t *occ, size_t n, uint64_t *out);

#endif
