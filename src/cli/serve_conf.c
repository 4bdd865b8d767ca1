/*
 * serve_conf - the [http] section: one validator for serve and
 * check-config (contract in serve_conf.h).
 */
#include "cli/serve_conf.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/config.h"
#include "util/xalloc.h"
#include "web/forwarded.h"

#ifndef REGMAN_DATADIR
#define REGMAN_DATADIR "/usr/local/share"
#endif

static const char *const http_keys[] = {
    "listen",         "web_root",         "threads",
    "tls_cert",       "tls_key",          "cookie_secure",
    "lookup_per_min", "signups_per_hour", "max_conns_per_ip",
    "header_timeout", "body_timeout",     "drain_seconds",
    "signup_verify",  "public_url",       "funds_text",
    "funds_url",      "trusted_proxies",  NULL};

/* where - "FILE:LINE: [http] KEY" for a key of the file, or the option
 * that overrides it; into out. */
static const char *where(const struct config *cfg, const char *key,
                         const char *option, char *out, size_t n)
{
    if (option) {
        snprintf(out, n, "%s", option);
        return out;
    }
    for (size_t i = 0; i < cfg->n; i++)
        if (strcmp(cfg->entries[i].section, "http") == 0 &&
            strcmp(cfg->entries[i].key, key) == 0) {
            snprintf(out, n, "%s:%d: [http] %s", cfg->path,
                     cfg->entries[i].line, key);
            return out;
        }
    snprintf(out, n, "%s: [http] %s", cfg->path, key);
    return out;
}

/* parse_listen - "127.0.0.1:8080", "[::1]:8080" or "0.0.0.0:0", the
 * address numeric (the server binds it as given, never resolves it). */
static int parse_listen(const char *s, const char *what, char **addr,
                        unsigned *port, struct rm_err *err)
{
    const char *colon;
    char *end, *a;
    unsigned char bin[sizeof(struct in6_addr)];
    bool v6 = false;

    *addr = NULL;
    if (!s || !*s || strlen(s) > 80)
        return rm_err_set(err, RM_EINVAL, "%s: expected ADDR:PORT", what);
    if (s[0] == '[') {
        const char *rb = strchr(s, ']');
        if (!rb || rb[1] != ':')
            return rm_err_set(err, RM_EINVAL, "%s \"%s\": expected [ADDR]:PORT",
                              what, s);
        a = xstrndup(s + 1, (size_t)(rb - s - 1));
        colon = rb + 1;
        v6 = true;
    } else {
        colon = strrchr(s, ':');
        if (!colon || colon == s)
            return rm_err_set(err, RM_EINVAL, "%s \"%s\": expected ADDR:PORT",
                              what, s);
        a = xstrndup(s, (size_t)(colon - s));
    }
    if (inet_pton(v6 ? AF_INET6 : AF_INET, a, bin) != 1 &&
        (v6 || inet_pton(AF_INET6, a, bin) != 1)) {
        free(a);
        return rm_err_set(err, RM_EINVAL,
                          "%s \"%s\": the address must be a numeric IPv4 or "
                          "IPv6 address (\"[::1]:8080\" for IPv6)",
                          what, s);
    }
    errno = 0;
    long p = strtol(colon + 1, &end, 10);
    if (errno || *end || end == colon + 1 || colon[1] == '-' ||
        colon[1] == '+' || p < 0 || p > 65535) {
        free(a);
        return rm_err_set(err, RM_EINVAL,
                          "%s \"%s\": the port must be a number 0..65535", what,
                          s);
    }
    *addr = a;
    *port = (unsigned)p;
    return 0;
}

/* conf_path_rel - p relative to the config file's directory. */
static char *conf_path_rel(const char *conf, const char *p)
{
    const char *slash = strrchr(conf, '/');
    if (p[0] == '/' || !slash)
        return xstrdup(p);
    return xasprintf("%.*s/%s", (int)(slash - conf), conf, p);
}

static bool is_dir_with_index(const char *dir)
{
    char *p = xasprintf("%s/index.html", dir);
    bool ok = access(p, R_OK) == 0;
    free(p);
    return ok;
}

/* default_web_root - the installed UI, else the source tree's. */
static char *default_web_root(void)
{
    char *p = xasprintf("%s/regman/web", REGMAN_DATADIR);
    if (is_dir_with_index(p))
        return p;
    free(p);
#ifdef REGMAN_SOURCE_WEB
    if (is_dir_with_index(REGMAN_SOURCE_WEB))
        return xstrdup(REGMAN_SOURCE_WEB);
#endif
    return NULL;
}

static int check_readable(const char *file, const char *what,
                          struct rm_err *err)
{
    if (access(file, R_OK) != 0)
        return rm_err_set(err, RM_EINVAL, "%s %s: %s", what, file,
                          strerror(errno));
    return 0;
}

/* url_ok - scheme:// (or mailto: when allowed) then printable ASCII
 * without spaces, quotes, angle brackets or backslashes. */
static bool url_ok(const char *u, bool mailto)
{
    if (strncmp(u, "https://", 8) != 0 && strncmp(u, "http://", 7) != 0 &&
        !(mailto && strncmp(u, "mailto:", 7) == 0))
        return false;
    const char *rest = strchr(u, ':') + 1;
    if (!mailto || strncmp(u, "mailto:", 7) != 0)
        rest += 2;
    if (!*rest)
        return false;
    for (const char *p = u; *p; p++)
        if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f ||
            strchr("\"'<>\\`", *p))
            return false;
    return true;
}

/* load_site - signup_verify, public_url, funds_text, funds_url. */
static int load_site(struct config *cfg, struct serve_conf *sc,
                     struct rm_err *err)
{
    char w[512];
    int rc;
    struct api_site *s = &sc->site;

    if ((rc = config_get_bool(cfg, "http", "signup_verify", true,
                              &s->signup_verify, err)) < 0)
        return rc;
    const char *pu = config_get(cfg, "http", "public_url");
    if (pu) {
        size_t n = strlen(pu);
        if (n > API_SITE_URL_MAX || !url_ok(pu, false) || strchr(pu, '#') ||
            strchr(pu, '?'))
            return rm_err_set(err, RM_EINVAL,
                              "%s: \"%.60s\": expected http[s]://HOST[:PORT]"
                              "[/PATH] (at most %d characters, no ? or #)",
                              where(cfg, "public_url", NULL, w, sizeof w), pu,
                              API_SITE_URL_MAX);
        while (n > 0 && pu[n - 1] == '/')
            n--;
        s->public_url = xstrndup(pu, n);
    }
    const char *ft = config_get(cfg, "http", "funds_text");
    if (ft) {
        if (strlen(ft) > API_FUNDS_TEXT_MAX || !*ft)
            return rm_err_set(err, RM_EINVAL, "%s: 1..%d bytes of text",
                              where(cfg, "funds_text", NULL, w, sizeof w),
                              API_FUNDS_TEXT_MAX);
        for (const char *p = ft; *p; p++)
            if ((unsigned char)*p < 0x20 || *p == 0x7f)
                return rm_err_set(err, RM_EINVAL,
                                  "%s: control characters are not allowed",
                                  where(cfg, "funds_text", NULL, w, sizeof w));
        s->funds_text = xstrdup(ft);
    }
    const char *fu = config_get(cfg, "http", "funds_url");
    if (fu) {
        if (strlen(fu) > API_SITE_URL_MAX || !url_ok(fu, true))
            return rm_err_set(err, RM_EINVAL,
                              "%s: \"%.60s\": expected an http://, https:// "
                              "or mailto: link of at most %d characters",
                              where(cfg, "funds_url", NULL, w, sizeof w), fu,
                              API_SITE_URL_MAX);
        s->funds_url = xstrdup(fu);
    }
    s->listen_addr = xstrdup(sc->listen_addr);
    s->tls = sc->tls_cert != NULL;
    return 0;
}

/* load_proxies - trusted_proxies, parsed the way the server will. */
static int load_proxies(struct config *cfg, struct serve_conf *sc,
                        struct rm_err *err)
{
    char w[512];
    struct web_proxies px;
    const char *v = config_get(cfg, "http", "trusted_proxies");
    if (!v)
        return 0;
    int rc = web_proxies_parse(v, &px, err);
    if (rc < 0) {
        char why[sizeof(err->msg)];
        snprintf(why, sizeof(why), "%s", err->msg);
        return rm_err_set(err, RM_EINVAL,
                          "%s: %s (expected ADDR[/PREFIX], ... of numeric "
                          "IPv4 or IPv6 addresses)",
                          where(cfg, "trusted_proxies", NULL, w, sizeof w),
                          why);
    }
    sc->trusted_proxies = xstrdup(v);
    sc->n_trusted_proxies = (unsigned)px.n;
    return 0;
}

/* get_uint - an integer key in [min, max], or def when absent. */
static int get_uint(struct config *cfg, const char *key, int64_t def,
                    int64_t min, int64_t max, unsigned *out, struct rm_err *err)
{
    char w[512];
    const char *v = config_get(cfg, "http", key);
    char *end;

    if (!v) {
        *out = (unsigned)def;
        return 0;
    }
    errno = 0;
    long long n = strtoll(v, &end, 10);
    if (end == v || *end != '\0' || errno)
        return rm_err_set(err, RM_EINVAL, "%s: \"%.40s\" is not an integer",
                          where(cfg, key, NULL, w, sizeof w), v);
    if (n < min || n > max)
        return rm_err_set(err, RM_EINVAL, "%s: %lld is outside %lld..%lld",
                          where(cfg, key, NULL, w, sizeof w), n, (long long)min,
                          (long long)max);
    *out = (unsigned)n;
    return 0;
}

static int load(struct config *cfg, const char *path, const char *listen,
                const char *web_root, struct serve_conf *sc, struct rm_err *err)
{
    char w[512];
    int rc;

    sc->have_log_level = config_get(cfg, "regman", "log_level") != NULL;
    /* The file's value is checked even when --listen overrides it: a
     * file check-config passes is a file serve accepts, and back. */
    const char *l = config_get_str(cfg, "http", "listen", "127.0.0.1:8080");
    if ((rc = parse_listen(l, where(cfg, "listen", NULL, w, sizeof w),
                           &sc->listen_addr, &sc->port, err)) < 0)
        return rc;
    if (listen) {
        free(sc->listen_addr);
        if ((rc = parse_listen(listen, "--listen", &sc->listen_addr, &sc->port,
                               err)) < 0)
            return rc;
    }

    const char *wr = config_get(cfg, "http", "web_root");
    if (web_root || wr) {
        struct stat stb;
        const char *why = NULL;
        sc->web_root = web_root ? xstrdup(web_root) : conf_path_rel(path, wr);
        if (stat(sc->web_root, &stb) != 0)
            why = strerror(errno);
        else if (!S_ISDIR(stb.st_mode))
            why = "not a directory";
        if (why)
            return rm_err_set(err, RM_EINVAL, "%s %s: %s",
                              where(cfg, "web_root",
                                    web_root ? "--web-root" : NULL, w,
                                    sizeof w),
                              sc->web_root, why);
    } else {
        sc->web_root = default_web_root();
    }

    const char *c = config_get(cfg, "http", "tls_cert");
    const char *k = config_get(cfg, "http", "tls_key");
    if (!c != !k)
        return rm_err_set(
            err, RM_EINVAL, "%s: tls_cert and tls_key go together",
            where(cfg, c ? "tls_cert" : "tls_key", NULL, w, sizeof w));
    if (c) {
        sc->tls_cert = conf_path_rel(path, c);
        sc->tls_key = conf_path_rel(path, k);
        if ((rc = check_readable(sc->tls_cert,
                                 where(cfg, "tls_cert", NULL, w, sizeof w),
                                 err)) < 0 ||
            (rc = check_readable(sc->tls_key,
                                 where(cfg, "tls_key", NULL, w, sizeof w),
                                 err)) < 0)
            return rc;
    }

    unsigned lookups, signups;
    if ((rc = get_uint(cfg, "threads", SERVE_THREADS_DEFAULT, 1,
                       SERVE_THREADS_MAX, &sc->threads, err)) < 0 ||
        (rc = get_uint(cfg, "lookup_per_min", API_LOOKUP_PER_MIN_DEFAULT, 0,
                       1000000, &lookups, err)) < 0 ||
        (rc = get_uint(cfg, "signups_per_hour", API_SIGNUPS_PER_HOUR_DEFAULT, 0,
                       1000000, &signups, err)) < 0 ||
        (rc = get_uint(cfg, "max_conns_per_ip", SERVE_CONNS_PER_IP_DEFAULT, 0,
                       SERVE_CONNS_PER_IP_MAX, &sc->max_conns_per_ip, err)) <
            0 ||
        (rc = get_uint(cfg, "header_timeout", SERVE_HEADER_TIMEOUT_DEFAULT, 1,
                       SERVE_HEADER_TIMEOUT_MAX, &sc->header_timeout_s, err)) <
            0 ||
        (rc = get_uint(cfg, "body_timeout", SERVE_BODY_TIMEOUT_DEFAULT, 1,
                       SERVE_BODY_TIMEOUT_MAX, &sc->body_timeout_s, err)) < 0 ||
        (rc = get_uint(cfg, "drain_seconds", SERVE_DRAIN_DEFAULT, 0,
                       SERVE_DRAIN_MAX, &sc->drain_s, err)) < 0)
        return rc;
    if ((rc = config_get_bool(cfg, "http", "cookie_secure", false,
                              &sc->cookie_secure, err)) < 0)
        return rc;
    if ((rc = load_proxies(cfg, sc, err)) < 0)
        return rc;
    sc->limits.lookup_per_min = lookups;
    sc->limits.signups_per_hour = signups;
    if ((rc = load_site(cfg, sc, err)) < 0)
        return rc;

    for (size_t i = 0; i < cfg->n; i++) {
        bool known = false;
        if (strcmp(cfg->entries[i].section, "http") != 0)
            continue;
        for (size_t j = 0; http_keys[j]; j++)
            known = known || strcmp(cfg->entries[i].key, http_keys[j]) == 0;
        if (!known)
            return rm_err_set(err, RM_EINVAL,
                              "%s:%d: unknown key \"%s\" in [http]", path,
                              cfg->entries[i].line, cfg->entries[i].key);
    }
    return 0;
}

int serve_conf_load(const char *path, const char *listen, const char *web_root,
                    struct serve_conf *sc, struct rm_err *err)
{
    struct config cfg;
    int rc;

    memset(sc, 0, sizeof *sc);
    if ((rc = config_load(path, &cfg, err)) < 0)
        return rc;
    rc = load(&cfg, path, listen, web_root, sc, err);
    config_free(&cfg);
    if (rc < 0)
        serve_conf_release(sc);
    return rc;
}

void serve_conf_release(struct serve_conf *sc)
{
    free(sc->listen_addr);
    free(sc->web_root);
    free(sc->tls_cert);
    free(sc->tls_key);
    free(sc->trusted_proxies);
    api_site_conf_release(&sc->site);
    memset(sc, 0, sizeof *sc);
}
