/*
 * test_store - the store interface on both backends: migrations, schema
 * versions, constraints, transactions, statement cache, typed parameters
 * and two handles sharing one database.
 *
 * Every common test runs on a new SQLite file in a temporary directory,
 * and, when REGMAN_TEST_PG_URL names a PostgreSQL database (a libpq URL),
 * again on PostgreSQL in a new schema of that database (dropped after the
 * test), so tests stay independent. REGMAN_TEST_DB=postgresql without
 * REGMAN_TEST_PG_URL fails. Tests of one backend's own behaviour (file
 * mode, SQLite's busy timeout; row locks, lock_timeout, serialization
 * failures, aborted transactions on pg) run on that backend only.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <malloc.h>

#include <pthread.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "store/store.h"
#include "store/store_backend.h"

/* The PostgreSQL database of this run (NULL: SQLite only). */
static const char *pg_url;

struct fx {
    int pg;
    char dir[256];
    char path[300];    /* the SQLite file */
    char schema[64];   /* pg: this test's schema */
    char target[1200]; /* what store_open is given */
};

static int setup_sqlite(void **state)
{
    struct fx *f = calloc(1, sizeof *f);
    const char *tmp = getenv("TMPDIR");

    snprintf(f->dir, sizeof f->dir, "%s/rmstore.XXXXXX", tmp ? tmp : "/tmp");
    if (mkdtemp(f->dir) == NULL)
        return -1;
    snprintf(f->path, sizeof f->path, "%s/regman.db", f->dir);
    snprintf(f->target, sizeof f->target, "%s", f->path);
    *state = f;
    return 0;
}

static int teardown_sqlite(void **state)
{
    struct fx *f = *state;
    static const char *const sfx[] = {"", "-wal", "-shm", "-journal"};
    char p[320];

    for (size_t i = 0; i < sizeof sfx / sizeof sfx[0]; i++) {
        snprintf(p, sizeof p, "%s%s", f->path, sfx[i]);
        unlink(p);
    }
    rmdir(f->dir);
    free(f);
    return 0;
}

/* pg_admin - run one statement on the test database itself. */
static int pg_admin(const char *sql)
{
    struct store *st;
    struct rm_err err = {0};
    int rc = store_open_raw(pg_url, NULL, &st, &err);

    if (rc == 0) {
        rc = store_exec(st, sql, &err);
        store_close(st);
    }
    if (rc != 0)
        print_error("%s: %s\n", sql, err.msg);
    return rc;
}

static int setup_pg(void **state)
{
    static int n;
    struct fx *f = calloc(1, sizeof *f);
    char sql[128];

    f->pg = 1;
    snprintf(f->schema, sizeof f->schema, "rmtest_%ld_%d", (long)getpid(), ++n);
    snprintf(sql, sizeof sql, "CREATE SCHEMA %s", f->schema);
    if (pg_admin(sql) != 0) {
        free(f);
        return -1;
    }
    /* Every handle of the test works in its own schema. */
    snprintf(f->target, sizeof f->target, "%s%coptions=-csearch_path%%3D%s",
             pg_url, strchr(pg_url, '?') ? '&' : '?', f->schema);
    *state = f;
    return 0;
}

static int teardown_pg(void **state)
{
    struct fx *f = *state;
    char sql[128];
    int rc;

    snprintf(sql, sizeof sql, "DROP SCHEMA %s CASCADE", f->schema);
    rc = pg_admin(sql);
    free(f);
    return rc;
}

static struct store *open_new(struct fx *f)
{
    struct store_open_opts o = {.create = 1};
    struct store *st = NULL;
    struct rm_err err = {0};
    int rc = store_open(f->target, &o, &st, &err);
    if (rc != 0)
        fail_msg("store_open: %s", err.msg);
    return st;
}

/* count - one BIGINT from a parameterless query. */
static int64_t count(struct store *st, const char *sql)
{
    struct store_stmt *s;
    struct rm_err err = {0};
    int64_t v = -1;

    if (store_prepare(st, sql, &s, &err) != 0)
        fail_msg("prepare %s: %s", sql, err.msg);
    if (store_step(s, &err) == STORE_ROW)
        v = store_col_int64(s, 0);
    store_stmt_release(s);
    return v;
}

static int insert_account(struct store *st, const char *name,
                          struct rm_err *err)
{
    struct store_stmt *s;
    int rc = store_prepare(st,
                           "INSERT INTO accounts (name, kind, created_at) "
                           "VALUES (?, 'customer', 1) RETURNING id",
                           &s, err);
    if (rc < 0)
        return rc;
    store_bind_text(s, 1, name);
    rc = store_step(s, err);
    if (rc == STORE_ROW)
        rc = (int)store_col_int64(s, 0);
    store_stmt_release(s);
    return rc;
}

static void test_migrations_apply_on_empty_file(void **state)
{
    struct fx *f = *state;
    struct store *st = open_new(f);
    struct rm_err err = {0};
    int64_t v = 0;

    assert_string_equal(store_backend_name(st),
                        f->pg ? "postgresql" : "sqlite");
    assert_int_equal(store_schema_version(st, &v, &err), 0);
    assert_true(store_latest_version() >= 1);
    assert_int_equal(v, store_latest_version());
    assert_int_equal(count(st, "SELECT COUNT(*) FROM schema_migrations"),
                     store_latest_version());
    /* The schema is there: the two system accounts of the ledger. */
    assert_int_equal(
        count(st, "SELECT COUNT(*) FROM accounts WHERE kind <> 'customer'"), 2);
    for (const char *const *t =
             (const char *const[]){
                 "registrar_connections", "tlds", "tld_prices", "logins",
                 "contacts", "domains", "operations", "ledger_postings",
                 "ledger_entries", "jobs", "mail_outbox", "registrar_log",
                 "sessions", "api_tokens", "notices", NULL};
         *t; t++) {
        char sql[128];
        snprintf(sql, sizeof sql, "SELECT COUNT(*) FROM %s", *t);
        assert_int_equal(count(st, sql), 0);
    }
    store_close(st);
}

static void test_reopen_applies_nothing_twice(void **state)
{
    struct fx *f = *state;
    struct store *st = open_new(f);
    int64_t applied =
        count(st, "SELECT MAX(applied_at) FROM schema_migrations");
    struct rm_err err = {0};

    assert_true(insert_account(st, "alice", &err) > 0);
    store_close(st);
    for (int i = 0; i < 3; i++) {
        st = open_new(f);
        assert_int_equal(count(st, "SELECT COUNT(*) FROM schema_migrations"),
                         store_latest_version());
        assert_int_equal(
            count(st, "SELECT MAX(applied_at) FROM schema_migrations"),
            applied);
        assert_int_equal(count(st, "SELECT COUNT(*) FROM accounts"), 3);
        store_close(st);
    }
}

static void test_missing_file_without_create_is_not_found(void **state)
{
    struct fx *f = *state;
    struct store *st = NULL;
    struct rm_err err = {0};

    assert_int_equal(store_open(f->target, NULL, &st, &err), RM_ENOTFOUND);
    assert_null(st);
    assert_non_null(strstr(err.msg, "no database"));
    assert_int_not_equal(access(f->path, F_OK), 0);
}

static void test_new_file_is_private(void **state)
{
    struct fx *f = *state;
    struct store *st = open_new(f);
    struct stat sb;

    assert_int_equal(stat(f->path, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0600);
    store_close(st);
}

static void test_newer_schema_is_refused_and_untouched(void **state)
{
    struct fx *f = *state;
    struct store *st = open_new(f);
    struct store_stmt *s;
    struct rm_err err = {0};
    int64_t newer = store_latest_version() + 1;

    assert_int_equal(store_prepare(st,
                                   "INSERT INTO schema_migrations (version, "
                                   "name, applied_at) VALUES (?, 'future', 1)",
                                   &s, &err),
                     0);
    store_bind_int64(s, 1, newer);
    assert_int_equal(store_step(s, &err), STORE_DONE);
    store_stmt_release(s);
    store_close(st);

    st = NULL;
    assert_int_equal(store_open(f->target, NULL, &st, &err), RM_EINVAL);
    assert_null(st);
    assert_non_null(strstr(err.msg, "newer than this regman"));

    /* Raw open (no migration) shows the file kept its version. */
    assert_int_equal(store_open_raw(f->target, NULL, &st, &err), 0);
    assert_int_equal(count(st, "SELECT MAX(version) FROM schema_migrations"),
                     newer);
    store_close(st);
}

static void test_failed_migration_leaves_nothing(void **state)
{
    struct fx *f = *state;
    static const struct store_migration list[] = {
#define M2                                                                     \
    "CREATE TABLE t2 (x BIGINT);\n"                                            \
    "INSERT INTO t1 (x) VALUES (1);\n"                                         \
    "INSERT INTO no_such_table (x) VALUES (1);"
        {1, "one", "CREATE TABLE t1 (x BIGINT);",
         "CREATE TABLE t1 (x BIGINT);"},
        {2, "two", M2, M2},
#undef M2
    };
    struct store_open_opts o = {.create = 1};
    struct store *st;
    struct store_stmt *s;
    struct rm_err err = {0};
    int64_t v = -1;

    assert_int_equal(store_open_raw(f->target, &o, &st, &err), 0);
    assert_int_not_equal(store_migrate_with(st, list, 2, &err), 0);
    assert_non_null(strstr(err.msg, "migration 002_two"));
    assert_int_equal(store_errkind(st), STORE_ERR_SCHEMA);
    assert_int_equal(store_schema_version(st, &v, &err), 0);
    assert_int_equal(v, 1);
    /* Migration 2 ran in one transaction: neither its table nor its row. */
    assert_int_equal(count(st, "SELECT COUNT(*) FROM t1"), 0);
    assert_int_not_equal(store_prepare(st, "SELECT x FROM t2", &s, &err), 0);
    assert_int_equal(store_in_tx(st), 0);
    store_close(st);
}

/* A per-backend pair (store.h D14): each backend runs only its own half. */
static void test_migration_pair_runs_the_backends_half(void **state)
{
    struct fx *f = *state;
    static const struct store_migration list[] = {
        {1, "split", "CREATE TABLE made_by_sqlite (x BIGINT);",
         "CREATE TABLE made_by_pg (x BIGINT);"},
    };
    struct store_open_opts o = {.create = 1};
    struct store *st;
    struct store_stmt *s;
    struct rm_err err = {0};

    assert_int_equal(store_open_raw(f->target, &o, &st, &err), 0);
    assert_int_equal(store_migrate_with(st, list, 1, &err), 0);
    assert_int_equal(count(st, f->pg ? "SELECT COUNT(*) FROM made_by_pg"
                                     : "SELECT COUNT(*) FROM made_by_sqlite"),
                     0);
    assert_int_not_equal(store_prepare(st,
                                       f->pg ? "SELECT x FROM made_by_sqlite"
                                             : "SELECT x FROM made_by_pg",
                                       &s, &err),
                         0);
    store_close(st);
}

/* The schema the rebuild tests start from: a parent with a CHECK, a child
 * that refers to it, and rows in both. */
#define REBUILD_BASE                                                           \
    "CREATE TABLE parent (id INTEGER PRIMARY KEY,"                             \
    " kind TEXT NOT NULL CHECK (kind IN ('a')),"                               \
    " note TEXT NOT NULL DEFAULT 'none');"                                     \
    "CREATE INDEX parent_kind ON parent (kind);"                               \
    "CREATE TABLE child (id INTEGER PRIMARY KEY,"                              \
    " parent_id BIGINT NOT NULL REFERENCES parent (id));"                      \
    "INSERT INTO parent (kind) VALUES ('a');"                                  \
    "INSERT INTO parent (kind) VALUES ('a');"                                  \
    "INSERT INTO child (parent_id) VALUES (1);"                                \
    "INSERT INTO child (parent_id) VALUES (2);"

/* The SQLite half of a CHECK change: the 12-step rebuild, keeping `where`
 * rows of parent. */
#define REBUILD_SQLITE(where)                                                  \
    "CREATE TABLE new_parent (id INTEGER PRIMARY KEY,"                         \
    " kind TEXT NOT NULL CHECK (kind IN ('a', 'b')),"                          \
    " note TEXT NOT NULL DEFAULT 'none');"                                     \
    "INSERT INTO new_parent (id, kind, note)"                                  \
    " SELECT id, kind, note FROM parent WHERE " where ";"                      \
    "DROP TABLE parent;"                                                       \
    "ALTER TABLE new_parent RENAME TO parent;"                                 \
    "CREATE INDEX parent_kind ON parent (kind);"

/* A rebuild (SQLite) or DROP/ADD CONSTRAINT (pg) widens a CHECK while
 * rows refer to the table; every row, the default, the index, the foreign
 * key and RETURNING ids survive, and foreign keys are enforced after. */
static void test_rebuild_keeps_foreign_keys(void **state)
{
    struct fx *f = *state;
    static const struct store_migration list[] = {
        {1, "base", REBUILD_BASE, REBUILD_BASE},
        {2, "widen", REBUILD_SQLITE("1 = 1"),
         "ALTER TABLE parent DROP CONSTRAINT parent_kind_check;"
         "ALTER TABLE parent ADD CONSTRAINT parent_kind_check"
         " CHECK (kind IN ('a', 'b'));"},
    };
    struct store_open_opts o = {.create = 1};
    struct store *st;
    struct rm_err err = {0};
    int64_t v = 0;

    assert_int_equal(store_open_raw(f->target, &o, &st, &err), 0);
    if (store_migrate_with(st, list, 2, &err) != 0)
        fail_msg("migrate: %s", err.msg);
    assert_int_equal(store_schema_version(st, &v, &err), 0);
    assert_int_equal(v, 2);
    assert_int_equal(count(st, "SELECT COUNT(*) FROM parent"), 2);
    assert_int_equal(count(st, "SELECT COUNT(*) FROM child c JOIN parent p"
                               " ON p.id = c.parent_id"),
                     2);
    /* The widened CHECK, the kept default and the next id. */
    assert_int_equal(count(st, "INSERT INTO parent (kind) VALUES ('b')"
                               " RETURNING id"),
                     3);
    assert_int_equal(
        count(st, "SELECT COUNT(*) FROM parent WHERE note = 'none'"), 3);
    assert_int_equal(
        store_exec(st, "INSERT INTO parent (kind) VALUES ('c')", &err),
        RM_EINVAL);
    assert_int_equal(store_errkind(st), STORE_ERR_CHECK);
    /* Foreign keys are on again and still point at parent. */
    assert_int_equal(
        store_exec(st, "INSERT INTO child (parent_id) VALUES (99)", &err),
        RM_EINVAL);
    assert_int_equal(store_errkind(st), STORE_ERR_FOREIGN_KEY);
    assert_int_equal(store_exec(st, "DELETE FROM parent WHERE id = 1", &err),
                     RM_EINVAL);
    assert_int_equal(store_errkind(st), STORE_ERR_FOREIGN_KEY);
    assert_int_equal(
        store_exec(st, "INSERT INTO child (parent_id) VALUES (3)", &err), 0);
    store_close(st);
}

/* A migration that would leave a row referring to nothing fails whole
 * (SQLite: found by the foreign key check before COMMIT; pg: refused by
 * the key itself) and names the table; the database keeps its version. */
static void test_rebuild_that_breaks_a_foreign_key_is_refused(void **state)
{
    struct fx *f = *state;
    static const struct store_migration list[] = {
        {1, "base", REBUILD_BASE, REBUILD_BASE},
        {2, "lossy", REBUILD_SQLITE("id <> 2"),
         "DELETE FROM parent WHERE id = 2;"},
    };
    struct store_open_opts o = {.create = 1};
    struct store *st;
    struct rm_err err = {0};
    int64_t v = 0;

    assert_int_equal(store_open_raw(f->target, &o, &st, &err), 0);
    assert_int_not_equal(store_migrate_with(st, list, 2, &err), 0);
    assert_non_null(strstr(err.msg, "migration 002_lossy"));
    assert_non_null(strstr(err.msg, "child"));
    assert_int_equal(store_errkind(st), STORE_ERR_SCHEMA);
    assert_int_equal(store_in_tx(st), 0);
    assert_int_equal(store_schema_version(st, &v, &err), 0);
    assert_int_equal(v, 1);
    /* Rolled back: the row is there, the old CHECK too. */
    assert_int_equal(count(st, "SELECT COUNT(*) FROM parent WHERE id = 2"), 1);
    assert_int_equal(
        store_exec(st, "INSERT INTO parent (kind) VALUES ('b')", &err),
        RM_EINVAL);
    /* Foreign keys are on again after the failure. */
    assert_int_equal(
        store_exec(st, "INSERT INTO child (parent_id) VALUES (99)", &err),
        RM_EINVAL);
    assert_int_equal(store_errkind(st), STORE_ERR_FOREIGN_KEY);
    store_close(st);
}

/* gen - run gen_migrations.py on files made in dir; its exit status. */
static int gen(const char *dir, const char *const *names, char *out,
               size_t outsz)
{
    const char *script = getenv("REGMAN_GEN_MIGRATIONS");
    char cmd[2048], path[600];
    size_t n;
    FILE *p;
    int rc;

    if (script == NULL)
        fail_msg("REGMAN_GEN_MIGRATIONS is not set");
    n = (size_t)snprintf(cmd, sizeof cmd, "python3 %s %s/out.c", script, dir);
    for (; *names; names++) {
        FILE *fp;
        snprintf(path, sizeof path, "%s/%s", dir, *names);
        fp = fopen(path, "w");
        assert_non_null(fp);
        fprintf(fp, "CREATE TABLE t_%zu (x BIGINT);\n", n);
        fclose(fp);
        n += (size_t)snprintf(cmd + n, sizeof cmd - n, " %s", path);
    }
    snprintf(cmd + n, sizeof cmd - n, " 2>&1");
    p = popen(cmd, "r");
    assert_non_null(p);
    n = fread(out, 1, outsz - 1, p);
    out[n] = '\0';
    rc = pclose(p);
    return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

/* The generator takes a pair, and refuses a lone half or a gap. */
static void test_generator_checks_per_backend_pairs(void **state)
{
    struct fx *f = *state;
    char out[4096], path[400];
    FILE *fp;
    size_t n;

    assert_int_equal(gen(f->dir,
                         (const char *const[]){"001_a.sql", "002_b.sqlite.sql",
                                               "002_b.pg.sql", NULL},
                         out, sizeof out),
                     0);
    snprintf(path, sizeof path, "%s/out.c", f->dir);
    fp = fopen(path, "r");
    assert_non_null(fp);
    n = fread(out, 1, sizeof out - 1, fp);
    out[n] = '\0';
    fclose(fp);
    assert_non_null(strstr(out, "{1, \"a\", m001, m001}"));
    assert_non_null(strstr(out, "{2, \"b\", m002_sqlite, m002_pg}"));

    assert_int_not_equal(
        gen(f->dir,
            (const char *const[]){"001_a.sql", "002_b.sqlite.sql", NULL}, out,
            sizeof out),
        0);
    assert_non_null(strstr(out, "002_b.pg.sql is missing"));
    assert_int_not_equal(
        gen(f->dir, (const char *const[]){"001_a.sql", "002_b.pg.sql", NULL},
            out, sizeof out),
        0);
    assert_non_null(strstr(out, "002_b.sqlite.sql is missing"));
    assert_int_not_equal(gen(f->dir,
                             (const char *const[]){"001_a.sql", "002_b.sql",
                                                   "002_b.pg.sql", NULL},
                             out, sizeof out),
                         0);
    assert_non_null(strstr(out, "both a common file and per-backend"));
    assert_int_not_equal(
        gen(f->dir,
            (const char *const[]){"001_a.sql", "002_b.sqlite.sql",
                                  "002_c.pg.sql", NULL},
            out, sizeof out),
        0);
    assert_non_null(strstr(out, "already named b"));
    assert_int_not_equal(
        gen(f->dir,
            (const char *const[]){"001_a.sql", "003_c.sqlite.sql",
                                  "003_c.pg.sql", NULL},
            out, sizeof out),
        0);
    assert_non_null(strstr(out, "without gaps"));
    for (const char *const *m =
             (const char *const[]){"001_a.sql", "002_b.sql", "002_b.sqlite.sql",
                                   "002_b.pg.sql", "002_c.pg.sql",
                                   "003_c.sqlite.sql", "003_c.pg.sql", "out.c",
                                   NULL};
         *m; m++) {
        snprintf(path, sizeof path, "%s/%s", f->dir, *m);
        unlink(path);
    }
}

static void test_bad_targets_are_refused_clearly(void **state)
{
    struct store *st = NULL;
    struct rm_err err = {0};
    (void)state;

    assert_int_equal(store_open("", NULL, &st, &err), RM_EINVAL);
    assert_int_equal(store_open("sqlite:", NULL, &st, &err), RM_EINVAL);
    /* Nothing listens on port 1: the error names the target, never its
     * password. */
    assert_int_equal(store_open("postgresql://rm:s3cret@127.0.0.1:1/regman",
                                NULL, &st, &err),
                     RM_EIO);
    assert_null(st);
    assert_non_null(strstr(err.msg, "postgresql://rm:***@127.0.0.1:1/regman"));
    assert_null(strstr(err.msg, "s3cret"));
    assert_int_equal(store_open("postgres://127.0.0.1:1/regman?password=s3cret",
                                NULL, &st, &err),
                     RM_EIO);
    assert_null(strstr(err.msg, "s3cret"));
}

/* Constraint violations: code and kind, table-driven. */
static const struct {
    const char *what;
    const char *sql;
    enum store_errkind kind;
} violations[] = {
    {"foreign key",
     "INSERT INTO logins (account_id, username, pw_hash, role, created_at) "
     "VALUES (999, 'u', 'h', 'customer', 1)",
     STORE_ERR_FOREIGN_KEY},
    {"unique",
     "INSERT INTO accounts (name, kind, created_at) "
     "VALUES ('system:sales', 'customer', 1)",
     STORE_ERR_UNIQUE},
    {"second sales account",
     "INSERT INTO accounts (name, kind, created_at) "
     "VALUES ('other', 'sales', 1)",
     STORE_ERR_UNIQUE},
    {"check",
     "INSERT INTO accounts (name, kind, created_at) "
     "VALUES ('x', 'wizard', 1)",
     STORE_ERR_CHECK},
    {"not null", "INSERT INTO accounts (name, kind) VALUES ('x', 'customer')",
     STORE_ERR_CHECK},
    {"admin-less customer login",
     "INSERT INTO logins (username, pw_hash, role, created_at) "
     "VALUES ('u', 'h', 'customer', 1)",
     STORE_ERR_CHECK},
};

static void test_constraints_are_enforced_and_classified(void **state)
{
    struct fx *f = *state;
    struct store *st = open_new(f);
    struct rm_err err = {0};

    for (size_t i = 0; i < sizeof violations / sizeof violations[0]; i++) {
        int rc = store_exec(st, violations[i].sql, &err);
        if (rc != RM_EINVAL || store_errkind(st) != violations[i].kind)
            fail_msg("%s: rc %d kind %d (%s)", violations[i].what, rc,
                     (int)store_errkind(st), err.msg);
    }
    assert_int_equal(count(st, "SELECT COUNT(*) FROM accounts"), 2);
    assert_int_equal(count(st, "SELECT COUNT(*) FROM logins"), 0);
    store_close(st);
}

static void test_failed_transaction_leaves_nothing(void **state)
{
    struct fx *f = *state;
    struct store *st = open_new(f);
    struct rm_err err = {0};

    assert_int_equal(store_begin(st, STORE_TX_WRITE, &err), 0);
    assert_true(insert_account(st, "bob", &err) > 0);
    assert_int_equal(count(st, "SELECT COUNT(*) FROM accounts"), 3);
    assert_int_equal(store_exec(st, violations[0].sql, &err), RM_EINVAL);
    store_rollback(st);
    assert_int_equal(store_in_tx(st), 0);
    assert_int_equal(count(st, "SELECT COUNT(*) FROM accounts"), 2);
    store_close(st);

    /* Closing with an open transaction rolls it back too. */
    st = open_new(f);
    assert_int_equal(store_begin(st, STORE_TX_WRITE, &err), 0);
    assert_true(insert_account(st, "carol", &err) > 0);
    store_close(st);
    st = open_new(f);
    assert_int_equal(count(st, "SELECT COUNT(*) FROM accounts"), 2);
    store_close(st);
}

static void test_transactions_do_not_nest(void **state)
{
    struct fx *f = *state;
    struct store *st = open_new(f);
    struct rm_err err = {0};

    assert_int_equal(store_commit(st, &err), RM_EINTERNAL);
    assert_int_equal(store_begin(st, STORE_TX_READ, &err), 0);
    assert_int_equal(store_begin(st, STORE_TX_WRITE, &err), RM_EINTERNAL);
    assert_int_equal(store_commit(st, &err), 0);
    store_rollback(st); /* no transaction: a no-op */
    store_close(st);
}

static void test_values_are_bound_never_spliced(void **state)
{
    struct fx *f = *state;
    struct store *st = open_new(f);
    struct store_stmt *s;
    struct rm_err err = {0};
    const char *evil = "x'); DROP TABLE accounts; --?";
    int id = insert_account(st, evil, &err);

    assert_true(id > 0);
    assert_int_equal(store_prepare(st,
                                   "SELECT name, email FROM accounts "
                                   "WHERE id = ?",
                                   &s, &err),
                     0);
    store_bind_int64(s, 1, id);
    assert_int_equal(store_step(s, &err), STORE_ROW);
    assert_string_equal(store_col_text(s, 0), evil);
    assert_true(store_col_is_null(s, 1));
    assert_null(store_col_text(s, 1));
    assert_int_equal(store_col_count(s), 2);
    assert_int_equal(store_step(s, &err), STORE_DONE);
    store_stmt_release(s);
    assert_int_equal(count(st, "SELECT COUNT(*) FROM accounts"), 3);
    store_close(st);
}

static void test_returning_gives_increasing_ids(void **state)
{
    struct fx *f = *state;
    struct store *st = open_new(f);
    struct rm_err err = {0};
    int a = insert_account(st, "a", &err), b = insert_account(st, "b", &err);

    assert_true(a > 0);
    assert_true(b > a);
    assert_int_equal(store_exec(st,
                                "UPDATE accounts SET email = 'x' "
                                "WHERE kind = 'customer'",
                                &err),
                     0);
    assert_int_equal(store_changes(st), 2);
    store_close(st);
}

static void test_statement_cache_reuses_and_nests(void **state)
{
    struct fx *f = *state;
    struct store *st = open_new(f);
    struct store_stmt *a, *b, *c;
    struct rm_err err = {0};
    static const char sql[] = "SELECT id FROM accounts ORDER BY id";

    assert_int_equal(store_prepare(st, sql, &a, &err), 0);
    assert_int_equal(store_step(a, &err), STORE_ROW);
    /* The same SQL while a is mid-walk gets its own statement. */
    assert_int_equal(store_prepare(st, sql, &b, &err), 0);
    assert_ptr_not_equal(a, b);
    assert_int_equal(store_step(b, &err), STORE_ROW);
    assert_int_equal(store_col_int64(a, 0), store_col_int64(b, 0));
    store_stmt_release(b);
    store_stmt_release(a);
    /* Released statements come back, reset. */
    assert_int_equal(store_prepare(st, sql, &c, &err), 0);
    assert_true(c == a || c == b);
    assert_int_equal(store_step(c, &err), STORE_ROW);
    assert_int_equal(store_col_int64(c, 0), 1);
    store_stmt_release(c);
    store_close(st);
}

static void test_misuse_is_reported(void **state)
{
    struct fx *f = *state;
    struct store *st = open_new(f);
    struct store_stmt *s;
    struct rm_err err = {0};

    assert_int_equal(store_prepare(st, "SELEKT 1", &s, &err), RM_EINTERNAL);
    assert_int_equal(store_prepare(st, "SELECT 1; SELECT 2", &s, &err),
                     RM_EINTERNAL);
    assert_int_equal(
        store_prepare(st, "SELECT id FROM accounts WHERE id = ?", &s, &err), 0);
    store_bind_int64(s, 7, 1);
    assert_int_equal(store_step(s, &err), RM_EINTERNAL);
    assert_non_null(strstr(err.msg, "parameter 7"));
    store_stmt_release(s);
    /* The released statement is clean again. */
    assert_int_equal(
        store_prepare(st, "SELECT id FROM accounts WHERE id = ?", &s, &err), 0);
    store_bind_int64(s, 1, 1);
    assert_int_equal(store_step(s, &err), STORE_ROW);
    store_stmt_release(s);
    store_close(st);
}

/* Two handles on one file. */

struct writer {
    const char *path;
    int busy_ms;
    volatile int started;
    int rc;
    double waited_ms;
    char msg[512];
};

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void *second_writer(void *arg)
{
    struct writer *w = arg;
    struct store_open_opts o = {.busy_timeout_ms = w->busy_ms};
    struct store *st;
    struct rm_err err = {0};
    double t0;

    w->rc = store_open(w->path, &o, &st, &err);
    if (w->rc != 0) {
        snprintf(w->msg, sizeof w->msg, "%s", err.msg);
        w->started = 1;
        return NULL;
    }
    t0 = now_ms();
    __atomic_store_n(&w->started, 1, __ATOMIC_SEQ_CST);
    w->rc = store_begin(st, STORE_TX_WRITE, &err);
    w->waited_ms = now_ms() - t0;
    if (w->rc == 0) {
        w->rc = insert_account(st, "second", &err);
        if (w->rc > 0)
            w->rc = store_commit(st, &err);
        else
            store_rollback(st);
    } else if (store_errkind(st) != STORE_ERR_BUSY) {
        w->rc = -100;
    }
    snprintf(w->msg, sizeof w->msg, "%s", err.msg);
    store_close(st);
    return NULL;
}

static void test_second_writer_waits_then_succeeds(void **state)
{
    struct fx *f = *state;
    struct store *a = open_new(f);
    struct writer w = {.path = f->target, .busy_ms = 5000};
    struct rm_err err = {0};
    pthread_t th;

    assert_int_equal(store_begin(a, STORE_TX_WRITE, &err), 0);
    assert_true(insert_account(a, "first", &err) > 0);
    assert_int_equal(pthread_create(&th, NULL, second_writer, &w), 0);
    while (!__atomic_load_n(&w.started, __ATOMIC_SEQ_CST))
        usleep(1000);
    /* Hold the write lock a while: the only way to show the wait. */
    usleep(300 * 1000);
    assert_int_equal(store_commit(a, &err), 0);
    pthread_join(th, NULL);
    if (w.rc != 0)
        fail_msg("second writer: %d %s", w.rc, w.msg);
    assert_true(w.waited_ms >= 200);
    assert_int_equal(
        count(a, "SELECT COUNT(*) FROM accounts WHERE kind = 'customer'"), 2);
    store_close(a);
}

static void test_writer_gives_up_after_busy_timeout(void **state)
{
    struct fx *f = *state;
    struct store *a = open_new(f);
    struct writer w = {.path = f->target, .busy_ms = 100};
    struct rm_err err = {0};
    pthread_t th;

    assert_int_equal(store_begin(a, STORE_TX_WRITE, &err), 0);
    assert_true(insert_account(a, "first", &err) > 0);
    assert_int_equal(pthread_create(&th, NULL, second_writer, &w), 0);
    pthread_join(th, NULL);
    assert_int_equal(w.rc, RM_EIO);
    assert_non_null(strstr(w.msg, "busy"));
    assert_true(w.waited_ms >= 80);
    assert_int_equal(store_commit(a, &err), 0);
    store_close(a);
}

static void test_reader_sees_last_commit_while_writer_works(void **state)
{
    struct fx *f = *state;
    struct store *a = open_new(f), *b = open_new(f);
    struct rm_err err = {0};
    double t0;

    assert_int_equal(store_begin(a, STORE_TX_WRITE, &err), 0);
    assert_true(insert_account(a, "uncommitted", &err) > 0);
    /* WAL: the reader neither waits nor sees the open transaction. */
    t0 = now_ms();
    assert_int_equal(count(b, "SELECT COUNT(*) FROM accounts"), 2);
    assert_true(now_ms() - t0 < 1000);
    assert_int_equal(store_commit(a, &err), 0);
    assert_int_equal(count(b, "SELECT COUNT(*) FROM accounts"), 3);
    store_close(a);
    store_close(b);
}

/* A unit of work that loses its optimistic update `lose` times, then
 * inserts one account. */
struct txw {
    int runs, lose, fail;
};

static int tx_work(struct store *st, void *arg, struct rm_err *err)
{
    struct txw *w = arg;
    int rc;

    w->runs++;
    if ((rc = insert_account(st, "tx", err)) < 0)
        return rc;
    if (w->runs <= w->lose)
        return rm_err_set(err, RM_ECONFLICT, "lost run %d", w->runs);
    if (w->fail)
        return rm_err_set(err, RM_EINVAL, "refused");
    return 7;
}

static void test_tx_reruns_a_lost_conflict_whole(void **state)
{
    struct fx *f = *state;
    struct store *a = open_new(f);
    struct txw w = {.lose = 2};
    struct rm_err err = {0};

    /* The value of the unit of work comes back; the two lost runs left
     * nothing behind: exactly one account was added. */
    assert_int_equal(store_tx(a, STORE_TX_WRITE, tx_work, &w, &err), 7);
    assert_int_equal(w.runs, 3);
    assert_int_equal(count(a, "SELECT COUNT(*) FROM accounts WHERE "
                              "kind = 'customer'"),
                     1);
    assert_false(store_in_tx(a));
    store_close(a);
}

static void test_tx_gives_up_after_bounded_runs(void **state)
{
    struct fx *f = *state;
    struct store *a = open_new(f);
    struct txw w = {.lose = 1000};
    struct rm_err err = {0};

    assert_int_equal(store_tx(a, STORE_TX_WRITE, tx_work, &w, &err),
                     RM_ECONFLICT);
    assert_int_equal(w.runs, STORE_TX_TRIES);
    assert_int_equal(count(a, "SELECT COUNT(*) FROM accounts WHERE "
                              "kind = 'customer'"),
                     0);
    store_close(a);
}

static void test_tx_error_rolls_back_and_is_not_rerun(void **state)
{
    struct fx *f = *state;
    struct store *a = open_new(f);
    struct txw w = {.fail = 1};
    struct rm_err err = {0};

    assert_int_equal(store_tx(a, STORE_TX_WRITE, tx_work, &w, &err), RM_EINVAL);
    assert_int_equal(w.runs, 1);
    assert_string_equal(err.msg, "refused");
    assert_int_equal(count(a, "SELECT COUNT(*) FROM accounts WHERE "
                              "kind = 'customer'"),
                     0);
    store_close(a);
}

static void test_tx_joins_an_open_transaction(void **state)
{
    struct fx *f = *state;
    struct store *a = open_new(f);
    struct txw w = {0};
    struct rm_err err = {0};

    assert_int_equal(store_begin(a, STORE_TX_WRITE, &err), 0);
    assert_int_equal(store_tx(a, STORE_TX_WRITE, tx_work, &w, &err), 7);
    /* Still the caller's transaction: rolling it back undoes the work. */
    assert_true(store_in_tx(a));
    store_rollback(a);
    assert_int_equal(count(a, "SELECT COUNT(*) FROM accounts WHERE "
                              "kind = 'customer'"),
                     0);
    store_close(a);
}

struct holder {
    const char *path;
    int hold_ms, started;
};

static void *hold_write_lock(void *arg)
{
    struct holder *h = arg;
    struct store *st;
    struct rm_err err = {0};

    if (store_open(h->path, NULL, &st, &err) != 0) {
        __atomic_store_n(&h->started, -1, __ATOMIC_SEQ_CST);
        return NULL;
    }
    if (store_begin(st, STORE_TX_WRITE, &err) == 0) {
        __atomic_store_n(&h->started, 1, __ATOMIC_SEQ_CST);
        usleep((useconds_t)h->hold_ms * 1000);
        store_commit(st, &err);
    }
    store_close(st);
    return NULL;
}

static void test_tx_reruns_past_a_busy_database(void **state)
{
    struct fx *f = *state;
    struct store *a = open_new(f), *b;
    struct store_open_opts o = {.busy_timeout_ms = 20};
    struct holder h = {.path = f->target, .hold_ms = 150};
    struct txw w = {0};
    struct rm_err err = {0};
    pthread_t th;

    /* b gives up on the lock after 20 ms; the holder keeps it 150 ms, so
     * plain store_begin fails busy, and store_tx waits it out by re-runs. */
    assert_int_equal(store_open(f->target, &o, &b, &err), 0);
    assert_int_equal(pthread_create(&th, NULL, hold_write_lock, &h), 0);
    while (__atomic_load_n(&h.started, __ATOMIC_SEQ_CST) == 0)
        usleep(1000);
    assert_int_equal(h.started, 1);
    assert_int_equal(store_begin(b, STORE_TX_WRITE, &err), RM_EIO);
    assert_int_equal(store_errkind(b), STORE_ERR_BUSY);
    assert_int_equal(store_tx(b, STORE_TX_WRITE, tx_work, &w, &err), 7);
    pthread_join(th, NULL);
    assert_int_equal(w.runs, 1);
    assert_int_equal(count(a, "SELECT COUNT(*) FROM accounts WHERE "
                              "kind = 'customer'"),
                     1);
    store_close(b);
    store_close(a);
}

/* int64 parameters stay 64-bit wherever they appear, NULL binds work
 * where the server cannot infer a type, and a statement bound with other
 * types later still runs. */
static void test_parameters_are_typed(void **state)
{
    struct fx *f = *state;
    struct store *st = open_new(f);
    struct store_stmt *s;
    struct rm_err err = {0};
    static const char big_sql[] = "SELECT CASE WHEN ? > 0 THEN ? ELSE 0 END";
    static const char null_sql[] =
        "SELECT CASE WHEN ? IS NULL THEN 1 ELSE 0 END";
    const int64_t after_2038 = 4102444800LL; /* 2100-01-01 */

    assert_int_equal(store_prepare(st, big_sql, &s, &err), 0);
    store_bind_int64(s, 1, after_2038);
    store_bind_int64(s, 2, after_2038 * 1000);
    if (store_step(s, &err) != STORE_ROW)
        fail_msg("%s", err.msg);
    assert_true(store_col_int64(s, 0) == after_2038 * 1000);
    store_stmt_release(s);

    /* NULL first (no type to go by), then text, NULL, int. */
    const struct {
        int kind; /* 0 NULL, 1 text, 2 int */
        int64_t want;
    } runs[] = {{0, 1}, {1, 0}, {0, 1}, {2, 0}, {0, 1}};
    for (size_t i = 0; i < sizeof runs / sizeof runs[0]; i++) {
        assert_int_equal(store_prepare(st, null_sql, &s, &err), 0);
        if (runs[i].kind == 1)
            store_bind_text(s, 1, "x");
        else if (runs[i].kind == 2)
            store_bind_int64(s, 1, 5);
        else
            store_bind_null(s, 1);
        if (store_step(s, &err) != STORE_ROW)
            fail_msg("run %zu: %s", i, err.msg);
        assert_int_equal(store_col_int64(s, 0), runs[i].want);
        store_stmt_release(s);
    }

    /* NULL into typed columns, first use inside a transaction. */
    assert_int_equal(store_exec(st, "CREATE TABLE tn (x BIGINT, y TEXT)", &err),
                     0);
    assert_int_equal(store_begin(st, STORE_TX_WRITE, &err), 0);
    for (int i = 0; i < 2; i++) {
        assert_int_equal(
            store_prepare(st, "INSERT INTO tn (x, y) VALUES (?, ?)", &s, &err),
            0);
        if (i == 0) {
            store_bind_null(s, 1);
            store_bind_text(s, 2, NULL);
        } else {
            store_bind_int64(s, 1, after_2038);
            store_bind_text(s, 2, "a");
        }
        if (store_step(s, &err) != STORE_DONE)
            fail_msg("insert %d: %s", i, err.msg);
        store_stmt_release(s);
    }
    assert_int_equal(store_prepare(st,
                                   "SELECT COUNT(*) FROM tn WHERE "
                                   "(? IS NULL OR x = ?) AND (? IS NULL OR "
                                   "y = ?)",
                                   &s, &err),
                     0);
    store_bind_null(s, 1);
    store_bind_null(s, 2);
    store_bind_null(s, 3);
    store_bind_null(s, 4);
    if (store_step(s, &err) != STORE_ROW)
        fail_msg("%s", err.msg);
    assert_int_equal(store_col_int64(s, 0), 2);
    store_stmt_release(s);
    assert_int_equal(store_commit(st, &err), 0);
    assert_int_equal(count(st, "SELECT COUNT(*) FROM tn WHERE x IS NULL"), 1);
    assert_int_equal(count(st, "SELECT MAX(x) FROM tn"), after_2038);
    store_close(st);
}

/* COLLATE "C": byte order on both backends (store.h D12). */
static void test_text_sorts_in_byte_order(void **state)
{
    struct fx *f = *state;
    struct store *st = open_new(f);
    struct store_stmt *s;
    struct rm_err err = {0};
    static const char *const names[] = {"b", "a", "B", "_x", "a b", "ab"};
    static const char *const want[] = {"B", "_x", "a", "a b", "ab", "b"};
    size_t i = 0;

    for (size_t k = 0; k < sizeof names / sizeof names[0]; k++)
        assert_true(insert_account(st, names[k], &err) > 0);
    assert_int_equal(store_prepare(st,
                                   "SELECT name FROM accounts WHERE kind = "
                                   "'customer' ORDER BY name COLLATE \"C\"",
                                   &s, &err),
                     0);
    while (store_step(s, &err) == STORE_ROW) {
        assert_true(i < sizeof want / sizeof want[0]);
        assert_string_equal(store_col_text(s, 0), want[i]);
        i++;
    }
    assert_int_equal(i, sizeof want / sizeof want[0]);
    store_stmt_release(s);
    store_close(st);
}

struct opener {
    const char *target;
    int rc;
    char msg[512];
};

static void *open_and_close(void *arg)
{
    struct opener *o = arg;
    struct store_open_opts opts = {.create = 1};
    struct store *st = NULL;
    struct rm_err err = {0};

    o->rc = store_open(o->target, &opts, &st, &err);
    snprintf(o->msg, sizeof o->msg, "%s", err.msg);
    store_close(st);
    return NULL;
}

/* Two handles migrating an empty database at once: both open it, and
 * every migration is applied exactly once (pg: the advisory lock). */
static void test_concurrent_openers_migrate_once(void **state)
{
    struct fx *f = *state;
    struct opener o[3] = {
        {.target = f->target}, {.target = f->target}, {.target = f->target}};
    pthread_t th[3];
    struct store *st;

    for (int i = 0; i < 3; i++)
        assert_int_equal(pthread_create(&th[i], NULL, open_and_close, &o[i]),
                         0);
    for (int i = 0; i < 3; i++) {
        pthread_join(th[i], NULL);
        if (o[i].rc != 0)
            fail_msg("opener %d: %d %s", i, o[i].rc, o[i].msg);
    }
    st = open_new(f);
    assert_int_equal(count(st, "SELECT COUNT(*) FROM schema_migrations"),
                     store_latest_version());
    assert_int_equal(count(st, "SELECT COUNT(*) FROM accounts"), 2);
    store_close(st);
}

/* PostgreSQL: row locks, lock_timeout, serialization failures, aborted
 * transactions. */

static const char SQL_TOUCH_SALES[] =
    "UPDATE accounts SET email = ? WHERE name = 'system:sales'";

static int touch_sales(struct store *st, const char *email, struct rm_err *err)
{
    struct store_stmt *s;
    int rc = store_prepare(st, SQL_TOUCH_SALES, &s, err);

    if (rc < 0)
        return rc;
    store_bind_text(s, 1, email);
    rc = store_step(s, err);
    store_stmt_release(s);
    return rc < 0 ? rc : (int)store_changes(st);
}

struct rowlocker {
    const char *target;
    int lock_ms, hold_ms;
    volatile int started;
    int rc;
    enum store_errkind kind;
    double waited_ms;
    char msg[512];
};

/* lock_row - take the sales row's lock and hold it hold_ms, or (hold_ms 0)
 * wait for it, update it and commit. */
static void *lock_row(void *arg)
{
    struct rowlocker *w = arg;
    struct store_open_opts o = {.busy_timeout_ms = w->lock_ms};
    struct store *st;
    struct rm_err err = {0};
    double t0;

    if ((w->rc = store_open(w->target, &o, &st, &err)) != 0) {
        snprintf(w->msg, sizeof w->msg, "%s", err.msg);
        __atomic_store_n(&w->started, -1, __ATOMIC_SEQ_CST);
        return NULL;
    }
    if ((w->rc = store_begin(st, STORE_TX_WRITE, &err)) == 0) {
        if (w->hold_ms == 0)
            __atomic_store_n(&w->started, 1, __ATOMIC_SEQ_CST);
        t0 = now_ms();
        w->rc = touch_sales(st, w->hold_ms ? "holder" : "waiter", &err);
        w->waited_ms = now_ms() - t0;
        w->kind = store_errkind(st);
        if (w->hold_ms != 0) {
            __atomic_store_n(&w->started, 1, __ATOMIC_SEQ_CST);
            usleep((useconds_t)w->hold_ms * 1000);
        }
        if (w->rc == 1)
            w->rc = store_commit(st, &err);
        else
            store_rollback(st);
    }
    snprintf(w->msg, sizeof w->msg, "%s", err.msg);
    if (w->started == 0)
        __atomic_store_n(&w->started, -1, __ATOMIC_SEQ_CST);
    store_close(st);
    return NULL;
}

static void test_pg_second_writer_waits_on_row_lock(void **state)
{
    struct fx *f = *state;
    struct store *a = open_new(f);
    struct rowlocker w = {.target = f->target, .lock_ms = 5000};
    struct rm_err err = {0};
    pthread_t th;

    assert_int_equal(store_begin(a, STORE_TX_WRITE, &err), 0);
    assert_int_equal(touch_sales(a, "first", &err), 1);
    assert_int_equal(pthread_create(&th, NULL, lock_row, &w), 0);
    while (!__atomic_load_n(&w.started, __ATOMIC_SEQ_CST))
        usleep(1000);
    usleep(300 * 1000);
    assert_int_equal(store_commit(a, &err), 0);
    pthread_join(th, NULL);
    if (w.rc != 0)
        fail_msg("second writer: %d %s", w.rc, w.msg);
    assert_true(w.waited_ms >= 200);
    assert_int_equal(count(a, "SELECT COUNT(*) FROM accounts WHERE email = "
                              "'waiter'"),
                     1);
    store_close(a);
}

static int touch_work(struct store *st, void *arg, struct rm_err *err)
{
    struct txw *w = arg;
    int rc;

    w->runs++;
    rc = touch_sales(st, "tx", err);
    return rc < 0 ? rc : 7;
}

static void test_pg_lock_timeout_is_a_conflict_store_tx_reruns(void **state)
{
    struct fx *f = *state;
    struct store *a = open_new(f), *b;
    struct store_open_opts o = {.busy_timeout_ms = 50};
    struct rowlocker h = {.target = f->target, .lock_ms = 5000, .hold_ms = 400};
    struct txw w = {0};
    struct rm_err err = {0};
    pthread_t th;
    double t0;

    assert_int_equal(store_open(f->target, &o, &b, &err), 0);
    assert_int_equal(pthread_create(&th, NULL, lock_row, &h), 0);
    while (__atomic_load_n(&h.started, __ATOMIC_SEQ_CST) == 0)
        usleep(1000);
    assert_int_equal(h.started, 1);
    /* Plain: the lock wait ends after lock_timeout, retryable. */
    assert_int_equal(store_begin(b, STORE_TX_WRITE, &err), 0);
    t0 = now_ms();
    assert_int_equal(touch_sales(b, "b", &err), RM_ECONFLICT);
    assert_true(now_ms() - t0 >= 40);
    assert_int_equal(store_errkind(b), STORE_ERR_CONFLICT);
    assert_non_null(strstr(err.msg, "lock_timeout"));
    assert_true(store_tx_retryable(b, RM_ECONFLICT));
    store_rollback(b);
    /* store_tx re-runs until the holder is gone. */
    assert_int_equal(store_tx(b, STORE_TX_WRITE, touch_work, &w, &err), 7);
    pthread_join(th, NULL);
    assert_int_equal(h.rc, 0);
    assert_true(w.runs > 1);
    assert_int_equal(
        count(a, "SELECT COUNT(*) FROM accounts WHERE email = 'tx'"), 1);
    store_close(b);
    store_close(a);
}

struct serw {
    struct store *other;
    int runs;
};

/* serial_work - in REPEATABLE READ, read, let another handle change the
 * row (first run only), then update it: 40001 on the first run. */
static int serial_work(struct store *st, void *arg, struct rm_err *err)
{
    struct serw *w = arg;
    struct rm_err oerr = {0};
    int rc;

    w->runs++;
    if ((rc = store_exec(st, "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ",
                         err)) < 0)
        return rc;
    if (count(st, "SELECT COUNT(*) FROM accounts") != 2)
        return rm_err_set(err, RM_EINTERNAL, "snapshot");
    if (w->runs == 1 && touch_sales(w->other, "other", &oerr) != 1)
        return rm_err_set(err, RM_EINTERNAL, "other: %s", oerr.msg);
    rc = touch_sales(st, "serial", err);
    return rc < 0 ? rc : 7;
}

static void test_pg_serialization_failure_is_retryable(void **state)
{
    struct fx *f = *state;
    struct store *a = open_new(f), *b = open_new(f);
    struct serw w = {.other = a};
    struct rm_err err = {0};

    assert_int_equal(store_tx(b, STORE_TX_WRITE, serial_work, &w, &err), 7);
    assert_int_equal(w.runs, 2);
    assert_int_equal(
        count(a, "SELECT COUNT(*) FROM accounts WHERE email = 'serial'"), 1);
    store_close(b);
    store_close(a);
}

struct deadlocker {
    const char *target, *first, *second;
    pthread_barrier_t *both_hold;
    int rc;
    enum store_errkind kind;
    char msg[512];
};

static int touch_account(struct store *st, const char *name, struct rm_err *err)
{
    struct store_stmt *s;
    int rc = store_prepare(st, "UPDATE accounts SET email = 'x' WHERE name = ?",
                           &s, err);

    if (rc < 0)
        return rc;
    store_bind_text(s, 1, name);
    rc = store_step(s, err);
    store_stmt_release(s);
    return rc;
}

/* lock_two - lock first, wait until the other thread holds its first,
 * then lock second: one of the two is a deadlock victim. */
static void *lock_two(void *arg)
{
    struct deadlocker *d = arg;
    struct store *st = NULL;
    struct rm_err err = {0};

    if ((d->rc = store_open(d->target, NULL, &st, &err)) == 0 &&
        (d->rc = store_begin(st, STORE_TX_WRITE, &err)) == 0)
        d->rc = touch_account(st, d->first, &err);
    pthread_barrier_wait(d->both_hold);
    if (d->rc == 0)
        d->rc = touch_account(st, d->second, &err);
    if (st != NULL) {
        d->kind = store_errkind(st);
        if (d->rc == 0)
            d->rc = store_commit(st, &err);
        store_close(st);
    }
    snprintf(d->msg, sizeof d->msg, "%s", err.msg);
    return NULL;
}

static void test_pg_deadlock_is_a_conflict(void **state)
{
    struct fx *f = *state;
    struct store *st = open_new(f);
    pthread_barrier_t b;
    struct deadlocker d[2] = {{.target = f->target,
                               .first = "system:sales",
                               .second = "system:funding",
                               .both_hold = &b},
                              {.target = f->target,
                               .first = "system:funding",
                               .second = "system:sales",
                               .both_hold = &b}};
    pthread_t th[2];

    assert_int_equal(pthread_barrier_init(&b, NULL, 2), 0);
    for (int i = 0; i < 2; i++)
        assert_int_equal(pthread_create(&th[i], NULL, lock_two, &d[i]), 0);
    for (int i = 0; i < 2; i++)
        pthread_join(th[i], NULL);
    pthread_barrier_destroy(&b);
    /* The server picks one victim (after deadlock_timeout); the other
     * goes on and commits. */
    int victim = d[0].rc != 0 ? 0 : 1;
    if (d[victim].rc != RM_ECONFLICT || d[victim].kind != STORE_ERR_CONFLICT ||
        d[1 - victim].rc != 0)
        fail_msg("rc %d/%d kind %d: %s | %s", d[0].rc, d[1].rc,
                 (int)d[victim].kind, d[0].msg, d[1].msg);
    assert_non_null(strstr(d[victim].msg, "40P01"));
    store_close(st);
}

/* end_session - b asks the server to end the session of a. */
static void end_session(struct store *b, struct store *a)
{
    struct store_stmt *s;
    struct rm_err err = {0};
    int64_t pid = count(a, "SELECT pg_backend_pid()");

    /* pg_terminate_backend takes an integer: a bigint is not one (the
     * parameter is declared int8). */
    if (store_prepare(b, "SELECT pg_terminate_backend(CAST(? AS INTEGER))", &s,
                      &err) != 0)
        fail_msg("%s", err.msg);
    store_bind_int64(s, 1, pid);
    if (store_step(s, &err) != STORE_ROW)
        fail_msg("%s", err.msg);
    store_stmt_release(s);
    usleep(100 * 1000);
}

/* A handle whose session the server ended (restart, admin) connects
 * again outside a transaction, and its cached statements are prepared
 * again; inside one, the unit of work fails RM_EIO. */
static void test_pg_lost_connection_is_made_again(void **state)
{
    struct fx *f = *state;
    struct store *a = open_new(f), *b = open_new(f);
    struct rm_err err = {0};
    int64_t pid = count(a, "SELECT pg_backend_pid()");

    assert_int_equal(count(a, "SELECT COUNT(*) FROM accounts"), 2);
    /* A BEGIN that meets the loss connects again first. */
    end_session(b, a);
    assert_int_equal(store_begin(a, STORE_TX_WRITE, &err), 0);
    assert_true(insert_account(a, "first", &err) > 0);
    assert_true(count(a, "SELECT pg_backend_pid()") != pid);
    /* Inside the transaction: the unit of work is lost. */
    end_session(b, a);
    assert_int_equal(insert_account(a, "second", &err), RM_EIO);
    store_rollback(a);
    /* The next statement runs, on a new session. */
    assert_int_equal(count(a, "SELECT COUNT(*) FROM accounts"), 2);
    assert_int_equal(
        store_tx(a, STORE_TX_WRITE, tx_work, &(struct txw){0}, &err), 7);
    store_close(b);
    store_close(a);
}

static void test_pg_failed_statement_ends_the_transaction(void **state)
{
    struct fx *f = *state;
    struct store *st = open_new(f);
    struct store_stmt *s;
    struct rm_err err = {0};

    assert_int_equal(store_begin(st, STORE_TX_WRITE, &err), 0);
    assert_true(insert_account(st, "kept?", &err) > 0);
    assert_int_equal(store_exec(st, violations[1].sql, &err), RM_EINVAL);
    assert_int_equal(store_errkind(st), STORE_ERR_UNIQUE);
    /* A prepared statement, a new one and the COMMIT: all refused. */
    assert_int_equal(insert_account(st, "more", &err), RM_EINTERNAL);
    assert_non_null(strstr(err.msg, "earlier statement"));
    assert_int_equal(store_prepare(st, "SELECT 42", &s, &err), RM_EINTERNAL);
    assert_non_null(strstr(err.msg, "rolled back"));
    assert_int_equal(store_commit(st, &err), RM_EINTERNAL);
    assert_false(store_in_tx(st));
    assert_int_equal(count(st, "SELECT COUNT(*) FROM accounts"), 2);
    /* The handle works again. */
    assert_true(insert_account(st, "after", &err) > 0);
    store_close(st);
}

/* Text must be UTF-8 on PostgreSQL (SQLite stores any bytes): other text
 * is refused like a CHECK, so callers that drop a refused row drop it. */
static void test_pg_text_that_is_not_utf8_is_refused(void **state)
{
    struct fx *f = *state;
    struct store *st = open_new(f);
    struct rm_err err = {0};

    assert_int_equal(insert_account(st, "caf\xe9", &err), RM_EINVAL);
    assert_int_equal(store_errkind(st), STORE_ERR_CHECK);
    assert_non_null(strstr(err.msg, "22021"));
    assert_true(insert_account(st, "caf\xc3\xa9", &err) > 0);
    store_close(st);
}

static void test_pg_read_transaction_is_one_snapshot(void **state)
{
    struct fx *f = *state;
    struct store *a = open_new(f), *b = open_new(f);
    struct rm_err err = {0};

    assert_int_equal(store_begin(b, STORE_TX_READ, &err), 0);
    assert_int_equal(count(b, "SELECT COUNT(*) FROM accounts"), 2);
    assert_true(insert_account(a, "new", &err) > 0);
    assert_int_equal(count(b, "SELECT COUNT(*) FROM accounts"), 2);
    /* Read only. */
    assert_int_equal(insert_account(b, "nope", &err), RM_EINTERNAL);
    store_rollback(b);
    assert_int_equal(count(b, "SELECT COUNT(*) FROM accounts"), 3);
    store_close(b);
    store_close(a);
}

/* Paged reads (pg): a SELECT is read through a cursor a page at a time,
 * so the backend holds at most a page of rows however many match. */
#define BIG_ROWS 100000
#define HELD_MAX (2 * 1024 * 1024) /* bytes: whole, 100,000 rows take ~8 MB */

static void make_big(struct store *st)
{
    struct rm_err err = {0};

    if (store_exec(st, "CREATE TABLE big (n BIGINT NOT NULL, t TEXT NOT NULL)",
                   &err) != 0 ||
        store_exec(st,
                   "INSERT INTO big SELECT g, 'row number ' || g FROM "
                   "generate_series(1, 100000) g",
                   &err) != 0)
        fail_msg("make_big: %s", err.msg);
}

static size_t heap_in_use(void)
{
    return mallinfo2().uordblks;
}

/* scan_big - step every row of big through one statement; *grew: the
 * most the heap grew meanwhile; returns rows per second. */
static double scan_big(struct store *st, size_t *grew)
{
    struct store_stmt *s;
    struct rm_err err = {0};
    size_t base = heap_in_use(), top = 0;
    int64_t rows = 0, sum = 0;
    double t0 = now_ms(), ms;
    int rc;

    if (store_prepare(st, "SELECT n, t FROM big WHERE n > ?", &s, &err) != 0)
        fail_msg("prepare: %s", err.msg);
    store_bind_int64(s, 1, 0);
    while ((rc = store_step(s, &err)) == STORE_ROW) {
        rows++;
        sum += store_col_int64(s, 0);
        assert_non_null(store_col_text(s, 1));
        if (rows % 997 == 0) {
            size_t used = heap_in_use();
            if (used > base && used - base > top)
                top = used - base;
        }
    }
    ms = now_ms() - t0;
    store_stmt_release(s);
    assert_int_equal(rc, STORE_DONE);
    assert_int_equal(rows, BIG_ROWS);
    assert_true(sum == (int64_t)BIG_ROWS * (BIG_ROWS + 1) / 2);
    if (grew != NULL)
        *grew = top;
    return rows / (ms > 0 ? ms / 1000 : 1e-3);
}

/* one_row_us - microseconds per run of a one-row query. */
static double one_row_us(struct store *st)
{
    struct store_stmt *s;
    struct rm_err err = {0};
    double t0 = now_ms();

    for (int i = 0; i < 2000; i++) {
        if (store_prepare(st, "SELECT CAST(? AS BIGINT) + 1", &s, &err) != 0)
            fail_msg("prepare: %s", err.msg);
        store_bind_int64(s, 1, i);
        assert_int_equal(store_step(s, &err), STORE_ROW);
        assert_int_equal(store_col_int64(s, 0), i + 1);
        assert_int_equal(store_step(s, &err), STORE_DONE);
        store_stmt_release(s);
    }
    return (now_ms() - t0) * 1000 / 2000;
}

static void test_pg_big_read_is_paged(void **state)
{
    struct fx *f = *state;
    struct store *st = open_new(f);
    struct rm_err err = {0};
    size_t grew_auto = 0, grew_tx = 0;
    double best_auto = 0, best_tx = 0;

    make_big(st);
    for (int i = 0; i < 3; i++) {
        double r = scan_big(st, &grew_auto);
        if (r > best_auto)
            best_auto = r;
    }
    assert_int_equal(store_begin(st, STORE_TX_READ, &err), 0);
    for (int i = 0; i < 3; i++) {
        double r = scan_big(st, &grew_tx);
        if (r > best_tx)
            best_tx = r;
    }
    assert_int_equal(store_commit(st, &err), 0);
    print_message("full scan of %d rows, best of 3: %.0f rows/s "
                  "(autocommit), %.0f rows/s (read transaction); heap grew "
                  "at most %zu / %zu bytes\n",
                  BIG_ROWS, best_auto, best_tx, grew_auto, grew_tx);
    print_message("one-row query: %.0f us (autocommit)\n", one_row_us(st));
    assert_int_equal(store_begin(st, STORE_TX_READ, &err), 0);
    print_message("one-row query: %.0f us (read transaction)\n",
                  one_row_us(st));
    assert_int_equal(store_commit(st, &err), 0);
    assert_true(grew_auto < HELD_MAX);
    assert_true(grew_tx < HELD_MAX);
    store_close(st);
}

/* nested_count - count big's rows in [lo, hi] with one inner statement
 * while the caller's statement is open. */
static int64_t nested_count(struct store *st, int64_t lo, int64_t hi)
{
    struct store_stmt *s;
    struct rm_err err = {0};
    int64_t rows = 0;
    int rc;

    if (store_prepare(st, "SELECT n FROM big WHERE n >= ? AND n <= ?", &s,
                      &err) != 0)
        fail_msg("prepare: %s", err.msg);
    store_bind_int64(s, 1, lo);
    store_bind_int64(s, 2, hi);
    while ((rc = store_step(s, &err)) == STORE_ROW) {
        assert_true(store_col_int64(s, 0) >= lo);
        rows++;
    }
    assert_int_equal(rc, STORE_DONE);
    store_stmt_release(s);
    return rows;
}

static void nested_walk(struct store *st)
{
    struct store_stmt *s;
    struct rm_err err = {0};
    int64_t rows = 0;
    int rc;

    if (store_prepare(st, "SELECT n FROM big WHERE n >= ? AND n <= ?", &s,
                      &err) != 0)
        fail_msg("prepare: %s", err.msg);
    store_bind_int64(s, 1, 1);
    store_bind_int64(s, 2, 3000);
    while ((rc = store_step(s, &err)) == STORE_ROW) {
        int64_t n = store_col_int64(s, 0);
        rows++;
        /* The same SQL nested: a second statement, its own cursor. */
        if (n % 700 == 0)
            assert_int_equal(nested_count(st, n, n + 1499), 1500);
    }
    assert_int_equal(rc, STORE_DONE);
    assert_int_equal(rows, 3000);
    store_stmt_release(s);
}

static void test_pg_paged_reads_nest(void **state)
{
    struct fx *f = *state;
    struct store *st = open_new(f);
    struct rm_err err = {0};

    make_big(st);
    nested_walk(st);
    assert_int_equal(store_begin(st, STORE_TX_READ, &err), 0);
    nested_walk(st);
    assert_int_equal(store_commit(st, &err), 0);
    assert_int_equal(store_begin(st, STORE_TX_WRITE, &err), 0);
    nested_walk(st);
    assert_int_equal(store_commit(st, &err), 0);
    store_close(st);
}

/* read_some - step s n times, each a row. */
static void read_some(struct store_stmt *s, int n)
{
    struct rm_err err = {0};

    for (int i = 0; i < n; i++)
        assert_int_equal(store_step(s, &err), STORE_ROW);
}

static int64_t read_rest(struct store_stmt *s)
{
    struct rm_err err = {0};
    int64_t rows = 0;
    int rc;

    while ((rc = store_step(s, &err)) == STORE_ROW)
        rows++;
    assert_int_equal(rc, STORE_DONE);
    return rows;
}

static const char SQL_BIG_ALL[] = "SELECT n FROM big";
static const char SQL_BIG_ADD[] = "INSERT INTO big (n, t) VALUES (?, 'added')";

static void add_big(struct store *st, int64_t n)
{
    struct store_stmt *s;
    struct rm_err err = {0};

    assert_int_equal(store_prepare(st, SQL_BIG_ADD, &s, &err), 0);
    store_bind_int64(s, 1, n);
    assert_int_equal(store_step(s, &err), STORE_DONE);
    store_stmt_release(s);
}

static void test_pg_write_between_steps_of_a_read(void **state)
{
    struct fx *f = *state;
    struct store *st = open_new(f), *other = open_new(f);
    struct store_stmt *s;
    struct rm_err err = {0};

    make_big(st);
    /* Autocommit: the read sees the rows of its first step; a write and
     * a whole write transaction on the handle meanwhile commit (another
     * handle sees them at once). */
    assert_int_equal(store_prepare(st, SQL_BIG_ALL, &s, &err), 0);
    read_some(s, 1500);
    add_big(st, -1);
    assert_int_equal(count(other, "SELECT COUNT(*) FROM big"), BIG_ROWS + 1);
    assert_int_equal(store_begin(st, STORE_TX_WRITE, &err), 0);
    read_some(s, 1500);
    add_big(st, -2);
    assert_int_equal(store_commit(st, &err), 0);
    assert_int_equal(count(other, "SELECT COUNT(*) FROM big"), BIG_ROWS + 2);
    assert_int_equal(store_begin(st, STORE_TX_WRITE, &err), 0);
    add_big(st, -3);
    store_rollback(st);
    assert_int_equal(read_rest(s), BIG_ROWS - 3000);
    store_stmt_release(s);
    /* Inside a write transaction: the same. */
    assert_int_equal(store_begin(st, STORE_TX_WRITE, &err), 0);
    assert_int_equal(store_prepare(st, SQL_BIG_ALL, &s, &err), 0);
    read_some(s, 1500);
    add_big(st, -4);
    assert_int_equal(
        store_exec(st, "UPDATE big SET t = 'x' WHERE n < 10", &err), 0);
    assert_int_equal(read_rest(s), BIG_ROWS + 2 - 1500);
    store_stmt_release(s);
    assert_int_equal(store_commit(st, &err), 0);
    assert_int_equal(count(other, "SELECT COUNT(*) FROM big"), BIG_ROWS + 3);
    store_close(other);
    store_close(st);
}

static void reset_and_restep(struct store *st)
{
    struct store_stmt *s, *again;
    struct rm_err err = {0};

    assert_int_equal(store_prepare(st, SQL_BIG_ALL, &s, &err), 0);
    read_some(s, 1200);
    store_stmt_release(s);
    assert_int_equal(store_prepare(st, SQL_BIG_ALL, &again, &err), 0);
    assert_ptr_equal(again, s); /* the cached statement, run again */
    assert_int_equal(read_rest(again), BIG_ROWS);
    /* Stepped past the end, then again from the start. */
    assert_int_equal(store_step(again, &err), STORE_DONE);
    store_stmt_release(again);
    assert_int_equal(store_prepare(st, SQL_BIG_ALL, &s, &err), 0);
    read_some(s, 3);
    store_stmt_release(s);
}

static void test_pg_paged_read_resets_and_runs_again(void **state)
{
    struct fx *f = *state;
    struct store *st = open_new(f);
    struct store_stmt *s;
    struct rm_err err = {0};

    make_big(st);
    reset_and_restep(st);
    assert_int_equal(store_begin(st, STORE_TX_READ, &err), 0);
    reset_and_restep(st);
    /* A read left open when its transaction ends is released after. */
    assert_int_equal(store_prepare(st, SQL_BIG_ALL, &s, &err), 0);
    read_some(s, 10);
    assert_int_equal(store_commit(st, &err), 0);
    store_stmt_release(s);
    /* Stepped past its page after the COMMIT, it fails clearly. */
    assert_int_equal(store_begin(st, STORE_TX_READ, &err), 0);
    assert_int_equal(store_prepare(st, SQL_BIG_ALL, &s, &err), 0);
    read_some(s, 10);
    assert_int_equal(store_commit(st, &err), 0);
    read_some(s, 502);
    assert_int_equal(store_step(s, &err), RM_EINTERNAL);
    assert_non_null(strstr(err.msg, "has ended"));
    store_stmt_release(s);
    reset_and_restep(st);
    store_close(st);
}

static const char SQL_BIG_DIVIDE[] =
    "SELECT CAST(1000000 / (n - 1000) AS BIGINT) FROM big";

/* divide - 100 / d through one cached statement: rc of its first step. */
static int divide(struct store *st, int64_t d)
{
    struct store_stmt *s;
    struct rm_err err = {0};
    int rc;

    assert_int_equal(
        store_prepare(st, "SELECT CAST(100 / ? AS BIGINT)", &s, &err), 0);
    store_bind_int64(s, 1, d);
    rc = store_step(s, &err);
    if (rc == STORE_ROW)
        assert_int_equal(store_col_int64(s, 0), 100 / d);
    store_stmt_release(s);
    return rc;
}

static void test_pg_error_in_a_later_page(void **state)
{
    struct fx *f = *state;
    struct store *st = open_new(f);
    struct store_stmt *s;
    struct rm_err err = {0};
    int rows = 0, rc;

    make_big(st);
    /* In a transaction the rows come a page at a time: the division by
     * zero at row 1000 fails the step that fetches its page, mapped as
     * any statement's error, and ends the transaction. */
    assert_int_equal(store_begin(st, STORE_TX_WRITE, &err), 0);
    add_big(st, -5);
    assert_int_equal(store_prepare(st, SQL_BIG_DIVIDE, &s, &err), 0);
    while ((rc = store_step(s, &err)) == STORE_ROW)
        rows++;
    assert_int_equal(rc, RM_EINVAL);
    assert_int_equal(store_errkind(st), STORE_ERR_CHECK);
    assert_non_null(strstr(err.msg, "22012"));
    assert_true(rows > 0 && rows < 1000);
    store_stmt_release(s);
    assert_int_equal(store_prepare(st, "SELECT 1", &s, &err), RM_EINTERNAL);
    assert_int_equal(store_commit(st, &err), RM_EINTERNAL);
    assert_int_equal(count(st, "SELECT COUNT(*) FROM big WHERE n = -5"), 0);
    /* In autocommit it fails at once; the handle works on. */
    assert_int_equal(store_prepare(st, SQL_BIG_DIVIDE, &s, &err), 0);
    assert_int_equal(store_step(s, &err), RM_EINVAL);
    assert_int_equal(store_errkind(st), STORE_ERR_CHECK);
    store_stmt_release(s);
    assert_int_equal(count(st, "SELECT COUNT(*) FROM big"), BIG_ROWS);
    /* A statement that ran, failed, and runs again (its finished cursor
     * is closed with its next DECLARE): in autocommit and in a
     * transaction. */
    for (int tx = 0; tx < 2; tx++) {
        if (tx)
            assert_int_equal(store_begin(st, STORE_TX_READ, &err), 0);
        assert_int_equal(divide(st, 4), STORE_ROW);
        assert_int_equal(divide(st, 5), STORE_ROW);
        assert_int_equal(divide(st, 0), RM_EINVAL);
        store_rollback(st);
        assert_int_equal(divide(st, 2), STORE_ROW);
        assert_int_equal(divide(st, 0), RM_EINVAL);
        assert_int_equal(divide(st, 3), STORE_ROW);
    }
    store_close(st);
}

int main(void)
{
#define COMMON(T)                                                              \
    T(test_migrations_apply_on_empty_file),                                    \
        T(test_reopen_applies_nothing_twice),                                  \
        T(test_newer_schema_is_refused_and_untouched),                         \
        T(test_failed_migration_leaves_nothing),                               \
        T(test_bad_targets_are_refused_clearly),                               \
        T(test_constraints_are_enforced_and_classified),                       \
        T(test_failed_transaction_leaves_nothing),                             \
        T(test_transactions_do_not_nest),                                      \
        T(test_values_are_bound_never_spliced),                                \
        T(test_returning_gives_increasing_ids),                                \
        T(test_statement_cache_reuses_and_nests), T(test_misuse_is_reported),  \
        T(test_reader_sees_last_commit_while_writer_works),                    \
        T(test_tx_reruns_a_lost_conflict_whole),                               \
        T(test_tx_gives_up_after_bounded_runs),                                \
        T(test_tx_error_rolls_back_and_is_not_rerun),                          \
        T(test_tx_joins_an_open_transaction), T(test_parameters_are_typed),    \
        T(test_text_sorts_in_byte_order),                                      \
        T(test_concurrent_openers_migrate_once),                               \
        T(test_migration_pair_runs_the_backends_half),                         \
        T(test_rebuild_keeps_foreign_keys),                                    \
        T(test_rebuild_that_breaks_a_foreign_key_is_refused)
#define SQ(fn)                                                                 \
    cmocka_unit_test_setup_teardown(fn, setup_sqlite, teardown_sqlite)
#define PG(fn) cmocka_unit_test_setup_teardown(fn, setup_pg, teardown_pg)
    const struct CMUnitTest sqlite_tests[] = {
        COMMON(SQ),
        SQ(test_missing_file_without_create_is_not_found),
        SQ(test_new_file_is_private),
        SQ(test_second_writer_waits_then_succeeds),
        SQ(test_writer_gives_up_after_busy_timeout),
        SQ(test_tx_reruns_past_a_busy_database),
        SQ(test_generator_checks_per_backend_pairs),
    };
    const struct CMUnitTest pg_tests[] = {
        COMMON(PG),
        PG(test_pg_second_writer_waits_on_row_lock),
        PG(test_pg_lock_timeout_is_a_conflict_store_tx_reruns),
        PG(test_pg_serialization_failure_is_retryable),
        PG(test_pg_deadlock_is_a_conflict),
        PG(test_pg_lost_connection_is_made_again),
        PG(test_pg_failed_statement_ends_the_transaction),
        PG(test_pg_read_transaction_is_one_snapshot),
        PG(test_pg_text_that_is_not_utf8_is_refused),
        PG(test_pg_big_read_is_paged),
        PG(test_pg_paged_reads_nest),
        PG(test_pg_write_between_steps_of_a_read),
        PG(test_pg_paged_read_resets_and_runs_again),
        PG(test_pg_error_in_a_later_page),
    };
#undef SQ
#undef PG
#undef COMMON
    const char *db = getenv("REGMAN_TEST_DB");
    int failed;

    pg_url = getenv("REGMAN_TEST_PG_URL");
    if (pg_url != NULL && pg_url[0] == '\0')
        pg_url = NULL;
    if (db != NULL && db[0] != '\0' && strcmp(db, "sqlite") != 0 &&
        strcmp(db, "postgresql") != 0) {
        fprintf(stderr, "REGMAN_TEST_DB=%s: unknown backend\n", db);
        return 1;
    }
    if (db != NULL && strcmp(db, "postgresql") == 0 && pg_url == NULL) {
        fprintf(stderr, "REGMAN_TEST_DB=postgresql needs REGMAN_TEST_PG_URL "
                        "(a database URL)\n");
        return 1;
    }
    failed = cmocka_run_group_tests_name("sqlite", sqlite_tests, NULL, NULL);
    if (pg_url != NULL)
        failed +=
            cmocka_run_group_tests_name("postgresql", pg_tests, NULL, NULL);
    return failed;
}
