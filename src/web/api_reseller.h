/*
 * api_reseller - the reseller tier over the API (core/reseller.h,
 * docs/resellers.md).
 *
 * A reseller login (role reseller) acts as a customer of its own account
 * everywhere else; here it manages its customers and its prices:
 *   GET  /api/v1/reseller                        its figures and
 *                                                settings
 *   PUT  /api/v1/reseller/settings               {license_text,
 *                                                nameservers}
 *   GET  /api/v1/reseller/prices                 its price list
 *   PUT  /api/v1/reseller/prices                 {tld, prices, markup_pct}
 *   GET  /api/v1/reseller/customers              its customers
 *   POST /api/v1/reseller/customers              {name, email,
 *                                                credit_limit}
 *   POST /api/v1/reseller/customers/{id}/credit  {amount, ref, memo}
 *   POST /api/v1/reseller/customers/{id}/logins  {username, password}
 *   GET  /api/v1/reseller/customers/{id}/domains their domains
 *   GET  /api/v1/reseller/customers/{id}/contacts/{type}
 *   PUT  /api/v1/reseller/customers/{id}/contacts/{type}
 *                                                their contacts (the
 *                                                bodies of api_accounts.h)
 *   GET  /api/v1/reseller/operations             its customers' orders
 *                                                (?state=, ?kind=)
 * Another reseller's customer (or any other account) is 404; a login that
 * is no reseller's gets 403.
 * The admin's:
 *   GET  /api/v1/resellers, POST /api/v1/resellers {name, email,
 *        credit_limit}
 *   GET  /api/v1/wholesale, PUT /api/v1/wholesale {tld, prices}
 * prices: {"register": {"1": 1500, "2": null}, ...} (minor units; null
 * removes one); markup_pct: a number with up to 2 decimals, or null.
 */
#ifndef RM_WEB_API_RESELLER_H
#define RM_WEB_API_RESELLER_H

#include <stddef.h>

#include "web/http.h"

const struct web_route *api_reseller_routes(size_t *n);

#endif
