/*
 * country - ISO 3166-1 alpha-2 country codes: a compiled-in table of the
 * 249 officially assigned codes. User-assigned codes (AA, QM-QZ, XA-XZ
 * such as XK, ZZ), exceptionally reserved ones (UK, EU) and withdrawn
 * ones are not in it.
 *
 * A code is two capital letters; "ca" is not a code. The table changes
 * when ISO assigns or withdraws a code: keep it ascending (test_country
 * checks the order and the count).
 */
#ifndef RM_CORE_COUNTRY_H
#define RM_CORE_COUNTRY_H

#include <stdbool.h>
#include <stddef.h>

#define COUNTRY_CODES 249

/* country_assigned - true when cc is an assigned alpha-2 code. */
bool country_assigned(const char *cc);
/* country_code - the i-th code of the table in ascending order (i <
 * COUNTRY_CODES), NULL past the end; a static string. */
const char *country_code(size_t i);

#endif
