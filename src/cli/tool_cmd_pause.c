/* tool_cmd_pause.c: `msiq pause` and `msiq resume`, hold or release the
 * whole queue. A running installer is never interrupted by a pause. */
#include "cli/tool.h"

#include <stdio.h>
#include <stdlib.h>

typedef struct pause_options {
  const char *reason;
} pause_options;

static const tool_option pause_option_table[] = {
    {"reason", 'r', TOOL_OPTION_STRING, offsetof(pause_options, reason), NULL},
    TOOL_OPTION_TABLE_END,
};

static void pause_init(void *state) {
  ((pause_options *)state)->reason = "paused by an administrator";
}

static int pause_print_result(const tool_context *context, msiq_store *store) {
  msiq_diag diag = {{0}};
  msiq_queue_status queue;
  int status = msiq_store_queue_status(store, &queue, &diag);
  if (status != MSIQ_OK) {
    return tool_report(context, status, &diag);
  }
  if (context->json) {
    char *json = NULL;
    status = msiq_store_queue_json(store, &json, &diag);
    if (status != MSIQ_OK) {
      return tool_report(context, status, &diag);
    }
    tool_print_json(json);
    free(json);
  } else if (queue.paused) {
    printf("queue paused: %s\n", queue.pause_reason);
  } else {
    printf("queue resumed\n");
  }
  return TOOL_EXIT_OK;
}

static int pause_exec(const tool_context *context, void *state,
                      msiq_store *store) {
  const pause_options *options = state;
  msiq_diag diag = {{0}};
  int status = msiq_store_pause(store, options->reason, &diag);
  return status == MSIQ_OK ? pause_print_result(context, store)
                           : tool_report(context, status, &diag);
}

static int resume_exec(const tool_context *context, void *options,
                       msiq_store *store) {
  (void)options;
  msiq_diag diag = {{0}};
  int status = msiq_store_resume(store, &diag);
  return status == MSIQ_OK ? pause_print_result(context, store)
                           : tool_report(context, status, &diag);
}

static const char pause_help[] =
    "A running installer is not interrupted.\n\n"
    "Options:\n"
    "  -r, --reason TEXT   why (shown by `status`)\n";

const tool_command tool_cmd_pause = {
    .name = "pause",
    .usage = "[--reason TEXT]",
    .summary = "Hold the queue: no new job starts until `resume`.",
    .help = pause_help,
    .options = pause_option_table,
    .options_size = sizeof(pause_options),
    .init = pause_init,
    .store = TOOL_STORE_CREATE,
    .exec = pause_exec,
};

const tool_command tool_cmd_resume = {
    .name = "resume",
    .usage = "",
    .summary = "Release a paused queue.",
    .help = "",
    .store = TOOL_STORE_CREATE,
    .exec = resume_exec,
};
