/* progress.h: a percentage from Windows Installer's progress messages.
 *
 * Windows Installer does not send percentages. It sends INSTALLMESSAGE_PROGRESS
 * records whose first field says what the other fields mean, and
 * INSTALLMESSAGE_ACTIONDATA messages that may move the bar too. Microsoft's
 * documented algorithm ("Parsing a Progress Message", "Adding and Using
 * Progress Bars") turns them into a position on one bar:
 *
 *   field 1 = 0  reset: field 2 is the new total of ticks, field 3 the
 *                direction (0 forward, 1 backward: rollback runs the bar
 *                back), field 4 is 1 while the script is being generated
 *                (time remaining unknown) and 0 while it runs;
 *   field 1 = 1  action info: field 2 is the ticks each ACTIONDATA message
 *                moves the bar, field 3 is 1 when ACTIONDATA should move it;
 *   field 1 = 2  progress report: field 2 ticks done (backwards in
 *                rollback);
 *   field 1 = 3  add field 2 ticks to the total (an action that reserves
 *                room on the bar).
 *
 * Script generation only prepares the work and is over quickly, so the
 * percentage counts the execution phase alone: it stays where it is while a
 * script is generated and runs 0 to 100 while the script executes (and back
 * towards 0 during a rollback). Pure code, no I/O, so the worker on Windows
 * and the tests share it.
 */
#ifndef MSIQ_PROGRESS_H
#define MSIQ_PROGRESS_H

#include "core/msiq.h"

typedef struct msiq_progress {
  int64_t total;             /* ticks on the bar */
  int64_t completed;         /* ticks done, between 0 and total */
  bool backward;             /* rollback: reports move the bar back */
  int rollback_from_percent; /* where the bar stood when rollback began */
  bool generating_script;
  bool action_data_moves; /* ACTIONDATA messages advance the bar */
  int64_t ticks_per_action_data;
  int percent; /* what was reported last, 0 to 100 */
} msiq_progress;

void msiq_progress_init(msiq_progress *progress);

/* Applies one INSTALLMESSAGE_PROGRESS record; fields[0] is the record's
 * field 1, and a missing field counts as 0. Returns true when the percentage
 * changed. Records with an unknown type are ignored, as Windows Installer's
 * own UI ignores them. */
bool msiq_progress_apply_record(msiq_progress *progress, const int64_t *fields,
                                size_t field_count);

/* Applies one INSTALLMESSAGE_ACTIONDATA message. */
bool msiq_progress_apply_action_data(msiq_progress *progress);

/* The bar's position in whole percent, 0 to 100. */
int msiq_progress_percent(const msiq_progress *progress);

#endif /* MSIQ_PROGRESS_H */
