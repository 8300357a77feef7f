/* make_patch.c (Windows): writes a minimal patch package (.msp) for the
 * Wine test of package metadata (tests/wine/package_metadata.sh), with
 * msi.dll and OLE: a new database with an MsiPatchMetadata table holding a
 * DisplayName and the summary information of a patch (Title "Patch",
 * Subject, Template = the target product codes, Revision Number = the
 * patch code), then the storage's class set to the patch class, which is
 * what makes msi.dll open it with MSIDBOPEN_PATCHFILE. It holds no
 * transforms: msiq reads what it says, no installer could apply it. The
 * native twin is tests/make_patch.c (libmsi).
 *
 * usage: make_patch.exe OUT PATCH_CODE TARGETS DISPLAY_NAME */
#include <windows.h>
#include <msi.h>
#include <msiquery.h>
#include <objbase.h>
#include <stdio.h>
#include <wchar.h>

/* CLSID_MsiPatch, {000C1086-0000-0000-C000-000000000046}. */
static const CLSID patch_class = {
    0x000C1086,
    0x0000,
    0x0000,
    {0xC0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x46}};

static int fail(const char *doing, unsigned long code) {
  fprintf(stderr, "make_patch: %s failed (%lu)\n", doing, code);
  return 1;
}

static int run_sql(MSIHANDLE database, const wchar_t *sql) {
  MSIHANDLE view = 0;
  UINT rc = MsiDatabaseOpenViewW(database, sql, &view);
  if (rc == ERROR_SUCCESS) {
    rc = MsiViewExecute(view, 0);
    MsiViewClose(view);
    MsiCloseHandle(view);
  }
  return rc == ERROR_SUCCESS ? 0 : fail("SQL", rc);
}

static UINT set_text(MSIHANDLE summary, UINT property, const wchar_t *text) {
  return MsiSummaryInfoSetPropertyW(summary, property, VT_LPSTR, 0, NULL, text);
}

int wmain(int argc, wchar_t **argv);

int wmain(int argc, wchar_t **argv) {
  if (argc != 5) {
    fprintf(stderr, "usage: make_patch OUT PATCH_CODE TARGETS DISPLAY_NAME\n");
    return 2;
  }
  MSIHANDLE database = 0;
  UINT rc = MsiOpenDatabaseW(argv[1], (LPCWSTR)MSIDBOPEN_CREATE, &database);
  if (rc != ERROR_SUCCESS) {
    return fail("MsiOpenDatabaseW", rc);
  }
  if (argv[4][0] != L'\0') {
    wchar_t insert[512];
    swprintf(insert, sizeof insert / sizeof insert[0],
             L"INSERT INTO `MsiPatchMetadata` (`Property`, `Value`) VALUES "
             L"('DisplayName', '%ls')",
             argv[4]);
    if (run_sql(database,
                L"CREATE TABLE `MsiPatchMetadata` (`Company` CHAR(72), "
                L"`Property` CHAR(72) NOT NULL, `Value` LONGCHAR NOT NULL "
                L"PRIMARY KEY `Company`, `Property`)") != 0 ||
        run_sql(database, insert) != 0) {
      return 1;
    }
  }
  MSIHANDLE summary = 0;
  rc = MsiGetSummaryInformationW(database, NULL, 8, &summary);
  if (rc == ERROR_SUCCESS) {
    rc = set_text(summary, 2, L"Patch");
  }
  if (rc == ERROR_SUCCESS) {
    rc = set_text(summary, 3, L"Subject of the test patch");
  }
  if (rc == ERROR_SUCCESS) {
    rc = set_text(summary, 7, argv[3]);
  }
  if (rc == ERROR_SUCCESS) {
    rc = set_text(summary, 9, argv[2]);
  }
  if (rc == ERROR_SUCCESS) {
    rc = MsiSummaryInfoSetPropertyW(summary, 14, VT_I4, 300, NULL, NULL);
  }
  if (rc == ERROR_SUCCESS) {
    rc = MsiSummaryInfoPersist(summary);
  }
  if (rc != ERROR_SUCCESS) {
    return fail("writing the summary information", rc);
  }
  MsiCloseHandle(summary);
  rc = MsiDatabaseCommit(database);
  MsiCloseHandle(database);
  if (rc != ERROR_SUCCESS) {
    return fail("MsiDatabaseCommit", rc);
  }
  /* msi.dll makes every new database an installation database; a patch is
   * told apart by its storage's class. */
  IStorage *storage = NULL;
  HRESULT hr = StgOpenStorage(
      argv[1], NULL, STGM_READWRITE | STGM_SHARE_EXCLUSIVE | STGM_DIRECT, NULL,
      0, &storage);
  if (FAILED(hr)) {
    return fail("StgOpenStorage", (unsigned long)hr);
  }
  hr = storage->lpVtbl->SetClass(storage, &patch_class);
  if (SUCCEEDED(hr)) {
    hr = storage->lpVtbl->Commit(storage, STGC_DEFAULT);
  }
  storage->lpVtbl->Release(storage);
  return FAILED(hr) ? fail("setting the patch class", (unsigned long)hr) : 0;
}
