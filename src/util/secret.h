/*
 * secret - the master key and the secrets sealed under it (libsodium).
 *
 * The master key is SECRET_KEY_BYTES random bytes (randombytes_buf) kept
 * base64-encoded in a file of mode 0600 that `regman init` creates. Secrets
 * at rest (registrar keys, registrant passwords) are stored as
 * base64(nonce || crypto_secretbox_easy(plaintext)) - the format of
 * registrar_connections.key_enc. A sealed value opens only under the key
 * that sealed it; tampering is detected (RM_EINVAL).
 *
 * struct secret_key holds the key in memory; secret_key_wipe zeroes it.
 * Strings returned by secret_seal / secret_open / secret_random_text are
 * heap-allocated and owned by the caller (secret_open's result should be
 * wiped with secret_free_text).
 */
#ifndef RM_UTIL_SECRET_H
#define RM_UTIL_SECRET_H

#include <stddef.h>

#include "util/err.h"

#define SECRET_KEY_BYTES 32
#define SECRET_MAX_TEXT 65536 /* bytes of plaintext sealed at most */

struct secret_key {
    unsigned char k[SECRET_KEY_BYTES];
};

/* secret_init - sodium_init once; RM_EINTERNAL if libsodium cannot run. */
int secret_init(struct rm_err *err);

/* secret_key_create - make a new random key file at path (mode 0600,
 * O_EXCL: an existing file is refused with RM_EINVAL). */
int secret_key_create(const char *path, struct rm_err *err);
/* secret_key_load - read the key file; refuses files readable or writable
 * by group or others, and anything that is not a key. */
int secret_key_load(const char *path, struct secret_key *key,
                    struct rm_err *err);
void secret_key_wipe(struct secret_key *key);

/* secret_seal - base64(nonce || box) of text (<= SECRET_MAX_TEXT). */
int secret_seal(const struct secret_key *key, const char *text, char **out,
                struct rm_err *err);
/* secret_open - the text sealed in b64. RM_EINVAL when malformed or
 * sealed under another key. */
int secret_open(const struct secret_key *key, const char *b64, char **out,
                struct rm_err *err);
/* secret_free_text - zero and free a string from secret_open. NULL ok. */
void secret_free_text(char *s);

/* secret_random_text - n random characters from [A-Za-z0-9]. */
char *secret_random_text(size_t n);

#endif
