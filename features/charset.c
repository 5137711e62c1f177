/* charset.c - declared charsets to UTF-8.
 *
 * A declared name is first mapped through an alias table to the decoder a
 * mail client would really use. The mapping follows the WHATWG Encoding
 * Standard, because mail in the wild is labelled the way browsers read it:
 * "gb2312" text contains GBK characters, "iso-8859-1" text contains
 * windows-1252 quotes, "ks_c_5601-1987" is Microsoft's CP949.
 *
 * Four decoders, cheapest first:
 *   - pure ASCII input in an ASCII-compatible charset is copied (most mail);
 *   - UTF-8 is validated and copied, bad bytes become U+FFFD;
 *   - windows-1252 and latin-1 use a table (no iconv for the commonest case);
 *   - everything else goes through glibc iconv. A byte iconv rejects becomes
 *     U+FFFD and conversion resumes at the next byte, so bad input never
 *     fails the call; an unknown name falls back to sniffing.
 * "Sniffing" (no charset, us-ascii with 8-bit bytes, unknown name): UTF-8 if
 * the bytes are valid UTF-8, ISO-2022-JP if they carry its escapes, else
 * windows-1252.
 *
 * iconv_open costs far more than a short conversion (it looks up and may
 * dlopen a gconv module; measured in docs/design-mime.md), and one message
 * converts every header word and body part, so descriptors are cached per
 * thread: a small round-robin table in thread-local storage, closed by a
 * pthread key destructor when the thread exits. No locks are needed.
 */
#include <errno.h>
#include <iconv.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include "ks/alloc.h"
#include "ks/charset.h"

/* ---- UTF-8 ------------------------------------------------------------ */

/* Length of the well-formed UTF-8 sequence at s (n bytes left), 0 if none
 * (RFC 3629 table 3-7: no overlongs, no surrogates, <= U+10FFFF). */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
    unsigned c = s[0], lo = 0x80, hi = 0xBF;
    size_t len, i;
    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF)
        len = 2;
    else if (c >= 0xE0 && c <= 0xEF)
        len = 3;
    else if (c >= 0xF0 && c <= 0xF4)
        len = 4;
    else
        return 0;
    if (n < len)
        return 0;
    if (c == 0xE0)
        lo = 0xA0;
    else if (c == 0xED)
        hi = 0x9F;
    else if (c == 0xF0)
        lo = 0x90;
    else if (c == 0xF4)
        hi = 0x8F;
    if (s[1] < lo || s[1] > hi)
        return 0;
    for (i = 2; i < len; i++)
        if ((s[i] & 0xC0) != 0x80)
            return 0;
    return len;
}

/* Bytes of the leading all-ASCII run, 8 bytes at a time. */
static size_t ascii_prefix(const unsigned char *s, size_t n)
{
    size_t i = 0;
    uint64_t w;
    for (; i + 8 <= n; i += 8) {
        memcpy(&w, s + i, 8);
        if (w & 0x8080808080808080ull)
            break;
    }
    while (i < n && s[i] < 0x80)
        i++;
    return i;
}

bool ks_utf8_valid(const char *s, size_t len)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0, k;
    while (i < len) {
        i += ascii_prefix(u + i, len - i);
        if (i >= len)
            break;
        k = utf8_seq(u + i, len - i);
        if (!k)
            return false;
        i += k;
    }
    return true;
}

static char *put_cp(char *o, unsigned cp)
{
    if (cp < 0x80) {
        *o++ = (char)cp;
    } else if (cp < 0x800) {
        *o++ = (char)(0xC0 | cp >> 6);
        *o++ = (char)(0x80 | (cp & 0x3F));
    } else {
        *o++ = (char)(0xE0 | cp >> 12);
        *o++ = (char)(0x80 | ((cp >> 6) & 0x3F));
        *o++ = (char)(0x80 | (cp & 0x3F));
    }
    return o;
}

static const char REPL[] = "\xEF\xBF\xBD"; /* U+FFFD */

/* Copies UTF-8, replacing each byte that starts no valid sequence. */
static ks_status utf8_sanitize(const char *in, size_t len, ks_buf *out)
{
    const unsigned char *u = (const unsigned char *)in;
    size_t i = 0, k;
    ks_status st = ks_buf_reserve(out, len);
    while (st == KS_OK && i < len) {
        k = ascii_prefix(u + i, len - i);
        while (k < len - i) {
            size_t q = utf8_seq(u + i + k, len - i - k);
            if (!q)
                break;
            k += q;
        }
        st = ks_buf_append(out, in + i, k);
        i += k;
        if (st == KS_OK && i < len) {
            st = ks_buf_append(out, REPL, 3);
            i++;
        }
    }
    return st;
}

/* ---- single-byte tables ------------------------------------------------ */

/* windows-1252 0x80..0x9F; the five holes map to C1 controls (WHATWG). */
static const unsigned short cp1252_hi[32] = {
    0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
    0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x008D, 0x017D, 0x008F,
    0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
    0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178};

static ks_status sbcs_to_utf8(const char *in, size_t len, int cp1252,
                              ks_buf *out)
{
    size_t i;
    char *o;
    ks_status st = ks_buf_reserve(out, len * 3);
    if (st != KS_OK)
        return st;
    o = out->data + out->len;
    for (i = 0; i < len; i++) {
        unsigned c = (unsigned char)in[i];
        if (cp1252 && c >= 0x80 && c < 0xA0)
            c = cp1252_hi[c - 0x80];
        o = put_cp(o, c);
    }
    out->len = (size_t)(o - out->data);
    out->data[out->len] = '\0';
    return KS_OK;
}

ks_status ks_latin1_to_utf8(const char *in, size_t len, ks_buf *out)
{
    return sbcs_to_utf8(in, len, 0, out);
}

/* ---- names --------------------------------------------------------------- */

typedef enum {
    CS_SNIFF,   /* undeclared or unknown */
    CS_ASCII,   /* us-ascii: copy, sniff if 8-bit bytes occur */
    CS_UTF8,
    CS_1252,
    CS_ICONV
} cs_kind;

typedef struct {
    cs_kind kind;
    const char *iconv_name;  /* CS_ICONV: name for iconv_open */
    int ascii_safe;          /* ASCII bytes mean ASCII (no escapes, '+', wide) */
} cs_info;

typedef struct {
    const char *alias;  /* lower case */
    cs_kind kind;
    const char *iconv_name;
} cs_alias;

static const cs_alias aliases[] = {
    {"", CS_SNIFF, NULL}, {"default", CS_SNIFF, NULL},
    {"unknown", CS_SNIFF, NULL}, {"unknown-8bit", CS_SNIFF, NULL},
    {"x-unknown", CS_SNIFF, NULL}, {"x-user-defined", CS_SNIFF, NULL},
    {"none", CS_SNIFF, NULL}, {"charset", CS_SNIFF, NULL},
    {"us-ascii", CS_ASCII, NULL}, {"ascii", CS_ASCII, NULL},
    {"ansi_x3.4-1968", CS_ASCII, NULL}, {"us", CS_ASCII, NULL},
    {"utf-8", CS_UTF8, NULL}, {"utf8", CS_UTF8, NULL},
    {"x-utf-8", CS_UTF8, NULL}, {"unicode-1-1-utf-8", CS_UTF8, NULL},
    {"iso-8859-1", CS_1252, NULL}, {"iso8859-1", CS_1252, NULL},
    {"iso_8859-1", CS_1252, NULL}, {"latin1", CS_1252, NULL},
    {"l1", CS_1252, NULL}, {"cp819", CS_1252, NULL},
    {"windows-1252", CS_1252, NULL}, {"cp1252", CS_1252, NULL},
    {"x-cp1252", CS_1252, NULL}, {"iso-8859-15", CS_ICONV, "ISO-8859-15"},
    {"unicode-1-1-utf-7", CS_ICONV, "UTF-7"}, {"utf-7", CS_ICONV, "UTF-7"},
    {"x-unicode-2-0-utf-7", CS_ICONV, "UTF-7"},
    {"ks_c_5601-1987", CS_ICONV, "CP949"}, {"ks_c_5601", CS_ICONV, "CP949"},
    {"euc-kr", CS_ICONV, "CP949"}, {"x-euc-kr", CS_ICONV, "CP949"},
    {"korean", CS_ICONV, "CP949"}, {"windows-949", CS_ICONV, "CP949"},
    {"ksc5601", CS_ICONV, "CP949"}, {"ks_c_5601-1989", CS_ICONV, "CP949"},
    {"gb2312", CS_ICONV, "GBK"}, {"x-gbk", CS_ICONV, "GBK"},
    {"gbk", CS_ICONV, "GBK"}, {"cp936", CS_ICONV, "GBK"},
    {"x-gb2312", CS_ICONV, "GBK"}, {"csgb2312", CS_ICONV, "GBK"},
    {"gb_2312-80", CS_ICONV, "GBK"}, {"chinese", CS_ICONV, "GBK"},
    {"euc-cn", CS_ICONV, "GBK"}, {"x-euc-cn", CS_ICONV, "GBK"},
    {"big5", CS_ICONV, "BIG5-HKSCS"}, {"x-big5", CS_ICONV, "BIG5-HKSCS"},
    {"big5-hkscs", CS_ICONV, "BIG5-HKSCS"}, {"cn-big5", CS_ICONV, "BIG5-HKSCS"},
    {"csbig5", CS_ICONV, "BIG5-HKSCS"}, {"x-x-big5", CS_ICONV, "BIG5-HKSCS"},
    {"shift_jis", CS_ICONV, "CP932"}, {"shift-jis", CS_ICONV, "CP932"},
    {"sjis", CS_ICONV, "CP932"}, {"x-sjis", CS_ICONV, "CP932"},
    {"ms_kanji", CS_ICONV, "CP932"}, {"windows-31j", CS_ICONV, "CP932"},
    {"iso-2022-jp", CS_ICONV, "ISO-2022-JP-2"},
    {"csiso2022jp", CS_ICONV, "ISO-2022-JP-2"},
    {"iso-8859-9", CS_ICONV, "CP1254"}, {"latin5", CS_ICONV, "CP1254"},
    {"iso-8859-11", CS_ICONV, "CP874"}, {"tis-620", CS_ICONV, "CP874"},
    {"windows-874", CS_ICONV, "CP874"},
    {"iso-8859-8-i", CS_ICONV, "ISO-8859-8"},
    {"x-mac-roman", CS_ICONV, "MACINTOSH"}, {"mac", CS_ICONV, "MACINTOSH"},
};

/* Wide or stateful charsets in which ASCII bytes may not mean ASCII. */
static int ascii_unsafe(const char *n)
{
    static const char *const pre[] = {"utf-16", "utf-32", "ucs", "utf16",
        "utf32", "utf-7", "unicode", "hz", "iso-2022", "iso2022", "csiso2022",
        "ebcdic", "ibm0", "cp037", "cp500", "ibm-0", "ibm037", "ibm500"};
    size_t i;
    for (i = 0; i < sizeof pre / sizeof *pre; i++)
        if (!strncmp(n, pre[i], strlen(pre[i])))
            return 1;
    return 0;
}

/* Lower-cases and trims `name` into buf (cap bytes); "" if too long. */
static void norm_name(const char *name, char *buf, size_t cap)
{
    size_t n = 0;
    const char *e;
    while (*name == ' ' || *name == '\t' || *name == '"' || *name == '\'')
        name++;
    e = name + strlen(name);
    while (e > name && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '"' ||
                        e[-1] == '\''))
        e--;
    if ((size_t)(e - name) >= cap)
        e = name;
    for (; name < e; name++) {
        char c = *name;
        buf[n++] = (c >= 'A' && c <= 'Z') ? (char)(c + 32) : c;
    }
    buf[n] = '\0';
}

/* Resolves a declared name. buf (64 bytes) receives the normalised name,
 * which iconv_name may point into. */
static cs_info resolve(const char *charset, char *buf)
{
    cs_info ci = {CS_SNIFF, NULL, 1};
    size_t i;
    norm_name(charset ? charset : "", buf, 64);
    for (i = 0; i < sizeof aliases / sizeof *aliases; i++) {
        if (!strcmp(buf, aliases[i].alias)) {
            ci.kind = aliases[i].kind;
            ci.iconv_name = aliases[i].iconv_name;
            ci.ascii_safe = !ascii_unsafe(buf);
            return ci;
        }
    }
    ci.kind = CS_ICONV;
    ci.iconv_name = buf;
    ci.ascii_safe = !ascii_unsafe(buf);
    return ci;
}

/* ---- iconv, cached per thread -------------------------------------------- */

enum { CACHE_SLOTS = 8, CACHE_NAME = 32 };

typedef struct {
    char name[CACHE_NAME];  /* iconv source name, "" if slot empty */
    iconv_t cd;             /* open descriptor, or (iconv_t)-1 if unknown */
} cs_slot;

typedef struct {
    cs_slot slot[CACHE_SLOTS];
    unsigned next;          /* round-robin victim */
} cs_cache;

static _Thread_local cs_cache *tcache;  /* this thread's cache, lazily made */
static pthread_key_t cache_key;
static pthread_once_t cache_once = PTHREAD_ONCE_INIT;

static void cache_destroy(void *p)
{
    cs_cache *c = p;
    unsigned i;
    for (i = 0; i < CACHE_SLOTS; i++)
        if (c->slot[i].name[0] && c->slot[i].cd != (iconv_t)-1)
            iconv_close(c->slot[i].cd);
    ks_free(c);
}

static void cache_key_make(void) { pthread_key_create(&cache_key, cache_destroy); }

/* Returns an open descriptor from `name` to UTF-8, owned by the cache, or
 * (iconv_t)-1 when iconv does not know the name (remembered too), the name
 * is implausibly long, or memory ran out. */
static iconv_t cache_get(const char *name)
{
    cs_slot *s;
    unsigned i;
    if (strlen(name) >= CACHE_NAME)
        return (iconv_t)-1;
    if (!tcache) {
        pthread_once(&cache_once, cache_key_make);
        tcache = ks_calloc(1, sizeof *tcache);
        if (!tcache)
            return (iconv_t)-1;
        pthread_setspecific(cache_key, tcache);
    }
    for (i = 0; i < CACHE_SLOTS; i++)
        if (!strcmp(tcache->slot[i].name, name))
            return tcache->slot[i].cd;
    s = &tcache->slot[tcache->next];
    tcache->next = (tcache->next + 1) % CACHE_SLOTS;
    if (s->name[0] && s->cd != (iconv_t)-1)
        iconv_close(s->cd);
    strcpy(s->name, name);
    s->cd = iconv_open("UTF-8", name);
    return s->cd;
}

/* Converts with cd, turning each rejected byte into U+FFFD. */
static ks_status iconv_append(iconv_t cd, const char *in, size_t len,
                              ks_buf *out)
{
    char *ip = (char *)in, *op;
    size_t il = len, ol;
    int err;
    ks_status st = ks_buf_reserve(out, len * 2 + 16);
    iconv(cd, NULL, NULL, NULL, NULL);
    while (st == KS_OK && il) {
        op = out->data + out->len;
        ol = out->cap - out->len - 1;
        if (iconv(cd, &ip, &il, &op, &ol) != (size_t)-1) {
            out->len = (size_t)(op - out->data);
            break;
        }
        err = errno;
        out->len = (size_t)(op - out->data);
        if (err == E2BIG) {
            st = ks_buf_reserve(out, (out->cap - out->len) * 2 + 64);
            continue;
        }
        st = ks_buf_append(out, REPL, 3);
        if (err == EILSEQ && il > 0) {   /* glibc's UHC can say EILSEQ with */
            ip++;                        /* all the input consumed */
            il--;
        } else {
            il = 0;  /* EINVAL: truncated final sequence */
        }
    }
    if (st == KS_OK)
        st = ks_buf_reserve(out, 16);
    if (st == KS_OK) {  /* back to the initial shift state */
        op = out->data + out->len;
        ol = out->cap - out->len - 1;
        iconv(cd, NULL, NULL, &op, &ol);
        out->len = (size_t)(op - out->data);
        out->data[out->len] = '\0';
    }
    return st;
}

/* ---- entry points -------------------------------------------------------- */

static int has_2022jp_escape(const char *in, size_t len)
{
    const char *p = in, *end = in + len;
    while ((p = memchr(p, 0x1B, (size_t)(end - p))) != NULL) {
        if (end - p >= 3 && ((p[1] == '$' && (p[2] == 'B' || p[2] == '@')) ||
                             (p[1] == '(' && (p[2] == 'B' || p[2] == 'J'))))
            return 1;
        p++;
    }
    return 0;
}

static ks_status sniff_to_utf8(const char *in, size_t len, ks_buf *out)
{
    iconv_t cd;
    if (ks_utf8_valid(in, len) && !has_2022jp_escape(in, len))
        return ks_buf_append(out, in, len);
    if (has_2022jp_escape(in, len)) {
        cd = cache_get("ISO-2022-JP-2");
        if (cd != (iconv_t)-1)
            return iconv_append(cd, in, len, out);
    }
    return sbcs_to_utf8(in, len, 1, out);
}

ks_status ks_charset_to_utf8(const char *charset, const char *in, size_t len,
                             ks_buf *out)
{
    char name[64];
    cs_info ci = resolve(charset, name);
    iconv_t cd;
    if (ci.ascii_safe && ci.kind != CS_SNIFF &&
        ascii_prefix((const unsigned char *)in, len) == len)
        return ks_buf_append(out, in, len);
    switch (ci.kind) {
    case CS_UTF8:
        return utf8_sanitize(in, len, out);
    case CS_1252:
        return sbcs_to_utf8(in, len, 1, out);
    case CS_ICONV:
        cd = cache_get(ci.iconv_name);
        if (cd != (iconv_t)-1)
            return iconv_append(cd, in, len, out);
        return sniff_to_utf8(in, len, out);
    case CS_ASCII:
    case CS_SNIFF:
        break;
    }
    return sniff_to_utf8(in, len, out);
}

bool ks_charset_supported(const char *charset)
{
    char name[64];
    cs_info ci = resolve(charset, name);
    if (ci.kind != CS_ICONV)
        return ci.kind != CS_SNIFF || name[0] == '\0';
    return cache_get(ci.iconv_name) != (iconv_t)-1;
}
