/*
 * sim_legacy - the legacy protocol's session state machine (see
 * sim_legacy.h).
 */
#include "sim/sim_legacy.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/sim_actions.h"
#include "util/xalloc.h"

struct sim_legacy {
    struct sim *sim;
    struct xcp_parser *parser;
    enum sim_legacy_state state;
    enum xcp_legacy_crypt crypt;
    /* the username of AUTHENTICATE; user_bad when it did not fit (such a
     * name can match no reseller: a cut copy must not match one) */
    char user[128];
    bool user_bad;
    uint8_t challenge[SIM_LEGACY_CHALLENGE];
    bool challenged;
    struct xcp_legacy_cipher *cipher; /* set once authenticated */
    int commands;
};

struct sim_legacy *sim_legacy_new(struct sim *sim, struct xcp_parser *parser)
{
    struct sim_legacy *s = xcalloc(1, sizeof(*s));
    s->sim = sim;
    s->parser = parser;
    s->state = SIM_LEGACY_VERSION;
    return s;
}

void sim_legacy_free(struct sim_legacy *s)
{
    if (!s)
        return;
    xcp_legacy_cipher_free(s->cipher);
    free(s);
}

enum sim_legacy_state sim_legacy_state(const struct sim_legacy *s)
{
    return s->state;
}

const uint8_t *sim_legacy_challenge(const struct sim_legacy *s)
{
    return s->challenged ? s->challenge : NULL;
}

int sim_legacy_commands(const struct sim_legacy *s)
{
    return s->commands;
}

/* frame_plain - the OPS document of tree, framed, unencrypted. */
static void frame_plain(struct buf *out, const struct xcp_value *tree)
{
    struct buf doc;
    buf_init(&doc);
    xcp_emit(tree, &doc);
    xcp_legacy_frame(out, doc.data, doc.len);
    buf_release(&doc);
}

void sim_legacy_greeting(struct buf *out)
{
    struct xcp_value *attrs = xcp_assoc_new();
    xcp_assoc_set_str(attrs, "sender", "OpenSRS SERVER");
    xcp_assoc_set_str(attrs, "version", "XML:0.1");
    xcp_assoc_set_str(attrs, "state", "ready");
    struct xcp_value *req = xcp_request_new("check", "version", attrs);
    frame_plain(out, req);
    xcp_free(req);
}

/*
 * encrypt_into - o->out = the frame of text encrypted under the session
 * cipher; sent < len is the "truncated" fault: the header claims the
 * whole ciphertext, only about half of it follows. False when the cipher
 * fails (then nothing can be said to the peer).
 */
static bool encrypt_into(struct sim_legacy *s, struct sim_outcome *o,
                         const char *text, size_t len, size_t sent)
{
    struct buf enc;
    buf_init(&enc);
    struct rm_err err;
    rm_err_clear(&err);
    buf_reset(&o->out);
    bool ok = xcp_legacy_encrypt(s->cipher, text, len, NULL, &enc, &err) == 0;
    if (ok && sent < len) {
        xcp_legacy_frame_header(&o->out, enc.len);
        buf_add(&o->out, enc.data, enc.len / 2);
    } else if (ok) {
        xcp_legacy_frame(&o->out, enc.data, enc.len);
    }
    buf_release(&enc);
    return ok;
}

/* reply - answer tree (owned) plainly or encrypted, then keep reading or
 * end the session. */
static void reply(struct sim_legacy *s, struct sim_outcome *o,
                  struct xcp_value *tree, bool encrypted, bool close)
{
    struct xcp_response rr;
    o->code = xcp_response_read(tree, &rr, NULL) == 0 ? rr.code : 0;
    buf_reset(&o->out);
    o->disp = close ? SIM_SEND_CLOSE : SIM_SEND;
    if (encrypted) {
        struct buf doc;
        buf_init(&doc);
        xcp_emit(tree, &doc);
        if (!encrypt_into(s, o, doc.data, doc.len, doc.len))
            o->disp = SIM_CLOSE;
        buf_release(&doc);
    } else {
        frame_plain(&o->out, tree);
    }
    xcp_free(tree);
    if (o->disp != SIM_SEND)
        s->state = SIM_LEGACY_DONE;
}

/* fail - an OPS error, encrypted once the session has a cipher, and the
 * end of the session. */
static void fail(struct sim_legacy *s, struct sim_outcome *o,
                 const char *object, int code, const char *text)
{
    reply(s, o, xcp_response_new(object, false, code, text, NULL),
          s->cipher != NULL, true);
}

/* read_request - parse an OPS request; false with text set if it is
 * not one. msg must be freed by the caller either way. */
static bool read_request(struct sim_legacy *s, const char *body, size_t len,
                         struct xcp_msg *msg, struct xcp_request *r,
                         struct sim_outcome *o, char *text, size_t n)
{
    struct rm_err err;
    rm_err_clear(&err);
    if (xcp_parser_parse(s->parser, body, len, msg, &err) < 0) {
        snprintf(text, n, "XML parse error: %s", err.msg);
        return false;
    }
    if (!msg->data || xcp_request_read(msg->data, r, &err) < 0) {
        snprintf(text, n, "Invalid request: %s",
                 msg->data ? err.msg : "empty data_block");
        return false;
    }
    snprintf(o->action, sizeof(o->action), "%s",
             r->action[0] ? r->action : "-");
    snprintf(o->object, sizeof(o->object), "%s",
             r->object[0] ? r->object : "-");
    return true;
}

static const char *attr(const struct xcp_request *r, const char *key)
{
    if (!r->attrs || xcp_type(r->attrs) != XCP_ASSOC)
        return NULL;
    return xcp_path_str(r->attrs, key);
}

/* expect - a handshake request, which must be ACTION OBJECT; else a 400
 * that ends the session (logged), and false. msg must be freed by the
 * caller either way. */
static bool expect(struct sim_legacy *s, const char *body, size_t len,
                   const char *action, const char *object, struct xcp_msg *msg,
                   struct xcp_request *r, struct sim_outcome *o, bool *log)
{
    char text[600];
    bool ok = read_request(s, body, len, msg, r, o, text, sizeof(text));
    if (ok &&
        (strcmp(r->action, action) != 0 || strcmp(r->object, object) != 0)) {
        snprintf(text, sizeof(text), "Expected %s %s", action, object);
        ok = false;
    }
    if (ok)
        return true;
    *log = true;
    fail(s, o, object, 400, text);
    return false;
}

static void step_version(struct sim_legacy *s, const char *body, size_t len,
                         struct sim_outcome *o, bool *log)
{
    struct xcp_msg msg = {0};
    struct xcp_request r;
    if (expect(s, body, len, "CHECK", "VERSION", &msg, &r, o, log)) {
        o->disp = SIM_SEND; /* nothing to say: the client goes on */
        s->state = SIM_LEGACY_AUTH;
    }
    xcp_msg_free(&msg);
}

static void step_auth(struct sim_legacy *s, const char *body, size_t len,
                      struct sim_outcome *o, bool *log)
{
    struct xcp_msg msg = {0};
    struct xcp_request r;
    if (!expect(s, body, len, "AUTHENTICATE", "USER", &msg, &r, o, log)) {
        xcp_msg_free(&msg);
        return;
    }
    const char *user = attr(&r, "username");
    if (!user)
        user = "";
    if (strlen(user) >= sizeof(s->user))
        s->user_bad = true;
    snprintf(s->user, sizeof(s->user), "%s", user);
    snprintf(o->user, sizeof(o->user), "%s", s->user[0] ? s->user : "-");
    const char *crypt = attr(&r, "crypt_type");
    if (!crypt || !xcp_legacy_crypt_parse(crypt, &s->crypt)) {
        *log = true;
        fail(s, o, "USER", 400, "Invalid encryption method");
        xcp_msg_free(&msg);
        return;
    }
    xcp_msg_free(&msg);
    /* the challenge goes to every username alike: whether the name
     * exists shows only in the final answer, as for a wrong key */
    xcp_legacy_random(s->challenge, sizeof(s->challenge));
    s->challenged = true;
    buf_reset(&o->out);
    xcp_legacy_frame(&o->out, s->challenge, sizeof(s->challenge));
    o->disp = SIM_SEND;
    s->state = SIM_LEGACY_ANSWER;
}

static void step_answer(struct sim_legacy *s, const char *body, size_t len,
                        struct sim_outcome *o, bool *log)
{
    *log = true;
    snprintf(o->user, sizeof(o->user), "%s", s->user[0] ? s->user : "-");
    snprintf(o->action, sizeof(o->action), "AUTHENTICATE");
    snprintf(o->object, sizeof(o->object), "USER");
    char *key = NULL;
    if (!s->user_bad) {
        pthread_mutex_lock(&s->sim->mu);
        const char *k = sim_reseller_key(s->sim, s->user);
        key = k ? xstrdup(k) : NULL;
        pthread_mutex_unlock(&s->sim->mu);
    }
    struct xcp_legacy_cipher *c = NULL;
    bool ok = false;
    if (key) {
        struct rm_err err;
        rm_err_clear(&err);
        /* a reseller key that is not hex cannot key a cipher: refused */
        c = xcp_legacy_cipher_new(s->crypt, key, &err);
        ok = c && xcp_legacy_challenge_check(c, s->challenge,
                                             sizeof(s->challenge), body, len);
        memset(key, 0, strlen(key));
        free(key);
    }
    if (!ok) {
        xcp_legacy_cipher_free(c);
        /* plain: the peer has no key we share */
        reply(
            s, o,
            xcp_response_new("USER", false, 415, "Authentication failed", NULL),
            false, true);
        return;
    }
    s->cipher = c;
    s->state = SIM_LEGACY_SESSION;
    reply(
        s, o,
        xcp_response_new("USER", true, 200, "Authentication successful", NULL),
        true, false);
}

static void step_command(struct sim_legacy *s, const char *body, size_t len,
                         struct sim_outcome *o, bool *log)
{
    *log = true;
    snprintf(o->user, sizeof(o->user), "%s", s->user);
    struct buf plain;
    buf_init(&plain);
    struct rm_err err;
    rm_err_clear(&err);
    if (xcp_legacy_decrypt(s->cipher, body, len, &plain, &err) < 0) {
        char text[600];
        snprintf(text, sizeof(text), "Cannot decrypt: %s", err.msg);
        fail(s, o, "SESSION", 400, text);
        buf_release(&plain);
        return;
    }
    struct xcp_msg msg = {0};
    struct xcp_request r;
    char text[600];
    if (!read_request(s, plain.data, plain.len, &msg, &r, o, text,
                      sizeof(text))) {
        fail(s, o, "SESSION", 400, text);
    } else if (strcmp(r.action, "QUIT") == 0 &&
               strcmp(r.object, "SESSION") == 0) {
        reply(s, o,
              xcp_response_new("SESSION", true, 200, "Session ended", NULL),
              true, true);
    } else if (s->commands >= XCP_LEGACY_SESSION_MAX) {
        fail(s, o, r.object[0] ? r.object : "SESSION", 350,
             "Maximum commands per session exceeded");
    } else {
        /* the core parses the document again, with the same parser */
        xcp_msg_free(&msg);
        memset(&msg, 0, sizeof(msg));
        s->commands++;
        struct sim_exchange_in in = {
            .user = s->user,
            .body = plain.data,
            .body_len = plain.len,
            .sig = NULL, /* authenticated by the handshake */
            .keep_alive = true,
        };
        sim_exchange_run(s->sim, s->parser, &in, o);
        if ((o->disp == SIM_SEND || o->disp == SIM_SEND_CLOSE) &&
            !encrypt_into(s, o, o->body.data, o->body.len, o->body_sent))
            o->disp = SIM_CLOSE;
        if (o->disp != SIM_SEND)
            s->state = SIM_LEGACY_DONE;
    }
    xcp_msg_free(&msg);
    buf_release(&plain);
}

long sim_legacy_step(struct sim_legacy *s, const char *in, size_t len,
                     struct sim_outcome *o, bool *log)
{
    *log = false;
    if (s->state == SIM_LEGACY_DONE) {
        o->disp = SIM_CLOSE;
        return (long)len;
    }
    size_t off = 0, blen = 0;
    struct rm_err err;
    rm_err_clear(&err);
    long used = xcp_legacy_unframe(
        in, len, s->state == SIM_LEGACY_SESSION ? 0 : SIM_LEGACY_MAX_HANDSHAKE,
        &off, &blen, &err);
    if (used == 0)
        return 0;
    if (s->state != SIM_LEGACY_VERSION)
        snprintf(o->user, sizeof(o->user), "%s", s->user[0] ? s->user : "-");
    if (used < 0) {
        /* not a frame, or one over the limit: nothing after it can be
         * trusted to line up, so the session ends */
        char text[600];
        snprintf(text, sizeof(text), "Bad frame: %s", err.msg);
        *log = true;
        fail(s, o, s->state == SIM_LEGACY_SESSION ? "SESSION" : "USER", 400,
             text);
        return (long)len;
    }
    const char *body = in + off;
    switch (s->state) {
    case SIM_LEGACY_VERSION:
        step_version(s, body, blen, o, log);
        break;
    case SIM_LEGACY_AUTH:
        step_auth(s, body, blen, o, log);
        break;
    case SIM_LEGACY_ANSWER:
        step_answer(s, body, blen, o, log);
        break;
    case SIM_LEGACY_SESSION:
        step_command(s, body, blen, o, log);
        break;
    case SIM_LEGACY_DONE:
        break;
    }
    return used;
}
