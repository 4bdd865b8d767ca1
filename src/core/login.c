/*
 * login - logins, passwords, sessions and API tokens (see login.h).
 *
 * Secrets handled here and where they may go:
 *   password      argon2id string in logins.pw_hash; never stored or logged
 *   session token returned once → BLAKE2b hash → sessions.token_hash
 *   API token     returned once → BLAKE2b hash → api_tokens.token_hash
 *   CSRF token    sessions.csrf; returned to the session's own owner only
 */
#include "core/login.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/clock.h"
#include "util/log.h"
#include "util/xalloc.h"

#define TOKEN_BYTES 32
#define HASH_HEX_LEN 64
#define TOKEN_TOUCH_S 60

/* ---- passwords ---------------------------------------------------------- */

static void cost_limits(enum login_cost c, unsigned long long *ops, size_t *mem)
{
    switch (c) {
    case LOGIN_COST_MIN:
        *ops = crypto_pwhash_argon2id_OPSLIMIT_MIN;
        *mem = crypto_pwhash_argon2id_MEMLIMIT_MIN;
        break;
    case LOGIN_COST_MODERATE:
        *ops = crypto_pwhash_argon2id_OPSLIMIT_MODERATE;
        *mem = crypto_pwhash_argon2id_MEMLIMIT_MODERATE;
        break;
    default:
        *ops = crypto_pwhash_argon2id_OPSLIMIT_INTERACTIVE;
        *mem = crypto_pwhash_argon2id_MEMLIMIT_INTERACTIVE;
        break;
    }
}

int login_password_hash(const char *password, enum login_cost cost, char *out,
                        size_t outsz, struct rm_err *err)
{
    if (sodium_init() < 0)
        return rm_err_set(err, RM_EINTERNAL, "auth: libsodium cannot start");
    if (outsz < crypto_pwhash_argon2id_STRBYTES)
        return rm_err_set(err, RM_EINTERNAL, "auth: hash buffer too small");
    unsigned long long ops;
    size_t mem;
    cost_limits(cost, &ops, &mem);
    if (crypto_pwhash_argon2id_str(out, password, strlen(password), ops, mem) !=
        0)
        return rm_err_set(err, RM_EINTERNAL,
                          "auth: out of memory hashing a password");
    return 0;
}

bool login_password_verify(const char *hash, const char *password)
{
    /* Only argon2id strings are accepted: a row with another format is
     * not a valid login. */
    if (strncmp(hash, "$argon2id$", 10) != 0)
        return false;
    return crypto_pwhash_argon2id_str_verify(hash, password,
                                             strlen(password)) == 0;
}

bool login_username_ok(const char *u)
{
    size_t n = strlen(u);
    if (n == 0 || n > LOGIN_USERNAME_MAX)
        return false;
    for (const char *p = u; *p; p++) {
        char c = *p;
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '@' ||
              c == '-'))
            return false;
    }
    return true;
}

const char *login_role_name(enum login_role r)
{
    return r == LOGIN_ROLE_ADMIN      ? "admin"
           : r == LOGIN_ROLE_RESELLER ? "reseller"
                                      : "customer";
}

static enum login_role role_of(const char *s)
{
    return s && strcmp(s, "admin") == 0      ? LOGIN_ROLE_ADMIN
           : s && strcmp(s, "reseller") == 0 ? LOGIN_ROLE_RESELLER
                                             : LOGIN_ROLE_CUSTOMER;
}

/* ---- small helpers ------------------------------------------------------ */

static void hash_hex(const char *token, char out[HASH_HEX_LEN + 1])
{
    unsigned char h[32];
    crypto_generichash(h, sizeof(h), (const unsigned char *)token,
                       strlen(token), NULL, 0);
    sodium_bin2hex(out, HASH_HEX_LEN + 1, h, sizeof(h));
}

/* random_token - base64url of TOKEN_BYTES random bytes after prefix. */
static char *random_token(const char *prefix)
{
    unsigned char raw[TOKEN_BYTES];
    char b64[LOGIN_TOKEN_LEN + 2];
    randombytes_buf(raw, sizeof(raw));
    sodium_bin2base64(b64, sizeof(b64), raw, sizeof(raw),
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    sodium_memzero(raw, sizeof(raw));
    char *t = xasprintf("%s%s", prefix, b64);
    sodium_memzero(b64, sizeof(b64));
    return t;
}

static void free_secret(char *t)
{
    if (t) {
        sodium_memzero(t, strlen(t));
        free(t);
    }
}

static int run_stmt(struct store_stmt *s, struct rm_err *err)
{
    int rc;
    while ((rc = store_step(s, err)) == STORE_ROW)
        ;
    return rc < 0 ? rc : 0;
}

/* exec_ii - run sql with two integer parameters to completion. */
static int exec_ii(struct store *st, const char *sql, int64_t a, int64_t b,
                   struct rm_err *err)
{
    struct store_stmt *s;
    int rc = store_prepare(st, sql, &s, err);
    if (rc < 0)
        return rc;
    store_bind_int64(s, 1, a);
    store_bind_int64(s, 2, b);
    rc = run_stmt(s, err);
    store_stmt_release(s);
    return rc;
}

/* exec_i - run sql with one integer parameter to completion. */
static int exec_i(struct store *st, const char *sql, int64_t a,
                  struct rm_err *err)
{
    struct store_stmt *s;
    int rc = store_prepare(st, sql, &s, err);
    if (rc < 0)
        return rc;
    store_bind_int64(s, 1, a);
    rc = run_stmt(s, err);
    store_stmt_release(s);
    return rc;
}

static void fill_login(struct store_stmt *s, int col, struct login_who *who)
{
    who->login_id = store_col_int64(s, col);
    snprintf(who->username, sizeof(who->username), "%s",
             store_col_text(s, col + 1));
    who->role = role_of(store_col_text(s, col + 2));
    who->account_id =
        store_col_is_null(s, col + 3) ? 0 : store_col_int64(s, col + 3);
}

/* ---- logins ------------------------------------------------------------- */

struct create_arg {
    const char *username, *hash;
    enum login_role role;
    int64_t account_id, now, id;
};

static int create_tx(struct store *st, void *arg, struct rm_err *err)
{
    struct create_arg *c = arg;
    struct store_stmt *s = NULL;
    int rc;
    if (c->role != LOGIN_ROLE_ADMIN) {
        rc = store_prepare(
            st, "SELECT kind, reseller FROM accounts WHERE id = ?", &s, err);
        if (rc < 0)
            return rc;
        store_bind_int64(s, 1, c->account_id);
        rc = store_step(s, err);
        if (rc == STORE_DONE ||
            (rc == STORE_ROW && strcmp(store_col_text(s, 0), "customer") != 0))
            rc = rm_err_set(err, RM_EINVAL, "no customer account %lld",
                            (long long)c->account_id);
        else if (rc == STORE_ROW && c->role == LOGIN_ROLE_RESELLER &&
                 store_col_int64(s, 1) != 1)
            rc = rm_err_set(err, RM_EINVAL,
                            "account %lld is no reseller (regman reseller "
                            "add)",
                            (long long)c->account_id);
        store_stmt_release(s);
        if (rc < 0)
            return rc;
    }
    rc = store_prepare(st,
                       "INSERT INTO logins (account_id, username, pw_hash, "
                       "role, disabled, created_at) VALUES (?, ?, ?, ?, 0, ?) "
                       "RETURNING id",
                       &s, err);
    if (rc < 0)
        return rc;
    if (c->role != LOGIN_ROLE_ADMIN)
        store_bind_int64(s, 1, c->account_id);
    else
        store_bind_null(s, 1);
    store_bind_text(s, 2, c->username);
    store_bind_text(s, 3, c->hash);
    store_bind_text(s, 4, login_role_name(c->role));
    store_bind_int64(s, 5, c->now);
    rc = store_step(s, err);
    if (rc == STORE_ROW) {
        c->id = store_col_int64(s, 0);
        rc = run_stmt(s, err);
    }
    store_stmt_release(s);
    if (rc < 0 && store_errkind(st) == STORE_ERR_UNIQUE)
        rc = rm_err_set(err, RM_EINVAL, "username '%s' is taken", c->username);
    return rc < 0 ? rc : 0;
}

static int password_ok(const char *password, struct rm_err *err)
{
    size_t pl = strlen(password);
    if (pl < LOGIN_PASSWORD_MIN || pl > LOGIN_PASSWORD_MAX)
        return rm_err_set(err, RM_EINVAL, "password must be %d..%d bytes long",
                          LOGIN_PASSWORD_MIN, LOGIN_PASSWORD_MAX);
    return 0;
}

int login_create(struct store *st, const char *username, const char *password,
                 enum login_role role, int64_t account_id, enum login_cost cost,
                 int64_t *id, struct rm_err *err)
{
    if (!login_username_ok(username))
        return rm_err_set(err, RM_EINVAL,
                          "username must be 1..%d characters of "
                          "A-Z a-z 0-9 . _ @ -",
                          LOGIN_USERNAME_MAX);
    int rc = password_ok(password, err);
    if (rc < 0)
        return rc;
    if ((role == LOGIN_ROLE_ADMIN) != (account_id == 0))
        return rm_err_set(err, RM_EINVAL,
                          "an admin login has no account; a customer login "
                          "needs one");
    char hash[crypto_pwhash_argon2id_STRBYTES];
    rc = login_password_hash(password, cost, hash, sizeof(hash), err);
    if (rc < 0)
        return rc;
    struct create_arg c = {.username = username,
                           .hash = hash,
                           .role = role,
                           .account_id = account_id,
                           .now = clock_now()};
    rc = store_tx(st, STORE_TX_WRITE, create_tx, &c, err);
    sodium_memzero(hash, sizeof(hash));
    if (rc < 0)
        return rc;
    if (id)
        *id = c.id;
    return 0;
}

struct update_arg {
    int64_t login_id;
    const char *hash; /* set: new password; NULL: disabled */
    int64_t disabled;
};

static int update_tx(struct store *st, void *arg, struct rm_err *err)
{
    struct update_arg *u = arg;
    int rc;
    if (u->hash) {
        struct store_stmt *s;
        rc = store_prepare(st, "UPDATE logins SET pw_hash = ? WHERE id = ?", &s,
                           err);
        if (rc < 0)
            return rc;
        store_bind_text(s, 1, u->hash);
        store_bind_int64(s, 2, u->login_id);
        rc = run_stmt(s, err);
        store_stmt_release(s);
    } else {
        rc = exec_ii(st, "UPDATE logins SET disabled = ? WHERE id = ?",
                     u->disabled, u->login_id, err);
    }
    if (rc == 0 && store_changes(st) == 0)
        rc = rm_err_set(err, RM_ENOTFOUND, "no login %lld",
                        (long long)u->login_id);
    if (rc == 0)
        rc = exec_i(st, "DELETE FROM sessions WHERE login_id = ?", u->login_id,
                    err);
    return rc;
}

int login_set_password(struct store *st, int64_t login_id, const char *password,
                       enum login_cost cost, struct rm_err *err)
{
    int rc = password_ok(password, err);
    if (rc < 0)
        return rc;
    char hash[crypto_pwhash_argon2id_STRBYTES];
    rc = login_password_hash(password, cost, hash, sizeof(hash), err);
    if (rc == 0) {
        struct update_arg u = {.login_id = login_id, .hash = hash};
        rc = store_tx(st, STORE_TX_WRITE, update_tx, &u, err);
    }
    sodium_memzero(hash, sizeof(hash));
    return rc < 0 ? rc : 0;
}

int login_set_disabled(struct store *st, int64_t login_id, bool disabled,
                       struct rm_err *err)
{
    struct update_arg u = {.login_id = login_id, .disabled = disabled ? 1 : 0};
    int rc = store_tx(st, STORE_TX_WRITE, update_tx, &u, err);
    return rc < 0 ? rc : 0;
}

int login_id_of(struct store *st, const char *username, int64_t *id,
                struct rm_err *err)
{
    struct store_stmt *s;
    int rc =
        store_prepare(st, "SELECT id FROM logins WHERE username = ?", &s, err);
    if (rc < 0)
        return rc;
    store_bind_text(s, 1, username);
    rc = store_step(s, err);
    if (rc == STORE_ROW)
        *id = store_col_int64(s, 0);
    store_stmt_release(s);
    if (rc == STORE_DONE)
        return rm_err_set(err, RM_ENOTFOUND, "unknown login \"%s\"", username);
    return rc < 0 ? rc : 0;
}

int login_list(struct store *st,
               int (*fn)(void *arg, const struct login_row *row), void *arg,
               struct rm_err *err)
{
    struct store_stmt *s;
    int rc = store_prepare(st,
                           "SELECT l.id, l.username, l.role, "
                           "COALESCE(a.name, ''), l.disabled FROM logins l "
                           "LEFT JOIN accounts a ON a.id = l.account_id "
                           "ORDER BY l.username COLLATE \"C\"",
                           &s, err);
    if (rc < 0)
        return rc;
    while ((rc = store_step(s, err)) == STORE_ROW) {
        struct login_row row = {
            .id = store_col_int64(s, 0),
            .username = store_col_text(s, 1),
            .role = store_col_text(s, 2),
            .account = store_col_text(s, 3),
            .disabled = store_col_int64(s, 4) != 0,
        };
        if ((rc = fn(arg, &row)) < 0)
            break;
    }
    store_stmt_release(s);
    return rc < 0 ? rc : 0;
}

int login_lookup(struct store *st, const char *username, struct login_who *who,
                 char **hash, bool *disabled, struct rm_err *err)
{
    struct store_stmt *s;
    int rc = store_prepare(st,
                           "SELECT id, username, role, account_id, pw_hash, "
                           "disabled FROM logins WHERE username = ?",
                           &s, err);
    if (rc < 0)
        return rc;
    store_bind_text(s, 1, username);
    rc = store_step(s, err);
    if (rc == STORE_ROW) {
        fill_login(s, 0, who);
        *hash = xstrdup(store_col_text(s, 4));
        *disabled = store_col_int64(s, 5) != 0;
    }
    store_stmt_release(s);
    if (rc < 0)
        return rc;
    return rc == STORE_ROW ? 0 : 1;
}

/* ---- API tokens --------------------------------------------------------- */

struct token_arg {
    const char *hash, *name;
    int64_t login_id, now, expires_at, id;
};

static int token_create_tx(struct store *st, void *arg, struct rm_err *err)
{
    struct token_arg *t = arg;
    struct store_stmt *s;
    int rc = store_prepare(st,
                           "INSERT INTO api_tokens (token_hash, login_id, "
                           "name, created_at, expires_at) VALUES "
                           "(?, ?, ?, ?, ?) RETURNING id",
                           &s, err);
    if (rc < 0)
        return rc;
    store_bind_text(s, 1, t->hash);
    store_bind_int64(s, 2, t->login_id);
    store_bind_text(s, 3, t->name);
    store_bind_int64(s, 4, t->now);
    if (t->expires_at)
        store_bind_int64(s, 5, t->expires_at);
    else
        store_bind_null(s, 5);
    rc = store_step(s, err);
    if (rc == STORE_ROW) {
        t->id = store_col_int64(s, 0);
        rc = run_stmt(s, err);
    }
    store_stmt_release(s);
    if (rc < 0 && store_errkind(st) == STORE_ERR_FOREIGN_KEY)
        return rm_err_set(err, RM_ENOTFOUND, "no login %lld",
                          (long long)t->login_id);
    return rc < 0 ? rc : 0;
}

int login_token_create(struct store *st, int64_t login_id, const char *name,
                       int64_t now, int64_t expires_at, char **token,
                       int64_t *id, struct rm_err *err)
{
    size_t nl = strlen(name);
    if (nl == 0 || nl > LOGIN_TOKEN_NAME_MAX)
        return rm_err_set(err, RM_EINVAL, "token name must be 1..%d bytes",
                          LOGIN_TOKEN_NAME_MAX);
    char *tok = random_token(LOGIN_TOKEN_PREFIX);
    char h[HASH_HEX_LEN + 1];
    hash_hex(tok, h);
    struct token_arg t = {.hash = h,
                          .name = name,
                          .login_id = login_id,
                          .now = now,
                          .expires_at = expires_at};
    int rc = store_tx(st, STORE_TX_WRITE, token_create_tx, &t, err);
    if (rc < 0) {
        free_secret(tok);
        return rc;
    }
    if (id)
        *id = t.id;
    *token = tok;
    return 0;
}

struct touch_arg {
    const char *sql;
    int64_t v, id;
};

static int touch_tx(struct store *st, void *arg, struct rm_err *err)
{
    struct touch_arg *t = arg;
    return exec_ii(st, t->sql, t->v, t->id, err);
}

int login_token_find(struct store *st, const char *token, int64_t now,
                     struct login_who *who, struct rm_err *err)
{
    size_t pl = strlen(LOGIN_TOKEN_PREFIX);
    if (strncmp(token, LOGIN_TOKEN_PREFIX, pl) != 0 ||
        strlen(token) != pl + LOGIN_TOKEN_LEN)
        return RM_ENOTFOUND;
    char h[HASH_HEX_LEN + 1];
    hash_hex(token, h);
    struct store_stmt *s;
    int rc = store_prepare(
        st,
        "SELECT t.id, t.last_used_at, l.id, l.username, l.role, l.account_id "
        "FROM api_tokens t JOIN logins l ON l.id = t.login_id "
        "WHERE t.token_hash = ? AND l.disabled = 0 "
        "AND (t.expires_at IS NULL OR t.expires_at > ?)",
        &s, err);
    if (rc < 0)
        return rc;
    store_bind_text(s, 1, h);
    store_bind_int64(s, 2, now);
    rc = store_step(s, err);
    int64_t last = 0;
    if (rc == STORE_ROW) {
        who->token_id = store_col_int64(s, 0);
        last = store_col_is_null(s, 1) ? 0 : store_col_int64(s, 1);
        fill_login(s, 2, who);
    }
    store_stmt_release(s);
    if (rc < 0)
        return rc;
    if (rc == STORE_DONE)
        return RM_ENOTFOUND;
    if (now - last >= TOKEN_TOUCH_S) {
        struct rm_err e2;
        struct touch_arg t = {
            "UPDATE api_tokens SET last_used_at = ? WHERE id = ?", now,
            who->token_id};
        if (store_tx(st, STORE_TX_WRITE, touch_tx, &t, &e2) < 0)
            rm_log(LOG_WARN, "auth: token %lld: last use not recorded: %s",
                   (long long)who->token_id, e2.msg);
    }
    return 0;
}

int login_tokens(struct store *st, int64_t login_id, struct login_token **out,
                 size_t *n, struct rm_err *err)
{
    struct store_stmt *s;
    *out = NULL;
    *n = 0;
    int rc = store_prepare(st,
                           "SELECT id, name, created_at, expires_at, "
                           "last_used_at FROM api_tokens WHERE login_id = ? "
                           "ORDER BY id",
                           &s, err);
    if (rc < 0)
        return rc;
    store_bind_int64(s, 1, login_id);
    size_t cap = 0;
    while ((rc = store_step(s, err)) == STORE_ROW) {
        if (*n == cap) {
            cap = cap ? cap * 2 : 8;
            *out = xrealloc(*out, cap * sizeof(**out));
        }
        struct login_token *t = &(*out)[(*n)++];
        t->id = store_col_int64(s, 0);
        snprintf(t->name, sizeof(t->name), "%s", store_col_text(s, 1));
        t->created_at = store_col_int64(s, 2);
        t->has_expires_at = !store_col_is_null(s, 3);
        t->expires_at = t->has_expires_at ? store_col_int64(s, 3) : 0;
        t->has_last_used_at = !store_col_is_null(s, 4);
        t->last_used_at = t->has_last_used_at ? store_col_int64(s, 4) : 0;
    }
    store_stmt_release(s);
    if (rc < 0) {
        free(*out);
        *out = NULL;
        *n = 0;
        return rc;
    }
    return 0;
}

struct token_del_arg {
    int64_t login_id, id;
};

static int token_delete_tx(struct store *st, void *arg, struct rm_err *err)
{
    struct token_del_arg *d = arg;
    int rc = exec_ii(st, "DELETE FROM api_tokens WHERE id = ? AND login_id = ?",
                     d->id, d->login_id, err);
    if (rc == 0 && store_changes(st) == 0)
        rc = rm_err_set(err, RM_ENOTFOUND, "no such token");
    return rc;
}

int login_token_delete(struct store *st, int64_t login_id, int64_t id,
                       struct rm_err *err)
{
    struct token_del_arg d = {login_id, id};
    int rc = store_tx(st, STORE_TX_WRITE, token_delete_tx, &d, err);
    return rc < 0 ? rc : 0;
}

/* ---- sessions ----------------------------------------------------------- */

struct session_arg {
    const char *hash, *csrf;
    int64_t login_id, now, ttl_s, id;
};

static int prune_tx(struct store *st, void *arg, struct rm_err *err)
{
    const int64_t *now = arg;
    return exec_i(st, "DELETE FROM sessions WHERE expires_at <= ?", *now, err);
}

static int session_create_tx(struct store *st, void *arg, struct rm_err *err)
{
    struct session_arg *a = arg;
    int rc = prune_tx(st, &a->now, err);
    if (rc < 0)
        return rc;
    struct store_stmt *s;
    rc = store_prepare(st,
                       "INSERT INTO sessions (token_hash, login_id, csrf, "
                       "created_at, expires_at) VALUES (?, ?, ?, ?, ?) "
                       "RETURNING id",
                       &s, err);
    if (rc < 0)
        return rc;
    store_bind_text(s, 1, a->hash);
    store_bind_int64(s, 2, a->login_id);
    store_bind_text(s, 3, a->csrf);
    store_bind_int64(s, 4, a->now);
    store_bind_int64(s, 5, a->now + a->ttl_s);
    rc = store_step(s, err);
    if (rc == STORE_ROW) {
        a->id = store_col_int64(s, 0);
        rc = run_stmt(s, err);
    }
    store_stmt_release(s);
    return rc < 0 ? rc : 0;
}

int login_session_create(struct store *st, struct login_who *who, int64_t now,
                         int64_t ttl_s, char **token, struct rm_err *err)
{
    char *t = random_token("");
    char *csrf = random_token("");
    char h[HASH_HEX_LEN + 1];
    hash_hex(t, h);
    struct session_arg a = {.hash = h,
                            .csrf = csrf,
                            .login_id = who->login_id,
                            .now = now,
                            .ttl_s = ttl_s};
    int rc = store_tx(st, STORE_TX_WRITE, session_create_tx, &a, err);
    if (rc < 0) {
        free_secret(t);
        free(csrf);
        return rc;
    }
    who->session_id = a.id;
    snprintf(who->csrf, sizeof(who->csrf), "%s", csrf);
    free(csrf);
    *token = t;
    return 0;
}

int login_session_find(struct store *st, const char *token, int64_t now,
                       int64_t ttl_s, struct login_who *who, struct rm_err *err)
{
    if (strlen(token) != LOGIN_TOKEN_LEN)
        return RM_ENOTFOUND;
    char h[HASH_HEX_LEN + 1];
    hash_hex(token, h);
    struct store_stmt *s;
    int rc = store_prepare(
        st,
        "SELECT s.id, s.csrf, s.expires_at, l.id, l.username, l.role, "
        "l.account_id FROM sessions s JOIN logins l ON l.id = s.login_id "
        "WHERE s.token_hash = ? AND s.expires_at > ? AND l.disabled = 0",
        &s, err);
    if (rc < 0)
        return rc;
    store_bind_text(s, 1, h);
    store_bind_int64(s, 2, now);
    rc = store_step(s, err);
    int64_t expires = 0;
    if (rc == STORE_ROW) {
        who->session_id = store_col_int64(s, 0);
        snprintf(who->csrf, sizeof(who->csrf), "%s", store_col_text(s, 1));
        expires = store_col_int64(s, 2);
        fill_login(s, 3, who);
    }
    store_stmt_release(s);
    if (rc < 0)
        return rc;
    if (rc == STORE_DONE)
        return RM_ENOTFOUND;
    /* Slide the expiry only when half the lifetime is used up: one write
     * per half-lifetime instead of one per request. */
    if (expires - now < ttl_s / 2) {
        struct rm_err e2;
        struct touch_arg t = {"UPDATE sessions SET expires_at = ? WHERE id = ?",
                              now + ttl_s, who->session_id};
        if (store_tx(st, STORE_TX_WRITE, touch_tx, &t, &e2) < 0)
            rm_log(LOG_WARN, "auth: session %lld: not extended: %s",
                   (long long)who->session_id, e2.msg);
    }
    return 0;
}

static int session_delete_tx(struct store *st, void *arg, struct rm_err *err)
{
    const int64_t *id = arg;
    return exec_i(st, "DELETE FROM sessions WHERE id = ?", *id, err);
}

int login_session_delete(struct store *st, int64_t id, struct rm_err *err)
{
    int rc = store_tx(st, STORE_TX_WRITE, session_delete_tx, &id, err);
    return rc < 0 ? rc : 0;
}

int login_sessions_prune(struct store *st, int64_t now, struct rm_err *err)
{
    int rc = store_tx(st, STORE_TX_WRITE, prune_tx, &now, err);
    return rc < 0 ? rc : 0;
}
