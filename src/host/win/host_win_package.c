/* host_win_package.c: reading a Windows Installer package's metadata
 * (msiq_host_package_read, host.h) through msi.dll, read-only:
 * MsiOpenDatabaseW with MSIDBOPEN_READONLY (and MSIDBOPEN_PATCHFILE for a
 * .msp), SQL views on the Property and MsiPatchMetadata tables, and
 * MsiGetSummaryInformationW. No package session is made, so nothing of the
 * package runs. */
#include "host/host.h"
#include "host/host_files.h"
#include "host/win/host_win_internal.h"
#include "core/text.h"

#include <windows.h>
#include <msi.h>
#include <msiquery.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

/* Windows Installer's summary information property ids. */
#define PACKAGE_SUMMARY_SUBJECT  3
#define PACKAGE_SUMMARY_TEMPLATE 7
#define PACKAGE_SUMMARY_REVISION 9

/* A record's string field as UTF-8 (free() it); NULL when out of memory. */
static char *package_record_text(MSIHANDLE record, UINT field) {
  DWORD length = 0;
  WCHAR empty[1] = {0};
  UINT rc = MsiRecordGetStringW(record, field, empty, &length);
  if (rc != ERROR_SUCCESS && rc != ERROR_MORE_DATA) {
    return NULL;
  }
  WCHAR *wide = malloc(((size_t)length + 1) * sizeof *wide);
  if (wide == NULL) {
    return NULL;
  }
  length++;
  char *text = NULL;
  if (MsiRecordGetStringW(record, field, wide, &length) == ERROR_SUCCESS) {
    text = host_win_narrow(wide);
  }
  free(wide);
  return text;
}

/* A summary text as UTF-8 into *text (free() it; NULL when the package has
 * none or it is not a text). */
static int package_summary_text(MSIHANDLE summary, UINT property, char **text) {
  *text = NULL;
  UINT type = 0;
  INT number = 0;
  FILETIME time;
  DWORD length = 0;
  WCHAR empty[1] = {0};
  UINT rc = MsiSummaryInfoGetPropertyW(summary, property, &type, &number, &time,
                                       empty, &length);
  if ((rc != ERROR_SUCCESS && rc != ERROR_MORE_DATA) || type != VT_LPSTR) {
    return MSIQ_OK;
  }
  WCHAR *wide = malloc(((size_t)length + 1) * sizeof *wide);
  if (wide == NULL) {
    return MSIQ_ENOMEM;
  }
  length++;
  rc = MsiSummaryInfoGetPropertyW(summary, property, &type, &number, &time,
                                  wide, &length);
  if (rc == ERROR_SUCCESS) {
    *text = host_win_narrow(wide);
  }
  free(wide);
  return rc == ERROR_SUCCESS && *text == NULL ? MSIQ_ENOMEM : MSIQ_OK;
}

/* Runs sql (two text columns: a name and a value) and hands each row to
 * take; false when the query cannot run (the table is missing). */
static bool package_query_pairs(MSIHANDLE database, const WCHAR *sql,
                                int (*take)(msiq_package_info *info,
                                            const char *name,
                                            const char *value),
                                msiq_package_info *info, int *status) {
  MSIHANDLE view = 0;
  if (MsiDatabaseOpenViewW(database, sql, &view) != ERROR_SUCCESS) {
    return false;
  }
  if (MsiViewExecute(view, 0) != ERROR_SUCCESS) {
    MsiCloseHandle(view);
    return false;
  }
  MSIHANDLE record = 0;
  while (*status == MSIQ_OK && MsiViewFetch(view, &record) == ERROR_SUCCESS) {
    char *name = package_record_text(record, 1);
    char *value = package_record_text(record, 2);
    if (name == NULL || value == NULL) {
      *status = MSIQ_ENOMEM;
    } else {
      *status = take(info, name, value);
    }
    free(name);
    free(value);
    MsiCloseHandle(record);
  }
  MsiViewClose(view);
  MsiCloseHandle(view);
  return true;
}

/* Reads the summary and tables of the open database into info. */
static int package_read_database(MSIHANDLE database, bool patch,
                                 msiq_package_info *info, msiq_diag *diag) {
  MSIHANDLE summary = 0;
  UINT rc = MsiGetSummaryInformationW(database, NULL, 0, &summary);
  if (rc != ERROR_SUCCESS) {
    return msiq_diag_set(diag, MSIQ_ENOT_PACKAGE,
                         "it has no summary information (error %u)", rc);
  }
  char *template_text = NULL;
  char *revision = NULL;
  char *subject = NULL;
  int status =
      package_summary_text(summary, PACKAGE_SUMMARY_TEMPLATE, &template_text);
  if (status == MSIQ_OK) {
    status = package_summary_text(summary, PACKAGE_SUMMARY_REVISION, &revision);
  }
  if (status == MSIQ_OK) {
    status = package_summary_text(summary, PACKAGE_SUMMARY_SUBJECT, &subject);
  }
  if (status != MSIQ_OK) {
    msiq_diag_set(diag, status, "out of memory");
    goto cleanup;
  }
  if (patch) {
    info->kind = MSIQ_PACKAGE_KIND_PATCH;
    status = msiq_package_info_parse_patch(info, template_text, revision, diag);
    if (status == MSIQ_OK &&
        !package_query_pairs(database,
                             L"SELECT `Property`, `Value` FROM "
                             L"`MsiPatchMetadata`",
                             msiq_package_info_take_patch_metadata, info,
                             &status)) {
      status = MSIQ_OK;
    }
    /* A patch without MsiPatchMetadata (made before Windows Installer 3)
     * is named by its summary's Subject. */
    if (status == MSIQ_OK && info->display_name == NULL) {
      status = msiq_package_info_set(&info->display_name, subject);
    }
  } else {
    info->kind = MSIQ_PACKAGE_KIND_PRODUCT;
    status = msiq_package_info_parse_template(info, template_text, diag);
    if (status == MSIQ_OK &&
        !package_query_pairs(database,
                             L"SELECT `Property`, `Value` FROM `Property`",
                             msiq_package_info_take_property, info, &status)) {
      status =
          msiq_diag_set(diag, MSIQ_ENOT_PACKAGE, "it has no Property table");
    }
  }
  if (status == MSIQ_ENOMEM) {
    msiq_diag_set(diag, MSIQ_ENOMEM, "out of memory");
  }

cleanup:
  free(template_text);
  free(revision);
  free(subject);
  MsiCloseHandle(summary);
  return status;
}

int msiq_host_package_read(const char *path, bool patch,
                           msiq_package_info *info, msiq_diag *diag) {
  msiq_package_info_cleanup(info);
  int status = host_package_check_header(path, diag);
  if (status != MSIQ_OK) {
    return status;
  }
  WCHAR *wide = host_win_wide(path);
  if (wide == NULL) {
    return msiq_diag_set(diag, MSIQ_ENOMEM, "out of memory");
  }
  /* MSIDBOPEN_PATCHFILE is added to the mode, as msiquery.h means it: the
   * mode is a small number passed as a pointer. */
  LPCWSTR mode = patch ? (LPCWSTR)(ULONG_PTR)(MSIDBOPEN_PATCHFILE *
                                              sizeof(*MSIDBOPEN_READONLY))
                       : MSIDBOPEN_READONLY;
  MSIHANDLE database = 0;
  UINT rc = MsiOpenDatabaseW(wide, mode, &database);
  free(wide);
  if (rc != ERROR_SUCCESS) {
    return msiq_diag_set(diag, MSIQ_ENOT_PACKAGE,
                         "Windows Installer cannot open it as a %s (error %u)",
                         patch ? "patch" : "database", rc);
  }
  status = package_read_database(database, patch, info, diag);
  MsiCloseHandle(database);
  if (status != MSIQ_OK) {
    msiq_package_info_cleanup(info);
  }
  return status;
}

/* Installed products: what Windows Installer itself records. */

/* The product's VersionString in one installation context into *version
 * (free() it); false when the product has none there. */
static bool product_version_in_context(const wchar_t *code,
                                       MSIINSTALLCONTEXT context,
                                       char **version) {
  wchar_t buffer[64];
  DWORD length = (DWORD)(sizeof buffer / sizeof buffer[0]);
  UINT result = MsiGetProductInfoExW(
      code, NULL, context, INSTALLPROPERTY_VERSIONSTRING, buffer, &length);
  if (result != ERROR_SUCCESS) {
    return false;
  }
  *version = host_win_narrow(buffer);
  return *version != NULL;
}

int msiq_host_product_installed_version(const char *product_code, bool *known,
                                        char **version, msiq_diag *diag) {
  *known = false;
  *version = NULL;
  wchar_t *code = host_win_wide(product_code);
  if (code == NULL) {
    return msiq_diag_set(diag, MSIQ_ENOMEM, "out of memory");
  }
  *known = true;
  int status = MSIQ_OK;
  if (MsiQueryProductStateW(code) == INSTALLSTATE_DEFAULT) {
    /* Per-machine first, as the dispatcher installs; a product that is
     * installed only for a user is still installed, so any context next.
     * A version Windows Installer will not tell is an empty one, which
     * matches no package's. */
    if (!product_version_in_context(code, MSIINSTALLCONTEXT_MACHINE, version) &&
        !product_version_in_context(code, MSIINSTALLCONTEXT_USERMANAGED,
                                    version) &&
        !product_version_in_context(code, MSIINSTALLCONTEXT_USERUNMANAGED,
                                    version)) {
      *version = malloc(1);
      if (*version == NULL) {
        status = msiq_diag_set(diag, MSIQ_ENOMEM, "out of memory");
      } else {
        (*version)[0] = '\0';
      }
    }
  }
  free(code);
  return status;
}

void msiq_host_product_note_result(const char *product_code,
                                   const char *version,
                                   const char *upgrade_code) {
  /* Windows Installer records what it installed and removed itself. */
  (void)product_code;
  (void)version;
  (void)upgrade_code;
}

int msiq_host_related_products(const char *upgrade_code, bool *known,
                               char **product_codes, msiq_diag *diag) {
  *known = false;
  *product_codes = NULL;
  wchar_t *upgrade = host_win_wide(upgrade_code);
  if (upgrade == NULL) {
    return msiq_diag_set(diag, MSIQ_ENOMEM, "out of memory");
  }
  int status = MSIQ_OK;
  char *found = NULL;
  /* Every context: MsiEnumRelatedProductsW lists the products installed
   * with this UpgradeCode for the machine and for any user. A product
   * code is 38 characters. */
  for (DWORD index = 0;; index++) {
    wchar_t code[39];
    UINT result = MsiEnumRelatedProductsW(upgrade, 0, index, code);
    if (result == ERROR_NO_MORE_ITEMS) {
      break;
    }
    if (result != ERROR_SUCCESS) {
      status = msiq_diag_set(diag, MSIQ_EIO,
                             "MsiEnumRelatedProductsW failed with error %u",
                             (unsigned)result);
      break;
    }
    char *narrow = host_win_narrow(code);
    bool added =
        narrow != NULL && msiq_text_list_append(&found, ';', narrow) == MSIQ_OK;
    free(narrow);
    if (!added) {
      status = msiq_diag_set(diag, MSIQ_ENOMEM, "out of memory");
      break;
    }
  }
  free(upgrade);
  if (status != MSIQ_OK) {
    free(found);
    return status;
  }
  *known = true;
  *product_codes = found;
  return MSIQ_OK;
}

/* Patches applied: what Windows Installer itself records. */

int msiq_host_patch_applied(const char *patch_code, const char *product_code,
                            bool *known, bool *applied, msiq_diag *diag) {
  *known = false;
  *applied = false;
  int status = MSIQ_OK;
  wchar_t *patch = host_win_wide(patch_code);
  wchar_t *product = host_win_wide(product_code);
  if (patch == NULL || product == NULL) {
    status = msiq_diag_set(diag, MSIQ_ENOMEM, "out of memory");
    goto cleanup;
  }
  /* The machine context, as the dispatcher applies patches per-machine.
   * The state is a number in text ("1" is MSIPATCHSTATE_APPLIED); a
   * superseded or obsoleted patch is not applied, so it runs and Windows
   * Installer says what it makes of it. */
  wchar_t state[16];
  DWORD length = (DWORD)(sizeof state / sizeof state[0]);
  UINT result =
      MsiGetPatchInfoExW(patch, product, NULL, MSIINSTALLCONTEXT_MACHINE,
                         INSTALLPROPERTY_PATCHSTATE, state, &length);
  switch (result) {
    case ERROR_SUCCESS:
      *known = true;
      *applied = wcstoul(state, NULL, 10) == MSIPATCHSTATE_APPLIED;
      break;
    case ERROR_UNKNOWN_PATCH:
    case ERROR_UNKNOWN_PRODUCT:
      *known = true;
      break;
    default:
      status = msiq_diag_set(diag, MSIQ_EIO,
                             "MsiGetPatchInfoExW failed with error %u",
                             (unsigned)result);
      break;
  }

cleanup:
  free(patch);
  free(product);
  return status;
}

void msiq_host_patch_note_applied(const char *patch_code,
                                  const char *product_code) {
  /* Windows Installer records the patches it applied itself. */
  (void)patch_code;
  (void)product_code;
}

void msiq_host_patch_note_removed(const char *patch_code,
                                  const char *product_code) {
  /* Windows Installer records the patches it removed itself. */
  (void)patch_code;
  (void)product_code;
}
