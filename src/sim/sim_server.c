/*
 * sim_server - listeners and connection threads (see sim_server.h).
 */
#include "sim/sim_server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>

#include "sim/sim_control.h"
#include "sim/sim_exchange.h"
#include "sim/sim_legacy.h"
#include "util/clock.h"
#include "util/xalloc.h"
#include "xcp/xcp.h"

#define READ_CHUNK 65536

struct listener {
    int fd;
    bool control;
    bool legacy;
    char addr[80]; /* bound address, "127.0.0.1:PORT" */
    pthread_t thread;
    bool started;
    struct sim_server *srv;
};

struct sim_server {
    struct sim *sim;
    struct sim_server_opts opts;
    struct listener ls[2 * SIM_MAX_LISTEN + 1];
    size_t nls;
    int wake[2]; /* a byte here wakes the accept threads for shutdown */
    atomic_bool stopping;
    pthread_mutex_t mu; /* guards conns, nconns, the log */
    pthread_cond_t idle;
    int *conns; /* fds of live connections (-1 = free slot) */
    int nconns;
};

struct conn {
    struct sim_server *srv;
    int fd;
    int slot;
    SSL *ssl;
    bool control;
    bool legacy;
    char peer[64];
};

/* --- addresses ------------------------------------------------------------ */

static int parse_addr(const char *spec, struct sockaddr_storage *ss,
                      socklen_t *len, struct rm_err *err)
{
    char host[64];
    const char *port;
    if (spec[0] == '[') {
        const char *e = strchr(spec, ']');
        if (!e || e[1] != ':' || (size_t)(e - spec - 1) >= sizeof(host))
            return rm_err_set(err, RM_EINVAL, "bad address %s", spec);
        memcpy(host, spec + 1, (size_t)(e - spec - 1));
        host[e - spec - 1] = '\0';
        port = e + 2;
    } else {
        const char *c = strrchr(spec, ':');
        if (!c || (size_t)(c - spec) >= sizeof(host))
            return rm_err_set(err, RM_EINVAL, "bad address %s (want HOST:PORT)",
                              spec);
        memcpy(host, spec, (size_t)(c - spec));
        host[c - spec] = '\0';
        port = c + 1;
    }
    struct addrinfo hints = {0}, *res;
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE;
    int rc = getaddrinfo(host, port, &hints, &res);
    if (rc != 0)
        return rm_err_set(err, RM_EINVAL, "bad address %s: %s", spec,
                          gai_strerror(rc));
    memcpy(ss, res->ai_addr, res->ai_addrlen);
    *len = res->ai_addrlen;
    freeaddrinfo(res);
    return 0;
}

static void fmt_addr(const struct sockaddr_storage *ss, char *out, size_t n)
{
    char host[INET6_ADDRSTRLEN] = "?";
    int port = 0;
    if (ss->ss_family == AF_INET) {
        const struct sockaddr_in *a = (const struct sockaddr_in *)ss;
        inet_ntop(AF_INET, &a->sin_addr, host, sizeof(host));
        port = ntohs(a->sin_port);
        snprintf(out, n, "%s:%d", host, port);
    } else if (ss->ss_family == AF_INET6) {
        const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)ss;
        inet_ntop(AF_INET6, &a->sin6_addr, host, sizeof(host));
        port = ntohs(a->sin6_port);
        snprintf(out, n, "[%s]:%d", host, port);
    } else {
        snprintf(out, n, "?");
    }
}

static int open_listener(struct listener *l, const char *spec,
                         struct rm_err *err)
{
    struct sockaddr_storage ss;
    socklen_t len;
    int rc = parse_addr(spec, &ss, &len, err);
    if (rc < 0)
        return rc;
    int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return rm_err_set(err, RM_EIO, "socket: %s", strerror(errno));
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (bind(fd, (struct sockaddr *)&ss, len) < 0 || listen(fd, 1024) < 0) {
        rc = rm_err_set(err, RM_EIO, "listen on %s: %s", spec, strerror(errno));
        close(fd);
        return rc;
    }
    len = sizeof(ss);
    getsockname(fd, (struct sockaddr *)&ss, &len);
    fmt_addr(&ss, l->addr, sizeof(l->addr));
    l->fd = fd;
    return 0;
}

/* --- connection I/O ------------------------------------------------------- */

/*
 * conn_read - up to n bytes before deadline (monotonic ms). Returns bytes,
 * 0 at end of stream, -1 on error or timeout. poll() bounds every wait, so
 * a peer that sends nothing cannot hold us past the deadline; with TLS a
 * partial record makes SSL_read report WANT_READ (the socket has a short
 * SO_RCVTIMEO) and we poll again.
 */
static ssize_t conn_read(struct conn *c, char *p, size_t n, int64_t deadline)
{
    for (;;) {
        if (atomic_load(&c->srv->stopping))
            return -1;
        if (!(c->ssl && SSL_pending(c->ssl) > 0)) {
            int64_t left = deadline - clock_mono_ms();
            if (left <= 0)
                return -1;
            struct pollfd pfd = {c->fd, POLLIN, 0};
            int pr = poll(&pfd, 1, left > 1000 ? 1000 : (int)left);
            if (pr < 0 && errno != EINTR)
                return -1;
            if (pr <= 0)
                continue;
        }
        if (!c->ssl) {
            ssize_t r = recv(c->fd, p, n, 0);
            if (r < 0 && (errno == EINTR || errno == EAGAIN))
                continue;
            return r;
        }
        int r = SSL_read(c->ssl, p, n > INT32_MAX ? INT32_MAX : (int)n);
        if (r > 0)
            return r;
        int e = SSL_get_error(c->ssl, r);
        if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE)
            continue;
        ERR_clear_error();
        return e == SSL_ERROR_ZERO_RETURN ? 0 : -1;
    }
}

static bool conn_write(struct conn *c, const char *p, size_t n)
{
    while (n > 0) {
        if (c->ssl) {
            int w = SSL_write(c->ssl, p, n > INT32_MAX ? INT32_MAX : (int)n);
            if (w <= 0) {
                ERR_clear_error();
                return false;
            }
            p += w;
            n -= (size_t)w;
        } else {
            ssize_t w = send(c->fd, p, n, MSG_NOSIGNAL);
            if (w < 0 && errno == EINTR)
                continue;
            if (w <= 0)
                return false;
            p += w;
            n -= (size_t)w;
        }
    }
    return true;
}

static void log_line(struct sim_server *srv, const struct sim_outcome *o,
                     const char *peer, size_t in, size_t out, int64_t t0)
{
    if (!srv->opts.log)
        return;
    struct buf line;
    buf_init(&line);
    sim_outcome_log(o, peer, in, out, (double)(clock_mono_ms() - t0), &line);
    pthread_mutex_lock(&srv->mu);
    fprintf(srv->opts.log, "%s\n", line.data);
    fflush(srv->opts.log);
    pthread_mutex_unlock(&srv->mu);
    buf_release(&line);
}

/* sleep_ms - sleep, but wake early when the server stops. */
static void sleep_ms(struct sim_server *srv, int64_t ms)
{
    int64_t end = clock_mono_ms() + ms;
    while (!atomic_load(&srv->stopping)) {
        int64_t left = end - clock_mono_ms();
        if (left <= 0)
            return;
        struct timespec ts = {0, (left > 100 ? 100 : left) * 1000000L};
        nanosleep(&ts, NULL);
    }
}

/* hang - the "hang" fault: read and discard until the peer goes away. */
static void hang(struct conn *c)
{
    char sink[4096];
    for (;;) {
        ssize_t r = conn_read(c, sink, sizeof(sink), clock_mono_ms() + 3600000);
        if (r <= 0)
            return;
    }
}

/* deliver - o's delay, then its disposition on the wire; *out the bytes
 * written. True when the connection goes on (SIM_SEND, written whole);
 * a SIM_HANG is the caller's to carry out, after its log line. */
static bool deliver(struct conn *c, const struct sim_outcome *o, size_t *out)
{
    if (o->delay_ms > 0)
        sleep_ms(c->srv, o->delay_ms);
    *out = 0;
    switch (o->disp) {
    case SIM_SEND:
        *out = o->out.len;
        return conn_write(c, o->out.data, o->out.len);
    case SIM_SEND_CLOSE:
        conn_write(c, o->out.data, o->out.len);
        *out = o->out.len;
        return false;
    case SIM_CLOSE:
    case SIM_HANG:
        break;
    }
    return false;
}

static void serve(struct conn *c)
{
    struct sim_server *srv = c->srv;
    struct xcp_parser *parser = c->control ? NULL : xcp_parser_new();
    size_t max_body = c->control ? 1024u * 1024u : XCP_MAX_BODY;
    struct buf in;
    buf_init(&in);
    char *chunk = xmalloc(READ_CHUNK);
    for (;;) {
        int64_t t0 = 0, deadline = clock_mono_ms() + srv->opts.idle_timeout_ms;
        long used;
        struct sim_http_req req;
        struct rm_err err;
        rm_err_clear(&err);
        for (;;) {
            used = sim_http_parse(in.data, in.len, SIM_HTTP_MAX_HEADER,
                                  max_body, &req, &err);
            if (used != 0)
                break;
            ssize_t r = conn_read(c, chunk, READ_CHUNK, deadline);
            if (r <= 0)
                goto done; /* end of stream, error or timeout: drop */
            if (in.len == 0) {
                /* the first byte of a request starts its clock */
                t0 = clock_mono_ms();
                deadline = t0 + srv->opts.read_timeout_ms;
            }
            buf_add(&in, chunk, (size_t)r);
        }
        if (t0 == 0)
            t0 = clock_mono_ms();
        struct sim_outcome o;
        sim_outcome_init(&o);
        if (used < 0) {
            sim_exchange_http_error((int)used, &err, &o);
            conn_write(c, o.out.data, o.out.len);
            log_line(srv, &o, c->peer, in.len, o.out.len, t0);
            sim_outcome_release(&o);
            goto done;
        }
        if (c->control)
            sim_control(srv->sim, &req, &o);
        else
            sim_exchange(srv->sim, parser, &req, &o);
        size_t out;
        bool keep = deliver(c, &o, &out);
        log_line(srv, &o, c->peer, (size_t)used, out, t0);
        enum sim_disposition disp = o.disp;
        sim_outcome_release(&o);
        if (disp == SIM_HANG)
            hang(c);
        if (!keep)
            goto done;
        /* keep what followed the request (pipelining) */
        memmove(in.data, in.data + used, in.len - (size_t)used);
        in.len -= (size_t)used;
        in.data[in.len] = '\0';
    }
done:
    free(chunk);
    buf_release(&in);
    if (parser)
        xcp_parser_free(parser);
}

/*
 * serve_legacy - one legacy-protocol connection: the greeting, then one
 * sim_legacy_step per frame until the session ends. The clocks are the
 * HTTP ones: idle_timeout_ms for the first byte of a frame,
 * read_timeout_ms for the whole frame once it has started.
 */
static void serve_legacy(struct conn *c)
{
    struct sim_server *srv = c->srv;
    struct xcp_parser *parser = xcp_parser_new();
    struct sim_legacy *s = sim_legacy_new(srv->sim, parser);
    struct buf in;
    buf_init(&in);
    char *chunk = xmalloc(READ_CHUNK);
    struct buf hello;
    buf_init(&hello);
    sim_legacy_greeting(&hello);
    bool alive = conn_write(c, hello.data, hello.len);
    buf_release(&hello);
    while (alive) {
        int64_t t0 = 0, deadline = clock_mono_ms() + srv->opts.idle_timeout_ms;
        struct sim_outcome o;
        sim_outcome_init(&o);
        bool logit = false;
        long used;
        for (;;) {
            used = sim_legacy_step(s, in.data, in.len, &o, &logit);
            if (used != 0)
                break;
            ssize_t r = conn_read(c, chunk, READ_CHUNK, deadline);
            if (r <= 0)
                break; /* end of stream, error or timeout: drop */
            if (in.len == 0) {
                /* the first byte of a frame starts its clock */
                t0 = clock_mono_ms();
                deadline = t0 + srv->opts.read_timeout_ms;
            }
            buf_add(&in, chunk, (size_t)r);
        }
        if (used == 0) {
            sim_outcome_release(&o);
            break;
        }
        if (t0 == 0)
            t0 = clock_mono_ms();
        size_t out;
        alive = deliver(c, &o, &out);
        if (logit)
            log_line(srv, &o, c->peer, (size_t)used, out, t0);
        enum sim_disposition disp = o.disp;
        sim_outcome_release(&o);
        if (disp == SIM_HANG)
            hang(c);
        if (!alive)
            break;
        /* keep what followed the frame (a client may send ahead) */
        size_t u = (size_t)used < in.len ? (size_t)used : in.len;
        memmove(in.data, in.data + u, in.len - u);
        in.len -= u;
        in.data[in.len] = '\0';
    }
    free(chunk);
    buf_release(&in);
    sim_legacy_free(s);
    xcp_parser_free(parser);
}

static void *conn_main(void *arg)
{
    struct conn *c = arg;
    struct sim_server *srv = c->srv;
    bool ok = true;
    /* the legacy protocol is plain TCP, TLS or not elsewhere */
    if (srv->opts.tls && !c->control && !c->legacy) {
        c->ssl = SSL_new(srv->opts.tls);
        ok = c->ssl && SSL_set_fd(c->ssl, c->fd) == 1;
        /* the handshake is bounded by the socket timeouts set at accept */
        if (ok && SSL_accept(c->ssl) != 1)
            ok = false;
        ERR_clear_error();
    }
    if (c->legacy)
        serve_legacy(c);
    else if (ok)
        serve(c);
    if (c->ssl) {
        if (ok)
            SSL_shutdown(c->ssl);
        SSL_free(c->ssl);
        ERR_clear_error();
    }
    pthread_mutex_lock(&srv->mu);
    srv->conns[c->slot] = -1;
    close(c->fd);
    srv->nconns--;
    pthread_cond_broadcast(&srv->idle);
    pthread_mutex_unlock(&srv->mu);
    free(c);
    return NULL;
}

static void *accept_main(void *arg)
{
    struct listener *l = arg;
    struct sim_server *srv = l->srv;
    for (;;) {
        struct pollfd pfd[2] = {{l->fd, POLLIN, 0}, {srv->wake[0], POLLIN, 0}};
        if (poll(pfd, 2, -1) < 0 && errno != EINTR)
            break;
        if (atomic_load(&srv->stopping))
            break;
        if (!(pfd[0].revents & POLLIN))
            continue;
        struct sockaddr_storage ss;
        socklen_t len = sizeof(ss);
        int fd = accept4(l->fd, (struct sockaddr *)&ss, &len, SOCK_CLOEXEC);
        if (fd < 0)
            continue;
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
        /* short socket timeouts keep every blocking call (TLS handshake,
         * a stuck writer) bounded; conn_read loops on its own deadline */
        struct timeval tv = {1, 0};
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
        struct timeval wtv = {srv->opts.read_timeout_ms / 1000 + 1, 0};
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &wtv, sizeof(wtv));
        pthread_mutex_lock(&srv->mu);
        int slot = -1;
        if (srv->nconns < srv->opts.max_conns) {
            for (int i = 0; i < srv->opts.max_conns; i++) {
                if (srv->conns[i] < 0) {
                    slot = i;
                    break;
                }
            }
        }
        if (slot < 0) {
            pthread_mutex_unlock(&srv->mu);
            close(fd); /* over the connection cap */
            continue;
        }
        srv->conns[slot] = fd;
        srv->nconns++;
        pthread_mutex_unlock(&srv->mu);
        struct conn *c = xcalloc(1, sizeof(*c));
        c->srv = srv;
        c->fd = fd;
        c->slot = slot;
        c->control = l->control;
        c->legacy = l->legacy;
        fmt_addr(&ss, c->peer, sizeof(c->peer));
        pthread_attr_t attr;
        pthread_attr_init(&attr);
        pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        pthread_attr_setstacksize(&attr, 512 * 1024);
        pthread_t t;
        if (pthread_create(&t, &attr, conn_main, c) != 0) {
            pthread_mutex_lock(&srv->mu);
            srv->conns[slot] = -1;
            srv->nconns--;
            close(fd);
            pthread_mutex_unlock(&srv->mu);
            free(c);
        }
        pthread_attr_destroy(&attr);
    }
    return NULL;
}

/* --- start / stop ----------------------------------------------------------
 */

int sim_server_start(struct sim *sim, const struct sim_server_opts *opts,
                     struct sim_server **out, struct rm_err *err)
{
    struct sim_server *srv = xcalloc(1, sizeof(*srv));
    srv->sim = sim;
    srv->opts = *opts;
    if (srv->opts.max_conns <= 0)
        srv->opts.max_conns = 1024;
    if (srv->opts.read_timeout_ms <= 0)
        srv->opts.read_timeout_ms = 10000;
    if (srv->opts.idle_timeout_ms <= 0)
        srv->opts.idle_timeout_ms = 60000;
    pthread_mutex_init(&srv->mu, NULL);
    pthread_cond_init(&srv->idle, NULL);
    atomic_init(&srv->stopping, false);
    srv->conns = xmalloc((size_t)srv->opts.max_conns * sizeof(int));
    for (int i = 0; i < srv->opts.max_conns; i++)
        srv->conns[i] = -1;
    srv->wake[0] = srv->wake[1] = -1;
    if (pipe2(srv->wake, O_CLOEXEC) < 0) {
        int rc = rm_err_set(err, RM_EIO, "pipe: %s", strerror(errno));
        sim_server_stop(srv);
        return rc;
    }
    size_t nlegacy =
        opts->nlegacy < SIM_MAX_LISTEN ? opts->nlegacy : SIM_MAX_LISTEN;
    size_t nlisten =
        opts->nlisten < SIM_MAX_LISTEN ? opts->nlisten : SIM_MAX_LISTEN;
    /* XCP listeners, then legacy ones, then the control listener */
    for (size_t i = 0; i < nlisten + nlegacy + (opts->control ? 1 : 0); i++) {
        struct listener *l = &srv->ls[srv->nls];
        l->srv = srv;
        l->fd = -1;
        l->legacy = i >= nlisten && i < nlisten + nlegacy;
        l->control = i == nlisten + nlegacy;
        const char *spec = l->control  ? opts->control
                           : l->legacy ? opts->legacy[i - nlisten]
                                       : opts->listen[i];
        int rc = open_listener(l, spec, err);
        if (rc < 0) {
            sim_server_stop(srv);
            return rc;
        }
        srv->nls++;
    }
    for (size_t i = 0; i < srv->nls; i++) {
        if (pthread_create(&srv->ls[i].thread, NULL, accept_main,
                           &srv->ls[i]) != 0) {
            sim_server_stop(srv);
            return rm_err_set(err, RM_EINTERNAL, "cannot start threads");
        }
        srv->ls[i].started = true;
    }
    *out = srv;
    return 0;
}

int sim_server_write_ready(const struct sim_server *srv, const char *path,
                           struct rm_err *err)
{
    struct buf b;
    buf_init(&b);
    for (size_t i = 0; i < srv->nls; i++)
        buf_addf(&b, "%s=%s\n",
                 srv->ls[i].control  ? "control"
                 : srv->ls[i].legacy ? "legacy"
                                     : "listen",
                 srv->ls[i].addr);
    buf_addf(&b, "tls=%d\n", srv->opts.tls ? 1 : 0);
    char *tmp = xasprintf("%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    int rc = 0;
    if (!f || fwrite(b.data, 1, b.len, f) != b.len || fclose(f) != 0 ||
        rename(tmp, path) < 0) {
        rc =
            rm_err_set(err, RM_EIO, "ready file %s: %s", path, strerror(errno));
        unlink(tmp);
    }
    free(tmp);
    buf_release(&b);
    return rc;
}

void sim_server_stop(struct sim_server *srv)
{
    atomic_store(&srv->stopping, true);
    if (srv->wake[1] >= 0) {
        char x = 1;
        ssize_t w = write(srv->wake[1], &x, 1);
        (void)w;
    }
    for (size_t i = 0; i < srv->nls; i++)
        if (srv->ls[i].started)
            pthread_join(srv->ls[i].thread, NULL);
    for (size_t i = 0; i < srv->nls; i++)
        if (srv->ls[i].fd >= 0)
            close(srv->ls[i].fd);
    /* wake every connection thread: their reads fail, they exit */
    pthread_mutex_lock(&srv->mu);
    for (int i = 0; i < srv->opts.max_conns; i++)
        if (srv->conns[i] >= 0)
            shutdown(srv->conns[i], SHUT_RDWR);
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += 5;
    while (srv->nconns > 0) {
        if (pthread_cond_timedwait(&srv->idle, &srv->mu, &until) == ETIMEDOUT)
            break;
    }
    int left = srv->nconns;
    pthread_mutex_unlock(&srv->mu);
    if (left > 0) {
        /* a thread stuck in a kernel call we cannot interrupt: leave the
         * shared structures allocated rather than free them under it */
        return;
    }
    if (srv->wake[0] >= 0)
        close(srv->wake[0]);
    if (srv->wake[1] >= 0)
        close(srv->wake[1]);
    pthread_mutex_destroy(&srv->mu);
    pthread_cond_destroy(&srv->idle);
    free(srv->conns);
    free(srv);
}
