/* host_win_doorbell.c: the queue's doorbell on Windows, a manual-reset
 * named event. See host.h and docs/dispatcher.md, "How the dispatcher
 * notices work".
 *
 * Why manual-reset: an auto-reset event wakes one waiting thread per
 * SetEvent, and a ring must wake the dispatcher and every `msiq wait` at
 * once. SetEvent on a manual-reset event releases every thread waiting on
 * it at that moment, even when it is reset a microsecond later. The
 * dispatcher's listener resets it as soon as it wakes; a waiter never
 * resets a fresh ring (it would steal it from the dispatcher), only one
 * still set after DOORBELL_SETTLE_MS, which nobody is resetting (no
 * dispatcher runs), so that it does not stay set and wake waiters for
 * ever. Each listener is a thread that waits on the event and hands the
 * ring to its libuv loop with uv_async_send. */
#define WIN32_LEAN_AND_MEAN

#include <windows.h>
#include <aclapi.h>
#include <sddl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "host/host.h"
#include "host/win/host_win_internal.h"
#include "core/sha256.h"

/* After a ring, a waiter's listener gives the dispatcher this long to
 * reset the event (and then looks at the queue once more, for a ring in
 * these milliseconds); when it is still set then, no dispatcher listens,
 * and the waiter pauses DOORBELL_SETTLE_MS before it resets it itself, so
 * that it wakes at most 1000 / DOORBELL_SETTLE_MS times a second however
 * often the queue is written. */
#define DOORBELL_RESET_GRACE_MS 20
#define DOORBELL_SETTLE_MS      250

/* SYSTEM and Administrators only, nobody else (not even to wait on it):
 * only they may change the queue, and only they wait for it. */
static const wchar_t doorbell_sddl[] = L"D:P(A;;GA;;;SY)(A;;GA;;;BA)";

struct msiq_host_doorbell {
  uv_async_t async;
  HANDLE event;
  HANDLE stop;
  HANDLE thread;
  bool owner; /* the dispatcher's listener, which resets the event */
  void (*on_ring)(void *data);
  void *data;
};

/* The event's name: Global\ (the dispatcher runs as a service in session
 * 0, the commands in users' sessions) or Local\ (a dispatcher without the
 * right to create global objects, run by hand), then the SHA-256 of the
 * full database path in lower case, so that every spelling of one path
 * names one event. */
static bool doorbell_name(const char *database_path, bool global, wchar_t *name,
                          size_t count) {
  wchar_t *wide = host_win_wide(database_path);
  if (wide == NULL) {
    return false;
  }
  wchar_t full[32768];
  DWORD length = GetFullPathNameW(wide, 32768, full, NULL);
  free(wide);
  if (length == 0 || length >= 32768) {
    return false;
  }
  CharLowerBuffW(full, length);
  char *narrow = host_win_narrow(full);
  if (narrow == NULL) {
    return false;
  }
  msiq_sha256 hash;
  uint8_t digest[MSIQ_SHA256_DIGEST_SIZE];
  char hex[MSIQ_SHA256_HEX_SIZE];
  msiq_sha256_init(&hash);
  msiq_sha256_update(&hash, narrow, strlen(narrow));
  msiq_sha256_final(&hash, digest);
  msiq_sha256_hex(digest, hex);
  free(narrow);
  int written = swprintf(name, count, L"%ls\\msiq-doorbell-%hs",
                         global ? L"Global" : L"Local", hex);
  return written > 0 && (size_t)written < count;
}

static HANDLE doorbell_open(const char *database_path, DWORD access) {
  wchar_t name[128];
  for (int global = 1; global >= 0; global--) {
    if (doorbell_name(database_path, global != 0, name, 128)) {
      HANDLE event = OpenEventW(access, FALSE, name);
      if (event != NULL) {
        return event;
      }
    }
  }
  return NULL;
}

void msiq_host_doorbell_ring(const char *database_path) {
  /* EVENT_MODIFY_STATE only, and never created: without a dispatcher there
   * is nobody to ring for. */
  HANDLE event = doorbell_open(database_path, EVENT_MODIFY_STATE);
  if (event != NULL) {
    SetEvent(event);
    CloseHandle(event);
  }
}

static DWORD WINAPI doorbell_listen_thread(void *argument) {
  msiq_host_doorbell *doorbell = argument;
  HANDLE handles[2] = {doorbell->stop, doorbell->event};
  for (;;) {
    DWORD woken = WaitForMultipleObjects(2, handles, FALSE, INFINITE);
    if (woken != WAIT_OBJECT_0 + 1) {
      break;
    }
    if (doorbell->owner) {
      ResetEvent(doorbell->event);
    }
    uv_async_send(&doorbell->async);
    if (doorbell->owner) {
      continue;
    }
    /* A running dispatcher resets the event within microseconds; still
     * set a moment later, nobody is resetting it: pause, then reset it so
     * that this listener does not spin on it. */
    if (WaitForSingleObject(doorbell->stop, DOORBELL_RESET_GRACE_MS) !=
        WAIT_TIMEOUT) {
      break;
    }
    /* A ring during the grace period was set and reset by the dispatcher
     * while this thread was not waiting on the event: look at the queue
     * once more, so that a job which starts and ends within those
     * milliseconds does not keep `msiq exec` waiting for the safety net.
     * uv_async_send coalesces, so this costs one more look per ring. */
    uv_async_send(&doorbell->async);
    if (WaitForSingleObject(doorbell->event, 0) == WAIT_OBJECT_0) {
      if (WaitForSingleObject(doorbell->stop, DOORBELL_SETTLE_MS) !=
          WAIT_TIMEOUT) {
        break;
      }
      ResetEvent(doorbell->event);
    }
  }
  return 0;
}

static void doorbell_on_async(uv_async_t *async) {
  msiq_host_doorbell *doorbell = async->data;
  doorbell->on_ring(doorbell->data);
}

/* The dispatcher's event: created with doorbell_sddl, or, when it exists
 * already (a waiter of an earlier dispatcher still holds it open), taken
 * only when its owner is SYSTEM, Administrators or this account, and given
 * doorbell_sddl again; an event someone else made first is refused. */
static int doorbell_create(const char *database_path, HANDLE *out,
                           msiq_diag *diag) {
  *out = NULL;
  PSECURITY_DESCRIPTOR descriptor = NULL;
  if (!ConvertStringSecurityDescriptorToSecurityDescriptorW(
          doorbell_sddl, SDDL_REVISION_1, &descriptor, NULL)) {
    return host_win_fail(diag, MSIQ_EHOST, GetLastError(),
                         "build the access list of", "the doorbell");
  }
  SECURITY_ATTRIBUTES attributes = {sizeof attributes, descriptor, FALSE};
  wchar_t name[128];
  HANDLE event = NULL;
  DWORD error = ERROR_INVALID_NAME;
  for (int global = 1; global >= 0 && event == NULL; global--) {
    if (!doorbell_name(database_path, global != 0, name, 128)) {
      break;
    }
    event = CreateEventW(&attributes, TRUE, FALSE, name);
    error = GetLastError();
  }
  int status = MSIQ_OK;
  if (event == NULL) {
    status = host_win_fail(diag, MSIQ_EHOST, error, "create", "the doorbell");
  } else if (error == ERROR_ALREADY_EXISTS) {
    PSID owner = NULL;
    PSECURITY_DESCRIPTOR existing = NULL;
    DWORD rc =
        GetSecurityInfo(event, SE_KERNEL_OBJECT, OWNER_SECURITY_INFORMATION,
                        &owner, NULL, NULL, NULL, &existing);
    if (rc != ERROR_SUCCESS || owner == NULL ||
        !host_win_sid_is_trusted(owner)) {
      status = msiq_diag_set(diag, MSIQ_EINSECURE,
                             "the doorbell event %ls was made by an account "
                             "that is not an administrator; refusing it",
                             name);
    } else {
      PACL dacl = NULL;
      BOOL present = FALSE;
      BOOL defaulted = FALSE;
      GetSecurityDescriptorDacl(descriptor, &present, &dacl, &defaulted);
      rc = SetSecurityInfo(event, SE_KERNEL_OBJECT,
                           DACL_SECURITY_INFORMATION |
                               PROTECTED_DACL_SECURITY_INFORMATION,
                           NULL, NULL, dacl, NULL);
      if (rc != ERROR_SUCCESS) {
        status = host_win_fail(diag, MSIQ_EINSECURE, rc, "secure",
                               "the doorbell event");
      }
    }
    LocalFree(existing);
  }
  LocalFree(descriptor);
  if (status != MSIQ_OK && event != NULL) {
    CloseHandle(event);
    event = NULL;
  }
  *out = event;
  return status;
}

int msiq_host_doorbell_listen(uv_loop_t *loop, const char *database_path,
                              bool create, void (*on_ring)(void *data),
                              void *data, msiq_host_doorbell **out,
                              msiq_diag *diag) {
  *out = NULL;
  HANDLE event = NULL;
  if (create) {
    int status = doorbell_create(database_path, &event, diag);
    if (status != MSIQ_OK) {
      return status;
    }
  } else {
    event = doorbell_open(database_path, SYNCHRONIZE | EVENT_MODIFY_STATE);
    if (event == NULL) {
      DWORD error = GetLastError();
      return error == ERROR_FILE_NOT_FOUND
                 ? msiq_diag_set(diag, MSIQ_EMISSING,
                                 "no dispatcher made the doorbell of %s yet",
                                 database_path)
                 : host_win_fail(diag, MSIQ_EHOST, error, "open",
                                 "the doorbell");
    }
  }
  msiq_host_doorbell *doorbell = calloc(1, sizeof *doorbell);
  HANDLE stop = CreateEventW(NULL, TRUE, FALSE, NULL);
  if (doorbell == NULL || stop == NULL) {
    free(doorbell);
    if (stop != NULL) {
      CloseHandle(stop);
    }
    CloseHandle(event);
    return msiq_diag_set(diag, MSIQ_ENOMEM, "out of memory");
  }
  doorbell->event = event;
  doorbell->stop = stop;
  doorbell->owner = create;
  doorbell->on_ring = on_ring;
  doorbell->data = data;
  uv_async_init(loop, &doorbell->async, doorbell_on_async);
  doorbell->async.data = doorbell;
  doorbell->thread =
      CreateThread(NULL, 0, doorbell_listen_thread, doorbell, 0, NULL);
  if (doorbell->thread == NULL) {
    int status = host_win_fail(diag, MSIQ_EHOST, GetLastError(),
                               "start the listener of", "the doorbell");
    msiq_host_doorbell_close(doorbell);
    return status;
  }
  *out = doorbell;
  return MSIQ_OK;
}

static void doorbell_on_closed(uv_handle_t *handle) {
  msiq_host_doorbell *doorbell = handle->data;
  CloseHandle(doorbell->stop);
  CloseHandle(doorbell->event);
  free(doorbell);
}

void msiq_host_doorbell_close(msiq_host_doorbell *doorbell) {
  if (doorbell == NULL) {
    return;
  }
  if (doorbell->thread != NULL) {
    SetEvent(doorbell->stop);
    WaitForSingleObject(doorbell->thread, INFINITE);
    CloseHandle(doorbell->thread);
    doorbell->thread = NULL;
  }
  uv_close((uv_handle_t *)&doorbell->async, doorbell_on_closed);
}
