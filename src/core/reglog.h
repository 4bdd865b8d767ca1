/*
 * reglog - the registrar request log (design section 1, 8): every
 * exchange with a registrar, secrets already redacted by the driver,
 * stored with its connection and operation.
 */
#ifndef RM_CORE_REGLOG_H
#define RM_CORE_REGLOG_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "core/app.h"

/* What a driver hands the sink; strings valid during the call. */
struct reglog_entry {
    const char *action;   /* "SW_REGISTER" */
    const char *object;   /* "DOMAIN" */
    const char *domain;   /* "" when none */
    const char *request;  /* redacted */
    const char *response; /* redacted, or a note */
    long http_status;     /* 0 when none */
    const char *outcome;  /* "answered", "not sent", "outcome unknown" */
    int64_t duration_ms;
    const char *error; /* "" when answered */
};

/* reglog_write - one row, in its own statement (never inside a
 * transaction that a crash could roll back with the operation's state).
 * A failure loses the row: callers use reglog_record, which keeps it. */
int reglog_write(struct app *app, int64_t conn_id, int64_t op_id,
                 const struct reglog_entry *e, struct rm_err *err);

/*
 * Rows that could not be written. The exchange happened whether or not its
 * row can be stored (a full disk, an I/O error, a database busy past the
 * timeout), so a row whose write fails is kept in memory - process-wide,
 * with its time - and written at the next opportunity: the next
 * reglog_record of any thread, the start of every Async Manager sweep,
 * app_close. At most REGLOG_KEEP_MAX rows and REGLOG_KEEP_BYTES bytes are
 * kept; beyond that the oldest, and every row still kept at process exit,
 * go to the log instead - the last resort: LOG_WARN, one line each ("op
 * N: registrar log row not stored: ..." with control characters escaped;
 * the texts were redacted by the driver). A kept row the database refuses
 * for good (a constraint, e.g. its connection was deleted) goes there too.
 */
#define REGLOG_KEEP_MAX 10000
#define REGLOG_KEEP_BYTES ((size_t)16 * 1024 * 1024)
#define REGLOG_KEPT 1

/* reglog_record - write the kept rows (when app's store is not inside a
 * transaction), then e as reglog_write does. 0: stored; REGLOG_KEPT: kept
 * in memory (or logged), err says why. */
int reglog_record(struct app *app, int64_t conn_id, int64_t op_id,
                  const struct reglog_entry *e, struct rm_err *err);

/* reglog_keep - keep a copy of e, stamped at, for a later write (when the
 * caller's own write of it failed). Texts over 1 MiB are kept as the note
 * that replaces them in the table. */
void reglog_keep(int64_t at, int64_t conn_id, int64_t op_id,
                 const struct reglog_entry *e);

/* reglog_flush - write the kept rows in order, each in a transaction of
 * its own on app's store (not inside one of the caller's: then nothing
 * happens). *n: rows written. A row the database refuses for good (a
 * constraint) goes to the log instead; on any other failure that row and
 * the ones after it stay kept and the error is returned. */
int reglog_flush(struct app *app, int *n, struct rm_err *err);

/* reglog_kept - the number of rows kept. */
size_t reglog_kept(void);

/* reglog_spill - write every kept row to the log and forget it; the
 * number of rows. Runs at exit by itself once a row was kept. */
size_t reglog_spill(void);

struct reglog_row {
    int64_t id, at, conn_id, op_id, http_status, duration_ms;
    const char *action, *object, *domain, *request, *response, *outcome;
};

/* reglog_query - rows matching domain (NULL: any) and op_id (0: any),
 * oldest first, at most limit (<= 0: all). fn non-zero stops. */
int reglog_query(struct app *app, const char *domain, int64_t op_id,
                 int64_t limit,
                 int (*fn)(const struct reglog_row *r, void *ctx), void *ctx,
                 struct rm_err *err);

/* Pruning: rows older than [registrar] log_keep_days are deleted in
 * batches of REGLOG_PRUNE_BATCH rows, one write transaction per batch, so
 * the write lock is held for one short batch at a time and other writers
 * (operations logging their exchanges) get in between. */
#define REGLOG_PRUNE_BATCH 10000
#define REGLOG_DAY_S 86400

struct reglog_prune_opts {
    int64_t batch; /* rows per transaction; <= 0: REGLOG_PRUNE_BATCH */
    bool dry_run;  /* count what would go, delete nothing */
    /* between batches; 0 stops early (rows left go next time). NULL: go
     * on. */
    int (*keep_going)(void *arg);
    void *arg;
};

/* reglog_prune_cutoff - the oldest `at` kept at now: now - log_keep_days
 * days. */
int64_t reglog_prune_cutoff(const struct app *app, int64_t now);

/* reglog_prune - delete (or with dry_run count) the rows with at < the
 * cutoff of now; *deleted is the number (rows of finished batches even on
 * failure). Idempotent: a second run finds nothing. opts may be NULL. */
int reglog_prune(struct app *app, int64_t now,
                 const struct reglog_prune_opts *opts, int64_t *deleted,
                 struct rm_err *err);

#endif
