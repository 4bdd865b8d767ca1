/*
 * present - accounts, registrar connections, TLDs and lookups as JSON
 * (contract in present.h).
 */
#include "present/present.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/license.h"
#include "core/money.h"
#include "util/clock.h"
#include "util/xalloc.h"

json_t *present_money(enum present_style st, int64_t minor)
{
    char b[MONEY_STR_MAX];
    if (st == PRESENT_API)
        return json_integer(minor);
    return json_string(money_format(minor, b));
}

json_t *present_time(enum present_style st, int64_t t)
{
    char b[32];
    if (!t)
        return json_null();
    if (st == PRESENT_API)
        return json_integer(t);
    return json_string(clock_format(t, b, sizeof b));
}

json_t *present_text(const char *s)
{
    return json_string(s ? s : "");
}

json_t *present_account(const struct account *a, enum present_style st)
{
    json_t *j = json_object();
    json_object_set_new(j, "id", json_integer(a->id));
    json_object_set_new(j, "name", json_string(a->name));
    json_object_set_new(j, "email", json_string(a->email));
    json_object_set_new(j, "kind", json_string(a->kind));
    json_object_set_new(j, "balance", present_money(st, a->balance));
    json_object_set_new(j, "balance_minor", json_integer(a->balance));
    json_object_set_new(j, "credit_limit", present_money(st, a->credit_limit));
    json_object_set_new(j, "currency", json_string(a->currency));
    json_object_set_new(j, "auto_renew", json_boolean(a->auto_renew));
    json_object_set_new(j, "email_verified", json_boolean(a->email_verified));
    json_object_set_new(j, "domains", json_integer(a->domains));
    json_object_set_new(j, "created_at", present_time(st, a->created_at));
    return j;
}

json_t *present_ledger_line(const struct ledger_line *l, enum present_style st)
{
    json_t *j = json_object();
    json_object_set_new(j, "id", json_integer(l->entry_id));
    /* the CLI's name of id, kept for its scripts */
    json_object_set_new(j, "entry_id", json_integer(l->entry_id));
    json_object_set_new(j, "posting_id", json_integer(l->posting_id));
    json_object_set_new(j, "kind", json_string(ledger_kind_name(l->kind)));
    json_object_set_new(j, "amount", present_money(st, l->amount));
    json_object_set_new(j, "balance_after",
                        present_money(st, l->balance_after));
    json_object_set_new(j, "operation_id",
                        l->operation_id ? json_integer(l->operation_id)
                                        : json_null());
    json_object_set_new(j, "ref", present_text(l->idem_key));
    json_object_set_new(j, "memo", present_text(l->memo));
    json_object_set_new(j, "at", present_time(st, l->created_at));
    return j;
}

json_t *present_reg_contact(const struct reg_contact_info *c)
{
    json_t *j = json_object();
    json_object_set_new(j, "first_name", json_string(c->first_name));
    json_object_set_new(j, "last_name", json_string(c->last_name));
    json_object_set_new(j, "org_name", json_string(c->org_name));
    json_object_set_new(j, "address1", json_string(c->address1));
    json_object_set_new(j, "address2", json_string(c->address2));
    json_object_set_new(j, "address3", json_string(c->address3));
    json_object_set_new(j, "city", json_string(c->city));
    json_object_set_new(j, "state", json_string(c->state));
    json_object_set_new(j, "postal_code", json_string(c->postal_code));
    json_object_set_new(j, "country", json_string(c->country));
    json_object_set_new(j, "phone", json_string(c->phone));
    json_object_set_new(j, "fax", json_string(c->fax));
    json_object_set_new(j, "email", json_string(c->email));
    json_object_set_new(j, "url", json_string(c->url));
    json_object_set_new(j, "lang_pref", json_string(c->lang_pref));
    return j;
}

json_t *present_contact(const struct contact *c)
{
    return json_pack(
        "{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, "
        "s:s, s:s, s:s, s:s}",
        "type", c->type, "first_name", c->first_name, "last_name", c->last_name,
        "org_name", c->org_name, "address1", c->address1, "address2",
        c->address2, "address3", c->address3, "city", c->city, "state",
        c->state, "postal_code", c->postal_code, "country", c->country, "phone",
        c->phone, "fax", c->fax, "email", c->email, "lang", c->lang);
}

static json_t *ns_array(const char *csv)
{
    json_t *a = json_array();
    char *copy = xstrdup(csv), *save = NULL;
    for (char *t = strtok_r(copy, ", ", &save); t;
         t = strtok_r(NULL, ", ", &save))
        json_array_append_new(a, json_string(t));
    free(copy);
    return a;
}

json_t *present_conn(const struct conn *c, enum present_style st)
{
    json_t *j = json_object();
    char url[400], hex[65];
    char *lic = NULL;
    struct rm_err e;

    conn_url(c, url, sizeof url);
    json_object_set_new(j, "id", json_integer(c->id));
    json_object_set_new(j, "title", json_string(c->title));
    json_object_set_new(j, "kind", json_string(c->kind));
    json_object_set_new(j, "server", json_string(c->server));
    json_object_set_new(j, "port", json_integer(c->port));
    json_object_set_new(j, "tls", json_boolean(c->tls));
    json_object_set_new(j, "protocol", json_string(c->protocol));
    json_object_set_new(j, "protocol_used", json_string(conn_protocol(c)));
    json_object_set_new(j, "url", json_string(url));
    json_object_set_new(j, "source_ip", json_string(c->source_ip));
    json_object_set_new(j, "login", json_string(c->login));
    /* the key is write-only: say that one is set, never what it is */
    json_object_set_new(j, "key_set", json_true());
    json_object_set_new(j, "license_text",
                        c->license_text ? json_string(c->license_text)
                                        : json_null());
    json_object_set_new(j, "license_path", json_string(c->license_path));
    rm_err_clear(&e);
    if (license_of_conn(c, &lic, hex, &e) == 0)
        json_object_set_new(j, "license_sha256", json_string(hex));
    else
        json_object_set_new(j, "license_sha256", json_null());
    free(lic);
    json_object_set_new(j, "warn_days", json_integer(c->warn_days));
    json_object_set_new(j, "renew_days", json_integer(c->renew_days));
    json_object_set_new(j, "renew_mode", json_string(c->renew_mode));
    json_object_set_new(j, "test_mode", json_boolean(c->test_mode));
    json_object_set_new(j, "ca_file", json_string(c->ca_file));
    json_object_set_new(j, "first_check_s", json_integer(c->first_check_s));
    json_object_set_new(j, "poll_interval_s", json_integer(c->poll_interval_s));
    json_object_set_new(j, "deadline_s", json_integer(c->deadline_reg_s));
    json_object_set_new(j, "transfer_deadline_s",
                        json_integer(c->deadline_xfer_s));
    json_object_set_new(j, "concurrency", json_integer(c->concurrency));
    json_object_set_new(j, "events", json_boolean(c->events));
    json_object_set_new(j, "rate_per_min", json_integer(c->rate_per_min));
    json_object_set_new(j, "default_ns", ns_array(c->default_ns));
    json_object_set_new(j, "domains", json_integer(c->domains));
    json_object_set_new(j, "tlds", json_integer(c->tlds));
    json_object_set_new(j, "created_at", present_time(st, c->created_at));
    json_object_set_new(j, "updated_at", present_time(st, c->updated_at));
    return j;
}

/* prices - per operation and term; all: every price set, else only the
 * terms a customer can order. */
static json_t *prices(const struct tld *t, bool all, enum present_style st)
{
    json_t *p = json_object();
    for (int o = 0; o < TLD_NOPS; o++) {
        json_t *po = json_object();
        for (int y = 1; y <= TLD_MAX_TERM; y++) {
            char k[4];
            if (t->price[o][y] < 0)
                continue;
            /* Privacy is a yearly price, not an orderable term. */
            if (!all && o != TLD_PRIVACY && !(t->allowed_terms & (1u << y)))
                continue;
            snprintf(k, sizeof k, "%d", y);
            json_object_set_new(po, k, present_money(st, t->price[o][y]));
        }
        json_object_set_new(p, tld_op_name((enum tld_op)o), po);
    }
    return p;
}

json_t *present_tld_prices(const struct tld *t, enum present_style st)
{
    return prices(t, false, st);
}

/* window - an override of a check window: seconds, not set is null in
 * the API and 0 in the CLI */
static json_t *window(int64_t s, enum present_style st)
{
    return st == PRESENT_API && !s ? json_null() : json_integer(s);
}

json_t *present_tld_expiry(const struct tld *t, enum present_style st)
{
    const struct tld_expiry_cfg *c = &t->expiry;
    json_t *j = json_object();

    json_object_set_new(j, "grace_days", json_integer(c->grace_days));
    json_object_set_new(j, "redemption_days", json_integer(c->redemption_days));
    json_object_set_new(j, "pending_delete_days",
                        json_integer(c->pending_delete_days));
    json_object_set_new(j, "grace_fee", present_money(st, c->grace_fee));
    json_object_set_new(j, "restore_fee",
                        c->restore_fee >= 0 ? present_money(st, c->restore_fee)
                                            : json_null());
    return j;
}

void present_domain_expiry(json_t *j, const struct dom_view *v,
                           enum present_style st)
{
    struct tld_expiry e;
    bool restorable;

    domview_expiry(v, &e);
    restorable = v->expiry.restore_fee >= 0 && e.restorable_until;
    json_object_set_new(j, "renewable_until",
                        present_time(st, e.renewable_until));
    json_object_set_new(j, "restorable_until",
                        present_time(st, e.restorable_until));
    json_object_set_new(j, "deleted_after", present_time(st, e.deleted_after));
    json_object_set_new(j, "restore_fee",
                        restorable ? present_money(st, v->expiry.restore_fee)
                                   : json_null());
    json_object_set_new(j, "grace_fee", present_money(st, v->expiry.grace_fee));
    /* what the customer pays after expiry: a year's renewal in grace
     * (plus the grace fee), a restore in redemption (the fee plus the
     * year the registry adds); null when it is not for sale */
    json_object_set_new(
        j, "grace_renew_price",
        v->renew_price >= 0
            ? present_money(st, v->renew_price + v->expiry.grace_fee)
            : json_null());
    json_object_set_new(
        j, "restore_price",
        restorable && v->renew_price >= 0
            ? present_money(st, v->renew_price + v->expiry.restore_fee)
            : json_null());
    json_object_set_new(j, "phase_from_registrar",
                        json_boolean(v->grace_end_at > 0 ||
                                     v->redemption_end_at > 0 ||
                                     v->delete_at > 0));
}

json_t *present_tld(const struct tld *t, bool full, enum present_style st)
{
    json_t *j = json_object(), *terms = json_array();

    json_object_set_new(j, "tld", json_string(t->tld));
    for (int y = 1; y <= TLD_MAX_TERM; y++)
        if (t->allowed_terms & (1u << y))
            json_array_append_new(terms, json_integer(y));
    json_object_set_new(j, "terms", terms);
    json_object_set_new(j, "prices", prices(t, full, st));
    json_object_set_new(j, "expiry", present_tld_expiry(t, st));
    if (!full)
        return j;
    json_object_set_new(j, "connection_id", json_integer(t->connection_id));
    json_object_set_new(j, "connection", json_string(t->connection));
    json_object_set_new(j, "first_check_s", json_integer(t->eff_first_check_s));
    json_object_set_new(j, "poll_interval_s",
                        json_integer(t->eff_poll_interval_s));
    json_object_set_new(j, "deadline_s", json_integer(t->eff_deadline_reg_s));
    json_object_set_new(j, "transfer_deadline_s",
                        json_integer(t->eff_deadline_xfer_s));
    json_t *ov = json_object();
    json_object_set_new(ov, "first_check_s", window(t->first_check_s, st));
    json_object_set_new(ov, "poll_interval_s", window(t->poll_interval_s, st));
    json_object_set_new(ov, "deadline_s", window(t->deadline_reg_s, st));
    json_object_set_new(ov, "transfer_deadline_s",
                        window(t->deadline_xfer_s, st));
    /* the days set on the TLD; null: its default */
    json_object_set_new(ov, "grace_days",
                        t->set_grace_days >= 0 ? json_integer(t->set_grace_days)
                                               : json_null());
    json_object_set_new(ov, "redemption_days",
                        t->set_redemption_days >= 0
                            ? json_integer(t->set_redemption_days)
                            : json_null());
    json_object_set_new(ov, "pending_delete_days",
                        t->set_pending_delete_days >= 0
                            ? json_integer(t->set_pending_delete_days)
                            : json_null());
    json_object_set_new(j, "overrides", ov);
    return j;
}

const char *present_avail(enum reg_availability a)
{
    switch (a) {
    case REG_AVAILABLE:
        return "available";
    case REG_TAKEN:
        return "taken";
    case REG_PENDING_ELSEWHERE:
        return "pending_elsewhere";
    case REG_INVALID:
        return "invalid";
    }
    return "unknown";
}

json_t *present_lookup(const struct ops_lookup *lk)
{
    json_t *j = json_object();
    json_object_set_new(j, "domain", json_string(lk->name.ascii));
    json_object_set_new(j, "unicode_name", json_string(lk->name.unicode));
    json_object_set_new(j, "tld", json_string(lk->tld));
    json_object_set_new(j, "connection", json_string(lk->connection));
    json_object_set_new(j, "available",
                        json_boolean(lk->availability == REG_AVAILABLE));
    json_object_set_new(j, "availability",
                        json_string(present_avail(lk->availability)));
    json_object_set_new(j, "premium", json_boolean(lk->premium));
    json_object_set_new(j, "has_claim", json_boolean(lk->has_claim));
    json_object_set_new(j, "reason", json_string(lk->reason));
    return j;
}

json_t *present_reminder_schedule(const struct reminder_schedule *r,
                                  enum present_style st)
{
    json_t *j = json_object(), *days = json_array();
    bool conn = r->scope == REMINDER_CONNECTION || r->connection_id > 0;

    json_object_set_new(j, "scope", json_string(reminder_scope_name(r->scope)));
    json_object_set_new(j, "builtin",
                        json_boolean(r->scope == REMINDER_BUILTIN));
    json_object_set_new(j, "connection",
                        conn ? json_string(r->connection) : json_null());
    json_object_set_new(j, "connection_id",
                        conn ? json_integer(r->connection_id) : json_null());
    json_object_set_new(j, "tld",
                        r->tld[0] ? json_string(r->tld) : json_null());
    for (int i = 0; i < r->days.n; i++)
        json_array_append_new(days, json_integer(r->days.day[i]));
    json_object_set_new(j, "days", days);
    json_object_set_new(j, "updated_at", present_time(st, r->updated_at));
    return j;
}
