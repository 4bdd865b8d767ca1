/*
 * api_core - the installation of every /api/v1 route table (contract in
 * api_core.h). The resource files only export their tables; this is the
 * one place that adds them to the server.
 */
#include "web/api_core.h"

#include "web/api_accounts.h"
#include "web/api_conn.h"
#include "web/api_domains.h"
#include "web/api_lookup.h"
#include "web/api_bulk.h"
#include "web/api_manage.h"
#include "web/api_metrics.h"
#include "web/api_panel.h"
#include "web/api_reminders.h"
#include "web/api_reports.h"
#include "web/api_search.h"
#include "web/api_signup.h"
#include "web/api_reseller.h"
#include "web/api_sync.h"
#include "web/api_tld.h"

void api_core_release(void)
{
    api_budgets_release();
}

int api_core_install(struct web_server *srv, const struct api_limits *lim,
                     struct rm_err *err)
{
    const struct web_route *(*const tables[])(size_t * n) = {
        api_lookup_routes,    api_domains_routes,  api_conn_routes,
        api_tld_routes,       api_accounts_routes, api_reports_routes,
        api_sync_routes,      api_signup_routes,   api_panel_routes,
        api_manage_routes,    api_bulk_routes,     api_search_routes,
        api_reminders_routes, api_reseller_routes,
    };

    api_budgets_set(lim);
    for (size_t i = 0; i < sizeof tables / sizeof tables[0]; i++) {
        size_t n;
        const struct web_route *t = tables[i](&n);
        web_server_add_routes(srv, t, n);
    }
    return api_metrics_register(web_server_metrics(srv), err);
}
