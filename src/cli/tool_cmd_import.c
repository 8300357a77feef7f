/* tool_cmd_import.c: `msiq import`, enqueue a JSON manifest all or nothing. */
#include "cli/tool.h"

#include "core/text.h"
#include "host/host.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Reads a whole stream and decodes it (msiq_text_decode_file: UTF-8, or
 * UTF-16 with a byte-order mark, as PowerShell writes) into NUL-terminated
 * UTF-8 (free() it). A NUL inside the manifest is refused: SQLite would
 * silently stop reading there. */
static int import_read_stream(FILE *stream, const char *name, char **text,
                              msiq_diag *diag) {
  size_t length = 0;
  size_t capacity = 65536;
  char *buffer = malloc(capacity);
  while (buffer != NULL) {
    length += fread(buffer + length, 1, capacity - length - 1, stream);
    if (length < capacity - 1) {
      break;
    }
    capacity *= 2;
    char *grown = realloc(buffer, capacity);
    if (grown == NULL) {
      free(buffer);
      buffer = NULL;
    }
    buffer = grown;
  }
  if (buffer == NULL) {
    return msiq_diag_set(diag, MSIQ_ENOMEM, "out of memory reading %s", name);
  }
  if (ferror(stream)) {
    free(buffer);
    return msiq_diag_set(diag, MSIQ_EINVAL, "cannot read %s", name);
  }
  int status = msiq_text_decode_file(buffer, length, name, text, diag);
  free(buffer);
  return status;
}

typedef struct import_options {
  bool no_check;
  const char *source; /* a file name, or "-" for standard input */
  char *text;         /* the manifest, read by import_check() */
  /* The ids of the new jobs: the rehearsal's, which are the real ones when
   * the rehearsal becomes the new database, else the import's. */
  int64_t *ids;
  size_t id_count;
} import_options;

static const tool_option import_option_table[] = {
    {"no-check", 0, TOOL_OPTION_FLAG, offsetof(import_options, no_check), NULL},
    TOOL_OPTION_TABLE_END,
};

/* Reads the manifest before the database is opened, so an unreadable one
 * creates nothing. */
static int import_check(void *state, msiq_diag *diag) {
  import_options *options = state;
  const char *source = options->source;
  if (strcmp(source, "-") == 0) {
    return import_read_stream(stdin, "standard input", &options->text, diag);
  }
  FILE *file = msiq_host_fopen(source, "rb");
  if (file == NULL) {
    return msiq_diag_set(diag, MSIQ_EINVAL, "cannot open %s: %s", source,
                         strerror(errno));
  }
  int status = import_read_stream(file, source, &options->text, diag);
  fclose(file);
  return status;
}

static int import_rehearse(msiq_store *store, void *state, msiq_diag *diag) {
  import_options *options = state;
  return msiq_store_import(store, options->text, options->no_check,
                           &msiq_host_admission, &options->ids,
                           &options->id_count, diag);
}

static int import_exec(const tool_context *context, void *state,
                       msiq_store *store) {
  import_options *options = state;
  msiq_diag diag = {{0}};
  if (!context->rehearsal_published) {
    free(options->ids);
    options->ids = NULL;
    options->id_count = 0;
    int status = msiq_store_import(store, options->text, options->no_check,
                                   &msiq_host_admission, &options->ids,
                                   &options->id_count, &diag);
    if (status != MSIQ_OK) {
      return tool_report(context, status, &diag);
    }
  }
  const int64_t *ids = options->ids;
  size_t id_count = options->id_count;
  if (context->json) {
    fputc('[', stdout);
    for (size_t i = 0; i < id_count; i++) {
      printf(i == 0 ? "%lld" : ",%lld", (long long)ids[i]);
    }
    fputs("]\n", stdout);
  } else {
    for (size_t i = 0; i < id_count; i++) {
      printf("%lld\n", (long long)ids[i]);
    }
  }
  return TOOL_EXIT_OK;
}

static void import_cleanup(void *state) {
  import_options *options = state;
  free(options->ids);
  free(options->text);
}

static const char import_help[] =
    "FILE (or - for standard input) holds a JSON array of job objects with\n"
    "the fields of `enqueue`: action, target, properties (an object, order\n"
    "kept), priority, not_before, deadline, max_attempts, timeout, key, log,\n"
    "after (job ids, or keys of jobs already queued or earlier in the\n"
    "manifest), exit_codes ({\"1603\": \"retry\"}), no_check and reinstall\n"
    "(true: --reinstall). If any item is invalid nothing is enqueued. A single "
    "job object (PowerShell 5.1's\n"
    "one-item array) is a manifest of one job. UTF-8 (with or without a\n"
    "byte-order mark) or UTF-16 with one. See docs/cli.md for an example.\n\n"
    "Options:\n"
    "  --no-check   do not check that packages exist now\n";

const tool_command tool_cmd_import = {
    .name = "import",
    .usage = "[--no-check] FILE|-",
    .summary =
        "Enqueue every job of a JSON manifest, all or nothing; print the ids.",
    .help = import_help,
    .options = import_option_table,
    .options_size = sizeof(import_options),
    .words = {.min = 1,
              .max = 1,
              .name = "FILE (or - for standard input)",
              .type = TOOL_WORD_STRING,
              .offset = offsetof(import_options, source)},
    .check = import_check,
    .store = TOOL_STORE_REHEARSED_ONCE,
    .rehearse = import_rehearse,
    .exec = import_exec,
    .cleanup = import_cleanup,
};
