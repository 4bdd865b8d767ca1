/*
 * present - one JSON rendering per object, shared by the API (web/) and
 * the CLI's --json (cli/): both print the same fields for the same object.
 *
 * The style says only how money and times are written, as each side has
 * always written them:
 *   PRESENT_API  money in minor units (1250), times as epoch seconds UTC
 *                or null (docs/openapi.yaml);
 *   PRESENT_CLI  money as text ("12.50"), times as text or null.
 * Secrets are never rendered: of a registrar key only whether one is set.
 * Every function returns a new reference the caller owns.
 */
#ifndef RM_PRESENT_PRESENT_H
#define RM_PRESENT_PRESENT_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/account.h"
#include "core/bulk.h"
#include "core/conn.h"
#include "core/domview.h"
#include "core/ledger.h"
#include "core/ops.h"
#include "core/reminders.h"
#include "core/opview.h"
#include "core/shop.h"
#include "core/tld.h"
#include "core/watch.h"

enum present_style { PRESENT_API, PRESENT_CLI };

/* present_money - an amount of minor units in style. */
json_t *present_money(enum present_style st, int64_t minor);
/* present_time - epoch seconds in style; null for 0. */
json_t *present_time(enum present_style st, int64_t t);
/* present_text - a JSON string; NULL becomes "". */
json_t *present_text(const char *s);

/* present_reminder_schedule - a reminder schedule: scope (builtin,
 * default, connection, tld), connection / connection_id / tld (null when
 * not the scope's), days (ascending; negative = before expiry), builtin,
 * updated_at. */
json_t *present_reminder_schedule(const struct reminder_schedule *r,
                                  enum present_style st);

/* present_account - an account and its balance. */
json_t *present_account(const struct account *a, enum present_style st);

/* present_ledger_line - one leg of an account's history. */
json_t *present_ledger_line(const struct ledger_line *l, enum present_style st);

/* present_reg_contact - a domain's contact as the registrar holds it. */
json_t *present_reg_contact(const struct reg_contact_info *c);
/* present_contact - a contact profile of an account. */
json_t *present_contact(const struct contact *c);

/* present_conn - a registrar connection (the key: only "key_set"). */
json_t *present_conn(const struct conn *c, enum present_style st);

/* present_tld - a TLD with its prices and check windows. full: every
 * price and the connection and windows (admins, the CLI); else only the
 * prices of the terms a customer can order. */
json_t *present_tld(const struct tld *t, bool full, enum present_style st);

/* present_tld_prices - {register: {"1": 1250}, renew: {...}, transfer:
 * {...}} with the terms a customer can order. */
json_t *present_tld_prices(const struct tld *t, enum present_style st);

/* present_avail - the word for an availability ("available", ...). */
const char *present_avail(enum reg_availability a);

/* present_lookup - what a lookup found (without prices: the API lists
 * them per operation of the TLD, the CLI the register price per term). */
json_t *present_lookup(const struct ops_lookup *lk);

/* present_search - a shop search (core/shop.h): the name in each TLD sold
 * and the suggestions, money in style, currency (may be NULL) beside
 * every price. */
json_t *present_search(const struct shop_result *r, const char *currency,
                       enum present_style st);

/* present_op - an operation. admin: also what the registrar did after a
 * refund (rule 9, core/watch.h), shown to admins only. now: for its
 * age. */
json_t *present_op(const struct op_view *v, int64_t now, bool admin,
                   enum present_style st);

/* present_domain - a domain row. admin: with its connection. now: for
 * needs_action. */
json_t *present_domain(const struct dom_view *v, int64_t now, bool admin,
                       enum present_style st);

/* present_domain_expiry - into domain object j: renewable_until (end of
 * grace), restorable_until (end of redemption; null when restores are not
 * offered) and restore_fee (null then), from v's expiry and its TLD's
 * settings; the dates are null while the expiry is not known. */
void present_domain_expiry(json_t *j, const struct dom_view *v,
                           enum present_style st);

/* present_tld_expiry - a TLD's effective life after expiry: grace_days,
 * redemption_days, pending_delete_days, grace_fee, restore_fee (null:
 * restores not offered). */
json_t *present_tld_expiry(const struct tld *t, enum present_style st);

/* present_reconcile - the exposure report of watch_reconcile. since: the
 * bound it was asked with (0: none); currency may be NULL. */
json_t *present_reconcile(const struct reconcile_report *rep, int64_t since,
                          const char *currency, enum present_style st);

/* present_bulk_item - one domain of a bulk run: domain, state, operation
 * and change (ids or null), answer, started_at, finished_at. */
json_t *present_bulk_item(const struct bulk_item *it, enum present_style st);
/* present_bulk_run - a bulk run: id, action, args, actor, state, times,
 * total and the items by state (done = total - queued - running), and
 * with items its items in order. */
json_t *present_bulk_run(const struct bulk_run *r, bool items,
                         enum present_style st);

#endif
