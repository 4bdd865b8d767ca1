/*
 * test_ops_fake - the operation state machine (core/ops.h) against the
 * fake registrar (fakereg.h): every outcome class a send can have, every
 * poll result, reset, cancel and recovery, asserting the operation's
 * state, the ledger (one charge; one refund exactly when the operation
 * ends without the domain) and what the registrar was asked (an order is
 * never sent twice; only a send proven never sent is tried again).
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

/* The moves of the diagram (ops.c) a row makes; the last test checks
 * that the rows together make every legal move. */
enum move {
    M_NEW_SENDING = 1 << 0,
    M_NEW_FAILED = 1 << 1,
    M_SENDING_SUCCEEDED = 1 << 2,
    M_SENDING_FAILED = 1 << 3,
    M_SENDING_PENDING = 1 << 4,
    M_PENDING_SUCCEEDED = 1 << 5,
    M_PENDING_FAILED = 1 << 6,
    M_PENDING_TIMED_OUT = 1 << 7,
    M_PENDING_CANCELLED = 1 << 8,
};
static unsigned moves_made;

static const struct {
    enum move m;
    const char *from, *to;
} move_names[] = {
    {M_NEW_SENDING, "new", "sending"},
    {M_NEW_FAILED, "new", "failed"},
    {M_SENDING_SUCCEEDED, "sending", "succeeded"},
    {M_SENDING_FAILED, "sending", "failed"},
    {M_SENDING_PENDING, "sending", "pending"},
    {M_PENDING_SUCCEEDED, "pending", "succeeded"},
    {M_PENDING_FAILED, "pending", "failed"},
    {M_PENDING_TIMED_OUT, "pending", "timed_out"},
    {M_PENDING_CANCELLED, "pending", "cancelled"},
};

static const char *const states[] = {"new",       "sending", "pending",
                                     "succeeded", "failed",  "timed_out",
                                     "cancelled"};

static int64_t in_a_year(void)
{
    return clock_now() + YEAR;
}

/* --- sends ----------------------------------------------------------- */

struct send_row {
    const char *what;
    const char *kind;
    struct reg_op_result script[4];
    int n;
    int want_rc;
    const char *want_state;
    bool refunded;
    int want_sends;
    int want_stops; /* cancel_order: a refused order saved as pending */
    unsigned moves;
};

static void run_send_row(const struct send_row *r)
{
    struct corefix *f = corefix_open(false);
    struct ops_result res;
    const char *name =
        strcmp(r->kind, "renew") == 0 ? "renewme.com" : "example.com";

    print_message("row: %s %s\n", r->kind, r->what);
    if (strcmp(r->kind, "renew") == 0) {
        corefix_registered(f, name, (time_t)in_a_year());
        fakereg_reset();
        fakereg.expiry = (time_t)in_a_year();
    }
    int64_t before = corefix_balance(f);
    fakereg_script(r->script, r->n);
    fakereg.stop = fakereg_done(0, NULL);
    assert_int_equal(corefix_order(f, r->kind, name, &res), r->want_rc);
    assert_string_equal(res.state, r->want_state);
    assert_string_equal(corefix_state(f, res.op_id), r->want_state);
    assert_int_equal(res.attempts, r->want_sends);
    assert_int_equal(fakereg_sends(), r->want_sends);
    assert_int_equal(fakereg_calls(FR_CANCEL_ORDER) +
                         fakereg_calls(FR_PROCESS_PENDING),
                     r->want_stops);
    corefix_ledger_says(f, res.op_id, r->refunded, before, COREFIX_PRICE);
    moves_made |= r->moves;
    corefix_close(f);
}

#define SCRIPT(...)                                                            \
    .script = {__VA_ARGS__},                                                   \
    .n = sizeof((struct reg_op_result[]){__VA_ARGS__}) /                       \
         sizeof(struct reg_op_result)

static void every_send_outcome_moves_once_and_charges_once(void **state)
{
    time_t exp = (time_t)(clock_now() + YEAR);
    const struct send_row rows[] = {
        {"answered: done", "register", SCRIPT(fakereg_done(exp, "10")),
         OPS_SUCCEEDED, "succeeded", false, 1, 0,
         M_NEW_SENDING | M_SENDING_SUCCEEDED},
        {"answered: refused", "register", SCRIPT(fakereg_failed(485, NULL)),
         OPS_FAILED, "failed", true, 1, 0, M_SENDING_FAILED},
        {"answered: refused, order saved as pending (rule 9: stopped)",
         "register", SCRIPT(fakereg_failed(487, "11")), OPS_FAILED, "failed",
         true, 1, 1, M_SENDING_FAILED},
        {"pending: asynchronous registry", "register",
         SCRIPT(fakereg_pending(REG_PENDING_ASYNC, "12", NULL)), OPS_PENDING,
         "pending", false, 1, 0, M_SENDING_PENDING},
        {"pending: queued request", "register",
         SCRIPT(fakereg_pending(REG_PENDING_QUEUED, "13", "q13")), OPS_PENDING,
         "pending", false, 1, 0, M_SENDING_PENDING},
        {"pending: forced pending", "register",
         SCRIPT(fakereg_pending(REG_PENDING_FORCED, "14", NULL)), OPS_PENDING,
         "pending", false, 1, 0, M_SENDING_PENDING},
        {"unknown: the answer was lost", "register", SCRIPT(fakereg_lost()),
         OPS_PENDING, "pending", false, 1, 0, M_SENDING_PENDING},
        {"not sent, every attempt", "register",
         SCRIPT(fakereg_not_sent(), fakereg_not_sent(), fakereg_not_sent()),
         OPS_FAILED, "failed", true, 3, 0, M_SENDING_FAILED},
        {"not sent, then done", "register",
         SCRIPT(fakereg_not_sent(), fakereg_done(exp, "15")), OPS_SUCCEEDED,
         "succeeded", false, 2, 0, M_SENDING_SUCCEEDED},
        {"not sent, then refused", "register",
         SCRIPT(fakereg_not_sent(), fakereg_failed(485, NULL)), OPS_FAILED,
         "failed", true, 2, 0, M_SENDING_FAILED},
        {"not sent, then lost: never a third send", "register",
         SCRIPT(fakereg_not_sent(), fakereg_lost(), fakereg_done(exp, "16")),
         OPS_PENDING, "pending", false, 2, 0, M_SENDING_PENDING},
        {"answered: done (O6: a transfer still goes pending)", "transfer",
         SCRIPT(fakereg_done(exp, "20")), OPS_PENDING, "pending", false, 1, 0,
         M_SENDING_PENDING},
        {"pending: transfer requested", "transfer",
         SCRIPT(fakereg_pending(REG_PENDING_TRANSFER, "21", NULL)), OPS_PENDING,
         "pending", false, 1, 0, M_SENDING_PENDING},
        {"answered: refused", "transfer", SCRIPT(fakereg_failed(480, NULL)),
         OPS_FAILED, "failed", true, 1, 0, M_SENDING_FAILED},
        {"unknown: the answer was lost", "transfer", SCRIPT(fakereg_lost()),
         OPS_PENDING, "pending", false, 1, 0, M_SENDING_PENDING},
        {"not sent, every attempt", "transfer",
         SCRIPT(fakereg_not_sent(), fakereg_not_sent(), fakereg_not_sent()),
         OPS_FAILED, "failed", true, 3, 0, M_SENDING_FAILED},
        {"answered: done", "renew", SCRIPT(fakereg_done(exp + YEAR, "30")),
         OPS_SUCCEEDED, "succeeded", false, 1, 0, M_SENDING_SUCCEEDED},
        {"answered: refused, expiry year differs (O5: never re-sent)", "renew",
         SCRIPT(fakereg_failed(541, NULL)), OPS_FAILED, "failed", true, 1, 0,
         M_SENDING_FAILED},
        {"pending: queued request", "renew",
         SCRIPT(fakereg_pending(REG_PENDING_QUEUED, "31", "q31")), OPS_PENDING,
         "pending", false, 1, 0, M_SENDING_PENDING},
        {"unknown: the answer was lost", "renew", SCRIPT(fakereg_lost()),
         OPS_PENDING, "pending", false, 1, 0, M_SENDING_PENDING},
        {"not sent, every attempt", "renew",
         SCRIPT(fakereg_not_sent(), fakereg_not_sent(), fakereg_not_sent()),
         OPS_FAILED, "failed", true, 3, 0, M_SENDING_FAILED},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
        run_send_row(&rows[i]);
}

/* --- checks of a pending operation ------------------------------------ */

enum world {
    W_NOTHING,        /* every query: nothing known yet */
    W_LOST,           /* every query: no answer */
    W_ORDER_WAITING,  /* GET_ORDER_INFO waiting */
    W_ORDER_DECLINED, /* GET_ORDER_INFO declined */
    W_ORDER_DONE,     /* GET_ORDER_INFO completed, BELONGS_TO_RSP ours */
    W_QUEUE_WAITING,
    W_QUEUE_FAILED,
    W_QUEUE_DONE, /* completed, ours */
    W_OURS,       /* BELONGS_TO_RSP ours (and GET DOMAIN's expiry) */
    W_XFER_OWNER, /* CHECK_TRANSFER pending_owner */
    W_XFER_DONE,  /* completed, ours */
    W_XFER_CANCELLED,
    W_RENEWED, /* GET DOMAIN: the expiry moved a year */
};

static void set_world(enum world w, time_t expiry)
{
    fakereg.queries_lost = w == W_LOST;
    fakereg.order_state = w == W_ORDER_WAITING    ? REG_ORDER_WAITING
                          : w == W_ORDER_DECLINED ? REG_ORDER_DECLINED
                          : w == W_ORDER_DONE     ? REG_ORDER_COMPLETED
                                                  : REG_ORDER_UNKNOWN;
    fakereg.queue_state = w == W_QUEUE_WAITING  ? REG_QUEUE_WAITING
                          : w == W_QUEUE_FAILED ? REG_QUEUE_FAILED
                          : w == W_QUEUE_DONE   ? REG_QUEUE_COMPLETED
                                                : REG_QUEUE_UNKNOWN;
    fakereg.transfer_state = w == W_XFER_OWNER       ? REG_XFER_PENDING_OWNER
                             : w == W_XFER_DONE      ? REG_XFER_COMPLETED
                             : w == W_XFER_CANCELLED ? REG_XFER_CANCELLED
                                                     : REG_XFER_NONE;
    fakereg.ours = w == W_ORDER_DONE || w == W_QUEUE_DONE || w == W_OURS ||
                   w == W_XFER_DONE || w == W_RENEWED;
    fakereg.expiry = expiry;
}

struct check_row {
    const char *what;
    const char *kind;
    struct reg_op_result sent; /* the answer that left it pending */
    enum world world;
    bool past_deadline;
    struct reg_op_result stop; /* the answer to a stop (rule 9) */
    int want_rc;
    const char *want_state;
    bool refunded;
    int want_stops;
    unsigned moves;
};

static void run_check_row(const struct check_row *r)
{
    struct corefix *f = corefix_open(false);
    struct ops_result res;
    struct rm_err err = {0};
    const char *name =
        strcmp(r->kind, "renew") == 0 ? "renewme.com" : "example.com";
    time_t expiry = (time_t)in_a_year();

    print_message("row: %s %s\n", r->kind, r->what);
    if (strcmp(r->kind, "renew") == 0) {
        corefix_registered(f, name, (time_t)in_a_year());
        fakereg_reset();
        fakereg.expiry = expiry;
    }
    int64_t before = corefix_balance(f);
    fakereg_script(&r->sent, 1);
    assert_int_equal(corefix_order(f, r->kind, name, &res), OPS_PENDING);
    int64_t op = res.op_id;
    int sends = fakereg_sends();
    assert_int_equal(sends, 1);

    if (r->past_deadline) {
        struct async_entry e;
        assert_int_equal(async_get_id(f->app, op, &e, &err), 0);
        corefix_advance(f, e.deadline_at - clock_now() + 1);
    }
    set_world(r->world,
              r->world == W_RENEWED ? expiry + YEAR : (time_t)in_a_year());
    fakereg.stop = r->stop;
    assert_int_equal(ops_check(f->app, op, &res, &err), r->want_rc);
    assert_string_equal(res.state, r->want_state);
    assert_string_equal(corefix_state(f, op), r->want_state);
    assert_int_equal(fakereg_sends(), sends); /* never sent again */
    assert_int_equal(fakereg_calls(FR_CANCEL_ORDER) +
                         fakereg_calls(FR_CANCEL_TRANSFER) +
                         fakereg_calls(FR_PROCESS_PENDING),
                     r->want_stops);
    corefix_ledger_says(f, op, r->refunded, before, COREFIX_PRICE);
    if (strcmp(r->want_state, "succeeded") == 0)
        assert_string_equal(corefix_domain_status(f, name), "active");

    /* checking again changes nothing and asks nothing more of an ended
     * operation */
    if (strcmp(r->want_state, "pending") != 0) {
        int calls = 0;
        for (int c = 0; c < FR_NCALLS; c++)
            calls += fakereg_calls((enum fakereg_call)c);
        assert_int_equal(ops_check(f->app, op, &res, &err), r->want_rc);
        assert_string_equal(corefix_state(f, op), r->want_state);
        int after = 0;
        for (int c = 0; c < FR_NCALLS; c++)
            after += fakereg_calls((enum fakereg_call)c);
        assert_int_equal(after, calls);
        corefix_ledger_says(f, op, r->refunded, before, COREFIX_PRICE);
    }
    moves_made |= r->moves;
    corefix_close(f);
}

static void every_poll_result_settles_once(void **state)
{
    const struct reg_op_result
        async = fakereg_pending(REG_PENDING_ASYNC, "40", NULL),
        queued = fakereg_pending(REG_PENDING_QUEUED, "41", "q41"),
        lost = fakereg_lost(),
        xfer = fakereg_pending(REG_PENDING_TRANSFER, "42", NULL),
        renew = fakereg_pending(REG_PENDING_QUEUED, "43", NULL),
        stopped = fakereg_done(0, NULL), refused = fakereg_failed(465, NULL);
    const struct check_row rows[] = {
        {"order waiting", "register", async, W_ORDER_WAITING, false, lost,
         OPS_PENDING, "pending", false, 0, 0},
        {"order declined", "register", async, W_ORDER_DECLINED, false, lost,
         OPS_FAILED, "failed", true, 0, M_PENDING_FAILED},
        {"order completed", "register", async, W_ORDER_DONE, false, lost,
         OPS_SUCCEEDED, "succeeded", false, 0, M_PENDING_SUCCEEDED},
        {"queued request waiting", "register", queued, W_QUEUE_WAITING, false,
         lost, OPS_PENDING, "pending", false, 0, 0},
        {"queued request failed (its saved order is stopped)", "register",
         queued, W_QUEUE_FAILED, false, stopped, OPS_FAILED, "failed", true, 1,
         M_PENDING_FAILED},
        {"queued request completed", "register", queued, W_QUEUE_DONE, false,
         lost, OPS_SUCCEEDED, "succeeded", false, 0, M_PENDING_SUCCEEDED},
        {"lost answer, the domain is ours", "register", lost, W_OURS, false,
         lost, OPS_SUCCEEDED, "succeeded", false, 0, M_PENDING_SUCCEEDED},
        {"lost answer, not ours yet", "register", lost, W_NOTHING, false, lost,
         OPS_PENDING, "pending", false, 0, 0},
        {"no answer to the check", "register", async, W_LOST, false, lost,
         OPS_PENDING, "pending", false, 0, 0},
        {"past the deadline, ours after all", "register", async, W_OURS, true,
         lost, OPS_SUCCEEDED, "succeeded", false, 0, M_PENDING_SUCCEEDED},
        {"past the deadline, not ours, order stopped", "register", async,
         W_NOTHING, true, stopped, OPS_TIMED_OUT, "timed_out", true, 1,
         M_PENDING_TIMED_OUT},
        {"past the deadline, not ours, stop refused", "register", async,
         W_NOTHING, true, refused, OPS_TIMED_OUT, "timed_out", true, 1,
         M_PENDING_TIMED_OUT},
        {"past the deadline, lost answer: nothing to stop", "register", lost,
         W_NOTHING, true, lost, OPS_TIMED_OUT, "timed_out", true, 0,
         M_PENDING_TIMED_OUT},
        {"past the deadline, no answer to the check", "register", async, W_LOST,
         true, lost, OPS_PENDING, "pending", false, 0, 0},
        {"transfer waiting for the owner", "transfer", xfer, W_XFER_OWNER,
         false, lost, OPS_PENDING, "pending", false, 0, 0},
        {"transfer completed", "transfer", xfer, W_XFER_DONE, false, lost,
         OPS_SUCCEEDED, "succeeded", false, 0, M_PENDING_SUCCEEDED},
        {"transfer cancelled", "transfer", xfer, W_XFER_CANCELLED, false, lost,
         OPS_FAILED, "failed", true, 0, M_PENDING_FAILED},
        {"transfer: no answer", "transfer", xfer, W_LOST, false, lost,
         OPS_PENDING, "pending", false, 0, 0},
        {"renewal applied (expiry year moved)", "renew", renew, W_RENEWED,
         false, lost, OPS_SUCCEEDED, "succeeded", false, 0,
         M_PENDING_SUCCEEDED},
        {"renewal order declined", "renew", renew, W_ORDER_DECLINED, false,
         lost, OPS_FAILED, "failed", true, 0, M_PENDING_FAILED},
        {"renewal: no answer", "renew", renew, W_LOST, false, lost, OPS_PENDING,
         "pending", false, 0, 0},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
        run_check_row(&rows[i]);
}

/* --- the admin's reset and cancel ------------------------------------- */

static void reset_moves_the_deadline_of_a_pending_operation_only(void **state)
{
    struct corefix *f = corefix_open(false);
    struct ops_result res;
    struct async_entry e;
    struct rm_err err = {0};
    struct reg_op_result lost = fakereg_lost();

    fakereg_script(&lost, 1);
    assert_int_equal(corefix_order(f, "register", "example.com", &res),
                     OPS_PENDING);
    int64_t op = res.op_id;
    assert_int_equal(async_get_id(f->app, op, &e, &err), 0);
    int64_t deadline = e.deadline_at;
    corefix_advance(f, 3600);
    assert_int_equal(ops_reset(f->app, op, &res, &err), OPS_PENDING);
    assert_int_equal(async_get_id(f->app, op, &e, &err), 0);
    assert_true(e.deadline_at >= deadline + 3600);
    assert_true(e.next_check_at <= clock_now());
    assert_string_equal(corefix_state(f, op), "pending");
    assert_int_equal(fakereg_sends(), 1);

    int64_t done = corefix_registered(f, "done.com", (time_t)in_a_year());
    assert_int_equal(ops_reset(f->app, done, &res, &err), RM_EREFUSED);
    assert_string_equal(corefix_state(f, done), "succeeded");
    corefix_close(f);
}

struct cancel_row {
    const char *what;
    const char *kind;
    struct reg_op_result sent;
    struct reg_op_result stop;
    enum world world; /* what a read-back finds */
    int want_rc;
    const char *want_state;
    bool refunded;
    bool watched; /* the registrar did not confirm the stop */
    unsigned moves;
};

static void run_cancel_row(const struct cancel_row *r)
{
    struct corefix *f = corefix_open(false);
    struct ops_result res;
    struct async_entry e;
    struct rm_err err = {0};
    char said[512];

    print_message("row: %s %s\n", r->kind, r->what);
    int64_t before = corefix_balance(f);
    fakereg_script(&r->sent, 1);
    assert_int_equal(corefix_order(f, r->kind, "example.com", &res),
                     OPS_PENDING);
    int64_t op = res.op_id;
    set_world(r->world, (time_t)in_a_year());
    fakereg.stop = r->stop;
    assert_int_equal(
        ops_cancel(f->app, op, "test", &res, said, sizeof said, &err),
        r->want_rc);
    assert_string_equal(corefix_state(f, op), r->want_state);
    assert_int_equal(fakereg_sends(), 1);
    corefix_ledger_says(f, op, r->refunded, before, COREFIX_PRICE);
    assert_int_equal(async_get_id(f->app, op, &e, &err), 0);
    if (r->watched)
        assert_string_equal(e.watch, "watching");
    else
        assert_true(strcmp(e.watch, "watching") != 0);
    /* a second cancel is refused: the operation is no longer pending */
    assert_int_equal(
        ops_cancel(f->app, op, "again", &res, said, sizeof said, &err),
        RM_EREFUSED);
    corefix_ledger_says(f, op, r->refunded, before, COREFIX_PRICE);
    moves_made |= r->moves;
    corefix_close(f);
}

static void cancel_stops_the_order_first_and_refunds_once(void **state)
{
    const struct reg_op_result async = fakereg_pending(REG_PENDING_ASYNC, "50",
                                                       NULL),
                               xfer = fakereg_pending(REG_PENDING_TRANSFER,
                                                      "51", NULL),
                               lost = fakereg_lost(),
                               stopped = fakereg_done(0, NULL),
                               refused = fakereg_failed(465, NULL);
    const struct cancel_row rows[] = {
        {"order stopped", "register", async, stopped, W_NOTHING, OPS_CANCELLED,
         "cancelled", true, false, M_PENDING_CANCELLED},
        {"stop unanswered: cancelled and watched", "register", async, lost,
         W_NOTHING, OPS_CANCELLED, "cancelled", true, true,
         M_PENDING_CANCELLED},
        {"stop refused, the order completed: succeeds instead", "register",
         async, refused, W_ORDER_DONE, OPS_SUCCEEDED, "succeeded", false, false,
         M_PENDING_SUCCEEDED},
        {"no order to stop (lost answer): cancelled and watched", "register",
         lost, lost, W_NOTHING, OPS_CANCELLED, "cancelled", true, true,
         M_PENDING_CANCELLED},
        {"transfer stopped", "transfer", xfer, stopped, W_NOTHING,
         OPS_CANCELLED, "cancelled", true, false, M_PENDING_CANCELLED},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
        run_cancel_row(&rows[i]);
}

/* --- recovery (rule 2) ------------------------------------------------- */

static void recovery_never_resends(void **state)
{
    static const struct {
        const char *stuck_in; /* where a crash left it */
        const char *want;     /* after recovery */
        bool refunded;
        unsigned moves;
    } rows[] = {
        {"new", "failed", true, M_NEW_FAILED},
        {"sending", "pending", false, M_SENDING_PENDING},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        struct corefix *f = corefix_open(false);
        struct ops_result res;
        struct rm_err err = {0};
        struct reg_op_result lost = fakereg_lost();
        int n = 0;

        print_message("row: stuck in %s\n", rows[i].stuck_in);
        int64_t before = corefix_balance(f);
        fakereg_script(&lost, 1);
        assert_int_equal(corefix_order(f, "register", "example.com", &res),
                         OPS_PENDING);
        int64_t op = res.op_id;
        /* what a crash leaves: the state, a lease whose owner is gone */
        corefix_int(f,
                    "UPDATE operations SET state = ?, lease_owner = "
                    "'nowhere:1', lease_expires_at = 1, next_check_at = NULL, "
                    "deadline_at = NULL WHERE id = ? RETURNING id",
                    rows[i].stuck_in, op);
        assert_string_equal(corefix_state(f, op), rows[i].stuck_in);
        fakereg.queries_lost = true; /* its check learns nothing */
        assert_int_equal(ops_recover(f->app, &n, &err), 0);
        assert_int_equal(n, 1);
        assert_string_equal(corefix_state(f, op), rows[i].want);
        assert_int_equal(fakereg_sends(), 1);
        corefix_ledger_says(f, op, rows[i].refunded, before, COREFIX_PRICE);
        /* recovering again finds nothing */
        assert_int_equal(ops_recover(f->app, &n, &err), 0);
        assert_int_equal(n, 0);
        assert_int_equal(fakereg_sends(), 1);
        moves_made |= rows[i].moves;
        corefix_close(f);
    }
}

/* --- every move ------------------------------------------------------- */

static void the_rows_make_every_legal_move(void **state)
{
    for (size_t f = 0; f < 7; f++)
        for (size_t t = 0; t < 7; t++) {
            if (!ops_move_allowed(states[f], states[t]))
                continue;
            bool named = false;
            for (size_t i = 0; i < sizeof move_names / sizeof move_names[0];
                 i++)
                if (strcmp(move_names[i].from, states[f]) == 0 &&
                    strcmp(move_names[i].to, states[t]) == 0) {
                    named = true;
                    if (!(moves_made & move_names[i].m))
                        fail_msg("no row moves %s -> %s", states[f], states[t]);
                }
            if (!named)
                fail_msg("a legal move %s -> %s no row names", states[f],
                         states[t]);
        }
}

/* A refusal whose text is not UTF-8 (Latin-1 here) is stored, each bad
 * byte as U+FFFD: PostgreSQL would refuse the text as it came. */
static void a_refusal_that_is_not_utf8_is_stored_cleaned(void **state)
{
    (void)state;
    struct corefix *f = corefix_open(false);
    struct reg_op_result r = fakereg_failed(485, NULL);
    struct ops_result res;

    snprintf(r.reason, sizeof r.reason,
             "M\xFC"
             "ller is taken");
    snprintf(r.reply.text, sizeof r.reply.text,
             "M\xFC"
             "ller is taken");
    fakereg_script(&r, 1);
    assert_int_equal(corefix_order(f, "register", "latin1.com", &res),
                     OPS_FAILED);
    assert_string_equal(corefix_state(f, res.op_id), "failed");
    assert_int_equal(corefix_int(f,
                                 "SELECT COUNT(*) FROM operations WHERE "
                                 "pending_reason LIKE ? AND id = ?",
                                 "%M\xEF\xBF\xBD"
                                 "ller is taken%",
                                 res.op_id),
                     1);
    corefix_close(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_send_outcome_moves_once_and_charges_once),
        cmocka_unit_test(every_poll_result_settles_once),
        cmocka_unit_test(reset_moves_the_deadline_of_a_pending_operation_only),
        cmocka_unit_test(cancel_stops_the_order_first_and_refunds_once),
        cmocka_unit_test(recovery_never_resends),
        cmocka_unit_test(a_refusal_that_is_not_utf8_is_stored_cleaned),
        /* last: it reads what the tests above did */
        cmocka_unit_test(the_rows_make_every_legal_move),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
