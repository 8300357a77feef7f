/* test_host_holder.c: the host's answer to "who holds the installer"
 * (msiq_host_find_installer_holder).
 *
 * Natively against the simulation: the file MSIQ_SIM_MUTEX.holder in each
 * of its forms, and what counts for nothing. Under Windows (Wine) against
 * the real process list: this test starts a copy of itself named
 * msiexec.exe, whose command line the host must read; and a copy started
 * as the service's own "msiexec.exe /V", which it must pass over. Wine's
 * event log is a stub, so there the event log teaches nothing and the
 * process list answers, which this also shows.
 */
#include "test_support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host/host.h"

#ifdef _WIN32
#include <windows.h>

/* The child: a stand-in msiexec.exe that only waits to be ended. */
#define CHILD_WORD L"holder-child"

typedef struct child {
  PROCESS_INFORMATION process;
} child;

static void child_start(child *self, const wchar_t *arguments) {
  wchar_t self_path[MAX_PATH];
  assert_true(GetModuleFileNameW(NULL, self_path, MAX_PATH) > 0);
  wchar_t directory[MAX_PATH];
  assert_true(
      GetEnvironmentVariableW(L"MSIQ_TEST_TMPDIR", directory, MAX_PATH) > 0);
  wchar_t copy[MAX_PATH * 2];
  swprintf(copy, sizeof copy / sizeof copy[0], L"%ls\\msiexec.exe", directory);
  assert_true(CopyFileW(self_path, copy, FALSE));
  wchar_t line[MAX_PATH * 3];
  swprintf(line, sizeof line / sizeof line[0], L"\"%ls\" %ls", copy, arguments);
  STARTUPINFOW startup = {.cb = sizeof startup};
  assert_true(CreateProcessW(copy, line, NULL, NULL, FALSE, 0, NULL, NULL,
                             &startup, &self->process));
  /* Until the child runs its main, its command line may not be set up. */
  WaitForInputIdle(self->process.hProcess, 2000);
  Sleep(0);
}

static void child_stop(child *self) {
  TerminateProcess(self->process.hProcess, 0);
  WaitForSingleObject(self->process.hProcess, 10000);
  CloseHandle(self->process.hProcess);
  CloseHandle(self->process.hThread);
}

static void test_process_list_names_msiexec_and_its_command_line(void **state) {
  (void)state;
  child holder;
  child_start(&holder, CHILD_WORD L" /i C:\\Packages\\Example.msi /qn");
  msiq_installer_holder found;
  bool known = false;
  /* A process just created may not be in a snapshot with its command line
   * at once under Wine; a few looks, no timing asserted. */
  for (int look = 0; look < 50; look++) {
    known = msiq_host_find_installer_holder(&found) &&
            strstr(found.command_line, "Example.msi") != NULL;
    if (known) {
      break;
    }
    Sleep(100);
  }
  child_stop(&holder);
  assert_true(known);
  assert_int_equal(found.source, MSIQ_HOLDER_SOURCE_PROCESS_LIST);
  assert_int_equal(found.process_id, (int64_t)holder.process.dwProcessId);
  assert_non_null(strstr(found.command_line, "msiexec.exe"));
  assert_non_null(
      strstr(found.command_line, "/i C:\\Packages\\Example.msi /qn"));
  char text[4096];
  msiq_installer_holder_describe(&found, text, sizeof text);
  char expected_end[64];
  snprintf(expected_end, sizeof expected_end, "(process %lu)",
           (unsigned long)holder.process.dwProcessId);
  assert_non_null(strstr(text, expected_end));
}

static void test_service_process_is_passed_over(void **state) {
  (void)state;
  child service;
  /* The program's only argument must be /V for the service's process, so
   * the child recognises itself by the argument alone. */
  child_start(&service, L"/V");
  Sleep(500);
  msiq_installer_holder found;
  bool known = msiq_host_find_installer_holder(&found);
  child_stop(&service);
  assert_false(known);
  assert_int_equal(found.source, MSIQ_HOLDER_SOURCE_NONE);
}

static void test_nothing_running_names_nobody(void **state) {
  (void)state;
  msiq_installer_holder found;
  assert_false(msiq_host_find_installer_holder(&found));
  assert_false(msiq_installer_holder_known(&found));
}

#else

static char mutex_path[512];
static char holder_path[560];

static int holder_setup(void **state) {
  (void)state;
  test_unique_path(mutex_path, sizeof mutex_path, "holder-mutex");
  snprintf(holder_path, sizeof holder_path, "%s.holder", mutex_path);
  return setenv("MSIQ_SIM_MUTEX", mutex_path, 1);
}

static int holder_teardown(void **state) {
  (void)state;
  remove(holder_path);
  return unsetenv("MSIQ_SIM_MUTEX");
}

static void test_no_setting_or_file_names_nobody(void **state) {
  (void)state;
  msiq_installer_holder found;
  assert_false(msiq_host_find_installer_holder(&found));
  unsetenv("MSIQ_SIM_MUTEX");
  test_write_file(holder_path, "1234 msiexec.exe /i C:\\x.msi\n");
  assert_false(msiq_host_find_installer_holder(&found));
  assert_false(msiq_installer_holder_known(&found));
}

static void test_process_line_is_the_process_list(void **state) {
  (void)state;
  test_write_file(holder_path, "1234 msiexec.exe /i C:\\x.msi /qn\n");
  msiq_installer_holder found;
  assert_true(msiq_host_find_installer_holder(&found));
  assert_int_equal(found.source, MSIQ_HOLDER_SOURCE_PROCESS_LIST);
  assert_int_equal(found.process_id, 1234);
  assert_string_equal(found.command_line, "msiexec.exe /i C:\\x.msi /qn");
  char text[256];
  msiq_installer_holder_describe(&found, text, sizeof text);
  assert_string_equal(text, "msiexec.exe /i C:\\x.msi /qn (process 1234)");
}

static void test_events_are_the_event_log(void **state) {
  (void)state;
  test_write_file(
      holder_path,
      "<Event><System><Provider Name='MsiInstaller'/><EventID>1042</EventID>"
      "</System><EventData><Data>C:\\done.msi</Data><Data>7</Data>"
      "</EventData></Event>\n"
      "<Event><System><Provider Name='MsiInstaller'/><EventID>1040</EventID>"
      "</System><EventData><Data>C:\\open.msi</Data><Data>8</Data>"
      "</EventData></Event>\n"
      "<Event><System><Provider Name='MsiInstaller'/><EventID>1040</EventID>"
      "</System><EventData><Data>C:\\done.msi</Data><Data>7</Data>"
      "</EventData></Event>\n");
  msiq_installer_holder found;
  assert_true(msiq_host_find_installer_holder(&found));
  assert_int_equal(found.source, MSIQ_HOLDER_SOURCE_EVENT_LOG);
  assert_int_equal(found.process_id, 8);
  assert_string_equal(found.package, "C:\\open.msi");
}

static void test_what_teaches_nothing(void **state) {
  (void)state;
  static const char *const nothing[] = {
      "",
      "\n",
      "msiexec.exe /i C:\\x.msi\n",
      "0 msiexec.exe /i C:\\x.msi\n",
      "12\n",
      "12 C:\\Windows\\system32\\msiexec.exe /V\n",
      "<Event><System><Provider Name='Other'/><EventID>1040</EventID>"
      "</System><EventData><Data>a</Data><Data>1</Data></EventData></Event>",
      "<Event><System><Provider Name='MsiInstaller'/>",
  };
  for (size_t i = 0; i < sizeof nothing / sizeof nothing[0]; i++) {
    test_write_file(holder_path, nothing[i]);
    msiq_installer_holder found;
    assert_false(msiq_host_find_installer_holder(&found));
    assert_int_equal(found.source, MSIQ_HOLDER_SOURCE_NONE);
  }
}

#endif

int main(int argc, char **argv) {
#ifdef _WIN32
  /* Started by the tests above as msiexec.exe: wait to be ended. */
  if (argc > 1 &&
      (strcmp(argv[1], "holder-child") == 0 || strcmp(argv[1], "/V") == 0)) {
    Sleep(60000);
    return 0;
  }
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_nothing_running_names_nobody),
      cmocka_unit_test(test_process_list_names_msiexec_and_its_command_line),
      cmocka_unit_test(test_service_process_is_passed_over),
  };
#else
  (void)argc;
  (void)argv;
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_no_setting_or_file_names_nobody,
                                      holder_setup, holder_teardown),
      cmocka_unit_test_setup_teardown(test_process_line_is_the_process_list,
                                      holder_setup, holder_teardown),
      cmocka_unit_test_setup_teardown(test_events_are_the_event_log,
                                      holder_setup, holder_teardown),
      cmocka_unit_test_setup_teardown(test_what_teaches_nothing, holder_setup,
                                      holder_teardown),
  };
#endif
  return cmocka_run_group_tests(tests, NULL, NULL);
}
