/* tool_wake.c: sleeping until the queue changes, for `wait` and the
 * commands that wait as it does (enqueue --wait, exec). See tool.h and
 * docs/dispatcher.md, "How the dispatcher notices work". */
#include "cli/tool.h"

#include <stdio.h>
#include <string.h>

/* With a doorbell, a waiter still looks at the queue this often: a ring
 * can still be missed in rare races (on Windows, one that comes in the
 * microseconds between a listener's look and its next wait, see
 * host_win_doorbell.c), and the look is one PRAGMA data_version when
 * nothing changed. */
#define TOOL_WAITER_SAFETY_NET_MS (30 * 1000)

/* Without one, it looks once a second, and listens as soon as a
 * dispatcher has made one. */
#define TOOL_WAITER_POLL_MS 1000

static void tool_waiter_on_ring(void *data) {
  tool_waiter *waiter = data;
  waiter->rung = true;
}

static void tool_waiter_on_timer(uv_timer_t *timer) {
  tool_waiter *waiter = timer->data;
  waiter->timed_out = true;
}

/* Listens if it can; a missing or unsafe doorbell leaves the waiter
 * polling, which is not an error (a dispatcher may make one later). */
static void tool_waiter_listen(tool_waiter *waiter) {
  msiq_diag ignored = {{0}};
  if (msiq_host_doorbell_listen(&waiter->loop, waiter->database_path, false,
                                tool_waiter_on_ring, waiter, &waiter->doorbell,
                                &ignored) != MSIQ_OK) {
    waiter->doorbell = NULL;
  }
}

int tool_waiter_init(tool_waiter *waiter, const char *database_path,
                     msiq_diag *diag) {
  memset(waiter, 0, sizeof *waiter);
  if (snprintf(waiter->database_path, sizeof waiter->database_path, "%s",
               database_path) >= (int)sizeof waiter->database_path) {
    return msiq_diag_set(diag, MSIQ_EUSAGE, "database path too long");
  }
  int rc = uv_loop_init(&waiter->loop);
  if (rc != 0) {
    return msiq_diag_set(diag, MSIQ_EHOST, "cannot start event loop: %s",
                         uv_strerror(rc));
  }
  uv_timer_init(&waiter->loop, &waiter->timer);
  waiter->timer.data = waiter;
  tool_waiter_listen(waiter);
  return MSIQ_OK;
}

void tool_waiter_sleep(tool_waiter *waiter, int64_t limit_ms) {
  if (waiter->doorbell == NULL) {
    tool_waiter_listen(waiter);
  }
  int64_t ms = waiter->doorbell != NULL ? TOOL_WAITER_SAFETY_NET_MS
                                        : TOOL_WAITER_POLL_MS;
  if (limit_ms >= 0 && limit_ms < ms) {
    ms = limit_ms;
  }
  waiter->rung = false;
  waiter->timed_out = false;
  uv_timer_start(&waiter->timer, tool_waiter_on_timer, (uint64_t)ms, 0);
  while (!waiter->rung && !waiter->timed_out) {
    uv_run(&waiter->loop, UV_RUN_ONCE);
  }
  uv_timer_stop(&waiter->timer);
}

void tool_waiter_close(tool_waiter *waiter) {
  msiq_host_doorbell_close(waiter->doorbell);
  waiter->doorbell = NULL;
  uv_close((uv_handle_t *)&waiter->timer, NULL);
  uv_run(&waiter->loop, UV_RUN_DEFAULT);
  uv_loop_close(&waiter->loop);
}
