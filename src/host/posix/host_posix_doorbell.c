/* host_posix_doorbell.c: the queue's doorbell in the POSIX simulation, a
 * file beside the database that rings by being written to and is heard
 * through inotify (libuv's uv_fs_event). See host.h and docs/dispatcher.md
 * for why a file rather than a FIFO or a socket. */
#define _GNU_SOURCE

#include "host/host.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct msiq_host_doorbell {
  uv_fs_event_t watch;
  int fd;
  void (*on_ring)(void *data);
  void *data;
};

static int doorbell_path(const char *database_path, char *buffer, size_t size) {
  int written = snprintf(buffer, size, "%s.doorbell", database_path);
  return written < 0 || (size_t)written >= size ? -1 : 0;
}

/* NULL when the open file may serve as the doorbell: a regular file (not a
 * FIFO, whose reader could make a ring block or be read by a stranger, nor
 * a device), owned by root or this user and writable by nobody else, as
 * the queue's own files are. Otherwise what is wrong with it. */
static const char *doorbell_unsafe(int fd) {
  struct stat info;
  if (fstat(fd, &info) != 0) {
    return "cannot be looked at";
  }
  if (!S_ISREG(info.st_mode)) {
    return "is not a regular file";
  }
  if (info.st_uid != 0 && info.st_uid != geteuid()) {
    return "is owned by another user";
  }
  if ((info.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
    return "is writable by group or others";
  }
  return NULL;
}

void msiq_host_doorbell_ring(const char *database_path) {
  char path[4096];
  if (doorbell_path(database_path, path, sizeof path) != 0) {
    return;
  }
  /* O_NOFOLLOW: never through a link someone left; O_NONBLOCK: opening a
   * FIFO planted there fails at once (ENXIO) or opens without waiting, and
   * the check below refuses it either way. No O_CREAT: only the
   * dispatcher makes the doorbell. */
  int fd =
      open(path, O_WRONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
  if (fd < 0) {
    return;
  }
  if (doorbell_unsafe(fd) == NULL) {
    /* One byte at the start: the file never grows, and the write is what
     * every listener's inotify watch reports (IN_MODIFY). */
    if (pwrite(fd, "1", 1, 0) < 0) {
      /* Nobody to tell: the listeners' safety-net polls cover it. */
    }
  }
  close(fd);
}

static void doorbell_on_change(uv_fs_event_t *handle, const char *filename,
                               int events, int status) {
  (void)filename;
  (void)events;
  msiq_host_doorbell *doorbell = handle->data;
  if (status == 0) {
    doorbell->on_ring(doorbell->data);
  }
}

int msiq_host_doorbell_listen(uv_loop_t *loop, const char *database_path,
                              bool create, void (*on_ring)(void *data),
                              void *data, msiq_host_doorbell **out,
                              msiq_diag *diag) {
  *out = NULL;
  char path[4096];
  if (doorbell_path(database_path, path, sizeof path) != 0) {
    return msiq_diag_set(diag, MSIQ_EUSAGE, "database path too long");
  }
  int flags = O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC;
  int fd = create ? open(path, flags | O_CREAT, 0600) : open(path, flags);
  if (fd < 0) {
    int error = errno;
    if (error == ENOENT) {
      return msiq_diag_set(diag, MSIQ_EMISSING,
                           "doorbell %s does not exist (no dispatcher made it "
                           "yet)",
                           path);
    }
    if (error == ELOOP) {
      return msiq_diag_set(diag, MSIQ_EINSECURE,
                           "doorbell %s is a symbolic link; refusing it "
                           "(remove it, and find out who made it)",
                           path);
    }
    return msiq_diag_set(diag, MSIQ_EIO, "cannot open doorbell %s: %s", path,
                         strerror(error));
  }
  const char *unsafe = doorbell_unsafe(fd);
  if (unsafe != NULL) {
    close(fd);
    return msiq_diag_set(diag, MSIQ_EINSECURE,
                         "doorbell %s %s; refusing it (remove it, and find "
                         "out who made it)",
                         path, unsafe);
  }
  msiq_host_doorbell *doorbell = calloc(1, sizeof *doorbell);
  if (doorbell == NULL) {
    close(fd);
    return msiq_diag_set(diag, MSIQ_ENOMEM, "out of memory");
  }
  doorbell->fd = fd;
  doorbell->on_ring = on_ring;
  doorbell->data = data;
  uv_fs_event_init(loop, &doorbell->watch);
  doorbell->watch.data = doorbell;
  /* The watch goes on the file just checked, through its descriptor
   * (Linux's /proc/self/fd), so a file put at the path after the check is
   * not the one heard; the path itself where /proc is not mounted. */
  char descriptor[64];
  snprintf(descriptor, sizeof descriptor, "/proc/self/fd/%d", fd);
  int rc =
      uv_fs_event_start(&doorbell->watch, doorbell_on_change, descriptor, 0);
  if (rc != 0) {
    rc = uv_fs_event_start(&doorbell->watch, doorbell_on_change, path, 0);
  }
  if (rc != 0) {
    msiq_diag_set(diag, MSIQ_EIO, "cannot watch doorbell %s: %s", path,
                  uv_strerror(rc));
    msiq_host_doorbell_close(doorbell);
    return MSIQ_EIO;
  }
  *out = doorbell;
  return MSIQ_OK;
}

static void doorbell_on_closed(uv_handle_t *handle) {
  msiq_host_doorbell *doorbell = handle->data;
  close(doorbell->fd);
  free(doorbell);
}

void msiq_host_doorbell_close(msiq_host_doorbell *doorbell) {
  if (doorbell == NULL) {
    return;
  }
  uv_fs_event_stop(&doorbell->watch);
  uv_close((uv_handle_t *)&doorbell->watch, doorbell_on_closed);
}
