/* tool_output.c: helpers shared by the commands that print jobs. */
#include "cli/tool.h"

#include <stdio.h>
#include <stdlib.h>

#include "host/host.h"
#include "core/outcome.h"
#include "core/timeparse.h"

void tool_print_json(const char *json) {
  fputs(json, stdout);
  fputc('\n', stdout);
}

const char *tool_format_time(int64_t utc_ms, char *buffer, size_t size) {
  if (utc_ms == MSIQ_TIME_UNSET) {
    snprintf(buffer, size, "-");
  } else {
    msiq_time_format_local(utc_ms, buffer, size);
  }
  return buffer;
}

const char *tool_format_exit_code(int64_t exit_code, bool with_name,
                                  char *buffer, size_t size) {
  if (!with_name) {
    if (msiq_exit_code_is_ntstatus(exit_code)) {
      snprintf(buffer, size, "0x%08llX",
               (unsigned long long)msiq_exit_code_unsigned(exit_code));
    } else {
      snprintf(buffer, size, "%lld", (long long)exit_code);
    }
    return buffer;
  }
  char message[512];
  bool has_message =
      msiq_host_exit_code_message(exit_code, message, sizeof message);
  msiq_exit_code_describe(exit_code, has_message ? message : NULL, buffer,
                          size);
  return buffer;
}

int tool_print_job_json(const tool_context *context, msiq_store *store,
                        int64_t id, bool with_history) {
  msiq_diag diag = {{0}};
  char *json = NULL;
  int status = msiq_store_job_json(store, id, with_history, &json, &diag);
  if (status != MSIQ_OK) {
    return tool_report(context, status, &diag);
  }
  tool_print_json(json);
  free(json);
  return TOOL_EXIT_OK;
}

void tool_print_report_line(void *stream, const char *line) {
  char now[40];
  msiq_time_format_local_seconds(msiq_host_now_ms(), now, sizeof now);
  fprintf(stream, "%s %s\n", now, line);
  fflush(stream);
}
