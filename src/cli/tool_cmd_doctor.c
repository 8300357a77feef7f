/* tool_cmd_doctor.c: `msiq doctor`, check the database and summarise it. */
#include "cli/tool.h"

#include <stdio.h>
#include <stdlib.h>

static int doctor_exec(const tool_context *context, void *options,
                       msiq_store *store) {
  (void)options;
  msiq_diag diag = {{0}};
  char problem[512];
  int version = 0;
  int64_t counts[MSIQ_STATE_COUNT];
  int status = msiq_store_quick_check(store, problem, sizeof problem, &diag);
  if (status == MSIQ_OK) {
    status = msiq_store_schema_version(store, &version, &diag);
  }
  if (status == MSIQ_OK) {
    status = msiq_store_count_by_state(store, counts, &diag);
  }
  if (status != MSIQ_OK) {
    return tool_report(context, status, &diag);
  }
  if (context->json) {
    char *json = NULL;
    status = msiq_store_doctor_json(store, problem[0] ? problem : "ok", &json,
                                    &diag);
    if (status != MSIQ_OK) {
      return tool_report(context, status, &diag);
    }
    tool_print_json(json);
    free(json);
  } else {
    printf("quick_check:    %s\n", problem[0] ? problem : "ok");
    printf("schema version: %d (this msiq: %d)\n", version,
           msiq_store_latest_schema_version());
    for (int state = 0; state < MSIQ_STATE_COUNT; state++) {
      printf("%-15s %lld\n", msiq_state_name((msiq_state)state),
             (long long)counts[state]);
    }
  }
  if (problem[0] != '\0') {
    errorf("database failed quick_check: %s", problem);
    return TOOL_EXIT_DATABASE;
  }
  return TOOL_EXIT_OK;
}

const tool_command tool_cmd_doctor = {
    .name = "doctor",
    .usage = "",
    .summary =
        "Check the database (quick_check), its schema version and job counts.",
    .help = "Exits 4 when the database fails the check.\n",
    .store = TOOL_STORE_EXISTING,
    .exec = doctor_exec,
};
