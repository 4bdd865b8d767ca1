/*
 * money - strict parsing and formatting of amounts (contract in money.h).
 */
#include "core/money.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static int bad(const char *s, struct rm_err *err, const char *why)
{
    return rm_err_set(err, RM_EINVAL,
                      "invalid amount \"%.40s\": %s (write e.g. 12 or 12.50)",
                      s ? s : "", why);
}

int money_parse(const char *s, int64_t *out, struct rm_err *err)
{
    int64_t whole = 0, frac = 0;
    size_t nint = 0, nfrac = 0;
    const char *p = s;

    if (!s || !*s)
        return bad(s, err, "empty");
    if (*p == '-')
        return bad(s, err, "negative amounts are not allowed");
    for (; *p >= '0' && *p <= '9'; p++) {
        if (++nint > MONEY_MAX_DIGITS)
            return bad(s, err, "too large");
        whole = whole * 10 + (*p - '0');
    }
    if (*p == '.') {
        p++;
        for (; *p >= '0' && *p <= '9'; p++) {
            if (++nfrac > 2)
                return bad(s, err, "more than 2 decimals");
            frac = frac * 10 + (*p - '0');
        }
        if (nfrac == 0)
            return bad(s, err, "no digits after the decimal point");
    }
    if (*p)
        return bad(s, err, "only digits and one decimal point are allowed");
    if (nint == 0)
        return bad(s, err, "no digits before the decimal point");
    if (nfrac == 1)
        frac *= 10;
    *out = whole * 100 + frac;
    return 0;
}

int money_parse_signed(const char *s, int64_t *out, struct rm_err *err)
{
    int rc;

    if (s && s[0] == '-') {
        if ((rc = money_parse(s + 1, out, err)) < 0)
            return rc;
        *out = -*out;
        return 0;
    }
    return money_parse(s, out, err);
}

char *money_format(int64_t v, char *buf)
{
    uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;

    snprintf(buf, MONEY_STR_MAX, "%s%" PRIu64 ".%02" PRIu64, v < 0 ? "-" : "",
             u / 100, u % 100);
    return buf;
}
