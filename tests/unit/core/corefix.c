/*
 * corefix - the unit tests' installation (corefix.h).
 */
#include "corefix.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/account.h"
#include "core/conn.h"
#include "core/ledger.h"
#include "core/tld.h"
#include "fakereg.h"
#include "store/store.h"
#include "util/clock.h"

static char clock_path[300];

static void write_clock(int64_t offset)
{
    FILE *fp = fopen(clock_path, "w");
    if (!fp)
        fail_msg("clock file %s", clock_path);
    /* the length changes with every write, so the clock sees it even
     * within one mtime tick */
    static int pad;
    pad = (pad + 1) % 8;
    fprintf(fp, "%*lld\n", 20 + pad, (long long)offset);
    fclose(fp);
}

struct corefix *corefix_open(bool auto_renew)
{
    struct corefix *f = calloc(1, sizeof *f);
    struct rm_err err = {0};
    const char *tmp = getenv("TMPDIR");
    char conf[300];

    assert_non_null(f);
    snprintf(f->dir, sizeof f->dir, "%s/rmcore.XXXXXX", tmp ? tmp : "/tmp");
    assert_non_null(mkdtemp(f->dir));
    snprintf(clock_path, sizeof clock_path, "%s/clock", f->dir);
    write_clock(0);
    setenv("REGMAN_CLOCK_FILE", clock_path, 1);
    /* REGMAN_TEST_DB's backend: on PostgreSQL a database of its own */
    if (unitdb_init_dir(&f->db, f->dir, &err) != 0)
        fail_msg("init: %s", err.msg);
    snprintf(conf, sizeof conf, "%s/regman.conf", f->dir);
    if (app_open(conf, APP_OPEN_STORE | APP_OPEN_KEY, &f->app, &err) != 0)
        fail_msg("app_open: %s", err.msg);
    f->app->make_registrar = fakereg_make;
    f->app->set.retry_delay_ms = 0; /* NOT_SENT retries without a pause */
    fakereg_reset();

    struct conn_edit ce = {.title = "fake",
                           .server = "127.0.0.1",
                           .port = "55443",
                           .login = "test",
                           .key = "9a1b2c3d4e5f60718293a4b5c6d7e8f9",
                           .renew_days = "30",
                           .warn_days = "0"};
    int64_t conn_id;
    if (conn_add(f->app, &ce, &conn_id, &err) != 0)
        fail_msg("conn_add: %s", err.msg);
    const char *prices[] = {"register:1=10", "register:2=20", "renew:1=10",
                            "transfer:1=10"};
    struct tld_set_req tr = {.tld = "com",
                             .connection = "fake",
                             .terms = "1-10",
                             .prices = prices,
                             .nprices = 4};
    if (tld_set(f->app, &tr, &err) != 0)
        fail_msg("tld_set: %s", err.msg);
    if (account_add(f->app, "alice", "alice@example.com", NULL, auto_renew,
                    &f->account_id, &err) != 0)
        fail_msg("account_add: %s", err.msg);
    if (ledger_credit(f->app->st, f->account_id, COREFIX_FUNDS, "seed", NULL,
                      clock_now(), &err) != 0)
        fail_msg("ledger_credit: %s", err.msg);
    const char *values[CONTACT_FIELDS] = {"Alice",
                                          "Smith",
                                          NULL,
                                          "1 Main St",
                                          NULL,
                                          NULL,
                                          "Toronto",
                                          NULL,
                                          "M5V1A1",
                                          "CA",
                                          "+1.4165550123",
                                          NULL,
                                          "alice@example.com",
                                          NULL};
    if (contact_set(f->app, f->account_id, "owner", values, &err) != 0)
        fail_msg("contact_set: %s", err.msg);
    return f;
}

void corefix_close(struct corefix *f)
{
    char cmd[400];

    if (!f)
        return;
    app_close(f->app);
    unitdb_drop(&f->db);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", f->dir);
    unsetenv("REGMAN_CLOCK_FILE");
    free(f);
}

void corefix_advance(struct corefix *f, int64_t s)
{
    f->clock += s;
    write_clock(f->clock);
}

int64_t corefix_int(struct corefix *f, const char *sql, const char *text,
                    int64_t arg)
{
    struct store_stmt *s;
    struct rm_err err = {0};
    int64_t v = INT64_MIN;
    int i = 1;

    if (store_prepare(f->app->st, sql, &s, &err) != 0)
        fail_msg("prepare %s: %s", sql, err.msg);
    int marks = 0;
    for (const char *p = sql; *p; p++)
        marks += *p == '?';
    if (text)
        store_bind_text(s, i++, text);
    if (marks >= i)
        store_bind_int64(s, i, arg);
    if (store_step(s, &err) == STORE_ROW)
        v = store_col_int64(s, 0);
    store_stmt_release(s);
    return v;
}

static const char *text_of(struct corefix *f, const char *sql, const char *t,
                           int64_t arg)
{
    static char buf[64];
    struct store_stmt *s;
    struct rm_err err = {0};

    buf[0] = '\0';
    if (store_prepare(f->app->st, sql, &s, &err) != 0)
        fail_msg("prepare %s: %s", sql, err.msg);
    if (t)
        store_bind_text(s, 1, t);
    else
        store_bind_int64(s, 1, arg);
    if (store_step(s, &err) == STORE_ROW && store_col_text(s, 0))
        snprintf(buf, sizeof buf, "%s", store_col_text(s, 0));
    store_stmt_release(s);
    return buf;
}

const char *corefix_state(struct corefix *f, int64_t op_id)
{
    return text_of(f, "SELECT state FROM operations WHERE id = ?", NULL, op_id);
}

int64_t corefix_postings(struct corefix *f, int64_t op_id, const char *kind)
{
    return corefix_int(f,
                       "SELECT COUNT(*) FROM ledger_postings WHERE kind = ? "
                       "AND operation_id = ?",
                       kind, op_id);
}

int64_t corefix_balance(struct corefix *f)
{
    int64_t b = 0;
    struct rm_err err = {0};

    if (ledger_balance(f->app->st, f->account_id, &b, NULL, &err) != 0)
        fail_msg("ledger_balance: %s", err.msg);
    return b;
}

const char *corefix_domain_status(struct corefix *f, const char *name)
{
    return text_of(f,
                   "SELECT status FROM domains WHERE name = ? ORDER BY id "
                   "DESC LIMIT 1",
                   name, 0);
}

bool corefix_audit_ok(struct corefix *f)
{
    struct ledger_audit rep;
    struct rm_err err = {0};

    if (ledger_audit(f->app->st, &rep, &err) != 0)
        fail_msg("ledger_audit: %s", err.msg);
    bool ok = ledger_audit_ok(&rep) != 0;
    ledger_audit_release(&rep);
    return ok;
}

int corefix_order(struct corefix *f, const char *kind, const char *name,
                  struct ops_result *res)
{
    struct ops_order_req rq = {.name = name, .account = "alice", .term = 1};
    struct rm_err err = {0};
    int rc;

    memset(res, 0, sizeof *res);
    if (strcmp(kind, "register") == 0) {
        rc = ops_register(f->app, &rq, res, &err);
    } else if (strcmp(kind, "transfer") == 0) {
        rq.auth_code = "s3cret-auth";
        rc = ops_transfer(f->app, &rq, res, &err);
    } else {
        rc = ops_renew(f->app, name, "alice", 1, res, &err);
    }
    if (rc < 0)
        fail_msg("%s %s: %d %s", kind, name, rc, err.msg);
    return rc;
}

int64_t corefix_registered(struct corefix *f, const char *name, time_t expiry)
{
    struct ops_result res;
    struct reg_op_result done = fakereg_done(expiry, "1");

    fakereg_script(&done, 1);
    assert_int_equal(corefix_order(f, "register", name, &res), OPS_SUCCEEDED);
    assert_string_equal(res.state, "succeeded");
    return res.op_id;
}

void corefix_ledger_says(struct corefix *f, int64_t op_id, bool refunded,
                         int64_t balance_before, int64_t price)
{
    assert_int_equal(corefix_postings(f, op_id, "charge"), 1);
    assert_int_equal(corefix_postings(f, op_id, "refund"), refunded ? 1 : 0);
    assert_int_equal(corefix_balance(f),
                     balance_before - (refunded ? 0 : price));
    assert_true(corefix_audit_ok(f));
}
