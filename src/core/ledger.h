/*
 * ledger - regman's money: a double-entry ledger in integer minor units.
 *
 * The only code that changes accounts.balance. Every money movement is a
 * posting (ledger_postings) with legs (ledger_entries) that sum to zero:
 *
 *   charge  customer -X, sales +X      (operation fee, key op:<id>:charge)
 *   refund  customer +X, sales -X      (reverses that charge, op:<id>:refund)
 *   credit  customer +X, funding -X    (money received)
 *   adjust  customer +/-X, funding -/+X (admin correction)
 *
 * and accounts.balance of every leg's account moves in the same
 * transaction. The invariants (I1, I2, I5-I8) are listed in ledger.c and
 * checked on real data by ledger_audit().
 *
 * Transactions: ledger_charge and ledger_refund run INSIDE the caller's
 * write transaction (they are one part of an operation's state change, and
 * the caller commits or rolls back the whole); they fail with RM_EINTERNAL
 * when no transaction is open. ledger_credit and ledger_adjust open and
 * commit their own write transaction and refuse to run inside one.
 *
 * Results: 0 = posted; LEDGER_REPLAYED (> 0) = a posting with this
 * idempotency key already exists with the same content, nothing changed;
 * negative rm_errcode with err filled, and nothing written:
 *   RM_ELIMIT     the charge would take the balance below -credit_limit
 *                 (insufficient funds);
 *   RM_EINVAL     bad amount (zero, negative where it must be positive,
 *                 overflow of a balance), bad or reused idempotency key,
 *                 memo too long;
 *   RM_ENOTFOUND  no such account or operation;
 *   RM_EINTERNAL  misuse (transaction rules, a refund without a charge);
 *   RM_ECONFLICT  (ledger_charge, ledger_refund) a balance changed
 *                 between its read and its write: the caller's unit of
 *                 work must be re-run whole (store_tx does; ledger_credit
 *                 and ledger_adjust re-run their own);
 *   RM_EIO        the store failed.
 * Amounts are int64_t minor units of the installation's one currency;
 * every sum is overflow-checked, never wrapped.
 */
#ifndef RM_CORE_LEDGER_H
#define RM_CORE_LEDGER_H

#include <stddef.h>
#include <stdint.h>

#include "store/store.h"
#include "util/err.h"

#define LEDGER_REPLAYED 1

#define LEDGER_MAX_KEY 200  /* bytes of an idempotency key */
#define LEDGER_MAX_MEMO 500 /* bytes of a memo */

enum ledger_kind { LEDGER_CHARGE, LEDGER_REFUND, LEDGER_CREDIT, LEDGER_ADJUST };

/* ledger_kind_name - "charge", "refund", "credit", "adjust". */
const char *ledger_kind_name(enum ledger_kind k);

/*
 * ledger_charge - charge operation operation_id's fee (operations.amount) to
 * its account (operations.account_id); key "op:<id>:charge". Inside the
 * caller's write transaction, after the operation row is inserted. A fee
 * of 0 records a posting without legs, so every operation has its charge.
 */
int ledger_charge(struct store *st, int64_t operation_id, int64_t now,
                  struct rm_err *err);

/*
 * ledger_refund - reverse operation_id's charge exactly (same account,
 * same amount); key "op:<id>:refund". Inside the caller's write
 * transaction. *refunded (may be NULL) gets the amount. Replayed: returns
 * LEDGER_REPLAYED and sets *refunded to the amount refunded before.
 */
int ledger_refund(struct store *st, int64_t operation_id, int64_t now,
                  int64_t *refunded, struct rm_err *err);

/* ledger_check_funds - would a charge of amount to account_id pass the
 * credit limit? 0 yes, RM_ELIMIT no (err says why). Read-only; lets
 * callers refuse before they write anything. */
int ledger_check_funds(struct store *st, int64_t account_id, int64_t amount,
                       struct rm_err *err);

/*
 * ledger_credit - money received: amount > 0 to customer account_id from
 * funding. Own transaction. idem_key (1..LEDGER_MAX_KEY bytes, e.g. a
 * payment reference) makes a retried call a no-op; memo may be NULL.
 */
int ledger_credit(struct store *st, int64_t account_id, int64_t amount,
                  const char *idem_key, const char *memo, int64_t now,
                  struct rm_err *err);

/*
 * ledger_adjust - admin correction: amount != 0 (signed) to customer
 * account_id against funding. Own transaction. Not bounded by the credit
 * limit (a correction, e.g. a reversed payment, may need to go below it);
 * still overflow-checked.
 */
int ledger_adjust(struct store *st, int64_t account_id, int64_t amount,
                  const char *idem_key, const char *memo, int64_t now,
                  struct rm_err *err);

/* ledger_set_test_hook - tests only: fn (NULL to clear) runs inside every
 * posting after its balances were read and before they are written, so a
 * test can move a balance there and watch the unit of work re-run. */
void ledger_set_test_hook(void (*fn)(struct store *st));

/* ledger_balance - current balance and credit limit (either may be NULL). */
int ledger_balance(struct store *st, int64_t account_id, int64_t *balance,
                   int64_t *credit_limit, struct rm_err *err);

/* One leg of an account's history, as ledger_history hands it out. The
 * strings live until the callback returns. */
struct ledger_line {
    int64_t entry_id;
    int64_t posting_id;
    enum ledger_kind kind;
    int64_t amount;        /* signed, this account's leg */
    int64_t balance_after; /* the account's balance right after it */
    int64_t operation_id;  /* 0 when none */
    const char *idem_key;
    const char *memo;
    int64_t created_at;
};

/* ledger_history - the account's legs, newest first, at most limit (<= 0:
 * all); fn returning non-zero stops the walk (that value is returned). */
int ledger_history(struct store *st, int64_t account_id, int64_t limit,
                   int (*fn)(const struct ledger_line *line, void *ctx),
                   void *ctx, struct rm_err *err);

/* Audit findings. */
struct ledger_bad_account { /* I1 */
    int64_t account_id;
    char name[128];
    int64_t balance; /* accounts.balance */
    int64_t sum;     /* sum of its ledger entries */
};

struct ledger_bad_operation { /* I2 */
    int64_t operation_id;
    char state[16];
    int64_t amount;
    int charges; /* charge postings found */
    int refunds; /* refund postings found */
    char why[96];
};

struct ledger_audit {
    size_t accounts_checked;
    size_t operations_checked;
    size_t postings_checked;
    struct ledger_bad_account *bad_accounts; /* I1 */
    size_t nbad_accounts;
    struct ledger_bad_operation *bad_operations; /* I2 */
    size_t nbad_operations;
    int64_t *bad_postings; /* I5: ids of postings whose legs do not sum to 0 */
    size_t nbad_postings;
};

/*
 * ledger_audit - check I1 (every balance = sum of its entries), I2 (every
 * operation has exactly the legs its state requires) and I5 (every posting
 * sums to zero) over the whole database in one read snapshot. Returns 0
 * when the audit ran (rep says what it found; ledger_audit_ok tells
 * whether all hold), negative when it could not run. The caller releases
 * rep with ledger_audit_release.
 */
int ledger_audit(struct store *st, struct ledger_audit *rep,
                 struct rm_err *err);
int ledger_audit_ok(const struct ledger_audit *rep);
void ledger_audit_release(struct ledger_audit *rep);

#endif
