/*
 * api_core - the JSON API over regman's core (/api/v1/...): what the
 * endpoint modules share and the one call that installs them all.
 *
 * Every endpoint calls the same core functions the CLI calls (cli/cmd_*.c)
 * with the same arguments, so an action taken in the browser and the same
 * action taken with `regman` have identical effects. The host (regman
 * serve) gives each server worker its own struct app as the worker's ctx
 * (and the app's store as its st); endpoints reach it with api_app().
 *
 * JSON conventions (docs/openapi.yaml):
 * - money: integers of minor units (1250 = 12.50 of the one currency);
 * - times: integers of epoch seconds UTC, null when not set;
 * - ids: integers; lists use the page envelope of api.h, newest first
 *   (?after=ID then means "ids below ID");
 * - errors: {"error": {"code", "message", "field"}} (api.h), plus
 *   502 "registrar_error" when the registrar did not answer usefully.
 *
 * Scope: customers see and touch only rows of their own account; a row of
 * another account answers 404 exactly like a missing one (auth_scope).
 * Admin-only endpoints answer 403 to customers (WEB_ADMIN routes).
 */
#ifndef RM_WEB_API_CORE_H
#define RM_WEB_API_CORE_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/account.h"
#include "core/app.h"
#include "core/conn.h"
#include "util/err.h"
#include "web/api.h"
#include "web/http.h"

#define API_EREGISTRAR "registrar_error"
#define API_ELICENSE "license_required"

/*
 * Request budgets of the public endpoints, per client IP (the TCP peer:
 * X-Forwarded-For is not trusted), in the bounded limiters of
 * ratelimit.h. GET /api/v1/lookup counts every request (each one asks
 * the registrar); POST /api/v1/signup counts the accounts it creates
 * (a refused signup costs nothing), so a typo does not lock a customer
 * out. Past the budget the endpoint answers 429 rate_limited with
 * Retry-After (seconds) before doing any work. The check and the count
 * are two steps, so concurrent requests may pass the budget by at most
 * the number of server threads. 0 switches a budget off (a server behind
 * a proxy sees every client at the proxy's address).
 */
struct api_limits {
    unsigned lookup_per_min;   /* lookups per IP and minute */
    unsigned signups_per_hour; /* accounts created per IP and hour */
};
#define API_LOOKUP_PER_MIN_DEFAULT 60
#define API_SIGNUPS_PER_HOUR_DEFAULT 5

enum api_budget { API_BUDGET_LOOKUP, API_BUDGET_SIGNUP };

/* api_core_install - add every /api/v1 route table of the core endpoints
 * and register the /metrics families (api_metrics.h) on srv; set the
 * budgets (lim NULL = the defaults above). Before web_server_start. The
 * limiters are process-wide (one server per process): api_core_release
 * frees them after web_server_free. */
int api_core_install(struct web_server *srv, const struct api_limits *lim,
                     struct rm_err *err);
void api_core_release(void);

/* api_throttle - 0 when the caller's IP is within budget b (counting
 * this request when count is true), else a 429 reply and WEB_STOP. */
int api_throttle(struct web_req *r, enum api_budget b, bool count);
/* api_throttle_count - count one use of budget b by the caller's IP
 * (a signup that created its account). */
void api_throttle_count(struct web_req *r, enum api_budget b);

/* api_app - the request's struct app (the worker's ctx). */
struct app *api_app(struct web_req *r);

/* api_fail - reply for a failed core call: api_error_rm, except that a
 * registrar that did not answer (RM_EIO) or broke the protocol
 * (RM_EPROTO) is 502 registrar_error with core's message. Returns
 * WEB_STOP. */
int api_fail(struct web_req *r, int rc, const struct rm_err *err);

/* api_time - epoch seconds, or null for 0. */
json_t *api_time(int64_t t);
/* api_text - a JSON string; NULL becomes "". */
json_t *api_text(const char *s);

/* api_account_json - an account as the API shows it. */
json_t *api_account_json(const struct account *a);

/* api_customer_account - the caller's own account (customers only):
 * loads it into *a; 0 or a reply and WEB_STOP. */
int api_customer_account(struct web_req *r, struct account *a);

/* api_license - the license agreement of connection c (its text, or the
 * file it names) and its SHA-256 (64 hex digits). *text is heap ("" when
 * the connection has none). */
int api_license(const struct conn *c, char **text, char hex[65],
                struct rm_err *err);

/* api_license_accepted - has account_id accepted the agreement with this
 * hash of connection conn_id? */
int api_license_accepted(struct store *st, int64_t account_id, int64_t conn_id,
                         const char *hex, bool *yes, struct rm_err *err);
/* api_license_record - store an acceptance (own write transaction). */
int api_license_record(struct store *st, int64_t login_id, int64_t account_id,
                       int64_t conn_id, const char *domain, const char *hex,
                       const char *client_ip, struct rm_err *err);

/* api_int_text - v as decimal text into buf (for core's text-typed edit
 * requests). */
const char *api_int_text(int64_t v, char *buf, size_t n);

/* api_opt_body - an optional JSON object body: none (empty) leaves *out
 * NULL; one that is given must parse and use only the allowed keys. 0, or
 * a reply and WEB_STOP (with *out NULL). The caller json_decrefs *out. */
int api_opt_body(struct web_req *r, const char *const *allowed, json_t **out);

/* api_query_enum - ?key= absent (*out NULL) or one of allowed (NULL
 * ended); anything else is 400 invalid with msg. */
int api_query_enum(struct web_req *r, const char *key,
                   const char *const *allowed, const char *msg,
                   const char **out);

/* api_page_skip - for lists paged in memory (newest first): should the row
 * with this id be left out of the page p? *skip starts at p->offset. */
bool api_page_skip(const struct api_page *p, int64_t id, int64_t *skip);

/* api_bind_page - bind the page of p to the four parameters from first on
 * of a query that ends "AND (? = 0 OR id < ?) ... LIMIT ? OFFSET ?". */
void api_bind_page(struct store_stmt *s, int first, const struct api_page *p);

/* api_reply_rows - run the bound query s, one item per row made by row(s,
 * arg), release s and answer the page (or the store's failure). */
int api_reply_rows(struct web_req *r, const struct api_page *p,
                   struct store_stmt *s,
                   json_t *(*row)(struct store_stmt *s, void *arg), void *arg);

#endif
