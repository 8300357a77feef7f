#!/usr/bin/env bash
# tree_escape.sh: a timeout or a forced cancel ends every process the
# installer started, on the POSIX simulation host too, even one that left
# the installer's session with setsid and whose parent has exited (issue 15,
# item 9; docs/reliability.md, "The installer's whole tree"). Proves, with the
# fake installer's FAKE_INSTALLER_ESCAPED_PIDFILE (a daemon started the way
# `setsid sleep N &` starts one) that:
#   - the daemon really escaped: its own session and group, and its parent is
#     not the installer;
#   - a --timeout ends it, and the job is recorded as timed out with "the
#     installer and every process it started were stopped";
#   - cancel --force ends it too;
#   - processes that are not the installer's are left alone: a bystander
#     started by the test, and one that carries a mark of the same name but
#     another value;
#   - a job that ends by itself leaves its daemon alone (only a tree that is
#     stopped is ended).
# Every wait is bounded and generous; nothing depends on a sleep.
# shellcheck source-path=SCRIPTDIR source=../cli/lib.sh
. "$MSIQ_TESTS_DIR/cli/lib.sh"
# shellcheck source-path=SCRIPTDIR source=../cli/lib_dispatch.sh
. "$MSIQ_TESTS_DIR/cli/lib_dispatch.sh"

cd "$work_dir" || exit 1

dispatcher_options=(--poll 100ms)
# Every process this script started or learned about, killed on exit.
known_pids=""
cleanup_pid_variables="$cleanup_pid_variables known_pids"

new_section() {
  begin_section "$1"
  export FAKE_INSTALLER_MARKER="$sec/marker"
  export FAKE_INSTALLER_PIDFILE="$sec/installer.pid"
  export FAKE_INSTALLER_ESCAPED_PIDFILE="$sec/daemon.pid"
  export FAKE_INSTALLER_CHILD_SLEEP_MS=120000
  export MSIQ_INSTALLER="$MSIQ_FAKE_INSTALLER"
}

marker_exists() {
  [ -s "$FAKE_INSTALLER_MARKER" ]
}

# wait_started DESCRIPTION: waits for the fake installer's marker and sets
# $installer_pid and $daemon_pid.
wait_started() {
  installer_pid=""
  daemon_pid=""
  if ! wait_until 10000 marker_exists; then
    fail "$1: the installer did not start ($(cat "$run_log"))"
    return 1
  fi
  installer_pid=$(cat "$FAKE_INSTALLER_PIDFILE")
  daemon_pid=$(cat "$FAKE_INSTALLER_ESCAPED_PIDFILE")
  known_pids="$known_pids $installer_pid $daemon_pid"
  return 0
}

# check_dead PID MS DESCRIPTION: the process ends within MS.
check_dead() {
  if [ -z "$1" ]; then
    fail "$3: no pid"
  elif wait_until "$2" process_dead "$1"; then
    pass
  else
    fail "$3: process $1 still runs: $(ps -o pid=,ppid=,pgid=,sid=,stat=,args= -p "$1")"
  fi
}

# check_escaped DESCRIPTION: the daemon runs outside the installer's session
# and group, and the installer is not its parent.
check_escaped() {
  local ids
  ids=$(ps -o ppid=,pgid=,sid= -p "$daemon_pid" | awk '{print $1, $2, $3}')
  if [ -n "$ids" ] && [ "${ids%% *}" != "$installer_pid" ] &&
    [ "$(echo "$ids" | awk '{print $2}')" != "$installer_pid" ] &&
    [ "$(echo "$ids" | awk '{print $3}')" != "$installer_pid" ]; then
    pass
  else
    fail "$1: the daemon (ppid pgid sid: $ids) did not leave installer $installer_pid's tree"
  fi
  if process_alive "$daemon_pid"; then pass; else fail "$1: the daemon is not running"; fi
}

# A bystander, and a process with a mark of the same name but not the
# installer's: neither may be ended by any stop below.
sleep 600 &
bystander_pid=$!
MSIQ_JOB_TREE=00000000000000000000000000000000 setsid sleep 600 &
false_mark_pid=$!
known_pids="$known_pids $bystander_pid $false_mark_pid"

# ---------------------------------------------------------------------------
# 1. --timeout ends the escaped daemon.
new_section timeout
export FAKE_INSTALLER_SLEEP_MS=60000
a=$(pkg a)
job_a=$(enqueue --timeout 3s "$a")
check_match "$job_a" '^[0-9]+$' "timeout: job enqueued"
start_dispatcher
if wait_started "timeout"; then
  check_escaped "timeout"
  if wait_until 20000 job_state_is "$job_a" failed; then pass; else
    fail "timeout: the job did not fail within 20 s (state $(job_field "$job_a" .state))"
  fi
  check_dead "$installer_pid" 5000 "timeout: the installer is stopped"
  check_dead "$daemon_pid" 5000 "timeout: the daemon that left the installer's session is stopped"
fi
check_equal "$(job_field "$job_a" '[.history[] | .outcome] | join(",")')" "timed_out" "timeout: outcome timed_out"
check_match "$(job_field "$job_a" .last_error)" 'every process it started were stopped' \
  "timeout: last_error says every process the installer started was stopped"
stop_dispatcher
check_equal "$dispatcher_status" "0" "timeout: the dispatcher exits 0 on SIGTERM"

# ---------------------------------------------------------------------------
# 2. cancel --force ends it too.
new_section cancel
export FAKE_INSTALLER_SLEEP_MS=60000
a=$(pkg a)
job_a=$(enqueue "$a")
start_dispatcher
if wait_started "cancel"; then
  check_escaped "cancel"
  if wait_until 5000 job_state_is "$job_a" running; then pass; else fail "cancel: the job is not running"; fi
  run cancel --force "$job_a"
  check_status 0 "cancel: cancel --force exits 0"
  if wait_until 10000 job_state_is "$job_a" cancelled; then pass; else
    fail "cancel: the job was not cancelled within 10 s (state $(job_field "$job_a" .state))"
  fi
  check_dead "$installer_pid" 5000 "cancel: the installer is stopped"
  check_dead "$daemon_pid" 5000 "cancel: the daemon that left the installer's session is stopped"
fi
stop_dispatcher
check_equal "$dispatcher_status" "0" "cancel: the dispatcher exits 0 on SIGTERM"

# ---------------------------------------------------------------------------
# 3. A job that ends by itself leaves its daemon alone: only a tree that is
# stopped is ended.
new_section finished
export FAKE_INSTALLER_SLEEP_MS=0
a=$(pkg a)
job_a=$(enqueue "$a")
run_drain
check_equal "$drain_status" "0" "finished: the drain dispatcher exits 0"
check_equal "$(job_field "$job_a" .state)" "succeeded" "finished: the job succeeded"
daemon_pid=$(cat "$FAKE_INSTALLER_ESCAPED_PIDFILE" 2>/dev/null)
known_pids="$known_pids $daemon_pid"
if [ -n "$daemon_pid" ] && process_alive "$daemon_pid"; then pass; else
  fail "finished: the daemon of a job that ended by itself was stopped"
fi

# ---------------------------------------------------------------------------
# 4. Nobody else was touched.
if process_alive "$bystander_pid"; then pass; else fail "a bystander process was stopped"; fi
if process_alive "$false_mark_pid"; then pass; else
  fail "a process with another MSIQ_JOB_TREE value was stopped"
fi
check_equal "$(ps -o stat= -p "$bystander_pid" | cut -c1) $(ps -o stat= -p "$false_mark_pid" | cut -c1)" "S S" \
  "the bystanders were not left stopped (SIGSTOP) either"

finish
