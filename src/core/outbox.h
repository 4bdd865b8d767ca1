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
 *
 * The mail_* names of these functions declared in mail/mail.h (mail_queue,
 * mail_queue_template, mail_outbox_get, mail_outbox_list,
 * mail_outbox_retry, mail_deliver_due) are defined in outbox.c as the same
 * functions, for the callers that have not moved to these names yet.
 */
#ifndef RM_CORE_OUTBOX_H
#define RM_CORE_OUTBOX_H

#include <stddef.h>
#include <stdint.h>

#include "mail/mail.h"
#include "store/store.h"
#include "util/err.h"

struct tmpl_var;

/* outbox_queue - mail_queue's contract (mail/mail.h): a checked message
 * into the outbox inside the caller's write transaction; a key queued
 * before adds nothing and *id (may be NULL) is that row's id. One
 * statement either way. */
int outbox_queue(struct store *st, const struct mail_config *mc,
                 const char *idem_key, const char *to, const char *subject,
                 const char *body, int64_t now, int64_t *id,
                 struct rm_err *err);

/* outbox_queue_template - template NAME rendered (mail/template.h) and
 * queued; mail_queue_template's contract. */
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

/* outbox_deliver_due - mail_deliver_due's contract (mail/mail.h): due rows
 * fetched here, sent by mail/, each outcome recorded here. */
int outbox_deliver_due(struct store *st, const struct mail_config *mc,
                       int64_t now, int limit, int (*keep_going)(void *arg),
                       void *arg, struct mail_deliver_stats *stats,
                       struct rm_err *err);

#endif
