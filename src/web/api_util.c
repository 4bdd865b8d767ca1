/*
 * api_util - what the resource files of the JSON API share (contract in
 * api_util.h).
 */
#include "web/api_util.h"

#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "core/throttle.h"
#include "present/present.h"
#include "util/clock.h"
#include "util/log.h"

struct app *api_app(struct web_req *r)
{
    return r->ctx;
}

int api_fail(struct web_req *r, int rc, const struct rm_err *err)
{
    if (rc == RM_EIO || rc == RM_EPROTO)
        return api_error(r, 502, API_EREGISTRAR, NULL, "%s",
                         err && err->msg[0] ? err->msg
                                            : "the registrar did not answer");
    return api_error_rm(r, rc, err);
}

json_t *api_time(int64_t t)
{
    return t ? json_integer(t) : json_null();
}

json_t *api_text(const char *s)
{
    return json_string(s ? s : "");
}

const char *api_int_text(int64_t v, char *buf, size_t n)
{
    snprintf(buf, n, "%" PRId64, v);
    return buf;
}

int api_opt_body(struct web_req *r, const char *const *allowed, json_t **out)
{
    int rc;
    *out = NULL;
    if (!r->body_len)
        return 0;
    if ((rc = api_body(r, out)) || (rc = api_only_fields(r, *out, allowed))) {
        json_decref(*out);
        *out = NULL;
    }
    return rc;
}

int api_query_enum(struct web_req *r, const char *key,
                   const char *const *allowed, const char *msg,
                   const char **out)
{
    const char *v = web_query(r, key);
    *out = NULL;
    if (!v)
        return 0;
    for (size_t i = 0; allowed[i]; i++)
        if (strcmp(v, allowed[i]) == 0) {
            *out = v;
            return 0;
        }
    return api_error(r, 400, API_EINVALID, key, "%s", msg);
}

bool api_page_skip(const struct api_page *p, int64_t id, int64_t *skip)
{
    return p->has_after ? id >= p->after : (*skip)-- > 0;
}

struct view_page api_view_page(const struct api_page *p)
{
    struct view_page v = {p->has_after, p->after, p->fetch, p->offset};
    return v;
}

int api_reply_items(struct web_req *r, const struct api_page *p, int rc,
                    json_t *items, const struct rm_err *e)
{
    if (rc < 0) {
        json_decref(items);
        return api_fail(r, rc, e);
    }
    return api_reply_page(r, p, items);
}

json_t *api_account_json(const struct account *a)
{
    return present_account(a, PRESENT_API);
}

int api_customer_account(struct web_req *r, struct account *a)
{
    struct rm_err err;
    rm_err_clear(&err);
    int rc = account_get_id(api_app(r), r->who->account_id, a, &err);
    if (rc < 0)
        return api_fail(r, rc, &err);
    return 0;
}

/* ---- budgets of the public endpoints ------------------------------------
 */

struct budget {
    bool on; /* false = no limit */
    struct throttle t;
    const char *scope;
    int64_t window_s;
    const char *what;
};

static struct budget budgets[2] = {
    [API_BUDGET_LOOKUP] = {.scope = API_THROTTLE_LOOKUP,
                           .window_s = 60,
                           .what = "lookups"},
    [API_BUDGET_SIGNUP] = {.scope = API_THROTTLE_SIGNUP,
                           .window_s = 3600,
                           .what = "signups"},
};

void api_budgets_release(void)
{
    for (size_t i = 0; i < sizeof budgets / sizeof budgets[0]; i++) {
        budgets[i].on = false;
        sodium_memzero(budgets[i].t.hkey, sizeof budgets[i].t.hkey);
    }
}

static void budget_set(enum api_budget b, unsigned max,
                       const unsigned char *secret)
{
    /* the throttle counts "failures": here every counted use is one */
    budgets[b].on = max != 0;
    throttle_init(&budgets[b].t, budgets[b].scope, max, budgets[b].window_s,
                  secret);
}

int api_throttle(struct web_req *r, enum api_budget b, bool count)
{
    struct budget *bu = &budgets[b];
    struct rm_err err;
    int64_t wait = 0;
    int rc;

    if (!bu->on)
        return 0;
    int64_t now = clock_now();
    if ((rc = throttle_check(r->st, &bu->t, r->client_ip, now, &wait, &err)) <
        0)
        return api_error_rm(r, rc, &err);
    if (!wait) {
        if (count && (rc = throttle_fail(r->st, &bu->t, r->client_ip, now, NULL,
                                         &err)) < 0)
            return api_error_rm(r, rc, &err);
        return 0;
    }
    char ra[32];
    snprintf(ra, sizeof ra, "%lld", (long long)wait);
    web_reply_header(r, "Retry-After", ra);
    rm_log(LOG_WARN, "api: %s throttled for %s (retry in %llds)", bu->what,
           r->client_ip, (long long)wait);
    return api_error(r, 429, API_ERATE, NULL,
                     "too many %s from this address; try again in %lld "
                     "seconds",
                     bu->what, (long long)wait);
}

void api_throttle_count(struct web_req *r, enum api_budget b)
{
    struct rm_err err;
    if (budgets[b].on && throttle_fail(r->st, &budgets[b].t, r->client_ip,
                                       clock_now(), NULL, &err) < 0)
        rm_log(LOG_ERROR, "api: cannot count one of %s for %s: %s",
               budgets[b].what, r->client_ip, err.msg);
}

void api_budgets_set(const struct api_limits *lim)
{
    struct api_limits def = {API_LOOKUP_PER_MIN_DEFAULT,
                             API_SIGNUPS_PER_HOUR_DEFAULT, NULL};
    if (!lim)
        lim = &def;
    budget_set(API_BUDGET_LOOKUP, lim->lookup_per_min, lim->throttle_secret);
    budget_set(API_BUDGET_SIGNUP, lim->signups_per_hour, lim->throttle_secret);
}
