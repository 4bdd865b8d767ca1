/*
 * api_tld - TLDs and their prices.
 *
 *   GET    /api/v1/tlds                        login  (customers: prices)
 *   GET    /api/v1/tlds/{tld}                  login
 *   PUT    /api/v1/tlds/{tld}                  admin  tld_set
 *   DELETE /api/v1/tlds/{tld}                  admin  tld_remove
 * Request and response bodies: docs/openapi.yaml.
 */
#ifndef RM_WEB_API_TLD_H
#define RM_WEB_API_TLD_H

#include <stddef.h>

#include "web/http.h"

const struct web_route *api_tld_routes(size_t *n);

#endif
