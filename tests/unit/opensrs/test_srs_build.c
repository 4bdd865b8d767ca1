/*
 * test_srs_build - the driver builds the SW_REGISTER / RENEW requests the
 * protocol documents (shared/opensrs-xcp.md §5.2, §5.3) and rejects bad
 * input before anything is sent; it offers the event stream (§5.21).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include "opensrs/srs.h"
#include "util/buf.h"
#include "xcp/xcp.h"

static const struct reg_contact owner = {
    .first_name = "Jane",
    .last_name = "Owner",
    .org_name = "Example Inc.",
    .address1 = "32 Oak Street",
    .city = "Toronto",
    .state = "ON",
    .postal_code = "M5V 1A1",
    .country = "CA",
    .phone = "+1.4165550123",
    .email = "owner@example.com",
};
static const struct reg_contact tech = {
    .first_name = "Tina", .last_name = "Tech", .email = "t@example.com"};
static const char *const ns[] = {"ns1.example.net", "ns2.example.net"};
static const struct reg_kv tld[] = {{"nexus.category", "C11"},
                                    {"nexus.app_purpose", "P1"}};

static struct reg_domain_order order(void)
{
    return (struct reg_domain_order){
        .domain = "example.us",
        .period = 2,
        .owner = &owner,
        .nameservers = ns,
        .n_nameservers = 2,
        .reg_username = "janeo",
        .reg_password = "pw123456",
        .lock = true,
        .tld_data = tld,
        .n_tld_data = 2,
    };
}

static void expect(const struct xcp_value *v, const char *path,
                   const char *want)
{
    const char *got = xcp_path_str(v, path);
    if (!want) {
        if (xcp_path(v, path))
            fail_msg("%s present, expected absent", path);
        return;
    }
    if (!got || strcmp(got, want) != 0)
        fail_msg("%s = \"%s\", expected \"%s\"", path, got ? got : "(none)",
                 want);
}

static void new_registration_has_documented_fields(void **s)
{
    struct reg_domain_order o = order();
    o.auth_info = "ignored-for-new";
    struct xcp_value *r = srs_req_order(&o, false, NULL);
    assert_non_null(r);
    static const char *const want[][2] = {
        {"protocol", "XCP"},
        {"action", "SW_REGISTER"},
        {"object", "DOMAIN"},
        {"attributes.domain", "example.us"},
        {"attributes.reg_type", "new"},
        {"attributes.period", "2"},
        {"attributes.reg_username", "janeo"},
        {"attributes.reg_password", "pw123456"},
        {"attributes.contact_set.owner.first_name", "Jane"},
        {"attributes.contact_set.owner.country", "CA"},
        {"attributes.contact_set.admin.email", "owner@example.com"},
        {"attributes.contact_set.billing.last_name", "Owner"},
        {"attributes.custom_tech_contact", "0"},
        {"attributes.custom_nameservers", "1"},
        {"attributes.nameserver_list[0].name", "ns1.example.net"},
        {"attributes.nameserver_list[0].sortorder", "1"},
        {"attributes.nameserver_list[1].name", "ns2.example.net"},
        {"attributes.nameserver_list[1].sortorder", "2"},
        {"attributes.auto_renew", "0"},
        {"attributes.f_lock_domain", "1"},
        {"attributes.handle", "process"},
        {"attributes.tld_data.nexus.category", "C11"},
        {"attributes.tld_data.nexus.app_purpose", "P1"},
    };
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
        expect(r, want[i][0], want[i][1]);
    expect(r, "attributes.auth_info", NULL);
    expect(r, "attributes.contact_set.tech", NULL);
    expect(r, "attributes.contact_set.owner.fax", NULL);
    xcp_free(r);
}

/* .ca: the CIRA legal type, trademark flag and language go at the top
 * level of the attributes (the OpenSRS toolkit's CA requirements), in
 * the XML as plain items. */
static void ca_order_carries_legal_type_trademark_and_language(void **s)
{
    struct reg_domain_order o = order();
    o.domain = "maple.ca";
    o.n_tld_data = 0;
    o.legal_type = "CCO";
    o.isa_trademark = true;
    o.lang_pref = "FR";
    struct xcp_value *r = srs_req_order(&o, false, NULL);
    assert_non_null(r);
    expect(r, "attributes.legal_type", "CCO");
    expect(r, "attributes.isa_trademark", "1");
    expect(r, "attributes.lang_pref", "FR");
    expect(r, "attributes.tld_data", NULL);
    struct buf xml;
    buf_init(&xml);
    xcp_emit(r, &xml);
    assert_non_null(strstr(xml.data, "<item key=\"legal_type\">CCO</item>"));
    assert_non_null(strstr(xml.data, "<item key=\"isa_trademark\">1</item>"));
    assert_non_null(strstr(xml.data, "<item key=\"lang_pref\">FR</item>"));
    buf_release(&xml);
    xcp_free(r);
}

/* Without a legal type (any other TLD) none of the three is sent. */
static void no_legal_type_sends_no_cira_fields(void **s)
{
    struct reg_domain_order o = order();
    o.isa_trademark = true;
    o.lang_pref = "EN";
    struct xcp_value *r = srs_req_order(&o, false, NULL);
    assert_non_null(r);
    expect(r, "attributes.legal_type", NULL);
    expect(r, "attributes.isa_trademark", NULL);
    expect(r, "attributes.lang_pref", NULL);
    xcp_free(r);
}

static void transfer_carries_auth_info_and_custom_tech(void **s)
{
    struct reg_domain_order o = order();
    o.auth_info = "epp-Code-1";
    o.tech = &tech;
    o.auto_renew = true;
    o.save_only = true;
    o.n_nameservers = 0;
    struct xcp_value *r = srs_req_order(&o, true, NULL);
    assert_non_null(r);
    expect(r, "attributes.reg_type", "transfer");
    expect(r, "attributes.auth_info", "epp-Code-1");
    expect(r, "attributes.custom_tech_contact", "1");
    expect(r, "attributes.contact_set.tech.first_name", "Tina");
    expect(r, "attributes.custom_nameservers", "0");
    expect(r, "attributes.custom_transfer_nameservers", "0");
    expect(r, "attributes.nameserver_list", NULL);
    expect(r, "attributes.auto_renew", "1");
    expect(r, "attributes.handle", "save");
    xcp_free(r);
}

static void renew_carries_current_expiry_year(void **s)
{
    struct reg_renew_req q = {.domain = "example.com",
                              .current_expiry_year = 2027,
                              .period = 1,
                              .auto_renew = false};
    struct xcp_value *r = srs_req_renew(&q, NULL);
    assert_non_null(r);
    expect(r, "action", "RENEW");
    expect(r, "attributes.domain", "example.com");
    expect(r, "attributes.currentexpirationyear", "2027");
    expect(r, "attributes.period", "1");
    expect(r, "attributes.auto_renew", "0");
    expect(r, "attributes.handle", "process");
    xcp_free(r);
}

static void invalid_orders_are_rejected_before_sending(void **s)
{
    static const char *const names[] = {
        "no domain",       "space in domain", "period 11",    "no owner",
        "no reg_username", "14 nameservers",  "tld_data hole"};
    static const char *const many[14] = {"a", "b", "c", "d", "e", "f", "g",
                                         "h", "i", "j", "k", "l", "m", "n"};
    static const struct reg_kv hole[] = {{"x[3]", "v"}};
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        struct reg_domain_order o = order();
        switch (i) {
        case 0:
            o.domain = "";
            break;
        case 1:
            o.domain = "exa mple.com";
            break;
        case 2:
            o.period = 11;
            break;
        case 3:
            o.owner = NULL;
            break;
        case 4:
            o.reg_username = NULL;
            break;
        case 5:
            o.nameservers = many;
            o.n_nameservers = 14;
            break;
        case 6:
            o.tld_data = hole;
            o.n_tld_data = 1;
            break;
        }
        struct rm_err err;
        rm_err_clear(&err);
        print_message("%s\n", names[i]);
        assert_null(srs_req_order(&o, false, &err));
        assert_int_equal(err.code, RM_EINVAL);
        assert_true(err.msg[0] != '\0');
    }
    struct reg_renew_req q = {
        .domain = "example.com", .current_expiry_year = 0, .period = 1};
    struct rm_err err;
    assert_null(srs_req_renew(&q, &err));
    assert_int_equal(err.code, RM_EINVAL);
}

static void driver_reports_invalid_input_as_not_sent(void **s)
{
    /* Port 1 on loopback: if anything were sent it would be refused,
     * but validation must stop it first. */
    struct srs_transport_config cfg = {
        .url = "http://127.0.0.1:1/", .user = "u", .key = "k"};
    struct registrar *r = srs_registrar_new(&cfg, NULL);
    assert_non_null(r);
    assert_string_equal(r->ops->name, "opensrs");
    assert_non_null(srs_registrar_transport(r));
    struct reg_domain_order o = order();
    o.owner = NULL;
    struct reg_op_result out;
    struct rm_err err;
    assert_int_equal(reg_register(r, &o, &out, &err), RM_EINVAL);
    assert_int_equal(out.state, REG_OP_NOT_SENT);
    struct reg_lookup lk;
    assert_int_equal(reg_lookup(r, "bad domain", &lk, &err), RM_EINVAL);
    assert_int_equal(
        r->ops->process_pending(r->impl, "12x", REG_KIND_REGISTER, &out, &err),
        RM_EINVAL);
    /* A valid request to a closed port: not sent, safe to retry. */
    o = order();
    assert_int_equal(reg_register(r, &o, &out, &err), 0);
    assert_int_equal(out.state, REG_OP_NOT_SENT);
    assert_int_equal(out.reply.delivery, REG_NOT_SENT);
    assert_int_equal(reg_lookup(r, "example.com", &lk, &err), RM_EIO);
    assert_int_equal(lk.reply.delivery, REG_NOT_SENT);
    reg_free(r);
}

static void event_stream_is_offered_and_checks_its_input(void **s)
{
    struct srs_transport_config cfg = {
        .url = "http://127.0.0.1:1/", .user = "u", .key = "k"};
    struct registrar *r = srs_registrar_new(&cfg, NULL);
    assert_non_null(r);
    assert_true(reg_has_events(r));
    /* an id no poll would have given: refused before anything is sent */
    struct reg_reply rr;
    struct rm_err err;
    assert_int_equal(reg_ack_event(r, "", &rr, &err), RM_EINVAL);
    assert_int_equal(rr.delivery, REG_NOT_SENT);
    assert_int_equal(reg_ack_event(r, NULL, &rr, &err), RM_EINVAL);
    assert_int_equal(rr.delivery, REG_NOT_SENT);
    /* valid requests to a closed port: not sent */
    assert_int_equal(
        reg_ack_event(r, "6887c7d3838dcaec7517c531df527bb7", &rr, &err),
        RM_EIO);
    assert_int_equal(rr.delivery, REG_NOT_SENT);
    struct reg_events ev;
    assert_int_equal(reg_poll_events(r, 1000, &ev, &err), RM_EIO);
    assert_int_equal(ev.reply.delivery, REG_NOT_SENT);
    assert_int_equal(ev.n, 0);
    assert_int_equal(ev.total, -1);
    reg_events_release(&ev);
    reg_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(new_registration_has_documented_fields),
        cmocka_unit_test(ca_order_carries_legal_type_trademark_and_language),
        cmocka_unit_test(no_legal_type_sends_no_cira_fields),
        cmocka_unit_test(transfer_carries_auth_info_and_custom_tech),
        cmocka_unit_test(renew_carries_current_expiry_year),
        cmocka_unit_test(invalid_orders_are_rejected_before_sending),
        cmocka_unit_test(driver_reports_invalid_input_as_not_sent),
        cmocka_unit_test(event_stream_is_offered_and_checks_its_input),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
