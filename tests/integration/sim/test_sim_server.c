/*
 * Integration tests of the opensrs-sim binary: started for real on
 * 127.0.0.1 with OS-chosen ports (read from its ready file), spoken to with
 * raw sockets and libcurl. argv[1] is the path of the binary.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <curl/curl.h>
#include <jansson.h>

#include "util/buf.h"
#include "util/xalloc.h"
#include "xcp/xcp.h"

static const char *sim_path;

struct simproc {
    pid_t pid;
    char dir[64];
    int port;
    int control;
};

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int port_of(const char *text, const char *key)
{
    const char *p = strstr(text, key);
    if (!p)
        return -1;
    p = strchr(p, '\n');
    const char *line_end = p;
    const char *colon = line_end;
    while (colon > text && *colon != ':')
        colon--;
    return atoi(colon + 1);
}

/* start - run the sim in dir (created if empty) with extra args; wait
 * for its ready file. */
static void start(struct simproc *s, const char *const *extra)
{
    if (!s->dir[0]) {
        snprintf(s->dir, sizeof(s->dir), "/tmp/simtest-XXXXXX");
        assert_non_null(mkdtemp(s->dir));
    }
    char ready[128], log[128], state[128];
    snprintf(ready, sizeof(ready), "%s/ready", s->dir);
    snprintf(log, sizeof(log), "%s/log", s->dir);
    snprintf(state, sizeof(state), "%s/state.json", s->dir);
    unlink(ready);
    const char *argv[40] = {
        sim_path,     "--listen", "127.0.0.1:0",  "--control", "127.0.0.1:0",
        "--reseller", "alice:k1", "--ready-file", ready,       "--log",
        log,          "--state",  state};
    int n = 13;
    for (size_t i = 0; extra && extra[i]; i++)
        argv[n++] = extra[i];
    argv[n] = NULL;
    s->pid = fork();
    assert_true(s->pid >= 0);
    if (s->pid == 0) {
        execv(sim_path, (char *const *)argv);
        _exit(127);
    }
    /* the ready file appears (atomically) once every socket listens */
    for (int i = 0; i < 1000; i++) {
        FILE *f = fopen(ready, "r");
        if (f) {
            char text[512] = "";
            size_t got = fread(text, 1, sizeof(text) - 1, f);
            text[got] = '\0';
            fclose(f);
            s->port = port_of(text, "listen=");
            s->control = port_of(text, "control=");
            assert_true(s->port > 0 && s->control > 0);
            return;
        }
        int st;
        if (waitpid(s->pid, &st, WNOHANG) == s->pid)
            fail_msg("opensrs-sim exited early");
        struct timespec ts = {0, 10000000};
        nanosleep(&ts, NULL);
    }
    fail_msg("no ready file");
}

static int stop(struct simproc *s)
{
    kill(s->pid, SIGTERM);
    int st = 0;
    waitpid(s->pid, &st, 0);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static void cleanup(struct simproc *s)
{
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", s->dir);
    assert_int_equal(system(cmd), 0);
}

/* finish - the simulator exits cleanly; its directory is removed. */
static void finish(struct simproc *s)
{
    assert_int_equal(stop(s), 0);
    cleanup(s);
}

static int connect_to(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {0};
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t)port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0);
    return fd;
}

static void send_all(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        assert_true(w > 0);
        p += w;
        n -= (size_t)w;
    }
}

/* recv_response - read one response: headers, then Content-Length bytes
 * (or until close). Returns false when the peer closed before a complete
 * response; *closed tells whether it closed. */
static bool recv_response(int fd, struct buf *out, int timeout_ms, bool *closed)
{
    *closed = false;
    int64_t end = now_ms() + timeout_ms;
    char chunk[8192];
    for (;;) {
        const char *h = strstr(out->data, "\r\n\r\n");
        if (h) {
            const char *cl = strstr(out->data, "Content-Length: ");
            size_t want = cl ? strtoul(cl + 16, NULL, 10) : 0;
            if (out->len - (size_t)(h + 4 - out->data) >= want)
                return true;
        }
        int left = (int)(end - now_ms());
        if (left <= 0)
            return false;
        struct pollfd p = {fd, POLLIN, 0};
        if (poll(&p, 1, left) <= 0)
            return false;
        ssize_t r = recv(fd, chunk, sizeof(chunk), 0);
        if (r <= 0) {
            *closed = true;
            return false;
        }
        buf_add(out, chunk, (size_t)r);
    }
}

static bool peer_closed(int fd, int timeout_ms)
{
    char c;
    struct pollfd p = {fd, POLLIN, 0};
    if (poll(&p, 1, timeout_ms) <= 0)
        return false;
    return recv(fd, &c, 1, 0) == 0;
}

/* xcp_request - a signed XCP request for (action, object, attrs JSON). */
static char *xcp_request(const char *http, const char *user, const char *key,
                         const char *action, const char *object,
                         const char *attrs_json, const char *extra_headers)
{
    json_t *j = json_loads(attrs_json ? attrs_json : "{}", 0, NULL);
    assert_non_null(j);
    struct xcp_value *attrs = xcp_assoc_new();
    const char *k;
    json_t *v;
    json_object_foreach(j, k, v)
    {
        if (json_is_string(v))
            xcp_assoc_set_str(attrs, k, json_string_value(v));
        else if (json_is_integer(v))
            xcp_assoc_set_int(attrs, k, json_integer_value(v));
    }
    json_decref(j);
    struct xcp_value *req = xcp_request_new(action, object, attrs);
    struct buf body;
    buf_init(&body);
    xcp_emit(req, &body);
    xcp_free(req);
    char sig[33];
    xcp_sign(body.data, body.len, key, sig);
    char *out = xasprintf("POST / %s\r\nContent-Type: text/xml\r\nX-Username: "
                          "%s\r\nX-Signature: %s\r\nContent-Length: "
                          "%zu\r\n%s\r\n%s",
                          http, user, sig, body.len,
                          extra_headers ? extra_headers : "", body.data);
    buf_release(&body);
    return out;
}

/* ops_code - the OPS response_code in a raw HTTP response, -1 if none. */
static int ops_code(const struct buf *resp, struct xcp_msg *keep)
{
    const char *b = strstr(resp->data, "\r\n\r\n");
    if (!b)
        return -1;
    b += 4;
    struct xcp_msg m;
    if (xcp_parse(b, resp->len - (size_t)(b - resp->data), &m, NULL) < 0)
        return -1;
    int64_t c = -1;
    xcp_path_int(m.data, "response_code", &c, NULL);
    if (keep)
        *keep = m;
    else
        xcp_msg_free(&m);
    return (int)c;
}

/* exchange - send req on fd and read one whole response into resp
 * (initialised here). */
static void exchange(int fd, const char *req, struct buf *resp)
{
    bool closed;
    send_all(fd, req, strlen(req));
    buf_init(resp);
    assert_true(recv_response(fd, resp, 5000, &closed));
}

/* call - one XCP exchange on a new connection; returns the OPS code and,
 * if keep, the parsed message. */
static int call(const struct simproc *s, const char *action, const char *object,
                const char *attrs, struct xcp_msg *keep)
{
    char *req = xcp_request("HTTP/1.1", "alice", "k1", action, object, attrs,
                            "Connection: close\r\n");
    int fd = connect_to(s->port);
    send_all(fd, req, strlen(req));
    free(req);
    struct buf resp;
    buf_init(&resp);
    bool closed;
    int code =
        recv_response(fd, &resp, 5000, &closed) ? ops_code(&resp, keep) : -1;
    close(fd);
    buf_release(&resp);
    return code;
}

/* control - one control API call; returns the HTTP status, body in *out. */
static int control(const struct simproc *s, const char *method,
                   const char *path, const char *json, json_t **out)
{
    char *req =
        xasprintf("%s %s HTTP/1.0\r\nContent-Length: %zu\r\n\r\n%s", method,
                  path, json ? strlen(json) : 0, json ? json : "");
    int fd = connect_to(s->control);
    struct buf resp;
    exchange(fd, req, &resp);
    free(req);
    close(fd);
    int status = atoi(resp.data + 9);
    if (out)
        *out = json_loads(strstr(resp.data, "\r\n\r\n") + 4, 0, NULL);
    buf_release(&resp);
    return status;
}

/* sw_register - SW_REGISTER of name (reg_type new or transfer) with a
 * full contact set, on a new connection; returns the OPS code. */
static int sw_register(const struct simproc *s, const char *name,
                       const char *reg_type, const char *auth_info)
{
    struct xcp_value *req = xcp_request_new("SW_REGISTER", "DOMAIN", NULL);
    struct xcp_value *a = xcp_request_attrs(req);
    xcp_assoc_set_str(a, "domain", name);
    xcp_assoc_set_str(a, "reg_type", reg_type);
    xcp_assoc_set_str(a, "period", "1");
    xcp_assoc_set_str(a, "reg_username", "u");
    xcp_assoc_set_str(a, "reg_password", "p");
    xcp_assoc_set_str(a, "custom_tech_contact", "0");
    xcp_assoc_set_str(a, "custom_nameservers", "0");
    xcp_assoc_set_str(a, "legal_type", "CCT"); /* what .ca needs */
    if (auth_info)
        xcp_assoc_set_str(a, "auth_info", auth_info);
    static const char *const types[] = {"owner", "admin", "billing"};
    for (size_t i = 0; i < 3; i++) {
        char path[96];
        static const char *const kv[][2] = {
            {"first_name", "A"},        {"last_name", "B"},
            {"address1", "C"},          {"city", "D"},
            {"country", "US"},          {"postal_code", "1"},
            {"phone", "+1.5555550100"}, {"email", "a@b.example"}};
        for (size_t k = 0; k < 8; k++) {
            snprintf(path, sizeof(path), "contact_set.%s.%s", types[i],
                     kv[k][0]);
            assert_int_equal(
                xcp_path_set(a, path, xcp_scalar_new(kv[k][1]), NULL), 0);
        }
    }
    struct buf body;
    buf_init(&body);
    xcp_emit(req, &body);
    xcp_free(req);
    char sig[33];
    xcp_sign(body.data, body.len, "k1", sig);
    char *raw = xasprintf("POST / HTTP/1.0\r\nX-Username: alice\r\n"
                          "X-Signature: %s\r\nContent-Length: %zu\r\n\r\n%s",
                          sig, body.len, body.data);
    int fd = connect_to(s->port);
    struct buf resp;
    exchange(fd, raw, &resp);
    int code = ops_code(&resp, NULL);
    close(fd);
    free(raw);
    buf_release(&body);
    buf_release(&resp);
    return code;
}

/* --- tests ---------------------------------------------------------------- */

static size_t sink(char *p, size_t sz, size_t n, void *arg)
{
    buf_add(arg, p, sz * n);
    return sz * n;
}

static void https_with_self_signed_ca(void **state)
{
    struct simproc s = {0};
    snprintf(s.dir, sizeof(s.dir), "/tmp/simtest-XXXXXX");
    assert_non_null(mkdtemp(s.dir));
    char tlsdir[128], ca[160];
    snprintf(tlsdir, sizeof(tlsdir), "%s/tls", s.dir);
    snprintf(ca, sizeof(ca), "%s/ca.pem", tlsdir);
    const char *extra[] = {"--tls-self-signed", tlsdir, NULL};
    start(&s, extra);
    for (int round = 0; round < 2; round++) {
        CURL *c = curl_easy_init();
        char url[64];
        snprintf(url, sizeof(url), "https://127.0.0.1:%d/", s.port);
        json_t *unused = NULL;
        (void)unused;
        struct xcp_value *req = xcp_request_new("LOOKUP", "DOMAIN", NULL);
        xcp_assoc_set_str(xcp_request_attrs(req), "domain", "tls-free.com");
        struct buf body, resp;
        buf_init(&body);
        buf_init(&resp);
        xcp_emit(req, &body);
        xcp_free(req);
        char sig[33], h1[64], h2[64];
        xcp_sign(body.data, body.len, "k1", sig);
        snprintf(h1, sizeof(h1), "X-Username: alice");
        snprintf(h2, sizeof(h2), "X-Signature: %s", sig);
        struct curl_slist *hs = curl_slist_append(NULL, h1);
        hs = curl_slist_append(hs, h2);
        hs = curl_slist_append(hs, "Content-Type: text/xml");
        curl_easy_setopt(c, CURLOPT_URL, url);
        curl_easy_setopt(c, CURLOPT_CAINFO, ca);
        curl_easy_setopt(c, CURLOPT_HTTPHEADER, hs);
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body.data);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)body.len);
        curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, sink);
        curl_easy_setopt(c, CURLOPT_WRITEDATA, &resp);
        CURLcode rc = curl_easy_perform(c);
        if (rc != CURLE_OK)
            fail_msg("curl: %s", curl_easy_strerror(rc));
        long http = 0;
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &http);
        assert_int_equal(http, 200);
        assert_non_null(strstr(resp.data, "<item key=\"response_code\">210<"));
        curl_slist_free_all(hs);
        curl_easy_cleanup(c);
        buf_release(&body);
        buf_release(&resp);
        if (round == 0) {
            /* a restart reuses the certificate files */
            struct stat before, after;
            assert_int_equal(stat(ca, &before), 0);
            assert_int_equal(stop(&s), 0);
            start(&s, extra);
            assert_int_equal(stat(ca, &after), 0);
            assert_int_equal(before.st_ino, after.st_ino);
        }
    }
    finish(&s);
}

static void bad_signature_gets_ops_401(void **state)
{
    struct simproc s = {0};
    start(&s, NULL);
    char *req = xcp_request("HTTP/1.1", "alice", "not-the-key", "LOOKUP",
                            "DOMAIN", "{\"domain\":\"x.com\"}", NULL);
    int fd = connect_to(s.port);
    struct buf resp;
    exchange(fd, req, &resp);
    assert_memory_equal(resp.data, "HTTP/1.1 200 OK\r\n", 17);
    struct xcp_msg m;
    assert_int_equal(ops_code(&resp, &m), 401);
    assert_string_equal(xcp_path_str(m.data, "response_text"),
                        "Authentication Failed");
    assert_string_equal(xcp_path_str(m.data, "is_success"), "0");
    xcp_msg_free(&m);
    close(fd);
    free(req);
    buf_release(&resp);
    finish(&s);
}

static void keep_alive_for_11_close_for_10(void **state)
{
    struct simproc s = {0};
    start(&s, NULL);
    int fd = connect_to(s.port);
    for (int i = 0; i < 3; i++) {
        char *req = xcp_request("HTTP/1.1", "alice", "k1", "LOOKUP", "DOMAIN",
                                "{\"domain\":\"ka.com\"}", NULL);
        struct buf resp;
        exchange(fd, req, &resp);
        free(req);
        assert_null(strstr(resp.data, "Connection: close"));
        assert_int_equal(ops_code(&resp, NULL), 210);
        buf_release(&resp);
    }
    assert_false(peer_closed(fd, 200));
    close(fd);

    fd = connect_to(s.port);
    char *req = xcp_request("HTTP/1.0", "alice", "k1", "LOOKUP", "DOMAIN",
                            "{\"domain\":\"ka.com\"}", NULL);
    struct buf resp;
    exchange(fd, req, &resp);
    free(req);
    assert_non_null(strstr(resp.data, "Connection: close\r\n"));
    assert_true(peer_closed(fd, 2000));
    buf_release(&resp);
    close(fd);
    finish(&s);
}

static void huge_body_and_malformed_xml(void **state)
{
    struct simproc s = {0};
    start(&s, NULL);
    int fd = connect_to(s.port);
    const char *big = "POST / HTTP/1.1\r\nX-Username: alice\r\nX-Signature: "
                      "x\r\nContent-Length: 9000000\r\n\r\n<OPS";
    struct buf resp;
    exchange(fd, big, &resp);
    assert_int_equal(ops_code(&resp, NULL), 400);
    assert_non_null(strstr(resp.data, "too large"));
    assert_true(peer_closed(fd, 2000));
    close(fd);
    buf_release(&resp);

    fd = connect_to(s.port);
    const char *bad = "POST / HTTP/1.1\r\nX-Username: alice\r\nX-Signature: "
                      "x\r\nContent-Length: 14\r\n\r\n<OPS_envelope>";
    exchange(fd, bad, &resp);
    struct xcp_msg m;
    assert_int_equal(ops_code(&resp, &m), 400);
    assert_non_null(
        strstr(xcp_path_str(m.data, "response_text"), "XML parse error"));
    xcp_msg_free(&m);
    close(fd);
    buf_release(&resp);
    finish(&s);
}

static void slowloris_is_dropped(void **state)
{
    struct simproc s = {0};
    const char *extra[] = {"--read-timeout", "1", NULL};
    start(&s, extra);
    int fd = connect_to(s.port);
    const char *req = "POST / HTTP/1.1\r\nX-Username: alice\r\n";
    int64_t t0 = now_ms();
    bool closed = false;
    for (size_t i = 0; i < strlen(req) && !closed; i++) {
        if (send(fd, req + i, 1, MSG_NOSIGNAL) != 1)
            break;
        closed = peer_closed(fd, 200);
    }
    if (!closed)
        closed = peer_closed(fd, 3000);
    assert_true(closed);
    int64_t took = now_ms() - t0;
    assert_true(took >= 900 && took < 4000);
    close(fd);
    /* the server still answers others */
    assert_int_equal(
        call(&s, "LOOKUP", "DOMAIN", "{\"domain\":\"a.com\"}", NULL), 210);
    finish(&s);
}

/* One LOOKUP under a fault rule, as seen on the wire. */
static void faults_on_the_wire(void **state)
{
    struct simproc s = {0};
    start(&s, NULL);
    static const struct {
        const char *fault;
        const char *expect; /* "none" = closed without bytes, "hang",
                               "500", "bad", "short", "705", "slow" */
    } cases[] = {
        {"close_before", "none"}, {"close_after", "none"}, {"http_500", "500"},
        {"malformed", "bad"},     {"truncated", "short"},  {"code_705", "705"},
        {"delay", "slow"},        {"hang", "hang"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char rule[128];
        snprintf(rule, sizeof(rule),
                 "{\"action\":\"lookup\",\"fault\":\"%s\",\"count\":1,"
                 "\"delay_ms\":300}",
                 cases[i].fault);
        assert_int_equal(control(&s, "POST", "/rules", rule, NULL), 200);
        char *req = xcp_request("HTTP/1.1", "alice", "k1", "LOOKUP", "DOMAIN",
                                "{\"domain\":\"f.com\"}", NULL);
        int fd = connect_to(s.port);
        int64_t t0 = now_ms();
        send_all(fd, req, strlen(req));
        free(req);
        struct buf resp;
        buf_init(&resp);
        bool closed;
        bool complete = recv_response(fd, &resp, 1500, &closed);
        const char *e = cases[i].expect;
        if (strcmp(e, "none") == 0) {
            assert_false(complete);
            assert_true(closed);
            assert_int_equal(resp.len, 0);
        } else if (strcmp(e, "hang") == 0) {
            assert_false(complete);
            assert_false(closed);
            assert_int_equal(resp.len, 0);
        } else if (strcmp(e, "500") == 0) {
            assert_memory_equal(resp.data, "HTTP/1.1 500 ", 13);
        } else if (strcmp(e, "bad") == 0) {
            assert_true(complete);
            assert_int_equal(ops_code(&resp, NULL), -1);
        } else if (strcmp(e, "short") == 0) {
            assert_false(complete);
            assert_true(closed);
            assert_true(resp.len > 0);
        } else if (strcmp(e, "705") == 0) {
            assert_int_equal(ops_code(&resp, NULL), 705);
        } else if (strcmp(e, "slow") == 0) {
            assert_int_equal(ops_code(&resp, NULL), 210);
            assert_true(now_ms() - t0 >= 290);
        }
        close(fd);
        buf_release(&resp);
        /* the rule fired once: the next LOOKUP is normal */
        assert_int_equal(
            call(&s, "LOOKUP", "DOMAIN", "{\"domain\":\"f.com\"}", NULL), 210);
    }
    /* close_after applies the effect exactly once */
    assert_int_equal(control(&s, "POST", "/rules",
                             "{\"action\":\"SW_REGISTER\",\"fault\":"
                             "\"close_after\",\"count\":1}",
                             NULL),
                     200);
    assert_int_equal(control(&s, "POST", "/counts/reset", NULL, NULL), 200);
    assert_int_equal(call(&s, "SW_REGISTER", "DOMAIN",
                          "{\"domain\":\"lost-answer.com\"}", NULL),
                     -1);
    json_t *counts;
    assert_int_equal(control(&s, "GET", "/counts", NULL, &counts), 200);
    assert_int_equal(json_integer_value(json_object_get(
                         json_object_get(counts, "actions"), "SW_REGISTER")),
                     1);
    assert_int_equal(
        json_integer_value(json_object_get(
            json_object_get(json_object_get(counts, "domains"), "SW_REGISTER"),
            "lost-answer.com")),
        1);
    json_decref(counts);
    finish(&s);
}

static void control_api_routes(void **state)
{
    struct simproc s = {0};
    const char *extra[] = {"--clock", "1800000000", NULL};
    start(&s, extra);
    json_t *j;
    assert_int_equal(control(&s, "GET", "/clock", NULL, &j), 200);
    int64_t now = json_integer_value(json_object_get(j, "now"));
    assert_true(now >= 1800000000 && now < 1800000060);
    json_decref(j);
    assert_int_equal(
        control(&s, "POST", "/clock/advance", "{\"seconds\":86400}", &j), 200);
    assert_true(json_integer_value(json_object_get(j, "now")) >= now + 86400);
    json_decref(j);
    assert_int_equal(
        control(&s, "POST", "/clock/set", "{\"now\":1900000000}", &j), 200);
    assert_string_equal(
        json_string_value(json_object_get(j, "iso")) ? "set" : "", "set");
    json_decref(j);
    assert_int_equal(
        control(&s, "POST", "/clock/advance", "{\"seconds\":-1}", &j), 400);
    assert_non_null(json_object_get(j, "error"));
    json_decref(j);

    assert_int_equal(control(&s, "POST", "/rules", "{\"fault\":\"hang\"}", &j),
                     200);
    int64_t id = json_integer_value(json_object_get(j, "id"));
    json_decref(j);
    assert_int_equal(
        control(&s, "POST", "/rules", "{\"fault\":\"nope\"}", NULL), 400);
    assert_int_equal(control(&s, "GET", "/rules", NULL, &j), 200);
    assert_int_equal(json_array_size(json_object_get(j, "rules")), 1);
    json_decref(j);
    char path[32];
    snprintf(path, sizeof(path), "/rules/%lld", (long long)id);
    assert_int_equal(control(&s, "DELETE", path, NULL, NULL), 200);
    assert_int_equal(control(&s, "DELETE", path, NULL, NULL), 404);
    assert_int_equal(control(&s, "DELETE", "/rules", NULL, NULL), 200);

    assert_int_equal(
        control(&s, "POST", "/balance", "{\"balance\":\"12.34\"}", NULL), 200);
    assert_int_equal(
        control(&s, "POST", "/prices",
                "{\"tld\":\"com\",\"reg_type\":\"new\",\"period\":1,"
                "\"price\":\"20.00\"}",
                NULL),
        200);
    struct xcp_msg m;
    assert_int_equal(call(&s, "GET_BALANCE", "BALANCE", NULL, &m), 200);
    assert_string_equal(xcp_path_str(m.data, "attributes.balance"), "12.34");
    xcp_msg_free(&m);
    assert_int_equal(
        call(&s, "GET_PRICE", "DOMAIN", "{\"domain\":\"p.com\"}", &m), 200);
    assert_string_equal(xcp_path_str(m.data, "attributes.price"), "20.00");
    xcp_msg_free(&m);
    assert_int_equal(
        control(&s, "POST", "/domains",
                "{\"name\":\"seeded.com\",\"owner\":\"alice\",\"expiry\":"
                "\"2031-02-03 04:05:06\",\"reg_username\":\"u\","
                "\"reg_password\":\"p\",\"locked\":1}",
                NULL),
        200);
    assert_int_equal(
        control(&s, "POST", "/domains", "{\"name\":\"bad name\"}", NULL), 400);
    assert_int_equal(
        call(&s, "BELONGS_TO_RSP", "DOMAIN", "{\"domain\":\"seeded.com\"}", &m),
        200);
    assert_string_equal(xcp_path_str(m.data, "attributes.domain_expdate"),
                        "2031-02-03 04:05:06");
    xcp_msg_free(&m);
    assert_int_equal(control(&s, "GET", "/state", NULL, &j), 200);
    assert_non_null(
        json_object_get(json_object_get(j, "domains"), "seeded.com"));
    json_decref(j);
    assert_int_equal(control(&s, "POST", "/state/reset", NULL, NULL), 200);
    assert_int_equal(
        call(&s, "LOOKUP", "DOMAIN", "{\"domain\":\"seeded.com\"}", NULL), 210);
    assert_int_equal(control(&s, "GET", "/nowhere", NULL, NULL), 404);
    assert_int_equal(control(&s, "POST", "/balance", "not json", NULL), 400);
    finish(&s);
}

/* poll_ids - the event ids of POLL EVENT limit=100, "id1,id2,...". */
static char *poll_ids(const struct simproc *s, int64_t *total)
{
    struct xcp_msg m;
    assert_int_equal(call(s, "POLL", "EVENT", "{\"limit\":\"100\"}", &m), 200);
    struct buf ids;
    buf_init(&ids);
    for (int i = 0;; i++) {
        char path[64];
        snprintf(path, sizeof(path), "attributes.events[%d].event_id", i);
        const char *id = xcp_path_str(m.data, path);
        if (!id)
            break;
        buf_addf(&ids, "%s%s", i ? "," : "", id);
    }
    if (total)
        assert_int_equal(xcp_path_int(m.data, "attributes.total", total, NULL),
                         0);
    xcp_msg_free(&m);
    char *out = xstrdup(ids.len ? ids.data : "");
    buf_release(&ids);
    return out;
}

static void events_on_the_control_api(void **state)
{
    struct simproc s = {0};
    const char *extra[] = {"--clock", "1800000000", NULL};
    start(&s, extra);
    assert_int_equal(sw_register(&s, "events.com", "new", NULL), 200);
    json_t *j;
    assert_int_equal(control(&s, "GET", "/events", NULL, &j), 200);
    assert_int_equal(json_integer_value(json_object_get(j, "total")), 4);
    json_t *ev = json_object_get(j, "events");
    assert_int_equal(json_array_size(ev), 4);
    json_t *first = json_array_get(ev, 0);
    assert_string_equal(json_string_value(json_object_get(first, "reseller")),
                        "alice");
    assert_string_equal(json_string_value(json_object_get(first, "object")),
                        "ORDER");
    char id0[33];
    snprintf(id0, sizeof(id0), "%s",
             json_string_value(json_object_get(first, "event_id")));
    json_decref(j);
    /* what POLL EVENT delivers is the queue GET /events shows */
    int64_t total = -1;
    char *ids = poll_ids(&s, &total);
    assert_int_equal(total, 4);
    assert_int_equal(strncmp(ids, id0, 32), 0);
    free(ids);
    /* a rule from the control API bends the page on the wire */
    char *ack = xasprintf("{\"event_id\":\"%s\"}", id0);
    assert_int_equal(call(&s, "ACK", "EVENT", ack, NULL), 200);
    assert_int_equal(control(&s, "POST", "/rules",
                             "{\"action\":\"POLL\",\"fault\":\"duplicate\","
                             "\"count\":1}",
                             NULL),
                     200);
    ids = poll_ids(&s, &total);
    assert_int_equal(total, 3);
    assert_int_equal(strncmp(ids, id0, 32), 0);
    free(ids);
    assert_int_equal(call(&s, "ACK", "EVENT", ack, NULL), 480);
    free(ack);
    assert_int_equal(control(&s, "GET", "/events", NULL, &j), 200);
    assert_int_equal(json_integer_value(json_object_get(j, "total")), 3);
    json_decref(j);
    /* DELETE /events empties the queue, and it stays empty */
    assert_int_equal(control(&s, "DELETE", "/events", NULL, NULL), 200);
    ids = poll_ids(&s, &total);
    assert_int_equal(total, 0);
    assert_string_equal(ids, "");
    free(ids);
    assert_int_equal(stop(&s), 0);
    start(&s, NULL);
    assert_int_equal(control(&s, "GET", "/events", NULL, &j), 200);
    assert_int_equal(json_integer_value(json_object_get(j, "total")), 0);
    json_decref(j);
    finish(&s);
}

/* domain_expiry - the expiry GET /state holds for name, -1 if absent. */
static int64_t domain_expiry(const struct simproc *s, const char *name)
{
    json_t *j;
    assert_int_equal(control(s, "GET", "/state", NULL, &j), 200);
    json_t *d = json_object_get(json_object_get(j, "domains"), name);
    int64_t exp = d ? json_integer_value(json_object_get(d, "expiry")) : -1;
    json_decref(j);
    return exp;
}

static void post_domains_takes_epoch_or_date_expiry(void **state)
{
    struct simproc s = {0};
    start(&s, NULL);
    static const struct {
        const char *name;
        const char *expiry; /* JSON text */
        int64_t want;
    } ok[] = {
        {"epoch.com", "1927857906", 1927857906},
        {"zero.com", "0", 0},
        {"last.com", "253402300799", 253402300799LL},
        {"stamp.com", "\"2031-02-03 04:05:06\"", 1927857906},
        {"day.com", "\"2031-02-03\"", 1927843200},
    };
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        char *body = xasprintf("{\"name\":\"%s\",\"owner\":\"alice\","
                               "\"expiry\":%s}",
                               ok[i].name, ok[i].expiry);
        assert_int_equal(control(&s, "POST", "/domains", body, NULL), 200);
        free(body);
        assert_int_equal(domain_expiry(&s, ok[i].name), ok[i].want);
    }
    /* what the XCP side reports follows */
    struct xcp_msg m;
    assert_int_equal(
        call(&s, "BELONGS_TO_RSP", "DOMAIN", "{\"domain\":\"epoch.com\"}", &m),
        200);
    assert_string_equal(xcp_path_str(m.data, "attributes.domain_expdate"),
                        "2031-02-03 04:05:06");
    xcp_msg_free(&m);

    static const char *const bad[] = {
        "-1",   "253402300800",   "1.5e9",
        "true", "null",           "{}",
        "[1]",  "\"1927857906\"", "\"tomorrow\"",
        "\"\"", "\"2031-13-01\"", "\"2031-02-03T04:05:06\"",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char *body = xasprintf(
            "{\"name\":\"bad.com\",\"owner\":\"alice\",\"expiry\":%s}", bad[i]);
        json_t *j = NULL;
        assert_int_equal(control(&s, "POST", "/domains", body, &j), 400);
        const char *e = json_string_value(json_object_get(j, "error"));
        if (!e || !strstr(e, "expiry"))
            fail_msg("%s: error %s", body, e ? e : "(none)");
        json_decref(j);
        free(body);
        /* a refused request changes nothing */
        assert_int_equal(domain_expiry(&s, "bad.com"), -1);
    }
    finish(&s);
}

static void transfer_completes_after_eight_days(void **state)
{
    struct simproc s = {0};
    start(&s, NULL);
    assert_int_equal(sw_register(&s, "taken.com", "transfer", "transfer-me"),
                     200);

    struct xcp_msg m;
    call(&s, "CHECK_TRANSFER", "DOMAIN",
         "{\"domain\":\"taken.com\",\"check_status\":\"1\"}", &m);
    assert_string_equal(xcp_path_str(m.data, "attributes.status"),
                        "pending_owner");
    xcp_msg_free(&m);
    assert_int_equal(
        control(&s, "POST", "/clock/advance", "{\"seconds\":691200}", NULL),
        200);
    call(&s, "CHECK_TRANSFER", "DOMAIN",
         "{\"domain\":\"taken.com\",\"check_status\":\"1\"}", &m);
    assert_string_equal(xcp_path_str(m.data, "attributes.status"), "completed");
    xcp_msg_free(&m);
    assert_int_equal(call(&s, "GET_TRANSFERS_IN", "DOMAIN", NULL, &m), 200);
    assert_string_equal(xcp_path_str(m.data, "attributes.transfers[0].status"),
                        "completed");
    xcp_msg_free(&m);
    finish(&s);
}

/* --- the registry lifecycle after expiry ---------------------------------- */

/* life_get - GET DOMAIN status attribute key of name ("(gone)" on 480). */
static char *life_get(const struct simproc *s, const char *name,
                      const char *key)
{
    static char buf[64];
    char *attrs = xasprintf("{\"domain\":\"%s\",\"type\":\"status\"}", name);
    struct xcp_msg m;
    int code = call(s, "GET", "DOMAIN", attrs, &m);
    free(attrs);
    snprintf(buf, sizeof(buf), "%s",
             code == 200 ? xcp_path_str(m.data, key) : "(gone)");
    xcp_msg_free(&m);
    return buf;
}

static int life_call(const struct simproc *s, const char *action,
                     const char *name, const char *extra)
{
    char *attrs = xasprintf("{\"domain\":\"%s\"%s}", name, extra);
    struct xcp_msg m;
    int code = call(s, action, "DOMAIN", attrs, &m);
    free(attrs);
    xcp_msg_free(&m);
    return code;
}

static void advance_days(const struct simproc *s, int64_t days, int64_t secs)
{
    char *b = xasprintf("{\"seconds\":%lld}", (long long)(days * 86400 + secs));
    assert_int_equal(control(s, "POST", "/clock/advance", b, NULL), 200);
    free(b);
}

/* domain_events - "EVENT name" of every DOMAIN event, space-separated. */
static char *domain_events(const struct simproc *s)
{
    static char buf[512];
    buf[0] = '\0';
    json_t *j;
    assert_int_equal(control(s, "GET", "/events", NULL, &j), 200);
    size_t i;
    json_t *e;
    json_array_foreach(json_object_get(j, "events"), i, e)
    {
        if (strcmp(json_string_value(json_object_get(e, "object")), "DOMAIN"))
            continue;
        size_t l = strlen(buf);
        snprintf(buf + l, sizeof(buf) - l, "%s%s %s", l ? " " : "",
                 json_string_value(json_object_get(e, "event")),
                 json_string_value(json_object_get(
                     json_object_get(e, "object_data"), "domain_name")));
    }
    json_decref(j);
    return buf;
}

static void lifecycle_walks_every_phase(void **state)
{
    struct simproc s = {0};
    static const char *const opts[] = {"--lifecycle", "com=2/3/1", "--clock",
                                       "1800000000", NULL};
    start(&s, opts);
    /* bad windows are refused and change nothing */
    json_t *j = NULL;
    assert_int_equal(control(&s, "POST", "/lifecycle",
                             "{\"tld\":\"com\",\"grace_days\":-3}", &j),
                     400);
    assert_non_null(
        strstr(json_string_value(json_object_get(j, "error")), "grace_days"));
    json_decref(j);
    assert_int_equal(control(&s, "GET", "/lifecycle", NULL, &j), 200);
    json_t *com = json_object_get(j, "com");
    assert_int_equal(json_integer_value(json_object_get(com, "grace_days")), 2);
    assert_int_equal(
        json_integer_value(json_object_get(com, "redemption_days")), 3);
    assert_int_equal(
        json_integer_value(json_object_get(com, "pending_delete_days")), 1);
    json_decref(j);
    /* three names expiring in a day: 2027-01-16 08:00:00 */
    static const char *const names[] = {"keep.com", "restore.com", "lose.com"};
    for (int i = 0; i < 3; i++) {
        char *b = xasprintf("{\"name\":\"%s\",\"owner\":\"alice\","
                            "\"expiry\":1800086400}",
                            names[i]);
        assert_int_equal(control(&s, "POST", "/domains", b, NULL), 200);
        free(b);
    }
    assert_int_equal(control(&s, "DELETE", "/events", NULL, NULL), 200);
    assert_int_equal(control(&s, "POST", "/rules",
                             "{\"action\":\"REDEEM\",\"fault\":\"async\","
                             "\"complete_after\":86400}",
                             NULL),
                     200);
    const char *renew = ",\"currentexpirationyear\":\"2027\",\"period\":\"1\","
                        "\"handle\":\"process\"";
    assert_string_equal(life_get(&s, "lose.com", "attributes.lifecycle_phase"),
                        "active");
    assert_int_equal(life_call(&s, "REDEEM", "restore.com", ""), 400);

    advance_days(&s, 1, 1); /* expired: the grace period */
    assert_string_equal(life_get(&s, "lose.com", "attributes.lifecycle_phase"),
                        "expired");
    assert_string_equal(life_get(&s, "lose.com", "attributes.grace_end_date"),
                        "2027-01-18 08:00:00");
    assert_int_equal(life_call(&s, "REDEEM", "restore.com", ""), 400);
    assert_int_equal(life_call(&s, "RENEW", "keep.com", renew), 200);
    assert_string_equal(life_get(&s, "keep.com", "attributes.lifecycle_phase"),
                        "active");

    advance_days(&s, 2, 0); /* redemption */
    assert_string_equal(
        life_get(&s, "restore.com", "attributes.lifecycle_phase"),
        "redemption");
    assert_string_equal(
        life_get(&s, "restore.com", "attributes.redemption_end_date"),
        "2027-01-21 08:00:00");
    assert_int_equal(life_call(&s, "RENEW", "lose.com", renew), 465);
    assert_int_equal(life_call(&s, "REDEEM", "restore.com", ""), 250);
    assert_string_equal(
        life_get(&s, "restore.com", "attributes.restore_pending"), "1");

    /* the same phases and dates after a restart on the same state */
    json_t *before;
    assert_int_equal(control(&s, "GET", "/state", NULL, &before), 200);
    assert_int_equal(stop(&s), 0);
    start(&s, NULL);
    json_t *after;
    assert_int_equal(control(&s, "GET", "/state", NULL, &after), 200);
    for (int i = 0; i < 3; i++) {
        json_t *a =
            json_object_get(json_object_get(before, "domains"), names[i]);
        json_t *b =
            json_object_get(json_object_get(after, "domains"), names[i]);
        static const char *const keys[] = {"phase", "expiry", "grace_end",
                                           "redemption_end", "delete_at"};
        for (int k = 0; k < 5; k++)
            if (!json_equal(json_object_get(a, keys[k]),
                            json_object_get(b, keys[k])))
                fail_msg("%s: %s differs after the restart", names[i], keys[k]);
    }
    assert_string_equal(
        json_string_value(json_object_get(
            json_object_get(json_object_get(after, "domains"), "lose.com"),
            "phase")),
        "redemption");
    json_decref(before);
    json_decref(after);

    advance_days(&s, 1, 0); /* the restore completes */
    assert_string_equal(
        life_get(&s, "restore.com", "attributes.lifecycle_phase"), "active");
    advance_days(&s, 2, 0); /* pending delete */
    assert_string_equal(life_get(&s, "lose.com", "attributes.lifecycle_phase"),
                        "pending_delete");
    assert_int_equal(life_call(&s, "RENEW", "lose.com", renew), 465);
    assert_int_equal(life_call(&s, "REDEEM", "lose.com", ""), 400);
    struct xcp_msg m;
    assert_int_equal(
        call(&s, "LOOKUP", "DOMAIN", "{\"domain\":\"lose.com\"}", &m), 211);
    xcp_msg_free(&m);

    advance_days(&s, 1, 0); /* deleted: the name is free */
    assert_string_equal(life_get(&s, "lose.com", "attributes.lifecycle_phase"),
                        "(gone)");
    assert_int_equal(
        call(&s, "LOOKUP", "DOMAIN", "{\"domain\":\"lose.com\"}", &m), 210);
    xcp_msg_free(&m);
    assert_int_equal(
        call(&s, "BELONGS_TO_RSP", "DOMAIN", "{\"domain\":\"lose.com\"}", &m),
        200);
    assert_string_equal(xcp_path_str(m.data, "attributes.belongs_to_rsp"), "0");
    xcp_msg_free(&m);
    assert_string_equal(domain_events(&s),
                        "RENEWED keep.com RENEWED restore.com DELETED "
                        "lose.com");
    finish(&s);
}

static void state_survives_restart(void **state)
{
    struct simproc s = {0};
    start(&s, NULL);
    assert_int_equal(control(&s, "POST", "/domains",
                             "{\"name\":\"durable.com\",\"owner\":\"alice\"}",
                             NULL),
                     200);
    assert_int_equal(
        control(&s, "POST", "/balance", "{\"balance\":\"77.00\"}", NULL), 200);
    assert_int_equal(stop(&s), 0);
    start(&s, NULL);
    struct xcp_msg m;
    assert_int_equal(call(&s, "BELONGS_TO_RSP", "DOMAIN",
                          "{\"domain\":\"durable.com\"}", &m),
                     200);
    assert_string_equal(xcp_path_str(m.data, "attributes.belongs_to_rsp"), "1");
    xcp_msg_free(&m);
    assert_int_equal(call(&s, "GET_BALANCE", "BALANCE", NULL, &m), 200);
    assert_string_equal(xcp_path_str(m.data, "attributes.balance"), "77.00");
    xcp_msg_free(&m);
    /* the exchange log has one line per request and no key */
    assert_int_equal(stop(&s), 0);
    char logp[128];
    snprintf(logp, sizeof(logp), "%s/log", s.dir);
    FILE *f = fopen(logp, "r");
    assert_non_null(f);
    char line[1024];
    int lines = 0;
    while (fgets(line, sizeof(line), f)) {
        assert_null(strstr(line, "k1"));
        if (strstr(line, "action=BELONGS_TO_RSP"))
            lines++;
    }
    fclose(f);
    assert_int_equal(lines, 1);
    cleanup(&s);
}

/* get_state - GET /state (must answer 200). */
static json_t *get_state(const struct simproc *s)
{
    json_t *j = NULL;
    assert_int_equal(control(s, "GET", "/state", NULL, &j), 200);
    assert_non_null(j);
    return j;
}

/* kill9 - SIGKILL: no chance to save anything at exit. */
static void kill9(struct simproc *s)
{
    assert_int_equal(kill(s->pid, SIGKILL), 0);
    int st = 0;
    assert_int_equal(waitpid(s->pid, &st, 0), s->pid);
    assert_true(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
}

static long journal_size(const struct simproc *s)
{
    char path[128];
    snprintf(path, sizeof(path), "%s/state.json.journal", s->dir);
    struct stat st;
    return stat(path, &st) == 0 ? (long)st.st_size : -1;
}

/* same_state - the world after a restart is the one before the kill. */
static void same_state(json_t *before, json_t *after)
{
    if (!json_equal(before, after)) {
        const char *k;
        json_t *v;
        json_object_foreach(before, k, v)
        {
            if (!json_equal(v, json_object_get(after, k)))
                fail_msg("GET /state: \"%s\" differs after the restart", k);
        }
        fail_msg("GET /state differs after the restart");
    }
}

static void acknowledged_changes_survive_sigkill(void **state)
{
    struct simproc s = {0};
    const char *extra[] = {"--clock", "1800000000", NULL};
    start(&s, extra);
    /* orders of every kind that change the world, through XCP */
    char name[32];
    for (int i = 0; i < 20; i++) {
        snprintf(name, sizeof(name), "kill%02d.com", i);
        assert_int_equal(sw_register(&s, name, "new", NULL), 200);
    }
    assert_int_equal(sw_register(&s, "first.ca", "new", NULL), 250);
    assert_int_equal(
        control(&s, "POST", "/clock/advance", "{\"seconds\":600}", NULL), 200);
    assert_int_equal(sw_register(&s, "waiting.ca", "new", NULL), 250);
    assert_int_equal(sw_register(&s, "taken.net", "transfer", "transfer-me"),
                     200);
    assert_int_equal(call(&s, "MODIFY", "DOMAIN",
                          "{\"domain\":\"kill00.com\",\"data\":\"status\","
                          "\"lock_state\":\"1\"}",
                          NULL),
                     200);
    assert_int_equal(call(&s, "SET", "COOKIE",
                          "{\"domain\":\"kill01.com\",\"reg_username\":"
                          "\"u\",\"reg_password\":\"p\"}",
                          NULL),
                     200);
    assert_int_equal(
        call(&s, "REVOKE", "DOMAIN", "{\"domain\":\"kill02.com\"}", NULL), 200);
    struct xcp_msg m;
    assert_int_equal(call(&s, "POLL", "EVENT", "{\"limit\":\"1\"}", &m), 200);
    char *ack =
        xasprintf("{\"event_id\":\"%s\"}",
                  xcp_path_str(m.data, "attributes.events[0].event_id"));
    xcp_msg_free(&m);
    assert_int_equal(call(&s, "ACK", "EVENT", ack, NULL), 200);
    free(ack);
    /* and through the control API */
    assert_int_equal(
        control(&s, "POST", "/balance", "{\"balance\":\"4321.00\"}", NULL),
        200);
    assert_int_equal(control(&s, "POST", "/prices",
                             "{\"tld\":\"net\",\"price\":\"13.00\"}", NULL),
                     200);
    assert_int_equal(control(&s, "POST", "/domains",
                             "{\"name\":\"seeded.org\",\"expiry\":1900000000}",
                             NULL),
                     200);
    json_t *before = get_state(&s);
    /* what is on disk is the start-up snapshot plus the journal */
    assert_true(journal_size(&s) > 0);
    kill9(&s);
    start(&s, NULL);
    json_t *after = get_state(&s);
    same_state(before, after);
    json_decref(before);
    json_decref(after);

    /* again after the restart's snapshot, with a torn record at the end
     * of the journal, as a kill in the middle of a write leaves it */
    assert_int_equal(sw_register(&s, "second.com", "new", NULL), 200);
    assert_int_equal(
        control(&s, "POST", "/clock/advance", "{\"seconds\":60}", NULL), 200);
    before = get_state(&s);
    kill9(&s);
    char path[128];
    snprintf(path, sizeof(path), "%s/state.json.journal", s.dir);
    FILE *f = fopen(path, "ab");
    assert_non_null(f);
    fputs("{\"seq\":999,\"set\":{\"domains\":{\"torn.com\":{\"own", f);
    fclose(f);
    start(&s, NULL);
    after = get_state(&s);
    same_state(before, after);
    assert_null(json_object_get(json_object_get(after, "domains"), "torn.com"));
    json_decref(before);
    json_decref(after);

    /* a clean stop leaves the whole world in the snapshot */
    before = get_state(&s);
    assert_int_equal(stop(&s), 0);
    assert_int_equal(journal_size(&s), 0);
    start(&s, NULL);
    after = get_state(&s);
    same_state(before, after);
    json_decref(before);
    json_decref(after);
    finish(&s);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s PATH-TO-opensrs-sim\n", argv[0]);
        return 2;
    }
    sim_path = argv[1];
    signal(SIGPIPE, SIG_IGN);
    curl_global_init(CURL_GLOBAL_DEFAULT);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(https_with_self_signed_ca),
        cmocka_unit_test(bad_signature_gets_ops_401),
        cmocka_unit_test(keep_alive_for_11_close_for_10),
        cmocka_unit_test(huge_body_and_malformed_xml),
        cmocka_unit_test(slowloris_is_dropped),
        cmocka_unit_test(faults_on_the_wire),
        cmocka_unit_test(control_api_routes),
        cmocka_unit_test(events_on_the_control_api),
        cmocka_unit_test(post_domains_takes_epoch_or_date_expiry),
        cmocka_unit_test(transfer_completes_after_eight_days),
        cmocka_unit_test(state_survives_restart),
        cmocka_unit_test(lifecycle_walks_every_phase),
        cmocka_unit_test(acknowledged_changes_survive_sigkill),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    curl_global_cleanup();
    return rc;
}
