/* host_posix_package.c: reading a Windows Installer package's metadata
 * (msiq_host_package_read, host.h) with libmsi, msitools' own library, so
 * the simulation reads the same real packages wixl builds for the tests.
 * Read-only: nothing is ever written to the package.
 *
 * msiq is not linked against libmsi: the library (and with it GLib, GIO,
 * libgsf and ICU) is loaded with dlopen the first time a package is read.
 * Loading it at every start cost each msiq process about 13 ms, although
 * only enqueue, import and exec read packages. */
#include "host/host.h"
#include "host/host_files.h"
#include "host/host_test_settings.h"
#include "core/decision.h"
#include "core/text.h"

#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* For the types and the functions' prototypes only: every call goes
 * through the pointers below. */
#include <libmsi.h>

/* The library's file name (its soname), as dlopen finds it. */
#define PACKAGE_LIBMSI_NAME "libmsi.so.0"

/* The functions msiq uses, from libmsi and from the GLib and GObject it
 * brings (dlsym on libmsi's handle also searches the libraries it
 * depends on). Each pointer has the type of the header's declaration, so
 * a call through it is checked just like a direct call. */
typedef struct package_libmsi {
  __typeof__(&libmsi_database_new) database_new;
  __typeof__(&libmsi_summary_info_new) summary_info_new;
  __typeof__(&libmsi_summary_info_get_property_type)
      summary_info_get_property_type;
  __typeof__(&libmsi_summary_info_get_string) summary_info_get_string;
  __typeof__(&libmsi_query_new) query_new;
  __typeof__(&libmsi_query_execute) query_execute;
  __typeof__(&libmsi_query_fetch) query_fetch;
  __typeof__(&libmsi_query_close) query_close;
  __typeof__(&libmsi_record_get_string) record_get_string;
  __typeof__(&g_clear_error) clear_error;
  __typeof__(&g_free) free;
  __typeof__(&g_object_unref) object_unref;
  __typeof__(&g_log_set_default_handler) log_set_default_handler;
} package_libmsi;

static package_libmsi package_lib;
/* Why the library could not be loaded; empty when it was. */
static char package_lib_error[256];
static pthread_once_t package_lib_once = PTHREAD_ONCE_INIT;

/* Loads the library and looks up every function, once per process
 * (pthread_once, although msiq reads packages on one thread only). The
 * test setting MSIQ_SIM_LIBMSI names another file to load instead
 * (docs/testing.md), so a test can see what happens when it is missing.
 * The library is never unloaded: GLib's types cannot be. */
static void package_lib_load(void) {
  const char *name = host_test_getenv("MSIQ_SIM_LIBMSI");
  if (name == NULL || name[0] == '\0') {
    name = PACKAGE_LIBMSI_NAME;
  }
  void *handle = dlopen(name, RTLD_NOW | RTLD_LOCAL);
  if (handle == NULL) {
    const char *why = dlerror();
    /* dlerror starts with the name itself, which the line already says. */
    size_t name_length = strlen(name);
    if (why != NULL && strncmp(why, name, name_length) == 0 &&
        why[name_length] == ':' && why[name_length + 1] == ' ') {
      why += name_length + 2;
    }
    snprintf(package_lib_error, sizeof package_lib_error,
             "cannot load %s (msitools' library, which reads packages): %s",
             name, why != NULL ? why : "no reason given");
    return;
  }
  /* POSIX guarantees that dlsym's data pointer holds a function's address;
   * ISO C has no conversion between the two, so the bytes are copied. */
#define PACKAGE_LIB_SYMBOL(field, symbol)                                      \
  do {                                                                         \
    void *address = dlsym(handle, #symbol);                                    \
    if (address == NULL) {                                                     \
      snprintf(package_lib_error, sizeof package_lib_error,                    \
               "cannot load %s (msitools' library, which reads packages): "    \
               "it has no %s",                                                 \
               name, #symbol);                                                 \
      return;                                                                  \
    }                                                                          \
    memcpy(&package_lib.field, &address, sizeof package_lib.field);            \
  } while (0)
  PACKAGE_LIB_SYMBOL(database_new, libmsi_database_new);
  PACKAGE_LIB_SYMBOL(summary_info_new, libmsi_summary_info_new);
  PACKAGE_LIB_SYMBOL(summary_info_get_property_type,
                     libmsi_summary_info_get_property_type);
  PACKAGE_LIB_SYMBOL(summary_info_get_string, libmsi_summary_info_get_string);
  PACKAGE_LIB_SYMBOL(query_new, libmsi_query_new);
  PACKAGE_LIB_SYMBOL(query_execute, libmsi_query_execute);
  PACKAGE_LIB_SYMBOL(query_fetch, libmsi_query_fetch);
  PACKAGE_LIB_SYMBOL(query_close, libmsi_query_close);
  PACKAGE_LIB_SYMBOL(record_get_string, libmsi_record_get_string);
  PACKAGE_LIB_SYMBOL(clear_error, g_clear_error);
  PACKAGE_LIB_SYMBOL(free, g_free);
  PACKAGE_LIB_SYMBOL(object_unref, g_object_unref);
  PACKAGE_LIB_SYMBOL(log_set_default_handler, g_log_set_default_handler);
#undef PACKAGE_LIB_SYMBOL
}

/* MSIQ_OK once the library is loaded, else MSIQ_EHOST with the reason in
 * diag (the same reason at every call: a failed load is not retried). */
static int package_lib_ready(msiq_diag *diag) {
  pthread_once(&package_lib_once, package_lib_load);
  if (package_lib_error[0] != '\0') {
    return msiq_diag_set(diag, MSIQ_EHOST, "%s", package_lib_error);
  }
  return MSIQ_OK;
}

/* Windows Installer's summary information property ids (the same numbers
 * on every platform; libmsi names them LIBMSI_PROPERTY_*). */
#define PACKAGE_SUMMARY_SUBJECT  LIBMSI_PROPERTY_SUBJECT
#define PACKAGE_SUMMARY_TEMPLATE LIBMSI_PROPERTY_TEMPLATE
#define PACKAGE_SUMMARY_REVISION LIBMSI_PROPERTY_UUID

/* A summary text, NULL when the package has none or it is not a text. */
static const char *package_summary_text(LibmsiSummaryInfo *summary,
                                        LibmsiProperty property) {
  GError *error = NULL;
  if (package_lib.summary_info_get_property_type(summary, property, &error) !=
      LIBMSI_PROPERTY_TYPE_STRING) {
    package_lib.clear_error(&error);
    return NULL;
  }
  const char *text =
      package_lib.summary_info_get_string(summary, property, &error);
  package_lib.clear_error(&error);
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
  LibmsiQuery *query = package_lib.query_new(database, sql, &error);
  if (query == NULL || !package_lib.query_execute(query, NULL, &error)) {
    package_lib.clear_error(&error);
    if (query != NULL) {
      package_lib.object_unref(query);
    }
    return false;
  }
  LibmsiRecord *record;
  while (*status == MSIQ_OK &&
         (record = package_lib.query_fetch(query, &error)) != NULL) {
    char *name = package_lib.record_get_string(record, 1);
    char *value = package_lib.record_get_string(record, 2);
    if (name != NULL && value != NULL) {
      *status = take(info, name, value);
    }
    package_lib.free(name);
    package_lib.free(value);
    package_lib.object_unref(record);
  }
  package_lib.clear_error(&error);
  package_lib.query_close(query, NULL);
  package_lib.object_unref(query);
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
  status = package_lib_ready(diag);
  if (status != MSIQ_OK) {
    return status;
  }
  package_log log = {{0}};
  GLogFunc previous_handler =
      package_lib.log_set_default_handler(package_log_keep, &log);
  GError *error = NULL;
  LibmsiSummaryInfo *summary = NULL;
  LibmsiDatabase *database = package_lib.database_new(
      path, LIBMSI_DB_FLAGS_READONLY | (patch ? LIBMSI_DB_FLAGS_PATCH : 0),
      NULL, &error);
  if (database == NULL) {
    status = msiq_diag_set(diag, MSIQ_ENOT_PACKAGE, "libmsi cannot open it: %s",
                           package_reason(error, &log));
    goto cleanup;
  }
  summary = package_lib.summary_info_new(database, 0, &error);
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
  package_lib.log_set_default_handler(previous_handler, NULL);
  package_lib.clear_error(&error);
  if (summary != NULL) {
    package_lib.object_unref(summary);
  }
  if (database != NULL) {
    package_lib.object_unref(database);
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
 * named by its product code, whose first line is its version and whose
 * further lines, one code each, are the patches applied to it. A file of
 * one line (what earlier tests wrote) is a product without patches. */

/* The most a product's file holds that the simulation reads: its version
 * and a few hundred patch codes. */
#define PRODUCT_FILE_MAX 16384

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

/* Reads the product's file into buffer (a string, cut at size); *exists
 * false, and MSIQ_OK, when there is no such file: the product is not
 * installed. */
static int product_file_read(const char *path, bool *exists, char *buffer,
                             size_t size, msiq_diag *diag) {
  *exists = false;
  buffer[0] = '\0';
  FILE *file = fopen(path, "r");
  if (file == NULL) {
    if (errno == ENOENT) {
      return MSIQ_OK;
    }
    return msiq_diag_set(diag, MSIQ_EIO, "cannot read %s: %s", path,
                         strerror(errno));
  }
  *exists = true;
  size_t count = fread(buffer, 1, size - 1, file);
  bool failed = ferror(file) != 0;
  fclose(file);
  buffer[count] = '\0';
  if (failed) {
    return msiq_diag_set(diag, MSIQ_EIO, "cannot read %s", path);
  }
  return MSIQ_OK;
}

/* True when one of the lines after the first of a product's file is
 * patch_code (in any case, as GUIDs are). */
static bool product_file_names_patch(const char *contents,
                                     const char *patch_code) {
  const char *line = strchr(contents, '\n');
  while (line != NULL) {
    line++;
    size_t length = strcspn(line, "\r\n");
    char code[64];
    if (length == strlen(patch_code) && length > 0 && length < sizeof code) {
      snprintf(code, sizeof code, "%.*s", (int)length, line);
      if (msiq_text_equal_ignoring_case(code, patch_code)) {
        return true;
      }
    }
    line = strchr(line, '\n');
  }
  return false;
}

/* Writes the product's file anew: contents replaced as a whole through a
 * temporary file and a rename, so that a reader never sees half of it. */
static void product_file_write(const char *path, const char *contents) {
  char temporary[4200];
  int written = snprintf(temporary, sizeof temporary, "%s.tmp", path);
  if (written < 0 || (size_t)written >= sizeof temporary) {
    return;
  }
  FILE *file = fopen(temporary, "w");
  if (file == NULL) {
    return;
  }
  bool ok = fputs(contents, file) >= 0;
  ok = fclose(file) == 0 && ok;
  if (!ok || rename(temporary, path) != 0) {
    remove(temporary);
  }
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
  char contents[PRODUCT_FILE_MAX];
  bool exists = false;
  int status =
      product_file_read(path, &exists, contents, sizeof contents, diag);
  if (status != MSIQ_OK || !exists) {
    return status;
  }
  /* An empty file is a product whose version nobody recorded. */
  contents[strcspn(contents, "\r\n")] = '\0';
  *version = msiq_text_duplicate(contents);
  if (*version == NULL) {
    return msiq_diag_set(diag, MSIQ_ENOMEM, "out of memory");
  }
  return MSIQ_OK;
}

int msiq_host_patch_applied(const char *patch_code, const char *product_code,
                            bool *known, bool *applied, msiq_diag *diag) {
  *known = false;
  *applied = false;
  char path[4096];
  if (patch_code == NULL || patch_code[0] == '\0' ||
      !product_file_path(product_code, path, sizeof path)) {
    return MSIQ_OK;
  }
  char contents[PRODUCT_FILE_MAX];
  bool exists = false;
  int status =
      product_file_read(path, &exists, contents, sizeof contents, diag);
  if (status != MSIQ_OK) {
    return status;
  }
  *known = true;
  *applied = exists && product_file_names_patch(contents, patch_code);
  return MSIQ_OK;
}

/* Reads the file of the installed product product_code into contents
 * (PRODUCT_FILE_MAX bytes) and its path into path, for noting patch_code
 * in it or taking it out. False when there is nothing to change: no usable
 * patch code, no such product, a file that cannot be read, or (names_patch
 * being what the change would make true) a file that already is so. */
static bool product_file_load_for_patch(const char *patch_code,
                                        const char *product_code,
                                        bool names_patch, char *path,
                                        size_t path_size, char *contents) {
  if (patch_code == NULL || patch_code[0] == '\0' ||
      strchr(patch_code, '\n') != NULL ||
      !product_file_path(product_code, path, path_size)) {
    return false;
  }
  bool exists = false;
  msiq_diag ignored = {{0}};
  return product_file_read(path, &exists, contents, PRODUCT_FILE_MAX,
                           &ignored) == MSIQ_OK &&
         exists &&
         product_file_names_patch(contents, patch_code) != names_patch;
}

void msiq_host_patch_note_applied(const char *patch_code,
                                  const char *product_code) {
  char path[4096];
  char contents[PRODUCT_FILE_MAX];
  if (!product_file_load_for_patch(patch_code, product_code, true, path,
                                   sizeof path, contents)) {
    return;
  }
  size_t used = strlen(contents);
  /* A first line without its line feed (an empty file, or one written by
   * hand) gets one, so that the code lands on a line of its own. */
  int written =
      snprintf(contents + used, sizeof contents - used, "%s%s\n",
               used == 0 || contents[used - 1] != '\n' ? "\n" : "", patch_code);
  if (written < 0 || (size_t)written >= sizeof contents - used) {
    return;
  }
  product_file_write(path, contents);
}

void msiq_host_patch_note_removed(const char *patch_code,
                                  const char *product_code) {
  char path[4096];
  char contents[PRODUCT_FILE_MAX];
  if (!product_file_load_for_patch(patch_code, product_code, false, path,
                                   sizeof path, contents)) {
    return;
  }
  /* The first line (the version) is kept as it is; of the lines after it,
   * every one that names the patch (in any case) is left out. */
  char kept[PRODUCT_FILE_MAX];
  size_t first = strcspn(contents, "\n");
  memcpy(kept, contents, first);
  size_t used = first;
  const char *line = contents[first] == '\n' ? contents + first + 1 : NULL;
  if (line != NULL) {
    kept[used++] = '\n';
  }
  while (line != NULL && *line != '\0') {
    size_t length = strcspn(line, "\n");
    size_t code_length = strcspn(line, "\r\n");
    char code[64];
    bool names_patch = false;
    if (code_length == strlen(patch_code) && code_length < sizeof code) {
      snprintf(code, sizeof code, "%.*s", (int)code_length, line);
      names_patch = msiq_text_equal_ignoring_case(code, patch_code);
    }
    bool has_newline = line[length] == '\n';
    if (!names_patch) {
      memcpy(kept + used, line, length + (has_newline ? 1 : 0));
      used += length + (has_newline ? 1 : 0);
    }
    line = has_newline ? line + length + 1 : NULL;
  }
  kept[used] = '\0';
  product_file_write(path, kept);
}

/* The file beside a product's that holds its UpgradeCode. */
#define UPGRADE_CODE_SUFFIX ".upgrade-code"

/* Records the installed product's upgrade code beside its file (removes
 * the record for NULL). */
static void product_file_note_upgrade_code(const char *path,
                                           const char *upgrade_code) {
  char upgrade_path[4200];
  int written = snprintf(upgrade_path, sizeof upgrade_path, "%s%s", path,
                         UPGRADE_CODE_SUFFIX);
  if (written < 0 || (size_t)written >= sizeof upgrade_path) {
    return;
  }
  if (upgrade_code == NULL || strchr(upgrade_code, '\n') != NULL) {
    remove(upgrade_path);
    return;
  }
  char contents[64];
  written = snprintf(contents, sizeof contents, "%s\n", upgrade_code);
  if (written > 0 && (size_t)written < sizeof contents) {
    product_file_write(upgrade_path, contents);
  }
}

typedef struct related_search {
  const char *directory;
  const char *upgrade_code;
  char *found; /* product codes separated by ';', or NULL */
  bool out_of_memory;
} related_search;

/* One entry of the products folder: a CODE.upgrade-code file that holds
 * the UpgradeCode searched for, whose product's file CODE is there. */
static void related_search_visit(void *context, const char *name) {
  related_search *search = context;
  size_t length = strlen(name);
  size_t suffix = strlen(UPGRADE_CODE_SUFFIX);
  if (length <= suffix || length - suffix >= MSIQ_PRODUCT_CODE_SIZE ||
      strcmp(name + length - suffix, UPGRADE_CODE_SUFFIX) != 0) {
    return;
  }
  char code[MSIQ_PRODUCT_CODE_SIZE];
  snprintf(code, sizeof code, "%.*s", (int)(length - suffix), name);
  char path[4096];
  char contents[128];
  bool exists = false;
  msiq_diag ignored = {{0}};
  int written = snprintf(path, sizeof path, "%s/%s", search->directory, name);
  if (written < 0 || (size_t)written >= sizeof path ||
      product_file_read(path, &exists, contents, sizeof contents, &ignored) !=
          MSIQ_OK ||
      !exists) {
    return;
  }
  contents[strcspn(contents, "\r\n")] = '\0';
  written = snprintf(path, sizeof path, "%s/%s", search->directory, code);
  if (!msiq_text_equal_ignoring_case(contents, search->upgrade_code) ||
      written < 0 || (size_t)written >= sizeof path ||
      product_file_read(path, &exists, contents, sizeof contents, &ignored) !=
          MSIQ_OK ||
      !exists) {
    return;
  }
  if (msiq_text_list_append(&search->found, ';', code) != MSIQ_OK) {
    search->out_of_memory = true;
  }
}

int msiq_host_related_products(const char *upgrade_code, bool *known,
                               char **product_codes, msiq_diag *diag) {
  *known = false;
  *product_codes = NULL;
  const char *directory = host_test_getenv("MSIQ_SIM_PRODUCTS_DIR");
  if (directory == NULL || directory[0] == '\0' || upgrade_code == NULL) {
    return MSIQ_OK;
  }
  related_search search = {directory, upgrade_code, NULL, false};
  int status =
      msiq_host_list_directory(directory, related_search_visit, &search, diag);
  if (status == MSIQ_OK && search.out_of_memory) {
    status = msiq_diag_set(diag, MSIQ_ENOMEM, "out of memory");
  }
  if (status != MSIQ_OK) {
    free(search.found);
    return status;
  }
  *known = true;
  *product_codes = search.found;
  return MSIQ_OK;
}

void msiq_host_product_note_result(const char *product_code,
                                   const char *version,
                                   const char *upgrade_code) {
  char path[4096];
  if (!product_file_path(product_code, path, sizeof path)) {
    return;
  }
  product_file_note_upgrade_code(path, version != NULL ? upgrade_code : NULL);
  if (version == NULL) {
    remove(path);
    return;
  }
  char contents[PRODUCT_FILE_MAX];
  bool exists = false;
  msiq_diag ignored = {{0}};
  if (product_file_read(path, &exists, contents, sizeof contents, &ignored) ==
          MSIQ_OK &&
      exists) {
    /* The same version installed again keeps its patches. */
    size_t first = strcspn(contents, "\r\n");
    if (first == strlen(version) && strncmp(contents, version, first) == 0) {
      return;
    }
  }
  char fresh[512];
  int written = snprintf(fresh, sizeof fresh, "%s\n", version);
  if (written > 0 && (size_t)written < sizeof fresh) {
    product_file_write(path, fresh);
  }
}
