/*
 * simctl - start, steer and stop a real opensrs-sim for the client
 * integration tests, per the sim/client contract: 127.0.0.1 ports chosen
 * by the OS, readiness from --ready-file, the JSON control API for rules,
 * clock, counts and seeded data.
 */
#ifndef RM_TESTS_SIMCTL_H
#define RM_TESTS_SIMCTL_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#define SIMCTL_USER "test"
#define SIMCTL_KEY "9a1b2c3d4e5f60718293a4b5c6d7e8f9"
#define SIMCTL_CLOCK 1767225600 /* 2026-01-01 00:00:00 UTC */

struct simctl {
    pid_t pid;
    char dir[128];    /* private temp dir: ready file, log, tls/ */
    char listen[64];  /* 127.0.0.1:PORT */
    char control[64]; /* 127.0.0.1:PORT */
    bool tls;
    bool legacy;            /* the client speaks the legacy protocol */
    char legacy_listen[64]; /* 127.0.0.1:PORT of --listen-legacy */
    char url[128];          /* http(s):// or legacy://127.0.0.1:PORT/ */
    char ca_file[256];      /* tls only */
    char key_file[256];
};

/* simctl_start - run sim_path; tls: --tls-self-signed. 0 or -1. */
int simctl_start(struct simctl *s, const char *sim_path, bool tls);
/* simctl_start_legacy - run sim_path with a --listen-legacy listener too
 * (and --idle-timeout 2, so the server closes idle sessions under the
 * client's feet); url is legacy://127.0.0.1:PORT/. 0 or -1. */
int simctl_start_legacy(struct simctl *s, const char *sim_path);
/* simctl_stop - SIGTERM, wait, remove the temp dir. */
void simctl_stop(struct simctl *s);

/* simctl_call - one control request; body may be NULL. Returns the
 * parsed JSON answer (caller decrefs) or NULL on any failure; *status
 * gets the HTTP status when not NULL. */
json_t *simctl_call(struct simctl *s, const char *method, const char *path,
                    const char *body, long *status);
/* simctl_ok - simctl_call that must succeed with 200 (aborts otherwise). */
void simctl_ok(struct simctl *s, const char *method, const char *path,
               const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* simctl_reset - fresh state, no rules, zero counts. */
void simctl_reset(struct simctl *s);
/* simctl_count - requests received for action (e.g. "SW_REGISTER"). */
int64_t simctl_count(struct simctl *s, const char *action);
/* simctl_dead_port - a loopback port the OS just handed out and nobody
 * listens on any more (for "connection refused"). */
int simctl_dead_port(void);
/* simctl_advance - move the simulated clock forward. */
void simctl_advance(struct simctl *s, int64_t seconds);

#endif
