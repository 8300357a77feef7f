# lib_dispatch.sh: helpers for the tests that run `msiq run` (the
# dispatcher) against the scripted fake installer and the POSIX simulation.
#
# Sourced after lib.sh. Sourcing it:
#   - clears every FAKE_INSTALLER_* and MSIQ_SIM_* variable, so that no
#     setting of the caller's shell leaks into a test (but keeps
#     MSIQ_SIM_MUTEX_TOOL, the path of tests/sim_mutex.c that ctest passes
#     in, which is a tool and not a setting), then points
#     MSIQ_INSTALLER at the fake installer and MSIQ_SIM_EXIT_CODE_DIR at the
#     work directory (a test may change both afterwards);
#   - replaces lib.sh's exit trap with one that also kills the background
#     processes the test registered (see cleanup_pid_variables).
# A test that starts dispatchers sets dispatcher_options (and, for a safety
# bound, dispatcher_time_limit) once, then calls start_dispatcher,
# stop_dispatcher, wait_dispatcher and run_drain; they log to $run_log.
# A test of the gate points MSIQ_SIM_MUTEX at a file of its section and
# calls hold_mutex and release_mutex.

for variable in $(compgen -v); do
  case $variable in
    MSIQ_SIM_MUTEX_TOOL) ;;
    FAKE_INSTALLER_* | MSIQ_SIM_*) unset "$variable" ;;
  esac
done
unset variable
export MSIQ_INSTALLER="$MSIQ_FAKE_INSTALLER"
export MSIQ_SIM_EXIT_CODE_DIR="$work_dir"

# The section of the test (a directory of its own, see begin_section), and
# the log every dispatcher it starts appends to.
sec="$work_dir"
run_log="$work_dir/run.log"

# The dispatcher start_dispatcher started last ("" when none runs), and the
# exit status wait_dispatcher and stop_dispatcher saw.
dispatcher_pid=""
dispatcher_status=""

# Options every start_dispatcher and run_drain passes to `msiq run` before
# its own; a test sets them once after sourcing this file.
dispatcher_options=(--poll 100ms)

# When set, the number of seconds after which `timeout` ends a dispatcher
# that start_dispatcher started, in case a failing test never stops it.
# Empty by default: $dispatcher_pid is then msiq itself, which the tests
# that kill it with SIGKILL or ask ps about its process group need.
dispatcher_time_limit=""

# How long wait_until sleeps between two tries, in seconds.
wait_interval=0.05

# cleanup_pid_variables: the names of the variables that hold the pids of
# background processes (a variable may hold several, separated by spaces).
# On exit, the functions named in cleanup_functions run first (to release
# what a process holds, to unmount...), then every one of those processes
# is killed with SIGKILL and waited for, and the work directory is removed.
cleanup_pid_variables="dispatcher_pid mutex_holder_pid"
cleanup_functions="release_mutex_on_exit"

cleanup() {
  local function_name variable pid
  for function_name in $cleanup_functions; do
    "$function_name"
  done
  for variable in $cleanup_pid_variables; do
    for pid in ${!variable:-}; do
      kill -KILL "$pid" 2>/dev/null
    done
  done
  wait 2>/dev/null
  rm -rf "$work_dir"
}
trap cleanup EXIT

now_ms() {
  date +%s%3N
}

# wait_until MS COMMAND...: runs COMMAND every $wait_interval seconds until
# it succeeds (0) or MS milliseconds have passed (1).
wait_until() {
  local limit=$1 end
  shift
  end=$(($(now_ms) + limit))
  while :; do
    if "$@"; then return 0; fi
    if [ "$(now_ms)" -ge "$end" ]; then return 1; fi
    sleep "$wait_interval"
  done
}

# process_dead PID: the process is gone or a zombie (it has ended; a zombie
# orphan waits for whoever adopted it to reap it).
process_dead() {
  local state
  kill -0 "$1" 2>/dev/null || return 0
  state=$(ps -o stat= -p "$1" 2>/dev/null)
  case "$state" in
    Z*) return 0 ;;
  esac
  return 1
}

process_alive() {
  ! process_dead "$1"
}

# begin_section NAME: a fresh directory $sec for one part of the test, with
# its own database, argv log and (empty) run log. Each test's new_section
# calls it and adds what that test needs.
begin_section() {
  sec="$work_dir/$1"
  mkdir -p "$sec"
  export MSIQ_DB="$sec/queue.db"
  export FAKE_INSTALLER_LOG="$sec/argv.log"
  run_log="$sec/run.log"
  : >"$run_log"
}

# pkg NAME: creates the package NAME.msi in the section (a copy of the one
# real package make_package builds, since enqueue reads what a package
# says and refuses a file that is not one) and prints its path.
pkg() {
  make_package "$sec/$1.msi" || fail "pkg $1: make_package failed"
  printf '%s\n' "$sec/$1.msi"
}

# enqueue ARGS...: enqueues a job and prints its id (empty on failure; the
# error goes to $sec/enqueue.err).
enqueue() {
  msiq enqueue "$@" 2>>"$sec/enqueue.err"
}

# job_field ID FILTER: a jq filter (raw output) over `msiq --json show ID`.
job_field() {
  msiq --json show "$1" 2>/dev/null | jq -r "$2"
}

job_state_is() {
  [ "$(job_field "$1" .state)" = "$2" ]
}

# The simulated installer mutex's holder (tests/sim_mutex.c) that
# hold_mutex started, or a churn a test started itself ("" when none runs).
# On exit it is told to let go first (release_mutex_on_exit), since its
# lock child would otherwise hold the lock for up to 30 s.
mutex_holder_pid=""

release_mutex_on_exit() {
  if [ -n "$mutex_holder_pid" ]; then touch "$sec/release" 2>/dev/null; fi
}

mutex_held_file() {
  [ -e "$sec/held" ]
}

# hold_mutex: another "installation" holds the simulated installer mutex (a
# write lock on $MSIQ_SIM_MUTEX, tests/sim_mutex.c) until release_mutex (at
# most 60 s).
hold_mutex() {
  rm -f "$sec/held" "$sec/release"
  "$MSIQ_SIM_MUTEX_TOOL" hold "$MSIQ_SIM_MUTEX" --ready "$sec/held" --until "$sec/release" &
  mutex_holder_pid=$!
  wait_until 5000 mutex_held_file || fail "$sec: could not take the simulated mutex"
}

release_mutex() {
  touch "$sec/release"
  if ! wait_until 5000 process_dead "$mutex_holder_pid"; then
    kill "$mutex_holder_pid" 2>/dev/null
  fi
  wait "$mutex_holder_pid" 2>/dev/null
  mutex_holder_pid=""
}

# runs_of TARGET: how many times the fake installer was started for TARGET.
runs_of() {
  if [ -e "$FAKE_INSTALLER_LOG" ]; then
    grep -cF -- "] [$1] [" "$FAKE_INSTALLER_LOG"
  else
    echo 0
  fi
}

# ran TARGET: the fake installer was started for TARGET.
ran() {
  grep -qF -- "] [$1] [" "$FAKE_INSTALLER_LOG" 2>/dev/null
}

# count_in_run_log TEXT: how many lines of the run log contain TEXT.
count_in_run_log() {
  grep -cF -- "$1" "$run_log"
}

# start_dispatcher [OPTIONS...]: `msiq run` with dispatcher_options and
# OPTIONS in the background, output appended to $run_log. A check: it
# passes once the dispatcher printed a new "dispatcher started" line (the
# log may hold the lines of earlier dispatchers of the section), and fails
# with what the dispatcher printed if that takes more than 10 s.
# shellcheck disable=SC2120 # OPTIONS are optional
start_dispatcher() {
  local lines_before starts_before limit=()
  [ -e "$run_log" ] || : >"$run_log"
  lines_before=$(wc -l <"$run_log")
  starts_before=$(grep -c 'dispatcher started' "$run_log")
  if [ -n "$dispatcher_time_limit" ]; then
    limit=(timeout "$dispatcher_time_limit")
  fi
  # shellcheck disable=SC2086 # MSIQ_RUNNER may be a command with arguments
  "${limit[@]}" ${MSIQ_RUNNER:-} "$MSIQ_BIN" run "${dispatcher_options[@]}" "$@" >>"$run_log" 2>&1 &
  dispatcher_pid=$!
  if wait_until 10000 dispatcher_started_since "$starts_before"; then
    pass
  else
    fail "$sec: the dispatcher did not start: $(tail -n "+$((lines_before + 1))" "$run_log")"
  fi
}

# dispatcher_started_since N: the run log has more than N "dispatcher
# started" lines.
dispatcher_started_since() {
  [ "$(grep -c 'dispatcher started' "$run_log")" -gt "$1" ]
}

# wait_dispatcher MS: waits up to MS for the dispatcher to exit (killing it
# otherwise); $dispatcher_status is its exit status, "timeout" if it had to
# be killed.
wait_dispatcher() {
  dispatcher_status=""
  [ -n "$dispatcher_pid" ] || return 0
  if wait_until "$1" process_dead "$dispatcher_pid"; then
    wait "$dispatcher_pid" 2>/dev/null
    dispatcher_status=$?
  else
    kill -KILL "$dispatcher_pid" 2>/dev/null
    wait "$dispatcher_pid" 2>/dev/null
    dispatcher_status=timeout
  fi
  dispatcher_pid=""
}

# kill_dispatcher: SIGKILL, as a crash or a power cut would end it, then
# waits for it ($dispatcher_status is 137).
kill_dispatcher() {
  [ -n "$dispatcher_pid" ] || return 0
  kill -KILL "$dispatcher_pid" 2>/dev/null
  # (2>/dev/null: bash's "Killed" job notice is expected here.)
  wait_dispatcher 5000 2>/dev/null
}

# stop_dispatcher: SIGTERM, then waits up to 10 s (a failure if it takes
# longer; the dispatcher is then killed); $dispatcher_status is its exit
# status.
stop_dispatcher() {
  dispatcher_status=""
  [ -n "$dispatcher_pid" ] || return 0
  kill -TERM "$dispatcher_pid" 2>/dev/null
  wait_dispatcher 10000
  if [ "$dispatcher_status" = timeout ]; then
    fail "$sec: the dispatcher did not stop within 10 s of SIGTERM"
  fi
}

# run_drain [OPTIONS...]: `msiq run --drain` with dispatcher_options and
# OPTIONS in the foreground (bounded by 60 s), output appended to $run_log;
# $drain_status is its exit status.
# shellcheck disable=SC2120 # OPTIONS are optional
run_drain() {
  # shellcheck disable=SC2086 # MSIQ_RUNNER may be a command with arguments
  timeout 60 ${MSIQ_RUNNER:-} "$MSIQ_BIN" run --drain "${dispatcher_options[@]}" "$@" >>"$run_log" 2>&1
  drain_status=$?
}
