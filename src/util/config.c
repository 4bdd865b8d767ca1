/*
 * config - INI file parser (see config.h).
 */
#include "util/config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/buf.h"
#include "util/xalloc.h"

#define CONFIG_MAX_FILE (1024 * 1024)
#define CONFIG_MAX_LINE 4096
#define CONFIG_MAX_ENTRIES 10000

static bool name_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-';
}

static void trim(const char **s, size_t *n)
{
    while (*n && (**s == ' ' || **s == '\t')) {
        (*s)++;
        (*n)--;
    }
    while (*n && ((*s)[*n - 1] == ' ' || (*s)[*n - 1] == '\t' ||
                  (*s)[*n - 1] == '\r'))
        (*n)--;
}

static bool valid_name(const char *s, size_t n)
{
    if (n == 0)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!name_char(s[i]))
            return false;
    return true;
}

int config_parse(const char *name, const char *text, size_t len,
                 struct config *cfg, struct rm_err *err)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->path = xstrdup(name);
    if (len > CONFIG_MAX_FILE) {
        config_free(cfg);
        return rm_err_set(err, RM_ELIMIT, "%s: larger than %d bytes", name,
                          CONFIG_MAX_FILE);
    }
    char *section = xstrdup("");
    size_t cap = 0;
    int lineno = 0;
    size_t pos = 0;
    int rc = 0;
    while (pos < len) {
        const char *line = text + pos;
        const char *nl = memchr(line, '\n', len - pos);
        size_t n = nl ? (size_t)(nl - line) : len - pos;
        pos += n + (nl ? 1 : 0);
        lineno++;
        if (n > CONFIG_MAX_LINE) {
            rc = rm_err_set(err, RM_ELIMIT, "%s:%d: line longer than %d bytes",
                            name, lineno, CONFIG_MAX_LINE);
            break;
        }
        if (memchr(line, '\0', n)) {
            rc = rm_err_set(err, RM_EINVAL, "%s:%d: NUL byte", name, lineno);
            break;
        }
        trim(&line, &n);
        if (n == 0 || line[0] == '#' || line[0] == ';')
            continue;
        if (line[0] == '[') {
            const char *s = line + 1;
            size_t sn = n - 1;
            if (sn == 0 || s[sn - 1] != ']') {
                rc = rm_err_set(err, RM_EINVAL,
                                "%s:%d: section header without ']'", name,
                                lineno);
                break;
            }
            sn--;
            trim(&s, &sn);
            if (!valid_name(s, sn)) {
                rc = rm_err_set(err, RM_EINVAL,
                                "%s:%d: bad section name \"%.*s\"", name,
                                lineno, (int)(sn > 60 ? 60 : sn), s);
                break;
            }
            free(section);
            section = xstrndup(s, sn);
            continue;
        }
        const char *eq = memchr(line, '=', n);
        if (!eq) {
            rc = rm_err_set(err, RM_EINVAL,
                            "%s:%d: expected \"key = value\", got \"%.*s\"",
                            name, lineno, (int)(n > 60 ? 60 : n), line);
            break;
        }
        const char *k = line, *v = eq + 1;
        size_t kn = (size_t)(eq - line), vn = n - kn - 1;
        trim(&k, &kn);
        trim(&v, &vn);
        if (!valid_name(k, kn)) {
            rc = rm_err_set(err, RM_EINVAL, "%s:%d: bad key \"%.*s\"", name,
                            lineno, (int)(kn > 60 ? 60 : kn), k);
            break;
        }
        if (vn >= 2 && v[0] == '"' && v[vn - 1] == '"') {
            v++;
            vn -= 2;
        }
        bool dup = false;
        for (size_t i = 0; i < cfg->n; i++)
            if (strcmp(cfg->entries[i].section, section) == 0 &&
                strlen(cfg->entries[i].key) == kn &&
                strncmp(cfg->entries[i].key, k, kn) == 0) {
                rc = rm_err_set(err, RM_EINVAL,
                                "%s:%d: \"%.*s\" already set on line %d", name,
                                lineno, (int)kn, k, cfg->entries[i].line);
                dup = true;
                break;
            }
        if (dup)
            break;
        if (cfg->n >= CONFIG_MAX_ENTRIES) {
            rc = rm_err_set(err, RM_ELIMIT, "%s:%d: more than %d entries", name,
                            lineno, CONFIG_MAX_ENTRIES);
            break;
        }
        if (cfg->n == cap) {
            cap = cap ? cap * 2 : 16;
            cfg->entries = xrealloc(cfg->entries, cap * sizeof(*cfg->entries));
        }
        struct config_entry *e = &cfg->entries[cfg->n++];
        e->section = xstrdup(section);
        e->key = xstrndup(k, kn);
        e->value = xstrndup(v, vn);
        e->line = lineno;
        e->used = false;
    }
    free(section);
    if (rc)
        config_free(cfg);
    return rc;
}

int config_load(const char *path, struct config *cfg, struct rm_err *err)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return rm_err_set(err, errno == ENOENT ? RM_ENOTFOUND : RM_EIO,
                          "%s: %s", path, strerror(errno));
    struct buf b;
    buf_init(&b);
    char chunk[8192];
    size_t n;
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
        buf_add(&b, chunk, n);
        if (b.len > CONFIG_MAX_FILE)
            break;
    }
    int rerr = ferror(f);
    fclose(f);
    if (rerr) {
        buf_release(&b);
        return rm_err_set(err, RM_EIO, "%s: read error", path);
    }
    int rc = config_parse(path, b.data, b.len, cfg, err);
    buf_release(&b);
    return rc;
}

void config_free(struct config *cfg)
{
    for (size_t i = 0; i < cfg->n; i++) {
        free(cfg->entries[i].section);
        free(cfg->entries[i].key);
        free(cfg->entries[i].value);
    }
    free(cfg->entries);
    free(cfg->path);
    memset(cfg, 0, sizeof(*cfg));
}

static struct config_entry *find(struct config *cfg, const char *section,
                                 const char *key)
{
    for (size_t i = 0; i < cfg->n; i++)
        if (strcmp(cfg->entries[i].section, section) == 0 &&
            strcmp(cfg->entries[i].key, key) == 0) {
            cfg->entries[i].used = true;
            return &cfg->entries[i];
        }
    return NULL;
}

const char *config_get(struct config *cfg, const char *section, const char *key)
{
    struct config_entry *e = find(cfg, section, key);
    return e ? e->value : NULL;
}

const char *config_get_str(struct config *cfg, const char *section,
                           const char *key, const char *def)
{
    const char *v = config_get(cfg, section, key);
    return v ? v : def;
}

int config_get_int(struct config *cfg, const char *section, const char *key,
                   int64_t def, int64_t min, int64_t max, int64_t *out,
                   struct rm_err *err)
{
    struct config_entry *e = find(cfg, section, key);
    if (!e) {
        *out = def;
        return 0;
    }
    char *end;
    errno = 0;
    long long v = strtoll(e->value, &end, 10);
    if (end == e->value || *end != '\0' || errno)
        return rm_err_set(err, RM_EINVAL,
                          "%s:%d: %s: \"%.40s\" is not an "
                          "integer",
                          cfg->path, e->line, key, e->value);
    if (v < min || v > max)
        return rm_err_set(err, RM_EINVAL,
                          "%s:%d: %s: %lld is outside "
                          "%lld..%lld",
                          cfg->path, e->line, key, v, (long long)min,
                          (long long)max);
    *out = v;
    return 0;
}

int config_get_bool(struct config *cfg, const char *section, const char *key,
                    bool def, bool *out, struct rm_err *err)
{
    struct config_entry *e = find(cfg, section, key);
    if (!e) {
        *out = def;
        return 0;
    }
    static const char *const yes[] = {"yes", "true", "on", "1"};
    static const char *const no[] = {"no", "false", "off", "0"};
    for (size_t i = 0; i < 4; i++) {
        if (strcasecmp(e->value, yes[i]) == 0) {
            *out = true;
            return 0;
        }
        if (strcasecmp(e->value, no[i]) == 0) {
            *out = false;
            return 0;
        }
    }
    return rm_err_set(err, RM_EINVAL, "%s:%d: %s: \"%.40s\" is not yes/no",
                      cfg->path, e->line, key, e->value);
}

const struct config_entry *config_unused(const struct config *cfg)
{
    for (size_t i = 0; i < cfg->n; i++)
        if (!cfg->entries[i].used)
            return &cfg->entries[i];
    return NULL;
}
