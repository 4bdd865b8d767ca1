/*
 * sim_act_transfer - transfers: CHECK_TRANSFER, GET_TRANSFERS_IN,
 * CANCEL_TRANSFER (see sim_actions.h).
 */
#include "sim/sim_actions.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sim/sim_actions_int.h"
#include "util/xalloc.h"

static void add_ctime(struct xcp_value *a, const char *key, int64_t t)
{
    time_t tt = (time_t)t;
    struct tm tm;
    char buf[64];
    gmtime_r(&tt, &tm);
    strftime(buf, sizeof(buf), "%a %b %e %H:%M:%S %Y", &tm);
    xcp_assoc_set_str(a, key, buf);
}

struct xcp_value *act_check_transfer(struct ctx *c)
{
    char name[MAX_NAME];
    struct xcp_value *err;
    if (!act_want_domain(c, name, &err))
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
    else if (act_owned_by(d, c->user))
        reason = "Domain already belongs to this reseller";
    else if (sim_jint(d, "locked", 0))
        reason = "Domain is locked at the current registrar";
    xcp_assoc_set_int(a, "transferrable", reason ? 0 : 1);
    if (reason)
        xcp_assoc_set_str(a, "reason", reason);
    xcp_assoc_set_int(a, "noservice", 0);
    bool check_status = act_aflag(c, "check_status");
    /* status of our transfer: always while it runs (Net::OpenSRS relies
     * on that), and for finished ones when check_status=1 asks */
    if (t && (check_status || (active && active == t))) {
        xcp_assoc_set_str(a, "status", sim_jstr(t, "status", ""));
        xcp_assoc_set_int(a, "unixtime", sim_jint(t, "updated", 0));
        add_ctime(a, "timestamp", sim_jint(t, "updated", 0));
        xcp_assoc_set_str(a, "type", "reg2reg");
        xcp_assoc_set_str(a, "request_address",
                          sim_jstr(t, "request_address", ""));
    } else if (act_aflag(c, "get_request_address") && d) {
        const char *e = sim_jstr(
            json_object_get(json_object_get(d, "contact_set"), "owner"),
            "email", "");
        char fallback[300];
        snprintf(fallback, sizeof(fallback), "admin@%s", name);
        xcp_assoc_set_str(a, "request_address", *e ? e : fallback);
    }
    return act_reply(c, true, 200, a, "Query successful");
}

static void transfer_attrs(struct xcp_value *a, const json_t *t)
{
    xcp_assoc_set_int(a, "id", sim_jint(t, "id", 0));
    xcp_assoc_set_int(a, "transfer_id", sim_jint(t, "id", 0));
    xcp_assoc_set_int(a, "order_id", sim_jint(t, "order_id", 0));
    xcp_assoc_set_str(a, "domain", sim_jstr(t, "domain", ""));
    xcp_assoc_set_str(a, "status", sim_jstr(t, "status", ""));
    act_add_time(a, "order_date", sim_jint(t, "order_date", 0));
    xcp_assoc_set_int(a, "order_date_epoch", sim_jint(t, "order_date", 0));
    int64_t done = sim_jint(t, "completed_date", 0);
    if (done) {
        act_add_time(a, "completed_date", done);
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

struct xcp_value *act_get_transfers_in(struct ctx *c)
{
    char name[MAX_NAME] = "";
    const char *dom = act_astr(c, "domain");
    if (dom && *dom && !sim_norm_domain(dom, name, sizeof(name)))
        return act_fail(c, 465, "Invalid domain syntax");
    bool bad = false;
    int64_t order_id = act_aint(c, "order_id", -1, &bad);
    int64_t tid = act_aint(c, "transfer_id", -1, &bad);
    int64_t limit, page;
    if (!act_page_args(c, 40, &limit, &page) || bad)
        return act_fail(c, 465, "Invalid data: expected integers");
    const char *status = act_astr(c, "status");
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
    return act_reply(c, true, 200, a, "Query successful");
}

struct xcp_value *act_cancel_transfer(struct ctx *c)
{
    json_t *order = NULL;
    bool bad = false;
    int64_t oid = act_aint(c, "order_id", -1, &bad);
    const char *dom = act_astr(c, "domain");
    char name[MAX_NAME];
    if (oid >= 0) {
        order = sim_order(c->sim, oid);
    } else if (dom && *dom) {
        if (!sim_norm_domain(dom, name, sizeof(name)))
            return act_fail(c, 465, "Invalid domain syntax");
        json_t *t = sim_transfer_by_domain(c->sim, name, true);
        if (t)
            order = sim_order(c->sim, sim_jint(t, "order_id", 0));
    } else {
        return act_fail_field(c, 460, "Missing required field",
                              "domain or order_id is required");
    }
    if (!order || strcmp(sim_jstr(order, "reseller", ""), c->user) != 0 ||
        strcmp(sim_jstr(order, "reg_type", ""), "transfer") != 0)
        return act_fail(c, 480, "Transfer not found");
    const char *st = sim_jstr(order, "status", "");
    if (strcmp(st, "processed") != 0 && strcmp(st, "pending") != 0)
        return act_fail(c, 465, "Transfer cannot be cancelled in its state");
    sim_order_cancel(c->sim, order);
    return act_reply(c, true, 200, NULL,
                     "Transfer with order id: %s has been canceled.",
                     sim_jstr(order, "id_text", ""));
}
