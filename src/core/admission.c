/* admission.c: admitting a job before it reaches the store. See
 * admission.h. */
#include "core/admission.h"
#include "core/worker_protocol.h"

#include "core/text.h"
#include "core/timeparse.h"

#include <stdlib.h>
#include <string.h>

bool msiq_job_target_is_package(msiq_action action, const char *target) {
  /* An unpatch job names an installed product, never a file. */
  if (action == MSIQ_ACTION_UNPATCH) {
    return false;
  }
  return action == MSIQ_ACTION_PATCH || target[0] != '{';
}

/* Reads each further patch a patch job applies (its --patch files, now
 * absolute) as the target was read, into spec->package's more_patches,
 * and records the first that is not a patch as the refusal. */
static void admission_read_more_patches(msiq_job_spec *spec,
                                        const msiq_admission_host *host,
                                        msiq_admission *admission) {
  for (size_t i = 0;
       i < spec->patch_path_count && admission->refusal == MSIQ_OK; i++) {
    const char *path = spec->patch_paths[i];
    msiq_package_info info;
    msiq_package_info_init(&info);
    msiq_diag why = {{0}};
    int status = host->read_package(path, true, &info, &why);
    if (status == MSIQ_OK) {
      status = msiq_package_info_check(&info, &why);
    }
    if (status == MSIQ_OK && info.kind != MSIQ_PACKAGE_KIND_PATCH) {
      status = msiq_diag_set(&why, MSIQ_ENOT_PACKAGE, "it is a product");
    }
    /* Two files of one patch code are one patch: Windows Installer
     * applies it once, and the skip rule would ask about it twice. */
    const char *same = NULL;
    if (status == MSIQ_OK && spec->package.patch_code != NULL &&
        msiq_text_equal_ignoring_case(info.patch_code,
                                      spec->package.patch_code)) {
      same = spec->target;
    }
    for (size_t k = 0; status == MSIQ_OK && same == NULL &&
                       k < spec->package.more_patch_count;
         k++) {
      if (msiq_text_equal_ignoring_case(
              info.patch_code, spec->package.more_patches[k].patch_code)) {
        same = spec->package.more_patches[k].path;
      }
    }
    if (same != NULL) {
      char quoted_path[160];
      char quoted_same[160];
      msiq_quote_for_message(path, quoted_path, sizeof quoted_path);
      msiq_quote_for_message(same, quoted_same, sizeof quoted_same);
      admission->refusal = msiq_diag_set(
          &admission->refusal_diag, MSIQ_EUSAGE,
          "patches '%s' and '%s' are the same patch %s; name it once",
          quoted_same, quoted_path, info.patch_code);
      msiq_package_info_cleanup(&info);
      break;
    }
    if (status == MSIQ_OK && msiq_package_info_add_more_patch(
                                 &spec->package, path, &info) != MSIQ_OK) {
      status = msiq_diag_set(&why, MSIQ_ENOMEM, "out of memory");
    }
    msiq_package_info_cleanup(&info);
    if (status == MSIQ_OK) {
      continue;
    }
    char quoted[160];
    msiq_quote_for_message(path, quoted, sizeof quoted);
    admission->refusal =
        status == MSIQ_ENOT_PACKAGE
            ? msiq_diag_set(&admission->refusal_diag, MSIQ_ENOT_PACKAGE,
                            "'%s' is not a Windows Installer patch (.msp): "
                            "%s",
                            quoted, why.message)
            : msiq_diag_set(&admission->refusal_diag, status,
                            "cannot read patch '%s': %s", quoted, why.message);
  }
  if (admission->refusal != MSIQ_OK) {
    msiq_package_info_cleanup(&spec->package);
  }
}

/* Reads the package the job names into spec->package and records a file
 * that is not one as the refusal (MSIQ_ENOT_PACKAGE whatever the host's
 * own words follow). */
static void admission_read_package(msiq_job_spec *spec,
                                   const msiq_admission_host *host,
                                   msiq_admission *admission) {
  msiq_diag why = {{0}};
  bool patch = spec->action == MSIQ_ACTION_PATCH;
  int status = host->read_package(spec->target, patch, &spec->package, &why);
  if (status == MSIQ_OK) {
    status = msiq_package_info_check(&spec->package, &why);
  }
  if (status == MSIQ_OK) {
    return;
  }
  msiq_package_info_cleanup(&spec->package);
  char quoted[160];
  msiq_quote_for_message(spec->target, quoted, sizeof quoted);
  if (status == MSIQ_ENOT_PACKAGE) {
    admission->refusal =
        msiq_diag_set(&admission->refusal_diag, MSIQ_ENOT_PACKAGE,
                      "'%s' is not a Windows Installer %s: %s", quoted,
                      patch ? "patch (.msp)" : "package (.msi)", why.message);
  } else {
    admission->refusal =
        msiq_diag_set(&admission->refusal_diag, status,
                      "cannot read package '%s': %s", quoted, why.message);
  }
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
  job.log_mode = spec->log_mode;
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

/* Refuses a sequence argument that the action does not take: it would be
 * ignored, and a job that silently drops what it was told is worse than
 * none. */
static int admission_check_sequence_options(const msiq_job_spec *spec,
                                            msiq_diag *diag) {
  const char *action = msiq_action_name(spec->action);
  if (spec->transform_count > 0 && spec->action != MSIQ_ACTION_INSTALL &&
      spec->action != MSIQ_ACTION_ADVERTISE) {
    return msiq_diag_set(diag, MSIQ_EUSAGE,
                         "--transform goes only with --action install or "
                         "advertise, not %s",
                         action);
  }
  if (spec->patch_path_count > 0 && spec->action != MSIQ_ACTION_ADMIN &&
      spec->action != MSIQ_ACTION_PATCH) {
    return msiq_diag_set(diag, MSIQ_EUSAGE,
                         "--patch goes only with --action patch (more "
                         "patches applied together) or admin (patching the "
                         "image), not %s",
                         action);
  }
  /* The target counts as one of the patches a patch job applies. */
  size_t patch_count =
      spec->patch_path_count + (spec->action == MSIQ_ACTION_PATCH ? 1 : 0);
  if (patch_count > MSIQ_JOB_PATCH_COUNT_MAX) {
    return msiq_diag_set(diag, MSIQ_EUSAGE,
                         "%lu patches in one job: at most %d are applied "
                         "together",
                         (unsigned long)patch_count, MSIQ_JOB_PATCH_COUNT_MAX);
  }
  if (spec->target_dir != NULL && spec->action != MSIQ_ACTION_ADMIN) {
    return msiq_diag_set(diag, MSIQ_EUSAGE,
                         "--target-dir names an administrative image's "
                         "folder, so it goes only with --action admin, not %s",
                         action);
  }
  if (spec->language != NULL && spec->action != MSIQ_ACTION_ADVERTISE) {
    return msiq_diag_set(diag, MSIQ_EUSAGE,
                         "--language goes only with --action advertise, "
                         "not %s",
                         action);
  }
  if (spec->patch_code != NULL && spec->action != MSIQ_ACTION_UNPATCH) {
    return msiq_diag_set(diag, MSIQ_EUSAGE,
                         "--patch-code names the patch to remove, so it goes "
                         "only with --action unpatch, not %s",
                         action);
  }
  return MSIQ_OK;
}

/* Refuses a sequence argument whose property the job also sets itself:
 * Windows Installer would keep only one of the two. */
static int admission_check_not_set(const msiq_job_spec *spec,
                                   const char *option, const char *property,
                                   msiq_diag *diag) {
  if (msiq_property_value_of(spec->properties, spec->property_count,
                             property) != NULL) {
    return msiq_diag_set(diag, MSIQ_EUSAGE,
                         "%s sets the %s property, and the job already "
                         "sets %s itself",
                         option, property, property);
  }
  return MSIQ_OK;
}

/* Makes each path of a list absolute and joins them with ';' into the
 * property name (TRANSFORMS, PATCH). A path holding ';' would split. */
static int admission_add_path_list(msiq_job_spec *spec,
                                   const msiq_admission_host *host,
                                   const char *what, char **paths, size_t count,
                                   const char *name, msiq_diag *diag) {
  /* Each path and its ';' or, for the last, the terminating NUL. */
  size_t length = 1;
  for (size_t i = 0; i < count; i++) {
    if (paths[i][0] == '\0' || strchr(paths[i], ';') != NULL) {
      char quoted[160];
      msiq_quote_for_message(paths[i], quoted, sizeof quoted);
      return msiq_diag_set(diag, MSIQ_EINVAL,
                           "%s '%s' is empty or holds ';', which separates "
                           "the list Windows Installer reads",
                           what, quoted);
    }
    int status = admission_make_path_absolute(host, what, &paths[i], diag);
    if (status != MSIQ_OK) {
      return status;
    }
    length += strlen(paths[i]) + 1;
  }
  char *joined = malloc(length);
  if (joined == NULL) {
    return msiq_diag_set(diag, MSIQ_ENOMEM, "out of memory");
  }
  joined[0] = '\0';
  for (size_t i = 0; i < count; i++) {
    if (i > 0) {
      strcat(joined, ";");
    }
    strcat(joined, paths[i]);
  }
  int status = msiq_job_spec_add_property(spec, name, joined, diag);
  free(joined);
  return status;
}

/* `--patch-code FIX.msp`: the patch code is read from the patch itself
 * (its summary's Revision Number, core/package_info.h), so an
 * administrator can name the patch they applied by its file. Only the
 * code is kept: the file is read now and never run, so where it lies does
 * not matter. A file that is missing or is not a patch is refused like a
 * package (exit 2), and so is one when the host cannot read packages. */
static int admission_read_patch_code(msiq_job_spec *spec,
                                     const msiq_admission_host *host,
                                     msiq_diag *diag) {
  int status =
      admission_make_path_absolute(host, "patch", &spec->patch_code, diag);
  if (status != MSIQ_OK) {
    return status;
  }
  char quoted[160];
  msiq_quote_for_message(spec->patch_code, quoted, sizeof quoted);
  if (!host->file_exists(spec->patch_code)) {
    return msiq_diag_set(diag, MSIQ_EPACKAGE_MISSING,
                         "patch '%s' does not exist (--patch-code takes a "
                         "patch code or the .msp to read it from)",
                         quoted);
  }
  if (host->read_package == NULL) {
    return msiq_diag_set(diag, MSIQ_EUSAGE,
                         "cannot read patch '%s' here: give its patch code",
                         quoted);
  }
  msiq_package_info info;
  memset(&info, 0, sizeof info);
  msiq_diag why = {{0}};
  status = host->read_package(spec->patch_code, true, &info, &why);
  if (status == MSIQ_OK) {
    status = msiq_package_info_check(&info, &why);
  }
  if (status == MSIQ_OK &&
      (info.kind != MSIQ_PACKAGE_KIND_PATCH || info.patch_code == NULL)) {
    status = msiq_diag_set(&why, MSIQ_ENOT_PACKAGE, "it names no patch code");
  }
  if (status == MSIQ_OK) {
    status = msiq_job_spec_set_patch_code(spec, info.patch_code);
    if (status != MSIQ_OK) {
      status = msiq_diag_set(diag, MSIQ_ENOMEM, "out of memory");
    }
  } else if (status == MSIQ_ENOT_PACKAGE) {
    status = msiq_diag_set(diag, MSIQ_ENOT_PACKAGE,
                           "'%s' is not a Windows Installer patch (.msp): %s",
                           quoted, why.message);
  } else {
    status = msiq_diag_set(diag, status, "cannot read patch '%s': %s", quoted,
                           why.message);
  }
  msiq_package_info_cleanup(&info);
  return status;
}

/* Refuses a patch job that names one patch twice (its target among
 * them): Windows Installer would apply it once, and the job's history
 * would say otherwise. Paths are compared as Windows compares names, in
 * any case; the target is made absolute for the comparison only, as it is
 * later for the job. */
static int admission_check_patches_differ(const msiq_job_spec *spec,
                                          const msiq_admission_host *host,
                                          msiq_diag *diag) {
  char *target = NULL;
  int status = host->absolute_path(spec->target, &target, diag);
  if (status != MSIQ_OK) {
    return status;
  }
  for (size_t i = 0; i < spec->patch_path_count && status == MSIQ_OK; i++) {
    const char *path = spec->patch_paths[i];
    bool twice = msiq_text_equal_ignoring_case(path, target);
    for (size_t k = 0; k < i && !twice; k++) {
      twice = msiq_text_equal_ignoring_case(path, spec->patch_paths[k]);
    }
    if (twice) {
      char quoted[160];
      msiq_quote_for_message(path, quoted, sizeof quoted);
      status = msiq_diag_set(diag, MSIQ_EUSAGE,
                             "patch '%s' is named twice in one job", quoted);
    }
  }
  free(target);
  return status;
}

/* Turns the sequences' own arguments (job.h) into their properties:
 * transforms and an image's patches made absolute, a language as given;
 * and an administrative image's folder, from --target-dir or the job's
 * own TARGETDIR, made absolute (the dispatcher runs from its own
 * directory). The lists stay in spec until the files are checked. */
static int admission_add_sequence_properties(msiq_job_spec *spec,
                                             const msiq_admission_host *host,
                                             msiq_diag *diag) {
  int status = admission_check_sequence_options(spec, diag);
  if (status == MSIQ_OK && spec->transform_count > 0) {
    status = admission_check_not_set(spec, "--transform",
                                     MSIQ_TRANSFORMS_PROPERTY, diag);
    if (status == MSIQ_OK) {
      status = admission_add_path_list(spec, host, "transform",
                                       spec->transforms, spec->transform_count,
                                       MSIQ_TRANSFORMS_PROPERTY, diag);
    }
  }
  if (status == MSIQ_OK && spec->patch_path_count > 0) {
    status =
        admission_check_not_set(spec, "--patch", MSIQ_PATCH_PROPERTY, diag);
    if (status == MSIQ_OK) {
      status = admission_add_path_list(spec, host, "patch", spec->patch_paths,
                                       spec->patch_path_count,
                                       MSIQ_PATCH_PROPERTY, diag);
    }
    if (status == MSIQ_OK && spec->action == MSIQ_ACTION_PATCH) {
      status = admission_check_patches_differ(spec, host, diag);
    }
  }
  if (status == MSIQ_OK && spec->target_dir != NULL) {
    status = admission_check_not_set(spec, "--target-dir",
                                     MSIQ_TARGETDIR_PROPERTY, diag);
    if (status == MSIQ_OK) {
      status = msiq_job_spec_add_property(spec, MSIQ_TARGETDIR_PROPERTY,
                                          spec->target_dir, diag);
    }
  }
  if (status == MSIQ_OK && spec->language != NULL) {
    status = admission_check_not_set(spec, "--language", MSIQ_LANGUAGE_PROPERTY,
                                     diag);
    if (status == MSIQ_OK) {
      status = msiq_job_spec_add_property(spec, MSIQ_LANGUAGE_PROPERTY,
                                          spec->language, diag);
    }
  }
  /* The patch code is checked with the job's other properties
   * (msiq_job_spec_validate), so --patch-code and MSIPATCHREMOVE=... are
   * judged alike. */
  if (status == MSIQ_OK && spec->patch_code != NULL) {
    status = admission_check_not_set(spec, "--patch-code",
                                     MSIQ_PATCHREMOVE_PROPERTY, diag);
    if (status == MSIQ_OK && msiq_package_path_is_patch(spec->patch_code)) {
      status = admission_read_patch_code(spec, host, diag);
    }
    if (status == MSIQ_OK) {
      status = msiq_job_spec_add_property(spec, MSIQ_PATCHREMOVE_PROPERTY,
                                          spec->patch_code, diag);
    }
  }
  if (status != MSIQ_OK || spec->action != MSIQ_ACTION_ADMIN) {
    return status;
  }
  for (size_t i = 0; i < spec->property_count; i++) {
    msiq_property *property = &spec->properties[i];
    if (strcmp(property->name, MSIQ_TARGETDIR_PROPERTY) == 0 &&
        property->value[0] != '\0') {
      return admission_make_path_absolute(host, "target folder",
                                          &property->value, diag);
    }
  }
  return MSIQ_OK;
}

/* Records the first transform or further patch that does not exist, or
 * (unless the job is staged) lies where others could change it, as the
 * job's refusal: like the package, each is read by the installer as
 * SYSTEM. */
static void admission_check_sequence_files(const msiq_job_spec *spec,
                                           const msiq_admission_host *host,
                                           msiq_admission *admission) {
  for (int list = 0; list < 2; list++) {
    char **paths = list == 0 ? spec->transforms : spec->patch_paths;
    size_t count = list == 0 ? spec->transform_count : spec->patch_path_count;
    const char *what = list == 0 ? "transform" : "patch";
    for (size_t i = 0; i < count && admission->refusal == MSIQ_OK; i++) {
      if (!host->file_exists(paths[i])) {
        admission->refusal = msiq_diag_set(
            &admission->refusal_diag, MSIQ_EPACKAGE_MISSING,
            "%s '%s' does not exist (use --no-check for a share that is "
            "offline now)",
            what, paths[i]);
      } else if (!spec->stage &&
                 host->check_path(paths[i], MSIQ_PATH_ROLE_PACKAGE,
                                  &admission->refusal_diag) != MSIQ_OK) {
        /* A staged job runs copies of these too (enqueue --stage), so
         * where they come from does not matter. */
        admission->refusal = MSIQ_EINVAL;
      }
    }
  }
}

/* Records why the host refused path as a refusal of the job: bad input,
 * whatever the host's own status was. */
static void admission_check_path(const msiq_admission_host *host,
                                 const char *path, msiq_path_role role,
                                 msiq_admission *admission) {
  if (host->check_path(path, role, &admission->refusal_diag) != MSIQ_OK) {
    admission->refusal = MSIQ_EINVAL;
  }
}

int msiq_job_admit(msiq_job_spec *spec, const msiq_admission_host *host,
                   msiq_admission *admission, msiq_diag *diag) {
  memset(admission, 0, sizeof *admission);
  admission->refusal = MSIQ_OK;
  /* A patch is applied, whatever the default action: `enqueue fix.msp`
   * means what it says. */
  if (!spec->action_given && spec->target != NULL &&
      msiq_package_path_is_patch(spec->target)) {
    spec->action = MSIQ_ACTION_PATCH;
  }
  int status = MSIQ_OK;
  if (spec->reinstall) {
    status = msiq_job_spec_add_reinstall(spec, diag);
    /* Once: a spec admitted again (a rehearsal) keeps its properties. */
    spec->reinstall = false;
  }
  if (status == MSIQ_OK) {
    status = admission_add_sequence_properties(spec, host, diag);
  }
  if (status == MSIQ_OK) {
    status = msiq_job_spec_validate(spec, diag);
  }
  if (status != MSIQ_OK) {
    return status;
  }
  /* A deadline already past would fail the job at the dispatcher's next
   * check without a try: the caller meant another time. */
  if (host->now_ms != NULL && spec->deadline != MSIQ_TIME_UNSET) {
    int64_t now = host->now_ms();
    if (spec->deadline <= now) {
      char deadline_text[40];
      char now_text[40];
      msiq_time_format_local(spec->deadline, deadline_text,
                             sizeof deadline_text);
      msiq_time_format_local(now, now_text, sizeof now_text);
      return msiq_diag_set(diag, MSIQ_EINVAL,
                           "deadline %s has already passed (it is %s now)",
                           deadline_text, now_text);
    }
  }
  bool is_package = msiq_job_target_is_package(spec->action, spec->target);
  if (spec->stage && !is_package) {
    return msiq_diag_set(diag, MSIQ_EUSAGE,
                         "--stage copies a package file, and '%s' is a "
                         "product code",
                         spec->target);
  }
  if (spec->stage && spec->no_check) {
    return msiq_diag_set(diag, MSIQ_EUSAGE,
                         "--stage copies the package now, so it cannot go "
                         "with --no-check");
  }
  /* The dispatcher runs jobs later and from its own directory, so relative
   * package and log paths are anchored to the enqueuer's directory now. */
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
        msiq_diag_set(&admission->refusal_diag, MSIQ_EPACKAGE_MISSING,
                      "package '%s' does not exist (use --no-check for a "
                      "share that is offline now)",
                      spec->target);
  }
  if (admission->refusal == MSIQ_OK && !spec->no_check) {
    admission_check_sequence_files(spec, host, admission);
  }
  if (admission->refusal == MSIQ_OK && is_package && !spec->no_check &&
      host->read_package != NULL) {
    admission_read_package(spec, host, admission);
    if (spec->action == MSIQ_ACTION_PATCH) {
      admission_read_more_patches(spec, host, admission);
    }
  }
  msiq_job_spec_forget_sequence_arguments(spec);
  /* A staged package runs from the copy, so where it comes from does not
   * matter; any other package is what SYSTEM will run. */
  if (admission->refusal == MSIQ_OK && is_package && !spec->no_check &&
      !spec->stage) {
    admission_check_path(host, spec->target, MSIQ_PATH_ROLE_PACKAGE, admission);
  }
  if (admission->refusal == MSIQ_OK && spec->log_path != NULL) {
    admission_check_path(host, spec->log_path, MSIQ_PATH_ROLE_LOG, admission);
  }
  admission->spec = spec;
  return MSIQ_OK;
}

/* What a job installs from: the package it was staged from, else its
 * target. */
static const char *admission_job_source(const char *target,
                                        const char *package_source) {
  return package_source != NULL ? package_source : target;
}

int msiq_admission_check_key_reuse(const msiq_job_spec *spec,
                                   const msiq_job *existing, msiq_diag *diag) {
  long long id = (long long)existing->id;
  const char *key = spec->key != NULL ? spec->key : "";
  char wanted[160];
  char held[160];
  if (spec->action != existing->action) {
    return msiq_diag_set(diag, MSIQ_ESTATE,
                         "key '%s' already names unfinished job %lld, which "
                         "is to %s, not %s; use another key or cancel job "
                         "%lld",
                         key, id, msiq_action_name(existing->action),
                         msiq_action_name(spec->action), id);
  }
  if (spec->related != existing->related) {
    return msiq_diag_set(diag, MSIQ_ESTATE,
                         "key '%s' already names unfinished job %lld, which "
                         "removes %s; use another key or cancel job %lld",
                         key, id,
                         existing->related ? "every product of an UpgradeCode"
                                           : "one product",
                         id);
  }
  const char *spec_source =
      admission_job_source(spec->target, spec->package_source);
  const char *job_source =
      admission_job_source(existing->target, existing->package_source);
  if (strcmp(spec_source, job_source) != 0) {
    msiq_quote_for_message(spec_source, wanted, sizeof wanted);
    msiq_quote_for_message(job_source, held, sizeof held);
    return msiq_diag_set(diag, MSIQ_ESTATE,
                         "key '%s' already names unfinished job %lld, whose "
                         "target is '%s', not '%s'; use another key or "
                         "cancel job %lld",
                         key, id, held, wanted, id);
  }
  bool same = spec->property_count == existing->property_count;
  for (size_t i = 0; same && i < spec->property_count; i++) {
    same =
        strcmp(spec->properties[i].name, existing->properties[i].name) == 0 &&
        strcmp(spec->properties[i].value, existing->properties[i].value) == 0;
  }
  if (!same) {
    return msiq_diag_set(diag, MSIQ_ESTATE,
                         "key '%s' already names unfinished job %lld, whose "
                         "properties differ (see 'msiq show %lld'); use "
                         "another key or cancel job %lld",
                         key, id, id, id);
  }
  return MSIQ_OK;
}
