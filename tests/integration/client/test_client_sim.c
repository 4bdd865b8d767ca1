/*
 * test_client_sim - the OpenSRS driver against a real opensrs-sim, over
 * HTTP or HTTPS (argv[1] "http" | "https", argv[2] the sim binary): every
 * mapped action, and every fault of the sim contract ending in the right
 * outcome class - none as a false success or a false failure - with the
 * sim's /counts proving a side effect was received exactly once. The event
 * stream too: POLL EVENT / ACK EVENT after an asynchronous registration.
 * And what an owner does after the sale (nameservers checked at the
 * registry, lock and a transfer away, auth code, privacy, child hosts,
 * contacts, premium suggestions): the driver and the sim agree.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "opensrs/srs.h"
#include "registrar/registrar.h"
#include "simctl.h"

static struct simctl sim;
static bool use_tls;
static bool use_legacy; /* legacy://: the legacy protocol (port 55000) */
static const char *sim_path;
static struct registrar *reg;

static const struct reg_contact person = {
    .first_name = "Jane",
    .last_name = "Doe",
    .org_name = "Example Inc.",
    .address1 = "32 Oak Street",
    .city = "Toronto",
    .state = "ON",
    .postal_code = "M5V 1A1",
    .country = "CA",
    .phone = "+1.4165550123",
    .email = "jane@example.com",
};

/* the .us nexus of a US citizen for personal use */
static const struct reg_kv us_nexus[] = {{"nexus.category", "C11"},
                                         {"nexus.app_purpose", "P3"}};

static bool tld_is(const char *domain, const char *tld)
{
    size_t n = strlen(domain), t = strlen(tld);
    return n > t && strcmp(domain + n - t, tld) == 0;
}

static struct reg_domain_order order_for(const char *domain)
{
    bool ca = tld_is(domain, ".ca"), us = tld_is(domain, ".us");
    return (struct reg_domain_order){
        .domain = domain,
        .period = 1,
        .owner = &person,
        .reg_username = "janedoe",
        .reg_password = "s3cretpw",
        .lock = true,
        .legal_type = ca ? "CCT" : NULL,
        .lang_pref = ca ? "EN" : NULL,
        .tld_data = us ? us_nexus : NULL,
        .n_tld_data = us ? 2 : 0,
    };
}

static struct registrar *make_registrar(long timeout_ms, const char *url)
{
    struct srs_transport_config cfg = {
        .url = url ? url : sim.url,
        .user = SIMCTL_USER,
        .key = SIMCTL_KEY,
        .ca_file = use_tls ? sim.ca_file : NULL,
        .connect_timeout_ms = timeout_ms,
        .timeout_ms = timeout_ms,
        .max_handles = 4,
    };
    struct rm_err err;
    struct registrar *r = srs_registrar_new(&cfg, &err);
    if (!r)
        fail_msg("srs_registrar_new: %s", err.msg);
    return r;
}

static int group_setup(void **state)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    return use_legacy ? simctl_start_legacy(&sim, sim_path)
                      : simctl_start(&sim, sim_path, use_tls);
}

static int group_teardown(void **state)
{
    simctl_stop(&sim);
    curl_global_cleanup();
    return 0;
}

static int setup(void **state)
{
    simctl_reset(&sim);
    reg = make_registrar(5000, NULL);
    return 0;
}

static int teardown(void **state)
{
    reg_free(reg);
    reg = NULL;
    return 0;
}

static void rule(const char *json)
{
    simctl_ok(&sim, "POST", "/rules", "%s", json);
}

static void register_ok(const char *domain)
{
    struct reg_domain_order o = order_for(domain);
    struct reg_op_result out;
    assert_int_equal(reg_register(reg, &o, &out, NULL), 0);
    if (out.state != REG_OP_DONE)
        fail_msg("register %s: %s %s", domain, reg_op_state_name(out.state),
                 out.reason);
}

static int64_t year_of(time_t t)
{
    struct tm tm;
    gmtime_r(&t, &tm);
    return tm.tm_year + 1900;
}

/* --- queries ---------------------------------------------------------- */

static void lookup_maps_available_taken_invalid_and_waiting(void **s)
{
    struct reg_lookup lk;
    struct rm_err err;
    assert_int_equal(reg_lookup(reg, "fresh-name.com", &lk, &err), 0);
    assert_int_equal(lk.availability, REG_AVAILABLE);
    assert_int_equal(lk.reply.code, 210);
    assert_int_equal(reg_lookup(reg, "taken.com", &lk, &err), 0);
    assert_int_equal(lk.availability, REG_TAKEN);
    assert_int_equal(reg_lookup(reg, "-bad-.com", &lk, &err), 0);
    assert_int_equal(lk.availability, REG_INVALID);
    assert_int_equal(lk.reply.code, 465);
    /* a registration waiting at an asynchronous registry: 221 */
    struct reg_domain_order o = order_for("waiting.ca");
    struct reg_op_result op;
    assert_int_equal(reg_register(reg, &o, &op, NULL), 0);
    assert_int_equal(op.state, REG_OP_PENDING);
    assert_int_equal(reg_lookup(reg, "waiting.ca", &lk, &err), 0);
    assert_int_equal(lk.availability, REG_PENDING_ELSEWHERE);
    assert_int_equal(lk.reply.code, 221);
    assert_int_equal(simctl_count(&sim, "LOOKUP"), 4);
}

static void suggest_lists_names(void **s)
{
    struct reg_suggest sg;
    static const char *const tlds[] = {"com", ".net"};
    struct rm_err err;
    assert_int_equal(
        reg->ops->suggest(reg->impl, "example", tlds, 2, &sg, &err), 0);
    assert_true(sg.n > 0);
    bool any_taken_or_free = false;
    for (size_t i = 0; i < sg.n; i++)
        any_taken_or_free |= strstr(sg.items[i].domain, "example") != NULL;
    assert_true(any_taken_or_free);
    reg_suggest_release(&sg);
}

static void balance_and_price_come_in_minor_units(void **s)
{
    simctl_ok(&sim, "POST", "/balance", "{\"balance\": \"1234.56\"}");
    simctl_ok(&sim, "POST", "/prices",
              "{\"tld\": \"com\", \"reg_type\": \"renewal\", \"period\": 2, "
              "\"price\": \"21.98\"}");
    struct reg_balance b;
    assert_int_equal(reg_balance(reg, &b, NULL), 0);
    assert_int_equal(b.balance, 123456);
    assert_int_equal(b.hold, 0);
    struct reg_price p;
    assert_int_equal(reg->ops->price(reg->impl, "example.com",
                                     REG_PRICE_RENEWAL, 2, &p, NULL),
                     0);
    assert_int_equal(p.price, 2198);
    struct rm_err err;
    assert_int_equal(reg->ops->price(reg->impl, "example.nosuchtld",
                                     REG_PRICE_NEW, 1, &p, &err),
                     RM_EPROTO);
    assert_int_equal(p.reply.code, 465);
}

/* --- register, renew, info -------------------------------------------- */

static void register_then_query_info_status_and_belongs(void **s)
{
    struct reg_domain_order o = order_for("mine.com");
    static const char *const ns[] = {"ns1.example.net", "ns2.example.org"};
    o.nameservers = ns;
    o.n_nameservers = 2;
    o.period = 2;
    struct reg_op_result out;
    assert_int_equal(reg_register(reg, &o, &out, NULL), 0);
    assert_string_equal(reg_op_state_name(out.state), "done");
    assert_true(out.order_id[0] != '\0');
    assert_int_equal(simctl_count(&sim, "SW_REGISTER"), 1);

    struct reg_belongs b;
    assert_int_equal(reg_belongs(reg, "mine.com", &b, NULL), 0);
    assert_true(b.ours);
    assert_int_equal(year_of(b.expiry), 2028);

    struct reg_domain_info info;
    assert_int_equal(reg->ops->info(reg->impl, "mine.com", &info, NULL), 0);
    assert_int_equal(info.expiry, b.expiry);
    assert_string_equal(info.owner.email, "jane@example.com");
    assert_int_equal(info.n_nameservers, 2);
    assert_string_equal(info.nameservers[0], "ns1.example.net");
    assert_string_equal(info.nameservers[1], "ns2.example.org");

    struct reg_domain_status st;
    assert_int_equal(reg->ops->status(reg->impl, "mine.com", &st, NULL), 0);
    assert_true(st.locked);

    struct reg_order_info oi;
    assert_int_equal(reg_order_info(reg, out.order_id, &oi, NULL), 0);
    assert_int_equal(oi.state, REG_ORDER_COMPLETED);
    assert_string_equal(oi.domain, "mine.com");

    assert_int_equal(reg_belongs(reg, "taken.com", &b, NULL), 0);
    assert_false(b.ours);
}

static void taken_domain_fails_definitely(void **s)
{
    struct reg_domain_order o = order_for("taken.com");
    struct reg_op_result out;
    assert_int_equal(reg_register(reg, &o, &out, NULL), 0);
    assert_string_equal(reg_op_state_name(out.state), "failed");
    assert_int_equal(out.reply.code, 485);
}

static void invalid_contact_fails_definitely(void **s)
{
    struct reg_contact bad = person;
    bad.phone = "4165550123";
    struct reg_domain_order o = order_for("badphone.com");
    o.owner = &bad;
    struct reg_op_result out;
    assert_int_equal(reg_register(reg, &o, &out, NULL), 0);
    assert_string_equal(reg_op_state_name(out.state), "failed");
    assert_int_equal(out.reply.code, 465);
}

static void unknown_nameserver_is_forced_pending_not_failed(void **s)
{
    struct reg_domain_order o = order_for("nsbad.com");
    static const char *const ns[] = {"ns1.example.invalidtld"};
    o.nameservers = ns;
    o.n_nameservers = 1;
    struct reg_op_result out;
    assert_int_equal(reg_register(reg, &o, &out, NULL), 0);
    assert_string_equal(reg_op_state_name(out.state), "pending");
    assert_int_equal(out.why, REG_PENDING_FORCED);
    assert_int_equal(out.reply.code, 435);
    struct reg_order_info oi;
    assert_int_equal(reg_order_info(reg, out.order_id, &oi, NULL), 0);
    assert_int_equal(oi.state, REG_ORDER_PENDING);
}

static void renew_extends_once_and_refuses_a_stale_year(void **s)
{
    register_ok("renewme.com");
    struct reg_belongs b;
    assert_int_equal(reg_belongs(reg, "renewme.com", &b, NULL), 0);
    int year = (int)year_of(b.expiry);
    struct reg_renew_req q = {
        .domain = "renewme.com", .current_expiry_year = year, .period = 1};
    struct reg_op_result out;
    assert_int_equal(reg_renew(reg, &q, &out, NULL), 0);
    assert_string_equal(reg_op_state_name(out.state), "done");
    assert_int_equal(year_of(out.expiry), year + 1);
    /* The same request again: the year no longer matches → refused, so a
     * renewal can never be applied twice. */
    assert_int_equal(reg_renew(reg, &q, &out, NULL), 0);
    assert_string_equal(reg_op_state_name(out.state), "failed");
    assert_true(out.reply.code == 541 || out.reply.code == 555);
    assert_int_equal(simctl_count(&sim, "RENEW"), 2);
}

static void renew_of_unknown_domain_fails(void **s)
{
    struct reg_renew_req q = {
        .domain = "notmine.com", .current_expiry_year = 2027, .period = 1};
    struct reg_op_result out;
    assert_int_equal(reg_renew(reg, &q, &out, NULL), 0);
    assert_string_equal(reg_op_state_name(out.state), "failed");
    assert_int_equal(out.reply.code, 480);
}

/* --- asynchronous outcomes -------------------------------------------- */

static void async_tld_is_pending_then_completes(void **s)
{
    struct reg_domain_order o = order_for("async.ca");
    struct reg_op_result out;
    assert_int_equal(reg_register(reg, &o, &out, NULL), 0);
    assert_string_equal(reg_op_state_name(out.state), "pending");
    assert_int_equal(out.why, REG_PENDING_ASYNC);
    assert_int_equal(out.reply.code, 250);
    struct reg_order_info oi;
    assert_int_equal(reg_order_info(reg, out.order_id, &oi, NULL), 0);
    assert_int_equal(oi.state, REG_ORDER_WAITING);
    simctl_advance(&sim, 3600);
    assert_int_equal(reg_order_info(reg, out.order_id, &oi, NULL), 0);
    assert_int_equal(oi.state, REG_ORDER_COMPLETED);
    struct reg_belongs b;
    assert_int_equal(reg_belongs(reg, "async.ca", &b, NULL), 0);
    assert_true(b.ours);
}

static void decline_later_is_pending_then_declined(void **s)
{
    rule("{\"action\": \"SW_REGISTER\", \"fault\": \"decline_later\"}");
    struct reg_domain_order o = order_for("declined.com");
    struct reg_op_result out;
    assert_int_equal(reg_register(reg, &o, &out, NULL), 0);
    assert_string_equal(reg_op_state_name(out.state), "pending");
    assert_int_equal(out.why, REG_PENDING_ASYNC);
    simctl_advance(&sim, 3600);
    struct reg_order_info oi;
    assert_int_equal(reg_order_info(reg, out.order_id, &oi, NULL), 0);
    assert_int_equal(oi.state, REG_ORDER_DECLINED);
    struct reg_belongs b;
    assert_int_equal(reg_belongs(reg, "declined.com", &b, NULL), 0);
    assert_false(b.ours);
}

static void queued_request_is_pending_then_completes(void **s)
{
    rule("{\"action\": \"SW_REGISTER\", \"fault\": \"queue\"}");
    struct reg_domain_order o = order_for("queued.com");
    struct reg_op_result out;
    assert_int_equal(reg_register(reg, &o, &out, NULL), 0);
    assert_string_equal(reg_op_state_name(out.state), "pending");
    assert_int_equal(out.why, REG_PENDING_QUEUED);
    assert_true(out.queue_id[0] != '\0');
    struct reg_queue_info q;
    assert_int_equal(reg->ops->queue_info(reg->impl, out.queue_id, &q, NULL),
                     0);
    assert_int_equal(q.state, REG_QUEUE_WAITING);
    assert_string_equal(q.domain, "queued.com");
    simctl_advance(&sim, 3600);
    assert_int_equal(reg->ops->queue_info(reg->impl, out.queue_id, &q, NULL),
                     0);
    assert_int_equal(q.state, REG_QUEUE_COMPLETED);
    struct reg_belongs b;
    assert_int_equal(reg_belongs(reg, "queued.com", &b, NULL), 0);
    assert_true(b.ours);
}

static void forced_pending_with_success_code_is_pending_then_processed(void **s)
{
    rule("{\"action\": \"SW_REGISTER\", \"fault\": \"forced_pending\"}");
    struct reg_domain_order o = order_for("forced.com");
    struct reg_op_result out;
    assert_int_equal(reg_register(reg, &o, &out, NULL), 0);
    /* is_success 1, code 200, "Registration successful" - and yet not
     * done: the order was only saved. */
    assert_true(out.reply.is_success);
    assert_int_equal(out.reply.code, 200);
    assert_string_equal(reg_op_state_name(out.state), "pending");
    assert_int_equal(out.why, REG_PENDING_FORCED);
    struct reg_order_info oi;
    assert_int_equal(reg_order_info(reg, out.order_id, &oi, NULL), 0);
    assert_int_equal(oi.state, REG_ORDER_PENDING);
    simctl_ok(&sim, "DELETE", "/rules", NULL);
    struct reg_op_result pp;
    assert_int_equal(reg->ops->process_pending(reg->impl, out.order_id,
                                               REG_KIND_REGISTER, &pp, NULL),
                     0);
    assert_string_equal(reg_op_state_name(pp.state), "done");
    assert_int_equal(simctl_count(&sim, "PROCESS_PENDING"), 1);
    assert_int_equal(reg_order_info(reg, out.order_id, &oi, NULL), 0);
    assert_int_equal(oi.state, REG_ORDER_COMPLETED);
}

static void saved_order_can_be_cancelled(void **s)
{
    struct reg_domain_order o = order_for("saved.com");
    o.save_only = true;
    struct reg_op_result out;
    assert_int_equal(reg_register(reg, &o, &out, NULL), 0);
    assert_string_equal(reg_op_state_name(out.state), "pending");
    assert_int_equal(out.why, REG_PENDING_SAVED);
    struct reg_op_result c;
    assert_int_equal(reg->ops->cancel_order(reg->impl, out.order_id, &c, NULL),
                     0);
    assert_string_equal(reg_op_state_name(c.state), "done");
    struct reg_order_info oi;
    assert_int_equal(reg_order_info(reg, out.order_id, &oi, NULL), 0);
    assert_int_equal(oi.state, REG_ORDER_CANCELLED);
    /* processing a cancelled order is refused */
    assert_int_equal(reg->ops->process_pending(reg->impl, out.order_id,
                                               REG_KIND_REGISTER, &c, NULL),
                     0);
    assert_string_equal(reg_op_state_name(c.state), "failed");
}

/* --- the event stream ------------------------------------------------ */

/* find_event - index of the first event of kind k about domain with
 * this order id and status word (each when given), or -1. */
static int find_event(const struct reg_events *ev, enum reg_event_kind k,
                      const char *domain, const char *order_id,
                      const char *status)
{
    for (size_t i = 0; i < ev->n; i++) {
        const struct reg_event *e = &ev->items[i];
        if (e->kind == k && strcmp(e->domain, domain) == 0 &&
            (!order_id || strcmp(e->order_id, order_id) == 0) &&
            (!status || strcmp(e->status, status) == 0))
            return (int)i;
    }
    return -1;
}

static void
event_stream_tells_an_async_registration_until_acknowledged(void **s)
{
    assert_true(reg_has_events(reg));
    struct reg_events ev;
    struct reg_reply rr;
    struct rm_err err;
    rm_err_clear(&err);
    assert_int_equal(reg_poll_events(reg, 100, &ev, &err), 0);
    assert_int_equal(ev.n, 0);
    assert_int_equal(ev.total, 0);
    reg_events_release(&ev);

    struct reg_domain_order o = order_for("async.ca");
    struct reg_op_result out;
    assert_int_equal(reg_register(reg, &o, &out, NULL), 0);
    assert_int_equal(out.why, REG_PENDING_ASYNC);
    simctl_advance(&sim, 3600);

    /* the oldest first; a poll acknowledges nothing */
    assert_int_equal(reg_poll_events(reg, 1, &ev, &err), 0);
    assert_int_equal(ev.n, 1);
    assert_true(ev.total >= 2);
    char first[REG_ID_MAX];
    snprintf(first, sizeof(first), "%s", ev.items[0].id);
    int64_t total = ev.total;
    reg_events_release(&ev);
    /* 1000 goes out as 100 (the sim refuses more than 100 with 465) */
    assert_int_equal(reg_poll_events(reg, 1000, &ev, &err), 0);
    assert_int_equal(ev.reply.code, 200);
    assert_int_equal(ev.total, total);
    assert_int_equal(ev.n, (size_t)total);
    assert_string_equal(ev.items[0].id, first);

    int done = find_event(&ev, REG_EVENT_ORDER_STATUS, "async.ca", out.order_id,
                          "completed");
    int reg_ev =
        find_event(&ev, REG_EVENT_DOMAIN_REGISTERED, "async.ca", NULL, NULL);
    assert_true(done >= 0);
    assert_true(reg_ev >= 0);
    const struct reg_event *c = &ev.items[done];
    assert_int_equal(c->order_state, REG_ORDER_COMPLETED);
    assert_string_equal(c->status, "completed");
    assert_string_equal(c->event, "STATUS_CHANGE");
    assert_string_equal(c->object, "ORDER");
    assert_true(c->at >= SIMCTL_CLOCK && c->at <= SIMCTL_CLOCK + 3600);
    assert_non_null(strstr(c->data, "order_status=completed"));
    struct reg_belongs b;
    assert_int_equal(reg_belongs(reg, "async.ca", &b, NULL), 0);
    assert_true(b.ours);
    assert_int_equal(ev.items[reg_ev].expiry, b.expiry);

    /* acknowledge each once: gone from later polls */
    for (size_t i = 0; i < ev.n; i++) {
        assert_int_equal(reg_ack_event(reg, ev.items[i].id, &rr, &err), 0);
        assert_int_equal(rr.delivery, REG_ANSWERED);
        assert_true(rr.is_success);
    }
    size_t acked = ev.n;
    reg_events_release(&ev);
    assert_int_equal(reg_poll_events(reg, 100, &ev, &err), 0);
    assert_int_equal(ev.n, 0);
    assert_int_equal(ev.total, 0);
    reg_events_release(&ev);
    /* again: already acknowledged */
    rm_err_clear(&err);
    assert_int_equal(reg_ack_event(reg, first, &rr, &err), RM_ENOTFOUND);
    assert_int_equal(rr.delivery, REG_ANSWERED);
    assert_int_equal(rr.code, 480);
    assert_true(err.msg[0] != '\0');
    assert_int_equal(simctl_count(&sim, "POLL"), 4);
    assert_int_equal(simctl_count(&sim, "ACK"), (int64_t)acked + 1);
}

static void event_stream_faults_report_the_delivery(void **s)
{
    struct reg_events ev;
    struct reg_reply rr;
    struct rm_err err;
    rule("{\"action\": \"POLL\", \"fault\": \"http_500\", \"count\": 1}");
    assert_int_equal(reg_poll_events(reg, 1, &ev, &err), RM_EIO);
    assert_int_equal(ev.reply.delivery, REG_UNKNOWN);
    assert_int_equal(ev.n, 0);
    rule("{\"action\": \"POLL\", \"fault\": \"code_400\", \"count\": 1}");
    assert_int_equal(reg_poll_events(reg, 1, &ev, &err), RM_EPROTO);
    assert_int_equal(ev.reply.delivery, REG_ANSWERED);
    assert_int_equal(ev.reply.code, 400);
    rule("{\"action\": \"ACK\", \"fault\": \"malformed\", \"count\": 1}");
    assert_int_equal(reg_ack_event(reg, "0123abcd", &rr, &err), RM_EIO);
    assert_int_equal(rr.delivery, REG_UNKNOWN);
    /* the rules are used up */
    assert_int_equal(reg_poll_events(reg, 1, &ev, &err), 0);
    reg_events_release(&ev);
    assert_int_equal(reg_ack_event(reg, "0123abcd", &rr, &err), RM_ENOTFOUND);
}

/* --- transfers -------------------------------------------------------- */

static void transfer_moves_through_its_states(void **s)
{
    struct reg_domain_order o = order_for("taken.net");
    o.auth_info = "transfer-me";
    struct reg_op_result out;
    assert_int_equal(reg_transfer(reg, &o, &out, NULL), 0);
    assert_string_equal(reg_op_state_name(out.state), "pending");
    assert_int_equal(out.why, REG_PENDING_TRANSFER);

    struct reg_transfer_info ti;
    assert_int_equal(reg_transfer_status(reg, "taken.net", &ti, NULL), 0);
    assert_int_equal(ti.state, REG_XFER_PENDING_OWNER);
    assert_false(ti.transferable);

    struct reg_transfers list;
    assert_int_equal(
        reg->ops->transfers_in(reg->impl, "taken.net", NULL, &list, NULL), 0);
    assert_int_equal(list.n, 1);
    assert_string_equal(list.items[0].domain, "taken.net");
    assert_int_equal(list.items[0].state, REG_XFER_PENDING_OWNER);
    reg_transfers_release(&list);

    simctl_advance(&sim, 2 * 86400);
    assert_int_equal(reg_transfer_status(reg, "taken.net", &ti, NULL), 0);
    assert_int_equal(ti.state, REG_XFER_PENDING_REGISTRY);
    simctl_advance(&sim, 6 * 86400);
    assert_int_equal(reg_transfer_status(reg, "taken.net", &ti, NULL), 0);
    assert_int_equal(ti.state, REG_XFER_COMPLETED);
    struct reg_belongs b;
    assert_int_equal(reg_belongs(reg, "taken.net", &b, NULL), 0);
    assert_true(b.ours);
}

static void transfer_can_be_cancelled(void **s)
{
    struct reg_domain_order o = order_for("taken.org");
    o.auth_info = "transfer-me";
    struct reg_op_result out;
    assert_int_equal(reg_transfer(reg, &o, &out, NULL), 0);
    assert_int_equal(out.state, REG_OP_PENDING);
    struct reg_op_result c;
    assert_int_equal(
        reg->ops->cancel_transfer(reg->impl, "taken.org", NULL, &c, NULL), 0);
    assert_string_equal(reg_op_state_name(c.state), "done");
    struct reg_transfer_info ti;
    assert_int_equal(reg_transfer_status(reg, "taken.org", &ti, NULL), 0);
    assert_int_equal(ti.state, REG_XFER_CANCELLED);
    /* nothing left to cancel: a definite refusal */
    assert_int_equal(
        reg->ops->cancel_transfer(reg->impl, "taken.org", NULL, &c, NULL), 0);
    assert_string_equal(reg_op_state_name(c.state), "failed");
}

/* --- expiring list: every page ---------------------------------------- */

static void expiring_list_follows_every_page(void **s)
{
    /* More than one page (500 per page) of the reseller's domains. */
    enum { N = 520 };
    for (int i = 0; i < N; i++)
        simctl_ok(&sim, "POST", "/domains",
                  "{\"name\": \"exp%03d.com\", \"owner\": \"" SIMCTL_USER
                  "\", \"expiry\": \"2026-03-%02d 12:00:00\"}",
                  i, 1 + i % 28);
    simctl_ok(&sim, "POST", "/domains",
              "{\"name\": \"later.com\", \"owner\": \"" SIMCTL_USER
              "\", \"expiry\": \"2027-06-01 00:00:00\"}");
    struct reg_expiring e;
    time_t from, to;
    reg_parse_time("2026-03-01", &from, NULL);
    reg_parse_time("2026-03-31", &to, NULL);
    assert_int_equal(reg->ops->expiring(reg->impl, from, to, &e, NULL), 0);
    assert_int_equal(e.n, N);
    assert_true(simctl_count(&sim, "GET_DOMAINS_BY_EXPIREDATE") >= 2);
    bool seen[N] = {false};
    for (size_t i = 0; i < e.n; i++) {
        int k = -1;
        assert_int_equal(sscanf(e.items[i].domain, "exp%d.com", &k), 1);
        assert_true(k >= 0 && k < N);
        assert_false(seen[k]);
        seen[k] = true;
        assert_int_equal(year_of(e.items[i].expiry), 2026);
    }
    reg_expiring_release(&e);
}

/* --- transport faults --------------------------------------------------- */

struct fault_case {
    const char *fault;
    enum reg_op_state state;
    enum reg_pending_why why;
    bool applied; /* does the domain end up ours? */
};

static const struct fault_case fault_cases[] = {
    {"close_before", REG_OP_PENDING, REG_PENDING_TRANSPORT, false},
    {"close_after", REG_OP_PENDING, REG_PENDING_TRANSPORT, true},
    {"http_500", REG_OP_PENDING, REG_PENDING_TRANSPORT, false},
    {"malformed", REG_OP_PENDING, REG_PENDING_TRANSPORT, true},
    {"truncated", REG_OP_PENDING, REG_PENDING_TRANSPORT, true},
    {"code_705", REG_OP_PENDING, REG_PENDING_RETRY, false},
    {"code_486", REG_OP_PENDING, REG_PENDING_RETRY, false},
    {"code_300", REG_OP_PENDING, REG_PENDING_RETRY, false},
    {"code_310", REG_OP_PENDING, REG_PENDING_RETRY, false},
    {"code_400", REG_OP_PENDING, REG_PENDING_RETRY, false},
    {"auth_failure", REG_OP_FAILED, REG_PENDING_NONE, false},
    {"delay", REG_OP_DONE, REG_PENDING_NONE, true},
};

static void every_fault_on_register_ends_in_its_class_once(void **s)
{
    for (size_t i = 0; i < sizeof(fault_cases) / sizeof(fault_cases[0]); i++) {
        const struct fault_case *c = &fault_cases[i];
        char name[64], json[256];
        snprintf(name, sizeof(name), "fault-%zu.com", i);
        print_message("%s\n", c->fault);
        simctl_reset(&sim);
        snprintf(json, sizeof(json),
                 "{\"action\": \"SW_REGISTER\", \"fault\": \"%s\", "
                 "\"delay_ms\": 200, \"count\": 1}",
                 c->fault);
        rule(json);
        /* warm a kept connection first, so a reused one is around */
        struct reg_lookup lk;
        assert_int_equal(reg_lookup(reg, name, &lk, NULL), 0);
        struct reg_domain_order o = order_for(name);
        struct reg_op_result out;
        assert_int_equal(reg_register(reg, &o, &out, NULL), 0);
        if (out.state != c->state || out.why != c->why)
            fail_msg("%s: got %s/%s (%s), want %s/%s", c->fault,
                     reg_op_state_name(out.state),
                     reg_pending_why_name(out.why), out.reason,
                     reg_op_state_name(c->state), reg_pending_why_name(c->why));
        /* received exactly once: no silent re-send */
        assert_int_equal(simctl_count(&sim, "SW_REGISTER"), 1);
        struct reg_belongs b;
        assert_int_equal(reg_belongs(reg, name, &b, NULL), 0);
        if (b.ours != c->applied)
            fail_msg("%s: domain ours=%d, want %d", c->fault, b.ours,
                     c->applied);
    }
}

static void faults_on_renew_and_process_pending_are_never_resent(void **s)
{
    static const char *const faults[] = {"close_after", "truncated",
                                         "close_before", "malformed"};
    for (size_t i = 0; i < sizeof(faults) / sizeof(faults[0]); i++) {
        char json[256];
        print_message("RENEW %s\n", faults[i]);
        simctl_reset(&sim);
        register_ok("renew-fault.com");
        struct reg_belongs b;
        assert_int_equal(reg_belongs(reg, "renew-fault.com", &b, NULL), 0);
        snprintf(json, sizeof(json),
                 "{\"action\": \"RENEW\", \"fault\": \"%s\", \"count\": 1}",
                 faults[i]);
        rule(json);
        struct reg_renew_req q = {.domain = "renew-fault.com",
                                  .current_expiry_year = (int)year_of(b.expiry),
                                  .period = 1};
        struct reg_op_result out;
        assert_int_equal(reg_renew(reg, &q, &out, NULL), 0);
        assert_int_equal(out.state, REG_OP_PENDING);
        assert_int_equal(out.why, REG_PENDING_TRANSPORT);
        assert_int_equal(simctl_count(&sim, "RENEW"), 1);

        print_message("PROCESS_PENDING %s\n", faults[i]);
        struct reg_domain_order o = order_for("pp-fault.com");
        o.save_only = true;
        assert_int_equal(reg_register(reg, &o, &out, NULL), 0);
        assert_int_equal(out.why, REG_PENDING_SAVED);
        snprintf(json, sizeof(json),
                 "{\"action\": \"PROCESS_PENDING\", \"fault\": \"%s\", "
                 "\"count\": 1}",
                 faults[i]);
        rule(json);
        struct reg_op_result pp;
        assert_int_equal(reg->ops->process_pending(reg->impl, out.order_id,
                                                   REG_KIND_REGISTER, &pp,
                                                   NULL),
                         0);
        assert_int_equal(pp.state, REG_OP_PENDING);
        assert_int_equal(simctl_count(&sim, "PROCESS_PENDING"), 1);
    }
}

static void read_only_call_on_reused_connection_may_be_resent(void **s)
{
    /* Why side effects never use a kept connection: on a reused one that
     * dies before answering, curl silently sends the request again. For a
     * LOOKUP that is harmless (and here even recovers the answer). */
    struct reg_lookup lk;
    assert_int_equal(reg_lookup(reg, "warm.com", &lk, NULL), 0);
    rule("{\"action\": \"LOOKUP\", \"fault\": \"close_before\", "
         "\"count\": 1}");
    assert_int_equal(reg_lookup(reg, "resent.com", &lk, NULL), 0);
    assert_int_equal(lk.availability, REG_AVAILABLE);
    assert_int_equal(simctl_count(&sim, "LOOKUP"), 3);
}

static void hang_times_out_as_pending_for_operations(void **s)
{
    struct registrar *quick = make_registrar(800, NULL);
    rule("{\"action\": \"SW_REGISTER\", \"fault\": \"hang\", \"count\": 1}");
    struct reg_domain_order o = order_for("hang.com");
    struct reg_op_result out;
    assert_int_equal(reg_register(quick, &o, &out, NULL), 0);
    assert_int_equal(out.state, REG_OP_PENDING);
    assert_int_equal(out.why, REG_PENDING_TRANSPORT);
    assert_int_equal(out.reply.delivery, REG_UNKNOWN);
    assert_int_equal(simctl_count(&sim, "SW_REGISTER"), 1);
    reg_free(quick);
}

struct query_fault {
    const char *fault;
    int rc;
    enum reg_delivery delivery;
};

static const struct query_fault query_faults[] = {
    {"close_before", RM_EIO, REG_UNKNOWN},
    {"http_500", RM_EIO, REG_UNKNOWN},
    {"malformed", RM_EIO, REG_UNKNOWN},
    {"truncated", RM_EIO, REG_UNKNOWN},
    {"code_705", RM_EPROTO, REG_ANSWERED},
    {"auth_failure", RM_EPROTO, REG_ANSWERED},
};

static void faults_on_queries_report_the_delivery(void **s)
{
    for (size_t i = 0; i < sizeof(query_faults) / sizeof(query_faults[0]);
         i++) {
        char json[256];
        print_message("%s\n", query_faults[i].fault);
        simctl_ok(&sim, "DELETE", "/rules", NULL);
        snprintf(json, sizeof(json),
                 "{\"action\": \"LOOKUP\", \"fault\": \"%s\", \"count\": 1}",
                 query_faults[i].fault);
        rule(json);
        struct reg_lookup lk;
        struct rm_err err;
        rm_err_clear(&err);
        assert_int_equal(reg_lookup(reg, "query-fault.com", &lk, &err),
                         query_faults[i].rc);
        assert_int_equal(lk.reply.delivery, query_faults[i].delivery);
        assert_true(err.msg[0] != '\0');
    }
    /* the rule is used up: the next lookup is answered normally */
    struct reg_lookup lk;
    assert_int_equal(reg_lookup(reg, "query-fault.com", &lk, NULL), 0);
    assert_int_equal(lk.availability, REG_AVAILABLE);
}

/* --- after the sale: the driver and the sim agree ------------------------ */

static void op_done(const char *what, int rc, const struct reg_op_result *out)
{
    if (rc != 0 || out->state != REG_OP_DONE)
        fail_msg("%s: rc %d, %s %d %s", what, rc, reg_op_state_name(out->state),
                 out->reply.code, out->reason);
}

static void nameservers_are_checked_at_the_registry_then_assigned(void **s)
{
    const char *bad[] = {"ns1.example.net", "ns1.nowhere.invalid"};
    const char *good[] = {"ns3.example.net", "ns4.example.net"};
    struct reg_op_result out;
    struct reg_ns_check chk;
    struct reg_domain_info info;
    struct rm_err err;

    register_ok("manage-ns.com");
    assert_int_equal(reg_ns_check(reg, "ns3.example.net", "com", &chk, &err),
                     0);
    assert_true(chk.exists);
    if (reg_ns_check(reg, "ns1.nowhere.invalid", "com", &chk, &err) != 0)
        fail_msg("REGISTRY_CHECK_NAMESERVER: %s", err.msg);
    assert_false(chk.exists);
    /* the registry does not know one of them: refused, nothing changes */
    assert_int_equal(
        reg_set_nameservers(reg, "manage-ns.com", bad, 2, &out, &err), 0);
    assert_int_equal(out.state, REG_OP_FAILED);
    op_done("assign",
            reg_set_nameservers(reg, "manage-ns.com", good, 2, &out, &err),
            &out);
    assert_int_equal(reg->ops->info(reg->impl, "manage-ns.com", &info, &err),
                     0);
    assert_int_equal(info.n_nameservers, 2);
    assert_string_equal(info.nameservers[0], "ns3.example.net");
    assert_string_equal(info.nameservers[1], "ns4.example.net");
}

static void a_locked_domain_cannot_transfer_away(void **s)
{
    struct reg_op_result out;
    struct reg_domain_status st;
    struct reg_belongs b;
    struct reg_transfers_away away;
    struct reg_away_query q = {.domain = "manage-lock.com"};
    struct rm_err err;
    long status = 0;
    json_t *j;

    register_ok("manage-lock.com");
    op_done("lock", reg_set_lock(reg, "manage-lock.com", true, &out, &err),
            &out);
    assert_int_equal(reg->ops->status(reg->impl, "manage-lock.com", &st, &err),
                     0);
    assert_true(st.locked);
    j = simctl_call(&sim, "POST", "/transfers/away",
                    "{\"domain\":\"manage-lock.com\"}", &status);
    json_decref(j);
    assert_int_equal(status, 409);
    assert_int_equal(reg_belongs(reg, "manage-lock.com", &b, &err), 0);
    assert_true(b.ours);
    op_done("unlock", reg_set_lock(reg, "manage-lock.com", false, &out, &err),
            &out);
    simctl_ok(&sim, "POST", "/transfers/away", "{\"domain\":\"%s\"}",
              "manage-lock.com");
    assert_int_equal(reg_belongs(reg, "manage-lock.com", &b, &err), 0);
    assert_false(b.ours);
    assert_int_equal(reg_transfers_away(reg, &q, &away, &err), 0);
    assert_int_equal(away.n, 1);
    assert_string_equal(away.items[0].domain, "manage-lock.com");
    assert_int_equal(away.items[0].state, REG_XFER_COMPLETED);
    reg_transfers_away_release(&away);
}

static void the_auth_code_is_read_set_and_sent(void **s)
{
    struct reg_op_result out;
    struct reg_auth_code ac;
    struct rm_err err;

    register_ok("manage-auth.com");
    assert_int_equal(reg_auth_code(reg, "manage-auth.com", &ac, &err), 0);
    assert_true(ac.code[0] != '\0');
    op_done(
        "set auth code",
        reg_set_auth_code(reg, "manage-auth.com", "N3w-Code-77", &out, &err),
        &out);
    assert_int_equal(reg_auth_code(reg, "manage-auth.com", &ac, &err), 0);
    assert_string_equal(ac.code, "N3w-Code-77");
    op_done("send auth code",
            reg_send_auth_code(reg, "manage-auth.com", &out, &err), &out);
    assert_int_equal(simctl_count(&sim, "SEND_AUTHCODE"), 1);
}

static void privacy_is_set_where_the_tld_offers_it(void **s)
{
    struct reg_privacy_result out;
    struct reg_privacy pv;
    struct rm_err err;

    register_ok("manage-privacy.com");
    register_ok("manage-privacy.us");
    assert_int_equal(
        reg_set_privacy(reg, "manage-privacy.com", true, &out, &err), 0);
    assert_int_equal(out.op.state, REG_OP_DONE);
    assert_int_equal(reg_privacy(reg, "manage-privacy.com", &pv, &err), 0);
    assert_int_equal(pv.state, REG_PRIVACY_ENABLED);
    assert_int_equal(
        reg_set_privacy(reg, "manage-privacy.us", true, &out, &err), 0);
    assert_int_equal(out.op.state, REG_OP_FAILED);
    assert_true(out.not_offered);
    assert_int_equal(reg_privacy(reg, "manage-privacy.us", &pv, &err), 0);
    assert_int_equal(pv.state, REG_PRIVACY_DISABLED);
}

static void a_child_host_in_use_cannot_be_deleted(void **s)
{
    struct reg_host h = {.domain = "manage-host.com",
                         .name = "ns1.manage-host.com",
                         .ipv4 = "192.0.2.10",
                         .ipv6 = "2001:db8::10"};
    const char *own[] = {"ns1.manage-host.com", "ns3.example.net"};
    const char *other[] = {"ns3.example.net", "ns4.example.net"};
    struct reg_op_result out;
    struct reg_hosts hs;
    struct rm_err err;

    register_ok("manage-host.com");
    op_done("create host", reg_host_create(reg, &h, &out, &err), &out);
    assert_int_equal(reg_hosts(reg, "manage-host.com", &hs, &err), 0);
    assert_int_equal(hs.n, 1);
    assert_string_equal(hs.items[0].name, "ns1.manage-host.com");
    assert_string_equal(hs.items[0].ipv4, "192.0.2.10");
    reg_hosts_release(&hs);
    op_done("use host",
            reg_set_nameservers(reg, "manage-host.com", own, 2, &out, &err),
            &out);
    /* in use: 405 "Nameserver deletion failed at registry", a registry
     * error the driver leaves unknown (the caller reads the hosts back) */
    assert_int_equal(reg_host_delete(reg, "manage-host.com",
                                     "ns1.manage-host.com", &out, &err),
                     0);
    assert_int_not_equal(out.state, REG_OP_DONE);
    assert_int_equal(out.reply.code, 405);
    assert_int_equal(reg_hosts(reg, "manage-host.com", &hs, &err), 0);
    assert_int_equal(hs.n, 1);
    assert_false(hs.items[0].can_delete);
    reg_hosts_release(&hs);
    op_done("stop using it",
            reg_set_nameservers(reg, "manage-host.com", other, 2, &out, &err),
            &out);
    op_done("delete host",
            reg_host_delete(reg, "manage-host.com", "ns1.manage-host.com", &out,
                            &err),
            &out);
    assert_int_equal(reg_hosts(reg, "manage-host.com", &hs, &err), 0);
    assert_int_equal(hs.n, 0);
    reg_hosts_release(&hs);
}

static void contacts_are_read_and_changed(void **s)
{
    struct reg_contact moved = person;
    struct reg_contact_update u = {.domain = "manage-contacts.com",
                                   .owner = &moved};
    struct reg_op_result out;
    struct reg_contacts c;
    struct rm_err err;

    register_ok("manage-contacts.com");
    assert_int_equal(reg_contacts(reg, "manage-contacts.com", &c, &err), 0);
    assert_true(c.has_owner);
    assert_string_equal(c.owner.city, "Toronto");
    moved.city = "Ottawa";
    moved.postal_code = "K1A 0B1";
    op_done("update contacts", reg_set_contacts(reg, &u, &out, &err), &out);
    assert_int_equal(reg_contacts(reg, "manage-contacts.com", &c, &err), 0);
    assert_string_equal(c.owner.city, "Ottawa");
    assert_string_equal(c.owner.postal_code, "K1A 0B1");
}

static void premium_suggestions_come_with_a_price(void **s)
{
    const char *tlds[] = {".com", ".net"};
    struct reg_suggest_req q = {.search = "mynewshop",
                                .tlds = tlds,
                                .n_tlds = 2,
                                .premium = true,
                                .suggestion = {.maximum = 5}};
    struct reg_suggest out;
    struct rm_err err;
    size_t premium = 0;

    assert_int_equal(reg_suggest_ex(reg, &q, &out, &err), 0);
    assert_true(out.n > 0);
    for (size_t i = 0; i < out.n; i++) {
        if (!out.items[i].premium)
            continue;
        premium++;
        assert_true(out.items[i].price > 0);
    }
    assert_true(premium > 0);
    reg_suggest_release(&out);
}

static void nothing_listening_is_not_sent(void **s)
{
    /* A port the OS just gave out and nobody listens on any more: the
     * request cannot have reached anyone. */
    char url[128];
    snprintf(url, sizeof(url), "%s://127.0.0.1:%d/",
             use_legacy ? "legacy"
             : use_tls  ? "https"
                        : "http",
             simctl_dead_port());
    struct registrar *dead = make_registrar(2000, url);
    struct reg_domain_order o = order_for("nowhere.com");
    struct reg_op_result out;
    assert_int_equal(reg_register(dead, &o, &out, NULL), 0);
    assert_string_equal(reg_op_state_name(out.state), "not_sent");
    struct reg_lookup lk;
    assert_int_equal(reg_lookup(dead, "nowhere.com", &lk, NULL), RM_EIO);
    assert_int_equal(lk.reply.delivery, REG_NOT_SENT);
    reg_free(dead);
    assert_int_equal(simctl_count(&sim, "SW_REGISTER"), 0);
}

/* https only: main leaves it out of the http run (never a skip). */
static void untrusted_certificate_is_not_sent(void **s)
{
    struct srs_transport_config cfg = {
        .url = sim.url,
        .user = SIMCTL_USER,
        .key = SIMCTL_KEY,
        .ca_file = NULL, /* system store: does not know the sim's CA */
        .timeout_ms = 3000,
    };
    struct registrar *r = srs_registrar_new(&cfg, NULL);
    struct reg_domain_order o = order_for("untrusted.com");
    struct reg_op_result out;
    assert_int_equal(reg_register(r, &o, &out, NULL), 0);
    assert_string_equal(reg_op_state_name(out.state), "not_sent");
    assert_int_equal(simctl_count(&sim, "SW_REGISTER"), 0);
    reg_free(r);
}

static void bad_key_is_an_answered_refusal(void **s)
{
    struct srs_transport_config cfg = {
        .url = sim.url,
        .user = SIMCTL_USER,
        .key = "wrong-key",
        .ca_file = use_tls ? sim.ca_file : NULL,
        .timeout_ms = 3000,
    };
    struct registrar *r = srs_registrar_new(&cfg, NULL);
    struct reg_balance b;
    struct rm_err err;
    assert_int_equal(reg_balance(r, &b, &err), RM_EPROTO);
    assert_int_equal(b.reply.delivery, REG_ANSWERED);
    assert_int_equal(b.reply.code, 401);
    reg_free(r);
}

/* legacy: a session carries commands one after another; a command the
 * server took and never answered is unknown, even a LOOKUP, and is not
 * sent again (there is no curl underneath to retry it). */
static void legacy_unanswered_command_is_never_resent(void **s)
{
    struct reg_lookup lk;
    assert_int_equal(reg_lookup(reg, "warm.com", &lk, NULL), 0);
    rule("{\"action\": \"LOOKUP\", \"fault\": \"close_before\", "
         "\"count\": 1}");
    assert_int_equal(reg_lookup(reg, "lost.com", &lk, NULL), RM_EIO);
    assert_int_equal(lk.reply.delivery, REG_UNKNOWN);
    assert_int_equal(simctl_count(&sim, "LOOKUP"), 2);
    /* the broken session is gone; the next command opens a new one */
    assert_int_equal(reg_lookup(reg, "after.com", &lk, NULL), 0);
    assert_int_equal(lk.availability, REG_AVAILABLE);
    assert_int_equal(simctl_count(&sim, "LOOKUP"), 3);
}

/* legacy: the sim closes a session idle for 2 s; the client sees that
 * before it writes and shakes hands again - answered, sent once. */
static void legacy_idle_session_closed_by_the_server_is_replaced(void **s)
{
    struct reg_lookup lk;
    assert_int_equal(reg_lookup(reg, "idle.com", &lk, NULL), 0);
    struct timespec ts = {3, 0};
    nanosleep(&ts, NULL);
    struct reg_domain_order o = order_for("after-idle.com");
    struct reg_op_result out;
    assert_int_equal(reg_register(reg, &o, &out, NULL), 0);
    assert_int_equal(out.state, REG_OP_DONE);
    assert_int_equal(simctl_count(&sim, "SW_REGISTER"), 1);
}

/* legacy: a wrong key is refused in the handshake - nothing was sent. */
static void legacy_wrong_key_is_refused_before_sending(void **s)
{
    struct srs_transport_config cfg = {
        .url = sim.url,
        .user = SIMCTL_USER,
        .key = "00112233445566778899aabbccddeeff",
        .timeout_ms = 3000,
    };
    struct registrar *r = srs_registrar_new(&cfg, NULL);
    assert_non_null(r);
    struct reg_balance b;
    struct rm_err err;
    rm_err_clear(&err);
    assert_int_equal(reg_balance(r, &b, &err), RM_EIO);
    assert_int_equal(b.reply.delivery, REG_NOT_SENT);
    assert_non_null(strstr(err.msg, "authentication refused"));
    assert_int_equal(simctl_count(&sim, "GET_BALANCE"), 0);
    reg_free(r);
    /* and a key that is not hex cannot make a legacy registrar at all */
    cfg.key = "wrong-key";
    assert_null(srs_registrar_new(&cfg, &err));
    assert_int_equal(err.code, RM_EINVAL);
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: %s http|https|legacy OPENSRS_SIM\n", argv[0]);
        return 2;
    }
    use_tls = strcmp(argv[1], "https") == 0;
    use_legacy = strcmp(argv[1], "legacy") == 0;
    sim_path = argv[2];
    const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
        T(lookup_maps_available_taken_invalid_and_waiting),
        T(suggest_lists_names),
        T(balance_and_price_come_in_minor_units),
        T(register_then_query_info_status_and_belongs),
        T(taken_domain_fails_definitely),
        T(invalid_contact_fails_definitely),
        T(unknown_nameserver_is_forced_pending_not_failed),
        T(renew_extends_once_and_refuses_a_stale_year),
        T(renew_of_unknown_domain_fails),
        T(async_tld_is_pending_then_completes),
        T(decline_later_is_pending_then_declined),
        T(queued_request_is_pending_then_completes),
        T(forced_pending_with_success_code_is_pending_then_processed),
        T(saved_order_can_be_cancelled),
        T(event_stream_tells_an_async_registration_until_acknowledged),
        T(event_stream_faults_report_the_delivery),
        T(transfer_moves_through_its_states),
        T(transfer_can_be_cancelled),
        T(expiring_list_follows_every_page),
        T(nameservers_are_checked_at_the_registry_then_assigned),
        T(a_locked_domain_cannot_transfer_away),
        T(the_auth_code_is_read_set_and_sent),
        T(privacy_is_set_where_the_tld_offers_it),
        T(a_child_host_in_use_cannot_be_deleted),
        T(contacts_are_read_and_changed),
        T(premium_suggestions_come_with_a_price),
        T(every_fault_on_register_ends_in_its_class_once),
        T(faults_on_renew_and_process_pending_are_never_resent),
        T(read_only_call_on_reused_connection_may_be_resent),
        T(hang_times_out_as_pending_for_operations),
        T(faults_on_queries_report_the_delivery),
        T(nothing_listening_is_not_sent),
        T(untrusted_certificate_is_not_sent),
        T(bad_key_is_an_answered_refusal),
        T(legacy_unanswered_command_is_never_resent),
        T(legacy_idle_session_closed_by_the_server_is_replaced),
        T(legacy_wrong_key_is_refused_before_sending),
#undef T
    };
    /* Each run takes the tests of its carrier; the others are not run at
     * all rather than reported as skipped: over http there is no
     * certificate to distrust; the legacy protocol has no curl re-send
     * and no signature, and tests of its own. */
    struct CMUnitTest run[sizeof tests / sizeof tests[0]];
    size_t n = 0;
    for (size_t i = 0; i < sizeof tests / sizeof tests[0]; i++) {
        CMUnitTestFunction f = tests[i].test_func;
        bool legacy_only =
            f == legacy_unanswered_command_is_never_resent ||
            f == legacy_idle_session_closed_by_the_server_is_replaced ||
            f == legacy_wrong_key_is_refused_before_sending;
        bool http_only =
            f == read_only_call_on_reused_connection_may_be_resent ||
            f == bad_key_is_an_answered_refusal;
        if (f == untrusted_certificate_is_not_sent && !use_tls)
            continue;
        if (use_legacy ? http_only : legacy_only)
            continue;
        run[n++] = tests[i];
    }
    return _cmocka_run_group_tests(use_legacy ? "client_sim_legacy"
                                   : use_tls  ? "client_sim_https"
                                              : "client_sim_http",
                                   run, n, group_setup, group_teardown);
}
