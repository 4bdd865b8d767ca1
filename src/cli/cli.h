/*
 * cli - what every regman command shares: option parsing, opening the
 * installation (config, store, master key, the OpenSRS driver wired to
 * the registrar log, start-up recovery), output as a table or JSON, and
 * the exit status scheme of docs/regman.1:
 *   0 ok; 1 refused or failed; 2 bad usage or invalid input;
 *   3 outcome pending (uncertain); 4 system error (database, config, I/O).
 */
#ifndef RM_CLI_CLI_H
#define RM_CLI_CLI_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "core/app.h"
#include "util/err.h"

enum {
    EXIT_OK = 0,
    EXIT_REFUSED = 1,
    EXIT_USAGE = 2,
    EXIT_PENDING = 3,
    EXIT_SYSTEM = 4,
};

#define CLI_MAX_LIST 64

/* A list option given several times (--price, --ns). */
struct cli_list {
    const char *v[CLI_MAX_LIST];
    size_t n;
};

enum cli_optkind { OPT_FLAG, OPT_VALUE, OPT_LIST };

struct cli_opt {
    const char *name; /* without "--" */
    enum cli_optkind kind;
    void *dst; /* bool *, const char **, struct cli_list * */
};

/* Options every command accepts. */
struct cli_common {
    const char *conf; /* -c FILE */
    bool json;
    bool help;
};

/*
 * cli_parse - argv[1..] into opts (plus -c/--config, --json, -h/--help)
 * and positionals (at most maxpos). "--" ends options. Prints the error
 * and returns EXIT_USAGE for an unknown option, a missing value or too
 * many positionals; 0 otherwise.
 */
int cli_parse(int argc, char **argv, const struct cli_opt *opts,
              struct cli_common *com, const char **pos, size_t maxpos,
              size_t *npos);

/* cli_open - open the installation (flags of app.h); wires the driver;
 * APP_RECOVER runs start-up recovery. Prints errors; returns an exit
 * status (0 = opened). */
int cli_open(const struct cli_common *com, unsigned flags, struct app **app);

/* cli_make_registrar - the OpenSRS driver for app.make_registrar: a
 * registrar for connection c whose exchanges go to core's registrar log
 * through sink. Safe to call from many threads (regman serve). */
int cli_make_registrar(struct app *app, const struct conn *c, const char *key,
                       reglog_sink_fn *sink, void *sink_arg,
                       struct registrar **out, struct rm_err *err);

/* cli_exit_for - exit status for a negative core/rm code. */
int cli_exit_for(int rc);
/* cli_fail - print "regman: msg" to stderr; returns cli_exit_for(rc). */
int cli_fail(int rc, const struct rm_err *err);
/* cli_usage - print a usage line to stderr; returns EXIT_USAGE. */
int cli_usage(const char *text);

/* cli_json_print - dump j (stolen) to stdout with a newline. */
void cli_json_print(json_t *j);
/* cli_money - "12.50" as a JSON string (amounts never go out as floats). */
json_t *cli_money(int64_t minor);
json_t *cli_time(int64_t t);

/* A simple aligned table: add rows of strings, print. */
struct cli_table {
    size_t ncols, nrows, cap;
    const char **head;
    char **cells; /* nrows * ncols, owned */
};
void cli_table_init(struct cli_table *t, size_t ncols, const char **head);
void cli_table_row(struct cli_table *t, ...); /* ncols const char * */
void cli_table_print(struct cli_table *t);    /* and releases it */
void cli_table_free(struct cli_table *t);     /* releases it unprinted */

/* cli_kv - print "key: value" lines aligned. */
void cli_kv(const char *key, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
