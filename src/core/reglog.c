/*
 * reglog - the registrar request log (contract in reglog.h).
 */
#include "core/reglog.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/clock.h"
#include "util/log.h"
#include "util/utf8.h"
#include "util/xalloc.h"

/* bytes of one stored request */
#define REGLOG_MAX_TEXT ((size_t)1024 * 1024)

/* bind_text - v as valid UTF-8: what a registrar answered is stored
 * even when it is not (U+FFFD for each bad byte), never refused. */
static void bind_text(struct store_stmt *s, int i, const char *v)
{
    char *clean = v ? utf8_clean(v) : NULL;

    store_bind_text(s, i, clean ? clean : v);
    free(clean);
}

static void bind_capped(struct store_stmt *s, int i, const char *v)
{
    if (!v) {
        store_bind_null(s, i);
        return;
    }
    if (strlen(v) <= REGLOG_MAX_TEXT) {
        bind_text(s, i, v);
        return;
    }
    store_bind_text(s, i, "(not stored: longer than 1 MiB)");
}

/* op_domain - the name of op_id's domain (owned, NULL when unknown). A
 * request that names only an order (PROCESS_PENDING, GET_ORDER_INFO,
 * CANCEL_TRANSFER by order id) is made for an operation, and its row
 * carries that operation's domain so the domain's log shows it. */
static char *op_domain(struct app *app, int64_t op_id)
{
    static const char sql[] =
        "SELECT d.name FROM operations o JOIN domains d ON d.id = o.domain_id "
        "WHERE o.id = ?";
    struct store_stmt *s;
    struct rm_err err;
    char *name = NULL;

    if (op_id <= 0 || store_prepare(app->st, sql, &s, &err) < 0)
        return NULL;
    store_bind_int64(s, 1, op_id);
    if (store_step(s, &err) == STORE_ROW && store_col_text(s, 0))
        name = xstrdup(store_col_text(s, 0));
    store_stmt_release(s);
    return name;
}

/* write_at - one row stamped at (reglog_write, and kept rows later). */
static int write_at(struct app *app, int64_t at, int64_t conn_id, int64_t op_id,
                    const struct reglog_entry *e, struct rm_err *err)
{
    static const char sql[] =
        "INSERT INTO registrar_log (at, connection_id, operation_id, action, "
        "object, domain, request, response, http_status, outcome, "
        "duration_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
    struct store_stmt *s;
    char *dom = NULL;
    int rc;

    if (!e->domain || !*e->domain)
        dom = op_domain(app, op_id);
    if ((rc = store_prepare(app->st, sql, &s, err)) < 0) {
        free(dom);
        return rc;
    }
    store_bind_int64(s, 1, at);
    if (conn_id)
        store_bind_int64(s, 2, conn_id);
    else
        store_bind_null(s, 2);
    if (op_id)
        store_bind_int64(s, 3, op_id);
    else
        store_bind_null(s, 3);
    bind_text(s, 4, e->action ? e->action : "");
    bind_text(s, 5, e->object ? e->object : "");
    if (e->domain && *e->domain)
        bind_text(s, 6, e->domain);
    else if (dom)
        store_bind_text(s, 6, dom);
    else
        store_bind_null(s, 6);
    bind_capped(s, 7, e->request ? e->request : "");
    if (e->error && *e->error && (!e->response || !*e->response))
        bind_capped(s, 8, e->error);
    else
        bind_capped(s, 8, e->response);
    if (e->http_status)
        store_bind_int64(s, 9, e->http_status);
    else
        store_bind_null(s, 9);
    bind_text(s, 10, e->outcome ? e->outcome : "");
    store_bind_int64(s, 11, e->duration_ms);
    rc = store_step(s, err);
    store_stmt_release(s);
    free(dom);
    return rc < 0 ? rc : 0;
}

int reglog_write(struct app *app, int64_t conn_id, int64_t op_id,
                 const struct reglog_entry *e, struct rm_err *err)
{
    return write_at(app, clock_now(), conn_id, op_id, e, err);
}

/* --- rows kept in memory ------------------------------------------------ */

struct kept {
    int64_t at, conn_id, op_id, duration_ms;
    long http_status;
    char *action, *object, *domain, *request, *response, *outcome, *error;
    size_t bytes;
    struct kept *next;
};

/* The queue, oldest first; every field under keep_mu. */
static pthread_mutex_t keep_mu = PTHREAD_MUTEX_INITIALIZER;
static struct kept *keep_head, *keep_tail;
static size_t keep_n, keep_bytes;
static pthread_once_t keep_once = PTHREAD_ONCE_INIT;

/* dup_capped - a copy of v (NULL: ""), the note when over 1 MiB; adds
 * its size to *bytes. */
static char *dup_capped(const char *v, size_t *bytes)
{
    static const char note[] = "(not stored: longer than 1 MiB)";
    size_t n = v ? strlen(v) : 0;

    if (n > REGLOG_MAX_TEXT) {
        v = note;
        n = sizeof note - 1;
    }
    *bytes += n + 1;
    return xstrdup(v ? v : "");
}

/* kept_free - one kept row and its texts. */
static void kept_free(struct kept *k)
{
    free(k->action);
    free(k->object);
    free(k->domain);
    free(k->request);
    free(k->response);
    free(k->outcome);
    free(k->error);
    free(k);
}

/* kept_entry - the row as an entry; strings borrowed from k. */
static void kept_entry(const struct kept *k, struct reglog_entry *e)
{
    e->action = k->action;
    e->object = k->object;
    e->domain = k->domain;
    e->request = k->request;
    e->response = k->response;
    e->http_status = k->http_status;
    e->outcome = k->outcome;
    e->duration_ms = k->duration_ms;
    e->error = k->error;
}

/* esc - s on one line: backslash, CR, LF, TAB and other controls escaped. */
static void esc(struct buf *b, const char *s)
{
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '\\')
            buf_adds(b, "\\\\");
        else if (c == '\n')
            buf_adds(b, "\\n");
        else if (c == '\r')
            buf_adds(b, "\\r");
        else if (c == '\t')
            buf_adds(b, "\\t");
        else if (c < 0x20 || c == 0x7f)
            buf_addf(b, "\\x%02x", c);
        else
            buf_addc(b, (char)c);
    }
}

/* spill_one - the last resort: the row as one log line. */
static void spill_one(const struct kept *k, const char *why)
{
    struct buf b;
    char when[32];

    buf_init(&b);
    if (k->op_id)
        buf_addf(&b, "op %" PRId64 ": ", k->op_id);
    buf_addf(&b,
             "registrar log row not stored (%s): at=%s connection=%" PRId64
             " action=",
             why, clock_format(k->at, when, sizeof when), k->conn_id);
    esc(&b, k->action);
    buf_adds(&b, " object=");
    esc(&b, k->object);
    buf_adds(&b, " domain=");
    esc(&b, k->domain);
    buf_adds(&b, " outcome=");
    esc(&b, k->outcome);
    buf_addf(&b, " http=%ld ms=%" PRId64 " error=", k->http_status,
             k->duration_ms);
    esc(&b, k->error);
    buf_adds(&b, " request=");
    esc(&b, k->request);
    buf_adds(&b, " response=");
    esc(&b, k->response);
    rm_log(LOG_WARN, "%s", b.data);
    buf_release(&b);
}

/* spill_at_exit - the exit handler: the last resort for what is kept. */
static void spill_at_exit(void)
{
    reglog_spill();
}

/* register_exit - once, when the first row is kept. */
static void register_exit(void)
{
    atexit(spill_at_exit);
}

/* trim_locked - spill the oldest rows beyond the bounds. */
static void trim_locked(void)
{
    while (keep_head &&
           (keep_n > REGLOG_KEEP_MAX || keep_bytes > REGLOG_KEEP_BYTES)) {
        struct kept *k = keep_head;
        keep_head = k->next;
        if (!keep_head)
            keep_tail = NULL;
        keep_n--;
        keep_bytes -= k->bytes;
        spill_one(k, "over the memory bound");
        kept_free(k);
    }
}

void reglog_keep(int64_t at, int64_t conn_id, int64_t op_id,
                 const struct reglog_entry *e)
{
    struct kept *k = xcalloc(1, sizeof *k);

    k->at = at;
    k->conn_id = conn_id;
    k->op_id = op_id;
    k->http_status = e->http_status;
    k->duration_ms = e->duration_ms;
    k->bytes = sizeof *k;
    k->action = dup_capped(e->action, &k->bytes);
    k->object = dup_capped(e->object, &k->bytes);
    k->domain = dup_capped(e->domain, &k->bytes);
    k->request = dup_capped(e->request, &k->bytes);
    k->response = dup_capped(e->response, &k->bytes);
    k->outcome = dup_capped(e->outcome, &k->bytes);
    k->error = dup_capped(e->error, &k->bytes);
    pthread_once(&keep_once, register_exit);
    pthread_mutex_lock(&keep_mu);
    if (keep_tail)
        keep_tail->next = k;
    else
        keep_head = k;
    keep_tail = k;
    keep_n++;
    keep_bytes += k->bytes;
    trim_locked();
    pthread_mutex_unlock(&keep_mu);
}

size_t reglog_kept(void)
{
    size_t n;

    pthread_mutex_lock(&keep_mu);
    n = keep_n;
    pthread_mutex_unlock(&keep_mu);
    return n;
}

size_t reglog_spill(void)
{
    struct kept *k;
    size_t n = 0;

    pthread_mutex_lock(&keep_mu);
    while ((k = keep_head)) {
        keep_head = k->next;
        spill_one(k, "still unwritten at exit");
        kept_free(k);
        n++;
    }
    keep_tail = NULL;
    keep_n = keep_bytes = 0;
    pthread_mutex_unlock(&keep_mu);
    return n;
}

/* refused_for_good - the row itself is refused (a constraint): writing it
 * again cannot help. */
static bool refused_for_good(const struct app *app)
{
    enum store_errkind k = store_errkind(app->st);

    return k == STORE_ERR_UNIQUE || k == STORE_ERR_FOREIGN_KEY ||
           k == STORE_ERR_CHECK;
}

struct flush_one {
    struct app *app;
    struct kept *k;
};

/* flush_one - write one kept row (a unit of its own: a row refused inside
 * a transaction ends it on PostgreSQL, so each row has its own). */
static int flush_one(struct store *st, void *arg, struct rm_err *err)
{
    struct flush_one *u = arg;
    struct reglog_entry e;

    (void)st;
    kept_entry(u->k, &e);
    return write_at(u->app, u->k->at, u->k->conn_id, u->k->op_id, &e, err);
}

int reglog_flush(struct app *app, int *n, struct rm_err *err)
{
    struct kept *list, *last = NULL, *k;
    size_t cnt, bytes;
    int rc = 0;

    *n = 0;
    if (!app->st || store_in_tx(app->st))
        return 0;
    /* Take the whole queue: other threads keep appending to an empty one
     * meanwhile, and a failure puts what is left back in front of theirs. */
    pthread_mutex_lock(&keep_mu);
    list = keep_head;
    cnt = keep_n;
    bytes = keep_bytes;
    keep_head = keep_tail = NULL;
    keep_n = keep_bytes = 0;
    pthread_mutex_unlock(&keep_mu);
    /* In order, one row a transaction: a row refused for good (a
     * constraint) is spilled and dropped, the others stand; any other
     * failure stops the flush and keeps the rest. */
    while ((k = list)) {
        struct flush_one u = {app, k};
        rc = store_tx(app->st, STORE_TX_WRITE, flush_one, &u, err);
        if (rc < 0 && !refused_for_good(app))
            break;
        if (rc < 0)
            spill_one(k, err->msg);
        else
            (*n)++;
        list = k->next;
        cnt--;
        bytes -= k->bytes;
        kept_free(k);
        rc = 0;
    }
    if (list) {
        for (last = list; last->next; last = last->next)
            ;
        pthread_mutex_lock(&keep_mu);
        last->next = keep_head;
        keep_head = list;
        if (!keep_tail)
            keep_tail = last;
        keep_n += cnt;
        keep_bytes += bytes;
        trim_locked();
        pthread_mutex_unlock(&keep_mu);
    }
    return rc;
}

int reglog_record(struct app *app, int64_t conn_id, int64_t op_id,
                  const struct reglog_entry *e, struct rm_err *err)
{
    int64_t at = clock_now();
    int n;

    /* Kept rows first, so the table keeps the order of the exchanges;
     * when they cannot be written, neither can this one. */
    if (reglog_flush(app, &n, err) < 0 ||
        write_at(app, at, conn_id, op_id, e, err) < 0) {
        reglog_keep(at, conn_id, op_id, e);
        return REGLOG_KEPT;
    }
    return 0;
}

int reglog_query(struct app *app, const char *domain, int64_t op_id,
                 int64_t limit,
                 int (*fn)(const struct reglog_row *r, void *ctx), void *ctx,
                 struct rm_err *err)
{
    /* Both filters are bound every time (NULL / 0 = no filter), so one
     * constant statement serves every combination (D1). */
    static const char sql[] =
        "SELECT id, at, COALESCE(connection_id, 0), "
        "COALESCE(operation_id, 0), COALESCE(http_status, 0), duration_ms, "
        "action, object, COALESCE(domain, ''), request, "
        "COALESCE(response, ''), outcome FROM registrar_log "
        "WHERE (CAST(? AS TEXT) IS NULL OR domain = ?) AND (? = 0 OR "
        "operation_id = ?) "
        "ORDER BY id LIMIT ?";
    struct store_stmt *s;
    struct reglog_row r;
    int rc, stop = 0;

    if ((rc = store_prepare(app->st, sql, &s, err)) < 0)
        return rc;
    store_bind_text(s, 1, domain);
    store_bind_text(s, 2, domain);
    store_bind_int64(s, 3, op_id);
    store_bind_int64(s, 4, op_id);
    store_bind_int64(s, 5, limit > 0 ? limit : INT64_MAX);
    while (!stop && (rc = store_step(s, err)) == STORE_ROW) {
        r.id = store_col_int64(s, 0);
        r.at = store_col_int64(s, 1);
        r.conn_id = store_col_int64(s, 2);
        r.op_id = store_col_int64(s, 3);
        r.http_status = store_col_int64(s, 4);
        r.duration_ms = store_col_int64(s, 5);
        r.action = store_col_text(s, 6);
        r.object = store_col_text(s, 7);
        r.domain = store_col_text(s, 8);
        r.request = store_col_text(s, 9);
        r.response = store_col_text(s, 10);
        r.outcome = store_col_text(s, 11);
        stop = fn(&r, ctx);
    }
    store_stmt_release(s);
    if (rc < 0)
        return rc;
    return stop;
}

int64_t reglog_prune_cutoff(const struct app *app, int64_t now)
{
    return now - (int64_t)app->set.log_keep_days * REGLOG_DAY_S;
}

static int prune_count(struct app *app, int64_t cutoff, int64_t *n,
                       struct rm_err *err)
{
    struct store_stmt *s;
    int rc;

    if ((rc = store_prepare(app->st,
                            "SELECT CAST(COUNT(*) AS BIGINT) FROM "
                            "registrar_log WHERE at < ?",
                            &s, err)) < 0)
        return rc;
    store_bind_int64(s, 1, cutoff);
    rc = store_step(s, err);
    if (rc == STORE_ROW)
        *n = store_col_int64(s, 0);
    store_stmt_release(s);
    return rc < 0 ? rc : 0;
}

struct prune_unit {
    int64_t cutoff, batch, *n;
};

/* prune_unit - the oldest batch rows below cutoff. */
static int prune_unit(struct store *st, void *arg, struct rm_err *err)
{
    /* DELETE ... LIMIT is not in the common dialect: the ids of one batch
     * are picked by a subquery on the at index instead. */
    static const char sql[] =
        "DELETE FROM registrar_log WHERE id IN (SELECT id FROM registrar_log "
        "WHERE at < ? ORDER BY at LIMIT ?)";
    struct prune_unit *u = arg;
    struct store_stmt *s;
    int rc;

    if ((rc = store_prepare(st, sql, &s, err)) < 0)
        return rc;
    store_bind_int64(s, 1, u->cutoff);
    store_bind_int64(s, 2, u->batch);
    rc = store_step(s, err);
    store_stmt_release(s);
    if (rc < 0)
        return rc;
    *u->n = store_changes(st);
    return 0;
}

/* prune_batch - one transaction: the oldest batch rows below cutoff. */
static int prune_batch(struct app *app, int64_t cutoff, int64_t batch,
                       int64_t *n, struct rm_err *err)
{
    struct prune_unit u = {cutoff, batch, n};

    return store_tx(app->st, STORE_TX_WRITE, prune_unit, &u, err);
}

int reglog_prune(struct app *app, int64_t now,
                 const struct reglog_prune_opts *opts, int64_t *deleted,
                 struct rm_err *err)
{
    static const struct reglog_prune_opts defaults = {0};
    int64_t cutoff = reglog_prune_cutoff(app, now), batch, n;
    int rc;

    if (!opts)
        opts = &defaults;
    *deleted = 0;
    if (opts->dry_run)
        return prune_count(app, cutoff, deleted, err);
    batch = opts->batch > 0 ? opts->batch : REGLOG_PRUNE_BATCH;
    for (;;) {
        if ((rc = prune_batch(app, cutoff, batch, &n, err)) < 0)
            return rc;
        *deleted += n;
        /* a short batch was the last one */
        if (n < batch)
            return 0;
        if (opts->keep_going && !opts->keep_going(opts->arg))
            return 0;
    }
}
