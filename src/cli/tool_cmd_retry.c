/* tool_cmd_retry.c: `msiq retry ID`, queue a failed or cancelled job again. */
#include "cli/tool.h"

#include <stdio.h>

static int retry_exec(tool_context *context, int argc, char **argv) {
  const char *word = NULL;
  int exit_code = tool_parse_command_line(context, argc, argv, NULL, NULL, NULL,
                                          &word, 1, 1, "job ID");
  if (exit_code != TOOL_CONTINUE) {
    return exit_code;
  }
  msiq_diag diag = {{0}};
  int64_t id = 0;
  int status = tool_parse_job_id(word, &id, &diag);
  if (status != MSIQ_OK) {
    return tool_report(context, status, &diag);
  }
  msiq_store *store = NULL;
  exit_code = tool_open_store(context, 0, &store);
  if (exit_code != TOOL_EXIT_OK) {
    return exit_code;
  }
  status = msiq_store_retry(store, id, &diag);
  if (status != MSIQ_OK) {
    exit_code = tool_report(context, status, &diag);
  } else if (context->json) {
    exit_code = tool_print_job_json(context, store, id, false);
  } else {
    printf("job %lld: queued again\n", (long long)id);
  }
  msiq_store_close(store);
  return exit_code;
}

const tool_command tool_cmd_retry = {
    "retry",
    "ID",
    "Queue a failed or cancelled job again, with a fresh attempt budget.",
    "The attempt history is kept; `attempts` counts the new round.\n",
    retry_exec,
};
