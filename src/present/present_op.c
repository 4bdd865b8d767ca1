/*
 * present - operations, domains and the reconcile report as JSON
 * (contract in present.h).
 */
#include "present/present.h"

#include <string.h>

/* customer_reason - why a refunded operation ended, in the customer's
 * words (ops_plain_reason); null while it is not over or succeeded. */
static json_t *customer_reason(const struct op_view *v)
{
    char why[512];
    if (!ops_state_refunded(v->state))
        return json_null();
    ops_plain_reason(v->state, v->pending_reason, why, sizeof why);
    return json_string(why);
}

json_t *present_op(const struct op_view *v, int64_t now, bool admin,
                   enum present_style st)
{
    json_t *j = json_object();
    json_object_set_new(j, "id", json_integer(v->id));
    json_object_set_new(j, "kind", json_string(v->kind));
    json_object_set_new(j, "state", json_string(v->state));
    json_object_set_new(j, "domain_id", json_integer(v->domain_id));
    json_object_set_new(j, "domain", json_string(v->domain));
    json_object_set_new(j, "unicode_name", json_string(v->unicode_name));
    json_object_set_new(j, "account_id", json_integer(v->account_id));
    json_object_set_new(j, "account", json_string(v->account));
    json_object_set_new(j, "connection_id", json_integer(v->connection_id));
    json_object_set_new(j, "term", json_integer(v->term));
    json_object_set_new(j, "amount", present_money(st, v->amount));
    json_object_set_new(j, "order_id", json_string(v->order_id));
    json_object_set_new(j, "queue_id", json_string(v->queue_id));
    json_object_set_new(j, "transfer_status", json_string(v->transfer_status));
    json_object_set_new(j, "pending_reason", json_string(v->pending_reason));
    json_object_set_new(j, "reason", json_string(v->pending_reason));
    json_object_set_new(j, "last_answer", json_string(v->last_answer));
    json_object_set_new(j, "checks", json_integer(v->checks));
    json_object_set_new(j, "created_at", present_time(st, v->created_at));
    json_object_set_new(j, "sent_at", present_time(st, v->sent_at));
    json_object_set_new(j, "next_check_at", present_time(st, v->next_check_at));
    json_object_set_new(j, "last_check_at", present_time(st, v->last_check_at));
    json_object_set_new(j, "deadline_at", present_time(st, v->deadline_at));
    json_object_set_new(j, "finished_at", present_time(st, v->finished_at));
    json_object_set_new(
        j, "age_s",
        json_integer((v->finished_at ? v->finished_at : now) - v->created_at));
    /* how often a pending order is checked: the TLD's window while it
     * still maps to the connection, else the connection's (ops.c
     * windows_for) */
    json_object_set_new(j, "check_interval_s",
                        json_integer(v->check_interval_s));
    json_object_set_new(j, "customer_reason", customer_reason(v));
    /* who asked for it: the customer, an admin acting for the account
     * (charged to it all the same), or the automatic renewal */
    const char *by = !v->actor || !*v->actor                 ? NULL
                     : strncmp(v->actor, "account:", 8) == 0 ? "customer"
                     : strcmp(v->actor, "lifecycle") == 0    ? "automatic"
                                                             : v->actor;
    json_object_set_new(j, "requested_by", by ? json_string(by) : json_null());
    /* rule 9 (core/watch.h): what the registrar did after a refund is the
     * provider's business, shown to admins only */
    if (admin) {
        const char *w = v->watch;
        json_object_set_new(j, "watch", *w ? json_string(w) : json_null());
        json_object_set_new(j, "stop_answer", json_string(v->stop_answer));
        json_object_set_new(j, "registrar_cost",
                            v->registrar_cost >= 0
                                ? json_integer(v->registrar_cost)
                                : json_null());
        json_object_set_new(j, "late_at", present_time(st, v->late_at));
        json_object_set_new(j, "held_domain_id",
                            v->held_domain_id ? json_integer(v->held_domain_id)
                                              : json_null());
        json_object_set_new(j, "resolved_op_id",
                            v->resolved_op_id ? json_integer(v->resolved_op_id)
                                              : json_null());
        json_object_set_new(j, "watch_next_at",
                            strcmp(w, "watching") == 0
                                ? present_time(st, v->watch_next_at)
                                : json_null());
    }
    return j;
}

json_t *present_domain(const struct dom_view *v, int64_t now, bool admin,
                       enum present_style st)
{
    const char *act = domview_needs_action(v, now);
    json_t *j = json_object();
    json_object_set_new(j, "id", json_integer(v->id));
    json_object_set_new(j, "name", json_string(v->name));
    json_object_set_new(j, "unicode_name", json_string(v->unicode_name));
    json_object_set_new(j, "tld", json_string(v->tld));
    json_object_set_new(j, "status", json_string(v->status));
    json_object_set_new(j, "expires_at", present_time(st, v->expires_at));
    json_object_set_new(j, "auto_renew", json_boolean(v->auto_renew));
    json_object_set_new(j, "account_id", json_integer(v->account_id));
    json_object_set_new(j, "account", json_string(v->account));
    if (admin) {
        json_object_set_new(j, "connection_id", json_integer(v->connection_id));
        json_object_set_new(j, "connection", json_string(v->connection));
    }
    json_object_set_new(j, "created_at", present_time(st, v->created_at));
    json_object_set_new(j, "updated_at", present_time(st, v->updated_at));
    json_object_set_new(j, "needs_action",
                        act ? json_string(act) : json_null());
    json_object_set_new(j, "check_interval_s",
                        json_integer(v->check_interval_s));
    json_object_set_new(j, "warn_days", json_integer(v->warn_days));
    /* a transfer to another registrar is pending (read at the sync) */
    if (v->away_status && *v->away_status) {
        json_t *a = json_object();
        json_object_set_new(a, "status", json_string(v->away_status));
        json_object_set_new(a, "seen_at", present_time(st, v->away_seen_at));
        json_object_set_new(j, "transfer_away", a);
    } else {
        json_object_set_new(j, "transfer_away", json_null());
    }
    present_domain_expiry(j, v, st);
    return j;
}

json_t *present_reconcile(const struct reconcile_report *rep, int64_t since,
                          const char *currency, enum present_style st)
{
    json_t *j = json_object(), *a = json_array();
    for (size_t i = 0; i < rep->n; i++) {
        const struct reconcile_row *x = &rep->rows[i];
        json_t *o = json_object();
        json_object_set_new(o, "id", json_integer(x->id));
        json_object_set_new(o, "domain", json_string(x->domain));
        json_object_set_new(o, "account", json_string(x->account));
        json_object_set_new(o, "kind", json_string(x->kind));
        json_object_set_new(o, "state", json_string(x->state));
        json_object_set_new(o, "watch", json_string(x->watch));
        json_object_set_new(o, "refunded", json_integer(x->amount));
        json_object_set_new(o, "registrar_cost",
                            x->registrar_cost >= 0
                                ? json_integer(x->registrar_cost)
                                : json_null());
        json_object_set_new(o, "exposure", json_integer(x->exposure));
        json_object_set_new(o, "at_risk", json_integer(x->at_risk));
        json_object_set_new(o, "finished_at", present_time(st, x->finished_at));
        /* the CLI's name of finished_at, kept for its scripts */
        json_object_set_new(o, "finished", present_time(st, x->finished_at));
        json_object_set_new(o, "late_at", present_time(st, x->late_at));
        json_object_set_new(o, "stop_answer", json_string(x->stop_answer));
        json_array_append_new(a, o);
    }
    json_object_set_new(j, "since", present_time(st, since));
    json_object_set_new(j, "operations", a);
    json_object_set_new(j, "count", json_integer((json_int_t)rep->n));
    json_object_set_new(j, "total_exposure", json_integer(rep->total_exposure));
    json_object_set_new(j, "total_at_risk", json_integer(rep->total_at_risk));
    json_object_set_new(j, "unknown_cost", json_integer(rep->unknown_cost));
    json_object_set_new(j, "currency",
                        currency ? json_string(currency) : json_null());
    return j;
}
