/*
 * Unit tests of opensrs-sim's wire layer without sockets: the HTTP parser,
 * fault-rule parsing and matching, and sim_exchange (signature check,
 * counting, every fault's effect on the answer and on the state).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sim/sim_exchange.h"
#include "sim/sim_fault.h"
#include "sim/sim_http.h"
#include "sim/sim_state.h"
#include "util/xalloc.h"

/* --- HTTP parser ------------------------------------------------------------
 */

#define WHOLE 1000000 /* the request is the whole input */

static void http_parser_table(void **state)
{
    static const struct {
        const char *name;
        const char *in;
        long rc; /* >0: bytes; 0 need more; <0 error */
        bool keep;
        size_t body;
    } cases[] = {
        {"1.1 keeps alive", "POST / HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc",
         WHOLE, true, 3},
        {"1.0 closes", "POST / HTTP/1.0\r\nContent-Length: 2\r\n\r\nab", WHOLE,
         false, 2},
        {"1.0 closes even with keep-alive",
         "POST / HTTP/1.0\r\nConnection: keep-alive\r\nContent-Length: "
         "0\r\n\r\n",
         WHOLE, false, 0},
        {"Connection: close token",
         "POST / HTTP/1.1\r\nConnection: TE, "
         "close\r\n\r\n",
         WHOLE, false, 0},
        {"bare LF lines and any target",
         "POST horizon.opensrs.net HTTP/1.1\ncontent-length: 1\n\nx", WHOLE,
         true, 1},
        {"no Content-Length means empty body", "POST / HTTP/1.1\r\n\r\n", WHOLE,
         true, 0},
        {"incomplete header", "POST / HTTP/1.1\r\nContent-Le", 0, true, 0},
        {"incomplete body", "POST / HTTP/1.1\r\nContent-Length: 9\r\n\r\nab", 0,
         true, 0},
        {"not HTTP", "HELLO THERE\r\n", RM_EPROTO, false, 0},
        {"chunked refused",
         "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n", RM_EPROTO,
         false, 0},
        {"bad Content-Length", "POST / HTTP/1.1\r\nContent-Length: 1x\r\n\r\n",
         RM_EPROTO, false, 0},
        {"conflicting Content-Length",
         "POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: "
         "2\r\n\r\nab",
         RM_EPROTO, false, 0},
        {"body over the limit",
         "POST / HTTP/1.1\r\nContent-Length: 9000000\r\n\r\n", RM_ELIMIT, true,
         0},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct sim_http_req req;
        long want =
            cases[i].rc == WHOLE ? (long)strlen(cases[i].in) : cases[i].rc;
        long rc =
            sim_http_parse(cases[i].in, strlen(cases[i].in),
                           SIM_HTTP_MAX_HEADER, 8u * 1024 * 1024, &req, NULL);
        if (rc != want)
            fail_msg("%s: rc %ld, want %ld", cases[i].name, rc, want);
        if (rc > 0) {
            assert_int_equal(req.keep_alive, cases[i].keep);
            assert_int_equal(req.body_len, cases[i].body);
        }
    }
}

static void http_header_block_is_capped(void **state)
{
    size_t n = SIM_HTTP_MAX_HEADER + 100;
    char *big = xmalloc(n + 1);
    memcpy(big, "POST / HTTP/1.1\r\nX-Pad: ", 24);
    memset(big + 24, 'a', n - 24);
    big[n] = '\0';
    struct sim_http_req req;
    assert_int_equal(
        sim_http_parse(big, n, SIM_HTTP_MAX_HEADER, 1000, &req, NULL),
        RM_ELIMIT);
    free(big);
}

static void http_response_is_exact(void **state)
{
    struct buf b;
    buf_init(&b);
    sim_http_response(&b, "200 OK", "text/xml", "<x/>", 4, 0, false);
    assert_string_equal(b.data, "HTTP/1.1 200 OK\r\nContent-Type: "
                                "text/xml\r\nContent-Length: 4\r\n\r\n<x/>");
    buf_reset(&b);
    sim_http_response(&b, "200 OK", "text/xml", "<x/>", 4, 10, true);
    assert_string_equal(b.data, "HTTP/1.1 200 OK\r\nContent-Type: "
                                "text/xml\r\nContent-Length: 10\r\nConnection: "
                                "close\r\n\r\n<x/>");
    buf_release(&b);
}

/* --- rules
 * -------------------------------------------------------------------- */

static void rule_lines_parse(void **state)
{
    static const struct {
        const char *line;
        int rc;
        enum sim_fault_kind fault;
    } cases[] = {
        {"fault=hang action=lookup count=1", 1, SIM_FAULT_HANG},
        {"  # just a comment", 0, SIM_FAULT_NONE},
        {"", 0, SIM_FAULT_NONE},
        {"fault=delay delay_ms=250 # slow", 1, SIM_FAULT_DELAY},
        {"fault=code_705 domain=*.ca probability=0.5", 1, SIM_FAULT_CODE_705},
        {"fault=explode", RM_EINVAL, SIM_FAULT_NONE},
        {"action=lookup", RM_EINVAL, SIM_FAULT_NONE},
        {"fault=hang count=0", RM_EINVAL, SIM_FAULT_NONE},
        {"fault=hang probability=2", RM_EINVAL, SIM_FAULT_NONE},
        {"fault=hang colour=red", RM_EINVAL, SIM_FAULT_NONE},
        {"fault hang", RM_EINVAL, SIM_FAULT_NONE},
        {"action=poll fault=duplicate count=1", 1, SIM_FAULT_DUPLICATE},
        {"action=POLL fault=reorder", 1, SIM_FAULT_REORDER},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct sim_rule r;
        int rc = sim_rule_from_line(cases[i].line, &r, NULL);
        if (rc != cases[i].rc)
            fail_msg("\"%s\": rc %d, want %d", cases[i].line, rc, cases[i].rc);
        if (rc == 1) {
            assert_int_equal(r.fault, cases[i].fault);
            free(r.action);
            free(r.domain);
        }
    }
}

static void rules_match_by_action_domain_and_count(void **state)
{
    struct sim_rules rs;
    sim_rules_init(&rs);
    json_t *j = json_loads("{\"action\":\"sw_register\",\"domain\":\"*.ca\","
                           "\"fault\":\"close_after\",\"count\":2}",
                           0, NULL);
    struct sim_rule r;
    assert_int_equal(sim_rule_from_json(j, &r, NULL), 0);
    json_decref(j);
    assert_int_equal(sim_rules_add(&rs, &r), 1);
    struct sim_fault_hit hit;
    assert_false(sim_rules_match(&rs, "LOOKUP", "a.ca", NULL, NULL, &hit));
    assert_false(
        sim_rules_match(&rs, "SW_REGISTER", "a.com", NULL, NULL, &hit));
    assert_false(sim_rules_match(&rs, "SW_REGISTER", NULL, NULL, NULL, &hit));
    assert_true(sim_rules_match(&rs, "SW_REGISTER", "A.CA", NULL, NULL, &hit));
    assert_int_equal(hit.fault, SIM_FAULT_CLOSE_AFTER);
    json_t *list = sim_rules_to_json(&rs);
    assert_int_equal(
        json_integer_value(json_object_get(
            json_array_get(json_object_get(list, "rules"), 0), "remaining")),
        1);
    json_decref(list);
    assert_true(sim_rules_match(&rs, "SW_REGISTER", "b.ca", NULL, NULL, &hit));
    /* spent: gone */
    assert_false(sim_rules_match(&rs, "SW_REGISTER", "c.ca", NULL, NULL, &hit));
    assert_int_equal(rs.n, 0);
    sim_rules_release(&rs);
}

/* --- exchange
 * -------------------------------------------------------------------- */

static struct sim S;

static int setup(void **state)
{
    struct sim_config cfg;
    sim_config_init(&cfg);
    sim_config_add_reseller(&cfg, "alice:secretkey", NULL);
    assert_int_equal(sim_init(&S, &cfg, NULL), 0);
    return 0;
}

static int teardown(void **state)
{
    sim_release(&S);
    return 0;
}

static char *lookup_body(const char *action, const char *domain)
{
    return xasprintf(
        "<?xml version='1.0' encoding='UTF-8' standalone='no' ?>\n"
        "<!DOCTYPE OPS_envelope SYSTEM 'ops.dtd'>\n<OPS_envelope><header>"
        "<version>0.9</version></header><body><data_block><dt_assoc>"
        "<item key=\"protocol\">XCP</item><item key=\"action\">%s</item>"
        "<item key=\"object\">DOMAIN</item><item key=\"attributes\">"
        "<dt_assoc><item key=\"domain\">%s</item><item key=\"reg_type\">new"
        "</item><item key=\"reg_username\">u</item><item "
        "key=\"reg_password\">p</item><item key=\"contact_set\"><dt_assoc>"
        "%s</dt_assoc></item></dt_assoc></item></dt_assoc></data_block>"
        "</body></OPS_envelope>\n",
        action, domain,
        "<item key=\"owner\"><dt_assoc><item key=\"first_name\">A</item>"
        "<item key=\"last_name\">B</item><item key=\"address1\">C</item>"
        "<item key=\"city\">D</item><item key=\"country\">US</item><item "
        "key=\"postal_code\">1</item><item key=\"phone\">+1.5555550100</item>"
        "<item key=\"email\">a@b.example</item></dt_assoc></item>"
        "<item key=\"admin\"><dt_assoc><item key=\"first_name\">A</item>"
        "<item key=\"last_name\">B</item><item key=\"address1\">C</item>"
        "<item key=\"city\">D</item><item key=\"country\">US</item><item "
        "key=\"postal_code\">1</item><item key=\"phone\">+1.5555550100</item>"
        "<item key=\"email\">a@b.example</item></dt_assoc></item>"
        "<item key=\"billing\"><dt_assoc><item key=\"first_name\">A</item>"
        "<item key=\"last_name\">B</item><item key=\"address1\">C</item>"
        "<item key=\"city\">D</item><item key=\"country\">US</item><item "
        "key=\"postal_code\">1</item><item key=\"phone\">+1.5555550100</item>"
        "<item key=\"email\">a@b.example</item></dt_assoc></item>");
}

/* exchange - one signed request through sim_exchange. */
static void exchange(const char *user, const char *key, const char *body,
                     struct sim_outcome *o)
{
    char sig[33];
    xcp_sign(body, strlen(body), key, sig);
    char *raw = xasprintf("POST / HTTP/1.1\r\nX-Username: %s\r\nX-Signature: "
                          "%s\r\nContent-Length: %zu\r\n\r\n%s",
                          user, sig, strlen(body), body);
    struct sim_http_req req;
    assert_true(sim_http_parse(raw, strlen(raw), SIM_HTTP_MAX_HEADER,
                               XCP_MAX_BODY, &req, NULL) > 0);
    struct xcp_parser *p = xcp_parser_new();
    sim_outcome_init(o);
    sim_exchange(&S, p, &req, o);
    xcp_parser_free(p);
    free(raw);
}

/* body_code - parse the HTTP response in o and return its OPS code. */
static int body_code(const struct sim_outcome *o)
{
    const char *b = strstr(o->out.data, "\r\n\r\n");
    assert_non_null(b);
    b += 4;
    const char *cl = strstr(o->out.data, "Content-Length: ");
    assert_non_null(cl);
    assert_int_equal(strtoul(cl + 16, NULL, 10),
                     o->out.len - (size_t)(b - o->out.data));
    struct xcp_msg m;
    assert_int_equal(
        xcp_parse(b, o->out.len - (size_t)(b - o->out.data), &m, NULL), 0);
    int64_t code = -1;
    xcp_path_int(m.data, "response_code", &code, NULL);
    xcp_msg_free(&m);
    return (int)code;
}

static void add_rule(const char *json)
{
    json_t *j = json_loads(json, 0, NULL);
    assert_non_null(j);
    struct sim_rule r;
    assert_int_equal(sim_rule_from_json(j, &r, NULL), 0);
    json_decref(j);
    sim_rules_add(&S.rules, &r);
}

static bool registered(const char *domain)
{
    return sim_domain(&S, domain) != NULL;
}

static int64_t counted(const char *action)
{
    return json_integer_value(
        json_object_get(json_object_get(S.counts, "actions"), action));
}

static void signature_is_checked(void **state)
{
    static const struct {
        const char *user, *key;
        int code;
    } cases[] = {
        {"alice", "secretkey", 210},
        {"alice", "wrongkey", 401},
        {"mallory", "secretkey", 401},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *body = lookup_body("LOOKUP", "fresh.com");
        struct sim_outcome o;
        exchange(cases[i].user, cases[i].key, body, &o);
        assert_int_equal(body_code(&o), cases[i].code);
        assert_int_equal(o.disp, SIM_SEND);
        assert_memory_equal(o.out.data, "HTTP/1.1 200 OK\r\n", 17);
        sim_outcome_release(&o);
        free(body);
    }
    /* every parsed request counts, refused ones too */
    assert_int_equal(counted("LOOKUP"), 3);
}

static void malformed_xml_is_ops_400(void **state)
{
    struct sim_outcome o;
    exchange("alice", "secretkey", "<OPS_envelope><header>", &o);
    assert_int_equal(body_code(&o), 400);
    assert_non_null(strstr(o.out.data, "XML parse error"));
    sim_outcome_release(&o);
    assert_null(json_object_get(json_object_get(S.counts, "actions"), "-"));
}

/* Each fault: disposition, what the bytes look like, whether the effect
 * (registering the domain) happened. */
static void faults_bend_the_answer(void **state)
{
    static const struct {
        const char *fault;
        enum sim_disposition disp;
        int code; /* 0: do not parse the body */
        bool applied;
        const char *starts;
    } cases[] = {
        {"close_before", SIM_CLOSE, 0, false, ""},
        {"close_after", SIM_CLOSE, 0, true, ""},
        {"hang", SIM_HANG, 0, false, ""},
        {"http_500", SIM_SEND_CLOSE, 0, false, "HTTP/1.1 500 "},
        {"malformed", SIM_SEND, 0, true, "HTTP/1.1 200 OK"},
        {"truncated", SIM_SEND_CLOSE, 0, true, "HTTP/1.1 200 OK"},
        {"code_705", SIM_SEND, 705, false, "HTTP/1.1 200 OK"},
        {"code_486", SIM_SEND, 486, false, "HTTP/1.1 200 OK"},
        {"code_300", SIM_SEND, 300, false, "HTTP/1.1 200 OK"},
        {"code_310", SIM_SEND, 310, false, "HTTP/1.1 200 OK"},
        {"code_400", SIM_SEND, 400, false, "HTTP/1.1 200 OK"},
        {"auth_failure", SIM_SEND, 401, false, "HTTP/1.1 200 OK"},
        {"delay", SIM_SEND, 200, true, "HTTP/1.1 200 OK"},
        {"forced_pending", SIM_SEND, 200, false, "HTTP/1.1 200 OK"},
        {"queue", SIM_SEND, 200, false, "HTTP/1.1 200 OK"},
        {"async", SIM_SEND, 250, false, "HTTP/1.1 200 OK"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char domain[64], rule[160];
        snprintf(domain, sizeof(domain), "fault%zu.com", i);
        snprintf(rule, sizeof(rule),
                 "{\"fault\":\"%s\",\"count\":1,\"delay_ms\":5}",
                 cases[i].fault);
        add_rule(rule);
        char *body = lookup_body("SW_REGISTER", domain);
        struct sim_outcome o;
        exchange("alice", "secretkey", body, &o);
        if (o.disp != cases[i].disp)
            fail_msg("%s: disp %d", cases[i].fault, o.disp);
        assert_string_equal(o.fault, cases[i].fault);
        if (cases[i].code)
            assert_int_equal(body_code(&o), cases[i].code);
        if (cases[i].starts[0])
            assert_memory_equal(o.out.data, cases[i].starts,
                                strlen(cases[i].starts));
        else
            assert_int_equal(o.out.len, 0);
        /* for async faults "applied" means completed now; they wait */
        if (registered(domain) != cases[i].applied &&
            strcmp(cases[i].fault, "async") != 0)
            fail_msg("%s: applied=%d", cases[i].fault, registered(domain));
        if (strcmp(cases[i].fault, "truncated") == 0) {
            const char *b = strstr(o.out.data, "\r\n\r\n") + 4;
            const char *cl = strstr(o.out.data, "Content-Length: ") + 16;
            assert_true(strtoul(cl, NULL, 10) >
                        o.out.len - (size_t)(b - o.out.data));
        }
        if (strcmp(cases[i].fault, "malformed") == 0) {
            const char *b = strstr(o.out.data, "\r\n\r\n") + 4;
            struct xcp_msg m;
            assert_true(xcp_parse(b, strlen(b), &m, NULL) < 0);
        }
        if (strcmp(cases[i].fault, "delay") == 0)
            assert_int_equal(o.delay_ms, 5);
        sim_outcome_release(&o);
        free(body);
        /* count=1: the rule is spent and the next request is normal */
        assert_int_equal(S.rules.n, 0);
    }
    assert_int_equal(counted("SW_REGISTER"),
                     (int64_t)(sizeof(cases) / sizeof(cases[0])));
}

/* event_body - POLL or ACK EVENT with one attribute. */
static char *event_body(const char *action, const char *key, const char *val)
{
    return xasprintf(
        "<?xml version='1.0' encoding='UTF-8' standalone='no' ?>\n"
        "<!DOCTYPE OPS_envelope SYSTEM 'ops.dtd'>\n<OPS_envelope><header>"
        "<version>0.9</version></header><body><data_block><dt_assoc>"
        "<item key=\"protocol\">XCP</item><item key=\"action\">%s</item>"
        "<item key=\"object\">EVENT</item><item key=\"attributes\">"
        "<dt_assoc><item key=\"%s\">%s</item></dt_assoc></item></dt_assoc>"
        "</data_block></body></OPS_envelope>\n",
        action, key, val);
}

/* body_events - the event ids of a POLL answer in o, in order, as one
 * string "id1,id2,..." (static). */
static const char *body_events(const struct sim_outcome *o)
{
    static char ids[1024];
    const char *b = strstr(o->out.data, "\r\n\r\n") + 4;
    struct xcp_msg m;
    assert_int_equal(
        xcp_parse(b, o->out.len - (size_t)(b - o->out.data), &m, NULL), 0);
    ids[0] = '\0';
    for (int i = 0;; i++) {
        char path[64];
        snprintf(path, sizeof(path), "attributes.events[%d].event_id", i);
        const char *id = xcp_path_str(m.data, path);
        if (!id)
            break;
        snprintf(ids + strlen(ids), sizeof(ids) - strlen(ids), "%s%s",
                 i ? "," : "", id);
    }
    xcp_msg_free(&m);
    return ids;
}

/* three_events - alice's queue holds three events; their ids in id[]. */
static void three_events(char id[3][33])
{
    pthread_mutex_lock(&S.mu);
    sim_now(&S);
    for (int i = 0; i < 3; i++) {
        json_t *d = json_object();
        sim_jset_str(d, "domain_name", "e.com");
        sim_event(&S, "alice", "NAMESERVER_UPDATE", "DOMAIN", d);
        json_t *ev = json_object_get(S.state, "events");
        snprintf(id[i], 33, "%s",
                 sim_jstr(json_array_get(ev, json_array_size(ev) - 1),
                          "event_id", ""));
    }
    pthread_mutex_unlock(&S.mu);
}

static size_t queued(void)
{
    return json_array_size(json_object_get(S.state, "events"));
}

static void poll_event(const char *limit, struct sim_outcome *o)
{
    char *body = event_body("POLL", "limit", limit);
    exchange("alice", "secretkey", body, o);
    free(body);
}

static void ack_event(const char *id, struct sim_outcome *o)
{
    char *body = event_body("ACK", "event_id", id);
    exchange("alice", "secretkey", body, o);
    free(body);
}

/* Faults on POLL and ACK EVENT, through rules as a client meets them. */
static void faults_on_poll_and_ack(void **state)
{
    char id[3][33], want[128];
    three_events(id);
    struct sim_outcome o;

    /* a lost answer to an ACK: the event is gone all the same */
    add_rule("{\"action\":\"ACK\",\"fault\":\"close_after\",\"count\":1}");
    ack_event(id[0], &o);
    assert_int_equal(o.disp, SIM_CLOSE);
    assert_int_equal(o.out.len, 0);
    sim_outcome_release(&o);
    assert_int_equal(queued(), 2);
    /* the client retries: already acknowledged */
    ack_event(id[0], &o);
    assert_int_equal(body_code(&o), 480);
    sim_outcome_release(&o);

    /* refused before it acts: the event stays */
    static const char *const before[] = {"close_before", "http_500", "code_705",
                                         "auth_failure"};
    for (size_t i = 0; i < 4; i++) {
        char rule[96];
        snprintf(rule, sizeof(rule),
                 "{\"action\":\"ACK\",\"fault\":\"%s\",\"count\":1}",
                 before[i]);
        add_rule(rule);
        ack_event(id[1], &o);
        assert_string_equal(o.fault, before[i]);
        sim_outcome_release(&o);
        assert_int_equal(queued(), 2);
    }
    /* a lost POLL answer loses nothing: the events wait */
    add_rule("{\"action\":\"POLL\",\"fault\":\"close_after\",\"count\":1}");
    poll_event("100", &o);
    assert_int_equal(o.disp, SIM_CLOSE);
    sim_outcome_release(&o);
    poll_event("100", &o);
    snprintf(want, sizeof(want), "%s,%s", id[1], id[2]);
    assert_string_equal(body_events(&o), want);
    sim_outcome_release(&o);

    /* duplicate: the acknowledged event once more, first */
    add_rule("{\"action\":\"POLL\",\"fault\":\"duplicate\",\"count\":1}");
    poll_event("100", &o);
    assert_string_equal(o.fault, "duplicate");
    snprintf(want, sizeof(want), "%s,%s,%s", id[0], id[1], id[2]);
    assert_string_equal(body_events(&o), want);
    sim_outcome_release(&o);
    poll_event("100", &o);
    snprintf(want, sizeof(want), "%s,%s", id[1], id[2]);
    assert_string_equal(body_events(&o), want);
    sim_outcome_release(&o);

    /* reorder: newest first */
    add_rule("{\"action\":\"POLL\",\"fault\":\"reorder\",\"count\":1}");
    poll_event("100", &o);
    assert_string_equal(o.fault, "reorder");
    snprintf(want, sizeof(want), "%s,%s", id[2], id[1]);
    assert_string_equal(body_events(&o), want);
    sim_outcome_release(&o);
    poll_event("1", &o);
    assert_string_equal(body_events(&o), id[1]);
    sim_outcome_release(&o);

    /* the page faults leave other actions alone */
    add_rule("{\"fault\":\"reorder\",\"count\":1}");
    ack_event(id[1], &o);
    assert_int_equal(body_code(&o), 200);
    sim_outcome_release(&o);
    assert_int_equal(queued(), 1);
}

static void probability_zero_never_fires(void **state)
{
    add_rule("{\"fault\":\"code_705\",\"probability\":0}");
    for (int i = 0; i < 20; i++) {
        char *body = lookup_body("LOOKUP", "p.com");
        struct sim_outcome o;
        exchange("alice", "secretkey", body, &o);
        assert_int_equal(body_code(&o), 210);
        sim_outcome_release(&o);
        free(body);
    }
}

static void http_errors_get_ops_400_and_close(void **state)
{
    struct rm_err err;
    rm_err_set(&err, RM_ELIMIT, "request body of 9000000 bytes exceeds");
    struct sim_outcome o;
    sim_outcome_init(&o);
    sim_exchange_http_error(RM_ELIMIT, &err, &o);
    assert_int_equal(o.disp, SIM_SEND_CLOSE);
    assert_int_equal(body_code(&o), 400);
    assert_non_null(strstr(o.out.data, "Connection: close"));
    sim_outcome_release(&o);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(http_parser_table),
        cmocka_unit_test(http_header_block_is_capped),
        cmocka_unit_test(http_response_is_exact),
        cmocka_unit_test(rule_lines_parse),
        cmocka_unit_test(rules_match_by_action_domain_and_count),
        T(signature_is_checked),
        T(malformed_xml_is_ops_400),
        T(faults_bend_the_answer),
        T(faults_on_poll_and_ack),
        T(probability_zero_never_fires),
        T(http_errors_get_ops_400_and_close),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
