/*
 * portfolio - the lifecycle's portfolio work (contract in lifecycle.h):
 * sync with the registrar's list (L4, L5 in lifecycle.c), the names it
 * lists that are unknown here, and adopting an existing portfolio
 * (import).
 */
#include "core/lifecycle.h"
#include "core/lifecycle_int.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/account.h"
#include "core/conn.h"
#include "core/ops.h"
#include "core/tld.h"
#include "mail/template.h"
#include "util/buf.h"
#include "util/clock.h"
#include "util/log.h"
#include "util/xalloc.h"
#include "core/outbox.h"

/* --- portfolio sync --------------------------------------------------------
 */

static int item_cmp(const void *a, const void *b)
{
    return strcmp(((const struct reg_expiring_item *)a)->domain,
                  ((const struct reg_expiring_item *)b)->domain);
}

/* A bounded list of report lines. */
struct report_list {
    struct buf b;
    int64_t n;
};

static void report_add(struct report_list *l, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void report_add(struct report_list *l, const char *fmt, ...)
{
    va_list ap;
    char line[1024];

    if (l->n++ >= LIFECYCLE_REPORT_LINES)
        return;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    buf_addf(&l->b, "%s\n", line);
}

/* fnv1a - 64-bit FNV-1a over n bytes, continuing from h. */
static uint64_t fnv1a(uint64_t h, const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)p[i];
        h *= 0x100000001b3ULL;
    }
    return h;
}

static const char *report_text(struct report_list *l)
{
    if (l->n == 0)
        return "(none)";
    if (l->n > LIFECYCLE_REPORT_LINES)
        buf_addf(&l->b, "... and %" PRId64 " more\n",
                 l->n - LIFECYCLE_REPORT_LINES);
    /* no trailing newline: the template places the list */
    if (l->b.len && l->b.data[l->b.len - 1] == '\n')
        l->b.data[--l->b.len] = '\0';
    return l->b.data;
}

struct sync_state {
    struct lifecycle_ctx *c;
    struct lifecycle_stats *s;
    const struct conn *conn;
    struct reg_expiring *list;
    unsigned char *matched;
    int64_t from, to;
    /* when the listing began: a domain changed since (an order that
     * completed while the registrar listed) is not judged by it (L4) */
    int64_t listed_at;
    struct report_list drift, missing, restored, unknown, away;
    /* the registrar's completed transfers away, by domain (NULL: the
     * driver cannot list them, or the listing failed) */
    struct reg_transfers_away *gone;
    /* unknown names this sync saw for the first time (L5) */
    struct report_list unknown_new;
};

/* report_digest - the changes a sync report lists (drift, missing,
 * restored, names newly unknown), hashed. */
static uint64_t report_digest(const struct sync_state *ss)
{
    const struct report_list *l[] = {&ss->drift, &ss->missing, &ss->restored,
                                     &ss->unknown_new, &ss->away};
    uint64_t h = 0xcbf29ce484222325ULL;

    for (size_t i = 0; i < sizeof l / sizeof *l; i++) {
        char n[24];
        /* the counts too: lines past the report's limit are not kept */
        h = fnv1a(
            h, n,
            (size_t)snprintf(n, sizeof n, "%zu:%" PRId64 ";", i, l[i]->n));
        h = fnv1a(h, l[i]->b.data ? l[i]->b.data : "", l[i]->b.len);
    }
    return h;
}

static int sync_update(struct app *app, int64_t id, int64_t expires,
                       const char *status, int64_t now, struct rm_err *err)
{
    static const char sql[] = "UPDATE domains SET expires_at = ?, status = ?, "
                              "updated_at = ? WHERE id = ?";
    struct store_stmt *s;
    int rc;

    if ((rc = store_prepare(app->st, sql, &s, err)) < 0)
        return rc;
    if (expires > 0)
        store_bind_int64(s, 1, expires);
    else
        store_bind_null(s, 1);
    store_bind_text(s, 2, status);
    store_bind_int64(s, 3, now);
    store_bind_int64(s, 4, id);
    rc = store_step(s, err);
    store_stmt_release(s);
    return rc < 0 ? rc : 0;
}

static int away_cmp(const void *a, const void *b)
{
    return strcmp(((const struct reg_transfer_away *)a)->domain,
                  ((const struct reg_transfer_away *)b)->domain);
}

/* gone_away - d left for another registrar: its completed transfer away,
 * requested after our row was made (an older one is about an earlier life
 * of the name here), else NULL. */
static const struct reg_transfer_away *
gone_away(struct sync_state *ss, const struct lifecycle_domain *d,
          struct rm_err *err, int *rc)
{
    struct reg_transfer_away key, *it;
    struct store_stmt *s;
    int64_t created = 0, when;

    *rc = 0;
    if (!ss->gone || !ss->gone->n)
        return NULL;
    snprintf(key.domain, sizeof key.domain, "%s", d->name);
    it = bsearch(&key, ss->gone->items, ss->gone->n, sizeof *it, away_cmp);
    if (!it)
        return NULL;
    if ((*rc = store_prepare(ss->c->app->st,
                             "SELECT created_at FROM domains WHERE id = ?", &s,
                             err)) < 0)
        return NULL;
    store_bind_int64(s, 1, d->domain_id);
    if ((*rc = store_step(s, err)) == STORE_ROW)
        created = store_col_int64(s, 0);
    store_stmt_release(s);
    if (*rc < 0)
        return NULL;
    *rc = 0;
    when = (int64_t)(it->owner_confirmed   ? it->owner_confirmed
                     : it->owner_requested ? it->owner_requested
                                           : it->requested);
    return when && when < created ? NULL : it;
}

/* leave - d was transferred away (L6): status transferred_away, no
 * renewal here any more, the customer told once (in this transaction). */
static int leave(struct sync_state *ss, const struct lifecycle_domain *d,
                 const struct reg_transfer_away *it, struct rm_err *err)
{
    static const char sql[] =
        "UPDATE domains SET status = 'transferred_away', auto_renew = 0, "
        "away_status = NULL, away_seen_at = NULL, updated_at = ? WHERE id = "
        "?";
    struct app *app = ss->c->app;
    const char *to =
        it->gaining_registrar[0] ? it->gaining_registrar : "another registrar";
    struct store_stmt *s;
    char day[16];
    int64_t when =
        (int64_t)(it->owner_confirmed ? it->owner_confirmed : it->requested);
    int rc;

    if ((rc = store_prepare(app->st, sql, &s, err)) < 0)
        return rc;
    store_bind_int64(s, 1, ss->c->now);
    store_bind_int64(s, 2, d->domain_id);
    rc = store_step(s, err);
    store_stmt_release(s);
    if (rc < 0)
        return rc;
    report_add(&ss->away, "%s: to %s (%s)", d->unicode, to,
               lc_ymd(when ? when : ss->c->now, day, sizeof day));
    ss->s->away++;
    if (!lc_can_mail(ss->c))
        return 0;
    char email[256] = "", customer[128] = "", key[64];
    if ((rc = store_prepare(app->st,
                            "SELECT email, name FROM accounts WHERE id = ?", &s,
                            err)) < 0)
        return rc;
    store_bind_int64(s, 1, d->account_id);
    if ((rc = store_step(s, err)) == STORE_ROW) {
        lc_cpy(email, sizeof email, s, 0);
        lc_cpy(customer, sizeof customer, s, 1);
    }
    store_stmt_release(s);
    if (rc < 0 || !email[0])
        return rc < 0 ? rc : 0;
    struct tmpl_var vars[] = {{"customer", customer},
                              {"domain", d->unicode},
                              {"registrar", to},
                              {"date", day}};
    snprintf(key, sizeof key, "away:%" PRId64, d->domain_id);
    return outbox_queue_template(
        app->st, ss->c->mc, key, email, "transferred_away", vars,
        sizeof vars / sizeof vars[0], ss->c->now, NULL, err);
}

/* sync_domain - compare one of our domains with the registrar's list;
 * changed: an order of it began or ended (or the row was made) after the
 * listing began. */
static int sync_domain(struct sync_state *ss, const struct lifecycle_domain *d,
                       int64_t changed, struct rm_err *err)
{
    struct reg_expiring_item key, *it;
    int64_t now = ss->c->now, exp = d->expires_at;
    const char *status = d->status;
    char a[16], b[16];

    snprintf(key.domain, sizeof key.domain, "%s", d->name);
    it = ss->list->n
             ? bsearch(&key, ss->list->items, ss->list->n, sizeof *it, item_cmp)
             : NULL;
    if (changed) {
        /* changed while the registrar listed: the list may predate it
         * (a registration it does not show yet, a renewal's old date);
         * the next sync judges it */
        if (it)
            ss->matched[it - ss->list->items] = 1;
        return 0;
    }
    if (!it) {
        /* not listed: gone to another registrar, when it says so */
        int rc;
        const struct reg_transfer_away *away = gone_away(ss, d, err, &rc);
        if (rc < 0)
            return rc;
        if (away)
            return leave(ss, d, away, err);
    }
    if (it) {
        ss->matched[it - ss->list->items] = 1;
        if (it->expiry > 0 && (int64_t)it->expiry != exp) {
            report_add(&ss->drift, "%s: %s -> %s", d->unicode,
                       lc_ymd(exp, a, sizeof a),
                       lc_ymd((int64_t)it->expiry, b, sizeof b));
            ss->s->drift++;
            exp = (int64_t)it->expiry;
        }
        if (strcmp(status, "missing") == 0) {
            status = exp > now ? "active" : "expired";
            report_add(&ss->restored, "%s: listed again, now %s", d->unicode,
                       status);
            ss->s->restored++;
        } else if (strcmp(status, "expired") == 0 && exp > now) {
            status = "active";
        }
    } else if (strcmp(status, "missing") != 0 && exp >= ss->from &&
               exp <= ss->to) {
        /* L4: flagged, never deleted */
        status = "missing";
        report_add(&ss->missing, "%s: expires %s here, not listed", d->unicode,
                   lc_ymd(exp, a, sizeof a));
        ss->s->missing++;
    }
    if (exp == d->expires_at && strcmp(status, d->status) == 0)
        return 0;
    return sync_update(ss->c->app, d->domain_id, exp, status, now, err);
}

/* --- after expiry: the registrar's phase ------------------------------ */

/* What the registrar says of a domain past its expiry. */
struct phase_seen {
    enum reg_phase phase; /* stated, or REG_PHASE_NONE */
    int64_t grace_end, redemption_end, delete_at; /* stated, else 0 */
    bool read;                                    /* GET DOMAIN answered */
    bool refused; /* GET DOMAIN answered with a refusal */
    bool free;    /* LOOKUP: available at the registry */
};

/* phase_from_info - the phase fields of a GET DOMAIN answer. */
static void phase_from_info(const struct reg_domain_info *i,
                            struct phase_seen *p)
{
    p->read = true;
    p->phase = i->phase;
    p->grace_end = (int64_t)i->grace_end;
    p->redemption_end = (int64_t)i->redemption_end;
    p->delete_at = (int64_t)i->delete_at;
}

/* phase_free - LOOKUP: is the name free at the registry (the domain was
 * deleted)? A LOOKUP that fails says nothing. */
static void phase_free(struct conn_session *sess, const char *name,
                       struct phase_seen *p)
{
    struct reg_lookup lk;
    struct rm_err e = {0};

    memset(&lk, 0, sizeof lk);
    if (reg_lookup(sess->reg, name, &lk, &e) == 0)
        p->free = lk.availability == REG_AVAILABLE;
}

/* phase_status - the status of a domain whose expiry exp has passed by
 * now: the registrar's phase where it states one; else the TLD's days
 * from exp (cfg), never "deleted" - only a registry that frees the name
 * (LOOKUP available) or says so makes a domain deleted. */
static const char *phase_status(const struct phase_seen *p, int64_t exp,
                                const struct tld_expiry_cfg *cfg, int64_t now)
{
    const int64_t day = 86400;

    if (p->free || p->phase == REG_PHASE_DELETED)
        return "deleted";
    switch (p->phase) {
    case REG_PHASE_GRACE:
        return "expired";
    case REG_PHASE_REDEMPTION:
        return "redemption";
    case REG_PHASE_PENDING_DELETE:
        return "pending_delete";
    default:
        break;
    }
    if (exp > now)
        return "active";
    if (now < exp + cfg->grace_days * day)
        /* in grace a registrar answers GET for its own domains (OpenSRS
         * does): a refusal says it is not ours any more */
        return p->refused && !p->read ? "missing" : "expired";
    if (now < exp + (cfg->grace_days + cfg->redemption_days) * day)
        return "redemption";
    return "pending_delete";
}

/* past_expiry_status - is st a status a sync may judge by phase? */
static bool phase_judged(const char *st)
{
    return strcmp(st, "active") == 0 || strcmp(st, "expired") == 0 ||
           strcmp(st, "missing") == 0 || strcmp(st, "redemption") == 0 ||
           strcmp(st, "pending_delete") == 0;
}

/* --- one domain, now -------------------------------------------------- */

struct one_tx {
    struct sync_state *ss;
    const struct lifecycle_domain *d;
    const struct reg_transfer_away *away; /* completed: it left */
    struct lifecycle_sync_one *out;
};

/* one_fn - what lifecycle_sync_one read, kept in one transaction; the
 * domain must still be as it was read (D10). */
static int one_fn(struct store *st, void *arg, struct rm_err *err)
{
    static const char sql[] =
        "UPDATE domains SET expires_at = ?, status = ?, away_status = ?, "
        "away_seen_at = ?, updated_at = ?, grace_end_at = ?, "
        "redemption_end_at = ?, delete_at = ?, phase_seen_at = ?, auto_renew "
        "= CASE WHEN ? = 'deleted' THEN 0 ELSE auto_renew END WHERE id = ? "
        "AND status = ?";
    struct one_tx *x = arg;
    struct lifecycle_sync_one *o = x->out;
    struct store_stmt *s;
    int rc;

    if (x->away) {
        if ((rc = leave(x->ss, x->d, x->away, err)) < 0)
            return rc;
        snprintf(o->status, sizeof o->status, "transferred_away");
        return 0;
    }
    if ((rc = store_prepare(st, sql, &s, err)) < 0)
        return rc;
    if (o->expires > 0)
        store_bind_int64(s, 1, o->expires);
    else
        store_bind_null(s, 1);
    store_bind_text(s, 2, o->status);
    store_bind_text(s, 3, o->away_status[0] ? o->away_status : NULL);
    if (o->away_status[0])
        store_bind_int64(s, 4, x->ss->c->now);
    else
        store_bind_null(s, 4);
    store_bind_int64(s, 5, x->ss->c->now);
    /* the phase dates: kept as the registrar last stated them; cleared
     * once the domain lives again (renewed, restored) */
    bool live = strcmp(o->status, "active") == 0;
    const int64_t dates[] = {o->grace_end, o->redemption_end, o->delete_at};
    for (int i = 0; i < 3; i++)
        if (!live && dates[i] > 0)
            store_bind_int64(s, 6 + i, dates[i]);
        else
            store_bind_null(s, 6 + i);
    if (o->phase_read)
        store_bind_int64(s, 9, x->ss->c->now);
    else
        store_bind_null(s, 9);
    store_bind_text(s, 10, o->status);
    store_bind_int64(s, 11, x->d->domain_id);
    store_bind_text(s, 12, x->d->status);
    rc = store_step(s, err);
    store_stmt_release(s);
    if (rc < 0)
        return rc;
    if (store_changes(st) != 1)
        return rm_err_set(err, RM_EREFUSED, "%s changed meanwhile; try again",
                          x->d->name);
    return 0;
}

int lifecycle_sync_one(struct lifecycle_ctx *c, const char *name,
                       const char *account, struct lifecycle_sync_one *out,
                       struct rm_err *err)
{
    static const char sql[] =
        "SELECT " DOMAIN_COLS ", d.created_at, COALESCE(a.name, '') FROM "
        "domains d JOIN accounts a ON a.id = d.account_id WHERE d.name = ? "
        "AND d.status NOT IN ('failed', 'cancelled', 'transferred_away', "
        "'deleted')";
    struct app *app = c->app;
    struct lifecycle_domain d;
    struct lifecycle_stats stats;
    struct sync_state ss;
    struct conn_session sess;
    struct reg_domain_info info;
    struct reg_domain_status dst;
    struct reg_transfers_away aw;
    const struct reg_transfer_away *gone = NULL;
    struct store_stmt *s;
    struct name nm;
    char owner[128] = "";
    int64_t created = 0;
    struct phase_seen ph;
    bool listed;
    int rc;

    memset(out, 0, sizeof *out);
    memset(&ph, 0, sizeof ph);
    if ((rc = name_parse(name, &nm, err)) < 0)
        return rc;
    if ((rc = store_prepare(app->st, sql, &s, err)) < 0)
        return rc;
    store_bind_text(s, 1, nm.ascii);
    rc = store_step(s, err);
    if (rc == STORE_ROW) {
        lc_read_domain(s, &d);
        created = store_col_int64(s, 9);
        lc_cpy(owner, sizeof owner, s, 10);
    }
    store_stmt_release(s);
    if (rc < 0)
        return rc;
    if (rc != STORE_ROW || (account && strcmp(account, owner) != 0)) {
        struct account a;
        /* an account given by id: compare its name */
        if (rc == STORE_ROW && account_get(app, account, &a, NULL) == 0 &&
            strcmp(a.name, owner) == 0)
            ;
        else
            return rm_err_set(err, RM_ENOTFOUND, "no such domain: %s",
                              nm.ascii);
    }
    snprintf(out->domain, sizeof out->domain, "%s", d.name);
    snprintf(out->status_before, sizeof out->status_before, "%s", d.status);
    snprintf(out->status, sizeof out->status, "%s", d.status);
    out->expires_before = out->expires = d.expires_at;
    if (strcmp(d.status, "registering") == 0 ||
        strcmp(d.status, "transferring") == 0 ||
        strcmp(d.status, "renewing") == 0 || strcmp(d.status, "restoring") == 0)
        return rm_err_set(err, RM_EREFUSED,
                          "%s is %s: the Async Manager follows its order "
                          "(regman async list)",
                          d.name, d.status);

    if ((rc = conn_session_open(app, d.connection_id, &sess, err)) < 0)
        return rc;
    memset(&info, 0, sizeof info);
    memset(&dst, 0, sizeof dst);
    memset(&aw, 0, sizeof aw);
    struct reg_belongs bl;
    memset(&bl, 0, sizeof bl);
    if ((rc = sess.reg->ops->belongs(sess.reg->impl, d.name, &bl, err)) < 0)
        goto out; /* no answer: nothing changes */
    listed = bl.ours;
    if (listed &&
        (rc = sess.reg->ops->info(sess.reg->impl, d.name, &info, err)) < 0)
        goto out;
    if (listed && info.expiry <= 0)
        info.expiry = bl.expiry;
    if (sess.reg->ops->transfers_away) {
        struct reg_away_query q = {.domain = d.name};
        struct rm_err e = {0};
        if (reg_transfers_away(sess.reg, &q, &aw, &e) < 0) {
            if (!listed) {
                /* it is not ours there: why, we could not learn */
                rc = rm_err_set(err, e.code ? e.code : RM_EIO, "%s", e.msg);
                goto out;
            }
        }
    }
    for (size_t i = 0; i < aw.n; i++) {
        struct reg_transfer_away *t = &aw.items[i];
        for (char *p = t->domain; *p; p++)
            *p = (char)tolower((unsigned char)*p);
        if (strcmp(t->domain, d.name) != 0)
            continue;
        int64_t when = (int64_t)(t->owner_confirmed   ? t->owner_confirmed
                                 : t->owner_requested ? t->owner_requested
                                                      : t->requested);
        if (when && when < created)
            continue; /* an earlier life of the name here */
        if (t->state == REG_XFER_COMPLETED && !listed)
            gone = t;
        else if (t->state == REG_XFER_PENDING_OWNER ||
                 t->state == REG_XFER_PENDING_ADMIN ||
                 t->state == REG_XFER_PENDING_REGISTRY)
            snprintf(out->away_status, sizeof out->away_status, "%s",
                     t->status[0] ? t->status
                                  : reg_transfer_state_name(t->state));
    }
    if (listed) {
        struct rm_err e = {0};
        if (sess.reg->ops->status(sess.reg->impl, d.name, &dst, &e) == 0) {
            out->locked = dst.locked;
            if (dst.transfer_away_in_progress && !out->away_status[0])
                snprintf(out->away_status, sizeof out->away_status,
                         "in progress");
        }
        if (info.expiry > 0)
            out->expires = (int64_t)info.expiry;
        phase_from_info(&info, &ph);
        if (phase_judged(d.status))
            snprintf(out->status, sizeof out->status, "%s",
                     out->expires > 0 && out->expires <= c->now ? "expired"
                                                                : "active");
    } else if (!gone) {
        /* BELONGS_TO_RSP says 0 for a domain past its expiry that the
         * registrar still holds (grace, redemption): expired, not gone.
         * Where it stands: GET DOMAIN, whose expiry is the registrar's
         * (a registrar that answers it past expiry states the phase);
         * refused, the name is not ours there - LOOKUP says whether the
         * registry freed it (deleted) */
        struct reg_domain_info pi;
        struct rm_err e = {0};
        memset(&pi, 0, sizeof pi);
        if (sess.reg->ops->info(sess.reg->impl, d.name, &pi, &e) == 0) {
            phase_from_info(&pi, &ph);
            if (pi.expiry > 0)
                out->expires = (int64_t)pi.expiry;
            snprintf(out->status, sizeof out->status, "%s",
                     out->expires > 0 && out->expires <= c->now ? "expired"
                                                                : "active");
        } else if (pi.reply.delivery != REG_ANSWERED || pi.reply.code < 400) {
            /* no answer: nothing changes */
            rc = rm_err_set(err, e.code ? e.code : RM_EIO, "%s", e.msg);
            goto out;
        } else {
            ph.refused = true;
            snprintf(out->status, sizeof out->status, "%s",
                     d.expires_at > 0 && d.expires_at <= c->now ? "expired"
                                                                : "missing");
            if (strcmp(out->status, "expired") == 0)
                phase_free(&sess, d.name, &ph);
        }
    }
    if (strcmp(out->status, "expired") == 0 ||
        (strcmp(out->status, "active") == 0 && out->expires > c->now &&
         ph.phase > REG_PHASE_ACTIVE)) {
        struct tld_domain_expiry de;
        if ((rc = tld_domain_expiry(app, d.domain_id, &de, err)) < 0)
            goto out;
        snprintf(out->status, sizeof out->status, "%s",
                 phase_status(&ph, out->expires, &de.cfg, c->now));
    }
    out->phase_read = ph.read || ph.free;
    out->grace_end = ph.grace_end;
    out->redemption_end = ph.redemption_end;
    out->delete_at = ph.delete_at;
    rc = 0;
out:
    conn_session_close(&sess);
    if (rc < 0) {
        reg_transfers_away_release(&aw);
        return rc;
    }
    memset(&ss, 0, sizeof ss);
    memset(&stats, 0, sizeof stats);
    ss.c = c;
    ss.s = &stats;
    buf_init(&ss.away.b);
    struct one_tx x = {&ss, &d, gone, out};
    rc = store_tx(app->st, STORE_TX_WRITE, one_fn, &x, err);
    buf_release(&ss.away.b);
    reg_transfers_away_release(&aw);
    if (rc < 0)
        return rc;
    out->gone = gone != NULL;
    if (listed && info.auto_renew &&
        conn_session_open(app, d.connection_id, &sess, err) == 0) {
        /* regman alone renews (renew_off) */
        struct reg_op_result r;
        struct rm_err e = {0};
        memset(&r, 0, sizeof r);
        if (sess.reg->ops->set_expire_action(sess.reg->impl, d.name, false, &r,
                                             &e) == 0 &&
            r.state == REG_OP_DONE)
            out->renew_off = true;
        else
            rm_log(LOG_WARN,
                   "%s: turning the registrar's auto-renew off failed: "
                   "%d %s",
                   d.name, r.reply.code, r.reply.text);
        conn_session_close(&sess);
    }
    rm_log(LOG_INFO, "%s: synced alone: %s -> %s", d.name, d.status,
           out->status);
    return 0;
}

/* One row of registrar_unknown as unknown_save compares them. */
struct unknown_row {
    int64_t id;
    bool seen;
    char name[REG_DOMAIN_MAX];
};

static int unknown_row_cmp(const void *a, const void *b)
{
    return strcmp(((const struct unknown_row *)a)->name,
                  ((const struct unknown_row *)b)->name);
}

/* unknown_rows - the connection's registrar_unknown rows, sorted by name
 * in C (the database's collation is not ours to rely on). */
static int unknown_rows(struct app *app, int64_t conn_id,
                        struct unknown_row **out, size_t *n, struct rm_err *err)
{
    static const char sql[] =
        "SELECT id, name FROM registrar_unknown WHERE connection_id = ?";
    struct store_stmt *s;
    size_t cap = 16;
    int rc;

    *n = 0;
    *out = xmalloc(cap * sizeof **out);
    if ((rc = store_prepare(app->st, sql, &s, err)) < 0)
        return rc;
    store_bind_int64(s, 1, conn_id);
    while ((rc = store_step(s, err)) == STORE_ROW) {
        if (*n == cap)
            *out = xrealloc(*out, (cap *= 2) * sizeof **out);
        (*out)[*n].id = store_col_int64(s, 0);
        (*out)[*n].seen = false;
        lc_cpy((*out)[*n].name, sizeof(*out)[*n].name, s, 1);
        (*n)++;
    }
    store_stmt_release(s);
    if (rc < 0)
        return rc;
    if (*n)
        qsort(*out, *n, sizeof **out, unknown_row_cmp);
    return 0;
}

/* unknown_put - insert a newly unknown name, or refresh its row: one
 * upsert on (connection_id, name). */
static int unknown_put(struct app *app, int64_t conn_id,
                       const struct reg_expiring_item *it, int64_t now,
                       struct rm_err *err)
{
    static const char sql[] =
        "INSERT INTO registrar_unknown (connection_id, name, expires_at, "
        "first_seen_at, last_seen_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT "
        "(connection_id, name) DO UPDATE SET expires_at = excluded.expires_at, "
        "last_seen_at = excluded.last_seen_at";
    struct store_stmt *s;
    int rc;

    if ((rc = store_prepare(app->st, sql, &s, err)) < 0)
        return rc;
    store_bind_int64(s, 1, conn_id);
    store_bind_text(s, 2, it->domain);
    if (it->expiry > 0)
        store_bind_int64(s, 3, (int64_t)it->expiry);
    else
        store_bind_null(s, 3);
    store_bind_int64(s, 4, now);
    store_bind_int64(s, 5, now);
    rc = store_step(s, err);
    store_stmt_release(s);
    return rc < 0 ? rc : 0;
}

static int unknown_delete(struct app *app, int64_t row_id, struct rm_err *err)
{
    struct store_stmt *s;
    int rc;

    if ((rc = store_prepare(app->st,
                            "DELETE FROM registrar_unknown WHERE id = ?", &s,
                            err)) < 0)
        return rc;
    store_bind_int64(s, 1, row_id);
    rc = store_step(s, err);
    store_stmt_release(s);
    return rc < 0 ? rc : 0;
}

/* unknown_save - inside sync_apply's transaction: the names the registrar
 * listed that match no domain here become the connection's
 * registrar_unknown rows (L5); each is a line of the report, and one not
 * in the table before is also a change the report is sent for. */
static int unknown_save(struct sync_state *ss, struct rm_err *err)
{
    struct app *app = ss->c->app;
    struct unknown_row *rows = NULL, key, *r;
    size_t nrows = 0;
    int rc;

    if ((rc = unknown_rows(app, ss->conn->id, &rows, &nrows, err)) < 0)
        goto out;
    for (size_t i = 0; i < ss->list->n; i++) {
        const struct reg_expiring_item *it = &ss->list->items[i];
        int64_t id;
        char e[16];
        if (ss->matched[i] || (i > 0 && strcmp(it->domain, it[-1].domain) == 0))
            continue; /* ours, or listed twice (the list is sorted) */
        if ((rc = ops_live_domain(app, it->domain, &id, err)) < 0)
            goto out;
        if (id)
            continue; /* ours on another connection, or in progress */
        snprintf(key.name, sizeof key.name, "%s", it->domain);
        r = nrows ? bsearch(&key, rows, nrows, sizeof *rows, unknown_row_cmp)
                  : NULL;
        if ((rc = unknown_put(app, ss->conn->id, it, ss->c->now, err)) < 0)
            goto out;
        if (r)
            r->seen = true;
        else
            report_add(&ss->unknown_new, "%s", it->domain);
        report_add(&ss->unknown, "%s: expires %s%s", it->domain,
                   lc_ymd((int64_t)it->expiry, e, sizeof e), r ? "" : ", new");
        ss->s->unknown++;
        if (!r)
            ss->s->unknown_new++;
    }
    for (size_t k = 0; k < nrows; k++)
        if (!rows[k].seen && (rc = unknown_delete(app, rows[k].id, err)) < 0)
            goto out;
    rc = 0;
out:
    free(rows);
    return rc;
}

/* report_clear - the list empty again. */
static void report_clear(struct report_list *l)
{
    buf_reset(&l->b);
    l->n = 0;
}

struct sync_tx {
    struct sync_state *ss;
    struct lifecycle_stats before; /* the stats before the unit of work */
    struct lifecycle_domain *rows;
    int64_t *upd;
};

/* sync_fn - the unit of work of sync_apply; a re-run starts from the
 * stats and the reports as they were before it. */
static int sync_fn(struct store *st, void *arg, struct rm_err *err)
{
    static const char sql[] =
        "SELECT " DOMAIN_COLS ", CASE WHEN d.created_at >= ? OR EXISTS "
        "(SELECT 1 FROM operations o WHERE o.domain_id = d.id AND "
        "(o.created_at >= ? OR COALESCE(o.finished_at, 0) >= ? OR "
        "COALESCE(o.late_at, 0) >= ?)) THEN 1 ELSE 0 END FROM domains d "
        "WHERE d.connection_id = ? AND d.id > ? AND d.status IN ('active', "
        "'expired', 'missing') ORDER BY d.id LIMIT ?";
    struct sync_tx *x = arg;
    struct sync_state *ss = x->ss;
    struct app *app = ss->c->app;
    struct lifecycle_domain *rows = x->rows;
    /* changed[i]: an order of the domain began or ended, or it was made,
     * after the listing began */
    int64_t *upd = x->upd;
    int64_t cur = 0;
    int rc;

    (void)st;
    *ss->s = x->before;
    memset(ss->matched, 0, ss->list->n ? ss->list->n : 1);
    report_clear(&ss->drift);
    report_clear(&ss->missing);
    report_clear(&ss->restored);
    report_clear(&ss->unknown);
    report_clear(&ss->unknown_new);
    report_clear(&ss->away);
    for (;;) {
        struct store_stmt *s;
        size_t n = 0;
        if ((rc = store_prepare(app->st, sql, &s, err)) < 0)
            goto out;
        for (int k = 1; k <= 4; k++)
            store_bind_int64(s, k, ss->listed_at);
        store_bind_int64(s, 5, ss->conn->id);
        store_bind_int64(s, 6, cur);
        store_bind_int64(s, 7, LIFECYCLE_BATCH);
        while (n < LIFECYCLE_BATCH && (rc = store_step(s, err)) == STORE_ROW) {
            upd[n] = store_col_int64(s, 9);
            lc_read_domain(s, &rows[n++]);
        }
        store_stmt_release(s);
        if (rc < 0)
            goto out;
        for (size_t i = 0; i < n; i++)
            if ((rc = sync_domain(ss, &rows[i], upd[i], err)) < 0)
                goto out;
        if (n < LIFECYCLE_BATCH)
            break;
        cur = rows[n - 1].domain_id;
    }
    if ((rc = unknown_save(ss, err)) < 0)
        goto out;
    if ((ss->drift.n || ss->missing.n || ss->restored.n || ss->unknown_new.n ||
         ss->away.n) &&
        lc_can_mail(ss->c) && ss->c->mc->admin) {
        char key[96], when[32], nd[24], nm[24], nr[24], nu[24], nn[24], na[24];
        /* The report is queued in the transaction of the changes it lists,
         * so a run that found nothing new queues nothing; the key only has
         * to tell reports apart, also two from one second (the changes'
         * digest does). */
        snprintf(key, sizeof key, "sync:%" PRId64 ":%" PRId64 ":%016" PRIx64,
                 ss->conn->id, ss->c->now, report_digest(ss));
        snprintf(nd, sizeof nd, "%" PRId64, ss->drift.n);
        snprintf(nm, sizeof nm, "%" PRId64, ss->missing.n);
        snprintf(nr, sizeof nr, "%" PRId64, ss->restored.n);
        snprintf(nu, sizeof nu, "%" PRId64, ss->unknown.n);
        snprintf(nn, sizeof nn, "%" PRId64, ss->unknown_new.n);
        snprintf(na, sizeof na, "%" PRId64, ss->away.n);
        struct tmpl_var vars[] = {
            {"away_count", na},
            {"away", report_text(&ss->away)},
            {"connection", ss->conn->title},
            {"sync_time", clock_format(ss->c->now, when, sizeof when)},
            {"drift_count", nd},
            {"drift", report_text(&ss->drift)},
            {"missing_count", nm},
            {"missing", report_text(&ss->missing)},
            {"restored_count", nr},
            {"restored", report_text(&ss->restored)},
            {"unknown_count", nu},
            {"unknown_new_count", nn},
            {"unknown", report_text(&ss->unknown)},
        };
        if ((rc = outbox_queue_template(
                 app->st, ss->c->mc, key, ss->c->mc->admin, "sync_report", vars,
                 sizeof vars / sizeof vars[0], ss->c->now, NULL, err)) < 0)
            goto out;
    }
    rc = 0;
out:
    return rc;
}

/* sync_apply - one write transaction: every correction of the connection
 * and the report that lists them (L4). */
static int sync_apply(struct sync_state *ss, struct rm_err *err)
{
    struct sync_tx x = {ss, *ss->s, xmalloc(LIFECYCLE_BATCH * sizeof *x.rows),
                        xmalloc(LIFECYCLE_BATCH * sizeof *x.upd)};
    int rc = store_tx(ss->c->app->st, STORE_TX_WRITE, sync_fn, &x, err);

    free(x.rows);
    free(x.upd);
    return rc;
}

/* away_split - all (every transfer away the registrar lists, domains
 * lower-cased) keeps the completed ones; the pending ones (requested,
 * the registrant or the registry not done yet) move to *pending, the
 * rest (cancelled, unknown words) are dropped. */
static void away_split(struct reg_transfers_away *all,
                       struct reg_transfers_away *pending)
{
    size_t keep = 0;

    pending->items = xcalloc(all->n ? all->n : 1, sizeof *pending->items);
    pending->n = 0;
    for (size_t i = 0; i < all->n; i++) {
        struct reg_transfer_away *t = &all->items[i];
        for (char *p = t->domain; *p; p++)
            *p = (char)tolower((unsigned char)*p);
        if (t->state == REG_XFER_COMPLETED)
            all->items[keep++] = *t;
        else if (t->state == REG_XFER_PENDING_OWNER ||
                 t->state == REG_XFER_PENDING_ADMIN ||
                 t->state == REG_XFER_PENDING_REGISTRY)
            pending->items[pending->n++] = *t;
    }
    all->n = keep;
}

struct away_tx {
    int64_t conn_id, now;
    const struct reg_transfers_away *pending;
    int64_t n;
};

/* away_fn - the pending transfers away of one connection, as just read:
 * every live domain of it shows the registrar's status of its pending
 * one, or none. */
static int away_fn(struct store *st, void *arg, struct rm_err *err)
{
    static const char sql_clear[] =
        "UPDATE domains SET away_status = NULL, away_seen_at = NULL WHERE "
        "connection_id = ? AND away_status IS NOT NULL";
    static const char sql_set[] =
        "UPDATE domains SET away_status = ?, away_seen_at = ? WHERE "
        "connection_id = ? AND name = ? AND status NOT IN ('failed', "
        "'cancelled', 'transferred_away', 'deleted')";
    struct away_tx *x = arg;
    struct store_stmt *s;
    int rc;

    x->n = 0;
    if ((rc = store_prepare(st, sql_clear, &s, err)) < 0)
        return rc;
    store_bind_int64(s, 1, x->conn_id);
    rc = store_step(s, err);
    store_stmt_release(s);
    if (rc < 0)
        return rc;
    for (size_t i = 0; i < x->pending->n; i++) {
        const struct reg_transfer_away *t = &x->pending->items[i];
        if ((rc = store_prepare(st, sql_set, &s, err)) < 0)
            return rc;
        store_bind_text(
            s, 1, t->status[0] ? t->status : reg_transfer_state_name(t->state));
        store_bind_int64(s, 2, x->now);
        store_bind_int64(s, 3, x->conn_id);
        store_bind_text(s, 4, t->domain);
        rc = store_step(s, err);
        store_stmt_release(s);
        if (rc < 0)
            return rc;
        x->n += store_changes(st);
    }
    return 0;
}

static int away_pending_save(struct app *app, int64_t conn_id,
                             const struct reg_transfers_away *pending,
                             int64_t now, int64_t *count, struct rm_err *err)
{
    struct away_tx x = {conn_id, now, pending, 0};
    int rc = store_tx(app->st, STORE_TX_WRITE, away_fn, &x, err);
    if (rc == 0)
        *count += x.n;
    return rc;
}

/* renew_off - regman alone renews its domains (its auto-renew, or the
 * customer's own renewal): a live domain the registrar lists with its own
 * auto-renew on (set in the registrar's panel, or adopted by an import)
 * has it turned off there (MODIFY expire_action), so the registrar and
 * regman never both renew it. A call that fails is logged and tried again
 * at the next sync. */
static void renew_off(struct lifecycle_ctx *c, struct lifecycle_stats *s,
                      const struct conn *conn, const struct reg_expiring *list)
{
    static const char sql[] =
        "SELECT 1 FROM domains WHERE connection_id = ? AND name = ? AND "
        "status NOT IN ('failed', 'cancelled', 'transferred_away', 'deleted')";
    struct conn_session sess;
    bool open = false;

    for (size_t i = 0; i < list->n && lc_keep_going(c); i++) {
        const struct reg_expiring_item *it = &list->items[i];
        struct store_stmt *st;
        struct rm_err e = {0};
        int rc;
        bool ours = false;
        if (!it->auto_renew)
            continue;
        if (store_prepare(c->app->st, sql, &st, &e) < 0)
            break;
        store_bind_int64(st, 1, conn->id);
        store_bind_text(st, 2, it->domain);
        ours = store_step(st, &e) == STORE_ROW;
        store_stmt_release(st);
        if (!ours)
            continue;
        if (!open && conn_session_open(c->app, conn->id, &sess, &e) < 0) {
            rm_log(LOG_WARN, "lifecycle: sync %s: %s", conn->title, e.msg);
            break;
        }
        open = true;
        struct reg_op_result r;
        memset(&r, 0, sizeof r);
        rc = sess.reg->ops->set_expire_action(sess.reg->impl, it->domain, false,
                                              &r, &e);
        if (rc == 0 && r.state == REG_OP_DONE) {
            s->renew_off++;
            rm_log(LOG_INFO,
                   "lifecycle: sync %s: %s: the registrar's auto-renew "
                   "turned off (regman renews it)",
                   conn->title, it->domain);
        } else {
            rm_log(LOG_WARN,
                   "lifecycle: sync %s: %s: turning the registrar's "
                   "auto-renew off failed: %d %s",
                   conn->title, it->domain, r.reply.code, r.reply.text);
        }
    }
    if (open)
        conn_session_close(&sess);
}

static int sync_conn(struct lifecycle_ctx *c, struct lifecycle_stats *s,
                     const struct conn *conn, struct rm_err *err)
{
    struct conn_session sess;
    struct reg_expiring list;
    struct sync_state ss;
    int rc;

    memset(&ss, 0, sizeof ss);
    ss.c = c;
    ss.s = s;
    ss.conn = conn;
    ss.from = c->now - LIFECYCLE_SYNC_PAST_S;
    ss.to = c->now + LIFECYCLE_SYNC_FUTURE_S;
    /* The registrar answers by whole days: compare on the same days. */
    ss.from -= ss.from % LIFECYCLE_DAY;
    ss.to += LIFECYCLE_DAY - 1 - ss.to % LIFECYCLE_DAY;
    if ((rc = conn_session_open(c->app, conn->id, &sess, err)) < 0)
        return rc;
    memset(&list, 0, sizeof list);
    ss.listed_at = clock_now();
    rc = sess.reg->ops->expiring(sess.reg->impl, (time_t)ss.from, (time_t)ss.to,
                                 &list, err);
    conn_session_close(&sess);
    if (rc < 0)
        return rc;
    for (size_t i = 0; i < list.n; i++)
        for (char *p = list.items[i].domain; *p; p++)
            *p = (char)tolower((unsigned char)*p);
    if (list.n)
        qsort(list.items, list.n, sizeof *list.items, item_cmp);
    s->listed += (int64_t)list.n;
    ss.list = &list;
    /* the transfers away the registrar completed (L6); a driver without
     * the listing, or a listing that fails, leaves every domain to the
     * comparison above (not listed: missing) */
    struct reg_transfers_away gone, pending;
    memset(&gone, 0, sizeof gone);
    memset(&pending, 0, sizeof pending);
    bool away_read = false;
    if (conn_session_open(c->app, conn->id, &sess, err) == 0) {
        struct reg_away_query q = {0}; /* every status: completed and
                                        * pending ones */
        struct rm_err aerr = {0};
        if (sess.reg->ops->transfers_away &&
            reg_transfers_away(sess.reg, &q, &gone, &aerr) == 0) {
            away_split(&gone, &pending);
            if (gone.n)
                qsort(gone.items, gone.n, sizeof *gone.items, away_cmp);
            ss.gone = &gone;
            away_read = true;
        } else if (sess.reg->ops->transfers_away) {
            rm_log(LOG_WARN, "lifecycle: sync %s: transfers away: %s",
                   conn->title, aerr.msg);
        }
        conn_session_close(&sess);
    }
    ss.matched = xcalloc(list.n ? list.n : 1, 1);
    buf_init(&ss.drift.b);
    buf_init(&ss.missing.b);
    buf_init(&ss.restored.b);
    buf_init(&ss.unknown.b);
    buf_init(&ss.unknown_new.b);
    buf_init(&ss.away.b);
    rc = sync_apply(&ss, err);
    if (rc == 0 && away_read)
        rc = away_pending_save(c->app, conn->id, &pending, c->now,
                               &s->away_pending, err);
    if (rc == 0)
        renew_off(c, s, conn, &list);
    if (rc == 0)
        rm_log(LOG_INFO,
               "lifecycle: sync %s: %zu listed, %" PRId64 " drift, %" PRId64
               " missing, %" PRId64 " restored, %" PRId64
               " unknown here (%" PRId64 " new), %" PRId64 " transferred away",
               conn->title, list.n, ss.drift.n, ss.missing.n, ss.restored.n,
               ss.unknown.n, ss.unknown_new.n, ss.away.n);
    buf_release(&ss.drift.b);
    buf_release(&ss.missing.b);
    buf_release(&ss.restored.b);
    buf_release(&ss.unknown.b);
    buf_release(&ss.unknown_new.b);
    buf_release(&ss.away.b);
    reg_transfers_away_release(&gone);
    reg_transfers_away_release(&pending);
    free(ss.matched);
    reg_expiring_release(&list);
    return rc;
}

static int sync_step(struct lifecycle_ctx *c, struct lifecycle_stats *s,
                     struct rm_err *err)
{
    struct conn *cv = NULL;
    struct rm_err first = {0};
    size_t n = 0;
    int64_t before = s->errors;
    int rc;

    if ((rc = conn_list(c->app, &cv, &n, err)) < 0)
        return rc;
    for (size_t i = 0; i < n && lc_keep_going(c); i++) {
        struct rm_err e;
        if ((rc = sync_conn(c, s, &cv[i], &e)) < 0) {
            /* one registrar that does not answer does not stop the
             * others; its domains are left as they are */
            lc_note_error(s, &first, "sync", cv[i].title, &e);
        }
        rc = 0;
    }
    conn_list_free(cv, n);
    if (rc < 0)
        return rc;
    return lc_step_result(s, before, &first, err);
}

/* phase_batch - the next live domains past expiry (by id, after *cur)
 * whose phase the registrar is asked about. */
static int phase_batch(struct app *app, int64_t now, int64_t *cur,
                       char (*names)[NAME_MAX_ASCII + 1], size_t *n,
                       struct rm_err *err)
{
    static const char sql[] =
        "SELECT id, name FROM domains WHERE id > ? AND (status IN "
        "('expired', 'redemption', 'pending_delete') OR (status IN "
        "('active', 'missing') AND expires_at IS NOT NULL AND expires_at <= "
        "?)) ORDER BY id LIMIT ?";
    struct store_stmt *s;
    int rc;

    *n = 0;
    if ((rc = store_prepare(app->st, sql, &s, err)) < 0)
        return rc;
    store_bind_int64(s, 1, *cur);
    store_bind_int64(s, 2, now);
    store_bind_int64(s, 3, LIFECYCLE_BATCH);
    while ((rc = store_step(s, err)) == STORE_ROW) {
        *cur = store_col_int64(s, 0);
        lc_cpy(names[*n], sizeof names[*n], s, 1);
        (*n)++;
    }
    store_stmt_release(s);
    return rc < 0 ? rc : 0;
}

int lifecycle_phases(struct lifecycle_ctx *c, struct lifecycle_stats *s,
                     struct rm_err *err)
{
    char(*names)[NAME_MAX_ASCII + 1] = xmalloc(LIFECYCLE_BATCH * sizeof *names);
    struct rm_err first = {0};
    int64_t cur = 0, before = s->errors;
    size_t n;
    int rc;

    do {
        if ((rc = phase_batch(c->app, c->now, &cur, names, &n, err)) < 0)
            break;
        for (size_t i = 0; i < n && lc_keep_going(c); i++) {
            struct lifecycle_sync_one o;
            struct rm_err e = {0};
            if (lifecycle_sync_one(c, names[i], NULL, &o, &e) < 0) {
                lc_note_error(s, &first, "phase", names[i], &e);
                continue;
            }
            if (strcmp(o.status, o.status_before) != 0) {
                s->phased++;
                rm_log(LOG_INFO, "lifecycle: %s: %s -> %s", names[i],
                       o.status_before, o.status);
            }
        }
    } while (rc >= 0 && n == LIFECYCLE_BATCH && lc_keep_going(c));
    free(names);
    if (rc < 0)
        return rc;
    return lc_step_result(s, before, &first, err);
}

int lifecycle_sync(struct lifecycle_ctx *c, struct lifecycle_stats *s,
                   struct rm_err *err)
{
    bool paced = c->app->pace_calls;
    struct rm_err e2 = {0};
    int rc, rc2;

    c->app->pace_calls = true; /* background work: rate-limited */
    rc = sync_step(c, s, err);
    /* then every domain past its expiry: where the registrar has it */
    rc2 = lifecycle_phases(c, s, rc < 0 ? &e2 : err);
    c->app->pace_calls = paced;
    return rc < 0 ? rc : rc2;
}

int lifecycle_unknown_list(struct app *app,
                           const struct lifecycle_unknown_query *q,
                           lifecycle_unknown_fn *fn, void *arg,
                           struct rm_err *err)
{
    static const char sql[] =
        "SELECT u.id, u.connection_id, COALESCE(u.expires_at, 0), "
        "u.first_seen_at, u.last_seen_at, c.title, u.name FROM "
        "registrar_unknown u JOIN registrar_connections c ON c.id = "
        "u.connection_id WHERE (? = 0 OR u.connection_id = ?) AND "
        "u.last_seen_at >= ? AND (? = 0 OR u.id < ?) ORDER BY u.id DESC "
        "LIMIT ? OFFSET ?";
    struct store_stmt *s;
    int rc;

    if ((rc = store_prepare(app->st, sql, &s, err)) < 0)
        return rc;
    store_bind_int64(s, 1, q->connection_id);
    store_bind_int64(s, 2, q->connection_id);
    store_bind_int64(s, 3, q->seen_since);
    store_bind_int64(s, 4, q->after);
    store_bind_int64(s, 5, q->after);
    store_bind_int64(s, 6, q->limit > 0 ? q->limit : INT64_MAX);
    store_bind_int64(s, 7, q->offset);
    while ((rc = store_step(s, err)) == STORE_ROW) {
        struct lifecycle_unknown u;
        u.id = store_col_int64(s, 0);
        u.connection_id = store_col_int64(s, 1);
        u.expires_at = store_col_int64(s, 2);
        u.first_seen_at = store_col_int64(s, 3);
        u.last_seen_at = store_col_int64(s, 4);
        lc_cpy(u.connection, sizeof u.connection, s, 5);
        lc_cpy(u.name, sizeof u.name, s, 6);
        if ((rc = fn(&u, arg)) != 0)
            break;
    }
    store_stmt_release(s);
    return rc == STORE_DONE ? 0 : rc;
}

/* --- import -----------------------------------------------------------------
 */

#define IMPORT_CHUNK 200

static int unknown_forget(struct app *app, int64_t conn_id, const char *name,
                          struct rm_err *err)
{
    static const char sql[] = "DELETE FROM registrar_unknown WHERE "
                              "connection_id = ? AND name = ?";
    struct store_stmt *s;
    int rc;

    if ((rc = store_prepare(app->st, sql, &s, err)) < 0)
        return rc;
    store_bind_int64(s, 1, conn_id);
    store_bind_text(s, 2, name);
    rc = store_step(s, err);
    store_stmt_release(s);
    return rc < 0 ? rc : 0;
}

static int str_cmp(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* only_names - the names of r->only in ASCII form, checked, sorted and
 * without repeats: *out (n strings, heap; free each and the array). */
static int only_names(const struct lifecycle_import_req *r, char ***out,
                      size_t *n, struct rm_err *err)
{
    char **v;
    size_t k = 0;

    *out = NULL;
    *n = 0;
    if (r->n_only > LIFECYCLE_IMPORT_ONLY_MAX)
        return rm_err_set(err, RM_EINVAL,
                          "import: at most %d names at once, not %zu",
                          LIFECYCLE_IMPORT_ONLY_MAX, r->n_only);
    v = xcalloc(r->n_only ? r->n_only : 1, sizeof *v);
    for (size_t i = 0; i < r->n_only; i++) {
        struct name nm;
        struct rm_err e;
        if (name_parse(r->only[i], &nm, &e) < 0) {
            rm_err_set(err, RM_EINVAL, "import: \"%.80s\": %s", r->only[i],
                       e.msg);
            for (size_t j = 0; j < k; j++)
                free(v[j]);
            free(v);
            return RM_EINVAL;
        }
        v[k++] = xstrdup(nm.ascii);
    }
    if (k)
        qsort(v, k, sizeof *v, str_cmp);
    *n = 0;
    for (size_t i = 0; i < k; i++) {
        if (*n && strcmp(v[*n - 1], v[i]) == 0)
            free(v[i]);
        else
            v[(*n)++] = v[i];
    }
    *out = v;
    return 0;
}

/* only_items - the items of the (sorted) list named by names; every name
 * must be listed, else RM_EINVAL naming those that are not. *out holds
 * n_names items (heap). */
static int only_items(const struct conn *conn, const struct reg_expiring *list,
                      char **names, size_t n_names, int64_t from, int64_t to,
                      struct reg_expiring_item **out, struct rm_err *err)
{
    struct reg_expiring_item *v = xcalloc(n_names ? n_names : 1, sizeof *v);
    struct buf absent;
    size_t n_absent = 0;
    char a[16], b[16];

    buf_init(&absent);
    for (size_t i = 0; i < n_names; i++) {
        struct reg_expiring_item key, *it;
        snprintf(key.domain, sizeof key.domain, "%s", names[i]);
        it = list->n ? bsearch(&key, list->items, list->n, sizeof *it, item_cmp)
                     : NULL;
        if (it) {
            v[i] = *it;
        } else if (n_absent++ < 10) {
            buf_addf(&absent, "%s%s", n_absent > 1 ? ", " : "", names[i]);
        }
    }
    if (n_absent) {
        rm_err_set(err, RM_EINVAL,
                   "import: not listed by the registrar of connection \"%s\" "
                   "(expiring %s to %s): %s%s",
                   conn->title, lc_ymd(from, a, sizeof a),
                   lc_ymd(to, b, sizeof b), absent.data,
                   n_absent > 10 ? " and more" : "");
        buf_release(&absent);
        free(v);
        return RM_EINVAL;
    }
    buf_release(&absent);
    *out = v;
    return 0;
}

struct chunk_tx {
    struct lifecycle_ctx *c;
    const struct conn *conn;
    const struct account *a;
    int64_t import_id;
    const struct reg_expiring_item *items;
    size_t n;
    int64_t adopted, skipped; /* out */
};

/* chunk_fn - adopt the chunk's names that are not live here: a domain
 * row each, unless the live-name index has one (then it is skipped). */
static int chunk_fn(struct store *st, void *arg, struct rm_err *err)
{
    static const char sql[] =
        "INSERT INTO domains (name, unicode_name, tld, account_id, "
        "connection_id, status, expires_at, auto_renew, import_id, "
        "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT (name) WHERE status NOT IN ('failed', 'cancelled', "
        "'transferred_away', 'deleted') DO NOTHING";
    struct chunk_tx *x = arg;
    struct lifecycle_ctx *c = x->c;
    const struct conn *conn = x->conn;
    const struct account *a = x->a;
    const struct reg_expiring_item *items = x->items;
    struct app *app = c->app;
    bool auto_renew = a->auto_renew || strcmp(conn->renew_mode, "auto") == 0;
    int rc;

    x->adopted = x->skipped = 0;
    for (size_t i = 0; i < x->n; i++) {
        struct name nm;
        struct tld t;
        struct rm_err e;
        struct store_stmt *s;
        if (name_parse(items[i].domain, &nm, &e) < 0) {
            rm_log(LOG_WARN, "import: skipped \"%.80s\": %s", items[i].domain,
                   e.msg);
            x->skipped++;
            continue;
        }
        /* known here from now on (L5) */
        if ((rc = unknown_forget(app, conn->id, nm.ascii, err)) < 0)
            return rc;
        if ((rc = store_prepare(st, sql, &s, err)) < 0)
            return rc;
        store_bind_text(s, 1, nm.ascii);
        store_bind_text(s, 2, nm.unicode);
        store_bind_text(s, 3,
                        tld_for_name(app, &nm, &t, &e) == 0 ? t.tld : nm.tld);
        store_bind_int64(s, 4, a->id);
        store_bind_int64(s, 5, conn->id);
        store_bind_text(
            s, 6, (int64_t)items[i].expiry > c->now ? "active" : "expired");
        if (items[i].expiry > 0)
            store_bind_int64(s, 7, (int64_t)items[i].expiry);
        else
            store_bind_null(s, 7);
        store_bind_int64(s, 8, auto_renew ? 1 : 0);
        store_bind_int64(s, 9, x->import_id);
        store_bind_int64(s, 10, c->now);
        store_bind_int64(s, 11, c->now);
        rc = store_step(s, err);
        store_stmt_release(s);
        if (rc < 0)
            return rc;
        /* a live domain of that name (ours, or in progress): skipped */
        if (store_changes(st) == 1)
            x->adopted++;
        else
            x->skipped++;
    }
    return 0;
}

static int import_chunk(struct lifecycle_ctx *c, const struct conn *conn,
                        const struct account *a, int64_t import_id,
                        const struct reg_expiring_item *items, size_t n,
                        struct lifecycle_import_result *res, struct rm_err *err)
{
    struct chunk_tx x = {c, conn, a, import_id, items, n, 0, 0};
    int rc = store_tx(c->app->st, STORE_TX_WRITE, chunk_fn, &x, err);

    if (rc == 0) {
        res->adopted += x.adopted;
        res->skipped += x.skipped;
    }
    return rc;
}

struct record_tx {
    int64_t *id;
    const struct conn *conn;
    const struct account *a;
    int64_t from, to, now;
    const struct lifecycle_import_result *res;
    bool finished;
};

static int record_fn(struct store *st, void *arg, struct rm_err *err)
{
    static const char ins[] =
        "INSERT INTO imports (connection_id, account_id, range_from, "
        "range_to, started_at) VALUES (?, ?, ?, ?, ?) RETURNING id";
    static const char upd[] =
        "UPDATE imports SET finished_at = ?, listed = ?, adopted = ?, "
        "skipped = ? WHERE id = ?";
    struct record_tx *x = arg;
    struct store_stmt *s;
    int rc;

    if (!x->finished) {
        if ((rc = store_prepare(st, ins, &s, err)) < 0)
            return rc;
        store_bind_int64(s, 1, x->conn->id);
        store_bind_int64(s, 2, x->a->id);
        store_bind_int64(s, 3, x->from);
        store_bind_int64(s, 4, x->to);
        store_bind_int64(s, 5, x->now);
        rc = store_step(s, err);
        if (rc == STORE_ROW)
            *x->id = store_col_int64(s, 0);
    } else {
        if ((rc = store_prepare(st, upd, &s, err)) < 0)
            return rc;
        store_bind_int64(s, 1, x->now);
        store_bind_int64(s, 2, x->res->listed);
        store_bind_int64(s, 3, x->res->adopted);
        store_bind_int64(s, 4, x->res->skipped);
        store_bind_int64(s, 5, *x->id);
        rc = store_step(s, err);
    }
    store_stmt_release(s);
    return rc < 0 ? rc : 0;
}

static int import_record(struct app *app, int64_t *id, const struct conn *conn,
                         const struct account *a, int64_t from, int64_t to,
                         int64_t now, const struct lifecycle_import_result *res,
                         bool finished, struct rm_err *err)
{
    struct record_tx x = {id, conn, a, from, to, now, res, finished};
    int rc = store_tx(app->st, STORE_TX_WRITE, record_fn, &x, err);

    return rc < 0 ? rc : 0;
}

static int import_run(struct lifecycle_ctx *c,
                      const struct lifecycle_import_req *r,
                      struct lifecycle_import_result *res, struct rm_err *err)
{
    struct app *app = c->app;
    struct conn conn;
    struct account a;
    struct conn_session sess;
    struct reg_expiring list;
    struct reg_expiring_item *items = NULL;
    char **names = NULL;
    size_t n_names = 0, n_items;
    bool only = r->only != NULL;
    int64_t from = r->from ? r->from
                   : only  ? c->now - LIFECYCLE_SYNC_PAST_S
                           : c->now - 90 * LIFECYCLE_DAY;
    int64_t to = r->to  ? r->to
                 : only ? c->now + LIFECYCLE_SYNC_FUTURE_S
                        : c->now + 11 * 366 * LIFECYCLE_DAY;
    int rc;

    memset(res, 0, sizeof *res);
    memset(&conn, 0, sizeof conn);
    memset(&list, 0, sizeof list);
    if (to < from)
        return rm_err_set(err, RM_EINVAL,
                          "import: the range ends before it "
                          "starts");
    if (only && r->n_only == 0)
        return rm_err_set(err, RM_EINVAL, "import: no names given");
    /* names first: a typo costs no registrar call */
    if (only && (rc = only_names(r, &names, &n_names, err)) < 0)
        return rc;
    if ((rc = conn_get(app, r->connection, &conn, err)) < 0)
        goto out_names;
    if ((rc = account_get(app, r->account, &a, err)) < 0)
        goto out_conn;
    if ((rc = conn_session_open(app, conn.id, &sess, err)) < 0)
        goto out_conn;
    rc = sess.reg->ops->expiring(sess.reg->impl, (time_t)from, (time_t)to,
                                 &list, err);
    conn_session_close(&sess);
    if (rc < 0) {
        rm_err_prefix(err, "import: ");
        goto out_conn;
    }
    items = list.items;
    n_items = list.n;
    if (only) {
        /* the registrar's names compared as sync compares them */
        for (size_t i = 0; i < list.n; i++)
            for (char *p = list.items[i].domain; *p; p++)
                *p = (char)tolower((unsigned char)*p);
        if (list.n)
            qsort(list.items, list.n, sizeof *list.items, item_cmp);
        if ((rc = only_items(&conn, &list, names, n_names, from, to, &items,
                             err)) < 0)
            goto out;
        n_items = n_names;
    }
    res->listed = (int64_t)n_items;
    if ((rc = import_record(app, &res->import_id, &conn, &a, from, to, c->now,
                            res, false, err)) < 0)
        goto out;
    for (size_t i = 0; i < n_items; i += IMPORT_CHUNK) {
        size_t k = n_items - i < IMPORT_CHUNK ? n_items - i : IMPORT_CHUNK;
        if (!lc_keep_going(c))
            break;
        if ((rc = import_chunk(c, &conn, &a, res->import_id, items + i, k, res,
                               err)) < 0)
            goto out;
        if (r->progress)
            r->progress((int64_t)(i + k), (int64_t)n_items, r->arg);
    }
    if (r->progress && n_items == 0)
        r->progress(0, 0, r->arg);
    rc = import_record(app, &res->import_id, &conn, &a, from, to, clock_now(),
                       res, true, err);
    if (rc == 0)
        rm_log(LOG_INFO,
               "import %" PRId64 ": %s -> %s: %" PRId64 " listed, %" PRId64
               " adopted, %" PRId64 " skipped",
               res->import_id, conn.title, a.name, res->listed, res->adopted,
               res->skipped);
out:
    if (items != list.items)
        free(items);
    reg_expiring_release(&list);
out_conn:
    conn_release(&conn);
out_names:
    for (size_t i = 0; i < n_names; i++)
        free(names[i]);
    free(names);
    return rc;
}

int lifecycle_import(struct lifecycle_ctx *c,
                     const struct lifecycle_import_req *r,
                     struct lifecycle_import_result *res, struct rm_err *err)
{
    bool paced = c->app->pace_calls;
    int rc;

    c->app->pace_calls = true; /* background work: rate-limited */
    rc = import_run(c, r, res, err);
    c->app->pace_calls = paced;
    return rc;
}
