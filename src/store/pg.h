/*
 * pg - the PostgreSQL backend of struct store_ops, on libpq.
 *
 * target is a libpq URL, postgresql://user[:password]@host[:port]/db[?...]
 * (or postgres://); the database must exist (opts->create is ignored: the
 * schema is created inside it by the migrations). Error messages name the
 * target with its password replaced (store_pg_redact).
 *
 * - SQL is rewritten by store_pg_rewrite (`?` to `$n`, D3's id phrase).
 * - Statements are prepared server-side once per handle (named rm1, rm2,
 *   ... and kept in store.c's statement cache) with declared parameter
 *   types: int64 binds are int8 (OID 20), text binds text (OID 25), never
 *   inferred. A NULL bind takes the type last bound or learned at that
 *   index; a NULL at an index never typed is left to the server to infer
 *   (the type it inferred is then remembered), and where it cannot (`?
 *   IS NULL`) the parameter is declared text.
 * - SELECT-like statements are read through a cursor of their own, 512
 *   rows per FETCH (WITH HOLD outside a transaction), so statements nest
 *   on one handle and memory stays bounded; INSERT/UPDATE/DELETE ...
 *   RETURNING run whole at their first step. A claim's FOR UPDATE SKIP
 *   LOCKED (D13) runs inside a write transaction only.
 * - STORE_TX_WRITE is BEGIN (READ COMMITTED: the caller's `WHERE col =
 *   old` checks catch lost updates, D10); STORE_TX_READ is BEGIN
 *   ISOLATION LEVEL REPEATABLE READ READ ONLY (one snapshot).
 * - SQLSTATE class 22 (data exceptions: text that is not UTF-8, which
 *   SQLite would store as given) is STORE_ERR_CHECK, RM_EINVAL.
 * - lock_timeout is opts->busy_timeout_ms (default 5000); a lock wait past
 *   it (55P03), a serialization failure (40001) or a deadlock (40P01) is
 *   STORE_ERR_CONFLICT, which store_tx re-runs.
 * - After a failed statement inside a transaction nothing more runs (each
 *   further statement and the COMMIT fail) until it is rolled back.
 * - Migrations are serialized across handles and hosts by a transaction
 *   advisory lock on a fixed key (migrate_lock).
 * - A session the server ended (restart, admin, network) is made again
 *   outside a transaction, at the next BEGIN or statement; inside one the
 *   unit of work fails with RM_EIO and the caller rolls back.
 */
#ifndef RM_STORE_PG_H
#define RM_STORE_PG_H

#include "store/store.h"

extern const struct store_ops store_pg_ops;

/* The advisory lock key taken by every migration transaction. */
#define STORE_PG_MIGRATE_KEY 7294826337125164101LL

#endif
