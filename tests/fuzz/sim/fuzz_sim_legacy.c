/*
 * fuzz_sim_legacy - libFuzzer target for opensrs-sim's legacy-protocol
 * session (sim_legacy) without sockets: framing, the handshake, the
 * challenge check, decryption, the command limit and, through
 * sim_exchange_run, every action handler and fault with the encrypted
 * wrapping.
 *
 * The first input byte picks the mode:
 *   0 mod 4: the rest is raw bytes from a client into a fresh session
 *            (the handshake as far as the bytes get);
 *   1 mod 4: the harness does the handshake as reseller "leg" with
 *            Blowfish (it reads the challenge from the session, as a
 *            client reads it from the wire), then the rest after the
 *            second byte is split at NUL bytes and each piece is sent
 *            as one encrypted command;
 *   2 mod 4: the same with DES as reseller "old";
 *   3 mod 4: the Blowfish handshake, then the rest as raw bytes.
 * In modes 1-3 the second byte, when below 20, installs a fault rule of
 * that kind for every action (count 2) before the commands.
 * Properties: no crash, no leak; a correct handshake always succeeds;
 * every disposition other than "send and read on" ends the session;
 * closing and hanging send nothing; every answer is exactly one frame
 * (except the truncated fault's, which claims more than it holds); an
 * encrypted answer decrypts under the session key and, unless a fault
 * bends it, parses as an OPS document; a plain one (other than the
 * challenge) parses too; no session runs more than 100 commands.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/sim_fault.h"
#include "sim/sim_legacy.h"
#include "sim/sim_state.h"
#include "util/xalloc.h"
#include "xcp/xcp.h"
#include "xcp/xcp_legacy.h"

#define BF_KEY                                                                 \
    "0b30557a9fc4e90e33587da2c7ec11365b80a5caef14395e83a8cdf2173c6186"         \
    "abd0f51a3f6489aed3f81d42678cb1d6fb20456a8fb4d9fe"
#define DES_KEY "0123456789abcdef"

static struct sim S;
static struct xcp_parser *P;
static struct xcp_legacy_cipher *BF, *DES;
static unsigned runs;

static int64_t fixed_time(void)
{
    return 1800000000;
}

static void init_once(void)
{
    if (P)
        return;
    struct sim_config cfg;
    sim_config_init(&cfg);
    if (sim_config_add_reseller(&cfg, "leg:" BF_KEY, NULL) < 0 ||
        sim_config_add_reseller(&cfg, "old:" DES_KEY, NULL) < 0 ||
        sim_config_add_reseller(&cfg, "alice:k1", NULL) < 0)
        abort();
    if (sim_init(&S, &cfg, NULL) < 0)
        abort();
    S.realtime = fixed_time;
    P = xcp_parser_new();
    BF = xcp_legacy_cipher_new(XCP_LEGACY_BLOWFISH, BF_KEY, NULL);
    DES = xcp_legacy_cipher_new(XCP_LEGACY_DES, DES_KEY, NULL);
    if (!BF || !DES)
        abort();
}

/* check_parses - the payload must be an OPS document. */
static void check_parses(const char *p, size_t n)
{
    struct xcp_msg msg = {0};
    if (xcp_parse(p, n, &msg, NULL) < 0 || !msg.data)
        abort();
    xcp_msg_free(&msg);
}

/* check_out - the properties of one step's answer. c: the session key,
 * NULL when the harness does not know it (raw mode). */
static void check_out(const struct sim_legacy *s, const struct sim_outcome *o,
                      struct xcp_legacy_cipher *c, bool session_before)
{
    if (o->disp != SIM_SEND && sim_legacy_state(s) != SIM_LEGACY_DONE)
        abort();
    if (o->disp == SIM_CLOSE || o->disp == SIM_HANG) {
        if (o->out.len != 0)
            abort();
        return;
    }
    if (o->out.len == 0)
        return; /* a handshake step that needs no answer */
    size_t off, len;
    long used =
        xcp_legacy_unframe(o->out.data, o->out.len, 0, &off, &len, NULL);
    bool truncated = strcmp(o->fault, "truncated") == 0;
    if (truncated) {
        if (used != 0)
            abort(); /* it must claim more than it holds */
        return;
    }
    if (used < 0 || (size_t)used != o->out.len)
        abort();
    const char *payload = o->out.data + off;
    if (xcp_legacy_is_encrypted(payload, len)) {
        if (!session_before && sim_legacy_state(s) != SIM_LEGACY_SESSION)
            abort(); /* encrypted before there was a key */
        if (!c)
            return;
        struct buf plain;
        buf_init(&plain);
        if (xcp_legacy_decrypt(c, payload, len, &plain, NULL) < 0)
            abort();
        if (strcmp(o->fault, "malformed") != 0 &&
            strcmp(o->fault, "http_500") != 0)
            check_parses(plain.data, plain.len);
        buf_release(&plain);
        return;
    }
    if (session_before)
        abort(); /* a session answers only encrypted */
    if (sim_legacy_state(s) == SIM_LEGACY_ANSWER && len == SIM_LEGACY_CHALLENGE)
        return; /* the challenge */
    check_parses(payload, len);
}

/* feed - run the session over in until it needs more bytes or ends;
 * false once it has ended. */
static bool feed(struct sim_legacy *s, struct buf *in,
                 struct xcp_legacy_cipher *c)
{
    for (;;) {
        if (sim_legacy_state(s) == SIM_LEGACY_DONE)
            return false;
        bool session_before = sim_legacy_state(s) == SIM_LEGACY_SESSION;
        struct sim_outcome o;
        sim_outcome_init(&o);
        bool log = false;
        long used = sim_legacy_step(s, in->data, in->len, &o, &log);
        if (used < 0 || (size_t)used > in->len)
            abort();
        if (used == 0) {
            sim_outcome_release(&o);
            return true;
        }
        check_out(s, &o, c, session_before);
        if (sim_legacy_commands(s) > XCP_LEGACY_SESSION_MAX)
            abort();
        struct buf line;
        buf_init(&line);
        if (log)
            sim_outcome_log(&o, "127.0.0.1:1", (size_t)used, o.out.len, 0.0,
                            &line);
        buf_release(&line);
        bool go = o.disp == SIM_SEND;
        sim_outcome_release(&o);
        memmove(in->data, in->data + used, in->len - (size_t)used);
        in->len -= (size_t)used;
        in->data[in->len] = '\0';
        if (!go)
            return false;
    }
}

static void add_ops(struct buf *in, struct xcp_value *req)
{
    struct buf doc;
    buf_init(&doc);
    xcp_emit(req, &doc);
    xcp_legacy_frame(in, doc.data, doc.len);
    buf_release(&doc);
    xcp_free(req);
}

/* handshake - a session authenticated as user with cipher c. */
static struct sim_legacy *handshake(struct xcp_legacy_cipher *c,
                                    const char *user, const char *crypt)
{
    struct sim_legacy *s = sim_legacy_new(&S, P);
    struct buf in;
    buf_init(&in);
    struct xcp_value *a = xcp_assoc_new();
    xcp_assoc_set_str(a, "sender", "fuzz");
    xcp_assoc_set_str(a, "version", "XML:0.1");
    xcp_assoc_set_str(a, "state", "ready");
    add_ops(&in, xcp_request_new("check", "version", a));
    a = xcp_assoc_new();
    xcp_assoc_set_str(a, "crypt_type", crypt);
    xcp_assoc_set_str(a, "username", user);
    xcp_assoc_set_str(a, "password", user);
    add_ops(&in, xcp_request_new("authenticate", "user", a));
    if (!feed(s, &in, c) || in.len != 0 || !sim_legacy_challenge(s))
        abort();
    struct buf ans;
    buf_init(&ans);
    if (xcp_legacy_challenge_answer(c, sim_legacy_challenge(s),
                                    SIM_LEGACY_CHALLENGE, &ans, NULL) < 0)
        abort();
    xcp_legacy_frame(&in, ans.data, ans.len);
    buf_release(&ans);
    if (!feed(s, &in, c) || sim_legacy_state(s) != SIM_LEGACY_SESSION)
        abort();
    buf_release(&in);
    return s;
}

static void install_fault(uint8_t b)
{
    if (b == SIM_FAULT_NONE || b > SIM_FAULT_REORDER)
        return;
    char line[96];
    snprintf(line, sizeof(line), "fault=%s count=2",
             sim_fault_name((enum sim_fault_kind)b));
    struct sim_rule rule;
    if (sim_rule_from_line(line, &rule, NULL) != 1)
        abort();
    pthread_mutex_lock(&S.mu);
    sim_rules_add(&S.rules, &rule);
    pthread_mutex_unlock(&S.mu);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    init_once();
    if (size == 0)
        return 0;
    pthread_mutex_lock(&S.mu);
    sim_rules_clear(&S.rules);
    /* bound the world so long runs stay fast and deterministic */
    if (++runs % 256 == 0)
        sim_reset(&S);
    pthread_mutex_unlock(&S.mu);
    unsigned mode = data[0] % 4;
    struct buf in;
    buf_init(&in);
    if (mode == 0) {
        struct sim_legacy *s = sim_legacy_new(&S, P);
        buf_add(&in, data + 1, size - 1);
        feed(s, &in, NULL);
        sim_legacy_free(s);
        buf_release(&in);
        return 0;
    }
    struct xcp_legacy_cipher *c = mode == 2 ? DES : BF;
    struct sim_legacy *s = mode == 2 ? handshake(DES, "old", "DES")
                                     : handshake(BF, "leg", "blowfish");
    if (size >= 2)
        install_fault(data[1]);
    const uint8_t *rest = size >= 2 ? data + 2 : data + size;
    size_t len = size >= 2 ? size - 2 : 0;
    if (mode == 3) {
        buf_add(&in, rest, len);
        feed(s, &in, c);
    } else {
        static const uint8_t iv[8] = {1, 2, 3, 4, 5, 6, 7, 8};
        size_t i = 0;
        while (i <= len) {
            const uint8_t *nul = memchr(rest + i, 0, len - i);
            size_t n = nul ? (size_t)(nul - (rest + i)) : len - i;
            struct buf enc;
            buf_init(&enc);
            if (xcp_legacy_encrypt(c, rest + i, n, iv, &enc, NULL) < 0)
                abort();
            xcp_legacy_frame(&in, enc.data, enc.len);
            buf_release(&enc);
            bool go = feed(s, &in, c);
            if (!go || in.len != 0) {
                /* an ended session, or a hang: nothing more is read */
                break;
            }
            i += n + 1;
        }
    }
    sim_legacy_free(s);
    buf_release(&in);
    return 0;
}
