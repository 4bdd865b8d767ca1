/*
 * reply - one HTTP request as a handler sees it, and its reply: the
 * bottom layer of the web code. The server frame (http.h) fills a
 * struct web_req and sends what the handler set here; the JSON helpers
 * (api.h) and the handlers build on these functions alone.
 *
 * Strings a request hands out are valid for the duration of the handler.
 * Each reply function returns 0; a second reply replaces the first.
 */
#ifndef RM_WEB_REPLY_H
#define RM_WEB_REPLY_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/store.h"
#include "util/err.h"

struct web_server;
struct web_req_priv;

/* A handler (or a helper) set an error reply: return this unchanged. */
#define WEB_STOP 1

#define WEB_USERNAME_MAX 64

/* A reseller acts as a customer of its own account everywhere, and has
 * the /api/v1/reseller endpoints (api_reseller.c). */
enum web_role {
    WEB_ROLE_ADMIN = 1,
    WEB_ROLE_CUSTOMER = 2,
    WEB_ROLE_RESELLER = 3
};

/* The authenticated caller of a request (set by the server's
 * authentication hook, see web_server_set_auth). */
struct web_principal {
    int64_t login_id;
    char username[WEB_USERNAME_MAX + 1];
    enum web_role role;
    int64_t account_id; /* customer: its account; admin: 0 */
    bool via_token;     /* Bearer API token (else session cookie) */
    int64_t session_id; /* session row, 0 for a token */
    int64_t token_id;   /* api_tokens row, 0 for a session */
    char csrf[48];      /* the session's CSRF token ("" for a token) */
};

/*
 * struct web_req - one request as a handler sees it. Strings are valid
 * for the duration of the handler.
 */
struct web_req {
    const char *method;
    const char *path; /* percent-decoded, without the query */
    const char *body; /* NUL-terminated ("" when none) */
    size_t body_len;
    const struct web_principal *who;
    struct store *st; /* the borrowed worker's store handle */
    void *ctx;        /* the borrowed worker's host context */
    struct web_server *srv;
    /* The client's address: the TCP peer, or when the peer is a trusted
     * proxy the client X-Forwarded-For names (forwarded.h). Throttles,
     * budgets, logs and license acceptances use it. */
    char client_ip[64];
    bool tls;
    struct web_req_priv *priv;
};

/* web_param - the value of "{name}" in the matched pattern, or NULL. */
const char *web_param(const struct web_req *r, const char *name);
/* web_query - a query-string argument (decoded), or NULL. */
const char *web_query(const struct web_req *r, const char *name);
/* web_header - a request header (case-insensitive name), or NULL. */
const char *web_header(const struct web_req *r, const char *name);
/* web_cookie - a request cookie, or NULL. */
const char *web_cookie(const struct web_req *r, const char *name);

/* Replies. Each returns 0; a second reply replaces the first. */
/* web_reply_json - j is stolen (decref'd by the frame); NULL = no body. */
int web_reply_json(struct web_req *r, unsigned status, json_t *j);
/* web_reply_data - data is copied. */
int web_reply_data(struct web_req *r, unsigned status, const char *ctype,
                   const char *data, size_t len);
/* web_reply_header - add a response header to the reply (any order with
 * the web_reply_* call); Set-Cookie may repeat. Copied. */
void web_reply_header(struct web_req *r, const char *name, const char *value);

#endif
