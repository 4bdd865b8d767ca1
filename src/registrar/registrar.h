/*
 * registrar - the registrar-neutral interface: a table of functions
 * (struct registrar_ops) and the result types core code works with.
 *
 * Core never includes a driver; it holds a struct registrar (ops + the
 * driver's opaque state) and calls through reg_* wrappers below. A driver
 * (src/opensrs/srs.h for OpenSRS) fills the table.
 *
 * Two kinds of call:
 *
 * Queries (lookup, info, status, balance, price, order/queue/transfer
 * status, expiring list, suggestions) have no side effect. They return 0
 * when the registrar answered and the answer was understood; otherwise a
 * negative rm_errcode with err filled, and out->reply says why:
 *   reply.delivery != REG_ANSWERED  the registrar did not answer (RM_EIO);
 *   REG_ANSWERED, is_success 0      the registrar refused (RM_ENOTFOUND for
 *                                   "no such object", RM_EPROTO otherwise);
 *   REG_ANSWERED, unreadable        the answer broke the protocol
 *                                   (RM_EPROTO).
 * Queries are safe to repeat.
 *
 * Operations (register, transfer, renew, process_pending, cancel_order,
 * cancel_transfer) have side effects. They return 0 whenever out->state
 * is meaningful, which is always, except RM_EINVAL for a request that is
 * invalid before anything was sent (then state is REG_OP_NOT_SENT). The
 * state follows design §4 rule 3 - only an explicit refusal is FAILED:
 *   REG_OP_DONE      the registrar says it is done;
 *   REG_OP_FAILED    the registrar explicitly and definitely refused;
 *   REG_OP_PENDING   accepted for later, queued, forced pending, or the
 *                    outcome is uncertain (timeout after sending, reset,
 *                    HTTP error, unparsable answer, unknown or "retry"
 *                    codes). Find out later with read-only queries; never
 *                    resend the operation.
 *   REG_OP_NOT_SENT  the request cannot have reached the registrar (DNS,
 *                    connection refused, TLS handshake): safe to retry.
 *
 * Ownership: request structs and the strings they point to are the
 * caller's and only read during the call. Result structs are filled by
 * the callee; those with a *_release function own heap memory that the
 * caller frees with it. All times are UTC time_t; 0 means "not given".
 * Money is int64 minor units (cents), never floating point.
 */
#ifndef RM_REGISTRAR_REGISTRAR_H
#define RM_REGISTRAR_REGISTRAR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "util/err.h"

#define REG_DOMAIN_MAX 256 /* buffer size for a domain name */
#define REG_ID_MAX 64      /* buffer size for an order/queue/transfer id */
#define REG_TEXT_MAX 512   /* buffer size for registrar text */
#define REG_NS_MAX 13      /* nameservers kept per domain */

/* --- the answer every call carries ------------------------------------ */

/* How a request ended at the transport level. */
enum reg_delivery {
    REG_ANSWERED, /* the registrar answered with a readable message */
    REG_NOT_SENT, /* cannot have reached the registrar: safe to retry */
    REG_UNKNOWN   /* may have reached it; no valid answer came back */
};

struct reg_reply {
    enum reg_delivery delivery;
    bool is_success;         /* registrar's own flag (answered only) */
    int code;                /* registrar response code, 0 if none */
    char text[REG_TEXT_MAX]; /* registrar text, or the transport error */
};

const char *reg_delivery_name(enum reg_delivery d);

/* --- operations ------------------------------------------------------- */

enum reg_op_state {
    REG_OP_DONE,
    REG_OP_FAILED,
    REG_OP_PENDING,
    REG_OP_NOT_SENT
};

/* Why an operation is pending (what to poll, how long to expect). */
enum reg_pending_why {
    REG_PENDING_NONE,     /* not pending */
    REG_PENDING_ASYNC,    /* sent to an asynchronous registry (250) */
    REG_PENDING_QUEUED,   /* queued at the registrar (queue_id set) */
    REG_PENDING_FORCED,   /* saved as a pending order (forced_pending):
                           * funds, validation; needs process_pending */
    REG_PENDING_SAVED,    /* the caller asked for a saved order */
    REG_PENDING_TRANSFER, /* transfer requested; takes days */
    REG_PENDING_RETRY,    /* registrar busy/timed out (705 486 437 300
                           * 310 400 404 ...): outcome unknown */
    REG_PENDING_UNKNOWN,  /* unknown code or unreadable answer */
    REG_PENDING_TRANSPORT /* no answer after the request may have left */
};

enum reg_op_kind {
    REG_KIND_REGISTER,
    REG_KIND_TRANSFER,
    REG_KIND_RENEW,
    REG_KIND_RESTORE, /* restore in redemption: a refusal is 400 too */
    REG_KIND_CANCEL   /* cancel an order or a transfer; revoke, modify */
};

struct reg_op_result {
    struct reg_reply reply;
    enum reg_op_state state;
    enum reg_pending_why why;
    char order_id[REG_ID_MAX];    /* "" if not given */
    char queue_id[REG_ID_MAX];    /* queue_request_id, "" if none */
    char transfer_id[REG_ID_MAX]; /* "" if none */
    time_t expiry;                /* new expiry when known, else 0 */
    char reason[REG_TEXT_MAX];    /* why failed/pending, for people */
};

const char *reg_op_state_name(enum reg_op_state s);
const char *reg_pending_why_name(enum reg_pending_why w);

/* A contact; NULL fields are omitted. */
struct reg_contact {
    const char *first_name, *last_name, *org_name;
    const char *address1, *address2, *address3;
    const char *city, *state, *postal_code, *country; /* ISO 3166 alpha-2 */
    const char *phone, *fax;                          /* +1.4165550123 */
    const char *email, *url, *lang_pref;
};

/* A registrar-specific extra as a dotted path below the TLD data, e.g.
 * {"nexus.category", "C11"} for .us. */
struct reg_kv {
    const char *key;
    const char *value;
};

/* A registration or a transfer-in order. */
struct reg_domain_order {
    const char *domain;
    int period; /* years, 1..10 */
    const struct reg_contact *owner, *admin, *billing;
    const struct reg_contact *tech; /* NULL: the registrar's default tech */
    const char *const *nameservers; /* in order; n_nameservers 0: defaults */
    size_t n_nameservers;
    const char *reg_username, *reg_password; /* registrant profile */
    bool auto_renew;
    bool lock;
    bool save_only;        /* create a saved (unprocessed) order */
    const char *auth_info; /* transfer auth code; NULL for new */
    const struct reg_kv *tld_data;
    size_t n_tld_data;
    /* .ca (CIRA): the registrant's legal type; NULL: none sent. With it go
     * isa_trademark and lang_pref ("EN" or "FR"). */
    const char *legal_type;
    bool isa_trademark;
    const char *lang_pref;
};

struct reg_renew_req {
    const char *domain;
    int current_expiry_year; /* guards against applying a renewal twice */
    int period;
    bool auto_renew;
};

/* --- queries ---------------------------------------------------------- */

enum reg_availability {
    REG_AVAILABLE,
    REG_TAKEN,
    REG_PENDING_ELSEWHERE, /* taken: a registration is waiting (221) */
    REG_INVALID            /* the name is not valid for the registry */
};

struct reg_lookup {
    struct reg_reply reply;
    enum reg_availability availability;
    bool has_claim; /* trademark claims period */
    bool premium;   /* registry premium name */
};

/* The service of NAME_SUGGEST an item came from. */
enum reg_suggest_from {
    REG_SUGGEST_LOOKUP,     /* the search word in each TLD asked */
    REG_SUGGEST_SUGGESTION, /* names like it */
    REG_SUGGEST_PREMIUM     /* premium names (reg_suggest_ex) */
};

struct reg_suggestion {
    char domain[REG_DOMAIN_MAX];
    bool available;
    bool premium;  /* from the premium service (reg_suggest_ex) */
    int64_t price; /* minor units, the account's currency; premium
                    * names only, -1 when not given */
    enum reg_suggest_from from;
    /* the registrar's word: available, taken, or (lookup) undetermined,
     * in_progress - neither available nor taken */
    char status[24];
};

struct reg_suggest {
    struct reg_reply reply;
    struct reg_suggestion *items; /* owned; reg_suggest_release */
    size_t n;
};
void reg_suggest_release(struct reg_suggest *s);

enum reg_transfer_state {
    REG_XFER_NONE, /* no transfer known */
    REG_XFER_PENDING_OWNER,
    REG_XFER_PENDING_ADMIN,
    REG_XFER_PENDING_REGISTRY,
    REG_XFER_COMPLETED,
    REG_XFER_CANCELLED,
    REG_XFER_UNKNOWN /* a status this interface does not know */
};
const char *reg_transfer_state_name(enum reg_transfer_state s);
/* reg_transfer_state_parse - map a registrar status word; "" → NONE,
 * anything unrecognised → UNKNOWN. */
enum reg_transfer_state reg_transfer_state_parse(const char *s);

struct reg_transfer_info {
    struct reg_reply reply;
    bool transferable;
    enum reg_transfer_state state; /* of the last transfer request */
    char status[64];               /* the registrar's word for it */
    char reason[REG_TEXT_MAX];
    time_t when; /* time of the last status change, 0 if unknown */
};

struct reg_transfer_in {
    char domain[REG_DOMAIN_MAX];
    char order_id[REG_ID_MAX];
    char transfer_id[REG_ID_MAX];
    enum reg_transfer_state state;
    char status[64];
    time_t order_date, completed_date;
    char losing_registrar[128];
};

struct reg_transfers {
    struct reg_reply reply;
    struct reg_transfer_in *items; /* owned; reg_transfers_release */
    size_t n;
};
void reg_transfers_release(struct reg_transfers *t);

enum reg_order_state {
    REG_ORDER_PENDING,   /* saved, not submitted */
    REG_ORDER_PROCESSED, /* waiting for owner or registry action */
    REG_ORDER_WAITING,   /* in progress at an asynchronous registry */
    REG_ORDER_COMPLETED,
    REG_ORDER_DECLINED,
    REG_ORDER_CANCELLED,
    REG_ORDER_UNKNOWN
};
const char *reg_order_state_name(enum reg_order_state s);
enum reg_order_state reg_order_state_parse(const char *s);

struct reg_order_info {
    struct reg_reply reply;
    char order_id[REG_ID_MAX];
    char domain[REG_DOMAIN_MAX];
    char reg_type[32]; /* new, renewal, transfer, ... */
    enum reg_order_state state;
    char status[64]; /* the registrar's word */
    int period;      /* 0 if not given */
};

/* A queued request (queue_request_id). */
enum reg_queue_state {
    REG_QUEUE_WAITING,   /* still queued / in progress */
    REG_QUEUE_COMPLETED, /* executed successfully */
    REG_QUEUE_FAILED,    /* executed and refused */
    REG_QUEUE_UNKNOWN
};
const char *reg_queue_state_name(enum reg_queue_state s);

struct reg_queue_info {
    struct reg_reply reply;
    enum reg_queue_state state;
    char status[64];
    char order_id[REG_ID_MAX];
    char domain[REG_DOMAIN_MAX];
};

struct reg_belongs {
    struct reg_reply reply;
    bool ours;
    time_t expiry; /* when ours */
};

struct reg_domain_contact {
    char first_name[128], last_name[128], org_name[128];
    char email[256], phone[64], country[8];
};

/* Where a domain stands in the registry's life after expiry, when the
 * registrar says (opensrs-sim's lifecycle_phase; OpenSRS names none). */
enum reg_phase {
    REG_PHASE_NONE, /* not stated */
    REG_PHASE_ACTIVE,
    REG_PHASE_GRACE,      /* expired: renewable */
    REG_PHASE_REDEMPTION, /* restorable only */
    REG_PHASE_PENDING_DELETE,
    REG_PHASE_DELETED
};

struct reg_domain_info {
    struct reg_reply reply;
    time_t expiry, created, updated;
    /* the phase after expiry and its dates, when the registrar states
     * them (0 / REG_PHASE_NONE otherwise) */
    enum reg_phase phase;
    time_t grace_end, redemption_end, delete_at;
    bool auto_renew;
    bool let_expire;
    char sponsoring_rsp[128];
    struct reg_domain_contact owner, admin, billing, tech;
    char nameservers[REG_NS_MAX][REG_DOMAIN_MAX]; /* by sortorder */
    size_t n_nameservers;
};

struct reg_domain_status {
    struct reg_reply reply;
    bool locked;
    bool can_modify;
    bool transfer_away_in_progress;
    /* WHOIS privacy for this domain: 1 offered, -1 not offered, 0 the
     * registrar did not say (OpenSRS: domain_supports.whois_privacy) */
    int privacy_offered;
    bool restore_pending; /* a restore was taken and is not done yet */
    enum reg_phase phase; /* as in reg_domain_info */
};

struct reg_expiring_item {
    char domain[REG_DOMAIN_MAX];
    time_t expiry;
    bool auto_renew;
    bool let_expire;
};

struct reg_expiring {
    struct reg_reply reply;
    struct reg_expiring_item *items; /* owned; reg_expiring_release */
    size_t n;
};
void reg_expiring_release(struct reg_expiring *e);

struct reg_balance {
    struct reg_reply reply;
    int64_t balance; /* minor units */
    int64_t hold;    /* minor units; available = balance - hold */
};

enum reg_price_type { REG_PRICE_NEW, REG_PRICE_RENEWAL, REG_PRICE_TRANSFER };

struct reg_price {
    struct reg_reply reply;
    int64_t price; /* minor units */
    bool premium;
};

/* --- the table -------------------------------------------------------- */

/* --- the event stream ------------------------------------------------
 *
 * What happens to orders, domains and transfers, published by the
 * registrar (OpenSRS POLL EVENT / ACK EVENT, shared/opensrs-xcp.md
 * §5.21): a poll returns the oldest unacknowledged events, and each stays
 * in later polls until it is acknowledged, so delivery is at least once
 * and a client applies an event idempotently (by its id) before it
 * acknowledges it. */
enum reg_event_kind {
    REG_EVENT_OTHER,             /* anything below does not name */
    REG_EVENT_ORDER_STATUS,      /* ORDER STATUS_CHANGE: order_id, state */
    REG_EVENT_DOMAIN_REGISTERED, /* DOMAIN REGISTERED or CREATED: domain,
                                  * expiry when given */
    REG_EVENT_DOMAIN_RENEWED,    /* DOMAIN RENEWED: domain, expiry */
    REG_EVENT_DOMAIN_DELETED,    /* DOMAIN DELETED: domain */
    REG_EVENT_DOMAIN_CHANGED,    /* DOMAIN NAMESERVER_UPDATE and other
                                  * changes of a domain: domain */
    REG_EVENT_TRANSFER_STATUS    /* TRANSFER STATUS_CHANGE: domain,
                                  * transfer_state, order_id if given */
};
const char *reg_event_kind_name(enum reg_event_kind k);

struct reg_event {
    char id[REG_ID_MAX]; /* event_id */
    char event[48];      /* the registrar's word: STATUS_CHANGE, ... */
    char object[16];     /* ORDER, DOMAIN, TRANSFER, ... */
    enum reg_event_kind kind;
    time_t at; /* event_date; 0 if not given */
    char domain[REG_DOMAIN_MAX];
    char order_id[REG_ID_MAX];
    char status[64]; /* order_status / transfer status, the registrar's word */
    enum reg_order_state order_state;       /* REG_EVENT_ORDER_STATUS */
    enum reg_transfer_state transfer_state; /* REG_EVENT_TRANSFER_STATUS */
    time_t expiry;                          /* expiration_date; 0: not given */
    char data[1024]; /* object_data's scalar fields as key=value pairs
                      * joined by "; " (truncated), for the admin */
};

struct reg_events {
    struct reg_reply reply;
    struct reg_event *items; /* owned; reg_events_release */
    size_t n;
    int64_t total; /* events waiting, this page included; -1: not given */
};
void reg_events_release(struct reg_events *e);

/* --- after the sale: managing a domain of ours ------------------------
 *
 * Optional driver calls (NULL in struct registrar_ops when a driver lacks
 * them; the reg_* wrappers then answer RM_EINVAL, nothing sent, "not
 * supported by this registrar's driver"). Writes fill a struct
 * reg_op_result classified as every operation (only an explicit refusal
 * is REG_OP_FAILED; anything uncertain is REG_OP_PENDING, never resend
 * it, read back with the queries). Reads follow the query rules above.
 *
 * Already available elsewhere: a domain's nameservers in order are in
 * reg_domain_info (info), its registrar lock in reg_domain_status
 * (status). */

#define REG_NS_MIN 2     /* nameservers a delegation needs */
#define REG_IP_MAX 48    /* buffer size for an IPv4 or IPv6 address */
#define REG_AUTH_MAX 256 /* buffer size for an EPP auth code */

/* A host (child nameserver) under one of our domains. */
struct reg_host {
    const char *domain;   /* the parent domain, ours */
    const char *name;     /* the host's FQDN (current name to modify) */
    const char *ipv4;     /* NULL or "": none */
    const char *ipv6;     /* NULL or "": none; at least one address */
    const char *new_name; /* modify only: rename to; NULL keeps it */
};

struct reg_host_info {
    char name[REG_DOMAIN_MAX];
    char ipv4[REG_IP_MAX]; /* "" when none */
    char ipv6[REG_IP_MAX];
    bool can_delete; /* serves no domain at the registrar */
};

struct reg_hosts {
    struct reg_reply reply;
    struct reg_host_info *items; /* owned; reg_hosts_release */
    size_t n;
};
void reg_hosts_release(struct reg_hosts *h);

/* Whether a nameserver is known at the registry of a TLD. */
struct reg_ns_check {
    struct reg_reply reply;
    bool exists;
};

/* A contact as the registrar holds it ("" for fields not given). */
struct reg_contact_info {
    char first_name[128], last_name[128], org_name[128];
    char address1[256], address2[256], address3[256];
    char city[128], state[128], postal_code[64], country[8];
    char phone[64], fax[64], email[256], url[256], lang_pref[16];
};

struct reg_contacts {
    struct reg_reply reply;
    struct reg_contact_info owner, admin, billing, tech;
    bool has_owner, has_admin, has_billing, has_tech; /* given */
};

/* A contact change: NULL members are left as they are (at least one). */
struct reg_contact_update {
    const char *domain;
    const struct reg_contact *owner, *admin, *billing, *tech;
};

struct reg_auth_code {
    struct reg_reply reply;
    char code[REG_AUTH_MAX]; /* "" when the registrar has none */
};

/* A .US domain's nexus (GET/MODIFY nexus_info): the registrant's category
 * (C11, C12, C21, C31, C32), its purpose (P1..P5) and, for C31/C32, the
 * country it is a national of (ISO 3166 alpha-2; "" otherwise). */
struct reg_nexus {
    char category[8], app_purpose[8], validator[8];
};

struct reg_nexus_info {
    struct reg_reply reply;
    struct reg_nexus nexus; /* all "" when the domain has none */
};

enum reg_privacy_state {
    REG_PRIVACY_DISABLED,
    REG_PRIVACY_ENABLED,
    REG_PRIVACY_ENABLING,  /* being switched on */
    REG_PRIVACY_DISABLING, /* being switched off */
    REG_PRIVACY_UNKNOWN    /* a word this interface does not know */
};
const char *reg_privacy_state_name(enum reg_privacy_state s);

struct reg_privacy {
    struct reg_reply reply;
    enum reg_privacy_state state;
    char word[32]; /* the registrar's word */
};

/* The answer to turning WHOIS privacy on or off. */
struct reg_privacy_result {
    struct reg_op_result op;
    /* op.state FAILED because the service is not offered for the
     * domain's TLD or the account; false for any other outcome */
    bool not_offered;
};

/* Transfers of our domains to other registrars. */
struct reg_away_query {
    const char *domain; /* NULL: every domain */
    const char *status; /* NULL: any; else pending_owner, pending_admin,
                         * pending_registry, completed, cancelled */
};

struct reg_transfer_away {
    char domain[REG_DOMAIN_MAX];
    enum reg_transfer_state state;
    char status[64];             /* the registrar's word */
    time_t requested;            /* req_date; 0: not given */
    time_t owner_requested;      /* owner_request_date */
    time_t owner_confirmed;      /* owner_confirm_date */
    char gaining_registrar[128]; /* "" when not given */
};

struct reg_transfers_away {
    struct reg_reply reply;
    struct reg_transfer_away *items; /* owned; reg_transfers_away_release */
    size_t n;
};
void reg_transfers_away_release(struct reg_transfers_away *t);

/* Name suggestions with per-service settings; zero members take the
 * registrar's defaults. */
struct reg_suggest_service {
    const char *const *tlds; /* this service only; n_tlds 0: the common */
    size_t n_tlds;
    int maximum; /* results for this service; 0: registrar default */
};

struct reg_suggest_req {
    const char *search;
    const char *const *tlds; /* for every service */
    size_t n_tlds;
    struct reg_suggest_service lookup, suggestion;
    bool premium; /* also ask for premium names (with their price) */
    struct reg_suggest_service premium_opts;
    int64_t price_min, price_max; /* premium window, minor units; 0: none */
};

/*
 * struct registrar_ops - what a driver implements. Every member is
 * required except the event stream and the calls after the sale. impl is the
 * driver's state from struct registrar. Calls may be made from several threads
 * at once on one registrar.
 */
struct registrar_ops {
    const char *name; /* "opensrs" */

    int (*lookup)(void *impl, const char *domain, struct reg_lookup *out,
                  struct rm_err *err);
    int (*suggest)(void *impl, const char *search, const char *const *tlds,
                   size_t n_tlds, struct reg_suggest *out, struct rm_err *err);
    int (*register_domain)(void *impl, const struct reg_domain_order *o,
                           struct reg_op_result *out, struct rm_err *err);
    int (*transfer)(void *impl, const struct reg_domain_order *o,
                    struct reg_op_result *out, struct rm_err *err);
    int (*renew)(void *impl, const struct reg_renew_req *r,
                 struct reg_op_result *out, struct rm_err *err);
    /* restore - restore a domain in its redemption period (OpenSRS
     * REDEEM); the registry adds a renewal year. NULL: not offered. */
    int (*restore)(void *impl, const char *domain, struct reg_op_result *out,
                   struct rm_err *err);
    /* process_pending - submit a saved/forced-pending order; kind says
     * what the order was (a processed transfer stays pending). */
    int (*process_pending)(void *impl, const char *order_id,
                           enum reg_op_kind kind, struct reg_op_result *out,
                           struct rm_err *err);
    /* cancel_order - cancel a pending or declined order. */
    int (*cancel_order)(void *impl, const char *order_id,
                        struct reg_op_result *out, struct rm_err *err);
    /* cancel_transfer - by domain or order id (either may be NULL). */
    int (*cancel_transfer)(void *impl, const char *domain, const char *order_id,
                           struct reg_op_result *out, struct rm_err *err);
    /* revoke - delete a domain of ours at the registry (OpenSRS REVOKE;
     * within the add-grace period the registrar refunds it). DONE when
     * the registrar confirmed it. */
    int (*revoke)(void *impl, const char *domain, struct reg_op_result *out,
                  struct rm_err *err);
    /* set_expire_action - auto-renew on, or off and let it expire
     * silently (OpenSRS MODIFY expire_action). */
    int (*set_expire_action)(void *impl, const char *domain, bool auto_renew,
                             struct reg_op_result *out, struct rm_err *err);

    int (*transfer_status)(void *impl, const char *domain,
                           struct reg_transfer_info *out, struct rm_err *err);
    /* transfers_in - by domain or order id (either may be NULL). */
    int (*transfers_in)(void *impl, const char *domain, const char *order_id,
                        struct reg_transfers *out, struct rm_err *err);
    int (*order_info)(void *impl, const char *order_id,
                      struct reg_order_info *out, struct rm_err *err);
    int (*queue_info)(void *impl, const char *queue_id,
                      struct reg_queue_info *out, struct rm_err *err);
    int (*belongs)(void *impl, const char *domain, struct reg_belongs *out,
                   struct rm_err *err);
    int (*info)(void *impl, const char *domain, struct reg_domain_info *out,
                struct rm_err *err);
    int (*status)(void *impl, const char *domain, struct reg_domain_status *out,
                  struct rm_err *err);
    /* expiring - every domain expiring in [from, to] (dates, UTC),
     * all pages. */
    int (*expiring)(void *impl, time_t from, time_t to,
                    struct reg_expiring *out, struct rm_err *err);
    int (*balance)(void *impl, struct reg_balance *out, struct rm_err *err);
    int (*price)(void *impl, const char *domain, enum reg_price_type type,
                 int period, struct reg_price *out, struct rm_err *err);

    /* The event stream. Optional: NULL when the registrar has none.
     * poll_events - up to limit (1-100) unacknowledged events, oldest
     * first; a query. ack_event - drop one event from later polls; safe
     * to repeat (an event already acknowledged is RM_ENOTFOUND). */
    int (*poll_events)(void *impl, int limit, struct reg_events *out,
                       struct rm_err *err);
    int (*ack_event)(void *impl, const char *event_id, struct reg_reply *out,
                     struct rm_err *err);

    /* After the sale (optional: NULL when the driver lacks it).
     * set_nameservers - the domain's delegation becomes ns[0..n) in order
     * (REG_NS_MIN..REG_NS_MAX names). */
    int (*set_nameservers)(void *impl, const char *domain,
                           const char *const *ns, size_t n,
                           struct reg_op_result *out, struct rm_err *err);
    /* ns_check - whether host is known at the registry of tld (".com" or
     * "com"); a query. ns_registry_add - make it known there (all: at
     * every registry of the account). */
    int (*ns_check)(void *impl, const char *host, const char *tld,
                    struct reg_ns_check *out, struct rm_err *err);
    int (*ns_registry_add)(void *impl, const char *host, const char *tld,
                           bool all, struct reg_op_result *out,
                           struct rm_err *err);
    /* Child nameservers. host_modify replaces the address set (an
     * address not given is removed) and renames when new_name is set. */
    int (*host_create)(void *impl, const struct reg_host *h,
                       struct reg_op_result *out, struct rm_err *err);
    int (*host_modify)(void *impl, const struct reg_host *h,
                       struct reg_op_result *out, struct rm_err *err);
    int (*host_delete)(void *impl, const char *domain, const char *name,
                       struct reg_op_result *out, struct rm_err *err);
    int (*hosts)(void *impl, const char *domain, struct reg_hosts *out,
                 struct rm_err *err);
    int (*contacts)(void *impl, const char *domain, struct reg_contacts *out,
                    struct rm_err *err);
    int (*set_contacts)(void *impl, const struct reg_contact_update *u,
                        struct reg_op_result *out, struct rm_err *err);
    int (*set_lock)(void *impl, const char *domain, bool lock,
                    struct reg_op_result *out, struct rm_err *err);
    int (*auth_code)(void *impl, const char *domain, struct reg_auth_code *out,
                     struct rm_err *err);
    /* send_auth_code - the registrar mails the code to the domain's
     * admin contact. */
    int (*send_auth_code)(void *impl, const char *domain,
                          struct reg_op_result *out, struct rm_err *err);
    int (*set_auth_code)(void *impl, const char *domain, const char *code,
                         struct reg_op_result *out, struct rm_err *err);
    int (*nexus)(void *impl, const char *domain, struct reg_nexus_info *out,
                 struct rm_err *err);
    int (*set_nexus)(void *impl, const char *domain, const struct reg_nexus *n,
                     struct reg_op_result *out, struct rm_err *err);
    int (*privacy)(void *impl, const char *domain, struct reg_privacy *out,
                   struct rm_err *err);
    int (*set_privacy)(void *impl, const char *domain, bool on,
                       struct reg_privacy_result *out, struct rm_err *err);
    /* transfers_away - every page; q NULL: all. */
    int (*transfers_away)(void *impl, const struct reg_away_query *q,
                          struct reg_transfers_away *out, struct rm_err *err);
    /* suggest_ex - suggest with per-service settings and premium names. */
    int (*suggest_ex)(void *impl, const struct reg_suggest_req *q,
                      struct reg_suggest *out, struct rm_err *err);

    void (*free)(void *impl);
};

struct registrar {
    const struct registrar_ops *ops;
    void *impl;
};

/* reg_free - release a registrar made by a driver's constructor. */
void reg_free(struct registrar *r);

/* Thin wrappers so callers write reg_lookup(r, ...) (registrar.c). */
int reg_lookup(struct registrar *r, const char *domain, struct reg_lookup *out,
               struct rm_err *err);
int reg_register(struct registrar *r, const struct reg_domain_order *o,
                 struct reg_op_result *out, struct rm_err *err);
int reg_transfer(struct registrar *r, const struct reg_domain_order *o,
                 struct reg_op_result *out, struct rm_err *err);
/* reg_restore - ops->restore; RM_EINVAL (not sent) when the driver has
 * none. */
int reg_restore(struct registrar *r, const char *domain,
                struct reg_op_result *out, struct rm_err *err);
/* reg_phase_name - "active", "expired" (grace), "redemption", "pending_delete",
 * "deleted"; "" for REG_PHASE_NONE. */
const char *reg_phase_name(enum reg_phase p);
int reg_renew(struct registrar *r, const struct reg_renew_req *q,
              struct reg_op_result *out, struct rm_err *err);
int reg_transfer_status(struct registrar *r, const char *domain,
                        struct reg_transfer_info *out, struct rm_err *err);
int reg_order_info(struct registrar *r, const char *order_id,
                   struct reg_order_info *out, struct rm_err *err);
int reg_belongs(struct registrar *r, const char *domain,
                struct reg_belongs *out, struct rm_err *err);
int reg_balance(struct registrar *r, struct reg_balance *out,
                struct rm_err *err);
/* reg_has_events - the driver implements the event stream. */
bool reg_has_events(const struct registrar *r);
/* reg_poll_events, reg_ack_event - RM_EINVAL (nothing sent) when the
 * driver has no event stream. */
int reg_poll_events(struct registrar *r, int limit, struct reg_events *out,
                    struct rm_err *err);
int reg_ack_event(struct registrar *r, const char *event_id,
                  struct reg_reply *out, struct rm_err *err);

/* After the sale: each returns RM_EINVAL, nothing sent (out->state
 * REG_OP_NOT_SENT, or reply.delivery REG_NOT_SENT for a query), with
 * "not supported by this registrar's driver" when the driver lacks the
 * call; otherwise what the driver returns (see struct registrar_ops). */
int reg_set_nameservers(struct registrar *r, const char *domain,
                        const char *const *ns, size_t n,
                        struct reg_op_result *out, struct rm_err *err);
int reg_ns_check(struct registrar *r, const char *host, const char *tld,
                 struct reg_ns_check *out, struct rm_err *err);
int reg_ns_registry_add(struct registrar *r, const char *host, const char *tld,
                        bool all, struct reg_op_result *out,
                        struct rm_err *err);
int reg_host_create(struct registrar *r, const struct reg_host *h,
                    struct reg_op_result *out, struct rm_err *err);
int reg_host_modify(struct registrar *r, const struct reg_host *h,
                    struct reg_op_result *out, struct rm_err *err);
int reg_host_delete(struct registrar *r, const char *domain, const char *name,
                    struct reg_op_result *out, struct rm_err *err);
int reg_hosts(struct registrar *r, const char *domain, struct reg_hosts *out,
              struct rm_err *err);
int reg_contacts(struct registrar *r, const char *domain,
                 struct reg_contacts *out, struct rm_err *err);
int reg_set_contacts(struct registrar *r, const struct reg_contact_update *u,
                     struct reg_op_result *out, struct rm_err *err);
int reg_set_lock(struct registrar *r, const char *domain, bool lock,
                 struct reg_op_result *out, struct rm_err *err);
int reg_auth_code(struct registrar *r, const char *domain,
                  struct reg_auth_code *out, struct rm_err *err);
int reg_send_auth_code(struct registrar *r, const char *domain,
                       struct reg_op_result *out, struct rm_err *err);
int reg_set_auth_code(struct registrar *r, const char *domain, const char *code,
                      struct reg_op_result *out, struct rm_err *err);
int reg_nexus(struct registrar *r, const char *domain,
              struct reg_nexus_info *out, struct rm_err *err);
int reg_set_nexus(struct registrar *r, const char *domain,
                  const struct reg_nexus *n, struct reg_op_result *out,
                  struct rm_err *err);
int reg_privacy(struct registrar *r, const char *domain,
                struct reg_privacy *out, struct rm_err *err);
int reg_set_privacy(struct registrar *r, const char *domain, bool on,
                    struct reg_privacy_result *out, struct rm_err *err);
int reg_transfers_away(struct registrar *r, const struct reg_away_query *q,
                       struct reg_transfers_away *out, struct rm_err *err);
int reg_suggest_ex(struct registrar *r, const struct reg_suggest_req *q,
                   struct reg_suggest *out, struct rm_err *err);

/* --- helpers shared by drivers ---------------------------------------- */

/* reg_parse_time - "YYYY-MM-DD HH:MM:SS", "YYYY-MM-DD" or decimal unix
 * seconds, all UTC, or ISO 8601 with its zone ("YYYY-MM-DDTHH:MM:SSZ",
 * "...+HH:MM"), into *out. RM_EINVAL (message quotes the text) for
 * anything else, including out-of-range fields. */
int reg_parse_time(const char *s, time_t *out, struct rm_err *err);
/* reg_parse_money - decimal string ("1000.00", "-3.5", "12") into minor
 * units with 2 decimals; more decimals or junk is RM_EINVAL. */
int reg_parse_money(const char *s, int64_t *out, struct rm_err *err);

#endif
