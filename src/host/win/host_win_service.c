/* host_win_service.c: Windows service mode (`msiq service ...`) and the
 * Application event log, for the Win32 host.
 *
 * Installing registers the service with the settings Windows admins expect
 * of a queue that may be in the middle of an installation: delayed
 * automatic start, a preshutdown timeout long enough for the graceful
 * stop, restarts after a failure. The running service reports its state to
 * the service manager from two threads (the service's own and the
 * manager's control thread), so that state is kept under a lock.
 */
#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#include <windows.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "host/host.h"
#include "host/win/host_win_internal.h"

/* While a stop is pending the checkpoint advances this often, and the wait
 * hint promises the next advance within HOST_SERVICE_STOP_HINT_MS: the
 * service manager then sees progress however long the graceful stop takes
 * (it waits for a running installer). */
#define HOST_SERVICE_CHECKPOINT_MS 2000
#define HOST_SERVICE_STOP_HINT_MS  10000
/* The first restart after a failure comes after a minute, the second after
 * five; a failure-free day starts the count again. */
#define HOST_SERVICE_RESTART_FIRST_MS  (60 * 1000)
#define HOST_SERVICE_RESTART_SECOND_MS (5 * 60 * 1000)
#define HOST_SERVICE_RESET_SECONDS     (24 * 60 * 60)

static int host_service_open(const char *name, DWORD access, SC_HANDLE *manager,
                             SC_HANDLE *service, msiq_diag *diag) {
  *service = NULL;
  *manager = OpenSCManagerW(NULL, NULL, SC_MANAGER_CONNECT);
  if (*manager == NULL) {
    return host_win_fail(diag, MSIQ_EHOST, GetLastError(), "open",
                         "the service manager");
  }
  wchar_t *wide = host_win_wide(name);
  *service = wide != NULL ? OpenServiceW(*manager, wide, access) : NULL;
  DWORD error = GetLastError();
  free(wide);
  if (*service == NULL) {
    CloseServiceHandle(*manager);
    *manager = NULL;
    if (error == ERROR_SERVICE_DOES_NOT_EXIST) {
      return msiq_diag_set(diag, MSIQ_EUSAGE,
                           "service %s is not installed (msiq service "
                           "install)",
                           name);
    }
    return host_win_fail(diag, MSIQ_EHOST, error, "open service", name);
  }
  return MSIQ_OK;
}

static void host_service_close(SC_HANDLE manager, SC_HANDLE service) {
  if (service != NULL) {
    CloseServiceHandle(service);
  }
  if (manager != NULL) {
    CloseServiceHandle(manager);
  }
}

/* Appends "setting" to the comma-separated list in notes. */
static void host_service_note(char *notes, size_t size, const char *setting) {
  size_t used = strlen(notes);
  if (used < size) {
    snprintf(notes + used, size - used, "%s%s", used > 0 ? ", " : "", setting);
  }
}

/* One ChangeServiceConfig2W, checked. A service manager that does not know
 * the setting at all (Wine's knows only some; Windows knows them all)
 * answers ERROR_INVALID_LEVEL: that is noted and the install goes on. Any
 * other failure fails the install. */
static int host_service_configure(SC_HANDLE service, const char *name,
                                  DWORD level, void *info, const char *setting,
                                  char *notes, size_t notes_size,
                                  msiq_diag *diag) {
  if (ChangeServiceConfig2W(service, level, info)) {
    return MSIQ_OK;
  }
  DWORD error = GetLastError();
  if (error == ERROR_INVALID_LEVEL || error == ERROR_CALL_NOT_IMPLEMENTED) {
    host_service_note(notes, notes_size, setting);
    return MSIQ_OK;
  }
  char doing[128];
  snprintf(doing, sizeof doing, "set the %s of service", setting);
  return host_win_fail(diag, MSIQ_EHOST, error, doing, name);
}

/* The settings beyond CreateServiceW's, each checked. */
static int host_service_configure_all(SC_HANDLE service, const char *name,
                                      int64_t stop_wait_ms, char *notes,
                                      size_t notes_size, msiq_diag *diag) {
  SERVICE_DESCRIPTIONW description = {
      L"Runs queued Windows Installer jobs one at a time when Windows "
      L"Installer is free (msiq)."};
  int status = host_service_configure(service, name, SERVICE_CONFIG_DESCRIPTION,
                                      &description, "description", notes,
                                      notes_size, diag);
  /* Delayed start keeps msiq out of the way of boot, and of the Windows
   * Installer work that boot itself may finish. */
  SERVICE_DELAYED_AUTO_START_INFO delayed = {TRUE};
  if (status == MSIQ_OK) {
    status = host_service_configure(
        service, name, SERVICE_CONFIG_DELAYED_AUTO_START_INFO, &delayed,
        "delayed automatic start", notes, notes_size, diag);
  }
  /* At shutdown a plain SHUTDOWN control gives a service about 20 seconds;
   * PRESHUTDOWN comes first and waits this long, the graceful stop's own
   * wait for a running installer. */
  SERVICE_PRESHUTDOWN_INFO preshutdown = {(DWORD)stop_wait_ms};
  if (status == MSIQ_OK) {
    status = host_service_configure(
        service, name, SERVICE_CONFIG_PRESHUTDOWN_INFO, &preshutdown,
        "preshutdown timeout", notes, notes_size, diag);
  }
  /* A queue that stopped on an error (the database locked too long, a
   * crash) is started again: after a minute, then after five; a day without
   * failures resets the count. */
  SC_ACTION actions[] = {
      {SC_ACTION_RESTART, HOST_SERVICE_RESTART_FIRST_MS},
      {SC_ACTION_RESTART, HOST_SERVICE_RESTART_SECOND_MS},
      {SC_ACTION_NONE, 0},
  };
  SERVICE_FAILURE_ACTIONSW failure = {
      .dwResetPeriod = HOST_SERVICE_RESET_SECONDS,
      .lpRebootMsg = NULL,
      .lpCommand = NULL,
      .cActions = sizeof actions / sizeof actions[0],
      .lpsaActions = actions,
  };
  if (status == MSIQ_OK) {
    status = host_service_configure(service, name,
                                    SERVICE_CONFIG_FAILURE_ACTIONS, &failure,
                                    "failure actions", notes, notes_size, diag);
  }
  /* msiq's own fatal errors end the service with an error code, not a
   * crash: those count as failures too. */
  SERVICE_FAILURE_ACTIONS_FLAG on_errors = {TRUE};
  if (status == MSIQ_OK) {
    status = host_service_configure(
        service, name, SERVICE_CONFIG_FAILURE_ACTIONS_FLAG, &on_errors,
        "failure actions flag", notes, notes_size, diag);
  }
  return status;
}

int msiq_host_service_install(const char *name, const char *arguments,
                              int64_t stop_wait_ms, char *notes,
                              size_t notes_size, msiq_diag *diag) {
  if (notes_size > 0) {
    notes[0] = '\0';
  }
  char program_text[4096];
  int status = host_win_own_path(program_text, sizeof program_text, diag);
  if (status != MSIQ_OK) {
    return status;
  }
  char command[8192];
  int written =
      snprintf(command, sizeof command, "\"%s\" %s", program_text, arguments);
  if (written < 0 || (size_t)written >= sizeof command) {
    return msiq_diag_set(diag, MSIQ_EUSAGE, "service command line too long");
  }
  wchar_t *wide_command = host_win_wide(command);
  wchar_t *wide_name = host_win_wide(name);
  SC_HANDLE manager = OpenSCManagerW(NULL, NULL, SC_MANAGER_CREATE_SERVICE);
  if (manager == NULL || wide_command == NULL || wide_name == NULL) {
    DWORD error = GetLastError();
    free(wide_command);
    free(wide_name);
    if (manager != NULL) {
      CloseServiceHandle(manager);
    }
    return host_win_fail(diag, MSIQ_EHOST, error, "open",
                         "the service manager to install a service");
  }
  /* LocalSystem (no account given), started automatically after boot. */
  SC_HANDLE service = CreateServiceW(
      manager, wide_name, L"msiq Windows Installer queue", SERVICE_ALL_ACCESS,
      SERVICE_WIN32_OWN_PROCESS, SERVICE_AUTO_START, SERVICE_ERROR_NORMAL,
      wide_command, NULL, NULL, NULL, NULL, NULL);
  DWORD error = GetLastError();
  free(wide_command);
  free(wide_name);
  if (service == NULL) {
    CloseServiceHandle(manager);
    if (error == ERROR_SERVICE_EXISTS) {
      return msiq_diag_set(diag, MSIQ_EUSAGE, "service %s is already installed",
                           name);
    }
    return host_win_fail(diag, MSIQ_EHOST, error, "install service", name);
  }
  status = host_service_configure_all(service, name, stop_wait_ms, notes,
                                      notes_size, diag);
  if (status != MSIQ_OK) {
    /* Half a service is worse than none: the install is undone. */
    DeleteService(service);
  }
  host_service_close(manager, service);
  return status;
}

static const char *host_service_state_text(DWORD state) {
  switch (state) {
    case SERVICE_STOPPED:
      return "stopped";
    case SERVICE_START_PENDING:
      return "start pending";
    case SERVICE_STOP_PENDING:
      return "stop pending";
    case SERVICE_RUNNING:
      return "running";
    case SERVICE_CONTINUE_PENDING:
      return "continue pending";
    case SERVICE_PAUSE_PENDING:
      return "pause pending";
    case SERVICE_PAUSED:
      return "paused";
  }
  return "unknown";
}

/* Sends the stop control, unless the service is stopped or already
 * stopping, and waits up to wait_ms for it to stop. The handle needs
 * SERVICE_STOP and SERVICE_QUERY_STATUS. */
static int host_service_stop_handle(SC_HANDLE service, const char *name,
                                    int64_t wait_ms, msiq_diag *diag) {
  SERVICE_STATUS current;
  if (!QueryServiceStatus(service, &current)) {
    return host_win_fail(diag, MSIQ_EHOST, GetLastError(), "query service",
                         name);
  }
  int status = MSIQ_OK;
  /* A second stop control while one is pending would make some service
   * managers (Wine's) end the process: the pending stop is waited for. */
  if (current.dwCurrentState != SERVICE_STOPPED &&
      current.dwCurrentState != SERVICE_STOP_PENDING &&
      !ControlService(service, SERVICE_CONTROL_STOP, &current) &&
      GetLastError() != ERROR_SERVICE_NOT_ACTIVE) {
    status =
        host_win_fail(diag, MSIQ_EHOST, GetLastError(), "stop service", name);
  }
  /* The stop is graceful (the running installer may finish first), so wait
   * for it as `net stop` does. */
  for (int64_t waited = 0; status == MSIQ_OK; waited += 250) {
    if (!QueryServiceStatus(service, &current)) {
      status = host_win_fail(diag, MSIQ_EHOST, GetLastError(), "query service",
                             name);
    } else if (current.dwCurrentState == SERVICE_STOPPED) {
      break;
    } else if (waited >= wait_ms) {
      status = msiq_diag_set(diag, MSIQ_ETIMEDOUT,
                             "service %s did not stop within %lld s (%s)", name,
                             (long long)(wait_ms / 1000),
                             host_service_state_text(current.dwCurrentState));
    } else {
      Sleep(250);
    }
  }
  return status;
}

int msiq_host_service_uninstall(const char *name, int64_t stop_wait_ms,
                                msiq_diag *diag) {
  SC_HANDLE manager = NULL;
  SC_HANDLE service = NULL;
  int status =
      host_service_open(name, DELETE | SERVICE_STOP | SERVICE_QUERY_STATUS,
                        &manager, &service, diag);
  if (status != MSIQ_OK) {
    return status;
  }
  /* A running service is stopped first (gracefully), so that no queue is
   * left running under a service that no longer exists. */
  status = host_service_stop_handle(service, name, stop_wait_ms, diag);
  if (status == MSIQ_OK && !DeleteService(service)) {
    status = host_win_fail(diag, MSIQ_EHOST, GetLastError(),
                           "uninstall service", name);
  }
  host_service_close(manager, service);
  return status;
}

int msiq_host_service_start(const char *name, msiq_diag *diag) {
  SC_HANDLE manager = NULL;
  SC_HANDLE service = NULL;
  int status = host_service_open(name, SERVICE_START, &manager, &service, diag);
  if (status != MSIQ_OK) {
    return status;
  }
  if (!StartServiceW(service, 0, NULL) &&
      GetLastError() != ERROR_SERVICE_ALREADY_RUNNING) {
    status =
        host_win_fail(diag, MSIQ_EHOST, GetLastError(), "start service", name);
  }
  host_service_close(manager, service);
  return status;
}

int msiq_host_service_stop(const char *name, int64_t wait_ms, msiq_diag *diag) {
  SC_HANDLE manager = NULL;
  SC_HANDLE service = NULL;
  int status = host_service_open(name, SERVICE_STOP | SERVICE_QUERY_STATUS,
                                 &manager, &service, diag);
  if (status != MSIQ_OK) {
    return status;
  }
  status = host_service_stop_handle(service, name, wait_ms, diag);
  host_service_close(manager, service);
  return status;
}

int msiq_host_service_query(const char *name, char *state, size_t size,
                            msiq_diag *diag) {
  SC_HANDLE manager = NULL;
  SC_HANDLE service = NULL;
  int status =
      host_service_open(name, SERVICE_QUERY_STATUS, &manager, &service, diag);
  if (status == MSIQ_EUSAGE) {
    snprintf(state, size, "not installed");
    return MSIQ_OK;
  }
  if (status != MSIQ_OK) {
    return status;
  }
  SERVICE_STATUS current;
  if (QueryServiceStatus(service, &current)) {
    snprintf(state, size, "%s",
             host_service_state_text(current.dwCurrentState));
  } else {
    status =
        host_win_fail(diag, MSIQ_EHOST, GetLastError(), "query service", name);
  }
  host_service_close(manager, service);
  return status;
}

/* The running service: one per process, so its state is static. The
 * service's thread (host_service_main, the body) and the manager's control
 * thread (host_service_control) both report status and look at the stop:
 * `lock` guards status, stop_requested, body_done and progress_thread. */
static struct {
  wchar_t name[256];
  SERVICE_STATUS_HANDLE handle;
  CRITICAL_SECTION lock;
  SERVICE_STATUS status;
  bool stop_requested;
  bool body_done;
  /* Advances the checkpoint while the stop is pending; ends when
   * body_returned is set. */
  HANDLE progress_thread;
  HANDLE body_returned;
  msiq_service_body body;
  void *context;
  void (*request_stop)(void *);
  void *stop_context;
  int64_t stop_wait_ms;
  int result;
} host_service;

/* Reports state; the checkpoint advances with each report of a pending
 * state. Call with the lock held. */
static void host_service_report_locked(DWORD state, DWORD wait_hint) {
  host_service.status.dwServiceType = SERVICE_WIN32_OWN_PROCESS;
  host_service.status.dwCurrentState = state;
  host_service.status.dwControlsAccepted =
      state == SERVICE_RUNNING ? SERVICE_ACCEPT_STOP | SERVICE_ACCEPT_SHUTDOWN |
                                     SERVICE_ACCEPT_PRESHUTDOWN
                               : 0;
  host_service.status.dwWaitHint = wait_hint;
  if (state == SERVICE_START_PENDING || state == SERVICE_STOP_PENDING) {
    host_service.status.dwCheckPoint++;
  } else {
    host_service.status.dwCheckPoint = 0;
  }
  SetServiceStatus(host_service.handle, &host_service.status);
}

static void host_service_report(DWORD state, DWORD wait_hint) {
  EnterCriticalSection(&host_service.lock);
  host_service_report_locked(state, wait_hint);
  LeaveCriticalSection(&host_service.lock);
}

/* While the graceful stop waits for a running installer, tells the
 * service manager every HOST_SERVICE_CHECKPOINT_MS that the stop is still
 * progressing, for at most the stop's wait (then the manager may judge). */
static DWORD WINAPI host_service_stop_progress(LPVOID unused) {
  (void)unused;
  ULONGLONG started = GetTickCount64();
  while (WaitForSingleObject(host_service.body_returned,
                             HOST_SERVICE_CHECKPOINT_MS) == WAIT_TIMEOUT &&
         GetTickCount64() - started < (ULONGLONG)host_service.stop_wait_ms) {
    EnterCriticalSection(&host_service.lock);
    if (!host_service.body_done) {
      host_service_report_locked(SERVICE_STOP_PENDING,
                                 HOST_SERVICE_STOP_HINT_MS);
    }
    LeaveCriticalSection(&host_service.lock);
  }
  return 0;
}

static DWORD WINAPI host_service_control(DWORD control, DWORD event_type,
                                         LPVOID event_data, LPVOID context) {
  (void)event_type;
  (void)event_data;
  (void)context;
  switch (control) {
    case SERVICE_CONTROL_STOP:
    case SERVICE_CONTROL_SHUTDOWN:
    case SERVICE_CONTROL_PRESHUTDOWN: {
      /* A graceful stop: the running installer is given the grace period
       * and never killed. Only the first control starts it; the body's
       * end is what reports the service stopped. */
      EnterCriticalSection(&host_service.lock);
      bool first = !host_service.stop_requested && !host_service.body_done;
      host_service.stop_requested = true;
      if (first) {
        host_service_report_locked(SERVICE_STOP_PENDING,
                                   HOST_SERVICE_STOP_HINT_MS);
        host_service.progress_thread =
            CreateThread(NULL, 0, host_service_stop_progress, NULL, 0, NULL);
      }
      LeaveCriticalSection(&host_service.lock);
      if (first) {
        host_service.request_stop(host_service.stop_context);
      }
      return NO_ERROR;
    }
    case SERVICE_CONTROL_INTERROGATE:
      return NO_ERROR;
  }
  return ERROR_CALL_NOT_IMPLEMENTED;
}

static void WINAPI host_service_main(DWORD argc, LPWSTR *argv) {
  (void)argc;
  (void)argv;
  host_service.handle = RegisterServiceCtrlHandlerExW(
      host_service.name, host_service_control, NULL);
  if (host_service.handle == NULL) {
    host_service.result = MSIQ_EHOST;
    return;
  }
  host_service_report(SERVICE_START_PENDING, 5000);
  host_service_report(SERVICE_RUNNING, 0);
  host_service.result = host_service.body(host_service.context);
  /* From here on a control starts nothing; the progress thread, if a stop
   * started one, ends before the final report so that STOPPED is last. */
  EnterCriticalSection(&host_service.lock);
  host_service.body_done = true;
  HANDLE progress = host_service.progress_thread;
  host_service.progress_thread = NULL;
  LeaveCriticalSection(&host_service.lock);
  SetEvent(host_service.body_returned);
  if (progress != NULL) {
    WaitForSingleObject(progress, INFINITE);
    CloseHandle(progress);
  }
  EnterCriticalSection(&host_service.lock);
  host_service.status.dwWin32ExitCode =
      host_service.result == MSIQ_OK ? NO_ERROR : ERROR_SERVICE_SPECIFIC_ERROR;
  host_service.status.dwServiceSpecificExitCode =
      (DWORD)msiq_status_exit_code(host_service.result);
  host_service_report_locked(SERVICE_STOPPED, 0);
  LeaveCriticalSection(&host_service.lock);
}

int msiq_host_service_run(const char *name, msiq_service_body body,
                          void *context, void (*request_stop)(void *),
                          void *stop_context, int64_t stop_wait_ms,
                          msiq_diag *diag) {
  if (MultiByteToWideChar(CP_UTF8, 0, name, -1, host_service.name, 256) == 0) {
    return msiq_diag_set(diag, MSIQ_EUSAGE, "invalid service name '%s'", name);
  }
  host_service.body = body;
  host_service.context = context;
  host_service.request_stop = request_stop;
  host_service.stop_context = stop_context;
  host_service.stop_wait_ms = stop_wait_ms;
  host_service.result = MSIQ_OK;
  host_service.body_returned = CreateEventW(NULL, TRUE, FALSE, NULL);
  if (host_service.body_returned == NULL) {
    return host_win_fail(diag, MSIQ_EHOST, GetLastError(), "run as service",
                         name);
  }
  InitializeCriticalSection(&host_service.lock);
  SERVICE_TABLE_ENTRYW table[] = {{host_service.name, host_service_main},
                                  {NULL, NULL}};
  int status = MSIQ_OK;
  if (!StartServiceCtrlDispatcherW(table)) {
    DWORD error = GetLastError();
    if (error == ERROR_FAILED_SERVICE_CONTROLLER_CONNECT) {
      status = msiq_diag_set(diag, MSIQ_EUSAGE,
                             "`msiq service run` is for the service manager; "
                             "use `msiq service start` or `msiq run`");
    } else {
      status = host_win_fail(diag, MSIQ_EHOST, error, "run as service", name);
    }
  } else if (host_service.result != MSIQ_OK) {
    status = msiq_diag_set(diag, host_service.result, "service %s failed: %s",
                           name, msiq_strerror(host_service.result));
  }
  DeleteCriticalSection(&host_service.lock);
  CloseHandle(host_service.body_returned);
  host_service.body_returned = NULL;
  return status;
}

void msiq_host_report_event(msiq_event_kind kind, const char *message) {
  /* Registering the source once per call keeps msiq free of installation
   * steps; an unregistered source still logs, with a generic description. */
  HANDLE source = RegisterEventSourceW(NULL, L"msiq");
  wchar_t *wide = host_win_wide(message);
  if (source != NULL && wide != NULL) {
    static const WORD types[] = {EVENTLOG_INFORMATION_TYPE,
                                 EVENTLOG_WARNING_TYPE, EVENTLOG_ERROR_TYPE};
    const wchar_t *strings[] = {wide};
    ReportEventW(source, types[kind], 0, 1000 + (DWORD)kind, NULL, 1, 0,
                 strings, NULL);
  }
  free(wide);
  if (source != NULL) {
    DeregisterEventSource(source);
  }
}
