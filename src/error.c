/* error.c: the status table of msiq.h turned into messages, names and exit
 * codes, and the diagnostic buffer. */
#include "msiq.h"

#include <stdio.h>
#include <string.h>

const char *msiq_strerror(int status) {
  switch (status) {
    case MSIQ_OK:
      return "success";
#define MSIQ_STATUS_MESSAGE(name, value, exit_code, message)                   \
  case MSIQ_E##name:                                                           \
    return message;
      MSIQ_STATUS_MAP(MSIQ_STATUS_MESSAGE)
#undef MSIQ_STATUS_MESSAGE
  }
  return "unknown error";
}

const char *msiq_err_name(int status) {
  switch (status) {
    case MSIQ_OK:
      return "MSIQ_OK";
#define MSIQ_STATUS_NAME(name, value, exit_code, message)                      \
  case MSIQ_E##name:                                                           \
    return "MSIQ_E" #name;
      MSIQ_STATUS_MAP(MSIQ_STATUS_NAME)
#undef MSIQ_STATUS_NAME
  }
  return "MSIQ_UNKNOWN";
}

int msiq_status_exit_code(int status) {
  switch (status) {
    case MSIQ_OK:
      return 0;
#define MSIQ_STATUS_EXIT(name, value, exit_code, message)                      \
  case MSIQ_E##name:                                                           \
    return exit_code;
      MSIQ_STATUS_MAP(MSIQ_STATUS_EXIT)
#undef MSIQ_STATUS_EXIT
  }
  return 1;
}

int msiq_diag_vset(msiq_diag *diag, int status, const char *format,
                   va_list args) {
  if (diag != NULL) {
    vsnprintf(diag->message, sizeof diag->message, format, args);
  }
  return status;
}

int msiq_diag_set(msiq_diag *diag, int status, const char *format, ...) {
  va_list args;
  va_start(args, format);
  msiq_diag_vset(diag, status, format, args);
  va_end(args);
  return status;
}
