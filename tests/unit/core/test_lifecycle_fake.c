/*
 * test_lifecycle_fake - the daily lifecycle (core/lifecycle.h) against
 * the fake registrar (fakereg.h): an automatic renewal for every outcome
 * a RENEW can have, charged once, refunded at most once, never sent twice
 * however often the step runs; no funds, no attempt; and the portfolio
 * sync (drift, missing, unknown, and a registrar that does not answer).
 * Table-driven: each row gets a fresh installation (corefix.h).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/app.h"
#include "core/ledger.h"
#include "core/lifecycle.h"
#include "core/ops.h"
#include "corefix.h"
#include "fakereg.h"
#include "util/clock.h"

#define YEAR (365 * COREFIX_DAY)

static int64_t last_renewal(struct corefix *f, const char *name)
{
    return corefix_int(f,
                       "SELECT COALESCE(MAX(o.id), 0) FROM operations o JOIN "
                       "domains d ON d.id = o.domain_id WHERE d.name = ? AND "
                       "o.kind = 'renew'",
                       name, 0);
}

static void renew_step(struct corefix *f, struct lifecycle_stats *s)
{
    struct lifecycle_ctx c = {.app = f->app, .now = clock_now()};
    struct rm_err err = {0};

    memset(s, 0, sizeof *s);
    if (lifecycle_renew(&c, s, &err) != 0)
        fail_msg("lifecycle_renew: %s", err.msg);
    assert_int_equal(s->errors, 0);
}

struct renew_row {
    const char *what;
    struct reg_op_result script[3];
    int n;
    const char *want_state; /* of the renewal operation */
    int64_t renewed, pending, failed;
    bool refunded;
    int want_sends;
};

static void run_renew_row(const struct renew_row *r)
{
    struct corefix *f = corefix_open(true);
    struct lifecycle_stats s;
    const char *name = "auto.com";
    time_t expiry = (time_t)(clock_now() + 10 * COREFIX_DAY);

    print_message("row: %s\n", r->what);
    corefix_registered(f, name, expiry);
    fakereg_reset();
    fakereg.expiry = expiry;
    int64_t before = corefix_balance(f);
    fakereg_script(r->script, r->n);
    renew_step(f, &s);
    assert_int_equal(s.renewed, r->renewed);
    assert_int_equal(s.pending, r->pending);
    assert_int_equal(s.failed, r->failed);
    int64_t op = last_renewal(f, name);
    assert_true(op > 0);
    assert_string_equal(corefix_state(f, op), r->want_state);
    assert_int_equal(fakereg_sends(), r->want_sends);
    corefix_ledger_says(f, op, r->refunded, before, COREFIX_PRICE);
    if (r->renewed)
        assert_int_equal(
            corefix_int(f, "SELECT expires_at FROM domains WHERE name = ?",
                        name, 0),
            (int64_t)r->script[r->n - 1].expiry);

    /* the step again, the same day: no second attempt, no money moves */
    renew_step(f, &s);
    assert_int_equal(s.renewed + s.pending + s.failed, 0);
    assert_int_equal(last_renewal(f, name), op);
    assert_int_equal(fakereg_sends(), r->want_sends);
    corefix_ledger_says(f, op, r->refunded, before, COREFIX_PRICE);
    corefix_close(f);
}

#define SCRIPT(...)                                                            \
    .script = {__VA_ARGS__},                                                   \
    .n = sizeof((struct reg_op_result[]){__VA_ARGS__}) /                       \
         sizeof(struct reg_op_result)

static void an_automatic_renewal_is_attempted_once(void **state)
{
    time_t renewed = (time_t)(clock_now() + 10 * COREFIX_DAY + YEAR);
    const struct renew_row rows[] = {
        {"answered: done", SCRIPT(fakereg_done(renewed, "80")), "succeeded", 1,
         0, 0, false, 1},
        {"answered: refused", SCRIPT(fakereg_failed(480, NULL)), "failed", 0, 0,
         1, true, 1},
        {"pending: queued request",
         SCRIPT(fakereg_pending(REG_PENDING_QUEUED, "81", "q81")), "pending", 0,
         1, 0, false, 1},
        {"unknown: the answer was lost", SCRIPT(fakereg_lost()), "pending", 0,
         1, 0, false, 1},
        {"not sent, every attempt",
         SCRIPT(fakereg_not_sent(), fakereg_not_sent(), fakereg_not_sent()),
         "failed", 0, 0, 1, true, 3},
        {"not sent, then done",
         SCRIPT(fakereg_not_sent(), fakereg_done(renewed, "82")), "succeeded",
         1, 0, 0, false, 2},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
        run_renew_row(&rows[i]);
}

static void no_funds_no_attempt(void **state)
{
    struct corefix *f = corefix_open(true);
    struct lifecycle_stats s;
    struct rm_err err = {0};

    corefix_registered(f, "poor.com", (time_t)(clock_now() + 10 * COREFIX_DAY));
    fakereg_reset();
    int64_t left = corefix_balance(f);
    if (ledger_adjust(f->app->st, f->account_id, -left, "drain", NULL,
                      clock_now(), &err) != 0)
        fail_msg("ledger_adjust: %s", err.msg);
    renew_step(f, &s);
    assert_int_equal(s.no_funds, 1);
    assert_int_equal(last_renewal(f, "poor.com"), 0);
    assert_int_equal(fakereg_sends(), 0);
    assert_int_equal(corefix_balance(f), 0);
    assert_true(corefix_audit_ok(f));
    corefix_close(f);
}

static void sync_follows_the_registrars_portfolio(void **state)
{
    struct corefix *f = corefix_open(false);
    struct lifecycle_stats s;
    struct lifecycle_ctx c = {.app = f->app};
    struct rm_err err = {0};
    int64_t now = clock_now();
    time_t ea = (time_t)(now + 100 * COREFIX_DAY),
           eb = (time_t)(now + 200 * COREFIX_DAY);

    corefix_registered(f, "drift.com", ea);
    corefix_registered(f, "gone.com", eb);
    fakereg_reset();
    /* drift.com a year later there, gone.com not listed, other.com
     * unknown here */
    snprintf(fakereg.portfolio[0].domain, sizeof fakereg.portfolio[0].domain,
             "drift.com");
    fakereg.portfolio[0].expiry = ea + YEAR;
    snprintf(fakereg.portfolio[1].domain, sizeof fakereg.portfolio[1].domain,
             "other.com");
    fakereg.portfolio[1].expiry = eb;
    fakereg.n_portfolio = 2;
    /* a domain ordered while the registrar lists is judged by the next
     * sync: these were ordered a minute before */
    corefix_advance(f, 60);
    c.now = clock_now();
    memset(&s, 0, sizeof s);
    assert_int_equal(lifecycle_sync(&c, &s, &err), 0);
    assert_int_equal(s.errors, 0);
    assert_int_equal(s.listed, 2);
    assert_int_equal(s.drift, 1);
    assert_int_equal(s.missing, 1);
    assert_int_equal(s.unknown, 1);
    assert_int_equal(
        corefix_int(f, "SELECT expires_at FROM domains WHERE name = ?",
                    "drift.com", 0),
        (int64_t)ea + YEAR);
    assert_string_equal(corefix_domain_status(f, "gone.com"), "missing");
    assert_int_equal(fakereg_sends(), 0); /* sync only reads */
    int64_t bal = corefix_balance(f);

    /* listed again: restored; a registrar that does not answer changes
     * nothing */
    snprintf(fakereg.portfolio[2].domain, sizeof fakereg.portfolio[2].domain,
             "gone.com");
    fakereg.portfolio[2].expiry = eb;
    fakereg.n_portfolio = 3;
    memset(&s, 0, sizeof s);
    assert_int_equal(lifecycle_sync(&c, &s, &err), 0);
    assert_int_equal(s.restored, 1);
    assert_int_equal(s.drift, 0);
    assert_string_equal(corefix_domain_status(f, "gone.com"), "active");
    fakereg.queries_lost = true;
    memset(&s, 0, sizeof s);
    /* the step reports the connection's error, after counting it */
    assert_int_equal(lifecycle_sync(&c, &s, &err), RM_EIO);
    assert_int_equal(s.errors, 1);
    assert_int_equal(s.missing, 0);
    assert_string_equal(corefix_domain_status(f, "drift.com"), "active");
    assert_string_equal(corefix_domain_status(f, "gone.com"), "active");
    assert_int_equal(corefix_balance(f), bal);
    assert_true(corefix_audit_ok(f));
    corefix_close(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(an_automatic_renewal_is_attempted_once),
        cmocka_unit_test(no_funds_no_attempt),
        cmocka_unit_test(sync_follows_the_registrars_portfolio),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
