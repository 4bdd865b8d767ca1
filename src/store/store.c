/*
 * store - backend-neutral half of the storage layer: dispatch to the
 * backend, transaction bookkeeping, the per-handle statement cache and the
 * migration runner. See store.h for the contract.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/types.h>
#include <time.h>

#include "store/pg.h"
#include "store/sqlite.h"
#include "store/store.h"
#include "store/store_backend.h"
#include "util/xalloc.h"

#define STORE_MAX_TARGET 4096

static const char SQL_MIGRATIONS_TABLE[] =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    " version BIGINT PRIMARY KEY,"
    " name TEXT NOT NULL,"
    " applied_at BIGINT NOT NULL)";
static const char SQL_VERSION[] =
    "SELECT CAST(COALESCE(MAX(version), 0) AS BIGINT) FROM schema_migrations";
static const char SQL_RECORD[] = "INSERT INTO schema_migrations (version, "
                                 "name, applied_at) VALUES (?, ?, ?)";

/* pick_backend - the backend for target and the part it should open. */
static int pick_backend(const char *target, const struct store_ops **ops,
                        const char **rest, struct rm_err *err)
{
    if (target == NULL || target[0] == '\0')
        return rm_err_set(err, RM_EINVAL, "store: no database given");
    if (strlen(target) > STORE_MAX_TARGET)
        return rm_err_set(err, RM_ELIMIT,
                          "store: database name longer than %d bytes",
                          STORE_MAX_TARGET);
    if (strncmp(target, "postgresql://", 13) == 0 ||
        strncmp(target, "postgres://", 11) == 0) {
        /* libpq reads the whole URL. */
        *ops = &store_pg_ops;
        *rest = target;
        return 0;
    }
    *ops = &store_sqlite_ops;
    *rest = strncmp(target, "sqlite:", 7) == 0 ? target + 7 : target;
    if ((*rest)[0] == '\0')
        return rm_err_set(err, RM_EINVAL, "store: empty SQLite path");
    return 0;
}

int store_open_raw(const char *target, const struct store_open_opts *opts,
                   struct store **out, struct rm_err *err)
{
    static const struct store_open_opts defaults = {0, 0};
    const struct store_ops *ops = NULL;
    const char *rest = NULL;
    int rc;

    *out = NULL;
    if ((rc = pick_backend(target, &ops, &rest, err)) < 0)
        return rc;
    return ops->open(rest, opts ? opts : &defaults, out, err);
}

int store_open(const char *target, const struct store_open_opts *opts,
               struct store **out, struct rm_err *err)
{
    struct store *st;
    int rc;

    *out = NULL;
    if ((rc = store_open_raw(target, opts, &st, err)) < 0)
        return rc;
    rc = store_migrate_with(st, store_migrations, store_migration_count, err);
    if (rc < 0) {
        store_close(st);
        return rc;
    }
    *out = st;
    return 0;
}

void store_close(struct store *st)
{
    struct store_stmt *s, *next;

    if (st == NULL)
        return;
    store_rollback(st);
    for (s = st->cache; s != NULL; s = next) {
        next = s->next;
        free(s->sql);
        st->ops->finalize(s);
    }
    st->cache = NULL;
    st->ops->close(st);
}

const char *store_backend_name(const struct store *st)
{
    return st->ops->name;
}

int64_t store_latest_version(void)
{
    return store_migration_count == 0
               ? 0
               : store_migrations[store_migration_count - 1].version;
}

/* read_version - max(version) of schema_migrations; the table exists. */
static int read_version(struct store *st, int64_t *version, struct rm_err *err)
{
    struct store_stmt *s;
    int rc;

    if ((rc = store_prepare(st, SQL_VERSION, &s, err)) < 0)
        return rc;
    rc = store_step(s, err);
    if (rc == STORE_ROW) {
        *version = store_col_int64(s, 0);
        rc = 0;
    } else if (rc == STORE_DONE) {
        rc = rm_err_set(err, RM_EINTERNAL, "store: MAX() returned no row");
    }
    store_stmt_release(s);
    return rc;
}

int store_schema_version(struct store *st, int64_t *version, struct rm_err *err)
{
    return read_version(st, version, err);
}

static int refuse_newer(struct store *st, int64_t have, int64_t known,
                        struct rm_err *err)
{
    st->errkind = STORE_ERR_SCHEMA;
    return rm_err_set(err, RM_EINVAL,
                      "store: the database has schema version %lld, newer "
                      "than this regman knows (%lld); use a newer regman",
                      (long long)have, (long long)known);
}

/* begin_migration - a write transaction holding the backend's migration
 * lock, if it has one. */
static int begin_migration(struct store *st, struct rm_err *err)
{
    int rc;

    if ((rc = store_begin(st, STORE_TX_WRITE, err)) < 0)
        return rc;
    if (st->ops->migrate_lock != NULL &&
        (rc = st->ops->migrate_lock(st, err)) < 0) {
        store_rollback(st);
        return rc;
    }
    return 0;
}

/* migration_sql - m's text for st's backend (D14). */
static const char *migration_sql(const struct store *st,
                                 const struct store_migration *m)
{
    return st->ops == &store_pg_ops ? m->pg : m->sqlite;
}

/* apply_tx - migration m in its own write transaction; does nothing when
 * another process applied it first. */
static int apply_tx(struct store *st, const struct store_migration *m,
                    int64_t known, struct rm_err *err)
{
    struct store_stmt *s;
    int64_t have = 0;
    int rc;

    if ((rc = begin_migration(st, err)) < 0)
        return rc;
    /* Re-read under the write lock: a concurrent opener may have moved. */
    if ((rc = read_version(st, &have, err)) < 0)
        goto fail;
    if (have > known) {
        rc = refuse_newer(st, have, known, err);
        goto fail;
    }
    if (have >= m->version) {
        store_rollback(st);
        return 0;
    }
    if (have != m->version - 1) {
        st->errkind = STORE_ERR_SCHEMA;
        rc = rm_err_set(err, RM_EINTERNAL,
                        "store: database at version %lld cannot take "
                        "migration %03lld",
                        (long long)have, (long long)m->version);
        goto fail;
    }
    if ((rc = st->ops->exec_script(st, migration_sql(st, m), err)) < 0 ||
        (st->ops->migrate_verify != NULL &&
         (rc = st->ops->migrate_verify(st, err)) < 0)) {
        st->errkind = STORE_ERR_SCHEMA;
        rm_err_prefix(err, "migration %03lld_%s: ", (long long)m->version,
                      m->name);
        goto fail;
    }
    if ((rc = store_prepare(st, SQL_RECORD, &s, err)) < 0)
        goto fail;
    store_bind_int64(s, 1, m->version);
    store_bind_text(s, 2, m->name);
    store_bind_int64(s, 3, (int64_t)time(NULL));
    rc = store_step(s, err);
    store_stmt_release(s);
    if (rc < 0)
        goto fail;
    return store_commit(st, err);
fail:
    store_rollback(st);
    return rc;
}

/* apply_one - migration m between the backend's prepare and finish hooks
 * (SQLite: foreign keys off for the whole transaction, then on again). */
static int apply_one(struct store *st, const struct store_migration *m,
                     int64_t known, struct rm_err *err)
{
    struct rm_err ferr = {0};
    int rc, frc;

    if (st->ops->migrate_prepare != NULL &&
        (rc = st->ops->migrate_prepare(st, err)) < 0)
        return rc;
    rc = apply_tx(st, m, known, err);
    if (st->ops->migrate_finish == NULL)
        return rc;
    /* Always restore, even after a failure; the first error is kept. */
    frc = st->ops->migrate_finish(st, rc < 0 ? &ferr : err);
    return rc < 0 ? rc : frc;
}

int store_migrate_with(struct store *st, const struct store_migration *list,
                       size_t n, struct rm_err *err)
{
    int64_t have = 0, known = n == 0 ? 0 : list[n - 1].version;
    int rc;

    for (size_t i = 0; i < n; i++)
        if (list[i].version != (int64_t)i + 1)
            return rm_err_set(err, RM_EINTERNAL,
                              "store: migration list out of order at %zu", i);
    if (store_in_tx(st))
        return rm_err_set(err, RM_EINTERNAL,
                          "store: migrations need their own transactions");
    /* IF NOT EXISTS: two processes opening a new file at once both pass.
     * A backend with a migration lock creates the table under it (pg's
     * IF NOT EXISTS is not safe against a concurrent CREATE); SQLite
     * needs no write lock when the table exists. */
    if (st->ops->migrate_lock == NULL) {
        if ((rc = st->ops->exec_script(st, SQL_MIGRATIONS_TABLE, err)) < 0)
            return rc;
    } else {
        if ((rc = begin_migration(st, err)) < 0)
            return rc;
        if ((rc = st->ops->exec_script(st, SQL_MIGRATIONS_TABLE, err)) < 0) {
            store_rollback(st);
            return rc;
        }
        if ((rc = store_commit(st, err)) < 0)
            return rc;
    }
    if ((rc = read_version(st, &have, err)) < 0)
        return rc;
    if (have > known)
        return refuse_newer(st, have, known, err);
    for (size_t i = (size_t)have; i < n; i++)
        if ((rc = apply_one(st, &list[i], known, err)) < 0)
            return rc;
    return 0;
}

int store_begin(struct store *st, enum store_txmode mode, struct rm_err *err)
{
    int rc;

    if (st->in_tx)
        return rm_err_set(err, RM_EINTERNAL,
                          "store: a transaction is already open");
    st->errkind = STORE_ERR_NONE;
    if ((rc = st->ops->begin(st, mode, err)) < 0)
        return rc;
    st->in_tx = 1;
    return 0;
}

int store_commit(struct store *st, struct rm_err *err)
{
    int rc;

    if (!st->in_tx)
        return rm_err_set(err, RM_EINTERNAL, "store: commit without begin");
    rc = st->ops->commit(st, err);
    if (rc < 0) {
        /* A failed COMMIT leaves nothing half-done: roll back so the
         * handle is usable and the caller sees "nothing happened". */
        st->ops->rollback(st, NULL);
    }
    st->in_tx = 0;
    return rc;
}

void store_rollback(struct store *st)
{
    if (!st->in_tx)
        return;
    st->ops->rollback(st, NULL);
    st->in_tx = 0;
}

int store_in_tx(const struct store *st)
{
    return st->in_tx;
}

int store_tx_retryable(const struct store *st, int rc)
{
    if (rc == RM_ECONFLICT)
        return 1;
    return rc < 0 &&
           (st->errkind == STORE_ERR_BUSY || st->errkind == STORE_ERR_CONFLICT);
}

/* tx_pause - a random pause before re-run `run` (1-based): about 1 ms on
 * the first, doubling up to about 100 ms, so racing units spread out. */
static void tx_pause(int run)
{
    long max_us = 1000L << (run < 7 ? run : 7);
    uint32_t r = 0;
    struct timespec ts;

    if (max_us > 100000)
        max_us = 100000;
    if (getrandom(&r, sizeof r, 0) != (ssize_t)sizeof r)
        r = (uint32_t)run * 2654435761u;
    long us = max_us / 2 + (long)(r % (uint32_t)(max_us / 2 + 1));
    ts.tv_sec = us / 1000000;
    ts.tv_nsec = (us % 1000000) * 1000;
    nanosleep(&ts, NULL);
}

int store_tx(struct store *st, enum store_txmode mode, store_tx_fn fn,
             void *arg, struct rm_err *err)
{
    int rc = 0;

    if (st->in_tx)
        return fn(st, arg, err);
    for (int run = 1; run <= STORE_TX_TRIES; run++) {
        if (run > 1)
            tx_pause(run - 1);
        if ((rc = store_begin(st, mode, err)) < 0) {
            if (store_tx_retryable(st, rc))
                continue;
            return rc;
        }
        rc = fn(st, arg, err);
        if (rc < 0) {
            int again = store_tx_retryable(st, rc);
            store_rollback(st);
            if (again)
                continue;
            return rc;
        }
        int crc = store_commit(st, err);
        if (crc == 0)
            return rc;
        if (!store_tx_retryable(st, crc))
            return crc;
        rc = crc;
    }
    return rc;
}

int store_prepare(struct store *st, const char *sql, struct store_stmt **out,
                  struct rm_err *err)
{
    struct store_stmt *s;
    int rc;

    *out = NULL;
    /* The cache holds every statement ever prepared on the handle; SQL is
     * constant text (D1), so it is bounded by the program's distinct
     * statements times their nesting depth. */
    for (s = st->cache; s != NULL; s = s->next) {
        if (!s->in_use && strcmp(s->sql, sql) == 0) {
            s->in_use = 1;
            *out = s;
            return 0;
        }
    }
    if ((rc = st->ops->prepare(st, sql, &s, err)) < 0)
        return rc;
    s->st = st;
    s->sql = xstrdup(sql);
    s->in_use = 1;
    s->bind_err = 0;
    s->next = st->cache;
    st->cache = s;
    st->ncached++;
    *out = s;
    return 0;
}

void store_bind_int64(struct store_stmt *s, int idx, int64_t v)
{
    int rc = s->st->ops->bind_int64(s, idx, v);
    if (rc < 0 && s->bind_err == 0)
        s->bind_err = idx;
}

void store_bind_text(struct store_stmt *s, int idx, const char *v)
{
    int rc = v == NULL ? s->st->ops->bind_null(s, idx)
                       : s->st->ops->bind_text(s, idx, v);
    if (rc < 0 && s->bind_err == 0)
        s->bind_err = idx;
}

void store_bind_null(struct store_stmt *s, int idx)
{
    int rc = s->st->ops->bind_null(s, idx);
    if (rc < 0 && s->bind_err == 0)
        s->bind_err = idx;
}

int store_step(struct store_stmt *s, struct rm_err *err)
{
    if (s->bind_err != 0) {
        s->st->errkind = STORE_ERR_OTHER;
        return rm_err_set(err, RM_EINTERNAL,
                          "store: cannot bind parameter %d of: %.200s",
                          s->bind_err, s->sql);
    }
    s->st->errkind = STORE_ERR_NONE;
    return s->st->ops->step(s, err);
}

int store_col_count(struct store_stmt *s)
{
    return s->st->ops->column_count(s);
}

int64_t store_col_int64(struct store_stmt *s, int col)
{
    return s->st->ops->column_int64(s, col);
}

const char *store_col_text(struct store_stmt *s, int col)
{
    return s->st->ops->column_text(s, col);
}

int store_col_is_null(struct store_stmt *s, int col)
{
    return s->st->ops->column_is_null(s, col);
}

void store_stmt_release(struct store_stmt *s)
{
    if (s == NULL)
        return;
    s->st->ops->reset(s);
    s->bind_err = 0;
    s->in_use = 0;
}

int64_t store_changes(struct store *st)
{
    return st->ops->changes(st);
}

enum store_errkind store_errkind(const struct store *st)
{
    return st->errkind;
}

int store_exec(struct store *st, const char *sql, struct rm_err *err)
{
    struct store_stmt *s;
    int rc;

    if ((rc = store_prepare(st, sql, &s, err)) < 0)
        return rc;
    while ((rc = store_step(s, err)) == STORE_ROW)
        ;
    store_stmt_release(s);
    return rc < 0 ? rc : 0;
}
