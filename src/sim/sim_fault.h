/*
 * sim_fault - fault rules: which request misbehaves, how, how often.
 *
 * A rule matches a request by action (case-insensitive, optional) and by
 * a glob on attributes.domain (optional, fnmatch, case-insensitive). The
 * first matching rule, in the order rules were added, fires; a rule with
 * a count expires after firing that many times. A rule with probability p
 * fires on a match with probability p (the draw uses the seeded generator,
 * so runs are repeatable); when it does not fire, later rules are tried.
 *
 * Rules come as JSON objects (control API) or as one line of key=value
 * words (--rules file; '#' starts a comment). Both use the same keys:
 * action, domain, fault, count, probability, delay_ms, complete_after.
 *
 * The struct sim_rules is not locked itself: callers hold struct sim.mu.
 */
#ifndef RM_SIM_SIM_FAULT_H
#define RM_SIM_SIM_FAULT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

#define SIM_MAX_RULES 1024

enum sim_fault_kind {
    SIM_FAULT_NONE = 0,
    SIM_FAULT_ASYNC,
    SIM_FAULT_QUEUE,
    SIM_FAULT_FORCED_PENDING,
    SIM_FAULT_DECLINE_LATER,
    SIM_FAULT_DELAY,
    SIM_FAULT_HANG,
    SIM_FAULT_CLOSE_BEFORE,
    SIM_FAULT_CLOSE_AFTER,
    SIM_FAULT_HTTP_500,
    SIM_FAULT_MALFORMED,
    SIM_FAULT_TRUNCATED,
    SIM_FAULT_CODE_705,
    SIM_FAULT_CODE_486,
    SIM_FAULT_CODE_300,
    SIM_FAULT_CODE_310,
    SIM_FAULT_CODE_400,
    SIM_FAULT_AUTH_FAILURE,
    SIM_FAULT_DUPLICATE,
    SIM_FAULT_REORDER
};

struct sim_rule {
    int64_t id;
    char *action; /* upper case, or NULL = any */
    char *domain; /* lower-case glob, or NULL = any */
    enum sim_fault_kind fault;
    int64_t remaining; /* -1 = unlimited */
    double probability;
    int64_t delay_ms;
    int64_t complete_after; /* simulated seconds, -1 = --async-delay */
};

struct sim_rules {
    struct sim_rule *v;
    size_t n;
    int64_t next_id;
};

/* What a matched rule asks of the exchange (a copy: the rule may expire). */
struct sim_fault_hit {
    enum sim_fault_kind fault;
    int64_t rule_id;
    int64_t delay_ms;
    int64_t complete_after;
};

void sim_rules_init(struct sim_rules *r);
void sim_rules_release(struct sim_rules *r);
/* sim_rules_clear - drop all rules (ids keep counting). */
void sim_rules_clear(struct sim_rules *r);
/* sim_rules_remove - drop rule id; RM_ENOTFOUND if there is none. */
int sim_rules_remove(struct sim_rules *r, int64_t id);

/* sim_rule_from_json - validate a rule object; *out owns its strings. */
int sim_rule_from_json(const json_t *j, struct sim_rule *out,
                       struct rm_err *err);
/* sim_rule_from_line - parse "fault=hang action=lookup count=1". Returns
 * 1 when the line holds a rule, 0 for blank/comment lines. */
int sim_rule_from_line(const char *line, struct sim_rule *out,
                       struct rm_err *err);
/* sim_rules_add - append (takes the strings of *rule), assigning its id. */
int64_t sim_rules_add(struct sim_rules *r, struct sim_rule *rule);
/* sim_rules_load - read a --rules file. */
int sim_rules_load(struct sim_rules *r, const char *path, struct rm_err *err);
/* sim_rules_to_json - {"rules": [...]}. */
json_t *sim_rules_to_json(const struct sim_rules *r);

/*
 * sim_rules_match - find the rule that fires for (action, domain), spend
 * one of its count and report it in *hit. draw() returns a value in
 * [0, 1) for probability rules. Returns true when a rule fired.
 */
bool sim_rules_match(struct sim_rules *r, const char *action,
                     const char *domain, double (*draw)(void *), void *draw_arg,
                     struct sim_fault_hit *hit);

const char *sim_fault_name(enum sim_fault_kind k);
/* sim_fault_parse - name → kind; SIM_FAULT_NONE when unknown. */
enum sim_fault_kind sim_fault_parse(const char *name);

#endif
