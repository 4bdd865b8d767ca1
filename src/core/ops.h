/*
 * ops - domain operations through the operation state machine of design
 * section 4 (the diagram and the invariants are written in ops.c).
 *
 * Entry points return one of enum ops_outcome (>= 0) when an operation
 * row was created or looked at, or a negative code when the request was
 * refused BEFORE anything was written:
 *   RM_EINVAL / RM_ELIMIT / RM_ENOTFOUND  invalid input (name, TLD, term,
 *                                         account, contact, field size);
 *   CORE_EREFUSED                         a business rule said no
 *                                         (insufficient funds, name live);
 *   RM_EIO / RM_EINTERNAL                 the store failed.
 * struct ops_result describes what happened.
 */
#ifndef RM_CORE_OPS_H
#define RM_CORE_OPS_H

#include <stdbool.h>
#include <stdint.h>

#include "core/app.h"
#include "core/names.h"
#include "registrar/registrar.h"

#define OPS_AUTH_MAX 256

enum ops_outcome {
    OPS_SUCCEEDED = 0,
    OPS_FAILED = 1,  /* refused by the registrar (or never sent): refunded */
    OPS_PENDING = 2, /* outcome not known yet; the Async Manager follows */
    OPS_TIMED_OUT = 3,
    OPS_CANCELLED = 4,
};

const char *ops_outcome_name(enum ops_outcome o);

struct ops_result {
    int64_t op_id;
    int64_t domain_id;
    char state[16]; /* the operation's state after the call */
    int64_t amount; /* charged (and refunded when failed) */
    int64_t expires_at;
    char order_id[REG_ID_MAX];
    char queue_id[REG_ID_MAX];
    char reason[REG_TEXT_MAX];
    char transfer_status[64];
    int attempts; /* sends tried (NOT_SENT retries) */
};

struct ops_order_req {
    const char *name;               /* as typed (IDN allowed) */
    const char *account;            /* name or id */
    int term;                       /* years; 0 = 1 */
    const char *const *nameservers; /* NULL/0: the connection's defaults */
    size_t n_nameservers;
    const char *auth_code; /* transfers only */
};

int ops_register(struct app *app, const struct ops_order_req *r,
                 struct ops_result *res, struct rm_err *err);
int ops_transfer(struct app *app, const struct ops_order_req *r,
                 struct ops_result *res, struct rm_err *err);
/* ops_renew - account (may be NULL) must own the domain when given. */
int ops_renew(struct app *app, const char *name, const char *account, int term,
              struct ops_result *res, struct rm_err *err);

/* ops_check - one read-only check of a pending operation (the Async
 * Manager's "check"); moves it when the registrar's answer settles it,
 * and past its deadline runs the final authoritative check (rule 5). */
int ops_check(struct app *app, int64_t op_id, struct ops_result *res,
              struct rm_err *err);

/* Lookup: availability and the price of every offered term. */
struct ops_lookup {
    struct name name;
    char tld[NAME_MAX_ASCII + 1];
    char connection[72];
    enum reg_availability availability;
    bool premium, has_claim;
    int64_t price[11]; /* register price per term, TLD_NOPRICE if none */
    char reason[REG_TEXT_MAX];
};
int ops_lookup(struct app *app, const char *name, struct ops_lookup *out,
               struct rm_err *err);

/* Transfer status: for the account's own pending transfer of the name,
 * CHECK_TRANSFER moves the operation (ops_check); otherwise a
 * transferability check. */
struct ops_transfer_status {
    bool own; /* an own transfer operation was checked */
    struct ops_result op;
    bool transferable;
    char status[64];
    char reason[REG_TEXT_MAX];
};
int ops_transfer_status(struct app *app, const char *name, const char *account,
                        struct ops_transfer_status *out, struct rm_err *err);

/* ops_recover - start-up recovery (rule 2): every operation in `new`
 * whose lease is dead never reached the registrar → failed + refund;
 * every one in `sending` whose lease is dead → pending (never resent),
 * then one read-only check each. *n gets how many were recovered. */
int ops_recover(struct app *app, int *n, struct rm_err *err);

/* ops_move_allowed - is from → to a legal move of the diagram? */
bool ops_move_allowed(const char *from, const char *to);

#endif
