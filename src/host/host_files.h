/* host_files.h: the shared file code (host_files.c: walking a path for
 * core/path_safety.h, hashing a file, staging a package) and what it needs
 * from each host: a description of one path component, and a SHA-256 that
 * the Windows host takes from the operating system (BCrypt) and the
 * simulation host from core/sha256.h; and the first look at a package,
 * which both hosts' package readers make. Not for use outside src/host.
 */
#ifndef MSIQ_HOST_FILES_H
#define MSIQ_HOST_FILES_H

#include "host/host.h"

/* One component being described: its path, and room for the texts its
 * description points to. */
typedef struct host_path_entry {
  char *path;
  char owner[256];
  char others_who[256];
} host_path_entry;

/* Describes the component at entry->path into component (is_root: it is
 * the path's root); false, with diag filled, when it cannot be looked
 * at. */
typedef bool (*host_path_describe)(host_path_entry *entry, bool is_root,
                                   msiq_path_component *component,
                                   msiq_diag *diag);

/* True, in builds with test settings only, when `path` is a folder above
 * the one MSIQ_TEST_TRUSTED_ANCESTORS_OF names (that folder's parents, up
 * to the root). The Windows tests run under Wine, which shows no sticky
 * bit: a checkout under /tmp would have every queue, package and log path
 * refused for Z:\tmp, a folder outside anything a test is about. The named
 * folder and everything below it (the tests' own folders) are judged as
 * always; release builds read nothing (host_test_settings.h). */
bool host_path_is_test_trusted_ancestor(const char *path);

/* Describes walked from the root down, one component at a time, until the
 * whole path or the first absent component, then judges them for role
 * (msiq_path_judge, whose messages name judged_path). walked's first
 * root_length bytes are its root, separator included; separator divides
 * the names after it (empty names and "." are skipped). */
int host_path_walk(const char *walked, size_t root_length, char separator,
                   host_path_describe describe, const char *judged_path,
                   msiq_path_role role, msiq_diag *diag);

typedef struct host_sha256 host_sha256;

/* A new hash, or NULL (with diag filled) when none can be made. */
host_sha256 *host_sha256_begin(msiq_diag *diag);
int host_sha256_update(host_sha256 *hash, const void *bytes, size_t count,
                       msiq_diag *diag);
/* Writes the digest in hex and frees the hash; with hex NULL it only
 * frees it. */
int host_sha256_end(host_sha256 *hash, char hex[MSIQ_SHA256_HEX_SIZE],
                    msiq_diag *diag);

/* MSIQ_OK when the file at path begins like an OLE compound file;
 * MSIQ_ENOT_PACKAGE when it does not, MSIQ_EIO (with the system's reason)
 * when it cannot be read. libmsi and msi.dll refuse such a file too, but
 * in words about storages, or with a code that does not say why. */
int host_package_check_header(const char *path, msiq_diag *diag);

#endif /* MSIQ_HOST_FILES_H */
