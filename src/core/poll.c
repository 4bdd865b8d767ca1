/*
 * poll - the Async Manager's checks of pending operations (design section
 * 4 rules 5, 7 and 9): the read-only registrar calls of a poll, the
 * request to stop an order, and applying what a poll learned.
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
#include "core/events.h"
#include "core/ledger.h"
#include "core/money.h"
#include "core/tld.h"
#include "mail/mail.h"
#include "mail/template.h"
#include "util/buf.h"
#include "util/clock.h"
#include "util/log.h"
#include "util/xalloc.h"

/* --- checks of pending operations ---------------------------------------- */

/* Registrar calls of a poll, each counted. */
struct poller {
    struct registrar *reg;
    const struct ops_target *t;
    struct ops_poll *out;
};

static void before_call(struct poller *p)
{
    p->out->calls++;
}

static void note(struct ops_poll *out, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* note - append "; text" to the poll's answer (bounded). */
static void note(struct ops_poll *out, const char *fmt, ...)
{
    size_t len = strlen(out->answer);
    va_list ap;

    if (len + 3 >= sizeof out->answer)
        return;
    if (len) {
        memcpy(out->answer + len, "; ", 3);
        len += 2;
    }
    va_start(ap, fmt);
    vsnprintf(out->answer + len, sizeof out->answer - len, fmt, ap);
    va_end(ap);
}

/* poll_belongs - BELONGS_TO_RSP: 1 ours (*expiry set), 0 not, -1 no
 * usable answer. */
static int poll_belongs(struct poller *p, int64_t *expiry)
{
    struct reg_belongs b;
    struct rm_err err;

    memset(&b, 0, sizeof b);
    before_call(p);
    if (reg_belongs(p->reg, p->t->domain, &b, &err) < 0) {
        note(p->out, "BELONGS_TO_RSP: %s", err.msg);
        return -1;
    }
    note(p->out, "BELONGS_TO_RSP: %s", b.ours ? "ours" : "not ours");
    *expiry = (int64_t)b.expiry;
    return b.ours ? 1 : 0;
}

/* poll_expiry - GET DOMAIN: the registrar's expiry, 0 when unknown. */
static int64_t poll_expiry(struct poller *p)
{
    struct reg_domain_info info;
    struct rm_err err;

    memset(&info, 0, sizeof info);
    before_call(p);
    if (p->reg->ops->info(p->reg->impl, p->t->domain, &info, &err) < 0) {
        note(p->out, "GET DOMAIN: %s", err.msg);
        return 0;
    }
    note(p->out, "GET DOMAIN: expires %d", op_year_of((int64_t)info.expiry));
    return (int64_t)info.expiry;
}

/* done_with_expiry - the operation completed; learn the new expiry when
 * the answer so far did not carry it. */
static void done_with_expiry(struct poller *p, int64_t expiry)
{
    p->out->verdict = OPS_V_DONE;
    p->out->expiry = expiry ? expiry : poll_expiry(p);
}

static void poll_transfer(struct poller *p)
{
    struct reg_transfer_info ti;
    struct rm_err err;
    int64_t e = 0;

    memset(&ti, 0, sizeof ti);
    before_call(p);
    if (reg_transfer_status(p->reg, p->t->domain, &ti, &err) < 0) {
        note(p->out, "CHECK_TRANSFER: %s", err.msg);
        p->out->verdict = OPS_V_UNKNOWN;
        return;
    }
    snprintf(p->out->transfer_status, sizeof p->out->transfer_status, "%s",
             ti.status[0] ? ti.status : reg_transfer_state_name(ti.state));
    note(p->out, "CHECK_TRANSFER: %s%s%s", p->out->transfer_status,
         ti.reason[0] ? " " : "", ti.reason);
    if (ti.state == REG_XFER_COMPLETED) {
        /* the new expiry: BELONGS_TO_RSP carries it, else GET DOMAIN */
        if (poll_belongs(p, &e) != 1)
            e = 0;
        done_with_expiry(p, e);
    } else if (ti.state == REG_XFER_CANCELLED) {
        p->out->verdict = OPS_V_NO;
    } else {
        p->out->verdict = OPS_V_WAIT;
    }
}

static void poll_renew(struct poller *p)
{
    struct reg_order_info oi;
    struct rm_err err;
    int64_t e = poll_expiry(p);

    if (!e) {
        p->out->verdict = OPS_V_UNKNOWN;
        return;
    }
    /* O5: the renewal carried expiry_year; a later year means applied */
    if (op_year_of(e) > p->t->expiry_year) {
        p->out->verdict = OPS_V_DONE;
        p->out->expiry = e;
        return;
    }
    p->out->verdict = OPS_V_WAIT;
    if (p->out->final || !p->t->order_id[0])
        return;
    memset(&oi, 0, sizeof oi);
    before_call(p);
    if (reg_order_info(p->reg, p->t->order_id, &oi, &err) < 0) {
        note(p->out, "GET_ORDER_INFO: %s", err.msg);
        return;
    }
    note(p->out, "GET_ORDER_INFO: %s", oi.status);
    if (oi.state == REG_ORDER_DECLINED || oi.state == REG_ORDER_CANCELLED)
        p->out->verdict = OPS_V_NO;
}

/* poll_restore - a restore (REDEEM) is done when the registrar's expiry
 * year passes the one it restored (O5, as for a renewal: the registry
 * restores with a renewal year). A registrar that states the phase and
 * whether a restore is pending (opensrs-sim) also says "not taken": still
 * in redemption or later with no restore pending, or the name deleted or
 * free at the registry. One that states neither (OpenSRS) is waited for
 * up to the deadline, like a renewal. */
static void poll_restore(struct poller *p)
{
    struct reg_domain_info info;
    struct reg_domain_status st;
    struct rm_err err;

    memset(&info, 0, sizeof info);
    before_call(p);
    if (p->reg->ops->info(p->reg->impl, p->t->domain, &info, &err) < 0) {
        struct reg_lookup lk;
        note(p->out, "GET DOMAIN: %s", err.msg);
        memset(&lk, 0, sizeof lk);
        before_call(p);
        if (p->reg->ops->lookup(p->reg->impl, p->t->domain, &lk, &err) < 0) {
            note(p->out, "LOOKUP: %s", err.msg);
            p->out->verdict = OPS_V_UNKNOWN;
            return;
        }
        note(p->out, "LOOKUP: %s",
             lk.availability == REG_AVAILABLE ? "available" : "taken");
        /* free at the registry: deleted, nothing was restored */
        p->out->verdict =
            lk.availability == REG_AVAILABLE ? OPS_V_NO : OPS_V_UNKNOWN;
        return;
    }
    note(p->out, "GET DOMAIN: expires %d%s%s", op_year_of((int64_t)info.expiry),
         info.phase ? ", " : "", reg_phase_name(info.phase));
    if (op_year_of((int64_t)info.expiry) > p->t->expiry_year) {
        p->out->verdict = OPS_V_DONE;
        p->out->expiry = (int64_t)info.expiry;
        return;
    }
    p->out->verdict = OPS_V_WAIT;
    if (info.phase == REG_PHASE_DELETED) {
        p->out->verdict = OPS_V_NO;
        return;
    }
    if (info.phase != REG_PHASE_REDEMPTION &&
        info.phase != REG_PHASE_PENDING_DELETE)
        return;
    memset(&st, 0, sizeof st);
    before_call(p);
    if (p->reg->ops->status(p->reg->impl, p->t->domain, &st, &err) < 0) {
        note(p->out, "GET status: %s", err.msg);
        return;
    }
    note(p->out, "GET status: %s",
         st.restore_pending ? "restore pending" : "no restore pending");
    if (!st.restore_pending)
        p->out->verdict = OPS_V_NO;
}

/* poll_register - the cheapest question first: the queued request or the
 * order says "still waiting" in one call; BELONGS_TO_RSP decides when
 * there is neither, and gives the expiry once done. */
static void poll_register(struct poller *p)
{
    struct rm_err err;
    int64_t e = 0;
    int b;

    if (!p->out->final && p->t->queue_id[0]) {
        struct reg_queue_info qi;
        memset(&qi, 0, sizeof qi);
        before_call(p);
        if (p->reg->ops->queue_info(p->reg->impl, p->t->queue_id, &qi, &err) ==
            0) {
            note(p->out, "QUERY_QUEUED_REQUEST: %s", qi.status);
            if (qi.state == REG_QUEUE_FAILED) {
                p->out->verdict = OPS_V_NO;
                /* rule 9: a failed queued request may leave its order
                 * pending (insufficient funds): nobody may process it
                 * later unpaid, so it is cancelled */
                if (p->t->order_id[0])
                    ops_stop_run(p->reg, p->t, p->out);
                return;
            }
            if (qi.state == REG_QUEUE_WAITING) {
                p->out->verdict = OPS_V_WAIT;
                return;
            }
        } else {
            note(p->out, "QUERY_QUEUED_REQUEST: %s", err.msg);
        }
    } else if (!p->out->final && p->t->order_id[0]) {
        struct reg_order_info oi;
        memset(&oi, 0, sizeof oi);
        before_call(p);
        if (reg_order_info(p->reg, p->t->order_id, &oi, &err) == 0) {
            note(p->out, "GET_ORDER_INFO: %s", oi.status);
            switch (oi.state) {
            case REG_ORDER_DECLINED:
            case REG_ORDER_CANCELLED:
                p->out->verdict = OPS_V_NO;
                return;
            case REG_ORDER_PENDING:
            case REG_ORDER_PROCESSED:
            case REG_ORDER_WAITING:
                p->out->verdict = OPS_V_WAIT;
                return;
            default:
                break; /* completed or unknown: BELONGS_TO_RSP decides */
            }
        } else {
            note(p->out, "GET_ORDER_INFO: %s", err.msg);
        }
    }
    b = poll_belongs(p, &e);
    if (b < 0) {
        p->out->verdict = OPS_V_UNKNOWN;
        return;
    }
    if (b == 1) {
        done_with_expiry(p, e);
        return;
    }
    p->out->verdict = OPS_V_WAIT;
    if (p->out->final)
        return;
    /* not ours (yet): LOOKUP 221 says a registration is still waiting */
    struct reg_lookup lk;
    memset(&lk, 0, sizeof lk);
    before_call(p);
    if (reg_lookup(p->reg, p->t->domain, &lk, &err) < 0)
        note(p->out, "LOOKUP: %s", err.msg);
    else if (lk.availability == REG_PENDING_ELSEWHERE)
        note(p->out, "LOOKUP 221: a registration is waiting at the registry");
    else
        note(p->out, "LOOKUP %d: %s", lk.reply.code,
             lk.availability == REG_AVAILABLE ? "available" : "taken");
}

const char *ops_stop_name(enum ops_stop st)
{
    static const char *const n[] = {"not asked", "stopped", "refused",
                                    "no answer", "no order to stop"};
    return (unsigned)st < 5 ? n[st] : "?";
}

const char *ops_stop_word(enum ops_stop st)
{
    static const char *const w[] = {NULL, "stopped", "refused", "unknown",
                                    "no_order"};
    return (unsigned)st < 5 ? w[st] : NULL;
}

bool ops_stop_watch(enum ops_stop st)
{
    return st == OPS_STOP_REFUSED || st == OPS_STOP_UNKNOWN ||
           st == OPS_STOP_NO_ORDER;
}

static void stop_note(struct ops_poll *out, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* stop_note - append "; text" to the stop's answer (bounded). */
static void stop_note(struct ops_poll *out, const char *fmt, ...)
{
    size_t len = strlen(out->stop_answer);
    va_list ap;

    if (len + 3 >= sizeof out->stop_answer)
        return;
    if (len) {
        memcpy(out->stop_answer + len, "; ", 3);
        len += 2;
    }
    va_start(ap, fmt);
    vsnprintf(out->stop_answer + len, sizeof out->stop_answer - len, fmt, ap);
    va_end(ap);
}

static void stop_readback(struct poller *p);
static void poll_privacy(struct poller *p);
static void poll_restore(struct poller *p);

/* stop_order - PROCESS_PENDING command=cancel of t's order id: stopped
 * when confirmed; refused (with the order's state read back) or unknown
 * otherwise. */
static void stop_order(struct poller *p)
{
    struct reg_op_result r;
    struct rm_err err;
    char said[REG_TEXT_MAX + 64];

    memset(&r, 0, sizeof r);
    before_call(p);
    p->reg->ops->cancel_order(p->reg->impl, p->t->order_id, &r, &err);
    op_answer_text(&r.reply, said, sizeof said);
    stop_note(p->out, "PROCESS_PENDING cancel: %s", said);
    if (r.state == REG_OP_DONE) {
        p->out->stop = OPS_STOP_STOPPED;
    } else if (r.state == REG_OP_FAILED) {
        p->out->stop = OPS_STOP_REFUSED;
        if (p->t->kind != OPS_K_TRANSFER)
            stop_readback(p);
    } else {
        p->out->stop = OPS_STOP_UNKNOWN;
    }
}

/* stop_readback - the stop was refused: where does the order stand? A
 * completed order makes the verdict DONE; a cancelled or declined one
 * means it is stopped after all. */
static void stop_readback(struct poller *p)
{
    struct rm_err err;
    int64_t e = 0;

    if (p->t->kind == OPS_K_TRANSFER) {
        struct reg_transfer_info ti;
        memset(&ti, 0, sizeof ti);
        before_call(p);
        if (reg_transfer_status(p->reg, p->t->domain, &ti, &err) < 0) {
            stop_note(p->out, "CHECK_TRANSFER: %s", err.msg);
            return;
        }
        stop_note(p->out, "CHECK_TRANSFER: %s",
                  ti.status[0] ? ti.status : reg_transfer_state_name(ti.state));
        if (ti.state == REG_XFER_COMPLETED) {
            if (poll_belongs(p, &e) != 1)
                e = 0;
            done_with_expiry(p, e);
        } else if (ti.state == REG_XFER_CANCELLED) {
            p->out->stop = OPS_STOP_STOPPED;
        } else if (ti.state == REG_XFER_NONE && p->t->order_id[0]) {
            /* no transfer at the registry: the order was saved and never
             * processed (forced_pending); it is cancelled as an order */
            stop_order(p);
        }
        return;
    }
    struct reg_order_info oi;
    memset(&oi, 0, sizeof oi);
    before_call(p);
    if (reg_order_info(p->reg, p->t->order_id, &oi, &err) < 0) {
        stop_note(p->out, "GET_ORDER_INFO: %s", err.msg);
        return;
    }
    stop_note(p->out, "GET_ORDER_INFO: %s", oi.status);
    switch (oi.state) {
    case REG_ORDER_DECLINED:
    case REG_ORDER_CANCELLED:
        p->out->stop = OPS_STOP_STOPPED;
        return;
    case REG_ORDER_COMPLETED:
        break;
    default:
        return; /* still running: refused stands */
    }
    if (ops_kind_renews(p->t->kind)) {
        e = poll_expiry(p);
        if (e && op_year_of(e) > p->t->expiry_year) {
            p->out->verdict = OPS_V_DONE;
            p->out->expiry = e;
        }
        return;
    }
    if (poll_belongs(p, &e) == 1)
        done_with_expiry(p, e);
}

void ops_stop_run(struct registrar *reg, const struct ops_target *t,
                  struct ops_poll *out)
{
    struct poller p = {reg, t, out};
    struct reg_op_result r;
    struct rm_err err;
    char said[REG_TEXT_MAX + 64];
    bool xfer = t->kind == OPS_K_TRANSFER;

    out->stop_answer[0] = '\0';
    if (t->kind == OPS_K_PRIVACY) {
        /* nothing to stop: where privacy stands decides */
        struct ops_poll q;
        memset(&q, 0, sizeof q);
        p.out = &q;
        poll_privacy(&p);
        out->calls += q.calls;
        stop_note(out, "%s", q.answer);
        if (q.verdict == OPS_V_DONE)
            out->verdict = OPS_V_DONE;
        out->stop = q.verdict == OPS_V_DONE ? OPS_STOP_REFUSED
                    : q.verdict == OPS_V_NO ? OPS_STOP_STOPPED
                                            : OPS_STOP_UNKNOWN;
        return;
    }
    if (!xfer && !t->order_id[0]) {
        out->stop = OPS_STOP_NO_ORDER;
        stop_note(out, "no registrar order to stop%s",
                  t->queue_id[0] ? " (a queued request cannot be cancelled)"
                                 : "");
        return;
    }
    if (!xfer) {
        stop_order(&p);
        return;
    }
    memset(&r, 0, sizeof r);
    before_call(&p);
    reg->ops->cancel_transfer(reg->impl, t->domain,
                              t->order_id[0] ? t->order_id : NULL, &r, &err);
    op_answer_text(&r.reply, said, sizeof said);
    stop_note(out, "CANCEL_TRANSFER: %s", said);
    switch (r.state) {
    case REG_OP_DONE:
        out->stop = OPS_STOP_STOPPED;
        return;
    case REG_OP_FAILED:
        out->stop = OPS_STOP_REFUSED;
        stop_readback(&p);
        return;
    default:
        out->stop = OPS_STOP_UNKNOWN;
        return;
    }
}

/* poll_privacy - WHOIS privacy as the registrar holds it now: the only
 * call; the MODIFY is never sent again. */
static void poll_privacy(struct poller *p)
{
    struct reg_privacy pr;
    struct rm_err err;

    memset(&pr, 0, sizeof pr);
    before_call(p);
    if (reg_privacy(p->reg, p->t->domain, &pr, &err) < 0) {
        note(p->out, "GET whois_privacy_state: %s", err.msg);
        p->out->verdict = OPS_V_UNKNOWN;
        return;
    }
    note(p->out, "GET whois_privacy_state: %s", pr.word);
    switch (pr.state) {
    case REG_PRIVACY_ENABLED:
    case REG_PRIVACY_ENABLING:
        p->out->verdict = OPS_V_DONE;
        break;
    case REG_PRIVACY_DISABLED:
    case REG_PRIVACY_DISABLING:
        p->out->verdict = OPS_V_NO;
        break;
    default:
        p->out->verdict = OPS_V_UNKNOWN;
        break;
    }
}

void ops_poll_run(struct registrar *reg, const struct ops_target *t,
                  int64_t now, struct ops_poll *out)
{
    struct poller p = {reg, t, out};

    memset(out, 0, sizeof *out);
    /* Rule 5: past the deadline only the authoritative question is asked
     * (BELONGS_TO_RSP, CHECK_TRANSFER, GET DOMAIN); its "no" times out. */
    out->final = t->deadline_at && now >= t->deadline_at;
    if (t->kind == OPS_K_TRANSFER)
        poll_transfer(&p);
    else if (t->kind == OPS_K_RENEW)
        poll_renew(&p);
    else if (t->kind == OPS_K_RESTORE)
        poll_restore(&p);
    else if (t->kind == OPS_K_PRIVACY)
        poll_privacy(&p);
    else
        poll_register(&p);
    /* Rule 9: give up only together with the registrar (a privacy
     * setting is no order: its read is the whole final check). */
    if (out->final && out->verdict == OPS_V_WAIT && t->kind != OPS_K_PRIVACY)
        ops_stop_run(reg, t, out);
    /* past the deadline a privacy state that cannot be read is not done */
    if (out->final && out->verdict == OPS_V_UNKNOWN && t->kind == OPS_K_PRIVACY)
        out->verdict = OPS_V_WAIT;
    if (!out->answer[0])
        snprintf(out->answer, sizeof out->answer, "no answer");
}

const char *ops_verdict_name(enum ops_verdict v)
{
    static const char *const n[] = {"waiting", "done", "refused", "no answer"};
    return (unsigned)v < 4 ? n[v] : "?";
}

int ops_target_get(struct app *app, int64_t op_id, struct ops_target *t,
                   struct rm_err *err)
{
    struct op_row o;
    int rc;

    if ((rc = op_load(app, op_id, &o, err)) < 0)
        return rc;
    op_target_of(&o, t);
    return (int)ops_state_outcome(o.state);
}

/* note_check - "still waiting": the check is recorded and a pending
 * operation's poll lease (core/async.c's claim) ends with it. */
/* NOTE_FREES - a "still waiting" note ends the poll lease of a pending
 * operation when it is this process's (its sweep's claim) or has lapsed;
 * an admin's check never frees the live claim of another node's sweep,
 * which could then be polled twice within one lease. */
#define NOTE_FREES                                                             \
    "(state = 'pending' AND (lease_owner = ? OR lease_expires_at IS NULL "     \
    "OR lease_expires_at <= ?))"

static int note_check(struct app *app, const struct op_row *o,
                      const char *answer, const char *xfer, int64_t next,
                      struct rm_err *err)
{
    static const char sql[] =
        "UPDATE operations SET last_check_at = ?, checks = checks + 1, "
        "next_check_at = COALESCE(?, next_check_at), last_answer = ?, "
        "transfer_status = COALESCE(?, transfer_status), "
        "lease_owner = CASE WHEN " NOTE_FREES " THEN NULL ELSE lease_owner "
        "END, lease_expires_at = CASE WHEN " NOTE_FREES " THEN NULL ELSE "
        "lease_expires_at END WHERE id = ? AND state = ?";
    struct store_stmt *s;
    int rc;

    if ((rc = store_prepare(app->st, sql, &s, err)) < 0)
        return rc;
    store_bind_int64(s, 1, clock_now());
    if (next)
        store_bind_int64(s, 2, next);
    else
        store_bind_null(s, 2);
    store_bind_text(s, 3, answer);
    store_bind_text(s, 4, xfer && *xfer ? xfer : NULL);
    store_bind_text(s, 5, app->lease_owner);
    store_bind_int64(s, 6, clock_now());
    store_bind_text(s, 7, app->lease_owner);
    store_bind_int64(s, 8, clock_now());
    store_bind_int64(s, 9, o->id);
    store_bind_text(s, 10, ops_state_name(o->state));
    rc = store_step(s, err);
    store_stmt_release(s);
    return rc < 0 ? rc : 0;
}

bool ops_poll_settles(const struct ops_poll *p)
{
    return p->verdict == OPS_V_DONE || p->verdict == OPS_V_NO ||
           (p->final && p->verdict == OPS_V_WAIT);
}

/* settle_of - the terminal move poll p makes of pending o at now: its
 * state, reason and expiry; false when p does not end it. A poll that
 * decided "final" is judged against the row's deadline (an admin reset in
 * between wins). */
static bool settle_of(const struct op_row *o, const struct ops_poll *p,
                      int64_t now, enum ops_state *state, const char **reason,
                      int64_t *expires)
{
    bool final = p->final && o->deadline_at && now >= o->deadline_at;

    *expires = 0;
    if (p->verdict == OPS_V_DONE && p->stop != OPS_STOP_NONE) {
        *reason = "completed at the registrar before it could be stopped";
        *expires = p->expiry;
        *state = OPS_ST_SUCCEEDED;
        return true;
    }
    if (p->verdict == OPS_V_WAIT && final && p->stop != OPS_STOP_NONE) {
        *reason = ops_stop_watch(p->stop)
                      ? "deadline passed; not done at the registrar, which "
                        "did not confirm the cancel: refunded and watched"
                      : "deadline passed; not done at the registrar, which "
                        "cancelled the order";
        *state = OPS_ST_TIMED_OUT;
        return true;
    }
    if (p->verdict == OPS_V_DONE) {
        *reason = "completed at the registrar";
        *expires = p->expiry;
        *state = OPS_ST_SUCCEEDED;
        return true;
    }
    if (p->verdict == OPS_V_NO) {
        *reason = p->answer;
        *state = OPS_ST_FAILED;
        return true;
    }
    if (p->verdict == OPS_V_WAIT && final) {
        *reason = "deadline passed; the final check did not find it "
                  "done at the registrar";
        *state = OPS_ST_TIMED_OUT;
        return true;
    }
    return false;
}

/* watch_fields - rule 9: what the stop's answer p means for the move
 * that refunds o (f): the answer recorded, and watched unless the
 * registrar confirmed the stop. */
int op_watch_fields(struct app *app, const struct op_row *o,
                    const struct ops_poll *p, int64_t now,
                    struct move_fields *f, struct rm_err *err)
{
    struct windows w;
    int rc;

    if (p->stop == OPS_STOP_NONE)
        return 0;
    f->stop_answer = p->stop_answer;
    f->stop_state = ops_stop_word(p->stop);
    /* a privacy setting is no order that could complete later */
    if (p->verdict == OPS_V_DONE || !ops_stop_watch(p->stop) ||
        o->kind == OPS_K_PRIVACY)
        return 0;
    if ((rc = op_windows_for(app, o, &w, err)) < 0)
        return rc;
    f->watch = "watching";
    f->watch_next_at = now + OPS_WATCH_CADENCE * w.poll;
    f->watch_until = now + OPS_WATCH_DAYS * 86400;
    return 0;
}

/*
 * apply - inside the caller's write transaction: count the check, then
 * either settle o through op_finish() (same transaction, rule 4; pre is the
 * mail rendered before it, may be NULL) or set its next check.
 */
static int apply(struct app *app, struct op_row *o, const struct ops_poll *pp,
                 struct op_mail *pre, struct rm_err *err)
{
    struct move_fields f = {0};
    struct windows w;
    struct ops_poll q;
    const struct ops_poll *p = pp;
    int64_t now = clock_now(), expires;
    enum ops_state state;
    bool taken = false, settles;
    int rc;

    /* O5 with rule 9: the year a renewal extends is credited once */
    if (p->verdict == OPS_V_DONE && ops_kind_renews(o->kind) &&
        (rc = ops_renewal_taken(app, o->domain_id, o->id, o->expiry_year,
                                &taken, err)) < 0)
        return rc;
    if (taken) {
        q = *pp;
        q.verdict = OPS_V_WAIT;
        snprintf(q.answer + strlen(q.answer),
                 sizeof q.answer - strlen(q.answer),
                 "; the registrar's new expiry year is another renewal's");
        if (q.final && q.stop == OPS_STOP_NONE) {
            /* its order may still be open: watched, the stop asked later */
            q.stop = OPS_STOP_UNKNOWN;
            snprintf(q.stop_answer, sizeof q.stop_answer,
                     "not asked yet (the expiry year moved by another "
                     "renewal)");
        }
        p = &q;
    }
    settles = settle_of(o, p, now, &state, &f.reason, &expires);

    f.last_answer = p->answer;
    f.transfer_status = p->transfer_status;
    if (settles) {
        if ((rc = note_check(app, o, p->answer, NULL, 0, err)) < 0)
            return rc;
        if ((rc = op_watch_fields(app, o, p, now, &f, err)) < 0)
            return rc;
        return op_finish(app, o, state, &f, expires, pre, err);
    }
    /* still waiting, or no usable answer: the next check one poll
     * interval on (first check → hourly; bounded by the interval) */
    if ((rc = op_windows_for(app, o, &w, err)) < 0)
        return rc;
    /* with a healthy event stream, the per-operation check is the
     * fallback: further apart, never past the deadline (core/events.h) */
    return note_check(app, o, p->answer, p->transfer_status,
                      events_next_check(app, o->connection_id, now, w.poll,
                                        o->created_at, o->deadline_at),
                      err);
}

struct apply_tx {
    struct app *app;
    int64_t op_id;
    const struct ops_poll *p;
    struct op_mail *pre;
    struct op_row *o;
    struct ops_result *res;
};

static int apply_fn(struct store *st, void *arg, struct rm_err *err)
{
    struct apply_tx *x = arg;
    int rc;

    /* D10: take the operation's row before reading it. An admin's cancel
     * or check, or an event, may move it while this poll was out; on
     * PostgreSQL this waits for that transaction and then reads the state
     * it left (no longer pending: nothing to apply), instead of judging a
     * stale row whose move would then find it gone. */
    struct store_stmt *s;
    if ((rc = store_prepare(st,
                            "UPDATE operations SET state = state WHERE id = ? "
                            "AND state = 'pending'",
                            &s, err)) < 0)
        return rc;
    store_bind_int64(s, 1, x->op_id);
    rc = store_step(s, err);
    store_stmt_release(s);
    if (rc < 0)
        return rc;
    if ((rc = op_load(x->app, x->op_id, x->o, err)) < 0)
        return rc;
    if (x->o->state == OPS_ST_PENDING &&
        (rc = apply(x->app, x->o, x->p, x->pre, err)) < 0)
        return rc;
    op_fill_result(x->o, x->res);
    return 0;
}

int ops_poll_apply(struct app *app, int64_t op_id, const struct ops_poll *p,
                   struct ops_result *res, struct rm_err *err)
{
    struct op_row o;
    struct apply_tx x = {app, op_id, p, NULL, &o, res};
    struct op_mail pre = {0};
    bool own = !store_in_tx(app->st);
    int rc;

    memset(res, 0, sizeof *res);
    /* A poll that settles the operation: its customer mail is rendered
     * before the write transaction (O8); apply() judges again inside it,
     * and op_finish() renders again only when the row changed meanwhile. */
    if (own && ops_poll_settles(p)) {
        const char *reason;
        enum ops_state state;
        char why[sizeof o.reason];
        int64_t expires;
        if ((rc = op_load(app, op_id, &o, err)) < 0)
            goto out;
        if (o.state == OPS_ST_PENDING &&
            settle_of(&o, p, clock_now(), &state, &reason, &expires)) {
            struct move_fields f = {.reason = reason};
            op_mail_reason(&o, &f, why, sizeof why);
            if ((rc = op_mail_render(
                     app, &o, state, why, op_mail_expiry(&o, state, expires),
                     ops_state_refunds(state) ? o.amount : 0, &pre, err)) < 0)
                goto out;
        }
    }
    x.pre = &pre;
    rc = store_tx(app->st, STORE_TX_WRITE, apply_fn, &x, err);
out:
    op_mail_release(&pre);
    if (rc < 0) {
        rm_err_prefix(err, "op %" PRId64 ": ", op_id);
        return rc;
    }
    if (!own)
        return (int)ops_state_outcome(o.state);
    return op_reload(app, op_id, res, err);
}
