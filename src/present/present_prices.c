/*
 * present_prices - a registrar price import as JSON (contract in
 * present_prices.h).
 */
#include "present/present_prices.h"

static const char *const status_names[] = {
    [PRICEIMPORT_READ] = "read",
    [PRICEIMPORT_PREMIUM] = "premium",
    [PRICEIMPORT_REFUSED] = "refused",
};

static json_t *amount(enum present_style st, int64_t v)
{
    return v >= 0 ? present_money(st, v) : json_null();
}

json_t *present_price_import(const struct priceimport_result *r,
                             enum present_style st)
{
    json_t *j = json_object(), *rows = json_array();

    for (size_t i = 0; i < r->nrows; i++) {
        const struct priceimport_row *w = &r->rows[i];
        json_t *o = json_object();
        json_object_set_new(o, "tld", json_string(w->tld));
        json_object_set_new(o, "operation", json_string(tld_op_name(w->op)));
        json_object_set_new(o, "term", json_integer(w->term));
        json_object_set_new(o, "status", json_string(status_names[w->status]));
        json_object_set_new(o, "cost", amount(st, w->cost));
        json_object_set_new(o, "old", amount(st, w->old));
        json_object_set_new(o, "proposed", amount(st, w->proposed));
        json_object_set_new(o, "changed", json_boolean(w->changed));
        json_object_set_new(o, "note", present_text(w->note));
        json_array_append_new(rows, o);
    }
    json_object_set_new(j, "connection_id", json_integer(r->connection_id));
    json_object_set_new(j, "connection", present_text(r->connection));
    json_object_set_new(j, "read_at", present_time(st, r->read_at));
    json_object_set_new(j, "applied", json_boolean(r->applied));
    json_object_set_new(j, "read", json_integer((json_int_t)r->nread));
    json_object_set_new(j, "changed", json_integer((json_int_t)r->nchanged));
    json_object_set_new(j, "skipped", json_integer((json_int_t)r->nskipped));
    json_object_set_new(j, "rows", rows);
    return j;
}
