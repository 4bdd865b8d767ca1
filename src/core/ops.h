/*
 * ops - domain operations through the operation state machine of design
 * section 4 (the diagram and the invariants are written in ops.c).
 *
 * Entry points return one of enum ops_outcome (>= 0) when an operation
 * row was created or looked at, or a negative code when the request was
 * refused BEFORE anything was written:
 *   RM_EINVAL / RM_ELIMIT / RM_ENOTFOUND  invalid input (name, TLD, term,
 *                                         account, contact, field size);
 *   RM_EREFUSED                           a business rule said no
 *                                         (insufficient funds, name live);
 *   RM_EIO / RM_EINTERNAL                 the store failed.
 * struct ops_result describes what happened.
 *
 * When an operation ends (succeeded, failed, timed_out, cancelled) the
 * customer's mail is one of the templates of templates/README.md, chosen
 * by kind and outcome, rendered from app->set.mail.templates_dir before
 * the write transaction and queued (outbox_queue, key op:<id>:<state>) in
 * the transaction that makes the move. Without a [mail] from address it
 * is skipped with a log line; a template that cannot be rendered keeps
 * the operation from ending (it stays sending/pending and is retried).
 */
#ifndef RM_CORE_OPS_H
#define RM_CORE_OPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/app.h"
#include "core/names.h"
#include "core/opstate.h"
#include "registrar/registrar.h"

#define OPS_AUTH_MAX 256
/* A watched operation (rule 9) is checked every OPS_WATCH_CADENCE poll
 * intervals, and once a day after OPS_WATCH_DAYS days (core/watch.h). */
#define OPS_WATCH_CADENCE 4
#define OPS_WATCH_DAYS 30

/* enum ops_state, ops_kind, ops_outcome and their names: core/opstate.h */

/* ops_plain_reason - why an operation in state (failed, timed_out,
 * cancelled) ended, in the customer's words, from its stored reason
 * (operations.pending_reason; "" when none): never a registrar code or an
 * Async Manager note. Writes at most n bytes to out. */
void ops_plain_reason(const char *state, const char *reason, char *out,
                      size_t n);

struct ops_result {
    int64_t op_id;
    int64_t domain_id;
    char state[16]; /* the operation's state after the call */
    int64_t amount; /* charged (and refunded when failed) */
    int64_t expires_at;
    char order_id[REG_ID_MAX];
    char queue_id[REG_ID_MAX];
    char reason[REG_TEXT_MAX];
    char transfer_status[64];
    int attempts; /* sends tried (NOT_SENT retries) */
};

struct ops_order_req {
    const char *name;               /* as typed (IDN allowed) */
    const char *account;            /* name or id */
    int term;                       /* years; 0 = 1 */
    const char *const *nameservers; /* NULL/0: the connection's defaults */
    size_t n_nameservers;
    const char *auth_code; /* transfers only */
    /* who asked (operations.actor): "admin" when an admin acts for the
     * account, NULL for the account's customer ("account:NAME") */
    const char *actor;
};

int ops_register(struct app *app, const struct ops_order_req *r,
                 struct ops_result *res, struct rm_err *err);
int ops_transfer(struct app *app, const struct ops_order_req *r,
                 struct ops_result *res, struct rm_err *err);
/* ops_renew - account (may be NULL) must own the domain when given. The
 * operation records who asked: the account's customer when account is
 * given, else the admin. */
int ops_renew(struct app *app, const char *name, const char *account, int term,
              struct ops_result *res, struct rm_err *err);
/* ops_renew_by - ops_renew recording actor ("admin": an admin acting for
 * the owner, who is charged; NULL as ops_renew). */
int ops_renew_by(struct app *app, const char *name, const char *account,
                 int term, const char *actor, struct ops_result *res,
                 struct rm_err *err);
/* ops_renew_keyed - ops_renew_by whose operation carries idem_key
 * (operations.idempotency_key, shorter than OPS_IDEM_MAX, not
 * OPS_AUTORENEW_PREFIX...): a caller that lost track (a bulk run cut
 * short) finds its operation by the key, and a second attempt with the
 * same key is RM_EREFUSED and writes nothing. */
int ops_renew_keyed(struct app *app, const char *name, const char *account,
                    int term, const char *actor, const char *idem_key,
                    struct ops_result *res, struct rm_err *err);

/* ops_restore - restore a domain in its redemption period (status
 * redemption, before its restorable_until, core/tld.h) through the
 * operation state machine: charged the TLD's restore fee plus one year's
 * renewal price (term 1: the registry adds a year), sent as the
 * registrar's restore (OpenSRS REDEEM); the domain is restoring while
 * the outcome is not known (the Async Manager follows it), active with
 * the registrar's new expiry when it succeeded, back in redemption with
 * the charge refunded when it did not. account and actor as ops_renew_by;
 * idem_key (may be NULL) as ops_renew_keyed. RM_EREFUSED (nothing
 * written) when the domain is not in redemption, the TLD offers no
 * restore, the period is over, or funds are short. */
int ops_restore(struct app *app, const char *name, const char *account,
                const char *actor, const char *idem_key, struct ops_result *res,
                struct rm_err *err);

/* Automatic renewals (core/lifecycle.h) carry an idempotency key that
 * starts with this prefix; their success mail is the lifecycle's. */
#define OPS_AUTORENEW_PREFIX "autorenew:"
#define OPS_IDEM_MAX 96
/* ops_renew_auto - ops_renew for the lifecycle: the operation carries
 * idem_key (OPS_AUTORENEW_PREFIX..., UNIQUE: a second attempt with the
 * same key is RM_EREFUSED and writes nothing), and the domain must
 * still expire at expires_at (else RM_EREFUSED). No customer mail is
 * queued when it succeeds (the lifecycle sends its own). */
int ops_renew_auto(struct app *app, const char *name, int term,
                   int64_t expires_at, const char *idem_key,
                   struct ops_result *res, struct rm_err *err);

/* ops_check - one read-only check of a pending operation (the Async
 * Manager's "check"); moves it when the registrar's answer settles it,
 * and past its deadline runs the final authoritative check (rule 5). */
int ops_check(struct app *app, int64_t op_id, struct ops_result *res,
              struct rm_err *err);

/* --- the Async Manager's poll (design section 4 rules 5 and 7) ----------
 *
 * ops_check is ops_target_get + ops_poll_run + ops_poll_apply. The Async
 * Manager (core/async.h) runs the middle step on worker threads: it only
 * talks to the registrar (read-only queries, never the order again), so
 * many polls run at once while one thread does every store write. */

enum ops_verdict {
    OPS_V_WAIT,   /* still in progress (or not ours yet) */
    OPS_V_DONE,   /* completed at the registrar */
    OPS_V_NO,     /* explicitly declined / cancelled / failed */
    OPS_V_UNKNOWN /* no usable answer: ask again later */
};
const char *ops_verdict_name(enum ops_verdict v);

/* What a poll needs to know about a pending operation (a copy). */
struct ops_target {
    int64_t id, connection_id, expiry_year, deadline_at;
    enum ops_kind kind;
    char domain[NAME_MAX_ASCII + 1];
    char order_id[REG_ID_MAX], queue_id[REG_ID_MAX];
};

#define OPS_ANSWER_MAX 1200
#define OPS_STOP_MAX 400

/*
 * Rule 9 (design section 4): before a refund ends an operation the
 * registrar may still complete, the registrar is asked to stop it
 * (PROCESS_PENDING command=cancel for an order id, CANCEL_TRANSFER for a
 * transfer). What it said:
 */
enum ops_stop {
    OPS_STOP_NONE,     /* not asked: the operation does not end here */
    OPS_STOP_STOPPED,  /* confirmed: the order cannot complete any more */
    OPS_STOP_REFUSED,  /* refused (465 ...) and the order still runs */
    OPS_STOP_UNKNOWN,  /* no usable answer */
    OPS_STOP_NO_ORDER, /* nothing identifies an order to stop (a queued
                        * request, a lost answer) */
};
const char *ops_stop_name(enum ops_stop s);
/* ops_stop_word - the stop_state column's word: "stopped", "refused",
 * "unknown", "no_order"; NULL for OPS_STOP_NONE. */
const char *ops_stop_word(enum ops_stop s);
/* ops_stop_watch - must a refund after this answer be watched? */
bool ops_stop_watch(enum ops_stop s);

/* What one poll learned. */
struct ops_poll {
    enum ops_verdict verdict;
    bool final;     /* past the deadline: the final authoritative check */
    int64_t expiry; /* DONE: the registrar's new expiry (0 unknown) */
    int calls;      /* registrar calls made */
    char answer[OPS_ANSWER_MAX]; /* "GET_ORDER_INFO: waiting; ..." */
    char transfer_status[64];    /* CHECK_TRANSFER's word, "" if none */
    enum ops_stop stop;          /* final and not done: the stop's answer */
    char stop_answer[OPS_STOP_MAX];
};

/* ops_target_get - the operation's poll facts; returns its outcome
 * (OPS_PENDING when it is pending) or a negative code. */
int ops_target_get(struct app *app, int64_t op_id, struct ops_target *t,
                   struct rm_err *err);

/*
 * ops_stop_run - ask the registrar to stop t's order (rule 9) and read
 * back where the order stands when it refuses: out->stop says what it
 * answered; out->verdict becomes DONE (with the expiry) when the order
 * turns out completed, NO when it is cancelled or declined (then stop is
 * STOPPED). Thread-safe for distinct registrars; no store access.
 */
void ops_stop_run(struct registrar *reg, const struct ops_target *t,
                  struct ops_poll *out);

/*
 * ops_poll_run - read-only calls chosen from what t has, no store access:
 *   transfer       CHECK_TRANSFER; completed → BELONGS_TO_RSP (GET DOMAIN)
 *                  for the new expiry; cancelled → NO;
 *   renew          GET DOMAIN: expiry year past t->expiry_year → DONE;
 *                  else GET_ORDER_INFO (when an order id is known);
 *   register       QUERY_QUEUED_REQUEST (queue id) or GET_ORDER_INFO (order
 *                  id): waiting → WAIT in one call, declined/failed → NO;
 *                  otherwise BELONGS_TO_RSP: ours → DONE, else LOOKUP (221:
 *                  a registration is waiting);
 *   privacy        GET DOMAIN whois_privacy_state (never the MODIFY
 *                  again): enabled/enabling → DONE, disabled/disabling →
 *                  NO, anything else → UNKNOWN; past the deadline this read
 *                  is the final check and no stop follows (a setting is
 *                  not an order: there is nothing to stop).
 * When now >= t->deadline_at only the authoritative call runs (BELONGS_TO_
 * RSP, CHECK_TRANSFER, GET DOMAIN) and out->final is set (rule 5); when it
 * does not find the operation done, ops_stop_run follows (rule 9), the
 * one call with a side effect a poll makes. Thread-safe for distinct
 * registrars.
 */
void ops_poll_run(struct registrar *reg, const struct ops_target *t,
                  int64_t now, struct ops_poll *out);

/* ops_poll_settles - does applying p end the operation (DONE, NO, or a
 * final check that did not find it done)? */
bool ops_poll_settles(const struct ops_poll *p);

/*
 * ops_poll_apply - record p on a pending operation: checks + 1, last
 * check, last answer, transfer status; then DONE → succeeded (domain
 * active, the registrar's expiry); NO → failed + refund; final and not
 * done (and the deadline still passed) → timed_out + refund, watched
 * unless the registrar confirmed the stop (rule 9); otherwise
 * next check = now + poll interval. A terminal move, its refund, the
 * domain and the customer's mail commit together (rule 4). Runs inside
 * the caller's write transaction when one is open, else in its own. An
 * operation no longer pending is left alone. Returns its outcome.
 */
int ops_poll_apply(struct app *app, int64_t op_id, const struct ops_poll *p,
                   struct ops_result *res, struct rm_err *err);

/* ops_reset - a pending operation's deadline = now + its window
 * (registration/renewal or transfer), next check = now. RM_EREFUSED when
 * it is not pending. */
int ops_reset(struct app *app, int64_t op_id, struct ops_result *res,
              struct rm_err *err);

/*
 * ops_cancel - the admin's cancel of a pending operation, together with
 * the registrar (rule 9): first ops_stop_run (CANCEL_TRANSFER for
 * transfers, PROCESS_PENDING command=cancel for an order id; its answer
 * goes to registrar_answer, the reason and stop_answer). When the order
 * turns out completed, the operation succeeds instead (OPS_SUCCEEDED,
 * nothing refunded). Otherwise ONE transaction: state cancelled, refund,
 * the domain cancelled (a renewal's domain goes back to active/expired),
 * the customer's mail, and watch = "watching" unless the registrar
 * confirmed the stop (core/watch.h follows it). RM_EREFUSED when not
 * pending.
 */
int ops_cancel(struct app *app, int64_t op_id, const char *why,
               struct ops_result *res, char *registrar_answer, size_t ran,
               struct rm_err *err);

/* Lookup: availability and the price of every offered term. */
struct ops_lookup {
    struct name name;
    char tld[NAME_MAX_ASCII + 1];
    char connection[72];
    enum reg_availability availability;
    bool premium, has_claim;
    int64_t price[11]; /* register price per term, TLD_NOPRICE if none */
    char reason[REG_TEXT_MAX];
};
int ops_lookup(struct app *app, const char *name, struct ops_lookup *out,
               struct rm_err *err);

/* Transfer status: for the account's own pending transfer of the name,
 * CHECK_TRANSFER moves the operation (ops_check); otherwise a
 * transferability check. */
struct ops_transfer_status {
    bool own; /* an own transfer operation was checked */
    struct ops_result op;
    bool transferable;
    char status[64];
    char reason[REG_TEXT_MAX];
};
int ops_transfer_status(struct app *app, const char *name, const char *account,
                        struct ops_transfer_status *out, struct rm_err *err);

/* ops_recover - recovery (rule 2), at start-up and at the start of every
 * Async Manager sweep (async.h): every operation in `new` whose lease is
 * dead never reached the registrar → failed + refund; every one in
 * `sending` whose lease is dead → pending (never resent), then one
 * read-only check each. *n gets how many were recovered. */
int ops_recover(struct app *app, int *n, struct rm_err *err);

/* ops_move_allowed - is from → to a legal move of the diagram? */
bool ops_move_allowed(const char *from, const char *to);

/* ops_renewal_taken - O5 with rule 9: a renewal carries the expiry year
 * it extends, and the registrar applies at most one renewal per year (a
 * second is refused, 541). *taken says whether another renewal of the
 * domain carrying the same year already counts as applied (succeeded, or
 * a late completion kept), so a moved expiry year cannot be credited
 * twice. */
int ops_renewal_taken(struct app *app, int64_t domain_id, int64_t op_id,
                      int64_t expiry_year, bool *taken, struct rm_err *err);

/* ops_live_domain - id of the domain row of name that is not failed,
 * cancelled or transferred away (the one a new order would collide with),
 * or 0 when there is none. */
int ops_live_domain(struct app *app, const char *name, int64_t *id,
                    struct rm_err *err);

#endif
