#!/usr/bin/env bash
# wine-run.sh: runs a Windows program under Wine, in a Wine prefix of the
# build tree's own that it makes on first use. The toolchain file
# cmake/mingw-w64-x86_64.cmake makes it CMAKE_CROSSCOMPILING_EMULATOR, so
# ctest runs every test executable through it.
#
# usage: cmake/wine-run.sh [--wineprefix=DIR] PROGRAM.exe [ARGS...]
#        cmake/wine-run.sh [--wineprefix=DIR] --reset
#        cmake/wine-run.sh [--wineprefix=DIR] --stop
#
# --reset stops the prefix's wineserver (and with it every Wine process and
# service in the prefix) and deletes the prefix, so the next run starts from
# a fresh one; --stop only stops the wineserver. Both suit ctest fixtures
# (FIXTURES_SETUP / FIXTURES_CLEANUP) around tests that leave state behind,
# e.g. registered services.
#
# The prefix is --wineprefix if given, else $WINEPREFIX, else
# build/wineprefix in the source tree. Making it (wineboot --init, some
# seconds) is guarded by a lock, so tests started in parallel wait for the
# one that makes it instead of racing. WINEDEBUG defaults to -all.
#
# The exit status is the program's, as Wine passes it on: truncated to
# 8 bits (3010 arrives as 194). Unix absolute paths given as arguments work
# for file access (Wine maps / as drive Z:).
set -euo pipefail

script_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

prefix=""
case "${1:-}" in
  --wineprefix=*) prefix="${1#--wineprefix=}"; shift ;;
esac
if [ $# -eq 0 ]; then
  echo "usage: $0 [--wineprefix=DIR] PROGRAM.exe [ARGS...] | --reset | --stop" >&2
  exit 2
fi
if [ -z "$prefix" ]; then
  prefix="${WINEPREFIX:-$(dirname "$script_dir")/build/wineprefix}"
fi

if ! command -v wine >/dev/null 2>&1; then
  echo "wine-run.sh: wine is not installed (bash cmake/install-debian-packages.sh windows)" >&2
  exit 127
fi

mkdir -p "$(dirname "$prefix")"
prefix="$(cd "$(dirname "$prefix")" && pwd)/$(basename "$prefix")"

export WINEPREFIX="$prefix"
export WINEDEBUG="${WINEDEBUG:--all}"
export WINEARCH=win64

ready="$prefix/.msiq-ready"
# Beside the prefix: this script made (or is making) it, so it may delete it.
# A prefix without it (say, the user's own ~/.wine) is used as it is and
# never deleted.
owned="$prefix.msiq-owned"

case "$1" in
  --stop|--reset)
    # -k kills the prefix's wineserver and waits for it; it fails when none
    # runs, which is fine.
    if [ -d "$prefix" ]; then
      wineserver -k >/dev/null 2>&1 || true
    fi
    if [ "$1" = --reset ] && [ -d "$prefix" ]; then
      if [ ! -e "$owned" ]; then
        echo "wine-run.sh: $prefix was not made by wine-run.sh; not deleting it" >&2
        exit 1
      fi
      ( flock 9; rm -rf "$prefix" "$prefix.log" ) 9>"$prefix.lock"
    fi
    exit 0
    ;;
esac

if [ ! -e "$ready" ] && { [ ! -d "$prefix" ] || [ -e "$owned" ]; }; then
  (
    flock 9
    if [ ! -e "$ready" ]; then
      touch "$owned"
      rm -rf "$prefix"   # left over from an interrupted first run
      log="$prefix.log"
      # No Mono or Gecko: they are not needed and would be downloaded.
      # 9>&-: the wineserver and services it starts outlive it and must not
      # inherit (and so hold) the lock.
      if ! WINEDLLOVERRIDES="mscoree=;mshtml=" wineboot --init >"$log" 2>&1 9>&-; then
        cat "$log" >&2
        echo "wine-run.sh: wineboot --init failed for $prefix" >&2
        exit 1
      fi
      touch "$ready"
    fi
  ) 9>"$prefix.lock"
fi

# The first Wine process of a session starts Wine's services
# (services.exe, winedevice.exe, ...), which inherit its stdout and stderr and
# keep them open for some seconds after it exits: ctest, which reads a test's
# output to the end, would wait ~2.5 s more for every test. So a trivial
# program with its output on /dev/null goes first (about 0.1 s when the
# session is already up; when it is not, the program would pay that start-up
# time anyway).
wine cmd.exe /c exit 0 </dev/null >/dev/null 2>&1 || true

exec wine "$@"
