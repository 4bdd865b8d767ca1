/*
 * bench_sim - LOOKUP round trips per second of regman's OpenSRS client
 * against a running opensrs-sim over HTTPS.
 *
 * One "round trip" is reg_lookup() through the OpenSRS driver
 * (srs_registrar_new): build the LOOKUP request, emit and sign it, POST it
 * over a kept-alive TLS connection taken from the transport's pool, read
 * and parse the answer, and map it to a struct reg_lookup. The names
 * alternate between one the sim answers 210 (free) and one it answers 211
 * (taken); each answer is checked, and a call that fails or gives the
 * wrong availability counts as an error.
 *
 * N threads share one registrar, as regman's workers do. The transport's
 * pool holds N handles, so each thread keeps using one live connection.
 * Before the clock starts every thread makes one lookup (it opens its
 * connection: the TLS handshake is not part of the steady state being
 * measured), then all start together behind a barrier and run for S
 * seconds (or N round trips each with --iterations).
 *
 * Usage: bench_sim --url URL --user USER --key KEY [--ca FILE]
 *                  [--threads N] [--seconds S | --iterations N]
 *                  [--free NAME] [--taken NAME]
 * Prints one line: round trips, seconds, round trips/s, errors, requests
 * sent in all (timed + warm-up, to compare with the sim's count) and the
 * process CPU time during the timed part. Exit 1 when any call failed.
 */
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
#include "util/err.h"

struct bench {
    struct registrar *reg;
    const char *free_name;
    const char *taken_name;
    double seconds;
    long long iterations; /* per thread; 0: run for seconds */
    pthread_barrier_t start;
    double t0; /* set by main before the barrier */
    pthread_mutex_t lock;
    char first_error[600]; /* guarded by lock */
};

struct worker {
    struct bench *b;
    pthread_t tid;
    long long done;   /* timed round trips */
    long long errors; /* timed + warm-up */
    long long sent;   /* timed + warm-up calls */
    double t_end;
};

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double cpu_seconds(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
           (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

/* one_lookup - one round trip; false (and the first error kept) when the
 * call failed or the answer is not the one the sim gives for the name. */
static bool one_lookup(struct worker *w, bool taken)
{
    struct bench *b = w->b;
    const char *name = taken ? b->taken_name : b->free_name;
    struct reg_lookup out;
    struct rm_err err = {0};
    w->sent++;
    int rc = reg_lookup(b->reg, name, &out, &err);
    enum reg_availability want = taken ? REG_TAKEN : REG_AVAILABLE;
    if (rc == 0 && out.availability == want)
        return true;
    w->errors++;
    pthread_mutex_lock(&b->lock);
    if (!b->first_error[0])
        snprintf(b->first_error, sizeof(b->first_error),
                 "LOOKUP %s: rc %d, %s (code %d, availability %d)", name, rc,
                 rc ? err.msg : "wrong availability", out.reply.code,
                 (int)out.availability);
    pthread_mutex_unlock(&b->lock);
    return false;
}

static void *run_worker(void *arg)
{
    struct worker *w = arg;
    struct bench *b = w->b;
    one_lookup(w, true); /* warm-up: opens this thread's connection */
    pthread_barrier_wait(&b->start);
    double deadline = b->t0 + b->seconds;
    for (long long i = 0;; i++) {
        if (one_lookup(w, i & 1))
            w->done++;
        if (b->iterations > 0) {
            if (i + 1 >= b->iterations)
                break;
        } else if (now() >= deadline) {
            /* A clock read per round trip costs ~20 ns against a round
             * trip of tens of microseconds: negligible. */
            break;
        }
    }
    w->t_end = now();
    return NULL;
}

static void usage(void)
{
    fprintf(stderr,
            "usage: bench_sim --url URL --user USER --key KEY [--ca FILE]\n"
            "                 [--threads N] [--seconds S | --iterations N]\n"
            "                 [--free NAME] [--taken NAME]\n");
    exit(2);
}

int main(int argc, char **argv)
{
    struct srs_transport_config cfg = {0};
    struct bench b = {
        .free_name = "bench-sim-free.com",
        .taken_name = "taken.com",
        .seconds = 3.0,
    };
    long threads = 1;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!v)
            usage();
        i++;
        if (strcmp(a, "--url") == 0)
            cfg.url = v;
        else if (strcmp(a, "--user") == 0)
            cfg.user = v;
        else if (strcmp(a, "--key") == 0)
            cfg.key = v;
        else if (strcmp(a, "--ca") == 0)
            cfg.ca_file = v;
        else if (strcmp(a, "--threads") == 0)
            threads = strtol(v, NULL, 10);
        else if (strcmp(a, "--seconds") == 0)
            b.seconds = strtod(v, NULL);
        else if (strcmp(a, "--iterations") == 0)
            b.iterations = strtoll(v, NULL, 10);
        else if (strcmp(a, "--free") == 0)
            b.free_name = v;
        else if (strcmp(a, "--taken") == 0)
            b.taken_name = v;
        else
            usage();
    }
    if (!cfg.url || !cfg.user || !cfg.key || threads < 1 || threads > 256 ||
        (b.seconds <= 0 && b.iterations <= 0))
        usage();
    /* One pooled handle (and connection) per thread: with fewer, the
     * surplus threads would open and close a connection per call. */
    cfg.max_handles = (unsigned)threads;

    struct rm_err err = {0};
    b.reg = srs_registrar_new(&cfg, &err);
    if (!b.reg) {
        fprintf(stderr, "bench_sim: %s\n", err.msg);
        return 2;
    }
    pthread_mutex_init(&b.lock, NULL);
    pthread_barrier_init(&b.start, NULL, (unsigned)threads + 1);
    struct worker *w = calloc((size_t)threads, sizeof(*w));
    if (!w)
        return 2;
    for (long i = 0; i < threads; i++) {
        w[i].b = &b;
        if (pthread_create(&w[i].tid, NULL, run_worker, &w[i]) != 0) {
            fprintf(stderr, "bench_sim: cannot start thread %ld\n", i);
            return 2;
        }
    }
    /* Threads are parked at the barrier after their warm-up call; the
     * timed part, and its CPU time, start here. */
    b.t0 = now();
    double cpu0 = cpu_seconds();
    pthread_barrier_wait(&b.start);
    long long done = 0, errors = 0, sent = 0;
    double t_end = b.t0;
    for (long i = 0; i < threads; i++) {
        pthread_join(w[i].tid, NULL);
        done += w[i].done;
        errors += w[i].errors;
        sent += w[i].sent;
        if (w[i].t_end > t_end)
            t_end = w[i].t_end;
    }
    double cpu = cpu_seconds() - cpu0;
    double el = t_end - b.t0;
    printf("regman client, %ld thread%s: %lld round trips in %.3f s = %.0f "
           "round trips/s (errors %lld, requests %lld, keep-alive, "
           "cpu %.2f s = %.0f%% of one CPU)\n",
           threads, threads == 1 ? "" : "s", done, el,
           el > 0 ? (double)done / el : 0.0, errors, sent, cpu,
           el > 0 ? 100.0 * cpu / el : 0.0);
    if (errors)
        fprintf(stderr, "bench_sim: %lld failed round trips; first: %s\n",
                errors, b.first_error);
    free(w);
    pthread_barrier_destroy(&b.start);
    pthread_mutex_destroy(&b.lock);
    reg_free(b.reg);
    return errors ? 1 : 0;
}
