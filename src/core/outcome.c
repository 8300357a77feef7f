/* outcome.c: what an installer exit code means for a job, and how long to
 * wait before trying again.
 *
 * The default table follows what the established deployment tools agree on
 * (Intune's defaults treat 0 and 1707 as success, 3010 as a soft and 1641 as
 * a hard reboot, 1618 as "retry"; ConfigMgr, Omaha and WiX's bootstrapper
 * retry 1618 too): success and "success, reboot needed" codes finish the job,
 * the two codes that mean "Windows Installer is busy or unreachable" are worth
 * another attempt, and everything else is a failure. A job's own --exit-code
 * rules always win, because the packager knows codes that are special to one
 * product better than any table can.
 */
#include "core/outcome.h"

#include <float.h>
#include <stddef.h>

static const char rule_meaning[] = "outcome set by the job's --exit-code rule";

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

  switch (exit_code) {
    case MSIQ_EXIT_SUCCESS:
      verdict.outcome = MSIQ_OUTCOME_SUCCESS;
      verdict.meaning = "success";
      break;
    case MSIQ_EXIT_COMPLETED_SUCCESSFULLY:
      /* Intune counts 1707 as success by default; msiexec reports it when
       * the product was installed and nothing else went wrong. */
      verdict.outcome = MSIQ_OUTCOME_SUCCESS;
      verdict.meaning = "success";
      break;
    case MSIQ_EXIT_SUCCESS_REBOOT_REQUIRED:
      verdict.outcome = MSIQ_OUTCOME_REBOOT;
      verdict.meaning = "success, reboot required";
      break;
    case MSIQ_EXIT_SUCCESS_RESTART_REQUIRED:
      verdict.outcome = MSIQ_OUTCOME_REBOOT;
      verdict.meaning = "success, restart required";
      break;
    case MSIQ_EXIT_SUCCESS_REBOOT_INITIATED:
      verdict.outcome = MSIQ_OUTCOME_REBOOT;
      verdict.reboot_initiated = true;
      verdict.meaning = "success, reboot initiated";
      break;
    case MSIQ_EXIT_INSTALL_ALREADY_RUNNING:
      verdict.outcome = MSIQ_OUTCOME_RETRY;
      verdict.meaning = "another installation is in progress";
      break;
    case MSIQ_EXIT_INSTALL_SERVICE_FAILURE:
      verdict.outcome = MSIQ_OUTCOME_RETRY;
      verdict.meaning = "Windows Installer service could not be reached";
      break;
    case MSIQ_EXIT_UNKNOWN_PRODUCT:
    case MSIQ_EXIT_PRODUCT_UNINSTALLED:
      /* For an uninstall these say the product is already gone, which is
       * what the job asked for. For any other action they are real errors
       * (a repair or patch of something that is not there). */
      if (action == MSIQ_ACTION_UNINSTALL) {
        verdict.outcome = MSIQ_OUTCOME_SUCCESS;
        verdict.meaning = "not installed (nothing to uninstall)";
      }
      break;
    default:
      break;
  }
  return verdict;
}

typedef struct exit_code_name {
  int64_t code;
  const char *name;
} exit_code_name;

/* Kept in ascending order of code so that the table reads like
 * Microsoft's list. */
static const exit_code_name exit_code_names[] = {
    {0, "ERROR_SUCCESS"},
    {1601, "ERROR_INSTALL_SERVICE_FAILURE"},
    {1602, "ERROR_INSTALL_USEREXIT"},
    {1603, "ERROR_INSTALL_FAILURE"},
    {1605, "ERROR_UNKNOWN_PRODUCT"},
    {1614, "ERROR_PRODUCT_UNINSTALLED"},
    {1618, "ERROR_INSTALL_ALREADY_RUNNING"},
    {1619, "ERROR_INSTALL_PACKAGE_OPEN_FAILED"},
    {1620, "ERROR_INSTALL_PACKAGE_INVALID"},
    {1624, "ERROR_INSTALL_TRANSFORM_FAILURE"},
    {1625, "ERROR_INSTALL_PACKAGE_REJECTED"},
    {1633, "ERROR_INSTALL_PLATFORM_UNSUPPORTED"},
    {1638, "ERROR_PRODUCT_VERSION"},
    {1639, "ERROR_INVALID_COMMAND_LINE"},
    {1641, "ERROR_SUCCESS_REBOOT_INITIATED"},
    {1642, "ERROR_PATCH_TARGET_NOT_FOUND"},
    {1643, "ERROR_PATCH_PACKAGE_REJECTED"},
    {1707, "ERROR_SUCCESS_PRODUCT_INSTALLED"},
    {3010, "ERROR_SUCCESS_REBOOT_REQUIRED"},
    {3011, "ERROR_SUCCESS_RESTART_REQUIRED"},
};

const char *msiq_exit_code_name(int64_t exit_code) {
  for (size_t i = 0; i < sizeof exit_code_names / sizeof exit_code_names[0];
       i++) {
    if (exit_code_names[i].code == exit_code) {
      return exit_code_names[i].name;
    }
  }
  return NULL;
}

int64_t msiq_backoff_delay(const msiq_backoff *backoff, int64_t attempts,
                           double random_fraction) {
  if (backoff == NULL || backoff->base_ms <= 0) {
    return 0;
  }
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
