/* host_test_settings.c: whether this build honours the test-only settings
 * (host_test_settings.h). */
#include "host/host_test_settings.h"

bool msiq_host_test_settings(void) {
#if defined(MSIQ_TEST_SETTINGS) && MSIQ_TEST_SETTINGS
  return true;
#else
  return false;
#endif
}
