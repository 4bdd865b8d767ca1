/*
 * bulk - one action on many domains at once: renew, set nameservers,
 * lock, unlock, auto-renew on or off. Each domain is its own item with
 * its own operation and outcome; the run is recorded (migration 015:
 * bulk_runs, bulk_items), so a run cut short (a killed CLI, a stopped
 * daemon) is continued, never repeated.
 *
 * The actions are the existing core calls, never re-implemented:
 *   renew            ops_renew (core/ops.h): charged to the domain's owner,
 *                    one operation per domain with its own keys
 *   ns               domchange_nameservers (core/domchange.h)
 *   lock, unlock     domchange_lock
 *   auto-renew-on/off lifecycle_set_auto_renew (core/lifecycle.h)
 *
 * Who: scope NULL is the admin (any domain); an account name is a
 * customer's run: only that account's domains. A name the run may not
 * touch - unknown here, no longer held, or another account's - is an item
 * failed from the start with "no such domain: NAME" (the same words
 * either way), and the other items run.
 *
 * Items, each move one committed transaction:
 *   queued ──claim (UPDATE ... WHERE state = 'queued': one worker wins)──▶
 *   running (lease: owner, expiry) ──the action's outcome──▶ succeeded |
 *            failed | unknown (a change the read-back could not tell) |
 *            pending (a renewal the registrar has not confirmed yet; its
 *            operation is followed by the Async Manager, and the item
 *            reads as its operation's outcome once that ends)
 *
 * Invariants:
 * B1 An item is run by at most one worker: the claim is a conditional
 *    UPDATE, and the outcome is written only while the worker still holds
 *    it (WHERE state = 'running' AND lease_owner = ?).
 * B2 A finished item is never run again. An item left running by a worker
 *    that is gone (util/lease.h) or whose lease expired is resolved from
 *    what it recorded, never re-sent: the renewal operation (ops has its
 *    own recovery) or the domain change made for the domain since the
 *    item started; a change left 'sending' is settled by reading the
 *    domain back. Only an item that recorded nothing (the action never
 *    began, so nothing was charged or sent) goes back to queued.
 * B3 The run is done when no item is queued or running.
 *
 * Input is checked before anything is written (RM_EINVAL naming what is
 * wrong): the action, the term, the nameservers, every name, the account
 * and TLD of a filter, at most BULK_MAX_ITEMS names.
 */
#ifndef RM_CORE_BULK_H
#define RM_CORE_BULK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/app.h"
#include "core/names.h"
#include "util/err.h"

/* The job kind that works a run in the daemon (jobs/bulk_job.h), its
 * dedup key "run:ID". */
#define BULK_JOB_KIND "bulk"
#define BULK_MAX_ITEMS 5000
#define BULK_ANSWER_MAX 512
#define BULK_ARGS_MAX 1024
/* How long a claimed item is held before others may resolve it (a live
 * worker on this host keeps it as long as it lives; util/lease.h). */
#define BULK_LEASE_S 3600

enum bulk_action {
    BULK_RENEW,
    BULK_NS,
    BULK_LOCK,
    BULK_UNLOCK,
    BULK_AUTO_RENEW_ON,
    BULK_AUTO_RENEW_OFF,
};

/* bulk_action_parse - "renew", "ns", "lock", "unlock", "auto-renew-on",
 * "auto-renew-off"; RM_EINVAL otherwise. */
int bulk_action_parse(const char *s, enum bulk_action *out, struct rm_err *err);
const char *bulk_action_name(enum bulk_action a);

struct bulk_req {
    enum bulk_action action;
    const char *scope; /* NULL: the admin; an account name: its own run */
    /* the selection: names (as typed, IDN allowed; repeated ones count
     * once), or every active or expired domain of account */
    const char *const *names;
    size_t n_names;
    const char *account;
    const char *tld;                /* with account: only this TLD */
    int term;                       /* renew: years, 0 = 1 */
    const char *const *nameservers; /* ns: 2..REG_NS_MAX hosts */
    size_t n_nameservers;
    bool enqueue; /* also a BULK_JOB_KIND job, so a daemon works it */
};

/* bulk_plan - check r and walk its selection without writing anything:
 * fn(domain, why) per domain in order, why NULL when it will be acted
 * on, else the reason its item fails ("no such domain: NAME"). */
int bulk_plan(struct app *app, const struct bulk_req *r,
              void (*fn)(const char *domain, const char *why, void *arg),
              void *arg, struct rm_err *err);

/* bulk_create - check r, then ONE transaction: the run, its items (queued,
 * or failed "no such domain"), and with r->enqueue its job. *id gets the
 * run's id. */
int bulk_create(struct app *app, const struct bulk_req *r, int64_t *id,
                struct rm_err *err);

struct bulk_item {
    int64_t id, position;
    int64_t operation_id, change_id; /* 0: none */
    int64_t started_at, finished_at;
    char domain[NAME_MAX_ASCII + 1];
    char state[16];
    char answer[BULK_ANSWER_MAX];
};

struct bulk_run {
    int64_t id, account_id, total, created_at, finished_at;
    char action[16];
    char state[16];
    char actor[96];
    char args[BULK_ARGS_MAX];
    /* the items by state now (a pending renewal counts as its operation's
     * outcome once that ended) */
    int64_t queued, running, succeeded, failed, unknown, pending;
    /* bulk_get with items: owned, bulk_run_release frees them */
    struct bulk_item *items;
    size_t n_items;
};
void bulk_run_release(struct bulk_run *r);

/* bulk_get - run id (with its items when items); scope as in bulk_req: a
 * customer reaches only its own runs, another's is RM_ENOTFOUND like an
 * unknown id. */
int bulk_get(struct app *app, int64_t id, const char *scope, bool items,
             struct bulk_run *out, struct rm_err *err);

/* bulk_list - runs for scope, newest first, at most limit (0: 100); fn
 * gets each (without items) and may not use the store. */
int bulk_list(struct app *app, const char *scope, int limit,
              int (*fn)(const struct bulk_run *r, void *arg), void *arg,
              struct rm_err *err);

struct bulk_exec_opts {
    /* between items; 0 stops (shutdown, lost lease). NULL: keep going */
    int (*keep_going)(void *arg);
    /* each item this call ran or resolved, once it is recorded */
    void (*on_item)(const struct bulk_item *it, void *arg);
    void *arg;
    /* wait for items another live worker holds, until they end */
    bool wait_others;
};

/*
 * bulk_execute - work run id: items left running by a worker that is gone
 * are resolved (B2), then queued items are claimed and run one by one,
 * each committed on its own. Returns 1 when the run is done (B3), 0 when
 * it is not yet (stopped by keep_going, or items held by another worker
 * and not wait_others), or a negative code when the store failed.
 */
int bulk_execute(struct app *app, int64_t id, const struct bulk_exec_opts *o,
                 struct rm_err *err);

#endif
