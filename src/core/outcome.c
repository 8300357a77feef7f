/* outcome.c: what an installer exit code means for a job, how long to wait
 * before trying again, and what `msiq wait` reports for finished jobs.
 *
 * The default table follows what the established deployment tools agree on
 * (Intune's defaults treat 0 and 1707 as success, 3010 as a soft and 1641 as
 * a hard reboot, 1618 as "retry"; ConfigMgr, Omaha and WiX's bootstrapper
 * retry 1618 too): success and "success, reboot needed" codes finish the job,
 * the two codes that mean "Windows Installer is busy or unreachable" are worth
 * another attempt, and everything else is a failure. A job's own --exit-code
 * rules always win, because the packager knows codes that are special to one
 * product better than any table can.
 *
 * The table below is the only place that says what a code means: the
 * classification, the names in the history and the tests all read it.
 */
#include "core/outcome.h"

#include <float.h>
#include <stddef.h>
#include <stdio.h>

static const char rule_meaning[] = "outcome set by the job's --exit-code rule";

/* Uninstall-only meaning of the two "not installed" codes: for an uninstall
 * they say the product is already gone, which is what the job asked for.
 * For any other action they are real errors (a repair or patch of something
 * that is not there). */
static const char not_installed[] = "not installed (nothing to uninstall)";

/* The default table, kept in ascending order of code so that it reads like
 * Microsoft's list. Codes that only have a name here fail like any code
 * missing from it. Columns: code, name, outcome and meaning for an install,
 * a patch or a repair, reboot initiated, then the meaning and outcome for an
 * uninstall where they differ ("NULL, 0": the same as for the others). */
static const msiq_exit_code_row exit_code_table[] = {
    {0, "ERROR_SUCCESS", MSIQ_OUTCOME_SUCCESS, "success", false, NULL, 0},
    {1601, "ERROR_INSTALL_SERVICE_FAILURE", MSIQ_OUTCOME_RETRY,
     "Windows Installer service could not be reached", false, NULL, 0},
    {1602, "ERROR_INSTALL_USEREXIT", MSIQ_OUTCOME_FAIL, "failed", false, NULL,
     0},
    {1603, "ERROR_INSTALL_FAILURE", MSIQ_OUTCOME_FAIL, "failed", false, NULL,
     0},
    {1605, "ERROR_UNKNOWN_PRODUCT", MSIQ_OUTCOME_FAIL, "failed", false,
     not_installed, MSIQ_OUTCOME_SUCCESS},
    {1614, "ERROR_PRODUCT_UNINSTALLED", MSIQ_OUTCOME_FAIL, "failed", false,
     not_installed, MSIQ_OUTCOME_SUCCESS},
    {1618, "ERROR_INSTALL_ALREADY_RUNNING", MSIQ_OUTCOME_RETRY,
     "another installation is in progress", false, NULL, 0},
    {1619, "ERROR_INSTALL_PACKAGE_OPEN_FAILED", MSIQ_OUTCOME_FAIL, "failed",
     false, NULL, 0},
    {1620, "ERROR_INSTALL_PACKAGE_INVALID", MSIQ_OUTCOME_FAIL, "failed", false,
     NULL, 0},
    {1624, "ERROR_INSTALL_TRANSFORM_FAILURE", MSIQ_OUTCOME_FAIL, "failed",
     false, NULL, 0},
    {1625, "ERROR_INSTALL_PACKAGE_REJECTED", MSIQ_OUTCOME_FAIL, "failed", false,
     NULL, 0},
    {1633, "ERROR_INSTALL_PLATFORM_UNSUPPORTED", MSIQ_OUTCOME_FAIL, "failed",
     false, NULL, 0},
    /* Another version of the product (same ProductCode, another
     * ProductVersion, no upgrade) is installed: a retry meets the same
     * product, so it fails, and the meaning says why. */
    {1638, "ERROR_PRODUCT_VERSION", MSIQ_OUTCOME_FAIL,
     "another version of this product is already installed", false, NULL, 0},
    {1639, "ERROR_INVALID_COMMAND_LINE", MSIQ_OUTCOME_FAIL, "failed", false,
     NULL, 0},
    {1641, "ERROR_SUCCESS_REBOOT_INITIATED", MSIQ_OUTCOME_REBOOT,
     "success, reboot initiated", true, NULL, 0},
    {1642, "ERROR_PATCH_TARGET_NOT_FOUND", MSIQ_OUTCOME_FAIL, "failed", false,
     NULL, 0},
    {1643, "ERROR_PATCH_PACKAGE_REJECTED", MSIQ_OUTCOME_FAIL, "failed", false,
     NULL, 0},
    /* Intune counts 1707 as success by default; msiexec reports it when the
     * product was installed and nothing else went wrong. */
    {1707, "ERROR_SUCCESS_PRODUCT_INSTALLED", MSIQ_OUTCOME_SUCCESS, "success",
     false, NULL, 0},
    {3010, "ERROR_SUCCESS_REBOOT_REQUIRED", MSIQ_OUTCOME_REBOOT,
     "success, reboot required", false, NULL, 0},
    {3011, "ERROR_SUCCESS_RESTART_REQUIRED", MSIQ_OUTCOME_REBOOT,
     "success, restart required", false, NULL, 0},
};

#define EXIT_CODE_TABLE_COUNT                                                  \
  (sizeof exit_code_table / sizeof exit_code_table[0])

const msiq_exit_code_row *msiq_exit_code_table(size_t *count) {
  if (count != NULL) {
    *count = EXIT_CODE_TABLE_COUNT;
  }
  return exit_code_table;
}

static const msiq_exit_code_row *exit_code_table_find(int64_t exit_code) {
  for (size_t i = 0; i < EXIT_CODE_TABLE_COUNT; i++) {
    if (exit_code_table[i].code == exit_code) {
      return &exit_code_table[i];
    }
  }
  return NULL;
}

msiq_verdict msiq_outcome_classify(msiq_action action,
                                   const msiq_exit_code_rule *rules,
                                   size_t rule_count, int64_t exit_code) {
  msiq_verdict verdict = {MSIQ_OUTCOME_FAIL, false, "failed"};

  /* The first rule for the code decides. Validation refuses duplicate codes,
   * so "first" only matters for a job that bypassed it. A rule with an
   * outcome outside the enum (a damaged row) is ignored rather than trusted,
   * so that the default table still gives a sensible answer. */
  for (size_t i = 0; rules != NULL && i < rule_count; i++) {
    if (rules[i].code == exit_code &&
        (unsigned)rules[i].outcome < MSIQ_OUTCOME_COUNT) {
      verdict.outcome = rules[i].outcome;
      verdict.meaning = rule_meaning;
      /* 1641 means the installer has already started a reboot, whatever the
       * job wants the code to mean; the dispatcher must still stop starting
       * installs. Only a rule that turns 1641 into retry or fail hides it,
       * since then the job itself has not finished. */
      verdict.reboot_initiated =
          exit_code == MSIQ_EXIT_SUCCESS_REBOOT_INITIATED &&
          (verdict.outcome == MSIQ_OUTCOME_SUCCESS ||
           verdict.outcome == MSIQ_OUTCOME_REBOOT);
      return verdict;
    }
  }

  const msiq_exit_code_row *row = exit_code_table_find(exit_code);
  if (row == NULL) {
    return verdict;
  }
  if (action == MSIQ_ACTION_UNINSTALL && row->uninstall_meaning != NULL) {
    verdict.outcome = row->uninstall_outcome;
    verdict.meaning = row->uninstall_meaning;
  } else {
    verdict.outcome = row->outcome;
    verdict.meaning = row->meaning;
  }
  verdict.reboot_initiated = row->reboot_initiated;
  return verdict;
}

const char *msiq_exit_code_name(int64_t exit_code) {
  const msiq_exit_code_row *row = exit_code_table_find(exit_code);
  return row != NULL ? row->name : NULL;
}

/* The exception statuses an installer's process is most often seen to end
 * with (ntstatus.h's names), in ascending order. An unknown one is still
 * shown in hex, which is what an administrator searches for. */
static const msiq_ntstatus_row ntstatus_table[] = {
    {0xC0000005u, "STATUS_ACCESS_VIOLATION", "access violation"},
    {0xC0000017u, "STATUS_NO_MEMORY", "out of memory"},
    {0xC000001Du, "STATUS_ILLEGAL_INSTRUCTION", "illegal instruction"},
    {0xC0000094u, "STATUS_INTEGER_DIVIDE_BY_ZERO", "integer division by zero"},
    {0xC00000FDu, "STATUS_STACK_OVERFLOW", "stack overflow"},
    {0xC0000135u, "STATUS_DLL_NOT_FOUND", "a DLL it needs was not found"},
    {0xC0000139u, "STATUS_ENTRYPOINT_NOT_FOUND",
     "an entry point in a DLL was not found"},
    {0xC000013Au, "STATUS_CONTROL_C_EXIT", "ended by Ctrl+C"},
    {0xC0000142u, "STATUS_DLL_INIT_FAILED", "a DLL failed to initialize"},
    {0xC0000374u, "STATUS_HEAP_CORRUPTION", "heap corruption"},
    {0xC0000409u, "STATUS_STACK_BUFFER_OVERRUN",
     "stack buffer overrun (fail fast)"},
};

int64_t msiq_exit_code_unsigned(int64_t exit_code) {
  if (exit_code < 0 && exit_code >= INT32_MIN) {
    return exit_code + (INT64_C(1) << 32);
  }
  return exit_code >= 0 && exit_code <= INT64_C(0xFFFFFFFF) ? exit_code : -1;
}

bool msiq_exit_code_is_ntstatus(int64_t exit_code) {
  return msiq_exit_code_unsigned(exit_code) >= INT64_C(0xC0000000);
}

const msiq_ntstatus_row *msiq_ntstatus_find(int64_t exit_code) {
  int64_t code = msiq_exit_code_unsigned(exit_code);
  for (size_t i = 0; i < sizeof ntstatus_table / sizeof ntstatus_table[0];
       i++) {
    if ((int64_t)ntstatus_table[i].code == code) {
      return &ntstatus_table[i];
    }
  }
  return NULL;
}

/* The operating system's message as one line: control characters become
 * spaces, runs of spaces one, and the ends are trimmed, with a final full
 * stop ("Access is denied.\r\n" becomes "Access is denied"). */
static void outcome_flatten_message(const char *message, char *buffer,
                                    size_t size) {
  size_t used = 0;
  bool space = false;
  for (const char *c = message; *c != '\0' && used + 1 < size; c++) {
    bool blank = (unsigned char)*c <= 0x20;
    if (blank) {
      space = used > 0;
      continue;
    }
    if (space && used + 2 < size) {
      buffer[used++] = ' ';
    }
    space = false;
    buffer[used++] = *c;
  }
  while (used > 0 && buffer[used - 1] == '.') {
    used--;
  }
  buffer[used] = '\0';
}

void msiq_exit_code_describe(int64_t exit_code, const char *system_message,
                             char *buffer, size_t size) {
  if (size == 0) {
    return;
  }
  /* The number as an administrator searches for it, and its name: ours
   * (an exception status's with its meaning, or the msiexec table's), else
   * the system's text, else none. */
  char number[24];
  const char *name = NULL;
  if (msiq_exit_code_is_ntstatus(exit_code)) {
    snprintf(number, sizeof number, "0x%08llX",
             (unsigned long long)msiq_exit_code_unsigned(exit_code));
    const msiq_ntstatus_row *row = msiq_ntstatus_find(exit_code);
    if (row != NULL) {
      snprintf(buffer, size, "%s (%s: %s)", number, row->name, row->meaning);
      return;
    }
  } else {
    snprintf(number, sizeof number, "%lld", (long long)exit_code);
    name = msiq_exit_code_name(exit_code);
  }
  char flat[256] = "";
  if (name == NULL && system_message != NULL) {
    outcome_flatten_message(system_message, flat, sizeof flat);
    name = flat[0] != '\0' ? flat : NULL;
  }
  if (name != NULL) {
    snprintf(buffer, size, "%s (%s)", number, name);
  } else {
    snprintf(buffer, size, "%s", number);
  }
}

/* base * 2^(attempts - 1), capped at max; base must be positive. */
static int64_t backoff_nominal(const msiq_backoff *backoff, int64_t attempts) {
  if (attempts < 1) {
    attempts = 1;
  }
  /* Doubling stops as soon as the cap is reached, so the loop runs at most
   * about 63 times however large attempts is, and the value never
   * overflows: before a doubling that would pass INT64_MAX it saturates
   * instead, which is at or above any cap. */
  int64_t nominal = backoff->base_ms;
  for (int64_t i = 1; i < attempts && nominal < backoff->max_ms; i++) {
    if (nominal > INT64_MAX / 2) {
      nominal = INT64_MAX;
    } else {
      nominal *= 2;
    }
  }
  if (nominal > backoff->max_ms) {
    nominal = backoff->max_ms;
  }
  return nominal;
}

int64_t msiq_backoff_limit(const msiq_backoff *backoff, int64_t attempts) {
  if (backoff == NULL || backoff->base_ms <= 0) {
    return 0;
  }
  int64_t nominal = backoff_nominal(backoff, attempts);
  /* msiq_backoff_delay() never returns less than 1 ms. */
  return nominal < 1 ? 1 : nominal;
}

int64_t msiq_backoff_delay(const msiq_backoff *backoff, int64_t attempts,
                           double random_fraction) {
  if (backoff == NULL || backoff->base_ms <= 0) {
    return 0;
  }
  int64_t nominal = backoff_nominal(backoff, attempts);

  /* The fraction comes from a random source the caller chose; a NaN, a
   * negative value or 1.0 itself must not push the delay outside
   * [nominal / 2, nominal). The largest double below 1 is 1 - 2^-53. */
  if (!(random_fraction >= 0.0)) {
    random_fraction = 0.0;
  } else if (!(random_fraction < 1.0)) {
    random_fraction = 1.0 - DBL_EPSILON / 2;
  }

  int64_t half = nominal / 2;
  int64_t jitter = 0;
  if (half > 0) {
    jitter = (int64_t)(random_fraction * (double)half);
    /* Converting a large half to double may round it up; keep the sum at
     * or below nominal so it cannot overflow either. */
    if (jitter > half) {
      jitter = half;
    }
    if (jitter < 0) {
      jitter = 0;
    }
  }
  int64_t delay = half + jitter;
  /* A positive base promises some wait: a zero delay would let a retry loop
   * spin, and a cap below 1 ms (a configuration mistake) must not either. */
  return delay < 1 ? 1 : delay;
}

int64_t msiq_wait_exit_code(const msiq_job *jobs, size_t count) {
  bool reboot_required = false;
  bool reboot_initiated = false;
  for (size_t i = 0; jobs != NULL && i < count; i++) {
    const msiq_job *job = &jobs[i];
    /* A cancel is the administrator's "user exit", whatever the last
     * attempt answered. */
    if (job->state == MSIQ_STATE_CANCELLED) {
      return MSIQ_EXIT_INSTALL_USEREXIT;
    }
    if (job->state == MSIQ_STATE_FAILED) {
      /* 1618 never comes out: a job that gave up on it failed, and a script
       * must not read that as "try again later". */
      if (!job->has_exit_code || job->exit_code == MSIQ_EXIT_SUCCESS ||
          job->exit_code == MSIQ_EXIT_INSTALL_ALREADY_RUNNING) {
        return MSIQ_EXIT_INSTALL_FAILURE;
      }
      return job->exit_code;
    }
    if (job->has_exit_code &&
        job->exit_code == MSIQ_EXIT_SUCCESS_REBOOT_INITIATED) {
      reboot_initiated = true;
    }
    reboot_required = reboot_required || job->reboot_required;
  }
  if (reboot_initiated) {
    return MSIQ_EXIT_SUCCESS_REBOOT_INITIATED;
  }
  return reboot_required ? MSIQ_EXIT_SUCCESS_REBOOT_REQUIRED
                         : MSIQ_EXIT_SUCCESS;
}

int64_t msiq_exec_exit_code(const msiq_job *jobs, size_t count) {
  for (size_t i = 0; jobs != NULL && i < count; i++) {
    const msiq_job *job = &jobs[i];
    if (job->state == MSIQ_STATE_FAILED && job->has_exit_code &&
        job->exit_code == MSIQ_EXIT_INSTALL_ALREADY_RUNNING) {
      return MSIQ_EXIT_INSTALL_ALREADY_RUNNING;
    }
    if (job->state == MSIQ_STATE_FAILED || job->state == MSIQ_STATE_CANCELLED) {
      break;
    }
  }
  return msiq_wait_exit_code(jobs, count);
}

bool msiq_wait_is_over(const msiq_job *jobs, size_t count) {
  bool all_final = true;
  for (size_t i = 0; jobs != NULL && i < count; i++) {
    const msiq_job *job = &jobs[i];
    if (!msiq_state_is_final(job->state)) {
      all_final = false;
    } else if (job->state == MSIQ_STATE_SUCCEEDED && job->has_exit_code &&
               job->exit_code == MSIQ_EXIT_SUCCESS_REBOOT_INITIATED) {
      return true;
    }
  }
  return all_final;
}
