/*
 * sim_act_order - orders: the order-creating actions SW_REGISTER and RENEW
 * (with the contact checks and the fault modes that bend their outcome),
 * and the actions on existing orders: GET_ORDER_INFO,
 * QUERY_QUEUED_REQUEST, PROCESS_PENDING, CANCEL_PENDING_ORDERS (see
 * sim_actions.h).
 */
#include "sim/sim_actions.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "sim/sim_actions_int.h"

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
    /* every order starts pending, and says so (opensrs-xcp.md §6.3) */
    sim_order_set_status(c->sim, o, "pending");
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
    sim_order_set_status(c->sim, order, "waiting");
    sim_schedule(c->sim, c->now + delay);
    struct xcp_value *a = xcp_assoc_new();
    xcp_assoc_set_str(a, "id", sim_jstr(order, "id_text", ""));
    xcp_assoc_set_int(a, "queue_request_id", qid);
    xcp_assoc_set_str(a, "async_reason",
                      "Registry temporarily unavailable; the request is "
                      "queued and will be retried");
    return act_reply(c, true, 200, a, "Command queued for processing");
}

static struct xcp_value *forced_pending(struct ctx *c, json_t *order,
                                        const char *text,
                                        struct xcp_value *cancelled)
{
    struct xcp_value *a = xcp_assoc_new();
    json_t *req = json_object_get(order, "request");
    xcp_assoc_set_str(a, "id", sim_jstr(order, "id_text", ""));
    xcp_assoc_set_str(a, "admin_email",
                      act_admin_email(json_object_get(req, "contact_set")));
    xcp_assoc_set_str(a, "forced_pending", sim_jstr(order, "id_text", ""));
    xcp_assoc_set_int(a, "registration_code", 200);
    xcp_assoc_set_str(a, "registration_text", text);
    if (cancelled)
        xcp_assoc_set(a, "cancelled_orders", cancelled);
    return act_reply(c, true, 200, a, "%s", text);
}

static json_t *want_order(struct ctx *c, const char *key,
                          struct xcp_value **err)
{
    bool bad = false;
    int64_t id = act_aint(c, key, -1, &bad);
    if (id < 0 && !bad) {
        *err = act_fail_field(c, 460, "Missing required field", "order_id");
        return NULL;
    }
    json_t *o = bad ? NULL : sim_order(c->sim, id);
    if (!o || strcmp(sim_jstr(o, "reseller", ""), c->user) != 0) {
        *err = act_fail(c, 480, "Order not found");
        return NULL;
    }
    return o;
}

/* --- SW_REGISTER ---------------------------------------------------------- */

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
        return act_reply(c, false, run->code, a, "%s", run->text);
    }
    struct xcp_value *a = xcp_assoc_new();
    xcp_assoc_set_str(a, "id", sim_jstr(order, "id_text", ""));
    xcp_assoc_set_str(a, "admin_email",
                      act_admin_email(json_object_get(req, "contact_set")));
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
    return act_reply(c, true, run->code, a, "%s", run->text);
}

struct xcp_value *act_sw_register(struct ctx *c)
{
    char name[MAX_NAME], msg[256];
    struct xcp_value *err;
    const char *reg_type = act_astr(c, "reg_type");
    if (!reg_type || !*reg_type)
        return act_fail_field(c, 460, "Missing required field: reg_type",
                              "reg_type is required");
    bool transfer = strcasecmp(reg_type, "transfer") == 0;
    if (!transfer && strcasecmp(reg_type, "new") != 0)
        return act_fail_field(c, 465, "Invalid reg_type",
                              "reg_type must be new or transfer");
    if (!act_want_domain(c, name, &err))
        return err;
    static const char *const need[] = {"reg_username", "reg_password"};
    for (size_t i = 0; i < 2; i++) {
        const char *v = act_astr(c, need[i]);
        if (!v || !*v) {
            snprintf(msg, sizeof(msg), "%s is required", need[i]);
            return act_fail_field(c, 460, "Missing required field", msg);
        }
        if (strlen(v) > 64) {
            snprintf(msg, sizeof(msg), "%s is too long", need[i]);
            return act_fail_field(c, 465, "Invalid data", msg);
        }
    }
    bool bad = false;
    int64_t period = act_aint(c, "period", 1, &bad);
    if (bad || period < 1 || period > 10)
        return act_fail_field(c, 465, "Invalid period", "period must be 1-10");
    int crc =
        check_contacts(act_attr(c, "contact_set"),
                       act_aflag(c, "custom_tech_contact"), msg, sizeof(msg));
    if (crc)
        return act_fail_field(c, crc,
                              crc == 460 ? "Missing required field"
                                         : "Invalid contact data",
                              msg);
    if ((crc = act_extras_check(c, name, msg, sizeof(msg))))
        return act_fail_field(
            c, crc, crc == 460 ? "Missing required field" : "Invalid data",
            msg);
    json_t *ns = json_array();
    if (act_aflag(c, "custom_nameservers")) {
        json_decref(ns);
        ns = act_collect_ns(act_attr(c, "nameserver_list"), msg, sizeof(msg));
        if (!ns)
            return act_fail_field(c, 465, "Invalid nameserver list", msg);
        if (json_array_size(ns) == 0) {
            json_decref(ns);
            return act_fail_field(c, 460, "Missing required field",
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
    sim_jset_str(req, "reg_username", act_astr(c, "reg_username"));
    sim_jset_str(req, "reg_password", act_astr(c, "reg_password"));
    sim_jset_str(req, "auth_info", act_astr(c, "auth_info"));
    json_object_set_new(req, "contact_set",
                        sim_xcp_to_json(act_attr(c, "contact_set")));
    json_object_set_new(req, "nameservers", ns);
    act_extras_keep(c, name, req);
    json_object_set_new(order, "request", req);
    sim_jset_int(order, "auto_renew", act_aflag(c, "auto_renew"));
    sim_jset_int(order, "lock", act_aflag(c, "f_lock_domain"));
    struct xcp_value *cancelled = supersede(c, name, sim_jint(order, "id", 0));

    const char *handle = act_astr(c, "handle");
    if (handle && strcasecmp(handle, "save") == 0) {
        struct xcp_value *a = xcp_assoc_new();
        xcp_assoc_set_str(a, "id", sim_jstr(order, "id_text", ""));
        xcp_assoc_set_str(a, "admin_email",
                          act_admin_email(json_object_get(req, "contact_set")));
        if (cancelled)
            xcp_assoc_set(a, "cancelled_orders", cancelled);
        return act_reply(c, true, 200, a,
                         transfer ? "Transfer request has been successfully "
                                    "saved"
                                  : "Registration successful");
    }
    const char *unknown = transfer ? NULL : act_first_unknown_ns(c->sim, ns);
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
        return act_reply(c, false, 435, a, "%s", msg);
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

/* --- RENEW ---------------------------------------------------------------- */

struct xcp_value *act_renew(struct ctx *c)
{
    char name[MAX_NAME];
    struct xcp_value *err;
    if (!act_want_domain(c, name, &err))
        return err;
    bool bad = false;
    int64_t year = act_aint(c, "currentexpirationyear", -1, &bad);
    if (year < 0 && !bad)
        return act_fail_field(c, 460, "Missing required field",
                              "currentexpirationyear is required");
    int64_t period = act_aint(c, "period", -1, &bad);
    if (period < 0 && !bad)
        return act_fail_field(c, 460, "Missing required field",
                              "period is required");
    if (bad || period < 1 || period > 10 || year < 1970 || year > 9999)
        return act_fail_field(c, 465, "Invalid data",
                              "period must be 1-10 and currentexpirationyear "
                              "a year");
    const char *tld = sim_tld(c->sim, name);
    if (sim_in_list(c->sim->cfg.no_renew_tlds, tld))
        return act_fail(c, 480, "Renewals are not enabled for this TLD");
    json_t *d = sim_domain(c->sim, name);
    if (!act_registered_ours(c->sim, d, c->user))
        return act_fail(c, 480, "Domain not found");
    const char *late = sim_renew_refusal(c->sim, name, d, c->now);
    if (late)
        return act_fail(c, 465, late);
    if (json_object_get(d, "waiting_order"))
        return act_fail(c, 400,
                        "Domain already renewed; another renewal cannot be "
                        "applied until the first request completes at the "
                        "registry");
    int64_t cost = sim_price(c->sim, tld, "renewal", period);
    json_t *order = new_order(c, name, "renewal", period, cost < 0 ? 0 : cost);
    sim_jset_int(order, "currentexpirationyear", year);
    if (act_astr(c, "auto_renew"))
        sim_jset_int(order, "auto_renew", act_aflag(c, "auto_renew"));
    json_t *req = json_object();
    /* a copy: a later change to the domain must not reach the order */
    json_t *dcs = json_object_get(d, "contact_set");
    if (dcs)
        json_object_set_new(req, "contact_set", json_deep_copy(dcs));
    json_object_set_new(order, "request", req);

    const char *handle = act_astr(c, "handle");
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
            return act_fail(c, run.code, run.text);
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
                return act_fail(c, 555, "Domain already renewed");
            return act_fail(c, 541,
                            "The expiration year does not match the registry");
        }
    }
    struct xcp_value *a = xcp_assoc_new();
    xcp_assoc_set_str(a, "order_id", sim_jstr(order, "id_text", ""));
    xcp_assoc_set_str(a, "id", sim_jstr(order, "id_text", ""));
    xcp_assoc_set_str(a, "admin_email",
                      act_admin_email(json_object_get(d, "contact_set")));
    xcp_assoc_set_int(a, "auto_renew", sim_jint(d, "auto_renew", 0));
    act_add_time(a, "registration expiration date", sim_jint(d, "expiry", 0));
    if (save)
        return act_reply(c, true, 200, a, "Order saved as pending");
    if (run.code == -1 || f == SIM_FAULT_FORCED_PENDING) {
        xcp_assoc_set_str(a, "forced_pending", sim_jstr(order, "id_text", ""));
        return act_reply(c, true, 200, a, "Command completed successfully");
    }
    return act_reply(c, true, run.code, a, "%s", run.text);
}

/* --- existing orders ------------------------------------------------------ */

struct xcp_value *act_get_order_info(struct ctx *c)
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
    act_add_money(f, "cost", sim_jint(o, "cost", 0));
    xcp_assoc_set_int(f, "period", sim_jint(o, "period", 1));
    xcp_assoc_set_str(f, "f_auto_renew",
                      sim_jint(o, "auto_renew", 0) ? "Y" : "N");
    xcp_assoc_set_int(f, "f_lock_domain", sim_jint(o, "lock", 0));
    act_add_time(f, "order_date", sim_jint(o, "order_date", 0));
    if (sim_jint(o, "completed_date", 0))
        act_add_time(f, "completed_date", sim_jint(o, "completed_date", 0));
    xcp_assoc_set_str(f, "affiliate_id", "");
    xcp_assoc_set_int(f, "flag_saved_ns_fields", 0);
    xcp_assoc_set_int(f, "flag_saved_tech_fields", 0);
    if (json_object_get(o, "transfer_id"))
        xcp_assoc_set_int(f, "transfer_id", sim_jint(o, "transfer_id", 0));
    struct xcp_value *a = xcp_assoc_new();
    xcp_assoc_set(a, "field_hash", f);
    return act_reply(c, true, 200, a, "Command completed successfully");
}

struct xcp_value *act_query_queued(struct ctx *c)
{
    bool bad = false;
    int64_t id = act_aint(c, "request_id", -1, &bad);
    if (id < 0 && !bad)
        return act_fail_field(c, 460, "Missing required field", "request_id");
    char key[24];
    snprintf(key, sizeof(key), "%" PRId64, id);
    json_t *q = json_object_get(json_object_get(c->sim->state, "queue"), key);
    if (bad || !q || strcmp(sim_jstr(q, "reseller", ""), c->user) != 0)
        return act_fail(c, 480, "Queued request not found");
    struct xcp_value *rd = xcp_assoc_new();
    xcp_assoc_set_int(rd, "request_id", id);
    xcp_assoc_set_int(rd, "order_id", sim_jint(q, "order_id", 0));
    xcp_assoc_set_str(rd, "domain", sim_jstr(q, "domain", ""));
    xcp_assoc_set_str(rd, "reg_type", sim_jstr(q, "reg_type", ""));
    xcp_assoc_set_str(rd, "status", sim_jstr(q, "status", ""));
    act_add_time(rd, "request_date", sim_jint(q, "request_date", 0));
    if (json_object_get(q, "response_code")) {
        act_add_time(rd, "completed_date", sim_jint(q, "completed_date", 0));
        xcp_assoc_set_int(rd, "response_code", sim_jint(q, "response_code", 0));
        xcp_assoc_set_str(rd, "response_text",
                          sim_jstr(q, "response_text", ""));
    }
    struct xcp_value *a = xcp_assoc_new();
    xcp_assoc_set(a, "request_data", rd);
    return act_reply(c, true, 200, a, "Command completed successfully");
}

struct xcp_value *act_process_pending(struct ctx *c)
{
    struct xcp_value *err;
    json_t *o = want_order(c, "order_id", &err);
    if (!o)
        return err;
    const char *st = sim_jstr(o, "status", "");
    bool declined = strcmp(st, "declined") == 0;
    if (strcmp(st, "pending") != 0 && !declined)
        return act_fail(c, 465, "Order is not pending or declined");
    const char *cmd = act_astr(c, "command");
    if (cmd && strcasecmp(cmd, "cancel") == 0) {
        sim_order_cancel(c->sim, o);
        struct xcp_value *a = xcp_assoc_new();
        xcp_assoc_set_str(a, "id", sim_jstr(o, "id_text", ""));
        return act_reply(c, true, 200, a, "Order %s cancelled",
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
        return act_fail(c, 400, "Insufficient funds to process the order");
    if (!run.ok)
        return act_fail(c, run.code, run.text);
    struct xcp_value *a = xcp_assoc_new();
    xcp_assoc_set_str(a, "id", sim_jstr(o, "id_text", ""));
    json_t *d = sim_domain(c->sim, sim_jstr(o, "domain", ""));
    if (d && strcmp(sim_jstr(o, "status", ""), "completed") == 0)
        act_add_time(a, "registration expiration date",
                     sim_jint(d, "expiry", 0));
    xcp_assoc_set_str(a, "f_auto_renew",
                      sim_jint(o, "auto_renew", 0) ? "Y" : "N");
    if (json_object_get(o, "transfer_id"))
        xcp_assoc_set_int(a, "transfer_id", sim_jint(o, "transfer_id", 0));
    struct xcp_value *r = act_reply(c, true, run.code, a, "%s", run.text);
    struct xcp_value *rwi = xcp_assoc_new();
    xcp_assoc_set_str(rwi, "order_id", sim_jstr(o, "id_text", ""));
    xcp_assoc_set_int(rwi, "number_of_canceled_orders", cancelled);
    xcp_assoc_set(r, "rwi_attributes", rwi);
    return r;
}

struct xcp_value *act_cancel_pending_orders(struct ctx *c)
{
    bool bad = false;
    int64_t to = act_aint(c, "to_date", -1, &bad);
    if (to < 0 && !bad)
        return act_fail_field(c, 460, "Missing required field", "to_date");
    if (bad)
        return act_fail_field(c, 465, "Invalid data", "to_date must be epoch");
    bool want_pending = false, want_declined = false;
    const struct xcp_value *s = act_attr(c, "status");
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
    return act_reply(c, true, 200, a, "Command completed successfully");
}
