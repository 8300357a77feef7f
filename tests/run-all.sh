#!/usr/bin/env bash
# run-all.sh: the whole test suite, from a fresh Debian 12 machine (as root).
# This is the README's test command; .ci/run calls it too.
#
#   1. native: the POSIX simulation host, warnings as errors; every cmocka
#      test, the CLI and dispatcher tests, the format check.
#   2. sanitize: the same native suite built with AddressSanitizer and
#      UndefinedBehaviorSanitizer (leak checks on); any report fails the
#      test. The load and valgrind tests are left out there (label "slow",
#      "valgrind"; see tests/reliability/CMakeLists.txt), and so are the
#      checks that read only the source tree (label "static") and the
#      release build's own check (label "release"): the native stage ran
#      them.
#   3. windows: the mingw-w64 cross build (dependencies built once from
#      Debian's source packages and cached under build/); every cmocka test
#      under Wine, and the end-to-end test with Wine's real msiexec.
set -euo pipefail
cd "$(dirname "$0")/.."

# Each stage line says when it began (seconds since the start), so a run that
# nears CI's 30 minutes shows which stage grew.
stage() {
  echo "== [${SECONDS} s] $*"
}

bash cmake/install-debian-packages.sh windows

stage "native build and tests"
cmake --workflow --preset native --fresh

stage "native build and tests under AddressSanitizer and UndefinedBehaviorSanitizer"
cmake --workflow --preset sanitize --fresh

stage "libFuzzer harnesses, 30 s each (hostile input)"
cmake --workflow --preset fuzz --fresh

stage "Windows cross build and tests under Wine"
cmake --workflow --preset windows --fresh

stage "all stages passed"
