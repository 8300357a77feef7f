/* outcome.h: what an installer exit code means for a job, when to try
 * again, and which exit code `msiq wait` reports for finished jobs. The
 * default table is documented in docs/dispatcher.md; a job's own
 * --exit-code rules take precedence over it.
 *
 * Adding an exit-code rule: add one row to the table in outcome.c (it is
 * kept in ascending order of code) and one row to the expected list in
 * tests/test_outcome.c, which checks both msiq_outcome_classify and
 * msiq_exit_code_name against it. If the code needs a name in the history
 * only, the row's outcome is MSIQ_OUTCOME_FAIL with the meaning "failed". */
#ifndef MSIQ_OUTCOME_H
#define MSIQ_OUTCOME_H

#include "core/job.h"

/* Windows Installer exit codes msiq treats specially. */
#define MSIQ_EXIT_SUCCESS                  0
#define MSIQ_EXIT_INSTALL_USEREXIT         1602
#define MSIQ_EXIT_INSTALL_FAILURE          1603
#define MSIQ_EXIT_INSTALL_SERVICE_FAILURE  1601
#define MSIQ_EXIT_UNKNOWN_PRODUCT          1605
#define MSIQ_EXIT_PRODUCT_UNINSTALLED      1614
#define MSIQ_EXIT_INSTALL_ALREADY_RUNNING  1618
#define MSIQ_EXIT_PRODUCT_VERSION          1638
#define MSIQ_EXIT_SUCCESS_REBOOT_INITIATED 1641
#define MSIQ_EXIT_COMPLETED_SUCCESSFULLY   1707
#define MSIQ_EXIT_SUCCESS_REBOOT_REQUIRED  3010
#define MSIQ_EXIT_SUCCESS_RESTART_REQUIRED 3011

/* One row of the default exit-code table. */
typedef struct msiq_exit_code_row {
  int64_t code;
  /* The symbolic name from Microsoft's list ("ERROR_INSTALL_FAILURE"). */
  const char *name;
  /* What the code means for an install, a patch or a repair. */
  msiq_outcome outcome;
  const char *meaning;
  /* 1641: the installer started a reboot; the dispatcher pauses the queue. */
  bool reboot_initiated;
  /* What the code means for an uninstall when that differs (NULL: the
   * same as for the other actions). */
  const char *uninstall_meaning;
  msiq_outcome uninstall_outcome;
} msiq_exit_code_row;

/* The default table, in ascending order of code; *count receives the
 * number of rows. Codes not in it are failures. */
const msiq_exit_code_row *msiq_exit_code_table(size_t *count);

typedef struct msiq_verdict {
  msiq_outcome outcome;
  /* 1641: the installer started a reboot; the dispatcher pauses the queue. */
  bool reboot_initiated;
  /* A short explanation for the history ("success, reboot required"). */
  const char *meaning;
} msiq_verdict;

/* Judges exit_code for a job with the given action and rules. */
msiq_verdict msiq_outcome_classify(msiq_action action,
                                   const msiq_exit_code_rule *rules,
                                   size_t rule_count, int64_t exit_code);

/* The symbolic name of a well-known Windows Installer exit code
 * ("ERROR_INSTALL_FAILURE"), or NULL. */
const char *msiq_exit_code_name(int64_t exit_code);

/* Exception statuses a process can end with (NTSTATUS, 0xC0000000 and
 * above as an unsigned 32-bit value), as GetExitCodeProcess reports them
 * for a program that crashed: the name and a few words, or NULL. */
typedef struct msiq_ntstatus_row {
  uint32_t code;
  const char *name;    /* "STATUS_ACCESS_VIOLATION" */
  const char *meaning; /* "access violation" */
} msiq_ntstatus_row;
const msiq_ntstatus_row *msiq_ntstatus_find(int64_t exit_code);

/* An exit code as a 32-bit Windows value: a negative one (a DWORD read as
 * a signed int somewhere) is taken modulo 2^32; -1 for a code that fits in
 * neither. */
int64_t msiq_exit_code_unsigned(int64_t exit_code);

/* True for a code of 0xC0000000 and above (as unsigned 32 bits): an
 * exception status, shown in hex. */
bool msiq_exit_code_is_ntstatus(int64_t exit_code);

/* An exit code as msiq shows it to people:
 *   "1603 (ERROR_INSTALL_FAILURE)"            a code of the table above;
 *   "0xC0000005 (STATUS_ACCESS_VIOLATION: access violation)"
 *                                             an exception status (hex,
 *                                             named when known);
 *   "5 (Access is denied)"                    any other code, with the
 *                                             operating system's message
 *                                             (msiq_host_exit_code_message;
 *                                             NULL or "" when it has none),
 *                                             made one line, without the
 *                                             final full stop;
 *   "1234"                                    a code nobody names.
 * Pure formatting: the caller asks the host for system_message. */
void msiq_exit_code_describe(int64_t exit_code, const char *system_message,
                             char *buffer, size_t size);

typedef struct msiq_backoff {
  int64_t base_ms; /* delay before the second attempt */
  int64_t max_ms;  /* cap on any one delay */
} msiq_backoff;

/* Delay before the next attempt after `attempts` attempts (1 or more):
 * base * 2^(attempts - 1), capped at max, with "equal jitter": half of it
 * fixed and half uniformly random (random_fraction in [0, 1)), so that many
 * machines released by one event do not all retry in the same second. */
int64_t msiq_backoff_delay(const msiq_backoff *backoff, int64_t attempts,
                           double random_fraction);

/* The longest delay msiq_backoff_delay() can return after `attempts`
 * attempts, whatever the random fraction: base * 2^(attempts - 1), capped
 * at max (0 when base is not positive). A stored retry time further away
 * than this from now can only come from a wall clock that went back; the
 * dispatcher clamps it (docs/reliability.md, "Clock steps"). */
int64_t msiq_backoff_limit(const msiq_backoff *backoff, int64_t attempts);

/* The msiexec-style exit code of `msiq wait` for jobs that have all
 * finished, looked at in the order given: the first failed or cancelled
 * job decides (1602 for a cancel; 1603 for a failure without an exit code
 * of its own, or with 0 or 1618, which would read as success or "try
 * again"; else its exit code); else 1641 if a job started a reboot; else
 * 3010 if one needs a reboot; else 0. */
int64_t msiq_wait_exit_code(const msiq_job *jobs, size_t count);

/* The exit code of `msiq exec` for its finished jobs: msiq_wait_exit_code's,
 * except that when the job that decides failed because its last attempt
 * answered 1618 (its retry budget spent on a busy installer), exec answers
 * 1618 as msiexec would, so the fleet tool's own retry takes over. */
int64_t msiq_exec_exit_code(const msiq_job *jobs, size_t count);

/* Whether `msiq wait` is over: every job has finished, or one of them
 * finished with 1641. After a 1641 the machine is restarting and the queue
 * stays paused until it has; the other jobs run after the reboot, so a wait
 * for them would only end at its timeout, while the script waiting should
 * learn of the reboot at once. msiq_wait_exit_code then gives 1641 (or the
 * code of a job that failed or was cancelled before it, in the order
 * given); unfinished jobs count for nothing there. */
bool msiq_wait_is_over(const msiq_job *jobs, size_t count);

#endif /* MSIQ_OUTCOME_H */
