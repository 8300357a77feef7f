/* timeparse.c: the time and duration formats of timeparse.h.
 *
 * UTC conversions use the days-from-civil arithmetic of Howard Hinnant's
 * "chrono-Compatible Low-Level Date Algorithms" instead of timegm() and
 * gmtime(), because timegm() does not exist on Windows and gmtime() is not
 * thread-safe. Local times go through mktime(), which is standard C.
 */
#include "core/timeparse.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define MILLISECONDS_PER_SECOND INT64_C(1000)
#define MILLISECONDS_PER_MINUTE (60 * MILLISECONDS_PER_SECOND)
#define MILLISECONDS_PER_HOUR   (60 * MILLISECONDS_PER_MINUTE)
#define MILLISECONDS_PER_DAY    (24 * MILLISECONDS_PER_HOUR)
#define SECONDS_PER_DAY         INT64_C(86400)

/* Room for a quoted copy of the user's input inside a diagnostic. Inputs
 * longer than this are cut short so that the explanation after the quote
 * still fits into the 512-byte diagnostic. */
#define QUOTED_TEXT_SIZE 160

/* The explanation that follows "invalid duration '...': ". */
#define REASON_SIZE 256

static const char usage_hint[] =
    "use ISO 8601 (2026-11-24T22:00:00Z), a relative time (+30m) or a "
    "clock time (22:00)";

/* Days since 1970-01-01 of a proleptic Gregorian date. */
static int64_t civil_to_days(int64_t year, int month, int day) {
  year -= month <= 2;
  int64_t era = (year >= 0 ? year : year - 399) / 400;
  int64_t year_of_era = year - era * 400;
  int64_t day_of_year =
      (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1;
  int64_t day_of_era =
      year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
  return era * 146097 + day_of_era - 719468;
}

/* The inverse of civil_to_days(). */
static void days_to_civil(int64_t days, int64_t *year, int *month, int *day) {
  days += 719468;
  int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  int64_t day_of_era = days - era * 146097;
  int64_t year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36524 -
                         day_of_era / 146096) /
                        365;
  int64_t day_of_year =
      day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
  int64_t shifted_month = (5 * day_of_year + 2) / 153;
  *day = (int)(day_of_year - (153 * shifted_month + 2) / 5 + 1);
  *month = (int)(shifted_month < 10 ? shifted_month + 3 : shifted_month - 9);
  *year = year_of_era + era * 400 + (*month <= 2);
}

static bool year_is_leap(int year) {
  return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

static int month_length(int year, int month) {
  static const int lengths[12] = {31, 28, 31, 30, 31, 30,
                                  31, 31, 30, 31, 30, 31};
  if (month == 2 && year_is_leap(year)) {
    return 29;
  }
  return lengths[month - 1];
}

/* Division that rounds towards negative infinity, so that times before the
 * epoch still split into a day and a non-negative time of day. */
static int64_t integer_divide_floor(int64_t numerator, int64_t denominator) {
  int64_t quotient = numerator / denominator;
  if ((numerator % denominator != 0) &&
      ((numerator < 0) != (denominator < 0))) {
    quotient--;
  }
  return quotient;
}

static int64_t unit_milliseconds(char unit) {
  switch (unit) {
    case 'd':
      return MILLISECONDS_PER_DAY;
    case 'h':
      return MILLISECONDS_PER_HOUR;
    case 'm':
      return MILLISECONDS_PER_MINUTE;
    case 's':
      return MILLISECONDS_PER_SECOND;
  }
  return 0;
}

static bool character_is_digit(char character) {
  return character >= '0' && character <= '9';
}

static bool character_is_letter(char character) {
  return (character >= 'a' && character <= 'z') ||
         (character >= 'A' && character <= 'Z');
}

/* Parses a duration and, on failure, writes the reason (without the
 * "invalid duration '...'" prefix) into reason, so that both
 * msiq_duration_parse() and relative times can wrap it in their own
 * message. Returns false on failure. */
static bool duration_parse_with_reason(const char *text, int64_t *milliseconds,
                                       char *reason, size_t reason_size) {
  const char *cursor = text;
  int64_t total = 0;
  /* The unit of the previous group, to enforce "largest to smallest". */
  int64_t previous_unit = 0;
  char previous_unit_name[3] = "";

  if (*cursor == '\0') {
    snprintf(reason, reason_size,
             "empty; expected a number and a unit such as 90s, 15m, 2h or 1d");
    return false;
  }
  if (*cursor == '-') {
    snprintf(reason, reason_size, "must be positive");
    return false;
  }
  if (!character_is_digit(*cursor)) {
    snprintf(reason, reason_size,
             "expected a number and a unit such as 90s, 15m, 2h or 1d");
    return false;
  }

  while (*cursor != '\0') {
    const char *number_start = cursor;
    int64_t number = 0;
    bool too_large = false;
    while (character_is_digit(*cursor)) {
      int digit = *cursor - '0';
      if (number > (INT64_MAX - digit) / 10) {
        too_large = true;
      } else {
        number = number * 10 + digit;
      }
      cursor++;
    }
    int number_length = (int)(cursor - number_start);
    if (number_length == 0) {
      /* Only reachable after a complete group: something that is neither a
       * digit nor a letter follows a unit, as in "1h 30m" or "1h-". */
      char quoted[QUOTED_TEXT_SIZE];
      msiq_quote_for_message(cursor, quoted, sizeof quoted);
      snprintf(reason, reason_size, "unexpected '%s' after '%.*s'", quoted,
               (int)(cursor - text), text);
      return false;
    }

    const char *unit_start = cursor;
    while (character_is_letter(*cursor)) {
      cursor++;
    }
    int unit_length = (int)(cursor - unit_start);
    if (unit_length == 0) {
      if (*cursor == '\0') {
        snprintf(reason, reason_size, "'%.*s' needs a unit: s, m, h or d",
                 number_length, number_start);
      } else {
        char quoted[QUOTED_TEXT_SIZE];
        msiq_quote_for_message(cursor, quoted, sizeof quoted);
        snprintf(reason, reason_size,
                 "unexpected '%s' after '%.*s' (use whole numbers, as in "
                 "1h30m)",
                 quoted, (int)(cursor - text), text);
      }
      return false;
    }
    /* Milliseconds ("250ms") exist for short poll intervals in tests and
     * benchmarks; admins will rarely need them. */
    bool is_milliseconds =
        unit_length == 2 && unit_start[0] == 'm' && unit_start[1] == 's';
    int64_t unit = is_milliseconds    ? 1
                   : unit_length == 1 ? unit_milliseconds(*unit_start)
                                      : 0;
    const char *unit_name = is_milliseconds ? "ms" : NULL;
    char single_name[2] = {*unit_start, '\0'};
    if (unit_name == NULL) {
      unit_name = single_name;
    }
    if (unit == 0) {
      snprintf(reason, reason_size,
               "unknown unit '%.*s' (use s, m, h or d, or ms)", unit_length,
               unit_start);
      return false;
    }
    if (unit == previous_unit) {
      snprintf(reason, reason_size, "unit '%s' given twice", unit_name);
      return false;
    }
    if (previous_unit != 0 && unit > previous_unit) {
      snprintf(reason, reason_size,
               "unit '%s' after '%s': units must go from largest to smallest "
               "(d, h, m, s, ms)",
               unit_name, previous_unit_name);
      return false;
    }
    if (too_large || number > INT64_MAX / unit ||
        total > INT64_MAX - number * unit) {
      snprintf(reason, reason_size, "too large");
      return false;
    }
    total += number * unit;
    previous_unit = unit;
    snprintf(previous_unit_name, sizeof previous_unit_name, "%s", unit_name);
  }

  if (total == 0) {
    snprintf(reason, reason_size, "must be greater than zero");
    return false;
  }
  *milliseconds = total;
  return true;
}

int msiq_duration_parse(const char *text, int64_t *milliseconds,
                        msiq_diag *diag) {
  char reason[REASON_SIZE];
  int64_t parsed = 0;
  if (text == NULL) {
    text = "";
  }
  if (!duration_parse_with_reason(text, &parsed, reason, sizeof reason)) {
    char quoted[QUOTED_TEXT_SIZE];
    msiq_quote_for_message(text, quoted, sizeof quoted);
    return msiq_diag_set(diag, MSIQ_EINVAL, "invalid duration '%s': %s", quoted,
                         reason);
  }
  *milliseconds = parsed;
  return MSIQ_OK;
}

/* Consumes expected if it is the next character. */
static bool cursor_skip(const char **cursor, char expected) {
  if (**cursor != expected) {
    return false;
  }
  (*cursor)++;
  return true;
}

/* Reads exactly count digits. */
static bool cursor_read_digits(const char **cursor, int count, int *value) {
  int result = 0;
  for (int i = 0; i < count; i++) {
    char character = (*cursor)[i];
    if (!character_is_digit(character)) {
      return false;
    }
    result = result * 10 + (character - '0');
  }
  *cursor += count;
  *value = result;
  return true;
}

/* The pieces of an absolute time as written. */
typedef struct time_fields {
  int year;
  int month;
  int day;
  int hour;
  int minute;
  int second;
  int millisecond;
  bool has_zone;
  int offset_minutes; /* east of UTC, as in "+01:00" */
} time_fields;

/* Parses the shape of an absolute time into fields without judging ranges.
 * On failure writes the reason and returns false. */
static bool time_fields_parse(const char *text, time_fields *fields,
                              char *reason, size_t reason_size) {
  const char *cursor = text;
  char quoted[QUOTED_TEXT_SIZE];
  memset(fields, 0, sizeof *fields);

  if (!cursor_read_digits(&cursor, 4, &fields->year) ||
      !cursor_skip(&cursor, '-') ||
      !cursor_read_digits(&cursor, 2, &fields->month) ||
      !cursor_skip(&cursor, '-') ||
      !cursor_read_digits(&cursor, 2, &fields->day)) {
    snprintf(reason, reason_size,
             "expected a date YYYY-MM-DD such as 2026-11-24");
    return false;
  }
  if (*cursor == '\0') {
    return true;
  }
  if (*cursor != 'T' && *cursor != 't' && *cursor != ' ') {
    msiq_quote_for_message(cursor, quoted, sizeof quoted);
    snprintf(reason, reason_size,
             "unexpected '%s' after the date (expected T or a space and a "
             "time)",
             quoted);
    return false;
  }
  cursor++;
  if (!cursor_read_digits(&cursor, 2, &fields->hour) ||
      !cursor_skip(&cursor, ':') ||
      !cursor_read_digits(&cursor, 2, &fields->minute)) {
    snprintf(reason, reason_size,
             "expected a time HH:MM or HH:MM:SS after the date");
    return false;
  }
  if (*cursor == ':') {
    cursor++;
    if (!cursor_read_digits(&cursor, 2, &fields->second)) {
      snprintf(reason, reason_size,
               "expected two digits of seconds after HH:MM:");
      return false;
    }
    if (*cursor == '.' || *cursor == ',') {
      /* Fractions of a second keep their milliseconds; further digits are
       * dropped, because the queue works in milliseconds. */
      cursor++;
      if (!character_is_digit(*cursor)) {
        snprintf(reason, reason_size,
                 "expected digits after the decimal point of the seconds");
        return false;
      }
      int scale = 100;
      while (character_is_digit(*cursor)) {
        fields->millisecond += (*cursor - '0') * scale;
        scale /= 10;
        cursor++;
      }
    }
  }

  if (*cursor == 'Z' || *cursor == 'z') {
    fields->has_zone = true;
    cursor++;
  } else if (*cursor == '+' || *cursor == '-') {
    int sign = *cursor == '-' ? -1 : 1;
    int offset_hours = 0;
    int offset_minutes = 0;
    const char *offset_start = cursor;
    cursor++;
    if (!cursor_read_digits(&cursor, 2, &offset_hours)) {
      msiq_quote_for_message(offset_start, quoted, sizeof quoted);
      snprintf(reason, reason_size,
               "invalid offset '%s' (expected +HH:MM, +HHMM or +HH)", quoted);
      return false;
    }
    /* The minutes are optional ("+01"), with or without a colon. */
    bool has_colon = cursor_skip(&cursor, ':');
    if ((has_colon || character_is_digit(*cursor)) &&
        !cursor_read_digits(&cursor, 2, &offset_minutes)) {
      msiq_quote_for_message(offset_start, quoted, sizeof quoted);
      snprintf(reason, reason_size,
               "invalid offset '%s' (expected +HH:MM, +HHMM or +HH)", quoted);
      return false;
    }
    if (offset_hours > 23) {
      snprintf(reason, reason_size, "offset hour %d out of range",
               offset_hours);
      return false;
    }
    if (offset_minutes > 59) {
      snprintf(reason, reason_size, "offset minute %d out of range",
               offset_minutes);
      return false;
    }
    fields->has_zone = true;
    fields->offset_minutes = sign * (offset_hours * 60 + offset_minutes);
  } else if (*cursor != '\0') {
    msiq_quote_for_message(cursor, quoted, sizeof quoted);
    snprintf(reason, reason_size,
             "unexpected '%s' after the time (expected Z or an offset such "
             "as +01:00)",
             quoted);
    return false;
  }
  if (*cursor != '\0') {
    msiq_quote_for_message(cursor, quoted, sizeof quoted);
    snprintf(reason, reason_size, "unexpected '%s' at the end", quoted);
    return false;
  }
  return true;
}

/* Checks the ranges of the fields; a leap second becomes :59. */
static bool time_fields_check(time_fields *fields, char *reason,
                              size_t reason_size) {
  if (fields->year < 1970 || fields->year > 9999) {
    snprintf(reason, reason_size, "year %d out of range (1970-9999)",
             fields->year);
    return false;
  }
  if (fields->month < 1 || fields->month > 12) {
    snprintf(reason, reason_size, "month %d out of range", fields->month);
    return false;
  }
  int length = month_length(fields->year, fields->month);
  if (fields->day < 1 || fields->day > length) {
    snprintf(reason, reason_size, "day %d out of range (%04d-%02d has %d days)",
             fields->day, fields->year, fields->month, length);
    return false;
  }
  if (fields->hour > 23) {
    snprintf(reason, reason_size, "hour %d out of range", fields->hour);
    return false;
  }
  if (fields->minute > 59) {
    snprintf(reason, reason_size, "minute %d out of range", fields->minute);
    return false;
  }
  if (fields->second > 60) {
    snprintf(reason, reason_size, "second %d out of range", fields->second);
    return false;
  }
  if (fields->second == 60) {
    /* A leap second cannot be represented in Unix time; the last ordinary
     * second of the minute is the closest. */
    fields->second = 59;
  }
  return true;
}

/* Converts checked fields to UTC milliseconds. Returns false when the local
 * time cannot be represented (mktime() failed). */
static bool time_fields_to_utc(const time_fields *fields, int64_t *utc_ms) {
  int64_t seconds;
  if (fields->has_zone) {
    seconds = civil_to_days(fields->year, fields->month, fields->day) *
                  SECONDS_PER_DAY +
              fields->hour * 3600 + fields->minute * 60 + fields->second -
              (int64_t)fields->offset_minutes * 60;
  } else {
    /* tm_isdst = -1 lets the C library decide whether daylight saving time
     * applies at that moment, as a person reading a wall clock would. */
    struct tm local;
    memset(&local, 0, sizeof local);
    local.tm_year = fields->year - 1900;
    local.tm_mon = fields->month - 1;
    local.tm_mday = fields->day;
    local.tm_hour = fields->hour;
    local.tm_min = fields->minute;
    local.tm_sec = fields->second;
    local.tm_isdst = -1;
    time_t converted = mktime(&local);
    if (converted == (time_t)-1) {
      return false;
    }
    seconds = (int64_t)converted;
  }
  *utc_ms = seconds * MILLISECONDS_PER_SECOND + fields->millisecond;
  return true;
}

/* True when text begins with the shape of a clock time "HH:MM" (two digits
 * each), with its minute of the day in *minute; *valid says whether it is
 * a real one (00:00 to 23:59). Times and maintenance windows share it. */
static bool clock_read(const char *text, int *minute, bool *valid) {
  if (!(character_is_digit(text[0]) && character_is_digit(text[1]) &&
        text[2] == ':' && character_is_digit(text[3]) &&
        character_is_digit(text[4]))) {
    return false;
  }
  int hour = (text[0] - '0') * 10 + (text[1] - '0');
  int minutes = (text[3] - '0') * 10 + (text[4] - '0');
  *valid = hour < 24 && minutes < 60;
  *minute = hour * 60 + minutes;
  return true;
}

/* True when text is a clock time "HH:MM" and nothing more. */
static bool clock_time_match(const char *text, int *minute, bool *valid) {
  return clock_read(text, minute, valid) && text[5] == '\0';
}

/* The local time minute_of_day on the local day of utc_ms, or on the day
 * days_later after it; mktime normalises the day and finds the offset
 * across daylight saving changes. -1 when it cannot be represented. */
static int64_t clock_time_on_day(int64_t utc_ms, int minute_of_day,
                                 int days_later) {
  time_t seconds = (time_t)integer_divide_floor(utc_ms, 1000);
  struct tm *broken = localtime(&seconds);
  if (broken == NULL) {
    return -1;
  }
  struct tm local = *broken;
  local.tm_mday += days_later;
  local.tm_hour = minute_of_day / 60;
  local.tm_min = minute_of_day % 60;
  local.tm_sec = 0;
  local.tm_isdst = -1;
  time_t converted = mktime(&local);
  if (converted == (time_t)-1) {
    return -1;
  }
  return (int64_t)converted * MILLISECONDS_PER_SECOND;
}

/* A clock time as the next (forward) or last such local time around
 * now_ms. */
static int clock_time_resolve(const char *quoted, int minute, bool valid,
                              int64_t now_ms, bool forward, int64_t *utc_ms,
                              msiq_diag *diag) {
  if (!valid) {
    return msiq_diag_set(diag, MSIQ_EINVAL,
                         "invalid time '%s': a clock time is HH:MM, from "
                         "00:00 to 23:59",
                         quoted);
  }
  int64_t today = clock_time_on_day(now_ms, minute, 0);
  int64_t other = clock_time_on_day(now_ms, minute, forward ? 1 : -1);
  int64_t chosen = today;
  if (today < 0 || (forward ? today < now_ms : today > now_ms)) {
    chosen = other;
  }
  if (chosen < 0) {
    return msiq_diag_set(diag, MSIQ_EINVAL,
                         "invalid time '%s': cannot be represented in local "
                         "time",
                         quoted);
  }
  *utc_ms = chosen;
  return MSIQ_OK;
}

static int time_parse(const char *text, int64_t now_ms, bool clock_forward,
                      int64_t *utc_ms, msiq_diag *diag) {
  char quoted[QUOTED_TEXT_SIZE];
  char reason[REASON_SIZE];
  /* Relative times may not reach past the last moment of year 9999, the
   * same limit absolute times have. */
  const int64_t latest_ms =
      civil_to_days(10000, 1, 1) * MILLISECONDS_PER_DAY - 1;

  if (text == NULL) {
    text = "";
  }
  msiq_quote_for_message(text, quoted, sizeof quoted);

  if (text[0] == '+') {
    int64_t duration = 0;
    if (text[1] == '\0') {
      return msiq_diag_set(diag, MSIQ_EINVAL,
                           "invalid time '%s': expected a duration after '+' "
                           "such as +30m",
                           quoted);
    }
    if (!duration_parse_with_reason(text + 1, &duration, reason,
                                    sizeof reason)) {
      return msiq_diag_set(diag, MSIQ_EINVAL, "invalid time '%s': %s", quoted,
                           reason);
    }
    if (now_ms > latest_ms || duration > latest_ms - now_ms) {
      return msiq_diag_set(diag, MSIQ_EINVAL,
                           "invalid time '%s': later than year 9999", quoted);
    }
    *utc_ms = now_ms + duration;
    return MSIQ_OK;
  }
  if (text[0] == '-') {
    /* "-30m" looks like a relative time into the past; say so instead of
     * calling it garbage. */
    return msiq_diag_set(diag, MSIQ_EINVAL,
                         "invalid time '%s': relative times count forward "
                         "from now (+30m)",
                         quoted);
  }
  if (!character_is_digit(text[0])) {
    return msiq_diag_set(diag, MSIQ_EINVAL, "invalid time '%s': %s", quoted,
                         usage_hint);
  }
  int clock_minute = 0;
  bool clock_valid = false;
  if (clock_time_match(text, &clock_minute, &clock_valid)) {
    return clock_time_resolve(quoted, clock_minute, clock_valid, now_ms,
                              clock_forward, utc_ms, diag);
  }

  time_fields fields;
  if (!time_fields_parse(text, &fields, reason, sizeof reason) ||
      !time_fields_check(&fields, reason, sizeof reason)) {
    return msiq_diag_set(diag, MSIQ_EINVAL, "invalid time '%s': %s", quoted,
                         reason);
  }
  int64_t converted = 0;
  if (!time_fields_to_utc(&fields, &converted)) {
    return msiq_diag_set(diag, MSIQ_EINVAL,
                         "invalid time '%s': cannot be represented in local "
                         "time",
                         quoted);
  }
  if (converted < 0) {
    return msiq_diag_set(diag, MSIQ_EINVAL,
                         "invalid time '%s': before 1970-01-01T00:00:00Z",
                         quoted);
  }
  /* An offset can push the last day of 9999 into year 10000. */
  if (converted > latest_ms) {
    return msiq_diag_set(diag, MSIQ_EINVAL,
                         "invalid time '%s': later than year 9999", quoted);
  }
  *utc_ms = converted;
  return MSIQ_OK;
}

int msiq_time_parse(const char *text, int64_t now_ms, int64_t *utc_ms,
                    msiq_diag *diag) {
  return time_parse(text, now_ms, true, utc_ms, diag);
}

int msiq_time_parse_past(const char *text, int64_t now_ms, int64_t *utc_ms,
                         msiq_diag *diag) {
  return time_parse(text, now_ms, false, utc_ms, diag);
}

/* What both time formats write when there is no time to show: nothing
 * without a buffer, "unset" for MSIQ_TIME_UNSET. True when that is all. */
static bool time_format_without_a_time(int64_t utc_ms, char *buffer,
                                       size_t size) {
  if (buffer == NULL || size == 0) {
    return true;
  }
  if (utc_ms == MSIQ_TIME_UNSET) {
    snprintf(buffer, size, "unset");
    return true;
  }
  return false;
}

void msiq_time_format_utc(int64_t utc_ms, char *buffer, size_t size) {
  if (time_format_without_a_time(utc_ms, buffer, size)) {
    return;
  }
  int64_t seconds = integer_divide_floor(utc_ms, MILLISECONDS_PER_SECOND);
  int64_t days = integer_divide_floor(seconds, SECONDS_PER_DAY);
  int64_t second_of_day = seconds - days * SECONDS_PER_DAY;
  int64_t year = 0;
  int month = 0;
  int day = 0;
  days_to_civil(days, &year, &month, &day);
  snprintf(buffer, size, "%04" PRId64 "-%02d-%02dT%02d:%02d:%02dZ", year, month,
           day, (int)(second_of_day / 3600), (int)(second_of_day / 60 % 60),
           (int)(second_of_day % 60));
}

/* Local time with its offset, to the minute or to the second. */
static void time_format_local(int64_t utc_ms, bool with_seconds, char *buffer,
                              size_t size) {
  if (time_format_without_a_time(utc_ms, buffer, size)) {
    return;
  }
  int64_t seconds = integer_divide_floor(utc_ms, MILLISECONDS_PER_SECOND);
  time_t moment = (time_t)seconds;
  struct tm *broken = localtime(&moment);
  if (broken == NULL) {
    msiq_time_format_utc(utc_ms, buffer, size);
    return;
  }
  struct tm local = *broken;
  /* The offset is what the local wall clock reads, taken as if it were
   * UTC, minus the moment itself: no tm_gmtoff, which is not standard C. */
  int64_t wall =
      civil_to_days(local.tm_year + 1900, local.tm_mon + 1, local.tm_mday) *
          SECONDS_PER_DAY +
      local.tm_hour * 3600 + local.tm_min * 60 + local.tm_sec;
  int64_t offset_minutes = (wall - seconds) / 60;
  char sign = offset_minutes < 0 ? '-' : '+';
  if (offset_minutes < 0) {
    offset_minutes = -offset_minutes;
  }
  char second_text[8] = "";
  if (with_seconds) {
    snprintf(second_text, sizeof second_text, ":%02d", local.tm_sec % 60);
  }
  snprintf(buffer, size, "%04d-%02d-%02d %02d:%02d%s %c%02d:%02d",
           local.tm_year + 1900, local.tm_mon + 1, local.tm_mday, local.tm_hour,
           local.tm_min, second_text, sign, (int)(offset_minutes / 60),
           (int)(offset_minutes % 60));
}

void msiq_time_format_local(int64_t utc_ms, char *buffer, size_t size) {
  time_format_local(utc_ms, false, buffer, size);
}

void msiq_time_format_local_seconds(int64_t utc_ms, char *buffer, size_t size) {
  time_format_local(utc_ms, true, buffer, size);
}

void msiq_duration_format(int64_t milliseconds, char *buffer, size_t size) {
  static const struct {
    char name;
    int64_t milliseconds;
  } units[] = {{'d', MILLISECONDS_PER_DAY},
               {'h', MILLISECONDS_PER_HOUR},
               {'m', MILLISECONDS_PER_MINUTE},
               {'s', MILLISECONDS_PER_SECOND}};
  size_t used = 0;

  if (buffer == NULL || size == 0) {
    return;
  }
  if (milliseconds <= 0) {
    snprintf(buffer, size, "0s");
    return;
  }
  if (milliseconds < MILLISECONDS_PER_SECOND) {
    snprintf(buffer, size, "%" PRId64 "ms", milliseconds);
    return;
  }
  /* Whole seconds only: every duration the parser accepts is whole seconds,
   * and a compact display has no use for a trailing millisecond count. */
  buffer[0] = '\0';
  for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
    int64_t count = milliseconds / units[i].milliseconds;
    if (count == 0) {
      continue;
    }
    milliseconds -= count * units[i].milliseconds;
    if (used < size) {
      int written = snprintf(buffer + used, size - used, "%" PRId64 "%c", count,
                             units[i].name);
      if (written > 0) {
        used += (size_t)written;
      }
    }
  }
}

/* Maintenance windows. */

static bool window_parse_clock(const char *text, int *minute) {
  bool valid = false;
  return clock_read(text, minute, &valid) && valid;
}

int msiq_window_parse(const char *text, msiq_window *window, msiq_diag *diag) {
  msiq_window parsed;
  if (text == NULL || strlen(text) != 11 || text[5] != '-' ||
      !window_parse_clock(text, &parsed.start_minute) ||
      !window_parse_clock(text + 6, &parsed.end_minute)) {
    return msiq_diag_set(diag, MSIQ_EINVAL,
                         "invalid maintenance window '%s': use HH:MM-HH:MM "
                         "in local time, such as 22:00-05:00",
                         text != NULL ? text : "");
  }
  if (parsed.start_minute == parsed.end_minute) {
    return msiq_diag_set(diag, MSIQ_EINVAL,
                         "invalid maintenance window '%s': start and end are "
                         "the same (leave --window out to allow any time)",
                         text);
  }
  *window = parsed;
  return MSIQ_OK;
}

void msiq_window_format(const msiq_window *window, char *buffer, size_t size) {
  snprintf(buffer, size, "%02d:%02d-%02d:%02d", window->start_minute / 60,
           window->start_minute % 60, window->end_minute / 60,
           window->end_minute % 60);
}

/* Local minute of the day at utc_ms. localtime() is standard C; the
 * dispatcher calls it from one thread only. */
static int window_local_minute(int64_t utc_ms, struct tm *local) {
  time_t seconds = (time_t)integer_divide_floor(utc_ms, 1000);
  struct tm *broken = localtime(&seconds);
  if (broken == NULL) {
    return 0;
  }
  *local = *broken;
  return local->tm_hour * 60 + local->tm_min;
}

bool msiq_window_contains(const msiq_window *window, int64_t utc_ms) {
  struct tm local;
  int minute = window_local_minute(utc_ms, &local);
  if (window->start_minute < window->end_minute) {
    return minute >= window->start_minute && minute < window->end_minute;
  }
  /* Crosses midnight: 22:00-05:00 is 22:00..23:59 and 00:00..04:59. */
  return minute >= window->start_minute || minute < window->end_minute;
}

int64_t msiq_window_next_open(const msiq_window *window, int64_t utc_ms) {
  if (msiq_window_contains(window, utc_ms)) {
    return utc_ms;
  }
  struct tm local;
  window_local_minute(utc_ms, &local);
  /* Today's opening, or tomorrow's if today's has passed; mktime
   * normalises the day and finds the right offset across DST changes. */
  local.tm_hour = window->start_minute / 60;
  local.tm_min = window->start_minute % 60;
  local.tm_sec = 0;
  local.tm_isdst = -1;
  time_t opening = mktime(&local);
  if ((int64_t)opening * 1000 <= utc_ms) {
    local.tm_mday += 1;
    local.tm_hour = window->start_minute / 60;
    local.tm_min = window->start_minute % 60;
    local.tm_isdst = -1;
    opening = mktime(&local);
  }
  return (int64_t)opening * 1000;
}
