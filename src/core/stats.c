/*
 * stats - the counts behind /metrics (see stats.h).
 */
#include "core/stats.h"

#include <string.h>

const int64_t stats_latency_le_ms[STATS_LATENCY_BUCKETS] = {
    25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000};

/* by_group - "SELECT key, count" rows of sql into fn. */
static int by_group(struct store *st, const char *sql, stats_group_fn *fn,
                    void *arg, struct rm_err *err)
{
    struct store_stmt *s;
    int rc = store_prepare(st, sql, &s, err);
    if (rc < 0)
        return rc;
    while ((rc = store_step(s, err)) == STORE_ROW)
        if ((rc = fn(arg, store_col_text(s, 0), store_col_int64(s, 1))) < 0)
            break;
    store_stmt_release(s);
    return rc < 0 ? rc : 0;
}

int stats_operations_by_state(struct store *st, stats_group_fn *fn, void *arg,
                              struct rm_err *err)
{
    return by_group(st,
                    "SELECT state, CAST(COUNT(*) AS BIGINT) FROM operations "
                    "GROUP BY state",
                    fn, arg, err);
}

int stats_operations_by_watch(struct store *st, stats_group_fn *fn, void *arg,
                              struct rm_err *err)
{
    return by_group(st,
                    "SELECT watch, CAST(COUNT(*) AS BIGINT) FROM operations "
                    "WHERE watch IS NOT NULL GROUP BY watch",
                    fn, arg, err);
}

int stats_mail_by_state(struct store *st, stats_group_fn *fn, void *arg,
                        struct rm_err *err)
{
    return by_group(st,
                    "SELECT state, CAST(COUNT(*) AS BIGINT) FROM mail_outbox "
                    "GROUP BY state",
                    fn, arg, err);
}

int stats_jobs_by_state(struct store *st, stats_group_fn *fn, void *arg,
                        struct rm_err *err)
{
    return by_group(st,
                    "SELECT state, CAST(COUNT(*) AS BIGINT) FROM jobs GROUP "
                    "BY state",
                    fn, arg, err);
}

int stats_pending(struct store *st, int64_t *n, int64_t *oldest,
                  struct rm_err *err)
{
    struct store_stmt *s;
    int rc = store_prepare(st,
                           "SELECT CAST(COUNT(*) AS BIGINT), "
                           "COALESCE(MIN(created_at), 0) FROM operations "
                           "WHERE state = 'pending'",
                           &s, err);
    if (rc < 0)
        return rc;
    rc = store_step(s, err);
    if (rc == STORE_ROW) {
        *n = store_col_int64(s, 0);
        *oldest = store_col_int64(s, 1);
    }
    store_stmt_release(s);
    return rc < 0 ? rc : 0;
}

int stats_job_due(struct store *st, int64_t now, int64_t *due,
                  struct rm_err *err)
{
    struct store_stmt *s;
    int rc = store_prepare(st,
                           "SELECT COALESCE(MIN(run_at), 0) FROM jobs WHERE "
                           "state = 'ready' AND run_at <= ? AND "
                           "(lease_expires_at IS NULL OR lease_expires_at < ?)",
                           &s, err);
    if (rc < 0)
        return rc;
    store_bind_int64(s, 1, now);
    store_bind_int64(s, 2, now);
    rc = store_step(s, err);
    if (rc == STORE_ROW)
        *due = store_col_int64(s, 0);
    store_stmt_release(s);
    return rc < 0 ? rc : 0;
}

int stats_registrar_latency(struct store *st, int64_t since,
                            int (*fn)(void *arg,
                                      const struct stats_latency *row),
                            void *arg, struct rm_err *err)
{
    /* one pass: per action, the count at or below each bound (the bounds
     * of stats_latency_le_ms) */
    static const char sql[] =
        "SELECT action, CAST(COUNT(*) AS BIGINT), "
        "CAST(COALESCE(SUM(duration_ms), 0) AS BIGINT), "
        "CAST(SUM(CASE WHEN duration_ms <= 25 THEN 1 ELSE 0 END) AS BIGINT), "
        "CAST(SUM(CASE WHEN duration_ms <= 50 THEN 1 ELSE 0 END) AS BIGINT), "
        "CAST(SUM(CASE WHEN duration_ms <= 100 THEN 1 ELSE 0 END) AS BIGINT), "
        "CAST(SUM(CASE WHEN duration_ms <= 250 THEN 1 ELSE 0 END) AS BIGINT), "
        "CAST(SUM(CASE WHEN duration_ms <= 500 THEN 1 ELSE 0 END) AS BIGINT), "
        "CAST(SUM(CASE WHEN duration_ms <= 1000 THEN 1 ELSE 0 END) AS "
        "BIGINT), "
        "CAST(SUM(CASE WHEN duration_ms <= 2500 THEN 1 ELSE 0 END) AS "
        "BIGINT), "
        "CAST(SUM(CASE WHEN duration_ms <= 5000 THEN 1 ELSE 0 END) AS "
        "BIGINT), "
        "CAST(SUM(CASE WHEN duration_ms <= 10000 THEN 1 ELSE 0 END) AS "
        "BIGINT), "
        "CAST(SUM(CASE WHEN duration_ms <= 30000 THEN 1 ELSE 0 END) AS "
        "BIGINT), "
        "CAST(SUM(CASE WHEN duration_ms <= 60000 THEN 1 ELSE 0 END) AS "
        "BIGINT) FROM registrar_log WHERE at >= ? GROUP BY action "
        "ORDER BY action COLLATE \"C\"";
    struct store_stmt *s;
    int rc = store_prepare(st, sql, &s, err);
    if (rc < 0)
        return rc;
    store_bind_int64(s, 1, since);
    while ((rc = store_step(s, err)) == STORE_ROW) {
        struct stats_latency row;
        memset(&row, 0, sizeof(row));
        row.action = store_col_text(s, 0);
        row.count = store_col_int64(s, 1);
        row.sum_ms = store_col_int64(s, 2);
        for (int i = 0; i < STATS_LATENCY_BUCKETS; i++)
            row.le[i] = store_col_int64(s, 3 + i);
        if ((rc = fn(arg, &row)) < 0)
            break;
    }
    store_stmt_release(s);
    return rc < 0 ? rc : 0;
}
