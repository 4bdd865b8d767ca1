/*
 * sim_journal - how opensrs-sim keeps its world in --state FILE: a snapshot
 * (FILE: the whole world, as GET /state shows it, plus "journal_seq") and
 * an append-only journal (FILE.journal) of what changed since, so that
 * saving after a request costs the size of the change, not of the world.
 *
 * Journal: one JSON object per line, one line per committed request that
 * changed something:
 *
 *   {"seq": N,                              consecutive, from 1
 *    "top": {"counters": {...}, ...},       top-level members that changed
 *                                           (all but the keyed collections
 *                                           and events), whole
 *    "set": {"domains": {"a.com": {...},    members of the keyed
 *                        "b.com": null}}    collections: new value, or
 *                                           null when removed
 *    "events": [["add", {...}], ["del", I]]}  the event list, in order
 *
 * A record holds resulting values, never the request, so replaying it does
 * not depend on the clock, fault draws or the random generator.
 *
 * Invariants:
 *   J1 the world = the snapshot + every journal record with seq > the
 *      snapshot's journal_seq, applied in order.
 *   J2 a record reaches the file (one write(2)) before the answer to its
 *      request is sent, so a killed sim loses nothing it acknowledged.
 *   J3 records with seq <= journal_seq are already in the snapshot; they
 *      are skipped, which makes a crash between writing a snapshot and
 *      emptying the journal harmless.
 *   J4 only a last line that does not parse is a torn write (ignored and
 *      cut off); a bad record before a good one, or a gap in seq, stops the
 *      start with an error rather than dropping acknowledged changes.
 *
 * Durability: records are not fsynced (a write(2) survives the death of the
 * process, not of the machine); snapshots are written to FILE.tmp,
 * fsynced, renamed over FILE and the directory fsynced, then the journal
 * is emptied. A snapshot is written at start (after replay), after POST
 * /state/reset, at exit, and when the journal has grown past
 * max(compact_min, the size of the last snapshot) - so the snapshot work
 * per journal byte stays bounded whatever the size of the world.
 *
 * Callers hold struct sim.mu for everything here.
 */
#ifndef RM_SIM_SIM_JOURNAL_H
#define RM_SIM_SIM_JOURNAL_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "util/err.h"

#define SIM_JOURNAL_COMPACT_MIN (1L << 20) /* bytes */

struct sim_journal {
    char *snap_path;     /* FILE, or NULL: journaling is off */
    char *path;          /* FILE.journal */
    int fd;              /* open for append, or -1 */
    int64_t seq;         /* last record written, replayed or snapshotted */
    int64_t len;         /* bytes of whole records in the journal file */
    int64_t snap_len;    /* bytes of the last snapshot */
    int64_t compact_at;  /* write a snapshot once len passes this */
    int64_t compact_min; /* SIM_JOURNAL_COMPACT_MIN; tests lower it */
    bool need_snapshot;  /* the next commit writes a snapshot */
    bool have_position;  /* the loaded snapshot had a journal_seq */
    json_t *touched;     /* {collection: {key: true}} since the last record */
    json_t *events;      /* event list operations since the last record */
    json_t *shadow;      /* the "top" members as last written */
};

/* sim_journal_init - off when state_path is NULL; else FILE.journal.
 * sim_journal_release closes and frees (files stay). */
void sim_journal_init(struct sim_journal *j, const char *state_path);
void sim_journal_release(struct sim_journal *j);

/* sim_journal_enabled - is there a state file to keep? */
bool sim_journal_enabled(const struct sim_journal *j);

/*
 * sim_journal_load_snapshot - read FILE into *world (NULL when FILE does
 * not exist); its journal_seq is taken out of the world and remembered.
 */
int sim_journal_load_snapshot(struct sim_journal *j, json_t **world,
                              struct rm_err *err);

/*
 * sim_journal_replay - apply FILE.journal to world (the snapshot, or the
 * default world when there was none), cut off a torn last record, and open
 * the journal for appending. *warn (size n) gets a note when a torn record
 * was dropped, else "".
 */
int sim_journal_replay(struct sim_journal *j, json_t *world, char *warn,
                       size_t n, struct rm_err *err);

/* Changes to record with the next commit (no-ops when off).
 * sim_journal_touch - member key of a keyed collection (domains, orders,
 * queue, transfers, cookies) may have changed or gone.
 * sim_journal_event_add / _del - event appended / removed at index. */
void sim_journal_touch(struct sim_journal *j, const char *coll,
                       const char *key);
void sim_journal_event_add(struct sim_journal *j, const json_t *event);
void sim_journal_event_del(struct sim_journal *j, size_t index);

/*
 * sim_journal_commit - write what changed in world since the last commit
 * as one record (nothing when nothing changed), or a snapshot when one is
 * due. On error nothing is forgotten: the next commit writes it again.
 */
int sim_journal_commit(struct sim_journal *j, json_t *world,
                       struct rm_err *err);

/* sim_journal_forget - drop the notes (the caller knows nothing changed:
 * touch also marks members that were only read). */
void sim_journal_forget(struct sim_journal *j);

/* sim_journal_snapshot - write world to FILE (atomically, fsynced) and
 * empty the journal. */
int sim_journal_snapshot(struct sim_journal *j, json_t *world,
                         struct rm_err *err);

/* sim_journal_is_keyed - is name one of the keyed collections? */
bool sim_journal_is_keyed(const char *name);

#endif
