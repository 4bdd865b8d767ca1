/*
 * report - the provider's read-only listings and figures: the dashboard
 * statistics, the registrar log, the job queue, the mail outbox and the
 * license acceptances; plus the acceptance a customer records and the
 * login-name check of a sign-up. The text of a row handed to a callback
 * is valid only during the call.
 */
#ifndef RM_CORE_REPORT_H
#define RM_CORE_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/app.h"
#include "core/names.h"
#include "core/reglog.h"
#include "core/views.h"
#include "mail/mail.h"
#include "util/err.h"

/* ---- dashboard ---------------------------------------------------------- */

#define REPORT_KINDS_MAX 8

#define REPORT_TLDS_MAX 256

/* One kind of operation created on one day. cost is the registrar's cost
 * (operations.registrar_cost) of the succeeded ones whose cost is known;
 * cost_unknown counts the succeeded ones whose cost is not. */
struct report_ops {
    char kind[16];
    int64_t created, succeeded, amount;
    int64_t cost, cost_unknown;
};

/* One UTC day (epoch-day number: day * 86400 is its midnight). */
struct report_day {
    int64_t day;
    struct report_ops ops[REPORT_KINDS_MAX]; /* in kind order */
    size_t nops;
    int64_t refunds, refunded, charged; /* customer accounts */
    int64_t cost, cost_unknown;         /* Σ over ops */
};

/* The money of one TLD over the window: charges and refunds of customer
 * accounts for operations on its domains (by the posting's day), and the
 * registrar cost of its succeeded operations (by the operation's day). */
struct report_tld {
    char tld[NAME_MAX_ASCII + 1];
    int64_t charged, refunded;
    int64_t succeeded, cost, cost_unknown;
};

struct report_stats {
    struct report_day *days; /* first..last day, in order */
    size_t ndays;
    int64_t charged, refunded;  /* over all days */
    int64_t cost, cost_unknown; /* over all days */
    struct report_tld *tlds;    /* by TLD name (byte order) */
    size_t ntlds;
    bool have_now;                      /* the figures below are set */
    int64_t pending, pending_oldest_at; /* 0: none pending */
    int64_t customer_balances, active_domains;
};

/* report_stats - per day from first_day to last_day (epoch-day numbers):
 * the operations created by kind (and how many succeeded, and the
 * registrar cost of those), the charges and refunds of customer accounts;
 * the same money per TLD over the window (at most REPORT_TLDS_MAX); plus
 * the pending operations now, the customer balances and the active
 * domains. Revenue is charged minus refunded, margin revenue minus cost;
 * a succeeded operation whose registrar cost is not known adds nothing to
 * the cost and is counted in cost_unknown. One snapshot. Free with
 * report_stats_free. */
int report_stats(struct app *app, int64_t first_day, int64_t last_day,
                 struct report_stats *out, struct rm_err *err);
void report_stats_free(struct report_stats *s);

/* ---- registrar log, jobs, mail ------------------------------------------ */

/* report_reglog - a page of the registrar log, newest first, matching
 * domain and action (NULL: any) and op_id (0: any). */
int report_reglog(struct app *app, const char *domain, int64_t op_id,
                  const char *action, const struct view_page *p,
                  void (*fn)(const struct reglog_row *w, void *arg), void *arg,
                  struct rm_err *err);

struct report_job {
    int64_t id;
    const char *kind, *dedup_key, *state;
    int64_t run_at;
    const char *lease_owner; /* "" when none */
    int64_t lease_expires_at, attempts;
    const char *last_error; /* "" when none */
    int64_t created_at, updated_at;
};

/* report_jobs - a page of the job queue in state (NULL: any), newest
 * first. */
int report_jobs(struct app *app, const char *state, const struct view_page *p,
                void (*fn)(const struct report_job *j, void *arg), void *arg,
                struct rm_err *err);

/* report_mail - a page of the mail outbox in state (NULL: any), newest
 * first; the rows carry no body and no idempotency key. */
int report_mail(struct app *app, const char *state, const struct view_page *p,
                void (*fn)(const struct mail_row *m, void *arg), void *arg,
                struct rm_err *err);

/* ---- license acceptances ------------------------------------------------ */

struct license_acceptance {
    int64_t id, accepted_at, account_id;
    const char *account;
    int64_t login_id; /* 0: none */
    const char *username;
    int64_t connection_id; /* 0: none */
    const char *connection, *domain, *sha256, *client_ip;
};

/* report_acceptances - the acceptances of account_id and connection_id
 * (0: any), newest first: a page of p, or (p NULL) at most limit. */
int report_acceptances(struct app *app, int64_t account_id,
                       int64_t connection_id, const struct view_page *p,
                       int64_t limit,
                       void (*fn)(const struct license_acceptance *a,
                                  void *arg),
                       void *arg, struct rm_err *err);

/* login_name_taken - is there a login with this user name? */
int login_name_taken(struct app *app, const char *username, bool *yes,
                     struct rm_err *err);

#endif
