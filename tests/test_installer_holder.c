/* test_installer_holder.c: reading MsiInstaller events, picking the open
 * transaction from recorded event lists (tests/fixtures/msi_events), the
 * service's own process, and the holder's one line. */
#include "test_support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/installer_holder.h"

/* A fixture's events, split at each </Event>, newest first as in the
 * file. */
typedef struct event_list {
  char *text;
  const char *events[16];
  size_t count;
} event_list;

static void event_list_load(event_list *list, const char *name) {
  const char *directory = getenv("MSIQ_TEST_FIXTURES");
  assert_non_null(directory);
  char path[1024];
  snprintf(path, sizeof path, "%s/msi_events/%s", directory, name);
  long size = 0;
  list->text = test_read_file(path, &size);
  assert_non_null(list->text);
  list->count = 0;
  char *at = list->text;
  char *event;
  while ((event = strstr(at, "<Event ")) != NULL) {
    char *end = strstr(event, "</Event>");
    assert_non_null(end);
    end += strlen("</Event>");
    char saved = *end;
    *end = '\0';
    assert_true(list->count < sizeof list->events / sizeof list->events[0]);
    list->events[list->count++] = event;
    if (saved == '\0') {
      break;
    }
    at = end + 1;
  }
  assert_true(list->count > 0);
}

static void event_list_free(event_list *list) {
  free(list->text);
}

static bool holder_of(const char *fixture, msiq_installer_holder *holder) {
  event_list list;
  event_list_load(&list, fixture);
  bool found =
      msiq_installer_holder_from_events(list.events, list.count, holder);
  event_list_free(&list);
  return found;
}

static void begin_without_end_names_the_package(void **state) {
  (void)state;
  msiq_installer_holder holder;
  assert_true(holder_of("begin_without_end.xml", &holder));
  assert_int_equal(holder.source, MSIQ_HOLDER_SOURCE_EVENT_LOG);
  assert_string_equal(holder.package, "C:\\Packages\\Example Tool 2.1.msi");
  assert_int_equal(holder.process_id, 1234);
  assert_string_equal(msiq_holder_source_name(holder.source), "event log");
  char text[256];
  msiq_installer_holder_describe(&holder, text, sizeof text);
  assert_string_equal(text,
                      "C:\\Packages\\Example Tool 2.1.msi (process 1234)");
}

static void begin_then_end_names_nobody(void **state) {
  (void)state;
  msiq_installer_holder holder;
  assert_false(holder_of("begin_then_end.xml", &holder));
  assert_int_equal(holder.source, MSIQ_HOLDER_SOURCE_NONE);
  assert_false(msiq_installer_holder_known(&holder));
  char text[64] = "x";
  msiq_installer_holder_describe(&holder, text, sizeof text);
  assert_string_equal(text, "");
}

static void overlapping_names_the_one_still_open(void **state) {
  (void)state;
  msiq_installer_holder holder;
  assert_true(holder_of("overlapping.xml", &holder));
  assert_int_equal(holder.process_id, 200);
  /* The entity is decoded. */
  assert_string_equal(holder.package, "Second Product & Friends");
}

static void malformed_records_are_skipped(void **state) {
  (void)state;
  msiq_installer_holder holder;
  assert_true(holder_of("malformed.xml", &holder));
  assert_int_equal(holder.process_id, 555);
  assert_string_equal(holder.package, "C:\\Packages\\Readable.msi");
}

static void foreign_source_names_nobody(void **state) {
  (void)state;
  msiq_installer_holder holder;
  assert_false(holder_of("foreign_source.xml", &holder));
  event_list list;
  event_list_load(&list, "foreign_source.xml");
  msiq_msi_event event;
  msiq_diag diag = {{0}};
  assert_int_equal(msiq_msi_event_parse(list.events[0], &event, &diag),
                   MSIQ_ENOT_FOUND);
  assert_message_contains(diag.message, "Example Backup Agent");
  event_list_free(&list);
}

/* An end whose begin is older than the list, and a begin of the same
 * process after an earlier, ended transaction: each end closes one begin. */
static void one_end_closes_one_begin(void **state) {
  (void)state;
  const char *begin = "<Event><System><Provider Name=\"MsiInstaller\"/>"
                      "<EventID>1040</EventID></System><EventData>"
                      "<Data>C:\\again.msi</Data><Data>9</Data>"
                      "</EventData></Event>";
  const char *end = "<Event><System><Provider Name=\"MsiInstaller\"/>"
                    "<EventID>1042</EventID></System><EventData>"
                    "<Data>C:\\again.msi</Data><Data>9</Data>"
                    "</EventData></Event>";
  msiq_installer_holder holder;
  /* Newest first: begin (open), end, begin. */
  const char *reopened[] = {begin, end, begin};
  assert_true(msiq_installer_holder_from_events(reopened, 3, &holder));
  assert_int_equal(holder.process_id, 9);
  /* Newest first: end, begin, begin: the older begin has no end. */
  const char *older_open[] = {end, begin, begin};
  assert_true(msiq_installer_holder_from_events(older_open, 3, &holder));
  const char *closed[] = {end, begin};
  assert_false(msiq_installer_holder_from_events(closed, 2, &holder));
  assert_false(msiq_installer_holder_from_events(NULL, 0, &holder));
}

static void parse_refuses_what_is_not_an_event(void **state) {
  (void)state;
  static const char *const bad[] = {
      "",
      "not xml at all",
      "<Event><System><Provider Name='MsiInstaller'/><EventID>1040</EventID>"
      "</System><EventData><Data>C:\\x.msi</Data><Data>12</Data></EventData>",
      "<Event><System><EventID>1040</EventID></System><EventData><Data>a"
      "</Data><Data>12</Data></EventData></Event>",
      "<Event><System><Provider Name='MsiInstaller'/></System><EventData>"
      "<Data>a</Data><Data>12</Data></EventData></Event>",
      "<Event><System><Provider Name='MsiInstaller'/><EventID>1040</EventID>"
      "</System></Event>",
      "<Event><System><Provider Name='MsiInstaller'/><EventID>1040</EventID>"
      "</System><EventData><Data>C:\\x.msi</Data></EventData></Event>",
      "<Event><System><Provider Name='MsiInstaller'/><EventID>1040</EventID>"
      "</System><EventData><Data>C:\\x.msi</Data><Data>-3</Data>"
      "</EventData></Event>",
      "<Event><System><Provider Name='MsiInstaller'/><EventID>1040</EventID>"
      "</System><EventData><Data>a &bogus; b</Data><Data>3</Data>"
      "</EventData></Event>",
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    msiq_msi_event event;
    msiq_diag diag = {{0}};
    assert_int_equal(msiq_msi_event_parse(bad[i], &event, &diag), MSIQ_EINVAL);
    assert_true(diag.message[0] != '\0');
    assert_message_is_one_line(diag.message);
  }
  msiq_msi_event event;
  msiq_diag diag = {{0}};
  assert_int_equal(msiq_msi_event_parse(NULL, &event, &diag), MSIQ_EINVAL);
}

static void parse_reads_white_space_and_references(void **state) {
  (void)state;
  const char *xml =
      "<Event xmlns=\"x\">\n  <System>\n    <Provider Name=\"MsiInstaller\" "
      "/>\n    <EventID Qualifiers=\"0\"> 1042 </EventID>\n  </System>\n"
      "  <EventData>\n    <Data>C:\\caf&#xE9;\\&lt;x&gt;.msi</Data>\n"
      "    <Data>\n 77 \n</Data>\n    <Data/>\n  </EventData>\n</Event>\n";
  msiq_msi_event event;
  msiq_diag diag = {{0}};
  assert_int_equal(msiq_msi_event_parse(xml, &event, &diag), MSIQ_OK);
  assert_int_equal(event.event_id, MSIQ_MSI_EVENT_TRANSACTION_END);
  assert_int_equal(event.process_id, 77);
  assert_string_equal(event.package, "C:\\caf\xc3\xa9\\<x>.msi");
}

static void service_process_is_recognised(void **state) {
  (void)state;
  assert_true(msiq_installer_holder_is_service_process(
      "C:\\Windows\\system32\\msiexec.exe /V"));
  assert_true(msiq_installer_holder_is_service_process(
      "\"C:\\Windows\\System32\\MSIEXEC.EXE\"  -v "));
  assert_false(
      msiq_installer_holder_is_service_process("msiexec.exe /i C:\\x.msi /qn"));
  assert_false(
      msiq_installer_holder_is_service_process("msiexec.exe /V /i C:\\x.msi"));
  assert_false(msiq_installer_holder_is_service_process("msiexec.exe"));
  assert_false(msiq_installer_holder_is_service_process(""));
}

static void describe_prefers_the_command_line(void **state) {
  (void)state;
  msiq_installer_holder holder = {.source = MSIQ_HOLDER_SOURCE_PROCESS_LIST,
                                  .process_id = 1234};
  snprintf(holder.command_line, sizeof holder.command_line,
           "msiexec.exe /i C:\\x.msi\r\n/qn");
  snprintf(holder.package, sizeof holder.package, "ignored");
  char text[256];
  msiq_installer_holder_describe(&holder, text, sizeof text);
  assert_string_equal(text, "msiexec.exe /i C:\\x.msi  /qn (process 1234)");
  assert_string_equal(msiq_holder_source_name(holder.source), "process list");
  msiq_installer_holder only_id = {.source = MSIQ_HOLDER_SOURCE_PROCESS_LIST,
                                   .process_id = 8};
  msiq_installer_holder_describe(&only_id, text, sizeof text);
  assert_string_equal(text, "process 8");
  msiq_installer_holder no_id = {.source = MSIQ_HOLDER_SOURCE_EVENT_LOG};
  snprintf(no_id.package, sizeof no_id.package, "Product");
  msiq_installer_holder_describe(&no_id, text, sizeof text);
  assert_string_equal(text, "Product");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(begin_without_end_names_the_package),
      cmocka_unit_test(begin_then_end_names_nobody),
      cmocka_unit_test(overlapping_names_the_one_still_open),
      cmocka_unit_test(malformed_records_are_skipped),
      cmocka_unit_test(foreign_source_names_nobody),
      cmocka_unit_test(one_end_closes_one_begin),
      cmocka_unit_test(parse_refuses_what_is_not_an_event),
      cmocka_unit_test(parse_reads_white_space_and_references),
      cmocka_unit_test(service_process_is_recognised),
      cmocka_unit_test(describe_prefers_the_command_line),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
