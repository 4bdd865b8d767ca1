/*
 * pg - the PostgreSQL backend (see pg.h for the settings and why).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libpq-fe.h>

#include "store/pg.h"
#include "store/pg_sql.h"
#include "store/store_backend.h"
#include "util/xalloc.h"

#define PG_DEFAULT_LOCK_MS 5000
#define PG_MIGRATE_LOCK_MS 600000 /* a long migration on another node */
#define PG_OID_INT8 20
#define PG_OID_TEXT 25
/* Rows per FETCH of a paged read (see read_page). */
#define PG_PAGE_ROWS 512

struct pg_store {
    struct store base; /* first: store.c sees only this */
    PGconn *conn;
    char target[512]; /* redacted, for messages */
    int lock_ms;
    int64_t changes;
    unsigned long nprep; /* prepared statement names rm1, rm2, ... */
    unsigned long ncur;  /* cursor names rmc1, rmc2, ... */
    /* bumped whenever cursors die: tx_epoch at every BEGIN, COMMIT and
     * ROLLBACK (a cursor declared in a transaction), conn_epoch when the
     * session is made again (a held cursor too) */
    unsigned long tx_epoch, conn_epoch;
    /* what failed the open transaction (STORE_ERR_NONE while it is
     * healthy): later statements report it until the rollback */
    enum store_errkind failed_kind;
};

struct pg_stmt {
    struct store_stmt base; /* first */
    char *sql;              /* rewritten */
    int nparams;
    char name[24]; /* "" until prepared on the server */
    Oid *want;     /* type of each current binding; 0: NULL, untyped */
    Oid *known;    /* type last bound or learned at each index */
    Oid *prep;     /* types the server-side statement was prepared with */
    char **vals;   /* text form of each binding; NULL = SQL NULL */
    PGresult *res; /* all rows, or the current page of a cursor */
    int ran, row, nrows;
    /* Paged reads (reads_rows): the rows come through cursor cur. */
    int paged;
    char cur[24];        /* this statement's own cursor name */
    char decl[24];       /* prepared DECLARE cur ... FOR sql, "" until then */
    char hdecl[24];      /* the same WITH HOLD (autocommit), "" until then */
    int open;            /* cur is declared */
    int hold;            /* ... WITH HOLD */
    int eof;             /* its last page came */
    int pages;           /* pages read since it was declared */
    int stale;           /* cur may still be open: closed by its next DECLARE */
    unsigned long epoch; /* tx_epoch or conn_epoch when it was declared */
};

static struct pg_store *pgs(struct store *st)
{
    return (struct pg_store *)st;
}

static struct pg_stmt *pgq(struct store_stmt *s)
{
    return (struct pg_stmt *)s;
}

static void quiet_notice(void *arg, const char *msg)
{
    (void)arg;
    (void)msg;
}

/* one_line - msg on one line (libpq's have several: "...failed:
 * Connection refused\n\tIs the server running..."), at most n bytes. */
static void one_line(char *out, size_t n, const char *msg)
{
    size_t len, o = 0;

    snprintf(out, n, "%s", msg ? msg : "");
    for (size_t i = 0; out[i] != '\0'; i++) {
        if (out[i] == '\n' || out[i] == '\t' || out[i] == '\r') {
            if (o > 0 && out[o - 1] != ' ')
                out[o++] = ' ';
        } else {
            out[o++] = out[i];
        }
    }
    out[o] = '\0';
    len = o;
    while (len > 0 && (out[len - 1] == '\n' || out[len - 1] == ' '))
        out[--len] = '\0';
}

static int state_is(const char *state, const char *want)
{
    return state != NULL && strcmp(state, want) == 0;
}

/* pg_fail - classify a failed result (res may be NULL: the connection
 * failed) into an rm_errcode and an errkind. err may be NULL. */
static int pg_fail(struct pg_store *s, const PGresult *res, const char *what,
                   struct rm_err *err)
{
    const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    const char *primary =
        res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
    enum store_errkind kind = STORE_ERR_OTHER;
    char msg[400];
    int code = RM_EINTERNAL;

    one_line(msg, sizeof msg, primary ? primary : PQerrorMessage(s->conn));
    if (PQstatus(s->conn) == CONNECTION_BAD || state == NULL ||
        strncmp(state, "08", 2) == 0 || strncmp(state, "53", 2) == 0 ||
        strncmp(state, "57P", 3) == 0 || strncmp(state, "58", 2) == 0) {
        s->base.errkind = STORE_ERR_OTHER;
        if (PQtransactionStatus(s->conn) != PQTRANS_IDLE)
            s->failed_kind = STORE_ERR_OTHER;
        return rm_err_set(err, RM_EIO, "pg: %s: %s: %s", s->target, what, msg);
    }
    if (state_is(state, "23505")) {
        kind = STORE_ERR_UNIQUE;
        code = RM_EINVAL;
    } else if (state_is(state, "23503") || state_is(state, "23001")) {
        kind = STORE_ERR_FOREIGN_KEY;
        code = RM_EINVAL;
    } else if (strncmp(state, "23", 2) == 0) {
        /* 23502 not null, 23514 check: STORE_ERR_CHECK, as SQLite's */
        kind = STORE_ERR_CHECK;
        code = RM_EINVAL;
    } else if (strncmp(state, "22", 2) == 0) {
        /* Data exceptions refuse the values, as a CHECK would: text that
         * is not UTF-8 (22021, which SQLite stores as given), a number
         * out of range (22003). */
        kind = STORE_ERR_CHECK;
        code = RM_EINVAL;
    } else if (state_is(state, "40001") || state_is(state, "40P01") ||
               state_is(state, "55P03")) {
        kind = STORE_ERR_CONFLICT;
        code = RM_ECONFLICT;
    }
    s->base.errkind = kind;
    if (PQtransactionStatus(s->conn) == PQTRANS_INERROR &&
        s->failed_kind == STORE_ERR_NONE)
        s->failed_kind = kind;
    if (state_is(state, "55P03"))
        return rm_err_set(err, code,
                          "pg: %s: %s (waited lock_timeout, %d ms; SQLSTATE "
                          "%s)",
                          what, msg, s->lock_ms, state);
    return rm_err_set(err, code, "pg: %s: %s (SQLSTATE %s)", what, msg, state);
}

/* refuse_failed_tx - the open transaction had a failed statement. */
static int refuse_failed_tx(struct pg_store *s, const char *what,
                            struct rm_err *err)
{
    s->base.errkind = s->failed_kind == STORE_ERR_CONFLICT ? STORE_ERR_CONFLICT
                                                           : STORE_ERR_OTHER;
    return rm_err_set(
        err, s->failed_kind == STORE_ERR_CONFLICT ? RM_ECONFLICT : RM_EINTERNAL,
        "pg: %s: an earlier statement of this transaction "
        "failed; nothing more runs in it until it is rolled "
        "back",
        what);
}

/* simple - run one command without parameters or rows. */
static int simple(struct pg_store *s, const char *sql, struct rm_err *err)
{
    PGresult *res = PQexec(s->conn, sql);
    ExecStatusType t = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
    int rc = 0;

    if (t != PGRES_COMMAND_OK && t != PGRES_TUPLES_OK)
        rc = pg_fail(s, res, sql, err);
    PQclear(res);
    return rc;
}

static void pg_close(struct store *st)
{
    struct pg_store *s = pgs(st);

    if (s == NULL)
        return;
    PQfinish(s->conn);
    free(s);
}

/* configure - the session settings of a new (or re-made) connection. */
static int configure(struct pg_store *s, struct rm_err *err)
{
    char sql[64];
    int rc;

    PQsetNoticeProcessor(s->conn, quiet_notice, NULL);
    if (PQsetClientEncoding(s->conn, "UTF8") != 0)
        return rm_err_set(err, RM_EIO, "pg: %s: cannot use UTF8", s->target);
    /* lock_timeout plays the busy timeout's part: a statement waiting for
     * a row or table lock longer fails with 55P03 (STORE_ERR_CONFLICT). */
    snprintf(sql, sizeof sql, "SET lock_timeout = %d", s->lock_ms);
    /* Cursors are read to the end like any result: plan them for all
     * rows, not for the first tenth (the default 0.1). */
    if ((rc = simple(s, sql, err)) < 0 ||
        (rc = simple(s, "SET client_min_messages = warning", err)) < 0 ||
        (rc = simple(s, "SET cursor_tuple_fraction = 1.0", err)) < 0) {
        rm_err_prefix(err, "%s: ", s->target);
        return rc;
    }
    return 0;
}

/* reconnect - outside a transaction, a connection that was lost (server
 * restart, idle timeout) is made again, so a long-lived handle (regman
 * serve) recovers: the statement that noticed the loss failed with
 * RM_EIO, the next one runs. Server-side statements died with the old
 * session: every cached statement is prepared again at its next step. */
static int reconnect(struct pg_store *s, struct rm_err *err)
{
    char msg[400];

    if (PQstatus(s->conn) == CONNECTION_OK || s->base.in_tx)
        return 0;
    PQreset(s->conn);
    if (PQstatus(s->conn) != CONNECTION_OK) {
        one_line(msg, sizeof msg, PQerrorMessage(s->conn));
        s->base.errkind = STORE_ERR_OTHER;
        return rm_err_set(err, RM_EIO, "pg: cannot connect to %s: %s",
                          s->target, msg);
    }
    for (struct store_stmt *c = s->base.cache; c != NULL; c = c->next) {
        struct pg_stmt *q = pgq(c);
        q->name[0] = q->decl[0] = q->hdecl[0] = '\0';
        q->stale = 0;
    }
    s->conn_epoch++;
    s->tx_epoch++;
    s->failed_kind = STORE_ERR_NONE;
    return configure(s, err);
}

static int pg_open(const char *target, const struct store_open_opts *opts,
                   struct store **out, struct rm_err *err)
{
    struct pg_store *s;
    char msg[400];
    int rc;

    *out = NULL;
    s = xcalloc(1, sizeof *s);
    s->base.ops = &store_pg_ops;
    store_pg_redact(target, s->target, sizeof s->target);
    s->lock_ms =
        opts->busy_timeout_ms > 0 ? opts->busy_timeout_ms : PG_DEFAULT_LOCK_MS;
    s->conn = PQconnectdb(target);
    if (s->conn == NULL || PQstatus(s->conn) != CONNECTION_OK) {
        one_line(msg, sizeof msg,
                 s->conn ? PQerrorMessage(s->conn) : "out of memory");
        rc = rm_err_set(err, RM_EIO, "pg: cannot connect to %s: %s", s->target,
                        msg);
        pg_close(&s->base);
        return rc;
    }
    if ((rc = configure(s, err)) < 0) {
        pg_close(&s->base);
        return rc;
    }
    *out = &s->base;
    return 0;
}

static int pg_exec_script(struct store *st, const char *sql, struct rm_err *err)
{
    struct pg_store *s = pgs(st);
    char *pgsql;
    int n, rc;

    if ((rc = reconnect(s, err)) < 0)
        return rc;
    if (PQtransactionStatus(s->conn) == PQTRANS_INERROR)
        return refuse_failed_tx(s, "script", err);
    if ((rc = store_pg_rewrite(sql, &pgsql, &n, err)) < 0)
        return rc;
    if (n != 0) {
        free(pgsql);
        return rm_err_set(err, RM_EINTERNAL,
                          "pg: a script takes no parameters");
    }
    rc = simple(s, pgsql, err);
    free(pgsql);
    return rc;
}

static int pg_begin(struct store *st, enum store_txmode mode,
                    struct rm_err *err)
{
    struct pg_store *s = pgs(st);
    int rc;

    const char *sql = mode == STORE_TX_WRITE
                          ? "BEGIN"
                          : "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY";

    s->failed_kind = STORE_ERR_NONE;
    s->tx_epoch++;
    if ((rc = reconnect(s, err)) < 0)
        return rc;
    rc = simple(s, sql, err);
    /* A BEGIN that found the session gone did nothing: connect again and
     * begin once more. */
    if (rc == RM_EIO && PQstatus(s->conn) == CONNECTION_BAD &&
        (rc = reconnect(s, err)) == 0)
        rc = simple(s, sql, err);
    return rc;
}

static int pg_commit(struct store *st, struct rm_err *err)
{
    struct pg_store *s = pgs(st);
    PGresult *res;
    int rc = 0;

    s->tx_epoch++;
    /* COMMIT of a failed transaction "succeeds" as a ROLLBACK: refuse. */
    if (PQtransactionStatus(s->conn) == PQTRANS_INERROR)
        return refuse_failed_tx(s, "COMMIT", err);
    res = PQexec(s->conn, "COMMIT");
    if (res == NULL || PQresultStatus(res) != PGRES_COMMAND_OK)
        rc = pg_fail(s, res, "COMMIT", err);
    else if (strcmp(PQcmdStatus(res), "COMMIT") != 0)
        rc = rm_err_set(err, RM_EINTERNAL, "pg: COMMIT rolled back (%s)",
                        PQcmdStatus(res));
    PQclear(res);
    return rc;
}

static int pg_rollback(struct store *st, struct rm_err *err)
{
    struct pg_store *s = pgs(st);

    s->failed_kind = STORE_ERR_NONE;
    s->tx_epoch++;
    if (PQtransactionStatus(s->conn) == PQTRANS_IDLE)
        return 0;
    return simple(s, "ROLLBACK", err);
}

static int pg_migrate_lock(struct store *st, struct rm_err *err)
{
    struct pg_store *s = pgs(st);
    char sql[96];
    int rc;

    /* Another node may be running a long migration: wait longer than
     * lock_timeout for this one lock (SET LOCAL ends with the
     * transaction). */
    snprintf(sql, sizeof sql, "SET LOCAL lock_timeout = %d",
             PG_MIGRATE_LOCK_MS);
    if ((rc = simple(s, sql, err)) < 0)
        return rc;
    snprintf(sql, sizeof sql, "SELECT pg_advisory_xact_lock(%lld)",
             (long long)STORE_PG_MIGRATE_KEY);
    if ((rc = simple(s, sql, err)) < 0)
        return rc;
    snprintf(sql, sizeof sql, "SET LOCAL lock_timeout = %d", s->lock_ms);
    return simple(s, sql, err);
}

/* prepare_now - prepare q on the server with the types of its current
 * bindings (see pg.h for NULLs). */
static int prepare_now(struct pg_store *s, struct pg_stmt *q,
                       struct rm_err *err)
{
    Oid *types = q->prep;
    int unknown = 0, in_tx, rc = 0;
    PGresult *res;

    for (int i = 0; i < q->nparams; i++) {
        types[i] = q->want[i] ? q->want[i] : q->known[i];
        unknown |= types[i] == 0;
    }
    snprintf(q->name, sizeof q->name, "rm%lu", ++s->nprep);
    in_tx = PQtransactionStatus(s->conn) == PQTRANS_INTRANS;
    /* A failed prepare would fail the open transaction: when the server
     * may not infer a type, try under a savepoint. */
    if (unknown && in_tx && (rc = simple(s, "SAVEPOINT rm_prepare", err)) < 0)
        goto out;
    res = PQprepare(s->conn, q->name, q->sql, q->nparams, types);
    for (int tries = 0;
         unknown && tries < q->nparams && res != NULL &&
         PQresultStatus(res) != PGRES_COMMAND_OK &&
         state_is(PQresultErrorField(res, PG_DIAG_SQLSTATE), "42P18");
         tries++) {
        /* "could not determine data type of parameter $n": declare that
         * one text (all the untyped ones when n cannot be read) and try
         * again, so the others are still inferred. */
        const char *m = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
        const char *dollar = m ? strrchr(m, '$') : NULL;
        int n = dollar ? atoi(dollar + 1) : 0;

        PQclear(res);
        if (in_tx &&
            (rc = simple(s, "ROLLBACK TO SAVEPOINT rm_prepare", err)) < 0)
            goto out;
        if (n >= 1 && n <= q->nparams && types[n - 1] == 0) {
            types[n - 1] = PG_OID_TEXT;
        } else {
            for (int i = 0; i < q->nparams; i++)
                if (types[i] == 0)
                    types[i] = PG_OID_TEXT;
        }
        res = PQprepare(s->conn, q->name, q->sql, q->nparams, types);
    }
    if (res == NULL || PQresultStatus(res) != PGRES_COMMAND_OK) {
        rc = pg_fail(s, res, "prepare", err);
        PQclear(res);
        rm_err_prefix(err, "%.100s: ", q->base.sql ? q->base.sql : q->sql);
        goto out;
    }
    PQclear(res);
    if (unknown) {
        /* Learn what the server inferred, for the next NULL binds. */
        res = PQdescribePrepared(s->conn, q->name);
        if (res == NULL || PQresultStatus(res) != PGRES_COMMAND_OK) {
            rc = pg_fail(s, res, "describe", err);
            PQclear(res);
            goto out;
        }
        for (int i = 0; i < q->nparams && i < PQnparams(res); i++) {
            types[i] = PQparamtype(res, i);
            if (q->known[i] == 0)
                q->known[i] = types[i];
        }
        PQclear(res);
    }
    if (unknown && in_tx)
        rc = simple(s, "RELEASE SAVEPOINT rm_prepare", err);
out:
    if (rc < 0)
        q->name[0] = '\0';
    /* The DECLAREs take the new types at their next use. */
    q->decl[0] = q->hdecl[0] = '\0';
    return rc;
}

/* close_cursor - CLOSE q's cursor if it still lives; a held one left by a
 * failed transaction is closed before its next DECLARE (stale). Keeps
 * the handle's error state: a release must not change what a caller
 * reads from store_errkind. */
/* cursor_alive - q's cursor (open or stale) still exists on the server:
 * not ended with its transaction or session. */
static int cursor_alive(struct pg_store *s, const struct pg_stmt *q)
{
    PGTransactionStatusType ts = PQtransactionStatus(s->conn);

    return q->hold ? q->epoch == s->conn_epoch
                   : q->epoch == s->tx_epoch &&
                         (ts == PQTRANS_INTRANS || ts == PQTRANS_INERROR);
}

static void close_cursor(struct pg_store *s, struct pg_stmt *q)
{
    enum store_errkind kind = s->base.errkind, failed = s->failed_kind;
    char sql[48];

    if (!q->open)
        return;
    q->open = 0;
    if (!cursor_alive(s, q))
        return; /* it died with its transaction or session */
    /* A read that ended within its first page (most: one-row lookups)
     * leaves a small finished cursor: it is closed in the same round
     * trip as the statement's next DECLARE, or dies with its transaction
     * or session. So does any cursor while a failed transaction refuses
     * the CLOSE. Bounded: one per cached statement, of at most a page. */
    if ((q->eof && q->pages == 1) ||
        PQtransactionStatus(s->conn) == PQTRANS_INERROR) {
        q->stale = 1;
        return;
    }
    snprintf(sql, sizeof sql, "CLOSE %s", q->cur);
    (void)simple(s, sql, NULL);
    s->base.errkind = kind;
    s->failed_kind = failed;
}

/* drop_rows - forget the rows (or page) held. */
static void drop_rows(struct pg_stmt *q)
{
    PQclear(q->res);
    q->res = NULL;
    q->row = q->nrows = 0;
}

static void reset_stmt(struct pg_stmt *q, int closing)
{
    if (q->open && !closing)
        close_cursor(pgs(q->base.st), q);
    q->open = q->eof = q->pages = 0;
    drop_rows(q);
    q->ran = 0;
    q->row = q->nrows = 0;
    for (int i = 0; i < q->nparams; i++) {
        free(q->vals[i]);
        q->vals[i] = NULL;
        q->want[i] = 0;
    }
}

static void pg_reset(struct store_stmt *st)
{
    reset_stmt(pgq(st), 0);
}

static void pg_finalize(struct store_stmt *st)
{
    struct pg_stmt *q = pgq(st);

    /* The server-side statement and cursor go with the connection
     * (store_close finalizes every statement just before it closes the
     * handle). */
    reset_stmt(q, 1);
    free(q->want);
    free(q->known);
    free(q->prep);
    free(q->vals);
    free(q->sql);
    free(q);
}

/* word_is - the word at p (letters) is w, any case. */
static int word_is(const char *p, size_t len, const char *w)
{
    return strlen(w) == len && strncasecmp(p, w, len) == 0;
}

/* reads_rows - sql (rewritten) is a query a cursor can run: it begins
 * with SELECT, VALUES or TABLE, or with WITH and changes nothing (no
 * INSERT, UPDATE or DELETE word anywhere: DECLARE refuses a data-changing
 * WITH). Everything else (INSERT/UPDATE/DELETE ... RETURNING, DDL) runs
 * whole at its first step: its rows are bounded by what it changes. */
static int reads_rows(const char *sql)
{
    const char *p = sql;
    size_t len;
    int with;

    for (;;) {
        while (*p == ' ' || *p == '\n' || *p == '\t' || *p == '\r' || *p == '(')
            p++;
        if (p[0] == '-' && p[1] == '-')
            p += strcspn(p, "\n");
        else if (p[0] == '/' && p[1] == '*')
            p = strstr(p + 2, "*/") ? strstr(p + 2, "*/") + 2 : p + strlen(p);
        else
            break;
    }
    len = strspn(p, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ");
    if (word_is(p, len, "SELECT") || word_is(p, len, "VALUES") ||
        word_is(p, len, "TABLE"))
        return 1;
    with = word_is(p, len, "WITH");
    for (p += len; with && *p != '\0'; p += len ? len : 1) {
        len = strspn(p, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_"
                        "0123456789");
        if (word_is(p, len, "INSERT") || word_is(p, len, "UPDATE") ||
            word_is(p, len, "DELETE") || word_is(p, len, "MERGE"))
            return 0;
    }
    return with;
}

static int pg_prepare(struct store *st, const char *sql,
                      struct store_stmt **out, struct rm_err *err)
{
    struct pg_store *s = pgs(st);
    struct pg_stmt *q;
    size_t n;
    int rc;

    *out = NULL;
    q = xcalloc(1, sizeof *q);
    if ((rc = store_pg_rewrite(sql, &q->sql, &q->nparams, err)) < 0) {
        s->base.errkind = STORE_ERR_OTHER;
        free(q);
        return rc;
    }
    q->paged = reads_rows(q->sql);
    snprintf(q->cur, sizeof q->cur, "rmc%lu", ++s->ncur);
    n = q->nparams > 0 ? (size_t)q->nparams : 1;
    q->want = xcalloc(n, sizeof *q->want);
    q->known = xcalloc(n, sizeof *q->known);
    q->prep = xcalloc(n, sizeof *q->prep);
    q->vals = xcalloc(n, sizeof *q->vals);
    /* Without parameters nothing is left to learn from the binds:
     * prepare now, so bad SQL fails here as it does on SQLite. With
     * parameters the types come with the first step's bindings. */
    if (q->nparams == 0) {
        rc = reconnect(s, err);
        if (rc == 0 && PQtransactionStatus(s->conn) == PQTRANS_INERROR)
            rc = refuse_failed_tx(s, "prepare", err);
        else if (rc == 0)
            rc = prepare_now(s, q, err);
        if (rc < 0) {
            pg_finalize(&q->base);
            return rc;
        }
    }
    *out = &q->base;
    return 0;
}

static int bind_slot(struct pg_stmt *q, int idx, Oid type, char *val)
{
    if (idx < 1 || idx > q->nparams) {
        free(val);
        return RM_EINVAL;
    }
    free(q->vals[idx - 1]);
    q->vals[idx - 1] = val;
    if (type != 0)
        q->known[idx - 1] = type;
    q->want[idx - 1] = type;
    return 0;
}

static int pg_bind_int64(struct store_stmt *st, int idx, int64_t v)
{
    char buf[24];

    snprintf(buf, sizeof buf, "%" PRId64, v);
    return bind_slot(pgq(st), idx, PG_OID_INT8, xstrdup(buf));
}

static int pg_bind_text(struct store_stmt *st, int idx, const char *v)
{
    return bind_slot(pgq(st), idx, PG_OID_TEXT, xstrdup(v));
}

static int pg_bind_null(struct store_stmt *st, int idx)
{
    return bind_slot(pgq(st), idx, 0, NULL);
}

/* needs_prepare - not prepared yet, or a binding's type differs. */
static int needs_prepare(const struct pg_stmt *q)
{
    if (q->name[0] == '\0')
        return 1;
    for (int i = 0; i < q->nparams; i++)
        if (q->want[i] != 0 && q->want[i] != q->prep[i])
            return 1;
    return 0;
}

static int is_change(const char *cmd)
{
    return strncmp(cmd, "INSERT ", 7) == 0 || strncmp(cmd, "UPDATE ", 7) == 0 ||
           strncmp(cmd, "DELETE ", 7) == 0 || strncmp(cmd, "MERGE ", 6) == 0;
}

/* keep_rows - q holds res (all rows, or a page) from now on. */
static void keep_rows(struct pg_stmt *q, PGresult *res)
{
    drop_rows(q);
    q->res = res;
    q->nrows = PQntuples(res);
    q->row = -1;
}

/*
 * read_page - the next PG_PAGE_ROWS rows of q's cursor. 512 rows: a FETCH
 * round trip (tens of microseconds on loopback) is then spread over
 * enough rows to cost little per row, while a page of even wide rows
 * (a few hundred bytes of text each) stays well under a megabyte.
 */
static int read_page(struct pg_store *s, struct pg_stmt *q, struct rm_err *err)
{
    PGresult *res;
    char sql[64];
    int rc;

    if (q->hold ? q->epoch != s->conn_epoch : q->epoch != s->tx_epoch) {
        q->open = 0;
        s->base.errkind = STORE_ERR_OTHER;
        return rm_err_set(err, RM_EINTERNAL,
                          "pg: step: %s; the read was begun in a transaction "
                          "that has ended: run it again",
                          q->hold ? "the session was made again"
                                  : "its cursor closed with the transaction");
    }
    if (PQtransactionStatus(s->conn) == PQTRANS_INERROR)
        return refuse_failed_tx(s, "step", err);
    snprintf(sql, sizeof sql, "FETCH FORWARD %d FROM %s", PG_PAGE_ROWS, q->cur);
    res = PQexec(s->conn, sql);
    if (res == NULL || PQresultStatus(res) != PGRES_TUPLES_OK) {
        rc = pg_fail(s, res, "step", err);
        PQclear(res);
        return rc;
    }
    keep_rows(q, res);
    q->eof = q->nrows < PG_PAGE_ROWS;
    q->pages++;
    return 0;
}

/* declare - open q's cursor over its query with the current bindings: in
 * a transaction a plain cursor, which ends with it; in autocommit one
 * WITH HOLD, which the server fills (work_mem, then a temporary file) as
 * the DECLARE commits, so it lives on outside any transaction: writes and
 * whole transactions on the handle run while it is read. */
static int declare(struct pg_store *s, struct pg_stmt *q, struct rm_err *err)
{
    int hold = PQtransactionStatus(s->conn) == PQTRANS_IDLE;
    int close = q->stale && cursor_alive(s, q);
    char *name = hold ? q->hdecl : q->decl;
    char fetch[64], closesql[48];
    PGresult *res, *first_bad = NULL, *page = NULL;
    int rc = 0, sent = 1;

    if (name[0] == '\0') {
        size_t n = strlen(q->sql) + 96;
        char *sql = xmalloc(n);

        snprintf(sql, n, "DECLARE %s NO SCROLL CURSOR%s FOR %s", q->cur,
                 hold ? " WITH HOLD" : "", q->sql);
        snprintf(name, sizeof q->decl, "rm%lu", ++s->nprep);
        res = PQprepare(s->conn, name, sql, q->nparams, q->prep);
        free(sql);
        if (res == NULL || PQresultStatus(res) != PGRES_COMMAND_OK) {
            name[0] = '\0';
            rc = pg_fail(s, res, "prepare", err);
            PQclear(res);
            return rc;
        }
        PQclear(res);
    }
    /* One round trip: [CLOSE the stale cursor,] DECLARE, first FETCH. In
     * autocommit they are one implicit transaction, committed at the
     * sync (the held cursor keeps its place). */
    snprintf(closesql, sizeof closesql, "CLOSE %s", q->cur);
    snprintf(fetch, sizeof fetch, "FETCH FORWARD %d FROM %s", PG_PAGE_ROWS,
             q->cur);
    if (PQenterPipelineMode(s->conn) != 1)
        return pg_fail(s, NULL, "step", err);
    if (close)
        sent &=
            PQsendQueryParams(s->conn, closesql, 0, NULL, NULL, NULL, NULL, 0);
    sent &= PQsendQueryPrepared(s->conn, name, q->nparams,
                                (const char *const *)q->vals, NULL, NULL, 0);
    sent &= PQsendQueryParams(s->conn, fetch, 0, NULL, NULL, NULL, NULL, 0);
    sent &= PQpipelineSync(s->conn);
    /* Every result up to the sync's; each query's ends with a NULL. */
    for (int nulls = 0; sent;) {
        ExecStatusType t;

        res = PQgetResult(s->conn);
        if (res == NULL) {
            if (PQstatus(s->conn) == CONNECTION_BAD || ++nulls > 4) {
                sent = 0;
                break;
            }
            continue;
        }
        t = PQresultStatus(res);
        if (t == PGRES_PIPELINE_SYNC) {
            PQclear(res);
            break;
        }
        if (t == PGRES_TUPLES_OK && page == NULL && first_bad == NULL)
            page = res;
        else if (t != PGRES_COMMAND_OK && t != PGRES_TUPLES_OK &&
                 t != PGRES_PIPELINE_ABORTED && first_bad == NULL)
            first_bad = res;
        else
            PQclear(res);
    }
    (void)PQexitPipelineMode(s->conn);
    /* The CLOSE ran or found no cursor: either way none is left (a
     * later failure does not bring a closed cursor back). */
    if (close)
        q->stale = 0;
    if (first_bad != NULL || page == NULL || !sent) {
        rc = pg_fail(s, first_bad, "step", err);
        PQclear(first_bad);
        PQclear(page);
        return rc;
    }
    q->stale = 0;
    q->open = 1;
    q->hold = hold;
    q->pages = 1;
    q->epoch = hold ? s->conn_epoch : s->tx_epoch;
    keep_rows(q, page);
    q->eof = q->nrows < PG_PAGE_ROWS;
    return 0;
}

static int run(struct pg_store *s, struct pg_stmt *q, struct rm_err *err)
{
    PGresult *res;
    ExecStatusType t;
    int rc;

    if ((rc = reconnect(s, err)) < 0)
        return rc;
    if (PQtransactionStatus(s->conn) == PQTRANS_INERROR)
        return refuse_failed_tx(s, "step", err);
    if (needs_prepare(q) && (rc = prepare_now(s, q, err)) < 0)
        return rc;
    if (q->paged) {
        if ((rc = declare(s, q, err)) < 0)
            return rc;
        q->ran = 1;
        return 0;
    }
    res = PQexecPrepared(s->conn, q->name, q->nparams,
                         (const char *const *)q->vals, NULL, NULL, 0);
    t = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
    if (t != PGRES_TUPLES_OK && t != PGRES_COMMAND_OK) {
        rc = pg_fail(s, res, "step", err);
        PQclear(res);
        return rc;
    }
    if (is_change(PQcmdStatus(res)))
        s->changes = strtoll(PQcmdTuples(res), NULL, 10);
    keep_rows(q, res);
    q->ran = 1;
    return 0;
}

static int pg_step(struct store_stmt *st, struct rm_err *err)
{
    struct pg_stmt *q = pgq(st);
    int rc;

    if (!q->ran && (rc = run(pgs(st->st), q, err)) < 0)
        return rc;
    if (q->row < q->nrows)
        q->row++;
    if (q->row < q->nrows)
        return STORE_ROW;
    if (!q->open || q->eof)
        return STORE_DONE;
    /* This page is read: the text of its last row goes with it. */
    if ((rc = read_page(pgs(st->st), q, err)) < 0)
        return rc;
    q->row = q->nrows > 0 ? 0 : q->nrows;
    return q->row < q->nrows ? STORE_ROW : STORE_DONE;
}

static int pg_column_count(struct store_stmt *st)
{
    struct pg_stmt *q = pgq(st);
    return q->res ? PQnfields(q->res) : 0;
}

static int has_value(const struct pg_stmt *q, int col)
{
    return q->res != NULL && q->row >= 0 && q->row < q->nrows && col >= 0 &&
           col < PQnfields(q->res) && !PQgetisnull(q->res, q->row, col);
}

static int64_t pg_column_int64(struct store_stmt *st, int col)
{
    struct pg_stmt *q = pgq(st);
    return has_value(q, col)
               ? strtoll(PQgetvalue(q->res, q->row, col), NULL, 10)
               : 0;
}

static const char *pg_column_text(struct store_stmt *st, int col)
{
    struct pg_stmt *q = pgq(st);
    return has_value(q, col) ? PQgetvalue(q->res, q->row, col) : NULL;
}

static int pg_column_is_null(struct store_stmt *st, int col)
{
    return !has_value(pgq(st), col);
}

static int64_t pg_changes(struct store *st)
{
    return pgs(st)->changes;
}

const struct store_ops store_pg_ops = {
    .name = "postgresql",
    .open = pg_open,
    .close = pg_close,
    .exec_script = pg_exec_script,
    .begin = pg_begin,
    .commit = pg_commit,
    .rollback = pg_rollback,
    .migrate_lock = pg_migrate_lock,
    .prepare = pg_prepare,
    .bind_int64 = pg_bind_int64,
    .bind_text = pg_bind_text,
    .bind_null = pg_bind_null,
    .step = pg_step,
    .column_count = pg_column_count,
    .column_int64 = pg_column_int64,
    .column_text = pg_column_text,
    .column_is_null = pg_column_is_null,
    .reset = pg_reset,
    .finalize = pg_finalize,
    .changes = pg_changes,
};
