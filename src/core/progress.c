/* progress.c: Microsoft's progress-bar algorithm. See progress.h. */
#include "core/progress.h"

#include <string.h>

enum progress_record_type {
  PROGRESS_RESET = 0,
  PROGRESS_ACTION_INFO = 1,
  PROGRESS_REPORT = 2,
  PROGRESS_ADD_TO_TOTAL = 3,
};

void msiq_progress_init(msiq_progress *progress) {
  memset(progress, 0, sizeof *progress);
}

static int progress_compute_percent(const msiq_progress *progress) {
  if (progress->generating_script || progress->total <= 0) {
    return progress->percent;
  }
  /* Ticks can exceed the total (an action that reported more than it
   * reserved); the bar stops at its ends. */
  int64_t completed = progress->completed;
  if (completed < 0) {
    completed = 0;
  }
  if (completed > progress->total) {
    completed = progress->total;
  }
  /* In floating point: a large package's tick total times 100 stays exact
   * enough for whole percent, and no product can overflow. */
  double ratio = (double)completed / (double)progress->total;
  double scale = progress->backward ? progress->rollback_from_percent : 100.0;
  int percent = (int)(ratio * scale);
  return percent > 100 ? 100 : percent;
}

/* Stores the new position and says whether the percentage moved. */
static bool progress_update(msiq_progress *progress) {
  int percent = progress_compute_percent(progress);
  bool changed = percent != progress->percent;
  progress->percent = percent;
  return changed;
}

static void progress_move(msiq_progress *progress, int64_t ticks) {
  if (ticks < 0) {
    /* Negative tick counts are not in the documented protocol; a record
     * that carries one moves nothing. */
    return;
  }
  if (progress->backward) {
    progress->completed -= ticks;
  } else {
    progress->completed += ticks;
  }
}

bool msiq_progress_apply_record(msiq_progress *progress, const int64_t *fields,
                                size_t field_count) {
  int64_t field[4] = {0, 0, 0, 0};
  for (size_t i = 0; i < field_count && i < 4; i++) {
    field[i] = fields[i];
  }
  switch (field[0]) {
    case PROGRESS_RESET:
      progress->total = field[1] > 0 ? field[1] : 0;
      progress->backward = field[2] == 1;
      progress->generating_script = field[3] == 1;
      progress->action_data_moves = false;
      progress->ticks_per_action_data = 0;
      if (progress->backward) {
        /* A rollback runs the bar back from where the execution had got to
         * down to 0; its own ticks count down from its own total. */
        progress->rollback_from_percent = progress->percent;
        progress->completed = progress->total;
      } else {
        progress->completed = 0;
      }
      return progress_update(progress);
    case PROGRESS_ACTION_INFO:
      progress->ticks_per_action_data = field[1] > 0 ? field[1] : 0;
      progress->action_data_moves = field[2] == 1;
      return false;
    case PROGRESS_REPORT:
      if (progress->total <= 0) {
        return false;
      }
      progress_move(progress, field[1]);
      return progress_update(progress);
    case PROGRESS_ADD_TO_TOTAL:
      if (field[1] > 0) {
        progress->total += field[1];
      }
      return progress_update(progress);
    default:
      return false;
  }
}

bool msiq_progress_apply_action_data(msiq_progress *progress) {
  if (!progress->action_data_moves || progress->total <= 0) {
    return false;
  }
  progress_move(progress, progress->ticks_per_action_data);
  return progress_update(progress);
}

int msiq_progress_percent(const msiq_progress *progress) {
  return progress->percent;
}
