/*
 * fuzz_sim_request - libFuzzer target for opensrs-sim's request handling
 * without sockets: the HTTP parser, sim_exchange (XML parse, signature,
 * fault rules, every action handler, emitting) and the control API.
 *
 * The first input byte picks the mode:
 *   0 mod 3: the input is raw HTTP bytes for the XCP endpoint (mostly
 *            stopped by the signature check, which is the point);
 *   1 mod 3: the rest is an XCP body, wrapped in a correctly signed
 *            request so it reaches the action handlers;
 *   2 mod 3: the rest is raw HTTP bytes for the control API.
 * Properties: no crash, no leak, and every answer is a complete HTTP/1.1
 * response whose Content-Length matches its body (except the "truncated"
 * fault, which the control API can switch on by design).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/sim_control.h"
#include "sim/sim_exchange.h"
#include "sim/sim_http.h"
#include "sim/sim_state.h"
#include "util/xalloc.h"
#include "xcp/xcp.h"

static struct sim S;
static struct xcp_parser *P;
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
    sim_config_add_reseller(&cfg, "alice:k1", NULL);
    if (sim_init(&S, &cfg, NULL) < 0)
        abort();
    S.realtime = fixed_time;
    P = xcp_parser_new();
}

static void check_response(const struct sim_outcome *o)
{
    if (o->disp == SIM_CLOSE || o->disp == SIM_HANG) {
        if (o->out.len != 0)
            abort();
        return;
    }
    if (o->out.len < 17 || memcmp(o->out.data, "HTTP/1.1 ", 9) != 0)
        abort();
    const char *end = strstr(o->out.data, "\r\n\r\n");
    const char *cl = strstr(o->out.data, "Content-Length: ");
    if (!end || !cl || cl > end)
        abort();
    size_t body = o->out.len - (size_t)(end + 4 - o->out.data);
    size_t claim = strtoul(cl + 16, NULL, 10);
    if (claim != body && strcmp(o->fault, "truncated") != 0)
        abort();
}

static void run_http(const char *buf, size_t len, bool control)
{
    struct sim_http_req req;
    struct rm_err err;
    long used =
        sim_http_parse(buf, len, SIM_HTTP_MAX_HEADER,
                       control ? 1024u * 1024u : XCP_MAX_BODY, &req, &err);
    struct sim_outcome o;
    sim_outcome_init(&o);
    if (used < 0)
        sim_exchange_http_error((int)used, &err, &o);
    else if (used > 0 && control)
        sim_control(&S, &req, &o);
    else if (used > 0)
        sim_exchange(&S, P, &req, &o);
    if (used != 0)
        check_response(&o);
    struct buf line;
    buf_init(&line);
    sim_outcome_log(&o, "127.0.0.1:1", len, o.out.len, 0.0, &line);
    buf_release(&line);
    sim_outcome_release(&o);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    init_once();
    if (size == 0)
        return 0;
    /* bound the world so long runs stay fast and deterministic */
    if (++runs % 256 == 0) {
        pthread_mutex_lock(&S.mu);
        sim_reset(&S);
        sim_rules_clear(&S.rules);
        pthread_mutex_unlock(&S.mu);
    }
    unsigned mode = data[0] % 3;
    const char *body = (const char *)data + 1;
    size_t len = size - 1;
    if (mode == 1) {
        char sig[33];
        xcp_sign(body, len, "k1", sig);
        struct buf req;
        buf_init(&req);
        buf_addf(&req,
                 "POST / HTTP/1.1\r\nX-Username: alice\r\nX-Signature: %s\r\n"
                 "Content-Length: %zu\r\n\r\n",
                 sig, len);
        buf_add(&req, body, len);
        run_http(req.data, req.len, false);
        buf_release(&req);
    } else {
        /* a private NUL-terminated copy: the parser may look past len */
        char *copy = xmalloc(len + 1);
        memcpy(copy, body, len);
        copy[len] = '\0';
        run_http(copy, len, mode == 2);
        free(copy);
    }
    return 0;
}
