/*
 * reply_priv - the inside of a request (struct web_req_priv), shared by
 * reply.c, which owns it, and the server frame (http.c), which creates
 * it for each request, fills it while the request arrives and turns its
 * reply into a libmicrohttpd response. Nothing else includes this.
 */
#ifndef RM_WEB_REPLY_PRIV_H
#define RM_WEB_REPLY_PRIV_H

#include <microhttpd.h>
#include <stdbool.h>
#include <stddef.h>

#include "util/buf.h"
#include "web/forwarded.h"
#include "web/reply.h"

#define WEB_MAX_PARAMS 8

struct conn_track;

struct web_hdr {
    char *name, *value;
};

struct web_req_priv {
    struct MHD_Connection *conn;
    struct conn_track *track; /* NULL if MHD gave none */
    struct web_req pub;
    bool started;
    struct buf body;
    bool too_large;
    size_t drained;

    struct web_principal who;
    int nparams;
    char *pnames[WEB_MAX_PARAMS];
    char *pvals[WEB_MAX_PARAMS];

    /* the reply */
    bool replied;
    unsigned status;
    json_t *json;
    char *data;
    size_t len;
    char *ctype;
    struct web_hdr *hdrs;
    size_t nhdrs;
};

/* web_req_new - the state of a request whose header has arrived on conn;
 * method and url belong to MHD and live as long as the request. proxies
 * (may be NULL) are the trusted ones the client address is read through
 * (forwarded.h). */
struct web_req_priv *web_req_new(struct MHD_Connection *conn,
                                 struct web_server *srv, const char *method,
                                 const char *url, bool tls,
                                 const struct web_proxies *proxies);
/* web_req_free - everything web_req_new and the reply allocated. NULL ok. */
void web_req_free(struct web_req_priv *q);
/* web_req_add_param - record a "{name}" of the matched pattern (copied);
 * at most WEB_MAX_PARAMS. */
void web_req_add_param(struct web_req_priv *q, const char *name,
                       size_t name_len, const char *value, size_t value_len);
/* web_req_response - a response carrying the reply's body (a JSON reply
 * that cannot be serialized becomes a 500 internal error), or NULL when
 * MHD cannot make one. q->status is the status to send it with. */
struct MHD_Response *web_req_response(struct web_req_priv *q);
/* web_req_headers - add the reply's Content-Type, Cache-Control: no-store
 * and the handler's own headers to resp. */
void web_req_headers(struct web_req_priv *q, struct MHD_Response *resp);

#endif
