/*
 * cmd_login - `regman login add|passwd|disable|enable|list`: the web
 * logins (admins, and customers bound to an account). Passwords are read
 * from standard input with --password-stdin (first line), or generated
 * and printed once; they never appear on the command line.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/cmd_serve.h"
#include "core/account.h"
#include "core/login.h"
#include "util/secret.h"

static const char usage[] =
    "regman login add USERNAME --role admin|customer|reseller [--account A] "
    "[--password-stdin]\n"
    "       regman login passwd USERNAME [--password-stdin]\n"
    "       regman login disable USERNAME | enable USERNAME | list\n"
    "common: -c FILE, --json";

static int read_password(char *buf, size_t n, struct rm_err *err)
{
    if (!fgets(buf, (int)n, stdin))
        return rm_err_set(err, RM_EINVAL, "no password on standard input");
    size_t len = strcspn(buf, "\r\n");
    if (buf[len] == '\0' && len == n - 1)
        return rm_err_set(err, RM_ELIMIT, "password too long");
    buf[len] = '\0';
    return 0;
}

struct list_out {
    bool json;
    json_t *arr;
    struct cli_table *t;
    size_t rows;
};

static int list_row(void *arg, const struct login_row *l)
{
    struct list_out *o = arg;
    char id[24];
    snprintf(id, sizeof id, "%" PRId64, l->id);
    o->rows++;
    if (o->json)
        json_array_append_new(o->arr, json_pack("{s:I, s:s, s:s, s:s, s:b}",
                                                "id", (json_int_t)l->id,
                                                "username", l->username, "role",
                                                l->role, "account", l->account,
                                                "disabled", (int)l->disabled));
    else
        cli_table_row(o->t, id, l->username, l->role, l->account,
                      l->disabled ? "yes" : "no");
    return 0;
}

static int list(struct app *app, bool json, struct rm_err *err)
{
    static const char *head[] = {"ID", "USERNAME", "ROLE", "ACCOUNT",
                                 "DISABLED"};
    struct cli_table t;
    json_t *arr = json_array();
    cli_table_init(&t, 5, head);
    struct list_out o = {json, arr, &t, 0};
    int rc = login_list(app->st, list_row, &o, err);
    /* with json no row was added: nothing held; a failed query that
     * returned no row prints nothing */
    if (!json && (rc >= 0 || o.rows))
        cli_table_print(&t);
    if (rc >= 0 && json)
        cli_json_print(json_incref(arr));
    json_decref(arr);
    return rc < 0 ? rc : 0;
}

int cmd_login(int argc, char **argv)
{
    struct cli_common com = {0};
    const char *pos[2], *role = NULL, *account = NULL;
    bool pw_stdin = false;
    size_t npos;
    struct cli_opt opts[] = {{"role", OPT_VALUE, &role},
                             {"account", OPT_VALUE, &account},
                             {"password-stdin", OPT_FLAG, &pw_stdin},
                             {NULL, 0, NULL}};
    struct rm_err err;
    struct app *app;
    char pw[LOGIN_PASSWORD_MAX + 2];
    char *gen = NULL;
    int rc;

    if ((rc = cli_parse(argc, argv, opts, &com, pos, 2, &npos)))
        return rc;
    if (com.help || npos == 0)
        return cli_usage(usage), com.help ? EXIT_OK : EXIT_USAGE;
    const char *sub = pos[0];
    bool is_list = strcmp(sub, "list") == 0;
    if (is_list != (npos == 1) ||
        (strcmp(sub, "add") && strcmp(sub, "passwd") &&
         strcmp(sub, "disable") && strcmp(sub, "enable") && !is_list))
        return cli_usage(usage);
    rm_err_clear(&err);
    bool needs_pw = strcmp(sub, "add") == 0 || strcmp(sub, "passwd") == 0;
    if (needs_pw) {
        if (pw_stdin) {
            if ((rc = read_password(pw, sizeof pw, &err)) < 0)
                return cli_fail(rc, &err);
        } else {
            gen = secret_random_text(20);
            snprintf(pw, sizeof pw, "%s", gen);
        }
    }
    if ((rc = cli_open(&com, APP_OPEN_STORE, &app))) {
        free(gen);
        return rc;
    }
    int64_t id = 0;
    if (strcmp(sub, "add") == 0) {
        enum login_role r = 0;
        struct account a = {0};
        if (role && strcmp(role, "admin") == 0)
            r = LOGIN_ROLE_ADMIN;
        else if (role && strcmp(role, "customer") == 0)
            r = LOGIN_ROLE_CUSTOMER;
        else if (role && strcmp(role, "reseller") == 0)
            r = LOGIN_ROLE_RESELLER;
        if (!r)
            rc = rm_err_set(&err, RM_EINVAL,
                            "--role admin, customer or reseller is required");
        else if ((r != LOGIN_ROLE_ADMIN) != (account != NULL))
            rc = rm_err_set(&err, RM_EINVAL,
                            "a customer or reseller login needs --account; "
                            "an admin login has none");
        else if (account)
            rc = account_get(app, account, &a, &err);
        if (rc == 0)
            rc = login_create(app->st, pos[1], pw, r, a.id,
                              LOGIN_COST_INTERACTIVE, &id, &err);
    } else if (is_list) {
        rc = list(app, com.json, &err);
    } else if ((rc = login_id_of(app->st, pos[1], &id, &err)) == 0) {
        if (strcmp(sub, "passwd") == 0)
            rc = login_set_password(app->st, id, pw, LOGIN_COST_INTERACTIVE,
                                    &err);
        else
            rc = login_set_disabled(app->st, id, strcmp(sub, "disable") == 0,
                                    &err);
    }
    app_close(app);
    if (rc < 0) {
        free(gen);
        return cli_fail(rc, &err);
    }
    if (!is_list) {
        if (com.json) {
            json_t *j = json_pack("{s:s, s:I}", "username", pos[1], "id",
                                  (json_int_t)id);
            if (gen)
                json_object_set_new(j, "password", json_string(gen));
            cli_json_print(j);
        } else if (gen) {
            printf("%s %s; password: %s\n", pos[1],
                   strcmp(sub, "add") == 0 ? "added" : "updated", gen);
        } else {
            printf("%s: %s\n", pos[1],
                   strcmp(sub, "add") == 0       ? "added"
                   : strcmp(sub, "passwd") == 0  ? "password changed"
                   : strcmp(sub, "disable") == 0 ? "disabled"
                                                 : "enabled");
        }
    }
    free(gen);
    return EXIT_OK;
}
