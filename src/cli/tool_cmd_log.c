/* tool_cmd_log.c: `msiq log ID`, a job's msiexec log as UTF-8 text. */
#include "cli/tool.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dispatcher/log_excerpt.h"

typedef struct log_options {
  bool failure_only;
  int64_t id;
} log_options;

static const tool_option log_option_table[] = {
    {"failure", 'f', TOOL_OPTION_FLAG, offsetof(log_options, failure_only),
     NULL},
    TOOL_OPTION_TABLE_END,
};

static int log_exec(const tool_context *context, void *state,
                    msiq_store *store) {
  const log_options *options = state;
  int64_t id = options->id;
  int exit_code = TOOL_EXIT_OK;
  msiq_diag diag = {{0}};
  msiq_job job;
  char *text = NULL;
  int status = msiq_store_get_job(store, id, &job, &diag);
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
  if (status == MSIQ_OK && options->failure_only) {
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
  return exit_code;
}

static const char log_help[] =
    "Options:\n"
    "  -f, --failure   only the lines around the first \"Return value 3\",\n"
    "                  where the installation failed\n";

const tool_command tool_cmd_log = {
    .name = "log",
    .usage = "[--failure] ID",
    .summary = "Print a job's msiexec log (converted from UTF-16 to UTF-8).",
    .help = log_help,
    .options = log_option_table,
    .options_size = sizeof(log_options),
    .words = {.min = 1,
              .max = 1,
              .name = "job ID",
              .type = TOOL_WORD_JOB_ID,
              .offset = offsetof(log_options, id)},
    .store = TOOL_STORE_EXISTING,
    .exec = log_exec,
};
