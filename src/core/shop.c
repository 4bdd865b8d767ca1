/*
 * shop - search a name across the TLDs sold, with suggestions (contract
 * in shop.h).
 */
#include "core/shop.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/account.h"
#include "core/conn.h"
#include "core/ops.h"
#include "core/reseller.h"
#include "util/xalloc.h"

const char *shop_avail_name(enum shop_avail a)
{
    switch (a) {
    case SHOP_AVAILABLE:
        return "available";
    case SHOP_TAKEN:
        return "taken";
    case SHOP_UNKNOWN:
        break;
    }
    return "unknown";
}

void shop_result_release(struct shop_result *r)
{
    free(r->results);
    free(r->suggestions);
    r->results = r->suggestions = NULL;
    r->n = r->nsug = 0;
}

/* tld_index - the longest TLD of t[0..n) that is a suffix of nm below its
 * first label, or -1 (tld_for_name without the database). */
static int tld_index(const struct tld *t, size_t n, const struct name *nm)
{
    for (size_t i = 1; i < nm->labels; i++) {
        const char *suf = name_suffix_of(nm, i);
        for (size_t k = 0; k < n; k++)
            if (strcmp(t[k].tld, suf) == 0)
                return (int)k;
    }
    return -1;
}

/* first_label - label 0 of s (up to the first dot) into out. */
static void first_label(const char *s, char *out, size_t n)
{
    size_t len = strcspn(s, ".");
    if (len >= n)
        len = n - 1;
    memcpy(out, s, len);
    out[len] = '\0';
}

/* labels_in - how many labels the TLD string s has ("co.uk": 2). */
static size_t labels_in(const char *s)
{
    size_t k = 1;
    for (; *s; s++)
        k += *s == '.';
    return k;
}

/* bare_label - text without a dot as one label: parsed under a TLD sold,
 * so the messages read as a name the customer could have typed. */
static int bare_label(const char *text, const char *tld, struct name *nm,
                      struct rm_err *err)
{
    bool plain = true;
    size_t len = strlen(text);
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)text[i] >= 0x80)
            plain = false;
    if (plain && len > SHOP_LABEL_MAX)
        return rm_err_set(err, RM_EINVAL,
                          "\"%.20s...\" is %zu characters; a domain name "
                          "label is at most %d",
                          text, len, SHOP_LABEL_MAX);
    char buf[NAME_MAX_INPUT + NAME_MAX_ASCII + 2];
    snprintf(buf, sizeof buf, "%s.%s", text, tld);
    int rc = name_parse(buf, nm, err);
    if (rc < 0)
        return rc;
    if (nm->labels != 1 + labels_in(tld))
        return rm_err_set(err, RM_EINVAL, "\"%.80s\" is not one label", text);
    return 0;
}

/* parse_query - text into out's label, typed TLD and whether it is sold;
 * *exact = the index in t of the TLD typed when it is sold, else -1. */
static int parse_query(const char *text, const struct tld *t, size_t nt,
                       struct shop_result *out, int *exact, struct rm_err *err)
{
    struct name nm;
    int rc;

    *exact = -1;
    if (!*text)
        return rm_err_set(err, RM_EINVAL,
                          "the search is empty: type a name (mynewshop) or a "
                          "domain (mynewshop.com)");
    if ((rc = name_parse(text, &nm, err)) < 0) {
        /* one word, perhaps with the root's dot ("mynewshop.") */
        char word[NAME_MAX_INPUT + 1];
        snprintf(word, sizeof word, "%s", text);
        size_t len = strlen(word);
        if (len > 1 && word[len - 1] == '.')
            word[len - 1] = '\0';
        if (strchr(word, '.'))
            return rc;
        if ((rc = bare_label(word, t[0].tld, &nm, err)) < 0)
            return rc;
        first_label(nm.ascii, out->label, sizeof out->label);
        first_label(nm.unicode, out->label_unicode, sizeof out->label_unicode);
        return 0;
    }
    /* a name: "www." in front of a domain is not part of it */
    size_t skip = 0;
    if (nm.labels > 2 && strncmp(nm.ascii, "www.", 4) == 0)
        skip = 1;
    int k = tld_index(t, nt, &nm);
    if (k >= 0) {
        size_t below = nm.labels - labels_in(t[k].tld);
        if (below - skip != 1) {
            const char *reg = name_suffix_of(&nm, below - 1);
            return rm_err_set(err, RM_EINVAL,
                              "%s is a name under %s: search %s, or one word",
                              nm.ascii, reg, reg);
        }
        skip = below - 1;
        *exact = k;
        out->typed_sold = true;
        snprintf(out->typed_tld, sizeof out->typed_tld, "%s", t[k].tld);
    } else {
        snprintf(out->typed_tld, sizeof out->typed_tld, "%s",
                 name_suffix_of(&nm, skip + 1) ? name_suffix_of(&nm, skip + 1)
                                               : nm.tld);
    }
    const char *a = name_suffix_of(&nm, skip);
    first_label(a, out->label, sizeof out->label);
    /* the U-label at the same position */
    const char *u = nm.unicode;
    for (size_t i = 0; i < skip && strchr(u, '.'); i++)
        u = strchr(u, '.') + 1;
    first_label(u, out->label_unicode, sizeof out->label_unicode);
    return 0;
}

/* set_prices - the item's 1-year price and terms from its TLD (none for a
 * premium name). */
static void set_prices(struct shop_item *it)
{
    bool any = false;
    for (int y = 0; y <= TLD_MAX_TERM; y++) {
        it->terms[y] = TLD_NOPRICE;
        if (y && !it->premium && (it->tld.allowed_terms & (1u << y)) &&
            it->tld.price[TLD_REGISTER][y] >= 0) {
            it->terms[y] = it->tld.price[TLD_REGISTER][y];
            any = true;
        }
    }
    it->price = it->terms[1];
    it->orderable = it->availability == SHOP_AVAILABLE && !it->premium && any;
    if (it->premium && it->availability != SHOP_TAKEN)
        snprintf(it->reason, sizeof it->reason,
                 "a premium name: not offered here");
    else if (it->availability == SHOP_AVAILABLE && !any)
        snprintf(it->reason, sizeof it->reason,
                 "no registration price is set for .%s", it->tld.tld);
}

/* item_init - name in TLD t; false (with reason) when the two do not make
 * a valid name. */
static bool item_init(struct shop_item *it, const char *label,
                      const struct tld *t)
{
    char buf[NAME_MAX_ASCII + SHOP_LABEL_MAX + 2];
    struct name nm;
    struct rm_err e;

    memset(it, 0, sizeof *it);
    it->tld = *t;
    it->availability = SHOP_UNKNOWN;
    it->price = TLD_NOPRICE;
    for (int y = 0; y <= TLD_MAX_TERM; y++)
        it->terms[y] = TLD_NOPRICE;
    snprintf(buf, sizeof buf, "%s.%s", label, t->tld);
    snprintf(it->name, sizeof it->name, "%.*s", (int)(sizeof it->name - 1),
             buf);
    snprintf(it->unicode, sizeof it->unicode, "%s", it->name);
    rm_err_clear(&e);
    if (name_parse(buf, &nm, &e) < 0) {
        snprintf(it->reason, sizeof it->reason, "%s", e.msg);
        return false;
    }
    snprintf(it->name, sizeof it->name, "%s", nm.ascii);
    snprintf(it->unicode, sizeof it->unicode, "%s", nm.unicode);
    return true;
}

/* One connection's share of the search. */
struct group {
    int64_t conn_id;
    size_t *idx; /* indexes into results */
    size_t n;
};

/* The suggestions collected from every connection. */
struct sugg {
    struct shop_item *v;
    size_t n, cap;
};

static void sugg_add(struct sugg *s, const struct shop_item *it)
{
    if (s->n == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 16;
        s->v = xrealloc(s->v, s->cap * sizeof *s->v);
    }
    s->v[s->n++] = *it;
}

static bool sugg_has(const struct sugg *s, const char *name)
{
    for (size_t i = 0; i < s->n; i++)
        if (strcmp(s->v[i].name, name) == 0)
            return true;
    return false;
}

/* sugg_drop - remove name from s (when it is there). */
static void sugg_drop(struct sugg *s, const char *name)
{
    for (size_t i = 0; i < s->n; i++)
        if (strcmp(s->v[i].name, name) == 0) {
            memmove(&s->v[i], &s->v[i + 1], (s->n - i - 1) * sizeof *s->v);
            s->n--;
            return;
        }
}

/* Where the answers go. */
struct search {
    struct app *app;
    struct shop_result *out;
    const struct tld *tlds;
    size_t ntld;
    bool *done; /* per result: answered */
    struct sugg regular, premium;
    int max, pmax;
};

static bool is_result(const struct search *s, const char *name)
{
    for (size_t i = 0; i < s->out->n; i++)
        if (strcasecmp(s->out->results[i].name, name) == 0)
            return true;
    return false;
}

static void unanswered(struct search *s, const struct group *g, const char *why)
{
    for (size_t i = 0; i < g->n; i++) {
        struct shop_item *it = &s->out->results[g->idx[i]];
        if (s->done[g->idx[i]])
            continue;
        it->availability = SHOP_UNKNOWN;
        snprintf(it->reason, sizeof it->reason, "%s", why);
    }
}

/* from_status - the registrar's word for a name it looked up. */
static void from_status(struct shop_item *it, const char *status)
{
    if (strcasecmp(status, "available") == 0) {
        it->availability = SHOP_AVAILABLE;
    } else if (strcasecmp(status, "taken") == 0) {
        it->availability = SHOP_TAKEN;
    } else {
        it->availability = SHOP_UNKNOWN;
        snprintf(it->reason, sizeof it->reason,
                 "the registrar could not tell (%.40s)",
                 *status ? status : "no status");
    }
}

/* suggestion - an item of the suggestion or premium service: kept when it
 * is valid, available, in a TLD of this connection and new. */
static void suggestion(struct search *s, const struct group *g,
                       const struct reg_suggestion *r)
{
    struct name nm;
    struct rm_err e;
    struct shop_item it;

    if (!r->available || strcasecmp(r->status, "available") != 0)
        return;
    rm_err_clear(&e);
    if (name_parse(r->domain, &nm, &e) < 0 || nm.labels < 2)
        return;
    int k = tld_index(s->tlds, s->ntld, &nm);
    if (k < 0 || s->tlds[k].connection_id != g->conn_id ||
        nm.labels != 1 + labels_in(s->tlds[k].tld))
        return;
    /* a name the premium service lists is premium, whichever service
     * named it first */
    if (r->premium)
        sugg_drop(&s->regular, nm.ascii);
    if (is_result(s, nm.ascii) || sugg_has(&s->regular, nm.ascii) ||
        sugg_has(&s->premium, nm.ascii))
        return;
    memset(&it, 0, sizeof it);
    snprintf(it.name, sizeof it.name, "%s", nm.ascii);
    snprintf(it.unicode, sizeof it.unicode, "%s", nm.unicode);
    it.tld = s->tlds[k];
    it.availability = SHOP_AVAILABLE;
    it.premium = r->premium;
    set_prices(&it);
    sugg_add(r->premium ? &s->premium : &s->regular, &it);
}

/* ask_suggest - one NAME_SUGGEST for results idx[0..n) of g; true when
 * the registrar answered it (even with a refusal: *refused). */
static bool ask_suggest(struct search *s, struct conn_session *sess,
                        const struct group *g, const size_t *idx, size_t n,
                        bool with_suggestions, bool *refused, char *why,
                        size_t whyn)
{
    const char **tl = xcalloc(n ? n : 1, sizeof *tl);
    struct reg_suggest_req q;
    struct reg_suggest r;
    struct rm_err e;

    for (size_t i = 0; i < n; i++)
        tl[i] = s->out->results[idx[i]].tld.tld;
    memset(&q, 0, sizeof q);
    q.search = s->out->label;
    q.tlds = tl;
    q.n_tlds = n;
    q.lookup.tlds = tl;
    q.lookup.n_tlds = n;
    q.lookup.maximum = (int)n;
    if (with_suggestions) {
        q.suggestion.tlds = tl;
        q.suggestion.n_tlds = n;
        q.suggestion.maximum = s->max;
        q.premium = true;
        q.premium_opts.tlds = tl;
        q.premium_opts.n_tlds = n;
        q.premium_opts.maximum = s->pmax;
    } else {
        /* only the lookup: the least the registrar will take */
        q.suggestion.tlds = tl;
        q.suggestion.n_tlds = n;
        q.suggestion.maximum = 1;
    }
    rm_err_clear(&e);
    memset(&r, 0, sizeof r);
    int rc = reg_suggest_ex(sess->reg, &q, &r, &e);
    s->out->calls++;
    free(tl);
    *refused = false;
    if (rc < 0) {
        bool answered = r.reply.delivery == REG_ANSWERED;
        *refused = answered;
        snprintf(why, whyn, "%s: %.400s",
                 answered ? "the registrar refused the search"
                          : "the registrar did not answer",
                 e.msg[0] ? e.msg : r.reply.text);
        reg_suggest_release(&r);
        return answered;
    }
    for (size_t i = 0; i < r.n; i++) {
        const struct reg_suggestion *it = &r.items[i];
        if (it->from == REG_SUGGEST_LOOKUP || it->from == REG_SUGGEST_PREMIUM) {
            /* the registrar may write an IDN either way */
            struct name nm;
            struct rm_err pe;
            rm_err_clear(&pe);
            const char *dom =
                name_parse(it->domain, &nm, &pe) == 0 ? nm.ascii : it->domain;
            for (size_t j = 0; j < n; j++) {
                struct shop_item *res = &s->out->results[idx[j]];
                if (strcasecmp(res->name, dom) != 0)
                    continue;
                if (it->from == REG_SUGGEST_PREMIUM) {
                    res->premium = true;
                } else {
                    from_status(res, it->status);
                    s->done[idx[j]] = true;
                }
            }
        }
        if (with_suggestions && it->from != REG_SUGGEST_LOOKUP)
            suggestion(s, g, it);
    }
    reg_suggest_release(&r);
    return true;
}

/* ask_lookup - LOOKUP of one result; false when the registrar did not
 * answer (the caller stops asking it). */
static bool ask_lookup(struct search *s, struct conn_session *sess, size_t i,
                       bool *answered)
{
    struct shop_item *it = &s->out->results[i];
    struct reg_lookup lk;
    struct rm_err e;

    rm_err_clear(&e);
    memset(&lk, 0, sizeof lk);
    int rc = reg_lookup(sess->reg, it->name, &lk, &e);
    s->out->calls++;
    if (lk.reply.delivery == REG_ANSWERED)
        *answered = true;
    if (rc < 0) {
        it->availability = SHOP_UNKNOWN;
        snprintf(it->reason, sizeof it->reason, "%s: %.400s",
                 lk.reply.delivery == REG_ANSWERED
                     ? "the registrar could not look it up"
                     : "the registrar did not answer",
                 e.msg[0] ? e.msg : lk.reply.text);
        return lk.reply.delivery == REG_ANSWERED;
    }
    s->done[i] = true;
    it->premium = it->premium || lk.premium;
    switch (lk.availability) {
    case REG_AVAILABLE:
        it->availability = SHOP_AVAILABLE;
        break;
    case REG_TAKEN:
        it->availability = SHOP_TAKEN;
        break;
    case REG_PENDING_ELSEWHERE:
        it->availability = SHOP_TAKEN;
        snprintf(it->reason, sizeof it->reason,
                 "a registration is waiting at the registry");
        break;
    case REG_INVALID:
        it->availability = SHOP_UNKNOWN;
        snprintf(it->reason, sizeof it->reason,
                 "the registry does not accept this name");
        break;
    }
    return true;
}

/* ask_group - every registrar call for one connection. */
static void ask_group(struct search *s, const struct group *g)
{
    struct conn_session sess;
    struct rm_err e;
    char why[REG_TEXT_MAX];
    bool answered = false, refused = false;

    s->out->connections++;
    rm_err_clear(&e);
    if (conn_session_open(s->app, g->conn_id, &sess, &e) < 0) {
        snprintf(why, sizeof why, "the registrar cannot be asked: %.400s",
                 e.msg);
        unanswered(s, g, why);
        return;
    }
    bool down = false;
    if (sess.reg->ops->suggest_ex) {
        for (size_t off = 0; off < g->n && !down && !refused;
             off += SHOP_TLDS_PER_CALL) {
            size_t n = g->n - off < SHOP_TLDS_PER_CALL ? g->n - off
                                                       : SHOP_TLDS_PER_CALL;
            if (ask_suggest(s, &sess, g, g->idx + off, n, off == 0, &refused,
                            why, sizeof why))
                answered = true;
            else
                down = true;
        }
    }
    if (down) {
        unanswered(s, g, why);
    } else {
        /* names the answer did not report, or every name when the driver
         * or the registrar does not do NAME_SUGGEST: one LOOKUP each */
        for (size_t i = 0; i < g->n; i++) {
            if (s->done[g->idx[i]])
                continue;
            if (!ask_lookup(s, &sess, g->idx[i], &answered)) {
                snprintf(why, sizeof why, "%s",
                         s->out->results[g->idx[i]].reason);
                unanswered(s, g, why);
                break;
            }
        }
    }
    conn_session_close(&sess);
    if (answered)
        s->out->answered++;
}

/* here - a name live in regman is taken; the account's own say so. */
static int here(struct app *app, int64_t account_id, struct shop_item *it,
                struct rm_err *err)
{
    static const char sql[] = "SELECT account_id FROM domains WHERE id = ?";
    struct store_stmt *st;
    int64_t id = 0, owner = 0;
    int rc;

    if ((rc = ops_live_domain(app, it->name, &id, err)) < 0 || !id)
        return rc;
    if ((rc = store_prepare(app->st, sql, &st, err)) < 0)
        return rc;
    store_bind_int64(st, 1, id);
    if ((rc = store_step(st, err)) == STORE_ROW)
        owner = store_col_int64(st, 0);
    store_stmt_release(st);
    if (rc < 0)
        return rc;
    it->mine = account_id && owner == account_id;
    it->availability = SHOP_TAKEN;
    snprintf(it->reason, sizeof it->reason, "%s",
             it->mine ? "yours: registered or ordered with us"
                      : "already registered or ordered with us");
    return 0;
}

/* trim - in without blanks at either end into out (n bytes); false when
 * that does not fit. */
static bool trim(const char *in, char *out, size_t n)
{
    while (*in && isspace((unsigned char)*in))
        in++;
    size_t len = strlen(in);
    while (len && isspace((unsigned char)in[len - 1]))
        len--;
    if (len >= n)
        return false;
    memcpy(out, in, len);
    out[len] = '\0';
    return true;
}

int shop_search(struct app *app, const char *text, const char *account, int max,
                struct shop_result *out, struct rm_err *err)
{
    struct tld *tlds = NULL;
    size_t ntld = 0;
    struct group *groups = NULL;
    size_t ngroups = 0;
    struct account acct = {0};
    struct search s;
    int exact = -1, rc;

    memset(out, 0, sizeof *out);
    memset(&s, 0, sizeof s);
    if (!text)
        text = "";
    if (!trim(text, out->query, sizeof out->query))
        return rm_err_set(err, RM_EINVAL, "the search is longer than %d bytes",
                          NAME_MAX_INPUT);
    if (max == 0)
        max = SHOP_MAX_DEFAULT;
    if (max < 1 || max > SHOP_MAX_LIMIT)
        return rm_err_set(err, RM_EINVAL, "max: 1 to %d suggestions",
                          SHOP_MAX_LIMIT);
    if (account && (rc = account_get(app, account, &acct, err)) < 0)
        return rc;
    if ((rc = tld_list(app, &tlds, &ntld, err)) < 0)
        return rc;
    /* a reseller's customer sees its reseller's prices */
    for (size_t k = 0; account && k < ntld; k++)
        if ((rc = reseller_apply_prices(app, acct.id, &tlds[k], err)) < 0)
            goto out;
    if (!ntld) {
        rc = rm_err_set(err, RM_ENOTFOUND, "no TLD is offered");
        goto out;
    }
    if ((rc = parse_query(out->query, tlds, ntld, out, &exact, err)) < 0)
        goto out;

    /* the results: the name typed first, then every TLD sold in order */
    out->results = xcalloc(ntld, sizeof *out->results);
    s.done = xcalloc(ntld, sizeof *s.done);
    for (size_t pass = 0; pass < 2; pass++)
        for (size_t k = 0; k < ntld; k++) {
            if ((pass == 0) != ((int)k == exact))
                continue;
            struct shop_item *it = &out->results[out->n++];
            if (!item_init(it, out->label, &tlds[k]))
                s.done[out->n - 1] = true; /* nothing to ask */
            it->exact = (int)k == exact;
        }
    /* grouped by connection, in the order the results show them */
    groups = xcalloc(out->n, sizeof *groups);
    for (size_t i = 0; i < out->n; i++) {
        if (s.done[i])
            continue;
        size_t g = 0;
        while (g < ngroups &&
               groups[g].conn_id != out->results[i].tld.connection_id)
            g++;
        if (g == ngroups) {
            groups[g].conn_id = out->results[i].tld.connection_id;
            groups[g].idx = xcalloc(out->n, sizeof *groups[g].idx);
            ngroups++;
        }
        groups[g].idx[groups[g].n++] = i;
    }
    s.app = app;
    s.out = out;
    s.tlds = tlds;
    s.ntld = ntld;
    s.max = max;
    s.pmax = (max + 3) / 4;
    for (size_t g = 0; g < ngroups; g++)
        ask_group(&s, &groups[g]);

    for (size_t i = 0; i < out->n; i++) {
        struct shop_item *it = &out->results[i];
        if ((rc = here(app, acct.id, it, err)) < 0)
            goto out;
        set_prices(it);
    }
    /* suggestions: the registrar's own first, premium names after them,
     * at most a quarter of the list */
    size_t np = s.premium.n < (size_t)s.pmax ? s.premium.n : (size_t)s.pmax;
    size_t nr = s.regular.n < (size_t)max - np ? s.regular.n : (size_t)max - np;
    out->suggestions = xcalloc(nr + np ? nr + np : 1, sizeof *out->suggestions);
    for (size_t pass = 0; pass < 2; pass++) {
        struct sugg *from = pass ? &s.premium : &s.regular;
        size_t want = pass ? np : nr;
        for (size_t i = 0; i < from->n && want; i++) {
            struct shop_item *it = &from->v[i];
            if ((rc = here(app, acct.id, it, err)) < 0)
                goto out;
            if (it->availability != SHOP_AVAILABLE)
                continue;
            out->suggestions[out->nsug++] = *it;
            want--;
        }
    }
    rc = 0;
out:
    for (size_t g = 0; g < ngroups; g++)
        free(groups[g].idx);
    free(groups);
    free(s.done);
    free(s.regular.v);
    free(s.premium.v);
    free(tlds);
    if (rc < 0)
        shop_result_release(out);
    return rc;
}
