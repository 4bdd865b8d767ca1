/*
 * corefix - an installation for core's unit tests: `regman init` in a
 * temp dir (app_init_dir), opened through app_open like the CLI does,
 * with the fake registrar (fakereg.h) as its driver, one connection
 * "fake" serving .com, one account "alice" with funds and contacts. The
 * clock can be moved forward (REGMAN_CLOCK_FILE, util/clock.h).
 *
 * Reads of the rows a test asserts on go through the store the app
 * opened (the same open path as regman's). REGMAN_TEST_DB other than
 * sqlite (tests/lib/testdb.py) fails the test.
 */
#ifndef RM_TESTS_COREFIX_H
#define RM_TESTS_COREFIX_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "core/app.h"
#include "core/ops.h"
#include "unitdb.h"

#define COREFIX_FUNDS 100000 /* alice's credit, minor units */
#define COREFIX_PRICE 1000   /* every .com price, minor units */
#define COREFIX_DAY 86400

struct corefix {
    char dir[256];
    struct app *app;
    int64_t account_id;
    int64_t clock;    /* the offset written to the clock file */
    struct unitdb db; /* its database (REGMAN_TEST_DB) */
};

/* corefix_open - a fresh installation (fails the test on any error).
 * auto_renew: alice's account default. */
struct corefix *corefix_open(bool auto_renew);
void corefix_close(struct corefix *f);

/* corefix_advance - move the clock forward by s seconds. */
void corefix_advance(struct corefix *f, int64_t s);

/* corefix_int - the first column of the first row of sql, with up to one
 * integer and one text parameter (text bound first when both are given;
 * NULL: not bound); INT64_MIN when there is no row. */
int64_t corefix_int(struct corefix *f, const char *sql, const char *text,
                    int64_t arg);
/* corefix_state - the operation's state ("" when there is none). */
const char *corefix_state(struct corefix *f, int64_t op_id);
/* corefix_postings - ledger postings of the operation of a kind
 * ("charge", "refund"). */
int64_t corefix_postings(struct corefix *f, int64_t op_id, const char *kind);
/* corefix_balance - alice's balance. */
int64_t corefix_balance(struct corefix *f);
/* corefix_domain_status - the status of the domain's newest row. */
const char *corefix_domain_status(struct corefix *f, const char *name);
/* corefix_audit_ok - the ledger invariants hold (ledger_audit). */
bool corefix_audit_ok(struct corefix *f);

/* corefix_order - ops_register, ops_transfer or ops_renew (kind) of name
 * for alice, one year; fails the test on a negative return. */
int corefix_order(struct corefix *f, const char *kind, const char *name,
                  struct ops_result *res);
/* corefix_registered - name registered at once (one send answered done
 * with expiry); its operation id. */
int64_t corefix_registered(struct corefix *f, const char *name, time_t expiry);
/* corefix_ledger_says - the operation has one charge, and one refund
 * exactly when refunded; alice's balance moved by price unless refunded;
 * the ledger audit holds. */
void corefix_ledger_says(struct corefix *f, int64_t op_id, bool refunded,
                         int64_t balance_before, int64_t price);

#endif
