/* tool_cmd_list.c: `msiq list`, the queue at a glance. */
#include "cli/tool.h"

#include <stdio.h>
#include <stdlib.h>

enum list_option_id { LIST_STATE = 1 };

static const tool_option list_options[] = {
    {"state", 's', TOOL_ARGUMENT_REQUIRED, LIST_STATE},
    {NULL, 0, TOOL_ARGUMENT_NONE, 0},
};

static int list_handle_option(void *state, int id, const char *value,
                              msiq_diag *diag) {
  (void)id;
  msiq_state parsed;
  if (msiq_state_parse(value, &parsed) != MSIQ_OK) {
    return msiq_diag_set(diag, MSIQ_EINVAL,
                         "unknown state '%s' (use queued, running, retrying, "
                         "succeeded, failed or cancelled)",
                         value);
  }
  *(int *)state = (int)parsed;
  return MSIQ_OK;
}

static int list_print_row(const msiq_job *job, void *context) {
  (void)context;
  char exit_code[24] = "-";
  if (job->has_exit_code) {
    snprintf(exit_code, sizeof exit_code, "%lld", (long long)job->exit_code);
  }
  printf("%-6lld %-9s %-9s %8lld %3lld/%-3lld %-6s %s\n", (long long)job->id,
         msiq_state_name(job->state), msiq_action_name(job->action),
         (long long)job->priority, (long long)job->attempts,
         (long long)job->max_attempts, exit_code, job->target);
  return MSIQ_OK;
}

static int list_exec(tool_context *context, int argc, char **argv) {
  int state_filter = -1;
  int exit_code = tool_parse_command_line(context, argc, argv, list_options,
                                          list_handle_option, &state_filter,
                                          NULL, 0, 0, "");
  if (exit_code != TOOL_CONTINUE) {
    return exit_code;
  }
  msiq_store *store = NULL;
  exit_code = tool_open_store(context, 0, &store);
  if (exit_code != TOOL_EXIT_OK) {
    return exit_code;
  }
  msiq_diag diag = {{0}};
  int status;
  if (context->json) {
    char *json = NULL;
    status = msiq_store_list_json(store, state_filter, &json, &diag);
    if (status == MSIQ_OK) {
      tool_print_json(json);
    }
    free(json);
  } else {
    printf("%-6s %-9s %-9s %8s %7s %-6s %s\n", "ID", "STATE", "ACTION",
           "PRIORITY", "TRIES", "EXIT", "TARGET");
    status =
        msiq_store_list_jobs(store, state_filter, list_print_row, NULL, &diag);
  }
  if (status != MSIQ_OK) {
    exit_code = tool_report(context, status, &diag);
  }
  msiq_store_close(store);
  return exit_code;
}

const tool_command tool_cmd_list = {
    "list",
    "[--state S]",
    "List jobs, oldest first.",
    "Options:\n"
    "  -s, --state S   only jobs in state S: queued, running, retrying,\n"
    "                  succeeded, failed or cancelled\n",
    list_exec,
};
