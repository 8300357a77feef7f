#!/usr/bin/env bash
# cli_bad_input.sh: every kind of bad input is refused with exit 2 (or 3 for
# a job that does not exist), one "msiq: " line on stderr that names the
# problem, and a queue left exactly as it was. A bad first command creates no
# database at all.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$MSIQ_TESTS_DIR/cli/lib.sh"

cd "$work_dir" || exit 1
app="$work_dir/app.msi"
: > "$app"
: > "$work_dir/notes.txt"
: > "$work_dir/fix.msp"

# A bad first command does not create the database.
run enqueue "$work_dir/notes.txt"
check_error 2 "must be a \.msi package" "bad first enqueue is refused"
check_no_database "a first enqueue refused for its extension creates no database"
run enqueue "$app" 9X=1
check_status 2 "bad property in a first enqueue is refused"
check_no_database "a first enqueue refused for a property creates no database"
run enqueue "$work_dir/missing.msi"
check_error 2 "missing\.msi.*does not exist" "first enqueue of a missing package is refused"
check_no_database "a first enqueue of a missing package creates no database"
rm -f "$MSIQ_DB" "$MSIQ_DB-wal" "$MSIQ_DB-shm"
run frobnicate
check_status 2 "unknown first command is refused"
check_no_database "an unknown first command creates no database"

# A queue with something in it, so "unchanged" means something.
run enqueue "$app" A=1 --key base
check_status 0 "setup: enqueue a job"
base_id=$out
run enqueue "$app" --priority 3
check_status 0 "setup: enqueue a second job"
check_equal "$(queue_snapshot | jq length)" "2" "setup: the queue has two jobs"

# enqueue: actions and targets.
check_rejected 2 "unknown action 'bogus'" "unknown action" \
  enqueue --action bogus "$app"
check_rejected 2 "missing\.msi.*does not exist" "install target missing on disk" \
  enqueue "$work_dir/missing.msi"
check_rejected 2 "install target .*notes\.txt.* must be a \.msi package" "install target not .msi" \
  enqueue "$work_dir/notes.txt"
check_rejected 2 "patch target .*app\.msi.* must be a \.msp package" "patch target not .msp" \
  enqueue --action patch "$app"
check_rejected 2 "invalid product code '\{1234\}'" "malformed product code" \
  enqueue --action uninstall '{1234}'
check_rejected 2 "invalid product code '\{12345678-1234-1234-1234-12345678901G\}'" \
  "product code with a non-hex digit" \
  enqueue --action uninstall '{12345678-1234-1234-1234-12345678901G}'

# enqueue: properties.
check_rejected 2 "invalid property name '9X'" "property name starting with a digit" \
  enqueue "$app" 9X=1
check_rejected 2 "invalid property name 'A-B'" "property name with a hyphen" \
  enqueue "$app" A-B=1
check_rejected 2 "property 'A' has a newline" "property value with a newline" \
  enqueue "$app" "A=x"$'\n'"y"
check_rejected 2 "invalid property 'NOEQUALS': expected NAME=VALUE" "property without '='" \
  enqueue "$app" NOEQUALS
check_rejected 2 "property 'A' given twice" "duplicate property name" \
  enqueue "$app" A=1 B=2 A=3

# enqueue: dependencies and scheduling.
check_rejected 2 "--after 999: no such job" "--after an id that does not exist" \
  enqueue "$app" --after 999
check_rejected 2 "--after 'abc' is not a job id" "--after a non-number" \
  enqueue "$app" --after abc
check_rejected 2 "deadline .* is before not-before" "deadline before not-before" \
  enqueue "$app" --not-before 2031-01-02T00:00:00Z --deadline 2031-01-01T00:00:00Z
check_rejected 2 "--priority: 'abc' is not a whole number" "priority abc" \
  enqueue "$app" --priority abc
check_rejected 2 "max attempts 0 out of range" "max-attempts 0" \
  enqueue "$app" --max-attempts 0
check_rejected 2 "--max-attempts: 'x' is not a whole number" "max-attempts x" \
  enqueue "$app" --max-attempts x
check_rejected 2 "invalid duration '15'.*needs a unit" "timeout without a unit" \
  enqueue "$app" --timeout 15
check_rejected 2 "invalid duration '15x'.*unit" "timeout with an unknown unit" \
  enqueue "$app" --timeout 15x
check_rejected 2 "invalid time 'tomorrow'" "not-before tomorrow" \
  enqueue "$app" --not-before tomorrow
check_rejected 2 "invalid --exit-code 'abc=success'" "--exit-code with a non-numeric code" \
  enqueue "$app" --exit-code abc=success
check_rejected 2 "invalid --exit-code '1603=maybe'.*unknown outcome 'maybe'" \
  "--exit-code with an unknown outcome" \
  enqueue "$app" --exit-code 1603=maybe

# enqueue: command line shape.
check_rejected 2 "enqueue: unknown option '--bogus'" "unknown option" \
  enqueue "$app" --bogus
check_rejected 2 "enqueue: option '--priority' needs a value" "option without its value" \
  enqueue "$app" --priority
check_rejected 2 "enqueue: missing TARGET" "missing TARGET" \
  enqueue
check_rejected 2 "enqueue: missing TARGET" "missing TARGET with options" \
  enqueue --priority 1 --key k

# The keyed job is still the only one with its key after all that.
run enqueue "$app" --key base
check_equal "$out" "$base_id" "the keyed job is untouched"

# Other commands.
check_rejected 2 "unknown command 'frobnicate'" "unknown command" \
  frobnicate
check_rejected 2 "invalid job id 'abc'" "show abc" \
  show abc
check_rejected 3 "no job with id 999" "show 999" \
  show 999
check_rejected 3 "no job with id 999" "cancel 999" \
  cancel 999
check_rejected 3 "no job with id 999" "retry 999" \
  retry 999
check_rejected 2 "invalid job id '0'" "cancel 0" \
  cancel 0
check_rejected 2 "unknown state 'bogus'" "list --state bogus" \
  list --state bogus
check_rejected 2 "purge: --older-than D is required" "purge without --older-than" \
  purge
check_rejected 2 "invalid duration 'soon'" "purge --older-than soon" \
  purge --older-than soon
check_rejected 2 "list: unexpected argument 'extra'" "list with an extra argument" \
  list extra

# service: --cancel-grace is for the actions that run the dispatcher
# (install records it, run uses it). Its value is checked like run's; with
# install or run it is accepted, so the line reaches this host's answer
# that services exist only on Windows (the Wine tests install one).
check_rejected 2 "invalid duration '5x'" "service --cancel-grace 5x" \
  service --cancel-grace 5x install
check_rejected 2 "service: option '--cancel-grace' needs a value" "service --cancel-grace without a value" \
  service install --cancel-grace
for action in status start stop uninstall; do
  check_rejected 2 "service: --cancel-grace applies to install and run only" \
    "service --cancel-grace 5m $action" \
    service --cancel-grace 5m "$action"
done
for action in install run; do
  check_rejected 2 "service: services exist only on Windows" "service --cancel-grace 90s $action parses" \
    service --cancel-grace 90s "$action"
done
check_rejected 2 "service: unknown action 'frob'" "service with an unknown action and --cancel-grace" \
  service --cancel-grace 5m frob
run service --help
check_status 0 "service --help"
check_match "$out" "--cancel-grace D +install, run:" "service --help lists --cancel-grace"

finish
