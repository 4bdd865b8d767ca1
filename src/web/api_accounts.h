/*
 * api_accounts - accounts, their ledger and contact profiles.
 *
 *   GET    /api/v1/accounts                    login  (customers: own)
 *   POST   /api/v1/accounts                    admin  account_add
 *   GET    /api/v1/accounts/{id}               login  scoped
 *   POST   /api/v1/accounts/{id}/credit        admin  ledger_credit
 *   POST   /api/v1/accounts/{id}/adjust        admin  ledger_adjust
 *   PUT    /api/v1/accounts/{id}/limit         admin  account_set_limit
 *   GET    /api/v1/accounts/{id}/history       login  scoped
 *   GET    /api/v1/accounts/{id}/contacts/{type}  login scoped
 *   PUT    /api/v1/accounts/{id}/contacts/{type}  login scoped contact_set
 * Request and response bodies: docs/openapi.yaml.
 */
#ifndef RM_WEB_API_ACCOUNTS_H
#define RM_WEB_API_ACCOUNTS_H

#include <stddef.h>
#include <stdint.h>

#include "web/http.h"

const struct web_route *api_accounts_routes(size_t *n);

/* api_contact_get, api_contact_put - GET and PUT of a contact
 * ({type} from the path: owner, admin, billing, tech) of an account the
 * caller has already scoped; the answers of .../contacts/{type} above
 * (also the reseller's, api_reseller.h). */
int api_contact_get(struct web_req *r, int64_t account_id);
int api_contact_put(struct web_req *r, int64_t account_id);

#endif
