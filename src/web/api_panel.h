/*
 * api_panel - what the admin panel reads beside the core objects: the
 * registrar balance of a connection (cached briefly), the test a
 * connection passes before it is saved, recently ended operations of the
 * Async Manager and the license acceptances.
 *
 *   GET /api/v1/connections/{id}/balance  admin  GET_BALANCE, cached
 *                                                API_BALANCE_TTL_S seconds
 *   GET /api/v1/async/ended?days=N        admin  operations that went
 *                                                through pending and ended
 *                                                in the last N days (1..90,
 *                                                default 7), newest first
 *   GET /api/v1/license-acceptances       admin  ?account_id= ?connection_id=
 *   GET /api/v1/license-acceptances.csv   admin  the same as text/csv
 *
 * Request and response bodies: docs/openapi.yaml.
 */
#ifndef RM_WEB_API_PANEL_H
#define RM_WEB_API_PANEL_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/conn.h"
#include "web/http.h"

/* How long a registrar balance is reused: opening the registrars page or
 * the dashboard asks each registrar at most once a minute. */
#define API_BALANCE_TTL_S 60

const struct web_route *api_panel_routes(size_t *n);

/* api_balance_store - remember the result of a balance call for conn_id
 * (ok, or the reason in msg); a later GET .../balance within the TTL
 * answers it. */
void api_balance_store(int64_t conn_id, bool ok, const struct reg_balance *b,
                       const char *msg);
/* api_balance_forget - drop conn_id's cached balance (edited, removed). */
void api_balance_forget(int64_t conn_id);

/* api_conn_probe - the test before a connection is saved: GET_BALANCE
 * with the connection as e would make it (title NULL: a new one). Passed,
 * or failed with force: 0 and *test = {"ok", "balance"|"message"} (owned).
 * Failed without force: a 409 connection_test_failed reply (the
 * registrar's answer in the message) and WEB_STOP; nothing is saved. */
int api_conn_probe(struct web_req *r, const char *title,
                   const struct conn_edit *e, bool force, json_t **test);

#endif
