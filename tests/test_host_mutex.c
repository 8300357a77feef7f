/* test_host_mutex.c: the host's installer mutex probe
 * (msiq_host_installer_mutex_state in src/host/posix/host_posix.c and
 * src/host/win/host_win.c): what it reports, and that it never owns the
 * mutex, so that the owner can always take it back.
 *
 * On POSIX the simulated mutex is a write lock of an open file description
 * on the file named by MSIQ_SIM_MUTEX, which this process takes on its own
 * descriptor (OFD locks conflict between descriptions even within one
 * process). Under Windows (Wine) it is the real Global\_MSIExecute.
 */
#ifndef _WIN32
#define _GNU_SOURCE /* F_OFD_SETLK */
#endif

#include "test_mutex_owner.h"
#include "test_support.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "host/host.h"

#ifdef _WIN32
#include <windows.h>
#else
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>
#endif

/* How often the owner lets the mutex go and takes it back while another
 * thread probes as fast as it can. A probe that locked the simulated mutex
 * for an instant was caught within 100,000 rounds in six runs of six (after
 * 257 to 84,081 rounds); under Wine, where every call is a round trip to
 * wineserver, the old probe that acquired Global\_MSIExecute and released
 * it at once was caught after 10 to 370 rounds. */
#ifdef _WIN32
#define CHURN_ROUNDS 5000
#else
#define CHURN_ROUNDS 100000
#endif

/* Each test gets an owner that names the mutex but has not created it; the
 * teardown closes whatever a failed test left open, so one failure does not
 * spill into the next test. */
static test_mutex_owner test_owner;

static int owner_setup(void **state) {
  test_mutex_owner_init(&test_owner);
  *state = &test_owner;
  return 0;
}

static int owner_teardown(void **state) {
  test_mutex_owner_cleanup(*state);
  return 0;
}

static void test_absent_mutex_is_free(void **state) {
  (void)state;
  assert_int_equal(msiq_host_installer_mutex_state(), MSIQ_MUTEX_FREE);
}

static void test_owned_mutex_is_held_until_released(void **state) {
  test_mutex_owner *mutex = *state;
  test_mutex_owner_take(mutex);
  assert_int_equal(msiq_host_installer_mutex_state(), MSIQ_MUTEX_HELD);
  /* Asking twice changes nothing. */
  assert_int_equal(msiq_host_installer_mutex_state(), MSIQ_MUTEX_HELD);
  test_mutex_owner_release(mutex);
  assert_int_equal(msiq_host_installer_mutex_state(), MSIQ_MUTEX_FREE);
  assert_true(test_mutex_owner_retake(mutex));
  assert_int_equal(msiq_host_installer_mutex_state(), MSIQ_MUTEX_HELD);
  test_mutex_owner_release(mutex);
}

typedef struct churn_probe {
  uv_mutex_t lock;
  bool done;       /* guarded by lock */
  unsigned probes; /* written by the probing thread, read after the join */
  unsigned seen_held;
  unsigned seen_free;
} churn_probe;

static void churn_probe_thread(void *argument) {
  churn_probe *probe = argument;
  for (;;) {
    uv_mutex_lock(&probe->lock);
    bool done = probe->done;
    uv_mutex_unlock(&probe->lock);
    if (done) {
      break;
    }
    if (msiq_host_installer_mutex_state() == MSIQ_MUTEX_HELD) {
      probe->seen_held++;
    } else {
      probe->seen_free++;
    }
    probe->probes++;
  }
}

/* The owner releases the mutex and takes it back without waiting, over and
 * over, while another thread probes it in a tight loop. A probe that took
 * the mutex, even for an instant, would sooner or later be holding it at the
 * moment of a re-take (on Windows, a probe waiting on it would be handed it
 * at every release); a probe that only looks never is. */
static void test_probe_never_stands_in_the_owners_way(void **state) {
  test_mutex_owner *mutex = *state;
  test_mutex_owner_take(mutex);
  churn_probe probe;
  memset(&probe, 0, sizeof probe);
  assert_int_equal(uv_mutex_init(&probe.lock), 0);
  uv_thread_t thread;
  assert_int_equal(uv_thread_create(&thread, churn_probe_thread, &probe), 0);
  int failed_round = 0;
  for (int round = 1; round <= CHURN_ROUNDS && failed_round == 0; round++) {
    test_mutex_owner_release(mutex);
    if (!test_mutex_owner_retake(mutex)) {
      failed_round = round;
    }
    /* Let the probe run between rounds too, so that most probes see the
     * mutex held and some land right at a release. */
    if (round % 64 == 0) {
      uv_sleep(0);
    }
  }
  uv_mutex_lock(&probe.lock);
  probe.done = true;
  uv_mutex_unlock(&probe.lock);
  assert_int_equal(uv_thread_join(&thread), 0);
  uv_mutex_destroy(&probe.lock);
  if (failed_round != 0) {
    fail_msg("re-take %d of %d failed: the probe had the mutex", failed_round,
             CHURN_ROUNDS);
  }
  /* The probe really ran alongside, and saw the mutex held. */
  if (probe.probes < 100 || probe.seen_held == 0) {
    fail_msg("only %u probes (%u held, %u free) ran during the churn",
             probe.probes, probe.seen_held, probe.seen_free);
  }
  test_mutex_owner_release(mutex);
}

#ifdef _WIN32

static DWORD WINAPI abandoning_thread(LPVOID argument) {
  HANDLE mutex = argument;
  /* Owns the mutex and ends without releasing it. */
  return WaitForSingleObject(mutex, 0) == WAIT_OBJECT_0 ? 0 : 1;
}

/* An owner that died without releasing the mutex leaves it abandoned: free
 * for the gate. The probe must leave it abandoned, which proves it did not
 * acquire it (acquiring an abandoned mutex clears that state). */
static void test_abandoned_mutex_is_free_and_stays_abandoned(void **state) {
  test_mutex_owner *self = *state;
  /* Kept open so the mutex outlives the thread. */
  HANDLE mutex = CreateMutexW(NULL, FALSE, L"Global\\_MSIExecute");
  assert_non_null(mutex);
  self->mutex = mutex; /* closed by the teardown */
  HANDLE thread = CreateThread(NULL, 0, abandoning_thread, mutex, 0, NULL);
  assert_non_null(thread);
  assert_int_equal(WaitForSingleObject(thread, 10000), WAIT_OBJECT_0);
  DWORD thread_status = 1;
  assert_true(GetExitCodeThread(thread, &thread_status));
  assert_int_equal(thread_status, 0);
  CloseHandle(thread);
  assert_int_equal(msiq_host_installer_mutex_state(), MSIQ_MUTEX_FREE);
  assert_int_equal(msiq_host_installer_mutex_state(), MSIQ_MUTEX_FREE);
  assert_int_equal(WaitForSingleObject(mutex, 0), WAIT_ABANDONED);
  /* Now this thread owns it: held. */
  assert_int_equal(msiq_host_installer_mutex_state(), MSIQ_MUTEX_HELD);
  assert_true(ReleaseMutex(mutex));
}

#else

/* Only a write lock, the simulated msiexec, holds the mutex. */
static void test_read_lock_does_not_hold_the_mutex(void **state) {
  test_mutex_owner *mutex = *state;
  test_mutex_owner_take(mutex);
  test_mutex_owner_release(mutex);
  struct flock lock;
  memset(&lock, 0, sizeof lock);
  lock.l_type = F_RDLCK;
  lock.l_whence = SEEK_SET;
  assert_int_equal(fcntl(mutex->fd, F_OFD_SETLK, &lock), 0);
  assert_int_equal(msiq_host_installer_mutex_state(), MSIQ_MUTEX_FREE);
}

/* A holder in another process, with a classic POSIX record lock, counts
 * too: the probe sees every fcntl lock. */
static void test_other_process_holder_is_seen(void **state) {
  test_mutex_owner *mutex = *state;
  test_write_file(mutex->path, "");
  int ready[2];
  int release[2];
  assert_int_equal(pipe(ready), 0);
  assert_int_equal(pipe(release), 0);
  pid_t child = fork();
  assert_true(child >= 0);
  if (child == 0) {
    close(release[1]); /* so that the parent's close is seen as end-of-file */
    int fd = open(mutex->path, O_RDWR);
    struct flock lock;
    memset(&lock, 0, sizeof lock);
    lock.l_type = F_WRLCK;
    lock.l_whence = SEEK_SET;
    char byte = fd >= 0 && fcntl(fd, F_SETLK, &lock) == 0 ? 'y' : 'n';
    if (write(ready[1], &byte, 1) != 1 || read(release[0], &byte, 1) < 0) {
      _exit(1);
    }
    _exit(0);
  }
  close(release[0]);
  close(ready[1]);
  char byte = 0;
  assert_int_equal(read(ready[0], &byte, 1), 1);
  assert_int_equal(byte, 'y');
  assert_int_equal(msiq_host_installer_mutex_state(), MSIQ_MUTEX_HELD);
  close(release[1]); /* the child reads end-of-file and exits */
  int child_status = 0;
  assert_int_equal(waitpid(child, &child_status, 0), child);
  assert_int_equal(msiq_host_installer_mutex_state(), MSIQ_MUTEX_FREE);
  assert_true(WIFEXITED(child_status) && WEXITSTATUS(child_status) == 0);
  close(ready[0]);
}

#endif

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_absent_mutex_is_free, owner_setup,
                                      owner_teardown),
      cmocka_unit_test_setup_teardown(test_owned_mutex_is_held_until_released,
                                      owner_setup, owner_teardown),
      cmocka_unit_test_setup_teardown(test_probe_never_stands_in_the_owners_way,
                                      owner_setup, owner_teardown),
#ifdef _WIN32
      cmocka_unit_test_setup_teardown(
          test_abandoned_mutex_is_free_and_stays_abandoned, owner_setup,
          owner_teardown),
#else
      cmocka_unit_test_setup_teardown(test_read_lock_does_not_hold_the_mutex,
                                      owner_setup, owner_teardown),
      cmocka_unit_test_setup_teardown(test_other_process_holder_is_seen,
                                      owner_setup, owner_teardown),
#endif
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
