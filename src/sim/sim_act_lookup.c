/*
 * sim_act_lookup - availability and price queries: LOOKUP, NAME_SUGGEST,
 * GET_PRICE, BELONGS_TO_RSP (see sim_actions.h).
 */
#include "sim/sim_actions.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "sim/sim_actions_int.h"

struct xcp_value *act_lookup(struct ctx *c)
{
    char name[MAX_NAME];
    struct xcp_value *err;
    if (!act_want_domain(c, name, &err))
        return err;
    json_t *d = sim_domain(c->sim, name);
    struct xcp_value *a = xcp_assoc_new();
    if (!d) {
        xcp_assoc_set_str(a, "status", "available");
        return act_reply(c, true, 210, a, "Domain available");
    }
    xcp_assoc_set_str(a, "status", "taken");
    json_t *w = json_object_get(d, "waiting_order");
    json_t *o = w ? sim_order(c->sim, json_integer_value(w)) : NULL;
    if (o && strcmp(sim_jstr(o, "reg_type", ""), "new") == 0)
        return act_reply(c, true, 221, a,
                         "Domain taken (waiting registration in progress)");
    return act_reply(c, true, 211, a, "Domain taken");
}

static const char *lookup_status(struct sim *sim, const char *name)
{
    return sim_domain(sim, name) ? "taken" : "available";
}

static struct xcp_value *suggest_block(struct xcp_value *items)
{
    struct xcp_value *b = xcp_assoc_new();
    xcp_assoc_set_int(b, "is_success", 1);
    xcp_assoc_set_int(b, "response_code", 200);
    xcp_assoc_set_str(b, "response_text", "Command completed successfully.");
    xcp_assoc_set_int(b, "count", (int64_t)xcp_len(items));
    xcp_assoc_set(b, "items", items);
    return b;
}

static void suggest_item(struct ctx *c, struct xcp_value *items,
                         const char *label, const char *tld)
{
    char name[MAX_NAME];
    int n = snprintf(name, sizeof(name), "%s.%s", label, tld);
    if (n < 0 || (size_t)n >= sizeof(name) || !sim_domain_syntax_ok(name))
        return;
    struct xcp_value *it = xcp_assoc_new();
    xcp_assoc_set_str(it, "domain", name);
    xcp_assoc_set_str(it, "status", lookup_status(c->sim, name));
    xcp_array_push(items, it);
}

struct xcp_value *act_name_suggest(struct ctx *c)
{
    const char *s = act_astr(c, "searchstring");
    char base[64];
    if (!s || !*s)
        return act_fail_field(c, 460, "Missing required field: searchstring",
                              "searchstring is required");
    /* the search string becomes a label: keep letters, digits, hyphens */
    size_t k = 0;
    for (const char *p = s; *p && k < sizeof(base) - 1; p++) {
        unsigned char ch = (unsigned char)*p;
        if (isalnum(ch) || ch == '-')
            base[k++] = (char)tolower(ch);
        else if (ch == '.')
            break;
    }
    base[k] = '\0';
    if (!k || base[0] == '-' || base[k - 1] == '-')
        return act_fail(c, 465, "Invalid searchstring");
    const char *tlds[16];
    size_t ntld = 0;
    const struct xcp_value *tl = act_attr(c, "tlds");
    if (tl && xcp_type(tl) == XCP_ARRAY) {
        for (size_t i = 0; i < xcp_len(tl) && ntld < 16; i++) {
            const char *t = xcp_str(xcp_array_get(tl, i));
            if (!t)
                continue;
            while (*t == '.')
                t++;
            char low[32];
            if (!sim_norm_domain(t, low, sizeof(low)))
                continue;
            const char *known = NULL;
            const char *key;
            json_t *v;
            json_object_foreach(json_object_get(c->sim->state, "prices"), key,
                                v)
            {
                if (strcmp(key, low) == 0)
                    known = key;
            }
            if (known)
                tlds[ntld++] = known;
        }
    }
    if (ntld == 0) {
        tlds[0] = "com";
        tlds[1] = "net";
        tlds[2] = "org";
        ntld = 3;
    }
    bool want_lookup = true, want_suggest = true;
    const struct xcp_value *sv = act_attr(c, "services");
    if (sv && xcp_type(sv) == XCP_ARRAY && xcp_len(sv)) {
        want_lookup = want_suggest = false;
        for (size_t i = 0; i < xcp_len(sv); i++) {
            const char *t = xcp_str(xcp_array_get(sv, i));
            if (t && strcasecmp(t, "lookup") == 0)
                want_lookup = true;
            if (t && strcasecmp(t, "suggestion") == 0)
                want_suggest = true;
        }
    }
    int64_t maximum = act_aint(c, "maximum", 20, NULL);
    if (maximum < 1 || maximum > 100)
        maximum = 20;
    struct xcp_value *a = xcp_assoc_new();
    if (want_lookup) {
        struct xcp_value *items = xcp_array_new();
        for (size_t i = 0; i < ntld; i++)
            suggest_item(c, items, base, tlds[i]);
        xcp_assoc_set(a, "lookup", suggest_block(items));
    }
    if (want_suggest) {
        static const char *const forms[] = {"%sonline", "get%s", "my%s",
                                            "%shq",     "the%s", "%sapp"};
        struct xcp_value *items = xcp_array_new();
        for (size_t f = 0; f < sizeof(forms) / sizeof(forms[0]); f++) {
            for (size_t i = 0; i < ntld; i++) {
                if ((int64_t)xcp_len(items) >= maximum)
                    break;
                char label[80];
                snprintf(label, sizeof(label), forms[f], base);
                suggest_item(c, items, label, tlds[i]);
            }
        }
        xcp_assoc_set(a, "suggestion", suggest_block(items));
    }
    xcp_assoc_set_int(a, "is_search_completed", 1);
    struct xcp_value *r =
        act_reply(c, true, 200, a, "Command completed successfully");
    xcp_assoc_set_str(r, "request_response_time", "0.001");
    return r;
}

struct xcp_value *act_get_price(struct ctx *c)
{
    char name[MAX_NAME];
    struct xcp_value *err;
    if (!act_want_domain(c, name, &err))
        return err;
    bool bad = false;
    int64_t period = act_aint(c, "period", 1, &bad);
    const char *rt = act_astr(c, "reg_type");
    if (!rt || !*rt)
        rt = "new";
    if (bad || period < 1 || period > 10)
        return act_fail_field(c, 465, "Invalid period", "period must be 1-10");
    const char *tld = sim_tld(c->sim, name);
    int64_t p = sim_price(c->sim, tld, rt, period);
    if (p < 0)
        return act_fail_field(c, 465, "Invalid reg_type",
                              "reg_type must be new, renewal or transfer");
    struct xcp_value *a = xcp_assoc_new();
    act_add_money(a, "price", p);
    xcp_assoc_set_int(a, "is_registry_premium", 0);
    if (act_aflag(c, "all_periods")) {
        struct xcp_value *ps = xcp_assoc_new();
        for (int64_t y = 1; y <= 10; y++) {
            char key[8];
            snprintf(key, sizeof(key), "%" PRId64, y);
            act_add_money(ps, key, sim_price(c->sim, tld, rt, y));
        }
        xcp_assoc_set(a, "prices", ps);
    }
    return act_reply(c, true, 200, a, "Command completed successfully");
}

struct xcp_value *act_belongs_to_rsp(struct ctx *c)
{
    char name[MAX_NAME];
    struct xcp_value *err;
    if (!act_want_domain(c, name, &err))
        return err;
    json_t *d = sim_domain(c->sim, name);
    struct xcp_value *a = xcp_assoc_new();
    if (act_registered_ours(c->sim, d, c->user) &&
        sim_jint(d, "expiry", 0) >= c->now) {
        xcp_assoc_set_int(a, "belongs_to_rsp", 1);
        act_add_time(a, "domain_expdate", sim_jint(d, "expiry", 0));
        return act_reply(c, true, 200, a, "Query Successful");
    }
    xcp_assoc_set_int(a, "belongs_to_rsp", 0);
    return act_reply(c, true, 200, a, "Unknown Domain");
}
