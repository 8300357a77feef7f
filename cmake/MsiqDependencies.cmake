# Finds SQLite, libuv and cmocka and exposes them as the imported targets
# msiq::sqlite3, msiq::uv and msiq::cmocka.
#
# Native Linux builds use Debian's -dev packages through pkg-config. Windows
# cross builds point CMAKE_FIND_ROOT_PATH at the libraries built from Debian's
# source packages (cmake/MsiqWindowsDependencies.cmake) and find them there.

find_package(PkgConfig REQUIRED)

pkg_check_modules(MSIQ_SQLITE3 REQUIRED IMPORTED_TARGET sqlite3)
add_library(msiq::sqlite3 ALIAS PkgConfig::MSIQ_SQLITE3)

pkg_check_modules(MSIQ_UV REQUIRED IMPORTED_TARGET libuv)
add_library(msiq::uv ALIAS PkgConfig::MSIQ_UV)

if(MSIQ_BUILD_TESTS)
  pkg_check_modules(MSIQ_CMOCKA REQUIRED IMPORTED_TARGET cmocka)
  add_library(msiq::cmocka ALIAS PkgConfig::MSIQ_CMOCKA)
endif()
