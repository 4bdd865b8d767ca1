/*
 * api_reports - what the provider reads: audit, dashboard figures, the
 * registrar log (JSON and CSV), jobs and the mail outbox.
 *
 *   GET    /api/v1/audit                       admin  audit_run
 *   GET    /api/v1/stats?days=N                admin  report_stats
 *   GET    /api/v1/registrar-log               admin  report_reglog
 *   GET    /api/v1/registrar-log.csv           admin  text/csv
 *   GET    /api/v1/jobs                        admin  report_jobs
 *   GET    /api/v1/mail                        admin  report_mail
 *   GET    /api/v1/mail/{id}                   admin
 *   POST   /api/v1/mail/{id}/retry             admin  outbox_retry
 * Request and response bodies: docs/openapi.yaml.
 */
#ifndef RM_WEB_API_REPORTS_H
#define RM_WEB_API_REPORTS_H

#include <stddef.h>

#include "web/http.h"

const struct web_route *api_reports_routes(size_t *n);

#endif
