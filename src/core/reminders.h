/*
 * reminders - reminder schedules for expiring domains (docs/expiry.md
 * "Reminder schedules") and the step that mails them (the lifecycle's
 * `warnings` step; core/lifecycle.h).
 *
 * A schedule is 1 to REMINDERS_MAX distinct offsets in days from a
 * domain's expiry, negative = before it, positive = after it
 * (-REMINDERS_RANGE..REMINDERS_RANGE, 0 = the day of expiry counts as
 * after). Where a schedule comes from, first match wins:
 *
 *   1. the domain's TLD     (`regman reminders set --tld .com`)
 *   2. its connection       (`--connection NAME`)
 *   3. the default override (`--default`)
 *   4. the built-in default -30, -7, +3 (ICANN ERRP: about one month and
 *      one week before expiry, and within five days after it)
 *
 * A connection with warn_days = 0 gets no reminders from 3 or 4: only a
 * schedule set for its TLDs or for the connection itself reminds its
 * customers. Any other warn_days value no longer matters (the schedule
 * gives the days).
 *
 * Who is reminded: live domains in status active, expired or redemption
 * with automatic renewal off, and those with it on whose automatic
 * renewal failed for this expiry (an autorenew_failed notice, a refunded
 * autorenew operation, or the expiry passed). An offset before expiry is
 * sent only before expiry; one after it only while something can still
 * be done: renew before renewable_until (status not redemption), or
 * restore before restorable_until when the TLD offers restores.
 *
 * Once each (R1): the reminder for offset o of an expiry is the notice
 * `reminder:<o>` (UNIQUE domain, kind, expires_at) committed with its
 * mail. Catch-up (R2): only the latest due offset is sent; the earlier
 * ones not sent are recorded as `reminder-skipped:<o>` in the same
 * transaction, and an offset is due only while no reminder (sent or
 * skipped) of a later or equal offset exists for that expiry, so a
 * daemon that was down sends one mail, not a burst, and a schedule
 * edited afterwards never reaches back. A domain whose expiry passed
 * more than REMINDERS_CATCHUP_DAYS after its last offset's day is no
 * longer looked at.
 */
#ifndef RM_CORE_REMINDERS_H
#define RM_CORE_REMINDERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/app.h"
#include "core/conn.h"
#include "core/lifecycle.h"
#include "core/names.h"

#define REMINDERS_MAX 5
#define REMINDERS_RANGE 365
#define REMINDERS_CATCHUP_DAYS 14

/* Offsets, ascending, distinct. */
struct reminder_days {
    int n;
    int day[REMINDERS_MAX];
};

enum reminder_scope {
    REMINDER_BUILTIN, /* not stored: the built-in default */
    REMINDER_DEFAULT,
    REMINDER_CONNECTION,
    REMINDER_TLD
};

const char *reminder_scope_name(enum reminder_scope s);

struct reminder_schedule {
    enum reminder_scope scope;
    int64_t connection_id;               /* REMINDER_CONNECTION */
    char connection[CONN_TITLE_MAX + 1]; /* its title */
    char tld[NAME_MAX_ASCII + 1];        /* REMINDER_TLD, without the dot */
    struct reminder_days days;
    int64_t updated_at; /* 0 for the built-in default */
};

/* reminders_builtin - the built-in default (-30, -7, +3). */
void reminders_builtin(struct reminder_days *out);

/* reminders_parse - "-30,-7,3" (spaces allowed, "+3" too) into *out,
 * sorted; RM_EINVAL naming the problem: no offset, more than
 * REMINDERS_MAX, one out of range, a duplicate, not a number. */
int reminders_parse(const char *text, struct reminder_days *out,
                    struct rm_err *err);
/* reminders_check - the same checks over n offsets in any order; *out
 * sorted. */
int reminders_check(const int64_t *days, size_t n, struct reminder_days *out,
                    struct rm_err *err);
/* reminders_text - "-30,-7,+3" into buf; returns buf. */
char *reminders_text(const struct reminder_days *d, char *buf, size_t n);

/* Every schedule stored, for resolution. */
struct reminders_table {
    struct reminder_schedule *v;
    size_t n;
};

/* reminders_load - every stored schedule into *t (release with
 * reminders_table_release). */
int reminders_load(struct app *app, struct reminders_table *t,
                   struct rm_err *err);
void reminders_table_release(struct reminders_table *t);

/* reminders_resolve - the schedule for a domain of connection_id (whose
 * warn_days is given) and tld: 1 with *out and *from (the scope it came
 * from), 0 when the domain gets no reminders (warn_days 0 and nothing set
 * for the TLD or connection). Pure: reads only t. */
int reminders_resolve(const struct reminders_table *t, int64_t connection_id,
                      int64_t warn_days, const char *tld,
                      struct reminder_days *out, enum reminder_scope *from);

/* What an admin sets or resets: exactly one of all/connection/tld. */
struct reminders_target {
    bool is_default;
    const char *connection; /* title or id */
    const char *tld;        /* ".com" or "com" */
};

/* reminders_set - store the schedule of target (replacing any): the
 * connection and the TLD must exist; RM_EINVAL / RM_ENOTFOUND and nothing
 * changed otherwise. *out (may be NULL) gets the stored schedule. */
int reminders_set(struct app *app, const struct reminders_target *target,
                  const struct reminder_days *days,
                  struct reminder_schedule *out, struct rm_err *err);
/* reminders_reset - remove the schedule of target; 1 when one was
 * removed, 0 when none was set. A TLD that no longer exists may be reset
 * (its schedule outlived it). */
int reminders_reset(struct app *app, const struct reminders_target *target,
                    struct rm_err *err);

/* reminders_list - the built-in default first, then every stored
 * schedule (default, connections by id, TLDs by name); *out is heap. */
int reminders_list(struct app *app, struct reminder_schedule **out, size_t *n,
                   struct rm_err *err);

/* reminders_effective - the schedule a domain of target's connection or
 * TLD gets (the TLD's connection's warn_days and schedule count for a
 * TLD); 0 with *out, or 1 when it gets none (out->days.n is 0 then). */
int reminders_effective(struct app *app, const struct reminders_target *target,
                        struct reminder_schedule *out, struct rm_err *err);

/* One due reminder. */
struct reminder_due {
    int offset;    /* the offset to send */
    bool after;    /* offset > 0 or the day of expiry: after expiry */
    bool restore;  /* after: only a restore is possible (redemption) */
    int64_t until; /* after: renewable_until or restorable_until */
    int skipped[REMINDERS_MAX]; /* earlier offsets recorded as skipped */
    int nskipped;
};

typedef int reminders_due_fn(const struct lifecycle_domain *d,
                             const struct reminder_due *r, void *arg);

/* reminders_due - every domain due a reminder at now, with the offset
 * (R1, R2); fn may use the store. Non-zero from fn stops the walk. */
int reminders_due(struct app *app, int64_t now, reminders_due_fn *fn, void *arg,
                  struct rm_err *err);

/* reminders_send - the `warnings` step: every due reminder mailed to the
 * customer (expiry_warning before expiry, reminder_after after it),
 * counted in s->warned. Without a [mail] from address nothing is sent
 * or recorded. */
int reminders_send(struct lifecycle_ctx *c, struct lifecycle_stats *s,
                   struct rm_err *err);

#endif
