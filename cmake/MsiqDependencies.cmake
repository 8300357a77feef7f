# Finds SQLite, libuv and cmocka and exposes them as the imported targets
# msiq::sqlite3, msiq::uv and msiq::cmocka.
#
# Native Linux builds use Debian's -dev packages through pkg-config. Windows
# cross builds first build the three from Debian's source packages
# (cmake/build-windows-deps.sh, cached after the first run) and find them
# through the toolchain's PKG_CONFIG_LIBDIR (cmake/mingw-w64-x86_64.cmake).

if(CMAKE_CROSSCOMPILING AND WIN32)
  execute_process(
    COMMAND bash "${CMAKE_CURRENT_LIST_DIR}/build-windows-deps.sh"
            "${MSIQ_WINDOWS_DEPS_PREFIX}"
    RESULT_VARIABLE msiq_deps_result)
  if(NOT msiq_deps_result EQUAL 0)
    message(FATAL_ERROR "cmake/build-windows-deps.sh failed")
  endif()
endif()

find_package(PkgConfig QUIET)

if(NOT PKG_CONFIG_FOUND AND WIN32)
  # Building on Windows itself with vcpkg (vcpkg.json), where pkg-config is
  # usually absent: the ports' CMake packages. Not tested here (see
  # docs/windows.md); the tested Windows build is the mingw-w64 cross build.
  find_package(unofficial-sqlite3 CONFIG REQUIRED)
  add_library(msiq::sqlite3 ALIAS unofficial::sqlite3::sqlite3)
  find_package(libuv CONFIG REQUIRED)
  if(TARGET libuv::uv_a)
    add_library(msiq::uv ALIAS libuv::uv_a)
  else()
    add_library(msiq::uv ALIAS libuv::uv)
  endif()
  if(MSIQ_BUILD_TESTS)
    find_package(cmocka CONFIG REQUIRED)
    add_library(msiq::cmocka ALIAS cmocka::cmocka)
  endif()
  return()
endif()

if(NOT PKG_CONFIG_FOUND)
  message(FATAL_ERROR "pkg-config is required (Debian: apt-get install pkg-config)")
endif()

pkg_check_modules(MSIQ_SQLITE3 REQUIRED IMPORTED_TARGET sqlite3)
add_library(msiq::sqlite3 ALIAS PkgConfig::MSIQ_SQLITE3)

pkg_check_modules(MSIQ_UV REQUIRED IMPORTED_TARGET libuv)
add_library(msiq::uv ALIAS PkgConfig::MSIQ_UV)

if(MSIQ_BUILD_TESTS)
  pkg_check_modules(MSIQ_CMOCKA REQUIRED IMPORTED_TARGET cmocka)
  add_library(msiq::cmocka ALIAS PkgConfig::MSIQ_CMOCKA)
endif()
