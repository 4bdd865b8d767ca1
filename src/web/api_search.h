/*
 * api_search - "search like a shop" (core/shop.h):
 *
 *   GET /api/v1/search?q=TEXT[&max=N]   public  the name in every TLD sold
 *                                           with availability and price,
 *                                           and suggestions
 *
 * Throttled with the lookups (API_BUDGET_LOOKUP): the request counts one
 * when it comes, and every further registrar call it made counts one more
 * after it, so a search costs what its calls cost. Request and response
 * bodies: docs/openapi.yaml.
 */
#ifndef RM_WEB_API_SEARCH_H
#define RM_WEB_API_SEARCH_H

#include <stddef.h>

#include "web/http.h"

const struct web_route *api_search_routes(size_t *n);

#endif
