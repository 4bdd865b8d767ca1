/*
 * legacy - XCP over OpenSRS' legacy protocol (raw TCP, port 55000;
 * shared/opensrs-xcp.md §2, docs/opensrs-actions.md "The legacy
 * protocol"), the second carrier behind srs_transport_call. Internal to
 * the OpenSRS driver: transport.c chooses it for a "legacy://" URL.
 *
 * Session: connect, read the server's CHECK VERSION greeting (its sender
 * must name "OpenSRS SERVER", its version start with "XML"; a 555 answer
 * means our address is not allowed), send our CHECK VERSION and
 * AUTHENTICATE USER (crypt_type, username, and the username again as the
 * password: the key itself never crosses the wire), read the challenge,
 * answer Encrypt(MD5(challenge)), read the server's answer (200 =
 * authenticated). Then every command is one encrypted frame out and one
 * in. The cipher is DES for an 8-byte (16 hex digit) key, else Blowfish.
 *
 * Sessions persist in a small pool and carry up to XCP_LEGACY_SESSION_MAX
 * (100) commands each; a session is retired at the limit, when it has
 * been idle longer than SRS_LEGACY_IDLE_MS, or when the server closed it
 * (seen before a command is written). A server that still answers a
 * command with 350 (session limit) did not run it: the command goes once
 * more on a fresh session.
 *
 * Outcomes, as over HTTPS (transport.h):
 *   answered   an answer frame came back, decrypted and parsed;
 *   not sent   no byte of the command reached the socket: connect or
 *              handshake failure (authentication refused included), or a
 *              write that failed before taking any byte;
 *   unknown    the command was written, wholly or in part, on an
 *              established session and no usable answer came (closed,
 *              timed out, truncated, undecryptable, unparsable). The
 *              session is closed; the command is never sent again.
 */
#ifndef RM_OPENSRS_LEGACY_H
#define RM_OPENSRS_LEGACY_H

#include "opensrs/transport.h"

#define SRS_LEGACY_IDLE_MS 30000

struct srs_legacy;

/* srs_legacy_new - parse "legacy://host:port/" and check the key (hex).
 * NULL with err set when either is wrong. No I/O. */
struct srs_legacy *srs_legacy_new(const char *url, const char *user,
                                  const char *key, const char *source_ip,
                                  long connect_timeout_ms, long timeout_ms,
                                  unsigned max_sessions, struct rm_err *err);
/* srs_legacy_free - say QUIT SESSION on pooled sessions (briefly), close
 * them, wipe the key. */
void srs_legacy_free(struct srs_legacy *l);

/* srs_legacy_call - send body (an OPS document) and fill out exactly as
 * srs_transport_call does. Each session parses with a parser of its own. */
int srs_legacy_call(struct srs_legacy *l, const char *body, size_t len,
                    struct srs_reply *out, struct rm_err *err);

/* srs_reply_parse (transport.c) - the answer document of either carrier
 * into out: answered (0), or outcome unknown (RM_EIO, err "outcome
 * unknown: unparsable response" / "not an OPS response"). */
int srs_reply_parse(struct xcp_parser *parser, const char *doc, size_t len,
                    struct srs_reply *out, struct rm_err *err);

#endif
