/* test_error.c: the status table yields names, messages and exit codes. */
#include "test_support.h"

#include <string.h>

#include "core/text.h"

static void test_every_status_has_name_message_and_exit_code(void **state) {
  (void)state;
#define CHECK_STATUS(name, value, exit_code, message)                          \
  assert_string_equal(msiq_err_name(MSIQ_E##name), "MSIQ_E" #name);            \
  assert_string_equal(msiq_strerror(MSIQ_E##name), message);                   \
  assert_int_equal(msiq_status_exit_code(MSIQ_E##name), exit_code);            \
  assert_true(MSIQ_E##name < 0);
  MSIQ_STATUS_MAP(CHECK_STATUS)
#undef CHECK_STATUS
  assert_int_equal(msiq_status_exit_code(MSIQ_OK), 0);
  assert_string_equal(msiq_err_name(12345), "MSIQ_UNKNOWN");
}

static void test_exit_codes_match_the_cli_contract(void **state) {
  (void)state;
  assert_int_equal(msiq_status_exit_code(MSIQ_EUSAGE), 2);
  assert_int_equal(msiq_status_exit_code(MSIQ_EINVAL), 2);
  assert_int_equal(msiq_status_exit_code(MSIQ_ENOT_FOUND), 3);
  assert_int_equal(msiq_status_exit_code(MSIQ_ESTATE), 3);
  assert_int_equal(msiq_status_exit_code(MSIQ_ECORRUPT), 4);
  assert_int_equal(msiq_status_exit_code(MSIQ_ELOCKED), 4);
  assert_int_equal(msiq_status_exit_code(MSIQ_EFULL), 4);
  assert_int_equal(msiq_status_exit_code(MSIQ_ESCHEMA), 4);
  assert_int_equal(msiq_status_exit_code(MSIQ_EDISPATCHER_RUNNING), 5);
}

static void test_diag_set_formats_and_returns_status(void **state) {
  (void)state;
  msiq_diag diag = {{0}};
  assert_int_equal(msiq_diag_set(&diag, MSIQ_EINVAL, "bad '%s' %d", "x", 7),
                   MSIQ_EINVAL);
  assert_string_equal(diag.message, "bad 'x' 7");
  /* A NULL diagnostic discards the message but keeps the status. */
  assert_int_equal(msiq_diag_set(NULL, MSIQ_ESTATE, "ignored"), MSIQ_ESTATE);
}

static void test_names_round_trip(void **state) {
  (void)state;
  for (int action = 0; action < MSIQ_ACTION_COUNT; action++) {
    msiq_action parsed;
    assert_int_equal(msiq_action_parse(msiq_action_name(action), &parsed),
                     MSIQ_OK);
    assert_int_equal(parsed, action);
    /* The messages' list of choices names it. */
    assert_non_null(strstr(MSIQ_ACTION_CHOICES, msiq_action_name(action)));
  }
  for (int job_state = 0; job_state < MSIQ_STATE_COUNT; job_state++) {
    msiq_state parsed;
    assert_int_equal(msiq_state_parse(msiq_state_name(job_state), &parsed),
                     MSIQ_OK);
    assert_int_equal(parsed, job_state);
  }
  /* Names match in any case, as admins type them ("--action Install"). */
  msiq_action action = MSIQ_ACTION_PATCH;
  assert_int_equal(msiq_action_parse("Install", &action), MSIQ_OK);
  assert_int_equal(action, MSIQ_ACTION_INSTALL);
  assert_int_equal(msiq_action_parse("UNINSTALL", &action), MSIQ_OK);
  assert_int_equal(action, MSIQ_ACTION_UNINSTALL);
  msiq_state job_state = MSIQ_STATE_QUEUED;
  assert_int_equal(msiq_state_parse("Failed", &job_state), MSIQ_OK);
  assert_int_equal(job_state, MSIQ_STATE_FAILED);
  assert_int_equal(msiq_action_parse("Instal", &action), MSIQ_EINVAL);
  assert_int_equal(msiq_action_parse("Install ", &action), MSIQ_EINVAL);
  assert_int_equal(msiq_state_parse("faile", &job_state), MSIQ_EINVAL);
  assert_int_equal(msiq_action_parse("", &action), MSIQ_EINVAL);
  assert_int_equal(action, MSIQ_ACTION_UNINSTALL);
  assert_true(msiq_state_is_final(MSIQ_STATE_CANCELLED));
  assert_false(msiq_state_is_final(MSIQ_STATE_RETRYING));
}

/* A quoted text is one line of UTF-8 whatever it was: control characters
 * and bytes that are not part of well-formed UTF-8 become \xNN, characters
 * pass whole, and a cut never splits one. */
static void test_quote_keeps_messages_one_line_of_utf8(void **state) {
  (void)state;
  char quoted[64];
  msiq_quote_for_message("a\nb\x7f", quoted, sizeof quoted);
  assert_string_equal(quoted, "a\\x0ab\\x7f");
  msiq_quote_for_message("caf\xc3\xa9 \xe2\x82\xac", quoted, sizeof quoted);
  assert_string_equal(quoted, "caf\xc3\xa9 \xe2\x82\xac");
  msiq_quote_for_message("caf\xe9 \xed\xa0\x80 \xc3", quoted, sizeof quoted);
  assert_string_equal(quoted, "caf\\xe9 \\xed\\xa0\\x80 \\xc3");
  /* Room for "ab" and the ellipsis only: the euro sign is not cut. */
  char small[8];
  msiq_quote_for_message("ab\xe2\x82\xac"
                         "d",
                         small, sizeof small);
  assert_string_equal(small, "ab...");
  /* A prefix that ends inside a character escapes what it has of it. */
  msiq_quote_prefix_for_message("x\xc3\xa9", 2, quoted, sizeof quoted);
  assert_string_equal(quoted, "x\\xc3");
}

/* A message cut short at the size of the diagnostic never ends inside a
 * character. */
static void test_diag_cut_short_stays_utf8(void **state) {
  (void)state;
  msiq_diag diag = {{0}};
  char text[sizeof diag.message + 8];
  for (size_t shift = 0; shift < 4; shift++) {
    /* shift ASCII bytes, then euro signs (three bytes each) to the end. */
    size_t used = 0;
    for (; used < shift; used++) {
      text[used] = 'a';
    }
    while (used + 3 < sizeof text) {
      memcpy(text + used, "\xe2\x82\xac", 3);
      used += 3;
    }
    text[used] = '\0';
    msiq_diag_set(&diag, MSIQ_EINVAL, "%s", text);
    size_t length = strlen(diag.message);
    assert_true(length >= sizeof diag.message - 4);
    assert_true(msiq_text_is_utf8(diag.message));
    assert_int_equal((length - shift) % 3, 0);
  }
}

/* exec answers in msiexec's codes (issue 13): never msiq's 2, 3, 4 or 5. */
static void test_msiexec_codes_of_exec(void **state) {
  (void)state;
  assert_int_equal(msiq_status_msiexec_code(MSIQ_OK), 0);
  assert_int_equal(msiq_status_msiexec_code(MSIQ_EUSAGE), 1639);
  assert_int_equal(msiq_status_msiexec_code(MSIQ_EINVAL), 1639);
  assert_int_equal(msiq_status_msiexec_code(MSIQ_EPACKAGE_MISSING), 1619);
  assert_int_equal(msiq_status_msiexec_code(MSIQ_ENOT_PACKAGE), 1620);
  assert_int_equal(msiq_status_msiexec_code(MSIQ_ELOCKED), 1618);
  assert_int_equal(msiq_status_msiexec_code(MSIQ_EDISPATCHER_RUNNING), 1618);
  assert_int_equal(msiq_status_msiexec_code(MSIQ_ETIMEDOUT), 1460);
  assert_int_equal(msiq_status_msiexec_code(MSIQ_EINTERRUPTED), 1602);
  assert_int_equal(msiq_status_msiexec_code(MSIQ_EDATABASE), 1603);
  assert_int_equal(msiq_status_msiexec_code(-999), 1603);
  static const int statuses[] = {
#define STATUS_VALUE(name, value, exit_code, message) MSIQ_E##name,
      MSIQ_STATUS_MAP(STATUS_VALUE)
#undef STATUS_VALUE
  };
  for (size_t i = 0; i < sizeof statuses / sizeof statuses[0]; i++) {
    int code = msiq_status_msiexec_code(statuses[i]);
    assert_true(code >= 1460);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_msiexec_codes_of_exec),
      cmocka_unit_test(test_every_status_has_name_message_and_exit_code),
      cmocka_unit_test(test_exit_codes_match_the_cli_contract),
      cmocka_unit_test(test_diag_set_formats_and_returns_status),
      cmocka_unit_test(test_names_round_trip),
      cmocka_unit_test(test_quote_keeps_messages_one_line_of_utf8),
      cmocka_unit_test(test_diag_cut_short_stays_utf8),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
