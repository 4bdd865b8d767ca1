/*
 * outbox - the mail outbox (table mail_outbox): every query on it. Mail
 * itself (checks, format, SMTP) is mail/mail.h's; core queues rows here in
 * the transaction of the state change that causes them, and the mail
 * sender job (jobs/mail_job.h) and the CLI read them back here and hand
 * them to mail/ to deliver.
 *
 * Outbox states (one row, one state column, one transaction per move):
 *
 *   queued --smtp accepted------------------------------------> sent
 *     |  \--smtp failed, attempts < max: next_attempt_at += backoff (queued)
 *     \----smtp failed, attempts = max -------------------------> failed
 *   failed --outbox_retry (admin)--> queued (attempts 0, due now)
 *
 * Invariants:
 * M1  A row's message_id and created_at never change: every attempt sends
 *     the same bytes (mail_build_message is a pure function of the row).
 * M2  A row leaves 'queued' only through outbox_record(), whose UPDATE
 *     names the state and attempts it read, so an admin's retry racing a
 *     delivery is never overwritten by a stale outcome.
 * M3  attempts counts finished SMTP attempts; 'failed' means attempts
 *     reached max_attempts (or an admin will retry it); rows are never
 *     deleted.

 */
#ifndef RM_CORE_OUTBOX_H
#define RM_CORE_OUTBOX_H

#include <stddef.h>
#include <stdint.h>

#include "mail/mail.h"
#include "store/store.h"
#include "util/err.h"

struct tmpl_var;

/*
 * outbox_queue - add a message (checked by mail_check) to the outbox,
 * inside the caller's write transaction (RM_EINTERNAL when none is open).
 * idem_key names the event ("op:42:done", "digest:sweep:17"): when a row
 * with that key exists, nothing is added and *id is that row's id (a
 * replayed state change sends no second mail). The Message-ID is generated
 * here from 16 random bytes and the domain of mc->from. The row is due at
 * now. id may be NULL. One statement either way.
 */
int outbox_queue(struct store *st, const struct mail_config *mc,
                 const char *idem_key, const char *to, const char *subject,
                 const char *body, int64_t now, int64_t *id,
                 struct rm_err *err);

/*
 * outbox_queue_template - render template NAME from mc->templates_dir with
 * vars (mail/template.h) and outbox_queue() the result; same transaction
 * rule, same idempotency. A missing variable or template is an error and
 * nothing is queued: the caller's transaction should then roll back, so a
 * state change never commits without its mail.
 */
int outbox_queue_template(struct store *st, const struct mail_config *mc,
                          const char *idem_key, const char *to,
                          const char *name, const struct tmpl_var *vars,
                          size_t nvars, int64_t now, int64_t *id,
                          struct rm_err *err);

/* outbox_get - one row by id; RM_ENOTFOUND when absent. */
int outbox_get(struct store *st, int64_t id, struct mail_row *row,
               struct rm_err *err);

/* outbox_list - rows in state (NULL: any), newest first, at most limit
 * (1..10000); free *rows with mail_rows_free(rows, n). */
int outbox_list(struct store *st, const char *state, int limit,
                struct mail_row **rows, int *n, struct rm_err *err);

/* outbox_retry - a 'failed' or 'queued' row becomes queued, due now,
 * attempts 0; a 'sent' row is refused (RM_EINVAL). Own transaction. */
int outbox_retry(struct store *st, int64_t id, int64_t now, struct rm_err *err);

/* outbox_due - the queued rows due at now, oldest first, at most limit
 * (1..10000); free *rows with mail_rows_free(rows, n). */
int outbox_due(struct store *st, int64_t now, int limit, struct mail_row **rows,
               int *n, struct rm_err *err);

/* outbox_record - one attempt's outcome for row (e NULL: sent) in its own
 * write transaction (M2); counted in stats and logged. 0 also when the row
 * changed meanwhile (then nothing is written). */
int outbox_record(struct store *st, const struct mail_config *mc,
                  const struct mail_row *row, const struct rm_err *e,
                  int64_t now, struct mail_deliver_stats *stats,
                  struct rm_err *err);

/*
 * outbox_deliver_due - send queued rows whose next_attempt_at <= now, oldest
 * first, at most limit (1..10000) of them: fetched here, sent by mail/
 * (one mail_sender session), each outcome (sent / backoff / failed)
 * recorded by outbox_record in its own write transaction. The caller holds
 * no transaction. keep_going, when not NULL, is called before each message;
 * a zero return stops early (shutdown, lost lease). Returns 0 when every
 * outcome was recorded (a refused message is an outcome, not an error) or
 * a negative rm_errcode when the store failed. now is the time used for
 * backoff and sent_at.
 */
int outbox_deliver_due(struct store *st, const struct mail_config *mc,
                       int64_t now, int limit, int (*keep_going)(void *arg),
                       void *arg, struct mail_deliver_stats *stats,
                       struct rm_err *err);

#endif
