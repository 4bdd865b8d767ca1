/*
 * xcp_int.h - the codec's private layout, shared by its source files:
 * xcp_tree.c (value tree), xcp_parse.c (expat parser), xcp_emit.c
 * (canonical emitter and presentation forms) and xcp_msg.c
 * (request/response messages and the X-Signature). Callers use xcp.h.
 */
#ifndef RM_XCP_XCP_INT_H
#define RM_XCP_XCP_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "xcp/xcp.h"

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

static inline const char *ikey(const struct xcp_item *it)
{
    return it->heap ? it->heap : it->inl;
}

/* ikey_is - does item it have key k of length n? */
static inline bool ikey_is(const struct xcp_item *it, const char *k, size_t n)
{
    return it->klen == n && memcmp(ikey(it), k, n) == 0;
}

/* fmt_u - decimal digits of n into d (no NUL); returns the count. */
static inline size_t fmt_u(uint64_t n, char d[20])
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

/* all_space - are the n bytes at s only XML white space? */
static inline bool all_space(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\n' && s[i] != '\r')
            return false;
    return true;
}

/* xcp_items_push - append (key, val) to container c, growing its items;
 * c takes ownership of val (xcp_tree.c). */
void xcp_items_push(struct xcp_value *c, const char *key, size_t klen,
                    struct xcp_value *val);

#endif
