/*
 * sqlite - the SQLite backend (see sqlite.h for the settings and why).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "store/sqlite.h"
#include "store/sqlite_sql.h"
#include "store/store_backend.h"
#include "util/xalloc.h"

#define SQ_DEFAULT_BUSY_MS 5000

struct sq_store {
    struct store base; /* first: store.c sees only this */
    sqlite3 *db;
    int busy_ms;
};

struct sq_stmt {
    struct store_stmt base; /* first */
    sqlite3_stmt *stmt;
};

static struct sq_store *sq(struct store *st)
{
    return (struct sq_store *)st;
}

static struct sq_stmt *sqs(struct store_stmt *s)
{
    return (struct sq_stmt *)s;
}

/* sq_fail - classify rc into an rm_errcode and an errkind; message names
 * what was being done. err may be NULL. */
static int sq_fail(struct sq_store *s, int rc, const char *what,
                   struct rm_err *err)
{
    const char *msg = s->db ? sqlite3_errmsg(s->db) : sqlite3_errstr(rc);
    int code;

    switch (rc & 0xff) {
    case SQLITE_CONSTRAINT:
        code = RM_EINVAL;
        if (rc == SQLITE_CONSTRAINT_UNIQUE ||
            rc == SQLITE_CONSTRAINT_PRIMARYKEY)
            s->base.errkind = STORE_ERR_UNIQUE;
        else if (rc == SQLITE_CONSTRAINT_FOREIGNKEY)
            s->base.errkind = STORE_ERR_FOREIGN_KEY;
        else
            s->base.errkind = STORE_ERR_CHECK;
        break;
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        s->base.errkind = STORE_ERR_BUSY;
        return rm_err_set(err, RM_EIO,
                          "sqlite: %s: database is busy (another writer "
                          "held it for more than %d ms)",
                          what, s->busy_ms);
    case SQLITE_IOERR:
    case SQLITE_CORRUPT:
    case SQLITE_FULL:
    case SQLITE_CANTOPEN:
    case SQLITE_NOTADB:
    case SQLITE_READONLY:
    case SQLITE_PERM:
    case SQLITE_NOMEM:
        code = RM_EIO;
        s->base.errkind = STORE_ERR_OTHER;
        break;
    default:
        code = RM_EINTERNAL;
        s->base.errkind = STORE_ERR_OTHER;
        break;
    }
    return rm_err_set(err, code, "sqlite: %s: %s", what, msg);
}

/* pragma_text - run a PRAGMA that returns one text value. */
static int pragma_text(struct sq_store *s, const char *sql, char *out,
                       size_t outsz, struct rm_err *err)
{
    sqlite3_stmt *stmt;
    int rc = sqlite3_prepare_v2(s->db, sql, -1, &stmt, NULL);

    if (rc != SQLITE_OK)
        return sq_fail(s, rc, sql, err);
    rc = sqlite3_step(stmt);
    if (rc == SQLITE_ROW) {
        const unsigned char *t = sqlite3_column_text(stmt, 0);
        snprintf(out, outsz, "%s", t ? (const char *)t : "");
        rc = SQLITE_OK;
    } else if (rc == SQLITE_DONE) {
        out[0] = '\0';
        rc = SQLITE_OK;
    }
    sqlite3_finalize(stmt);
    return rc == SQLITE_OK ? 0 : sq_fail(s, rc, sql, err);
}

/* collate_c - byte order, like SQLite's BINARY and PostgreSQL's "C". */
static int collate_c(void *arg, int alen, const void *a, int blen,
                     const void *b)
{
    int n = alen < blen ? alen : blen;
    int c = n > 0 ? memcmp(a, b, (size_t)n) : 0;

    (void)arg;
    if (c != 0)
        return c;
    return alen < blen ? -1 : alen > blen;
}

static int sq_configure(struct sq_store *s, struct rm_err *err)
{
    char v[32];
    int rc;

    sqlite3_extended_result_codes(s->db, 1);
    /* COLLATE "C" sorts the same on both backends (store.h D12). */
    rc = sqlite3_create_collation(s->db, "C", SQLITE_UTF8, NULL, collate_c);
    if (rc != SQLITE_OK)
        return sq_fail(s, rc, "create collation C", err);
    sqlite3_busy_timeout(s->db, s->busy_ms);
    /* The first read also tells a non-database file apart. Handles
     * opening a new file at once race to switch it to WAL, and the loser
     * may be told SQLITE_BUSY at once (the busy handler is not called
     * where waiting could deadlock): try again until busy_ms. */
    for (int waited = 0;; waited += 10) {
        rc = pragma_text(s, "PRAGMA journal_mode=WAL", v, sizeof v, err);
        if (rc == 0 || s->base.errkind != STORE_ERR_BUSY ||
            waited >= s->busy_ms)
            break;
        usleep(10 * 1000);
    }
    if (rc < 0)
        return rc;
    if (strcmp(v, "wal") != 0)
        return rm_err_set(err, RM_EIO,
                          "sqlite: cannot switch to WAL (journal mode %s)", v);
    if ((rc = pragma_text(s, "PRAGMA foreign_keys=ON", v, sizeof v, err)) < 0)
        return rc;
    if ((rc = pragma_text(s, "PRAGMA foreign_keys", v, sizeof v, err)) < 0)
        return rc;
    if (strcmp(v, "1") != 0)
        return rm_err_set(err, RM_EINTERNAL,
                          "sqlite: this SQLite cannot enforce foreign keys");
    if ((rc = pragma_text(s, "PRAGMA synchronous=FULL", v, sizeof v, err)) < 0)
        return rc;
    return 0;
}

static void sq_close(struct store *st)
{
    struct sq_store *s = sq(st);

    if (s == NULL)
        return;
    /* Statements were finalized by store_close; close_v2 would defer. */
    sqlite3_close_v2(s->db);
    free(s);
}

static int sq_open(const char *path, const struct store_open_opts *opts,
                   struct store **out, struct rm_err *err)
{
    struct sq_store *s;
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;
    int rc;

    *out = NULL;
    if (opts->create) {
        /* Create the file ourselves so it is 0600 from the first byte:
         * it holds password hashes and encrypted registrar keys. SQLite
         * gives the -wal and -shm files the same mode. */
        int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
        if (fd < 0)
            return rm_err_set(err, RM_EIO, "sqlite: cannot create %s: %s", path,
                              strerror(errno));
        close(fd);
    } else if (access(path, F_OK) != 0) {
        return rm_err_set(err, RM_ENOTFOUND,
                          "sqlite: no database at %s (run regman init)", path);
    }
    s = xcalloc(1, sizeof *s);
    s->base.ops = &store_sqlite_ops;
    s->busy_ms =
        opts->busy_timeout_ms > 0 ? opts->busy_timeout_ms : SQ_DEFAULT_BUSY_MS;
    rc = sqlite3_open_v2(path, &s->db, flags, NULL);
    if (rc != SQLITE_OK) {
        rc = rm_err_set(err, RM_EIO, "sqlite: cannot open %s: %s", path,
                        s->db ? sqlite3_errmsg(s->db) : sqlite3_errstr(rc));
        sq_close(&s->base);
        return rc;
    }
    if ((rc = sq_configure(s, err)) < 0) {
        rm_err_prefix(err, "%s: ", path);
        sq_close(&s->base);
        return rc;
    }
    *out = &s->base;
    return 0;
}

static int sq_exec_script(struct store *st, const char *sql, struct rm_err *err)
{
    struct sq_store *s = sq(st);
    int rc = sqlite3_exec(s->db, sql, NULL, NULL, NULL);
    return rc == SQLITE_OK ? 0 : sq_fail(s, rc, "script", err);
}

static int sq_begin(struct store *st, enum store_txmode mode,
                    struct rm_err *err)
{
    struct sq_store *s = sq(st);
    /* IMMEDIATE takes the write lock now (waiting up to busy_ms), so a
     * writer never fails later when upgrading a read lock (store.h D10). */
    const char *sql = mode == STORE_TX_WRITE ? "BEGIN IMMEDIATE" : "BEGIN";
    int rc = sqlite3_exec(s->db, sql, NULL, NULL, NULL);
    return rc == SQLITE_OK ? 0 : sq_fail(s, rc, sql, err);
}

static int sq_commit(struct store *st, struct rm_err *err)
{
    struct sq_store *s = sq(st);
    int rc = sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL);
    return rc == SQLITE_OK ? 0 : sq_fail(s, rc, "COMMIT", err);
}

static int sq_rollback(struct store *st, struct rm_err *err)
{
    struct sq_store *s = sq(st);
    int rc;

    /* Some errors (SQLITE_FULL, IOERR) roll back on their own. */
    if (sqlite3_get_autocommit(s->db))
        return 0;
    rc = sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
    return rc == SQLITE_OK ? 0 : sq_fail(s, rc, "ROLLBACK", err);
}

/*
 * Migrations may rebuild a table (store.h D14, the procedure of
 * sqlite.org/lang_altertable.html section 7): DROP TABLE x with foreign
 * keys on would delete or refuse for the rows that refer to x. So keys are
 * off around each migration's transaction (the PRAGMA is a no-op inside
 * one), checked whole before COMMIT, and on again afterwards.
 */
static int sq_migrate_prepare(struct store *st, struct rm_err *err)
{
    struct sq_store *s = sq(st);
    int rc = sqlite3_exec(s->db, "PRAGMA foreign_keys=OFF", NULL, NULL, NULL);
    return rc == SQLITE_OK ? 0 : sq_fail(s, rc, "PRAGMA foreign_keys", err);
}

/* sq_migrate_verify - PRAGMA foreign_key_check over the whole database:
 * the first row it reports fails the migration, naming table and parent. */
static int sq_migrate_verify(struct store *st, struct rm_err *err)
{
    struct sq_store *s = sq(st);
    sqlite3_stmt *stmt;
    int rc =
        sqlite3_prepare_v2(s->db, "PRAGMA foreign_key_check", -1, &stmt, NULL);

    if (rc != SQLITE_OK)
        return sq_fail(s, rc, "PRAGMA foreign_key_check", err);
    rc = sqlite3_step(stmt);
    if (rc == SQLITE_ROW) {
        const unsigned char *table = sqlite3_column_text(stmt, 0);
        const unsigned char *parent = sqlite3_column_text(stmt, 2);
        s->base.errkind = STORE_ERR_FOREIGN_KEY;
        rc = rm_err_set(err, RM_EINVAL,
                        "sqlite: foreign key check: a row of %s (rowid "
                        "%lld) refers to a missing row of %s",
                        table ? (const char *)table : "?",
                        (long long)sqlite3_column_int64(stmt, 1),
                        parent ? (const char *)parent : "?");
    } else if (rc == SQLITE_DONE) {
        rc = 0;
    } else {
        rc = sq_fail(s, rc, "PRAGMA foreign_key_check", err);
    }
    sqlite3_finalize(stmt);
    return rc;
}

static int sq_migrate_finish(struct store *st, struct rm_err *err)
{
    struct sq_store *s = sq(st);
    char v[32];
    int rc;

    if ((rc = pragma_text(s, "PRAGMA foreign_keys=ON", v, sizeof v, err)) < 0)
        return rc;
    if ((rc = pragma_text(s, "PRAGMA foreign_keys", v, sizeof v, err)) < 0)
        return rc;
    if (strcmp(v, "1") != 0)
        return rm_err_set(err, RM_EINTERNAL,
                          "sqlite: foreign keys did not turn back on");
    return 0;
}

static int sq_prepare(struct store *st, const char *sql,
                      struct store_stmt **out, struct rm_err *err)
{
    struct sq_store *s = sq(st);
    struct sq_stmt *q;
    sqlite3_stmt *stmt = NULL;
    const char *tail = NULL;
    /* D13: a claim's FOR UPDATE SKIP LOCKED has nothing to skip here */
    char *rewritten = store_sqlite_rewrite(sql);
    const char *text = rewritten ? rewritten : sql;
    int rc;

    rc = sqlite3_prepare_v3(s->db, text, -1, SQLITE_PREPARE_PERSISTENT, &stmt,
                            &tail);
    if (rc != SQLITE_OK) {
        free(rewritten);
        return sq_fail(s, rc, "prepare", err);
    }
    if (stmt == NULL) {
        free(rewritten);
        s->base.errkind = STORE_ERR_OTHER;
        return rm_err_set(err, RM_EINTERNAL, "sqlite: empty statement");
    }
    while (tail &&
           (*tail == ' ' || *tail == '\n' || *tail == '\t' || *tail == ';'))
        tail++;
    if (tail && *tail != '\0') {
        free(rewritten);
        sqlite3_finalize(stmt);
        s->base.errkind = STORE_ERR_OTHER;
        return rm_err_set(err, RM_EINTERNAL,
                          "sqlite: one statement per prepare: %.100s", sql);
    }
    free(rewritten);
    q = xcalloc(1, sizeof *q);
    q->stmt = stmt;
    *out = &q->base;
    return 0;
}

static int sq_bind_int64(struct store_stmt *s, int idx, int64_t v)
{
    return sqlite3_bind_int64(sqs(s)->stmt, idx, v) == SQLITE_OK ? 0
                                                                 : RM_EINVAL;
}

static int sq_bind_text(struct store_stmt *s, int idx, const char *v)
{
    return sqlite3_bind_text(sqs(s)->stmt, idx, v, -1, SQLITE_TRANSIENT) ==
                   SQLITE_OK
               ? 0
               : RM_EINVAL;
}

static int sq_bind_null(struct store_stmt *s, int idx)
{
    return sqlite3_bind_null(sqs(s)->stmt, idx) == SQLITE_OK ? 0 : RM_EINVAL;
}

static int sq_step(struct store_stmt *s, struct rm_err *err)
{
    /* SQLITE_BUSY is retried inside sqlite3_step by the busy handler
     * (sqlite3_busy_timeout) until busy_ms has passed. */
    int rc = sqlite3_step(sqs(s)->stmt);

    if (rc == SQLITE_ROW)
        return STORE_ROW;
    if (rc == SQLITE_DONE)
        return STORE_DONE;
    return sq_fail(sq(s->st), rc, "step", err);
}

static int sq_column_count(struct store_stmt *s)
{
    return sqlite3_column_count(sqs(s)->stmt);
}

static int64_t sq_column_int64(struct store_stmt *s, int col)
{
    return sqlite3_column_int64(sqs(s)->stmt, col);
}

static const char *sq_column_text(struct store_stmt *s, int col)
{
    return (const char *)sqlite3_column_text(sqs(s)->stmt, col);
}

static int sq_column_is_null(struct store_stmt *s, int col)
{
    return sqlite3_column_type(sqs(s)->stmt, col) == SQLITE_NULL;
}

static void sq_reset(struct store_stmt *s)
{
    sqlite3_reset(sqs(s)->stmt);
    sqlite3_clear_bindings(sqs(s)->stmt);
}

static void sq_finalize(struct store_stmt *s)
{
    sqlite3_finalize(sqs(s)->stmt);
    free(s);
}

static int64_t sq_changes(struct store *st)
{
    return sqlite3_changes64(sq(st)->db);
}

const struct store_ops store_sqlite_ops = {
    .name = "sqlite",
    .open = sq_open,
    .close = sq_close,
    .exec_script = sq_exec_script,
    .begin = sq_begin,
    .commit = sq_commit,
    .rollback = sq_rollback,
    .migrate_prepare = sq_migrate_prepare,
    .migrate_verify = sq_migrate_verify,
    .migrate_finish = sq_migrate_finish,
    .prepare = sq_prepare,
    .bind_int64 = sq_bind_int64,
    .bind_text = sq_bind_text,
    .bind_null = sq_bind_null,
    .step = sq_step,
    .column_count = sq_column_count,
    .column_int64 = sq_column_int64,
    .column_text = sq_column_text,
    .column_is_null = sq_column_is_null,
    .reset = sq_reset,
    .finalize = sq_finalize,
    .changes = sq_changes,
};
