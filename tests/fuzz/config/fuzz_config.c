/*
 * fuzz_config - libFuzzer target for the INI reader (util/config.h).
 *
 * Input: arbitrary bytes handed to config_parse as the text of
 * "fuzz.conf". Alongside, a reference reader written here from the
 * header's description (not from config.c) reads the same text. These
 * properties must hold (abort otherwise):
 *   C1  config_parse succeeds exactly when the reference finds no error,
 *       and then both have the same entries (section, key, value, line)
 *       in the same order;
 *   C2  every entry's key and section use [A-Za-z0-9_.-] (section may be
 *       "" for keys before any header); values hold no newline; no
 *       (section, key) pair appears twice;
 *   C3  config_get of every entry returns that entry's value, and after
 *       looking everything up config_unused is NULL;
 *   C4  config_get_int and config_get_bool on every key answer 0 or
 *       RM_EINVAL naming "fuzz.conf:LINE:" of that entry; an accepted
 *       integer is in range and equals the value's digits; an accepted
 *       boolean is one of the documented words;
 *   C5  a refusal names "fuzz.conf:LINE:" with the line the reference
 *       stopped on (or the file limit without a line).
 */
#include <ctype.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/config.h"
#include "util/err.h"

#define NAME "fuzz.conf"
/* The header's limits. */
#define REF_MAX_LINE 4096
#define REF_MAX_ENTRIES 10000

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct ref_entry {
    const char *section, *key, *value;
    size_t section_len, key_len, value_len;
    int line;
};

static struct ref_entry ref[REF_MAX_ENTRIES + 1];

static void fail(const char *what, const struct rm_err *err)
{
    fprintf(stderr, "fuzz_config: property violated: %s%s%s\n", what,
            err ? ": " : "", err ? err->msg : "");
    abort();
}

static bool name_ok(const char *s, size_t n)
{
    if (n == 0)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)s[i]) && s[i] != '_' && s[i] != '.' &&
            s[i] != '-')
            return false;
    return true;
}

/* strip - surrounding whitespace; a line's '\r' (CRLF files) goes too. */
static void strip(const char **s, size_t *n)
{
    while (*n && (**s == ' ' || **s == '\t')) {
        (*s)++;
        (*n)--;
    }
    while (*n && strchr(" \t\r", (*s)[*n - 1]))
        (*n)--;
}

/* ref_read - the reference reader. Returns the number of entries, or -L
 * for an error on line L. */
static long ref_read(const char *text, size_t len)
{
    const char *section = "";
    size_t section_len = 0, n = 0;
    int line = 0;
    for (size_t pos = 0; pos < len;) {
        const char *l = text + pos;
        const char *nl = memchr(l, '\n', len - pos);
        size_t ln = nl ? (size_t)(nl - l) : len - pos;
        pos += ln + (nl ? 1 : 0);
        line++;
        if (ln > REF_MAX_LINE || memchr(l, '\0', ln))
            return -line;
        strip(&l, &ln);
        if (ln == 0 || l[0] == '#' || l[0] == ';')
            continue;
        if (l[0] == '[') {
            if (l[ln - 1] != ']' || ln < 2)
                return -line;
            const char *s = l + 1;
            size_t sn = ln - 2;
            strip(&s, &sn);
            if (!name_ok(s, sn))
                return -line;
            section = s;
            section_len = sn;
            continue;
        }
        const char *eq = memchr(l, '=', ln);
        if (!eq)
            return -line;
        const char *k = l, *v = eq + 1;
        size_t kn = (size_t)(eq - l), vn = ln - kn - 1;
        strip(&k, &kn);
        strip(&v, &vn);
        if (!name_ok(k, kn))
            return -line;
        if (vn >= 2 && v[0] == '"' && v[vn - 1] == '"') {
            v++;
            vn -= 2;
        }
        for (size_t i = 0; i < n; i++)
            if (ref[i].section_len == section_len &&
                memcmp(ref[i].section, section, section_len) == 0 &&
                ref[i].key_len == kn && memcmp(ref[i].key, k, kn) == 0)
                return -line;
        if (n == REF_MAX_ENTRIES)
            return -line;
        ref[n++] = (struct ref_entry){section, k, v, section_len, kn, vn, line};
    }
    return (long)n;
}

static bool slice_eq(const char *s, const char *p, size_t n)
{
    return strlen(s) == n && memcmp(s, p, n) == 0;
}

/* names_line - does msg start with "fuzz.conf:LINE:"? */
static bool names_line(const char *msg, int line)
{
    char want[64];
    snprintf(want, sizeof(want), NAME ":%d:", line);
    return strncmp(msg, want, strlen(want)) == 0;
}

static void check_int(struct config *cfg, const struct config_entry *e,
                      int64_t min, int64_t max)
{
    struct rm_err err = {0};
    int64_t v = 12345;
    int rc = config_get_int(cfg, e->section, e->key, 7, min, max, &v, &err);
    if (rc) {
        if (rc != RM_EINVAL || !names_line(err.msg, e->line))
            fail("C4: config_get_int refusal does not name FILE:LINE", &err);
        return;
    }
    if (v < min || v > max)
        fail("C4: config_get_int answered a value outside the range", NULL);
    /* Recompute the value from its digits (an optional sign first). */
    const char *s = e->value;
    while (isspace((unsigned char)*s))
        s++;
    bool neg = *s == '-';
    if (*s == '-' || *s == '+')
        s++;
    if (!isdigit((unsigned char)*s) || strspn(s, "0123456789") != strlen(s))
        fail("C4: config_get_int accepted a value that is not decimal", NULL);
    while (*s == '0' && s[1])
        s++;
    if (strlen(s) > 19)
        fail("C4: config_get_int accepted an overflowing value", NULL);
    /* At most 19 digits: below 10^19, which fits unsigned 64 bits. */
    uint64_t mag = 0;
    for (; *s; s++)
        mag = mag * 10 + (uint64_t)(*s - '0');
    __int128 want = neg ? -(__int128)mag : (__int128)mag;
    if (want != v)
        fail("C4: config_get_int answered another number", NULL);
}

static void check_bool(struct config *cfg, const struct config_entry *e)
{
    static const char *const yes[] = {"yes", "true", "on", "1"};
    static const char *const no[] = {"no", "false", "off", "0"};
    struct rm_err err = {0};
    bool b = false;
    int rc = config_get_bool(cfg, e->section, e->key, false, &b, &err);
    int want = -1;
    for (size_t i = 0; i < 4; i++) {
        if (strcasecmp(e->value, yes[i]) == 0)
            want = 1;
        if (strcasecmp(e->value, no[i]) == 0)
            want = 0;
    }
    if (rc) {
        if (rc != RM_EINVAL || !names_line(err.msg, e->line))
            fail("C4: config_get_bool refusal does not name FILE:LINE", &err);
        if (want != -1)
            fail("C4: config_get_bool refused a documented word", &err);
        return;
    }
    if (want == -1 || (want == 1) != b)
        fail("C4: config_get_bool accepted or misread a value", NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    struct config cfg;
    struct rm_err err = {0};
    int rc = config_parse(NAME, text, size, &cfg, &err);
    if (size > 1024 * 1024) {
        /* The file limit of the header, checked before any line. */
        if (rc != RM_ELIMIT)
            fail("C5: a file over 1 MiB was not refused as too big", &err);
        return 0;
    }
    long want = ref_read(text, size);

    if (rc) {
        if (err.msg[0] == '\0' || (rc != RM_EINVAL && rc != RM_ELIMIT))
            fail("C5: a refusal without a code and a message", &err);
        if (cfg.n != 0 || cfg.entries || cfg.path)
            fail("C5: a refusal left entries behind", &err);
        if (want >= 0)
            fail("C1: refused a file the reference reads", &err);
        if (!names_line(err.msg, (int)-want))
            fail("C5: the refusal does not name fuzz.conf and the line the "
                 "reference stopped on",
                 &err);
        return 0;
    }
    if (want < 0) {
        fprintf(stderr, "reference stopped on line %ld\n", -want);
        fail("C1: accepted a file the reference refuses", NULL);
    }
    if (cfg.n != (size_t)want)
        fail("C1: another number of entries than the reference", NULL);
    if (!cfg.path || strcmp(cfg.path, NAME) != 0)
        fail("C1: path is not the name given", NULL);

    for (size_t i = 0; i < cfg.n; i++) {
        const struct config_entry *e = &cfg.entries[i];
        const struct ref_entry *r = &ref[i];
        if (!slice_eq(e->section, r->section, r->section_len) ||
            !slice_eq(e->key, r->key, r->key_len) ||
            !slice_eq(e->value, r->value, r->value_len) || e->line != r->line) {
            fprintf(stderr, "entry %zu: [%s] %s = \"%s\" (line %d)\n", i,
                    e->section, e->key, e->value, e->line);
            fail("C1: an entry differs from the reference", NULL);
        }
        if ((e->section[0] && !name_ok(e->section, strlen(e->section))) ||
            !name_ok(e->key, strlen(e->key)))
            fail("C2: a key or section outside [A-Za-z0-9_.-]", NULL);
        if (strchr(e->value, '\n'))
            fail("C2: a value holds a newline", NULL);
        for (size_t j = 0; j < i; j++)
            if (strcmp(cfg.entries[j].section, e->section) == 0 &&
                strcmp(cfg.entries[j].key, e->key) == 0)
                fail("C2: a (section, key) pair appears twice", NULL);
    }
    if (cfg.n > 0 && config_unused(&cfg) != &cfg.entries[0])
        fail("C3: config_unused before any lookup is not the first entry",
             NULL);
    for (size_t i = 0; i < cfg.n; i++) {
        const struct config_entry *e = &cfg.entries[i];
        if (config_get(&cfg, e->section, e->key) != e->value)
            fail("C3: config_get does not return the entry's value", NULL);
        if (config_get_str(&cfg, e->section, e->key, NULL) != e->value)
            fail("C3: config_get_str does not return the entry's value", NULL);
    }
    if (config_unused(&cfg) != NULL)
        fail("C3: an entry is unused after looking everything up", NULL);
    if (config_get(&cfg, "no such section!", "k") != NULL)
        fail("C3: a lookup of an impossible section found something", NULL);

    for (size_t i = 0; i < cfg.n; i++) {
        const struct config_entry *e = &cfg.entries[i];
        check_int(&cfg, e, INT64_MIN, INT64_MAX);
        check_int(&cfg, e, 0, 65535);
        check_int(&cfg, e, -10, 10);
        check_bool(&cfg, e);
    }
    config_free(&cfg);
    if (cfg.n != 0 || cfg.entries || cfg.path)
        fail("config_free left the struct non-empty", NULL);
    return 0;
}
