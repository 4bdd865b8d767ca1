/*
 * test_events_fake - the event stream (core/events.h) with the fake
 * registrar: an event makes the operation it names due and the same sweep
 * settles it with its authoritative check, or (a registration or renewal
 * with the registrar's new expiry) settles it itself; acknowledgements go
 * out at once; duplicates change nothing; an
 * event nothing here matches is kept; a failed ACK delivers it again; a
 * healthy stream spaces the per-operation checks; one reader at a time.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "core/async.h"
#include "core/events.h"
#include "corefix.h"
#include "fakereg.h"
#include "util/clock.h"

#define YEAR (365 * COREFIX_DAY)

static void sweep(struct corefix *f, struct async_sweep_stats *st)
{
    struct rm_err err = {0};

    memset(st, 0, sizeof *st);
    if (async_sweep(f->app, NULL, NULL, st, &err) != 0)
        fail_msg("async_sweep: %s", err.msg);
}

/* pending_reg - a registration the registrar took asynchronously with
 * order id oid; its operation id. */
static int64_t pending_reg(struct corefix *f, const char *name, const char *oid)
{
    struct reg_op_result async = fakereg_pending(REG_PENDING_ASYNC, oid, NULL);
    struct ops_result res;

    fakereg_script(&async, 1);
    assert_int_equal(corefix_order(f, "register", name, &res), OPS_PENDING);
    return res.op_id;
}

static int64_t events_rows(struct corefix *f, const char *outcome)
{
    return corefix_int(f,
                       "SELECT CAST(COUNT(*) AS BIGINT) FROM registrar_events "
                       "WHERE outcome = ?",
                       outcome, 0);
}

/* The registrar says the order completed: the sweep that reads it polls
 * the operation at once (it was not due for an hour) and settles it. */
static void an_order_event_settles_its_operation_in_that_sweep(void **state)
{
    struct corefix *f = corefix_open(false);
    struct async_sweep_stats st;

    (void)state;
    int64_t op = pending_reg(f, "event.com", "501");
    fakereg.order_state = REG_ORDER_COMPLETED;
    fakereg.ours = true;
    fakereg.expiry = (time_t)(clock_now() + YEAR);
    fakereg_event(REG_EVENT_ORDER_STATUS, "501", "event.com", "completed");
    sweep(f, &st);
    assert_int_equal(st.events, 1);
    assert_int_equal(st.events_checked, 1);
    assert_int_equal(st.polled, 1);
    assert_string_equal(corefix_state(f, op), "succeeded");
    assert_int_equal(fakereg.n_events, 0); /* acknowledged */
    assert_int_equal(events_rows(f, "checked"), 1);
    assert_int_equal(corefix_int(f,
                                 "SELECT operation_id FROM registrar_events "
                                 "WHERE acked_at IS NOT NULL",
                                 NULL, 0),
                     op);
    assert_int_equal(fakereg_sends(), 1);
    assert_true(corefix_audit_ok(f));
    corefix_close(f);
}

/* One event of the registrar about a pending operation, and what follows:
 * settled by the event itself (no call), or made due and settled by the
 * sweep's own check, or made due and still waiting. */
struct settle_row {
    const char *what;
    const char *kind;          /* "register" or "renew" */
    enum reg_event_kind event; /* what the registrar says */
    int expiry_years;          /* the event's expiry: now + years (0: none) */
    int64_t dated;             /* the event's date from now (s) */
    const char *want_state;
    int want_polled;
};

static const struct settle_row settle_rows[] = {
    {"DOMAIN REGISTERED with the expiry: settled by the event, no call",
     "register", REG_EVENT_DOMAIN_REGISTERED, 1, 0, "succeeded", 0},
    {"DOMAIN REGISTERED without an expiry: checked", "register",
     REG_EVENT_DOMAIN_REGISTERED, 0, 0, "pending", 1},
    {"DOMAIN REGISTERED dated two days before the order: checked", "register",
     REG_EVENT_DOMAIN_REGISTERED, 1, -2 * COREFIX_DAY, "pending", 1},
    {"DOMAIN RENEWED, expiry a year on: settled by the event, no call", "renew",
     REG_EVENT_DOMAIN_RENEWED, 2, 0, "succeeded", 0},
    {"DOMAIN RENEWED, expiry in the year the renewal extends: checked", "renew",
     REG_EVENT_DOMAIN_RENEWED, 1, 0, "pending", 1},
};

static void one_settle_row(const struct settle_row *r)
{
    struct corefix *f = corefix_open(false);
    struct async_sweep_stats st;
    struct ops_result res;
    const char *name = "settle.com";
    time_t exp = (time_t)(clock_now() + YEAR);

    print_message("row: %s\n", r->what);
    if (strcmp(r->kind, "renew") == 0) {
        corefix_registered(f, name, exp);
        fakereg_reset();
    }
    struct reg_op_result async =
        fakereg_pending(REG_PENDING_ASYNC, "520", NULL);
    fakereg_script(&async, 1);
    assert_int_equal(corefix_order(f, r->kind, name, &res), OPS_PENDING);
    int64_t op = res.op_id, before = corefix_balance(f);
    /* what the check finds: the order still waits, the domain as it was */
    fakereg.order_state = REG_ORDER_WAITING;
    fakereg.expiry = exp;
    int i = fakereg_event(r->event, NULL, name, NULL);
    time_t stated = r->expiry_years ? exp + (r->expiry_years - 1) * YEAR : 0;
    fakereg.events[i].expiry = stated;
    fakereg.events[i].at = (time_t)(clock_now() + r->dated);
    sweep(f, &st);
    assert_int_equal(st.events_checked, 1);
    assert_int_equal(st.polled, r->want_polled);
    assert_string_equal(corefix_state(f, op), r->want_state);
    int calls = fakereg_calls(FR_ORDER_INFO) + fakereg_calls(FR_BELONGS) +
                fakereg_calls(FR_INFO);
    if (r->want_polled)
        assert_true(calls > 0);
    else
        assert_int_equal(calls, 0);
    assert_int_equal(events_rows(f, "checked"), 1);
    if (strcmp(r->want_state, "succeeded") == 0) {
        assert_int_equal(corefix_int(f,
                                     "SELECT expires_at FROM domains WHERE "
                                     "name = ?",
                                     name, 0),
                         (int64_t)stated);
        /* the charge stays, nothing refunded */
        assert_int_equal(corefix_balance(f), before);
    }
    assert_int_equal(fakereg.n_events, 0);
    assert_true(corefix_audit_ok(f));
    corefix_close(f);
}

static void what_an_event_settles_and_what_it_leaves_to_the_check(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof settle_rows / sizeof settle_rows[0]; i++)
        one_settle_row(&settle_rows[i]);
}

/* A page's acknowledgements go out at once, within the connection's
 * concurrency; every one of 150 events is acknowledged and noted. */
static void acknowledgements_go_out_at_once(void **state)
{
    struct corefix *f = corefix_open(false);
    struct async_sweep_stats st;
    char name[32];

    (void)state;
    corefix_int(f,
                "UPDATE registrar_connections SET concurrency = 4 RETURNING "
                "id",
                NULL, 0);
    for (int i = 0; i < 150; i++) {
        snprintf(name, sizeof name, "other%d.com", i);
        fakereg_event(REG_EVENT_DOMAIN_CHANGED, NULL, name, NULL);
    }
    fakereg.query_delay_ms = 20;
    sweep(f, &st);
    assert_int_equal(st.events, 150);
    assert_int_equal(fakereg.n_events, 0);
    assert_int_equal(fakereg_calls(FR_ACK_EVENT), 150);
    assert_int_equal(fakereg_calls(FR_POLL_EVENTS), 2);
    assert_in_range(fakereg.max_in_flight, 2, 4);
    assert_int_equal(corefix_int(f,
                                 "SELECT CAST(COUNT(*) AS BIGINT) FROM "
                                 "registrar_events WHERE acked_at IS NOT "
                                 "NULL",
                                 NULL, 0),
                     150);
    /* the share of the concurrency is given back */
    assert_int_equal(corefix_int(f,
                                 "SELECT CAST(COUNT(*) AS BIGINT) FROM "
                                 "conn_slots",
                                 NULL, 0),
                     0);
    corefix_close(f);
}

/* Without an event, nothing is polled before its time. */
static void without_an_event_nothing_is_polled_early(void **state)
{
    struct corefix *f = corefix_open(false);
    struct async_sweep_stats st;

    (void)state;
    int64_t op = pending_reg(f, "quiet.com", "502");
    fakereg.order_state = REG_ORDER_COMPLETED;
    sweep(f, &st);
    assert_int_equal(st.polled, 0);
    assert_string_equal(corefix_state(f, op), "pending");
    assert_int_equal(fakereg_calls(FR_POLL_EVENTS), 1);
    corefix_close(f);
}

/* An event delivered again (its ACK's answer was lost) is acknowledged
 * again and changes nothing: one row, one check. */
static void a_duplicate_event_changes_nothing(void **state)
{
    struct corefix *f = corefix_open(false);
    struct async_sweep_stats st;

    (void)state;
    int64_t op = pending_reg(f, "twice.com", "503");
    fakereg.order_state = REG_ORDER_WAITING;
    int i =
        fakereg_event(REG_EVENT_ORDER_STATUS, "503", "twice.com", "cancelled");
    struct reg_event copy = fakereg.events[i];
    fakereg.acks_lost = true;
    sweep(f, &st);
    assert_int_equal(st.events_checked, 1);
    assert_int_equal(fakereg_calls(FR_ORDER_INFO), 1);
    /* the registrar delivers it once more */
    fakereg.acks_lost = false;
    fakereg.events[fakereg.n_events++] = copy;
    sweep(f, &st);
    assert_int_equal(st.events, 1);
    assert_int_equal(st.events_checked, 0);
    assert_int_equal(st.polled, 0);
    assert_int_equal(fakereg_calls(FR_ORDER_INFO), 1);
    assert_int_equal(fakereg.n_events, 0);
    assert_int_equal(corefix_int(f,
                                 "SELECT CAST(COUNT(*) AS BIGINT) FROM "
                                 "registrar_events",
                                 NULL, 0),
                     1);
    assert_string_equal(corefix_state(f, op), "pending");
    corefix_close(f);
}

/* An ACK the registrar refuses leaves the event to come again; it is
 * applied once. */
static void a_refused_ack_delivers_again_applied_once(void **state)
{
    struct corefix *f = corefix_open(false);
    struct async_sweep_stats st;

    (void)state;
    pending_reg(f, "again.com", "504");
    fakereg.order_state = REG_ORDER_WAITING;
    fakereg_event(REG_EVENT_ORDER_STATUS, "504", "again.com", "declined");
    fakereg.acks_fail = true;
    sweep(f, &st);
    assert_int_equal(fakereg.n_events, 1);
    assert_int_equal(corefix_int(f,
                                 "SELECT CAST(COUNT(*) AS BIGINT) FROM "
                                 "registrar_events WHERE acked_at IS NULL",
                                 NULL, 0),
                     1);
    fakereg.acks_fail = false;
    sweep(f, &st);
    assert_int_equal(fakereg.n_events, 0);
    assert_int_equal(st.events_checked, 0);
    assert_int_equal(corefix_int(f,
                                 "SELECT CAST(COUNT(*) AS BIGINT) FROM "
                                 "registrar_events WHERE acked_at IS NOT "
                                 "NULL",
                                 NULL, 0),
                     1);
    corefix_close(f);
}

/* An event about an order and a domain regman does not know is kept (and
 * acknowledged); one about a known domain is "known". */
static void an_unknown_event_is_kept_for_the_admin(void **state)
{
    struct corefix *f = corefix_open(false);
    struct async_sweep_stats st;

    (void)state;
    corefix_registered(f, "mine.com", (time_t)(clock_now() + YEAR));
    fakereg_event(REG_EVENT_ORDER_STATUS, "999", "stranger.com", "completed");
    fakereg_event(REG_EVENT_DOMAIN_CHANGED, NULL, "mine.com", NULL);
    sweep(f, &st);
    assert_int_equal(st.events, 2);
    assert_int_equal(events_rows(f, "unknown"), 1);
    assert_int_equal(events_rows(f, "known"), 1);
    assert_int_equal(fakereg.n_events, 0);
    assert_int_equal(corefix_int(f,
                                 "SELECT CAST(COUNT(*) AS BIGINT) FROM "
                                 "registrar_events WHERE outcome = "
                                 "'unknown' AND domain = ? AND order_id = "
                                 "'999'",
                                 "stranger.com", 0),
                     1);
    corefix_close(f);
}

/* A healthy stream spaces the per-operation checks EVENTS_FALLBACK_FACTOR
 * poll intervals apart, never past the deadline; a failing one keeps the
 * poll interval. */
static void a_healthy_stream_makes_polls_the_fallback(void **state)
{
    struct corefix *f = corefix_open(false);
    struct async_sweep_stats st;
    struct events_health h;
    struct rm_err err = {0};

    (void)state;
    int64_t op = pending_reg(f, "slow.com", "505");
    int64_t poll_s = corefix_int(f,
                                 "SELECT poll_interval_s FROM "
                                 "registrar_connections",
                                 NULL, 0);
    int64_t deadline = corefix_int(f,
                                   "SELECT deadline_at FROM operations "
                                   "WHERE id = ?",
                                   NULL, op);
    fakereg.order_state = REG_ORDER_WAITING;
    corefix_advance(f, corefix_int(f,
                                   "SELECT next_check_at FROM operations "
                                   "WHERE id = ?",
                                   NULL, op) -
                           clock_now());
    sweep(f, &st);
    assert_int_equal(st.polled, 1);
    assert_int_equal(events_health(f->app->st, 1, clock_now(), &h, &err), 0);
    assert_true(h.healthy);
    int64_t next = corefix_int(f,
                               "SELECT next_check_at FROM operations WHERE "
                               "id = ?",
                               NULL, op);
    int64_t want = clock_now() + poll_s * EVENTS_FALLBACK_FACTOR;
    if (want > deadline)
        want = deadline;
    /* noted during the sweep: a second of the real clock may have passed */
    assert_in_range(next, want - 2, want);
    assert_true(next > clock_now() + poll_s);

    /* the longer it waits, the rarer its checks: twice its age apart
     * once that is longer (still never past the deadline) */
    int64_t sent =
        corefix_int(f, "SELECT sent_at FROM operations WHERE id = ?", NULL, op);
    corefix_advance(f, next - clock_now());
    sweep(f, &st);
    assert_int_equal(st.polled, 1);
    want = clock_now() + 2 * (clock_now() - sent);
    assert_true(want > clock_now() + poll_s * EVENTS_FALLBACK_FACTOR);
    if (want > deadline)
        want = deadline;
    assert_in_range(corefix_int(f,
                                "SELECT next_check_at FROM operations WHERE "
                                "id = ?",
                                NULL, op),
                    want - 4, want);

    /* the stream stops answering: the next sweep brings the operation
     * spaced out by the healthy stream back to the poll interval */
    fakereg.events_lost = true;
    corefix_advance(f, 60);
    sweep(f, &st);
    assert_int_equal(st.polled, 0);
    assert_in_range(corefix_int(f,
                                "SELECT next_check_at FROM operations WHERE "
                                "id = ?",
                                NULL, op),
                    clock_now() + poll_s - 2, clock_now() + poll_s);
    corefix_advance(f, poll_s);
    sweep(f, &st);
    assert_int_equal(st.polled, 1);
    assert_int_equal(events_health(f->app->st, 1, clock_now(), &h, &err), 0);
    assert_false(h.healthy);
    assert_true(strstr(h.why, "failed") != NULL);
    assert_in_range(corefix_int(f,
                                "SELECT next_check_at FROM operations WHERE "
                                "id = ?",
                                NULL, op),
                    clock_now() + poll_s - 2, clock_now() + poll_s);
    corefix_close(f);
}

/* Another process holds the stream's lease: this sweep does not read it. */
static void one_reader_per_connection(void **state)
{
    struct corefix *f = corefix_open(false);
    struct async_sweep_stats st;

    (void)state;
    corefix_int(f,
                "INSERT INTO conn_events (connection_id, owner, lease_until, "
                "started_at) VALUES (1, 'elsewhere:42:0123456789abcdef"
                "0123456789abcdef:0123456789abcdef', ?, 0) RETURNING "
                "connection_id",
                NULL, clock_now() + 100);
    fakereg_event(REG_EVENT_DOMAIN_CHANGED, NULL, "x.com", NULL);
    sweep(f, &st);
    assert_int_equal(fakereg_calls(FR_POLL_EVENTS), 0);
    assert_int_equal(fakereg.n_events, 1);
    corefix_advance(f, 101);
    sweep(f, &st);
    assert_int_equal(fakereg_calls(FR_POLL_EVENTS), 1);
    assert_int_equal(fakereg.n_events, 0);
    corefix_close(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(an_order_event_settles_its_operation_in_that_sweep),
        cmocka_unit_test(what_an_event_settles_and_what_it_leaves_to_the_check),
        cmocka_unit_test(acknowledgements_go_out_at_once),
        cmocka_unit_test(without_an_event_nothing_is_polled_early),
        cmocka_unit_test(a_duplicate_event_changes_nothing),
        cmocka_unit_test(a_refused_ack_delivers_again_applied_once),
        cmocka_unit_test(an_unknown_event_is_kept_for_the_admin),
        cmocka_unit_test(a_healthy_stream_makes_polls_the_fallback),
        cmocka_unit_test(one_reader_per_connection),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
