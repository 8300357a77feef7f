/* host_posix_holder.c: the simulation's view of who holds the installer
 * (host.h, msiq_host_find_installer_holder).
 *
 * A test names the holder in the file MSIQ_SIM_MUTEX.holder, beside the
 * simulated mutex's lock file, in one of the two forms Windows gives:
 * recorded MsiInstaller event XML (one or more <Event> elements, newest
 * first, as the Windows host reads the Application log), read by the same
 * core rule the Windows host uses; or one line "PID COMMAND LINE", a
 * running msiexec.exe as the process list shows it, where the service's own
 * "msiexec.exe /V" counts for nothing, as on Windows.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/installer_holder.h"
#include "host/host.h"
#include "host/host_test_settings.h"

/* Events newest first, split at each </Event>. */
#define HOLDER_EVENTS_MAX 256

static bool holder_from_event_text(char *text, msiq_installer_holder *out) {
  const char *events[HOLDER_EVENTS_MAX];
  size_t count = 0;
  char *at = text;
  char *event;
  while (count < HOLDER_EVENTS_MAX && (event = strstr(at, "<Event")) != NULL) {
    char *end = strstr(event, "</Event>");
    if (end == NULL) {
      events[count++] = event; /* the parser refuses it */
      break;
    }
    end += strlen("</Event>");
    bool last = *end == '\0';
    *end = '\0';
    events[count++] = event;
    if (last) {
      break;
    }
    at = end + 1;
  }
  return msiq_installer_holder_from_events(events, count, out);
}

static bool holder_from_process_line(const char *text,
                                     msiq_installer_holder *out) {
  char *end = NULL;
  long long process_id = strtoll(text, &end, 10);
  if (end == text || process_id <= 0 || (*end != ' ' && *end != '\t')) {
    return false;
  }
  while (*end == ' ' || *end == '\t') {
    end++;
  }
  size_t length = strcspn(end, "\r\n");
  if (length == 0 || length >= sizeof out->command_line) {
    return false;
  }
  memcpy(out->command_line, end, length);
  out->command_line[length] = '\0';
  if (msiq_installer_holder_is_service_process(out->command_line)) {
    memset(out, 0, sizeof *out);
    return false;
  }
  out->source = MSIQ_HOLDER_SOURCE_PROCESS_LIST;
  out->process_id = process_id;
  return true;
}

bool msiq_host_find_installer_holder(msiq_installer_holder *out) {
  memset(out, 0, sizeof *out);
  const char *mutex_path = host_test_getenv("MSIQ_SIM_MUTEX");
  if (mutex_path == NULL || mutex_path[0] == '\0') {
    return false;
  }
  bool found = false;
  char *text = NULL;
  size_t path_size = strlen(mutex_path) + sizeof ".holder";
  char *path = malloc(path_size);
  FILE *file = NULL;
  if (path == NULL) {
    goto cleanup;
  }
  snprintf(path, path_size, "%s.holder", mutex_path);
  file = fopen(path, "rb");
  if (file == NULL) {
    goto cleanup;
  }
  /* A recorded hour of events is small; a larger file is not one. */
  size_t capacity = 1 << 20;
  text = malloc(capacity + 1);
  if (text == NULL) {
    goto cleanup;
  }
  size_t length = fread(text, 1, capacity, file);
  text[length] = '\0';
  const char *start = text + strspn(text, " \t\r\n");
  found = start[0] == '<' ? holder_from_event_text(text, out)
                          : holder_from_process_line(start, out);
cleanup:
  if (file != NULL) {
    fclose(file);
  }
  free(text);
  free(path);
  return found;
}
