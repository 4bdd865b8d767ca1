/*
 * reglog - the registrar request log (contract in reglog.h).
 */
#include "core/reglog.h"

#include <inttypes.h>
#include <string.h>

#include "util/clock.h"

#define REGLOG_MAX_TEXT (1024 * 1024) /* bytes of one stored request */

static void bind_capped(struct store_stmt *s, int i, const char *v)
{
    if (!v) {
        store_bind_null(s, i);
        return;
    }
    if (strlen(v) <= REGLOG_MAX_TEXT) {
        store_bind_text(s, i, v);
        return;
    }
    store_bind_text(s, i, "(not stored: longer than 1 MiB)");
}

int reglog_write(struct app *app, int64_t conn_id, int64_t op_id,
                 const struct reglog_entry *e, struct rm_err *err)
{
    static const char sql[] =
        "INSERT INTO registrar_log (at, connection_id, operation_id, action, "
        "object, domain, request, response, http_status, outcome, "
        "duration_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
    struct store_stmt *s;
    int rc;

    if ((rc = store_prepare(app->st, sql, &s, err)) < 0)
        return rc;
    store_bind_int64(s, 1, clock_now());
    if (conn_id)
        store_bind_int64(s, 2, conn_id);
    else
        store_bind_null(s, 2);
    if (op_id)
        store_bind_int64(s, 3, op_id);
    else
        store_bind_null(s, 3);
    store_bind_text(s, 4, e->action ? e->action : "");
    store_bind_text(s, 5, e->object ? e->object : "");
    if (e->domain && *e->domain)
        store_bind_text(s, 6, e->domain);
    else
        store_bind_null(s, 6);
    bind_capped(s, 7, e->request ? e->request : "");
    if (e->error && *e->error && (!e->response || !*e->response))
        bind_capped(s, 8, e->error);
    else
        bind_capped(s, 8, e->response);
    if (e->http_status)
        store_bind_int64(s, 9, e->http_status);
    else
        store_bind_null(s, 9);
    store_bind_text(s, 10, e->outcome ? e->outcome : "");
    store_bind_int64(s, 11, e->duration_ms);
    rc = store_step(s, err);
    store_stmt_release(s);
    return rc < 0 ? rc : 0;
}

int reglog_query(struct app *app, const char *domain, int64_t op_id,
                 int64_t limit,
                 int (*fn)(const struct reglog_row *r, void *ctx), void *ctx,
                 struct rm_err *err)
{
    /* Both filters are bound every time (NULL / 0 = no filter), so one
     * constant statement serves every combination (D1). */
    static const char sql[] =
        "SELECT id, at, COALESCE(connection_id, 0), "
        "COALESCE(operation_id, 0), COALESCE(http_status, 0), duration_ms, "
        "action, object, COALESCE(domain, ''), request, "
        "COALESCE(response, ''), outcome FROM registrar_log "
        "WHERE (CAST(? AS TEXT) IS NULL OR domain = ?) AND (? = 0 OR "
        "operation_id = ?) "
        "ORDER BY id LIMIT ?";
    struct store_stmt *s;
    struct reglog_row r;
    int rc, stop = 0;

    if ((rc = store_prepare(app->st, sql, &s, err)) < 0)
        return rc;
    store_bind_text(s, 1, domain);
    store_bind_text(s, 2, domain);
    store_bind_int64(s, 3, op_id);
    store_bind_int64(s, 4, op_id);
    store_bind_int64(s, 5, limit > 0 ? limit : INT64_MAX);
    while (!stop && (rc = store_step(s, err)) == STORE_ROW) {
        r.id = store_col_int64(s, 0);
        r.at = store_col_int64(s, 1);
        r.conn_id = store_col_int64(s, 2);
        r.op_id = store_col_int64(s, 3);
        r.http_status = store_col_int64(s, 4);
        r.duration_ms = store_col_int64(s, 5);
        r.action = store_col_text(s, 6);
        r.object = store_col_text(s, 7);
        r.domain = store_col_text(s, 8);
        r.request = store_col_text(s, 9);
        r.response = store_col_text(s, 10);
        r.outcome = store_col_text(s, 11);
        stop = fn(&r, ctx);
    }
    store_stmt_release(s);
    if (rc < 0)
        return rc;
    return stop;
}

int64_t reglog_prune_cutoff(const struct app *app, int64_t now)
{
    return now - (int64_t)app->set.log_keep_days * REGLOG_DAY_S;
}

static int prune_count(struct app *app, int64_t cutoff, int64_t *n,
                       struct rm_err *err)
{
    struct store_stmt *s;
    int rc;

    if ((rc = store_prepare(app->st,
                            "SELECT CAST(COUNT(*) AS BIGINT) FROM "
                            "registrar_log WHERE at < ?",
                            &s, err)) < 0)
        return rc;
    store_bind_int64(s, 1, cutoff);
    rc = store_step(s, err);
    if (rc == STORE_ROW)
        *n = store_col_int64(s, 0);
    store_stmt_release(s);
    return rc < 0 ? rc : 0;
}

/* prune_batch - one transaction: the oldest batch rows below cutoff. */
static int prune_batch(struct app *app, int64_t cutoff, int64_t batch,
                       int64_t *n, struct rm_err *err)
{
    /* DELETE ... LIMIT is not in the common dialect: the ids of one batch
     * are picked by a subquery on the at index instead. */
    static const char sql[] =
        "DELETE FROM registrar_log WHERE id IN (SELECT id FROM registrar_log "
        "WHERE at < ? ORDER BY at LIMIT ?)";
    struct store_stmt *s;
    int rc;

    if ((rc = store_begin(app->st, STORE_TX_WRITE, err)) < 0)
        return rc;
    if ((rc = store_prepare(app->st, sql, &s, err)) < 0)
        goto fail;
    store_bind_int64(s, 1, cutoff);
    store_bind_int64(s, 2, batch);
    rc = store_step(s, err);
    store_stmt_release(s);
    if (rc < 0)
        goto fail;
    *n = store_changes(app->st);
    if ((rc = store_commit(app->st, err)) < 0)
        goto fail;
    return 0;
fail:
    store_rollback(app->st);
    return rc;
}

int reglog_prune(struct app *app, int64_t now,
                 const struct reglog_prune_opts *opts, int64_t *deleted,
                 struct rm_err *err)
{
    static const struct reglog_prune_opts defaults = {0};
    int64_t cutoff = reglog_prune_cutoff(app, now), batch, n;
    int rc;

    if (!opts)
        opts = &defaults;
    *deleted = 0;
    if (opts->dry_run)
        return prune_count(app, cutoff, deleted, err);
    batch = opts->batch > 0 ? opts->batch : REGLOG_PRUNE_BATCH;
    for (;;) {
        if ((rc = prune_batch(app, cutoff, batch, &n, err)) < 0)
            return rc;
        *deleted += n;
        /* a short batch was the last one */
        if (n < batch)
            return 0;
        if (opts->keep_going && !opts->keep_going(opts->arg))
            return 0;
    }
}
