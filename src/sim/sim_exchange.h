/*
 * sim_exchange - one XCP request in, the bytes to answer (or a decision
 * not to) out. This is the sim's request handling without sockets: parse
 * the OPS body, count it, check the signature, match fault rules, run the
 * action, emit the answer and bend it the way the fault asks. The server
 * and the fuzz targets both call it.
 *
 * Two layers: sim_exchange_run is the wire-neutral core (a body from a
 * user, either signed or from an already authenticated legacy session;
 * the answer as a document plus how to deliver it), and its callers wrap
 * that answer for their wire: sim_exchange for HTTP (here), sim_legacy
 * for the legacy protocol's encrypted frames.
 *
 * Locking: sim_exchange takes sim->mu itself, for the state work only;
 * it never sleeps with it held (the server does delays and hangs).
 */
#ifndef RM_SIM_SIM_EXCHANGE_H
#define RM_SIM_SIM_EXCHANGE_H

#include <stdbool.h>
#include <stdint.h>

#include "sim/sim_http.h"
#include "sim/sim_state.h"
#include "util/buf.h"
#include "xcp/xcp.h"

enum sim_disposition {
    SIM_SEND,       /* send out, keep the connection if keep_alive */
    SIM_SEND_CLOSE, /* send out, then close */
    SIM_CLOSE,      /* close without sending anything */
    SIM_HANG        /* send nothing; hold the connection until the peer
                       goes away */
};

struct sim_outcome {
    struct buf out; /* the complete answer as it goes on the wire */
    /* the answer before the wire wrapping (sim_exchange_run): the
     * document (or the error page), how much of it goes out (less than
     * body.len: the "truncated" fault, whose wrapper claims the whole
     * length), and the HTTP status and content type an HTTP wrapper uses */
    struct buf body;
    size_t body_sent;
    const char *status;
    const char *ctype;
    enum sim_disposition disp;
    int64_t delay_ms; /* sleep before acting on disp */
    /* for the exchange log (never secrets) */
    char user[128];
    char action[64];
    char object[64];
    char domain[128];
    int code; /* OPS response_code, or HTTP status for non-OPS answers */
    const char *fault;
};

void sim_outcome_init(struct sim_outcome *o);
void sim_outcome_release(struct sim_outcome *o);

/* One request for sim_exchange_run. */
struct sim_exchange_in {
    const char *user; /* the reseller; NULL or "" = none given */
    const char *body;
    size_t body_len;
    /* the X-Signature to check against the user's key; NULL = the
     * caller has authenticated user already (a legacy session) */
    const char *sig;
    bool keep_alive; /* the wire can carry another request afterwards */
};

/*
 * sim_exchange_run - the core: parse, count, authenticate (when in->sig),
 * match fault rules, run the action. Fills o->body/body_sent/status/
 * ctype, o->disp, o->delay_ms and the log fields; leaves o->out empty
 * for the caller's wire wrapping. disp SIM_SEND_CLOSE or SIM_SEND means
 * o->body is to be delivered; SIM_CLOSE and SIM_HANG deliver nothing.
 */
void sim_exchange_run(struct sim *sim, struct xcp_parser *parser,
                      const struct sim_exchange_in *in, struct sim_outcome *o);

/*
 * sim_exchange - answer one parsed HTTP request on the XCP endpoint
 * (sim_exchange_run wrapped in an HTTP/1.1 response in o->out).
 * parser is the caller's (one per thread).
 */
void sim_exchange(struct sim *sim, struct xcp_parser *parser,
                  const struct sim_http_req *req, struct sim_outcome *o);

/*
 * sim_exchange_http_error - the answer to a request the HTTP layer
 * refused (rc from sim_http_parse): an OPS error (400 with err's text) on
 * HTTP 200, then close.
 */
void sim_exchange_http_error(int rc, const struct rm_err *err,
                             struct sim_outcome *o);

/* sim_outcome_log - one log line (no newline) for an exchange. */
void sim_outcome_log(const struct sim_outcome *o, const char *peer,
                     size_t bytes_in, size_t bytes_out, double ms,
                     struct buf *line);

#endif
