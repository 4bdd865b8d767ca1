/*
 * srs_map - the OpenSRS driver's response mappers: an answered operation
 * or query into registrar-neutral results (see srs.h for the contract and
 * the operation mapping table).
 */
#include "opensrs/srs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "opensrs/srs_int.h"
#include "util/xalloc.h"

/* --- small helpers ---------------------------------------------------- */

/*
 * field - the scalar text of key in assoc v: 0 with *out = text, or NULL
 * when absent (or v is no assoc); RM_EPROTO when present but not a
 * scalar, so a wrong type is a clear error rather than a silent miss.
 */
static int field(const struct xcp_value *v, const char *key, const char **out,
                 struct rm_err *err)
{
    *out = NULL;
    const struct xcp_value *x = xcp_assoc_get(v, key);
    if (!x)
        return 0;
    if (xcp_type(x) != XCP_SCALAR)
        return rm_err_set(err, RM_EPROTO,
                          "opensrs: attribute \"%s\" is not a scalar", key);
    *out = xcp_str(x);
    return 0;
}

/* field_flag - "1", "Y", "y" → true; "0", "N", "", absent → false. */
static int field_flag(const struct xcp_value *v, const char *key, bool *out,
                      struct rm_err *err)
{
    const char *s;
    int rc = field(v, key, &s, err);
    if (rc)
        return rc;
    *out = s && (strcmp(s, "1") == 0 || strcasecmp(s, "y") == 0 ||
                 strcasecmp(s, "yes") == 0);
    return 0;
}

/* field_time - a date field; absent, empty or all-zero dates give 0. */
static int field_time(const struct xcp_value *v, const char *key, time_t *out,
                      struct rm_err *err)
{
    const char *s;
    *out = 0;
    int rc = field(v, key, &s, err);
    if (rc || !s || !*s || strncmp(s, "0000", 4) == 0)
        return rc;
    rc = reg_parse_time(s, out, err);
    if (rc)
        rm_err_prefix(err, "opensrs: attribute \"%s\": ", key);
    return rc;
}

/* child - a nested assoc/array of the wanted kind, NULL when absent,
 * RM_EPROTO when present with another kind. */
static int child(const struct xcp_value *v, const char *key, enum xcp_type want,
                 const struct xcp_value **out, struct rm_err *err)
{
    *out = xcp_assoc_get(v, key);
    if (*out && xcp_type(*out) != want) {
        *out = NULL;
        return rm_err_set(err, RM_EPROTO, "opensrs: \"%s\" is not a %s", key,
                          want == XCP_ARRAY ? "list" : "structure");
    }
    return 0;
}

void srs_fill_reply(const struct xcp_response *r, struct reg_reply *out)
{
    out->delivery = REG_ANSWERED;
    out->is_success = r->is_success;
    out->code = r->code;
    copy(out->text, sizeof(out->text), r->text);
}

/* refused - the common error for an answered query that said no. */
static int refused(const struct xcp_response *r, const char *what,
                   struct rm_err *err)
{
    /* 480 "item not found"; BELONGS_TO_RSP and GET say "Unknown domain". */
    bool nf = r->code == 480 || (r->text && strcasestr(r->text, "not found"));
    return rm_err_set(err, nf ? RM_ENOTFOUND : RM_EPROTO,
                      "opensrs: %s refused: %d %.200s", what, r->code,
                      r->text ? r->text : "");
}

/* --- operations ------------------------------------------------------- */

/* definite - response codes that are an explicit, final refusal. */
static bool definite(int code)
{
    static const int codes[] = {401, 410, 415, 420, 430, 435, 440, 445,
                                447, 460, 465, 480, 485, 487, 541, 555};
    for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++)
        if (codes[i] == code)
            return true;
    return false;
}

/* retry_code - codes that say "busy / timed out / try again": the
 * request may or may not have taken effect. */
static bool retry_code(int code)
{
    static const int codes[] = {300, 310, 350, 400, 404, 436,
                                437, 486, 552, 557, 705};
    for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++)
        if (codes[i] == code)
            return true;
    return false;
}

static void set_pending(struct reg_op_result *out, enum reg_pending_why why,
                        const char *reason)
{
    out->state = REG_OP_PENDING;
    out->why = why;
    copy(out->reason, sizeof(out->reason), reason);
}

void srs_map_op(enum reg_op_kind kind, bool save, const struct xcp_response *r,
                struct reg_op_result *out)
{
    memset(out, 0, sizeof(*out));
    srs_fill_reply(r, &out->reply);
    const struct xcp_value *a = r->attrs;
    struct rm_err e;
    rm_err_clear(&e);
    const char *id = NULL, *order_id = NULL, *forced = NULL, *queue = NULL;
    const char *xfer = NULL, *error = NULL;
    time_t expiry = 0;
    /* A field of the wrong type in an answer we cannot fully read: the
     * effect is unknown, so pending - never failed, never done. */
    if (field(a, "id", &id, &e) || field(a, "order_id", &order_id, &e) ||
        field(a, "forced_pending", &forced, &e) ||
        field(a, "queue_request_id", &queue, &e) ||
        field(a, "transfer_id", &xfer, &e) || field(a, "error", &error, &e) ||
        field_time(a, "registration expiration date", &expiry, &e)) {
        set_pending(out, REG_PENDING_UNKNOWN, e.msg);
        return;
    }
    copy(out->order_id, sizeof(out->order_id),
         order_id && *order_id ? order_id : id);
    copy(out->transfer_id, sizeof(out->transfer_id), xfer);
    out->expiry = expiry;

    /* A forced-pending order only waits for someone to process it. For
     * "domain taken" / "not transferable" there is nothing to fix, so the
     * refusal stands (the saved order id is still reported, to cancel). */
    bool hopeless = !r->is_success && (r->code == 485 || r->code == 487);
    if (forced && *forced && !hopeless) {
        copy(out->order_id, sizeof(out->order_id), forced);
        char why[REG_TEXT_MAX];
        snprintf(why, sizeof(why), "order saved as pending (%d %.200s)",
                 r->code, r->text);
        set_pending(out, REG_PENDING_FORCED, why);
        return;
    }
    if (queue && *queue) {
        copy(out->queue_id, sizeof(out->queue_id), queue);
        const char *ar = NULL;
        field(a, "async_reason", &ar, &e);
        set_pending(out, REG_PENDING_QUEUED,
                    ar && *ar ? ar : "request queued at the registrar");
        return;
    }
    if (r->code == 250) {
        set_pending(out, REG_PENDING_ASYNC, r->text);
        return;
    }
    if (r->is_success && r->code == 200) {
        if (save) {
            set_pending(out, REG_PENDING_SAVED, "saved order");
        } else if (kind == REG_KIND_TRANSFER) {
            /* Transfers take days: done means "requested" (design §4
             * rule 6); CHECK_TRANSFER tells when it completes. */
            set_pending(out, REG_PENDING_TRANSFER, r->text);
        } else {
            out->state = REG_OP_DONE;
            out->why = REG_PENDING_NONE;
            copy(out->reason, sizeof(out->reason), r->text);
        }
        return;
    }
    /* REDEEM refuses with 400 ("cannot redeem"; opensrs-actions.md) */
    if (!r->is_success &&
        (definite(r->code) || (kind == REG_KIND_RESTORE && r->code == 400))) {
        if (forced && *forced)
            copy(out->order_id, sizeof(out->order_id), forced);
        out->state = REG_OP_FAILED;
        out->why = REG_PENDING_NONE;
        if (error && *error)
            snprintf(out->reason, sizeof(out->reason), "%d %.200s: %.250s",
                     r->code, r->text, error);
        else
            snprintf(out->reason, sizeof(out->reason), "%d %.400s", r->code,
                     r->text);
        return;
    }
    char why[REG_TEXT_MAX];
    snprintf(why, sizeof(why), "outcome unknown (%d %.400s)", r->code, r->text);
    set_pending(out,
                retry_code(r->code) ? REG_PENDING_RETRY : REG_PENDING_UNKNOWN,
                why);
}

void srs_map_op_reply(enum reg_op_kind kind, bool save,
                      const struct srs_reply *rep, const char *err_text,
                      struct reg_op_result *out)
{
    if (rep->outcome == SRS_ANSWERED) {
        srs_map_op(kind, save, &rep->resp, out);
        return;
    }
    memset(out, 0, sizeof(*out));
    copy(out->reply.text, sizeof(out->reply.text), err_text);
    copy(out->reason, sizeof(out->reason), err_text);
    if (rep->outcome == SRS_NOT_SENT) {
        out->reply.delivery = REG_NOT_SENT;
        out->state = REG_OP_NOT_SENT;
        out->why = REG_PENDING_NONE;
    } else {
        out->reply.delivery = REG_UNKNOWN;
        out->state = REG_OP_PENDING;
        out->why = REG_PENDING_TRANSPORT;
    }
}

/* --- query mappers ---------------------------------------------------- */

int srs_map_lookup(const struct xcp_response *r, struct reg_lookup *out,
                   struct rm_err *err)
{
    memset(out, 0, sizeof(*out));
    srs_fill_reply(r, &out->reply);
    const char *status, *reason;
    int rc;
    if ((rc = field(r->attrs, "status", &status, err)) ||
        (rc = field(r->attrs, "reason", &reason, err)) ||
        (rc = field_flag(r->attrs, "has_claim", &out->has_claim, err)))
        return rc;
    out->premium = reason && strcasestr(reason, "premium");
    switch (r->code) {
    case 210:
        out->availability = REG_AVAILABLE;
        return 0;
    case 211:
        out->availability = REG_TAKEN;
        return 0;
    case 221:
        out->availability = REG_PENDING_ELSEWHERE;
        return 0;
    case 465:
        out->availability = REG_INVALID;
        return 0;
    default:
        break;
    }
    if (!r->is_success)
        return refused(r, "LOOKUP", err);
    /* An unfamiliar success code: trust the status word if there is one. */
    if (status && strcasecmp(status, "available") == 0) {
        out->availability = REG_AVAILABLE;
        return 0;
    }
    if (status && strcasecmp(status, "taken") == 0) {
        out->availability = REG_TAKEN;
        return 0;
    }
    return rm_err_set(err, RM_EPROTO,
                      "opensrs: LOOKUP: unexpected answer %d %.200s", r->code,
                      r->text);
}

/* suggest_section - append the items of attributes.<name>.items. */
static int suggest_section(const struct xcp_value *a, const char *name,
                           struct reg_suggest *out, size_t *cap,
                           struct rm_err *err)
{
    const struct xcp_value *sec, *items;
    bool premium = strcmp(name, "premium") == 0;
    int rc;
    if ((rc = child(a, name, XCP_ASSOC, &sec, err)) || !sec)
        return rc;
    if ((rc = child(sec, "items", XCP_ARRAY, &items, err)) || !items)
        return rc;
    for (size_t i = 0; i < xcp_len(items); i++) {
        const struct xcp_value *it = xcp_array_get(items, i);
        if (xcp_type(it) != XCP_ASSOC)
            return rm_err_set(err, RM_EPROTO,
                              "opensrs: %s.items[%zu] is not a structure", name,
                              i);
        const char *dom, *st;
        if ((rc = field(it, "domain", &dom, err)) ||
            (rc = field(it, "status", &st, err)))
            return rc;
        if (!dom || !*dom)
            continue;
        if (out->n >= SRS_LIST_MAX)
            return rm_err_set(err, RM_ELIMIT, "opensrs: too many names");
        if (out->n == *cap) {
            *cap = *cap ? *cap * 2 : 16;
            out->items = xrealloc(out->items, *cap * sizeof(*out->items));
        }
        int64_t price = -1;
        if (premium) {
            const char *p;
            if ((rc = field(it, "price", &p, err)))
                return rc;
            if (p && *p && reg_parse_money(p, &price, NULL))
                return rm_err_set(err, RM_EPROTO,
                                  "opensrs: %s.items[%zu]: bad price "
                                  "\"%.32s\"",
                                  name, i, p);
        }
        struct reg_suggestion *s = &out->items[out->n++];
        memset(s, 0, sizeof(*s));
        copy(s->domain, sizeof(s->domain), dom);
        s->available = st && strcasecmp(st, "available") == 0;
        s->premium = premium;
        s->price = price;
        s->from = premium                       ? REG_SUGGEST_PREMIUM
                  : strcmp(name, "lookup") == 0 ? REG_SUGGEST_LOOKUP
                                                : REG_SUGGEST_SUGGESTION;
        copy(s->status, sizeof(s->status), st ? st : "");
    }
    return 0;
}

int srs_map_suggest(const struct xcp_response *r, struct reg_suggest *out,
                    struct rm_err *err)
{
    memset(out, 0, sizeof(*out));
    srs_fill_reply(r, &out->reply);
    if (!r->is_success)
        return refused(r, "NAME_SUGGEST", err);
    size_t cap = 0;
    int rc = suggest_section(r->attrs, "lookup", out, &cap, err);
    if (!rc)
        rc = suggest_section(r->attrs, "suggestion", out, &cap, err);
    if (!rc)
        rc = suggest_section(r->attrs, "premium", out, &cap, err);
    if (rc) {
        struct reg_reply keep = out->reply;
        reg_suggest_release(out);
        out->reply = keep;
    }
    return rc;
}

int srs_map_transfer_check(const struct xcp_response *r,
                           struct reg_transfer_info *out, struct rm_err *err)
{
    memset(out, 0, sizeof(*out));
    srs_fill_reply(r, &out->reply);
    if (!r->is_success)
        return refused(r, "CHECK_TRANSFER", err);
    const struct xcp_value *a = r->attrs;
    const char *status, *reason;
    bool t1 = false, t2 = false;
    int rc;
    /* The registrar spells it "transferrable"; accept the dictionary
     * spelling too. */
    if ((rc = field_flag(a, "transferrable", &t1, err)) ||
        (rc = field_flag(a, "transferable", &t2, err)) ||
        (rc = field(a, "status", &status, err)) ||
        (rc = field(a, "reason", &reason, err)) ||
        (rc = field_time(a, "unixtime", &out->when, err)))
        return rc;
    out->transferable = t1 || t2;
    out->state = reg_transfer_state_parse(status);
    copy(out->status, sizeof(out->status), status);
    copy(out->reason, sizeof(out->reason), reason);
    return 0;
}

/* either_time - epoch field if present, else the text date field. */
static int either_time(const struct xcp_value *v, const char *epoch,
                       const char *text, time_t *out, struct rm_err *err)
{
    int rc = field_time(v, epoch, out, err);
    if (rc || *out)
        return rc;
    return field_time(v, text, out, err);
}

int srs_map_transfers_in(const struct xcp_response *r,
                         struct reg_transfers *out, struct rm_err *err)
{
    memset(out, 0, sizeof(*out));
    srs_fill_reply(r, &out->reply);
    if (!r->is_success)
        return refused(r, "GET_TRANSFERS_IN", err);
    const struct xcp_value *list;
    int rc = child(r->attrs, "transfers", XCP_ARRAY, &list, err);
    if (rc || !list)
        return rc;
    size_t n = xcp_len(list);
    if (n > SRS_LIST_MAX)
        return rm_err_set(err, RM_ELIMIT, "opensrs: too many transfers");
    out->items = xcalloc(n ? n : 1, sizeof(*out->items));
    for (size_t i = 0; i < n; i++) {
        const struct xcp_value *it = xcp_array_get(list, i);
        struct reg_transfer_in *x = &out->items[i];
        const char *dom, *st, *oid, *tid, *lr;
        if (xcp_type(it) != XCP_ASSOC) {
            rc = rm_err_set(err, RM_EPROTO,
                            "opensrs: transfers[%zu] is not a structure", i);
            break;
        }
        if ((rc = field(it, "domain", &dom, err)) ||
            (rc = field(it, "status", &st, err)) ||
            (rc = field(it, "order_id", &oid, err)) ||
            (rc = field(it, "transfer_id", &tid, err)) ||
            (rc = field(it, "losing_registrar", &lr, err)) ||
            (rc = either_time(it, "order_date_epoch", "order_date",
                              &x->order_date, err)) ||
            (rc = either_time(it, "completed_date_epoch", "completed_date",
                              &x->completed_date, err)))
            break;
        copy(x->domain, sizeof(x->domain), dom);
        copy(x->status, sizeof(x->status), st);
        copy(x->order_id, sizeof(x->order_id), oid);
        copy(x->transfer_id, sizeof(x->transfer_id), tid);
        copy(x->losing_registrar, sizeof(x->losing_registrar), lr);
        x->state = reg_transfer_state_parse(st);
        out->n++;
    }
    if (rc) {
        struct reg_reply keep = out->reply;
        reg_transfers_release(out);
        out->reply = keep;
    }
    return rc;
}

int srs_map_order_info(const struct xcp_response *r, struct reg_order_info *out,
                       struct rm_err *err)
{
    memset(out, 0, sizeof(*out));
    srs_fill_reply(r, &out->reply);
    if (!r->is_success)
        return refused(r, "GET_ORDER_INFO", err);
    const struct xcp_value *fh;
    int rc = child(r->attrs, "field_hash", XCP_ASSOC, &fh, err);
    if (rc)
        return rc;
    if (!fh)
        return rm_err_set(err, RM_EPROTO,
                          "opensrs: GET_ORDER_INFO: no field_hash");
    const char *id, *dom, *type, *status;
    int64_t period = 0;
    if ((rc = field(fh, "id", &id, err)) ||
        (rc = field(fh, "domain", &dom, err)) ||
        (rc = field(fh, "reg_type", &type, err)) ||
        (rc = field(fh, "status", &status, err)))
        return rc;
    if (xcp_assoc_get(fh, "period") &&
        (rc = xcp_path_int(fh, "period", &period, err)))
        return rc;
    if (!status)
        return rm_err_set(err, RM_EPROTO,
                          "opensrs: GET_ORDER_INFO: no order status");
    copy(out->order_id, sizeof(out->order_id), id);
    copy(out->domain, sizeof(out->domain), dom);
    copy(out->reg_type, sizeof(out->reg_type), type);
    copy(out->status, sizeof(out->status), status);
    out->state = reg_order_state_parse(status);
    out->period = period > 0 && period <= 100 ? (int)period : 0;
    return 0;
}

/* queue_state - the registrar's word for a queued request. */
static enum reg_queue_state queue_state(const char *s)
{
    static const struct {
        const char *word;
        enum reg_queue_state state;
    } words[] = {
        {"queued", REG_QUEUE_WAITING},     {"pending", REG_QUEUE_WAITING},
        {"waiting", REG_QUEUE_WAITING},    {"running", REG_QUEUE_WAITING},
        {"processing", REG_QUEUE_WAITING}, {"completed", REG_QUEUE_COMPLETED},
        {"complete", REG_QUEUE_COMPLETED}, {"done", REG_QUEUE_COMPLETED},
        {"success", REG_QUEUE_COMPLETED},  {"failed", REG_QUEUE_FAILED},
        {"declined", REG_QUEUE_FAILED},    {"cancelled", REG_QUEUE_FAILED},
        {"canceled", REG_QUEUE_FAILED},    {"error", REG_QUEUE_FAILED},
    };
    for (size_t i = 0; s && i < sizeof(words) / sizeof(words[0]); i++)
        if (strcasecmp(s, words[i].word) == 0)
            return words[i].state;
    return REG_QUEUE_UNKNOWN;
}

int srs_map_queue(const struct xcp_response *r, struct reg_queue_info *out,
                  struct rm_err *err)
{
    memset(out, 0, sizeof(*out));
    srs_fill_reply(r, &out->reply);
    if (!r->is_success)
        return refused(r, "QUERY_QUEUED_REQUEST", err);
    /* The fields may sit at the top of attributes or inside request_data
     * (its layout is not documented; shared/opensrs-xcp.md §5.8). */
    const struct xcp_value *rd;
    int rc = child(r->attrs, "request_data", XCP_ASSOC, &rd, err);
    if (rc)
        return rc;
    const struct xcp_value *src[2] = {r->attrs, rd};
    const char *status = NULL, *oid = NULL, *dom = NULL;
    for (int i = 0; i < 2; i++) {
        const char *s, *o, *o2, *d;
        if ((rc = field(src[i], "status", &s, err)) ||
            (rc = field(src[i], "order_id", &o, err)) ||
            (rc = field(src[i], "id", &o2, err)) ||
            (rc = field(src[i], "domain", &d, err)))
            return rc;
        if (s && !status)
            status = s;
        if (!oid)
            oid = o ? o : o2;
        if (d && !dom)
            dom = d;
    }
    copy(out->status, sizeof(out->status), status);
    copy(out->order_id, sizeof(out->order_id), oid);
    copy(out->domain, sizeof(out->domain), dom);
    out->state = queue_state(status);
    return 0;
}

int srs_map_belongs(const struct xcp_response *r, struct reg_belongs *out,
                    struct rm_err *err)
{
    memset(out, 0, sizeof(*out));
    srs_fill_reply(r, &out->reply);
    const char *b;
    int rc = field(r->attrs, "belongs_to_rsp", &b, err);
    if (rc)
        return rc;
    /* "Unknown Domain" answers still carry belongs_to_rsp 0. */
    if (!b) {
        if (!r->is_success)
            return refused(r, "BELONGS_TO_RSP", err);
        return rm_err_set(err, RM_EPROTO,
                          "opensrs: BELONGS_TO_RSP: no belongs_to_rsp");
    }
    if (strcmp(b, "1") != 0 && strcmp(b, "0") != 0)
        return rm_err_set(err, RM_EPROTO,
                          "opensrs: BELONGS_TO_RSP: belongs_to_rsp \"%.32s\"",
                          b);
    out->ours = b[0] == '1';
    if (out->ours)
        return field_time(r->attrs, "domain_expdate", &out->expiry, err);
    return 0;
}

static int map_contact(const struct xcp_value *set, const char *role,
                       struct reg_domain_contact *c, struct rm_err *err)
{
    const struct xcp_value *v;
    int rc = child(set, role, XCP_ASSOC, &v, err);
    if (rc || !v)
        return rc;
    const char *fn, *ln, *org, *em, *ph, *co;
    if ((rc = field(v, "first_name", &fn, err)) ||
        (rc = field(v, "last_name", &ln, err)) ||
        (rc = field(v, "org_name", &org, err)) ||
        (rc = field(v, "email", &em, err)) ||
        (rc = field(v, "phone", &ph, err)) ||
        (rc = field(v, "country", &co, err)))
        return rc;
    copy(c->first_name, sizeof(c->first_name), fn);
    copy(c->last_name, sizeof(c->last_name), ln);
    copy(c->org_name, sizeof(c->org_name), org);
    copy(c->email, sizeof(c->email), em);
    copy(c->phone, sizeof(c->phone), ph);
    copy(c->country, sizeof(c->country), co);
    return 0;
}

/* map_phase - the optional lifecycle fields (opensrs-sim's; OpenSRS
 * names no phase): a word not known is REG_PHASE_NONE, a date that does
 * not read is an error like any other field. */
static int map_phase(const struct xcp_value *a, enum reg_phase *phase,
                     time_t *grace_end, time_t *redemption_end,
                     time_t *delete_at, struct rm_err *err)
{
    static const struct {
        const char *word;
        enum reg_phase p;
    } words[] = {{"active", REG_PHASE_ACTIVE},
                 {"expired", REG_PHASE_GRACE},
                 {"grace", REG_PHASE_GRACE},
                 {"redemption", REG_PHASE_REDEMPTION},
                 {"pending_delete", REG_PHASE_PENDING_DELETE},
                 {"pendingdelete", REG_PHASE_PENDING_DELETE},
                 {"deleted", REG_PHASE_DELETED}};
    const char *w;
    time_t dummy;
    int rc;

    *phase = REG_PHASE_NONE;
    if ((rc = field(a, "lifecycle_phase", &w, err)))
        return rc;
    for (size_t i = 0; w && i < sizeof words / sizeof words[0]; i++)
        if (strcasecmp(w, words[i].word) == 0)
            *phase = words[i].p;
    return field_time(a, "grace_end_date", grace_end ? grace_end : &dummy,
                      err) ||
                   field_time(a, "redemption_end_date",
                              redemption_end ? redemption_end : &dummy, err) ||
                   field_time(a, "delete_date", delete_at ? delete_at : &dummy,
                              err)
               ? RM_EPROTO
               : 0;
}

int srs_map_info(const struct xcp_response *r, struct reg_domain_info *out,
                 struct rm_err *err)
{
    memset(out, 0, sizeof(*out));
    srs_fill_reply(r, &out->reply);
    if (!r->is_success)
        return refused(r, "GET DOMAIN all_info", err);
    const struct xcp_value *a = r->attrs, *set, *nsl;
    const char *rsp;
    int rc;
    if ((rc = field_time(a, "expiredate", &out->expiry, err)) ||
        (rc = field_time(a, "registry_createdate", &out->created, err)) ||
        (rc = field_time(a, "registry_updatedate", &out->updated, err)) ||
        (rc = field_flag(a, "auto_renew", &out->auto_renew, err)) ||
        (rc = field_flag(a, "let_expire", &out->let_expire, err)) ||
        (rc = field(a, "sponsoring_rsp", &rsp, err)) ||
        (rc = child(a, "contact_set", XCP_ASSOC, &set, err)) ||
        (rc = child(a, "nameserver_list", XCP_ARRAY, &nsl, err)))
        return rc;
    if (!out->expiry)
        rc = field_time(a, "registry_expiredate", &out->expiry, err);
    if (rc)
        return rc;
    if (!out->expiry)
        return rm_err_set(err, RM_EPROTO,
                          "opensrs: GET DOMAIN all_info: no expiredate");
    if ((rc = map_phase(a, &out->phase, &out->grace_end, &out->redemption_end,
                        &out->delete_at, err)))
        return rc;
    copy(out->sponsoring_rsp, sizeof(out->sponsoring_rsp), rsp);
    if ((rc = map_contact(set, "owner", &out->owner, err)) ||
        (rc = map_contact(set, "admin", &out->admin, err)) ||
        (rc = map_contact(set, "billing", &out->billing, err)) ||
        (rc = map_contact(set, "tech", &out->tech, err)))
        return rc;
    int64_t order[REG_NS_MAX];
    for (size_t i = 0; nsl && i < xcp_len(nsl); i++) {
        const struct xcp_value *ns = xcp_array_get(nsl, i);
        if (xcp_type(ns) != XCP_ASSOC)
            return rm_err_set(err, RM_EPROTO,
                              "opensrs: nameserver_list[%zu] is not a "
                              "structure",
                              i);
        const char *name;
        int64_t so = (int64_t)i + 1;
        if ((rc = field(ns, "name", &name, err)))
            return rc;
        if (xcp_assoc_get(ns, "sortorder") &&
            (rc = xcp_path_int(ns, "sortorder", &so, err)))
            return rc;
        if (!name || !*name || out->n_nameservers == REG_NS_MAX)
            continue;
        /* insert by sortorder */
        size_t k = out->n_nameservers++;
        while (k > 0 && order[k - 1] > so) {
            order[k] = order[k - 1];
            memcpy(out->nameservers[k], out->nameservers[k - 1],
                   sizeof(out->nameservers[k]));
            k--;
        }
        order[k] = so;
        copy(out->nameservers[k], sizeof(out->nameservers[k]), name);
    }
    return 0;
}

int srs_map_status(const struct xcp_response *r, struct reg_domain_status *out,
                   struct rm_err *err)
{
    memset(out, 0, sizeof(*out));
    srs_fill_reply(r, &out->reply);
    if (!r->is_success)
        return refused(r, "GET DOMAIN status", err);
    const char *ls;
    int rc;
    if ((rc = field(r->attrs, "lock_state", &ls, err)) ||
        (rc = field_flag(r->attrs, "can_modify", &out->can_modify, err)) ||
        (rc = field_flag(r->attrs, "transfer_away_in_progress",
                         &out->transfer_away_in_progress, err)))
        return rc;
    if (!ls)
        return rm_err_set(err, RM_EPROTO,
                          "opensrs: GET DOMAIN status: no lock_state");
    out->locked = strcmp(ls, "1") == 0;
    if ((rc = field_flag(r->attrs, "restore_pending", &out->restore_pending,
                         err)) ||
        (rc = map_phase(r->attrs, &out->phase, NULL, NULL, NULL, err)))
        return rc;
    /* domain_supports is often empty; only a structure naming
     * whois_privacy says whether the service is offered */
    const struct xcp_value *sup = xcp_assoc_get(r->attrs, "domain_supports");
    const char *wp = NULL;
    if (sup && xcp_type(sup) == XCP_ASSOC &&
        field(sup, "whois_privacy", &wp, err) == 0 && wp && *wp)
        out->privacy_offered = strcmp(wp, "1") == 0 ? 1 : -1;
    return 0;
}

int srs_map_expiring_page(const struct xcp_response *r,
                          struct reg_expiring *out, int64_t *remainder,
                          struct rm_err *err)
{
    srs_fill_reply(r, &out->reply);
    *remainder = 0;
    if (!r->is_success)
        return refused(r, "GET_DOMAINS_BY_EXPIREDATE", err);
    const struct xcp_value *list;
    int rc = child(r->attrs, "exp_domains", XCP_ARRAY, &list, err);
    if (rc)
        return rc;
    if (xcp_assoc_get(r->attrs, "remainder") &&
        (rc = xcp_path_int(r->attrs, "remainder", remainder, err)))
        return rc;
    size_t n = list ? xcp_len(list) : 0;
    if (out->n + n > SRS_EXPIRING_MAX)
        return rm_err_set(err, RM_ELIMIT,
                          "opensrs: more than %d expiring domains",
                          SRS_EXPIRING_MAX);
    if (n)
        out->items = xrealloc(out->items, (out->n + n) * sizeof(*out->items));
    for (size_t i = 0; i < n; i++) {
        const struct xcp_value *it = xcp_array_get(list, i);
        struct reg_expiring_item *x = &out->items[out->n];
        const char *name;
        memset(x, 0, sizeof(*x));
        if (xcp_type(it) != XCP_ASSOC)
            return rm_err_set(err, RM_EPROTO,
                              "opensrs: exp_domains[%zu] is not a structure",
                              i);
        if ((rc = field(it, "name", &name, err)) ||
            (rc = field_time(it, "expiredate", &x->expiry, err)) ||
            (rc = field_flag(it, "f_auto_renew", &x->auto_renew, err)) ||
            (rc = field_flag(it, "f_let_expire", &x->let_expire, err)))
            return rc;
        if (!name || !*name)
            return rm_err_set(err, RM_EPROTO,
                              "opensrs: exp_domains[%zu] has no name", i);
        copy(x->domain, sizeof(x->domain), name);
        out->n++;
    }
    return 0;
}

int srs_map_balance(const struct xcp_response *r, struct reg_balance *out,
                    struct rm_err *err)
{
    memset(out, 0, sizeof(*out));
    srs_fill_reply(r, &out->reply);
    if (!r->is_success)
        return refused(r, "GET_BALANCE", err);
    const char *b, *h;
    int rc;
    if ((rc = field(r->attrs, "balance", &b, err)) ||
        (rc = field(r->attrs, "hold_balance", &h, err)))
        return rc;
    if (!b)
        return rm_err_set(err, RM_EPROTO, "opensrs: GET_BALANCE: no balance");
    if ((rc = reg_parse_money(b, &out->balance, err)) ||
        (h && *h && (rc = reg_parse_money(h, &out->hold, err))))
        rm_err_prefix(err, "opensrs: GET_BALANCE: ");
    return rc;
}

int srs_map_price(const struct xcp_response *r, struct reg_price *out,
                  struct rm_err *err)
{
    memset(out, 0, sizeof(*out));
    srs_fill_reply(r, &out->reply);
    if (!r->is_success)
        return refused(r, "GET_PRICE", err);
    const char *p;
    int rc;
    if ((rc = field(r->attrs, "price", &p, err)) ||
        (rc = field_flag(r->attrs, "is_registry_premium", &out->premium, err)))
        return rc;
    if (!p)
        return rm_err_set(err, RM_EPROTO, "opensrs: GET_PRICE: no price");
    if ((rc = reg_parse_money(p, &out->price, err)))
        rm_err_prefix(err, "opensrs: GET_PRICE: ");
    return rc;
}

/* --- the event stream ------------------------------------------------- */

static int clamp_limit(int limit)
{
    return limit < 1 ? 1 : limit > SRS_EVENTS_MAX ? SRS_EVENTS_MAX : limit;
}

/* ev_field - a scalar of event i (in object_data when od), NULL when
 * absent; RM_EPROTO naming the event when it has another type. */
static int ev_field(const struct xcp_value *v, const char *key, size_t i,
                    bool od, const char **out, struct rm_err *err)
{
    *out = NULL;
    const struct xcp_value *x = xcp_assoc_get(v, key);
    if (!x)
        return 0;
    if (xcp_type(x) != XCP_SCALAR)
        return rm_err_set(err, RM_EPROTO,
                          "opensrs: POLL EVENT: events[%zu].%s%s is not a "
                          "scalar",
                          i, od ? "object_data." : "", key);
    *out = xcp_str(x);
    return 0;
}

/* ev_time - a date of event i as reg_parse_time reads it: ISO 8601 with
 * its zone as the registrar writes event dates ("2014-06-19T15:31:47Z"),
 * or "2026-01-01 00:00:00". Absent, empty or all-zero: 0. Anything else
 * is RM_EPROTO. */
static int ev_time(const struct xcp_value *v, const char *key, size_t i,
                   bool od, time_t *out, struct rm_err *err)
{
    const char *s;
    *out = 0;
    int rc = ev_field(v, key, i, od, &s, err);
    if (rc || !s || !*s || strncmp(s, "0000", 4) == 0)
        return rc;
    if (reg_parse_time(s, out, NULL) != 0) {
        *out = 0;
        return rm_err_set(err, RM_EPROTO,
                          "opensrs: POLL EVENT: events[%zu].%s%s: bad date "
                          "\"%.64s\"",
                          i, od ? "object_data." : "", key, s);
    }
    return 0;
}

/* ev_copy - src into dst only when it fits whole: a cut id or name would
 * name another object. */
static int ev_copy(char *dst, size_t size, const char *src, size_t i,
                   const char *key, struct rm_err *err)
{
    if (src && strlen(src) >= size)
        return rm_err_set(err, RM_EPROTO,
                          "opensrs: POLL EVENT: events[%zu]: %s longer than "
                          "%zu bytes",
                          i, key, size - 1);
    copy(dst, size, src);
    return 0;
}

static bool same(const char *a, const char *b)
{
    return a && strcasecmp(a, b) == 0;
}

/* ev_kind - what object and event name (the table in srs.h). */
static enum reg_event_kind ev_kind(const char *object, const char *event)
{
    if (same(object, "ORDER"))
        return same(event, "STATUS_CHANGE") ? REG_EVENT_ORDER_STATUS
                                            : REG_EVENT_OTHER;
    if (same(object, "TRANSFER"))
        return same(event, "STATUS_CHANGE") ? REG_EVENT_TRANSFER_STATUS
                                            : REG_EVENT_OTHER;
    if (!same(object, "DOMAIN") || !event || !*event)
        return REG_EVENT_OTHER;
    if (same(event, "REGISTERED") || same(event, "CREATED"))
        return REG_EVENT_DOMAIN_REGISTERED;
    if (same(event, "RENEWED"))
        return REG_EVENT_DOMAIN_RENEWED;
    if (same(event, "DELETED"))
        return REG_EVENT_DOMAIN_DELETED;
    return REG_EVENT_DOMAIN_CHANGED;
}

/* data_put - append s to buf (len bytes used, size in all), control
 * characters as spaces. When it does not fit: cut at a UTF-8 character
 * boundary, end with "..." and return false. */
static bool data_put(char *buf, size_t size, size_t *len, const char *s)
{
    /* keep room for "..." and the NUL */
    for (; *s; s++) {
        if (*len + 4 >= size) {
            size_t k = *len;
            /* next byte continues a character: drop its start too */
            if (((unsigned char)*s & 0xC0) == 0x80) {
                while (k > 0 && ((unsigned char)buf[k - 1] & 0xC0) == 0x80)
                    k--;
                if (k > 0 && ((unsigned char)buf[k - 1] & 0xC0) == 0xC0)
                    k--;
            }
            memcpy(buf + k, "...", 4);
            *len = k + 3;
            return false;
        }
        unsigned char c = (unsigned char)*s;
        buf[(*len)++] = c < ' ' || c == 0x7f ? ' ' : (char)c;
    }
    buf[*len] = '\0';
    return true;
}

/* ev_data - object_data's scalars as "key=value; key=value" in document
 * order; nested lists and structures are left out. */
static void ev_data(const struct xcp_value *od, char *buf, size_t size)
{
    size_t len = 0;
    buf[0] = '\0';
    for (size_t k = 0; od && k < xcp_len(od); k++) {
        const struct xcp_value *v = xcp_item_value(od, k);
        if (xcp_type(v) != XCP_SCALAR)
            continue;
        if ((len && !data_put(buf, size, &len, "; ")) ||
            !data_put(buf, size, &len, xcp_item_key(od, k)) ||
            !data_put(buf, size, &len, "=") ||
            !data_put(buf, size, &len, xcp_str(v)))
            return;
    }
}

static int map_event(const struct xcp_value *it, size_t i, struct reg_event *e,
                     struct rm_err *err)
{
    memset(e, 0, sizeof(*e));
    e->order_state = REG_ORDER_UNKNOWN;
    e->transfer_state = REG_XFER_NONE;
    if (xcp_type(it) != XCP_ASSOC)
        return rm_err_set(err, RM_EPROTO,
                          "opensrs: POLL EVENT: events[%zu] is not a "
                          "structure",
                          i);
    const char *id, *event, *object;
    const char *dom = NULL, *oid = NULL, *ost = NULL, *xst = NULL, *st = NULL;
    const struct xcp_value *od = xcp_assoc_get(it, "object_data");
    int rc;
    if ((rc = ev_field(it, "event_id", i, false, &id, err)))
        return rc;
    if (!id || !srs_event_id_ok(id))
        return rm_err_set(err, RM_EPROTO,
                          "opensrs: POLL EVENT: events[%zu] has %s event_id "
                          "\"%.64s\": it could never be acknowledged",
                          i, id && *id ? "an unusable" : "no", id ? id : "");
    copy(e->id, sizeof(e->id), id);
    if (od && xcp_type(od) != XCP_ASSOC)
        return rm_err_set(err, RM_EPROTO,
                          "opensrs: POLL EVENT: events[%zu].object_data is "
                          "not a structure",
                          i);
    if ((rc = ev_field(it, "event", i, false, &event, err)) ||
        (rc = ev_field(it, "object", i, false, &object, err)) ||
        (rc = ev_time(it, "event_date", i, false, &e->at, err)) ||
        (rc = ev_field(od, "domain_name", i, true, &dom, err)) ||
        (rc = ev_field(od, "order_id", i, true, &oid, err)) ||
        (rc = ev_field(od, "order_status", i, true, &ost, err)) ||
        (rc = ev_field(od, "transfer_status", i, true, &xst, err)) ||
        (rc = ev_field(od, "status", i, true, &st, err)) ||
        (rc = ev_time(od, "expiration_date", i, true, &e->expiry, err)) ||
        (rc = ev_copy(e->domain, sizeof(e->domain), dom, i, "domain_name",
                      err)) ||
        (rc = ev_copy(e->order_id, sizeof(e->order_id), oid, i, "order_id",
                      err)))
        return rc;
    /* names are kept as core keeps them: lowercase (A-labels) */
    for (char *p = e->domain; *p; p++)
        if (*p >= 'A' && *p <= 'Z')
            *p = (char)(*p - 'A' + 'a');
    copy(e->event, sizeof(e->event), event);
    copy(e->object, sizeof(e->object), object);
    e->kind = ev_kind(object, event);
    bool usable = true;
    if (e->kind == REG_EVENT_ORDER_STATUS) {
        copy(e->status, sizeof(e->status), ost);
        e->order_state = reg_order_state_parse(ost);
        usable = e->order_id[0] != '\0';
    } else if (e->kind == REG_EVENT_TRANSFER_STATUS) {
        const char *w = xst && *xst ? xst : st;
        copy(e->status, sizeof(e->status), w);
        /* "" would read as "no transfer known": it is one we know of */
        e->transfer_state =
            w && *w ? reg_transfer_state_parse(w) : REG_XFER_UNKNOWN;
        usable = e->domain[0] != '\0';
    } else if (e->kind != REG_EVENT_OTHER) {
        usable = e->domain[0] != '\0';
    }
    if (!usable) {
        /* it names nothing core could apply it to; the words stay */
        e->kind = REG_EVENT_OTHER;
        e->order_state = REG_ORDER_UNKNOWN;
        e->transfer_state = REG_XFER_NONE;
    }
    ev_data(od, e->data, sizeof(e->data));
    return 0;
}

int srs_map_events(const struct xcp_response *r, int limit,
                   struct reg_events *out, struct rm_err *err)
{
    memset(out, 0, sizeof(*out));
    out->total = -1;
    srs_fill_reply(r, &out->reply);
    if (!r->is_success)
        return refused(r, "POLL EVENT", err);
    const struct xcp_value *list = xcp_assoc_get(r->attrs, "events");
    if (list && xcp_type(list) != XCP_ARRAY)
        return rm_err_set(err, RM_EPROTO,
                          "opensrs: POLL EVENT: events is not a list");
    if (xcp_assoc_get(r->attrs, "total")) {
        int64_t total = -1;
        if (xcp_path_int(r->attrs, "total", &total, NULL) != 0 || total < 0)
            return rm_err_set(err, RM_EPROTO,
                              "opensrs: POLL EVENT: total \"%.32s\" is not a "
                              "count",
                              xcp_path_str(r->attrs, "total")
                                  ? xcp_path_str(r->attrs, "total")
                                  : "(a structure)");
        out->total = total;
    }
    size_t n = list ? xcp_len(list) : 0;
    size_t take = (size_t)clamp_limit(limit);
    if (take > n)
        take = n;
    /* a registrar that counts fewer than it lists still has them all */
    if (out->total >= 0 && out->total < (int64_t)n)
        out->total = (int64_t)n;
    if (!take)
        return 0;
    out->items = xcalloc(take, sizeof(*out->items));
    int rc = 0;
    for (size_t i = 0; i < take && !rc; i++)
        if (!(rc = map_event(xcp_array_get(list, i), i, &out->items[i], err)))
            out->n++;
    if (rc) {
        struct reg_reply keep = out->reply;
        int64_t total = out->total;
        reg_events_release(out);
        out->reply = keep;
        out->total = total;
    }
    return rc;
}

int srs_map_ack(const struct xcp_response *r, struct reg_reply *out,
                struct rm_err *err)
{
    memset(out, 0, sizeof(*out));
    srs_fill_reply(r, out);
    if (!r->is_success)
        return refused(r, "ACK EVENT", err);
    return 0;
}

/* --- after the sale --------------------------------------------------- */

/* text_says - s contains any of the phrases (any case). */
static bool text_says(const char *s, const char *const *phrases, size_t n)
{
    for (size_t i = 0; s && i < n; i++)
        if (strcasestr(s, phrases[i]))
            return true;
    return false;
}

void srs_map_set_privacy(const struct xcp_response *r,
                         struct reg_privacy_result *out)
{
    static const char *const no_service[] = {"cannot be applied",
                                             "not available", "not supported",
                                             "not offered", "not allowed"};
    srs_map_op(REG_KIND_CANCEL, false, r, &out->op);
    out->not_offered = false;
    if (r->is_success || !strcasestr(r->text ? r->text : "", "privacy") ||
        !text_says(r->text, no_service,
                   sizeof(no_service) / sizeof(no_service[0])))
        return;
    /* The registrar said in so many words that it has no privacy service
     * for this domain or account: a definite refusal, whatever the code
     * (300 is otherwise "try later"). */
    out->not_offered = true;
    out->op.state = REG_OP_FAILED;
    out->op.why = REG_PENDING_NONE;
    snprintf(out->op.reason, sizeof(out->op.reason),
             "privacy not offered: %d %.400s", r->code, r->text);
}

void srs_map_update_contacts(const struct xcp_response *r, const char *domain,
                             struct reg_op_result *out)
{
    srs_map_op(REG_KIND_CANCEL, false, r, out);
    if (out->state != REG_OP_DONE)
        return;
    /* Each affected domain succeeds or fails on its own: the per-domain
     * entry has the last word. */
    const struct xcp_value *details = xcp_assoc_get(r->attrs, "details");
    if (!details)
        return;
    const struct xcp_value *d = domain && xcp_type(details) == XCP_ASSOC
                                    ? xcp_assoc_get(details, domain)
                                    : NULL;
    if (!d) {
        /* keys may differ in case from what we sent */
        for (size_t k = 0;
             xcp_type(details) == XCP_ASSOC && k < xcp_len(details); k++)
            if (domain && strcasecmp(xcp_item_key(details, k), domain) == 0)
                d = xcp_item_value(details, k);
    }
    const char *ok = NULL, *code = NULL, *text = NULL;
    struct rm_err e;
    rm_err_clear(&e);
    if (xcp_type(details) != XCP_ASSOC || (d && xcp_type(d) != XCP_ASSOC) ||
        (d && (field(d, "is_success", &ok, &e) ||
               field(d, "response_code", &code, &e) ||
               field(d, "response_text", &text, &e)))) {
        set_pending(out, REG_PENDING_UNKNOWN,
                    "outcome unknown: details unreadable");
        return;
    }
    if (!d) {
        /* a per-domain report that leaves out the one domain we sent */
        set_pending(out, REG_PENDING_UNKNOWN,
                    "outcome unknown: no details for the domain");
        return;
    }
    if (ok && strcmp(ok, "1") == 0)
        return;
    char *end = NULL;
    long c = code ? strtol(code, &end, 10) : 0;
    bool numeric = code && *code && end && *end == '\0';
    if (ok && strcmp(ok, "0") == 0 && numeric && definite((int)c)) {
        out->state = REG_OP_FAILED;
        out->why = REG_PENDING_NONE;
        snprintf(out->reason, sizeof(out->reason), "%ld %.400s", c,
                 text ? text : "");
        return;
    }
    char why[REG_TEXT_MAX];
    snprintf(why, sizeof(why), "outcome unknown for %.200s (%.32s %.200s)",
             domain ? domain : "", code ? code : "-", text ? text : "");
    set_pending(out,
                numeric && retry_code((int)c) ? REG_PENDING_RETRY
                                              : REG_PENDING_UNKNOWN,
                why);
}

int srs_map_ns_check(const struct xcp_response *r, struct reg_ns_check *out,
                     struct rm_err *err)
{
    memset(out, 0, sizeof(*out));
    srs_fill_reply(r, &out->reply);
    if (r->code == 212) {
        out->exists = false; /* not at the registry: an answer, not an error */
        return 0;
    }
    if (!r->is_success)
        return refused(r, "REGISTRY_CHECK_NAMESERVER", err);
    if (r->code != 200)
        return rm_err_set(err, RM_EPROTO,
                          "opensrs: REGISTRY_CHECK_NAMESERVER: unexpected "
                          "answer %d %.200s",
                          r->code, r->text);
    out->exists = true;
    return 0;
}

/* fit - src into dst only when it fits whole (a cut name or address
 * would name another one); RM_EPROTO otherwise. */
static int fit(char *dst, size_t size, const char *src, const char *what,
               size_t i, struct rm_err *err)
{
    if (src && strlen(src) >= size)
        return rm_err_set(err, RM_EPROTO,
                          "opensrs: %s of item %zu longer than %zu bytes", what,
                          i, size - 1);
    copy(dst, size, src);
    return 0;
}

int srs_map_hosts(const struct xcp_response *r, struct reg_hosts *out,
                  struct rm_err *err)
{
    memset(out, 0, sizeof(*out));
    srs_fill_reply(r, &out->reply);
    if (!r->is_success)
        return refused(r, "GET NAMESERVER", err);
    const struct xcp_value *list;
    int rc = child(r->attrs, "nameserver_list", XCP_ARRAY, &list, err);
    if (rc || !list)
        return rc;
    size_t n = xcp_len(list);
    if (n > SRS_LIST_MAX)
        return rm_err_set(err, RM_ELIMIT, "opensrs: too many nameservers");
    out->items = xcalloc(n ? n : 1, sizeof(*out->items));
    for (size_t i = 0; i < n && !rc; i++) {
        const struct xcp_value *it = xcp_array_get(list, i);
        struct reg_host_info *h = &out->items[i];
        const char *name, *v4, *v6;
        if (xcp_type(it) != XCP_ASSOC) {
            rc = rm_err_set(err, RM_EPROTO,
                            "opensrs: nameserver_list[%zu] is not a "
                            "structure",
                            i);
            break;
        }
        if ((rc = field(it, "name", &name, err)) ||
            (rc = field(it, "ipaddress", &v4, err)) ||
            (rc = field(it, "ipv6", &v6, err)) ||
            (rc = field_flag(it, "can_delete", &h->can_delete, err)))
            break;
        if (!name || !*name) {
            rc = rm_err_set(err, RM_EPROTO,
                            "opensrs: nameserver_list[%zu] has no name", i);
            break;
        }
        if ((rc = fit(h->name, sizeof(h->name), name, "name", i, err)) ||
            (rc = fit(h->ipv4, sizeof(h->ipv4), v4, "ipaddress", i, err)) ||
            (rc = fit(h->ipv6, sizeof(h->ipv6), v6, "ipv6", i, err)))
            break;
        out->n++;
    }
    if (rc) {
        struct reg_reply keep = out->reply;
        reg_hosts_release(out);
        out->reply = keep;
    }
    return rc;
}

/* contact_info - one contact of contact_set; fields cut to their buffers
 * (they are for people, not keys). */
static int contact_info(const struct xcp_value *c, const char *type,
                        struct reg_contact_info *out, struct rm_err *err)
{
    memset(out, 0, sizeof(*out));
    if (xcp_type(c) != XCP_ASSOC)
        return rm_err_set(err, RM_EPROTO,
                          "opensrs: contact_set.%s is not a structure", type);
    const struct {
        const char *key;
        char *dst;
        size_t size;
    } f[] = {
        {"first_name", out->first_name, sizeof(out->first_name)},
        {"last_name", out->last_name, sizeof(out->last_name)},
        {"org_name", out->org_name, sizeof(out->org_name)},
        {"address1", out->address1, sizeof(out->address1)},
        {"address2", out->address2, sizeof(out->address2)},
        {"address3", out->address3, sizeof(out->address3)},
        {"city", out->city, sizeof(out->city)},
        {"state", out->state, sizeof(out->state)},
        {"postal_code", out->postal_code, sizeof(out->postal_code)},
        {"country", out->country, sizeof(out->country)},
        {"phone", out->phone, sizeof(out->phone)},
        {"fax", out->fax, sizeof(out->fax)},
        {"email", out->email, sizeof(out->email)},
        {"url", out->url, sizeof(out->url)},
        {"lang_pref", out->lang_pref, sizeof(out->lang_pref)},
    };
    for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
        const char *v;
        int rc = field(c, f[i].key, &v, err);
        if (rc) {
            rm_err_prefix(err, "contact_set.%s: ", type);
            return rc;
        }
        copy(f[i].dst, f[i].size, v);
    }
    return 0;
}

int srs_map_contacts(const struct xcp_response *r, struct reg_contacts *out,
                     struct rm_err *err)
{
    memset(out, 0, sizeof(*out));
    srs_fill_reply(r, &out->reply);
    if (!r->is_success)
        return refused(r, "GET DOMAIN contacts", err);
    const struct xcp_value *cs;
    int rc = child(r->attrs, "contact_set", XCP_ASSOC, &cs, err);
    if (rc)
        return rc;
    if (!cs)
        return rm_err_set(err, RM_EPROTO,
                          "opensrs: GET DOMAIN: no contact_set");
    const struct {
        const char *type;
        struct reg_contact_info *dst;
        bool *has;
    } t[] = {{"owner", &out->owner, &out->has_owner},
             {"admin", &out->admin, &out->has_admin},
             {"billing", &out->billing, &out->has_billing},
             {"tech", &out->tech, &out->has_tech}};
    for (size_t i = 0; i < 4; i++) {
        const struct xcp_value *c = xcp_assoc_get(cs, t[i].type);
        if (!c)
            continue;
        if ((rc = contact_info(c, t[i].type, t[i].dst, err)))
            return rc;
        *t[i].has = true;
    }
    return 0;
}

int srs_map_auth_code(const struct xcp_response *r, struct reg_auth_code *out,
                      struct rm_err *err)
{
    memset(out, 0, sizeof(*out));
    srs_fill_reply(r, &out->reply);
    if (!r->is_success)
        return refused(r, "GET DOMAIN domain_auth_info", err);
    const char *code;
    int rc = field(r->attrs, "domain_auth_info", &code, err);
    if (rc)
        return rc;
    if (!code)
        return rm_err_set(err, RM_EPROTO,
                          "opensrs: GET DOMAIN: no domain_auth_info");
    if (strlen(code) >= sizeof(out->code))
        return rm_err_set(err, RM_EPROTO,
                          "opensrs: GET DOMAIN: auth code longer than %zu "
                          "bytes",
                          sizeof(out->code) - 1);
    copy(out->code, sizeof(out->code), code);
    return 0;
}

int srs_map_nexus(const struct xcp_response *r, struct reg_nexus_info *out,
                  struct rm_err *err)
{
    static const char *const keys[3] = {"category", "app_purpose", "validator"};
    memset(out, 0, sizeof(*out));
    srs_fill_reply(r, &out->reply);
    if (!r->is_success)
        return refused(r, "GET DOMAIN nexus_info", err);
    const struct xcp_value *nx = xcp_assoc_get(r->attrs, "nexus");
    if (!nx)
        return 0; /* none */
    if (xcp_type(nx) != XCP_ASSOC)
        return rm_err_set(err, RM_EPROTO,
                          "opensrs: GET DOMAIN nexus_info: nexus is not a "
                          "dt_assoc");
    char *dst[3] = {out->nexus.category, out->nexus.app_purpose,
                    out->nexus.validator};
    for (int i = 0; i < 3; i++) {
        const char *v;
        int rc = field(nx, keys[i], &v, err);
        if (rc)
            return rc;
        if (v && strlen(v) >= sizeof out->nexus.category)
            return rm_err_set(err, RM_EPROTO,
                              "opensrs: GET DOMAIN nexus_info: %s too long",
                              keys[i]);
        copy(dst[i], sizeof out->nexus.category, v ? v : "");
    }
    return 0;
}

int srs_map_privacy(const struct xcp_response *r, struct reg_privacy *out,
                    struct rm_err *err)
{
    memset(out, 0, sizeof(*out));
    out->state = REG_PRIVACY_UNKNOWN;
    srs_fill_reply(r, &out->reply);
    if (!r->is_success)
        return refused(r, "GET DOMAIN whois_privacy_state", err);
    const char *st;
    int rc = field(r->attrs, "state", &st, err);
    if (rc)
        return rc;
    if (!st || !*st)
        return rm_err_set(err, RM_EPROTO,
                          "opensrs: GET DOMAIN whois_privacy_state: no state");
    static const struct {
        const char *word;
        enum reg_privacy_state state;
    } words[] = {{"enabled", REG_PRIVACY_ENABLED},
                 {"disabled", REG_PRIVACY_DISABLED},
                 {"enabling", REG_PRIVACY_ENABLING},
                 {"disabling", REG_PRIVACY_DISABLING}};
    for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
        if (strcasecmp(st, words[i].word) == 0)
            out->state = words[i].state;
    copy(out->word, sizeof(out->word), st);
    return 0;
}

/* mon_time - "DD-MON-YYYY HH:MM:SS" (month in English, any case) as
 * reg_parse_time reads it; false for anything else. */
static bool mon_time(const char *s, time_t *out)
{
    static const char *const mon[] = {"JAN", "FEB", "MAR", "APR", "MAY", "JUN",
                                      "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"};
    if (strlen(s) != 20 || s[2] != '-' || s[6] != '-' || s[11] != ' ')
        return false;
    for (int m = 0; m < 12; m++) {
        if (strncasecmp(s + 3, mon[m], 3) != 0)
            continue;
        char iso[20];
        snprintf(iso, sizeof(iso), "%.4s-%02d-%.2s %.8s", s + 7, m + 1, s,
                 s + 12);
        return reg_parse_time(iso, out, NULL) == 0;
    }
    return false;
}

/* away_time - epoch field when present, else the text date in either of
 * the registrar's formats; absent or empty: 0. */
static int away_time(const struct xcp_value *it, const char *key, size_t i,
                     time_t *out, struct rm_err *err)
{
    char ek[64];
    const char *s;
    *out = 0;
    snprintf(ek, sizeof(ek), "%s_epoch", key);
    int rc = field_time(it, ek, out, err);
    if (rc || *out)
        return rc;
    if ((rc = field(it, key, &s, err)) || !s || !*s ||
        strncmp(s, "0000", 4) == 0)
        return rc;
    if (reg_parse_time(s, out, NULL) == 0 || mon_time(s, out))
        return 0;
    *out = 0;
    return rm_err_set(err, RM_EPROTO,
                      "opensrs: transfers[%zu].%s: bad date \"%.64s\"", i, key,
                      s);
}

int srs_map_transfers_away_page(const struct xcp_response *r,
                                struct reg_transfers_away *out, int64_t *total,
                                struct rm_err *err)
{
    srs_fill_reply(r, &out->reply);
    *total = -1;
    if (!r->is_success)
        return refused(r, "GET_TRANSFERS_AWAY", err);
    const struct xcp_value *list;
    int rc = child(r->attrs, "transfers", XCP_ARRAY, &list, err);
    if (rc)
        return rc;
    if (xcp_assoc_get(r->attrs, "total") &&
        (xcp_path_int(r->attrs, "total", total, NULL) != 0 || *total < 0))
        return rm_err_set(err, RM_EPROTO,
                          "opensrs: GET_TRANSFERS_AWAY: total is not a count");
    size_t n = list ? xcp_len(list) : 0;
    if (out->n + n > SRS_LIST_MAX)
        return rm_err_set(err, RM_ELIMIT,
                          "opensrs: more than %d transfers away", SRS_LIST_MAX);
    if (n)
        out->items = xrealloc(out->items, (out->n + n) * sizeof(*out->items));
    for (size_t i = 0; i < n; i++) {
        const struct xcp_value *it = xcp_array_get(list, i);
        struct reg_transfer_away *x = &out->items[out->n];
        const char *dom, *st, *gr;
        memset(x, 0, sizeof(*x));
        if (xcp_type(it) != XCP_ASSOC)
            return rm_err_set(err, RM_EPROTO,
                              "opensrs: transfers[%zu] is not a structure", i);
        if ((rc = field(it, "domain", &dom, err)) ||
            (rc = field(it, "status", &st, err)) ||
            (rc = field(it, "gaining_registrar", &gr, err)) ||
            (rc = away_time(it, "req_date", i, &x->requested, err)) ||
            (rc = away_time(it, "owner_request_date", i, &x->owner_requested,
                            err)) ||
            (rc = away_time(it, "owner_confirm_date", i, &x->owner_confirmed,
                            err)))
            return rc;
        if (!dom || !*dom)
            return rm_err_set(err, RM_EPROTO,
                              "opensrs: transfers[%zu] has no domain", i);
        if ((rc = fit(x->domain, sizeof(x->domain), dom, "domain", i, err)))
            return rc;
        copy(x->status, sizeof(x->status), st);
        x->state = st && *st ? reg_transfer_state_parse(st) : REG_XFER_UNKNOWN;
        copy(x->gaining_registrar, sizeof(x->gaining_registrar), gr);
        out->n++;
    }
    return 0;
}
