/* host_test_settings.h: the settings only tests may use.
 *
 * MSIQ_INSTALLER (which program runs a job), MSIQ_INSTALLER_SERVICE (which
 * service stands for msiserver) and the simulation's MSIQ_SIM_* exist only
 * in builds configured with MSIQ_TEST_SETTINGS=ON (the native, sanitize,
 * fuzz and windows presets). In any other build (the release preset, which
 * builds what msiq.msi ships) these read nothing, and the names are not
 * even in the binary: a dispatcher running as SYSTEM never starts a
 * program an environment variable names. Not for use outside src/host.
 */
#ifndef MSIQ_HOST_TEST_SETTINGS_H
#define MSIQ_HOST_TEST_SETTINGS_H

#include <stdlib.h>

#include "host/host.h"

#if defined(MSIQ_TEST_SETTINGS) && MSIQ_TEST_SETTINGS
/* getenv() of a test setting (POSIX host). */
#define host_test_getenv(name) ((const char *)getenv(name))
/* msiq_host_getenv() of a test setting, as UTF-8 (Windows host). */
#define host_test_setting(name, buffer, size)                                  \
  msiq_host_getenv((name), (buffer), (size))
#else
#define host_test_getenv(name) ((const char *)NULL)
#define host_test_setting(name, buffer, size)                                  \
  ((void)(buffer), (void)(size), false)
#endif

#endif /* MSIQ_HOST_TEST_SETTINGS_H */
