/* host_win_queue.c: the Win32 host's side of the queue's files: the safety
 * check of the queue and of the service's program (access lists, reparse
 * points, the folders above), the repair of msiq's own data folder, the
 * claims on temporary copies, file identities, directory listings, and
 * in-page errors on mapped files. See host.h.
 */
#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#include <windows.h>

#include <aclapi.h>
#include <sddl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "host/host.h"
#include "host/host_files.h"
#include "host/win/host_win_internal.h"

/* Who may change what msiq trusts. */

/* What a path is to what is checked, and so what others may do to it. */
typedef enum host_private_rule {
  /* A file msiq trusts (the database, its -wal, -shm, -journal; the
   * service's program): nobody else may write it. */
  HOST_PRIVATE_FILE,
  /* The folder that holds it: nobody else may write it (create files in
   * it included). */
  HOST_PRIVATE_FOLDER,
  /* A folder above: nobody else may replace what is inside it. */
  HOST_PRIVATE_PARENT,
} host_private_rule;

/* True for the accounts that may change the queue: SYSTEM, Administrators,
 * TrustedInstaller, and the account msiq itself runs as. */
static bool host_sid_is_trusted(PSID sid) {
  if (IsWellKnownSid(sid, WinLocalSystemSid) ||
      IsWellKnownSid(sid, WinBuiltinAdministratorsSid) ||
      IsWellKnownSid(sid, WinCreatorOwnerSid)) {
    return true;
  }
  PSID trusted_installer = NULL;
  bool trusted = false;
  if (ConvertStringSidToSidW(L"S-1-5-80-956008885-3418522649-1831038044-"
                             L"1853292631-2271478464",
                             &trusted_installer)) {
    trusted = EqualSid(sid, trusted_installer) != 0;
    LocalFree(trusted_installer);
  }
  if (trusted) {
    return true;
  }
  HANDLE token = NULL;
  if (OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &token)) {
    BYTE buffer[256];
    DWORD size = 0;
    if (GetTokenInformation(token, TokenUser, buffer, sizeof buffer, &size)) {
      trusted = EqualSid(sid, ((TOKEN_USER *)buffer)->User.Sid) != 0;
    }
    CloseHandle(token);
  }
  return trusted;
}

bool host_win_sid_is_trusted(void *sid) {
  return host_sid_is_trusted(sid);
}

/* Rights that let someone change a file or a folder's contents or its
 * permissions. On a folder, write data and append data are "create files"
 * and "create folders": in the queue's folder they would let someone create
 * a -wal before the dispatcher does. */
static const ACCESS_MASK host_write_rights =
    FILE_WRITE_DATA | FILE_APPEND_DATA | FILE_WRITE_EA | FILE_WRITE_ATTRIBUTES |
    DELETE | WRITE_DAC | WRITE_OWNER | GENERIC_WRITE | GENERIC_ALL |
    FILE_DELETE_CHILD;

/* Rights on a folder above that let someone replace what is inside it (or
 * the folder itself, or its permissions). Creating files and folders in it
 * does not: it cannot take a name that is already there. */
static const ACCESS_MASK host_replace_rights =
    FILE_DELETE_CHILD | DELETE | WRITE_DAC | WRITE_OWNER | GENERIC_ALL;

/* What is being checked, for the messages. */
typedef struct host_check_subject {
  const char *refusal; /* "refusing to run" */
  const char *advice;  /* what to do about an account that may write */
} host_check_subject;

static const host_check_subject host_queue_subject = {
    "refusing to run",
    "keep the queue in a directory only SYSTEM and Administrators can write "
    "(msiq creates %ProgramData%\\msiq so)",
};

static const host_check_subject host_program_subject = {
    "refusing to install the service",
    "put msiq.exe in a folder only administrators can write, such as "
    "C:\\Program Files\\msiq",
};

/* Checks one file or folder, opened as itself (a reparse point is not
 * followed). MSIQ_OK with *exists false when it is not there. */
static int host_check_entry(const char *path, host_private_rule rule,
                            const char *what, const host_check_subject *subject,
                            bool *exists, msiq_diag *diag) {
  *exists = false;
  if (rule == HOST_PRIVATE_PARENT && host_path_is_test_trusted_ancestor(path)) {
    *exists = true; /* a test build's checkout lies below it */
    return MSIQ_OK;
  }
  wchar_t *wide = host_win_wide(path);
  if (wide == NULL) {
    return msiq_diag_set(diag, MSIQ_EINVAL, "invalid path '%s'", path);
  }
  HANDLE handle = CreateFileW(
      wide, READ_CONTROL | FILE_READ_ATTRIBUTES,
      FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, NULL,
      OPEN_EXISTING, FILE_FLAG_BACKUP_SEMANTICS | FILE_FLAG_OPEN_REPARSE_POINT,
      NULL);
  DWORD error = GetLastError();
  free(wide);
  if (handle == INVALID_HANDLE_VALUE) {
    if (error == ERROR_FILE_NOT_FOUND || error == ERROR_PATH_NOT_FOUND) {
      return MSIQ_OK;
    }
    return host_win_fail(diag, MSIQ_EIO, error, "check the permissions of",
                         path);
  }
  *exists = true;
  BY_HANDLE_FILE_INFORMATION information;
  int status = MSIQ_OK;
  if (!GetFileInformationByHandle(handle, &information)) {
    status = host_win_fail(diag, MSIQ_EIO, GetLastError(), "check", path);
  }
  bool is_folder = status == MSIQ_OK && (information.dwFileAttributes &
                                         FILE_ATTRIBUTE_DIRECTORY) != 0;
  bool is_reparse = status == MSIQ_OK && (information.dwFileAttributes &
                                          FILE_ATTRIBUTE_REPARSE_POINT) != 0;
  if (status == MSIQ_OK && rule == HOST_PRIVATE_FILE && is_reparse) {
    status = msiq_diag_set(diag, MSIQ_EINSECURE,
                           "%s: %s %s is a symbolic link or junction (a "
                           "reparse point); name the file itself",
                           subject->refusal, what, path);
  } else if (status == MSIQ_OK && rule == HOST_PRIVATE_FILE && is_folder) {
    status = msiq_diag_set(diag, MSIQ_EINSECURE, "%s: %s %s is not a file",
                           subject->refusal, what, path);
  } else if (status == MSIQ_OK && rule != HOST_PRIVATE_FILE && !is_folder) {
    status = msiq_diag_set(diag, MSIQ_EINSECURE, "%s: %s %s is not a folder",
                           subject->refusal, what, path);
  }
  PSID owner = NULL;
  PACL dacl = NULL;
  PSECURITY_DESCRIPTOR descriptor = NULL;
  if (status == MSIQ_OK) {
    error =
        GetSecurityInfo(handle, SE_FILE_OBJECT,
                        OWNER_SECURITY_INFORMATION | DACL_SECURITY_INFORMATION,
                        &owner, NULL, &dacl, NULL, &descriptor);
    if (error != ERROR_SUCCESS) {
      status = host_win_fail(diag, MSIQ_EIO, error, "check the permissions of",
                             path);
    }
  }
  CloseHandle(handle);
  const ACCESS_MASK rights =
      rule == HOST_PRIVATE_PARENT ? host_replace_rights : host_write_rights;
  if (status == MSIQ_OK && owner != NULL && !host_sid_is_trusted(owner)) {
    /* An owner may always change the access list. */
    status = msiq_diag_set(diag, MSIQ_EINSECURE,
                           "%s: %s %s is owned by an account that is not an "
                           "administrator",
                           subject->refusal, what, path);
  } else if (status == MSIQ_OK && dacl == NULL) {
    status = msiq_diag_set(diag, MSIQ_EINSECURE,
                           "%s: %s %s has no access control list, so "
                           "everyone may change it",
                           subject->refusal, what, path);
  }
  for (DWORD i = 0; status == MSIQ_OK && i < dacl->AceCount; i++) {
    ACE_HEADER *header = NULL;
    if (!GetAce(dacl, i, (void **)&header) ||
        header->AceType != ACCESS_ALLOWED_ACE_TYPE ||
        (header->AceFlags & INHERIT_ONLY_ACE)) {
      continue;
    }
    ACCESS_ALLOWED_ACE *ace = (ACCESS_ALLOWED_ACE *)header;
    if ((ace->Mask & rights) == 0 ||
        host_sid_is_trusted((PSID)&ace->SidStart)) {
      continue;
    }
    wchar_t *sid_text = NULL;
    char *sid_narrow = NULL;
    if (ConvertSidToStringSidW((PSID)&ace->SidStart, &sid_text)) {
      sid_narrow = host_win_narrow(sid_text);
      LocalFree(sid_text);
    }
    status = msiq_diag_set(
        diag, MSIQ_EINSECURE,
        "%s: %s %s can be changed by %s, who is not an administrator; %s",
        subject->refusal, what, path,
        sid_narrow != NULL ? sid_narrow : "another account", subject->advice);
    free(sid_narrow);
  }
  if (descriptor != NULL) {
    LocalFree(descriptor);
  }
  return status;
}

/* The length of the root of an absolute path: "C:\", "\\server\share\",
 * or either after "\\?\"; 0 when there is none. */
static size_t host_root_length(const char *path) {
  size_t start = 0;
  if (strncmp(path, "\\\\?\\UNC\\", 8) == 0) {
    start = 8;
  } else if (strncmp(path, "\\\\?\\", 4) == 0) {
    start = 4;
  } else if (strncmp(path, "\\\\", 2) == 0) {
    start = 2;
  }
  bool unc = start == 2 || start == 8;
  if (!unc) {
    return path[start] != '\0' && path[start + 1] == ':' &&
                   path[start + 2] == '\\'
               ? start + 3
               : 0;
  }
  /* \\server\share\: two names, each ended by a backslash. */
  const char *cursor = path + start;
  for (int names = 0; names < 2; names++) {
    cursor = strchr(cursor, '\\');
    if (cursor == NULL) {
      return 0;
    }
    cursor++;
  }
  return (size_t)(cursor - path);
}

/* Checks every folder of the absolute path `folder` from its root down, each
 * opened as itself: the last by `last_rule`, the others as parents. Ends at
 * the first that does not exist; *existing is the length of the part that
 * does. */
static int host_check_folder_walk(const char *folder,
                                  host_private_rule last_rule,
                                  const char *folder_what,
                                  const host_check_subject *subject,
                                  size_t *existing, msiq_diag *diag) {
  char path[4096];
  size_t length = strlen(folder);
  if (length >= sizeof path) {
    return msiq_diag_set(diag, MSIQ_EUSAGE, "path too long: %s", folder);
  }
  memcpy(path, folder, length + 1);
  /* Without a trailing separator, except for a root. */
  size_t root = host_root_length(path);
  while (length > root && path[length - 1] == '\\') {
    path[--length] = '\0';
  }
  *existing = 0;
  if (root == 0) {
    return MSIQ_OK;
  }
  bool exists = false;
  char saved = path[root];
  path[root] = '\0';
  int status = host_check_entry(
      path, length == root ? last_rule : HOST_PRIVATE_PARENT,
      length == root && last_rule != HOST_PRIVATE_PARENT ? folder_what
                                                         : "parent folder",
      subject, &exists, diag);
  path[root] = saved;
  if (status != MSIQ_OK || !exists) {
    return status;
  }
  *existing = root;
  for (size_t end = root + 1; end <= length; end++) {
    if (end < length && path[end] != '\\') {
      continue;
    }
    if (path[end - 1] == '\\') {
      continue; /* a doubled separator */
    }
    saved = path[end];
    path[end] = '\0';
    bool last = end == length;
    status = host_check_entry(path, last ? last_rule : HOST_PRIVATE_PARENT,
                              last && last_rule != HOST_PRIVATE_PARENT
                                  ? folder_what
                                  : "parent folder",
                              subject, &exists, diag);
    path[end] = saved;
    if (status != MSIQ_OK || !exists) {
      return status;
    }
    *existing = end;
  }
  return MSIQ_OK;
}

/* The final path of an existing folder (its reparse points resolved), as
 * UTF-8 without the "\\?\" prefix; free() it. NULL on failure. */
static char *host_final_path(const char *folder) {
  wchar_t *wide = host_win_wide(folder);
  if (wide == NULL) {
    return NULL;
  }
  HANDLE handle =
      CreateFileW(wide, FILE_READ_ATTRIBUTES,
                  FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, NULL,
                  OPEN_EXISTING, FILE_FLAG_BACKUP_SEMANTICS, NULL);
  free(wide);
  if (handle == INVALID_HANDLE_VALUE) {
    return NULL;
  }
  wchar_t final[32768];
  DWORD length = GetFinalPathNameByHandleW(
      handle, final, 32768, FILE_NAME_NORMALIZED | VOLUME_NAME_DOS);
  CloseHandle(handle);
  if (length == 0 || length >= 32768) {
    return NULL;
  }
  const wchar_t *start = final;
  if (wcsncmp(final, L"\\\\?\\UNC\\", 8) == 0) {
    /* \\?\UNC\server\share -> \\server\share */
    start = final + 6;
    final[6] = L'\\';
  } else if (wcsncmp(final, L"\\\\?\\", 4) == 0) {
    start = final + 4;
  }
  return host_win_narrow(start);
}

/* Checks `folder` and everything above it as the path names them, then as
 * they really are once reparse points are resolved. */
static int host_check_folder_chain(const char *folder, const char *folder_what,
                                   const host_check_subject *subject,
                                   msiq_diag *diag) {
  size_t existing = 0;
  int status = host_check_folder_walk(folder, HOST_PRIVATE_FOLDER, folder_what,
                                      subject, &existing, diag);
  if (status != MSIQ_OK || existing == 0) {
    return status;
  }
  /* When the folder does not exist yet (msiq creates it private), the part
   * that exists is a parent. */
  char existing_part[4096];
  snprintf(existing_part, sizeof existing_part, "%.*s", (int)existing, folder);
  host_private_rule last_rule = strlen(existing_part) >= strlen(folder)
                                    ? HOST_PRIVATE_FOLDER
                                    : HOST_PRIVATE_PARENT;
  char *final = host_final_path(existing_part);
  if (final == NULL) {
    return msiq_diag_set(diag, MSIQ_EIO, "cannot resolve folder %s",
                         existing_part);
  }
  status = host_check_folder_walk(final, last_rule, folder_what, subject,
                                  &existing, diag);
  free(final);
  return status;
}

/* The folder part of an absolute path, in buffer: "C:\a" for "C:\a\q.db",
 * the root "C:\" for "C:\q.db". */
static void host_folder_of(const char *path, char *buffer, size_t size) {
  snprintf(buffer, size, "%s", path);
  size_t root = host_root_length(buffer);
  char *slash = strrchr(buffer, '\\');
  if (slash == NULL) {
    return;
  }
  size_t at = (size_t)(slash - buffer);
  if (at + 1 <= root) {
    buffer[root] = '\0';
  } else {
    *slash = '\0';
  }
}

/* The queue's files, by the suffix SQLite gives each. */
static const struct {
  const char *suffix;
  const char *what;
} host_queue_files[] = {
    {"", "database"},
    {"-wal", "database WAL file"},
    {"-shm", "database shared-memory file"},
    {"-journal", "database journal"},
};

#define HOST_QUEUE_FILE_COUNT                                                  \
  (sizeof host_queue_files / sizeof host_queue_files[0])

int msiq_host_check_private(const char *database_path, msiq_diag *diag) {
  char *absolute = NULL;
  int status = msiq_host_absolute_path(database_path, &absolute, diag);
  if (status != MSIQ_OK) {
    return status;
  }
  char path[4200];
  for (size_t i = 0; status == MSIQ_OK && i < HOST_QUEUE_FILE_COUNT; i++) {
    bool exists = false;
    snprintf(path, sizeof path, "%s%s", absolute, host_queue_files[i].suffix);
    status = host_check_entry(path, HOST_PRIVATE_FILE, host_queue_files[i].what,
                              &host_queue_subject, &exists, diag);
  }
  char folder[4096];
  host_folder_of(absolute, folder, sizeof folder);
  if (status == MSIQ_OK) {
    status = host_check_folder_chain(folder, "database directory",
                                     &host_queue_subject, diag);
  }
  free(absolute);
  return status;
}

int msiq_host_service_check_program(msiq_diag *diag) {
  char program[4096];
  int status = host_win_own_path(program, sizeof program, diag);
  bool exists = false;
  if (status == MSIQ_OK) {
    status = host_check_entry(program, HOST_PRIVATE_FILE, "program",
                              &host_program_subject, &exists, diag);
  }
  char folder[4096];
  host_folder_of(program, folder, sizeof folder);
  if (status == MSIQ_OK) {
    status = host_check_folder_chain(folder, "program folder",
                                     &host_program_subject, diag);
  }
  return status;
}

/* Repairing msiq's own data folder (service install). */

/* Gives path the private access list (inherited by what is created inside
 * when it is a folder) and Administrators as its owner. */
static int host_make_private(const char *path, bool folder, msiq_diag *diag) {
  PSECURITY_DESCRIPTOR descriptor = NULL;
  const wchar_t *sddl =
      folder ? host_private_directory_sddl : L"O:BAD:P(A;;FA;;;SY)(A;;FA;;;BA)";
  if (!ConvertStringSecurityDescriptorToSecurityDescriptorW(
          sddl, SDDL_REVISION_1, &descriptor, NULL)) {
    return host_win_fail(diag, MSIQ_EHOST, GetLastError(),
                         "build the security descriptor for", path);
  }
  PACL dacl = NULL;
  BOOL present = FALSE;
  BOOL defaulted = FALSE;
  GetSecurityDescriptorDacl(descriptor, &present, &dacl, &defaulted);
  PSID administrators = NULL;
  ConvertStringSidToSidW(L"BA", &administrators);
  wchar_t *wide = host_win_wide(path);
  DWORD error = ERROR_INVALID_NAME;
  if (wide != NULL && administrators != NULL) {
    error = SetNamedSecurityInfoW(wide, SE_FILE_OBJECT,
                                  OWNER_SECURITY_INFORMATION |
                                      DACL_SECURITY_INFORMATION |
                                      PROTECTED_DACL_SECURITY_INFORMATION,
                                  administrators, NULL, dacl, NULL);
  }
  free(wide);
  LocalFree(administrators);
  LocalFree(descriptor);
  if (error != ERROR_SUCCESS) {
    return host_win_fail(diag, MSIQ_EIO, error, "set the permissions of", path);
  }
  return MSIQ_OK;
}

/* True when path is a plain folder (want_folder) or file, not a reparse
 * point, or is not there: what a repair may give new permissions. */
static bool host_is_plain(const char *path, bool want_folder) {
  wchar_t *wide = host_win_wide(path);
  DWORD attributes =
      wide != NULL ? GetFileAttributesW(wide) : INVALID_FILE_ATTRIBUTES;
  free(wide);
  if (attributes == INVALID_FILE_ATTRIBUTES) {
    return !want_folder;
  }
  bool folder = (attributes & FILE_ATTRIBUTE_DIRECTORY) != 0;
  return !(attributes & FILE_ATTRIBUTE_REPARSE_POINT) && folder == want_folder;
}

/* True when both paths name the same folder (Windows compares names
 * without regard to case). */
static bool host_same_folder(const char *first, const char *second) {
  wchar_t *a = host_win_wide(first);
  wchar_t *b = host_win_wide(second);
  bool same = a != NULL && b != NULL &&
              CompareStringOrdinal(a, -1, b, -1, TRUE) == CSTR_EQUAL;
  free(a);
  free(b);
  return same;
}

int msiq_host_service_secure_queue(const char *database_path, bool *repaired,
                                   char *why, size_t size, msiq_diag *diag) {
  *repaired = false;
  char default_path[4096];
  char *absolute = NULL;
  char *default_absolute = NULL;
  int status = msiq_host_absolute_path(database_path, &absolute, diag);
  if (status == MSIQ_OK &&
      msiq_host_default_database_path(default_path, sizeof default_path,
                                      NULL) == MSIQ_OK) {
    status = msiq_host_absolute_path(default_path, &default_absolute, diag);
  }
  char folder[4096];
  char default_folder[4096];
  bool own_folder = false;
  if (status == MSIQ_OK && default_absolute != NULL) {
    host_folder_of(absolute, folder, sizeof folder);
    host_folder_of(default_absolute, default_folder, sizeof default_folder);
    own_folder = host_same_folder(folder, default_folder);
  }
  /* What is wrong with the folder and the files themselves (the folders
   * above are never changed: they are not msiq's). A reparse point is left
   * as it is, and refused by the check. */
  msiq_diag found = {{0}};
  int problem = MSIQ_OK;
  bool exists = false;
  if (status == MSIQ_OK && own_folder) {
    problem =
        host_check_entry(folder, HOST_PRIVATE_FOLDER, "database directory",
                         &host_queue_subject, &exists, &found);
  }
  char path[4200];
  for (size_t i = 0; status == MSIQ_OK && own_folder && exists &&
                     problem == MSIQ_OK && i < HOST_QUEUE_FILE_COUNT;
       i++) {
    bool file_exists = false;
    snprintf(path, sizeof path, "%s%s", absolute, host_queue_files[i].suffix);
    problem =
        host_check_entry(path, HOST_PRIVATE_FILE, host_queue_files[i].what,
                         &host_queue_subject, &file_exists, &found);
  }
  bool plain = own_folder && exists && host_is_plain(folder, true);
  for (size_t i = 0; plain && i < HOST_QUEUE_FILE_COUNT; i++) {
    snprintf(path, sizeof path, "%s%s", absolute, host_queue_files[i].suffix);
    plain = host_is_plain(path, false);
  }
  if (status == MSIQ_OK && problem == MSIQ_EINSECURE && plain) {
    status = host_make_private(folder, true, diag);
    for (size_t i = 0; status == MSIQ_OK && i < HOST_QUEUE_FILE_COUNT; i++) {
      snprintf(path, sizeof path, "%s%s", absolute, host_queue_files[i].suffix);
      if (msiq_host_file_exists(path)) {
        status = host_make_private(path, false, diag);
      }
    }
    if (status == MSIQ_OK) {
      *repaired = true;
      /* The check's words without its refusal. */
      const char *text = found.message;
      const char *prefix = "refusing to run: ";
      if (strncmp(text, prefix, strlen(prefix)) == 0) {
        text += strlen(prefix);
      }
      if (why != NULL) {
        snprintf(why, size, "%.*s", (int)strcspn(text, ";"), text);
      }
    }
  }
  free(absolute);
  free(default_absolute);
  return status;
}

/* Directory listings, claims and identities. */

int msiq_host_list_directory(const char *directory,
                             void (*visit)(void *context, const char *name),
                             void *context, msiq_diag *diag) {
  char pattern[4200];
  size_t length = strlen(directory);
  bool separated = length > 0 && (directory[length - 1] == '\\' ||
                                  directory[length - 1] == '/');
  snprintf(pattern, sizeof pattern, "%s%s*", directory, separated ? "" : "\\");
  wchar_t *wide = host_win_wide(pattern);
  if (wide == NULL) {
    return msiq_diag_set(diag, MSIQ_EINVAL, "invalid path '%s'", directory);
  }
  WIN32_FIND_DATAW found;
  HANDLE search = FindFirstFileW(wide, &found);
  DWORD error = GetLastError();
  free(wide);
  if (search == INVALID_HANDLE_VALUE) {
    if (error == ERROR_FILE_NOT_FOUND) {
      return MSIQ_OK;
    }
    return host_win_fail(diag, MSIQ_EIO, error, "list directory", directory);
  }
  do {
    if (wcscmp(found.cFileName, L".") == 0 ||
        wcscmp(found.cFileName, L"..") == 0) {
      continue;
    }
    char *name = host_win_narrow(found.cFileName);
    if (name != NULL) {
      visit(context, name);
      free(name);
    }
  } while (FindNextFileW(search, &found));
  FindClose(search);
  return MSIQ_OK;
}

/* A claim is a byte-range lock far beyond any data, where SQLite never
 * reads, writes or locks (Windows locks are mandatory for the bytes they
 * cover). */
#define HOST_CLAIM_OFFSET_HIGH 0x7fff0000

struct msiq_host_claim {
  HANDLE file;
};

static bool host_claim_lock(HANDLE file) {
  OVERLAPPED range = {0};
  range.OffsetHigh = HOST_CLAIM_OFFSET_HIGH;
  return LockFileEx(file, LOCKFILE_EXCLUSIVE_LOCK | LOCKFILE_FAIL_IMMEDIATELY,
                    0, 1, 0, &range) != 0;
}

int msiq_host_claim_create(const char *path, msiq_host_claim **claim,
                           msiq_diag *diag) {
  *claim = NULL;
  wchar_t *wide = host_win_wide(path);
  if (wide == NULL) {
    return msiq_diag_set(diag, MSIQ_EINVAL, "invalid path '%s'", path);
  }
  /* Shared for deleting too, so the copy can take its final name while the
   * claim is held. */
  HANDLE file =
      CreateFileW(wide, GENERIC_READ | GENERIC_WRITE,
                  FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, NULL,
                  CREATE_NEW, FILE_ATTRIBUTE_NORMAL, NULL);
  DWORD error = GetLastError();
  free(wide);
  if (file == INVALID_HANDLE_VALUE) {
    if (error == ERROR_FILE_EXISTS || error == ERROR_ALREADY_EXISTS) {
      return MSIQ_OK;
    }
    return host_win_fail(diag, MSIQ_EIO, error, "create", path);
  }
  if (!host_claim_lock(file)) {
    /* Another process found it unclaimed in the instant between and is
     * removing it. */
    CloseHandle(file);
    return MSIQ_OK;
  }
  msiq_host_claim *made = malloc(sizeof *made);
  if (made == NULL) {
    CloseHandle(file);
    return msiq_diag_set(diag, MSIQ_ENOMEM, "out of memory");
  }
  made->file = file;
  *claim = made;
  return MSIQ_OK;
}

void msiq_host_claim_release(msiq_host_claim *claim) {
  if (claim != NULL) {
    CloseHandle(claim->file);
    free(claim);
  }
}

bool msiq_host_remove_unclaimed(const char *path) {
  wchar_t *wide = host_win_wide(path);
  if (wide == NULL) {
    return false;
  }
  /* A copy SQLite has open (without sharing deletion) cannot even be
   * opened for deleting: it is in use. */
  HANDLE file =
      CreateFileW(wide, GENERIC_READ | GENERIC_WRITE | DELETE,
                  FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, NULL,
                  OPEN_EXISTING,
                  FILE_ATTRIBUTE_NORMAL | FILE_FLAG_OPEN_REPARSE_POINT, NULL);
  free(wide);
  if (file == INVALID_HANDLE_VALUE) {
    return false;
  }
  bool removed = false;
  if (host_claim_lock(file)) {
    /* Marked for deletion while the lock is held, so its creator cannot
     * claim it in between. */
    FILE_DISPOSITION_INFO disposition = {TRUE};
    removed = SetFileInformationByHandle(file, FileDispositionInfo,
                                         &disposition, sizeof disposition) != 0;
  }
  CloseHandle(file);
  return removed;
}

int msiq_host_file_identify(const char *path, msiq_host_file_identity *identity,
                            msiq_diag *diag) {
  wchar_t *wide = host_win_wide(path);
  if (wide == NULL) {
    return msiq_diag_set(diag, MSIQ_EINVAL, "invalid path '%s'", path);
  }
  HANDLE file =
      CreateFileW(wide, FILE_READ_ATTRIBUTES,
                  FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, NULL,
                  OPEN_EXISTING, FILE_FLAG_BACKUP_SEMANTICS, NULL);
  DWORD error = GetLastError();
  free(wide);
  if (file == INVALID_HANDLE_VALUE) {
    if (error == ERROR_FILE_NOT_FOUND || error == ERROR_PATH_NOT_FOUND) {
      return msiq_diag_set(diag, MSIQ_EMISSING, "%s does not exist", path);
    }
    return host_win_fail(diag, MSIQ_EIO, error, "look at", path);
  }
  BY_HANDLE_FILE_INFORMATION information;
  BOOL got = GetFileInformationByHandle(file, &information);
  error = GetLastError();
  CloseHandle(file);
  if (!got) {
    return host_win_fail(diag, MSIQ_EIO, error, "look at", path);
  }
  identity->volume = information.dwVolumeSerialNumber;
  identity->file =
      ((uint64_t)information.nFileIndexHigh << 32) | information.nFileIndexLow;
  return MSIQ_OK;
}

/* In-page errors on mapped files. */

static char host_fault_message[1024];
static DWORD host_fault_message_length;
static UINT host_fault_exit_code = 4;

/* Called only for an exception nothing else handled. */
static LONG WINAPI host_on_unhandled_exception(EXCEPTION_POINTERS *pointers) {
  if (pointers->ExceptionRecord->ExceptionCode != EXCEPTION_IN_PAGE_ERROR) {
    return EXCEPTION_CONTINUE_SEARCH;
  }
  DWORD written = 0;
  WriteFile(GetStdHandle(STD_ERROR_HANDLE), host_fault_message,
            host_fault_message_length, &written, NULL);
  /* TerminateProcess, not ExitProcess: no DLL's detach code runs in a
   * process that just failed to read its own memory. */
  TerminateProcess(GetCurrentProcess(), host_fault_exit_code);
  return EXCEPTION_EXECUTE_HANDLER;
}

void msiq_host_exit_on_mapping_fault(const char *message, int exit_code) {
  int length =
      snprintf(host_fault_message, sizeof host_fault_message, "%s\n", message);
  host_fault_message_length =
      length < 0 ? 0
                 : (DWORD)((size_t)length < sizeof host_fault_message
                               ? (size_t)length
                               : sizeof host_fault_message - 1);
  host_fault_exit_code = (UINT)exit_code;
  SetUnhandledExceptionFilter(host_on_unhandled_exception);
}
