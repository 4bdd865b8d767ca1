/*
 * sim_exchange - XCP request handling without sockets (see sim_exchange.h).
 */
#include "sim/sim_exchange.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "sim/sim_actions.h"

void sim_outcome_init(struct sim_outcome *o)
{
    memset(o, 0, sizeof(*o));
    buf_init(&o->out);
    buf_init(&o->body);
    o->status = "200 OK";
    o->ctype = "text/xml";
    o->code = 0;
    o->fault = "-";
    snprintf(o->user, sizeof(o->user), "-");
    snprintf(o->action, sizeof(o->action), "-");
    snprintf(o->object, sizeof(o->object), "-");
    snprintf(o->domain, sizeof(o->domain), "-");
}

void sim_outcome_release(struct sim_outcome *o)
{
    buf_release(&o->out);
    buf_release(&o->body);
}

/* send_tree - the answer is this OPS document, whole. */
static void send_tree(struct sim_outcome *o, const struct xcp_value *tree,
                      bool keep_alive)
{
    buf_reset(&o->body);
    xcp_emit(tree, &o->body);
    o->body_sent = o->body.len;
    o->status = "200 OK";
    o->ctype = "text/xml";
    o->disp = keep_alive ? SIM_SEND : SIM_SEND_CLOSE;
}

/* http_wrap - o->body as an HTTP/1.1 response in o->out. */
static void http_wrap(struct sim_outcome *o)
{
    buf_reset(&o->out);
    if (o->disp != SIM_SEND && o->disp != SIM_SEND_CLOSE)
        return;
    sim_http_response(&o->out, o->status, o->ctype, o->body.data, o->body_sent,
                      o->body_sent < o->body.len ? o->body.len : 0,
                      o->disp == SIM_SEND_CLOSE);
}

static void send_error(struct sim_outcome *o, int code, const char *text,
                       bool keep_alive)
{
    struct xcp_value *r = sim_error_reply(NULL, code, text);
    send_tree(o, r, keep_alive);
    o->code = code;
    xcp_free(r);
}

void sim_exchange_http_error(int rc, const struct rm_err *err,
                             struct sim_outcome *o)
{
    char text[600];
    snprintf(text, sizeof(text), "%s: %s",
             rc == RM_ELIMIT ? "Request too large" : "Bad HTTP request",
             err ? err->msg : "");
    buf_reset(&o->out);
    send_error(o, 400, text, false);
    http_wrap(o);
    o->fault = "-";
}

static double draw(void *arg)
{
    return sim_random(arg);
}

/* count - every parsed request, faulted or not (tests prove "sent once"
 * with these numbers). */
static void count(struct sim *sim, const char *action, const char *domain)
{
    json_t *acts = json_object_get(sim->counts, "actions");
    json_t *n = json_object_get(acts, action);
    json_object_set_new(acts, action,
                        json_integer(n ? json_integer_value(n) + 1 : 1));
    if (!domain || !*domain)
        return;
    json_t *doms = json_object_get(sim->counts, "domains");
    json_t *per = json_object_get(doms, action);
    if (!per) {
        per = json_object();
        json_object_set_new(doms, action, per);
    }
    /* a fuzzing or hostile client must not grow the table forever */
    if (json_object_size(per) >= 100000 && !json_object_get(per, domain))
        return;
    n = json_object_get(per, domain);
    json_object_set_new(per, domain,
                        json_integer(n ? json_integer_value(n) + 1 : 1));
}

static const char *fault_text(enum sim_fault_kind f, int *code)
{
    switch (f) {
    case SIM_FAULT_CODE_705:
        *code = 705;
        return "Timed out, resubmit request.";
    case SIM_FAULT_CODE_486:
        *code = 486;
        return "Domain is in a processing state; retry shortly";
    case SIM_FAULT_CODE_300:
        *code = 300;
        return "Exceeded max command rate";
    case SIM_FAULT_CODE_310:
        *code = 310;
        return "Exceeded max simultaneous connections";
    case SIM_FAULT_CODE_400:
        *code = 400;
        return "Internal Server Error";
    default:
        *code = 400;
        return "Internal Server Error";
    }
}

void sim_exchange_run(struct sim *sim, struct xcp_parser *parser,
                      const struct sim_exchange_in *in, struct sim_outcome *o)
{
    bool keep = in->keep_alive;
    bool has_user = in->user && *in->user;
    struct rm_err err;
    rm_err_clear(&err);
    if (has_user)
        snprintf(o->user, sizeof(o->user), "%s", in->user);

    struct xcp_msg msg = {0};
    if (xcp_parser_parse(parser, in->body, in->body_len, &msg, &err) < 0) {
        char text[600];
        snprintf(text, sizeof(text), "XML parse error: %s", err.msg);
        send_error(o, 400, text, keep);
        return;
    }
    struct xcp_request r;
    if (!msg.data || xcp_request_read(msg.data, &r, &err) < 0) {
        char text[600];
        snprintf(text, sizeof(text), "Invalid request: %s",
                 msg.data ? err.msg : "empty data_block");
        send_error(o, 400, text, keep);
        xcp_msg_free(&msg);
        return;
    }
    snprintf(o->action, sizeof(o->action), "%s", r.action[0] ? r.action : "-");
    snprintf(o->object, sizeof(o->object), "%s", r.object[0] ? r.object : "-");
    char domain[128] = "";
    const char *d = r.attrs && xcp_type(r.attrs) == XCP_ASSOC
                        ? xcp_path_str(r.attrs, "domain")
                        : NULL;
    /* SEND_AUTHCODE and WHMCS-style requests name it domain_name */
    if ((!d || !*d) && r.attrs && xcp_type(r.attrs) == XCP_ASSOC)
        d = xcp_path_str(r.attrs, "domain_name");
    if (d && !sim_norm_domain(d, domain, sizeof(domain)))
        domain[0] = '\0';
    if (domain[0])
        snprintf(o->domain, sizeof(o->domain), "%s", domain);

    pthread_mutex_lock(&sim->mu);
    count(sim, r.action, domain);
    const char *key = has_user ? sim_reseller_key(sim, in->user) : NULL;
    if (!key ||
        (in->sig && !xcp_sign_check(in->body, in->body_len, key, in->sig))) {
        pthread_mutex_unlock(&sim->mu);
        send_error(o, 401, "Authentication Failed", keep);
        xcp_msg_free(&msg);
        return;
    }
    struct sim_fault_hit hit = {SIM_FAULT_NONE, 0, 0, -1};
    sim_rules_match(&sim->rules, r.action, domain[0] ? domain : NULL, draw, sim,
                    &hit);
    o->fault = hit.fault == SIM_FAULT_NONE ? "-" : sim_fault_name(hit.fault);

    /* faults that answer without applying the effect */
    switch (hit.fault) {
    case SIM_FAULT_CLOSE_BEFORE:
        pthread_mutex_unlock(&sim->mu);
        o->disp = SIM_CLOSE;
        xcp_msg_free(&msg);
        return;
    case SIM_FAULT_HANG:
        pthread_mutex_unlock(&sim->mu);
        o->disp = SIM_HANG;
        xcp_msg_free(&msg);
        return;
    case SIM_FAULT_HTTP_500: {
        pthread_mutex_unlock(&sim->mu);
        static const char page[] =
            "<html><body><h1>500 Internal Server Error</h1></body></html>\n";
        buf_reset(&o->body);
        buf_add(&o->body, page, sizeof(page) - 1);
        o->body_sent = o->body.len;
        o->status = "500 Internal Server Error";
        o->ctype = "text/html";
        o->disp = SIM_SEND_CLOSE;
        o->code = 500;
        xcp_msg_free(&msg);
        return;
    }
    case SIM_FAULT_AUTH_FAILURE:
        pthread_mutex_unlock(&sim->mu);
        send_error(o, 401, "Authentication Failed", keep);
        xcp_msg_free(&msg);
        return;
    case SIM_FAULT_CODE_705:
    case SIM_FAULT_CODE_486:
    case SIM_FAULT_CODE_300:
    case SIM_FAULT_CODE_310:
    case SIM_FAULT_CODE_400: {
        pthread_mutex_unlock(&sim->mu);
        int code;
        const char *text = fault_text(hit.fault, &code);
        struct xcp_value *resp =
            sim_error_reply(r.object[0] ? r.object : "DOMAIN", code, text);
        send_tree(o, resp, keep);
        o->code = code;
        xcp_free(resp);
        xcp_msg_free(&msg);
        return;
    }
    default:
        break;
    }

    struct sim_mode mode = {SIM_FAULT_NONE, hit.complete_after};
    if (hit.fault == SIM_FAULT_ASYNC || hit.fault == SIM_FAULT_QUEUE ||
        hit.fault == SIM_FAULT_FORCED_PENDING ||
        hit.fault == SIM_FAULT_DECLINE_LATER ||
        hit.fault == SIM_FAULT_DUPLICATE || hit.fault == SIM_FAULT_REORDER)
        mode.fault = hit.fault;
    struct xcp_value *resp = sim_act(sim, in->user, &r, &mode);
    if (sim_save_if_dirty(sim, &err) < 0)
        fprintf(stderr, "opensrs-sim: %s\n", err.msg);
    pthread_mutex_unlock(&sim->mu);
    xcp_msg_free(&msg);

    struct xcp_response rr;
    o->code = xcp_response_read(resp, &rr, NULL) == 0 ? rr.code : 0;
    o->delay_ms = hit.fault == SIM_FAULT_DELAY ? hit.delay_ms : 0;

    switch (hit.fault) {
    case SIM_FAULT_CLOSE_AFTER:
        /* the effect is applied (above); the answer is lost */
        o->disp = SIM_CLOSE;
        break;
    case SIM_FAULT_MALFORMED: {
        send_tree(o, resp, keep);
        /* cut the document in the middle of an element */
        if (o->body.len > 0) { /* always: the emitter wrote a document */
            o->body.len /= 2;
            o->body.data[o->body.len] = '\0';
        }
        buf_adds(&o->body, "<item key=\"response_code\"><dt_assoc></item>\n");
        o->body_sent = o->body.len;
        break;
    }
    case SIM_FAULT_TRUNCATED:
        /* claim more bytes than follow, then close: the client sees a
         * short body */
        send_tree(o, resp, false);
        o->body_sent = o->body.len / 2;
        break;
    default:
        send_tree(o, resp, keep);
        break;
    }
    xcp_free(resp);
}

void sim_exchange(struct sim *sim, struct xcp_parser *parser,
                  const struct sim_http_req *req, struct sim_outcome *o)
{
    struct sim_exchange_in in = {
        .user = req->has_user ? req->user : NULL,
        .body = req->body,
        .body_len = req->body_len,
        .sig = req->sig,
        .keep_alive = req->keep_alive,
    };
    sim_exchange_run(sim, parser, &in, o);
    http_wrap(o);
}

void sim_outcome_log(const struct sim_outcome *o, const char *peer,
                     size_t bytes_in, size_t bytes_out, double ms,
                     struct buf *line)
{
    char ts[32];
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    struct tm tm;
    gmtime_r(&now.tv_sec, &tm);
    strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
    /* user names and domains are printed with control bytes replaced so a
     * hostile request cannot forge log lines */
    char user[128], domain[128], action[64], object[64];
    snprintf(user, sizeof(user), "%s", o->user);
    snprintf(domain, sizeof(domain), "%s", o->domain);
    snprintf(action, sizeof(action), "%s", o->action);
    snprintf(object, sizeof(object), "%s", o->object);
    char *fields[] = {user, domain, action, object};
    for (size_t i = 0; i < 4; i++)
        for (char *p = fields[i]; *p; p++)
            if (!isgraph((unsigned char)*p))
                *p = '?';
    buf_addf(line,
             "%s.%03ldZ peer=%s user=%s action=%s object=%s domain=%s "
             "code=%d in=%zu out=%zu ms=%.1f fault=%s",
             ts, now.tv_nsec / 1000000, peer, user, action, object, domain,
             o->code, bytes_in, bytes_out, ms, o->fault);
}
