/*
 * jsonw - the text of a JSON reply (contract in jsonw.h).
 */
#include "web/jsonw.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "util/buf.h"
#include "util/utf8.h"

/* Nesting the writer below handles; deeper documents go to jansson. */
#define JSON_FAST_DEPTH 64

/* put_json_string - s as a JSON string, escaped as jansson escapes it
 * without JSON_ESCAPE_SLASH / JSON_ENSURE_ASCII. false on invalid UTF-8. */
static bool put_json_string(struct buf *b, const char *s, size_t n)
{
    static const char hex[] = "0123456789ABCDEF";
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0, run = 0;
    buf_grow(b, n + 2);
    buf_addc(b, '"');
    while (i < n) {
        unsigned char c = p[i];
        size_t l = 1;
        if (c >= 0x80) {
            if (!(l = utf8_seq(p + i, n - i)))
                return false;
        } else if (c < 0x20 || c == '"' || c == '\\') {
            buf_add(b, s + run, i - run);
            char esc[6] = {'\\', 0};
            size_t el = 2;
            switch (c) {
            case '"':
                esc[1] = '"';
                break;
            case '\\':
                esc[1] = '\\';
                break;
            case '\b':
                esc[1] = 'b';
                break;
            case '\f':
                esc[1] = 'f';
                break;
            case '\n':
                esc[1] = 'n';
                break;
            case '\r':
                esc[1] = 'r';
                break;
            case '\t':
                esc[1] = 't';
                break;
            default:
                memcpy(esc + 1, "u00", 3);
                esc[4] = hex[c >> 4];
                esc[5] = hex[c & 0xF];
                el = 6;
                break;
            }
            buf_add(b, esc, el);
            run = i + 1;
        }
        i += l;
    }
    buf_add(b, s + run, n - run);
    buf_addc(b, '"');
    return true;
}

static void put_json_int(struct buf *b, json_int_t v)
{
    char tmp[24], *e = tmp + sizeof(tmp), *d = e;
    unsigned long long u =
        v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
    do {
        *--d = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0)
        *--d = '-';
    buf_add(b, d, (size_t)(e - d));
}

/* put_json - j as json_dumps(j, JSON_COMPACT) writes it; false when j
 * holds what this writer leaves to jansson: a real (its own number
 * format), a string that is not valid UTF-8 (jansson fails or, in a key,
 * writes a part of it), or nesting deeper than JSON_FAST_DEPTH (where
 * jansson also detects a container inside itself). */
static bool put_json(struct buf *b, const json_t *j, int depth)
{
    switch (json_typeof(j)) {
    case JSON_NULL:
        buf_add(b, "null", 4);
        return true;
    case JSON_TRUE:
        buf_add(b, "true", 4);
        return true;
    case JSON_FALSE:
        buf_add(b, "false", 5);
        return true;
    case JSON_INTEGER:
        put_json_int(b, json_integer_value(j));
        return true;
    case JSON_STRING:
        return put_json_string(b, json_string_value(j), json_string_length(j));
    case JSON_ARRAY: {
        if (depth >= JSON_FAST_DEPTH)
            return false;
        size_t n = json_array_size(j);
        buf_addc(b, '[');
        for (size_t i = 0; i < n; i++) {
            if (i)
                buf_addc(b, ',');
            if (!put_json(b, json_array_get(j, i), depth + 1))
                return false;
        }
        buf_addc(b, ']');
        return true;
    }
    case JSON_OBJECT: {
        if (depth >= JSON_FAST_DEPTH)
            return false;
        buf_addc(b, '{');
        /* jansson's own iteration: its order (insertion) is the order */
        for (void *it = json_object_iter((json_t *)j); it;) {
            if (!put_json_string(b, json_object_iter_key(it),
                                 json_object_iter_key_len(it)))
                return false;
            buf_addc(b, ':');
            if (!put_json(b, json_object_iter_value(it), depth + 1))
                return false;
            it = json_object_iter_next((json_t *)j, it);
            if (it)
                buf_addc(b, ',');
        }
        buf_addc(b, '}');
        return true;
    }
    default:
        return false;
    }
}

char *web_json_dump(const json_t *j, size_t *len)
{
    char *out;
    if (json_is_object(j) || json_is_array(j)) {
        struct buf b;
        buf_init(&b);
        buf_grow(&b, 1024);
        if (put_json(&b, j, 0))
            return buf_detach(&b, len);
        buf_release(&b);
    }
    out = json_dumps(j, JSON_COMPACT);
    if (out)
        *len = strlen(out);
    return out;
}
