/* gate_watch.c: see gate_watch.h. */
#include "dispatcher/gate_watch.h"

#include <stdatomic.h>
#include <stdlib.h>

#include "host/host.h"

/* How long one wait lasts before the worker checks whether it was stopped:
 * bounds how long stopping the watch can take. */
#define GATE_WATCH_SLICE_MS 250

struct msiq_gate_watch {
  uv_async_t async;
  uv_thread_t thread;
  atomic_int stopped;
  void (*on_release)(void *data);
  void *data;
};

static void gate_watch_work(void *argument) {
  msiq_gate_watch *watch = argument;
  while (!atomic_load(&watch->stopped)) {
    if (msiq_host_installer_mutex_wait(GATE_WATCH_SLICE_MS) ==
        MSIQ_MUTEX_FREE) {
      uv_async_send(&watch->async);
      return;
    }
  }
}

static void gate_watch_on_async(uv_async_t *async) {
  msiq_gate_watch *watch = async->data;
  if (!atomic_load(&watch->stopped)) {
    watch->on_release(watch->data);
  }
}

static void gate_watch_on_close(uv_handle_t *handle) {
  free(handle->data);
}

int msiq_gate_watch_start(uv_loop_t *loop, void (*on_release)(void *data),
                          void *data, msiq_gate_watch **out) {
  msiq_gate_watch *watch = calloc(1, sizeof *watch);
  if (watch == NULL) {
    return MSIQ_ENOMEM;
  }
  atomic_init(&watch->stopped, 0);
  watch->on_release = on_release;
  watch->data = data;
  watch->async.data = watch;
  if (uv_async_init(loop, &watch->async, gate_watch_on_async) != 0) {
    free(watch);
    return MSIQ_EHOST;
  }
  if (uv_thread_create(&watch->thread, gate_watch_work, watch) != 0) {
    uv_close((uv_handle_t *)&watch->async, gate_watch_on_close);
    return MSIQ_EHOST;
  }
  *out = watch;
  return MSIQ_OK;
}

void msiq_gate_watch_stop(msiq_gate_watch *watch) {
  if (watch == NULL) {
    return;
  }
  atomic_store(&watch->stopped, 1);
  uv_thread_join(&watch->thread);
  uv_close((uv_handle_t *)&watch->async, gate_watch_on_close);
}
