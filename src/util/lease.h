/*
 * lease - the owner names of leases and when a lease's owner is known to
 * be gone.
 *
 * Operation leases (core/ops.c) are held by "HOST:PID", job leases
 * (jobs/runner.c) by "HOST:PID:N" (N counts the runners of one process).
 * A lease normally lasts until it expires; a lease whose owner is a
 * process on this host that no longer exists is dead at once, so the work
 * of a crashed or killed regman is taken over without waiting for the
 * expiry. Anything this host cannot decide (another host, a name of
 * another form, a process that exists - even one that reused the pid)
 * counts as alive: the lease then lasts until it expires, never shorter.
 */
#ifndef RM_UTIL_LEASE_H
#define RM_UTIL_LEASE_H

#include <stdbool.h>

/* lease_owner_gone - true when owner is "HOST:PID" or "HOST:PID:N", HOST
 * is this host's name and no process PID exists. */
bool lease_owner_gone(const char *owner);

#endif
