/*
 * test_shop_fake - shop_search (core/shop.h) against the fake registrar,
 * a driver without suggest_ex: one LOOKUP per TLD sold and no
 * suggestions; a registrar that does not answer leaves the names unknown
 * after one call per connection; names live here are taken (the
 * account's own are mine); bad input is refused before any call.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/account.h"
#include "core/shop.h"
#include "core/tld.h"
#include "corefix.h"
#include "fakereg.h"

static void add_tld(struct corefix *f, const char *tld)
{
    struct rm_err err = {0};
    const char *prices[] = {"register:2=30"};
    struct tld_set_req tr = {.tld = tld,
                             .connection = "fake",
                             .terms = "2-5",
                             .prices = prices,
                             .nprices = 1};
    if (tld_set(f->app, &tr, &err) != 0)
        fail_msg("tld_set: %s", err.msg);
}

static void without_suggest_ex_one_lookup_per_tld(void **state)
{
    (void)state;
    struct corefix *f = corefix_open(false);
    struct shop_result r;
    struct rm_err err = {0};
    add_tld(f, "net");

    fakereg.availability = REG_AVAILABLE;
    assert_int_equal(shop_search(f->app, "  MyNewShop.net ", NULL, 0, &r, &err),
                     0);
    assert_string_equal(r.query, "MyNewShop.net");
    assert_string_equal(r.label, "mynewshop");
    assert_true(r.typed_sold);
    assert_int_equal(r.n, 2);
    assert_string_equal(r.results[0].name, "mynewshop.net");
    assert_true(r.results[0].exact);
    assert_string_equal(r.results[1].name, "mynewshop.com");
    /* .com: 1 year offered at 10.00; .net: only 2 years, no 1-year price */
    assert_int_equal(r.results[1].price, 1000);
    assert_true(r.results[1].orderable);
    assert_int_equal(r.results[0].price, TLD_NOPRICE);
    assert_int_equal(r.results[0].terms[2], 3000);
    assert_true(r.results[0].orderable);
    assert_int_equal(fakereg_calls(FR_LOOKUP), 2);
    assert_int_equal(fakereg_calls(FR_SUGGEST), 0);
    assert_int_equal(r.calls, 2);
    assert_int_equal(r.connections, 1);
    assert_int_equal(r.answered, 1);
    assert_int_equal(r.nsug, 0);
    shop_result_release(&r);

    fakereg.availability = REG_PENDING_ELSEWHERE;
    assert_int_equal(shop_search(f->app, "other", NULL, 0, &r, &err), 0);
    assert_int_equal(r.results[0].availability, SHOP_TAKEN);
    assert_false(r.results[0].orderable);
    assert_non_null(strstr(r.results[0].reason, "waiting"));
    shop_result_release(&r);
    corefix_close(f);
}

static void no_answer_is_unknown_after_one_call(void **state)
{
    (void)state;
    struct corefix *f = corefix_open(false);
    struct shop_result r;
    struct rm_err err = {0};
    add_tld(f, "net");
    add_tld(f, "org");

    fakereg.queries_lost = true;
    assert_int_equal(shop_search(f->app, "mynewshop", NULL, 0, &r, &err), 0);
    assert_int_equal(r.n, 3);
    for (size_t i = 0; i < r.n; i++) {
        assert_int_equal(r.results[i].availability, SHOP_UNKNOWN);
        assert_false(r.results[i].orderable);
        assert_non_null(strstr(r.results[i].reason, "did not answer"));
    }
    assert_int_equal(r.answered, 0);
    /* the first call went unanswered: the others were not tried */
    assert_int_equal(fakereg_calls(FR_LOOKUP), 1);
    shop_result_release(&r);
    corefix_close(f);
}

static void names_live_here_are_taken(void **state)
{
    (void)state;
    struct corefix *f = corefix_open(false);
    struct shop_result r;
    struct rm_err err = {0};
    corefix_registered(f, "mynewshop.com", 2000000000);
    int64_t bob_id;
    assert_int_equal(account_add(f->app, "bob", "bob@example.com", NULL, false,
                                 &bob_id, &err),
                     0);

    /* the registrar says available (its answer may lag); regman knows */
    fakereg.availability = REG_AVAILABLE;
    assert_int_equal(shop_search(f->app, "mynewshop", "alice", 0, &r, &err), 0);
    assert_int_equal(r.results[0].availability, SHOP_TAKEN);
    assert_true(r.results[0].mine);
    assert_false(r.results[0].orderable);
    shop_result_release(&r);
    assert_int_equal(shop_search(f->app, "mynewshop", "bob", 0, &r, &err), 0);
    assert_int_equal(r.results[0].availability, SHOP_TAKEN);
    assert_false(r.results[0].mine);
    shop_result_release(&r);
    corefix_close(f);
}

static void bad_input_asks_nobody(void **state)
{
    (void)state;
    struct corefix *f = corefix_open(false);
    struct shop_result r;
    struct rm_err err = {0};
    char longer[400];
    memset(longer, 'a', 300);
    longer[300] = '\0';
    char huge[3000];
    memset(huge, 'b', sizeof huge - 1);
    huge[sizeof huge - 1] = '\0';
    const char *bad[] = {"",        "   ",     "..",    longer, huge,
                         "a.b.com", "my shop", "-shop", NULL};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        rm_err_clear(&err);
        assert_int_equal(shop_search(f->app, bad[i], NULL, 0, &r, &err),
                         RM_EINVAL);
        assert_true(err.msg[0] != '\0');
    }
    assert_int_equal(shop_search(f->app, "shop", NULL, 51, &r, &err),
                     RM_EINVAL);
    assert_int_equal(shop_search(f->app, "shop", NULL, -1, &r, &err),
                     RM_EINVAL);
    assert_int_equal(shop_search(f->app, "shop", "nobody", 0, &r, &err),
                     RM_ENOTFOUND);
    assert_int_equal(fakereg_calls(FR_LOOKUP), 0);
    corefix_close(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(without_suggest_ex_one_lookup_per_tld),
        cmocka_unit_test(no_answer_is_unknown_after_one_call),
        cmocka_unit_test(names_live_here_are_taken),
        cmocka_unit_test(bad_input_asks_nobody),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
