/* names.c: the text names of the enums of msiq.h, from their X-macro maps. */
#include "core/msiq.h"
#include "core/text.h"

/* Name tables for the enums of msiq.h. */
static const char *const action_names[] = {
#define MSIQ_ACTION_TEXT(name, text) text,
    MSIQ_ACTION_MAP(MSIQ_ACTION_TEXT)
#undef MSIQ_ACTION_TEXT
};

static const char *const state_names[] = {
#define MSIQ_STATE_TEXT(name, text) text,
    MSIQ_STATE_MAP(MSIQ_STATE_TEXT)
#undef MSIQ_STATE_TEXT
};

/* Names are matched whatever the case ("Install", "FAILED"). */
static int name_lookup(const char *const *names, int count, const char *text) {
  for (int i = 0; i < count; i++) {
    if (text != NULL && msiq_text_equal_ignoring_case(names[i], text)) {
      return i;
    }
  }
  return -1;
}

const char *msiq_action_name(msiq_action action) {
  return (unsigned)action < MSIQ_ACTION_COUNT ? action_names[action] : "?";
}

int msiq_action_parse(const char *text, msiq_action *action) {
  int index = name_lookup(action_names, MSIQ_ACTION_COUNT, text);
  if (index < 0) {
    return MSIQ_EINVAL;
  }
  *action = (msiq_action)index;
  return MSIQ_OK;
}

const char *msiq_state_name(msiq_state state) {
  return (unsigned)state < MSIQ_STATE_COUNT ? state_names[state] : "?";
}

int msiq_state_parse(const char *text, msiq_state *state) {
  int index = name_lookup(state_names, MSIQ_STATE_COUNT, text);
  if (index < 0) {
    return MSIQ_EINVAL;
  }
  *state = (msiq_state)index;
  return MSIQ_OK;
}

bool msiq_state_is_final(msiq_state state) {
  return state == MSIQ_STATE_SUCCEEDED || state == MSIQ_STATE_FAILED ||
         state == MSIQ_STATE_CANCELLED;
}
