/*
 * cmd_serve - `regman serve` (the daemon: HTTP API + UI + /metrics and the
 * job runner) and `regman demo` (cmd_demo.c: a demo installation against a
 * local opensrs-sim, then serve_run).
 *
 * serve_run: opens the installation, recovers interrupted operations (as
 * every CLI command does at start), starts the job runner on its own
 * thread and store handle, starts the HTTP server (one struct app per
 * server thread), writes the ready file, calls on_ready, then waits for
 * SIGTERM or SIGINT and stops in order: the runner is told to stop at
 * its next safe point (the job in hand finishes) while HTTP stops
 * accepting connections and waits for the requests under way to be
 * answered, at most [http] drain_seconds (a second signal ends the wait);
 * then HTTP closes, the runner is joined, the store closed. Returns the
 * exit status (cli.h): 0 after a signal.
 */
#ifndef RM_CLI_CMD_SERVE_H
#define RM_CLI_CMD_SERVE_H

struct serve_opts {
    const char *conf;       /* -c FILE; NULL = app_find_conf */
    const char *listen;     /* "ADDR:PORT" over [http] listen; NULL = keep */
    const char *web_root;   /* over [http] web_root; NULL = keep */
    const char *ready_file; /* "listen=ADDR:PORT" once serving; NULL = none */
    /* called once serving, with the base URL ("http://127.0.0.1:8080/") */
    void (*on_ready)(const char *url, void *arg);
    void *arg;
};

int serve_run(const struct serve_opts *o);

int cmd_serve(int argc, char **argv);
int cmd_demo(int argc, char **argv);
/* cmd_login - `regman login` (cmd_login.c): web logins. */
int cmd_login(int argc, char **argv);

#endif
