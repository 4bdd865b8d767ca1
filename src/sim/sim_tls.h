/*
 * sim_tls - TLS for opensrs-sim: the server context, and the self-signed
 * CA + server certificate that --tls-self-signed DIR provides.
 *
 * sim_tls_self_signed writes DIR/ca.pem (the CA certificate clients
 * trust), DIR/server.pem and DIR/server.key (EC P-256, signed by the CA,
 * subjectAltName IP:127.0.0.1, IP:::1, DNS:localhost), valid for ten
 * years. Existing files are reused when the server certificate loads,
 * matches its key, is signed by ca.pem and has not expired. The CA's key
 * is not kept: it is only needed once.
 */
#ifndef RM_SIM_SIM_TLS_H
#define RM_SIM_SIM_TLS_H

#include <openssl/ssl.h>

#include "util/err.h"

int sim_tls_self_signed(const char *dir, struct rm_err *err);
/* sim_tls_ctx - a server SSL_CTX from a PEM certificate (chain) and key. */
SSL_CTX *sim_tls_ctx(const char *cert, const char *key, struct rm_err *err);

#endif
