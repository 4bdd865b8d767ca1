/*
 * cmd_domain_search - `regman domain search TEXT [--max N] [--account A]`:
 * a word or a name across every TLD sold, with availability and price,
 * then names like it (core/shop.h; docs/regman.1).
 *
 * Exit status: 0 answered (by at least one registrar), 1 no registrar
 * answered (every TLD is unknown), 2 bad input or usage (also: no TLD is
 * sold, no such account), 4 system error.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli/cli.h"
#include "cli/cmd_core.h"
#include "core/conn.h"
#include "core/money.h"
#include "core/shop.h"
#include "present/present.h"

static const char usage[] =
    "regman domain search TEXT [--max N] [--account A]\n"
    "  TEXT: a word (mynewshop) or a name (mynewshop.com, mynewshop.xyz)\n"
    "common: -c FILE, --json";

bool cmd_domain_is_search(int argc, char **argv)
{
    static const char *const valued[] = {"-c", "--config", "--account",
                                         "--max"};
    for (int i = 1; i < argc; i++) {
        bool skip = false;
        if (strcmp(argv[i], "--") == 0)
            return i + 1 < argc && strcmp(argv[i + 1], "search") == 0;
        for (size_t k = 0; k < sizeof valued / sizeof valued[0]; k++)
            if (strcmp(argv[i], valued[k]) == 0)
                skip = true;
        if (skip) {
            i++;
            continue;
        }
        if (argv[i][0] == '-')
            continue;
        return strcmp(argv[i], "search") == 0;
    }
    return false;
}

/* price_text - what the price column says about it. */
static void price_text(const struct shop_item *it, const char *currency,
                       char *out, size_t n)
{
    char m[MONEY_STR_MAX];
    if (it->premium) {
        snprintf(out, n, "premium: not offered");
        return;
    }
    if (it->price < 0) {
        int y = 1;
        while (y <= TLD_MAX_TERM && it->terms[y] < 0)
            y++;
        if (y > TLD_MAX_TERM)
            snprintf(out, n, "no price");
        else
            snprintf(out, n, "%s %s for %d years",
                     money_format(it->terms[y], m), currency, y);
        return;
    }
    snprintf(out, n, "%s %s", money_format(it->price, m), currency);
}

static void avail_text(const struct shop_item *it, char *out, size_t n)
{
    const char *w = it->mine ? "yours" : shop_avail_name(it->availability);
    if (it->availability == SHOP_UNKNOWN && it->reason[0])
        snprintf(out, n, "unknown (%.200s)", it->reason);
    else if (it->availability == SHOP_TAKEN && !it->mine && it->reason[0])
        snprintf(out, n, "%s (%.200s)", w, it->reason);
    else
        snprintf(out, n, "%s", w);
}

static void print_items(const struct shop_item *v, size_t n,
                        const char *currency)
{
    static const char *head[] = {"NAME", "AVAILABILITY", "PRICE (1 YEAR)"};
    struct cli_table t;
    cli_table_init(&t, 3, head);
    for (size_t i = 0; i < n; i++) {
        char a[300], p[96];
        avail_text(&v[i], a, sizeof a);
        price_text(&v[i], currency, p, sizeof p);
        cli_table_row(&t, v[i].unicode, a, p);
    }
    cli_table_print(&t);
}

int cmd_domain_search(int argc, char **argv)
{
    struct cli_common com = {0};
    const char *pos[2], *account = NULL, *max_s = NULL;
    struct cli_opt opts[] = {{"account", OPT_VALUE, &account},
                             {"max", OPT_VALUE, &max_s},
                             {NULL, 0, NULL}};
    struct shop_result r;
    struct rm_err err;
    struct app *app;
    int64_t max = 0;
    size_t npos;
    int rc;

    if ((rc = cli_parse(argc, argv, opts, &com, pos, 2, &npos)))
        return rc;
    if (com.help)
        return cli_usage(usage), EXIT_OK;
    if (npos != 2)
        return cli_usage(usage);
    rm_err_clear(&err);
    if (max_s &&
        conn_parse_int("--max", max_s, 1, SHOP_MAX_LIMIT, &max, &err) < 0)
        return cli_fail(RM_EINVAL, &err);
    if ((rc = cli_open(&com, APP_RECOVER, &app)))
        return rc;
    rc = shop_search(app, pos[1], account, (int)max, &r, &err);
    char currency[8];
    snprintf(currency, sizeof currency, "%s", app->set.currency);
    app_close(app);
    if (rc < 0)
        return cli_fail(rc, &err);
    if (com.json) {
        cli_json_print(present_search(&r, currency, PRESENT_CLI));
    } else {
        if (r.typed_tld[0] && !r.typed_sold)
            printf(".%s is not offered here: %s in the TLDs we sell\n",
                   r.typed_tld, r.label_unicode);
        print_items(r.results, r.n, currency);
        if (r.nsug) {
            printf("\nSuggestions:\n");
            print_items(r.suggestions, r.nsug, currency);
        }
        if (!r.answered)
            printf("\nNo registrar answered: availability is unknown.\n");
    }
    rc = r.answered ? EXIT_OK : EXIT_REFUSED;
    shop_result_release(&r);
    return rc;
}
