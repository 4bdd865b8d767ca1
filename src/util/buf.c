/*
 * buf - growable NUL-terminated byte buffer (see buf.h).
 */
#include "util/buf.h"

#include <stdio.h>
#include <string.h>

#include "util/xalloc.h"
#include <stdlib.h>

static char empty[1];

void buf_init(struct buf *b)
{
    b->data = empty;
    b->len = 0;
    b->cap = 0;
}

void buf_release(struct buf *b)
{
    if (b->cap)
        free(b->data);
    buf_init(b);
}

void buf_reset(struct buf *b)
{
    b->len = 0;
    if (b->cap)
        b->data[0] = '\0';
}

void buf_grow(struct buf *b, size_t n)
{
    if (b->len + n + 1 <= b->cap)
        return;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < b->len + n + 1)
        cap *= 2;
    if (b->cap)
        b->data = xrealloc(b->data, cap);
    else
        b->data = xmalloc(cap);
    b->cap = cap;
}

void buf_add(struct buf *b, const void *p, size_t n)
{
    buf_grow(b, n);
    if (n)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
}

void buf_adds(struct buf *b, const char *s)
{
    buf_add(b, s, strlen(s));
}

void buf_addc(struct buf *b, char c)
{
    buf_grow(b, 1);
    b->data[b->len++] = c;
    b->data[b->len] = '\0';
}

void buf_vaddf(struct buf *b, const char *fmt, va_list ap)
{
    va_list cp;
    char probe[1];
    /* GCC with UBSan at -O2 sees a path with a NULL format and refuses
     * to compile (-Wformat-truncation); a NULL format appends nothing */
    if (!fmt)
        return;
    va_copy(cp, ap);
    /* a 1-byte buffer rather than NULL: some toolchains warn on NULL */
    int n = vsnprintf(probe, sizeof(probe), fmt, cp);
    va_end(cp);
    if (n <= 0)
        return;
    buf_grow(b, (size_t)n);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    b->len += (size_t)n;
}

void buf_addf(struct buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    buf_vaddf(b, fmt, ap);
    va_end(ap);
}

char *buf_detach(struct buf *b, size_t *len)
{
    char *p;
    if (b->cap)
        p = b->data;
    else
        p = xstrdup("");
    if (len)
        *len = b->len;
    buf_init(b);
    return p;
}
