/*
 * lease - the owner names of leases and when a lease's owner is known to
 * be gone.
 *
 * Operation leases (core/ops.c) are held by "HOST:PID:BOOT:NODE", job
 * leases (jobs/runner.c) by "HOST:PID:BOOT:NODE:N" (N counts the runners of
 * one process): BOOT is 8 hex digits naming this boot
 * (/proc/sys/kernel/random/boot_id) and pid namespace, NODE 16 random hex
 * digits drawn once per process, so two processes on two nodes (or one node
 * before and after a reboot, when pids repeat) never share a name even when
 * their host names and pids match.
 *
 * A lease normally lasts until it expires; a lease whose owner is a
 * process of this host AND this boot that no longer exists is dead at once,
 * so the work of a crashed or killed regman is taken over without waiting
 * for the expiry. Anything this process cannot decide (another host,
 * another boot, a boot id that cannot be read, a name of another form, a
 * process that exists - even one that reused the pid) counts as alive: the
 * lease then lasts until it expires, never shorter.
 *
 * Names of the earlier form "HOST:PID" and "HOST:PID:N" (no boot, no node:
 * written by an earlier regman, whose leases may still be in the database)
 * keep that form's rule: gone when HOST is this host and no process PID
 * exists.
 */
#ifndef RM_UTIL_LEASE_H
#define RM_UTIL_LEASE_H

#include <stdbool.h>
#include <stddef.h>

#define LEASE_BOOT_LEN 8
#define LEASE_NODE_LEN 16

/* lease_boot_id - LEASE_BOOT_LEN lower-case hex digits naming this boot
 * and this process's pid namespace (a hash of the boot id and the
 * namespace's identity), so that two containers on one kernel, whose pids
 * mean different processes, never judge each other's pids; "" when the
 * boot id cannot be read. */
const char *lease_boot_id(void);

/* lease_node_id - this process's random node id (LEASE_NODE_LEN hex
 * digits), drawn on first use and again in a forked child. */
const char *lease_node_id(void);

/* lease_owner_name - "HOST:PID:BOOT:NODE", or with seq > 0
 * "HOST:PID:BOOT:NODE:SEQ", into buf (n >= 64 recommended; the host name
 * is shortened to fit). BOOT is "0" when the boot id cannot be read. */
void lease_owner_name(char *buf, size_t n, long seq);

/* lease_owner_gone - true when the owner's process is known to be gone:
 * owner is "HOST:PID:BOOT:NODE[:N]" with HOST this host, BOOT this boot and
 * no process PID, or of the earlier form (above) with HOST this host and
 * no process PID. */
bool lease_owner_gone(const char *owner);

#endif
