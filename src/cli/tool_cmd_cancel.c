/* tool_cmd_cancel.c: `msiq cancel ID`, withdraw a job. */
#include "cli/tool.h"

#include <stdio.h>

typedef struct cancel_options {
  bool force;
  int64_t id;
} cancel_options;

static const tool_option cancel_option_table[] = {
    {"force", 'f', TOOL_OPTION_FLAG, offsetof(cancel_options, force), NULL},
    TOOL_OPTION_TABLE_END,
};

static int cancel_exec(const tool_context *context, void *state,
                       msiq_store *store) {
  const cancel_options *options = state;
  msiq_diag diag = {{0}};
  int64_t id = options->id;
  int exit_code = TOOL_EXIT_OK;
  bool requested = false;
  int status = msiq_store_cancel(store, id, options->force, &requested, &diag);
  if (status != MSIQ_OK) {
    exit_code = tool_report(context, status, &diag);
  } else if (context->json) {
    exit_code = tool_print_job_json(context, store, id, false);
  } else if (requested) {
    printf("job %lld: cancel requested; the dispatcher stops its installer\n",
           (long long)id);
  } else {
    printf("job %lld: cancelled\n", (long long)id);
  }
  return exit_code;
}

static const char cancel_help[] =
    "A running job is refused unless --force is given; then the dispatcher\n"
    "stops its installer and every process it started, and records the job\n"
    "as cancelled.\n\n"
    "Options:\n"
    "  -f, --force   cancel a running job by stopping its installer\n";

const tool_command tool_cmd_cancel = {
    .name = "cancel",
    .usage = "[--force] ID",
    .summary = "Cancel a queued or retrying job (--force: also a running one).",
    .help = cancel_help,
    .options = cancel_option_table,
    .options_size = sizeof(cancel_options),
    .words = {.min = 1,
              .max = 1,
              .name = "job ID",
              .type = TOOL_WORD_JOB_ID,
              .offset = offsetof(cancel_options, id)},
    .store = TOOL_STORE_EXISTING,
    .exec = cancel_exec,
};
