/*
 * cmd_domain_manage - `regman domain
 * ns|host|contacts|lock|privacy|auth-code|changes`:
 * what the owner of a registered domain changes after the sale
 * (core/domchange.h; docs/regman.1). --account A acts as that customer: only
 * its domains.
 *
 * Exit status: 0 done (or read), 1 refused by the registrar or a check,
 * 3 unknown (the answer was lost and the read-back could not tell), 2 bad
 * usage, 4 system error.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli/cli.h"
#include "cli/cmd_core.h"
#include "core/conn.h"
#include "core/domchange.h"
#include "core/money.h"
#include "core/tld.h"
#include "present/present.h"
#include "util/clock.h"

static const char usage[] =
    "regman domain ns NAME [--set a,b,...] [--account A]\n"
    "       regman domain host NAME [add|set|rm HOST] [--ip A[,B]] "
    "[--rename NEW] [--account A]\n"
    "       regman domain contacts NAME [--type owner|admin|billing|tech] "
    "[--first-name F --last-name L --org-name O --address1 A --address2 A "
    "--city C --state S --postal-code P --country CC --phone +1.5555555555 "
    "--fax F --email E --lang L] [--all-domains] [--account A]\n"
    "       regman domain contacts NAME.us --us-nexus C11|C12|C21|C31|C32 "
    "--us-purpose P1..P5 [--us-validator CC] [--account A]\n"
    "       regman domain lock NAME [on|off] [--account A]\n"
    "       regman domain privacy NAME [on|off] [--account A] (on is charged "
    "where the TLD has a privacy price)\n"
    "       regman domain auth-code NAME [--send | --reset | --set CODE] "
    "[--account A]\n"
    "       regman domain changes NAME [--account A] [--limit N]\n"
    "common: -c FILE, --json";

static int exit_for(const struct domchange_result *r)
{
    int o = domchange_outcome(r);
    return o == 0 ? EXIT_OK : o < 0 ? EXIT_REFUSED : EXIT_PENDING;
}

static void print_result(const char *what, const struct domchange_result *r,
                         bool json)
{
    if (json) {
        json_t *j = json_object();
        json_object_set_new(j, "domain", json_string(r->domain));
        json_object_set_new(j, "change", json_integer(r->id));
        json_object_set_new(j, "state", json_string(r->state));
        json_object_set_new(j, "answer", json_string(r->answer));
        if (r->auth_code[0])
            json_object_set_new(j, "auth_code", json_string(r->auth_code));
        if (r->op_id) {
            json_object_set_new(j, "operation", json_integer(r->op_id));
            json_object_set_new(j, "operation_state", json_string(r->op_state));
            json_object_set_new(j, "charged", cli_money(r->amount));
            json_object_set_new(j, "refunded", cli_money(r->refunded));
        }
        cli_json_print(j);
        return;
    }
    printf("%s of %s: %s\n", what, r->domain, r->state);
    if (r->answer[0])
        printf("  %s\n", r->answer);
    if (r->op_id) {
        char m[MONEY_STR_MAX], m2[MONEY_STR_MAX];
        printf("  operation %" PRId64 " (%s): charged %s%s%s\n", r->op_id,
               r->op_state, money_format(r->amount, m),
               r->refunded ? ", refunded " : "",
               r->refunded ? money_format(r->refunded, m2) : "");
    }
    if (r->auth_code[0])
        printf("  auth code: %s\n", r->auth_code);
}

static void print_view(const struct domchange_view *v, bool json, bool ns,
                       bool lock, bool auth)
{
    if (json) {
        json_t *j = json_object(), *a = json_array();
        json_object_set_new(j, "domain", json_string(v->domain));
        if (ns) {
            for (size_t i = 0; i < v->n_nameservers; i++)
                json_array_append_new(a, json_string(v->nameservers[i]));
            json_object_set_new(j, "nameservers", a);
        } else {
            json_decref(a);
        }
        if (lock)
            json_object_set_new(j, "locked", json_boolean(v->locked));
        if (auth)
            json_object_set_new(j, "auth_code", json_string(v->auth_code));
        cli_json_print(j);
        return;
    }
    if (ns)
        for (size_t i = 0; i < v->n_nameservers; i++)
            printf("%s\n", v->nameservers[i]);
    if (lock)
        printf("%s: %s\n", v->domain, v->locked ? "locked" : "unlocked");
    if (auth)
        printf("%s\n", v->auth_code);
}

static void print_privacy(const struct domchange_privacy_view *v, bool json)
{
    const char *offered = v->offered > 0   ? "offered"
                          : v->offered < 0 ? "not offered"
                                           : "unknown";
    char m[MONEY_STR_MAX];
    if (json) {
        cli_json_print(json_pack(
            "{s:s, s:b, s:s, s:s, s:o}", "domain", v->domain, "privacy",
            (int)v->on, "state", v->state, "offered", offered, "price",
            v->price == TLD_NOPRICE ? json_null() : cli_money(v->price)));
        return;
    }
    printf("%s: WHOIS privacy %s (%s)%s\n", v->domain, v->on ? "on" : "off",
           v->state, v->offered < 0 ? ", not offered for its TLD" : "");
    if (v->price == TLD_NOPRICE)
        printf("  free of charge\n");
    else
        printf("  %s a year, charged when it is turned on\n",
               money_format(v->price, m));
}

struct hist {
    json_t *arr; /* NULL: print */
};

static int hist_row(const struct domchange_row *r, void *arg)
{
    struct hist *h = arg;

    if (h->arr) {
        json_t *j = json_object();
        json_object_set_new(j, "id", json_integer(r->id));
        json_object_set_new(j, "kind", json_string(r->kind));
        json_object_set_new(j, "actor", json_string(r->actor));
        json_object_set_new(j, "request", json_string(r->request));
        json_object_set_new(j, "state", json_string(r->state));
        json_object_set_new(j, "answer", json_string(r->answer));
        json_object_set_new(j, "created_at", cli_time(r->created_at));
        json_object_set_new(j, "finished_at",
                            r->finished_at ? cli_time(r->finished_at)
                                           : json_null());
        json_array_append_new(h->arr, j);
        return 0;
    }
    char when[32];
    time_t t = (time_t)r->created_at;
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(when, sizeof when, "%Y-%m-%d %H:%M", &tm);
    printf("%-6lld %s  %-14s %-9s %-16s %s\n", (long long)r->id, when, r->kind,
           r->state, r->actor, r->request);
    if (r->answer && r->answer[0])
        printf("       %s\n", r->answer);
    return 0;
}

static void print_contacts(const struct reg_contacts *c, bool json)
{
    const char *names[4] = {"owner", "admin", "billing", "tech"};
    const struct reg_contact_info *v[4] = {&c->owner, &c->admin, &c->billing,
                                           &c->tech};
    const bool has[4] = {c->has_owner, c->has_admin, c->has_billing,
                         c->has_tech};
    json_t *j = json ? json_object() : NULL;

    for (int k = 0; k < 4; k++) {
        if (j) {
            json_object_set_new(
                j, names[k], has[k] ? present_reg_contact(v[k]) : json_null());
            continue;
        }
        if (!has[k]) {
            printf("%-8s -\n", names[k]);
            continue;
        }
        printf("%-8s %s %s%s%s, %s, %s %s %s, %s, %s\n", names[k],
               v[k]->first_name, v[k]->last_name, v[k]->org_name[0] ? ", " : "",
               v[k]->org_name, v[k]->address1, v[k]->postal_code, v[k]->city,
               v[k]->country, v[k]->phone, v[k]->email);
    }
    if (j)
        cli_json_print(j);
}

/* each - "apply to all my domains": one change per domain, a summary. */
struct each {
    const struct domchange_who *who;
    const char *type;
    const char *const *values;
    int ok, failed, unknown;
    json_t *arr;
    struct app *app;
};

static int each_domain(const char *domain, void *arg)
{
    struct each *e = arg;
    struct domchange_result r;
    struct rm_err err = {0};
    int rc = domchange_contacts(e->app, e->who, domain, e->type, e->values, &r,
                                &err);
    int o = rc < 0 ? RM_EREFUSED : domchange_outcome(&r);
    const char *state = rc < 0 ? "failed" : r.state;
    const char *why = rc < 0 ? err.msg : r.answer;

    if (o == 0)
        e->ok++;
    else if (o < 0)
        e->failed++;
    else
        e->unknown++;
    if (e->arr) {
        json_t *j = json_object();
        json_object_set_new(j, "domain", json_string(domain));
        json_object_set_new(j, "change",
                            rc < 0 ? json_null() : json_integer(r.id));
        json_object_set_new(j, "state", json_string(state));
        json_object_set_new(j, "answer", json_string(why));
        json_array_append_new(e->arr, j);
    } else {
        printf("%s: %s%s%s\n", domain, state, why[0] ? " - " : "", why);
    }
    return 0;
}

/* split - "a,b c" into out (pointers into buf); the count, which may be
 * max + 1 (too many). */
static size_t split(char *buf, const char **out, size_t max)
{
    size_t n = 0;
    char *save = NULL;

    for (char *t = strtok_r(buf, ", ", &save); t && n < max + 1;
         t = strtok_r(NULL, ", ", &save))
        out[n++] = t;
    return n;
}

int cmd_domain_manage(int argc, char **argv)
{
    struct cli_common com = {0};
    const char *pos[4], *account = NULL, *set = NULL, *limit_s = NULL,
                        *ip_s = NULL, *rename = NULL;
    bool send = false, reset = false, all_domains = false;
    const char *type = NULL, *cvals[15] = {0};
    const char *us_nexus = NULL, *us_purpose = NULL, *us_val = NULL;
    struct cli_opt opts[] = {{"account", OPT_VALUE, &account},
                             {"set", OPT_VALUE, &set},
                             {"send", OPT_FLAG, &send},
                             {"reset", OPT_FLAG, &reset},
                             {"limit", OPT_VALUE, &limit_s},
                             {"ip", OPT_VALUE, &ip_s},
                             {"rename", OPT_VALUE, &rename},
                             {"type", OPT_VALUE, &type},
                             {"all-domains", OPT_FLAG, &all_domains},
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
                             {"email", OPT_VALUE, &cvals[12]},
                             {"lang", OPT_VALUE, &cvals[13]},
                             {"us-nexus", OPT_VALUE, &us_nexus},
                             {"us-purpose", OPT_VALUE, &us_purpose},
                             {"us-validator", OPT_VALUE, &us_val},
                             {NULL, 0, NULL}};
    struct domchange_who who = {0};
    struct domchange_result res;
    struct domchange_view v;
    struct rm_err err;
    struct app *app;
    size_t npos;
    int rc;

    if ((rc = cli_parse(argc, argv, opts, &com, pos, 4, &npos)))
        return rc;
    if (com.help)
        return cli_usage(usage), EXIT_OK;
    bool contact_opts = type || all_domains || us_nexus || us_purpose || us_val;
    for (int i = 0; i < 14; i++)
        contact_opts = contact_opts || cvals[i];
    if (npos < 2 || ((ip_s || rename) && strcmp(pos[0], "host") != 0) ||
        (contact_opts && strcmp(pos[0], "contacts") != 0))
        return cli_usage(usage);
    rm_err_clear(&err);
    who.account = account;
    const char *sub = pos[0], *name = pos[1];

    if (strcmp(sub, "ns") == 0) {
        char buf[REG_NS_MAX * 256 + 1];
        const char *ns[REG_NS_MAX + 1];
        size_t n = 0;
        if (npos != 2 || send || reset || limit_s)
            return cli_usage(usage);
        if (set) {
            if (strlen(set) >= sizeof buf)
                return cli_usage("--set: list too long");
            snprintf(buf, sizeof buf, "%s", set);
            n = split(buf, ns, REG_NS_MAX);
            if (n < REG_NS_MIN || n > REG_NS_MAX) {
                fprintf(stderr,
                        "regman: --set: a domain needs %d to %d "
                        "nameservers\n",
                        REG_NS_MIN, REG_NS_MAX);
                return EXIT_USAGE;
            }
        }
        if ((rc = cli_open(&com, APP_RECOVER, &app)))
            return rc;
        if (set)
            rc = domchange_nameservers(app, &who, name, ns, n, &res, &err);
        else
            rc = domchange_read(app, &who, name, false, &v, &err);
        app_close(app);
        if (rc < 0)
            return cli_fail(rc, &err);
        if (!set) {
            print_view(&v, com.json, true, false, false);
            return EXIT_OK;
        }
        print_result("nameservers", &res, com.json);
        return exit_for(&res);
    }
    if (strcmp(sub, "host") == 0) {
        char ipbuf[256];
        const char *ips[3];
        size_t nip = 0;
        const char *act = npos >= 3 ? pos[2] : NULL;
        if (send || reset || set || limit_s || npos == 3)
            return cli_usage(usage);
        if (act && strcmp(act, "add") && strcmp(act, "set") &&
            strcmp(act, "rm"))
            return cli_usage("host: add, set or rm");
        if (!act && (ip_s || rename))
            return cli_usage(usage);
        if (act && strcmp(act, "rm") == 0 && (ip_s || rename))
            return cli_usage("host rm takes no --ip or --rename");
        if (act && strcmp(act, "rm") != 0) {
            if (!ip_s)
                return cli_usage("host add and set need --ip");
            if (strlen(ip_s) >= sizeof ipbuf)
                return cli_usage("--ip: too long");
            snprintf(ipbuf, sizeof ipbuf, "%s", ip_s);
            nip = split(ipbuf, ips, 2);
            if (nip > 2)
                return cli_usage("--ip: one IPv4 and one IPv6 at most");
        }
        if (act && strcmp(act, "add") == 0 && rename)
            return cli_usage("--rename is for host set");
        if ((rc = cli_open(&com, APP_RECOVER, &app)))
            return rc;
        if (!act) {
            struct reg_hosts hs;
            rc = domchange_hosts(app, &who, name, &hs, &err);
            app_close(app);
            if (rc < 0)
                return cli_fail(rc, &err);
            if (com.json) {
                json_t *a = json_array();
                for (size_t i = 0; i < hs.n; i++) {
                    json_t *j = json_object();
                    json_object_set_new(j, "name",
                                        json_string(hs.items[i].name));
                    json_object_set_new(j, "ipv4",
                                        json_string(hs.items[i].ipv4));
                    json_object_set_new(j, "ipv6",
                                        json_string(hs.items[i].ipv6));
                    json_object_set_new(j, "in_use",
                                        json_boolean(!hs.items[i].can_delete));
                    json_array_append_new(a, j);
                }
                cli_json_print(a);
            } else {
                for (size_t i = 0; i < hs.n; i++)
                    printf("%s %s %s%s\n", hs.items[i].name,
                           hs.items[i].ipv4[0] ? hs.items[i].ipv4 : "-",
                           hs.items[i].ipv6[0] ? hs.items[i].ipv6 : "-",
                           hs.items[i].can_delete ? "" : " (in use)");
            }
            reg_hosts_release(&hs);
            return EXIT_OK;
        }
        if (strcmp(act, "add") == 0)
            rc = domchange_host_add(app, &who, name, pos[3], ips, nip, &res,
                                    &err);
        else if (strcmp(act, "set") == 0)
            rc = domchange_host_set(app, &who, name, pos[3], ips, nip, rename,
                                    &res, &err);
        else
            rc = domchange_host_rm(app, &who, name, pos[3], &res, &err);
        app_close(app);
        if (rc < 0)
            return cli_fail(rc, &err);
        print_result(strcmp(act, "add") == 0   ? "new host"
                     : strcmp(act, "set") == 0 ? "host change"
                                               : "host removal",
                     &res, com.json);
        return exit_for(&res);
    }
    if (strcmp(sub, "contacts") == 0 && (us_nexus || us_purpose || us_val)) {
        /* a .us domain's nexus (MODIFY nexus_info), not a contact */
        for (int i = 0; i < 14; i++)
            if (cvals[i])
                return cli_usage("--us-nexus goes alone: change the nexus, "
                                 "then the contacts");
        if (npos != 2 || type || all_domains || send || reset || set || limit_s)
            return cli_usage(usage);
        if ((rc = cli_open(&com, APP_RECOVER, &app)))
            return rc;
        rc = domchange_nexus(app, &who, name, us_nexus, us_purpose, us_val,
                             &res, &err);
        app_close(app);
        if (rc < 0)
            return cli_fail(rc, &err);
        print_result("nexus", &res, com.json);
        return exit_for(&res);
    }
    if (strcmp(sub, "contacts") == 0) {
        bool change = false;
        for (int i = 0; i < 14; i++)
            change = change || cvals[i];
        if (npos != 2 || send || reset || set || limit_s ||
            (!change && (type || all_domains)))
            return cli_usage(usage);
        if ((rc = cli_open(&com, APP_RECOVER, &app)))
            return rc;
        if (!change) {
            struct reg_contacts rc4;
            rc = domchange_contacts_read(app, &who, name, &rc4, &err);
            app_close(app);
            if (rc < 0)
                return cli_fail(rc, &err);
            print_contacts(&rc4, com.json);
            return EXIT_OK;
        }
        struct each e = {&who, type, cvals, 0, 0, 0, NULL, app};
        if (all_domains) {
            e.arr = com.json ? json_array() : NULL;
            rc = domchange_siblings(app, &who, name, each_domain, &e, &err);
            app_close(app);
            if (rc < 0) {
                json_decref(e.arr);
                return cli_fail(rc, &err);
            }
            if (e.arr)
                cli_json_print(e.arr);
            else
                printf("contacts: %d succeeded, %d failed, %d unknown\n", e.ok,
                       e.failed, e.unknown);
            return e.failed ? EXIT_REFUSED : e.unknown ? EXIT_PENDING : EXIT_OK;
        }
        rc = domchange_contacts(app, &who, name, type, cvals, &res, &err);
        app_close(app);
        if (rc < 0)
            return cli_fail(rc, &err);
        print_result("contacts", &res, com.json);
        return exit_for(&res);
    }
    if (npos > 3)
        return cli_usage(usage);
    if (strcmp(sub, "lock") == 0) {
        bool on = false;
        if (send || reset || set || limit_s)
            return cli_usage(usage);
        if (npos == 3) {
            if (strcmp(pos[2], "on") == 0)
                on = true;
            else if (strcmp(pos[2], "off") != 0)
                return cli_usage("lock: on or off");
        }
        if ((rc = cli_open(&com, APP_RECOVER, &app)))
            return rc;
        if (npos == 3)
            rc = domchange_lock(app, &who, name, on, &res, &err);
        else
            rc = domchange_read(app, &who, name, false, &v, &err);
        app_close(app);
        if (rc < 0)
            return cli_fail(rc, &err);
        if (npos == 2) {
            print_view(&v, com.json, false, true, false);
            return EXIT_OK;
        }
        print_result(on ? "lock" : "unlock", &res, com.json);
        return exit_for(&res);
    }
    if (strcmp(sub, "privacy") == 0) {
        struct domchange_privacy_view pv;
        bool on = false;
        if (send || reset || set || limit_s)
            return cli_usage(usage);
        if (npos == 3) {
            if (strcmp(pos[2], "on") == 0)
                on = true;
            else if (strcmp(pos[2], "off") != 0)
                return cli_usage("privacy: on or off");
        }
        if ((rc = cli_open(&com, APP_RECOVER, &app)))
            return rc;
        if (npos == 3)
            rc = domchange_privacy(app, &who, name, on, &res, &err);
        else
            rc = domchange_privacy_read(app, &who, name, &pv, &err);
        app_close(app);
        if (rc < 0)
            return cli_fail(rc, &err);
        if (npos == 3) {
            print_result(on ? "privacy on" : "privacy off", &res, com.json);
            return exit_for(&res);
        }
        print_privacy(&pv, com.json);
        return EXIT_OK;
    }
    if (strcmp(sub, "auth-code") == 0) {
        if (npos != 2 || limit_s)
            return cli_usage(usage);
        if (send + reset + (set != NULL) > 1)
            return cli_usage("auth-code: --send, --reset or --set, one at a "
                             "time");
        if ((rc = cli_open(&com, APP_RECOVER, &app)))
            return rc;
        if (send)
            rc = domchange_auth_code_send(app, &who, name, &res, &err);
        else if (reset || set)
            rc = domchange_auth_code_set(app, &who, name, set, &res, &err);
        else
            rc = domchange_read(app, &who, name, true, &v, &err);
        app_close(app);
        if (rc < 0)
            return cli_fail(rc, &err);
        if (!send && !reset && !set) {
            print_view(&v, com.json, false, false, true);
            return EXIT_OK;
        }
        print_result(send ? "auth code sent" : "auth code", &res, com.json);
        return exit_for(&res);
    }
    if (strcmp(sub, "changes") == 0) {
        int64_t limit = 50;
        struct hist h = {com.json ? json_array() : NULL};
        if (npos != 2 || send || reset || set)
            return cli_usage(usage);
        if (limit_s &&
            conn_parse_int("--limit", limit_s, 1, 1000, &limit, &err) < 0)
            return cli_fail(RM_EINVAL, &err);
        if ((rc = cli_open(&com, APP_RECOVER, &app)))
            return rc;
        rc = domchange_history(app, &who, name, (int)limit, hist_row, &h, &err);
        app_close(app);
        if (rc < 0) {
            json_decref(h.arr);
            return cli_fail(rc, &err);
        }
        if (h.arr)
            cli_json_print(h.arr);
        return EXIT_OK;
    }
    return cli_usage(usage);
}
