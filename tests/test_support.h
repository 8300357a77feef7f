/* test_support.h: helpers and fixtures shared by the cmocka tests.
 *
 * Helpers named assert_* check something and fail the running test when it
 * does not hold, as cmocka's own assertions do; helpers named test_* build
 * or clean up what a test works on, and fail the test when they cannot.
 */
#ifndef MSIQ_TEST_SUPPORT_H
#define MSIQ_TEST_SUPPORT_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/admission.h"
#include "core/job.h"
#include "core/msiq.h"
#include "store/store.h"

/* ---- Text ---------------------------------------------------------------- */

/* A malloc'ed copy of text (strdup() is not C11, and the tests build with
 * the same strictness as the code they test). */
char *test_text_copy(const char *text);

/* Fails the test unless message contains fragment, showing both. */
void assert_message_contains(const char *message, const char *fragment);

/* Diagnostics are one line, whatever the input was. */
void assert_message_is_one_line(const char *message);

/* ---- Jobs and specs ------------------------------------------------------ */

/* Initialises a spec for action on target with nothing else set, so that
 * with a valid target it passes validation; a test changes one thing and
 * expects the matching complaint. Release it with msiq_job_spec_cleanup(). */
void test_spec_init(msiq_job_spec *spec, msiq_action action,
                    const char *target);

/* Initialises a job as the store would hand it over: action and target
 * (copied; NULL stays NULL) and nothing else. Release it with
 * msiq_job_cleanup(). */
void test_job_init(msiq_job *job, msiq_action action, const char *target);

/* Appends the property name=value to a job, owned by the job and freed by
 * msiq_job_cleanup(). No validation, on purpose: what consumes a job (the
 * command line) must refuse bad names on its own. */
void test_job_add_property(msiq_job *job, const char *name, const char *value);

/* ---- Files and temporary databases ----------------------------------------
 */

/* Writes a fresh, not yet existing path under $MSIQ_TEST_TMPDIR (or the
 * system temporary directory) into buffer: "<tmp>/<stem>-<clock>-<n>.db". */
void test_unique_path(char *buffer, size_t size, const char *stem);

/* Removes a database file and its -wal and -shm companions. */
void test_remove_database(const char *path);

/* Writes text to a new file at path; fails the test if it cannot. */
void test_write_file(const char *path, const char *text);

/* Admits spec with the host's own services, as the CLI does, and fails the
 * test if admission refuses it outright (a missing package is only recorded
 * in admission->refusal, for the store to deliver). */
void test_admit(msiq_job_spec *spec, msiq_admission *admission);
/* Reads a whole file into a malloc'ed, NUL-terminated buffer; *size
 * receives its length. */
char *test_read_file(const char *path, long *size);

/* Fails the test unless the file at path holds exactly the before_size
 * bytes of before. */
void assert_file_unchanged(const char *path, const char *before,
                           long before_size);

/* Runs sql on the database at path through a plain SQLite connection, past
 * the store and its checks. */
void test_database_exec(const char *path, const char *sql);

/* The first column of the first row of sql on the database at path, through
 * a plain SQLite connection, as a malloc'ed string. */
char *test_database_text(const char *path, const char *sql);

/* ---- A store on a temporary database ------------------------------------- */

typedef struct test_store_fixture {
  char path[512];
  msiq_store *store;
} test_store_fixture;

/* Creates a new database at a fresh path named after stem and opens it. */
void test_store_fixture_open(test_store_fixture *fixture, const char *stem);

/* Closes the store and removes the database files. */
void test_store_fixture_close(test_store_fixture *fixture);

/* The same as a cmocka setup and teardown pair: *state becomes a
 * test_store_fixture (database stem "store"). */
int test_store_fixture_setup(void **state);
int test_store_fixture_teardown(void **state);

/* Enqueues spec into store, failing the test with the store's diagnostic if
 * it refuses; returns the new job's id. */
int64_t test_store_enqueue(msiq_store *store, msiq_job_spec *spec);

#endif
