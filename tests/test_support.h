/* test_support.h: fixtures shared by the cmocka tests. */
#ifndef MSIQ_TEST_SUPPORT_H
#define MSIQ_TEST_SUPPORT_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/admission.h"
#include "core/msiq.h"

/* Writes a fresh, not yet existing path under $MSIQ_TEST_TMPDIR (or the
 * system temporary directory) into buffer: "<tmp>/<stem>-<pid>-<n>.db". */
void test_unique_path(char *buffer, size_t size, const char *stem);

/* Removes a database file and its -wal and -shm companions. */
void test_remove_database(const char *path);

/* Writes text to a new file at path; fails the test if it cannot. */
void test_write_file(const char *path, const char *text);

/* Admits spec with the host's own services, as the CLI does, and fails the
 * test if admission refuses it outright (a missing package is only recorded
 * in admission->refusal, for the store to deliver). */
void test_admit(msiq_job_spec *spec, msiq_admission *admission);

#endif
