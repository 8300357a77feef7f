/* test_mutex_owner.h: the installer mutex as a test holds it, for the
 * cmocka tests of what probes it (test_host_mutex.c, test_gate_watch.c).
 *
 * On POSIX the simulated mutex is a write lock of an open file description
 * on the file named by MSIQ_SIM_MUTEX, which the test takes on its own
 * descriptor (OFD locks conflict between descriptions even within one
 * process). Under Windows (Wine) it is the real Global\_MSIExecute.
 */
#ifndef MSIQ_TEST_MUTEX_OWNER_H
#define MSIQ_TEST_MUTEX_OWNER_H

#include <stdbool.h>

typedef struct test_mutex_owner {
#ifdef _WIN32
  void *mutex; /* a HANDLE */
#else
  int fd;
  char path[512];
#endif
} test_mutex_owner;

/* Names the mutex (POSIX: a fresh MSIQ_SIM_MUTEX file nobody locks) without
 * creating it: the mutex is free. */
void test_mutex_owner_init(test_mutex_owner *self);

/* Creates and owns the mutex; fails the test if someone else has it. */
void test_mutex_owner_take(test_mutex_owner *self);

void test_mutex_owner_release(test_mutex_owner *self);

/* Takes the mutex back without waiting; false if someone else has it. */
bool test_mutex_owner_retake(test_mutex_owner *self);

/* Closes what take opened and forgets the name; safe after a failed test
 * and when the mutex was never taken. */
void test_mutex_owner_cleanup(test_mutex_owner *self);

#endif
