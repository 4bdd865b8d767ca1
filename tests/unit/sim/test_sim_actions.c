/*
 * Unit tests of opensrs-sim's action handlers, called directly (no
 * sockets): every response code the sim promises, the order state
 * machine, simulated time and the balance invariants.
 *
 * Every test runs with a state file, saved after each request as the
 * server does, and ends by loading that file (snapshot + journal) into a
 * second sim that must hold the same world: each scenario here is also a
 * check that the journal records every change (sim_state.h I4).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "sim/sim_actions.h"
#include "sim/sim_state.h"
#include "util/xalloc.h"

#define T0 1800000000 /* 2027-01-15 08:00:00 UTC */

static struct sim S;
static int64_t fake_real;
static char dir[64];
static char state_path[128];

static int64_t fake_time(void)
{
    return fake_real;
}

#define CONTACT                                                                \
    "{\"first_name\":\"Jo\",\"last_name\":\"Doe\",\"address1\":\"1 Main "      \
    "St\",\"city\":\"Toronto\",\"state\":\"ON\",\"country\":\"CA\","           \
    "\"postal_code\":\"M5V1A1\",\"phone\":\"+1.4165550123\",\"email\":"        \
    "\"jo@example.com\",\"org_name\":\"Acme\"}"
#define CSET                                                                   \
    "\"contact_set\":{\"owner\":" CONTACT ",\"admin\":" CONTACT                \
    ",\"billing\":" CONTACT "}"
#define REG(domain, extra)                                                     \
    "{\"domain\":\"" domain "\",\"reg_type\":\"new\",\"period\":\"1\","        \
    "\"reg_username\":\"jo\",\"reg_password\":\"pw12345\","                    \
    "\"custom_tech_contact\":\"0\",\"custom_nameservers\":\"0\","              \
    "\"legal_type\":\"CCT\"," CSET extra "}"

/* REG without the .ca legal type */
#define REG_BARE(domain, extra)                                                \
    "{\"domain\":\"" domain "\",\"reg_type\":\"new\",\"period\":\"1\","        \
    "\"reg_username\":\"jo\",\"reg_password\":\"pw12345\","                    \
    "\"custom_tech_contact\":\"0\",\"custom_nameservers\":\"0\"," CSET extra   \
    "}"
#define NEXUS(cat, purpose, validator)                                         \
    ",\"tld_data\":{\"nexus\":{\"category\":\"" cat                            \
    "\",\"app_purpose\":\"" purpose "\",\"validator\":\"" validator "\"}}"

/* save - what the server does after each request. */
static void save(void)
{
    struct rm_err err;
    if (sim_save_if_dirty(&S, &err) < 0)
        fail_msg("save: %s", err.msg);
}

static void load(struct sim *s)
{
    struct sim_config cfg;
    sim_config_init(&cfg);
    assert_int_equal(sim_config_add_reseller(&cfg, "alice:k1", NULL), 0);
    assert_int_equal(sim_config_add_reseller(&cfg, "bob:k2", NULL), 0);
    cfg.state_path = xstrdup(state_path);
    struct rm_err err;
    if (sim_init(s, &cfg, &err) < 0)
        fail_msg("load: %s", err.msg);
}

static int setup(void **state)
{
    snprintf(dir, sizeof(dir), "/tmp/sim-unit-XXXXXX");
    assert_non_null(mkdtemp(dir));
    snprintf(state_path, sizeof(state_path), "%s/state.json", dir);
    load(&S);
    /* small, so that snapshots happen in the middle of the scenarios too */
    S.journal.compact_min = 16384;
    fake_real = 1000;
    S.realtime = fake_time;
    pthread_mutex_lock(&S.mu);
    sim_clock_set(&S, T0);
    save();
    pthread_mutex_unlock(&S.mu);
    return 0;
}

/* same_world - a and b hold equal worlds; names the first difference. */
static void same_world(const json_t *a, const json_t *b)
{
    if (json_equal(a, b))
        return;
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)a, key, v)
    {
        json_t *w = json_object_get(b, key);
        if (json_equal(v, w))
            continue;
        if (!json_is_object(v) || !json_is_object(w))
            fail_msg("member %s differs", key);
        const char *k2;
        json_t *v2;
        json_object_foreach(v, k2, v2)
        {
            if (!json_equal(v2, json_object_get(w, k2)))
                fail_msg("%s.%s differs", key, k2);
        }
        fail_msg("%s has members the other lacks", key);
    }
    fail_msg("the worlds differ in their members");
}

static int teardown(void **state)
{
    /* tests change the world directly too: let the save look at it all */
    pthread_mutex_lock(&S.mu);
    S.dirty = true;
    save();
    pthread_mutex_unlock(&S.mu);
    struct sim again;
    load(&again);
    same_world(S.state, again.state);
    same_world(again.state, S.state);
    sim_release(&again);
    sim_release(&S);
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
    return 0;
}

static struct xcp_value *act_full(const char *user, const char *action,
                                  const char *object, const char *attrs,
                                  const char *cookie, enum sim_fault_kind f)
{
    json_error_t e;
    json_t *j = json_loads(attrs ? attrs : "{}", 0, &e);
    if (!j)
        fail_msg("bad test JSON: %s: %s", e.text, attrs);
    struct xcp_value *req = xcp_request_new(action, object, sim_json_to_xcp(j));
    json_decref(j);
    if (cookie)
        xcp_assoc_set_str(req, "cookie", cookie);
    struct xcp_request r;
    assert_int_equal(xcp_request_read(req, &r, NULL), 0);
    struct sim_mode m = {f, -1};
    pthread_mutex_lock(&S.mu);
    struct xcp_value *resp = sim_act(&S, user, &r, &m);
    save();
    pthread_mutex_unlock(&S.mu);
    xcp_free(req);
    return resp;
}

static struct xcp_value *act(const char *action, const char *attrs)
{
    return act_full("alice", action, "DOMAIN", attrs, NULL, SIM_FAULT_NONE);
}

static int code(const struct xcp_value *r)
{
    int64_t c = -1;
    assert_int_equal(xcp_path_int(r, "response_code", &c, NULL), 0);
    return (int)c;
}

static const char *str(const struct xcp_value *r, const char *path)
{
    const char *s = xcp_path_str(r, path);
    return s ? s : "(null)";
}

/* expect - run, check the code, free. */
static void expect(const char *action, const char *attrs, int want)
{
    struct xcp_value *r = act(action, attrs);
    if (code(r) != want)
        fail_msg("%s %s: want %d, got %d (%s)", action, attrs, want, code(r),
                 str(r, "response_text"));
    xcp_free(r);
}

static void advance(int64_t seconds)
{
    pthread_mutex_lock(&S.mu);
    sim_clock_advance(&S, seconds);
    save();
    pthread_mutex_unlock(&S.mu);
}

static int64_t balance(const char *user)
{
    return sim_jint(sim_reseller(&S, user), "balance", -1);
}

static int64_t hold(const char *user)
{
    return sim_jint(sim_reseller(&S, user), "hold_balance", -1);
}

/* check_hold_invariant - I1: hold = Σ cost of waiting/processed orders. */
static void check_hold_invariant(void)
{
    int64_t sum = 0;
    const char *key;
    json_t *o;
    json_object_foreach(json_object_get(S.state, "orders"), key, o)
    {
        const char *st = sim_jstr(o, "status", "");
        if (strcmp(sim_jstr(o, "reseller", ""), "alice") == 0 &&
            sim_jint(o, "held", 0) &&
            (strcmp(st, "waiting") == 0 || strcmp(st, "processed") == 0))
            sum += sim_jint(o, "cost", 0);
    }
    assert_int_equal(hold("alice"), sum);
}

static char *order_id(const struct xcp_value *r, const char *path)
{
    static char buf[32];
    snprintf(buf, sizeof(buf), "%s", str(r, path));
    return buf;
}

static const char *order_status(const char *id)
{
    char attrs[64];
    snprintf(attrs, sizeof(attrs), "{\"order_id\":\"%s\"}", id);
    static char st[32];
    struct xcp_value *r = act("GET_ORDER_INFO", attrs);
    assert_int_equal(code(r), 200);
    snprintf(st, sizeof(st), "%s", str(r, "attributes.field_hash.status"));
    xcp_free(r);
    return st;
}

/* --- tests ------------------------------------------------------------------
 */

static void lookup_answers_by_domain_state(void **state)
{
    static const struct {
        const char *attrs;
        int code;
        const char *status;
    } cases[] = {
        {"{\"domain\":\"free-name.com\"}", 210, "available"},
        {"{\"domain\":\"TAKEN.com \"}", 211, "taken"},
        {"{\"domain\":\"under_score.com\"}", 465, NULL},
        {"{\"domain\":\"-lead.com\"}", 465, NULL},
        {"{\"domain\":\"nodot\"}", 465, NULL},
        {"{\"domain\":\"x.unknowntld\"}", 465, NULL},
        {"{}", 460, NULL},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct xcp_value *r = act("LOOKUP", cases[i].attrs);
        assert_int_equal(code(r), cases[i].code);
        if (cases[i].status)
            assert_string_equal(str(r, "attributes.status"), cases[i].status);
        xcp_free(r);
    }
}

static void register_new_completes_and_debits(void **state)
{
    int64_t before = balance("alice");
    struct xcp_value *r = act("SW_REGISTER", REG("new-one.com", ""));
    assert_int_equal(code(r), 200);
    assert_string_equal(str(r, "response_text"), "Registration successful");
    assert_string_equal(str(r, "attributes.admin_email"), "jo@example.com");
    assert_string_equal(str(r, "attributes.registration_code"), "200");
    assert_string_equal(str(r, "attributes.id"), "1000001");
    assert_int_equal(balance("alice"), before - 1000);
    assert_string_equal(order_status("1000001"), "completed");
    xcp_free(r);
    expect("LOOKUP", "{\"domain\":\"new-one.com\"}", 211);
    r = act("BELONGS_TO_RSP", "{\"domain\":\"new-one.com\"}");
    assert_string_equal(str(r, "attributes.belongs_to_rsp"), "1");
    assert_string_equal(str(r, "attributes.domain_expdate"),
                        "2028-01-15 08:00:00");
    xcp_free(r);
    /* not bob's */
    r = act_full("bob", "BELONGS_TO_RSP", "DOMAIN",
                 "{\"domain\":\"new-one.com\"}", NULL, SIM_FAULT_NONE);
    assert_string_equal(str(r, "attributes.belongs_to_rsp"), "0");
    xcp_free(r);
}

static void register_rejects_bad_input(void **state)
{
    static const struct {
        const char *attrs;
        int code;
    } cases[] = {
        {"{\"domain\":\"a-b.com\",\"reg_type\":\"new\"}", 460},
        {REG("a-b.com", ",\"period\":\"11\""), 465},
        {"{\"domain\":\"a-b.com\",\"reg_type\":\"new\",\"reg_username\":"
         "\"u\",\"reg_password\":\"p\",\"contact_set\":{\"owner\":{}}}",
         460},
        {"{\"domain\":\"a-b.com\",\"reg_type\":\"bogus\"}", 465},
        {REG("bad_syntax.com", ""), 465},
        {REG("taken.com", ""), 485},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        expect("SW_REGISTER", cases[i].attrs, cases[i].code);
    /* a bad phone is 465 with the reason in attributes.error */
    char attrs[4096];
    snprintf(attrs, sizeof(attrs), "%s", REG("a-b.com", ""));
    char *p = strstr(attrs, "+1.4165550123");
    memcpy(p, "416-555-0123x", 13);
    struct xcp_value *r = act("SW_REGISTER", attrs);
    assert_int_equal(code(r), 465);
    assert_non_null(strstr(str(r, "attributes.error"), "phone"));
    xcp_free(r);
}

static void register_taken_keeps_order_forced_pending(void **state)
{
    struct xcp_value *r = act("SW_REGISTER", REG("taken.com", ""));
    assert_int_equal(code(r), 485);
    assert_string_equal(str(r, "attributes.forced_pending"),
                        str(r, "attributes.id"));
    assert_string_equal(order_status(order_id(r, "attributes.id")), "pending");
    xcp_free(r);
}

/* .ca: SW_REGISTER without a legal_type is 460, with an unknown one 465;
 * neither creates an order. A good one is kept on the domain and shown by
 * GET all_info. */
static void ca_needs_a_valid_legal_type(void **state)
{
    int64_t before = balance("alice");
    expect("SW_REGISTER", REG_BARE("erable.ca", ""), 460);
    expect("SW_REGISTER", REG_BARE("erable.ca", ",\"legal_type\":\"XYZ\""),
           465);
    expect("SW_REGISTER", REG("erable.ca", ",\"isa_trademark\":\"2\""), 465);
    assert_int_equal(hold("alice"), 0);
    assert_int_equal(balance("alice"), before);
    struct xcp_value *r =
        act("SW_REGISTER",
            REG("erable.ca", ",\"isa_trademark\":\"1\",\"lang_pref\":\"FR\""));
    assert_int_equal(code(r), 250);
    xcp_free(r);
    advance(300);
    r = act("GET", "{\"domain\":\"erable.ca\",\"type\":\"all_info\"}");
    assert_int_equal(code(r), 200);
    assert_string_equal(str(r, "attributes.legal_type"), "CCT");
    assert_string_equal(str(r, "attributes.isa_trademark"), "1");
    assert_string_equal(str(r, "attributes.lang_pref"), "FR");
    xcp_free(r);
}

/* .us: the nexus is required and checked (category, purpose, a validator
 * country for C31/C32) at SW_REGISTER, kept on the domain, read with GET
 * nexus_info and changed with MODIFY data=nexus_info; a bad change leaves
 * it as it was. */
static void us_nexus_is_checked_kept_and_modified(void **state)
{
    expect("SW_REGISTER", REG("stars.us", ""), 460);
    expect("SW_REGISTER", REG("stars.us", NEXUS("C99", "P1", "")), 465);
    expect("SW_REGISTER", REG("stars.us", NEXUS("C11", "P9", "")), 465);
    expect("SW_REGISTER", REG("stars.us", NEXUS("C31", "P1", "")), 460);
    expect("SW_REGISTER", REG("stars.us", NEXUS("C32", "P1", "Canada")), 465);
    expect("SW_REGISTER", REG("stars.us", NEXUS("C11", "P3", "")), 200);
    struct xcp_value *r =
        act("GET", "{\"domain\":\"stars.us\",\"type\":\"nexus_info\"}");
    assert_string_equal(str(r, "attributes.nexus.category"), "C11");
    assert_string_equal(str(r, "attributes.nexus.app_purpose"), "P3");
    xcp_free(r);
    expect("MODIFY",
           "{\"domain\":\"stars.us\",\"data\":\"nexus_info\",\"nexus\":{"
           "\"category\":\"C32\",\"app_purpose\":\"P1\",\"validator\":"
           "\"CA\"}}",
           200);
    expect("MODIFY",
           "{\"domain\":\"stars.us\",\"data\":\"nexus_info\",\"nexus\":{"
           "\"category\":\"C11\",\"app_purpose\":\"P9\"}}",
           465);
    r = act("GET", "{\"domain\":\"stars.us\",\"type\":\"nexus_info\"}");
    assert_string_equal(str(r, "attributes.nexus.category"), "C32");
    assert_string_equal(str(r, "attributes.nexus.validator"), "CA");
    xcp_free(r);
}

static void async_tld_waits_then_completes(void **state)
{
    int64_t before = balance("alice");
    struct xcp_value *r = act("SW_REGISTER", REG("maple.ca", ""));
    assert_int_equal(code(r), 250);
    assert_string_equal(str(r, "is_success"), "1");
    char *id = order_id(r, "attributes.id");
    xcp_free(r);
    expect("LOOKUP", "{\"domain\":\"maple.ca\"}", 221);
    r = act("BELONGS_TO_RSP", "{\"domain\":\"maple.ca\"}");
    assert_string_equal(str(r, "attributes.belongs_to_rsp"), "0");
    xcp_free(r);
    assert_string_equal(order_status(id), "waiting");
    assert_int_equal(hold("alice"), 1500);
    check_hold_invariant();
    advance(299);
    assert_string_equal(order_status(id), "waiting");
    advance(1);
    assert_string_equal(order_status(id), "completed");
    expect("LOOKUP", "{\"domain\":\"maple.ca\"}", 211);
    r = act("BELONGS_TO_RSP", "{\"domain\":\"maple.ca\"}");
    assert_string_equal(str(r, "attributes.belongs_to_rsp"), "1");
    xcp_free(r);
    assert_int_equal(hold("alice"), 0);
    assert_int_equal(balance("alice"), before - 1500);
}

static void decline_later_frees_name_and_hold(void **state)
{
    int64_t before = balance("alice");
    struct xcp_value *r =
        act_full("alice", "SW_REGISTER", "DOMAIN", REG("refused.com", ""), NULL,
                 SIM_FAULT_DECLINE_LATER);
    assert_int_equal(code(r), 250);
    char *id = order_id(r, "attributes.id");
    xcp_free(r);
    expect("LOOKUP", "{\"domain\":\"refused.com\"}", 221);
    advance(300);
    assert_string_equal(order_status(id), "declined");
    expect("LOOKUP", "{\"domain\":\"refused.com\"}", 210);
    assert_int_equal(balance("alice"), before);
    assert_int_equal(hold("alice"), 0);
}

static void async_fault_on_sync_tld_answers_250(void **state)
{
    struct xcp_value *r = act_full("alice", "SW_REGISTER", "DOMAIN",
                                   REG("slow.com", ""), NULL, SIM_FAULT_ASYNC);
    assert_int_equal(code(r), 250);
    xcp_free(r);
    expect("LOOKUP", "{\"domain\":\"slow.com\"}", 221);
    advance(300);
    expect("LOOKUP", "{\"domain\":\"slow.com\"}", 211);
}

static void short_balance_gives_200_forced_pending(void **state)
{
    pthread_mutex_lock(&S.mu);
    sim_jset_int(sim_reseller(&S, "alice"), "balance", 500);
    pthread_mutex_unlock(&S.mu);
    struct xcp_value *r = act("SW_REGISTER", REG("poor.com", ""));
    assert_int_equal(code(r), 200);
    assert_string_equal(str(r, "is_success"), "1");
    assert_string_equal(str(r, "response_text"), "Registration successful");
    char *id = order_id(r, "attributes.forced_pending");
    assert_string_equal(id, str(r, "attributes.id"));
    xcp_free(r);
    assert_string_equal(order_status(id), "pending");
    assert_int_equal(balance("alice"), 500);
    expect("LOOKUP", "{\"domain\":\"poor.com\"}", 210);
    char attrs[64];
    snprintf(attrs, sizeof(attrs), "{\"order_id\":\"%s\"}", id);
    expect("PROCESS_PENDING", attrs, 400); /* still short */
    pthread_mutex_lock(&S.mu);
    sim_jset_int(sim_reseller(&S, "alice"), "balance", 5000);
    pthread_mutex_unlock(&S.mu);
    r = act("PROCESS_PENDING", attrs);
    assert_int_equal(code(r), 200);
    assert_string_equal(str(r, "rwi_attributes.order_id"), id);
    assert_string_equal(str(r, "attributes.registration expiration date"),
                        "2028-01-15 08:00:00");
    xcp_free(r);
    assert_int_equal(balance("alice"), 4000);
    assert_string_equal(order_status(id), "completed");
}

static void handle_save_then_cancel(void **state)
{
    struct xcp_value *r =
        act("SW_REGISTER", REG("saved.com", ",\"handle\":\"save\""));
    assert_int_equal(code(r), 200);
    char *id = order_id(r, "attributes.id");
    xcp_free(r);
    assert_string_equal(order_status(id), "pending");
    expect("LOOKUP", "{\"domain\":\"saved.com\"}", 210);
    char attrs[96];
    snprintf(attrs, sizeof(attrs),
             "{\"order_id\":\"%s\",\"command\":\"cancel\"}", id);
    expect("PROCESS_PENDING", attrs, 200);
    assert_string_equal(order_status(id), "cancelled");
    expect("PROCESS_PENDING", attrs, 465); /* no longer pending */
}

static void new_order_supersedes_pending_ones(void **state)
{
    struct xcp_value *r =
        act("SW_REGISTER", REG("twice.com", ",\"handle\":\"save\""));
    char first[32];
    snprintf(first, sizeof(first), "%s", str(r, "attributes.id"));
    xcp_free(r);
    r = act("SW_REGISTER", REG("twice.com", ""));
    assert_int_equal(code(r), 200);
    assert_string_equal(str(r, "attributes.cancelled_orders[0]"), first);
    xcp_free(r);
    assert_string_equal(order_status(first), "cancelled");
}

static void unknown_nameserver_gives_435_forced_pending(void **state)
{
    struct xcp_value *r = act(
        "SW_REGISTER",
        REG("nsbad.com", ",\"custom_nameservers\":\"1\",\"nameserver_list\":"
                         "[{\"name\":\"ns1.example.com\",\"sortorder\":\"1\"},"
                         "{\"name\":\"ns2.nowhere.invalid\",\"sortorder\":"
                         "\"2\"}]"));
    assert_int_equal(code(r), 435);
    assert_string_equal(str(r, "attributes.forced_pending"),
                        str(r, "attributes.id"));
    assert_non_null(strstr(str(r, "response_text"), "ns2.nowhere.invalid"));
    assert_string_equal(order_status(order_id(r, "attributes.id")), "pending");
    xcp_free(r);
}

static void renew_codes(void **state)
{
    xcp_free(act("SW_REGISTER", REG("renew-me.com", "")));
    struct xcp_value *r =
        act("RENEW", "{\"domain\":\"renew-me.com\",\"currentexpirationyear\":"
                     "\"2028\",\"period\":\"2\",\"auto_renew\":\"0\","
                     "\"handle\":\"process\"}");
    assert_int_equal(code(r), 200);
    assert_string_equal(str(r, "attributes.registration expiration date"),
                        "2030-01-15 08:00:00");
    assert_string_equal(str(r, "attributes.order_id"), str(r, "attributes.id"));
    assert_string_equal(str(r, "attributes.auto_renew"), "0");
    xcp_free(r);
    static const struct {
        const char *attrs;
        int code;
    } cases[] = {
        /* the same renewal again: the year already moved on */
        {"{\"domain\":\"renew-me.com\",\"currentexpirationyear\":\"2028\","
         "\"period\":\"2\",\"handle\":\"process\"}",
         555},
        {"{\"domain\":\"renew-me.com\",\"currentexpirationyear\":\"2027\","
         "\"period\":\"1\",\"handle\":\"process\"}",
         541},
        {"{\"domain\":\"taken.com\",\"currentexpirationyear\":\"2028\","
         "\"period\":\"1\",\"handle\":\"process\"}",
         480},
        {"{\"domain\":\"renew-me.com\",\"period\":\"1\"}", 460},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        expect("RENEW", cases[i].attrs, cases[i].code);
    /* .de renews itself: RENEW is refused with 480 */
    xcp_free(act("SW_REGISTER", REG("auto.de", "")));
    advance(300);
    expect("RENEW",
           "{\"domain\":\"auto.de\",\"currentexpirationyear\":\"2028\","
           "\"period\":\"1\",\"handle\":\"process\"}",
           480);
}

static void renew_handle_save_leaves_expiry(void **state)
{
    xcp_free(act("SW_REGISTER", REG("later.com", "")));
    struct xcp_value *r =
        act("RENEW", "{\"domain\":\"later.com\",\"currentexpirationyear\":"
                     "\"2028\",\"period\":\"1\",\"handle\":\"save\"}");
    assert_int_equal(code(r), 200);
    assert_string_equal(order_status(order_id(r, "attributes.order_id")),
                        "pending");
    assert_string_equal(str(r, "attributes.registration expiration date"),
                        "2028-01-15 08:00:00");
    xcp_free(r);
}

static void transfer_moves_through_states_with_time(void **state)
{
    int64_t before = balance("alice");
    struct xcp_value *r =
        act("SW_REGISTER",
            "{\"domain\":\"taken.com\",\"reg_type\":\"transfer\","
            "\"reg_username\":\"jo\",\"reg_password\":\"pw\",\"auth_info\":"
            "\"transfer-me\"," CSET "}");
    assert_int_equal(code(r), 200);
    assert_string_equal(str(r, "response_text"),
                        "Transfer request has been successfully sent");
    assert_string_equal(str(r, "attributes.transfer_id"), "500001");
    char *id = order_id(r, "attributes.id");
    xcp_free(r);
    assert_string_equal(order_status(id), "processed");
    check_hold_invariant();
    r = act("CHECK_TRANSFER", "{\"domain\":\"taken.com\",\"check_status\":1}");
    assert_string_equal(str(r, "attributes.status"), "pending_owner");
    assert_string_equal(str(r, "attributes.transferrable"), "0");
    assert_string_equal(str(r, "attributes.reason"), "Transfer in progress");
    xcp_free(r);
    advance(86400);
    r = act("CHECK_TRANSFER", "{\"domain\":\"taken.com\",\"check_status\":1}");
    assert_string_equal(str(r, "attributes.status"), "pending_registry");
    xcp_free(r);
    advance(4 * 86400);
    r = act("CHECK_TRANSFER", "{\"domain\":\"taken.com\",\"check_status\":1}");
    assert_string_equal(str(r, "attributes.status"), "completed");
    xcp_free(r);
    assert_string_equal(order_status(id), "completed");
    r = act("GET_TRANSFERS_IN", "{\"domain\":\"taken.com\"}");
    assert_string_equal(str(r, "attributes.total"), "1");
    assert_string_equal(str(r, "attributes.transfers[0].status"), "completed");
    assert_string_equal(str(r, "attributes.transfers[0].completed_date"),
                        "2027-01-20 08:00:00");
    xcp_free(r);
    r = act("BELONGS_TO_RSP", "{\"domain\":\"taken.com\"}");
    assert_string_equal(str(r, "attributes.belongs_to_rsp"), "1");
    xcp_free(r);
    assert_int_equal(balance("alice"), before - 1000);
    assert_int_equal(hold("alice"), 0);
}

static void transfer_refusals(void **state)
{
    pthread_mutex_lock(&S.mu);
    sim_jset_int(sim_domain(&S, "taken.net"), "locked", 1);
    pthread_mutex_unlock(&S.mu);
    static const char *const doms[] = {"taken.net", "nobody-has-it.com"};
    for (size_t i = 0; i < 2; i++) {
        char attrs[2048];
        snprintf(attrs, sizeof(attrs),
                 "{\"domain\":\"%s\",\"reg_type\":\"transfer\","
                 "\"reg_username\":\"jo\",\"reg_password\":\"pw\"," CSET "}",
                 doms[i]);
        expect("SW_REGISTER", attrs, 487);
        snprintf(attrs, sizeof(attrs), "{\"domain\":\"%s\"}", doms[i]);
        struct xcp_value *r = act("CHECK_TRANSFER", attrs);
        assert_string_equal(str(r, "attributes.transferrable"), "0");
        xcp_free(r);
    }
    struct xcp_value *r = act("CHECK_TRANSFER", "{\"domain\":\"taken.org\"}");
    assert_string_equal(str(r, "attributes.transferrable"), "1");
    assert_null(xcp_path_str(r, "attributes.status"));
    xcp_free(r);
}

static void cancel_transfer_releases_hold(void **state)
{
    xcp_free(act("SW_REGISTER",
                 "{\"domain\":\"taken.org\",\"reg_type\":\"transfer\","
                 "\"reg_username\":\"jo\",\"reg_password\":\"pw\"," CSET "}"));
    assert_int_equal(hold("alice"), 1200);
    struct xcp_value *r =
        act_full("alice", "CANCEL_TRANSFER", "TRANSFER",
                 "{\"domain\":\"taken.org\",\"reseller\":\"alice\"}", NULL,
                 SIM_FAULT_NONE);
    assert_int_equal(code(r), 200);
    assert_string_equal(str(r, "object"), "TRANSFER");
    xcp_free(r);
    assert_int_equal(hold("alice"), 0);
    r = act("CHECK_TRANSFER", "{\"domain\":\"taken.org\",\"check_status\":1}");
    assert_string_equal(str(r, "attributes.status"), "cancelled");
    xcp_free(r);
    expect("CANCEL_TRANSFER", "{\"domain\":\"taken.org\"}", 480);
}

static void queue_fault_completes_later(void **state)
{
    struct xcp_value *r =
        act_full("alice", "SW_REGISTER", "DOMAIN", REG("queued.com", ""), NULL,
                 SIM_FAULT_QUEUE);
    assert_int_equal(code(r), 200);
    char qid[32];
    snprintf(qid, sizeof(qid), "%s", str(r, "attributes.queue_request_id"));
    assert_string_not_equal(str(r, "attributes.async_reason"), "(null)");
    xcp_free(r);
    char attrs[64];
    snprintf(attrs, sizeof(attrs), "{\"request_id\":\"%s\"}", qid);
    r = act("QUERY_QUEUED_REQUEST", attrs);
    assert_string_equal(str(r, "attributes.request_data.status"), "queued");
    xcp_free(r);
    advance(300);
    r = act("QUERY_QUEUED_REQUEST", attrs);
    assert_string_equal(str(r, "attributes.request_data.status"), "completed");
    assert_string_equal(str(r, "attributes.request_data.response_code"), "200");
    xcp_free(r);
    expect("LOOKUP", "{\"domain\":\"queued.com\"}", 211);
    expect("QUERY_QUEUED_REQUEST", "{\"request_id\":\"1\"}", 480);
}

static void forced_pending_fault_keeps_order_pending(void **state)
{
    struct xcp_value *r =
        act_full("alice", "SW_REGISTER", "DOMAIN", REG("forced.com", ""), NULL,
                 SIM_FAULT_FORCED_PENDING);
    assert_int_equal(code(r), 200);
    assert_string_equal(order_status(order_id(r, "attributes.forced_pending")),
                        "pending");
    xcp_free(r);
    expect("LOOKUP", "{\"domain\":\"forced.com\"}", 210);
}

static void cancel_pending_orders_by_date(void **state)
{
    xcp_free(act("SW_REGISTER", REG("p1.com", ",\"handle\":\"save\"")));
    xcp_free(act("SW_REGISTER", REG("p2.com", ",\"handle\":\"save\"")));
    struct xcp_value *r = act("CANCEL_PENDING_ORDERS", "{\"to_date\":\"1\"}");
    assert_string_equal(str(r, "attributes.total"), "0");
    xcp_free(r);
    r = act("CANCEL_PENDING_ORDERS", "{\"to_date\":\"1800000000\"}");
    assert_int_equal(code(r), 200);
    assert_string_equal(str(r, "attributes.total"), "2");
    assert_string_equal(str(r, "attributes.cancelled[0].reg_type"), "new");
    xcp_free(r);
    expect("CANCEL_PENDING_ORDERS", "{}", 460);
}

static void cookie_get_modify(void **state)
{
    xcp_free(act("SW_REGISTER", REG("mine.com", "")));
    struct xcp_value *r = act_full(
        "alice", "SET", "COOKIE",
        "{\"domain\":\"mine.com\",\"reg_username\":\"jo\",\"reg_password\":"
        "\"wrong\"}",
        NULL, SIM_FAULT_NONE);
    assert_int_equal(code(r), 415);
    xcp_free(r);
    r = act_full(
        "alice", "SET", "COOKIE",
        "{\"domain\":\"mine.com\",\"reg_username\":\"jo\",\"reg_password\":"
        "\"pw12345\"}",
        NULL, SIM_FAULT_NONE);
    assert_int_equal(code(r), 200);
    assert_string_equal(str(r, "attributes.expiredate"), "2028-01-15 08:00:00");
    char cookie[64];
    snprintf(cookie, sizeof(cookie), "%s", str(r, "attributes.cookie"));
    assert_non_null(strchr(cookie, ':'));
    xcp_free(r);
    r = act_full("alice", "GET", "DOMAIN", "{\"type\":\"all_info\"}", cookie,
                 SIM_FAULT_NONE);
    assert_int_equal(code(r), 200);
    assert_string_equal(str(r, "attributes.contact_set.owner.first_name"),
                        "Jo");
    assert_string_equal(str(r, "attributes.expiredate"), "2028-01-15 08:00:00");
    xcp_free(r);
    expect("MODIFY",
           "{\"domain\":\"mine.com\",\"data\":\"status\",\"lock_state\":\"1\"}",
           200);
    r = act("GET", "{\"domain\":\"mine.com\",\"type\":\"status\"}");
    assert_string_equal(str(r, "attributes.lock_state"), "1");
    xcp_free(r);
    expect("MODIFY",
           "{\"domain\":\"mine.com\",\"data\":\"expire_action\","
           "\"auto_renew\":\"1\",\"let_expire\":\"0\"}",
           200);
    expect("ADVANCED_UPDATE_NAMESERVERS",
           "{\"domain\":\"mine.com\",\"op_type\":\"assign\",\"assign_ns\":"
           "[\"ns1.example.com\",\"ns2.example.com\"]}",
           200);
    expect("ADVANCED_UPDATE_NAMESERVERS",
           "{\"domain\":\"mine.com\",\"op_type\":\"add_remove\",\"add_ns\":"
           "[\"ns3.example.net\"],\"remove_ns\":[\"ns1.example.com\"]}",
           200);
    expect("ADVANCED_UPDATE_NAMESERVERS",
           "{\"domain\":\"mine.com\",\"op_type\":\"assign\",\"assign_ns\":"
           "[\"ns1.nowhere.invalid\"]}",
           435);
    r = act("GET", "{\"domain\":\"mine.com\",\"type\":\"nameservers\"}");
    assert_string_equal(str(r, "attributes.nameserver_list[0].name"),
                        "ns2.example.com");
    assert_string_equal(str(r, "attributes.nameserver_list[1].name"),
                        "ns3.example.net");
    xcp_free(r);
    expect("GET", "{\"domain\":\"taken.com\",\"type\":\"all_info\"}", 480);
    r = act("GET_DOMAINS_BY_EXPIREDATE",
            "{\"exp_from\":\"2028-01-01\",\"exp_to\":\"2028-02-01\"}");
    assert_string_equal(str(r, "attributes.exp_domains[0].f_auto_renew"), "Y");
    xcp_free(r);
}

static void expiring_domains_page_with_remainder(void **state)
{
    static const char *const names[] = {"e1.com", "e2.com", "e3.com"};
    for (size_t i = 0; i < 3; i++) {
        char attrs[2048];
        snprintf(attrs, sizeof(attrs),
                 "{\"domain\":\"%s\",\"reg_type\":\"new\",\"period\":\"1\","
                 "\"reg_username\":\"jo\",\"reg_password\":\"pw\"," CSET "}",
                 names[i]);
        expect("SW_REGISTER", attrs, 200);
        advance(60);
    }
    struct xcp_value *r =
        act("GET_DOMAINS_BY_EXPIREDATE",
            "{\"exp_from\":\"2028-01-15\",\"exp_to\":\"2028-01-15\",\"limit\":"
            "\"2\"}");
    assert_int_equal(code(r), 200);
    assert_string_equal(str(r, "attributes.total"), "3");
    assert_string_equal(str(r, "attributes.remainder"), "1");
    assert_string_equal(str(r, "attributes.exp_domains[0].name"), "e1.com");
    assert_string_equal(str(r, "attributes.exp_domains[1].f_let_expire"), "N");
    xcp_free(r);
    r = act("GET_DOMAINS_BY_EXPIREDATE",
            "{\"exp_from\":\"2028-01-15\",\"exp_to\":\"2028-01-15\","
            "\"limit\":\"2\",\"page\":\"2\"}");
    assert_string_equal(str(r, "attributes.remainder"), "0");
    assert_string_equal(str(r, "attributes.exp_domains[0].name"), "e3.com");
    assert_null(xcp_path(r, "attributes.exp_domains[1]"));
    xcp_free(r);
    expect("GET_DOMAINS_BY_EXPIREDATE", "{\"exp_from\":\"2028-01-15\"}", 460);
    expect("GET_DOMAINS_BY_EXPIREDATE",
           "{\"exp_from\":\"15/01/2028\",\"exp_to\":\"2028-01-15\"}", 465);
}

static void balance_and_price(void **state)
{
    struct xcp_value *r =
        act_full("alice", "GET_BALANCE", "BALANCE", NULL, NULL, SIM_FAULT_NONE);
    assert_string_equal(str(r, "attributes.balance"), "10000.00");
    assert_string_equal(str(r, "attributes.hold_balance"), "0.00");
    assert_string_equal(str(r, "object"), "BALANCE");
    xcp_free(r);
    r = act("GET_PRICE", "{\"domain\":\"x.net\",\"period\":\"3\","
                         "\"all_periods\":\"1\"}");
    assert_string_equal(str(r, "attributes.price"), "33.00");
    assert_string_equal(str(r, "attributes.prices.10"), "110.00");
    xcp_free(r);
    expect("GET_PRICE", "{\"domain\":\"x.net\",\"reg_type\":\"trade\"}", 465);
}

static void revoke_and_events(void **state)
{
    xcp_free(act("SW_REGISTER", REG("gone.com", "")));
    struct xcp_value *r = act("REVOKE", "{\"domain\":\"gone.com\"}");
    assert_int_equal(code(r), 200);
    assert_string_equal(str(r, "response_text"),
                        "Domain gone.com revoked successfully.");
    xcp_free(r);
    expect("LOOKUP", "{\"domain\":\"gone.com\"}", 210);
    expect("REVOKE", "{\"domain\":\"gone.com\"}", 480);
    r = act_full("alice", "POLL", "EVENT", "{\"limit\":\"100\"}", NULL,
                 SIM_FAULT_NONE);
    assert_int_equal(code(r), 200);
    int64_t total = 0;
    assert_int_equal(xcp_path_int(r, "attributes.total", &total, NULL), 0);
    assert_true(total >= 3);
    assert_string_equal(str(r, "attributes.events[0].object"), "ORDER");
    char ev[64], attrs[128];
    snprintf(ev, sizeof(ev), "%s", str(r, "attributes.events[0].event_id"));
    assert_int_equal(strlen(ev), 32);
    xcp_free(r);
    snprintf(attrs, sizeof(attrs), "{\"event_id\":\"%s\"}", ev);
    r = act_full("alice", "ACK", "EVENT", attrs, NULL, SIM_FAULT_NONE);
    assert_int_equal(code(r), 200);
    xcp_free(r);
    r = act_full("alice", "ACK", "EVENT", attrs, NULL, SIM_FAULT_NONE);
    assert_int_equal(code(r), 480);
    xcp_free(r);
}

/* --- events ---------------------------------------------------------------
 */

/* clear_events - an empty queue, so a test sees only its own events. */
static void clear_events(void)
{
    pthread_mutex_lock(&S.mu);
    sim_events_clear(&S);
    save();
    pthread_mutex_unlock(&S.mu);
}

/* poll_as - POLL EVENT for user with limit and a fault mode; the events
 * as JSON (oldest first unless the fault says otherwise), total in *total
 * (if not NULL). */
static json_t *poll_as(const char *user, int limit, enum sim_fault_kind f,
                       int64_t *total)
{
    char attrs[64];
    snprintf(attrs, sizeof(attrs), "{\"limit\":\"%d\"}", limit);
    struct xcp_value *r = act_full(user, "POLL", "EVENT", attrs, NULL, f);
    if (code(r) != 200)
        fail_msg("POLL EVENT: %d %s", code(r), str(r, "response_text"));
    assert_string_equal(str(r, "object"), "EVENT");
    int64_t t = -1;
    assert_int_equal(xcp_path_int(r, "attributes.total", &t, NULL), 0);
    if (total)
        *total = t;
    json_t *j = sim_xcp_to_json(xcp_path(r, "attributes.events"));
    xcp_free(r);
    assert_true(json_is_array(j));
    return j;
}

static json_t *poll_all(void)
{
    return poll_as("alice", 100, SIM_FAULT_NONE, NULL);
}

static int ack_as(const char *user, const char *event_id)
{
    char attrs[96];
    snprintf(attrs, sizeof(attrs), "{\"event_id\":\"%s\"}", event_id);
    struct xcp_value *r =
        act_full(user, "ACK", "EVENT", attrs, NULL, SIM_FAULT_NONE);
    int c = code(r);
    xcp_free(r);
    return c;
}

static const char *ev_str(const json_t *e, const char *key)
{
    return sim_jstr(e, key, "(none)");
}

static const char *ev_data(const json_t *e, const char *key)
{
    return sim_jstr(json_object_get(e, "object_data"), key, "(none)");
}

/* check_shape - what every event has: a 32-hex id, an ISO 8601 UTC date,
 * an object, an event and object_data - and nothing of the sim's own. */
static void check_shape(const json_t *e)
{
    const char *id = ev_str(e, "event_id");
    assert_int_equal(strlen(id), 32);
    assert_int_equal(strspn(id, "0123456789abcdef"), 32);
    const char *date = ev_str(e, "event_date");
    assert_int_equal(strlen(date), 20);
    assert_true(date[10] == 'T' && date[19] == 'Z');
    assert_true(json_is_object(json_object_get(e, "object_data")));
    assert_null(json_object_get(e, "reseller"));
    assert_int_equal(json_object_size((json_t *)e), 5);
}

/* expect_events - events are exactly want[] ("OBJECT EVENT status"; the
 * status is order_status / transfer_status, or empty), in that order. */
static void expect_events(const json_t *events, const char *const *want,
                          size_t n)
{
    size_t i;
    const json_t *e;
    json_array_foreach(events, i, e)
    {
        check_shape(e);
        char got[128];
        const char *st = ev_data(e, "order_status");
        if (strcmp(st, "(none)") == 0)
            st = ev_data(e, "transfer_status");
        snprintf(got, sizeof(got), "%s %s%s%s", ev_str(e, "object"),
                 ev_str(e, "event"), strcmp(st, "(none)") ? " " : "",
                 strcmp(st, "(none)") ? st : "");
        if (i >= n)
            fail_msg("event %zu: unexpected \"%s\"", i, got);
        if (strcmp(got, want[i]) != 0)
            fail_msg("event %zu: want \"%s\", got \"%s\"", i, want[i], got);
    }
    if (json_array_size(events) != n)
        fail_msg("%zu events, want %zu", json_array_size(events), n);
}

#define EXPECT_EVENTS(events, ...)                                             \
    do {                                                                       \
        static const char *const want_[] = {__VA_ARGS__};                      \
        expect_events(events, want_, sizeof(want_) / sizeof(want_[0]));        \
    } while (0)

static void sync_registration_events(void **state)
{
    clear_events();
    xcp_free(act("SW_REGISTER", REG("evt-new.com", ",\"period\":\"2\"")));
    json_t *ev = poll_all();
    EXPECT_EVENTS(ev, "ORDER STATUS_CHANGE pending", "DOMAIN CREATED",
                  "DOMAIN REGISTERED", "ORDER STATUS_CHANGE completed");
    for (size_t i = 0; i < 4; i++)
        assert_string_equal(ev_str(json_array_get(ev, i), "event_date"),
                            "2027-01-15T08:00:00Z");
    const json_t *o = json_array_get(ev, 0);
    assert_string_equal(ev_data(o, "order_id"), "1000001");
    assert_string_equal(ev_data(o, "domain_name"), "evt-new.com");
    assert_string_equal(ev_data(o, "order_reg_type"), "new");
    const json_t *cr = json_array_get(ev, 1), *rg = json_array_get(ev, 2);
    assert_string_equal(ev_data(cr, "domain_name"), "evt-new.com");
    assert_string_equal(ev_data(cr, "domain_id"), "800001");
    assert_string_equal(ev_data(cr, "expiration_date"), "2029-01-15T08:00:00Z");
    assert_string_equal(ev_data(cr, "period"), "(none)");
    assert_string_equal(ev_data(rg, "domain_id"), "800001");
    assert_string_equal(ev_data(rg, "expiration_date"), "2029-01-15T08:00:00Z");
    assert_string_equal(ev_data(rg, "period"), "2");
    assert_string_equal(ev_data(json_array_get(ev, 3), "order_id"), "1000001");
    json_decref(ev);
}

static void async_registration_events(void **state)
{
    clear_events();
    xcp_free(act("SW_REGISTER", REG("evt-async.ca", "")));
    json_t *ev = poll_all();
    /* waiting at the registry: no domain yet */
    EXPECT_EVENTS(ev, "ORDER STATUS_CHANGE pending",
                  "ORDER STATUS_CHANGE waiting");
    json_decref(ev);
    advance(400);
    ev = poll_all();
    EXPECT_EVENTS(ev, "ORDER STATUS_CHANGE pending",
                  "ORDER STATUS_CHANGE waiting", "DOMAIN CREATED",
                  "DOMAIN REGISTERED", "ORDER STATUS_CHANGE completed");
    /* dated when the registry answered, not when the clock was read */
    assert_string_equal(ev_str(json_array_get(ev, 4), "event_date"),
                        "2027-01-15T08:05:00Z");
    assert_string_equal(ev_data(json_array_get(ev, 3), "expiration_date"),
                        "2028-01-15T08:05:00Z");
    json_decref(ev);

    clear_events();
    xcp_free(act_full("alice", "SW_REGISTER", "DOMAIN", REG("evt-no.com", ""),
                      NULL, SIM_FAULT_DECLINE_LATER));
    advance(300);
    ev = poll_all();
    EXPECT_EVENTS(ev, "ORDER STATUS_CHANGE pending",
                  "ORDER STATUS_CHANGE waiting",
                  "ORDER STATUS_CHANGE declined");
    json_decref(ev);
}

static void queued_request_events(void **state)
{
    clear_events();
    xcp_free(act_full("alice", "SW_REGISTER", "DOMAIN", REG("evt-q.com", ""),
                      NULL, SIM_FAULT_QUEUE));
    advance(300);
    json_t *ev = poll_all();
    EXPECT_EVENTS(ev, "ORDER STATUS_CHANGE pending",
                  "ORDER STATUS_CHANGE waiting", "DOMAIN CREATED",
                  "DOMAIN REGISTERED", "ORDER STATUS_CHANGE completed");
    json_decref(ev);
    /* a queued request that finds the name taken leaves its order
     * pending: waiting -> pending is a change */
    clear_events();
    xcp_free(act_full("alice", "SW_REGISTER", "DOMAIN", REG("taken.org", ""),
                      NULL, SIM_FAULT_QUEUE));
    advance(300);
    ev = poll_all();
    EXPECT_EVENTS(ev, "ORDER STATUS_CHANGE pending",
                  "ORDER STATUS_CHANGE waiting", "ORDER STATUS_CHANGE pending");
    json_decref(ev);
}

static void renewal_events(void **state)
{
    xcp_free(act("SW_REGISTER", REG("evt-renew.com", "")));
    clear_events();
    xcp_free(act("RENEW", "{\"domain\":\"evt-renew.com\","
                          "\"currentexpirationyear\":\"2028\",\"period\":"
                          "\"2\",\"handle\":\"process\"}"));
    json_t *ev = poll_all();
    EXPECT_EVENTS(ev, "ORDER STATUS_CHANGE pending", "DOMAIN RENEWED",
                  "ORDER STATUS_CHANGE completed");
    const json_t *rn = json_array_get(ev, 1);
    assert_string_equal(ev_data(rn, "domain_name"), "evt-renew.com");
    assert_string_equal(ev_data(rn, "domain_id"), "800001");
    assert_string_equal(ev_data(rn, "expiration_date"), "2030-01-15T08:00:00Z");
    assert_string_equal(ev_data(rn, "period"), "2");
    assert_string_equal(ev_data(json_array_get(ev, 0), "order_reg_type"),
                        "renewal");
    json_decref(ev);

    /* asynchronous: RENEWED when the registry answers */
    clear_events();
    xcp_free(act_full("alice", "RENEW", "DOMAIN",
                      "{\"domain\":\"evt-renew.com\",\"currentexpirationyear\":"
                      "\"2030\",\"period\":\"1\",\"handle\":\"process\"}",
                      NULL, SIM_FAULT_ASYNC));
    advance(300);
    ev = poll_all();
    EXPECT_EVENTS(ev, "ORDER STATUS_CHANGE pending",
                  "ORDER STATUS_CHANGE waiting", "DOMAIN RENEWED",
                  "ORDER STATUS_CHANGE completed");
    assert_string_equal(ev_data(json_array_get(ev, 2), "expiration_date"),
                        "2031-01-15T08:00:00Z");
    json_decref(ev);

    /* a saved renewal order, processed later */
    clear_events();
    struct xcp_value *r =
        act("RENEW", "{\"domain\":\"evt-renew.com\",\"currentexpirationyear\":"
                     "\"2031\",\"period\":\"1\",\"handle\":\"save\"}");
    char attrs[64];
    snprintf(attrs, sizeof(attrs), "{\"order_id\":\"%s\"}",
             str(r, "attributes.order_id"));
    xcp_free(r);
    expect("PROCESS_PENDING", attrs, 200);
    ev = poll_all();
    EXPECT_EVENTS(ev, "ORDER STATUS_CHANGE pending", "DOMAIN RENEWED",
                  "ORDER STATUS_CHANGE completed");
    assert_string_equal(ev_data(json_array_get(ev, 1), "expiration_date"),
                        "2032-01-15T08:00:00Z");
    json_decref(ev);
}

/* cancelled_for - the order_id of the one "cancelled" event in ev. */
static void expect_cancelled(const json_t *ev, const char *order_id)
{
    size_t i, n = 0;
    const json_t *e;
    json_array_foreach(ev, i, e)
    {
        if (strcmp(ev_data(e, "order_status"), "cancelled") == 0) {
            assert_string_equal(ev_data(e, "order_id"), order_id);
            n++;
        }
    }
    assert_int_equal(n, 1);
}

static void cancelled_order_events(void **state)
{
    char id[32], attrs[96];
    /* PROCESS_PENDING command=cancel */
    struct xcp_value *r =
        act("SW_REGISTER", REG("evt-c1.com", ",\"handle\":\"save\""));
    snprintf(id, sizeof(id), "%s", str(r, "attributes.id"));
    xcp_free(r);
    clear_events();
    snprintf(attrs, sizeof(attrs),
             "{\"order_id\":\"%s\",\"command\":\"cancel\"}", id);
    expect("PROCESS_PENDING", attrs, 200);
    json_t *ev = poll_all();
    EXPECT_EVENTS(ev, "ORDER STATUS_CHANGE cancelled");
    expect_cancelled(ev, id);
    json_decref(ev);

    /* a new order for the domain supersedes the pending one */
    r = act("SW_REGISTER", REG("evt-c2.com", ",\"handle\":\"save\""));
    snprintf(id, sizeof(id), "%s", str(r, "attributes.id"));
    xcp_free(r);
    clear_events();
    xcp_free(act("SW_REGISTER", REG("evt-c2.com", "")));
    ev = poll_all();
    EXPECT_EVENTS(ev, "ORDER STATUS_CHANGE pending",
                  "ORDER STATUS_CHANGE cancelled", "DOMAIN CREATED",
                  "DOMAIN REGISTERED", "ORDER STATUS_CHANGE completed");
    expect_cancelled(ev, id);
    json_decref(ev);

    /* CANCEL_PENDING_ORDERS */
    r = act("SW_REGISTER", REG("evt-c3.com", ",\"handle\":\"save\""));
    snprintf(id, sizeof(id), "%s", str(r, "attributes.id"));
    xcp_free(r);
    clear_events();
    expect("CANCEL_PENDING_ORDERS", "{\"to_date\":\"1800000000\"}", 200);
    ev = poll_all();
    EXPECT_EVENTS(ev, "ORDER STATUS_CHANGE cancelled");
    expect_cancelled(ev, id);
    json_decref(ev);

    /* a declined order processed again: cancelled, and a new order runs */
    r = act_full("alice", "SW_REGISTER", "DOMAIN", REG("evt-c4.com", ""), NULL,
                 SIM_FAULT_DECLINE_LATER);
    snprintf(id, sizeof(id), "%s", str(r, "attributes.id"));
    xcp_free(r);
    advance(300);
    assert_string_equal(order_status(id), "declined");
    clear_events();
    snprintf(attrs, sizeof(attrs), "{\"order_id\":\"%s\"}", id);
    r = act("PROCESS_PENDING", attrs);
    assert_int_equal(code(r), 200);
    char again[32];
    snprintf(again, sizeof(again), "%s", str(r, "rwi_attributes.order_id"));
    assert_string_not_equal(again, id);
    xcp_free(r);
    ev = poll_all();
    EXPECT_EVENTS(ev, "ORDER STATUS_CHANGE cancelled",
                  "ORDER STATUS_CHANGE pending", "DOMAIN CREATED",
                  "DOMAIN REGISTERED", "ORDER STATUS_CHANGE completed");
    expect_cancelled(ev, id);
    assert_string_equal(ev_data(json_array_get(ev, 1), "order_id"), again);
    json_decref(ev);
}

static void transfer_events(void **state)
{
    clear_events();
    pthread_mutex_lock(&S.mu);
    int64_t had = sim_jint(sim_domain(&S, "taken.com"), "expiry", 0);
    pthread_mutex_unlock(&S.mu);
    char want_exp[21];
    sim_fmt_iso(sim_add_years(had, 1), want_exp);
    struct xcp_value *r =
        act("SW_REGISTER", "{\"domain\":\"taken.com\",\"reg_type\":"
                           "\"transfer\",\"reg_username\":\"jo\","
                           "\"reg_password\":\"pw\",\"auth_info\":"
                           "\"transfer-me\"," CSET "}");
    assert_int_equal(code(r), 200);
    char id[32];
    snprintf(id, sizeof(id), "%s", str(r, "attributes.id"));
    xcp_free(r);
    advance(86400);
    advance(4 * 86400);
    json_t *ev = poll_all();
    EXPECT_EVENTS(ev, "ORDER STATUS_CHANGE pending",
                  "TRANSFER STATUS_CHANGE pending_owner",
                  "ORDER STATUS_CHANGE processed",
                  "TRANSFER STATUS_CHANGE pending_registry",
                  "TRANSFER STATUS_CHANGE completed", "DOMAIN CREATED",
                  "ORDER STATUS_CHANGE completed");
    size_t i;
    const json_t *e;
    json_array_foreach(ev, i, e)
    {
        if (strcmp(ev_str(e, "object"), "TRANSFER") != 0)
            continue;
        assert_string_equal(ev_data(e, "domain_name"), "taken.com");
        assert_string_equal(ev_data(e, "transfer_id"), "500001");
        assert_string_equal(ev_data(e, "order_id"), id);
    }
    assert_string_equal(ev_str(json_array_get(ev, 3), "event_date"),
                        "2027-01-16T08:00:00Z");
    const json_t *cr = json_array_get(ev, 5);
    assert_string_equal(ev_data(cr, "domain_name"), "taken.com");
    /* the expiry it had elsewhere plus the year the transfer adds */
    assert_string_equal(ev_data(cr, "expiration_date"), want_exp);
    assert_string_equal(ev_data(cr, "domain_id"), "800001");
    json_decref(ev);

    /* cancelled by the reseller */
    clear_events();
    xcp_free(act("SW_REGISTER", "{\"domain\":\"taken.org\",\"reg_type\":"
                                "\"transfer\",\"reg_username\":\"jo\","
                                "\"reg_password\":\"pw\"," CSET "}"));
    expect("CANCEL_TRANSFER", "{\"domain\":\"taken.org\"}", 200);
    ev = poll_all();
    EXPECT_EVENTS(
        ev, "ORDER STATUS_CHANGE pending",
        "TRANSFER STATUS_CHANGE pending_owner", "ORDER STATUS_CHANGE processed",
        "TRANSFER STATUS_CHANGE cancelled", "ORDER STATUS_CHANGE cancelled");
    json_decref(ev);

    /* declined by the losing side */
    clear_events();
    xcp_free(act_full("alice", "SW_REGISTER", "DOMAIN",
                      "{\"domain\":\"taken.net\",\"reg_type\":\"transfer\","
                      "\"reg_username\":\"jo\",\"reg_password\":\"pw\"," CSET
                      "}",
                      NULL, SIM_FAULT_DECLINE_LATER));
    advance(5 * 86400);
    ev = poll_all();
    EXPECT_EVENTS(
        ev, "ORDER STATUS_CHANGE pending",
        "TRANSFER STATUS_CHANGE pending_owner", "ORDER STATUS_CHANGE processed",
        "TRANSFER STATUS_CHANGE pending_registry",
        "TRANSFER STATUS_CHANGE cancelled", "ORDER STATUS_CHANGE declined");
    json_decref(ev);
}

static void nameserver_and_delete_events(void **state)
{
    xcp_free(act("SW_REGISTER", REG("evt-ns.com", "")));
    clear_events();
    expect("MODIFY",
           "{\"domain\":\"evt-ns.com\",\"data\":\"nameserver_list\","
           "\"nameserver_list\":[{\"name\":\"ns1.example.com\",\"sortorder\":"
           "\"1\"}]}",
           200);
    expect("ADVANCED_UPDATE_NAMESERVERS",
           "{\"domain\":\"evt-ns.com\",\"op_type\":\"add_remove\",\"add_ns\":"
           "[\"ns2.example.net\"]}",
           200);
    /* no change, no event: the same list, a refused list, other data */
    expect("ADVANCED_UPDATE_NAMESERVERS",
           "{\"domain\":\"evt-ns.com\",\"op_type\":\"assign\",\"assign_ns\":"
           "[\"ns1.example.com\",\"ns2.example.net\"]}",
           200);
    expect("ADVANCED_UPDATE_NAMESERVERS",
           "{\"domain\":\"evt-ns.com\",\"op_type\":\"assign\",\"assign_ns\":"
           "[\"ns1.nowhere.invalid\"]}",
           435);
    expect("MODIFY",
           "{\"domain\":\"evt-ns.com\",\"data\":\"status\",\"lock_state\":"
           "\"1\"}",
           200);
    expect("REVOKE", "{\"domain\":\"evt-ns.com\"}", 200);
    json_t *ev = poll_all();
    EXPECT_EVENTS(ev, "DOMAIN NAMESERVER_UPDATE", "DOMAIN NAMESERVER_UPDATE",
                  "DOMAIN DELETED");
    size_t i;
    const json_t *e;
    json_array_foreach(ev, i, e)
    {
        assert_string_equal(ev_data(e, "domain_name"), "evt-ns.com");
        assert_string_equal(ev_data(e, "domain_id"), "800001");
        assert_string_equal(ev_data(e, "expiration_date"), "(none)");
    }
    json_decref(ev);
    /* a domain the sim was given (control API) gets an id when an event
     * first names it */
    pthread_mutex_lock(&S.mu);
    json_t *d = sim_new_domain("alice", S.now);
    sim_jset_str(d, "reg_username", "jo");
    sim_put(&S, "domains", "given.com", d);
    save();
    pthread_mutex_unlock(&S.mu);
    clear_events();
    expect("REVOKE", "{\"domain\":\"given.com\"}", 200);
    ev = poll_all();
    EXPECT_EVENTS(ev, "DOMAIN DELETED");
    assert_string_equal(ev_data(json_array_get(ev, 0), "domain_id"), "800002");
    json_decref(ev);
}

static void events_are_the_resellers_own(void **state)
{
    clear_events();
    xcp_free(act("SW_REGISTER", REG("alices.com", "")));
    int64_t total = -1;
    json_t *ev = poll_as("bob", 100, SIM_FAULT_NONE, &total);
    assert_int_equal(total, 0);
    assert_int_equal(json_array_size(ev), 0);
    json_decref(ev);
    ev = poll_as("alice", 1, SIM_FAULT_NONE, &total);
    assert_int_equal(total, 4);
    char id[40];
    snprintf(id, sizeof(id), "%s", ev_str(json_array_get(ev, 0), "event_id"));
    json_decref(ev);
    assert_int_equal(ack_as("bob", id), 480);
    assert_int_equal(ack_as("alice", id), 200);
    xcp_free(act_full("bob", "SW_REGISTER", "DOMAIN", REG("bobs.com", ""), NULL,
                      SIM_FAULT_NONE));
    ev = poll_as("bob", 100, SIM_FAULT_NONE, &total);
    assert_int_equal(total, 4);
    assert_string_equal(ev_data(json_array_get(ev, 1), "domain_name"),
                        "bobs.com");
    json_decref(ev);
    ev = poll_as("alice", 100, SIM_FAULT_NONE, &total);
    assert_int_equal(total, 3);
    json_decref(ev);
}

static void poll_limit_total_and_ack(void **state)
{
    clear_events();
    xcp_free(act("SW_REGISTER", REG("evt-l.com", "")));
    int64_t total = -1;
    /* limit defaults to 1 */
    struct xcp_value *r =
        act_full("alice", "POLL", "EVENT", "{}", NULL, SIM_FAULT_NONE);
    assert_int_equal(code(r), 200);
    assert_string_equal(str(r, "attributes.total"), "4");
    assert_non_null(xcp_path(r, "attributes.events[0]"));
    assert_null(xcp_path(r, "attributes.events[1]"));
    xcp_free(r);
    json_t *all = poll_all();
    json_t *two = poll_as("alice", 2, SIM_FAULT_NONE, &total);
    assert_int_equal(total, 4);
    assert_int_equal(json_array_size(two), 2);
    assert_true(json_equal(json_array_get(two, 0), json_array_get(all, 0)));
    assert_true(json_equal(json_array_get(two, 1), json_array_get(all, 1)));
    json_decref(two);
    static const char *const bad[] = {"0", "101", "-1", "ten"};
    for (size_t i = 0; i < 4; i++) {
        char attrs[48];
        snprintf(attrs, sizeof(attrs), "{\"limit\":\"%s\"}", bad[i]);
        r = act_full("alice", "POLL", "EVENT", attrs, NULL, SIM_FAULT_NONE);
        assert_int_equal(code(r), 465);
        xcp_free(r);
    }
    /* ACK drops the event from later polls; any order of acknowledgement */
    char second[40];
    snprintf(second, sizeof(second), "%s",
             ev_str(json_array_get(all, 1), "event_id"));
    assert_int_equal(ack_as("alice", second), 200);
    json_t *left = poll_as("alice", 100, SIM_FAULT_NONE, &total);
    assert_int_equal(total, 3);
    assert_true(json_equal(json_array_get(left, 0), json_array_get(all, 0)));
    assert_true(json_equal(json_array_get(left, 1), json_array_get(all, 2)));
    json_decref(left);
    /* acknowledged before, unknown, missing */
    assert_int_equal(ack_as("alice", second), 480);
    assert_int_equal(ack_as("alice", "0123456789abcdef0123456789abcdef"), 480);
    r = act_full("alice", "ACK", "EVENT", "{}", NULL, SIM_FAULT_NONE);
    assert_int_equal(code(r), 460);
    xcp_free(r);
    json_decref(all);
}

static void duplicate_fault_delivers_the_last_ack_once_more(void **state)
{
    clear_events();
    xcp_free(act("SW_REGISTER", REG("evt-d.com", "")));
    json_t *all = poll_all();
    const json_t *e0 = json_array_get(all, 0), *e1 = json_array_get(all, 1);
    /* nothing acknowledged yet: the fault changes nothing */
    int64_t total = -1;
    json_t *ev = poll_as("alice", 100, SIM_FAULT_DUPLICATE, &total);
    assert_true(json_equal(ev, all));
    json_decref(ev);
    assert_int_equal(ack_as("alice", ev_str(e0, "event_id")), 200);
    /* without the fault the acknowledged event is gone */
    ev = poll_as("alice", 1, SIM_FAULT_NONE, &total);
    assert_true(json_equal(json_array_get(ev, 0), e1));
    assert_int_equal(total, 3);
    json_decref(ev);
    /* with it, it comes first once more; it is not waiting (total), and
     * it counts against the limit */
    ev = poll_as("alice", 2, SIM_FAULT_DUPLICATE, &total);
    assert_int_equal(total, 3);
    assert_int_equal(json_array_size(ev), 2);
    assert_true(json_equal(json_array_get(ev, 0), e0));
    assert_true(json_equal(json_array_get(ev, 1), e1));
    json_decref(ev);
    /* acknowledging the copy: it is no longer there */
    assert_int_equal(ack_as("alice", ev_str(e0, "event_id")), 480);
    /* once: the next duplicate needs another acknowledgement */
    ev = poll_as("alice", 1, SIM_FAULT_DUPLICATE, &total);
    assert_true(json_equal(json_array_get(ev, 0), e1));
    json_decref(ev);
    /* the acknowledged event to deliver again survives a restart */
    assert_int_equal(ack_as("alice", ev_str(e1, "event_id")), 200);
    pthread_mutex_lock(&S.mu);
    S.dirty = true;
    save();
    pthread_mutex_unlock(&S.mu);
    sim_release(&S);
    load(&S);
    S.realtime = fake_time;
    ev = poll_as("alice", 1, SIM_FAULT_DUPLICATE, &total);
    assert_int_equal(total, 2);
    assert_true(json_equal(json_array_get(ev, 0), e1));
    json_decref(ev);
    /* and it is the acknowledging reseller's */
    xcp_free(act_full("bob", "SW_REGISTER", "DOMAIN", REG("evt-b.com", ""),
                      NULL, SIM_FAULT_NONE));
    json_t *bobs = poll_as("bob", 1, SIM_FAULT_NONE, NULL);
    assert_int_equal(ack_as("bob", ev_str(json_array_get(bobs, 0), "event_id")),
                     200);
    ev = poll_as("alice", 1, SIM_FAULT_DUPLICATE, NULL);
    assert_string_equal(ev_data(json_array_get(ev, 0), "domain_name"),
                        "evt-d.com");
    json_decref(ev);
    ev = poll_as("bob", 1, SIM_FAULT_DUPLICATE, NULL);
    assert_true(json_equal(json_array_get(ev, 0), json_array_get(bobs, 0)));
    json_decref(ev);
    json_decref(bobs);
    json_decref(all);
}

static void reorder_fault_answers_newest_first(void **state)
{
    clear_events();
    xcp_free(act("SW_REGISTER", REG("evt-r.com", "")));
    json_t *all = poll_all();
    size_t n = json_array_size(all);
    assert_int_equal(n, 4);
    int64_t total = -1;
    json_t *ev = poll_as("alice", 100, SIM_FAULT_REORDER, &total);
    assert_int_equal(total, 4);
    assert_int_equal(json_array_size(ev), n);
    /* every event, newest first */
    for (size_t i = 0; i < n; i++)
        assert_true(
            json_equal(json_array_get(ev, i), json_array_get(all, n - 1 - i)));
    json_decref(ev);
    /* with limit 1 the newest comes before the older ones still waiting:
     * "completed" before "pending" */
    ev = poll_as("alice", 1, SIM_FAULT_REORDER, &total);
    assert_string_equal(ev_data(json_array_get(ev, 0), "order_status"),
                        "completed");
    json_decref(ev);
    /* polling changed nothing: the next poll is oldest first again */
    ev = poll_as("alice", 1, SIM_FAULT_NONE, NULL);
    assert_string_equal(ev_data(json_array_get(ev, 0), "order_status"),
                        "pending");
    json_decref(ev);
    json_decref(all);
}

static void unknown_action_is_invalid_command(void **state)
{
    struct xcp_value *r = act("FROBNICATE", "{}");
    assert_int_equal(code(r), 400);
    assert_string_equal(str(r, "is_success"), "0");
    assert_string_equal(str(r, "response_text"), "Invalid Command: FROBNICATE");
    xcp_free(r);
    /* actions are case-insensitive (the reader upper-cases them) */
    r = act_full("alice", "lookup", "domain", "{\"domain\":\"abc.com\"}", NULL,
                 SIM_FAULT_NONE);
    assert_int_equal(code(r), 210);
    xcp_free(r);
}

static void name_suggest_lists_lookup_and_suggestions(void **state)
{
    struct xcp_value *r =
        act("NAME_SUGGEST", "{\"searchstring\":\"taken\",\"tlds\":[\".com\","
                            "\".net\"],\"maximum\":\"4\"}");
    assert_int_equal(code(r), 200);
    assert_string_equal(str(r, "attributes.lookup.items[0].domain"),
                        "taken.com");
    assert_string_equal(str(r, "attributes.lookup.items[0].status"), "taken");
    assert_string_equal(str(r, "attributes.lookup.count"), "2");
    assert_string_equal(str(r, "attributes.suggestion.count"), "4");
    assert_string_equal(str(r, "attributes.suggestion.items[0].status"),
                        "available");
    xcp_free(r);
    expect("NAME_SUGGEST", "{}", 460);
}

static void state_file_round_trip(void **state)
{
    xcp_free(act("SW_REGISTER", REG("kept.com", "")));
    /* from the journal alone (the sim was not stopped), then after a
     * snapshot */
    for (int round = 0; round < 2; round++) {
        if (round == 1) {
            pthread_mutex_lock(&S.mu);
            assert_int_equal(sim_save(&S, NULL), 0);
            pthread_mutex_unlock(&S.mu);
        }
        struct sim s2;
        load(&s2);
        json_t *d = sim_domain(&s2, "kept.com");
        assert_non_null(d);
        assert_string_equal(sim_jstr(d, "owner", ""), "alice");
        assert_int_equal(sim_jint(sim_reseller(&s2, "alice"), "balance", 0),
                         balance("alice"));
        /* ids continue, not restart */
        pthread_mutex_lock(&s2.mu);
        assert_int_equal(sim_next_id(&s2, "order"), 1000002);
        pthread_mutex_unlock(&s2.mu);
        sim_release(&s2);
    }
}

static void reset_restores_start_state(void **state)
{
    xcp_free(act("SW_REGISTER", REG("temp.com", "")));
    pthread_mutex_lock(&S.mu);
    sim_reset(&S);
    save();
    pthread_mutex_unlock(&S.mu);
    /* the reset world is what a restart finds */
    struct sim s2;
    load(&s2);
    same_world(S.state, s2.state);
    sim_release(&s2);
    expect("LOOKUP", "{\"domain\":\"temp.com\"}", 210);
    expect("LOOKUP", "{\"domain\":\"taken.com\"}", 211);
    assert_int_equal(balance("alice"), SIM_DEFAULT_BALANCE);
}

static void money_and_time_helpers(void **state)
{
    static const struct {
        const char *in;
        int64_t cents;
        int rc;
    } m[] = {{"10", 1000, 0},    {"10.5", 1050, 0}, {"0.01", 1, 0},
             {"-2.00", -200, 0}, {"1.", 0, -1},     {"abc", 0, -1},
             {"", 0, -1},        {"1.234", 0, -1}};
    for (size_t i = 0; i < sizeof(m) / sizeof(m[0]); i++) {
        int64_t c = 0;
        int rc = sim_parse_money(m[i].in, &c);
        assert_int_equal(rc < 0 ? -1 : 0, m[i].rc);
        if (rc == 0)
            assert_int_equal(c, m[i].cents);
    }
    char buf[32];
    sim_fmt_money(123456, buf);
    assert_string_equal(buf, "1234.56");
    sim_fmt_money(-5, buf);
    assert_string_equal(buf, "-0.05");
    int64_t t;
    assert_int_equal(sim_parse_time("2027-01-15 08:00:00", &t), 0);
    assert_int_equal(t, T0);
    char ts[20];
    sim_fmt_time(t, ts);
    assert_string_equal(ts, "2027-01-15 08:00:00");
    assert_true(sim_parse_time("2027-13-01", &t) < 0);
    assert_int_equal(sim_add_years(T0, 1), T0 + 365 * 86400);
}

/* after_the_sale_is_journaled - hosts, registry marks, contacts, auth
 * codes and a transfer away change the world; teardown reloads the state
 * file and must find the same world (I4 for the new members too). */
static void after_the_sale_is_journaled(void **state)
{
    struct xcp_value *r = act("SW_REGISTER", REG("kept.com", ""));
    assert_int_equal(code(r), 200);
    xcp_free(r);
    r = act("SW_REGISTER", REG("other-kept.com", ""));
    assert_int_equal(code(r), 200);
    xcp_free(r);
    r = act_full("alice", "CREATE", "NAMESERVER",
                 "{\"domain\":\"kept.com\",\"name\":\"ns1.kept.com\","
                 "\"ipaddress\":[\"192.0.2.1\",\"192.0.2.2\"]}",
                 NULL, SIM_FAULT_NONE);
    assert_int_equal(code(r), 200);
    xcp_free(r);
    expect("ADVANCED_UPDATE_NAMESERVERS",
           "{\"domain\":\"other-kept.com\",\"op_type\":\"assign\","
           "\"assign_ns\":[\"ns1.kept.com\",\"ns2.example.net\"]}",
           200);
    r = act_full("alice", "MODIFY", "NAMESERVER",
                 "{\"domain\":\"kept.com\",\"name\":\"ns1.kept.com\","
                 "\"new_name\":\"ns9.kept.com\",\"ipv6\":\"2001:db8::9\"}",
                 NULL, SIM_FAULT_NONE);
    assert_int_equal(code(r), 200);
    xcp_free(r);
    assert_string_equal(
        json_string_value(json_array_get(
            json_object_get(sim_domain(&S, "other-kept.com"), "nameservers"),
            0)),
        "ns9.kept.com");
    expect("REGISTRY_ADD_NS",
           "{\"fqdn\":\"ns7.example.org\",\"tld\":\".org\",\"all\":\"0\"}",
           200);
    expect("UPDATE_CONTACTS",
           "{\"domain\":\"kept.com\",\"affect_domains\":\"1\",\"types\":"
           "[\"admin\"],\"contact_set\":{\"admin\":" CONTACT "}}",
           200);
    expect("MODIFY",
           "{\"domain\":\"kept.com\",\"data\":\"domain_auth_info\","
           "\"domain_auth_info\":\"brand-new-1\"}",
           200);
    expect("MODIFY",
           "{\"domain\":\"kept.com\",\"data\":\"whois_privacy_state\","
           "\"state\":\"enable\"}",
           200);
    expect("SEND_AUTHCODE", "{\"domain_name\":\"kept.com\"}", 200);
    pthread_mutex_lock(&S.mu);
    char msg[200];
    assert_int_equal(
        sim_transfer_away(&S, "other-kept.com", "Elsewhere", msg, sizeof(msg)),
        0);
    save();
    pthread_mutex_unlock(&S.mu);
    assert_int_equal(
        json_array_size(json_object_get(S.state, "transfers_away")), 1);
    assert_string_equal(sim_jstr(sim_domain(&S, "other-kept.com"), "owner", ""),
                        "other");
}

/* after_the_sale_odd_input - wrong shapes everywhere in the new actions
 * are answered with an error code, never a crash or a success. */
static void after_the_sale_odd_input(void **state)
{
    struct xcp_value *r = act("SW_REGISTER", REG("odd.com", ""));
    assert_int_equal(code(r), 200);
    xcp_free(r);
    static const struct {
        const char *action, *object, *attrs;
    } cases[] = {
        {"CREATE", "NAMESERVER", "{\"domain\":\"odd.com\",\"name\":[1]}"},
        {"CREATE", "NAMESERVER",
         "{\"domain\":\"odd.com\",\"name\":\"ns.odd.com\",\"ipaddress\":"
         "{\"a\":\"1.2.3.4\"}}"},
        {"CREATE", "NAMESERVER",
         "{\"domain\":\"odd.com\",\"name\":\"ns.odd.com\",\"ipv6\":"
         "[[\"::1\"]]}"},
        {"MODIFY", "NAMESERVER",
         "{\"domain\":\"odd.com\",\"name\":\"ns.odd.com\",\"new_name\":"
         "{\"x\":\"y\"}}"},
        {"DELETE", "NAMESERVER", "{\"domain\":{\"x\":\"y\"},\"name\":\"a\"}"},
        {"GET", "NAMESERVER", "{\"domain\":\"odd.com\",\"name\":[\"all\"]}"},
        {"REGISTRY_CHECK_NAMESERVER", "NAMESERVER",
         "{\"fqdn\":\"ns.x.com\",\"tld\":[\"com\"]}"},
        {"REGISTRY_ADD_NS", "NAMESERVER",
         "{\"fqdn\":\"ns.x.com\",\"tld\":\"com\",\"all\":\"2\"}"},
        {"UPDATE_CONTACTS", "DOMAIN",
         "{\"domain\":\"odd.com\",\"types\":{\"a\":\"owner\"},"
         "\"contact_set\":{\"owner\":\"x\"}}"},
        {"UPDATE_CONTACTS", "DOMAIN",
         "{\"domain\":\"odd.com\",\"types\":[[\"owner\"]],\"contact_set\":"
         "{\"owner\":{\"a\":\"b\"}}}"},
        {"UPDATE_ALL_INFO", "DOMAIN",
         "{\"domain\":\"odd.com\",\"contact_set\":{\"owner\":{\"a\":\"b\"},"
         "\"admin\":{\"a\":\"b\"},\"billing\":{\"a\":\"b\"},\"tech\":"
         "{\"a\":\"b\"}},\"nameserver_list\":[\"ns1.example.net\"]}"},
        {"UPDATE_ALL_INFO", "DOMAIN",
         "{\"domain\":\"odd.com\",\"contact_set\":\"x\","
         "\"nameserver_list\":\"y\"}"},
        {"SEND_AUTHCODE", "DOMAIN", "{\"domain_name\":[\"odd.com\"]}"},
        {"GET_DOMAINS_CONTACTS", "DOMAIN", "{\"domain_list\":\"odd.com\"}"},
        {"GET_ORDERS_BY_DOMAIN", "DOMAIN",
         "{\"domain\":\"odd.com\",\"order_from\":\"2027-02-30x\"}"},
        {"GET_TRANSFERS_AWAY", "DOMAIN", "{\"limit\":\"x\"}"},
        {"GET_TRANSFERS_AWAY", "DOMAIN", "{\"domain\":\"a b\"}"},
        {"NAME_SUGGEST", "DOMAIN",
         "{\"searchstring\":\"x\",\"service_override\":[\"premium\"]}"},
        {"NAME_SUGGEST", "DOMAIN",
         "{\"searchstring\":\"x\",\"service_override\":{\"premium\":"
         "[\"a\"]}}"},
        {"NAME_SUGGEST", "DOMAIN",
         "{\"searchstring\":\"x\",\"service_override\":{\"lookup\":{\"tlds\":"
         "\"com\"}}}"},
        {"MODIFY", "DOMAIN",
         "{\"domain\":\"odd.com\",\"data\":\"whois_privacy_state\","
         "\"state\":[\"enable\"]}"},
        {"MODIFY", "DOMAIN",
         "{\"domain\":\"odd.com\",\"data\":\"domain_auth_info\","
         "\"domain_auth_info\":\"a-code-that-is-far-too-long-to-be-an-"
         "epp-auth-code\"}"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        r = act_full("alice", cases[i].action, cases[i].object, cases[i].attrs,
                     NULL, SIM_FAULT_NONE);
        int c = code(r);
        if (c < 400 || c >= 500)
            fail_msg("%s %s %s: %d", cases[i].action, cases[i].object,
                     cases[i].attrs, c);
        assert_string_equal(str(r, "is_success"), "0");
        xcp_free(r);
    }
}

/* --- the registry lifecycle after expiry ------------------------------- */

#define DAY 86400
/* registered at T0 for a year: 2028-01-15 08:00:00 */
#define EXP1 1831536000

/* phase - GET DOMAIN status's lifecycle_phase of name. */
static const char *phase(const char *name)
{
    static char buf[32];
    char attrs[128];
    snprintf(attrs, sizeof(attrs), "{\"domain\":\"%s\",\"type\":\"status\"}",
             name);
    struct xcp_value *r = act("GET", attrs);
    snprintf(buf, sizeof(buf), "%s",
             code(r) == 200 ? str(r, "attributes.lifecycle_phase") : "(gone)");
    xcp_free(r);
    return buf;
}

static int64_t expiry_of(const char *name)
{
    return sim_jint(json_object_get(json_object_get(S.state, "domains"), name),
                    "expiry", -1);
}

static void life_register(const char *name)
{
    char *attrs = xasprintf(REG_BARE("%s", ""), name);
    struct xcp_value *r = act("SW_REGISTER", attrs);
    free(attrs);
    assert_int_equal(code(r), 200);
    xcp_free(r);
    assert_int_equal(expiry_of(name), EXP1);
}

static void lifecycle_phases_follow_the_clock(void **state)
{
    life_register("life.com");
    assert_string_equal(phase("life.com"), "active");
    struct xcp_value *r =
        act("GET", "{\"domain\":\"life.com\",\"type\":\"all_info\"}");
    /* .com: 40 days of grace, 30 of redemption, 5 pending delete */
    assert_string_equal(str(r, "attributes.grace_end_date"),
                        "2028-02-24 08:00:00");
    assert_string_equal(str(r, "attributes.redemption_end_date"),
                        "2028-03-25 08:00:00");
    assert_string_equal(str(r, "attributes.delete_date"),
                        "2028-03-30 08:00:01");
    xcp_free(r);
    advance(EXP1 - T0); /* the expiry itself: still active */
    assert_string_equal(phase("life.com"), "active");
    advance(1);
    assert_string_equal(phase("life.com"), "expired");
    advance(40 * DAY - 1);
    assert_string_equal(phase("life.com"), "expired");
    advance(1);
    assert_string_equal(phase("life.com"), "redemption");
    advance(30 * DAY);
    assert_string_equal(phase("life.com"), "pending_delete");
    clear_events();
    expect("LOOKUP", "{\"domain\":\"life.com\"}", 211);
    advance(5 * DAY + 1);
    assert_null(
        json_object_get(json_object_get(S.state, "domains"), "life.com"));
    expect("LOOKUP", "{\"domain\":\"life.com\"}", 210);
    expect("GET", "{\"domain\":\"life.com\",\"type\":\"status\"}", 480);
    expect("RENEW",
           "{\"domain\":\"life.com\",\"currentexpirationyear\":\"2028\","
           "\"period\":\"1\",\"handle\":\"process\"}",
           480);
    expect("REDEEM", "{\"domain\":\"life.com\"}", 400);
    json_t *ev = poll_all();
    EXPECT_EVENTS(ev, "DOMAIN DELETED");
    assert_string_equal(ev_data(json_array_get(ev, 0), "domain_name"),
                        "life.com");
    assert_string_equal(sim_jstr(json_array_get(ev, 0), "event_date", ""),
                        "2028-03-30T08:00:01Z");
    json_decref(ev);
}

static void renew_in_grace_extends_from_the_old_expiry(void **state)
{
    life_register("grace.com");
    advance(EXP1 - T0 + 10 * DAY);
    assert_string_equal(phase("grace.com"), "expired");
    int64_t before = balance("alice");
    clear_events();
    expect("RENEW",
           "{\"domain\":\"grace.com\",\"currentexpirationyear\":\"2028\","
           "\"period\":\"1\",\"handle\":\"process\"}",
           200);
    assert_int_equal(expiry_of("grace.com"), EXP1 + 365 * DAY + DAY);
    assert_int_equal(balance("alice"), before - 1000);
    assert_string_equal(phase("grace.com"), "active");
    json_t *ev = poll_all();
    EXPECT_EVENTS(ev, "ORDER STATUS_CHANGE pending", "DOMAIN RENEWED",
                  "ORDER STATUS_CHANGE completed");
    json_decref(ev);
}

static void redemption_refuses_renew_and_redeem_restores(void **state)
{
    life_register("rdm.com");
    expect("REDEEM", "{\"domain\":\"rdm.com\"}", 400); /* active */
    advance(EXP1 - T0 + 5 * DAY);
    expect("REDEEM", "{\"domain\":\"rdm.com\"}", 400); /* grace */
    advance(40 * DAY);
    assert_string_equal(phase("rdm.com"), "redemption");
    struct xcp_value *r =
        act("RENEW", "{\"domain\":\"rdm.com\",\"currentexpirationyear\":"
                     "\"2028\",\"period\":\"1\",\"handle\":\"process\"}");
    assert_int_equal(code(r), 465);
    assert_non_null(strstr(str(r, "response_text"), "redemption"));
    xcp_free(r);
    int64_t before = balance("alice");
    clear_events();
    r = act("REDEEM", "{\"domain\":\"rdm.com\"}");
    assert_int_equal(code(r), 200);
    assert_string_equal(str(r, "response_text"),
                        "Command completed successfully");
    xcp_free(r);
    /* the restore fee (80.00) and a year's renewal (10.00) */
    assert_int_equal(balance("alice"), before - 9000);
    assert_int_equal(expiry_of("rdm.com"), EXP1 + 365 * DAY + DAY);
    assert_string_equal(phase("rdm.com"), "active");
    json_t *ev = poll_all();
    EXPECT_EVENTS(ev, "DOMAIN RENEWED");
    assert_string_equal(ev_data(json_array_get(ev, 0), "expiration_date"),
                        "2029-01-15T08:00:00Z");
    json_decref(ev);
    expect("REDEEM", "{\"domain\":\"rdm.com\"}", 400); /* active again */
}

static void redeem_too_late_or_short_of_funds(void **state)
{
    life_register("late.com");
    life_register("poor.com");
    advance(EXP1 - T0 + 41 * DAY);
    pthread_mutex_lock(&S.mu);
    sim_jset_int(sim_reseller(&S, "alice"), "balance", 8999);
    S.dirty = true;
    save();
    pthread_mutex_unlock(&S.mu);
    expect("REDEEM", "{\"domain\":\"poor.com\"}", 486);
    assert_int_equal(balance("alice"), 8999);
    assert_string_equal(phase("poor.com"), "redemption");
    advance(30 * DAY);
    assert_string_equal(phase("late.com"), "pending_delete");
    struct xcp_value *r = act("REDEEM", "{\"domain\":\"late.com\"}");
    assert_int_equal(code(r), 400);
    assert_non_null(strstr(str(r, "response_text"), "over"));
    xcp_free(r);
    expect("RENEW",
           "{\"domain\":\"late.com\",\"currentexpirationyear\":\"2028\","
           "\"period\":\"1\",\"handle\":\"process\"}",
           465);
    expect("REDEEM", "{\"domain\":\"nowhere.com\"}", 400);
    expect("REDEEM", "{}", 460);
}

static void async_redeem_completes_with_the_clock(void **state)
{
    life_register("slow.com");
    advance(EXP1 - T0 + 65 * DAY); /* 5 days of redemption left */
    pthread_mutex_lock(&S.mu);
    const char *attrs = "{\"domain\":\"slow.com\"}";
    json_t *j = json_loads(attrs, 0, NULL);
    struct xcp_value *req =
        xcp_request_new("REDEEM", "DOMAIN", sim_json_to_xcp(j));
    json_decref(j);
    struct xcp_request rq;
    assert_int_equal(xcp_request_read(req, &rq, NULL), 0);
    struct sim_mode m = {SIM_FAULT_ASYNC, 20 * DAY};
    struct xcp_value *r = sim_act(&S, "alice", &rq, &m);
    save();
    pthread_mutex_unlock(&S.mu);
    xcp_free(req);
    assert_int_equal(code(r), 250);
    xcp_free(r);
    r = act("GET", "{\"domain\":\"slow.com\",\"type\":\"status\"}");
    assert_string_equal(str(r, "attributes.restore_pending"), "1");
    xcp_free(r);
    expect("REDEEM", attrs, 400); /* one restore at a time */
    clear_events();
    /* past the end of pending delete: a restore underway is not deleted */
    advance(20 * DAY - 1);
    assert_int_equal(expiry_of("slow.com"), EXP1);
    assert_string_equal(phase("slow.com"), "redemption");
    advance(1);
    assert_int_equal(expiry_of("slow.com"), EXP1 + 365 * DAY + DAY);
    assert_string_equal(phase("slow.com"), "active");
    json_t *ev = poll_all();
    EXPECT_EVENTS(ev, "DOMAIN RENEWED");
    json_decref(ev);
}

static void lifecycle_windows_are_configurable(void **state)
{
    life_register("short.com");
    life_register("other.net");
    pthread_mutex_lock(&S.mu);
    char msg[200];
    json_t *before = json_deep_copy(S.state);
    static const char *const bad[] = {
        "{}",
        "{\"tld\":\"nosuch\"}",
        "{\"tld\":\"com\",\"grace_days\":-1}",
        "{\"tld\":\"com\",\"grace_days\":3651}",
        "{\"tld\":\"com\",\"redemption_days\":\"x\"}",
        "{\"tld\":\"com\",\"pending_delete_days\":1.5}",
        "{\"tld\":\"com\",\"restore_fee\":\"ten\"}",
        "{\"tld\":\"com\",\"grace\":3}",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        json_t *b = json_loads(bad[i], 0, NULL);
        assert_non_null(b);
        if (sim_lifecycle_set(S.state, b, msg, sizeof(msg)) != -1)
            fail_msg("accepted %s", bad[i]);
        json_decref(b);
        assert_true(json_equal(before, S.state));
    }
    json_decref(before);
    json_t *b = json_loads("{\"tld\":\".COM\",\"grace_days\":\"1\","
                           "\"redemption_days\":2,\"pending_delete_days\":0,"
                           "\"restore_fee\":\"50\"}",
                           0, NULL);
    assert_int_equal(sim_lifecycle_post(&S, b, msg, sizeof(msg)), 0);
    assert_string_equal(msg, "com");
    json_decref(b);
    save();
    pthread_mutex_unlock(&S.mu);
    advance(EXP1 - T0 + 3 * DAY + 1);
    assert_null(
        json_object_get(json_object_get(S.state, "domains"), "short.com"));
    assert_string_equal(phase("other.net"), "expired");

    struct sim_config cfg;
    sim_config_init(&cfg);
    struct rm_err err;
    static const char *const badopt[] = {
        "com",       "=1/2/3",       "com=1/2",    "com=1/2/3x",
        "com=a/2/3", "com=1/2/9999", "com=-1/2/3",
    };
    for (size_t i = 0; i < sizeof(badopt) / sizeof(badopt[0]); i++)
        if (sim_config_add_lifecycle(&cfg, badopt[i], &err) == 0)
            fail_msg("--lifecycle %s accepted", badopt[i]);
    assert_null(cfg.lifecycle);
    assert_int_equal(sim_config_add_lifecycle(&cfg, "uk=9/8/7/12.50", &err), 0);
    json_t *w = json_object();
    json_object_set_new(w, "prices", json_object());
    json_object_set_new(json_object_get(w, "prices"), "uk", json_object());
    assert_int_equal(sim_lifecycle_apply_config(w, cfg.lifecycle, &err), 0);
    assert_int_equal(
        sim_jint(json_object_get(json_object_get(w, "lifecycle"), "uk"),
                 "restore_fee", -1),
        1250);
    json_decref(w);
    sim_config_release(&cfg);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(lookup_answers_by_domain_state),
        T(register_new_completes_and_debits),
        T(register_rejects_bad_input),
        T(register_taken_keeps_order_forced_pending),
        T(ca_needs_a_valid_legal_type),
        T(us_nexus_is_checked_kept_and_modified),
        T(async_tld_waits_then_completes),
        T(decline_later_frees_name_and_hold),
        T(async_fault_on_sync_tld_answers_250),
        T(short_balance_gives_200_forced_pending),
        T(handle_save_then_cancel),
        T(new_order_supersedes_pending_ones),
        T(unknown_nameserver_gives_435_forced_pending),
        T(renew_codes),
        T(renew_handle_save_leaves_expiry),
        T(transfer_moves_through_states_with_time),
        T(transfer_refusals),
        T(cancel_transfer_releases_hold),
        T(queue_fault_completes_later),
        T(forced_pending_fault_keeps_order_pending),
        T(cancel_pending_orders_by_date),
        T(cookie_get_modify),
        T(expiring_domains_page_with_remainder),
        T(balance_and_price),
        T(revoke_and_events),
        T(sync_registration_events),
        T(async_registration_events),
        T(queued_request_events),
        T(renewal_events),
        T(cancelled_order_events),
        T(transfer_events),
        T(nameserver_and_delete_events),
        T(events_are_the_resellers_own),
        T(poll_limit_total_and_ack),
        T(duplicate_fault_delivers_the_last_ack_once_more),
        T(reorder_fault_answers_newest_first),
        T(unknown_action_is_invalid_command),
        T(name_suggest_lists_lookup_and_suggestions),
        T(state_file_round_trip),
        T(reset_restores_start_state),
        T(money_and_time_helpers),
        T(after_the_sale_is_journaled),
        T(after_the_sale_odd_input),
        T(lifecycle_phases_follow_the_clock),
        T(renew_in_grace_extends_from_the_old_expiry),
        T(redemption_refuses_renew_and_redeem_restores),
        T(redeem_too_late_or_short_of_funds),
        T(async_redeem_completes_with_the_clock),
        T(lifecycle_windows_are_configurable),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
