/* host_files.c: walking a path for its judgement, hashing a file, staging
 * a package and reading the dispatcher's note, the same on every host. libuv's
 * synchronous file calls (no loop, no callback) take UTF-8 paths on Windows
 * too, so one copy loop serves both hosts; what differs (how a component is
 * described, the SHA-256) is each host's (host_files.h). See host.h
 * (msiq_host_check_path, msiq_host_file_sha256, msiq_host_stage_file).
 */
#include "host/host_files.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host/host_test_settings.h"

/* Bytes read at a time. */
#define HOST_FILES_CHUNK_SIZE 65536

/* Names tried for a copy before giving up (each one is new unless another
 * process staged into the same folder in the same millisecond). */
#define HOST_FILES_NAME_ATTEMPTS 16

/* True when name (up to the next separator) is "." or empty. */
static bool host_path_name_is_skipped(const char *name, char separator) {
  return name[0] == separator ||
         (name[0] == '.' && (name[1] == separator || name[1] == '\0'));
}

bool host_path_is_test_trusted_ancestor(const char *path) {
  char setting[4096];
  if (!host_test_setting("MSIQ_TEST_TRUSTED_ANCESTORS_OF", setting,
                         sizeof setting) ||
      setting[0] == '\0') {
    return false;
  }
  char *trusted = NULL;
  if (msiq_host_absolute_path(setting, &trusted, NULL) != MSIQ_OK) {
    return false;
  }
  /* Without trailing separators, except where the path is a root ("/",
   * "Z:\\"), whose separator is its last character. */
  size_t length = strlen(path);
  while (length > 1 && (path[length - 1] == '/' || path[length - 1] == '\\') &&
         path[length - 2] != ':') {
    length--;
  }
  bool is_root_form =
      length > 0 && (path[length - 1] == '/' || path[length - 1] == '\\');
  bool above = strlen(trusted) > length;
  /* Windows paths compare without case; the setting is the tests' own. */
  for (size_t i = 0; above && i < length; i++) {
    above =
        tolower((unsigned char)path[i]) == tolower((unsigned char)trusted[i]);
  }
  if (above && !is_root_form) {
    above = trusted[length] == '/' || trusted[length] == '\\';
  }
  free(trusted);
  return above;
}

int host_path_walk(const char *walked, size_t root_length, char separator,
                   host_path_describe describe, const char *judged_path,
                   msiq_path_role role, msiq_diag *diag) {
  size_t length = strlen(walked);
  size_t depth = 1;
  for (size_t i = root_length; i < length; i++) {
    if ((i == root_length || walked[i - 1] == separator) &&
        !host_path_name_is_skipped(walked + i, separator)) {
      depth++;
    }
  }
  host_path_entry *entries = calloc(depth, sizeof *entries);
  msiq_path_component *components = calloc(depth, sizeof *components);
  char *prefix = malloc(length + 2);
  int status = MSIQ_OK;
  size_t count = 0;
  if (entries == NULL || components == NULL || prefix == NULL) {
    status = msiq_diag_set(diag, MSIQ_ENOMEM, "out of memory");
    goto cleanup;
  }
  memcpy(prefix, walked, root_length);
  prefix[root_length] = '\0';
  size_t prefix_length = root_length;
  const char *cursor = walked + root_length;
  char separators[2] = {separator, '\0'};
  while (count < depth) {
    entries[count].path = malloc(prefix_length + 1);
    if (entries[count].path == NULL) {
      status = msiq_diag_set(diag, MSIQ_ENOMEM, "out of memory");
      break;
    }
    memcpy(entries[count].path, prefix, prefix_length + 1);
    if (!describe(&entries[count], count == 0, &components[count], diag)) {
      status = MSIQ_EIO;
      break;
    }
    if (components[count].kind == MSIQ_PATH_DIRECTORY &&
        host_path_is_test_trusted_ancestor(entries[count].path)) {
      components[count].owner_trusted = true;
      components[count].others = 0;
    }
    count++;
    if (components[count - 1].kind == MSIQ_PATH_ABSENT) {
      break;
    }
    while (*cursor != '\0' && host_path_name_is_skipped(cursor, separator)) {
      cursor++;
    }
    size_t name_length = strcspn(cursor, separators);
    if (name_length == 0) {
      break;
    }
    if (prefix[prefix_length - 1] != separator) {
      prefix[prefix_length++] = separator;
    }
    memcpy(prefix + prefix_length, cursor, name_length);
    prefix_length += name_length;
    prefix[prefix_length] = '\0';
    cursor += name_length;
  }
  if (status == MSIQ_OK) {
    status = msiq_path_judge(judged_path, role, components, count, depth, diag);
  }

cleanup:
  free(prefix);
  for (size_t i = 0; entries != NULL && i < depth; i++) {
    free(entries[i].path);
  }
  free(entries);
  free(components);
  return status;
}

static int host_files_fail(msiq_diag *diag, const char *doing, const char *path,
                           int rc) {
  return msiq_diag_set(diag, MSIQ_EIO, "cannot %s %s: %s", doing, path,
                       uv_strerror(rc));
}

/* uv_fs_open without a loop: the file, or a negative libuv error. */
static int host_files_open(const char *path, int flags, int mode) {
  uv_fs_t request;
  int rc = uv_fs_open(NULL, &request, path, flags, mode, NULL);
  uv_fs_req_cleanup(&request);
  return rc;
}

static int host_files_close(uv_file file) {
  uv_fs_t request;
  int rc = uv_fs_close(NULL, &request, file, NULL);
  uv_fs_req_cleanup(&request);
  return rc;
}

static int host_files_write_all(uv_file file, const char *bytes, size_t count) {
  while (count > 0) {
    uv_fs_t request;
    uv_buf_t buffer = uv_buf_init((char *)bytes, (unsigned)count);
    int rc = uv_fs_write(NULL, &request, file, &buffer, 1, -1, NULL);
    uv_fs_req_cleanup(&request);
    if (rc <= 0) {
      return rc < 0 ? rc : UV_EIO;
    }
    bytes += rc;
    count -= (size_t)rc;
  }
  return 0;
}

/* Reads `from` to its end through a SHA-256 and, when copy_path is not
 * NULL, writes every byte to `copy` as well. */
static int host_files_pump(uv_file from, const char *from_path, uv_file copy,
                           const char *copy_path,
                           char hex[MSIQ_SHA256_HEX_SIZE], msiq_diag *diag) {
  char *chunk = malloc(HOST_FILES_CHUNK_SIZE);
  host_sha256 *hash = host_sha256_begin(diag);
  int status = MSIQ_OK;
  if (chunk == NULL || hash == NULL) {
    status = hash == NULL ? MSIQ_EHOST
                          : msiq_diag_set(diag, MSIQ_ENOMEM, "out of memory");
    goto cleanup;
  }
  for (;;) {
    uv_fs_t request;
    uv_buf_t buffer = uv_buf_init(chunk, HOST_FILES_CHUNK_SIZE);
    int count = uv_fs_read(NULL, &request, from, &buffer, 1, -1, NULL);
    uv_fs_req_cleanup(&request);
    if (count < 0) {
      status = host_files_fail(diag, "read", from_path, count);
      goto cleanup;
    }
    if (count == 0) {
      break;
    }
    status = host_sha256_update(hash, chunk, (size_t)count, diag);
    if (status != MSIQ_OK) {
      goto cleanup;
    }
    if (copy_path != NULL) {
      int rc = host_files_write_all(copy, chunk, (size_t)count);
      if (rc < 0) {
        status = host_files_fail(diag, "write", copy_path, rc);
        goto cleanup;
      }
    }
  }
  status = host_sha256_end(hash, hex, diag);
  hash = NULL;

cleanup:
  if (hash != NULL) {
    host_sha256_end(hash, NULL, NULL);
  }
  free(chunk);
  return status;
}

int msiq_host_file_sha256(const char *path, char hex[MSIQ_SHA256_HEX_SIZE],
                          msiq_diag *diag) {
  int file = host_files_open(path, UV_FS_O_RDONLY, 0);
  if (file < 0) {
    return host_files_fail(diag, "read", path, file);
  }
  int status = host_files_pump(file, path, -1, NULL, hex, diag);
  host_files_close(file);
  return status;
}

/* The source's own file name: what follows its last separator. */
static const char *host_files_base_name(const char *path) {
  const char *base = path;
  for (const char *cursor = path; *cursor != '\0'; cursor++) {
    if (*cursor == '/' || *cursor == '\\') {
      base = cursor + 1;
    }
  }
  return base;
}

/* Creates a new file in directory for the copy of source, never opening
 * one that exists: its path in *path (free() it) and the file. */
static int host_files_create_copy(const char *source, const char *directory,
                                  char **path, uv_file *file, msiq_diag *diag) {
  const char *separator = strchr(directory, '\\') != NULL ? "\\" : "/";
  const char *base = host_files_base_name(source);
  size_t size = strlen(directory) + strlen(base) + 64;
  char *candidate = malloc(size);
  if (candidate == NULL) {
    return msiq_diag_set(diag, MSIQ_ENOMEM, "out of memory");
  }
  /* The time and the process id make the name new; the attempt number
   * steps past a name another process took in the same millisecond. */
  int64_t now = msiq_host_now_ms();
  unsigned long pid = (unsigned long)uv_os_getpid();
  int rc = UV_EEXIST;
  for (int attempt = 0; attempt < HOST_FILES_NAME_ATTEMPTS && rc == UV_EEXIST;
       attempt++) {
    snprintf(candidate, size, "%s%s%llx-%lx-%s", directory, separator,
             (unsigned long long)(now + attempt), pid, base);
    rc = host_files_open(candidate,
                         UV_FS_O_WRONLY | UV_FS_O_CREAT | UV_FS_O_EXCL, 0600);
  }
  if (rc < 0) {
    int status = host_files_fail(diag, "create", candidate, rc);
    free(candidate);
    return status;
  }
  *path = candidate;
  *file = rc;
  return MSIQ_OK;
}

/* Flushes the folder, so that the copy's name survives a power loss along
 * with the job that names it. Best effort: Windows flushes a new name with
 * the file's own flush and cannot flush a folder opened for reading. */
static void host_files_sync_directory(const char *directory) {
  int file = host_files_open(directory, UV_FS_O_RDONLY, 0);
  if (file >= 0) {
    uv_fs_t request;
    uv_fs_fsync(NULL, &request, file, NULL);
    uv_fs_req_cleanup(&request);
    host_files_close(file);
  }
}

int msiq_host_stage_file(const char *source, const char *directory,
                         char **staged, char hex[MSIQ_SHA256_HEX_SIZE],
                         msiq_diag *diag) {
  *staged = NULL;
  char *copy_path = NULL;
  uv_file copy = -1;
  int status = msiq_host_make_directory(directory, diag);
  if (status != MSIQ_OK) {
    return status;
  }
  int from = host_files_open(source, UV_FS_O_RDONLY, 0);
  if (from < 0) {
    return host_files_fail(diag, "read", source, from);
  }
  status = host_files_create_copy(source, directory, &copy_path, &copy, diag);
  if (status != MSIQ_OK) {
    goto cleanup;
  }
  status = host_files_pump(from, source, copy, copy_path, hex, diag);
  if (status == MSIQ_OK) {
    uv_fs_t request;
    int rc = uv_fs_fsync(NULL, &request, copy, NULL);
    uv_fs_req_cleanup(&request);
    if (rc < 0) {
      status = host_files_fail(diag, "flush", copy_path, rc);
    }
  }
  int rc = host_files_close(copy);
  copy = -1;
  if (status == MSIQ_OK && rc < 0) {
    status = host_files_fail(diag, "write", copy_path, rc);
  }
  if (status == MSIQ_OK) {
    host_files_sync_directory(directory);
    /* The folder is the queue's own; this proves it is as private as the
     * dispatcher will want it before the job is stored. */
    status = msiq_host_check_path(copy_path, MSIQ_PATH_ROLE_PACKAGE, diag);
  }

cleanup:
  if (copy >= 0) {
    host_files_close(copy);
  }
  host_files_close(from);
  if (status != MSIQ_OK && copy_path != NULL) {
    msiq_host_remove_file(copy_path);
    free(copy_path);
    copy_path = NULL;
  }
  *staged = copy_path;
  return status;
}

/* Only writing the note differs between the hosts (how a file is replaced
 * without following a link); reading it is the same everywhere. */
bool msiq_host_dispatcher_note_read(const char *database_path, char *buffer,
                                    size_t size) {
  char path[4096];
  int written =
      snprintf(path, sizeof path, "%s.dispatcher.note", database_path);
  if (size == 0 || written < 0 || (size_t)written >= sizeof path) {
    return false;
  }
  FILE *file = msiq_host_fopen(path, "rb");
  if (file == NULL) {
    return false;
  }
  bool found = fgets(buffer, (int)size, file) != NULL;
  fclose(file);
  if (found) {
    buffer[strcspn(buffer, "\r\n")] = '\0';
  }
  return found && buffer[0] != '\0';
}

int host_package_check_header(const char *path, msiq_diag *diag) {
  FILE *file = msiq_host_fopen(path, "rb");
  if (file == NULL) {
    return msiq_diag_set(diag, MSIQ_EIO, "%s", strerror(errno));
  }
  unsigned char header[8];
  size_t count = fread(header, 1, sizeof header, file);
  fclose(file);
  if (!msiq_package_header_is_compound_file(header, count)) {
    return msiq_diag_set(diag, MSIQ_ENOT_PACKAGE,
                         "it is not an OLE compound file");
  }
  return MSIQ_OK;
}
