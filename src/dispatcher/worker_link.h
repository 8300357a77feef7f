/* worker_link.h: what the dispatcher has heard from the running job's
 * worker.
 *
 * The worker's standard output is fed in as the pipe delivers it; the line
 * reader splits it and each line is parsed (core/worker_protocol.h) and
 * folded into the link: whether the worker speaks the protocol, the
 * operation it named, its progress and current action, its last error
 * record and files-in-use report, its result. The dispatcher decides what
 * to write to the database and when; this file does no I/O, so it is
 * tested on its own (tests/test_worker_link.c).
 *
 * Until a worker says `hello`, its lines are not the protocol and are
 * ignored: a stand-in that prints something else is judged by its exit
 * code alone. After `hello`, a line that cannot be read (an unknown
 * keyword, a bad field, a message only the dispatcher sends, an overlong
 * line) is noted once, for one report, and ignored like every later one.
 */
#ifndef MSIQ_WORKER_LINK_H
#define MSIQ_WORKER_LINK_H

#include "core/decision.h"
#include "core/worker_protocol.h"

/* What a feed changed (a bit set of these). */
typedef enum msiq_worker_link_change {
  MSIQ_WORKER_LINK_HELLO = 1 << 0,     /* it speaks the protocol now */
  MSIQ_WORKER_LINK_OPERATION = 1 << 1, /* the operation was named */
  MSIQ_WORKER_LINK_PROGRESS = 1 << 2,  /* percent or action changed */
  MSIQ_WORKER_LINK_ERROR = 1 << 3,     /* a new error record */
  MSIQ_WORKER_LINK_FILES_IN_USE = 1 << 4,
  MSIQ_WORKER_LINK_CANCELLING = 1 << 5, /* Windows Installer is rolling back */
  MSIQ_WORKER_LINK_RESULT = 1 << 6,     /* the API returned */
  MSIQ_WORKER_LINK_BAD_LINE = 1 << 7,   /* the first unreadable line */
} msiq_worker_link_change;

/* Texts are cut to these sizes (an error message fits; a line holds at
 * most MSIQ_WORKER_LINE_MAX bytes). */
#define MSIQ_WORKER_LINK_TEXT_SIZE 2048
#define MSIQ_WORKER_LINK_NAME_SIZE 256

typedef struct msiq_worker_link {
  msiq_worker_line_reader reader;
  bool speaks_protocol;
  int64_t worker_pid; /* from `hello`, or 0 */
  char operation[MSIQ_WORKER_LINK_TEXT_SIZE];
  /* The progress bar: -1 until the first `progress`. */
  int percent;
  /* "Name: description" of the newest `action`, or "". */
  char action[MSIQ_WORKER_LINK_TEXT_SIZE];
  bool cancellable; /* Windows Installer shows its Cancel button */
  bool cancelling;
  bool has_error;
  int64_t error_number;
  char error_text[MSIQ_WORKER_LINK_TEXT_SIZE];
  char error_action[MSIQ_WORKER_LINK_NAME_SIZE];
  char files_in_use[MSIQ_WORKER_LINK_TEXT_SIZE];
  bool has_result;
  int64_t result;
  /* The first unreadable line's problem, for the one report; and how many
   * lines were ignored as unreadable in all. */
  char bad_line[256];
  int64_t bad_line_count;
  /* The changes of the feed under way. */
  unsigned changes;
} msiq_worker_link;

void msiq_worker_link_init(msiq_worker_link *link);

/* Feeds bytes from the worker's standard output; returns the changes
 * (msiq_worker_link_change bits) they made. */
unsigned msiq_worker_link_feed(msiq_worker_link *link, const char *bytes,
                               size_t count);

/* The last error record as the decision takes it; NULL when none came. */
const msiq_worker_error *msiq_worker_link_error(const msiq_worker_link *link,
                                                msiq_worker_error *error);

#endif /* MSIQ_WORKER_LINK_H */
