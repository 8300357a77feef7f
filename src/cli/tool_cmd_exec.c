/* tool_cmd_exec.c: `msiq exec`, a drop-in for msiexec in scripts.
 *
 *   msiq exec /i app.msi /qn ALLUSERS=1
 *
 * enqueues the job the msiexec arguments describe, waits for it and exits
 * with msiexec's exit code (1618 only once the job's attempts are spent on
 * it), so a deployment script gains the queue by replacing one word. Its
 * own errors are msiexec's codes too (msiq_status_msiexec_code).
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
#include "core/outcome.h"
#include "core/text.h"
#include "core/timeparse.h"
#include "dispatcher/dispatcher.h"

/* Compares an msiexec switch case-insensitively, with / or - as its lead. */
static bool exec_switch_is(const char *word, const char *name) {
  if (word[0] != '/' && word[0] != '-') {
    return false;
  }
  return msiq_text_equal_ignoring_case(word + 1, name);
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
    "quiet",
    "norestart",
};

/* Recognises /q with its user-interface level (n none, b basic, r reduced,
 * f full; none given means n) and msiexec's modifiers + (a closing
 * dialog), - (no modal dialog) and ! (no cancel button) in any
 * combination, and /passive. *shows_ui is set for every form that shows a
 * user interface in msiexec: a queue runs jobs where no one sees a
 * desktop, so they run silently, and exec says so in one line instead of
 * refusing a script written for an interactive msiexec. */
static bool exec_switch_is_quiet(const char *word, bool *shows_ui) {
  *shows_ui = false;
  if (exec_switch_is(word, "passive")) {
    *shows_ui = true;
    return true;
  }
  if (!exec_switch_starts(word, "q") || exec_switch_is(word, "quiet")) {
    return false;
  }
  const char *cursor = word + 2;
  char level = (char)tolower((unsigned char)*cursor);
  if (level == 'b' || level == 'r' || level == 'f') {
    *shows_ui = true;
    cursor++;
  } else if (level == 'n') {
    cursor++;
  }
  for (; *cursor != '\0'; cursor++) {
    if (*cursor != '+' && *cursor != '-' && *cursor != '!') {
      *shows_ui = false;
      return false;
    }
  }
  return true;
}

typedef struct exec_line {
  /* A /q form or /passive that shows a user interface in msiexec, for
   * exec's note; NULL when none was given. */
  const char *ui_switch;
  /* The repair mode of /fMODE, lowercased; "" for a plain /f. */
  char repair_mode[16];
} exec_line;

/* Reads the letters glued to /f: REINSTALLMODE's letters in any case and
 * order. */
static int exec_repair_mode_read(const char *word, exec_line *line,
                                 msiq_diag *diag) {
  const char *mode = word + 2;
  size_t length = strlen(mode);
  char quoted[64];
  msiq_quote_for_message(mode, quoted, sizeof quoted);
  if (length >= sizeof line->repair_mode) {
    return msiq_diag_set(diag, MSIQ_EUSAGE, "repair mode '%s' is too long",
                         quoted);
  }
  for (size_t i = 0; i <= length; i++) {
    line->repair_mode[i] = (char)tolower((unsigned char)mode[i]);
  }
  if (length > 0 && !msiq_repair_mode_is_valid(line->repair_mode)) {
    return msiq_diag_set(diag, MSIQ_EUSAGE,
                         "repair mode '%s' is not one of msiexec's letters "
                         "p o e d c a m u s v (as in /fomus or /fvomus)",
                         quoted);
  }
  return MSIQ_OK;
}

/* The next ';'-separated piece of a list msiexec takes (/update a;b,
 * /t a.mst;b.mst), cut off in place; NULL after the last. A piece may be
 * empty ("a;;b", a trailing ';'): callers refuse it. */
static char *exec_list_next(char **cursor) {
  char *piece = *cursor;
  if (piece == NULL) {
    return NULL;
  }
  char *end = strchr(piece, ';');
  if (end != NULL) {
    *end = '\0';
    *cursor = end + 1;
  } else {
    *cursor = NULL;
  }
  return piece;
}

/* Appends each ';'-separated piece of list (/t a.mst;b.mst, /p with /a)
 * through add. */
static int exec_add_list(msiq_job_spec *spec, const char *switch_word,
                         const char *list,
                         int (*add)(msiq_job_spec *, const char *),
                         msiq_diag *diag) {
  char *copy = msiq_text_duplicate(list);
  if (copy == NULL) {
    return msiq_diag_set(diag, MSIQ_ENOMEM, "out of memory");
  }
  int status = MSIQ_OK;
  char *cursor = copy;
  char *piece;
  while (status == MSIQ_OK && (piece = exec_list_next(&cursor)) != NULL) {
    if (piece[0] == '\0') {
      status = msiq_diag_set(diag, MSIQ_EUSAGE,
                             "%s: an empty name in the list (names are "
                             "separated by single ';')",
                             switch_word);
    } else if (add(spec, piece) != MSIQ_OK) {
      status = msiq_diag_set(diag, MSIQ_ENOMEM, "out of memory");
    }
  }
  free(copy);
  return status;
}

/* The sequences' switches: /t TRANSFORMS and /g LANGUAGE (msiexec's for
 * /j; /t goes with /i too, as --transform does), /p PATCH after or before
 * /a (patching the image, msiexec /a PKG /p PATCH). *used is false for any
 * other word. */
static int exec_parse_sequence_switch(int argc, char *const *argv, int *i,
                                      bool admin, msiq_job_spec *spec,
                                      bool *used, msiq_diag *diag) {
  const char *word = argv[*i];
  *used = exec_switch_is(word, "t") || exec_switch_is(word, "g") ||
          (admin && exec_switch_is(word, "p"));
  if (!*used) {
    return MSIQ_OK;
  }
  if (*i + 1 >= argc) {
    return msiq_diag_set(diag, MSIQ_EUSAGE, "%s needs a value", word);
  }
  const char *value = argv[++*i];
  if (exec_switch_is(word, "t")) {
    return exec_add_list(spec, word, value, msiq_job_spec_add_transform, diag);
  }
  if (exec_switch_is(word, "p")) {
    return exec_add_list(spec, word, value, msiq_job_spec_add_patch_path, diag);
  }
  if (msiq_job_spec_set_language(spec, value) != MSIQ_OK) {
    return msiq_diag_set(diag, MSIQ_ENOMEM, "out of memory");
  }
  return MSIQ_OK;
}

/* True when the action switch word, after the line's first action switch
 * first, makes the pair msiexec documents for removing a patch:
 * /uninstall {PatchCode} /package {ProductCode}, in either order, once. */
static bool exec_is_patch_removal(const char *first, const char *word,
                                  bool removing_patch) {
  if (removing_patch || first == NULL) {
    return false;
  }
  return (exec_switch_is(first, "uninstall") &&
          exec_switch_is(word, "package")) ||
         (exec_switch_is(first, "package") &&
          exec_switch_is(word, "uninstall"));
}

/* Translates msiexec arguments into a job spec; never prints. */
static int exec_parse(int argc, char *const *argv, msiq_job_spec *spec,
                      exec_line *line, msiq_diag *diag) {
  bool have_action = false;
  /* The first action switch, and whether a second one made the line a
   * patch removal (/uninstall PATCH /package PRODUCT). */
  const char *first_switch = NULL;
  bool removing_patch = false;
  /* With /a anywhere on the line, /p patches the image instead of naming
   * a patch to apply. */
  bool admin = false;
  for (int i = 0; i < argc; i++) {
    admin = admin || exec_switch_is(argv[i], "a");
  }
  for (int i = 0; i < argc; i++) {
    const char *word = argv[i];
    const char *action_switch = NULL;
    msiq_action action = MSIQ_ACTION_INSTALL;
    bool used = false;
    int sequence_status =
        exec_parse_sequence_switch(argc, argv, &i, admin, spec, &used, diag);
    if (sequence_status != MSIQ_OK) {
      return sequence_status;
    }
    if (used) {
      continue;
    }
    if (exec_switch_is(word, "ju")) {
      return msiq_diag_set(diag, MSIQ_EUSAGE,
                           "/ju advertises for the current user, and the "
                           "queue's jobs run as the service: use /jm (per "
                           "machine)");
    }
    if (exec_switch_is(word, "a")) {
      action_switch = word;
      action = MSIQ_ACTION_ADMIN;
    } else if (exec_switch_is(word, "j") || exec_switch_is(word, "jm")) {
      action_switch = word;
      action = MSIQ_ACTION_ADVERTISE;
    } else if (exec_switch_is(word, "i") || exec_switch_is(word, "package")) {
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
      int status = exec_repair_mode_read(word, line, diag);
      if (status != MSIQ_OK) {
        return status;
      }
      action_switch = word;
      action = MSIQ_ACTION_REPAIR;
    }
    if (action_switch != NULL) {
      if (have_action &&
          exec_is_patch_removal(first_switch, word, removing_patch)) {
        /* msiexec's /uninstall {PatchCode} /package {ProductCode}, in
         * either order: the patch removed from the product. */
        if (i + 1 >= argc) {
          return msiq_diag_set(diag, MSIQ_EUSAGE, "%s needs a %s", word,
                               exec_switch_is(word, "package") ? "product code"
                                                               : "patch code");
        }
        const char *value = argv[++i];
        bool value_is_product = exec_switch_is(word, "package");
        const char *patch_code = value_is_product ? spec->target : value;
        const char *product_code = value_is_product ? value : spec->target;
        /* The patch code is copied before the target is replaced, since
         * either may be the target's own text. */
        if (msiq_job_spec_set_patch_code(spec, patch_code) != MSIQ_OK ||
            msiq_job_spec_set_target(spec, product_code) != MSIQ_OK) {
          return msiq_diag_set(diag, MSIQ_ENOMEM, "out of memory");
        }
        spec->action = MSIQ_ACTION_UNPATCH;
        removing_patch = true;
        continue;
      }
      if (have_action) {
        return msiq_diag_set(diag, MSIQ_EUSAGE,
                             "only one of /i, /x, /update, /f, /a or /jm may "
                             "be given (or /uninstall PATCH /package "
                             "PRODUCT)");
      }
      first_switch = word;
      if (i + 1 >= argc) {
        return msiq_diag_set(diag, MSIQ_EUSAGE, "%s needs a package",
                             action_switch);
      }
      spec->action = action;
      spec->action_given = true;
      if (msiq_job_spec_set_target(spec, argv[++i]) != MSIQ_OK) {
        return msiq_diag_set(diag, MSIQ_ENOMEM, "out of memory");
      }
      have_action = true;
      continue;
    }
    if (exec_switch_starts(word, "l")) {
      /* /log FILE is msiexec's /l* FILE; any other /l form carries its
       * letters, read and checked as msiexec reads them (log_mode.h). */
      const char *letters = exec_switch_is(word, "log") ? "*" : word + 2;
      msiq_diag reason = {{0}};
      if (msiq_job_spec_set_log_mode(spec, letters, &reason) != MSIQ_OK) {
        return msiq_diag_set(diag, MSIQ_EUSAGE, "%s: %s", word, reason.message);
      }
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
    bool shows_ui = false;
    if (exec_switch_is_quiet(word, &shows_ui)) {
      if (shows_ui) {
        line->ui_switch = word;
      }
      continue;
    }
    if (word[0] == '/' || word[0] == '-') {
      return msiq_diag_set(diag, MSIQ_EUSAGE,
                           "msiexec switch '%s' is not supported by msiq exec "
                           "(supported: /i, /package, /x, /uninstall, "
                           "/uninstall PATCH /package PRODUCT, "
                           "/update, /p, /f[MODE], /a, /j[m], /t, /g, "
                           "/q[n|b|r|f][+|-|!], "
                           "/quiet, /passive, /norestart, "
                           "/l[i|w|e|a|r|u|c|m|o|p|v|x|+|!|*] LOG, /log "
                           "LOG, NAME=VALUE)",
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
                         "no action: give /i, /x, /update, /f, /a or /jm "
                         "with a package");
  }
  /* /i {ProductCode} MSIPATCHREMOVE={PatchCode} (or /package) is the
   * other documented way to remove a patch: the same job as --action
   * unpatch, whose MSIPATCHREMOVE is the line's own property. */
  if (spec->action == MSIQ_ACTION_INSTALL && spec->target[0] == '{' &&
      msiq_property_value_of(spec->properties, spec->property_count,
                             MSIQ_PATCHREMOVE_PROPERTY) != NULL) {
    spec->action = MSIQ_ACTION_UNPATCH;
  }
  /* A repair mode other than the default travels as REINSTALLMODE, which
   * both ways of running a job read (msiq_repair_mode_of); a REINSTALLMODE
   * the line sets itself wins, as it would for msiexec. */
  if (spec->action == MSIQ_ACTION_REPAIR && line->repair_mode[0] != '\0' &&
      strcmp(line->repair_mode, MSIQ_DEFAULT_REPAIR_MODE) != 0) {
    bool set = false;
    for (size_t k = 0; k < spec->property_count; k++) {
      set = set ||
            strcmp(spec->properties[k].name, MSIQ_REINSTALLMODE_PROPERTY) == 0;
    }
    if (!set) {
      return msiq_job_spec_add_property(spec, MSIQ_REINSTALLMODE_PROPERTY,
                                        line->repair_mode, diag);
    }
  }
  return MSIQ_OK;
}

typedef struct exec_options {
  msiq_job_spec spec;
  exec_line line;
  /* The words of the line, which line.ui_switch points into. */
  msiq_msiexec_words words;
  /* The job as admitted by exec_check(). */
  msiq_admission admission;
} exec_options;

/* /update a.msp;b.msp applies both in one transaction, as msiexec does:
 * one patch job whose target is the first patch and which applies the
 * others with it (enqueue's --patch). */
static int exec_split_patches(msiq_job_spec *spec, msiq_diag *diag) {
  if (spec->action != MSIQ_ACTION_PATCH || strchr(spec->target, ';') == NULL) {
    return MSIQ_OK;
  }
  char *list = spec->target;
  spec->target = NULL;
  int status = MSIQ_OK;
  char *cursor = list;
  char *piece;
  while (status == MSIQ_OK && (piece = exec_list_next(&cursor)) != NULL) {
    if (piece[0] == '\0') {
      status = msiq_diag_set(diag, MSIQ_EUSAGE,
                             "/update: an empty patch name in the list "
                             "(patches are separated by single ';')");
    } else if ((spec->target == NULL
                    ? msiq_job_spec_set_target(spec, piece)
                    : msiq_job_spec_add_patch_path(spec, piece)) != MSIQ_OK) {
      status = msiq_diag_set(diag, MSIQ_ENOMEM, "out of memory");
    }
  }
  free(list);
  return status;
}

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
  exec_options *options = state;
  if (status == MSIQ_OK) {
    status = msiq_msiexec_words_split(line, &options->words, diag);
  }
  free(line);
  if (status == MSIQ_OK) {
    status = exec_parse((int)options->words.count, options->words.words,
                        &options->spec, &options->line, diag);
  }
  if (status == MSIQ_OK) {
    status = exec_split_patches(&options->spec, diag);
  }
  return status;
}

static void exec_init(void *state) {
  exec_options *options = state;
  msiq_job_spec_init(&options->spec);
  msiq_msiexec_words_init(&options->words);
}

static void exec_cleanup(void *state) {
  exec_options *options = state;
  msiq_job_spec_cleanup(&options->spec);
  msiq_msiexec_words_cleanup(&options->words);
}

/* The job is admitted once, before the database is opened. */
static int exec_check(void *state, msiq_diag *diag) {
  exec_options *options = state;
  return msiq_job_admit(&options->spec, &msiq_host_admission,
                        &options->admission, diag);
}

static int exec_enqueue(msiq_store *store, exec_options *options, int64_t *id,
                        msiq_diag *diag) {
  bool existing = false;
  return msiq_store_enqueue(store, &options->admission, id, &existing, diag);
}

static int exec_rehearse(msiq_store *store, void *state, msiq_diag *diag) {
  int64_t id = 0;
  return exec_enqueue(store, state, &id, diag);
}

/* With no dispatcher holding the queue's lock, exec runs its job itself
 * through the same gate and engine as `msiq run` (a dispatcher that exits
 * once the job has finished), instead of waiting silently for one that may
 * never come. It does so only where `run` would: on a queue only
 * administrators can change, with an installer program to start. Returns
 * MSIQ_OK when the job was run or a dispatcher is there to run it; on
 * MSIQ_EDISPATCHER_RUNNING (one started meanwhile) the wait goes on. */
static int exec_dispatch_if_alone(msiq_store *store, int64_t id,
                                  msiq_diag *diag) {
  const char *path = msiq_store_path(store);
  if (msiq_host_lock_is_held(path)) {
    return MSIQ_OK;
  }
  char program[4096];
  msiq_diag reason = {{0}};
  if (msiq_host_check_private(path, &reason) != MSIQ_OK ||
      msiq_host_installer_program(program, sizeof program, NULL, &reason) !=
          MSIQ_OK) {
    warnf("exec: no dispatcher is running, and exec cannot run job %lld "
          "itself (%s); waiting for a dispatcher (`msiq run` or the service)",
          (long long)id, reason.message);
    return MSIQ_OK;
  }
  warnf("exec: no dispatcher is running; exec runs job %lld itself",
        (long long)id);
  msiq_dispatcher_options options;
  msiq_dispatcher_options_init(&options);
  options.exit_after_job = id;
  /* The dispatcher's lines on stderr, so that stdout keeps only the job's
   * result, as with a dispatcher running. */
  options.report = tool_print_report_line;
  options.report_context = stderr;
  int status = msiq_dispatcher_run(store, &options, diag);
  if (status == MSIQ_EDISPATCHER_RUNNING) {
    return MSIQ_OK;
  }
  return status;
}

static int exec_exec(const tool_context *context, void *state,
                     msiq_store *store) {
  exec_options *options = state;
  msiq_diag diag = {{0}};
  /* A custom action that runs msiq exec would wait for the very
   * installation it is part of; msiexec itself answers 1618 there. */
  char ancestor[128] = "";
  if (msiq_host_inside_installation(ancestor, sizeof ancestor)) {
    errorf("exec: called from inside an installation (%s is an ancestor): "
           "nothing is enqueued; 1618, as msiexec would answer",
           ancestor);
    return MSIQ_EXIT_INSTALL_ALREADY_RUNNING;
  }
  if (options->line.ui_switch != NULL) {
    warnf("exec: %s shows a user interface in msiexec; a queue has no "
          "desktop, so msiq runs the job silently (as /qn)",
          options->line.ui_switch);
  }
  int64_t id = 0;
  int status = exec_enqueue(store, options, &id, &diag);
  if (status != MSIQ_OK) {
    return tool_report(context, status, &diag);
  }
  status = exec_dispatch_if_alone(store, id, &diag);
  if (status != MSIQ_OK) {
    return tool_report(context, status, &diag);
  }
  int exit_code = tool_wait_for_jobs(context, store, &id, 1, 0);
  if (exit_code == MSIQ_EXIT_INSTALL_FAILURE) {
    /* wait reads a job that spent its retry budget on 1618 as a failure;
     * exec gives the fleet tool msiexec's 1618 to retry on. */
    msiq_job job;
    msiq_job_init(&job);
    if (msiq_store_get_job(store, id, &job, NULL) == MSIQ_OK) {
      exit_code = (int)msiq_exec_exit_code(&job, 1);
    }
    msiq_job_cleanup(&job);
  }
  return exit_code;
}

static const char exec_help[] =
    "A drop-in for msiexec in deployment scripts: `msiq exec /i app.msi /qn\n"
    "ALLUSERS=1` enqueues the job, waits until the dispatcher has run it, and\n"
    "exits with the installer's code (0, 3010, 1641, or the failure's code;\n"
    "1618 is retried, and returned only once the job's attempts are spent).\n"
    "Its own errors are msiexec's codes too: 1639 bad command line, 1619\n"
    "package missing, 1620 not a package, 1603 anything else. When no\n"
    "dispatcher (`msiq run` or the service) is running, exec runs the job\n"
    "itself, as `msiq run` would, and says so on stderr.\n\n"
    "Supported: /i or /package, /x or /uninstall, /update or /p (A;B: one\n"
    "job applying both in one transaction), /f with\n"
    "any repair mode (/fomus, /FVOMUS...), /a PKG TARGETDIR=DIR (an\n"
    "administrative image; /p PATCH with /a patches it), /j or /jm PKG\n"
    "(advertise per machine) with /t T.mst;... and /g LANGID, /t with /i\n"
    "too, /uninstall {PATCH} /package {PRODUCT} or /i {PRODUCT}\n"
    "MSIPATCHREMOVE={PATCH} (remove a patch), /l with msiexec's letters i w e "
    "a r u c m o p v x + ! * in any\n"
    "case and order (/l*v LOG, /l*vx+ LOG appends, /l*v! flushes each\n"
    "line) or /log LOG (/l*), NAME=VALUE, /q, /qn, /quiet, /norestart.\n"
    "/qb, /qr, /qf (with +, - or !) and /passive run silently too, with a\n"
    "note: a queue has no desktop. Anything else (/forcerestart, /ju...)\n"
    "is refused with a clear error.\n"
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
    .exit_code = msiq_status_msiexec_code,
};
