/*
 * sim_http - HTTP/1.x request parsing and responses (see sim_http.h).
 */
#include "sim/sim_http.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

/* find_end - offset just past the blank line ending the header block. */
static size_t find_end(const char *buf, size_t len)
{
    for (size_t i = 0; i + 1 < len; i++) {
        if (buf[i] != '\n')
            continue;
        if (buf[i + 1] == '\n')
            return i + 2;
        if (buf[i + 1] == '\r' && i + 2 < len && buf[i + 2] == '\n')
            return i + 3;
    }
    return 0;
}

static bool has_token(const char *v, size_t n, const char *tok)
{
    size_t tl = strlen(tok);
    size_t i = 0;
    while (i < n) {
        while (i < n && (v[i] == ' ' || v[i] == '\t' || v[i] == ','))
            i++;
        size_t s = i;
        while (i < n && v[i] != ',')
            i++;
        size_t e = i;
        while (e > s && (v[e - 1] == ' ' || v[e - 1] == '\t'))
            e--;
        if (e - s == tl && strncasecmp(v + s, tok, tl) == 0)
            return true;
    }
    return false;
}

static void copy_val(char *dst, size_t dn, const char *v, size_t n)
{
    if (n >= dn)
        n = dn - 1;
    memcpy(dst, v, n);
    dst[n] = '\0';
}

long sim_http_parse(const char *buf, size_t len, size_t max_header,
                    size_t max_body, struct sim_http_req *req,
                    struct rm_err *err)
{
    memset(req, 0, sizeof(*req));
    size_t end = find_end(buf, len);
    if (end == 0) {
        if (len > max_header)
            return rm_err_set(err, RM_ELIMIT,
                              "header block larger than %zu bytes", max_header);
        /* a request line that is clearly not HTTP fails early */
        const char *nl = memchr(buf, '\n', len);
        if (nl && !memmem(buf, (size_t)(nl - buf), " HTTP/1.", 8))
            return rm_err_set(err, RM_EPROTO, "not an HTTP/1.x request");
        return 0;
    }
    if (end > max_header)
        return rm_err_set(err, RM_ELIMIT, "header block larger than %zu bytes",
                          max_header);
    req->header_len = end;

    /* request line: METHOD SP TARGET SP HTTP/1.x */
    const char *p = buf, *lim = buf + end;
    const char *eol = memchr(p, '\n', (size_t)(lim - p));
    size_t ll = (size_t)(eol - p);
    if (ll && p[ll - 1] == '\r')
        ll--;
    const char *sp1 = memchr(p, ' ', ll);
    if (!sp1 || sp1 == p || (size_t)(sp1 - p) >= sizeof(req->method))
        return rm_err_set(err, RM_EPROTO, "bad request line");
    if (ll < 10)
        return rm_err_set(err, RM_EPROTO, "bad request line");
    const char *ver = p + ll - 8;
    if (memcmp(ver, "HTTP/1.", 7) != 0 || !isdigit((unsigned char)ver[7]) ||
        ver[-1] != ' ' || ver - 1 < sp1)
        return rm_err_set(err, RM_EPROTO, "bad request line");
    for (const char *m = p; m < sp1; m++)
        if (!isupper((unsigned char)*m) && *m != '-' && *m != '_')
            return rm_err_set(err, RM_EPROTO, "bad method");
    memcpy(req->method, p, (size_t)(sp1 - p));
    const char *tgt = sp1 + 1;
    while (tgt < ver - 1 && *tgt == ' ')
        tgt++;
    /* "POST HTTP/1.1" (no target) leaves tgt past the space: empty */
    copy_val(req->target, sizeof(req->target), tgt,
             tgt < ver - 1 ? (size_t)(ver - 1 - tgt) : 0);
    req->minor = ver[7] - '0';
    req->keep_alive = req->minor >= 1;

    bool have_cl = false;
    unsigned long long cl = 0;
    for (p = eol + 1; p < lim;) {
        eol = memchr(p, '\n', (size_t)(lim - p));
        ll = (size_t)(eol - p);
        if (ll && p[ll - 1] == '\r')
            ll--;
        const char *next = eol + 1;
        if (ll == 0)
            break;
        const char *colon = memchr(p, ':', ll);
        if (!colon || colon == p)
            return rm_err_set(err, RM_EPROTO, "bad header line");
        size_t nl = (size_t)(colon - p);
        const char *v = colon + 1;
        const char *ve = p + ll;
        while (v < ve && (*v == ' ' || *v == '\t'))
            v++;
        while (ve > v && (ve[-1] == ' ' || ve[-1] == '\t'))
            ve--;
        size_t vn = (size_t)(ve - v);
#define IS(name) (nl == sizeof(name) - 1 && strncasecmp(p, name, nl) == 0)
        if (IS("content-length")) {
            unsigned long long n = 0;
            if (vn == 0 || vn > 19)
                return rm_err_set(err, RM_EPROTO, "bad Content-Length");
            for (size_t i = 0; i < vn; i++) {
                if (!isdigit((unsigned char)v[i]))
                    return rm_err_set(err, RM_EPROTO, "bad Content-Length");
                n = n * 10 + (unsigned)(v[i] - '0');
            }
            if (have_cl && n != cl)
                return rm_err_set(err, RM_EPROTO,
                                  "conflicting Content-Length headers");
            have_cl = true;
            cl = n;
        } else if (IS("transfer-encoding")) {
            if (!has_token(v, vn, "identity"))
                return rm_err_set(err, RM_EPROTO,
                                  "Transfer-Encoding is not supported");
        } else if (IS("connection")) {
            if (has_token(v, vn, "close"))
                req->keep_alive = false;
        } else if (IS("x-username")) {
            copy_val(req->user, sizeof(req->user), v, vn);
            req->has_user = true;
        } else if (IS("x-signature")) {
            copy_val(req->sig, sizeof(req->sig), v, vn);
            req->has_sig = true;
        }
#undef IS
        p = next;
    }
    /* HTTP/1.0 closes after the answer, whatever it asked for */
    if (req->minor == 0)
        req->keep_alive = false;
    if (cl > max_body) {
        req->content_length = (size_t)(cl > (size_t)-1 ? (size_t)-1 : cl);
        return rm_err_set(err, RM_ELIMIT,
                          "request body of %llu bytes exceeds the limit of "
                          "%zu bytes",
                          cl, max_body);
    }
    req->content_length = (size_t)cl;
    if (len - end < req->content_length)
        return 0;
    req->body = buf + end;
    req->body_len = req->content_length;
    return (long)(end + req->content_length);
}

void sim_http_response(struct buf *out, const char *status,
                       const char *content_type, const char *body,
                       size_t body_len, size_t claim_len, bool close)
{
    buf_addf(out,
             "HTTP/1.1 %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n%s"
             "\r\n",
             status, content_type, claim_len > body_len ? claim_len : body_len,
             close ? "Connection: close\r\n" : "");
    buf_add(out, body, body_len);
}
