/*
 * watch - watched operations and late completions (contract in watch.h).
 */
#include "core/watch.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/account.h"
#include "core/conn.h"
#include "core/ledger.h"
#include "core/money.h"
#include "core/ops.h"
#include "mail/template.h"
#include "util/clock.h"
#include "util/log.h"
#include "util/xalloc.h"
#include "core/outbox.h"

/* The facts of a watched or late operation. */
struct wrow {
    int64_t id, domain_id, account_id, connection_id, term, amount;
    int64_t watch_until, held_domain_id, expiry_year;
    enum ops_kind kind;
    enum ops_state state;
    char watch[16], stop_state[16];
    char domain[NAME_MAX_ASCII + 1], unicode[NAME_MAX_INPUT + 1];
    char tld[NAME_MAX_ASCII + 1], order_id[REG_ID_MAX];
    char account[128];
};

static void cpy(char *dst, size_t n, struct store_stmt *s, int col)
{
    const char *t = store_col_text(s, col);
    snprintf(dst, n, "%s", t ? t : "");
}

static int wrow_load(struct app *app, int64_t id, struct wrow *w,
                     struct rm_err *err)
{
    static const char sql[] =
        "SELECT o.id, o.domain_id, o.account_id, o.connection_id, o.term, "
        "o.amount, COALESCE(o.watch_until, 0), COALESCE(o.held_domain_id, 0), "
        "COALESCE(o.expiry_year, 0), o.kind, o.state, COALESCE(o.watch, ''), "
        "d.name, d.unicode_name, d.tld, COALESCE(o.registrar_order_id, ''), "
        "a.name, COALESCE(o.stop_state, '') FROM operations o JOIN domains "
        "d ON d.id = o.domain_id "
        "JOIN accounts a ON a.id = o.account_id WHERE o.id = ?";
    struct store_stmt *s;
    int rc;

    if ((rc = store_prepare(app->st, sql, &s, err)) < 0)
        return rc;
    store_bind_int64(s, 1, id);
    rc = store_step(s, err);
    if (rc == STORE_ROW) {
        memset(w, 0, sizeof *w);
        w->id = store_col_int64(s, 0);
        w->domain_id = store_col_int64(s, 1);
        w->account_id = store_col_int64(s, 2);
        w->connection_id = store_col_int64(s, 3);
        w->term = store_col_int64(s, 4);
        w->amount = store_col_int64(s, 5);
        w->watch_until = store_col_int64(s, 6);
        w->held_domain_id = store_col_int64(s, 7);
        w->expiry_year = store_col_int64(s, 8);
        if (ops_kind_parse(store_col_text(s, 9), &w->kind) < 0 ||
            ops_state_parse(store_col_text(s, 10), &w->state) < 0) {
            rc = rm_err_set(err, RM_EINTERNAL,
                            "op %" PRId64 ": unknown kind %s or state %s", id,
                            store_col_text(s, 9), store_col_text(s, 10));
            store_stmt_release(s);
            return rc;
        }
        cpy(w->watch, sizeof w->watch, s, 11);
        cpy(w->domain, sizeof w->domain, s, 12);
        cpy(w->unicode, sizeof w->unicode, s, 13);
        cpy(w->tld, sizeof w->tld, s, 14);
        cpy(w->order_id, sizeof w->order_id, s, 15);
        cpy(w->account, sizeof w->account, s, 16);
        cpy(w->stop_state, sizeof w->stop_state, s, 17);
        if (!w->unicode[0])
            snprintf(w->unicode, sizeof w->unicode, "%s", w->domain);
        rc = 0;
    } else if (rc == STORE_DONE) {
        rc = rm_err_set(err, RM_ENOTFOUND, "unknown operation %" PRId64, id);
    }
    store_stmt_release(s);
    return rc;
}

static int exec1(struct app *app, const char *sql, const int64_t *iv, size_t ni,
                 const char *const *tv, size_t nt, struct rm_err *err)
{
    struct store_stmt *s;
    int rc;

    /* binds the texts first, then the integers */
    if ((rc = store_prepare(app->st, sql, &s, err)) < 0)
        return rc;
    for (size_t i = 0; i < nt; i++)
        store_bind_text(s, (int)(i + 1), tv[i]);
    for (size_t i = 0; i < ni; i++)
        store_bind_int64(s, (int)(nt + i + 1), iv[i]);
    rc = store_step(s, err);
    store_stmt_release(s);
    return rc < 0 ? rc : 0;
}

/* held_account - the provider's own account: late completions are
 * recorded under it, never under the refunded customer. Its name cannot
 * be taken by a customer (account names have no ':'). */
static int held_account(struct app *app, int64_t *id, struct rm_err *err)
{
    static const char sql[] = "SELECT id FROM accounts WHERE name = ?";
    struct store_stmt *s;
    int rc;

    *id = 0;
    if ((rc = store_prepare(app->st, sql, &s, err)) < 0)
        return rc;
    store_bind_text(s, 1, WATCH_HELD_ACCOUNT);
    if ((rc = store_step(s, err)) == STORE_ROW)
        *id = store_col_int64(s, 0);
    store_stmt_release(s);
    if (rc < 0 || *id)
        return rc < 0 ? rc : 0;
    /* made with the first late completion, inside its transaction */
    if ((rc = store_prepare(app->st,
                            "INSERT INTO accounts (name, kind, created_at) "
                            "VALUES (?, 'customer', ?) RETURNING id",
                            &s, err)) < 0)
        return rc;
    store_bind_text(s, 1, WATCH_HELD_ACCOUNT);
    store_bind_int64(s, 2, clock_now());
    if ((rc = store_step(s, err)) == STORE_ROW)
        *id = store_col_int64(s, 0);
    store_stmt_release(s);
    return rc < 0 ? rc : 0;
}

static void ymd(int64_t t, char *buf, size_t n)
{
    char full[32];
    clock_format(t, full, sizeof full);
    snprintf(buf, n, "%.10s", full);
}

/* late_mail - the admin's alert, in the late move's transaction. */
static int late_mail(struct app *app, const struct wrow *w, int64_t expires,
                     const char *held_by, int64_t now, struct rm_err *err)
{
    const struct mail_config *mc = &app->set.mail;
    char key[64], opid[24], exp[32];
    const char *what = w->kind == OPS_K_TRANSFER  ? "transfer"
                       : w->kind == OPS_K_RENEW   ? "renewal"
                       : w->kind == OPS_K_RESTORE ? "restore"
                                                  : "registration";

    if (!mc->from || !mc->admin) {
        rm_log(LOG_WARN,
               "op %" PRId64 ": late completion alert not mailed: no [mail] "
               "from/admin address",
               w->id);
        return 0;
    }
    snprintf(key, sizeof key, "op:%" PRId64 ":late", w->id);
    snprintf(opid, sizeof opid, "%" PRId64, w->id);
    if (expires > 0)
        ymd(expires, exp, sizeof exp);
    else
        snprintf(exp, sizeof exp, "(unknown)");
    const struct tmpl_var vars[] = {
        {"domain", w->unicode},   {"operation", what},  {"operation_id", opid},
        {"customer", w->account}, {"held_by", held_by}, {"expires", exp},
    };
    return outbox_queue_template(app->st, mc, key, mc->admin, "admin_late",
                                 vars, sizeof vars / sizeof vars[0], now, NULL,
                                 err);
}

/* What apply's unit of work needs: q and stop as the check left them, so
 * a re-run starts from the same facts; w and outcome are its results. */
struct apply_tx {
    struct app *app;
    int64_t op_id;
    struct ops_poll q0;
    const struct ops_poll *stop0;
    struct wrow w;
    int *outcome;
};

/* apply_fn - record what a watch check learned. */
static int apply_fn(struct store *st, void *arg, struct rm_err *err)
{
    static const char sql_note[] =
        "UPDATE operations SET last_answer = ?, last_check_at = ?, "
        "watch_checks = watch_checks + 1, watch_next_at = ? WHERE id = ? AND "
        "watch = 'watching'";
    static const char sql_end[] =
        "UPDATE operations SET watch = ?, last_answer = ?, last_check_at = ?, "
        "watch_checks = watch_checks + 1, watch_next_at = NULL, late_at = ?, "
        "held_domain_id = ? WHERE id = ? AND watch = 'watching'";
    static const char sql_held[] =
        "INSERT INTO domains (name, unicode_name, tld, account_id, "
        "connection_id, status, expires_at, auto_renew, registrar_order_id, "
        "created_at, updated_at) VALUES (?, ?, ?, ?, ?, 'active', ?, 0, ?, ?, "
        "?) RETURNING id";
    struct apply_tx *x = arg;
    struct app *app = x->app;
    int64_t op_id = x->op_id;
    struct store_stmt *s;
    struct wrow w;
    struct conn c;
    int64_t now = clock_now(), held = 0, other = 0, held_acc;
    const char *end = NULL;
    char answer[OPS_ANSWER_MAX + OPS_STOP_MAX + 160];
    int rc;

    struct ops_poll q = x->q0;
    const struct ops_poll *p = &q, *stop = x->stop0;
    bool taken = false;

    (void)st;
    *x->outcome = 0;
    snprintf(answer, sizeof answer, "watch: %.900s%s%.300s", p->answer,
             stop ? "; stop: " : "", stop ? stop->stop_answer : "");
    /* D10: take the operation's row before reading it. Two sweeps (a
     * node's and `regman async sweep`) may check the same operation at
     * once; on PostgreSQL the second waits here for the first to commit
     * and then reads its outcome, instead of recording a second held
     * domain (which the live-name index refuses). */
    {
        const int64_t iv[] = {op_id};
        if ((rc = exec1(app,
                        "UPDATE operations SET watch = watch WHERE id = ? "
                        "AND watch = 'watching'",
                        iv, 1, NULL, 0, err)) < 0)
            return rc;
    }
    if ((rc = wrow_load(app, op_id, &w, err)) < 0)
        return rc;
    x->w = w;
    if (strcmp(w.watch, "watching") != 0)
        return 0; /* ended meanwhile */
    if (!stop && q.stop != OPS_STOP_NONE)
        stop = &q; /* the check asked a stop itself (a failed queued
                    * request whose order stayed pending) */
    if (stop && stop->stop != OPS_STOP_NONE) {
        const char *tv[] = {ops_stop_word(stop->stop), stop->stop_answer};
        const int64_t iv[] = {op_id};
        if ((rc = exec1(app,
                        "UPDATE operations SET stop_state = ?, stop_answer = "
                        "? WHERE id = ?",
                        iv, 1, tv, 2, err)) < 0)
            return rc;
    }
    /* O5 with rule 9: a moved expiry year another renewal already
     * accounts for is not this renewal's */
    if (q.verdict == OPS_V_DONE && ops_kind_renews(w.kind) &&
        (rc = ops_renewal_taken(app, w.domain_id, w.id, w.expiry_year, &taken,
                                err)) < 0)
        return rc;
    if (taken)
        q.verdict = OPS_V_WAIT;
    if (p->verdict == OPS_V_DONE) {
        if (ops_kind_renews(w.kind)) {
            /* the customer's domain lives on: the registrar's expiry */
            const int64_t iv[] = {p->expiry, p->expiry, now, w.domain_id};
            if (p->expiry > 0 &&
                (rc = exec1(app,
                            "UPDATE domains SET expires_at = ?, status = "
                            "CASE WHEN status IN ('expired', 'redemption', "
                            "'pending_delete') AND ? > 0 THEN "
                            "'active' ELSE status END, updated_at = ? WHERE "
                            "id = ?",
                            iv, 4, NULL, 0, err)) < 0)
                return rc;
            end = "late";
            if ((rc = late_mail(app, &w, p->expiry, w.account, now, err)) < 0)
                return rc;
        } else if ((rc = ops_live_domain(app, w.domain, &other, err)) < 0) {
            return rc;
        } else if (other) {
            /* the name is ours through another record (a later order, an
             * import): this order cannot have completed as well */
            end = "ended";
            snprintf(answer, sizeof answer,
                     "watch: the name is ours through domain row %" PRId64
                     "; %.1000s",
                     other, p->answer);
        } else {
            if ((rc = held_account(app, &held_acc, err)) < 0)
                return rc;
            if ((rc = store_prepare(app->st, sql_held, &s, err)) < 0)
                return rc;
            store_bind_text(s, 1, w.domain);
            store_bind_text(s, 2, w.unicode);
            store_bind_text(s, 3, w.tld);
            store_bind_int64(s, 4, held_acc);
            store_bind_int64(s, 5, w.connection_id);
            if (p->expiry > 0)
                store_bind_int64(s, 6, p->expiry);
            else
                store_bind_null(s, 6);
            store_bind_text(s, 7, w.order_id[0] ? w.order_id : NULL);
            store_bind_int64(s, 8, now);
            store_bind_int64(s, 9, now);
            if ((rc = store_step(s, err)) == STORE_ROW)
                held = store_col_int64(s, 0);
            store_stmt_release(s);
            if (rc < 0)
                return rc;
            end = "late";
            if ((rc = late_mail(app, &w, p->expiry, WATCH_HELD_ACCOUNT, now,
                                err)) < 0)
                return rc;
        }
    } else if (p->verdict == OPS_V_NO &&
               !(q.stop != OPS_STOP_NONE && ops_stop_watch(q.stop))) {
        end = "ended"; /* declined or cancelled there, nothing left open */
    }
    if (end) {
        if ((rc = store_prepare(app->st, sql_end, &s, err)) < 0)
            return rc;
        store_bind_text(s, 1, end);
        store_bind_text(s, 2, answer);
        store_bind_int64(s, 3, now);
        if (strcmp(end, "late") == 0)
            store_bind_int64(s, 4, now);
        else
            store_bind_null(s, 4);
        if (held)
            store_bind_int64(s, 5, held);
        else
            store_bind_null(s, 5);
        store_bind_int64(s, 6, op_id);
        rc = store_step(s, err);
        store_stmt_release(s);
        if (rc < 0)
            return rc;
        *x->outcome = strcmp(end, "late") == 0 ? 1 : 2;
        rm_log(strcmp(end, "late") == 0 ? LOG_WARN : LOG_INFO,
               "op %" PRId64 ": watch: %s (%s)", op_id,
               strcmp(end, "late") == 0 ? "LATE COMPLETION at the registrar"
                                        : "ended",
               p->answer);
        snprintf(w.watch, sizeof w.watch, "%s", end);
    } else {
        int64_t poll = 3600;
        if (conn_get_id(app, w.connection_id, &c, err) == 0) {
            poll = c.poll_interval_s;
            conn_release(&c);
        }
        if ((rc = store_prepare(app->st, sql_note, &s, err)) < 0)
            return rc;
        store_bind_text(s, 1, answer);
        store_bind_int64(s, 2, now);
        /* past OPS_WATCH_DAYS the registrar has said nothing for a
         * month: still followed, once a day */
        store_bind_int64(s, 3,
                         now + (w.watch_until && now >= w.watch_until
                                    ? 86400
                                    : OPS_WATCH_CADENCE * poll));
        store_bind_int64(s, 4, op_id);
        rc = store_step(s, err);
        store_stmt_release(s);
        if (rc < 0)
            return rc;
    }
    x->w = w;
    return 0;
}

/* apply - record what a watch check learned, one transaction. */
static int apply(struct app *app, int64_t op_id, const struct ops_poll *pp,
                 const struct ops_poll *stop, char *watch, size_t wn,
                 int *outcome, struct rm_err *err)
{
    struct apply_tx x = {.app = app,
                         .op_id = op_id,
                         .q0 = *pp,
                         .stop0 = stop,
                         .outcome = outcome};
    struct ops_poll *q = &x.q0;
    int rc;

    *outcome = 0;
    /* a stop asked again (its first answer was lost) decides first */
    if (stop && stop->verdict == OPS_V_DONE) {
        q->verdict = OPS_V_DONE;
        q->expiry = stop->expiry;
    } else if (stop && stop->stop == OPS_STOP_STOPPED) {
        q->verdict = OPS_V_NO;
    }
    rc = store_tx(app->st, STORE_TX_WRITE, apply_fn, &x, err);
    if (watch)
        snprintf(watch, wn, "%s", x.w.watch);
    return rc < 0 ? rc : 0;
}

/* check_one - one watch check; *outcome 1 late, 2 ended, 0 otherwise, 3
 * when the operation was no longer watched (quiet: another sweep or an
 * admin got there first; else RM_EREFUSED). */
static int check_one(struct app *app, int64_t op_id, bool quiet, char *watch,
                     size_t wn, int *outcome, struct rm_err *err)
{
    struct conn_session sess;
    struct ops_target t;
    struct ops_poll p, sp;
    struct wrow w;
    bool restop;
    int rc;

    *outcome = 0;
    if ((rc = wrow_load(app, op_id, &w, err)) < 0)
        return rc;
    if (strcmp(w.watch, "watching") != 0) {
        if (watch)
            snprintf(watch, wn, "%s", w.watch);
        *outcome = 3;
        if (quiet)
            return 0;
        return rm_err_set(err, RM_EREFUSED,
                          "op %" PRId64 " is not watched (%s)", op_id,
                          w.watch[0] ? w.watch : "never was");
    }
    if ((rc = ops_target_get(app, op_id, &t, err)) < 0)
        return rc;
    t.deadline_at = 0; /* never "final": a watch check reads ... */
    /* ... except that a stop whose answer was lost is asked again */
    restop = strcmp(w.stop_state, "unknown") == 0 &&
             (t.kind == OPS_K_TRANSFER || t.order_id[0]);
    if ((rc = conn_session_open(app, t.connection_id, &sess, err)) < 0)
        return rc;
    sess.op_id = op_id;
    memset(&sp, 0, sizeof sp);
    sp.verdict = OPS_V_WAIT;
    if (restop)
        ops_stop_run(sess.reg, &t, &sp);
    ops_poll_run(sess.reg, &t, clock_now(), &p);
    conn_session_close(&sess);
    return apply(app, op_id, &p, restop ? &sp : NULL, watch, wn, outcome, err);
}

int watch_check(struct app *app, int64_t op_id, char *watch, size_t n,
                struct rm_err *err)
{
    int outcome;
    return check_one(app, op_id, false, watch, n, &outcome, err);
}

int watch_sweep(struct app *app, struct watch_stats *st, struct rm_err *err)
{
    static const char sql[] =
        "SELECT id FROM operations WHERE watch = 'watching' AND "
        "watch_next_at <= ? AND id > ? ORDER BY id LIMIT 256";
    int64_t now = clock_now(), after = 0;
    int rc;

    memset(st, 0, sizeof *st);
    for (;;) {
        struct store_stmt *s;
        int64_t ids[256];
        size_t n = 0;
        if ((rc = store_prepare(app->st, sql, &s, err)) < 0)
            return rc;
        store_bind_int64(s, 1, now);
        store_bind_int64(s, 2, after);
        while (n < 256 && (rc = store_step(s, err)) == STORE_ROW)
            ids[n++] = store_col_int64(s, 0);
        store_stmt_release(s);
        if (rc < 0)
            return rc;
        for (size_t i = 0; i < n; i++) {
            struct rm_err e;
            int outcome;
            st->checked++;
            if (check_one(app, ids[i], true, NULL, 0, &outcome, &e) < 0) {
                st->errors++;
                rm_log(LOG_ERROR, "op %" PRId64 ": watch: %s", ids[i], e.msg);
                continue;
            }
            st->late += outcome == 1;
            st->ended += outcome == 2;
        }
        if (n < 256)
            break;
        after = ids[n - 1];
    }
    if (st->checked)
        rm_log(LOG_INFO, "async: watched checked=%d late=%d ended=%d errors=%d",
               st->checked, st->late, st->ended, st->errors);
    return 0;
}

int watch_action_parse(const char *s, enum watch_action *a, struct rm_err *err)
{
    static const char *const names[] = {"assign", "revoke", "expire", "absorb"};
    for (int i = 0; i < 4; i++)
        if (s && strcmp(s, names[i]) == 0) {
            *a = (enum watch_action)i;
            return 0;
        }
    return rm_err_set(err, RM_EINVAL,
                      "action \"%.40s\": use assign, revoke, expire or absorb",
                      s ? s : "");
}

/* assign - the customer takes the late domain and pays again. */
static int assign(struct app *app, const struct wrow *w, int64_t *new_op,
                  struct rm_err *err)
{
    static const char sql_op[] =
        "INSERT INTO operations (kind, domain_id, account_id, connection_id, "
        "state, term, amount, created_at, sent_at, finished_at, "
        "registrar_order_id, pending_reason, idempotency_key, actor) VALUES "
        "(?, ?, ?, ?, 'succeeded', ?, ?, ?, ?, ?, ?, ?, ?, 'admin') RETURNING "
        "id";
    struct store_stmt *s;
    struct account a;
    char key[64], why[128];
    int64_t now = clock_now(),
            dom = ops_kind_renews(w->kind) ? w->domain_id : w->held_domain_id;
    int rc;

    if ((rc = account_get_id(app, w->account_id, &a, err)) < 0)
        return rc;
    if ((rc = ledger_check_funds(app->st, w->account_id, w->amount, err)) < 0)
        return rm_err_set(err, RM_EREFUSED,
                          "account %s cannot pay %" PRId64
                          " (minor units) again: %s",
                          w->account, w->amount, err->msg);
    snprintf(key, sizeof key, "late:%" PRId64 ":assign", w->id);
    snprintf(why, sizeof why,
             "late completion of operation %" PRId64 " assigned by the admin",
             w->id);
    if ((rc = store_prepare(app->st, sql_op, &s, err)) < 0)
        return rc;
    store_bind_text(s, 1, ops_kind_name(w->kind));
    store_bind_int64(s, 2, dom);
    store_bind_int64(s, 3, w->account_id);
    store_bind_int64(s, 4, w->connection_id);
    store_bind_int64(s, 5, w->term);
    store_bind_int64(s, 6, w->amount);
    store_bind_int64(s, 7, now);
    store_bind_int64(s, 8, now);
    store_bind_int64(s, 9, now);
    store_bind_text(s, 10, w->order_id[0] ? w->order_id : NULL);
    store_bind_text(s, 11, why);
    store_bind_text(s, 12, key);
    rc = store_step(s, err);
    if (rc == STORE_ROW)
        *new_op = store_col_int64(s, 0);
    store_stmt_release(s);
    if (rc < 0)
        return rc;
    if ((rc = ledger_charge(app->st, *new_op, now, err)) < 0)
        return rc;
    if (!ops_kind_renews(w->kind)) {
        const int64_t iv[] = {w->account_id, a.auto_renew ? 1 : 0, now, dom};
        if ((rc = exec1(app,
                        "UPDATE domains SET account_id = ?, auto_renew = ?, "
                        "updated_at = ? WHERE id = ?",
                        iv, 4, NULL, 0, err)) < 0)
            return rc;
    }
    /* the customer's mail */
    if (app->set.mail.from && a.email[0]) {
        char mkey[64], amount[MONEY_STR_MAX + 16], m1[MONEY_STR_MAX], opid[24];
        snprintf(mkey, sizeof mkey, "op:%" PRId64 ":assigned", w->id);
        snprintf(amount, sizeof amount, "%s %s", money_format(w->amount, m1),
                 app->set.currency);
        snprintf(opid, sizeof opid, "%" PRId64, *new_op);
        const struct tmpl_var vars[] = {
            {"customer", a.name},
            {"domain", w->unicode},
            {"operation", w->kind == OPS_K_TRANSFER  ? "transfer"
                          : w->kind == OPS_K_RENEW   ? "renewal"
                          : w->kind == OPS_K_RESTORE ? "restore"
                                                     : "registration"},
            {"amount", amount},
            {"operation_id", opid},
        };
        if ((rc = outbox_queue_template(
                 app->st, &app->set.mail, mkey, a.email, "late_assigned", vars,
                 sizeof vars / sizeof vars[0], now, NULL, err)) < 0)
            return rc;
    }
    return 0;
}

static const char *const resolve_to[] = {"assigned", "revoked", "expiring",
                                         "absorbed"};

struct resolve_tx {
    struct app *app;
    int64_t op_id, now;
    enum watch_action act;
    int64_t *new_op;
};

/* resolve_fn - the admin's decision on a late completion, recorded. */
static int resolve_fn(struct store *st, void *arg, struct rm_err *err)
{
    struct resolve_tx *x = arg;
    struct app *app = x->app;
    int64_t op_id = x->op_id, now = x->now, *new_op = x->new_op;
    enum watch_action act = x->act;
    const char *const *to = resolve_to;
    struct wrow w;
    int rc;

    (void)st;
    *new_op = 0;
    if ((rc = wrow_load(app, op_id, &w, err)) < 0)
        return rc;
    if (strcmp(w.watch, "late") != 0) {
        return rm_err_set(err, RM_EREFUSED,
                          "op %" PRId64 " was decided meanwhile (%s)", op_id,
                          w.watch);
    }
    if (act == WATCH_ASSIGN) {
        if ((rc = assign(app, &w, new_op, err)) < 0)
            return rc;
    } else if (act == WATCH_REVOKE && w.held_domain_id) {
        const int64_t iv[] = {now, w.held_domain_id};
        if ((rc = exec1(app,
                        "UPDATE domains SET status = 'cancelled', "
                        "updated_at = ? WHERE id = ?",
                        iv, 2, NULL, 0, err)) < 0)
            return rc;
    } else if (act == WATCH_EXPIRE && w.held_domain_id) {
        const int64_t iv[] = {now, w.held_domain_id};
        if ((rc = exec1(app,
                        "UPDATE domains SET auto_renew = 0, updated_at = ? "
                        "WHERE id = ?",
                        iv, 2, NULL, 0, err)) < 0)
            return rc;
    }
    {
        const char *tv[] = {to[act]};
        const int64_t iv[] = {now, *new_op, op_id};
        struct store_stmt *s;
        if ((rc = store_prepare(app->st,
                                "UPDATE operations SET watch = ?, resolved_at "
                                "= ?, resolved_op_id = CASE WHEN ? > 0 THEN ? "
                                "ELSE NULL END WHERE id = ? AND watch = "
                                "'late'",
                                &s, err)) < 0)
            return rc;
        store_bind_text(s, 1, tv[0]);
        store_bind_int64(s, 2, iv[0]);
        store_bind_int64(s, 3, iv[1]);
        store_bind_int64(s, 4, iv[1]);
        store_bind_int64(s, 5, iv[2]);
        rc = store_step(s, err);
        store_stmt_release(s);
        if (rc < 0)
            return rc;
    }
    return 0;
}

int watch_resolve(struct app *app, int64_t op_id, enum watch_action act,
                  int64_t *new_op, char *answer, size_t an, struct rm_err *err)
{
    struct wrow w;
    struct reg_op_result r;
    bool renew;
    int64_t now;
    int rc;

    *new_op = 0;
    if (answer && an)
        answer[0] = '\0';
    if ((rc = wrow_load(app, op_id, &w, err)) < 0)
        return rc;
    renew = ops_kind_renews(w.kind);
    if (strcmp(w.watch, "late") != 0)
        return rm_err_set(err, RM_EREFUSED,
                          "op %" PRId64 " is not a late completion (%s)", op_id,
                          w.watch[0] ? w.watch : "not watched");
    if ((renew && (act == WATCH_REVOKE || act == WATCH_EXPIRE)) ||
        (!renew && act == WATCH_ABSORB))
        return rm_err_set(
            err, RM_EREFUSED, "op %" PRId64 ": a late %s can be %s", op_id,
            ops_kind_name(w.kind),
            renew ? "assigned or absorbed" : "assigned, revoked or let expire");
    if (act == WATCH_REVOKE || act == WATCH_EXPIRE) {
        struct conn_session sess;
        char said[REG_TEXT_MAX + 32];
        if ((rc = conn_session_open(app, w.connection_id, &sess, err)) < 0)
            return rc;
        sess.op_id = op_id;
        memset(&r, 0, sizeof r);
        if (act == WATCH_REVOKE)
            sess.reg->ops->revoke(sess.reg->impl, w.domain, &r, err);
        else
            sess.reg->ops->set_expire_action(sess.reg->impl, w.domain, false,
                                             &r, err);
        conn_session_close(&sess);
        if (r.reply.delivery == REG_ANSWERED)
            snprintf(said, sizeof said, "%d %s", r.reply.code, r.reply.text);
        else
            snprintf(said, sizeof said, "%s", r.reply.text);
        if (answer)
            snprintf(answer, an, "%s", said);
        if (r.state != REG_OP_DONE)
            return rm_err_set(
                err, RM_EREFUSED, "the registrar did not %s %s: %s",
                act == WATCH_REVOKE ? "revoke" : "turn auto-renew off for",
                w.domain, said);
    }
    now = clock_now();
    struct resolve_tx x = {app, op_id, now, act, new_op};
    if ((rc = store_tx(app->st, STORE_TX_WRITE, resolve_fn, &x, err)) == 0)
        rm_log(LOG_INFO, "op %" PRId64 ": late completion %s%s", op_id,
               resolve_to[act], *new_op ? " (charged again)" : "");
    return rc < 0 ? rc : 0;
}

/* --- the exposure report ------------------------------------------------ */

struct reconcile_tx {
    int64_t since;
    struct reconcile_report *r;
};

/* reconcile_fn - the report's rows, read in one snapshot; a re-run
 * starts from an empty report. */
static int reconcile_fn(struct store *st, void *arg, struct rm_err *err)
{
    static const char sql[] =
        "SELECT o.id, d.name, a.name, o.kind, o.state, o.watch, o.amount, "
        "COALESCE(o.registrar_cost, -1), COALESCE(o.finished_at, 0), "
        "COALESCE(o.late_at, 0), COALESCE(o.stop_answer, '') FROM operations "
        "o JOIN domains d ON d.id = o.domain_id JOIN accounts a ON a.id = "
        "o.account_id WHERE o.watch IS NOT NULL AND o.watch <> 'ended' AND "
        "COALESCE(o.finished_at, 0) >= ? ORDER BY o.finished_at, o.id";
    struct reconcile_tx *rx = arg;
    struct reconcile_report *r = rx->r;
    struct store_stmt *s;
    size_t cap = 0;
    int rc;

    free(r->rows);
    memset(r, 0, sizeof *r);
    if ((rc = store_prepare(st, sql, &s, err)) < 0)
        return rc;
    store_bind_int64(s, 1, rx->since);
    while ((rc = store_step(s, err)) == STORE_ROW) {
        struct reconcile_row *x;
        if (r->n == cap) {
            cap = cap ? cap * 2 : 16;
            r->rows = xrealloc(r->rows, cap * sizeof *r->rows);
        }
        x = &r->rows[r->n++];
        memset(x, 0, sizeof *x);
        x->id = store_col_int64(s, 0);
        cpy(x->domain, sizeof x->domain, s, 1);
        cpy(x->account, sizeof x->account, s, 2);
        cpy(x->kind, sizeof x->kind, s, 3);
        cpy(x->state, sizeof x->state, s, 4);
        cpy(x->watch, sizeof x->watch, s, 5);
        x->amount = store_col_int64(s, 6);
        x->registrar_cost = store_col_int64(s, 7);
        x->finished_at = store_col_int64(s, 8);
        x->late_at = store_col_int64(s, 9);
        cpy(x->stop_answer, sizeof x->stop_answer, s, 10);
        int64_t cost = x->registrar_cost > 0 ? x->registrar_cost : 0;
        if (x->registrar_cost < 0)
            r->unknown_cost++;
        if (strcmp(x->watch, "watching") == 0)
            x->at_risk = cost;
        else if (strcmp(x->watch, "assigned") != 0)
            x->exposure = cost; /* late, revoked, expiring, absorbed */
        r->total_exposure += x->exposure;
        r->total_at_risk += x->at_risk;
    }
    store_stmt_release(s);
    return rc < 0 ? rc : 0;
}

int watch_reconcile(struct app *app, int64_t since, struct reconcile_report *r,
                    struct rm_err *err)
{
    struct reconcile_tx x = {since, r};
    int rc;

    memset(r, 0, sizeof *r);
    if ((rc = store_tx(app->st, STORE_TX_READ, reconcile_fn, &x, err)) < 0)
        watch_reconcile_free(r);
    return rc < 0 ? rc : 0;
}

void watch_reconcile_free(struct reconcile_report *r)
{
    free(r->rows);
    memset(r, 0, sizeof *r);
}
