/*
 * sim_http - the small HTTP/1.x request parser and response writer of
 * opensrs-sim. Pure: bytes in, struct out; no sockets.
 *
 * Accepted: HTTP/1.0 and 1.1, any method and request target, missing Host,
 * CRLF or bare LF line ends, header names in any case. The body is exactly
 * Content-Length bytes (absent = empty). Rejected: a header block over
 * max_header bytes, a body over max_body bytes, chunked transfer coding,
 * garbage request lines, bad or repeated-and-different Content-Length.
 *
 * Keep-alive: HTTP/1.1 unless "Connection: close"; HTTP/1.0 always closes
 * (the Node client reads until the peer closes, opensrs-xcp.md §1.4).
 */
#ifndef RM_SIM_SIM_HTTP_H
#define RM_SIM_SIM_HTTP_H

#include <stdbool.h>
#include <stddef.h>

#include "util/buf.h"
#include "util/err.h"

#define SIM_HTTP_MAX_HEADER (16u * 1024u)

struct sim_http_req {
    char method[16];
    char target[256]; /* truncated copy of the request target */
    int minor;        /* HTTP/1.<minor> */
    bool keep_alive;
    char user[128]; /* X-Username ("" if absent) */
    char sig[80];   /* X-Signature ("" if absent) */
    bool has_user, has_sig;
    size_t content_length;
    size_t header_len; /* bytes of the header block incl. the blank line */
    const char *body;  /* points into the caller's buffer */
    size_t body_len;
};

/*
 * sim_http_parse - look for one complete request at the start of buf.
 * Returns the number of bytes it occupies (> 0) when complete, 0 when more
 * bytes are needed, or a negative rm_errcode: RM_ELIMIT (header or body
 * too large; *req has what was parsed so far, so the caller can answer),
 * RM_EPROTO (not HTTP/1.x).
 */
long sim_http_parse(const char *buf, size_t len, size_t max_header,
                    size_t max_body, struct sim_http_req *req,
                    struct rm_err *err);

/*
 * sim_http_response - append a complete response: "HTTP/1.1 <status>",
 * Content-Type, Content-Length (the body's length unless claim_len is
 * larger — the "truncated" fault lies about it), "Connection: close" when
 * closing, then the body.
 */
void sim_http_response(struct buf *out, const char *status,
                       const char *content_type, const char *body,
                       size_t body_len, size_t claim_len, bool close);

#endif
