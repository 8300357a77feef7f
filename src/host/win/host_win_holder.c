/* host_win_holder.c: who holds Windows Installer (host.h,
 * msiq_host_find_installer_holder).
 *
 * Two sources, tried in order. The Application log's MsiInstaller events
 * name the package and the client process of every transaction; the rule
 * that picks the open one is core/installer_holder.c. When the log teaches
 * nothing (no such event in the last hour, no right to read it, or no
 * working wevtapi.dll: Wine's event log functions are stubs), the running
 * msiexec.exe processes and their command lines are what is left.
 */
#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#include <windows.h>

#include <tlhelp32.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "core/installer_holder.h"
#include "host/host.h"
#include "host/win/host_win_internal.h"

/* The event log. wevtapi.dll is loaded when needed, not linked: it may be
 * missing or a stub, and then the process list still answers. The few
 * declarations are written here so that nothing of it is imported. */

typedef HANDLE host_evt_handle;
typedef host_evt_handle(WINAPI *host_evt_query_function)(
    host_evt_handle session, LPCWSTR path, LPCWSTR query, DWORD flags);
typedef BOOL(WINAPI *host_evt_next_function)(host_evt_handle result_set,
                                             DWORD events_size,
                                             host_evt_handle *events,
                                             DWORD timeout, DWORD flags,
                                             PDWORD returned);
typedef BOOL(WINAPI *host_evt_render_function)(host_evt_handle context,
                                               host_evt_handle fragment,
                                               DWORD flags, DWORD buffer_size,
                                               PVOID buffer, PDWORD buffer_used,
                                               PDWORD property_count);
typedef BOOL(WINAPI *host_evt_close_function)(host_evt_handle object);

#define HOST_EVT_QUERY_CHANNEL_PATH      0x1
#define HOST_EVT_QUERY_REVERSE_DIRECTION 0x200
#define HOST_EVT_RENDER_EVENT_XML        1

/* At most this many events are read (an hour of a busy machine's
 * transactions), in batches, each batch waiting at most a second. */
#define HOLDER_EVENTS_MAX  256
#define HOLDER_EVENT_BATCH 16

/* The query: the transaction events of the last hour, newest first. An
 * older open transaction is more likely a client that died without its
 * end than one still running. */
static const wchar_t holder_event_query[] =
    L"*[System[Provider[@Name='MsiInstaller'] and "
    L"(EventID=1040 or EventID=1042) and "
    L"TimeCreated[timediff(@SystemTime) <= 3600000]]]";

static char *holder_render_event(host_evt_render_function render,
                                 host_evt_handle event) {
  DWORD used = 0;
  DWORD properties = 0;
  wchar_t *buffer = NULL;
  char *text = NULL;
  if (render(NULL, event, HOST_EVT_RENDER_EVENT_XML, 0, NULL, &used,
             &properties) ||
      GetLastError() != ERROR_INSUFFICIENT_BUFFER || used == 0) {
    goto cleanup;
  }
  buffer = malloc(used + sizeof(wchar_t));
  if (buffer == NULL || !render(NULL, event, HOST_EVT_RENDER_EVENT_XML, used,
                                buffer, &used, &properties)) {
    goto cleanup;
  }
  buffer[used / sizeof(wchar_t)] = L'\0';
  text = host_win_narrow(buffer);
cleanup:
  free(buffer);
  return text;
}

static bool holder_from_event_log(msiq_installer_holder *out) {
  HMODULE wevtapi =
      LoadLibraryExW(L"wevtapi.dll", NULL, LOAD_LIBRARY_SEARCH_SYSTEM32);
  if (wevtapi == NULL) {
    /* Before KB2533623 the search flag is unknown; System32 by name. */
    wevtapi = LoadLibraryW(L"wevtapi.dll");
  }
  if (wevtapi == NULL) {
    return false;
  }
  /* The cast through a generic function pointer is how a FARPROC becomes
   * its real type. */
  host_evt_query_function query =
      (host_evt_query_function)(void (*)(void))GetProcAddress(wevtapi,
                                                              "EvtQuery");
  host_evt_next_function next =
      (host_evt_next_function)(void (*)(void))GetProcAddress(wevtapi,
                                                             "EvtNext");
  host_evt_render_function render =
      (host_evt_render_function)(void (*)(void))GetProcAddress(wevtapi,
                                                               "EvtRender");
  host_evt_close_function close_handle =
      (host_evt_close_function)(void (*)(void))GetProcAddress(wevtapi,
                                                              "EvtClose");
  bool found = false;
  char *texts[HOLDER_EVENTS_MAX];
  size_t count = 0;
  host_evt_handle results = NULL;
  if (query == NULL || next == NULL || render == NULL || close_handle == NULL) {
    goto cleanup;
  }
  results =
      query(NULL, L"Application", holder_event_query,
            HOST_EVT_QUERY_CHANNEL_PATH | HOST_EVT_QUERY_REVERSE_DIRECTION);
  if (results == NULL) {
    goto cleanup;
  }
  while (count < HOLDER_EVENTS_MAX) {
    host_evt_handle batch[HOLDER_EVENT_BATCH];
    DWORD returned = 0;
    if (!next(results, HOLDER_EVENT_BATCH, batch, 1000, 0, &returned) ||
        returned == 0) {
      break;
    }
    for (DWORD i = 0; i < returned; i++) {
      char *text = count < HOLDER_EVENTS_MAX
                       ? holder_render_event(render, batch[i])
                       : NULL;
      if (text != NULL) {
        texts[count++] = text;
      }
      close_handle(batch[i]);
    }
  }
  found =
      msiq_installer_holder_from_events((const char *const *)texts, count, out);
cleanup:
  for (size_t i = 0; i < count; i++) {
    free(texts[i]);
  }
  if (results != NULL) {
    close_handle(results);
  }
  FreeLibrary(wevtapi);
  return found;
}

/* A process's command line. Windows 8.1 and later answer
 * ProcessCommandLineInformation; otherwise (and under Wine, which may not)
 * it is read where every Windows keeps it: the PEB's ProcessParameters,
 * their CommandLine. mingw-w64 declares neither, so the documented layouts
 * (winternl.h) are written here; the offsets are those of the x64 and x86
 * PEB and RTL_USER_PROCESS_PARAMETERS. */

#define HOST_PROCESS_BASIC_INFORMATION        0
#define HOST_PROCESS_COMMAND_LINE_INFORMATION 60

typedef LONG(NTAPI *host_nt_query_information_process_function)(
    HANDLE process, int information_class, PVOID information,
    ULONG information_length, PULONG return_length);

typedef struct host_unicode_string {
  USHORT Length; /* bytes, without a terminator */
  USHORT MaximumLength;
  PWSTR Buffer;
} host_unicode_string;

typedef struct host_process_basic_information {
  PVOID Reserved1;
  PVOID PebBaseAddress;
  PVOID Reserved2[2];
  ULONG_PTR UniqueProcessId;
  PVOID Reserved3;
} host_process_basic_information;

#define HOST_PEB_PROCESS_PARAMETERS  (sizeof(void *) == 8 ? 0x20 : 0x10)
#define HOST_PARAMETERS_COMMAND_LINE (sizeof(void *) == 8 ? 0x70 : 0x40)

static char *
holder_command_line_from_peb(HANDLE process,
                             host_nt_query_information_process_function query) {
  host_process_basic_information basic;
  ULONG length = 0;
  if (query(process, HOST_PROCESS_BASIC_INFORMATION, &basic, sizeof basic,
            &length) < 0 ||
      basic.PebBaseAddress == NULL) {
    return NULL;
  }
  PVOID parameters = NULL;
  host_unicode_string line;
  SIZE_T read = 0;
  if (!ReadProcessMemory(process,
                         (const char *)basic.PebBaseAddress +
                             HOST_PEB_PROCESS_PARAMETERS,
                         &parameters, sizeof parameters, &read) ||
      parameters == NULL ||
      !ReadProcessMemory(
          process, (const char *)parameters + HOST_PARAMETERS_COMMAND_LINE,
          &line, sizeof line, &read) ||
      line.Buffer == NULL || line.Length == 0) {
    return NULL;
  }
  wchar_t *wide =
      calloc((size_t)line.Length / sizeof(wchar_t) + 1, sizeof(wchar_t));
  char *text = NULL;
  if (wide != NULL &&
      ReadProcessMemory(process, line.Buffer, wide, line.Length, &read)) {
    text = host_win_narrow(wide);
  }
  free(wide);
  return text;
}

static char *holder_command_line(DWORD process_id) {
  HANDLE process = OpenProcess(PROCESS_QUERY_INFORMATION | PROCESS_VM_READ,
                               FALSE, process_id);
  if (process == NULL) {
    process = OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, FALSE, process_id);
  }
  if (process == NULL) {
    return NULL;
  }
  HMODULE ntdll = GetModuleHandleW(L"ntdll.dll");
  host_nt_query_information_process_function query =
      ntdll == NULL
          ? NULL
          : (host_nt_query_information_process_function)(void (*)(
                void))GetProcAddress(ntdll, "NtQueryInformationProcess");
  char *text = NULL;
  if (query != NULL) {
    ULONG length = 0;
    BYTE probe[sizeof(host_unicode_string)];
    query(process, HOST_PROCESS_COMMAND_LINE_INFORMATION, probe, sizeof probe,
          &length);
    host_unicode_string *line =
        length > sizeof(host_unicode_string) ? malloc(length) : NULL;
    if (line != NULL &&
        query(process, HOST_PROCESS_COMMAND_LINE_INFORMATION, line, length,
              &length) >= 0 &&
        line->Buffer != NULL &&
        (const BYTE *)line->Buffer + line->Length <=
            (const BYTE *)line + length) {
      wchar_t *wide =
          calloc((size_t)line->Length / sizeof(wchar_t) + 1, sizeof(wchar_t));
      if (wide != NULL) {
        memcpy(wide, line->Buffer, line->Length);
        text = host_win_narrow(wide);
      }
      free(wide);
    }
    free(line);
    if (text == NULL) {
      text = holder_command_line_from_peb(process, query);
    }
  }
  CloseHandle(process);
  return text;
}

/* The running msiexec.exe processes, in the snapshot's order: the first
 * that is not the service's own /V process. */
static bool holder_from_process_list(msiq_installer_holder *out) {
  HANDLE snapshot = CreateToolhelp32Snapshot(TH32CS_SNAPPROCESS, 0);
  if (snapshot == INVALID_HANDLE_VALUE) {
    return false;
  }
  bool found = false;
  PROCESSENTRY32W entry;
  entry.dwSize = sizeof entry;
  for (BOOL more = Process32FirstW(snapshot, &entry); more && !found;
       more = Process32NextW(snapshot, &entry)) {
    if (_wcsicmp(entry.szExeFile, L"msiexec.exe") != 0 ||
        entry.th32ProcessID == GetCurrentProcessId()) {
      continue;
    }
    char *line = holder_command_line(entry.th32ProcessID);
    if (line != NULL && msiq_installer_holder_is_service_process(line)) {
      free(line);
      continue;
    }
    /* A command line msiq may not read still names the program. */
    snprintf(out->command_line, sizeof out->command_line, "%s",
             line != NULL ? line : "msiexec.exe");
    free(line);
    out->source = MSIQ_HOLDER_SOURCE_PROCESS_LIST;
    out->process_id = (int64_t)entry.th32ProcessID;
    found = true;
  }
  CloseHandle(snapshot);
  return found;
}

bool msiq_host_find_installer_holder(msiq_installer_holder *out) {
  memset(out, 0, sizeof *out);
  if (holder_from_event_log(out)) {
    /* The client may still run: its command line says more than the
     * package alone. */
    if (out->process_id > 0 && out->process_id <= (int64_t)MAXDWORD) {
      char *line = holder_command_line((DWORD)out->process_id);
      if (line != NULL) {
        snprintf(out->command_line, sizeof out->command_line, "%s", line);
      }
      free(line);
    }
    return true;
  }
  memset(out, 0, sizeof *out);
  return holder_from_process_list(out);
}
