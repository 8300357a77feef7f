# shellcheck shell=bash
# lib.sh: helpers for the tests that run msiq.exe under Wine.
#
# Sources tests/cli/lib.sh (the check_* helpers, $work_dir, `finish`) and
# adds what every Wine test needs: a private Wine prefix inside $work_dir,
# Windows paths for Unix ones, waiting with a deadline, msiq.exe's output
# without CRs and a job's fields, and the many-file package the msi.dll
# tests install. Exit codes seen from Linux through `wine` keep only their
# low 8 bits, so tests read outcomes from what msiq reported, never from
# wine's status alone.
# shellcheck source-path=SCRIPTDIR source=../cli/lib.sh
. "$MSIQ_TESTS_DIR/cli/lib.sh"

export WINEDEBUG=-all

# make_patch_package OUT [PATCH_CODE [TARGETS [DISPLAY_NAME]]]: as in
# tests/cli/lib.sh, but written by tests/win/make_patch.c ($MAKE_PATCH_EXE)
# with Wine's msi.dll and OLE, so the Wine tests need no native build.
make_patch_package() {
  wine "$MAKE_PATCH_EXE" "$(win_path "$1")" "${2:-{5A3F0C1E-7B2D-4E6A-9C8B-1D2E3F405162\}}" \
    "${3:-{0B1C2D3E-4F50-6172-8394-A5B6C7D8E9F0\}}" "${4-Sample Fix}" >/dev/null 2>&1 ||
    fail "make_patch_package $1: make_patch.exe failed"
}
export WINEPREFIX="$work_dir/prefix"

# win_path UNIX_PATH: the path as Wine's programs see it (drive Z: is /).
win_path() {
  printf 'Z:%s' "${1//\//\\}"
}

now_ms() {
  date +%s%3N
}

# wait_until MS COMMAND...: runs COMMAND every 100 ms until it succeeds.
wait_until() {
  local end=$(($(now_ms) + $1))
  shift
  until "$@"; do
    [ "$(now_ms)" -lt "$end" ] || return 1
    sleep 0.1
  done
}

# msiq ARGS...: msiq.exe under Wine. It writes Windows line ends (CRLF) to
# its text-mode stdout; the checks compare text without the CRs.
msiq() {
  wine "$MSIQ_EXE" "$@" | tr -d '\r'
  return "${PIPESTATUS[0]}"
}

# job_field ID FILTER: a jq filter (raw output) applied to `show --json ID`.
job_field() {
  msiq --json show "$1" 2>/dev/null | jq -r "$2"
}

# job_finished ID: the job reached succeeded, failed or cancelled.
job_finished() {
  case "$(job_field "$1" .state)" in
    succeeded | failed | cancelled) return 0 ;;
  esac
  return 1
}

# wait_finished ID WHAT: waits up to ten minutes for job ID to finish (Wine's
# msi.dll is slow), failing with WHAT and the job's state if it does not.
wait_finished() {
  wait_until 600000 job_finished "$1" || fail "$2: the job did not finish (state $(job_field "$1" .state))"
}

# wine_prefix_init [NAME=VALUE...]: a fresh prefix and a wineserver that
# stays up until wine_prefix_cleanup (services die with wineserver, and
# starting it for each program would cost seconds). Each NAME=VALUE goes
# into the environment the service manager gives services (a test's
# MSIQ_INSTALLER, for example).
wine_prefix_init() {
  wineboot --init >/dev/null 2>&1
  # The session that created the prefix leaves the service database locked
  # until it ends: wait for it, then start the persistent session.
  wineserver -w
  # Services get their environment from the registry, not from the test:
  # the setting that trusts the folders above the build tree (see
  # tests/CMakeLists.txt) goes there, in a session of its own, so that the
  # next session's service manager reads it when it starts its first
  # service.
  local setting
  if [ -n "${MSIQ_TEST_TRUSTED_ANCESTORS_OF:-}" ]; then
    set -- "MSIQ_TEST_TRUSTED_ANCESTORS_OF=$MSIQ_TEST_TRUSTED_ANCESTORS_OF" "$@"
  fi
  for setting in "$@"; do
    wine reg add 'HKLM\System\CurrentControlSet\Control\Session Manager\Environment' \
      /v "${setting%%=*}" /t REG_SZ /d "${setting#*=}" /f >/dev/null 2>&1
  done
  [ "$#" -eq 0 ] || wineserver -w
  wineserver -p
}

# wine_prefix_cleanup: ends the wineserver and removes the work directory.
wine_prefix_cleanup() {
  wineserver -k 2>/dev/null
  rm -rf "$work_dir"
}

# The many-file package of tests/packages/worker.wxs, which the msi.dll
# tests (worker.sh, engine.sh) install with Wine's real msi.dll. Needs
# CUSTOM_ACTION_EXE, CUSTOM_ACTION_DLL and PRODUCT_STATE_EXE, and a prefix
# (wine_prefix_init) for the checks.

# worker_package_build: builds $work_dir/MsiqWorkerTest.msi with 200 files
# of 64 KiB (so that Windows Installer sends a stream of progress records;
# under Wine mostly while it registers the components) and the custom
# actions of worker.wxs, and sets package_name, payload_count, package (its
# Windows path), product_code and program_files.
worker_package_build() {
  package_name=MsiqWorkerTest
  payload_count=200
  program_files="$WINEPREFIX/drive_c/Program Files (x86)"
  mkdir -p "$work_dir/payload"
  local i
  for i in $(seq 1 "$payload_count"); do
    head -c 65536 /dev/urandom >"$work_dir/payload/file$i.bin"
  done
  # wixl finds Binary/@SourceFile only relative to the current directory.
  cp "$CUSTOM_ACTION_DLL" "$work_dir/custom_action_dll.dll"
  (cd "$work_dir" && find payload -type f | wixl-heat -p payload/ --component-group PayloadFiles \
    --directory-ref INSTALLDIR --var var.PayloadDir >files.wxs &&
    wixl -D "ProductName=$package_name" -D UpgradeCode=5D1D7A30-5E0B-4C2B-9E64-6B0E3F0C1A01 \
      -D PayloadDir=payload -D "ActionProgram=$(win_path "$CUSTOM_ACTION_EXE")" \
      -D ActionDll=custom_action_dll.dll -o "$package_name.msi" \
      "$MSIQ_TESTS_DIR/packages/worker.wxs" files.wxs) >"$work_dir/wixl.log" 2>&1 ||
    fail "wixl could not build the package: $(grep -v GLib "$work_dir/wixl.log" | tail -1)"
  # shellcheck disable=SC2034 # read by the tests that source this file
  package=$(win_path "$work_dir/$package_name.msi")
  product_code=$(package_property "$work_dir/$package_name.msi" ProductCode)
  check_match "$product_code" '^\{[0-9A-F-]{36}\}$' "package: its product code"
}

# product_state CODE: what Windows Installer knows of the product
# (tests/win/product_state.c): "5 default" installed, "-1 unknown" not.
product_state() {
  wine "$PRODUCT_STATE_EXE" "$1" 2>/dev/null | tr -d '\r'
}

# installed_file_count: how many of the package's files are installed.
installed_file_count() {
  find "$program_files/$package_name" -type f 2>/dev/null | wc -l
}
