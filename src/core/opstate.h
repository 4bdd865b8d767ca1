/*
 * opstate - the words of the operation state machine (core/ops.h) as C
 * enums: an operation's state, its kind, and the outcome an entry point
 * returns. Each has one name table; the name is what the store keeps
 * (operations.state, operations.kind) and what web and cli show.
 */
#ifndef RM_CORE_OPSTATE_H
#define RM_CORE_OPSTATE_H

#include <stdbool.h>

/* operations.state (the diagram in ops.c). */
enum ops_state {
    OPS_ST_NEW,
    OPS_ST_SENDING,
    OPS_ST_PENDING,
    OPS_ST_SUCCEEDED,
    OPS_ST_FAILED,
    OPS_ST_TIMED_OUT,
    OPS_ST_CANCELLED,
};

/* ops_state_name - "new", "sending", "pending", "succeeded", "failed",
 * "timed_out", "cancelled"; "?" for anything else. */
const char *ops_state_name(enum ops_state s);
/* ops_state_parse - *out for name; 0, or RM_EINVAL when it names none. */
int ops_state_parse(const char *name, enum ops_state *out);
/* ops_state_refunds - does an operation ending in s get its charge back
 * (failed, timed_out, cancelled)? */
bool ops_state_refunds(enum ops_state s);
/* ops_state_terminal - succeeded or one that refunds. */
bool ops_state_terminal(enum ops_state s);
/* ops_state_is - does name (a state as stored and shown) name s? false for
 * NULL or an unknown name. For callers that hold the text of a row. */
bool ops_state_is(const char *name, enum ops_state s);
/* ops_state_refunded - is name a state that refunds? false when unknown. */
bool ops_state_refunded(const char *name);

/* operations.kind. */
enum ops_kind {
    OPS_K_REGISTER,
    OPS_K_TRANSFER,
    OPS_K_RENEW,
    /* WHOIS privacy turned on where the TLD charges for it (term 1 = one
     * year): its registrar call is a domain change (core/domchange.h) */
    OPS_K_PRIVACY,
    /* the registrar's restore (OpenSRS REDEEM) of a domain in redemption,
     * charged at the TLD's restore fee plus one year's renewal (term 1);
     * it adds a year to the old expiry and is followed like a renewal */
    OPS_K_RESTORE,
};

/* ops_kind_name - "register", "transfer", "renew", "privacy", "restore"; "?"
 * otherwise. */
const char *ops_kind_name(enum ops_kind k);
/* ops_kind_renews - does k extend an existing domain's expiry (renew,
 * restore)? Such an operation carries expiry_year and is done when the
 * registrar's expiry year passes it (O5). */
bool ops_kind_renews(enum ops_kind k);
/* ops_kind_parse - *out for name; 0, or RM_EINVAL when it names none. */
int ops_kind_parse(const char *name, enum ops_kind *out);

/* What an entry point of core/ops.h returns (>= 0) about the operation. */
enum ops_outcome {
    OPS_SUCCEEDED = 0,
    OPS_FAILED = 1,  /* refused by the registrar (or never sent): refunded */
    OPS_PENDING = 2, /* outcome not known yet; the Async Manager follows */
    OPS_TIMED_OUT = 3,
    OPS_CANCELLED = 4,
};

/* ops_outcome_name - "succeeded", "failed", "pending", "timed_out",
 * "cancelled"; "?" otherwise. */
const char *ops_outcome_name(enum ops_outcome o);
/* ops_outcome_parse - *out for name; 0, or RM_EINVAL when it names none. */
int ops_outcome_parse(const char *name, enum ops_outcome *out);
/* ops_state_outcome - the outcome of an operation in state s (new and
 * sending are not known yet: pending). */
enum ops_outcome ops_state_outcome(enum ops_state s);

#endif
