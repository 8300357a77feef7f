/* store_import.c: `msiq import`, a JSON manifest enqueued all or nothing.
 *
 * JSON is read through SQLite's JSON functions (json_tree, the manifest
 * parsed once), never by a parser of our own; each item becomes a
 * msiq_job_spec and goes through the same
 * admission (core/admission.h) and insert as `enqueue`. Every item is read
 * and admitted first, without the write lock; then one transaction stores
 * them all, so other writers wait only for the inserts.
 */
#include "store/store_internal.h"

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host/host.h"
#include "msiq_sql.h"
#include "core/text.h"
#include "core/timeparse.h"

/* User text (a field name, a value) made safe for a one-line message. */
typedef struct store_quoted {
  char text[160];
} store_quoted;

static store_quoted store_quote(const char *text) {
  store_quoted quoted;
  msiq_quote_for_message(text, quoted.text, sizeof quoted.text);
  return quoted;
}

/* Takes one member of a JSON array or object (its key, value and type, as
 * json_tree_node.sql gives them). */
typedef int (*store_json_member_visitor)(const char *key, const char *value,
                                         const char *type, void *context,
                                         msiq_diag *diag);

/* Returns the JSON type of a document ("array", "object", ...) or NULL
 * (into type, empty) when the text is not JSON. */
static int store_json_type(msiq_store *store, const char *json, char *type,
                           size_t size, msiq_diag *diag) {
  sqlite3_stmt *statement;
  int status =
      store_prepare(store, msiq_sql_json_document_type, &statement, diag);
  if (status != MSIQ_OK) {
    return status;
  }
  sqlite3_bind_text(statement, 1, json, -1, SQLITE_STATIC);
  type[0] = '\0';
  int rc = sqlite3_step(statement);
  if (rc == SQLITE_ROW) {
    const unsigned char *text = sqlite3_column_text(statement, 0);
    if (text != NULL) {
      snprintf(type, size, "%s", (const char *)text);
    }
  } else {
    status = store_fail(store, rc, diag, "reading JSON");
  }
  store_release(store, statement);
  return status;
}

typedef struct store_import_item {
  msiq_store *store;
  msiq_job_spec *spec;
  int64_t now;
  /* Bit i: store_import_fields[i] was seen in this job object. */
  unsigned seen_fields;
  /* Set by the reader of a field that is an array or object (properties,
   * after, exit_codes): takes that field's members, the nodes that follow
   * it; NULL after any other field. */
  store_json_member_visitor members;
} store_import_item;

/* A JSON integer's text as a whole number in [low, high]; what names it in
 * the message. The text is all there is to go by: an integer too large for
 * 64 bits arrives as its own digits (json_tree_node.sql), never wrapped
 * or rounded, and is refused here. */
static int store_import_integer(const char *what, const char *value,
                                int64_t low, int64_t high, int64_t *number,
                                msiq_diag *diag) {
  char *end = NULL;
  errno = 0;
  long long parsed = strtoll(value, &end, 10);
  if (value[0] == '\0' || *end != '\0' || errno == ERANGE || parsed < low ||
      parsed > high) {
    return msiq_diag_set(
        diag, MSIQ_EINVAL, "%s %s is out of range (%lld to %lld)", what,
        store_quote(value).text, (long long)low, (long long)high);
  }
  *number = (int64_t)parsed;
  return MSIQ_OK;
}

static int store_import_property(const char *key, const char *value,
                                 const char *type, void *context,
                                 msiq_diag *diag) {
  store_import_item *item = context;
  if (strcmp(type, "text") != 0 && strcmp(type, "integer") != 0 &&
      strcmp(type, "real") != 0) {
    return msiq_diag_set(diag, MSIQ_EINVAL,
                         "property '%s' must be a string or a number, not %s",
                         store_quote(key).text, type);
  }
  return msiq_job_spec_add_property(item->spec, key, value, diag);
}

static int store_import_after(const char *key, const char *value,
                              const char *type, void *context,
                              msiq_diag *diag) {
  store_import_item *item = context;
  (void)key;
  if (strcmp(type, "integer") == 0) {
    int64_t id = 0;
    int status = store_import_integer("\"after\" id", value, INT64_MIN,
                                      INT64_MAX, &id, diag);
    if (status != MSIQ_OK || id <= 0) {
      return msiq_diag_set(diag, MSIQ_EINVAL,
                           "\"after\" id %s is not a job id (ids are 1 to "
                           "%lld)",
                           store_quote(value).text, (long long)INT64_MAX);
    }
    return msiq_job_spec_add_after(item->spec, id);
  }
  if (strcmp(type, "text") == 0) {
    return msiq_job_spec_add_after_key(item->spec, value);
  }
  return msiq_diag_set(diag, MSIQ_EINVAL,
                       "\"after\" entries must be job ids or keys, not %s",
                       type);
}

/* The members of "transforms" and "patches": file names, as given
 * (admission makes them absolute and checks them). */
static int store_import_path_member(const char *field, const char *value,
                                    const char *type, msiq_diag *diag) {
  if (strcmp(type, "text") != 0) {
    return msiq_diag_set(diag, MSIQ_EINVAL,
                         "\"%s\" entries must be file names (strings), not %s",
                         field, type);
  }
  (void)value;
  return MSIQ_OK;
}

static int store_import_transform(const char *key, const char *value,
                                  const char *type, void *context,
                                  msiq_diag *diag) {
  store_import_item *item = context;
  (void)key;
  int status = store_import_path_member("transforms", value, type, diag);
  if (status == MSIQ_OK &&
      msiq_job_spec_add_transform(item->spec, value) != MSIQ_OK) {
    status = msiq_diag_set(diag, MSIQ_ENOMEM, "out of memory");
  }
  return status;
}

static int store_import_patch_path(const char *key, const char *value,
                                   const char *type, void *context,
                                   msiq_diag *diag) {
  store_import_item *item = context;
  (void)key;
  int status = store_import_path_member("patches", value, type, diag);
  if (status == MSIQ_OK &&
      msiq_job_spec_add_patch_path(item->spec, value) != MSIQ_OK) {
    status = msiq_diag_set(diag, MSIQ_ENOMEM, "out of memory");
  }
  return status;
}

static int store_import_exit_code(const char *key, const char *value,
                                  const char *type, void *context,
                                  msiq_diag *diag) {
  store_import_item *item = context;
  if (strcmp(type, "text") != 0) {
    return msiq_diag_set(diag, MSIQ_EINVAL,
                         "\"exit_codes\" value for %s must be a string",
                         store_quote(key).text);
  }
  char rule[128];
  int written = snprintf(rule, sizeof rule, "%s=%s", key, value);
  if (written < 0 || (size_t)written >= sizeof rule) {
    return msiq_diag_set(diag, MSIQ_EINVAL,
                         "\"exit_codes\" entry is too long to be a code and "
                         "an outcome");
  }
  return msiq_job_spec_add_exit_code_rule(item->spec, rule, diag);
}

/* Field readers for one import item, chosen from a table by field name. */
typedef int (*store_import_field_reader)(store_import_item *item,
                                         const char *name, const char *value,
                                         msiq_diag *diag);

static int store_import_want_type(const char *name, const char *type,
                                  const char *wanted, msiq_diag *diag) {
  if (strcmp(type, wanted) == 0) {
    return MSIQ_OK;
  }
  /* json_each says "text"; people say "string". */
  const char *wanted_name = strcmp(wanted, "text") == 0 ? "string" : wanted;
  const char *type_name = strcmp(type, "text") == 0 ? "string" : type;
  const char *article =
      wanted_name[0] == 'a' || wanted_name[0] == 'i' || wanted_name[0] == 'o'
          ? "an"
          : "a";
  return msiq_diag_set(diag, MSIQ_EINVAL, "\"%s\" must be %s %s, not %s", name,
                       article, wanted_name, type_name);
}

static int store_read_action(store_import_item *item, const char *name,
                             const char *value, msiq_diag *diag) {
  (void)name;
  if (msiq_action_parse(value, &item->spec->action) != MSIQ_OK) {
    return msiq_diag_set(diag, MSIQ_EINVAL,
                         "unknown action '%s' (use " MSIQ_ACTION_CHOICES ")",
                         store_quote(value).text);
  }
  item->spec->action_given = true;
  return MSIQ_OK;
}

static int store_read_target(store_import_item *item, const char *name,
                             const char *value, msiq_diag *diag) {
  (void)name;
  if (msiq_job_spec_set_target(item->spec, value) != MSIQ_OK) {
    return msiq_diag_set(diag, MSIQ_ENOMEM, "out of memory");
  }
  return MSIQ_OK;
}

static int store_read_key(store_import_item *item, const char *name,
                          const char *value, msiq_diag *diag) {
  (void)name;
  if (msiq_job_spec_set_key(item->spec, value) != MSIQ_OK) {
    return msiq_diag_set(diag, MSIQ_ENOMEM, "out of memory");
  }
  return MSIQ_OK;
}

static int store_read_log(store_import_item *item, const char *name,
                          const char *value, msiq_diag *diag) {
  (void)name;
  if (msiq_job_spec_set_log_path(item->spec, value) != MSIQ_OK) {
    return msiq_diag_set(diag, MSIQ_ENOMEM, "out of memory");
  }
  return MSIQ_OK;
}

/* msiexec's /l letters, as `enqueue --log-mode` takes them. */
static int store_read_log_mode(store_import_item *item, const char *name,
                               const char *value, msiq_diag *diag) {
  (void)name;
  msiq_diag reason = {{0}};
  int status = msiq_job_spec_set_log_mode(item->spec, value, &reason);
  if (status != MSIQ_OK) {
    return msiq_diag_set(diag, status, "\"log_mode\": %s", reason.message);
  }
  return MSIQ_OK;
}

static int store_read_priority(store_import_item *item, const char *name,
                               const char *value, msiq_diag *diag) {
  (void)name;
  return store_import_integer("\"priority\"", value, INT64_MIN, INT64_MAX,
                              &item->spec->priority, diag);
}

static int store_read_max_attempts(store_import_item *item, const char *name,
                                   const char *value, msiq_diag *diag) {
  (void)name;
  /* Admission checks the limit; this only keeps the number whole. */
  return store_import_integer("\"max_attempts\"", value, INT64_MIN, INT64_MAX,
                              &item->spec->max_attempts, diag);
}

static int store_read_not_before(store_import_item *item, const char *name,
                                 const char *value, msiq_diag *diag) {
  (void)name;
  return msiq_time_parse(value, item->now, &item->spec->not_before, diag);
}

static int store_read_deadline(store_import_item *item, const char *name,
                               const char *value, msiq_diag *diag) {
  (void)name;
  return msiq_time_parse(value, item->now, &item->spec->deadline, diag);
}

static int store_read_timeout(store_import_item *item, const char *name,
                              const char *value, msiq_diag *diag) {
  (void)name;
  return msiq_duration_parse(value, &item->spec->timeout_ms, diag);
}

/* The members of these fields come as nodes of their own, after the field
 * (store_import_read_all). */
static int store_read_properties(store_import_item *item, const char *name,
                                 const char *value, msiq_diag *diag) {
  (void)name;
  (void)value;
  (void)diag;
  item->members = store_import_property;
  return MSIQ_OK;
}

static int store_read_after(store_import_item *item, const char *name,
                            const char *value, msiq_diag *diag) {
  (void)name;
  (void)value;
  (void)diag;
  item->members = store_import_after;
  return MSIQ_OK;
}

static int store_read_exit_codes(store_import_item *item, const char *name,
                                 const char *value, msiq_diag *diag) {
  (void)name;
  (void)value;
  (void)diag;
  item->members = store_import_exit_code;
  return MSIQ_OK;
}

static int store_read_transforms(store_import_item *item, const char *name,
                                 const char *value, msiq_diag *diag) {
  (void)name;
  (void)value;
  (void)diag;
  item->members = store_import_transform;
  return MSIQ_OK;
}

static int store_read_patches(store_import_item *item, const char *name,
                              const char *value, msiq_diag *diag) {
  (void)name;
  (void)value;
  (void)diag;
  item->members = store_import_patch_path;
  return MSIQ_OK;
}

static int store_read_target_dir(store_import_item *item, const char *name,
                                 const char *value, msiq_diag *diag) {
  (void)name;
  if (msiq_job_spec_set_target_dir(item->spec, value) != MSIQ_OK) {
    return msiq_diag_set(diag, MSIQ_ENOMEM, "out of memory");
  }
  return MSIQ_OK;
}

/* A language id is a number ("language": 1033); admission checks its
 * range. */
static int store_read_language(store_import_item *item, const char *name,
                               const char *value, msiq_diag *diag) {
  (void)name;
  if (msiq_job_spec_set_language(item->spec, value) != MSIQ_OK) {
    return msiq_diag_set(diag, MSIQ_ENOMEM, "out of memory");
  }
  return MSIQ_OK;
}

static int store_read_patch_code(store_import_item *item, const char *name,
                                 const char *value, msiq_diag *diag) {
  (void)name;
  if (msiq_job_spec_set_patch_code(item->spec, value) != MSIQ_OK) {
    return msiq_diag_set(diag, MSIQ_ENOMEM, "out of memory");
  }
  return MSIQ_OK;
}

static int store_read_no_check(store_import_item *item, const char *name,
                               const char *value, msiq_diag *diag) {
  (void)name;
  (void)value;
  (void)diag;
  item->spec->no_check = true;
  return MSIQ_OK;
}

static int store_read_reinstall(store_import_item *item, const char *name,
                                const char *value, msiq_diag *diag) {
  (void)name;
  (void)value;
  (void)diag;
  item->spec->reinstall = true;
  return MSIQ_OK;
}

static int store_read_related(store_import_item *item, const char *name,
                              const char *value, msiq_diag *diag) {
  (void)name;
  (void)value;
  (void)diag;
  item->spec->related = true;
  return MSIQ_OK;
}

typedef struct store_import_field {
  const char *name;
  const char *type; /* JSON type required; "boolean" accepts true/false */
  store_import_field_reader read;
} store_import_field;

static const store_import_field store_import_fields[] = {
    {"action", "text", store_read_action},
    {"target", "text", store_read_target},
    {"properties", "object", store_read_properties},
    {"priority", "integer", store_read_priority},
    {"not_before", "text", store_read_not_before},
    {"deadline", "text", store_read_deadline},
    {"max_attempts", "integer", store_read_max_attempts},
    {"timeout", "text", store_read_timeout},
    {"key", "text", store_read_key},
    {"log", "text", store_read_log},
    {"log_mode", "text", store_read_log_mode},
    {"after", "array", store_read_after},
    {"exit_codes", "object", store_read_exit_codes},
    {"no_check", "boolean", store_read_no_check},
    {"reinstall", "boolean", store_read_reinstall},
    {"related", "boolean", store_read_related},
    {"transforms", "array", store_read_transforms},
    {"patches", "array", store_read_patches},
    {"target_dir", "text", store_read_target_dir},
    {"language", "integer", store_read_language},
    {"patch_code", "text", store_read_patch_code},
};

/* store_import_item.seen_fields has a bit for each. */
_Static_assert(sizeof store_import_fields / sizeof store_import_fields[0] <=
                   sizeof(unsigned) * 8,
               "one bit of seen_fields per import field");

static int store_import_field_visit(const char *key, const char *value,
                                    const char *type, void *context,
                                    msiq_diag *diag) {
  store_import_item *item = context;
  item->members = NULL;
  for (size_t i = 0;
       i < sizeof store_import_fields / sizeof store_import_fields[0]; i++) {
    const store_import_field *field = &store_import_fields[i];
    if (strcmp(field->name, key) != 0) {
      continue;
    }
    /* JSON allows a name twice in one object and json_tree shows both;
     * which one counts would be a guess, so neither does. */
    if (item->seen_fields & (1u << i)) {
      return msiq_diag_set(diag, MSIQ_EINVAL,
                           "field \"%s\" is given twice in one job", key);
    }
    item->seen_fields |= 1u << i;
    if (strcmp(field->type, "boolean") == 0) {
      if (strcmp(type, "true") == 0) {
        return field->read(item, key, value, diag);
      }
      return strcmp(type, "false") == 0
                 ? MSIQ_OK
                 : store_import_want_type(key, type, "boolean", diag);
    }
    int status = store_import_want_type(key, type, field->type, diag);
    return status == MSIQ_OK ? field->read(item, key, value, diag) : status;
  }
  return msiq_diag_set(diag, MSIQ_EINVAL, "unknown field \"%s\"",
                       store_quote(key).text);
}

/* One item of the manifest, read and admitted before the transaction and
 * stored inside it. */
typedef struct store_import_job {
  msiq_job_spec spec;
  /* The admission's refusal (a missing package), which the store delivers
   * only after the item's key lookup (core/admission.h); MSIQ_OK if none. */
  int refusal;
  char *refusal_message; /* with a refusal: its text (free() it) */
} store_import_job;

typedef struct store_import_run {
  msiq_store *store;
  bool no_check;
  const msiq_admission_host *admission_host;
  int64_t now;
  size_t item_count;
  size_t capacity;
  store_import_job *jobs;
  /* The item being read, jobs[item_count], while its nodes come. */
  bool item_open;
  store_import_item item;
} store_import_run;

static void store_import_run_cleanup(store_import_run *run) {
  if (run->item_open) {
    msiq_job_spec_cleanup(&run->jobs[run->item_count].spec);
    run->item_open = false;
  }
  for (size_t i = 0; i < run->item_count; i++) {
    msiq_job_spec_cleanup(&run->jobs[i].spec);
    free(run->jobs[i].refusal_message);
  }
  free(run->jobs);
  run->jobs = NULL;
  run->item_count = 0;
  run->capacity = 0;
}

/* Keeps the reason, and says which item was wrong. */
static int store_import_item_failed(msiq_diag *diag, int status,
                                    size_t number) {
  char reason[sizeof diag->message];
  snprintf(reason, sizeof reason, "%s", diag != NULL ? diag->message : "");
  return msiq_diag_set(diag, status, "import item %zu: %s", number, reason);
}

/* Starts reading an item of the manifest (a node of the top-level array)
 * as jobs[item_count]. */
static int store_import_begin_item(store_import_run *run, const char *type,
                                   msiq_diag *diag) {
  if (run->item_count + 1 > run->capacity) {
    /* Doubling keeps the copies linear in the number of items. */
    size_t capacity = run->capacity == 0 ? 256 : run->capacity * 2;
    store_import_job *grown = realloc(run->jobs, capacity * sizeof *grown);
    if (grown == NULL) {
      return msiq_diag_set(diag, MSIQ_ENOMEM, "out of memory");
    }
    run->jobs = grown;
    run->capacity = capacity;
  }
  store_import_job *job = &run->jobs[run->item_count];
  memset(job, 0, sizeof *job);
  msiq_job_spec_init(&job->spec);
  job->spec.no_check = run->no_check;
  run->item_open = true;
  run->item = (store_import_item){run->store, &job->spec, run->now, 0, NULL};
  if (strcmp(type, "object") != 0) {
    return msiq_diag_set(diag, MSIQ_EINVAL, "expected a job object, not %s",
                         type);
  }
  return MSIQ_OK;
}

/* Ends the item being read, once all its fields are in: checks and admits
 * it. Nothing here needs the write lock, so the whole manifest is read and
 * checked before the transaction begins: a long or a wrong manifest never
 * keeps other writers waiting. */
static int store_import_end_item(store_import_run *run, msiq_diag *diag) {
  store_import_job *job = &run->jobs[run->item_count];
  int status = MSIQ_OK;
  if (job->spec.target == NULL) {
    status = msiq_diag_set(diag, MSIQ_EINVAL, "\"target\" is missing");
  }
  msiq_admission admission;
  if (status == MSIQ_OK) {
    status = msiq_job_admit(&job->spec, run->admission_host, &admission, diag);
  }
  if (status == MSIQ_OK && admission.refusal != MSIQ_OK) {
    job->refusal = admission.refusal;
    job->refusal_message = msiq_text_duplicate(admission.refusal_diag.message);
    if (job->refusal_message == NULL) {
      status = msiq_diag_set(diag, MSIQ_ENOMEM, "out of memory");
    }
  }
  if (status != MSIQ_OK) {
    free(job->refusal_message);
    job->refusal_message = NULL;
    return status; /* store_import_run_cleanup frees the open item */
  }
  run->item_open = false;
  run->item_count++;
  return MSIQ_OK;
}

/* One node of the manifest: the array itself, an item, a field of an item,
 * or a member of a field that is an array or object. Nodes come in
 * document order, each after its parent, so an item ends where the next
 * one (or the document) begins. Deeper nodes belong to a member that is
 * itself an array or object, which its field's reader has refused. */
typedef struct store_import_nodes {
  sqlite3_int64 root;
  sqlite3_int64 item;  /* the open item's node, or -1 */
  sqlite3_int64 field; /* its field whose members come next, or -1 */
} store_import_nodes;

static int store_import_node(store_import_run *run, store_import_nodes *nodes,
                             sqlite3_stmt *statement, msiq_diag *diag) {
  if (sqlite3_column_type(statement, 0) == SQLITE_NULL) {
    nodes->root = sqlite3_column_int64(statement, 1);
    return MSIQ_OK;
  }
  sqlite3_int64 parent = sqlite3_column_int64(statement, 0);
  sqlite3_int64 id = sqlite3_column_int64(statement, 1);
  const char *key = (const char *)sqlite3_column_text(statement, 2);
  const char *value = (const char *)sqlite3_column_text(statement, 3);
  const char *type = (const char *)sqlite3_column_text(statement, 4);
  if (value == NULL) {
    value = "";
  }
  if (parent == nodes->root) {
    int status = run->item_open ? store_import_end_item(run, diag) : MSIQ_OK;
    if (status == MSIQ_OK) {
      nodes->item = id;
      nodes->field = -1;
      status = store_import_begin_item(run, type, diag);
    }
    return status;
  }
  if (parent == nodes->item) {
    int status = store_import_field_visit(key, value, type, &run->item, diag);
    nodes->field = run->item.members != NULL ? id : -1;
    return status;
  }
  if (parent == nodes->field) {
    return run->item.members(key, value, type, &run->item, diag);
  }
  return MSIQ_OK;
}

/* Reads and admits every item of the manifest, walking it once. */
static int store_import_read_all(store_import_run *run, const char *json_text,
                                 msiq_diag *diag) {
  sqlite3_stmt *statement;
  int status =
      store_prepare(run->store, msiq_sql_json_tree_node, &statement, diag);
  if (status != MSIQ_OK) {
    return status;
  }
  sqlite3_bind_text(statement, 1, json_text, -1, SQLITE_STATIC);
  store_import_nodes nodes = {-1, -1, -1};
  int rc = SQLITE_DONE;
  while (status == MSIQ_OK && (rc = sqlite3_step(statement)) == SQLITE_ROW) {
    status = store_import_node(run, &nodes, statement, diag);
  }
  if (status == MSIQ_OK && rc != SQLITE_DONE) {
    status = store_fail(run->store, rc, diag, "reading JSON");
  }
  if (status == MSIQ_OK && run->item_open) {
    status = store_import_end_item(run, diag);
  }
  if (status != MSIQ_OK && run->item_open) {
    status = store_import_item_failed(diag, status, run->item_count + 1);
  }
  /* Reset, and let go of the document: it belongs to the caller. */
  store_release(run->store, statement);
  sqlite3_clear_bindings(statement);
  return status;
}

/* Stores the admitted items, inside the caller's transaction. */
static int store_import_insert_all(store_import_run *run, int64_t *ids,
                                   msiq_diag *diag) {
  for (size_t i = 0; i < run->item_count; i++) {
    store_import_job *job = &run->jobs[i];
    msiq_admission admission;
    memset(&admission, 0, sizeof admission);
    admission.spec = &job->spec;
    admission.refusal = job->refusal;
    if (job->refusal != MSIQ_OK) {
      snprintf(admission.refusal_diag.message,
               sizeof admission.refusal_diag.message, "%s",
               job->refusal_message);
    }
    bool existing = false;
    int status = store_insert_job(run->store, &admission, run->now, &ids[i],
                                  &existing, diag);
    if (status != MSIQ_OK) {
      return store_import_item_failed(diag, status, i + 1);
    }
  }
  return MSIQ_OK;
}

/* The body of msiq_store_import, on a manifest that is a JSON array. */
static int store_import_text(msiq_store *store, const char *json_text,
                             bool no_check,
                             const msiq_admission_host *admission_host,
                             int64_t **ids, size_t *id_count, msiq_diag *diag) {
  int status = MSIQ_OK;
  /* SQLite passes bytes that are not UTF-8 through into the jobs, and from
   * there into every --json output. */
  size_t json_length = strlen(json_text);
  size_t valid = msiq_utf8_valid_prefix(json_text, json_length);
  if (valid < json_length) {
    size_t line = 0;
    size_t column = 0;
    msiq_text_position(json_text, valid, &line, &column);
    return msiq_diag_set(diag, MSIQ_EINVAL,
                         "import: the manifest is not valid UTF-8 (byte 0x%02x "
                         "at line %zu, column %zu)",
                         (unsigned)(unsigned char)json_text[valid], line,
                         column);
  }
  /* SQLite's JSON functions end a string at \u0000, which would silently
   * shorten a target or a property value; refuse it, as a raw NUL is. */
  for (const char *cursor = strstr(json_text, "\\u"); cursor != NULL;
       cursor = strstr(cursor + 2, "\\u")) {
    /* Count the backslashes before it: an even number means it is itself
     * escaped ("\\u0000" is the six characters \u0000). */
    size_t backslashes = 0;
    while (cursor - (ptrdiff_t)backslashes > json_text &&
           cursor[-(ptrdiff_t)backslashes - 1] == '\\') {
      backslashes++;
    }
    if (backslashes % 2 == 0 && strncmp(cursor + 2, "0000", 4) == 0) {
      return msiq_diag_set(diag, MSIQ_EINVAL,
                           "import: the manifest contains \\u0000 (a NUL "
                           "character), which no target, key or property "
                           "may contain");
    }
  }
  /* First every item is read and admitted, outside any transaction; then
   * one transaction stores them all (the keys, dependencies and inserts
   * need the database as it is at that moment). */
  store_import_run run = {store, no_check, admission_host, msiq_host_now_ms(),
                          0,     0,        NULL,           false,
                          {0}};
  status = store_import_read_all(&run, json_text, diag);
  int64_t *new_ids = NULL;
  if (status == MSIQ_OK && run.item_count > 0) {
    new_ids = malloc(run.item_count * sizeof *new_ids);
    if (new_ids == NULL) {
      status = msiq_diag_set(diag, MSIQ_ENOMEM, "out of memory");
    }
  }
  if (status == MSIQ_OK) {
    status = store_begin(store, diag);
    if (status == MSIQ_OK) {
      status = store_import_insert_all(&run, new_ids, diag);
      status = store_finish(store, status, diag);
    }
  }
  size_t count = run.item_count;
  store_import_run_cleanup(&run);
  if (status != MSIQ_OK) {
    free(new_ids);
    return status;
  }
  *ids = new_ids;
  *id_count = count;
  return MSIQ_OK;
}

int msiq_store_import(msiq_store *store, const char *json_text, bool no_check,
                      const msiq_admission_host *admission_host, int64_t **ids,
                      size_t *id_count, msiq_diag *diag) {
  *ids = NULL;
  *id_count = 0;
  char type[16];
  int status = store_json_type(store, json_text, type, sizeof type, diag);
  if (status != MSIQ_OK) {
    return status;
  }
  if (type[0] == '\0') {
    return msiq_diag_set(diag, MSIQ_EINVAL, "import: the input is not JSON");
  }
  /* PowerShell 5.1's ConvertTo-Json writes a one-item array as the item
   * itself, so a single job object is a manifest of one job. */
  char *wrapped = NULL;
  if (strcmp(type, "object") == 0) {
    size_t length = strlen(json_text);
    wrapped = malloc(length + 3);
    if (wrapped == NULL) {
      return msiq_diag_set(diag, MSIQ_ENOMEM, "out of memory");
    }
    wrapped[0] = '[';
    memcpy(wrapped + 1, json_text, length);
    wrapped[length + 1] = ']';
    wrapped[length + 2] = '\0';
    json_text = wrapped;
  } else if (strcmp(type, "array") != 0) {
    return msiq_diag_set(diag, MSIQ_EINVAL,
                         "import: expected a JSON array of jobs (or one job "
                         "object), not %s",
                         type);
  }
  status = store_import_text(store, json_text, no_check, admission_host, ids,
                             id_count, diag);
  free(wrapped);
  return status;
}
