/* host_posix_paths.c: the simulation host's view of who may change a path
 * (owner and mode, as lstat reports them) and its SHA-256 (core/sha256.h).
 * See host.h (msiq_host_check_path) and core/path_safety.h.
 */
/* S_ISVTX, the sticky bit, is XSI, not plain POSIX. */
#define _XOPEN_SOURCE 700

#include "host/host.h"
#include "host/host_files.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Describes the component at entry->path into component, from lstat
 * (host_files.h). */
static bool host_path_describe_posix(host_path_entry *entry, bool is_root,
                                     msiq_path_component *component,
                                     msiq_diag *diag) {
  (void)is_root;
  struct stat info;
  memset(component, 0, sizeof *component);
  component->path = entry->path;
  if (lstat(entry->path, &info) != 0) {
    if (errno == ENOENT) {
      component->kind = MSIQ_PATH_ABSENT;
      return true;
    }
    msiq_diag_set(diag, MSIQ_EIO, "cannot check %s: %s", entry->path,
                  strerror(errno));
    return false;
  }
  if (S_ISLNK(info.st_mode)) {
    component->kind = MSIQ_PATH_LINK;
  } else if (S_ISDIR(info.st_mode)) {
    component->kind = MSIQ_PATH_DIRECTORY;
  } else if (S_ISREG(info.st_mode)) {
    component->kind = MSIQ_PATH_FILE;
  } else {
    component->kind = MSIQ_PATH_OTHER;
  }
  /* Trusted as for the database (msiq_host_check_private): root, or the
   * user msiq runs as. */
  component->owner_trusted = info.st_uid == 0 || info.st_uid == geteuid();
  snprintf(entry->owner, sizeof entry->owner, "uid %ld", (long)info.st_uid);
  component->owner = entry->owner;
  if (info.st_mode & (S_IWGRP | S_IWOTH)) {
    snprintf(entry->others_who, sizeof entry->others_who, "%s (mode %04o)",
             (info.st_mode & S_IWOTH) ? "everyone" : "its group",
             (unsigned)(info.st_mode & 07777));
    component->others_who = entry->others_who;
    if (component->kind == MSIQ_PATH_DIRECTORY) {
      /* Write access to a folder is creating entries and, unless it is
       * sticky, removing or renaming anyone's. */
      component->others = MSIQ_PATH_OTHERS_ADD | MSIQ_PATH_OTHERS_WRITE;
      if (!(info.st_mode & S_ISVTX)) {
        component->others |= MSIQ_PATH_OTHERS_REMOVE;
      }
    } else {
      component->others = MSIQ_PATH_OTHERS_WRITE;
    }
  }
  /* Deleting or renaming an entry, and changing its mode or owner, are
   * rights of the folder that holds it and of the owner, judged there. */
  return true;
}

int msiq_host_check_path(const char *path, msiq_path_role role,
                         msiq_diag *diag) {
  if (path[0] != '/') {
    return msiq_diag_set(diag, MSIQ_EINVAL,
                         "cannot check '%s': not an absolute path", path);
  }
  return host_path_walk(path, 1, '/', host_path_describe_posix, path, role,
                        diag);
}

/* The SHA-256 of the shared file code (host_files.h). */

struct host_sha256 {
  msiq_sha256 state;
};

host_sha256 *host_sha256_begin(msiq_diag *diag) {
  host_sha256 *hash = malloc(sizeof *hash);
  if (hash == NULL) {
    msiq_diag_set(diag, MSIQ_ENOMEM, "out of memory");
    return NULL;
  }
  msiq_sha256_init(&hash->state);
  return hash;
}

int host_sha256_update(host_sha256 *hash, const void *bytes, size_t count,
                       msiq_diag *diag) {
  (void)diag;
  msiq_sha256_update(&hash->state, bytes, count);
  return MSIQ_OK;
}

int host_sha256_end(host_sha256 *hash, char hex[MSIQ_SHA256_HEX_SIZE],
                    msiq_diag *diag) {
  (void)diag;
  if (hex != NULL) {
    uint8_t digest[MSIQ_SHA256_DIGEST_SIZE];
    msiq_sha256_final(&hash->state, digest);
    msiq_sha256_hex(digest, hex);
  }
  free(hash);
  return MSIQ_OK;
}
