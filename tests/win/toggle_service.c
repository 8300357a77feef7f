/* toggle_service.c: a Windows service that behaves like msiserver for the
 * gate: it accepts SERVICE_ACCEPT_SHUTDOWN while "installing" and not while
 * idle, as msiserver does. The end-to-end tests point msiq at it with
 * MSIQ_INSTALLER_SERVICE and flip it by writing "busy" or "idle" into its
 * state file.
 *
 * Register: sc create NAME binPath= "C:\path\toggle_service.exe C:\state"
 */
#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#include <windows.h>

#include <shellapi.h>

#include <stdio.h>
#include <string.h>

static SERVICE_STATUS_HANDLE service_handle;
static SERVICE_STATUS service_status;
static wchar_t state_file[MAX_PATH];
static volatile LONG stop_requested;

static void report(DWORD state, DWORD controls) {
  service_status.dwServiceType = SERVICE_WIN32_OWN_PROCESS;
  service_status.dwCurrentState = state;
  service_status.dwControlsAccepted = controls;
  service_status.dwWin32ExitCode = NO_ERROR;
  SetServiceStatus(service_handle, &service_status);
}

static DWORD WINAPI control(DWORD code, DWORD type, LPVOID data, LPVOID ctx) {
  (void)type;
  (void)data;
  (void)ctx;
  if (code == SERVICE_CONTROL_STOP || code == SERVICE_CONTROL_SHUTDOWN) {
    InterlockedExchange(&stop_requested, 1);
    return NO_ERROR;
  }
  return code == SERVICE_CONTROL_INTERROGATE ? NO_ERROR
                                             : ERROR_CALL_NOT_IMPLEMENTED;
}

static int state_is_busy(void) {
  FILE *file = _wfopen(state_file, L"r");
  char word[16] = "";
  if (file == NULL) {
    return 0;
  }
  if (fscanf(file, "%15s", word) != 1) {
    word[0] = '\0';
  }
  fclose(file);
  return strcmp(word, "busy") == 0;
}

static void WINAPI service_main(DWORD argc, LPWSTR *argv) {
  (void)argc;
  (void)argv;
  service_handle =
      RegisterServiceCtrlHandlerExW(L"toggle_service", control, NULL);
  if (service_handle == NULL) {
    return;
  }
  DWORD controls = SERVICE_ACCEPT_STOP;
  report(SERVICE_RUNNING, controls);
  while (!stop_requested) {
    DWORD wanted = SERVICE_ACCEPT_STOP;
    if (state_is_busy()) {
      wanted |= SERVICE_ACCEPT_SHUTDOWN;
    }
    if (wanted != controls) {
      controls = wanted;
      report(SERVICE_RUNNING, controls);
    }
    Sleep(50);
  }
  report(SERVICE_STOPPED, 0);
}

int main(void) {
  int count = 0;
  wchar_t **arguments = CommandLineToArgvW(GetCommandLineW(), &count);
  if (arguments == NULL || count < 2) {
    fprintf(stderr, "usage: toggle_service STATE_FILE (run by the service "
                    "manager)\n");
    return 2;
  }
  wcsncpy(state_file, arguments[1], MAX_PATH - 1);
  LocalFree(arguments);
  SERVICE_TABLE_ENTRYW table[] = {{L"toggle_service", service_main},
                                  {NULL, NULL}};
  return StartServiceCtrlDispatcherW(table) ? 0 : 1;
}
