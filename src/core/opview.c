/*
 * opview - operations as the API and the CLI show them (contract in
 * opview.h).
 */
#include "core/opview.h"

#include <stddef.h>

#define OP_FIELDS                                                              \
    "o.id, o.kind, o.state, o.domain_id, d.name, d.unicode_name, "             \
    "o.account_id, a.name, o.connection_id, o.term, o.amount, "                \
    "COALESCE(o.registrar_order_id, ''), COALESCE(o.queue_request_id, ''), "   \
    "COALESCE(o.transfer_status, ''), COALESCE(o.pending_reason, ''), "        \
    "COALESCE(o.last_answer, ''), o.checks, o.created_at, "                    \
    "COALESCE(o.sent_at, 0), COALESCE(o.next_check_at, 0), "                   \
    "COALESCE(o.last_check_at, 0), COALESCE(o.deadline_at, 0), "               \
    "COALESCE(o.finished_at, 0), COALESCE(o.watch, ''), "                      \
    "COALESCE(o.stop_answer, ''), COALESCE(o.registrar_cost, -1), "            \
    "COALESCE(o.late_at, 0), COALESCE(o.held_domain_id, 0), "                  \
    "COALESCE(o.resolved_op_id, 0), COALESCE(o.watch_next_at, 0), "            \
    "COALESCE(t.poll_interval_s, c.poll_interval_s), "                         \
    "COALESCE(o.actor, '') "
#define OP_FROM                                                                \
    "FROM operations o JOIN domains d ON d.id = o.domain_id "                  \
    "JOIN accounts a ON a.id = o.account_id "                                  \
    "JOIN registrar_connections c ON c.id = o.connection_id "                  \
    "LEFT JOIN tlds t ON t.tld = d.tld AND t.connection_id = o.connection_id "
#define OP_COLS OP_FIELDS OP_FROM

static const char *txt(struct store_stmt *s, int col)
{
    const char *v = store_col_text(s, col);
    return v ? v : "";
}

/* op_row - a row of OP_FIELDS (columns 0..31); a caller reading more
 * columns reads them from 32 on. */
static void op_row(struct store_stmt *s, struct op_view *v)
{
    v->id = store_col_int64(s, 0);
    v->kind = txt(s, 1);
    v->state = txt(s, 2);
    v->domain_id = store_col_int64(s, 3);
    v->domain = txt(s, 4);
    v->unicode_name = txt(s, 5);
    v->account_id = store_col_int64(s, 6);
    v->account = txt(s, 7);
    v->connection_id = store_col_int64(s, 8);
    v->term = store_col_int64(s, 9);
    v->amount = store_col_int64(s, 10);
    v->order_id = txt(s, 11);
    v->queue_id = txt(s, 12);
    v->transfer_status = txt(s, 13);
    v->pending_reason = txt(s, 14);
    v->last_answer = txt(s, 15);
    v->checks = store_col_int64(s, 16);
    v->created_at = store_col_int64(s, 17);
    v->sent_at = store_col_int64(s, 18);
    v->next_check_at = store_col_int64(s, 19);
    v->last_check_at = store_col_int64(s, 20);
    v->deadline_at = store_col_int64(s, 21);
    v->finished_at = store_col_int64(s, 22);
    v->watch = txt(s, 23);
    v->stop_answer = txt(s, 24);
    v->registrar_cost = store_col_int64(s, 25);
    v->late_at = store_col_int64(s, 26);
    v->held_domain_id = store_col_int64(s, 27);
    v->resolved_op_id = store_col_int64(s, 28);
    v->watch_next_at = store_col_int64(s, 29);
    v->check_interval_s = store_col_int64(s, 30);
    v->actor = txt(s, 31);
}

/* run_ops - step the bound statement s, fn per row, release s. */
static int run_ops(struct store_stmt *s, op_view_fn fn, void *arg, bool *found,
                   struct rm_err *err)
{
    int rc;
    if (found)
        *found = false;
    while ((rc = store_step(s, err)) == STORE_ROW) {
        struct op_view v;
        op_row(s, &v);
        if (found)
            *found = true;
        fn(&v, arg);
    }
    store_stmt_release(s);
    return rc < 0 ? rc : 0;
}

int opview_get(struct app *app, int64_t id, op_view_fn fn, void *arg,
               bool *found, struct rm_err *err)
{
    struct store_stmt *s;
    int rc =
        store_prepare(app->st, "SELECT " OP_COLS "WHERE o.id = ?", &s, err);
    if (found)
        *found = false;
    if (rc < 0)
        return rc;
    store_bind_int64(s, 1, id);
    return run_ops(s, fn, arg, found, err);
}

int opview_of_domain(struct app *app, int64_t domain_id, op_view_fn fn,
                     void *arg, struct rm_err *err)
{
    struct store_stmt *s;
    int rc = store_prepare(
        app->st, "SELECT " OP_COLS "WHERE o.domain_id = ? ORDER BY o.id", &s,
        err);
    if (rc < 0)
        return rc;
    store_bind_int64(s, 1, domain_id);
    return run_ops(s, fn, arg, NULL, err);
}

int opview_list(struct app *app, const struct opview_filter *f,
                const struct view_page *p, op_view_fn fn, void *arg,
                struct rm_err *err)
{
    static const char sql[] =
        "SELECT " OP_COLS
        "WHERE (? = 0 OR o.account_id = ?) AND (CAST(? AS TEXT) IS NULL OR "
        "o.state = ?) AND (CAST(? AS TEXT) IS NULL OR o.kind = ?) AND "
        "(CAST(? AS TEXT) IS NULL OR d.name = ?) AND (CAST(? AS TEXT) IS "
        "NULL OR o.watch = ?) AND (? = 0 OR o.reseller_id = ?) AND (? = 0 "
        "OR o.id < ?) ORDER BY o.id DESC LIMIT ? OFFSET ?";
    struct store_stmt *s;
    int rc = store_prepare(app->st, sql, &s, err);
    if (rc < 0)
        return rc;
    store_bind_int64(s, 1, f->account_id);
    store_bind_int64(s, 2, f->account_id);
    store_bind_text(s, 3, f->state);
    store_bind_text(s, 4, f->state);
    store_bind_text(s, 5, f->kind);
    store_bind_text(s, 6, f->kind);
    store_bind_text(s, 7, f->domain);
    store_bind_text(s, 8, f->domain);
    store_bind_text(s, 9, f->watch);
    store_bind_text(s, 10, f->watch);
    store_bind_int64(s, 11, f->reseller_id);
    store_bind_int64(s, 12, f->reseller_id);
    view_bind_page(s, 13, p);
    return run_ops(s, fn, arg, NULL, err);
}

int opview_latest_of_name(struct app *app, const char *ascii, int64_t *op_id,
                          struct rm_err *err)
{
    static const char sql[] =
        "SELECT o.id FROM operations o JOIN domains d ON d.id = "
        "o.domain_id WHERE d.name = ? ORDER BY (o.state = "
        "'pending') DESC, o.id DESC LIMIT 1";
    struct store_stmt *s;
    int rc = store_prepare(app->st, sql, &s, err);
    if (rc < 0)
        return rc;
    store_bind_text(s, 1, ascii);
    if ((rc = store_step(s, err)) == STORE_ROW)
        *op_id = store_col_int64(s, 0);
    store_stmt_release(s);
    if (rc == STORE_DONE)
        return rm_err_set(err, RM_ENOTFOUND, "%s has no operations", ascii);
    return rc < 0 ? rc : 0;
}

int opview_ended(struct app *app, int64_t since, const struct view_page *p,
                 void (*fn)(const struct op_view *v, bool refunded, void *arg),
                 void *arg, struct rm_err *err)
{
    /* deadline_at is set by the move to pending and kept: an operation
     * with one went through the Async Manager */
    static const char sql[] =
        "SELECT " OP_FIELDS ", (SELECT CAST(COUNT(*) AS BIGINT) FROM "
        "ledger_postings p WHERE p.operation_id = o.id AND p.kind = "
        "'refund') " OP_FROM
        "WHERE o.deadline_at IS NOT NULL AND o.finished_at IS NOT NULL AND "
        "o.finished_at >= ? AND o.state IN ('succeeded', 'failed', "
        "'timed_out', 'cancelled') AND (? = 0 OR o.id < ?) "
        "ORDER BY o.finished_at DESC, o.id DESC LIMIT ? OFFSET ?";
    struct store_stmt *s;
    int rc = store_prepare(app->st, sql, &s, err);
    if (rc < 0)
        return rc;
    store_bind_int64(s, 1, since);
    view_bind_page(s, 2, p);
    while ((rc = store_step(s, err)) == STORE_ROW) {
        struct op_view v;
        op_row(s, &v);
        fn(&v, store_col_int64(s, 32) != 0, arg);
    }
    store_stmt_release(s);
    return rc < 0 ? rc : 0;
}
