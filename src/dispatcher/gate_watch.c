/* gate_watch.c: see gate_watch.h. */
#include "dispatcher/gate_watch.h"

#include <stdlib.h>

#include "host/host.h"

struct msiq_gate_watch {
  uv_timer_t timer;
  void (*on_release)(void *data);
  void *data;
};

static void gate_watch_on_tick(uv_timer_t *timer) {
  msiq_gate_watch *watch = timer->data;
  if (msiq_host_installer_mutex_state() == MSIQ_MUTEX_FREE) {
    /* Once only; on_release may stop (and so free) the watch, so it is not
     * touched afterwards. */
    uv_timer_stop(&watch->timer);
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
  watch->on_release = on_release;
  watch->data = data;
  watch->timer.data = watch;
  if (uv_timer_init(loop, &watch->timer) != 0) {
    free(watch);
    return MSIQ_EHOST;
  }
  if (uv_timer_start(&watch->timer, gate_watch_on_tick,
                     MSIQ_GATE_WATCH_INTERVAL_MS,
                     MSIQ_GATE_WATCH_INTERVAL_MS) != 0) {
    uv_close((uv_handle_t *)&watch->timer, gate_watch_on_close);
    return MSIQ_EHOST;
  }
  *out = watch;
  return MSIQ_OK;
}

void msiq_gate_watch_defer(msiq_gate_watch *watch) {
  if (watch == NULL) {
    return;
  }
  /* Restarting an active timer reschedules it from the loop's time. */
  uv_timer_start(&watch->timer, gate_watch_on_tick, MSIQ_GATE_WATCH_INTERVAL_MS,
                 MSIQ_GATE_WATCH_INTERVAL_MS);
}

void msiq_gate_watch_stop(msiq_gate_watch *watch) {
  if (watch == NULL) {
    return;
  }
  uv_timer_stop(&watch->timer);
  uv_close((uv_handle_t *)&watch->timer, gate_watch_on_close);
}
