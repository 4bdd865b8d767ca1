/*
 * utf8 - strict UTF-8 (RFC 3629), one sequence at a time: no overlong
 * forms, no surrogates, nothing above U+10FFFF. The one definition the
 * XCP emitter, the mail encoder and the JSON reply writer share.
 */
#ifndef RM_UTIL_UTF8_H
#define RM_UTIL_UTF8_H

#include <stddef.h>

/* utf8_seq - the length (1-4) of the valid sequence starting at p, with
 * n >= 1 bytes readable there; 0 when it is not valid UTF-8. */
size_t utf8_seq(const unsigned char *p, size_t n);

/* utf8_clean - s as valid UTF-8: NULL when s already is (nothing to
 * free), else a new string (the caller frees it) with every byte that
 * starts no valid sequence replaced by U+FFFD. For text from outside
 * (a registrar's answer) that the database must store: PostgreSQL
 * refuses text that is not UTF-8. */
char *utf8_clean(const char *s);

#endif
