/*
 * domchange - what the owner of a registered domain changes at the
 * registrar after the sale: its nameservers, its child nameservers, its
 * registrar lock, its EPP auth code, its WHOIS privacy (design section 4 rule
 * 10: changes without a fee are operations too - recorded, logged, classified;
 * an unknown outcome is resolved by reading the domain back, never by sending
 * again).
 *
 * Who: account NULL is the admin (any domain); an account name limits
 * every call to that account's domains - another account's domain, or a
 * name regman does not hold, is RM_ENOTFOUND "no such domain" alike. The
 * domain must be active (or expired: still ours at the registrar);
 * registering, transferring, renewing or gone is RM_EREFUSED.
 *
 * A change is one domain_changes row (migration 013), moved
 *   new      what is checked before anything is changed (nameservers:
 *            each must exist at the registry - REGISTRY_CHECK_NAMESERVER;
 *            one that does not, outside the domain itself, is added there
 *            with REGISTRY_ADD_NS; still missing → failed, naming it)
 *   sending  committed before the request leaves
 *   then     succeeded (the registrar said done)
 *            failed    (it refused, or it was never sent; the answer says
 *                       why)
 *            succeeded/failed by read-back when its answer was lost: the
 *                       domain is read back (GET DOMAIN nameservers or
 *                       status) and compared with what was asked
 *            unknown   when the read-back cannot tell (an auth code is
 *                       never read back: its change stays unknown)
 * Each step commits on its own; the exchanges are written to the registrar
 * log as for orders (by domain and time).
 *
 * Reads (the nameservers, the lock, the auth code) ask the registrar each
 * time: it holds the truth, regman keeps no copy.
 */
#ifndef RM_CORE_DOMCHANGE_H
#define RM_CORE_DOMCHANGE_H

#include <stdbool.h>
#include <stdint.h>

#include "core/app.h"
#include "core/names.h"
#include "registrar/registrar.h"
#include "util/err.h"

#define DOMCHANGE_ANSWER_MAX 1024
#define DOMCHANGE_AUTH_MIN 6
#define DOMCHANGE_AUTH_MAX 32

struct domchange_who {
    const char *account; /* NULL: the admin */
};

struct domchange_result {
    int64_t id;        /* the domain_changes row */
    int64_t op_id;     /* a charged change (privacy): its operation, else 0 */
    int64_t amount;    /* charged by it (minor units), 0 when free */
    int64_t refunded;  /* given back when it failed at once */
    char op_state[16]; /* its operation's state: succeeded, failed, pending */
    char domain[NAME_MAX_ASCII + 1];        /* as stored (A-labels) */
    char state[16];                         /* succeeded | failed | unknown */
    char answer[DOMCHANGE_ANSWER_MAX];      /* the registrar's, for people */
    char auth_code[DOMCHANGE_AUTH_MAX + 1]; /* auth code reset: the new one */
};

/* domchange_outcome - 0 succeeded, RM_EREFUSED failed, 1 unknown. */
int domchange_outcome(const struct domchange_result *r);

/* domchange_nameservers - assign ns[0..n-1] (2..REG_NS_MAX host names,
 * each given once) to name. Returns 0 once the change is recorded (its
 * state in res), or a negative code before anything was recorded (bad
 * input: RM_EINVAL naming the host). */
int domchange_nameservers(struct app *app, const struct domchange_who *who,
                          const char *name, const char *const *ns, size_t n,
                          struct domchange_result *res, struct rm_err *err);

/* domchange_lock - the registrar lock of name on or off (a locked domain
 * cannot be transferred away). As domchange_nameservers. */
int domchange_lock(struct app *app, const struct domchange_who *who,
                   const char *name, bool on, struct domchange_result *res,
                   struct rm_err *err);

/* domchange_privacy - WHOIS privacy of name on or off (MODIFY
 * whois_privacy_state). When the registrar says, on GET status, that the
 * domain's TLD has no privacy, nothing is sent: the change is failed with
 * that reason; the registrar's own refusal ("not offered") is failed too.
 * A lost answer is read back (GET whois_privacy_state: enabled or
 * enabling is on). As domchange_nameservers.
 *
 * Turning it on where the domain's TLD has a privacy price (core/tld.h,
 * privacy:1) is charged: an operation of kind 'privacy' (term 1, amount
 * the price, the domain's account, actor as the change's) charged with
 * the change recorded in the same transaction (domchange.c C4); res says
 * op_id, amount, refunded and op_state. Refused (RM_EREFUSED) before
 * anything is recorded or charged: insufficient funds (the ledger's words,
 * as for orders), privacy already on, not offered for the TLD. A refused
 * or never-sent change refunds at once; a lost answer the read-back cannot
 * settle leaves the change 'unknown' and the operation pending (charged)
 * for the Async Manager, which reads the state again (ops_poll_run) and
 * keeps or refunds the charge. Turning it off is always free. */
int domchange_privacy(struct app *app, const struct domchange_who *who,
                      const char *name, bool on, struct domchange_result *res,
                      struct rm_err *err);

/* domchange_privacy_price - the yearly privacy price of domain's TLD, or
 * TLD_NOPRICE (free, or a TLD not offered). */
int domchange_privacy_price(struct app *app, const char *domain, int64_t *price,
                            struct rm_err *err);

/* domchange_settle_linked - inside the caller's write transaction: the
 * change rows of charged operation op_id not ended yet end with it
 * (succeeded, else failed), the answer naming the operation and reason
 * (core/ops.c op_finish calls it for a privacy operation). */
int domchange_settle_linked(struct app *app, int64_t op_id, bool succeeded,
                            const char *reason, int64_t now,
                            struct rm_err *err);

/* What the registrar says of name's WHOIS privacy now. */
struct domchange_privacy_view {
    char domain[NAME_MAX_ASCII + 1];
    char state[32]; /* enabled, disabled, enabling, disabling (or the
                     * registrar's own word) */
    bool on;        /* enabled or enabling */
    int offered;    /* 1 offered, -1 not offered for the TLD, 0 not said */
    int64_t price;  /* turning it on costs this a year (minor units);
                     * TLD_NOPRICE (core/tld.h) when it is free */
};

/* domchange_privacy_read - name's WHOIS privacy (GET DOMAIN
 * whois_privacy_state, and status for whether it is offered). */
int domchange_privacy_read(struct app *app, const struct domchange_who *who,
                           const char *name, struct domchange_privacy_view *out,
                           struct rm_err *err);

/* domchange_auth_code_set - a new EPP auth code for name: code, or when
 * NULL a random one (16 letters and digits, in res->auth_code). A code is
 * DOMCHANGE_AUTH_MIN..MAX printable ASCII characters without spaces. */
int domchange_auth_code_set(struct app *app, const struct domchange_who *who,
                            const char *name, const char *code,
                            struct domchange_result *res, struct rm_err *err);

/* domchange_auth_code_send - the registrar mails the auth code to the
 * domain's admin contact (SEND_AUTHCODE). */
int domchange_auth_code_send(struct app *app, const struct domchange_who *who,
                             const char *name, struct domchange_result *res,
                             struct rm_err *err);

/* domchange_host_add - a child nameserver host (a name under name, e.g.
 * ns1.NAME) at the registry with its addresses ip[0..nip-1]: one IPv4,
 * one IPv6 or one of each (CREATE NAMESERVER). */
int domchange_host_add(struct app *app, const struct domchange_who *who,
                       const char *name, const char *host,
                       const char *const *ip, size_t nip,
                       struct domchange_result *res, struct rm_err *err);

/* domchange_host_set - its addresses replaced by ip (as add), and with
 * rename (not NULL) its name changed too (MODIFY NAMESERVER); the domains
 * it serves follow the rename at the registry. */
int domchange_host_set(struct app *app, const struct domchange_who *who,
                       const char *name, const char *host,
                       const char *const *ip, size_t nip, const char *rename,
                       struct domchange_result *res, struct rm_err *err);

/* domchange_host_rm - the host deleted (DELETE NAMESERVER); a host that
 * still serves a domain is refused by the registry. */
int domchange_host_rm(struct app *app, const struct domchange_who *who,
                      const char *name, const char *host,
                      struct domchange_result *res, struct rm_err *err);

/* domchange_hosts - name's child nameservers (GET NAMESERVER all);
 * reg_hosts_release *out. */
int domchange_hosts(struct app *app, const struct domchange_who *who,
                    const char *name, struct reg_hosts *out,
                    struct rm_err *err);

/* domchange_contacts - the contact of type (owner, admin, billing,
 * tech; NULL: all four) of name changed: values as contact_set's
 * (account.h; NULL: keep what the registrar holds now - for a type it has
 * none of, the owner's), checked as contact_set checks them before
 * anything is recorded (RM_EINVAL naming the field), then UPDATE_CONTACTS.
 * The record names the types and fields changed, never their values. */
int domchange_contacts(struct app *app, const struct domchange_who *who,
                       const char *name, const char *type,
                       const char *const *values, struct domchange_result *res,
                       struct rm_err *err);

/* domchange_contacts_read - name's four contacts at the registrar (GET
 * DOMAIN). */
int domchange_contacts_read(struct app *app, const struct domchange_who *who,
                            const char *name, struct reg_contacts *out,
                            struct rm_err *err);

/* domchange_nexus - a .us domain's nexus at the registrar (MODIFY
 * nexus_info), recorded as a contacts change ({"nexus": ...}): category
 * C11 C12 C21 C31 C32, purpose P1..P5, validator (an ISO country) for
 * C31/C32 only - the rules of the account's registrant details
 * (registrant_merge). A lost answer is read back (GET nexus_info). */
int domchange_nexus(struct app *app, const struct domchange_who *who,
                    const char *name, const char *category, const char *purpose,
                    const char *validator, struct domchange_result *res,
                    struct rm_err *err);

/* domchange_siblings - cb for every active or expired domain of the
 * account that holds name (name's included, by name), until cb returns
 * non-zero: "apply to all my domains". */
int domchange_siblings(struct app *app, const struct domchange_who *who,
                       const char *name,
                       int (*cb)(const char *domain, void *arg), void *arg,
                       struct rm_err *err);

/* What the registrar says now. */
struct domchange_view {
    char domain[NAME_MAX_ASCII + 1];
    char nameservers[REG_NS_MAX][REG_DOMAIN_MAX];
    size_t n_nameservers;
    bool locked;
    char auth_code[REG_AUTH_MAX]; /* domchange_read with auth: the code */
};

/* domchange_read - name's nameservers and lock (GET DOMAIN all_info and
 * status), and with auth its auth code (GET DOMAIN domain_auth_info). */
int domchange_read(struct app *app, const struct domchange_who *who,
                   const char *name, bool auth, struct domchange_view *out,
                   struct rm_err *err);

/* One recorded change, newest first (domchange_history). */
struct domchange_row {
    int64_t id, created_at, finished_at;
    const char *kind, *actor, *request, *state, *answer;
};

/* domchange_history - name's changes, newest first, at most limit. */
int domchange_history(struct app *app, const struct domchange_who *who,
                      const char *name, int limit,
                      int (*cb)(const struct domchange_row *r, void *arg),
                      void *arg, struct rm_err *err);

/*
 * domchange_sweep - nothing is left without an outcome (the Async
 * Manager's sweep runs it): a change still `new` DOMCHANGE_STALE_S after
 * it was recorded was never sent (regman stopped before sending:
 * `sending` is committed before a request leaves) and fails; one still
 * `sending` that long after it was sent, or one `unknown` for less than
 * DOMCHANGE_REREAD_S, is read back from the registrar - never sent again
 * - and settled when the read-back tells (succeeded/failed), else left
 * (or made) unknown. Nameservers, lock, privacy and child hosts can be
 * read back; contacts (whose values are not recorded), auth codes and
 * sent mails cannot: they become or stay unknown. A charged change
 * (linked to its operation) is left to its operation, which the Async
 * Manager settles and which settles the change with it. Every move names
 * the state it read (D10), so two sweeps never settle one change twice.
 * At most DOMCHANGE_SWEEP_MAX changes per sweep, oldest first.
 */
#define DOMCHANGE_STALE_S 900
#define DOMCHANGE_REREAD_S (7 * 86400)
#define DOMCHANGE_SWEEP_MAX 100

struct domchange_sweep_stats {
    int checked;    /* changes looked at */
    int never_sent; /* `new` ones failed */
    int settled;    /* read back and settled */
    int unknown;    /* still unknown */
};

int domchange_sweep(struct app *app, struct domchange_sweep_stats *st,
                    struct rm_err *err);

#endif
