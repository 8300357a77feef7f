/* custom_action_dll.c: a DLL custom action for the worker tests' package.
 *
 * MsiqReportError does what a real package's custom action does when it
 * fails: it reports an error through MsiProcessMessage (number 25001, the
 * range packages use for their own errors, with a template that names the
 * reason) and returns ERROR_INSTALL_FAILURE. The worker's UI handler
 * receives that record, so the test can check the `error` line's number,
 * text and action.
 */
#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#include <windows.h>

#include <msi.h>
#include <msiquery.h>

/* The error number the test expects. */
#define MSIQ_TEST_ERROR_NUMBER 25001

__declspec(dllexport) UINT __stdcall MsiqReportError(MSIHANDLE install);

UINT __stdcall MsiqReportError(MSIHANDLE install) {
  MSIHANDLE record = MsiCreateRecord(2);
  if (record == 0) {
    return ERROR_INSTALL_FAILURE;
  }
  MsiRecordSetStringW(record, 0, L"The msiq test action failed: [2]");
  MsiRecordSetInteger(record, 1, MSIQ_TEST_ERROR_NUMBER);
  MsiRecordSetStringW(record, 2, L"MSIQACTIONERROR is set");
  MsiProcessMessage(install, (INSTALLMESSAGE)(INSTALLMESSAGE_ERROR | MB_OK),
                    record);
  MsiCloseHandle(record);
  return ERROR_INSTALL_FAILURE;
}
