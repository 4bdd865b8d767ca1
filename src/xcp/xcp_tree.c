/*
 * xcp_tree - the codec's value tree: node allocation, building, reading,
 * paths and comparison (see xcp.h).
 */
#include "xcp/xcp.h"

#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "util/xalloc.h"
#include "xcp/xcp_int.h"

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

void xcp_items_push(struct xcp_value *c, const char *key, size_t klen,
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
    xcp_items_push(assoc, key, kl, val);
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
    xcp_items_push(arr, d, fmt_u(arr->len, d), val);
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
