/*
 * api_bulk - bulk actions over the JSON API (core/bulk.h; the CLI's
 * `regman domain bulk`).
 *
 *   POST /api/v1/bulk        login  bulk_create (with its job): 202 {run}
 *   GET  /api/v1/bulk        login  bulk_list: the caller's runs
 *   GET  /api/v1/bulk/{id}   login  bulk_get: the run, progress, items
 *
 * POST body: {"action": "renew" | "ns" | "lock" | "unlock" |
 * "auto-renew-on" | "auto-renew-off", "domains": [names] | "account":
 * name, "tld"?: with account, "term"?: renew, "nameservers"?: ns}. The
 * run is recorded with a `bulk` job in one transaction and answered at
 * once (202 with the run: state running, its items queued); a daemon
 * node works it (jobs/bulk_job.h). Poll GET /api/v1/bulk/{id} until
 * state is done.
 *
 * An admin selects any domains. A customer's run is its own account's:
 * a name it does not hold is an item failed "no such domain" (like an
 * unknown name), an "account" other than its own is 404, and another
 * account's run is 404 like a missing one. A bad body is 400 and nothing
 * is recorded.
 */
#ifndef RM_WEB_API_BULK_H
#define RM_WEB_API_BULK_H

#include <stddef.h>

#include "web/http.h"

const struct web_route *api_bulk_routes(size_t *n);

#endif
