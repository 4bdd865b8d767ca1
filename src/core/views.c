/*
 * views - the page of a newest-first list (contract in views.h).
 */
#include "core/views.h"

void view_bind_page(struct store_stmt *s, int first, const struct view_page *p)
{
    store_bind_int64(s, first, p->has_after);
    store_bind_int64(s, first + 1, p->has_after ? p->after : 0);
    store_bind_int64(s, first + 2, p->fetch);
    store_bind_int64(s, first + 3, p->has_after ? 0 : p->offset);
}
