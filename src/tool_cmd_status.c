/* tool_cmd_status.c: `msiq status`, the gate, the running job and counts. */
#include "tool.h"

#include <stdio.h>
#include <stdlib.h>

#include "host/host.h"

static const char *status_gate_text(const msiq_queue_status *queue,
                                    msiq_mutex_state mutex,
                                    msiq_service_state service) {
  if (queue->paused) {
    return "closed (queue paused)";
  }
  if (mutex == MSIQ_MUTEX_HELD) {
    return "closed (another installation holds the mutex)";
  }
  if (service == MSIQ_SERVICE_BUSY) {
    return "closed (the Windows Installer service is busy)";
  }
  return "open";
}

static int status_print_text(msiq_store *store, bool dispatcher_running,
                             msiq_mutex_state mutex, msiq_service_state service,
                             msiq_diag *diag) {
  msiq_queue_status queue;
  msiq_running_job running;
  int64_t counts[MSIQ_STATE_COUNT];
  int64_t next_retry = MSIQ_TIME_UNSET;
  int status = msiq_store_queue_status(store, &queue, diag);
  if (status == MSIQ_OK) {
    status = msiq_store_running_job(store, &running, diag);
  }
  if (status == MSIQ_OK) {
    status = msiq_store_count_by_state(store, counts, diag);
  }
  if (status == MSIQ_OK) {
    status = msiq_store_next_retry(store, &next_retry, diag);
  }
  if (status != MSIQ_OK) {
    return status;
  }
  char time_text[40];
  printf("dispatcher:  %s\n", dispatcher_running ? "running" : "not running");
  printf("gate:        %s\n", status_gate_text(&queue, mutex, service));
  if (queue.paused) {
    printf("  queue:     paused since %s: %s%s\n",
           tool_format_time(queue.paused_at, time_text, sizeof time_text),
           queue.pause_reason,
           queue.reboot_initiated ? " [reboot initiated]" : "");
  } else {
    printf("  queue:     not paused\n");
  }
  printf("  mutex:     %s\n", msiq_mutex_state_name(mutex));
  printf("  service:   %s%s\n", msiq_service_state_name(service),
         service == MSIQ_SERVICE_UNKNOWN ? " (the mutex decides alone)" : "");
  if (running.found) {
    printf("running:     job %lld, attempt %lld, since %s: %s\n",
           (long long)running.id, (long long)running.attempt_number,
           tool_format_time(running.since, time_text, sizeof time_text),
           running.target);
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

static int status_exec(tool_context *context, int argc, char **argv) {
  int exit_code = tool_parse_command_line(context, argc, argv, NULL, NULL, NULL,
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
  bool dispatcher_running = msiq_host_lock_is_held(msiq_store_path(store));
  msiq_mutex_state mutex = msiq_host_installer_mutex_state();
  msiq_service_state service = msiq_host_installer_service_state();
  int status;
  if (context->json) {
    char *json = NULL;
    status = msiq_store_status_json(
        store, dispatcher_running, msiq_mutex_state_name(mutex),
        msiq_service_state_name(service), &json, &diag);
    if (status == MSIQ_OK) {
      tool_print_json(json);
    }
    free(json);
  } else {
    status =
        status_print_text(store, dispatcher_running, mutex, service, &diag);
  }
  if (status != MSIQ_OK) {
    exit_code = tool_report(context, status, &diag);
  }
  msiq_store_close(store);
  return exit_code;
}

const tool_command tool_cmd_status = {
    "status",
    "",
    "Show the gate (pause, mutex, service), the running job and job counts.",
    "",
    status_exec,
};
