/*
 * sim_server - the sockets of opensrs-sim: XCP listeners (plain or TLS),
 * legacy-protocol listeners (plain TCP, sim_legacy), the control
 * listener, one thread per connection.
 *
 * Each connection thread reads requests with sim_http_parse, answers XCP
 * with sim_exchange (or the control API with sim_control) and acts on the
 * outcome: send, send and close, close silently, or hang until the peer
 * leaves. A legacy connection gets the greeting on accept, then each
 * frame goes to sim_legacy_step, whose outcome is acted on the same way.
 * A request (or a legacy frame) must arrive whole within read_timeout_ms of its
 * first byte (slowloris clients are dropped); an idle keep-alive connection is
 * closed after idle_timeout_ms. At most max_conns connections are served;
 * more are closed at once.
 *
 * Ownership: the server borrows sim, tls and log; sim_server_stop joins
 * the accept threads and waits until every connection thread has ended.
 */
#ifndef RM_SIM_SIM_SERVER_H
#define RM_SIM_SIM_SERVER_H

#include <openssl/ssl.h>
#include <stdio.h>

#include "sim/sim_state.h"
#include "util/err.h"

#define SIM_MAX_LISTEN 8

struct sim_server_opts {
    const char *listen[SIM_MAX_LISTEN];
    size_t nlisten;
    /* legacy protocol listeners (never TLS); a budget of their own */
    const char *legacy[SIM_MAX_LISTEN];
    size_t nlegacy;
    const char *control; /* NULL = no control listener */
    SSL_CTX *tls;        /* NULL = plain HTTP on the XCP listeners */
    int read_timeout_ms;
    int idle_timeout_ms;
    int max_conns;
    FILE *log; /* one line per exchange; NULL = none */
};

struct sim_server;

/* sim_server_start - bind and listen on everything, start the accept
 * threads. The bound addresses are then available for the ready file. */
int sim_server_start(struct sim *sim, const struct sim_server_opts *opts,
                     struct sim_server **out, struct rm_err *err);
/* sim_server_write_ready - write the ready file atomically (tmp+rename):
 * listen=ADDR:PORT (one line per listener), legacy=ADDR:PORT (one per
 * legacy listener), control=..., tls=0|1. */
int sim_server_write_ready(const struct sim_server *srv, const char *path,
                           struct rm_err *err);
/* sim_server_stop - close the listeners, end all connections, join all
 * threads, free srv. */
void sim_server_stop(struct sim_server *srv);

#endif
