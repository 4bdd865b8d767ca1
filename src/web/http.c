/*
 * http - the libmicrohttpd server and the request frame (see http.h).
 *
 * Life of a request in the access handler (MHD calls it several times):
 *   1st call   headers are in: allocate the request state; refuse a
 *              declared Content-Length above max_body (413 at once when
 *              the client waits for "100 Continue", otherwise after the
 *              body has been drained, so the client reads the answer
 *              instead of a reset).
 *   body calls append to the body buffer, up to max_body; past it the
 *              rest is discarded, and past DRAIN_FACTOR * max_body the
 *              connection is dropped.
 *   last call  route, borrow a worker, authenticate, check CSRF, run the
 *              handler, build and queue the response.
 *
 * Deadlines. MHD's connection timeout counts idleness, so a client that
 * sends one byte every few seconds would keep a connection forever. Each
 * connection therefore has a struct conn_track (MHD_OPTION_NOTIFY_CONNECTION)
 * whose phase says what the server waits for and since when (monotonic):
 *
 *   HEADER  from the accept, or from the previous answer on a kept-alive
 *           connection, until the header is in (1st access handler call);
 *   BODY    from there until the body is in (last call);
 *   BUSY    the handler runs and the answer is sent (no deadline: the
 *           idle timeout covers a client that stops reading);
 *   --on_completed--> HEADER again.
 *
 * The reaper thread looks every REAP_MS; a connection past its phase's
 * deadline gets shutdown(2) on its socket, and MHD, seeing the end of the
 * stream, closes it on its own thread. The socket stays valid while the
 * reaper holds conn_mu: MHD calls the CLOSED notification, which unlinks
 * the track under conn_mu, before it closes the socket.
 */
#include "web/http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/health.h"
#include "util/buf.h"
#include "util/clock.h"
#include "util/log.h"
#include "util/xalloc.h"
#include "web/api.h"
#include "web/metrics.h"
#include "web/reply_priv.h"
#include "web/webroot.h"

#define DRAIN_FACTOR 8
#define TLS_FILE_MAX (1 << 20)
#define REAP_MS 200
#define LOG_REPEAT_MS 1000

const char *const web_security_headers[] = {
    "Content-Security-Policy",
    "default-src 'self'; script-src 'self'; style-src 'self'; "
    "img-src 'self' data:; connect-src 'self'; object-src 'none'; "
    "base-uri 'none'; frame-ancestors 'none'; form-action 'self'",
    "X-Frame-Options",
    "DENY",
    "Referrer-Policy",
    "no-referrer",
    "X-Content-Type-Options",
    "nosniff",
    "Cross-Origin-Opener-Policy",
    "same-origin",
    "Cross-Origin-Resource-Policy",
    "same-origin",
    NULL,
};

enum conn_phase { PHASE_HEADER, PHASE_BODY, PHASE_BUSY };

/* One accepted connection; fields other than the links are written by
 * the connection's MHD thread and read by the reaper, all under conn_mu. */
struct conn_track {
    struct conn_track *prev, *next;
    int fd;
    enum conn_phase phase;
    int64_t since_ms;  /* start of the phase (clock_mono_ms) */
    bool request_line; /* HEADER: the request line has arrived */
    bool served;       /* an answer was sent on this connection before */
    bool cut;          /* shut down by the reaper */
};

struct route_table {
    const struct web_route *rows;
    size_t n;
};

struct web_server {
    struct web_config cfg;
    char *listen_addr, *web_root_dir, *tls_cert, *tls_key;
    struct MHD_Daemon *mhd;
    unsigned port;
    bool tls;
    struct web_proxies proxies; /* cfg.trusted_proxies, parsed */

    struct route_table *tables;
    size_t ntables;

    struct webroot *root;
    struct metrics *metrics;

    /* authentication, installed by the server's builder */
    web_auth_fn *auth_fn;
    void (*auth_release)(void *arg);
    void *auth_arg;

    /* worker pool: a stack of free workers */
    struct web_worker *workers;
    size_t nworkers, nopen;
    struct web_worker **free_stack;
    size_t nfree;
    pthread_mutex_t pool_mu;
    pthread_cond_t pool_cv;

    /* connections and their deadlines */
    pthread_mutex_t conn_mu;
    struct conn_track *conns;
    pthread_t reaper;
    bool reaper_running, reaper_stop;
    pthread_cond_t reaper_cv;
    int quiesced_fd; /* the listening socket after web_server_quiesce */
    int *handed;     /* sockets given to MHD, not started yet */
    size_t nhanded;
    atomic_bool draining;

    /* MHD's messages, repeats counted (mhd_log) */
    pthread_mutex_t log_mu;
    char log_last[512];
    int64_t log_at;
    unsigned log_repeats;

    /* built-in metrics */
    _Atomic uint64_t by_class[6];          /* index status / 100 (0: other) */
    _Atomic uint64_t cut_header, cut_body; /* closed past a deadline */
    _Atomic int64_t in_flight;
    int64_t started_at;
};

/* ---- route matching ---------------------------------------------------- */

int web_route_match(const char *pattern, const char *path,
                    struct web_param_slice *params, int maxp)
{
    int np = 0;
    const char *p = pattern, *s = path;
    if (*p != '/' || *s != '/')
        return -1;
    while (*p && *s) {
        if (*p != '/' || *s != '/')
            return -1;
        p++;
        s++;
        const char *pe = strchrnul(p, '/');
        const char *se = strchrnul(s, '/');
        if (*p == '{' && pe > p + 1 && pe[-1] == '}') {
            if (se == s || np >= maxp)
                return -1; /* empty segment: no value */
            params[np].name = p + 1;
            params[np].name_len = (size_t)(pe - p - 2);
            params[np].value = s;
            params[np].value_len = (size_t)(se - s);
            np++;
        } else if (pe - p != se - s || memcmp(p, s, (size_t)(pe - p)) != 0) {
            return -1;
        }
        p = pe;
        s = se;
    }
    return (*p == '\0' && *s == '\0') ? np : -1;
}

/* add_security_headers - the headers every response carries; while the
 * server drains (web_server_quiesce), also "Connection: close". */
static void add_security_headers(struct web_server *srv,
                                 struct MHD_Response *resp)
{
    if (atomic_load(&srv->draining))
        MHD_add_response_header(resp, "Connection", "close");
    for (size_t i = 0; web_security_headers[i]; i += 2)
        MHD_add_response_header(resp, web_security_headers[i],
                                web_security_headers[i + 1]);
    if (srv->tls)
        MHD_add_response_header(resp, "Strict-Transport-Security",
                                "max-age=31536000");
}

static void count_status(struct web_server *srv, unsigned status)
{
    unsigned c = status / 100;
    atomic_fetch_add(&srv->by_class[c < 6 ? c : 0], 1);
}

/* queue_reply - turn the handler's reply into an MHD response. */
static enum MHD_Result queue_reply(struct web_server *srv,
                                   struct web_req_priv *q)
{
    struct MHD_Response *resp = web_req_response(q);
    if (!resp)
        return MHD_NO;
    add_security_headers(srv, resp);
    web_req_headers(q, resp);
    enum MHD_Result rc = MHD_queue_response(q->conn, q->status, resp);
    MHD_destroy_response(resp);
    count_status(srv, q->status);
    return rc;
}

static enum MHD_Result queue_error(struct web_server *srv,
                                   struct web_req_priv *q, unsigned status,
                                   const char *code, const char *msg)
{
    web_reply_json(&q->pub, status, api_error_body(code, NULL, msg));
    return queue_reply(srv, q);
}

/* ---- worker pool -------------------------------------------------------- */

static struct web_worker *worker_get(struct web_server *srv)
{
    pthread_mutex_lock(&srv->pool_mu);
    while (srv->nfree == 0)
        pthread_cond_wait(&srv->pool_cv, &srv->pool_mu);
    struct web_worker *w = srv->free_stack[--srv->nfree];
    pthread_mutex_unlock(&srv->pool_mu);
    return w;
}

static void worker_put(struct web_server *srv, struct web_worker *w)
{
    pthread_mutex_lock(&srv->pool_mu);
    srv->free_stack[srv->nfree++] = w;
    pthread_cond_signal(&srv->pool_cv);
    pthread_mutex_unlock(&srv->pool_mu);
}

/* ---- static files ------------------------------------------------------- */

static enum MHD_Result serve_static(struct web_server *srv,
                                    struct web_req_priv *q)
{
    struct webroot_file f;
    enum webroot_result res = webroot_lookup(srv->root, q->pub.path, &f);
    if (res == WEBROOT_NOTFOUND)
        return queue_error(srv, q, 404, API_ENOTFOUND, "no such file");
    if (res == WEBROOT_REDIRECT) {
        char *loc = xasprintf("%s/", q->pub.path);
        web_reply_header(&q->pub, "Location", loc);
        free(loc);
        return queue_error(srv, q, 301, "moved", "moved permanently");
    }
    char lm[64];
    webroot_http_date(f.mtime, lm, sizeof(lm));
    bool fresh = webroot_fresh(&f, web_header(&q->pub, "If-None-Match"),
                               web_header(&q->pub, "If-Modified-Since"));
    struct MHD_Response *resp;
    unsigned status;
    if (fresh) {
        close(f.fd);
        resp = MHD_create_response_from_buffer(0, (char *)"",
                                               MHD_RESPMEM_PERSISTENT);
        status = 304;
    } else {
        resp = MHD_create_response_from_fd64(f.size, f.fd);
        status = 200;
        if (!resp)
            close(f.fd);
    }
    if (!resp)
        return MHD_NO;
    add_security_headers(srv, resp);
    MHD_add_response_header(resp, "Content-Type", f.ctype);
    MHD_add_response_header(resp, "ETag", f.etag);
    MHD_add_response_header(resp, "Last-Modified", lm);
    MHD_add_response_header(resp, "Cache-Control", f.cache_control);
    enum MHD_Result rc = MHD_queue_response(q->conn, status, resp);
    MHD_destroy_response(resp);
    count_status(srv, status);
    return rc;
}

/* ---- the frame ---------------------------------------------------------- */

static bool state_changing(const char *m)
{
    return strcmp(m, "GET") != 0 && strcmp(m, "HEAD") != 0 &&
           strcmp(m, "OPTIONS") != 0;
}

static bool json_content_type(const char *ct)
{
    static const char want[] = "application/json";
    if (!ct || strncasecmp(ct, want, sizeof(want) - 1) != 0)
        return false;
    char c = ct[sizeof(want) - 1];
    return c == '\0' || c == ';' || c == ' ';
}

static bool csrf_ok(const struct web_principal *who, const char *given)
{
    size_t n = strlen(who->csrf);
    return given && n > 0 && strlen(given) == n &&
           sodium_memcmp(given, who->csrf, n) == 0;
}

/* find_route - the route for method + path; *allow collects the methods
 * of routes whose pattern matches under another method. */
static const struct web_route *find_route(struct web_server *srv,
                                          const char *method, const char *path,
                                          struct web_param_slice *ps, int *np,
                                          struct buf *allow)
{
    bool head = strcmp(method, "HEAD") == 0;
    for (size_t t = 0; t < srv->ntables; t++) {
        for (size_t i = 0; i < srv->tables[t].n; i++) {
            const struct web_route *rt = &srv->tables[t].rows[i];
            int n = web_route_match(rt->pattern, path, ps, WEB_MAX_PARAMS);
            if (n < 0)
                continue;
            if (strcmp(rt->method, method) == 0 ||
                (head && strcmp(rt->method, "GET") == 0)) {
                *np = n;
                return rt;
            }
            if (allow->len)
                buf_adds(allow, ", ");
            buf_adds(allow, rt->method);
        }
    }
    return NULL;
}

static enum MHD_Result run_route(struct web_server *srv, struct web_req_priv *q,
                                 const struct web_route *rt,
                                 struct web_param_slice *ps, int np)
{
    struct web_req *r = &q->pub;
    for (int i = 0; i < np; i++)
        web_req_add_param(q, ps[i].name, ps[i].name_len, ps[i].value,
                          ps[i].value_len);
    if (r->body_len > 0 &&
        !json_content_type(web_header(r, MHD_HTTP_HEADER_CONTENT_TYPE)))
        return queue_error(srv, q, 415, API_EMEDIA,
                           "request body must be application/json");

    struct web_worker *w = worker_get(srv);
    r->st = w->st;
    r->ctx = w->ctx;
    struct rm_err err;
    rm_err_clear(&err);
    int rc = 0;
    if (rt->access != WEB_PUBLIC) {
        memset(&q->who, 0, sizeof(q->who));
        rc = srv->auth_fn ? srv->auth_fn(srv->auth_arg, r, &q->who, &err)
                          : RM_ENOTFOUND;
        if (rc == RM_ENOTFOUND) {
            rc = api_error(r, 401, API_EUNAUTH, NULL, "log in first");
            goto done;
        }
        if (rc < 0) {
            rm_log(LOG_ERROR, "web: %s %s: authentication: %s", r->method,
                   r->path, err.msg);
            rc = api_error(r, 503, API_EUNAVAILABLE, NULL,
                           "service temporarily unavailable");
            goto done;
        }
        r->who = &q->who;
        if (rt->access == WEB_ADMIN && q->who.role != WEB_ROLE_ADMIN) {
            rc = api_error(r, 403, API_EFORBIDDEN, NULL, "administrators only");
            goto done;
        }
        if (state_changing(r->method) && !q->who.via_token &&
            !csrf_ok(&q->who, web_header(r, "X-CSRF-Token"))) {
            rc = api_error(r, 403, API_ECSRF, NULL,
                           "missing or wrong X-CSRF-Token header");
            goto done;
        }
    } else if (srv->auth_fn && !state_changing(r->method) &&
               (web_header(r, "Authorization") || web_header(r, "Cookie"))) {
        /* a public read by a caller who sent credentials sees what is
         * its own (a reseller's customer: its reseller's prices); bad
         * or expired credentials leave it anonymous */
        struct rm_err ign;
        memset(&q->who, 0, sizeof(q->who));
        rm_err_clear(&ign);
        if (srv->auth_fn(srv->auth_arg, r, &q->who, &ign) == 0)
            r->who = &q->who;
    }
    rc = rt->fn(r);
    if (store_in_tx(r->st)) {
        rm_log(LOG_ERROR, "web: %s %s left a transaction open; rolled back",
               r->method, rt->pattern);
        store_rollback(r->st);
    }
done:
    worker_put(srv, w);
    r->st = NULL;
    r->ctx = NULL;
    if (!q->replied) {
        rm_log(LOG_ERROR, "web: %s %s: handler failed (%d) without a reply",
               r->method, rt->pattern, rc);
        api_error(r, 500, API_EINTERNAL, NULL, "internal error");
    }
    return queue_reply(srv, q);
}

static enum MHD_Result dispatch(struct web_server *srv, struct web_req_priv *q)
{
    struct web_req *r = &q->pub;
    if (q->too_large)
        return queue_error(srv, q, 413, API_ETOO_LARGE,
                           "request body too large");
    r->body = q->body.data;
    r->body_len = q->body.len;
    if (strlen(r->body) != r->body_len)
        return queue_error(srv, q, 400, API_EINVALID_JSON,
                           "request body contains a NUL byte");

    struct web_param_slice ps[WEB_MAX_PARAMS];
    int np = 0;
    struct buf allow;
    buf_init(&allow);
    const struct web_route *rt =
        find_route(srv, r->method, r->path, ps, &np, &allow);
    enum MHD_Result res;
    if (rt) {
        res = run_route(srv, q, rt, ps, np);
    } else if (allow.len) {
        web_reply_header(r, "Allow", allow.data);
        res = queue_error(srv, q, 405, API_EMETHOD, "method not allowed");
    } else if (srv->root && strncmp(r->path, "/api/", 5) != 0 &&
               (strcmp(r->method, "GET") == 0 ||
                strcmp(r->method, "HEAD") == 0)) {
        res = serve_static(srv, q);
    } else {
        res = queue_error(srv, q, 404, API_ENOTFOUND, "no such endpoint");
    }
    buf_release(&allow);
    return res;
}

static bool declared_too_large(struct MHD_Connection *c, size_t max)
{
    const char *cl = MHD_lookup_connection_value(
        c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
    if (!cl)
        return false;
    int64_t n;
    return !api_parse_int64(cl, 0, INT64_MAX, &n) || (uint64_t)n > max;
}

/* ---- connections and deadlines ------------------------------------------ */

static struct conn_track *track_of(struct MHD_Connection *conn)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    return ci ? ci->socket_context : NULL;
}

/* set_phase - the connection now waits for what phase names. */
static void set_phase(struct web_server *srv, struct conn_track *t,
                      enum conn_phase phase)
{
    if (!t)
        return;
    pthread_mutex_lock(&srv->conn_mu);
    if (phase == PHASE_HEADER) {
        t->request_line = false;
        t->served = true;
    }
    t->phase = phase;
    t->since_ms = clock_mono_ms();
    pthread_mutex_unlock(&srv->conn_mu);
}

/* handed_del - fd has reached MHD's thread, or was refused. conn_mu. */
static void handed_del(struct web_server *srv, int fd)
{
    for (size_t i = 0; i < srv->nhanded; i++)
        if (srv->handed[i] == fd) {
            srv->handed[i] = srv->handed[--srv->nhanded];
            return;
        }
}

static void on_connection(void *cls, struct MHD_Connection *conn,
                          void **socket_context,
                          enum MHD_ConnectionNotificationCode code)
{
    struct web_server *srv = cls;
    struct conn_track *t = *socket_context;
    if (code == MHD_CONNECTION_NOTIFY_STARTED) {
        const union MHD_ConnectionInfo *ci =
            MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
        if (!ci)
            return; /* untracked: MHD's idle timeout still applies */
        t = xcalloc(1, sizeof(*t));
        t->fd = ci->connect_fd;
        t->phase = PHASE_HEADER;
        t->since_ms = clock_mono_ms();
        pthread_mutex_lock(&srv->conn_mu);
        handed_del(srv, t->fd);
        t->next = srv->conns;
        if (srv->conns)
            srv->conns->prev = t;
        srv->conns = t;
        pthread_mutex_unlock(&srv->conn_mu);
        *socket_context = t;
    } else if (t) {
        pthread_mutex_lock(&srv->conn_mu);
        if (t->prev)
            t->prev->next = t->next;
        else
            srv->conns = t->next;
        if (t->next)
            t->next->prev = t->prev;
        pthread_mutex_unlock(&srv->conn_mu);
        free(t);
        *socket_context = NULL;
    }
}

/* on_request_line - MHD has the request line (MHD_OPTION_URI_LOG_CALLBACK):
 * the request has begun, which matters to web_server_busy. */
static void *on_request_line(void *cls, const char *uri,
                             struct MHD_Connection *conn)
{
    struct web_server *srv = cls;
    struct conn_track *t = track_of(conn);
    if (t) {
        pthread_mutex_lock(&srv->conn_mu);
        t->request_line = true;
        pthread_mutex_unlock(&srv->conn_mu);
    }
    return NULL;
}

static void mhd_log_flush(struct web_server *srv);

/* reap - shut down the connections past their phase's deadline. */
static void reap(struct web_server *srv)
{
    int64_t now = clock_mono_ms();
    int64_t hdr_ms = (int64_t)srv->cfg.header_timeout_s * 1000;
    int64_t body_ms = (int64_t)srv->cfg.body_timeout_s * 1000;
    unsigned header = 0, body = 0;
    pthread_mutex_lock(&srv->conn_mu);
    for (struct conn_track *t = srv->conns; t; t = t->next) {
        if (t->cut || t->phase == PHASE_BUSY)
            continue;
        int64_t limit = t->phase == PHASE_HEADER ? hdr_ms : body_ms;
        if (now - t->since_ms < limit)
            continue;
        shutdown(t->fd, SHUT_RDWR);
        t->cut = true;
        /* an idle kept-alive connection is not a slow client */
        if (t->phase == PHASE_BODY)
            body++;
        else if (t->request_line || !t->served)
            header++;
    }
    pthread_mutex_unlock(&srv->conn_mu);
    if (header) {
        atomic_fetch_add(&srv->cut_header, header);
        rm_log(LOG_WARN,
               "web: closed %u connections whose request header took over "
               "%u s",
               header, srv->cfg.header_timeout_s);
    }
    if (body) {
        atomic_fetch_add(&srv->cut_body, body);
        rm_log(LOG_WARN,
               "web: closed %u connections whose request body took over %u s",
               body, srv->cfg.body_timeout_s);
    }
}

static void *reaper_main(void *arg)
{
    struct web_server *srv = arg;
    pthread_mutex_lock(&srv->conn_mu);
    while (!srv->reaper_stop) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        ts.tv_nsec += REAP_MS * 1000000L;
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&srv->reaper_cv, &srv->conn_mu, &ts);
        if (srv->reaper_stop)
            break;
        pthread_mutex_unlock(&srv->conn_mu);
        reap(srv);
        mhd_log_flush(srv);
        pthread_mutex_lock(&srv->conn_mu);
    }
    pthread_mutex_unlock(&srv->conn_mu);
    return NULL;
}

/* take_backlog - accept the connections the kernel completed but MHD did
 * not take yet (every thread may be busy in a handler) and hand them to
 * MHD: their clients sent a request before the stop and get an answer.
 * MHD starts such a connection on one of its threads later; until then
 * it is counted in handed[] so that web_server_busy sees it. */
static void take_backlog(struct web_server *srv, int lfd)
{
    for (unsigned n = 0; n < srv->cfg.max_conns; n++) {
        struct sockaddr_storage ss;
        socklen_t len = sizeof(ss);
        int fd = accept4(lfd, (struct sockaddr *)&ss, &len,
                         SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0)
            return; /* EAGAIN: the backlog is empty */
        pthread_mutex_lock(&srv->conn_mu);
        srv->handed =
            xrealloc(srv->handed, (srv->nhanded + 1) * sizeof(*srv->handed));
        srv->handed[srv->nhanded++] = fd;
        pthread_mutex_unlock(&srv->conn_mu);
        /* MHD closes the socket itself when it refuses it */
        if (MHD_add_connection(srv->mhd, fd, (struct sockaddr *)&ss, len) !=
            MHD_YES) {
            pthread_mutex_lock(&srv->conn_mu);
            handed_del(srv, fd);
            pthread_mutex_unlock(&srv->conn_mu);
        }
    }
}

void web_server_quiesce(struct web_server *srv)
{
    if (!srv->mhd || srv->quiesced_fd >= 0)
        return;
    atomic_store(&srv->draining, true);
    MHD_socket fd = MHD_quiesce_daemon(srv->mhd);
    if (fd == MHD_INVALID_SOCKET)
        return;
    take_backlog(srv, fd);
    /* MHD's threads may still hold the socket until MHD_stop_daemon, so it
     * is closed only then; shutting it down now makes the kernel refuse
     * new connections at once instead of leaving them unanswered. */
    shutdown(fd, SHUT_RDWR);
    srv->quiesced_fd = fd;
}

unsigned web_server_busy(struct web_server *srv)
{
    pthread_mutex_lock(&srv->conn_mu);
    unsigned n = (unsigned)srv->nhanded;
    for (struct conn_track *t = srv->conns; t; t = t->next) {
        int unread = 0;
        if (t->cut)
            continue;
        if (t->phase != PHASE_HEADER || t->request_line ||
            (ioctl(t->fd, FIONREAD, &unread) == 0 && unread > 0))
            n++;
    }
    pthread_mutex_unlock(&srv->conn_mu);
    return n;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn,
                                  const char *url, const char *method,
                                  const char *version, const char *upload,
                                  size_t *upload_size, void **con_cls)
{
    struct web_server *srv = cls;
    struct web_req_priv *q = *con_cls;
    if (!q) {
        q = web_req_new(conn, srv, method, url, srv->tls, &srv->proxies);
        *con_cls = q;
        atomic_fetch_add(&srv->in_flight, 1);
        q->track = track_of(conn);
        set_phase(srv, q->track, PHASE_BODY);
        if (declared_too_large(conn, srv->cfg.max_body)) {
            q->too_large = true;
            const char *expect =
                MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Expect");
            /* The client has sent no body yet: answer now. */
            if (expect && strcasecmp(expect, "100-continue") == 0) {
                set_phase(srv, q->track, PHASE_BUSY);
                return queue_error(srv, q, 413, API_ETOO_LARGE,
                                   "request body too large");
            }
        }
        return MHD_YES;
    }
    if (*upload_size > 0) {
        size_t n = *upload_size;
        *upload_size = 0;
        if (!q->too_large && q->body.len + n > srv->cfg.max_body)
            q->too_large = true;
        if (q->too_large) {
            q->drained += n;
            /* Draining lets the client read the 413; an endless body
             * loses that courtesy. */
            return q->drained > DRAIN_FACTOR * srv->cfg.max_body ? MHD_NO
                                                                 : MHD_YES;
        }
        buf_add(&q->body, upload, n);
        return MHD_YES;
    }
    if (q->replied)
        return MHD_YES; /* answered early (413) */
    set_phase(srv, q->track, PHASE_BUSY);
    return dispatch(srv, q);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    struct web_server *srv = cls;
    struct web_req_priv *q = *con_cls;
    if (!q)
        return;
    atomic_fetch_sub(&srv->in_flight, 1);
    /* kept alive: the next request's header is due from now */
    if (toe == MHD_REQUEST_TERMINATED_COMPLETED_OK)
        set_phase(srv, q->track, PHASE_HEADER);
    web_req_free(q);
    *con_cls = NULL;
}

/* mhd_log - MHD's messages. Under a flood of connections MHD says the
 * same thing once per connection; a message repeating the previous one
 * within LOG_REPEAT_MS is only counted, and the count is logged by
 * mhd_log_flush (from the reaper) at most once per LOG_REPEAT_MS. */
static void mhd_log(void *cls, const char *fmt, va_list ap)
{
    struct web_server *srv = cls;
    char line[sizeof(srv->log_last)];
    vsnprintf(line, sizeof(line), fmt, ap);
    line[strcspn(line, "\n")] = '\0';
    int64_t now = clock_mono_ms();
    pthread_mutex_lock(&srv->log_mu);
    if (strcmp(line, srv->log_last) == 0 && now - srv->log_at < LOG_REPEAT_MS) {
        srv->log_repeats++;
        pthread_mutex_unlock(&srv->log_mu);
        return;
    }
    unsigned repeats = srv->log_repeats;
    srv->log_repeats = 0;
    srv->log_at = now;
    snprintf(srv->log_last, sizeof(srv->log_last), "%s", line);
    pthread_mutex_unlock(&srv->log_mu);
    if (repeats)
        rm_log(LOG_WARN, "web: the previous message repeated %u times",
               repeats);
    rm_log(LOG_WARN, "web: %s", line);
}

static void mhd_log_flush(struct web_server *srv)
{
    int64_t now = clock_mono_ms();
    char line[sizeof(srv->log_last)];
    unsigned repeats = 0;
    pthread_mutex_lock(&srv->log_mu);
    if (srv->log_repeats && now - srv->log_at >= LOG_REPEAT_MS) {
        repeats = srv->log_repeats;
        srv->log_repeats = 0;
        srv->log_at = now;
        snprintf(line, sizeof(line), "%s", srv->log_last);
    }
    pthread_mutex_unlock(&srv->log_mu);
    if (repeats)
        rm_log(LOG_WARN, "web: %s (%u times)", line, repeats);
}

/* ---- built-in routes ---------------------------------------------------- */

static int get_healthz(struct web_req *r)
{
    struct rm_err err;
    if (health_check(r->st, &err) < 0) {
        rm_log(LOG_ERROR, "web: healthz: %s", err.msg);
        return api_error(r, 503, API_EUNAVAILABLE, NULL,
                         "database unavailable");
    }
    return web_reply_json(r, 200, json_pack("{s:s}", "status", "ok"));
}

static int get_metrics(struct web_req *r)
{
    struct buf out;
    buf_init(&out);
    metrics_render(r->srv->metrics, r->st, r->ctx, &out);
    web_reply_data(r, 200, "text/plain; version=0.0.4; charset=utf-8", out.data,
                   out.len);
    buf_release(&out);
    return 0;
}

static int collect_requests(void *arg, struct store *st, void *ctx,
                            struct metrics_out *o)
{
    struct web_server *srv = arg;
    static const char *const cls[] = {"other", "1xx", "2xx",
                                      "3xx",   "4xx", "5xx"};
    for (int i = 1; i < 6; i++)
        metrics_emit(o, NULL, (const char *const[]){"class", cls[i], NULL},
                     (double)atomic_load(&srv->by_class[i]));
    return 0;
}

static int collect_in_flight(void *arg, struct store *st, void *ctx,
                             struct metrics_out *o)
{
    struct web_server *srv = arg;
    metrics_emit(o, NULL, NULL, (double)atomic_load(&srv->in_flight));
    return 0;
}

static int collect_cut(void *arg, struct store *st, void *ctx,
                       struct metrics_out *o)
{
    struct web_server *srv = arg;
    metrics_emit(o, NULL, (const char *const[]){"phase", "header", NULL},
                 (double)atomic_load(&srv->cut_header));
    metrics_emit(o, NULL, (const char *const[]){"phase", "body", NULL},
                 (double)atomic_load(&srv->cut_body));
    return 0;
}

static int collect_start(void *arg, struct store *st, void *ctx,
                         struct metrics_out *o)
{
    struct web_server *srv = arg;
    metrics_emit(o, NULL, NULL, (double)srv->started_at);
    return 0;
}

/* ---- server ------------------------------------------------------------- */

static char *dup_or_null(const char *s)
{
    return s ? xstrdup(s) : NULL;
}

int web_frame_new(const struct web_config *cfg, struct web_server **out,
                  struct rm_err *err)
{
    if (!cfg->worker_open)
        return rm_err_set(err, RM_EINVAL, "web: no worker_open callback");
    if ((cfg->tls_cert_file == NULL) != (cfg->tls_key_file == NULL))
        return rm_err_set(err, RM_EINVAL,
                          "web: TLS needs both a certificate and a key");
    if (sodium_init() < 0)
        return rm_err_set(err, RM_EINTERNAL, "web: libsodium cannot start");
    struct web_server *srv = xcalloc(1, sizeof(*srv));
    srv->cfg = *cfg;
    struct web_config *c = &srv->cfg;
    srv->listen_addr =
        xstrdup(cfg->listen_addr ? cfg->listen_addr : "127.0.0.1");
    srv->web_root_dir = dup_or_null(cfg->web_root);
    srv->tls_cert = dup_or_null(cfg->tls_cert_file);
    srv->tls_key = dup_or_null(cfg->tls_key_file);
    c->listen_addr = srv->listen_addr;
    c->web_root = srv->web_root_dir;
    c->tls_cert_file = srv->tls_cert;
    c->tls_key_file = srv->tls_key;
    c->auth_policy = NULL;
    c->trusted_proxies = NULL; /* parsed below, not kept */
    if (!c->threads)
        c->threads = 4;
    if (!c->max_body)
        c->max_body = 1 << 20;
    if (!c->max_header)
        c->max_header = 32 << 10;
    if (!c->max_conns)
        c->max_conns = 512;
    if (!c->conn_timeout_s)
        c->conn_timeout_s = 30;
    if (!c->header_timeout_s)
        c->header_timeout_s = 10;
    if (!c->body_timeout_s)
        c->body_timeout_s = 60;
    srv->tls = srv->tls_cert != NULL;
    pthread_mutex_init(&srv->pool_mu, NULL);
    pthread_cond_init(&srv->pool_cv, NULL);
    pthread_mutex_init(&srv->conn_mu, NULL);
    pthread_mutex_init(&srv->log_mu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&srv->reaper_cv, &ca);
    pthread_condattr_destroy(&ca);
    srv->quiesced_fd = -1;
    srv->metrics = metrics_new();
    srv->started_at = clock_now();

    int prc = web_proxies_parse(cfg->trusted_proxies, &srv->proxies, err);
    if (prc < 0) {
        char why[sizeof(err->msg)];
        snprintf(why, sizeof(why), "%s", err->msg);
        rm_err_set(err, RM_EINVAL, "web: trusted_proxies: %s", why);
        web_server_free(srv);
        return prc;
    }

    if (srv->web_root_dir) {
        int rc = webroot_open(srv->web_root_dir, &srv->root, err);
        if (rc < 0) {
            web_server_free(srv);
            return rc;
        }
    }

    static const struct web_route builtin[] = {
        {"GET", "/healthz", get_healthz, WEB_PUBLIC},
    };
    web_server_add_routes(srv, builtin, 1);
    static const struct web_route metrics_routes[3] = {
        {"GET", "/metrics", get_metrics, WEB_PUBLIC},
        {"GET", "/metrics", get_metrics, WEB_LOGIN},
        {"GET", "/metrics", get_metrics, WEB_ADMIN},
    };
    unsigned ma = (unsigned)cfg->metrics_access;
    web_server_add_routes(srv, &metrics_routes[ma < 3 ? ma : 2], 1);

    int rc = metrics_register(srv->metrics, "regman_http_requests_total",
                              "HTTP responses sent, by status class.",
                              METRIC_COUNTER, collect_requests, srv, err);
    if (rc == 0)
        rc = metrics_register(srv->metrics, "regman_http_requests_in_flight",
                              "HTTP requests being processed.", METRIC_GAUGE,
                              collect_in_flight, srv, err);
    if (rc == 0)
        rc = metrics_register(
            srv->metrics, "regman_http_deadline_closed_total",
            "Connections closed because their request header or body did "
            "not arrive in time.",
            METRIC_COUNTER, collect_cut, srv, err);
    if (rc == 0)
        rc = metrics_register(srv->metrics, "regman_process_start_time_seconds",
                              "Start time of the process (epoch seconds).",
                              METRIC_GAUGE, collect_start, srv, err);
    if (rc < 0) {
        web_server_free(srv);
        return rc;
    }
    *out = srv;
    return 0;
}

void web_server_add_routes(struct web_server *srv,
                           const struct web_route *routes, size_t n)
{
    srv->tables =
        xrealloc(srv->tables, (srv->ntables + 1) * sizeof(*srv->tables));
    srv->tables[srv->ntables].rows = routes;
    srv->tables[srv->ntables].n = n;
    srv->ntables++;
}

static char *read_small_file(const char *path, struct rm_err *err)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        rm_err_set(err, RM_EIO, "web: %s: %s", path, strerror(errno));
        return NULL;
    }
    struct buf b;
    buf_init(&b);
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
        buf_add(&b, chunk, n);
        if (b.len > TLS_FILE_MAX) {
            fclose(f);
            buf_release(&b);
            rm_err_set(err, RM_ELIMIT, "web: %s: larger than 1 MiB", path);
            return NULL;
        }
    }
    fclose(f);
    return buf_detach(&b, NULL);
}

static int listen_sockaddr(const char *addr, unsigned port,
                           struct sockaddr_storage *ss, struct rm_err *err)
{
    memset(ss, 0, sizeof(*ss));
    struct sockaddr_in *in4 = (struct sockaddr_in *)ss;
    struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;
    if (port > 65535)
        return rm_err_set(err, RM_EINVAL, "web: port %u out of range", port);
    if (inet_pton(AF_INET, addr, &in4->sin_addr) == 1) {
        in4->sin_family = AF_INET;
        in4->sin_port = htons((uint16_t)port);
        return 0;
    }
    if (inet_pton(AF_INET6, addr, &in6->sin6_addr) == 1) {
        in6->sin6_family = AF_INET6;
        in6->sin6_port = htons((uint16_t)port);
        return 0;
    }
    return rm_err_set(err, RM_EINVAL,
                      "web: listen address '%s' is not a numeric IP", addr);
}

int web_server_start(struct web_server *srv, struct rm_err *err)
{
    struct web_config *c = &srv->cfg;
    struct sockaddr_storage ss;
    int rc = listen_sockaddr(c->listen_addr, c->port, &ss, err);
    if (rc < 0)
        return rc;

    srv->nworkers = c->threads;
    srv->workers = xcalloc(srv->nworkers, sizeof(*srv->workers));
    srv->free_stack = xcalloc(srv->nworkers, sizeof(*srv->free_stack));
    for (size_t i = 0; i < srv->nworkers; i++) {
        rc = c->worker_open(c->worker_arg, &srv->workers[i], err);
        if (rc < 0)
            return rc;
        srv->nopen++;
        srv->free_stack[srv->nfree++] = &srv->workers[i];
    }

    char *cert = NULL, *key = NULL;
    /* ITC: MHD_quiesce_daemon needs it */
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL |
                     MHD_USE_ERROR_LOG | MHD_USE_ITC;
    if (srv->tls) {
        if (MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES)
            return rm_err_set(err, RM_EINVAL,
                              "web: this libmicrohttpd has no TLS support");
        cert = read_small_file(c->tls_cert_file, err);
        key = cert ? read_small_file(c->tls_key_file, err) : NULL;
        if (!cert || !key) {
            free(cert);
            return err ? err->code : RM_EIO;
        }
        flags |= MHD_USE_TLS;
    }

    struct MHD_OptionItem opts[20];
    int n = 0;
#define OPT(o, v, p)                                                           \
    opts[n++] = (struct MHD_OptionItem){(o), (intptr_t)(v), (p)}
    /* the logger first, or MHD prints early messages itself */
    OPT(MHD_OPTION_EXTERNAL_LOGGER, (intptr_t)mhd_log, srv);
    OPT(MHD_OPTION_SOCK_ADDR, 0, &ss);
    OPT(MHD_OPTION_THREAD_POOL_SIZE, c->threads, NULL);
    OPT(MHD_OPTION_CONNECTION_LIMIT, c->max_conns, NULL);
    OPT(MHD_OPTION_CONNECTION_TIMEOUT, c->conn_timeout_s, NULL);
    OPT(MHD_OPTION_CONNECTION_MEMORY_LIMIT, c->max_header, NULL);
    if (c->max_conns_per_ip)
        OPT(MHD_OPTION_PER_IP_CONNECTION_LIMIT, c->max_conns_per_ip, NULL);
    OPT(MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)on_completed, srv);
    OPT(MHD_OPTION_NOTIFY_CONNECTION, (intptr_t)on_connection, srv);
    OPT(MHD_OPTION_URI_LOG_CALLBACK, (intptr_t)on_request_line, srv);
    if (srv->tls) {
        OPT(MHD_OPTION_HTTPS_MEM_CERT, 0, cert);
        OPT(MHD_OPTION_HTTPS_MEM_KEY, 0, key);
    }
    OPT(MHD_OPTION_END, 0, NULL);
#undef OPT
    srv->mhd = MHD_start_daemon(flags, 0, NULL, NULL, on_request, srv,
                                MHD_OPTION_ARRAY, opts, MHD_OPTION_END);
    if (key) {
        sodium_memzero(key, strlen(key));
        free(key);
    }
    free(cert);
    if (!srv->mhd)
        return rm_err_set(err, RM_EIO, "web: cannot listen on %s:%u",
                          c->listen_addr, c->port);
    const union MHD_DaemonInfo *di =
        MHD_get_daemon_info(srv->mhd, MHD_DAEMON_INFO_BIND_PORT);
    srv->port = di ? di->port : c->port;
    if (pthread_create(&srv->reaper, NULL, reaper_main, srv) != 0)
        return rm_err_set(err, RM_EINTERNAL,
                          "web: cannot start the deadline thread");
    srv->reaper_running = true;
    rm_log(LOG_INFO, "web: listening on %s:%u (%u threads%s)", c->listen_addr,
           srv->port, c->threads, srv->tls ? ", TLS" : "");
    return 0;
}

unsigned web_server_port(const struct web_server *srv)
{
    return srv->port;
}

struct metrics *web_server_metrics(struct web_server *srv)
{
    return srv->metrics;
}

void web_server_set_auth(struct web_server *srv, web_auth_fn *fn, void *arg,
                         void (*release)(void *arg))
{
    if (srv->auth_release)
        srv->auth_release(srv->auth_arg);
    srv->auth_fn = fn;
    srv->auth_arg = arg;
    srv->auth_release = release;
}

void *web_server_auth_arg(struct web_server *srv)
{
    return srv->auth_arg;
}

bool web_server_cookie_secure(const struct web_server *srv)
{
    return srv->tls || srv->cfg.cookie_secure;
}

void web_server_free(struct web_server *srv)
{
    if (!srv)
        return;
    if (srv->reaper_running) {
        pthread_mutex_lock(&srv->conn_mu);
        srv->reaper_stop = true;
        pthread_cond_signal(&srv->reaper_cv);
        pthread_mutex_unlock(&srv->conn_mu);
        pthread_join(srv->reaper, NULL);
    }
    if (srv->mhd)
        MHD_stop_daemon(srv->mhd);
    if (srv->quiesced_fd >= 0)
        close(srv->quiesced_fd);
    srv->log_at = 0;
    mhd_log_flush(srv);
    for (size_t i = 0; i < srv->nopen; i++)
        if (srv->cfg.worker_close)
            srv->cfg.worker_close(srv->cfg.worker_arg, &srv->workers[i]);
    free(srv->workers);
    free(srv->free_stack);
    free(srv->tables);
    webroot_free(srv->root);
    metrics_free(srv->metrics);
    if (srv->auth_release)
        srv->auth_release(srv->auth_arg);
    pthread_mutex_destroy(&srv->pool_mu);
    pthread_cond_destroy(&srv->pool_cv);
    pthread_mutex_destroy(&srv->conn_mu);
    free(srv->handed);
    pthread_mutex_destroy(&srv->log_mu);
    pthread_cond_destroy(&srv->reaper_cv);
    free(srv->listen_addr);
    free(srv->web_root_dir);
    free(srv->tls_cert);
    free(srv->tls_key);
    free(srv);
}
