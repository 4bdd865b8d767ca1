/*
 * test_async_fake - the Async Manager's sweep (core/async.h) against the
 * fake registrar (fakereg.h): a due pending operation is polled with
 * read-only calls only, settled once with its refund at most once, and a
 * second sweep neither polls an ended operation nor moves money again;
 * recovery runs first; many operations are polled on worker threads.
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
#include "core/async.h"
#include "core/ops.h"
#include "corefix.h"
#include "fakereg.h"
#include "util/clock.h"

#define YEAR (365 * COREFIX_DAY)

struct world {
    bool lost;
    enum reg_order_state order;
    enum reg_transfer_state xfer;
    bool ours;
};

static int64_t stat_of(const struct async_sweep_stats *st, const char *which)
{
    if (strcmp(which, "succeeded") == 0)
        return st->succeeded;
    if (strcmp(which, "failed") == 0)
        return st->failed;
    if (strcmp(which, "timed_out") == 0)
        return st->timed_out;
    if (strcmp(which, "waiting") == 0)
        return st->waiting;
    if (strcmp(which, "no_answer") == 0)
        return st->no_answer;
    fail_msg("no stat %s", which);
    return -1;
}

/* sweep - one sweep, no mail configuration (no digest). */
static void sweep(struct corefix *f, struct async_sweep_stats *st)
{
    struct rm_err err = {0};

    memset(st, 0, sizeof *st);
    if (async_sweep(f->app, NULL, NULL, st, &err) != 0)
        fail_msg("async_sweep: %s", err.msg);
    assert_int_equal(st->errors, 0);
}

/* due - move the clock to the operation's next check (or its deadline). */
static void due(struct corefix *f, int64_t op, bool past_deadline)
{
    struct async_entry e;
    struct rm_err err = {0};

    assert_int_equal(async_get_id(f->app, op, &e, &err), 0);
    int64_t at = past_deadline ? e.deadline_at + 1 : e.next_check_at;
    if (at > clock_now())
        corefix_advance(f, at - clock_now());
}

struct sweep_row {
    const char *what;
    const char *kind;
    struct reg_op_result sent;
    struct world world;
    bool past_deadline;
    const char *want_stat; /* the sweep's count that is 1 */
    const char *want_state;
    bool refunded;
};

static void run_sweep_row(const struct sweep_row *r)
{
    struct corefix *f = corefix_open(false);
    struct ops_result res;
    struct async_sweep_stats st;

    print_message("row: %s %s\n", r->kind, r->what);
    int64_t before = corefix_balance(f);
    fakereg_script(&r->sent, 1);
    assert_int_equal(corefix_order(f, r->kind, "example.com", &res),
                     OPS_PENDING);
    int64_t op = res.op_id;

    /* not due yet: nothing is asked */
    sweep(f, &st);
    assert_int_equal(st.polled, 0);
    assert_int_equal(fakereg_sends(), 1);

    due(f, op, r->past_deadline);
    fakereg.queries_lost = r->world.lost;
    fakereg.order_state = r->world.order;
    fakereg.transfer_state = r->world.xfer;
    fakereg.ours = r->world.ours;
    fakereg.expiry = (time_t)(clock_now() + YEAR);
    fakereg.stop = fakereg_done(0, NULL);
    sweep(f, &st);
    assert_int_equal(st.polled, 1);
    assert_true(st.calls >= 1);
    assert_int_equal(stat_of(&st, r->want_stat), 1);
    assert_string_equal(corefix_state(f, op), r->want_state);
    assert_int_equal(fakereg_sends(), 1); /* a poll never sends the order */
    corefix_ledger_says(f, op, r->refunded, before, COREFIX_PRICE);

    /* the next sweep, at the same time: nothing due, nothing moves */
    int polled_calls = fakereg_calls(FR_BELONGS) +
                       fakereg_calls(FR_ORDER_INFO) +
                       fakereg_calls(FR_TRANSFER_STATUS);
    sweep(f, &st);
    assert_int_equal(st.polled, 0);
    assert_int_equal(fakereg_calls(FR_BELONGS) + fakereg_calls(FR_ORDER_INFO) +
                         fakereg_calls(FR_TRANSFER_STATUS),
                     polled_calls);
    assert_string_equal(corefix_state(f, op), r->want_state);
    corefix_ledger_says(f, op, r->refunded, before, COREFIX_PRICE);

    /* an ended operation is not polled however late it gets */
    if (strcmp(r->want_state, "pending") != 0) {
        corefix_advance(f, 30 * COREFIX_DAY);
        sweep(f, &st);
        assert_int_equal(st.polled, 0);
        corefix_ledger_says(f, op, r->refunded, before, COREFIX_PRICE);
    }
    assert_int_equal(fakereg_sends(), 1);
    corefix_close(f);
}

static void a_sweep_settles_each_due_operation_once(void **state)
{
    const struct reg_op_result async = fakereg_pending(REG_PENDING_ASYNC, "60",
                                                       NULL),
                               lost = fakereg_lost(),
                               xfer = fakereg_pending(REG_PENDING_TRANSFER,
                                                      "61", NULL);
    const struct world
        nothing = {false, REG_ORDER_UNKNOWN, REG_XFER_NONE, false},
        silent = {true, REG_ORDER_UNKNOWN, REG_XFER_NONE, false},
        waiting = {false, REG_ORDER_WAITING, REG_XFER_NONE, false},
        declined = {false, REG_ORDER_DECLINED, REG_XFER_NONE, false},
        ours = {false, REG_ORDER_COMPLETED, REG_XFER_NONE, true},
        xfer_done = {false, REG_ORDER_UNKNOWN, REG_XFER_COMPLETED, true},
        xfer_cancelled = {false, REG_ORDER_UNKNOWN, REG_XFER_CANCELLED, false};
    const struct sweep_row rows[] = {
        {"completed", "register", async, ours, false, "succeeded", "succeeded",
         false},
        {"declined", "register", async, declined, false, "failed", "failed",
         true},
        {"still waiting", "register", async, waiting, false, "waiting",
         "pending", false},
        {"no answer", "register", async, silent, false, "no_answer", "pending",
         false},
        {"lost answer, found ours", "register", lost, ours, false, "succeeded",
         "succeeded", false},
        {"past the deadline, not ours: timed out", "register", async, nothing,
         true, "timed_out", "timed_out", true},
        {"past the deadline, ours", "register", async, ours, true, "succeeded",
         "succeeded", false},
        {"transfer completed", "transfer", xfer, xfer_done, false, "succeeded",
         "succeeded", false},
        {"transfer cancelled", "transfer", xfer, xfer_cancelled, false,
         "failed", "failed", true},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
        run_sweep_row(&rows[i]);
}

static void many_operations_are_polled_on_workers_each_once(void **state)
{
    struct corefix *f = corefix_open(false);
    struct ops_result res;
    struct async_sweep_stats st;
    enum { N = 12 };
    int64_t ops[N];
    char name[32];
    struct reg_op_result async = fakereg_pending(REG_PENDING_ASYNC, "70", NULL);

    int64_t before = corefix_balance(f);
    for (int i = 0; i < N; i++) {
        fakereg_script(&async, 1);
        snprintf(name, sizeof name, "many%02d.com", i);
        assert_int_equal(corefix_order(f, "register", name, &res), OPS_PENDING);
        ops[i] = res.op_id;
    }
    assert_int_equal(fakereg_sends(), N);
    due(f, ops[N - 1], false);
    fakereg.order_state = REG_ORDER_COMPLETED;
    fakereg.ours = true;
    fakereg.expiry = (time_t)(clock_now() + YEAR);
    sweep(f, &st);
    assert_int_equal(st.polled, N);
    assert_int_equal(st.succeeded, N);
    /* one read-only question about each order, then the confirmation */
    assert_int_equal(fakereg_calls(FR_ORDER_INFO), N);
    assert_int_equal(fakereg_calls(FR_BELONGS), N);
    assert_int_equal(fakereg_sends(), N);
    for (int i = 0; i < N; i++) {
        assert_string_equal(corefix_state(f, ops[i]), "succeeded");
        assert_int_equal(corefix_postings(f, ops[i], "charge"), 1);
        assert_int_equal(corefix_postings(f, ops[i], "refund"), 0);
    }
    assert_int_equal(corefix_balance(f), before - N * COREFIX_PRICE);
    assert_true(corefix_audit_ok(f));
    sweep(f, &st);
    assert_int_equal(st.polled, 0);
    corefix_close(f);
}

/* A poll lease another node holds (another host: live until it expires)
 * keeps a due operation out of this sweep; once it lapses the sweep
 * claims and polls it, and the "still waiting" note ends the lease. */
static void a_sweep_skips_what_another_node_holds(void **state)
{
    const struct reg_op_result async =
        fakereg_pending(REG_PENDING_ASYNC, "60", NULL);
    struct corefix *f = corefix_open(false);
    struct ops_result res;
    struct async_sweep_stats st;

    (void)state;
    fakereg_script(&async, 1);
    assert_int_equal(corefix_order(f, "register", "example.com", &res),
                     OPS_PENDING);
    int64_t op = res.op_id;
    due(f, op, false);
    fakereg.order_state = REG_ORDER_WAITING;
    corefix_int(f,
                "UPDATE operations SET lease_owner = "
                "'elsewhere:42:0123456789abcdef0123456789abcdef:"
                "0123456789abcdef', lease_expires_at = next_check_at + 600 "
                "WHERE id = ? RETURNING id",
                NULL, op);
    sweep(f, &st);
    assert_int_equal(st.polled, 0);
    corefix_advance(f, 601);
    sweep(f, &st);
    assert_int_equal(st.polled, 1);
    assert_int_equal(st.waiting, 1);
    assert_string_equal(corefix_state(f, op), "pending");
    assert_int_equal(corefix_int(f,
                                 "SELECT COUNT(*) FROM operations WHERE id = ? "
                                 "AND lease_owner IS NULL AND "
                                 "lease_expires_at IS NULL",
                                 NULL, op),
                     1);
    assert_int_equal(fakereg_sends(), 1);
    corefix_close(f);
}

/* An admin's check of an operation another node's sweep holds answers,
 * notes "still waiting", and leaves that live claim alone: freeing it
 * would let a third node poll the operation within the lease. */
static void an_admin_check_keeps_another_nodes_claim(void **state)
{
    const struct reg_op_result async =
        fakereg_pending(REG_PENDING_ASYNC, "61", NULL);
    struct corefix *f = corefix_open(false);
    struct ops_result res;
    struct rm_err err;

    (void)state;
    fakereg_script(&async, 1);
    assert_int_equal(corefix_order(f, "register", "example.com", &res),
                     OPS_PENDING);
    int64_t op = res.op_id;
    fakereg.order_state = REG_ORDER_WAITING;
    corefix_int(f,
                "UPDATE operations SET lease_owner = "
                "'elsewhere:42:0123456789abcdef0123456789abcdef:"
                "0123456789abcdef', lease_expires_at = created_at + 100000 "
                "WHERE id = ? RETURNING id",
                NULL, op);
    assert_int_equal(ops_check(f->app, op, &res, &err), OPS_PENDING);
    assert_int_equal(corefix_int(f,
                                 "SELECT COUNT(*) FROM operations WHERE id = ? "
                                 "AND lease_owner LIKE 'elsewhere:%' AND "
                                 "lease_expires_at IS NOT NULL",
                                 NULL, op),
                     1);
    corefix_close(f);
}

static void a_sweep_recovers_interrupted_operations_first(void **state)
{
    static const struct {
        const char *stuck_in, *want;
        bool refunded;
    } rows[] = {
        {"new", "failed", true},
        {"sending", "pending", false},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        struct corefix *f = corefix_open(false);
        struct ops_result res;
        struct async_sweep_stats st;
        struct reg_op_result lost = fakereg_lost();

        print_message("row: stuck in %s\n", rows[i].stuck_in);
        int64_t before = corefix_balance(f);
        fakereg_script(&lost, 1);
        assert_int_equal(corefix_order(f, "register", "example.com", &res),
                         OPS_PENDING);
        int64_t op = res.op_id;
        corefix_int(f,
                    "UPDATE operations SET state = ?, lease_owner = "
                    "'nowhere:1', lease_expires_at = 1, next_check_at = NULL, "
                    "deadline_at = NULL WHERE id = ? RETURNING id",
                    rows[i].stuck_in, op);
        fakereg.queries_lost = true;
        sweep(f, &st);
        assert_int_equal(st.recovered, 1);
        assert_string_equal(corefix_state(f, op), rows[i].want);
        assert_int_equal(fakereg_sends(), 1);
        corefix_ledger_says(f, op, rows[i].refunded, before, COREFIX_PRICE);
        sweep(f, &st);
        assert_int_equal(st.recovered, 0);
        corefix_ledger_says(f, op, rows[i].refunded, before, COREFIX_PRICE);
        corefix_close(f);
    }
}

/* many_pending - n registrations left pending and due (the registrar still
 * waiting on each); their ids in ops. */
static void many_pending(struct corefix *f, int n, int64_t *ops)
{
    struct reg_op_result async = fakereg_pending(REG_PENDING_ASYNC, "70", NULL);
    struct ops_result res;
    char name[32];

    for (int i = 0; i < n; i++) {
        fakereg_script(&async, 1);
        snprintf(name, sizeof name, "node%02d.com", i);
        assert_int_equal(corefix_order(f, "register", name, &res), OPS_PENDING);
        ops[i] = res.op_id;
    }
    due(f, ops[n - 1], false);
    fakereg.order_state = REG_ORDER_WAITING;
}

/* [registrar] poll_workers bounds this node's threads for one connection
 * below the connection's concurrency (which bounds all nodes together). */
static void poll_workers_bounds_this_nodes_threads(void **state)
{
    struct corefix *f = corefix_open(false);
    struct async_sweep_stats st;
    enum { N = 12 };
    int64_t ops[N];

    (void)state;
    many_pending(f, N, ops);
    corefix_int(f,
                "UPDATE registrar_connections SET concurrency = 8, "
                "rate_per_min = 0 RETURNING id",
                NULL, 0);
    /* long enough for the threads to overlap under valgrind too */
    fakereg.query_delay_ms = 200;
    f->app->set.poll_workers = 3;
    sweep(f, &st);
    assert_int_equal(st.polled, N);
    assert_int_equal(st.waiting, N);
    assert_true(fakereg.max_in_flight >= 1 && fakereg.max_in_flight <= 3);

    /* unbounded, the same sweep runs more (up to the connection's 8) */
    f->app->set.poll_workers = 0;
    fakereg.max_in_flight = 0;
    /* every one due again (the notes fell in different seconds) */
    corefix_advance(f, corefix_int(f,
                                   "SELECT MAX(next_check_at) FROM "
                                   "operations WHERE state = 'pending'",
                                   NULL, 0) -
                           clock_now());
    sweep(f, &st);
    assert_int_equal(st.polled, N);
    assert_true(fakereg.max_in_flight > 3 && fakereg.max_in_flight <= 8);
    corefix_close(f);
}

/* When other nodes hold every slot of the connection, the sweep gives its
 * page back and ends (polling nothing) instead of claiming the same page
 * again and again until a slot frees; once the slots lapse it polls. */
static void a_sweep_without_a_slot_ends_instead_of_spinning(void **state)
{
    struct corefix *f = corefix_open(false);
    struct async_sweep_stats st;
    struct rm_err err = {0};
    struct async_sweep_opts o = {.page = 2};
    enum { N = 5 };
    int64_t ops[N];

    (void)state;
    many_pending(f, N, ops);
    corefix_int(f,
                "UPDATE registrar_connections SET concurrency = 4 "
                "RETURNING id",
                NULL, 0);
    corefix_int(f,
                "INSERT INTO conn_slots (connection_id, owner, n, "
                "lease_until) SELECT id, 'elsewhere:42:0123456789abcdef"
                "0123456789abcdef:0123456789abcdef', 4, ? FROM "
                "registrar_connections RETURNING n",
                NULL, clock_now() + 600);
    memset(&st, 0, sizeof st);
    assert_int_equal(async_sweep(f->app, NULL, &o, &st, &err), 0);
    assert_int_equal(st.polled, 0);
    assert_int_equal(fakereg_calls(FR_ORDER_INFO), 0);
    /* the page went back: no lease of ours is left on them */
    assert_int_equal(corefix_int(f,
                                 "SELECT COUNT(*) FROM operations WHERE "
                                 "state = 'pending' AND lease_owner IS NULL",
                                 NULL, 0),
                     N);
    corefix_advance(f, 601);
    due(f, ops[N - 1], false);
    sweep(f, &st);
    assert_int_equal(st.polled, N);
    corefix_close(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_sweep_settles_each_due_operation_once),
        cmocka_unit_test(many_operations_are_polled_on_workers_each_once),
        cmocka_unit_test(a_sweep_recovers_interrupted_operations_first),
        cmocka_unit_test(a_sweep_skips_what_another_node_holds),
        cmocka_unit_test(an_admin_check_keeps_another_nodes_claim),
        cmocka_unit_test(poll_workers_bounds_this_nodes_threads),
        cmocka_unit_test(a_sweep_without_a_slot_ends_instead_of_spinning),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
