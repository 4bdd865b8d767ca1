/*
 * cmd_tld - `regman tld set|list|show|rm|import-prices`.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/cmd_core.h"
#include "core/money.h"
#include "core/priceimport.h"
#include "present/present.h"
#include "present/present_prices.h"
#include "core/tld.h"

static const char usage[] =
    "regman tld set .TLD [--registrar CONN] [--terms 1-10] "
    "[--price OP:TERM=AMOUNT]...\n"
    "              [--no-price OP:TERM]... [--first-check DUR|inherit] "
    "[--poll-interval DUR|inherit]\n"
    "              [--deadline DUR|inherit] [--transfer-deadline "
    "DUR|inherit]\n"
    "              [--grace-days N|inherit] [--redemption-days N|inherit]\n"
    "              [--pending-delete-days N|inherit] [--grace-fee "
    "AMOUNT|none]\n"
    "              [--restore-fee AMOUNT|none]\n"
    "       regman tld list | show .TLD | rm .TLD\n"
    "       regman tld import-prices CONNECTION [--tld .com[,.net]]... "
    "[--markup PCT]\n"
    "              [--add AMOUNT] [--round .99] [--apply]\n"
    "OP is register, renew or transfer (TERM 1-10), or privacy (the yearly\n"
    "price of WHOIS privacy: privacy:1=AMOUNT; none = free); AMOUNT like 12\n"
    "or 12.50; common: -c FILE, --json.\n"
    "import-prices reads the registrar's prices (GET_PRICE) as the cost of\n"
    "each TLD of CONNECTION, operation and term and proposes cost * (1 +\n"
    "PCT/100) + AMOUNT, rounded up to the cent and then up to the cents of\n"
    "--round; --apply writes the proposals as the TLD prices.";

static void terms_text(unsigned mask, char *buf, size_t n)
{
    size_t len = 0;

    buf[0] = '\0';
    for (int y = 1; y <= TLD_MAX_TERM; y++)
        if (mask & (1u << y))
            len +=
                (size_t)snprintf(buf + len, n - len, "%s%d", len ? "," : "", y);
}

static void price_text(const struct tld *t, enum tld_op op, char *buf, size_t n)
{
    size_t len = 0;
    char m[MONEY_STR_MAX];

    buf[0] = '\0';
    for (int y = 1; y <= TLD_MAX_TERM; y++)
        /* Privacy is a yearly price, not an orderable term. */
        if (t->price[op][y] >= 0 &&
            (op == TLD_PRIVACY || (t->allowed_terms & (1u << y))))
            len +=
                (size_t)snprintf(buf + len, n - len, "%s%dy=%s", len ? " " : "",
                                 y, money_format(t->price[op][y], m));
    if (!len)
        snprintf(buf, n, "-");
}

/* expiry_text - "grace 30d fee 0.00, redemption 30d restore 80.00,
 * pending delete 5d". */
static void expiry_text(const struct tld_expiry_cfg *c, char *buf, size_t n)
{
    char g[MONEY_STR_MAX], r[MONEY_STR_MAX] = "none";

    if (c->restore_fee >= 0)
        money_format(c->restore_fee, r);
    snprintf(buf, n,
             "grace %dd fee %s, redemption %dd restore %s, pending delete %dd",
             c->grace_days, money_format(c->grace_fee, g), c->redemption_days,
             r, c->pending_delete_days);
}

/* import_line - "com register 1y: cost 8.50, price 12.50 -> 11.99". */
static void import_line(const struct priceimport_row *w)
{
    char c[MONEY_STR_MAX], o[MONEY_STR_MAX] = "-", p[MONEY_STR_MAX];

    if (w->status != PRICEIMPORT_READ) {
        printf("%s %s %dy: skipped, %s\n", w->tld, tld_op_name(w->op), w->term,
               w->note);
        return;
    }
    if (w->old >= 0)
        money_format(w->old, o);
    printf("%s %s %dy: cost %s, price %s -> %s%s\n", w->tld, tld_op_name(w->op),
           w->term, money_format(w->cost, c), o, money_format(w->proposed, p),
           w->changed ? "" : " (unchanged)");
}

/* import_prices - `regman tld import-prices CONNECTION ...`. */
static int import_prices(struct app *app, const char *conn,
                         const struct cli_list *tlds, const char *markup,
                         const char *add, const char *round, bool apply,
                         bool json, struct rm_err *err)
{
    char buf[1024];
    const char *names[PRICEIMPORT_MAX_TLDS + 1];
    struct priceimport_req q = {0};
    struct priceimport_result res;
    size_t n = 0, len = 0;
    int rc;

    memset(&res, 0, sizeof res);
    /* --tld .com,.net and --tld .com --tld .net alike */
    for (size_t i = 0; i < tlds->n; i++) {
        const char *p = tlds->v[i];
        while (*p) {
            size_t k = strcspn(p, ",");
            if (k && len + k + 1 <= sizeof buf &&
                n < PRICEIMPORT_MAX_TLDS + 1) {
                memcpy(buf + len, p, k);
                buf[len + k] = '\0';
                names[n++] = buf + len;
                len += k + 1;
            } else if (k) {
                return rm_err_set(err, RM_ELIMIT, "--tld: too many TLDs");
            }
            p += k + (p[k] == ',');
        }
    }
    if (tlds->n && !n)
        return rm_err_set(err, RM_EINVAL, "--tld: name at least one TLD");
    if ((rc = priceimport_rule_parse(markup, add, round, &q.rule, err)) < 0)
        return rc;
    q.connection = conn;
    q.tlds = n ? names : NULL;
    q.ntlds = n;
    q.apply = apply;
    rc = priceimport_run(app, &q, &res, err);
    if (rc == 0 && json) {
        cli_json_print(present_price_import(&res, PRESENT_CLI));
    } else if (rc == 0) {
        for (size_t i = 0; i < res.nrows; i++)
            import_line(&res.rows[i]);
        printf("connection %s: %zu price(s) read, %zu %s, %zu unchanged, "
               "%zu skipped; %s\n",
               res.connection, res.nread, res.nchanged,
               apply ? "changed" : "would change", res.nread - res.nchanged,
               res.nskipped,
               apply ? (res.nchanged ? "applied" : "nothing to apply")
                     : "dry run, nothing applied (--apply writes them)");
    }
    priceimport_result_free(&res);
    return rc;
}

int cmd_tld(int argc, char **argv)
{
    struct cli_common com = {0};
    struct tld_set_req r = {0};
    struct cli_list prices = {0}, unprices = {0}, tlds = {0};
    const char *markup = NULL, *add = NULL, *round = NULL;
    bool apply = false;
    const char *pos[2];
    size_t npos;
    struct rm_err err;
    struct app *app;
    struct cli_opt opts[] = {
        {"registrar", OPT_VALUE, &r.connection},
        {"terms", OPT_VALUE, &r.terms},
        {"price", OPT_LIST, &prices},
        {"no-price", OPT_LIST, &unprices},
        {"first-check", OPT_VALUE, &r.first_check},
        {"poll-interval", OPT_VALUE, &r.poll_interval},
        {"deadline", OPT_VALUE, &r.deadline_reg},
        {"transfer-deadline", OPT_VALUE, &r.deadline_xfer},
        {"grace-days", OPT_VALUE, &r.grace_days},
        {"redemption-days", OPT_VALUE, &r.redemption_days},
        {"pending-delete-days", OPT_VALUE, &r.pending_delete_days},
        {"grace-fee", OPT_VALUE, &r.grace_fee},
        {"restore-fee", OPT_VALUE, &r.restore_fee},
        {"tld", OPT_LIST, &tlds},
        {"markup", OPT_VALUE, &markup},
        {"add", OPT_VALUE, &add},
        {"round", OPT_VALUE, &round},
        {"apply", OPT_FLAG, &apply},
        {NULL, 0, NULL}};
    const char *sub;
    int rc;

    if ((rc = cli_parse(argc, argv, opts, &com, pos, 2, &npos)))
        return rc;
    if (com.help || npos == 0)
        return cli_usage(usage), com.help ? EXIT_OK : EXIT_USAGE;
    sub = pos[0];
    if (strcmp(sub, "list") == 0 ? npos != 1 : npos != 2)
        return cli_usage(usage);
    if (strcmp(sub, "set") && strcmp(sub, "list") && strcmp(sub, "show") &&
        strcmp(sub, "rm") && strcmp(sub, "import-prices"))
        return cli_usage(usage);
    bool import = strcmp(sub, "import-prices") == 0;
    /* the options of import-prices and of set are not each other's */
    bool import_opts = tlds.n || markup || add || round || apply;
    bool set_opts = r.connection || r.terms || prices.n || unprices.n ||
                    r.first_check || r.poll_interval || r.deadline_reg ||
                    r.deadline_xfer || r.grace_days || r.redemption_days ||
                    r.pending_delete_days || r.grace_fee || r.restore_fee;
    if (import ? set_opts : import_opts)
        return cli_usage(usage);
    if ((rc = cli_open(&com, APP_OPEN_STORE | (import ? APP_OPEN_KEY : 0),
                       &app)))
        return rc;
    rm_err_clear(&err);
    if (import) {
        rc = import_prices(app, pos[1], &tlds, markup, add, round, apply,
                           com.json, &err);
    } else if (strcmp(sub, "set") == 0) {
        struct tld t;
        r.tld = pos[1];
        r.prices = prices.v;
        r.nprices = prices.n;
        r.unprices = unprices.v;
        r.nunprices = unprices.n;
        if ((rc = tld_set_get(app, &r, &t, &err)) == 0) {
            if (com.json)
                cli_json_print(present_tld(&t, true, PRESENT_CLI));
            else
                printf(".%s -> %s\n", t.tld, t.connection);
        }
    } else if (strcmp(sub, "rm") == 0) {
        if ((rc = tld_remove(app, pos[1], &err)) == 0)
            printf("removed %s\n", pos[1]);
    } else {
        struct tld *v = NULL, one;
        size_t n = 0;
        if (strcmp(sub, "show") == 0) {
            char name[NAME_MAX_ASCII + 1];
            if ((rc = tld_normalize(pos[1], name, sizeof name, &err)) == 0 &&
                (rc = tld_get(app, name, &one, &err)) == 0) {
                v = &one;
                n = 1;
            }
        } else {
            rc = tld_list(app, &v, &n, &err);
        }
        if (rc == 0 && com.json) {
            json_t *a = json_array();
            for (size_t i = 0; i < n; i++)
                json_array_append_new(a, present_tld(&v[i], true, PRESENT_CLI));
            cli_json_print(strcmp(sub, "show") == 0
                               ? json_incref(json_array_get(a, 0))
                               : json_incref(a));
            json_decref(a);
        } else if (rc == 0) {
            static const char *head[] = {
                "TLD",      "CONNECTION", "TERMS",   "REGISTER",    "RENEW",
                "TRANSFER", "PRIVACY",    "WINDOWS", "AFTER EXPIRY"};
            struct cli_table t;
            cli_table_init(&t, 9, head);
            for (size_t i = 0; i < n; i++) {
                char terms[40], p[TLD_NOPS][400], win[96], after[160];
                terms_text(v[i].allowed_terms, terms, sizeof terms);
                for (int o = 0; o < TLD_NOPS; o++)
                    price_text(&v[i], (enum tld_op)o, p[o], sizeof p[o]);
                snprintf(win, sizeof win,
                         "first %" PRId64 "s poll %" PRId64
                         "s deadline %" PRId64 "s/%" PRId64 "s",
                         v[i].eff_first_check_s, v[i].eff_poll_interval_s,
                         v[i].eff_deadline_reg_s, v[i].eff_deadline_xfer_s);
                expiry_text(&v[i].expiry, after, sizeof after);
                cli_table_row(&t, v[i].tld, v[i].connection, terms,
                              p[TLD_REGISTER], p[TLD_RENEW], p[TLD_TRANSFER],
                              p[TLD_PRIVACY], win, after);
            }
            cli_table_print(&t);
        }
        if (v != &one)
            free(v);
    }
    app_close(app);
    return rc < 0 ? cli_fail(rc, &err) : EXIT_OK;
}
