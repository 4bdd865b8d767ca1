/*
 * test_auth - password hashing, login and token rules on a real SQLite
 * store in a temporary directory.
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

#include "unitdb.h"
#include "web/auth.h"

static char dir[64];
static struct store *st;
static struct unitdb db; /* REGMAN_TEST_DB's backend */
static int64_t customer;

static int64_t scalar(const char *sql, const char *text)
{
    struct store_stmt *s;
    struct rm_err err;
    assert_int_equal(store_prepare(st, sql, &s, &err), 0);
    if (text)
        store_bind_text(s, 1, text);
    assert_int_equal(store_step(s, &err), STORE_ROW);
    int64_t v = store_col_int64(s, 0);
    store_stmt_release(s);
    return v;
}

static void hashes_are_argon2id_and_verify(void **state)
{
    char h[256];
    struct rm_err err;
    assert_int_equal(
        auth_password_hash("correct horse", AUTH_COST_MIN, h, sizeof(h), &err),
        0);
    assert_int_equal(strncmp(h, "$argon2id$", 10), 0);
    assert_true(auth_password_verify(h, "correct horse"));
    assert_false(auth_password_verify(h, "correct horsE"));
    assert_false(auth_password_verify(h, ""));
    /* another algorithm's string is not a valid login */
    char i[256];
    assert_int_equal(
        crypto_pwhash_argon2i_str(i, "correct horse", 13,
                                  crypto_pwhash_argon2i_OPSLIMIT_MIN,
                                  crypto_pwhash_argon2i_MEMLIMIT_MIN),
        0);
    assert_false(auth_password_verify(i, "correct horse"));
    assert_false(auth_password_verify("plain", "plain"));
}

static void usernames_are_a_small_alphabet(void **state)
{
    static const char *const good[] = {"admin", "a.b-c_d@e", "X9"};
    static const char *const bad[] = {"",
                                      "a b",
                                      "a/b",
                                      "ü",
                                      "a'b",
                                      ("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
                                       "aaaaaaaaaaaaaaaaaaaaaaaaaaaaa")};
    for (size_t k = 0; k < 3; k++)
        assert_true(auth_username_ok(good[k]));
    for (size_t k = 0; k < 6; k++)
        assert_false(auth_username_ok(bad[k]));
}

struct login_case {
    const char *name;
    const char *user, *pw;
    enum web_role role;
    bool with_account;
    int rc;
};

static void login_rules_hold(void **state)
{
    static const struct login_case cases[] = {
        {"admin ok", "root", "long-enough-pw", WEB_ROLE_ADMIN, false, 0},
        {"customer ok", "cust", "long-enough-pw", WEB_ROLE_CUSTOMER, true, 0},
        {"taken", "root", "long-enough-pw", WEB_ROLE_ADMIN, false, RM_EINVAL},
        {"short password", "x1", "short", WEB_ROLE_ADMIN, false, RM_EINVAL},
        {"bad name", "a b", "long-enough-pw", WEB_ROLE_ADMIN, false, RM_EINVAL},
        {"admin with account", "x2", "long-enough-pw", WEB_ROLE_ADMIN, true,
         RM_EINVAL},
        {"customer without account", "x3", "long-enough-pw", WEB_ROLE_CUSTOMER,
         false, RM_EINVAL},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const struct login_case *c = &cases[i];
        struct rm_err err;
        int64_t id = 0;
        int rc = auth_login_create(st, c->user, c->pw, c->role,
                                   c->with_account ? customer : 0,
                                   AUTH_COST_MIN, &id, &err);
        if (rc != c->rc)
            fail_msg("%s: rc %d (%s)", c->name, rc, err.msg);
        if (rc == 0)
            assert_true(id > 0);
    }
    /* a system account cannot own a login */
    struct rm_err err;
    int64_t sales =
        scalar("SELECT id FROM accounts WHERE kind = 'sales'", NULL);
    assert_int_equal(auth_login_create(st, "x4", "long-enough-pw",
                                       WEB_ROLE_CUSTOMER, sales, AUTH_COST_MIN,
                                       NULL, &err),
                     RM_EINVAL);
    assert_int_equal(scalar("SELECT COUNT(*) FROM logins WHERE username "
                            "LIKE 'x%'",
                            NULL),
                     0);
}

static void tokens_are_stored_only_as_hashes(void **state)
{
    struct rm_err err;
    int64_t login = 0;
    assert_int_equal(auth_login_create(st, "tok", "long-enough-pw",
                                       WEB_ROLE_ADMIN, 0, AUTH_COST_MIN, &login,
                                       &err),
                     0);
    char *t = NULL;
    int64_t id = 0;
    assert_int_equal(auth_token_create(st, login, "ci", 0, &t, &id, &err), 0);
    assert_int_equal(strncmp(t, AUTH_TOKEN_PREFIX, 4), 0);
    assert_int_equal(strlen(t), 4 + 43);
    assert_int_equal(
        scalar("SELECT COUNT(*) FROM api_tokens WHERE token_hash = ?", t), 0);
    assert_int_equal(scalar("SELECT COUNT(*) FROM api_tokens WHERE "
                            "length(token_hash) = 64",
                            NULL),
                     1);
    free(t);
    assert_int_equal(auth_token_create(st, login, "", 0, &t, &id, &err),
                     RM_EINVAL);
    assert_int_equal(auth_token_create(st, 999999, "x", 0, &t, &id, &err),
                     RM_ENOTFOUND);
}

static void new_password_ends_sessions(void **state)
{
    struct rm_err err;
    int64_t login = 0;
    assert_int_equal(auth_login_create(st, "pw", "long-enough-pw",
                                       WEB_ROLE_ADMIN, 0, AUTH_COST_MIN, &login,
                                       &err),
                     0);
    char sql[256];
    snprintf(sql, sizeof(sql),
             "INSERT INTO sessions (token_hash, login_id, csrf, created_at, "
             "expires_at) VALUES ('h1', %lld, 'c', 0, 99999999999)",
             (long long)login);
    assert_int_equal(store_exec(st, sql, &err), 0);
    assert_int_equal(auth_login_set_password(st, login, "another-long-pw",
                                             AUTH_COST_MIN, &err),
                     0);
    assert_int_equal(scalar("SELECT COUNT(*) FROM sessions", NULL), 0);
    assert_int_equal(
        auth_login_set_password(st, login, "short", AUTH_COST_MIN, &err),
        RM_EINVAL);
    assert_int_equal(auth_login_set_disabled(st, 999999, true, &err),
                     RM_ENOTFOUND);
}

static int rm_entry(const char *p, const struct stat *sb, int flag,
                    struct FTW *f)
{
    return remove(p);
}

static int setup(void **state)
{
    snprintf(dir, sizeof(dir), "/tmp/regman-auth-XXXXXX");
    if (!mkdtemp(dir))
        return -1;
    struct store_open_opts o = {.create = 1};
    struct rm_err err = {0};
    if (unitdb_make(&db, dir, &err) != 0 ||
        store_open(db.target, &o, &st, &err) < 0) {
        fprintf(stderr, "%s\n", err.msg);
        return -1;
    }
    if (store_exec(st,
                   "INSERT INTO accounts (name, kind, created_at) "
                   "VALUES ('c1', 'customer', 0)",
                   &err) < 0)
        return -1;
    customer = scalar("SELECT id FROM accounts WHERE name = 'c1'", NULL);
    return 0;
}

static int teardown(void **state)
{
    store_close(st);
    unitdb_drop(&db);
    nftw(dir, rm_entry, 4, FTW_DEPTH | FTW_PHYS);
    return 0;
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(hashes_are_argon2id_and_verify),
        cmocka_unit_test(usernames_are_a_small_alphabet),
        cmocka_unit_test(login_rules_hold),
        cmocka_unit_test(tokens_are_stored_only_as_hashes),
        cmocka_unit_test(new_password_ends_sessions),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
