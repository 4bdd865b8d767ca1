/*
 * serve_conf - the [http] section of regman.conf, read and validated by
 * one function for `regman serve` (and `regman demo`, which runs it) and
 * for `regman check-config`: a configuration check-config passes is one
 * serve accepts, key for key (docs/regman.conf.5 lists the keys).
 *
 * Every refusal names the file, the line and the key ("regman.conf:12:
 * [http] threads: 0 is outside 1..256"). Unknown keys in [http] are
 * errors. Nothing is opened or bound here; TLS files are only checked to
 * be readable and an explicit web root to be a directory.
 */
#ifndef RM_CLI_SERVE_CONF_H
#define RM_CLI_SERVE_CONF_H

#include <stdbool.h>

#include "util/err.h"
#include "web/api_core.h"
#include "web/api_signup.h"

/* Defaults and ranges of the keys (regman.conf.5). */
#define SERVE_THREADS_DEFAULT 4
#define SERVE_THREADS_MAX 256
#define SERVE_CONNS_PER_IP_DEFAULT 32
#define SERVE_CONNS_PER_IP_MAX 512
#define SERVE_HEADER_TIMEOUT_DEFAULT 10
#define SERVE_HEADER_TIMEOUT_MAX 3600
#define SERVE_BODY_TIMEOUT_DEFAULT 60
#define SERVE_BODY_TIMEOUT_MAX 86400
#define SERVE_DRAIN_DEFAULT 30
#define SERVE_DRAIN_MAX 3600

struct serve_conf {
    char *listen_addr; /* numeric IPv4 or IPv6 address */
    unsigned port;     /* 0 = chosen by the system */
    char *web_root;    /* NULL = no UI found: the API alone is served */
    char *tls_cert;    /* both set or both NULL */
    char *tls_key;
    unsigned threads;
    bool cookie_secure;
    unsigned max_conns_per_ip; /* 0 = no limit; counts TCP peers */
    /* "ADDR[/PREFIX], ..." as written (web/forwarded.h), validated; NULL
     * = none. n_trusted_proxies: how many items. */
    char *trusted_proxies;
    unsigned n_trusted_proxies;
    unsigned header_timeout_s; /* whole request header */
    unsigned body_timeout_s;   /* whole request body */
    unsigned drain_s;          /* graceful stop: wait for requests */
    bool have_log_level;       /* [regman] log_level is set */
    struct api_limits limits;
    struct api_site site; /* signup_verify, public_url, funds_* */
};

/*
 * serve_conf_load - read path's [http] section into *sc (zeroed first;
 * release with serve_conf_release). listen ("ADDR:PORT") and web_root,
 * when not NULL, stand for the command-line overrides of serve and are
 * validated the same way. Relative paths are taken from the config
 * file's directory. RM_EINVAL with a message naming FILE:LINE and the
 * key on a bad value; *sc holds nothing then.
 */
int serve_conf_load(const char *path, const char *listen, const char *web_root,
                    struct serve_conf *sc, struct rm_err *err);
void serve_conf_release(struct serve_conf *sc);

#endif
