#!/usr/bin/env bash
# run-all.sh: the whole test suite, from a fresh Debian 12 machine (as root).
# This is the README's test command; .ci/run calls it too.
set -euo pipefail
cd "$(dirname "$0")/.."

bash cmake/install-debian-packages.sh native

# Native build with the POSIX simulation host, warnings as errors, every
# cmocka and CLI test.
cmake --workflow --preset native --fresh
