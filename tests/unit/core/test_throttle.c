/*
 * test_throttle - the database counters of core/throttle.h on a real
 * SQLite store in a temporary directory: windows, blocking, clearing,
 * pruning, hashed keys, and two handles (two processes' worth) counting
 * together.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <ftw.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/throttle.h"
#include "unitdb.h"

static char dir[64];
static struct unitdb udb;
static const char *db = udb.target;
static struct store *st;
static const unsigned char secret[THROTTLE_SECRET_BYTES] = "0123456789abcdef"
                                                           "0123456789abcde";

static int64_t count_rows(const char *where_scope)
{
    struct store_stmt *s;
    struct rm_err err;
    assert_int_equal(store_prepare(st,
                                   where_scope
                                       ? "SELECT COUNT(*) FROM throttles "
                                         "WHERE scope = ?"
                                       : "SELECT COUNT(*) FROM throttles",
                                   &s, &err),
                     0);
    if (where_scope)
        store_bind_text(s, 1, where_scope);
    assert_int_equal(store_step(s, &err), STORE_ROW);
    int64_t n = store_col_int64(s, 0);
    store_stmt_release(s);
    return n;
}

static int64_t wait_of(const struct throttle *t, const char *who, int64_t now)
{
    struct rm_err err;
    int64_t w = -1;
    assert_int_equal(throttle_check(st, t, who, now, &w, &err), 0);
    return w;
}

static void hit(struct throttle *t, const char *who, int64_t now)
{
    struct rm_err err;
    assert_int_equal(throttle_fail(st, t, who, now, NULL, &err), 0);
}

static void blocks_after_max_until_the_window_ends(void **state)
{
    struct throttle t;
    throttle_init(&t, "t_block", 3, 100, secret);
    int64_t now = 1000000;
    for (int i = 0; i < 3; i++) {
        assert_int_equal(wait_of(&t, "alice", now + i), 0);
        hit(&t, "alice", now + i);
    }
    /* the window opened at the first failure */
    assert_int_equal(wait_of(&t, "alice", now + 3), 97);
    assert_int_equal(wait_of(&t, "alice", now + 99), 1);
    assert_int_equal(wait_of(&t, "bob", now + 3), 0);
    assert_int_equal(wait_of(&t, "alice", now + 100), 0);
}

static void a_late_failure_opens_a_new_window(void **state)
{
    struct throttle t;
    struct rm_err err;
    int64_t hits = 0;
    throttle_init(&t, "t_window", 2, 10, secret);
    assert_int_equal(throttle_fail(st, &t, "k", 0, &hits, &err), 0);
    assert_int_equal(hits, 1);
    /* the first failure's window is over: count from one again */
    assert_int_equal(throttle_fail(st, &t, "k", 20, &hits, &err), 0);
    assert_int_equal(hits, 1);
    assert_int_equal(wait_of(&t, "k", 21), 0);
    assert_int_equal(throttle_fail(st, &t, "k", 21, &hits, &err), 0);
    assert_int_equal(hits, 2);
    assert_int_equal(wait_of(&t, "k", 22), 8);
    /* exactly at the window's end the key is free, and a failure then
     * opens a new window */
    assert_int_equal(wait_of(&t, "k", 30), 0);
    assert_int_equal(throttle_fail(st, &t, "k", 30, &hits, &err), 0);
    assert_int_equal(hits, 1);
    assert_int_equal(wait_of(&t, "k", 30), 0);
}

static void max_one_blocks_at_the_first_hit(void **state)
{
    struct throttle t;
    throttle_init(&t, "t_one", 1, 60, secret);
    hit(&t, "k", 500);
    assert_int_equal(wait_of(&t, "k", 500), 60);
    hit(&t, "k", 600);
    assert_int_equal(wait_of(&t, "k", 610), 50);
}

static void clear_forgets_one_subject(void **state)
{
    struct throttle t;
    struct rm_err err;
    throttle_init(&t, "t_clear", 2, 100, secret);
    hit(&t, "k", 10);
    hit(&t, "k", 10);
    hit(&t, "other", 10);
    hit(&t, "other", 10);
    assert_true(wait_of(&t, "k", 11) > 0);
    assert_int_equal(throttle_clear(st, &t, "k", &err), 0);
    assert_int_equal(wait_of(&t, "k", 11), 0);
    assert_true(wait_of(&t, "other", 11) > 0);
    /* clearing what is not there is fine */
    assert_int_equal(throttle_clear(st, &t, "nobody", &err), 0);
}

static void scopes_count_apart(void **state)
{
    struct throttle a, b;
    throttle_init(&a, "t_scope_a", 1, 100, secret);
    throttle_init(&b, "t_scope_b", 1, 100, secret);
    hit(&a, "same", 10);
    assert_true(wait_of(&a, "same", 11) > 0);
    assert_int_equal(wait_of(&b, "same", 11), 0);
}

static void keys_are_keyed_hashes(void **state)
{
    struct throttle t, u, r;
    char k1[THROTTLE_KEY_HEX + 1], k2[THROTTLE_KEY_HEX + 1];
    char k3[THROTTLE_KEY_HEX + 1];
    throttle_init(&t, "login_addr", 5, 100, secret);
    throttle_init(&u, "login_addr", 5, 100, secret);
    throttle_init(&r, "login_addr", 5, 100, NULL);
    throttle_key(&t, "192.0.2.7", k1);
    throttle_key(&u, "192.0.2.7", k2);
    throttle_key(&r, "192.0.2.7", k3);
    assert_int_equal(strlen(k1), THROTTLE_KEY_HEX);
    assert_null(strstr(k1, "192"));
    /* the same secret gives the same key (another node, a restart) */
    assert_string_equal(k1, k2);
    assert_string_not_equal(k1, k3);
    throttle_key(&t, "192.0.2.8", k2);
    assert_string_not_equal(k1, k2);

    /* what is stored is the hash, never the address */
    hit(&t, "192.0.2.7", 10);
    struct store_stmt *s;
    struct rm_err err;
    assert_int_equal(store_prepare(st,
                                   "SELECT subject FROM throttles WHERE "
                                   "scope = 'login_addr'",
                                   &s, &err),
                     0);
    assert_int_equal(store_step(s, &err), STORE_ROW);
    assert_string_equal(store_col_text(s, 0), k1);
    store_stmt_release(s);
}

static void prune_deletes_ended_windows(void **state)
{
    struct throttle shortw, longw;
    struct rm_err err;
    int64_t n = -1;
    throttle_init(&shortw, "t_prune_s", 5, 10, secret);
    throttle_init(&longw, "t_prune_l", 5, 1000, secret);
    assert_int_equal(throttle_prune(st, 1LL << 40, NULL, &err), 0);
    assert_int_equal(count_rows(NULL), 0);
    hit(&shortw, "a", 100);
    hit(&shortw, "b", 105);
    hit(&longw, "a", 100);
    assert_int_equal(throttle_prune(st, 109, &n, &err), 0);
    assert_int_equal(n, 0);
    assert_int_equal(throttle_prune(st, 110, &n, &err), 0);
    assert_int_equal(n, 1);
    assert_int_equal(count_rows("t_prune_s"), 1);
    assert_int_equal(throttle_prune(st, 200, &n, &err), 0);
    assert_int_equal(n, 1);
    assert_int_equal(count_rows("t_prune_s"), 0);
    assert_int_equal(count_rows("t_prune_l"), 1);
}

static void failures_prune_lazily(void **state)
{
    struct throttle t;
    struct rm_err err;
    throttle_init(&t, "t_lazy", 5, 10, secret);
    assert_int_equal(throttle_prune(st, 1LL << 40, NULL, &err), 0);
    for (int i = 0; i < 5; i++) {
        char who[16];
        snprintf(who, sizeof who, "spray%d", i);
        hit(&t, who, 1000); /* the first one prunes, the rest do not */
    }
    assert_int_equal(count_rows("t_lazy"), 5);
    /* within THROTTLE_PRUNE_EVERY_S: no pruning yet */
    hit(&t, "late", 1000 + THROTTLE_PRUNE_EVERY_S - 1);
    assert_int_equal(count_rows("t_lazy"), 6);
    /* then the next failure deletes what ended */
    hit(&t, "later", 1000 + THROTTLE_PRUNE_EVERY_S);
    assert_int_equal(count_rows("t_lazy"), 2);
    assert_int_equal(throttle_prune(st, 1LL << 40, NULL, &err), 0);
}

static void two_handles_count_together(void **state)
{
    struct store *st2;
    struct rm_err err;
    struct store_open_opts o = {0};
    struct throttle t1, t2;
    int64_t hits = 0, w = 0;
    assert_int_equal(store_open(db, &o, &st2, &err), 0);
    /* two processes with the same secret */
    throttle_init(&t1, "t_shared", 4, 100, secret);
    throttle_init(&t2, "t_shared", 4, 100, secret);
    for (int i = 0; i < 2; i++) {
        assert_int_equal(throttle_fail(st, &t1, "mallory", 50, &hits, &err), 0);
        assert_int_equal(throttle_fail(st2, &t2, "mallory", 50, &hits, &err),
                         0);
    }
    assert_int_equal(hits, 4);
    assert_int_equal(throttle_check(st, &t1, "mallory", 51, &w, &err), 0);
    assert_int_equal(w, 99);
    assert_int_equal(throttle_check(st2, &t2, "mallory", 51, &w, &err), 0);
    assert_int_equal(w, 99);
    store_close(st2);
}

static void fail_joins_an_open_transaction(void **state)
{
    struct throttle t;
    struct rm_err err;
    throttle_init(&t, "t_tx", 1, 100, secret);
    assert_int_equal(store_begin(st, STORE_TX_WRITE, &err), 0);
    hit(&t, "k", 10);
    store_rollback(st);
    assert_int_equal(wait_of(&t, "k", 11), 0);
    assert_int_equal(count_rows("t_tx"), 0);
}

static int rm_entry(const char *p, const struct stat *sb, int flag,
                    struct FTW *f)
{
    return remove(p);
}

static int setup(void **state)
{
    snprintf(dir, sizeof(dir), "/tmp/regman-throttle-XXXXXX");
    if (!mkdtemp(dir))
        return -1;
    struct store_open_opts o = {.create = 1};
    struct rm_err err;
    /* REGMAN_TEST_DB picks the backend (tests/unit/testdb/unitdb.h) */
    if (unitdb_make(&udb, dir, &err) < 0 || store_open(db, &o, &st, &err) < 0) {
        fprintf(stderr, "%s\n", err.msg);
        return -1;
    }
    return 0;
}

static int teardown(void **state)
{
    store_close(st);
    unitdb_drop(&udb);
    nftw(dir, rm_entry, 4, FTW_DEPTH | FTW_PHYS);
    return 0;
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(blocks_after_max_until_the_window_ends),
        cmocka_unit_test(a_late_failure_opens_a_new_window),
        cmocka_unit_test(max_one_blocks_at_the_first_hit),
        cmocka_unit_test(clear_forgets_one_subject),
        cmocka_unit_test(scopes_count_apart),
        cmocka_unit_test(keys_are_keyed_hashes),
        cmocka_unit_test(prune_deletes_ended_windows),
        cmocka_unit_test(failures_prune_lazily),
        cmocka_unit_test(two_handles_count_together),
        cmocka_unit_test(fail_joins_an_open_transaction),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
