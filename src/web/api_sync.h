/*
 * api_sync - what the portfolio sync found at the registrar that regman
 * does not know, and adopting it by name.
 *
 *   GET  /api/v1/unknown-domains              admin  lifecycle_unknown_list
 *        ?connection_id=N                            (page envelope)
 *   POST /api/v1/connections/{id}/import      admin  lifecycle_import
 *        {"account_id": N, "names": ["a.com"]}       with only = names
 *
 * The import adopts exactly the names given (1..LIFECYCLE_IMPORT_ONLY_MAX)
 * into the customer account, without a charge, as `regman import
 * CONNECTION --account A --only NAME,...` does; a name that is not a
 * domain name or not in the registrar's list is 400 invalid (field
 * "names", the message names it) and nothing is adopted. Request and
 * response bodies: docs/openapi.yaml.
 */
#ifndef RM_WEB_API_SYNC_H
#define RM_WEB_API_SYNC_H

#include <stddef.h>

#include "web/http.h"

const struct web_route *api_sync_routes(size_t *n);

#endif
