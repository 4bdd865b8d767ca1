/*
 * sqlite - the SQLite backend of struct store_ops.
 *
 * One database file in WAL mode (readers never block the writer), foreign
 * keys ON, a busy timeout (default 5000 ms) so a second writer waits for
 * the first instead of failing, synchronous=FULL so a committed charge or
 * refund survives power loss (money first; WAL+NORMAL could lose the last
 * commits on power loss, which would re-open a settled operation).
 * A collation named "C" (byte order) is registered so SQL can say
 * COLLATE "C" and sort as PostgreSQL's "C" does (store.h D12).
 * target is a path (or "sqlite:PATH"); with opts->create a missing file is
 * created with mode 0600 (it holds password hashes and encrypted keys).
 */
#ifndef RM_STORE_SQLITE_H
#define RM_STORE_SQLITE_H

#include "store/store.h"

extern const struct store_ops store_sqlite_ops;

#endif
