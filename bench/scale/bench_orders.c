/*
 * bench_orders - orders per second, end to end (driver: bench/scale/orders;
 * figures in docs/bench.md, bench/scale (b)). Modes:
 *
 *   bench_orders api --url URL[,URL...] --token TOKEN[,TOKEN...]
 *                    --clients N --seconds S --prefix P [--license SHA256]
 *     N concurrent clients in one thread (libcurl's multi interface), each
 *     an easy handle on a kept-alive connection that sends its next
 *     POST /api/v1/domains/register as soon as its previous answer came:
 *     client k talks to URL k % (number of URLs) with the API token
 *     k % (number of tokens) (Authorization: Bearer; no CSRF token) and
 *     orders {"name": "P-k-SEQ.com", "term": 1}. An order counts only
 *     when the answer is 201 with state "succeeded" and the operation is
 *     of that name; anything else is an error (the first few bodies go to
 *     stderr). Each client first makes one order before the clock starts
 *     (the warm-up; with --license it carries license_sha256, accepting
 *     the agreement as a customer's first order does); the run then lasts
 *     S seconds, and the orders in flight at the end are awaited and
 *     counted (seconds runs to the last answer).
 *   bench_orders raw --url URL --user USER --key KEY --clients N
 *                    --seconds S --prefix P [--orders M]
 *     N threads, each with its own registrar (srs_registrar_new, one
 *     pooled handle, as regman's own), calling reg_register in a loop
 *     with the order regman sends for an API order (4 contacts, 2
 *     nameservers, a fresh registrant profile); REG_OP_DONE counts, any
 *     other state is an error. The same warm-up and clock; with --orders
 *     the timed part also ends once M orders have been sent (so that the
 *     sim, whose cost per SW_REGISTER grows with the orders it holds,
 *     ends as large as after an API run of M orders).
 *
 * Both print one line: orders, seconds, orders/s, errors, the process's
 * CPU time (user + system, over the timed part) and the latency of the
 * timed orders. Exit 0 when there was no error, 1 otherwise, 2 on bad
 * arguments.
 */
#include <curl/curl.h>
#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "opensrs/srs.h"
#include "registrar/registrar.h"
#include "util/secret.h"
#include "util/xalloc.h"

#define MAX_CLIENTS 1024
#define MAX_LIST 64
#define SHOW_ERRORS 5

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double cpu_s(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
           (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

static int usage(void)
{
    fprintf(stderr,
            "usage: bench_orders api --url URL[,URL...] --token T[,T...] "
            "--clients N --seconds S --prefix P [--license SHA256]\n"
            "       bench_orders raw --url URL --user USER --key KEY "
            "--clients N --seconds S --prefix P [--orders M]\n");
    return 2;
}

struct opts {
    char *urls[MAX_LIST], *tokens[MAX_LIST];
    int nurls, ntokens;
    const char *user, *key, *prefix, *license;
    int clients;
    long orders; /* raw: 0 = no limit */
    double seconds;
};

/* split - a comma-separated list into out (the strings point into a copy
 * of s); the number of items, -1 past max. */
static int split(const char *s, char **out, int max)
{
    char *copy = xstrdup(s), *save = NULL;
    int n = 0;
    for (char *t = strtok_r(copy, ",", &save); t;
         t = strtok_r(NULL, ",", &save)) {
        if (n == max)
            return -1;
        out[n++] = t;
    }
    return n;
}

static int parse_opts(int argc, char **argv, bool api, struct opts *o)
{
    memset(o, 0, sizeof *o);
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!v)
            return usage();
        i++;
        if (strcmp(a, "--url") == 0) {
            if ((o->nurls = split(v, o->urls, api ? MAX_LIST : 1)) < 1)
                return usage();
        } else if (api && strcmp(a, "--token") == 0) {
            if ((o->ntokens = split(v, o->tokens, MAX_LIST)) < 1)
                return usage();
        } else if (api && strcmp(a, "--license") == 0) {
            o->license = v;
        } else if (!api && strcmp(a, "--user") == 0) {
            o->user = v;
        } else if (!api && strcmp(a, "--key") == 0) {
            o->key = v;
        } else if (!api && strcmp(a, "--orders") == 0) {
            if ((o->orders = atol(v)) < 1)
                return usage();
        } else if (strcmp(a, "--clients") == 0) {
            o->clients = atoi(v);
        } else if (strcmp(a, "--seconds") == 0) {
            o->seconds = atof(v);
        } else if (strcmp(a, "--prefix") == 0) {
            o->prefix = v;
        } else {
            return usage();
        }
    }
    if (o->nurls < 1 || !o->prefix || o->clients < 1 ||
        o->clients > MAX_CLIENTS || o->seconds <= 0 ||
        (api && o->ntokens < 1) || (!api && (!o->user || !o->key)))
        return usage();
    return 0;
}

/* --- latencies ------------------------------------------------------------ */

struct lat {
    double *v;
    size_t n, cap;
};

static void lat_add(struct lat *l, double s)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 4096;
        l->v = xrealloc(l->v, l->cap * sizeof *l->v);
    }
    l->v[l->n++] = s;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* lat_ms - the q quantile (0..1) in milliseconds, 0 when empty. */
static double lat_ms(struct lat *l, double q)
{
    if (!l->n)
        return 0;
    size_t i = (size_t)(q * (double)(l->n - 1) + 0.5);
    return l->v[i] * 1000;
}

static void report(const char *mode, int clients, long orders, double secs,
                   long errors, double cpu, struct lat *l)
{
    qsort(l->v, l->n, sizeof *l->v, cmp_double);
    printf("%s: clients=%d orders=%ld seconds=%.2f orders_per_s=%.1f "
           "errors=%ld cpu_s=%.2f p50_ms=%.1f p99_ms=%.1f\n",
           mode, clients, orders, secs, secs > 0 ? (double)orders / secs : 0,
           errors, cpu, lat_ms(l, 0.5), lat_ms(l, 0.99));
    fflush(stdout);
}

/* --- api ------------------------------------------------------------------ */

struct client {
    CURL *h;
    int id;
    long seq;
    char name[160];
    char body[400];
    char auth[600];
    char url[600];
    struct curl_slist *hdrs;
    char *resp;
    size_t len, cap;
    double sent;
};

static size_t on_data(char *p, size_t size, size_t n, void *arg)
{
    struct client *c = arg;
    size_t len = size * n;
    if (c->len + len + 1 > c->cap) {
        c->cap = (c->len + len + 1) * 2;
        c->resp = xrealloc(c->resp, c->cap);
    }
    memcpy(c->resp + c->len, p, len);
    c->len += len;
    c->resp[c->len] = '\0';
    return len;
}

/* client_send - the next order of c (seq), added to m. */
static void client_send(CURLM *m, struct client *c, const char *prefix,
                        const char *license)
{
    int n;
    snprintf(c->name, sizeof c->name, "%s-%d-%ld.com", prefix, c->id, c->seq);
    if (license)
        n = snprintf(c->body, sizeof c->body,
                     "{\"name\": \"%s\", \"term\": 1, \"license_sha256\": "
                     "\"%s\"}",
                     c->name, license);
    else
        n = snprintf(c->body, sizeof c->body, "{\"name\": \"%s\", \"term\": 1}",
                     c->name);
    c->len = 0;
    if (c->resp)
        c->resp[0] = '\0';
    curl_easy_setopt(c->h, CURLOPT_POSTFIELDS, c->body);
    curl_easy_setopt(c->h, CURLOPT_POSTFIELDSIZE, (long)n);
    c->sent = now_s();
    curl_multi_add_handle(m, c->h);
}

/* order_ok - the answer says c's order succeeded: 201, state
 * "succeeded", the operation's domain is c's name. */
static bool order_ok(struct client *c, CURLcode cc, char *why, size_t whylen)
{
    long status = 0;
    json_error_t je;
    json_t *j, *op;
    const char *state, *dom;
    bool ok;

    if (cc != CURLE_OK) {
        snprintf(why, whylen, "%s: %s", c->name, curl_easy_strerror(cc));
        return false;
    }
    curl_easy_getinfo(c->h, CURLINFO_RESPONSE_CODE, &status);
    j = c->resp ? json_loadb(c->resp, c->len, 0, &je) : NULL;
    op = json_object_get(j, "operation");
    state = json_string_value(json_object_get(j, "state"));
    dom = json_string_value(json_object_get(op, "domain"));
    ok = status == 201 && state && strcmp(state, "succeeded") == 0 && dom &&
         strcmp(dom, c->name) == 0;
    if (!ok)
        snprintf(why, whylen, "%s: HTTP %ld: %.600s", c->name, status,
                 c->resp ? c->resp : "(no body)");
    json_decref(j);
    return ok;
}

static int run_api(const struct opts *o)
{
    struct client *cs = xcalloc((size_t)o->clients, sizeof *cs);
    struct lat l = {0};
    CURLM *m;
    long orders = 0, errors = 0;
    int warm = 0, active = 0, running;
    bool timed = false;
    double t0 = 0, t1 = 0, t_end = 0, cpu0 = 0;
    char why[800];

    if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0)
        return 1;
    m = curl_multi_init();
    /* HTTP/1.1 one request at a time per connection; keep every client's
     * connection open between its orders */
    curl_multi_setopt(m, CURLMOPT_PIPELINING, (long)CURLPIPE_NOTHING);
    curl_multi_setopt(m, CURLMOPT_MAXCONNECTS, (long)o->clients * 2);
    for (int k = 0; k < o->clients; k++) {
        struct client *c = &cs[k];
        const char *u = o->urls[k % o->nurls];
        size_t ul = strlen(u);
        while (ul && u[ul - 1] == '/')
            ul--;
        c->id = k;
        c->h = curl_easy_init();
        snprintf(c->url, sizeof c->url, "%.*s/api/v1/domains/register", (int)ul,
                 u);
        snprintf(c->auth, sizeof c->auth, "Authorization: Bearer %s",
                 o->tokens[k % o->ntokens]);
        c->hdrs = curl_slist_append(NULL, c->auth);
        c->hdrs = curl_slist_append(c->hdrs, "Content-Type: application/json");
        c->hdrs = curl_slist_append(c->hdrs, "Expect:");
        curl_easy_setopt(c->h, CURLOPT_URL, c->url);
        curl_easy_setopt(c->h, CURLOPT_HTTPHEADER, c->hdrs);
        curl_easy_setopt(c->h, CURLOPT_WRITEFUNCTION, on_data);
        curl_easy_setopt(c->h, CURLOPT_WRITEDATA, c);
        curl_easy_setopt(c->h, CURLOPT_PRIVATE, c);
        curl_easy_setopt(c->h, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(c->h, CURLOPT_TCP_NODELAY, 1L);
        curl_easy_setopt(c->h, CURLOPT_TIMEOUT_MS, 120000L);
        /* the warm-up order: seq 0 */
        client_send(m, c, o->prefix, o->license);
        active++;
    }
    while (active > 0) {
        CURLMsg *msg;
        int left;
        curl_multi_perform(m, &running);
        while ((msg = curl_multi_info_read(m, &left))) {
            struct client *c;
            double now;
            if (msg->msg != CURLMSG_DONE)
                continue;
            curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&c);
            CURLcode cc = msg->data.result;
            curl_multi_remove_handle(m, c->h);
            now = now_s();
            bool ok = order_ok(c, cc, why, sizeof why);
            if (!ok) {
                if (errors < SHOW_ERRORS)
                    fprintf(stderr, "bench_orders: %s\n", why);
                errors++;
            }
            if (!timed) {
                /* warm-up answers wait until every client has had one */
                active--;
                if (++warm < o->clients)
                    continue;
                if (errors) {
                    fprintf(stderr, "bench_orders: the warm-up failed\n");
                    return 1;
                }
                timed = true;
                t0 = now_s();
                t_end = t0 + o->seconds;
                cpu0 = cpu_s();
                for (int k = 0; k < o->clients; k++) {
                    cs[k].seq = 1;
                    client_send(m, &cs[k], o->prefix, NULL);
                    active++;
                }
                continue;
            }
            if (ok) {
                orders++;
                lat_add(&l, now - c->sent);
            }
            t1 = now;
            if (now < t_end) {
                c->seq++;
                client_send(m, c, o->prefix, NULL);
            } else {
                active--;
            }
        }
        if (active > 0)
            curl_multi_poll(m, NULL, 0, 100, NULL);
    }
    double cpu = cpu_s() - cpu0;
    report("api", o->clients, orders, t1 - t0, errors, cpu, &l);
    for (int k = 0; k < o->clients; k++) {
        curl_easy_cleanup(cs[k].h);
        curl_slist_free_all(cs[k].hdrs);
        free(cs[k].resp);
    }
    curl_multi_cleanup(m);
    curl_global_cleanup();
    free(cs);
    free(l.v);
    return errors ? 1 : 0;
}

/* --- raw ------------------------------------------------------------------ */

struct raw_shared {
    const struct opts *o;
    pthread_barrier_t warm, go;
    double t_end;
    atomic_long errors_shown;
    atomic_long sent; /* timed orders begun, for --orders */
};

struct raw_thread {
    struct raw_shared *sh;
    int id;
    struct registrar *reg;
    long orders, errors;
    double last;
    struct lat l;
};

/* raw_order - one SW_REGISTER of the order an API order sends: the
 * account's four contacts, the connection's two default nameservers, a
 * registrant profile made fresh for the domain (core/order.c). */
static bool raw_order(struct raw_thread *t, long seq)
{
    static const struct reg_contact c = {
        .first_name = "Bench",
        .last_name = "User",
        .address1 = "1 Main Street",
        .city = "Toronto",
        .postal_code = "M5V1A1",
        .country = "CA",
        .phone = "+1.4165550123",
        .email = "bench@example.com",
    };
    static const char *const ns[] = {"ns1.example.net", "ns2.example.net"};
    char name[160];
    struct reg_domain_order ord = {0};
    struct reg_op_result r;
    struct rm_err err;
    char *user = secret_random_text(12), *pass = secret_random_text(16);
    bool ok;

    user[0] = 'r';
    snprintf(name, sizeof name, "%s-%d-%ld.com", t->sh->o->prefix, t->id, seq);
    ord.domain = name;
    ord.period = 1;
    ord.owner = ord.admin = ord.billing = ord.tech = &c;
    ord.nameservers = ns;
    ord.n_nameservers = 2;
    ord.reg_username = user;
    ord.reg_password = pass;
    memset(&r, 0, sizeof r);
    memset(&err, 0, sizeof err);
    reg_register(t->reg, &ord, &r, &err);
    ok = r.state == REG_OP_DONE;
    if (!ok && atomic_fetch_add(&t->sh->errors_shown, 1) < SHOW_ERRORS)
        fprintf(stderr, "bench_orders: %s: %s (%s %d %s) %s\n", name,
                reg_op_state_name(r.state), reg_delivery_name(r.reply.delivery),
                r.reply.code, r.reply.text, err.msg);
    free(user);
    secret_free_text(pass);
    return ok;
}

static void *raw_main(void *arg)
{
    struct raw_thread *t = arg;
    long seq = 0;

    if (!raw_order(t, seq++))
        t->errors++;
    pthread_barrier_wait(&t->sh->warm); /* every warm-up done */
    pthread_barrier_wait(&t->sh->go);   /* the clock started */
    for (;;) {
        double s = now_s();
        if (s >= t->sh->t_end ||
            (t->sh->o->orders &&
             atomic_fetch_add(&t->sh->sent, 1) >= t->sh->o->orders))
            break;
        bool ok = raw_order(t, seq++);
        t->last = now_s();
        if (ok) {
            t->orders++;
            lat_add(&t->l, t->last - s);
        } else {
            t->errors++;
        }
    }
    return NULL;
}

static int run_raw(const struct opts *o)
{
    struct raw_shared sh = {.o = o};
    struct raw_thread *ts = xcalloc((size_t)o->clients, sizeof *ts);
    pthread_t *th = xcalloc((size_t)o->clients, sizeof *th);
    struct lat l = {0};
    struct rm_err err;
    long orders = 0, errors = 0, warm_errors = 0;
    double t0, t1, cpu0;

    if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0)
        return 1;
    atomic_init(&sh.errors_shown, 0);
    atomic_init(&sh.sent, 0);
    pthread_barrier_init(&sh.warm, NULL, (unsigned)o->clients + 1);
    pthread_barrier_init(&sh.go, NULL, (unsigned)o->clients + 1);
    for (int k = 0; k < o->clients; k++) {
        /* as regman's own registrars (cli_make_registrar): its timeouts'
         * defaults, one pooled handle */
        struct srs_transport_config cfg = {0};
        cfg.url = o->urls[0];
        cfg.user = o->user;
        cfg.key = o->key;
        cfg.connect_timeout_ms = 15000;
        cfg.timeout_ms = 80000;
        cfg.max_handles = 1;
        ts[k].sh = &sh;
        ts[k].id = k;
        if (!(ts[k].reg = srs_registrar_new(&cfg, &err))) {
            fprintf(stderr, "bench_orders: driver: %s\n", err.msg);
            return 1;
        }
    }
    for (int k = 0; k < o->clients; k++)
        pthread_create(&th[k], NULL, raw_main, &ts[k]);
    pthread_barrier_wait(&sh.warm);
    for (int k = 0; k < o->clients; k++)
        warm_errors += ts[k].errors;
    t0 = now_s();
    sh.t_end = t0 + o->seconds;
    cpu0 = cpu_s();
    pthread_barrier_wait(&sh.go);
    t1 = t0;
    for (int k = 0; k < o->clients; k++) {
        pthread_join(th[k], NULL);
        orders += ts[k].orders;
        errors += ts[k].errors;
        if (ts[k].last > t1)
            t1 = ts[k].last;
        for (size_t i = 0; i < ts[k].l.n; i++)
            lat_add(&l, ts[k].l.v[i]);
        free(ts[k].l.v);
        reg_free(ts[k].reg);
    }
    double cpu = cpu_s() - cpu0;
    if (warm_errors)
        fprintf(stderr, "bench_orders: %ld warm-up orders failed\n",
                warm_errors);
    report("raw", o->clients, orders, t1 - t0, errors - warm_errors, cpu, &l);
    pthread_barrier_destroy(&sh.warm);
    pthread_barrier_destroy(&sh.go);
    curl_global_cleanup();
    free(ts);
    free(th);
    free(l.v);
    return errors ? 1 : 0;
}

int main(int argc, char **argv)
{
    struct opts o;
    int rc;

    if (argc < 2)
        return usage();
    if (strcmp(argv[1], "api") == 0) {
        if ((rc = parse_opts(argc, argv, true, &o)))
            return rc;
        return run_api(&o);
    }
    if (strcmp(argv[1], "raw") == 0) {
        if ((rc = parse_opts(argc, argv, false, &o)))
            return rc;
        return run_raw(&o);
    }
    return usage();
}
