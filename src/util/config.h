/*
 * config - INI files: "[section]" headers, "key = value" lines, comments
 * starting with '#' or ';' on their own line, blank lines. Keys and
 * section names are [A-Za-z0-9_.-]; values are trimmed of surrounding
 * whitespace and may be wrapped in double quotes (to keep leading or
 * trailing spaces). Keys before any section belong to section "".
 *
 * Limits: file ≤ 1 MiB, line ≤ 4096 bytes, ≤ 10,000 entries. A duplicate
 * key in one section, a malformed line or a limit is an error naming
 * FILE:LINE. struct config owns all its strings; config_free releases
 * them. Lookups return borrowed pointers valid until config_free.
 */
#ifndef RM_UTIL_CONFIG_H
#define RM_UTIL_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

struct config_entry {
    char *section;
    char *key;
    char *value;
    int line;
    bool used; /* set by lookups: lets callers report unknown keys */
};

struct config {
    char *path;
    struct config_entry *entries;
    size_t n;
};

int config_load(const char *path, struct config *cfg, struct rm_err *err);
/* config_parse - parse text held in memory; name is used in messages. */
int config_parse(const char *name, const char *text, size_t len,
                 struct config *cfg, struct rm_err *err);
void config_free(struct config *cfg);

/* config_get - value or NULL when absent. Marks the entry used. */
const char *config_get(struct config *cfg, const char *section,
                       const char *key);
/* config_get_str - value, or def when absent. */
const char *config_get_str(struct config *cfg, const char *section,
                           const char *key, const char *def);
/* config_get_int - decimal integer in [min, max], or def when absent;
 * RM_EINVAL naming FILE:LINE when present but malformed or out of range. */
int config_get_int(struct config *cfg, const char *section, const char *key,
                   int64_t def, int64_t min, int64_t max, int64_t *out,
                   struct rm_err *err);
/* config_get_bool - yes/no/true/false/on/off/1/0 (any case). */
int config_get_bool(struct config *cfg, const char *section, const char *key,
                    bool def, bool *out, struct rm_err *err);
/* config_unused - the first entry no lookup has touched, or NULL: callers
 * use it after reading everything to refuse unknown keys. */
const struct config_entry *config_unused(const struct config *cfg);

#endif
