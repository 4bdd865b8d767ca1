/*
 * sim_state - the simulated world and its clock (see sim_state.h).
 */
#include "sim/sim_state.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "util/xalloc.h"

#define STATE_VERSION 1
#define YEAR_SECONDS (365 * 86400)

static int64_t real_time(void)
{
    return (int64_t)time(NULL);
}

/* --- configuration ---------------------------------------------------- */

void sim_config_init(struct sim_config *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->async_tlds = xstrdup("ca,de,co.uk");
    cfg->no_renew_tlds = xstrdup("de,at,dk,fr,za");
    cfg->no_privacy_tlds = xstrdup("ca,us");
    cfg->async_delay = 300;
    cfg->owner_delay = 86400;
    cfg->registry_delay = 4 * 86400;
    cfg->clock_start = -1;
    cfg->seed = 1;
}

void sim_config_release(struct sim_config *cfg)
{
    for (size_t i = 0; i < cfg->nresellers; i++) {
        free(cfg->resellers[i].user);
        /* the key is secret: wipe before freeing */
        if (cfg->resellers[i].key) {
            memset(cfg->resellers[i].key, 0, strlen(cfg->resellers[i].key));
            free(cfg->resellers[i].key);
        }
    }
    cfg->nresellers = 0;
    free(cfg->async_tlds);
    free(cfg->no_renew_tlds);
    free(cfg->no_privacy_tlds);
    free(cfg->state_path);
    json_decref(cfg->lifecycle);
    cfg->lifecycle = NULL;
    cfg->async_tlds = cfg->no_renew_tlds = cfg->no_privacy_tlds = NULL;
    cfg->state_path = NULL;
}

int sim_config_add_reseller(struct sim_config *cfg, const char *spec,
                            struct rm_err *err)
{
    const char *colon = strchr(spec, ':');
    if (!colon || colon == spec || !colon[1])
        return rm_err_set(err, RM_EINVAL, "--reseller: expected USER:KEY");
    if (colon - spec > 64 || strlen(colon + 1) > 512)
        return rm_err_set(err, RM_ELIMIT, "--reseller: too long");
    if (cfg->nresellers >= SIM_MAX_RESELLERS)
        return rm_err_set(err, RM_ELIMIT, "--reseller: at most %d",
                          SIM_MAX_RESELLERS);
    for (const char *p = spec; p < colon; p++)
        if (!isgraph((unsigned char)*p))
            return rm_err_set(err, RM_EINVAL,
                              "--reseller: bad character in user name");
    struct sim_reseller *r = &cfg->resellers[cfg->nresellers++];
    r->user = xstrndup(spec, (size_t)(colon - spec));
    r->key = xstrdup(colon + 1);
    return 0;
}

/* --- small helpers ---------------------------------------------------- */

int64_t sim_add_years(int64_t t, int64_t years)
{
    /* calendar years, as registries count them (29 Feb → 28 Feb) */
    time_t tt = (time_t)t;
    struct tm tm;
    gmtime_r(&tt, &tm);
    int mday = tm.tm_mday;
    tm.tm_year += (int)years;
    if (tm.tm_mon == 1 && mday == 29)
        tm.tm_mday = 28;
    return (int64_t)timegm(&tm);
}

int64_t sim_jint(const json_t *obj, const char *key, int64_t def)
{
    json_t *v = json_object_get(obj, key);
    return json_is_integer(v) ? (int64_t)json_integer_value(v) : def;
}

const char *sim_jstr(const json_t *obj, const char *key, const char *def)
{
    json_t *v = json_object_get(obj, key);
    return json_is_string(v) ? json_string_value(v) : def;
}

void sim_jset_int(json_t *obj, const char *key, int64_t v)
{
    json_object_set_new(obj, key, json_integer((json_int_t)v));
}

void sim_jset_str(json_t *obj, const char *key, const char *s)
{
    json_object_set_new(obj, key, json_string(s ? s : ""));
}

void sim_fmt_time(int64_t t, char out[20])
{
    time_t tt = (time_t)t;
    struct tm tm;
    if (!gmtime_r(&tt, &tm)) {
        snprintf(out, 20, "1970-01-01 00:00:00");
        return;
    }
    if (tm.tm_year + 1900 > 9999 ||
        strftime(out, 20, "%Y-%m-%d %H:%M:%S", &tm) != 19)
        snprintf(out, 20, "9999-12-31 23:59:59");
}

void sim_fmt_iso(int64_t t, char out[21])
{
    time_t tt = (time_t)t;
    struct tm tm;
    if (!gmtime_r(&tt, &tm)) {
        snprintf(out, 21, "1970-01-01T00:00:00Z");
        return;
    }
    if (tm.tm_year + 1900 > 9999 ||
        strftime(out, 21, "%Y-%m-%dT%H:%M:%SZ", &tm) != 20)
        snprintf(out, 21, "9999-12-31T23:59:59Z");
}

int sim_parse_time(const char *s, int64_t *out)
{
    int y, mo, d, h = 0, mi = 0, se = 0, n = 0;
    if (!s)
        return RM_EINVAL;
    size_t len = strlen(s);
    if (len == 10) {
        if (sscanf(s, "%4d-%2d-%2d%n", &y, &mo, &d, &n) != 3 || n != 10)
            return RM_EINVAL;
    } else if (len == 19) {
        if (sscanf(s, "%4d-%2d-%2d %2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &se,
                   &n) != 6 ||
            n != 19)
            return RM_EINVAL;
    } else {
        return RM_EINVAL;
    }
    if (y < 1970 || y > 9999 || mo < 1 || mo > 12 || d < 1 || d > 31 ||
        h > 23 || mi > 59 || se > 60 || h < 0 || mi < 0 || se < 0)
        return RM_EINVAL;
    struct tm tm = {0};
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = se;
    *out = (int64_t)timegm(&tm);
    return 0;
}

void sim_fmt_money(int64_t cents, char out[32])
{
    const char *sign = cents < 0 ? "-" : "";
    uint64_t a = cents < 0 ? (uint64_t)(-(cents + 1)) + 1 : (uint64_t)cents;
    snprintf(out, 32, "%s%" PRIu64 ".%02" PRIu64, sign, a / 100, a % 100);
}

int sim_parse_money(const char *s, int64_t *cents)
{
    if (!s || !*s || strlen(s) > 20)
        return RM_EINVAL;
    bool neg = false;
    if (*s == '-') {
        neg = true;
        s++;
    }
    int64_t whole = 0, frac = 0;
    int digits = 0, fdigits = 0;
    for (; isdigit((unsigned char)*s); s++, digits++)
        whole = whole * 10 + (*s - '0');
    if (*s == '.') {
        s++;
        for (; isdigit((unsigned char)*s) && fdigits < 2; s++, fdigits++)
            frac = frac * 10 + (*s - '0');
        if (fdigits == 0)
            return RM_EINVAL;
    }
    if (*s || digits == 0 || digits > 15)
        return RM_EINVAL;
    if (fdigits == 1)
        frac *= 10;
    *cents = (whole * 100 + frac) * (neg ? -1 : 1);
    return 0;
}

bool sim_in_list(const char *list, const char *word)
{
    size_t wl = strlen(word);
    for (const char *p = list; p && *p;) {
        const char *c = strchr(p, ',');
        size_t l = c ? (size_t)(c - p) : strlen(p);
        if (l == wl && strncasecmp(p, word, l) == 0)
            return true;
        p = c ? c + 1 : NULL;
    }
    return false;
}

int64_t sim_next_id(struct sim *sim, const char *key)
{
    json_t *c = json_object_get(sim->state, "counters");
    int64_t v = sim_jint(c, key, 0) + 1;
    sim_jset_int(c, key, v);
    sim->dirty = true;
    return v;
}

double sim_random(struct sim *sim)
{
    /* splitmix64: tiny, deterministic, good enough for test draws */
    uint64_t z = (sim->rng += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    z ^= z >> 31;
    return (double)(z >> 11) / 9007199254740992.0;
}

const char *sim_tld(const struct sim *sim, const char *domain)
{
    json_t *prices = json_object_get(sim->state, "prices");
    for (const char *p = strchr(domain, '.'); p; p = strchr(p + 1, '.')) {
        if (json_object_get(prices, p + 1))
            return p + 1;
    }
    return NULL;
}

int64_t sim_price(const struct sim *sim, const char *tld, const char *reg_type,
                  int64_t period)
{
    json_t *t = json_object_get(json_object_get(sim->state, "prices"), tld);
    json_t *rt = json_object_get(t, reg_type);
    if (!rt)
        return -1;
    char key[24];
    snprintf(key, sizeof(key), "%" PRId64, period);
    int64_t p = sim_jint(rt, key, -1);
    if (p >= 0)
        return p;
    int64_t one = sim_jint(rt, "1", -1);
    return one < 0 ? -1 : one * period;
}

json_t *sim_reseller(struct sim *sim, const char *user)
{
    json_t *rs = json_object_get(sim->state, "resellers");
    json_t *r = json_object_get(rs, user);
    if (!r) {
        r = json_object();
        sim_jset_int(r, "balance", SIM_DEFAULT_BALANCE);
        sim_jset_int(r, "hold_balance", 0);
        json_object_set_new(rs, user, r);
        sim->dirty = true;
    }
    return r;
}

json_t *sim_order(struct sim *sim, int64_t id)
{
    char key[24];
    snprintf(key, sizeof(key), "%" PRId64, id);
    json_t *o = json_object_get(json_object_get(sim->state, "orders"), key);
    if (o)
        sim_touch(sim, "orders", key);
    return o;
}

const json_t *sim_order_peek(const struct sim *sim, int64_t id)
{
    char key[24];
    snprintf(key, sizeof(key), "%" PRId64, id);
    return json_object_get(json_object_get(sim->state, "orders"), key);
}

json_t *sim_domain(struct sim *sim, const char *name)
{
    json_t *d = json_object_get(json_object_get(sim->state, "domains"), name);
    if (d)
        sim_touch(sim, "domains", name);
    return d;
}

void sim_touch(struct sim *sim, const char *coll, const char *key)
{
    sim_journal_touch(&sim->journal, coll, key);
}

void sim_touch_id(struct sim *sim, const char *coll, const json_t *obj)
{
    char key[24];
    snprintf(key, sizeof(key), "%" PRId64, sim_jint(obj, "id", 0));
    sim_touch(sim, coll, key);
}

void sim_put(struct sim *sim, const char *coll, const char *key, json_t *v)
{
    json_object_set_new(json_object_get(sim->state, coll), key, v);
    sim_touch(sim, coll, key);
    sim->dirty = true;
    if (strcmp(coll, "domains") == 0)
        sim_schedule(sim, sim_lifecycle_due(sim, key, v));
}

void sim_del(struct sim *sim, const char *coll, const char *key)
{
    /* note first: key may point into the member being removed */
    sim_touch(sim, coll, key);
    json_object_del(json_object_get(sim->state, coll), key);
    sim->dirty = true;
}

static bool transfer_active(const json_t *t)
{
    const char *st = sim_jstr(t, "status", "");
    return strcmp(st, "pending_owner") == 0 ||
           strcmp(st, "pending_admin") == 0 ||
           strcmp(st, "pending_registry") == 0;
}

json_t *sim_transfer_by_domain(struct sim *sim, const char *name,
                               bool active_only)
{
    json_t *best = NULL;
    const char *key;
    json_t *t;
    json_object_foreach(json_object_get(sim->state, "transfers"), key, t)
    {
        if (strcmp(sim_jstr(t, "domain", ""), name) != 0)
            continue;
        if (active_only && !transfer_active(t))
            continue;
        /* the newest transfer wins */
        if (!best || sim_jint(t, "id", 0) > sim_jint(best, "id", 0))
            best = t;
    }
    if (best)
        sim_touch_id(sim, "transfers", best);
    return best;
}

void sim_event(struct sim *sim, const char *reseller, const char *event,
               const char *object, json_t *object_data)
{
    int64_t n = sim_next_id(sim, "event");
    char seed[48], id[33];
    snprintf(seed, sizeof(seed), "opensrs-sim-event-%" PRId64, n);
    xcp_md5_hex(seed, strlen(seed), id);
    char date[21];
    sim_fmt_iso(sim->now, date);
    json_t *e = json_object();
    sim_jset_str(e, "event", event);
    sim_jset_str(e, "event_id", id);
    sim_jset_str(e, "event_date", date);
    sim_jset_str(e, "object", object);
    json_object_set_new(e, "object_data", object_data);
    if (reseller && *reseller)
        sim_jset_str(e, "reseller", reseller);
    json_t *events = json_object_get(sim->state, "events");
    /* a client that never acknowledges must not grow us without bound */
    if (json_array_size(events) >= SIM_MAX_EVENTS)
        sim_event_remove(sim, 0);
    json_array_append_new(events, e);
    sim_journal_event_add(&sim->journal, e);
    sim->dirty = true;
}

bool sim_event_visible(const json_t *e, const char *user)
{
    const char *r = sim_jstr(e, "reseller", NULL);
    return !r || (user && strcmp(r, user) == 0);
}

void sim_event_remove(struct sim *sim, size_t i)
{
    json_array_remove(json_object_get(sim->state, "events"), i);
    sim_journal_event_del(&sim->journal, i);
    sim->dirty = true;
}

void sim_events_clear(struct sim *sim)
{
    json_t *events = json_object_get(sim->state, "events");
    /* from the end: each removal is one journal operation, by index */
    for (size_t n = json_array_size(events); n > 0; n--)
        sim_event_remove(sim, n - 1);
    json_object_set_new(sim->state, "acked", json_object());
    sim->dirty = true;
}

void sim_domain_event(struct sim *sim, const char *event, const char *name,
                      json_t *d, bool with_expiry, int64_t period)
{
    if (sim_jint(d, "id", 0) <= 0)
        sim_jset_int(d, "id", sim_next_id(sim, "domain"));
    char id[24];
    snprintf(id, sizeof(id), "%" PRId64, sim_jint(d, "id", 0));
    json_t *data = json_object();
    sim_jset_str(data, "domain_name", name);
    sim_jset_str(data, "domain_id", id);
    if (with_expiry) {
        char exp[21];
        sim_fmt_iso(sim_jint(d, "expiry", 0), exp);
        sim_jset_str(data, "expiration_date", exp);
    }
    if (period > 0) {
        char p[24];
        snprintf(p, sizeof(p), "%" PRId64, period);
        sim_jset_str(data, "period", p);
    }
    sim_event(sim, sim_jstr(d, "owner", ""), event, "DOMAIN", data);
}

/* --- xcp <-> json ------------------------------------------------------ */

json_t *sim_xcp_to_json(const struct xcp_value *v)
{
    if (!v)
        return json_null();
    switch (xcp_type(v)) {
    case XCP_SCALAR:
        return json_stringn(xcp_str(v), xcp_len(v));
    case XCP_ASSOC: {
        json_t *o = json_object();
        for (size_t i = 0; i < xcp_len(v); i++)
            json_object_set_new(o, xcp_item_key(v, i),
                                sim_xcp_to_json(xcp_item_value(v, i)));
        return o;
    }
    case XCP_ARRAY: {
        json_t *a = json_array();
        for (size_t i = 0; i < xcp_len(v); i++)
            json_array_append_new(a, sim_xcp_to_json(xcp_array_get(v, i)));
        return a;
    }
    }
    return json_null();
}

struct xcp_value *sim_json_to_xcp(const json_t *j)
{
    switch (json_typeof(j)) {
    case JSON_OBJECT: {
        struct xcp_value *a = xcp_assoc_new();
        const char *key;
        json_t *val;
        json_object_foreach((json_t *)j, key, val)
        {
            xcp_assoc_set(a, key, sim_json_to_xcp(val));
        }
        return a;
    }
    case JSON_ARRAY: {
        struct xcp_value *a = xcp_array_new();
        size_t i;
        json_t *val;
        json_array_foreach(j, i, val)
        {
            xcp_array_push(a, sim_json_to_xcp(val));
        }
        return a;
    }
    case JSON_STRING:
        return xcp_scalar_newn(json_string_value(j), json_string_length(j));
    case JSON_INTEGER:
        return xcp_int_new((int64_t)json_integer_value(j));
    case JSON_REAL:
        return xcp_scalar_newf("%g", json_real_value(j));
    case JSON_TRUE:
        return xcp_scalar_new("1");
    case JSON_FALSE:
        return xcp_scalar_new("0");
    case JSON_NULL:
        break;
    }
    return xcp_scalar_new("");
}

/* --- the default world ------------------------------------------------- */

struct default_price {
    const char *tld;
    int64_t cents; /* per year for new, renewal and transfer */
};

static const struct default_price default_prices[] = {
    {"com", 1000}, {"net", 1100},  {"org", 1200}, {"info", 1300}, {"biz", 1300},
    {"us", 1000},  {"io", 4000},   {"co", 2500},  {"ca", 1500},   {"de", 900},
    {"uk", 800},   {"co.uk", 800}, {"eu", 900},   {"dk", 1200},   {"at", 1500},
    {"fr", 1100},  {"za", 700},    {"name", 900}, {"tv", 3500},   {"me", 1800},
};

/* Domains every fresh world has: registered elsewhere, so LOOKUP says 211
 * and a transfer-in with the auth code works out of the box. */
static const char *const default_taken[] = {"taken.com", "taken.net",
                                            "taken.org"};

/* auth_code_for - the code a registry gives a domain registered without
 * one: 12 characters from the name and the time (FNV-1a), so a state file
 * and a replay give the same. */
static void auth_code_for(const char *name, int64_t when, char out[16])
{
    static const char set[] = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz"
                              "23456789";
    uint64_t h = 1469598103934665603ULL;
    for (const char *p = name; *p; p++)
        h = (h ^ (unsigned char)*p) * 1099511628211ULL;
    h = (h ^ (uint64_t)when) * 1099511628211ULL;
    for (int i = 0; i < 12; i++) {
        out[i] = set[h % (sizeof set - 1)];
        h = h / (sizeof set - 1) ^ (h << 7) ^ 0x9e3779b97f4a7c15ULL;
    }
    out[12] = '\0';
}

static json_t *seed_domain(const char *owner, int64_t now)
{
    json_t *d = json_object();
    sim_jset_str(d, "owner", owner);
    sim_jset_str(d, "reg_username", "");
    sim_jset_str(d, "reg_password", "");
    sim_jset_str(d, "auth_info", "");
    json_object_set_new(d, "contact_set", json_object());
    json_object_set_new(d, "nameservers", json_array());
    sim_jset_int(d, "created", now - YEAR_SECONDS);
    sim_jset_int(d, "updated", now - YEAR_SECONDS);
    sim_jset_int(d, "expiry", now + YEAR_SECONDS);
    sim_jset_int(d, "auto_renew", 0);
    sim_jset_int(d, "let_expire", 0);
    sim_jset_int(d, "locked", 0);
    return d;
}

json_t *sim_new_domain(const char *owner, int64_t now)
{
    return seed_domain(owner, now);
}

json_t *sim_default_state(const struct sim_config *cfg)
{
    json_t *s = json_object();
    sim_jset_int(s, "version", STATE_VERSION);
    sim_jset_int(s, "clock_offset", 0);
    json_t *c = json_object();
    sim_jset_int(c, "order", SIM_FIRST_ORDER_ID - 1);
    sim_jset_int(c, "queue", 7000000);
    sim_jset_int(c, "transfer", 500000);
    sim_jset_int(c, "event", 0);
    sim_jset_int(c, "cookie", 0);
    sim_jset_int(c, "domain", SIM_FIRST_DOMAIN_ID - 1);
    json_object_set_new(s, "counters", c);
    json_t *rs = json_object();
    for (size_t i = 0; i < cfg->nresellers; i++) {
        json_t *r = json_object();
        sim_jset_int(r, "balance", SIM_DEFAULT_BALANCE);
        sim_jset_int(r, "hold_balance", 0);
        json_object_set_new(rs, cfg->resellers[i].user, r);
    }
    json_object_set_new(s, "resellers", rs);
    json_t *prices = json_object();
    for (size_t i = 0; i < sizeof(default_prices) / sizeof(default_prices[0]);
         i++) {
        json_t *t = json_object();
        static const char *const types[] = {"new", "renewal", "transfer"};
        for (size_t k = 0; k < 3; k++) {
            json_t *p = json_object();
            sim_jset_int(p, "1", default_prices[i].cents);
            json_object_set_new(t, types[k], p);
        }
        json_object_set_new(prices, default_prices[i].tld, t);
    }
    json_object_set_new(s, "prices", prices);
    json_object_set_new(s, "domains", json_object());
    json_object_set_new(s, "orders", json_object());
    json_object_set_new(s, "queue", json_object());
    json_object_set_new(s, "transfers", json_object());
    json_object_set_new(s, "events", json_array());
    json_object_set_new(s, "acked", json_object());
    json_object_set_new(s, "cookies", json_object());
    json_object_set_new(s, "hosts", json_object());
    json_object_set_new(s, "registry_hosts", json_object());
    json_object_set_new(s, "transfers_away", json_array());
    json_object_set_new(s, "premium_names", json_object());
    json_object_set_new(s, "lifecycle", json_object());
    return s;
}

static void seed_defaults(struct sim *sim, json_t *s)
{
    int64_t now = sim->realtime() + sim_jint(s, "clock_offset", 0);
    json_t *domains = json_object_get(s, "domains");
    for (size_t i = 0; i < sizeof(default_taken) / sizeof(default_taken[0]);
         i++) {
        json_t *d = seed_domain("other", now);
        sim_jset_str(d, "auth_info", "transfer-me");
        json_object_set_new(domains, default_taken[i], d);
    }
}

/* ensure - fill in members a hand-edited or older state file may lack */
static void ensure(json_t *s, const char *key, json_t *def)
{
    json_t *v = json_object_get(s, key);
    if (!v || json_typeof(v) != json_typeof(def))
        json_object_set(s, key, def);
    json_decref(def);
}

static int validate_state(json_t *s, const struct sim_config *cfg,
                          struct rm_err *err)
{
    if (!json_is_object(s))
        return rm_err_set(err, RM_EINVAL, "state: not a JSON object");
    if (sim_jint(s, "version", -1) != STATE_VERSION)
        return rm_err_set(err, RM_EINVAL, "state: unsupported version");
    json_t *def = sim_default_state(cfg);
    const char *key;
    json_t *val;
    json_object_foreach(def, key, val)
    {
        ensure(s, key, json_incref(val));
    }
    json_decref(def);
    /* resellers named on the command line always have an account */
    json_t *rs = json_object_get(s, "resellers");
    for (size_t i = 0; i < cfg->nresellers; i++) {
        if (!json_object_get(rs, cfg->resellers[i].user)) {
            json_t *r = json_object();
            sim_jset_int(r, "balance", SIM_DEFAULT_BALANCE);
            sim_jset_int(r, "hold_balance", 0);
            json_object_set_new(rs, cfg->resellers[i].user, r);
        }
    }
    return 0;
}

int sim_init(struct sim *sim, struct sim_config *cfg, struct rm_err *err)
{
    memset(sim, 0, sizeof(*sim));
    pthread_mutex_init(&sim->mu, NULL);
    sim->cfg = *cfg;
    memset(cfg, 0, sizeof(*cfg));
    sim->realtime = real_time; /* tests replace it after sim_init */
    sim->rng = sim->cfg.seed;
    sim_rules_init(&sim->rules);
    sim->counts = json_object();
    json_object_set_new(sim->counts, "actions", json_object());
    json_object_set_new(sim->counts, "domains", json_object());
    sim->next_due = INT64_MIN; /* first sim_now scans everything */

    sim_journal_init(&sim->journal, sim->cfg.state_path);
    json_t *s = NULL;
    int rc = sim_journal_load_snapshot(&sim->journal, &s, err);
    if (rc < 0) {
        sim_release(sim);
        return rc;
    }
    if (s) {
        rc = validate_state(s, &sim->cfg, err);
        if (rc < 0) {
            rm_err_prefix(err, "%s: ", sim->cfg.state_path);
            json_decref(s);
            sim_release(sim);
            return rc;
        }
    } else {
        s = sim_default_state(&sim->cfg);
        seed_defaults(sim, s);
    }
    rc =
        sim_journal_replay(&sim->journal, s, sim->note, sizeof(sim->note), err);
    if (rc < 0) {
        json_decref(s);
        sim_release(sim);
        return rc;
    }
    if (sim->cfg.clock_start >= 0)
        sim_jset_int(s, "clock_offset", sim->cfg.clock_start - sim->realtime());
    if (sim->cfg.lifecycle &&
        sim_lifecycle_apply_config(s, sim->cfg.lifecycle, err) < 0) {
        json_decref(s);
        sim_release(sim);
        return RM_EINVAL;
    }
    sim->state = s;
    sim->initial = json_deep_copy(s);
    sim->dirty = true;
    return 0;
}

void sim_release(struct sim *sim)
{
    json_decref(sim->state);
    json_decref(sim->initial);
    json_decref(sim->counts);
    sim->state = sim->initial = sim->counts = NULL;
    sim_journal_release(&sim->journal);
    sim_rules_release(&sim->rules);
    sim_config_release(&sim->cfg);
    pthread_mutex_destroy(&sim->mu);
}

void sim_reset(struct sim *sim)
{
    json_decref(sim->state);
    sim->state = json_deep_copy(sim->initial);
    sim->next_due = INT64_MIN;
    sim->dirty = true;
    /* the journal records changes, not a new world: a snapshot does */
    sim_journal_forget(&sim->journal);
    sim->journal.need_snapshot = true;
}

const char *sim_reseller_key(const struct sim *sim, const char *user)
{
    if (!user)
        return NULL;
    for (size_t i = 0; i < sim->cfg.nresellers; i++)
        if (strcmp(sim->cfg.resellers[i].user, user) == 0)
            return sim->cfg.resellers[i].key;
    return NULL;
}

/* --- persistence --------------------------------------------------------- */

int sim_save(struct sim *sim, struct rm_err *err)
{
    if (!sim->cfg.state_path)
        return 0;
    int rc = sim_journal_snapshot(&sim->journal, sim->state, err);
    if (rc == 0)
        sim->dirty = false;
    return rc;
}

int sim_save_if_dirty(struct sim *sim, struct rm_err *err)
{
    if (!sim->dirty) {
        /* nothing changed: the notes are of members only read */
        sim_journal_forget(&sim->journal);
        return 0;
    }
    /* on failure the notes stay and the next save writes them */
    int rc = sim_journal_commit(&sim->journal, sim->state, err);
    if (rc == 0)
        sim->dirty = false;
    return rc;
}

/* --- clock and pending work ---------------------------------------------- */

void sim_schedule(struct sim *sim, int64_t due)
{
    if (due < sim->next_due)
        sim->next_due = due;
}

int64_t sim_now(struct sim *sim)
{
    int64_t now = sim->realtime() + sim_jint(sim->state, "clock_offset", 0);
    sim->now = now;
    if (now >= sim->next_due)
        sim_tick(sim, now);
    return now;
}

int64_t sim_clock_advance(struct sim *sim, int64_t seconds)
{
    json_t *off = json_object_get(sim->state, "clock_offset");
    sim_jset_int(sim->state, "clock_offset",
                 (off ? (int64_t)json_integer_value(off) : 0) + seconds);
    sim->dirty = true;
    return sim_now(sim);
}

int64_t sim_clock_set(struct sim *sim, int64_t now)
{
    sim_jset_int(sim->state, "clock_offset", now - sim->realtime());
    sim->dirty = true;
    return sim_now(sim);
}

static void release_hold(struct sim *sim, json_t *order)
{
    sim_touch_id(sim, "orders", order);
    json_t *r = sim_reseller(sim, sim_jstr(order, "reseller", ""));
    if (sim_jint(order, "held", 0)) {
        sim_jset_int(r, "hold_balance",
                     sim_jint(r, "hold_balance", 0) -
                         sim_jint(order, "cost", 0));
        sim_jset_int(order, "held", 0);
    }
}

static void take_hold(struct sim *sim, json_t *order)
{
    sim_touch_id(sim, "orders", order);
    json_t *r = sim_reseller(sim, sim_jstr(order, "reseller", ""));
    sim_jset_int(r, "hold_balance",
                 sim_jint(r, "hold_balance", 0) + sim_jint(order, "cost", 0));
    sim_jset_int(order, "held", 1);
}

static void debit(struct sim *sim, json_t *order)
{
    json_t *r = sim_reseller(sim, sim_jstr(order, "reseller", ""));
    sim_jset_int(r, "balance",
                 sim_jint(r, "balance", 0) - sim_jint(order, "cost", 0));
}

static void order_status_event(struct sim *sim, json_t *order)
{
    json_t *d = json_object();
    sim_jset_str(d, "order_id", sim_jstr(order, "id_text", ""));
    sim_jset_str(d, "domain_name", sim_jstr(order, "domain", ""));
    sim_jset_str(d, "order_reg_type", sim_jstr(order, "reg_type", ""));
    sim_jset_str(d, "order_status", sim_jstr(order, "status", ""));
    sim_event(sim, sim_jstr(order, "reseller", ""), "STATUS_CHANGE", "ORDER",
              d);
}

static void set_status(struct sim *sim, json_t *order, const char *status,
                       int64_t when)
{
    sim_touch_id(sim, "orders", order);
    sim_jset_str(order, "status", status);
    sim_jset_int(order, "updated", when);
    if (strcmp(status, "completed") == 0 || strcmp(status, "cancelled") == 0 ||
        strcmp(status, "declined") == 0)
        sim_jset_int(order, "completed_date", when);
    sim->dirty = true;
    order_status_event(sim, order);
}

void sim_order_set_status(struct sim *sim, json_t *order, const char *status)
{
    set_status(sim, order, status, sim->now);
}

/* copy_extras - the order's .ca / .us registrant data onto the domain
 * (sim_act_extras.c), when the order carried any. */
static void copy_extras(const json_t *req, json_t *d)
{
    static const char *const keys[] = {"legal_type", "isa_trademark",
                                       "lang_pref", "nexus"};
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
        json_t *v = json_object_get(req, keys[i]);
        if (v)
            json_object_set_new(d, keys[i], json_deep_copy(v));
    }
}

/* apply_new - the registry says yes: the domain is the reseller's. */
static void apply_new(struct sim *sim, json_t *order, int64_t when)
{
    const char *name = sim_jstr(order, "domain", "");
    json_t *req = json_object_get(order, "request");
    json_t *d = seed_domain(sim_jstr(order, "reseller", ""), when);
    sim_jset_int(d, "created", when);
    sim_jset_int(d, "updated", when);
    sim_jset_int(d, "expiry",
                 sim_add_years(when, sim_jint(order, "period", 1)));
    sim_jset_str(d, "reg_username", sim_jstr(req, "reg_username", ""));
    sim_jset_str(d, "reg_password", sim_jstr(req, "reg_password", ""));
    sim_jset_str(d, "auth_info", sim_jstr(req, "auth_info", ""));
    if (!sim_jstr(d, "auth_info", "")[0]) {
        /* the registry gives every domain a code (EPP authInfo) */
        char code[16];
        auth_code_for(name, when, code);
        sim_jset_str(d, "auth_info", code);
    }
    /* copies: a later change to the domain must not reach the order */
    json_t *cs = json_object_get(req, "contact_set");
    if (json_is_object(cs))
        json_object_set_new(d, "contact_set", json_deep_copy(cs));
    json_t *ns = json_object_get(req, "nameservers");
    if (json_is_array(ns))
        json_object_set_new(d, "nameservers", json_deep_copy(ns));
    copy_extras(req, d);
    sim_jset_int(d, "auto_renew", sim_jint(order, "auto_renew", 0));
    sim_jset_int(d, "locked", sim_jint(order, "lock", 0));
    sim_put(sim, "domains", name, d);
    debit(sim, order);
    /* the registry's change first, then the order's (sim_state.h) */
    sim_domain_event(sim, "CREATED", name, d, true, 0);
    sim_domain_event(sim, "REGISTERED", name, d, true,
                     sim_jint(order, "period", 1));
    set_status(sim, order, "completed", when);
}

static void apply_renewal(struct sim *sim, json_t *order, int64_t when)
{
    json_t *d = sim_domain(sim, sim_jstr(order, "domain", ""));
    if (d) {
        int64_t exp = sim_jint(d, "expiry", when);
        struct tm tm;
        time_t t = (time_t)exp;
        gmtime_r(&t, &tm);
        sim_jset_int(d, "renewed_from_year", tm.tm_year + 1900);
        sim_jset_int(d, "expiry",
                     sim_add_years(exp, sim_jint(order, "period", 1)));
        sim_jset_int(d, "updated", when);
        json_object_del(d, "waiting_order");
        if (json_object_get(order, "auto_renew"))
            sim_jset_int(d, "auto_renew", sim_jint(order, "auto_renew", 0));
        sim_domain_event(sim, "RENEWED", sim_jstr(order, "domain", ""), d, true,
                         sim_jint(order, "period", 1));
    }
    debit(sim, order);
    set_status(sim, order, "completed", when);
}

static void transfer_event(struct sim *sim, json_t *t)
{
    char id[24];
    snprintf(id, sizeof(id), "%" PRId64, sim_jint(t, "id", 0));
    json_t *d = json_object();
    sim_jset_str(d, "domain_name", sim_jstr(t, "domain", ""));
    sim_jset_str(d, "transfer_id", id);
    sim_jset_str(d, "order_id", sim_jstr(t, "order_id_text", ""));
    sim_jset_str(d, "transfer_status", sim_jstr(t, "status", ""));
    sim_event(sim, sim_jstr(t, "reseller", ""), "STATUS_CHANGE", "TRANSFER", d);
}

static void complete_transfer(struct sim *sim, json_t *t, int64_t when)
{
    sim_touch_id(sim, "transfers", t);
    json_t *order = sim_order(sim, sim_jint(t, "order_id", 0));
    const char *name = sim_jstr(t, "domain", "");
    sim_jset_int(t, "updated", when);
    if (order)
        release_hold(sim, order);
    if (sim_jint(t, "decline", 0)) {
        sim_jset_str(t, "status", "cancelled");
        sim_jset_str(t, "reason", "Transfer declined by the losing registrar");
        transfer_event(sim, t);
        if (order)
            set_status(sim, order, "declined", when);
        return;
    }
    sim_jset_str(t, "status", "completed");
    sim_jset_int(t, "completed_date", when);
    json_t *d = sim_domain(sim, name);
    if (!d) {
        d = seed_domain("other", when);
        sim_put(sim, "domains", name, d);
    }
    json_t *req = order ? json_object_get(order, "request") : NULL;
    sim_jset_str(d, "owner", sim_jstr(t, "reseller", ""));
    sim_jset_int(d, "expiry", sim_add_years(sim_jint(d, "expiry", when), 1));
    sim_jset_int(d, "updated", when);
    /* new in this system: a domain id of its own (sim_domain_event) */
    json_object_del(d, "id");
    if (req) {
        sim_jset_str(d, "reg_username", sim_jstr(req, "reg_username", ""));
        sim_jset_str(d, "reg_password", sim_jstr(req, "reg_password", ""));
        json_t *cs = json_object_get(req, "contact_set");
        if (json_is_object(cs))
            json_object_set_new(d, "contact_set", json_deep_copy(cs));
        json_t *ns = json_object_get(req, "nameservers");
        if (json_is_array(ns) && json_array_size(ns))
            json_object_set_new(d, "nameservers", json_deep_copy(ns));
        copy_extras(req, d);
    }
    transfer_event(sim, t);
    sim_domain_event(sim, "CREATED", name, d, true, 0);
    if (order) {
        debit(sim, order);
        set_status(sim, order, "completed", when);
    }
}

static void complete_waiting(struct sim *sim, json_t *order, int64_t when)
{
    release_hold(sim, order);
    const char *type = sim_jstr(order, "reg_type", "");
    json_t *d = sim_domain(sim, sim_jstr(order, "domain", ""));
    if (sim_jint(order, "decline", 0)) {
        if (strcmp(type, "new") == 0) {
            if (d &&
                sim_jint(d, "waiting_order", 0) == sim_jint(order, "id", -1))
                sim_del(sim, "domains", sim_jstr(order, "domain", ""));
        } else if (d) {
            json_object_del(d, "waiting_order");
        }
        set_status(sim, order, "declined", when);
        return;
    }
    if (strcmp(type, "renewal") == 0)
        apply_renewal(sim, order, when);
    else
        apply_new(sim, order, when);
}

static void run_queued(struct sim *sim, json_t *q, int64_t when)
{
    json_t *order = sim_order(sim, sim_jint(q, "order_id", 0));
    struct sim_run run = {0};
    if (!order) {
        run.code = 480;
        snprintf(run.text, sizeof(run.text), "Order not found");
    } else {
        sim_order_run(sim, order, false, -1, &run);
    }
    sim_jset_str(q, "status", run.ok ? "completed" : "failed");
    sim_jset_int(q, "response_code", run.code);
    sim_jset_str(q, "response_text", run.text);
    sim_jset_int(q, "completed_date", when);
}

/*
 * next_item - the earliest piece of work due at or before now, with its
 * time. Scans everything: the worlds we hold are test-sized, and the scan
 * only runs when sim.next_due says something is due.
 */
enum item_kind {
    ITEM_NONE,
    ITEM_ORDER,
    ITEM_QUEUE,
    ITEM_OWNER,
    ITEM_REG,
    ITEM_LIFE
};

static enum item_kind next_item(struct sim *sim, int64_t now, json_t **out,
                                const char **out_key, int64_t *when,
                                int64_t *future)
{
    enum item_kind kind = ITEM_NONE;
    int64_t best = INT64_MAX;
    *future = INT64_MAX;
    const char *key;
    json_t *v;
#define CONSIDER(t, k)                                                         \
    do {                                                                       \
        int64_t due_ = (t);                                                    \
        if (due_ <= now && due_ < best) {                                      \
            best = due_;                                                       \
            *out = v;                                                          \
            *out_key = key;                                                    \
            kind = (k);                                                        \
        } else if (due_ > now && due_ < *future) {                             \
            *future = due_;                                                    \
        }                                                                      \
    } while (0)
    json_object_foreach(json_object_get(sim->state, "orders"), key, v)
    {
        if (strcmp(sim_jstr(v, "status", ""), "waiting") == 0 &&
            !json_object_get(v, "queue_id"))
            CONSIDER(sim_jint(v, "due", 0), ITEM_ORDER);
    }
    json_object_foreach(json_object_get(sim->state, "queue"), key, v)
    {
        if (strcmp(sim_jstr(v, "status", ""), "queued") == 0)
            CONSIDER(sim_jint(v, "due", 0), ITEM_QUEUE);
    }
    json_object_foreach(json_object_get(sim->state, "transfers"), key, v)
    {
        const char *st = sim_jstr(v, "status", "");
        if (strcmp(st, "pending_owner") == 0)
            CONSIDER(sim_jint(v, "owner_until", 0), ITEM_OWNER);
        else if (strcmp(st, "pending_registry") == 0)
            CONSIDER(sim_jint(v, "registry_until", 0), ITEM_REG);
    }
    json_object_foreach(json_object_get(sim->state, "domains"), key, v)
    {
        int64_t due = sim_lifecycle_due(sim, key, v);
        if (due != INT64_MAX)
            CONSIDER(due, ITEM_LIFE);
    }
#undef CONSIDER
    *when = best;
    return kind;
}

void sim_tick(struct sim *sim, int64_t now)
{
    for (int guard = 0; guard < 100000; guard++) {
        json_t *item = NULL;
        const char *key = NULL;
        int64_t when, future;
        enum item_kind kind = next_item(sim, now, &item, &key, &when, &future);
        if (kind == ITEM_NONE) {
            sim->next_due = future;
            sim->now = now;
            return;
        }
        /* events carry the time the work was due, not the time we noticed */
        sim->now = when;
        sim_touch(sim,
                  kind == ITEM_ORDER   ? "orders"
                  : kind == ITEM_QUEUE ? "queue"
                  : kind == ITEM_LIFE  ? "domains"
                                       : "transfers",
                  key);
        switch (kind) {
        case ITEM_ORDER:
            complete_waiting(sim, item, when);
            break;
        case ITEM_QUEUE:
            /* a queued request runs as if processed at its due time */
            sim_jset_str(item, "status", "running");
            {
                json_t *order = sim_order(sim, sim_jint(item, "order_id", 0));
                if (order) {
                    json_object_del(order, "queue_id");
                    sim_jset_str(order, "status", "pending");
                }
            }
            run_queued(sim, item, when);
            {
                /* waiting -> pending is a change only when the run left
                 * the order there (short funds, domain taken) */
                json_t *order = sim_order(sim, sim_jint(item, "order_id", 0));
                if (order &&
                    strcmp(sim_jstr(order, "status", ""), "pending") == 0)
                    order_status_event(sim, order);
            }
            break;
        case ITEM_OWNER:
            sim_jset_str(item, "status", "pending_registry");
            sim_jset_int(item, "updated", when);
            transfer_event(sim, item);
            break;
        case ITEM_REG:
            complete_transfer(sim, item, when);
            break;
        case ITEM_LIFE:
            sim_lifecycle_run(sim, key, item, when);
            break;
        case ITEM_NONE:
            break;
        }
        sim->dirty = true;
    }
}

/* --- running orders ---------------------------------------------------- */

static int64_t available(struct sim *sim, const char *user)
{
    json_t *r = sim_reseller(sim, user);
    return sim_jint(r, "balance", 0) - sim_jint(r, "hold_balance", 0);
}

static void set_run(struct sim_run *out, bool ok, int code, const char *text)
{
    out->ok = ok;
    out->code = code;
    snprintf(out->text, sizeof(out->text), "%s", text);
}

static int year_of(int64_t t)
{
    time_t tt = (time_t)t;
    struct tm tm;
    gmtime_r(&tt, &tm);
    return tm.tm_year + 1900;
}

void sim_order_run(struct sim *sim, json_t *order, bool decline_later,
                   int64_t complete_after, struct sim_run *out)
{
    int64_t now = sim->now;
    const char *type = sim_jstr(order, "reg_type", "");
    const char *user = sim_jstr(order, "reseller", "");
    const char *name = sim_jstr(order, "domain", "");
    const char *tld = sim_tld(sim, name);
    int64_t cost = sim_jint(order, "cost", 0);
    int64_t delay = complete_after >= 0 ? complete_after : sim->cfg.async_delay;
    bool async = (tld && sim_in_list(sim->cfg.async_tlds, tld)) ||
                 sim_jint(order, "force_async", 0) || decline_later;
    json_t *d = sim_domain(sim, name);
    sim_touch_id(sim, "orders", order);
    sim->dirty = true;

    if (strcmp(type, "new") == 0) {
        if (d && json_object_get(d, "waiting_order")) {
            set_run(out, false, 437,
                    "Another request is already waiting on this domain");
            return;
        }
        if (d) {
            set_run(out, false, 485, "Domain taken");
            return;
        }
        if (available(sim, user) < cost) {
            set_run(out, false, 486, "Insufficient funds");
            out->code = -1; /* the caller turns this into forced_pending */
            return;
        }
        if (async) {
            json_t *w = seed_domain(user, now);
            sim_jset_int(w, "waiting_order", sim_jint(order, "id", 0));
            sim_put(sim, "domains", name, w);
            sim_jset_int(order, "due", now + delay);
            sim_jset_int(order, "decline", decline_later ? 1 : 0);
            take_hold(sim, order);
            set_status(sim, order, "waiting", now);
            sim_schedule(sim, now + delay);
            set_run(out, true, 250,
                    "Action submitted successfully for processing to "
                    "asynchronous registry");
            return;
        }
        apply_new(sim, order, now);
        set_run(out, true, 200, "Registration successful");
        return;
    }
    if (strcmp(type, "renewal") == 0) {
        if (!d || strcmp(sim_jstr(d, "owner", ""), user) != 0 ||
            json_object_get(d, "waiting_order")) {
            set_run(out, false, 480, "Domain not found");
            return;
        }
        const char *late = sim_renew_refusal(sim, name, d, now);
        if (late) {
            set_run(out, false, 465, late);
            return;
        }
        int64_t want = sim_jint(order, "currentexpirationyear", 0);
        int have = year_of(sim_jint(d, "expiry", 0));
        if (want != have) {
            if (want == sim_jint(d, "renewed_from_year", -1))
                set_run(out, false, 555, "Domain already renewed");
            else
                set_run(out, false, 541,
                        "The expiration year does not match the registry");
            return;
        }
        if (available(sim, user) < cost) {
            set_run(out, false, 486, "Insufficient funds");
            out->code = -1;
            return;
        }
        if (async) {
            sim_jset_int(d, "waiting_order", sim_jint(order, "id", 0));
            sim_jset_int(order, "due", now + delay);
            sim_jset_int(order, "decline", decline_later ? 1 : 0);
            take_hold(sim, order);
            set_status(sim, order, "waiting", now);
            sim_schedule(sim, now + delay);
            set_run(out, true, 250,
                    "Action submitted successfully for processing to "
                    "asynchronous registry");
            return;
        }
        apply_renewal(sim, order, now);
        set_run(out, true, 200, "Command completed successfully");
        return;
    }
    if (strcmp(type, "transfer") == 0) {
        json_t *req = json_object_get(order, "request");
        const char *auth = sim_jstr(req, "auth_info", "");
        if (!d || strcmp(sim_jstr(d, "owner", ""), "other") != 0 ||
            sim_jint(d, "locked", 0) ||
            sim_transfer_by_domain(sim, name, true) ||
            (auth[0] && sim_jstr(d, "auth_info", "")[0] &&
             strcmp(auth, sim_jstr(d, "auth_info", "")) != 0)) {
            set_run(out, false, 487, "Domain not transferable");
            return;
        }
        if (available(sim, user) < cost) {
            set_run(out, false, 486, "Insufficient funds");
            out->code = -1;
            return;
        }
        int64_t tid = sim_next_id(sim, "transfer");
        json_t *t = json_object();
        char idtext[24];
        snprintf(idtext, sizeof(idtext), "%" PRId64, tid);
        sim_jset_int(t, "id", tid);
        sim_jset_int(t, "order_id", sim_jint(order, "id", 0));
        sim_jset_str(t, "order_id_text", sim_jstr(order, "id_text", ""));
        sim_jset_str(t, "domain", name);
        sim_jset_str(t, "reseller", user);
        sim_jset_str(t, "status", "pending_owner");
        sim_jset_int(t, "order_date", now);
        sim_jset_int(t, "updated", now);
        sim_jset_int(t, "owner_until", now + sim->cfg.owner_delay);
        sim_jset_int(t, "registry_until",
                     now + sim->cfg.owner_delay + sim->cfg.registry_delay);
        sim_jset_int(t, "decline", decline_later ? 1 : 0);
        const char *email = sim_jstr(
            json_object_get(json_object_get(d, "contact_set"), "owner"),
            "email", "");
        char fallback[300];
        snprintf(fallback, sizeof(fallback), "admin@%s", name);
        sim_jset_str(t, "request_address", email[0] ? email : fallback);
        sim_put(sim, "transfers", idtext, t);
        sim_jset_int(order, "transfer_id", tid);
        take_hold(sim, order);
        transfer_event(sim, t);
        set_status(sim, order, "processed", now);
        sim_schedule(sim, now + sim->cfg.owner_delay);
        set_run(out, true, 200, "Transfer request has been successfully sent");
        return;
    }
    set_run(out, false, 465, "Unsupported order type");
}

void sim_order_cancel(struct sim *sim, json_t *order)
{
    int64_t now = sim->now;
    sim_touch_id(sim, "orders", order);
    const char *st = sim_jstr(order, "status", "");
    if (strcmp(st, "waiting") == 0) {
        json_t *d = sim_domain(sim, sim_jstr(order, "domain", ""));
        if (d && sim_jint(d, "waiting_order", 0) == sim_jint(order, "id", -1)) {
            if (strcmp(sim_jstr(order, "reg_type", ""), "new") == 0)
                sim_del(sim, "domains", sim_jstr(order, "domain", ""));
            else
                json_object_del(d, "waiting_order");
        }
    }
    if (json_object_get(order, "transfer_id")) {
        char key[24];
        snprintf(key, sizeof(key), "%" PRId64,
                 sim_jint(order, "transfer_id", 0));
        json_t *t =
            json_object_get(json_object_get(sim->state, "transfers"), key);
        if (t && transfer_active(t)) {
            sim_touch(sim, "transfers", key);
            sim_jset_str(t, "status", "cancelled");
            sim_jset_int(t, "updated", now);
            transfer_event(sim, t);
        }
    }
    release_hold(sim, order);
    set_status(sim, order, "cancelled", now);
}
