/* tool_cmd_show.c: `msiq show ID`, one job with its attempt history. */
#include "cli/tool.h"

#include <stdio.h>

#include "core/timeparse.h"

/* What the package said at enqueue, when it was read. */
static void show_print_package(const msiq_package_info *package) {
  char label[256];
  if (!msiq_package_info_label(package, label, sizeof label)) {
    return;
  }
  if (package->kind == MSIQ_PACKAGE_KIND_PATCH) {
    printf("patch:           %s\n", label);
    printf("patch code:      %s\n", package->patch_code);
    printf("applies to:      %s\n", package->patch_targets);
    /* The further patches applied in the same transaction, each with what
     * was read from it. */
    for (size_t i = 0; i < package->more_patch_count; i++) {
      const msiq_more_patch *more = &package->more_patches[i];
      printf("with patch:      %s\n", more->path);
      printf("  name:          %s\n",
             more->display_name != NULL ? more->display_name : "");
      printf("  patch code:    %s\n", more->patch_code);
      printf("  applies to:    %s\n", more->patch_targets);
    }
    return;
  }
  printf("product:         %s\n", label);
  printf("product code:    %s\n", package->product_code);
  if (package->manufacturer != NULL) {
    printf("manufacturer:    %s\n", package->manufacturer);
  }
  if (package->upgrade_code != NULL) {
    printf("upgrade code:    %s\n", package->upgrade_code);
  }
  printf("platform:        %s\n",
         package->platform != NULL ? package->platform : "");
  printf("languages:       %s\n",
         package->languages != NULL ? package->languages : "");
  /* The scope with the properties it comes from, since a job's own
   * ALLUSERS property can change it. */
  printf("scope:           %s (ALLUSERS=%s, MSIINSTALLPERUSER=%s)\n",
         msiq_package_info_scope(package),
         package->all_users != NULL ? package->all_users : "",
         package->install_per_user != NULL ? package->install_per_user : "");
}

static void show_print_job(const msiq_job *job) {
  char time_text[40];
  printf("id:              %lld\n", (long long)job->id);
  printf("state:           %s\n", msiq_state_name(job->state));
  printf("action:          %s\n", msiq_action_name(job->action));
  printf("target:          %s%s\n", job->target,
         job->related ? " (an upgrade code: every product installed with it)"
                      : "");
  show_print_package(&job->package);
  if (job->package_sha256 != NULL) {
    printf("staged from:     %s\n",
           job->package_source != NULL ? job->package_source : "");
    printf("sha256:          %s\n", job->package_sha256);
  }
  for (size_t i = 0; i < job->staged_file_count; i++) {
    printf("staged file:     %s\n", job->staged_files[i].path);
    printf("  from:          %s\n", job->staged_files[i].source);
    printf("  sha256:        %s\n", job->staged_files[i].sha256);
  }
  for (size_t i = 0; i < job->property_count; i++) {
    printf("property:        %s=%s\n", job->properties[i].name,
           job->properties[i].value);
  }
  printf("priority:        %lld\n", (long long)job->priority);
  printf("attempts:        %lld of %lld\n", (long long)job->attempts,
         (long long)job->max_attempts);
  if (job->timeout_ms > 0) {
    msiq_duration_format(job->timeout_ms, time_text, sizeof time_text);
    printf("timeout:         %s\n", time_text);
  }
  if (job->not_before != MSIQ_TIME_UNSET) {
    printf("not before:      %s\n",
           tool_format_time(job->not_before, time_text, sizeof time_text));
  }
  if (job->deadline != MSIQ_TIME_UNSET) {
    printf("deadline:        %s\n",
           tool_format_time(job->deadline, time_text, sizeof time_text));
  }
  for (size_t i = 0; i < job->after_count; i++) {
    printf("after:           %lld\n", (long long)job->after[i]);
  }
  for (size_t i = 0; i < job->exit_code_rule_count; i++) {
    printf("exit code rule:  %lld=%s\n",
           (long long)job->exit_code_rules[i].code,
           msiq_outcome_name(job->exit_code_rules[i].outcome));
  }
  if (job->key != NULL) {
    printf("key:             %s\n", job->key);
  }
  if (job->log_path != NULL) {
    printf("log:             %s\n", job->log_path);
  }
  /* Only a mode the job names: one that names none logs as /l*v. */
  if (job->log_mode != NULL) {
    printf("log mode:        /l%s\n", job->log_mode);
  }
  if (job->has_exit_code) {
    char exit_code[640];
    printf("exit code:       %s\n",
           tool_format_exit_code(job->exit_code, true, exit_code,
                                 sizeof exit_code));
  }
  printf("reboot required: %s\n", job->reboot_required ? "yes" : "no");
  printf("created:         %s\n",
         tool_format_time(job->created_at, time_text, sizeof time_text));
  printf("started:         %s\n",
         tool_format_time(job->started_at, time_text, sizeof time_text));
  printf("finished:        %s\n",
         tool_format_time(job->finished_at, time_text, sizeof time_text));
  if (job->retry_at != MSIQ_TIME_UNSET) {
    printf("next attempt:    %s\n",
           tool_format_time(job->retry_at, time_text, sizeof time_text));
  }
  if (job->cancel_requested) {
    printf("cancel:          requested\n");
  }
  if (job->last_error != NULL) {
    printf("last error:      %s\n", job->last_error);
  }
}

static void show_print_history(const msiq_attempt *attempts, size_t count) {
  char started[40];
  char finished[40];
  printf("\nhistory:\n");
  if (count == 0) {
    printf("  (no attempts yet)\n");
    return;
  }
  printf("  %-3s %-23s %-23s %-6s %-11s %-8s %s\n", "#", "STARTED", "FINISHED",
         "EXIT", "OUTCOME", "PROGRESS", "MESSAGE");
  for (size_t i = 0; i < count; i++) {
    const msiq_attempt *attempt = &attempts[i];
    char exit_code[24] = "-";
    if (attempt->has_exit_code) {
      tool_format_exit_code(attempt->exit_code, false, exit_code,
                            sizeof exit_code);
    }
    /* How far the attempt got: its last percentage, "-" when it reported
     * none (an action alone is shown on the line below). */
    char progress[16] = "-";
    if (attempt->progress_percent >= 0) {
      snprintf(progress, sizeof progress, "%d%%", attempt->progress_percent);
    }
    printf("  %-3lld %-23s %-23s %-6s %-11s %-8s %s\n",
           (long long)attempt->number,
           tool_format_time(attempt->started_at, started, sizeof started),
           tool_format_time(attempt->finished_at, finished, sizeof finished),
           exit_code, attempt->outcome[0] ? attempt->outcome : "running",
           progress, attempt->message != NULL ? attempt->message : "");
    if (attempt->progress_action != NULL) {
      printf("      last action: %s\n", attempt->progress_action);
    }
  }
}

typedef struct show_options {
  int64_t id;
} show_options;

static int show_exec(const tool_context *context, void *state,
                     msiq_store *store) {
  int64_t id = ((const show_options *)state)->id;
  int exit_code = TOOL_EXIT_OK;
  msiq_diag diag = {{0}};
  int status;
  if (context->json) {
    return tool_print_job_json(context, store, id, true);
  }
  msiq_job job;
  msiq_attempt *attempts = NULL;
  size_t attempt_count = 0;
  status = msiq_store_get_job(store, id, &job, &diag);
  if (status == MSIQ_OK) {
    status =
        msiq_store_get_attempts(store, id, &attempts, &attempt_count, &diag);
    if (status == MSIQ_OK) {
      show_print_job(&job);
      show_print_history(attempts, attempt_count);
    }
    msiq_job_cleanup(&job);
  }
  if (status != MSIQ_OK) {
    exit_code = tool_report(context, status, &diag);
  }
  msiq_attempts_free(attempts, attempt_count);
  return exit_code;
}

const tool_command tool_cmd_show = {
    .name = "show",
    .usage = "ID",
    .summary = "Show one job with every field and its attempt history.",
    .help = "",
    .options_size = sizeof(show_options),
    .words = {.min = 1,
              .max = 1,
              .name = "job ID",
              .type = TOOL_WORD_JOB_ID,
              .offset = offsetof(show_options, id)},
    .store = TOOL_STORE_EXISTING,
    .exec = show_exec,
};
