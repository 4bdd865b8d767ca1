/*
 * fuzz_json - libFuzzer target for the JSON body reader of the web layer
 * (web/api.h: api_parse_body, the part of api_body that needs no request,
 * and api_json_depth_ok).
 *
 * Input: a request body. A reference reader written here from RFC 8259
 * (not from api.c or jansson) classifies it: syntax, top-level type,
 * nesting depth, duplicate keys (compared after decoding escapes, so
 * "a" and "\u0061" are the same key), and the few things RFC 8259 allows
 * but the body rules refuse (\u0000, a lone surrogate, an integer outside
 * int64, a number that overflows a double). Properties (abort otherwise):
 *   J1  never accepts a non-object top level, invalid JSON, a duplicate
 *       key at any depth, or more than API_MAX_DEPTH levels of nesting;
 *   J2  accepts every valid, clean object within the depth limit;
 *   J3  the refusal code is right: API_ETOO_DEEP (RM_ELIMIT) for valid
 *       JSON deeper than the limit, API_EWRONG_TYPE only for valid JSON
 *       whose top level is not an object; *out is NULL and the message
 *       is set;
 *   J4  an accepted object, dumped and read again, is accepted and equal;
 *   J5  on valid JSON, api_json_depth_ok(max) holds exactly when
 *       max >= the reference's depth.
 *   J6  web_json_dump (the reply writer) writes an accepted object
 *       exactly as json_dumps(JSON_COMPACT) does.
 */
#include <jansson.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/err.h"
#include "web/api.h"
#include "web/jsonw.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Deeper than this the reference stops (and the body must be refused:
 * its text has this many brackets outside strings). */
#define REF_STOP_DEPTH 512

struct ref {
    const unsigned char *p, *end;
    int depth, max_depth;
    bool dup;   /* a duplicate key somewhere */
    bool quirk; /* valid RFC 8259 that the body rules refuse */
    bool stop;  /* gave up at REF_STOP_DEPTH */
};

static void fail(const char *what, const struct rm_err *err)
{
    fprintf(stderr, "fuzz_json: property violated: %s%s%s\n", what,
            err ? ": " : "", err ? err->msg : "");
    abort();
}

static void ws(struct ref *r)
{
    while (r->p < r->end &&
           (*r->p == ' ' || *r->p == '\t' || *r->p == '\n' || *r->p == '\r'))
        r->p++;
}

static bool lit(struct ref *r, const char *s)
{
    size_t n = strlen(s);
    if ((size_t)(r->end - r->p) < n || memcmp(r->p, s, n) != 0)
        return false;
    r->p += n;
    return true;
}

static void put_utf8(struct buf *b, uint32_t c)
{
    if (c < 0x80) {
        buf_addc(b, (char)c);
    } else if (c < 0x800) {
        buf_addc(b, (char)(0xc0 | (c >> 6)));
        buf_addc(b, (char)(0x80 | (c & 0x3f)));
    } else if (c < 0x10000) {
        buf_addc(b, (char)(0xe0 | (c >> 12)));
        buf_addc(b, (char)(0x80 | ((c >> 6) & 0x3f)));
        buf_addc(b, (char)(0x80 | (c & 0x3f)));
    } else {
        buf_addc(b, (char)(0xf0 | (c >> 18)));
        buf_addc(b, (char)(0x80 | ((c >> 12) & 0x3f)));
        buf_addc(b, (char)(0x80 | ((c >> 6) & 0x3f)));
        buf_addc(b, (char)(0x80 | (c & 0x3f)));
    }
}

/* utf8 - one strict UTF-8 sequence (no overlongs, no surrogates, at most
 * U+10FFFF) starting at r->p, copied to b. */
static bool utf8(struct ref *r, struct buf *b)
{
    unsigned char c = *r->p;
    size_t n;
    uint32_t v, min;
    if (c >= 0xc2 && c <= 0xdf) {
        n = 2, v = c & 0x1f, min = 0x80;
    } else if (c >= 0xe0 && c <= 0xef) {
        n = 3, v = c & 0x0f, min = 0x800;
    } else if (c >= 0xf0 && c <= 0xf4) {
        n = 4, v = c & 0x07, min = 0x10000;
    } else {
        return false;
    }
    if ((size_t)(r->end - r->p) < n)
        return false;
    for (size_t i = 1; i < n; i++) {
        if ((r->p[i] & 0xc0) != 0x80)
            return false;
        v = (v << 6) | (r->p[i] & 0x3f);
    }
    if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
        return false;
    buf_add(b, r->p, n);
    r->p += n;
    return true;
}

static bool hex4(struct ref *r, uint32_t *out)
{
    if (r->end - r->p < 4)
        return false;
    uint32_t v = 0;
    for (int i = 0; i < 4; i++) {
        unsigned char c = r->p[i];
        int d = c >= '0' && c <= '9'   ? c - '0'
                : c >= 'a' && c <= 'f' ? c - 'a' + 10
                : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                       : -1;
        if (d < 0)
            return false;
        v = v * 16 + (uint32_t)d;
    }
    r->p += 4;
    *out = v;
    return true;
}

/* string - a JSON string at r->p (the opening quote), decoded into b. */
static bool string(struct ref *r, struct buf *b)
{
    r->p++;
    for (;;) {
        if (r->p >= r->end)
            return false;
        unsigned char c = *r->p;
        if (c == '"') {
            r->p++;
            return true;
        }
        if (c < 0x20)
            return false;
        if (c >= 0x80) {
            if (!utf8(r, b))
                return false;
            continue;
        }
        if (c != '\\') {
            buf_addc(b, (char)c);
            r->p++;
            continue;
        }
        if (++r->p >= r->end)
            return false;
        c = *r->p++;
        const char *from = "\"\\/bfnrt", *to = "\"\\/\b\f\n\r\t";
        const char *k = c ? strchr(from, c) : NULL;
        if (k) {
            buf_addc(b, to[k - from]);
            continue;
        }
        if (c != 'u')
            return false;
        uint32_t u, lo;
        if (!hex4(r, &u))
            return false;
        if (u >= 0xd800 && u <= 0xdbff && r->end - r->p >= 6 &&
            r->p[0] == '\\' && r->p[1] == 'u') {
            const unsigned char *save = r->p;
            r->p += 2;
            if (!hex4(r, &lo))
                return false;
            if (lo >= 0xdc00 && lo <= 0xdfff) {
                put_utf8(b, 0x10000 + ((u - 0xd800) << 10) + (lo - 0xdc00));
                continue;
            }
            r->p = save; /* a lone high surrogate, then another escape */
        }
        if (u == 0 || (u >= 0xd800 && u <= 0xdfff)) {
            r->quirk = true;
            buf_addc(b, '?');
            continue;
        }
        put_utf8(b, u);
    }
}

static bool digits(struct ref *r)
{
    const unsigned char *s = r->p;
    while (r->p < r->end && *r->p >= '0' && *r->p <= '9')
        r->p++;
    return r->p > s;
}

static bool number(struct ref *r)
{
    const unsigned char *s = r->p;
    bool real = false;
    if (*r->p == '-')
        r->p++;
    if (r->p < r->end && *r->p == '0')
        r->p++;
    else if (!digits(r))
        return false;
    if (r->p < r->end && *r->p == '.') {
        r->p++;
        real = true;
        if (!digits(r))
            return false;
    }
    if (r->p < r->end && (*r->p == 'e' || *r->p == 'E')) {
        r->p++;
        real = true;
        if (r->p < r->end && (*r->p == '+' || *r->p == '-'))
            r->p++;
        if (!digits(r))
            return false;
    }
    /* Range: an integer must fit int64, a real must not overflow. */
    size_t n = (size_t)(r->p - s);
    if (real) {
        char *tmp = malloc(n + 1);
        if (!tmp)
            abort();
        memcpy(tmp, s, n);
        tmp[n] = '\0';
        if (isinf(strtod(tmp, NULL)))
            r->quirk = true;
        free(tmp);
    } else {
        bool neg = *s == '-';
        const unsigned char *d = s + neg;
        size_t nd = n - neg;
        const char *lim = neg ? "9223372036854775808" : "9223372036854775807";
        if (nd > 19 || (nd == 19 && memcmp(d, lim, 19) > 0))
            r->quirk = true;
    }
    return true;
}

static bool value(struct ref *r);

static bool object(struct ref *r)
{
    r->p++;
    struct buf keys; /* decoded keys, each followed by a NUL byte */
    buf_init(&keys);
    size_t nkeys = 0;
    bool ok = false;
    ws(r);
    if (r->p < r->end && *r->p == '}') {
        r->p++;
        ok = true;
        goto out;
    }
    for (;;) {
        ws(r);
        if (r->p >= r->end || *r->p != '"')
            goto out;
        struct buf k;
        buf_init(&k);
        if (!string(r, &k)) {
            buf_release(&k);
            goto out;
        }
        /* A key with \u0000 is refused anyway (quirk); compare up to it. */
        const char *p = keys.data;
        for (size_t i = 0; i < nkeys; i++, p += strlen(p) + 1)
            if (strcmp(p, k.data) == 0)
                r->dup = true;
        buf_add(&keys, k.data, strlen(k.data) + 1);
        nkeys++;
        buf_release(&k);
        ws(r);
        if (r->p >= r->end || *r->p != ':')
            goto out;
        r->p++;
        if (!value(r))
            goto out;
        ws(r);
        if (r->p < r->end && *r->p == ',') {
            r->p++;
            continue;
        }
        if (r->p < r->end && *r->p == '}') {
            r->p++;
            ok = true;
        }
        goto out;
    }
out:
    buf_release(&keys);
    return ok;
}

static bool array(struct ref *r)
{
    r->p++;
    ws(r);
    if (r->p < r->end && *r->p == ']') {
        r->p++;
        return true;
    }
    for (;;) {
        if (!value(r))
            return false;
        ws(r);
        if (r->p < r->end && *r->p == ',') {
            r->p++;
            continue;
        }
        if (r->p < r->end && *r->p == ']') {
            r->p++;
            return true;
        }
        return false;
    }
}

static bool value(struct ref *r)
{
    ws(r);
    if (r->p >= r->end)
        return false;
    switch (*r->p) {
    case '{':
    case '[': {
        if (++r->depth > r->max_depth)
            r->max_depth = r->depth;
        if (r->depth > REF_STOP_DEPTH) {
            r->stop = true;
            return false;
        }
        bool ok = *r->p == '{' ? object(r) : array(r);
        r->depth--;
        return ok;
    }
    case '"': {
        struct buf s;
        buf_init(&s);
        bool ok = string(r, &s);
        buf_release(&s);
        return ok;
    }
    case 't':
        return lit(r, "true");
    case 'f':
        return lit(r, "false");
    case 'n':
        return lit(r, "null");
    default:
        if (*r->p == '-' || (*r->p >= '0' && *r->p <= '9'))
            return number(r);
        return false;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *body = (const char *)data;
    struct ref r = {.p = data, .end = data + size};
    ws(&r);
    unsigned char top = r.p < r.end ? *r.p : 0;
    bool valid = value(&r);
    ws(&r);
    valid = valid && r.p == r.end;

    json_t *j = (json_t *)1;
    const char *code = NULL;
    struct rm_err err = {0};
    int rc = api_parse_body(body, size, &j, &code, &err);

    if (rc) {
        if (j != NULL || err.msg[0] == '\0' || rc != err.code)
            fail("J3: a refusal left *out set or has no message", &err);
        bool deep = code && strcmp(code, API_ETOO_DEEP) == 0;
        if (!code || (!deep && strcmp(code, API_EINVALID_JSON) != 0 &&
                      strcmp(code, API_EWRONG_TYPE) != 0))
            fail("J3: a refusal without a known code", &err);
        if (deep != (rc == RM_ELIMIT))
            fail("J3: too_deep is not exactly RM_ELIMIT", &err);
        if (valid && (r.max_depth > API_MAX_DEPTH) != deep)
            fail("J3: too_deep does not match the depth of valid JSON", &err);
        if (strcmp(code, API_EWRONG_TYPE) == 0 && (!valid || top == '{'))
            fail("J3: wrong_type for invalid JSON or an object", &err);
        /* An array holding an object with a duplicate key may be refused
         * for the duplicate (invalid_json) before its type is looked at. */
        if (valid && top == '[' && !deep && !r.quirk && !r.dup &&
            strcmp(code, API_EWRONG_TYPE) != 0)
            fail("J3: a clean array is not refused as wrong_type", &err);
        if (valid && top == '{' && r.max_depth <= API_MAX_DEPTH && !r.dup &&
            !r.quirk) {
            fprintf(stderr, "body: %.*s\n", (int)(size > 300 ? 300 : size),
                    body);
            fail("J2: refused a valid, clean object", &err);
        }
    } else {
        if (!j || !json_is_object(j))
            fail("J1: success without an object", NULL);
        if (!valid) {
            fprintf(stderr, "body: %.*s\n", (int)(size > 300 ? 300 : size),
                    body);
            fail(r.stop ? "J1: accepted a body nested past the reference"
                        : "J1: accepted text that is not valid JSON",
                 NULL);
        }
        if (top != '{')
            fail("J1: accepted a non-object top level", NULL);
        if (r.max_depth > API_MAX_DEPTH)
            fail("J1: accepted a body deeper than API_MAX_DEPTH", NULL);
        if (r.dup)
            fail("J1: accepted a duplicate key", NULL);
        if (r.quirk)
            fail("J1: accepted \\u0000, a lone surrogate or an out-of-range "
                 "number",
                 NULL);

        char *compact = json_dumps(j, JSON_COMPACT);
        size_t wlen = 0;
        char *written = web_json_dump(j, &wlen);
        if (!compact || !written || strcmp(compact, written) != 0 ||
            wlen != strlen(compact))
            fail("J6: web_json_dump differs from json_dumps", NULL);
        free(compact);
        free(written);

        char *again = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
        if (!again)
            fail("J4: json_dumps failed on an accepted object", NULL);
        json_t *j2 = NULL;
        struct rm_err err2 = {0};
        if (api_parse_body(again, strlen(again), &j2, NULL, &err2))
            fail("J4: the dumped object is refused", &err2);
        if (!json_equal(j, j2))
            fail("J4: the dumped object reads back different", NULL);
        json_decref(j2);
        free(again);
        json_decref(j);
    }

    if (valid) {
        if (!api_json_depth_ok(body, size, r.max_depth) ||
            (r.max_depth > 0 && api_json_depth_ok(body, size, r.max_depth - 1)))
            fail("J5: api_json_depth_ok disagrees with the nesting depth",
                 NULL);
    }
    return 0;
}
