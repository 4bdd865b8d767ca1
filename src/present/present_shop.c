/*
 * present - a shop search as JSON (contract in present.h).
 */
#include "present/present.h"

#include <stdio.h>

static json_t *shop_item(const struct shop_item *it, bool result,
                         const char *currency, enum present_style st)
{
    json_t *j = json_object(), *terms = json_object();

    json_object_set_new(j, "name", json_string(it->name));
    json_object_set_new(j, "unicode", json_string(it->unicode));
    json_object_set_new(j, "tld", json_string(it->tld.tld));
    json_object_set_new(j, "availability",
                        json_string(shop_avail_name(it->availability)));
    json_object_set_new(j, "available",
                        json_boolean(it->availability == SHOP_AVAILABLE));
    json_object_set_new(j, "premium", json_boolean(it->premium));
    json_object_set_new(j, "orderable", json_boolean(it->orderable));
    json_object_set_new(j, "price",
                        it->price >= 0 ? present_money(st, it->price)
                                       : json_null());
    if (currency && *currency && it->price >= 0)
        json_object_set_new(j, "currency", json_string(currency));
    for (int y = 1; y <= TLD_MAX_TERM; y++) {
        char k[4];
        if (it->terms[y] < 0)
            continue;
        snprintf(k, sizeof k, "%d", y);
        json_object_set_new(terms, k, present_money(st, it->terms[y]));
    }
    json_object_set_new(j, "terms", terms);
    /* every operation's prices, as a lookup shows them (not for a premium
     * name: the TLD's prices are not its prices) */
    if (!it->premium)
        json_object_set_new(j, "prices", present_tld_prices(&it->tld, st));
    if (result)
        json_object_set_new(j, "exact", json_boolean(it->exact));
    json_object_set_new(j, "mine", json_boolean(it->mine));
    json_object_set_new(j, "reason", json_string(it->reason));
    return j;
}

json_t *present_search(const struct shop_result *r, const char *currency,
                       enum present_style st)
{
    json_t *j = json_object(), *res = json_array(), *sug = json_array();

    json_object_set_new(j, "query", json_string(r->query));
    json_object_set_new(j, "label", json_string(r->label));
    json_object_set_new(j, "unicode_label", json_string(r->label_unicode));
    json_object_set_new(j, "typed_tld",
                        r->typed_tld[0] ? json_string(r->typed_tld)
                                        : json_null());
    json_object_set_new(j, "typed_tld_sold", json_boolean(r->typed_sold));
    if (currency && *currency)
        json_object_set_new(j, "currency", json_string(currency));
    for (size_t i = 0; i < r->n; i++)
        json_array_append_new(res,
                              shop_item(&r->results[i], true, currency, st));
    for (size_t i = 0; i < r->nsug; i++)
        json_array_append_new(
            sug, shop_item(&r->suggestions[i], false, currency, st));
    json_object_set_new(j, "results", res);
    json_object_set_new(j, "suggestions", sug);
    json_object_set_new(j, "registrar_calls", json_integer(r->calls));
    json_object_set_new(j, "connections", json_integer(r->connections));
    json_object_set_new(j, "answered", json_boolean(r->answered > 0));
    return j;
}
