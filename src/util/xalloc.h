/*
 * xalloc - allocation wrappers that never return NULL.
 *
 * Out of memory is not an error regman recovers from: every wrapper aborts
 * the process with a message instead, so callers carry no NULL checks.
 */
#ifndef RM_UTIL_XALLOC_H
#define RM_UTIL_XALLOC_H

#include <stddef.h>

void *xmalloc(size_t n);
void *xcalloc(size_t nmemb, size_t size);
void *xrealloc(void *p, size_t n);
/* xstrdup - copy of a NUL-terminated string; the caller frees it. */
char *xstrdup(const char *s);
/* xstrndup - copy of the first n bytes of s plus a NUL. */
char *xstrndup(const char *s, size_t n);
/* xasprintf - formatted string; the caller frees it. */
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
