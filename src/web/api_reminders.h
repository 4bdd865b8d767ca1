/*
 * api_reminders - reminder schedules (core/reminders.h), admin only.
 *
 *   GET    /api/v1/reminders   admin  every schedule, the built-in first
 *   PUT    /api/v1/reminders   admin  reminders_set
 *   DELETE /api/v1/reminders   admin  reminders_reset
 *
 * PUT body: {"scope": "default"|"connection"|"tld", "connection": title
 * or id (scope connection), "tld": ".com" (scope tld), "days": [-30, -7,
 * 3]}; DELETE takes the same body without days. Bodies: docs/api.md.
 */
#ifndef RM_WEB_API_REMINDERS_H
#define RM_WEB_API_REMINDERS_H

#include <stddef.h>

#include "web/http.h"

const struct web_route *api_reminders_routes(size_t *n);

#endif
