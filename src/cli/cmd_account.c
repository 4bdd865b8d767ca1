/*
 * cmd_account - `regman account add|list|show|credit|adjust|history|
 * contact|limit`.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/cmd_core.h"
#include "core/account.h"
#include "core/conn.h"
#include "core/ledger.h"
#include "core/money.h"
#include "present/present.h"
#include "util/clock.h"
#include "util/secret.h"

static const char usage[] =
    "regman account add NAME [--email E] [--credit-limit AMOUNT] "
    "[--auto-renew]\n"
    "       regman account list [--all] | show NAME | history NAME "
    "[--limit N]\n"
    "       regman account credit NAME AMOUNT [--ref KEY] [--memo TEXT]\n"
    "       regman account adjust NAME [-]AMOUNT --memo TEXT [--ref KEY]\n"
    "       regman account limit NAME AMOUNT\n"
    "       regman account contact NAME [--type owner|admin|billing|tech] "
    "--first-name ... --last-name ...\n"
    "              --address1 ... --city ... --postal-code ... --country CC "
    "--phone +1.4165550123 --email ...\n"
    "              [--org-name --address2 --address3 --state --fax --lang]\n"
    "              [--cira-legal-type T] [--cira-trademark | "
    "--no-cira-trademark]\n"
    "              [--us-nexus C11|C12|C21|C31|C32 --us-purpose P1..P5 "
    "[--us-validator CC]]\n"
    "              (the .ca and .us registrant details, owner only; \"\" "
    "clears one)\n"
    "AMOUNT like 12 or 12.50 (2 decimals at most); common: -c FILE, --json";

struct hist {
    bool json;
    json_t *arr;
    struct cli_table *t;
};

static int hist_line(const struct ledger_line *l, void *arg)
{
    struct hist *h = arg;
    char at[32], amt[MONEY_STR_MAX], bal[MONEY_STR_MAX], op[24];

    clock_format(l->created_at, at, sizeof at);
    if (h->json) {
        json_t *j = present_ledger_line(l, PRESENT_CLI);
        json_array_append_new(h->arr, j);
        return 0;
    }
    snprintf(op, sizeof op, "%" PRId64, l->operation_id);
    cli_table_row(h->t, at, ledger_kind_name(l->kind),
                  money_format(l->amount, amt),
                  money_format(l->balance_after, bal),
                  l->operation_id ? op : "-", l->memo ? l->memo : "");
    return 0;
}

/* registrant_json - the .ca and .us registrant details as the API shows
 * them. */
static json_t *registrant_json(const struct registrant *x)
{
    json_t *j = json_object();
    json_object_set_new(j, "cira_legal_type", json_string(x->cira_legal_type));
    json_object_set_new(j, "cira_trademark", json_boolean(x->cira_trademark));
    json_object_set_new(j, "us_nexus",
                        json_pack("{s:s,s:s,s:s}", "category",
                                  x->us_nexus_category, "app_purpose",
                                  x->us_app_purpose, "validator",
                                  x->us_nexus_validator));
    return j;
}

static void registrant_kv(const struct registrant *x)
{
    cli_kv(".ca legal type", "%s%s",
           *x->cira_legal_type ? x->cira_legal_type : "- (needed for .ca)",
           x->cira_trademark ? " (trademark)" : "");
    if (*x->us_nexus_category)
        cli_kv(".us nexus", "%s %s%s%s", x->us_nexus_category,
               x->us_app_purpose, *x->us_nexus_validator ? " " : "",
               x->us_nexus_validator);
    else
        cli_kv(".us nexus", "- (needed for .us)");
}

static int do_contact(struct app *app, const struct account *a,
                      const char *type, const char *const *vals,
                      const struct registrant_update *u, bool json,
                      struct rm_err *err)
{
    struct contact c;
    struct registrant x;
    int rc;

    if ((rc = contact_save(app, a->id, type, vals, u, err)) < 0)
        return rc;
    /* only the extras given: the contact may not exist yet */
    rc = contact_get(app, a->id, type, &c, err);
    bool has = rc == 0;
    if (rc < 0 && (rc != RM_ENOTFOUND || !u))
        return rc;
    if ((rc = registrant_get(app, a->id, &x, err)) < 0)
        return rc;
    if (json) {
        json_t *j = has ? present_contact(&c) : json_object();
        json_object_set_new(j, "account", json_string(a->name));
        if (strcmp(type, "owner") == 0)
            json_object_set_new(j, "registrant", registrant_json(&x));
        cli_json_print(j);
    } else {
        if (has)
            printf("%s contact of %s: %s %s <%s>\n", type, a->name,
                   c.first_name, c.last_name, c.email);
        if (strcmp(type, "owner") == 0)
            registrant_kv(&x);
    }
    return 0;
}

int cmd_account(int argc, char **argv)
{
    struct cli_common com = {0};
    const char *pos[3], *email = NULL, *limit = NULL, *ref = NULL, *memo = NULL,
                        *type = "owner", *hl = NULL;
    const char *cvals[CONTACT_FIELDS] = {0};
    bool auto_renew = false, all = false, tm = false, no_tm = false;
    struct registrant_update xu = REGISTRANT_UPDATE_KEEP;
    size_t npos;
    struct rm_err err;
    struct app *app;
    struct cli_opt opts[] = {
        {"email", OPT_VALUE, &email},
        {"credit-limit", OPT_VALUE, &limit},
        {"auto-renew", OPT_FLAG, &auto_renew},
        {"all", OPT_FLAG, &all},
        {"ref", OPT_VALUE, &ref},
        {"memo", OPT_VALUE, &memo},
        {"limit", OPT_VALUE, &hl},
        {"type", OPT_VALUE, &type},
        {"first-name", OPT_VALUE, &cvals[0]},
        {"last-name", OPT_VALUE, &cvals[1]},
        {"org-name", OPT_VALUE, &cvals[2]},
        {"address1", OPT_VALUE, &cvals[3]},
        {"address2", OPT_VALUE, &cvals[4]},
        {"address3", OPT_VALUE, &cvals[5]},
        {"city", OPT_VALUE, &cvals[6]},
        {"state", OPT_VALUE, &cvals[7]},
        {"postal-code", OPT_VALUE, &cvals[8]},
        {"country", OPT_VALUE, &cvals[9]},
        {"phone", OPT_VALUE, &cvals[10]},
        {"fax", OPT_VALUE, &cvals[11]},
        {"contact-email", OPT_VALUE, &cvals[12]},
        {"lang", OPT_VALUE, &cvals[13]},
        {"cira-legal-type", OPT_VALUE, &xu.cira_legal_type},
        {"cira-trademark", OPT_FLAG, &tm},
        {"no-cira-trademark", OPT_FLAG, &no_tm},
        {"us-nexus", OPT_VALUE, &xu.us_nexus_category},
        {"us-purpose", OPT_VALUE, &xu.us_app_purpose},
        {"us-validator", OPT_VALUE, &xu.us_nexus_validator},
        {NULL, 0, NULL}};
    const char *sub;
    struct account a;
    int rc;

    if ((rc = cli_parse(argc, argv, opts, &com, pos, 3, &npos)))
        return rc;
    if (com.help || npos == 0)
        return cli_usage(usage), com.help ? EXIT_OK : EXIT_USAGE;
    sub = pos[0];
    size_t want = strcmp(sub, "list") == 0 ? 1
                  : strcmp(sub, "credit") == 0 || strcmp(sub, "adjust") == 0 ||
                          strcmp(sub, "limit") == 0
                      ? 3
                  : strcmp(sub, "add") == 0 || strcmp(sub, "show") == 0 ||
                          strcmp(sub, "history") == 0 ||
                          strcmp(sub, "contact") == 0
                      ? 2
                      : 0;
    if (!want || npos != want)
        return cli_usage(usage);
    if (strcmp(sub, "contact") == 0 && !cvals[12])
        cvals[12] = email; /* --email reads naturally here too */
    if ((rc = cli_open(&com, APP_OPEN_STORE, &app)))
        return rc;
    rm_err_clear(&err);
    if (strcmp(sub, "add") == 0) {
        int64_t id;
        if ((rc = account_add(app, pos[1], email, limit, auto_renew, &id,
                              &err)) == 0 &&
            (rc = account_get_id(app, id, &a, &err)) == 0) {
            if (com.json)
                cli_json_print(present_account(&a, PRESENT_CLI));
            else
                printf("added account %" PRId64 " \"%s\"\n", a.id, a.name);
        }
    } else if (strcmp(sub, "list") == 0) {
        struct account *v;
        size_t n;
        if ((rc = account_list(app, all, &v, &n, &err)) == 0) {
            if (com.json) {
                json_t *arr = json_array();
                for (size_t i = 0; i < n; i++)
                    json_array_append_new(arr,
                                          present_account(&v[i], PRESENT_CLI));
                cli_json_print(arr);
            } else {
                static const char *head[] = {"ID",      "NAME",  "EMAIL",
                                             "BALANCE", "LIMIT", "DOMAINS"};
                struct cli_table t;
                cli_table_init(&t, 6, head);
                for (size_t i = 0; i < n; i++) {
                    char id[24], b[MONEY_STR_MAX], l[MONEY_STR_MAX], d[24];
                    snprintf(id, sizeof id, "%" PRId64, v[i].id);
                    snprintf(d, sizeof d, "%" PRId64, v[i].domains);
                    cli_table_row(&t, id, v[i].name, v[i].email,
                                  money_format(v[i].balance, b),
                                  money_format(v[i].credit_limit, l), d);
                }
                cli_table_print(&t);
            }
            free(v);
        }
    } else if ((rc = account_get(app, pos[1], &a, &err)) < 0) {
        /* unknown account: reported below */
    } else if (strcmp(sub, "show") == 0) {
        struct contact c;
        struct rm_err ig;
        struct registrant x;
        bool has = contact_get(app, a.id, "owner", &c, &ig) == 0;
        if ((rc = registrant_get(app, a.id, &x, &err)) < 0)
            goto out;
        if (com.json) {
            json_t *j = present_account(&a, PRESENT_CLI);
            json_object_set_new(j, "owner_contact",
                                has ? json_pack("{s:s,s:s,s:s}", "first_name",
                                                c.first_name, "last_name",
                                                c.last_name, "email", c.email)
                                    : json_null());
            json_object_set_new(j, "registrant", registrant_json(&x));
            cli_json_print(j);
        } else {
            char b[MONEY_STR_MAX], l[MONEY_STR_MAX];
            cli_kv("id", "%" PRId64, a.id);
            cli_kv("name", "%s", a.name);
            cli_kv("email", "%s", a.email[0] ? a.email : "-");
            cli_kv("balance", "%s %s", money_format(a.balance, b), a.currency);
            cli_kv("credit limit", "%s", money_format(a.credit_limit, l));
            cli_kv("auto renew", "%s", a.auto_renew ? "yes" : "no");
            cli_kv("domains", "%" PRId64, a.domains);
            if (has)
                cli_kv("owner contact", "%s %s <%s>", c.first_name, c.last_name,
                       c.email);
            else
                cli_kv("owner contact", "- (needed to register)");
            registrant_kv(&x);
        }
    } else if (strcmp(sub, "credit") == 0 || strcmp(sub, "adjust") == 0) {
        int64_t amount;
        char *gen = NULL;
        bool credit = strcmp(sub, "credit") == 0;
        rc = credit ? money_parse(pos[2], &amount, &err)
                    : money_parse_signed(pos[2], &amount, &err);
        if (rc == 0 && !credit && (!memo || !*memo))
            rc = rm_err_set(&err, RM_EINVAL, "an adjustment needs --memo");
        if (rc == 0) {
            if (!ref) {
                gen = secret_random_text(16);
                ref = gen;
            }
            rc = credit ? ledger_credit(app->st, a.id, amount, ref, memo,
                                        clock_now(), &err)
                        : ledger_adjust(app->st, a.id, amount, ref, memo,
                                        clock_now(), &err);
            if (rc >= 0) {
                bool replay = rc == LEDGER_REPLAYED;
                char b[MONEY_STR_MAX];
                rc = account_get_id(app, a.id, &a, &err);
                if (rc == 0 && com.json) {
                    json_t *j = present_account(&a, PRESENT_CLI);
                    json_object_set_new(j, "replayed", json_boolean(replay));
                    json_object_set_new(j, "ref", json_string(ref));
                    cli_json_print(j);
                } else if (rc == 0) {
                    printf("%s%s: balance %s %s\n", sub,
                           replay ? " (already recorded, nothing changed)" : "",
                           money_format(a.balance, b), a.currency);
                }
            }
        }
        free(gen);
    } else if (strcmp(sub, "limit") == 0) {
        if ((rc = account_set_limit(app, a.id, pos[2], &err)) == 0 &&
            (rc = account_get_id(app, a.id, &a, &err)) == 0) {
            if (com.json)
                cli_json_print(present_account(&a, PRESENT_CLI));
            else
                printf("credit limit of %s set\n", a.name);
        }
    } else if (strcmp(sub, "history") == 0) {
        static const char *head[] = {"AT",      "KIND", "AMOUNT",
                                     "BALANCE", "OP",   "MEMO"};
        struct cli_table t;
        struct hist h = {.json = com.json};
        int64_t lim = 0;
        if (hl &&
            (rc = conn_parse_int("--limit", hl, 1, 1000000, &lim, &err)) < 0)
            goto out;
        cli_table_init(&t, 6, head);
        h.t = &t;
        if (com.json)
            h.arr = json_array();
        rc = ledger_history(app->st, a.id, lim, hist_line, &h, &err);
        if (rc >= 0) {
            rc = 0;
            if (com.json)
                cli_json_print(h.arr);
            else
                cli_table_print(&t);
        } else {
            json_decref(h.arr);
            cli_table_print(&t);
        }
    } else {
        bool extras = xu.cira_legal_type || tm || no_tm ||
                      xu.us_nexus_category || xu.us_app_purpose ||
                      xu.us_nexus_validator;
        if (tm && no_tm) {
            rc = rm_err_set(&err, RM_EINVAL,
                            "--cira-trademark and --no-cira-trademark "
                            "contradict each other");
            goto out;
        }
        xu.cira_trademark = tm ? 1 : no_tm ? 0 : -1;
        rc = do_contact(app, &a, type, cvals, extras ? &xu : NULL, com.json,
                        &err);
    }
out:
    app_close(app);
    return rc < 0 ? cli_fail(rc, &err) : EXIT_OK;
}
