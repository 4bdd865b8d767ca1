/*
 * sim_fault - fault rules (see sim_fault.h).
 */
#include "sim/sim_fault.h"

#include <ctype.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/xalloc.h"

static const char *const fault_names[] = {
    [SIM_FAULT_NONE] = "none",
    [SIM_FAULT_ASYNC] = "async",
    [SIM_FAULT_QUEUE] = "queue",
    [SIM_FAULT_FORCED_PENDING] = "forced_pending",
    [SIM_FAULT_DECLINE_LATER] = "decline_later",
    [SIM_FAULT_DELAY] = "delay",
    [SIM_FAULT_HANG] = "hang",
    [SIM_FAULT_CLOSE_BEFORE] = "close_before",
    [SIM_FAULT_CLOSE_AFTER] = "close_after",
    [SIM_FAULT_HTTP_500] = "http_500",
    [SIM_FAULT_MALFORMED] = "malformed",
    [SIM_FAULT_TRUNCATED] = "truncated",
    [SIM_FAULT_CODE_705] = "code_705",
    [SIM_FAULT_CODE_486] = "code_486",
    [SIM_FAULT_CODE_300] = "code_300",
    [SIM_FAULT_CODE_310] = "code_310",
    [SIM_FAULT_CODE_400] = "code_400",
    [SIM_FAULT_AUTH_FAILURE] = "auth_failure",
    [SIM_FAULT_DUPLICATE] = "duplicate",
    [SIM_FAULT_REORDER] = "reorder",
};

const char *sim_fault_name(enum sim_fault_kind k)
{
    if ((size_t)k >= sizeof(fault_names) / sizeof(fault_names[0]))
        return "none";
    return fault_names[k];
}

enum sim_fault_kind sim_fault_parse(const char *name)
{
    for (size_t i = 1; i < sizeof(fault_names) / sizeof(fault_names[0]); i++)
        if (strcasecmp(name, fault_names[i]) == 0)
            return (enum sim_fault_kind)i;
    return SIM_FAULT_NONE;
}

void sim_rules_init(struct sim_rules *r)
{
    r->v = NULL;
    r->n = 0;
    r->next_id = 1;
}

static void rule_release(struct sim_rule *rule)
{
    free(rule->action);
    free(rule->domain);
    rule->action = rule->domain = NULL;
}

void sim_rules_clear(struct sim_rules *r)
{
    for (size_t i = 0; i < r->n; i++)
        rule_release(&r->v[i]);
    r->n = 0;
}

void sim_rules_release(struct sim_rules *r)
{
    sim_rules_clear(r);
    free(r->v);
    r->v = NULL;
}

static void remove_at(struct sim_rules *r, size_t i)
{
    rule_release(&r->v[i]);
    memmove(&r->v[i], &r->v[i + 1], (r->n - i - 1) * sizeof(r->v[0]));
    r->n--;
}

int sim_rules_remove(struct sim_rules *r, int64_t id)
{
    for (size_t i = 0; i < r->n; i++) {
        if (r->v[i].id == id) {
            remove_at(r, i);
            return 0;
        }
    }
    return RM_ENOTFOUND;
}

static char *dup_case(const char *s, bool upper)
{
    char *d = xstrdup(s);
    for (char *p = d; *p; p++)
        *p = (char)(upper ? toupper((unsigned char)*p)
                          : tolower((unsigned char)*p));
    return d;
}

static void rule_defaults(struct sim_rule *out)
{
    memset(out, 0, sizeof(*out));
    out->remaining = -1;
    out->probability = 1.0;
    out->complete_after = -1;
}

/* set_field - one key of a rule from its text form; the JSON reader turns
 * numbers into text first so both syntaxes share the checks. */
static int set_field(struct sim_rule *out, const char *key, const char *val,
                     struct rm_err *err)
{
    char *end;
    if (strlen(val) > 256)
        return rm_err_set(err, RM_ELIMIT, "rule: value of %s too long", key);
    if (strcmp(key, "action") == 0) {
        free(out->action);
        out->action = val[0] ? dup_case(val, true) : NULL;
    } else if (strcmp(key, "domain") == 0) {
        free(out->domain);
        out->domain = val[0] ? dup_case(val, false) : NULL;
    } else if (strcmp(key, "fault") == 0) {
        out->fault = sim_fault_parse(val);
        if (out->fault == SIM_FAULT_NONE)
            return rm_err_set(err, RM_EINVAL, "rule: unknown fault \"%s\"",
                              val);
    } else if (strcmp(key, "probability") == 0) {
        errno = 0;
        double p = strtod(val, &end);
        if (errno || end == val || *end || !(p >= 0.0 && p <= 1.0))
            return rm_err_set(err, RM_EINVAL,
                              "rule: probability must be 0..1, not \"%s\"",
                              val);
        out->probability = p;
    } else if (strcmp(key, "count") == 0 || strcmp(key, "delay_ms") == 0 ||
               strcmp(key, "complete_after") == 0) {
        errno = 0;
        long long n = strtoll(val, &end, 10);
        if (errno || end == val || *end || n < 0 || n > 100000000LL)
            return rm_err_set(err, RM_EINVAL,
                              "rule: %s must be a non-negative integer, "
                              "not \"%s\"",
                              key, val);
        if (key[0] == 'c' && key[1] == 'o' && key[2] == 'u')
            out->remaining = n;
        else if (key[0] == 'd')
            out->delay_ms = n;
        else
            out->complete_after = n;
    } else if (strcmp(key, "id") == 0 || strcmp(key, "remaining") == 0) {
        /* echoed by GET /rules; accepted and ignored so a listing can be
         * posted back */
    } else {
        return rm_err_set(err, RM_EINVAL, "rule: unknown key \"%s\"", key);
    }
    return 0;
}

static int finish(struct sim_rule *out, struct rm_err *err)
{
    if (out->fault == SIM_FAULT_NONE) {
        rule_release(out);
        return rm_err_set(err, RM_EINVAL, "rule: \"fault\" is required");
    }
    if (out->remaining == 0) {
        rule_release(out);
        return rm_err_set(err, RM_EINVAL, "rule: count must be at least 1");
    }
    return 0;
}

int sim_rule_from_json(const json_t *j, struct sim_rule *out,
                       struct rm_err *err)
{
    rule_defaults(out);
    if (!json_is_object(j))
        return rm_err_set(err, RM_EINVAL, "rule: expected a JSON object");
    const char *key;
    json_t *val;
    json_object_foreach((json_t *)j, key, val)
    {
        char tmp[64];
        const char *text;
        if (json_is_string(val))
            text = json_string_value(val);
        else if (json_is_integer(val)) {
            snprintf(tmp, sizeof(tmp), "%lld",
                     (long long)json_integer_value(val));
            text = tmp;
        } else if (json_is_real(val)) {
            snprintf(tmp, sizeof(tmp), "%.17g", json_real_value(val));
            text = tmp;
        } else if (json_is_null(val)) {
            continue;
        } else {
            rule_release(out);
            return rm_err_set(err, RM_EINVAL,
                              "rule: %s must be a string or number", key);
        }
        int rc = set_field(out, key, text, err);
        if (rc < 0) {
            rule_release(out);
            return rc;
        }
    }
    return finish(out, err);
}

int sim_rule_from_line(const char *line, struct sim_rule *out,
                       struct rm_err *err)
{
    rule_defaults(out);
    char *copy = xstrdup(line);
    char *hash = strchr(copy, '#');
    if (hash)
        *hash = '\0';
    bool any = false;
    char *save = NULL;
    for (char *w = strtok_r(copy, " \t\r\n", &save); w;
         w = strtok_r(NULL, " \t\r\n", &save)) {
        char *eq = strchr(w, '=');
        if (!eq) {
            rule_release(out);
            free(copy);
            return rm_err_set(err, RM_EINVAL, "rule: \"%s\" is not key=value",
                              w);
        }
        *eq = '\0';
        int rc = set_field(out, w, eq + 1, err);
        if (rc < 0) {
            rule_release(out);
            free(copy);
            return rc;
        }
        any = true;
    }
    free(copy);
    if (!any)
        return 0;
    int rc = finish(out, err);
    return rc < 0 ? rc : 1;
}

int64_t sim_rules_add(struct sim_rules *r, struct sim_rule *rule)
{
    if (r->n >= SIM_MAX_RULES) {
        /* the oldest rule makes room: a runaway test must not grow us */
        remove_at(r, 0);
    }
    r->v = xrealloc(r->v, (r->n + 1) * sizeof(r->v[0]));
    rule->id = r->next_id++;
    r->v[r->n++] = *rule;
    rule->action = rule->domain = NULL;
    return rule->id;
}

int sim_rules_load(struct sim_rules *r, const char *path, struct rm_err *err)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return rm_err_set(err, RM_EIO, "rules: cannot open %s: %s", path,
                          strerror(errno));
    char line[2048];
    int lineno = 0;
    while (fgets(line, sizeof(line), f)) {
        lineno++;
        struct sim_rule rule;
        int rc = sim_rule_from_line(line, &rule, err);
        if (rc < 0) {
            rm_err_prefix(err, "%s:%d: ", path, lineno);
            fclose(f);
            return rc;
        }
        if (rc == 1)
            sim_rules_add(r, &rule);
    }
    fclose(f);
    return 0;
}

json_t *sim_rules_to_json(const struct sim_rules *r)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < r->n; i++) {
        const struct sim_rule *rule = &r->v[i];
        json_t *o = json_object();
        json_object_set_new(o, "id", json_integer(rule->id));
        if (rule->action)
            json_object_set_new(o, "action", json_string(rule->action));
        if (rule->domain)
            json_object_set_new(o, "domain", json_string(rule->domain));
        json_object_set_new(o, "fault",
                            json_string(sim_fault_name(rule->fault)));
        json_object_set_new(
            o, "remaining",
            rule->remaining < 0 ? json_null() : json_integer(rule->remaining));
        json_object_set_new(o, "probability", json_real(rule->probability));
        if (rule->delay_ms)
            json_object_set_new(o, "delay_ms", json_integer(rule->delay_ms));
        if (rule->complete_after >= 0)
            json_object_set_new(o, "complete_after",
                                json_integer(rule->complete_after));
        json_array_append_new(arr, o);
    }
    json_t *top = json_object();
    json_object_set_new(top, "rules", arr);
    return top;
}

bool sim_rules_match(struct sim_rules *r, const char *action,
                     const char *domain, double (*draw)(void *), void *draw_arg,
                     struct sim_fault_hit *hit)
{
    for (size_t i = 0; i < r->n; i++) {
        struct sim_rule *rule = &r->v[i];
        if (rule->action && strcasecmp(rule->action, action) != 0)
            continue;
        if (rule->domain &&
            (!domain || fnmatch(rule->domain, domain, FNM_CASEFOLD) != 0))
            continue;
        if (rule->probability < 1.0 &&
            !(draw && draw(draw_arg) < rule->probability))
            continue;
        hit->fault = rule->fault;
        hit->rule_id = rule->id;
        hit->delay_ms = rule->delay_ms;
        hit->complete_after = rule->complete_after;
        if (rule->remaining > 0 && --rule->remaining == 0)
            remove_at(r, i);
        return true;
    }
    return false;
}
