/* test_cli_follow.c: what the commands that follow a running job share
 * (src/cli/tool_follow.c): a progress report as one line, and a log
 * decoded while it grows, which must give exactly what msiq_log_decode
 * gives for the whole log however the reads cut it. */
#include "test_support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/tool.h"
#include "dispatcher/log_excerpt.h"

static msiq_progress_report report(int percent, const char *action) {
  msiq_progress_report progress = {.reported = true, .percent = percent};
  snprintf(progress.action, sizeof progress.action, "%s", action);
  return progress;
}

static void test_progress_text(void **state) {
  (void)state;
  char text[128];
  msiq_progress_report progress = report(42, "InstallFiles: Copying new files");
  assert_string_equal(tool_format_progress(&progress, text, sizeof text),
                      "42% InstallFiles: Copying new files");
  progress = report(0, "");
  assert_string_equal(tool_format_progress(&progress, text, sizeof text), "0%");
  progress = report(-1, "CostInitialize");
  assert_string_equal(tool_format_progress(&progress, text, sizeof text),
                      "CostInitialize");
  /* A job that has not reported: nothing, whatever the fields hold. */
  progress = report(42, "InstallFiles");
  progress.reported = false;
  assert_string_equal(tool_format_progress(&progress, text, sizeof text), "");
}

static void test_progress_text_is_one_line(void **state) {
  (void)state;
  char text[128];
  msiq_progress_report progress = report(7, "CA_Run: line one\nmsiq: forged");
  assert_string_equal(tool_format_progress(&progress, text, sizeof text),
                      "7% CA_Run: line one\\x0amsiq: forged");
  assert_message_is_one_line(text);
  progress = report(100, "tab\there\x7f");
  assert_string_equal(tool_format_progress(&progress, text, sizeof text),
                      "100% tab\\x09here\\x7f");
}

static void test_progress_text_is_cut_short(void **state) {
  (void)state;
  char text[12];
  msiq_progress_report progress = report(42, "InstallFiles\nmore");
  /* Cut where the buffer ends, never inside an escape. */
  assert_string_equal(tool_format_progress(&progress, text, sizeof text),
                      "42% Install");
  char tiny[9];
  assert_string_equal(tool_format_progress(&progress, tiny, sizeof tiny),
                      "42% Inst");
  progress = report(42, "Inst\nx");
  assert_string_equal(tool_format_progress(&progress, text, sizeof text),
                      "42% Inst");
}

/* Feeds bytes to a fresh stream in pieces of `step` bytes, collecting what
 * it hands out; checks that only whole lines come before the end. */
static char *stream_in_pieces(const unsigned char *bytes, size_t length,
                              size_t step) {
  tool_log_stream stream;
  tool_log_stream_init(&stream);
  size_t capacity = length * 2 + 16;
  char *all = calloc(1, capacity);
  assert_non_null(all);
  for (size_t offset = 0; offset < length; offset += step) {
    size_t count = length - offset < step ? length - offset : step;
    char *lines = NULL;
    assert_int_equal(
        tool_log_stream_feed(&stream, bytes + offset, count, &lines, NULL),
        MSIQ_OK);
    assert_non_null(lines);
    size_t got = strlen(lines);
    if (got > 0) {
      assert_int_equal(lines[got - 1], '\n');
    }
    assert_true(strlen(all) + got < capacity);
    strcat(all, lines);
    free(lines);
  }
  char *rest = NULL;
  assert_int_equal(tool_log_stream_finish(&stream, &rest, NULL), MSIQ_OK);
  assert_true(strlen(all) + strlen(rest) < capacity);
  strcat(all, rest);
  free(rest);
  /* Finished: nothing is left. */
  assert_int_equal(tool_log_stream_finish(&stream, &rest, NULL), MSIQ_OK);
  assert_string_equal(rest, "");
  free(rest);
  tool_log_stream_cleanup(&stream);
  return all;
}

/* The stream, fed in pieces of every size from 1 to 7 bytes and all at
 * once, gives what msiq_log_decode gives for the whole log. */
static void assert_streams_as_whole(const unsigned char *bytes, size_t length,
                                    const char *expected) {
  char *whole = NULL;
  assert_int_equal(msiq_log_decode(bytes, length, &whole, NULL), MSIQ_OK);
  assert_string_equal(whole, expected);
  for (size_t step = 1; step <= 8; step++) {
    char *streamed = stream_in_pieces(bytes, length, step == 8 ? length : step);
    assert_string_equal(streamed, whole);
    free(streamed);
  }
  free(whole);
}

static void test_stream_utf8(void **state) {
  (void)state;
  static const char log[] = "=== Verbose logging started ===\r\n"
                            "Action start 22:00:05: InstallFiles.\r\n"
                            "caf\xc3\xa9 \xe2\x82\xac\n"
                            "no line feed";
  assert_streams_as_whole((const unsigned char *)log, sizeof log - 1,
                          "=== Verbose logging started ===\r\n"
                          "Action start 22:00:05: InstallFiles.\r\n"
                          "caf\xc3\xa9 \xe2\x82\xac\n"
                          "no line feed");
  /* A byte-order mark is dropped, even when it comes in pieces. */
  static const char marked[] = "\xef\xbb\xbf"
                               "one\ntwo\n";
  assert_streams_as_whole((const unsigned char *)marked, sizeof marked - 1,
                          "one\ntwo\n");
  /* NUL bytes are dropped, as for a whole log. */
  static const unsigned char nul[] = {'a', 0, 'b', '\n'};
  assert_streams_as_whole(nul, sizeof nul, "ab\n");
}

/* Writes text (ASCII, with \x01 standing for U+1F600 as a surrogate pair
 * and \x02 for U+20AC) as UTF-16 with a byte-order mark; returns the
 * length. */
static size_t utf16_of(const char *text, bool big_endian, unsigned char *out) {
  size_t length = 0;
  unsigned units[2];
  out[length++] = big_endian ? 0xfe : 0xff;
  out[length++] = big_endian ? 0xff : 0xfe;
  for (const char *cursor = text; *cursor != '\0'; cursor++) {
    size_t count = 1;
    units[0] = (unsigned char)*cursor;
    if (*cursor == '\x01') {
      units[0] = 0xd83d;
      units[1] = 0xde00;
      count = 2;
    } else if (*cursor == '\x02') {
      units[0] = 0x20ac;
    }
    for (size_t i = 0; i < count; i++) {
      out[length++] =
          (unsigned char)(big_endian ? units[i] >> 8 : units[i] & 0xff);
      out[length++] =
          (unsigned char)(big_endian ? units[i] & 0xff : units[i] >> 8);
    }
  }
  return length;
}

static void test_stream_utf16(void **state) {
  (void)state;
  unsigned char bytes[256];
  static const char text[] = "MSI (s) start\r\n\x01 smile\n\x02 euro\nend";
  static const char expected[] = "MSI (s) start\r\n"
                                 "\xf0\x9f\x98\x80 smile\n"
                                 "\xe2\x82\xac euro\n"
                                 "end";
  size_t length = utf16_of(text, false, bytes);
  assert_streams_as_whole(bytes, length, expected);
  length = utf16_of(text, true, bytes);
  assert_streams_as_whole(bytes, length, expected);
}

static void test_stream_utf16_pair_waits_for_its_half(void **state) {
  (void)state;
  unsigned char bytes[64];
  size_t length = utf16_of("a\x01\n", false, bytes);
  tool_log_stream stream;
  tool_log_stream_init(&stream);
  char *lines = NULL;
  /* The mark, "a" and the high surrogate: nothing whole yet. */
  assert_int_equal(tool_log_stream_feed(&stream, bytes, 6, &lines, NULL),
                   MSIQ_OK);
  assert_string_equal(lines, "");
  free(lines);
  assert_int_equal(stream.encoding, TOOL_LOG_ENCODING_UTF16LE);
  /* The low surrogate and the line feed: the pair is decoded as one. */
  assert_int_equal(
      tool_log_stream_feed(&stream, bytes + 6, length - 6, &lines, NULL),
      MSIQ_OK);
  assert_string_equal(lines, "a\xf0\x9f\x98\x80\n");
  free(lines);
  tool_log_stream_cleanup(&stream);
}

static void test_stream_short_and_odd_ends(void **state) {
  (void)state;
  /* Too short to tell the encoding until the end; bytes that are neither
   * UTF-16 nor UTF-8 are read in the ANSI code page (Windows-1252 on the
   * simulation host): 0xFF is "y with diaeresis", 0xEF 0xBB are "i with
   * diaeresis" and a right guillemet. */
  static const unsigned char one[] = {0xff};
  assert_streams_as_whole(one, sizeof one, "\xc3\xbf");
  static const unsigned char two[] = {0xef, 0xbb};
  assert_streams_as_whole(two, sizeof two, "\xc3\xaf\xc2\xbb");
  static const unsigned char mark_only[] = {0xff, 0xfe};
  assert_streams_as_whole(mark_only, sizeof mark_only, "");
  assert_streams_as_whole((const unsigned char *)"", 0, "");
  /* A UTF-16 log cut after half a unit, or after a lone high surrogate. */
  static const unsigned char half[] = {0xff, 0xfe, 'o', 0,  'k',
                                       0,    '\n', 0,   'x'};
  assert_streams_as_whole(half, sizeof half, "ok\n");
  static const unsigned char lone[] = {0xff, 0xfe, 'a', 0, 0x3d, 0xd8};
  assert_streams_as_whole(lone, sizeof lone, "a\xef\xbf\xbd");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_progress_text),
      cmocka_unit_test(test_progress_text_is_one_line),
      cmocka_unit_test(test_progress_text_is_cut_short),
      cmocka_unit_test(test_stream_utf8),
      cmocka_unit_test(test_stream_utf16),
      cmocka_unit_test(test_stream_utf16_pair_waits_for_its_half),
      cmocka_unit_test(test_stream_short_and_odd_ends),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
