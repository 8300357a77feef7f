/* service_probe.c: reads what the service manager knows of a service, for
 * tests/wine/service.sh.
 *
 *   service_probe config NAME
 *       One line per setting: "preshutdown MS", "description TEXT",
 *       "delayed 0|1", "failure_actions RESET N TYPE/DELAY..." (or the
 *       setting's name followed by "unsupported" when this service manager
 *       cannot report it; Wine's reports only some).
 *   service_probe stop NAME MS
 *       Sends the stop control and then, every 100 ms for up to MS, prints
 *       each new "STATE CHECKPOINT WAIT_HINT" of the service, until it is
 *       stopped.
 *   service_probe messages EXE ID...
 *       Loads EXE as a data file and prints "ID: TEXT" for each message id
 *       of its message table, formatted by FormatMessageW with "INSERT" as
 *       %1 (line breaks shown as |), or "ID: missing".
 *
 * Exit 0, or 1 with the reason on stderr.
 */
#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#include <windows.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static BYTE config_buffer[8192];

/* QueryServiceConfig2W of `level`, or NULL when this manager cannot say. */
static void *probe_query(SC_HANDLE service, DWORD level) {
  DWORD needed = 0;
  memset(config_buffer, 0, sizeof config_buffer);
  if (!QueryServiceConfig2W(service, level, config_buffer, sizeof config_buffer,
                            &needed)) {
    return NULL;
  }
  return config_buffer;
}

static int probe_config(SC_HANDLE service) {
  SERVICE_PRESHUTDOWN_INFO *preshutdown =
      probe_query(service, SERVICE_CONFIG_PRESHUTDOWN_INFO);
  if (preshutdown != NULL) {
    printf("preshutdown %lu\n",
           (unsigned long)preshutdown->dwPreshutdownTimeout);
  } else {
    printf("preshutdown unsupported\n");
  }
  SERVICE_DESCRIPTIONW *description =
      probe_query(service, SERVICE_CONFIG_DESCRIPTION);
  if (description != NULL && description->lpDescription != NULL) {
    printf("description %ls\n", description->lpDescription);
  } else {
    printf("description unsupported\n");
  }
  SERVICE_DELAYED_AUTO_START_INFO *delayed =
      probe_query(service, SERVICE_CONFIG_DELAYED_AUTO_START_INFO);
  if (delayed != NULL) {
    printf("delayed %d\n", delayed->fDelayedAutostart ? 1 : 0);
  } else {
    printf("delayed unsupported\n");
  }
  SERVICE_FAILURE_ACTIONSW *failure =
      probe_query(service, SERVICE_CONFIG_FAILURE_ACTIONS);
  if (failure != NULL) {
    printf("failure_actions %lu %lu", (unsigned long)failure->dwResetPeriod,
           (unsigned long)failure->cActions);
    for (DWORD i = 0; i < failure->cActions; i++) {
      printf(" %d/%lu", (int)failure->lpsaActions[i].Type,
             (unsigned long)failure->lpsaActions[i].Delay);
    }
    printf("\n");
  } else {
    printf("failure_actions unsupported\n");
  }
  return 0;
}

static int probe_stop(SC_HANDLE service, DWORD wait_ms) {
  SERVICE_STATUS status;
  if (!ControlService(service, SERVICE_CONTROL_STOP, &status)) {
    fprintf(stderr, "stop: error %lu\n", (unsigned long)GetLastError());
    return 1;
  }
  DWORD last_state = 0;
  DWORD last_checkpoint = (DWORD)-1;
  for (DWORD waited = 0; waited <= wait_ms; waited += 100) {
    if (!QueryServiceStatus(service, &status)) {
      fprintf(stderr, "query: error %lu\n", (unsigned long)GetLastError());
      return 1;
    }
    if (status.dwCurrentState != last_state ||
        status.dwCheckPoint != last_checkpoint) {
      printf("%lu %lu %lu\n", (unsigned long)status.dwCurrentState,
             (unsigned long)status.dwCheckPoint,
             (unsigned long)status.dwWaitHint);
      fflush(stdout);
      last_state = status.dwCurrentState;
      last_checkpoint = status.dwCheckPoint;
    }
    if (status.dwCurrentState == SERVICE_STOPPED) {
      return 0;
    }
    Sleep(100);
  }
  fprintf(stderr, "stop: still not stopped after %lu ms\n",
          (unsigned long)wait_ms);
  return 1;
}

static int probe_messages(int count, char **arguments) {
  wchar_t path[MAX_PATH];
  MultiByteToWideChar(CP_UTF8, 0, arguments[0], -1, path, MAX_PATH);
  HMODULE module = LoadLibraryExW(path, NULL, LOAD_LIBRARY_AS_DATAFILE);
  if (module == NULL) {
    fprintf(stderr, "load %s: error %lu\n", arguments[0],
            (unsigned long)GetLastError());
    return 1;
  }
  const wchar_t *insert = L"INSERT";
  DWORD_PTR inserts[] = {(DWORD_PTR)insert};
  for (int i = 1; i < count; i++) {
    DWORD id = (DWORD)strtoul(arguments[i], NULL, 10);
    wchar_t text[1024];
    DWORD length = FormatMessageW(
        FORMAT_MESSAGE_FROM_HMODULE | FORMAT_MESSAGE_ARGUMENT_ARRAY, module, id,
        0, text, sizeof text / sizeof text[0], (va_list *)inserts);
    if (length == 0) {
      printf("%lu: missing\n", (unsigned long)id);
      continue;
    }
    for (DWORD j = 0; j < length; j++) {
      if (text[j] == L'\r') {
        text[j] = L' ';
      } else if (text[j] == L'\n') {
        text[j] = L'|';
      }
    }
    printf("%lu: %ls\n", (unsigned long)id, text);
  }
  FreeLibrary(module);
  return 0;
}

int main(int argc, char **argv) {
  if (argc >= 3 && strcmp(argv[1], "messages") == 0) {
    return probe_messages(argc - 2, argv + 2);
  }
  if (argc < 3) {
    fprintf(stderr, "usage: service_probe config|stop NAME [MS]\n");
    return 1;
  }
  SC_HANDLE manager = OpenSCManagerW(NULL, NULL, SC_MANAGER_CONNECT);
  wchar_t name[256];
  MultiByteToWideChar(CP_UTF8, 0, argv[2], -1, name, 256);
  SC_HANDLE service =
      manager != NULL ? OpenServiceW(manager, name,
                                     SERVICE_QUERY_CONFIG |
                                         SERVICE_QUERY_STATUS | SERVICE_STOP)
                      : NULL;
  if (service == NULL) {
    fprintf(stderr, "open %s: error %lu\n", argv[2],
            (unsigned long)GetLastError());
    return 1;
  }
  int result = 1;
  if (strcmp(argv[1], "config") == 0) {
    result = probe_config(service);
  } else if (strcmp(argv[1], "stop") == 0 && argc >= 4) {
    result = probe_stop(service, (DWORD)strtoul(argv[3], NULL, 10));
  } else {
    fprintf(stderr, "unknown probe '%s'\n", argv[1]);
  }
  CloseServiceHandle(service);
  CloseServiceHandle(manager);
  return result;
}
