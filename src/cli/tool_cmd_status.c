/* tool_cmd_status.c: `msiq status`, the gate, the running job and counts. */
#include "cli/tool.h"

#include <stdio.h>
#include <stdlib.h>

#include "core/gate.h"
#include "core/installer_holder.h"
#include "core/timeparse.h"
#include "host/host.h"

/* Everything `status` shows that does not come from the database. */
typedef struct status_view {
  msiq_queue_status queue;
  bool dispatcher_running;
  char reboot_reason[128];
  /* The gate's facts as this process sees them now (they point into the
   * view), and what core/gate.c makes of them: the same evaluator the
   * dispatcher asks. */
  msiq_gate_inputs gate;
  msiq_gate_verdict verdict;
  /* Outside the maintenance window: when it opens next (UTC for JSON, and
   * as a moment for the text, which shows it in local time), else "". */
  char window_opens_at[40];
  int64_t window_opens_at_ms;
  /* The running dispatcher's note about an outcome it could not record
   * yet, else "". */
  char unrecorded_outcome[1024];
  /* Who holds the installer: asked only when the mutex or the service
   * closes the gate (holder_asked), and known when the host learned it. */
  bool holder_asked;
  msiq_installer_holder holder;
  char holder_text[MSIQ_GATE_TEXT_SIZE];
} status_view;

static int status_read_view(msiq_store *store, status_view *view,
                            msiq_diag *diag) {
  int status = msiq_store_queue_status(store, &view->queue, diag);
  if (status != MSIQ_OK) {
    return status;
  }
  view->dispatcher_running = msiq_host_lock_is_held(msiq_store_path(store));
  /* Only a running dispatcher's note is news: a dead one's attempt is
   * recovered by the next start. */
  if (!view->dispatcher_running ||
      !msiq_host_dispatcher_note_read(msiq_store_path(store),
                                      view->unrecorded_outcome,
                                      sizeof view->unrecorded_outcome)) {
    view->unrecorded_outcome[0] = '\0';
  }
  msiq_gate_inputs *gate = &view->gate;
  gate->paused = view->queue.paused;
  gate->pause_reason = view->queue.pause_reason;
  /* The window and the reboot hold are the running dispatcher's, which it
   * records in the queue. */
  gate->has_window = view->queue.maintenance_window[0] != '\0' &&
                     msiq_window_parse(view->queue.maintenance_window,
                                       &gate->window, NULL) == MSIQ_OK;
  gate->now = msiq_host_now_ms();
  gate->hold_on_pending_reboot = view->queue.hold_on_pending_reboot;
  gate->mutex = msiq_host_installer_mutex_state();
  gate->service = msiq_host_installer_service_state();
  /* Probed even when nothing holds for it: the reboot line shows it. */
  gate->reboot_pending =
      msiq_host_reboot_pending(view->reboot_reason, sizeof view->reboot_reason);
  gate->reboot_reason = view->reboot_reason;
  gate->unknown = 0;
  msiq_gate_evaluate(gate, &view->verdict);
  /* The dispatcher's rule: one look, and only for these two reasons. */
  view->holder_asked = msiq_gate_reason_names_holder(view->verdict.reason);
  if (view->holder_asked && msiq_host_find_installer_holder(&view->holder)) {
    msiq_installer_holder_describe(&view->holder, view->holder_text,
                                   sizeof view->holder_text);
    msiq_gate_verdict_name_holder(&view->verdict, &view->holder);
  }
  int64_t opens_at = msiq_gate_window_opens_at(gate);
  view->window_opens_at_ms = opens_at;
  if (opens_at != MSIQ_TIME_UNSET) {
    msiq_time_format_utc(opens_at, view->window_opens_at,
                         sizeof view->window_opens_at);
  }
  return MSIQ_OK;
}

static int status_print_text(msiq_store *store, const status_view *view,
                             msiq_diag *diag) {
  msiq_running_job running;
  int64_t counts[MSIQ_STATE_COUNT];
  int64_t next_retry = MSIQ_TIME_UNSET;
  int status = msiq_store_running_job(store, &running, diag);
  if (status == MSIQ_OK) {
    status = msiq_store_count_by_state(store, counts, diag);
  }
  if (status == MSIQ_OK) {
    status = msiq_store_next_retry(store, &next_retry, diag);
  }
  msiq_progress_report progress = {.reported = false};
  if (status == MSIQ_OK && running.found) {
    status = msiq_store_get_progress(store, running.id, &progress, diag);
    if (status == MSIQ_ENOT_FOUND) {
      /* Purged between the two reads: the job is shown as it was. */
      status = MSIQ_OK;
    }
  }
  if (status != MSIQ_OK) {
    return status;
  }
  char time_text[40];
  printf("dispatcher:  %s\n",
         view->dispatcher_running ? "running" : "not running");
  if (view->unrecorded_outcome[0] != '\0') {
    printf("  outcome:   %s\n", view->unrecorded_outcome);
  }
  if (view->verdict.reason == MSIQ_GATE_OPEN) {
    printf("gate:        open\n");
  } else {
    printf("gate:        closed (%s)\n",
           msiq_gate_reason_summary(view->verdict.reason));
  }
  if (view->queue.paused) {
    printf("  queue:     paused since %s: %s%s\n",
           tool_format_time(view->queue.paused_at, time_text, sizeof time_text),
           view->queue.pause_reason,
           view->queue.reboot_initiated ? " [reboot initiated]" : "");
  } else {
    printf("  queue:     not paused\n");
  }
  bool outside_window = view->window_opens_at[0] != '\0';
  if (view->queue.maintenance_window[0] != '\0') {
    printf("  window:    %s local time, %s%s\n", view->queue.maintenance_window,
           outside_window ? "opens at " : "open now",
           outside_window ? tool_format_time(view->window_opens_at_ms,
                                             time_text, sizeof time_text)
                          : "");
  }
  printf("  mutex:     %s\n", msiq_mutex_state_name(view->gate.mutex));
  printf("  service:   %s%s\n", msiq_service_state_name(view->gate.service),
         view->gate.service == MSIQ_SERVICE_UNKNOWN
             ? " (the mutex decides alone)"
             : "");
  if (view->holder_asked && view->holder_text[0] != '\0') {
    printf("  holder:    %s, from the %s\n", view->holder_text,
           msiq_holder_source_name(view->holder.source));
  } else if (view->holder_asked) {
    printf("  holder:    not shown by Windows\n");
  }
  printf("reboot:      %s%s%s\n",
         view->gate.reboot_pending ? "pending (" : "not pending",
         view->gate.reboot_pending ? view->reboot_reason : "",
         view->gate.reboot_pending ? ")" : "");
  if (running.found) {
    printf("running:     job %lld, attempt %lld, since %s: %s\n",
           (long long)running.id, (long long)running.attempt_number,
           tool_format_time(running.since, time_text, sizeof time_text),
           running.target);
    if (progress.reported) {
      char progress_text[1200];
      printf(
          "  progress:  %s (since %s)\n",
          tool_format_progress(&progress, progress_text, sizeof progress_text),
          tool_format_time(progress.at, time_text, sizeof time_text));
    } else {
      printf("  progress:  none reported\n");
    }
  } else {
    printf("running:     none\n");
  }
  printf("jobs:       ");
  for (int state = 0; state < MSIQ_STATE_COUNT; state++) {
    printf(" %s %lld%s", msiq_state_name((msiq_state)state),
           (long long)counts[state], state + 1 < MSIQ_STATE_COUNT ? "," : "\n");
  }
  printf("next retry:  %s\n",
         tool_format_time(next_retry, time_text, sizeof time_text));
  return MSIQ_OK;
}

static int status_exec(const tool_context *context, void *options,
                       msiq_store *store) {
  (void)options;
  int exit_code = TOOL_EXIT_OK;
  msiq_diag diag = {{0}};
  status_view view = {0};
  int status = status_read_view(store, &view, &diag);
  if (status == MSIQ_OK && context->json) {
    char *json = NULL;
    bool holder_known = view.holder_text[0] != '\0';
    char process_id[24] = "";
    if (holder_known && view.holder.process_id > 0) {
      snprintf(process_id, sizeof process_id, "%lld",
               (long long)view.holder.process_id);
    }
    msiq_status_facts facts = {
        .dispatcher_running = view.dispatcher_running,
        .mutex_state = msiq_mutex_state_name(view.gate.mutex),
        .service_state = msiq_service_state_name(view.gate.service),
        .gate_open = view.verdict.reason == MSIQ_GATE_OPEN,
        .gate_reason = msiq_gate_reason_name(view.verdict.reason),
        .gate_text = view.verdict.text,
        .reboot_pending_reason =
            view.gate.reboot_pending ? view.reboot_reason : NULL,
        .window_opens_at =
            view.window_opens_at[0] != '\0' ? view.window_opens_at : NULL,
        .unrecorded_outcome =
            view.unrecorded_outcome[0] != '\0' ? view.unrecorded_outcome : NULL,
        .holder_source =
            holder_known ? msiq_holder_source_name(view.holder.source) : NULL,
        .holder_package = holder_known && view.holder.package[0] != '\0'
                              ? view.holder.package
                              : NULL,
        .holder_process_id = process_id[0] != '\0' ? process_id : NULL,
        .holder_command_line =
            holder_known && view.holder.command_line[0] != '\0'
                ? view.holder.command_line
                : NULL,
    };
    status = msiq_store_status_json(store, &facts, &json, &diag);
    if (status == MSIQ_OK) {
      tool_print_json(json);
    }
    free(json);
  } else if (status == MSIQ_OK) {
    status = status_print_text(store, &view, &diag);
  }
  if (status != MSIQ_OK) {
    exit_code = tool_report(context, status, &diag);
  }
  return exit_code;
}

const tool_command tool_cmd_status = {
    .name = "status",
    .usage = "",
    .summary = "Show the gate (pause, window, mutex, service, and who holds "
               "the installer), reboots, the running job and job counts.",
    .help = "",
    .store = TOOL_STORE_EXISTING,
    .exec = status_exec,
};
