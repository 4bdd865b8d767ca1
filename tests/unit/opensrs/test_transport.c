/*
 * test_transport - the transport's wire format and outcome classification
 * against small misbehaving HTTP servers run in threads of this process
 * (127.0.0.1, port chosen by the OS), so no simulator is needed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "opensrs/transport.h"
#include "util/buf.h"
#include "util/xalloc.h"
#include "xcp/xcp.h"

#define KEY "0123456789abcdef0123456789abcdef"

enum mode {
    M_OK,          /* answer every request, keep the connection */
    M_CLOSE,       /* read the request, close without an answer */
    M_500,         /* HTTP 500 */
    M_TRUNCATED,   /* Content-Length larger than the body, then close */
    M_HANG,        /* read the request, never answer */
    M_GARBAGE,     /* 200 with a body that is not XML */
    M_NOT_OPS,     /* 200 with XML that is not an OPS response */
    M_BIG,         /* 200 with a body over XCP_MAX_BODY */
    M_TLS_GARBAGE, /* not TLS: answer a ClientHello with junk */
    M_DIE_ON_2ND,  /* answer the first request of a connection, close on
                      the second; later connections close unanswered */
};

struct server {
    int fd;
    int port;
    enum mode mode;
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_t conns[256];
    int n_conns;
    atomic_int accepted;
    atomic_int requests;
    char last_head[4096];
    struct buf last_body;
};

static struct server srv;

static const char ok_body[] =
    "<?xml version='1.0' encoding='UTF-8' standalone='no' ?>\n"
    "<!DOCTYPE OPS_envelope SYSTEM 'ops.dtd'>\n"
    "<OPS_envelope><header><version>0.9</version></header><body>"
    "<data_block><dt_assoc>"
    "<item key=\"protocol\">XCP</item><item key=\"action\">REPLY</item>"
    "<item key=\"object\">DOMAIN</item><item key=\"is_success\">1</item>"
    "<item key=\"response_code\">210</item>"
    "<item key=\"response_text\">Domain available</item>"
    "<item key=\"attributes\"><dt_assoc>"
    "<item key=\"status\">available</item>"
    "<item key=\"auth_info\">s3cret-code</item>"
    "</dt_assoc></item></dt_assoc></data_block></body></OPS_envelope>\n";

static void send_all(int fd, const void *p, size_t n)
{
    const char *c = p;
    while (n > 0) {
        ssize_t w = send(fd, c, n, MSG_NOSIGNAL);
        if (w <= 0)
            return;
        c += w;
        n -= (size_t)w;
    }
}

/* read_request - one HTTP request (head + Content-Length body); false on
 * EOF or error. */
static bool read_request(int fd, char *head, size_t head_size, struct buf *body)
{
    size_t n = 0;
    char *end = NULL;
    while (!end) {
        if (n + 1 >= head_size)
            return false;
        ssize_t r = recv(fd, head + n, head_size - 1 - n, 0);
        if (r <= 0)
            return false;
        n += (size_t)r;
        head[n] = '\0';
        end = strstr(head, "\r\n\r\n");
    }
    size_t hl = (size_t)(end + 4 - head);
    const char *cl = strcasestr(head, "\r\nContent-Length:");
    size_t want = cl ? strtoul(cl + 17, NULL, 10) : 0;
    buf_reset(body);
    buf_add(body, head + hl, n - hl);
    head[hl] = '\0';
    while (body->len < want) {
        char tmp[4096];
        ssize_t r = recv(fd, tmp, sizeof(tmp), 0);
        if (r <= 0)
            return false;
        buf_add(body, tmp, (size_t)r);
    }
    return true;
}

static void answer(int fd, const char *status, const char *body, size_t len,
                   size_t claimed)
{
    char h[256];
    int hn = snprintf(h, sizeof(h),
                      "HTTP/1.1 %s\r\nContent-Type: text/xml\r\n"
                      "Content-Length: %zu\r\n\r\n",
                      status, claimed);
    send_all(fd, h, (size_t)hn);
    send_all(fd, body, len);
}

static void *conn_main(void *arg)
{
    int fd = (int)(intptr_t)arg;
    int conn_no = atomic_fetch_add(&srv.accepted, 1);
    char head[4096];
    struct buf body;
    buf_init(&body);
    if (srv.mode == M_TLS_GARBAGE) {
        char tmp[512];
        if (recv(fd, tmp, sizeof(tmp), 0) > 0)
            send_all(fd, "HTTP/1.1 400 Bad\r\n\r\n", 20);
        close(fd);
        return NULL;
    }
    if (srv.mode == M_HANG && conn_no >= 0) {
        /* With TLS the request never completes; just wait for EOF. */
        char tmp[4096];
        while (recv(fd, tmp, sizeof(tmp), 0) > 0)
            ;
        close(fd);
        buf_release(&body);
        return NULL;
    }
    for (int k = 0; read_request(fd, head, sizeof(head), &body); k++) {
        atomic_fetch_add(&srv.requests, 1);
        pthread_mutex_lock(&srv.lock);
        snprintf(srv.last_head, sizeof(srv.last_head), "%s", head);
        buf_reset(&srv.last_body);
        buf_add(&srv.last_body, body.data, body.len);
        pthread_mutex_unlock(&srv.lock);
        switch (srv.mode) {
        case M_OK:
            answer(fd, "200 OK", ok_body, strlen(ok_body), strlen(ok_body));
            continue;
        case M_DIE_ON_2ND:
            if (conn_no == 0 && k == 0) {
                answer(fd, "200 OK", ok_body, strlen(ok_body), strlen(ok_body));
                continue;
            }
            break;
        case M_500:
            answer(fd, "500 Internal Server Error", "oops", 4, 4);
            break;
        case M_TRUNCATED:
            answer(fd, "200 OK", ok_body, 100, strlen(ok_body));
            break;
        case M_GARBAGE:
            answer(fd, "200 OK", "this is not xml", 15, 15);
            break;
        case M_NOT_OPS: {
            static const char x[] =
                "<OPS_envelope><header><version>0.9</version></header>"
                "<body><data_block><dt_assoc><item key=\"is_success\">maybe"
                "</item></dt_assoc></data_block></body></OPS_envelope>";
            answer(fd, "200 OK", x, sizeof(x) - 1, sizeof(x) - 1);
            break;
        }
        case M_BIG: {
            size_t total = XCP_MAX_BODY + 1024;
            char *big = xmalloc(total);
            memset(big, ' ', total);
            answer(fd, "200 OK", big, total, total);
            free(big);
            break;
        }
        default:
            break;
        }
        break; /* close after the first request in the other modes */
    }
    buf_release(&body);
    close(fd);
    return NULL;
}

static void *accept_main(void *arg)
{
    for (;;) {
        int c = accept(srv.fd, NULL, NULL);
        if (c < 0)
            return NULL;
        pthread_mutex_lock(&srv.lock);
        if (srv.n_conns < 256 &&
            pthread_create(&srv.conns[srv.n_conns], NULL, conn_main,
                           (void *)(intptr_t)c) == 0)
            srv.n_conns++;
        else
            close(c);
        pthread_mutex_unlock(&srv.lock);
    }
}

static int listen_local(int *port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t al = sizeof(a);
    if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) != 0 ||
        listen(fd, 16) != 0 || getsockname(fd, (struct sockaddr *)&a, &al) != 0)
        return -1;
    *port = ntohs(a.sin_port);
    return fd;
}

static void server_start(enum mode m)
{
    memset(&srv.last_head, 0, sizeof(srv.last_head));
    buf_init(&srv.last_body);
    pthread_mutex_init(&srv.lock, NULL);
    srv.mode = m;
    srv.n_conns = 0;
    atomic_store(&srv.accepted, 0);
    atomic_store(&srv.requests, 0);
    srv.fd = listen_local(&srv.port);
    assert_true(srv.fd >= 0);
    assert_int_equal(pthread_create(&srv.thread, NULL, accept_main, NULL), 0);
}

/* server_stop - after the transport is freed (its connections closed). */
static void server_stop(void)
{
    shutdown(srv.fd, SHUT_RDWR);
    close(srv.fd);
    pthread_join(srv.thread, NULL);
    for (int i = 0; i < srv.n_conns; i++)
        pthread_join(srv.conns[i], NULL);
    buf_release(&srv.last_body);
    pthread_mutex_destroy(&srv.lock);
}

struct logged {
    int n;
    char request[8192];
    char response[8192];
    enum srs_outcome outcome;
    char action[32];
};

static void log_cb(const struct srs_log_entry *e, void *arg)
{
    struct logged *l = arg;
    l->n++;
    snprintf(l->request, sizeof(l->request), "%s", e->request);
    snprintf(l->response, sizeof(l->response), "%s", e->response);
    snprintf(l->action, sizeof(l->action), "%s", e->action);
    l->outcome = e->outcome;
}

static struct srs_transport *client(const char *scheme, long timeout_ms)
{
    char url[128];
    snprintf(url, sizeof(url), "%s://127.0.0.1:%d/", scheme, srv.port);
    struct srs_transport_config cfg = {
        .url = url,
        .user = "reseller1",
        .key = KEY,
        .connect_timeout_ms = timeout_ms,
        .timeout_ms = timeout_ms,
        .max_handles = 2,
    };
    struct rm_err err;
    struct srs_transport *t = srs_transport_new(&cfg, &err);
    assert_non_null(t);
    return t;
}

static struct xcp_value *lookup_req(void)
{
    struct xcp_value *a = xcp_assoc_new();
    xcp_assoc_set_str(a, "domain", "example.com");
    xcp_assoc_set_str(a, "reg_password", "hunter2");
    xcp_assoc_set_str(a, "auth_info", "epp-code-1");
    return xcp_request_new("LOOKUP", "DOMAIN", a);
}

/* A test's scaffolding: the server in one mode, a transport to it, a
 * LOOKUP request and a reply to fill. */
struct rig {
    struct srs_transport *t;
    struct xcp_value *req;
    struct srs_reply rep;
};

static void rig_open(struct rig *g, enum mode m, const char *scheme,
                     long timeout_ms)
{
    server_start(m);
    g->t = client(scheme, timeout_ms);
    g->req = lookup_req();
    srs_reply_init(&g->rep);
}

static void rig_close(struct rig *g)
{
    srs_reply_release(&g->rep);
    xcp_free(g->req);
    srs_transport_free(g->t);
    server_stop();
}

/* call - one call in a given mode; returns the outcome. */
static enum srs_outcome call(enum mode m, const char *scheme, bool idempotent,
                             char *msg, size_t msg_size)
{
    struct rig g;
    rig_open(&g, m, scheme, 1000);
    struct rm_err err;
    rm_err_clear(&err);
    int rc = srs_transport_call(g.t, g.req, idempotent, &g.rep, &err);
    enum srs_outcome o = g.rep.outcome;
    assert_int_equal(rc == 0, o == SRS_ANSWERED);
    if (msg)
        snprintf(msg, msg_size, "%s", err.msg);
    rig_close(&g);
    return o;
}

static void answered_request_has_exact_headers_and_valid_signature(void **s)
{
    struct rig g;
    rig_open(&g, M_OK, "http", 2000);
    struct logged lg = {0};
    srs_transport_set_log(g.t, log_cb, &lg);
    assert_int_equal(srs_transport_call(g.t, g.req, true, &g.rep, NULL), 0);
    assert_int_equal(g.rep.outcome, SRS_ANSWERED);
    assert_int_equal(g.rep.http_status, 200);
    assert_true(g.rep.resp.is_success);
    assert_int_equal(g.rep.resp.code, 210);

    const char *h = srv.last_head;
    assert_non_null(strstr(h, "POST / HTTP/1.1\r\n"));
    assert_non_null(strstr(h, "\r\nContent-Type: text/xml\r\n"));
    assert_non_null(strstr(h, "\r\nX-Username: reseller1\r\n"));
    char cl[64];
    snprintf(cl, sizeof(cl), "\r\nContent-Length: %zu\r\n", srv.last_body.len);
    assert_non_null(strstr(h, cl));
    assert_null(strcasestr(h, "Expect:"));
    assert_null(strcasestr(h, "Accept-Encoding"));
    assert_null(strcasestr(h, "\r\nAccept:"));
    char sig[33], want[64];
    xcp_sign(srv.last_body.data, srv.last_body.len, KEY, sig);
    snprintf(want, sizeof(want), "\r\nX-Signature: %s\r\n", sig);
    assert_non_null(strstr(h, want));
    assert_null(strstr(srv.last_body.data, KEY));

    /* The log sees both sides, secrets redacted, never the key. */
    assert_int_equal(lg.n, 1);
    assert_string_equal(lg.action, "LOOKUP");
    assert_int_equal(lg.outcome, SRS_ANSWERED);
    assert_non_null(strstr(lg.request, "example.com"));
    assert_null(strstr(lg.request, "hunter2"));
    assert_null(strstr(lg.request, "epp-code-1"));
    assert_null(strstr(lg.request, KEY));
    assert_non_null(strstr(lg.response, "Domain available"));
    assert_null(strstr(lg.response, "s3cret-code"));
    /* ...while the caller's tree and reply stay untouched. */
    assert_string_equal(xcp_path_str(g.req, "attributes.reg_password"),
                        "hunter2");
    assert_string_equal(xcp_path_str(g.rep.resp.attrs, "auth_info"),
                        "s3cret-code");
    rig_close(&g);
}

struct outcome_case {
    const char *name;
    enum mode mode;
    const char *scheme;
    enum srs_outcome want;
    const char *msg; /* substring of the error */
};

static const struct outcome_case outcome_cases[] = {
    {"close without answer", M_CLOSE, "http", SRS_UNKNOWN, "outcome unknown"},
    {"HTTP 500", M_500, "http", SRS_UNKNOWN, "HTTP status 500"},
    {"truncated body", M_TRUNCATED, "http", SRS_UNKNOWN, "outcome unknown"},
    {"hang after request", M_HANG, "http", SRS_UNKNOWN, "outcome unknown"},
    {"body not XML", M_GARBAGE, "http", SRS_UNKNOWN, "unparsable"},
    {"XML but no OPS response", M_NOT_OPS, "http", SRS_UNKNOWN,
     "outcome unknown"},
    {"body over the limit", M_BIG, "http", SRS_UNKNOWN, "8 MiB"},
    {"TLS handshake fails", M_TLS_GARBAGE, "https", SRS_NOT_SENT, "not sent"},
    {"TLS handshake hangs", M_HANG, "https", SRS_NOT_SENT, "not sent"},
};

static void each_fault_ends_in_its_outcome_class(void **s)
{
    for (size_t i = 0; i < sizeof(outcome_cases) / sizeof(outcome_cases[0]);
         i++) {
        const struct outcome_case *c = &outcome_cases[i];
        print_message("%s\n", c->name);
        for (int idem = 0; idem < 2; idem++) {
            char msg[512];
            enum srs_outcome o =
                call(c->mode, c->scheme, idem, msg, sizeof(msg));
            assert_string_equal(srs_outcome_name(o), srs_outcome_name(c->want));
            if (!strstr(msg, c->msg))
                fail_msg("%s: \"%s\" lacks \"%s\"", c->name, msg, c->msg);
        }
    }
}

static void refused_connection_is_not_sent(void **s)
{
    int port;
    int fd = listen_local(&port);
    assert_true(fd >= 0);
    close(fd); /* nothing listens there now */
    char url[64];
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/", port);
    struct srs_transport_config cfg = {
        .url = url, .user = "u", .key = KEY, .timeout_ms = 2000};
    struct srs_transport *t = srs_transport_new(&cfg, NULL);
    struct xcp_value *req = lookup_req();
    struct srs_reply rep;
    srs_reply_init(&rep);
    struct rm_err err;
    assert_int_equal(srs_transport_call(t, req, false, &rep, &err), RM_EIO);
    assert_int_equal(rep.outcome, SRS_NOT_SENT);
    assert_non_null(strstr(err.msg, "not sent: "));
    srs_reply_release(&rep);
    xcp_free(req);
    srs_transport_free(t);
}

struct source_ip_case {
    const char *source_ip;
    bool idempotent;
    int want_rc;
    enum srs_outcome want;
    int want_requests;
};

/* source_ip_call - one call to an M_OK server from the local address of
 * c, checked against what c expects. */
static void source_ip_call(const struct source_ip_case *c)
{
    server_start(M_OK);
    char url[64];
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/", srv.port);
    struct srs_transport_config cfg = {.url = url,
                                       .user = "u",
                                       .key = KEY,
                                       .source_ip = c->source_ip,
                                       .timeout_ms = 2000};
    struct rig g = {.t = srs_transport_new(&cfg, NULL), .req = lookup_req()};
    assert_non_null(g.t);
    srs_reply_init(&g.rep);
    assert_int_equal(
        srs_transport_call(g.t, g.req, c->idempotent, &g.rep, NULL),
        c->want_rc);
    assert_string_equal(srs_outcome_name(g.rep.outcome),
                        srs_outcome_name(c->want));
    assert_int_equal(atomic_load(&srv.requests), c->want_requests);
    rig_close(&g);
}

static void unusable_source_ip_is_not_sent(void **s)
{
    /* TEST-NET-1: not configured on this host, so bind() fails. */
    static const struct source_ip_case c = {"192.0.2.77", false, RM_EIO,
                                            SRS_NOT_SENT, 0};
    source_ip_call(&c);
}

static void source_ip_binds_the_local_address(void **s)
{
    static const struct source_ip_case c = {"127.0.0.1", true, 0, SRS_ANSWERED,
                                            1};
    source_ip_call(&c);
}

static void idempotent_calls_reuse_one_connection(void **s)
{
    struct rig g;
    rig_open(&g, M_OK, "http", 2000);
    for (int i = 0; i < 3; i++)
        assert_int_equal(srs_transport_call(g.t, g.req, true, &g.rep, NULL), 0);
    assert_int_equal(atomic_load(&srv.accepted), 1);
    assert_int_equal(atomic_load(&srv.requests), 3);
    /* Side effects never ride on a kept connection. */
    for (int i = 0; i < 2; i++)
        assert_int_equal(srs_transport_call(g.t, g.req, false, &g.rep, NULL),
                         0);
    assert_int_equal(atomic_load(&srv.accepted), 3);
    assert_int_equal(atomic_load(&srv.requests), 5);
    rig_close(&g);
}

static void side_effect_is_sent_once_when_kept_connection_dies(void **s)
{
    /* Connection 1 answers once and dies on its next request; later
     * connections read the request and close unanswered. */
    struct rig g;
    rig_open(&g, M_DIE_ON_2ND, "http", 2000);
    assert_int_equal(srs_transport_call(g.t, g.req, true, &g.rep, NULL), 0);
    assert_int_equal(atomic_load(&srv.requests), 1);
    struct rm_err err;
    assert_int_equal(srs_transport_call(g.t, g.req, false, &g.rep, &err),
                     RM_EIO);
    assert_int_equal(g.rep.outcome, SRS_UNKNOWN);
    /* Exactly one more request arrived: no silent re-send. */
    assert_int_equal(atomic_load(&srv.requests), 2);
    rig_close(&g);
}

static void read_only_call_on_dead_kept_connection_is_retried(void **s)
{
    /* The contrast that makes the rule necessary: curl re-sends a
     * request whose kept connection died, which is fine for reads. */
    struct rig g;
    rig_open(&g, M_DIE_ON_2ND, "http", 2000);
    assert_int_equal(srs_transport_call(g.t, g.req, true, &g.rep, NULL), 0);
    assert_int_equal(srs_transport_call(g.t, g.req, true, &g.rep, NULL),
                     RM_EIO);
    assert_int_equal(g.rep.outcome, SRS_UNKNOWN);
    assert_int_equal(atomic_load(&srv.requests), 3);
    rig_close(&g);
}

struct thread_arg {
    struct srs_transport *t;
    int ok;
};

static void *hammer(void *p)
{
    struct thread_arg *a = p;
    struct xcp_value *req = lookup_req();
    struct srs_reply rep;
    srs_reply_init(&rep);
    for (int i = 0; i < 20; i++)
        if (srs_transport_call(a->t, req, i % 2 == 0, &rep, NULL) == 0 &&
            rep.resp.code == 210)
            a->ok++;
    srs_reply_release(&rep);
    xcp_free(req);
    return NULL;
}

static void concurrent_callers_share_a_transport(void **s)
{
    server_start(M_OK);
    struct srs_transport *t = client("http", 5000);
    pthread_t th[4];
    struct thread_arg args[4];
    for (int i = 0; i < 4; i++) {
        args[i] = (struct thread_arg){.t = t, .ok = 0};
        pthread_create(&th[i], NULL, hammer, &args[i]);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(th[i], NULL);
        assert_int_equal(args[i].ok, 20);
    }
    assert_int_equal(atomic_load(&srv.requests), 80);
    srs_transport_free(t);
    server_stop();
}

struct cfg_case {
    const char *url, *user, *key;
};

static const struct cfg_case bad_cfgs[] = {
    {NULL, "u", "k"},       {"ftp://x/", "u", "k"},
    {"http://x/", "", "k"}, {"http://x/", "u\r\nX-Evil: 1", "k"},
    {"http://x/", "u", ""},
};

static void bad_config_is_rejected_clearly(void **s)
{
    for (size_t i = 0; i < sizeof(bad_cfgs) / sizeof(bad_cfgs[0]); i++) {
        struct srs_transport_config cfg = {.url = bad_cfgs[i].url,
                                           .user = bad_cfgs[i].user,
                                           .key = bad_cfgs[i].key};
        struct rm_err err;
        rm_err_clear(&err);
        assert_null(srs_transport_new(&cfg, &err));
        assert_int_equal(err.code, RM_EINVAL);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(
            answered_request_has_exact_headers_and_valid_signature),
        cmocka_unit_test(each_fault_ends_in_its_outcome_class),
        cmocka_unit_test(refused_connection_is_not_sent),
        cmocka_unit_test(unusable_source_ip_is_not_sent),
        cmocka_unit_test(source_ip_binds_the_local_address),
        cmocka_unit_test(idempotent_calls_reuse_one_connection),
        cmocka_unit_test(side_effect_is_sent_once_when_kept_connection_dies),
        cmocka_unit_test(read_only_call_on_dead_kept_connection_is_retried),
        cmocka_unit_test(concurrent_callers_share_a_transport),
        cmocka_unit_test(bad_config_is_rejected_clearly),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
