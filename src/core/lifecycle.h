/*
 * lifecycle - the daily life of registered domains (design section 6):
 * expiry warnings, automatic renewals, "last chance" alerts, marking
 * expired domains, portfolio sync with the registrar, and adopting an
 * existing registrar portfolio (`regman import`).
 *
 * Every step is idempotent and safe to interrupt at any point; running it
 * again (after a crash, twice a day, on two nodes) never sends a mail
 * twice, never renews twice, never charges twice:
 *
 *   warnings    the reminders of core/reminders.h: each domain's reminder
 *               schedule (TLD, connection, default, built-in -30/-7/+3),
 *               the latest due offset once per domain, expiry date and
 *               offset (notice reminder:<offset>), to customers of
 *               domains on manual renewal and of those whose automatic
 *               renewal failed; before expiry expiry_warning, after it
 *               reminder_after while a renewal or restore is possible.
 *               The notices row and the outbox row commit together.
 *   renew       domains with auto_renew on, active, expiring within the
 *               connection's renew_days, or past their expiry and still in
 *               their grace period (then at the renewal price plus the
 *               grace fee): charge -> RENEW -> settle through
 *               the operation state machine (ops_renew_auto). Each attempt
 *               is an operation keyed autorenew:<domain>:<expiry>:<n>
 *               (UNIQUE); a new attempt is made only while the domain is
 *               active with that expiry (a pending or succeeded renewal
 *               moves the domain to renewing or moves its expiry) and no
 *               renewal of the domain reached the registrar in the last
 *               LIFECYCLE_RETRY_S. Insufficient funds: no operation, the
 *               customer and the admin get autorenew_failed once per day
 *               until the end of grace (and a notice autorenew_failed once per
 *               expiry: the reminders take the domain in). A renewal that
 * succeeded (now or later, by the Async Manager) gets autorenew_done once
 * (notices autorenew_done). Then the last-chance alert: admin mail once per
 * domain and expiry date for auto-renew domains still not renewed
 * LIFECYCLE_LAST_CHANCE_DAYS before expiry, and (last_chance_after, notices
 * last_chance_grace and last_chance_redemption) as many days before the end of
 *               grace and, when restores are offered, of redemption.
 *   expire      active domains whose expiry passed -> status expired.
 *   sync        per connection, GET_DOMAINS_BY_EXPIREDATE (every page)
 *               over [now - LIFECYCLE_SYNC_PAST_S, now + LIFECYCLE_SYNC_
 *               FUTURE_S]: our expiry corrected where the registrar's
 *               differs, domains not listed although their expiry is in
 *               the range flagged (status missing; never deleted), missing
 *               ones listed again restored, and the names listed that
 *               have no live domain here kept as the connection's
 *               registrar_unknown rows (lifecycle_unknown_list); one
 *               admin report mail (sync_report) per connection and run,
 *               in the transaction of the corrections, when anything
 *               changed - a name unknown here that the previous sync did
 *               not list as unknown counts as a change, the same names
 *               again do not.
 *
 * Selections (lifecycle_due_*) walk the index domains(connection_id,
 * expires_at) in keyset batches of LIFECYCLE_BATCH rows: only due rows
 * are read, memory does not grow with the number of domains, and the
 * callback runs with no statement open, so it may write.
 *
 * Mail: templates expiry_warning, reminder_after, autorenew_done,
 * autorenew_failed, last_chance, last_chance_after, sync_report
 * (templates/README.md). Without a [mail] from
 * address nothing can be queued: warnings wait (no notice is recorded)
 * and the other steps do their work and log that no mail was sent.
 *
 * Threads: one struct lifecycle_ctx per thread (its app is one thread's).
 */
#ifndef RM_CORE_LIFECYCLE_H
#define RM_CORE_LIFECYCLE_H

#include <stdbool.h>
#include <stdint.h>

#include "core/app.h"
#include "core/conn.h"
#include "core/names.h"
#include "mail/mail.h"
#include "registrar/registrar.h"

#define LIFECYCLE_BATCH 256
#define LIFECYCLE_DAY 86400
#define LIFECYCLE_LAST_CHANCE_DAYS 3
/* A renewal the registrar refused is tried again after this long. */
#define LIFECYCLE_RETRY_S (20 * 3600)
#define LIFECYCLE_SYNC_PAST_S (400 * LIFECYCLE_DAY)
#define LIFECYCLE_SYNC_FUTURE_S (11 * 366 * LIFECYCLE_DAY)
/* Lines of one list in a report mail; the rest is counted. */
#define LIFECYCLE_REPORT_LINES 500
/* Names one `regman import --only` may adopt. */
#define LIFECYCLE_IMPORT_ONLY_MAX 500

/* One selected domain, as the selection callbacks see it. */
struct lifecycle_domain {
    int64_t domain_id, account_id, connection_id, expires_at;
    bool auto_renew;
    char name[NAME_MAX_ASCII + 1];
    char unicode[NAME_MAX_INPUT + 1];
    char tld[NAME_MAX_ASCII + 1];
    char status[24];
};

/* A selection callback: non-zero stops the walk (and is returned). */
typedef int lifecycle_row_fn(const struct lifecycle_domain *d, void *arg);

/* lifecycle_due_warnings - domains due a reminder at now
 * (reminders_due of core/reminders.h). */
int lifecycle_due_warnings(struct app *app, int64_t now, lifecycle_row_fn *fn,
                           void *arg, struct rm_err *err);
/* lifecycle_due_renewals - domains due an automatic renewal attempt at
 * now: auto_renew on, active and expiring in (now, now + renew_days], or
 * past their expiry (active or expired) before the end of their grace
 * period (core/tld.h tld_domain_expiry), and no renewal of the domain
 * sent in the last LIFECYCLE_RETRY_S. */
int lifecycle_due_renewals(struct app *app, int64_t now, lifecycle_row_fn *fn,
                           void *arg, struct rm_err *err);
/* lifecycle_due_last_chance - auto-renew domains (active or renewing)
 * expiring within LIFECYCLE_LAST_CHANCE_DAYS with no alert sent yet, and
 * those past expiry within LIFECYCLE_LAST_CHANCE_DAYS of the end of grace
 * or of redemption (restores offered) without that alert yet. */
int lifecycle_due_last_chance(struct app *app, int64_t now,
                              lifecycle_row_fn *fn, void *arg,
                              struct rm_err *err);

struct lifecycle_ctx {
    struct app *app;
    const struct mail_config *mc; /* NULL: no mail */
    int64_t now;
    /* Called between items; zero stops early (shutdown, lost lease).
     * NULL: keep going. */
    int (*keep_going)(void *arg);
    void *arg;
};

struct lifecycle_stats {
    int64_t warned;       /* reminders recorded */
    int64_t renewed;      /* renewals that succeeded */
    int64_t pending;      /* renewals left pending (Async Manager) */
    int64_t failed;       /* renewals refused (refunded) */
    int64_t no_funds;     /* attempts not made for want of funds */
    int64_t skipped;      /* not attempted (no price, changed meanwhile) */
    int64_t done_mails;   /* autorenew_done notices */
    int64_t last_chance;  /* last-chance alerts */
    int64_t expired;      /* marked expired */
    int64_t listed;       /* sync: domains the registrar listed */
    int64_t drift;        /* sync: expiry corrected */
    int64_t missing;      /* sync: flagged missing */
    int64_t restored;     /* sync: missing ones found again */
    int64_t away;         /* sync: transferred away to another registrar */
    int64_t unknown;      /* sync: at the registrar, unknown here */
    int64_t unknown_new;  /* sync: of those, not unknown at the last sync */
    int64_t away_pending; /* sync: a transfer away pending (shown) */
    int64_t renew_off;    /* sync: the registrar's own auto-renew turned
                           * off (regman alone renews) */
    int64_t phased;       /* sync: past expiry, moved to the registrar's
                           * phase (expired, redemption, pending_delete,
                           * deleted) or back to active */
    int64_t errors;       /* items that failed (logged) */
};

/* The steps. Renew, sync and import call the registrar as background
 * work: every request waits for its connection's rate limit
 * (core/pace.h). */
int lifecycle_warnings(struct lifecycle_ctx *c, struct lifecycle_stats *s,
                       struct rm_err *err);
int lifecycle_renew(struct lifecycle_ctx *c, struct lifecycle_stats *s,
                    struct rm_err *err);
int lifecycle_expire(struct lifecycle_ctx *c, struct lifecycle_stats *s,
                     struct rm_err *err);
/* lifecycle_sync - every connection; a connection the registrar does not
 * answer for is logged and counted in errors, the others still run. */
int lifecycle_sync(struct lifecycle_ctx *c, struct lifecycle_stats *s,
                   struct rm_err *err);

/* lifecycle_phases - every live domain past its expiry (or in a phase
 * after it) synced alone (lifecycle_sync_one): the registrar's phase
 * (GET DOMAIN where the registrar states it, else the TLD's days from
 * the expiry; deleted only when the registry frees the name, LOOKUP
 * available) becomes its status with the phase dates. Run at the end of
 * lifecycle_sync. */
int lifecycle_phases(struct lifecycle_ctx *c, struct lifecycle_stats *s,
                     struct rm_err *err);

/* One name a registrar lists for a connection that has no live domain
 * here, as the connection's last sync found it (registrar_unknown). */
struct lifecycle_unknown {
    int64_t id, connection_id;
    int64_t expires_at; /* the registrar's; 0 when it gave none */
    int64_t first_seen_at, last_seen_at;
    char connection[CONN_TITLE_MAX + 1]; /* the connection's title */
    char name[REG_DOMAIN_MAX];           /* ASCII form, lowercase */
};

struct lifecycle_unknown_query {
    int64_t connection_id; /* 0: every connection */
    int64_t seen_since;    /* only rows with last_seen_at >= it (0: all) */
    int64_t after;         /* only ids below it (0: from the newest) */
    int64_t limit;         /* rows at most (0: all) */
    int64_t offset;        /* rows skipped first */
};

/* A listing callback: non-zero stops the listing (and is returned). It
 * runs with the listing's statement open: it must not use the store. */
typedef int lifecycle_unknown_fn(const struct lifecycle_unknown *u, void *arg);

/* lifecycle_unknown_list - the registrar_unknown rows q selects, newest
 * first (by id), each given to fn. */
int lifecycle_unknown_list(struct app *app,
                           const struct lifecycle_unknown_query *q,
                           lifecycle_unknown_fn *fn, void *arg,
                           struct rm_err *err);

/* What lifecycle_sync_one found and did. */
struct lifecycle_sync_one {
    char domain[NAME_MAX_ASCII + 1];
    char status_before[24], status[24];
    int64_t expires_before, expires; /* 0: not known */
    bool locked;                     /* the registrar lock */
    char away_status[64];            /* a pending transfer away: the registrar's
                                      * status of it; "" when none */
    bool renew_off; /* the registrar's own auto-renew was on and is
                     * now off */
    bool gone;      /* transferred away (status transferred_away) */
    /* after expiry: the registrar's phase dates as read (0: not stated),
     * and whether it was asked (GET DOMAIN or LOOKUP answered) */
    int64_t grace_end, redemption_end, delete_at;
    bool phase_read;
};

/*
 * lifecycle_sync_one - the sync of one live domain, now (the admin's
 * `regman domain sync`): the registrar's expiry (GET DOMAIN), lock and
 * pending transfer away (GET status, GET_TRANSFERS_AWAY) are read and
 * kept, as the sync of the whole portfolio keeps them; a domain the
 * registrar no longer holds becomes transferred_away when its transfer
 * away completed (with the customer's mail), else missing; the
 * registrar's own auto-renew is turned off (regman alone renews).
 * account (may be NULL) must own it: another account's domain is
 * RM_ENOTFOUND like an unknown name. An order of the domain in progress
 * is RM_EREFUSED (the Async Manager follows it). The registrar not
 * answering is RM_EIO and changes nothing.
 */
int lifecycle_sync_one(struct lifecycle_ctx *c, const char *name,
                       const char *account, struct lifecycle_sync_one *out,
                       struct rm_err *err);

/* lifecycle_set_auto_renew - turn automatic renewal of a live domain on
 * or off; account (may be NULL) must own it. */
int lifecycle_set_auto_renew(struct app *app, const char *name,
                             const char *account, bool on, struct rm_err *err);

struct lifecycle_import_req {
    const char *connection; /* title or id */
    const char *account;    /* name or id: the new owner */
    int64_t from, to;       /* expiry range; 0: now - 90 days, now + 11 y
                               (with only: the sync's range) */
    /* Adopt only these names (may be NULL, n_only 0: every name listed);
     * at most LIFECYCLE_IMPORT_ONLY_MAX. */
    const char *const *only;
    size_t n_only;
    /* Called after each chunk (may be NULL). */
    void (*progress)(int64_t done, int64_t total, void *arg);
    void *arg;
};

struct lifecycle_import_result {
    int64_t import_id;
    int64_t listed;  /* names the registrar listed (with only: of those) */
    int64_t adopted; /* new domain rows */
    int64_t skipped; /* known already (or not a valid name) */
};

/*
 * lifecycle_import - adopt the connection's portfolio: every domain
 * GET_DOMAINS_BY_EXPIREDATE lists (every page) that has no live row here
 * becomes an active (expired when its expiry passed) domain of the
 * account, with auto_renew from the account's or the connection's
 * default, without a charge, pointing at one `imports` row that records
 * the run. Chunks of rows commit as they go; running it again adopts
 * only what is still missing. An adopted name leaves registrar_unknown in
 * the transaction that adds it.
 *
 * With only: each name is checked first (RM_EINVAL naming it when it is
 * not a domain name), then every one must be in the registrar's list for
 * the range (RM_EINVAL naming those that are not); only then is anything
 * written, and nothing but those names is adopted (one already known
 * here is counted as skipped).
 */
int lifecycle_import(struct lifecycle_ctx *c,
                     const struct lifecycle_import_req *r,
                     struct lifecycle_import_result *res, struct rm_err *err);

#endif
