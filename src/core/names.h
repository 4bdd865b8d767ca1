/*
 * names - domain name validation and normalisation (RFC 1035 / 5890).
 *
 * Input may be an A-label name ("xn--bcher-kva.com"), a U-label name
 * ("bücher.com", UTS #46 non-transitional mapping via libidn2) or any
 * case; one trailing dot is accepted. The result holds both forms:
 *   ascii    lowercased A-labels, LDH only, labels 1-63 bytes, no hyphen at
 *            either end of a label, "--" at positions 3-4 only in "xn--",
 *            at least two labels, total length <= 253, TLD not numeric;
 *   unicode  the same name with A-labels decoded (equal to ascii when the
 *            name has no IDN label).
 * Anything else is RM_EINVAL with a message naming the offending label.
 */
#ifndef RM_CORE_NAMES_H
#define RM_CORE_NAMES_H

#include <stddef.h>

#include "util/err.h"

#define NAME_MAX_ASCII 253
#define NAME_MAX_INPUT 1024 /* bytes of user input considered at all */

struct name {
    char ascii[NAME_MAX_ASCII + 1];
    char unicode[NAME_MAX_INPUT + 1];
    size_t labels;
    const char *tld; /* points into ascii: the last label */
};

int name_parse(const char *input, struct name *out, struct rm_err *err);

/* name_suffix_of - the suffix of ascii that starts after label i (0 = the
 * whole name), e.g. for "a.b.co.uk": 1 → "b.co.uk", 2 → "co.uk". NULL
 * when i >= labels. Used to find the longest mapped TLD. */
const char *name_suffix_of(const struct name *n, size_t i);

#endif
