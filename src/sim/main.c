/*
 * opensrs-sim - a local OpenSRS XCP server with state, simulated time and
 * switchable faults. Options and behaviour: docs/opensrs-sim.1.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/ssl.h>

#include "sim/sim_server.h"
#include "sim/sim_state.h"
#include "sim/sim_tls.h"
#include "util/xalloc.h"

static void usage(FILE *f)
{
    fputs("usage: opensrs-sim --listen ADDR:PORT [--listen ...] "
          "[--control ADDR:PORT]\n"
          "                   [--listen-legacy ADDR:PORT]...\n"
          "                   --reseller USER:KEY [--reseller ...]\n"
          "                   [--tls-self-signed DIR | --tls-cert FILE "
          "--tls-key FILE]\n"
          "                   [--state FILE] [--rules FILE] [--ready-file "
          "FILE]\n"
          "                   [--async-tlds LIST] [--async-delay SECONDS] "
          "[--log FILE|-]\n"
          "                   [--clock EPOCH] [--seed N] [--read-timeout "
          "SECONDS]\n"
          "                   [--idle-timeout SECONDS] [--max-connections N]\n"
          "                   [--transfer-owner-delay SECONDS] "
          "[--transfer-registry-delay SECONDS]\n"
          "                   [--no-renew-tlds LIST] "
          "[--no-privacy-tlds LIST]\n"
          "                   [--lifecycle "
          "TLD=GRACE/REDEMPTION/PENDING[/FEE]]...\n",
          f);
}

static bool num(const char *s, long long lo, long long hi, long long *out)
{
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || end == s || *end || v < lo || v > hi)
        return false;
    *out = v;
    return true;
}

enum {
    OPT_LISTEN = 256,
    OPT_LISTEN_LEGACY,
    OPT_CONTROL,
    OPT_RESELLER,
    OPT_TLS_SELF,
    OPT_TLS_CERT,
    OPT_TLS_KEY,
    OPT_STATE,
    OPT_RULES,
    OPT_READY,
    OPT_ASYNC_TLDS,
    OPT_ASYNC_DELAY,
    OPT_LOG,
    OPT_CLOCK,
    OPT_SEED,
    OPT_READ_TIMEOUT,
    OPT_IDLE_TIMEOUT,
    OPT_MAX_CONNS,
    OPT_OWNER_DELAY,
    OPT_REGISTRY_DELAY,
    OPT_NO_RENEW,
    OPT_NO_PRIVACY,
    OPT_LIFECYCLE,
    OPT_HELP,
};

static const struct option longopts[] = {
    {"listen", required_argument, NULL, OPT_LISTEN},
    {"listen-legacy", required_argument, NULL, OPT_LISTEN_LEGACY},
    {"control", required_argument, NULL, OPT_CONTROL},
    {"reseller", required_argument, NULL, OPT_RESELLER},
    {"tls-self-signed", required_argument, NULL, OPT_TLS_SELF},
    {"tls-cert", required_argument, NULL, OPT_TLS_CERT},
    {"tls-key", required_argument, NULL, OPT_TLS_KEY},
    {"state", required_argument, NULL, OPT_STATE},
    {"rules", required_argument, NULL, OPT_RULES},
    {"ready-file", required_argument, NULL, OPT_READY},
    {"async-tlds", required_argument, NULL, OPT_ASYNC_TLDS},
    {"async-delay", required_argument, NULL, OPT_ASYNC_DELAY},
    {"log", required_argument, NULL, OPT_LOG},
    {"clock", required_argument, NULL, OPT_CLOCK},
    {"seed", required_argument, NULL, OPT_SEED},
    {"read-timeout", required_argument, NULL, OPT_READ_TIMEOUT},
    {"idle-timeout", required_argument, NULL, OPT_IDLE_TIMEOUT},
    {"max-connections", required_argument, NULL, OPT_MAX_CONNS},
    {"transfer-owner-delay", required_argument, NULL, OPT_OWNER_DELAY},
    {"transfer-registry-delay", required_argument, NULL, OPT_REGISTRY_DELAY},
    {"no-renew-tlds", required_argument, NULL, OPT_NO_RENEW},
    {"no-privacy-tlds", required_argument, NULL, OPT_NO_PRIVACY},
    {"lifecycle", required_argument, NULL, OPT_LIFECYCLE},
    {"help", no_argument, NULL, OPT_HELP},
    {NULL, 0, NULL, 0},
};

static int die(const char *msg)
{
    fprintf(stderr, "opensrs-sim: %s\n", msg);
    return 1;
}

int main(int argc, char **argv)
{
    struct sim_config cfg;
    struct sim_server_opts so = {0};
    const char *tls_dir = NULL, *tls_cert = NULL, *tls_key = NULL;
    const char *rules = NULL, *ready = NULL, *logpath = NULL;
    struct rm_err err;
    long long v;
    rm_err_clear(&err);
    sim_config_init(&cfg);
    so.read_timeout_ms = 10000;
    so.idle_timeout_ms = 60000;
    so.max_conns = 1024;

    int opt;
    while ((opt = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        switch (opt) {
        case OPT_LISTEN:
            if (so.nlisten >= SIM_MAX_LISTEN)
                return die("too many --listen");
            so.listen[so.nlisten++] = optarg;
            break;
        case OPT_LISTEN_LEGACY:
            if (so.nlegacy >= SIM_MAX_LISTEN)
                return die("too many --listen-legacy");
            so.legacy[so.nlegacy++] = optarg;
            break;
        case OPT_CONTROL:
            so.control = optarg;
            break;
        case OPT_RESELLER:
            if (sim_config_add_reseller(&cfg, optarg, &err) < 0)
                return die(err.msg);
            break;
        case OPT_TLS_SELF:
            tls_dir = optarg;
            break;
        case OPT_TLS_CERT:
            tls_cert = optarg;
            break;
        case OPT_TLS_KEY:
            tls_key = optarg;
            break;
        case OPT_STATE:
            free(cfg.state_path);
            cfg.state_path = xstrdup(optarg);
            break;
        case OPT_RULES:
            rules = optarg;
            break;
        case OPT_READY:
            ready = optarg;
            break;
        case OPT_ASYNC_TLDS:
            free(cfg.async_tlds);
            cfg.async_tlds = xstrdup(optarg);
            break;
        case OPT_NO_RENEW:
            free(cfg.no_renew_tlds);
            cfg.no_renew_tlds = xstrdup(optarg);
            break;
        case OPT_LIFECYCLE:
            if (sim_config_add_lifecycle(&cfg, optarg, &err) < 0)
                return die(err.msg);
            break;
        case OPT_NO_PRIVACY:
            free(cfg.no_privacy_tlds);
            cfg.no_privacy_tlds = xstrdup(optarg);
            break;
        case OPT_ASYNC_DELAY:
            if (!num(optarg, 0, 100LL * 365 * 86400, &v))
                return die("--async-delay: seconds expected");
            cfg.async_delay = v;
            break;
        case OPT_OWNER_DELAY:
            if (!num(optarg, 0, 100LL * 365 * 86400, &v))
                return die("--transfer-owner-delay: seconds expected");
            cfg.owner_delay = v;
            break;
        case OPT_REGISTRY_DELAY:
            if (!num(optarg, 0, 100LL * 365 * 86400, &v))
                return die("--transfer-registry-delay: seconds expected");
            cfg.registry_delay = v;
            break;
        case OPT_LOG:
            logpath = optarg;
            break;
        case OPT_CLOCK:
            if (!num(optarg, 0, 253402300799LL, &v))
                return die("--clock: epoch seconds expected");
            cfg.clock_start = v;
            break;
        case OPT_SEED:
            if (!num(optarg, 0, INT64_MAX, &v))
                return die("--seed: a non-negative integer expected");
            cfg.seed = (uint64_t)v;
            break;
        case OPT_READ_TIMEOUT:
            if (!num(optarg, 1, 86400, &v))
                return die("--read-timeout: seconds expected");
            so.read_timeout_ms = (int)(v * 1000);
            break;
        case OPT_IDLE_TIMEOUT:
            if (!num(optarg, 1, 86400, &v))
                return die("--idle-timeout: seconds expected");
            so.idle_timeout_ms = (int)(v * 1000);
            break;
        case OPT_MAX_CONNS:
            if (!num(optarg, 1, 65536, &v))
                return die("--max-connections: a number 1-65536 expected");
            so.max_conns = (int)v;
            break;
        case OPT_HELP:
            usage(stdout);
            sim_config_release(&cfg);
            return 0;
        default:
            usage(stderr);
            sim_config_release(&cfg);
            return 1;
        }
    }
    if (optind < argc || so.nlisten + so.nlegacy == 0 || cfg.nresellers == 0) {
        usage(stderr);
        sim_config_release(&cfg);
        return die(optind < argc ? "unexpected argument"
                                 : "--listen (or --listen-legacy) and "
                                   "--reseller are required");
    }
    if ((tls_cert != NULL) != (tls_key != NULL) || (tls_dir && tls_cert))
        return die("use --tls-self-signed DIR or --tls-cert with --tls-key");

    /* signals: handled by sigwait in this thread only */
    sigset_t sigs;
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGTERM);
    sigaddset(&sigs, SIGINT);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);
    signal(SIGPIPE, SIG_IGN);

    FILE *log = stderr;
    if (logpath && strcmp(logpath, "-") == 0)
        log = stdout;
    else if (logpath) {
        log = fopen(logpath, "a");
        if (!log) {
            fprintf(stderr, "opensrs-sim: --log %s: %s\n", logpath,
                    strerror(errno));
            return 1;
        }
    }
    so.log = log;

    SSL_CTX *tls = NULL;
    char *cert_path = NULL, *key_path = NULL;
    if (tls_dir) {
        if (sim_tls_self_signed(tls_dir, &err) < 0)
            return die(err.msg);
        cert_path = xasprintf("%s/server.pem", tls_dir);
        key_path = xasprintf("%s/server.key", tls_dir);
        tls_cert = cert_path;
        tls_key = key_path;
    }
    if (tls_cert) {
        tls = sim_tls_ctx(tls_cert, tls_key, &err);
        if (!tls)
            return die(err.msg);
    }
    so.tls = tls;

    struct sim sim;
    if (sim_init(&sim, &cfg, &err) < 0)
        return die(err.msg);
    if (sim.note[0])
        fprintf(stderr, "opensrs-sim: %s\n", sim.note);
    if (rules && sim_rules_load(&sim.rules, rules, &err) < 0)
        return die(err.msg);
    pthread_mutex_lock(&sim.mu);
    sim_now(&sim);
    int rc = sim_save_if_dirty(&sim, &err);
    pthread_mutex_unlock(&sim.mu);
    if (rc < 0)
        return die(err.msg);

    struct sim_server *srv;
    if (sim_server_start(&sim, &so, &srv, &err) < 0)
        return die(err.msg);
    if (ready && sim_server_write_ready(srv, ready, &err) < 0) {
        sim_server_stop(srv);
        return die(err.msg);
    }

    int sig = 0;
    sigwait(&sigs, &sig);

    sim_server_stop(srv);
    pthread_mutex_lock(&sim.mu);
    rc = sim_save(&sim, &err);
    pthread_mutex_unlock(&sim.mu);
    if (rc < 0)
        fprintf(stderr, "opensrs-sim: %s\n", err.msg);
    sim_release(&sim);
    SSL_CTX_free(tls);
    free(cert_path);
    free(key_path);
    if (log != stderr && log != stdout)
        fclose(log);
    return rc < 0 ? 1 : 0;
}
