/* host_win.c: the Win32 host, the product's.
 *
 * UTF-8 everywhere inside msiq; UTF-16 at every Win32 call, converted here.
 * Win32 error codes are translated into msiq statuses here and nowhere else.
 */
#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#include <windows.h>

#include <aclapi.h>
#include <limits.h>
#include <sddl.h>
#include <shellapi.h>
#include <tlhelp32.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "core/msiexec_words.h"
#include "core/text.h"
#include "host/host.h"
#include "host/host_installer.h"
#include "host/host_test_settings.h"
#include "host/win/host_win_internal.h"

/* UTF-8 <-> UTF-16 (host_win_internal.h). */

wchar_t *host_win_wide(const char *text) {
  int length =
      MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, text, -1, NULL, 0);
  if (length <= 0) {
    return NULL;
  }
  wchar_t *wide = malloc((size_t)length * sizeof *wide);
  if (wide != NULL && MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, text,
                                          -1, wide, length) != length) {
    free(wide);
    wide = NULL;
  }
  return wide;
}

char *host_win_narrow(const wchar_t *wide) {
  int length = WideCharToMultiByte(CP_UTF8, 0, wide, -1, NULL, 0, NULL, NULL);
  if (length <= 0) {
    return NULL;
  }
  char *text = malloc((size_t)length);
  if (text != NULL && WideCharToMultiByte(CP_UTF8, 0, wide, -1, text, length,
                                          NULL, NULL) != length) {
    free(text);
    text = NULL;
  }
  return text;
}

/* Writes the message of a Win32 error code into buffer, on one line. */
static const char *host_error_text(DWORD error, char *buffer, size_t size) {
  wchar_t wide[256];
  DWORD length = FormatMessageW(
      FORMAT_MESSAGE_FROM_SYSTEM | FORMAT_MESSAGE_IGNORE_INSERTS, NULL, error,
      MAKELANGID(LANG_ENGLISH, SUBLANG_DEFAULT), wide, 256, NULL);
  while (length > 0 &&
         (wide[length - 1] == L'\r' || wide[length - 1] == L'\n' ||
          wide[length - 1] == L'.' || wide[length - 1] == L' ')) {
    wide[--length] = L'\0';
  }
  char *text = length > 0 ? host_win_narrow(wide) : NULL;
  snprintf(buffer, size, "%s (Win32 error %lu)",
           text != NULL ? text : "unknown error", (unsigned long)error);
  free(text);
  return buffer;
}

bool msiq_host_exit_code_message(int64_t exit_code, char *buffer, size_t size) {
  if (size == 0 || exit_code < INT32_MIN || exit_code > 0xFFFFFFFFLL) {
    return false;
  }
  /* Language 0: the user's language, then the system's, then English, as
   * FormatMessageW looks them up; admins read the text in their own. */
  wchar_t wide[512];
  DWORD length = FormatMessageW(
      FORMAT_MESSAGE_FROM_SYSTEM | FORMAT_MESSAGE_IGNORE_INSERTS, NULL,
      (DWORD)exit_code, 0, wide, sizeof wide / sizeof wide[0], NULL);
  if (length == 0) {
    return false;
  }
  char *text = host_win_narrow(wide);
  if (text == NULL) {
    return false;
  }
  snprintf(buffer, size, "%s", text);
  free(text);
  return buffer[0] != '\0';
}

static int host_fail(msiq_diag *diag, int status, DWORD error,
                     const char *doing, const char *subject) {
  char text[320];
  host_error_text(error, text, sizeof text);
  if (error == ERROR_ACCESS_DENIED && status != MSIQ_EDISPATCHER_RUNNING) {
    return msiq_diag_set(diag, MSIQ_EREADONLY, "cannot %s %s: access denied%s",
                         doing, subject, msiq_host_permission_hint());
  }
  return msiq_diag_set(diag, status, "cannot %s %s: %s", doing, subject, text);
}

int host_win_fail(msiq_diag *diag, int status, unsigned long error,
                  const char *doing, const char *subject) {
  return host_fail(diag, status, (DWORD)error, doing, subject);
}

/* Process set-up. */

int msiq_host_main_arguments(int argc, char **argv, char ***utf8_argv) {
  (void)argv;
  int count = 0;
  wchar_t **wide = CommandLineToArgvW(GetCommandLineW(), &count);
  if (wide == NULL || count != argc) {
    if (wide != NULL) {
      LocalFree(wide);
    }
    return MSIQ_EHOST;
  }
  char **converted = calloc((size_t)count + 1, sizeof *converted);
  if (converted == NULL) {
    LocalFree(wide);
    return MSIQ_ENOMEM;
  }
  for (int i = 0; i < count; i++) {
    converted[i] = host_win_narrow(wide[i]);
    if (converted[i] == NULL) {
      LocalFree(wide);
      return MSIQ_EHOST;
    }
  }
  LocalFree(wide);
  /* Output is UTF-8 so package paths such as "Mise à jour" print intact. */
  SetConsoleOutputCP(CP_UTF8);
  *utf8_argv = converted;
  return MSIQ_OK;
}

/* True when the raw command line holds argc words whose first `first`
 * are argv's: then it is this process's own line and not one an
 * in-process caller of the tool made up. */
static bool host_win_command_line_matches(int argc, char **argv, int first) {
  int count = 0;
  wchar_t **wide = CommandLineToArgvW(GetCommandLineW(), &count);
  if (wide == NULL) {
    return false;
  }
  bool matches = count == argc;
  for (int i = 0; matches && i < first; i++) {
    char *word = host_win_narrow(wide[i]);
    matches = word != NULL && strcmp(word, argv[i]) == 0;
    free(word);
  }
  LocalFree(wide);
  return matches;
}

int msiq_host_command_line_tail(int argc, char **argv, int first, char **tail,
                                msiq_diag *diag) {
  if (first < 0 || first > argc) {
    return msiq_diag_set(diag, MSIQ_EINVAL, "no such argument %d", first);
  }
  if (!host_win_command_line_matches(argc, argv, first)) {
    return msiq_msiexec_words_join((const char *const *)argv + first,
                                   (size_t)(argc - first), tail, diag);
  }
  char *line = host_win_narrow(GetCommandLineW());
  if (line == NULL) {
    return msiq_diag_set(diag, MSIQ_EHOST, "cannot read the command line");
  }
  /* The words before `first` (the program, msiq's global options, the
   * command's name) were split by the C runtime's rules, so their end is
   * found by the same rules; the rest is exec's, untouched. */
  size_t offset = msiq_c_runtime_words_skip(line, (size_t)first);
  size_t length = strlen(line + offset);
  while (length > 0 && (line[offset + length - 1] == ' ' ||
                        line[offset + length - 1] == '\t')) {
    length--;
  }
  memmove(line, line + offset, length);
  line[length] = '\0';
  *tail = line;
  return MSIQ_OK;
}

/* When a process started; false when it cannot be opened (gone, or not
 * ours to query). */
static bool host_win_process_start(DWORD id, ULONGLONG *start) {
  HANDLE process = OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, FALSE, id);
  if (process == NULL) {
    return false;
  }
  FILETIME created, exited, kernel, user;
  bool known = GetProcessTimes(process, &created, &exited, &kernel, &user);
  CloseHandle(process);
  if (known) {
    *start = ((ULONGLONG)created.dwHighDateTime << 32) | created.dwLowDateTime;
  }
  return known;
}

bool msiq_host_inside_installation(char *ancestor, size_t size) {
  HANDLE snapshot = CreateToolhelp32Snapshot(TH32CS_SNAPPROCESS, 0);
  if (snapshot == INVALID_HANDLE_VALUE) {
    return false;
  }
  bool inside = false;
  DWORD child = GetCurrentProcessId();
  ULONGLONG child_start = 0;
  bool child_known = host_win_process_start(child, &child_start);
  for (int step = 0; step < 64 && !inside; step++) {
    PROCESSENTRY32W entry = {.dwSize = sizeof entry};
    DWORD parent = 0;
    for (BOOL more = Process32FirstW(snapshot, &entry); more;
         more = Process32NextW(snapshot, &entry)) {
      if (entry.th32ProcessID == child) {
        parent = entry.th32ParentProcessID;
        break;
      }
    }
    if (parent == 0 || parent == child) {
      break;
    }
    /* A parent that started after its child is a stranger that got the
     * dead parent's id. */
    ULONGLONG parent_start = 0;
    bool parent_known = host_win_process_start(parent, &parent_start);
    if (child_known && parent_known && parent_start > child_start) {
      break;
    }
    entry.dwSize = sizeof entry;
    bool found = false;
    for (BOOL more = Process32FirstW(snapshot, &entry); more;
         more = Process32NextW(snapshot, &entry)) {
      if (entry.th32ProcessID == parent) {
        found = true;
        break;
      }
    }
    if (!found) {
      break;
    }
    if (_wcsicmp(entry.szExeFile, L"msiexec.exe") == 0) {
      snprintf(ancestor, size, "msiexec.exe, process %lu",
               (unsigned long)parent);
      inside = true;
    }
    child = parent;
    child_start = parent_start;
    child_known = parent_known;
  }
  CloseHandle(snapshot);
  return inside;
}

bool msiq_host_getenv(const char *name, char *buffer, size_t size) {
  wchar_t *wide_name = host_win_wide(name);
  wchar_t value[4096];
  DWORD length =
      wide_name != NULL ? GetEnvironmentVariableW(wide_name, value, 4096) : 0;
  free(wide_name);
  if (length == 0 || length >= 4096) {
    return false;
  }
  char *text = host_win_narrow(value);
  bool fits = text != NULL && snprintf(buffer, size, "%s", text) < (int)size;
  free(text);
  return fits;
}

int msiq_host_text_from_ansi(const char *bytes, size_t length, char **utf8,
                             msiq_diag *diag) {
  *utf8 = NULL;
  if (length > (size_t)INT_MAX / 2) {
    return msiq_diag_set(diag, MSIQ_EINVAL,
                         "text of %zu bytes is too long to convert from the "
                         "ANSI code page",
                         length);
  }
  /* In one piece: a double-byte code page (932, 936...) must not be cut
   * between the two bytes of a character. */
  int wide_length =
      length > 0 ? MultiByteToWideChar(CP_ACP, 0, bytes, (int)length, NULL, 0)
                 : 0;
  wchar_t *wide = malloc(((size_t)wide_length + 1) * sizeof *wide);
  char *text = NULL;
  int status = MSIQ_OK;
  if (wide == NULL) {
    status = msiq_diag_set(diag, MSIQ_ENOMEM, "out of memory");
    goto cleanup;
  }
  if (wide_length > 0 &&
      MultiByteToWideChar(CP_ACP, 0, bytes, (int)length, wide, wide_length) !=
          wide_length) {
    status = msiq_diag_set(diag, MSIQ_EHOST,
                           "cannot convert from the ANSI code page (error "
                           "%lu)",
                           (unsigned long)GetLastError());
    goto cleanup;
  }
  /* NUL characters would end the text early; a log never needs them. */
  int kept = 0;
  for (int i = 0; i < wide_length; i++) {
    if (wide[i] != 0) {
      wide[kept++] = wide[i];
    }
  }
  int text_length = kept > 0 ? WideCharToMultiByte(CP_UTF8, 0, wide, kept, NULL,
                                                   0, NULL, NULL)
                             : 0;
  text = malloc((size_t)text_length + 1);
  if (text == NULL) {
    status = msiq_diag_set(diag, MSIQ_ENOMEM, "out of memory");
    goto cleanup;
  }
  if (text_length > 0 &&
      WideCharToMultiByte(CP_UTF8, 0, wide, kept, text, text_length, NULL,
                          NULL) != text_length) {
    status =
        msiq_diag_set(diag, MSIQ_EHOST, "cannot convert to UTF-8 (error %lu)",
                      (unsigned long)GetLastError());
    goto cleanup;
  }
  text[text_length] = '\0';
  *utf8 = text;
  text = NULL;

cleanup:
  free(wide);
  free(text);
  return status;
}

FILE *msiq_host_fopen(const char *path, const char *mode) {
  /* 'N' (_O_NOINHERIT): libuv starts each installer with handle
   * inheritance on, and an installer that inherited the service's log
   * kept it from being renamed when it rotated; no child needs msiq's
   * files. */
  char private_mode[16];
  snprintf(private_mode, sizeof private_mode, "%sN", mode);
  wchar_t *wide_path = host_win_wide(path);
  wchar_t *wide_mode = host_win_wide(private_mode);
  FILE *file = NULL;
  if (wide_path != NULL && wide_mode != NULL) {
    file = _wfopen(wide_path, wide_mode);
  }
  free(wide_path);
  free(wide_mode);
  return file;
}

/* Time: FILETIME counts 100 ns from 1601-01-01. */

int64_t msiq_host_now_ms(void) {
  FILETIME now;
  GetSystemTimeAsFileTime(&now);
  ULARGE_INTEGER ticks;
  ticks.LowPart = now.dwLowDateTime;
  ticks.HighPart = now.dwHighDateTime;
  return (int64_t)(ticks.QuadPart / 10000ULL) - 11644473600000LL;
}

int64_t msiq_host_monotonic_ms(void) {
  return (int64_t)GetTickCount64();
}

/* Paths and the protected data directory. */

int msiq_host_default_database_path(char *buffer, size_t size,
                                    msiq_diag *diag) {
  char program_data[2048];
  if (!msiq_host_getenv("ProgramData", program_data, sizeof program_data)) {
    return msiq_diag_set(diag, MSIQ_EUSAGE,
                         "no default database location (%%ProgramData%% is "
                         "not set); pass --db or set MSIQ_DB");
  }
  if (snprintf(buffer, size, "%s\\msiq\\queue.db", program_data) >= (int)size) {
    return msiq_diag_set(diag, MSIQ_EUSAGE, "default database path too long");
  }
  return MSIQ_OK;
}

/* Only SYSTEM and Administrators may enter a directory msiq creates: the
 * queue decides what gets installed on the machine. "P" protects the DACL
 * from inheriting the parent's entries; OICI passes the two entries on to
 * the database, its WAL files and the logs created inside. */
const wchar_t host_private_directory_sddl[] =
    L"D:P(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)";

static int host_create_private_directory(const wchar_t *path,
                                         const char *display, msiq_diag *diag) {
  PSECURITY_DESCRIPTOR descriptor = NULL;
  if (!ConvertStringSecurityDescriptorToSecurityDescriptorW(
          host_private_directory_sddl, SDDL_REVISION_1, &descriptor, NULL)) {
    return host_fail(diag, MSIQ_EHOST, GetLastError(),
                     "build the security descriptor for", display);
  }
  SECURITY_ATTRIBUTES attributes = {sizeof attributes, descriptor, FALSE};
  BOOL created = CreateDirectoryW(path, &attributes);
  DWORD error = GetLastError();
  LocalFree(descriptor);
  if (!created && error != ERROR_ALREADY_EXISTS) {
    return host_fail(diag, MSIQ_EIO, error, "create directory", display);
  }
  return MSIQ_OK;
}

int msiq_host_make_directory(const char *path, msiq_diag *diag) {
  wchar_t *wide = host_win_wide(path);
  if (wide == NULL) {
    return msiq_diag_set(diag, MSIQ_EINVAL, "invalid path '%s'", path);
  }
  int status = MSIQ_OK;
  /* Create each missing component from the root down ("C:\a\b" makes "C:\a"
   * then "C:\a\b"); components that exist are left as they are. */
  size_t length = wcslen(wide);
  for (size_t i = 1; status == MSIQ_OK && i <= length; i++) {
    if (i < length && wide[i] != L'\\' && wide[i] != L'/') {
      continue;
    }
    wchar_t saved = wide[i];
    wide[i] = L'\0';
    bool is_drive = i == 2 && wide[1] == L':';
    DWORD attributes = GetFileAttributesW(wide);
    if (!is_drive && attributes == INVALID_FILE_ATTRIBUTES) {
      status = host_create_private_directory(wide, path, diag);
    }
    wide[i] = saved;
  }
  free(wide);
  return status;
}

int msiq_host_prepare_database_directory(const char *database_path,
                                         msiq_diag *diag) {
  char directory[4096];
  if (snprintf(directory, sizeof directory, "%s", database_path) >=
      (int)sizeof directory) {
    return msiq_diag_set(diag, MSIQ_EUSAGE, "database path too long");
  }
  /* Both separators count on Windows; a bare name, or one right under a
   * leading separator ("\q.db"), needs no folder made. */
  size_t length = msiq_path_directory_length(directory, NULL);
  if (length == 0) {
    return MSIQ_OK;
  }
  directory[length] = '\0';
  return msiq_host_make_directory(directory, diag);
}

int msiq_host_absolute_path(const char *path, char **absolute,
                            msiq_diag *diag) {
  wchar_t *wide = host_win_wide(path);
  if (wide == NULL) {
    return msiq_diag_set(diag, MSIQ_EINVAL, "invalid path '%s'", path);
  }
  DWORD length = GetFullPathNameW(wide, 0, NULL, NULL);
  wchar_t *full = length > 0 ? malloc(length * sizeof *full) : NULL;
  DWORD written = full != NULL ? GetFullPathNameW(wide, length, full, NULL) : 0;
  DWORD error = GetLastError();
  free(wide);
  if (written == 0 || written >= length) {
    free(full);
    return host_fail(diag, MSIQ_EINVAL, error, "resolve path", path);
  }
  *absolute = host_win_narrow(full);
  free(full);
  if (*absolute == NULL) {
    return msiq_diag_set(diag, MSIQ_ENOMEM, "out of memory");
  }
  return MSIQ_OK;
}

const char *msiq_host_permission_hint(void) {
  HANDLE token = NULL;
  TOKEN_ELEVATION elevation = {0};
  DWORD size = 0;
  bool elevated = false;
  if (OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &token)) {
    elevated = GetTokenInformation(token, TokenElevation, &elevation,
                                   sizeof elevation, &size) &&
               elevation.TokenIsElevated != 0;
    CloseHandle(token);
  }
  /* The data directory admits only SYSTEM and Administrators. */
  return elevated ? "" : " (run as administrator)";
}

void msiq_host_remove_file(const char *path) {
  wchar_t *wide = host_win_wide(path);
  if (wide != NULL) {
    DeleteFileW(wide);
    free(wide);
  }
}

int msiq_host_delete_file(const char *path, msiq_diag *diag) {
  wchar_t *wide = host_win_wide(path);
  if (wide == NULL) {
    return msiq_diag_set(diag, MSIQ_EINVAL, "invalid path '%s'", path);
  }
  int status = MSIQ_OK;
  if (!DeleteFileW(wide)) {
    DWORD error = GetLastError();
    if (error != ERROR_FILE_NOT_FOUND && error != ERROR_PATH_NOT_FOUND) {
      status = host_fail(diag, MSIQ_EIO, error, "delete", path);
    }
  }
  free(wide);
  return status;
}

int msiq_host_move_file_if_absent(const char *from, const char *to,
                                  bool *existed, msiq_diag *diag) {
  *existed = false;
  wchar_t *wide_from = host_win_wide(from);
  wchar_t *wide_to = host_win_wide(to);
  int status = MSIQ_OK;
  if (wide_from == NULL || wide_to == NULL) {
    status = msiq_diag_set(diag, MSIQ_EINVAL, "invalid path '%s'", to);
    goto cleanup;
  }
  /* Without MOVEFILE_REPLACE_EXISTING the move fails if `to` exists; write
   * through so the new name is on disk when this returns. */
  if (!MoveFileExW(wide_from, wide_to, MOVEFILE_WRITE_THROUGH)) {
    DWORD error = GetLastError();
    if (error == ERROR_ALREADY_EXISTS || error == ERROR_FILE_EXISTS) {
      *existed = true;
    } else {
      status = host_fail(diag, MSIQ_EIO, error, "creating", to);
    }
    msiq_host_remove_file(from);
  }

cleanup:
  free(wide_from);
  free(wide_to);
  return status;
}

bool msiq_host_file_exists(const char *path) {
  wchar_t *wide = host_win_wide(path);
  if (wide == NULL) {
    return false;
  }
  DWORD attributes = GetFileAttributesW(wide);
  free(wide);
  return attributes != INVALID_FILE_ATTRIBUTES &&
         !(attributes & FILE_ATTRIBUTE_DIRECTORY);
}

/* The gate. */

/* Windows Installer owns Global\_MSIExecute for a whole transaction and
 * takes it again between the sequences of a chained installation or a Burn
 * bundle. Acquiring it to test it, even for an instant, or waiting on it
 * (a waiting thread is handed the mutex on release, before the installer can
 * take it back) could make that installer fail with 1618. So msiq only
 * looks: it opens the mutex with MUTANT_QUERY_STATE, which grants no right
 * to wait on or release it, and reads its state with NtQueryMutant.
 *
 * mingw-w64 declares neither NtQueryMutant nor its types, so they are
 * declared here as ntdll defines them: information class 0,
 * MutantBasicInformation, fills a MUTANT_BASIC_INFORMATION. CurrentCount is
 * 1 while the mutex is free and 1 minus the owner's recursion count while it
 * is owned; AbandonedState is set while an owner died without releasing it,
 * and the next wait acquires it, so abandoned counts as free. */
#define HOST_MUTANT_QUERY_STATE       0x0001
#define HOST_MUTANT_BASIC_INFORMATION 0

typedef struct host_mutant_basic_information {
  LONG CurrentCount;
  BOOLEAN OwnedByCaller;
  BOOLEAN AbandonedState;
} host_mutant_basic_information;

typedef LONG(NTAPI *host_nt_query_mutant_function)(HANDLE mutant,
                                                   int information_class,
                                                   PVOID information,
                                                   ULONG information_length,
                                                   PULONG result_length);

msiq_mutex_state msiq_host_installer_mutex_state(void) {
  HANDLE mutex =
      OpenMutexW(HOST_MUTANT_QUERY_STATE, FALSE, L"Global\\_MSIExecute");
  if (mutex == NULL) {
    /* Absent means no installation is running. Access denied means it
     * exists and msiq may not even look: count it as held. */
    return GetLastError() == ERROR_ACCESS_DENIED ? MSIQ_MUTEX_HELD
                                                 : MSIQ_MUTEX_FREE;
  }
  /* Looked up on every call (cheap, and no shared state between the
   * dispatcher's and status's threads); the cast through a generic function
   * pointer is how a FARPROC becomes its real type. */
  HMODULE ntdll = GetModuleHandleW(L"ntdll.dll");
  host_nt_query_mutant_function query_mutant =
      ntdll == NULL ? NULL
                    : (host_nt_query_mutant_function)(void (*)(
                          void))GetProcAddress(ntdll, "NtQueryMutant");
  /* When msiq cannot read the state it does not start an installation,
   * as for access denied. */
  msiq_mutex_state state = MSIQ_MUTEX_HELD;
  host_mutant_basic_information information;
  ULONG length = 0;
  if (query_mutant != NULL &&
      query_mutant(mutex, HOST_MUTANT_BASIC_INFORMATION, &information,
                   sizeof information, &length) >= 0) {
    state = information.CurrentCount <= 0 && !information.AbandonedState
                ? MSIQ_MUTEX_HELD
                : MSIQ_MUTEX_FREE;
  }
  CloseHandle(mutex);
  return state;
}

msiq_service_state msiq_host_installer_service_state(void) {
  char name[256] = "msiserver";
  /* Tests point this at a service of their own (docs/windows.md); a
   * release build always probes msiserver. */
  (void)host_test_setting("MSIQ_INSTALLER_SERVICE", name, sizeof name);
  wchar_t *wide_name = host_win_wide(name);
  SC_HANDLE manager = OpenSCManagerW(NULL, NULL, SC_MANAGER_CONNECT);
  SC_HANDLE service =
      manager != NULL && wide_name != NULL
          ? OpenServiceW(manager, wide_name, SERVICE_QUERY_STATUS)
          : NULL;
  msiq_service_state state = MSIQ_SERVICE_UNKNOWN;
  SERVICE_STATUS_PROCESS status;
  DWORD needed = 0;
  if (service != NULL &&
      QueryServiceStatusEx(service, SC_STATUS_PROCESS_INFO, (LPBYTE)&status,
                           sizeof status, &needed)) {
    if (status.dwCurrentState == SERVICE_STOPPED) {
      state = MSIQ_SERVICE_STOPPED;
    } else if (status.dwCurrentState == SERVICE_RUNNING) {
      /* msiserver accepts SHUTDOWN only while an installation runs. */
      state = (status.dwControlsAccepted & SERVICE_ACCEPT_SHUTDOWN)
                  ? MSIQ_SERVICE_BUSY
                  : MSIQ_SERVICE_IDLE;
    } else {
      /* Starting, stopping, pausing: in motion, so not idle. */
      state = MSIQ_SERVICE_BUSY;
    }
  }
  if (service != NULL) {
    CloseServiceHandle(service);
  }
  if (manager != NULL) {
    CloseServiceHandle(manager);
  }
  free(wide_name);
  return state;
}

/* The dispatcher lock. */

struct msiq_host_lock {
  HANDLE file;
};

static wchar_t *host_lock_path(const char *database_path) {
  char path[4096];
  if (snprintf(path, sizeof path, "%s.dispatcher.lock", database_path) >=
      (int)sizeof path) {
    return NULL;
  }
  return host_win_wide(path);
}

/* Opens the lock file and tries to lock it; returns the handle or
 * INVALID_HANDLE_VALUE with *error set. */
static HANDLE host_lock_try(const char *database_path, bool exclusive,
                            DWORD *error) {
  wchar_t *path = host_lock_path(database_path);
  if (path == NULL) {
    *error = ERROR_FILENAME_EXCED_RANGE;
    return INVALID_HANDLE_VALUE;
  }
  /* Not inheritable (the default): an installer started later must not hold
   * the lock after a crashed dispatcher. */
  HANDLE file = CreateFileW(path, GENERIC_READ | GENERIC_WRITE,
                            FILE_SHARE_READ | FILE_SHARE_WRITE, NULL,
                            exclusive ? OPEN_ALWAYS : OPEN_EXISTING,
                            FILE_ATTRIBUTE_NORMAL, NULL);
  *error = GetLastError();
  free(path);
  if (file == INVALID_HANDLE_VALUE) {
    return file;
  }
  OVERLAPPED whole = {0};
  DWORD flags = LOCKFILE_FAIL_IMMEDIATELY;
  if (exclusive) {
    flags |= LOCKFILE_EXCLUSIVE_LOCK;
  }
  if (!LockFileEx(file, flags, 0, MAXDWORD, MAXDWORD, &whole)) {
    *error = GetLastError();
    CloseHandle(file);
    return INVALID_HANDLE_VALUE;
  }
  return file;
}

int msiq_host_lock_acquire(const char *database_path, msiq_host_lock **out,
                           msiq_diag *diag) {
  DWORD error = 0;
  HANDLE file = host_lock_try(database_path, true, &error);
  if (file == INVALID_HANDLE_VALUE) {
    if (error == ERROR_LOCK_VIOLATION || error == ERROR_IO_PENDING) {
      return msiq_diag_set(diag, MSIQ_EDISPATCHER_RUNNING,
                           "another dispatcher is running on %s",
                           database_path);
    }
    return host_fail(diag, MSIQ_EIO, error, "lock", database_path);
  }
  msiq_host_lock *lock = malloc(sizeof *lock);
  if (lock == NULL) {
    CloseHandle(file);
    return msiq_diag_set(diag, MSIQ_ENOMEM, "out of memory");
  }
  lock->file = file;
  *out = lock;
  return MSIQ_OK;
}

bool msiq_host_lock_is_held(const char *database_path) {
  DWORD error = 0;
  HANDLE file = host_lock_try(database_path, false, &error);
  if (file != INVALID_HANDLE_VALUE) {
    CloseHandle(file);
    return false;
  }
  return error == ERROR_LOCK_VIOLATION || error == ERROR_IO_PENDING;
}

void msiq_host_lock_release(msiq_host_lock *lock) {
  if (lock != NULL) {
    CloseHandle(lock->file);
    free(lock);
  }
}

/* The dispatcher's note. */

int msiq_host_dispatcher_note_write(const char *database_path, const char *text,
                                    msiq_diag *diag) {
  char path[4096];
  char temporary[4096];
  if (snprintf(path, sizeof path, "%s.dispatcher.note", database_path) >=
          (int)sizeof path ||
      snprintf(temporary, sizeof temporary, "%s.dispatcher.note.new",
               database_path) >= (int)sizeof temporary) {
    return msiq_diag_set(diag, MSIQ_EUSAGE, "database path too long");
  }
  wchar_t *wide_path = host_win_wide(path);
  wchar_t *wide_temporary = host_win_wide(temporary);
  int status = MSIQ_OK;
  if (wide_path == NULL || wide_temporary == NULL) {
    status = msiq_diag_set(diag, MSIQ_ENOMEM, "out of memory");
  } else if (text == NULL) {
    if (!DeleteFileW(wide_path) && GetLastError() != ERROR_FILE_NOT_FOUND) {
      status = host_fail(diag, MSIQ_EIO, GetLastError(), "remove", path);
    }
  } else {
    /* CREATE_ALWAYS on a file of the data directory, whose ACL admits
     * administrators only; then one MoveFileEx over the old note. */
    HANDLE file = CreateFileW(wide_temporary, GENERIC_WRITE, 0, NULL,
                              CREATE_ALWAYS, FILE_ATTRIBUTE_NORMAL, NULL);
    if (file == INVALID_HANDLE_VALUE) {
      status = host_fail(diag, MSIQ_EIO, GetLastError(), "write", temporary);
    } else {
      DWORD length = (DWORD)strlen(text);
      DWORD written = 0;
      BOOL ok = WriteFile(file, text, length, &written, NULL) &&
                written == length && WriteFile(file, "\r\n", 2, &written, NULL);
      DWORD error = GetLastError();
      CloseHandle(file);
      if (!ok ||
          !MoveFileExW(wide_temporary, wide_path, MOVEFILE_REPLACE_EXISTING)) {
        if (ok) {
          error = GetLastError();
        }
        DeleteFileW(wide_temporary);
        status = host_fail(diag, MSIQ_EIO, error, "write", path);
      }
    }
  }
  free(wide_path);
  free(wide_temporary);
  return status;
}

int msiq_host_busy_timeout_ms(int default_ms) {
  return default_ms;
}

/* The installer process: the lifecycle is host_installer.c's; this is the
 * Win32 part. */

/* This executable's own path, as UTF-8 in buffer. */
static int host_own_path(char *buffer, size_t size, msiq_diag *diag) {
  /* 32767 is the longest path Win32 knows. */
  DWORD capacity = 32768;
  wchar_t *wide = malloc(capacity * sizeof *wide);
  if (wide == NULL) {
    return msiq_diag_set(diag, MSIQ_ENOMEM, "out of memory");
  }
  DWORD length = GetModuleFileNameW(NULL, wide, capacity);
  int status = MSIQ_OK;
  if (length == 0 || length >= capacity) {
    status =
        host_fail(diag, MSIQ_EHOST, GetLastError(), "find", "msiq's own path");
  } else {
    char *narrow = host_win_narrow(wide);
    if (narrow == NULL || snprintf(buffer, size, "%s", narrow) >= (int)size) {
      status = msiq_diag_set(diag, MSIQ_EHOST, "msiq's own path is too long");
    }
    free(narrow);
  }
  free(wide);
  return status;
}

int host_win_own_path(char *buffer, size_t size, msiq_diag *diag) {
  return host_own_path(buffer, size, diag);
}

int msiq_host_installer_program(char *buffer, size_t size,
                                msiq_installer_kind *kind, msiq_diag *diag) {
  if (host_test_setting("MSIQ_INSTALLER", buffer, size)) {
    if (kind != NULL) {
      *kind = MSIQ_INSTALLER_STAND_IN;
    }
    return MSIQ_OK;
  }
  /* The worker is this very executable, by the path Windows loaded it
   * from: never one found through PATH or the current directory. */
  int status = host_own_path(buffer, size, diag);
  if (status == MSIQ_OK && kind != NULL) {
    *kind = MSIQ_INSTALLER_WORKER;
  }
  return status;
}

/* CreateProcess takes a command line of at most this many UTF-16
 * characters, its terminating NUL included. */
#define HOST_WIN_COMMAND_LINE_MAX 32767

int msiq_host_installer_command_check(const msiq_installer_command *command,
                                      msiq_diag *diag) {
  /* Measured as a stand-in (or msiexec) gets it: the worker's own command
   * line is short, but a job must fit msiexec's too, and its properties
   * reach Windows Installer as one command-line string either way. */
  char program[4096];
  if (msiq_host_installer_program(program, sizeof program, NULL, NULL) !=
      MSIQ_OK) {
    snprintf(program, sizeof program, "msiexec.exe");
  }
  char *line = NULL;
  int status = msiq_installer_command_line(program, command, &line, diag);
  if (status != MSIQ_OK) {
    return status;
  }
  /* Text that is not UTF-8 is counted as Windows would convert it (one
   * replacement character per bad byte) rather than refused here. */
  int characters = MultiByteToWideChar(CP_UTF8, 0, line, -1, NULL, 0);
  size_t bytes = strlen(line);
  free(line);
  if (characters <= 0) {
    characters = bytes + 1 > (size_t)INT_MAX ? INT_MAX : (int)(bytes + 1);
  }
  if (characters > HOST_WIN_COMMAND_LINE_MAX) {
    return msiq_diag_set(diag, MSIQ_EINVAL,
                         "the installer's command line would be %d UTF-16 "
                         "characters; Windows allows at most %d with the "
                         "terminating NUL (CreateProcess): use fewer or "
                         "shorter properties",
                         characters - 1, HOST_WIN_COMMAND_LINE_MAX);
  }
  return MSIQ_OK;
}

int64_t host_installer_os_exit_code(const msiq_installer *installer,
                                    int64_t exit_status, int term_signal) {
  (void)installer;
  (void)term_signal;
  /* GetExitCodeProcess gives the full 32-bit code (3010, 1641,
   * 0xC0000005). */
  return (int64_t)(uint32_t)exit_status;
}

int host_installer_os_prepare(msiq_installer *installer,
                              const msiq_installer_start_options *start,
                              uv_process_options_t *options, char ***arguments,
                              msiq_diag *diag) {
  (void)installer;
  /* msiexec parses its own command line, not by the C runtime's rules, so
   * the line is built here (NAME="value", inner quotes doubled) and handed
   * to CreateProcess verbatim. The worker's only argument is --worker; its
   * request goes over its standard input. */
  char worker_argument[] = "--worker";
  char *worker_arguments[] = {worker_argument};
  msiq_installer_command worker = {worker_arguments, 1};
  const msiq_installer_command *command =
      start->kind == MSIQ_INSTALLER_WORKER ? &worker : start->command;
  char *line = NULL;
  int status =
      msiq_installer_command_line(start->program, command, &line, diag);
  if (status != MSIQ_OK) {
    return status;
  }
  char **args = calloc(2, sizeof *args);
  if (args == NULL) {
    free(line);
    return msiq_diag_set(diag, MSIQ_ENOMEM, "out of memory");
  }
  args[0] = line;
  options->file = start->program;
  options->args = args;
  /* DETACHED keeps the installer out of libuv's kill-on-close job and out of
   * the dispatcher's console group: a stop or Ctrl-C of the dispatcher never
   * reaches it. HIDE: neither msiexec /qn nor the worker shows anything. */
  options->flags = UV_PROCESS_DETACHED | UV_PROCESS_WINDOWS_VERBATIM_ARGUMENTS |
                   UV_PROCESS_WINDOWS_HIDE;
  *arguments = args;
  return MSIQ_OK;
}

void host_installer_os_free_arguments(char **arguments) {
  if (arguments != NULL) {
    free(arguments[0]);
    free(arguments);
  }
}

int host_installer_os_group_create(msiq_installer *installer, msiq_diag *diag) {
  installer->group = CreateJobObjectW(NULL, NULL);
  if (installer->group == NULL) {
    return host_fail(diag, MSIQ_EHOST, GetLastError(), "create a job object",
                     "for the installer");
  }
  return MSIQ_OK;
}

void host_installer_os_group_join(msiq_installer *installer) {
  /* libuv cannot create a process suspended, so the installer has already
   * started when it joins the job. The worker waits for its request, which
   * host_installer.c writes only after this, so nothing it starts escapes;
   * msiexec (a stand-in) starts no process in its first instant either.
   * Everything started from here on joins the job, so a timeout or a
   * forced cancel can end the whole tree. */
  if (!AssignProcessToJobObject(installer->group,
                                installer->process.process_handle)) {
    CloseHandle(installer->group);
    installer->group = NULL;
  }
}

void host_installer_os_group_release(msiq_installer *installer) {
  if (installer->group != NULL) {
    /* The job has no kill-on-close limit: closing it leaves a still
     * running installer alone. */
    CloseHandle(installer->group);
    installer->group = NULL;
  }
}

int host_installer_os_stop_tree(msiq_installer *installer) {
  if (installer->group != NULL && TerminateJobObject(installer->group, 1)) {
    return MSIQ_OK;
  }
  /* Without a job (assignment refused), at least the installer itself. */
  return uv_process_kill(&installer->process, SIGTERM) == 0 ? MSIQ_OK
                                                            : MSIQ_EHOST;
}

double msiq_host_random_fraction(void) {
  static bool seeded;
  if (!seeded) {
    srand((unsigned)GetTickCount() ^ (unsigned)GetCurrentProcessId());
    seeded = true;
  }
  return (double)rand() / ((double)RAND_MAX + 1.0);
}

/* Reboots. */

static bool host_registry_key_exists(const wchar_t *path) {
  HKEY key = NULL;
  if (RegOpenKeyExW(HKEY_LOCAL_MACHINE, path, 0, KEY_READ, &key) !=
      ERROR_SUCCESS) {
    return false;
  }
  RegCloseKey(key);
  return true;
}

bool msiq_host_reboot_pending(char *why, size_t size) {
  if (host_registry_key_exists(L"SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\"
                               L"Component Based Servicing\\RebootPending")) {
    snprintf(why, size, "Component Based Servicing RebootPending");
    return true;
  }
  if (host_registry_key_exists(
          L"SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\WindowsUpdate\\"
          L"Auto Update\\RebootRequired")) {
    snprintf(why, size, "Windows Update RebootRequired");
    return true;
  }
  DWORD type = 0;
  DWORD bytes = 0;
  if (RegGetValueW(HKEY_LOCAL_MACHINE,
                   L"SYSTEM\\CurrentControlSet\\Control\\Session Manager",
                   L"PendingFileRenameOperations", RRF_RT_REG_MULTI_SZ, &type,
                   NULL, &bytes) == ERROR_SUCCESS &&
      bytes > 2 * sizeof(wchar_t)) {
    snprintf(why, size, "Session Manager PendingFileRenameOperations");
    return true;
  }
  return false;
}

int64_t msiq_host_boot_time_ms(void) {
  /* Whole seconds: the two clocks are read a moment apart. */
  int64_t boot = msiq_host_now_ms() - (int64_t)GetTickCount64();
  return boot - boot % 1000;
}
