/*
 * test_currency - the ISO 4217 table gives each current code its minor
 * unit, and currency_check accepts exactly the codes with 2 decimals,
 * naming the code and its minor unit when it refuses one.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/currency.h"

static void table_is_ascending_three_capitals(void **state)
{
    (void)state;
    size_t i;
    for (i = 0; currency_code(i); i++) {
        const char *c = currency_code(i);
        assert_int_equal(strlen(c), 3);
        for (size_t k = 0; k < 3; k++)
            assert_true(c[k] >= 'A' && c[k] <= 'Z');
        if (i > 0)
            assert_true(strcmp(currency_code(i - 1), c) < 0);
        assert_int_not_equal(currency_minor_unit(c), CURRENCY_UNKNOWN);
    }
    assert_int_equal(i, CURRENCY_CODES);
}

struct unit_case {
    const char *code;
    int minor;
};

static void minor_units_match_iso_4217(void **state)
{
    (void)state;
    static const struct unit_case cases[] = {
        {"USD", 2},
        {"EUR", 2},
        {"CAD", 2},
        {"GBP", 2},
        {"CHF", 2},
        {"HUF", 2},
        {"JPY", 0},
        {"KRW", 0},
        {"ISK", 0},
        {"VND", 0},
        {"XOF", 0},
        {"CLP", 0},
        {"KWD", 3},
        {"BHD", 3},
        {"TND", 3},
        {"CLF", 4},
        {"UYW", 4},
        {"XAU", CURRENCY_NO_MINOR},
        {"XDR", CURRENCY_NO_MINOR},
        {"XXX", CURRENCY_NO_MINOR},
        {"ZWG", 2},
        {"XCG", 2},
        {"HRK", CURRENCY_UNKNOWN}, /* withdrawn 2023 */
        {"DEM", CURRENCY_UNKNOWN}, /* withdrawn long ago */
        {"ABC", CURRENCY_UNKNOWN},
        {"usd", CURRENCY_UNKNOWN},
        {"US", CURRENCY_UNKNOWN},
        {"USDX", CURRENCY_UNKNOWN},
        {"", CURRENCY_UNKNOWN},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int got = currency_minor_unit(cases[i].code);
        if (got != cases[i].minor)
            fail_msg("%s: minor unit %d, want %d", cases[i].code, got,
                     cases[i].minor);
    }
    assert_int_equal(currency_minor_unit(NULL), CURRENCY_UNKNOWN);
}

static void check_accepts_two_decimals_only(void **state)
{
    (void)state;
    struct rm_err err;
    for (size_t i = 0; currency_code(i); i++) {
        const char *c = currency_code(i);
        int want = currency_minor_unit(c) == MONEY_DECIMALS ? 0 : RM_EINVAL;
        rm_err_clear(&err);
        assert_int_equal(currency_check(c, &err), want);
        if (want)
            assert_non_null(strstr(err.msg, c));
    }
}

static void refusals_name_the_code_and_its_minor_unit(void **state)
{
    (void)state;
    struct rm_err err;
    rm_err_clear(&err);
    assert_int_equal(currency_check("JPY", &err), RM_EINVAL);
    assert_non_null(strstr(err.msg, "JPY"));
    assert_non_null(strstr(err.msg, "minor unit 0"));
    rm_err_clear(&err);
    assert_int_equal(currency_check("KWD", &err), RM_EINVAL);
    assert_non_null(strstr(err.msg, "minor unit 3"));
    rm_err_clear(&err);
    assert_int_equal(currency_check("XAU", &err), RM_EINVAL);
    assert_non_null(strstr(err.msg, "minor unit N.A."));
    rm_err_clear(&err);
    assert_int_equal(currency_check("QQQ", &err), RM_EINVAL);
    assert_non_null(strstr(err.msg, "\"QQQ\" is not an ISO 4217"));
    assert_int_equal(currency_check("USD", NULL), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(table_is_ascending_three_capitals),
        cmocka_unit_test(minor_units_match_iso_4217),
        cmocka_unit_test(check_accepts_two_decimals_only),
        cmocka_unit_test(refusals_name_the_code_and_its_minor_unit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
