/*
 * present_bulk - a bulk run and its items (core/bulk.h) as JSON, for the
 * API and the CLI alike (contract in present.h).
 */
#include "present/present.h"

static json_t *id_or_null(int64_t id)
{
    return id ? json_integer(id) : json_null();
}

json_t *present_bulk_item(const struct bulk_item *it, enum present_style st)
{
    json_t *j = json_object();

    json_object_set_new(j, "domain", json_string(it->domain));
    json_object_set_new(j, "state", json_string(it->state));
    json_object_set_new(j, "operation", id_or_null(it->operation_id));
    json_object_set_new(j, "change", id_or_null(it->change_id));
    json_object_set_new(j, "answer", present_text(it->answer));
    json_object_set_new(j, "started_at", present_time(st, it->started_at));
    json_object_set_new(j, "finished_at", present_time(st, it->finished_at));
    return j;
}

json_t *present_bulk_run(const struct bulk_run *r, bool items,
                         enum present_style st)
{
    json_t *j = json_object(), *args = json_loads(r->args, 0, NULL);

    json_object_set_new(j, "id", json_integer(r->id));
    json_object_set_new(j, "action", json_string(r->action));
    json_object_set_new(j, "args", args ? args : json_object());
    json_object_set_new(j, "actor", present_text(r->actor));
    json_object_set_new(j, "state", json_string(r->state));
    json_object_set_new(j, "created_at", present_time(st, r->created_at));
    json_object_set_new(j, "finished_at", present_time(st, r->finished_at));
    json_object_set_new(j, "total", json_integer(r->total));
    json_object_set_new(j, "done",
                        json_integer(r->total - r->queued - r->running));
    json_object_set_new(j, "queued", json_integer(r->queued));
    json_object_set_new(j, "running", json_integer(r->running));
    json_object_set_new(j, "succeeded", json_integer(r->succeeded));
    json_object_set_new(j, "failed", json_integer(r->failed));
    json_object_set_new(j, "pending", json_integer(r->pending));
    json_object_set_new(j, "unknown", json_integer(r->unknown));
    if (items) {
        json_t *a = json_array();
        for (size_t i = 0; i < r->n_items; i++)
            json_array_append_new(a, present_bulk_item(&r->items[i], st));
        json_object_set_new(j, "items", a);
    }
    return j;
}
