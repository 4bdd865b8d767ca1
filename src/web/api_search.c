/*
 * api_search - GET /api/v1/search (contract in api_search.h).
 */
#include "web/api_search.h"

#include <string.h>

#include "core/shop.h"
#include "present/present.h"
#include "web/api.h"
#include "web/api_util.h"

static int get_search(struct web_req *r)
{
    /* every registrar call counts, as every lookup does: one now */
    int rc = api_throttle(r, API_BUDGET_LOOKUP, true);
    if (rc)
        return rc;
    const char *q = web_query(r, "q"), *ms = web_query(r, "max");
    int64_t max = 0;
    if (!q)
        return api_error(r, 400, API_EMISSING, "q", "q is required");
    if (strlen(q) > NAME_MAX_INPUT)
        return api_error(r, 400, API_ERANGE, "q", "q: too long");
    if (ms && !api_parse_int64(ms, 1, SHOP_MAX_LIMIT, &max))
        return api_error(r, 400, API_ERANGE, "max", "max: 1..%d",
                         SHOP_MAX_LIMIT);
    struct shop_result res;
    struct rm_err e;
    ERR_INIT(e);
    rc = shop_search(api_app(r), q, NULL, (int)max, &res, &e);
    if (rc == RM_EINVAL)
        return api_error(r, 400, API_EINVALID, "q", "%s", e.msg);
    if (rc < 0)
        return api_fail(r, rc, &e);
    /* ... and one for each further call */
    for (int i = 1; i < res.calls; i++)
        api_throttle_count(r, API_BUDGET_LOOKUP);
    json_t *j = present_search(&res, api_app(r)->set.currency, PRESENT_API);
    shop_result_release(&res);
    return web_reply_json(r, 200, j);
}

static const struct web_route routes[] = {
    {"GET", "/api/v1/search", get_search, WEB_PUBLIC},
};

const struct web_route *api_search_routes(size_t *n)
{
    *n = sizeof routes / sizeof routes[0];
    return routes;
}
