/*
 * pace - the rate limit of one registrar connection, shared by every
 * thread of the process: call starts on a connection at least
 * 60/rate_per_min seconds apart, evenly spaced, no burst - so any 60 s
 * window holds at most rate_per_min starts, which is what a registrar's
 * command-rate limit counts.
 *
 * Who waits: the background work - the Async Manager's sweep, the
 * lifecycle (auto-renew, sync), import - whether `regman serve`'s job
 * runner or a CLI command runs it. It sets app->pace_calls while it runs,
 * and the registrars its sessions make (the entry point's make_registrar)
 * then wait here before every request. Orders placed by customers and
 * admins do not wait (docs/architecture.md, departures, 7).
 *
 * The concurrency cap needs no counterpart here: the job runner runs one
 * job at a time, and the only job that calls the registrar from several
 * threads, the sweep, runs at most `concurrency` of them per connection.
 */
#ifndef RM_CORE_PACE_H
#define RM_CORE_PACE_H

#include <stdint.h>

/* One connection's limiter in this process. */
struct pace;

/* pace_for - the limiter of connection conn_id (made on first use; it
 * lives as long as the process, so a registrar may keep the pointer), its
 * rate set to rate_per_min (0 = no limit) from the next call on.
 * Thread-safe. */
struct pace *pace_for(int64_t conn_id, int64_t rate_per_min);

/* pace_take - reserve the next start: the time (ns, the clock of now_ns)
 * granted to a call asked for at now_ns. Thread-safe; no sleep. */
int64_t pace_take(struct pace *p, int64_t now_ns);

/* pace_wait - sleep until a call on p may start (arg is a struct pace *;
 * the signature of a transport's pace callback). */
void pace_wait(void *arg);

#endif
