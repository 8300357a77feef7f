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

find_package(PkgConfig REQUIRED)

pkg_check_modules(MSIQ_SQLITE3 REQUIRED IMPORTED_TARGET sqlite3)
add_library(msiq::sqlite3 ALIAS PkgConfig::MSIQ_SQLITE3)

pkg_check_modules(MSIQ_UV REQUIRED IMPORTED_TARGET libuv)
add_library(msiq::uv ALIAS PkgConfig::MSIQ_UV)

if(MSIQ_BUILD_TESTS)
  pkg_check_modules(MSIQ_CMOCKA REQUIRED IMPORTED_TARGET cmocka)
  add_library(msiq::cmocka ALIAS PkgConfig::MSIQ_CMOCKA)
endif()
