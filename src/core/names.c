/*
 * names - domain name validation and IDN conversion (see names.h).
 */
#include "core/names.h"

#include <idn2.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

static bool ldh(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
}

/* check_ascii - the LDH rules of names.h on an already lowercased name. */
static int check_ascii(const char *s, size_t *labels, struct rm_err *err)
{
    size_t len = strlen(s);
    if (len == 0)
        return rm_err_set(err, RM_EINVAL, "domain name is empty");
    if (len > NAME_MAX_ASCII)
        return rm_err_set(err, RM_EINVAL,
                          "domain name is %zu bytes long; the limit is %d", len,
                          NAME_MAX_ASCII);
    *labels = 0;
    const char *p = s, *last = s;
    while (*p) {
        const char *dot = strchr(p, '.');
        size_t n = dot ? (size_t)(dot - p) : strlen(p);
        if (n == 0)
            return rm_err_set(err, RM_EINVAL,
                              "domain name \"%.80s\" has an empty label", s);
        if (n > 63)
            return rm_err_set(err, RM_EINVAL,
                              "label \"%.*s...\" is %zu bytes; the limit is 63",
                              20, p, n);
        for (size_t i = 0; i < n; i++)
            if (!ldh(p[i]))
                return rm_err_set(err, RM_EINVAL,
                                  "label \"%.*s\" contains '%c': only "
                                  "letters, digits and hyphens are allowed",
                                  (int)n, p, p[i]);
        if (p[0] == '-' || p[n - 1] == '-')
            return rm_err_set(err, RM_EINVAL,
                              "label \"%.*s\" starts or ends with a hyphen",
                              (int)n, p);
        if (n >= 4 && p[2] == '-' && p[3] == '-' &&
            !(p[0] == 'x' && p[1] == 'n'))
            return rm_err_set(err, RM_EINVAL,
                              "label \"%.*s\" has \"--\" in positions 3-4 "
                              "but is not an IDN (xn--) label",
                              (int)n, p);
        (*labels)++;
        last = p;
        p += n;
        if (*p == '.') {
            p++;
            if (*p == '\0')
                return rm_err_set(err, RM_EINVAL,
                                  "domain name \"%.80s\" has an empty label",
                                  s);
        }
    }
    if (*labels < 2)
        return rm_err_set(err, RM_EINVAL,
                          "\"%.80s\" is not a domain name under a TLD", s);
    if (strspn(last, "0123456789") == strlen(last))
        return rm_err_set(err, RM_EINVAL, "TLD \"%s\" is numeric", last);
    return 0;
}

int name_parse(const char *input, struct name *out, struct rm_err *err)
{
    memset(out, 0, sizeof(*out));
    if (!input)
        return rm_err_set(err, RM_EINVAL, "domain name is missing");
    size_t len = strnlen(input, NAME_MAX_INPUT + 1);
    if (len > NAME_MAX_INPUT)
        return rm_err_set(err, RM_EINVAL, "domain name is too long");
    char in[NAME_MAX_INPUT + 1];
    memcpy(in, input, len + 1);
    if (len > 0 && in[len - 1] == '.')
        in[--len] = '\0';
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)in[i];
        if (c <= ' ' || c == 0x7f)
            return rm_err_set(err, RM_EINVAL,
                              "domain name contains a space or control "
                              "character");
    }

    bool plain = true;
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)in[i] >= 0x80)
            plain = false;
    int rc;
    if (plain) {
        /* ASCII input: check it ourselves, for messages that say which
         * rule a label breaks; libidn2 only decodes xn-- labels below. */
        for (size_t i = 0; i < len; i++)
            if (in[i] >= 'A' && in[i] <= 'Z')
                in[i] = (char)(in[i] - 'A' + 'a');
        rc = check_ascii(in, &out->labels, err);
        if (rc)
            return rc;
        memcpy(out->ascii, in, len + 1);
    } else {
        char *ascii = NULL;
        rc =
            idn2_to_ascii_8z(in, &ascii, IDN2_NFC_INPUT | IDN2_NONTRANSITIONAL);
        if (rc != IDN2_OK)
            return rm_err_set(err, RM_EINVAL,
                              "\"%.80s\" is not a valid name: %s", in,
                              idn2_strerror(rc));
        for (char *p = ascii; *p; p++)
            if (*p >= 'A' && *p <= 'Z')
                *p = (char)(*p - 'A' + 'a');
        rc = check_ascii(ascii, &out->labels, err);
        if (rc) {
            idn2_free(ascii);
            return rc;
        }
        memcpy(out->ascii, ascii, strlen(ascii) + 1);
        idn2_free(ascii);
    }

    char *uni = NULL;
    rc = idn2_to_unicode_8z8z(out->ascii, &uni, 0);
    if (rc != IDN2_OK) {
        /* an xn-- label that does not decode is not a valid A-label */
        return rm_err_set(err, RM_EINVAL, "\"%s\" has an invalid IDN label: %s",
                          out->ascii, idn2_strerror(rc));
    }
    if (strlen(uni) > NAME_MAX_INPUT) {
        idn2_free(uni);
        return rm_err_set(err, RM_EINVAL, "domain name is too long");
    }
    /* Decoding alone accepts any punycode: "xn--ea" decodes to U+0084, a
     * control character no U-label may hold. An A-label must be what its
     * own U-label converts back to (RFC 5891 5.4); that conversion
     * applies every IDNA2008 rule the decoder does not. */
    if (strcmp(uni, out->ascii) != 0) {
        char *back = NULL;
        rc =
            idn2_to_ascii_8z(uni, &back, IDN2_NFC_INPUT | IDN2_NONTRANSITIONAL);
        bool same = rc == IDN2_OK && strcmp(back, out->ascii) == 0;
        idn2_free(back);
        if (!same) {
            idn2_free(uni);
            return rm_err_set(err, RM_EINVAL,
                              "\"%s\" has an invalid IDN label: not the "
                              "A-label of any valid U-label",
                              out->ascii);
        }
    }
    memcpy(out->unicode, uni, strlen(uni) + 1);
    idn2_free(uni);
    out->tld = strrchr(out->ascii, '.') + 1;
    return 0;
}

const char *name_suffix_of(const struct name *n, size_t i)
{
    if (i >= n->labels)
        return NULL;
    const char *p = n->ascii;
    for (size_t k = 0; k < i; k++)
        p = strchr(p, '.') + 1;
    return p;
}
