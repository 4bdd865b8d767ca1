/*
 * api_admin - the provider's endpoints over core: registrar connections,
 * TLDs and prices, accounts and their ledger, contact profiles, audit,
 * the registrar log (JSON and CSV), jobs and the mail outbox.
 *
 *   GET    /api/v1/connections                 admin
 *   POST   /api/v1/connections                 admin  conn_add
 *   GET    /api/v1/connections/{id}            admin
 *   PATCH  /api/v1/connections/{id}            admin  conn_edit
 *   DELETE /api/v1/connections/{id}            admin  conn_remove
 *   POST   /api/v1/connections/{id}/test       admin  GET_BALANCE
 *   GET    /api/v1/tlds                        login  (customers: prices)
 *   GET    /api/v1/tlds/{tld}                  login
 *   PUT    /api/v1/tlds/{tld}                  admin  tld_set
 *   DELETE /api/v1/tlds/{tld}                  admin  tld_remove
 *   GET    /api/v1/accounts                    login  (customers: own)
 *   POST   /api/v1/accounts                    admin  account_add
 *   GET    /api/v1/accounts/{id}               login  scoped
 *   POST   /api/v1/accounts/{id}/credit        admin  ledger_credit
 *   POST   /api/v1/accounts/{id}/adjust        admin  ledger_adjust
 *   PUT    /api/v1/accounts/{id}/limit         admin  account_set_limit
 *   GET    /api/v1/accounts/{id}/history       login  scoped
 *   GET    /api/v1/accounts/{id}/contacts/{type}  login scoped
 *   PUT    /api/v1/accounts/{id}/contacts/{type}  login scoped contact_set
 *   GET    /api/v1/audit                       admin  audit_run
 *   GET    /api/v1/stats?days=N                admin  dashboard figures
 *   GET    /api/v1/registrar-log               admin
 *   GET    /api/v1/registrar-log.csv           admin  text/csv
 *   GET    /api/v1/jobs                        admin
 *   GET    /api/v1/mail                        admin
 *   GET    /api/v1/mail/{id}                   admin
 *   POST   /api/v1/mail/{id}/retry             admin  mail_outbox_retry
 * Request and response bodies: docs/openapi.yaml.
 */
#ifndef RM_WEB_API_ADMIN_H
#define RM_WEB_API_ADMIN_H

#include <stddef.h>

#include "web/http.h"

const struct web_route *api_admin_routes(size_t *n);

#endif
