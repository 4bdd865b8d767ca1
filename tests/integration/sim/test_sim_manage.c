/*
 * Integration tests of opensrs-sim's actions for managing a domain after
 * the sale (opensrs-manage.md): the real binary on 127.0.0.1, spoken to
 * over the wire with signed XCP requests, set up through its control API.
 * argv[1] is the path of the binary.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "util/buf.h"
#include "util/xalloc.h"
#include "xcp/xcp.h"

static const char *sim_path;

struct simproc {
    pid_t pid;
    char dir[64];
    int port;
    int control;
};

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int port_of(const char *text, const char *key)
{
    const char *p = strstr(text, key);
    if (!p)
        return -1;
    p = strchr(p, '\n');
    const char *colon = p;
    while (colon > text && *colon != ':')
        colon--;
    return atoi(colon + 1);
}

/* start - run the sim (two resellers, a state file) with extra args and
 * wait for its ready file. */
static void start(struct simproc *s, const char *const *extra)
{
    if (!s->dir[0]) {
        snprintf(s->dir, sizeof(s->dir), "/tmp/simmanage-XXXXXX");
        assert_non_null(mkdtemp(s->dir));
    }
    char ready[128], log[128], state[128];
    snprintf(ready, sizeof(ready), "%s/ready", s->dir);
    snprintf(log, sizeof(log), "%s/log", s->dir);
    snprintf(state, sizeof(state), "%s/state.json", s->dir);
    unlink(ready);
    const char *argv[40] = {
        sim_path,     "--listen",  "127.0.0.1:0", "--control", "127.0.0.1:0",
        "--reseller", "alice:k1",  "--reseller",  "bob:k2",    "--ready-file",
        ready,        "--log",     log,           "--state",   state,
        "--clock",    "1800000000"};
    int n = 17;
    for (size_t i = 0; extra && extra[i]; i++)
        argv[n++] = extra[i];
    argv[n] = NULL;
    s->pid = fork();
    assert_true(s->pid >= 0);
    if (s->pid == 0) {
        execv(sim_path, (char *const *)argv);
        _exit(127);
    }
    for (int i = 0; i < 1000; i++) {
        FILE *f = fopen(ready, "r");
        if (f) {
            char text[512] = "";
            size_t got = fread(text, 1, sizeof(text) - 1, f);
            text[got] = '\0';
            fclose(f);
            s->port = port_of(text, "listen=");
            s->control = port_of(text, "control=");
            assert_true(s->port > 0 && s->control > 0);
            return;
        }
        int st;
        if (waitpid(s->pid, &st, WNOHANG) == s->pid)
            fail_msg("opensrs-sim exited early");
        struct timespec ts = {0, 10000000};
        nanosleep(&ts, NULL);
    }
    fail_msg("no ready file");
}

/* finish - the simulator exits cleanly; its directory is removed. */
static void finish(struct simproc *s)
{
    kill(s->pid, SIGTERM);
    int st = 0;
    waitpid(s->pid, &st, 0);
    assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", s->dir);
    assert_int_equal(system(cmd), 0);
}

static int connect_to(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {0};
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t)port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0);
    return fd;
}

/* exchange - send req on a new connection to port and read the whole
 * response (headers, then Content-Length bytes). */
static void exchange(int port, const char *req, struct buf *out)
{
    int fd = connect_to(port);
    const char *p = req;
    size_t n = strlen(req);
    while (n) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        assert_true(w > 0);
        p += w;
        n -= (size_t)w;
    }
    buf_init(out);
    int64_t end = now_ms() + 5000;
    char chunk[8192];
    for (;;) {
        const char *h = out->data ? strstr(out->data, "\r\n\r\n") : NULL;
        if (h) {
            const char *cl = strstr(out->data, "Content-Length: ");
            size_t want = cl ? strtoul(cl + 16, NULL, 10) : 0;
            if (out->len - (size_t)(h + 4 - out->data) >= want)
                break;
        }
        int left = (int)(end - now_ms());
        assert_true(left > 0);
        struct pollfd pf = {fd, POLLIN, 0};
        assert_true(poll(&pf, 1, left) > 0);
        ssize_t r = recv(fd, chunk, sizeof(chunk), 0);
        assert_true(r > 0);
        buf_add(out, chunk, (size_t)r);
    }
    close(fd);
}

/* to_xcp - a JSON value as an XCP value (object → assoc, array → array,
 * string/integer → scalar). */
static struct xcp_value *to_xcp(const json_t *j)
{
    if (json_is_object(j)) {
        struct xcp_value *a = xcp_assoc_new();
        const char *k;
        json_t *v;
        json_object_foreach((json_t *)j, k, v)
        {
            xcp_assoc_set(a, k, to_xcp(v));
        }
        return a;
    }
    if (json_is_array(j)) {
        struct xcp_value *a = xcp_array_new();
        size_t i;
        json_t *v;
        json_array_foreach(j, i, v)
        {
            xcp_array_push(a, to_xcp(v));
        }
        return a;
    }
    if (json_is_integer(j)) {
        char t[32];
        snprintf(t, sizeof(t), "%lld", (long long)json_integer_value(j));
        return xcp_scalar_new(t);
    }
    return xcp_scalar_new(json_is_string(j) ? json_string_value(j) : "");
}

/* The last reply, parsed (freed by the next call and at the end). */
static struct xcp_msg last;
static bool have_last;

/* op_as - one XCP request as user (key) with attrs (JSON text) and an
 * optional top-level cookie; returns the OPS response_code and keeps the
 * reply in last. */
static int op_as(const struct simproc *s, const char *user, const char *key,
                 const char *action, const char *object, const char *cookie,
                 const char *attrs)
{
    json_error_t je;
    json_t *j = json_loads(attrs ? attrs : "{}", 0, &je);
    if (!j)
        fail_msg("bad test JSON: %s", je.text);
    struct xcp_value *req = xcp_request_new(action, object, to_xcp(j));
    json_decref(j);
    if (cookie)
        xcp_assoc_set_str(req, "cookie", cookie);
    struct buf body;
    buf_init(&body);
    xcp_emit(req, &body);
    xcp_free(req);
    char sig[33];
    xcp_sign(body.data, body.len, key, sig);
    char *raw = xasprintf("POST / HTTP/1.0\r\nContent-Type: text/xml\r\n"
                          "X-Username: %s\r\nX-Signature: %s\r\n"
                          "Content-Length: %zu\r\n\r\n%s",
                          user, sig, body.len, body.data);
    buf_release(&body);
    struct buf resp;
    exchange(s->port, raw, &resp);
    free(raw);
    if (have_last)
        xcp_msg_free(&last);
    const char *b = strstr(resp.data, "\r\n\r\n");
    assert_non_null(b);
    b += 4;
    assert_int_equal(
        xcp_parse(b, resp.len - (size_t)(b - resp.data), &last, NULL), 0);
    have_last = true;
    buf_release(&resp);
    int64_t code = -1;
    xcp_path_int(last.data, "response_code", &code, NULL);
    return (int)code;
}

static int op(const struct simproc *s, const char *action, const char *object,
              const char *attrs)
{
    return op_as(s, "alice", "k1", action, object, NULL, attrs);
}

/* at - scalar text at path of the last reply ("" when absent). */
static const char *at(const char *path)
{
    const char *v = xcp_path_str(last.data, path);
    return v ? v : "";
}

/* attr_of - attributes.<k1>[.<k2>] of the last reply where keys may hold
 * dots (domain names). */
static const struct xcp_value *attr_of(const char *k1, const char *k2)
{
    const struct xcp_value *v =
        xcp_assoc_get(xcp_assoc_get(last.data, "attributes"), k1);
    return k2 ? xcp_assoc_get(v, k2) : v;
}

/* control - one control API call; returns the HTTP status, body in *out. */
static int control(const struct simproc *s, const char *method,
                   const char *path, const char *json, json_t **out)
{
    char *req =
        xasprintf("%s %s HTTP/1.0\r\nContent-Length: %zu\r\n\r\n%s", method,
                  path, json ? strlen(json) : 0, json ? json : "");
    struct buf resp;
    exchange(s->control, req, &resp);
    free(req);
    int status = atoi(resp.data + 9);
    if (out)
        *out = json_loads(strstr(resp.data, "\r\n\r\n") + 4, 0, NULL);
    buf_release(&resp);
    return status;
}

/* contact - a whole contact record (JSON text) whose first name and
 * e-mail are made from first; the caller frees it. */
static char *contact(const char *first)
{
    return xasprintf("{\"first_name\":\"%s\",\"last_name\":\"Doe\","
                     "\"address1\":\"1 Main St\",\"city\":\"Toronto\","
                     "\"country\":\"CA\",\"postal_code\":\"M5V1A1\","
                     "\"phone\":\"+1.4165550123\","
                     "\"email\":\"%s@example.com\"}",
                     first, first);
}

/* add_domain - one of alice's domains (owner "alice") through the control
 * API, with a contact set, two name servers and an auth code. */
static void add_domain(const struct simproc *s, const char *name)
{
    char *o = contact("own"), *a = contact("adm"), *b = contact("bil"),
         *t = contact("tec");
    char *body =
        xasprintf("{\"name\":\"%s\",\"owner\":\"alice\",\"auth_info\":"
                  "\"orig-code-1\",\"reg_username\":\"jo\",\"reg_password\":"
                  "\"pw12345678\",\"contact_set\":{\"owner\":%s,\"admin\":%s,"
                  "\"billing\":%s,\"tech\":%s},\"nameservers\":"
                  "[\"ns1.example.net\",\"ns2.example.net\"]}",
                  name, o, a, b, t);
    assert_int_equal(control(s, "POST", "/domains", body, NULL), 200);
    free(body);
    free(o);
    free(a);
    free(b);
    free(t);
}

/* events_named - how many queued events are of kind event for domain. */
static int events_named(const struct simproc *s, const char *event,
                        const char *domain)
{
    json_t *j;
    assert_int_equal(control(s, "GET", "/events", NULL, &j), 200);
    int n = 0;
    size_t i;
    json_t *e;
    json_array_foreach(json_object_get(j, "events"), i, e)
    {
        json_t *od = json_object_get(e, "object_data");
        if (strcmp(json_string_value(json_object_get(e, "event")), event) ==
                0 &&
            strcmp(json_string_value(json_object_get(od, "domain_name")),
                   domain) == 0)
            n++;
    }
    json_decref(j);
    return n;
}

/* --- MODIFY / GET DOMAIN ------------------------------------------------- */

static void lock_state_round_trip(void **state)
{
    (void)state;
    struct simproc s = {0};
    start(&s, NULL);
    add_domain(&s, "locky.com");
    const char *get = "{\"domain\":\"locky.com\",\"type\":\"status\"}";
    assert_int_equal(op(&s, "GET", "DOMAIN", get), 200);
    assert_string_equal(at("attributes.lock_state"), "0");
    assert_int_equal(op(&s, "MODIFY", "DOMAIN",
                        "{\"domain\":\"locky.com\",\"affect_domains\":\"0\","
                        "\"data\":\"status\",\"lock_state\":\"1\"}"),
                     200);
    assert_int_equal(op(&s, "GET", "DOMAIN", get), 200);
    assert_string_equal(at("attributes.lock_state"), "1");
    assert_string_equal(at("attributes.transfer_away_in_progress"), "0");
    /* the WHMCS placement: domain_name only */
    assert_int_equal(op(&s, "MODIFY", "DOMAIN",
                        "{\"domain_name\":\"locky.com\",\"data\":\"status\","
                        "\"lock_state\":\"0\"}"),
                     200);
    assert_int_equal(op(&s, "GET", "DOMAIN", get), 200);
    assert_string_equal(at("attributes.lock_state"), "0");
    /* only 0 and 1 */
    assert_int_equal(op(&s, "MODIFY", "DOMAIN",
                        "{\"domain\":\"locky.com\",\"data\":\"status\","
                        "\"lock_state\":\"locked\"}"),
                     465);
    /* no data: 460 */
    assert_int_equal(op(&s, "MODIFY", "DOMAIN", "{\"domain\":\"locky.com\"}"),
                     460);
    finish(&s);
}

static void whois_privacy_per_tld(void **state)
{
    (void)state;
    struct simproc s = {0};
    start(&s, NULL);
    add_domain(&s, "private.com");
    add_domain(&s, "public.ca");
    assert_int_equal(op(&s, "GET", "DOMAIN",
                        "{\"domain\":\"private.com\","
                        "\"type\":\"whois_privacy_state\"}"),
                     200);
    assert_string_equal(at("attributes.state"), "disabled");
    assert_int_equal(op(&s, "MODIFY", "DOMAIN",
                        "{\"domain\":\"private.com\",\"affect_domains\":\"0\","
                        "\"data\":\"whois_privacy_state\",\"state\":"
                        "\"enable\"}"),
                     200);
    assert_string_equal(at("response_text"),
                        "Whois Privacy successfully enabled");
    assert_int_equal(op(&s, "GET", "DOMAIN",
                        "{\"domain\":\"private.com\","
                        "\"type\":\"whois_privacy_state\"}"),
                     200);
    assert_string_equal(at("attributes.state"), "enabled");
    assert_int_equal(op(&s, "MODIFY", "DOMAIN",
                        "{\"domain\":\"private.com\",\"data\":"
                        "\"whois_privacy_state\",\"state\":\"disable\"}"),
                     200);
    assert_string_equal(at("response_text"),
                        "Whois Privacy successfully disabled");
    assert_int_equal(op(&s, "GET", "DOMAIN",
                        "{\"domain\":\"private.com\","
                        "\"type\":\"whois_privacy_state\"}"),
                     200);
    assert_string_equal(at("attributes.state"), "disabled");
    assert_int_equal(op(&s, "MODIFY", "DOMAIN",
                        "{\"domain\":\"private.com\",\"data\":"
                        "\"whois_privacy_state\",\"state\":\"maybe\"}"),
                     465);
    /* .ca offers no privacy by default: 300, and the state stays off */
    assert_int_equal(op(&s, "MODIFY", "DOMAIN",
                        "{\"domain\":\"public.ca\",\"data\":"
                        "\"whois_privacy_state\",\"state\":\"enable\"}"),
                     300);
    assert_string_equal(at("is_success"), "0");
    assert_non_null(strstr(at("response_text"), "WHOIS_Privacy service"));
    assert_int_equal(op(&s, "GET", "DOMAIN",
                        "{\"domain\":\"public.ca\","
                        "\"type\":\"whois_privacy_state\"}"),
                     200);
    assert_string_equal(at("attributes.state"), "disabled");
    finish(&s);

    /* the set of TLDs without privacy is configuration */
    struct simproc t = {0};
    const char *extra[] = {"--no-privacy-tlds", "com", NULL};
    start(&t, extra);
    add_domain(&t, "private.com");
    add_domain(&t, "public.ca");
    assert_int_equal(op(&t, "MODIFY", "DOMAIN",
                        "{\"domain\":\"private.com\",\"data\":"
                        "\"whois_privacy_state\",\"state\":\"enable\"}"),
                     300);
    assert_int_equal(op(&t, "MODIFY", "DOMAIN",
                        "{\"domain\":\"public.ca\",\"data\":"
                        "\"whois_privacy_state\",\"state\":\"enable\"}"),
                     200);
    finish(&t);
}

static void parkpage_auth_info_and_contacts(void **state)
{
    (void)state;
    struct simproc s = {0};
    start(&s, NULL);
    add_domain(&s, "parked.net");
    assert_int_equal(op(&s, "MODIFY", "DOMAIN",
                        "{\"domain\":\"parked.net\",\"data\":"
                        "\"parkpage_state\",\"state\":\"on\"}"),
                     200);
    assert_int_equal(op(&s, "GET", "DOMAIN",
                        "{\"domain\":\"parked.net\",\"type\":\"status\"}"),
                     200);
    assert_string_equal(at("attributes.parkp_status"), "on");
    assert_int_equal(op(&s, "MODIFY", "DOMAIN",
                        "{\"domain\":\"parked.net\",\"data\":"
                        "\"parkpage_state\",\"state\":\"off\"}"),
                     200);
    assert_int_equal(op(&s, "GET", "DOMAIN",
                        "{\"domain\":\"parked.net\",\"type\":\"status\"}"),
                     200);
    assert_string_equal(at("attributes.parkp_status"), "off");
    assert_int_equal(op(&s, "MODIFY", "DOMAIN",
                        "{\"domain\":\"parked.net\",\"data\":"
                        "\"parkpage_state\",\"state\":\"sideways\"}"),
                     465);

    /* auth code: read, set, read again */
    const char *get_code =
        "{\"domain\":\"parked.net\",\"type\":\"domain_auth_info\"}";
    assert_int_equal(op(&s, "GET", "DOMAIN", get_code), 200);
    assert_string_equal(at("attributes.domain_auth_info"), "orig-code-1");
    assert_int_equal(op(&s, "MODIFY", "DOMAIN",
                        "{\"domain\":\"parked.net\",\"affect_domains\":\"0\","
                        "\"data\":\"domain_auth_info\",\"domain_auth_info\":"
                        "\"N3w-C0de!x\"}"),
                     200);
    assert_int_equal(op(&s, "GET", "DOMAIN", get_code), 200);
    assert_string_equal(at("attributes.domain_auth_info"), "N3w-C0de!x");
    assert_int_equal(op(&s, "MODIFY", "DOMAIN",
                        "{\"domain\":\"parked.net\",\"data\":"
                        "\"domain_auth_info\",\"domain_auth_info\":\"a b\"}"),
                     465);
    assert_int_equal(op(&s, "MODIFY", "DOMAIN",
                        "{\"domain\":\"parked.net\",\"data\":"
                        "\"domain_auth_info\"}"),
                     460);

    /* contact_info changes only the types sent */
    char *c = contact("newadm");
    char *req = xasprintf("{\"domain\":\"parked.net\",\"data\":"
                          "\"contact_info\",\"contact_set\":{\"admin\":%s}}",
                          c);
    assert_int_equal(op(&s, "MODIFY", "DOMAIN", req), 200);
    free(req);
    free(c);
    assert_int_equal(op(&s, "GET", "DOMAIN",
                        "{\"domain\":\"parked.net\",\"type\":\"admin\"}"),
                     200);
    assert_string_equal(at("attributes.contact_set.admin.first_name"),
                        "newadm");
    assert_int_equal(op(&s, "GET", "DOMAIN",
                        "{\"domain\":\"parked.net\",\"type\":\"owner\"}"),
                     200);
    assert_string_equal(at("attributes.contact_set.owner.first_name"), "own");
    /* an unknown type refuses the whole change */
    c = contact("bad");
    req = xasprintf("{\"domain\":\"parked.net\",\"data\":"
                    "\"contact_info\",\"contact_set\":{\"admin\":%s,"
                    "\"boss\":%s}}",
                    c, c);
    assert_int_equal(op(&s, "MODIFY", "DOMAIN", req), 465);
    free(req);
    free(c);
    assert_int_equal(op(&s, "GET", "DOMAIN",
                        "{\"domain\":\"parked.net\",\"type\":\"admin\"}"),
                     200);
    assert_string_equal(at("attributes.contact_set.admin.first_name"),
                        "newadm");
    /* affect_domains=1: the profile's other domains, each in details */
    add_domain(&s, "sibling.net");
    c = contact("shared");
    req = xasprintf("{\"domain\":\"parked.net\",\"affect_domains\":\"1\","
                    "\"data\":\"contact_info\",\"contact_set\":"
                    "{\"billing\":%s}}",
                    c);
    assert_int_equal(op(&s, "MODIFY", "DOMAIN", req), 200);
    free(req);
    free(c);
    assert_string_equal(
        xcp_path_str(attr_of("details", "sibling.net"), "response_code"),
        "200");
    assert_string_equal(
        xcp_path_str(attr_of("details", "parked.net"), "is_success"), "1");
    assert_int_equal(op(&s, "GET", "DOMAIN",
                        "{\"domain\":\"sibling.net\",\"type\":\"billing\"}"),
                     200);
    assert_string_equal(at("attributes.contact_set.billing.first_name"),
                        "shared");
    assert_int_equal(op(&s, "GET", "DOMAIN",
                        "{\"domain\":\"parked.net\",\"type\":\"nameservers\"}"),
                     200);
    assert_string_equal(at("attributes.nameserver_list[0].name"),
                        "ns1.example.net");
    assert_string_equal(at("attributes.nameserver_list[1].sortorder"), "2");
    finish(&s);
}

/* --- child hosts and the registry's host table ------------------------ */

static void child_hosts_lifecycle(void **state)
{
    (void)state;
    struct simproc s = {0};
    start(&s, NULL);
    add_domain(&s, "hosty.com");
    /* a host under one of our domains is unknown until created */
    assert_int_equal(op(&s, "REGISTRY_CHECK_NAMESERVER", "NAMESERVER",
                        "{\"fqdn\":\"ns1.hosty.com\",\"tld\":\".com\"}"),
                     212);
    assert_string_equal(at("is_success"), "0");
    assert_string_equal(at("attributes.is_success"), "0");
    assert_int_equal(
        op(&s, "ADVANCED_UPDATE_NAMESERVERS", "DOMAIN",
           "{\"domain\":\"hosty.com\",\"op_type\":\"assign\","
           "\"assign_ns\":[\"ns1.hosty.com\",\"ns1.example.net\"]}"),
        435);
    assert_non_null(strstr(at("response_text"), "ns1.hosty.com"));
    /* CREATE: addresses required and checked, under the domain only */
    assert_int_equal(
        op(&s, "CREATE", "NAMESERVER",
           "{\"domain\":\"hosty.com\",\"name\":\"ns1.hosty.com\"}"),
        460);
    assert_int_equal(op(&s, "CREATE", "NAMESERVER",
                        "{\"domain\":\"hosty.com\",\"name\":\"ns1.hosty.com\","
                        "\"ipaddress\":\"300.1.2.3\"}"),
                     465);
    assert_int_equal(op(&s, "CREATE", "NAMESERVER",
                        "{\"domain\":\"hosty.com\",\"name\":\"ns1.elsewhere."
                        "com\",\"ipaddress\":\"192.0.2.1\"}"),
                     465);
    assert_int_equal(op(&s, "CREATE", "NAMESERVER",
                        "{\"domain\":\"hosty.com\",\"name\":\"ns1.hosty.com\","
                        "\"ipaddress\":\"192.0.2.1\",\"ipv6\":"
                        "\"2001:DB8:0::1\"}"),
                     200);
    assert_string_equal(at("response_text"), "Nameserver Created");
    assert_string_equal(at("object"), "NAMESERVER");
    assert_int_equal(op(&s, "CREATE", "NAMESERVER",
                        "{\"domain\":\"hosty.com\",\"name\":\"ns1.hosty.com\","
                        "\"ipaddress\":\"192.0.2.1\"}"),
                     405);
    assert_int_equal(op(&s, "REGISTRY_CHECK_NAMESERVER", "NAMESERVER",
                        "{\"fqdn\":\"ns1.hosty.com\",\"tld\":\"com\"}"),
                     200);
    assert_string_equal(at("attributes.is_success"), "1");
    const char *get = "{\"domain\":\"hosty.com\",\"name\":\"all\"}";
    assert_int_equal(op(&s, "GET", "NAMESERVER", get), 200);
    assert_string_equal(at("attributes.nameserver_list[0].name"),
                        "ns1.hosty.com");
    assert_string_equal(at("attributes.nameserver_list[0].ipaddress"),
                        "192.0.2.1");
    assert_string_equal(at("attributes.nameserver_list[0].ipv6"),
                        "2001:db8::1");
    assert_string_equal(at("attributes.nameserver_list[0].can_delete"), "1");
    /* once created it can be assigned: a NAMESERVER_UPDATE */
    assert_int_equal(
        op(&s, "ADVANCED_UPDATE_NAMESERVERS", "DOMAIN",
           "{\"domain\":\"hosty.com\",\"op_type\":\"assign\","
           "\"assign_ns\":[\"ns1.hosty.com\",\"ns1.example.net\"]}"),
        200);
    assert_int_equal(events_named(&s, "NAMESERVER_UPDATE", "hosty.com"), 1);
    /* the delegation shows a child host's address, none for others */
    assert_int_equal(op(&s, "GET", "DOMAIN",
                        "{\"domain\":\"hosty.com\",\"type\":\"all_info\"}"),
                     200);
    assert_string_equal(at("attributes.nameserver_list[0].name"),
                        "ns1.hosty.com");
    assert_string_equal(at("attributes.nameserver_list[0].ipaddress"),
                        "192.0.2.1");
    assert_string_equal(at("attributes.nameserver_list[1].ipaddress"), "");
    assert_int_equal(op(&s, "GET", "NAMESERVER", get), 200);
    assert_string_equal(at("attributes.nameserver_list[0].can_delete"), "0");
    /* in use: cannot be deleted */
    assert_int_equal(
        op(&s, "DELETE", "NAMESERVER",
           "{\"domain\":\"hosty.com\",\"name\":\"ns1.hosty.com\"}"),
        405);
    assert_string_equal(at("response_text"),
                        "Nameserver deletion failed at registry");
    /* MODIFY replaces the addresses and renames; delegations follow */
    assert_int_equal(op(&s, "MODIFY", "NAMESERVER",
                        "{\"domain\":\"hosty.com\",\"name\":\"ns1.hosty.com\","
                        "\"new_name\":\"dns.hosty.com\",\"ipaddress\":"
                        "\"192.0.2.9\"}"),
                     200);
    assert_string_equal(at("response_text"), "Command successful");
    assert_int_equal(op(&s, "GET", "NAMESERVER", get), 200);
    assert_string_equal(at("attributes.nameserver_list[0].name"),
                        "dns.hosty.com");
    assert_string_equal(at("attributes.nameserver_list[0].ipaddress"),
                        "192.0.2.9");
    assert_string_equal(at("attributes.nameserver_list[0].ipv6"), "");
    assert_string_equal(at("attributes.nameserver_list[1].name"), "");
    assert_int_equal(op(&s, "GET", "DOMAIN",
                        "{\"domain\":\"hosty.com\",\"type\":\"nameservers\"}"),
                     200);
    assert_string_equal(at("attributes.nameserver_list[0].name"),
                        "dns.hosty.com");
    assert_int_equal(events_named(&s, "NAMESERVER_UPDATE", "hosty.com"), 2);
    assert_int_equal(op(&s, "MODIFY", "NAMESERVER",
                        "{\"domain\":\"hosty.com\",\"name\":\"dns.hosty.com\","
                        "\"new_name\":\"ns.elsewhere.com\",\"ipaddress\":"
                        "\"192.0.2.9\"}"),
                     400);
    assert_int_equal(op(&s, "MODIFY", "NAMESERVER",
                        "{\"domain\":\"hosty.com\",\"name\":\"nope.hosty.com\","
                        "\"ipaddress\":\"192.0.2.9\"}"),
                     405);
    /* IPv6 only is an address set too */
    assert_int_equal(op(&s, "MODIFY", "NAMESERVER",
                        "{\"domain\":\"hosty.com\",\"name\":\"dns.hosty.com\","
                        "\"ipv6\":\"2001:db8::53\"}"),
                     200);
    assert_int_equal(op(&s, "GET", "NAMESERVER", get), 200);
    assert_string_equal(at("attributes.nameserver_list[0].ipaddress"), "");
    assert_string_equal(at("attributes.nameserver_list[0].ipv6"),
                        "2001:db8::53");
    /* no longer in use: it can go */
    assert_int_equal(op(&s, "ADVANCED_UPDATE_NAMESERVERS", "DOMAIN",
                        "{\"domain\":\"hosty.com\",\"op_type\":\"assign\","
                        "\"assign_ns\":[\"ns1.example.net\","
                        "\"ns2.example.net\"]}"),
                     200);
    assert_int_equal(
        op(&s, "DELETE", "NAMESERVER",
           "{\"domain\":\"hosty.com\",\"name\":\"dns.hosty.com\"}"),
        200);
    assert_string_equal(at("response_text"), "Nameserver deleted");
    assert_int_equal(op(&s, "GET", "NAMESERVER", get), 200);
    assert_string_equal(at("attributes.nameserver_list[0].name"), "");
    assert_int_equal(
        op(&s, "DELETE", "NAMESERVER",
           "{\"domain\":\"hosty.com\",\"name\":\"dns.hosty.com\"}"),
        405);
    finish(&s);
}

static void child_host_used_by_another_domain(void **state)
{
    (void)state;
    struct simproc s = {0};
    start(&s, NULL);
    add_domain(&s, "parent.net");
    add_domain(&s, "user.org");
    assert_int_equal(op(&s, "CREATE", "NAMESERVER",
                        "{\"domain\":\"parent.net\",\"name\":\"ns.parent.net\","
                        "\"ipaddress\":\"198.51.100.7\"}"),
                     200);
    assert_int_equal(op(&s, "ADVANCED_UPDATE_NAMESERVERS", "DOMAIN",
                        "{\"domain\":\"user.org\",\"op_type\":\"add_remove\","
                        "\"add_ns\":[\"ns.parent.net\"]}"),
                     200);
    assert_int_equal(
        op(&s, "DELETE", "NAMESERVER",
           "{\"domain\":\"parent.net\",\"name\":\"ns.parent.net\"}"),
        405);
    /* another reseller cannot see or touch the host */
    assert_int_equal(op_as(&s, "bob", "k2", "DELETE", "NAMESERVER", NULL,
                           "{\"domain\":\"parent.net\",\"name\":"
                           "\"ns.parent.net\"}"),
                     480);
    finish(&s);
}

static void registry_add_ns_and_unknown_hosts(void **state)
{
    (void)state;
    struct simproc s = {0};
    start(&s, NULL);
    add_domain(&s, "reg.com");
    /* external hosts are known by default; the control API can unmark */
    assert_int_equal(op(&s, "REGISTRY_CHECK_NAMESERVER", "NAMESERVER",
                        "{\"fqdn\":\"ns9.example.net\",\"tld\":\".net\"}"),
                     200);
    assert_int_equal(control(&s, "POST", "/hosts",
                             "{\"name\":\"ns9.example.net\",\"known\":false}",
                             NULL),
                     200);
    assert_int_equal(control(&s, "POST", "/hosts", "{\"name\":\"x\"}", NULL),
                     400);
    assert_int_equal(op(&s, "REGISTRY_CHECK_NAMESERVER", "NAMESERVER",
                        "{\"fqdn\":\"ns9.example.net\",\"tld\":\".net\"}"),
                     212);
    assert_int_equal(op(&s, "ADVANCED_UPDATE_NAMESERVERS", "DOMAIN",
                        "{\"domain\":\"reg.com\",\"op_type\":\"assign\","
                        "\"assign_ns\":[\"ns9.example.net\"]}"),
                     435);
    assert_int_equal(op(&s, "REGISTRY_ADD_NS", "NAMESERVER",
                        "{\"fqdn\":\"ns9.example.net\",\"tld\":\".net\"}"),
                     460);
    assert_int_equal(op(&s, "REGISTRY_ADD_NS", "NAMESERVER",
                        "{\"fqdn\":\"ns9.example.net\",\"tld\":\".net\","
                        "\"all\":\"0\"}"),
                     200);
    assert_string_equal(at("attributes.registry_name"), "NSI");
    assert_int_equal(op(&s, "REGISTRY_CHECK_NAMESERVER", "NAMESERVER",
                        "{\"fqdn\":\"ns9.example.net\"}"),
                     200);
    assert_int_equal(op(&s, "ADVANCED_UPDATE_NAMESERVERS", "DOMAIN",
                        "{\"domain\":\"reg.com\",\"op_type\":\"assign\","
                        "\"assign_ns\":[\"ns9.example.net\"]}"),
                     200);
    /* a child host of ours must be created, not added */
    assert_int_equal(op(&s, "REGISTRY_ADD_NS", "NAMESERVER",
                        "{\"fqdn\":\"ns5.reg.com\",\"tld\":\".com\","
                        "\"all\":\"1\"}"),
                     405);
    assert_int_equal(op(&s, "REGISTRY_CHECK_NAMESERVER", "NAMESERVER",
                        "{\"fqdn\":\"ns5.reg.com\",\"tld\":\".zz\"}"),
                     465);
    finish(&s);
}

/* --- contacts, auth codes, order history ------------------------------ */

static void update_contacts_and_all_info(void **state)
{
    (void)state;
    struct simproc s = {0};
    start(&s, NULL);
    add_domain(&s, "one.com");
    add_domain(&s, "two.com");
    char *own = contact("newown");
    char *req;
    assert_int_equal(op(&s, "UPDATE_CONTACTS", "DOMAIN",
                        "{\"domain\":\"one.com\",\"contact_set\":{\"owner\":"
                        "{\"first_name\":\"x\"}}}"),
                     460);
    req = xasprintf("{\"domain\":\"one.com\",\"types\":[\"tech\"],"
                    "\"contact_set\":{\"owner\":%s}}",
                    own);
    assert_int_equal(op(&s, "UPDATE_CONTACTS", "DOMAIN", req), 460);
    free(req);
    req = xasprintf("{\"domain\":\"one.com\",\"types\":[\"boss\"],"
                    "\"contact_set\":{\"owner\":%s}}",
                    own);
    assert_int_equal(op(&s, "UPDATE_CONTACTS", "DOMAIN", req), 465);
    free(req);
    req = xasprintf("{\"domain\":\"one.com\",\"types\":[\"owner\"],"
                    "\"contact_set\":{\"owner\":%s}}",
                    own);
    assert_int_equal(op(&s, "UPDATE_CONTACTS", "DOMAIN", req), 200);
    free(req);
    assert_string_equal(at("response_text"), "Command completed successfully");
    assert_string_equal(
        xcp_path_str(attr_of("details", "one.com"), "response_code"), "200");
    assert_string_equal(
        xcp_path_str(attr_of("details", "one.com"), "waiting_requests_no"),
        "0");
    assert_null(attr_of("details", "two.com"));
    assert_int_equal(
        op(&s, "GET", "DOMAIN", "{\"domain\":\"one.com\",\"type\":\"owner\"}"),
        200);
    assert_string_equal(at("attributes.contact_set.owner.first_name"),
                        "newown");
    assert_int_equal(
        op(&s, "GET", "DOMAIN", "{\"domain\":\"one.com\",\"type\":\"admin\"}"),
        200);
    assert_string_equal(at("attributes.contact_set.admin.first_name"), "adm");
    /* affect_domains=1: every domain of the profile, each in details */
    char *tech = contact("newtec");
    req = xasprintf("{\"domain\":\"one.com\",\"affect_domains\":\"1\","
                    "\"types\":[\"tech\"],\"contact_set\":{\"tech\":%s}}",
                    tech);
    assert_int_equal(op(&s, "UPDATE_CONTACTS", "DOMAIN", req), 200);
    free(req);
    assert_string_equal(
        xcp_path_str(attr_of("details", "two.com"), "is_success"), "1");
    assert_int_equal(
        op(&s, "GET", "DOMAIN", "{\"domain\":\"two.com\",\"type\":\"tech\"}"),
        200);
    assert_string_equal(at("attributes.contact_set.tech.first_name"), "newtec");

    /* UPDATE_ALL_INFO: all four contacts and the name servers, glue for
     * hosts under the domain */
    char *cs = xasprintf("{\"owner\":%s,\"admin\":%s,\"billing\":%s,"
                         "\"tech\":%s}",
                         own, own, own, tech);
    req = xasprintf("{\"domain\":\"one.com\",\"contact_set\":{\"owner\":%s},"
                    "\"nameserver_list\":[{\"fqdn\":\"ns1.example.net\"}]}",
                    own);
    assert_int_equal(op(&s, "UPDATE_ALL_INFO", "DOMAIN", req), 460);
    free(req);
    req = xasprintf("{\"domain\":\"one.com\",\"contact_set\":%s,"
                    "\"nameserver_list\":[{\"fqdn\":\"ns1.example.invalid\"}]}",
                    cs);
    assert_int_equal(op(&s, "UPDATE_ALL_INFO", "DOMAIN", req), 435);
    free(req);
    req = xasprintf("{\"domain\":\"one.com\",\"contact_set\":%s,"
                    "\"nameserver_list\":[{\"fqdn\":\"ns1.one.com\","
                    "\"ipaddress\":\"bogus\"}]}",
                    cs);
    assert_int_equal(op(&s, "UPDATE_ALL_INFO", "DOMAIN", req), 465);
    free(req);
    req = xasprintf("{\"domain\":\"one.com\",\"contact_set\":%s,"
                    "\"nameserver_list\":[{\"fqdn\":\"ns1.one.com\","
                    "\"ipaddress\":\"192.0.2.44\"},{\"name\":"
                    "\"ns2.example.net\"}]}",
                    cs);
    assert_int_equal(op(&s, "UPDATE_ALL_INFO", "DOMAIN", req), 200);
    free(req);
    assert_int_equal(events_named(&s, "NAMESERVER_UPDATE", "one.com"), 1);
    assert_int_equal(op(&s, "GET", "DOMAIN",
                        "{\"domain\":\"one.com\",\"type\":\"nameservers\"}"),
                     200);
    assert_string_equal(at("attributes.nameserver_list[0].name"),
                        "ns1.one.com");
    assert_string_equal(at("attributes.nameserver_list[1].name"),
                        "ns2.example.net");
    assert_int_equal(op(&s, "GET", "NAMESERVER",
                        "{\"domain\":\"one.com\",\"name\":\"all\"}"),
                     200);
    assert_string_equal(at("attributes.nameserver_list[0].ipaddress"),
                        "192.0.2.44");
    assert_int_equal(op(&s, "GET", "DOMAIN",
                        "{\"domain\":\"one.com\",\"type\":\"billing\"}"),
                     200);
    assert_string_equal(at("attributes.contact_set.billing.first_name"),
                        "newown");
    free(cs);
    free(own);
    free(tech);
    finish(&s);
}

static void send_authcode_and_domains_contacts(void **state)
{
    (void)state;
    struct simproc s = {0};
    start(&s, NULL);
    add_domain(&s, "mail.com");
    /* SEND_AUTHCODE names the domain with domain_name only */
    assert_int_equal(
        op(&s, "SEND_AUTHCODE", "DOMAIN", "{\"domain\":\"mail.com\"}"), 460);
    assert_int_equal(
        op(&s, "SEND_AUTHCODE", "DOMAIN", "{\"domain_name\":\"taken.com\"}"),
        480);
    assert_int_equal(
        op(&s, "SEND_AUTHCODE", "DOMAIN", "{\"domain_name\":\"mail.com\"}"),
        200);
    assert_string_equal(at("response_text"), "Message sent");
    json_t *st;
    assert_int_equal(control(&s, "GET", "/state", NULL, &st), 200);
    json_t *d = json_object_get(json_object_get(st, "domains"), "mail.com");
    assert_string_equal(
        json_string_value(json_object_get(d, "authcode_sent_to")),
        "adm@example.com");
    json_decref(st);
    /* counts (and fault rules) see the domain named by domain_name */
    assert_int_equal(control(&s, "GET", "/counts", NULL, &st), 200);
    json_t *per =
        json_object_get(json_object_get(st, "domains"), "SEND_AUTHCODE");
    assert_int_equal(json_integer_value(json_object_get(per, "mail.com")), 2);
    assert_int_equal(json_integer_value(json_object_get(per, "taken.com")), 1);
    json_decref(st);

    assert_int_equal(op(&s, "GET_DOMAINS_CONTACTS", "DOMAIN", "{}"), 460);
    assert_int_equal(op(&s, "GET_DOMAINS_CONTACTS", "DOMAIN",
                        "{\"domain_list\":[\"mail.com\",\"taken.com\"]}"),
                     200);
    assert_string_equal(at("is_success"), "1");
    assert_string_equal(
        xcp_path_str(attr_of("mail.com", "contact_set"), "owner.first_name"),
        "own");
    assert_string_equal(
        xcp_path_str(attr_of("mail.com", "contact_set"), "tech.email"),
        "tec@example.com");
    assert_string_equal(xcp_str(attr_of("taken.com", "error")),
                        "Domain does not belong to the reseller alice");
    /* bob sees alice's domain as not his */
    assert_int_equal(op_as(&s, "bob", "k2", "GET_DOMAINS_CONTACTS", "DOMAIN",
                           NULL, "{\"domain_list\":[\"mail.com\"]}"),
                     200);
    assert_string_equal(xcp_str(attr_of("mail.com", "error")),
                        "Domain does not belong to the reseller bob");
    finish(&s);
}

/* register - SW_REGISTER new of name for alice through the wire. */
static void register_domain(const struct simproc *s, const char *name)
{
    char *o = contact("reg");
    char *req =
        xasprintf("{\"domain\":\"%s\",\"reg_type\":\"new\",\"period\":\"1\","
                  "\"reg_username\":\"jo\",\"reg_password\":\"pw12345678\","
                  "\"custom_tech_contact\":\"0\",\"custom_nameservers\":\"0\","
                  "\"contact_set\":{\"owner\":%s,\"admin\":%s,\"billing\":%s}}",
                  name, o, o, o);
    assert_int_equal(op(s, "SW_REGISTER", "DOMAIN", req), 200);
    free(req);
    free(o);
}

static void orders_by_domain(void **state)
{
    (void)state;
    struct simproc s = {0};
    start(&s, NULL);
    register_domain(&s, "history.com");
    assert_int_equal(op(&s, "RENEW", "DOMAIN",
                        "{\"domain\":\"history.com\",\"period\":\"1\","
                        "\"currentexpirationyear\":\"2028\",\"handle\":"
                        "\"process\"}"),
                     200);
    assert_int_equal(op(&s, "GET_ORDERS_BY_DOMAIN", "DOMAIN",
                        "{\"domain\":\"history.com\"}"),
                     200);
    assert_string_equal(at("response_text"), "Command successful");
    assert_string_equal(at("attributes.total"), "2");
    assert_string_equal(at("attributes.page"), "1");
    assert_string_equal(at("attributes.page_size"), "40");
    assert_string_equal(at("attributes.orders[0].type"), "new");
    assert_string_equal(at("attributes.orders[0].status"), "completed");
    assert_int_equal(
        strncmp(at("attributes.orders[0].order_date"), "15-JAN-2027 08:0", 16),
        0);
    assert_string_equal(at("attributes.orders[1].type"), "renewal");
    assert_true(strtoll(at("attributes.orders[0].order_date_epoch"), NULL,
                        10) >= 1800000000);
    /* filters and paging */
    assert_int_equal(op(&s, "GET_ORDERS_BY_DOMAIN", "DOMAIN",
                        "{\"domain\":\"history.com\",\"type\":\"renewal\"}"),
                     200);
    assert_string_equal(at("attributes.total"), "1");
    assert_int_equal(op(&s, "GET_ORDERS_BY_DOMAIN", "DOMAIN",
                        "{\"domain\":\"history.com\",\"limit\":\"1\","
                        "\"page\":\"2\"}"),
                     200);
    assert_string_equal(at("attributes.total"), "2");
    assert_string_equal(at("attributes.page_size"), "1");
    assert_string_equal(at("attributes.orders[0].type"), "renewal");
    assert_string_equal(at("attributes.orders[1].type"), "");
    assert_int_equal(op(&s, "GET_ORDERS_BY_DOMAIN", "DOMAIN",
                        "{\"domain\":\"history.com\",\"order_from\":"
                        "\"2027-02-01\"}"),
                     200);
    assert_string_equal(at("attributes.total"), "0");
    assert_int_equal(op(&s, "GET_ORDERS_BY_DOMAIN", "DOMAIN",
                        "{\"domain\":\"history.com\",\"order_to\":"
                        "\"2031-01-01\"}"),
                     465);
    assert_int_equal(op_as(&s, "bob", "k2", "GET_ORDERS_BY_DOMAIN", "DOMAIN",
                           NULL, "{\"domain\":\"history.com\"}"),
                     200);
    assert_string_equal(at("attributes.total"), "0");
    finish(&s);
}

/* --- transfers away --------------------------------------------------- */

static void transfer_away_respects_the_lock(void **state)
{
    (void)state;
    struct simproc s = {0};
    start(&s, NULL);
    add_domain(&s, "away.com");
    assert_int_equal(op(&s, "MODIFY", "DOMAIN",
                        "{\"domain\":\"away.com\",\"data\":\"status\","
                        "\"lock_state\":\"1\"}"),
                     200);
    const char *move = "{\"domain\":\"away.com\",\"gaining_registrar\":"
                       "\"Other Registrar, Inc.\"}";
    json_t *j;
    assert_int_equal(control(&s, "POST", "/transfers/away", move, &j), 409);
    assert_non_null(
        strstr(json_string_value(json_object_get(j, "reason")), "locked"));
    json_decref(j);
    assert_int_equal(op(&s, "GET_TRANSFERS_AWAY", "DOMAIN", NULL), 200);
    assert_string_equal(at("attributes.total"), "0");
    assert_int_equal(xcp_len(xcp_path(last.data, "attributes.transfers")), 0);
    assert_int_equal(op(&s, "GET", "DOMAIN",
                        "{\"domain\":\"away.com\",\"type\":\"status\"}"),
                     200);
    /* unlocked, it goes */
    assert_int_equal(op(&s, "MODIFY", "DOMAIN",
                        "{\"domain\":\"away.com\",\"data\":\"status\","
                        "\"lock_state\":\"0\"}"),
                     200);
    assert_int_equal(control(&s, "POST", "/transfers/away", move, &j), 200);
    json_decref(j);
    assert_int_equal(
        op(&s, "BELONGS_TO_RSP", "DOMAIN", "{\"domain\":\"away.com\"}"), 200);
    assert_string_equal(at("attributes.belongs_to_rsp"), "0");
    assert_int_equal(op(&s, "GET", "DOMAIN",
                        "{\"domain\":\"away.com\",\"type\":\"status\"}"),
                     480);
    assert_int_equal(events_named(&s, "DELETED", "away.com"), 1);
    assert_int_equal(op(&s, "GET_TRANSFERS_AWAY", "DOMAIN", NULL), 200);
    assert_string_equal(at("response_text"), "Command successful");
    assert_string_equal(at("attributes.total"), "1");
    assert_string_equal(at("attributes.transfers[0].domain"), "away.com");
    assert_string_equal(at("attributes.transfers[0].status"), "completed");
    assert_string_equal(at("attributes.transfers[0].gaining_registrar"),
                        "Other Registrar, Inc.");
    assert_string_equal(at("attributes.transfers[0].request_address"),
                        "adm@example.com");
    /* gone: no second transfer away; nor of a domain that is not ours */
    assert_int_equal(control(&s, "POST", "/transfers/away", move, NULL), 400);
    assert_int_equal(control(&s, "POST", "/transfers/away",
                             "{\"domain\":\"taken.com\"}", NULL),
                     400);
    assert_int_equal(
        control(&s, "POST", "/transfers/away", "{\"domain\":\"x y\"}", NULL),
        400);
    finish(&s);
}

static void transfers_away_paging_and_filters(void **state)
{
    (void)state;
    struct simproc s = {0};
    start(&s, NULL);
    const char *names[] = {"p1.com", "p2.com", "p3.net", "p4.org", "p5.com"};
    for (size_t i = 0; i < 5; i++) {
        add_domain(&s, names[i]);
        char *body = xasprintf("{\"domain\":\"%s\",\"gaining_registrar\":"
                               "\"%s\"}",
                               names[i], i % 2 ? "Beta Names" : "Alpha Reg");
        assert_int_equal(control(&s, "POST", "/transfers/away", body, NULL),
                         200);
        free(body);
    }
    /* page 0 and page 1 are both the first page */
    assert_int_equal(op(&s, "GET_TRANSFERS_AWAY", "DOMAIN",
                        "{\"limit\":\"2\",\"page\":\"0\"}"),
                     200);
    assert_string_equal(at("attributes.total"), "5");
    assert_string_equal(at("attributes.page_size"), "2");
    assert_string_equal(at("attributes.transfers[0].domain"), "p1.com");
    assert_string_equal(at("attributes.transfers[1].domain"), "p2.com");
    assert_string_equal(at("attributes.transfers[2].domain"), "");
    assert_int_equal(op(&s, "GET_TRANSFERS_AWAY", "DOMAIN",
                        "{\"limit\":\"2\",\"page\":\"1\"}"),
                     200);
    assert_string_equal(at("attributes.transfers[0].domain"), "p1.com");
    assert_int_equal(op(&s, "GET_TRANSFERS_AWAY", "DOMAIN",
                        "{\"limit\":\"2\",\"page\":\"3\"}"),
                     200);
    assert_string_equal(at("attributes.transfers[0].domain"), "p5.com");
    assert_string_equal(at("attributes.transfers[1].domain"), "");
    assert_int_equal(op(&s, "GET_TRANSFERS_AWAY", "DOMAIN",
                        "{\"limit\":\"2\",\"page\":\"4\"}"),
                     200);
    assert_string_equal(at("attributes.total"), "5");
    assert_int_equal(xcp_len(xcp_path(last.data, "attributes.transfers")), 0);
    /* a limit above 40 is 40 */
    assert_int_equal(
        op(&s, "GET_TRANSFERS_AWAY", "DOMAIN", "{\"limit\":\"500\"}"), 200);
    assert_string_equal(at("attributes.page_size"), "40");
    /* filters */
    assert_int_equal(op(&s, "GET_TRANSFERS_AWAY", "DOMAIN",
                        "{\"gaining_registrar\":\"beta*\"}"),
                     200);
    assert_string_equal(at("attributes.total"), "2");
    assert_int_equal(op(&s, "GET_TRANSFERS_AWAY", "DOMAIN",
                        "{\"domain\":\"p3.net\",\"status\":\"completed\"}"),
                     200);
    assert_string_equal(at("attributes.total"), "1");
    assert_int_equal(op(&s, "GET_TRANSFERS_AWAY", "DOMAIN",
                        "{\"status\":\"pending_owner\"}"),
                     200);
    assert_string_equal(at("attributes.total"), "0");
    assert_int_equal(op(&s, "GET_TRANSFERS_AWAY", "DOMAIN",
                        "{\"req_from\":\"2027-01-01\",\"req_to\":"
                        "\"2027-01-31\"}"),
                     200);
    assert_string_equal(at("attributes.total"), "5");
    assert_int_equal(
        op(&s, "GET_TRANSFERS_AWAY", "DOMAIN", "{\"req_from\":\"2027-02-01\"}"),
        200);
    assert_string_equal(at("attributes.total"), "0");
    assert_int_equal(
        op(&s, "GET_TRANSFERS_AWAY", "DOMAIN", "{\"req_to\":\"2031-01-01\"}"),
        465);
    assert_int_equal(
        op(&s, "GET_TRANSFERS_AWAY", "DOMAIN", "{\"page\":\"two\"}"), 465);
    /* another reseller's list is its own */
    assert_int_equal(
        op_as(&s, "bob", "k2", "GET_TRANSFERS_AWAY", "DOMAIN", NULL, NULL),
        200);
    assert_string_equal(at("attributes.total"), "0");
    finish(&s);
}

/* --- NAME_SUGGEST ------------------------------------------------------ */

/* block_len - how many items attributes.<service>.items of the last reply
 * holds. */
static size_t block_len(const char *service)
{
    char path[64];
    snprintf(path, sizeof(path), "attributes.%s.items", service);
    const struct xcp_value *v = xcp_path(last.data, path);
    return v ? xcp_len(v) : 0;
}

static void name_suggest_overrides_and_premium(void **state)
{
    (void)state;
    struct simproc s = {0};
    start(&s, NULL);
    /* per-service tlds and maximum */
    assert_int_equal(
        op(&s, "NAME_SUGGEST", "DOMAIN",
           "{\"searchstring\":\"bakery\",\"services\":[\"lookup\","
           "\"suggestion\"],\"tlds\":[\".com\",\".net\",\".org\"],"
           "\"service_override\":{\"lookup\":{\"tlds\":[\"net\"]},"
           "\"suggestion\":{\"tlds\":[\".info\",\".biz\"],\"maximum\":\"3\"},"
           "\"premium\":{}}}"),
        200);
    assert_int_equal(block_len("lookup"), 1);
    assert_string_equal(at("attributes.lookup.items[0].domain"), "bakery.net");
    assert_int_equal(block_len("suggestion"), 3);
    assert_string_equal(at("attributes.suggestion.count"), "3");
    for (size_t i = 0; i < 3; i++) {
        char path[64];
        snprintf(path, sizeof(path), "attributes.suggestion.items[%zu].domain",
                 i);
        const char *d = at(path);
        const char *dot = strrchr(d, '.');
        assert_non_null(dot);
        assert_true(strcmp(dot, ".info") == 0 || strcmp(dot, ".biz") == 0);
    }
    assert_null(xcp_path(last.data, "attributes.premium"));
    /* without overrides: the global tlds for every service */
    assert_int_equal(op(&s, "NAME_SUGGEST", "DOMAIN",
                        "{\"searchstring\":\"bakery\",\"tlds\":[\"com\","
                        "\"net\",\"org\"]}"),
                     200);
    assert_int_equal(block_len("lookup"), 3);
    assert_true(block_len("suggestion") > 3);
    /* premium: names with a price, within price_min/price_max */
    assert_int_equal(
        op(&s, "NAME_SUGGEST", "DOMAIN",
           "{\"searchstring\":\"bakery\",\"services\":[\"premium\"],"
           "\"service_override\":{\"premium\":{\"tlds\":[\".com\",\".net\"],"
           "\"maximum\":\"5\"}}}"),
        200);
    assert_null(xcp_path(last.data, "attributes.lookup"));
    assert_string_equal(at("attributes.premium.response_code"), "200");
    assert_int_equal(block_len("premium"), 5);
    assert_string_equal(at("attributes.premium.count"), "5");
    int64_t lo = INT64_MAX, hi = 0;
    for (size_t i = 0; i < 5; i++) {
        char path[64];
        snprintf(path, sizeof(path), "attributes.premium.items[%zu].price", i);
        const char *p = at(path);
        assert_non_null(strchr(p, '.'));
        int64_t v = strtoll(p, NULL, 10);
        assert_true(v >= 100);
        lo = v < lo ? v : lo;
        hi = v > hi ? v : hi;
        snprintf(path, sizeof(path), "attributes.premium.items[%zu].status", i);
        assert_string_equal(at(path), "available");
    }
    char *req = xasprintf(
        "{\"searchstring\":\"bakery\",\"services\":[\"premium\"],"
        "\"service_override\":{\"premium\":{\"tlds\":[\".com\",\".net\"],"
        "\"price_min\":\"%lld\",\"price_max\":\"%lld\"}}}",
        (long long)lo, (long long)lo);
    assert_int_equal(op(&s, "NAME_SUGGEST", "DOMAIN", req), 200);
    free(req);
    assert_true(block_len("premium") >= 1);
    assert_int_equal(strtoll(at("attributes.premium.items[0].price"), NULL, 10),
                     lo);
    /* bad overrides are bad data */
    assert_int_equal(op(&s, "NAME_SUGGEST", "DOMAIN",
                        "{\"searchstring\":\"bakery\",\"service_override\":"
                        "{\"suggestion\":{\"maximum\":\"0\"}}}"),
                     465);
    assert_int_equal(op(&s, "NAME_SUGGEST", "DOMAIN",
                        "{\"searchstring\":\"bakery\",\"service_override\":"
                        "{\"premium\":{\"price_min\":\"cheap\"}}}"),
                     465);
    finish(&s);
}

/* The shop search's NAME_SUGGEST: the lookup service over many TLDs with
 * its own maximum, registry premium names (POST /premium) in the premium
 * block, LOOKUP and GET_PRICE, and IDN search strings. */
static void name_suggest_for_a_shop(void **state)
{
    (void)state;
    struct simproc s = {0};
    start(&s, NULL);
    /* every TLD the sim sells (20, more than the 16 it once took), each
     * once, and the lookup's own maximum */
    const char *all = "[\"com\",\".net\",\"org\",\"info\",\"biz\",\"us\","
                      "\"io\",\"co\",\"ca\",\"de\",\"uk\",\"co.uk\",\"eu\","
                      "\"dk\",\"at\",\"fr\",\"za\",\"name\",\"tv\",\"me\","
                      "\".com\"]";
    char *req = xasprintf(
        "{\"searchstring\":\"bakery\",\"services\":[\"lookup\"],"
        "\"service_override\":{\"lookup\":{\"tlds\":%s,\"maximum\":\"20\"}}}",
        all);
    assert_int_equal(op(&s, "NAME_SUGGEST", "DOMAIN", req), 200);
    free(req);
    assert_int_equal(block_len("lookup"), 20);
    assert_string_equal(at("attributes.lookup.items[19].domain"), "bakery.me");
    assert_null(xcp_path(last.data, "attributes.suggestion"));
    req = xasprintf("{\"searchstring\":\"bakery\",\"services\":[\"lookup\","
                    "\"suggestion\"],\"tlds\":%s,\"service_override\":"
                    "{\"lookup\":{\"maximum\":\"2\"},\"suggestion\":"
                    "{\"maximum\":\"4\"}}}",
                    all);
    assert_int_equal(op(&s, "NAME_SUGGEST", "DOMAIN", req), 200);
    free(req);
    assert_int_equal(block_len("lookup"), 2);
    assert_int_equal(block_len("suggestion"), 4);

    /* a registry premium name: LOOKUP says so, NAME_SUGGEST lists it
     * first in the premium block at its price, GET_PRICE charges it */
    assert_int_equal(control(&s, "POST", "/premium",
                             "{\"name\":\"bakery.net\",\"price\":\"2500.00\"}",
                             NULL),
                     200);
    assert_int_equal(control(&s, "POST", "/premium",
                             "{\"name\":\"bakery.net\",\"price\":\"cheap\"}",
                             NULL),
                     400);
    assert_int_equal(control(&s, "POST", "/premium",
                             "{\"name\":\"bakery.xyz\",\"price\":\"1.00\"}",
                             NULL),
                     400);
    assert_int_equal(op(&s, "LOOKUP", "DOMAIN", "{\"domain\":\"bakery.net\"}"),
                     210);
    assert_string_equal(at("attributes.reason"), "Registry premium name");
    assert_int_equal(op(&s, "LOOKUP", "DOMAIN", "{\"domain\":\"bakery.com\"}"),
                     210);
    assert_string_equal(at("attributes.reason"), "");
    assert_int_equal(
        op(&s, "NAME_SUGGEST", "DOMAIN",
           "{\"searchstring\":\"bakery\",\"services\":[\"lookup\","
           "\"premium\"],\"tlds\":[\".com\",\".net\"],\"service_override\":"
           "{\"premium\":{\"maximum\":\"3\"}}}"),
        200);
    assert_string_equal(at("attributes.lookup.items[1].domain"), "bakery.net");
    assert_string_equal(at("attributes.lookup.items[1].status"), "available");
    assert_int_equal(block_len("premium"), 3);
    assert_string_equal(at("attributes.premium.items[0].domain"), "bakery.net");
    assert_string_equal(at("attributes.premium.items[0].price"), "2500.00");
    assert_int_equal(op(&s, "GET_PRICE", "DOMAIN",
                        "{\"domain\":\"bakery.net\",\"period\":\"2\"}"),
                     200);
    assert_string_equal(at("attributes.is_registry_premium"), "1");
    assert_string_equal(at("attributes.price"), "5000.00");
    /* no longer premium */
    assert_int_equal(control(&s, "POST", "/premium",
                             "{\"name\":\"bakery.net\",\"price\":null}", NULL),
                     200);
    assert_int_equal(op(&s, "LOOKUP", "DOMAIN", "{\"domain\":\"bakery.net\"}"),
                     210);
    assert_string_equal(at("attributes.reason"), "");

    /* IDN: an A-label is looked up, no names invented from it; a search
     * in native script is refused, never answered about its ASCII part */
    assert_int_equal(
        op(&s, "NAME_SUGGEST", "DOMAIN",
           "{\"searchstring\":\"xn--bcher-kva\",\"services\":[\"lookup\","
           "\"suggestion\",\"premium\"],\"tlds\":[\".com\"]}"),
        200);
    assert_int_equal(block_len("lookup"), 1);
    assert_string_equal(at("attributes.lookup.items[0].domain"),
                        "xn--bcher-kva.com");
    assert_int_equal(block_len("suggestion"), 0);
    assert_int_equal(block_len("premium"), 0);
    assert_int_equal(
        op(&s, "NAME_SUGGEST", "DOMAIN", "{\"searchstring\":\"b\u00fccher\"}"),
        465);
    finish(&s);
}

/* --- unmodelled commands ----------------------------------------------- */

static void unmodelled_answers_as_unknown_command(void **state)
{
    (void)state;
    struct simproc s = {0};
    start(&s, NULL);
    add_domain(&s, "plain.org");
    /* an action OpenSRS has that the sim does not model */
    assert_int_equal(
        op(&s, "GET_NOTES", "DOMAIN", "{\"domain\":\"plain.org\"}"), 400);
    assert_string_equal(at("response_text"), "Invalid Command: GET_NOTES");
    assert_int_equal(op(&s, "NO_SUCH_THING", "DOMAIN", NULL), 400);
    /* a MODIFY data and a GET type the sim does not model: the same */
    assert_int_equal(op(&s, "MODIFY", "DOMAIN",
                        "{\"domain\":\"plain.org\",\"data\":\"tld_data\"}"),
                     400);
    assert_string_equal(at("response_text"), "Invalid Command: MODIFY");
    assert_int_equal(op(&s, "GET", "DOMAIN",
                        "{\"domain\":\"plain.org\",\"type\":\"dnssec\"}"),
                     400);
    finish(&s);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s PATH-TO-opensrs-sim\n", argv[0]);
        return 2;
    }
    sim_path = argv[1];
    signal(SIGPIPE, SIG_IGN);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(lock_state_round_trip),
        cmocka_unit_test(whois_privacy_per_tld),
        cmocka_unit_test(parkpage_auth_info_and_contacts),
        cmocka_unit_test(child_hosts_lifecycle),
        cmocka_unit_test(child_host_used_by_another_domain),
        cmocka_unit_test(registry_add_ns_and_unknown_hosts),
        cmocka_unit_test(update_contacts_and_all_info),
        cmocka_unit_test(send_authcode_and_domains_contacts),
        cmocka_unit_test(orders_by_domain),
        cmocka_unit_test(transfer_away_respects_the_lock),
        cmocka_unit_test(transfers_away_paging_and_filters),
        cmocka_unit_test(name_suggest_overrides_and_premium),
        cmocka_unit_test(name_suggest_for_a_shop),
        cmocka_unit_test(unmodelled_answers_as_unknown_command),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    if (have_last)
        xcp_msg_free(&last);
    return rc;
}
