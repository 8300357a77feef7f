/* decision.h: what becomes of a job when an attempt ends, and the texts
 * that say so.
 *
 * The dispatcher gathers the facts (the job, how the installer ended, the
 * clock, a random fraction, the boot time, the log excerpt) and stores and
 * reports the decision; everything in between is here, as plain functions
 * of plain inputs, so that each rule can be tested without a loop, a
 * database or an installer.
 *
 * Adding an exit-code rule does not start here: add one row to the table
 * in outcome.c and its expected row to tests/test_outcome.c (see
 * outcome.h). This file only turns the verdict into a new state, a retry
 * time and the history texts.
 */
#ifndef MSIQ_DECISION_H
#define MSIQ_DECISION_H

#include "core/job.h"
#include "core/outcome.h"

/* How an attempt ended. */
typedef enum msiq_attempt_ending {
  MSIQ_ATTEMPT_EXITED,    /* the installer exited on its own */
  MSIQ_ATTEMPT_TIMED_OUT, /* stopped when its time limit passed */
  MSIQ_ATTEMPT_CANCELLED, /* stopped by `cancel --force` while running */
} msiq_attempt_ending;

/* How an installer that msiq stopped (timed out or cancelled) ended. */
typedef enum msiq_stop_method {
  /* It speaks no worker protocol, so it could not be asked to cancel: its
   * process tree was ended at once. */
  MSIQ_STOP_TREE_AT_ONCE,
  /* The worker was sent `cancel` and ended by itself within the cancel
   * grace (Windows Installer rolls back and the API returns 1602). */
  MSIQ_STOP_WORKER_ENDED,
  /* The worker was sent `cancel` but had not ended when the cancel grace
   * ran out: its process tree was ended. */
  MSIQ_STOP_TREE_AFTER_GRACE,
} msiq_stop_method;

/* An error record a worker reported: Windows Installer's error or
 * fatal-exit message, formatted in the machine's language, and the action
 * that was running. */
typedef struct msiq_worker_error {
  int64_t number;
  const char *text;
  const char *action; /* NULL or "" when none was running */
} msiq_worker_error;

/* When a retry verdict leads to another attempt. */
typedef struct msiq_retry_policy {
  msiq_backoff backoff;
  /* No further attempt once this long has passed since the first start. */
  int64_t give_up_after_ms;
} msiq_retry_policy;

/* Everything the decision depends on; times are UTC milliseconds. */
typedef struct msiq_attempt_facts {
  int64_t job_id;
  msiq_action action;
  const msiq_exit_code_rule *exit_code_rules;
  size_t exit_code_rule_count;
  /* Attempts before this one, and the job's limit. */
  int64_t attempts_before;
  int64_t max_attempts;
  /* When the job's first attempt started; MSIQ_TIME_UNSET when this
   * attempt is the first, whose start then counts. */
  int64_t first_started_at;
  int64_t started_at;
  int64_t finished_at;
  msiq_attempt_ending ending;
  int64_t exit_code;  /* the process's exit code */
  int64_t timeout_ms; /* with MSIQ_ATTEMPT_TIMED_OUT: the limit that passed */
  /* With MSIQ_ATTEMPT_TIMED_OUT and MSIQ_ATTEMPT_CANCELLED. */
  msiq_stop_method stop_method;
  int64_t cancel_grace_ms; /* with MSIQ_STOP_TREE_AFTER_GRACE */
  /* The installer said `hello`: it is a worker that speaks the protocol. A
   * worker's `result` (the Windows Installer API's return code) is judged
   * instead of its exit code; a worker that ends without one failed. */
  bool speaks_protocol;
  bool has_result;
  int64_t result;
  /* The worker's last error record and files-in-use report, or NULL; they
   * explain an attempt that did not succeed. */
  const msiq_worker_error *error;
  const char *files_in_use;
  msiq_retry_policy retry;
  /* In [0, 1): the jitter of the backoff delay. */
  double random_fraction;
  /* The machine's boot time now, recorded when a 1641 pauses the queue so
   * that the queue resumes once the boot time changes. */
  int64_t boot_time;
  /* The verbose log's lines around the failure, or NULL; only used when
   * msiq_attempt_wants_log_excerpt() says so. */
  const char *log_excerpt;
  /* The operating system's message for msiq_attempt_code(facts) (the
   * host's msiq_host_exit_code_message), or NULL: it names a code the
   * exit-code table does not know in the texts ("exit code 5 (Access is
   * denied)"). */
  const char *exit_code_message;
  /* With an install: the version of the job's product that was installed
   * when the attempt started (the dispatcher asked, for the skip rules
   * below), or NULL when none was or nobody could tell. A 1638 ("another
   * version of this product is already installed") names it. */
  const char *installed_version;
} msiq_attempt_facts;

/* The code an attempt is judged by: a worker's `result` (the Windows
 * Installer API's return code), else the process's exit code. */
int64_t msiq_attempt_code(const msiq_attempt_facts *facts);

/* The whole decision, with the texts in buffers of their own (the sizes
 * bound what the history keeps). */
typedef struct msiq_attempt_decision {
  /* For the attempt's history row: succeeded, reboot, retry, failed,
   * timed_out or cancelled (a static string). */
  const char *attempt_outcome;
  /* succeeded, failed, retrying or cancelled */
  msiq_state new_state;
  /* With retrying: when the next attempt may start; else MSIQ_TIME_UNSET. */
  int64_t retry_at;
  /* False when the installer was stopped: its exit code means nothing. */
  bool has_exit_code;
  /* With has_exit_code: the code to record (a worker's result, else the
   * exit code). */
  int64_t exit_code;
  bool reboot_required;
  /* The installer started a reboot: pause the queue until the boot time
   * differs from boot_time. */
  bool pause_queue;
  int64_t boot_time; /* with pause_queue; else 0 */
  /* One line for the history ("exit code 0 (ERROR_SUCCESS): success"). */
  char message[768];
  /* Why the job did not succeed, with any log lines; empty on success. */
  char last_error[2048];
  /* With pause_queue: the reason the queue shows; else empty. */
  char pause_reason[256];
} msiq_attempt_decision;

/* True when the decision for these facts would show the verbose log's
 * failure excerpt, so that the caller reads the log only then. */
bool msiq_attempt_wants_log_excerpt(const msiq_attempt_facts *facts);

/* Decides what becomes of the job: judges the exit code (job rules first,
 * then the default table), spends the retry budget (attempts and
 * give-up-after), and writes the texts. A worker's error record, when the
 * attempt failed, becomes the message ("error 1722 in action CA_Run:
 * ...") and the first line of last_error, above the exit code and any log
 * lines, so that the reason never depends on the log's language. */
void msiq_attempt_decide(const msiq_attempt_facts *facts,
                         msiq_attempt_decision *decision);

/* The operating-system events msiq reports for a job. */
typedef enum msiq_job_event_kind {
  MSIQ_JOB_EVENT_STARTED,
  MSIQ_JOB_EVENT_SUCCEEDED,
  MSIQ_JOB_EVENT_FAILED,
  MSIQ_JOB_EVENT_CANCELLED,
} msiq_job_event_kind;

typedef struct msiq_job_event {
  msiq_job_event_kind kind;
  int64_t job_id;
  const char *action; /* "install" */
  const char *target;
  /* With started and succeeded. */
  int64_t attempt_number;
  /* With succeeded: the history message; with failed and cancelled: why. */
  const char *detail;
  /* With succeeded. */
  bool reboot_required;
} msiq_job_event;

/* Writes the event's text ("msiq job 3 failed: install C:\a.msi: ...")
 * into buffer, truncated to size. */
void msiq_job_event_format(const msiq_job_event *event, char *buffer,
                           size_t size);

/* The event ids msiq writes to the Application event log, one per kind of
 * event. msiq.exe carries a message table for exactly these
 * (src/host/win/msiq_events.mc), and docs/windows.md lists them. They are
 * kept clear of the ids Windows' own sources use where admins filter:
 * MsiInstaller (1001-1042, 10000-11999), Application Error and Windows
 * Error Reporting (1000-1002), the Service Control Manager (7000-7045), the
 * event log itself (6005-6013) and the Security log (4608-6424, which
 * starts at 4xxx). */
typedef enum msiq_event_id {
  MSIQ_EVENT_ID_DISPATCHER_STARTED = 3100,
  MSIQ_EVENT_ID_DISPATCHER_STOPPED = 3101,
  MSIQ_EVENT_ID_JOB_STARTED = 3110,
  MSIQ_EVENT_ID_JOB_SUCCEEDED = 3111,
  MSIQ_EVENT_ID_JOB_SUCCEEDED_REBOOT_REQUIRED = 3112,
  MSIQ_EVENT_ID_JOB_FAILED = 3113,
  MSIQ_EVENT_ID_JOB_CANCELLED = 3114,
  MSIQ_EVENT_ID_QUEUE_PAUSED_REBOOT = 3115,
  MSIQ_EVENT_ID_QUEUE_ERROR = 3190,
} msiq_event_id;

/* The id of a job event: started, succeeded (or succeeded with a reboot
 * required), failed or cancelled. */
msiq_event_id msiq_job_event_id(const msiq_job_event *event);

/* Skipping what is already done.
 *
 * Right before a job's installer would start (after the gate), the
 * dispatcher asks the machine about the job's product and lets this
 * decide whether running it would change anything:
 *   - an install whose package's ProductCode is installed at the package's
 *     ProductVersion succeeds as "already installed (version V), not run",
 *     unless the job sets REINSTALL (`enqueue --reinstall`), which asks
 *     Windows Installer to install it again;
 *   - an uninstall of a product that is not installed (the product code it
 *     names, or its package's ProductCode) succeeds as "not installed, not
 *     run".
 * Such a job gets an attempt with that message and no exit code; the
 * installer never starts. Anything else runs. */

/* The product code the machine is asked about for this job, or NULL when
 * no skip rule applies to it (another action, or nothing known about the
 * package). */
const char *msiq_job_skip_product_code(const msiq_job *job);

/* True when the job sets the REINSTALL property. */
bool msiq_job_asks_reinstall(const msiq_job *job);

/* True when two product versions are the same: their dot-separated fields
 * compared as numbers ("1.02.0" is "1.2.0"; a missing field counts as 0),
 * or, when either is not such a version, compared as text. */
bool msiq_product_version_equal(const char *a, const char *b);

/* Decides whether the job is already done, given what the machine says
 * about msiq_job_skip_product_code(job): installed_version is its version,
 * NULL when it is not installed. True, with the history message in
 * message, when the job succeeds without running. */
bool msiq_job_skip_decide(const msiq_job *job, const char *installed_version,
                          char *message, size_t size);

/* Patches that are already applied, or that apply to nothing here.
 *
 * Right before a patch job's installer would start, the dispatcher asks
 * the machine about each product the job's patches target (their
 * metadata, read at enqueue: the target's, then each further patch's of
 * `--patch`): whether it is installed, at which version, and whether that
 * patch is applied to it. Then:
 *   - when every patch is applied to every target of it that is installed,
 *     and at least one target is installed, the job succeeds as "already
 *     applied to {CODE} (version V), not run", every such product named
 *     once; a further patch none of whose targets is installed is named
 *     after it ("; {PATCH} applies to no installed product"), since running
 *     the job would change nothing for it either;
 *   - when no target of any of the patches is installed, the job fails
 *     before running with "no installed product this patch applies to"
 *     ("these patches apply to" for several), and is not retried: nothing
 *     a retry could change is missing but the product itself;
 *   - anything else runs (Windows Installer applies each patch to the
 *     installed targets that lack it).
 * A job whose patches were not all read (`--no-check`, a PATCH property
 * given by hand) runs as before. */

/* The longest product code: a braced GUID, 38 characters. */
#define MSIQ_PRODUCT_CODE_SIZE 39

/* What the machine says about one product a patch targets. */
typedef struct msiq_patch_target_state {
  /* The patch asked about (one of the job's), and the product. */
  const char *patch_code;
  const char *product_code;
  /* The installed product's version ("" when Windows Installer will not
   * tell), or NULL when the product is not installed. */
  const char *installed_version;
  /* This patch is applied to the installed product. */
  bool patch_applied;
} msiq_patch_target_state;

typedef enum msiq_patch_verdict {
  MSIQ_PATCH_RUN,             /* start the installer */
  MSIQ_PATCH_ALREADY_APPLIED, /* succeed without running */
  MSIQ_PATCH_NO_TARGET,       /* fail without running, no retry */
} msiq_patch_verdict;

/* True when the patch rules apply to the job: a patch job whose patches'
 * codes and target product codes are all known (its target's and one
 * further patch read for each path in its PATCH property). */
bool msiq_job_patch_checkable(const msiq_job *job);

/* The index-th patch a patch job applies (0: its target's package, then
 * each further patch of `--patch` in order): its code and its target list
 * into *patch_code and *patch_targets (NULL when unknown); false past the
 * last. */
bool msiq_job_patch_metadata(const msiq_job *job, size_t index,
                             const char **patch_code,
                             const char **patch_targets);

/* Walks a patch's target list (product codes separated by ';', as the
 * package's summary Template names them): copies the code at cursor into
 * code (cut to size) and returns where the next one starts, or NULL when
 * there is none left. Empty entries are skipped. */
const char *msiq_patch_targets_next(const char *cursor, char *code,
                                    size_t size);

/* Decides what becomes of a patch job, given what the machine says about
 * each target of each of its patches (count of them, every pair once, a
 * patch's pairs next to each other); the history message, or the failure,
 * in message. */
msiq_patch_verdict
msiq_patch_skip_decide(const msiq_job *job,
                       const msiq_patch_target_state *targets, size_t count,
                       char *message, size_t size);

/* Removing a patch that is not there.
 *
 * Right before an unpatch job's installer would start, the dispatcher asks
 * the machine whether the product the job names is installed and whether
 * the patch it removes is applied to it. When it is not (or the product is
 * not installed at all), there is nothing to remove: the job succeeds as
 * "patch {P} is not applied to {PRODUCT}, not run", the way an uninstall
 * of an absent product does, so that a removal run twice, or after the
 * product went, leaves a clean history. Otherwise it runs. */

/* The patch code an unpatch job removes (its MSIPATCHREMOVE property), or
 * NULL for any other job. */
const char *msiq_job_unpatch_patch_code(const msiq_job *job);

/* Decides whether an unpatch job is already done, given whether its
 * product is installed and the patch applied to it. True, with the
 * history message in message, when the job succeeds without running. */
bool msiq_unpatch_skip_decide(const msiq_job *job, bool product_installed,
                              bool patch_applied, char *message, size_t size);

/* Removing every product of an UpgradeCode.
 *
 * Right before a related uninstall (`--related`) would start, the
 * dispatcher asks the machine which products are installed with the
 * job's UpgradeCode (its target). When none is, there is nothing to
 * remove: the job succeeds as "no product with upgrade code {U} is
 * installed, not run", as an uninstall of an absent product does.
 * Otherwise the worker removes each of them. installed_codes holds the
 * product codes found, separated by ';' (NULL or "" for none). True, with
 * the history message in message, when the job succeeds without running. */
bool msiq_related_skip_decide(const msiq_job *job, const char *installed_codes,
                              char *message, size_t size);

#endif /* MSIQ_DECISION_H */
