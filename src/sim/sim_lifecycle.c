/*
 * sim_lifecycle - the registry lifecycle of a domain after expiry (see
 * sim_state.h, "registry lifecycle"): per-TLD windows, the phase of a
 * domain at a time, and the work the clock does at the end of it.
 */
#include "sim/sim_state.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DAY 86400
#define MAX_DAYS 3650
#define DEFAULT_RESTORE_FEE 8000 /* cents; docs/opensrs-actions.md */

/* The defaults (days after expiry), docs/opensrs-actions.md "Expiry". A
 * TLD not listed takes the first row's gTLD values. */
struct default_life {
    const char *tld;
    int64_t grace, redemption, pending;
};

static const struct default_life default_life[] = {
    {"com", 40, 30, 5},  {"net", 40, 30, 5}, {"org", 40, 30, 5},
    {"info", 40, 30, 5}, {"biz", 40, 30, 5}, {"name", 40, 30, 5},
    {"ca", 30, 0, 0},    {"uk", 90, 0, 0},   {"co.uk", 90, 0, 0},
};

void sim_lifecycle_get(const struct sim *sim, const char *tld,
                       struct sim_lifecycle *out)
{
    out->grace_days = default_life[0].grace;
    out->redemption_days = default_life[0].redemption;
    out->pending_delete_days = default_life[0].pending;
    out->restore_fee = DEFAULT_RESTORE_FEE;
    for (size_t i = 0; tld && i < sizeof(default_life) / sizeof(*default_life);
         i++) {
        if (strcmp(default_life[i].tld, tld) == 0) {
            out->grace_days = default_life[i].grace;
            out->redemption_days = default_life[i].redemption;
            out->pending_delete_days = default_life[i].pending;
        }
    }
    json_t *o = json_object_get(json_object_get(sim->state, "lifecycle"),
                                tld ? tld : "");
    out->grace_days = sim_jint(o, "grace_days", out->grace_days);
    out->redemption_days = sim_jint(o, "redemption_days", out->redemption_days);
    out->pending_delete_days =
        sim_jint(o, "pending_delete_days", out->pending_delete_days);
    out->restore_fee = sim_jint(o, "restore_fee", out->restore_fee);
}

json_t *sim_lifecycle_json(const struct sim *sim, const char *tld)
{
    struct sim_lifecycle l;
    sim_lifecycle_get(sim, tld, &l);
    char fee[32];
    sim_fmt_money(l.restore_fee, fee);
    json_t *j = json_object();
    sim_jset_int(j, "grace_days", l.grace_days);
    sim_jset_int(j, "redemption_days", l.redemption_days);
    sim_jset_int(j, "pending_delete_days", l.pending_delete_days);
    sim_jset_str(j, "restore_fee", fee);
    return j;
}

static bool tld_priced(const json_t *state, const char *tld)
{
    return json_object_get(json_object_get(state, "prices"), tld) != NULL;
}

/* days - a window from a JSON integer or decimal string, 0..MAX_DAYS. */
static bool days_value(const json_t *v, int64_t *out)
{
    long long n;
    if (json_is_integer(v)) {
        n = json_integer_value(v);
    } else if (json_is_string(v)) {
        const char *s = json_string_value(v);
        char *end;
        if (!isdigit((unsigned char)*s))
            return false;
        n = strtoll(s, &end, 10);
        if (*end)
            return false;
    } else {
        return false;
    }
    if (n < 0 || n > MAX_DAYS)
        return false;
    *out = n;
    return true;
}

int sim_lifecycle_set(json_t *state, const json_t *body, char *msg, size_t n)
{
    const char *raw = sim_jstr(body, "tld", NULL);
    char tld[64];
    if (!raw || !*raw || strlen(raw) >= sizeof(tld)) {
        snprintf(msg, n, "\"tld\" must name a TLD, e.g. \"com\"");
        return -1;
    }
    const char *t = raw[0] == '.' ? raw + 1 : raw;
    size_t i = 0;
    for (; t[i]; i++)
        tld[i] = (char)tolower((unsigned char)t[i]);
    tld[i] = '\0';
    if (!tld_priced(state, tld)) {
        snprintf(msg, n, "no price list for the TLD %s", tld);
        return -1;
    }
    static const char *const keys[] = {"grace_days", "redemption_days",
                                       "pending_delete_days"};
    int64_t v[3];
    bool have[3] = {false, false, false};
    for (size_t k = 0; k < 3; k++) {
        json_t *j = json_object_get(body, keys[k]);
        if (!j)
            continue;
        if (!days_value(j, &v[k])) {
            snprintf(msg, n, "\"%s\" must be a whole number of days, 0 to %d",
                     keys[k], MAX_DAYS);
            return -1;
        }
        have[k] = true;
    }
    int64_t fee = -1;
    json_t *jf = json_object_get(body, "restore_fee");
    if (jf && (!json_is_string(jf) ||
               sim_parse_money(json_string_value(jf), &fee) < 0 || fee < 0)) {
        snprintf(msg, n, "\"restore_fee\" must be an amount such as \"80.00\"");
        return -1;
    }
    const char *key;
    json_t *val;
    json_object_foreach((json_t *)body, key, val)
    {
        if (strcmp(key, "tld") && strcmp(key, "grace_days") &&
            strcmp(key, "redemption_days") &&
            strcmp(key, "pending_delete_days") && strcmp(key, "restore_fee")) {
            snprintf(msg, n, "unknown member \"%.64s\"", key);
            return -1;
        }
    }
    json_t *all = json_object_get(state, "lifecycle");
    if (!json_is_object(all)) {
        all = json_object();
        json_object_set_new(state, "lifecycle", all);
    }
    json_t *o = json_object_get(all, tld);
    if (!json_is_object(o)) {
        o = json_object();
        json_object_set_new(all, tld, o);
    }
    for (size_t k = 0; k < 3; k++)
        if (have[k])
            sim_jset_int(o, keys[k], v[k]);
    if (fee >= 0)
        sim_jset_int(o, "restore_fee", fee);
    snprintf(msg, n, "%s", tld);
    return 0;
}

int sim_lifecycle_post(struct sim *sim, const json_t *body, char *msg, size_t n)
{
    if (sim_lifecycle_set(sim->state, body, msg, n) < 0)
        return -1;
    sim->dirty = true;
    /* shorter windows may make a deletion due now */
    sim->next_due = INT64_MIN;
    return 0;
}

int sim_config_add_lifecycle(struct sim_config *cfg, const char *spec,
                             struct rm_err *err)
{
    const char *eq = strchr(spec, '=');
    if (!eq || eq == spec || eq - spec >= 64)
        return rm_err_set(err, RM_EINVAL,
                          "--lifecycle: expected TLD=GRACE/REDEMPTION/PENDING"
                          "[/RESTORE_FEE], e.g. com=40/30/5");
    const char *p = eq + 1;
    int64_t d[3];
    for (int k = 0; k < 3; k++) {
        if (!isdigit((unsigned char)*p))
            return rm_err_set(err, RM_EINVAL,
                              "--lifecycle %s: days must be whole numbers",
                              spec);
        char *end;
        long long v = strtoll(p, &end, 10);
        if (v > MAX_DAYS)
            return rm_err_set(err, RM_EINVAL, "--lifecycle %s: at most %d days",
                              spec, MAX_DAYS);
        d[k] = v;
        p = end;
        if (k < 2) {
            if (*p != '/')
                return rm_err_set(err, RM_EINVAL,
                                  "--lifecycle %s: expected "
                                  "GRACE/REDEMPTION/PENDING",
                                  spec);
            p++;
        }
    }
    json_t *o = json_object();
    json_object_set_new(o, "tld", json_stringn(spec, (size_t)(eq - spec)));
    sim_jset_int(o, "grace_days", d[0]);
    sim_jset_int(o, "redemption_days", d[1]);
    sim_jset_int(o, "pending_delete_days", d[2]);
    if (*p == '/') {
        sim_jset_str(o, "restore_fee", p + 1);
    } else if (*p) {
        json_decref(o);
        return rm_err_set(err, RM_EINVAL, "--lifecycle %s: trailing text",
                          spec);
    }
    if (!cfg->lifecycle)
        cfg->lifecycle = json_array();
    json_array_append_new(cfg->lifecycle, o);
    return 0;
}

int sim_lifecycle_apply_config(json_t *state, const json_t *specs,
                               struct rm_err *err)
{
    size_t i;
    json_t *o;
    json_array_foreach(specs, i, o)
    {
        char msg[200];
        if (sim_lifecycle_set(state, o, msg, sizeof(msg)) < 0)
            return rm_err_set(err, RM_EINVAL, "--lifecycle: %s", msg);
    }
    return 0;
}

const char *sim_phase_name(enum sim_phase p)
{
    switch (p) {
    case SIM_PHASE_ACTIVE:
        return "active";
    case SIM_PHASE_EXPIRED:
        return "expired";
    case SIM_PHASE_REDEMPTION:
        return "redemption";
    case SIM_PHASE_PENDING_DELETE:
        return "pending_delete";
    case SIM_PHASE_DELETED:
        return "deleted";
    }
    return "active";
}

bool sim_lifecycle_applies(const struct sim *sim, const json_t *d)
{
    /* another registrar's names are that registrar's to renew */
    if (!d || strcmp(sim_jstr(d, "owner", "other"), "other") == 0)
        return false;
    json_t *w = json_object_get(d, "waiting_order");
    if (!w)
        return true;
    /* a registration waiting at the registry has no expiry yet; a renewal
     * waiting there is not deleted under it */
    (void)sim;
    return false;
}

enum sim_phase sim_domain_phase(const struct sim *sim, const char *name,
                                const json_t *d, int64_t now,
                                struct sim_dates *dates)
{
    struct sim_lifecycle l;
    sim_lifecycle_get(sim, sim_tld(sim, name), &l);
    struct sim_dates x;
    x.expiry = sim_jint(d, "expiry", 0);
    /* a domain put in with an expiry already past lapses from then */
    int64_t from = sim_jint(d, "lapse_from", 0);
    x.grace_end = (from > x.expiry ? from : x.expiry) + l.grace_days * DAY;
    x.redemption_end = x.grace_end + l.redemption_days * DAY;
    x.delete_at = x.redemption_end + l.pending_delete_days * DAY + 1;
    if (dates)
        *dates = x;
    if (now <= x.expiry)
        return SIM_PHASE_ACTIVE;
    if (now <= x.grace_end)
        return SIM_PHASE_EXPIRED;
    /* a restore accepted in redemption holds the name there until done */
    if (now <= x.redemption_end || json_object_get(d, "restore_due"))
        return SIM_PHASE_REDEMPTION;
    if (now < x.delete_at)
        return SIM_PHASE_PENDING_DELETE;
    return SIM_PHASE_DELETED;
}

int64_t sim_lifecycle_due(const struct sim *sim, const char *name,
                          const json_t *d)
{
    json_t *restore = json_object_get(d, "restore_due");
    if (restore)
        return (int64_t)json_integer_value(restore);
    if (!sim_lifecycle_applies(sim, d))
        return INT64_MAX;
    struct sim_dates x;
    sim_domain_phase(sim, name, d, 0, &x);
    return x.delete_at;
}

void sim_domain_restore(struct sim *sim, const char *name, json_t *d,
                        int64_t when)
{
    json_object_del(d, "restore_due");
    sim_jset_int(d, "expiry", sim_add_years(sim_jint(d, "expiry", when), 1));
    sim_jset_int(d, "updated", when);
    sim->dirty = true;
    /* the renewal that goes with a restore moves the expiry: RENEWED */
    sim_domain_event(sim, "RENEWED", name, d, true, 1);
    sim_schedule(sim, sim_lifecycle_due(sim, name, d));
}

void sim_lifecycle_run(struct sim *sim, const char *name, json_t *d,
                       int64_t when)
{
    if (json_object_get(d, "restore_due")) {
        sim_domain_restore(sim, name, d, when);
        return;
    }
    /* the name may live in the member sim_del removes */
    char key[256];
    snprintf(key, sizeof(key), "%s", name);
    sim_domain_event(sim, "DELETED", key, d, false, 0);
    sim_del(sim, "domains", key);
}

void sim_state_annotate(const struct sim *sim, json_t *copy, int64_t now)
{
    const char *key;
    json_t *d;
    json_object_foreach(json_object_get(copy, "domains"), key, d)
    {
        if (!sim_lifecycle_applies(sim, d))
            continue;
        struct sim_dates x;
        enum sim_phase p = sim_domain_phase(sim, key, d, now, &x);
        sim_jset_str(d, "phase", sim_phase_name(p));
        sim_jset_int(d, "grace_end", x.grace_end);
        sim_jset_int(d, "redemption_end", x.redemption_end);
        sim_jset_int(d, "delete_at", x.delete_at);
    }
}

const char *sim_renew_refusal(const struct sim *sim, const char *name,
                              const json_t *d, int64_t now)
{
    if (!sim_lifecycle_applies(sim, d))
        return NULL;
    switch (sim_domain_phase(sim, name, d, now, NULL)) {
    case SIM_PHASE_REDEMPTION:
        return "Domain is in its redemption period: it cannot be renewed, "
               "only restored (REDEEM)";
    case SIM_PHASE_PENDING_DELETE:
    case SIM_PHASE_DELETED:
        return "Domain is pending deletion: it can no longer be renewed or "
               "restored";
    default:
        return NULL;
    }
}
