/* fuzz_import.c: `msiq import` manifests (msiq_store_import) on hostile
 * JSON, in any of the encodings `msiq import` reads.
 *
 * Each input is first decoded as `msiq import` decodes a file
 * (msiq_text_decode_file: UTF-8 with or without a BOM, UTF-16 LE or BE with
 * a BOM; anything else, a NUL included, is refused with a one-line reason
 * naming the file, and the input ends there), then imported with no_check
 * into an empty ":memory:" queue, so inputs cannot affect each other. Opening a
 * store per input runs the migrations every time (about 140 runs a second);
 * instead one store is opened per process and, before each input, its database
 * is overwritten with a pristine copy through SQLite's backup API (white-box:
 * store_internal.h gives the connection). Invariants:
 *   - success means the text is a JSON array and there is one id per item,
 *     and the text has no \u0000 escape (SQLite's JSON functions end the
 *     string there, so it would be stored cut short; skipped with
 *     MSIQ_FUZZ_ALLOW=import-nul-escape);
 *     the distinct ids are exactly the jobs now stored (an item whose
 *     idempotency key names an earlier unfinished item gets that item's id);
 *   - the import leaves no transaction open;
 *   - failure leaves no job at all (all or nothing), with a one-line
 *     diagnostic (MSIQ_FUZZ_ALLOW=import-diagnostic-newline skips the
 *     one-line check);
 *   - every stored job has exactly the exit-code rules its item wrote
 *     (skipped with MSIQ_FUZZ_ALLOW=import-exit-code-truncation);
 *   - an accepted item has no field twice, and its integer fields
 *     (priority, max_attempts, after ids) are stored exactly as written:
 *     one that does not fit in 64 bits (json_each gives it as a real) was
 *     refused, never wrapped;
 *   - the JSON of every stored job, and the list, is valid UTF-8
 *     (fuzz_support.h's own reader), and so is every refusal's reason;
 *   - every stored job reads back with a target and its properties, its
 *     JSON forms (show, list) are valid JSON, and it builds an msiexec
 *     command line that is accepted and splits, the way msiexec reads it,
 *     into exactly its arguments: what import accepts, the dispatcher can
 *     run, and no manifest value turns into a switch.
 * JSON validity and the item count come from a separate SQLite connection
 * (json_valid, json_type, json_array_length).
 */
#include <sqlite3.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_support.h"
#include "host/host.h"
#include "core/installer_command.h"
#include "store/store.h"
#include "store/store_internal.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define PROGRAM "C:\\Windows\\System32\\msiexec.exe"

static msiq_store *store;
static sqlite3 *pristine;
static sqlite3 *oracle;
static sqlite3_stmt *oracle_shape;
static sqlite3_stmt *oracle_valid;
static sqlite3_stmt *oracle_exit_codes;
static sqlite3_stmt *oracle_fields;
static sqlite3_stmt *oracle_after;

/* Overwrites the database of to with that of from. */
static void copy_database(sqlite3 *to, sqlite3 *from) {
  sqlite3_backup *backup = sqlite3_backup_init(to, "main", from, "main");
  FUZZ_CHECK(backup != NULL, "cannot copy the database: %s",
             sqlite3_errmsg(to));
  int rc = sqlite3_backup_step(backup, -1);
  FUZZ_CHECK(sqlite3_backup_finish(backup) == SQLITE_OK && rc == SQLITE_DONE,
             "cannot copy the database (%d): %s", rc, sqlite3_errmsg(to));
}

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc;
  (void)argv;
  if (sqlite3_open(":memory:", &oracle) != SQLITE_OK ||
      sqlite3_prepare_v2(oracle,
                         "SELECT json_valid(?1), CASE WHEN json_valid(?1) "
                         "THEN json_type(?1) END, CASE WHEN json_valid(?1) "
                         "THEN json_array_length(?1) END",
                         -1, &oracle_shape, NULL) != SQLITE_OK ||
      sqlite3_prepare_v2(oracle, "SELECT json_valid(?1)", -1, &oracle_valid,
                         NULL) != SQLITE_OK ||
      sqlite3_prepare_v2(oracle,
                         "SELECT key, value FROM json_each(?1, '$[' || ?2 || "
                         "'].exit_codes')",
                         -1, &oracle_exit_codes, NULL) != SQLITE_OK ||
      sqlite3_prepare_v2(oracle,
                         "SELECT key, type, typeof(atom), atom FROM "
                         "json_each(?1, '$[' || ?2 || ']')",
                         -1, &oracle_fields, NULL) != SQLITE_OK ||
      sqlite3_prepare_v2(oracle,
                         "SELECT type, typeof(atom), atom FROM "
                         "json_each(?1, '$[' || ?2 || '].after')",
                         -1, &oracle_after, NULL) != SQLITE_OK) {
    fuzz_fail("cannot set up the JSON oracle: %s", sqlite3_errmsg(oracle));
  }
  msiq_diag diag = {{0}};
  if (msiq_store_open(":memory:", MSIQ_STORE_CREATE, &store, &diag) !=
      MSIQ_OK) {
    fuzz_fail("cannot open a :memory: store: %s", diag.message);
  }
  if (sqlite3_open(":memory:", &pristine) != SQLITE_OK) {
    fuzz_fail("cannot open the pristine copy");
  }
  copy_database(pristine, store->db);
  return 0;
}

/* The shape of text: whether it is an array, and how many items it has. */
static void json_shape(const char *text, bool *is_array, bool *is_object,
                       int64_t *length) {
  sqlite3_reset(oracle_shape);
  sqlite3_bind_text(oracle_shape, 1, text, -1, SQLITE_STATIC);
  FUZZ_CHECK(sqlite3_step(oracle_shape) == SQLITE_ROW, "oracle failed: %s",
             sqlite3_errmsg(oracle));
  const unsigned char *type = sqlite3_column_text(oracle_shape, 1);
  bool valid = sqlite3_column_int(oracle_shape, 0) != 0 && type != NULL;
  *is_array = valid && strcmp((const char *)type, "array") == 0;
  *is_object = valid && strcmp((const char *)type, "object") == 0;
  *length = sqlite3_column_int64(oracle_shape, 2);
  sqlite3_reset(oracle_shape);
}

static bool json_is_valid(const char *text) {
  sqlite3_reset(oracle_valid);
  sqlite3_bind_text(oracle_valid, 1, text, -1, SQLITE_STATIC);
  FUZZ_CHECK(sqlite3_step(oracle_valid) == SQLITE_ROW, "oracle failed: %s",
             sqlite3_errmsg(oracle));
  bool valid = sqlite3_column_int(oracle_valid, 0) != 0;
  sqlite3_reset(oracle_valid);
  return valid;
}

static int64_t stored_job_count(void) {
  int64_t counts[MSIQ_STATE_COUNT] = {0};
  msiq_diag diag = {{0}};
  FUZZ_CHECK(msiq_store_count_by_state(store, counts, &diag) == MSIQ_OK,
             "cannot count jobs: %s", diag.message);
  int64_t total = 0;
  for (int i = 0; i < MSIQ_STATE_COUNT; i++) {
    total += counts[i];
  }
  return total;
}

/* True when a and b are equal but for the case of ASCII letters: outcome
 * names are read in any case ("Success", as Windows tools write them) and
 * stored in lower case. Written here rather than taken from the core, so the
 * oracle does not share the code it checks. */
static bool same_ignoring_ascii_case(const char *a, const char *b) {
  for (; *a != '\0' && *b != '\0'; a++, b++) {
    char lower_a = *a >= 'A' && *a <= 'Z' ? (char)(*a - 'A' + 'a') : *a;
    char lower_b = *b >= 'A' && *b <= 'Z' ? (char)(*b - 'A' + 'a') : *b;
    if (lower_a != lower_b) {
      return false;
    }
  }
  return *a == *b;
}

/* The exit-code rules of manifest item `item` are exactly those stored with
 * job: same codes (leading zeros allowed), same outcome names but for the
 * case of their letters. */
static void check_exit_codes(const msiq_job *job, const char *text,
                             size_t item) {
  sqlite3_reset(oracle_exit_codes);
  sqlite3_bind_text(oracle_exit_codes, 1, text, -1, SQLITE_STATIC);
  sqlite3_bind_int64(oracle_exit_codes, 2, (sqlite3_int64)item);
  size_t count = 0;
  int rc;
  while ((rc = sqlite3_step(oracle_exit_codes)) == SQLITE_ROW) {
    const char *key = (const char *)sqlite3_column_text(oracle_exit_codes, 0);
    const char *value = (const char *)sqlite3_column_text(oracle_exit_codes, 1);
    count++;
    /* The code as written, saturating far above any valid one. */
    int64_t code = 0;
    for (const char *cursor = key != NULL ? key : ""; *cursor != '\0';
         cursor++) {
      code = code > INT64_C(1) << 40 ? code : code * 10 + (*cursor - '0');
    }
    bool found = false;
    for (size_t i = 0; i < job->exit_code_rule_count; i++) {
      if (job->exit_code_rules[i].code == code && value != NULL &&
          same_ignoring_ascii_case(
              msiq_outcome_name(job->exit_code_rules[i].outcome), value)) {
        found = true;
      }
    }
    FUZZ_CHECK(found || fuzz_allowed("import-exit-code-truncation"),
               "item %lu: exit code rule \"%s\": \"%s\" was not stored as "
               "written",
               (unsigned long)item + 1, key, value);
  }
  FUZZ_CHECK(rc == SQLITE_DONE, "oracle failed: %s", sqlite3_errmsg(oracle));
  sqlite3_reset(oracle_exit_codes);
  FUZZ_CHECK(count == job->exit_code_rule_count,
             "item %lu has %lu exit code rules, %lu were stored",
             (unsigned long)item + 1, (unsigned long)count,
             (unsigned long)job->exit_code_rule_count);
}

/* Item `item` of text, stored as job: no field twice, and every integer
 * field exactly as written (an integer json_each could only give as a real
 * does not fit in 64 bits, and must have been refused). */
static void check_item_fields(const msiq_job *job, const char *text,
                              size_t item) {
  sqlite3_reset(oracle_fields);
  sqlite3_bind_text(oracle_fields, 1, text, -1, SQLITE_STATIC);
  sqlite3_bind_int64(oracle_fields, 2, (sqlite3_int64)item);
  char seen[16][16];
  size_t seen_count = 0;
  int rc;
  while ((rc = sqlite3_step(oracle_fields)) == SQLITE_ROW) {
    const char *key = (const char *)sqlite3_column_text(oracle_fields, 0);
    const char *type = (const char *)sqlite3_column_text(oracle_fields, 1);
    const char *storage = (const char *)sqlite3_column_text(oracle_fields, 2);
    key = key != NULL ? key : "";
    /* Only known fields get this far, all shorter than 16 bytes. */
    for (size_t i = 0; i < seen_count; i++) {
      FUZZ_CHECK(strcmp(seen[i], key) != 0,
                 "item %lu was accepted with field \"%s\" twice",
                 (unsigned long)item + 1, key);
    }
    if (seen_count < 16 && strlen(key) < 16) {
      strcpy(seen[seen_count++], key);
    }
    if (type == NULL || strcmp(type, "integer") != 0) {
      continue;
    }
    FUZZ_CHECK(storage != NULL && strcmp(storage, "integer") == 0,
               "item %lu: \"%s\" does not fit in 64 bits but was accepted",
               (unsigned long)item + 1, key);
    int64_t written = sqlite3_column_int64(oracle_fields, 3);
    if (strcmp(key, "priority") == 0) {
      FUZZ_CHECK(job->priority == written,
                 "item %lu: priority %lld stored as %lld",
                 (unsigned long)item + 1, (long long)written,
                 (long long)job->priority);
    } else if (strcmp(key, "max_attempts") == 0) {
      FUZZ_CHECK(job->max_attempts == written,
                 "item %lu: max_attempts %lld stored as %lld",
                 (unsigned long)item + 1, (long long)written,
                 (long long)job->max_attempts);
    }
  }
  FUZZ_CHECK(rc == SQLITE_DONE, "oracle failed: %s", sqlite3_errmsg(oracle));
  sqlite3_reset(oracle_fields);

  sqlite3_reset(oracle_after);
  sqlite3_bind_text(oracle_after, 1, text, -1, SQLITE_STATIC);
  sqlite3_bind_int64(oracle_after, 2, (sqlite3_int64)item);
  while ((rc = sqlite3_step(oracle_after)) == SQLITE_ROW) {
    const char *type = (const char *)sqlite3_column_text(oracle_after, 0);
    const char *storage = (const char *)sqlite3_column_text(oracle_after, 1);
    if (type == NULL || strcmp(type, "integer") != 0) {
      continue;
    }
    FUZZ_CHECK(storage != NULL && strcmp(storage, "integer") == 0,
               "item %lu: an \"after\" id that does not fit in 64 bits was "
               "accepted",
               (unsigned long)item + 1);
    int64_t written = sqlite3_column_int64(oracle_after, 2);
    bool found = false;
    for (size_t i = 0; i < job->after_count; i++) {
      found = found || job->after[i] == written;
    }
    FUZZ_CHECK(found, "item %lu: \"after\" id %lld was not stored as written",
               (unsigned long)item + 1, (long long)written);
  }
  FUZZ_CHECK(rc == SQLITE_DONE, "oracle failed: %s", sqlite3_errmsg(oracle));
  sqlite3_reset(oracle_after);
}

/* One stored job: readable, valid JSON, and a safe msiexec command. */
static void check_stored_job(int64_t id, const char *text, size_t item) {
  msiq_job job;
  msiq_job_init(&job);
  msiq_diag diag = {{0}};
  FUZZ_CHECK(msiq_store_get_job(store, id, &job, &diag) == MSIQ_OK,
             "imported job %lld cannot be read: %s", (long long)id,
             diag.message);
  FUZZ_CHECK(job.state == MSIQ_STATE_QUEUED && job.target != NULL &&
                 job.target[0] != '\0' &&
                 (unsigned)job.action < MSIQ_ACTION_COUNT,
             "imported job %lld reads back broken", (long long)id);
  for (size_t i = 0; i < job.property_count; i++) {
    FUZZ_CHECK(job.properties[i].name != NULL &&
                   job.properties[i].value != NULL,
               "imported job %lld has a broken property", (long long)id);
  }

  check_exit_codes(&job, text, item);
  check_item_fields(&job, text, item);

  char *json = NULL;
  FUZZ_CHECK(msiq_store_job_json(store, id, true, &json, &diag) == MSIQ_OK,
             "job %lld has no JSON: %s", (long long)id, diag.message);
  FUZZ_CHECK(json_is_valid(json), "job %lld JSON is not valid: %s",
             (long long)id, json);
  FUZZ_CHECK(fuzz_text_is_utf8(json), "job %lld JSON is not UTF-8: %s",
             (long long)id, json);
  free(json);

  const char *log_path =
      job.log_path != NULL ? job.log_path : "C:\\ProgramData\\msiq\\1.log";
  msiq_installer_command command;
  msiq_installer_command_init(&command);
  FUZZ_CHECK(
      msiq_installer_command_build(&job, log_path, &command, &diag) == MSIQ_OK,
      "imported job %lld builds no command: %s", (long long)id, diag.message);
  char *line = NULL;
  FUZZ_CHECK(msiq_installer_command_line(PROGRAM, &command, &line, &diag) ==
                 MSIQ_OK,
             "imported job %lld (target [%s]) cannot be run: %s", (long long)id,
             job.target, diag.message);
  fuzz_check_round_trip(line, PROGRAM, command.arguments,
                        command.argument_count);
  free(line);
  msiq_installer_command_cleanup(&command);
  msiq_job_cleanup(&job);
}

/* Whether text has the JSON escape \u0000 (a backslash that is not itself
 * escaped, then u0000). SQLite's JSON functions end a string there, so
 * such a string reaches msiq cut short. */
static bool has_nul_escape(const char *text) {
  size_t backslashes = 0;
  for (const char *cursor = text; *cursor != '\0'; cursor++) {
    if (*cursor == '\\') {
      backslashes++;
      continue;
    }
    if (backslashes % 2 == 1 && *cursor == 'u' &&
        strncmp(cursor + 1, "0000", 4) == 0) {
      return true;
    }
    backslashes = 0;
  }
  return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size > 16384) {
    return -1;
  }
  char *text = NULL;
  msiq_diag diag = {{0}};
  if (msiq_text_decode_file((const char *)data, size, "fuzz.json", &text,
                            &diag) != MSIQ_OK) {
    FUZZ_CHECK(text == NULL && fuzz_is_one_line(diag.message) &&
                   strstr(diag.message, "fuzz.json") != NULL &&
                   fuzz_text_is_utf8(diag.message),
               "a manifest that cannot be decoded without a one-line UTF-8 "
               "reason naming it: [%s]",
               diag.message);
    return 0;
  }
  FUZZ_CHECK(fuzz_text_is_utf8(text), "a decoded manifest is not UTF-8");
  copy_database(store->db, pristine);

  int64_t *ids = NULL;
  size_t id_count = 0;
  int status = msiq_store_import(store, text, true, &msiq_host_admission, &ids,
                                 &id_count, &diag);
  bool is_array = false;
  bool is_object = false;
  int64_t item_count = -1;
  json_shape(text, &is_array, &is_object, &item_count);
  /* A single job object is a manifest of one job (PowerShell 5.1 writes a
   * one-item array that way), so the oracle checks it as that array. */
  char *oracle_text = text;
  if (is_object) {
    size_t length = strlen(text);
    oracle_text = malloc(length + 3);
    FUZZ_CHECK(oracle_text != NULL, "out of memory");
    oracle_text[0] = '[';
    memcpy(oracle_text + 1, text, length);
    oracle_text[length + 1] = ']';
    oracle_text[length + 2] = '\0';
    item_count = 1;
  }
  FUZZ_CHECK(sqlite3_get_autocommit(store->db),
             "import left a transaction open (status %d)", status);
  int64_t stored = stored_job_count();

  if (status == MSIQ_OK) {
    FUZZ_CHECK(is_array || is_object,
               "import accepted text that is neither a JSON array nor a job "
               "object");
    /* Every string of an accepted manifest is used, so one with \u0000
     * was silently truncated (target "a.msi\u0000.exe" is stored as
     * "a.msi", a property value "abc\u0000def" as "abc"). */
    FUZZ_CHECK(!has_nul_escape(text) || fuzz_allowed("import-nul-escape"),
               "import accepted a manifest with \\u0000 in a string, which "
               "it stores cut short at that point");
    FUZZ_CHECK((int64_t)id_count == item_count,
               "import gave %lu ids for %lld items", (unsigned long)id_count,
               (long long)item_count);
    /* Distinct ids are the jobs actually stored; each is checked against
     * the item that created it (its first occurrence). */
    int64_t distinct = 0;
    for (size_t i = 0; i < id_count; i++) {
      FUZZ_CHECK(ids[i] > 0, "import gave id %lld", (long long)ids[i]);
      bool seen = false;
      for (size_t j = 0; j < i && !seen; j++) {
        seen = ids[j] == ids[i];
      }
      if (!seen) {
        distinct++;
        check_stored_job(ids[i], oracle_text, i);
      }
    }
    FUZZ_CHECK(stored == distinct,
               "import gave %lld distinct ids but %lld jobs are stored",
               (long long)distinct, (long long)stored);
    char *list = NULL;
    FUZZ_CHECK(msiq_store_list_json(store, -1, &list, &diag) == MSIQ_OK,
               "cannot list jobs: %s", diag.message);
    FUZZ_CHECK(json_is_valid(list), "list JSON is not valid: %s", list);
    FUZZ_CHECK(fuzz_text_is_utf8(list), "list JSON is not UTF-8: %s", list);
    free(list);
  } else {
    FUZZ_CHECK(ids == NULL && id_count == 0, "failed import returned ids");
    FUZZ_CHECK(stored == 0, "failed import (%s) left %lld jobs stored",
               diag.message, (long long)stored);
    FUZZ_CHECK(diag.message[0] != '\0', "failed import without a reason");
    FUZZ_CHECK(fuzz_is_one_line(diag.message) ||
                   fuzz_allowed("import-diagnostic-newline"),
               "failed import without a one-line diagnostic: [%s]",
               diag.message);
    FUZZ_CHECK(fuzz_text_is_utf8(diag.message),
               "failed import with a reason that is not UTF-8: [%s]",
               diag.message);
  }
  free(ids);
  if (oracle_text != text) {
    free(oracle_text);
  }
  free(text);
  return 0;
}
