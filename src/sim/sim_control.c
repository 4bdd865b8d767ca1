/*
 * sim_control - the control API (see sim_control.h).
 */
#include "sim/sim_control.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/sim_actions.h"

#define MAX_JSON_DEPTH_BODY (64u * 1024u)

static void send_json(struct sim_outcome *o, int status, json_t *j, bool keep)
{
    char *text = json_dumps(j, JSON_COMPACT);
    const char *st = status == 200   ? "200 OK"
                     : status == 404 ? "404 Not Found"
                     : status == 405 ? "405 Method Not Allowed"
                     : status == 409 ? "409 Conflict"
                                     : "400 Bad Request";
    size_t len = strlen(text);
    struct buf body;
    buf_init(&body);
    buf_add(&body, text, len);
    buf_addc(&body, '\n');
    sim_http_response(&o->out, st, "application/json", body.data, body.len, 0,
                      !keep);
    buf_release(&body);
    free(text);
    json_decref(j);
    o->code = status;
    o->disp = keep ? SIM_SEND : SIM_SEND_CLOSE;
}

static void send_error(struct sim_outcome *o, int status, const char *msg,
                       bool keep)
{
    json_t *j = json_object();
    json_object_set_new(j, "error", json_string(msg));
    send_json(o, status, j, keep);
}

static json_t *clock_json(struct sim *sim)
{
    int64_t now = sim_now(sim);
    char iso[20];
    sim_fmt_time(now, iso);
    json_t *j = json_object();
    json_object_set_new(j, "now", json_integer((json_int_t)now));
    json_object_set_new(j, "iso", json_string(iso));
    return j;
}

/* jnum - an integer member given as a JSON integer or a decimal string. */
static bool jnum(const json_t *body, const char *key, int64_t *out)
{
    json_t *v = json_object_get(body, key);
    if (json_is_integer(v)) {
        *out = (int64_t)json_integer_value(v);
        return true;
    }
    if (json_is_string(v)) {
        char *end;
        long long n = strtoll(json_string_value(v), &end, 10);
        if (*end || end == json_string_value(v))
            return false;
        *out = n;
        return true;
    }
    return false;
}

/* parse_expiry - the "expiry" of POST /domains: absent (*out untouched),
 * epoch seconds as a JSON integer, or a date string sim_parse_time reads.
 * Anything else, or a time outside 1970..9999, is an error. */
static int parse_expiry(const json_t *v, int64_t *out)
{
    if (!v)
        return 0;
    if (json_is_integer(v)) {
        json_int_t t = json_integer_value(v);
        if (t < 0 || t > 253402300799LL)
            return -1;
        *out = (int64_t)t;
        return 0;
    }
    if (json_is_string(v))
        return sim_parse_time(json_string_value(v), out) < 0 ? -1 : 0;
    return -1;
}

static int post_domain(struct sim *sim, const json_t *b, char *msg, size_t n)
{
    char name[254];
    const char *raw = sim_jstr(b, "name", NULL);
    if (!raw || !sim_norm_domain(raw, name, sizeof(name)) ||
        !sim_domain_syntax_ok(name)) {
        snprintf(msg, n, "\"name\" must be a valid domain name");
        return -1;
    }
    if (!sim_tld(sim, name)) {
        snprintf(msg, n, "no price list for the TLD of %s", name);
        return -1;
    }
    const char *owner = sim_jstr(b, "owner", "other");
    if (strcmp(owner, "other") != 0 && !sim_reseller_key(sim, owner)) {
        snprintf(msg, n, "owner must be \"other\" or a configured reseller");
        return -1;
    }
    int64_t expiry = -1;
    if (parse_expiry(json_object_get(b, "expiry"), &expiry) < 0) {
        snprintf(msg, n,
                 "expiry must be epoch seconds (an integer from 0 to "
                 "253402300799) or a UTC date \"YYYY-MM-DD HH:MM:SS\" or "
                 "\"YYYY-MM-DD\"");
        return -1;
    }
    int64_t now = sim_now(sim);
    json_t *d = sim_new_domain(owner, now);
    if (expiry >= 0)
        sim_jset_int(d, "expiry", expiry);
    /* an expiry already past: the lifecycle windows count from now, not
     * from that date (the name is not deleted the moment it is put in) */
    if (expiry >= 0 && expiry < now)
        sim_jset_int(d, "lapse_from", now);
    static const char *const strs[] = {"reg_username", "reg_password",
                                       "auth_info"};
    for (size_t i = 0; i < 3; i++)
        if (json_is_string(json_object_get(b, strs[i])))
            sim_jset_str(d, strs[i], sim_jstr(b, strs[i], ""));
    static const char *const flags[][2] = {{"locked", "locked"},
                                           {"auto_renew", "auto_renew"},
                                           {"let_expire", "let_expire"}};
    for (size_t i = 0; i < 3; i++) {
        int64_t v;
        if (jnum(b, flags[i][0], &v))
            sim_jset_int(d, flags[i][1], v ? 1 : 0);
    }
    json_t *cs = json_object_get(b, "contact_set");
    if (json_is_object(cs))
        json_object_set(d, "contact_set", cs);
    json_t *ns = json_object_get(b, "nameservers");
    if (json_is_array(ns))
        json_object_set(d, "nameservers", ns);
    sim_put(sim, "domains", name, d);
    return 0;
}

/* post_host - mark a host known or unknown at the registry (state
 * "registry_hosts"; see act_host_known). */
static int post_host(struct sim *sim, const json_t *b, char *msg, size_t n)
{
    char name[254];
    const char *raw = sim_jstr(b, "name", NULL);
    json_t *known = json_object_get(b, "known");
    if (!raw || !sim_norm_domain(raw, name, sizeof(name)) ||
        !sim_domain_syntax_ok(name)) {
        snprintf(msg, n, "\"name\" must be a valid host name");
        return -1;
    }
    if (!json_is_boolean(known)) {
        snprintf(msg, n, "\"known\" must be true or false");
        return -1;
    }
    sim_jset_int(json_object_get(sim->state, "registry_hosts"), name,
                 json_is_true(known) ? 1 : 0);
    sim->dirty = true;
    return 0;
}

/* post_premium - a name the registry sells as premium, at price (a
 * decimal string; null: no longer premium). State "premium_names". */
static int post_premium(struct sim *sim, const json_t *b, char *msg, size_t n)
{
    char name[254];
    const char *raw = sim_jstr(b, "name", NULL);
    json_t *price = json_object_get(b, "price");
    int64_t cents;
    if (!raw || !sim_norm_domain(raw, name, sizeof(name)) ||
        !sim_domain_syntax_ok(name) || !sim_tld(sim, name)) {
        snprintf(msg, n,
                 "\"name\" must be a valid name in a TLD the sim sells");
        return -1;
    }
    json_t *all = json_object_get(sim->state, "premium_names");
    if (json_is_null(price)) {
        json_object_del(all, name);
    } else if (!json_is_string(price) ||
               sim_parse_money(json_string_value(price), &cents) < 0 ||
               cents <= 0) {
        snprintf(msg, n,
                 "\"price\" must be a decimal string such as "
                 "\"2500.00\", or null");
        return -1;
    } else {
        sim_jset_int(all, name, cents);
    }
    sim->dirty = true;
    return 0;
}

static int post_prices(struct sim *sim, const json_t *b, char *msg, size_t n)
{
    const char *tld = sim_jstr(b, "tld", NULL);
    const char *rt = sim_jstr(b, "reg_type", "new");
    int64_t period = 1, cents;
    char low[64];
    if (!tld ||
        !sim_norm_domain(*tld == '.' ? tld + 1 : tld, low, sizeof(low))) {
        snprintf(msg, n, "\"tld\" is required");
        return -1;
    }
    if (strcmp(rt, "new") && strcmp(rt, "renewal") && strcmp(rt, "transfer")) {
        snprintf(msg, n, "reg_type must be new, renewal or transfer");
        return -1;
    }
    if (json_object_get(b, "period") &&
        (!jnum(b, "period", &period) || period < 1 || period > 10)) {
        snprintf(msg, n, "period must be 1-10");
        return -1;
    }
    if (sim_parse_money(sim_jstr(b, "price", NULL), &cents) < 0 || cents < 0) {
        snprintf(msg, n, "price must be a decimal string such as \"10.00\"");
        return -1;
    }
    json_t *prices = json_object_get(sim->state, "prices");
    json_t *t = json_object_get(prices, low);
    if (!t) {
        t = json_object();
        json_object_set_new(prices, low, t);
    }
    json_t *p = json_object_get(t, rt);
    if (!p) {
        p = json_object();
        json_object_set_new(t, rt, p);
    }
    char key[8];
    snprintf(key, sizeof(key), "%" PRId64, period);
    sim_jset_int(p, key, cents);
    sim->dirty = true;
    return 0;
}

static int post_balance(struct sim *sim, const json_t *b, char *msg, size_t n)
{
    int64_t cents;
    if (sim_parse_money(sim_jstr(b, "balance", NULL), &cents) < 0) {
        snprintf(msg, n,
                 "balance must be a decimal string such as "
                 "\"1000.00\"");
        return -1;
    }
    const char *who = sim_jstr(b, "reseller", NULL);
    if (who) {
        if (!sim_reseller_key(sim, who)) {
            snprintf(msg, n, "unknown reseller");
            return -1;
        }
        sim_jset_int(sim_reseller(sim, who), "balance", cents);
    } else {
        /* without "reseller": every configured reseller */
        for (size_t i = 0; i < sim->cfg.nresellers; i++)
            sim_jset_int(sim_reseller(sim, sim->cfg.resellers[i].user),
                         "balance", cents);
    }
    sim->dirty = true;
    return 0;
}

void sim_control(struct sim *sim, const struct sim_http_req *req,
                 struct sim_outcome *o)
{
    bool keep = req->keep_alive;
    char path[256];
    snprintf(path, sizeof(path), "%s", req->target);
    char *q = strchr(path, '?');
    if (q)
        *q = '\0';
    size_t pl = strlen(path);
    while (pl > 1 && path[pl - 1] == '/')
        path[--pl] = '\0';
    snprintf(o->action, sizeof(o->action), "%s", req->method);
    /* the log column is short; a long path is cut, deliberately */
    size_t ol = strnlen(path, sizeof(o->object) - 1);
    memcpy(o->object, path, ol);
    o->object[ol] = '\0';
    bool get = strcmp(req->method, "GET") == 0;
    bool post = strcmp(req->method, "POST") == 0;
    bool del = strcmp(req->method, "DELETE") == 0;

    json_t *body = NULL;
    if (post) {
        json_error_t jerr;
        if (req->body_len == 0) {
            body = json_object();
        } else {
            body = json_loadb(req->body, req->body_len, JSON_REJECT_DUPLICATES,
                              &jerr);
            if (!body || !json_is_object(body)) {
                char msg[300];
                snprintf(msg, sizeof(msg), "body must be a JSON object%s%s",
                         body ? "" : ": ", body ? "" : jerr.text);
                json_decref(body);
                send_error(o, 400, msg, keep);
                return;
            }
        }
    }
    char msg[600] = "";
    json_t *answer = NULL;
    int status = 200;
    struct rm_err err;

    pthread_mutex_lock(&sim->mu);
    if (get && strcmp(path, "/clock") == 0) {
        answer = clock_json(sim);
    } else if (post && strcmp(path, "/clock/advance") == 0) {
        int64_t s;
        if (!jnum(body, "seconds", &s) || s < 0 || s > 100LL * 365 * 86400) {
            status = 400;
            snprintf(msg, sizeof(msg),
                     "\"seconds\" must be a non-negative integer");
        } else {
            sim_clock_advance(sim, s);
            answer = clock_json(sim);
        }
    } else if (post && strcmp(path, "/clock/set") == 0) {
        int64_t t;
        if (!jnum(body, "now", &t) || t < 0 || t > 253402300799LL) {
            status = 400;
            snprintf(msg, sizeof(msg), "\"now\" must be an epoch time");
        } else {
            sim_clock_set(sim, t);
            answer = clock_json(sim);
        }
    } else if (get && strcmp(path, "/rules") == 0) {
        answer = sim_rules_to_json(&sim->rules);
    } else if (post && strcmp(path, "/rules") == 0) {
        struct sim_rule rule;
        if (sim_rule_from_json(body, &rule, &err) < 0) {
            status = 400;
            snprintf(msg, sizeof(msg), "%s", err.msg);
        } else {
            answer = json_object();
            json_object_set_new(
                answer, "id", json_integer(sim_rules_add(&sim->rules, &rule)));
        }
    } else if (del && strcmp(path, "/rules") == 0) {
        sim_rules_clear(&sim->rules);
        answer = json_object();
    } else if (del && strncmp(path, "/rules/", 7) == 0) {
        char *end;
        long long id = strtoll(path + 7, &end, 10);
        if (*end || end == path + 7 || sim_rules_remove(&sim->rules, id) < 0) {
            status = 404;
            snprintf(msg, sizeof(msg), "no rule %s", path + 7);
        } else {
            answer = json_object();
        }
    } else if (get && strcmp(path, "/counts") == 0) {
        answer = json_deep_copy(sim->counts);
    } else if (post && strcmp(path, "/counts/reset") == 0) {
        json_object_set_new(sim->counts, "actions", json_object());
        json_object_set_new(sim->counts, "domains", json_object());
        answer = json_object();
    } else if (get && strcmp(path, "/events") == 0) {
        sim_now(sim);
        json_t *events = json_object_get(sim->state, "events");
        answer = json_object();
        json_object_set_new(answer, "total",
                            json_integer((json_int_t)json_array_size(events)));
        json_object_set_new(answer, "events", json_deep_copy(events));
        json_object_set_new(
            answer, "acked",
            json_deep_copy(json_object_get(sim->state, "acked")));
    } else if (del && strcmp(path, "/events") == 0) {
        sim_events_clear(sim);
        answer = json_object();
    } else if (get && strcmp(path, "/state") == 0) {
        int64_t now = sim_now(sim);
        answer = json_deep_copy(sim->state);
        sim_state_annotate(sim, answer, now);
    } else if (post && strcmp(path, "/state/reset") == 0) {
        sim_reset(sim);
        answer = json_object();
    } else if (post && strcmp(path, "/balance") == 0) {
        if (post_balance(sim, body, msg, sizeof(msg)) < 0)
            status = 400;
        else
            answer = json_object();
    } else if (post && strcmp(path, "/prices") == 0) {
        if (post_prices(sim, body, msg, sizeof(msg)) < 0)
            status = 400;
        else
            answer = json_object();
    } else if (post && strcmp(path, "/transfers/away") == 0) {
        const char *st = sim_jstr(body, "status", "completed");
        const char *dom = sim_jstr(body, "domain", NULL);
        const char *gain =
            sim_jstr(body, "gaining_registrar", "Example Registrar, Inc.");
        int rc = SIM_AWAY_BAD;
        if (strcmp(st, "completed") == 0)
            rc = sim_transfer_away(sim, dom, gain, msg, sizeof(msg));
        else if (strcmp(st, "pending_owner") == 0)
            rc = sim_transfer_away_pending(sim, dom, gain, msg, sizeof(msg));
        else
            snprintf(msg, sizeof(msg),
                     "\"status\" must be completed or pending_owner");
        if (rc == SIM_AWAY_REFUSED) {
            /* 409 with the reason: the registrar's lock held */
            status = 409;
        } else if (rc < 0) {
            status = 400;
        } else {
            answer = json_object();
            json_object_set_new(answer, "status", json_string(st));
        }
    } else if (post && strcmp(path, "/premium") == 0) {
        if (post_premium(sim, body, msg, sizeof(msg)) < 0)
            status = 400;
        else
            answer = json_object();
    } else if (post && strcmp(path, "/hosts") == 0) {
        if (post_host(sim, body, msg, sizeof(msg)) < 0)
            status = 400;
        else
            answer = json_object();
    } else if (get && strcmp(path, "/lifecycle") == 0) {
        answer = json_object();
        const char *tld;
        json_t *v;
        json_object_foreach(json_object_get(sim->state, "prices"), tld, v)
        {
            json_object_set_new(answer, tld, sim_lifecycle_json(sim, tld));
        }
    } else if (post && strcmp(path, "/lifecycle") == 0) {
        if (sim_lifecycle_post(sim, body, msg, sizeof(msg)) < 0) {
            status = 400;
        } else {
            answer = sim_lifecycle_json(sim, msg);
            json_object_set_new(answer, "tld", json_string(msg));
            sim_now(sim);
        }
    } else if (post && strcmp(path, "/domains") == 0) {
        if (post_domain(sim, body, msg, sizeof(msg)) < 0)
            status = 400;
        else
            answer = json_object();
    } else {
        status = 404;
        snprintf(msg, sizeof(msg), "no route %s %s", req->method, path);
    }
    if (sim_save_if_dirty(sim, &err) < 0 && status == 200) {
        json_decref(answer);
        answer = NULL;
        status = 400;
        snprintf(msg, sizeof(msg), "%s", err.msg);
    }
    pthread_mutex_unlock(&sim->mu);
    json_decref(body);
    if (status == 200) {
        send_json(o, 200, answer, keep);
    } else if (status == 409) {
        json_t *j = json_object();
        json_object_set_new(j, "error", json_string("transfer away refused"));
        json_object_set_new(j, "reason", json_string(msg));
        send_json(o, 409, j, keep);
    } else {
        send_error(o, status, msg, keep);
    }
}
