/* host_posix.c: the POSIX simulation host (development and tests).
 *
 * It stands in for Windows so that the core can be built and tested quickly
 * on Linux under sanitizers; see docs/testing.md for the settings that
 * simulate the installer mutex and service.
 */
#define _POSIX_C_SOURCE 200809L

#include "host/host.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

int64_t msiq_host_now_ms(void) {
  struct timespec now;
  clock_gettime(CLOCK_REALTIME, &now);
  return (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

int msiq_host_default_database_path(char *buffer, size_t size,
                                    msiq_diag *diag) {
  int written;
  const char *state_home = getenv("XDG_STATE_HOME");
  const char *home = getenv("HOME");
  if (geteuid() == 0) {
    written = snprintf(buffer, size, "/var/lib/msiq/queue.db");
  } else if (state_home != NULL && state_home[0] == '/') {
    written = snprintf(buffer, size, "%s/msiq/queue.db", state_home);
  } else if (home != NULL && home[0] == '/') {
    written = snprintf(buffer, size, "%s/.local/state/msiq/queue.db", home);
  } else {
    return msiq_diag_set(diag, MSIQ_EUSAGE,
                         "no default database location (HOME is not set); "
                         "pass --db or set MSIQ_DB");
  }
  if (written < 0 || (size_t)written >= size) {
    return msiq_diag_set(diag, MSIQ_EUSAGE, "default database path too long");
  }
  return MSIQ_OK;
}

/* mkdir -p for every parent of path, with owner-only permissions on the
 * directories it creates: the queue decides what gets installed. */
int msiq_host_prepare_database_directory(const char *database_path,
                                         msiq_diag *diag) {
  char directory[4096];
  if (snprintf(directory, sizeof directory, "%s", database_path) >=
      (int)sizeof directory) {
    return msiq_diag_set(diag, MSIQ_EUSAGE, "database path too long");
  }
  char *last_slash = strrchr(directory, '/');
  if (last_slash == NULL || last_slash == directory) {
    return MSIQ_OK;
  }
  *last_slash = '\0';
  for (char *cursor = directory + 1;; cursor++) {
    bool at_end = *cursor == '\0';
    if (*cursor == '/' || at_end) {
      *cursor = '\0';
      if (mkdir(directory, 0700) != 0 && errno != EEXIST) {
        return msiq_diag_set(diag, MSIQ_EIO, "cannot create directory %s: %s",
                             directory, strerror(errno));
      }
      if (at_end) {
        break;
      }
      *cursor = '/';
    }
  }
  return MSIQ_OK;
}

bool msiq_host_file_exists(const char *path) {
  struct stat info;
  return stat(path, &info) == 0 && S_ISREG(info.st_mode);
}

int msiq_host_absolute_path(const char *path, char **absolute,
                            msiq_diag *diag) {
  char directory[4096];
  size_t length = strlen(path);
  if (path[0] == '/') {
    directory[0] = '\0';
  } else if (getcwd(directory, sizeof directory) == NULL) {
    return msiq_diag_set(diag, MSIQ_EIO,
                         "cannot resolve '%s': current directory unknown: %s",
                         path, strerror(errno));
  }
  size_t prefix = strlen(directory);
  char *result = malloc(prefix + 1 + length + 1);
  if (result == NULL) {
    return msiq_diag_set(diag, MSIQ_ENOMEM, "out of memory");
  }
  if (prefix > 0) {
    memcpy(result, directory, prefix);
    result[prefix++] = '/';
  }
  memcpy(result + prefix, path, length + 1);
  *absolute = result;
  return MSIQ_OK;
}
