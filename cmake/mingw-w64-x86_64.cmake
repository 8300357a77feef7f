# Toolchain file: cross-compiles for Windows x86_64 with Debian's mingw-w64
# (package gcc-mingw-w64-x86-64) and runs the test executables under Wine.
#
#   cmake -S . -B build/windows \
#         -DCMAKE_TOOLCHAIN_FILE=cmake/mingw-w64-x86_64.cmake
#
# The dependencies (SQLite, libuv, cmocka) are static libraries built by
# cmake/build-windows-deps.sh into MSIQ_WINDOWS_DEPS_PREFIX, which is found
# through pkg-config (its lib/pkgconfig) and CMAKE_FIND_ROOT_PATH.
#
# Executables are linked with -static -static-libgcc, so a built .exe needs
# no DLL beyond Windows' own (KERNEL32, msvcrt, ws2_32, ...).
#
# ctest runs each test executable through CMAKE_CROSSCOMPILING_EMULATOR,
# cmake/wine-run.sh, with a Wine prefix of this build tree's own
# (MSIQ_WINEPREFIX, made on first use).

set(CMAKE_SYSTEM_NAME Windows)
set(CMAKE_SYSTEM_PROCESSOR x86_64)

set(_msiq_host x86_64-w64-mingw32)
set(CMAKE_C_COMPILER ${_msiq_host}-gcc)
# msiq and its dependencies are C only: g++-mingw-w64-x86-64 is not installed.
set(CMAKE_CXX_COMPILER ${_msiq_host}-g++)
set(CMAKE_RC_COMPILER ${_msiq_host}-windres)
# ar, ranlib, windres, ... are found by CMake from the compiler's prefix.

# This file is read before project() (and again for every try_compile), so
# the default is relative to this file, not to CMAKE_SOURCE_DIR.
get_filename_component(_msiq_default_deps_prefix
  "${CMAKE_CURRENT_LIST_DIR}/../build/windows-deps/prefix" ABSOLUTE)
set(MSIQ_WINDOWS_DEPS_PREFIX "${_msiq_default_deps_prefix}" CACHE PATH
  "Where cmake/build-windows-deps.sh installed the Windows dependencies")
get_filename_component(_msiq_deps_prefix "${MSIQ_WINDOWS_DEPS_PREFIX}" ABSOLUTE)

set(MSIQ_WINEPREFIX "${CMAKE_BINARY_DIR}/wineprefix" CACHE PATH
  "Wine prefix (made on first use) in which ctest runs the test executables")

# try_compile projects see the same values.
list(APPEND CMAKE_TRY_COMPILE_PLATFORM_VARIABLES
  MSIQ_WINDOWS_DEPS_PREFIX MSIQ_WINEPREFIX)

# Libraries and headers only from the deps prefix and the mingw-w64 runtime;
# programs (pkg-config, tclsh, ...) from the build machine.
set(CMAKE_FIND_ROOT_PATH "${_msiq_deps_prefix}" /usr/${_msiq_host})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

# pkg-config sees only the deps prefix's .pc files (which name absolute
# paths), never the build machine's.
set(ENV{PKG_CONFIG_LIBDIR} "${_msiq_deps_prefix}/lib/pkgconfig")
set(ENV{PKG_CONFIG_PATH} "")
set(ENV{PKG_CONFIG_SYSROOT_DIR} "")

# Self-contained executables: libgcc (and winpthread, if used) linked in.
set(CMAKE_EXE_LINKER_FLAGS_INIT "-static -static-libgcc")
set(CMAKE_SHARED_LINKER_FLAGS_INIT "-static-libgcc")
set(CMAKE_MODULE_LINKER_FLAGS_INIT "-static-libgcc")

set(CMAKE_CROSSCOMPILING_EMULATOR
  "${CMAKE_CURRENT_LIST_DIR}/wine-run.sh;--wineprefix=${MSIQ_WINEPREFIX}")
