/*
 * present_prices - the JSON of a registrar price import (core/priceimport.h),
 * shared by the API and `regman tld import-prices --json`.
 */
#ifndef RM_PRESENT_PRESENT_PRICES_H
#define RM_PRESENT_PRESENT_PRICES_H

#include <jansson.h>

#include "core/priceimport.h"
#include "present/present.h"

/* present_price_import - {connection_id, connection, read_at, applied,
 * read, changed, skipped, rows: [{tld, operation, term, status (read,
 * premium, refused), cost, old, proposed (amounts in st; null when none),
 * changed, note}]}. */
json_t *present_price_import(const struct priceimport_result *r,
                             enum present_style st);

#endif
