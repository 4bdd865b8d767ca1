/*
 * test_tld_expiry - a TLD's life after expiry: the defaults regman knows
 * per TLD and the fallback, settings over them, and the dates of an
 * expiry (renewable until, restorable until, deleted after).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/tld.h"

#define DAY 86400
#define EXP 1767225600 /* 2026-01-01T00:00:00Z */

static void defaults_per_tld_and_fallback(void **state)
{
    (void)state;
    struct tld_expiry_cfg c;

    assert_true(tld_expiry_default("com", &c));
    assert_int_equal(c.grace_days, 30);
    assert_int_equal(c.redemption_days, 30);
    assert_int_equal(c.pending_delete_days, 5);
    assert_int_equal(c.grace_fee, 0);
    assert_int_equal(c.restore_fee, TLD_NOPRICE);
    /* .eu: no grace, 40 days of quarantine, then free */
    assert_true(tld_expiry_default("eu", &c));
    assert_int_equal(c.grace_days, 0);
    assert_int_equal(c.redemption_days, 40);
    assert_int_equal(c.pending_delete_days, 0);
    /* .co.uk: renewable for 90 days, nothing to restore */
    assert_true(tld_expiry_default("co.uk", &c));
    assert_int_equal(c.grace_days, 90);
    assert_int_equal(c.redemption_days, 0);
    /* a TLD without defaults of its own: 30/30/5 */
    assert_false(tld_expiry_default("example", &c));
    assert_int_equal(c.grace_days, 30);
    assert_int_equal(c.redemption_days, 30);
    assert_int_equal(c.pending_delete_days, 5);
    assert_int_equal(c.restore_fee, TLD_NOPRICE);
}

static void settings_override_the_defaults(void **state)
{
    (void)state;
    struct tld_expiry_cfg c;

    tld_expiry_resolve("com", 40, -1, 0, 500, 8000, &c);
    assert_int_equal(c.grace_days, 40);
    assert_int_equal(c.redemption_days, 30); /* not set: the default */
    assert_int_equal(c.pending_delete_days, 0);
    assert_int_equal(c.grace_fee, 500);
    assert_int_equal(c.restore_fee, 8000);
    tld_expiry_resolve("de", -1, -1, -1, 0, -1, &c);
    assert_int_equal(c.grace_days, 0);
    assert_int_equal(c.redemption_days, 30);
    assert_int_equal(c.restore_fee, TLD_NOPRICE);
}

static void dates_of_an_expiry(void **state)
{
    (void)state;
    struct tld t;
    struct tld_expiry e;

    memset(&t, 0, sizeof t);
    strcpy(t.tld, "com");
    tld_expiry_resolve("com", 30, 30, 5, 0, 8000, &t.expiry);
    tld_expiry_dates(&t, EXP, &e);
    assert_int_equal(e.renewable_until, EXP + 30 * DAY);
    assert_int_equal(e.restorable_until, EXP + 60 * DAY);
    assert_int_equal(e.deleted_after, EXP + 65 * DAY);
}

static void no_restorable_date_without_restores(void **state)
{
    (void)state;
    struct tld t;
    struct tld_expiry e;

    memset(&t, 0, sizeof t);
    /* restores not offered: the redemption days still pass */
    tld_expiry_resolve("com", 30, 30, 5, 0, TLD_NOPRICE, &t.expiry);
    tld_expiry_dates(&t, EXP, &e);
    assert_int_equal(e.renewable_until, EXP + 30 * DAY);
    assert_int_equal(e.restorable_until, 0);
    assert_int_equal(e.deleted_after, EXP + 65 * DAY);
    /* no redemption period: nothing to restore even with a fee */
    tld_expiry_resolve("eu", 0, 0, 0, 0, 2000, &t.expiry);
    tld_expiry_dates(&t, EXP, &e);
    assert_int_equal(e.renewable_until, EXP);
    assert_int_equal(e.restorable_until, 0);
    assert_int_equal(e.deleted_after, EXP);
}

static void unknown_expiry_has_no_dates(void **state)
{
    (void)state;
    struct tld t;
    struct tld_expiry e;

    memset(&t, 0, sizeof t);
    tld_expiry_resolve("com", -1, -1, -1, 0, 8000, &t.expiry);
    tld_expiry_dates(&t, 0, &e);
    assert_int_equal(e.renewable_until, 0);
    assert_int_equal(e.restorable_until, 0);
    assert_int_equal(e.deleted_after, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(defaults_per_tld_and_fallback),
        cmocka_unit_test(settings_override_the_defaults),
        cmocka_unit_test(dates_of_an_expiry),
        cmocka_unit_test(no_restorable_date_without_restores),
        cmocka_unit_test(unknown_expiry_has_no_dates),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
