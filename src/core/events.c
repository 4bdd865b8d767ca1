/*
 * events - the registrar's event stream (contract in events.h).
 *
 * Invariants:
 * E1 An event is applied at most once: its registrar_events row and its
 *    effect commit in one transaction, and the row's UNIQUE (connection,
 *    event id) turns a second delivery into nothing.
 * E2 An event is acknowledged only after that transaction committed, so a
 *    crash between the two delivers it again (E1 makes that harmless).
 * E3 An event never charges or refunds. It settles an operation only as
 *    succeeded, and only when it states what the authoritative check
 *    would have read back: the registrar registered or renewed the
 *    operation's domain, with the new expiry (a renewal's past the year it
 *    extends), at or after the order was sent. Anything else it says ended
 *    makes the operation due, and the sweep's check settles it.
 * E4 One reader per connection at a time: conn_events' lease, taken by one
 *    conditional UPDATE.
 */
#include "core/events.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/conn.h"
#include "core/ops.h"
#include "core/pace.h"
#include "registrar/registrar.h"
#include "util/clock.h"
#include "util/xalloc.h"
#include "util/log.h"

/* --- the lease and the health row ------------------------------------- */

struct lease_tx {
    int64_t conn_id, now;
    const char *owner;
    int got;
};

static int lease_fn(struct store *st, void *arg, struct rm_err *err)
{
    static const char sql_row[] =
        "INSERT INTO conn_events (connection_id, started_at) VALUES (?, ?) "
        "ON CONFLICT (connection_id) DO NOTHING";
    static const char sql_take[] =
        "UPDATE conn_events SET owner = ?, lease_until = ? WHERE "
        "connection_id = ? AND (owner IS NULL OR owner = ? OR lease_until "
        "IS NULL OR lease_until <= ?) RETURNING connection_id";
    struct lease_tx *x = arg;
    struct store_stmt *s;
    int rc;

    x->got = 0;
    if ((rc = store_prepare(st, sql_row, &s, err)) < 0)
        return rc;
    store_bind_int64(s, 1, x->conn_id);
    store_bind_int64(s, 2, x->now);
    rc = store_step(s, err);
    store_stmt_release(s);
    if (rc < 0)
        return rc;
    if ((rc = store_prepare(st, sql_take, &s, err)) < 0)
        return rc;
    store_bind_text(s, 1, x->owner);
    store_bind_int64(s, 2, x->now + EVENTS_LEASE_S);
    store_bind_int64(s, 3, x->conn_id);
    store_bind_text(s, 4, x->owner);
    store_bind_int64(s, 5, x->now);
    rc = store_step(s, err);
    x->got = rc == STORE_ROW;
    store_stmt_release(s);
    return rc < 0 ? rc : 0;
}

/* health_fn - the outcome of one poll (ok, or the error text) and the
 * end of the lease when done. */
struct health_tx {
    int64_t conn_id, now;
    const char *owner;
    bool polled, ok, done;
    const char *error;
    int64_t received;
};

static int health_fn(struct store *st, void *arg, struct rm_err *err)
{
    static const char sql_ok[] =
        "UPDATE conn_events SET last_poll_at = ?, last_ok_at = ?, failures = "
        "0, last_error = NULL, received = received + ?, last_event_at = CASE "
        "WHEN ? > 0 THEN ? ELSE last_event_at END WHERE connection_id = ?";
    static const char sql_fail[] =
        "UPDATE conn_events SET last_poll_at = ?, failures = failures + 1, "
        "last_error = ? WHERE connection_id = ?";
    static const char sql_end[] =
        "UPDATE conn_events SET owner = NULL, lease_until = NULL WHERE "
        "connection_id = ? AND owner = ?";
    struct health_tx *x = arg;
    struct store_stmt *s;
    int rc = 0;

    if (x->polled && x->ok) {
        if ((rc = store_prepare(st, sql_ok, &s, err)) < 0)
            return rc;
        store_bind_int64(s, 1, x->now);
        store_bind_int64(s, 2, x->now);
        store_bind_int64(s, 3, x->received);
        store_bind_int64(s, 4, x->received);
        store_bind_int64(s, 5, x->now);
        store_bind_int64(s, 6, x->conn_id);
        rc = store_step(s, err);
        store_stmt_release(s);
    } else if (x->polled) {
        if ((rc = store_prepare(st, sql_fail, &s, err)) < 0)
            return rc;
        store_bind_int64(s, 1, x->now);
        store_bind_text(s, 2, x->error ? x->error : "no answer");
        store_bind_int64(s, 3, x->conn_id);
        rc = store_step(s, err);
        store_stmt_release(s);
    }
    if (rc < 0 || !x->done)
        return rc < 0 ? rc : 0;
    if ((rc = store_prepare(st, sql_end, &s, err)) < 0)
        return rc;
    store_bind_int64(s, 1, x->conn_id);
    store_bind_text(s, 2, x->owner);
    rc = store_step(s, err);
    store_stmt_release(s);
    return rc < 0 ? rc : 0;
}

/* --- applying one event ------------------------------------------------ */

enum outcome { OUT_CHECKED, OUT_KNOWN, OUT_UNKNOWN, OUT_IGNORED };

static const char *outcome_name(enum outcome o)
{
    static const char *const n[] = {"checked", "known", "unknown", "ignored"};
    return n[o];
}

struct apply_tx {
    struct app *app;
    int64_t conn_id, now;
    const struct reg_event *ev;
    /* out */
    bool duplicate, settled;
    enum outcome outcome;
};

/* one_op - the newest operation matching sql's two parameters (conn, a
 * text): its id, whether pending, whether watched. */
static int one_op(struct store *st, const char *sql, int64_t conn_id,
                  const char *text, int64_t *id, bool *pending, bool *watched,
                  struct rm_err *err)
{
    struct store_stmt *s;
    int rc;

    *id = 0;
    *pending = *watched = false;
    if ((rc = store_prepare(st, sql, &s, err)) < 0)
        return rc;
    store_bind_int64(s, 1, conn_id);
    store_bind_text(s, 2, text);
    rc = store_step(s, err);
    if (rc == STORE_ROW) {
        const char *state = store_col_text(s, 1), *watch = store_col_text(s, 2);
        *id = store_col_int64(s, 0);
        *pending = state && strcmp(state, "pending") == 0;
        *watched = watch && strcmp(watch, "watching") == 0;
    }
    store_stmt_release(s);
    return rc < 0 ? rc : 0;
}

static int domain_known(struct store *st, const char *name, bool *known,
                        struct rm_err *err)
{
    struct store_stmt *s;
    int rc;

    *known = false;
    if (!*name)
        return 0;
    if ((rc = store_prepare(st, "SELECT id FROM domains WHERE name = ?", &s,
                            err)) < 0)
        return rc;
    store_bind_text(s, 1, name);
    rc = store_step(s, err);
    *known = rc == STORE_ROW;
    store_stmt_release(s);
    return rc < 0 ? rc : 0;
}

static bool order_ended(enum reg_order_state s)
{
    return s == REG_ORDER_COMPLETED || s == REG_ORDER_DECLINED ||
           s == REG_ORDER_CANCELLED;
}

static bool transfer_ended(enum reg_transfer_state s)
{
    return s == REG_XFER_COMPLETED || s == REG_XFER_CANCELLED;
}

/* match - what the event concerns: an operation (*op, pending/watched)
 * and whether the event says it ended (*ended); or a known domain. */
static int match(struct store *st, struct apply_tx *x, int64_t *op,
                 bool *pending, bool *watched, bool *ended, bool *known,
                 struct rm_err *err)
{
    static const char sql_order[] =
        "SELECT id, state, watch FROM operations WHERE connection_id = ? AND "
        "registrar_order_id = ? ORDER BY id DESC LIMIT 1";
#define BY_DOMAIN(kind)                                                        \
    "SELECT o.id, o.state, o.watch FROM operations o JOIN domains d ON d.id "  \
    "= o.domain_id WHERE o.connection_id = ? AND d.name = ? AND o.kind = "     \
    "'" kind                                                                   \
    "' AND (o.state = 'pending' OR o.watch = 'watching') ORDER BY o.id "       \
    "DESC LIMIT 1"
    static const char sql_reg[] = BY_DOMAIN("register");
    /* a restore adds a renewal year: the registrar announces it as a
     * renewal (DOMAIN RENEWED) */
    static const char sql_renew[] =
        "SELECT o.id, o.state, o.watch FROM operations o JOIN domains d ON "
        "d.id = o.domain_id WHERE o.connection_id = ? AND d.name = ? AND "
        "o.kind IN ('renew', 'restore') AND (o.state = 'pending' OR o.watch "
        "= 'watching') ORDER BY o.id DESC LIMIT 1";
    static const char sql_xfer[] = BY_DOMAIN("transfer");
#undef BY_DOMAIN
    const struct reg_event *e = x->ev;
    const char *sql = NULL;
    int rc;

    *op = 0;
    *pending = *watched = *ended = *known = false;
    switch (e->kind) {
    case REG_EVENT_ORDER_STATUS:
        *ended = order_ended(e->order_state);
        break;
    case REG_EVENT_DOMAIN_REGISTERED:
        sql = sql_reg;
        *ended = true;
        break;
    case REG_EVENT_DOMAIN_RENEWED:
        sql = sql_renew;
        *ended = true;
        break;
    case REG_EVENT_TRANSFER_STATUS:
        sql = sql_xfer;
        *ended = transfer_ended(e->transfer_state);
        break;
    default:
        break;
    }
    if (e->order_id[0] && (rc = one_op(st, sql_order, x->conn_id, e->order_id,
                                       op, pending, watched, err)) < 0)
        return rc;
    if (!*op && sql && e->domain[0] &&
        (rc = one_op(st, sql, x->conn_id, e->domain, op, pending, watched,
                     err)) < 0)
        return rc;
    if (*op) {
        *known = true;
        return 0;
    }
    return domain_known(st, e->domain, known, err);
}

static int make_due(struct store *st, int64_t op, bool pending, int64_t now,
                    struct rm_err *err)
{
    static const char sql_pending[] =
        "UPDATE operations SET next_check_at = ? WHERE id = ? AND state = "
        "'pending' AND (next_check_at IS NULL OR next_check_at > ?)";
    static const char sql_watched[] =
        "UPDATE operations SET watch_next_at = ? WHERE id = ? AND watch = "
        "'watching' AND (watch_next_at IS NULL OR watch_next_at > ?)";
    struct store_stmt *s;
    int rc;

    if ((rc = store_prepare(st, pending ? sql_pending : sql_watched, &s, err)) <
        0)
        return rc;
    store_bind_int64(s, 1, now);
    store_bind_int64(s, 2, op);
    store_bind_int64(s, 3, now);
    rc = store_step(s, err);
    store_stmt_release(s);
    return rc < 0 ? rc : 0;
}

static int year_of(int64_t t)
{
    time_t tt = (time_t)t;
    struct tm tm;

    return gmtime_r(&tt, &tm) ? tm.tm_year + 1900 : 0;
}

/* settle - E3: a pending registration (renewal) whose domain the event
 * says was registered (renewed), with the registrar's new expiry, ends
 * succeeded now, as if BELONGS_TO_RSP (GET DOMAIN) had said so: the same
 * path, ops_poll_apply, inside this transaction. x->settled when it did. */
static int settle(struct store *st, struct apply_tx *x, int64_t op,
                  struct rm_err *err)
{
    static const char sql[] =
        "SELECT kind, COALESCE(sent_at, created_at), expiry_year FROM "
        "operations WHERE id = ? AND state = 'pending'";
    const struct reg_event *e = x->ev;
    int64_t expiry = (int64_t)e->expiry, since = 0, year = 0;
    char kind[16] = "", when[32];
    struct store_stmt *s;
    struct ops_poll p;
    struct ops_result res;
    struct tm tm;
    time_t tt;
    int rc;

    x->settled = false;
    if ((e->kind != REG_EVENT_DOMAIN_REGISTERED &&
         e->kind != REG_EVENT_DOMAIN_RENEWED) ||
        expiry <= x->now)
        return 0;
    if ((rc = store_prepare(st, sql, &s, err)) < 0)
        return rc;
    store_bind_int64(s, 1, op);
    rc = store_step(s, err);
    if (rc == STORE_ROW) {
        const char *k = store_col_text(s, 0);
        snprintf(kind, sizeof kind, "%s", k ? k : "");
        since = store_col_int64(s, 1);
        year = store_col_int64(s, 2);
    }
    store_stmt_release(s);
    if (rc != STORE_ROW)
        return rc < 0 ? rc : 0;
    /* an event dated before the order is about an earlier life of the
     * name (its date is the registrar's clock: EVENTS_SKEW_S of slack) */
    if (e->at && (int64_t)e->at < since - EVENTS_SKEW_S)
        return 0;
    if (e->kind == REG_EVENT_DOMAIN_REGISTERED
            ? strcmp(kind, "register") != 0
            : (strcmp(kind, "renew") != 0 && strcmp(kind, "restore") != 0) ||
                  year_of(expiry) <= year)
        return 0;
    memset(&p, 0, sizeof p);
    p.verdict = OPS_V_DONE;
    p.expiry = expiry;
    tt = (time_t)expiry;
    gmtime_r(&tt, &tm);
    strftime(when, sizeof when, "%Y-%m-%d", &tm);
    snprintf(p.answer, sizeof p.answer, "event %s %s %s: expires %s", e->object,
             e->event, e->id, when);
    if ((rc = ops_poll_apply(x->app, op, &p, &res, err)) < 0)
        return rc;
    x->settled = rc != OPS_PENDING;
    return 0;
}

static int apply_fn(struct store *st, void *arg, struct rm_err *err)
{
    static const char sql[] =
        "INSERT INTO registrar_events (connection_id, event_id, event, "
        "object, kind, domain, order_id, status, event_at, data, outcome, "
        "operation_id, received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
        "?, ?) ON CONFLICT (connection_id, event_id) DO NOTHING RETURNING id";
    struct apply_tx *x = arg;
    const struct reg_event *e = x->ev;
    struct store_stmt *s;
    int64_t op;
    bool pending, watched, ended, known;
    int rc;

    x->duplicate = x->settled = false;
    if ((rc = match(st, x, &op, &pending, &watched, &ended, &known, err)) < 0)
        return rc;
    if (op && (pending || watched))
        x->outcome = ended ? OUT_CHECKED : OUT_IGNORED;
    else if (known)
        x->outcome = OUT_KNOWN;
    else
        x->outcome = OUT_UNKNOWN;
    if ((rc = store_prepare(st, sql, &s, err)) < 0)
        return rc;
    store_bind_int64(s, 1, x->conn_id);
    store_bind_text(s, 2, e->id);
    store_bind_text(s, 3, e->event);
    store_bind_text(s, 4, e->object);
    store_bind_text(s, 5, reg_event_kind_name(e->kind));
    store_bind_text(s, 6, e->domain[0] ? e->domain : NULL);
    store_bind_text(s, 7, e->order_id[0] ? e->order_id : NULL);
    store_bind_text(s, 8, e->status[0] ? e->status : NULL);
    if (e->at)
        store_bind_int64(s, 9, (int64_t)e->at);
    else
        store_bind_null(s, 9);
    store_bind_text(s, 10, e->data);
    store_bind_text(s, 11, outcome_name(x->outcome));
    if (op)
        store_bind_int64(s, 12, op);
    else
        store_bind_null(s, 12);
    store_bind_int64(s, 13, x->now);
    rc = store_step(s, err);
    x->duplicate = rc == STORE_DONE;
    store_stmt_release(s);
    if (rc < 0)
        return rc;
    if (x->duplicate || x->outcome != OUT_CHECKED)
        return 0;
    if (pending && (rc = settle(st, x, op, err)) < 0)
        return rc;
    if (!x->settled && (rc = make_due(st, op, pending, x->now, err)) < 0)
        return rc;
    return 0;
}

struct acked_tx {
    int64_t conn_id, now;
    const struct reg_events *page;
    const bool *acked;
};

static int acked_fn(struct store *st, void *arg, struct rm_err *err)
{
    static const char sql[] =
        "UPDATE registrar_events SET acked_at = ? WHERE connection_id = ? AND "
        "event_id = ? AND acked_at IS NULL";
    struct acked_tx *x = arg;
    int rc = 0;

    for (size_t i = 0; i < x->page->n && rc >= 0; i++) {
        struct store_stmt *s;
        if (!x->acked[i])
            continue;
        if ((rc = store_prepare(st, sql, &s, err)) < 0)
            return rc;
        store_bind_int64(s, 1, x->now);
        store_bind_int64(s, 2, x->conn_id);
        store_bind_text(s, 3, x->page->items[i].id);
        rc = store_step(s, err);
        store_stmt_release(s);
    }
    return rc < 0 ? rc : 0;
}

static int64_t mono_s(void);

/* --- the reader ---------------------------------------------------------- */

static void count(struct events_stats *st, enum outcome o)
{
    switch (o) {
    case OUT_CHECKED:
        st->checked++;
        break;
    case OUT_KNOWN:
        st->known++;
        break;
    case OUT_UNKNOWN:
        st->unknown++;
        break;
    case OUT_IGNORED:
        st->ignored++;
        break;
    }
}

/* The acknowledgements of a page go out on up to EVENTS_ACK_WORKERS
 * sessions at once (the connection's concurrency, shared with every
 * node's sweeps: core/pace.h): ACK is one call per event, and a page of
 * 100 one after the other would take 100 round trips. */
struct ackers {
    struct app *app;
    int64_t conn_id;
    struct conn_session *main; /* the reader's own session */
    struct conn_session extra[EVENTS_ACK_WORKERS - 1];
    int nextra, want, held;
    pthread_mutex_t log_mu, mu;
    /* the page being acknowledged */
    const struct reg_events *page;
    size_t next;
    int *rc;
    char (*why)[160];
};

struct acker {
    struct ackers *a;
    struct conn_session *cs;
    pthread_t th;
};

static void *ack_main(void *arg)
{
    struct acker *w = arg;
    struct ackers *a = w->a;

    for (;;) {
        struct reg_reply reply;
        struct rm_err aerr = {0};
        size_t i;
        pthread_mutex_lock(&a->mu);
        i = a->next++;
        pthread_mutex_unlock(&a->mu);
        if (i >= a->page->n)
            break;
        a->rc[i] =
            reg_ack_event(w->cs->reg, a->page->items[i].id, &reply, &aerr);
        snprintf(a->why[i], sizeof a->why[i], "%.150s", aerr.msg);
    }
    return NULL;
}

/* ackers_grow - sessions for n workers in all (the reader's included),
 * as many as the connection's concurrency lets this process hold. */
static void ackers_grow(struct ackers *a, int n)
{
    struct rm_err err;

    if (n > EVENTS_ACK_WORKERS)
        n = EVENTS_ACK_WORKERS;
    if (!a->held && n > 1) {
        struct conn c;
        int64_t got = 0;
        a->want = 1;
        if (conn_get_id(a->app, a->conn_id, &c, &err) == 0) {
            int64_t conc = c.concurrency < 1 ? 1 : c.concurrency;
            conn_release(&c);
            pace_use_database(a->app->set.database);
            if (pace_cap_take(a->app->st, a->conn_id, a->app->lease_owner,
                              n < conc ? n : conc, conc, a->app->set.lease_s,
                              &got, &err) == 0) {
                a->held = 1;
                a->want = got < 1 ? 1 : (int)got;
            } else {
                rm_log(LOG_WARN, "events: connection %" PRId64 ": %s",
                       a->conn_id, err.msg);
            }
        }
    }
    if (n > a->want)
        n = a->want;
    while (a->nextra + 1 < n) {
        struct conn_session *cs = &a->extra[a->nextra];
        if (conn_session_open(a->app, a->conn_id, cs, &err) < 0) {
            rm_log(LOG_WARN, "events: %s", err.msg);
            break;
        }
        cs->log_mu = &a->log_mu;
        a->nextra++;
    }
}

static void ackers_close(struct ackers *a)
{
    for (int i = 0; i < a->nextra; i++)
        conn_session_close(&a->extra[i]);
    a->nextra = 0;
    if (a->held)
        pace_cap_release(a->app->st, a->conn_id);
    a->held = 0;
}

/* ack_page - every event of page acknowledged; rc[i] and why[i] each's
 * answer. The store is not used by the caller meanwhile (the sessions'
 * log rows are written under log_mu). */
static void ack_page(struct ackers *a, const struct reg_events *page, int *rc,
                     char (*why)[160])
{
    struct acker w[EVENTS_ACK_WORKERS];
    int n = 1 + a->nextra, started = 0;

    if ((size_t)n > page->n)
        n = page->n ? (int)page->n : 1;
    a->page = page;
    a->next = 0;
    a->rc = rc;
    a->why = why;
    for (int i = 1; i < n; i++) {
        w[i].a = a;
        w[i].cs = &a->extra[i - 1];
        if (pthread_create(&w[i].th, NULL, ack_main, &w[i]) != 0)
            break;
        started = i;
    }
    w[0].a = a;
    w[0].cs = a->main;
    ack_main(&w[0]);
    for (int i = 1; i <= started; i++)
        pthread_join(w[i].th, NULL);
}

/* read_pages - the pages of one connection's stream; *received, *ok and
 * the error text for its health. Store failures are returned. A page is
 * read while the one before was full and some of it acknowledged, at most
 * EVENTS_PAGES_MAX, and none begun after EVENTS_READ_S (the lease lasts
 * EVENTS_LEASE_S). */
static int read_pages(struct app *app, struct ackers *a, int64_t conn_id,
                      struct events_stats *st, struct health_tx *h, char *why,
                      size_t whylen, struct rm_err *err)
{
    int64_t t0 = mono_s();

    for (int page = 0; page < EVENTS_PAGES_MAX; page++) {
        struct reg_events evs;
        struct rm_err rerr = {0};
        int acked = 0, rc, *rcs;
        char(*whys)[160];
        bool *ok;

        if (page > 0 && mono_s() - t0 >= EVENTS_READ_S)
            break;
        st->polls++;
        if (reg_poll_events(a->main->reg, EVENTS_PAGE, &evs, &rerr) < 0) {
            h->ok = false;
            snprintf(why, whylen, "%s", rerr.msg[0] ? rerr.msg : "no answer");
            h->error = why;
            reg_events_release(&evs);
            st->errors++;
            rm_log(LOG_WARN, "events: connection %" PRId64 ": poll: %s",
                   conn_id, why);
            return 0;
        }
        h->ok = true;
        st->received += (int)evs.n;
        h->received += (int64_t)evs.n;
        for (size_t i = 0; i < evs.n; i++) {
            struct apply_tx x = {app,   conn_id, clock_now(), &evs.items[i],
                                 false, false,   OUT_IGNORED};
            if ((rc = store_tx(app->st, STORE_TX_WRITE, apply_fn, &x, err)) <
                0) {
                /* not applied, not acknowledged: it comes again */
                reg_events_release(&evs);
                return rc;
            }
            if (x.duplicate)
                st->duplicates++;
            else
                count(st, x.outcome);
            if (x.settled)
                st->settled++;
        }
        /* E2: acknowledged once applied */
        ok = xcalloc(evs.n ? evs.n : 1, sizeof *ok);
        rcs = xcalloc(evs.n ? evs.n : 1, sizeof *rcs);
        whys = xcalloc(evs.n ? evs.n : 1, sizeof *whys);
        if (evs.n > 1)
            ackers_grow(a, (int)evs.n);
        ack_page(a, &evs, rcs, whys);
        for (size_t i = 0; i < evs.n; i++) {
            if (rcs[i] == 0 || rcs[i] == RM_ENOTFOUND) {
                ok[i] = true;
                acked++;
                st->acked++;
            } else {
                st->ack_errors++;
                rm_log(LOG_WARN,
                       "events: connection %" PRId64 ": ack %s: %s (it "
                       "comes again)",
                       conn_id, evs.items[i].id, whys[i]);
            }
        }
        if (acked) {
            struct acked_tx at = {conn_id, clock_now(), &evs, ok};
            if ((rc = store_tx(app->st, STORE_TX_WRITE, acked_fn, &at, err)) <
                0)
                rm_log(LOG_WARN, "events: acknowledged, not noted: %s",
                       err->msg);
        }
        free(ok);
        free(rcs);
        free(whys);
        size_t n = evs.n;
        reg_events_release(&evs);
        if (n < EVENTS_PAGE || acked == 0)
            break;
    }
    return 0;
}

static int read_conn(struct app *app, int64_t conn_id, struct events_stats *st,
                     struct rm_err *err)
{
    struct lease_tx l = {conn_id, clock_now(), app->lease_owner, 0};
    struct health_tx h = {0};
    struct conn_session cs;
    struct rm_err serr = {0};
    char why[512] = "";
    int rc;

    if ((rc = store_tx(app->st, STORE_TX_WRITE, lease_fn, &l, err)) < 0)
        return rc;
    if (!l.got)
        return 0; /* another process reads it now (E4) */
    h.conn_id = conn_id;
    h.owner = app->lease_owner;
    h.done = true;
    if (conn_session_open(app, conn_id, &cs, &serr) < 0) {
        h.polled = true;
        snprintf(why, sizeof why, "%s", serr.msg);
        h.error = why;
        st->errors++;
        rm_log(LOG_WARN, "events: %s", serr.msg);
    } else if (!reg_has_events(cs.reg)) {
        h.polled = true;
        h.error = "the registrar's driver has no event stream";
    } else {
        struct ackers *a = xcalloc(1, sizeof *a);
        a->app = app;
        a->conn_id = conn_id;
        a->main = &cs;
        pthread_mutex_init(&a->log_mu, NULL);
        pthread_mutex_init(&a->mu, NULL);
        cs.log_mu = &a->log_mu;
        st->connections++;
        h.polled = true;
        rc = read_pages(app, a, conn_id, st, &h, why, sizeof why, err);
        ackers_close(a);
        cs.log_mu = NULL;
        pthread_mutex_destroy(&a->log_mu);
        pthread_mutex_destroy(&a->mu);
        free(a);
    }
    conn_session_close(&cs);
    h.now = clock_now();
    if (store_tx(app->st, STORE_TX_WRITE, health_fn, &h, &serr) < 0)
        rm_log(LOG_WARN, "events: connection %" PRId64 ": health: %s", conn_id,
               serr.msg);
    return rc;
}

/* pull_in - a stream not healthy: pending operations of the connection
 * checked no later than one poll interval from now (those a healthy
 * stream had spaced out come back to the poll cadence). */
struct pull_tx {
    int64_t conn_id, until;
    int64_t n;
};

static int pull_fn(struct store *st, void *arg, struct rm_err *err)
{
    static const char sql[] =
        "UPDATE operations SET next_check_at = ? WHERE state = 'pending' AND "
        "connection_id = ? AND next_check_at > ?";
    struct pull_tx *x = arg;
    struct store_stmt *s;
    int rc;

    if ((rc = store_prepare(st, sql, &s, err)) < 0)
        return rc;
    store_bind_int64(s, 1, x->until);
    store_bind_int64(s, 2, x->conn_id);
    store_bind_int64(s, 3, x->until);
    rc = store_step(s, err);
    store_stmt_release(s);
    x->n = rc < 0 ? 0 : store_changes(st);
    return rc < 0 ? rc : 0;
}

int events_read(struct app *app, struct events_stats *st, struct rm_err *err)
{
    struct store_stmt *s;
    struct {
        int64_t id, poll_s;
        bool on;
    } *v = NULL;
    size_t n = 0, cap = 0;
    int rc;

    memset(st, 0, sizeof *st);
    if ((rc = store_prepare(app->st,
                            "SELECT id, events, poll_interval_s FROM "
                            "registrar_connections ORDER BY id",
                            &s, err)) < 0)
        return rc;
    while ((rc = store_step(s, err)) == STORE_ROW) {
        if (n == cap) {
            cap = cap ? cap * 2 : 16;
            v = xrealloc(v, cap * sizeof *v);
        }
        v[n].id = store_col_int64(s, 0);
        v[n].on = store_col_int64(s, 1) != 0;
        v[n].poll_s = store_col_int64(s, 2);
        n++;
    }
    store_stmt_release(s);
    for (size_t i = 0; rc >= 0 && i < n; i++) {
        struct events_health h;
        struct rm_err herr;
        int64_t now;
        if (v[i].on && (rc = read_conn(app, v[i].id, st, err)) < 0)
            break;
        rc = 0;
        now = clock_now();
        if (events_health(app->st, v[i].id, now, &h, &herr) < 0 || h.healthy)
            continue;
        struct pull_tx x = {v[i].id,
                            now + (v[i].poll_s > 0 ? v[i].poll_s : 3600), 0};
        if (store_tx(app->st, STORE_TX_WRITE, pull_fn, &x, &herr) < 0)
            rm_log(LOG_WARN, "events: connection %" PRId64 ": %s", v[i].id,
                   herr.msg);
        else if (x.n)
            rm_log(LOG_INFO,
                   "events: connection %" PRId64 ": stream not healthy (%s): "
                   "%" PRId64 " pending operation(s) back to the poll "
                   "interval",
                   v[i].id, h.why, x.n);
    }
    free(v);
    return rc < 0 ? rc : 0;
}

/* --- health -------------------------------------------------------------- */

static int quiet(struct store *st, int64_t conn_id, int64_t since, int64_t now,
                 bool *out, struct rm_err *err)
{
    struct store_stmt *s;
    int rc;

    *out = false;
    if (since >= now - EVENTS_QUIET_S)
        return 0;
    if ((rc = store_prepare(st,
                            "SELECT id FROM operations WHERE state = "
                            "'pending' AND connection_id = ? AND sent_at < ? "
                            "LIMIT 1",
                            &s, err)) < 0)
        return rc;
    store_bind_int64(s, 1, conn_id);
    store_bind_int64(s, 2, now - EVENTS_QUIET_S);
    rc = store_step(s, err);
    *out = rc == STORE_ROW;
    store_stmt_release(s);
    return rc < 0 ? rc : 0;
}

#define HEALTH_COLS                                                            \
    "c.id, c.title, c.events, COALESCE(e.last_poll_at, 0), "                   \
    "COALESCE(e.last_ok_at, 0), COALESCE(e.last_event_at, 0), "                \
    "COALESCE(e.failures, 0), COALESCE(e.received, 0), e.last_error, "         \
    "COALESCE(e.started_at, 0), (SELECT CAST(COUNT(*) AS BIGINT) FROM "        \
    "registrar_events r WHERE r.connection_id = c.id AND r.outcome = "         \
    "'unknown') FROM registrar_connections c LEFT JOIN conn_events e ON "      \
    "e.connection_id = c.id "

/* health_read - the row's fields; *started: when the stream was first
 * read. */
static void health_read(struct store_stmt *s, struct events_health *h,
                        int64_t *started)
{
    const char *le = store_col_text(s, 8);

    memset(h, 0, sizeof *h);
    h->connection_id = store_col_int64(s, 0);
    snprintf(h->title, sizeof h->title, "%s", store_col_text(s, 1));
    h->on = store_col_int64(s, 2) != 0;
    h->last_poll_at = store_col_int64(s, 3);
    h->last_ok_at = store_col_int64(s, 4);
    h->last_event_at = store_col_int64(s, 5);
    h->failures = store_col_int64(s, 6);
    h->received = store_col_int64(s, 7);
    snprintf(h->last_error, sizeof h->last_error, "%s", le ? le : "");
    *started = store_col_int64(s, 9);
    h->unknown = store_col_int64(s, 10);
}

/* health_judge - healthy or why not (see events.h). */
static int health_judge(struct store *st, struct events_health *h,
                        int64_t started, int64_t now, struct rm_err *err)
{
    bool q = false;
    int rc;

    if (!h->on) {
        snprintf(h->why, sizeof h->why, "off for this connection");
        return 0;
    }
    if (!h->last_ok_at) {
        snprintf(h->why, sizeof h->why, "%.200s",
                 h->last_error[0] ? h->last_error
                                  : "not read yet: the next sweep reads it");
        return 0;
    }
    if (h->failures > 0) {
        snprintf(h->why, sizeof h->why, "%" PRId64 " poll(s) failed: %.120s",
                 h->failures, h->last_error);
        return 0;
    }
    if (now - h->last_ok_at > EVENTS_STALE_S) {
        snprintf(h->why, sizeof h->why, "not read for %" PRId64 " s",
                 now - h->last_ok_at);
        return 0;
    }
    if ((rc = quiet(st, h->connection_id,
                    h->last_event_at ? h->last_event_at : started, now, &q,
                    err)) < 0)
        return rc;
    if (q) {
        snprintf(h->why, sizeof h->why,
                 "no event for %d days while operations are pending",
                 EVENTS_QUIET_S / 86400);
        return 0;
    }
    h->healthy = true;
    snprintf(h->why, sizeof h->why, "answering");
    return 0;
}

int events_health(struct store *st, int64_t conn_id, int64_t now,
                  struct events_health *out, struct rm_err *err)
{
    struct store_stmt *s;
    int64_t started = 0;
    int rc;

    if ((rc = store_prepare(st, "SELECT " HEALTH_COLS "WHERE c.id = ?", &s,
                            err)) < 0)
        return rc;
    store_bind_int64(s, 1, conn_id);
    rc = store_step(s, err);
    if (rc == STORE_ROW)
        health_read(s, out, &started);
    store_stmt_release(s);
    if (rc < 0)
        return rc;
    if (rc != STORE_ROW)
        return rm_err_set(err, RM_ENOTFOUND, "unknown connection %" PRId64,
                          conn_id);
    /* the row is read and released before health_judge's own query */
    return health_judge(st, out, started, now, err);
}

int events_health_list(struct store *st, int64_t now,
                       int (*cb)(const struct events_health *h, void *arg),
                       void *arg, struct rm_err *err)
{
    struct store_stmt *s;
    int64_t ids[64];
    size_t n = 0;
    int rc;

    if ((rc = store_prepare(st,
                            "SELECT id FROM registrar_connections ORDER BY "
                            "title COLLATE \"C\"",
                            &s, err)) < 0)
        return rc;
    while (n < sizeof ids / sizeof ids[0] &&
           (rc = store_step(s, err)) == STORE_ROW)
        ids[n++] = store_col_int64(s, 0);
    store_stmt_release(s);
    if (rc < 0)
        return rc;
    for (size_t i = 0; i < n; i++) {
        struct events_health h;
        if ((rc = events_health(st, ids[i], now, &h, err)) < 0)
            return rc;
        if ((rc = cb(&h, arg)) != 0)
            return rc;
    }
    return 0;
}

/* A few seconds of health per connection: a sweep notes many operations. */
#define CACHE_N 16
#define CACHE_S 5
static struct {
    int64_t conn_id, at, mono;
    bool healthy;
} cache[CACHE_N];
static pthread_mutex_t cache_mu = PTHREAD_MUTEX_INITIALIZER;

static int64_t mono_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec;
}

static bool healthy_cached(struct app *app, int64_t conn_id, int64_t now)
{
    struct events_health h;
    struct rm_err err;
    int64_t m = mono_s();
    size_t slot = (size_t)conn_id % CACHE_N;
    bool ok;

    pthread_mutex_lock(&cache_mu);
    if (cache[slot].conn_id == conn_id && now >= cache[slot].at &&
        now - cache[slot].at < CACHE_S && m - cache[slot].mono < CACHE_S) {
        ok = cache[slot].healthy;
        pthread_mutex_unlock(&cache_mu);
        return ok;
    }
    pthread_mutex_unlock(&cache_mu);
    ok = events_health(app->st, conn_id, now, &h, &err) == 0 && h.healthy;
    pthread_mutex_lock(&cache_mu);
    cache[slot].conn_id = conn_id;
    cache[slot].at = now;
    cache[slot].mono = m;
    cache[slot].healthy = ok;
    pthread_mutex_unlock(&cache_mu);
    return ok;
}

int64_t events_next_check(struct app *app, int64_t conn_id, int64_t now,
                          int64_t poll_s, int64_t since, int64_t deadline_at)
{
    int64_t next = now + poll_s, gap;

    if (!healthy_cached(app, conn_id, now))
        return next;
    gap = poll_s * EVENTS_FALLBACK_FACTOR;
    if (since > 0 && since < now && 2 * (now - since) > gap)
        gap = 2 * (now - since);
    next = now + gap;
    if (deadline_at > now && next > deadline_at)
        next = deadline_at;
    return next;
}

int64_t events_first_check(struct app *app, int64_t conn_id, int64_t now,
                           int64_t first_s, int64_t poll_s, int64_t deadline_at)
{
    if (!healthy_cached(app, conn_id, now))
        return now + first_s;
    return events_next_check(app, conn_id, now, poll_s, now, deadline_at);
}

/* --- the list ------------------------------------------------------------ */

int events_list(struct app *app, const char *outcome, int64_t before, int limit,
                int (*cb)(const struct events_row *r, void *arg), void *arg,
                struct rm_err *err)
{
    static const char sql[] =
        "SELECT r.id, r.connection_id, COALESCE(r.operation_id, 0), "
        "COALESCE(r.event_at, 0), r.received_at, COALESCE(r.acked_at, 0), "
        "c.title, r.event_id, r.event, r.object, r.kind, r.outcome, "
        "COALESCE(r.domain, ''), COALESCE(r.order_id, ''), "
        "COALESCE(r.status, ''), r.data FROM registrar_events r JOIN "
        "registrar_connections c ON c.id = r.connection_id WHERE (? = '' OR "
        "r.outcome = ?) AND (? <= 0 OR r.id < ?) ORDER BY r.id DESC LIMIT ?";
    struct store_stmt *s;
    int rc;

    if ((rc = store_prepare(app->st, sql, &s, err)) < 0)
        return rc;
    store_bind_text(s, 1, outcome ? outcome : "");
    store_bind_text(s, 2, outcome ? outcome : "");
    store_bind_int64(s, 3, before);
    store_bind_int64(s, 4, before);
    store_bind_int64(s, 5, limit);
    while ((rc = store_step(s, err)) == STORE_ROW) {
        struct events_row r;
        memset(&r, 0, sizeof r);
        r.id = store_col_int64(s, 0);
        r.connection_id = store_col_int64(s, 1);
        r.operation_id = store_col_int64(s, 2);
        r.event_at = store_col_int64(s, 3);
        r.received_at = store_col_int64(s, 4);
        r.acked_at = store_col_int64(s, 5);
#define TXT(f, c)                                                              \
    snprintf(r.f, sizeof r.f, "%s",                                            \
             store_col_text(s, c) ? store_col_text(s, c) : "")
        TXT(connection, 6);
        TXT(event_id, 7);
        TXT(event, 8);
        TXT(object, 9);
        TXT(kind, 10);
        TXT(outcome, 11);
        TXT(domain, 12);
        TXT(order_id, 13);
        TXT(status, 14);
        TXT(data, 15);
#undef TXT
        if ((rc = cb(&r, arg)) != 0)
            break;
    }
    store_stmt_release(s);
    return rc < 0 ? rc : 0;
}
