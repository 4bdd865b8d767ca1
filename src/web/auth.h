/*
 * auth - who is calling: logins and passwords, session cookies, CSRF
 * tokens, API tokens, login throttling, and the account scope of a
 * customer.
 *
 * Passwords: argon2id (crypto_pwhash_str_alg, ALG_ARGON2ID13) at the
 * "interactive" cost by default; the stored string carries its own
 * parameters, so a cost change applies to new hashes only and old ones
 * still verify. At most AUTH_HASH_PARALLEL hashes run at once (each needs
 * 64 MiB at the default cost), later logins wait. A login for an unknown
 * user verifies against a dummy hash, so timing does not reveal which
 * usernames exist; every failure answers the same 401 bad_credentials.
 *
 * Sessions: POST /api/v1/auth/login sets cookie AUTH_COOKIE = base64url of
 * 32 random bytes; only BLAKE2b-256(token) (hex) is stored in sessions.
 * Cookie flags: HttpOnly; SameSite=Strict; Path=/; Secure when the server
 * speaks TLS or cfg.cookie_secure. A session lives session_ttl_s from its
 * creation and slides forward when less than half remains (so an active
 * user stays logged in without a write per request). Logout deletes the
 * row and expires the cookie. Changing a password or disabling a login
 * deletes its sessions.
 *
 * CSRF: each session has its own random token (sessions.csrf), returned
 * by login and GET /api/v1/auth/session; the frame requires it in
 * X-CSRF-Token on every state-changing request made with the cookie.
 *
 * API tokens: "rmt_" + base64url(32 random bytes), shown once at
 * creation; stored as BLAKE2b-256 hex in api_tokens; sent as
 * "Authorization: Bearer rmt_...". A token acts as its login (same role,
 * same account); it may expire (expires_at) and is revoked by deleting
 * it. last_used_at is refreshed at most once a minute.
 *
 * The logins, sessions and tokens are kept by core/login.h; this module is
 * their HTTP side and the frame's authentication hook (auth_install).
 *
 * Throttling: failed logins are counted per username and per client
 * address (r->client_ip: the TCP peer, or the X-Forwarded-For client of
 * a trusted proxy, see http.h) in the database (core/throttle.h, scopes
 * AUTH_THROTTLE_USER and AUTH_THROTTLE_ADDR), so every node on one
 * database counts together and a restart forgets nothing. Past the
 * policy's limits a login answers 429 rate_limited with Retry-After
 * (the seconds until the window that started with the first failure
 * ends), before any password work. A success clears the username's
 * counter. A database that cannot be read answers the login with its
 * error (no login without the check).
 *
 * Scope: an admin sees everything; a customer only rows of its own
 * account. auth_scope turns "not yours" into the same 404 a missing row
 * gets, so ids of other accounts cannot be probed.
 *
 * Endpoints (auth_routes):
 *   POST   /api/v1/auth/login    {"username","password"} public
 *   POST   /api/v1/auth/logout   session
 *   GET    /api/v1/auth/session  the principal and its CSRF token
 *   GET    /api/v1/auth/tokens   the caller's API tokens (no secrets)
 *   POST   /api/v1/auth/tokens   {"name", "expires_in_days"?} → token once
 *   DELETE /api/v1/auth/tokens/{id}
 */
#ifndef RM_WEB_AUTH_H
#define RM_WEB_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/store.h"
#include "util/err.h"
#include "web/http.h"

#define AUTH_COOKIE "rm_session"
#define AUTH_TOKEN_PREFIX "rmt_"
#define AUTH_PASSWORD_MIN 10
#define AUTH_PASSWORD_MAX 1024
#define AUTH_TOKEN_NAME_MAX 64
#define AUTH_HASH_PARALLEL 4

enum auth_cost {
    AUTH_COST_INTERACTIVE = 0, /* libsodium's interactive limits */
    AUTH_COST_MODERATE,
    AUTH_COST_MIN, /* the minimum argon2id allows: tests only */
};

struct auth_policy {
    unsigned user_max_fail; /* per username in window_s; 0 = 5 */
    unsigned ip_max_fail;   /* per client IP in window_s; 0 = 20 */
    int64_t window_s;       /* 0 = 900 */
    int64_t session_ttl_s;  /* 0 = 12 h */
    /* THROTTLE_SECRET_BYTES the stored keys of the counters are derived
     * from (regman's master key, the same on every node); NULL = random,
     * so the counters last as long as the process. Not kept. */
    const unsigned char *throttle_secret;
};

/* The throttle scopes of failed logins (core/throttle.h). */
#define AUTH_THROTTLE_USER "login_user"
#define AUTH_THROTTLE_ADDR "login_addr"

struct auth;

/* auth_new - state of one server (throttles, policy). p may be NULL. */
struct auth *auth_new(const struct auth_policy *p);
void auth_free(struct auth *a);

/* auth_password_hash - argon2id string into out (>= 128 bytes). */
int auth_password_hash(const char *password, enum auth_cost cost, char *out,
                       size_t outsz, struct rm_err *err);
bool auth_password_verify(const char *hash, const char *password);

/* auth_username_ok - [A-Za-z0-9._@-], 1..WEB_USERNAME_MAX. */
bool auth_username_ok(const char *username);

/* auth_login_create - a login row. role admin: account_id 0; customer:
 * an existing customer account. Password AUTH_PASSWORD_MIN..MAX bytes.
 * RM_EINVAL (with the reason) for a bad or taken username. Runs as its
 * own unit of work (store_tx). */
int auth_login_create(struct store *st, const char *username,
                      const char *password, enum web_role role,
                      int64_t account_id, enum auth_cost cost, int64_t *id,
                      struct rm_err *err);
/* auth_login_set_password - new hash; the login's sessions end. */
int auth_login_set_password(struct store *st, int64_t login_id,
                            const char *password, enum auth_cost cost,
                            struct rm_err *err);
/* auth_login_set_disabled - a disabled login cannot log in and its
 * sessions and tokens stop working (sessions are deleted). */
int auth_login_set_disabled(struct store *st, int64_t login_id, bool disabled,
                            struct rm_err *err);

/* auth_token_create - a new API token for login_id; *token (heap, the
 * only copy of the secret) and *id. expires_at 0 = never. */
int auth_token_create(struct store *st, int64_t login_id, const char *name,
                      int64_t expires_at, char **token, int64_t *id,
                      struct rm_err *err);

/* auth_sessions_prune - delete sessions expired before now. */
int auth_sessions_prune(struct store *st, int64_t now, struct rm_err *err);

/* auth_authenticate - the principal behind the request's Bearer token or
 * session cookie. 0 and *who filled; RM_ENOTFOUND when there are no valid
 * credentials; other negative on store failure (err). Used by the frame. */
int auth_authenticate(struct auth *a, struct web_req *r,
                      struct web_principal *who, struct rm_err *err);

/* auth_scope - 0 when r->who may see a row of account_id; else a 404
 * not_found reply and WEB_STOP. */
int auth_scope(struct web_req *r, int64_t account_id);
/* auth_account_filter - the account a list must be limited to: 0 for an
 * admin (no limit), the customer's account otherwise. */
int64_t auth_account_filter(const struct web_req *r);
/* auth_is_admin - r->who is an admin. */
bool auth_is_admin(const struct web_req *r);

/* auth_install - give srv regman's authentication: the state for policy
 * p (NULL = defaults; freed with the server), the frame's hook
 * (web_server_set_auth) that reads Bearer tokens and session cookies,
 * the endpoints above and the login counters. Before web_server_start. */
int auth_install(struct web_server *srv, const struct auth_policy *p,
                 struct rm_err *err);
/* web_server_new - web_frame_new (http.h) and auth_install with
 * cfg->auth_policy: a server with the built-in routes and the auth
 * endpoints; not listening yet. */
int web_server_new(const struct web_config *cfg, struct web_server **out,
                   struct rm_err *err);
/* web_server_auth - the auth state auth_install gave srv. */
struct auth *web_server_auth(struct web_server *srv);

/* auth_routes - the endpoints above. */
const struct web_route *auth_routes(size_t *n);

/* auth_metrics - register the auth counters (login outcomes). */
int auth_metrics(struct auth *a, struct metrics *m, struct rm_err *err);

#endif
