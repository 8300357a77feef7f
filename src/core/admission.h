/* admission.h: what a job must pass before it reaches the store.
 *
 * Every way in (`enqueue`, `exec`, each item of an `import` manifest) admits
 * its job once, here: the spec is validated, its package and log paths are
 * made absolute (the dispatcher runs the job later, from its own directory),
 * its package is checked to exist, and its package and log are checked to
 * lie where only administrators can change them (core/path_safety.h). The
 * store then only looks up keys and ids and inserts rows. The core does no
 * I/O, so the host services admission needs arrive through
 * msiq_admission_host: callers pass msiq_host_admission (host/host.h),
 * tests fakes.
 */
#ifndef MSIQ_ADMISSION_H
#define MSIQ_ADMISSION_H

#include "core/installer_command.h"
#include "core/job.h"
#include "core/path_safety.h"

/* The log path counted for a job that names none: the dispatcher's log
 * folder is its own choice, so the default path is reckoned as long as a
 * Windows path may usually be (MAX_PATH). */
#define MSIQ_ADMISSION_DEFAULT_LOG_PATH_LENGTH 260

typedef struct msiq_admission_host {
  /* Makes path absolute against the current directory into *absolute
   * (free() it); the file need not exist. */
  int (*absolute_path)(const char *path, char **absolute, msiq_diag *diag);
  /* True when a regular file exists at path. */
  bool (*file_exists)(const char *path);
  /* MSIQ_OK when the installer could be started with command (the
   * platform's limit on a command line), else why not; NULL: no such
   * limit is checked. */
  int (*command_check)(const msiq_installer_command *command, msiq_diag *diag);
  /* MSIQ_OK when only administrators can change what the absolute path
   * names, for its role; else a status and the reason. */
  int (*check_path)(const char *path, msiq_path_role role, msiq_diag *diag);
  /* The current time, UTC milliseconds, against which a deadline must lie
   * ahead; NULL: deadlines are not checked against the clock. */
  int64_t (*now_ms)(void);
  /* Opens the package at the absolute path read-only (as a patch when
   * patch is set) and fills *info; MSIQ_ENOT_PACKAGE when it is not a
   * Windows Installer package of that kind, another status when it cannot
   * be read. NULL: packages are not read. */
  int (*read_package)(const char *path, bool patch, msiq_package_info *info,
                      msiq_diag *diag);
} msiq_admission_host;

/* A job that passed admission, as the store takes it. */
typedef struct msiq_admission {
  /* The admitted spec, which must outlive the admission. */
  const msiq_job_spec *spec;
  /* MSIQ_OK, or why the package check refused the job (the message is in
   * refusal_diag). This refusal is the store's to deliver, not admission's:
   * an idempotency key that names an unfinished job answers that job first,
   * so a script that enqueues the same keyed job again after its share went
   * offline still gets the job it made, and only the store can look the key
   * up. With no such key the store refuses the job with this status. */
  int refusal;
  msiq_diag refusal_diag;
} msiq_admission;

/* True when the job's target is a package file: always for a patch, and
 * for an install, an uninstall or a repair unless it is a braced product
 * code, which names no file. */
bool msiq_job_target_is_package(msiq_action action, const char *target);

/* Admits one job: validates spec (msiq_job_spec_validate and, for
 * spec->stage, that there is a package file to copy now; these errors come
 * first and leave spec untouched), makes the package path (for an install,
 * a patch, or a .msi to uninstall or repair; not for a product code) and the
 * log path absolute in spec, builds what the installer will get (the
 * worker's request, whose lines have a length limit, and the msiexec-style
 * command, with a default log path of MSIQ_ADMISSION_DEFAULT_LOG_PATH_LENGTH
 * characters when the job names none) and refuses a job either fails for or
 * whose command host->command_check says the platform cannot start. Then
 * it refuses a deadline at or before host->now_ms() (the job could never
 * start; MSIQ_EINVAL, nothing is stored). Then it records the first
 * refusal in admission->refusal (MSIQ_EPACKAGE_MISSING for a package that
 * does not exist, else MSIQ_EINVAL: the input names an unsafe place):
 *   - unless spec->no_check, the package must exist and, unless it is to be
 *     staged (a copy in the queue's own folder is what runs then), lie where
 *     only administrators can change it;
 *   - a log must lie where only administrators can change it, and be a
 *     regular file if it exists.
 *   - unless spec->no_check, the package is read (host->read_package) into
 *     spec->package, and a file that is not a Windows Installer package of
 *     the action's kind (msiq_package_info_check) is refused with
 *     MSIQ_ENOT_PACKAGE.
 * Before all this, a job whose action was not given (spec->action_given)
 * and whose target ends in .msp becomes a patch.
 * Returns MSIQ_OK when the job may go to the store. */
int msiq_job_admit(msiq_job_spec *spec, const msiq_admission_host *host,
                   msiq_admission *admission, msiq_diag *diag);

/* An idempotency key answers its unfinished job only when the job asked
 * for is that job: the same action, the same package (for a staged job,
 * the package it was copied from) or product code, and the same properties
 * with the same values in the same order. Returns MSIQ_OK when spec asks
 * for existing (the key's unfinished job), else MSIQ_ESTATE with one line
 * in diag that names the key, the existing job and what differs, so a key
 * reused for another job is refused rather than silently answered with the
 * old one. Priority, times, attempts, dependencies and logs may differ:
 * they say how the job runs, not which job it is. */
int msiq_admission_check_key_reuse(const msiq_job_spec *spec,
                                   const msiq_job *existing, msiq_diag *diag);

#endif /* MSIQ_ADMISSION_H */
