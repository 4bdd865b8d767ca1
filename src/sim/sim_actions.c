/*
 * sim_actions - XCP action handlers (see sim_actions.h).
 */
#include "sim/sim_actions.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/xalloc.h"

#define MAX_NAME 254

/* One request being answered. */
struct ctx {
    struct sim *sim;
    const char *user;
    const struct xcp_request *req;
    const struct sim_mode *mode;
    const char *object;
    int64_t now;
};

/* --- replies ------------------------------------------------------------ */

struct xcp_value *sim_error_reply(const char *object, int code,
                                  const char *text)
{
    return xcp_response_new(object && *object ? object : "DOMAIN", false, code,
                            text, NULL);
}

static struct xcp_value *reply(struct ctx *c, bool ok, int code,
                               struct xcp_value *attrs, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static struct xcp_value *reply(struct ctx *c, bool ok, int code,
                               struct xcp_value *attrs, const char *fmt, ...)
{
    char text[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof(text), fmt, ap);
    va_end(ap);
    return xcp_response_new(c->object, ok, code, text, attrs);
}

static struct xcp_value *fail(struct ctx *c, int code, const char *text)
{
    return reply(c, false, code, NULL, "%s", text);
}

/* fail_field - 460/465 with attributes.error naming the problem, the way
 * the real server reports contact and field errors. */
static struct xcp_value *fail_field(struct ctx *c, int code, const char *text,
                                    const char *error)
{
    struct xcp_value *a = xcp_assoc_new();
    xcp_assoc_set_str(a, "error", error);
    return reply(c, false, code, a, "%s", text);
}

/* --- request attributes --------------------------------------------------- */

static const struct xcp_value *attr(struct ctx *c, const char *key)
{
    return c->req->attrs ? xcp_assoc_get(c->req->attrs, key) : NULL;
}

static const char *astr(struct ctx *c, const char *key)
{
    const struct xcp_value *v = attr(c, key);
    return v ? xcp_str(v) : NULL;
}

/* aint - integer attribute; def when absent or empty; -1 marks garbage
 * through *bad. */
static int64_t aint(struct ctx *c, const char *key, int64_t def, bool *bad)
{
    const char *s = astr(c, key);
    if (!s || !*s)
        return def;
    char *end;
    long long v = strtoll(s, &end, 10);
    while (*end == ' ')
        end++;
    if (*end || end == s) {
        if (bad)
            *bad = true;
        return def;
    }
    return v;
}

static bool aflag(struct ctx *c, const char *key)
{
    const char *s = astr(c, key);
    return s && (strcmp(s, "1") == 0 || strcasecmp(s, "Y") == 0 ||
                 strcasecmp(s, "true") == 0);
}

bool sim_norm_domain(const char *s, char *out, size_t n)
{
    while (*s && isspace((unsigned char)*s))
        s++;
    size_t len = strlen(s);
    while (len && isspace((unsigned char)s[len - 1]))
        len--;
    if (len == 0 || len >= n)
        return false;
    for (size_t i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (isspace(ch))
            return false;
        out[i] = (char)tolower(ch);
    }
    out[len] = '\0';
    return true;
}

bool sim_domain_syntax_ok(const char *name)
{
    size_t len = strlen(name);
    if (len < 3 || len > 253)
        return false;
    int labels = 0;
    const char *p = name;
    while (*p) {
        const char *dot = strchr(p, '.');
        size_t l = dot ? (size_t)(dot - p) : strlen(p);
        if (l == 0 || l > 63 || p[0] == '-' || p[l - 1] == '-')
            return false;
        for (size_t i = 0; i < l; i++) {
            unsigned char ch = (unsigned char)p[i];
            if (!(islower(ch) || isdigit(ch) || ch == '-'))
                return false;
        }
        labels++;
        if (!dot)
            break;
        p = dot + 1;
        if (!*p)
            return false; /* trailing dot */
    }
    return labels >= 2;
}

/* want_domain - the request's domain, normalised and checked; on failure
 * *err_reply holds the answer (465 as the real server gives). */
static bool want_domain(struct ctx *c, char out[MAX_NAME],
                        struct xcp_value **err_reply)
{
    const char *d = astr(c, "domain");
    if (!d || !*d) {
        *err_reply = fail_field(c, 460, "Missing required field: domain",
                                "domain is required");
        return false;
    }
    if (!sim_norm_domain(d, out, MAX_NAME) || !sim_domain_syntax_ok(out)) {
        *err_reply = fail(c, 465, "Invalid domain syntax");
        return false;
    }
    if (!sim_tld(c->sim, out)) {
        *err_reply = fail(c, 465, "Invalid domain syntax: TLD not supported");
        return false;
    }
    return true;
}

static void add_time(struct xcp_value *a, const char *key, int64_t t)
{
    char buf[20];
    sim_fmt_time(t, buf);
    xcp_assoc_set_str(a, key, buf);
}

static void add_money(struct xcp_value *a, const char *key, int64_t cents)
{
    char buf[32];
    sim_fmt_money(cents, buf);
    xcp_assoc_set_str(a, key, buf);
}

static bool owned_by(const json_t *d, const char *user)
{
    return d && strcmp(sim_jstr(d, "owner", ""), user) == 0;
}

/* registered_ours - the reseller's and complete (not an async placeholder
 * for a new registration). */
static bool registered_ours(struct sim *sim, const json_t *d, const char *user)
{
    if (!owned_by(d, user))
        return false;
    json_t *w = json_object_get(d, "waiting_order");
    if (!w)
        return true;
    const json_t *o = sim_order_peek(sim, json_integer_value(w));
    return !(o && strcmp(sim_jstr(o, "reg_type", ""), "new") == 0);
}

static const char *admin_email(const json_t *contact_set)
{
    const json_t *admin = json_object_get(contact_set, "admin");
    const char *e = sim_jstr(admin, "email", "");
    if (!*e)
        e = sim_jstr(json_object_get(contact_set, "owner"), "email", "");
    return e;
}

/* --- nameservers at the "registry" --------------------------------------- */

/*
 * A host is at the registry when its name is a valid host name whose TLD
 * is one the sim sells (any TLD in the price list). Everything else — e.g.
 * ns1.example.invalid — is "not found at the registry" (435), which is how
 * tests provoke the 435 + forced_pending answer.
 */
static bool ns_at_registry(struct sim *sim, const char *host)
{
    char n[MAX_NAME];
    if (!sim_norm_domain(host, n, sizeof(n)) || !sim_domain_syntax_ok(n))
        return false;
    return sim_tld(sim, n) != NULL;
}

/* collect_ns - names of a nameserver_list ([{name, sortorder}] or plain
 * names) into a JSON array; NULL + *bad on a malformed entry. */
static json_t *collect_ns(const struct xcp_value *list, char *bad, size_t badn)
{
    json_t *out = json_array();
    if (!list)
        return out;
    if (xcp_type(list) != XCP_ARRAY) {
        snprintf(bad, badn, "nameserver list must be an array");
        json_decref(out);
        return NULL;
    }
    for (size_t i = 0; i < xcp_len(list) && i < 13; i++) {
        const struct xcp_value *e = xcp_array_get(list, i);
        const char *name = NULL;
        if (xcp_type(e) == XCP_SCALAR)
            name = xcp_str(e);
        else if (xcp_type(e) == XCP_ASSOC)
            name = xcp_path_str(e, "name");
        char n[MAX_NAME];
        if (!name || !sim_norm_domain(name, n, sizeof(n))) {
            snprintf(bad, badn, "nameserver %zu has no valid name", i + 1);
            json_decref(out);
            return NULL;
        }
        json_array_append_new(out, json_string(n));
    }
    return out;
}

static const char *first_unknown_ns(struct sim *sim, const json_t *ns)
{
    size_t i;
    json_t *v;
    json_array_foreach(ns, i, v)
    {
        if (!ns_at_registry(sim, json_string_value(v)))
            return json_string_value(v);
    }
    return NULL;
}

/* unknown_ns_reply - the 435 for the first name server of ns the registry
 * does not know (ns is then released), or NULL when it knows them all. */
static struct xcp_value *unknown_ns_reply(struct ctx *c, json_t *ns)
{
    const char *unknown = first_unknown_ns(c->sim, ns);
    if (!unknown)
        return NULL;
    struct xcp_value *r =
        reply(c, false, 435, NULL,
              "Name server '%s' is not found at the registry", unknown);
    json_decref(ns);
    return r;
}

/* array_has - is a value equal to v in the JSON array arr? */
static bool array_has(const json_t *arr, const json_t *v)
{
    size_t i;
    json_t *r;
    json_array_foreach(arr, i, r)
    {
        if (json_equal(v, r))
            return true;
    }
    return false;
}

/* --- contacts ------------------------------------------------------------- */

static bool phone_ok(const char *p)
{
    /* +CC.NUMBER[xEXT], the EPP style OpenSRS requires */
    if (*p++ != '+')
        return false;
    int cc = 0;
    while (isdigit((unsigned char)*p) && cc < 4)
        p++, cc++;
    if (cc == 0 || *p++ != '.')
        return false;
    int n = 0;
    while (isdigit((unsigned char)*p))
        p++, n++;
    if (n < 4 || n > 14)
        return false;
    if (*p == 'x' || *p == 'X') {
        p++;
        if (!isdigit((unsigned char)*p))
            return false;
        while (isdigit((unsigned char)*p))
            p++;
    }
    return *p == '\0';
}

/* check_contacts - 460 for a missing field, 465 for a bad one; 0 when
 * fine. msg gets the attributes.error text. */
static int check_contacts(const struct xcp_value *cs, bool need_tech, char *msg,
                          size_t n)
{
    static const char *const types[] = {"owner", "admin", "billing", "tech"};
    static const char *const fields[] = {
        "first_name", "last_name",   "address1", "city",
        "country",    "postal_code", "phone",    "email"};
    if (!cs || xcp_type(cs) != XCP_ASSOC) {
        snprintf(msg, n, "contact_set is required");
        return 460;
    }
    for (size_t t = 0; t < 4; t++) {
        if (t == 3 && !need_tech)
            continue;
        const struct xcp_value *c = xcp_assoc_get(cs, types[t]);
        if (!c || xcp_type(c) != XCP_ASSOC) {
            snprintf(msg, n, "Missing contact type: %s", types[t]);
            return 460;
        }
        for (size_t f = 0; f < sizeof(fields) / sizeof(fields[0]); f++) {
            const char *v = xcp_path_str(c, fields[f]);
            if (!v || !*v) {
                snprintf(msg, n, "%s contact: missing field %s", types[t],
                         fields[f]);
                return 460;
            }
        }
        const char *country = xcp_path_str(c, "country");
        if (strlen(country) != 2 || !isalpha((unsigned char)country[0]) ||
            !isalpha((unsigned char)country[1])) {
            snprintf(msg, n,
                     "%s contact: Invalid country code \"%.16s\" (ISO "
                     "3166 two-letter code required)",
                     types[t], country);
            return 465;
        }
        if (!phone_ok(xcp_path_str(c, "phone"))) {
            snprintf(msg, n,
                     "%s contact: Invalid phone format (must be "
                     "+CCC.NNNNNNNNNNxEEEE)",
                     types[t]);
            return 465;
        }
        const char *email = xcp_path_str(c, "email");
        const char *at = strchr(email, '@');
        if (!at || at == email || !strchr(at, '.')) {
            snprintf(msg, n, "%s contact: Invalid email address", types[t]);
            return 465;
        }
    }
    return 0;
}

/* --- orders --------------------------------------------------------------- */

static json_t *new_order(struct ctx *c, const char *domain,
                         const char *reg_type, int64_t period, int64_t cost)
{
    int64_t id = sim_next_id(c->sim, "order");
    char key[24];
    snprintf(key, sizeof(key), "%" PRId64, id);
    json_t *o = json_object();
    sim_jset_int(o, "id", id);
    sim_jset_str(o, "id_text", key);
    sim_jset_str(o, "domain", domain);
    sim_jset_str(o, "reg_type", reg_type);
    sim_jset_str(o, "reseller", c->user);
    sim_jset_str(o, "status", "pending");
    sim_jset_int(o, "period", period);
    sim_jset_int(o, "cost", cost);
    sim_jset_int(o, "order_date", c->now);
    sim_jset_int(o, "updated", c->now);
    sim_put(c->sim, "orders", key, o);
    return o;
}

/* supersede - a new order for a domain cancels the reseller's pending
 * orders for it (the real server lists them in cancelled_orders). */
static struct xcp_value *supersede(struct ctx *c, const char *domain,
                                   int64_t keep)
{
    struct xcp_value *arr = NULL;
    const char *key;
    json_t *o;
    json_object_foreach(json_object_get(c->sim->state, "orders"), key, o)
    {
        if (sim_jint(o, "id", 0) == keep ||
            strcmp(sim_jstr(o, "domain", ""), domain) != 0 ||
            strcmp(sim_jstr(o, "reseller", ""), c->user) != 0 ||
            strcmp(sim_jstr(o, "status", ""), "pending") != 0 ||
            strcmp(sim_jstr(o, "reg_type", ""), "renewal") == 0)
            continue;
        sim_order_cancel(c->sim, o);
        if (!arr)
            arr = xcp_array_new();
        xcp_array_push(arr, xcp_scalar_new(key));
    }
    return arr;
}

/* queue_order - park the order as a queued request that runs later. */
static struct xcp_value *queue_order(struct ctx *c, json_t *order)
{
    int64_t delay = c->mode->complete_after >= 0 ? c->mode->complete_after
                                                 : c->sim->cfg.async_delay;
    int64_t qid = sim_next_id(c->sim, "queue");
    char key[24];
    snprintf(key, sizeof(key), "%" PRId64, qid);
    json_t *q = json_object();
    sim_jset_int(q, "id", qid);
    sim_jset_int(q, "order_id", sim_jint(order, "id", 0));
    sim_jset_str(q, "domain", sim_jstr(order, "domain", ""));
    sim_jset_str(q, "reseller", c->user);
    sim_jset_str(q, "reg_type", sim_jstr(order, "reg_type", ""));
    sim_jset_str(q, "status", "queued");
    sim_jset_int(q, "request_date", c->now);
    sim_jset_int(q, "due", c->now + delay);
    sim_put(c->sim, "queue", key, q);
    sim_touch_id(c->sim, "orders", order);
    sim_jset_int(order, "queue_id", qid);
    sim_jset_str(order, "status", "waiting");
    sim_schedule(c->sim, c->now + delay);
    struct xcp_value *a = xcp_assoc_new();
    xcp_assoc_set_str(a, "id", sim_jstr(order, "id_text", ""));
    xcp_assoc_set_int(a, "queue_request_id", qid);
    xcp_assoc_set_str(a, "async_reason",
                      "Registry temporarily unavailable; the request is "
                      "queued and will be retried");
    return reply(c, true, 200, a, "Command queued for processing");
}

static struct xcp_value *forced_pending(struct ctx *c, json_t *order,
                                        const char *text,
                                        struct xcp_value *cancelled)
{
    struct xcp_value *a = xcp_assoc_new();
    json_t *req = json_object_get(order, "request");
    xcp_assoc_set_str(a, "id", sim_jstr(order, "id_text", ""));
    xcp_assoc_set_str(a, "admin_email",
                      admin_email(json_object_get(req, "contact_set")));
    xcp_assoc_set_str(a, "forced_pending", sim_jstr(order, "id_text", ""));
    xcp_assoc_set_int(a, "registration_code", 200);
    xcp_assoc_set_str(a, "registration_text", text);
    if (cancelled)
        xcp_assoc_set(a, "cancelled_orders", cancelled);
    return reply(c, true, 200, a, "%s", text);
}

/* --- LOOKUP, NAME_SUGGEST, GET_PRICE, BELONGS_TO_RSP ---------------------- */

static struct xcp_value *act_lookup(struct ctx *c)
{
    char name[MAX_NAME];
    struct xcp_value *err;
    if (!want_domain(c, name, &err))
        return err;
    json_t *d = sim_domain(c->sim, name);
    struct xcp_value *a = xcp_assoc_new();
    if (!d) {
        xcp_assoc_set_str(a, "status", "available");
        return reply(c, true, 210, a, "Domain available");
    }
    xcp_assoc_set_str(a, "status", "taken");
    json_t *w = json_object_get(d, "waiting_order");
    json_t *o = w ? sim_order(c->sim, json_integer_value(w)) : NULL;
    if (o && strcmp(sim_jstr(o, "reg_type", ""), "new") == 0)
        return reply(c, true, 221, a,
                     "Domain taken (waiting registration in progress)");
    return reply(c, true, 211, a, "Domain taken");
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

static struct xcp_value *act_name_suggest(struct ctx *c)
{
    const char *s = astr(c, "searchstring");
    char base[64];
    if (!s || !*s)
        return fail_field(c, 460, "Missing required field: searchstring",
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
        return fail(c, 465, "Invalid searchstring");
    const char *tlds[16];
    size_t ntld = 0;
    const struct xcp_value *tl = attr(c, "tlds");
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
    const struct xcp_value *sv = attr(c, "services");
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
    int64_t maximum = aint(c, "maximum", 20, NULL);
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
        reply(c, true, 200, a, "Command completed successfully");
    xcp_assoc_set_str(r, "request_response_time", "0.001");
    return r;
}

static struct xcp_value *act_get_price(struct ctx *c)
{
    char name[MAX_NAME];
    struct xcp_value *err;
    if (!want_domain(c, name, &err))
        return err;
    bool bad = false;
    int64_t period = aint(c, "period", 1, &bad);
    const char *rt = astr(c, "reg_type");
    if (!rt || !*rt)
        rt = "new";
    if (bad || period < 1 || period > 10)
        return fail_field(c, 465, "Invalid period", "period must be 1-10");
    const char *tld = sim_tld(c->sim, name);
    int64_t p = sim_price(c->sim, tld, rt, period);
    if (p < 0)
        return fail_field(c, 465, "Invalid reg_type",
                          "reg_type must be new, renewal or transfer");
    struct xcp_value *a = xcp_assoc_new();
    add_money(a, "price", p);
    xcp_assoc_set_int(a, "is_registry_premium", 0);
    if (aflag(c, "all_periods")) {
        struct xcp_value *ps = xcp_assoc_new();
        for (int64_t y = 1; y <= 10; y++) {
            char key[8];
            snprintf(key, sizeof(key), "%" PRId64, y);
            add_money(ps, key, sim_price(c->sim, tld, rt, y));
        }
        xcp_assoc_set(a, "prices", ps);
    }
    return reply(c, true, 200, a, "Command completed successfully");
}

static struct xcp_value *act_belongs_to_rsp(struct ctx *c)
{
    char name[MAX_NAME];
    struct xcp_value *err;
    if (!want_domain(c, name, &err))
        return err;
    json_t *d = sim_domain(c->sim, name);
    struct xcp_value *a = xcp_assoc_new();
    if (registered_ours(c->sim, d, c->user) &&
        sim_jint(d, "expiry", 0) >= c->now) {
        xcp_assoc_set_int(a, "belongs_to_rsp", 1);
        add_time(a, "domain_expdate", sim_jint(d, "expiry", 0));
        return reply(c, true, 200, a, "Query Successful");
    }
    xcp_assoc_set_int(a, "belongs_to_rsp", 0);
    return reply(c, true, 200, a, "Unknown Domain");
}

/* --- SW_REGISTER ------------------------------------------------------------
 */

static struct xcp_value *run_reply(struct ctx *c, json_t *order,
                                   const struct sim_run *run,
                                   struct xcp_value *cancelled)
{
    json_t *req = json_object_get(order, "request");
    if (run->code == -1)
        return forced_pending(c, order, "Registration successful", cancelled);
    if (!run->ok) {
        struct xcp_value *a = xcp_assoc_new();
        xcp_assoc_set_str(a, "id", sim_jstr(order, "id_text", ""));
        if (run->code == 485)
            xcp_assoc_set_str(a, "forced_pending",
                              sim_jstr(order, "id_text", ""));
        else
            sim_order_cancel(c->sim, order);
        if (cancelled)
            xcp_assoc_set(a, "cancelled_orders", cancelled);
        return reply(c, false, run->code, a, "%s", run->text);
    }
    struct xcp_value *a = xcp_assoc_new();
    xcp_assoc_set_str(a, "id", sim_jstr(order, "id_text", ""));
    xcp_assoc_set_str(a, "admin_email",
                      admin_email(json_object_get(req, "contact_set")));
    if (json_object_get(order, "transfer_id"))
        xcp_assoc_set_int(a, "transfer_id", sim_jint(order, "transfer_id", 0));
    xcp_assoc_set_int(a, "registration_code", run->code);
    xcp_assoc_set_str(
        a, "registration_text",
        run->code == 200 && strcmp(sim_jstr(order, "reg_type", ""), "new") == 0
            ? "Domain registration successfully completed"
            : run->text);
    if (cancelled)
        xcp_assoc_set(a, "cancelled_orders", cancelled);
    return reply(c, true, run->code, a, "%s", run->text);
}

static struct xcp_value *act_sw_register(struct ctx *c)
{
    char name[MAX_NAME], msg[256];
    struct xcp_value *err;
    const char *reg_type = astr(c, "reg_type");
    if (!reg_type || !*reg_type)
        return fail_field(c, 460, "Missing required field: reg_type",
                          "reg_type is required");
    bool transfer = strcasecmp(reg_type, "transfer") == 0;
    if (!transfer && strcasecmp(reg_type, "new") != 0)
        return fail_field(c, 465, "Invalid reg_type",
                          "reg_type must be new or transfer");
    if (!want_domain(c, name, &err))
        return err;
    static const char *const need[] = {"reg_username", "reg_password"};
    for (size_t i = 0; i < 2; i++) {
        const char *v = astr(c, need[i]);
        if (!v || !*v) {
            snprintf(msg, sizeof(msg), "%s is required", need[i]);
            return fail_field(c, 460, "Missing required field", msg);
        }
        if (strlen(v) > 64) {
            snprintf(msg, sizeof(msg), "%s is too long", need[i]);
            return fail_field(c, 465, "Invalid data", msg);
        }
    }
    bool bad = false;
    int64_t period = aint(c, "period", 1, &bad);
    if (bad || period < 1 || period > 10)
        return fail_field(c, 465, "Invalid period", "period must be 1-10");
    int crc = check_contacts(attr(c, "contact_set"),
                             aflag(c, "custom_tech_contact"), msg, sizeof(msg));
    if (crc)
        return fail_field(c, crc,
                          crc == 460 ? "Missing required field"
                                     : "Invalid contact data",
                          msg);
    json_t *ns = json_array();
    if (aflag(c, "custom_nameservers")) {
        json_decref(ns);
        ns = collect_ns(attr(c, "nameserver_list"), msg, sizeof(msg));
        if (!ns)
            return fail_field(c, 465, "Invalid nameserver list", msg);
        if (json_array_size(ns) == 0) {
            json_decref(ns);
            return fail_field(c, 460, "Missing required field",
                              "nameserver_list is required when "
                              "custom_nameservers=1");
        }
    }
    const char *tld = sim_tld(c->sim, name);
    int64_t cost = sim_price(c->sim, tld, transfer ? "transfer" : "new",
                             transfer ? 1 : period);
    json_t *order = new_order(c, name, transfer ? "transfer" : "new",
                              transfer ? 1 : period, cost < 0 ? 0 : cost);
    json_t *req = json_object();
    sim_jset_str(req, "reg_username", astr(c, "reg_username"));
    sim_jset_str(req, "reg_password", astr(c, "reg_password"));
    sim_jset_str(req, "auth_info", astr(c, "auth_info"));
    json_object_set_new(req, "contact_set",
                        sim_xcp_to_json(attr(c, "contact_set")));
    json_object_set_new(req, "nameservers", ns);
    json_object_set_new(order, "request", req);
    sim_jset_int(order, "auto_renew", aflag(c, "auto_renew"));
    sim_jset_int(order, "lock", aflag(c, "f_lock_domain"));
    struct xcp_value *cancelled = supersede(c, name, sim_jint(order, "id", 0));

    const char *handle = astr(c, "handle");
    if (handle && strcasecmp(handle, "save") == 0) {
        struct xcp_value *a = xcp_assoc_new();
        xcp_assoc_set_str(a, "id", sim_jstr(order, "id_text", ""));
        xcp_assoc_set_str(a, "admin_email",
                          admin_email(json_object_get(req, "contact_set")));
        if (cancelled)
            xcp_assoc_set(a, "cancelled_orders", cancelled);
        return reply(c, true, 200, a,
                     transfer ? "Transfer request has been successfully "
                                "saved"
                              : "Registration successful");
    }
    const char *unknown = transfer ? NULL : first_unknown_ns(c->sim, ns);
    if (unknown) {
        /* the real 435: validation failed, the order is kept pending */
        struct xcp_value *a = xcp_assoc_new();
        xcp_assoc_set_str(a, "id", sim_jstr(order, "id_text", ""));
        xcp_assoc_set_str(a, "forced_pending", sim_jstr(order, "id_text", ""));
        xcp_assoc_set_int(a, "registration_code", 435);
        snprintf(msg, sizeof(msg),
                 "Request failed validation: Name server '%s' is not found "
                 "at the registry. Please double check the nameserver and "
                 "re-submit.",
                 unknown);
        xcp_assoc_set_str(a, "registration_text", msg);
        if (cancelled)
            xcp_assoc_set(a, "cancelled_orders", cancelled);
        return reply(c, false, 435, a, "%s", msg);
    }
    enum sim_fault_kind f = c->mode->fault;
    if (f == SIM_FAULT_FORCED_PENDING)
        return forced_pending(c, order, "Registration successful", cancelled);
    if (f == SIM_FAULT_QUEUE) {
        xcp_free(cancelled);
        return queue_order(c, order);
    }
    if (f == SIM_FAULT_ASYNC)
        sim_jset_int(order, "force_async", 1);
    struct sim_run run;
    sim_order_run(c->sim, order, f == SIM_FAULT_DECLINE_LATER,
                  c->mode->complete_after, &run);
    return run_reply(c, order, &run, cancelled);
}

/* --- RENEW ------------------------------------------------------------------
 */

static struct xcp_value *act_renew(struct ctx *c)
{
    char name[MAX_NAME];
    struct xcp_value *err;
    if (!want_domain(c, name, &err))
        return err;
    bool bad = false;
    int64_t year = aint(c, "currentexpirationyear", -1, &bad);
    if (year < 0 && !bad)
        return fail_field(c, 460, "Missing required field",
                          "currentexpirationyear is required");
    int64_t period = aint(c, "period", -1, &bad);
    if (period < 0 && !bad)
        return fail_field(c, 460, "Missing required field",
                          "period is required");
    if (bad || period < 1 || period > 10 || year < 1970 || year > 9999)
        return fail_field(c, 465, "Invalid data",
                          "period must be 1-10 and currentexpirationyear "
                          "a year");
    const char *tld = sim_tld(c->sim, name);
    if (sim_in_list(c->sim->cfg.no_renew_tlds, tld))
        return fail(c, 480, "Renewals are not enabled for this TLD");
    json_t *d = sim_domain(c->sim, name);
    if (!registered_ours(c->sim, d, c->user))
        return fail(c, 480, "Domain not found");
    if (json_object_get(d, "waiting_order"))
        return fail(c, 400,
                    "Domain already renewed; another renewal cannot be "
                    "applied until the first request completes at the "
                    "registry");
    int64_t cost = sim_price(c->sim, tld, "renewal", period);
    json_t *order = new_order(c, name, "renewal", period, cost < 0 ? 0 : cost);
    sim_jset_int(order, "currentexpirationyear", year);
    if (astr(c, "auto_renew"))
        sim_jset_int(order, "auto_renew", aflag(c, "auto_renew"));
    json_t *req = json_object();
    /* a copy: a later change to the domain must not reach the order */
    json_t *dcs = json_object_get(d, "contact_set");
    if (dcs)
        json_object_set_new(req, "contact_set", json_deep_copy(dcs));
    json_object_set_new(order, "request", req);

    const char *handle = astr(c, "handle");
    enum sim_fault_kind f = c->mode->fault;
    struct sim_run run = {0};
    bool save = handle && strcasecmp(handle, "save") == 0;
    if (!save && f != SIM_FAULT_FORCED_PENDING && f != SIM_FAULT_QUEUE) {
        if (f == SIM_FAULT_ASYNC)
            sim_jset_int(order, "force_async", 1);
        sim_order_run(c->sim, order, f == SIM_FAULT_DECLINE_LATER,
                      c->mode->complete_after, &run);
        if (!run.ok && run.code != -1) {
            sim_order_cancel(c->sim, order);
            return fail(c, run.code, run.text);
        }
    } else if (f == SIM_FAULT_QUEUE && !save) {
        return queue_order(c, order);
    } else {
        /* year checks still apply to a saved renewal */
        int have = 0;
        time_t t = (time_t)sim_jint(d, "expiry", 0);
        struct tm tm;
        gmtime_r(&t, &tm);
        have = tm.tm_year + 1900;
        if (year != have) {
            sim_order_cancel(c->sim, order);
            if (year == sim_jint(d, "renewed_from_year", -1))
                return fail(c, 555, "Domain already renewed");
            return fail(c, 541,
                        "The expiration year does not match the registry");
        }
    }
    struct xcp_value *a = xcp_assoc_new();
    xcp_assoc_set_str(a, "order_id", sim_jstr(order, "id_text", ""));
    xcp_assoc_set_str(a, "id", sim_jstr(order, "id_text", ""));
    xcp_assoc_set_str(a, "admin_email",
                      admin_email(json_object_get(d, "contact_set")));
    xcp_assoc_set_int(a, "auto_renew", sim_jint(d, "auto_renew", 0));
    add_time(a, "registration expiration date", sim_jint(d, "expiry", 0));
    if (save)
        return reply(c, true, 200, a, "Order saved as pending");
    if (run.code == -1 || f == SIM_FAULT_FORCED_PENDING) {
        xcp_assoc_set_str(a, "forced_pending", sim_jstr(order, "id_text", ""));
        return reply(c, true, 200, a, "Command completed successfully");
    }
    return reply(c, true, run.code, a, "%s", run.text);
}

/* --- transfers
 * ---------------------------------------------------------------- */

static void add_ctime(struct xcp_value *a, const char *key, int64_t t)
{
    time_t tt = (time_t)t;
    struct tm tm;
    char buf[64];
    gmtime_r(&tt, &tm);
    strftime(buf, sizeof(buf), "%a %b %e %H:%M:%S %Y", &tm);
    xcp_assoc_set_str(a, key, buf);
}

static struct xcp_value *act_check_transfer(struct ctx *c)
{
    char name[MAX_NAME];
    struct xcp_value *err;
    if (!want_domain(c, name, &err))
        return err;
    json_t *d = sim_domain(c->sim, name);
    json_t *active = sim_transfer_by_domain(c->sim, name, true);
    json_t *t = sim_transfer_by_domain(c->sim, name, false);
    if (t && strcmp(sim_jstr(t, "reseller", ""), c->user) != 0)
        t = NULL;
    struct xcp_value *a = xcp_assoc_new();
    const char *reason = NULL;
    if (!d)
        reason = "Domain is not registered";
    else if (active)
        reason = "Transfer in progress";
    else if (owned_by(d, c->user))
        reason = "Domain already belongs to this reseller";
    else if (sim_jint(d, "locked", 0))
        reason = "Domain is locked at the current registrar";
    xcp_assoc_set_int(a, "transferrable", reason ? 0 : 1);
    if (reason)
        xcp_assoc_set_str(a, "reason", reason);
    xcp_assoc_set_int(a, "noservice", 0);
    bool check_status = aflag(c, "check_status");
    /* status of our transfer: always while it runs (Net::OpenSRS relies
     * on that), and for finished ones when check_status=1 asks */
    if (t && (check_status || (active && active == t))) {
        xcp_assoc_set_str(a, "status", sim_jstr(t, "status", ""));
        xcp_assoc_set_int(a, "unixtime", sim_jint(t, "updated", 0));
        add_ctime(a, "timestamp", sim_jint(t, "updated", 0));
        xcp_assoc_set_str(a, "type", "reg2reg");
        xcp_assoc_set_str(a, "request_address",
                          sim_jstr(t, "request_address", ""));
    } else if (aflag(c, "get_request_address") && d) {
        const char *e = sim_jstr(
            json_object_get(json_object_get(d, "contact_set"), "owner"),
            "email", "");
        char fallback[300];
        snprintf(fallback, sizeof(fallback), "admin@%s", name);
        xcp_assoc_set_str(a, "request_address", *e ? e : fallback);
    }
    return reply(c, true, 200, a, "Query successful");
}

static void transfer_attrs(struct xcp_value *a, const json_t *t)
{
    xcp_assoc_set_int(a, "id", sim_jint(t, "id", 0));
    xcp_assoc_set_int(a, "transfer_id", sim_jint(t, "id", 0));
    xcp_assoc_set_int(a, "order_id", sim_jint(t, "order_id", 0));
    xcp_assoc_set_str(a, "domain", sim_jstr(t, "domain", ""));
    xcp_assoc_set_str(a, "status", sim_jstr(t, "status", ""));
    add_time(a, "order_date", sim_jint(t, "order_date", 0));
    xcp_assoc_set_int(a, "order_date_epoch", sim_jint(t, "order_date", 0));
    int64_t done = sim_jint(t, "completed_date", 0);
    if (done) {
        add_time(a, "completed_date", done);
        xcp_assoc_set_int(a, "completed_date_epoch", done);
    } else {
        xcp_assoc_set_str(a, "completed_date", "");
        xcp_assoc_set_str(a, "completed_date_epoch", "");
    }
    xcp_assoc_set_str(a, "gaining_registrar", "OpenSRS Simulator");
    xcp_assoc_set_str(a, "losing_registrar", "Other Registrar Inc.");
    xcp_assoc_set_str(a, "affiliate_id", "");
    xcp_assoc_set_str(a, "request_address", sim_jstr(t, "request_address", ""));
}

static int cmp_id(const void *a, const void *b)
{
    int64_t x = sim_jint(*(json_t *const *)a, "id", 0);
    int64_t y = sim_jint(*(json_t *const *)b, "id", 0);
    return (x > y) - (x < y);
}

/* page_args - "limit" (default 40, and 40 when outside 1..max) and "page"
 * (at least 1); false when either is not an integer. */
static bool page_args(struct ctx *c, int64_t max, int64_t *limit, int64_t *page)
{
    bool bad = false;
    *limit = aint(c, "limit", 40, &bad);
    *page = aint(c, "page", 1, &bad);
    if (*limit < 1 || *limit > max)
        *limit = 40;
    if (*page < 1)
        *page = 1;
    return !bad;
}

static struct xcp_value *act_get_transfers_in(struct ctx *c)
{
    char name[MAX_NAME] = "";
    const char *dom = astr(c, "domain");
    if (dom && *dom && !sim_norm_domain(dom, name, sizeof(name)))
        return fail(c, 465, "Invalid domain syntax");
    bool bad = false;
    int64_t order_id = aint(c, "order_id", -1, &bad);
    int64_t tid = aint(c, "transfer_id", -1, &bad);
    int64_t limit, page;
    if (!page_args(c, 40, &limit, &page) || bad)
        return fail(c, 465, "Invalid data: expected integers");
    const char *status = astr(c, "status");
    json_t *all = json_object_get(c->sim->state, "transfers");
    size_t cap = json_object_size(all), n = 0;
    json_t **v = xmalloc((cap + 1) * sizeof(*v));
    const char *key;
    json_t *t;
    json_object_foreach(all, key, t)
    {
        if (strcmp(sim_jstr(t, "reseller", ""), c->user) != 0)
            continue;
        if (name[0] && strcmp(sim_jstr(t, "domain", ""), name) != 0)
            continue;
        if (order_id >= 0 && sim_jint(t, "order_id", -2) != order_id)
            continue;
        if (tid >= 0 && sim_jint(t, "id", -2) != tid)
            continue;
        if (status && *status && strcmp(sim_jstr(t, "status", ""), status))
            continue;
        v[n++] = t;
    }
    qsort(v, n, sizeof(*v), cmp_id);
    struct xcp_value *arr = xcp_array_new();
    for (size_t i = (size_t)((page - 1) * limit);
         i < n && (int64_t)xcp_len(arr) < limit; i++) {
        struct xcp_value *e = xcp_assoc_new();
        transfer_attrs(e, v[i]);
        xcp_array_push(arr, e);
    }
    free(v);
    struct xcp_value *a = xcp_assoc_new();
    xcp_assoc_set_int(a, "total", (int64_t)n);
    xcp_assoc_set_int(a, "page", page);
    xcp_assoc_set_int(a, "page_size", limit);
    xcp_assoc_set(a, "transfers", arr);
    return reply(c, true, 200, a, "Query successful");
}

static struct xcp_value *act_cancel_transfer(struct ctx *c)
{
    json_t *order = NULL;
    bool bad = false;
    int64_t oid = aint(c, "order_id", -1, &bad);
    const char *dom = astr(c, "domain");
    char name[MAX_NAME];
    if (oid >= 0) {
        order = sim_order(c->sim, oid);
    } else if (dom && *dom) {
        if (!sim_norm_domain(dom, name, sizeof(name)))
            return fail(c, 465, "Invalid domain syntax");
        json_t *t = sim_transfer_by_domain(c->sim, name, true);
        if (t)
            order = sim_order(c->sim, sim_jint(t, "order_id", 0));
    } else {
        return fail_field(c, 460, "Missing required field",
                          "domain or order_id is required");
    }
    if (!order || strcmp(sim_jstr(order, "reseller", ""), c->user) != 0 ||
        strcmp(sim_jstr(order, "reg_type", ""), "transfer") != 0)
        return fail(c, 480, "Transfer not found");
    const char *st = sim_jstr(order, "status", "");
    if (strcmp(st, "processed") != 0 && strcmp(st, "pending") != 0)
        return fail(c, 465, "Transfer cannot be cancelled in its state");
    sim_order_cancel(c->sim, order);
    return reply(c, true, 200, NULL,
                 "Transfer with order id: %s has been canceled.",
                 sim_jstr(order, "id_text", ""));
}

/* --- orders ------------------------------------------------------------------
 */

static json_t *want_order(struct ctx *c, const char *key,
                          struct xcp_value **err)
{
    bool bad = false;
    int64_t id = aint(c, key, -1, &bad);
    if (id < 0 && !bad) {
        *err = fail_field(c, 460, "Missing required field", "order_id");
        return NULL;
    }
    json_t *o = bad ? NULL : sim_order(c->sim, id);
    if (!o || strcmp(sim_jstr(o, "reseller", ""), c->user) != 0) {
        *err = fail(c, 480, "Order not found");
        return NULL;
    }
    return o;
}

static struct xcp_value *act_get_order_info(struct ctx *c)
{
    struct xcp_value *err;
    json_t *o = want_order(c, "order_id", &err);
    if (!o)
        return err;
    struct xcp_value *f = xcp_assoc_new();
    xcp_assoc_set_str(f, "id", sim_jstr(o, "id_text", ""));
    xcp_assoc_set_str(f, "domain", sim_jstr(o, "domain", ""));
    xcp_assoc_set_str(f, "reg_type", sim_jstr(o, "reg_type", ""));
    xcp_assoc_set_str(f, "status", sim_jstr(o, "status", ""));
    add_money(f, "cost", sim_jint(o, "cost", 0));
    xcp_assoc_set_int(f, "period", sim_jint(o, "period", 1));
    xcp_assoc_set_str(f, "f_auto_renew",
                      sim_jint(o, "auto_renew", 0) ? "Y" : "N");
    xcp_assoc_set_int(f, "f_lock_domain", sim_jint(o, "lock", 0));
    add_time(f, "order_date", sim_jint(o, "order_date", 0));
    if (sim_jint(o, "completed_date", 0))
        add_time(f, "completed_date", sim_jint(o, "completed_date", 0));
    xcp_assoc_set_str(f, "affiliate_id", "");
    xcp_assoc_set_int(f, "flag_saved_ns_fields", 0);
    xcp_assoc_set_int(f, "flag_saved_tech_fields", 0);
    if (json_object_get(o, "transfer_id"))
        xcp_assoc_set_int(f, "transfer_id", sim_jint(o, "transfer_id", 0));
    struct xcp_value *a = xcp_assoc_new();
    xcp_assoc_set(a, "field_hash", f);
    return reply(c, true, 200, a, "Command completed successfully");
}

static struct xcp_value *act_query_queued(struct ctx *c)
{
    bool bad = false;
    int64_t id = aint(c, "request_id", -1, &bad);
    if (id < 0 && !bad)
        return fail_field(c, 460, "Missing required field", "request_id");
    char key[24];
    snprintf(key, sizeof(key), "%" PRId64, id);
    json_t *q = json_object_get(json_object_get(c->sim->state, "queue"), key);
    if (bad || !q || strcmp(sim_jstr(q, "reseller", ""), c->user) != 0)
        return fail(c, 480, "Queued request not found");
    struct xcp_value *rd = xcp_assoc_new();
    xcp_assoc_set_int(rd, "request_id", id);
    xcp_assoc_set_int(rd, "order_id", sim_jint(q, "order_id", 0));
    xcp_assoc_set_str(rd, "domain", sim_jstr(q, "domain", ""));
    xcp_assoc_set_str(rd, "reg_type", sim_jstr(q, "reg_type", ""));
    xcp_assoc_set_str(rd, "status", sim_jstr(q, "status", ""));
    add_time(rd, "request_date", sim_jint(q, "request_date", 0));
    if (json_object_get(q, "response_code")) {
        add_time(rd, "completed_date", sim_jint(q, "completed_date", 0));
        xcp_assoc_set_int(rd, "response_code", sim_jint(q, "response_code", 0));
        xcp_assoc_set_str(rd, "response_text",
                          sim_jstr(q, "response_text", ""));
    }
    struct xcp_value *a = xcp_assoc_new();
    xcp_assoc_set(a, "request_data", rd);
    return reply(c, true, 200, a, "Command completed successfully");
}

static struct xcp_value *act_process_pending(struct ctx *c)
{
    struct xcp_value *err;
    json_t *o = want_order(c, "order_id", &err);
    if (!o)
        return err;
    const char *st = sim_jstr(o, "status", "");
    bool declined = strcmp(st, "declined") == 0;
    if (strcmp(st, "pending") != 0 && !declined)
        return fail(c, 465, "Order is not pending or declined");
    const char *cmd = astr(c, "command");
    if (cmd && strcasecmp(cmd, "cancel") == 0) {
        sim_order_cancel(c->sim, o);
        struct xcp_value *a = xcp_assoc_new();
        xcp_assoc_set_str(a, "id", sim_jstr(o, "id_text", ""));
        return reply(c, true, 200, a, "Order %s cancelled",
                     sim_jstr(o, "id_text", ""));
    }
    int cancelled = 0;
    if (declined) {
        /* processing a declined order cancels it and runs a copy */
        json_t *copy = json_deep_copy(o);
        sim_order_cancel(c->sim, o);
        cancelled = 1;
        json_t *n = new_order(
            c, sim_jstr(copy, "domain", ""), sim_jstr(copy, "reg_type", ""),
            sim_jint(copy, "period", 1), sim_jint(copy, "cost", 0));
        static const char *const keep[] = {"request", "auto_renew", "lock",
                                           "currentexpirationyear"};
        for (size_t i = 0; i < 4; i++)
            if (json_object_get(copy, keep[i]))
                json_object_set(n, keep[i], json_object_get(copy, keep[i]));
        json_decref(copy);
        o = n;
    }
    struct sim_run run;
    sim_order_run(c->sim, o, false, -1, &run);
    if (run.code == -1)
        return fail(c, 400, "Insufficient funds to process the order");
    if (!run.ok)
        return fail(c, run.code, run.text);
    struct xcp_value *a = xcp_assoc_new();
    xcp_assoc_set_str(a, "id", sim_jstr(o, "id_text", ""));
    json_t *d = sim_domain(c->sim, sim_jstr(o, "domain", ""));
    if (d && strcmp(sim_jstr(o, "status", ""), "completed") == 0)
        add_time(a, "registration expiration date", sim_jint(d, "expiry", 0));
    xcp_assoc_set_str(a, "f_auto_renew",
                      sim_jint(o, "auto_renew", 0) ? "Y" : "N");
    if (json_object_get(o, "transfer_id"))
        xcp_assoc_set_int(a, "transfer_id", sim_jint(o, "transfer_id", 0));
    struct xcp_value *r = reply(c, true, run.code, a, "%s", run.text);
    struct xcp_value *rwi = xcp_assoc_new();
    xcp_assoc_set_str(rwi, "order_id", sim_jstr(o, "id_text", ""));
    xcp_assoc_set_int(rwi, "number_of_canceled_orders", cancelled);
    xcp_assoc_set(r, "rwi_attributes", rwi);
    return r;
}

static struct xcp_value *act_cancel_pending_orders(struct ctx *c)
{
    bool bad = false;
    int64_t to = aint(c, "to_date", -1, &bad);
    if (to < 0 && !bad)
        return fail_field(c, 460, "Missing required field", "to_date");
    if (bad)
        return fail_field(c, 465, "Invalid data", "to_date must be epoch");
    bool want_pending = false, want_declined = false;
    const struct xcp_value *s = attr(c, "status");
    if (!s) {
        want_pending = true;
    } else if (xcp_type(s) == XCP_SCALAR) {
        want_pending = strcasecmp(xcp_str(s), "pending") == 0 || !*xcp_str(s);
        want_declined = strcasecmp(xcp_str(s), "declined") == 0;
    } else if (xcp_type(s) == XCP_ARRAY) {
        for (size_t i = 0; i < xcp_len(s); i++) {
            const char *t = xcp_str(xcp_array_get(s, i));
            if (t && strcasecmp(t, "pending") == 0)
                want_pending = true;
            if (t && strcasecmp(t, "declined") == 0)
                want_declined = true;
        }
    }
    struct xcp_value *arr = xcp_array_new();
    const char *key;
    json_t *o;
    json_object_foreach(json_object_get(c->sim->state, "orders"), key, o)
    {
        const char *st = sim_jstr(o, "status", "");
        if (strcmp(sim_jstr(o, "reseller", ""), c->user) != 0 ||
            sim_jint(o, "updated", 0) > to)
            continue;
        if (!((want_pending && strcmp(st, "pending") == 0) ||
              (want_declined && strcmp(st, "declined") == 0)))
            continue;
        sim_order_cancel(c->sim, o);
        struct xcp_value *e = xcp_assoc_new();
        xcp_assoc_set_str(e, "domain", sim_jstr(o, "domain", ""));
        xcp_assoc_set_str(e, "id", key);
        xcp_assoc_set_str(e, "reg_type", sim_jstr(o, "reg_type", ""));
        xcp_array_push(arr, e);
    }
    struct xcp_value *a = xcp_assoc_new();
    xcp_assoc_set_int(a, "total", (int64_t)xcp_len(arr));
    xcp_assoc_set(a, "cancelled", arr);
    return reply(c, true, 200, a, "Command completed successfully");
}

/* --- domain data
 * -------------------------------------------------------------- */

/* target_domain - the domain a GET/MODIFY works on: by cookie (top-level)
 * or by attributes.domain (reseller access). */
static json_t *target_domain(struct ctx *c, char name[MAX_NAME],
                             struct xcp_value **err)
{
    if (c->req->cookie && *c->req->cookie) {
        json_t *ck = json_object_get(json_object_get(c->sim->state, "cookies"),
                                     c->req->cookie);
        if (!ck || sim_jint(ck, "expires", 0) < c->now) {
            *err = fail(c, 415, "Authentication Error: invalid cookie");
            return NULL;
        }
        snprintf(name, MAX_NAME, "%s", sim_jstr(ck, "domain", ""));
    } else if (!want_domain(c, name, err)) {
        return NULL;
    }
    json_t *d = sim_domain(c->sim, name);
    if (!registered_ours(c->sim, d, c->user)) {
        *err = fail(c, 480, "Domain not found");
        return NULL;
    }
    return d;
}

static struct xcp_value *ns_list_value(const json_t *d)
{
    struct xcp_value *arr = xcp_array_new();
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(d, "nameservers"), i, v)
    {
        struct xcp_value *e = xcp_assoc_new();
        xcp_assoc_set_str(e, "name", json_string_value(v));
        xcp_assoc_set_str(e, "ipaddress", "");
        xcp_assoc_set_int(e, "sortorder", (int64_t)i + 1);
        xcp_array_push(arr, e);
    }
    return arr;
}

static struct xcp_value *act_get_domain(struct ctx *c)
{
    const char *type = astr(c, "type");
    if (!type || !*type)
        return fail_field(c, 460, "Missing required field", "type");
    char name[MAX_NAME];
    struct xcp_value *err;
    if (strcasecmp(type, "list") == 0) {
        const char *profile = NULL;
        if (c->req->cookie && *c->req->cookie) {
            json_t *ck = json_object_get(
                json_object_get(c->sim->state, "cookies"), c->req->cookie);
            if (!ck || sim_jint(ck, "expires", 0) < c->now)
                return fail(c, 415, "Authentication Error: invalid cookie");
            profile = sim_jstr(ck, "reg_username", "");
        }
        /* not-a-number paging falls back to the defaults here */
        int64_t limit, page;
        (void)page_args(c, 1000, &limit, &page);
        struct xcp_value *arr = xcp_array_new();
        int64_t total = 0;
        const char *key;
        json_t *d;
        json_object_foreach(json_object_get(c->sim->state, "domains"), key, d)
        {
            if (!registered_ours(c->sim, d, c->user))
                continue;
            if (profile && strcmp(sim_jstr(d, "reg_username", ""), profile))
                continue;
            total++;
            if (total <= (page - 1) * limit || (int64_t)xcp_len(arr) >= limit)
                continue;
            struct xcp_value *e = xcp_assoc_new();
            xcp_assoc_set_str(e, "name", key);
            add_time(e, "expiredate", sim_jint(d, "expiry", 0));
            xcp_array_push(arr, e);
        }
        struct xcp_value *a = xcp_assoc_new();
        xcp_assoc_set(a, "domain_list", arr);
        xcp_assoc_set_int(a, "page", page);
        xcp_assoc_set_int(a, "total", total);
        xcp_assoc_set_int(a, "remainder", page * limit < total ? 1 : 0);
        return reply(c, true, 200, a, "Query Successful");
    }
    json_t *d = target_domain(c, name, &err);
    if (!d)
        return err;
    struct xcp_value *a = xcp_assoc_new();
    if (strcasecmp(type, "all_info") == 0) {
        xcp_assoc_set_int(a, "auto_renew", sim_jint(d, "auto_renew", 0));
        xcp_assoc_set_int(a, "let_expire", sim_jint(d, "let_expire", 0));
        add_time(a, "expiredate", sim_jint(d, "expiry", 0));
        add_time(a, "registry_createdate", sim_jint(d, "created", 0));
        add_time(a, "registry_expiredate", sim_jint(d, "expiry", 0));
        add_time(a, "registry_updatedate", sim_jint(d, "updated", 0));
        xcp_assoc_set_int(a, "sponsoring_rsp", 1);
        xcp_assoc_set(a, "contact_set",
                      sim_json_to_xcp(json_object_get(d, "contact_set")));
        xcp_assoc_set(a, "nameserver_list", ns_list_value(d));
    } else if (strcasecmp(type, "status") == 0) {
        xcp_assoc_set_int(a, "lock_state", sim_jint(d, "locked", 0));
        xcp_assoc_set_int(a, "can_modify", 1);
        xcp_assoc_set_str(a, "parkp_status", "");
        xcp_assoc_set(a, "domain_supports", xcp_assoc_new());
        xcp_assoc_set_int(a, "transfer_away_in_progress", 0);
        xcp_assoc_set_int(a, "auctionescrow", 0);
    } else if (strcasecmp(type, "nameservers") == 0) {
        xcp_assoc_set(a, "nameserver_list", ns_list_value(d));
    } else if (strcasecmp(type, "expire_action") == 0 ||
               strcasecmp(type, "auto_renew_flag") == 0) {
        xcp_assoc_set_int(a, "auto_renew", sim_jint(d, "auto_renew", 0));
        xcp_assoc_set_int(a, "let_expire", sim_jint(d, "let_expire", 0));
    } else if (strcasecmp(type, "registry_dates") == 0) {
        add_time(a, "registry_createdate", sim_jint(d, "created", 0));
        add_time(a, "registry_expiredate", sim_jint(d, "expiry", 0));
        add_time(a, "registry_updatedate", sim_jint(d, "updated", 0));
    } else if (strcasecmp(type, "domain_auth_info") == 0) {
        xcp_assoc_set_str(a, "domain_auth_info", sim_jstr(d, "auth_info", ""));
    } else if (strcasecmp(type, "waiting_history") == 0) {
        struct xcp_value *arr = xcp_array_new();
        const char *key;
        json_t *o;
        json_object_foreach(json_object_get(c->sim->state, "orders"), key, o)
        {
            if (strcmp(sim_jstr(o, "domain", ""), name) != 0 ||
                strcmp(sim_jstr(o, "reseller", ""), c->user) != 0 ||
                !json_object_get(o, "due"))
                continue;
            struct xcp_value *e = xcp_assoc_new();
            xcp_assoc_set_str(e, "order_id", key);
            add_time(e, "request_date", sim_jint(o, "order_date", 0));
            xcp_assoc_set_str(e, "request_type", sim_jstr(o, "reg_type", ""));
            xcp_assoc_set_str(e, "status", sim_jstr(o, "status", ""));
            xcp_array_push(arr, e);
        }
        xcp_assoc_set(a, "asynch_requests", arr);
    } else if (strcasecmp(type, "owner") == 0 ||
               strcasecmp(type, "admin") == 0 ||
               strcasecmp(type, "billing") == 0 ||
               strcasecmp(type, "tech") == 0) {
        char lower[16];
        snprintf(lower, sizeof(lower), "%s", type);
        for (char *p = lower; *p; p++)
            *p = (char)tolower((unsigned char)*p);
        struct xcp_value *cs = xcp_assoc_new();
        json_t *one = json_object_get(json_object_get(d, "contact_set"), lower);
        xcp_assoc_set(cs, lower, one ? sim_json_to_xcp(one) : xcp_assoc_new());
        xcp_assoc_set(a, "contact_set", cs);
    } else {
        xcp_free(a);
        return fail_field(c, 465, "Invalid data", "unknown GET DOMAIN type");
    }
    return reply(c, true, 200, a, "Query Successful");
}

static int cmp_expiry(const void *a, const void *b)
{
    json_t *const *x = a, *const *y = b;
    int64_t ex = sim_jint(json_object_get(*x, "d"), "expiry", 0);
    int64_t ey = sim_jint(json_object_get(*y, "d"), "expiry", 0);
    if (ex != ey)
        return (ex > ey) - (ex < ey);
    return strcmp(sim_jstr(*x, "name", ""), sim_jstr(*y, "name", ""));
}

static struct xcp_value *act_get_by_expiredate(struct ctx *c)
{
    const char *from = astr(c, "exp_from"), *to = astr(c, "exp_to");
    if (!from || !*from || !to || !*to)
        return fail_field(c, 460, "Missing required field",
                          "exp_from and exp_to are required");
    int64_t f, t;
    if (sim_parse_time(from, &f) < 0 || sim_parse_time(to, &t) < 0)
        return fail_field(c, 465, "Invalid data",
                          "exp_from/exp_to must be YYYY-MM-DD");
    if (strlen(to) == 10)
        t += 86399; /* the whole last day */
    int64_t limit, page;
    if (!page_args(c, 1000, &limit, &page))
        return fail(c, 465, "Invalid data: expected integers");
    json_t *domains = json_object_get(c->sim->state, "domains");
    size_t n = 0;
    json_t **v = xmalloc((json_object_size(domains) + 1) * sizeof(*v));
    const char *key;
    json_t *d;
    json_object_foreach(domains, key, d)
    {
        int64_t e = sim_jint(d, "expiry", 0);
        if (!registered_ours(c->sim, d, c->user) || e < f || e > t)
            continue;
        json_t *w = json_object();
        json_object_set(w, "d", d);
        sim_jset_str(w, "name", key);
        v[n++] = w;
    }
    qsort(v, n, sizeof(*v), cmp_expiry);
    struct xcp_value *arr = xcp_array_new();
    for (size_t i = 0; i < n; i++) {
        if ((int64_t)i >= (page - 1) * limit && (int64_t)i < page * limit) {
            json_t *dd = json_object_get(v[i], "d");
            struct xcp_value *e = xcp_assoc_new();
            xcp_assoc_set_str(e, "name", sim_jstr(v[i], "name", ""));
            add_time(e, "expiredate", sim_jint(dd, "expiry", 0));
            xcp_assoc_set_str(e, "f_auto_renew",
                              sim_jint(dd, "auto_renew", 0) ? "Y" : "N");
            xcp_assoc_set_str(e, "f_let_expire",
                              sim_jint(dd, "let_expire", 0) ? "Y" : "N");
            xcp_array_push(arr, e);
        }
        json_decref(v[i]);
    }
    free(v);
    struct xcp_value *a = xcp_assoc_new();
    xcp_assoc_set(a, "exp_domains", arr);
    xcp_assoc_set_int(a, "page", page);
    xcp_assoc_set_int(a, "total", (int64_t)n);
    xcp_assoc_set_int(a, "remainder", page * limit < (int64_t)n ? 1 : 0);
    return reply(c, true, 200, a, "Command completed successfully");
}

static struct xcp_value *act_get_balance(struct ctx *c)
{
    json_t *r = sim_reseller(c->sim, c->user);
    struct xcp_value *a = xcp_assoc_new();
    add_money(a, "balance", sim_jint(r, "balance", 0));
    add_money(a, "hold_balance", sim_jint(r, "hold_balance", 0));
    return reply(c, true, 200, a, "Command completed successfully");
}

static struct xcp_value *act_set_cookie(struct ctx *c)
{
    char name[MAX_NAME];
    struct xcp_value *err;
    const char *u = astr(c, "reg_username"), *p = astr(c, "reg_password");
    if (!u || !*u || !p || !*p)
        return fail_field(c, 460, "Missing required field",
                          "reg_username and reg_password are required");
    if (!want_domain(c, name, &err))
        return err;
    json_t *d = sim_domain(c->sim, name);
    if (!registered_ours(c->sim, d, c->user) ||
        strcmp(sim_jstr(d, "reg_username", ""), u) != 0 ||
        strcmp(sim_jstr(d, "reg_password", ""), p) != 0)
        return fail(c, 415, "Invalid Password supplied");
    json_t *cookies = json_object_get(c->sim->state, "cookies");
    /* drop expired cookies so the table stays small */
    const char *key;
    json_t *v, *tmp;
    json_object_foreach_safe(cookies, tmp, key, v)
    {
        if (sim_jint(v, "expires", 0) < c->now)
            sim_del(c->sim, "cookies", key);
    }
    if (json_object_size(cookies) >= 10000)
        return fail(c, 400, "Too many sessions");
    int64_t n = sim_next_id(c->sim, "cookie");
    char cookie[48];
    snprintf(cookie, sizeof(cookie), "%" PRId64 ":%" PRId64, 24000000 + n,
             3000000 + (int64_t)(sim_random(c->sim) * 999999.0));
    json_t *ck = json_object();
    sim_jset_str(ck, "domain", name);
    sim_jset_str(ck, "reg_username", u);
    sim_jset_int(ck, "expires", c->now + 7200);
    sim_put(c->sim, "cookies", cookie, ck);
    int64_t count = 0;
    json_object_foreach(json_object_get(c->sim->state, "domains"), key, v)
    {
        if (registered_ours(c->sim, v, c->user) &&
            strcmp(sim_jstr(v, "reg_username", ""), u) == 0)
            count++;
    }
    struct xcp_value *a = xcp_assoc_new();
    xcp_assoc_set_str(a, "cookie", cookie);
    add_time(a, "expiredate", sim_jint(d, "expiry", 0));
    xcp_assoc_set_int(a, "domain_count", count);
    xcp_assoc_set_int(a, "f_owner", 1);
    xcp_assoc_set_int(a, "last_access_time", c->now);
    xcp_assoc_set_str(a, "last_ip", "");
    xcp_assoc_set_str(a, "permission", "");
    xcp_assoc_set_int(a, "waiting_requests_no", 0);
    xcp_assoc_set_str(a, "encoding_type", "");
    return reply(c, true, 200, a, "Session created");
}

static struct xcp_value *act_delete_cookie(struct ctx *c)
{
    const char *ck = c->req->cookie ? c->req->cookie : astr(c, "cookie");
    json_t *cookies = json_object_get(c->sim->state, "cookies");
    if (!ck || !json_object_get(cookies, ck))
        return fail(c, 415, "Authentication Error: invalid cookie");
    sim_del(c->sim, "cookies", ck);
    return reply(c, true, 200, NULL, "Cookie deleted");
}

static struct xcp_value *act_modify(struct ctx *c)
{
    char name[MAX_NAME], msg[256];
    struct xcp_value *err;
    const char *data = astr(c, "data");
    if (!data || !*data)
        return fail_field(c, 460, "Missing required field", "data");
    json_t *d = target_domain(c, name, &err);
    if (!d)
        return err;
    if (strcasecmp(data, "status") == 0) {
        const char *ls = astr(c, "lock_state");
        if (!ls || (strcmp(ls, "0") != 0 && strcmp(ls, "1") != 0))
            return fail_field(c, 465, "Invalid data", "lock_state must be 0/1");
        sim_jset_int(d, "locked", ls[0] == '1');
    } else if (strcasecmp(data, "expire_action") == 0) {
        if (astr(c, "auto_renew"))
            sim_jset_int(d, "auto_renew", aflag(c, "auto_renew"));
        if (astr(c, "let_expire"))
            sim_jset_int(d, "let_expire", aflag(c, "let_expire"));
    } else if (strcasecmp(data, "contact_info") == 0) {
        const struct xcp_value *cs = attr(c, "contact_set");
        if (!cs || xcp_type(cs) != XCP_ASSOC || xcp_len(cs) == 0)
            return fail_field(c, 460, "Missing required field", "contact_set");
        json_t *have = json_object_get(d, "contact_set");
        for (size_t i = 0; i < xcp_len(cs); i++) {
            const char *t = xcp_item_key(cs, i);
            if (strcmp(t, "owner") && strcmp(t, "admin") &&
                strcmp(t, "billing") && strcmp(t, "tech"))
                return fail_field(c, 465, "Invalid data",
                                  "unknown contact type");
            json_object_set_new(have, t,
                                sim_xcp_to_json(xcp_item_value(cs, i)));
        }
    } else if (strcasecmp(data, "nameserver_list") == 0) {
        json_t *ns = collect_ns(attr(c, "nameserver_list"), msg, sizeof(msg));
        if (!ns)
            return fail_field(c, 465, "Invalid data", msg);
        struct xcp_value *r = unknown_ns_reply(c, ns);
        if (r)
            return r;
        json_object_set_new(d, "nameservers", ns);
    } else {
        return fail_field(c, 465, "Invalid data", "unsupported data type");
    }
    sim_jset_int(d, "updated", c->now);
    c->sim->dirty = true;
    return reply(c, true, 200, NULL, "Command completed successfully");
}

static bool ns_array(const struct xcp_value *v, json_t *out, char *msg,
                     size_t n)
{
    if (!v)
        return true;
    if (xcp_type(v) != XCP_ARRAY) {
        snprintf(msg, n, "nameserver lists must be arrays");
        return false;
    }
    for (size_t i = 0; i < xcp_len(v); i++) {
        const char *s = xcp_str(xcp_array_get(v, i));
        char nm[MAX_NAME];
        if (!s || !sim_norm_domain(s, nm, sizeof(nm)) ||
            !sim_domain_syntax_ok(nm)) {
            snprintf(msg, n, "invalid nameserver name");
            return false;
        }
        json_array_append_new(out, json_string(nm));
    }
    return true;
}

static struct xcp_value *act_adv_update_ns(struct ctx *c)
{
    char name[MAX_NAME], msg[128];
    struct xcp_value *err;
    const char *op = astr(c, "op_type");
    if (!op || !*op)
        return fail_field(c, 460, "Missing required field", "op_type");
    json_t *d = target_domain(c, name, &err);
    if (!d)
        return err;
    json_t *result = NULL;
    if (strcasecmp(op, "assign") == 0) {
        if (attr(c, "add_ns") || attr(c, "remove_ns"))
            return fail_field(c, 465, "Invalid data",
                              "assign_ns cannot be combined with add/remove");
        result = json_array();
        if (!attr(c, "assign_ns") ||
            !ns_array(attr(c, "assign_ns"), result, msg, sizeof(msg))) {
            json_decref(result);
            return fail_field(c, attr(c, "assign_ns") ? 465 : 460,
                              "Invalid data",
                              attr(c, "assign_ns") ? msg : "assign_ns");
        }
    } else if (strcasecmp(op, "add_remove") == 0) {
        json_t *add = json_array(), *rem = json_array();
        if (!ns_array(attr(c, "add_ns"), add, msg, sizeof(msg)) ||
            !ns_array(attr(c, "remove_ns"), rem, msg, sizeof(msg))) {
            json_decref(add);
            json_decref(rem);
            return fail_field(c, 465, "Invalid data", msg);
        }
        result = json_array();
        size_t i;
        json_t *v;
        json_array_foreach(json_object_get(d, "nameservers"), i, v)
        {
            if (!array_has(rem, v))
                json_array_append(result, v);
        }
        json_array_foreach(add, i, v)
        {
            if (!array_has(result, v))
                json_array_append(result, v);
        }
        json_decref(add);
        json_decref(rem);
    } else {
        return fail_field(c, 465, "Invalid data",
                          "op_type must be assign or add_remove");
    }
    struct xcp_value *r = unknown_ns_reply(c, result);
    if (r)
        return r;
    json_object_set_new(d, "nameservers", result);
    sim_jset_int(d, "updated", c->now);
    c->sim->dirty = true;
    return reply(c, true, 200, NULL, "Command completed successfully");
}

static struct xcp_value *act_revoke(struct ctx *c)
{
    char name[MAX_NAME];
    struct xcp_value *err;
    if (!want_domain(c, name, &err))
        return err;
    json_t *d = sim_domain(c->sim, name);
    if (!registered_ours(c->sim, d, c->user))
        return fail(c, 480, "Domain not found");
    sim_del(c->sim, "domains", name);
    json_t *ev = json_object();
    sim_jset_str(ev, "domain_name", name);
    sim_event(c->sim, "DELETED", "DOMAIN", ev);
    struct xcp_value *a = xcp_assoc_new();
    xcp_assoc_set_str(a, "charge", "0");
    /* the real server leaks a Perl undef here (opensrs-xcp.md §3.3) */
    xcp_assoc_set_str(a, "price", "undef");
    return reply(c, true, 200, a, "Domain %s revoked successfully.", name);
}

static struct xcp_value *act_poll_event(struct ctx *c)
{
    bool bad = false;
    int64_t limit = aint(c, "limit", 1, &bad);
    if (bad || limit < 1 || limit > 100)
        return fail_field(c, 465, "Invalid data", "limit must be 1-100");
    json_t *events = json_object_get(c->sim->state, "events");
    struct xcp_value *arr = xcp_array_new();
    for (size_t i = 0; i < json_array_size(events) && (int64_t)i < limit; i++)
        xcp_array_push(arr, sim_json_to_xcp(json_array_get(events, i)));
    struct xcp_value *a = xcp_assoc_new();
    xcp_assoc_set_int(a, "total", (int64_t)json_array_size(events));
    xcp_assoc_set(a, "events", arr);
    return reply(c, true, 200, a, "Command completed successfully");
}

static struct xcp_value *act_ack_event(struct ctx *c)
{
    const char *id = astr(c, "event_id");
    if (!id || !*id)
        return fail_field(c, 460, "Missing required field", "event_id");
    json_t *events = json_object_get(c->sim->state, "events");
    for (size_t i = 0; i < json_array_size(events); i++) {
        if (strcmp(sim_jstr(json_array_get(events, i), "event_id", ""), id) ==
            0) {
            json_array_remove(events, i);
            sim_journal_event_del(&c->sim->journal, i);
            c->sim->dirty = true;
            return reply(c, true, 200, NULL, "Command completed successfully");
        }
    }
    return fail(c, 480, "Event not found");
}

/* --- dispatch
 * ------------------------------------------------------------------ */

struct action {
    const char *action;
    const char *object; /* NULL = any object */
    struct xcp_value *(*fn)(struct ctx *c);
};

/* The real server appears to ignore the object for most actions
 * (opensrs-xcp.md §1.7), so only the verbs shared by several objects
 * (GET, SET, DELETE, POLL, ACK, CANCEL) look at it. */
static const struct action actions[] = {
    {"LOOKUP", NULL, act_lookup},
    {"NAME_SUGGEST", NULL, act_name_suggest},
    {"SW_REGISTER", NULL, act_sw_register},
    {"RENEW", NULL, act_renew},
    {"CHECK_TRANSFER", NULL, act_check_transfer},
    {"GET_TRANSFERS_IN", NULL, act_get_transfers_in},
    {"CANCEL_TRANSFER", NULL, act_cancel_transfer},
    {"GET_ORDER_INFO", NULL, act_get_order_info},
    {"QUERY_QUEUED_REQUEST", NULL, act_query_queued},
    {"PROCESS_PENDING", NULL, act_process_pending},
    {"CANCEL_PENDING_ORDERS", NULL, act_cancel_pending_orders},
    {"BELONGS_TO_RSP", NULL, act_belongs_to_rsp},
    {"GET_DOMAINS_BY_EXPIREDATE", NULL, act_get_by_expiredate},
    {"GET_BALANCE", NULL, act_get_balance},
    {"GET_PRICE", NULL, act_get_price},
    {"MODIFY", NULL, act_modify},
    {"ADVANCED_UPDATE_NAMESERVERS", NULL, act_adv_update_ns},
    {"REVOKE", NULL, act_revoke},
    {"SET", "COOKIE", act_set_cookie},
    {"DELETE", "COOKIE", act_delete_cookie},
    {"GET", "DOMAIN", act_get_domain},
    {"GET", "", act_get_domain},
    {"POLL", "EVENT", act_poll_event},
    {"ACK", "EVENT", act_ack_event},
};

struct xcp_value *sim_act(struct sim *sim, const char *user,
                          const struct xcp_request *req,
                          const struct sim_mode *mode)
{
    static const struct sim_mode none = {SIM_FAULT_NONE, -1};
    struct ctx c = {
        .sim = sim,
        .user = user,
        .req = req,
        .mode = mode ? mode : &none,
        .object = req->object[0] ? req->object : "DOMAIN",
    };
    c.now = sim_now(sim);
    if (req->attrs && xcp_type(req->attrs) != XCP_ASSOC)
        return fail(&c, 400, "attributes must be an associative array");
    for (size_t i = 0; i < sizeof(actions) / sizeof(actions[0]); i++) {
        if (strcmp(actions[i].action, req->action) != 0)
            continue;
        if (actions[i].object && strcmp(actions[i].object, req->object) != 0)
            continue;
        return actions[i].fn(&c);
    }
    /* 400 "Invalid Command: X" rather than 430: the text form is what the
     * response-code sources quote for an unknown command (§7) */
    return reply(&c, false, 400, NULL, "Invalid Command: %s", req->action);
}
