/*
 * Tests of opensrs-sim's legacy-protocol session (sim_legacy) without
 * sockets: the handshake's refusals, the session's error answers, the
 * 100-command limit and every fault's encrypted wrapping. (The Perl
 * client legacy_perl.pl checks the same protocol over real sockets,
 * independently of this code.)
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sim/sim_fault.h"
#include "sim/sim_legacy.h"
#include "sim/sim_state.h"
#include "util/xalloc.h"
#include "xcp/xcp.h"
#include "xcp/xcp_legacy.h"

#define KEY                                                                    \
    "0b30557a9fc4e90e33587da2c7ec11365b80a5caef14395e83a8cdf2173c6186"         \
    "abd0f51a3f6489aed3f81d42678cb1d6fb20456a8fb4d9fe"

struct fx {
    struct sim sim;
    struct xcp_parser *parser;
    struct xcp_legacy_cipher *bf;
    struct sim_legacy *s;
};

static int64_t fixed_time(void)
{
    return 1800000000;
}

static int setup(void **state)
{
    struct fx *f = xcalloc(1, sizeof(*f));
    struct sim_config cfg;
    sim_config_init(&cfg);
    assert_int_equal(sim_config_add_reseller(&cfg, "leg:" KEY, NULL), 0);
    assert_int_equal(sim_config_add_reseller(&cfg, "nothex:k1", NULL), 0);
    assert_int_equal(sim_init(&f->sim, &cfg, NULL), 0);
    f->sim.realtime = fixed_time;
    f->parser = xcp_parser_new();
    f->bf = xcp_legacy_cipher_new(XCP_LEGACY_BLOWFISH, KEY, NULL);
    assert_non_null(f->bf);
    f->s = sim_legacy_new(&f->sim, f->parser);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    sim_legacy_free(f->s);
    xcp_legacy_cipher_free(f->bf);
    xcp_parser_free(f->parser);
    sim_release(&f->sim);
    free(f);
    return 0;
}

/* One step's result, the payload unframed (and decrypted if it was). */
struct res {
    enum sim_disposition disp;
    bool framed;    /* out is exactly one whole frame */
    bool encrypted; /* its payload starts "RandomIV" */
    bool log;
    struct buf payload; /* decrypted when encrypted */
    size_t out_len;
    char fault[32];
    int code; /* response_code when the payload is an OPS response */
};

static void res_release(struct res *r)
{
    buf_release(&r->payload);
}

/* step - frame body, feed it whole, read the answer. */
static void step(struct fx *f, const void *body, size_t len, struct res *r)
{
    struct buf in;
    buf_init(&in);
    xcp_legacy_frame(&in, body, len);
    struct sim_outcome o;
    sim_outcome_init(&o);
    memset(r, 0, sizeof(*r));
    buf_init(&r->payload);
    long used = sim_legacy_step(f->s, in.data, in.len, &o, &r->log);
    assert_int_equal(used, (long)in.len);
    r->disp = o.disp;
    r->out_len = o.out.len;
    snprintf(r->fault, sizeof(r->fault), "%s", o.fault);
    size_t off, blen;
    r->framed =
        o.out.len > 0 && xcp_legacy_unframe(o.out.data, o.out.len, 0, &off,
                                            &blen, NULL) == (long)o.out.len;
    if (r->framed) {
        r->encrypted = xcp_legacy_is_encrypted(o.out.data + off, blen);
        if (r->encrypted)
            assert_int_equal(xcp_legacy_decrypt(f->bf, o.out.data + off, blen,
                                                &r->payload, NULL),
                             0);
        else
            buf_add(&r->payload, o.out.data + off, blen);
        struct xcp_msg msg = {0};
        struct xcp_response rr;
        r->code = -1;
        if (xcp_parse(r->payload.data, r->payload.len, &msg, NULL) == 0 &&
            msg.data && xcp_response_read(msg.data, &rr, NULL) == 0)
            r->code = rr.code;
        xcp_msg_free(&msg);
    }
    sim_outcome_release(&o);
    buf_release(&in);
}

static void step_ops(struct fx *f, struct xcp_value *req, bool encrypt,
                     struct res *r)
{
    struct buf doc;
    buf_init(&doc);
    xcp_emit(req, &doc);
    xcp_free(req);
    if (encrypt) {
        struct buf enc;
        buf_init(&enc);
        assert_int_equal(
            xcp_legacy_encrypt(f->bf, doc.data, doc.len, NULL, &enc, NULL), 0);
        step(f, enc.data, enc.len, r);
        buf_release(&enc);
    } else {
        step(f, doc.data, doc.len, r);
    }
    buf_release(&doc);
}

static struct xcp_value *auth_req(const char *crypt, const char *user)
{
    struct xcp_value *a = xcp_assoc_new();
    if (crypt)
        xcp_assoc_set_str(a, "crypt_type", crypt);
    if (user)
        xcp_assoc_set_str(a, "username", user);
    return xcp_request_new("authenticate", "user", a);
}

/* to_answer - CHECK VERSION and AUTHENTICATE USER as user; the challenge
 * frame is checked. */
static void to_answer(struct fx *f, const char *user)
{
    struct res r;
    step_ops(f, xcp_request_new("check", "version", NULL), false, &r);
    assert_int_equal(r.disp, SIM_SEND);
    assert_int_equal(r.out_len, 0);
    res_release(&r);
    step_ops(f, auth_req("Blowfish", user), false, &r);
    assert_int_equal(r.disp, SIM_SEND);
    assert_true(r.framed);
    assert_false(r.encrypted);
    assert_int_equal(r.payload.len, SIM_LEGACY_CHALLENGE);
    assert_memory_equal(r.payload.data, sim_legacy_challenge(f->s),
                        SIM_LEGACY_CHALLENGE);
    res_release(&r);
    assert_int_equal(sim_legacy_state(f->s), SIM_LEGACY_ANSWER);
}

static void login(struct fx *f)
{
    to_answer(f, "leg");
    struct buf ans;
    buf_init(&ans);
    assert_int_equal(
        xcp_legacy_challenge_answer(f->bf, sim_legacy_challenge(f->s),
                                    SIM_LEGACY_CHALLENGE, &ans, NULL),
        0);
    struct res r;
    step(f, ans.data, ans.len, &r);
    buf_release(&ans);
    assert_int_equal(r.disp, SIM_SEND);
    assert_true(r.encrypted);
    assert_int_equal(r.code, 200);
    assert_true(r.log);
    res_release(&r);
    assert_int_equal(sim_legacy_state(f->s), SIM_LEGACY_SESSION);
}

/* fresh - a new session in place of the fixture's. */
static void fresh(struct fx *f)
{
    sim_legacy_free(f->s);
    f->s = sim_legacy_new(&f->sim, f->parser);
}

/* relogin - a new session, authenticated. */
static void relogin(struct fx *f)
{
    fresh(f);
    login(f);
}

static struct xcp_value *lookup(const char *domain)
{
    struct xcp_value *a = xcp_assoc_new();
    xcp_assoc_set_str(a, "domain", domain);
    return xcp_request_new("LOOKUP", "DOMAIN", a);
}

static void greeting_is_check_version(void **state)
{
    (void)state;
    struct buf out;
    buf_init(&out);
    sim_legacy_greeting(&out);
    assert_memory_equal(out.data, "Content-Length: ", 16);
    size_t off, len;
    assert_int_equal(xcp_legacy_unframe(out.data, out.len, 0, &off, &len, NULL),
                     (long)out.len);
    struct xcp_msg msg = {0};
    assert_int_equal(xcp_parse(out.data + off, len, &msg, NULL), 0);
    struct xcp_request r;
    assert_int_equal(xcp_request_read(msg.data, &r, NULL), 0);
    assert_string_equal(r.action, "CHECK");
    assert_string_equal(r.object, "VERSION");
    assert_string_equal(xcp_path_str(r.attrs, "sender"), "OpenSRS SERVER");
    assert_string_equal(xcp_path_str(r.attrs, "version"), "XML:0.1");
    assert_string_equal(xcp_path_str(r.attrs, "state"), "ready");
    xcp_msg_free(&msg);
    buf_release(&out);
}

static void handshake_refusals(void **state)
{
    struct fx *f = *state;
    struct res r;
    /* not CHECK VERSION first: plain 400, the end */
    step_ops(f, lookup("a.com"), false, &r);
    assert_int_equal(r.disp, SIM_SEND_CLOSE);
    assert_false(r.encrypted);
    assert_int_equal(r.code, 400);
    res_release(&r);
    assert_int_equal(sim_legacy_state(f->s), SIM_LEGACY_DONE);

    /* an unknown crypt_type, and a missing one */
    static const char *const bad[] = {"rot13", NULL};
    for (size_t i = 0; i < 2; i++) {
        fresh(f);
        step_ops(f, xcp_request_new("check", "version", NULL), false, &r);
        res_release(&r);
        step_ops(f, auth_req(bad[i], "leg"), false, &r);
        assert_int_equal(r.disp, SIM_SEND_CLOSE);
        assert_int_equal(r.code, 400);
        assert_non_null(strstr(r.payload.data, "Invalid encryption method"));
        res_release(&r);
    }

    /* unknown user, a reseller whose key is not hex, a wrong answer, a
     * name longer than any kept: a challenge, then a plain 415 */
    static const struct {
        const char *user;
        bool good_answer;
    } who[] = {{"nobody", true},
               {"nothex", true},
               {"leg", false},
               {"legxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
                "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
                true}};
    for (size_t i = 0; i < sizeof(who) / sizeof(who[0]); i++) {
        fresh(f);
        to_answer(f, who[i].user);
        struct buf ans;
        buf_init(&ans);
        uint8_t other[SIM_LEGACY_CHALLENGE] = {0};
        xcp_legacy_challenge_answer(
            f->bf, who[i].good_answer ? sim_legacy_challenge(f->s) : other,
            SIM_LEGACY_CHALLENGE, &ans, NULL);
        step(f, ans.data, ans.len, &r);
        buf_release(&ans);
        assert_int_equal(r.disp, SIM_SEND_CLOSE);
        assert_false(r.encrypted);
        assert_int_equal(r.code, 415);
        assert_true(r.log);
        res_release(&r);
        assert_int_equal(sim_legacy_state(f->s), SIM_LEGACY_DONE);
    }
}

static void session_errors_end_it(void **state)
{
    struct fx *f = *state;
    struct res r;
    /* ciphertext that is not whole blocks: encrypted 400, the end */
    login(f);
    step(f, "RandomIV12345678abc", 19, &r);
    assert_int_equal(r.disp, SIM_SEND_CLOSE);
    assert_true(r.encrypted);
    assert_int_equal(r.code, 400);
    res_release(&r);

    /* a plain document in a session: it does not decrypt */
    relogin(f);
    step_ops(f, lookup("a.com"), false, &r);
    assert_int_equal(r.disp, SIM_SEND_CLOSE);
    assert_int_equal(r.code, 400);
    res_release(&r);

    /* decrypts, but is not XML */
    relogin(f);
    struct buf enc;
    buf_init(&enc);
    xcp_legacy_encrypt(f->bf, "hello", 5, NULL, &enc, NULL);
    step(f, enc.data, enc.len, &r);
    buf_release(&enc);
    assert_int_equal(r.disp, SIM_SEND_CLOSE);
    assert_int_equal(r.code, 400);
    res_release(&r);

    /* not a frame at all */
    relogin(f);
    struct sim_outcome o;
    sim_outcome_init(&o);
    bool log;
    static const char junk[] = "GET / HTTP/1.0\r\n\r\n";
    assert_int_equal(sim_legacy_step(f->s, junk, sizeof(junk) - 1, &o, &log),
                     (long)sizeof(junk) - 1);
    assert_int_equal(o.disp, SIM_SEND_CLOSE);
    assert_int_equal(sim_legacy_state(f->s), SIM_LEGACY_DONE);
    sim_outcome_release(&o);
}

static void quit_and_the_command_limit(void **state)
{
    struct fx *f = *state;
    struct res r;
    login(f);
    for (int i = 0; i < XCP_LEGACY_SESSION_MAX; i++) {
        step_ops(f, lookup("limit.com"), true, &r);
        assert_int_equal(r.disp, SIM_SEND);
        assert_int_equal(r.code, 210);
        res_release(&r);
    }
    step_ops(f, lookup("limit.com"), true, &r);
    assert_int_equal(r.disp, SIM_SEND_CLOSE);
    assert_true(r.encrypted);
    assert_int_equal(r.code, 350);
    res_release(&r);
    assert_int_equal(sim_legacy_commands(f->s), XCP_LEGACY_SESSION_MAX);
    json_t *n =
        json_object_get(json_object_get(f->sim.counts, "actions"), "LOOKUP");
    assert_int_equal(json_integer_value(n), XCP_LEGACY_SESSION_MAX);

    relogin(f);
    step_ops(f, xcp_request_new("quit", "session", NULL), true, &r);
    assert_int_equal(r.disp, SIM_SEND_CLOSE);
    assert_true(r.encrypted);
    assert_int_equal(r.code, 200);
    res_release(&r);
    assert_int_equal(sim_legacy_commands(f->s), 0);
}

/* every fault on a LOOKUP, as it reaches a legacy client */
static void faults_are_wrapped(void **state)
{
    struct fx *f = *state;
    static const struct {
        const char *fault;
        enum sim_disposition disp;
        bool framed;   /* one whole frame */
        int code;      /* -1: the payload is not an OPS response */
        int64_t delay; /* expected delay_ms */
    } cases[] = {
        {"close_before", SIM_CLOSE, false, 0, 0},
        {"close_after", SIM_CLOSE, false, 0, 0},
        {"hang", SIM_HANG, false, 0, 0},
        {"delay", SIM_SEND, true, 210, 1500},
        {"malformed", SIM_SEND, true, -1, 0},
        {"truncated", SIM_SEND_CLOSE, false, 0, 0},
        {"http_500", SIM_SEND_CLOSE, true, -1, 0},
        {"auth_failure", SIM_SEND, true, 401, 0},
        {"code_705", SIM_SEND, true, 705, 0},
        {"code_310", SIM_SEND, true, 310, 0},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        relogin(f);
        char line[128];
        snprintf(line, sizeof(line), "fault=%s action=lookup count=1%s",
                 cases[i].fault,
                 strcmp(cases[i].fault, "delay") == 0 ? " delay_ms=1500" : "");
        struct sim_rule rule;
        assert_int_equal(sim_rule_from_line(line, &rule, NULL), 1);
        sim_rules_add(&f->sim.rules, &rule);

        struct buf doc, enc, in;
        buf_init(&doc);
        buf_init(&enc);
        buf_init(&in);
        struct xcp_value *req = lookup("fault.com");
        xcp_emit(req, &doc);
        xcp_free(req);
        xcp_legacy_encrypt(f->bf, doc.data, doc.len, NULL, &enc, NULL);
        xcp_legacy_frame(&in, enc.data, enc.len);
        struct sim_outcome o;
        sim_outcome_init(&o);
        bool log;
        assert_int_equal(sim_legacy_step(f->s, in.data, in.len, &o, &log),
                         (long)in.len);
        assert_true(log);
        assert_string_equal(o.fault, cases[i].fault);
        assert_int_equal(o.disp, cases[i].disp);
        assert_int_equal(o.delay_ms, cases[i].delay);
        size_t off, blen;
        long used =
            xcp_legacy_unframe(o.out.data, o.out.len, 0, &off, &blen, NULL);
        if (cases[i].disp == SIM_CLOSE || cases[i].disp == SIM_HANG) {
            assert_int_equal(o.out.len, 0);
        } else if (!cases[i].framed) {
            /* truncated: the header claims the whole ciphertext, about
             * half of it follows */
            assert_int_equal(used, 0);
            char *end = strstr(o.out.data, "\r\n\r\n");
            assert_non_null(end);
            size_t claim = strtoul(o.out.data + 16, NULL, 10);
            size_t sent = o.out.len - (size_t)(end + 4 - o.out.data);
            assert_true(claim > sent && sent >= claim / 2 - 8 &&
                        sent <= claim / 2 + 8);
            assert_memory_equal(end + 4, "RandomIV", 8);
        } else {
            assert_int_equal(used, (long)o.out.len);
            assert_true(xcp_legacy_is_encrypted(o.out.data + off, blen));
            struct buf plain;
            buf_init(&plain);
            assert_int_equal(
                xcp_legacy_decrypt(f->bf, o.out.data + off, blen, &plain, NULL),
                0);
            struct xcp_msg msg = {0};
            int prc = xcp_parse(plain.data, plain.len, &msg, NULL);
            if (cases[i].code < 0) {
                assert_true(prc < 0);
                if (strcmp(cases[i].fault, "http_500") == 0)
                    assert_non_null(strstr(plain.data, "<html>"));
            } else {
                struct xcp_response rr;
                assert_int_equal(prc, 0);
                assert_int_equal(xcp_response_read(msg.data, &rr, NULL), 0);
                assert_int_equal(rr.code, cases[i].code);
            }
            xcp_msg_free(&msg);
            buf_release(&plain);
        }
        bool ended = cases[i].disp != SIM_SEND;
        assert_int_equal(sim_legacy_state(f->s) == SIM_LEGACY_DONE, ended);
        sim_outcome_release(&o);
        buf_release(&doc);
        buf_release(&enc);
        buf_release(&in);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(greeting_is_check_version),
        cmocka_unit_test_setup_teardown(handshake_refusals, setup, teardown),
        cmocka_unit_test_setup_teardown(session_errors_end_it, setup, teardown),
        cmocka_unit_test_setup_teardown(quit_and_the_command_limit, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(faults_are_wrapped, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
