/*
 * domchange - changes after the sale (contract in domchange.h).
 *
 * Invariants:
 * C1 Nothing is sent for a change before its row is committed in state
 *    'sending' (the registrar log and the row tell the same story after a
 *    crash: a row left 'new' or 'sending' never got an answer recorded).
 * C2 A change whose answer was lost is never sent again: the domain is
 *    read back and compared with what was asked.
 * C3 A customer's call never reaches another account's domain: the target
 *    is resolved with the account in the same query.
 * C4 Privacy turned on where the TLD has a privacy price is a charged
 *    operation (design section 4 rules 1-5, kind 'privacy'): the funds are
 *    checked first (refused: nothing recorded); then ONE transaction writes
 *    the operation (new, term 1, the price), its charge (op:<id>:charge)
 *    and the change row linked to it (domain_changes.operation_id). The
 *    operation moves with the change: sending before the MODIFY leaves;
 *    done → succeeded (charge kept); refused or never sent → failed and
 *    refunded once (op_finish, op:<id>:refund); lost answer → the state is
 *    read back: on → succeeded, off → failed + refund, cannot tell →
 *    pending (charged) with the change 'unknown', and the Async Manager
 *    settles both by reading whois_privacy_state again (core/poll.c),
 *    never by sending. Privacy already on is refused before anything is
 *    charged; turning it off, and a TLD without a price, stay free.
 */
#include "core/domchange.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "core/account.h"
#include "core/conn.h"
#include "core/ledger.h"
#include "core/reseller.h"
#include "core/names.h"
#include "core/ops_int.h"
#include "core/tld.h"
#include "util/clock.h"
#include "util/log.h"
#include "util/xalloc.h"

struct target {
    int64_t domain_id, account_id, conn_id;
    char name[NAME_MAX_ASCII + 1];
    char tld[NAME_MAX_ASCII + 1];
    char status[24];
};

/* resolve - the live domain name for who (C3). */
static int resolve(struct app *app, const struct domchange_who *who,
                   const char *input, struct target *t, struct rm_err *err)
{
    static const char sql[] =
        "SELECT d.id, d.account_id, d.connection_id, d.status, a.name, d.tld "
        "FROM domains d JOIN accounts a ON a.id = d.account_id WHERE d.name "
        "= ? AND d.status NOT IN ('failed', 'cancelled', 'transferred_away', "
        "'deleted')";
    struct store_stmt *s;
    struct name nm;
    bool found = false;
    int rc;

    memset(t, 0, sizeof *t);
    if ((rc = name_parse(input, &nm, err)) < 0)
        return rc;
    if ((rc = store_prepare(app->st, sql, &s, err)) < 0)
        return rc;
    store_bind_text(s, 1, nm.ascii);
    rc = store_step(s, err);
    if (rc == STORE_ROW) {
        const char *st = store_col_text(s, 3), *acct = store_col_text(s, 4);
        t->domain_id = store_col_int64(s, 0);
        t->account_id = store_col_int64(s, 1);
        t->conn_id = store_col_int64(s, 2);
        snprintf(t->status, sizeof t->status, "%s", st ? st : "");
        op_cpy(t->tld, sizeof t->tld, s, 5);
        found =
            !who || !who->account || (acct && strcmp(acct, who->account) == 0);
    }
    store_stmt_release(s);
    if (rc < 0)
        return rc;
    snprintf(t->name, sizeof t->name, "%s", nm.ascii);
    if (!found)
        return rm_err_set(err, RM_ENOTFOUND, "no such domain: %s", nm.ascii);
    if (strcmp(t->status, "active") != 0 && strcmp(t->status, "expired") != 0)
        return rm_err_set(err, RM_EREFUSED,
                          "%s is %s: it can be changed once it is active",
                          nm.ascii, t->status);
    return 0;
}

/* --- the row ------------------------------------------------------------ */

/* actor_of - who asked, as domain_changes.actor and operations.actor. */
static void actor_of(const struct domchange_who *who, char *actor, size_t n)
{
    if (who && who->account)
        snprintf(actor, n, "account:%s", who->account);
    else
        snprintf(actor, n, "admin");
}

/* row_new - the change row; op_id > 0 links it to its charged operation. */
static int row_new_op(struct app *app, const struct target *t,
                      const struct domchange_who *who, const char *kind,
                      const char *request, int64_t op_id, int64_t *id,
                      struct rm_err *err)
{
    static const char sql[] =
        "INSERT INTO domain_changes (domain_id, account_id, connection_id, "
        "kind, actor, request, state, created_at, operation_id) VALUES (?, ?, "
        "?, ?, ?, ?, 'new', ?, ?) RETURNING id";
    char actor[96];
    struct store_stmt *s;
    int rc;

    actor_of(who, actor, sizeof actor);
    if ((rc = store_prepare(app->st, sql, &s, err)) < 0)
        return rc;
    store_bind_int64(s, 1, t->domain_id);
    store_bind_int64(s, 2, t->account_id);
    store_bind_int64(s, 3, t->conn_id);
    store_bind_text(s, 4, kind);
    store_bind_text(s, 5, actor);
    store_bind_text(s, 6, request);
    store_bind_int64(s, 7, clock_now());
    if (op_id > 0)
        store_bind_int64(s, 8, op_id);
    else
        store_bind_null(s, 8);
    rc = store_step(s, err);
    *id = rc == STORE_ROW ? store_col_int64(s, 0) : 0;
    store_stmt_release(s);
    return rc < 0 ? rc : 0;
}

static int row_new(struct app *app, const struct target *t,
                   const struct domchange_who *who, const char *kind,
                   const char *request, int64_t *id, struct rm_err *err)
{
    return row_new_op(app, t, who, kind, request, 0, id, err);
}

/* row_move - state (and the answer when given); 'sending' sets sent_at,
 * an end sets finished_at. */
static int row_move(struct app *app, int64_t id, const char *state,
                    const char *answer, struct rm_err *err)
{
    static const char sql[] =
        "UPDATE domain_changes SET state = ?, answer = COALESCE(?, answer), "
        "sent_at = CASE WHEN ? = 'sending' THEN ? ELSE sent_at END, "
        "finished_at = CASE WHEN ? IN ('succeeded', 'failed', 'unknown') "
        "THEN ? ELSE finished_at END WHERE id = ?";
    struct store_stmt *s;
    int64_t now = clock_now();
    int rc;

    if ((rc = store_prepare(app->st, sql, &s, err)) < 0)
        return rc;
    store_bind_text(s, 1, state);
    store_bind_text(s, 2, answer);
    store_bind_text(s, 3, state);
    store_bind_int64(s, 4, now);
    store_bind_text(s, 5, state);
    store_bind_int64(s, 6, now);
    store_bind_int64(s, 7, id);
    rc = store_step(s, err);
    store_stmt_release(s);
    return rc < 0 ? rc : 0;
}

/* --- what each change sends and reads back ------------------------------ */

struct change {
    const char *kind;
    char request[REG_NS_MAX * (REG_DOMAIN_MAX + 4) + 64];
    /* nameservers */
    const char *const *ns;
    size_t n;
    /* lock */
    bool on;
    /* auth code */
    const char *code;
    /* a child host */
    struct reg_host host;
    /* contacts: the four types, the ones changed (want[k]), the values
     * given (contact_field_names order) */
    struct contact merged[4];
    struct reg_contact regc[4];
    bool want[4];
    const char *const *values;
    struct reg_contact_update contacts;
    /* contacts: a .US nexus instead (MODIFY nexus_info) */
    bool nexus_set;
    struct reg_nexus nexus;
};

static const char *const contact_types[4] = {"owner", "admin", "billing",
                                             "tech"};

/* answer_of - "CODE TEXT" of an answer, or why there was none. */
static void answer_of(const struct reg_op_result *r, char *out, size_t n)
{
    if (r->state == REG_OP_NOT_SENT) {
        const char *why = r->reason[0] ? r->reason : r->reply.text;
        snprintf(out, n, "%s%s",
                 strncmp(why, "not sent", 8) == 0 ? "" : "not sent: ", why);
    } else if (r->reply.code)
        snprintf(out, n, "%d %s", r->reply.code,
                 r->reply.text[0] ? r->reply.text : r->reason);
    else
        snprintf(out, n, "%s", r->reason[0] ? r->reason : r->reply.text);
}

static int send_change(struct registrar *reg, const struct target *t,
                       const struct change *c, struct reg_op_result *out,
                       struct rm_err *err)
{
    if (strcmp(c->kind, "nameservers") == 0)
        return reg_set_nameservers(reg, t->name, c->ns, c->n, out, err);
    if (strcmp(c->kind, "lock") == 0)
        return reg_set_lock(reg, t->name, c->on, out, err);
    if (strcmp(c->kind, "auth_code") == 0)
        return reg_set_auth_code(reg, t->name, c->code, out, err);
    if (strcmp(c->kind, "contacts") == 0 && c->nexus_set)
        return reg_set_nexus(reg, t->name, &c->nexus, out, err);
    if (strcmp(c->kind, "contacts") == 0)
        return reg_set_contacts(reg, &c->contacts, out, err);
    if (strcmp(c->kind, "host_create") == 0)
        return reg_host_create(reg, &c->host, out, err);
    if (strcmp(c->kind, "host_modify") == 0)
        return reg_host_modify(reg, &c->host, out, err);
    if (strcmp(c->kind, "host_delete") == 0)
        return reg_host_delete(reg, t->name, c->host.name, out, err);
    if (strcmp(c->kind, "privacy") == 0) {
        struct reg_privacy_result pr;
        int rc = reg_set_privacy(reg, t->name, c->on, &pr, err);
        *out = pr.op;
        return rc;
    }
    return reg_send_auth_code(reg, t->name, out, err);
}

static bool same_host(const char *a, const char *b)
{
    return strcasecmp(a, b) == 0;
}

/* read_back - C2: 1 the domain shows what c asked, 0 it does not, -1 it
 * cannot be told (why in note). */
static int read_back(struct registrar *reg, const struct target *t,
                     const struct change *c, char *note, size_t n)
{
    struct rm_err err = {0};

    if (strcmp(c->kind, "nameservers") == 0) {
        struct reg_domain_info info;
        if (!reg->ops->info ||
            reg->ops->info(reg->impl, t->name, &info, &err) < 0) {
            snprintf(note, n, "read back: %.300s",
                     err.msg[0] ? err.msg : "no GET DOMAIN");
            return -1;
        }
        bool same = info.n_nameservers == c->n;
        for (size_t i = 0; same && i < c->n; i++) {
            bool found = false;
            for (size_t j = 0; j < info.n_nameservers && !found; j++)
                found = same_host(c->ns[i], info.nameservers[j]);
            same = found;
        }
        snprintf(note, n, "read back: the registrar %s the nameservers asked",
                 same ? "shows" : "does not show");
        return same ? 1 : 0;
    }
    if (strcmp(c->kind, "lock") == 0) {
        struct reg_domain_status st;
        if (!reg->ops->status ||
            reg->ops->status(reg->impl, t->name, &st, &err) < 0) {
            snprintf(note, n, "read back: %.300s",
                     err.msg[0] ? err.msg : "no GET DOMAIN status");
            return -1;
        }
        snprintf(note, n, "read back: the domain is %s",
                 st.locked ? "locked" : "unlocked");
        return st.locked == c->on ? 1 : 0;
    }
    if (strcmp(c->kind, "privacy") == 0) {
        struct reg_privacy p;
        if (reg_privacy(reg, t->name, &p, &err) < 0 ||
            p.state == REG_PRIVACY_UNKNOWN) {
            snprintf(note, n, "read back: %.300s",
                     err.msg[0] ? err.msg : "an unknown privacy state");
            return -1;
        }
        /* enabling/disabling: the registrar took the change */
        bool on =
            p.state == REG_PRIVACY_ENABLED || p.state == REG_PRIVACY_ENABLING;
        snprintf(note, n, "read back: WHOIS privacy is %s", p.word);
        return on == c->on ? 1 : 0;
    }
    if (strcmp(c->kind, "auth_code") == 0) {
        struct reg_auth_code ac;
        if (reg_auth_code(reg, t->name, &ac, &err) < 0) {
            snprintf(note, n, "read back: %.300s", err.msg);
            return -1;
        }
        snprintf(note, n, "read back: the registrar %s the new code",
                 strcmp(ac.code, c->code) == 0 ? "holds" : "does not hold");
        return strcmp(ac.code, c->code) == 0 ? 1 : 0;
    }
    if (strcmp(c->kind, "contacts") == 0 && c->nexus_set) {
        struct reg_nexus_info ni;
        if (reg_nexus(reg, t->name, &ni, &err) < 0) {
            snprintf(note, n, "read back: %.300s", err.msg);
            return -1;
        }
        bool same =
            strcasecmp(ni.nexus.category, c->nexus.category) == 0 &&
            strcasecmp(ni.nexus.app_purpose, c->nexus.app_purpose) == 0 &&
            strcasecmp(ni.nexus.validator, c->nexus.validator) == 0;
        snprintf(note, n, "read back: the registrar %s the nexus asked",
                 same ? "shows" : "does not show");
        return same ? 1 : 0;
    }
    if (strcmp(c->kind, "contacts") == 0) {
        struct reg_contacts rc;
        bool same = true;
        if (reg_contacts(reg, t->name, &rc, &err) < 0) {
            snprintf(note, n, "read back: %.300s", err.msg);
            return -1;
        }
        const struct reg_contact_info *got[4] = {&rc.owner, &rc.admin,
                                                 &rc.billing, &rc.tech};
        for (int k = 0; k < 4 && same; k++) {
            if (!c->want[k])
                continue;
            const struct contact *w = &c->merged[k];
            same = strcmp(got[k]->first_name, w->first_name) == 0 &&
                   strcmp(got[k]->last_name, w->last_name) == 0 &&
                   strcmp(got[k]->address1, w->address1) == 0 &&
                   strcmp(got[k]->city, w->city) == 0 &&
                   strcmp(got[k]->postal_code, w->postal_code) == 0 &&
                   strcasecmp(got[k]->country, w->country) == 0 &&
                   strcmp(got[k]->phone, w->phone) == 0 &&
                   strcasecmp(got[k]->email, w->email) == 0;
        }
        snprintf(note, n, "read back: the registrar %s the contacts asked",
                 same ? "shows" : "does not show");
        return same ? 1 : 0;
    }
    if (strncmp(c->kind, "host_", 5) == 0) {
        struct reg_hosts hs;
        const char *want = c->host.new_name ? c->host.new_name : c->host.name;
        const struct reg_host_info *h = NULL;
        if (reg_hosts(reg, t->name, &hs, &err) < 0) {
            snprintf(note, n, "read back: %.300s", err.msg);
            return -1;
        }
        for (size_t i = 0; i < hs.n && !h; i++)
            if (same_host(hs.items[i].name, want))
                h = &hs.items[i];
        int b;
        if (strcmp(c->kind, "host_delete") == 0) {
            snprintf(note, n, "read back: the host is %s",
                     h ? "still there" : "gone");
            b = h ? 0 : 1;
        } else {
            const char *v4 = c->host.ipv4 ? c->host.ipv4 : "";
            const char *v6 = c->host.ipv6 ? c->host.ipv6 : "";
            b = h && strcmp(h->ipv4, v4) == 0 && strcmp(h->ipv6, v6) == 0;
            snprintf(note, n, "read back: the registrar %s %s as asked",
                     b ? "shows" : "does not show", want);
        }
        reg_hosts_release(&hs);
        return b;
    }
    snprintf(note, n, "a sent mail cannot be read back");
    return -1;
}

/* check_hosts - each nameserver at the registry, added there when it is
 * missing and outside the domain; 0 all there, 1 one is not (why in
 * note), or a negative code when the registrar could not be asked. */
static int check_hosts(struct registrar *reg, const struct target *t,
                       const struct change *c, char *note, size_t n)
{
    /* registries without host objects: nothing to check [opensrs-manage
     * 6.5] */
    static const char *const no_hosts[] = {"ca", "uk", "de", "fr", "ch"};
    const char *tld = strrchr(t->name, '.');

    tld = tld ? tld + 1 : t->name;
    for (size_t i = 0; i < sizeof no_hosts / sizeof no_hosts[0]; i++)
        if (strcmp(tld, no_hosts[i]) == 0)
            return 0;
    for (size_t i = 0; i < c->n; i++) {
        struct reg_ns_check chk;
        struct rm_err err = {0};
        const char *h = c->ns[i];
        size_t hl = strlen(h), dl = strlen(t->name);
        bool inside = hl > dl + 1 && h[hl - dl - 1] == '.' &&
                      strcasecmp(h + hl - dl, t->name) == 0;
        if (reg_ns_check(reg, h, tld, &chk, &err) < 0) {
            if (chk.reply.delivery == REG_NOT_SENT && !reg->ops->ns_check)
                continue; /* the driver cannot ask: the assign will tell */
            snprintf(note, n, "%s: the registry could not be asked: %.200s", h,
                     err.msg);
            return 1;
        }
        if (chk.exists)
            continue;
        if (inside) {
            snprintf(note, n,
                     "%s does not exist at the registry: create it first "
                     "(a child nameserver of %s, with its IP addresses)",
                     h, t->name);
            return 1;
        }
        struct reg_op_result add;
        if (reg_ns_registry_add(reg, h, tld, false, &add, &err) < 0 ||
            add.state != REG_OP_DONE) {
            char why[REG_TEXT_MAX + 32];
            answer_of(&add, why, sizeof why);
            snprintf(note, n,
                     "%s does not exist at the registry and could not be "
                     "added there: %.200s",
                     h, err.msg[0] ? err.msg : why);
            return 1;
        }
    }
    return 0;
}

/* privacy_refused - true when the registrar says, when asked, that the
 * domain's TLD has no WHOIS privacy (why in note): nothing is sent. When
 * it cannot be asked or does not say, the change itself will tell. */
static bool privacy_refused(struct registrar *reg, const struct target *t,
                            char *note, size_t n)
{
    struct reg_domain_status st;
    struct rm_err err = {0};
    const char *tld = strrchr(t->name, '.');

    if (!reg->ops->status ||
        reg->ops->status(reg->impl, t->name, &st, &err) < 0 ||
        st.privacy_offered >= 0)
        return false;
    snprintf(note, n,
             "not sent: WHOIS privacy is not offered for .%s domains (the "
             "registrar says so)",
             tld ? tld + 1 : t->name);
    return true;
}

/* run - the life of one change (domchange.h). */
static int run(struct app *app, const struct domchange_who *who,
               const char *name, const struct change *c,
               struct domchange_result *res, struct rm_err *err)
{
    struct target t;
    struct conn_session cs;
    struct reg_op_result out;
    struct rm_err serr = {0};
    char note[DOMCHANGE_ANSWER_MAX / 2];
    const char *state;
    int64_t id;
    int rc;

    memset(res, 0, sizeof *res);
    if ((rc = resolve(app, who, name, &t, err)) < 0)
        return rc;
    snprintf(res->domain, sizeof res->domain, "%s", t.name);
    if ((rc = row_new(app, &t, who, c->kind, c->request, &id, err)) < 0)
        return rc;
    res->id = id;
    if (conn_session_open(app, t.conn_id, &cs, &serr) < 0) {
        snprintf(res->state, sizeof res->state, "failed");
        snprintf(res->answer, sizeof res->answer, "not sent: %s", serr.msg);
        return row_move(app, id, "failed", res->answer, err);
    }
    if (strcmp(c->kind, "nameservers") == 0 &&
        check_hosts(cs.reg, &t, c, note, sizeof note) != 0) {
        conn_session_close(&cs);
        snprintf(res->state, sizeof res->state, "failed");
        snprintf(res->answer, sizeof res->answer, "%s", note);
        return row_move(app, id, "failed", res->answer, err);
    }
    if (strcmp(c->kind, "privacy") == 0 &&
        privacy_refused(cs.reg, &t, note, sizeof note)) {
        conn_session_close(&cs);
        snprintf(res->state, sizeof res->state, "failed");
        snprintf(res->answer, sizeof res->answer, "%s", note);
        return row_move(app, id, "failed", res->answer, err);
    }
    /* C1 */
    if ((rc = row_move(app, id, "sending", NULL, err)) < 0) {
        conn_session_close(&cs);
        return rc;
    }
    memset(&out, 0, sizeof out);
    send_change(cs.reg, &t, c, &out, &serr);
    answer_of(&out, res->answer, sizeof res->answer);
    switch (out.state) {
    case REG_OP_DONE:
        state = "succeeded";
        break;
    case REG_OP_FAILED:
    case REG_OP_NOT_SENT:
        state = "failed";
        break;
    default: {
        /* C2: the answer was lost or unclear */
        int b = read_back(cs.reg, &t, c, note, sizeof note);
        size_t l = strlen(res->answer);
        snprintf(res->answer + l, sizeof res->answer - l, "; %s", note);
        state = b == 1 ? "succeeded" : b == 0 ? "failed" : "unknown";
        break;
    }
    }
    conn_session_close(&cs);
    snprintf(res->state, sizeof res->state, "%s", state);
    rm_log(LOG_INFO, "domain %s: %s change %" PRId64 ": %s (%s)", t.name,
           c->kind, id, state, res->answer);
    return row_move(app, id, state, res->answer, err);
}

int domchange_outcome(const struct domchange_result *r)
{
    if (strcmp(r->state, "succeeded") == 0)
        return 0;
    if (strcmp(r->state, "failed") == 0)
        return RM_EREFUSED;
    return 1;
}

int domchange_nameservers(struct app *app, const struct domchange_who *who,
                          const char *name, const char *const *ns, size_t n,
                          struct domchange_result *res, struct rm_err *err)
{
    char buf[REG_NS_MAX][NAME_MAX_ASCII + 1];
    const char *v[REG_NS_MAX];
    struct change c = {.kind = "nameservers"};
    size_t len;

    memset(res, 0, sizeof *res);
    if (n < REG_NS_MIN || n > REG_NS_MAX)
        return rm_err_set(err, RM_EINVAL,
                          "a domain needs %d to %d nameservers, not %zu",
                          REG_NS_MIN, REG_NS_MAX, n);
    len = (size_t)snprintf(c.request, sizeof c.request, "{\"nameservers\": [");
    for (size_t i = 0; i < n; i++) {
        struct name nm;
        int rc;
        if (!ns[i] || (rc = name_parse(ns[i], &nm, err)) < 0)
            return rm_err_set(err, RM_EINVAL, "nameserver %s: not a host name",
                              ns[i] ? ns[i] : "(none)");
        for (size_t j = 0; j < i; j++)
            if (strcmp(buf[j], nm.ascii) == 0)
                return rm_err_set(err, RM_EINVAL, "nameserver %s: given twice",
                                  nm.ascii);
        snprintf(buf[i], sizeof buf[i], "%s", nm.ascii);
        v[i] = buf[i];
        len += (size_t)snprintf(c.request + len, sizeof c.request - len,
                                "%s\"%s\"", i ? ", " : "", nm.ascii);
    }
    snprintf(c.request + len, sizeof c.request - len, "]}");
    c.ns = v;
    c.n = n;
    return run(app, who, name, &c, res, err);
}

int domchange_lock(struct app *app, const struct domchange_who *who,
                   const char *name, bool on, struct domchange_result *res,
                   struct rm_err *err)
{
    struct change c = {.kind = "lock", .on = on};

    snprintf(c.request, sizeof c.request, "{\"lock\": %s}",
             on ? "true" : "false");
    return run(app, who, name, &c, res, err);
}

/* --- charged privacy (C4) ------------------------------------------------ */

/* The unit of work that records a charged privacy change. */
struct charge_tx {
    struct app *app;
    const struct domchange_who *who;
    const struct target *t;
    const struct change *c;
    int64_t amount, now;
    int64_t op_id, change_id; /* out */
};

/* charge_fn - O1 for privacy: the operation, its charge and the change
 * row linked to it, in ONE transaction before any network I/O. */
static int charge_fn(struct store *st, void *arg, struct rm_err *err)
{
    static const char sql[] =
        "INSERT INTO operations (kind, domain_id, account_id, "
        "connection_id, state, term, amount, created_at, lease_owner, "
        "lease_expires_at, actor, reseller_id, wholesale) VALUES "
        "('privacy', ?, ?, ?, 'new', 1, ?, ?, ?, ?, ?, ?, ?) RETURNING id";
    struct charge_tx *x = arg;
    struct app *app = x->app;
    struct store_stmt *s;
    char actor[96];
    int rc;

    actor_of(x->who, actor, sizeof actor);
    x->op_id = x->change_id = 0;
    /* a reseller's customer: the reseller pays the same price to the
     * provider (privacy has no wholesale list; ledger.c I9), and a
     * reseller that cannot is refused in words that name nothing of it */
    struct reseller_quote q = {0};
    if ((rc = reseller_of(app, x->t->account_id, &q.reseller_id, err)) < 0)
        return rc;
    q.retail = q.wholesale = x->amount;
    if ((rc = reseller_check_funds(app, &q, err)) < 0)
        return rc;
    if ((rc = store_prepare(st, sql, &s, err)) < 0)
        return rc;
    store_bind_int64(s, 1, x->t->domain_id);
    store_bind_int64(s, 2, x->t->account_id);
    store_bind_int64(s, 3, x->t->conn_id);
    store_bind_int64(s, 4, x->amount);
    store_bind_int64(s, 5, x->now);
    store_bind_text(s, 6, app->lease_owner);
    store_bind_int64(s, 7, x->now + app->set.lease_s);
    store_bind_text(s, 8, actor);
    if (q.reseller_id) {
        store_bind_int64(s, 9, q.reseller_id);
        store_bind_int64(s, 10, q.wholesale);
    } else {
        store_bind_null(s, 9);
        store_bind_null(s, 10);
    }
    rc = store_step(s, err);
    if (rc == STORE_ROW)
        x->op_id = store_col_int64(s, 0);
    store_stmt_release(s);
    if (rc < 0)
        return rc;
    if ((rc = ledger_charge(st, x->op_id, x->now, err)) < 0) {
        if (rc == RM_ELIMIT) /* as orders say it (core/order.c) */
            err->code = rc = RM_EREFUSED;
        return rc;
    }
    return row_new_op(app, x->t, x->who, x->c->kind, x->c->request, x->op_id,
                      &x->change_id, err);
}

/* privacy_is_on - 1 when the registrar says privacy is on (enabled or
 * enabling), 0 when off, -1 when it cannot say. */
static int privacy_is_on(struct registrar *reg, const char *name)
{
    struct reg_privacy p;
    struct rm_err err = {0};

    if (reg_privacy(reg, name, &p, &err) < 0 || p.state == REG_PRIVACY_UNKNOWN)
        return -1;
    return p.state == REG_PRIVACY_ENABLED || p.state == REG_PRIVACY_ENABLING;
}

/* charged_end - the operation's move for the change's outcome (state:
 * succeeded, failed or unknown), then the change row. */
static int charged_end(struct app *app, struct op_row *o, int64_t change_id,
                       const char *state, struct domchange_result *res,
                       struct rm_err *err)
{
    struct move_fields f = {.reason = res->answer, .last_answer = res->answer};
    struct windows w;
    int rc;

    if (strcmp(state, "succeeded") == 0) {
        rc = op_finish(app, o, OPS_ST_SUCCEEDED, &f, 0, NULL, err);
    } else if (strcmp(state, "failed") == 0) {
        rc = op_finish(app, o, OPS_ST_FAILED, &f, 0, NULL, err);
        if (rc == 0)
            res->refunded = o->amount;
    } else {
        /* charged and followed by the Async Manager (rule 3) */
        int64_t now = clock_now();
        if ((rc = op_windows_for(app, o, &w, err)) < 0)
            return rc;
        f.deadline_at = now + w.deadline_reg;
        f.next_check_at = now + w.first_check;
        rc = op_finish(app, o, OPS_ST_PENDING, &f, 0, NULL, err);
    }
    if (rc < 0)
        return rc;
    snprintf(res->op_state, sizeof res->op_state, "%s",
             ops_state_name(o->state));
    return row_move(app, change_id, state, res->answer, err);
}

/* privacy_charged - privacy on for a price (C4). */
static int privacy_charged(struct app *app, const struct domchange_who *who,
                           const struct target *t, const struct change *c,
                           int64_t price, struct domchange_result *res,
                           struct rm_err *err)
{
    struct conn_session cs;
    struct reg_op_result out;
    struct rm_err serr = {0};
    struct op_row o;
    char note[DOMCHANGE_ANSWER_MAX / 2];
    struct charge_tx x = {app, who, t, c, price, clock_now(), 0, 0};
    const char *state;
    int rc;

    if ((rc = conn_session_open(app, t->conn_id, &cs, err)) < 0)
        return rc;
    /* Nothing is charged for what cannot or need not happen. */
    if (privacy_refused(cs.reg, t, note, sizeof note)) {
        conn_session_close(&cs);
        return rm_err_set(err, RM_EREFUSED, "%s: %s; nothing was charged",
                          t->name, note + strlen("not sent: "));
    }
    if (privacy_is_on(cs.reg, t->name) == 1) {
        conn_session_close(&cs);
        return rm_err_set(err, RM_EREFUSED,
                          "WHOIS privacy of %s is already on; nothing was "
                          "charged",
                          t->name);
    }
    if ((rc = ledger_check_funds(app->st, t->account_id, price, err)) < 0 ||
        (rc = store_tx(app->st, STORE_TX_WRITE, charge_fn, &x, err)) < 0) {
        conn_session_close(&cs);
        if (rc == RM_ELIMIT)
            err->code = rc = RM_EREFUSED;
        return rc;
    }
    res->id = x.change_id;
    res->op_id = x.op_id;
    res->amount = price;
    rm_log(LOG_INFO,
           "op %" PRId64 ": privacy %s created, charged %" PRId64
           " (change %" PRId64 ")",
           x.op_id, t->name, price, x.change_id);
    /* C1 and O2: both committed before the request leaves */
    if ((rc = op_load(app, x.op_id, &o, err)) < 0 ||
        (rc = op_to_sending(app, &o, err)) < 0 ||
        (rc = row_move(app, x.change_id, "sending", NULL, err)) < 0) {
        conn_session_close(&cs);
        return rc;
    }
    memset(&out, 0, sizeof out);
    cs.op_id = x.op_id;
    send_change(cs.reg, t, c, &out, &serr);
    answer_of(&out, res->answer, sizeof res->answer);
    switch (out.state) {
    case REG_OP_DONE:
        state = "succeeded";
        break;
    case REG_OP_FAILED:
    case REG_OP_NOT_SENT:
        state = "failed";
        break;
    default: {
        /* C2: the answer was lost; read back, never send again */
        int b = read_back(cs.reg, t, c, note, sizeof note);
        size_t l = strlen(res->answer);
        snprintf(res->answer + l, sizeof res->answer - l, "; %s", note);
        state = b == 1 ? "succeeded" : b == 0 ? "failed" : "unknown";
        break;
    }
    }
    conn_session_close(&cs);
    snprintf(res->state, sizeof res->state, "%s", state);
    rm_log(LOG_INFO,
           "domain %s: privacy change %" PRId64 " (op %" PRId64 "): %s (%s)",
           t->name, x.change_id, x.op_id, state, res->answer);
    return charged_end(app, &o, x.change_id, state, res, err);
}

int domchange_privacy(struct app *app, const struct domchange_who *who,
                      const char *name, bool on, struct domchange_result *res,
                      struct rm_err *err)
{
    struct change c = {.kind = "privacy", .on = on};
    struct target t;
    struct tld tl;
    struct rm_err terr = {0};
    int64_t price = TLD_NOPRICE;
    int rc;

    snprintf(c.request, sizeof c.request, "{\"privacy\": %s}",
             on ? "true" : "false");
    if (!on)
        return run(app, who, name, &c, res, err);
    memset(res, 0, sizeof *res);
    if ((rc = resolve(app, who, name, &t, err)) < 0)
        return rc;
    /* a TLD no longer offered has no price: free, as before */
    if (tld_get(app, t.tld, &tl, &terr) == 0)
        price = tld_privacy_price(&tl);
    if (price == TLD_NOPRICE)
        return run(app, who, name, &c, res, err);
    snprintf(res->domain, sizeof res->domain, "%s", t.name);
    return privacy_charged(app, who, &t, &c, price, res, err);
}

int domchange_privacy_price(struct app *app, const char *domain, int64_t *price,
                            struct rm_err *err)
{
    struct tld tl;
    struct name nm;
    struct rm_err terr = {0};
    int rc;

    *price = TLD_NOPRICE;
    if ((rc = name_parse(domain, &nm, err)) < 0)
        return rc;
    if (tld_for_name(app, &nm, &tl, &terr) == 0)
        *price = tld_privacy_price(&tl);
    return 0;
}

int domchange_settle_linked(struct app *app, int64_t op_id, bool succeeded,
                            const char *reason, int64_t now, struct rm_err *err)
{
    static const char sql[] =
        "UPDATE domain_changes SET state = ?, answer = ?, finished_at = ? "
        "WHERE operation_id = ? AND state IN ('new', 'sending', 'unknown')";
    char answer[DOMCHANGE_ANSWER_MAX];
    struct store_stmt *s;
    int rc;

    snprintf(answer, sizeof answer, "operation %" PRId64 " %s: %s", op_id,
             succeeded ? "succeeded" : "ended", reason ? reason : "");
    if ((rc = store_prepare(app->st, sql, &s, err)) < 0)
        return rc;
    store_bind_text(s, 1, succeeded ? "succeeded" : "failed");
    store_bind_text(s, 2, answer);
    store_bind_int64(s, 3, now);
    store_bind_int64(s, 4, op_id);
    rc = store_step(s, err);
    store_stmt_release(s);
    return rc < 0 ? rc : 0;
}

int domchange_privacy_read(struct app *app, const struct domchange_who *who,
                           const char *name, struct domchange_privacy_view *out,
                           struct rm_err *err)
{
    struct target t;
    struct conn_session cs;
    struct reg_privacy p;
    struct reg_domain_status st;
    struct rm_err serr = {0};
    int rc;

    memset(out, 0, sizeof *out);
    if ((rc = resolve(app, who, name, &t, err)) < 0)
        return rc;
    snprintf(out->domain, sizeof out->domain, "%s", t.name);
    if ((rc = domchange_privacy_price(app, t.name, &out->price, err)) < 0)
        return rc;
    if ((rc = conn_session_open(app, t.conn_id, &cs, err)) < 0)
        return rc;
    if ((rc = reg_privacy(cs.reg, t.name, &p, err)) < 0) {
        conn_session_close(&cs);
        return rc;
    }
    snprintf(out->state, sizeof out->state, "%s",
             p.state == REG_PRIVACY_UNKNOWN ? p.word
                                            : reg_privacy_state_name(p.state));
    out->on = p.state == REG_PRIVACY_ENABLED || p.state == REG_PRIVACY_ENABLING;
    /* whether it is offered: said by GET status, else unknown */
    if (cs.reg->ops->status &&
        cs.reg->ops->status(cs.reg->impl, t.name, &st, &serr) == 0)
        out->offered = st.privacy_offered;
    conn_session_close(&cs);
    return 0;
}

static int auth_code_ok(const char *code, struct rm_err *err)
{
    size_t n = strlen(code);

    if (n < DOMCHANGE_AUTH_MIN || n > DOMCHANGE_AUTH_MAX)
        return rm_err_set(err, RM_EINVAL,
                          "an auth code has %d to %d characters, not %zu",
                          DOMCHANGE_AUTH_MIN, DOMCHANGE_AUTH_MAX, n);
    for (const char *p = code; *p; p++)
        if (!isgraph((unsigned char)*p))
            return rm_err_set(err, RM_EINVAL,
                              "an auth code is printable ASCII without "
                              "spaces");
    return 0;
}

int domchange_auth_code_set(struct app *app, const struct domchange_who *who,
                            const char *name, const char *code,
                            struct domchange_result *res, struct rm_err *err)
{
    static const char set[] =
        "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
        "23456789";
    char fresh[17];
    struct change c = {.kind = "auth_code"};
    int rc;

    memset(res, 0, sizeof *res);
    if (!code) {
        for (size_t i = 0; i < 16; i++)
            fresh[i] = set[randombytes_uniform(sizeof set - 1)];
        fresh[16] = '\0';
        code = fresh;
    } else if ((rc = auth_code_ok(code, err)) < 0) {
        return rc;
    }
    c.code = code;
    /* the code itself is a secret: never in the record */
    snprintf(c.request, sizeof c.request, "{\"auth_code\": \"%s\"}",
             code == fresh ? "random" : "given");
    rc = run(app, who, name, &c, res, err);
    if (rc == 0 && strcmp(res->state, "failed") != 0)
        snprintf(res->auth_code, sizeof res->auth_code, "%s", code);
    return rc;
}

int domchange_auth_code_send(struct app *app, const struct domchange_who *who,
                             const char *name, struct domchange_result *res,
                             struct rm_err *err)
{
    struct change c = {.kind = "auth_code_send"};

    snprintf(c.request, sizeof c.request, "{}");
    return run(app, who, name, &c, res, err);
}

/* --- child nameservers ---------------------------------------------------- */

/* host_under - host (a name) parsed into out, and under domain. */
static int host_under(const char *host, const char *domain,
                      char out[NAME_MAX_ASCII + 1], struct rm_err *err)
{
    struct name nm;
    size_t hl, dl = strlen(domain);

    if (!host || name_parse(host, &nm, err) < 0)
        return rm_err_set(err, RM_EINVAL, "%s: not a host name",
                          host ? host : "(none)");
    hl = strlen(nm.ascii);
    if (hl <= dl + 1 || nm.ascii[hl - dl - 1] != '.' ||
        strcmp(nm.ascii + hl - dl, domain) != 0)
        return rm_err_set(err, RM_EINVAL,
                          "%s: a child nameserver of %s is a name under it "
                          "(ns1.%s)",
                          nm.ascii, domain, domain);
    snprintf(out, NAME_MAX_ASCII + 1, "%s", nm.ascii);
    return 0;
}

/* addrs - the addresses given: at most one IPv4 and one IPv6 (the
 * registrar keeps one of each per call), normalised. */
static int addrs(const char *const *ip, size_t n, char v4[INET_ADDRSTRLEN],
                 char v6[INET6_ADDRSTRLEN], struct rm_err *err)
{
    v4[0] = v6[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        unsigned char bin[16];
        if (ip[i] && inet_pton(AF_INET, ip[i], bin) == 1) {
            if (v4[0])
                return rm_err_set(err, RM_EINVAL,
                                  "one IPv4 address per host, not %s and %s",
                                  v4, ip[i]);
            inet_ntop(AF_INET, bin, v4, INET_ADDRSTRLEN);
        } else if (ip[i] && inet_pton(AF_INET6, ip[i], bin) == 1) {
            if (v6[0])
                return rm_err_set(err, RM_EINVAL,
                                  "one IPv6 address per host, not %s and %s",
                                  v6, ip[i]);
            inet_ntop(AF_INET6, bin, v6, INET6_ADDRSTRLEN);
        } else {
            return rm_err_set(err, RM_EINVAL, "%s: not an IP address",
                              ip[i] ? ip[i] : "(none)");
        }
    }
    if (!v4[0] && !v6[0])
        return rm_err_set(err, RM_EINVAL,
                          "a child nameserver needs an IPv4 or an IPv6 "
                          "address");
    return 0;
}

/* host_change - add (kind host_create), set (host_modify) or remove
 * (host_delete) a child nameserver of name. */
static int host_change(struct app *app, const struct domchange_who *who,
                       const char *name, const char *kind, const char *host,
                       const char *const *ip, size_t nip, const char *rename,
                       struct domchange_result *res, struct rm_err *err)
{
    char h[NAME_MAX_ASCII + 1], to[NAME_MAX_ASCII + 1];
    char v4[INET_ADDRSTRLEN], v6[INET6_ADDRSTRLEN];
    struct change c = {.kind = kind};
    struct name dom;
    size_t len;
    int rc;

    memset(res, 0, sizeof *res);
    if ((rc = name_parse(name, &dom, err)) < 0)
        return rc;
    if ((rc = host_under(host, dom.ascii, h, err)) < 0)
        return rc;
    c.host.domain = dom.ascii;
    c.host.name = h;
    len = (size_t)snprintf(c.request, sizeof c.request, "{\"host\": \"%s\"", h);
    if (strcmp(kind, "host_delete") != 0) {
        if ((rc = addrs(ip, nip, v4, v6, err)) < 0)
            return rc;
        c.host.ipv4 = v4[0] ? v4 : NULL;
        c.host.ipv6 = v6[0] ? v6 : NULL;
        len += (size_t)snprintf(c.request + len, sizeof c.request - len,
                                ", \"ipv4\": \"%s\", \"ipv6\": \"%s\"", v4, v6);
    }
    if (rename) {
        if ((rc = host_under(rename, dom.ascii, to, err)) < 0)
            return rc;
        c.host.new_name = to;
        len += (size_t)snprintf(c.request + len, sizeof c.request - len,
                                ", \"rename\": \"%s\"", to);
    }
    snprintf(c.request + len, sizeof c.request - len, "}");
    return run(app, who, name, &c, res, err);
}

int domchange_host_add(struct app *app, const struct domchange_who *who,
                       const char *name, const char *host,
                       const char *const *ip, size_t nip,
                       struct domchange_result *res, struct rm_err *err)
{
    return host_change(app, who, name, "host_create", host, ip, nip, NULL, res,
                       err);
}

int domchange_host_set(struct app *app, const struct domchange_who *who,
                       const char *name, const char *host,
                       const char *const *ip, size_t nip, const char *rename,
                       struct domchange_result *res, struct rm_err *err)
{
    return host_change(app, who, name, "host_modify", host, ip, nip, rename,
                       res, err);
}

int domchange_host_rm(struct app *app, const struct domchange_who *who,
                      const char *name, const char *host,
                      struct domchange_result *res, struct rm_err *err)
{
    return host_change(app, who, name, "host_delete", host, NULL, 0, NULL, res,
                       err);
}

int domchange_hosts(struct app *app, const struct domchange_who *who,
                    const char *name, struct reg_hosts *out, struct rm_err *err)
{
    struct target t;
    struct conn_session cs;
    int rc;

    memset(out, 0, sizeof *out);
    if ((rc = resolve(app, who, name, &t, err)) < 0)
        return rc;
    if ((rc = conn_session_open(app, t.conn_id, &cs, err)) < 0)
        return rc;
    rc = reg_hosts(cs.reg, t.name, out, err);
    conn_session_close(&cs);
    return rc;
}

/* --- contacts ----------------------------------------------------------- */

/* cut - src into dst of n bytes, cut when longer (a longer value the
 * registrar holds fails contact_merge's checks only when it is changed) */
static void cut(char *dst, size_t n, const char *src)
{
    size_t l = strnlen(src, n - 1);

    memcpy(dst, src, l);
    dst[l] = '\0';
}

static void from_info(const struct reg_contact_info *in, struct contact *c)
{
    memset(c, 0, sizeof *c);
#define CP(f, g) cut(c->f, sizeof c->f, in->g)
    CP(first_name, first_name);
    CP(last_name, last_name);
    CP(org_name, org_name);
    CP(address1, address1);
    CP(address2, address2);
    CP(address3, address3);
    CP(city, city);
    CP(state, state);
    CP(postal_code, postal_code);
    CP(country, country);
    CP(phone, phone);
    CP(fax, fax);
    CP(email, email);
    CP(lang, lang_pref);
#undef CP
    for (char *p = c->country; *p; p++)
        *p = (char)toupper((unsigned char)*p);
    if (!c->lang[0])
        snprintf(c->lang, sizeof c->lang, "en");
}

int domchange_contacts_read(struct app *app, const struct domchange_who *who,
                            const char *name, struct reg_contacts *out,
                            struct rm_err *err)
{
    struct target t;
    struct conn_session cs;
    int rc;

    memset(out, 0, sizeof *out);
    if ((rc = resolve(app, who, name, &t, err)) < 0)
        return rc;
    if ((rc = conn_session_open(app, t.conn_id, &cs, err)) < 0)
        return rc;
    rc = reg_contacts(cs.reg, t.name, out, err);
    conn_session_close(&cs);
    return rc;
}

int domchange_contacts(struct app *app, const struct domchange_who *who,
                       const char *name, const char *type,
                       const char *const *values, struct domchange_result *res,
                       struct rm_err *err)
{
    struct change *c = xcalloc(1, sizeof *c);
    struct reg_contacts cur;
    struct name dom;
    size_t len;
    bool any = false;
    int rc;

    memset(res, 0, sizeof *res);
    c->kind = "contacts";
    c->values = values;
    for (int k = 0; k < 4; k++)
        c->want[k] = !type || strcmp(type, contact_types[k]) == 0;
    if (type && !c->want[0] && !c->want[1] && !c->want[2] && !c->want[3]) {
        free(c);
        return rm_err_set(err, RM_EINVAL,
                          "contact type must be owner, admin, billing or "
                          "tech");
    }
    for (size_t i = 0; contact_field_names[i]; i++)
        any = any || values[i];
    if (!any) {
        free(c);
        return rm_err_set(err, RM_EINVAL, "no contact field to change");
    }
    if ((rc = name_parse(name, &dom, err)) < 0 ||
        (rc = domchange_contacts_read(app, who, name, &cur, err)) < 0) {
        free(c);
        return rc;
    }
    const struct reg_contact_info *now[4] = {&cur.owner, &cur.admin,
                                             &cur.billing, &cur.tech};
    const bool has[4] = {cur.has_owner, cur.has_admin, cur.has_billing,
                         cur.has_tech};
    len = (size_t)snprintf(c->request, sizeof c->request, "{\"types\": [");
    for (int k = 0, first = 1; k < 4; k++) {
        if (!c->want[k])
            continue;
        /* what the registrar holds now, the owner's where it has none */
        from_info(has[k] ? now[k] : &cur.owner, &c->merged[k]);
        snprintf(c->merged[k].type, sizeof c->merged[k].type, "%s",
                 contact_types[k]);
        if ((rc = contact_merge(&c->merged[k], values, err)) < 0) {
            rm_err_prefix(err, "%s ", contact_types[k]);
            free(c);
            return rc;
        }
        contact_to_reg(&c->merged[k], &c->regc[k]);
        len +=
            (size_t)snprintf(c->request + len, sizeof c->request - len,
                             "%s\"%s\"", first ? "" : ", ", contact_types[k]);
        first = 0;
    }
    /* which fields, never their values (personal data stays out of the
     * record; the registrar log has the exchange) */
    len += (size_t)snprintf(c->request + len, sizeof c->request - len,
                            "], \"fields\": [");
    for (size_t i = 0, first = 1; contact_field_names[i]; i++) {
        if (!values[i])
            continue;
        len += (size_t)snprintf(c->request + len, sizeof c->request - len,
                                "%s\"%s\"", first ? "" : ", ",
                                contact_field_names[i]);
        first = 0;
    }
    snprintf(c->request + len, sizeof c->request - len, "]}");
    c->contacts.domain = dom.ascii;
    c->contacts.owner = c->want[0] ? &c->regc[0] : NULL;
    c->contacts.admin = c->want[1] ? &c->regc[1] : NULL;
    c->contacts.billing = c->want[2] ? &c->regc[2] : NULL;
    c->contacts.tech = c->want[3] ? &c->regc[3] : NULL;
    rc = run(app, who, name, c, res, err);
    free(c);
    return rc;
}

int domchange_nexus(struct app *app, const struct domchange_who *who,
                    const char *name, const char *category, const char *purpose,
                    const char *validator, struct domchange_result *res,
                    struct rm_err *err)
{
    struct change c = {.kind = "contacts", .nexus_set = true};
    struct registrant x;
    struct registrant_update u = REGISTRANT_UPDATE_KEEP;
    struct name nm;
    size_t l;
    int rc;

    memset(res, 0, sizeof *res);
    if ((rc = name_parse(name, &nm, err)) < 0)
        return rc;
    l = strlen(nm.ascii);
    if (l < 4 || strcmp(nm.ascii + l - 3, ".us") != 0)
        return rm_err_set(err, RM_EINVAL,
                          "%s: a nexus belongs to .us domains only", nm.ascii);
    /* the same rules as the account's registrant details */
    memset(&x, 0, sizeof x);
    u.us_nexus_category = category ? category : "";
    u.us_app_purpose = purpose ? purpose : "";
    u.us_nexus_validator = validator ? validator : "";
    if ((rc = registrant_merge(&x, &u, err)) < 0)
        return rc;
    if (!x.us_nexus_category[0])
        return rm_err_set(err, RM_EINVAL,
                          "a nexus needs its category and its purpose");
    snprintf(c.nexus.category, sizeof c.nexus.category, "%s",
             x.us_nexus_category);
    snprintf(c.nexus.app_purpose, sizeof c.nexus.app_purpose, "%s",
             x.us_app_purpose);
    snprintf(c.nexus.validator, sizeof c.nexus.validator, "%s",
             x.us_nexus_validator);
    snprintf(c.request, sizeof c.request,
             "{\"nexus\": {\"category\": \"%s\", \"app_purpose\": \"%s\", "
             "\"validator\": \"%s\"}}",
             c.nexus.category, c.nexus.app_purpose, c.nexus.validator);
    return run(app, who, name, &c, res, err);
}

int domchange_siblings(struct app *app, const struct domchange_who *who,
                       const char *name,
                       int (*cb)(const char *domain, void *arg), void *arg,
                       struct rm_err *err)
{
    static const char sql[] =
        "SELECT name FROM domains WHERE account_id = ? AND status IN "
        "('active', 'expired') ORDER BY name";
    struct target t;
    struct store_stmt *s;
    char **names = NULL;
    size_t n = 0, cap = 0;
    int rc;

    if ((rc = resolve(app, who, name, &t, err)) < 0)
        return rc;
    if ((rc = store_prepare(app->st, sql, &s, err)) < 0)
        return rc;
    store_bind_int64(s, 1, t.account_id);
    while ((rc = store_step(s, err)) == STORE_ROW) {
        const char *v = store_col_text(s, 0);
        if (n == cap) {
            cap = cap ? cap * 2 : 16;
            names = xrealloc(names, cap * sizeof *names);
        }
        names[n++] = xstrdup(v ? v : "");
    }
    store_stmt_release(s);
    /* the calls run after the statement: each may use the store */
    for (size_t i = 0; rc >= 0 && i < n; i++)
        if (cb(names[i], arg))
            break;
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    return rc < 0 ? rc : 0;
}

int domchange_read(struct app *app, const struct domchange_who *who,
                   const char *name, bool auth, struct domchange_view *out,
                   struct rm_err *err)
{
    struct target t;
    struct conn_session cs;
    struct reg_domain_info info;
    struct reg_domain_status st;
    int rc;

    memset(out, 0, sizeof *out);
    if ((rc = resolve(app, who, name, &t, err)) < 0)
        return rc;
    snprintf(out->domain, sizeof out->domain, "%s", t.name);
    if ((rc = conn_session_open(app, t.conn_id, &cs, err)) < 0)
        return rc;
    if (!cs.reg->ops->info || !cs.reg->ops->status) {
        conn_session_close(&cs);
        return rm_err_set(err, RM_EINVAL,
                          "the registrar's driver cannot read a domain");
    }
    if ((rc = cs.reg->ops->info(cs.reg->impl, t.name, &info, err)) < 0 ||
        (rc = cs.reg->ops->status(cs.reg->impl, t.name, &st, err)) < 0) {
        conn_session_close(&cs);
        return rc;
    }
    for (size_t i = 0; i < info.n_nameservers && i < REG_NS_MAX; i++)
        snprintf(out->nameservers[i], sizeof out->nameservers[i], "%s",
                 info.nameservers[i]);
    out->n_nameservers = info.n_nameservers;
    out->locked = st.locked;
    if (auth) {
        struct reg_auth_code ac;
        if ((rc = reg_auth_code(cs.reg, t.name, &ac, err)) < 0) {
            conn_session_close(&cs);
            return rc;
        }
        snprintf(out->auth_code, sizeof out->auth_code, "%s", ac.code);
    }
    conn_session_close(&cs);
    return 0;
}

int domchange_history(struct app *app, const struct domchange_who *who,
                      const char *name, int limit,
                      int (*cb)(const struct domchange_row *r, void *arg),
                      void *arg, struct rm_err *err)
{
    static const char sql[] =
        "SELECT id, created_at, COALESCE(finished_at, 0), kind, actor, "
        "request, state, COALESCE(answer, '') FROM domain_changes WHERE "
        "domain_id = ? ORDER BY id DESC LIMIT ?";
    struct target t;
    struct store_stmt *s;
    int rc, stop = 0;

    if ((rc = resolve(app, who, name, &t, err)) < 0 && rc != RM_EREFUSED)
        return rc;
    if (!t.domain_id)
        return rc;
    if ((rc = store_prepare(app->st, sql, &s, err)) < 0)
        return rc;
    store_bind_int64(s, 1, t.domain_id);
    store_bind_int64(s, 2, limit > 0 ? limit : 50);
    while (!stop && (rc = store_step(s, err)) == STORE_ROW) {
        struct domchange_row r = {
            .id = store_col_int64(s, 0),
            .created_at = store_col_int64(s, 1),
            .finished_at = store_col_int64(s, 2),
            .kind = store_col_text(s, 3),
            .actor = store_col_text(s, 4),
            .request = store_col_text(s, 5),
            .state = store_col_text(s, 6),
            .answer = store_col_text(s, 7),
        };
        stop = cb(&r, arg);
    }
    store_stmt_release(s);
    return rc < 0 ? rc : stop;
}

/* --- the sweep ------------------------------------------------------------ */

/* req_str - the string value of "key" in a request this module wrote
 * (flat JSON, no escapes in host names) into out; false when absent. */
static bool req_str(const char *req, const char *key, char *out, size_t n)
{
    char pat[48];
    const char *p, *e;

    snprintf(pat, sizeof pat, "\"%s\": \"", key);
    if (!(p = strstr(req, pat)))
        return false;
    p += strlen(pat);
    if (!(e = strchr(p, '"')) || (size_t)(e - p) >= n)
        return false;
    memcpy(out, p, (size_t)(e - p));
    out[e - p] = '\0';
    return true;
}

/* req_bool - "key": true|false; -1 when absent. */
static int req_bool(const char *req, const char *key)
{
    char pat[48];
    const char *p;

    snprintf(pat, sizeof pat, "\"%s\": ", key);
    if (!(p = strstr(req, pat)))
        return -1;
    p += strlen(pat);
    return strncmp(p, "true", 4) == 0    ? 1
           : strncmp(p, "false", 5) == 0 ? 0
                                         : -1;
}

/* One change as the sweep rebuilds it from its row. */
struct swept {
    int64_t id;
    char state[16], kind[24];
    struct target t;
    char request[REG_NS_MAX * (REG_DOMAIN_MAX + 4) + 64];
    char answer[DOMCHANGE_ANSWER_MAX];
};

/* rebuild - the change of sw as read_back needs it; false when this kind
 * (or this request) cannot be read back. */
static bool rebuild(const struct swept *sw, struct change *c,
                    char ns[REG_NS_MAX][REG_DOMAIN_MAX], const char **nsp,
                    char host[3][REG_DOMAIN_MAX], char ip[2][64])
{
    const char *req = sw->request;
    int b;

    memset(c, 0, sizeof *c);
    c->kind = sw->kind;
    if (strcmp(sw->kind, "lock") == 0 || strcmp(sw->kind, "privacy") == 0) {
        if ((b = req_bool(req, sw->kind)) < 0)
            return false;
        c->on = b == 1;
        return true;
    }
    if (strcmp(sw->kind, "nameservers") == 0) {
        const char *p = strchr(req, '[');
        while (p && c->n < REG_NS_MAX && (p = strchr(p, '"'))) {
            const char *e = strchr(++p, '"');
            if (!e || (size_t)(e - p) >= REG_DOMAIN_MAX)
                return false;
            memcpy(ns[c->n], p, (size_t)(e - p));
            ns[c->n][e - p] = '\0';
            nsp[c->n] = ns[c->n];
            c->n++;
            p = e + 1;
        }
        c->ns = nsp;
        return c->n > 0;
    }
    if (strncmp(sw->kind, "host_", 5) == 0) {
        if (!req_str(req, "host", host[0], REG_DOMAIN_MAX))
            return false;
        c->host.domain = sw->t.name;
        c->host.name = host[0];
        if (req_str(req, "rename", host[1], REG_DOMAIN_MAX))
            c->host.new_name = host[1];
        if (req_str(req, "ipv4", ip[0], 64) && ip[0][0])
            c->host.ipv4 = ip[0];
        if (req_str(req, "ipv6", ip[1], 64) && ip[1][0])
            c->host.ipv6 = ip[1];
        return true;
    }
    if (strcmp(sw->kind, "contacts") == 0 && strstr(req, "\"nexus\"")) {
        c->nexus_set = true;
        return req_str(req, "category", c->nexus.category,
                       sizeof c->nexus.category) &&
               req_str(req, "app_purpose", c->nexus.app_purpose,
                       sizeof c->nexus.app_purpose) &&
               req_str(req, "validator", c->nexus.validator,
                       sizeof c->nexus.validator);
    }
    return false; /* other contacts, auth codes, mails */
}

/* settle - move sw from the state it was read in (D10); 1 when moved. */
static int settle(struct app *app, const struct swept *sw, const char *state,
                  const char *answer, struct rm_err *err)
{
    static const char sql[] =
        "UPDATE domain_changes SET state = ?, answer = ?, finished_at = ? "
        "WHERE id = ? AND state = ?";
    struct store_stmt *s;
    int rc;

    if ((rc = store_prepare(app->st, sql, &s, err)) < 0)
        return rc;
    store_bind_text(s, 1, state);
    store_bind_text(s, 2, answer);
    store_bind_int64(s, 3, clock_now());
    store_bind_int64(s, 4, sw->id);
    store_bind_text(s, 5, sw->state);
    rc = store_step(s, err);
    store_stmt_release(s);
    if (rc < 0)
        return rc;
    return store_changes(app->st) == 1 ? 1 : 0;
}

/* sweep_one - settle one change left behind. */
static int sweep_one(struct app *app, struct swept *sw,
                     struct domchange_sweep_stats *st, struct rm_err *err)
{
    char ns[REG_NS_MAX][REG_DOMAIN_MAX], host[3][REG_DOMAIN_MAX], ip[2][64];
    const char *nsp[REG_NS_MAX];
    char note[DOMCHANGE_ANSWER_MAX / 2], answer[DOMCHANGE_ANSWER_MAX];
    struct change c;
    struct conn_session cs;
    struct rm_err serr = {0};
    int b = -1, rc;

    st->checked++;
    if (strcmp(sw->state, "new") == 0) {
        /* `sending` is committed before a request leaves: never sent */
        rc = settle(app, sw, "failed",
                    "never sent: regman stopped before sending it", err);
        if (rc > 0)
            st->never_sent++;
        return rc < 0 ? rc : 0;
    }
    if (!rebuild(sw, &c, ns, nsp, host, ip)) {
        snprintf(note, sizeof note, "%s cannot be read back",
                 strcmp(sw->kind, "contacts") == 0         ? "a contact change"
                 : strcmp(sw->kind, "auth_code_send") == 0 ? "a sent mail"
                                                           : "an auth code");
    } else if (conn_session_open(app, sw->t.conn_id, &cs, &serr) < 0) {
        snprintf(note, sizeof note, "read back: %.300s", serr.msg);
    } else {
        b = read_back(cs.reg, &sw->t, &c, note, sizeof note);
        conn_session_close(&cs);
    }
    if (b < 0 && strcmp(sw->state, "unknown") == 0) {
        st->unknown++;
        return 0; /* still unknown: the next sweep asks again */
    }
    snprintf(answer, sizeof answer, "%.600s%s%.360s (the sweep)",
             strcmp(sw->state, "sending") == 0
                 ? "regman stopped while sending; "
                 : sw->answer,
             strcmp(sw->state, "sending") == 0 ? "" : "; ", note);
    const char *to = b == 1 ? "succeeded" : b == 0 ? "failed" : "unknown";
    if ((rc = settle(app, sw, to, answer, err)) < 0)
        return rc;
    if (rc > 0) {
        if (b < 0)
            st->unknown++;
        else
            st->settled++;
        rm_log(LOG_INFO, "domain %s: %s change %" PRId64 ": %s -> %s (%s)",
               sw->t.name, sw->kind, sw->id, sw->state, to, note);
    }
    return 0;
}

int domchange_sweep(struct app *app, struct domchange_sweep_stats *st,
                    struct rm_err *err)
{
    static const char sql[] =
        "SELECT c.id, c.state, c.kind, c.request, COALESCE(c.answer, ''), "
        "c.domain_id, c.account_id, c.connection_id, d.name, d.status FROM "
        "domain_changes c JOIN domains d ON d.id = c.domain_id WHERE "
        "c.operation_id IS NULL AND ((c.state = 'new' AND c.created_at < ?) "
        "OR (c.state = 'sending' AND c.sent_at < ?) OR (c.state = 'unknown' "
        "AND c.finished_at >= ? AND (c.kind IN ('nameservers', 'lock', "
        "'privacy', 'host_create', 'host_modify', 'host_delete') OR "
        "(c.kind = 'contacts' AND c.request LIKE '{\"nexus\":%')))) ORDER "
        "BY c.id LIMIT ?";
    int64_t now = clock_now();
    struct swept *v = xcalloc(DOMCHANGE_SWEEP_MAX, sizeof *v);
    struct store_stmt *s;
    size_t n = 0;
    int rc;

    memset(st, 0, sizeof *st);
    if ((rc = store_prepare(app->st, sql, &s, err)) < 0) {
        free(v);
        return rc;
    }
    store_bind_int64(s, 1, now - DOMCHANGE_STALE_S);
    store_bind_int64(s, 2, now - DOMCHANGE_STALE_S);
    store_bind_int64(s, 3, now - DOMCHANGE_REREAD_S);
    store_bind_int64(s, 4, DOMCHANGE_SWEEP_MAX);
    while (n < DOMCHANGE_SWEEP_MAX && (rc = store_step(s, err)) == STORE_ROW) {
        struct swept *w = &v[n++];
        const char *x;
#define COPY(dst, col)                                                         \
    x = store_col_text(s, col);                                                \
    snprintf(dst, sizeof dst, "%s", x ? x : "")
        w->id = store_col_int64(s, 0);
        COPY(w->state, 1);
        COPY(w->kind, 2);
        COPY(w->request, 3);
        COPY(w->answer, 4);
        w->t.domain_id = store_col_int64(s, 5);
        w->t.account_id = store_col_int64(s, 6);
        w->t.conn_id = store_col_int64(s, 7);
        COPY(w->t.name, 8);
        COPY(w->t.status, 9);
#undef COPY
    }
    store_stmt_release(s);
    for (size_t i = 0; rc >= 0 && i < n; i++) {
        struct rm_err e = {0};
        if (sweep_one(app, &v[i], st, &e) < 0)
            rm_log(LOG_ERROR, "domain change %" PRId64 ": %s", v[i].id, e.msg);
    }
    free(v);
    if (st->checked)
        rm_log(LOG_INFO,
               "domain changes: %d looked at, %d never sent, %d settled, %d "
               "unknown",
               st->checked, st->never_sent, st->settled, st->unknown);
    return rc < 0 ? rc : 0;
}
