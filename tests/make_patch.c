/* make_patch.c: writes a minimal patch package (.msp) for the tests of
 * package metadata, with libmsi: an OLE compound file with the patch class
 * id, summary information (Title "Patch", Subject, Template = the target
 * product codes, Revision Number = the patch code) and an MsiPatchMetadata
 * table with a DisplayName. It holds no transforms, so Windows Installer
 * could not apply it; msiq only reads what it says. wixl cannot build
 * patches, and binary fixtures are never committed.
 *
 * usage: make_patch OUT PATCH_CODE TARGETS DISPLAY_NAME
 *   TARGETS: product codes separated by ';'; DISPLAY_NAME "" for none (the
 *   Subject then names the patch). */
#include <stdio.h>
#include <string.h>

#include <libmsi.h>

static int fail(const char *doing, GError *error) {
  fprintf(stderr, "make_patch: %s: %s\n", doing,
          error != NULL ? error->message : "failed");
  return 1;
}

static int run_sql(LibmsiDatabase *database, const char *sql) {
  GError *error = NULL;
  LibmsiQuery *query = libmsi_query_new(database, sql, &error);
  if (query == NULL || !libmsi_query_execute(query, NULL, &error)) {
    return fail(sql, error);
  }
  libmsi_query_close(query, NULL);
  g_object_unref(query);
  return 0;
}

int main(int argc, char **argv) {
  if (argc != 5) {
    fprintf(stderr, "usage: make_patch OUT PATCH_CODE TARGETS DISPLAY_NAME\n");
    return 2;
  }
  GError *error = NULL;
  LibmsiDatabase *database = libmsi_database_new(
      argv[1], LIBMSI_DB_FLAGS_CREATE | LIBMSI_DB_FLAGS_PATCH, NULL, &error);
  if (database == NULL) {
    return fail("creating the patch", error);
  }
  if (argv[4][0] != '\0') {
    char insert[512];
    snprintf(insert, sizeof insert,
             "INSERT INTO `MsiPatchMetadata` (`Property`, `Value`) VALUES "
             "('DisplayName', '%s')",
             argv[4]);
    if (run_sql(database,
                "CREATE TABLE `MsiPatchMetadata` (`Company` CHAR(72), "
                "`Property` CHAR(72) NOT NULL, `Value` LONGCHAR NOT NULL "
                "PRIMARY KEY `Company`, `Property`)") != 0 ||
        run_sql(database, insert) != 0) {
      return 1;
    }
  }
  LibmsiSummaryInfo *summary = libmsi_summary_info_new(database, 8, &error);
  if (summary == NULL ||
      !libmsi_summary_info_set_string(summary, LIBMSI_PROPERTY_TITLE, "Patch",
                                      &error) ||
      !libmsi_summary_info_set_string(summary, LIBMSI_PROPERTY_SUBJECT,
                                      "Subject of the test patch", &error) ||
      !libmsi_summary_info_set_string(summary, LIBMSI_PROPERTY_TEMPLATE,
                                      argv[3], &error) ||
      !libmsi_summary_info_set_string(summary, LIBMSI_PROPERTY_UUID, argv[2],
                                      &error) ||
      !libmsi_summary_info_set_int(summary, LIBMSI_PROPERTY_VERSION, 300,
                                   &error) ||
      !libmsi_summary_info_persist(summary, &error)) {
    return fail("writing the summary information", error);
  }
  if (!libmsi_database_commit(database, &error)) {
    return fail("committing the patch", error);
  }
  g_object_unref(summary);
  g_object_unref(database);
  return 0;
}
