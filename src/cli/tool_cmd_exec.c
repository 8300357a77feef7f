/* tool_cmd_exec.c: `msiq exec`, a drop-in for msiexec in scripts.
 *
 *   msiq exec /i app.msi /qn ALLUSERS=1
 *
 * enqueues the job the msiexec arguments describe, waits for it and exits
 * with msiexec's exit code (never 1618: msiq waits that out), so a
 * deployment script gains the queue by replacing one word.
 */
#include "cli/tool.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/admission.h"
#include "host/host.h"
#include "core/installer_command.h"
#include "core/msiexec_words.h"

/* Compares an msiexec switch case-insensitively, with / or - as its lead. */
static bool exec_switch_is(const char *word, const char *name) {
  if (word[0] != '/' && word[0] != '-') {
    return false;
  }
  word++;
  for (; *word != '\0' && *name != '\0'; word++, name++) {
    if (tolower((unsigned char)*word) != tolower((unsigned char)*name)) {
      return false;
    }
  }
  return *word == '\0' && *name == '\0';
}

static bool exec_switch_starts(const char *word, const char *prefix) {
  if (word[0] != '/' && word[0] != '-') {
    return false;
  }
  size_t length = strlen(prefix);
  for (size_t i = 0; i < length; i++) {
    if (tolower((unsigned char)word[1 + i]) !=
        tolower((unsigned char)prefix[i])) {
      return false;
    }
  }
  return true;
}

/* Switches msiq accepts because it always behaves that way: silent, no
 * restart. */
static const char *const exec_implied_switches[] = {
    "q", "qn", "quiet", "norestart", "qn-", "qn+",
};

/* Translates msiexec arguments into a job spec; never prints. */
static int exec_parse(int argc, char *const *argv, msiq_job_spec *spec,
                      msiq_diag *diag) {
  bool have_action = false;
  for (int i = 0; i < argc; i++) {
    const char *word = argv[i];
    const char *action_switch = NULL;
    msiq_action action = MSIQ_ACTION_INSTALL;
    if (exec_switch_is(word, "i") || exec_switch_is(word, "package")) {
      action_switch = word;
      action = MSIQ_ACTION_INSTALL;
    } else if (exec_switch_is(word, "x") || exec_switch_is(word, "uninstall")) {
      action_switch = word;
      action = MSIQ_ACTION_UNINSTALL;
    } else if (exec_switch_is(word, "update") || exec_switch_is(word, "p")) {
      action_switch = word;
      action = MSIQ_ACTION_PATCH;
    } else if (exec_switch_starts(word, "f") &&
               !exec_switch_starts(word, "forcerestart")) {
      /* Repair: msiq repairs with msiexec's default mode, /fomus. */
      const char *mode = word + 2;
      if (mode[0] != '\0' && strcmp(mode, MSIQ_DEFAULT_REPAIR_MODE) != 0) {
        return msiq_diag_set(diag, MSIQ_EUSAGE,
                             "repair mode '%s' is not supported (msiq repairs "
                             "with /f%s, msiexec's default)",
                             mode, MSIQ_DEFAULT_REPAIR_MODE);
      }
      action_switch = word;
      action = MSIQ_ACTION_REPAIR;
    }
    if (action_switch != NULL) {
      if (have_action) {
        return msiq_diag_set(diag, MSIQ_EUSAGE,
                             "only one of /i, /x, /update or /f may be given");
      }
      if (i + 1 >= argc) {
        return msiq_diag_set(diag, MSIQ_EUSAGE, "%s needs a package",
                             action_switch);
      }
      spec->action = action;
      if (msiq_job_spec_set_target(spec, argv[++i]) != MSIQ_OK) {
        return msiq_diag_set(diag, MSIQ_ENOMEM, "out of memory");
      }
      have_action = true;
      continue;
    }
    if (exec_switch_starts(word, "l") || exec_switch_is(word, "log")) {
      /* msiq always logs verbosely (/l*v); any /l form names the file. */
      if (i + 1 >= argc) {
        return msiq_diag_set(diag, MSIQ_EUSAGE, "%s needs a log file", word);
      }
      if (msiq_job_spec_set_log_path(spec, argv[++i]) != MSIQ_OK) {
        return msiq_diag_set(diag, MSIQ_ENOMEM, "out of memory");
      }
      continue;
    }
    bool implied = false;
    for (size_t k = 0;
         k < sizeof exec_implied_switches / sizeof exec_implied_switches[0];
         k++) {
      implied = implied || exec_switch_is(word, exec_implied_switches[k]);
    }
    if (implied) {
      continue;
    }
    if (word[0] == '/' || word[0] == '-') {
      return msiq_diag_set(diag, MSIQ_EUSAGE,
                           "msiexec switch '%s' is not supported by msiq exec "
                           "(supported: /i, /package, /x, /uninstall, "
                           "/update, /p, /f, /q, /qn, /quiet, /norestart, "
                           "/l*v LOG, /log LOG, NAME=VALUE)",
                           word);
    }
    if (strchr(word, '=') == NULL) {
      return msiq_diag_set(diag, MSIQ_EUSAGE,
                           "unexpected argument '%s' (expected a switch or "
                           "NAME=VALUE)",
                           word);
    }
    int status = msiq_job_spec_add_property_assignment(spec, word, diag);
    if (status != MSIQ_OK) {
      return status;
    }
  }
  if (!have_action) {
    return msiq_diag_set(diag, MSIQ_EUSAGE,
                         "no action: give /i, /x, /update or /f with a "
                         "package");
  }
  return MSIQ_OK;
}

typedef struct exec_options {
  msiq_job_spec spec;
  /* The job as admitted by exec_check(). */
  msiq_admission admission;
} exec_options;

/* Everything after `exec` is msiexec's, except a lone -h or --help: msiq's
 * own global options go in front of `exec`. */
static int exec_parse_arguments(tool_context *context, void *state, int argc,
                                char **argv, msiq_diag *diag) {
  if (argc == 1 &&
      (strcmp(argv[0], "--help") == 0 || strcmp(argv[0], "-h") == 0)) {
    context->help = true;
    return MSIQ_OK;
  }
  /* The words are read again from the command line's own text, by
   * msiexec's rules and not the C runtime's, so that a script's
   * INSTALLDIR="C:\App\" /qn means to msiq what it means to msiexec. */
  char *line = NULL;
  int status = context->process_argv != NULL
                   ? msiq_host_command_line_tail(
                         context->process_argc, context->process_argv,
                         context->arguments_first, &line, diag)
                   : msiq_msiexec_words_join((const char *const *)argv,
                                             (size_t)argc, &line, diag);
  msiq_msiexec_words words;
  msiq_msiexec_words_init(&words);
  if (status == MSIQ_OK) {
    status = msiq_msiexec_words_split(line, &words, diag);
  }
  if (status == MSIQ_OK) {
    status = exec_parse((int)words.count, words.words,
                        &((exec_options *)state)->spec, diag);
  }
  msiq_msiexec_words_cleanup(&words);
  free(line);
  return status;
}

static void exec_init(void *state) {
  msiq_job_spec_init(&((exec_options *)state)->spec);
}

static void exec_cleanup(void *state) {
  msiq_job_spec_cleanup(&((exec_options *)state)->spec);
}

/* The job is admitted once, before the database is opened. */
static int exec_check(void *state, msiq_diag *diag) {
  exec_options *options = state;
  return msiq_job_admit(&options->spec, &msiq_host_admission,
                        &options->admission, diag);
}

static int exec_rehearse(msiq_store *store, void *state, msiq_diag *diag) {
  int64_t id = 0;
  bool existing = false;
  return msiq_store_enqueue(store, &((exec_options *)state)->admission, &id,
                            &existing, diag);
}

static int exec_exec(const tool_context *context, void *state,
                     msiq_store *store) {
  exec_options *options = state;
  msiq_diag diag = {{0}};
  int64_t id = 0;
  bool existing = false;
  int status =
      msiq_store_enqueue(store, &options->admission, &id, &existing, &diag);
  if (status != MSIQ_OK) {
    return tool_report(context, status, &diag);
  }
  return tool_wait_for_jobs(context, store, &id, 1, 0);
}

static const char exec_help[] =
    "A drop-in for msiexec in deployment scripts: `msiq exec /i app.msi /qn\n"
    "ALLUSERS=1` enqueues the job, waits until the dispatcher has run it, and\n"
    "exits with the installer's code (0, 3010, 1641, or the failure's code;\n"
    "never 1618, which msiq waits out). A dispatcher (`msiq run` or the\n"
    "service) must be running.\n\n"
    "Supported: /i or /package, /x or /uninstall, /update or /p, /f (msiq\n"
    "repairs with /fomus), /l*v LOG or /log LOG, NAME=VALUE. Accepted and\n"
    "implied: /q, /qn, /quiet, /norestart (msiq always installs silently,\n"
    "without restarting). Anything else (/qb, /passive, /forcerestart, /a,\n"
    "/j, transforms given as switches...) is refused with a clear error.\n"
    "Global options (--db, --json) go before `exec`.\n";

const tool_command tool_cmd_exec = {
    .name = "exec",
    .usage = "MSIEXEC-ARGUMENTS...",
    .summary =
        "Enqueue msiexec-style arguments, wait, and exit with msiexec's code.",
    .help = exec_help,
    .options_size = sizeof(exec_options),
    .init = exec_init,
    .parse = exec_parse_arguments,
    .check = exec_check,
    .store = TOOL_STORE_REHEARSED,
    .rehearse = exec_rehearse,
    .exec = exec_exec,
    .cleanup = exec_cleanup,
};
