/* host_posix_package.c: reading a Windows Installer package's metadata
 * (msiq_host_package_read, host.h) with libmsi, msitools' own library, so
 * the simulation reads the same real packages wixl builds for the tests.
 * Read-only: nothing is ever written to the package. */
#include "host/host.h"
#include "host/host_files.h"
#include "host/host_test_settings.h"
#include "core/text.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <libmsi.h>

/* Windows Installer's summary information property ids (the same numbers
 * on every platform; libmsi names them LIBMSI_PROPERTY_*). */
#define PACKAGE_SUMMARY_SUBJECT  LIBMSI_PROPERTY_SUBJECT
#define PACKAGE_SUMMARY_TEMPLATE LIBMSI_PROPERTY_TEMPLATE
#define PACKAGE_SUMMARY_REVISION LIBMSI_PROPERTY_UUID

/* A summary text, NULL when the package has none or it is not a text. */
static const char *package_summary_text(LibmsiSummaryInfo *summary,
                                        LibmsiProperty property) {
  GError *error = NULL;
  if (libmsi_summary_info_get_property_type(summary, property, &error) !=
      LIBMSI_PROPERTY_TYPE_STRING) {
    g_clear_error(&error);
    return NULL;
  }
  const char *text = libmsi_summary_info_get_string(summary, property, &error);
  g_clear_error(&error);
  return text;
}

/* Runs sql (two text columns: a name and a value) and hands each row to
 * take; false when the query cannot run (the table is missing). */
static bool package_query_pairs(LibmsiDatabase *database, const char *sql,
                                int (*take)(msiq_package_info *info,
                                            const char *name,
                                            const char *value),
                                msiq_package_info *info, int *status) {
  GError *error = NULL;
  LibmsiQuery *query = libmsi_query_new(database, sql, &error);
  if (query == NULL || !libmsi_query_execute(query, NULL, &error)) {
    g_clear_error(&error);
    if (query != NULL) {
      g_object_unref(query);
    }
    return false;
  }
  LibmsiRecord *record;
  while (*status == MSIQ_OK &&
         (record = libmsi_query_fetch(query, &error)) != NULL) {
    char *name = libmsi_record_get_string(record, 1);
    char *value = libmsi_record_get_string(record, 2);
    if (name != NULL && value != NULL) {
      *status = take(info, name, value);
    }
    g_free(name);
    g_free(value);
    g_object_unref(record);
  }
  g_clear_error(&error);
  libmsi_query_close(query, NULL);
  g_object_unref(query);
  return true;
}

/* libmsi explains a refusal through GLib's log (a CRITICAL on standard
 * error) rather than its GError; while a package is read, the log's last
 * message is kept here instead, to become the reason msiq gives in its one
 * line. */
typedef struct package_log {
  char last[256];
} package_log;

static void package_log_keep(const gchar *domain, GLogLevelFlags level,
                             const gchar *message, gpointer data) {
  (void)domain;
  (void)level;
  package_log *log = data;
  snprintf(log->last, sizeof log->last, "%s", message);
  /* Some of libmsi's messages end in a line end; msiq's line has its own. */
  size_t length = strlen(log->last);
  while (length > 0 &&
         (log->last[length - 1] == '\n' || log->last[length - 1] == '\r' ||
          log->last[length - 1] == ' ')) {
    log->last[--length] = '\0';
  }
}

/* Why libmsi refused: its GError's words, else the last thing it logged. */
static const char *package_reason(const GError *error, const package_log *log) {
  if (error != NULL && error->message != NULL && error->message[0] != '\0') {
    return error->message;
  }
  return log->last[0] != '\0' ? log->last : "no reason given";
}

int msiq_host_package_read(const char *path, bool patch,
                           msiq_package_info *info, msiq_diag *diag) {
  msiq_package_info_cleanup(info);
  int status = host_package_check_header(path, diag);
  if (status != MSIQ_OK) {
    return status;
  }
  package_log log = {{0}};
  GLogFunc previous_handler = g_log_set_default_handler(package_log_keep, &log);
  GError *error = NULL;
  LibmsiSummaryInfo *summary = NULL;
  LibmsiDatabase *database = libmsi_database_new(
      path, LIBMSI_DB_FLAGS_READONLY | (patch ? LIBMSI_DB_FLAGS_PATCH : 0),
      NULL, &error);
  if (database == NULL) {
    status = msiq_diag_set(diag, MSIQ_ENOT_PACKAGE, "libmsi cannot open it: %s",
                           package_reason(error, &log));
    goto cleanup;
  }
  summary = libmsi_summary_info_new(database, 0, &error);
  if (summary == NULL) {
    status = msiq_diag_set(diag, MSIQ_ENOT_PACKAGE,
                           "it has no summary information: %s",
                           package_reason(error, &log));
    goto cleanup;
  }
  const char *template_text =
      package_summary_text(summary, PACKAGE_SUMMARY_TEMPLATE);
  if (patch) {
    info->kind = MSIQ_PACKAGE_KIND_PATCH;
    status = msiq_package_info_parse_patch(
        info, template_text,
        package_summary_text(summary, PACKAGE_SUMMARY_REVISION), diag);
    if (status == MSIQ_OK &&
        !package_query_pairs(database,
                             "SELECT `Property`, `Value` FROM "
                             "`MsiPatchMetadata`",
                             msiq_package_info_take_patch_metadata, info,
                             &status)) {
      status = MSIQ_OK;
    }
    /* A patch without MsiPatchMetadata (made before Windows Installer 3)
     * is named by its summary's Subject. */
    if (status == MSIQ_OK && info->display_name == NULL) {
      status = msiq_package_info_set(
          &info->display_name,
          package_summary_text(summary, PACKAGE_SUMMARY_SUBJECT));
    }
  } else {
    info->kind = MSIQ_PACKAGE_KIND_PRODUCT;
    status = msiq_package_info_parse_template(info, template_text, diag);
    if (status == MSIQ_OK &&
        !package_query_pairs(database,
                             "SELECT `Property`, `Value` FROM `Property`",
                             msiq_package_info_take_property, info, &status)) {
      status =
          msiq_diag_set(diag, MSIQ_ENOT_PACKAGE, "it has no Property table");
    }
  }
  if (status == MSIQ_ENOMEM) {
    msiq_diag_set(diag, MSIQ_ENOMEM, "out of memory");
  }

cleanup:
  /* GLib does not return the previous handler's data; msiq sets no other
   * handler, so it is GLib's own, which takes none. */
  g_log_set_default_handler(previous_handler, NULL);
  g_clear_error(&error);
  if (summary != NULL) {
    g_object_unref(summary);
  }
  if (database != NULL) {
    g_object_unref(database);
  }
  if (status != MSIQ_OK) {
    msiq_package_info_cleanup(info);
  }
  return status;
}

/* Installed products, simulated.
 *
 * The folder named by MSIQ_SIM_PRODUCTS_DIR (docs/testing.md) stands for
 * Windows Installer's record of installed products: one file per product,
 * named by its product code, whose first line is its version. */

/* The product's file in the folder into buffer; false when the setting is
 * unset or the code could name anything but a file in that folder. */
static bool product_file_path(const char *product_code, char *buffer,
                              size_t size) {
  const char *directory = host_test_getenv("MSIQ_SIM_PRODUCTS_DIR");
  if (directory == NULL || directory[0] == '\0' || product_code == NULL ||
      product_code[0] == '\0' || strchr(product_code, '/') != NULL ||
      product_code[0] == '.') {
    return false;
  }
  int written = snprintf(buffer, size, "%s/%s", directory, product_code);
  return written > 0 && (size_t)written < size;
}

int msiq_host_product_installed_version(const char *product_code, bool *known,
                                        char **version, msiq_diag *diag) {
  *known = false;
  *version = NULL;
  char path[4096];
  if (!product_file_path(product_code, path, sizeof path)) {
    return MSIQ_OK;
  }
  *known = true;
  FILE *file = fopen(path, "r");
  if (file == NULL) {
    if (errno == ENOENT) {
      return MSIQ_OK;
    }
    return msiq_diag_set(diag, MSIQ_EIO, "cannot read %s: %s", path,
                         strerror(errno));
  }
  char line[256] = "";
  bool read = fgets(line, sizeof line, file) != NULL;
  fclose(file);
  line[strcspn(line, "\r\n")] = '\0';
  /* An empty file is a product whose version nobody recorded. */
  *version = msiq_text_duplicate(read ? line : "");
  if (*version == NULL) {
    return msiq_diag_set(diag, MSIQ_ENOMEM, "out of memory");
  }
  return MSIQ_OK;
}

void msiq_host_product_note_result(const char *product_code,
                                   const char *version) {
  char path[4096];
  if (!product_file_path(product_code, path, sizeof path)) {
    return;
  }
  if (version == NULL) {
    remove(path);
    return;
  }
  FILE *file = fopen(path, "w");
  if (file != NULL) {
    fprintf(file, "%s\n", version);
    fclose(file);
  }
}
