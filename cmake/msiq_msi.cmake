# msiq_msi.cmake: the `msiq_msi` target of the Windows build, which makes
# msiq's own package, msiq-VERSION-x64.msi, in the build folder: msiq.exe
# under Program Files\msiq, on the system PATH, the msiq service registered
# (which creates the admin-only data folder and queue) and started; its
# uninstall removes the service and keeps the queue unless
# MSIQ_REMOVE_QUEUE=1. The source is cmake/msiq.wxs.in, compiled by
# cmake/build-msiq-msi.sh with wixl and msibuild (msitools). msiq.exe links
# SQLite and libuv statically, so it is the package's only file. The
# release preset's package is the one to ship; a test build's package (the
# windows preset) is what tests/wine/wine_msi_package.sh installs.
# Kept apart from the rest of the build so that it can be read alone.

find_program(MSIQ_WIXL wixl)
find_program(MSIQ_MSIBUILD msibuild)
if(NOT MSIQ_WIXL OR NOT MSIQ_MSIBUILD)
  message(STATUS "msiq: wixl or msibuild not found (Debian: msitools, wixl); "
                 "no msiq_msi target")
  return()
endif()

set(MSIQ_MSI_NAME "msiq-${PROJECT_VERSION}-x64.msi")
set(MSIQ_MSI_PATH "${CMAKE_BINARY_DIR}/${MSIQ_MSI_NAME}")
configure_file("${PROJECT_SOURCE_DIR}/cmake/msiq.wxs.in"
               "${CMAKE_BINARY_DIR}/msiq.wxs" @ONLY)
add_custom_command(
  OUTPUT "${MSIQ_MSI_PATH}"
  COMMAND bash "${PROJECT_SOURCE_DIR}/cmake/build-msiq-msi.sh"
          "${CMAKE_BINARY_DIR}/msiq.wxs" "$<TARGET_FILE:msiq>"
          "${MSIQ_MSI_PATH}"
  DEPENDS msiq "${CMAKE_BINARY_DIR}/msiq.wxs"
          "${PROJECT_SOURCE_DIR}/cmake/build-msiq-msi.sh"
  COMMENT "Building ${MSIQ_MSI_NAME} with wixl"
  VERBATIM)
add_custom_target(msiq_msi ALL DEPENDS "${MSIQ_MSI_PATH}")
