/*
 * auth - logins, sessions, CSRF and API tokens, throttling, scope (see
 * auth.h).
 *
 * Secrets handled here and where they may go:
 *   password      request body → argon2id; never stored, logged or echoed
 *   session token cookie → BLAKE2b hash → sessions.token_hash
 *   API token     shown once in the create response → hash → api_tokens
 *   CSRF token    sessions.csrf; returned to the session's own owner only
 */
#include "web/auth.h"

#include <pthread.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/clock.h"
#include "util/log.h"
#include "util/xalloc.h"
#include "web/api.h"
#include "web/metrics.h"
#include "web/ratelimit.h"

#define TOKEN_BYTES 32
#define TOKEN_B64_LEN 43 /* base64url of 32 bytes, no padding */
#define HASH_HEX_LEN 64
#define TOKEN_TOUCH_S 60

struct auth {
    struct auth_policy pol;
    struct ratelimit *by_user, *by_ip;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    unsigned hashing; /* argon2 computations running */
    char *dummy_hash; /* verified for unknown users (timing) */
    _Atomic uint64_t ok, bad, limited;
};

/* ---- passwords ---------------------------------------------------------- */

static void cost_limits(enum auth_cost c, unsigned long long *ops, size_t *mem)
{
    switch (c) {
    case AUTH_COST_MIN:
        *ops = crypto_pwhash_argon2id_OPSLIMIT_MIN;
        *mem = crypto_pwhash_argon2id_MEMLIMIT_MIN;
        break;
    case AUTH_COST_MODERATE:
        *ops = crypto_pwhash_argon2id_OPSLIMIT_MODERATE;
        *mem = crypto_pwhash_argon2id_MEMLIMIT_MODERATE;
        break;
    default:
        *ops = crypto_pwhash_argon2id_OPSLIMIT_INTERACTIVE;
        *mem = crypto_pwhash_argon2id_MEMLIMIT_INTERACTIVE;
        break;
    }
}

int auth_password_hash(const char *password, enum auth_cost cost, char *out,
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

bool auth_password_verify(const char *hash, const char *password)
{
    /* Only argon2id strings are accepted: a row with another format is
     * not a valid login. */
    if (strncmp(hash, "$argon2id$", 10) != 0)
        return false;
    return crypto_pwhash_argon2id_str_verify(hash, password,
                                             strlen(password)) == 0;
}

bool auth_username_ok(const char *u)
{
    size_t n = strlen(u);
    if (n == 0 || n > WEB_USERNAME_MAX)
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

/* ---- small store helpers ------------------------------------------------ */

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
    char b64[TOKEN_B64_LEN + 2];
    randombytes_buf(raw, sizeof(raw));
    sodium_bin2base64(b64, sizeof(b64), raw, sizeof(raw),
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    sodium_memzero(raw, sizeof(raw));
    char *t = xasprintf("%s%s", prefix, b64);
    sodium_memzero(b64, sizeof(b64));
    return t;
}

static int run_stmt(struct store_stmt *s, struct rm_err *err)
{
    int rc;
    while ((rc = store_step(s, err)) == STORE_ROW)
        ;
    return rc < 0 ? rc : 0;
}

/* exec_sql - prepare, bind by types ('i' int64_t, 's' text, 'n' null),
 * run to completion, release. */
static int exec_sql(struct store *st, const char *sql, struct rm_err *err,
                    const char *types, ...)
{
    struct store_stmt *s;
    int rc = store_prepare(st, sql, &s, err);
    if (rc < 0)
        return rc;
    va_list ap;
    va_start(ap, types);
    for (int i = 0; types[i]; i++) {
        if (types[i] == 'i')
            store_bind_int64(s, i + 1, va_arg(ap, int64_t));
        else if (types[i] == 's')
            store_bind_text(s, i + 1, va_arg(ap, const char *));
        else
            store_bind_null(s, i + 1);
    }
    va_end(ap);
    rc = run_stmt(s, err);
    store_stmt_release(s);
    return rc;
}

static enum web_role role_of(const char *s)
{
    return s && strcmp(s, "admin") == 0 ? WEB_ROLE_ADMIN : WEB_ROLE_CUSTOMER;
}

static const char *role_name(enum web_role r)
{
    return r == WEB_ROLE_ADMIN ? "admin" : "customer";
}

/* ---- logins ------------------------------------------------------------- */

int auth_login_create(struct store *st, const char *username,
                      const char *password, enum web_role role,
                      int64_t account_id, enum auth_cost cost, int64_t *id,
                      struct rm_err *err)
{
    if (!auth_username_ok(username))
        return rm_err_set(err, RM_EINVAL,
                          "username must be 1..%d characters of "
                          "A-Z a-z 0-9 . _ @ -",
                          WEB_USERNAME_MAX);
    size_t pl = strlen(password);
    if (pl < AUTH_PASSWORD_MIN || pl > AUTH_PASSWORD_MAX)
        return rm_err_set(err, RM_EINVAL, "password must be %d..%d bytes long",
                          AUTH_PASSWORD_MIN, AUTH_PASSWORD_MAX);
    if ((role == WEB_ROLE_ADMIN) != (account_id == 0))
        return rm_err_set(err, RM_EINVAL,
                          "an admin login has no account; a customer login "
                          "needs one");
    char hash[crypto_pwhash_argon2id_STRBYTES];
    int rc = auth_password_hash(password, cost, hash, sizeof(hash), err);
    if (rc < 0)
        return rc;
    rc = store_begin(st, STORE_TX_WRITE, err);
    if (rc < 0)
        return rc;
    struct store_stmt *s = NULL;
    if (role == WEB_ROLE_CUSTOMER) {
        rc = store_prepare(st, "SELECT kind FROM accounts WHERE id = ?", &s,
                           err);
        if (rc < 0)
            goto fail;
        store_bind_int64(s, 1, account_id);
        rc = store_step(s, err);
        if (rc == STORE_DONE || (rc == STORE_ROW && strcmp(store_col_text(s, 0),
                                                           "customer") != 0)) {
            rc = rm_err_set(err, RM_EINVAL, "no customer account %lld",
                            (long long)account_id);
        }
        store_stmt_release(s);
        s = NULL;
        if (rc < 0)
            goto fail;
    }
    rc = store_prepare(st,
                       "INSERT INTO logins (account_id, username, pw_hash, "
                       "role, disabled, created_at) VALUES (?, ?, ?, ?, 0, ?) "
                       "RETURNING id",
                       &s, err);
    if (rc < 0)
        goto fail;
    if (role == WEB_ROLE_CUSTOMER)
        store_bind_int64(s, 1, account_id);
    else
        store_bind_null(s, 1);
    store_bind_text(s, 2, username);
    store_bind_text(s, 3, hash);
    store_bind_text(s, 4, role_name(role));
    store_bind_int64(s, 5, clock_now());
    rc = store_step(s, err);
    if (rc == STORE_ROW && id)
        *id = store_col_int64(s, 0);
    if (rc == STORE_ROW)
        rc = run_stmt(s, err);
    store_stmt_release(s);
    if (rc < 0) {
        if (store_errkind(st) == STORE_ERR_UNIQUE)
            rc = rm_err_set(err, RM_EINVAL, "username '%s' is taken", username);
        goto fail;
    }
    sodium_memzero(hash, sizeof(hash));
    return store_commit(st, err);
fail:
    sodium_memzero(hash, sizeof(hash));
    store_rollback(st);
    return rc;
}

static int update_login(struct store *st, int64_t login_id, const char *sql,
                        const char *text, int64_t v, struct rm_err *err)
{
    int rc = store_begin(st, STORE_TX_WRITE, err);
    if (rc < 0)
        return rc;
    rc = text ? exec_sql(st, sql, err, "si", text, login_id)
              : exec_sql(st, sql, err, "ii", v, login_id);
    if (rc == 0 && store_changes(st) == 0)
        rc =
            rm_err_set(err, RM_ENOTFOUND, "no login %lld", (long long)login_id);
    if (rc == 0)
        rc = exec_sql(st, "DELETE FROM sessions WHERE login_id = ?", err, "i",
                      login_id);
    if (rc < 0) {
        store_rollback(st);
        return rc;
    }
    return store_commit(st, err);
}

int auth_login_set_password(struct store *st, int64_t login_id,
                            const char *password, enum auth_cost cost,
                            struct rm_err *err)
{
    size_t pl = strlen(password);
    if (pl < AUTH_PASSWORD_MIN || pl > AUTH_PASSWORD_MAX)
        return rm_err_set(err, RM_EINVAL, "password must be %d..%d bytes long",
                          AUTH_PASSWORD_MIN, AUTH_PASSWORD_MAX);
    char hash[crypto_pwhash_argon2id_STRBYTES];
    int rc = auth_password_hash(password, cost, hash, sizeof(hash), err);
    if (rc == 0)
        rc = update_login(st, login_id,
                          "UPDATE logins SET pw_hash = ? WHERE id = ?", hash, 0,
                          err);
    sodium_memzero(hash, sizeof(hash));
    return rc;
}

int auth_login_set_disabled(struct store *st, int64_t login_id, bool disabled,
                            struct rm_err *err)
{
    return update_login(st, login_id,
                        "UPDATE logins SET disabled = ? WHERE id = ?", NULL,
                        disabled ? 1 : 0, err);
}

/* ---- tokens and sessions ------------------------------------------------ */

int auth_token_create(struct store *st, int64_t login_id, const char *name,
                      int64_t expires_at, char **token, int64_t *id,
                      struct rm_err *err)
{
    size_t nl = strlen(name);
    if (nl == 0 || nl > AUTH_TOKEN_NAME_MAX)
        return rm_err_set(err, RM_EINVAL, "token name must be 1..%d bytes",
                          AUTH_TOKEN_NAME_MAX);
    char *t = random_token(AUTH_TOKEN_PREFIX);
    char h[HASH_HEX_LEN + 1];
    hash_hex(t, h);
    struct store_stmt *s;
    int rc = store_prepare(st,
                           "INSERT INTO api_tokens (token_hash, login_id, "
                           "name, created_at, expires_at) VALUES "
                           "(?, ?, ?, ?, ?) RETURNING id",
                           &s, err);
    if (rc == 0) {
        store_bind_text(s, 1, h);
        store_bind_int64(s, 2, login_id);
        store_bind_text(s, 3, name);
        store_bind_int64(s, 4, clock_now());
        if (expires_at)
            store_bind_int64(s, 5, expires_at);
        else
            store_bind_null(s, 5);
        rc = store_step(s, err);
        if (rc == STORE_ROW && id)
            *id = store_col_int64(s, 0);
        if (rc == STORE_ROW)
            rc = run_stmt(s, err);
        store_stmt_release(s);
    }
    if (rc < 0) {
        sodium_memzero(t, strlen(t));
        free(t);
        if (store_errkind(st) == STORE_ERR_FOREIGN_KEY)
            return rm_err_set(err, RM_ENOTFOUND, "no login %lld",
                              (long long)login_id);
        return rc;
    }
    *token = t;
    return 0;
}

int auth_sessions_prune(struct store *st, int64_t now, struct rm_err *err)
{
    return exec_sql(st, "DELETE FROM sessions WHERE expires_at <= ?", err, "i",
                    now);
}

static void fill_login(struct store_stmt *s, int col, struct web_principal *who)
{
    who->login_id = store_col_int64(s, col);
    snprintf(who->username, sizeof(who->username), "%s",
             store_col_text(s, col + 1));
    who->role = role_of(store_col_text(s, col + 2));
    who->account_id =
        store_col_is_null(s, col + 3) ? 0 : store_col_int64(s, col + 3);
}

static int by_token(struct web_req *r, const char *tok,
                    struct web_principal *who, struct rm_err *err)
{
    if (strncmp(tok, AUTH_TOKEN_PREFIX, strlen(AUTH_TOKEN_PREFIX)) != 0 ||
        strlen(tok) != strlen(AUTH_TOKEN_PREFIX) + TOKEN_B64_LEN)
        return RM_ENOTFOUND;
    char h[HASH_HEX_LEN + 1];
    hash_hex(tok, h);
    int64_t now = clock_now();
    struct store_stmt *s;
    int rc = store_prepare(
        r->st,
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
        who->via_token = true;
    }
    store_stmt_release(s);
    if (rc < 0)
        return rc;
    if (rc == STORE_DONE)
        return RM_ENOTFOUND;
    if (now - last >= TOKEN_TOUCH_S) {
        struct rm_err e2;
        if (exec_sql(r->st,
                     "UPDATE api_tokens SET last_used_at = ? WHERE id = ?", &e2,
                     "ii", now, who->token_id) < 0)
            rm_log(LOG_WARN, "auth: token %lld: last use not recorded: %s",
                   (long long)who->token_id, e2.msg);
    }
    return 0;
}

static int by_session(struct auth *a, struct web_req *r, const char *tok,
                      struct web_principal *who, struct rm_err *err)
{
    if (strlen(tok) != TOKEN_B64_LEN)
        return RM_ENOTFOUND;
    char h[HASH_HEX_LEN + 1];
    hash_hex(tok, h);
    int64_t now = clock_now();
    struct store_stmt *s;
    int rc = store_prepare(
        r->st,
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
    if (expires - now < a->pol.session_ttl_s / 2) {
        struct rm_err e2;
        if (exec_sql(r->st, "UPDATE sessions SET expires_at = ? WHERE id = ?",
                     &e2, "ii", now + a->pol.session_ttl_s,
                     who->session_id) < 0)
            rm_log(LOG_WARN, "auth: session %lld: not extended: %s",
                   (long long)who->session_id, e2.msg);
    }
    return 0;
}

int auth_authenticate(struct auth *a, struct web_req *r,
                      struct web_principal *who, struct rm_err *err)
{
    memset(who, 0, sizeof(*who));
    const char *authz = web_header(r, "Authorization");
    if (authz) {
        /* An Authorization header decides alone: a bad token is not
         * rescued by a cookie. */
        if (strncasecmp(authz, "Bearer ", 7) != 0)
            return RM_ENOTFOUND;
        const char *tok = authz + 7;
        while (*tok == ' ')
            tok++;
        return by_token(r, tok, who, err);
    }
    const char *cookie = web_cookie(r, AUTH_COOKIE);
    if (!cookie)
        return RM_ENOTFOUND;
    return by_session(a, r, cookie, who, err);
}

/* ---- scope -------------------------------------------------------------- */

int auth_scope(struct web_req *r, int64_t account_id)
{
    if (r->who && (r->who->role == WEB_ROLE_ADMIN ||
                   (account_id != 0 && r->who->account_id == account_id)))
        return 0;
    return api_error(r, 404, API_ENOTFOUND, NULL, "no such object");
}

int64_t auth_account_filter(const struct web_req *r)
{
    if (!r->who || r->who->role == WEB_ROLE_ADMIN)
        return 0;
    return r->who->account_id;
}

bool auth_is_admin(const struct web_req *r)
{
    return r->who && r->who->role == WEB_ROLE_ADMIN;
}

/* ---- state -------------------------------------------------------------- */

struct auth *auth_new(const struct auth_policy *p)
{
    struct auth *a = xcalloc(1, sizeof(*a));
    if (p)
        a->pol = *p;
    if (!a->pol.user_max_fail)
        a->pol.user_max_fail = 5;
    if (!a->pol.ip_max_fail)
        a->pol.ip_max_fail = 20;
    if (a->pol.window_s <= 0)
        a->pol.window_s = 900;
    if (a->pol.session_ttl_s <= 0)
        a->pol.session_ttl_s = 12 * 3600;
    if (!a->pol.table_slots)
        a->pol.table_slots = 4096;
    a->by_user = ratelimit_new(a->pol.table_slots, a->pol.user_max_fail,
                               a->pol.window_s);
    a->by_ip =
        ratelimit_new(a->pol.table_slots, a->pol.ip_max_fail, a->pol.window_s);
    pthread_mutex_init(&a->mu, NULL);
    pthread_cond_init(&a->cv, NULL);
    return a;
}

void auth_free(struct auth *a)
{
    if (!a)
        return;
    ratelimit_free(a->by_user);
    ratelimit_free(a->by_ip);
    pthread_mutex_destroy(&a->mu);
    pthread_cond_destroy(&a->cv);
    free(a->dummy_hash);
    free(a);
}

/* verify_bounded - password check with at most AUTH_HASH_PARALLEL
 * argon2 runs at once (memory bound); hash NULL = unknown user. */
static bool verify_bounded(struct auth *a, const char *hash,
                           const char *password)
{
    pthread_mutex_lock(&a->mu);
    while (a->hashing >= AUTH_HASH_PARALLEL)
        pthread_cond_wait(&a->cv, &a->mu);
    a->hashing++;
    if (!hash && !a->dummy_hash) {
        char h[crypto_pwhash_argon2id_STRBYTES];
        struct rm_err e;
        if (auth_password_hash("regman-dummy-password", AUTH_COST_INTERACTIVE,
                               h, sizeof(h), &e) == 0)
            a->dummy_hash = xstrdup(h);
    }
    const char *dummy = a->dummy_hash;
    pthread_mutex_unlock(&a->mu);

    bool ok = false;
    if (hash)
        ok = auth_password_verify(hash, password);
    else if (dummy)
        (void)auth_password_verify(dummy, password); /* same work, no use */

    pthread_mutex_lock(&a->mu);
    a->hashing--;
    pthread_cond_signal(&a->cv);
    pthread_mutex_unlock(&a->mu);
    return ok;
}

/* ---- endpoints ---------------------------------------------------------- */

static json_t *login_json(const struct web_principal *w)
{
    json_t *j = json_pack("{s:I, s:s, s:s}", "id", (json_int_t)w->login_id,
                          "username", w->username, "role", role_name(w->role));
    json_object_set_new(j, "account_id",
                        w->account_id ? json_integer(w->account_id)
                                      : json_null());
    return j;
}

static void set_cookie(struct web_req *r, const char *value, bool expire)
{
    char c[256];
    snprintf(c, sizeof(c), "%s=%s; Path=/; HttpOnly; SameSite=Strict%s%s",
             AUTH_COOKIE, value,
             web_server_cookie_secure(r->srv) ? "; Secure" : "",
             expire ? "; Max-Age=0" : "");
    web_reply_header(r, "Set-Cookie", c);
}

static int rate_limited(struct auth *a, struct web_req *r, int64_t wait)
{
    atomic_fetch_add(&a->limited, 1);
    char ra[32];
    snprintf(ra, sizeof(ra), "%lld", (long long)wait);
    web_reply_header(r, "Retry-After", ra);
    rm_log(LOG_WARN, "auth: login throttled for %s (retry in %llds)",
           r->client_ip, (long long)wait);
    return api_error(r, 429, API_ERATE, NULL,
                     "too many failed logins; try again in %lld seconds",
                     (long long)wait);
}

/* find_login - the login row's hash and principal; 0 found, 1 unknown. */
static int find_login(struct web_req *r, const char *username,
                      struct web_principal *who, char **hash, bool *disabled,
                      struct rm_err *err)
{
    struct store_stmt *s;
    int rc = store_prepare(r->st,
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

static int new_session(struct auth *a, struct web_req *r,
                       struct web_principal *who, char **token,
                       struct rm_err *err)
{
    char *t = random_token("");
    char *csrf = random_token("");
    char h[HASH_HEX_LEN + 1];
    hash_hex(t, h);
    int64_t now = clock_now();
    int rc = store_begin(r->st, STORE_TX_WRITE, err);
    if (rc == 0)
        rc = auth_sessions_prune(r->st, now, err);
    struct store_stmt *s = NULL;
    if (rc == 0)
        rc = store_prepare(r->st,
                           "INSERT INTO sessions (token_hash, login_id, csrf, "
                           "created_at, expires_at) VALUES (?, ?, ?, ?, ?) "
                           "RETURNING id",
                           &s, err);
    if (rc == 0) {
        store_bind_text(s, 1, h);
        store_bind_int64(s, 2, who->login_id);
        store_bind_text(s, 3, csrf);
        store_bind_int64(s, 4, now);
        store_bind_int64(s, 5, now + a->pol.session_ttl_s);
        rc = store_step(s, err);
        if (rc == STORE_ROW) {
            who->session_id = store_col_int64(s, 0);
            rc = run_stmt(s, err);
        }
        store_stmt_release(s);
    }
    if (rc == 0)
        rc = store_commit(r->st, err);
    if (rc < 0) {
        store_rollback(r->st);
        sodium_memzero(t, strlen(t));
        free(t);
        free(csrf);
        return rc;
    }
    snprintf(who->csrf, sizeof(who->csrf), "%s", csrf);
    free(csrf);
    *token = t;
    return 0;
}

static int post_login(struct web_req *r)
{
    struct auth *a = web_server_auth(r->srv);
    json_t *body;
    int rc = api_body(r, &body);
    if (rc)
        return rc;
    static const char *const fields[] = {"username", "password", NULL};
    const char *user = NULL, *pass = NULL;
    if ((rc = api_only_fields(r, body, fields)) ||
        (rc = api_get_str(r, body, "username", true, 1, WEB_USERNAME_MAX, &user,
                          NULL)) ||
        (rc = api_get_str(r, body, "password", true, 1, AUTH_PASSWORD_MAX,
                          &pass, NULL))) {
        json_decref(body);
        return rc;
    }
    char ukey[WEB_USERNAME_MAX + 3], ipkey[80];
    snprintf(ukey, sizeof(ukey), "u:%s", user);
    snprintf(ipkey, sizeof(ipkey), "ip:%s", r->client_ip);
    int64_t now = clock_now();
    int64_t wu = ratelimit_blocked(a->by_user, ukey, now);
    int64_t wi = ratelimit_blocked(a->by_ip, ipkey, now);
    if (wu || wi) {
        json_decref(body);
        return rate_limited(a, r, wu > wi ? wu : wi);
    }

    struct web_principal who;
    memset(&who, 0, sizeof(who));
    char *hash = NULL;
    bool disabled = false;
    struct rm_err err;
    rc = find_login(r, user, &who, &hash, &disabled, &err);
    if (rc < 0) {
        json_decref(body);
        return api_error_rm(r, rc, &err);
    }
    bool ok = verify_bounded(a, hash, pass) && !disabled;
    free(hash);
    if (!ok) {
        ratelimit_fail(a->by_user, ukey, now);
        ratelimit_fail(a->by_ip, ipkey, now);
        atomic_fetch_add(&a->bad, 1);
        rm_log(LOG_INFO, "auth: failed login for '%s' from %s", user,
               r->client_ip);
        json_decref(body);
        return api_error(r, 401, "bad_credentials", NULL,
                         "wrong username or password");
    }
    json_decref(body);
    ratelimit_clear(a->by_user, ukey);
    char *token = NULL;
    rc = new_session(a, r, &who, &token, &err);
    if (rc < 0)
        return api_error_rm(r, rc, &err);
    atomic_fetch_add(&a->ok, 1);
    rm_log(LOG_INFO, "auth: %s '%s' logged in from %s", role_name(who.role),
           who.username, r->client_ip);
    set_cookie(r, token, false);
    sodium_memzero(token, strlen(token));
    free(token);
    json_t *j = json_pack("{s:o, s:s}", "login", login_json(&who), "csrf_token",
                          who.csrf);
    sodium_memzero(&who, sizeof(who));
    return web_reply_json(r, 200, j);
}

static int post_logout(struct web_req *r)
{
    if (r->who->session_id) {
        struct rm_err err;
        int rc = exec_sql(r->st, "DELETE FROM sessions WHERE id = ?", &err, "i",
                          r->who->session_id);
        if (rc < 0)
            return api_error_rm(r, rc, &err);
    }
    set_cookie(r, "", true);
    return web_reply_json(r, 200, json_pack("{s:s}", "status", "logged_out"));
}

static int get_session(struct web_req *r)
{
    json_t *j = json_pack("{s:o, s:s}", "login", login_json(r->who), "via",
                          r->who->via_token ? "token" : "session");
    json_object_set_new(j, "csrf_token",
                        r->who->via_token ? json_null()
                                          : json_string(r->who->csrf));
    return web_reply_json(r, 200, j);
}

static json_t *opt_int(struct store_stmt *s, int col)
{
    return store_col_is_null(s, col) ? json_null()
                                     : json_integer(store_col_int64(s, col));
}

static int get_tokens(struct web_req *r)
{
    struct store_stmt *s;
    struct rm_err err;
    int rc = store_prepare(r->st,
                           "SELECT id, name, created_at, expires_at, "
                           "last_used_at FROM api_tokens WHERE login_id = ? "
                           "ORDER BY id",
                           &s, &err);
    if (rc < 0)
        return api_error_rm(r, rc, &err);
    store_bind_int64(s, 1, r->who->login_id);
    json_t *items = json_array();
    while ((rc = store_step(s, &err)) == STORE_ROW)
        json_array_append_new(
            items, json_pack("{s:I, s:s, s:I, s:o, s:o}", "id",
                             (json_int_t)store_col_int64(s, 0), "name",
                             store_col_text(s, 1), "created_at",
                             (json_int_t)store_col_int64(s, 2), "expires_at",
                             opt_int(s, 3), "last_used_at", opt_int(s, 4)));
    store_stmt_release(s);
    if (rc < 0) {
        json_decref(items);
        return api_error_rm(r, rc, &err);
    }
    return web_reply_json(r, 200, json_pack("{s:o}", "items", items));
}

static int post_token(struct web_req *r)
{
    json_t *body;
    int rc = api_body(r, &body);
    if (rc)
        return rc;
    static const char *const fields[] = {"name", "expires_in_days", NULL};
    const char *name = NULL;
    int64_t days = 0;
    bool have_days = false;
    if ((rc = api_only_fields(r, body, fields)) ||
        (rc = api_get_str(r, body, "name", true, 1, AUTH_TOKEN_NAME_MAX, &name,
                          NULL)) ||
        (rc = api_get_int(r, body, "expires_in_days", false, 1, 3650, &days,
                          &have_days))) {
        json_decref(body);
        return rc;
    }
    int64_t expires = have_days ? clock_now() + days * 86400 : 0;
    char *token = NULL;
    int64_t id = 0;
    struct rm_err err;
    rc = auth_token_create(r->st, r->who->login_id, name, expires, &token, &id,
                           &err);
    if (rc < 0) {
        json_decref(body);
        return api_error_rm(r, rc, &err);
    }
    json_t *j = json_pack("{s:I, s:s, s:s}", "id", (json_int_t)id, "name", name,
                          "token", token);
    json_object_set_new(j, "expires_at",
                        expires ? json_integer(expires) : json_null());
    json_decref(body);
    sodium_memzero(token, strlen(token));
    free(token);
    return web_reply_json(r, 201, j);
}

static int delete_token(struct web_req *r)
{
    int64_t id;
    int rc = api_path_id(r, "id", &id);
    if (rc)
        return rc;
    struct rm_err err;
    rc = exec_sql(r->st, "DELETE FROM api_tokens WHERE id = ? AND login_id = ?",
                  &err, "ii", id, r->who->login_id);
    if (rc < 0)
        return api_error_rm(r, rc, &err);
    if (store_changes(r->st) == 0)
        return api_error(r, 404, API_ENOTFOUND, NULL, "no such token");
    return web_reply_json(r, 200, json_pack("{s:s}", "status", "revoked"));
}

static const struct web_route routes[] = {
    {"POST", "/api/v1/auth/login", post_login, WEB_PUBLIC},
    {"POST", "/api/v1/auth/logout", post_logout, WEB_LOGIN},
    {"GET", "/api/v1/auth/session", get_session, WEB_LOGIN},
    {"GET", "/api/v1/auth/tokens", get_tokens, WEB_LOGIN},
    {"POST", "/api/v1/auth/tokens", post_token, WEB_LOGIN},
    {"DELETE", "/api/v1/auth/tokens/{id}", delete_token, WEB_LOGIN},
};

const struct web_route *auth_routes(size_t *n)
{
    *n = sizeof(routes) / sizeof(routes[0]);
    return routes;
}

/* ---- metrics ------------------------------------------------------------ */

static int collect_logins(void *arg, struct store *st, void *ctx,
                          struct metrics_out *o)
{
    struct auth *a = arg;
    metrics_emit(o, NULL, (const char *const[]){"result", "ok", NULL},
                 (double)atomic_load(&a->ok));
    metrics_emit(o, NULL, (const char *const[]){"result", "bad", NULL},
                 (double)atomic_load(&a->bad));
    metrics_emit(o, NULL, (const char *const[]){"result", "throttled", NULL},
                 (double)atomic_load(&a->limited));
    return 0;
}

int auth_metrics(struct auth *a, struct metrics *m, struct rm_err *err)
{
    return metrics_register(m, "regman_logins_total",
                            "Login attempts by result.", METRIC_COUNTER,
                            collect_logins, a, err);
}
