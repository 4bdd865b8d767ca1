/*
 * transport - signed XCP over libcurl with conservative outcome
 * classification (see transport.h for the contract).
 */
#include "opensrs/transport.h"

#include <curl/curl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "opensrs/legacy.h"
#include "util/xalloc.h"

struct pool_entry {
    CURL *curl;
    struct xcp_parser *parser;
};

struct srs_transport {
    char *url, *user, *key, *ca_file, *iface;
    char *user_header;
    long connect_timeout_ms, timeout_ms;
    unsigned max_handles;

    pthread_mutex_t lock; /* guards pool and n_pool */
    struct pool_entry *pool;
    size_t n_pool;

    void (*log_cb)(const struct srs_log_entry *e, void *arg);
    void *log_arg;
    void (*pace_cb)(void *arg);
    void *pace_arg;

    struct srs_legacy *legacy; /* a legacy:// URL: opensrs/legacy.h */
};

static pthread_once_t global_once = PTHREAD_ONCE_INIT;
static CURLcode global_rc;

static void global_init(void)
{
    global_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

const char *srs_outcome_name(enum srs_outcome o)
{
    switch (o) {
    case SRS_ANSWERED:
        return "answered";
    case SRS_NOT_SENT:
        return "not sent";
    case SRS_UNKNOWN:
        return "outcome unknown";
    }
    return "?";
}

void srs_reply_init(struct srs_reply *r)
{
    memset(r, 0, sizeof(*r));
    r->outcome = SRS_NOT_SENT;
}

void srs_reply_release(struct srs_reply *r)
{
    xcp_msg_free(&r->msg);
    srs_reply_init(r);
}

/* header_safe - no CR/LF/NUL that would let a value forge a header. */
static bool header_safe(const char *s)
{
    return strpbrk(s, "\r\n") == NULL;
}

struct srs_transport *srs_transport_new(const struct srs_transport_config *cfg,
                                        struct rm_err *err)
{
    if (!cfg->url || !*cfg->url) {
        rm_err_set(err, RM_EINVAL, "opensrs: no URL configured");
        return NULL;
    }
    bool legacy = strncmp(cfg->url, "legacy://", 9) == 0;
    if (!legacy && strncmp(cfg->url, "http://", 7) != 0 &&
        strncmp(cfg->url, "https://", 8) != 0) {
        rm_err_set(err, RM_EINVAL,
                   "opensrs: URL must start with http://, https:// or "
                   "legacy://: %.200s",
                   cfg->url);
        return NULL;
    }
    if (!cfg->user || !*cfg->user || !header_safe(cfg->user) ||
        strlen(cfg->user) > 128) {
        rm_err_set(err, RM_EINVAL, "opensrs: missing or bad username");
        return NULL;
    }
    if (!cfg->key || !*cfg->key) {
        rm_err_set(err, RM_EINVAL, "opensrs: no private key configured");
        return NULL;
    }
    pthread_once(&global_once, global_init);
    if (global_rc != CURLE_OK) {
        rm_err_set(err, RM_EINTERNAL, "opensrs: curl_global_init: %s",
                   curl_easy_strerror(global_rc));
        return NULL;
    }
    struct srs_transport *t = xcalloc(1, sizeof(*t));
    t->connect_timeout_ms =
        cfg->connect_timeout_ms > 0 ? cfg->connect_timeout_ms : 15000;
    t->timeout_ms = cfg->timeout_ms > 0 ? cfg->timeout_ms : 80000;
    t->max_handles = cfg->max_handles ? cfg->max_handles : 4;
    if (legacy &&
        !(t->legacy = srs_legacy_new(cfg->url, cfg->user, cfg->key,
                                     cfg->source_ip, t->connect_timeout_ms,
                                     t->timeout_ms, t->max_handles, err))) {
        free(t);
        return NULL;
    }
    t->url = xstrdup(cfg->url);
    t->user = xstrdup(cfg->user);
    t->key = xstrdup(cfg->key);
    t->ca_file = cfg->ca_file && *cfg->ca_file ? xstrdup(cfg->ca_file) : NULL;
    /* "host!" makes curl bind to the address itself rather than take it
     * as an interface name: the connection's allow-listed source IP. */
    t->iface = cfg->source_ip && *cfg->source_ip
                   ? xasprintf("host!%s", cfg->source_ip)
                   : NULL;
    t->user_header = xasprintf("X-Username: %s", cfg->user);
    pthread_mutex_init(&t->lock, NULL);
    t->pool = xcalloc(t->max_handles, sizeof(*t->pool));
    return t;
}

static void entry_destroy(struct pool_entry *e)
{
    curl_easy_cleanup(e->curl);
    xcp_parser_free(e->parser);
}

void srs_transport_free(struct srs_transport *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->n_pool; i++)
        entry_destroy(&t->pool[i]);
    free(t->pool);
    srs_legacy_free(t->legacy);
    pthread_mutex_destroy(&t->lock);
    /* Wipe the key before handing the memory back. */
    memset(t->key, 0, strlen(t->key));
    free(t->key);
    free(t->url);
    free(t->user);
    free(t->ca_file);
    free(t->iface);
    free(t->user_header);
    free(t);
}

void srs_transport_set_log(struct srs_transport *t,
                           void (*cb)(const struct srs_log_entry *e, void *arg),
                           void *arg)
{
    t->log_cb = cb;
    t->log_arg = arg;
}

void srs_transport_set_pace(struct srs_transport *t, void (*cb)(void *arg),
                            void *arg)
{
    t->pace_cb = cb;
    t->pace_arg = arg;
}

const char *srs_transport_user(const struct srs_transport *t)
{
    return t->user;
}

/* pool_take - a pooled handle, or a new one when all are in use. */
static struct pool_entry pool_take(struct srs_transport *t)
{
    struct pool_entry e = {0};
    pthread_mutex_lock(&t->lock);
    if (t->n_pool > 0)
        e = t->pool[--t->n_pool];
    pthread_mutex_unlock(&t->lock);
    if (!e.curl) {
        e.curl = curl_easy_init();
        if (!e.curl)
            abort(); /* only fails when out of memory */
        e.parser = xcp_parser_new();
    }
    return e;
}

/* pool_put - keep the handle (and its live connection) for the next
 * caller unless the pool is full. */
static void pool_put(struct srs_transport *t, struct pool_entry e)
{
    pthread_mutex_lock(&t->lock);
    if (t->n_pool < t->max_handles) {
        t->pool[t->n_pool++] = e;
        e.curl = NULL;
    }
    pthread_mutex_unlock(&t->lock);
    if (e.curl)
        entry_destroy(&e);
}

struct sink {
    struct buf body;
    bool too_big;
};

static size_t write_cb(char *p, size_t size, size_t n, void *arg)
{
    struct sink *s = arg;
    size_t len = size * n;
    if (s->body.len + len > XCP_MAX_BODY) {
        s->too_big = true;
        return 0; /* makes curl fail the transfer with CURLE_WRITE_ERROR */
    }
    buf_add(&s->body, p, len);
    return len;
}

/* debug_cb - records whether any request byte was handed to the socket.
 * That is the line between "not sent" and "outcome unknown" for errors
 * (a timeout) that can happen on either side of it. */
static int debug_cb(CURL *h, curl_infotype type, char *data, size_t size,
                    void *arg)
{
    bool *sent = arg;
    if ((type == CURLINFO_HEADER_OUT || type == CURLINFO_DATA_OUT) && size > 0)
        *sent = true;
    return 0;
}

/* before_send - errors curl reports only before it writes a request. */
static bool before_send(CURLcode rc)
{
    switch (rc) {
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_CONNECT:
    case CURLE_INTERFACE_FAILED:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_ENGINE_NOTFOUND:
    case CURLE_SSL_ENGINE_SETFAILED:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ENGINE_INITFAILED:
    case CURLE_SSL_CRL_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
    case CURLE_OPERATION_TIMEDOUT: /* only if nothing went out: see caller */
        return true;
    default:
        return false;
    }
}

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* redacted_xml - the canonical text of a redacted clone of v. */
static char *redacted_xml(const struct xcp_value *v)
{
    struct xcp_value *c = xcp_clone(v);
    xcp_redact(c);
    struct buf b;
    buf_init(&b);
    xcp_emit(c, &b);
    xcp_free(c);
    return buf_detach(&b, NULL);
}

static void log_call(struct srs_transport *t, const struct xcp_value *req,
                     bool idempotent, const struct srs_reply *out,
                     size_t body_len, const char *error)
{
    const char *action = xcp_path_str(req, "action");
    const char *object = xcp_path_str(req, "object");
    const char *domain = xcp_path_str(req, "attributes.domain");
    char *rq = redacted_xml(req);
    char *rs;
    if (out->outcome == SRS_ANSWERED)
        rs = redacted_xml(out->msg.data);
    else if (out->http_status)
        rs = xasprintf("[HTTP %ld, %zu body bytes not shown]", out->http_status,
                       body_len);
    else
        rs = xstrdup("");
    struct srs_log_entry e = {
        .action = action ? action : "",
        .object = object ? object : "",
        .domain = domain ? domain : "",
        .request = rq,
        .response = rs,
        .http_status = out->http_status,
        .outcome = out->outcome,
        .idempotent = idempotent,
        .duration_ms = out->duration_ms,
        .error = error,
    };
    t->log_cb(&e, t->log_arg);
    free(rq);
    free(rs);
}

int srs_reply_parse(struct xcp_parser *parser, const char *doc, size_t len,
                    struct srs_reply *out, struct rm_err *err)
{
    struct rm_err perr;
    rm_err_clear(&perr);
    struct xcp_msg msg = {0};
    if (xcp_parser_parse(parser, doc, len, &msg, &perr) != 0) {
        out->outcome = SRS_UNKNOWN;
        return rm_err_set(err, RM_EIO,
                          "outcome unknown: unparsable response: %s", perr.msg);
    }
    if (!msg.data)
        rm_err_set(&perr, RM_EPROTO, "no data block");
    if (!msg.data || xcp_response_read(msg.data, &out->resp, &perr) != 0) {
        xcp_msg_free(&msg);
        out->outcome = SRS_UNKNOWN;
        return rm_err_set(err, RM_EIO,
                          "outcome unknown: not an OPS response: %s", perr.msg);
    }
    out->msg = msg;
    out->outcome = SRS_ANSWERED;
    return 0;
}

int srs_transport_call(struct srs_transport *t, const struct xcp_value *req,
                       bool idempotent, struct srs_reply *out,
                       struct rm_err *err)
{
    srs_reply_release(out);
    struct rm_err local;
    if (!err)
        err = &local;
    rm_err_clear(err);
    if (t->pace_cb)
        t->pace_cb(t->pace_arg);

    struct buf body;
    buf_init(&body);
    xcp_emit(req, &body);
    if (t->legacy) {
        /* the legacy protocol: no HTTP, no signature (opensrs/legacy.h) */
        double t0 = now_ms();
        int ret = srs_legacy_call(t->legacy, body.data, body.len, out, err);
        out->duration_ms = now_ms() - t0;
        if (t->log_cb)
            log_call(t, req, idempotent, out, 0, ret ? err->msg : "");
        buf_release(&body);
        return ret;
    }
    char sig[33], sig_header[64];
    xcp_sign(body.data, body.len, t->key, sig);
    snprintf(sig_header, sizeof(sig_header), "X-Signature: %s", sig);

    struct curl_slist *hdrs = NULL;
    hdrs = curl_slist_append(hdrs, "Content-Type: text/xml");
    hdrs = curl_slist_append(hdrs, t->user_header);
    hdrs = curl_slist_append(hdrs, sig_header);
    /* Empty values delete curl's defaults: no Expect: 100-continue (one
     * round trip, and some servers never answer it), no Accept. */
    hdrs = curl_slist_append(hdrs, "Expect:");
    hdrs = curl_slist_append(hdrs, "Accept:");
    if (!hdrs)
        abort();

    struct sink sink = {.too_big = false};
    buf_init(&sink.body);
    bool sent = false;
    char curl_msg[CURL_ERROR_SIZE] = "";

    struct pool_entry pe = pool_take(t);
    CURL *h = pe.curl;
    curl_easy_setopt(h, CURLOPT_URL, t->url);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(h, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
    curl_easy_setopt(h, CURLOPT_POST, 1L);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, body.data);
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body.len);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, write_cb);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &sink);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, curl_msg);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, t->connect_timeout_ms);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, t->timeout_ms);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
    if (t->ca_file) {
        /* The named CA file replaces the system store, directory too. */
        curl_easy_setopt(h, CURLOPT_CAINFO, t->ca_file);
        curl_easy_setopt(h, CURLOPT_CAPATH, NULL);
    }
    if (t->iface)
        curl_easy_setopt(h, CURLOPT_INTERFACE, t->iface);
    /* See transport.h: at most one transmission of a side effect. */
    curl_easy_setopt(h, CURLOPT_FRESH_CONNECT, idempotent ? 0L : 1L);
    curl_easy_setopt(h, CURLOPT_FORBID_REUSE, idempotent ? 0L : 1L);
    curl_easy_setopt(h, CURLOPT_VERBOSE, 1L);
    curl_easy_setopt(h, CURLOPT_DEBUGFUNCTION, debug_cb);
    curl_easy_setopt(h, CURLOPT_DEBUGDATA, &sent);

    double t0 = now_ms();
    CURLcode rc = curl_easy_perform(h);
    out->duration_ms = now_ms() - t0;
    out->curl_code = (int)rc;
    long status = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    out->http_status = status;
    /* Nothing the handle holds may point at this call's memory. */
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, NULL);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, NULL);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, NULL);
    curl_easy_setopt(h, CURLOPT_DEBUGDATA, NULL);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, NULL);
    curl_slist_free_all(hdrs);

    int ret = 0;
    if (rc != CURLE_OK) {
        const char *what = curl_msg[0] ? curl_msg : curl_easy_strerror(rc);
        if (sink.too_big)
            what = "response body larger than the 8 MiB limit";
        if (!sent && before_send(rc)) {
            out->outcome = SRS_NOT_SENT;
            ret = rm_err_set(err, RM_EIO, "not sent: %s", what);
        } else {
            out->outcome = SRS_UNKNOWN;
            ret = rm_err_set(err, RM_EIO, "outcome unknown: %s", what);
        }
    } else if (status != 200) {
        out->outcome = SRS_UNKNOWN;
        ret =
            rm_err_set(err, RM_EIO, "outcome unknown: HTTP status %ld", status);
    } else {
        ret =
            srs_reply_parse(pe.parser, sink.body.data, sink.body.len, out, err);
    }
    pool_put(t, pe);

    if (t->log_cb)
        log_call(t, req, idempotent, out, sink.body.len, ret ? err->msg : "");
    buf_release(&sink.body);
    buf_release(&body);
    return ret;
}
