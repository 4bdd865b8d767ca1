/*
 * auth - who is calling, on the HTTP side (see auth.h): credentials from
 * headers and cookies, CSRF tokens handed to the frame, login throttling,
 * the auth endpoints, and the account scope of a customer. The logins,
 * sessions and tokens themselves live in core/login.h.
 *
 * Secrets handled here and where they may go:
 *   password      request body → core (argon2id); never logged or echoed
 *   session token core → Set-Cookie only
 *   API token     core → the create response only
 *   CSRF token    returned to the session's own owner only
 */
#include "web/auth.h"

#include <pthread.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/login.h"
#include "core/throttle.h"
#include "util/clock.h"
#include "util/log.h"
#include "util/xalloc.h"
#include "web/api.h"
#include "web/metrics.h"

_Static_assert((int)WEB_ROLE_ADMIN == (int)LOGIN_ROLE_ADMIN &&
                   (int)WEB_ROLE_CUSTOMER == (int)LOGIN_ROLE_CUSTOMER &&
                   (int)WEB_ROLE_RESELLER == (int)LOGIN_ROLE_RESELLER,
               "web and core roles agree");
_Static_assert((int)AUTH_COST_INTERACTIVE == (int)LOGIN_COST_INTERACTIVE &&
                   (int)AUTH_COST_MODERATE == (int)LOGIN_COST_MODERATE &&
                   (int)AUTH_COST_MIN == (int)LOGIN_COST_MIN,
               "web and core password costs agree");
_Static_assert(WEB_USERNAME_MAX == LOGIN_USERNAME_MAX &&
                   AUTH_PASSWORD_MIN == LOGIN_PASSWORD_MIN &&
                   AUTH_PASSWORD_MAX == LOGIN_PASSWORD_MAX &&
                   AUTH_TOKEN_NAME_MAX == LOGIN_TOKEN_NAME_MAX,
               "web and core limits agree");

struct auth {
    struct auth_policy pol;
    struct throttle by_user, by_ip; /* in the database (core/throttle.h) */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    unsigned hashing; /* argon2 computations running */
    char *dummy_hash; /* verified for unknown users (timing) */
    _Atomic uint64_t ok, bad, limited;
};

/* ---- logins (core/login.h with the web's types) ------------------------- */

int auth_password_hash(const char *password, enum auth_cost cost, char *out,
                       size_t outsz, struct rm_err *err)
{
    return login_password_hash(password, (enum login_cost)cost, out, outsz,
                               err);
}

bool auth_password_verify(const char *hash, const char *password)
{
    return login_password_verify(hash, password);
}

bool auth_username_ok(const char *u)
{
    return login_username_ok(u);
}

int auth_login_create(struct store *st, const char *username,
                      const char *password, enum web_role role,
                      int64_t account_id, enum auth_cost cost, int64_t *id,
                      struct rm_err *err)
{
    return login_create(st, username, password, (enum login_role)role,
                        account_id, (enum login_cost)cost, id, err);
}

int auth_login_set_password(struct store *st, int64_t login_id,
                            const char *password, enum auth_cost cost,
                            struct rm_err *err)
{
    return login_set_password(st, login_id, password, (enum login_cost)cost,
                              err);
}

int auth_login_set_disabled(struct store *st, int64_t login_id, bool disabled,
                            struct rm_err *err)
{
    return login_set_disabled(st, login_id, disabled, err);
}

int auth_token_create(struct store *st, int64_t login_id, const char *name,
                      int64_t expires_at, char **token, int64_t *id,
                      struct rm_err *err)
{
    return login_token_create(st, login_id, name, clock_now(), expires_at,
                              token, id, err);
}

int auth_sessions_prune(struct store *st, int64_t now, struct rm_err *err)
{
    return login_sessions_prune(st, now, err);
}

static const char *role_name(enum web_role r)
{
    return login_role_name((enum login_role)r);
}

/* principal_of - the web's view of a login found by core. */
static void principal_of(const struct login_who *lw, bool via_token,
                         struct web_principal *who)
{
    who->login_id = lw->login_id;
    snprintf(who->username, sizeof(who->username), "%s", lw->username);
    who->role = (enum web_role)lw->role;
    who->account_id = lw->account_id;
    who->via_token = via_token;
    who->session_id = via_token ? 0 : lw->session_id;
    who->token_id = via_token ? lw->token_id : 0;
    snprintf(who->csrf, sizeof(who->csrf), "%s", via_token ? "" : lw->csrf);
}

/* ---- authentication ----------------------------------------------------- */

int auth_authenticate(struct auth *a, struct web_req *r,
                      struct web_principal *who, struct rm_err *err)
{
    memset(who, 0, sizeof(*who));
    struct login_who lw;
    memset(&lw, 0, sizeof(lw));
    bool via_token;
    int rc;
    const char *authz = web_header(r, "Authorization");
    if (authz) {
        /* An Authorization header decides alone: a bad token is not
         * rescued by a cookie. */
        if (strncasecmp(authz, "Bearer ", 7) != 0)
            return RM_ENOTFOUND;
        const char *tok = authz + 7;
        while (*tok == ' ')
            tok++;
        via_token = true;
        rc = login_token_find(r->st, tok, clock_now(), &lw, err);
    } else {
        const char *cookie = web_cookie(r, AUTH_COOKIE);
        if (!cookie)
            return RM_ENOTFOUND;
        via_token = false;
        rc = login_session_find(r->st, cookie, clock_now(),
                                a->pol.session_ttl_s, &lw, err);
    }
    if (rc == 0)
        principal_of(&lw, via_token, who);
    sodium_memzero(&lw, sizeof(lw));
    return rc;
}

static int auth_hook(void *arg, struct web_req *r, struct web_principal *who,
                     struct rm_err *err)
{
    return auth_authenticate(arg, r, who, err);
}

static void auth_release(void *arg)
{
    auth_free(arg);
}

struct auth *web_server_auth(struct web_server *srv)
{
    return web_server_auth_arg(srv);
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
    throttle_init(&a->by_user, AUTH_THROTTLE_USER, a->pol.user_max_fail,
                  a->pol.window_s, a->pol.throttle_secret);
    throttle_init(&a->by_ip, AUTH_THROTTLE_ADDR, a->pol.ip_max_fail,
                  a->pol.window_s, a->pol.throttle_secret);
    a->pol.throttle_secret = NULL; /* not kept: the keys are derived */
    pthread_mutex_init(&a->mu, NULL);
    pthread_cond_init(&a->cv, NULL);
    return a;
}

void auth_free(struct auth *a)
{
    if (!a)
        return;
    sodium_memzero(&a->by_user.hkey, sizeof(a->by_user.hkey));
    sodium_memzero(&a->by_ip.hkey, sizeof(a->by_ip.hkey));
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
    struct rm_err err;
    int64_t now = clock_now(), wu = 0, wi = 0;
    if ((rc = throttle_check(r->st, &a->by_user, user, now, &wu, &err)) < 0 ||
        (rc = throttle_check(r->st, &a->by_ip, r->client_ip, now, &wi, &err)) <
            0) {
        json_decref(body);
        return api_error_rm(r, rc, &err);
    }
    if (wu || wi) {
        json_decref(body);
        return rate_limited(a, r, wu > wi ? wu : wi);
    }

    struct web_principal who;
    memset(&who, 0, sizeof(who));
    char *hash = NULL;
    bool disabled = false;
    struct login_who lw;
    memset(&lw, 0, sizeof(lw));
    rc = login_lookup(r->st, user, &lw, &hash, &disabled, &err);
    if (rc < 0) {
        json_decref(body);
        return api_error_rm(r, rc, &err);
    }
    bool ok = verify_bounded(a, hash, pass) && !disabled;
    free(hash);
    if (!ok) {
        /* a database that refuses to count is logged; the answer stays
         * 401 */
        if (throttle_fail(r->st, &a->by_user, user, now, NULL, &err) < 0 ||
            throttle_fail(r->st, &a->by_ip, r->client_ip, now, NULL, &err) < 0)
            rm_log(LOG_ERROR, "auth: cannot count a failed login: %s", err.msg);
        atomic_fetch_add(&a->bad, 1);
        rm_log(LOG_INFO, "auth: failed login for '%s' from %s", user,
               r->client_ip);
        json_decref(body);
        return api_error(r, 401, "bad_credentials", NULL,
                         "wrong username or password");
    }
    if (throttle_clear(r->st, &a->by_user, user, &err) < 0)
        rm_log(LOG_ERROR, "auth: cannot clear the failed logins of '%s': %s",
               user, err.msg);
    json_decref(body);
    char *token = NULL;
    rc = login_session_create(r->st, &lw, clock_now(), a->pol.session_ttl_s,
                              &token, &err);
    if (rc < 0) {
        sodium_memzero(&lw, sizeof(lw));
        return api_error_rm(r, rc, &err);
    }
    principal_of(&lw, false, &who);
    sodium_memzero(&lw, sizeof(lw));
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
        int rc = login_session_delete(r->st, r->who->session_id, &err);
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

static json_t *opt_int(bool has, int64_t v)
{
    return has ? json_integer(v) : json_null();
}

static int get_tokens(struct web_req *r)
{
    struct login_token *t;
    size_t n;
    struct rm_err err;
    int rc = login_tokens(r->st, r->who->login_id, &t, &n, &err);
    if (rc < 0)
        return api_error_rm(r, rc, &err);
    json_t *items = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(
            items,
            json_pack("{s:I, s:s, s:I, s:o, s:o}", "id", (json_int_t)t[i].id,
                      "name", t[i].name, "created_at",
                      (json_int_t)t[i].created_at, "expires_at",
                      opt_int(t[i].has_expires_at, t[i].expires_at),
                      "last_used_at",
                      opt_int(t[i].has_last_used_at, t[i].last_used_at)));
    free(t);
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
    rc = login_token_delete(r->st, r->who->login_id, id, &err);
    if (rc == RM_ENOTFOUND)
        return api_error(r, 404, API_ENOTFOUND, NULL, "no such token");
    if (rc < 0)
        return api_error_rm(r, rc, &err);
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

/* ---- installing ---------------------------------------------------------- */

int auth_install(struct web_server *srv, const struct auth_policy *p,
                 struct rm_err *err)
{
    struct auth *a = auth_new(p);
    web_server_set_auth(srv, auth_hook, a, auth_release);
    size_t n;
    const struct web_route *rt = auth_routes(&n);
    web_server_add_routes(srv, rt, n);
    return auth_metrics(a, web_server_metrics(srv), err);
}

int web_server_new(const struct web_config *cfg, struct web_server **out,
                   struct rm_err *err)
{
    struct web_server *srv;
    int rc = web_frame_new(cfg, &srv, err);
    if (rc < 0)
        return rc;
    if ((rc = auth_install(srv, cfg->auth_policy, err)) < 0) {
        web_server_free(srv);
        return rc;
    }
    *out = srv;
    return 0;
}
