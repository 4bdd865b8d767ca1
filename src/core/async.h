/*
 * async - the Async Manager (design section 4 rules 5-8, section 6):
 * follows every operation in `pending` until the registrar settles it.
 *
 * A sweep (async_sweep; job kind "async.sweep", jobs/registry.h, and on
 * PostgreSQL every node's own periodic sweep; `regman async sweep`) claims
 * the due pending operations (next_check_at <= now) in pages - one
 * statement leases a page to this process (a poll lease in lease_owner/
 * lease_expires_at, skipping rows other nodes hold: store.h D13; async.c
 * A3) - and polls each with read-only calls (ops_poll_run: never the
 * order again). Per connection it runs up to `concurrency` polls at
 * once on worker threads (and this process no more than [registrar]
 * poll_workers of them), each with its own registrar, and starts no more
 * than `rate_per_min` registrar calls per minute (evenly spaced; 0 = no
 * limit); both are counted in the database, so they hold for all nodes
 * together, and the rate is shared with the lifecycle and import
 * (core/pace.h). Workers never touch the store: the calling thread is
 * the only writer (SQLite has one writer at a time anyway). It stores each
 * batch of answers as it arrives: the registrar log rows in one transaction,
 * the "still waiting" notes in a second, then every settling answer in a
 * transaction of its own (ops_poll_apply: state, refund, domain, customer
 * mail together - rule 4).
 *
 * Before the first page a sweep recovers every operation left in `new`
 * or `sending` with a dead lease (ops_recover, design section 4 rule 2:
 * new → failed + refund, sending → pending, never resent), so the daemon
 * heals I3 within one sweep, without a restart - e.g. once a full disk
 * that kept an order from writing its outcome has room again.
 *
 * After the last page the sweep queues ONE admin digest (rule 8,
 * templates/admin_digest.txt to [mail] admin) listing every operation that
 * went through `pending`, has ended and is not digested yet - completed,
 * and separately failed, timed out and cancelled - and marks them
 * (operations.digested_at) in the same transaction. Nothing ended: no
 * mail. So a crash anywhere in a sweep loses nothing: an operation settled
 * before the crash is in the next sweep's digest; a settle rolled back is
 * polled again (its refund is keyed op:<id>:refund, a replay refunds
 * nothing); a digest queued is delivered at least once with its stable
 * Message-ID.
 *
 * Crash points (REGMAN_CRASH_AT, app.h): sweep_after_poll (answers
 * arrived, registrar log written, nothing settled), before_settle (inside
 * a settle, before its commit: ops.c), sweep_before_digest (everything
 * settled, digest not queued).
 *
 * Threads: the app (and its store) is used by the calling thread only;
 * app->make_registrar is called from it too. Ownership: list results are
 * heap arrays freed with async_entries_free.
 */
#ifndef RM_CORE_ASYNC_H
#define RM_CORE_ASYNC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/app.h"
#include "core/ops.h"
#include "mail/mail.h"

#define ASYNC_JOB_KIND "async.sweep"
#define ASYNC_MAX_WORKERS 256  /* the connections' concurrency CHECK */
#define ASYNC_DIGEST_LINES 500 /* listed per section; the rest counted */

struct async_sweep_opts {
    int page; /* operations loaded at a time; 0 = 1024, or 16 x [registrar]
               * poll_workers (64-1024) when that is set */
    /* Called between pages (and before the digest); 0 stops the sweep
     * early (shutdown, a lost job lease). May be NULL. */
    int (*keep_going)(void *arg);
    void *arg;
};

struct async_sweep_stats {
    int64_t started; /* clock_now() at the start */
    int64_t ms;      /* wall time */
    int recovered;   /* new/sending with a dead lease (ops_recover) */
    int polled, calls;
    int succeeded, failed, timed_out; /* settled by this sweep */
    int waiting, no_answer;           /* still pending */
    int events, events_checked;       /* read from the event streams, and
                                       * of them made an operation due */
    int errors;                       /* store errors (left due) */
    int watched, late;      /* watched operations checked; late completions */
    int changes;            /* domain changes left behind, looked at
                             * (domchange_sweep) */
    int changes_settled;    /* of those, settled (never sent, read back) */
    int digested;           /* operations in the digest */
    int64_t digest_mail_id; /* 0: none queued */
};

/*
 * async_sweep - one sweep (above). mc may be NULL or lack `admin`/`from`:
 * then no digest is queued and ended operations stay undigested for a
 * later sweep. Returns 0, or a negative code when the store failed before
 * anything could be polled; per-operation failures are counted in
 * st->errors and logged.
 */
int async_sweep(struct app *app, const struct mail_config *mc,
                const struct async_sweep_opts *o, struct async_sweep_stats *st,
                struct rm_err *err);

/* async_digest - just the digest step (n: operations listed; mail_id: the
 * outbox row, 0 when nothing ended or no admin address). */
int async_digest(struct app *app, const struct mail_config *mc, int64_t now,
                 int *n, int64_t *mail_id, struct rm_err *err);

/* One operation as the Async Manager shows it. */
struct async_entry {
    int64_t id;
    char domain[NAME_MAX_ASCII + 1];
    char account[128];
    char connection[72];
    char kind[16], state[16];
    int64_t amount;
    int64_t created_at, last_check_at, next_check_at, deadline_at;
    int64_t finished_at, checks;
    char order_id[REG_ID_MAX], queue_id[REG_ID_MAX];
    char transfer_status[64];
    char last_answer[OPS_ANSWER_MAX];
    char reason[REG_TEXT_MAX];
    /* rule 9 (core/watch.h): "" never watched, watching, ended, late, ... */
    char watch[16];
    char stop_answer[OPS_STOP_MAX];
    int64_t registrar_cost; /* -1 unknown */
    int64_t late_at, watch_next_at, held_domain_id;
    int64_t resolved_op_id, resolved_at;
};

/* async_list - pending operations by next check, at most limit (1..100000;
 * 0 = 1000). */
int async_list(struct app *app, int limit, struct async_entry **out, size_t *n,
               struct rm_err *err);
void async_entries_free(struct async_entry *v);

/* async_list_which - pending (as async_list), late completions (oldest
 * first), watched (by next watch check), or every operation ever watched
 * (newest first). */
enum async_list_kind {
    ASYNC_LIST_PENDING,
    ASYNC_LIST_LATE,
    ASYNC_LIST_WATCHED,
    ASYNC_LIST_FLAGGED
};
int async_list_which(struct app *app, enum async_list_kind which, int limit,
                     struct async_entry **out, size_t *n, struct rm_err *err);

/* async_resolve - "42" (an operation id) or a domain name (its pending
 * operation, else its newest) into an id; RM_ENOTFOUND otherwise. */
int async_resolve(struct app *app, const char *spec, int64_t *op_id,
                  struct rm_err *err);
/* async_get - one operation (any state) by spec; async_get_id by id. */
int async_get(struct app *app, const char *spec, struct async_entry *e,
              struct rm_err *err);
int async_get_id(struct app *app, int64_t id, struct async_entry *e,
                 struct rm_err *err);

/* The admin's actions by spec: ops_check (watch_check first on a watched
 * operation), ops_reset, ops_cancel. */
int async_check(struct app *app, const char *spec, struct ops_result *res,
                struct rm_err *err);
int async_reset(struct app *app, const char *spec, struct ops_result *res,
                struct rm_err *err);
int async_cancel(struct app *app, const char *spec, const char *why,
                 struct ops_result *res, char *registrar_answer, size_t ran,
                 struct rm_err *err);

#endif
