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

#endif
