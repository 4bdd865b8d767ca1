/*
 * http - regman's HTTP server (libmicrohttpd) and the frame every JSON
 * endpoint runs in: limits, routing, authentication, CSRF, security
 * headers, static files, /healthz and /metrics.
 *
 * Layers: the request and its reply are reply.h (below the frame); the
 * JSON helpers api.h build on reply.h alone; this frame builds on both.
 * Who a caller is, the frame asks a hook (web_server_set_auth) installed
 * by whoever builds the server: auth.h's auth_install for regman's
 * logins, or web_server_new (auth.h), the frame with it installed.
 *
 * Adding an endpoint is one table row and one handler function:
 *
 *   static int get_domain(struct web_req *r)
 *   {
 *       int64_t id;
 *       int rc = api_path_id(r, "id", &id);     // 404 reply on junk
 *       if (rc)
 *           return rc;
 *       ... load the row (r->st, or core via r->ctx) ...
 *       if ((rc = auth_scope(r, row_account_id)))   // not yours: 404
 *           return rc;
 *       return web_reply_json(r, 200, obj);
 *   }
 *   static const struct web_route domain_routes[] = {
 *       {"GET", "/api/v1/domains/{id}", get_domain, WEB_LOGIN},
 *   };
 *   web_server_add_routes(srv, domain_routes, 1);
 *
 * Handler contract
 * - A handler runs on one of the server's threads with a worker checked
 *   out for it alone: r->st (a store handle) and r->ctx (what the host's
 *   worker_open made, e.g. a struct app). It must leave no transaction
 *   open (the frame rolls back and logs one it finds).
 * - It sets exactly one reply (web_reply_* or api_error*) and returns
 *   what that call returned (0). Helpers that validate input set an error
 *   reply themselves and return WEB_STOP: the handler returns it as is.
 *   A negative return without a reply becomes a 500 "internal" error whose
 *   details go to the log only.
 * - r->who is the authenticated principal on WEB_LOGIN / WEB_ADMIN routes
 *   (never NULL there). On WEB_PUBLIC routes it is NULL, except on a read
 *   (GET, HEAD) whose caller sent valid credentials: then the caller, so
 *   that a public answer can be the caller's own (prices).
 *
 * What the frame guarantees before a handler runs
 * - The request body is complete, at most cfg.max_body bytes (413 with a
 *   JSON error otherwise) and NUL-terminated; a non-empty body on an API
 *   route has Content-Type application/json (415 otherwise).
 * - The route's access rule holds (401 without valid credentials, as the
 *   authentication hook judges them, or without a hook; 403 for a
 *   customer on a WEB_ADMIN route), and on POST/PUT/PATCH/DELETE from a
 *   session cookie the X-CSRF-Token header equals the session's token
 *   (403 "csrf_failed"). Bearer API tokens need no CSRF token: a browser
 *   never attaches them by itself.
 * Every response carries the security headers (CSP without inline script,
 * X-Frame-Options DENY, Referrer-Policy no-referrer, X-Content-Type-Options
 * nosniff; HSTS over TLS) and API responses Cache-Control: no-store.
 *
 * Threads: web_server_start runs cfg.threads MHD threads (epoll) and one
 * thread that closes connections past their header or body deadline. The
 * worker pool holds one worker per thread, opened at start; requests
 * borrow one for the handler and give it back.
 *
 * Graceful stop: web_server_quiesce, then poll web_server_busy until it
 * is 0 (or the caller's patience ends), then web_server_free.
 *
 * Ownership: web_frame_new copies cfg's scalars and strings; the route
 * tables passed to web_server_add_routes must outlive the server (they
 * are static const arrays). web_server_free stops and frees everything.
 */
#ifndef RM_WEB_HTTP_H
#define RM_WEB_HTTP_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/store.h"
#include "util/err.h"
#include "web/reply.h"

struct web_server;
struct metrics;
struct auth_policy;

/* Route access rules. */
enum web_access {
    WEB_PUBLIC = 0, /* anyone; r->who is NULL */
    WEB_LOGIN = 1,  /* any logged-in principal */
    WEB_ADMIN = 2,  /* admins only; customers get 403 */
};

struct web_req;
typedef int web_handler_fn(struct web_req *r);

/*
 * struct web_route - one row of a route table. pattern is an absolute
 * path whose segments are literals or "{name}" (matches one non-empty
 * segment; read it with web_param). A path that matches a pattern under
 * another method gets 405 with an Allow header.
 */
struct web_route {
    const char *method; /* "GET", "POST", "PUT", "PATCH", "DELETE" */
    const char *pattern;
    web_handler_fn *fn;
    enum web_access access;
};

/* One per server thread: what a handler may use exclusively. */
struct web_worker {
    struct store *st;
    void *ctx;
};

struct web_config {
    const char *listen_addr; /* numeric IPv4/IPv6; NULL = 127.0.0.1 */
    unsigned port;           /* 0 = chosen by the OS (web_server_port) */
    unsigned threads;        /* 0 = 4 */
    size_t max_body;         /* 0 = 1 MiB */
    size_t max_header;       /* per-connection header memory; 0 = 32 KiB */
    unsigned max_conns;      /* 0 = 512 */
    /* 0 = no limit; more are closed at accept. Counts TCP peers: behind
     * a proxy, the proxy's connections (trusted_proxies changes nothing
     * here). */
    unsigned max_conns_per_ip;
    unsigned conn_timeout_s; /* idle connection timeout; 0 = 30 */
    /* Whole-phase deadlines that trickling bytes do not extend: the
     * request header must be in within header_timeout_s of the accept (or
     * of the previous answer on a kept-alive connection), the body within
     * body_timeout_s of the header; the connection is closed otherwise. */
    unsigned header_timeout_s; /* 0 = 10 */
    unsigned body_timeout_s;   /* 0 = 60 */
    const char *web_root;      /* static files; NULL = none served */
    const char *tls_cert_file; /* PEM; both set = HTTPS */
    const char *tls_key_file;
    /* Mark cookies Secure although this server speaks plain HTTP (it sits
     * behind a TLS-terminating proxy). Always on with TLS. */
    bool cookie_secure;
    /* "ADDR[/PREFIX], ..." ([http] trusted_proxies, forwarded.h): when
     * the TCP peer is one of them, a request's client address
     * (web_req.client_ip) comes from X-Forwarded-For. NULL or "" = none:
     * the client address is the peer. A bad value fails web_frame_new
     * (RM_EINVAL). */
    const char *trusted_proxies;
    enum web_access metrics_access; /* who may read /metrics */
    /* Read by web_server_new (auth.h), which installs authentication;
     * the frame itself does not use it. NULL = defaults. */
    const struct auth_policy *auth_policy;
    /* Opens one worker (called cfg.threads times by web_server_start, on
     * the caller's thread) and closes it (web_server_free). */
    int (*worker_open)(void *arg, struct web_worker *w, struct rm_err *err);
    void (*worker_close)(void *arg, struct web_worker *w);
    void *worker_arg;
};

/* web_frame_new - a server with the built-in routes (/healthz, /metrics)
 * and no authentication yet (web_server_set_auth); not listening yet.
 * web_server_new (auth.h) is this plus regman's logins. */
int web_frame_new(const struct web_config *cfg, struct web_server **out,
                  struct rm_err *err);

/* web_auth_fn - who made the request: fill *who (zeroed by the frame) from
 * the request's credentials and return 0; RM_ENOTFOUND when it carries no
 * valid ones (401); another negative code when they cannot be checked
 * (503, err logged). Runs on a server thread with r->st and r->ctx set. */
typedef int web_auth_fn(void *arg, struct web_req *r, struct web_principal *who,
                        struct rm_err *err);
/* web_server_set_auth - the hook that authenticates requests to WEB_LOGIN
 * and WEB_ADMIN routes (before web_server_start). Without one, those routes
 * answer 401. release (may be NULL) is called with arg when the hook is
 * replaced or the server freed. */
void web_server_set_auth(struct web_server *srv, web_auth_fn *fn, void *arg,
                         void (*release)(void *arg));
/* web_server_auth_arg - the arg given to web_server_set_auth, or NULL. */
void *web_server_auth_arg(struct web_server *srv);
/* web_server_add_routes - add a route table (before web_server_start). */
void web_server_add_routes(struct web_server *srv,
                           const struct web_route *routes, size_t n);
/* web_server_start - open the workers, bind and serve. */
int web_server_start(struct web_server *srv, struct rm_err *err);
/* web_server_port - the bound port (after start). */
unsigned web_server_port(const struct web_server *srv);
/* web_server_metrics - the registry /metrics renders (metrics.h). */
struct metrics *web_server_metrics(struct web_server *srv);
bool web_server_cookie_secure(const struct web_server *srv);
/* web_server_quiesce - stop accepting connections: the listening socket
 * refuses new ones from now on. Accepted connections are still served,
 * and every answer carries "Connection: close". Called once, from one
 * thread, after web_server_start. */
void web_server_quiesce(struct web_server *srv);
/* web_server_busy - how many connections have a request under way: its
 * request line (or unread bytes) has arrived and its answer is not sent
 * yet. Idle kept-alive connections and clients that sent part of a
 * request line do not count. */
unsigned web_server_busy(struct web_server *srv);
/* web_server_free - stop serving, close workers, free. NULL ok. Requests
 * still under way are cut off: quiesce and drain first to avoid that. */
void web_server_free(struct web_server *srv);

/* web_route_match - does path match pattern? On a match, up to maxp
 * parameters are stored as (name, value) slices into pattern and path.
 * Exposed for the unit tests. Returns the parameter count or -1. */
struct web_param_slice {
    const char *name, *value;
    size_t name_len, value_len;
};
int web_route_match(const char *pattern, const char *path,
                    struct web_param_slice *params, int maxp);

/* The response headers every reply carries (name, value pairs, NULL
 * terminated); tests compare against it. */
extern const char *const web_security_headers[];

#endif
