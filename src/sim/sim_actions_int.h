/*
 * sim_actions_int.h - what the action handlers of opensrs-sim share: the
 * request being answered, reply and attribute helpers, domain name and
 * name server checks (sim_actions.c), and the handlers of each family
 * (sim_act_*.c) for sim_act's table. Callers use sim_actions.h.
 */
#ifndef RM_SIM_SIM_ACTIONS_INT_H
#define RM_SIM_SIM_ACTIONS_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim/sim_actions.h"
#include "sim/sim_state.h"
#include "xcp/xcp.h"

#define MAX_NAME 254

/* One request being answered. */
struct ctx {
    struct sim *sim;
    const char *user;
    const struct xcp_request *req;
    const struct sim_mode *mode;
    const char *object;
    int64_t now;
};

/* act_reply - the answer to c: is_success ok, code, the text from fmt;
 * attrs (may be NULL) become its attributes. */
struct xcp_value *act_reply(struct ctx *c, bool ok, int code,
                            struct xcp_value *attrs, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* act_unknown - the answer to a command the sim does not model: what
 * OpenSRS answers to an unknown command (400 "Invalid Command: X"). */
struct xcp_value *act_unknown(struct ctx *c);

/* act_fail - an is_success 0 answer to c with code and text. */
struct xcp_value *act_fail(struct ctx *c, int code, const char *text);

/* act_fail_field - 460/465 with attributes.error naming the problem, the way
 * the real server reports contact and field errors. */
struct xcp_value *act_fail_field(struct ctx *c, int code, const char *text,
                                 const char *error);

const struct xcp_value *act_attr(struct ctx *c, const char *key);

const char *act_astr(struct ctx *c, const char *key);

/* act_aint - integer attribute; def when absent or empty; -1 marks garbage
 * through *bad. */
int64_t act_aint(struct ctx *c, const char *key, int64_t def, bool *bad);

bool act_aflag(struct ctx *c, const char *key);

/* act_want_domain - the request's domain, normalised and checked; on failure
 * *err_reply holds the answer (465 as the real server gives). */
bool act_want_domain(struct ctx *c, char out[MAX_NAME],
                     struct xcp_value **err_reply);

/* act_target_domain - the reseller's domain a request works on: by
 * cookie (top level) or by attributes.domain / domain_name; NULL with
 * *err set (415 bad cookie, 465 bad name, 480 not the reseller's). The
 * domain is noted for the journal (sim_domain). */
json_t *act_target_domain(struct ctx *c, char name[MAX_NAME],
                          struct xcp_value **err);

void act_add_time(struct xcp_value *a, const char *key, int64_t t);

void act_add_money(struct xcp_value *a, const char *key, int64_t cents);

bool act_owned_by(const json_t *d, const char *user);

/* act_registered_ours - the reseller's and complete (not an async entry
 * for a new registration). */
bool act_registered_ours(struct sim *sim, const json_t *d, const char *user);

const char *act_admin_email(const json_t *contact_set);

/* act_collect_ns - names of a nameserver_list ([{name, sortorder}] or plain
 * names) into a JSON array; NULL + *bad on a malformed entry. */
json_t *act_collect_ns(const struct xcp_value *list, char *bad, size_t badn);

/* act_host_parent - the resellers' domain (owner not "other") host sits
 * under, or NULL. act_host_known - does the registry know host (the rules
 * are in sim_actions.c)? */
const char *act_host_parent(struct sim *sim, const char *host);
bool act_host_known(struct sim *sim, const char *host);

const char *act_first_unknown_ns(struct sim *sim, const json_t *ns);

/* act_unknown_ns_reply - the 435 for the first name server of ns the registry
 * does not know (ns is then released), or NULL when it knows them all. */
struct xcp_value *act_unknown_ns_reply(struct ctx *c, json_t *ns);

/* act_page_args - "limit" (default 40, and 40 when outside 1..max) and "page"
 * (at least 1); false when either is not an integer. */
bool act_page_args(struct ctx *c, int64_t max, int64_t *limit, int64_t *page);

/* act_privacy_offered - does the TLD of domain offer WHOIS privacy (not
 * in --no-privacy-tlds)? */
bool act_privacy_offered(struct sim *sim, const char *domain);

/* The refusal of MODIFY whois_privacy_state where privacy cannot be had:
 * code 300 and the text OpenSRS gives (opensrs-manage.md §2.4). */
#define PRIVACY_REFUSED                                                        \
    "WHOIS_Privacy service cannot be applied to your account. Please "         \
    "contact your reseller."

/* act_contacts_apply - the contact types (a JSON array of type names, each
 * a member of cs) of domain d (named name) become cs's records; with
 * profile, every other domain of the reseller with d's reg_username too,
 * and the answer is a details assoc (one success entry per domain changed,
 * as UPDATE_CONTACTS answers); without, NULL. */
struct xcp_value *act_contacts_apply(struct ctx *c, const char *name, json_t *d,
                                     const json_t *types,
                                     const struct xcp_value *cs, bool profile);

/* Handlers, one per action (sim_act's table in sim_actions.c). */
/* Registrant extras for .ca and .us (sim_act_extras.c). */
/* act_extras_check - SW_REGISTER's legal_type (.ca) or tld_data.nexus
 * (.us) for name: 0, or 460 (missing) / 465 (bad) with msg. */
int act_extras_check(struct ctx *c, const char *name, char *msg, size_t n);
/* act_extras_keep - the checked extras into the order's request. */
void act_extras_keep(struct ctx *c, const char *name, json_t *req);
/* act_extras_get - GET DOMAIN type all_info (added to a), nexus_info or
 * tld_data of domain d; false for another type. */
bool act_extras_get(const json_t *d, const char *type, struct xcp_value *a);
/* act_extras_modify_nexus - MODIFY data=nexus_info on d: 0, or 460/465
 * with msg and d unchanged. */
int act_extras_modify_nexus(struct ctx *c, const char *name, json_t *d,
                            char *msg, size_t n);

struct xcp_value *act_lookup(struct ctx *c);
struct xcp_value *act_name_suggest(struct ctx *c);
struct xcp_value *act_get_price(struct ctx *c);
struct xcp_value *act_belongs_to_rsp(struct ctx *c);
struct xcp_value *act_sw_register(struct ctx *c);
struct xcp_value *act_renew(struct ctx *c);
struct xcp_value *act_check_transfer(struct ctx *c);
struct xcp_value *act_get_transfers_in(struct ctx *c);
struct xcp_value *act_cancel_transfer(struct ctx *c);
struct xcp_value *act_get_order_info(struct ctx *c);
struct xcp_value *act_query_queued(struct ctx *c);
struct xcp_value *act_process_pending(struct ctx *c);
struct xcp_value *act_cancel_pending_orders(struct ctx *c);
struct xcp_value *act_get_domain(struct ctx *c);
struct xcp_value *act_get_by_expiredate(struct ctx *c);
struct xcp_value *act_get_balance(struct ctx *c);
struct xcp_value *act_set_cookie(struct ctx *c);
struct xcp_value *act_delete_cookie(struct ctx *c);
struct xcp_value *act_modify(struct ctx *c);
struct xcp_value *act_adv_update_ns(struct ctx *c);
struct xcp_value *act_revoke(struct ctx *c);
struct xcp_value *act_redeem(struct ctx *c);
struct xcp_value *act_poll_event(struct ctx *c);
struct xcp_value *act_update_contacts(struct ctx *c);
struct xcp_value *act_update_all_info(struct ctx *c);
struct xcp_value *act_send_authcode(struct ctx *c);
struct xcp_value *act_get_domains_contacts(struct ctx *c);
struct xcp_value *act_get_orders_by_domain(struct ctx *c);
struct xcp_value *act_get_transfers_away(struct ctx *c);
struct xcp_value *act_ns_create(struct ctx *c);
struct xcp_value *act_ns_modify(struct ctx *c);
struct xcp_value *act_ns_delete(struct ctx *c);
struct xcp_value *act_ns_get(struct ctx *c);
struct xcp_value *act_registry_check_ns(struct ctx *c);
struct xcp_value *act_registry_add_ns(struct ctx *c);
struct xcp_value *act_ack_event(struct ctx *c);

#endif
