/* decision.c: what becomes of a job when an attempt ends, and the texts
 * that say so. See decision.h.
 *
 * The texts are part of the interface: administrators read them in
 * `msiq show`, scripts match them, and the Windows event log keeps them, so
 * they change only on purpose.
 */
#include "core/decision.h"

#include <stdio.h>
#include <string.h>

#include "core/timeparse.h"

/* "exit code 1603 (ERROR_INSTALL_FAILURE)", or without the name for a code
 * the table does not know. */
static void decision_format_exit(int64_t exit_code, char *buffer, size_t size) {
  const char *name = msiq_exit_code_name(exit_code);
  if (name != NULL) {
    snprintf(buffer, size, "exit code %lld (%s)", (long long)exit_code, name);
  } else {
    snprintf(buffer, size, "exit code %lld", (long long)exit_code);
  }
}

static msiq_verdict decision_classify(const msiq_attempt_facts *facts) {
  return msiq_outcome_classify(facts->action, facts->exit_code_rules,
                               facts->exit_code_rule_count, facts->exit_code);
}

bool msiq_attempt_wants_log_excerpt(const msiq_attempt_facts *facts) {
  /* Only a failure verdict shows the log. A retry explains itself by its
   * exit code and the retry budget, and a stopped installer by the timeout
   * or the cancel; reading a log that the text would not show is wasted
   * work. */
  return facts->ending == MSIQ_ATTEMPT_EXITED &&
         decision_classify(facts).outcome == MSIQ_OUTCOME_FAIL;
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
  const char *summary = facts->exit_code == MSIQ_EXIT_INSTALL_ALREADY_RUNNING
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

/* "installer failed with exit code 1603 (...)", followed by the lines of
 * the verbose log around its first "Return value 3" when there are any and
 * they fit. */
static void decision_describe_failure(const msiq_attempt_facts *facts,
                                      const char *exit_text,
                                      msiq_attempt_decision *decision) {
  char *error = decision->last_error;
  size_t size = sizeof decision->last_error;
  int written = snprintf(error, size, "installer failed with %s", exit_text);
  if (facts->log_excerpt != NULL && written > 0 && (size_t)written < size) {
    snprintf(error + written, size - (size_t)written, "; from the log:\n%s",
             facts->log_excerpt);
  }
}

static void decision_judge_exit(const msiq_attempt_facts *facts,
                                msiq_attempt_decision *decision) {
  char exit_text[96];
  decision_format_exit(facts->exit_code, exit_text, sizeof exit_text);
  msiq_verdict verdict = decision_classify(facts);
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
    case MSIQ_OUTCOME_COUNT:
      decision->attempt_outcome = "failed";
      decision->new_state = MSIQ_STATE_FAILED;
      decision_describe_failure(facts, exit_text, decision);
      break;
  }
  if (verdict.reboot_initiated) {
    decision->pause_queue = true;
    decision->boot_time = facts->boot_time;
    snprintf(decision->pause_reason, sizeof decision->pause_reason,
             "reboot initiated by job %lld (exit 1641); resume after the "
             "reboot",
             (long long)facts->job_id);
  }
  snprintf(decision->message, sizeof decision->message, "%s: %s", exit_text,
           verdict.meaning);
}

void msiq_attempt_decide(const msiq_attempt_facts *facts,
                         msiq_attempt_decision *decision) {
  memset(decision, 0, sizeof *decision);
  decision->retry_at = MSIQ_TIME_UNSET;
  decision->has_exit_code = facts->ending == MSIQ_ATTEMPT_EXITED;

  switch (facts->ending) {
    case MSIQ_ATTEMPT_TIMED_OUT: {
      char limit[32];
      msiq_duration_format(facts->timeout_ms, limit, sizeof limit);
      decision->attempt_outcome = "timed_out";
      decision->new_state = MSIQ_STATE_FAILED;
      snprintf(decision->last_error, sizeof decision->last_error,
               "timed out after %s; the installer and every process it "
               "started were stopped",
               limit);
      break;
    }
    case MSIQ_ATTEMPT_CANCELLED:
      decision->attempt_outcome = "cancelled";
      decision->new_state = MSIQ_STATE_CANCELLED;
      snprintf(decision->last_error, sizeof decision->last_error,
               "cancelled by an administrator while running; the installer "
               "was stopped");
      break;
    case MSIQ_ATTEMPT_EXITED:
    default:
      decision_judge_exit(facts, decision);
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
