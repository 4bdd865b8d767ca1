/*
 * pace - the rate limit and the concurrency cap of one registrar
 * connection, kept together by every `regman serve` (and CLI command) on
 * one database: they are counted in the database (migration 011), not per
 * process.
 *
 * Who is paced: the background work - the Async Manager's sweep, the
 * lifecycle (auto-renew, sync), import - whether `regman serve`'s job
 * runner or a CLI command runs it. It sets app->pace_calls while it runs,
 * and the registrars its sessions make (the entry point's make_registrar)
 * then wait here before every request. Orders placed by customers and
 * admins do not wait (docs/architecture.md, departures, 7).
 *
 * The rate limit. Call starts on a connection are at least
 * ceil(60000/rate_per_min) ms apart, evenly spaced, no burst, over all
 * processes together - so any 60 s window holds at most rate_per_min
 * starts, which is what a registrar's command-rate limit counts. The
 * schedule is the row conn_pace(connection_id, next_at_ms): a process takes
 * the next n starts with ONE statement (pace_db_take) that moves
 * next_at_ms n spacings on from max(next_at_ms, now); a start once handed
 * out is never handed out again, so the limit holds whatever n is.
 * Batches: a process reserves up to PACE_BATCH_MAX starts per trip, its
 * threads use them in order, and a start whose time has passed unused is
 * dropped (never used late, which could crowd another process's start),
 * so a batch only ever lowers the rate. The batch size adapts: it doubles
 * (up to PACE_BATCH_MAX, and never past one second of starts) while
 * batches are used up in time, and falls back to 1 when a start is
 * dropped, so one thread polling slowly costs one trip per call and
 * wastes nothing.
 * A schedule left far ahead by a clock stepped back starts again from now
 * (PACE_HORIZON_STARTS).
 * Times are epoch milliseconds of regman's clock (pace_now_ms: the real
 * time plus util/clock.h's test offset), so the processes' clocks must
 * agree (NTP): starts of two nodes are spaced to within their difference.
 * rate_per_min = 0 means no limit: no wait, no database trip.
 * Without a database (pace_use_database not called, or a database that
 * cannot be reached or a connection that is gone: logged) a limiter falls
 * back to spacing the starts of this process alone.
 *
 * The concurrency cap. `concurrency` bounds the background calls in
 * flight on a connection on all nodes together; the sweep's worker pools
 * are the only background work calling from several threads (the job
 * runner runs one job at a time, and every other job calls from one
 * thread). Each process holds a share in conn_slots(connection_id, owner,
 * n, lease_until): pace_slots_hold sets its share to
 * min(want, concurrency - the live shares of the others) in one unit of
 * work that first locks the connection's conn_pace row (an upsert, which
 * locks on both backends), so two nodes never both take the last slots.
 * A share is live until lease_until, unless its owner is a process of
 * this host that is gone (util/lease.h). pace_cap_take/pace_cap_release
 * wrap it for the sweep: the share is renewed from pace_take (by whichever
 * worker asks for a start, at most every lease/2, and always so that it
 * lasts past a start granted) and released at the end of the page; a
 * SIGKILLed node's share lapses with its lease.
 */
#ifndef RM_CORE_PACE_H
#define RM_CORE_PACE_H

#include <stdint.h>

#include "store/store.h"
#include "util/err.h"

#define PACE_BATCH_MAX 4
/* A schedule more than PACE_HORIZON_STARTS spacings ahead of now is not
 * waited for but started again from now: no process reserves that many,
 * so only a clock stepped back (or a test's clock moved back) leaves one,
 * and the connection would otherwise stall until the clock caught up. */
#define PACE_HORIZON_STARTS 1024

/* One connection's limiter in this process. */
struct pace;

/* pace_use_database - count rates and shares in the database named by
 * target (a store_open target, app->set.database); the module opens its
 * own handle on first need and serializes its use with a mutex. NULL or
 * "" forgets it. Calling it again with the same target does nothing. */
void pace_use_database(const char *target);

/* pace_now_ms - regman's clock in epoch milliseconds. */
int64_t pace_now_ms(void);

/* pace_for - the limiter of connection conn_id (made on first use; it
 * lives as long as the process, so a registrar may keep the pointer), its
 * rate set to rate_per_min (0 = no limit) from the next call on.
 * Thread-safe. */
struct pace *pace_for(int64_t conn_id, int64_t rate_per_min);

/* pace_take - reserve the next start: the time (ms, the clock of
 * pace_now_ms) granted to a call asked for at now_ms; >= now_ms.
 * Thread-safe; no sleep; at most two database trips (a start, the renewal
 * of a share), none while reserved starts are left and no renewal is due. */
int64_t pace_take(struct pace *p, int64_t now_ms);

/* pace_wait - sleep until a call on p may start (arg is a struct pace *;
 * the signature of a transport's pace callback). */
void pace_wait(void *arg);

/* pace_db_take - take the next n (>= 1) starts of connection conn_id at
 * rate_per_min (> 0) asked for at now_ms: *first_ms is the first, the
 * others follow one spacing apart. One statement in one store_tx unit.
 * RM_EINVAL (STORE_ERR_FOREIGN_KEY) when the connection does not exist. */
int pace_db_take(struct store *st, int64_t conn_id, int64_t rate_per_min,
                 int64_t now_ms, int64_t n, int64_t *first_ms,
                 struct rm_err *err);

/* pace_spacing_ms - the spacing of rate_per_min (> 0), rounded up. */
int64_t pace_spacing_ms(int64_t rate_per_min);

/* pace_slots_hold - set owner's share of connection conn_id's concurrency
 * to *got = min(want, concurrency - the live shares of the other owners at
 * now), >= 0, lasting until `until` (epoch seconds); a share of 0 is
 * deleted (want = 0 releases). One store_tx unit (joins an open one). */
int pace_slots_hold(struct store *st, int64_t conn_id, const char *owner,
                    int64_t want, int64_t concurrency, int64_t now,
                    int64_t until, int64_t *got, struct rm_err *err);

/* pace_cap_take - the sweep's share: pace_slots_hold on st (the caller's
 * handle) at clock_now() for lease_s seconds, remembered in the
 * connection's limiter so pace_take renews it. */
int pace_cap_take(struct store *st, int64_t conn_id, const char *owner,
                  int64_t want, int64_t concurrency, int64_t lease_s,
                  int64_t *got, struct rm_err *err);

/* pace_cap_release - give the share back (errors are logged: the share
 * then lapses with its lease). */
void pace_cap_release(struct store *st, int64_t conn_id);

#endif
