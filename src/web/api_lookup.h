/*
 * api_lookup - what anyone may ask before an order: lookup, the license
 * agreement of a TLD, sign-up; and who the caller is.
 *
 *   GET  /api/v1/lookup?name=N             public  ops_lookup + prices +
 *                                              license of the TLD
 *   GET  /api/v1/license?domain=N          public  license of the TLD
 *   GET  /api/v1/license/acceptance?domain=N  login  accepted yet?
 *   POST /api/v1/signup                    public  account + login +
 *                                              license acceptance
 *   GET  /api/v1/me                        login   principal (+ account)
 * Request and response bodies: docs/openapi.yaml.
 */
#ifndef RM_WEB_API_LOOKUP_H
#define RM_WEB_API_LOOKUP_H

#include <stddef.h>

#include "web/http.h"

const struct web_route *api_lookup_routes(size_t *n);

#endif
