/* tool_cmd_import.c: `msiq import`, enqueue a JSON manifest all or nothing. */
#include "cli/tool.h"

#include "host/host.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum import_option_id { IMPORT_NO_CHECK = 1 };

static const tool_option import_options[] = {
    {"no-check", 0, TOOL_ARGUMENT_NONE, IMPORT_NO_CHECK},
    {NULL, 0, TOOL_ARGUMENT_NONE, 0},
};

static int import_handle_option(void *state, int id, const char *value,
                                msiq_diag *diag) {
  (void)id;
  (void)value;
  (void)diag;
  *(bool *)state = true;
  return MSIQ_OK;
}

/* Reads a whole stream into a NUL-terminated buffer (free() it). A NUL byte
 * inside the manifest is refused: SQLite would silently stop reading there. */
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
  buffer[length] = '\0';
  if (strlen(buffer) != length) {
    free(buffer);
    return msiq_diag_set(diag, MSIQ_EINVAL, "%s contains a NUL byte", name);
  }
  *text = buffer;
  return MSIQ_OK;
}

typedef struct import_request {
  const char *text;
  bool no_check;
  /* The ids the rehearsal gave, which are the real ones when the rehearsal
   * becomes the new database. */
  int64_t *ids;
  size_t id_count;
} import_request;

static int import_rehearse(msiq_store *store, void *state, msiq_diag *diag) {
  import_request *request = state;
  return msiq_store_import(store, request->text, request->no_check,
                           &request->ids, &request->id_count, diag);
}

static int import_exec(tool_context *context, int argc, char **argv) {
  bool no_check = false;
  const char *source = NULL;
  int exit_code =
      tool_parse_command_line(context, argc, argv, import_options,
                              import_handle_option, &no_check, &source, 1, 1,
                              "FILE (or - for "
                              "standard input)");
  if (exit_code != TOOL_CONTINUE) {
    return exit_code;
  }
  msiq_diag diag = {{0}};
  char *text = NULL;
  int64_t *ids = NULL;
  size_t id_count = 0;
  msiq_store *store = NULL;
  int status;
  if (strcmp(source, "-") == 0) {
    status = import_read_stream(stdin, "standard input", &text, &diag);
  } else {
    FILE *file = msiq_host_fopen(source, "rb");
    if (file == NULL) {
      status = msiq_diag_set(&diag, MSIQ_EINVAL, "cannot open %s: %s", source,
                             strerror(errno));
    } else {
      status = import_read_stream(file, source, &text, &diag);
      fclose(file);
    }
  }
  if (status != MSIQ_OK) {
    exit_code = tool_report(context, status, &diag);
    goto cleanup;
  }
  import_request request = {text, no_check, NULL, 0};
  bool done = false;
  exit_code = tool_open_store_checked_once(context, import_rehearse, &request,
                                           &store, &done);
  if (exit_code != TOOL_EXIT_OK) {
    free(request.ids);
    goto cleanup;
  }
  if (done) {
    ids = request.ids;
    id_count = request.id_count;
  } else {
    free(request.ids);
    status = msiq_store_import(store, text, no_check, &ids, &id_count, &diag);
    if (status != MSIQ_OK) {
      exit_code = tool_report(context, status, &diag);
      goto cleanup;
    }
  }
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

cleanup:
  free(ids);
  free(text);
  msiq_store_close(store);
  return exit_code;
}

const tool_command tool_cmd_import = {
    "import",
    "[--no-check] FILE|-",
    "Enqueue every job of a JSON manifest, all or nothing; print the ids.",
    "FILE (or - for standard input) holds a JSON array of job objects with\n"
    "the fields of `enqueue`: action, target, properties (an object, order\n"
    "kept), priority, not_before, deadline, max_attempts, timeout, key, log,\n"
    "after (job ids, or keys of jobs already queued or earlier in the\n"
    "manifest), exit_codes ({\"1603\": \"retry\"}) and no_check. If any item "
    "is\n"
    "invalid nothing is enqueued. See docs/cli.md for an example.\n\n"
    "Options:\n"
    "  --no-check   do not check that packages exist now\n",
    import_exec,
};
