/* test_json.c: the JSON that `show`, `list` and `enqueue` print. */
#include "test_support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "store/store.h"

typedef struct json_fixture {
  test_store_fixture database;
  sqlite3 *checker; /* a separate connection used to inspect JSON text */
} json_fixture;

static int json_setup(void **state) {
  json_fixture *fixture = calloc(1, sizeof *fixture);
  assert_non_null(fixture);
  test_store_fixture_open(&fixture->database, "json");
  assert_int_equal(sqlite3_open(":memory:", &fixture->checker), SQLITE_OK);
  *state = fixture;
  return 0;
}

static int json_teardown(void **state) {
  json_fixture *fixture = *state;
  sqlite3_close(fixture->checker);
  test_store_fixture_close(&fixture->database);
  free(fixture);
  return 0;
}

/* Evaluates json_extract(json, path) (or another expression over ?1) and
 * returns it as text ("" for NULL); the result is valid until the next call. */
static const char *json_eval(json_fixture *fixture, const char *expression,
                             const char *json) {
  static char result[1024];
  sqlite3_stmt *statement = NULL;
  assert_int_equal(
      sqlite3_prepare_v2(fixture->checker, expression, -1, &statement, NULL),
      SQLITE_OK);
  sqlite3_bind_text(statement, 1, json, -1, SQLITE_STATIC);
  assert_int_equal(sqlite3_step(statement), SQLITE_ROW);
  const unsigned char *text = sqlite3_column_text(statement, 0);
  snprintf(result, sizeof result, "%s", text ? (const char *)text : "");
  sqlite3_finalize(statement);
  return result;
}

static int64_t enqueue_with_properties(json_fixture *fixture) {
  msiq_job_spec spec;
  test_spec_init(&spec, MSIQ_ACTION_INSTALL, "/pkgs/app.msi");
  msiq_diag diag = {{0}};
  spec.no_check = true;
  assert_int_equal(msiq_job_spec_add_property(&spec, "ZETA", "1", &diag),
                   MSIQ_OK);
  assert_int_equal(msiq_job_spec_add_property(
                       &spec, "ALPHA", "C:\\Program Files\\\"x\"", &diag),
                   MSIQ_OK);
  spec.deadline = 2111176800000; /* 2036-11-24T22:00:00Z */
  int64_t id = test_store_enqueue(fixture->database.store, &spec);
  msiq_job_spec_cleanup(&spec);
  return id;
}

static void test_job_json_has_every_documented_field(void **state) {
  json_fixture *fixture = *state;
  int64_t id = enqueue_with_properties(fixture);
  char *json = NULL;
  assert_int_equal(
      msiq_store_job_json(fixture->database.store, id, false, &json, NULL),
      MSIQ_OK);
  assert_string_equal(json_eval(fixture, "SELECT json_valid(?1)", json), "1");
  static const char *const fields[] = {
      "id",          "state",
      "action",      "target",
      "properties",  "priority",
      "attempts",    "max_attempts",
      "exit_code",   "reboot_required",
      "not_before",  "deadline",
      "after",       "key",
      "created_at",  "started_at",
      "finished_at", "last_error",
  };
  for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
    char expression[128];
    snprintf(expression, sizeof expression,
             "SELECT json_type(?1, '$.%s') IS NOT NULL", fields[i]);
    assert_string_equal(json_eval(fixture, expression, json), "1");
  }
  assert_string_equal(
      json_eval(fixture, "SELECT json_extract(?1, '$.state')", json), "queued");
  assert_string_equal(
      json_eval(fixture, "SELECT json_type(?1, '$.reboot_required')", json),
      "false");
  assert_string_equal(
      json_eval(fixture, "SELECT json_type(?1, '$.exit_code')", json), "null");
  assert_string_equal(
      json_eval(fixture, "SELECT json_extract(?1, '$.deadline')", json),
      "2036-11-24T22:00:00Z");
  /* The history appears only when asked for. */
  assert_string_equal(
      json_eval(fixture, "SELECT json_type(?1, '$.history')", json), "");
  free(json);
}

static void test_properties_keep_their_order_and_text(void **state) {
  json_fixture *fixture = *state;
  int64_t id = enqueue_with_properties(fixture);
  char *json = NULL;
  assert_int_equal(
      msiq_store_job_json(fixture->database.store, id, true, &json, NULL),
      MSIQ_OK);
  assert_string_equal(
      json_eval(fixture,
                "SELECT group_concat(key, ',') FROM json_each(?1, "
                "'$.properties')",
                json),
      "ZETA,ALPHA");
  assert_string_equal(
      json_eval(fixture, "SELECT json_extract(?1, '$.properties.ALPHA')", json),
      "C:\\Program Files\\\"x\"");
  assert_string_equal(
      json_eval(fixture, "SELECT json_type(?1, '$.history')", json), "array");
  free(json);
}

static void test_list_json_is_an_array_filtered_by_state(void **state) {
  json_fixture *fixture = *state;
  int64_t first = enqueue_with_properties(fixture);
  enqueue_with_properties(fixture);
  bool requested = false;
  assert_int_equal(msiq_store_cancel(fixture->database.store, first, false,
                                     &requested, NULL),
                   MSIQ_OK);
  char *json = NULL;
  assert_int_equal(
      msiq_store_list_json(fixture->database.store, -1, &json, NULL), MSIQ_OK);
  assert_string_equal(json_eval(fixture, "SELECT json_array_length(?1)", json),
                      "2");
  free(json);
  assert_int_equal(msiq_store_list_json(fixture->database.store,
                                        MSIQ_STATE_CANCELLED, &json, NULL),
                   MSIQ_OK);
  assert_string_equal(json_eval(fixture, "SELECT json_array_length(?1)", json),
                      "1");
  assert_string_equal(
      json_eval(fixture, "SELECT json_extract(?1, '$[0].state')", json),
      "cancelled");
  free(json);
  assert_int_equal(msiq_store_list_json(fixture->database.store,
                                        MSIQ_STATE_FAILED, &json, NULL),
                   MSIQ_OK);
  assert_string_equal(json, "[]");
  free(json);
}

static void test_unknown_job_is_not_found(void **state) {
  json_fixture *fixture = *state;
  char *json = NULL;
  msiq_diag diag = {{0}};
  assert_int_equal(
      msiq_store_job_json(fixture->database.store, 77, false, &json, &diag),
      MSIQ_ENOT_FOUND);
  assert_null(json);
  assert_non_null(strstr(diag.message, "77"));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_job_json_has_every_documented_field,
                                      json_setup, json_teardown),
      cmocka_unit_test_setup_teardown(test_properties_keep_their_order_and_text,
                                      json_setup, json_teardown),
      cmocka_unit_test_setup_teardown(
          test_list_json_is_an_array_filtered_by_state, json_setup,
          json_teardown),
      cmocka_unit_test_setup_teardown(test_unknown_job_is_not_found, json_setup,
                                      json_teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
