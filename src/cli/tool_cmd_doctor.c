/* tool_cmd_doctor.c: `msiq doctor`, check the database and summarise it. */
#include "cli/tool.h"

#include <stdio.h>
#include <stdlib.h>

static int doctor_exec(tool_context *context, int argc, char **argv) {
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
    exit_code = tool_report(context, status, &diag);
    goto cleanup;
  }
  if (context->json) {
    char *json = NULL;
    status = msiq_store_doctor_json(store, problem[0] ? problem : "ok", &json,
                                    &diag);
    if (status != MSIQ_OK) {
      exit_code = tool_report(context, status, &diag);
      goto cleanup;
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
    exit_code = TOOL_EXIT_DATABASE;
  }

cleanup:
  msiq_store_close(store);
  return exit_code;
}

const tool_command tool_cmd_doctor = {
    "doctor",
    "",
    "Check the database (quick_check), its schema version and job counts.",
    "Exits 4 when the database fails the check.\n",
    doctor_exec,
};
