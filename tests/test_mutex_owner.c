/* test_mutex_owner.c: see test_mutex_owner.h. */
#ifndef _WIN32
#define _GNU_SOURCE /* F_OFD_SETLK */
#endif

#include "test_mutex_owner.h"

#include "test_support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef _WIN32
#include <windows.h>
#else
#include <fcntl.h>
#include <unistd.h>
#endif

#ifdef _WIN32

void test_mutex_owner_init(test_mutex_owner *self) {
  self->mutex = NULL;
}

/* Creates Global\_MSIExecute owned by the calling thread. */
void test_mutex_owner_take(test_mutex_owner *self) {
  SetLastError(0);
  self->mutex = CreateMutexW(NULL, TRUE, L"Global\\_MSIExecute");
  assert_non_null(self->mutex);
  assert_int_not_equal(GetLastError(), ERROR_ALREADY_EXISTS);
}

void test_mutex_owner_release(test_mutex_owner *self) {
  assert_true(ReleaseMutex(self->mutex));
}

bool test_mutex_owner_retake(test_mutex_owner *self) {
  return WaitForSingleObject(self->mutex, 0) == WAIT_OBJECT_0;
}

void test_mutex_owner_cleanup(test_mutex_owner *self) {
  if (self->mutex != NULL) {
    CloseHandle(self->mutex);
    self->mutex = NULL;
  }
}

#else

void test_mutex_owner_init(test_mutex_owner *self) {
  self->fd = -1;
  test_unique_path(self->path, sizeof self->path, "sim-mutex");
  assert_int_equal(setenv("MSIQ_SIM_MUTEX", self->path, 1), 0);
}

static int test_mutex_owner_lock(test_mutex_owner *self, short type) {
  struct flock lock;
  memset(&lock, 0, sizeof lock);
  lock.l_type = type;
  lock.l_whence = SEEK_SET;
  return fcntl(self->fd, F_OFD_SETLK, &lock);
}

void test_mutex_owner_take(test_mutex_owner *self) {
  if (self->fd < 0) {
    self->fd = open(self->path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    assert_true(self->fd >= 0);
  }
  assert_int_equal(test_mutex_owner_lock(self, F_WRLCK), 0);
}

void test_mutex_owner_release(test_mutex_owner *self) {
  assert_int_equal(test_mutex_owner_lock(self, F_UNLCK), 0);
}

bool test_mutex_owner_retake(test_mutex_owner *self) {
  return test_mutex_owner_lock(self, F_WRLCK) == 0;
}

void test_mutex_owner_cleanup(test_mutex_owner *self) {
  if (self->fd >= 0) {
    close(self->fd);
    self->fd = -1;
  }
  remove(self->path);
  unsetenv("MSIQ_SIM_MUTEX");
}

#endif
