/*
 * watch - give up only together with the registrar (design section 4 rule
 * 9): what happens after regman refunds an operation the registrar may
 * still complete.
 *
 * ops.c asks the registrar to stop an order before a refund ends it (the
 * admin's cancel, a deadline, a refused order the registrar saved) and
 * marks the operation watched (operations.watch = 'watching') when the
 * stop was refused or its outcome is unknown. This module follows those
 * operations and records their end:
 *
 *   watching ── the registrar's order completes ──▶ late
 *            ── it is cancelled / declined ───────▶ ended
 *   (after OPS_WATCH_DAYS without news it is checked once a day; an
 *   order left open is asked to stop again: a lost stop answer, a failed
 *   queued request whose order stayed pending)
 *   late ── admin: assign (charge the customer again) ─▶ assigned
 *        ── admin: revoke (REVOKE at the registrar) ───▶ revoked
 *        ── admin: let it expire (auto-renew off) ─────▶ expiring
 *        ── admin: absorb (a renewal) ─────────────────▶ absorbed
 *
 * A late registration or transfer puts the domain under the provider's
 * own account WATCH_HELD_ACCOUNT (never the refunded customer's) as an
 * active domain, and queues an admin alert (templates/admin_late.txt, key
 * op:<id>:late) in the same transaction. A late renewal moves the
 * customer's expiry to the registrar's. The operation's state (cancelled,
 * timed_out, failed) and its refund never change: the books stay what the
 * customer was told; the exposure is reported (watch_reconcile).
 *
 * Every change is one write transaction; the registrar calls (the check,
 * REVOKE, MODIFY) happen before it, never inside it.
 */
#ifndef RM_CORE_WATCH_H
#define RM_CORE_WATCH_H

#include <stddef.h>
#include <stdint.h>

#include "core/app.h"
#include "core/names.h"
#include "mail/mail.h"

#define WATCH_HELD_ACCOUNT "provider:held"

/* The watched operations due for a check (watch_next_at <= now), each
 * checked with read-only calls; sweeps call it after the pending ones. */
struct watch_stats {
    int checked, late, ended, errors;
};
int watch_sweep(struct app *app, struct watch_stats *st, struct rm_err *err);

/* watch_check - one check of a watched operation now (the Async
 * Manager's "check" on it). *watch gets its watch after the check. */
int watch_check(struct app *app, int64_t op_id, char *watch, size_t n,
                struct rm_err *err);

enum watch_action { WATCH_ASSIGN, WATCH_REVOKE, WATCH_EXPIRE, WATCH_ABSORB };
/* "assign" "revoke" "expire" "absorb"; RM_EINVAL otherwise. */
int watch_action_parse(const char *s, enum watch_action *a, struct rm_err *err);

/*
 * watch_resolve - the admin's decision on a late completion (RM_EREFUSED
 * when the operation is not late, or the action does not fit its kind:
 * revoke and expire are for registrations and transfers, absorb for
 * renewals). assign charges the customer the operation's amount again
 * (refused, writing nothing, when the balance does not allow it) through
 * a new succeeded operation (*new_op), idempotency key late:<id>:assign,
 * and gives the domain to the customer, with the customer's mail; revoke
 * and expire ask the registrar first and change nothing unless it
 * confirms (answer gets what it said).
 */
int watch_resolve(struct app *app, int64_t op_id, enum watch_action a,
                  int64_t *new_op, char *answer, size_t an, struct rm_err *err);

/* One line of the exposure report: an operation refunded to the customer
 * while the registrar completed it or may still complete it. */
struct reconcile_row {
    int64_t id;
    char domain[NAME_MAX_ASCII + 1];
    char account[128];
    char kind[16], state[16], watch[16];
    int64_t amount;         /* charged and refunded to the customer */
    int64_t registrar_cost; /* -1 unknown */
    int64_t exposure;       /* paid at the registrar, not recovered */
    int64_t at_risk;        /* watching: may still be paid */
    int64_t finished_at, late_at;
    char stop_answer[400];
};

struct reconcile_report {
    struct reconcile_row *rows;
    size_t n;
    int64_t total_exposure, total_at_risk;
    int unknown_cost; /* rows whose registrar cost is unknown */
};

/* watch_reconcile - every such operation that ended at or after since
 * (0: all), oldest first. Free with watch_reconcile_free. */
int watch_reconcile(struct app *app, int64_t since, struct reconcile_report *r,
                    struct rm_err *err);
void watch_reconcile_free(struct reconcile_report *r);

#endif
