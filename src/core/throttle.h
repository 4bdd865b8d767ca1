/*
 * throttle - counters that limit how often one subject (a login name, a
 * client address) may do something: fail a login, ask for a lookup,
 * create an account. They live in the database (table throttles,
 * migration 010), so every `regman serve` on one database counts
 * together and a restart forgets nothing.
 *
 * Policy. A struct throttle is one scope ("login_user", "lookup", ...)
 * with a maximum and a window. A subject's counter is a fixed window:
 * the first hit opens a window of window_s seconds at now, each hit in it
 * adds one, and once max hits are counted the subject is blocked until
 * that window ends (throttle_check answers the seconds left). A hit after
 * the window ended opens a new window holding one hit. Checking and
 * counting are separate calls, so callers that check first and count
 * later may let concurrent requests (threads, nodes) pass the maximum by
 * their number.
 *
 * Subjects are stored as THROTTLE_KEY_HEX hex digits of a keyed BLAKE2b
 * hash of (scope, subject), never as given: client addresses are personal
 * data, and a login name that fails may be a password typed in the wrong
 * field. The hash key is derived from the secret given to throttle_init
 * (regman's master key, which every node shares and which is not in the
 * database), so a copy of the database alone does not tell which
 * addresses or names were counted; without a secret it is random per
 * process (counters then last only as long as the process).
 *
 * Time: now is the caller's clock_now() (D7); nothing reads the
 * database's time.
 *
 * Units of work: throttle_check is one read statement; throttle_fail,
 * throttle_clear and throttle_prune are each one store_tx unit (joining a
 * transaction the caller has open). Rows whose window has ended are
 * deleted by throttle_prune, which throttle_fail also runs, in its unit,
 * at most once per THROTTLE_PRUNE_EVERY_S for each struct throttle.
 *
 * Threads: a struct throttle may be shared by threads (its pruning clock
 * is atomic); each thread uses its own store handle.
 * Errors: negative rm_errcode with err filled (store failures).
 */
#ifndef RM_CORE_THROTTLE_H
#define RM_CORE_THROTTLE_H

#include <stdint.h>

#include "store/store.h"
#include "util/err.h"

#define THROTTLE_SCOPE_MAX 32
#define THROTTLE_SECRET_BYTES 32
#define THROTTLE_KEY_BYTES 16
#define THROTTLE_KEY_HEX (2 * THROTTLE_KEY_BYTES)
#define THROTTLE_PRUNE_EVERY_S 60

struct throttle {
    char scope[THROTTLE_SCOPE_MAX + 1];
    int64_t max;      /* hits in one window; >= 1 */
    int64_t window_s; /* >= 1 */
    unsigned char hkey[THROTTLE_SECRET_BYTES];
    _Atomic int64_t next_prune;
};

/*
 * throttle_init - the policy of scope ([a-z_], at most THROTTLE_SCOPE_MAX
 * characters; longer is cut): max hits per window_s seconds (values below
 * 1 become 1). secret (THROTTLE_SECRET_BYTES, may be NULL) is the key the
 * subject hashes are derived from; the same secret and scope give the
 * same stored keys in every process.
 */
void throttle_init(struct throttle *t, const char *scope, int64_t max,
                   int64_t window_s, const unsigned char *secret);

/* throttle_key - the stored form of subject in t's scope: hex, NUL
 * ended, into out. Exposed for tests. */
void throttle_key(const struct throttle *t, const char *subject,
                  char out[THROTTLE_KEY_HEX + 1]);

/* throttle_check - *wait = 0 when subject may go ahead at now, else the
 * seconds (>= 1) until its window ends. */
int throttle_check(struct store *st, const struct throttle *t,
                   const char *subject, int64_t now, int64_t *wait,
                   struct rm_err *err);

/* throttle_fail - count one hit of subject at now; *hits (may be NULL)
 * is the count in its window after this one. */
int throttle_fail(struct store *st, struct throttle *t, const char *subject,
                  int64_t now, int64_t *hits, struct rm_err *err);

/* throttle_clear - forget subject's counter (a successful login). */
int throttle_clear(struct store *st, const struct throttle *t,
                   const char *subject, struct rm_err *err);

/* throttle_prune - delete every counter (any scope) whose window ended
 * at or before now; *deleted (may be NULL) is how many. */
int throttle_prune(struct store *st, int64_t now, int64_t *deleted,
                   struct rm_err *err);

#endif
