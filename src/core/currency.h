/*
 * currency - ISO 4217 currency codes with their minor units (the number
 * of decimals of an amount: 2 for USD, 0 for JPY, 3 for KWD), from a
 * compiled-in table of the current codes.
 *
 * regman keeps money in minor units of one currency per installation and
 * formats and parses amounts with MONEY_DECIMALS (money.h) decimals, so
 * an installation's currency must be one whose minor unit is exactly
 * that: currency_check says so, and app_load_settings refuses
 * [regman] currency through it (at every start and in check-config).
 */
#ifndef RM_CORE_CURRENCY_H
#define RM_CORE_CURRENCY_H

#include <stddef.h>

#include "core/money.h"
#include "util/err.h"

#define CURRENCY_CODES 182
#define CURRENCY_UNKNOWN (-1)  /* not a current ISO 4217 code */
#define CURRENCY_NO_MINOR (-2) /* "N.A." in ISO 4217: XAU, XDR, XXX, ... */

/* currency_minor_unit - the minor unit (0..4) of code (three capital
 * letters), CURRENCY_NO_MINOR or CURRENCY_UNKNOWN. */
int currency_minor_unit(const char *code);
/* currency_code - the i-th code of the table in ascending order (i <
 * CURRENCY_CODES), NULL past the end; a static string. */
const char *currency_code(size_t i);
/* currency_check - 0 when code can be an installation's currency (a
 * current code with MONEY_DECIMALS decimals); RM_EINVAL otherwise, with
 * a message naming the code and its minor unit. */
int currency_check(const char *code, struct rm_err *err);

#endif
