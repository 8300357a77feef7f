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
 * the progress bar: progress reports at a steady pace, so the worker sees
 * the bar move however fast the machine copies files, and it stops (and
 * fails the installation with ERROR_INSTALL_USEREXIT) when the UI handler
 * answers IDCANCEL. Its CustomActionData is the package's
 * MSIQACTIONPROGRESS property: "STEPS PAUSE_MS" (for example "60 500":
 * sixty reports half a second apart, for a thirty-second install that can
 * be cancelled half way), or anything else (the worker test's "1") for ten
 * reports 150 ms apart. However many steps, together they move the bar by
 * the same amount.
 */
#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#include <windows.h>

#include <msi.h>
#include <msiquery.h>
#include <stdlib.h>
#include <wchar.h>

/* The error number the test expects. */
#define MSIQ_TEST_ERROR_NUMBER 25001

/* The default progress reports and their pause, and the ticks all of
 * them move the bar together: about half of the bar Wine sets up for the
 * test's package (its files' sizes plus a fixed amount per component). */
#define MSIQ_TEST_PROGRESS_STEPS       10
#define MSIQ_TEST_PROGRESS_PAUSE_MS    150
#define MSIQ_TEST_PROGRESS_TOTAL_TICKS 10000000
#define MSIQ_TEST_PROGRESS_MAX_STEPS   10000
#define MSIQ_TEST_PROGRESS_MAX_PAUSE   60000

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

/* Reads "STEPS PAUSE_MS" from the deferred action's CustomActionData;
 * leaves the defaults for anything else. */
static void progress_pace(MSIHANDLE install, long *steps, long *pause_ms) {
  *steps = MSIQ_TEST_PROGRESS_STEPS;
  *pause_ms = MSIQ_TEST_PROGRESS_PAUSE_MS;
  WCHAR data[64];
  DWORD size = sizeof data / sizeof data[0];
  if (MsiGetPropertyW(install, L"CustomActionData", data, &size) !=
      ERROR_SUCCESS) {
    return;
  }
  WCHAR *end = NULL;
  long read_steps = wcstol(data, &end, 10);
  if (end == data || *end != L' ') {
    return;
  }
  WCHAR *pause_text = end + 1;
  long read_pause = wcstol(pause_text, &end, 10);
  if (end == pause_text || *end != L'\0' || read_steps < 1 ||
      read_steps > MSIQ_TEST_PROGRESS_MAX_STEPS || read_pause < 0 ||
      read_pause > MSIQ_TEST_PROGRESS_MAX_PAUSE) {
    return;
  }
  *steps = read_steps;
  *pause_ms = read_pause;
}

UINT __stdcall MsiqReportProgress(MSIHANDLE install) {
  long steps = 0;
  long pause_ms = 0;
  progress_pace(install, &steps, &pause_ms);
  MSIHANDLE record = MsiCreateRecord(3);
  if (record == 0) {
    return ERROR_INSTALL_FAILURE;
  }
  UINT result = ERROR_SUCCESS;
  for (long step = 0; step < steps; step++) {
    /* Field 1 = 2: a progress report, field 2 the ticks done. */
    MsiRecordSetInteger(record, 1, 2);
    MsiRecordSetInteger(record, 2,
                        (int)(MSIQ_TEST_PROGRESS_TOTAL_TICKS / steps));
    MsiRecordSetInteger(record, 3, 0);
    if (MsiProcessMessage(install, INSTALLMESSAGE_PROGRESS, record) ==
        IDCANCEL) {
      result = ERROR_INSTALL_USEREXIT;
      break;
    }
    Sleep((DWORD)pause_ms);
  }
  MsiCloseHandle(record);
  return result;
}
