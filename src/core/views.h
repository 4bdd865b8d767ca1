/*
 * views - what the read-only listings of core share: a page of a
 * newest-first list. Rows are handed to a callback one at a time; the text
 * in a row stays valid only during the call (copy it to keep it).
 */
#ifndef RM_CORE_VIEWS_H
#define RM_CORE_VIEWS_H

#include <stdbool.h>
#include <stdint.h>

#include "store/store.h"

/* view_page - rows with ids below after (has_after), else skip offset
 * rows; at most fetch rows. */
struct view_page {
    bool has_after;
    int64_t after;
    int64_t fetch;
    int64_t offset;
};

/* view_bind_page - bind p to the four parameters from first on of a query
 * that ends "AND (? = 0 OR id < ?) ... LIMIT ? OFFSET ?". */
void view_bind_page(struct store_stmt *s, int first, const struct view_page *p);

#endif
