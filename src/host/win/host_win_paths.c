/* host_win_paths.c: the Win32 host's view of who may change a path (each
 * component's attributes, owner and DACL, also on a share) and its SHA-256
 * (BCrypt, the operating system's). See host.h (msiq_host_check_path) and
 * core/path_safety.h.
 */
#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#include <windows.h>

#include <aclapi.h>
#include <bcrypt.h>
#include <sddl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "host/host.h"
#include "host/host_files.h"
#include "host/win/host_win_internal.h"

/* "DOMAIN\name" for a SID, else its string form ("S-1-5-32-545"). */
static void host_win_name_sid(PSID sid, char *buffer, size_t size) {
  wchar_t name[128];
  wchar_t domain[128];
  DWORD name_length = 128;
  DWORD domain_length = 128;
  SID_NAME_USE use;
  if (LookupAccountSidW(NULL, sid, name, &name_length, domain, &domain_length,
                        &use)) {
    char *narrow_name = host_win_narrow(name);
    char *narrow_domain = host_win_narrow(domain);
    if (narrow_name != NULL && narrow_domain != NULL) {
      snprintf(buffer, size, "%s%s%s", narrow_domain,
               narrow_domain[0] != '\0' ? "\\" : "", narrow_name);
    }
    free(narrow_name);
    free(narrow_domain);
    if (narrow_name != NULL && narrow_domain != NULL) {
      return;
    }
  }
  wchar_t *text = NULL;
  char *narrow = NULL;
  if (ConvertSidToStringSidW(sid, &text)) {
    narrow = host_win_narrow(text);
    LocalFree(text);
  }
  snprintf(buffer, size, "%s", narrow != NULL ? narrow : "another account");
  free(narrow);
}

/* What an ACE's access mask lets its holder do, in path_safety's terms. */
static unsigned host_win_rights(ACCESS_MASK mask, bool directory) {
  if (mask & GENERIC_ALL) {
    mask |= FILE_ALL_ACCESS;
  }
  if (mask & GENERIC_WRITE) {
    mask |= FILE_GENERIC_WRITE;
  }
  unsigned others = 0;
  /* On a folder FILE_WRITE_DATA is FILE_ADD_FILE and FILE_APPEND_DATA is
   * FILE_ADD_SUBDIRECTORY. */
  if (mask & (FILE_WRITE_DATA | FILE_APPEND_DATA)) {
    others |= directory ? MSIQ_PATH_OTHERS_ADD : MSIQ_PATH_OTHERS_WRITE;
  }
  if (mask & (FILE_WRITE_EA | FILE_WRITE_ATTRIBUTES)) {
    others |= MSIQ_PATH_OTHERS_WRITE;
  }
  if (directory && (mask & FILE_DELETE_CHILD)) {
    others |= MSIQ_PATH_OTHERS_REMOVE;
  }
  if (mask & DELETE) {
    others |= MSIQ_PATH_OTHERS_DELETE;
  }
  if (mask & (WRITE_DAC | WRITE_OWNER)) {
    others |= MSIQ_PATH_OTHERS_PERMISSIONS;
  }
  return others;
}

/* The owner and what accounts other than the trusted ones may do, from the
 * security descriptor of wide. Every allowing entry counts (deny entries
 * are not relied upon, as a group's member may be allowed elsewhere), and
 * the first untrusted account that may change something is named. */
static bool host_win_describe_security(const wchar_t *wide,
                                       host_path_entry *entry,
                                       msiq_path_component *component,
                                       msiq_diag *diag) {
  PSID owner = NULL;
  PACL dacl = NULL;
  PSECURITY_DESCRIPTOR descriptor = NULL;
  DWORD error = GetNamedSecurityInfoW(wide, SE_FILE_OBJECT,
                                      OWNER_SECURITY_INFORMATION |
                                          DACL_SECURITY_INFORMATION,
                                      &owner, NULL, &dacl, NULL, &descriptor);
  if (error != ERROR_SUCCESS) {
    msiq_diag_set(diag, MSIQ_EIO,
                  "cannot check the permissions of %s (Win32 error %lu)",
                  entry->path, (unsigned long)error);
    return false;
  }
  bool directory = component->kind == MSIQ_PATH_DIRECTORY;
  component->owner_trusted = owner != NULL && host_win_sid_is_trusted(owner);
  if (!component->owner_trusted) {
    if (owner != NULL) {
      host_win_name_sid(owner, entry->owner, sizeof entry->owner);
    } else {
      snprintf(entry->owner, sizeof entry->owner, "nobody");
    }
    component->owner = entry->owner;
  }
  if (dacl == NULL) {
    /* No DACL at all grants everyone everything. */
    component->others = host_win_rights(GENERIC_ALL, directory);
    snprintf(entry->others_who, sizeof entry->others_who,
             "everyone (it has no access control list)");
    component->others_who = entry->others_who;
  }
  for (DWORD i = 0; dacl != NULL && i < dacl->AceCount; i++) {
    ACE_HEADER *header = NULL;
    /* A callback (conditional) entry allows like a plain one. */
    if (!GetAce(dacl, i, (void **)&header) ||
        (header->AceType != ACCESS_ALLOWED_ACE_TYPE &&
         header->AceType != ACCESS_ALLOWED_CALLBACK_ACE_TYPE) ||
        (header->AceFlags & INHERIT_ONLY_ACE)) {
      continue;
    }
    ACCESS_ALLOWED_ACE *ace = (ACCESS_ALLOWED_ACE *)header;
    PSID sid = (PSID)&ace->SidStart;
    unsigned rights = host_win_rights(ace->Mask, directory);
    if (rights == 0 || host_win_sid_is_trusted(sid)) {
      continue;
    }
    if (component->others_who == NULL) {
      host_win_name_sid(sid, entry->others_who, sizeof entry->others_who);
      component->others_who = entry->others_who;
    }
    component->others |= rights;
  }
  LocalFree(descriptor);
  return true;
}

/* Describes the component at entry->path into component, from its
 * attributes and security descriptor (host_files.h). */
static bool host_win_describe(host_path_entry *entry, bool is_root,
                              msiq_path_component *component, msiq_diag *diag) {
  memset(component, 0, sizeof *component);
  component->path = entry->path;
  wchar_t *wide = host_win_wide(entry->path);
  if (wide == NULL) {
    msiq_diag_set(diag, MSIQ_EINVAL, "invalid path '%s'", entry->path);
    return false;
  }
  bool described = true;
  DWORD attributes = GetFileAttributesW(wide);
  if (attributes == INVALID_FILE_ATTRIBUTES) {
    DWORD error = GetLastError();
    if (error == ERROR_FILE_NOT_FOUND || error == ERROR_PATH_NOT_FOUND) {
      component->kind = MSIQ_PATH_ABSENT;
    } else {
      described = false;
      msiq_diag_set(diag, MSIQ_EIO, "cannot check %s (Win32 error %lu)",
                    entry->path, (unsigned long)error);
    }
    free(wide);
    return described;
  }
  /* Junctions, symbolic links and mount points are all reparse points:
   * what they lead to is not what was judged. A drive's or a share's root
   * is where the path starts, never a link on Windows; Wine, whose drives
   * are symbolic links to Unix folders, reports its roots as reparse
   * points, which says nothing about who may change them. */
  if ((attributes & FILE_ATTRIBUTE_REPARSE_POINT) && !is_root) {
    component->kind = MSIQ_PATH_LINK;
  } else if (attributes & FILE_ATTRIBUTE_DIRECTORY) {
    component->kind = MSIQ_PATH_DIRECTORY;
  } else if (attributes & FILE_ATTRIBUTE_DEVICE) {
    component->kind = MSIQ_PATH_OTHER;
  } else {
    component->kind = MSIQ_PATH_FILE;
  }
  if (component->kind == MSIQ_PATH_DIRECTORY ||
      component->kind == MSIQ_PATH_FILE) {
    described = host_win_describe_security(wide, entry, component, diag);
  }
  free(wide);
  return described;
}

/* The length of path's root, its separator included: "C:\", "\\server\share\",
 * "\\?\C:\" or "\\?\UNC\server\share\"; 0 when path is not absolute. */
static size_t host_win_root_length(const char *path) {
  size_t start = 0;
  bool unc = false;
  if (strncmp(path, "\\\\?\\UNC\\", 8) == 0) {
    start = 8;
    unc = true;
  } else if (strncmp(path, "\\\\?\\", 4) == 0) {
    start = 4;
  } else if (strncmp(path, "\\\\", 2) == 0) {
    start = 2;
    unc = true;
  }
  if (!unc) {
    const char *drive = path + start;
    bool letter = (drive[0] >= 'A' && drive[0] <= 'Z') ||
                  (drive[0] >= 'a' && drive[0] <= 'z');
    return letter && drive[1] == ':' && drive[2] == '\\' ? start + 3 : 0;
  }
  /* \\server\share\: the server, then the share. */
  const char *server_end = strchr(path + start, '\\');
  if (server_end == NULL || server_end == path + start) {
    return 0;
  }
  const char *share_end = strchr(server_end + 1, '\\');
  if (share_end == server_end + 1) {
    return 0;
  }
  return share_end != NULL ? (size_t)(share_end - path) + 1 : strlen(path);
}

int msiq_host_check_path(const char *path, msiq_path_role role,
                         msiq_diag *diag) {
  size_t length = strlen(path);
  char *normal = malloc(length + 2);
  if (normal == NULL) {
    return msiq_diag_set(diag, MSIQ_ENOMEM, "out of memory");
  }
  for (size_t i = 0; i <= length; i++) {
    normal[i] = path[i] == '/' ? '\\' : path[i];
  }
  size_t root = host_win_root_length(normal);
  if (root == 0) {
    free(normal);
    return msiq_diag_set(diag, MSIQ_EINVAL,
                         "cannot check '%s': not an absolute path", path);
  }
  if (normal[root - 1] != '\\') {
    /* "\\server\share" alone: its root is the share. */
    normal[root] = '\\';
    normal[++root] = '\0';
  }
  int status =
      host_path_walk(normal, root, '\\', host_win_describe, path, role, diag);
  free(normal);
  return status;
}

/* The SHA-256 of the shared file code (host_files.h), from BCrypt. */

struct host_sha256 {
  BCRYPT_ALG_HANDLE algorithm;
  BCRYPT_HASH_HANDLE hash;
};

static int host_sha256_fail(msiq_diag *diag, const char *doing,
                            NTSTATUS result) {
  return msiq_diag_set(diag, MSIQ_EHOST, "cannot %s a SHA-256 (BCrypt 0x%08lx)",
                       doing, (unsigned long)result);
}

host_sha256 *host_sha256_begin(msiq_diag *diag) {
  host_sha256 *hash = calloc(1, sizeof *hash);
  if (hash == NULL) {
    msiq_diag_set(diag, MSIQ_ENOMEM, "out of memory");
    return NULL;
  }
  NTSTATUS result = BCryptOpenAlgorithmProvider(
      &hash->algorithm, BCRYPT_SHA256_ALGORITHM, NULL, 0);
  if (BCRYPT_SUCCESS(result)) {
    /* Windows 7 and later allocate the hash object themselves. */
    result =
        BCryptCreateHash(hash->algorithm, &hash->hash, NULL, 0, NULL, 0, 0);
    if (!BCRYPT_SUCCESS(result)) {
      BCryptCloseAlgorithmProvider(hash->algorithm, 0);
    }
  }
  if (!BCRYPT_SUCCESS(result)) {
    host_sha256_fail(diag, "compute", result);
    free(hash);
    return NULL;
  }
  return hash;
}

int host_sha256_update(host_sha256 *hash, const void *bytes, size_t count,
                       msiq_diag *diag) {
  const UCHAR *input = bytes;
  while (count > 0) {
    ULONG piece = count > 0x40000000 ? 0x40000000 : (ULONG)count;
    NTSTATUS result = BCryptHashData(hash->hash, (PUCHAR)input, piece, 0);
    if (!BCRYPT_SUCCESS(result)) {
      return host_sha256_fail(diag, "compute", result);
    }
    input += piece;
    count -= piece;
  }
  return MSIQ_OK;
}

int host_sha256_end(host_sha256 *hash, char hex[MSIQ_SHA256_HEX_SIZE],
                    msiq_diag *diag) {
  int status = MSIQ_OK;
  if (hex != NULL) {
    UCHAR digest[MSIQ_SHA256_DIGEST_SIZE];
    NTSTATUS result =
        BCryptFinishHash(hash->hash, digest, MSIQ_SHA256_DIGEST_SIZE, 0);
    if (BCRYPT_SUCCESS(result)) {
      msiq_sha256_hex(digest, hex);
    } else {
      status = host_sha256_fail(diag, "finish", result);
    }
  }
  BCryptDestroyHash(hash->hash);
  BCryptCloseAlgorithmProvider(hash->algorithm, 0);
  free(hash);
  return status;
}
