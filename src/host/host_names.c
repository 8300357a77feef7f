/* host_names.c: names of the host's gate states, shared by every host. */
#include "host/host.h"

const char *msiq_mutex_state_name(msiq_mutex_state state) {
  return state == MSIQ_MUTEX_HELD ? "held" : "free";
}

const char *msiq_service_state_name(msiq_service_state state) {
  switch (state) {
    case MSIQ_SERVICE_IDLE:
      return "idle";
    case MSIQ_SERVICE_BUSY:
      return "busy";
    case MSIQ_SERVICE_STOPPED:
      return "stopped";
    case MSIQ_SERVICE_UNKNOWN:
      break;
  }
  return "unknown";
}
