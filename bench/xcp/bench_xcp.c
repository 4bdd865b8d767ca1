/*
 * bench_xcp - throughput of the XCP codec on the registration round trip.
 *
 * One "pair" is the client-side work of one SW_REGISTER exchange, minus
 * the network:
 *   1. build the request tree from the order's data (4 contacts of 15
 *      fields, 2 nameservers, period, credentials, flags);
 *   2. emit the canonical document (about 2.7 KB) into a reused buffer;
 *   3. compute the X-Signature over it;
 *   4. parse a typical SW_REGISTER response (shared/opensrs-xcp.md §3.5)
 *      with a reused parser, validate it (xcp_response_read) and read the
 *      order id and the other attributes a mapper looks at.
 * The request tree is freed after signing and the response tree after
 * reading, as a client does; nothing else is allocated per pair.
 *
 * Usage: bench_xcp [--seconds S | --iterations N] [--dump-request]
 *                  [--dump-response]
 * Prints one line: pairs, seconds, pairs/s, request and response sizes.
 * bench/xcp/run compares it with Net::OpenSRS doing the same work.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/buf.h"
#include "util/err.h"
#include "xcp/xcp.h"

static const char key[] = "0f3c9d2b7a6e41d58c0b9e7f2a1d4c6b8e0f3a5c7d9b1e2f"
                          "4a6c8e0b2d4f6a8c0e2b4d6f8a0c2e4b6d8f0a2c4e6b8d";

/* The order being registered: what a client holds before it encodes. */
struct contact {
    const char *f[15];
};

static const char *const contact_keys[15] = {
    "first_name", "last_name", "org_name", "address1",    "address2",
    "address3",   "city",      "state",    "postal_code", "country",
    "phone",      "fax",       "email",    "url",         "lang_pref",
};

static const struct contact contacts[4] = {
    {{"Ada", "Lovelace", "Analytical Engines Ltd", "12 Marylebone Road",
      "Suite 4", "", "Toronto", "ON", "M5V 2T6", "CA", "+1.4165550123",
      "+1.4165550124", "ada@example.net", "http://www.example.net", "EN"}},
    {{"Charles", "Babbage", "Analytical Engines Ltd", "12 Marylebone Road",
      "Suite 4", "", "Toronto", "ON", "M5V 2T6", "CA", "+1.4165550125", "",
      "charles@example.net", "http://www.example.net", "EN"}},
    {{"Mary", "Somerville", "Analytical Engines Ltd", "12 Marylebone Road",
      "Accounts", "", "Toronto", "ON", "M5V 2T6", "CA", "+1.4165550126",
      "+1.4165550127", "billing@example.net", "", "EN"}},
    {{"Grace", "Hopper", "Compiler Works Inc", "1 Harbour Square", "",
      "Floor 9", "Toronto", "ON", "M5J 2N8", "CA", "+1.4165550128", "",
      "noc@example.net", "http://noc.example.net", "EN"}},
};

static const char *const contact_roles[4] = {"owner", "admin", "billing",
                                             "tech"};

static const char response_doc[] =
    "<?xml version='1.0' encoding='UTF-8' standalone='no' ?>\n"
    "<!DOCTYPE OPS_envelope SYSTEM 'ops.dtd'>\n"
    "<OPS_envelope>\n"
    " <header>\n"
    "  <version>0.9</version>\n"
    " </header>\n"
    " <body>\n"
    "  <data_block>\n"
    "   <dt_assoc>\n"
    "    <item key=\"protocol\">XCP</item>\n"
    "    <item key=\"action\">REPLY</item>\n"
    "    <item key=\"object\">DOMAIN</item>\n"
    "    <item key=\"is_success\">1</item>\n"
    "    <item key=\"response_code\">200</item>\n"
    "    <item key=\"response_text\">Registration successful</item>\n"
    "    <item key=\"attributes\">\n"
    "     <dt_assoc>\n"
    "      <item key=\"id\">1000123</item>\n"
    "      <item key=\"admin_email\">admin@example.net</item>\n"
    "      <item key=\"registration_code\">200</item>\n"
    "      <item key=\"registration_text\">Registration successful</item>\n"
    "      <item key=\"cancelled_orders\">\n"
    "       <dt_array>\n"
    "        <item key=\"0\">1000100</item>\n"
    "       </dt_array>\n"
    "      </item>\n"
    "      <item key=\"error\"/>\n"
    "     </dt_assoc>\n"
    "    </item>\n"
    "   </dt_assoc>\n"
    "  </data_block>\n"
    " </body>\n"
    "</OPS_envelope>\n";

static struct xcp_value *build_request(const char *domain)
{
    struct xcp_value *a = xcp_assoc_new();
    xcp_assoc_set_str(a, "domain", domain);
    xcp_assoc_set_str(a, "reg_type", "new");
    xcp_assoc_set_int(a, "period", 2);
    xcp_assoc_set_str(a, "reg_username", "analytical");
    xcp_assoc_set_str(a, "reg_password", "Kq7-vT2p-Wm9x");
    xcp_assoc_set_str(a, "handle", "process");
    xcp_assoc_set_int(a, "auto_renew", 0);
    xcp_assoc_set_int(a, "f_lock_domain", 1);
    xcp_assoc_set_int(a, "f_whois_privacy", 0);
    xcp_assoc_set_int(a, "custom_tech_contact", 1);
    xcp_assoc_set_int(a, "custom_nameservers", 1);
    struct xcp_value *cs = xcp_assoc_set(a, "contact_set", xcp_assoc_new());
    for (size_t r = 0; r < 4; r++) {
        struct xcp_value *c =
            xcp_assoc_set(cs, contact_roles[r], xcp_assoc_new());
        for (size_t i = 0; i < 15; i++)
            xcp_assoc_set_str(c, contact_keys[i], contacts[r].f[i]);
    }
    struct xcp_value *ns = xcp_assoc_set(a, "nameserver_list", xcp_array_new());
    static const char *const names[2] = {"ns1.example.net", "ns2.example.net"};
    for (int i = 0; i < 2; i++) {
        struct xcp_value *n = xcp_array_push(ns, xcp_assoc_new());
        xcp_assoc_set_str(n, "name", names[i]);
        xcp_assoc_set_int(n, "sortorder", i + 1);
    }
    struct xcp_value *req = xcp_request_new("SW_REGISTER", "DOMAIN", a);
    xcp_assoc_set_str(req, "registrant_ip", "192.0.2.10");
    return req;
}

/* The reads a response mapper makes for SW_REGISTER; returns the id. */
static int64_t read_response(struct xcp_parser *p, const char *doc, size_t len)
{
    struct xcp_msg msg;
    struct xcp_response r;
    struct rm_err err = {0};
    int64_t id = 0;
    if (xcp_parser_parse(p, doc, len, &msg, &err) ||
        xcp_response_read(msg.data, &r, &err) ||
        xcp_path_int(r.attrs, "id", &id, &err)) {
        fprintf(stderr, "bench_xcp: %s\n", err.msg);
        exit(1);
    }
    if (!r.is_success || r.code != 200 ||
        !xcp_path_str(r.attrs, "admin_email") ||
        !xcp_path_str(r.attrs, "registration_text") ||
        !xcp_path(r.attrs, "cancelled_orders[0]")) {
        fprintf(stderr, "bench_xcp: response read wrongly\n");
        exit(1);
    }
    xcp_msg_free(&msg);
    return id;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void usage(void)
{
    fprintf(stderr, "usage: bench_xcp [--seconds S | --iterations N] "
                    "[--dump-request] [--dump-response]\n");
    exit(2);
}

int main(int argc, char **argv)
{
    double seconds = 3.0;
    long long iterations = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--seconds") == 0 && i + 1 < argc) {
            seconds = strtod(argv[++i], NULL);
        } else if (strcmp(argv[i], "--iterations") == 0 && i + 1 < argc) {
            iterations = strtoll(argv[++i], NULL, 10);
        } else if (strcmp(argv[i], "--dump-request") == 0) {
            struct buf b;
            buf_init(&b);
            struct xcp_value *req = build_request("analytical-engines.com");
            xcp_emit(req, &b);
            fwrite(b.data, 1, b.len, stdout);
            xcp_free(req);
            buf_release(&b);
            return 0;
        } else if (strcmp(argv[i], "--dump-response") == 0) {
            fputs(response_doc, stdout);
            return 0;
        } else {
            usage();
        }
    }
    if (seconds <= 0 && iterations <= 0)
        usage();

    /* Reused across pairs, as a client connection reuses them. */
    struct xcp_parser *parser = xcp_parser_new();
    struct buf body;
    buf_init(&body);
    const size_t resp_len = sizeof(response_doc) - 1;
    char sig[33];
    size_t req_len = 0;
    int64_t idsum = 0;
    long long done = 0;
    double t0 = now(), t = t0;

    for (;;) {
        /* Check the clock every 256 pairs: a clock read per pair would be
         * a visible share of a ~10 µs pair. */
        for (int k = 0; k < 256; k++) {
            struct xcp_value *req = build_request("analytical-engines.com");
            buf_reset(&body);
            xcp_emit(req, &body);
            xcp_sign(body.data, body.len, key, sig);
            xcp_free(req);
            req_len = body.len;
            idsum += read_response(parser, response_doc, resp_len);
            if (++done == iterations)
                break;
        }
        t = now();
        if (iterations > 0 ? done >= iterations : t - t0 >= seconds)
            break;
    }
    double el = t - t0;
    if (idsum != 1000123 * (int64_t)done || strlen(sig) != 32) {
        fprintf(stderr, "bench_xcp: results inconsistent\n");
        return 1;
    }
    printf("regman xcp: %lld pairs in %.3f s = %.0f pairs/s "
           "(request %zu bytes, response %zu bytes, signature %s)\n",
           done, el, el > 0 ? (double)done / el : 0.0, req_len, resp_len, sig);
    buf_release(&body);
    xcp_parser_free(parser);
    return 0;
}
