#!/usr/bin/env bash
# cli_config.sh: the dispatcher's settings stored in the queue (`msiq
# config`, issue 13) on the POSIX simulation host. Proves:
#   1. bad input: an unknown action or setting, a missing or extra word, a
#      value `msiq run` would refuse: exit 2, one line, nothing stored (and
#      no database created);
#   2. set, get, unset and show (text and --json): values stored in the
#      option's canonical form, a relative log-dir made absolute, the
#      defaults shown for what is not stored;
#   3. a window set while a dispatcher runs applies at its next check: the
#      next job waits outside the window (run log and status say so); once
#      it is unset the job runs, with no restart;
#   4. an option given to `msiq run` wins over the stored value;
#   5. a stored log-dir is read at start: the job's msiexec log goes there.
#
# Every wait is bounded; dispatchers poll every 100 ms.
# MSIQ_RUNNER (empty, or a word such as "wine") is meant to split.
# shellcheck disable=SC2086
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$MSIQ_TESTS_DIR/cli/lib.sh"
# shellcheck source-path=SCRIPTDIR source=lib_dispatch.sh
. "$MSIQ_TESTS_DIR/cli/lib_dispatch.sh"

cd "$work_dir" || exit 1

dispatcher_options=(--poll 100ms --grace 2s)
dispatcher_time_limit=60

new_section() {
  begin_section "$1"
  make_package "$sec/app.msi" "Config App" || fail "make_package app.msi"
  make_package "$sec/b.msi" "Config B" || fail "make_package b.msi"
  app="$sec/app.msi"
}

# hhmm MINUTES: the local clock time MINUTES from now, as HH:MM.
hhmm() {
  local now total
  now=$(date +%H:%M)
  total=$(((10#${now%:*} * 60 + 10#${now#*:} + $1 + 1440 * 2) % 1440))
  printf '%02d:%02d' $((total / 60)) $((total % 60))
}

run_log_has() {
  grep -qF -- "$1" "$run_log"
}

stored_json() {
  msiq --json config show 2>&1
}

# ---------------------------------------------------------------------------
# 1. Bad input.
new_section bad_input
run config set poll 10x
check_error 2 "setting poll: invalid duration" "config set poll 10x is refused"
check_no_database "a refused config set creates no database"
run config set window 25:00-01:00
check_error 2 "setting window: .*maintenance window" "config set window 25:00-01:00 is refused"
run config set hold-on-pending-reboot maybe
check_error 2 "setting hold-on-pending-reboot: invalid value 'maybe'" "config set hold-on-pending-reboot maybe is refused"
run config set log-dir ""
check_error 2 "setting log-dir: empty" "config set log-dir '' is refused"
run config set grace 10s
check_error 2 "unknown setting 'grace'" "grace is not a stored setting"
run config set --window 22:00-05:00
check_status 2 "config set --window (an option, not a setting) is refused"
run config frob
check_error 2 "unknown action 'frob'" "config frob is refused"
run config
check_error 2 "missing action" "config without an action is refused"
run config set poll
check_error 2 "set: missing VALUE" "config set poll without a value is refused"
run config get
check_error 2 "get: missing NAME" "config get without a name is refused"
run config show extra
check_error 2 "unexpected argument 'extra'" "config show with an extra word is refused"
check_no_database "no refused config command created a database"
run config get poll
check_status 4 "config get on a queue that does not exist: exit 4"

run config set poll 90s
check_status 0 "config set poll 90s"
before=$(stored_json)
check_rejected 2 "setting poll: invalid duration" "config set poll 0s over a stored value" config set poll 0s
check_equal "$(stored_json)" "$before" "a refused value leaves the stored one"
run config get poll
check_equal "$out" "1m30s" "config get poll after a refused set: still 90s (as 1m30s)"

# ---------------------------------------------------------------------------
# 2. set, get, unset, show.
new_section values
run config set window 22:00-05:00
check_equal "$status|$out" "0|window = 22:00-05:00" "config set window"
run config set hold-on-pending-reboot YES
check_equal "$out" "hold-on-pending-reboot = true" "a flag's value in any case, stored as true"
run config set retry-max 90m
check_equal "$out" "retry-max = 1h30m" "a duration stored in its compact form"
run config set cancel-grace 1500ms
check_equal "$out" "cancel-grace = 1500ms" "milliseconds kept"
mkdir -p "$sec/joblogs"
(cd "$sec" && msiq config set log-dir joblogs >/dev/null)
run config get log-dir
check_equal "$out" "$sec/joblogs" "a relative log-dir is stored absolute"
run config get window
check_equal "$out" "22:00-05:00" "config get window"
run config get poll
check_equal "$out" "1m" "config get of a setting not stored: the default (1m)"
run config show
check_status 0 "config show"
check_match "$out" "^window +22:00-05:00$" "config show: the stored window"
check_match "$out" "poll +1m \(default\)" "config show: a default is marked"
check_equal "$(printf '%s\n' "$out" | wc -l | tr -d ' ')" "9" "config show: one line per setting"
run --json config show
check_equal "$(jq_of "$out" '[.window, ."hold-on-pending-reboot", ."retry-max", ."cancel-grace", (.poll // "none")] | join(" ")')" \
  "22:00-05:00 true 1h30m 1500ms none" "config show --json: the stored settings, nothing else"
run config unset window
check_equal "$status|$out" "0|window removed; the default applies (-)" "config unset window"
run config get window
check_equal "$out" "-" "an unset window is none"
run config unset window
check_match "$out" "was not stored" "unset of a setting not stored says so"

# ---------------------------------------------------------------------------
# 3. A window set while a dispatcher runs.
new_section live
closed="$(hhmm 120)-$(hhmm 180)"
start_dispatcher
run config set window "$closed"
check_status 0 "config set window while the dispatcher runs"
if wait_until 10000 run_log_has "settings from the queue: window $closed"; then
  pass
else
  fail "live: the dispatcher did not read the new window: $(cat "$run_log")"
fi
job=$(enqueue "$app")
if wait_until 10000 run_log_has "waiting: outside the maintenance window $closed"; then
  pass
else
  fail "live: the next job did not wait for the stored window: $(cat "$run_log")"
fi
check_equal "$(job_field "$job" .state)" "queued" "live: the job waits outside the window"
run --json status
check_equal "$(jq_of "$out" '[.gate.maintenance_window, .gate.reason] | join(" ")')" \
  "$closed outside_window" "live: status shows the stored window closing the gate"
run config unset window
if wait_until 10000 job_state_is "$job" succeeded; then
  pass
else
  fail "live: the job did not run once the window was unset ($(job_field "$job" .state)): $(cat "$run_log")"
fi
check_equal "$(count_in_run_log 'dispatcher started')" "1" "live: no restart was needed"
stop_dispatcher

# ---------------------------------------------------------------------------
# 4. The command line wins.
new_section override
closed="$(hhmm 120)-$(hhmm 180)"
open="$(hhmm -60)-$(hhmm 60)"
msiq config set window "$closed" >/dev/null
start_dispatcher --window "$open"
check_match "$(cat "$run_log")" "settings from the queue: window $closed \(overridden by the command line\)" \
  "override: the run log says the stored window is overridden"
job=$(enqueue "$app")
if wait_until 10000 job_state_is "$job" succeeded; then
  pass
else
  fail "override: the job did not run in the command line's window ($(job_field "$job" .state)): $(cat "$run_log")"
fi
stop_dispatcher

# ---------------------------------------------------------------------------
# 5. A stored log-dir, read at start.
new_section log_dir
mkdir -p "$sec/stored-logs"
msiq config set log-dir "$sec/stored-logs" >/dev/null
job=$(enqueue "$app")
run_drain
check_equal "$drain_status" "0" "log-dir: run --drain exits 0"
check_equal "$(job_field "$job" .state)" "succeeded" "log-dir: the job ran"
check_match "$(job_field "$job" .log)" "^$sec/stored-logs/" "log-dir: the job's log is in the stored folder"

finish
