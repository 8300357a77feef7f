/* tool_output.c: helpers shared by the commands that print jobs. */
#include "cli/tool.h"

#include <stdio.h>
#include <stdlib.h>

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
