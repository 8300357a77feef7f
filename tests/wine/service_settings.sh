#!/usr/bin/env bash
# service_settings.sh: the Windows service under Wine's service manager
# with settings stored in its queue and a log that rotates (issue 13):
#   - a window stored with `msiq config set` while the service runs closes
#     the gate for the next job (the service's log says so) without a
#     restart; unsetting it lets the job run;
#   - with the test setting MSIQ_SERVICE_LOG_LIMIT=600 the service's log
#     rotates: msiq-service.log.1 exists, no file passes the limit by more
#     than one line, and the lines about the settings are in the log's
#     generations.
# The service gets its environment from the registry (wine_prefix_init).
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$MSIQ_TESTS_DIR/wine/lib.sh"

export MSIQ_RUNNER=wine
export MSIQ_BIN="$MSIQ_EXE"

trap wine_prefix_cleanup EXIT

wine_prefix_init "MSIQ_INSTALLER=$(win_path "$FAKE_INSTALLER_EXE")" MSIQ_SERVICE_LOG_LIMIT=600

MSIQ_DB=$(win_path "$work_dir/service.db")
export MSIQ_DB
make_package "$work_dir/pkg.msi"
log="$work_dir/msiq-service.log"

# hhmm MINUTES: the local clock time MINUTES from now, as HH:MM.
hhmm() {
  local now total
  now=$(date +%H:%M)
  total=$(((10#${now%:*} * 60 + 10#${now#*:} + $1 + 1440 * 2) % 1440))
  printf '%02d:%02d' $((total / 60)) $((total % 60))
}

# all_logs: the log and its generations, oldest first, without CRs.
all_logs() {
  local generation
  for generation in 3 2 1; do
    [ -e "$log.$generation" ] && tr -d '\r' <"$log.$generation"
  done
  [ -e "$log" ] && tr -d '\r' <"$log"
  return 0
}

logs_have() {
  all_logs | grep -qF -- "$1"
}

is_running() {
  msiq service --name msiqcfg status 2>/dev/null | grep -q ': running$'
}

run service --name msiqcfg install
check_status 0 "install"
run service --name msiqcfg start
check_status 0 "start"
wait_until 20000 is_running || fail "start: the service did not reach running"

closed="$(hhmm 120)-$(hhmm 180)"
run config set window "$closed"
check_status 0 "config set window while the service runs"
wait_until 20000 logs_have "settings from the queue: window $closed" ||
  fail "window: the service did not read the stored window"
run enqueue "$(win_path "$work_dir/pkg.msi")"
job=$out
wait_until 20000 logs_have "waiting: outside the maintenance window $closed" ||
  fail "window: the next job did not wait for the stored window"
check_equal "$(job_field "$job" .state)" "queued" "window: the job waits outside the window"
run config unset window
check_status 0 "config unset window"
job_done() { [ "$(job_field "$job" .state)" = "succeeded" ]; }
wait_until 30000 job_done || fail "window: the job did not run once the window was unset ($(job_field "$job" .state))"
check_equal "$(all_logs | grep -c 'dispatcher started')" "1" "window: no restart was needed"

run service --name msiqcfg stop
check_status 0 "stop ($err)"

# The log rotated, and no file grew past the limit by more than the line
# that started it.
if [ -e "$log.1" ]; then pass; else fail "rotation: no $log.1 after $(all_logs | wc -c) bytes of log"; fi
for file in "$log" "$log.1" "$log.2" "$log.3"; do
  [ -e "$file" ] || continue
  size=$(wc -c <"$file")
  lines=$(wc -l <"$file")
  if [ "$size" -le 600 ] || [ "$lines" -le 1 ]; then
    pass
  else
    fail "rotation: $file holds $size bytes in $lines lines"
  fi
done
[ -e "$log.4" ] && fail "rotation: a fourth generation was kept"
check_equal "$(all_logs | tail -n 1 | sed 's/^[^ ]* //')" "dispatcher stopped" \
  "rotation: the last line is the dispatcher's stop, in the current log"

run service --name msiqcfg uninstall
check_status 0 "uninstall"

if [ "$failed" -ne 0 ]; then
  echo "--- service log" >&2
  all_logs >&2
fi
finish
