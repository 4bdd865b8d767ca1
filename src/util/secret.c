/*
 * secret - master key file and secretbox sealing (contract in secret.h).
 */
#include "util/secret.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/xalloc.h"

#define B64 sodium_base64_VARIANT_ORIGINAL

int secret_init(struct rm_err *err)
{
    if (sodium_init() < 0)
        return rm_err_set(err, RM_EINTERNAL, "libsodium failed to start");
    return 0;
}

int secret_key_create(const char *path, struct rm_err *err)
{
    unsigned char k[SECRET_KEY_BYTES];
    char text[sodium_base64_ENCODED_LEN(SECRET_KEY_BYTES, B64) + 1];
    size_t len;
    int fd, rc = 0;

    if (secret_init(err) < 0)
        return RM_EINTERNAL;
    fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        if (errno == EEXIST)
            return rm_err_set(err, RM_EINVAL,
                              "%s already exists; refusing to overwrite a "
                              "master key",
                              path);
        return rm_err_set(err, RM_EIO, "%s: %s", path, strerror(errno));
    }
    randombytes_buf(k, sizeof k);
    sodium_bin2base64(text, sizeof text - 1, k, sizeof k, B64);
    len = strlen(text);
    text[len++] = '\n';
    if (write(fd, text, len) != (ssize_t)len || fsync(fd) < 0)
        rc = rm_err_set(err, RM_EIO, "%s: %s", path, strerror(errno));
    if (close(fd) < 0 && rc == 0)
        rc = rm_err_set(err, RM_EIO, "%s: %s", path, strerror(errno));
    sodium_memzero(k, sizeof k);
    sodium_memzero(text, sizeof text);
    if (rc < 0)
        unlink(path);
    return rc;
}

int secret_key_load(const char *path, struct secret_key *key,
                    struct rm_err *err)
{
    char text[256];
    struct stat sb;
    size_t n, binlen;
    int fd;
    ssize_t got;

    if (secret_init(err) < 0)
        return RM_EINTERNAL;
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return rm_err_set(err, RM_EIO, "master key %s: %s", path,
                          strerror(errno));
    if (fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode)) {
        close(fd);
        return rm_err_set(err, RM_EINVAL, "master key %s: not a regular file",
                          path);
    }
    if (sb.st_mode & 077) {
        close(fd);
        return rm_err_set(err, RM_EINVAL,
                          "master key %s: mode %03o lets others read it; "
                          "chmod 600 it",
                          path, (unsigned)(sb.st_mode & 0777));
    }
    got = read(fd, text, sizeof text - 1);
    close(fd);
    if (got < 0)
        return rm_err_set(err, RM_EIO, "master key %s: %s", path,
                          strerror(errno));
    n = (size_t)got;
    text[n] = '\0';
    while (n &&
           (text[n - 1] == '\n' || text[n - 1] == '\r' || text[n - 1] == ' '))
        text[--n] = '\0';
    if (sodium_base642bin(key->k, sizeof key->k, text, n, NULL, &binlen, NULL,
                          B64) != 0 ||
        binlen != SECRET_KEY_BYTES) {
        sodium_memzero(text, sizeof text);
        return rm_err_set(err, RM_EINVAL, "master key %s: not a regman key",
                          path);
    }
    sodium_memzero(text, sizeof text);
    return 0;
}

void secret_key_wipe(struct secret_key *key)
{
    sodium_memzero(key->k, sizeof key->k);
}

int secret_seal(const struct secret_key *key, const char *text, char **out,
                struct rm_err *err)
{
    size_t tl = strlen(text), bl, b64l;
    unsigned char *box;

    if (tl > SECRET_MAX_TEXT)
        return rm_err_set(err, RM_ELIMIT, "secret longer than %d bytes",
                          SECRET_MAX_TEXT);
    bl = crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + tl;
    box = xmalloc(bl);
    randombytes_buf(box, crypto_secretbox_NONCEBYTES);
    crypto_secretbox_easy(box + crypto_secretbox_NONCEBYTES,
                          (const unsigned char *)text, tl, box, key->k);
    b64l = sodium_base64_ENCODED_LEN(bl, B64);
    *out = xmalloc(b64l);
    sodium_bin2base64(*out, b64l, box, bl, B64);
    free(box);
    return 0;
}

int secret_open(const struct secret_key *key, const char *b64, char **out,
                struct rm_err *err)
{
    size_t n = strlen(b64), bl, tl;
    unsigned char *box;

    *out = NULL;
    if (n > 2 * SECRET_MAX_TEXT)
        return rm_err_set(err, RM_ELIMIT, "sealed secret too long");
    box = xmalloc(n + 1);
    if (sodium_base642bin(box, n + 1, b64, n, NULL, &bl, NULL, B64) != 0 ||
        bl < crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES) {
        free(box);
        return rm_err_set(err, RM_EINVAL, "sealed secret is malformed");
    }
    tl = bl - crypto_secretbox_NONCEBYTES - crypto_secretbox_MACBYTES;
    *out = xmalloc(tl + 1);
    if (crypto_secretbox_open_easy(
            (unsigned char *)*out, box + crypto_secretbox_NONCEBYTES,
            bl - crypto_secretbox_NONCEBYTES, box, key->k) != 0) {
        free(box);
        free(*out);
        *out = NULL;
        return rm_err_set(err, RM_EINVAL,
                          "sealed secret does not open under this master "
                          "key (wrong key file or tampered data)");
    }
    (*out)[tl] = '\0';
    free(box);
    return 0;
}

void secret_free_text(char *s)
{
    if (!s)
        return;
    sodium_memzero(s, strlen(s));
    free(s);
}

char *secret_random_text(size_t n)
{
    static const char alpha[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    char *s = xmalloc(n + 1);

    for (size_t i = 0; i < n; i++)
        s[i] = alpha[randombytes_uniform(sizeof alpha - 1)];
    s[n] = '\0';
    return s;
}
