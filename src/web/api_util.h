/*
 * api_util - what every resource file of the JSON API (/api/v1/...) shares:
 * the request's app, error replies for core's failures, JSON and query
 * helpers, pages over core's views and the budgets of the public
 * endpoints. The bottom of the API: it includes no api_* file but api.h
 * (the reply primitives); the resource files include it and never
 * api_core.h, which installs them.
 *
 * Every endpoint calls the same core functions the CLI calls (cli/cmd_*.c)
 * with the same arguments, so an action taken in the browser and the same
 * action taken with `regman` have identical effects, and renders core's
 * objects with the presenters the CLI's --json uses (present/present.h).
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
#ifndef RM_WEB_API_UTIL_H
#define RM_WEB_API_UTIL_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/account.h"
#include "core/app.h"
#include "core/views.h"
#include "util/err.h"
#include "web/api.h"
#include "web/http.h"

/* ERR_INIT - an empty struct rm_err before a core call. */
#define ERR_INIT(e) rm_err_clear(&(e))

#define API_EREGISTRAR "registrar_error"
#define API_ELICENSE "license_required"

/*
 * Request budgets of the public endpoints, per client address
 * (r->client_ip: the TCP peer, or the X-Forwarded-For client of a trusted
 * proxy, see http.h), counted in the database (core/throttle.h, scopes
 * API_THROTTLE_LOOKUP and API_THROTTLE_SIGNUP), so every node on one
 * database shares them and a restart keeps them. GET /api/v1/lookup
 * counts every request (each one asks the registrar); POST /api/v1/signup
 * counts the accounts it creates (a refused signup costs nothing), so a
 * typo does not lock a customer out. Past the budget the endpoint
 * answers 429 rate_limited with Retry-After (seconds) before doing any
 * work. The check and the count are two steps, so concurrent requests
 * may pass the budget by at most the number of server threads of all
 * nodes. 0 switches a budget off.
 */
struct api_limits {
    unsigned lookup_per_min;   /* lookups per address and minute */
    unsigned signups_per_hour; /* accounts created per address and hour */
    /* THROTTLE_SECRET_BYTES the counters' stored keys are derived from
     * (the master key); NULL = random per process. Not kept. */
    const unsigned char *throttle_secret;
};
#define API_LOOKUP_PER_MIN_DEFAULT 60
#define API_SIGNUPS_PER_HOUR_DEFAULT 5

enum api_budget { API_BUDGET_LOOKUP, API_BUDGET_SIGNUP };
#define API_THROTTLE_LOOKUP "lookup_addr"
#define API_THROTTLE_SIGNUP "signup_addr"

/* api_budgets_set - the budgets of lim (NULL: the defaults above); the
 * policies are process-wide (one server per process). */
void api_budgets_set(const struct api_limits *lim);
/* api_budgets_release - switch the budgets off and wipe their keys
 * (after web_server_free). */
void api_budgets_release(void);

/* api_throttle - 0 when the caller's address is within budget b
 * (counting this request when count is true), else a 429 reply (or the
 * reply of a database failure) and WEB_STOP. */
int api_throttle(struct web_req *r, enum api_budget b, bool count);
/* api_throttle_count - count one use of budget b by the caller's address
 * (a signup that created its account); a failure is logged. */
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

/* api_view_page - p as the page core's views take. */
struct view_page api_view_page(const struct api_page *p);

/* api_reply_items - the page of items made by a core listing that
 * returned rc (< 0: its failure in e, items dropped); items is stolen. */
int api_reply_items(struct web_req *r, const struct api_page *p, int rc,
                    json_t *items, const struct rm_err *e);

#endif
