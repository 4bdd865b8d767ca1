/*
 * sim_act_extras - the registrant data the .ca and .us registries want
 * besides the contacts, as OpenSRS takes it (docs/opensrs-actions.md,
 * "Registrant extras"): on SW_REGISTER a .ca needs `legal_type` (a CIRA
 * legal type, with `isa_trademark` 0/1 and `lang_pref` EN/FR) and a .us
 * needs `tld_data.nexus` {category, app_purpose, validator for C31/C32}.
 * A missing one is refused with 460, a bad one with 465 (the sim's choice:
 * the real texts are not recorded). The accepted values are kept on the
 * order's request, copied to the domain when it is ours (sim_state.c),
 * shown by GET DOMAIN (all_info, nexus_info, tld_data) and changed by
 * MODIFY data=nexus_info.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "sim/sim_actions_int.h"

static const char *const legal_types[] = {
    "CCT", "CCO", "RES", "GOV", "EDU", "ASS", "HOP", "PRT", "TDM",
    "TRD", "PLT", "LAM", "TRS", "ABO", "INB", "LGR", "OMK", "MAJ"};
static const char *const categories[] = {"C11", "C12", "C21", "C31", "C32"};
static const char *const purposes[] = {"P1", "P2", "P3", "P4", "P5"};

static bool one_of(const char *v, const char *const *set, size_t n)
{
    for (size_t i = 0; v && i < n; i++)
        if (strcmp(v, set[i]) == 0)
            return true;
    return false;
}

#define ONE_OF(v, set) one_of(v, set, sizeof(set) / sizeof(set[0]))

/* ends_with - is tld (".ca") the last label of name? */
static bool ends_with(const char *name, const char *tld)
{
    size_t n = strlen(name), t = strlen(tld);
    return n > t && strcasecmp(name + n - t, tld) == 0;
}

/* check_nexus - 0, or 460/465 with msg; nexus may be NULL. */
static int check_nexus(const struct xcp_value *nx, char *msg, size_t n)
{
    if (!nx || xcp_type(nx) != XCP_ASSOC) {
        snprintf(msg, n,
                 ".US domains require tld_data nexus (category, "
                 "app_purpose)");
        return 460;
    }
    const char *cat = xcp_path_str(nx, "category");
    const char *pur = xcp_path_str(nx, "app_purpose");
    const char *val = xcp_path_str(nx, "validator");
    if (!cat || !*cat || !pur || !*pur) {
        snprintf(msg, n, "nexus: %s is required",
                 !cat || !*cat ? "category" : "app_purpose");
        return 460;
    }
    if (!ONE_OF(cat, categories)) {
        snprintf(msg, n, "nexus: Invalid category \"%.8s\"", cat);
        return 465;
    }
    if (!ONE_OF(pur, purposes)) {
        snprintf(msg, n, "nexus: Invalid app_purpose \"%.8s\"", pur);
        return 465;
    }
    bool foreign = strcmp(cat, "C31") == 0 || strcmp(cat, "C32") == 0;
    if (foreign && (!val || !*val)) {
        snprintf(msg, n, "nexus: validator is required for category %s", cat);
        return 460;
    }
    if (val && *val &&
        (strlen(val) != 2 || !isupper((unsigned char)val[0]) ||
         !isupper((unsigned char)val[1]))) {
        snprintf(msg, n,
                 "nexus: Invalid validator \"%.8s\" (ISO 3166 two-letter "
                 "code required)",
                 val);
        return 465;
    }
    return 0;
}

int act_extras_check(struct ctx *c, const char *name, char *msg, size_t n)
{
    if (ends_with(name, ".ca")) {
        const char *lt = act_astr(c, "legal_type");
        if (!lt || !*lt) {
            snprintf(msg, n, ".CA domains require legal_type");
            return 460;
        }
        if (!ONE_OF(lt, legal_types)) {
            snprintf(msg, n, "Invalid legal_type \"%.8s\"", lt);
            return 465;
        }
        const char *tm = act_astr(c, "isa_trademark");
        if (tm && *tm && strcmp(tm, "0") != 0 && strcmp(tm, "1") != 0) {
            snprintf(msg, n, "isa_trademark must be 0 or 1");
            return 465;
        }
        const char *lp = act_astr(c, "lang_pref");
        if (lp && *lp && strcasecmp(lp, "EN") != 0 &&
            strcasecmp(lp, "FR") != 0) {
            snprintf(msg, n, "lang_pref must be EN or FR");
            return 465;
        }
    } else if (ends_with(name, ".us")) {
        const struct xcp_value *td = act_attr(c, "tld_data");
        const struct xcp_value *nx =
            td && xcp_type(td) == XCP_ASSOC ? xcp_assoc_get(td, "nexus") : NULL;
        return check_nexus(nx, msg, n);
    }
    return 0;
}

/* nexus_json - the accepted nexus as kept on the domain. */
static json_t *nexus_json(const struct xcp_value *nx)
{
    json_t *j = json_object();
    static const char *const keys[] = {"category", "app_purpose", "validator"};
    for (size_t i = 0; i < 3; i++) {
        const char *v = xcp_path_str(nx, keys[i]);
        if (v && *v)
            sim_jset_str(j, keys[i], v);
    }
    return j;
}

void act_extras_keep(struct ctx *c, const char *name, json_t *req)
{
    if (ends_with(name, ".ca")) {
        const char *tm = act_astr(c, "isa_trademark");
        const char *lp = act_astr(c, "lang_pref");
        sim_jset_str(req, "legal_type", act_astr(c, "legal_type"));
        sim_jset_int(req, "isa_trademark", tm && strcmp(tm, "1") == 0);
        sim_jset_str(req, "lang_pref", lp && *lp ? lp : "EN");
    } else if (ends_with(name, ".us")) {
        const struct xcp_value *td = act_attr(c, "tld_data");
        json_object_set_new(req, "nexus",
                            nexus_json(xcp_assoc_get(td, "nexus")));
    }
}

/* nexus_value - the domain's nexus as XCP (empty when it has none). */
static struct xcp_value *nexus_value(const json_t *d)
{
    return sim_json_to_xcp(json_object_get(d, "nexus"));
}

bool act_extras_get(const json_t *d, const char *type, struct xcp_value *a)
{
    bool has_nexus = json_is_object(json_object_get(d, "nexus"));
    bool has_ca = sim_jstr(d, "legal_type", "")[0] != '\0';
    if (strcasecmp(type, "all_info") == 0) {
        if (has_ca) {
            xcp_assoc_set_str(a, "legal_type", sim_jstr(d, "legal_type", ""));
            xcp_assoc_set_int(a, "isa_trademark",
                              sim_jint(d, "isa_trademark", 0));
            xcp_assoc_set_str(a, "lang_pref", sim_jstr(d, "lang_pref", ""));
        }
        if (has_nexus) {
            struct xcp_value *td =
                xcp_assoc_set(a, "tld_data", xcp_assoc_new());
            xcp_assoc_set(td, "nexus", nexus_value(d));
        }
        return true;
    }
    if (strcasecmp(type, "nexus_info") == 0) {
        xcp_assoc_set(a, "nexus", has_nexus ? nexus_value(d) : xcp_assoc_new());
        return true;
    }
    if (strcasecmp(type, "tld_data") == 0) {
        struct xcp_value *td = xcp_assoc_set(a, "tld_data", xcp_assoc_new());
        if (has_nexus)
            xcp_assoc_set(td, "nexus", nexus_value(d));
        return true;
    }
    return false;
}

int act_extras_modify_nexus(struct ctx *c, const char *name, json_t *d,
                            char *msg, size_t n)
{
    if (!ends_with(name, ".us")) {
        snprintf(msg, n, "nexus_info applies to .US domains only");
        return 465;
    }
    const struct xcp_value *nx = act_attr(c, "nexus");
    int rc = check_nexus(nx, msg, n);
    if (rc)
        return rc;
    json_object_set_new(d, "nexus", nexus_json(nx));
    return 0;
}
