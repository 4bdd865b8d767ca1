/*
 * reply - request accessors and replies (see reply.h), and the request
 * state the frame drives (reply_priv.h).
 */
#include "web/reply.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "util/log.h"
#include "util/xalloc.h"
#include "web/jsonw.h"
#include "web/reply_priv.h"

const char *web_param(const struct web_req *r, const char *name)
{
    for (int i = 0; i < r->priv->nparams; i++)
        if (strcmp(r->priv->pnames[i], name) == 0)
            return r->priv->pvals[i];
    return NULL;
}

const char *web_query(const struct web_req *r, const char *name)
{
    return MHD_lookup_connection_value(r->priv->conn, MHD_GET_ARGUMENT_KIND,
                                       name);
}

const char *web_header(const struct web_req *r, const char *name)
{
    return MHD_lookup_connection_value(r->priv->conn, MHD_HEADER_KIND, name);
}

const char *web_cookie(const struct web_req *r, const char *name)
{
    return MHD_lookup_connection_value(r->priv->conn, MHD_COOKIE_KIND, name);
}

/* ---- replies ------------------------------------------------------------ */

static void reply_clear(struct web_req_priv *q)
{
    json_decref(q->json);
    q->json = NULL;
    free(q->data);
    q->data = NULL;
    q->len = 0;
    free(q->ctype);
    q->ctype = NULL;
}

int web_reply_json(struct web_req *r, unsigned status, json_t *j)
{
    struct web_req_priv *q = r->priv;
    reply_clear(q);
    q->replied = true;
    q->status = status;
    q->json = j;
    return 0;
}

int web_reply_data(struct web_req *r, unsigned status, const char *ctype,
                   const char *data, size_t len)
{
    struct web_req_priv *q = r->priv;
    reply_clear(q);
    q->replied = true;
    q->status = status;
    q->data = xmalloc(len + 1);
    memcpy(q->data, data, len);
    q->data[len] = '\0';
    q->len = len;
    q->ctype = xstrdup(ctype);
    return 0;
}

void web_reply_header(struct web_req *r, const char *name, const char *value)
{
    struct web_req_priv *q = r->priv;
    q->hdrs = xrealloc(q->hdrs, (q->nhdrs + 1) * sizeof(*q->hdrs));
    q->hdrs[q->nhdrs].name = xstrdup(name);
    q->hdrs[q->nhdrs].value = xstrdup(value);
    q->nhdrs++;
}

/* ---- the request state -------------------------------------------------- */

/* peer_ip - the TCP peer's address as text ("" when unknown). */
static void peer_ip(struct MHD_Connection *c, char *out, size_t n)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    out[0] = '\0';
    if (!ci || !ci->client_addr)
        return;
    const struct sockaddr *sa = ci->client_addr;
    if (sa->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, out,
                  (socklen_t)n);
    else if (sa->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, out,
                  (socklen_t)n);
}

/* add_xff - join every X-Forwarded-For header, in order, with ","
 * (RFC 9110: repeated fields are one comma-separated list). */
static enum MHD_Result add_xff(void *cls, enum MHD_ValueKind kind,
                               const char *key, const char *value)
{
    struct buf *b = cls;
    if (key && value && strcasecmp(key, "X-Forwarded-For") == 0) {
        if (b->len)
            buf_addc(b, ',');
        buf_adds(b, value);
    }
    return MHD_YES;
}

/* client_ip - the request's client address (forwarded.h). */
static void client_ip(struct MHD_Connection *c,
                      const struct web_proxies *proxies, char *out, size_t n)
{
    char peer[64];
    peer_ip(c, peer, sizeof(peer));
    if (!proxies || !proxies->n || !web_proxies_has(proxies, peer)) {
        snprintf(out, n, "%s", peer);
        return;
    }
    struct buf xff;
    buf_init(&xff);
    MHD_get_connection_values(c, MHD_HEADER_KIND, add_xff, &xff);
    web_forwarded_client(proxies, peer, xff.len ? xff.data : NULL, out, n);
    buf_release(&xff);
}

struct web_req_priv *web_req_new(struct MHD_Connection *conn,
                                 struct web_server *srv, const char *method,
                                 const char *url, bool tls,
                                 const struct web_proxies *proxies)
{
    struct web_req_priv *q = xcalloc(1, sizeof(*q));
    q->conn = conn;
    buf_init(&q->body);
    q->pub.priv = q;
    q->pub.srv = srv;
    q->pub.method = method;
    q->pub.path = url;
    q->pub.body = "";
    q->pub.tls = tls;
    client_ip(conn, proxies, q->pub.client_ip, sizeof(q->pub.client_ip));
    return q;
}

void web_req_free(struct web_req_priv *q)
{
    if (!q)
        return;
    reply_clear(q);
    for (size_t i = 0; i < q->nhdrs; i++) {
        free(q->hdrs[i].name);
        free(q->hdrs[i].value);
    }
    free(q->hdrs);
    for (int i = 0; i < q->nparams; i++) {
        free(q->pnames[i]);
        free(q->pvals[i]);
    }
    buf_release(&q->body);
    sodium_memzero(&q->who, sizeof(q->who));
    free(q);
}

void web_req_add_param(struct web_req_priv *q, const char *name,
                       size_t name_len, const char *value, size_t value_len)
{
    if (q->nparams >= WEB_MAX_PARAMS)
        return;
    q->pnames[q->nparams] = xstrndup(name, name_len);
    q->pvals[q->nparams] = xstrndup(value, value_len);
    q->nparams++;
}

struct MHD_Response *web_req_response(struct web_req_priv *q)
{
    char *body = NULL;
    size_t len = 0;
    if (q->json) {
        body = web_json_dump(q->json, &len);
        if (!body) {
            rm_log(LOG_ERROR, "web: cannot serialize a reply to %s",
                   q->pub.path);
            q->status = 500;
            body = xstrdup("{\"error\":{\"code\":\"internal\",\"message\":"
                           "\"internal error\",\"field\":null}}");
            len = strlen(body);
        }
    } else if (q->data) {
        body = q->data;
        q->data = NULL;
        len = q->len;
    }
    struct MHD_Response *resp = MHD_create_response_from_buffer(
        len, body ? body : (char *)"",
        body ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
    if (!resp)
        free(body);
    return resp;
}

void web_req_headers(struct web_req_priv *q, struct MHD_Response *resp)
{
    const char *ctype = q->json ? "application/json" : q->ctype;
    if (ctype)
        MHD_add_response_header(resp, "Content-Type", ctype);
    MHD_add_response_header(resp, "Cache-Control", "no-store");
    for (size_t i = 0; i < q->nhdrs; i++)
        MHD_add_response_header(resp, q->hdrs[i].name, q->hdrs[i].value);
}
