/*
 * ops - the operation state machine (design section 4; contract in
 * ops.h; shared private parts in ops_int.h). Every registrar call with a side
 * effect is an operation row.
 *
 *                    ops_begin (ONE transaction: domain row + operation
 *                    │          row + charge; refused before if invalid
 *                    ▼          or insufficient funds - nothing written)
 *                   new ──move_to_sending (committed BEFORE the request)──┐
 *                    │                                                    ▼
 *   recover: lease dead,                                               sending
 *   never sent ─▶ failed (refund)                                         │
 *        settle: DONE ───────────────────────────────────▶ succeeded ◀────┤
 *        settle: FAILED, or NOT_SENT after N attempts ───▶ failed (refund)┤
 *        settle: PENDING (async, queued, forced, transfer,                │
 *                no/unreadable answer, 705 486 ...) ─────▶ pending ◀──────┘
 *        recover: sending with a dead lease ─────────────▶ pending (never
 * resent)
 *
 *   pending ── check: registrar says done ──────────────▶ succeeded
 *           ── check: registrar says no ────────────────▶ failed    (refund)
 *           ── check past deadline, final check: not ours ▶ timed_out (refund)
 *           ── admin cancel (Async Manager) ────────────▶ cancelled (refund)
 *
 * move() is the only function that changes operations.state: it asserts
 * the state the caller believes the row is in, checks the move against
 * the table legal[] and updates with "WHERE state = <from>", so a move
 * that lost a race changes nothing and is reported.
 *
 * Invariants (I1, I2, I5 in ledger.c; I3, I4 checked by `regman audit`):
 * O1  An operation, its charge and its domain row are written in ONE
 *     transaction before any network I/O (rule 1); a refused request
 *     writes nothing.
 * O2  The move to `sending` is committed before the request leaves (rule
 *     2), so a crash after it is always visible as `sending`.
 * O3  A request is sent again only when the driver proves the previous
 *     attempt never reached the registrar (REG_OP_NOT_SENT), at most
 *     app.set.send_attempts times; an operation found in `new` or
 *     `sending` with a dead lease is never sent (recovery moves it).
 * I3  No operation sits in `new` or `sending` without a live lease.
 * I4  Every active domain has a succeeded operation.
 * O4  Every terminal move, its refund (key op:<id>:refund), the domain's
 *     status and the customer's mail (outbox row) commit together (rule 4).
 * O5  A renewal carries the expiry year of our record
 *     (currentexpirationyear); when the registrar disagrees (541) the
 *     renewal fails and is refunded and our record is refreshed from GET
 *     DOMAIN - it is never re-sent automatically (rule 6), because the
 *     disagreement may mean a renewal already happened.
 * O6  Transfers always go through `pending` (rule 6).
 * O7  An automatic renewal (ops_renew_auto) carries the idempotency key
 *     the lifecycle chose (autorenew:<domain>:<expiry>:<attempt>, UNIQUE
 *     in operations), so one attempt is never created twice; a new
 *     domain row starts with auto_renew on when its account or its
 *     connection says so.
 * O8  The customer's mail about a terminal move comes from a template
 *     file (templates/README.md), rendered before the write transaction
 *     and queued inside it with key op:<id>:<state>, so a replayed move
 *     queues nothing new (see "the customer's mail" below).
 */
#include "core/ops.h"
#include "core/ops_int.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/account.h"
#include "core/conn.h"
#include "core/domchange.h"
#include "core/events.h"
#include "core/ledger.h"
#include "core/money.h"
#include "core/tld.h"
#include "mail/mail.h"
#include "mail/template.h"
#include "util/buf.h"
#include "util/clock.h"
#include "util/log.h"
#include "util/utf8.h"
#include "util/xalloc.h"

static const struct {
    enum ops_state from, to;
} legal[] = {
    {OPS_ST_NEW, OPS_ST_SENDING},       {OPS_ST_NEW, OPS_ST_FAILED},
    {OPS_ST_SENDING, OPS_ST_SUCCEEDED}, {OPS_ST_SENDING, OPS_ST_FAILED},
    {OPS_ST_SENDING, OPS_ST_PENDING},   {OPS_ST_PENDING, OPS_ST_SUCCEEDED},
    {OPS_ST_PENDING, OPS_ST_FAILED},    {OPS_ST_PENDING, OPS_ST_TIMED_OUT},
    {OPS_ST_PENDING, OPS_ST_CANCELLED},
};

static bool move_allowed(enum ops_state from, enum ops_state to)
{
    for (size_t i = 0; i < sizeof legal / sizeof legal[0]; i++)
        if (legal[i].from == from && legal[i].to == to)
            return true;
    return false;
}

bool ops_move_allowed(const char *from, const char *to)
{
    enum ops_state f, t;

    return ops_state_parse(from, &f) == 0 && ops_state_parse(to, &t) == 0 &&
           move_allowed(f, t);
}

/* --- the operation row -------------------------------------------------- */

void op_cpy(char *dst, size_t n, struct store_stmt *s, int col)
{
    const char *t = store_col_text(s, col);
    snprintf(dst, n, "%s", t ? t : "");
}

int op_load(struct app *app, int64_t id, struct op_row *o, struct rm_err *err)
{
    static const char sql[] =
        "SELECT o.id, o.domain_id, o.account_id, o.connection_id, o.term, "
        "o.amount, COALESCE(o.expiry_year, 0), o.checks, o.created_at, "
        "COALESCE(o.deadline_at, 0), COALESCE(o.lease_expires_at, 0), "
        "o.kind, o.state, COALESCE(o.registrar_order_id, ''), "
        "COALESCE(o.queue_request_id, ''), COALESCE(o.transfer_status, ''), "
        "COALESCE(o.pending_reason, ''), COALESCE(o.lease_owner, ''), "
        "d.name, d.tld, d.status, COALESCE(d.expires_at, 0), "
        "COALESCE(o.idempotency_key, ''), d.unicode_name "
        "FROM operations o JOIN domains d ON d.id = o.domain_id "
        "WHERE o.id = ?";
    struct store_stmt *s;
    int rc;

    if ((rc = store_prepare(app->st, sql, &s, err)) < 0)
        return rc;
    store_bind_int64(s, 1, id);
    rc = store_step(s, err);
    if (rc == STORE_ROW) {
        memset(o, 0, sizeof *o);
        o->id = store_col_int64(s, 0);
        o->domain_id = store_col_int64(s, 1);
        o->account_id = store_col_int64(s, 2);
        o->connection_id = store_col_int64(s, 3);
        o->term = store_col_int64(s, 4);
        o->amount = store_col_int64(s, 5);
        o->expiry_year = store_col_int64(s, 6);
        o->checks = store_col_int64(s, 7);
        o->created_at = store_col_int64(s, 8);
        o->deadline_at = store_col_int64(s, 9);
        o->lease_expires_at = store_col_int64(s, 10);
        if (ops_kind_parse(store_col_text(s, 11), &o->kind) < 0 ||
            ops_state_parse(store_col_text(s, 12), &o->state) < 0) {
            rc = rm_err_set(err, RM_EINTERNAL,
                            "op %" PRId64 ": unknown kind %s or state %s", id,
                            store_col_text(s, 11), store_col_text(s, 12));
            store_stmt_release(s);
            return rc;
        }
        op_cpy(o->order_id, sizeof o->order_id, s, 13);
        op_cpy(o->queue_id, sizeof o->queue_id, s, 14);
        op_cpy(o->transfer_status, sizeof o->transfer_status, s, 15);
        op_cpy(o->reason, sizeof o->reason, s, 16);
        op_cpy(o->lease_owner, sizeof o->lease_owner, s, 17);
        op_cpy(o->domain, sizeof o->domain, s, 18);
        op_cpy(o->tld, sizeof o->tld, s, 19);
        op_cpy(o->domain_status, sizeof o->domain_status, s, 20);
        o->domain_expires = store_col_int64(s, 21);
        op_cpy(o->idem_key, sizeof o->idem_key, s, 22);
        op_cpy(o->unicode, sizeof o->unicode, s, 23);
        if (!o->unicode[0])
            snprintf(o->unicode, sizeof o->unicode, "%s", o->domain);
        rc = 0;
    } else if (rc == STORE_DONE) {
        rc = rm_err_set(err, RM_ENOTFOUND, "unknown operation %" PRId64, id);
    }
    store_stmt_release(s);
    return rc;
}

void op_fill_result(const struct op_row *o, struct ops_result *res)
{
    memset(res, 0, sizeof *res);
    res->op_id = o->id;
    res->domain_id = o->domain_id;
    snprintf(res->state, sizeof res->state, "%s", ops_state_name(o->state));
    res->amount = o->amount;
    res->expires_at = o->domain_expires;
    snprintf(res->order_id, sizeof res->order_id, "%s", o->order_id);
    snprintf(res->queue_id, sizeof res->queue_id, "%s", o->queue_id);
    snprintf(res->reason, sizeof res->reason, "%s", o->reason);
    snprintf(res->transfer_status, sizeof res->transfer_status, "%s",
             o->transfer_status);
}

/* reload - the row after a move, as the caller's result. */
int op_reload(struct app *app, int64_t id, struct ops_result *res,
              struct rm_err *err)
{
    struct op_row o;
    int rc;

    if ((rc = op_load(app, id, &o, err)) < 0)
        return rc;
    op_fill_result(&o, res);
    return (int)ops_state_outcome(o.state);
}

/* --- moves ---------------------------------------------------------------- */

/* bind_answer - text that came from the registrar, as valid UTF-8 (each
 * bad byte U+FFFD): stored, never refused by the database. */
static void bind_answer(struct store_stmt *s, int i, const char *v)
{
    char *clean = v ? utf8_clean(v) : NULL;

    store_bind_text(s, i, clean ? clean : v);
    free(clean);
}

/*
 * move - operation o from `from` to `to` inside the caller's write
 * transaction. Asserts that the caller's copy is in `from` and that the
 * move is legal; the UPDATE re-checks it against the row, so a lost race
 * changes nothing (RM_EINTERNAL, the caller rolls back).
 */
static int move(struct app *app, struct op_row *o, enum ops_state from,
                enum ops_state to, const struct move_fields *f, int64_t now,
                struct rm_err *err)
{
    static const char sql[] =
        "UPDATE operations SET state = ?, "
        "pending_reason = COALESCE(?, pending_reason), "
        "last_answer = COALESCE(?, last_answer), "
        "registrar_order_id = COALESCE(?, registrar_order_id), "
        "queue_request_id = COALESCE(?, queue_request_id), "
        "transfer_status = COALESCE(?, transfer_status), "
        "next_check_at = ?, deadline_at = COALESCE(?, deadline_at), "
        "sent_at = CASE WHEN ? = 'sending' THEN ? ELSE sent_at END, "
        "finished_at = ?, lease_owner = ?, lease_expires_at = ?, "
        "watch = COALESCE(?, watch), stop_answer = COALESCE(?, stop_answer), "
        "stop_state = COALESCE(?, stop_state), "
        "watch_next_at = COALESCE(?, watch_next_at), "
        "watch_until = COALESCE(?, watch_until) "
        "WHERE id = ? AND state = ?";
    struct store_stmt *s;
    bool term = ops_state_terminal(to);
    bool leased = to == OPS_ST_SENDING;
    int rc;

    if (!store_in_tx(app->st))
        return rm_err_set(err, RM_EINTERNAL,
                          "op %" PRId64 ": move outside a transaction", o->id);
    if (o->state != from)
        return rm_err_set(err, RM_EINTERNAL,
                          "op %" PRId64 ": is %s, not %s (move to %s)", o->id,
                          ops_state_name(o->state), ops_state_name(from),
                          ops_state_name(to));
    if (!move_allowed(from, to))
        return rm_err_set(err, RM_EINTERNAL,
                          "op %" PRId64 ": illegal move %s -> %s", o->id,
                          ops_state_name(from), ops_state_name(to));
    if ((rc = store_prepare(app->st, sql, &s, err)) < 0)
        return rc;
    store_bind_text(s, 1, ops_state_name(to));
    bind_answer(s, 2, f ? f->reason : NULL);
    bind_answer(s, 3, f ? f->last_answer : NULL);
    bind_answer(s, 4, f && f->order_id && *f->order_id ? f->order_id : NULL);
    bind_answer(s, 5, f && f->queue_id && *f->queue_id ? f->queue_id : NULL);
    bind_answer(s, 6,
                f && f->transfer_status && *f->transfer_status
                    ? f->transfer_status
                    : NULL);
    if (f && f->next_check_at && !term)
        store_bind_int64(s, 7, f->next_check_at);
    else
        store_bind_null(s, 7);
    if (f && f->deadline_at)
        store_bind_int64(s, 8, f->deadline_at);
    else
        store_bind_null(s, 8);
    store_bind_text(s, 9, ops_state_name(to));
    store_bind_int64(s, 10, now);
    if (term)
        store_bind_int64(s, 11, now);
    else
        store_bind_null(s, 11);
    if (leased) {
        store_bind_text(s, 12, app->lease_owner);
        store_bind_int64(s, 13, now + app->set.lease_s);
    } else {
        store_bind_null(s, 12);
        store_bind_null(s, 13);
    }
    store_bind_text(s, 14, f && f->watch ? f->watch : NULL);
    bind_answer(s, 15,
                f && f->stop_answer && *f->stop_answer ? f->stop_answer : NULL);
    store_bind_text(s, 16, f && f->stop_state ? f->stop_state : NULL);
    if (f && f->watch && f->watch_next_at)
        store_bind_int64(s, 17, f->watch_next_at);
    else
        store_bind_null(s, 17);
    if (f && f->watch && f->watch_until)
        store_bind_int64(s, 18, f->watch_until);
    else
        store_bind_null(s, 18);
    store_bind_int64(s, 19, o->id);
    store_bind_text(s, 20, ops_state_name(from));
    rc = store_step(s, err);
    store_stmt_release(s);
    if (rc < 0)
        return rc;
    if (store_changes(app->st) != 1)
        return rm_err_set(err, RM_EINTERNAL,
                          "op %" PRId64 ": was moved by someone else (not %s)",
                          o->id, ops_state_name(from));
    rm_log(LOG_INFO, "op %" PRId64 ": %s -> %s", o->id, ops_state_name(from),
           ops_state_name(to));
    o->state = to;
    return 0;
}

/* set_domain - status (and expiry when > 0) of the operation's domain. */
static int set_domain(struct app *app, int64_t domain_id, const char *status,
                      int64_t expires, const char *order_id, int64_t now,
                      struct rm_err *err)
{
    static const char sql[] =
        "UPDATE domains SET status = ?, expires_at = CASE WHEN ? > 0 THEN ? "
        "ELSE expires_at END, registrar_order_id = COALESCE(?, "
        "registrar_order_id), updated_at = ?, grace_end_at = CASE WHEN ? = 1 "
        "THEN NULL ELSE grace_end_at END, redemption_end_at = CASE WHEN ? = 1 "
        "THEN NULL ELSE redemption_end_at END, delete_at = CASE WHEN ? = 1 "
        "THEN NULL ELSE delete_at END WHERE id = ?";
    struct store_stmt *s;
    int rc;

    if ((rc = store_prepare(app->st, sql, &s, err)) < 0)
        return rc;
    store_bind_text(s, 1, status);
    store_bind_int64(s, 2, expires);
    store_bind_int64(s, 3, expires);
    store_bind_text(s, 4, order_id && *order_id ? order_id : NULL);
    store_bind_int64(s, 5, now);
    /* alive again (renewed, restored): the phase dates are history */
    for (int i = 6; i <= 8; i++)
        store_bind_int64(s, i, strcmp(status, "active") == 0);
    store_bind_int64(s, 9, domain_id);
    rc = store_step(s, err);
    store_stmt_release(s);
    if (rc < 0 && store_errkind(app->st) == STORE_ERR_UNIQUE)
        return rm_err_set(err, RM_EREFUSED,
                          "another live domain row has this name");
    return rc < 0 ? rc : 0;
}

bool op_autorenew_key(const char *key)
{
    return strncmp(key, OPS_AUTORENEW_PREFIX, strlen(OPS_AUTORENEW_PREFIX)) ==
           0;
}

/* domain_status_after - the domain's status once o ends in state. */
static const char *domain_status_after(const struct op_row *o,
                                       enum ops_state state, int64_t now)
{
    /* privacy changes a setting, never the domain's life */
    if (o->kind == OPS_K_PRIVACY)
        return o->domain_status;
    if (state == OPS_ST_SUCCEEDED)
        return "active";
    if (o->kind == OPS_K_RESTORE)
        /* a restore that failed leaves the domain where it was: the
         * next sync reads its phase from the registrar */
        return state == OPS_ST_PENDING ? "restoring" : "redemption";
    if (o->kind == OPS_K_RENEW) {
        if (state == OPS_ST_PENDING)
            return "renewing";
        return o->domain_expires && o->domain_expires <= now ? "expired"
                                                             : "active";
    }
    if (state == OPS_ST_PENDING)
        return o->kind == OPS_K_TRANSFER ? "transferring" : "registering";
    /* an admin's cancel removes the domain (design section 1) */
    if (state == OPS_ST_CANCELLED)
        return "cancelled";
    return "failed";
}

/* One op_finish: what its unit of work needs. start is o as the caller
 * gave it, so a re-run of the unit starts from the same row. */
struct finish_tx {
    struct app *app;
    struct op_row *o, start;
    enum ops_state state;
    const struct move_fields *f;
    int64_t expires, now;
    const char *reason;
    struct op_mail *m0, *own_mail;
};

static int finish_fn(struct store *st, void *arg, struct rm_err *err)
{
    struct finish_tx *x = arg;
    struct app *app = x->app;
    struct op_row *o = x->o;
    enum ops_state state = x->state;
    const struct move_fields *f = x->f;
    int64_t now = x->now, expires = x->expires, refunded = 0;
    struct op_mail *m = x->m0;
    int rc;

    (void)st;
    *o = x->start;
    if ((rc = move(app, o, o->state, state, f, now, err)) < 0)
        return rc;
    if (f && f->reason)
        snprintf(o->reason, sizeof o->reason, "%s", f->reason);
    if (expires > 0)
        o->domain_expires = expires;
    if (ops_state_refunds(state)) {
        rc = ledger_refund(app->st, o->id, now, &refunded, err);
        if (rc < 0)
            return rc;
        rm_log(LOG_INFO, "op %" PRId64 ": refunded %" PRId64, o->id, refunded);
    }
    if ((rc = set_domain(app, o->domain_id, domain_status_after(o, state, now),
                         expires, f ? f->order_id : NULL, now, err)) < 0)
        return rc;
    /* the change that carries a privacy charge ends with it */
    if (o->kind == OPS_K_PRIVACY && state != OPS_ST_PENDING &&
        (rc = domchange_settle_linked(app, o->id, state == OPS_ST_SUCCEEDED,
                                      o->reason, now, err)) < 0)
        return rc;
    if (state != OPS_ST_PENDING) {
        if (!m || !op_mail_fits(m, o, state, x->reason,
                                op_mail_expiry(o, state, expires), refunded)) {
            /* rendered from other facts (or not at all): again, here */
            rm_log(LOG_DEBUG, "op %" PRId64 ": mail rendered in the move",
                   o->id);
            m = x->own_mail;
            if ((rc = op_mail_render(app, o, state, x->reason,
                                     op_mail_expiry(o, state, expires),
                                     refunded, m, err)) < 0)
                return rc;
        }
        if ((rc = op_mail_queue(app, m, now, err)) < 0)
            return rc;
    }
    app_crash_point("before_settle");
    return 0;
}

/*
 * op_finish - one transaction: move o to state (succeeded / failed /
 * timed_out / cancelled / pending), refund when the state requires it,
 * set the domain, queue the mail. expires > 0 updates the domain's
 * expiry. pre (may be NULL) is the mail rendered before the caller's
 * transaction; otherwise, in its own transaction, finish renders it
 * before beginning (O8). The before_settle crash point fires just before
 * the commit.
 */
int op_finish(struct app *app, struct op_row *o, enum ops_state state,
              const struct move_fields *f, int64_t expires, struct op_mail *pre,
              struct rm_err *err)
{
    char reason[sizeof o->reason];
    struct op_mail own_mail = {0};
    struct finish_tx x = {.app = app,
                          .o = o,
                          .start = *o,
                          .state = state,
                          .f = f,
                          .expires = expires,
                          .now = clock_now(),
                          .reason = reason,
                          .m0 = pre,
                          .own_mail = &own_mail};
    bool mails = state != OPS_ST_PENDING;
    int rc;

    /* Inside the caller's transaction when one is open (the Async
     * Manager's poll counts the check in the same one): store_tx joins
     * it. */
    bool own = !store_in_tx(app->st);

    op_mail_reason(o, f, reason, sizeof reason);
    /* A refund reverses the charge exactly (ledger.h). */
    if (mails && own &&
        !(pre &&
          op_mail_fits(pre, o, state, reason, op_mail_expiry(o, state, expires),
                       ops_state_refunds(state) ? o->amount : 0))) {
        x.m0 = &own_mail;
        if ((rc = op_mail_render(
                 app, o, state, reason, op_mail_expiry(o, state, expires),
                 ops_state_refunds(state) ? o->amount : 0, x.m0, err)) < 0) {
            op_mail_release(&own_mail);
            rm_err_prefix(err, "op %" PRId64 ": ", o->id);
            return rc;
        }
    }
    rc = store_tx(app->st, STORE_TX_WRITE, finish_fn, &x, err);
    op_mail_release(&own_mail);
    if (rc < 0)
        rm_err_prefix(err, "op %" PRId64 ": ", o->id);
    return rc < 0 ? rc : 0;
}

/* --- windows -------------------------------------------------------------- */

int op_windows_for(struct app *app, const struct op_row *o, struct windows *w,
                   struct rm_err *err)
{
    struct tld t;
    struct conn c;
    int rc;

    /* The TLD's overrides apply while the TLD still maps to the domain's
     * connection; otherwise the connection's own windows. */
    if (tld_get(app, o->tld, &t, err) == 0 &&
        t.connection_id == o->connection_id) {
        w->first_check = t.eff_first_check_s;
        w->poll = t.eff_poll_interval_s;
        w->deadline_reg = t.eff_deadline_reg_s;
        w->deadline_xfer = t.eff_deadline_xfer_s;
        return 0;
    }
    if ((rc = conn_get_id(app, o->connection_id, &c, err)) < 0)
        return rc;
    w->first_check = c.first_check_s;
    w->poll = c.poll_interval_s;
    w->deadline_reg = c.deadline_reg_s;
    w->deadline_xfer = c.deadline_xfer_s;
    conn_release(&c);
    return 0;
}

/* --- settle: the registrar's answer to a send -------------------------- */

void op_answer_text(const struct reg_reply *r, char *buf, size_t n)
{
    const char *d = reg_delivery_name(r->delivery);
    if (r->delivery == REG_ANSWERED)
        snprintf(buf, n, "%d %s", r->code, r->text);
    else if (strncmp(r->text, d, strlen(d)) == 0)
        snprintf(buf, n, "%s", r->text); /* the transport named it already */
    else
        snprintf(buf, n, "%s: %s", d, r->text);
}

int op_year_of(int64_t t)
{
    struct tm tm;
    time_t tt = (time_t)t;

    if (!gmtime_r(&tt, &tm))
        return 0;
    return tm.tm_year + 1900;
}

/* fetch_expiry - GET DOMAIN (read-only) → expiry, 0 when unknown. */
int64_t op_fetch_expiry(struct conn_session *sess, const char *domain)
{
    struct reg_domain_info info;
    struct rm_err err;

    memset(&info, 0, sizeof info);
    if (sess->reg->ops->info(sess->reg->impl, domain, &info, &err) == 0)
        return (int64_t)info.expiry;
    rm_log(LOG_WARN, "op %" PRId64 ": GET DOMAIN %s: %s", sess->op_id, domain,
           err.msg);
    return 0;
}

static int settle(struct app *app, struct conn_session *sess, struct op_row *o,
                  const struct reg_op_result *r, int attempts,
                  struct rm_err *err)
{
    struct ops_target t;
    struct ops_poll p;
    struct move_fields f = {0};
    struct windows w;
    char answer[REG_TEXT_MAX + 64], reason[REG_TEXT_MAX + 96];
    int64_t now = clock_now(), expires = 0;
    enum reg_op_state state = r->state;
    int rc;

    op_answer_text(&r->reply, answer, sizeof answer);
    f.last_answer = answer;
    f.order_id = r->order_id;
    f.queue_id = r->queue_id;
    snprintf(reason, sizeof reason, "%s", r->reason[0] ? r->reason : answer);
    f.reason = reason;
    /* O6: a transfer is never done on the spot. */
    if (o->kind == OPS_K_TRANSFER && state == REG_OP_DONE)
        state = REG_OP_PENDING;
    switch (state) {
    case REG_OP_DONE:
        expires = (int64_t)r->expiry;
        if (!expires)
            expires = op_fetch_expiry(sess, o->domain);
        return op_finish(app, o, OPS_ST_SUCCEEDED, &f, expires, NULL, err);
    case REG_OP_NOT_SENT:
        snprintf(reason, sizeof reason,
                 "not sent after %d attempt(s): %s (nothing reached the "
                 "registrar)",
                 attempts, r->reply.text);
        return op_finish(app, o, OPS_ST_FAILED, &f, 0, NULL, err);
    case REG_OP_FAILED:
        if (o->kind == OPS_K_RENEW && r->reply.code == 541) {
            /* O5: refresh our record, never re-send. */
            expires = op_fetch_expiry(sess, o->domain);
            if (expires)
                snprintf(reason, sizeof reason,
                         "the registrar's expiry year is %d, ours was "
                         "%" PRId64
                         "; the record is refreshed - renew again if still "
                         "wanted",
                         op_year_of(expires), o->expiry_year);
        }
        if (r->order_id[0]) {
            /* Rule 9: a refused order the registrar saved as pending (485
             * or 487 with forced_pending) is cancelled there, so nobody
             * processing pending orders later buys it unpaid. (t and p
             * live as long as f, which points into p.) */
            op_target_of(o, &t);
            t.kind = OPS_K_REGISTER; /* by order id */
            snprintf(t.order_id, sizeof t.order_id, "%s", r->order_id);
            memset(&p, 0, sizeof p);
            p.verdict = OPS_V_WAIT;
            ops_stop_run(sess->reg, &t, &p);
            p.verdict = OPS_V_WAIT; /* the refusal stands */
            if ((rc = op_watch_fields(app, o, &p, now, &f, err)) < 0)
                return rc;
        }
        return op_finish(app, o, OPS_ST_FAILED, &f, expires, NULL, err);
    case REG_OP_PENDING:
        break;
    }
    if ((rc = op_windows_for(app, o, &w, err)) < 0)
        return rc;
    f.deadline_at =
        now + (o->kind == OPS_K_TRANSFER ? w.deadline_xfer : w.deadline_reg);
    f.next_check_at = now + w.first_check;
    /* an order the registrar took (with its id) is announced by its
     * events: with a healthy stream the first check is the fallback too;
     * an outcome unknown (no answer, a retry code) is checked soon, as no
     * event may ever come for an order that was never made */
    if ((r->why == REG_PENDING_ASYNC || r->why == REG_PENDING_QUEUED ||
         r->why == REG_PENDING_TRANSFER) &&
        r->order_id[0])
        f.next_check_at = events_first_check(
            app, o->connection_id, now, w.first_check, w.poll, f.deadline_at);
    snprintf(reason, sizeof reason, "%s: %s", reg_pending_why_name(r->why),
             r->reason[0] ? r->reason : answer);
    return op_finish(app, o, OPS_ST_PENDING, &f, 0, NULL, err);
}

/* --- send ------------------------------------------------------------------
 */

struct sending_tx {
    struct app *app;
    struct op_row *o;
    enum ops_state loaded; /* o's state before: a re-run starts from it */
    int64_t now;
};

static int sending_fn(struct store *st, void *arg, struct rm_err *err)
{
    struct sending_tx *x = arg;

    (void)st;
    x->o->state = x->loaded;
    return move(x->app, x->o, OPS_ST_NEW, OPS_ST_SENDING, NULL, x->now, err);
}

static int move_to_sending(struct app *app, struct op_row *o,
                           struct rm_err *err)
{
    struct sending_tx x = {app, o, o->state, clock_now()};

    return store_tx(app->st, STORE_TX_WRITE, sending_fn, &x, err);
}

int op_to_sending(struct app *app, struct op_row *o, struct rm_err *err)
{
    return move_to_sending(app, o, err);
}

/* send - the request, retried only while the driver proves it was never
 * sent (O3). */
static int send(struct app *app, struct conn_session *sess, struct op_row *o,
                const struct send_req *q, struct reg_op_result *r,
                int *attempts)
{
    struct rm_err err;
    long delay = app->set.retry_delay_ms;
    int rc;

    for (*attempts = 1;; (*attempts)++) {
        memset(r, 0, sizeof *r);
        sess->op_id = o->id;
        sess->crash_after_send = true;
        if (o->kind == OPS_K_REGISTER)
            rc = reg_register(sess->reg, &q->order, r, &err);
        else if (o->kind == OPS_K_TRANSFER)
            rc = reg_transfer(sess->reg, &q->order, r, &err);
        else if (o->kind == OPS_K_RESTORE)
            rc = reg_restore(sess->reg, q->renew.domain, r, &err);
        else
            rc = reg_renew(sess->reg, &q->renew, r, &err);
        sess->crash_after_send = false;
        if (rc == RM_EINVAL) {
            /* refused by the driver before sending: retrying cannot help */
            r->state = REG_OP_NOT_SENT;
            snprintf(r->reply.text, sizeof r->reply.text, "%s", err.msg);
            return 0;
        }
        if (r->state != REG_OP_NOT_SENT || *attempts >= app->set.send_attempts)
            return 0;
        rm_log(LOG_WARN, "op %" PRId64 ": not sent (%s); attempt %d of %d",
               o->id, r->reply.text, *attempts + 1, app->set.send_attempts);
        if (delay > 0)
            usleep((useconds_t)delay * 1000);
        delay *= 2;
    }
}

/* record_cost - what the registrar charges for o (design section 5):
 * GET_PRICE for its TLD, type and period, kept a day per connection in
 * registrar_prices so an order costs one extra call a day at most. Best
 * effort: a cost that cannot be learnt stays unknown (NULL) and the
 * exposure report says so. ask: the registrar may be asked (it answered
 * the order); otherwise only a kept price is used, so a registrar that is
 * down does not hold the customer's answer for a second timeout. */
struct cost_tx {
    const struct op_row *o;
    const char *type;
    int64_t period, price, now;
    bool fresh; /* price is the registrar's answer: keep it a day */
};

/* cost_fn - the price kept (when fresh) and written on the operation. */
static int cost_fn(struct store *st, void *arg, struct rm_err *err)
{
    static const char sql_put[] =
        "INSERT INTO registrar_prices (connection_id, tld, reg_type, period, "
        "price, fetched_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT "
        "(connection_id, tld, reg_type, period) DO UPDATE SET price = "
        "excluded.price, fetched_at = excluded.fetched_at";
    static const char sql_op[] = "UPDATE operations SET registrar_cost = ? "
                                 "WHERE id = ? AND registrar_cost IS NULL";
    struct cost_tx *x = arg;
    struct store_stmt *s;
    int rc;

    rc = x->fresh ? store_prepare(st, sql_put, &s, err) : 0;
    if (rc == 0 && x->fresh) {
        store_bind_int64(s, 1, x->o->connection_id);
        store_bind_text(s, 2, x->o->tld);
        store_bind_text(s, 3, x->type);
        store_bind_int64(s, 4, x->period);
        store_bind_int64(s, 5, x->price);
        store_bind_int64(s, 6, x->now);
        rc = store_step(s, err);
        store_stmt_release(s);
    }
    if (rc >= 0 && (rc = store_prepare(st, sql_op, &s, err)) == 0) {
        store_bind_int64(s, 1, x->price);
        store_bind_int64(s, 2, x->o->id);
        rc = store_step(s, err);
        store_stmt_release(s);
    }
    return rc < 0 ? rc : 0;
}

static void record_cost(struct app *app, struct conn_session *sess,
                        const struct op_row *o, bool ask)
{
    static const char sql_get[] =
        "SELECT price, fetched_at FROM registrar_prices WHERE connection_id "
        "= ? AND tld = ? AND reg_type = ? AND period = ?";
    bool xfer = o->kind == OPS_K_TRANSFER;
    bool renew = o->kind == OPS_K_RENEW;
    const char *type = xfer ? "transfer" : renew ? "renewal" : "new";
    int64_t period = xfer ? 1 : o->term, now = clock_now(), price = -1;
    bool fresh;
    struct store_stmt *s;
    struct reg_price rp;
    struct rm_err err;
    struct cost_tx x;

    /* a restore's cost is the registry's redemption fee plus a renewal
     * year, which GET_PRICE does not tell: left unknown (the dashboard
     * says so) rather than recorded as a renewal */
    if (o->kind == OPS_K_RESTORE)
        return;

    if (store_prepare(app->st, sql_get, &s, &err) < 0)
        goto fail;
    store_bind_int64(s, 1, o->connection_id);
    store_bind_text(s, 2, o->tld);
    store_bind_text(s, 3, type);
    store_bind_int64(s, 4, period);
    if (store_step(s, &err) == STORE_ROW && now - store_col_int64(s, 1) < 86400)
        price = store_col_int64(s, 0);
    store_stmt_release(s);
    fresh = price < 0;
    if (fresh && !ask)
        return;
    if (fresh) {
        memset(&rp, 0, sizeof rp);
        if (sess->reg->ops->price(sess->reg->impl, o->domain,
                                  xfer    ? REG_PRICE_TRANSFER
                                  : renew ? REG_PRICE_RENEWAL
                                          : REG_PRICE_NEW,
                                  (int)period, &rp, &err) < 0 ||
            rp.price < 0)
            goto fail;
        price = rp.price;
    }
    /* a premium name's price is its own: recorded on the operation, never
     * kept as the TLD's cost (which the wholesale rule and the next
     * orders read) */
    x = (struct cost_tx){o, type, period, price, now, fresh && !rp.premium};
    if (store_tx(app->st, STORE_TX_WRITE, cost_fn, &x, &err) >= 0)
        return;
fail:
    rm_log(LOG_WARN, "op %" PRId64 ": registrar cost unknown: %s", o->id,
           err.msg);
}

/* run - new → sending → the send → settle. */
int op_run(struct app *app, struct conn_session *sess, int64_t op_id,
           const struct send_req *q, struct ops_result *res, struct rm_err *err)
{
    struct reg_op_result r;
    struct op_row o;
    int rc, attempts = 0;

    if ((rc = op_load(app, op_id, &o, err)) < 0)
        return rc;
    if ((rc = move_to_sending(app, &o, err)) < 0)
        return rc;
    app_crash_point("after_sending");
    send(app, sess, &o, q, &r, &attempts);
    app_crash_point("after_answer");
    rm_log(LOG_INFO, "op %" PRId64 ": registrar: %s (%d %s)", o.id,
           reg_op_state_name(r.state), r.reply.code, r.reply.text);
    if ((rc = settle(app, sess, &o, &r, attempts, err)) < 0)
        return rc;
    /* what the registrar charges, for whatever it may complete */
    if (r.state == REG_OP_DONE || r.state == REG_OP_PENDING ||
        (r.state == REG_OP_FAILED && r.order_id[0]))
        record_cost(app, sess, &o, r.reply.delivery == REG_ANSWERED);
    rc = op_reload(app, op_id, res, err);
    if (rc >= 0)
        res->attempts = attempts;
    return rc;
}

void op_target_of(const struct op_row *o, struct ops_target *t)
{
    memset(t, 0, sizeof *t);
    t->id = o->id;
    t->connection_id = o->connection_id;
    t->expiry_year = o->expiry_year;
    t->deadline_at = o->deadline_at;
    t->kind = o->kind;
    snprintf(t->domain, sizeof t->domain, "%s", o->domain);
    snprintf(t->order_id, sizeof t->order_id, "%s", o->order_id);
    snprintf(t->queue_id, sizeof t->queue_id, "%s", o->queue_id);
}

int ops_check(struct app *app, int64_t op_id, struct ops_result *res,
              struct rm_err *err)
{
    struct conn_session sess;
    struct ops_target t;
    struct ops_poll p;
    int rc;

    memset(res, 0, sizeof *res);
    if ((rc = ops_target_get(app, op_id, &t, err)) < 0)
        return rc;
    if (rc != OPS_PENDING)
        return op_reload(app, op_id, res, err);
    if ((rc = conn_session_open(app, t.connection_id, &sess, err)) < 0)
        return rc;
    sess.op_id = op_id;
    ops_poll_run(sess.reg, &t, clock_now(), &p);
    conn_session_close(&sess);
    rm_log(LOG_INFO, "op %" PRId64 ": check: %s (%s)", op_id,
           ops_verdict_name(p.verdict), p.answer);
    return ops_poll_apply(app, op_id, &p, res, err);
}

/* --- admin actions: reset and cancel ---------------------------------------
 */

struct reset_tx {
    struct app *app;
    int64_t op_id, now;
    int64_t deadline; /* out */
};

static int reset_fn(struct store *st, void *arg, struct rm_err *err)
{
    static const char sql[] =
        "UPDATE operations SET deadline_at = ?, next_check_at = ? WHERE id "
        "= ? AND state = 'pending'";
    struct reset_tx *x = arg;
    struct store_stmt *s;
    struct windows w;
    struct op_row o;
    int rc;

    if ((rc = op_load(x->app, x->op_id, &o, err)) < 0)
        return rc;
    if (o.state != OPS_ST_PENDING)
        return rm_err_set(err, RM_EREFUSED,
                          "op %" PRId64 " is %s; only pending operations reset",
                          x->op_id, ops_state_name(o.state));
    if ((rc = op_windows_for(x->app, &o, &w, err)) < 0)
        return rc;
    x->deadline =
        x->now + (o.kind == OPS_K_TRANSFER ? w.deadline_xfer : w.deadline_reg);
    if ((rc = store_prepare(st, sql, &s, err)) < 0)
        return rc;
    store_bind_int64(s, 1, x->deadline);
    store_bind_int64(s, 2, x->now); /* "check soon": due at the next sweep */
    store_bind_int64(s, 3, x->op_id);
    rc = store_step(s, err);
    store_stmt_release(s);
    return rc < 0 ? rc : 0;
}

int ops_reset(struct app *app, int64_t op_id, struct ops_result *res,
              struct rm_err *err)
{
    struct reset_tx x = {app, op_id, clock_now(), 0};
    int rc;

    memset(res, 0, sizeof *res);
    if ((rc = store_tx(app->st, STORE_TX_WRITE, reset_fn, &x, err)) < 0)
        return rc;
    rm_log(LOG_INFO, "op %" PRId64 ": reset: deadline %" PRId64, op_id,
           x.deadline);
    return op_reload(app, op_id, res, err);
}

int ops_cancel(struct app *app, int64_t op_id, const char *why,
               struct ops_result *res, char *registrar_answer, size_t ran,
               struct rm_err *err)
{
    struct conn_session sess;
    struct ops_target t;
    struct ops_poll p;
    struct move_fields f = {0};
    struct rm_err cerr;
    struct op_row o;
    char reason[REG_TEXT_MAX + OPS_STOP_MAX + 128];
    int64_t now;
    int rc;

    memset(res, 0, sizeof *res);
    if ((rc = op_load(app, op_id, &o, err)) < 0)
        return rc;
    if (o.state != OPS_ST_PENDING)
        return rm_err_set(err, RM_EREFUSED,
                          "op %" PRId64 " is %s; only pending operations "
                          "can be cancelled",
                          op_id, ops_state_name(o.state));
    /* Rule 9: at the registrar first. */
    memset(&p, 0, sizeof p);
    p.verdict = OPS_V_WAIT;
    op_target_of(&o, &t);
    if ((rc = conn_session_open(app, o.connection_id, &sess, &cerr)) < 0) {
        p.stop = OPS_STOP_UNKNOWN;
        snprintf(p.stop_answer, sizeof p.stop_answer,
                 "the registrar could not be asked: %.300s", cerr.msg);
    } else {
        sess.op_id = op_id;
        ops_stop_run(sess.reg, &t, &p);
        conn_session_close(&sess);
    }
    rm_log(LOG_INFO, "op %" PRId64 ": cancel at the registrar: %s (%s)", op_id,
           ops_stop_name(p.stop), p.stop_answer);
    if (registrar_answer)
        snprintf(registrar_answer, ran, "%s", p.stop_answer);
    f.last_answer = p.stop_answer;
    f.stop_answer = p.stop_answer;
    /* reload: the row may have moved while the registrar was asked */
    if ((rc = op_load(app, op_id, &o, err)) < 0)
        return rc;
    if (o.state != OPS_ST_PENDING)
        return rm_err_set(err, RM_EREFUSED,
                          "op %" PRId64 " became %s meanwhile", op_id,
                          ops_state_name(o.state));
    if (p.verdict == OPS_V_DONE && ops_kind_renews(o.kind)) {
        bool taken;
        if ((rc = ops_renewal_taken(app, o.domain_id, o.id, o.expiry_year,
                                    &taken, err)) < 0)
            return rc;
        if (taken)
            p.verdict = OPS_V_WAIT; /* O5: that year is another's */
    }
    if (p.verdict == OPS_V_DONE) {
        /* too late: the registrar completed it, so it is the customer's */
        snprintf(reason, sizeof reason,
                 "not cancelled: the registrar had already completed it");
        f.reason = reason;
        if ((rc = op_finish(app, &o, OPS_ST_SUCCEEDED, &f, p.expiry, NULL,
                            err)) < 0)
            return rc;
        return op_reload(app, op_id, res, err);
    }
    snprintf(reason, sizeof reason, "cancelled by the admin%s%s; registrar: %s",
             why && *why ? ": " : "", why ? why : "",
             o.kind == OPS_K_PRIVACY
                 ? "nothing to stop (WHOIS privacy stays as the registrar "
                   "holds it)"
             : ops_stop_watch(p.stop) ? "did not confirm the cancel (watched)"
                                      : "order cancelled");
    f.reason = reason;
    now = clock_now();
    if ((rc = op_watch_fields(app, &o, &p, now, &f, err)) < 0)
        return rc;
    if ((rc = op_finish(app, &o, OPS_ST_CANCELLED, &f, 0, NULL, err)) < 0)
        return rc;
    return op_reload(app, op_id, res, err);
}

/* --- recovery --------------------------------------------------------------
 */

int ops_recover(struct app *app, int *n, struct rm_err *err)
{
    static const char sql[] =
        "SELECT id, state, COALESCE(lease_owner, ''), "
        "COALESCE(lease_expires_at, 0) FROM operations WHERE state IN "
        "('new', 'sending') ORDER BY id";
    struct store_stmt *s;
    int64_t ids[256];
    size_t nids = 0;
    int64_t now = clock_now();
    int rc;

    *n = 0;
    if ((rc = store_prepare(app->st, sql, &s, err)) < 0)
        return rc;
    while (nids < 256 && (rc = store_step(s, err)) == STORE_ROW)
        if (!app_lease_live(app, store_col_text(s, 2), store_col_int64(s, 3),
                            now))
            ids[nids++] = store_col_int64(s, 0);
    store_stmt_release(s);
    if (rc < 0)
        return rc;
    for (size_t i = 0; i < nids; i++) {
        struct op_row o;
        struct move_fields f = {0};
        struct windows w;
        struct ops_result res;
        if ((rc = op_load(app, ids[i], &o, err)) < 0)
            return rc;
        if (o.state == OPS_ST_NEW) {
            f.reason = "never sent: the process stopped before sending";
            rc = op_finish(app, &o, OPS_ST_FAILED, &f, 0, NULL, err);
        } else if (o.state == OPS_ST_SENDING) {
            /* Rule 2: never resend; find out with read-only calls. */
            if ((rc = op_windows_for(app, &o, &w, err)) < 0)
                return rc;
            f.reason = "transport: outcome unknown, the process stopped "
                       "while sending";
            f.next_check_at = now;
            f.deadline_at = now + (o.kind == OPS_K_TRANSFER ? w.deadline_xfer
                                                            : w.deadline_reg);
            rc = op_finish(app, &o, OPS_ST_PENDING, &f, 0, NULL, err);
            if (rc == 0) {
                struct rm_err cerr;
                if (ops_check(app, o.id, &res, &cerr) < 0)
                    rm_log(LOG_WARN, "op %" PRId64 ": check: %s", o.id,
                           cerr.msg);
            }
        } else {
            continue; /* moved meanwhile by its owner */
        }
        if (rc < 0)
            return rc;
        rm_log(LOG_WARN, "op %" PRId64 ": recovered from %s", ids[i],
               o.state == OPS_ST_FAILED ? "new" : "sending");
        (*n)++;
    }
    return 0;
}
