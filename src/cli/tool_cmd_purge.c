/* tool_cmd_purge.c: `msiq purge --older-than D`, forget old finished jobs. */
#include "cli/tool.h"

#include <stdio.h>

#include "host/host.h"

typedef struct purge_options {
  int64_t older_than_ms;
} purge_options;

static const tool_option purge_option_table[] = {
    {"older-than", 0, TOOL_OPTION_DURATION,
     offsetof(purge_options, older_than_ms), NULL},
    TOOL_OPTION_TABLE_END,
};

/* --older-than has no default: forgetting history is always asked for. */
static int purge_check(void *state, msiq_diag *diag) {
  if (((const purge_options *)state)->older_than_ms <= 0) {
    return msiq_diag_set(diag, MSIQ_EUSAGE,
                         "--older-than D is required (for example "
                         "--older-than 30d)");
  }
  return MSIQ_OK;
}

static int purge_exec(const tool_context *context, void *state,
                      msiq_store *store) {
  int64_t older_than = ((const purge_options *)state)->older_than_ms;
  int exit_code = TOOL_EXIT_OK;
  msiq_diag diag = {{0}};
  int64_t deleted = 0;
  int status =
      msiq_store_purge(store, msiq_host_now_ms() - older_than, &deleted, &diag);
  /* Staged packages of the jobs now gone leave the disk too (also any that
   * an earlier purge could not delete). */
  int64_t removed = 0;
  if (status == MSIQ_OK) {
    status = msiq_store_remove_staged_copies(store, &removed, &diag);
  }
  if (status != MSIQ_OK) {
    exit_code = tool_report(context, status, &diag);
  } else if (context->json) {
    printf("{\"purged\":%lld}\n", (long long)deleted);
  } else {
    printf("purged %lld finished job%s\n", (long long)deleted,
           deleted == 1 ? "" : "s");
  }
  return exit_code;
}

static const char purge_help[] =
    "Only succeeded, failed and cancelled jobs are deleted, and never one an\n"
    "unfinished job still waits for. The staged copies of the jobs deleted\n"
    "(enqueue --stage) are deleted with them.\n\n"
    "Options:\n"
    "  --older-than D   age of the finish time: 90s, 15m, 2h, 30d\n";

const tool_command tool_cmd_purge = {
    .name = "purge",
    .usage = "--older-than D",
    .summary = "Delete finished jobs (and their history) older than D.",
    .help = purge_help,
    .options = purge_option_table,
    .options_size = sizeof(purge_options),
    .check = purge_check,
    .store = TOOL_STORE_EXISTING,
    .exec = purge_exec,
};
