/*
 * sim_act_misc - the reseller's balance, domain cookies and the event
 * queue: GET_BALANCE, SET/DELETE COOKIE, POLL/ACK EVENT (see
 * sim_actions.h).
 */
#include "sim/sim_actions.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "sim/sim_actions_int.h"

struct xcp_value *act_get_balance(struct ctx *c)
{
    json_t *r = sim_reseller(c->sim, c->user);
    struct xcp_value *a = xcp_assoc_new();
    act_add_money(a, "balance", sim_jint(r, "balance", 0));
    act_add_money(a, "hold_balance", sim_jint(r, "hold_balance", 0));
    return act_reply(c, true, 200, a, "Command completed successfully");
}

struct xcp_value *act_set_cookie(struct ctx *c)
{
    char name[MAX_NAME];
    struct xcp_value *err;
    const char *u = act_astr(c, "reg_username"),
               *p = act_astr(c, "reg_password");
    if (!u || !*u || !p || !*p)
        return act_fail_field(c, 460, "Missing required field",
                              "reg_username and reg_password are required");
    if (!act_want_domain(c, name, &err))
        return err;
    json_t *d = sim_domain(c->sim, name);
    if (!act_registered_ours(c->sim, d, c->user) ||
        strcmp(sim_jstr(d, "reg_username", ""), u) != 0 ||
        strcmp(sim_jstr(d, "reg_password", ""), p) != 0)
        return act_fail(c, 415, "Invalid Password supplied");
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
        return act_fail(c, 400, "Too many sessions");
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
        if (act_registered_ours(c->sim, v, c->user) &&
            strcmp(sim_jstr(v, "reg_username", ""), u) == 0)
            count++;
    }
    struct xcp_value *a = xcp_assoc_new();
    xcp_assoc_set_str(a, "cookie", cookie);
    act_add_time(a, "expiredate", sim_jint(d, "expiry", 0));
    xcp_assoc_set_int(a, "domain_count", count);
    xcp_assoc_set_int(a, "f_owner", 1);
    xcp_assoc_set_int(a, "last_access_time", c->now);
    xcp_assoc_set_str(a, "last_ip", "");
    xcp_assoc_set_str(a, "permission", "");
    xcp_assoc_set_int(a, "waiting_requests_no", 0);
    xcp_assoc_set_str(a, "encoding_type", "");
    return act_reply(c, true, 200, a, "Session created");
}

struct xcp_value *act_delete_cookie(struct ctx *c)
{
    const char *ck = c->req->cookie ? c->req->cookie : act_astr(c, "cookie");
    json_t *cookies = json_object_get(c->sim->state, "cookies");
    if (!ck || !json_object_get(cookies, ck))
        return act_fail(c, 415, "Authentication Error: invalid cookie");
    sim_del(c->sim, "cookies", ck);
    return act_reply(c, true, 200, NULL, "Cookie deleted");
}

/* event_wire - an event as POLL EVENT answers it (without the sim's own
 * "reseller"). */
static struct xcp_value *event_wire(const json_t *e)
{
    static const char *const keys[] = {"event", "event_id", "event_date",
                                       "object"};
    struct xcp_value *w = xcp_assoc_new();
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
        xcp_assoc_set_str(w, keys[i], sim_jstr(e, keys[i], ""));
    json_t *data = json_object_get(e, "object_data");
    xcp_assoc_set(w, "object_data",
                  json_is_object(data) ? sim_json_to_xcp(data)
                                       : xcp_assoc_new());
    return w;
}

/*
 * POLL EVENT: the reseller's oldest `limit` events (1-100, default 1),
 * oldest first, and total = how many wait. Polling changes nothing; two
 * faults bend the page (sim_exchange passes them in c->mode):
 *   duplicate - the reseller's last acknowledged event comes first, once
 *               more (at-least-once delivery); it is no longer waiting,
 *               so an ACK of it answers 480;
 *   reorder   - the page is the newest `limit` events, newest first.
 */
struct xcp_value *act_poll_event(struct ctx *c)
{
    bool bad = false;
    int64_t limit = act_aint(c, "limit", 1, &bad);
    if (bad || limit < 1 || limit > 100)
        return act_fail_field(c, 465, "Invalid data", "limit must be 1-100");
    json_t *events = json_object_get(c->sim->state, "events");
    size_t n = json_array_size(events);
    struct xcp_value *arr = xcp_array_new();
    int64_t room = limit;
    if (c->mode->fault == SIM_FAULT_DUPLICATE) {
        json_t *acked = json_object_get(c->sim->state, "acked");
        json_t *again = json_object_get(acked, c->user);
        if (json_is_object(again)) {
            xcp_array_push(arr, event_wire(again));
            room--;
            /* once: the next duplicate needs another acknowledgement */
            json_object_del(acked, c->user);
            c->sim->dirty = true;
        }
    }
    bool reverse = c->mode->fault == SIM_FAULT_REORDER;
    int64_t total = 0;
    for (size_t k = 0; k < n; k++) {
        const json_t *e = json_array_get(events, reverse ? n - 1 - k : k);
        if (!sim_event_visible(e, c->user))
            continue;
        total++;
        if (room > 0) {
            xcp_array_push(arr, event_wire(e));
            room--;
        }
    }
    struct xcp_value *a = xcp_assoc_new();
    xcp_assoc_set_int(a, "total", total);
    xcp_assoc_set(a, "events", arr);
    return act_reply(c, true, 200, a, "Command completed successfully");
}

/* ACK EVENT: the reseller's waiting event event_id leaves the queue (and
 * becomes its last acknowledged one, for the duplicate fault); 480 when
 * there is no such event waiting - unknown, or acknowledged before. */
struct xcp_value *act_ack_event(struct ctx *c)
{
    const char *id = act_astr(c, "event_id");
    if (!id || !*id)
        return act_fail_field(c, 460, "Missing required field", "event_id");
    json_t *events = json_object_get(c->sim->state, "events");
    for (size_t i = 0; i < json_array_size(events); i++) {
        json_t *e = json_array_get(events, i);
        if (!sim_event_visible(e, c->user) ||
            strcmp(sim_jstr(e, "event_id", ""), id) != 0)
            continue;
        json_t *acked = json_object_get(c->sim->state, "acked");
        if (!json_is_object(acked)) {
            acked = json_object();
            json_object_set_new(c->sim->state, "acked", acked);
        }
        json_object_set(acked, c->user, e);
        sim_event_remove(c->sim, i);
        return act_reply(c, true, 200, NULL, "Command completed successfully");
    }
    return act_fail(c, 480, "Event not found");
}
