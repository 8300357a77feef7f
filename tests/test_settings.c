/* test_settings.c: the dispatcher's stored settings: their parsers and
 * canonical texts (core/settings.h) and their table (store_settings.c). */
#include "test_support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/settings.h"
#include "store/store.h"

static void assert_parses_to(msiq_setting setting, const char *value,
                             const char *canonical) {
  msiq_settings settings;
  memset(&settings, 0, sizeof settings);
  char text[MSIQ_SETTING_PATH_MAX];
  msiq_diag diag = {{0}};
  assert_int_equal(
      msiq_settings_parse(&settings, setting, value, text, sizeof text, &diag),
      MSIQ_OK);
  assert_string_equal(text, canonical);
  assert_true((settings.present & MSIQ_SETTING_BIT(setting)) != 0);
  /* The canonical text parses to the same text again. */
  char again[MSIQ_SETTING_PATH_MAX];
  assert_int_equal(
      msiq_settings_parse(&settings, setting, text, again, sizeof again, &diag),
      MSIQ_OK);
  assert_string_equal(again, canonical);
}

static void assert_refused(msiq_setting setting, const char *value,
                           const char *fragment) {
  msiq_settings settings;
  memset(&settings, 0, sizeof settings);
  settings.poll_ms = 1234;
  msiq_settings before = settings;
  char text[64] = "untouched";
  msiq_diag diag = {{0}};
  assert_int_equal(
      msiq_settings_parse(&settings, setting, value, text, sizeof text, &diag),
      MSIQ_EINVAL);
  assert_message_contains(diag.message, msiq_setting_name(setting));
  assert_message_contains(diag.message, fragment);
  assert_message_is_one_line(diag.message);
  /* Nothing changed: not the struct, not the text. */
  assert_memory_equal(&settings, &before, sizeof settings);
  assert_string_equal(text, "untouched");
}

static void test_names_are_the_run_options(void **state) {
  (void)state;
  static const char *const names[] = {
      "window",
      "hold-on-pending-reboot",
      "poll",
      "retry-base",
      "retry-max",
      "give-up-after",
      "default-timeout",
      "cancel-grace",
      "log-dir",
  };
  assert_int_equal(MSIQ_SETTING_COUNT, sizeof names / sizeof names[0]);
  for (int i = 0; i < MSIQ_SETTING_COUNT; i++) {
    msiq_setting found;
    assert_int_equal(msiq_setting_find(names[i], &found, NULL), MSIQ_OK);
    assert_int_equal(found, i);
    assert_string_equal(msiq_setting_name(found), names[i]);
  }
  msiq_diag diag = {{0}};
  msiq_setting found;
  assert_int_equal(msiq_setting_find("grace", &found, &diag), MSIQ_EINVAL);
  assert_message_contains(diag.message, "unknown setting 'grace'");
  assert_message_contains(diag.message, "log-dir");
  assert_int_equal(msiq_setting_find("--window", &found, NULL), MSIQ_EINVAL);
  assert_int_equal(msiq_setting_find("Window", &found, NULL), MSIQ_EINVAL);
}

static void test_values_parse_as_the_options_do(void **state) {
  (void)state;
  assert_parses_to(MSIQ_SETTING_WINDOW, "22:00-05:00", "22:00-05:00");
  assert_parses_to(MSIQ_SETTING_POLL, "90s", "1m30s");
  assert_parses_to(MSIQ_SETTING_RETRY_MAX, "1h30m", "1h30m");
  assert_parses_to(MSIQ_SETTING_CANCEL_GRACE, "1500ms", "1500ms");
  assert_parses_to(MSIQ_SETTING_DEFAULT_TIMEOUT, "1d", "1d");
  assert_parses_to(MSIQ_SETTING_HOLD_ON_PENDING_REBOOT, "TRUE", "true");
  assert_parses_to(MSIQ_SETTING_HOLD_ON_PENDING_REBOOT, "yes", "true");
  assert_parses_to(MSIQ_SETTING_HOLD_ON_PENDING_REBOOT, "Off", "false");
  assert_parses_to(MSIQ_SETTING_HOLD_ON_PENDING_REBOOT, "0", "false");
  assert_parses_to(MSIQ_SETTING_LOG_DIR, "C:\\ProgramData\\msiq\\logs",
                   "C:\\ProgramData\\msiq\\logs");

  msiq_settings settings;
  memset(&settings, 0, sizeof settings);
  assert_int_equal(msiq_settings_parse(&settings, MSIQ_SETTING_RETRY_BASE, "2m",
                                       NULL, 0, NULL),
                   MSIQ_OK);
  assert_int_equal(settings.retry_base_ms, 2 * 60 * 1000);
  assert_int_equal(msiq_settings_parse(&settings, MSIQ_SETTING_WINDOW,
                                       "01:30-02:45", NULL, 0, NULL),
                   MSIQ_OK);
  assert_int_equal(settings.window.start_minute, 90);
  assert_int_equal(settings.window.end_minute, 165);
  assert_int_equal(settings.present, MSIQ_SETTING_BIT(MSIQ_SETTING_RETRY_BASE) |
                                         MSIQ_SETTING_BIT(MSIQ_SETTING_WINDOW));
  /* A setting not present formats as nothing. */
  char text[32] = "x";
  msiq_settings_format(&settings, MSIQ_SETTING_POLL, text, sizeof text);
  assert_string_equal(text, "");
}

static void test_bad_values_are_refused_and_change_nothing(void **state) {
  (void)state;
  assert_refused(MSIQ_SETTING_POLL, "10x", "unknown unit");
  assert_refused(MSIQ_SETTING_POLL, "0s", "");
  assert_refused(MSIQ_SETTING_POLL, "", "");
  assert_refused(MSIQ_SETTING_RETRY_BASE, "-5s", "");
  assert_refused(MSIQ_SETTING_WINDOW, "25:00-01:00", "");
  assert_refused(MSIQ_SETTING_WINDOW, "22:00-22:00", "");
  assert_refused(MSIQ_SETTING_HOLD_ON_PENDING_REBOOT, "maybe",
                 "use true or false");
  assert_refused(MSIQ_SETTING_HOLD_ON_PENDING_REBOOT, "truest", "");
  assert_refused(MSIQ_SETTING_LOG_DIR, "", "empty");
  assert_refused(MSIQ_SETTING_LOG_DIR, "logs\nnext", "control character");
}

static void test_store_keeps_sets_and_unsets(void **state) {
  test_store_fixture *fixture = *state;
  msiq_store *store = fixture->store;
  msiq_diag diag = {{0}};
  int64_t first = -1;
  assert_int_equal(msiq_store_settings_generation(store, &first, &diag),
                   MSIQ_OK);

  char *value = (char *)"untouched";
  assert_int_equal(msiq_store_setting_get(store, "window", &value, &diag),
                   MSIQ_OK);
  assert_null(value);

  assert_int_equal(
      msiq_store_setting_set(store, "window", "22:00-05:00", &diag), MSIQ_OK);
  int64_t second = 0;
  assert_int_equal(msiq_store_settings_generation(store, &second, &diag),
                   MSIQ_OK);
  assert_true(second > first);
  assert_int_equal(msiq_store_setting_get(store, "window", &value, &diag),
                   MSIQ_OK);
  assert_string_equal(value, "22:00-05:00");
  free(value);

  /* The same value again writes nothing: the dispatchers need not look. */
  assert_int_equal(
      msiq_store_setting_set(store, "window", "22:00-05:00", &diag), MSIQ_OK);
  int64_t third = 0;
  assert_int_equal(msiq_store_settings_generation(store, &third, &diag),
                   MSIQ_OK);
  assert_int_equal(third, second);

  /* A new value replaces the old one and moves the generation. */
  assert_int_equal(
      msiq_store_setting_set(store, "window", "01:00-02:00", &diag), MSIQ_OK);
  assert_int_equal(msiq_store_setting_set(store, "poll", "1m30s", &diag),
                   MSIQ_OK);
  int64_t fourth = 0;
  assert_int_equal(msiq_store_settings_generation(store, &fourth, &diag),
                   MSIQ_OK);
  assert_true(fourth > third);

  char *json = NULL;
  assert_int_equal(msiq_store_settings_json(store, &json, &diag), MSIQ_OK);
  assert_string_equal(json, "{\"poll\":\"1m30s\",\"window\":\"01:00-02:00\"}");
  free(json);

  bool removed = false;
  assert_int_equal(msiq_store_setting_unset(store, "window", &removed, &diag),
                   MSIQ_OK);
  assert_true(removed);
  assert_int_equal(msiq_store_setting_unset(store, "window", &removed, &diag),
                   MSIQ_OK);
  assert_false(removed);
  int64_t fifth = 0;
  assert_int_equal(msiq_store_settings_generation(store, &fifth, &diag),
                   MSIQ_OK);
  assert_true(fifth > fourth);
  assert_int_equal(msiq_store_setting_get(store, "window", &value, &diag),
                   MSIQ_OK);
  assert_null(value);
}

typedef struct collected {
  char text[256];
  int count;
} collected;

static int collect_setting(void *context, const char *name, const char *value,
                           msiq_diag *diag) {
  (void)diag;
  collected *seen = context;
  size_t used = strlen(seen->text);
  snprintf(seen->text + used, sizeof seen->text - used, "%s=%s;", name, value);
  seen->count++;
  return MSIQ_OK;
}

static int stop_at_first(void *context, const char *name, const char *value,
                         msiq_diag *diag) {
  (void)name;
  (void)value;
  ((collected *)context)->count++;
  return msiq_diag_set(diag, MSIQ_EINVAL, "stop");
}

static void test_store_lists_by_name_and_stops_on_request(void **state) {
  test_store_fixture *fixture = *state;
  msiq_store *store = fixture->store;
  msiq_diag diag = {{0}};
  collected seen = {"", 0};
  assert_int_equal(
      msiq_store_settings_list(store, collect_setting, &seen, &diag), MSIQ_OK);
  assert_int_equal(seen.count, 0);
  char *json = NULL;
  assert_int_equal(msiq_store_settings_json(store, &json, &diag), MSIQ_OK);
  assert_string_equal(json, "{}");
  free(json);

  assert_int_equal(msiq_store_setting_set(store, "retry-max", "1h", &diag),
                   MSIQ_OK);
  assert_int_equal(
      msiq_store_setting_set(store, "log-dir", "C:\\a \"b\"", &diag), MSIQ_OK);
  assert_int_equal(
      msiq_store_settings_list(store, collect_setting, &seen, &diag), MSIQ_OK);
  assert_string_equal(seen.text, "log-dir=C:\\a \"b\";retry-max=1h;");
  /* The JSON escapes what the value holds. */
  assert_int_equal(msiq_store_settings_json(store, &json, &diag), MSIQ_OK);
  assert_string_equal(
      json, "{\"log-dir\":\"C:\\\\a \\\"b\\\"\",\"retry-max\":\"1h\"}");
  free(json);

  collected stopped = {"", 0};
  assert_int_equal(
      msiq_store_settings_list(store, stop_at_first, &stopped, &diag),
      MSIQ_EINVAL);
  assert_int_equal(stopped.count, 1);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_names_are_the_run_options),
      cmocka_unit_test(test_values_parse_as_the_options_do),
      cmocka_unit_test(test_bad_values_are_refused_and_change_nothing),
      cmocka_unit_test_setup_teardown(test_store_keeps_sets_and_unsets,
                                      test_store_fixture_setup,
                                      test_store_fixture_teardown),
      cmocka_unit_test_setup_teardown(
          test_store_lists_by_name_and_stops_on_request,
          test_store_fixture_setup, test_store_fixture_teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
