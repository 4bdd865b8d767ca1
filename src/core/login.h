/*
 * login - who may use regman's web interface and API: logins (admins,
 * and customers bound to an account), their passwords, sessions and API
 * tokens. Every query about them is here; the web layer keeps the HTTP
 * side (cookies, headers, CSRF checks, throttling, JSON).
 *
 * Passwords: argon2id strings (crypto_pwhash_argon2id_str) at the cost
 * asked for; the string carries its own parameters, so a cost change
 * applies to new hashes only. Only "$argon2id$" strings verify.
 *
 * Secrets are stored hashed: a session token or API token is kept only
 * as BLAKE2b-256(token) in hex; the token itself is returned once, to the
 * caller that created it. Tokens are base64url of 32 random bytes (API
 * tokens after the prefix LOGIN_TOKEN_PREFIX).
 *
 * Sessions live ttl seconds from their creation and slide forward when
 * less than half remains (login_session_find). Changing a password or
 * disabling a login deletes its sessions; a disabled login's tokens stop
 * working.
 *
 * Writes run as their own unit of work through store_tx (so they join a
 * transaction the caller has open); password hashing happens before it.
 * Errors: negative rm_errcode with err filled; RM_ENOTFOUND where named.
 */
#ifndef RM_CORE_LOGIN_H
#define RM_CORE_LOGIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/store.h"
#include "util/err.h"

#define LOGIN_USERNAME_MAX 64
#define LOGIN_PASSWORD_MIN 10
#define LOGIN_PASSWORD_MAX 1024
#define LOGIN_TOKEN_NAME_MAX 64
#define LOGIN_TOKEN_PREFIX "rmt_"
#define LOGIN_TOKEN_LEN 43 /* base64url of 32 bytes, no padding */
#define LOGIN_CSRF_MAX 47

/* A reseller login acts as a customer of its own account everywhere,
 * and manages its customers and prices (core/reseller.h). */
enum login_role {
    LOGIN_ROLE_ADMIN = 1,
    LOGIN_ROLE_CUSTOMER = 2,
    LOGIN_ROLE_RESELLER = 3
};

enum login_cost {
    LOGIN_COST_INTERACTIVE = 0, /* libsodium's interactive limits */
    LOGIN_COST_MODERATE,
    LOGIN_COST_MIN, /* the minimum argon2id allows: tests only */
};

/* struct login_who - the login a credential stands for. */
struct login_who {
    int64_t login_id;
    char username[LOGIN_USERNAME_MAX + 1];
    enum login_role role;
    int64_t account_id;            /* customer: its account; admin: 0 */
    int64_t session_id;            /* by session: its row */
    int64_t token_id;              /* by API token: its row */
    char csrf[LOGIN_CSRF_MAX + 1]; /* by session: its CSRF token */
};

/* struct login_row - one login as listed. */
struct login_row {
    int64_t id;
    const char *username;
    const char *role;    /* "admin" or "customer" */
    const char *account; /* the account's name, "" for an admin */
    bool disabled;
};

/* struct login_token - an API token as listed (never its secret). */
struct login_token {
    int64_t id;
    char name[LOGIN_TOKEN_NAME_MAX + 1];
    int64_t created_at;
    int64_t expires_at; /* valid when has_expires_at (else never) */
    int64_t last_used_at;
    bool has_expires_at;
    bool has_last_used_at; /* false: never used */
};

const char *login_role_name(enum login_role r);

/* login_password_hash - argon2id string into out (>= 128 bytes). */
int login_password_hash(const char *password, enum login_cost cost, char *out,
                        size_t outsz, struct rm_err *err);
bool login_password_verify(const char *hash, const char *password);

/* login_username_ok - [A-Za-z0-9._@-], 1..LOGIN_USERNAME_MAX. */
bool login_username_ok(const char *username);

/* login_create - a login row. role admin: account_id 0; customer: an
 * existing customer account. Password LOGIN_PASSWORD_MIN..MAX bytes.
 * RM_EINVAL (with the reason) for a bad or taken username. id may be
 * NULL. */
int login_create(struct store *st, const char *username, const char *password,
                 enum login_role role, int64_t account_id, enum login_cost cost,
                 int64_t *id, struct rm_err *err);
/* login_set_password - new hash; the login's sessions end. RM_ENOTFOUND
 * for no such login. */
int login_set_password(struct store *st, int64_t login_id, const char *password,
                       enum login_cost cost, struct rm_err *err);
/* login_set_disabled - a disabled login cannot log in; its sessions are
 * deleted. RM_ENOTFOUND for no such login. */
int login_set_disabled(struct store *st, int64_t login_id, bool disabled,
                       struct rm_err *err);
/* login_id_of - the id of username; RM_ENOTFOUND ("unknown login"). */
int login_id_of(struct store *st, const char *username, int64_t *id,
                struct rm_err *err);
/* login_list - every login, by username: fn(arg, row) for each (the row's
 * strings live until fn returns); a negative return from fn stops the
 * walk and is returned. */
int login_list(struct store *st,
               int (*fn)(void *arg, const struct login_row *row), void *arg,
               struct rm_err *err);
/* login_lookup - the login named username with its password hash (heap)
 * and whether it is disabled: 0 found, 1 no such login. */
int login_lookup(struct store *st, const char *username, struct login_who *who,
                 char **hash, bool *disabled, struct rm_err *err);

/* login_token_create - a new API token for login_id; *token (heap, the
 * only copy of the secret) and *id (may be NULL). expires_at 0 = never.
 * RM_EINVAL for a bad name, RM_ENOTFOUND for no such login. */
int login_token_create(struct store *st, int64_t login_id, const char *name,
                       int64_t now, int64_t expires_at, char **token,
                       int64_t *id, struct rm_err *err);
/* login_token_find - the enabled login behind an unexpired API token
 * (who->token_id set); RM_ENOTFOUND otherwise. Records the token's use at
 * most once a minute (a failure to record is only logged). */
int login_token_find(struct store *st, const char *token, int64_t now,
                     struct login_who *who, struct rm_err *err);
/* login_tokens - the API tokens of login_id by id (*out heap, free()). */
int login_tokens(struct store *st, int64_t login_id, struct login_token **out,
                 size_t *n, struct rm_err *err);
/* login_token_delete - revoke token id of login_id; RM_ENOTFOUND when
 * the login has no such token. */
int login_token_delete(struct store *st, int64_t login_id, int64_t id,
                       struct rm_err *err);

/* login_session_create - a session for who->login_id lasting ttl_s from
 * now (expired sessions are pruned first): *token (heap, the only copy of
 * the secret), who->session_id and who->csrf set. */
int login_session_create(struct store *st, struct login_who *who, int64_t now,
                         int64_t ttl_s, char **token, struct rm_err *err);
/* login_session_find - the enabled login behind an unexpired session
 * token (who->session_id, who->csrf set); RM_ENOTFOUND otherwise. When less
 * than half of ttl_s remains, the session is extended to now + ttl_s (a
 * failure to extend is only logged). */
int login_session_find(struct store *st, const char *token, int64_t now,
                       int64_t ttl_s, struct login_who *who,
                       struct rm_err *err);
/* login_session_delete - end session id (no error when it is gone). */
int login_session_delete(struct store *st, int64_t id, struct rm_err *err);
/* login_sessions_prune - delete sessions expired at or before now. */
int login_sessions_prune(struct store *st, int64_t now, struct rm_err *err);

#endif
