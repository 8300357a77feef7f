/* decision.c: what becomes of a job when an attempt ends, and the texts
 * that say so. See decision.h.
 *
 * The texts are part of the interface: administrators read them in
 * `msiq show`, scripts match them, and the Windows event log keeps them, so
 * they change only on purpose.
 */
#include "core/decision.h"

#include "core/admission.h"

#include <stdio.h>
#include <string.h>

#include "core/timeparse.h"

/* "exit code 1603 (ERROR_INSTALL_FAILURE)", "exit code 5 (Access is
 * denied)" with the system's message, "exit code 0xC0000005
 * (STATUS_ACCESS_VIOLATION: access violation)": msiq_exit_code_describe. */
static void decision_format_exit(const msiq_attempt_facts *facts,
                                 int64_t exit_code, char *buffer, size_t size) {
  char described[160];
  msiq_exit_code_describe(exit_code, facts->exit_code_message, described,
                          sizeof described);
  snprintf(buffer, size, "exit code %s", described);
}

int64_t msiq_attempt_code(const msiq_attempt_facts *facts) {
  return facts->speaks_protocol && facts->has_result ? facts->result
                                                     : facts->exit_code;
}

static int64_t decision_code(const msiq_attempt_facts *facts) {
  return msiq_attempt_code(facts);
}

static msiq_verdict decision_classify(const msiq_attempt_facts *facts) {
  return msiq_outcome_classify(facts->action, facts->exit_code_rules,
                               facts->exit_code_rule_count,
                               decision_code(facts));
}

/* A protocol worker that exited without its `result` line: it crashed (an
 * access violation inside msi.dll, say) or was ended by someone else. */
static bool decision_worker_vanished(const msiq_attempt_facts *facts) {
  return facts->speaks_protocol && !facts->has_result;
}

bool msiq_attempt_wants_log_excerpt(const msiq_attempt_facts *facts) {
  /* Only a failure shows the log. A retry explains itself by its exit code
   * and the retry budget, and a stopped installer by the timeout or the
   * cancel; reading a log that the text would not show is wasted work. */
  return facts->ending == MSIQ_ATTEMPT_EXITED &&
         (decision_worker_vanished(facts) ||
          decision_classify(facts).outcome == MSIQ_OUTCOME_FAIL);
}

/* Appends text to buffer (which holds a string) with every control
 * character made a space, so that a multi-line Windows Installer message
 * stays on the one line it is given. */
static void decision_append_flat(char *buffer, size_t size, const char *text) {
  size_t used = strlen(buffer);
  for (const char *c = text; *c != '\0' && used + 1 < size; c++) {
    buffer[used++] = (unsigned char)*c < 0x20 ? ' ' : *c;
  }
  buffer[used] = '\0';
}

/* "error 1722 in action CA_Run: <text>", or without the action. */
static void decision_format_error(const msiq_worker_error *error, char *buffer,
                                  size_t size) {
  bool has_action = error->action != NULL && error->action[0] != '\0';
  snprintf(buffer, size, "error %lld%s%s: ", (long long)error->number,
           has_action ? " in action " : "", has_action ? error->action : "");
  decision_append_flat(buffer, size,
                       error->text != NULL ? error->text : "(no text)");
}

/* "exit code 0x80070005" for a code too large to be a Windows Installer
 * return code (an HRESULT, say), else as decision_format_exit writes it
 * (which also writes an exception status in hex, with its name). */
static void decision_format_raw_exit(const msiq_attempt_facts *facts,
                                     int64_t exit_code, char *buffer,
                                     size_t size) {
  if (exit_code > 0xFFFF && exit_code <= 0xFFFFFFFFLL &&
      !msiq_exit_code_is_ntstatus(exit_code)) {
    snprintf(buffer, size, "exit code 0x%08llX", (unsigned long long)exit_code);
  } else {
    decision_format_exit(facts, exit_code, buffer, size);
  }
}

/* Adds what the worker reported below the first line of last_error: its
 * files-in-use report, which says which programs held files that had to be
 * replaced. */
static void decision_add_files_in_use(const msiq_attempt_facts *facts,
                                      msiq_attempt_decision *decision) {
  if (facts->files_in_use == NULL || facts->files_in_use[0] == '\0') {
    return;
  }
  size_t used = strlen(decision->last_error);
  snprintf(decision->last_error + used, sizeof decision->last_error - used,
           "\nfiles in use: ");
  decision_append_flat(decision->last_error, sizeof decision->last_error,
                       facts->files_in_use);
}

/* After a retry verdict: another attempt after a backoff, or failure when
 * the attempts or the time budget ran out. */
static void decision_spend_retry(const msiq_attempt_facts *facts,
                                 const msiq_verdict *verdict,
                                 const char *exit_text,
                                 msiq_attempt_decision *decision) {
  int64_t attempts = facts->attempts_before + 1;
  int64_t first_start = facts->first_started_at != MSIQ_TIME_UNSET
                            ? facts->first_started_at
                            : facts->started_at;
  int64_t elapsed = facts->finished_at - first_start;
  char elapsed_text[32];
  msiq_duration_format(elapsed, elapsed_text, sizeof elapsed_text);
  /* 1618 is the common case and gets the plain-words explanation. */
  const char *summary =
      decision_code(facts) == MSIQ_EXIT_INSTALL_ALREADY_RUNNING
          ? "another installation kept running"
          : "gave up retrying";
  if (attempts >= facts->max_attempts) {
    decision->new_state = MSIQ_STATE_FAILED;
    snprintf(decision->last_error, sizeof decision->last_error,
             "%s: %s (%s) on each of %lld attempts over %s", summary, exit_text,
             verdict->meaning, (long long)attempts, elapsed_text);
    return;
  }
  if (elapsed >= facts->retry.give_up_after_ms) {
    char budget[32];
    msiq_duration_format(facts->retry.give_up_after_ms, budget, sizeof budget);
    decision->new_state = MSIQ_STATE_FAILED;
    snprintf(decision->last_error, sizeof decision->last_error,
             "%s: still %s (%s) after %s (give-up-after %s)", summary,
             exit_text, verdict->meaning, elapsed_text, budget);
    return;
  }
  int64_t delay = msiq_backoff_delay(&facts->retry.backoff, attempts,
                                     facts->random_fraction);
  char when[40];
  decision->new_state = MSIQ_STATE_RETRYING;
  decision->retry_at = facts->finished_at + delay;
  msiq_time_format_utc(decision->retry_at, when, sizeof when);
  snprintf(decision->last_error, sizeof decision->last_error,
           "%s: %s; next attempt at %s", exit_text, verdict->meaning, when);
}

/* The worker's error record (when there is one) on the first line, then
 * "installer failed with exit code 1603 (...)" (or what happened instead,
 * `failure`), any files-in-use report, and the lines of the verbose log
 * around its first "Return value 3" when there are any and they fit. The
 * error record becomes the history message too. */
static void decision_describe_failure(const msiq_attempt_facts *facts,
                                      const char *failure,
                                      msiq_attempt_decision *decision) {
  char *error = decision->last_error;
  size_t size = sizeof decision->last_error;
  error[0] = '\0';
  if (facts->error != NULL) {
    decision_format_error(facts->error, decision->message,
                          sizeof decision->message);
    snprintf(error, size, "%s\n", decision->message);
  }
  size_t used = strlen(error);
  snprintf(error + used, size - used, "%s", failure);
  decision_add_files_in_use(facts, decision);
  used = strlen(error);
  if (facts->log_excerpt != NULL && used + 1 < size) {
    snprintf(error + used, size - used, "; from the log:\n%s",
             facts->log_excerpt);
  }
}

/* A 1638 says another version of the job's product is installed. The
 * failure says so in a sentence, with the installed version when the
 * dispatcher knew it, also when a job's own rule made 1638 a failure (the
 * code means the same), so that an administrator sees which version is in
 * the way without reading the log; the history message, which already
 * carries the table's meaning, gets the version. */
static void decision_add_product_version(const msiq_attempt_facts *facts,
                                         msiq_attempt_decision *decision,
                                         char *failure, size_t size) {
  int64_t code = decision_code(facts);
  if (code != MSIQ_EXIT_PRODUCT_VERSION) {
    return;
  }
  const char *meaning =
      msiq_outcome_classify(facts->action, NULL, 0, code).meaning;
  char installed[128] = "";
  if (facts->installed_version != NULL && facts->installed_version[0] != '\0') {
    snprintf(installed, sizeof installed, " (version %s)",
             facts->installed_version);
  }
  if (decision_classify(facts).meaning == meaning) {
    size_t used = strlen(decision->message);
    snprintf(decision->message + used, sizeof decision->message - used, "%s",
             installed);
  }
  size_t used = strlen(failure);
  snprintf(failure + used, size - used, ": %s%s", meaning, installed);
}

static void decision_judge_exit(const msiq_attempt_facts *facts,
                                msiq_attempt_decision *decision) {
  char exit_text[192];
  decision_format_exit(facts, decision_code(facts), exit_text,
                       sizeof exit_text);
  msiq_verdict verdict = decision_classify(facts);
  snprintf(decision->message, sizeof decision->message, "%s: %s", exit_text,
           verdict.meaning);
  switch (verdict.outcome) {
    case MSIQ_OUTCOME_SUCCESS:
      decision->attempt_outcome = "succeeded";
      decision->new_state = MSIQ_STATE_SUCCEEDED;
      break;
    case MSIQ_OUTCOME_REBOOT:
      decision->attempt_outcome = "reboot";
      decision->new_state = MSIQ_STATE_SUCCEEDED;
      decision->reboot_required = true;
      break;
    case MSIQ_OUTCOME_RETRY:
      /* The attempt asked for a retry even when the job has no retry left:
       * the history says what this attempt answered. */
      decision->attempt_outcome = "retry";
      decision_spend_retry(facts, &verdict, exit_text, decision);
      break;
    case MSIQ_OUTCOME_FAIL:
    case MSIQ_OUTCOME_COUNT: {
      char failure[384];
      snprintf(failure, sizeof failure, "installer failed with %s", exit_text);
      decision_add_product_version(facts, decision, failure, sizeof failure);
      decision->attempt_outcome = "failed";
      decision->new_state = MSIQ_STATE_FAILED;
      decision_describe_failure(facts, failure, decision);
      break;
    }
  }
  if (verdict.reboot_initiated) {
    decision->pause_queue = true;
    decision->boot_time = facts->boot_time;
    snprintf(decision->pause_reason, sizeof decision->pause_reason,
             "reboot initiated by job %lld (exit 1641); resume after the "
             "reboot",
             (long long)facts->job_id);
  }
}

/* A worker that exited without its result: nothing says what Windows
 * Installer did, so the attempt failed, whatever the exit code. */
static void decision_judge_vanished(const msiq_attempt_facts *facts,
                                    msiq_attempt_decision *decision) {
  char exit_text[192];
  char failure[256];
  decision_format_raw_exit(facts, facts->exit_code, exit_text,
                           sizeof exit_text);
  snprintf(failure, sizeof failure, "the worker ended without a result, %s",
           exit_text);
  decision->attempt_outcome = "failed";
  decision->new_state = MSIQ_STATE_FAILED;
  snprintf(decision->message, sizeof decision->message, "%s", failure);
  decision_describe_failure(facts, failure, decision);
}

/* A worker that was sent `cancel` (for a timeout or an administrator's
 * cancel) and ended by itself. `why` starts the text ("timed out after
 * 2h"). */
static void decision_judge_cancelled_worker(const msiq_attempt_facts *facts,
                                            const char *why,
                                            msiq_attempt_decision *decision) {
  char *error = decision->last_error;
  size_t size = sizeof decision->last_error;
  if (!facts->has_result) {
    char exit_text[192];
    decision_format_raw_exit(facts, facts->exit_code, exit_text,
                             sizeof exit_text);
    snprintf(error, size, "%s; the worker ended without a result, %s", why,
             exit_text);
    return;
  }
  int64_t code = decision_code(facts);
  if (code == MSIQ_EXIT_INSTALL_USEREXIT) {
    snprintf(error, size, "%s; Windows Installer rolled the installation back",
             why);
    return;
  }
  msiq_verdict verdict = decision_classify(facts);
  if (verdict.outcome == MSIQ_OUTCOME_SUCCESS ||
      verdict.outcome == MSIQ_OUTCOME_REBOOT) {
    /* The installation had passed the point where Windows Installer can
     * stop before the cancel arrived: it is installed, and saying
     * otherwise would be wrong. */
    decision_judge_exit(facts, decision);
    size_t used = strlen(decision->message);
    snprintf(decision->message + used, sizeof decision->message - used,
             " (%s, but the installation finished before the cancel took "
             "effect)",
             why);
    return;
  }
  char exit_text[192];
  decision_format_exit(facts, code, exit_text, sizeof exit_text);
  snprintf(error, size, "%s; the installation ended with %s: %s", why,
           exit_text, verdict.meaning);
  if (facts->error != NULL) {
    char record[768];
    decision_format_error(facts->error, record, sizeof record);
    size_t used = strlen(error);
    snprintf(error + used, size - used, "\n%s", record);
  }
}

/* An installer msiq stopped: timed out or cancelled while running. */
static void decision_judge_stop(const msiq_attempt_facts *facts,
                                msiq_attempt_decision *decision) {
  bool timed_out = facts->ending == MSIQ_ATTEMPT_TIMED_OUT;
  char why[96];
  if (timed_out) {
    char limit[32];
    msiq_duration_format(facts->timeout_ms, limit, sizeof limit);
    snprintf(why, sizeof why, "timed out after %s", limit);
  } else {
    snprintf(why, sizeof why, "cancelled by an administrator while running");
  }
  decision->attempt_outcome = timed_out ? "timed_out" : "cancelled";
  decision->new_state = timed_out ? MSIQ_STATE_FAILED : MSIQ_STATE_CANCELLED;
  char *error = decision->last_error;
  size_t size = sizeof decision->last_error;
  switch (facts->stop_method) {
    case MSIQ_STOP_WORKER_ENDED:
      decision->has_exit_code = true;
      decision->exit_code = decision_code(facts);
      decision_judge_cancelled_worker(facts, why, decision);
      break;
    case MSIQ_STOP_TREE_AFTER_GRACE: {
      char grace[32];
      msiq_duration_format(facts->cancel_grace_ms, grace, sizeof grace);
      snprintf(error, size,
               "%s; the worker was asked to cancel but had not ended after "
               "the cancel grace of %s, so it and every process it started "
               "were stopped; the Windows Installer service may still be "
               "running or rolling back that installation",
               why, grace);
      break;
    }
    case MSIQ_STOP_TREE_AT_ONCE:
    default:
      snprintf(error, size,
               "%s; the installer and every process it started were stopped "
               "at once (it speaks no worker protocol, so it could not be "
               "asked to roll back)",
               why);
      break;
  }
  if (decision->new_state != MSIQ_STATE_SUCCEEDED) {
    decision_add_files_in_use(facts, decision);
  }
}

void msiq_attempt_decide(const msiq_attempt_facts *facts,
                         msiq_attempt_decision *decision) {
  memset(decision, 0, sizeof *decision);
  decision->retry_at = MSIQ_TIME_UNSET;
  decision->has_exit_code = facts->ending == MSIQ_ATTEMPT_EXITED;
  decision->exit_code =
      decision_worker_vanished(facts) ? facts->exit_code : decision_code(facts);

  switch (facts->ending) {
    case MSIQ_ATTEMPT_TIMED_OUT:
    case MSIQ_ATTEMPT_CANCELLED:
      decision_judge_stop(facts, decision);
      break;
    case MSIQ_ATTEMPT_EXITED:
    default:
      if (decision_worker_vanished(facts)) {
        decision_judge_vanished(facts, decision);
      } else {
        decision_judge_exit(facts, decision);
      }
      break;
  }
  if (decision->message[0] == '\0') {
    /* The history keeps the first line; last_error keeps any log lines. */
    snprintf(decision->message, sizeof decision->message, "%.*s",
             (int)strcspn(decision->last_error, "\n"), decision->last_error);
  }
}

void msiq_job_event_format(const msiq_job_event *event, char *buffer,
                           size_t size) {
  const char *action = event->action != NULL ? event->action : "";
  const char *target = event->target != NULL ? event->target : "";
  const char *detail = event->detail != NULL ? event->detail : "";
  switch (event->kind) {
    case MSIQ_JOB_EVENT_STARTED:
      snprintf(buffer, size, "msiq job %lld started: %s %s (attempt %lld)",
               (long long)event->job_id, action, target,
               (long long)event->attempt_number);
      break;
    case MSIQ_JOB_EVENT_SUCCEEDED:
      snprintf(buffer, size,
               "msiq job %lld succeeded: %s %s (attempt %lld, %s)%s",
               (long long)event->job_id, action, target,
               (long long)event->attempt_number, detail,
               event->reboot_required ? "; a reboot is required" : "");
      break;
    case MSIQ_JOB_EVENT_FAILED:
    case MSIQ_JOB_EVENT_CANCELLED:
    default:
      snprintf(buffer, size, "msiq job %lld %s: %s %s: %s",
               (long long)event->job_id,
               event->kind == MSIQ_JOB_EVENT_CANCELLED ? "cancelled" : "failed",
               action, target, detail);
      break;
  }
}

msiq_event_id msiq_job_event_id(const msiq_job_event *event) {
  switch (event->kind) {
    case MSIQ_JOB_EVENT_STARTED:
      return MSIQ_EVENT_ID_JOB_STARTED;
    case MSIQ_JOB_EVENT_SUCCEEDED:
      return event->reboot_required
                 ? MSIQ_EVENT_ID_JOB_SUCCEEDED_REBOOT_REQUIRED
                 : MSIQ_EVENT_ID_JOB_SUCCEEDED;
    case MSIQ_JOB_EVENT_CANCELLED:
      return MSIQ_EVENT_ID_JOB_CANCELLED;
    case MSIQ_JOB_EVENT_FAILED:
    default:
      return MSIQ_EVENT_ID_JOB_FAILED;
  }
}

/* Skipping what is already done. */

const char *msiq_job_skip_product_code(const msiq_job *job) {
  /* A related uninstall's target is an UpgradeCode, asked about by
   * msiq_related_skip_decide's rule instead. */
  if (job->related) {
    return NULL;
  }
  const char *package_code = job->package.kind == MSIQ_PACKAGE_KIND_PRODUCT
                                 ? job->package.product_code
                                 : NULL;
  switch (job->action) {
    case MSIQ_ACTION_INSTALL:
      /* Without the package's version there is nothing to compare. */
      return job->package.product_version != NULL ? package_code : NULL;
    case MSIQ_ACTION_UNINSTALL:
      if (job->target != NULL &&
          !msiq_job_target_is_package(job->action, job->target)) {
        return job->target;
      }
      return package_code;
    default:
      return NULL;
  }
}

bool msiq_job_asks_reinstall(const msiq_job *job) {
  for (size_t i = 0; i < job->property_count; i++) {
    if (strcmp(job->properties[i].name, "REINSTALL") == 0) {
      return true;
    }
  }
  return false;
}

/* Reads the next dot-separated decimal field of a version at *text into
 * *value; false when *text is not such a field (digits, then '.' or the
 * end). */
static bool version_next_field(const char **text, unsigned long long *value) {
  const char *cursor = *text;
  if (*cursor < '0' || *cursor > '9') {
    return false;
  }
  unsigned long long number = 0;
  while (*cursor >= '0' && *cursor <= '9') {
    /* Windows Installer's fields are at most 65535; anything longer is
     * compared as text. */
    if (number > 1000000000ULL) {
      return false;
    }
    number = number * 10 + (unsigned long long)(*cursor - '0');
    cursor++;
  }
  if (*cursor == '.') {
    cursor++;
    if (*cursor == '\0') {
      return false;
    }
  } else if (*cursor != '\0') {
    return false;
  }
  *value = number;
  *text = cursor;
  return true;
}

/* True when text is a dotted decimal version. */
static bool version_is_numeric(const char *text) {
  unsigned long long ignored = 0;
  if (*text == '\0') {
    return false;
  }
  while (*text != '\0') {
    if (!version_next_field(&text, &ignored)) {
      return false;
    }
  }
  return true;
}

bool msiq_product_version_equal(const char *a, const char *b) {
  if (!version_is_numeric(a) || !version_is_numeric(b)) {
    return strcmp(a, b) == 0;
  }
  while (*a != '\0' || *b != '\0') {
    unsigned long long field_a = 0;
    unsigned long long field_b = 0;
    if (*a != '\0') {
      version_next_field(&a, &field_a);
    }
    if (*b != '\0') {
      version_next_field(&b, &field_b);
    }
    if (field_a != field_b) {
      return false;
    }
  }
  return true;
}

bool msiq_job_skip_decide(const msiq_job *job, const char *installed_version,
                          char *message, size_t size) {
  if (size > 0) {
    message[0] = '\0';
  }
  if (msiq_job_skip_product_code(job) == NULL) {
    return false;
  }
  switch (job->action) {
    case MSIQ_ACTION_INSTALL:
      if (installed_version == NULL || msiq_job_asks_reinstall(job) ||
          !msiq_product_version_equal(installed_version,
                                      job->package.product_version)) {
        return false;
      }
      snprintf(message, size, "already installed (version %s), not run",
               installed_version);
      return true;
    case MSIQ_ACTION_UNINSTALL:
      if (installed_version != NULL) {
        return false;
      }
      snprintf(message, size, "not installed, not run");
      return true;
    default:
      return false;
  }
}

/* Patches that are already applied, or that apply to nothing here. */

bool msiq_job_patch_metadata(const msiq_job *job, size_t index,
                             const char **patch_code,
                             const char **patch_targets) {
  const msiq_package_info *package = &job->package;
  if (index == 0) {
    *patch_code = package->patch_code;
    *patch_targets = package->patch_targets;
    return true;
  }
  if (index > package->more_patch_count) {
    return false;
  }
  *patch_code = package->more_patches[index - 1].patch_code;
  *patch_targets = package->more_patches[index - 1].patch_targets;
  return true;
}

/* True when a patch's code and at least one target are known. */
static bool patch_metadata_known(const char *patch_code,
                                 const char *patch_targets) {
  char code[MSIQ_PRODUCT_CODE_SIZE];
  return patch_code != NULL &&
         msiq_patch_targets_next(patch_targets, code, sizeof code) != NULL;
}

bool msiq_job_patch_checkable(const msiq_job *job) {
  const msiq_package_info *package = &job->package;
  if (job->action != MSIQ_ACTION_PATCH ||
      package->kind != MSIQ_PACKAGE_KIND_PATCH ||
      !patch_metadata_known(package->patch_code, package->patch_targets)) {
    return false;
  }
  /* Every path of the PATCH list must have been read: a patch the job
   * applies without msiq knowing its code could be the one not applied. */
  const char *cursor = msiq_property_value_of(
      job->properties, job->property_count, MSIQ_PATCH_PROPERTY);
  size_t listed = 0;
  /* The list walker of the targets serves any ';'-separated list; only the
   * count of entries matters here, so each is cut to the buffer. */
  char entry[MSIQ_PRODUCT_CODE_SIZE];
  while ((cursor = msiq_patch_targets_next(cursor, entry, sizeof entry)) !=
         NULL) {
    listed++;
  }
  if (listed != package->more_patch_count) {
    return false;
  }
  const char *patch_code = NULL;
  const char *patch_targets = NULL;
  for (size_t i = 1;
       msiq_job_patch_metadata(job, i, &patch_code, &patch_targets); i++) {
    if (!patch_metadata_known(patch_code, patch_targets)) {
      return false;
    }
  }
  return true;
}

const char *msiq_patch_targets_next(const char *cursor, char *code,
                                    size_t size) {
  if (size > 0) {
    code[0] = '\0';
  }
  if (cursor == NULL) {
    return NULL;
  }
  while (*cursor == ';') {
    cursor++;
  }
  if (*cursor == '\0') {
    return NULL;
  }
  size_t length = strcspn(cursor, ";");
  if (size > 0) {
    snprintf(code, size, "%.*s", (int)length, cursor);
  }
  return cursor + length;
}

/* Appends "{CODE} (version V)" for one target to message, after a ", "
 * when it holds one already. */
static void patch_name_target(const msiq_patch_target_state *target, bool first,
                              char *message, size_t size) {
  size_t used = strlen(message);
  if (used >= size) {
    return;
  }
  bool has_version =
      target->installed_version != NULL && target->installed_version[0] != '\0';
  snprintf(message + used, size - used, "%s%s%s%s%s", first ? "" : ", ",
           target->product_code, has_version ? " (version " : "",
           has_version ? target->installed_version : "",
           has_version ? ")" : "");
}

/* True when the installed product of targets[i] is named by an earlier
 * pair, so that a product two patches target is named once. */
static bool patch_target_named_before(const msiq_patch_target_state *targets,
                                      size_t i) {
  for (size_t k = 0; k < i; k++) {
    if (targets[k].installed_version != NULL &&
        strcmp(targets[k].product_code, targets[i].product_code) == 0) {
      return true;
    }
  }
  return false;
}

msiq_patch_verdict
msiq_patch_skip_decide(const msiq_job *job,
                       const msiq_patch_target_state *targets, size_t count,
                       char *message, size_t size) {
  if (size > 0) {
    message[0] = '\0';
  }
  if (!msiq_job_patch_checkable(job) || count == 0) {
    return MSIQ_PATCH_RUN;
  }
  size_t installed = 0;
  size_t patches = 0;
  for (size_t i = 0; i < count; i++) {
    if (i == 0 || strcmp(targets[i].patch_code, targets[i - 1].patch_code)) {
      patches++;
    }
    if (targets[i].installed_version == NULL) {
      continue;
    }
    installed++;
    /* One installed target without its patch is work to do. */
    if (!targets[i].patch_applied) {
      return MSIQ_PATCH_RUN;
    }
  }
  if (installed == 0) {
    snprintf(message, size, "no installed product %s",
             patches > 1 ? "these patches apply to" : "this patch applies to");
    return MSIQ_PATCH_NO_TARGET;
  }
  snprintf(message, size, "already applied to ");
  bool first = true;
  for (size_t i = 0; i < count; i++) {
    if (targets[i].installed_version != NULL &&
        !patch_target_named_before(targets, i)) {
      patch_name_target(&targets[i], first, message, size);
      first = false;
    }
  }
  size_t used = strlen(message);
  if (used < size) {
    snprintf(message + used, size - used, ", not run");
  }
  /* A patch whose pairs are all "not installed" changes nothing either. */
  for (size_t start = 0; start < count;) {
    size_t end = start;
    bool any_installed = false;
    while (end < count &&
           strcmp(targets[end].patch_code, targets[start].patch_code) == 0) {
      any_installed = any_installed || targets[end].installed_version != NULL;
      end++;
    }
    used = strlen(message);
    if (!any_installed && used < size) {
      snprintf(message + used, size - used,
               "; %s applies to no installed product",
               targets[start].patch_code);
    }
    start = end;
  }
  return MSIQ_PATCH_ALREADY_APPLIED;
}

/* Removing a patch that is not there. */

const char *msiq_job_unpatch_patch_code(const msiq_job *job) {
  if (job->action != MSIQ_ACTION_UNPATCH) {
    return NULL;
  }
  return msiq_property_value_of(job->properties, job->property_count,
                                MSIQ_PATCHREMOVE_PROPERTY);
}

bool msiq_unpatch_skip_decide(const msiq_job *job, bool product_installed,
                              bool patch_applied, char *message, size_t size) {
  if (size > 0) {
    message[0] = '\0';
  }
  const char *patch_code = msiq_job_unpatch_patch_code(job);
  if (patch_code == NULL || job->target == NULL ||
      (product_installed && patch_applied)) {
    return false;
  }
  /* An absent product says so, as "not installed, not run" does for an
   * uninstall: the patch went with it. */
  snprintf(message, size, "patch %s is not applied to %s%s, not run",
           patch_code, job->target,
           product_installed ? "" : " (not installed)");
  return true;
}

/* Removing every product of an UpgradeCode. */

bool msiq_related_skip_decide(const msiq_job *job, const char *installed_codes,
                              char *message, size_t size) {
  if (size > 0) {
    message[0] = '\0';
  }
  char code[MSIQ_PRODUCT_CODE_SIZE];
  if (!job->related || job->target == NULL ||
      msiq_patch_targets_next(installed_codes, code, sizeof code) != NULL) {
    return false;
  }
  snprintf(message, size,
           "no product with upgrade code %s is installed, not run",
           job->target);
  return true;
}
