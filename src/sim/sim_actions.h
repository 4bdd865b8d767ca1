/*
 * sim_actions - the XCP actions of opensrs-sim: one handler per action,
 * called with a parsed request and the reseller it came from; each returns
 * the response data_block (xcp_response_new shape) for the caller to emit.
 *
 * Handlers read and change struct sim; the caller holds sim->mu. They never
 * see the HTTP layer, so unit tests call sim_act() directly.
 *
 * Codes follow shared/opensrs-xcp.md §5–§7. Where the sources leave a
 * choice (texts, the code for an unknown command: 400 "Invalid Command: X")
 * the choice is written next to the code and in docs/opensrs-sim.1.
 */
#ifndef RM_SIM_SIM_ACTIONS_H
#define RM_SIM_SIM_ACTIONS_H

#include "sim/sim_fault.h"
#include "sim/sim_state.h"
#include "xcp/xcp.h"

/* How a fault rule bends the outcome of an order-creating action
 * (SW_REGISTER, RENEW); other actions ignore it. */
struct sim_mode {
    enum sim_fault_kind fault; /* ASYNC, QUEUE, FORCED_PENDING,
                                  DECLINE_LATER or NONE */
    int64_t complete_after;    /* simulated seconds, -1 = --async-delay */
};

/*
 * sim_act - run one request for reseller user. mode may be NULL. Returns
 * a new response tree (caller frees). Never fails: bad requests get an OPS
 * error answer.
 */
struct xcp_value *sim_act(struct sim *sim, const char *user,
                          const struct xcp_request *req,
                          const struct sim_mode *mode);

/* sim_error_reply - an is_success 0 answer with code and text. */
struct xcp_value *sim_error_reply(const char *object, int code,
                                  const char *text);

/*
 * sim_transfer_away - one of a reseller's domains leaves for another
 * registrar (gaining, its name), as the control API's POST
 * /transfers/away asks: the transfer completes at once, a record for
 * GET_TRANSFERS_AWAY is kept, DOMAIN DELETED is queued for the reseller
 * and the domain becomes another registrar's (owner "other"). Returns 0,
 * SIM_AWAY_BAD (not a reseller's domain, bad arguments) or
 * SIM_AWAY_REFUSED (locked, or a request waiting at the registry), with
 * the reason in msg (size n). The caller holds sim->mu.
 */
#define SIM_AWAY_BAD (-1)
#define SIM_AWAY_REFUSED (-2)
int sim_transfer_away(struct sim *sim, const char *domain, const char *gaining,
                      char *msg, size_t n);
/* sim_transfer_away_pending - as sim_transfer_away, but the transfer only
 * begins: a record with status pending_owner (the registrant has not
 * confirmed yet) and the domain stays the reseller's, GET DOMAIN status
 * saying transfer_away_in_progress 1. A later sim_transfer_away of the
 * domain completes that record instead of adding one. */
int sim_transfer_away_pending(struct sim *sim, const char *domain,
                              const char *gaining, char *msg, size_t n);
/* sim_away_pending - is a transfer away of name pending? */
bool sim_away_pending(struct sim *sim, const char *name);

/* sim_domain_syntax_ok - LDH labels, 2+ labels, lengths within limits.
 * The name must already be lower case. */
bool sim_domain_syntax_ok(const char *name);

/* sim_norm_domain - trimmed, lower-cased copy of s into out (size n);
 * false if it does not fit or contains NUL/space inside. */
bool sim_norm_domain(const char *s, char *out, size_t n);

#endif
