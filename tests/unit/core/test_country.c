/*
 * test_country - the ISO 3166-1 alpha-2 table holds exactly the 249
 * assigned codes, in order, and nothing else passes as a country.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/country.h"

static void table_is_ascending_two_capitals_and_249_long(void **state)
{
    (void)state;
    size_t i;
    for (i = 0; country_code(i); i++) {
        const char *c = country_code(i);
        assert_int_equal(strlen(c), 2);
        assert_true(c[0] >= 'A' && c[0] <= 'Z' && c[1] >= 'A' && c[1] <= 'Z');
        if (i > 0)
            assert_true(strcmp(country_code(i - 1), c) < 0);
        assert_true(country_assigned(c));
    }
    assert_int_equal(i, COUNTRY_CODES);
    assert_int_equal(COUNTRY_CODES, 249);
}

static void assigned_codes_pass(void **state)
{
    (void)state;
    /* the ends of the table, recent assignments (AX 2004, BL MF 2007, BQ
     * CW SX 2010, SS 2011) and codes people get wrong (GB, not UK) */
    static const char *const ok[] = {"AD", "ZW", "CA", "US", "GB", "DE",
                                     "AX", "BL", "MF", "BQ", "CW", "SX",
                                     "SS", "PS", "TW", "HK", "AQ", "UM"};
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++)
        assert_true(country_assigned(ok[i]));
}

static void unassigned_codes_and_junk_fail(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "XX", "ZZ", "AA", "QM",  "XK", /* user-assigned (XK: Kosovo) */
        "UK", "EU",                    /* exceptionally reserved */
        "AN", "YU", "CS",              /* withdrawn */
        "ca", "Ca", "C",  "CAN", "",   "C1", "A ", "@A", "[Z",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_false(country_assigned(bad[i]));
    assert_false(country_assigned(NULL));
    assert_null(country_code(COUNTRY_CODES));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(table_is_ascending_two_capitals_and_249_long),
        cmocka_unit_test(assigned_codes_pass),
        cmocka_unit_test(unassigned_codes_and_junk_fail),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
