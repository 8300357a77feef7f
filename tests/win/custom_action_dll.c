/* custom_action_dll.c: DLL custom actions for the worker tests' package.
 *
 * MsiqReportError does what a real package's custom action does when it
 * fails: it reports an error through MsiProcessMessage (number 25001, the
 * range packages use for their own errors, with a template that names the
 * reason) and returns ERROR_INSTALL_FAILURE. The worker's UI handler
 * receives that record, so the test can check the `error` line's number,
 * text and action.
 *
 * MsiqReportProgress does what a long deferred custom action does to move
 * the progress bar: ten progress reports, 150 ms apart, so the worker sees
 * the bar move for about 1.5 seconds however fast the machine copies
 * files, and stops when the UI handler answers IDCANCEL.
 */
#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#include <windows.h>

#include <msi.h>
#include <msiquery.h>

/* The error number the test expects. */
#define MSIQ_TEST_ERROR_NUMBER 25001

/* Progress reports and the ticks each moves the bar: together about half
 * of the bar Wine sets up for the test's package (its files' sizes plus a
 * fixed amount per component). */
#define MSIQ_TEST_PROGRESS_STEPS    10
#define MSIQ_TEST_PROGRESS_TICKS    1000000
#define MSIQ_TEST_PROGRESS_PAUSE_MS 150

__declspec(dllexport) UINT __stdcall MsiqReportError(MSIHANDLE install);
__declspec(dllexport) UINT __stdcall MsiqReportProgress(MSIHANDLE install);

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

UINT __stdcall MsiqReportProgress(MSIHANDLE install) {
  MSIHANDLE record = MsiCreateRecord(3);
  if (record == 0) {
    return ERROR_INSTALL_FAILURE;
  }
  UINT result = ERROR_SUCCESS;
  for (int step = 0; step < MSIQ_TEST_PROGRESS_STEPS; step++) {
    /* Field 1 = 2: a progress report, field 2 the ticks done. */
    MsiRecordSetInteger(record, 1, 2);
    MsiRecordSetInteger(record, 2, MSIQ_TEST_PROGRESS_TICKS);
    MsiRecordSetInteger(record, 3, 0);
    if (MsiProcessMessage(install, INSTALLMESSAGE_PROGRESS, record) ==
        IDCANCEL) {
      result = ERROR_INSTALL_USEREXIT;
      break;
    }
    Sleep(MSIQ_TEST_PROGRESS_PAUSE_MS);
  }
  MsiCloseHandle(record);
  return result;
}
