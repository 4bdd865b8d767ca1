/*
 * buf - a growable byte buffer, always NUL-terminated.
 *
 * struct buf owns its data. buf_init() makes an empty buffer that has not
 * allocated; buf_release() frees the data and leaves an empty buffer;
 * buf_reset() empties it but keeps the allocation for reuse. data is never
 * NULL after buf_init() (it points at a static "" until the first append).
 * Any pointer into data becomes invalid after the next append.
 */
#ifndef RM_UTIL_BUF_H
#define RM_UTIL_BUF_H

#include <stdarg.h>
#include <stddef.h>

struct buf {
    char *data;
    size_t len;
    size_t cap;
};

void buf_init(struct buf *b);
void buf_release(struct buf *b);
void buf_reset(struct buf *b);
/* buf_grow - ensure room for n more bytes plus the NUL. */
void buf_grow(struct buf *b, size_t n);
void buf_add(struct buf *b, const void *p, size_t n);
void buf_adds(struct buf *b, const char *s);
void buf_addc(struct buf *b, char c);
void buf_addf(struct buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void buf_vaddf(struct buf *b, const char *fmt, va_list ap);
/* buf_detach - hand the data (NUL-terminated, heap) to the caller. */
char *buf_detach(struct buf *b, size_t *len);

#endif
