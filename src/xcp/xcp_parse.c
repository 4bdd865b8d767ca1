/*
 * xcp_parse - the codec's expat parser: an OPS envelope into a value
 * tree (see xcp.h).
 *
 * Parser invariants:
 *   P1  no entity is ever expanded from a declaration: internal subsets,
 *       entity declarations and skipped (undefined/external) entities stop
 *       the parse with an error; parameter entities are never parsed.
 *   P2  depth, item count, key length and body size are checked before the
 *       corresponding allocation, so an oversized input costs O(limit).
 *   P3  a dt_array's keys are exactly 0..n-1 (any order on the wire); the
 *       tree stores them in index order, so index i is items[i].
 */
#include "xcp/xcp.h"

#include <expat.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "util/xalloc.h"
#include "xcp/xcp_int.h"

enum frame_kind {
    F_ENVELOPE,
    F_HEADER,
    F_HFIELD,
    F_BODY,
    F_DATABLOCK,
    F_ASSOC,
    F_ARRAY,
    F_ITEM,
    F_SCALAR
};

struct frame {
    enum frame_kind kind;
    struct xcp_value *val; /* ASSOC/ARRAY: the container; ITEM: child */
    size_t klen;
    char key[XCP_MAX_KEY + 1]; /* ITEM: its key; HFIELD: element name */
};

struct xcp_parser {
    XML_Parser xp;
    struct frame stack[XCP_MAX_DEPTH + 1];
    int depth;
    size_t items;
    bool seen_root, seen_header, seen_body, seen_datablock;
    struct buf text;
    struct xcp_msg msg;
    struct rm_err *err;
    bool failed;
    unsigned long salt; /* hash salt, secret, chosen once per parser */
};

static void p_fail(struct xcp_parser *p, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void p_fail(struct xcp_parser *p, int code, const char *fmt, ...)
{
    if (p->failed)
        return;
    char m[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(m, sizeof(m), fmt, ap);
    va_end(ap);
    rm_err_set(p->err, code, "xcp: line %lu, column %lu: %s",
               (unsigned long)XML_GetCurrentLineNumber(p->xp),
               (unsigned long)XML_GetCurrentColumnNumber(p->xp) + 1, m);
    p->failed = true;
    XML_StopParser(p->xp, XML_FALSE);
}
static const char *attr(const XML_Char **atts, const char *name)
{
    for (size_t i = 0; atts[i]; i += 2)
        if (strcmp(atts[i], name) == 0)
            return atts[i + 1];
    return NULL;
}

static struct frame *top(struct xcp_parser *p)
{
    return p->depth ? &p->stack[p->depth - 1] : NULL;
}

static void push(struct xcp_parser *p, enum frame_kind k, struct xcp_value *val,
                 const char *key, size_t klen)
{
    /* Depth was checked in on_start before anything was allocated; klen
     * was checked against XCP_MAX_KEY (header names are cut to fit: they
     * are only compared with short names). */
    struct frame *f = &p->stack[p->depth++];
    f->kind = k;
    f->val = val;
    if (klen > XCP_MAX_KEY)
        klen = XCP_MAX_KEY;
    f->klen = klen;
    if (klen)
        memcpy(f->key, key, klen);
    f->key[klen] = '\0';
}

/* attach - give a finished value to the frame below (an ITEM or the
 * data_block). */
static void attach(struct xcp_parser *p, struct xcp_value *v)
{
    struct frame *f = top(p);
    if (f && f->kind == F_ITEM) {
        f->val = v;
    } else if (f && f->kind == F_DATABLOCK) {
        p->msg.data = v;
    } else {
        xcp_free(v);
        p_fail(p, RM_EINTERNAL, "value without a parent");
    }
}

/* value_slot_free - may a dt_* element start here? */
static bool value_slot_free(struct xcp_parser *p, const char *name)
{
    struct frame *f = top(p);
    if (f && f->kind == F_DATABLOCK) {
        if (p->msg.data) {
            p_fail(p, RM_EINVAL, "<data_block> holds more than one value");
            return false;
        }
        return true;
    }
    if (f && f->kind == F_ITEM) {
        if (f->val) {
            p_fail(p, RM_EINVAL, "<item key=\"%.60s\"> holds two values",
                   f->key);
            return false;
        }
        if (!all_space(p->text.data, p->text.len)) {
            p_fail(p, RM_EINVAL, "<item key=\"%.60s\"> mixes text with <%s>",
                   f->key, name);
            return false;
        }
        buf_reset(&p->text);
        return true;
    }
    p_fail(p, RM_EINVAL, "<%s> not allowed here", name);
    return false;
}

static void XMLCALL on_start(void *ud, const XML_Char *name,
                             const XML_Char **atts)
{
    struct xcp_parser *p = ud;
    struct frame *f = top(p);
    if (p->failed)
        return;
    if (p->depth >= XCP_MAX_DEPTH) {
        p_fail(p, RM_ELIMIT, "nesting deeper than %d", XCP_MAX_DEPTH);
        return;
    }
    if (!f) {
        if (strcmp(name, "OPS_envelope") != 0) {
            p_fail(p, RM_EINVAL, "root element is <%.60s>, not <OPS_envelope>",
                   name);
            return;
        }
        p->seen_root = true;
        push(p, F_ENVELOPE, NULL, NULL, 0);
        return;
    }
    switch (f->kind) {
    case F_ENVELOPE:
        if (strcmp(name, "header") == 0 && !p->seen_header) {
            p->seen_header = true;
            push(p, F_HEADER, NULL, NULL, 0);
        } else if (strcmp(name, "body") == 0 && !p->seen_body) {
            p->seen_body = true;
            push(p, F_BODY, NULL, NULL, 0);
        } else {
            p_fail(p, RM_EINVAL, "unexpected <%.60s> in <OPS_envelope>", name);
        }
        return;
    case F_HEADER:
        /* version, msg_id, msg_type are kept; other header fields are
         * tolerated and dropped (no peer is known to send any). */
        buf_reset(&p->text);
        push(p, F_HFIELD, NULL, name, strlen(name));
        return;
    case F_BODY:
        if (strcmp(name, "data_block") == 0 && !p->seen_datablock) {
            p->seen_datablock = true;
            push(p, F_DATABLOCK, NULL, NULL, 0);
        } else {
            p_fail(p, RM_EINVAL, "unexpected <%.60s> in <body>", name);
        }
        return;
    case F_ASSOC:
    case F_ARRAY: {
        if (strcmp(name, "item") != 0) {
            p_fail(p, RM_EINVAL, "unexpected <%.60s> in <%s>", name,
                   f->kind == F_ASSOC ? "dt_assoc" : "dt_array");
            return;
        }
        const char *key = attr(atts, "key");
        if (!key) {
            p_fail(p, RM_EINVAL, "<item> without a key attribute");
            return;
        }
        size_t kl = strlen(key);
        if (kl > XCP_MAX_KEY) {
            p_fail(p, RM_ELIMIT, "item key longer than %d bytes", XCP_MAX_KEY);
            return;
        }
        if (++p->items > XCP_MAX_ITEMS) {
            p_fail(p, RM_ELIMIT, "more than %d items", XCP_MAX_ITEMS);
            return;
        }
        if (f->kind == F_ARRAY) {
            if (kl == 0 || kl > 9 || strspn(key, "0123456789") != kl ||
                (kl > 1 && key[0] == '0')) {
                p_fail(p, RM_EINVAL,
                       "dt_array item key \"%.60s\" is not an index", key);
                return;
            }
        }
        buf_reset(&p->text);
        push(p, F_ITEM, NULL, key, kl);
        return;
    }
    case F_DATABLOCK:
    case F_ITEM:
        if (strcmp(name, "dt_assoc") == 0 || strcmp(name, "dt_array") == 0) {
            if (!value_slot_free(p, name))
                return;
            bool assoc = name[3] == 'a' && name[4] == 's';
            push(p, assoc ? F_ASSOC : F_ARRAY,
                 assoc ? xcp_assoc_new() : xcp_array_new(), NULL, 0);
        } else if (strcmp(name, "dt_scalar") == 0 ||
                   strcmp(name, "dt_scalarref") == 0) {
            if (!value_slot_free(p, name))
                return;
            buf_reset(&p->text);
            push(p, F_SCALAR, NULL, NULL, 0);
        } else {
            p_fail(p, RM_EINVAL, "unexpected <%.60s> in <%s>", name,
                   f->kind == F_ITEM ? "item" : "data_block");
        }
        return;
    case F_HFIELD:
    case F_SCALAR:
        p_fail(p, RM_EINVAL, "unexpected <%.60s> inside a text element", name);
        return;
    }
}

static int cmp_index(const void *a, const void *b)
{
    const char *x = ikey(a), *y = ikey(b);
    /* Both are canonical digit strings (no leading zeros): the shorter is
     * smaller, equal lengths compare as text. */
    size_t lx = strlen(x), ly = strlen(y);
    if (lx != ly)
        return lx < ly ? -1 : 1;
    return strcmp(x, y);
}

/* finish_array - P3: sort by index and require exactly 0..n-1. */
static void finish_array(struct xcp_parser *p, struct xcp_value *a)
{
    bool sorted = true;
    for (size_t i = 0; i < a->len && sorted; i++) {
        char want[24];
        snprintf(want, sizeof(want), "%zu", i);
        if (strcmp(ikey(&a->items[i]), want) != 0)
            sorted = false;
    }
    if (sorted)
        return;
    qsort(a->items, a->len, sizeof(*a->items), cmp_index);
    for (size_t i = 0; i < a->len; i++) {
        char want[24];
        snprintf(want, sizeof(want), "%zu", i);
        if (strcmp(ikey(&a->items[i]), want) != 0) {
            p_fail(p, RM_EINVAL,
                   "dt_array keys are not 0..%zu (found \"%.30s\" at %zu)",
                   a->len - 1, ikey(&a->items[i]), i);
            return;
        }
    }
}

static void XMLCALL on_end(void *ud, const XML_Char *name)
{
    struct xcp_parser *p = ud;
    (void)name;
    if (p->failed || !p->depth)
        return;
    /* the popped frame stays intact until the next push */
    struct frame *f = &p->stack[--p->depth];
    switch (f->kind) {
    case F_HFIELD: {
        char **slot = NULL;
        if (strcmp(f->key, "version") == 0)
            slot = &p->msg.version;
        else if (strcmp(f->key, "msg_id") == 0)
            slot = &p->msg.msg_id;
        else if (strcmp(f->key, "msg_type") == 0)
            slot = &p->msg.msg_type;
        if (slot) {
            free(*slot);
            *slot = xstrndup(p->text.data, p->text.len);
        }
        return;
    }
    case F_SCALAR:
        attach(p, xcp_scalar_newn(p->text.data, p->text.len));
        buf_reset(&p->text);
        return;
    case F_ASSOC:
    case F_ARRAY:
        if (f->kind == F_ARRAY)
            finish_array(p, f->val);
        if (p->failed) {
            xcp_free(f->val);
            f->val = NULL;
            return;
        }
        buf_reset(&p->text);
        attach(p, f->val);
        f->val = NULL;
        return;
    case F_ITEM: {
        struct xcp_value *v = f->val;
        f->val = NULL;
        if (v) {
            if (!all_space(p->text.data, p->text.len)) {
                p_fail(p, RM_EINVAL,
                       "<item key=\"%.60s\"> mixes text with structure",
                       f->key);
                xcp_free(v);
                return;
            }
        } else {
            v = xcp_scalar_newn(p->text.data, p->text.len);
        }
        buf_reset(&p->text);
        xcp_items_push(top(p)->val, f->key, f->klen, v);
        return;
    }
    case F_DATABLOCK:
        if (!p->msg.data)
            p_fail(p, RM_EINVAL, "<data_block> is empty");
        return;
    case F_ENVELOPE:
        if (!p->seen_body)
            p_fail(p, RM_EINVAL, "<OPS_envelope> has no <body>");
        return;
    case F_BODY:
        if (!p->seen_datablock)
            p_fail(p, RM_EINVAL, "<body> has no <data_block>");
        return;
    case F_HEADER:
        return;
    }
}

static void XMLCALL on_text(void *ud, const XML_Char *s, int len)
{
    struct xcp_parser *p = ud;
    struct frame *f = top(p);
    if (p->failed)
        return;
    if (f &&
        (f->kind == F_ITEM || f->kind == F_SCALAR || f->kind == F_HFIELD)) {
        if (f->kind == F_ITEM && f->val) {
            /* after a nested value: only whitespace may follow */
            if (!all_space(s, (size_t)len))
                p_fail(p, RM_EINVAL,
                       "<item key=\"%.60s\"> mixes text with structure",
                       f->key);
            return;
        }
        buf_add(&p->text, s, (size_t)len);
        return;
    }
    if (!all_space(s, (size_t)len))
        /* expat's text is not NUL-terminated: print at most len bytes */
        p_fail(p, RM_EINVAL, "unexpected text \"%.*s\"", len < 20 ? len : 20,
               s);
}

static void XMLCALL on_doctype(void *ud, const XML_Char *name,
                               const XML_Char *sysid, const XML_Char *pubid,
                               int has_internal_subset)
{
    struct xcp_parser *p = ud;
    (void)sysid;
    (void)pubid;
    if (has_internal_subset)
        p_fail(p, RM_EINVAL, "internal DTD subset in <!DOCTYPE %.40s> refused",
               name);
}

static void XMLCALL on_entity_decl(void *ud, const XML_Char *name, int is_pe,
                                   const XML_Char *value, int vlen,
                                   const XML_Char *base, const XML_Char *sysid,
                                   const XML_Char *pubid,
                                   const XML_Char *notation)
{
    struct xcp_parser *p = ud;
    (void)is_pe, (void)value, (void)vlen, (void)base, (void)sysid, (void)pubid,
        (void)notation;
    p_fail(p, RM_EINVAL, "entity declaration \"%.40s\" refused", name);
}

static void XMLCALL on_skipped(void *ud, const XML_Char *name, int is_pe)
{
    struct xcp_parser *p = ud;
    (void)is_pe;
    p_fail(p, RM_EINVAL, "undefined entity &%.40s; refused", name);
}

static int XMLCALL on_external(XML_Parser xp, const XML_Char *ctx,
                               const XML_Char *base, const XML_Char *sysid,
                               const XML_Char *pubid)
{
    (void)xp, (void)ctx, (void)base, (void)sysid, (void)pubid;
    return XML_STATUS_ERROR; /* never load anything */
}

static void setup(struct xcp_parser *p)
{
    XML_SetUserData(p->xp, p);
    XML_SetElementHandler(p->xp, on_start, on_end);
    XML_SetCharacterDataHandler(p->xp, on_text);
    XML_SetStartDoctypeDeclHandler(p->xp, on_doctype);
    XML_SetEntityDeclHandler(p->xp, on_entity_decl);
    XML_SetSkippedEntityHandler(p->xp, on_skipped);
    XML_SetExternalEntityRefHandler(p->xp, on_external);
    XML_SetParamEntityParsing(p->xp, XML_PARAM_ENTITY_PARSING_NEVER);
    /* Without a salt expat asks the kernel for one on every document (a
     * getrandom() per parse); one secret salt per parser keeps the
     * hash-flooding protection without the system call. */
    XML_SetHashSalt(p->xp, p->salt);
}

struct xcp_parser *xcp_parser_new(void)
{
    struct xcp_parser *p = xcalloc(1, sizeof(*p));
    p->xp = XML_ParserCreate(NULL);
    if (!p->xp) {
        fprintf(stderr, "fatal: out of memory creating an XML parser\n");
        abort();
    }
    buf_init(&p->text);
    if (getrandom(&p->salt, sizeof(p->salt), 0) != sizeof(p->salt))
        p->salt = (unsigned long)(uintptr_t)p ^ (unsigned long)time(NULL);
    p->salt |= 1; /* 0 means "none" to expat */
    return p;
}

static void unwind(struct xcp_parser *p)
{
    while (p->depth) {
        struct frame *f = &p->stack[--p->depth];
        xcp_free(f->val);
        f->val = NULL;
    }
}

void xcp_parser_free(struct xcp_parser *p)
{
    if (!p)
        return;
    unwind(p);
    XML_ParserFree(p->xp);
    buf_release(&p->text);
    free(p);
}

void xcp_msg_free(struct xcp_msg *m)
{
    if (!m)
        return;
    free(m->version);
    free(m->msg_id);
    free(m->msg_type);
    xcp_free(m->data);
    memset(m, 0, sizeof(*m));
}

int xcp_parser_parse(struct xcp_parser *p, const char *buf, size_t len,
                     struct xcp_msg *out, struct rm_err *err)
{
    if (len > XCP_MAX_BODY)
        return rm_err_set(err, RM_ELIMIT,
                          "xcp: document of %zu bytes exceeds %u", len,
                          XCP_MAX_BODY);
    XML_ParserReset(p->xp, NULL);
    setup(p);
    p->depth = 0;
    p->items = 0;
    p->seen_root = p->seen_header = p->seen_body = p->seen_datablock = false;
    p->failed = false;
    p->err = err;
    buf_reset(&p->text);
    memset(&p->msg, 0, sizeof(p->msg));

    enum XML_Status st = XML_Parse(p->xp, buf, (int)len, XML_TRUE);
    if (st != XML_STATUS_OK && !p->failed) {
        enum XML_Error e = XML_GetErrorCode(p->xp);
        rm_err_set(err, RM_EINVAL, "xcp: line %lu, column %lu: %s",
                   (unsigned long)XML_GetCurrentLineNumber(p->xp),
                   (unsigned long)XML_GetCurrentColumnNumber(p->xp) + 1,
                   XML_ErrorString(e));
        p->failed = true;
    }
    if (!p->failed && !p->seen_root) {
        rm_err_set(err, RM_EINVAL, "xcp: no <OPS_envelope>");
        p->failed = true;
    }
    if (p->failed) {
        unwind(p);
        xcp_msg_free(&p->msg);
        return err && err->code ? err->code : RM_EINVAL;
    }
    *out = p->msg;
    memset(&p->msg, 0, sizeof(p->msg));
    return 0;
}

int xcp_parse(const char *buf, size_t len, struct xcp_msg *out,
              struct rm_err *err)
{
    struct xcp_parser *p = xcp_parser_new();
    int rc = xcp_parser_parse(p, buf, len, out, err);
    xcp_parser_free(p);
    return rc;
}
