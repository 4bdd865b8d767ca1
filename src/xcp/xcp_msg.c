/*
 * xcp_msg - the codec's request/response messages and the X-Signature
 * (see xcp.h).
 */
#include "xcp/xcp.h"

#include <ctype.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xcp/xcp_int.h"

/* ---------------------------------------------------- request/response */

struct xcp_value *xcp_request_new(const char *action, const char *object,
                                  struct xcp_value *attributes)
{
    struct xcp_value *r = xcp_assoc_new();
    xcp_assoc_set_str(r, "protocol", "XCP");
    xcp_assoc_set_str(r, "action", action);
    xcp_assoc_set_str(r, "object", object);
    xcp_assoc_set(r, "attributes", attributes ? attributes : xcp_assoc_new());
    return r;
}

struct xcp_value *xcp_request_attrs(struct xcp_value *req)
{
    struct xcp_value *a = (struct xcp_value *)xcp_assoc_get(req, "attributes");
    if (a && a->type == XCP_ASSOC)
        return a;
    return xcp_assoc_set(req, "attributes", xcp_assoc_new());
}

static int upper_copy(char *dst, size_t sz, const char *src)
{
    size_t n = strlen(src);
    if (n >= sz)
        return -1;
    for (size_t i = 0; i <= n; i++)
        dst[i] = (char)toupper((unsigned char)src[i]);
    return 0;
}

/* scalar_or_absent - NULL when absent; error when present but not text. */
static int opt_scalar(const struct xcp_value *data, const char *key,
                      const char **out, struct rm_err *err)
{
    const struct xcp_value *v = xcp_assoc_get(data, key);
    *out = NULL;
    if (!v)
        return 0;
    if (v->type != XCP_SCALAR)
        return rm_err_set(err, RM_EINVAL, "xcp: \"%s\" must be text", key);
    *out = v->str;
    return 0;
}

int xcp_request_read(const struct xcp_value *data, struct xcp_request *r,
                     struct rm_err *err)
{
    const char *action, *object;
    memset(r, 0, sizeof(*r));
    if (!data || data->type != XCP_ASSOC)
        return rm_err_set(err, RM_EINVAL,
                          "xcp: request data is not a dt_assoc");
    if (opt_scalar(data, "action", &action, err) ||
        opt_scalar(data, "object", &object, err) ||
        opt_scalar(data, "protocol", &r->protocol, err) ||
        opt_scalar(data, "cookie", &r->cookie, err) ||
        opt_scalar(data, "registrant_ip", &r->registrant_ip, err))
        return RM_EINVAL;
    if (!action || !*action)
        return rm_err_set(err, RM_EINVAL, "xcp: request has no action");
    if (upper_copy(r->action, sizeof(r->action), action))
        return rm_err_set(err, RM_EINVAL, "xcp: action too long");
    if (upper_copy(r->object, sizeof(r->object), object ? object : ""))
        return rm_err_set(err, RM_EINVAL, "xcp: object too long");
    const struct xcp_value *a = xcp_assoc_get(data, "attributes");
    if (a && a->type == XCP_ARRAY && a->len == 0)
        a = NULL; /* an empty list where a hash belongs: treat as none */
    if (a && a->type != XCP_ASSOC) {
        /* <item key="attributes"/> is an empty scalar: no attributes */
        if (a->type == XCP_SCALAR && all_space(a->str, a->len))
            a = NULL;
        else
            return rm_err_set(err, RM_EINVAL,
                              "xcp: attributes must be a dt_assoc");
    }
    r->attrs = a;
    return 0;
}

struct xcp_value *xcp_response_new(const char *object, bool is_success,
                                   int code, const char *text,
                                   struct xcp_value *attributes)
{
    struct xcp_value *r = xcp_assoc_new();
    xcp_assoc_set_str(r, "protocol", "XCP");
    xcp_assoc_set_str(r, "action", "REPLY");
    xcp_assoc_set_str(r, "object", object);
    xcp_assoc_set_str(r, "is_success", is_success ? "1" : "0");
    xcp_assoc_set_int(r, "response_code", code);
    xcp_assoc_set_str(r, "response_text", text);
    if (attributes)
        xcp_assoc_set(r, "attributes", attributes);
    return r;
}

int xcp_response_read(const struct xcp_value *data, struct xcp_response *r,
                      struct rm_err *err)
{
    const char *succ;
    int64_t code;
    memset(r, 0, sizeof(*r));
    if (!data || data->type != XCP_ASSOC)
        return rm_err_set(err, RM_EINVAL,
                          "xcp: response data is not a dt_assoc");
    if (opt_scalar(data, "is_success", &succ, err) ||
        opt_scalar(data, "response_text", &r->text, err) ||
        opt_scalar(data, "object", &r->object, err))
        return RM_EINVAL;
    if (!succ)
        return rm_err_set(err, RM_EINVAL, "xcp: response has no is_success");
    if (strcmp(succ, "1") == 0)
        r->is_success = true;
    else if (strcmp(succ, "0") == 0 || *succ == '\0')
        r->is_success = false;
    else
        return rm_err_set(err, RM_EINVAL,
                          "xcp: is_success is \"%.20s\", not 0 or 1", succ);
    int rc = xcp_path_int(data, "response_code", &code, err);
    if (rc) {
        rm_err_prefix(err, "xcp: ");
        return rc == RM_ENOTFOUND ? RM_EINVAL : rc;
    }
    if (code < 0 || code > 99999)
        return rm_err_set(err, RM_EINVAL,
                          "xcp: response_code %lld out of range",
                          (long long)code);
    r->code = (int)code;
    if (!r->text)
        r->text = "";
    const struct xcp_value *a = xcp_assoc_get(data, "attributes");
    if (a && a->type == XCP_SCALAR && all_space(a->str, a->len))
        a = NULL;
    if (a && a->type == XCP_ARRAY && a->len == 0)
        a = NULL;
    if (a && a->type != XCP_ASSOC)
        return rm_err_set(err, RM_EINVAL, "xcp: attributes must be a dt_assoc");
    r->attrs = a;
    return 0;
}

/* ------------------------------------------------------------ signature */

static const EVP_MD *md5_md;
static pthread_once_t md5_once = PTHREAD_ONCE_INIT;
static pthread_key_t ctx_key;

static void ctx_free(void *p)
{
    EVP_MD_CTX_free(p);
}

static void md5_init(void)
{
    /* Fetch once: an implicit fetch inside every EVP_DigestInit_ex costs
     * a provider lookup per call. */
    md5_md = EVP_MD_fetch(NULL, "MD5", NULL);
    if (!md5_md) {
        fprintf(stderr, "fatal: OpenSSL has no MD5 implementation\n");
        abort();
    }
    pthread_key_create(&ctx_key, ctx_free);
}

static EVP_MD_CTX *md5_ctx(void)
{
    pthread_once(&md5_once, md5_init);
    EVP_MD_CTX *c = pthread_getspecific(ctx_key);
    if (!c) {
        c = EVP_MD_CTX_new();
        if (!c) {
            fprintf(stderr, "fatal: out of memory (EVP_MD_CTX)\n");
            abort();
        }
        pthread_setspecific(ctx_key, c);
    }
    return c;
}

static void hex(const unsigned char *d, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[d[i] >> 4];
        out[2 * i + 1] = digits[d[i] & 15];
    }
    out[2 * n] = '\0';
}

static void md5_two(const void *a, size_t alen, const void *b, size_t blen,
                    char out[33])
{
    EVP_MD_CTX *c = md5_ctx();
    unsigned char d[EVP_MAX_MD_SIZE];
    unsigned int dl = 0;
    if (!EVP_DigestInit_ex(c, md5_md, NULL) || !EVP_DigestUpdate(c, a, alen) ||
        (blen && !EVP_DigestUpdate(c, b, blen)) ||
        !EVP_DigestFinal_ex(c, d, &dl) || dl != 16) {
        fprintf(stderr, "fatal: MD5 digest failed\n");
        abort();
    }
    hex(d, 16, out);
}

void xcp_md5_hex(const void *data, size_t len, char out[33])
{
    md5_two(data, len, NULL, 0, out);
}

void xcp_sign(const void *body, size_t len, const char *key, char out[33])
{
    char inner[33];
    size_t kl = strlen(key);
    md5_two(body, len, key, kl, inner);
    md5_two(inner, 32, key, kl, out);
}

bool xcp_sign_check(const void *body, size_t len, const char *key,
                    const char *sig)
{
    char want[33];
    if (!sig || strlen(sig) != 32)
        return false;
    xcp_sign(body, len, key, want);
    return CRYPTO_memcmp(want, sig, 32) == 0;
}
