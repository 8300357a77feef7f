/* tool_cmd_enqueue.c: `msiq enqueue`, add one job to the queue. */
#include "cli/tool.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/admission.h"
#include "core/text.h"
#include "host/host.h"

/* What the command line asked for: the job itself, and what to do once it
 * is queued. */
typedef struct enqueue_options {
  msiq_job_spec spec;
  /* Copied into the spec by enqueue_check(), in this order. */
  tool_strings after;
  const char *key;
  const char *log_path;
  const char *log_mode;
  tool_strings exit_codes;
  bool wait;
  int64_t wait_timeout_ms;
  /* The job as admitted by enqueue_check(); the rehearsal and the real
   * enqueue both store this admission. */
  msiq_admission admission;
} enqueue_options;

static int enqueue_parse_action(void *state, const char *value,
                                msiq_diag *diag) {
  enqueue_options *options = state;
  if (msiq_action_parse(value, &options->spec.action) != MSIQ_OK) {
    return msiq_diag_set(diag, MSIQ_EINVAL,
                         "unknown action '%s' (use " MSIQ_ACTION_CHOICES ")",
                         value);
  }
  options->spec.action_given = true;
  return MSIQ_OK;
}

/* The sequences' own arguments go into the spec as given; admission checks
 * them against the action (core/admission.c). */
static int enqueue_parse_transform(void *state, const char *value,
                                   msiq_diag *diag) {
  if (msiq_job_spec_add_transform(&((enqueue_options *)state)->spec, value) !=
      MSIQ_OK) {
    return msiq_diag_set(diag, MSIQ_ENOMEM, "out of memory");
  }
  return MSIQ_OK;
}

static int enqueue_parse_patch(void *state, const char *value,
                               msiq_diag *diag) {
  if (msiq_job_spec_add_patch_path(&((enqueue_options *)state)->spec, value) !=
      MSIQ_OK) {
    return msiq_diag_set(diag, MSIQ_ENOMEM, "out of memory");
  }
  return MSIQ_OK;
}

static int enqueue_parse_target_dir(void *state, const char *value,
                                    msiq_diag *diag) {
  if (msiq_job_spec_set_target_dir(&((enqueue_options *)state)->spec, value) !=
      MSIQ_OK) {
    return msiq_diag_set(diag, MSIQ_ENOMEM, "out of memory");
  }
  return MSIQ_OK;
}

static int enqueue_parse_language(void *state, const char *value,
                                  msiq_diag *diag) {
  if (msiq_job_spec_set_language(&((enqueue_options *)state)->spec, value) !=
      MSIQ_OK) {
    return msiq_diag_set(diag, MSIQ_ENOMEM, "out of memory");
  }
  return MSIQ_OK;
}

static int enqueue_parse_patch_code(void *state, const char *value,
                                    msiq_diag *diag) {
  if (msiq_job_spec_set_patch_code(&((enqueue_options *)state)->spec, value) !=
      MSIQ_OK) {
    return msiq_diag_set(diag, MSIQ_ENOMEM, "out of memory");
  }
  return MSIQ_OK;
}

static const tool_option enqueue_option_table[] = {
    {"action", 'a', TOOL_OPTION_CUSTOM, 0, enqueue_parse_action},
    {"priority", 'p', TOOL_OPTION_INTEGER,
     offsetof(enqueue_options, spec.priority), NULL},
    {"not-before", 0, TOOL_OPTION_TIME,
     offsetof(enqueue_options, spec.not_before), NULL},
    {"deadline", 0, TOOL_OPTION_TIME, offsetof(enqueue_options, spec.deadline),
     NULL},
    {"max-attempts", 0, TOOL_OPTION_INTEGER,
     offsetof(enqueue_options, spec.max_attempts), NULL},
    {"timeout", 0, TOOL_OPTION_DURATION,
     offsetof(enqueue_options, spec.timeout_ms), NULL},
    {"after", 0, TOOL_OPTION_STRINGS, offsetof(enqueue_options, after), NULL},
    {"key", 'k', TOOL_OPTION_STRING, offsetof(enqueue_options, key), NULL},
    {"log", 0, TOOL_OPTION_STRING, offsetof(enqueue_options, log_path), NULL},
    {"log-mode", 0, TOOL_OPTION_STRING, offsetof(enqueue_options, log_mode),
     NULL},
    {"no-check", 0, TOOL_OPTION_FLAG, offsetof(enqueue_options, spec.no_check),
     NULL},
    {"stage", 0, TOOL_OPTION_FLAG, offsetof(enqueue_options, spec.stage), NULL},
    {"reinstall", 0, TOOL_OPTION_FLAG,
     offsetof(enqueue_options, spec.reinstall), NULL},
    {"related", 0, TOOL_OPTION_FLAG, offsetof(enqueue_options, spec.related),
     NULL},
    {"transform", 0, TOOL_OPTION_CUSTOM, 0, enqueue_parse_transform},
    {"patch", 0, TOOL_OPTION_CUSTOM, 0, enqueue_parse_patch},
    {"target-dir", 0, TOOL_OPTION_CUSTOM, 0, enqueue_parse_target_dir},
    {"language", 0, TOOL_OPTION_CUSTOM, 0, enqueue_parse_language},
    {"patch-code", 0, TOOL_OPTION_CUSTOM, 0, enqueue_parse_patch_code},
    {"exit-code", 0, TOOL_OPTION_STRINGS, offsetof(enqueue_options, exit_codes),
     NULL},
    {"wait", 'w', TOOL_OPTION_FLAG, offsetof(enqueue_options, wait), NULL},
    {"wait-timeout", 0, TOOL_OPTION_DURATION,
     offsetof(enqueue_options, wait_timeout_ms), NULL},
    TOOL_OPTION_TABLE_END,
};

/* TARGET, then NAME=VALUE properties in the order given. */
static int enqueue_parse_word(void *state, int index, const char *word,
                              msiq_diag *diag) {
  msiq_job_spec *spec = &((enqueue_options *)state)->spec;
  if (index > 0) {
    return msiq_job_spec_add_property_assignment(spec, word, diag);
  }
  if (msiq_job_spec_set_target(spec, word) != MSIQ_OK) {
    return msiq_diag_set(diag, MSIQ_ENOMEM, "out of memory");
  }
  return MSIQ_OK;
}

static void enqueue_init(void *state) {
  msiq_job_spec_init(&((enqueue_options *)state)->spec);
}

static void enqueue_cleanup(void *state) {
  msiq_job_spec_cleanup(&((enqueue_options *)state)->spec);
}

/* Completes the spec from the options that need more than a store and
 * admits it, once, before the database is opened, so bad input never
 * creates or touches a queue; returns a status, never prints. */
static int enqueue_check(void *state, msiq_diag *diag) {
  enqueue_options *options = state;
  msiq_job_spec *spec = &options->spec;
  int status = MSIQ_OK;
  for (size_t i = 0; status == MSIQ_OK && i < options->after.count; i++) {
    const char *value = options->after.items[i];
    int64_t after = 0;
    if (tool_parse_job_id(value, &after, diag) != MSIQ_OK) {
      return msiq_diag_set(diag, MSIQ_EINVAL, "--after '%s' is not a job id",
                           value);
    }
    status = msiq_job_spec_add_after(spec, after);
  }
  if (status == MSIQ_OK && options->key != NULL) {
    status = msiq_job_spec_set_key(spec, options->key);
  }
  if (status == MSIQ_OK && options->log_path != NULL) {
    status = msiq_job_spec_set_log_path(spec, options->log_path);
  }
  if (status != MSIQ_OK) {
    return msiq_diag_set(diag, status, "out of memory");
  }
  if (options->log_mode != NULL) {
    msiq_diag reason = {{0}};
    if (msiq_job_spec_set_log_mode(spec, options->log_mode, &reason) !=
        MSIQ_OK) {
      return msiq_diag_set(diag, MSIQ_EINVAL, "--log-mode: %s", reason.message);
    }
  }
  for (size_t i = 0; i < options->exit_codes.count; i++) {
    status = msiq_job_spec_add_exit_code_rule(
        spec, options->exit_codes.items[i], diag);
    if (status != MSIQ_OK) {
      return status;
    }
  }
  /* --wait-timeout implies --wait (a duration is never 0). */
  if (options->wait_timeout_ms > 0) {
    options->wait = true;
  }
  return msiq_job_admit(spec, &msiq_host_admission, &options->admission, diag);
}

static int enqueue_rehearse(msiq_store *store, void *state, msiq_diag *diag) {
  int64_t id = 0;
  bool existing = false;
  return msiq_store_enqueue(store, &((enqueue_options *)state)->admission, &id,
                            &existing, diag);
}

/* Copies each file of the list property name (TRANSFORMS, PATCH) into
 * directory, as the package is copied, and makes the property name the
 * copies; an entry that is not an absolute path (an embedded ":name", an
 * "@name", a "|path" judged where it is) is kept as it is. Each copy is
 * recorded in spec->staged_files, and a further patch's metadata follows
 * its file to the copy. */
static int enqueue_stage_list(msiq_job_spec *spec, const char *name,
                              const char *directory, msiq_diag *diag) {
  msiq_property *property = NULL;
  for (size_t i = 0; i < spec->property_count; i++) {
    if (strcmp(spec->properties[i].name, name) == 0) {
      property = &spec->properties[i];
    }
  }
  if (property == NULL) {
    return MSIQ_OK;
  }
  char *rewritten = NULL;
  int status = MSIQ_OK;
  const char *cursor = property->value;
  while (status == MSIQ_OK && *cursor != '\0') {
    size_t length = strcspn(cursor, ";");
    char entry[MSIQ_PROPERTY_VALUE_SIZE_MAX + 1];
    snprintf(entry, sizeof entry, "%.*s", (int)length, cursor);
    cursor += length + (cursor[length] == ';' ? 1 : 0);
    char *copy = NULL;
    char sha256[MSIQ_SHA256_HEX_SIZE];
    if (msiq_path_is_absolute(entry)) {
      status = msiq_host_stage_file(entry, directory, &copy, sha256, diag);
      if (status == MSIQ_OK &&
          msiq_staged_files_add(&spec->staged_files, &spec->staged_file_count,
                                copy, entry, sha256) != MSIQ_OK) {
        msiq_host_remove_file(copy);
        status = msiq_diag_set(diag, MSIQ_ENOMEM, "out of memory");
      }
      for (size_t i = 0;
           status == MSIQ_OK && i < spec->package.more_patch_count; i++) {
        msiq_more_patch *more = &spec->package.more_patches[i];
        if (more->path != NULL && strcmp(more->path, entry) == 0 &&
            msiq_package_info_set(&more->path, copy) != MSIQ_OK) {
          status = msiq_diag_set(diag, MSIQ_ENOMEM, "out of memory");
        }
      }
    }
    if (status == MSIQ_OK &&
        msiq_text_list_append(&rewritten, ';', copy != NULL ? copy : entry) !=
            MSIQ_OK) {
      status = msiq_diag_set(diag, MSIQ_ENOMEM, "out of memory");
    }
    free(copy);
  }
  /* The copies' names are longer than their sources' may be: a list the
   * installer's request could not carry would fail at every start. */
  if (status == MSIQ_OK && rewritten != NULL &&
      strlen(rewritten) > MSIQ_PROPERTY_VALUE_SIZE_MAX) {
    status =
        msiq_diag_set(diag, MSIQ_EINVAL,
                      "the staged copies make %s %zu bytes long, more "
                      "than the %d a property may hold",
                      name, strlen(rewritten), MSIQ_PROPERTY_VALUE_SIZE_MAX);
  }
  if (status == MSIQ_OK && rewritten != NULL) {
    free(property->value);
    property->value = rewritten;
    rewritten = NULL;
  }
  free(rewritten);
  return status;
}

/* Deletes the copies staged for spec (a job that is not added). */
static void enqueue_unstage(const msiq_job_spec *spec, const char *package) {
  if (package != NULL) {
    msiq_host_remove_file(package);
  }
  for (size_t i = 0; i < spec->staged_file_count; i++) {
    msiq_host_remove_file(spec->staged_files[i].path);
  }
}

/* --stage: copies the package into the queue's `staged` folder and makes
 * the job run the copy, whose SHA-256 the dispatcher checks before it
 * starts the installer; its transforms and further patches likewise.
 * Done before the enqueue's transaction, so a large package never holds
 * the write lock. *staged receives the package copy's path; on failure
 * every copy made is deleted again. */
static int enqueue_stage(msiq_store *store, msiq_job_spec *spec, char **staged,
                         msiq_diag *diag) {
  char relative[4096];
  char *directory = NULL;
  char sha256[MSIQ_SHA256_HEX_SIZE];
  int status =
      msiq_store_staged_directory(store, relative, sizeof relative, diag);
  if (status == MSIQ_OK) {
    status = msiq_host_absolute_path(relative, &directory, diag);
  }
  if (status == MSIQ_OK) {
    status =
        msiq_host_stage_file(spec->target, directory, staged, sha256, diag);
  }
  if (status == MSIQ_OK &&
      msiq_job_spec_set_staged(spec, *staged, sha256) != MSIQ_OK) {
    status = msiq_diag_set(diag, MSIQ_ENOMEM, "out of memory");
  }
  const char *list = msiq_action_file_list_property(spec->action);
  if (status == MSIQ_OK && list != NULL) {
    status = enqueue_stage_list(spec, list, directory, diag);
  }
  if (status != MSIQ_OK) {
    enqueue_unstage(spec, *staged);
    free(*staged);
    *staged = NULL;
  }
  free(directory);
  return status;
}

static int enqueue_exec(const tool_context *context, void *state,
                        msiq_store *store) {
  enqueue_options *options = state;
  msiq_job_spec *spec = &options->spec;
  msiq_diag diag = {{0}};
  int64_t id = 0;
  bool existing = false;
  char *staged = NULL;
  int status = MSIQ_OK;
  /* A refused job (the store says why) needs no copy. */
  if (spec->stage && options->admission.refusal == MSIQ_OK) {
    status = enqueue_stage(store, spec, &staged, &diag);
  }
  if (status == MSIQ_OK) {
    status =
        msiq_store_enqueue(store, &options->admission, &id, &existing, &diag);
  }
  if (staged != NULL && (status != MSIQ_OK || existing)) {
    /* No job runs these copies. */
    enqueue_unstage(spec, staged);
  }
  free(staged);
  if (status != MSIQ_OK) {
    return tool_report(context, status, &diag);
  }
  if (existing) {
    warnf("key '%s' already names unfinished job %lld; nothing added",
          spec->key, (long long)id);
  }
  if (options->wait) {
    /* Like msiexec: block until the job is done and exit with its code. */
    return tool_wait_for_new_job(context, store, id, options->wait_timeout_ms);
  }
  if (context->json) {
    return tool_print_job_json(context, store, id, false);
  }
  printf("%lld\n", (long long)id);
  return TOOL_EXIT_OK;
}

static const char enqueue_help[] =
    "TARGET is a .msi package (install, admin, advertise), a .msp patch\n"
    "(patch), a .msi package or braced product code {GUID} (uninstall,\n"
    "repair), the UpgradeCode of the products to remove (uninstall\n"
    "--related), or the product code of the product a patch is removed from\n"
    "(unpatch). NAME=VALUE pairs are MSI properties, passed to msiexec in\n"
    "the order given.\n\n"
    "Options:\n"
    "  -a, --action A        install (default), uninstall, patch, repair,\n"
    "                        admin (an administrative image, msiexec /a) or\n"
    "                        advertise (per machine, msiexec /jm) or\n"
    "                        unpatch (remove a patch, msiexec /package)\n"
    "  --transform F.mst     apply transform F (install, advertise;\n"
    "                        repeatable, in order): TRANSFORMS=F;...\n"
    "  --target-dir DIR      admin: the image's folder (TARGETDIR; required)\n"
    "  --patch F.msp         patch: apply F too, in the same transaction\n"
    "                        (repeatable; msiexec /update \"A.msp;F.msp\");\n"
    "                        admin: patch the image with F (msiexec /a PKG\n"
    "                        /p F); both stored as PATCH=F;...\n"
    "  --language ID         advertise: the language id (msiexec /g)\n"
    "  --related             uninstall: TARGET is an UpgradeCode {GUID};\n"
    "                        remove every product installed with it (none\n"
    "                        installed: the job is not run)\n"
    "  --patch-code {GUID}   unpatch: the patch to remove (required;\n"
    "                        MSIPATCHREMOVE={GUID}), or a .msp to read its\n"
    "                        code from; a job whose patch is not applied to\n"
    "                        the product is not run\n"
    "  -p, --priority N      higher runs first (default 0; ties: oldest "
    "first)\n"
    "  --not-before T        do not start before T (ISO 8601 or +30m)\n"
    "  --deadline T          fail the job if it has not started by T (or is\n"
    "                        still waiting for a retry at T)\n"
    "  --max-attempts N      attempts before giving up (default 10)\n"
    "  --timeout D           stop the installer after D (90s, 15m, 2h, 1d)\n"
    "  --after ID            start only after job ID succeeded (repeatable)\n"
    "  -k, --key K           idempotency key: if an unfinished job has key K,\n"
    "                        print its id and add nothing (refused, exit 3,\n"
    "                        if it has another target, action or\n"
    "                        properties)\n"
    "  --log PATH            msiexec verbose log (default: one per job)\n"
    "  --log-mode LETTERS    msiexec's /l letters (i w e a r u c m o p v x\n"
    "                        + ! *), as in '*v+' (default: *v)\n"
    "  --exit-code C=O       treat installer exit code C as O: success,\n"
    "                        reboot, retry or fail (repeatable)\n"
    "  --no-check            do not check that the package exists now\n"
    "  --reinstall           install even when the product is installed at\n"
    "                        this version (REINSTALL=ALL "
    "REINSTALLMODE=vomus);\n"
    "                        without it such an install is not run\n"
    "  --stage               copy the package into the queue's own folder\n"
    "                        (`staged` beside the database) and run the\n"
    "                        copy, checked by its SHA-256 before it starts:\n"
    "                        for a package in a folder others can change\n"
    "  -w, --wait            wait until the job finishes and exit with an\n"
    "                        msiexec-style code (see `msiq wait --help`)\n"
    "  --wait-timeout D      wait as --wait does, but stop after D\n"
    "                        (exit 1460)\n";

const tool_command tool_cmd_enqueue = {
    .name = "enqueue",
    .usage = "[options] TARGET [NAME=VALUE]...",
    .summary = "Add a Windows Installer job to the queue and print its id.",
    .help = enqueue_help,
    .options = enqueue_option_table,
    .options_size = sizeof(enqueue_options),
    .init = enqueue_init,
    .words = {.min = 1,
              .max = TOOL_WORDS_UNLIMITED,
              .name = "TARGET",
              .type = TOOL_WORD_CUSTOM,
              .parse = enqueue_parse_word},
    .check = enqueue_check,
    .store = TOOL_STORE_REHEARSED,
    .rehearse = enqueue_rehearse,
    .exec = enqueue_exec,
    .cleanup = enqueue_cleanup,
};
