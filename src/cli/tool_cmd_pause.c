/* tool_cmd_pause.c: `msiq pause` and `msiq resume`, hold or release the
 * whole queue. A running installer is never interrupted by a pause. */
#include "cli/tool.h"

#include <stdio.h>
#include <stdlib.h>

enum pause_option_id { PAUSE_REASON = 1 };

static const tool_option pause_options[] = {
    {"reason", 'r', TOOL_ARGUMENT_REQUIRED, PAUSE_REASON},
    {NULL, 0, TOOL_ARGUMENT_NONE, 0},
};

static int pause_handle_option(void *state, int id, const char *value,
                               msiq_diag *diag) {
  (void)id;
  (void)diag;
  *(const char **)state = value;
  return MSIQ_OK;
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

static int pause_exec(tool_context *context, int argc, char **argv) {
  const char *reason = "paused by an administrator";
  int exit_code =
      tool_parse_command_line(context, argc, argv, pause_options,
                              pause_handle_option, &reason, NULL, 0, 0, "");
  if (exit_code != TOOL_CONTINUE) {
    return exit_code;
  }
  msiq_store *store = NULL;
  exit_code = tool_open_store(context, MSIQ_STORE_CREATE, &store);
  if (exit_code != TOOL_EXIT_OK) {
    return exit_code;
  }
  msiq_diag diag = {{0}};
  int status = msiq_store_pause(store, reason, &diag);
  exit_code = status == MSIQ_OK ? pause_print_result(context, store)
                                : tool_report(context, status, &diag);
  msiq_store_close(store);
  return exit_code;
}

static int resume_exec(tool_context *context, int argc, char **argv) {
  int exit_code = tool_parse_command_line(context, argc, argv, NULL, NULL, NULL,
                                          NULL, 0, 0, "");
  if (exit_code != TOOL_CONTINUE) {
    return exit_code;
  }
  msiq_store *store = NULL;
  exit_code = tool_open_store(context, MSIQ_STORE_CREATE, &store);
  if (exit_code != TOOL_EXIT_OK) {
    return exit_code;
  }
  msiq_diag diag = {{0}};
  int status = msiq_store_resume(store, &diag);
  exit_code = status == MSIQ_OK ? pause_print_result(context, store)
                                : tool_report(context, status, &diag);
  msiq_store_close(store);
  return exit_code;
}

const tool_command tool_cmd_pause = {
    "pause",
    "[--reason TEXT]",
    "Hold the queue: no new job starts until `resume`.",
    "A running installer is not interrupted.\n\n"
    "Options:\n"
    "  -r, --reason TEXT   why (shown by `status`)\n",
    pause_exec,
};

const tool_command tool_cmd_resume = {
    "resume", "", "Release a paused queue.", "", resume_exec,
};
