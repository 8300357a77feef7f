/* host_log.c: a log file that rotates, the same on every host (see
 * host.h, msiq_host_log_open). The Windows service writes its report lines
 * to one; a service runs for months, and a log nobody trims would fill the
 * data folder's disk, which the queue needs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host/host.h"
#include "host/host_test_settings.h"
#include "core/text.h"

struct msiq_host_log {
  char *path;
  FILE *file;
  int64_t size;  /* bytes in the current file */
  int64_t limit; /* rotate before a line that would pass it */
};

/* The limit: MSIQ_HOST_LOG_LIMIT_BYTES, or the test setting
 * MSIQ_SERVICE_LOG_LIMIT (a whole number of bytes, at least 1) in builds
 * with test settings, so a test sees rotations without writing 10 MB. */
static int64_t host_log_limit(void) {
  char text[32];
  if (!host_test_setting("MSIQ_SERVICE_LOG_LIMIT", text, sizeof text)) {
    return MSIQ_HOST_LOG_LIMIT_BYTES;
  }
  char *end = NULL;
  long long value = strtoll(text, &end, 10);
  if (end == text || *end != '\0' || value < 1) {
    return MSIQ_HOST_LOG_LIMIT_BYTES;
  }
  return (int64_t)value;
}

static int host_log_open_file(msiq_host_log *log) {
  log->file = msiq_host_fopen(log->path, "ab");
  if (log->file == NULL) {
    return MSIQ_EIO;
  }
  /* Append mode writes at the end; ftell only says so after a seek. */
  log->size = 0;
  if (fseek(log->file, 0, SEEK_END) == 0) {
    long position = ftell(log->file);
    log->size = position > 0 ? (int64_t)position : 0;
  }
  return MSIQ_OK;
}

/* "PATH.N" into buffer; false when it does not fit. */
static bool host_log_generation_path(const char *path, int generation,
                                     char *buffer, size_t size) {
  int written = snprintf(buffer, size, "%s.%d", path, generation);
  return written > 0 && (size_t)written < size;
}

/* PATH.(N-1) becomes PATH.N (the oldest is deleted), ..., PATH becomes
 * PATH.1, and a new PATH is started. The current file is closed first:
 * Windows renames no file that is open without FILE_SHARE_DELETE. A step
 * that fails (another process holds a generation open) is skipped; the
 * log goes on in whatever file it can open. */
static void host_log_rotate(msiq_host_log *log) {
  fclose(log->file);
  log->file = NULL;
  char from[4096 + 16];
  char to[4096 + 16];
  if (host_log_generation_path(log->path, MSIQ_HOST_LOG_GENERATIONS, to,
                               sizeof to)) {
    msiq_host_remove_file(to);
  }
  for (int generation = MSIQ_HOST_LOG_GENERATIONS - 1; generation >= 1;
       generation--) {
    if (host_log_generation_path(log->path, generation, from, sizeof from) &&
        host_log_generation_path(log->path, generation + 1, to, sizeof to) &&
        msiq_host_file_exists(from)) {
      bool existed = false;
      msiq_host_move_file_if_absent(from, to, &existed, NULL);
    }
  }
  if (host_log_generation_path(log->path, 1, to, sizeof to)) {
    bool existed = false;
    msiq_host_move_file_if_absent(log->path, to, &existed, NULL);
  }
  host_log_open_file(log);
}

int msiq_host_log_open(const char *path, msiq_host_log **result,
                       msiq_diag *diag) {
  *result = NULL;
  msiq_host_log *log = calloc(1, sizeof *log);
  char *copy = log != NULL ? msiq_text_duplicate(path) : NULL;
  if (copy == NULL) {
    free(log);
    return msiq_diag_set(diag, MSIQ_ENOMEM, "out of memory");
  }
  log->path = copy;
  log->limit = host_log_limit();
  if (host_log_open_file(log) != MSIQ_OK) {
    free(log->path);
    free(log);
    return msiq_diag_set(diag, MSIQ_EIO, "cannot open log file %s", path);
  }
  *result = log;
  return MSIQ_OK;
}

void msiq_host_log_write_line(msiq_host_log *log, const char *line) {
  if (log == NULL) {
    return;
  }
  int64_t length = (int64_t)strlen(line) + 1;
  /* A line is never split, and a file holds at least one line however
   * small the limit. */
  if (log->file != NULL && log->size > 0 && log->size + length > log->limit) {
    host_log_rotate(log);
  }
  if (log->file == NULL && host_log_open_file(log) != MSIQ_OK) {
    return;
  }
  if (fprintf(log->file, "%s\n", line) >= 0) {
    log->size += length;
  }
  /* Complete after a crash: the service's last words are the ones that
   * matter. */
  fflush(log->file);
}

void msiq_host_log_close(msiq_host_log *log) {
  if (log == NULL) {
    return;
  }
  if (log->file != NULL) {
    fclose(log->file);
  }
  free(log->path);
  free(log);
}
