#!/usr/bin/env bash
# release_check.sh: a release build honours none of the test-only settings
# (issue 15, item 15). It configures and builds a release configuration
# from the source tree, then checks that its msiq:
#   - says it is no test build (`msiq --version`);
#   - does not even hold the names MSIQ_INSTALLER, MSIQ_INSTALLER_SERVICE
#     and MSIQ_SIM_ (as bytes, and on Windows as UTF-16 too);
#   - never starts the program MSIQ_INSTALLER names: a job is queued and a
#     dispatcher runs with MSIQ_INSTALLER pointing at the fake installer,
#     which writes a line to its log each time it starts. The same run with
#     the test build under test (MSIQ_BIN / MSIQ_EXE) starts it, so the
#     check can fail.
#
# usage: release_check.sh posix SOURCE_DIR BUILD_DIR
#            a native build with MSIQ_TEST_SETTINGS=OFF and no tests, like
#            the release preset but for the simulation host: its `run`
#            refuses to start (no installer), whatever MSIQ_INSTALLER says;
#        release_check.sh windows SOURCE_DIR BUILD_DIR DEPS_PREFIX
#            the `release` preset itself (what msiq.msi ships), with the
#            Windows dependencies from DEPS_PREFIX, run under Wine: its
#            dispatcher runs the job with its own worker (`msiq --worker`,
#            Wine's msi.dll), never the fake installer.
# Environment: MSIQ_TESTS_DIR, MSIQ_TEST_TMPDIR, MSIQ_FAKE_INSTALLER (the
# fake installer), and MSIQ_BIN (posix) or MSIQ_EXE (windows), the test
# build's msiq.
set -u
mode=$1
source_dir=$2
build_dir=$3

if [ "$mode" = windows ]; then
  # shellcheck source-path=SCRIPTDIR source=../wine/lib.sh
  . "$MSIQ_TESTS_DIR/wine/lib.sh"
  trap wine_prefix_cleanup EXIT
else
  # shellcheck source-path=SCRIPTDIR source=../cli/lib.sh
  . "$MSIQ_TESTS_DIR/cli/lib.sh"
fi
for variable in $(compgen -v); do
  case $variable in
    FAKE_INSTALLER_* | MSIQ_SIM_* | MSIQ_INSTALLER*) unset "$variable" ;;
  esac
done
chmod 0700 "$work_dir"

# 1. The release configuration builds (warnings are errors, as in CI).
started=$(date +%s)
if [ "$mode" = windows ]; then
  configure=(cmake --preset release -B "$build_dir" "-DMSIQ_WINDOWS_DEPS_PREFIX=$4")
  release_msiq="$build_dir/src/msiq.exe"
else
  configure=(cmake -S "$source_dir" -B "$build_dir" -DCMAKE_BUILD_TYPE=Release
    -DMSIQ_BUILD_TESTS=OFF -DMSIQ_TEST_SETTINGS=OFF -DMSIQ_WERROR=ON)
  release_msiq="$build_dir/src/msiq"
fi
if (cd "$source_dir" && "${configure[@]}") >"$work_dir/configure.log" 2>&1; then
  pass
else
  fail "the release configuration does not configure: $(tail -n 20 "$work_dir/configure.log")"
fi
check_equal "$(grep -c 'MSIQ_TEST_SETTINGS:BOOL=OFF' "$build_dir/CMakeCache.txt")" "1" \
  "the release configuration has the test settings off"
if cmake --build "$build_dir" --target msiq -j2 >"$work_dir/build.log" 2>&1; then
  pass
else
  fail "the release configuration does not build: $(grep -m 5 -E 'error|warning' "$work_dir/build.log")"
fi
echo "release build ($mode): $(($(date +%s) - started)) s"
if [ ! -x "$release_msiq" ]; then
  fail "no release binary at $release_msiq"
  finish
  exit
fi

# 2. No test setting's name in the binary.
for name in MSIQ_INSTALLER MSIQ_INSTALLER_SERVICE MSIQ_SIM_; do
  check_equal "$(grep -c -a -F "$name" "$release_msiq")" "0" \
    "the release binary does not hold the name $name"
  if [ "$mode" = windows ]; then
    check_equal "$(strings -e l "$release_msiq" | grep -c -F "$name")" "0" \
      "the release binary does not hold $name as UTF-16"
  fi
done

# 3. The dispatcher never starts the program MSIQ_INSTALLER names.

# host_path UNIX_PATH: the path as the binary under test sees it (on
# Windows, a path in the prefix's drive C: as C:\..., any other on Z:).
host_path() {
  if [ "$mode" != windows ]; then
    printf '%s' "$1"
  elif [[ "$1" == "$WINEPREFIX/drive_c/"* ]]; then
    local inside=${1#"$WINEPREFIX/drive_c/"}
    printf 'C:\\%s' "${inside//\//\\}"
  else
    win_path "$1"
  fi
}

if [ "$mode" = windows ]; then
  wine_prefix_init
  # The session's first program starts Wine's services, which inherit its
  # output and keep it open: give them /dev/null, not a pipe read below.
  wine cmd.exe /c exit 0 </dev/null >/dev/null 2>&1
  runner=(wine)
  test_msiq=$MSIQ_EXE
  fake=$(win_path "$MSIQ_FAKE_INSTALLER")
  # The release build trusts no folder above the build tree (a test build
  # does, tests/CMakeLists.txt): wherever the checkout is (under /tmp, Z:\tmp
  # reads as writable by Everyone), the release binary, its queue and the
  # package live in a folder of drive C:, as under C:\Program Files.
  data_dir="$WINEPREFIX/drive_c/msiq-release-check"
  mkdir -p "$data_dir"
  chmod 0700 "$data_dir"
  cp "$release_msiq" "$data_dir/msiq.exe"
  release_msiq="$data_dir/msiq.exe"
else
  runner=()
  test_msiq=$MSIQ_BIN
  fake=$MSIQ_FAKE_INSTALLER
  data_dir=$work_dir
fi
package=$(host_path "$data_dir/app.msi")
printf 'not a real package\n' >"$data_dir/app.msi"

# release_run BINARY NAME: a job for app.msi in the queue NAME.db, then a
# drain with MSIQ_INSTALLER (and the simulation's settings) pointing at the
# fake installer, which logs each start to NAME.argv. Sets $drain_status,
# $drain_output, $version, $job, $database.
release_run() {
  local binary=$1
  database=$(host_path "$data_dir/$2.db")
  version=$("${runner[@]}" "$binary" --version 2>&1 | tr -d '\r')
  # --no-check: enqueue would refuse a file that is no package, and this
  # one must stay one the worker refuses (no real installation happens).
  job=$("${runner[@]}" "$binary" --db "$database" enqueue --no-check "$package" 2>&1 | tr -d '\r')
  MSIQ_INSTALLER=$fake FAKE_INSTALLER_LOG=$(host_path "$data_dir/$2.argv") \
    MSIQ_SIM_EXIT_CODE_DIR="$work_dir" MSIQ_INSTALLER_SERVICE=no-such-service \
    timeout 300 "${runner[@]}" "$binary" --db "$database" run --drain --poll 100ms \
    >"$work_dir/drain.out" 2>&1
  drain_status=$?
  drain_output=$(tr -d '\r' <"$work_dir/drain.out")
}

release_run "$test_msiq" test
check_match "$version" "\(test build\)\$" "control: the test build says it is one"
check_equal "$(grep -c . "$data_dir/test.argv" 2>/dev/null)" "1" \
  "control: the test build runs the program MSIQ_INSTALLER names"

release_run "$release_msiq" release
check_match "$version" "^msiq [0-9.]+\$" "the release build says no more than its version"
check_match "$job" '^[0-9]+$' "the release build enqueues"
if [ -e "$data_dir/release.argv" ]; then
  fail "the release build started the program MSIQ_INSTALLER names: $(cat "$data_dir/release.argv")"
else
  pass
fi
show=$("${runner[@]}" "$release_msiq" --db "$database" --json show "$job" | tr -d '\r')
if [ "$mode" = windows ]; then
  # Its own worker ran the job with msi.dll, which refuses a file that is
  # no package; msiserver (not the stand-in service) was the one probed.
  check_equal "$drain_status" "0" "the release dispatcher drains the queue"
  check_equal "$(jq_of "$show" .state)" "failed" "the release build's worker ran the job (and msi.dll refused the file)"
  check_match "$(jq_of "$show" '.history[0].operation')" '^MsiInstallProduct' \
    "the release build ran the job in its own worker"
else
  check_equal "$drain_status" "2" "the release simulation host refuses to run without an installer"
  check_match "$drain_output" "no installer: the POSIX simulation host has no msiexec, and a release build takes no stand-in" \
    "and says why"
  check_equal "$(jq_of "$show" .state)" "queued" "the job was left queued"
fi

finish
