/*
 * api_search - GET /api/v1/search (contract in api_search.h).
 */
#include "web/api_search.h"

#include <stdio.h>
#include <string.h>

#include "core/reseller.h"
#include "core/shop.h"
#include "present/present.h"
#include "web/api.h"
#include "web/api_util.h"

/* for_reseller_customer - the items as a reseller's customer sees them
 * (docs/resellers.md): each TLD with its reseller's prices
 * (reseller_apply_prices), the register terms and whether it can be
 * ordered from those, as shop.c sets them from the TLD's. */
static int for_reseller_customer(struct web_req *r, struct shop_item *v,
                                 size_t n, struct rm_err *e)
{
    for (size_t i = 0; i < n; i++) {
        struct shop_item *it = &v[i];
        bool any = false;
        int rc =
            reseller_apply_prices(api_app(r), r->who->account_id, &it->tld, e);
        if (rc < 0)
            return rc;
        for (int y = 1; y <= TLD_MAX_TERM; y++) {
            it->terms[y] = TLD_NOPRICE;
            if (!it->premium && (it->tld.allowed_terms & (1u << y)) &&
                it->tld.price[TLD_REGISTER][y] >= 0) {
                it->terms[y] = it->tld.price[TLD_REGISTER][y];
                any = true;
            }
        }
        it->price = it->terms[1];
        it->orderable =
            it->availability == SHOP_AVAILABLE && !it->premium && any;
        if (it->availability == SHOP_AVAILABLE && !it->premium && !any)
            snprintf(it->reason, sizeof it->reason,
                     "not available from your provider");
    }
    return 0;
}

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
    /* a reseller's customer is shown its reseller's prices */
    int64_t reseller = 0;
    if (r->who && r->who->role != WEB_ROLE_ADMIN && r->who->account_id)
        rc = reseller_of(api_app(r), r->who->account_id, &reseller, &e);
    if (rc >= 0 && reseller &&
        (rc = for_reseller_customer(r, res.results, res.n, &e)) >= 0)
        rc = for_reseller_customer(r, res.suggestions, res.nsug, &e);
    if (rc < 0) {
        shop_result_release(&res);
        return api_fail(r, rc, &e);
    }
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
