/* gate_watch.h: wakes the dispatcher soon after the installer mutex is
 * released, instead of at the next poll.
 *
 * While a ready job waits for the mutex, a libuv timer on the dispatcher's
 * loop looks at the mutex every MSIQ_GATE_WATCH_INTERVAL_MS with the host's
 * non-owning probe (msiq_host_installer_mutex_state) and calls back once it
 * is free. Nothing ever waits on the mutex: a thread blocked in a wait would
 * be handed the mutex when its owner releases it, and the owner's next
 * sequence (a chained package, a Burn bundle) could then fail with 1618.
 */
#ifndef MSIQ_GATE_WATCH_H
#define MSIQ_GATE_WATCH_H

#include <uv.h>

#include "core/msiq.h"

/* How often a held mutex is looked at again: a job waits at most this long
 * (plus one gate check) after the release; one probe is a few system calls,
 * so ten a second cost nothing measurable (docs/dispatcher.md). */
#define MSIQ_GATE_WATCH_INTERVAL_MS 100

typedef struct msiq_gate_watch msiq_gate_watch;

/* on_release runs once, on the loop's thread, after the mutex was seen
 * free. */
int msiq_gate_watch_start(uv_loop_t *loop, void (*on_release)(void *data),
                          void *data, msiq_gate_watch **watch);

/* The caller has just looked at the mutex itself and found it still held
 * (the dispatcher's gate check does at each poll tick while a job waits):
 * the watch's next look is put off to one interval from now. Without this
 * the check and the watch's tick would fall a few milliseconds apart once
 * a second, one wake-up more than the interval needs; with it a job waiting
 * at a held mutex wakes the dispatcher at most 1000 / interval times a
 * second, and the mutex is still looked at at least once an interval. */
void msiq_gate_watch_defer(msiq_gate_watch *watch);

/* Stops the timer and frees the watch once the loop has closed it; safe to
 * call from on_release and with NULL. */
void msiq_gate_watch_stop(msiq_gate_watch *watch);

#endif /* MSIQ_GATE_WATCH_H */
