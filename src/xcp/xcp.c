/*
 * xcp - OPS envelope codec: value tree, expat parser, canonical emitter,
 * request/response helpers, X-Signature (see xcp.h).
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

#include <ctype.h>
#include <errno.h>
#include <expat.h>
#include <inttypes.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif
#include <time.h>

#include "util/utf8.h"
#include "util/xalloc.h"

/*
 * Allocation layout (the codec's hot path is malloc-bound): a key of up to
 * ITEM_INLINE-1 bytes lives inside its item, longer ones on the heap; a
 * scalar's text lives in the same allocation as its node unless it was
 * replaced later (own_str). Items move (realloc, qsort, memmove), so a key
 * is always read through ikey(), never kept as a pointer across changes.
 */
#define ITEM_INLINE 20

struct xcp_item {
    struct xcp_value *val;
    char *heap;    /* the key when it does not fit inline, else NULL */
    uint32_t klen; /* key length: compared before the bytes */
    char inl[ITEM_INLINE];
};

struct xcp_value {
    enum xcp_type type;
    bool own_str;   /* str is a separate allocation */
    uint8_t pclass; /* node_alloc size class; 0 = plain malloc */
    size_t len;     /* scalar bytes, or number of items */
    size_t cap;
    char *str;
    struct xcp_item *items;
    char text[]; /* a scalar's text when allocated with the node */
};

/* ---------------------------------------------------------------- tree */

static const char *ikey(const struct xcp_item *it)
{
    return it->heap ? it->heap : it->inl;
}

/* ikey_is - does item it have key k of length n? */
static inline bool ikey_is(const struct xcp_item *it, const char *k, size_t n)
{
    return it->klen == n && memcmp(ikey(it), k, n) == 0;
}

static void ikey_set(struct xcp_item *it, const char *k, size_t n)
{
    it->klen = (uint32_t)n;
    if (n < ITEM_INLINE) {
        memcpy(it->inl, k, n);
        it->inl[n] = '\0';
        it->heap = NULL;
    } else {
        it->heap = xstrndup(k, n);
    }
}

/* fmt_u - decimal digits of n into d (no NUL); returns the count. */
static size_t fmt_u(uint64_t n, char d[20])
{
    char t[20];
    size_t k = 0;
    do {
        t[k++] = (char)('0' + n % 10);
        n /= 10;
    } while (n);
    for (size_t i = 0; i < k; i++)
        d[i] = t[k - 1 - i];
    return k;
}

/*
 * Node allocation. Building and freeing trees is malloc-bound, so each
 * thread keeps a small cache of freed nodes per size class (at most
 * POOL_KEEP of each, released when the thread exits). Under
 * AddressSanitizer the cache is off, so a use after free is still caught.
 */
#if defined(__SANITIZE_ADDRESS__)
#define XCP_POOL 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define XCP_POOL 0
#endif
#endif
#ifndef XCP_POOL
#define XCP_POOL 1
#endif

#define POOL_CLASSES 3
#define POOL_KEEP 256
static const size_t pool_size[POOL_CLASSES + 1] = {0, 64, 128, 256};

struct pool_block {
    struct pool_block *next;
};

struct pool {
    struct pool_block *head[POOL_CLASSES + 1];
    unsigned n[POOL_CLASSES + 1];
    bool registered;
};

static _Thread_local struct pool tl_pool;
static pthread_key_t pool_key;
static pthread_once_t pool_once = PTHREAD_ONCE_INIT;

static void pool_release(void *arg)
{
    struct pool *p = arg;
    for (int c = 1; c <= POOL_CLASSES; c++) {
        while (p->head[c]) {
            struct pool_block *b = p->head[c];
            p->head[c] = b->next;
            free(b);
        }
        p->n[c] = 0;
    }
}

static void pool_key_init(void)
{
    pthread_key_create(&pool_key, pool_release);
}

/* node_alloc - size bytes for a node (uninitialised), remembering the
 * class in v->pclass for node_release. */
static struct xcp_value *node_alloc(size_t size)
{
    int c = 0;
    if (XCP_POOL)
        for (int k = 1; k <= POOL_CLASSES; k++)
            if (size <= pool_size[k]) {
                c = k;
                break;
            }
    struct xcp_value *v;
    if (c && tl_pool.head[c]) {
        v = (struct xcp_value *)(void *)tl_pool.head[c];
        tl_pool.head[c] = tl_pool.head[c]->next;
        tl_pool.n[c]--;
    } else {
        v = xmalloc(c ? pool_size[c] : size);
    }
    v->pclass = (uint8_t)c;
    return v;
}

static void node_release(struct xcp_value *v)
{
    int c = v->pclass;
    if (c && tl_pool.n[c] < POOL_KEEP) {
        if (!tl_pool.registered) {
            /* a thread's cache is freed when the thread exits */
            pthread_once(&pool_once, pool_key_init);
            pthread_setspecific(pool_key, &tl_pool);
            tl_pool.registered = true;
        }
        struct pool_block *b = (struct pool_block *)(void *)v;
        b->next = tl_pool.head[c];
        tl_pool.head[c] = b;
        tl_pool.n[c]++;
        return;
    }
    free(v);
}

static struct xcp_value *node_new(enum xcp_type t)
{
    struct xcp_value *v = node_alloc(sizeof(*v));
    uint8_t c = v->pclass;
    memset(v, 0, sizeof(*v));
    v->pclass = c;
    v->type = t;
    return v;
}

struct xcp_value *xcp_scalar_newn(const char *s, size_t len)
{
    if (!s)
        len = 0;
    struct xcp_value *v = node_alloc(sizeof(*v) + len + 1);
    uint8_t c = v->pclass;
    memset(v, 0, sizeof(*v));
    v->pclass = c;
    v->type = XCP_SCALAR;
    v->str = v->text;
    if (len)
        memcpy(v->text, s, len);
    v->text[len] = '\0';
    v->len = len;
    return v;
}

struct xcp_value *xcp_scalar_new(const char *s)
{
    return xcp_scalar_newn(s, s ? strlen(s) : 0);
}

struct xcp_value *xcp_scalar_newf(const char *fmt, ...)
{
    struct buf b;
    va_list ap;
    buf_init(&b);
    va_start(ap, fmt);
    buf_vaddf(&b, fmt, ap);
    va_end(ap);
    struct xcp_value *v = xcp_scalar_newn(b.data, b.len);
    buf_release(&b);
    return v;
}

struct xcp_value *xcp_int_new(int64_t n)
{
    char d[24];
    size_t k = 0;
    if (n < 0)
        d[k++] = '-';
    k += fmt_u(n < 0 ? 0 - (uint64_t)n : (uint64_t)n, d + k);
    return xcp_scalar_newn(d, k);
}

struct xcp_value *xcp_assoc_new(void)
{
    return node_new(XCP_ASSOC);
}

struct xcp_value *xcp_array_new(void)
{
    return node_new(XCP_ARRAY);
}

void xcp_free(struct xcp_value *v)
{
    if (!v)
        return;
    if (v->type == XCP_SCALAR) {
        if (v->own_str)
            free(v->str);
    } else {
        for (size_t i = 0; i < v->len; i++) {
            free(v->items[i].heap);
            xcp_free(v->items[i].val);
        }
        free(v->items);
    }
    node_release(v);
}

struct xcp_value *xcp_clone(const struct xcp_value *v)
{
    if (!v)
        return NULL;
    if (v->type == XCP_SCALAR)
        return xcp_scalar_newn(v->str, v->len);
    struct xcp_value *c = node_new(v->type);
    c->items = xmalloc(sizeof(*c->items) * (v->len ? v->len : 1));
    c->cap = v->len;
    for (size_t i = 0; i < v->len; i++) {
        const char *k = ikey(&v->items[i]);
        ikey_set(&c->items[i], k, strlen(k));
        c->items[i].val = xcp_clone(v->items[i].val);
    }
    c->len = v->len;
    return c;
}

static void items_push(struct xcp_value *c, const char *key, size_t klen,
                       struct xcp_value *val)
{
    if (c->len == c->cap) {
        c->cap = c->cap ? c->cap * 2 : 8;
        c->items = xrealloc(c->items, sizeof(*c->items) * c->cap);
    }
    ikey_set(&c->items[c->len], key, klen);
    c->items[c->len].val = val;
    c->len++;
}

struct xcp_value *xcp_assoc_set(struct xcp_value *assoc, const char *key,
                                struct xcp_value *val)
{
    if (!assoc || assoc->type != XCP_ASSOC) {
        xcp_free(val);
        return NULL;
    }
    size_t kl = strlen(key);
    for (size_t i = 0; i < assoc->len; i++) {
        if (ikey_is(&assoc->items[i], key, kl)) {
            xcp_free(assoc->items[i].val);
            assoc->items[i].val = val;
            return val;
        }
    }
    items_push(assoc, key, kl, val);
    return val;
}

void xcp_assoc_set_str(struct xcp_value *assoc, const char *key, const char *s)
{
    xcp_assoc_set(assoc, key, xcp_scalar_new(s));
}

void xcp_assoc_set_int(struct xcp_value *assoc, const char *key, int64_t n)
{
    xcp_assoc_set(assoc, key, xcp_int_new(n));
}

bool xcp_assoc_del(struct xcp_value *assoc, const char *key)
{
    if (!assoc || assoc->type != XCP_ASSOC)
        return false;
    size_t kl = strlen(key);
    for (size_t i = 0; i < assoc->len; i++) {
        if (ikey_is(&assoc->items[i], key, kl)) {
            free(assoc->items[i].heap);
            xcp_free(assoc->items[i].val);
            memmove(&assoc->items[i], &assoc->items[i + 1],
                    sizeof(*assoc->items) * (assoc->len - i - 1));
            assoc->len--;
            return true;
        }
    }
    return false;
}

struct xcp_value *xcp_array_push(struct xcp_value *arr, struct xcp_value *val)
{
    if (!arr || arr->type != XCP_ARRAY) {
        xcp_free(val);
        return NULL;
    }
    char d[20];
    items_push(arr, d, fmt_u(arr->len, d), val);
    return val;
}

enum xcp_type xcp_type(const struct xcp_value *v)
{
    return v->type;
}

size_t xcp_len(const struct xcp_value *v)
{
    return v ? v->len : 0;
}

const char *xcp_str(const struct xcp_value *v)
{
    return v && v->type == XCP_SCALAR ? v->str : NULL;
}

const struct xcp_value *xcp_assoc_get(const struct xcp_value *v,
                                      const char *key)
{
    if (!v || v->type != XCP_ASSOC)
        return NULL;
    size_t kl = strlen(key);
    for (size_t i = 0; i < v->len; i++)
        if (ikey_is(&v->items[i], key, kl))
            return v->items[i].val;
    return NULL;
}

const struct xcp_value *xcp_array_get(const struct xcp_value *v, size_t i)
{
    if (!v || v->type != XCP_ARRAY || i >= v->len)
        return NULL;
    return v->items[i].val;
}

const char *xcp_item_key(const struct xcp_value *v, size_t i)
{
    if (!v || v->type == XCP_SCALAR || i >= v->len)
        return NULL;
    return ikey(&v->items[i]);
}

const struct xcp_value *xcp_item_value(const struct xcp_value *v, size_t i)
{
    if (!v || v->type == XCP_SCALAR || i >= v->len)
        return NULL;
    return v->items[i].val;
}

/*
 * path_next - split the next step off *p. A step is either a key (up to
 * '.', '[' or end) or an index "[n]". Returns 1 for a key (copied to
 * key[]), 2 for an index (in *idx), 0 at the end, -1 on a syntax error.
 */
static int path_next(const char **p, char *key, size_t keysz, size_t *idx)
{
    const char *s = *p;
    if (*s == '.')
        s++;
    if (*s == '\0') {
        *p = s;
        return 0;
    }
    if (*s == '[') {
        s++;
        if (!isdigit((unsigned char)*s))
            return -1;
        errno = 0;
        char *end;
        unsigned long long n = strtoull(s, &end, 10);
        if (errno || *end != ']' || n > SIZE_MAX)
            return -1;
        *idx = (size_t)n;
        *p = end + 1;
        return 2;
    }
    size_t n = strcspn(s, ".[");
    if (n == 0 || n >= keysz)
        return -1;
    memcpy(key, s, n);
    key[n] = '\0';
    *p = s + n;
    return 1;
}

const struct xcp_value *xcp_path(const struct xcp_value *v, const char *path)
{
    char key[XCP_MAX_KEY + 1];
    size_t idx;
    const char *p = path;
    int k;
    while (v && (k = path_next(&p, key, sizeof(key), &idx)) != 0) {
        if (k < 0)
            return NULL;
        v = k == 1 ? xcp_assoc_get(v, key) : xcp_array_get(v, idx);
    }
    return v;
}

const char *xcp_path_str(const struct xcp_value *v, const char *path)
{
    return xcp_str(xcp_path(v, path));
}

int xcp_path_int(const struct xcp_value *v, const char *path, int64_t *out,
                 struct rm_err *err)
{
    const struct xcp_value *n = xcp_path(v, path);
    if (!n)
        return rm_err_set(err, RM_ENOTFOUND, "%s: missing", path);
    if (n->type != XCP_SCALAR)
        return rm_err_set(err, RM_EINVAL, "%s: expected a number, got %s", path,
                          n->type == XCP_ASSOC ? "dt_assoc" : "dt_array");
    const char *s = n->str;
    while (*s == ' ' || *s == '\t')
        s++;
    char *end;
    errno = 0;
    long long x = strtoll(s, &end, 10);
    while (*end == ' ' || *end == '\t')
        end++;
    if (end == s || *end != '\0' || errno)
        return rm_err_set(err, RM_EINVAL, "%s: not an integer: \"%.40s\"", path,
                          n->str);
    *out = x;
    return 0;
}

int xcp_path_set(struct xcp_value *root, const char *path,
                 struct xcp_value *val, struct rm_err *err)
{
    char key[XCP_MAX_KEY + 1], nkey[XCP_MAX_KEY + 1];
    size_t idx = 0, nidx = 0;
    const char *p = path;
    struct xcp_value *cur = root;
    int k = path_next(&p, key, sizeof(key), &idx);
    if (k <= 0)
        goto bad;
    for (;;) {
        const char *q = p;
        int nk = path_next(&q, nkey, sizeof(nkey), &nidx);
        if (nk < 0)
            goto bad;
        if (k == 1 && cur->type != XCP_ASSOC)
            goto kind;
        if (k == 2 && cur->type != XCP_ARRAY)
            goto kind;
        if (k == 2 && idx > cur->len) {
            xcp_free(val);
            return rm_err_set(err, RM_EINVAL,
                              "%s: index %zu leaves a hole (array has %zu)",
                              path, idx, cur->len);
        }
        if (nk == 0) {
            if (k == 1) {
                xcp_assoc_set(cur, key, val);
            } else if (idx == cur->len) {
                xcp_array_push(cur, val);
            } else {
                xcp_free(cur->items[idx].val);
                cur->items[idx].val = val;
            }
            return 0;
        }
        struct xcp_value *next =
            k == 1 ? (struct xcp_value *)xcp_assoc_get(cur, key)
                   : (struct xcp_value *)xcp_array_get(cur, idx);
        if (!next) {
            next = nk == 1 ? xcp_assoc_new() : xcp_array_new();
            if (k == 1)
                xcp_assoc_set(cur, key, next);
            else
                xcp_array_push(cur, next);
        }
        cur = next;
        k = nk;
        memcpy(key, nkey, sizeof(key));
        idx = nidx;
        p = q;
    }
bad:
    xcp_free(val);
    return rm_err_set(err, RM_EINVAL, "bad path \"%.100s\"", path);
kind:
    xcp_free(val);
    return rm_err_set(err, RM_EINVAL,
                      "%s: an existing node on the path has another kind",
                      path);
}

bool xcp_equal(const struct xcp_value *a, const struct xcp_value *b)
{
    if (!a || !b)
        return a == b;
    if (a->type != b->type || a->len != b->len)
        return false;
    if (a->type == XCP_SCALAR)
        return memcmp(a->str, b->str, a->len) == 0;
    for (size_t i = 0; i < a->len; i++) {
        if (strcmp(ikey(&a->items[i]), ikey(&b->items[i])) != 0)
            return false;
        if (!xcp_equal(a->items[i].val, b->items[i].val))
            return false;
    }
    return true;
}

/* -------------------------------------------------------------- parser */

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

static bool all_space(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\n' && s[i] != '\r')
            return false;
    return true;
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
        items_push(top(p)->val, f->key, f->klen, v);
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

/* ------------------------------------------------------------- emitter */

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

/* ---------------------------------------------------- request/response */

struct xcp_value *xcp_request_new(const char *action, const char *object,
                                  struct xcp_value *attributes)
{
    struct xcp_value *r = xcp_assoc_new();
    xcp_assoc_set_str(r, "protocol", "XCP");
    xcp_assoc_set_str(r, "action", action);
    xcp_assoc_set_str(r, "object", object);
    xcp_assoc_set(r, "attributes", attributes ? attributes : xcp_assoc_new());
    return r;
}

struct xcp_value *xcp_request_attrs(struct xcp_value *req)
{
    struct xcp_value *a = (struct xcp_value *)xcp_assoc_get(req, "attributes");
    if (a && a->type == XCP_ASSOC)
        return a;
    return xcp_assoc_set(req, "attributes", xcp_assoc_new());
}

static int upper_copy(char *dst, size_t sz, const char *src)
{
    size_t n = strlen(src);
    if (n >= sz)
        return -1;
    for (size_t i = 0; i <= n; i++)
        dst[i] = (char)toupper((unsigned char)src[i]);
    return 0;
}

/* scalar_or_absent - NULL when absent; error when present but not text. */
static int opt_scalar(const struct xcp_value *data, const char *key,
                      const char **out, struct rm_err *err)
{
    const struct xcp_value *v = xcp_assoc_get(data, key);
    *out = NULL;
    if (!v)
        return 0;
    if (v->type != XCP_SCALAR)
        return rm_err_set(err, RM_EINVAL, "xcp: \"%s\" must be text", key);
    *out = v->str;
    return 0;
}

int xcp_request_read(const struct xcp_value *data, struct xcp_request *r,
                     struct rm_err *err)
{
    const char *action, *object;
    memset(r, 0, sizeof(*r));
    if (!data || data->type != XCP_ASSOC)
        return rm_err_set(err, RM_EINVAL,
                          "xcp: request data is not a dt_assoc");
    if (opt_scalar(data, "action", &action, err) ||
        opt_scalar(data, "object", &object, err) ||
        opt_scalar(data, "protocol", &r->protocol, err) ||
        opt_scalar(data, "cookie", &r->cookie, err) ||
        opt_scalar(data, "registrant_ip", &r->registrant_ip, err))
        return RM_EINVAL;
    if (!action || !*action)
        return rm_err_set(err, RM_EINVAL, "xcp: request has no action");
    if (upper_copy(r->action, sizeof(r->action), action))
        return rm_err_set(err, RM_EINVAL, "xcp: action too long");
    if (upper_copy(r->object, sizeof(r->object), object ? object : ""))
        return rm_err_set(err, RM_EINVAL, "xcp: object too long");
    const struct xcp_value *a = xcp_assoc_get(data, "attributes");
    if (a && a->type == XCP_ARRAY && a->len == 0)
        a = NULL; /* an empty list where a hash belongs: treat as none */
    if (a && a->type != XCP_ASSOC) {
        /* <item key="attributes"/> is an empty scalar: no attributes */
        if (a->type == XCP_SCALAR && all_space(a->str, a->len))
            a = NULL;
        else
            return rm_err_set(err, RM_EINVAL,
                              "xcp: attributes must be a dt_assoc");
    }
    r->attrs = a;
    return 0;
}

struct xcp_value *xcp_response_new(const char *object, bool is_success,
                                   int code, const char *text,
                                   struct xcp_value *attributes)
{
    struct xcp_value *r = xcp_assoc_new();
    xcp_assoc_set_str(r, "protocol", "XCP");
    xcp_assoc_set_str(r, "action", "REPLY");
    xcp_assoc_set_str(r, "object", object);
    xcp_assoc_set_str(r, "is_success", is_success ? "1" : "0");
    xcp_assoc_set_int(r, "response_code", code);
    xcp_assoc_set_str(r, "response_text", text);
    if (attributes)
        xcp_assoc_set(r, "attributes", attributes);
    return r;
}

int xcp_response_read(const struct xcp_value *data, struct xcp_response *r,
                      struct rm_err *err)
{
    const char *succ;
    int64_t code;
    memset(r, 0, sizeof(*r));
    if (!data || data->type != XCP_ASSOC)
        return rm_err_set(err, RM_EINVAL,
                          "xcp: response data is not a dt_assoc");
    if (opt_scalar(data, "is_success", &succ, err) ||
        opt_scalar(data, "response_text", &r->text, err) ||
        opt_scalar(data, "object", &r->object, err))
        return RM_EINVAL;
    if (!succ)
        return rm_err_set(err, RM_EINVAL, "xcp: response has no is_success");
    if (strcmp(succ, "1") == 0)
        r->is_success = true;
    else if (strcmp(succ, "0") == 0 || *succ == '\0')
        r->is_success = false;
    else
        return rm_err_set(err, RM_EINVAL,
                          "xcp: is_success is \"%.20s\", not 0 or 1", succ);
    int rc = xcp_path_int(data, "response_code", &code, err);
    if (rc) {
        rm_err_prefix(err, "xcp: ");
        return rc == RM_ENOTFOUND ? RM_EINVAL : rc;
    }
    if (code < 0 || code > 99999)
        return rm_err_set(err, RM_EINVAL,
                          "xcp: response_code %lld out of range",
                          (long long)code);
    r->code = (int)code;
    if (!r->text)
        r->text = "";
    const struct xcp_value *a = xcp_assoc_get(data, "attributes");
    if (a && a->type == XCP_SCALAR && all_space(a->str, a->len))
        a = NULL;
    if (a && a->type == XCP_ARRAY && a->len == 0)
        a = NULL;
    if (a && a->type != XCP_ASSOC)
        return rm_err_set(err, RM_EINVAL, "xcp: attributes must be a dt_assoc");
    r->attrs = a;
    return 0;
}

/* ------------------------------------------------------------ signature */

static const EVP_MD *md5_md;
static pthread_once_t md5_once = PTHREAD_ONCE_INIT;
static pthread_key_t ctx_key;

static void ctx_free(void *p)
{
    EVP_MD_CTX_free(p);
}

static void md5_init(void)
{
    /* Fetch once: an implicit fetch inside every EVP_DigestInit_ex costs
     * a provider lookup per call. */
    md5_md = EVP_MD_fetch(NULL, "MD5", NULL);
    if (!md5_md) {
        fprintf(stderr, "fatal: OpenSSL has no MD5 implementation\n");
        abort();
    }
    pthread_key_create(&ctx_key, ctx_free);
}

static EVP_MD_CTX *md5_ctx(void)
{
    pthread_once(&md5_once, md5_init);
    EVP_MD_CTX *c = pthread_getspecific(ctx_key);
    if (!c) {
        c = EVP_MD_CTX_new();
        if (!c) {
            fprintf(stderr, "fatal: out of memory (EVP_MD_CTX)\n");
            abort();
        }
        pthread_setspecific(ctx_key, c);
    }
    return c;
}

static void hex(const unsigned char *d, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[d[i] >> 4];
        out[2 * i + 1] = digits[d[i] & 15];
    }
    out[2 * n] = '\0';
}

static void md5_two(const void *a, size_t alen, const void *b, size_t blen,
                    char out[33])
{
    EVP_MD_CTX *c = md5_ctx();
    unsigned char d[EVP_MAX_MD_SIZE];
    unsigned int dl = 0;
    if (!EVP_DigestInit_ex(c, md5_md, NULL) || !EVP_DigestUpdate(c, a, alen) ||
        (blen && !EVP_DigestUpdate(c, b, blen)) ||
        !EVP_DigestFinal_ex(c, d, &dl) || dl != 16) {
        fprintf(stderr, "fatal: MD5 digest failed\n");
        abort();
    }
    hex(d, 16, out);
}

void xcp_md5_hex(const void *data, size_t len, char out[33])
{
    md5_two(data, len, NULL, 0, out);
}

void xcp_sign(const void *body, size_t len, const char *key, char out[33])
{
    char inner[33];
    size_t kl = strlen(key);
    md5_two(body, len, key, kl, inner);
    md5_two(inner, 32, key, kl, out);
}

bool xcp_sign_check(const void *body, size_t len, const char *key,
                    const char *sig)
{
    char want[33];
    if (!sig || strlen(sig) != 32)
        return false;
    xcp_sign(body, len, key, want);
    return CRYPTO_memcmp(want, sig, 32) == 0;
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
