/*
 * cmd_reseller - `regman reseller add|list|show|customer-add|wholesale|
 * prices` (core/reseller.h, docs/resellers.md).
 *
 * Exit status: 0 done; 1 refused; 2 bad usage or input (nothing
 * written); 4 system error.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/cmd_core.h"
#include "core/account.h"
#include "core/money.h"
#include "core/reseller.h"
#include "core/tld.h"
#include "present/present.h"

static const char usage[] =
    "regman reseller add NAME [--email E] [--credit-limit AMOUNT]\n"
    "       regman reseller list | show NAME\n"
    "       regman reseller customer-add RESELLER NAME [--email E] "
    "[--credit-limit AMOUNT] [--auto-renew]\n"
    "       regman reseller wholesale [.TLD --price OP:TERM=AMOUNT|none ...]\n"
    "       regman reseller wholesale --rule-markup PCT [--rule-add AMOUNT] | "
    "--no-rule\n"
    "       regman reseller prices NAME [.TLD --price OP:TERM=AMOUNT|none "
    "...] [--markup PCT|none]\n"
    "       regman reseller set NAME [--license-file F | --no-license] "
    "[--ns a,b | --ns default]\n"
    "OP is register, renew or transfer, TERM 1-10, AMOUNT like 15 or 15.00;\n"
    "wholesale: the provider's prices for resellers, and its rule for what\n"
    "has none (the registrar's cost + PCT % + AMOUNT); prices: a reseller's\n"
    "retail prices (never below wholesale) and its markup rule over\n"
    "wholesale for what it did not price; set: the agreement its customers\n"
    "accept after the registrar's, and the nameservers their orders default\n"
    "to; common: -c FILE, --json";

static json_t *figures_json(const struct account *a,
                            const struct reseller_figures *f)
{
    json_t *j = json_object();
    json_object_set_new(j, "id", json_integer(a->id));
    json_object_set_new(j, "name", json_string(a->name));
    json_object_set_new(j, "email", json_string(a->email));
    json_object_set_new(j, "balance", present_money(PRESENT_CLI, f->balance));
    json_object_set_new(j, "credit_limit",
                        present_money(PRESENT_CLI, f->credit_limit));
    json_object_set_new(j, "customers", json_integer(f->customers));
    json_object_set_new(j, "sales", present_money(PRESENT_CLI, f->sales));
    json_object_set_new(j, "wholesale_paid",
                        present_money(PRESENT_CLI, f->wholesale));
    json_object_set_new(j, "margin",
                        present_money(PRESENT_CLI, f->sales - f->wholesale));
    json_object_set_new(j, "markup_pct",
                        f->markup_bp >= 0
                            ? json_real((double)f->markup_bp / 100.0)
                            : json_null());
    return j;
}

static void figures_print(const struct account *a,
                          const struct reseller_figures *f)
{
    char m1[MONEY_STR_MAX], m2[MONEY_STR_MAX];

    cli_kv("reseller", "%s (id %" PRId64 ")", a->name, a->id);
    cli_kv("email", "%s", a->email[0] ? a->email : "-");
    cli_kv("balance", "%s (credit limit %s)", money_format(f->balance, m1),
           money_format(f->credit_limit, m2));
    cli_kv("customers", "%" PRId64, f->customers);
    cli_kv("sales", "%s", money_format(f->sales, m1));
    cli_kv("wholesale paid", "%s", money_format(f->wholesale, m1));
    cli_kv("margin", "%s", money_format(f->sales - f->wholesale, m1));
    if (f->markup_bp >= 0)
        cli_kv("markup", "%" PRId64 ".%02" PRId64 " %% over wholesale",
               f->markup_bp / 100, f->markup_bp % 100);
    else
        cli_kv("markup", "none (only the prices set are sold)");
}

struct plist {
    bool json;
    json_t *arr;
    struct cli_table t;
};

static int price_row(const struct reseller_price_row *r, void *arg)
{
    struct plist *p = arg;
    char term[8], w[MONEY_STR_MAX], rt[MONEY_STR_MAX], e[MONEY_STR_MAX];

    if (p->json) {
        json_array_append_new(
            p->arr,
            json_pack("{s:s, s:s, s:i, s:o, s:s, s:o, s:o}", "tld", r->tld,
                      "operation", tld_op_name(r->op), "term", r->term,
                      "wholesale", present_money(PRESENT_CLI, r->wholesale),
                      "source", r->from_rule ? "rule" : "price", "retail",
                      r->retail >= 0 ? present_money(PRESENT_CLI, r->retail)
                                     : json_null(),
                      "price",
                      r->effective >= 0
                          ? present_money(PRESENT_CLI, r->effective)
                          : json_null()));
        return 0;
    }
    snprintf(term, sizeof term, "%dy", r->term);
    cli_table_row(
        &p->t, r->tld, tld_op_name(r->op), term, money_format(r->wholesale, w),
        r->from_rule ? "rule" : "price",
        r->retail >= 0 ? money_format(r->retail, rt) : "-",
        r->effective >= 0 ? money_format(r->effective, e) : "not sold");
    return 0;
}

static int list_prices(struct app *app, int64_t reseller_id, bool json,
                       struct rm_err *err)
{
    static const char *head[] = {"TLD",    "OPERATION", "TERM", "WHOLESALE",
                                 "SOURCE", "RETAIL",    "PRICE"};
    struct plist p = {json, json ? json_array() : NULL, {0}};
    struct reseller_wholesale_rule wr = {0};
    int rc;

    if (!json) {
        char m[MONEY_STR_MAX];
        if (reseller_id == 0 &&
            (rc = reseller_wholesale_rule_get(app, &wr, err)) < 0)
            return rc;
        if (reseller_id == 0 && wr.set)
            printf("wholesale rule: the registrar's cost + %" PRId64
                   ".%02" PRId64 " %% + %s, for what has no price\n",
                   wr.markup_bp / 100, wr.markup_bp % 100,
                   money_format(wr.add, m));
        else if (reseller_id == 0)
            printf("wholesale rule: none (only the prices set are sold)\n");
        cli_table_init(&p.t, 7, head);
    }
    rc = reseller_prices(app, reseller_id, price_row, &p, err);
    if (rc < 0) {
        json_decref(p.arr);
        if (!json)
            cli_table_free(&p.t);
        return rc;
    }
    if (json)
        cli_json_print(p.arr);
    else
        cli_table_print(&p.t);
    return 0;
}

/* set_prices - every --price of the list on tld, for reseller_id (0: the
 * wholesale list): all parsed first, then set in one transaction. */
static int set_prices(struct app *app, int64_t reseller_id, const char *tld,
                      const struct cli_list *l, struct rm_err *err)
{
    struct reseller_price_set v[CLI_MAX_LIST];
    char t[64];
    int rc;

    if ((rc = tld_normalize(tld, t, sizeof t, err)) < 0)
        return rc;
    for (size_t i = 0; i < l->n; i++)
        if ((rc = reseller_parse_price(l->v[i], &v[i].op, &v[i].term,
                                       &v[i].amount, err)) < 0)
            return rc;
    return reseller_prices_set(app, reseller_id, t, v, l->n, err);
}

/* parse_markup - "25" or "12.5" percent into basis points; "none": -1. */
static int parse_markup(const char *s, int64_t *bp, struct rm_err *err)
{
    int64_t v;
    int rc;

    if (strcmp(s, "none") == 0) {
        *bp = -1;
        return 0;
    }
    /* a percentage with up to 2 decimals reads like an amount */
    if ((rc = money_parse(s, &v, err)) < 0)
        return rm_err_set(err, RM_EINVAL,
                          "--markup \"%.40s\": a percentage like 25 or 12.5, "
                          "or none",
                          s);
    *bp = v;
    return 0;
}

int cmd_reseller(int argc, char **argv)
{
    struct cli_common com = {0};
    const char *pos[4], *email = NULL, *limit = NULL, *markup = NULL;
    const char *lfile = NULL, *nsopt = NULL;
    const char *rule_markup = NULL, *rule_add = NULL;
    bool no_license = false, no_rule = false;
    int64_t rule_bp = 0, rule_amount = 0;
    struct cli_list prices = {0};
    bool auto_renew = false;
    size_t npos = 0;
    struct app *app;
    struct rm_err err;
    struct account a;
    int64_t id = 0, bp = 0;
    const struct cli_opt opts[] = {{"email", OPT_VALUE, &email},
                                   {"credit-limit", OPT_VALUE, &limit},
                                   {"auto-renew", OPT_FLAG, &auto_renew},
                                   {"price", OPT_LIST, &prices},
                                   {"markup", OPT_VALUE, &markup},
                                   {"license-file", OPT_VALUE, &lfile},
                                   {"no-license", OPT_FLAG, &no_license},
                                   {"ns", OPT_VALUE, &nsopt},
                                   {"rule-markup", OPT_VALUE, &rule_markup},
                                   {"rule-add", OPT_VALUE, &rule_add},
                                   {"no-rule", OPT_FLAG, &no_rule},
                                   {NULL, 0, NULL}};
    const char *sub;
    int rc;

    if ((rc = cli_parse(argc, argv, opts, &com, pos, 3, &npos)))
        return rc;
    if (com.help || npos == 0)
        return cli_usage(usage), com.help ? EXIT_OK : EXIT_USAGE;
    sub = pos[0];
    bool ok =
        (strcmp(sub, "list") == 0 && npos == 1) ||
        ((strcmp(sub, "add") == 0 || strcmp(sub, "show") == 0) && npos == 2) ||
        (strcmp(sub, "customer-add") == 0 && npos == 3) ||
        (strcmp(sub, "wholesale") == 0 && npos <= 2 &&
         (npos == 2) == (prices.n > 0)) ||
        (strcmp(sub, "prices") == 0 && npos >= 2 && npos <= 3 &&
         (npos == 3) == (prices.n > 0)) ||
        (strcmp(sub, "set") == 0 && npos == 2 &&
         (lfile || no_license || nsopt) && !(lfile && no_license));
    if (!ok)
        return cli_usage(usage);
    rm_err_clear(&err);
    if (markup && strcmp(sub, "prices") != 0)
        return cli_usage("--markup goes with: regman reseller prices NAME");
    if (markup && (rc = parse_markup(markup, &bp, &err)) < 0)
        return cli_fail(rc, &err);
    if ((rule_markup || rule_add || no_rule) &&
        (strcmp(sub, "wholesale") != 0 || npos != 1 ||
         !!rule_markup == no_rule))
        return cli_usage("regman reseller wholesale --rule-markup PCT "
                         "[--rule-add AMOUNT] | --no-rule (without .TLD)");
    if (rule_markup && (strcmp(rule_markup, "none") == 0 ||
                        parse_markup(rule_markup, &rule_bp, &err) < 0 ||
                        rule_bp > RESELLER_MARKUP_MAX_BP)) {
        rm_err_set(&err, RM_EINVAL,
                   "--rule-markup \"%.40s\": a percentage from 0 to %d, like "
                   "10 or 12.5",
                   rule_markup, RESELLER_MARKUP_MAX_BP / 100);
        return cli_fail(RM_EINVAL, &err);
    }
    if (rule_add && (rc = money_parse(rule_add, &rule_amount, &err)) < 0) {
        rm_err_prefix(&err, "--rule-add: ");
        return cli_fail(rc, &err);
    }
    char *ltext = NULL;
    if (lfile) {
        /* read before anything is opened: a bad file changes nothing */
        FILE *f = fopen(lfile, "rb");
        size_t cap = RESELLER_LICENSE_MAX + 2, n = 0;
        if (!f) {
            rm_err_set(&err, RM_EINVAL, "%s: cannot read it", lfile);
            return cli_fail(RM_EINVAL, &err);
        }
        ltext = calloc(1, cap);
        if (ltext)
            n = fread(ltext, 1, cap - 1, f);
        fclose(f);
        if (!ltext || n > RESELLER_LICENSE_MAX || memchr(ltext, 0, n)) {
            free(ltext);
            rm_err_set(&err, RM_EINVAL,
                       "license file: at most %d bytes of text",
                       RESELLER_LICENSE_MAX);
            return cli_fail(RM_EINVAL, &err);
        }
    }
    if ((rc = cli_open(&com, APP_OPEN_STORE, &app))) {
        free(ltext);
        return rc;
    }
    if (strcmp(sub, "set") == 0) {
        if ((rc = reseller_get(app, pos[1], &id, &err)) == 0)
            rc = reseller_settings_set(app, id, no_license ? "" : ltext,
                                       !nsopt                          ? NULL
                                       : strcmp(nsopt, "default") == 0 ? ""
                                                                       : nsopt,
                                       &err);
        if (rc == 0) {
            struct reseller_settings st;
            if ((rc = reseller_settings_get(app, id, &st, &err)) == 0) {
                if (com.json)
                    cli_json_print(json_pack(
                        "{s:s, s:s, s:s}", "reseller", pos[1], "license_text",
                        st.license_text, "nameservers", st.nameservers));
                else
                    printf("reseller %s: agreement %s, nameservers %s\n",
                           pos[1], *st.license_text ? "set" : "none",
                           st.nameservers[0] ? st.nameservers
                                             : "the connection's");
                reseller_settings_release(&st);
            }
        }
    } else if (strcmp(sub, "add") == 0) {
        if ((rc = reseller_add(app, pos[1], email, limit, &id, &err)) == 0 &&
            (rc = account_get_id(app, id, &a, &err)) == 0) {
            if (com.json)
                cli_json_print(present_account(&a, PRESENT_CLI));
            else
                printf("added reseller %" PRId64 " \"%s\"\n", a.id, a.name);
        }
    } else if (strcmp(sub, "list") == 0) {
        int64_t *ids = NULL;
        size_t n = 0;
        json_t *arr = com.json ? json_array() : NULL;
        static const char *head[] = {"ID",    "NAME",      "BALANCE",
                                     "LIMIT", "CUSTOMERS", "MARGIN"};
        struct cli_table t;
        if (!com.json)
            cli_table_init(&t, 6, head);
        rc = reseller_list(app, &ids, &n, &err);
        for (size_t i = 0; rc == 0 && i < n; i++) {
            struct reseller_figures f;
            if ((rc = account_get_id(app, ids[i], &a, &err)) < 0 ||
                (rc = reseller_figures(app, ids[i], &f, &err)) < 0)
                break;
            if (com.json) {
                json_array_append_new(arr, figures_json(&a, &f));
            } else {
                char s1[24], b[MONEY_STR_MAX], l[MONEY_STR_MAX], c[24],
                    m[MONEY_STR_MAX];
                snprintf(s1, sizeof s1, "%" PRId64, a.id);
                snprintf(c, sizeof c, "%" PRId64, f.customers);
                cli_table_row(&t, s1, a.name, money_format(f.balance, b),
                              money_format(f.credit_limit, l), c,
                              money_format(f.sales - f.wholesale, m));
            }
        }
        free(ids);
        if (com.json) {
            if (rc == 0)
                cli_json_print(arr);
            else
                json_decref(arr);
        } else {
            if (rc == 0)
                cli_table_print(&t);
            else
                cli_table_free(&t);
        }
    } else if (strcmp(sub, "show") == 0) {
        struct reseller_figures f;
        if ((rc = reseller_get(app, pos[1], &id, &err)) == 0 &&
            (rc = account_get_id(app, id, &a, &err)) == 0 &&
            (rc = reseller_figures(app, id, &f, &err)) == 0) {
            if (com.json)
                cli_json_print(figures_json(&a, &f));
            else
                figures_print(&a, &f);
        }
    } else if (strcmp(sub, "customer-add") == 0) {
        int64_t cid;
        if ((rc = reseller_get(app, pos[1], &id, &err)) == 0 &&
            (rc = reseller_customer_add(app, id, pos[2], email, limit,
                                        auto_renew, &cid, &err)) == 0 &&
            (rc = account_get_id(app, cid, &a, &err)) == 0) {
            if (com.json)
                cli_json_print(present_account(&a, PRESENT_CLI));
            else
                printf("added account %" PRId64 " \"%s\" for reseller %s\n",
                       a.id, a.name, pos[1]);
        }
    } else if (strcmp(sub, "wholesale") == 0) {
        if (npos == 2)
            rc = set_prices(app, 0, pos[1], &prices, &err);
        else if (rule_markup)
            rc = reseller_wholesale_rule_set(app, rule_bp, rule_amount, &err);
        else if (no_rule)
            rc = reseller_wholesale_rule_clear(app, &err);
        if (rc == 0)
            rc = list_prices(app, 0, com.json, &err);
    } else {
        if ((rc = reseller_get(app, pos[1], &id, &err)) == 0 && npos == 3)
            rc = set_prices(app, id, pos[2], &prices, &err);
        if (rc == 0 && markup)
            rc = reseller_markup_set(app, id, bp, &err);
        if (rc == 0)
            rc = list_prices(app, id, com.json, &err);
    }
    app_close(app);
    free(ltext);
    if (rc < 0)
        return cli_fail(rc, &err);
    return EXIT_OK;
}
