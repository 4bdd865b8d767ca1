/*
 * legacy - XCP over the legacy TCP protocol (see legacy.h).
 */
#include "opensrs/legacy.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "util/clock.h"
#include "util/xalloc.h"
#include "xcp/xcp_legacy.h"

struct session {
    int fd;
    struct xcp_legacy_cipher *cipher;
    unsigned count;  /* commands written on it */
    int64_t last_ms; /* when it last finished a command */
    struct buf in;   /* bytes read past the last frame */
    struct xcp_parser *parser;
};

struct srs_legacy {
    char host[256], port[8];
    char *user, *key, *source_ip;
    enum xcp_legacy_crypt crypt;
    long connect_timeout_ms, timeout_ms;
    unsigned max_sessions;

    pthread_mutex_t lock; /* guards pool, n_pool */
    struct session **pool;
    size_t n_pool;
};

struct srs_legacy *srs_legacy_new(const char *url, const char *user,
                                  const char *key, const char *source_ip,
                                  long connect_timeout_ms, long timeout_ms,
                                  unsigned max_sessions, struct rm_err *err)
{
    const char *p = url + strlen("legacy://");
    const char *hend, *colon;
    char host[256];
    if (*p == '[') {
        hend = strchr(p, ']');
        if (!hend || hend[1] != ':') {
            rm_err_set(err, RM_EINVAL, "opensrs: bad legacy URL %.200s", url);
            return NULL;
        }
        colon = hend + 1;
        p++;
    } else {
        colon = strchr(p, ':');
        hend = colon;
    }
    if (!colon || hend == p || (size_t)(hend - p) >= sizeof(host)) {
        rm_err_set(err, RM_EINVAL,
                   "opensrs: a legacy URL needs a host and a port: %.200s",
                   url);
        return NULL;
    }
    memcpy(host, p, (size_t)(hend - p));
    host[hend - p] = '\0';
    char *end;
    long port = strtol(colon + 1, &end, 10);
    if (port < 1 || port > 65535 || (*end && strcmp(end, "/") != 0)) {
        rm_err_set(err, RM_EINVAL, "opensrs: bad port in %.200s", url);
        return NULL;
    }
    enum xcp_legacy_crypt crypt =
        strlen(key) == 16 ? XCP_LEGACY_DES : XCP_LEGACY_BLOWFISH;
    /* key the cipher once now: a key that is not hex or a missing
     * provider is a configuration error, not a failed call */
    struct xcp_legacy_cipher *probe = xcp_legacy_cipher_new(crypt, key, err);
    if (!probe)
        return NULL;
    xcp_legacy_cipher_free(probe);

    struct srs_legacy *l = xcalloc(1, sizeof(*l));
    snprintf(l->host, sizeof(l->host), "%s", host);
    snprintf(l->port, sizeof(l->port), "%ld", port);
    l->user = xstrdup(user);
    l->key = xstrdup(key);
    l->source_ip = source_ip && *source_ip ? xstrdup(source_ip) : NULL;
    l->crypt = crypt;
    l->connect_timeout_ms = connect_timeout_ms;
    l->timeout_ms = timeout_ms;
    l->max_sessions = max_sessions ? max_sessions : 1;
    pthread_mutex_init(&l->lock, NULL);
    l->pool = xcalloc(l->max_sessions, sizeof(*l->pool));
    return l;
}

/* --- socket I/O with deadlines ----------------------------------------- */

/* write_all - *wrote counts the bytes the kernel took. 0 or -1. */
static int write_all(int fd, const char *p, size_t n, int64_t deadline,
                     size_t *wrote)
{
    *wrote = 0;
    while (*wrote < n) {
        int64_t left = deadline - clock_mono_ms();
        if (left <= 0)
            return -1;
        struct pollfd pfd = {fd, POLLOUT, 0};
        int pr = poll(&pfd, 1, left > 1000 ? 1000 : (int)left);
        if (pr < 0 && errno != EINTR)
            return -1;
        if (pr <= 0)
            continue;
        ssize_t w = send(fd, p + *wrote, n - *wrote, MSG_NOSIGNAL);
        if (w < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
        if (w <= 0)
            return -1;
        *wrote += (size_t)w;
    }
    return 0;
}

enum rd { RD_OK, RD_EOF, RD_TIMEOUT, RD_ERROR, RD_PROTO };

static const char *rd_text(enum rd r)
{
    switch (r) {
    case RD_OK:
        return "ok";
    case RD_EOF:
        return "the server closed the connection";
    case RD_TIMEOUT:
        return "timed out waiting for the server";
    case RD_ERROR:
        return "connection error";
    case RD_PROTO:
        return "not a legacy-protocol frame";
    }
    return "?";
}

/* read_frame - the next frame's body into body (reset first). */
static enum rd read_frame(struct session *s, int64_t deadline, struct buf *body,
                          struct rm_err *perr)
{
    char chunk[16384];
    buf_reset(body);
    for (;;) {
        size_t off = 0, n = 0;
        long used =
            xcp_legacy_unframe(s->in.data, s->in.len, 0, &off, &n, perr);
        if (used < 0)
            return RD_PROTO;
        if (used > 0) {
            buf_add(body, s->in.data + off, n);
            memmove(s->in.data, s->in.data + used, s->in.len - (size_t)used);
            s->in.len -= (size_t)used;
            s->in.data[s->in.len] = '\0';
            return RD_OK;
        }
        int64_t left = deadline - clock_mono_ms();
        if (left <= 0)
            return RD_TIMEOUT;
        struct pollfd pfd = {s->fd, POLLIN, 0};
        int pr = poll(&pfd, 1, left > 1000 ? 1000 : (int)left);
        if (pr < 0 && errno != EINTR)
            return RD_ERROR;
        if (pr <= 0)
            continue;
        ssize_t r = recv(s->fd, chunk, sizeof(chunk), 0);
        if (r < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
        if (r == 0)
            return RD_EOF;
        if (r < 0)
            return RD_ERROR;
        buf_add(&s->in, chunk, (size_t)r);
    }
}

static void session_close(struct session *s)
{
    if (!s)
        return;
    if (s->fd >= 0)
        close(s->fd);
    xcp_legacy_cipher_free(s->cipher);
    xcp_parser_free(s->parser);
    buf_release(&s->in);
    free(s);
}

/* connect_to - a connected non-blocking socket, or -1 with err set. */
static int connect_to(struct srs_legacy *l, int64_t deadline,
                      struct rm_err *err)
{
    struct addrinfo hints = {0}, *res = NULL;
    hints.ai_socktype = SOCK_STREAM;
    int g = getaddrinfo(l->host, l->port, &hints, &res);
    if (g != 0) {
        rm_err_set(err, RM_EIO, "cannot resolve %s: %s", l->host,
                   gai_strerror(g));
        return -1;
    }
    int fd = -1;
    char why[200] = "no address";
    for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
        fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
                    0);
        if (fd < 0)
            continue;
        if (l->source_ip) {
            struct addrinfo sh = {0}, *src = NULL;
            sh.ai_family = ai->ai_family;
            sh.ai_socktype = SOCK_STREAM;
            sh.ai_flags = AI_NUMERICHOST | AI_PASSIVE;
            if (getaddrinfo(l->source_ip, NULL, &sh, &src) != 0 ||
                bind(fd, src->ai_addr, src->ai_addrlen) < 0) {
                snprintf(why, sizeof(why), "cannot use source address %s",
                         l->source_ip);
                if (src)
                    freeaddrinfo(src);
                close(fd);
                fd = -1;
                continue;
            }
            freeaddrinfo(src);
        }
        int rc = connect(fd, ai->ai_addr, ai->ai_addrlen);
        if (rc < 0 && errno == EINPROGRESS) {
            int64_t left = deadline - clock_mono_ms();
            struct pollfd pfd = {fd, POLLOUT, 0};
            int pr = left > 0 ? poll(&pfd, 1, (int)left) : 0;
            int soerr = 0;
            socklen_t sl = sizeof(soerr);
            if (pr <= 0) {
                snprintf(why, sizeof(why), "connect timed out");
                rc = -1;
            } else if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) < 0 ||
                       soerr) {
                snprintf(why, sizeof(why), "connect: %s",
                         strerror(soerr ? soerr : errno));
                rc = -1;
            } else {
                rc = 0;
            }
        } else if (rc < 0) {
            snprintf(why, sizeof(why), "connect: %s", strerror(errno));
        }
        if (rc == 0)
            break;
        close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    if (fd < 0) {
        rm_err_set(err, RM_EIO, "%s:%s: %s", l->host, l->port, why);
        return -1;
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    return fd;
}

/* send_plain - one framed plaintext OPS request. */
static int send_plain(struct session *s, struct xcp_value *req,
                      int64_t deadline)
{
    struct buf body, frame;
    buf_init(&body);
    buf_init(&frame);
    xcp_emit(req, &body);
    xcp_legacy_frame(&frame, body.data, body.len);
    size_t wrote;
    int rc = write_all(s->fd, frame.data, frame.len, deadline, &wrote);
    buf_release(&body);
    buf_release(&frame);
    xcp_free(req);
    return rc;
}

/* handshake - a new authenticated session, or NULL with err set (every
 * failure here is before the command: "not sent"). */
static struct session *handshake(struct srs_legacy *l, struct rm_err *err)
{
    int64_t deadline = clock_mono_ms() + l->connect_timeout_ms;
    struct session *s = xcalloc(1, sizeof(*s));
    buf_init(&s->in);
    s->parser = xcp_parser_new();
    s->fd = connect_to(l, deadline, err);
    if (s->fd < 0) {
        session_close(s);
        return NULL;
    }
    struct buf body;
    buf_init(&body);
    struct rm_err perr;
    rm_err_clear(&perr);
    struct xcp_msg msg = {0};
    enum rd r;

    /* 1. the greeting: CHECK VERSION from "OpenSRS SERVER" */
    if ((r = read_frame(s, deadline, &body, &perr)) != RD_OK) {
        /* an HTTPS port waits for a request and never greets */
        rm_err_set(
            err, RM_EIO,
            "no greeting from the server: %s (is %s:%s the legacy "
            "protocol's port? an HTTPS port such as 55443 needs the https "
            "protocol)",
            r == RD_PROTO ? perr.msg : rd_text(r), l->host, l->port);
        goto fail;
    }
    if (xcp_parser_parse(s->parser, body.data, body.len, &msg, &perr) < 0 ||
        !msg.data) {
        rm_err_set(err, RM_EPROTO,
                   "the server's greeting is not an OPS document (is this "
                   "port the legacy protocol?)");
        goto fail;
    }
    int64_t code = 0;
    if (xcp_path_int(msg.data, "response_code", &code, NULL) == 0 &&
        code == 555) {
        const char *t = xcp_path_str(msg.data, "response_text");
        rm_err_set(err, RM_EREFUSED,
                   "the server refuses this address (555): %.200s", t ? t : "");
        goto fail;
    }
    const char *sender = xcp_path_str(msg.data, "attributes.sender");
    const char *version = xcp_path_str(msg.data, "attributes.version");
    if (!sender || !strstr(sender, "OpenSRS SERVER") || !version ||
        strncmp(version, "XML", 3) != 0) {
        rm_err_set(err, RM_EPROTO,
                   "unrecognised peer: the greeting does "
                   "not come from an OpenSRS server");
        goto fail;
    }
    xcp_msg_free(&msg);

    /* 2. our version, then who we are and which cipher */
    struct xcp_value *a = xcp_assoc_new();
    xcp_assoc_set_str(a, "sender", "OpenSRS CLIENT");
    xcp_assoc_set_str(a, "version", "XML:0.1");
    xcp_assoc_set_str(a, "state", "ready");
    struct xcp_value *auth = xcp_assoc_new();
    xcp_assoc_set_str(auth, "crypt_type", xcp_legacy_crypt_name(l->crypt));
    xcp_assoc_set_str(auth, "username", l->user);
    /* the old clients send the username as the password: the key never
     * crosses the wire */
    xcp_assoc_set_str(auth, "password", l->user);
    if (send_plain(s, xcp_request_new("check", "version", a), deadline) < 0 ||
        send_plain(s, xcp_request_new("authenticate", "user", auth), deadline) <
            0) {
        rm_err_set(err, RM_EIO,
                   "the server closed the connection during "
                   "the handshake");
        goto fail;
    }

    /* 3. the challenge and our answer */
    if ((r = read_frame(s, deadline, &body, &perr)) != RD_OK) {
        rm_err_set(err, RM_EIO, "no challenge from the server: %s",
                   r == RD_PROTO ? perr.msg : rd_text(r));
        goto fail;
    }
    s->cipher = xcp_legacy_cipher_new(l->crypt, l->key, err);
    if (!s->cipher)
        goto fail;
    struct buf ans, frame;
    buf_init(&ans);
    buf_init(&frame);
    int arc =
        xcp_legacy_challenge_answer(s->cipher, body.data, body.len, &ans, err);
    size_t wrote;
    if (arc == 0) {
        xcp_legacy_frame(&frame, ans.data, ans.len);
        arc = write_all(s->fd, frame.data, frame.len, deadline, &wrote);
        if (arc < 0)
            rm_err_set(err, RM_EIO,
                       "the server closed the connection "
                       "during the handshake");
    }
    buf_release(&ans);
    buf_release(&frame);
    if (arc < 0)
        goto fail;

    /* 4. the verdict: encrypted when we are in, plain when refused */
    if ((r = read_frame(s, deadline, &body, &perr)) != RD_OK) {
        rm_err_set(err, RM_EIO, "no answer to authentication: %s",
                   r == RD_PROTO ? perr.msg : rd_text(r));
        goto fail;
    }
    struct buf plain;
    buf_init(&plain);
    const char *doc = body.data;
    size_t dlen = body.len;
    if (xcp_legacy_is_encrypted(body.data, body.len)) {
        if (xcp_legacy_decrypt(s->cipher, body.data, body.len, &plain, &perr) <
            0) {
            buf_release(&plain);
            rm_err_set(err, RM_EREFUSED,
                       "authentication failed: the server's answer does not "
                       "decrypt under this key");
            goto fail;
        }
        doc = plain.data;
        dlen = plain.len;
    }
    struct srs_reply verdict;
    srs_reply_init(&verdict);
    int prc = srs_reply_parse(s->parser, doc, dlen, &verdict, &perr);
    buf_release(&plain);
    if (prc < 0) {
        rm_err_set(err, RM_EPROTO, "unreadable answer to authentication: %s",
                   perr.msg);
        goto fail;
    }
    if (verdict.resp.code != 200 ||
        !xcp_legacy_is_encrypted(body.data, body.len)) {
        rm_err_set(err, RM_EREFUSED,
                   "authentication refused (%d %.200s): check the login and "
                   "the private key",
                   verdict.resp.code, verdict.resp.text);
        srs_reply_release(&verdict);
        goto fail;
    }
    srs_reply_release(&verdict);
    buf_release(&body);
    return s;
fail:
    xcp_msg_free(&msg);
    buf_release(&body);
    session_close(s);
    return NULL;
}

/* --- the pool --------------------------------------------------------- */

/* alive - an idle session the server has not closed or written to. */
static bool alive(const struct session *s)
{
    if (s->count >= XCP_LEGACY_SESSION_MAX ||
        clock_mono_ms() - s->last_ms > SRS_LEGACY_IDLE_MS || s->in.len > 0)
        return false;
    struct pollfd pfd = {s->fd, POLLIN, 0};
    return poll(&pfd, 1, 0) == 0;
}

static struct session *pool_take(struct srs_legacy *l)
{
    for (;;) {
        struct session *s = NULL;
        pthread_mutex_lock(&l->lock);
        if (l->n_pool > 0)
            s = l->pool[--l->n_pool];
        pthread_mutex_unlock(&l->lock);
        if (!s || alive(s))
            return s;
        session_close(s);
    }
}

static void pool_put(struct srs_legacy *l, struct session *s)
{
    s->last_ms = clock_mono_ms();
    if (s->count >= XCP_LEGACY_SESSION_MAX) {
        session_close(s);
        return;
    }
    pthread_mutex_lock(&l->lock);
    if (l->n_pool < l->max_sessions) {
        l->pool[l->n_pool++] = s;
        s = NULL;
    }
    pthread_mutex_unlock(&l->lock);
    session_close(s);
}

/* quit - QUIT SESSION, answer awaited briefly and ignored. */
static void quit(struct session *s)
{
    struct xcp_value *q = xcp_request_new("quit", "session", NULL);
    struct buf body, ct, frame;
    buf_init(&body);
    buf_init(&ct);
    buf_init(&frame);
    xcp_emit(q, &body);
    xcp_free(q);
    int64_t deadline = clock_mono_ms() + 1000;
    if (xcp_legacy_encrypt(s->cipher, body.data, body.len, NULL, &ct, NULL) ==
        0) {
        xcp_legacy_frame(&frame, ct.data, ct.len);
        size_t wrote;
        if (write_all(s->fd, frame.data, frame.len, deadline, &wrote) == 0) {
            struct rm_err e;
            read_frame(s, deadline, &body, &e);
        }
    }
    buf_release(&body);
    buf_release(&ct);
    buf_release(&frame);
}

void srs_legacy_free(struct srs_legacy *l)
{
    if (!l)
        return;
    for (size_t i = 0; i < l->n_pool; i++) {
        if (alive(l->pool[i]))
            quit(l->pool[i]);
        session_close(l->pool[i]);
    }
    free(l->pool);
    pthread_mutex_destroy(&l->lock);
    memset(l->key, 0, strlen(l->key));
    free(l->key);
    free(l->user);
    free(l->source_ip);
    free(l);
}

/* --- one command ------------------------------------------------------ */

/* once - one command on one session. Returns 0 answered, RM_EIO with
 * out->outcome set otherwise; *retry when the server refused it with 350
 * (not run). */
static int once(struct srs_legacy *l, const char *body, size_t len,
                struct srs_reply *out, bool *retry, struct rm_err *err)
{
    *retry = false;
    struct session *s = pool_take(l);
    if (!s) {
        struct rm_err herr;
        rm_err_clear(&herr);
        s = handshake(l, &herr);
        if (!s) {
            out->outcome = SRS_NOT_SENT;
            return rm_err_set(err, RM_EIO, "not sent: %s", herr.msg);
        }
    }
    int64_t deadline = clock_mono_ms() + l->timeout_ms;
    struct buf ct, frame;
    buf_init(&ct);
    buf_init(&frame);
    struct rm_err cerr;
    rm_err_clear(&cerr);
    int rc = xcp_legacy_encrypt(s->cipher, body, len, NULL, &ct, &cerr);
    if (rc < 0) {
        out->outcome = SRS_NOT_SENT;
        buf_release(&ct);
        pool_put(l, s);
        return rm_err_set(err, RM_EIO, "not sent: %s", cerr.msg);
    }
    xcp_legacy_frame(&frame, ct.data, ct.len);
    buf_release(&ct);
    s->count++;
    size_t wrote = 0;
    if (write_all(s->fd, frame.data, frame.len, deadline, &wrote) < 0) {
        buf_release(&frame);
        session_close(s);
        if (wrote == 0) {
            out->outcome = SRS_NOT_SENT;
            return rm_err_set(err, RM_EIO,
                              "not sent: the session broke before the "
                              "request was written");
        }
        out->outcome = SRS_UNKNOWN;
        return rm_err_set(err, RM_EIO,
                          "outcome unknown: the session broke while the "
                          "request was being written");
    }
    buf_release(&frame);

    struct buf in, plain;
    buf_init(&in);
    buf_init(&plain);
    struct rm_err perr;
    rm_err_clear(&perr);
    enum rd r = read_frame(s, deadline, &in, &perr);
    if (r != RD_OK) {
        out->outcome = SRS_UNKNOWN;
        rc = rm_err_set(err, RM_EIO, "outcome unknown: %s",
                        r == RD_PROTO ? perr.msg : rd_text(r));
        goto broken;
    }
    if (xcp_legacy_decrypt(s->cipher, in.data, in.len, &plain, &perr) < 0) {
        out->outcome = SRS_UNKNOWN;
        rc = rm_err_set(err, RM_EIO, "outcome unknown: %s", perr.msg);
        goto broken;
    }
    if ((rc = srs_reply_parse(s->parser, plain.data, plain.len, out, err)) < 0)
        goto broken;
    buf_release(&in);
    buf_release(&plain);
    if (out->resp.code == 350) {
        /* over the server's command limit: not run; a new session */
        srs_reply_release(out);
        session_close(s);
        *retry = true;
        return rm_err_set(err, RM_EIO,
                          "not sent: the server's command limit per session "
                          "(350)");
    }
    pool_put(l, s);
    return 0;
broken:
    buf_release(&in);
    buf_release(&plain);
    session_close(s); /* never reused, never resent */
    return rc;
}

int srs_legacy_call(struct srs_legacy *l, const char *body, size_t len,
                    struct srs_reply *out, struct rm_err *err)
{
    bool retry = false;
    int rc = once(l, body, len, out, &retry, err);
    if (retry) {
        rm_err_clear(err);
        rc = once(l, body, len, out, &retry, err);
    }
    return rc;
}
