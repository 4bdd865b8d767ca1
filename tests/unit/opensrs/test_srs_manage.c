/*
 * test_srs_manage - the requests the driver builds for managing a domain
 * after the sale (shared/opensrs-manage.md §2-§7, §10; opensrs-xcp.md
 * §5.15-§5.17), compared byte for byte as they go on the wire, and the
 * mapping of their answers: success, refusals, malformed fields and
 * paging (docs/opensrs-actions.md).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "opensrs/srs.h"
#include "registrar/registrar.h"
#include "util/buf.h"
#include "xcp/xcp.h"

/* --- requests --------------------------------------------------------- */

#define HEAD                                                                   \
    "<?xml version='1.0' encoding='UTF-8' standalone='no' ?>\n"                \
    "<!DOCTYPE OPS_envelope SYSTEM 'ops.dtd'>\n"                               \
    "<OPS_envelope>\n"                                                         \
    "<header>\n"                                                               \
    "<version>0.9</version>\n"                                                 \
    "</header>\n"                                                              \
    "<body>\n"                                                                 \
    "<data_block>\n"                                                           \
    "<dt_assoc>\n"                                                             \
    "<item key=\"protocol\">XCP</item>\n"
#define TAIL                                                                   \
    "</dt_assoc>\n"                                                            \
    "</data_block>\n"                                                          \
    "</body>\n"                                                                \
    "</OPS_envelope>\n"

/* same_doc - req (freed) emitted is exactly want. */
static void same_doc(const char *name, struct xcp_value *req, const char *want)
{
    if (!req)
        fail_msg("%s: no request built", name);
    struct buf b;
    buf_init(&b);
    xcp_emit(req, &b);
    xcp_free(req);
    if (getenv("SRS_DUMP")) {
        printf("=== %s\n%.*s", name, (int)b.len, b.data);
        buf_release(&b);
        return;
    }
    if (strlen(want) != b.len || memcmp(want, b.data, b.len) != 0)
        fail_msg("%s: request differs; got:\n%.*s", name, (int)b.len, b.data);
    buf_release(&b);
}

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

static struct xcp_value *b_assign_ns(void)
{
    static const char *const ns[] = {"ns1.example.net", "ns2.example.net",
                                     "ns3.example.org"};
    return srs_req_set_nameservers("example.com", ns, 3, NULL);
}
static struct xcp_value *b_ns_check(void)
{
    return srs_req_ns_check("ns1.example.net", "net", NULL);
}
static struct xcp_value *b_ns_check_tld_from_host(void)
{
    return srs_req_ns_check("ns1.example.net", NULL, NULL);
}
static struct xcp_value *b_ns_add(void)
{
    return srs_req_ns_registry_add("ns1.example.net", ".com", false, NULL);
}
static struct xcp_value *b_ns_add_all(void)
{
    return srs_req_ns_registry_add("ns1.example.net", ".com", true, NULL);
}
static struct xcp_value *b_host_create(void)
{
    struct reg_host h = {.domain = "example.com",
                         .name = "ns1.example.com",
                         .ipv4 = "192.0.2.1",
                         .ipv6 = "2001:db8::1"};
    return srs_req_host_create(&h, NULL);
}
static struct xcp_value *b_host_create_v6(void)
{
    struct reg_host h = {.domain = "example.com",
                         .name = "ns2.example.com",
                         .ipv6 = "2001:db8::2"};
    return srs_req_host_create(&h, NULL);
}
static struct xcp_value *b_host_modify(void)
{
    struct reg_host h = {.domain = "example.com",
                         .name = "ns1.example.com",
                         .new_name = "dns1.example.com",
                         .ipv4 = "192.0.2.10"};
    return srs_req_host_modify(&h, NULL);
}
static struct xcp_value *b_host_delete(void)
{
    return srs_req_host_delete("example.com", "ns1.example.com", NULL);
}
static struct xcp_value *b_hosts(void)
{
    return srs_req_hosts("example.com", NULL);
}
static struct xcp_value *b_get_all_info(void)
{
    return srs_req_get_domain("example.com", "all_info", NULL);
}
static struct xcp_value *b_get_auth(void)
{
    return srs_req_get_domain("example.com", "domain_auth_info", NULL);
}
static struct xcp_value *b_get_privacy(void)
{
    return srs_req_get_domain("example.com", "whois_privacy_state", NULL);
}
static struct xcp_value *b_update_contacts(void)
{
    struct reg_contact_update u = {
        .domain = "example.com", .owner = &owner, .tech = &tech};
    return srs_req_update_contacts(&u, NULL);
}
static struct xcp_value *b_lock(void)
{
    return srs_req_set_lock("example.com", true, NULL);
}
static struct xcp_value *b_nexus(void)
{
    struct reg_nexus n = {"C32", "P2", "FR"};
    return srs_req_set_nexus("example.us", &n, NULL);
}
static struct xcp_value *b_unlock(void)
{
    return srs_req_set_lock("example.com", false, NULL);
}
static struct xcp_value *b_send_authcode(void)
{
    return srs_req_send_authcode("example.com", NULL);
}
static struct xcp_value *b_set_auth(void)
{
    return srs_req_set_auth_code("example.com", "Xy9&<code>", NULL);
}
static struct xcp_value *b_privacy_on(void)
{
    return srs_req_set_privacy("example.com", true, NULL);
}
static struct xcp_value *b_privacy_off(void)
{
    return srs_req_set_privacy("example.com", false, NULL);
}
static struct xcp_value *b_away_all(void)
{
    return srs_req_transfers_away(NULL, 1, NULL);
}
static struct xcp_value *b_away_filtered(void)
{
    struct reg_away_query q = {.domain = "moving-on.com",
                               .status = "completed"};
    return srs_req_transfers_away(&q, 3, NULL);
}
static struct xcp_value *b_suggest_plain(void)
{
    static const char *const tlds[] = {"com", ".net"};
    struct reg_suggest_req q = {.search = "bakery", .tlds = tlds, .n_tlds = 2};
    return srs_req_suggest(&q, NULL);
}
static struct xcp_value *b_suggest_override(void)
{
    static const char *const tlds[] = {"com"};
    static const char *const sug[] = {"org", "info"};
    static const char *const prem[] = {".com", "net"};
    struct reg_suggest_req q = {
        .search = "bakery",
        .tlds = tlds,
        .n_tlds = 1,
        .suggestion = {.tlds = sug, .n_tlds = 2, .maximum = 10},
        .premium = true,
        .premium_opts = {.tlds = prem, .n_tlds = 2, .maximum = 5},
        .price_min = 10000,
        .price_max = 500050,
    };
    return srs_req_suggest(&q, NULL);
}

struct build_case {
    const char *name;
    struct xcp_value *(*build)(void);
    const char *want; /* between HEAD and TAIL */
};

static const struct build_case build_cases[] = {
    {"assign_ns", b_assign_ns,
     "<item key=\"action\">ADVANCED_UPDATE_NAMESERVERS</item>\n"
     "<item key=\"object\">DOMAIN</item>\n"
     "<item key=\"attributes\">\n"
     "<dt_assoc>\n"
     "<item key=\"domain\">example.com</item>\n"
     "<item key=\"op_type\">assign</item>\n"
     "<item key=\"assign_ns\">\n"
     "<dt_array>\n"
     "<item key=\"0\">ns1.example.net</item>\n"
     "<item key=\"1\">ns2.example.net</item>\n"
     "<item key=\"2\">ns3.example.org</item>\n"
     "</dt_array>\n"
     "</item>\n"
     "</dt_assoc>\n"
     "</item>\n"},
    {"ns_check", b_ns_check,
     "<item key=\"action\">REGISTRY_CHECK_NAMESERVER</item>\n"
     "<item key=\"object\">NAMESERVER</item>\n"
     "<item key=\"attributes\">\n"
     "<dt_assoc>\n"
     "<item key=\"fqdn\">ns1.example.net</item>\n"
     "<item key=\"tld\">.net</item>\n"
     "</dt_assoc>\n"
     "</item>\n"},
    {"ns_check_tld_from_host", b_ns_check_tld_from_host,
     "<item key=\"action\">REGISTRY_CHECK_NAMESERVER</item>\n"
     "<item key=\"object\">NAMESERVER</item>\n"
     "<item key=\"attributes\">\n"
     "<dt_assoc>\n"
     "<item key=\"fqdn\">ns1.example.net</item>\n"
     "<item key=\"tld\">.net</item>\n"
     "</dt_assoc>\n"
     "</item>\n"},
    {"ns_add", b_ns_add,
     "<item key=\"action\">REGISTRY_ADD_NS</item>\n"
     "<item key=\"object\">NAMESERVER</item>\n"
     "<item key=\"attributes\">\n"
     "<dt_assoc>\n"
     "<item key=\"fqdn\">ns1.example.net</item>\n"
     "<item key=\"tld\">.com</item>\n"
     "<item key=\"all\">0</item>\n"
     "</dt_assoc>\n"
     "</item>\n"},
    {"ns_add_all", b_ns_add_all,
     "<item key=\"action\">REGISTRY_ADD_NS</item>\n"
     "<item key=\"object\">NAMESERVER</item>\n"
     "<item key=\"attributes\">\n"
     "<dt_assoc>\n"
     "<item key=\"fqdn\">ns1.example.net</item>\n"
     "<item key=\"tld\">.com</item>\n"
     "<item key=\"all\">1</item>\n"
     "</dt_assoc>\n"
     "</item>\n"},
    {"host_create", b_host_create,
     "<item key=\"action\">CREATE</item>\n"
     "<item key=\"object\">NAMESERVER</item>\n"
     "<item key=\"attributes\">\n"
     "<dt_assoc>\n"
     "<item key=\"domain\">example.com</item>\n"
     "<item key=\"name\">ns1.example.com</item>\n"
     "<item key=\"ipaddress\">192.0.2.1</item>\n"
     "<item key=\"ipv6\">2001:db8::1</item>\n"
     "</dt_assoc>\n"
     "</item>\n"},
    {"host_create_v6", b_host_create_v6,
     "<item key=\"action\">CREATE</item>\n"
     "<item key=\"object\">NAMESERVER</item>\n"
     "<item key=\"attributes\">\n"
     "<dt_assoc>\n"
     "<item key=\"domain\">example.com</item>\n"
     "<item key=\"name\">ns2.example.com</item>\n"
     "<item key=\"ipv6\">2001:db8::2</item>\n"
     "</dt_assoc>\n"
     "</item>\n"},
    {"host_modify", b_host_modify,
     "<item key=\"action\">MODIFY</item>\n"
     "<item key=\"object\">NAMESERVER</item>\n"
     "<item key=\"attributes\">\n"
     "<dt_assoc>\n"
     "<item key=\"domain\">example.com</item>\n"
     "<item key=\"name\">ns1.example.com</item>\n"
     "<item key=\"new_name\">dns1.example.com</item>\n"
     "<item key=\"ipaddress\">192.0.2.10</item>\n"
     "</dt_assoc>\n"
     "</item>\n"},
    {"host_delete", b_host_delete,
     "<item key=\"action\">DELETE</item>\n"
     "<item key=\"object\">NAMESERVER</item>\n"
     "<item key=\"attributes\">\n"
     "<dt_assoc>\n"
     "<item key=\"domain\">example.com</item>\n"
     "<item key=\"name\">ns1.example.com</item>\n"
     "</dt_assoc>\n"
     "</item>\n"},
    {"hosts", b_hosts,
     "<item key=\"action\">GET</item>\n"
     "<item key=\"object\">NAMESERVER</item>\n"
     "<item key=\"attributes\">\n"
     "<dt_assoc>\n"
     "<item key=\"domain\">example.com</item>\n"
     "<item key=\"name\">all</item>\n"
     "</dt_assoc>\n"
     "</item>\n"},
    {"get_all_info", b_get_all_info,
     "<item key=\"action\">GET</item>\n"
     "<item key=\"object\">DOMAIN</item>\n"
     "<item key=\"attributes\">\n"
     "<dt_assoc>\n"
     "<item key=\"domain\">example.com</item>\n"
     "<item key=\"type\">all_info</item>\n"
     "</dt_assoc>\n"
     "</item>\n"},
    {"get_auth", b_get_auth,
     "<item key=\"action\">GET</item>\n"
     "<item key=\"object\">DOMAIN</item>\n"
     "<item key=\"attributes\">\n"
     "<dt_assoc>\n"
     "<item key=\"domain\">example.com</item>\n"
     "<item key=\"type\">domain_auth_info</item>\n"
     "</dt_assoc>\n"
     "</item>\n"},
    {"get_privacy", b_get_privacy,
     "<item key=\"action\">GET</item>\n"
     "<item key=\"object\">DOMAIN</item>\n"
     "<item key=\"attributes\">\n"
     "<dt_assoc>\n"
     "<item key=\"domain\">example.com</item>\n"
     "<item key=\"type\">whois_privacy_state</item>\n"
     "</dt_assoc>\n"
     "</item>\n"},
    {"update_contacts", b_update_contacts,
     "<item key=\"action\">UPDATE_CONTACTS</item>\n"
     "<item key=\"object\">DOMAIN</item>\n"
     "<item key=\"attributes\">\n"
     "<dt_assoc>\n"
     "<item key=\"domain\">example.com</item>\n"
     "<item key=\"affect_domains\">0</item>\n"
     "<item key=\"types\">\n"
     "<dt_array>\n"
     "<item key=\"0\">owner</item>\n"
     "<item key=\"1\">tech</item>\n"
     "</dt_array>\n"
     "</item>\n"
     "<item key=\"contact_set\">\n"
     "<dt_assoc>\n"
     "<item key=\"owner\">\n"
     "<dt_assoc>\n"
     "<item key=\"first_name\">Jane</item>\n"
     "<item key=\"last_name\">Owner</item>\n"
     "<item key=\"org_name\">Example Inc.</item>\n"
     "<item key=\"address1\">32 Oak Street</item>\n"
     "<item key=\"city\">Toronto</item>\n"
     "<item key=\"state\">ON</item>\n"
     "<item key=\"postal_code\">M5V 1A1</item>\n"
     "<item key=\"country\">CA</item>\n"
     "<item key=\"phone\">+1.4165550123</item>\n"
     "<item key=\"email\">owner@example.com</item>\n"
     "</dt_assoc>\n"
     "</item>\n"
     "<item key=\"tech\">\n"
     "<dt_assoc>\n"
     "<item key=\"first_name\">Tina</item>\n"
     "<item key=\"last_name\">Tech</item>\n"
     "<item key=\"email\">t@example.com</item>\n"
     "</dt_assoc>\n"
     "</item>\n"
     "</dt_assoc>\n"
     "</item>\n"
     "</dt_assoc>\n"
     "</item>\n"},
    {"nexus", b_nexus,
     "<item key=\"action\">MODIFY</item>\n"
     "<item key=\"object\">DOMAIN</item>\n"
     "<item key=\"attributes\">\n"
     "<dt_assoc>\n"
     "<item key=\"domain\">example.us</item>\n"
     "<item key=\"affect_domains\">0</item>\n"
     "<item key=\"data\">nexus_info</item>\n"
     "<item key=\"nexus\">\n"
     "<dt_assoc>\n"
     "<item key=\"category\">C32</item>\n"
     "<item key=\"app_purpose\">P2</item>\n"
     "<item key=\"validator\">FR</item>\n"
     "</dt_assoc>\n"
     "</item>\n"
     "</dt_assoc>\n"
     "</item>\n"},
    {"lock", b_lock,
     "<item key=\"action\">MODIFY</item>\n"
     "<item key=\"object\">DOMAIN</item>\n"
     "<item key=\"attributes\">\n"
     "<dt_assoc>\n"
     "<item key=\"domain\">example.com</item>\n"
     "<item key=\"affect_domains\">0</item>\n"
     "<item key=\"data\">status</item>\n"
     "<item key=\"lock_state\">1</item>\n"
     "</dt_assoc>\n"
     "</item>\n"},
    {"unlock", b_unlock,
     "<item key=\"action\">MODIFY</item>\n"
     "<item key=\"object\">DOMAIN</item>\n"
     "<item key=\"attributes\">\n"
     "<dt_assoc>\n"
     "<item key=\"domain\">example.com</item>\n"
     "<item key=\"affect_domains\">0</item>\n"
     "<item key=\"data\">status</item>\n"
     "<item key=\"lock_state\">0</item>\n"
     "</dt_assoc>\n"
     "</item>\n"},
    {"send_authcode", b_send_authcode,
     "<item key=\"action\">SEND_AUTHCODE</item>\n"
     "<item key=\"object\">DOMAIN</item>\n"
     "<item key=\"attributes\">\n"
     "<dt_assoc>\n"
     "<item key=\"domain_name\">example.com</item>\n"
     "</dt_assoc>\n"
     "</item>\n"},
    {"set_auth", b_set_auth,
     "<item key=\"action\">MODIFY</item>\n"
     "<item key=\"object\">DOMAIN</item>\n"
     "<item key=\"attributes\">\n"
     "<dt_assoc>\n"
     "<item key=\"domain\">example.com</item>\n"
     "<item key=\"affect_domains\">0</item>\n"
     "<item key=\"data\">domain_auth_info</item>\n"
     "<item key=\"domain_auth_info\">Xy9&amp;&lt;code&gt;</item>\n"
     "</dt_assoc>\n"
     "</item>\n"},
    {"privacy_on", b_privacy_on,
     "<item key=\"action\">MODIFY</item>\n"
     "<item key=\"object\">DOMAIN</item>\n"
     "<item key=\"attributes\">\n"
     "<dt_assoc>\n"
     "<item key=\"domain\">example.com</item>\n"
     "<item key=\"affect_domains\">0</item>\n"
     "<item key=\"data\">whois_privacy_state</item>\n"
     "<item key=\"state\">enable</item>\n"
     "</dt_assoc>\n"
     "</item>\n"},
    {"privacy_off", b_privacy_off,
     "<item key=\"action\">MODIFY</item>\n"
     "<item key=\"object\">DOMAIN</item>\n"
     "<item key=\"attributes\">\n"
     "<dt_assoc>\n"
     "<item key=\"domain\">example.com</item>\n"
     "<item key=\"affect_domains\">0</item>\n"
     "<item key=\"data\">whois_privacy_state</item>\n"
     "<item key=\"state\">disable</item>\n"
     "</dt_assoc>\n"
     "</item>\n"},
    {"away_all", b_away_all,
     "<item key=\"action\">GET_TRANSFERS_AWAY</item>\n"
     "<item key=\"object\">DOMAIN</item>\n"
     "<item key=\"attributes\">\n"
     "<dt_assoc>\n"
     "<item key=\"limit\">40</item>\n"
     "<item key=\"page\">1</item>\n"
     "</dt_assoc>\n"
     "</item>\n"},
    {"away_filtered", b_away_filtered,
     "<item key=\"action\">GET_TRANSFERS_AWAY</item>\n"
     "<item key=\"object\">DOMAIN</item>\n"
     "<item key=\"attributes\">\n"
     "<dt_assoc>\n"
     "<item key=\"domain\">moving-on.com</item>\n"
     "<item key=\"status\">completed</item>\n"
     "<item key=\"limit\">40</item>\n"
     "<item key=\"page\">3</item>\n"
     "</dt_assoc>\n"
     "</item>\n"},
    {"suggest_plain", b_suggest_plain,
     "<item key=\"action\">NAME_SUGGEST</item>\n"
     "<item key=\"object\">DOMAIN</item>\n"
     "<item key=\"attributes\">\n"
     "<dt_assoc>\n"
     "<item key=\"searchstring\">bakery</item>\n"
     "<item key=\"tlds\">\n"
     "<dt_array>\n"
     "<item key=\"0\">.com</item>\n"
     "<item key=\"1\">.net</item>\n"
     "</dt_array>\n"
     "</item>\n"
     "<item key=\"services\">\n"
     "<dt_array>\n"
     "<item key=\"0\">lookup</item>\n"
     "<item key=\"1\">suggestion</item>\n"
     "</dt_array>\n"
     "</item>\n"
     "</dt_assoc>\n"
     "</item>\n"},
    {"suggest_override", b_suggest_override,
     "<item key=\"action\">NAME_SUGGEST</item>\n"
     "<item key=\"object\">DOMAIN</item>\n"
     "<item key=\"attributes\">\n"
     "<dt_assoc>\n"
     "<item key=\"searchstring\">bakery</item>\n"
     "<item key=\"tlds\">\n"
     "<dt_array>\n"
     "<item key=\"0\">.com</item>\n"
     "</dt_array>\n"
     "</item>\n"
     "<item key=\"services\">\n"
     "<dt_array>\n"
     "<item key=\"0\">lookup</item>\n"
     "<item key=\"1\">suggestion</item>\n"
     "<item key=\"2\">premium</item>\n"
     "</dt_array>\n"
     "</item>\n"
     "<item key=\"service_override\">\n"
     "<dt_assoc>\n"
     "<item key=\"suggestion\">\n"
     "<dt_assoc>\n"
     "<item key=\"tlds\">\n"
     "<dt_array>\n"
     "<item key=\"0\">.org</item>\n"
     "<item key=\"1\">.info</item>\n"
     "</dt_array>\n"
     "</item>\n"
     "<item key=\"maximum\">10</item>\n"
     "</dt_assoc>\n"
     "</item>\n"
     "<item key=\"premium\">\n"
     "<dt_assoc>\n"
     "<item key=\"tlds\">\n"
     "<dt_array>\n"
     "<item key=\"0\">.com</item>\n"
     "<item key=\"1\">.net</item>\n"
     "</dt_array>\n"
     "</item>\n"
     "<item key=\"maximum\">5</item>\n"
     "<item key=\"price_min\">100</item>\n"
     "<item key=\"price_max\">5000.50</item>\n"
     "</dt_assoc>\n"
     "</item>\n"
     "</dt_assoc>\n"
     "</item>\n"
     "</dt_assoc>\n"
     "</item>\n"},
};

static void requests_are_built_byte_for_byte(void **s)
{
    (void)s;
    for (size_t i = 0; i < sizeof(build_cases) / sizeof(build_cases[0]); i++) {
        char want[8192];
        snprintf(want, sizeof(want), "%s%s%s", HEAD, build_cases[i].want, TAIL);
        print_message("%s\n", build_cases[i].name);
        same_doc(build_cases[i].name, build_cases[i].build(), want);
    }
}

static void invalid_input_is_refused_before_sending(void **s)
{
    (void)s;
    static const char *const one[] = {"ns1.example.net"};
    static const char *const dup[] = {"ns1.example.net", "NS1.example.net"};
    static const char *const bad[] = {"ns1.example.net", "ns 2.example.net"};
    static const char *const fourteen[14] = {
        "a.x.net", "b.x.net", "c.x.net", "d.x.net", "e.x.net",
        "f.x.net", "g.x.net", "h.x.net", "i.x.net", "j.x.net",
        "k.x.net", "l.x.net", "m.x.net", "n.x.net"};
    struct reg_host noaddr = {.domain = "example.com",
                              .name = "ns1.example.com"};
    struct reg_host badv4 = {.domain = "example.com",
                             .name = "ns1.example.com",
                             .ipv4 = "192.0.2.300"};
    struct reg_host badv6 = {.domain = "example.com",
                             .name = "ns1.example.com",
                             .ipv6 = "2001:db8::g"};
    struct reg_host v6as4 = {.domain = "example.com",
                             .name = "ns1.example.com",
                             .ipv4 = "2001:db8::1"};
    struct reg_host badnew = {.domain = "example.com",
                              .name = "ns1.example.com",
                              .ipv4 = "192.0.2.1",
                              .new_name = "a b"};
    struct reg_contact_update none = {.domain = "example.com"};
    struct reg_away_query badst = {.status = "moving"};
    struct reg_suggest_req nosearch = {.search = ""};
    struct reg_suggest_req window = {.search = "bakery",
                                     .premium = true,
                                     .price_min = 500,
                                     .price_max = 100};
    struct reg_suggest_req badmax = {.search = "bakery",
                                     .suggestion = {.maximum = -1}};
    struct {
        const char *name;
        struct xcp_value *req;
    } c[] = {
        {"one nameserver",
         srs_req_set_nameservers("example.com", one, 1, NULL)},
        {"14 nameservers",
         srs_req_set_nameservers("example.com", fourteen, 14, NULL)},
        {"same nameserver twice",
         srs_req_set_nameservers("example.com", dup, 2, NULL)},
        {"space in a nameserver",
         srs_req_set_nameservers("example.com", bad, 2, NULL)},
        {"no domain", srs_req_set_nameservers("", dup, 2, NULL)},
        {"check without a TLD", srs_req_ns_check("localhost", NULL, NULL)},
        {"add with an empty TLD",
         srs_req_ns_registry_add("ns1.x.net", ".", false, NULL)},
        {"host without address", srs_req_host_create(&noaddr, NULL)},
        {"bad IPv4", srs_req_host_create(&badv4, NULL)},
        {"bad IPv6", srs_req_host_modify(&badv6, NULL)},
        {"IPv6 given as IPv4", srs_req_host_create(&v6as4, NULL)},
        {"bad new name", srs_req_host_modify(&badnew, NULL)},
        {"delete without name", srs_req_host_delete("example.com", "", NULL)},
        {"hosts without domain", srs_req_hosts(NULL, NULL)},
        {"no contact to change", srs_req_update_contacts(&none, NULL)},
        {"lock without domain", srs_req_set_lock("", true, NULL)},
        {"send code without domain", srs_req_send_authcode(NULL, NULL)},
        {"empty auth code", srs_req_set_auth_code("example.com", "", NULL)},
        {"control character in auth code",
         srs_req_set_auth_code("example.com", "ab\ncd", NULL)},
        {"privacy without domain", srs_req_set_privacy("", true, NULL)},
        {"page 0", srs_req_transfers_away(NULL, 0, NULL)},
        {"unknown transfer status", srs_req_transfers_away(&badst, 1, NULL)},
        {"empty search", srs_req_suggest(&nosearch, NULL)},
        {"price window upside down", srs_req_suggest(&window, NULL)},
        {"negative maximum", srs_req_suggest(&badmax, NULL)},
    };
    for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
        print_message("%s\n", c[i].name);
        if (c[i].req) {
            xcp_free(c[i].req);
            fail_msg("%s: built a request", c[i].name);
        }
    }
    struct rm_err err;
    rm_err_clear(&err);
    assert_null(srs_req_set_nameservers("example.com", one, 1, &err));
    assert_int_equal(err.code, RM_EINVAL);
    assert_non_null(strstr(err.msg, "2 to 13"));
}

/* --- answers ---------------------------------------------------------- */

/* reply_doc - a whole OPS response document. */
static char *reply_doc(const char *object, int ok, int code, const char *text,
                       const char *attrs)
{
    struct buf b;
    buf_init(&b);
    buf_addf(&b, "<?xml version='1.0' encoding='UTF-8' standalone='no' ?>\n"
                 "<!DOCTYPE OPS_envelope SYSTEM 'ops.dtd'>\n"
                 "<OPS_envelope><header><version>0.9</version></header><body>"
                 "<data_block><dt_assoc>"
                 "<item key=\"protocol\">XCP</item>"
                 "<item key=\"action\">REPLY</item>");
    if (object)
        buf_addf(&b, "<item key=\"object\">%s</item>", object);
    buf_addf(&b,
             "<item key=\"is_success\">%d</item>"
             "<item key=\"response_code\">%d</item>"
             "<item key=\"response_text\">%s</item>",
             ok, code, text);
    if (attrs)
        buf_addf(&b, "<item key=\"attributes\"><dt_assoc>%s</dt_assoc></item>",
                 attrs);
    buf_adds(&b, "</dt_assoc></data_block></body></OPS_envelope>\n");
    return buf_detach(&b, NULL);
}

struct answer {
    struct xcp_msg msg;
    struct xcp_response r;
};

static void parse_answer(struct answer *a, const char *object, int ok, int code,
                         const char *text, const char *attrs)
{
    char *doc = reply_doc(object, ok, code, text, attrs);
    struct rm_err err;
    rm_err_clear(&err);
    memset(a, 0, sizeof(*a));
    if (xcp_parse(doc, strlen(doc), &a->msg, &err) != 0 ||
        xcp_response_read(a->msg.data, &a->r, &err) != 0)
        fail_msg("bad test document: %s\n%s", err.msg, doc);
    free(doc);
}

/* The answers below are written as XML; clang-format would split their
 * concatenated literals mid-word, so it leaves these tables alone. */
/* clang-format off */
#define ITEM(k, v) "<item key=\"" k "\">" v "</item>"
#define DETAILS(dom, ok, code, text)                                           \
    "<item key=\"details\"><dt_assoc><item key=\"" dom "\"><dt_assoc>"         \
    ITEM("is_success", ok) ITEM("response_code", code)                         \
    ITEM("response_text", text) ITEM("waiting_requests_no", "0")               \
    "<item key=\"encoding_type\"></item></dt_assoc></item></dt_assoc></item>"
#define NS(name, ip, can)                                                      \
    "<dt_assoc>" ITEM("name", name) ITEM("ipaddress", ip)                      \
    ITEM("can_delete", can) "</dt_assoc>"
#define CONTACT(first, email)                                                  \
    "<dt_assoc>" ITEM("first_name", first) ITEM("last_name", "Byron")          \
    ITEM("org_name", "Sample") ITEM("address1", "1 Main St")                   \
    ITEM("address2", "") ITEM("city", "Toronto") ITEM("state", "ON")           \
    ITEM("postal_code", "M5V 1A1") ITEM("country", "CA")                       \
    ITEM("phone", "+1.4165550123") ITEM("fax", "") ITEM("email", email)        \
    "</dt_assoc>"
#define SUGG(d, st) "<dt_assoc>" ITEM("domain", d) ITEM("status", st) "</dt_assoc>"
#define PREM(d, st, p)                                                         \
    "<dt_assoc>" ITEM("domain", d) ITEM("status", st) ITEM("price", p)         \
    "</dt_assoc>"

struct write_case {
    const char *what;
    int ok, code;
    const char *text, *attrs;
    enum reg_op_state state;
    enum reg_pending_why why;
    const char *reason;
};

/* Every write after the sale is classified as the other operations: done
 * only on is_success 1 with 200, failed only on a definite refusal. */
static const struct write_case write_cases[] = {
    {"ADVANCED_UPDATE_NAMESERVERS", 1, 200, "Nameserver Update Successful",
     NULL, REG_OP_DONE, REG_PENDING_NONE, "Nameserver Update Successful"},
    {"ADVANCED_UPDATE_NAMESERVERS no-op", 1, 200,
     "No nameserver changes necessary", NULL, REG_OP_DONE, REG_PENDING_NONE,
     NULL},
    {"ADVANCED_UPDATE_NAMESERVERS host unknown", 0, 435,
     "Request failed validation: Name server ns9.example.net is not found at "
     "the registry",
     NULL, REG_OP_FAILED, REG_PENDING_NONE, "435"},
    {"ADVANCED_UPDATE_NAMESERVERS registry", 0, 405,
     "Registry error, domain's nameserver not updated", NULL, REG_OP_PENDING,
     REG_PENDING_UNKNOWN, "405"},
    {"ADVANCED_UPDATE_NAMESERVERS waiting", 0, 437,
     "Another request is waiting on this domain", NULL, REG_OP_PENDING,
     REG_PENDING_RETRY, "437"},
    {"REGISTRY_ADD_NS", 1, 200, "Command successful",
     ITEM("registry_name", "NSI") ITEM("msg", "Successfully added."),
     REG_OP_DONE, REG_PENDING_NONE, NULL},
    {"CREATE NAMESERVER", 1, 200, "Nameserver Created", NULL, REG_OP_DONE,
     REG_PENDING_NONE, NULL},
    {"CREATE NAMESERVER quota", 0, 445, "Nameserver quota exceeded", NULL,
     REG_OP_FAILED, REG_PENDING_NONE, "445"},
    {"CREATE NAMESERVER no ip", 0, 460, "Missing required field: ip", NULL,
     REG_OP_FAILED, REG_PENDING_NONE, "460"},
    {"CREATE NAMESERVER registry", 0, 405,
     "Registry error, nameserver creation failed", NULL, REG_OP_PENDING,
     REG_PENDING_UNKNOWN, "405"},
    {"MODIFY NAMESERVER", 1, 200, "Command successful", NULL, REG_OP_DONE,
     REG_PENDING_NONE, NULL},
    {"MODIFY NAMESERVER rename", 0, 400,
     "Unable to change nameserver hostname to dns1.example.com", NULL,
     REG_OP_PENDING, REG_PENDING_RETRY, "400"},
    {"DELETE NAMESERVER", 1, 200, "Nameserver deleted", NULL, REG_OP_DONE,
     REG_PENDING_NONE, NULL},
    {"DELETE NAMESERVER in use", 0, 405,
     "Nameserver deletion failed at registry", NULL, REG_OP_PENDING,
     REG_PENDING_UNKNOWN, "405"},
    {"MODIFY status", 1, 200, "Update successful", NULL, REG_OP_DONE,
     REG_PENDING_NONE, NULL},
    {"MODIFY status not yours", 0, 415, "Authentication Error.", NULL,
     REG_OP_FAILED, REG_PENDING_NONE, "415"},
    {"MODIFY status sub-user", 0, 435, "Permission denied, subuser permissions",
     NULL, REG_OP_FAILED, REG_PENDING_NONE, "435"},
    {"MODIFY no data", 0, 460, "Modify type not specified", NULL,
     REG_OP_FAILED, REG_PENDING_NONE, "460"},
    {"MODIFY domain_auth_info invalid", 0, 465, "Invalid auth code", NULL,
     REG_OP_FAILED, REG_PENDING_NONE, "465"},
    {"SEND_AUTHCODE", 1, 200, "Message sent", NULL, REG_OP_DONE,
     REG_PENDING_NONE, "Message sent"},
    {"SEND_AUTHCODE not EPP", 0, 480, "Domain is not an EPP domain", NULL,
     REG_OP_FAILED, REG_PENDING_NONE, "480"},
    {"success with an odd code", 1, 201, "Fine", NULL, REG_OP_PENDING,
     REG_PENDING_UNKNOWN, "201"},
    {"server error", 0, 500, "Internal error", NULL, REG_OP_PENDING,
     REG_PENDING_UNKNOWN, "500"},
};

struct contacts_case {
    const char *what;
    int ok, code;
    const char *attrs;
    enum reg_op_state state;
    enum reg_pending_why why;
    const char *reason;
};

static const struct contacts_case contacts_cases[] = {
    {"done", 1, 200,
     DETAILS("example.com", "1", "200", "Command completed successfully"),
     REG_OP_DONE, REG_PENDING_NONE, NULL},
    {"done, the key in another case", 1, 200,
     DETAILS("Example.COM", "1", "200", "Command completed successfully"),
     REG_OP_DONE, REG_PENDING_NONE, NULL},
    {"no details", 1, 200, NULL, REG_OP_DONE, REG_PENDING_NONE, NULL},
    {"details for another domain only", 1, 200,
     DETAILS("other.com", "1", "200", "Command completed successfully"),
     REG_OP_PENDING, REG_PENDING_UNKNOWN, "no details for the domain"},
    {"refused for the domain", 1, 200,
     DETAILS("example.com", "0", "465", "Invalid phone number"), REG_OP_FAILED,
     REG_PENDING_NONE, "465 Invalid phone number"},
    {"registry trouble for the domain", 1, 200,
     DETAILS("example.com", "0", "405", "Registry error"), REG_OP_PENDING,
     REG_PENDING_UNKNOWN, "405"},
    {"busy for the domain", 1, 200,
     DETAILS("example.com", "0", "437", "Waiting request"), REG_OP_PENDING,
     REG_PENDING_RETRY, "437"},
    {"code not a number", 1, 200, DETAILS("example.com", "0", "bad", "?"),
     REG_OP_PENDING, REG_PENDING_UNKNOWN, NULL},
    {"details not a structure", 1, 200, ITEM("details", "x"), REG_OP_PENDING,
     REG_PENDING_UNKNOWN, "details"},
    {"entry not a structure", 1, 200,
     "<item key=\"details\"><dt_assoc>" ITEM("example.com", "1")
     "</dt_assoc></item>",
     REG_OP_PENDING, REG_PENDING_UNKNOWN, "details"},
    {"top-level refusal", 0, 415, NULL, REG_OP_FAILED, REG_PENDING_NONE, "415"},
    {"top-level timeout", 0, 705, NULL, REG_OP_PENDING, REG_PENDING_RETRY,
     "705"},
};

static const char hosts_answer[] =
    "<item key=\"nameserver_list\"><dt_array>"
    "<item key=\"0\">" NS("ns1.example.com", "192.0.2.1", "0") "</item>"
    "<item key=\"1\"><dt_assoc>" ITEM("name", "ns2.example.com")
    "<item key=\"ipaddress\"></item>" ITEM("ipv6", "2001:db8::2")
    ITEM("can_delete", "1") "</dt_assoc></item>"
    "</dt_array></item>";

static const char *const bad_hosts[] = {
    ITEM("nameserver_list", "x"),
    "<item key=\"nameserver_list\"><dt_array><item key=\"0\">x</item>"
    "</dt_array></item>",
    "<item key=\"nameserver_list\"><dt_array><item key=\"0\"><dt_assoc>"
    ITEM("ipaddress", "192.0.2.1") "</dt_assoc></item></dt_array></item>",
    "<item key=\"nameserver_list\"><dt_array><item key=\"0\"><dt_assoc>"
    ITEM("name", "ns1.example.com")
    "<item key=\"ipaddress\"><dt_array></dt_array></item>"
    "</dt_assoc></item></dt_array></item>",
};

static const char contacts_answer[] =
    ITEM("auto_renew", "1")
    "<item key=\"contact_set\"><dt_assoc>"
    "<item key=\"owner\">" CONTACT("Ada", "ada@sample.net") "</item>"
    "<item key=\"admin\">" CONTACT("Bob", "bob@sample.net") "</item>"
    "<item key=\"tech\">" CONTACT("Tia", "tia@sample.net") "</item>"
    "</dt_assoc></item>";

static const char *const bad_contacts[] = {
    ITEM("auto_renew", "1"),
    ITEM("contact_set", "x"),
    "<item key=\"contact_set\"><dt_assoc>" ITEM("owner", "x")
    "</dt_assoc></item>",
    "<item key=\"contact_set\"><dt_assoc><item key=\"owner\"><dt_assoc>"
    "<item key=\"email\"><dt_assoc></dt_assoc></item>"
    "</dt_assoc></item></dt_assoc></item>",
};

static const char away_answer[] =
    ITEM("page", "1") ITEM("page_size", "40") ITEM("total", "2")
    "<item key=\"transfers\"><dt_array><item key=\"0\"><dt_assoc>"
    ITEM("domain", "moving-on.com") ITEM("status", "completed")
    ITEM("gaining_registrar", "Example Registrar, Inc.")
    ITEM("req_date", "2024-05-01 10:00:00")
    ITEM("owner_confirm_date", "02-MAY-2024 08:30:00")
    "</dt_assoc></item><item key=\"1\"><dt_assoc>"
    ITEM("domain", "leaving.net") ITEM("status", "pending_owner")
    ITEM("req_date", "05-Jun-2024 00:00:01")
    ITEM("req_date_epoch", "1717545601")
    "</dt_assoc></item></dt_array></item>";

/* the recorded empty answer (opensrs-manage.md 7.2) */
static const char away_empty[] =
    ITEM("page_size", "40") ITEM("page", "1")
    "<item key=\"transfers\"><dt_array></dt_array></item>" ITEM("total", "0");

static const char *const bad_away[] = {
    ITEM("transfers", "x") ITEM("total", "1"),
    "<item key=\"transfers\"><dt_array><item key=\"0\">x</item></dt_array>"
    "</item>",
    "<item key=\"transfers\"><dt_array><item key=\"0\"><dt_assoc>"
    ITEM("status", "completed") "</dt_assoc></item></dt_array></item>",
    "<item key=\"transfers\"><dt_array><item key=\"0\"><dt_assoc>"
    ITEM("domain", "a.com") ITEM("req_date", "yesterday")
    "</dt_assoc></item></dt_array></item>",
    "<item key=\"transfers\"><dt_array><item key=\"0\"><dt_assoc>"
    ITEM("domain", "a.com") ITEM("req_date", "31-FOO-2024 00:00:00")
    "</dt_assoc></item></dt_array></item>",
    "<item key=\"transfers\"><dt_array><item key=\"0\"><dt_assoc>"
    ITEM("domain", "a.com") "<item key=\"status\"><dt_array></dt_array></item>"
    "</dt_assoc></item></dt_array></item>",
    "<item key=\"transfers\"><dt_array></dt_array></item>" ITEM("total", "many"),
    "<item key=\"transfers\"><dt_array></dt_array></item>" ITEM("total", "-3"),
};

static const char suggest_answer[] =
    "<item key=\"lookup\"><dt_assoc>" ITEM("count", "1")
    "<item key=\"items\"><dt_array>"
    "<item key=\"0\">" SUGG("bakery.com", "taken") "</item>"
    "</dt_array></item></dt_assoc></item>"
    "<item key=\"premium\"><dt_assoc>" ITEM("is_success", "1")
    ITEM("response_code", "200") ITEM("count", "3")
    "<item key=\"items\"><dt_array>"
    "<item key=\"0\">" PREM("bakerybox.com", "available", "1299.00") "</item>"
    "<item key=\"1\">" PREM("thebakery.net", "available", "6999") "</item>"
    "<item key=\"2\">" SUGG("bakery.shop", "available") "</item>"
    "</dt_array></item></dt_assoc></item>";

static const char *const bad_suggest[] = {
    "<item key=\"premium\"><dt_assoc><item key=\"items\"><dt_array>"
    "<item key=\"0\">" PREM("x.com", "available", "cheap") "</item>"
    "</dt_array></item></dt_assoc></item>",
    "<item key=\"premium\"><dt_assoc><item key=\"items\"><dt_array>"
    "<item key=\"0\"><dt_assoc>" ITEM("domain", "x.com")
    "<item key=\"price\"><dt_assoc></dt_assoc></item>"
    "</dt_assoc></item></dt_array></item></dt_assoc></item>",
    ITEM("premium", "x"),
};

static const char one_away[] =
    "<item key=\"transfers\"><dt_array><item key=\"0\"><dt_assoc>"
    ITEM("domain", "a.com") "</dt_assoc></item></dt_array></item>";
/* clang-format on */

static void writes_are_classified_conservatively(void **s)
{
    (void)s;
    for (size_t i = 0; i < sizeof(write_cases) / sizeof(write_cases[0]); i++) {
        const struct write_case *c = &write_cases[i];
        struct answer a;
        print_message("%s\n", c->what);
        parse_answer(&a, "DOMAIN", c->ok, c->code, c->text, c->attrs);
        struct reg_op_result out;
        srs_map_op(REG_KIND_CANCEL, false, &a.r, &out);
        assert_string_equal(reg_op_state_name(out.state),
                            reg_op_state_name(c->state));
        assert_string_equal(reg_pending_why_name(out.why),
                            reg_pending_why_name(c->why));
        if (c->reason && !strstr(out.reason, c->reason))
            fail_msg("%s: reason \"%s\" lacks \"%s\"", c->what, out.reason,
                     c->reason);
        xcp_msg_free(&a.msg);
    }
}

static void update_contacts_reads_the_domain_entry(void **s)
{
    (void)s;
    for (size_t i = 0; i < sizeof(contacts_cases) / sizeof(contacts_cases[0]);
         i++) {
        const struct contacts_case *c = &contacts_cases[i];
        struct answer a;
        print_message("%s\n", c->what);
        parse_answer(&a, "DOMAIN", c->ok, c->code,
                     c->ok ? "Command completed successfully" : "Refused",
                     c->attrs);
        struct reg_op_result out;
        srs_map_update_contacts(&a.r, "example.com", &out);
        if (c->attrs) {
            /* no domain to look for: never a crash, never done */
            struct reg_op_result nodom;
            srs_map_update_contacts(&a.r, NULL, &nodom);
            assert_int_not_equal(nodom.state, REG_OP_DONE);
        }
        assert_string_equal(reg_op_state_name(out.state),
                            reg_op_state_name(c->state));
        assert_string_equal(reg_pending_why_name(out.why),
                            reg_pending_why_name(c->why));
        if (c->reason && !strstr(out.reason, c->reason))
            fail_msg("%s: reason \"%s\" lacks \"%s\"", c->what, out.reason,
                     c->reason);
        xcp_msg_free(&a.msg);
    }
}

struct privacy_case {
    const char *what;
    int ok, code;
    const char *text;
    enum reg_op_state state;
    bool not_offered;
};

static const struct privacy_case privacy_cases[] = {
    {"enabled", 1, 200, "Whois Privacy successfully enabled", REG_OP_DONE,
     false},
    {"disabled", 1, 200, "Whois Privacy successfully disabled", REG_OP_DONE,
     false},
    {"account without the service", 0, 300,
     "WHOIS_Privacy service cannot be applied to your account. Please "
     "contact support",
     REG_OP_FAILED, true},
    {"TLD without the service", 0, 465,
     "Whois privacy is not available for this TLD", REG_OP_FAILED, true},
    {"TLD without the service, 480", 0, 480,
     "WHOIS Privacy not supported for .de", REG_OP_FAILED, true},
    {"other definite refusal", 0, 415, "Authentication Error.", REG_OP_FAILED,
     false},
    {"rate limit", 0, 300, "Command rate exceeded", REG_OP_PENDING, false},
    {"success saying not available", 1, 200,
     "Privacy not available yet, queued", REG_OP_DONE, false},
    {"timeout", 0, 705, "Timed out, resubmit request.", REG_OP_PENDING, false},
};

static void privacy_not_offered_is_its_own_refusal(void **s)
{
    (void)s;
    for (size_t i = 0; i < sizeof(privacy_cases) / sizeof(privacy_cases[0]);
         i++) {
        const struct privacy_case *c = &privacy_cases[i];
        struct answer a;
        print_message("%s\n", c->what);
        parse_answer(&a, "DOMAIN", c->ok, c->code, c->text, NULL);
        struct reg_privacy_result out;
        srs_map_set_privacy(&a.r, &out);
        assert_string_equal(reg_op_state_name(out.op.state),
                            reg_op_state_name(c->state));
        assert_int_equal(out.not_offered, c->not_offered);
        xcp_msg_free(&a.msg);
    }
}

static void registry_check_212_is_absent_not_an_error(void **s)
{
    (void)s;
    struct answer a;
    struct reg_ns_check out;
    struct rm_err err;
    parse_answer(&a, "NAMESERVER", 1, 200, "Nameserver exists",
                 ITEM("status", "1"));
    assert_int_equal(srs_map_ns_check(&a.r, &out, &err), 0);
    assert_true(out.exists);
    xcp_msg_free(&a.msg);
    parse_answer(&a, "NAMESERVER", 0, 212, "Nameserver not found at registry",
                 ITEM("status", "0"));
    assert_int_equal(srs_map_ns_check(&a.r, &out, &err), 0);
    assert_false(out.exists);
    assert_int_equal(out.reply.code, 212);
    xcp_msg_free(&a.msg);
    parse_answer(&a, "NAMESERVER", 0, 460, "Missing required field: fqdn",
                 NULL);
    assert_int_equal(srs_map_ns_check(&a.r, &out, &err), RM_EPROTO);
    xcp_msg_free(&a.msg);
    parse_answer(&a, "NAMESERVER", 1, 210, "odd", NULL);
    assert_int_equal(srs_map_ns_check(&a.r, &out, &err), RM_EPROTO);
    xcp_msg_free(&a.msg);
}

static void get_nameserver_lists_child_hosts(void **s)
{
    (void)s;
    struct answer a;
    struct reg_hosts out;
    struct rm_err err;
    parse_answer(&a, "NAMESERVER", 1, 200, "Query Successful", hosts_answer);
    assert_int_equal(srs_map_hosts(&a.r, &out, &err), 0);
    assert_int_equal(out.n, 2);
    assert_string_equal(out.items[0].name, "ns1.example.com");
    assert_string_equal(out.items[0].ipv4, "192.0.2.1");
    assert_string_equal(out.items[0].ipv6, "");
    assert_false(out.items[0].can_delete);
    assert_string_equal(out.items[1].ipv4, "");
    assert_string_equal(out.items[1].ipv6, "2001:db8::2");
    assert_true(out.items[1].can_delete);
    reg_hosts_release(&out);
    xcp_msg_free(&a.msg);
    for (size_t i = 0; i < sizeof(bad_hosts) / sizeof(bad_hosts[0]); i++) {
        parse_answer(&a, "NAMESERVER", 1, 200, "Query Successful",
                     bad_hosts[i]);
        assert_int_equal(srs_map_hosts(&a.r, &out, &err), RM_EPROTO);
        assert_int_equal(out.n, 0);
        assert_null(out.items);
        xcp_msg_free(&a.msg);
    }
    parse_answer(&a, "NAMESERVER", 1, 200, "Query Successful", NULL);
    assert_int_equal(srs_map_hosts(&a.r, &out, &err), 0);
    assert_int_equal(out.n, 0);
    xcp_msg_free(&a.msg);
    parse_answer(&a, "NAMESERVER", 0, 415, "Authentication Error.", NULL);
    assert_int_equal(srs_map_hosts(&a.r, &out, &err), RM_EPROTO);
    xcp_msg_free(&a.msg);
}

static void contacts_are_read_from_contact_set(void **s)
{
    (void)s;
    struct answer a;
    struct reg_contacts out;
    struct rm_err err;
    parse_answer(&a, "DOMAIN", 1, 200, "Query Successful", contacts_answer);
    assert_int_equal(srs_map_contacts(&a.r, &out, &err), 0);
    assert_true(out.has_owner && out.has_admin && out.has_tech);
    assert_false(out.has_billing);
    assert_string_equal(out.owner.first_name, "Ada");
    assert_string_equal(out.owner.address1, "1 Main St");
    assert_string_equal(out.owner.postal_code, "M5V 1A1");
    assert_string_equal(out.owner.phone, "+1.4165550123");
    assert_string_equal(out.admin.email, "bob@sample.net");
    assert_string_equal(out.tech.country, "CA");
    assert_string_equal(out.billing.email, "");
    xcp_msg_free(&a.msg);
    for (size_t i = 0; i < sizeof(bad_contacts) / sizeof(bad_contacts[0]);
         i++) {
        parse_answer(&a, "DOMAIN", 1, 200, "Query Successful", bad_contacts[i]);
        assert_int_equal(srs_map_contacts(&a.r, &out, &err), RM_EPROTO);
        xcp_msg_free(&a.msg);
    }
    parse_answer(&a, "DOMAIN", 0, 415, "Authentication Error.", NULL);
    assert_int_equal(srs_map_contacts(&a.r, &out, &err), RM_EPROTO);
    xcp_msg_free(&a.msg);
    parse_answer(&a, "DOMAIN", 0, 480, "Domain not found", NULL);
    assert_int_equal(srs_map_contacts(&a.r, &out, &err), RM_ENOTFOUND);
    xcp_msg_free(&a.msg);
}

static void auth_code_and_privacy_state_are_read(void **s)
{
    (void)s;
    struct answer a;
    struct rm_err err;
    struct reg_auth_code ac;
    parse_answer(&a, "DOMAIN", 1, 200, "Query Successful",
                 ITEM("domain_auth_info", "Xy9&amp;code"));
    assert_int_equal(srs_map_auth_code(&a.r, &ac, &err), 0);
    assert_string_equal(ac.code, "Xy9&code");
    xcp_msg_free(&a.msg);
    parse_answer(&a, "DOMAIN", 1, 200, "Query Successful",
                 "<item key=\"domain_auth_info\"></item>");
    assert_int_equal(srs_map_auth_code(&a.r, &ac, &err), 0);
    assert_string_equal(ac.code, "");
    xcp_msg_free(&a.msg);
    parse_answer(&a, "DOMAIN", 1, 200, "Query Successful", NULL);
    assert_int_equal(srs_map_auth_code(&a.r, &ac, &err), RM_EPROTO);
    xcp_msg_free(&a.msg);
    parse_answer(&a, "DOMAIN", 1, 200, "Query Successful",
                 "<item key=\"domain_auth_info\"><dt_array></dt_array></item>");
    assert_int_equal(srs_map_auth_code(&a.r, &ac, &err), RM_EPROTO);
    xcp_msg_free(&a.msg);
    char longcode[600];
    memset(longcode, 'a', sizeof(longcode) - 1);
    longcode[sizeof(longcode) - 1] = '\0';
    char attrs[700];
    snprintf(attrs, sizeof(attrs), ITEM("domain_auth_info", "%s"), longcode);
    parse_answer(&a, "DOMAIN", 1, 200, "Query Successful", attrs);
    assert_int_equal(srs_map_auth_code(&a.r, &ac, &err), RM_EPROTO);
    xcp_msg_free(&a.msg);

    static const struct {
        const char *word;
        enum reg_privacy_state state;
    } words[] = {{"enabled", REG_PRIVACY_ENABLED},
                 {"disabled", REG_PRIVACY_DISABLED},
                 {"enabling", REG_PRIVACY_ENABLING},
                 {"Disabling", REG_PRIVACY_DISABLING},
                 {"pending", REG_PRIVACY_UNKNOWN}};
    for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
        char st[128];
        snprintf(st, sizeof(st), ITEM("state", "%s"), words[i].word);
        parse_answer(&a, "DOMAIN", 1, 200, "Query Successful", st);
        struct reg_privacy p;
        assert_int_equal(srs_map_privacy(&a.r, &p, &err), 0);
        assert_int_equal(p.state, words[i].state);
        assert_string_equal(p.word, words[i].word);
        xcp_msg_free(&a.msg);
    }
    struct reg_privacy p;
    parse_answer(&a, "DOMAIN", 1, 200, "Query Successful", NULL);
    assert_int_equal(srs_map_privacy(&a.r, &p, &err), RM_EPROTO);
    xcp_msg_free(&a.msg);
    parse_answer(&a, "DOMAIN", 1, 200, "Query Successful",
                 "<item key=\"state\"><dt_assoc></dt_assoc></item>");
    assert_int_equal(srs_map_privacy(&a.r, &p, &err), RM_EPROTO);
    xcp_msg_free(&a.msg);
    parse_answer(&a, "DOMAIN", 0, 415, "Authentication Error.", NULL);
    assert_int_equal(srs_map_privacy(&a.r, &p, &err), RM_EPROTO);
    xcp_msg_free(&a.msg);
}

static void nexus_is_read_and_checked(void **s)
{
    (void)s;
    struct answer a;
    struct rm_err err;
    struct reg_nexus_info ni;
    parse_answer(&a, "DOMAIN", 1, 200, "Query Successful",
                 "<item key=\"nexus\"><dt_assoc>" ITEM("category", "C11")
                     ITEM("app_purpose", "P1") "</dt_assoc></item>");
    assert_int_equal(srs_map_nexus(&a.r, &ni, &err), 0);
    assert_string_equal(ni.nexus.category, "C11");
    assert_string_equal(ni.nexus.app_purpose, "P1");
    assert_string_equal(ni.nexus.validator, "");
    xcp_msg_free(&a.msg);
    parse_answer(&a, "DOMAIN", 1, 200, "Query Successful", NULL);
    assert_int_equal(srs_map_nexus(&a.r, &ni, &err), 0); /* none */
    assert_string_equal(ni.nexus.category, "");
    xcp_msg_free(&a.msg);
    parse_answer(&a, "DOMAIN", 1, 200, "Query Successful",
                 ITEM("nexus", "C11"));
    assert_int_equal(srs_map_nexus(&a.r, &ni, &err), RM_EPROTO);
    xcp_msg_free(&a.msg);
    parse_answer(&a, "DOMAIN", 0, 415, "Authentication Error.", NULL);
    assert_true(srs_map_nexus(&a.r, &ni, &err) < 0);
    xcp_msg_free(&a.msg);
    struct reg_nexus bad = {"C1 1", "P1", ""};
    assert_null(srs_req_set_nexus("example.us", &bad, &err));
    struct reg_nexus none = {"C11", "", ""};
    assert_null(srs_req_set_nexus("example.us", &none, &err));
}

static time_t utc(const char *s)
{
    time_t t = 0;
    assert_int_equal(reg_parse_time(s, &t, NULL), 0);
    return t;
}

static void transfers_away_page_maps_each_row(void **s)
{
    (void)s;
    struct answer a;
    struct rm_err err;
    struct reg_transfers_away out;
    int64_t total;
    memset(&out, 0, sizeof(out));
    parse_answer(&a, "DOMAIN", 1, 200, "Command successful", away_answer);
    assert_int_equal(srs_map_transfers_away_page(&a.r, &out, &total, &err), 0);
    assert_int_equal(total, 2);
    assert_int_equal(out.n, 2);
    assert_string_equal(out.items[0].domain, "moving-on.com");
    assert_int_equal(out.items[0].state, REG_XFER_COMPLETED);
    assert_string_equal(out.items[0].status, "completed");
    assert_string_equal(out.items[0].gaining_registrar,
                        "Example Registrar, Inc.");
    assert_int_equal(out.items[0].requested, utc("2024-05-01 10:00:00"));
    assert_int_equal(out.items[0].owner_confirmed, utc("2024-05-02 08:30:00"));
    assert_int_equal(out.items[0].owner_requested, 0);
    assert_int_equal(out.items[1].state, REG_XFER_PENDING_OWNER);
    assert_string_equal(out.items[1].gaining_registrar, "");
    assert_int_equal(out.items[1].requested, 1717545601);
    reg_transfers_away_release(&out);
    xcp_msg_free(&a.msg);

    parse_answer(&a, "DOMAIN", 1, 200, "Command successful", away_empty);
    assert_int_equal(srs_map_transfers_away_page(&a.r, &out, &total, &err), 0);
    assert_int_equal(total, 0);
    assert_int_equal(out.n, 0);
    xcp_msg_free(&a.msg);

    for (size_t i = 0; i < sizeof(bad_away) / sizeof(bad_away[0]); i++) {
        print_message("bad page %zu\n", i);
        memset(&out, 0, sizeof(out));
        parse_answer(&a, "DOMAIN", 1, 200, "Command successful", bad_away[i]);
        assert_int_equal(srs_map_transfers_away_page(&a.r, &out, &total, &err),
                         RM_EPROTO);
        reg_transfers_away_release(&out);
        xcp_msg_free(&a.msg);
    }
    memset(&out, 0, sizeof(out));
    parse_answer(&a, "DOMAIN", 0, 465, "Invalid date: year after 2030", NULL);
    assert_int_equal(srs_map_transfers_away_page(&a.r, &out, &total, &err),
                     RM_EPROTO);
    xcp_msg_free(&a.msg);
}

static void name_suggest_reads_premium_names_with_price(void **s)
{
    (void)s;
    struct answer a;
    struct rm_err err;
    struct reg_suggest out;
    /* NAME_SUGGEST answers without an object (opensrs-manage.md 10.2) */
    parse_answer(&a, NULL, 1, 200, "Command completed successfully",
                 suggest_answer);
    assert_int_equal(srs_map_suggest(&a.r, &out, &err), 0);
    assert_int_equal(out.n, 4);
    assert_string_equal(out.items[0].domain, "bakery.com");
    assert_false(out.items[0].premium);
    assert_int_equal(out.items[0].price, -1);
    assert_string_equal(out.items[1].domain, "bakerybox.com");
    assert_true(out.items[1].premium);
    assert_true(out.items[1].available);
    assert_int_equal(out.items[1].price, 129900);
    assert_int_equal(out.items[2].price, 699900);
    assert_true(out.items[3].premium);
    assert_int_equal(out.items[3].price, -1);
    reg_suggest_release(&out);
    xcp_msg_free(&a.msg);
    for (size_t i = 0; i < sizeof(bad_suggest) / sizeof(bad_suggest[0]); i++) {
        parse_answer(&a, NULL, 1, 200, "Command completed successfully",
                     bad_suggest[i]);
        assert_int_equal(srs_map_suggest(&a.r, &out, &err), RM_EPROTO);
        assert_int_equal(out.n, 0);
        xcp_msg_free(&a.msg);
    }
}

/* --- through the driver, against a scripted server --------------------- */

#define SCRIPT_MAX 8

/* One thread per connection; every request gets the next scripted
 * answer; its body is kept. */
static struct {
    int fd, port;
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_t conns[32];
    int n_conns;
    char *answers[SCRIPT_MAX];
    int n_answers, next;
    char *requests[SCRIPT_MAX];
    int n_requests;
} srv;

static void send_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w <= 0)
            return;
        p += w;
        n -= (size_t)w;
    }
}

static bool read_request(int fd, struct buf *body)
{
    char head[8192];
    size_t n = 0;
    char *end = NULL;
    while (!end) {
        if (n + 1 >= sizeof(head))
            return false;
        ssize_t r = recv(fd, head + n, sizeof(head) - 1 - n, 0);
        if (r <= 0)
            return false;
        n += (size_t)r;
        head[n] = '\0';
        end = strstr(head, "\r\n\r\n");
    }
    size_t hl = (size_t)(end + 4 - head);
    const char *cl = strcasestr(head, "\r\nContent-Length:");
    size_t want = cl ? strtoul(cl + 17, NULL, 10) : 0;
    buf_reset(body);
    buf_add(body, head + hl, n - hl);
    while (body->len < want) {
        char tmp[4096];
        ssize_t r = recv(fd, tmp, sizeof(tmp), 0);
        if (r <= 0)
            return false;
        buf_add(body, tmp, (size_t)r);
    }
    return true;
}

static void *conn_main(void *arg)
{
    int fd = (int)(intptr_t)arg;
    struct buf body;
    buf_init(&body);
    while (read_request(fd, &body)) {
        pthread_mutex_lock(&srv.lock);
        if (srv.n_requests < SCRIPT_MAX)
            srv.requests[srv.n_requests++] = strdup(body.data);
        const char *ans =
            srv.next < srv.n_answers ? srv.answers[srv.next++] : NULL;
        pthread_mutex_unlock(&srv.lock);
        if (!ans)
            break;
        char h[160];
        int hn = snprintf(h, sizeof(h),
                          "HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\n"
                          "Content-Length: %zu\r\n\r\n",
                          strlen(ans));
        send_all(fd, h, (size_t)hn);
        send_all(fd, ans, strlen(ans));
    }
    buf_release(&body);
    close(fd);
    return NULL;
}

static void *accept_main(void *arg)
{
    (void)arg;
    for (;;) {
        int c = accept(srv.fd, NULL, NULL);
        if (c < 0)
            return NULL;
        pthread_mutex_lock(&srv.lock);
        if (srv.n_conns < 32 &&
            pthread_create(&srv.conns[srv.n_conns], NULL, conn_main,
                           (void *)(intptr_t)c) == 0)
            srv.n_conns++;
        else
            close(c);
        pthread_mutex_unlock(&srv.lock);
    }
}

/* server_start - answers (taken: freed by server_stop), NULL-terminated. */
static struct registrar *server_start(char **answers)
{
    memset(&srv, 0, sizeof(srv));
    pthread_mutex_init(&srv.lock, NULL);
    for (; answers[srv.n_answers]; srv.n_answers++)
        srv.answers[srv.n_answers] = answers[srv.n_answers];
    srv.fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t al = sizeof(a);
    assert_true(srv.fd >= 0);
    assert_int_equal(bind(srv.fd, (struct sockaddr *)&a, sizeof(a)), 0);
    assert_int_equal(listen(srv.fd, 16), 0);
    assert_int_equal(getsockname(srv.fd, (struct sockaddr *)&a, &al), 0);
    srv.port = ntohs(a.sin_port);
    assert_int_equal(pthread_create(&srv.thread, NULL, accept_main, NULL), 0);
    char url[64];
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/", srv.port);
    struct srs_transport_config cfg = {.url = url,
                                       .user = "reseller1",
                                       .key = "0123456789abcdef",
                                       .timeout_ms = 10000,
                                       .max_handles = 2};
    struct registrar *r = srs_registrar_new(&cfg, NULL);
    assert_non_null(r);
    return r;
}

/* server_stop - after reg_free (its connections closed). */
static void server_stop(void)
{
    shutdown(srv.fd, SHUT_RDWR);
    close(srv.fd);
    pthread_join(srv.thread, NULL);
    for (int i = 0; i < srv.n_conns; i++)
        pthread_join(srv.conns[i], NULL);
    for (int i = 0; i < srv.n_answers; i++)
        free(srv.answers[i]);
    for (int i = 0; i < srv.n_requests; i++)
        free(srv.requests[i]);
    pthread_mutex_destroy(&srv.lock);
}

/* page_answer - a GET_TRANSFERS_AWAY page of rows first..first+n-1. */
static char *page_answer(int page, int total, int first, int n)
{
    struct buf b;
    buf_init(&b);
    buf_addf(&b,
             ITEM("page", "%d") ITEM("page_size", "40")
                 ITEM("total", "%d") "<item key=\"transfers\"><dt_array>",
             page, total);
    for (int i = 0; i < n; i++)
        buf_addf(&b,
                 "<item key=\"%d\"><dt_assoc>" ITEM("domain", "away%d.com")
                     ITEM("status", "completed") "</dt_assoc></item>",
                 i, first + i);
    buf_adds(&b, "</dt_array></item>");
    char *doc = reply_doc("DOMAIN", 1, 200, "Command successful", b.data);
    buf_release(&b);
    return doc;
}

static void transfers_away_reads_every_page(void **s)
{
    (void)s;
    char *answers[] = {page_answer(1, 85, 0, 40), page_answer(2, 85, 40, 40),
                       page_answer(3, 85, 80, 5), NULL};
    struct registrar *r = server_start(answers);
    struct reg_transfers_away out;
    struct rm_err err;
    assert_int_equal(reg_transfers_away(r, NULL, &out, &err), 0);
    assert_int_equal(out.n, 85);
    assert_string_equal(out.items[0].domain, "away0.com");
    assert_string_equal(out.items[84].domain, "away84.com");
    assert_int_equal(srv.n_requests, 3);
    for (int i = 0; i < 3; i++) {
        char want[64];
        snprintf(want, sizeof(want), ITEM("page", "%d"), i + 1);
        assert_non_null(strstr(srv.requests[i], want));
        assert_non_null(strstr(srv.requests[i], ITEM("limit", "40")));
    }
    reg_transfers_away_release(&out);
    reg_free(r);
    server_stop();
}

static void transfers_away_stops_on_a_short_or_failed_page(void **s)
{
    (void)s;
    /* total promises more, the next page is empty: a protocol error, and
     * nothing half-read is returned */
    char *answers[] = {page_answer(1, 50, 0, 40), page_answer(2, 50, 40, 0),
                       NULL};
    struct registrar *r = server_start(answers);
    struct reg_transfers_away out;
    struct rm_err err;
    assert_int_equal(reg_transfers_away(r, NULL, &out, &err), RM_EPROTO);
    assert_int_equal(out.n, 0);
    assert_null(out.items);
    assert_int_equal(srv.n_requests, 2);
    reg_free(r);
    server_stop();

    /* one page, no total: that page is all */
    char *one[] = {reply_doc("DOMAIN", 1, 200, "Command successful", one_away),
                   NULL};
    r = server_start(one);
    struct reg_away_query q = {.domain = "a.com"};
    assert_int_equal(reg_transfers_away(r, &q, &out, &err), 0);
    assert_int_equal(out.n, 1);
    assert_int_equal(out.items[0].state, REG_XFER_UNKNOWN);
    assert_int_equal(srv.n_requests, 1);
    assert_non_null(strstr(srv.requests[0], ITEM("domain", "a.com")));
    reg_transfers_away_release(&out);
    reg_free(r);
    server_stop();

    /* the second page refused */
    char *refused[] = {page_answer(1, 41, 0, 40),
                       reply_doc("DOMAIN", 0, 400, "Internal error", NULL),
                       NULL};
    r = server_start(refused);
    assert_int_equal(reg_transfers_away(r, NULL, &out, &err), RM_EPROTO);
    assert_int_equal(out.n, 0);
    assert_int_equal(out.reply.code, 400);
    reg_free(r);
    server_stop();
}

static void driver_sends_each_write_and_classifies_it(void **s)
{
    (void)s;
    char *answers[] = {
        reply_doc("DOMAIN", 1, 200, "Command completed successfully",
                  DETAILS("example.com", "0", "465", "Invalid phone")),
        reply_doc("DOMAIN", 0, 300,
                  "WHOIS_Privacy service cannot be applied to your account.",
                  NULL),
        reply_doc("domain", 1, 200, "Message sent", NULL),
        reply_doc("NAMESERVER", 0, 212, "Nameserver not found", NULL), NULL};
    struct registrar *r = server_start(answers);
    struct reg_op_result out;
    struct rm_err err;
    struct reg_contact_update u = {.domain = "example.com", .admin = &owner};
    assert_int_equal(reg_set_contacts(r, &u, &out, &err), 0);
    assert_int_equal(out.state, REG_OP_FAILED);
    assert_non_null(strstr(out.reason, "Invalid phone"));
    assert_non_null(strstr(srv.requests[0], "UPDATE_CONTACTS"));
    struct reg_privacy_result pr;
    assert_int_equal(reg_set_privacy(r, "example.com", true, &pr, &err), 0);
    assert_int_equal(pr.op.state, REG_OP_FAILED);
    assert_true(pr.not_offered);
    assert_int_equal(reg_send_auth_code(r, "example.com", &out, &err), 0);
    assert_int_equal(out.state, REG_OP_DONE);
    assert_non_null(
        strstr(srv.requests[2], ITEM("domain_name", "example.com")));
    struct reg_ns_check nc;
    assert_int_equal(reg_ns_check(r, "ns1.example.net", "net", &nc, &err), 0);
    assert_false(nc.exists);
    reg_free(r);
    server_stop();
}

static void driver_refuses_invalid_input_unsent(void **s)
{
    (void)s;
    struct srs_transport_config cfg = {
        .url = "http://127.0.0.1:1/", .user = "u", .key = "k"};
    struct registrar *r = srs_registrar_new(&cfg, NULL);
    assert_non_null(r);
    struct reg_op_result out;
    struct rm_err err;
    static const char *const one[] = {"ns1.example.net"};
    assert_int_equal(reg_set_nameservers(r, "example.com", one, 1, &out, &err),
                     RM_EINVAL);
    assert_int_equal(out.state, REG_OP_NOT_SENT);
    struct reg_privacy_result pr;
    assert_int_equal(reg_set_privacy(r, "", true, &pr, &err), RM_EINVAL);
    assert_int_equal(pr.op.state, REG_OP_NOT_SENT);
    assert_false(pr.not_offered);
    struct reg_hosts h;
    assert_int_equal(reg_hosts(r, "bad domain", &h, &err), RM_EINVAL);
    assert_int_equal(h.reply.delivery, REG_NOT_SENT);
    /* valid, to a closed port: not sent */
    assert_int_equal(reg_set_lock(r, "example.com", true, &out, &err), 0);
    assert_int_equal(out.state, REG_OP_NOT_SENT);
    struct reg_auth_code ac;
    assert_int_equal(reg_auth_code(r, "example.com", &ac, &err), RM_EIO);
    assert_int_equal(ac.reply.delivery, REG_NOT_SENT);
    reg_free(r);
}

/* A driver without the calls after the sale (as every driver written
 * before them): each wrapper says so and sends nothing. */
static int bare_lookup(void *impl, const char *domain, struct reg_lookup *out,
                       struct rm_err *err)
{
    (void)impl;
    (void)domain;
    (void)out;
    (void)err;
    return 0;
}

static void wrappers_report_calls_a_driver_lacks(void **s)
{
    (void)s;
    static const struct registrar_ops bare = {.name = "bare",
                                              .lookup = bare_lookup};
    struct registrar r = {.ops = &bare};
    struct reg_op_result out;
    struct rm_err err;
    static const char *const ns[] = {"a.example.net", "b.example.net"};
    struct reg_host h = {.domain = "example.com", .name = "ns1.example.com"};
    struct reg_contact_update u = {.domain = "example.com"};
    int rcs[] = {
        reg_set_nameservers(&r, "example.com", ns, 2, &out, &err),
        reg_ns_registry_add(&r, "ns1.example.net", "net", false, &out, &err),
        reg_host_create(&r, &h, &out, &err),
        reg_host_modify(&r, &h, &out, &err),
        reg_host_delete(&r, "example.com", "ns1.example.com", &out, &err),
        reg_set_contacts(&r, &u, &out, &err),
        reg_set_lock(&r, "example.com", true, &out, &err),
        reg_send_auth_code(&r, "example.com", &out, &err),
        reg_set_auth_code(&r, "example.com", "x", &out, &err),
    };
    for (size_t i = 0; i < sizeof(rcs) / sizeof(rcs[0]); i++)
        assert_int_equal(rcs[i], RM_EINVAL);
    assert_int_equal(out.state, REG_OP_NOT_SENT);
    assert_non_null(
        strstr(err.msg, "not supported by this registrar's driver"));
    struct reg_privacy_result pr;
    assert_int_equal(reg_set_privacy(&r, "example.com", true, &pr, &err),
                     RM_EINVAL);
    assert_int_equal(pr.op.state, REG_OP_NOT_SENT);
    struct reg_ns_check nc;
    struct reg_hosts hs;
    struct reg_contacts cs;
    struct reg_auth_code ac;
    struct reg_privacy pv;
    struct reg_transfers_away ta;
    struct reg_suggest sg;
    struct reg_suggest_req q = {.search = "x"};
    assert_int_equal(reg_ns_check(&r, "a.example.net", "net", &nc, &err),
                     RM_EINVAL);
    assert_int_equal(nc.reply.delivery, REG_NOT_SENT);
    assert_int_equal(reg_hosts(&r, "example.com", &hs, &err), RM_EINVAL);
    assert_int_equal(reg_contacts(&r, "example.com", &cs, &err), RM_EINVAL);
    assert_int_equal(reg_auth_code(&r, "example.com", &ac, &err), RM_EINVAL);
    assert_int_equal(reg_privacy(&r, "example.com", &pv, &err), RM_EINVAL);
    assert_int_equal(pv.state, REG_PRIVACY_UNKNOWN);
    assert_int_equal(reg_transfers_away(&r, NULL, &ta, &err), RM_EINVAL);
    assert_int_equal(ta.reply.delivery, REG_NOT_SENT);
    assert_int_equal(reg_suggest_ex(&r, &q, &sg, &err), RM_EINVAL);
    assert_non_null(strstr(err.msg, "bare: suggest_ex"));
}

int main(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(requests_are_built_byte_for_byte),
        cmocka_unit_test(invalid_input_is_refused_before_sending),
        cmocka_unit_test(writes_are_classified_conservatively),
        cmocka_unit_test(update_contacts_reads_the_domain_entry),
        cmocka_unit_test(privacy_not_offered_is_its_own_refusal),
        cmocka_unit_test(registry_check_212_is_absent_not_an_error),
        cmocka_unit_test(get_nameserver_lists_child_hosts),
        cmocka_unit_test(contacts_are_read_from_contact_set),
        cmocka_unit_test(auth_code_and_privacy_state_are_read),
        cmocka_unit_test(nexus_is_read_and_checked),
        cmocka_unit_test(transfers_away_page_maps_each_row),
        cmocka_unit_test(name_suggest_reads_premium_names_with_price),
        cmocka_unit_test(transfers_away_reads_every_page),
        cmocka_unit_test(transfers_away_stops_on_a_short_or_failed_page),
        cmocka_unit_test(driver_sends_each_write_and_classifies_it),
        cmocka_unit_test(driver_refuses_invalid_input_unsent),
        cmocka_unit_test(wrappers_report_calls_a_driver_lacks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
