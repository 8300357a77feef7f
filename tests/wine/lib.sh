# shellcheck shell=bash
# lib.sh: helpers for the tests that run msiq.exe under Wine.
#
# Sources tests/cli/lib.sh (the check_* helpers, $work_dir, `finish`) and
# adds what every Wine test needs: a private Wine prefix inside $work_dir,
# Windows paths for Unix ones, and waiting with a deadline. Exit codes seen
# from Linux through `wine` keep only their low 8 bits, so tests read
# outcomes from what msiq reported, never from wine's status alone.
# shellcheck source-path=SCRIPTDIR source=../cli/lib.sh
. "$MSIQ_TESTS_DIR/cli/lib.sh"

export WINEDEBUG=-all
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

# wine_prefix_init: a fresh prefix and a wineserver that stays up until
# wine_prefix_cleanup (services die with wineserver, and starting it for
# each program would cost seconds).
wine_prefix_init() {
  wineboot --init >/dev/null 2>&1
  # The session that created the prefix leaves the service database locked
  # until it ends: wait for it, then start the persistent session.
  wineserver -w
  wineserver -p
}

# wine_prefix_cleanup: ends the wineserver and removes the work directory.
wine_prefix_cleanup() {
  wineserver -k 2>/dev/null
  rm -rf "$work_dir"
}
