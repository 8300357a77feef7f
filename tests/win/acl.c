/* acl.c: reads or sets a file's or folder's security descriptor, for the
 * Wine tests of the queue's and the service's safety checks
 * (tests/wine/queue_acl.sh).
 *
 *   acl PATH         prints the owner and the DACL as SDDL
 *   acl PATH SDDL    sets the owner (when the SDDL has O:) and the DACL
 *                    (protected, so nothing is inherited) from SDDL
 *   acl --event NAME prints the DACL of the named event NAME (the queue's
 *                    doorbell, tests/wine/wake.sh), exit 2 when there is
 *                    no such event
 *
 * Exits 0 on success and 1 with a message on stderr otherwise.
 */
#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#include <windows.h>

#include <aclapi.h>
#include <sddl.h>
#include <stdio.h>
#include <wchar.h>

static int acl_print(const wchar_t *path) {
  PSECURITY_DESCRIPTOR descriptor = NULL;
  DWORD error = GetNamedSecurityInfoW(path, SE_FILE_OBJECT,
                                      OWNER_SECURITY_INFORMATION |
                                          DACL_SECURITY_INFORMATION,
                                      NULL, NULL, NULL, NULL, &descriptor);
  if (error != ERROR_SUCCESS) {
    fwprintf(stderr, L"acl: cannot read %ls: error %lu\n", path,
             (unsigned long)error);
    return 1;
  }
  wchar_t *text = NULL;
  if (!ConvertSecurityDescriptorToStringSecurityDescriptorW(
          descriptor, SDDL_REVISION_1,
          OWNER_SECURITY_INFORMATION | DACL_SECURITY_INFORMATION, &text,
          NULL)) {
    fwprintf(stderr, L"acl: cannot format %ls: error %lu\n", path,
             (unsigned long)GetLastError());
    LocalFree(descriptor);
    return 1;
  }
  wprintf(L"%ls\n", text);
  LocalFree(text);
  LocalFree(descriptor);
  return 0;
}

static int acl_set(const wchar_t *path, const wchar_t *sddl) {
  PSECURITY_DESCRIPTOR descriptor = NULL;
  if (!ConvertStringSecurityDescriptorToSecurityDescriptorW(
          sddl, SDDL_REVISION_1, &descriptor, NULL)) {
    fwprintf(stderr, L"acl: invalid SDDL %ls: error %lu\n", sddl,
             (unsigned long)GetLastError());
    return 1;
  }
  PSID owner = NULL;
  PACL dacl = NULL;
  BOOL defaulted = FALSE;
  BOOL present = FALSE;
  GetSecurityDescriptorOwner(descriptor, &owner, &defaulted);
  GetSecurityDescriptorDacl(descriptor, &present, &dacl, &defaulted);
  SECURITY_INFORMATION what =
      DACL_SECURITY_INFORMATION | PROTECTED_DACL_SECURITY_INFORMATION;
  if (owner != NULL) {
    what |= OWNER_SECURITY_INFORMATION;
  }
  DWORD error = SetNamedSecurityInfoW((wchar_t *)path, SE_FILE_OBJECT, what,
                                      owner, NULL, dacl, NULL);
  LocalFree(descriptor);
  if (error != ERROR_SUCCESS) {
    fwprintf(stderr, L"acl: cannot set %ls: error %lu\n", path,
             (unsigned long)error);
    return 1;
  }
  return 0;
}

static int acl_print_event(const wchar_t *name) {
  HANDLE event = OpenEventW(READ_CONTROL, FALSE, name);
  if (event == NULL) {
    DWORD error = GetLastError();
    fwprintf(stderr, L"acl: cannot open event %ls: error %lu\n", name,
             (unsigned long)error);
    return error == ERROR_FILE_NOT_FOUND ? 2 : 1;
  }
  PSECURITY_DESCRIPTOR descriptor = NULL;
  DWORD error =
      GetSecurityInfo(event, SE_KERNEL_OBJECT, DACL_SECURITY_INFORMATION, NULL,
                      NULL, NULL, NULL, &descriptor);
  CloseHandle(event);
  wchar_t *text = NULL;
  if (error != ERROR_SUCCESS ||
      !ConvertSecurityDescriptorToStringSecurityDescriptorW(
          descriptor, SDDL_REVISION_1, DACL_SECURITY_INFORMATION, &text,
          NULL)) {
    fwprintf(stderr, L"acl: cannot read the DACL of event %ls\n", name);
    LocalFree(descriptor);
    return 1;
  }
  wprintf(L"%ls\n", text);
  LocalFree(text);
  LocalFree(descriptor);
  return 0;
}

/* Declared here: mingw-w64's headers do not declare the -municode entry
 * point. */
int wmain(int argc, wchar_t **argv);

int wmain(int argc, wchar_t **argv) {
  if (argc == 2) {
    return acl_print(argv[1]);
  }
  if (argc == 3 && wcscmp(argv[1], L"--event") == 0) {
    return acl_print_event(argv[2]);
  }
  if (argc == 3) {
    return acl_set(argv[1], argv[2]);
  }
  fwprintf(stderr, L"usage: acl PATH [SDDL] | acl --event NAME\n");
  return 1;
}
