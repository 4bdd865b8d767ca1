/*
 * money - amounts as people type and read them.
 *
 * regman keeps money as int64_t minor units (design section 5); the one
 * currency of an installation has 2 decimals. People write amounts in
 * major units: "12", "12.5", "12.50" all mean 1250 minor units.
 * money_parse is strict: digits, at most one '.', at most 2 decimals, no
 * sign (negative amounts are refused: an adjustment's direction is its
 * own flag), no exponent, no spaces, no thousands separators, at most
 * MONEY_MAX_DIGITS integer digits.
 */
#ifndef RM_CORE_MONEY_H
#define RM_CORE_MONEY_H

#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

/* the decimals of every amount: the installation's currency has them
 * (currency_check, currency.h) */
#define MONEY_DECIMALS 2
#define MONEY_MAX_DIGITS 13 /* up to 9,999,999,999,999.99 */
#define MONEY_STR_MAX 32    /* buffer for money_format */

/* money_parse - RM_EINVAL with a message quoting s for anything else. */
int money_parse(const char *s, int64_t *out, struct rm_err *err);
/* money_parse_signed - like money_parse with one optional leading '-'
 * (admin adjustments only). */
int money_parse_signed(const char *s, int64_t *out, struct rm_err *err);
/* money_format - "-12.50" into buf (MONEY_STR_MAX bytes); returns buf. */
char *money_format(int64_t v, char *buf);

#endif
