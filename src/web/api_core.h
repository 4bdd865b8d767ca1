/*
 * api_core - the JSON API over regman's core (/api/v1/...): the one call
 * that installs every resource's route table. What the resource files
 * share is api_util.h (included here for the files that still reach it
 * through this header).
 */
#ifndef RM_WEB_API_CORE_H
#define RM_WEB_API_CORE_H

#include "util/err.h"
#include "web/api_util.h"
#include "web/http.h"

/* api_core_install - add every /api/v1 route table of the core endpoints
 * and register the /metrics families (api_metrics.h) on srv; set the
 * budgets (lim NULL = the defaults of api_util.h). Before
 * web_server_start. The limiters are process-wide (one server per
 * process): api_core_release frees them after web_server_free. */
int api_core_install(struct web_server *srv, const struct api_limits *lim,
                     struct rm_err *err);
void api_core_release(void);

#endif
