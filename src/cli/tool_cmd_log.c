/* tool_cmd_log.c: `msiq log ID`, a job's msiexec log as UTF-8 text. */
#include "cli/tool.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dispatcher/log_excerpt.h"

enum log_option_id { LOG_FAILURE = 1 };

static const tool_option log_options[] = {
    {"failure", 'f', TOOL_ARGUMENT_NONE, LOG_FAILURE},
    {NULL, 0, TOOL_ARGUMENT_NONE, 0},
};

static int log_handle_option(void *state, int id, const char *value,
                             msiq_diag *diag) {
  (void)id;
  (void)value;
  (void)diag;
  *(bool *)state = true;
  return MSIQ_OK;
}

static int log_exec(tool_context *context, int argc, char **argv) {
  bool failure_only = false;
  const char *word = NULL;
  int exit_code = tool_parse_command_line(context, argc, argv, log_options,
                                          log_handle_option, &failure_only,
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
  msiq_job job;
  char *text = NULL;
  status = msiq_store_get_job(store, id, &job, &diag);
  if (status == MSIQ_OK && job.log_path == NULL) {
    status = msiq_diag_set(&diag, MSIQ_ESTATE,
                           "job %lld has no log yet (it has not started)",
                           (long long)id);
  }
  if (status == MSIQ_OK) {
    /* msiexec writes UTF-16; msiq prints UTF-8. The reader's explanation
     * gets its own buffer: formatting a diagnostic into itself would
     * repeat the prefix over the message it is reading. */
    msiq_diag reason = {{0}};
    status = msiq_log_read(job.log_path, &text, &reason);
    if (status != MSIQ_OK) {
      status = msiq_diag_set(&diag, MSIQ_ESTATE, "job %lld: %s", (long long)id,
                             reason.message);
    }
  }
  if (status == MSIQ_OK && failure_only) {
    char *excerpt = msiq_log_failure_excerpt(text);
    free(text);
    text = excerpt;
    if (text == NULL) {
      status = msiq_diag_set(&diag, MSIQ_ESTATE,
                             "job %lld: the log shows no failure (no "
                             "\"Return value 3\")",
                             (long long)id);
    }
  }
  if (status == MSIQ_OK) {
    fputs(text, stdout);
    if (text[0] != '\0' && text[strlen(text) - 1] != '\n') {
      fputc('\n', stdout);
    }
  } else {
    exit_code = tool_report(context, status, &diag);
  }
  free(text);
  if (status != MSIQ_ENOT_FOUND) {
    msiq_job_cleanup(&job);
  }
  msiq_store_close(store);
  return exit_code;
}

const tool_command tool_cmd_log = {
    "log",
    "[--failure] ID",
    "Print a job's msiexec log (converted from UTF-16 to UTF-8).",
    "Options:\n"
    "  -f, --failure   only the lines around the first \"Return value 3\",\n"
    "                  where the installation failed\n",
    log_exec,
};
