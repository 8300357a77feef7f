/* tool_cmd_cancel.c: `msiq cancel ID`, withdraw a job. */
#include "cli/tool.h"

#include <stdio.h>

enum cancel_option_id { CANCEL_FORCE = 1 };

static const tool_option cancel_options[] = {
    {"force", 'f', TOOL_ARGUMENT_NONE, CANCEL_FORCE},
    {NULL, 0, TOOL_ARGUMENT_NONE, 0},
};

static int cancel_handle_option(void *state, int id, const char *value,
                                msiq_diag *diag) {
  (void)id;
  (void)value;
  (void)diag;
  *(bool *)state = true;
  return MSIQ_OK;
}

static int cancel_exec(tool_context *context, int argc, char **argv) {
  bool force = false;
  const char *word = NULL;
  int exit_code = tool_parse_command_line(context, argc, argv, cancel_options,
                                          cancel_handle_option, &force, &word,
                                          1, 1, "job ID");
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
  bool requested = false;
  status = msiq_store_cancel(store, id, force, &requested, &diag);
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
  msiq_store_close(store);
  return exit_code;
}

const tool_command tool_cmd_cancel = {
    "cancel",
    "[--force] ID",
    "Cancel a queued or retrying job (--force: also a running one).",
    "A running job is refused unless --force is given; then the dispatcher\n"
    "stops its installer and every process it started, and records the job\n"
    "as cancelled.\n\n"
    "Options:\n"
    "  -f, --force   cancel a running job by stopping its installer\n",
    cancel_exec,
};
