/*
 * test_sqlite_sql - the SQLite backend's removal of a claim's
 * `FOR UPDATE SKIP LOCKED` (store.h D13), and a claim run through it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "store/sqlite_sql.h"
#include "store/store.h"

static void becomes(const char *sql, const char *want)
{
    char *out = store_sqlite_rewrite(sql);

    if (want == NULL) {
        if (out != NULL)
            fail_msg("rewrite %s: got %s, want no change", sql, out);
        return;
    }
    if (out == NULL)
        fail_msg("rewrite %s: no change, want %s", sql, want);
    if (strcmp(out, want) != 0)
        fail_msg("rewrite %s:\n got  %s\n want %s", sql, out, want);
    free(out);
}

static void test_phrase_is_removed(void **state)
{
    (void)state;
    becomes("SELECT id FROM jobs WHERE run_at <= ? ORDER BY run_at, id "
            "LIMIT ? FOR UPDATE SKIP LOCKED",
            "SELECT id FROM jobs WHERE run_at <= ? ORDER BY run_at, id "
            "LIMIT ?");
    becomes("UPDATE t SET o = ? WHERE id IN (SELECT id FROM t LIMIT ? "
            "FOR UPDATE SKIP LOCKED) RETURNING id",
            "UPDATE t SET o = ? WHERE id IN (SELECT id FROM t LIMIT ?) "
            "RETURNING id");
    becomes("SELECT 1 for  update\n\tskip Locked", "SELECT 1");
    becomes("SELECT 1 FOR UPDATE SKIP LOCKED;", "SELECT 1;");
}

static void test_other_text_is_kept(void **state)
{
    (void)state;
    becomes("SELECT 1", NULL);
    becomes("", NULL);
    becomes("SELECT 'FOR UPDATE SKIP LOCKED' FROM t", NULL);
    becomes("SELECT \"FOR UPDATE SKIP LOCKED\" FROM t", NULL);
    becomes("SELECT 1 -- FOR UPDATE SKIP LOCKED\n", NULL);
    becomes("SELECT 1 /* FOR UPDATE SKIP LOCKED */", NULL);
    becomes("SELECT 1 FOR UPDATE", NULL);
    becomes("SELECT 1 FOR UPDATE SKIP LOCKEDX", NULL);
    becomes("SELECT xFOR UPDATE SKIP LOCKED", NULL);
    becomes("SELECT 'it''s' FOR UPDATE SKIP LOCKED", "SELECT 'it''s'");
}

/* A claim written for both backends runs on SQLite. */
static void test_claim_runs_on_sqlite(void **state)
{
    char dir[] = "/tmp/test_sqlite_sql.XXXXXX", path[256];
    struct store_open_opts o = {0};
    struct store *st = NULL;
    struct store_stmt *s;
    struct rm_err err = {0};
    int n = 0, rc;

    (void)state;
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/t.db", dir);
    o.create = 1;
    if (store_open(path, &o, &st, &err) != 0)
        fail_msg("open: %s", err.msg);
    assert_int_equal(
        store_exec(st, "CREATE TABLE t (id INTEGER PRIMARY KEY, o TEXT)", &err),
        0);
    assert_int_equal(
        store_exec(st, "INSERT INTO t (o) VALUES (NULL), (NULL), (NULL)", &err),
        0);
    assert_int_equal(store_begin(st, STORE_TX_WRITE, &err), 0);
    if (store_prepare(st,
                      "UPDATE t SET o = ? WHERE id IN (SELECT id FROM t "
                      "WHERE o IS NULL ORDER BY id LIMIT ? FOR UPDATE SKIP "
                      "LOCKED) RETURNING id",
                      &s, &err) != 0)
        fail_msg("prepare: %s", err.msg);
    store_bind_text(s, 1, "me");
    store_bind_int64(s, 2, 2);
    while ((rc = store_step(s, &err)) == STORE_ROW)
        n++;
    assert_true(rc >= 0);
    store_stmt_release(s);
    assert_int_equal(store_commit(st, &err), 0);
    assert_int_equal(n, 2);
    store_close(st);
    unlink(path);
    rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_phrase_is_removed),
        cmocka_unit_test(test_other_text_is_kept),
        cmocka_unit_test(test_claim_runs_on_sqlite),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
