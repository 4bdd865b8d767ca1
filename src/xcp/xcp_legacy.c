/*
 * xcp_legacy - framing and cipher of the legacy protocol (see
 * xcp_legacy.h).
 */
#include "xcp/xcp_legacy.h"

#include <ctype.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/provider.h>
#include <openssl/rand.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/xalloc.h"

#define BLOCK 8
#define HDR "RandomIV"
#define HDR_LEN 8

/* --- the private library context ------------------------------------ */

static pthread_once_t once = PTHREAD_ONCE_INIT;
static OSSL_LIB_CTX *libctx;
static EVP_CIPHER *bf_cbc, *des_cbc;
static EVP_MD *md5;

static void load(void)
{
    libctx = OSSL_LIB_CTX_new();
    if (!libctx)
        return;
    /* "legacy" holds Blowfish and DES; "default" holds MD5. Both stay
     * loaded for the life of the process. */
    if (!OSSL_PROVIDER_load(libctx, "legacy") ||
        !OSSL_PROVIDER_load(libctx, "default"))
        return;
    bf_cbc = EVP_CIPHER_fetch(libctx, "BF-CBC", NULL);
    des_cbc = EVP_CIPHER_fetch(libctx, "DES-CBC", NULL);
    md5 = EVP_MD_fetch(libctx, "MD5", NULL);
}

const char *xcp_legacy_crypt_name(enum xcp_legacy_crypt c)
{
    return c == XCP_LEGACY_DES ? "des" : "blowfish";
}

bool xcp_legacy_crypt_parse(const char *s, enum xcp_legacy_crypt *out)
{
    if (!s)
        return false;
    if (strcasecmp(s, "blowfish") == 0)
        *out = XCP_LEGACY_BLOWFISH;
    else if (strcasecmp(s, "des") == 0)
        *out = XCP_LEGACY_DES;
    else
        return false;
    return true;
}

struct xcp_legacy_cipher {
    const EVP_CIPHER *cipher;
    size_t keysize;
    uint8_t key[56];
    EVP_CIPHER_CTX *ctx;
};

static int hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = tolower(c);
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

static void md5_raw(const void *p, size_t n, uint8_t out[16])
{
    unsigned int len = 16;
    if (!EVP_Digest(p, n, out, &len, md5, NULL))
        abort(); /* MD5 from a loaded provider does not fail */
}

static const char key_rule[] =
    "the private key must be hex digits (an even number), as OpenSRS issues "
    "it";

struct xcp_legacy_cipher *xcp_legacy_cipher_new(enum xcp_legacy_crypt c,
                                                const char *hexkey,
                                                struct rm_err *err)
{
    pthread_once(&once, load);
    const EVP_CIPHER *ci = c == XCP_LEGACY_DES ? des_cbc : bf_cbc;
    if (!ci || !md5) {
        rm_err_set(err, RM_EINTERNAL,
                   "legacy protocol: %s-CBC is not available (OpenSSL's "
                   "legacy provider did not load)",
                   c == XCP_LEGACY_DES ? "DES" : "Blowfish");
        return NULL;
    }
    size_t hl = hexkey ? strlen(hexkey) : 0;
    if (hl == 0 || hl % 2 != 0 || hl > 4096) {
        rm_err_set(err, RM_EINVAL, "legacy protocol: %s", key_rule);
        return NULL;
    }
    size_t bl = hl / 2;
    uint8_t *bin = xmalloc(bl);
    for (size_t i = 0; i < bl; i++) {
        int hi = hexval((unsigned char)hexkey[2 * i]);
        int lo = hexval((unsigned char)hexkey[2 * i + 1]);
        if (hi < 0 || lo < 0) {
            OPENSSL_cleanse(bin, bl);
            free(bin);
            rm_err_set(err, RM_EINVAL, "legacy protocol: %s", key_rule);
            return NULL;
        }
        bin[i] = (uint8_t)(hi << 4 | lo);
    }
    struct xcp_legacy_cipher *x = xcalloc(1, sizeof(*x));
    x->cipher = ci;
    x->keysize = c == XCP_LEGACY_DES ? 8 : 56;
    /* M = MD5(bin); while len(M) < keysize: M = M || MD5(M) */
    uint8_t m[64];
    size_t ml = 16;
    md5_raw(bin, bl, m);
    while (ml < x->keysize) {
        md5_raw(m, ml, m + ml);
        ml += 16;
    }
    memcpy(x->key, m, x->keysize);
    OPENSSL_cleanse(m, sizeof(m));
    OPENSSL_cleanse(bin, bl);
    free(bin);
    x->ctx = EVP_CIPHER_CTX_new();
    if (!x->ctx)
        abort();
    return x;
}

void xcp_legacy_cipher_free(struct xcp_legacy_cipher *c)
{
    if (!c)
        return;
    EVP_CIPHER_CTX_free(c->ctx);
    OPENSSL_cleanse(c->key, sizeof(c->key));
    free(c);
}

/* setup - key the context for one message. */
static bool setup(struct xcp_legacy_cipher *c, const uint8_t *iv, int enc)
{
    EVP_CIPHER_CTX_reset(c->ctx);
    if (!EVP_CipherInit_ex2(c->ctx, c->cipher, NULL, NULL, enc, NULL))
        return false;
    if (c->keysize != 8 &&
        !EVP_CIPHER_CTX_set_key_length(c->ctx, (int)c->keysize))
        return false;
    if (!EVP_CipherInit_ex2(c->ctx, NULL, c->key, iv, enc, NULL))
        return false;
    EVP_CIPHER_CTX_set_padding(c->ctx, 0);
    return true;
}

void xcp_legacy_random(void *p, size_t n)
{
    if (RAND_bytes(p, (int)n) != 1)
        abort(); /* no randomness: nothing safe to do */
}

int xcp_legacy_encrypt(struct xcp_legacy_cipher *c, const void *text,
                       size_t len, const uint8_t *iv, struct buf *out,
                       struct rm_err *err)
{
    if (len > XCP_LEGACY_MAX_FRAME)
        return rm_err_set(err, RM_ELIMIT, "legacy protocol: message too large");
    uint8_t ivb[BLOCK];
    if (iv)
        memcpy(ivb, iv, BLOCK);
    else
        xcp_legacy_random(ivb, BLOCK);
    size_t pad = BLOCK - len % BLOCK;
    size_t total = len + pad;
    uint8_t *plain = xmalloc(total);
    memcpy(plain, text, len);
    memset(plain + len, (int)pad, pad);
    if (!setup(c, ivb, 1)) {
        free(plain);
        return rm_err_set(err, RM_EINTERNAL, "legacy protocol: cipher setup");
    }
    buf_add(out, HDR, HDR_LEN);
    buf_add(out, ivb, BLOCK);
    buf_grow(out, total);
    int n = 0;
    if (!EVP_CipherUpdate(c->ctx, (unsigned char *)out->data + out->len, &n,
                          plain, (int)total) ||
        (size_t)n != total) {
        free(plain);
        return rm_err_set(err, RM_EINTERNAL, "legacy protocol: encryption");
    }
    out->len += total;
    out->data[out->len] = '\0';
    OPENSSL_cleanse(plain, total);
    free(plain);
    return 0;
}

bool xcp_legacy_is_encrypted(const void *payload, size_t len)
{
    return len >= HDR_LEN && memcmp(payload, HDR, HDR_LEN) == 0;
}

/* unpad - the text length once the padding of the last block is gone,
 * or -1 when no reading of it makes sense. */
static long unpad(const uint8_t *p, size_t len)
{
    uint8_t n = p[len - 1];
    if (n >= 1 && n <= BLOCK)
        return (long)(len - n);
    /* H-Sphere: the first pad byte holds the count, the rest are zero */
    if (n == 0) {
        for (size_t k = 2; k <= BLOCK; k++) {
            uint8_t v = p[len - k];
            if (v == k)
                return (long)(len - k);
            if (v != 0)
                return -1;
        }
    }
    return -1;
}

int xcp_legacy_decrypt(struct xcp_legacy_cipher *c, const void *payload,
                       size_t len, struct buf *out, struct rm_err *err)
{
    const uint8_t *p = payload;
    if (!xcp_legacy_is_encrypted(payload, len))
        return rm_err_set(err, RM_EPROTO,
                          "legacy protocol: encrypted message without the "
                          "RandomIV header");
    size_t ct = len - HDR_LEN; /* the IV is here too, at least */
    if (ct < 2 * BLOCK || ct % BLOCK != 0)
        return rm_err_set(err, RM_EPROTO,
                          "legacy protocol: ciphertext of %zu bytes is not "
                          "whole blocks",
                          ct < BLOCK ? 0 : ct - BLOCK);
    ct -= BLOCK;
    if (ct > XCP_LEGACY_MAX_FRAME)
        return rm_err_set(err, RM_ELIMIT, "legacy protocol: message too large");
    if (!setup(c, p + HDR_LEN, 0))
        return rm_err_set(err, RM_EINTERNAL, "legacy protocol: cipher setup");
    uint8_t *plain = xmalloc(ct);
    int n = 0;
    if (!EVP_CipherUpdate(c->ctx, plain, &n, p + HDR_LEN + BLOCK, (int)ct) ||
        (size_t)n != ct) {
        free(plain);
        return rm_err_set(err, RM_EINTERNAL, "legacy protocol: decryption");
    }
    long keep = unpad(plain, ct);
    if (keep < 0) {
        free(plain);
        return rm_err_set(err, RM_EPROTO,
                          "legacy protocol: bad padding (wrong key?)");
    }
    buf_add(out, plain, (size_t)keep);
    OPENSSL_cleanse(plain, ct);
    free(plain);
    return 0;
}

/* --- framing ---------------------------------------------------------- */

void xcp_legacy_frame_header(struct buf *out, size_t claim)
{
    buf_addf(out, "Content-Length: %zu\r\n\r\n", claim);
}

void xcp_legacy_frame(struct buf *out, const void *p, size_t len)
{
    xcp_legacy_frame_header(out, len);
    buf_add(out, p, len);
}

/* line_end - at buf[i]: 2 for CRLF, 1 for LF, 0 for neither, -1 when the
 * bytes are not there yet. */
static int line_end(const char *buf, size_t len, size_t i)
{
    if (i >= len)
        return -1;
    if (buf[i] == '\n')
        return 1;
    if (buf[i] != '\r')
        return 0;
    if (i + 1 >= len)
        return -1;
    return buf[i + 1] == '\n' ? 2 : 0;
}

long xcp_legacy_unframe(const char *buf, size_t len, size_t max_body,
                        size_t *body_off, size_t *body_len, struct rm_err *err)
{
    static const char name[] = "content-length:";
    const size_t nl = sizeof(name) - 1;
    if (max_body == 0)
        max_body = XCP_LEGACY_MAX_FRAME;
    size_t i = 0;
    /* blank lines and spaces before the header */
    while (i < len && (buf[i] == '\r' || buf[i] == '\n' || buf[i] == ' ' ||
                       buf[i] == '\t')) {
        if (++i > XCP_LEGACY_MAX_HEADER)
            return rm_err_set(err, RM_EPROTO,
                              "legacy protocol: no Content-Length header");
    }
    for (size_t k = 0; k < nl; k++, i++) {
        if (i >= len)
            return 0;
        if (tolower((unsigned char)buf[i]) != name[k])
            return rm_err_set(err, RM_EPROTO,
                              "legacy protocol: a frame must start with "
                              "Content-Length");
    }
    while (i < len && (buf[i] == ' ' || buf[i] == '\t'))
        i++;
    size_t n = 0, digits = 0;
    while (i < len && buf[i] >= '0' && buf[i] <= '9') {
        n = n * 10 + (size_t)(buf[i] - '0');
        if (++digits > 10 || n > max_body)
            return rm_err_set(err, RM_ELIMIT,
                              "legacy protocol: frame larger than %zu bytes",
                              max_body);
        i++;
    }
    while (i < len && (buf[i] == ' ' || buf[i] == '\t'))
        i++;
    if (i > XCP_LEGACY_MAX_HEADER)
        return rm_err_set(err, RM_EPROTO,
                          "legacy protocol: frame header too long");
    if (i >= len)
        return 0;
    if (digits == 0)
        return rm_err_set(err, RM_EPROTO,
                          "legacy protocol: Content-Length without a number");
    int e = line_end(buf, len, i);
    if (e < 0)
        return 0;
    if (e == 0)
        return rm_err_set(err, RM_EPROTO,
                          "legacy protocol: junk after Content-Length");
    i += (size_t)e;
    e = line_end(buf, len, i);
    if (e < 0)
        return 0;
    if (e == 0)
        return rm_err_set(err, RM_EPROTO,
                          "legacy protocol: no blank line after the frame "
                          "header");
    i += (size_t)e;
    if (len - i < n)
        return 0;
    *body_off = i;
    *body_len = n;
    return (long)(i + n);
}

/* --- the challenge ---------------------------------------------------- */

int xcp_legacy_challenge_answer(struct xcp_legacy_cipher *c,
                                const void *challenge, size_t len,
                                struct buf *out, struct rm_err *err)
{
    uint8_t d[16]; /* MD5 is loaded: c exists */
    md5_raw(challenge, len, d);
    return xcp_legacy_encrypt(c, d, sizeof(d), NULL, out, err);
}

bool xcp_legacy_challenge_check(struct xcp_legacy_cipher *c,
                                const void *challenge, size_t len,
                                const void *payload, size_t plen)
{
    uint8_t d[16];
    md5_raw(challenge, len, d);
    struct buf plain;
    buf_init(&plain);
    struct rm_err err;
    rm_err_clear(&err);
    bool ok = xcp_legacy_decrypt(c, payload, plen, &plain, &err) == 0 &&
              plain.len == sizeof(d) &&
              CRYPTO_memcmp(plain.data, d, sizeof(d)) == 0;
    buf_release(&plain);
    return ok;
}
