/* tool_cmd_enqueue.c: `msiq enqueue`, add one job to the queue. */
#include "tool.h"

#include <stdio.h>

#include "host/host.h"
#include "timeparse.h"

enum enqueue_option_id {
  ENQUEUE_ACTION = 1,
  ENQUEUE_PRIORITY,
  ENQUEUE_NOT_BEFORE,
  ENQUEUE_DEADLINE,
  ENQUEUE_MAX_ATTEMPTS,
  ENQUEUE_TIMEOUT,
  ENQUEUE_AFTER,
  ENQUEUE_KEY,
  ENQUEUE_LOG,
  ENQUEUE_NO_CHECK,
  ENQUEUE_EXIT_CODE,
};

static const tool_option enqueue_options[] = {
    {"action", 'a', TOOL_ARGUMENT_REQUIRED, ENQUEUE_ACTION},
    {"priority", 'p', TOOL_ARGUMENT_REQUIRED, ENQUEUE_PRIORITY},
    {"not-before", 0, TOOL_ARGUMENT_REQUIRED, ENQUEUE_NOT_BEFORE},
    {"deadline", 0, TOOL_ARGUMENT_REQUIRED, ENQUEUE_DEADLINE},
    {"max-attempts", 0, TOOL_ARGUMENT_REQUIRED, ENQUEUE_MAX_ATTEMPTS},
    {"timeout", 0, TOOL_ARGUMENT_REQUIRED, ENQUEUE_TIMEOUT},
    {"after", 0, TOOL_ARGUMENT_REQUIRED, ENQUEUE_AFTER},
    {"key", 'k', TOOL_ARGUMENT_REQUIRED, ENQUEUE_KEY},
    {"log", 0, TOOL_ARGUMENT_REQUIRED, ENQUEUE_LOG},
    {"no-check", 0, TOOL_ARGUMENT_NONE, ENQUEUE_NO_CHECK},
    {"exit-code", 0, TOOL_ARGUMENT_REQUIRED, ENQUEUE_EXIT_CODE},
    {NULL, 0, TOOL_ARGUMENT_NONE, 0},
};

/* Applies one option to the spec; returns a status, never prints. */
static int enqueue_apply_option(msiq_job_spec *spec, int id, const char *value,
                                int64_t now, msiq_diag *diag) {
  int64_t after = 0;
  int status = MSIQ_OK;
  switch (id) {
    case ENQUEUE_ACTION:
      if (msiq_action_parse(value, &spec->action) != MSIQ_OK) {
        return msiq_diag_set(diag, MSIQ_EINVAL,
                             "unknown action '%s' (use install, uninstall, "
                             "patch or repair)",
                             value);
      }
      return MSIQ_OK;
    case ENQUEUE_PRIORITY:
      return tool_parse_integer("--priority", value, &spec->priority, diag);
    case ENQUEUE_NOT_BEFORE:
      return msiq_time_parse(value, now, &spec->not_before, diag);
    case ENQUEUE_DEADLINE:
      return msiq_time_parse(value, now, &spec->deadline, diag);
    case ENQUEUE_MAX_ATTEMPTS:
      return tool_parse_integer("--max-attempts", value, &spec->max_attempts,
                                diag);
    case ENQUEUE_TIMEOUT:
      return msiq_duration_parse(value, &spec->timeout_ms, diag);
    case ENQUEUE_AFTER:
      status = tool_parse_job_id(value, &after, diag);
      if (status != MSIQ_OK) {
        return msiq_diag_set(diag, MSIQ_EINVAL, "--after '%s' is not a job id",
                             value);
      }
      status = msiq_job_spec_add_after(spec, after);
      break;
    case ENQUEUE_KEY:
      status = msiq_job_spec_set_key(spec, value);
      break;
    case ENQUEUE_LOG:
      status = msiq_job_spec_set_log_path(spec, value);
      break;
    case ENQUEUE_NO_CHECK:
      spec->no_check = true;
      break;
    case ENQUEUE_EXIT_CODE:
      return msiq_job_spec_add_exit_code_rule(spec, value, diag);
  }
  if (status != MSIQ_OK) {
    return msiq_diag_set(diag, status, "out of memory");
  }
  return MSIQ_OK;
}

/* Fills spec from the command line. */
static int enqueue_parse(tool_context *context, int argc, char **argv,
                         msiq_job_spec *spec, msiq_diag *diag) {
  tool_parser parser;
  tool_parser_init(&parser, context, argc, argv, enqueue_options);
  int64_t now = msiq_host_now_ms();
  int result;
  while ((result = tool_parser_next(&parser, diag)) > 0) {
    int status = MSIQ_OK;
    if (result == TOOL_PARSE_OPTION) {
      status = enqueue_apply_option(spec, parser.id, parser.value, now, diag);
    } else if (spec->target == NULL) {
      if (msiq_job_spec_set_target(spec, parser.value) != MSIQ_OK) {
        status = msiq_diag_set(diag, MSIQ_ENOMEM, "out of memory");
      }
    } else {
      status = msiq_job_spec_add_property_assignment(spec, parser.value, diag);
    }
    if (status != MSIQ_OK) {
      return status;
    }
  }
  if (result < 0 || context->help) {
    return result;
  }
  if (spec->target == NULL) {
    return msiq_diag_set(diag, MSIQ_EUSAGE, "missing TARGET");
  }
  return MSIQ_OK;
}

static int enqueue_exec(tool_context *context, int argc, char **argv) {
  msiq_diag diag = {{0}};
  msiq_job_spec spec;
  msiq_job_spec_init(&spec);
  msiq_store *store = NULL;
  int exit_code = TOOL_EXIT_OK;

  int status = enqueue_parse(context, argc, argv, &spec, &diag);
  if (context->help) {
    exit_code = tool_print_command_help(context->command);
    goto cleanup;
  }
  /* Everything that can be checked without the database is checked before
   * it is opened, so bad input never creates or touches a queue. */
  if (status == MSIQ_OK) {
    status = msiq_job_spec_validate(&spec, &diag);
  }
  if (status != MSIQ_OK) {
    exit_code = tool_report(context, status, &diag);
    goto cleanup;
  }
  exit_code = tool_open_store(context, MSIQ_STORE_CREATE, &store);
  if (exit_code != TOOL_EXIT_OK) {
    goto cleanup;
  }
  int64_t id = 0;
  bool existing = false;
  status = msiq_store_enqueue(store, &spec, &id, &existing, &diag);
  if (status != MSIQ_OK) {
    exit_code = tool_report(context, status, &diag);
    goto cleanup;
  }
  if (existing) {
    warnf("key '%s' already names unfinished job %lld; nothing added", spec.key,
          (long long)id);
  }
  if (context->json) {
    exit_code = tool_print_job_json(context, store, id, false);
  } else {
    printf("%lld\n", (long long)id);
  }

cleanup:
  msiq_store_close(store);
  msiq_job_spec_cleanup(&spec);
  return exit_code;
}

const tool_command tool_cmd_enqueue = {
    "enqueue",
    "[options] TARGET [NAME=VALUE]...",
    "Add a Windows Installer job to the queue and print its id.",
    "TARGET is a .msi package (install), a .msp patch (patch), or a .msi\n"
    "package or braced product code {GUID} (uninstall, repair). NAME=VALUE\n"
    "pairs are MSI properties, passed to msiexec in the order given.\n\n"
    "Options:\n"
    "  -a, --action A        install (default), uninstall, patch or repair\n"
    "  -p, --priority N      higher runs first (default 0; ties: oldest "
    "first)\n"
    "  --not-before T        do not start before T (ISO 8601 or +30m)\n"
    "  --deadline T          fail the job if it has not started by T\n"
    "  --max-attempts N      attempts before giving up (default 10)\n"
    "  --timeout D           stop the installer after D (90s, 15m, 2h, 1d)\n"
    "  --after ID            start only after job ID succeeded (repeatable)\n"
    "  -k, --key K           idempotency key: if an unfinished job has key K,\n"
    "                        print its id and add nothing\n"
    "  --log PATH            msiexec verbose log (default: one per job)\n"
    "  --exit-code C=O       treat installer exit code C as O: success,\n"
    "                        reboot, retry or fail (repeatable)\n"
    "  --no-check            do not check that the package exists now\n",
    enqueue_exec,
};
