/*
 * jobq - the jobs table's queries (contract in jobq.h).
 */
#include "core/jobq.h"

#include <stdlib.h>

#include "util/xalloc.h"

/* Due jobs looked at per round of jobq_claim, and rounds before the unit
 * of work is handed back to be re-run. */
#define CLAIM_BATCH 16
#define CLAIM_ROUNDS 4

static void (*claim_hook)(struct store *st, int64_t id);

void jobq_set_test_hook(void (*fn)(struct store *st, int64_t id))
{
    claim_hook = fn;
}

void jobq_row_release(struct jobq_row *row)
{
    free(row->kind);
    free(row->dedup_key);
    free(row->payload);
    row->kind = row->dedup_key = row->payload = NULL;
}

static char *dup_col(struct store_stmt *s, int col)
{
    const char *t = store_col_text(s, col);
    return xstrdup(t ? t : "");
}

/* changed - step s once, release it; rows changed, or < 0. */
static int changed(struct store *st, struct store_stmt *s, struct rm_err *err)
{
    int rc = store_step(s, err);

    store_stmt_release(s);
    if (rc < 0)
        return rc;
    return (int)store_changes(st);
}

int jobq_insert(struct store *st, const char *kind, const char *dedup_key,
                const char *payload, int64_t run_at, int64_t now, int64_t *id,
                struct rm_err *err)
{
    /* DO UPDATE of a column to its own value: the existing row is left as
     * it is and RETURNING still names it (D5), so no second look-up. */
    static const char sql[] =
        "INSERT INTO jobs (kind, dedup_key, state, run_at, attempts, "
        "payload, created_at, updated_at) "
        "VALUES (?, ?, 'ready', ?, 0, ?, ?, ?) "
        "ON CONFLICT (kind, dedup_key) DO UPDATE SET kind = excluded.kind "
        "RETURNING id";
    struct store_stmt *s;
    int64_t got = 0;
    int rc;

    if ((rc = store_prepare(st, sql, &s, err)) < 0)
        return rc;
    store_bind_text(s, 1, kind);
    store_bind_text(s, 2, dedup_key);
    store_bind_int64(s, 3, run_at);
    store_bind_text(s, 4, payload ? payload : "");
    store_bind_int64(s, 5, now);
    store_bind_int64(s, 6, now);
    rc = store_step(s, err);
    if (rc == STORE_ROW) {
        got = store_col_int64(s, 0);
        rc = store_step(s, err);
    }
    store_stmt_release(s);
    if (rc < 0)
        return rc;
    if (got == 0)
        return rm_err_set(err, RM_EINTERNAL,
                          "jobs: INSERT of %s returned no id", kind);
    if (id)
        *id = got;
    return 0;
}

int jobq_leased_due(struct store *st, int64_t now, int max,
                    int (*fn)(int64_t id, const char *owner, const char *kind,
                              void *arg),
                    void *arg, struct rm_err *err)
{
    static const char sql[] = "SELECT id, lease_owner, kind FROM jobs "
                              "WHERE state = 'ready' AND run_at <= ? "
                              "AND lease_owner IS NOT NULL "
                              "AND lease_expires_at > ? "
                              "ORDER BY run_at, id LIMIT ?";
    struct store_stmt *s;
    int rc;

    if ((rc = store_prepare(st, sql, &s, err)) < 0)
        return rc;
    store_bind_int64(s, 1, now);
    store_bind_int64(s, 2, now);
    store_bind_int64(s, 3, max);
    while ((rc = store_step(s, err)) == STORE_ROW) {
        const char *owner = store_col_text(s, 1), *kind = store_col_text(s, 2);
        if (fn(store_col_int64(s, 0), owner ? owner : "", kind ? kind : "",
               arg) != 0) {
            rc = 0;
            break;
        }
    }
    store_stmt_release(s);
    return rc < 0 ? rc : 0;
}

int jobq_release(struct store *st, int64_t id, const char *owner, int64_t now,
                 struct rm_err *err)
{
    static const char sql[] = "UPDATE jobs SET lease_owner = NULL, "
                              "lease_expires_at = NULL, updated_at = ? "
                              "WHERE id = ? AND lease_owner = ?";
    struct store_stmt *s;
    int rc;

    if ((rc = store_prepare(st, sql, &s, err)) < 0)
        return rc;
    store_bind_int64(s, 1, now);
    store_bind_int64(s, 2, id);
    store_bind_text(s, 3, owner);
    return changed(st, s, err);
}

/* due_ids - the ids of up to CLAIM_BATCH due jobs nobody holds; on
 * PostgreSQL the rows are locked for this transaction and rows another
 * node's claim holds are skipped (store.h D13), so claimers on several
 * nodes take different jobs instead of queueing on one row. */
static int due_ids(struct store *st, int64_t now, int64_t *ids, int *n,
                   struct rm_err *err)
{
    static const char sql[] =
        "SELECT id FROM jobs WHERE state = 'ready' AND run_at <= ? "
        "AND (lease_owner IS NULL OR lease_expires_at <= ?) "
        "ORDER BY run_at, id LIMIT ? FOR UPDATE SKIP LOCKED";
    struct store_stmt *s;
    int rc;

    *n = 0;
    if ((rc = store_prepare(st, sql, &s, err)) < 0)
        return rc;
    store_bind_int64(s, 1, now);
    store_bind_int64(s, 2, now);
    store_bind_int64(s, 3, CLAIM_BATCH);
    while ((rc = store_step(s, err)) == STORE_ROW && *n < CLAIM_BATCH)
        ids[(*n)++] = store_col_int64(s, 0);
    store_stmt_release(s);
    return rc < 0 ? rc : 0;
}

/* claim_id - the conditional UPDATE of one candidate: 1 with *row when it
 * is ours now, 0 when another claimer got it first. */
static int claim_id(struct store *st, int64_t id, const char *owner,
                    int64_t now, int64_t lease_until, struct jobq_row *row,
                    struct rm_err *err)
{
    /* The WHERE repeats the lease test: a concurrent lease of the same row
     * makes this UPDATE match nothing instead of stealing it (runner.h R1,
     * store.h D10). */
    static const char sql[] =
        "UPDATE jobs SET lease_owner = ?, lease_expires_at = ?, "
        "attempts = attempts + 1, updated_at = ? "
        "WHERE id = ? AND state = 'ready' AND run_at <= ? "
        "AND (lease_owner IS NULL OR lease_expires_at <= ?) "
        "RETURNING id, kind, dedup_key, payload, attempts, run_at";
    struct store_stmt *s;
    int rc, got;

    if ((rc = store_prepare(st, sql, &s, err)) < 0)
        return rc;
    store_bind_text(s, 1, owner);
    store_bind_int64(s, 2, lease_until);
    store_bind_int64(s, 3, now);
    store_bind_int64(s, 4, id);
    store_bind_int64(s, 5, now);
    store_bind_int64(s, 6, now);
    rc = store_step(s, err);
    got = rc == STORE_ROW;
    if (got) {
        row->id = store_col_int64(s, 0);
        row->kind = dup_col(s, 1);
        row->dedup_key = dup_col(s, 2);
        row->payload = dup_col(s, 3);
        row->attempts = store_col_int64(s, 4);
        row->run_at = store_col_int64(s, 5);
        rc = store_step(s, err);
    }
    store_stmt_release(s);
    if (rc < 0) {
        if (got)
            jobq_row_release(row);
        return rc;
    }
    return got;
}

int jobq_claim(struct store *st, const char *owner, int64_t now,
               int64_t lease_until, struct jobq_row *row, struct rm_err *err)
{
    int64_t ids[CLAIM_BATCH];
    int n, rc;

    *row = (struct jobq_row){0};
    for (int round = 0; round < CLAIM_ROUNDS; round++) {
        if ((rc = due_ids(st, now, ids, &n, err)) < 0)
            return rc;
        if (n == 0)
            return 0;
        for (int i = 0; i < n; i++) {
            if (claim_hook)
                claim_hook(st, ids[i]);
            rc = claim_id(st, ids[i], owner, now, lease_until, row, err);
            if (rc != 0)
                return rc;
            /* lost this one to another claimer: try the next due job */
        }
    }
    return rm_err_set(err, RM_ECONFLICT,
                      "jobs: every due job was claimed by another runner "
                      "first");
}

int jobq_set_lease(struct store *st, int64_t id, int64_t until, int64_t uncount,
                   struct rm_err *err)
{
    static const char sql[] = "UPDATE jobs SET lease_expires_at = ?, "
                              "attempts = attempts - ? WHERE id = ?";
    struct store_stmt *s;
    int rc;

    if ((rc = store_prepare(st, sql, &s, err)) < 0)
        return rc;
    store_bind_int64(s, 1, until);
    store_bind_int64(s, 2, uncount);
    store_bind_int64(s, 3, id);
    rc = changed(st, s, err);
    return rc < 0 ? rc : 0;
}

int jobq_delete(struct store *st, int64_t id, const char *owner,
                struct rm_err *err)
{
    static const char sql[] =
        "DELETE FROM jobs WHERE id = ? AND lease_owner = ?";
    struct store_stmt *s;
    int rc;

    if ((rc = store_prepare(st, sql, &s, err)) < 0)
        return rc;
    store_bind_int64(s, 1, id);
    store_bind_text(s, 2, owner);
    return changed(st, s, err);
}

int jobq_reschedule(struct store *st, int64_t id, const char *owner,
                    int64_t run_at, int64_t now, struct rm_err *err)
{
    static const char sql[] = "UPDATE jobs SET run_at = ?, attempts = 0, "
                              "last_error = NULL, lease_owner = NULL, "
                              "lease_expires_at = NULL, updated_at = ? "
                              "WHERE id = ? AND lease_owner = ?";
    struct store_stmt *s;
    int rc;

    if ((rc = store_prepare(st, sql, &s, err)) < 0)
        return rc;
    store_bind_int64(s, 1, run_at);
    store_bind_int64(s, 2, now);
    store_bind_int64(s, 3, id);
    store_bind_text(s, 4, owner);
    return changed(st, s, err);
}

int jobq_fail(struct store *st, int64_t id, const char *owner,
              const char *state, int64_t run_at, const char *msg, int64_t now,
              struct rm_err *err)
{
    static const char sql[] = "UPDATE jobs SET state = ?, run_at = ?, "
                              "last_error = ?, lease_owner = NULL, "
                              "lease_expires_at = NULL, updated_at = ? "
                              "WHERE id = ? AND lease_owner = ?";
    struct store_stmt *s;
    int rc;

    if ((rc = store_prepare(st, sql, &s, err)) < 0)
        return rc;
    store_bind_text(s, 1, state);
    store_bind_int64(s, 2, run_at);
    store_bind_text(s, 3, msg);
    store_bind_int64(s, 4, now);
    store_bind_int64(s, 5, id);
    store_bind_text(s, 6, owner);
    return changed(st, s, err);
}

int jobq_extend(struct store *st, int64_t id, const char *owner, int64_t until,
                struct rm_err *err)
{
    static const char sql[] = "UPDATE jobs SET lease_expires_at = ? "
                              "WHERE id = ? AND lease_owner = ?";
    struct store_stmt *s;
    int rc;

    if ((rc = store_prepare(st, sql, &s, err)) < 0)
        return rc;
    store_bind_int64(s, 1, until);
    store_bind_int64(s, 2, id);
    store_bind_text(s, 3, owner);
    return changed(st, s, err);
}

int jobq_next_wake(struct store *st, int64_t *at, struct rm_err *err)
{
    static const char sql[] = "SELECT MIN(CASE WHEN lease_owner IS NULL OR "
                              "lease_expires_at < run_at THEN run_at "
                              "ELSE lease_expires_at END), COUNT(*) "
                              "FROM jobs WHERE state = 'ready'";
    struct store_stmt *s;
    int rc;

    *at = 0;
    if ((rc = store_prepare(st, sql, &s, err)) < 0)
        return rc;
    rc = store_step(s, err);
    if (rc == STORE_ROW && !store_col_is_null(s, 0))
        *at = store_col_int64(s, 0);
    store_stmt_release(s);
    return rc < 0 ? rc : 0;
}
