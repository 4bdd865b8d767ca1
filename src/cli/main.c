/*
 * regman - the command line: dispatches `regman COMMAND ...` to the
 * command modules. Each command returns its exit status.
 */
#include <stdio.h>
#include <string.h>

#include "cli/cmd_async.h"
#include "cli/cmd_core.h"
#include "cli/cmd_events.h"
#include "cli/cmd_lifecycle.h"
#include "cli/cmd_mail.h"
#include "cli/cmd_serve.h"
#include "cli/cmd_xcp.h"

#ifndef REGMAN_VERSION
#define REGMAN_VERSION "unknown"
#endif

struct command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
};

static const struct command commands[] = {
    {"xcp", cmd_xcp, "send one signed OpenSRS XCP request, print the answer"},
    {"init", cmd_init, "create regman.conf, the database and the master key"},
    {"check-config", cmd_check_config, "validate the configuration and exit"},
    {"registrar", cmd_registrar,
     "registrar connections: add list show edit "
     "rm test"},
    {"tld", cmd_tld, "TLDs, their connection, prices and windows"},
    {"account", cmd_account, "customer accounts, balances, contacts"},
    {"domain", cmd_domain,
     "lookup register renew restore transfer transfer-status "
     "check list show sync move bulk search ns host contacts lock "
     "privacy auth-code changes"},
    {"audit", cmd_audit, "check the money and state invariants"},
    {"log", cmd_log, "the registrar request log"},
    {"serve", cmd_serve, "run the daemon: HTTP API, web UI and job runner"},
    {"login", cmd_login, "web logins: add passwd disable enable list"},
    {"demo", cmd_demo, "a local demo: opensrs-sim, demo data, the daemon"},
    {"async", cmd_async,
     "the Async Manager: list show check reset cancel late sweep"},
    {"events", cmd_events, "the registrars' event streams: status list read"},
    {"reconcile", cmd_reconcile,
     "refunded operations the registrar completed or may complete"},
    {"mail", cmd_mail, "the mail outbox: list retry"},
    {"lifecycle", cmd_lifecycle,
     "daily lifecycle: run due auto-renew (expiry, warnings, renewals, "
     "sync)"},
    {"import", cmd_import, "adopt an existing registrar portfolio"},
    {"reminders", cmd_reminders,
     "reminder schedules before and after expiry: show set reset"},
    {"reseller", cmd_reseller,
     "resellers, their customers and prices: add list show customer-add "
     "wholesale prices"},
};

static void help(FILE *f)
{
    fprintf(f, "usage: regman COMMAND [ARGS]\n"
               "       regman --help | --version\n"
               "\n"
               "regman is a domain registrar manager.\n"
               "\n"
               "Commands:\n");
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        fprintf(f, "  %-13s %s\n", commands[i].name, commands[i].summary);
    fprintf(f, "\n\"regman COMMAND --help\" describes a command.\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        help(stderr);
        return 2;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 ||
        strcmp(cmd, "help") == 0) {
        help(stdout);
        return 0;
    }
    if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "-V") == 0) {
        printf("regman %s\n", REGMAN_VERSION);
        return 0;
    }
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        if (strcmp(cmd, commands[i].name) == 0)
            return commands[i].run(argc - 1, argv + 1);
    fprintf(stderr, "regman: unknown command \"%s\"\n", cmd);
    help(stderr);
    return 2;
}
