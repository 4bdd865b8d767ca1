/*
 * ops - the operation state machine (design section 4; contract in
 * ops.h). Every registrar call with a side effect is an operation row.
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

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/account.h"
#include "core/conn.h"
#include "core/ledger.h"
#include "core/money.h"
#include "core/tld.h"
#include "mail/mail.h"
#include "mail/template.h"
#include "util/buf.h"
#include "util/clock.h"
#include "util/log.h"
#include "util/xalloc.h"

static const struct {
    const char *from, *to;
} legal[] = {
    {"new", "sending"},    {"new", "failed"},        {"sending", "succeeded"},
    {"sending", "failed"}, {"sending", "pending"},   {"pending", "succeeded"},
    {"pending", "failed"}, {"pending", "timed_out"}, {"pending", "cancelled"},
};

bool ops_move_allowed(const char *from, const char *to)
{
    for (size_t i = 0; i < sizeof legal / sizeof legal[0]; i++)
        if (strcmp(legal[i].from, from) == 0 && strcmp(legal[i].to, to) == 0)
            return true;
    return false;
}

const char *ops_outcome_name(enum ops_outcome o)
{
    static const char *const n[] = {"succeeded", "failed", "pending",
                                    "timed_out", "cancelled"};
    return (unsigned)o < 5 ? n[o] : "?";
}

static bool terminal_refund(const char *state)
{
    return strcmp(state, "failed") == 0 || strcmp(state, "timed_out") == 0 ||
           strcmp(state, "cancelled") == 0;
}

/* --- the operation row -------------------------------------------------- */

struct op_row {
    int64_t id, domain_id, account_id, connection_id, term, amount;
    int64_t expiry_year, checks, created_at, deadline_at, lease_expires_at;
    char kind[16], state[16];
    char order_id[REG_ID_MAX], queue_id[REG_ID_MAX];
    char transfer_status[64], reason[REG_TEXT_MAX], lease_owner[160];
    char domain[NAME_MAX_ASCII + 1], tld[NAME_MAX_ASCII + 1];
    char unicode[NAME_MAX_INPUT + 1]; /* the domain's U-label form */
    char domain_status[24];
    int64_t domain_expires;
    char idem_key[OPS_IDEM_MAX];
};

static void cpy(char *dst, size_t n, struct store_stmt *s, int col)
{
    const char *t = store_col_text(s, col);
    snprintf(dst, n, "%s", t ? t : "");
}

static int op_load(struct app *app, int64_t id, struct op_row *o,
                   struct rm_err *err)
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
        cpy(o->kind, sizeof o->kind, s, 11);
        cpy(o->state, sizeof o->state, s, 12);
        cpy(o->order_id, sizeof o->order_id, s, 13);
        cpy(o->queue_id, sizeof o->queue_id, s, 14);
        cpy(o->transfer_status, sizeof o->transfer_status, s, 15);
        cpy(o->reason, sizeof o->reason, s, 16);
        cpy(o->lease_owner, sizeof o->lease_owner, s, 17);
        cpy(o->domain, sizeof o->domain, s, 18);
        cpy(o->tld, sizeof o->tld, s, 19);
        cpy(o->domain_status, sizeof o->domain_status, s, 20);
        o->domain_expires = store_col_int64(s, 21);
        cpy(o->idem_key, sizeof o->idem_key, s, 22);
        cpy(o->unicode, sizeof o->unicode, s, 23);
        if (!o->unicode[0])
            snprintf(o->unicode, sizeof o->unicode, "%s", o->domain);
        rc = 0;
    } else if (rc == STORE_DONE) {
        rc = rm_err_set(err, RM_ENOTFOUND, "unknown operation %" PRId64, id);
    }
    store_stmt_release(s);
    return rc;
}

static void fill_result(const struct op_row *o, struct ops_result *res)
{
    memset(res, 0, sizeof *res);
    res->op_id = o->id;
    res->domain_id = o->domain_id;
    snprintf(res->state, sizeof res->state, "%s", o->state);
    res->amount = o->amount;
    res->expires_at = o->domain_expires;
    snprintf(res->order_id, sizeof res->order_id, "%s", o->order_id);
    snprintf(res->queue_id, sizeof res->queue_id, "%s", o->queue_id);
    snprintf(res->reason, sizeof res->reason, "%s", o->reason);
    snprintf(res->transfer_status, sizeof res->transfer_status, "%s",
             o->transfer_status);
}

static int outcome_of(const char *state)
{
    if (strcmp(state, "succeeded") == 0)
        return OPS_SUCCEEDED;
    if (strcmp(state, "failed") == 0)
        return OPS_FAILED;
    if (strcmp(state, "timed_out") == 0)
        return OPS_TIMED_OUT;
    if (strcmp(state, "cancelled") == 0)
        return OPS_CANCELLED;
    return OPS_PENDING;
}

/* reload - the row after a move, as the caller's result. */
static int reload(struct app *app, int64_t id, struct ops_result *res,
                  struct rm_err *err)
{
    struct op_row o;
    int rc;

    if ((rc = op_load(app, id, &o, err)) < 0)
        return rc;
    fill_result(&o, res);
    return outcome_of(o.state);
}

/* --- moves ---------------------------------------------------------------- */

/* What a move writes besides the state; NULL / 0 fields are kept. */
struct move_fields {
    const char *reason;
    const char *last_answer;
    const char *order_id;
    const char *queue_id;
    const char *transfer_status;
    int64_t next_check_at;
    int64_t deadline_at;
    /* rule 9: a refunding move whose registrar order may still complete
     * sets watch = "watching" (with the next watch check and its end);
     * stop_answer is the registrar's answer to the request to stop it */
    const char *watch;
    const char *stop_answer, *stop_state;
    int64_t watch_next_at, watch_until;
};

/*
 * move - operation o from `from` to `to` inside the caller's write
 * transaction. Asserts that the caller's copy is in `from` and that the
 * move is legal; the UPDATE re-checks it against the row, so a lost race
 * changes nothing (RM_EINTERNAL, the caller rolls back).
 */
static int move(struct app *app, struct op_row *o, const char *from,
                const char *to, const struct move_fields *f, int64_t now,
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
    bool term = strcmp(to, "succeeded") == 0 || terminal_refund(to);
    bool leased = strcmp(to, "sending") == 0;
    int rc;

    if (!store_in_tx(app->st))
        return rm_err_set(err, RM_EINTERNAL,
                          "op %" PRId64 ": move outside a transaction", o->id);
    if (strcmp(o->state, from) != 0)
        return rm_err_set(err, RM_EINTERNAL,
                          "op %" PRId64 ": is %s, not %s (move to %s)", o->id,
                          o->state, from, to);
    if (!ops_move_allowed(from, to))
        return rm_err_set(err, RM_EINTERNAL,
                          "op %" PRId64 ": illegal move %s -> %s", o->id, from,
                          to);
    if ((rc = store_prepare(app->st, sql, &s, err)) < 0)
        return rc;
    store_bind_text(s, 1, to);
    store_bind_text(s, 2, f ? f->reason : NULL);
    store_bind_text(s, 3, f ? f->last_answer : NULL);
    store_bind_text(s, 4,
                    f && f->order_id && *f->order_id ? f->order_id : NULL);
    store_bind_text(s, 5,
                    f && f->queue_id && *f->queue_id ? f->queue_id : NULL);
    store_bind_text(s, 6,
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
    store_bind_text(s, 9, to);
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
    store_bind_text(
        s, 15, f && f->stop_answer && *f->stop_answer ? f->stop_answer : NULL);
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
    store_bind_text(s, 20, from);
    rc = store_step(s, err);
    store_stmt_release(s);
    if (rc < 0)
        return rc;
    if (store_changes(app->st) != 1)
        return rm_err_set(err, RM_EINTERNAL,
                          "op %" PRId64 ": was moved by someone else (not %s)",
                          o->id, from);
    rm_log(LOG_INFO, "op %" PRId64 ": %s -> %s", o->id, from, to);
    snprintf(o->state, sizeof o->state, "%s", to);
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
        "registrar_order_id), updated_at = ? WHERE id = ?";
    struct store_stmt *s;
    int rc;

    if ((rc = store_prepare(app->st, sql, &s, err)) < 0)
        return rc;
    store_bind_text(s, 1, status);
    store_bind_int64(s, 2, expires);
    store_bind_int64(s, 3, expires);
    store_bind_text(s, 4, order_id && *order_id ? order_id : NULL);
    store_bind_int64(s, 5, now);
    store_bind_int64(s, 6, domain_id);
    rc = store_step(s, err);
    store_stmt_release(s);
    if (rc < 0 && store_errkind(app->st) == STORE_ERR_UNIQUE)
        return rm_err_set(err, CORE_EREFUSED,
                          "another live domain row has this name");
    return rc < 0 ? rc : 0;
}

static bool autorenew_key(const char *key)
{
    return strncmp(key, OPS_AUTORENEW_PREFIX, strlen(OPS_AUTORENEW_PREFIX)) ==
           0;
}

/* --- the customer's mail about a terminal move (O8) ----------------------
 *
 * Template by kind and outcome (variables in templates/README.md):
 *   register  succeeded                        registration_completed
 *   renew     succeeded                        renewal_completed
 *   transfer  succeeded                        transfer_completed
 *   transfer  failed / timed_out / cancelled   transfer_failed
 *   register, renew  failed / timed_out / cancelled   refund
 * An automatic renewal that succeeded gets no mail here: the lifecycle
 * announces it with autorenew_done (once per domain and expiry date);
 * its failures are refunded here like any renewal's.
 *
 * Every template is given the same full set of variables, each with a
 * value (a missing one would be an error, never an empty string): an
 * unknown expiry or reason is said in words.
 *
 * The mail is rendered before the write transaction that makes the move,
 * so no template file is read while the store's write lock is held, and
 * queued inside it (rule 4: move, refund and outbox row commit together).
 * The rendering remembers its inputs; when the row turned out different
 * inside the transaction (an Async Manager poll re-judged there, or a
 * caller's own transaction), it is rendered again in place.
 *
 * Without a [mail] from address nothing can be queued (mail_queue refuses:
 * the Message-ID is made from its domain and delivery sends with it, see
 * mail.h), so the mail is skipped with a log line - as the lifecycle and
 * the Async Manager's digest do - and the move commits. A template that
 * cannot be rendered is an error: the move does not commit without its
 * mail (mail.h), the operation stays where it was and is retried. */

/* ymd - a date as YYYY-MM-DD (UTC). */
static void ymd(int64_t t, char *buf, size_t n)
{
    struct tm tm;
    time_t tt = (time_t)t;

    if (!gmtime_r(&tt, &tm) || strftime(buf, n, "%Y-%m-%d", &tm) == 0)
        snprintf(buf, n, "%" PRId64, t);
}

/* one_line - s as one line of valid UTF-8 for a mail body: control
 * characters become spaces, bytes that are not UTF-8 become '?', spaces
 * collapse; empty gives dflt. */
static void one_line(const char *s, const char *dflt, char *out, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t k = 0;

    while (*p && k + 5 < n) {
        size_t len = *p < 0x80             ? 1
                     : (*p & 0xe0) == 0xc0 ? 2
                     : (*p & 0xf0) == 0xe0 ? 3
                     : (*p & 0xf8) == 0xf0 ? 4
                                           : 0;
        bool ok = len > 0 && !(len == 2 && *p < 0xc2) && !(*p > 0xf4);
        for (size_t i = 1; ok && i < len; i++)
            ok = (p[i] & 0xc0) == 0x80;
        if (!ok) {
            out[k++] = '?';
            p++;
        } else if (len == 1 && (*p < 0x20 || *p == 0x7f || *p == ' ')) {
            if (k && out[k - 1] != ' ')
                out[k++] = ' ';
            p++;
        } else {
            memcpy(out + k, p, len);
            k += len;
            p += len;
        }
    }
    while (k && out[k - 1] == ' ')
        k--;
    out[k] = '\0';
    if (!k)
        snprintf(out, n, "%s", dflt);
}

/* ops_plain_reason - why an operation ended, in the customer's words: the
 * registrar's codes and the Async Manager's notes stay in the operation
 * (the admin sees them), the mail and the customer's panel say what
 * happened. */
void ops_plain_reason(const char *state, const char *reason, char *out,
                      size_t n)
{
    static const struct {
        int code;
        const char *words;
    } codes[] = {
        {485, "the name is already registered"},
        {487, "the name cannot be transferred at the moment"},
        {541, "the registry's expiry date differs from ours; our record "
              "has been refreshed, please renew again if you still want to"},
        {480, "the registry does not know the name in that state"},
        {445, "the registry refused the request"},
        {465, "the registry refused the data of the request"},
    };
    char text[REG_TEXT_MAX];
    const char *p = reason;
    int code = 0;

    if (strcmp(state, "cancelled") == 0) {
        snprintf(out, n, "it was cancelled by our staff");
        return;
    }
    if (strcmp(state, "timed_out") == 0) {
        snprintf(out, n, "deadline passed before the registry confirmed it");
        return;
    }
    if (strcmp(state, "failed") != 0) {
        one_line(reason, "no reason was given", out, n);
        return;
    }
    if (strncmp(reason, "not sent", 8) == 0 ||
        strncmp(reason, "never sent", 10) == 0) {
        snprintf(out, n,
                 "the registrar could not be reached, so nothing was "
                 "ordered");
        return;
    }
    if (p[0] >= '1' && p[0] <= '9' && p[1] >= '0' && p[1] <= '9' &&
        p[2] >= '0' && p[2] <= '9' && (p[3] == ' ' || !p[3])) {
        code = (p[0] - '0') * 100 + (p[1] - '0') * 10 + (p[2] - '0');
        p += p[3] ? 4 : 3;
    }
    for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++)
        if (codes[i].code == code) {
            snprintf(out, n, "%s", codes[i].words);
            return;
        }
    if (code) {
        /* a registrar's own words, without its code */
        one_line(p, "", text, sizeof text);
        if (text[0] && strlen(text) < 120 && !strchr(text, ':'))
            snprintf(out, n, "the registrar declined it (%s)", text);
        else
            snprintf(out, n, "the registrar declined it");
        return;
    }
    /* the Async Manager's notes name registrar actions ("GET_ORDER_INFO:
     * declined", "transport: ..."): those are for the admin */
    for (const char *q = p; *q; q++)
        if (*q == ':' && q > p &&
            ((q[-1] >= 'A' && q[-1] <= 'Z') ||
             strncmp(p, "transport", 9) == 0)) {
            snprintf(out, n, "the registrar declined it");
            return;
        }
    one_line(reason, "the registrar declined it", out, n);
}

struct op_mail {
    /* the inputs it was rendered from (op_mail_fits) */
    int64_t op_id;
    char state[16];
    char *reason;
    int64_t expires, refund;
    /* the result: skip, or a rendered message for to */
    bool rendered, skip;
    const char *why_skipped;
    char to[ACCOUNT_EMAIL_MAX + 1];
    char *subject, *body;
};

static void op_mail_release(struct op_mail *m)
{
    free(m->reason);
    free(m->subject);
    free(m->body);
    memset(m, 0, sizeof *m);
}

/* mail_expiry - the expiry date the mail gives: the one the move writes,
 * else the domain's - except for a renewal, whose old date is not news. */
static int64_t mail_expiry(const struct op_row *o, const char *state,
                           int64_t expires)
{
    if (expires > 0)
        return expires;
    if (strcmp(o->kind, "renew") == 0 && strcmp(state, "succeeded") == 0)
        return 0;
    return o->domain_expires;
}

/* mail_reason - the reason the move records (and the mail gives): the
 * move's own, else the row's, as long as the row keeps it. */
static void mail_reason(const struct op_row *o, const struct move_fields *f,
                        char *out, size_t n)
{
    const char *r = f && f->reason ? f->reason : o->reason;
    size_t len = strnlen(r, n - 1); /* cut as o->reason is */

    memcpy(out, r, len);
    out[len] = '\0';
}

static bool op_mail_fits(const struct op_mail *m, const struct op_row *o,
                         const char *state, const char *reason, int64_t expires,
                         int64_t refund)
{
    return m->rendered && m->op_id == o->id && !strcmp(m->state, state) &&
           !strcmp(m->reason, reason) && m->expires == expires &&
           m->refund == refund;
}

/* op_mail_render - the mail o ending in state will queue, rendered now.
 * expires: the domain's expiry after the move (0 unknown); refund: the
 * amount refunded by it (0 when none). Reads the account and the template
 * file; writes nothing. */
static int op_mail_render(struct app *app, const struct op_row *o,
                          const char *state, const char *reason,
                          int64_t expires, int64_t refund, struct op_mail *m,
                          struct rm_err *err)
{
    const struct mail_config *mc = &app->set.mail;
    bool ok = strcmp(state, "succeeded") == 0;
    bool xfer = strcmp(o->kind, "transfer") == 0;
    bool renew = strcmp(o->kind, "renew") == 0;
    char amount[MONEY_STR_MAX + 16], refunded[MONEY_STR_MAX + 16];
    char m1[MONEY_STR_MAX], m2[MONEY_STR_MAX], exp[32], years[24], opid[24];
    char why[REG_TEXT_MAX];
    const char *name;
    struct account a;
    int rc;

    op_mail_release(m);
    m->op_id = o->id;
    snprintf(m->state, sizeof m->state, "%s", state);
    m->reason = xstrdup(reason);
    m->expires = expires;
    m->refund = refund;
    if (ok && autorenew_key(o->idem_key)) {
        m->rendered = m->skip = true; /* the lifecycle's autorenew_done */
        return 0;
    }
    if (!mc->from) {
        m->rendered = m->skip = true;
        m->why_skipped = "no [mail] from address is configured";
        return 0;
    }
    if ((rc = account_get_id(app, o->account_id, &a, err)) < 0)
        return rc;
    if (!a.email[0]) {
        m->rendered = m->skip = true;
        m->why_skipped = "the account has no mail address";
        return 0;
    }
    snprintf(m->to, sizeof m->to, "%s", a.email);
    if (ok)
        name = xfer    ? "transfer_completed"
               : renew ? "renewal_completed"
                       : "registration_completed";
    else
        name = xfer ? "transfer_failed" : "refund";
    snprintf(amount, sizeof amount, "%s %s", money_format(o->amount, m1),
             app->set.currency);
    snprintf(refunded, sizeof refunded, "%s %s", money_format(refund, m2),
             app->set.currency);
    if (expires > 0)
        ymd(expires, exp, sizeof exp);
    else
        snprintf(exp, sizeof exp, "(not reported yet)");
    snprintf(years, sizeof years, "%" PRId64, o->term);
    snprintf(opid, sizeof opid, "%" PRId64, o->id);
    ops_plain_reason(state, reason, why, sizeof why);
    const struct tmpl_var vars[] = {
        {"customer", a.name},
        {"domain", o->unicode},
        {"operation", xfer    ? "transfer"
                      : renew ? "renewal"
                              : "registration"},
        {"operation_id", opid},
        {"term", years},
        {"expires", exp},
        {"amount", amount},
        {"refund", refunded},
        {"reason", why},
    };
    rc = tmpl_mail(mc->templates_dir ? mc->templates_dir : "templates", name,
                   vars, sizeof vars / sizeof vars[0], &m->subject, &m->body,
                   err);
    if (rc < 0)
        rm_err_prefix(err, "customer mail: ");
    m->rendered = rc == 0;
    return rc;
}

/* op_mail_queue - the rendered mail into the outbox, inside the move's
 * transaction; a replay of key op:<id>:<state> adds nothing. */
static int op_mail_queue(struct app *app, const struct op_mail *m, int64_t now,
                         struct rm_err *err)
{
    char key[64];

    if (m->skip) {
        if (m->why_skipped) {
            /* Mail switched off is worth a warning once per app, then a
             * line per mail. */
            bool no_from = !app->set.mail.from;
            rm_log(no_from && !app->mail_off_logged ? LOG_WARN : LOG_INFO,
                   "op %" PRId64 ": customer mail (%s) not queued: %s",
                   m->op_id, m->state, m->why_skipped);
            if (no_from)
                app->mail_off_logged = true;
        }
        return 0;
    }
    snprintf(key, sizeof key, "op:%" PRId64 ":%s", m->op_id, m->state);
    return mail_queue(app->st, &app->set.mail, key, m->to, m->subject, m->body,
                      now, NULL, err);
}

/* domain_status_after - the domain's status once o ends in state. */
static const char *domain_status_after(const struct op_row *o,
                                       const char *state, int64_t now)
{
    if (strcmp(state, "succeeded") == 0)
        return "active";
    if (strcmp(o->kind, "renew") == 0) {
        if (strcmp(state, "pending") == 0)
            return "renewing";
        return o->domain_expires && o->domain_expires <= now ? "expired"
                                                             : "active";
    }
    if (strcmp(state, "pending") == 0)
        return strcmp(o->kind, "transfer") == 0 ? "transferring"
                                                : "registering";
    /* an admin's cancel removes the domain (design section 1) */
    if (strcmp(state, "cancelled") == 0)
        return "cancelled";
    return "failed";
}

/*
 * finish - one transaction: move o to state (succeeded / failed /
 * timed_out / cancelled / pending), refund when the state requires it,
 * set the domain, queue the mail. expires > 0 updates the domain's
 * expiry. pre (may be NULL) is the mail rendered before the caller's
 * transaction; otherwise, in its own transaction, finish renders it
 * before beginning (O8). The before_settle crash point fires just before
 * the commit.
 */
static int finish(struct app *app, struct op_row *o, const char *state,
                  const struct move_fields *f, int64_t expires,
                  struct op_mail *pre, struct rm_err *err)
{
    int64_t now = clock_now(), refunded = 0;
    const char *from;
    char from_buf[16], reason[sizeof o->reason];
    struct op_mail own_mail = {0}, *m = pre;
    bool mails = strcmp(state, "pending") != 0;
    int rc;

    /* Inside the caller's transaction when one is open (the Async
     * Manager's poll counts the check in the same one). */
    bool own = !store_in_tx(app->st);

    mail_reason(o, f, reason, sizeof reason);
    /* A refund reverses the charge exactly (ledger.h). */
    if (mails && own &&
        !(m && op_mail_fits(m, o, state, reason, mail_expiry(o, state, expires),
                            terminal_refund(state) ? o->amount : 0))) {
        m = &own_mail;
        if ((rc = op_mail_render(
                 app, o, state, reason, mail_expiry(o, state, expires),
                 terminal_refund(state) ? o->amount : 0, m, err)) < 0) {
            op_mail_release(&own_mail);
            rm_err_prefix(err, "op %" PRId64 ": ", o->id);
            return rc;
        }
    }
    if (own && (rc = store_begin(app->st, STORE_TX_WRITE, err)) < 0) {
        op_mail_release(&own_mail);
        return rc;
    }
    snprintf(from_buf, sizeof from_buf, "%s", o->state);
    from = from_buf;
    if ((rc = move(app, o, from, state, f, now, err)) < 0)
        goto out;
    if (f && f->reason)
        snprintf(o->reason, sizeof o->reason, "%s", f->reason);
    if (expires > 0)
        o->domain_expires = expires;
    if (terminal_refund(state)) {
        rc = ledger_refund(app->st, o->id, now, &refunded, err);
        if (rc < 0)
            goto out;
        rm_log(LOG_INFO, "op %" PRId64 ": refunded %" PRId64, o->id, refunded);
    }
    if ((rc = set_domain(app, o->domain_id, domain_status_after(o, state, now),
                         expires, f ? f->order_id : NULL, now, err)) < 0)
        goto out;
    if (mails) {
        if (!m || !op_mail_fits(m, o, state, reason,
                                mail_expiry(o, state, expires), refunded)) {
            /* rendered from other facts (or not at all): again, here */
            rm_log(LOG_DEBUG, "op %" PRId64 ": mail rendered in the move",
                   o->id);
            m = &own_mail;
            if ((rc = op_mail_render(app, o, state, reason,
                                     mail_expiry(o, state, expires), refunded,
                                     m, err)) < 0)
                goto out;
        }
        if ((rc = op_mail_queue(app, m, now, err)) < 0)
            goto out;
    }
    app_crash_point("before_settle");
    if (own)
        rc = store_commit(app->st, err);
out:
    if (own)
        store_rollback(app->st);
    op_mail_release(&own_mail);
    if (rc < 0)
        rm_err_prefix(err, "op %" PRId64 ": ", o->id);
    return rc < 0 ? rc : 0;
}

/* --- windows -------------------------------------------------------------- */

struct windows {
    int64_t first_check, poll, deadline_reg, deadline_xfer;
};

static int windows_for(struct app *app, const struct op_row *o,
                       struct windows *w, struct rm_err *err)
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

static void target_of(const struct op_row *o, struct ops_target *t);
static int watch_fields(struct app *app, const struct op_row *o,
                        const struct ops_poll *p, int64_t now,
                        struct move_fields *f, struct rm_err *err);

/* --- settle: the registrar's answer to a send -------------------------- */

static void answer_text(const struct reg_reply *r, char *buf, size_t n)
{
    const char *d = reg_delivery_name(r->delivery);
    if (r->delivery == REG_ANSWERED)
        snprintf(buf, n, "%d %s", r->code, r->text);
    else if (strncmp(r->text, d, strlen(d)) == 0)
        snprintf(buf, n, "%s", r->text); /* the transport named it already */
    else
        snprintf(buf, n, "%s: %s", d, r->text);
}

static int year_of(int64_t t)
{
    struct tm tm;
    time_t tt = (time_t)t;

    if (!gmtime_r(&tt, &tm))
        return 0;
    return tm.tm_year + 1900;
}

/* fetch_expiry - GET DOMAIN (read-only) → expiry, 0 when unknown. */
static int64_t fetch_expiry(struct conn_session *sess, const char *domain)
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

    answer_text(&r->reply, answer, sizeof answer);
    f.last_answer = answer;
    f.order_id = r->order_id;
    f.queue_id = r->queue_id;
    snprintf(reason, sizeof reason, "%s", r->reason[0] ? r->reason : answer);
    f.reason = reason;
    /* O6: a transfer is never done on the spot. */
    if (strcmp(o->kind, "transfer") == 0 && state == REG_OP_DONE)
        state = REG_OP_PENDING;
    switch (state) {
    case REG_OP_DONE:
        expires = (int64_t)r->expiry;
        if (!expires)
            expires = fetch_expiry(sess, o->domain);
        return finish(app, o, "succeeded", &f, expires, NULL, err);
    case REG_OP_NOT_SENT:
        snprintf(reason, sizeof reason,
                 "not sent after %d attempt(s): %s (nothing reached the "
                 "registrar)",
                 attempts, r->reply.text);
        return finish(app, o, "failed", &f, 0, NULL, err);
    case REG_OP_FAILED:
        if (strcmp(o->kind, "renew") == 0 && r->reply.code == 541) {
            /* O5: refresh our record, never re-send. */
            expires = fetch_expiry(sess, o->domain);
            if (expires)
                snprintf(reason, sizeof reason,
                         "the registrar's expiry year is %d, ours was "
                         "%" PRId64
                         "; the record is refreshed - renew again if still "
                         "wanted",
                         year_of(expires), o->expiry_year);
        }
        if (r->order_id[0]) {
            /* Rule 9: a refused order the registrar saved as pending (485
             * or 487 with forced_pending) is cancelled there, so nobody
             * processing pending orders later buys it unpaid. (t and p
             * live as long as f, which points into p.) */
            target_of(o, &t);
            snprintf(t.kind, sizeof t.kind, "register"); /* by order id */
            snprintf(t.order_id, sizeof t.order_id, "%s", r->order_id);
            memset(&p, 0, sizeof p);
            p.verdict = OPS_V_WAIT;
            ops_stop_run(sess->reg, &t, &p);
            p.verdict = OPS_V_WAIT; /* the refusal stands */
            if ((rc = watch_fields(app, o, &p, now, &f, err)) < 0)
                return rc;
        }
        return finish(app, o, "failed", &f, expires, NULL, err);
    case REG_OP_PENDING:
        break;
    }
    if ((rc = windows_for(app, o, &w, err)) < 0)
        return rc;
    f.next_check_at = now + w.first_check;
    f.deadline_at = now + (strcmp(o->kind, "transfer") == 0 ? w.deadline_xfer
                                                            : w.deadline_reg);
    snprintf(reason, sizeof reason, "%s: %s", reg_pending_why_name(r->why),
             r->reason[0] ? r->reason : answer);
    return finish(app, o, "pending", &f, 0, NULL, err);
}

/* --- send ------------------------------------------------------------------
 */

static int move_to_sending(struct app *app, struct op_row *o,
                           struct rm_err *err)
{
    int rc;

    if ((rc = store_begin(app->st, STORE_TX_WRITE, err)) < 0)
        return rc;
    rc = move(app, o, "new", "sending", NULL, clock_now(), err);
    if (rc == 0)
        rc = store_commit(app->st, err);
    store_rollback(app->st);
    return rc;
}

struct send_req {
    struct reg_domain_order order; /* register, transfer */
    struct reg_renew_req renew;    /* renew */
};

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
        if (strcmp(o->kind, "register") == 0)
            rc = reg_register(sess->reg, &q->order, r, &err);
        else if (strcmp(o->kind, "transfer") == 0)
            rc = reg_transfer(sess->reg, &q->order, r, &err);
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
static void record_cost(struct app *app, struct conn_session *sess,
                        const struct op_row *o, bool ask)
{
    static const char sql_get[] =
        "SELECT price, fetched_at FROM registrar_prices WHERE connection_id "
        "= ? AND tld = ? AND reg_type = ? AND period = ?";
    static const char sql_put[] =
        "INSERT INTO registrar_prices (connection_id, tld, reg_type, period, "
        "price, fetched_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT "
        "(connection_id, tld, reg_type, period) DO UPDATE SET price = "
        "excluded.price, fetched_at = excluded.fetched_at";
    static const char sql_op[] = "UPDATE operations SET registrar_cost = ? "
                                 "WHERE id = ? AND registrar_cost IS NULL";
    bool xfer = strcmp(o->kind, "transfer") == 0;
    bool renew = strcmp(o->kind, "renew") == 0;
    const char *type = xfer ? "transfer" : renew ? "renewal" : "new";
    int64_t period = xfer ? 1 : o->term, now = clock_now(), price = -1;
    bool fresh;
    struct store_stmt *s;
    struct reg_price rp;
    struct rm_err err;
    int rc;

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
    if (store_begin(app->st, STORE_TX_WRITE, &err) < 0)
        goto fail;
    rc = fresh ? store_prepare(app->st, sql_put, &s, &err) : 0;
    if (rc == 0 && fresh) {
        store_bind_int64(s, 1, o->connection_id);
        store_bind_text(s, 2, o->tld);
        store_bind_text(s, 3, type);
        store_bind_int64(s, 4, period);
        store_bind_int64(s, 5, price);
        store_bind_int64(s, 6, now);
        rc = store_step(s, &err);
        store_stmt_release(s);
    }
    if (rc >= 0 && (rc = store_prepare(app->st, sql_op, &s, &err)) == 0) {
        store_bind_int64(s, 1, price);
        store_bind_int64(s, 2, o->id);
        rc = store_step(s, &err);
        store_stmt_release(s);
    }
    if (rc >= 0)
        rc = store_commit(app->st, &err);
    store_rollback(app->st);
    if (rc >= 0)
        return;
fail:
    rm_log(LOG_WARN, "op %" PRId64 ": registrar cost unknown: %s", o->id,
           err.msg);
}

/* run - new → sending → the send → settle. */
static int run(struct app *app, struct conn_session *sess, int64_t op_id,
               const struct send_req *q, struct ops_result *res,
               struct rm_err *err)
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
    rc = reload(app, op_id, res, err);
    if (rc >= 0)
        res->attempts = attempts;
    return rc;
}

/* --- begin: validation and the one creating transaction ------------------ */

int ops_renewal_taken(struct app *app, int64_t domain_id, int64_t op_id,
                      int64_t expiry_year, bool *taken, struct rm_err *err)
{
    static const char sql[] =
        "SELECT CAST(COUNT(*) AS BIGINT) FROM operations WHERE domain_id = ? "
        "AND kind = 'renew' AND id <> ? AND expiry_year = ? AND (state = "
        "'succeeded' OR watch IN ('late', 'assigned', 'absorbed'))";
    struct store_stmt *s;
    int rc;

    *taken = false;
    if ((rc = store_prepare(app->st, sql, &s, err)) < 0)
        return rc;
    store_bind_int64(s, 1, domain_id);
    store_bind_int64(s, 2, op_id);
    store_bind_int64(s, 3, expiry_year);
    if ((rc = store_step(s, err)) == STORE_ROW)
        *taken = store_col_int64(s, 0) > 0;
    store_stmt_release(s);
    return rc < 0 ? rc : 0;
}

int ops_live_domain(struct app *app, const char *name, int64_t *id,
                    struct rm_err *err)
{
    static const char sql[] =
        "SELECT id FROM domains WHERE name = ? AND status NOT IN ('failed', "
        "'cancelled', 'transferred_away')";
    struct store_stmt *s;
    int rc;

    *id = 0;
    if ((rc = store_prepare(app->st, sql, &s, err)) < 0)
        return rc;
    store_bind_text(s, 1, name);
    rc = store_step(s, err);
    if (rc == STORE_ROW)
        *id = store_col_int64(s, 0);
    store_stmt_release(s);
    return rc < 0 ? rc : 0;
}

struct begin_req {
    const char *kind; /* register transfer renew */
    const struct name *name;
    const char *tld;
    int64_t account_id, connection_id, domain_id, term, amount;
    int64_t expiry_year;
    const char *reg_username, *reg_password_enc;
    const char *renew_from_status;
    const char *idem_key; /* operations.idempotency_key; NULL = none */
};

static int funds_refused(int rc, struct rm_err *err)
{
    /* keep the ledger's message; only the class changes */
    if (rc == RM_ELIMIT) {
        if (err)
            err->code = CORE_EREFUSED;
        return CORE_EREFUSED;
    }
    return rc;
}

/* ops_begin - O1: domain row (or its move to renewing), operation row and
 * charge in one transaction. */
static int ops_begin(struct app *app, struct begin_req *b, int64_t *op_id,
                     struct rm_err *err)
{
    static const char sql_dom[] =
        "INSERT INTO domains (name, unicode_name, tld, account_id, "
        "connection_id, status, reg_username, reg_password_enc, created_at, "
        "updated_at, auto_renew) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
        "CASE WHEN EXISTS (SELECT 1 FROM accounts WHERE id = ? AND "
        "auto_renew = 1) OR EXISTS (SELECT 1 FROM registrar_connections "
        "WHERE id = ? AND renew_mode = 'auto') THEN 1 ELSE 0 END) "
        "RETURNING id";
    static const char sql_renew[] =
        "UPDATE domains SET status = 'renewing', updated_at = ? WHERE id = ? "
        "AND status = ?";
    static const char sql_op[] =
        "INSERT INTO operations (kind, domain_id, account_id, "
        "connection_id, state, term, amount, expiry_year, created_at, "
        "lease_owner, lease_expires_at, idempotency_key) VALUES (?, ?, ?, ?, "
        "'new', ?, ?, ?, ?, ?, ?, ?) RETURNING id";
    struct store_stmt *s;
    int64_t now = clock_now(), other;
    int rc;

    if ((rc = store_begin(app->st, STORE_TX_WRITE, err)) < 0)
        return rc;
    if (strcmp(b->kind, "renew") == 0) {
        if ((rc = store_prepare(app->st, sql_renew, &s, err)) < 0)
            goto out;
        store_bind_int64(s, 1, now);
        store_bind_int64(s, 2, b->domain_id);
        store_bind_text(s, 3, b->renew_from_status);
        rc = store_step(s, err);
        store_stmt_release(s);
        if (rc >= 0 && store_changes(app->st) != 1)
            rc = rm_err_set(err, CORE_EREFUSED,
                            "%s changed meanwhile; try again", b->name->ascii);
        if (rc < 0)
            goto out;
    } else {
        if ((rc = ops_live_domain(app, b->name->ascii, &other, err)) < 0)
            goto out;
        if (other) {
            rc = rm_err_set(err, CORE_EREFUSED,
                            "%s is already registered here or in progress "
                            "(domain %" PRId64 ")",
                            b->name->ascii, other);
            goto out;
        }
        if ((rc = store_prepare(app->st, sql_dom, &s, err)) < 0)
            goto out;
        store_bind_text(s, 1, b->name->ascii);
        store_bind_text(s, 2, b->name->unicode);
        store_bind_text(s, 3, b->tld);
        store_bind_int64(s, 4, b->account_id);
        store_bind_int64(s, 5, b->connection_id);
        store_bind_text(s, 6,
                        strcmp(b->kind, "transfer") == 0 ? "transferring"
                                                         : "registering");
        store_bind_text(s, 7, b->reg_username);
        store_bind_text(s, 8, b->reg_password_enc);
        store_bind_int64(s, 9, now);
        store_bind_int64(s, 10, now);
        store_bind_int64(s, 11, b->account_id);
        store_bind_int64(s, 12, b->connection_id);
        rc = store_step(s, err);
        if (rc == STORE_ROW)
            b->domain_id = store_col_int64(s, 0);
        store_stmt_release(s);
        if (rc < 0 && store_errkind(app->st) == STORE_ERR_UNIQUE)
            rc = rm_err_set(err, CORE_EREFUSED, "%s is already in progress",
                            b->name->ascii);
        if (rc < 0)
            goto out;
    }
    if ((rc = store_prepare(app->st, sql_op, &s, err)) < 0)
        goto out;
    store_bind_text(s, 1, b->kind);
    store_bind_int64(s, 2, b->domain_id);
    store_bind_int64(s, 3, b->account_id);
    store_bind_int64(s, 4, b->connection_id);
    store_bind_int64(s, 5, b->term);
    store_bind_int64(s, 6, b->amount);
    if (b->expiry_year)
        store_bind_int64(s, 7, b->expiry_year);
    else
        store_bind_null(s, 7);
    store_bind_int64(s, 8, now);
    store_bind_text(s, 9, app->lease_owner);
    store_bind_int64(s, 10, now + app->set.lease_s);
    store_bind_text(s, 11, b->idem_key);
    rc = store_step(s, err);
    if (rc == STORE_ROW)
        *op_id = store_col_int64(s, 0);
    store_stmt_release(s);
    if (rc < 0 && b->idem_key && store_errkind(app->st) == STORE_ERR_UNIQUE)
        rc = rm_err_set(err, CORE_EREFUSED,
                        "%s: an operation with key %s exists already",
                        b->name->ascii, b->idem_key);
    if (rc < 0)
        goto out;
    if ((rc = ledger_charge(app->st, *op_id, now, err)) < 0) {
        rc = funds_refused(rc, err);
        goto out;
    }
    rc = store_commit(app->st, err);
    if (rc == 0)
        rm_log(LOG_INFO,
               "op %" PRId64 ": %s %s created, charged %" PRId64 " (%s)",
               *op_id, b->kind, b->name->ascii, b->amount, "new");
out:
    store_rollback(app->st);
    return rc < 0 ? rc : 0;
}

static int parse_ns(const struct ops_order_req *r, const char *defaults,
                    char (*ns)[NAME_MAX_ASCII + 1], size_t *n,
                    struct rm_err *err)
{
    struct name nm;
    int rc;

    *n = 0;
    if (r->n_nameservers) {
        if (r->n_nameservers > REG_NS_MAX)
            return rm_err_set(err, RM_ELIMIT, "at most %d nameservers",
                              REG_NS_MAX);
        for (size_t i = 0; i < r->n_nameservers; i++) {
            if ((rc = name_parse(r->nameservers[i], &nm, err)) < 0) {
                rm_err_prefix(err, "nameserver: ");
                return rc;
            }
            snprintf(ns[(*n)++], NAME_MAX_ASCII + 1, "%s", nm.ascii);
        }
        return 0;
    }
    /* the connection's defaults were validated when they were set */
    char *copy = xstrdup(defaults), *save = NULL;
    for (char *t = strtok_r(copy, ",", &save); t && *n < REG_NS_MAX;
         t = strtok_r(NULL, ",", &save))
        snprintf(ns[(*n)++], NAME_MAX_ASCII + 1, "%s", t);
    free(copy);
    return 0;
}

/* order - register or transfer. */
static int order(struct app *app, const char *kind,
                 const struct ops_order_req *r, struct ops_result *res,
                 struct rm_err *err)
{
    bool transfer = strcmp(kind, "transfer") == 0;
    struct name nm;
    struct tld t;
    struct account a;
    struct contact owner, other[3];
    struct reg_contact rc_owner, rc_other[3];
    const struct reg_contact *slots[3] = {NULL, NULL, NULL};
    static const char *const types[3] = {"admin", "billing", "tech"};
    struct conn c;
    struct conn_session sess = {0};
    char ns[REG_NS_MAX][NAME_MAX_ASCII + 1];
    const char *nsp[REG_NS_MAX];
    size_t nns = 0;
    struct begin_req b = {0};
    struct send_req q;
    char *user = NULL, *pass = NULL, *pass_enc = NULL;
    int64_t amount, op_id = 0;
    int term = r->term ? r->term : 1, rc;

    memset(res, 0, sizeof *res);
    /* Everything is checked before the first write. */
    if ((rc = name_parse(r->name, &nm, err)) < 0)
        return rc;
    if ((rc = tld_for_name(app, &nm, &t, err)) < 0)
        return rc;
    if ((rc = tld_price_for(&t, transfer ? TLD_TRANSFER : TLD_REGISTER, term,
                            &amount, err)) < 0)
        return rc;
    if ((rc = account_get(app, r->account, &a, err)) < 0)
        return rc;
    if ((rc = contact_get(app, a.id, "owner", &owner, err)) < 0) {
        if (rc == RM_ENOTFOUND)
            rm_err_set(err, RM_EINVAL,
                       "account %s has no owner contact; set one with "
                       "\"regman account contact\"",
                       a.name);
        return rc;
    }
    contact_to_reg(&owner, &rc_owner);
    for (int i = 0; i < 3; i++) {
        struct rm_err ignore;
        if (contact_get(app, a.id, types[i], &other[i], &ignore) == 0) {
            contact_to_reg(&other[i], &rc_other[i]);
            slots[i] = &rc_other[i];
        }
    }
    if (transfer) {
        if (!r->auth_code || !*r->auth_code)
            return rm_err_set(err, RM_EINVAL, "a transfer needs the auth code");
        if ((rc = conn_check_text("auth code", r->auth_code, OPS_AUTH_MAX,
                                  false, err)) < 0)
            return rc;
    }
    if ((rc = conn_get_id(app, t.connection_id, &c, err)) < 0)
        return rc;
    rc = parse_ns(r, c.default_ns, ns, &nns, err);
    conn_release(&c);
    if (rc < 0)
        return rc;
    for (size_t i = 0; i < nns; i++)
        nsp[i] = ns[i];
    if ((rc = ops_live_domain(app, nm.ascii, &b.domain_id, err)) < 0)
        return rc;
    if (b.domain_id)
        return rm_err_set(err, CORE_EREFUSED,
                          "%s is already registered here or in progress",
                          nm.ascii);
    if ((rc = ledger_check_funds(app->st, a.id, amount, err)) < 0)
        return funds_refused(rc, err);
    if ((rc = conn_session_open(app, t.connection_id, &sess, err)) < 0)
        return rc;

    /* The registrant profile OpenSRS keeps per domain. */
    user = secret_random_text(12);
    user[0] = 'r';
    pass = secret_random_text(16);
    if ((rc = secret_seal(&app->key, pass, &pass_enc, err)) < 0)
        goto out;
    b.kind = kind;
    b.name = &nm;
    b.tld = t.tld;
    b.account_id = a.id;
    b.connection_id = t.connection_id;
    b.term = term;
    b.amount = amount;
    b.reg_username = user;
    b.reg_password_enc = pass_enc;
    if ((rc = ops_begin(app, &b, &op_id, err)) < 0)
        goto out;
    app_crash_point("after_charge");

    memset(&q, 0, sizeof q);
    q.order.domain = nm.ascii;
    q.order.period = term;
    q.order.owner = &rc_owner;
    q.order.admin = slots[0];
    q.order.billing = slots[1];
    q.order.tech = slots[2];
    q.order.nameservers = nsp;
    q.order.n_nameservers = nns;
    q.order.reg_username = user;
    q.order.reg_password = pass;
    q.order.auto_renew = false;
    q.order.auth_info = transfer ? r->auth_code : NULL;
    rc = run(app, &sess, op_id, &q, res, err);
out:
    conn_session_close(&sess);
    free(user);
    secret_free_text(pass);
    free(pass_enc);
    return rc;
}

int ops_register(struct app *app, const struct ops_order_req *r,
                 struct ops_result *res, struct rm_err *err)
{
    return order(app, "register", r, res, err);
}

int ops_transfer(struct app *app, const struct ops_order_req *r,
                 struct ops_result *res, struct rm_err *err)
{
    return order(app, "transfer", r, res, err);
}

struct domain_row {
    int64_t id, account_id, connection_id, expires_at;
    char name[NAME_MAX_ASCII + 1], tld[NAME_MAX_ASCII + 1], status[24];
};

static int domain_live(struct app *app, const char *name, struct domain_row *d,
                       struct rm_err *err)
{
    static const char sql[] =
        "SELECT id, account_id, connection_id, COALESCE(expires_at, 0), "
        "name, tld, status FROM domains WHERE name = ? AND status NOT IN "
        "('failed', 'cancelled', 'transferred_away')";
    struct store_stmt *s;
    int rc;

    if ((rc = store_prepare(app->st, sql, &s, err)) < 0)
        return rc;
    store_bind_text(s, 1, name);
    rc = store_step(s, err);
    if (rc == STORE_ROW) {
        d->id = store_col_int64(s, 0);
        d->account_id = store_col_int64(s, 1);
        d->connection_id = store_col_int64(s, 2);
        d->expires_at = store_col_int64(s, 3);
        cpy(d->name, sizeof d->name, s, 4);
        cpy(d->tld, sizeof d->tld, s, 5);
        cpy(d->status, sizeof d->status, s, 6);
        rc = 0;
    } else if (rc == STORE_DONE) {
        rc = rm_err_set(err, RM_ENOTFOUND, "%s is not a domain here", name);
    }
    store_stmt_release(s);
    return rc;
}

static int store_expiry(struct app *app, int64_t domain_id, int64_t expires,
                        struct rm_err *err)
{
    static const char sql[] =
        "UPDATE domains SET expires_at = ?, updated_at = ? WHERE id = ?";
    struct store_stmt *s;
    int rc;

    if ((rc = store_prepare(app->st, sql, &s, err)) < 0)
        return rc;
    store_bind_int64(s, 1, expires);
    store_bind_int64(s, 2, clock_now());
    store_bind_int64(s, 3, domain_id);
    rc = store_step(s, err);
    store_stmt_release(s);
    return rc < 0 ? rc : 0;
}

/* renew - ops_renew and ops_renew_auto: idem_key (may be NULL) goes on
 * the operation; expect_expires > 0 refuses a domain whose expiry moved. */
static int renew(struct app *app, const char *name, const char *account,
                 int term, const char *idem_key, int64_t expect_expires,
                 struct ops_result *res, struct rm_err *err)
{
    struct name nm;
    struct domain_row d;
    struct tld t;
    struct account a;
    struct conn_session sess = {0};
    struct begin_req b = {0};
    struct send_req q;
    int64_t amount, op_id = 0;
    int rc;

    memset(res, 0, sizeof *res);
    if (!term)
        term = 1;
    if ((rc = name_parse(name, &nm, err)) < 0)
        return rc;
    if ((rc = domain_live(app, nm.ascii, &d, err)) < 0)
        return rc;
    if (account) {
        if ((rc = account_get(app, account, &a, err)) < 0)
            return rc;
        if (a.id != d.account_id)
            return rm_err_set(err, RM_ENOTFOUND,
                              "%s is not a domain of account %s", nm.ascii,
                              a.name);
    }
    if (strcmp(d.status, "active") != 0 && strcmp(d.status, "expired") != 0)
        return rm_err_set(err, CORE_EREFUSED,
                          "%s is %s; only active or expired domains renew",
                          nm.ascii, d.status);
    if (expect_expires > 0 && d.expires_at != expect_expires)
        return rm_err_set(err, CORE_EREFUSED,
                          "%s: the expiry date changed meanwhile", nm.ascii);
    if ((rc = tld_get(app, d.tld, &t, err)) < 0)
        return rc;
    if ((rc = tld_price_for(&t, TLD_RENEW, term, &amount, err)) < 0)
        return rc;
    if ((rc = ledger_check_funds(app->st, d.account_id, amount, err)) < 0)
        return funds_refused(rc, err);
    /* The domain's own connection, even when the TLD was re-mapped. */
    if ((rc = conn_session_open(app, d.connection_id, &sess, err)) < 0)
        return rc;
    if (!d.expires_at) {
        /* Read-only: learn the expiry the renewal must carry. */
        d.expires_at = fetch_expiry(&sess, d.name);
        if (!d.expires_at) {
            rc = rm_err_set(err, CORE_EREFUSED,
                            "%s: the expiry date is unknown and the "
                            "registrar did not tell it",
                            d.name);
            goto out;
        }
        if ((rc = store_expiry(app, d.id, d.expires_at, err)) < 0)
            goto out;
    }
    b.kind = "renew";
    b.name = &nm;
    b.tld = d.tld;
    b.account_id = d.account_id;
    b.connection_id = d.connection_id;
    b.domain_id = d.id;
    b.term = term;
    b.amount = amount;
    b.expiry_year = year_of(d.expires_at);
    b.renew_from_status = d.status;
    b.idem_key = idem_key;
    if ((rc = ops_begin(app, &b, &op_id, err)) < 0)
        goto out;
    app_crash_point("after_charge");
    memset(&q, 0, sizeof q);
    q.renew.domain = d.name;
    q.renew.current_expiry_year = (int)b.expiry_year;
    q.renew.period = term;
    rc = run(app, &sess, op_id, &q, res, err);
out:
    conn_session_close(&sess);
    return rc;
}

int ops_renew(struct app *app, const char *name, const char *account, int term,
              struct ops_result *res, struct rm_err *err)
{
    return renew(app, name, account, term, NULL, 0, res, err);
}

int ops_renew_auto(struct app *app, const char *name, int term,
                   int64_t expires_at, const char *idem_key,
                   struct ops_result *res, struct rm_err *err)
{
    if (expires_at <= 0 || !idem_key || !autorenew_key(idem_key) ||
        strlen(idem_key) >= OPS_IDEM_MAX)
        return rm_err_set(err, RM_EINVAL,
                          "an automatic renewal needs its expiry date and a "
                          "key \"" OPS_AUTORENEW_PREFIX "...\"");
    return renew(app, name, NULL, term, idem_key, expires_at, res, err);
}

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
    note(p->out, "GET DOMAIN: expires %d", year_of((int64_t)info.expiry));
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
    if (year_of(e) > p->t->expiry_year) {
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
    answer_text(&r.reply, said, sizeof said);
    stop_note(p->out, "PROCESS_PENDING cancel: %s", said);
    if (r.state == REG_OP_DONE) {
        p->out->stop = OPS_STOP_STOPPED;
    } else if (r.state == REG_OP_FAILED) {
        p->out->stop = OPS_STOP_REFUSED;
        if (strcmp(p->t->kind, "transfer") != 0)
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

    if (strcmp(p->t->kind, "transfer") == 0) {
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
    if (strcmp(p->t->kind, "renew") == 0) {
        e = poll_expiry(p);
        if (e && year_of(e) > p->t->expiry_year) {
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
    bool xfer = strcmp(t->kind, "transfer") == 0;

    out->stop_answer[0] = '\0';
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
    answer_text(&r.reply, said, sizeof said);
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

void ops_poll_run(struct registrar *reg, const struct ops_target *t,
                  int64_t now, struct ops_poll *out)
{
    struct poller p = {reg, t, out};

    memset(out, 0, sizeof *out);
    /* Rule 5: past the deadline only the authoritative question is asked
     * (BELONGS_TO_RSP, CHECK_TRANSFER, GET DOMAIN); its "no" times out. */
    out->final = t->deadline_at && now >= t->deadline_at;
    if (strcmp(t->kind, "transfer") == 0)
        poll_transfer(&p);
    else if (strcmp(t->kind, "renew") == 0)
        poll_renew(&p);
    else
        poll_register(&p);
    /* Rule 9: give up only together with the registrar. */
    if (out->final && out->verdict == OPS_V_WAIT)
        ops_stop_run(reg, t, out);
    if (!out->answer[0])
        snprintf(out->answer, sizeof out->answer, "no answer");
}

const char *ops_verdict_name(enum ops_verdict v)
{
    static const char *const n[] = {"waiting", "done", "refused", "no answer"};
    return (unsigned)v < 4 ? n[v] : "?";
}

static void target_of(const struct op_row *o, struct ops_target *t)
{
    memset(t, 0, sizeof *t);
    t->id = o->id;
    t->connection_id = o->connection_id;
    t->expiry_year = o->expiry_year;
    t->deadline_at = o->deadline_at;
    snprintf(t->kind, sizeof t->kind, "%s", o->kind);
    snprintf(t->domain, sizeof t->domain, "%s", o->domain);
    snprintf(t->order_id, sizeof t->order_id, "%s", o->order_id);
    snprintf(t->queue_id, sizeof t->queue_id, "%s", o->queue_id);
}

int ops_target_get(struct app *app, int64_t op_id, struct ops_target *t,
                   struct rm_err *err)
{
    struct op_row o;
    int rc;

    if ((rc = op_load(app, op_id, &o, err)) < 0)
        return rc;
    target_of(&o, t);
    return outcome_of(o.state);
}

static int note_check(struct app *app, const struct op_row *o,
                      const char *answer, const char *xfer, int64_t next,
                      struct rm_err *err)
{
    static const char sql[] =
        "UPDATE operations SET last_check_at = ?, checks = checks + 1, "
        "next_check_at = COALESCE(?, next_check_at), last_answer = ?, "
        "transfer_status = COALESCE(?, transfer_status) WHERE id = ? AND "
        "state = ?";
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
    store_bind_int64(s, 5, o->id);
    store_bind_text(s, 6, o->state);
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
 * state, reason and expiry; NULL when p does not end it. A poll that
 * decided "final" is judged against the row's deadline (an admin reset in
 * between wins). */
static const char *settle_of(const struct op_row *o, const struct ops_poll *p,
                             int64_t now, const char **reason, int64_t *expires)
{
    bool final = p->final && o->deadline_at && now >= o->deadline_at;

    *expires = 0;
    if (p->verdict == OPS_V_DONE && p->stop != OPS_STOP_NONE) {
        *reason = "completed at the registrar before it could be stopped";
        *expires = p->expiry;
        return "succeeded";
    }
    if (p->verdict == OPS_V_WAIT && final && p->stop != OPS_STOP_NONE) {
        *reason = ops_stop_watch(p->stop)
                      ? "deadline passed; not done at the registrar, which "
                        "did not confirm the cancel: refunded and watched"
                      : "deadline passed; not done at the registrar, which "
                        "cancelled the order";
        return "timed_out";
    }
    if (p->verdict == OPS_V_DONE) {
        *reason = "completed at the registrar";
        *expires = p->expiry;
        return "succeeded";
    }
    if (p->verdict == OPS_V_NO) {
        *reason = p->answer;
        return "failed";
    }
    if (p->verdict == OPS_V_WAIT && final) {
        *reason = "deadline passed; the final check did not find it "
                  "done at the registrar";
        return "timed_out";
    }
    return NULL;
}

/* watch_fields - rule 9: what the stop's answer p means for the move
 * that refunds o (f): the answer recorded, and watched unless the
 * registrar confirmed the stop. */
static int watch_fields(struct app *app, const struct op_row *o,
                        const struct ops_poll *p, int64_t now,
                        struct move_fields *f, struct rm_err *err)
{
    struct windows w;
    int rc;

    if (p->stop == OPS_STOP_NONE)
        return 0;
    f->stop_answer = p->stop_answer;
    f->stop_state = ops_stop_word(p->stop);
    if (p->verdict == OPS_V_DONE || !ops_stop_watch(p->stop))
        return 0;
    if ((rc = windows_for(app, o, &w, err)) < 0)
        return rc;
    f->watch = "watching";
    f->watch_next_at = now + OPS_WATCH_CADENCE * w.poll;
    f->watch_until = now + OPS_WATCH_DAYS * 86400;
    return 0;
}

/*
 * apply - inside the caller's write transaction: count the check, then
 * either settle o through finish() (same transaction, rule 4; pre is the
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
    const char *state;
    bool taken = false;
    int rc;

    /* O5 with rule 9: the year a renewal extends is credited once */
    if (p->verdict == OPS_V_DONE && strcmp(o->kind, "renew") == 0 &&
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
    state = settle_of(o, p, now, &f.reason, &expires);

    f.last_answer = p->answer;
    f.transfer_status = p->transfer_status;
    if (state) {
        if ((rc = note_check(app, o, p->answer, NULL, 0, err)) < 0)
            return rc;
        if ((rc = watch_fields(app, o, p, now, &f, err)) < 0)
            return rc;
        return finish(app, o, state, &f, expires, pre, err);
    }
    /* still waiting, or no usable answer: the next check one poll
     * interval on (first check → hourly; bounded by the interval) */
    if ((rc = windows_for(app, o, &w, err)) < 0)
        return rc;
    return note_check(app, o, p->answer, p->transfer_status, now + w.poll, err);
}

int ops_poll_apply(struct app *app, int64_t op_id, const struct ops_poll *p,
                   struct ops_result *res, struct rm_err *err)
{
    struct op_row o;
    struct op_mail pre = {0};
    bool own = !store_in_tx(app->st);
    int rc;

    memset(res, 0, sizeof *res);
    /* A poll that settles the operation: its customer mail is rendered
     * before the write transaction (O8); apply() judges again inside it,
     * and finish() renders again only when the row changed meanwhile. */
    if (own && ops_poll_settles(p)) {
        const char *reason, *state;
        char why[sizeof o.reason];
        int64_t expires;
        if ((rc = op_load(app, op_id, &o, err)) < 0)
            goto out;
        state = strcmp(o.state, "pending") == 0
                    ? settle_of(&o, p, clock_now(), &reason, &expires)
                    : NULL;
        if (state) {
            struct move_fields f = {.reason = reason};
            mail_reason(&o, &f, why, sizeof why);
            if ((rc = op_mail_render(
                     app, &o, state, why, mail_expiry(&o, state, expires),
                     terminal_refund(state) ? o.amount : 0, &pre, err)) < 0)
                goto out;
        }
    }
    if (own && (rc = store_begin(app->st, STORE_TX_WRITE, err)) < 0)
        goto out;
    if ((rc = op_load(app, op_id, &o, err)) < 0)
        goto out;
    if (strcmp(o.state, "pending") == 0 &&
        (rc = apply(app, &o, p, &pre, err)) < 0)
        goto out;
    fill_result(&o, res);
    if (own)
        rc = store_commit(app->st, err);
out:
    if (own)
        store_rollback(app->st);
    op_mail_release(&pre);
    if (rc < 0) {
        rm_err_prefix(err, "op %" PRId64 ": ", op_id);
        return rc;
    }
    if (!own)
        return outcome_of(o.state);
    return reload(app, op_id, res, err);
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
        return reload(app, op_id, res, err);
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

int ops_reset(struct app *app, int64_t op_id, struct ops_result *res,
              struct rm_err *err)
{
    static const char sql[] =
        "UPDATE operations SET deadline_at = ?, next_check_at = ? WHERE id "
        "= ? AND state = 'pending'";
    struct store_stmt *s;
    struct windows w;
    struct op_row o;
    int64_t now = clock_now(), deadline;
    int rc;

    memset(res, 0, sizeof *res);
    if ((rc = store_begin(app->st, STORE_TX_WRITE, err)) < 0)
        return rc;
    if ((rc = op_load(app, op_id, &o, err)) < 0)
        goto out;
    if (strcmp(o.state, "pending") != 0) {
        rc = rm_err_set(err, CORE_EREFUSED,
                        "op %" PRId64 " is %s; only pending operations reset",
                        op_id, o.state);
        goto out;
    }
    if ((rc = windows_for(app, &o, &w, err)) < 0)
        goto out;
    deadline = now + (strcmp(o.kind, "transfer") == 0 ? w.deadline_xfer
                                                      : w.deadline_reg);
    if ((rc = store_prepare(app->st, sql, &s, err)) < 0)
        goto out;
    store_bind_int64(s, 1, deadline);
    store_bind_int64(s, 2, now); /* "check soon": due at the next sweep */
    store_bind_int64(s, 3, op_id);
    rc = store_step(s, err);
    store_stmt_release(s);
    if (rc < 0)
        goto out;
    if ((rc = store_commit(app->st, err)) == 0)
        rm_log(LOG_INFO, "op %" PRId64 ": reset: deadline %" PRId64, op_id,
               deadline);
out:
    store_rollback(app->st);
    if (rc < 0)
        return rc;
    return reload(app, op_id, res, err);
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
    if (strcmp(o.state, "pending") != 0)
        return rm_err_set(err, CORE_EREFUSED,
                          "op %" PRId64 " is %s; only pending operations "
                          "can be cancelled",
                          op_id, o.state);
    /* Rule 9: at the registrar first. */
    memset(&p, 0, sizeof p);
    p.verdict = OPS_V_WAIT;
    target_of(&o, &t);
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
    if (strcmp(o.state, "pending") != 0)
        return rm_err_set(err, CORE_EREFUSED,
                          "op %" PRId64 " became %s meanwhile", op_id, o.state);
    if (p.verdict == OPS_V_DONE && strcmp(o.kind, "renew") == 0) {
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
        if ((rc = finish(app, &o, "succeeded", &f, p.expiry, NULL, err)) < 0)
            return rc;
        return reload(app, op_id, res, err);
    }
    snprintf(reason, sizeof reason, "cancelled by the admin%s%s; registrar: %s",
             why && *why ? ": " : "", why ? why : "",
             ops_stop_watch(p.stop) ? "did not confirm the cancel (watched)"
                                    : "order cancelled");
    f.reason = reason;
    now = clock_now();
    if ((rc = watch_fields(app, &o, &p, now, &f, err)) < 0)
        return rc;
    if ((rc = finish(app, &o, "cancelled", &f, 0, NULL, err)) < 0)
        return rc;
    return reload(app, op_id, res, err);
}

/* --- lookup and transfer status ------------------------------------------ */

int ops_lookup(struct app *app, const char *name, struct ops_lookup *out,
               struct rm_err *err)
{
    struct conn_session sess;
    struct reg_lookup lk;
    struct tld t;
    int rc;

    memset(out, 0, sizeof *out);
    if ((rc = name_parse(name, &out->name, err)) < 0)
        return rc;
    if ((rc = tld_for_name(app, &out->name, &t, err)) < 0)
        return rc;
    snprintf(out->tld, sizeof out->tld, "%s", t.tld);
    snprintf(out->connection, sizeof out->connection, "%s", t.connection);
    for (int y = 0; y <= TLD_MAX_TERM; y++)
        out->price[y] = (y && (t.allowed_terms & (1u << y)))
                            ? t.price[TLD_REGISTER][y]
                            : TLD_NOPRICE;
    if ((rc = conn_session_open(app, t.connection_id, &sess, err)) < 0)
        return rc;
    memset(&lk, 0, sizeof lk);
    rc = reg_lookup(sess.reg, out->name.ascii, &lk, err);
    conn_session_close(&sess);
    if (rc < 0)
        return rc;
    out->availability = lk.availability;
    out->premium = lk.premium;
    out->has_claim = lk.has_claim;
    snprintf(out->reason, sizeof out->reason, "%s", lk.reply.text);
    return 0;
}

int ops_transfer_status(struct app *app, const char *name, const char *account,
                        struct ops_transfer_status *out, struct rm_err *err)
{
    static const char sql[] =
        "SELECT o.id FROM operations o JOIN domains d ON d.id = o.domain_id "
        "WHERE d.name = ? AND o.kind = 'transfer' AND (? = 0 OR "
        "o.account_id = ?) ORDER BY o.id DESC LIMIT 1";
    struct name nm;
    struct account a = {0};
    struct store_stmt *s;
    struct conn_session sess;
    struct reg_transfer_info ti;
    struct tld t;
    int64_t op_id = 0;
    int rc;

    memset(out, 0, sizeof *out);
    if ((rc = name_parse(name, &nm, err)) < 0)
        return rc;
    if (account && (rc = account_get(app, account, &a, err)) < 0)
        return rc;
    if ((rc = store_prepare(app->st, sql, &s, err)) < 0)
        return rc;
    store_bind_text(s, 1, nm.ascii);
    store_bind_int64(s, 2, a.id);
    store_bind_int64(s, 3, a.id);
    if ((rc = store_step(s, err)) == STORE_ROW)
        op_id = store_col_int64(s, 0);
    store_stmt_release(s);
    if (rc < 0)
        return rc;
    if (op_id) {
        out->own = true;
        rc = ops_check(app, op_id, &out->op, err);
        snprintf(out->status, sizeof out->status, "%s",
                 out->op.transfer_status);
        snprintf(out->reason, sizeof out->reason, "%s", out->op.reason);
        return rc;
    }
    if ((rc = tld_for_name(app, &nm, &t, err)) < 0)
        return rc;
    if ((rc = conn_session_open(app, t.connection_id, &sess, err)) < 0)
        return rc;
    memset(&ti, 0, sizeof ti);
    rc = reg_transfer_status(sess.reg, nm.ascii, &ti, err);
    conn_session_close(&sess);
    if (rc < 0)
        return rc;
    out->transferable = ti.transferable;
    snprintf(out->status, sizeof out->status, "%s", ti.status);
    snprintf(out->reason, sizeof out->reason, "%s", ti.reason);
    return 0;
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
        if (strcmp(o.state, "new") == 0) {
            f.reason = "never sent: the process stopped before sending";
            rc = finish(app, &o, "failed", &f, 0, NULL, err);
        } else if (strcmp(o.state, "sending") == 0) {
            /* Rule 2: never resend; find out with read-only calls. */
            if ((rc = windows_for(app, &o, &w, err)) < 0)
                return rc;
            f.reason = "transport: outcome unknown, the process stopped "
                       "while sending";
            f.next_check_at = now;
            f.deadline_at =
                now + (strcmp(o.kind, "transfer") == 0 ? w.deadline_xfer
                                                       : w.deadline_reg);
            rc = finish(app, &o, "pending", &f, 0, NULL, err);
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
               strcmp(o.state, "failed") == 0 ? "new" : "sending");
        (*n)++;
    }
    return 0;
}
