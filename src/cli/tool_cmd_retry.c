/* tool_cmd_retry.c: `msiq retry ID`, queue a failed or cancelled job again. */
#include "cli/tool.h"

#include <stdio.h>

typedef struct retry_options {
  int64_t id;
} retry_options;

static int retry_exec(const tool_context *context, void *state,
                      msiq_store *store) {
  int64_t id = ((const retry_options *)state)->id;
  int exit_code = TOOL_EXIT_OK;
  msiq_diag diag = {{0}};
  int status = msiq_store_retry(store, id, &diag);
  if (status != MSIQ_OK) {
    exit_code = tool_report(context, status, &diag);
  } else if (context->json) {
    exit_code = tool_print_job_json(context, store, id, false);
  } else {
    printf("job %lld: queued again\n", (long long)id);
  }
  return exit_code;
}

const tool_command tool_cmd_retry = {
    .name = "retry",
    .usage = "ID",
    .summary =
        "Queue a failed or cancelled job again, with a fresh attempt budget.",
    .help = "The attempt history is kept; `attempts` counts the new round.\n",
    .options_size = sizeof(retry_options),
    .words = {.min = 1,
              .max = 1,
              .name = "job ID",
              .type = TOOL_WORD_JOB_ID,
              .offset = offsetof(retry_options, id)},
    .store = TOOL_STORE_EXISTING,
    .exec = retry_exec,
};
