/*
 * outbox - the mail outbox's queries (contract and invariants M1-M3 in
 * outbox.h).
 */
#include "core/outbox.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "mail/template.h"
#include "util/log.h"
#include "util/xalloc.h"

#define ROW_COLS                                                               \
    "id, idem_key, message_id, to_addr, subject, body, state, attempts, "      \
    "next_attempt_at, created_at, sent_at, last_error"

static char *dup_col(struct store_stmt *s, int col)
{
    const char *t = store_col_text(s, col);
    return t ? xstrdup(t) : NULL;
}

static void read_row(struct store_stmt *s, struct mail_row *r)
{
    r->id = store_col_int64(s, 0);
    r->idem_key = dup_col(s, 1);
    r->message_id = dup_col(s, 2);
    r->to_addr = dup_col(s, 3);
    r->subject = dup_col(s, 4);
    r->body = dup_col(s, 5);
    r->state = dup_col(s, 6);
    r->attempts = store_col_int64(s, 7);
    r->next_attempt_at = store_col_int64(s, 8);
    r->created_at = store_col_int64(s, 9);
    r->sent_at = store_col_is_null(s, 10) ? 0 : store_col_int64(s, 10);
    r->last_error = dup_col(s, 11);
}

int outbox_queue(struct store *st, const struct mail_config *mc,
                 const char *idem_key, const char *to, const char *subject,
                 const char *body, int64_t now, int64_t *id, struct rm_err *err)
{
    /* A key queued before: the DO UPDATE leaves the row as it is (the key
     * set to itself) and RETURNING names it, so a replay needs no second
     * look-up; the stored Message-ID tells a new row from an old one. */
    static const char sql[] =
        "INSERT INTO mail_outbox (idem_key, message_id, to_addr, subject, "
        "body, state, attempts, next_attempt_at, created_at) "
        "VALUES (?, ?, ?, ?, ?, 'queued', 0, ?, ?) "
        "ON CONFLICT (idem_key) DO UPDATE SET idem_key = excluded.idem_key "
        "RETURNING id, message_id";
    char msgid[MAIL_ADDR_MAX + 64];
    struct store_stmt *s;
    int64_t newid = 0;
    bool fresh = false;
    int rc;

    if (!store_in_tx(st))
        return rm_err_set(err, RM_EINTERNAL,
                          "mail: outbox_queue outside a transaction");
    if ((rc = mail_check(mc, idem_key, to, subject, body, err)) < 0)
        return rc;
    mail_new_message_id(mc, msgid, sizeof(msgid));
    if ((rc = store_prepare(st, sql, &s, err)) < 0)
        return rc;
    store_bind_text(s, 1, idem_key);
    store_bind_text(s, 2, msgid);
    store_bind_text(s, 3, to);
    store_bind_text(s, 4, subject);
    store_bind_text(s, 5, body);
    store_bind_int64(s, 6, now);
    store_bind_int64(s, 7, now);
    rc = store_step(s, err);
    if (rc == STORE_ROW) {
        const char *m = store_col_text(s, 1);
        newid = store_col_int64(s, 0);
        fresh = m && !strcmp(m, msgid);
        rc = store_step(s, err);
    }
    store_stmt_release(s);
    if (rc < 0)
        return rc;
    if (newid == 0)
        return rm_err_set(err, RM_EINTERNAL, "mail: outbox row %s vanished",
                          idem_key);
    if (fresh)
        rm_log(LOG_INFO, "mail %lld: queued for %s (%s)", (long long)newid, to,
               idem_key);
    if (id)
        *id = newid;
    return 0;
}

int outbox_queue_template(struct store *st, const struct mail_config *mc,
                          const char *idem_key, const char *to,
                          const char *name, const struct tmpl_var *vars,
                          size_t nvars, int64_t now, int64_t *id,
                          struct rm_err *err)
{
    char *subject, *body;
    int rc = tmpl_mail(mc->templates_dir ? mc->templates_dir : "templates",
                       name, vars, nvars, &subject, &body, err);
    if (rc < 0)
        return rc;
    rc = outbox_queue(st, mc, idem_key, to, subject, body, now, id, err);
    free(subject);
    free(body);
    return rc;
}

int outbox_get(struct store *st, int64_t id, struct mail_row *row,
               struct rm_err *err)
{
    struct store_stmt *s;
    int rc = store_prepare(
        st, "SELECT " ROW_COLS " FROM mail_outbox WHERE id = ?", &s, err);
    if (rc < 0)
        return rc;
    store_bind_int64(s, 1, id);
    rc = store_step(s, err);
    if (rc == STORE_ROW)
        read_row(s, row);
    store_stmt_release(s);
    if (rc == STORE_DONE)
        return rm_err_set(err, RM_ENOTFOUND, "mail %lld: no such message",
                          (long long)id);
    return rc < 0 ? rc : 0;
}

int outbox_list(struct store *st, const char *state, int limit,
                struct mail_row **rows, int *n, struct rm_err *err)
{
    *rows = NULL;
    *n = 0;
    if (limit < 1 || limit > 10000)
        return rm_err_set(err, RM_EINVAL, "mail: list limit out of range");
    struct store_stmt *s;
    /* Two statements rather than "? IS NULL OR state = ?": PostgreSQL
     * cannot type a parameter that is only compared with NULL. */
    int rc = state ? store_prepare(st,
                                   "SELECT " ROW_COLS " FROM mail_outbox "
                                   "WHERE state = ? ORDER BY id DESC LIMIT ?",
                                   &s, err)
                   : store_prepare(st,
                                   "SELECT " ROW_COLS " FROM mail_outbox "
                                   "ORDER BY id DESC LIMIT ?",
                                   &s, err);
    if (rc < 0)
        return rc;
    int k = 1;
    if (state)
        store_bind_text(s, k++, state);
    store_bind_int64(s, k, limit);
    struct mail_row *out = xcalloc((size_t)limit, sizeof(*out));
    int cnt = 0;
    while ((rc = store_step(s, err)) == STORE_ROW)
        read_row(s, &out[cnt++]);
    store_stmt_release(s);
    if (rc < 0) {
        mail_rows_free(out, cnt);
        return rc;
    }
    *rows = out;
    *n = cnt;
    return 0;
}

struct retry_unit {
    int64_t id;
    int64_t now;
};

/* retry_unit - refuse a sent row, requeue any other. */
static int retry_unit(struct store *st, void *arg, struct rm_err *err)
{
    const struct retry_unit *u = arg;
    struct store_stmt *s;
    int rc = store_prepare(st, "SELECT state FROM mail_outbox WHERE id = ?", &s,
                           err);
    if (rc < 0)
        return rc;
    store_bind_int64(s, 1, u->id);
    rc = store_step(s, err);
    bool sent = rc == STORE_ROW && !strcmp(store_col_text(s, 0), "sent");
    store_stmt_release(s);
    if (rc < 0)
        return rc;
    if (rc == STORE_DONE)
        return rm_err_set(err, RM_ENOTFOUND, "mail %lld: no such message",
                          (long long)u->id);
    if (sent)
        return rm_err_set(err, RM_EINVAL, "mail %lld: already sent",
                          (long long)u->id);
    rc = store_prepare(st,
                       "UPDATE mail_outbox SET state = 'queued', attempts = 0, "
                       "next_attempt_at = ? WHERE id = ? AND state <> 'sent'",
                       &s, err);
    if (rc < 0)
        return rc;
    store_bind_int64(s, 1, u->now);
    store_bind_int64(s, 2, u->id);
    rc = store_step(s, err);
    store_stmt_release(s);
    return rc < 0 ? rc : 0;
}

int outbox_retry(struct store *st, int64_t id, int64_t now, struct rm_err *err)
{
    struct retry_unit u = {id, now};
    int rc = store_tx(st, STORE_TX_WRITE, retry_unit, &u, err);

    if (rc == 0)
        rm_log(LOG_INFO, "mail %lld: requeued by an admin", (long long)id);
    return rc;
}

int outbox_due(struct store *st, int64_t now, int limit, struct mail_row **rows,
               int *n, struct rm_err *err)
{
    *rows = NULL;
    *n = 0;
    if (limit < 1 || limit > 10000)
        return rm_err_set(err, RM_EINVAL, "mail: batch limit out of range");
    struct store_stmt *s;
    int rc = store_prepare(st,
                           "SELECT " ROW_COLS " FROM mail_outbox "
                           "WHERE state = 'queued' AND next_attempt_at <= ? "
                           "ORDER BY next_attempt_at, id LIMIT ?",
                           &s, err);
    if (rc < 0)
        return rc;
    store_bind_int64(s, 1, now);
    store_bind_int64(s, 2, limit);
    struct mail_row *out = xcalloc((size_t)limit, sizeof(*out));
    int cnt = 0;
    while ((rc = store_step(s, err)) == STORE_ROW)
        read_row(s, &out[cnt++]);
    store_stmt_release(s);
    if (rc < 0) {
        mail_rows_free(out, cnt);
        return rc;
    }
    *rows = out;
    *n = cnt;
    return 0;
}

struct record_unit {
    const struct mail_row *row;
    const char *state;
    int64_t attempts;
    const struct rm_err *e;
    int64_t now, next;
    int64_t changed;
};

/* record_unit - one statement for the three outcomes; the WHERE is M2. */
static int record_unit(struct store *st, void *arg, struct rm_err *err)
{
    struct record_unit *u = arg;
    struct store_stmt *s;
    int rc = store_prepare(st,
                           "UPDATE mail_outbox SET state = ?, attempts = ?, "
                           "last_error = ?, sent_at = ?, next_attempt_at = ? "
                           "WHERE id = ? AND state = 'queued' AND attempts = ?",
                           &s, err);
    if (rc < 0)
        return rc;
    store_bind_text(s, 1, u->state);
    store_bind_int64(s, 2, u->attempts);
    store_bind_text(s, 3, u->e ? u->e->msg : NULL);
    if (u->e)
        store_bind_null(s, 4);
    else
        store_bind_int64(s, 4, u->now);
    store_bind_int64(s, 5, u->next);
    store_bind_int64(s, 6, u->row->id);
    store_bind_int64(s, 7, u->row->attempts);
    rc = store_step(s, err);
    store_stmt_release(s);
    if (rc < 0)
        return rc;
    u->changed = store_changes(st);
    return 0;
}

int outbox_record(struct store *st, const struct mail_config *mc,
                  const struct mail_row *row, const struct rm_err *e,
                  int64_t now, struct mail_deliver_stats *stats,
                  struct rm_err *err)
{
    int64_t attempts = row->attempts + 1;
    int64_t wait = mail_backoff(attempts, mc->retry_min_s, mc->retry_max_s);
    const char *state = !e                             ? "sent"
                        : attempts >= mc->max_attempts ? "failed"
                                                       : "queued";
    struct record_unit u = {
        row,      state,
        attempts, e,
        now,      !strcmp(state, "queued") ? now + wait : row->next_attempt_at,
        0};
    int rc = store_tx(st, STORE_TX_WRITE, record_unit, &u, err);

    if (rc < 0)
        return rc;
    if (u.changed == 0) {
        rm_log(LOG_WARN,
               "mail %lld: changed during delivery; outcome %s not recorded",
               (long long)row->id, state);
    } else if (!e) {
        stats->sent++;
        rm_log(LOG_INFO, "mail %lld: sent to %s %s", (long long)row->id,
               row->to_addr, row->message_id);
    } else if (!strcmp(state, "failed")) {
        stats->failed++;
        rm_log(LOG_ERROR, "mail %lld: giving up after %lld attempts: %s",
               (long long)row->id, (long long)attempts, e->msg);
    } else {
        stats->deferred++;
        rm_log(LOG_WARN, "mail %lld: attempt %lld failed, retry in %llds: %s",
               (long long)row->id, (long long)attempts, (long long)wait,
               e->msg);
    }
    return 0;
}

int outbox_deliver_due(struct store *st, const struct mail_config *mc,
                       int64_t now, int limit, int (*keep_going)(void *arg),
                       void *arg, struct mail_deliver_stats *stats,
                       struct rm_err *err)
{
    struct mail_row *rows = NULL;
    struct mail_sender *ms = NULL;
    int n = 0, rc;

    memset(stats, 0, sizeof(*stats));
    if (limit < 1 || limit > 10000)
        return rm_err_set(err, RM_EINVAL, "mail: batch limit out of range");
    if (store_in_tx(st))
        return rm_err_set(err, RM_EINTERNAL,
                          "mail: delivery inside a transaction");
    if ((rc = outbox_due(st, now, limit, &rows, &n, err)) < 0)
        return rc;
    if (n && (rc = mail_sender_new(mc, &ms, err)) < 0)
        goto out;
    for (int i = 0; i < n; i++) {
        if (keep_going && !keep_going(arg))
            break;
        struct rm_err e;
        rm_err_clear(&e);
        int src = mail_sender_send(ms, &rows[i], &e);
        rc = outbox_record(st, mc, &rows[i], src < 0 ? &e : NULL, now, stats,
                           err);
        if (rc < 0)
            break;
    }
    mail_sender_free(ms);
out:
    mail_rows_free(rows, n);
    return rc;
}
