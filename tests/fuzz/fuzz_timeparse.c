/* fuzz_timeparse.c: the time, duration and maintenance-window parsers of
 * src/timeparse.h on hostile text.
 *
 * The input, cut at its first NUL, goes to every parser. Invariants:
 *   - a parsed duration is > 0, formats into 32 bytes, and parses back to
 *     itself (whole seconds; durations under a second keep their "ms");
 *   - a relative time "+D" is exactly now + D;
 *   - a parsed time is in 1970..9999 (MSIQ_FUZZ_ALLOW=time-after-9999
 *     skips times past 9999), formats as UTC into 32 bytes, and that text
 *     parses back to the same second;
 *   - a parsed window formats back to the same text and its next opening
 *     is not before the time asked about and at most two days later;
 *   - the formatters never overflow their documented 32-byte (12 for a
 *     window) buffers, whatever int64 they get (the first 8 input bytes).
 * The buffers are heap blocks of exactly the documented size, so that
 * AddressSanitizer sees any byte written past them.
 *
 * Local times depend on the time zone. Unless TZ is set already, the
 * harness uses a POSIX rule with daylight saving time (no tzdata needed),
 * so that mktime() meets gaps and overlaps.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fuzz_support.h"
#include "core/timeparse.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* 2026-11-24T12:34:56.789Z: a fixed "now" keeps every run repeatable. */
#define FUZZ_NOW_MS INT64_C(1795523696789)
/* The first millisecond of year 10000, which no time may reach. */
#define FUZZ_YEAR_10000_MS INT64_C(253402300800000)
#define FORMAT_SIZE        32
#define WINDOW_FORMAT_SIZE 12
#define DAY_MS             INT64_C(86400000)

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc;
  (void)argv;
  /* Central European time: DST starts last Sunday of March at 02:00 and
   * ends last Sunday of October at 03:00. */
  setenv("TZ", "CET-1CEST,M3.5.0,M10.5.0/3", 0);
  tzset();
  return 0;
}

/* Formats with msiq_duration_format into an exact-size heap buffer. */
static char *duration_text(int64_t milliseconds) {
  char *buffer = fuzz_alloc(FORMAT_SIZE);
  msiq_duration_format(milliseconds, buffer, FORMAT_SIZE);
  FUZZ_CHECK(memchr(buffer, '\0', FORMAT_SIZE) != NULL,
             "duration %lld formats without a terminating NUL",
             (long long)milliseconds);
  return buffer;
}

static char *time_text(int64_t utc_ms) {
  char *buffer = fuzz_alloc(FORMAT_SIZE);
  msiq_time_format_utc(utc_ms, buffer, FORMAT_SIZE);
  FUZZ_CHECK(memchr(buffer, '\0', FORMAT_SIZE) != NULL,
             "time %lld formats without a terminating NUL", (long long)utc_ms);
  return buffer;
}

static void check_duration(const char *text) {
  int64_t milliseconds = -1;
  msiq_diag diag = {{0}};
  if (msiq_duration_parse(text, &milliseconds, &diag) != MSIQ_OK) {
    FUZZ_CHECK(diag.message[0] != '\0' && strchr(diag.message, '\n') == NULL,
               "duration '%s' refused without a one-line reason", text);
    return;
  }
  FUZZ_CHECK(milliseconds > 0, "duration '%s' parsed to %lld", text,
             (long long)milliseconds);
  char *formatted = duration_text(milliseconds);
  /* msiq_duration_format shows whole seconds once a duration reaches one
   * second ("1s500ms" shows as "1s"), so the round trip is exact only to
   * the second above that. */
  int64_t expected = milliseconds < 1000
                         ? milliseconds
                         : milliseconds - milliseconds % INT64_C(1000);
  int64_t again = -1;
  FUZZ_CHECK(msiq_duration_parse(formatted, &again, NULL) == MSIQ_OK,
             "duration '%s' (%lld ms) formats as '%s', which does not parse",
             text, (long long)milliseconds, formatted);
  FUZZ_CHECK(again == expected,
             "duration '%s' (%lld ms) formats as '%s', which parses to %lld",
             text, (long long)milliseconds, formatted, (long long)again);
  free(formatted);
}

static void check_time(const char *text) {
  int64_t utc_ms = -1;
  msiq_diag diag = {{0}};
  if (msiq_time_parse(text, FUZZ_NOW_MS, &utc_ms, &diag) != MSIQ_OK) {
    FUZZ_CHECK(diag.message[0] != '\0' && strchr(diag.message, '\n') == NULL,
               "time '%s' refused without a one-line reason", text);
    return;
  }
  if (utc_ms >= FUZZ_YEAR_10000_MS && fuzz_allowed("time-after-9999")) {
    return;
  }
  FUZZ_CHECK(utc_ms >= 0 && utc_ms < FUZZ_YEAR_10000_MS,
             "time '%s' parsed to %lld, outside 1970..9999", text,
             (long long)utc_ms);
  if (text[0] == '+') {
    int64_t duration = 0;
    FUZZ_CHECK(msiq_duration_parse(text + 1, &duration, NULL) == MSIQ_OK &&
                   utc_ms == FUZZ_NOW_MS + duration,
               "relative time '%s' is not now + its duration", text);
  }
  char *formatted = time_text(utc_ms);
  int64_t again = -1;
  msiq_diag again_diag = {{0}};
  FUZZ_CHECK(msiq_time_parse(formatted, FUZZ_NOW_MS, &again, &again_diag) ==
                 MSIQ_OK,
             "time '%s' (%lld) formats as '%s', which does not parse: %s", text,
             (long long)utc_ms, formatted, again_diag.message);
  int64_t second = utc_ms - utc_ms % INT64_C(1000);
  FUZZ_CHECK(again == second,
             "time '%s' (%lld) formats as '%s', which parses to %lld", text,
             (long long)utc_ms, formatted, (long long)again);
  free(formatted);
}

static void check_window(const char *text) {
  msiq_window window;
  msiq_diag diag = {{0}};
  if (msiq_window_parse(text, &window, &diag) != MSIQ_OK) {
    FUZZ_CHECK(diag.message[0] != '\0', "window '%s' refused without a reason",
               text);
    return;
  }
  FUZZ_CHECK(window.start_minute >= 0 && window.start_minute < 1440 &&
                 window.end_minute >= 0 && window.end_minute < 1440 &&
                 window.start_minute != window.end_minute,
             "window '%s' parsed to %d-%d", text, window.start_minute,
             window.end_minute);
  char *formatted = fuzz_alloc(WINDOW_FORMAT_SIZE);
  msiq_window_format(&window, formatted, WINDOW_FORMAT_SIZE);
  FUZZ_CHECK(strcmp(formatted, text) == 0, "window '%s' formats as '%s'", text,
             formatted);
  free(formatted);
  /* A few moments around now and around the DST changes of 2026. */
  static const int64_t moments[] = {
      FUZZ_NOW_MS,
      INT64_C(1774746000000), /* 2026-03-29T01:00:00Z, clocks go forward */
      INT64_C(1792890000000), /* 2026-10-25T01:00:00Z, clocks go back */
      INT64_C(1792886400000), /* an hour before that */
  };
  for (size_t i = 0; i < sizeof moments / sizeof moments[0]; i++) {
    int64_t opening = msiq_window_next_open(&window, moments[i]);
    FUZZ_CHECK(opening >= moments[i] && opening - moments[i] <= 2 * DAY_MS,
               "window '%s' at %lld next opens at %lld", text,
               (long long)moments[i], (long long)opening);
    if (opening == moments[i]) {
      FUZZ_CHECK(msiq_window_contains(&window, moments[i]),
                 "window '%s' opens at %lld but does not contain it", text,
                 (long long)opening);
    }
  }
}

/* The formatters on any int64 at all, including the extremes. */
static void check_formatters(const uint8_t *data, size_t size) {
  if (size < sizeof(uint64_t)) {
    return;
  }
  uint64_t bits = 0;
  for (size_t i = 0; i < sizeof bits; i++) {
    bits = bits << 8 | data[i];
  }
  int64_t value;
  memcpy(&value, &bits, sizeof value);
  free(duration_text(value));
  free(time_text(value));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size > 4096) {
    return -1;
  }
  char *text = fuzz_text_copy((const char *)data, size);
  check_duration(text);
  check_time(text);
  check_window(text);
  check_formatters(data, size);
  free(text);
  return 0;
}
