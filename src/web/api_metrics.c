/*
 * api_metrics - database-backed /metrics families (contract in
 * api_metrics.h).
 */
#include "web/api_metrics.h"

#include <stdio.h>
#include <string.h>

#include "util/clock.h"

/* The histogram covers the last day of the registrar log only: reading
 * every row on each scrape grows with the log's age, while a window on
 * `at` is a range scan of the registrar_log_at index. */
#define LATENCY_WINDOW_S (24 * 3600)

/* Upper bounds of the latency buckets as Prometheus "le" labels in
 * seconds; the query below counts the same bounds in milliseconds (the
 * log's unit): 25 50 100 250 500 1000 2500 5000 10000 30000 60000. */
static const char *const bucket_le[] = {
    "0.025", "0.05", "0.1", "0.25", "0.5", "1", "2.5", "5", "10", "30", "60"};
#define NBUCKETS (sizeof bucket_le / sizeof bucket_le[0])

/* by_label - "SELECT label, count" rows into samples of one label, with
 * every name of fixed emitted (0 when absent). */
static int by_label(struct store *st, const char *sql, const char *label,
                    const char *const *fixed, struct metrics_out *o)
{
    struct store_stmt *s;
    struct rm_err e;
    double v[16] = {0};
    size_t nf = 0;
    while (fixed[nf])
        nf++;
    int rc = store_prepare(st, sql, &s, &e);
    if (rc < 0)
        return rc;
    while ((rc = store_step(s, &e)) == STORE_ROW) {
        const char *k = store_col_text(s, 0);
        size_t i;
        for (i = 0; i < nf; i++)
            if (k && strcmp(k, fixed[i]) == 0)
                break;
        if (i < nf)
            v[i] = (double)store_col_int64(s, 1);
    }
    store_stmt_release(s);
    if (rc < 0)
        return rc;
    for (size_t i = 0; i < nf; i++)
        metrics_emit(o, NULL, (const char *[]){label, fixed[i], NULL}, v[i]);
    return 0;
}

static int collect_ops(void *arg, struct store *st, void *ctx,
                       struct metrics_out *o)
{
    static const char *const states[] = {"new",       "sending", "pending",
                                         "succeeded", "failed",  "timed_out",
                                         "cancelled", NULL};
    return by_label(st,
                    "SELECT state, CAST(COUNT(*) AS BIGINT) FROM operations "
                    "GROUP BY state",
                    "state", states, o);
}

/* collect_watch - refunded operations by what the registrar did after
 * the refund (design section 4 rule 9, core/watch.h). */
static int collect_watch(void *arg, struct store *st, void *ctx,
                         struct metrics_out *o)
{
    static const char *const watches[] = {"watching", "ended",   "late",
                                          "assigned", "revoked", "expiring",
                                          "absorbed", NULL};
    return by_label(st,
                    "SELECT watch, CAST(COUNT(*) AS BIGINT) FROM operations "
                    "WHERE watch IS NOT NULL GROUP BY watch",
                    "watch", watches, o);
}

/* pending_stats - count and oldest created_at of pending operations. */
static int pending_stats(struct store *st, int64_t *n, int64_t *oldest)
{
    struct store_stmt *s;
    struct rm_err e;
    int rc = store_prepare(st,
                           "SELECT CAST(COUNT(*) AS BIGINT), "
                           "COALESCE(MIN(created_at), 0) FROM operations "
                           "WHERE state = 'pending'",
                           &s, &e);
    if (rc < 0)
        return rc;
    rc = store_step(s, &e);
    if (rc == STORE_ROW) {
        *n = store_col_int64(s, 0);
        *oldest = store_col_int64(s, 1);
    }
    store_stmt_release(s);
    return rc < 0 ? rc : 0;
}

static int collect_pending(void *arg, struct store *st, void *ctx,
                           struct metrics_out *o)
{
    int64_t n = 0, oldest = 0;
    int rc = pending_stats(st, &n, &oldest);
    if (rc < 0)
        return rc;
    metrics_emit(o, NULL, NULL, (double)n);
    return 0;
}

static int collect_pending_age(void *arg, struct store *st, void *ctx,
                               struct metrics_out *o)
{
    int64_t n = 0, oldest = 0, now = clock_now();
    int rc = pending_stats(st, &n, &oldest);
    if (rc < 0)
        return rc;
    metrics_emit(o, NULL, NULL,
                 n && oldest && now > oldest ? (double)(now - oldest) : 0.0);
    return 0;
}

static int collect_latency(void *arg, struct store *st, void *ctx,
                           struct metrics_out *o)
{
    /* one pass: per action, the count at or below each bound */
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
        "ORDER BY action";
    struct store_stmt *s;
    struct rm_err e;
    int rc = store_prepare(st, sql, &s, &e);
    if (rc < 0)
        return rc;
    store_bind_int64(s, 1, clock_now() - LATENCY_WINDOW_S);
    while ((rc = store_step(s, &e)) == STORE_ROW) {
        const char *action = store_col_text(s, 0);
        for (size_t i = 0; i < NBUCKETS; i++)
            metrics_emit(
                o, "_bucket",
                (const char *[]){"action", action, "le", bucket_le[i], NULL},
                (double)store_col_int64(s, 3 + (int)i));
        metrics_emit(o, "_bucket",
                     (const char *[]){"action", action, "le", "+Inf", NULL},
                     (double)store_col_int64(s, 1));
        metrics_emit(o, "_sum", (const char *[]){"action", action, NULL},
                     (double)store_col_int64(s, 2) / 1000.0);
        metrics_emit(o, "_count", (const char *[]){"action", action, NULL},
                     (double)store_col_int64(s, 1));
    }
    store_stmt_release(s);
    return rc < 0 ? rc : 0;
}

static int collect_mail(void *arg, struct store *st, void *ctx,
                        struct metrics_out *o)
{
    static const char *const states[] = {"queued", "sent", "failed", NULL};
    return by_label(st,
                    "SELECT state, CAST(COUNT(*) AS BIGINT) FROM mail_outbox "
                    "GROUP BY state",
                    "state", states, o);
}

static int collect_jobs(void *arg, struct store *st, void *ctx,
                        struct metrics_out *o)
{
    static const char *const states[] = {"ready", "held", NULL};
    return by_label(st,
                    "SELECT state, CAST(COUNT(*) AS BIGINT) FROM jobs GROUP "
                    "BY state",
                    "state", states, o);
}

static int collect_job_lag(void *arg, struct store *st, void *ctx,
                           struct metrics_out *o)
{
    struct store_stmt *s;
    struct rm_err e;
    int64_t now = clock_now(), due = 0;
    int rc = store_prepare(st,
                           "SELECT COALESCE(MIN(run_at), 0) FROM jobs WHERE "
                           "state = 'ready' AND run_at <= ? AND "
                           "(lease_expires_at IS NULL OR lease_expires_at < ?)",
                           &s, &e);
    if (rc < 0)
        return rc;
    store_bind_int64(s, 1, now);
    store_bind_int64(s, 2, now);
    rc = store_step(s, &e);
    if (rc == STORE_ROW)
        due = store_col_int64(s, 0);
    store_stmt_release(s);
    if (rc < 0)
        return rc;
    metrics_emit(o, NULL, NULL, due && now > due ? (double)(now - due) : 0.0);
    return 0;
}

int api_metrics_register(struct metrics *m, struct rm_err *err)
{
    static const struct {
        const char *name, *help;
        enum metric_type type;
        metrics_collect_fn *fn;
    } fams[] = {
        {"regman_operations", "Operations by state.", METRIC_GAUGE,
         collect_ops},
        {"regman_operations_pending", "Operations waiting for the registrar.",
         METRIC_GAUGE, collect_pending},
        {"regman_operations_watched",
         "Refunded operations by what the registrar did after the refund "
         "(late: completed there, awaiting the admin's decision).",
         METRIC_GAUGE, collect_watch},
        {"regman_operations_pending_oldest_age_seconds",
         "Age of the oldest pending operation.", METRIC_GAUGE,
         collect_pending_age},
        {"regman_registrar_call_duration_seconds",
         "Registrar request durations by action, over the registrar log's "
         "last 24 hours.",
         METRIC_HISTOGRAM, collect_latency},
        {"regman_mail_outbox", "Mail outbox rows by state.", METRIC_GAUGE,
         collect_mail},
        {"regman_jobs", "Jobs by state.", METRIC_GAUGE, collect_jobs},
        {"regman_jobs_lag_seconds",
         "How long the most overdue job has been waiting for a runner.",
         METRIC_GAUGE, collect_job_lag},
    };
    for (size_t i = 0; i < sizeof fams / sizeof fams[0]; i++) {
        int rc = metrics_register(m, fams[i].name, fams[i].help, fams[i].type,
                                  fams[i].fn, NULL, err);
        if (rc < 0)
            return rc;
    }
    return 0;
}
