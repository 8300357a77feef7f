/* test_timeparse.c: the time and duration formats of timeparse.h. */
#include "test_support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/timeparse.h"

#define SECOND INT64_C(1000)
#define MINUTE (60 * SECOND)
#define HOUR   (60 * MINUTE)
#define DAY    (24 * HOUR)

/* 2026-11-24T22:00:00Z, computed independently of the code under test. */
#define EXAMPLE_UTC_MS INT64_C(1795557600000)

static void assert_duration_ok(const char *text, int64_t expected) {
  msiq_diag diag = {{0}};
  int64_t milliseconds = -1;
  int status = msiq_duration_parse(text, &milliseconds, &diag);
  if (status != MSIQ_OK) {
    fail_msg("duration '%s' refused: %s", text, diag.message);
  }
  assert_int_equal(milliseconds, expected);
}

/* Checks that text is refused, that the output is untouched and that the
 * diagnostic names the input and contains reason. */
static void assert_duration_error(const char *text, const char *reason) {
  msiq_diag diag = {{0}};
  int64_t milliseconds = 12345;
  char quoted[256];
  assert_int_equal(msiq_duration_parse(text, &milliseconds, &diag),
                   MSIQ_EINVAL);
  assert_int_equal(milliseconds, 12345);
  snprintf(quoted, sizeof quoted, "invalid duration '%s'",
           text != NULL ? text : "");
  assert_message_contains(diag.message, quoted);
  assert_message_contains(diag.message, reason);
  assert_message_is_one_line(diag.message);
}

static void assert_time_ok(const char *text, int64_t now_ms, int64_t expected) {
  msiq_diag diag = {{0}};
  int64_t utc_ms = -1;
  int status = msiq_time_parse(text, now_ms, &utc_ms, &diag);
  if (status != MSIQ_OK) {
    fail_msg("time '%s' refused: %s", text, diag.message);
  }
  assert_int_equal(utc_ms, expected);
}

static void assert_time_error(const char *text, const char *reason) {
  msiq_diag diag = {{0}};
  int64_t utc_ms = 12345;
  char quoted[256];
  assert_int_equal(msiq_time_parse(text, EXAMPLE_UTC_MS, &utc_ms, &diag),
                   MSIQ_EINVAL);
  assert_int_equal(utc_ms, 12345);
  snprintf(quoted, sizeof quoted, "invalid time '%s'",
           text != NULL ? text : "");
  assert_message_contains(diag.message, quoted);
  assert_message_contains(diag.message, reason);
  assert_message_is_one_line(diag.message);
}

/* The local time the C library gives for a wall-clock reading, in UTC
 * milliseconds; comparing against it makes the local-time tests pass in any
 * time zone. */
static int64_t local_time_ms(int year, int month, int day, int hour, int minute,
                             int second) {
  struct tm local;
  memset(&local, 0, sizeof local);
  local.tm_year = year - 1900;
  local.tm_mon = month - 1;
  local.tm_mday = day;
  local.tm_hour = hour;
  local.tm_min = minute;
  local.tm_sec = second;
  local.tm_isdst = -1;
  time_t converted = mktime(&local);
  assert_true(converted != (time_t)-1);
  return (int64_t)converted * 1000;
}

static void test_duration_single_units(void **state) {
  (void)state;
  assert_duration_ok("90s", 90 * SECOND);
  assert_duration_ok("15m", 15 * MINUTE);
  assert_duration_ok("2h", 2 * HOUR);
  assert_duration_ok("1d", DAY);
  assert_duration_ok("3600s", HOUR);
  assert_duration_ok("007s", 7 * SECOND);
}

static void test_duration_combined_units(void **state) {
  (void)state;
  assert_duration_ok("1h30m", HOUR + 30 * MINUTE);
  assert_duration_ok("1d2h3m4s", DAY + 2 * HOUR + 3 * MINUTE + 4 * SECOND);
  assert_duration_ok("2d30s", 2 * DAY + 30 * SECOND);
  assert_duration_ok("0h30m", 30 * MINUTE);
  assert_duration_ok("1m90s", MINUTE + 90 * SECOND);
  /* Milliseconds, for short poll intervals in tests. */
  assert_duration_ok("250ms", 250);
  assert_duration_ok("1s500ms", SECOND + 500);
  assert_duration_error("500ms1s", "units must go from largest to smallest");
  assert_duration_error("5ms5ms", "unit 'ms' given twice");
}

static void test_duration_empty(void **state) {
  (void)state;
  assert_duration_error("", "empty");
  assert_duration_error(NULL, "empty");
}

static void test_duration_missing_unit(void **state) {
  (void)state;
  assert_duration_error("3600", "'3600' needs a unit: s, m, h or d");
  assert_duration_error("1h30", "'30' needs a unit: s, m, h or d");
}

static void test_duration_unknown_unit(void **state) {
  (void)state;
  msiq_diag diag = {{0}};
  int64_t milliseconds = 0;
  assert_int_equal(msiq_duration_parse("15x", &milliseconds, &diag),
                   MSIQ_EINVAL);
  assert_string_equal(diag.message, "invalid duration '15x': unknown unit "
                                    "'x' (use s, m, h or d, or ms)");
  assert_duration_error("250us", "unknown unit 'us'");
  assert_duration_error("5M", "unknown unit 'M'");
  assert_duration_error("1h5sec", "unknown unit 'sec'");
}

static void test_duration_zero(void **state) {
  (void)state;
  assert_duration_error("0s", "greater than zero");
  assert_duration_error("0h0m", "greater than zero");
}

static void test_duration_negative_or_signed(void **state) {
  (void)state;
  assert_duration_error("-5m", "must be positive");
  assert_duration_error("+5m", "expected a number");
  assert_duration_error("h", "expected a number");
  assert_duration_error(" 5m", "expected a number");
}

static void test_duration_unit_order(void **state) {
  (void)state;
  assert_duration_error("30m1h", "largest to smallest");
  assert_duration_error("1s1d", "unit 'd' after 's'");
  assert_duration_error("1h1h", "unit 'h' given twice");
  assert_duration_error("1h30m10m", "unit 'm' given twice");
}

static void test_duration_trailing_garbage(void **state) {
  (void)state;
  assert_duration_error("5m ", "unexpected ' ' after '5m'");
  assert_duration_error("1h 30m", "unexpected ' 30m' after '1h'");
  assert_duration_error("1.5h", "unexpected '.5h' after '1'");
  assert_duration_error("5m-", "unexpected '-'");
}

static void test_duration_overflow(void **state) {
  (void)state;
  /* The largest whole number of days that fits in int64 milliseconds, and
   * the same plus enough hours to overflow the sum. */
  assert_duration_ok("106751991167d7h", INT64_C(106751991167) * DAY + 7 * HOUR);
  assert_duration_error("106751991167d8h", "too large");
  assert_duration_error("106751991168d", "too large");
  assert_duration_error("99999999999999999999s", "too large");
}

static void test_duration_control_characters_escaped(void **state) {
  (void)state;
  msiq_diag diag = {{0}};
  int64_t milliseconds = 0;
  assert_int_equal(msiq_duration_parse("5m\n", &milliseconds, &diag),
                   MSIQ_EINVAL);
  assert_message_contains(diag.message, "invalid duration '5m\\x0a'");
  assert_message_is_one_line(diag.message);
}

static void test_duration_null_diag(void **state) {
  (void)state;
  int64_t milliseconds = 7;
  assert_int_equal(msiq_duration_parse("15x", &milliseconds, NULL),
                   MSIQ_EINVAL);
  assert_int_equal(milliseconds, 7);
  assert_int_equal(msiq_duration_parse("15m", &milliseconds, NULL), MSIQ_OK);
  assert_int_equal(milliseconds, 15 * MINUTE);
}

static void test_time_utc(void **state) {
  (void)state;
  assert_time_ok("2026-11-24T22:00:00Z", 0, EXAMPLE_UTC_MS);
  assert_time_ok("2026-11-24t22:00:00z", 0, EXAMPLE_UTC_MS);
  assert_time_ok("2026-11-24T22:00Z", 0, EXAMPLE_UTC_MS);
  assert_time_ok("1970-01-01T00:00:00Z", 0, 0);
  assert_time_ok("1970-01-02T00:00:00Z", 0, DAY);
  assert_time_ok("2000-02-29T12:00:00Z", 0, INT64_C(951825600000));
  assert_time_ok("2024-02-29T00:00:00Z", 0, INT64_C(1709164800000));
  assert_time_ok("9999-12-31T23:59:59Z", 0, INT64_C(253402300799000));
}

static void test_time_fractional_seconds(void **state) {
  (void)state;
  assert_time_ok("2026-11-24T22:00:00.123Z", 0, EXAMPLE_UTC_MS + 123);
  assert_time_ok("2026-11-24T22:00:00.5Z", 0, EXAMPLE_UTC_MS + 500);
  assert_time_ok("2026-11-24T22:00:00,25Z", 0, EXAMPLE_UTC_MS + 250);
  assert_time_ok("2026-11-24T22:00:00.123456789Z", 0, EXAMPLE_UTC_MS + 123);
  assert_time_error("2026-11-24T22:00:00.Z", "digits after the decimal point");
}

static void test_time_leap_second_clamped(void **state) {
  (void)state;
  assert_time_ok("2016-12-31T23:59:60Z", 0, INT64_C(1483228799000));
}

static void test_time_offsets(void **state) {
  (void)state;
  assert_time_ok("2026-11-24T23:00:00+01:00", 0, EXAMPLE_UTC_MS);
  assert_time_ok("2026-11-24T23:00:00+0100", 0, EXAMPLE_UTC_MS);
  assert_time_ok("2026-11-24T23:00:00+01", 0, EXAMPLE_UTC_MS);
  assert_time_ok("2026-11-24T16:30:00-0530", 0, EXAMPLE_UTC_MS);
  assert_time_ok("2026-11-24T16:30:00-05:30", 0, EXAMPLE_UTC_MS);
  assert_time_ok("2026-11-24T22:00:00+00:00", 0, EXAMPLE_UTC_MS);
  assert_time_ok("2026-11-25T03:45:00.250+05:45", 0, EXAMPLE_UTC_MS + 250);
}

static void test_time_offset_errors(void **state) {
  (void)state;
  assert_time_error("2026-11-24T22:00:00+24:00", "offset hour 24 out of range");
  assert_time_error("2026-11-24T22:00:00+01:60",
                    "offset minute 60 out of range");
  assert_time_error("2026-11-24T22:00:00+", "invalid offset '+'");
  assert_time_error("2026-11-24T22:00:00+1", "invalid offset '+1'");
  assert_time_error("2026-11-24T22:00:00+01:0", "invalid offset '+01:0'");
  assert_time_error("2026-11-24T22:00:00+01:00x", "unexpected 'x' at the end");
}

static void test_time_local(void **state) {
  (void)state;
  assert_time_ok("2026-11-24T22:00:00", 0,
                 local_time_ms(2026, 11, 24, 22, 0, 0));
  assert_time_ok("2026-11-24T22:00", 0, local_time_ms(2026, 11, 24, 22, 0, 0));
  assert_time_ok("2026-11-24 22:00", 0, local_time_ms(2026, 11, 24, 22, 0, 0));
  assert_time_ok("2026-11-24 22:00:30", 0,
                 local_time_ms(2026, 11, 24, 22, 0, 30));
  assert_time_ok("2026-11-24 22:00:30.750", 0,
                 local_time_ms(2026, 11, 24, 22, 0, 30) + 750);
  /* Summer, so that daylight saving time (where the zone has it) is
   * applied by mktime() rather than by the test. */
  assert_time_ok("2026-06-15T12:34:56", 0,
                 local_time_ms(2026, 6, 15, 12, 34, 56));
}

/* "HH:MM" is a local clock time: for a not-before or deadline the next one
 * at or after now, for a period's start the last one at or before now. */
static void test_time_clock(void **state) {
  (void)state;
  int64_t evening = local_time_ms(2026, 11, 24, 21, 0, 0);
  int64_t at_ten = local_time_ms(2026, 11, 24, 22, 0, 0);
  int64_t late = local_time_ms(2026, 11, 24, 23, 0, 0);
  assert_time_ok("22:00", evening, at_ten);
  assert_time_ok("22:00", at_ten, at_ten);
  assert_time_ok("22:00", late, local_time_ms(2026, 11, 25, 22, 0, 0));
  assert_time_ok("00:00", late, local_time_ms(2026, 11, 25, 0, 0, 0));
  assert_time_ok("23:59", evening, local_time_ms(2026, 11, 24, 23, 59, 0));
  /* Across the end of a year. */
  assert_time_ok("06:00", local_time_ms(2026, 12, 31, 23, 0, 0),
                 local_time_ms(2027, 1, 1, 6, 0, 0));

  int64_t since = -1;
  assert_int_equal(msiq_time_parse_past("22:00", late, &since, NULL), MSIQ_OK);
  assert_int_equal(since, at_ten);
  assert_int_equal(msiq_time_parse_past("22:00", at_ten, &since, NULL),
                   MSIQ_OK);
  assert_int_equal(since, at_ten);
  assert_int_equal(msiq_time_parse_past("22:00", evening, &since, NULL),
                   MSIQ_OK);
  assert_int_equal(since, local_time_ms(2026, 11, 23, 22, 0, 0));
  /* Other forms mean the same in both directions. */
  assert_int_equal(
      msiq_time_parse_past("2026-11-24T22:00:00Z", late, &since, NULL),
      MSIQ_OK);
  assert_int_equal(since, EXAMPLE_UTC_MS);
  assert_int_equal(msiq_time_parse_past("+30m", late, &since, NULL), MSIQ_OK);
  assert_int_equal(since, late + 30 * MINUTE);

  assert_time_error("24:00", "a clock time is HH:MM, from 00:00 to 23:59");
  assert_time_error("22:60", "a clock time is HH:MM, from 00:00 to 23:59");
  assert_time_error("22:00x", "invalid time '22:00x'");
}

/* Local time for people: "YYYY-MM-DD HH:MM +HH:MM", whose offset is the
 * zone's at that moment, so reading the text back with its offset gives
 * the same minute (checked in summer and winter, in whatever zone the
 * test runs; ctest runs it in UTC and in Central European time). */
static void test_time_format_local(void **state) {
  (void)state;
  char text[40];
  msiq_time_format_local(MSIQ_TIME_UNSET, text, sizeof text);
  assert_string_equal(text, "unset");
  static const int64_t moments[] = {
      INT64_C(1795557600000), /* 2026-11-24T22:00:00Z */
      INT64_C(1781526896000), /* 2026-06-15T12:34:56Z */
      DAY + 12345, /* 1970-01-02: 1970 in every zone, as parsing needs */
  };
  for (size_t i = 0; i < sizeof moments / sizeof *moments; i++) {
    msiq_time_format_local(moments[i], text, sizeof text);
    assert_int_equal(strlen(text), 23);
    assert_true(text[10] == ' ' && text[16] == ' ');
    assert_true(text[17] == '+' || text[17] == '-');
    /* "2026-11-24 23:00 +01:00" -> "2026-11-24T23:00:00+01:00". */
    char iso[64];
    snprintf(iso, sizeof iso, "%.10sT%.5s:00%s", text, text + 11, text + 17);
    assert_time_ok(iso, 0, moments[i] - moments[i] % MINUTE);
  }
  /* In Central European time, as docs/cli.md shows it. */
  const char *zone = getenv("TZ");
  if (zone != NULL && strcmp(zone, "CET-1CEST,M3.5.0,M10.5.0/3") == 0) {
    msiq_time_format_local(INT64_C(1795557600000), text, sizeof text);
    assert_string_equal(text, "2026-11-24 23:00 +01:00");
    msiq_time_format_local(INT64_C(1781526896000), text, sizeof text);
    assert_string_equal(text, "2026-06-15 14:34 +02:00");
    /* To the second, for time-stamped lines. */
    msiq_time_format_local_seconds(INT64_C(1781526896000), text, sizeof text);
    assert_string_equal(text, "2026-06-15 14:34:56 +02:00");
  }
  /* In any zone: the minute's text with the seconds inserted. */
  char minutes[40];
  msiq_time_format_local(INT64_C(1781526896000), minutes, sizeof minutes);
  msiq_time_format_local_seconds(INT64_C(1781526896000), text, sizeof text);
  assert_int_equal(strlen(text), 26);
  assert_memory_equal(text, minutes, 16);
  assert_memory_equal(text + 16, ":56", 3);
  assert_string_equal(text + 19, minutes + 16);
  msiq_time_format_local_seconds(MSIQ_TIME_UNSET, text, sizeof text);
  assert_string_equal(text, "unset");
}

static void test_time_local_midnight(void **state) {
  (void)state;
  assert_time_ok("2026-11-24", 0, local_time_ms(2026, 11, 24, 0, 0, 0));
  assert_time_ok("2024-02-29", 0, local_time_ms(2024, 2, 29, 0, 0, 0));
}

static void test_time_local_differs_from_utc_by_zone_offset(void **state) {
  (void)state;
  msiq_diag diag = {{0}};
  int64_t local = 0;
  int64_t utc = 0;
  assert_int_equal(msiq_time_parse("2026-11-24T22:00:00", 0, &local, &diag),
                   MSIQ_OK);
  assert_int_equal(msiq_time_parse("2026-11-24T22:00:00Z", 0, &utc, &diag),
                   MSIQ_OK);
  /* Whatever the zone, a wall-clock reading is within a day of UTC and on
   * a whole quarter hour from it. */
  int64_t difference = local - utc;
  assert_true(difference > -DAY && difference < DAY);
  assert_int_equal(difference % (15 * MINUTE), 0);
}

static void test_time_relative(void **state) {
  (void)state;
  assert_time_ok("+30m", EXAMPLE_UTC_MS, EXAMPLE_UTC_MS + 30 * MINUTE);
  assert_time_ok("+2h", EXAMPLE_UTC_MS, EXAMPLE_UTC_MS + 2 * HOUR);
  assert_time_ok("+1d", EXAMPLE_UTC_MS, EXAMPLE_UTC_MS + DAY);
  assert_time_ok("+90s", EXAMPLE_UTC_MS, EXAMPLE_UTC_MS + 90 * SECOND);
  assert_time_ok("+1h30m", EXAMPLE_UTC_MS, EXAMPLE_UTC_MS + HOUR + 30 * MINUTE);
  assert_time_ok("+1s", 0, SECOND);
}

static void test_time_relative_errors(void **state) {
  (void)state;
  msiq_diag diag = {{0}};
  int64_t utc_ms = 0;
  assert_int_equal(msiq_time_parse("+15x", EXAMPLE_UTC_MS, &utc_ms, &diag),
                   MSIQ_EINVAL);
  assert_string_equal(diag.message, "invalid time '+15x': unknown unit 'x' "
                                    "(use s, m, h or d, or ms)");
  assert_time_error("+", "expected a duration after '+'");
  assert_time_error("+30", "'30' needs a unit");
  assert_time_error("+0m", "greater than zero");
  assert_time_error("+30m1h", "largest to smallest");
  assert_time_error("+ 30m", "expected a number");
  assert_time_error("-30m", "relative times count forward from now (+30m)");
}

static void test_time_relative_beyond_year_9999(void **state) {
  (void)state;
  msiq_diag diag = {{0}};
  int64_t utc_ms = 99;
  /* 3,000,000 days is about 8,200 years. */
  assert_int_equal(msiq_time_parse("+3000000d", EXAMPLE_UTC_MS, &utc_ms, &diag),
                   MSIQ_EINVAL);
  assert_message_contains(diag.message, "invalid time '+3000000d'");
  assert_message_contains(diag.message, "later than year 9999");
  assert_int_equal(msiq_time_parse("+1d", INT64_MAX - 10, &utc_ms, &diag),
                   MSIQ_EINVAL);
  assert_int_equal(utc_ms, 99);
  assert_message_contains(diag.message, "later than year 9999");
}

static void test_time_garbage(void **state) {
  (void)state;
  msiq_diag diag = {{0}};
  int64_t utc_ms = 0;
  assert_int_equal(msiq_time_parse("tomorrow", 0, &utc_ms, &diag), MSIQ_EINVAL);
  assert_string_equal(diag.message,
                      "invalid time 'tomorrow': use ISO 8601 "
                      "(2026-11-24T22:00:00Z), a relative time (+30m) or a "
                      "clock time (22:00)");
  assert_time_error("", "use ISO 8601");
  assert_time_error(NULL, "use ISO 8601");
  assert_time_error("now", "use ISO 8601");
  assert_time_error(" 2026-11-24", "use ISO 8601");
}

static void test_time_malformed_dates(void **state) {
  (void)state;
  assert_time_error("2026/11/24", "expected a date YYYY-MM-DD");
  assert_time_error("2026-1-5", "expected a date YYYY-MM-DD");
  assert_time_error("12026-01-01", "expected a date YYYY-MM-DD");
  assert_time_error("2026-11", "expected a date YYYY-MM-DD");
  assert_time_error("1795557600", "expected a date YYYY-MM-DD");
  assert_time_error("2026-11-24X22:00", "unexpected 'X22:00' after the date");
  assert_time_error("2026-11-24Z", "unexpected 'Z' after the date");
  assert_time_error("2026-11-24 ", "expected a time HH:MM");
  assert_time_error("2026-11-24T22", "expected a time HH:MM");
  assert_time_error("2026-11-24T2:00", "expected a time HH:MM");
  assert_time_error("2026-11-24T22:00:5Z", "two digits of seconds");
  assert_time_error("2026-11-24T22:00:00Q", "unexpected 'Q' after the time");
  assert_time_error("2026-11-24T22:00:00Z ", "unexpected ' ' at the end");
  assert_time_error("2026-11-24T22:00:00Zjunk", "unexpected 'junk' at the end");
}

static void test_time_month_range(void **state) {
  (void)state;
  msiq_diag diag = {{0}};
  int64_t utc_ms = 0;
  assert_int_equal(msiq_time_parse("2026-13-01T00:00:00Z", 0, &utc_ms, &diag),
                   MSIQ_EINVAL);
  assert_string_equal(diag.message,
                      "invalid time '2026-13-01T00:00:00Z': month 13 out of "
                      "range");
  assert_time_error("2026-00-10", "month 0 out of range");
}

static void test_time_day_range(void **state) {
  (void)state;
  assert_time_error("2026-02-29T00:00:00Z", "day 29 out of range");
  assert_time_error("2026-02-29", "2026-02 has 28 days");
  assert_time_error("2100-02-29T00:00:00Z", "day 29 out of range");
  assert_time_error("2026-04-31T00:00:00Z", "day 31 out of range");
  assert_time_error("2026-01-32T00:00:00Z", "day 32 out of range");
  assert_time_error("2026-01-00T00:00:00Z", "day 0 out of range");
  assert_time_ok("2000-02-29T00:00:00Z", 0, INT64_C(951782400000));
  assert_time_ok("2026-01-31T00:00:00Z", 0,
                 EXAMPLE_UTC_MS - 297 * DAY - 22 * HOUR);
}

static void test_time_clock_range(void **state) {
  (void)state;
  assert_time_error("2026-11-24T24:00:00Z", "hour 24 out of range");
  assert_time_error("2026-11-24T22:60:00Z", "minute 60 out of range");
  assert_time_error("2026-11-24T22:00:61Z", "second 61 out of range");
  assert_time_error("2026-11-24 99:00", "hour 99 out of range");
  assert_time_ok("2026-11-24T23:59:59Z", 0,
                 EXAMPLE_UTC_MS + HOUR + 59 * MINUTE + 59 * SECOND);
}

static void test_time_year_range(void **state) {
  (void)state;
  assert_time_error("1969-12-31T23:59:59Z", "year 1969 out of range");
  assert_time_error("0000-01-01T00:00:00Z", "year 0 out of range");
  assert_time_error("1970-01-01T00:00:00+01:00", "before 1970-01-01T00:00:00Z");
  assert_time_ok("1970-01-01T00:00:00-01:00", 0, HOUR);
}

static void test_time_null_diag(void **state) {
  (void)state;
  int64_t utc_ms = 5;
  assert_int_equal(msiq_time_parse("garbage", 0, &utc_ms, NULL), MSIQ_EINVAL);
  assert_int_equal(utc_ms, 5);
}

static void assert_format_utc(int64_t utc_ms, const char *expected) {
  char buffer[32];
  msiq_time_format_utc(utc_ms, buffer, sizeof buffer);
  assert_string_equal(buffer, expected);
}

static void test_format_utc(void **state) {
  (void)state;
  assert_format_utc(0, "1970-01-01T00:00:00Z");
  assert_format_utc(EXAMPLE_UTC_MS, "2026-11-24T22:00:00Z");
  assert_format_utc(EXAMPLE_UTC_MS + 999, "2026-11-24T22:00:00Z");
  assert_format_utc(INT64_C(951825600000), "2000-02-29T12:00:00Z");
  assert_format_utc(INT64_C(253402300799000), "9999-12-31T23:59:59Z");
  assert_format_utc(-1, "1969-12-31T23:59:59Z");
  assert_format_utc(-DAY, "1969-12-31T00:00:00Z");
  assert_format_utc(MSIQ_TIME_UNSET, "unset");
}

static void test_format_utc_small_buffer(void **state) {
  (void)state;
  char buffer[8];
  memset(buffer, 'x', sizeof buffer);
  msiq_time_format_utc(EXAMPLE_UTC_MS, buffer, 5);
  assert_string_equal(buffer, "2026");
  assert_int_equal(buffer[5], 'x');
  msiq_time_format_utc(EXAMPLE_UTC_MS, buffer, 0);
  assert_string_equal(buffer, "2026");
}

/* The C library's gmtime() is an independent oracle for the civil
 * arithmetic; it is used only here, in a single-threaded test. The range
 * stops at 2999 because that is where the Windows C runtime's gmtime()
 * ends. */
static void test_format_utc_matches_gmtime(void **state) {
  (void)state;
  const int64_t last = INT64_C(32503680000); /* 3000-01-01T00:00:00Z */
  for (int64_t seconds = 0; seconds < last;
       seconds += INT64_C(86400) * 37 + 3671) {
    time_t as_time = (time_t)seconds;
    struct tm *broken_down = gmtime(&as_time);
    assert_non_null(broken_down);
    char expected[64];
    snprintf(expected, sizeof expected, "%04d-%02d-%02dT%02d:%02d:%02dZ",
             broken_down->tm_year + 1900, broken_down->tm_mon + 1,
             broken_down->tm_mday, broken_down->tm_hour, broken_down->tm_min,
             broken_down->tm_sec);
    char actual[32];
    msiq_time_format_utc(seconds * 1000, actual, sizeof actual);
    assert_string_equal(actual, expected);
  }
}

/* Formatting and parsing are inverses over the whole accepted range, which
 * exercises days-from-civil against civil-from-days on every month. */
static void test_format_parse_round_trip(void **state) {
  (void)state;
  const int64_t last = INT64_C(253402300799000); /* 9999-12-31T23:59:59Z */
  int checked = 0;
  for (int64_t utc_ms = 0; utc_ms <= last;
       utc_ms += 5 * DAY + 13 * HOUR + 17 * SECOND) {
    char text[32];
    int64_t parsed = -1;
    msiq_diag diag = {{0}};
    msiq_time_format_utc(utc_ms, text, sizeof text);
    if (msiq_time_parse(text, 0, &parsed, &diag) != MSIQ_OK) {
      fail_msg("'%s' does not parse back: %s", text, diag.message);
    }
    assert_int_equal(parsed, utc_ms);
    checked++;
  }
  assert_true(checked > 500000);
}

static void assert_duration_format(int64_t milliseconds, const char *expected) {
  char buffer[32];
  msiq_duration_format(milliseconds, buffer, sizeof buffer);
  assert_string_equal(buffer, expected);
}

static void test_duration_format(void **state) {
  (void)state;
  assert_duration_format(90 * SECOND, "1m30s");
  assert_duration_format(HOUR + 30 * MINUTE, "1h30m");
  assert_duration_format(2 * HOUR, "2h");
  assert_duration_format(DAY, "1d");
  assert_duration_format(DAY + HOUR + MINUTE + SECOND, "1d1h1m1s");
  assert_duration_format(3 * DAY + 5 * SECOND, "3d5s");
  assert_duration_format(45 * SECOND, "45s");
  assert_duration_format(1500, "1s");
  assert_duration_format(250, "250ms");
  assert_duration_format(0, "0s");
  assert_duration_format(-5 * SECOND, "0s");
  assert_duration_format(INT64_MAX, "106751991167d7h12m55s");
}

static void test_duration_format_small_buffer(void **state) {
  (void)state;
  char buffer[8];
  msiq_duration_format(DAY + HOUR + MINUTE + SECOND, buffer, 5);
  assert_string_equal(buffer, "1d1h");
  msiq_duration_format(DAY + HOUR + MINUTE + SECOND, buffer, 4);
  assert_string_equal(buffer, "1d1");
}

static void test_duration_format_parse_round_trip(void **state) {
  (void)state;
  static const int64_t samples[] = {
      SECOND,        59 * SECOND,  MINUTE,
      HOUR + SECOND, DAY - SECOND, 400 * DAY + 23 * HOUR + 59 * MINUTE};
  for (size_t i = 0; i < sizeof samples / sizeof samples[0]; i++) {
    char text[32];
    int64_t parsed = 0;
    msiq_duration_format(samples[i], text, sizeof text);
    assert_int_equal(msiq_duration_parse(text, &parsed, NULL), MSIQ_OK);
    assert_int_equal(parsed, samples[i]);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_duration_single_units),
      cmocka_unit_test(test_duration_combined_units),
      cmocka_unit_test(test_duration_empty),
      cmocka_unit_test(test_duration_missing_unit),
      cmocka_unit_test(test_duration_unknown_unit),
      cmocka_unit_test(test_duration_zero),
      cmocka_unit_test(test_duration_negative_or_signed),
      cmocka_unit_test(test_duration_unit_order),
      cmocka_unit_test(test_duration_trailing_garbage),
      cmocka_unit_test(test_duration_overflow),
      cmocka_unit_test(test_duration_control_characters_escaped),
      cmocka_unit_test(test_duration_null_diag),
      cmocka_unit_test(test_time_utc),
      cmocka_unit_test(test_time_fractional_seconds),
      cmocka_unit_test(test_time_leap_second_clamped),
      cmocka_unit_test(test_time_offsets),
      cmocka_unit_test(test_time_offset_errors),
      cmocka_unit_test(test_time_local),
      cmocka_unit_test(test_time_clock),
      cmocka_unit_test(test_time_format_local),
      cmocka_unit_test(test_time_local_midnight),
      cmocka_unit_test(test_time_local_differs_from_utc_by_zone_offset),
      cmocka_unit_test(test_time_relative),
      cmocka_unit_test(test_time_relative_errors),
      cmocka_unit_test(test_time_relative_beyond_year_9999),
      cmocka_unit_test(test_time_garbage),
      cmocka_unit_test(test_time_malformed_dates),
      cmocka_unit_test(test_time_month_range),
      cmocka_unit_test(test_time_day_range),
      cmocka_unit_test(test_time_clock_range),
      cmocka_unit_test(test_time_year_range),
      cmocka_unit_test(test_time_null_diag),
      cmocka_unit_test(test_format_utc),
      cmocka_unit_test(test_format_utc_small_buffer),
      cmocka_unit_test(test_format_utc_matches_gmtime),
      cmocka_unit_test(test_format_parse_round_trip),
      cmocka_unit_test(test_duration_format),
      cmocka_unit_test(test_duration_format_small_buffer),
      cmocka_unit_test(test_duration_format_parse_round_trip),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
