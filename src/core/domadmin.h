/*
 * domadmin - what only the admin does to a domain for its customers:
 * give it to another account (move). The sync of one domain now is
 * lifecycle_sync_one (core/lifecycle.h); orders on a customer's behalf
 * are ops_register/ops_transfer/ops_renew_by with actor "admin"
 * (core/ops.h).
 *
 * A move changes only regman's books: the registrar, the domain's
 * contacts and its expiry stay as they are. From then on the new account
 * owns it - its renewals are charged there, its panel shows it, the old
 * account no longer reaches it. Each move is a domain_moves row
 * (migration 014) saying who moved it, from whom, to whom and why.
 */
#ifndef RM_CORE_DOMADMIN_H
#define RM_CORE_DOMADMIN_H

#include <stdint.h>

#include "core/account.h"
#include "core/app.h"
#include "core/names.h"
#include "util/err.h"

#define DOMADMIN_REASON_MAX 500

struct domadmin_move {
    int64_t id; /* the domain_moves row */
    char domain[NAME_MAX_ASCII + 1];
    char from[ACCOUNT_NAME_MAX + 1], to[ACCOUNT_NAME_MAX + 1];
};

/*
 * domadmin_move - give the live domain name to account to (a name or
 * id of a customer account). RM_ENOTFOUND for an unknown domain or
 * account; RM_EREFUSED while an order of the domain is in progress (its
 * charge is the old account's), when it already belongs to to, or when it
 * is a late completion the provider holds (decided with `regman async
 * late`); RM_EINVAL for a reason longer than DOMADMIN_REASON_MAX. One
 * transaction; actor is recorded ("admin").
 */
int domadmin_move(struct app *app, const char *name, const char *to,
                  const char *actor, const char *reason,
                  struct domadmin_move *out, struct rm_err *err);

#endif
