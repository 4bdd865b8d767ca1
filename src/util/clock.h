/*
 * clock - the one source of time: UTC epoch seconds.
 *
 * Every piece of regman that needs "now" calls clock_now(); nothing calls
 * time() directly, so tests can move time forward and an hourly poll or a
 * 72-hour deadline is tested in milliseconds (design section 6).
 *
 * now = time(NULL) + offset, where offset is the sum of
 *   REGMAN_CLOCK_OFFSET  environment variable: signed decimal seconds;
 *   REGMAN_CLOCK_FILE    a file holding signed decimal seconds; re-read
 *                        whenever its modification time or size changes, so
 *                        a test can move the clock of a running daemon.
 * A malformed value is ignored with one warning (a test-only knob must not
 * take production down). Thread-safe.
 */
#ifndef RM_UTIL_CLOCK_H
#define RM_UTIL_CLOCK_H

#include <stdint.h>

/* clock_now - current UTC time in epoch seconds, offsets applied. */
int64_t clock_now(void);

/* clock_mono_ms - milliseconds on the monotonic clock: for timeouts,
 * deadlines and durations inside one process. Not moved by the offsets
 * above, not comparable across processes. */
int64_t clock_mono_ms(void);

/* clock_format - "YYYY-MM-DD HH:MM:SS" (UTC) into buf (at least 20 bytes);
 * "-" for 0. Returns buf. */
char *clock_format(int64_t t, char *buf, unsigned n);

#endif
