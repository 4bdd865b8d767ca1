/*
 * sim_exchange - one XCP request in, the bytes to answer (or a decision
 * not to) out. This is the sim's request handling without sockets: parse
 * the OPS body, count it, check the signature, match fault rules, run the
 * action, emit the answer and bend it the way the fault asks. The server
 * and the fuzz target both call it.
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
    struct buf out; /* the complete HTTP response */
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

/*
 * sim_exchange - answer one parsed HTTP request on the XCP endpoint.
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
