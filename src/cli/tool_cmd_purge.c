/* tool_cmd_purge.c: `msiq purge --older-than D`, forget old finished jobs. */
#include "cli/tool.h"

#include <stdio.h>

#include "host/host.h"
#include "core/timeparse.h"

enum purge_option_id { PURGE_OLDER_THAN = 1 };

static const tool_option purge_options[] = {
    {"older-than", 0, TOOL_ARGUMENT_REQUIRED, PURGE_OLDER_THAN},
    {NULL, 0, TOOL_ARGUMENT_NONE, 0},
};

static int purge_handle_option(void *state, int id, const char *value,
                               msiq_diag *diag) {
  (void)id;
  return msiq_duration_parse(value, (int64_t *)state, diag);
}

static int purge_exec(tool_context *context, int argc, char **argv) {
  int64_t older_than = 0;
  int exit_code =
      tool_parse_command_line(context, argc, argv, purge_options,
                              purge_handle_option, &older_than, NULL, 0, 0, "");
  if (exit_code != TOOL_CONTINUE) {
    return exit_code;
  }
  msiq_diag diag = {{0}};
  if (older_than <= 0) {
    return tool_report(context,
                       msiq_diag_set(&diag, MSIQ_EUSAGE,
                                     "--older-than D is required (for "
                                     "example --older-than 30d)"),
                       &diag);
  }
  msiq_store *store = NULL;
  exit_code = tool_open_store(context, 0, &store);
  if (exit_code != TOOL_EXIT_OK) {
    return exit_code;
  }
  int64_t deleted = 0;
  int status =
      msiq_store_purge(store, msiq_host_now_ms() - older_than, &deleted, &diag);
  if (status != MSIQ_OK) {
    exit_code = tool_report(context, status, &diag);
  } else if (context->json) {
    printf("{\"purged\":%lld}\n", (long long)deleted);
  } else {
    printf("purged %lld finished job%s\n", (long long)deleted,
           deleted == 1 ? "" : "s");
  }
  msiq_store_close(store);
  return exit_code;
}

const tool_command tool_cmd_purge = {
    "purge",
    "--older-than D",
    "Delete finished jobs (and their history) older than D.",
    "Only succeeded, failed and cancelled jobs are deleted, and never one an\n"
    "unfinished job still waits for.\n\n"
    "Options:\n"
    "  --older-than D   age of the finish time: 90s, 15m, 2h, 30d\n",
    purge_exec,
};
