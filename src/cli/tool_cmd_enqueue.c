/* tool_cmd_enqueue.c: `msiq enqueue`, add one job to the queue. */
#include "cli/tool.h"

#include <stdio.h>

#include "core/admission.h"
#include "host/host.h"
#include "core/timeparse.h"

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
  ENQUEUE_WAIT,
  ENQUEUE_WAIT_TIMEOUT,
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
    {"wait", 'w', TOOL_ARGUMENT_NONE, ENQUEUE_WAIT},
    {"wait-timeout", 0, TOOL_ARGUMENT_REQUIRED, ENQUEUE_WAIT_TIMEOUT},
    {NULL, 0, TOOL_ARGUMENT_NONE, 0},
};

/* What the command line asked for besides the job itself. */
typedef struct enqueue_request {
  msiq_job_spec spec;
  bool wait;
  int64_t wait_timeout_ms;
} enqueue_request;

/* Applies one option; returns a status, never prints. */
static int enqueue_apply_option(enqueue_request *request, int id,
                                const char *value, int64_t now,
                                msiq_diag *diag) {
  msiq_job_spec *spec = &request->spec;
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
    case ENQUEUE_WAIT:
      request->wait = true;
      break;
    case ENQUEUE_WAIT_TIMEOUT:
      request->wait = true;
      return msiq_duration_parse(value, &request->wait_timeout_ms, diag);
  }
  if (status != MSIQ_OK) {
    return msiq_diag_set(diag, status, "out of memory");
  }
  return MSIQ_OK;
}

/* Fills spec from the command line. */
static int enqueue_parse(tool_context *context, int argc, char **argv,
                         enqueue_request *request, msiq_diag *diag) {
  msiq_job_spec *spec = &request->spec;
  tool_parser parser;
  tool_parser_init(&parser, context, argc, argv, enqueue_options);
  int64_t now = msiq_host_now_ms();
  int result;
  while ((result = tool_parser_next(&parser, diag)) > 0) {
    int status = MSIQ_OK;
    if (result == TOOL_PARSE_OPTION) {
      status =
          enqueue_apply_option(request, parser.id, parser.value, now, diag);
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

/* Admission needs two host services; these are the real ones. */
static const msiq_admission_host enqueue_admission_host = {
    msiq_host_absolute_path,
    msiq_host_file_exists,
};

static int enqueue_rehearse(msiq_store *store, void *state, msiq_diag *diag) {
  int64_t id = 0;
  bool existing = false;
  return msiq_store_enqueue(store, state, &id, &existing, diag);
}

static int enqueue_exec(tool_context *context, int argc, char **argv) {
  msiq_diag diag = {{0}};
  enqueue_request request = {.wait = false};
  msiq_job_spec *spec = &request.spec;
  msiq_job_spec_init(spec);
  msiq_admission admission;
  msiq_store *store = NULL;
  int exit_code = TOOL_EXIT_OK;

  int status = enqueue_parse(context, argc, argv, &request, &diag);
  if (context->help) {
    exit_code = tool_print_command_help(context->command);
    goto cleanup;
  }
  /* The job is admitted once, before the database is opened, so bad input
   * never creates or touches a queue; the rehearsal and the real enqueue
   * both store this admission. */
  if (status == MSIQ_OK) {
    status = msiq_job_admit(spec, &enqueue_admission_host, &admission, &diag);
  }
  if (status != MSIQ_OK) {
    exit_code = tool_report(context, status, &diag);
    goto cleanup;
  }
  exit_code =
      tool_open_store_checked(context, enqueue_rehearse, &admission, &store);
  if (exit_code != TOOL_EXIT_OK) {
    goto cleanup;
  }
  int64_t id = 0;
  bool existing = false;
  status = msiq_store_enqueue(store, &admission, &id, &existing, &diag);
  if (status != MSIQ_OK) {
    exit_code = tool_report(context, status, &diag);
    goto cleanup;
  }
  if (existing) {
    warnf("key '%s' already names unfinished job %lld; nothing added",
          spec->key, (long long)id);
  }
  if (request.wait) {
    /* Like msiexec: block until the job is done and exit with its code. */
    exit_code =
        tool_wait_for_jobs(context, store, &id, 1, request.wait_timeout_ms);
  } else if (context->json) {
    exit_code = tool_print_job_json(context, store, id, false);
  } else {
    printf("%lld\n", (long long)id);
  }

cleanup:
  msiq_store_close(store);
  msiq_job_spec_cleanup(spec);
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
    "  --deadline T          fail the job if it has not started by T (or is\n"
    "                        still waiting for a retry at T)\n"
    "  --max-attempts N      attempts before giving up (default 10)\n"
    "  --timeout D           stop the installer after D (90s, 15m, 2h, 1d)\n"
    "  --after ID            start only after job ID succeeded (repeatable)\n"
    "  -k, --key K           idempotency key: if an unfinished job has key K,\n"
    "                        print its id and add nothing\n"
    "  --log PATH            msiexec verbose log (default: one per job)\n"
    "  --exit-code C=O       treat installer exit code C as O: success,\n"
    "                        reboot, retry or fail (repeatable)\n"
    "  --no-check            do not check that the package exists now\n"
    "  -w, --wait            wait until the job finishes and exit with an\n"
    "                        msiexec-style code (see `msiq wait --help`)\n"
    "  --wait-timeout D      with --wait: stop waiting after D (exit 1460)\n",
    enqueue_exec,
};
