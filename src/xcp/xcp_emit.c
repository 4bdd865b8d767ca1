/*
 * xcp_emit - the codec's canonical emitter (a value tree as an OPS
 * envelope) and its presentation forms: indented tree, JSON, redaction of
 * secrets (see xcp.h).
 */
#include "xcp/xcp.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "util/utf8.h"
#include "util/xalloc.h"
#include "xcp/xcp_int.h"

/* xml_char_seq - a valid UTF-8 sequence at s that is also an XML
 * character: U+FFFE and U+FFFF (EF BF BE, EF BF BF) are not. */
static size_t xml_char_seq(const unsigned char *s, size_t n)
{
    size_t len = utf8_seq(s, n);
    if (len == 3 && s[0] == 0xEF && s[1] == 0xBF && s[2] >= 0xBE)
        return 0;
    return len;
}

/* plain[c] - byte c is printable ASCII that needs no reference anywhere */
static bool plain[256];
static pthread_once_t plain_once = PTHREAD_ONCE_INIT;

static void plain_init(void)
{
    for (int c = 0x20; c < 0x7f; c++)
        plain[c] = !strchr("&<>\"'", c);
}

/* plain_run - index of the first byte at or after i that is not plain. */
static size_t plain_run(const unsigned char *u, size_t i, size_t n)
{
#ifdef __SSE2__
    /* short text (most keys and values) is faster byte-wise: the vector
     * constants cost more than they save */
    if (n - i < 32)
        goto tail;
    /* 16 bytes per step: a byte needs attention when it is below 0x20 or
     * at/above 0x80 (both "less than 0x20" as signed bytes), DEL, or one
     * of & < > " ' */
    const __m128i lo = _mm_set1_epi8(0x20), del = _mm_set1_epi8(0x7f);
    const __m128i amp = _mm_set1_epi8('&'), lt = _mm_set1_epi8('<');
    const __m128i gt = _mm_set1_epi8('>'), qu = _mm_set1_epi8('"');
    const __m128i ap = _mm_set1_epi8('\'');
    while (i + 16 <= n) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(u + i));
        __m128i m = _mm_or_si128(_mm_cmplt_epi8(v, lo), _mm_cmpeq_epi8(v, del));
        m = _mm_or_si128(m, _mm_cmpeq_epi8(v, amp));
        m = _mm_or_si128(m, _mm_cmpeq_epi8(v, lt));
        m = _mm_or_si128(m, _mm_cmpeq_epi8(v, gt));
        m = _mm_or_si128(m, _mm_cmpeq_epi8(v, qu));
        m = _mm_or_si128(m, _mm_cmpeq_epi8(v, ap));
        int mask = _mm_movemask_epi8(m);
        if (mask)
            return i + (size_t)__builtin_ctz((unsigned)mask);
        i += 16;
    }
tail:
#endif
    while (i + 4 <= n && plain[u[i]] && plain[u[i + 1]] && plain[u[i + 2]] &&
           plain[u[i + 3]])
        i += 4;
    while (i < n && plain[u[i]])
        i++;
    return i;
}

/*
 * escape - append text safe for XML character data and attribute values.
 * XML 1.0 cannot carry most C0 controls or invalid UTF-8; those bytes
 * become U+FFFD rather than producing a document no peer can parse. CR is
 * written as &#13; so it survives the parser's line-end normalisation; in
 * attribute values (in_attr) TAB and LF are written as references too,
 * because parsers normalise them to spaces there.
 */
static void escape(struct buf *out, const char *s, size_t n, bool in_attr)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0, start = 0;
    for (;;) {
        /* fast path: a run of bytes that need nothing */
        i = plain_run(u, i, n);
        while (i < n && plain[u[i]])
            i++;
        if (i == n)
            break;
        unsigned c = u[i];
        const char *rep = NULL;
        size_t adv = 1;
        switch (c) {
        case '&':
            rep = "&amp;";
            break;
        case '<':
            rep = "&lt;";
            break;
        case '>':
            rep = "&gt;";
            break;
        case '"':
            rep = "&quot;";
            break;
        case '\'':
            rep = "&apos;";
            break;
        case '\r':
            rep = "&#13;";
            break;
        case '\t':
            rep = in_attr ? "&#9;" : NULL;
            break;
        case '\n':
            rep = in_attr ? "&#10;" : NULL;
            break;
        default:
            if (c < 0x20 || c == 0x7f) {
                /* DEL is a legal XML character; C0 controls are not */
                rep = c == 0x7f ? NULL : "\xEF\xBF\xBD";
            } else {
                adv = xml_char_seq(u + i, n - i);
                if (!adv) {
                    rep = "\xEF\xBF\xBD";
                    adv = 1;
                }
            }
        }
        if (rep) {
            buf_add(out, s + start, i - start);
            buf_adds(out, rep);
            i += adv;
            start = i;
        } else {
            i += adv;
        }
    }
    buf_add(out, s + start, n - start);
}

static void indent(struct buf *out, int level)
{
    static const char sp[] = "                                        ";
    size_t n = (size_t)level;
    while (n > 0) {
        size_t k = n < sizeof(sp) - 1 ? n : sizeof(sp) - 1;
        buf_add(out, sp, k);
        n -= k;
    }
}

/* put - append n bytes the caller made room for with buf_grow. */
static inline void put(struct buf *out, const char *s, size_t n)
{
    memcpy(out->data + out->len, s, n);
    out->len += n;
}

#define PUT(out, lit) put(out, lit, sizeof(lit) - 1)

static void emit_value(const struct xcp_value *v, struct buf *out, int level);

/* put_text - text the caller has made room for: copied as is when no byte
 * needs a reference (the common case), else escaped. */
static inline void put_text(struct buf *out, const char *s, size_t n,
                            bool in_attr)
{
    if (plain_run((const unsigned char *)s, 0, n) == n)
        put(out, s, n);
    else
        escape(out, s, n, in_attr);
}

/*
 * emit_container - the wire form is not indented: one element per line
 * keeps it readable in logs, while indentation would add about a quarter
 * to every request's bytes (MD5, network, the peer's parser). The emitter
 * writes without printf: it reserves room for
 * a whole line and copies; escape() grows the buffer itself when text
 * needs references. The NUL is restored before returning.
 */
static void emit_container(const struct xcp_value *v, struct buf *out,
                           int level)
{
    bool assoc = v->type == XCP_ASSOC;
    buf_grow(out, (size_t)level + 12);
    put(out, assoc ? "<dt_assoc>\n" : "<dt_array>\n", 11);
    for (size_t i = 0; i < v->len; i++) {
        const struct xcp_value *c = v->items[i].val;
        const char *key = ikey(&v->items[i]);
        size_t kl = v->items[i].klen;
        buf_grow(out, (size_t)level + 32 + kl);
        PUT(out, "<item key=\"");
        if (assoc) {
            put_text(out, key, kl, true);
        } else {
            char d[20];
            put(out, d, fmt_u(i, d));
        }
        if (c->type == XCP_SCALAR) {
            if (c->len == 0) {
                buf_grow(out, 4);
                PUT(out, "\"/>\n");
            } else {
                buf_grow(out, 2 + c->len + 8);
                PUT(out, "\">");
                put_text(out, c->str, c->len, false);
                buf_grow(out, 8);
                PUT(out, "</item>\n");
            }
        } else {
            buf_grow(out, 3);
            PUT(out, "\">\n");
            emit_value(c, out, level + 2);
            buf_grow(out, (size_t)level + 9);
            PUT(out, "</item>\n");
        }
    }
    buf_grow(out, (size_t)level + 13);
    put(out, assoc ? "</dt_assoc>\n" : "</dt_array>\n", 12);
    out->data[out->len] = '\0';
}

static void emit_value(const struct xcp_value *v, struct buf *out, int level)
{
    if (v->type == XCP_SCALAR) {
        buf_adds(out, "<dt_scalar>");
        escape(out, v->str, v->len, false);
        buf_adds(out, "</dt_scalar>\n");
    } else {
        emit_container(v, out, level);
    }
}

void xcp_emit(const struct xcp_value *data, struct buf *out)
{
    pthread_once(&plain_once, plain_init);
    buf_adds(out, "<?xml version='1.0' encoding='UTF-8' standalone='no' ?>\n"
                  "<!DOCTYPE OPS_envelope SYSTEM 'ops.dtd'>\n"
                  "<OPS_envelope>\n"
                  "<header>\n"
                  "<version>0.9</version>\n"
                  "</header>\n"
                  "<body>\n"
                  "<data_block>\n");
    emit_value(data, out, 3);
    buf_adds(out, "</data_block>\n"
                  "</body>\n"
                  "</OPS_envelope>\n");
}

/* -------------------------------------------------------- presentation */

static void tree_rec(const struct xcp_value *v, struct buf *out, int level)
{
    for (size_t i = 0; i < v->len; i++) {
        const struct xcp_value *c = v->items[i].val;
        indent(out, level * 2);
        if (v->type == XCP_ARRAY)
            buf_addf(out, "[%zu]:", i);
        else
            buf_addf(out, "%s:", ikey(&v->items[i]));
        if (c->type == XCP_SCALAR) {
            if (c->len)
                buf_addc(out, ' ');
            for (size_t j = 0; j < c->len; j++) {
                buf_addc(out, c->str[j]);
                if (c->str[j] == '\n')
                    indent(out, level * 2 + 2);
            }
            buf_addc(out, '\n');
        } else {
            buf_addc(out, '\n');
            tree_rec(c, out, level + 1);
        }
    }
}

void xcp_format_tree(const struct xcp_value *v, struct buf *out)
{
    if (v->type == XCP_SCALAR) {
        buf_add(out, v->str, v->len);
        buf_addc(out, '\n');
        return;
    }
    tree_rec(v, out, 0);
}

static void json_str(struct buf *out, const char *s, size_t n)
{
    buf_addc(out, '"');
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        switch (c) {
        case '"':
            buf_adds(out, "\\\"");
            break;
        case '\\':
            buf_adds(out, "\\\\");
            break;
        case '\n':
            buf_adds(out, "\\n");
            break;
        case '\r':
            buf_adds(out, "\\r");
            break;
        case '\t':
            buf_adds(out, "\\t");
            break;
        default:
            if (c < 0x20)
                buf_addf(out, "\\u%04x", c);
            else
                buf_addc(out, (char)c);
        }
    }
    buf_addc(out, '"');
}

static void json_rec(const struct xcp_value *v, struct buf *out, int level)
{
    if (v->type == XCP_SCALAR) {
        json_str(out, v->str, v->len);
        return;
    }
    bool obj = v->type == XCP_ASSOC;
    buf_addc(out, obj ? '{' : '[');
    for (size_t i = 0; i < v->len; i++) {
        buf_adds(out, i ? ",\n" : "\n");
        indent(out, (level + 1) * 2);
        if (obj) {
            json_str(out, ikey(&v->items[i]), strlen(ikey(&v->items[i])));
            buf_adds(out, ": ");
        }
        json_rec(v->items[i].val, out, level + 1);
    }
    if (v->len) {
        buf_addc(out, '\n');
        indent(out, level * 2);
    }
    buf_addc(out, obj ? '}' : ']');
}

void xcp_format_json(const struct xcp_value *v, struct buf *out)
{
    json_rec(v, out, 0);
    buf_addc(out, '\n');
}

static bool secret_key(const char *k)
{
    static const char *const secrets[] = {
        "key",       "private_key", "reg_password", "password",
        "auth_info", "auth_code",   "new_password", "confirm_password",
    };
    for (size_t i = 0; i < sizeof(secrets) / sizeof(*secrets); i++)
        if (strcasecmp(k, secrets[i]) == 0)
            return true;
    return false;
}

void xcp_redact(struct xcp_value *v)
{
    if (!v || v->type == XCP_SCALAR)
        return;
    for (size_t i = 0; i < v->len; i++) {
        struct xcp_value *c = v->items[i].val;
        if (v->type == XCP_ASSOC && secret_key(ikey(&v->items[i])) &&
            c->type == XCP_SCALAR) {
            if (c->own_str)
                free(c->str);
            c->str = xstrdup("[redacted]");
            c->own_str = true;
            c->len = strlen(c->str);
        } else {
            xcp_redact(c);
        }
    }
}
