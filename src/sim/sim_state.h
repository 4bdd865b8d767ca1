/*
 * sim_state - the opensrs-sim world: resellers, prices, domains, orders,
 * queued requests, transfers, events and the simulated clock.
 *
 * The whole world lives in one jansson tree (struct sim.state) so that the
 * state file, GET /state and POST /state/reset are the same object; one
 * mutex (struct sim.mu) guards it and everything else in struct sim that
 * changes at run time. Callers lock, call sim_now() (which applies pending
 * work that is due), act, call sim_save_if_dirty(), unlock - and only then
 * answer, so that with --state the change is in the journal first.
 *
 * With --state, sim_journal (sim_journal.h) records each request's changes.
 * It learns what changed from the code that changes it: sim_order(),
 * sim_domain() and sim_transfer_by_domain() note the member they return
 * (the caller may change it), sim_put()/sim_del() add and remove members
 * of the keyed collections, sim_touch() notes a member reached another
 * way, sim_event() and the event acknowledgement note list operations.
 * The other top-level members (clock_offset, counters, resellers, prices)
 * are compared with their last recorded value instead. Invariant:
 *   I4 a change to a member of domains, orders, queue, transfers or
 *      cookies goes with a note of that member, in the same request.
 *
 * Amounts are integer cents inside the tree and decimal strings ("10.00")
 * on the wire; times are epoch seconds inside the tree and
 * "YYYY-MM-DD HH:MM:SS" UTC on the wire.
 *
 * Order states (an order is one reseller request with a price):
 *
 *   pending ──process──▶ (run)          saved by handle=save, short funds,
 *      │                                bad nameservers, domain taken
 *      └──cancel──▶ cancelled
 *   (run) new/renewal on a sync TLD ────────────▶ completed
 *   (run) new on an async TLD ──▶ waiting ──due──▶ completed | declined
 *   (run) transfer ──▶ processed ──transfer completes──▶ completed
 *                          └──transfer cancelled──────▶ cancelled
 *
 * Invariants (checked by the unit tests):
 *   I1 hold_balance = Σ cost of the reseller's waiting and processed orders.
 *   I2 a domain with "waiting_order" exists only while that order waits.
 *   I3 balance only changes when an order reaches completed, or when a
 *      REDEEM is accepted (a restore has no order; sim_lifecycle.c).
 *
 * Transfers: pending_owner ──owner_delay──▶ pending_registry
 *            ──registry_delay──▶ completed (the domain moves to the reseller,
 *            expiry + 1 year), or cancelled (CANCEL_TRANSFER, decline).
 *
 * Events (docs/opensrs-sim.1, EVENTS): every order status (from the
 * "pending" an order is created in) is an ORDER STATUS_CHANGE, every
 * transfer status a TRANSFER STATUS_CHANGE; a domain that enters the
 * reseller's account is DOMAIN CREATED (then REGISTERED for a
 * registration), a renewal DOMAIN RENEWED, a changed name server list
 * DOMAIN NAMESERVER_UPDATE, a REVOKE or a transfer away DOMAIN DELETED.
 * Within one change
 * the registry's side comes first and the order's status last, e.g.
 * CREATED, REGISTERED, then the order's "completed".
 */
#ifndef RM_SIM_SIM_STATE_H
#define RM_SIM_SIM_STATE_H

#include <jansson.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "sim/sim_fault.h"
#include "sim/sim_journal.h"
#include "util/buf.h"
#include "util/err.h"
#include "xcp/xcp.h"

#define SIM_MAX_RESELLERS 64
#define SIM_DEFAULT_BALANCE 1000000 /* cents: 10000.00 */
#define SIM_FIRST_ORDER_ID 1000001
#define SIM_FIRST_DOMAIN_ID 800001
#define SIM_MAX_EVENTS 10000 /* the queue drops its oldest event past this */

struct sim_reseller {
    char *user;
    char *key;
};

/* Start-up configuration; owned by struct sim after sim_init. */
struct sim_config {
    struct sim_reseller resellers[SIM_MAX_RESELLERS];
    size_t nresellers;
    char *async_tlds;       /* comma list, default "ca,de,co.uk" */
    char *no_renew_tlds;    /* comma list, default "de,at,dk,fr,za" */
    char *no_privacy_tlds;  /* comma list, default "ca,us" */
    int64_t async_delay;    /* simulated seconds, default 300 */
    int64_t owner_delay;    /* transfer pending_owner, default 1 day */
    int64_t registry_delay; /* transfer pending_registry, default 4 d */
    int64_t clock_start;    /* --clock EPOCH, or -1 */
    uint64_t seed;          /* --seed, default 1 */
    char *state_path;       /* --state, or NULL */
    json_t *lifecycle;      /* --lifecycle: [{tld, grace_days, ...}] or NULL */
};

struct sim {
    pthread_mutex_t mu;
    struct sim_config cfg;
    json_t *state;   /* the world */
    json_t *initial; /* the world at start, for /state/reset */
    json_t *counts;  /* {"actions": {...}, "domains": {...}} */
    struct sim_rules rules;
    uint64_t rng;
    int64_t next_due; /* earliest time pending work is due, or INT64_MAX */
    int64_t now;      /* the time of the work being done (set by sim_now) */
    bool dirty;
    struct sim_journal journal; /* --state: snapshot + journal */
    char note[512]; /* from sim_init: what loading the state dropped, or "" */
    /* time source; tests replace it to get a fixed real clock */
    int64_t (*realtime)(void);
};

/* sim_config_init - defaults; sim_config_release frees the strings. */
void sim_config_init(struct sim_config *cfg);
void sim_config_release(struct sim_config *cfg);
/* sim_config_add_reseller - parse "USER:KEY". */
int sim_config_add_reseller(struct sim_config *cfg, const char *spec,
                            struct rm_err *err);
/* sim_config_add_lifecycle - parse "TLD=GRACE/REDEMPTION/PENDING[/FEE]"
 * (days, and the restore fee as "80.00"); checked against the price list
 * at sim_init. */
int sim_config_add_lifecycle(struct sim_config *cfg, const char *spec,
                             struct rm_err *err);

/*
 * sim_init - build the world from cfg (moved into sim; cfg is left
 * empty): load cfg.state_path if it exists, else the default world, then
 * replay its journal. The next sim_save_if_dirty writes a snapshot.
 */
int sim_init(struct sim *sim, struct sim_config *cfg, struct rm_err *err);
void sim_release(struct sim *sim);

/* sim_default_state - a fresh default world for the configured resellers. */
json_t *sim_default_state(const struct sim_config *cfg);

/* sim_reset - back to the world at start (lock held); the next save
 * writes a snapshot. */
void sim_reset(struct sim *sim);

/* sim_save - write a snapshot of the world to the state file atomically
 * and empty the journal (no-op without state_path).
 * sim_save_if_dirty - after a change, append the request's changes to the
 * journal (or write a snapshot when one is due). Lock held. */
int sim_save(struct sim *sim, struct rm_err *err);
int sim_save_if_dirty(struct sim *sim, struct rm_err *err);

/* sim_reseller_key - the key of user, or NULL if unknown. */
const char *sim_reseller_key(const struct sim *sim, const char *user);

/* --- clock (lock held) ------------------------------------------------ */

/* sim_now - the simulated time; applies all work due at that time. */
int64_t sim_now(struct sim *sim);
/* sim_clock_advance / sim_clock_set - move the clock (and apply due work). */
int64_t sim_clock_advance(struct sim *sim, int64_t seconds);
int64_t sim_clock_set(struct sim *sim, int64_t now);
/* sim_tick - apply everything due at or before now. */
void sim_tick(struct sim *sim, int64_t now);
/* sim_recompute_due - after a change that schedules work. */
void sim_schedule(struct sim *sim, int64_t due);

/* --- helpers shared with sim_actions and sim_control ----------------- */

/* sim_fmt_time - "YYYY-MM-DD HH:MM:SS" (UTC) into out[20]. */
void sim_fmt_time(int64_t t, char out[20]);
/* sim_fmt_iso - "YYYY-MM-DDTHH:MM:SSZ" (UTC, ISO 8601, as event dates are
 * written) into out[21]. */
void sim_fmt_iso(int64_t t, char out[21]);
/* sim_parse_time - "YYYY-MM-DD HH:MM:SS" or "YYYY-MM-DD" (UTC). */
int sim_parse_time(const char *s, int64_t *out);
/* sim_add_years - t plus calendar years (UTC). */
int64_t sim_add_years(int64_t t, int64_t years);
/* sim_fmt_money - cents as "1234.50" into out[32]. */
void sim_fmt_money(int64_t cents, char out[32]);
/* sim_parse_money - "12", "12.5", "12.50" into cents; rejects others. */
int sim_parse_money(const char *s, int64_t *cents);

int64_t sim_jint(const json_t *obj, const char *key, int64_t def);
const char *sim_jstr(const json_t *obj, const char *key, const char *def);
void sim_jset_int(json_t *obj, const char *key, int64_t v);
void sim_jset_str(json_t *obj, const char *key, const char *s);
/* sim_next_id - increment and return the counter "key" in the state. */
int64_t sim_next_id(struct sim *sim, const char *key);
/* sim_random - a deterministic pseudo-random value in [0, 1). */
double sim_random(struct sim *sim);

/* sim_tld - the longest suffix of the (lower-case) domain that has a price
 * list, or NULL. */
const char *sim_tld(const struct sim *sim, const char *domain);
/* sim_in_list - is word an element of the comma list? */
bool sim_in_list(const char *list, const char *word);
/* sim_price - price of (tld, reg_type, period) in cents, or -1. */
int64_t sim_price(const struct sim *sim, const char *tld, const char *reg_type,
                  int64_t period);

/* sim_reseller - the reseller's account object ({balance, hold_balance}),
 * created with the default balance if missing. */
json_t *sim_reseller(struct sim *sim, const char *user);

/* Orders, domains and transfers by key; NULL if absent. Each notes the
 * member for the journal (I4): the caller may change it. */
json_t *sim_order(struct sim *sim, int64_t id);
json_t *sim_domain(struct sim *sim, const char *name);
json_t *sim_transfer_by_domain(struct sim *sim, const char *name,
                               bool active_only);
/* sim_order_peek - sim_order for reading only (no note). */
const json_t *sim_order_peek(const struct sim *sim, int64_t id);

/* sim_put - set member key of collection coll ("domains", "orders",
 * "queue", "transfers", "cookies") to v (stolen); sim_del - remove it.
 * Both note the change. */
void sim_put(struct sim *sim, const char *coll, const char *key, json_t *v);
void sim_del(struct sim *sim, const char *coll, const char *key);
/* sim_touch - note a member changed in place, by key or by its "id". */
void sim_touch(struct sim *sim, const char *coll, const char *key);
void sim_touch_id(struct sim *sim, const char *coll, const json_t *obj);

/* sim_new_domain - a domain object with defaults (expiry now + 1 year). */
json_t *sim_new_domain(const char *owner, int64_t now);

/*
 * Events (POLL EVENT / ACK EVENT). The queue is the array "events" of the
 * state, oldest first; each event is {event, event_id, event_date, object,
 * object_data, reseller}. "reseller" is the sim's own: an event is the
 * reseller's whose order, domain or transfer changed, and only that
 * reseller polls and acknowledges it (an event without it, from an older
 * state file, is everyone's). "acked" ({USER: event}) holds each
 * reseller's last acknowledged event until a duplicate fault delivers it
 * once more.
 *
 * sim_event - queue an event (object_data is stolen), dated sim->now.
 * sim_event_visible - is e the reseller user's?
 * sim_event_remove - drop the event at index i of the queue.
 * sim_events_clear - drop every event (and "acked").
 */
void sim_event(struct sim *sim, const char *reseller, const char *event,
               const char *object, json_t *object_data);
bool sim_event_visible(const json_t *e, const char *user);
void sim_event_remove(struct sim *sim, size_t i);
void sim_events_clear(struct sim *sim);

/*
 * sim_domain_event - a DOMAIN event for d (named name; the reseller is its
 * owner): object_data domain_name and domain_id (d's "id", given on first
 * use), plus expiration_date when with_expiry and period when period > 0.
 * d must be noted for the journal (sim_domain, sim_put).
 */
void sim_domain_event(struct sim *sim, const char *event, const char *name,
                      json_t *d, bool with_expiry, int64_t period);

/* sim_order_set_status - move order to status now (sim->now), with its
 * ORDER STATUS_CHANGE event. */
void sim_order_set_status(struct sim *sim, json_t *order, const char *status);

/*
 * sim_order_run - carry out a pending order now (PROCESS_PENDING, a
 * queued request coming due): new → register (sync) or wait (async TLD);
 * renewal → extend; transfer → start the transfer. Fills code/text with
 * the result; the order's status tells what happened. decline/complete
 * scheduling uses complete_after (simulated seconds; <0 = default).
 */
struct sim_run {
    int code;
    char text[160];
    bool ok;
};
void sim_order_run(struct sim *sim, json_t *order, bool decline_later,
                   int64_t complete_after, struct sim_run *out);
/* sim_order_cancel - move a pending/declined/waiting/processed order to
 * cancelled, releasing holds and waiting domains. */
void sim_order_cancel(struct sim *sim, json_t *order);

/* sim_xcp_to_json / sim_json_to_xcp - convert value trees (assoc ↔
 * object, array ↔ array, scalar ↔ string; JSON numbers become text). */
json_t *sim_xcp_to_json(const struct xcp_value *v);
struct xcp_value *sim_json_to_xcp(const json_t *j);

/*
 * The registry lifecycle after expiry (sim_lifecycle.c). A reseller's
 * domain (not another registrar's, not a registration still waiting at
 * the registry) is, at time now:
 *
 *   active          now <= expiry
 *   expired         expiry < now <= grace_end      (RENEW at the normal price)
 *   redemption      grace_end < now <= redemption_end      (only REDEEM)
 *   pending_delete  redemption_end < now < delete_at       (nothing)
 *   deleted         at delete_at the clock deletes it: DOMAIN DELETED, the
 *                   name is free (LOOKUP 210)
 *
 * with grace_end = expiry + grace_days (from the domain's "lapse_from"
 * instead when POST /domains put it in with an expiry already past),
 * redemption_end = grace_end +
 * redemption_days, delete_at = redemption_end + pending_delete_days + 1 s.
 * The phase is computed from the expiry and the TLD's windows whenever it
 * is asked for; only the deletion (and an asynchronous restore, a domain's
 * "restore_due") is work the clock does (sim_tick), so both are journaled
 * like every other change. The windows are the defaults of
 * sim_lifecycle.c unless the state's "lifecycle" ({TLD: {grace_days,
 * redemption_days, pending_delete_days, restore_fee}}) overrides them
 * (--lifecycle, POST /lifecycle). The registry's own auto-renewal is not
 * modelled: a domain with auto_renew 1 lives the same life (the reseller's
 * client renews it).
 */
struct sim_lifecycle {
    int64_t grace_days, redemption_days, pending_delete_days;
    int64_t restore_fee; /* cents, on top of one year's renewal */
};
enum sim_phase {
    SIM_PHASE_ACTIVE,
    SIM_PHASE_EXPIRED,
    SIM_PHASE_REDEMPTION,
    SIM_PHASE_PENDING_DELETE,
    SIM_PHASE_DELETED
};
struct sim_dates {
    int64_t expiry, grace_end, redemption_end, delete_at;
};
/* sim_lifecycle_get - the windows of tld (NULL: the defaults). */
void sim_lifecycle_get(const struct sim *sim, const char *tld,
                       struct sim_lifecycle *out);
/* sim_lifecycle_json - them as the control API shows them. */
json_t *sim_lifecycle_json(const struct sim *sim, const char *tld);
/* sim_lifecycle_set - POST /lifecycle's body {tld, grace_days,
 * redemption_days, pending_delete_days, restore_fee} into state's
 * "lifecycle"; -1 with msg and state unchanged on bad input, else 0 with
 * the TLD in msg. */
int sim_lifecycle_set(json_t *state, const json_t *body, char *msg, size_t n);
/* sim_lifecycle_post - sim_lifecycle_set on the world (lock held), the
 * clock then applying any deletion the new windows make due. */
int sim_lifecycle_post(struct sim *sim, const json_t *body, char *msg,
                       size_t n);
/* sim_lifecycle_apply_config - the --lifecycle options into state. */
int sim_lifecycle_apply_config(json_t *state, const json_t *specs,
                               struct rm_err *err);
const char *sim_phase_name(enum sim_phase p);
/* sim_lifecycle_applies - does d (may be NULL) live the lifecycle? */
bool sim_lifecycle_applies(const struct sim *sim, const json_t *d);
/* sim_domain_phase - d's phase at now, with its dates (may be NULL). */
enum sim_phase sim_domain_phase(const struct sim *sim, const char *name,
                                const json_t *d, int64_t now,
                                struct sim_dates *dates);
/* sim_lifecycle_due - when the clock next works on d (its restore or its
 * deletion), or INT64_MAX. */
int64_t sim_lifecycle_due(const struct sim *sim, const char *name,
                          const json_t *d);
/* sim_lifecycle_run - that work, at when: the restore completes or the
 * domain is deleted. d must be noted. */
void sim_lifecycle_run(struct sim *sim, const char *name, json_t *d,
                       int64_t when);
/* sim_domain_restore - REDEEM's effect: expiry + 1 year, DOMAIN RENEWED. */
void sim_domain_restore(struct sim *sim, const char *name, json_t *d,
                        int64_t when);
/* sim_renew_refusal - why d cannot be renewed at now (in redemption or
 * pending delete: RENEW answers 465 with this text), or NULL. */
const char *sim_renew_refusal(const struct sim *sim, const char *name,
                              const json_t *d, int64_t now);
/* sim_state_annotate - GET /state: each living domain of copy gets its
 * phase, grace_end, redemption_end and delete_at. */
void sim_state_annotate(const struct sim *sim, json_t *copy, int64_t now);

#endif
