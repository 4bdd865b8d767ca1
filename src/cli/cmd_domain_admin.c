/*
 * cmd_domain_admin - `regman domain move|sync`: the admin gives a domain
 * to another account (core/domadmin.h) or syncs one domain with the
 * registrar now (lifecycle_sync_one, core/lifecycle.h). docs/regman.1.
 *
 * Exit status: 0 done, 1 refused (an order in progress, already the
 * account's), 2 bad usage or no such domain/account, 4 system error
 * (the registrar did not answer: nothing changed).
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "cli/cli.h"
#include "cli/cmd_core.h"
#include "core/domadmin.h"
#include "core/lifecycle.h"
#include "present/present.h"
#include "util/clock.h"

static const char usage[] =
    "regman domain move NAME --to ACCOUNT [--reason TEXT]\n"
    "       regman domain sync NAME [--account A]\n"
    "common: -c FILE, --json";

static int do_move(struct app *app, const char *name, const char *to,
                   const char *reason, bool json)
{
    struct domadmin_move m;
    struct rm_err err;
    int rc;

    rm_err_clear(&err);
    if ((rc = domadmin_move(app, name, to, "admin", reason, &m, &err)) < 0)
        return cli_fail(rc, &err);
    if (json) {
        json_t *j = json_object();
        json_object_set_new(j, "domain", json_string(m.domain));
        json_object_set_new(j, "move", json_integer(m.id));
        json_object_set_new(j, "from", json_string(m.from));
        json_object_set_new(j, "to", json_string(m.to));
        cli_json_print(j);
    } else {
        printf("%s moved from %s to %s (move %" PRId64 ")\n", m.domain, m.from,
               m.to, m.id);
    }
    return EXIT_OK;
}

static int do_sync(struct app *app, const char *name, const char *account,
                   bool json)
{
    struct lifecycle_ctx c = {app, &app->set.mail, clock_now(), NULL, NULL};
    struct lifecycle_sync_one o;
    struct rm_err err;
    int rc;

    rm_err_clear(&err);
    if ((rc = lifecycle_sync_one(&c, name, account, &o, &err)) < 0)
        return cli_fail(rc, &err);
    if (json) {
        json_t *j = json_object();
        json_object_set_new(j, "domain", json_string(o.domain));
        json_object_set_new(j, "status_before", json_string(o.status_before));
        json_object_set_new(j, "status", json_string(o.status));
        json_object_set_new(j, "expires_before",
                            present_time(PRESENT_CLI, o.expires_before));
        json_object_set_new(j, "expires", present_time(PRESENT_CLI, o.expires));
        json_object_set_new(j, "locked", json_boolean(o.locked));
        json_object_set_new(j, "transfer_away",
                            o.away_status[0] ? json_string(o.away_status)
                                             : json_null());
        json_object_set_new(j, "registrar_auto_renew_turned_off",
                            json_boolean(o.renew_off));
        cli_json_print(j);
        return EXIT_OK;
    }
    char a[32], b[32];
    json_t *ta = present_time(PRESENT_CLI, o.expires_before),
           *tb = present_time(PRESENT_CLI, o.expires);
    snprintf(a, sizeof a, "%s",
             json_is_string(ta) ? json_string_value(ta) : "-");
    snprintf(b, sizeof b, "%s",
             json_is_string(tb) ? json_string_value(tb) : "-");
    json_decref(ta);
    json_decref(tb);
    printf("%s: %s -> %s, expires %s -> %s, %s\n", o.domain, o.status_before,
           o.status, a, b, o.locked ? "locked" : "unlocked");
    if (o.away_status[0])
        printf("  a transfer to another registrar is pending (%s)\n",
               o.away_status);
    if (o.gone)
        printf("  it was transferred away: auto-renew stopped, the customer "
               "is told\n");
    if (o.renew_off)
        printf("  the registrar's own auto-renew was on: turned off (regman "
               "renews)\n");
    return EXIT_OK;
}

int cmd_domain_admin(int argc, char **argv)
{
    struct cli_common com = {0};
    const char *pos[3], *to = NULL, *reason = NULL, *account = NULL;
    struct cli_opt opts[] = {{"to", OPT_VALUE, &to},
                             {"reason", OPT_VALUE, &reason},
                             {"account", OPT_VALUE, &account},
                             {NULL, 0, NULL}};
    struct app *app;
    size_t npos;
    int rc;

    if ((rc = cli_parse(argc, argv, opts, &com, pos, 3, &npos)))
        return rc;
    if (com.help)
        return cli_usage(usage), EXIT_OK;
    if (npos != 2)
        return cli_usage(usage);
    bool move = strcmp(pos[0], "move") == 0;
    if (move && (!to || account))
        return cli_usage("regman domain move NAME --to ACCOUNT [--reason "
                         "TEXT]");
    if (!move && (to || reason))
        return cli_usage("regman domain sync NAME [--account A]");
    if ((rc = cli_open(&com, APP_RECOVER, &app)))
        return rc;
    rc = move ? do_move(app, pos[1], to, reason, com.json)
              : do_sync(app, pos[1], account, com.json);
    app_close(app);
    return rc;
}
