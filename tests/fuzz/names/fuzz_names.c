/*
 * fuzz_names - libFuzzer target for domain name parsing (core/names.h).
 *
 * Input: arbitrary bytes, cut at the first NUL (name_parse takes a C
 * string, as every caller hands it one). A refusal must be RM_EINVAL with
 * a message. When a name parses, these properties must hold (abort
 * otherwise):
 *   N1  ascii follows the LDH rules of names.h, checked here independently:
 *       1..253 bytes, labels 1-63 bytes of [a-z0-9-], no hyphen at either
 *       end, "--" at positions 3-4 only after "xn", at least two labels,
 *       TLD not numeric; labels is the number of labels;
 *   N2  tld points inside ascii, at the start of its last label;
 *   N3  idempotence: parsing ascii again succeeds with the same ascii and
 *       unicode, and so does parsing unicode (the U-label form names the
 *       same domain);
 *   N4  a name without an "xn--" label has unicode equal to ascii;
 *   N5  name_suffix_of(i) is the suffix after i labels, NULL from labels on;
 *   N6  case and one trailing dot do not matter: an ASCII input in upper
 *       case, and the input with a dot appended, parse to the same ascii.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/names.h"
#include "util/err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *what, const char *input, const struct name *n)
{
    fprintf(stderr, "fuzz_names: property violated: %s\n  input: \"%s\"\n",
            what, input);
    if (n)
        fprintf(stderr, "  ascii: \"%s\"\n  unicode: \"%s\"\n", n->ascii,
                n->unicode);
    abort();
}

static bool ldh(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
}

/* ldh_valid - N1, written from the header's rules rather than from
 * names.c; returns the number of labels, 0 when a rule is broken. */
static size_t ldh_valid(const char *s)
{
    size_t len = strlen(s), labels = 0, start = 0;
    if (len == 0 || len > NAME_MAX_ASCII)
        return 0;
    for (size_t i = 0; i <= len; i++) {
        if (i < len && s[i] != '.') {
            if (!ldh(s[i]))
                return 0;
            continue;
        }
        size_t n = i - start;
        const char *l = s + start;
        if (n < 1 || n > 63 || l[0] == '-' || l[n - 1] == '-')
            return 0;
        if (n >= 4 && l[2] == '-' && l[3] == '-' &&
            !(l[0] == 'x' && l[1] == 'n'))
            return 0;
        labels++;
        start = i + 1;
    }
    const char *tld = strrchr(s, '.');
    tld = tld ? tld + 1 : s;
    if (strspn(tld, "0123456789") == strlen(tld))
        return 0;
    return labels >= 2 ? labels : 0;
}

static bool has_xn_label(const char *s)
{
    for (const char *p = s;;) {
        if (strncmp(p, "xn--", 4) == 0)
            return true;
        p = strchr(p, '.');
        if (!p)
            return false;
        p++;
    }
}

/* same - parse s again and require the ascii (and, when want_uni, the
 * unicode) of first. */
static void same(const char *what, const char *input, const char *s,
                 const struct name *first, bool want_uni)
{
    static struct name again;
    struct rm_err err = {0};
    if (name_parse(s, &again, &err)) {
        fprintf(stderr, "  re-parsed: \"%s\": %s\n", s, err.msg);
        fail(what, input, first);
    }
    if (strcmp(again.ascii, first->ascii) != 0 ||
        (want_uni && strcmp(again.unicode, first->unicode) != 0)) {
        fprintf(stderr, "  re-parsed: \"%s\" -> \"%s\" / \"%s\"\n", s,
                again.ascii, again.unicode);
        fail(what, input, first);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* Twice the input limit, so both sides of NAME_MAX_INPUT are reached. */
    static char input[2 * NAME_MAX_INPUT + 2];
    static char variant[sizeof(input) + 1];
    static struct name n;
    if (size > 2 * NAME_MAX_INPUT)
        size = 2 * NAME_MAX_INPUT;
    memcpy(input, data, size);
    input[size] = '\0';

    struct rm_err err = {0};
    if (name_parse(input, &n, &err)) {
        if (err.code != RM_EINVAL || err.msg[0] == '\0')
            fail("a refusal without RM_EINVAL and a message", input, NULL);
        return 0;
    }

    size_t labels = ldh_valid(n.ascii);
    if (labels == 0)
        fail("N1: ascii breaks the LDH rules", input, &n);
    if (labels != n.labels)
        fail("N1: labels does not count the labels of ascii", input, &n);

    const char *last = strrchr(n.ascii, '.');
    if (!n.tld || n.tld < n.ascii || n.tld > n.ascii + strlen(n.ascii) ||
        !last || n.tld != last + 1)
        fail("N2: tld does not point at the last label of ascii", input, &n);

    same("N3: parsing ascii again changes the result", input, n.ascii, &n,
         true);
    same("N3: parsing unicode gives another name", input, n.unicode, &n, true);

    if (!has_xn_label(n.ascii) && strcmp(n.ascii, n.unicode) != 0)
        fail("N4: unicode differs from ascii without an IDN label", input, &n);

    const char *p = n.ascii;
    for (size_t i = 0; i < n.labels; i++) {
        if (name_suffix_of(&n, i) != p)
            fail("N5: name_suffix_of is not the suffix after i labels", input,
                 &n);
        p = strchr(p, '.');
        p = p ? p + 1 : NULL;
    }
    if (name_suffix_of(&n, n.labels - 1) != n.tld ||
        name_suffix_of(&n, n.labels) != NULL)
        fail("N5: name_suffix_of past the TLD", input, &n);

    size_t len = strlen(input);
    bool ascii_in = true;
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)input[i] >= 0x80)
            ascii_in = false;
    if (ascii_in) {
        for (size_t i = 0; i <= len; i++)
            variant[i] = (char)((input[i] >= 'a' && input[i] <= 'z')
                                    ? input[i] - 'a' + 'A'
                                    : input[i]);
        same("N6: upper case input parses to another name", input, variant, &n,
             true);
    }
    if (len > 0 && input[len - 1] != '.' && len < NAME_MAX_INPUT) {
        memcpy(variant, input, len);
        variant[len] = '.';
        variant[len + 1] = '\0';
        same("N6: a trailing dot changes the name", input, variant, &n, true);
    }
    return 0;
}
