/*
 * transport - one signed XCP request over HTTP(S) with libcurl, and the
 * classification of how it ended (design §4 rule 3).
 *
 * Carriers: an http:// or https:// URL is XCP over HTTP POST (below); a
 * legacy://host:port/ URL is the legacy TCP protocol of port 55000
 * (opensrs/legacy.h), with the same outcome classes.
 *
 * Wire: POST to the configured URL with exactly Content-Type: text/xml,
 * X-Username, X-Signature (xcp_sign over the exact body bytes) and
 * Content-Length (plus Host). No "Expect: 100-continue", no
 * Accept-Encoding (the registrar must not compress), no Accept. TLS
 * certificate and host verification are always on; ca_file replaces the
 * system trust store (tests pass the simulator's ca.pem).
 *
 * Outcome of a call - the heart of the driver:
 *   SRS_ANSWERED  HTTP 200 and the body parsed as an OPS response.
 *   SRS_NOT_SENT  the request cannot have reached the server: DNS
 *                 failure, connection refused, source address unusable,
 *                 TLS handshake or verification failure, or a timeout
 *                 before any request byte was written. Safe to retry.
 *   SRS_UNKNOWN   anything after the request may have left: timeout
 *                 after sending, reset, HTTP status other than 200,
 *                 truncated body (shorter than Content-Length), body
 *                 over XCP_MAX_BODY, unparsable body. Never a failure:
 *                 the effect may have happened.
 *
 * Idempotency and connection reuse. libcurl silently re-sends a request
 * when a reused keep-alive connection turns out dead before the first
 * response byte. For a read-only action that is harmless and saves a
 * handshake, so idempotent calls reuse pooled connections. For an action
 * with a side effect (SW_REGISTER, RENEW, PROCESS_PENDING, CANCEL_*,
 * MODIFY, REVOKE, ...) a silent re-send could place an order twice, so
 * non-idempotent calls always open a fresh connection and close it
 * afterwards (CURLOPT_FRESH_CONNECT + CURLOPT_FORBID_REUSE): curl only
 * retries on reused connections, so such a request is sent at most once.
 *
 * Threads: a transport may be shared by any number of threads. It keeps a
 * mutex-protected pool of up to max_handles CURL easy handles (each with
 * its keep-alive connection and a reusable XCP parser); a caller takes one
 * for the call and puts it back. curl_global_init runs once per process.
 *
 * Logging: every request/response pair is passed to the optional log
 * callback, with the request and the response re-emitted from redacted
 * clones (xcp_redact: key, reg_password, auth_info, ... replaced). The
 * private key is never part of what is logged. An unparsable body is not
 * logged verbatim (it cannot be redacted); only its size is.
 */
#ifndef RM_OPENSRS_TRANSPORT_H
#define RM_OPENSRS_TRANSPORT_H

#include <stdbool.h>
#include <stddef.h>

#include "util/buf.h"
#include "util/err.h"
#include "xcp/xcp.h"

enum srs_outcome { SRS_ANSWERED, SRS_NOT_SENT, SRS_UNKNOWN };

/* srs_outcome_name - "answered", "not sent", "outcome unknown". */
const char *srs_outcome_name(enum srs_outcome o);

struct srs_transport_config {
    const char *url;         /* https://host:55443/ or http://127.0.0.1:P/ */
    const char *user;        /* reseller username (X-Username) */
    const char *key;         /* private key text; copied, never logged */
    const char *ca_file;     /* NULL: system trust store */
    const char *source_ip;   /* NULL: any; else bind to this address */
    long connect_timeout_ms; /* 0: 15000 */
    long timeout_ms;         /* total per call; 0: 80000 (OpenSRS' own) */
    unsigned max_handles;    /* pooled handles; 0: 4 */
};

/* What the log callback sees; all strings are valid during the call. */
struct srs_log_entry {
    const char *action;   /* "SW_REGISTER" */
    const char *object;   /* "DOMAIN" */
    const char *domain;   /* attributes.domain or "" */
    const char *request;  /* redacted request XML */
    const char *response; /* redacted response XML, or a note */
    long http_status;     /* 0 when no HTTP answer */
    enum srs_outcome outcome;
    bool idempotent;
    double duration_ms;
    const char *error; /* "" when answered */
};

struct srs_transport;

/* A call's result. The caller owns it: srs_reply_release. */
struct srs_reply {
    enum srs_outcome outcome;
    long http_status;
    int curl_code; /* CURLcode of the transfer */
    double duration_ms;
    struct xcp_msg msg;       /* parsed document (answered only) */
    struct xcp_response resp; /* borrowed from msg.data (answered only) */
};

void srs_reply_init(struct srs_reply *r);
void srs_reply_release(struct srs_reply *r);

/* srs_transport_new - validate cfg and make a transport (no I/O yet).
 * NULL with err set for a bad config (missing url/user/key). */
struct srs_transport *srs_transport_new(const struct srs_transport_config *cfg,
                                        struct rm_err *err);
void srs_transport_free(struct srs_transport *t);

void srs_transport_set_log(struct srs_transport *t,
                           void (*cb)(const struct srs_log_entry *e, void *arg),
                           void *arg);

/* srs_transport_set_pace - cb(arg) runs before every request is sent and
 * may block: a rate limit (core/pace.h). NULL cb: none (the default). */
void srs_transport_set_pace(struct srs_transport *t, void (*cb)(void *arg),
                            void *arg);

/* srs_transport_user - the configured reseller username. */
const char *srs_transport_user(const struct srs_transport *t);

/*
 * srs_transport_call - emit, sign and send request (an XCP request tree,
 * not modified) and classify the outcome into out (which the caller
 * initialised with srs_reply_init; a previous result is released).
 * Returns 0 when answered; RM_EIO when not sent or outcome unknown, with
 * err starting "not sent: " or "outcome unknown: ". idempotent: see the
 * header comment - pass false for anything with a side effect.
 */
int srs_transport_call(struct srs_transport *t, const struct xcp_value *req,
                       bool idempotent, struct srs_reply *out,
                       struct rm_err *err);

#endif
