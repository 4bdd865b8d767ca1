/*
 * api_tld - TLD and price endpoints (contract in api_tld.h).
 */
#include "web/api_tld.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/conn.h"
#include "core/money.h"
#include "core/reseller.h"
#include "core/tld.h"
#include "present/present.h"
#include "web/api.h"
#include "web/api_util.h"
#include "web/auth.h"

/* ---- TLDs -----------------------------------------------------------------
 */

static int list_tlds(struct web_req *r)
{
    struct api_page p;
    int rc = api_page_parse(r, &p);
    if (rc)
        return rc;
    struct tld *v = NULL;
    size_t n = 0;
    struct rm_err e;
    ERR_INIT(e);
    if ((rc = tld_list(api_app(r), &v, &n, &e)) < 0)
        return api_fail(r, rc, &e);
    /* a reseller's customer is shown its reseller's prices */
    for (size_t i = 0; r->who && !auth_is_admin(r) && i < n; i++)
        if ((rc = reseller_apply_prices(api_app(r), r->who->account_id, &v[i],
                                        &e)) < 0) {
            free(v);
            return api_fail(r, rc, &e);
        }
    json_t *items = json_array();
    for (size_t i = (size_t)p.offset;
         i < n && (int64_t)json_array_size(items) < p.fetch; i++)
        json_array_append_new(
            items, present_tld(&v[i], auth_is_admin(r), PRESENT_API));
    free(v);
    return api_reply_page(r, &p, items);
}

static int path_tld(struct web_req *r, char *name, size_t n)
{
    struct rm_err e;
    ERR_INIT(e);
    const char *t = web_param(r, "tld");
    if (!t || tld_normalize(t, name, n, &e) < 0)
        return api_error(r, 404, API_ENOTFOUND, NULL, "no such TLD");
    return 0;
}

static int get_tld(struct web_req *r)
{
    char name[NAME_MAX_ASCII + 1];
    struct tld t;
    int rc = path_tld(r, name, sizeof name);
    if (rc)
        return rc;
    struct rm_err e;
    ERR_INIT(e);
    if ((rc = tld_get(api_app(r), name, &t, &e)) < 0)
        return api_fail(r, rc, &e);
    if (r->who && !auth_is_admin(r) &&
        (rc = reseller_apply_prices(api_app(r), r->who->account_id, &t, &e)) <
            0)
        return api_fail(r, rc, &e);
    return web_reply_json(r, 200,
                          present_tld(&t, auth_is_admin(r), PRESENT_API));
}

/* window_override - "key": seconds → "N"; null → "inherit"; absent → NULL. */
static int window_override(struct web_req *r, json_t *b, const char *key,
                           char *buf, size_t n, const char **out)
{
    json_t *v = json_object_get(b, key);
    if (!v)
        return 0;
    if (json_is_null(v)) {
        *out = "inherit";
        return 0;
    }
    int64_t s;
    int rc = api_get_int(r, b, key, true, 0, 10LL * 365 * 86400, &s, NULL);
    if (rc)
        return rc;
    *out = api_int_text(s, buf, n);
    return 0;
}

/* The text buffers behind a struct tld_set_req made from JSON. */
struct tld_bufs {
    char conn[CONN_TITLE_MAX + 1], terms[64];
    char win[4][24];
    char days[3][24], fee[2][MONEY_STR_MAX];
    char price[TLD_NOPS * TLD_MAX_TERM][64];
    const char *prices[TLD_NOPS * TLD_MAX_TERM],
        *unprices[TLD_NOPS * TLD_MAX_TERM];
};

/* tld_conn_field - "connection_id": the title of that connection. */
static int tld_conn_field(struct web_req *r, json_t *b, struct tld_set_req *q,
                          struct tld_bufs *w)
{
    int64_t cid;
    bool has = false;
    int rc =
        api_get_int(r, b, "connection_id", false, 1, INT64_MAX, &cid, &has);
    if (rc || !has)
        return rc;
    struct conn c;
    struct rm_err e;
    ERR_INIT(e);
    if (conn_get_id(api_app(r), cid, &c, &e) < 0)
        return api_error(r, 400, API_EINVALID, "connection_id",
                         "connection_id: no such connection");
    snprintf(w->conn, sizeof w->conn, "%s", c.title);
    conn_release(&c);
    q->connection = w->conn;
    return 0;
}

/* tld_terms_field - "terms": [1, 2] as "1,2". */
static int tld_terms_field(struct web_req *r, json_t *b, struct tld_set_req *q,
                           struct tld_bufs *w)
{
    json_t *tv = json_object_get(b, "terms"), *v;
    size_t i, len = 0;
    if (!tv || json_is_null(tv))
        return 0;
    if (!json_is_array(tv) || json_array_size(tv) == 0 ||
        json_array_size(tv) > TLD_MAX_TERM)
        return api_error(r, 400, API_EWRONG_TYPE, "terms",
                         "terms: expected an array of 1..%d years",
                         TLD_MAX_TERM);
    json_array_foreach(tv, i, v)
    {
        if (!json_is_integer(v) || json_integer_value(v) < 1 ||
            json_integer_value(v) > TLD_MAX_TERM)
            return api_error(r, 400, API_ERANGE, "terms",
                             "terms: each term is an integer 1..%d",
                             TLD_MAX_TERM);
        len += (size_t)snprintf(w->terms + len, sizeof w->terms - len, "%s%d",
                                i ? "," : "", (int)json_integer_value(v));
    }
    q->terms = w->terms;
    return 0;
}

/* tld_op_prices - "prices".op: {"1": 1250, "2": null} as "op:1=12.50"
 * (set) and "op:2" (removed). */
static int tld_op_prices(struct web_req *r, const char *op, json_t *per,
                         struct tld_set_req *q, struct tld_bufs *w)
{
    const char *term;
    json_t *amt;
    if (!json_is_object(per))
        return api_error(r, 400, API_EWRONG_TYPE, "prices",
                         "prices.%s: expected an object of term: "
                         "amount",
                         op);
    json_object_foreach(per, term, amt)
    {
        int64_t y;
        if (!api_parse_int64(term, 1, TLD_MAX_TERM, &y))
            return api_error(r, 400, API_ERANGE, "prices",
                             "prices.%s: a term is \"1\"..\"%d\"", op,
                             TLD_MAX_TERM);
        if (strcmp(op, tld_op_name(TLD_PRIVACY)) == 0 && y != 1)
            return api_error(r, 400, API_ERANGE, "prices",
                             "prices.privacy: WHOIS privacy has a yearly "
                             "price only (term \"1\")");
        size_t k = q->nprices + q->nunprices;
        if (json_is_null(amt)) {
            snprintf(w->price[k], sizeof w->price[k], "%s:%d", op, (int)y);
            w->unprices[q->nunprices++] = w->price[k];
            continue;
        }
        if (!json_is_integer(amt) || json_integer_value(amt) < 0)
            return api_error(r, 400, API_EWRONG_TYPE, "prices",
                             "prices.%s.%s: expected an integer of minor "
                             "units >= 0 or null",
                             op, term);
        char m[MONEY_STR_MAX];
        snprintf(w->price[k], sizeof w->price[k], "%s:%d=%s", op, (int)y,
                 money_format(json_integer_value(amt), m));
        w->prices[q->nprices++] = w->price[k];
    }
    return 0;
}

/* tld_prices_field - "prices": {"register": {...}, ...}. */
static int tld_prices_field(struct web_req *r, json_t *b, struct tld_set_req *q,
                            struct tld_bufs *w)
{
    json_t *pv = json_object_get(b, "prices"), *per;
    const char *op;
    int rc;
    if (!pv || json_is_null(pv))
        return 0;
    if (!json_is_object(pv))
        return api_error(r, 400, API_EWRONG_TYPE, "prices",
                         "prices: expected {\"register\": {\"1\": 1250}, "
                         "...}");
    json_object_foreach(pv, op, per)
    {
        int o;
        for (o = 0; o < TLD_NOPS; o++)
            if (strcmp(op, tld_op_name((enum tld_op)o)) == 0)
                break;
        if (o == TLD_NOPS)
            return api_error(r, 400, API_EUNKNOWN, "prices",
                             "prices: unknown operation '%s' (register, "
                             "renew, transfer, privacy)",
                             op);
        if ((rc = tld_op_prices(r, op, per, q, w)))
            return rc;
    }
    return 0;
}

/* tld_windows - the four check-window overrides. */
static int tld_windows(struct web_req *r, json_t *b, struct tld_set_req *q,
                       struct tld_bufs *w)
{
    int rc;
    if ((rc = window_override(r, b, "first_check_s", w->win[0],
                              sizeof w->win[0], &q->first_check)) ||
        (rc = window_override(r, b, "poll_interval_s", w->win[1],
                              sizeof w->win[1], &q->poll_interval)) ||
        (rc = window_override(r, b, "deadline_s", w->win[2], sizeof w->win[2],
                              &q->deadline_reg)) ||
        (rc = window_override(r, b, "transfer_deadline_s", w->win[3],
                              sizeof w->win[3], &q->deadline_xfer)))
        return rc;
    return 0;
}

/* expiry_days - "expiry".key: days → "N"; null → "inherit"; absent →
 * NULL. */
static int expiry_days(struct web_req *r, json_t *x, const char *key, char *buf,
                       size_t n, const char **out)
{
    json_t *v = json_object_get(x, key);
    if (!v)
        return 0;
    if (json_is_null(v)) {
        *out = "inherit";
        return 0;
    }
    if (!json_is_integer(v) || json_integer_value(v) < 0 ||
        json_integer_value(v) > TLD_MAX_EXPIRY_DAYS)
        return api_error(r, 400, API_ERANGE, "expiry",
                         "expiry.%s: expected an integer of days 0..%d or "
                         "null (the default for the TLD)",
                         key, TLD_MAX_EXPIRY_DAYS);
    *out = api_int_text(json_integer_value(v), buf, n);
    return 0;
}

/* expiry_fee - "expiry".key: minor units → an amount; null → "none";
 * absent → NULL. */
static int expiry_fee(struct web_req *r, json_t *x, const char *key, char *buf,
                      const char **out)
{
    json_t *v = json_object_get(x, key);
    if (!v)
        return 0;
    if (json_is_null(v)) {
        *out = "none";
        return 0;
    }
    if (!json_is_integer(v) || json_integer_value(v) < 0)
        return api_error(r, 400, API_EWRONG_TYPE, "expiry",
                         "expiry.%s: expected an integer of minor units >= "
                         "0 or null (none)",
                         key);
    *out = money_format(json_integer_value(v), buf);
    return 0;
}

/* tld_expiry_field - "expiry": {"grace_days": 30, ..., "restore_fee":
 * 8000}; each member optional. */
static int tld_expiry_field(struct web_req *r, json_t *b, struct tld_set_req *q,
                            struct tld_bufs *w)
{
    static const char *const keys[] = {"grace_days",          "redemption_days",
                                       "pending_delete_days", "grace_fee",
                                       "restore_fee",         NULL};
    json_t *x = json_object_get(b, "expiry");
    const char *k;
    json_t *v;
    int rc;
    if (!x || json_is_null(x))
        return 0;
    if (!json_is_object(x))
        return api_error(r, 400, API_EWRONG_TYPE, "expiry",
                         "expiry: expected {\"grace_days\": 30, ...}");
    json_object_foreach(x, k, v)
    {
        size_t i;
        for (i = 0; keys[i] && strcmp(keys[i], k); i++)
            ;
        if (!keys[i])
            return api_error(r, 400, API_EUNKNOWN, "expiry",
                             "expiry: unknown field '%.40s' (grace_days, "
                             "redemption_days, pending_delete_days, "
                             "grace_fee, restore_fee)",
                             k);
    }
    if ((rc = expiry_days(r, x, "grace_days", w->days[0], sizeof w->days[0],
                          &q->grace_days)) ||
        (rc = expiry_days(r, x, "redemption_days", w->days[1],
                          sizeof w->days[1], &q->redemption_days)) ||
        (rc = expiry_days(r, x, "pending_delete_days", w->days[2],
                          sizeof w->days[2], &q->pending_delete_days)) ||
        (rc = expiry_fee(r, x, "grace_fee", w->fee[0], &q->grace_fee)) ||
        (rc = expiry_fee(r, x, "restore_fee", w->fee[1], &q->restore_fee)))
        return rc;
    return 0;
}

static int put_tld(struct web_req *r)
{
    static const char *const fields[] = {
        "connection_id",       "terms",           "prices",
        "first_check_s",       "poll_interval_s", "deadline_s",
        "transfer_deadline_s", "expiry",          NULL};
    char name[NAME_MAX_ASCII + 1];
    struct tld_bufs w;
    struct tld_set_req q = {0};
    json_t *b;
    struct rm_err e;
    int rc = path_tld(r, name, sizeof name);
    if (rc)
        return rc;
    if ((rc = api_body(r, &b)))
        return rc;
    ERR_INIT(e);
    q.tld = name;
    q.prices = w.prices;
    q.unprices = w.unprices;
    if ((rc = api_only_fields(r, b, fields)) ||
        (rc = tld_conn_field(r, b, &q, &w)) ||
        (rc = tld_terms_field(r, b, &q, &w)) ||
        (rc = tld_prices_field(r, b, &q, &w)) ||
        (rc = tld_windows(r, b, &q, &w)) ||
        (rc = tld_expiry_field(r, b, &q, &w)))
        goto out;
    struct tld t;
    if ((rc = tld_set_get(api_app(r), &q, &t, &e)) < 0) {
        rc = api_fail(r, rc, &e);
        goto out;
    }
    rc = web_reply_json(r, 200, present_tld(&t, true, PRESENT_API));
out:
    json_decref(b);
    return rc;
}

static int delete_tld(struct web_req *r)
{
    char name[NAME_MAX_ASCII + 1];
    int rc = path_tld(r, name, sizeof name);
    if (rc)
        return rc;
    struct rm_err e;
    ERR_INIT(e);
    if ((rc = tld_remove(api_app(r), name, &e)) < 0)
        return api_fail(r, rc, &e);
    return web_reply_json(r, 200, json_pack("{s:s}", "removed", name));
}

static const struct web_route routes[] = {
    {"GET", "/api/v1/tlds", list_tlds, WEB_LOGIN},
    {"GET", "/api/v1/tlds/{tld}", get_tld, WEB_LOGIN},
    {"PUT", "/api/v1/tlds/{tld}", put_tld, WEB_ADMIN},
    {"DELETE", "/api/v1/tlds/{tld}", delete_tld, WEB_ADMIN},
};

const struct web_route *api_tld_routes(size_t *n)
{
    *n = sizeof routes / sizeof routes[0];
    return routes;
}
