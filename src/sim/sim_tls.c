/*
 * sim_tls - TLS context and self-signed certificates (see sim_tls.h).
 */
#include "sim/sim_tls.h"

#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "util/xalloc.h"

static int ossl_err(struct rm_err *err, const char *what)
{
    char buf[256];
    unsigned long e = ERR_get_error();
    ERR_error_string_n(e, buf, sizeof(buf));
    ERR_clear_error();
    return rm_err_set(err, RM_EINTERNAL, "tls: %s: %s", what,
                      e ? buf : "failed");
}

static bool add_ext(X509 *cert, X509 *issuer, int nid, const char *value)
{
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, issuer, cert, NULL, NULL, 0);
    X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
    if (!ext)
        return false;
    bool ok = X509_add_ext(cert, ext, -1) == 1;
    X509_EXTENSION_free(ext);
    return ok;
}

static X509 *make_cert(EVP_PKEY *key, const char *cn, X509 *issuer,
                       EVP_PKEY *issuer_key, long serial, bool ca)
{
    X509 *c = X509_new();
    if (!c)
        return NULL;
    X509_set_version(c, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(c), serial);
    X509_gmtime_adj(X509_getm_notBefore(c), -3600);
    X509_gmtime_adj(X509_getm_notAfter(c), 10L * 365 * 86400);
    X509_set_pubkey(c, key);
    X509_NAME *name = X509_get_subject_name(c);
    X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
                               (const unsigned char *)"opensrs-sim", -1, -1, 0);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                               (const unsigned char *)cn, -1, -1, 0);
    X509_set_issuer_name(c, issuer ? X509_get_subject_name(issuer) : name);
    X509 *iss = issuer ? issuer : c;
    bool ok;
    if (ca)
        ok = add_ext(c, iss, NID_basic_constraints, "critical,CA:TRUE") &&
             add_ext(c, iss, NID_key_usage, "critical,keyCertSign,cRLSign") &&
             add_ext(c, iss, NID_subject_key_identifier, "hash");
    else
        ok = add_ext(c, iss, NID_basic_constraints, "critical,CA:FALSE") &&
             add_ext(c, iss, NID_key_usage,
                     "critical,digitalSignature,keyEncipherment") &&
             add_ext(c, iss, NID_ext_key_usage, "serverAuth") &&
             add_ext(c, iss, NID_subject_alt_name,
                     "IP:127.0.0.1,IP:::1,DNS:localhost") &&
             add_ext(c, iss, NID_authority_key_identifier, "keyid:always");
    if (!ok || !X509_sign(c, issuer_key ? issuer_key : key, EVP_sha256())) {
        X509_free(c);
        return NULL;
    }
    return c;
}

/* write_pem - write to path.tmp (mode), then rename: a reader never sees
 * half a file. */
static int write_pem(const char *path, int mode, X509 *cert, EVP_PKEY *key,
                     struct rm_err *err)
{
    char *tmp = xasprintf("%s.tmp", path);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
    if (fd < 0) {
        rm_err_set(err, RM_EIO, "tls: cannot create %s: %s", tmp,
                   strerror(errno));
        free(tmp);
        return RM_EIO;
    }
    FILE *f = fdopen(fd, "w");
    bool ok =
        f && (cert ? PEM_write_X509(f, cert)
                   : PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL));
    if (f)
        ok = (fflush(f) == 0) && (fsync(fd) == 0) && ok;
    if (f)
        fclose(f);
    else
        close(fd);
    if (!ok || rename(tmp, path) < 0) {
        unlink(tmp);
        free(tmp);
        return rm_err_set(err, RM_EIO, "tls: cannot write %s", path);
    }
    free(tmp);
    return 0;
}

static X509 *read_cert(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return NULL;
    X509 *c = PEM_read_X509(f, NULL, NULL, NULL);
    fclose(f);
    return c;
}

static EVP_PKEY *read_key(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return NULL;
    EVP_PKEY *k = PEM_read_PrivateKey(f, NULL, NULL, NULL);
    fclose(f);
    return k;
}

/* reusable - the files in dir are a valid, unexpired CA + server pair. */
static bool reusable(const char *ca_path, const char *crt_path,
                     const char *key_path)
{
    X509 *ca = read_cert(ca_path), *crt = read_cert(crt_path);
    EVP_PKEY *key = read_key(key_path);
    bool ok = false;
    if (ca && crt && key) {
        EVP_PKEY *ca_pub = X509_get0_pubkey(ca);
        ok = X509_check_private_key(crt, key) == 1 && ca_pub &&
             X509_verify(crt, ca_pub) == 1 &&
             X509_cmp_current_time(X509_get0_notAfter(crt)) > 0 &&
             X509_cmp_current_time(X509_get0_notAfter(ca)) > 0 &&
             X509_check_ip_asc(crt, "127.0.0.1", 0) == 1;
    }
    X509_free(ca);
    X509_free(crt);
    EVP_PKEY_free(key);
    ERR_clear_error();
    return ok;
}

int sim_tls_self_signed(const char *dir, struct rm_err *err)
{
    if (mkdir(dir, 0700) < 0 && errno != EEXIST)
        return rm_err_set(err, RM_EIO, "tls: cannot create %s: %s", dir,
                          strerror(errno));
    char *ca_path = xasprintf("%s/ca.pem", dir);
    char *crt_path = xasprintf("%s/server.pem", dir);
    char *key_path = xasprintf("%s/server.key", dir);
    int rc = 0;
    if (reusable(ca_path, crt_path, key_path))
        goto out;
    EVP_PKEY *ca_key = EVP_EC_gen("P-256");
    EVP_PKEY *srv_key = EVP_EC_gen("P-256");
    X509 *ca = NULL, *srv = NULL;
    if (!ca_key || !srv_key) {
        rc = ossl_err(err, "key generation");
        goto done;
    }
    long serial = (long)time(NULL);
    ca = make_cert(ca_key, "opensrs-sim test CA", NULL, NULL, serial, true);
    srv = ca ? make_cert(srv_key, "localhost", ca, ca_key, serial + 1, false)
             : NULL;
    if (!ca || !srv) {
        rc = ossl_err(err, "certificate");
        goto done;
    }
    /* the key first: a server.pem without its key would look reusable to
     * nobody, but a key without a certificate is harmless */
    if ((rc = write_pem(key_path, 0600, NULL, srv_key, err)) < 0 ||
        (rc = write_pem(crt_path, 0644, srv, NULL, err)) < 0 ||
        (rc = write_pem(ca_path, 0644, ca, NULL, err)) < 0)
        goto done;
done:
    X509_free(ca);
    X509_free(srv);
    EVP_PKEY_free(ca_key);
    EVP_PKEY_free(srv_key);
out:
    free(ca_path);
    free(crt_path);
    free(key_path);
    return rc;
}

SSL_CTX *sim_tls_ctx(const char *cert, const char *key, struct rm_err *err)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    if (!ctx) {
        ossl_err(err, "SSL_CTX_new");
        return NULL;
    }
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    if (SSL_CTX_use_certificate_chain_file(ctx, cert) != 1) {
        ossl_err(err, cert);
        SSL_CTX_free(ctx);
        return NULL;
    }
    if (SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1 ||
        SSL_CTX_check_private_key(ctx) != 1) {
        ossl_err(err, key);
        SSL_CTX_free(ctx);
        return NULL;
    }
    /* many short sessions from benchmarks: let clients resume */
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_SERVER);
    return ctx;
}
