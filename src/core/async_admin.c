/*
 * async_admin - the Async Manager's listings and an admin's actions on one
 * operation (list, show, resolve a spec, check, reset, cancel); the sweep
 * and the digest are async.c. Contract in async.h.
 */
#include "core/async.h"
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "core/conn.h"
#include "core/money.h"
#include "core/names.h"
#include "core/pace.h"
#include "core/reglog.h"
#include "core/watch.h"
#include "mail/template.h"
#include "util/buf.h"
#include "util/clock.h"
#include "util/log.h"
#include "util/xalloc.h"
#include "core/outbox.h"

#define ENTRY_COLS                                                             \
    "SELECT o.id, d.name, a.name, c.title, o.kind, o.state, o.amount, "        \
    "o.created_at, COALESCE(o.last_check_at, 0), "                             \
    "COALESCE(o.next_check_at, 0), COALESCE(o.deadline_at, 0), "               \
    "COALESCE(o.finished_at, 0), o.checks, "                                   \
    "COALESCE(o.registrar_order_id, ''), COALESCE(o.queue_request_id, ''), "   \
    "COALESCE(o.transfer_status, ''), COALESCE(o.last_answer, ''), "           \
    "COALESCE(o.pending_reason, ''), COALESCE(o.watch, ''), "                  \
    "COALESCE(o.stop_answer, ''), COALESCE(o.registrar_cost, -1), "            \
    "COALESCE(o.late_at, 0), COALESCE(o.watch_next_at, 0), "                   \
    "COALESCE(o.held_domain_id, 0), COALESCE(o.resolved_op_id, 0), "           \
    "COALESCE(o.resolved_at, 0) FROM operations o JOIN domains d ON "          \
    "d.id = o.domain_id JOIN accounts a ON a.id = o.account_id JOIN "          \
    "registrar_connections c ON c.id = o.connection_id "

static void cpy(char *dst, size_t n, struct store_stmt *s, int col)
{
    const char *t = store_col_text(s, col);
    snprintf(dst, n, "%s", t ? t : "");
}

static void entry_read(struct store_stmt *s, struct async_entry *e)
{
    memset(e, 0, sizeof *e);
    e->id = store_col_int64(s, 0);
    cpy(e->domain, sizeof e->domain, s, 1);
    cpy(e->account, sizeof e->account, s, 2);
    cpy(e->connection, sizeof e->connection, s, 3);
    cpy(e->kind, sizeof e->kind, s, 4);
    cpy(e->state, sizeof e->state, s, 5);
    e->amount = store_col_int64(s, 6);
    e->created_at = store_col_int64(s, 7);
    e->last_check_at = store_col_int64(s, 8);
    e->next_check_at = store_col_int64(s, 9);
    e->deadline_at = store_col_int64(s, 10);
    e->finished_at = store_col_int64(s, 11);
    e->checks = store_col_int64(s, 12);
    cpy(e->order_id, sizeof e->order_id, s, 13);
    cpy(e->queue_id, sizeof e->queue_id, s, 14);
    cpy(e->transfer_status, sizeof e->transfer_status, s, 15);
    cpy(e->last_answer, sizeof e->last_answer, s, 16);
    cpy(e->reason, sizeof e->reason, s, 17);
    cpy(e->watch, sizeof e->watch, s, 18);
    cpy(e->stop_answer, sizeof e->stop_answer, s, 19);
    e->registrar_cost = store_col_int64(s, 20);
    e->late_at = store_col_int64(s, 21);
    e->watch_next_at = store_col_int64(s, 22);
    e->held_domain_id = store_col_int64(s, 23);
    e->resolved_op_id = store_col_int64(s, 24);
    e->resolved_at = store_col_int64(s, 25);
}

int async_list(struct app *app, int limit, struct async_entry **out, size_t *n,
               struct rm_err *err)
{
    return async_list_which(app, ASYNC_LIST_PENDING, limit, out, n, err);
}

int async_list_which(struct app *app, enum async_list_kind which, int limit,
                     struct async_entry **out, size_t *n, struct rm_err *err)
{
    static const char *const sqls[] = {
        ENTRY_COLS
        "WHERE o.state = 'pending' ORDER BY o.next_check_at, o.id LIMIT ?",
        ENTRY_COLS "WHERE o.watch = 'late' ORDER BY o.late_at, o.id LIMIT ?",
        ENTRY_COLS "WHERE o.watch = 'watching' ORDER BY o.watch_next_at, o.id "
                   "LIMIT ?",
        ENTRY_COLS "WHERE o.watch IS NOT NULL ORDER BY o.id DESC LIMIT ?",
    };
    const char *sql;
    struct store_stmt *s;
    size_t cap = 0;
    int rc;

    *out = NULL;
    *n = 0;
    if (limit == 0)
        limit = 1000;
    if (limit < 1 || limit > 100000)
        return rm_err_set(err, RM_EINVAL, "limit must be 1..100000");
    if ((unsigned)which > ASYNC_LIST_FLAGGED)
        return rm_err_set(err, RM_EINVAL, "unknown list");
    sql = sqls[which];
    if ((rc = store_prepare(app->st, sql, &s, err)) < 0)
        return rc;
    store_bind_int64(s, 1, limit);
    while ((rc = store_step(s, err)) == STORE_ROW) {
        if (*n == cap) {
            cap = cap ? cap * 2 : 16;
            *out = xrealloc(*out, cap * sizeof **out);
        }
        entry_read(s, &(*out)[(*n)++]);
    }
    store_stmt_release(s);
    if (rc < 0) {
        free(*out);
        *out = NULL;
        *n = 0;
        return rc;
    }
    return 0;
}

void async_entries_free(struct async_entry *v)
{
    free(v);
}

int async_resolve(struct app *app, const char *spec, int64_t *op_id,
                  struct rm_err *err)
{
    static const char sql_id[] = "SELECT id FROM operations WHERE id = ?";
    static const char sql_name[] =
        "SELECT o.id FROM operations o JOIN domains d ON d.id = o.domain_id "
        "WHERE d.name = ? ORDER BY CASE WHEN o.state = 'pending' THEN 0 ELSE "
        "1 END, o.id DESC LIMIT 1";
    struct store_stmt *s;
    struct name nm;
    const char *p;
    int rc;

    *op_id = 0;
    if (!spec || !*spec || strlen(spec) > NAME_MAX_ASCII)
        return rm_err_set(err, RM_EINVAL,
                          "an operation id or a domain name is needed");
    for (p = spec; *p >= '0' && *p <= '9'; p++)
        ;
    if (!*p && p - spec <= 18) {
        if ((rc = store_prepare(app->st, sql_id, &s, err)) < 0)
            return rc;
        store_bind_int64(s, 1, strtoll(spec, NULL, 10));
    } else {
        if ((rc = name_parse(spec, &nm, err)) < 0)
            return rc;
        if ((rc = store_prepare(app->st, sql_name, &s, err)) < 0)
            return rc;
        store_bind_text(s, 1, nm.ascii);
    }
    rc = store_step(s, err);
    if (rc == STORE_ROW)
        *op_id = store_col_int64(s, 0);
    store_stmt_release(s);
    if (rc < 0)
        return rc;
    if (!*op_id)
        return rm_err_set(err, RM_ENOTFOUND, "no operation \"%s\"", spec);
    return 0;
}

int async_get(struct app *app, const char *spec, struct async_entry *e,
              struct rm_err *err)
{
    int64_t id;
    int rc;

    if ((rc = async_resolve(app, spec, &id, err)) < 0)
        return rc;
    return async_get_id(app, id, e, err);
}

int async_get_id(struct app *app, int64_t id, struct async_entry *e,
                 struct rm_err *err)
{
    static const char sql[] = ENTRY_COLS "WHERE o.id = ?";
    struct store_stmt *s;
    int rc;

    if ((rc = store_prepare(app->st, sql, &s, err)) < 0)
        return rc;
    store_bind_int64(s, 1, id);
    rc = store_step(s, err);
    if (rc == STORE_ROW)
        entry_read(s, e);
    store_stmt_release(s);
    if (rc == STORE_DONE)
        return rm_err_set(err, RM_ENOTFOUND, "no operation %" PRId64, id);
    return rc < 0 ? rc : 0;
}

int async_check(struct app *app, const char *spec, struct ops_result *res,
                struct rm_err *err)
{
    struct async_entry e;
    int64_t id;
    int rc;

    if ((rc = async_resolve(app, spec, &id, err)) < 0)
        return rc;
    /* a watched operation is checked as such: it stays ended (rule 9) */
    snprintf(e.watch, sizeof e.watch, "%s", "");
    if ((rc = async_get_id(app, id, &e, err)) < 0)
        return rc;
    if (strcmp(e.watch, "watching") == 0 &&
        (rc = watch_check(app, id, e.watch, sizeof e.watch, err)) < 0)
        return rc;
    return ops_check(app, id, res, err);
}

int async_reset(struct app *app, const char *spec, struct ops_result *res,
                struct rm_err *err)
{
    int64_t id;
    int rc;

    if ((rc = async_resolve(app, spec, &id, err)) < 0)
        return rc;
    return ops_reset(app, id, res, err);
}

int async_cancel(struct app *app, const char *spec, const char *why,
                 struct ops_result *res, char *registrar_answer, size_t ran,
                 struct rm_err *err)
{
    int64_t id;
    int rc;

    if (why && (rc = conn_check_text("reason", why, 200, true, err)) < 0)
        return rc;
    if ((rc = async_resolve(app, spec, &id, err)) < 0)
        return rc;
    return ops_cancel(app, id, why, res, registrar_answer, ran, err);
}
