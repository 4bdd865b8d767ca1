/*
 * health - is the database answering? What /healthz asks before it says
 * "ok".
 */
#ifndef RM_CORE_HEALTH_H
#define RM_CORE_HEALTH_H

#include "store/store.h"
#include "util/err.h"

/* health_check - 0 when a trivial query on st runs; negative rm_errcode
 * with err filled otherwise. */
int health_check(struct store *st, struct rm_err *err);

#endif
