/*
 * srs - the OpenSRS driver: registrar-neutral calls (registrar.h) as XCP
 * actions over the transport (transport.h), and the mapping of each
 * action's response to neutral results.
 *
 * Actions: LOOKUP, NAME_SUGGEST, SW_REGISTER (reg_type new / transfer),
 * RENEW, PROCESS_PENDING (and command=cancel), CANCEL_TRANSFER,
 * CHECK_TRANSFER (check_status=1), GET_TRANSFERS_IN, GET_ORDER_INFO,
 * QUERY_QUEUED_REQUEST, BELONGS_TO_RSP, GET DOMAIN (all_info, status),
 * GET_DOMAINS_BY_EXPIREDATE (every page, following `remainder`),
 * GET_BALANCE, GET_PRICE, REVOKE, MODIFY (data=expire_action), the
 * event stream: POLL EVENT, ACK EVENT, and after the sale:
 * ADVANCED_UPDATE_NAMESERVERS, REGISTRY_CHECK_NAMESERVER, REGISTRY_ADD_NS,
 * CREATE/MODIFY/DELETE/GET NAMESERVER, GET DOMAIN (domain_auth_info,
 * whois_privacy_state), UPDATE_CONTACTS, MODIFY (status,
 * domain_auth_info, whois_privacy_state), SEND_AUTHCODE,
 * GET_TRANSFERS_AWAY (docs/opensrs-actions.md).
 *
 * Operation mapping (shared/opensrs-xcp.md §6, design §4 rule 3), first
 * match wins:
 *   transport not sent                      → NOT_SENT (retry is safe)
 *   transport outcome unknown               → PENDING  (TRANSPORT)
 *   attributes.forced_pending non-empty     → PENDING  (FORCED), order id
 *       = forced_pending - even with is_success 1 and code 200, and
 *       even with an error code such as 435: the order exists, saved as
 *       pending until someone fixes the cause and processes it. Except
 *       485 (taken) and 487 (not transferable): nothing can fix those, so
 *       they stay FAILED (order_id = the saved order, to cancel it).
 *   attributes.queue_request_id non-empty   → PENDING  (QUEUED)
 *   code 250                                → PENDING  (ASYNC)
 *   is_success 1, code 200: transfer        → PENDING  (TRANSFER)
 *                           handle=save     → PENDING  (SAVED)
 *                           otherwise       → DONE (order id, expiry)
 *   is_success 0 and a definite refusal     → FAILED with the reason:
 *       401 410 415 420 430 435 440 445 447 460 465 480 485 487 541 555
 *   everything else (705 486 437 300 310 350 400 404 436 552 557, any
 *   unknown code, is_success 1 with another code, an answer whose fields
 *   have the wrong type)                    → PENDING (RETRY / UNKNOWN)
 *
 * The srs_map_* functions are pure (no I/O) and total: any response tree,
 * however malformed, gives either a result or a clear error, never a
 * crash. They are public for the unit tests and the fuzz target.
 */
#ifndef RM_OPENSRS_SRS_H
#define RM_OPENSRS_SRS_H

#include <stdbool.h>

#include "opensrs/transport.h"
#include "registrar/registrar.h"
#include "xcp/xcp.h"

/*
 * srs_registrar_new - an OpenSRS registrar over a new transport made from
 * cfg (copied). Free with reg_free. NULL with err set for a bad config.
 */
struct registrar *srs_registrar_new(const struct srs_transport_config *cfg,
                                    struct rm_err *err);
/* srs_registrar_transport - the transport of an OpenSRS registrar (to set
 * its log callback), or NULL if r is not one. */
struct srs_transport *srs_registrar_transport(struct registrar *r);

/* --- request builders (caller owns the tree) -------------------------- */

/* srs_req_order - SW_REGISTER for a new registration or a transfer.
 * NULL with RM_EINVAL for missing required fields. */
struct xcp_value *srs_req_order(const struct reg_domain_order *o, bool transfer,
                                struct rm_err *err);
/* srs_req_redeem - REDEEM DOMAIN (restore in redemption). */
struct xcp_value *srs_req_redeem(const char *domain, struct rm_err *err);
struct xcp_value *srs_req_renew(const struct reg_renew_req *r,
                                struct rm_err *err);

#define SRS_EVENTS_MAX 100 /* events one POLL EVENT may ask for */

/* srs_req_poll_events - POLL EVENT for up to limit events; limit is
 * clamped to 1..SRS_EVENTS_MAX (the registrar's own range). */
struct xcp_value *srs_req_poll_events(int limit);
/* srs_req_ack_event - ACK EVENT for event_id. NULL with RM_EINVAL for an
 * id srs_map_events would not have accepted (empty, REG_ID_MAX bytes or
 * more, white space or control characters). */
struct xcp_value *srs_req_ack_event(const char *event_id, struct rm_err *err);

/* --- after the sale (docs/opensrs-actions.md) ------------------------ *
 * Each builder returns a request tree (caller owns it), or NULL with
 * RM_EINVAL for input that is invalid before anything is sent. */

#define SRS_AWAY_PAGE 40 /* GET_TRANSFERS_AWAY rows per page (its maximum) */

/* ADVANCED_UPDATE_NAMESERVERS op_type=assign, assign_ns = ns in order. */
struct xcp_value *srs_req_set_nameservers(const char *domain,
                                          const char *const *ns, size_t n,
                                          struct rm_err *err);
/* REGISTRY_CHECK_NAMESERVER / REGISTRY_ADD_NS: fqdn, tld (with its dot). */
struct xcp_value *srs_req_ns_check(const char *host, const char *tld,
                                   struct rm_err *err);
struct xcp_value *srs_req_ns_registry_add(const char *host, const char *tld,
                                          bool all, struct rm_err *err);
/* CREATE / MODIFY / DELETE / GET with object NAMESERVER. */
struct xcp_value *srs_req_host_create(const struct reg_host *h,
                                      struct rm_err *err);
struct xcp_value *srs_req_host_modify(const struct reg_host *h,
                                      struct rm_err *err);
struct xcp_value *srs_req_host_delete(const char *domain, const char *name,
                                      struct rm_err *err);
struct xcp_value *srs_req_hosts(const char *domain, struct rm_err *err);
/* GET DOMAIN of type (all_info, domain_auth_info, whois_privacy_state). */
struct xcp_value *srs_req_get_domain(const char *domain, const char *type,
                                     struct rm_err *err);
/* UPDATE_CONTACTS: types and contact_set of the contacts given. */
struct xcp_value *srs_req_update_contacts(const struct reg_contact_update *u,
                                          struct rm_err *err);
/* MODIFY data=status lock_state 0/1. */
/* srs_req_set_nexus - MODIFY data=nexus_info: nexus {category,
 * app_purpose[, validator]} (a .US domain's; opensrs-manage.md). */
struct xcp_value *srs_req_set_nexus(const char *domain,
                                    const struct reg_nexus *n,
                                    struct rm_err *err);
struct xcp_value *srs_req_set_lock(const char *domain, bool lock,
                                   struct rm_err *err);
/* SEND_AUTHCODE domain_name. */
struct xcp_value *srs_req_send_authcode(const char *domain, struct rm_err *err);
/* MODIFY data=domain_auth_info. */
struct xcp_value *srs_req_set_auth_code(const char *domain, const char *code,
                                        struct rm_err *err);
/* MODIFY data=whois_privacy_state state enable/disable. */
struct xcp_value *srs_req_set_privacy(const char *domain, bool on,
                                      struct rm_err *err);
/* GET_TRANSFERS_AWAY, one page (1, 2, ...) of SRS_AWAY_PAGE rows. */
struct xcp_value *srs_req_transfers_away(const struct reg_away_query *q,
                                         int page, struct rm_err *err);
/* NAME_SUGGEST with services, tlds and service_override. */
struct xcp_value *srs_req_suggest(const struct reg_suggest_req *q,
                                  struct rm_err *err);

/* --- response mappers ------------------------------------------------- */

/* srs_fill_reply - copy is_success/code/text into a neutral reply. */
void srs_fill_reply(const struct xcp_response *r, struct reg_reply *out);

/* srs_map_op - answered operation → result (the table above). save: the
 * request asked for handle=save. Always fills out; never fails. */
void srs_map_op(enum reg_op_kind kind, bool save, const struct xcp_response *r,
                struct reg_op_result *out);
/* srs_map_op_reply - any transport outcome → result (calls srs_map_op
 * when answered; err_text is the transport's message otherwise). */
void srs_map_op_reply(enum reg_op_kind kind, bool save,
                      const struct srs_reply *rep, const char *err_text,
                      struct reg_op_result *out);

/* Query mappers: 0, or a negative rm_errcode with err set (see
 * registrar.h "Queries"). */
int srs_map_lookup(const struct xcp_response *r, struct reg_lookup *out,
                   struct rm_err *err);
int srs_map_suggest(const struct xcp_response *r, struct reg_suggest *out,
                    struct rm_err *err);
int srs_map_transfer_check(const struct xcp_response *r,
                           struct reg_transfer_info *out, struct rm_err *err);
int srs_map_transfers_in(const struct xcp_response *r,
                         struct reg_transfers *out, struct rm_err *err);
int srs_map_order_info(const struct xcp_response *r, struct reg_order_info *out,
                       struct rm_err *err);
int srs_map_queue(const struct xcp_response *r, struct reg_queue_info *out,
                  struct rm_err *err);
int srs_map_belongs(const struct xcp_response *r, struct reg_belongs *out,
                    struct rm_err *err);
int srs_map_info(const struct xcp_response *r, struct reg_domain_info *out,
                 struct rm_err *err);
int srs_map_status(const struct xcp_response *r, struct reg_domain_status *out,
                   struct rm_err *err);
/* srs_map_expiring_page - append one page's exp_domains to out (items
 * grow), and report remainder (0 on the last page). */
int srs_map_expiring_page(const struct xcp_response *r,
                          struct reg_expiring *out, int64_t *remainder,
                          struct rm_err *err);
int srs_map_balance(const struct xcp_response *r, struct reg_balance *out,
                    struct rm_err *err);
int srs_map_price(const struct xcp_response *r, struct reg_price *out,
                  struct rm_err *err);

/* After the sale. Writes map as srs_map_op (kind REG_KIND_CANCEL), with
 * these additions:
 * srs_map_update_contacts - also reads attributes.details.<domain>: a
 *   per-domain is_success 0 makes a top-level success FAILED (definite
 *   code) or PENDING (any other); details of the wrong shape, or without
 *   an entry for the domain: PENDING. No details at all: the top level
 *   decides.
 * srs_map_set_privacy - an explicit refusal whose text says the privacy
 *   service is not available for the domain or the account ("cannot be
 *   applied", "not available", "not supported", "not offered", "not
 *   allowed") is FAILED with not_offered, whatever its code. */
void srs_map_update_contacts(const struct xcp_response *r, const char *domain,
                             struct reg_op_result *out);
void srs_map_set_privacy(const struct xcp_response *r,
                         struct reg_privacy_result *out);
/* srs_map_ns_check - 200: exists; 212 (is_success 0): absent, not an
 * error; anything else refused. */
int srs_map_ns_check(const struct xcp_response *r, struct reg_ns_check *out,
                     struct rm_err *err);
/* srs_map_hosts - GET NAMESERVER: nameserver_list [{name, ipaddress,
 * ipv6, can_delete}]; an item without a name is a protocol error. */
int srs_map_hosts(const struct xcp_response *r, struct reg_hosts *out,
                  struct rm_err *err);
/* srs_map_contacts - GET DOMAIN all_info (or one type): contact_set. */
int srs_map_contacts(const struct xcp_response *r, struct reg_contacts *out,
                     struct rm_err *err);
/* srs_map_nexus - GET DOMAIN type=nexus_info: attributes.nexus. */
int srs_map_nexus(const struct xcp_response *r, struct reg_nexus_info *out,
                  struct rm_err *err);
int srs_map_auth_code(const struct xcp_response *r, struct reg_auth_code *out,
                      struct rm_err *err);
/* srs_map_privacy - GET whois_privacy_state: attributes.state required. */
int srs_map_privacy(const struct xcp_response *r, struct reg_privacy *out,
                    struct rm_err *err);
/* srs_map_transfers_away_page - append one page's transfers to out and
 * report total (-1 when not given). Dates from *_epoch when present, else
 * "YYYY-MM-DD HH:MM:SS" or "DD-MON-YYYY HH:MM:SS". */
int srs_map_transfers_away_page(const struct xcp_response *r,
                                struct reg_transfers_away *out, int64_t *total,
                                struct rm_err *err);

/*
 * srs_map_events - a POLL EVENT answer: the first limit (clamped as in
 * srs_req_poll_events) items of attributes.events, oldest first, into
 * out->items (reg_events_release), and attributes.total (-1 when not
 * given; raised to the number of items listed when lower). Items past
 * limit are left for a later poll: unacknowledged, they come again.
 *
 * Per event: event_id (required), event, object, event_date, and from
 * object_data domain_name (lowercased), order_id, order_status,
 * transfer_status (or status), expiration_date; every scalar of
 * object_data also goes into data as "key=value; ...". Dates are what
 * reg_parse_time reads (the registrar writes "2014-06-19T15:31:47Z").
 * Kind, from object and event (any case):
 *   ORDER STATUS_CHANGE              → ORDER_STATUS (needs order_id)
 *   DOMAIN REGISTERED | CREATED      → DOMAIN_REGISTERED
 *   DOMAIN RENEWED                   → DOMAIN_RENEWED
 *   DOMAIN DELETED                   → DOMAIN_DELETED
 *   DOMAIN anything else             → DOMAIN_CHANGED
 *   TRANSFER STATUS_CHANGE           → TRANSFER_STATUS
 *   anything else                    → OTHER
 * DOMAIN_* and TRANSFER_STATUS need domain_name. An event lacking what its
 * kind needs is OTHER: nothing to apply, but it can be acknowledged.
 *
 * The whole answer is RM_EPROTO - nothing half-mapped - when events is
 * not a list, an item is not a structure, an item has no usable event_id
 * (it could never be acknowledged, so skipping it would hide it for
 * ever), a known field has the wrong type, a date does not read, an id or
 * a name does not fit its buffer, or total is not a count. Unknown fields
 * are ignored. is_success 0 is refused as for any query.
 */
int srs_map_events(const struct xcp_response *r, int limit,
                   struct reg_events *out, struct rm_err *err);
/* srs_map_ack - an ACK EVENT answer: 0 when acknowledged; RM_ENOTFOUND
 * when the registrar does not know the event (480, "not found": already
 * acknowledged); RM_EPROTO for any other refusal. out is always filled. */
int srs_map_ack(const struct xcp_response *r, struct reg_reply *out,
                struct rm_err *err);

#endif
