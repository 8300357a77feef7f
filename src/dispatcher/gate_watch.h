/* gate_watch.h: wakes the dispatcher as soon as the installer mutex is
 * released, instead of at the next poll.
 *
 * A worker thread waits on the mutex in bounded slices (the host's
 * msiq_host_installer_mutex_wait) and, once it is free, wakes the loop with
 * a uv_async_t. The loop thread never blocks on the mutex.
 */
#ifndef MSIQ_GATE_WATCH_H
#define MSIQ_GATE_WATCH_H

#include <uv.h>

#include "core/msiq.h"

typedef struct msiq_gate_watch msiq_gate_watch;

/* on_release runs once, on the loop's thread, after the mutex was seen
 * free. */
int msiq_gate_watch_start(uv_loop_t *loop, void (*on_release)(void *data),
                          void *data, msiq_gate_watch **watch);

/* Stops the worker (waiting at most one slice) and frees the watch; safe
 * to call from on_release. */
void msiq_gate_watch_stop(msiq_gate_watch *watch);

#endif /* MSIQ_GATE_WATCH_H */
