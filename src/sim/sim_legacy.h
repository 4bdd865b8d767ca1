/*
 * sim_legacy - one session of OpenSRS' legacy protocol (raw TCP, port
 * 55000; shared/opensrs-xcp.md §2) as a state machine without sockets:
 * the server feeds it the bytes it reads and writes what it answers; the
 * fuzz target does the same without a network.
 *
 * Every message is a frame, "Content-Length: N\r\n\r\n" and N bytes
 * (xcp_legacy_frame). A session goes
 *
 *   GREETING  the server's plain OPS CHECK VERSION (sender "OpenSRS
 *             SERVER", version "XML:0.1", state "ready"),
 *   VERSION   the client's plain CHECK VERSION,
 *   AUTH      the client's plain AUTHENTICATE USER (crypt_type blowfish
 *             or des, any case; username); the server answers with a
 *             frame of 16 random challenge bytes, for every username,
 *   ANSWER    the client's challenge answer (the MD5 of the challenge,
 *             encrypted under the reseller key): accepted only for a
 *             configured reseller whose key checks; the encrypted 200
 *             "Authentication successful" follows, or a PLAIN 415
 *             "Authentication failed" (the two sides share no key) and
 *             the end,
 *   SESSION   encrypted commands, each answered by sim_exchange_run
 *             exactly as over HTTP (counts, fault rules, actions) and
 *             encrypted back; QUIT SESSION ends it with an encrypted 200;
 *             the 101st command (XCP_LEGACY_SESSION_MAX) is not run but
 *             answered with an encrypted 350 and the end,
 *   DONE      nothing more is read.
 *
 * Anything out of sequence during the handshake gets a plain OPS error
 * 400 and the end; a session frame that is not a frame, does not decrypt
 * or does not parse as an OPS request gets an encrypted 400 and the end.
 *
 * Ownership: the session borrows sim and parser (one parser per thread)
 * and owns its cipher. Locking: as sim_exchange (sim->mu inside).
 */
#ifndef RM_SIM_SIM_LEGACY_H
#define RM_SIM_SIM_LEGACY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim/sim_exchange.h"
#include "sim/sim_state.h"
#include "util/buf.h"
#include "xcp/xcp.h"
#include "xcp/xcp_legacy.h"

/* Bytes of the challenge the server sends. */
#define SIM_LEGACY_CHALLENGE 16
/* The largest handshake frame accepted (OPS CHECK / AUTHENTICATE). */
#define SIM_LEGACY_MAX_HANDSHAKE (64u * 1024u)

enum sim_legacy_state {
    SIM_LEGACY_VERSION,
    SIM_LEGACY_AUTH,
    SIM_LEGACY_ANSWER,
    SIM_LEGACY_SESSION,
    SIM_LEGACY_DONE
};

struct sim_legacy;

struct sim_legacy *sim_legacy_new(struct sim *sim, struct xcp_parser *parser);
void sim_legacy_free(struct sim_legacy *s);

/* sim_legacy_greeting - append the framed greeting to out (the server
 * sends it on accept). */
void sim_legacy_greeting(struct buf *out);

/*
 * sim_legacy_step - take one whole frame from the start of in[0..len).
 * Returns the bytes used (> 0) with o filled: o->out the bytes to write
 * (possibly none), o->disp what to do then (SIM_SEND: read on; SIM_SEND_
 * CLOSE / SIM_CLOSE: the session is over; SIM_HANG: hold the connection
 * until the peer leaves), o->delay_ms a sleep before acting, the log
 * fields, and *log whether the step is an exchange worth a log line (a
 * command, the authentication outcome, a refusal). Returns 0 when more
 * bytes are needed (o untouched). In state DONE a call answers SIM_CLOSE
 * and uses all of in (callers stop at the first disposition other than
 * SIM_SEND anyway).
 */
long sim_legacy_step(struct sim_legacy *s, const char *in, size_t len,
                     struct sim_outcome *o, bool *log);

enum sim_legacy_state sim_legacy_state(const struct sim_legacy *s);
/* sim_legacy_challenge - the challenge sent (SIM_LEGACY_CHALLENGE bytes),
 * or NULL before it is. The server writes these bytes to the peer; the
 * fuzz target reads them here to answer. */
const uint8_t *sim_legacy_challenge(const struct sim_legacy *s);
/* sim_legacy_commands - commands run in this session so far. */
int sim_legacy_commands(const struct sim_legacy *s);

#endif
