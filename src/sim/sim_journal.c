/*
 * sim_journal - the state file's snapshot and journal (see sim_journal.h).
 */
#include "sim/sim_journal.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/xalloc.h"

/* the collections recorded member by member; everything else but "events"
 * is a "top" member, recorded whole when it differs from the shadow */
static const char *const keyed[] = {"domains", "orders", "queue", "transfers",
                                    "cookies"};

bool sim_journal_is_keyed(const char *name)
{
    for (size_t i = 0; i < sizeof(keyed) / sizeof(keyed[0]); i++)
        if (strcmp(name, keyed[i]) == 0)
            return true;
    return false;
}

static bool is_top(const char *name)
{
    return !sim_journal_is_keyed(name) && strcmp(name, "events") != 0;
}

void sim_journal_init(struct sim_journal *j, const char *state_path)
{
    memset(j, 0, sizeof(*j));
    j->fd = -1;
    j->compact_min = SIM_JOURNAL_COMPACT_MIN;
    j->need_snapshot = true;
    if (!state_path)
        return;
    j->snap_path = xstrdup(state_path);
    j->path = xasprintf("%s.journal", state_path);
    j->touched = json_object();
    j->events = json_array();
}

void sim_journal_release(struct sim_journal *j)
{
    if (j->fd >= 0)
        close(j->fd);
    free(j->snap_path);
    free(j->path);
    json_decref(j->touched);
    json_decref(j->events);
    json_decref(j->shadow);
    memset(j, 0, sizeof(*j));
    j->fd = -1;
}

bool sim_journal_enabled(const struct sim_journal *j)
{
    return j->snap_path != NULL;
}

/* threshold - journal bytes between snapshots: at least the snapshot's
 * own size, so rewriting the world costs at most one byte per journal
 * byte written since the last one. */
static int64_t threshold(const struct sim_journal *j)
{
    return j->snap_len > j->compact_min ? j->snap_len : j->compact_min;
}

/* --- loading ------------------------------------------------------------- */

int sim_journal_load_snapshot(struct sim_journal *j, json_t **world,
                              struct rm_err *err)
{
    *world = NULL;
    if (!sim_journal_enabled(j) || access(j->snap_path, F_OK) != 0)
        return 0;
    json_error_t jerr;
    json_t *s = json_load_file(j->snap_path, JSON_REJECT_DUPLICATES, &jerr);
    if (!s)
        return rm_err_set(err, RM_EINVAL, "state %s: line %d: %s", j->snap_path,
                          jerr.line, jerr.text);
    json_t *pos = json_object_get(s, "journal_seq");
    if (pos) {
        if (!json_is_integer(pos) || json_integer_value(pos) < 0) {
            json_decref(s);
            return rm_err_set(err, RM_EINVAL,
                              "state %s: journal_seq must be a non-negative "
                              "integer",
                              j->snap_path);
        }
        j->seq = (int64_t)json_integer_value(pos);
        j->have_position = true;
        json_object_del(s, "journal_seq");
    }
    struct stat st;
    if (stat(j->snap_path, &st) == 0)
        j->snap_len = (int64_t)st.st_size;
    *world = s;
    return 0;
}

/* apply - one record onto world; false (why filled) when it does not fit. */
static bool apply(json_t *world, json_t *rec, char *why, size_t n)
{
    json_t *top = json_object_get(rec, "top");
    json_t *set = json_object_get(rec, "set");
    json_t *ev = json_object_get(rec, "events");
    if ((top && !json_is_object(top)) || (set && !json_is_object(set)) ||
        (ev && !json_is_array(ev))) {
        snprintf(why, n, "top, set or events of the wrong type");
        return false;
    }
    const char *k;
    json_t *v;
    json_object_foreach(top, k, v)
    {
        if (!is_top(k) || strcmp(k, "journal_seq") == 0) {
            snprintf(why, n, "\"%.64s\" is not a top member", k);
            return false;
        }
        if (json_is_null(v))
            json_object_del(world, k);
        else
            json_object_set(world, k, v);
    }
    json_object_foreach(set, k, v)
    {
        json_t *coll = json_object_get(world, k);
        if (!sim_journal_is_keyed(k) || !json_is_object(coll) ||
            !json_is_object(v)) {
            snprintf(why, n, "\"%.64s\" is not a keyed collection", k);
            return false;
        }
        const char *key;
        json_t *val;
        json_object_foreach(v, key, val)
        {
            if (json_is_null(val))
                json_object_del(coll, key);
            else
                json_object_set(coll, key, val);
        }
    }
    json_t *events = json_object_get(world, "events");
    size_t i;
    json_t *op;
    json_array_foreach(ev, i, op)
    {
        const char *what = json_string_value(json_array_get(op, 0));
        json_t *arg = json_array_get(op, 1);
        if (!json_is_array(events) || !what || json_array_size(op) != 2) {
            snprintf(why, n, "bad event operation %zu", i + 1);
            return false;
        }
        if (strcmp(what, "add") == 0 && json_is_object(arg)) {
            json_array_append(events, arg);
        } else if (strcmp(what, "del") == 0 && json_is_integer(arg) &&
                   json_integer_value(arg) >= 0 &&
                   (size_t)json_integer_value(arg) < json_array_size(events)) {
            json_array_remove(events, (size_t)json_integer_value(arg));
        } else {
            snprintf(why, n, "bad event operation %zu", i + 1);
            return false;
        }
    }
    return true;
}

/* read_all - the whole file behind fd into a new buffer. */
static int read_all(int fd, char **out, size_t *len)
{
    size_t cap = 65536, n = 0;
    char *b = xmalloc(cap);
    for (;;) {
        if (n == cap) {
            cap *= 2;
            b = xrealloc(b, cap);
        }
        ssize_t r = pread(fd, b + n, cap - n, (off_t)n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            free(b);
            return -1;
        }
        if (r == 0)
            break;
        n += (size_t)r;
    }
    *out = b;
    *len = n;
    return 0;
}

int sim_journal_replay(struct sim_journal *j, json_t *world, char *warn,
                       size_t n, struct rm_err *err)
{
    warn[0] = '\0';
    if (!sim_journal_enabled(j))
        return 0;
    int fd = open(j->path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (fd < 0)
        return rm_err_set(err, RM_EIO, "state: cannot open %s: %s", j->path,
                          strerror(errno));
    char *data;
    size_t size;
    if (read_all(fd, &data, &size) < 0) {
        int e = errno;
        close(fd);
        return rm_err_set(err, RM_EIO, "state: read %s: %s", j->path,
                          strerror(e));
    }
    int rc = 0;
    size_t good = 0, line = 0;
    int64_t prev = -1;
    const char *p = data, *end = data + size;
    while (p < end) {
        line++;
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        json_error_t jerr;
        json_t *rec =
            nl ? json_loadb(p, (size_t)(nl - p), JSON_REJECT_DUPLICATES, &jerr)
               : NULL;
        if (!rec) {
            if (!nl || nl + 1 == end) {
                /* J4: a write cut short; never acknowledged */
                snprintf(warn, n,
                         "%s: ignored an incomplete last record (line %zu, "
                         "%zu bytes)",
                         j->path, line, (size_t)(end - p));
                break;
            }
            rc = rm_err_set(err, RM_EINVAL,
                            "state %s: line %zu is not a record and records "
                            "follow it; the journal is damaged",
                            j->path, line);
            goto out;
        }
        json_t *sq = json_object_get(rec, "seq");
        int64_t seq = json_is_integer(sq) ? (int64_t)json_integer_value(sq) : 0;
        char why[160] = "";
        if (seq < 1)
            snprintf(why, sizeof(why), "no valid seq");
        else if (prev >= 0 && seq != prev + 1)
            snprintf(why, sizeof(why), "seq %" PRId64 " follows %" PRId64, seq,
                     prev);
        else if (!j->have_position)
            snprintf(why, sizeof(why),
                     "%s has no journal_seq, so these changes were not made "
                     "to it (move the journal away to start from %s alone)",
                     j->snap_path, j->snap_path);
        else if (seq > j->seq + 1)
            snprintf(why, sizeof(why),
                     "seq %" PRId64 " but the snapshot ends at %" PRId64, seq,
                     j->seq);
        else if (seq == j->seq + 1 && apply(world, rec, why, sizeof(why)))
            j->seq = seq;
        /* J3: seq <= j->seq is already in the snapshot */
        json_decref(rec);
        if (why[0]) {
            rc = rm_err_set(err, RM_EINVAL, "state %s: line %zu: %s", j->path,
                            line, why);
            goto out;
        }
        prev = seq;
        p = nl + 1;
        good = (size_t)(p - data);
    }
    if (good < size && ftruncate(fd, (off_t)good) < 0) {
        /* harmless: the first commit writes a snapshot and empties it */
    }
    j->len = (int64_t)good;
    j->fd = fd;
    fd = -1;
out:
    if (fd >= 0)
        close(fd);
    free(data);
    return rc;
}

/* --- recording ------------------------------------------------------------ */

void sim_journal_touch(struct sim_journal *j, const char *coll, const char *key)
{
    if (!j->touched || !key)
        return;
    json_t *s = json_object_get(j->touched, coll);
    if (!s) {
        s = json_object();
        json_object_set_new(j->touched, coll, s);
    }
    json_object_set_new(s, key, json_true());
}

void sim_journal_event_add(struct sim_journal *j, const json_t *event)
{
    if (!j->events)
        return;
    json_t *op = json_array();
    json_array_append_new(op, json_string("add"));
    json_array_append(op, (json_t *)event);
    json_array_append_new(j->events, op);
}

void sim_journal_event_del(struct sim_journal *j, size_t index)
{
    if (!j->events)
        return;
    json_t *op = json_array();
    json_array_append_new(op, json_string("del"));
    json_array_append_new(op, json_integer((json_int_t)index));
    json_array_append_new(j->events, op);
}

void sim_journal_forget(struct sim_journal *j)
{
    if (j->touched)
        json_object_clear(j->touched);
    if (j->events)
        json_array_clear(j->events);
}

/* write_all - the whole of text to fd; -1 with errno. */
static int write_all(int fd, const char *text, size_t len)
{
    size_t off = 0;
    while (off < len) {
        ssize_t w = write(fd, text + off, len - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0)
            return -1;
        if (w == 0) {
            errno = EIO;
            return -1;
        }
        off += (size_t)w;
    }
    return 0;
}

/* build_record - the changes since the last record, or NULL if none. */
static json_t *build_record(struct sim_journal *j, json_t *world)
{
    json_t *top = json_object();
    const char *k;
    json_t *v;
    json_object_foreach(world, k, v)
    {
        if (is_top(k) && !json_equal(v, json_object_get(j->shadow, k)))
            json_object_set(top, k, v);
    }
    json_object_foreach(j->shadow, k, v)
    {
        if (!json_object_get(world, k))
            json_object_set_new(top, k, json_null());
    }
    json_t *set = json_object();
    json_t *keys;
    json_object_foreach(j->touched, k, keys)
    {
        json_t *coll = json_object_get(world, k);
        json_t *out = json_object();
        const char *key;
        json_t *unused;
        json_object_foreach(keys, key, unused)
        {
            json_t *val = json_object_get(coll, key);
            json_object_set_new(out, key, val ? json_incref(val) : json_null());
        }
        json_object_set_new(set, k, out);
    }
    if (json_object_size(top) == 0 && json_object_size(set) == 0 &&
        json_array_size(j->events) == 0) {
        json_decref(top);
        json_decref(set);
        return NULL;
    }
    json_t *rec = json_object();
    json_object_set_new(rec, "seq", json_integer((json_int_t)(j->seq + 1)));
    if (json_object_size(top))
        json_object_set(rec, "top", top);
    if (json_object_size(set))
        json_object_set(rec, "set", set);
    if (json_array_size(j->events))
        json_object_set(rec, "events", j->events);
    json_decref(top);
    json_decref(set);
    return rec;
}

/* refresh_shadow - the shadow copies the changed top members of rec (all
 * top members of world when rec is NULL). */
static void refresh_shadow(struct sim_journal *j, json_t *world, json_t *rec)
{
    if (!rec) {
        json_decref(j->shadow);
        j->shadow = json_object();
    }
    json_t *from = rec ? json_object_get(rec, "top") : world;
    const char *k;
    json_t *v;
    json_object_foreach(from, k, v)
    {
        if (!is_top(k))
            continue;
        json_t *now = json_object_get(world, k);
        if (now)
            json_object_set_new(j->shadow, k, json_deep_copy(now));
        else
            json_object_del(j->shadow, k);
    }
}

int sim_journal_commit(struct sim_journal *j, json_t *world, struct rm_err *err)
{
    if (!sim_journal_enabled(j))
        return 0;
    if (j->need_snapshot || j->fd < 0)
        return sim_journal_snapshot(j, world, err);
    json_t *rec = build_record(j, world);
    if (!rec)
        return 0;
    char *text = json_dumps(rec, JSON_COMPACT);
    size_t len = strlen(text);
    text = xrealloc(text, len + 2);
    text[len++] = '\n';
    text[len] = '\0';
    /* J2: the caller answers only after this returns */
    if (write_all(j->fd, text, len) < 0) {
        int e = errno;
        /* a part of a record followed by later ones would read as damage:
         * cut it off, or write a snapshot next time */
        if (ftruncate(j->fd, (off_t)j->len) < 0)
            j->need_snapshot = true;
        free(text);
        json_decref(rec);
        return rm_err_set(err, RM_EIO, "state: write %s: %s", j->path,
                          strerror(e));
    }
    free(text);
    j->len += (int64_t)len;
    j->seq++;
    refresh_shadow(j, world, rec);
    json_decref(rec);
    sim_journal_forget(j);
    if (j->len > j->compact_at) {
        struct rm_err e2;
        if (sim_journal_snapshot(j, world, &e2) < 0)
            /* the record is safe in the journal; try again after as many
             * bytes again */
            fprintf(stderr, "opensrs-sim: %s\n", e2.msg);
    }
    return 0;
}

/* --- snapshots --------------------------------------------------------------
 */

int sim_journal_snapshot(struct sim_journal *j, json_t *world,
                         struct rm_err *err)
{
    if (!sim_journal_enabled(j))
        return 0;
    const char *path = j->snap_path;
    char *tmp = xasprintf("%s.tmp", path);
    json_object_set_new(world, "journal_seq", json_integer((json_int_t)j->seq));
    char *text = json_dumps(world, JSON_INDENT(1) | JSON_SORT_KEYS);
    json_object_del(world, "journal_seq");
    size_t len = strlen(text);
    int rc = 0;
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) {
        rc = rm_err_set(err, RM_EIO, "state: cannot create %s: %s", tmp,
                        strerror(errno));
        goto out;
    }
    if (write_all(fd, text, len) < 0) {
        rc = rm_err_set(err, RM_EIO, "state: write %s: %s", tmp,
                        strerror(errno));
        close(fd);
        unlink(tmp);
        goto out;
    }
    /* data must be on disk before the rename makes it the state */
    if (fsync(fd) < 0 || close(fd) < 0) {
        rc = rm_err_set(err, RM_EIO, "state: fsync %s: %s", tmp,
                        strerror(errno));
        unlink(tmp);
        goto out;
    }
    if (rename(tmp, path) < 0) {
        rc = rm_err_set(err, RM_EIO, "state: rename to %s: %s", path,
                        strerror(errno));
        unlink(tmp);
        goto out;
    }
    /* and the rename itself must survive a crash before the journal is
     * emptied */
    char *dcopy = xstrdup(path);
    int dfd = open(dirname(dcopy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    free(dcopy);
    if (dfd >= 0) {
        fsync(dfd);
        close(dfd);
    }
    j->snap_len = (int64_t)len;
    if (j->fd < 0)
        j->fd = open(j->path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (j->fd < 0) {
        rc = rm_err_set(err, RM_EIO, "state: cannot open %s: %s", j->path,
                        strerror(errno));
        goto out;
    }
    /* J3: if this fails the old records stay, and are skipped on load */
    struct stat st;
    if (ftruncate(j->fd, 0) == 0)
        j->len = 0;
    else if (fstat(j->fd, &st) == 0)
        j->len = (int64_t)st.st_size;
    j->need_snapshot = false;
    j->compact_at = threshold(j);
    refresh_shadow(j, world, NULL);
    sim_journal_forget(j);
out:
    if (rc < 0)
        /* retry after the journal has grown by as much again */
        j->compact_at = j->len + threshold(j);
    free(text);
    free(tmp);
    return rc;
}
