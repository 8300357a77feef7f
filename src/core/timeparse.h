/* timeparse.h: the time and duration formats of the CLI and manifests.
 *
 * Times:     ISO 8601 "2026-11-24T22:00:00Z" (UTC), "2026-11-24T22:00:00"
 *            or "2026-11-24 22:00" (local time), "2026-11-24" (local
 *            midnight), a numeric offset "2026-11-24T22:00:00+01:00",
 *            relative to now: "+30m", "+2h", "+90s", "+1d", or a local
 *            clock time "22:00": the next one (or, for a period's start,
 *            the last one).
 * Durations: a positive whole number followed by a unit s, m, h or d,
 *            optionally several in a row from largest to smallest: "90s",
 *            "15m", "2h", "1d", "1h30m".
 *
 * Parsers never print: they return MSIQ_OK or MSIQ_EINVAL and explain the
 * problem in the diagnostic.
 */
#ifndef MSIQ_TIMEPARSE_H
#define MSIQ_TIMEPARSE_H

#include "core/msiq.h"

/* Parses a duration into milliseconds (always > 0). */
int msiq_duration_parse(const char *text, int64_t *milliseconds,
                        msiq_diag *diag);

/* Parses a time into UTC milliseconds; now_ms anchors relative times, and
 * a clock time "HH:MM" is the next such local time at or after now_ms (a
 * job's not-before or deadline: "tonight at 22:00"). */
int msiq_time_parse(const char *text, int64_t now_ms, int64_t *utc_ms,
                    msiq_diag *diag);

/* The same, but a clock time "HH:MM" is the last such local time at or
 * before now_ms (the start of a period to report on: "since 08:00"). */
int msiq_time_parse_past(const char *text, int64_t now_ms, int64_t *utc_ms,
                         msiq_diag *diag);

/* Writes local time with its offset from UTC, to the minute, as people
 * read it: "2026-12-02 22:00 +01:00" (at least 32 bytes), or "unset". */
void msiq_time_format_local(int64_t utc_ms, char *buffer, size_t size);

/* The same to the second, for time-stamped lines (`run`'s report):
 * "2026-12-02 22:00:05 +01:00" (at least 32 bytes), or "unset". */
void msiq_time_format_local_seconds(int64_t utc_ms, char *buffer, size_t size);

/* Writes "2026-11-24T22:00:00Z" (UTC) into buffer (at least 32 bytes). */
void msiq_time_format_utc(int64_t utc_ms, char *buffer, size_t size);

/* Writes a compact duration such as "1h30m" or "90s" (at least 32 bytes). */
void msiq_duration_format(int64_t milliseconds, char *buffer, size_t size);

/* A daily maintenance window in local time, "22:00-05:00"; it may cross
 * midnight. Start and end are minutes after local midnight; the window
 * includes its start and excludes its end. */
typedef struct msiq_window {
  int start_minute;
  int end_minute;
} msiq_window;

/* Parses "HH:MM-HH:MM" (start and end must differ). */
int msiq_window_parse(const char *text, msiq_window *window, msiq_diag *diag);
/* Writes "22:00-05:00" (at least 12 bytes). */
void msiq_window_format(const msiq_window *window, char *buffer, size_t size);
/* True when utc_ms falls inside the window, in local time. */
bool msiq_window_contains(const msiq_window *window, int64_t utc_ms);
/* When the window next opens at or after utc_ms (utc_ms itself when inside
 * it), as UTC ms. */
int64_t msiq_window_next_open(const msiq_window *window, int64_t utc_ms);

#endif /* MSIQ_TIMEPARSE_H */
