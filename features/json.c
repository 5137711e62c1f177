/* json.c - streaming JSON writer (see json.h for the contract).
 *
 * State: j->depth open containers; for each, whether it is an object and
 * whether it has an element yet (the comma rule). A value inside an object
 * must follow a key (j->after_key). The first failure is kept in j->err and
 * turns every later call into a no-op, so callers check once at the end
 * (the sticky-error style of stdio's ferror).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ks/json.h"

void ks_json_init(ks_json *j, ks_buf *out)
{
    memset(j, 0, sizeof *j);
    j->out = out;
    j->first[0] = true;
    j->err = KS_OK;
}

ks_status ks_json_status(const ks_json *j) { return j->err; }

static void put(ks_json *j, const char *s, size_t n)
{
    if (j->err == KS_OK && ks_buf_append(j->out, s, n) != KS_OK)
        j->err = KS_ERR_NOMEM;
}

static void puts_(ks_json *j, const char *s) { put(j, s, strlen(s)); }

static void misuse(ks_json *j, const char *what)
{
    if (j->err == KS_OK)
        j->err = ks_fail(KS_ERR_USAGE, "json writer misuse: %s", what);
}

static void newline_indent(ks_json *j, int depth)
{
    static const char spaces[] = "                                ";
    if (!j->pretty)
        return;
    put(j, "\n", 1);
    for (int i = 0; i < depth; i++)
        put(j, spaces, 2);
}

/* Comma and indentation before a new element (a value or a key) of the
 * innermost container. */
static void element_start(ks_json *j)
{
    if (!j->first[j->depth])
        put(j, ",", 1);
    j->first[j->depth] = false;
    if (j->depth > 0)
        newline_indent(j, j->depth);
}

/* Called before every value; false when the value must not be written. */
static bool value_start(ks_json *j)
{
    if (j->err != KS_OK)
        return false;
    if (j->after_key) {
        j->after_key = false;
        return true;
    }
    if (j->depth > 0 && j->in_object[j->depth - 1]) {
        misuse(j, "value inside an object without a key");
        return false;
    }
    element_start(j);
    return true;
}

static void begin(ks_json *j, bool object)
{
    if (!value_start(j))
        return;
    if (j->depth >= KS_JSON_MAX_DEPTH - 1) {
        misuse(j, "nesting too deep");
        return;
    }
    put(j, object ? "{" : "[", 1);
    j->in_object[j->depth] = object;
    j->depth++;
    j->first[j->depth] = true;
}

void ks_json_begin_object(ks_json *j) { begin(j, true); }
void ks_json_begin_array(ks_json *j) { begin(j, false); }

void ks_json_end(ks_json *j)
{
    bool object;
    if (j->err != KS_OK)
        return;
    if (j->depth == 0 || j->after_key) {
        misuse(j, j->depth == 0 ? "end with nothing open" : "key without a value");
        return;
    }
    object = j->in_object[j->depth - 1];
    if (!j->first[j->depth])
        newline_indent(j, j->depth - 1);
    j->depth--;
    put(j, object ? "}" : "]", 1);
}

/* Length of the valid UTF-8 sequence at s (at most n bytes), 0 if none:
 * rejects overlong forms, surrogates and code points past U+10FFFF. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
    unsigned c = s[0];
    size_t len;
    unsigned lo = 0x80, hi = 0xBF;   /* allowed range of the second byte */
    if (c >= 0xC2 && c <= 0xDF)
        len = 2;
    else if (c >= 0xE0 && c <= 0xEF) {
        len = 3;
        if (c == 0xE0)
            lo = 0xA0;   /* overlong */
        if (c == 0xED)
            hi = 0x9F;   /* surrogates */
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4;
        if (c == 0xF0)
            lo = 0x90;   /* overlong */
        if (c == 0xF4)
            hi = 0x8F;   /* past U+10FFFF */
    } else
        return 0;
    if (n < len || s[1] < lo || s[1] > hi)
        return 0;
    for (size_t i = 2; i < len; i++)
        if ((s[i] & 0xC0) != 0x80)
            return 0;
    return len;
}

/* Escape for an ASCII byte, or NULL when it is written as is. */
static const char *ascii_escape(unsigned char c, char tmp[8])
{
    switch (c) {
    case '"': return "\\\"";
    case '\\': return "\\\\";
    case '\b': return "\\b";
    case '\f': return "\\f";
    case '\n': return "\\n";
    case '\r': return "\\r";
    case '\t': return "\\t";
    }
    if (c < 0x20) {
        snprintf(tmp, 8, "\\u%04x", c);
        return tmp;
    }
    return NULL;
}

static void write_string(ks_json *j, const char *str, size_t n)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t i = 0, run = 0;   /* bytes s[run..i) are copied verbatim */
    char tmp[8];
    put(j, "\"", 1);
    while (i < n) {
        const char *esc = NULL;
        size_t len = 1;
        if (s[i] < 0x80)
            esc = ascii_escape(s[i], tmp);
        else if ((len = utf8_len(s + i, n - i)) == 0) {
            esc = "\xEF\xBF\xBD";   /* U+FFFD for one invalid byte */
            len = 1;
        }
        if (esc) {
            put(j, (const char *)s + run, i - run);
            puts_(j, esc);
            run = i + len;
        }
        i += len;
    }
    put(j, (const char *)s + run, n - run);
    put(j, "\"", 1);
}

void ks_json_key(ks_json *j, const char *key)
{
    if (j->err != KS_OK)
        return;
    if (j->depth == 0 || !j->in_object[j->depth - 1] || j->after_key) {
        misuse(j, j->after_key ? "two keys in a row" : "key outside an object");
        return;
    }
    element_start(j);
    write_string(j, key, strlen(key));
    puts_(j, j->pretty ? ": " : ":");
    j->after_key = true;
}

void ks_json_stringn(ks_json *j, const char *s, size_t n)
{
    if (value_start(j))
        write_string(j, s, n);
}

void ks_json_string(ks_json *j, const char *s)
{
    ks_json_stringn(j, s, strlen(s));
}

/* Shortest of %.15g/%.16g/%.17g that strtod reads back exactly; %.17g
 * always does for a finite double. Assumes the C locale (json.h). */
static void format_double(double v, char out[32])
{
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(out, 32, "%.*g", prec, v);
        if (strtod(out, NULL) == v)
            return;
    }
}

void ks_json_double(ks_json *j, double v)
{
    char num[32];
    if (!value_start(j))
        return;
    if (!isfinite(v)) {
        puts_(j, "null");
        return;
    }
    format_double(v, num);
    puts_(j, num);
}

void ks_json_int(ks_json *j, int64_t v)
{
    char num[32];
    if (!value_start(j))
        return;
    snprintf(num, sizeof num, "%lld", (long long)v);
    puts_(j, num);
}

void ks_json_uint(ks_json *j, uint64_t v)
{
    char num[32];
    if (!value_start(j))
        return;
    snprintf(num, sizeof num, "%llu", (unsigned long long)v);
    puts_(j, num);
}

void ks_json_bool(ks_json *j, bool v)
{
    if (value_start(j))
        puts_(j, v ? "true" : "false");
}

void ks_json_null(ks_json *j)
{
    if (value_start(j))
        puts_(j, "null");
}
