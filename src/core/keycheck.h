/*
 * keycheck - does this master key belong to this database?
 *
 * Registrar keys (and every other secret regman stores) are sealed with
 * the master key file (util/secret.h). Several nodes on one database must
 * share that file; a node started with another key would fail to open the
 * stored secrets and, worse, seal new ones no other node can open. The
 * table key_check (migration 009) holds one value sealed with the key of
 * the first regman that opened the database with a key; every later open
 * must be able to open it.
 */
#ifndef RM_CORE_KEYCHECK_H
#define RM_CORE_KEYCHECK_H

#include <stdbool.h>

#include "store/store.h"
#include "util/err.h"
#include "util/secret.h"

/*
 * keycheck_verify - 0 when key opens the database's check value. A
 * database without one gets it now (its own unit of work), unless a
 * registrar key is already stored and key cannot open it. RM_EREFUSED,
 * with a message naming key_file, when the key is not the database's.
 */
int keycheck_verify(struct store *st, const struct secret_key *key,
                    const char *key_file, int64_t now, struct rm_err *err);

/* keycheck_present - *present: the database already has a check value (it
 * belongs to an installation: a new master key cannot join it). */
int keycheck_present(struct store *st, bool *present, struct rm_err *err);

#endif
