/* tool_cmd_wait.c: `msiq wait ID...`, block until jobs finish and exit with
 * an msiexec-style code, so msiq can stand in for msiexec in scripts. */
#include "cli/tool.h"

#include <stdio.h>
#include <stdlib.h>

#include <uv.h>

#include "host/host.h"
#include "core/outcome.h"
#include "core/timeparse.h"

/* How often a waiting process looks at the queue; each look costs one
 * PRAGMA data_version unless something changed. */
#define WAIT_POLL_MS 200

/* Reads every job; *all_final says whether they have all finished. */
static int wait_read_jobs(msiq_store *store, const int64_t *ids, size_t count,
                          msiq_job *jobs, bool *all_final, msiq_diag *diag) {
  *all_final = true;
  for (size_t i = 0; i < count; i++) {
    msiq_job_cleanup(&jobs[i]);
    int status = msiq_store_get_job(store, ids[i], &jobs[i], diag);
    if (status != MSIQ_OK) {
      return status;
    }
    *all_final = *all_final && msiq_state_is_final(jobs[i].state);
  }
  return MSIQ_OK;
}

static void wait_print_result(const tool_context *context, msiq_store *store,
                              const msiq_job *jobs, size_t count) {
  if (context->json) {
    fputc('[', stdout);
    for (size_t i = 0; i < count; i++) {
      char *json = NULL;
      if (msiq_store_job_json(store, jobs[i].id, false, &json, NULL) ==
          MSIQ_OK) {
        printf("%s%s", i ? "," : "", json);
      }
      free(json);
    }
    fputs("]\n", stdout);
    return;
  }
  for (size_t i = 0; i < count; i++) {
    char exit_code[32] = "";
    if (jobs[i].has_exit_code) {
      snprintf(exit_code, sizeof exit_code, " (exit %lld)",
               (long long)jobs[i].exit_code);
    }
    printf("job %lld: %s%s%s%s%s\n", (long long)jobs[i].id,
           msiq_state_name(jobs[i].state), exit_code,
           jobs[i].reboot_required ? ", reboot required" : "",
           jobs[i].last_error != NULL ? ": " : "",
           jobs[i].last_error != NULL ? jobs[i].last_error : "");
  }
}

int tool_wait_for_jobs(const tool_context *context, msiq_store *store,
                       const int64_t *ids, size_t count, int64_t timeout_ms) {
  msiq_diag diag = {{0}};
  msiq_job *jobs = calloc(count, sizeof *jobs);
  if (jobs == NULL) {
    errorf("out of memory");
    return TOOL_EXIT_FAILURE;
  }
  for (size_t i = 0; i < count; i++) {
    msiq_job_init(&jobs[i]);
  }
  uint64_t deadline = uv_hrtime() / 1000000 + (uint64_t)timeout_ms;
  int64_t seen_version = -1;
  bool all_final = false;
  int status = MSIQ_OK;
  int exit_code;
  for (;;) {
    int64_t version = 0;
    status = msiq_store_data_version(store, &version, &diag);
    if (status != MSIQ_OK) {
      break;
    }
    /* Re-read only when another process committed something. */
    if (version != seen_version) {
      seen_version = version;
      status = wait_read_jobs(store, ids, count, jobs, &all_final, &diag);
      if (status != MSIQ_OK || all_final) {
        break;
      }
    }
    if (timeout_ms > 0 && uv_hrtime() / 1000000 >= deadline) {
      break;
    }
    uv_sleep(WAIT_POLL_MS);
  }
  if (status != MSIQ_OK) {
    exit_code = tool_report(context, status, &diag);
  } else if (!all_final) {
    char limit[32];
    msiq_duration_format(timeout_ms, limit, sizeof limit);
    errorf("timed out after %s waiting for %zu job%s", limit, count,
           count == 1 ? "" : "s");
    exit_code = 1460; /* ERROR_TIMEOUT, in the msiexec style */
  } else {
    wait_print_result(context, store, jobs, count);
    exit_code = (int)msiq_wait_exit_code(jobs, count);
  }
  for (size_t i = 0; i < count; i++) {
    msiq_job_cleanup(&jobs[i]);
  }
  free(jobs);
  return exit_code;
}

#define WAIT_MAX_JOBS 256

typedef struct wait_options {
  int64_t timeout_ms;
  int64_t ids[WAIT_MAX_JOBS]; /* the ids given; 0 after the last */
} wait_options;

static const tool_option wait_option_table[] = {
    {"timeout", 't', TOOL_OPTION_DURATION, offsetof(wait_options, timeout_ms),
     NULL},
    TOOL_OPTION_TABLE_END,
};

static int wait_exec(const tool_context *context, void *state,
                     msiq_store *store) {
  const wait_options *options = state;
  size_t count = 0;
  while (count < WAIT_MAX_JOBS && options->ids[count] != 0) {
    count++;
  }
  return tool_wait_for_jobs(context, store, options->ids, count,
                            options->timeout_ms);
}

static const char wait_help[] =
    "Exit code, in this order: if a job failed or was cancelled, the first\n"
    "such job's code (its installer's exit code; 1603 when it had none;\n"
    "1602 for a cancelled job); else 1641 if a job started a reboot; else\n"
    "3010 if one needs a reboot; else 0. 1618 is never returned: a job that\n"
    "gave up on it reports 1603. 1460 when --timeout passes first.\n\n"
    "Options:\n"
    "  -t, --timeout D   give up waiting after D (the jobs keep going)\n";

const tool_command tool_cmd_wait = {
    .name = "wait",
    .usage = "[--timeout D] ID...",
    .summary = "Wait until jobs finish; exit with an msiexec-style code.",
    .help = wait_help,
    .options = wait_option_table,
    .options_size = sizeof(wait_options),
    .words = {.min = 1,
              .max = WAIT_MAX_JOBS,
              .name = "job ID",
              .type = TOOL_WORD_JOB_ID,
              .offset = offsetof(wait_options, ids)},
    .store = TOOL_STORE_EXISTING,
    .exec = wait_exec,
};
