/* admission.c: admitting a job before it reaches the store. See
 * admission.h. */
#include "core/admission.h"
#include "core/worker_protocol.h"

#include "core/text.h"

#include <stdlib.h>
#include <string.h>

/* An install or a patch always names a package; an uninstall or a repair
 * names either a .msi package or a braced product code, which is no file. */
static bool admission_target_is_package(const msiq_job_spec *spec) {
  return spec->action == MSIQ_ACTION_INSTALL ||
         spec->action == MSIQ_ACTION_PATCH || spec->target[0] != '{';
}

static int admission_make_path_absolute(const msiq_admission_host *host,
                                        const char *what, char **path,
                                        msiq_diag *diag) {
  char *absolute = NULL;
  int status = host->absolute_path(*path, &absolute, diag);
  if (status != MSIQ_OK) {
    return status;
  }
  free(*path);
  *path = absolute;
  /* The path was checked; the current directory in front of it was not
   * (a POSIX directory name may be any bytes). */
  if (!msiq_text_is_utf8(absolute)) {
    char quoted[160];
    msiq_quote_for_message(absolute, quoted, sizeof quoted);
    return msiq_diag_set(diag, MSIQ_EINVAL,
                         "%s '%s' is not valid UTF-8 (the current "
                         "directory's name is not)",
                         what, quoted);
  }
  return MSIQ_OK;
}

/* Builds what the installer will get for spec, as the dispatcher builds it
 * at start: the worker's request on its standard input (each line at most
 * MSIQ_WORKER_LINE_MAX bytes, which every installer gets) and the
 * msiexec-style command (installer_command.c), which the host says the
 * platform can start or not. A job that fails either would fail at every
 * start. The job is a view of the spec's fields: it owns nothing and is
 * not cleaned up. */
static int admission_check_command(const msiq_job_spec *spec,
                                   const msiq_admission_host *host,
                                   msiq_diag *diag) {
  char default_log[MSIQ_ADMISSION_DEFAULT_LOG_PATH_LENGTH + 1];
  memset(default_log, 'L', MSIQ_ADMISSION_DEFAULT_LOG_PATH_LENGTH);
  default_log[MSIQ_ADMISSION_DEFAULT_LOG_PATH_LENGTH] = '\0';
  msiq_job job;
  msiq_job_init(&job);
  job.action = spec->action;
  job.target = spec->target;
  job.properties = spec->properties;
  job.property_count = spec->property_count;
  const char *log_path = spec->log_path != NULL ? spec->log_path : default_log;
  char *request = NULL;
  size_t request_length = 0;
  int status = msiq_worker_request_build(&job, log_path, &request,
                                         &request_length, NULL, diag);
  free(request);
  if (status != MSIQ_OK || host->command_check == NULL) {
    return status;
  }
  msiq_installer_command command;
  msiq_installer_command_init(&command);
  status = msiq_installer_command_build(&job, log_path, &command, diag);
  if (status == MSIQ_OK) {
    status = host->command_check(&command, diag);
  }
  msiq_installer_command_cleanup(&command);
  return status;
}

int msiq_job_admit(msiq_job_spec *spec, const msiq_admission_host *host,
                   msiq_admission *admission, msiq_diag *diag) {
  memset(admission, 0, sizeof *admission);
  admission->refusal = MSIQ_OK;
  int status = msiq_job_spec_validate(spec, diag);
  if (status != MSIQ_OK) {
    return status;
  }
  /* The dispatcher runs jobs later and from its own directory, so relative
   * package and log paths are anchored to the enqueuer's directory now. */
  bool is_package = admission_target_is_package(spec);
  if (is_package) {
    status =
        admission_make_path_absolute(host, "package path", &spec->target, diag);
  }
  if (status == MSIQ_OK && spec->log_path != NULL) {
    status =
        admission_make_path_absolute(host, "log path", &spec->log_path, diag);
  }
  if (status == MSIQ_OK) {
    status = admission_check_command(spec, host, diag);
  }
  if (status != MSIQ_OK) {
    return status;
  }
  if (is_package && !spec->no_check && !host->file_exists(spec->target)) {
    admission->refusal =
        msiq_diag_set(&admission->refusal_diag, MSIQ_EINVAL,
                      "package '%s' does not exist (use --no-check for a "
                      "share that is offline now)",
                      spec->target);
  }
  admission->spec = spec;
  return MSIQ_OK;
}
