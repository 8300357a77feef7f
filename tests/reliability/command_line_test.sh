#!/usr/bin/env bash
# command_line_test.sh: a job that can never start is refused at enqueue
# (issue 15, item 3; docs/reliability.md, "Command lines that cannot
# start"). Admission builds what the installer will get (the worker's
# request and the msiexec-style command line) and the host measures the
# command line against the platform's limit: here POSIX, ARG_MAX with the
# environment (at most 6 MiB on Linux). The limit for one argument, and the
# Windows host's 32,767 UTF-16 characters (under Wine), are tested by
# tests/test_host_command_line.c. Proves that:
#   1. an import of a job whose properties (each within the value limit)
#      make the arguments longer than the limit is refused with exit 2,
#      the size and the limit in one line, and nothing enqueued;
#   2. a job with half as many such properties is accepted and really runs:
#      the dispatcher starts it and it succeeds, every property reaching the
#      installer;
#   3. a property too long for one line of the worker's request (which
#      every installer gets on its standard input) is refused by name;
#   4. a short job with a long log path of its own is still accepted.
# (A command line over ARG_MAX cannot come through `enqueue` here: its own
# arguments would be too long for the shell to start it.)
# shellcheck source-path=SCRIPTDIR source=../cli/lib.sh
. "$MSIQ_TESTS_DIR/cli/lib.sh"
# shellcheck source-path=SCRIPTDIR source=../cli/lib_dispatch.sh
. "$MSIQ_TESTS_DIR/cli/lib_dispatch.sh"

cd "$work_dir" || exit 1
chmod 700 "$work_dir"

limit=$(getconf ARG_MAX)
if [ "$(uname -s)" = Linux ] && [ "$limit" -gt 6291456 ]; then limit=6291456; fi
value_size=8000
over=$((limit / value_size + 1))
under=$((over / 2))
echo "ARG_MAX as msiq counts it: $limit bytes; $over properties of $value_size bytes pass it"

# manifest FILE COUNT: one install job with COUNT properties of value_size
# bytes each.
manifest() {
  head -c "$value_size" /dev/zero | tr '\0' v >"$1.value"
  jq -n --arg target "$sec/app.msi" --argjson n "$2" --rawfile value "$1.value" \
    '[{target: $target, properties: ([range(0; $n) | {key: "P\(.)", value: $value}] | from_entries)}]' >"$1"
}

begin_section limit
pkg app >/dev/null
manifest "$sec/over.json" "$over"
run enqueue "$sec/app.msi"
check_status 0 "the queue exists"
check_rejected 2 "import item 1: the installer's command line would take [0-9]+ bytes with the environment; this system allows at most $limit \(ARG_MAX\): use fewer or shorter properties" \
  "a job over ARG_MAX" import "$sec/over.json"

manifest "$sec/under.json" "$under"
run import "$sec/under.json"
check_status 0 "a job with half as many properties"
id=$out
run_drain
check_equal "$drain_status" 0 "the dispatcher drained the queue"
check_equal "$(job_field "$id" .state)" succeeded "the accepted job started and succeeded"
check_equal "$(grep -F -- "] [$sec/app.msi] [" "$FAKE_INSTALLER_LOG" | tail -n 1 | grep -o '\[P[0-9]*=' | wc -l)" "$under" \
  "every property reached the installer"

# Every installer also gets the job as the worker's request, one property
# a line of at most 8,191 bytes: a property name of 9,000 characters (names
# have no limit of their own) could never be sent, so it is refused now.
head -c 9000 /dev/zero | tr '\0' N >"$sec/long-name"
jq -n --arg target "$sec/app.msi" --rawfile name "$sec/long-name" \
  '[{target: $target, properties: {($name): "1"}}]' >"$sec/long-name.json"
check_rejected 2 "import item 1: property 'NNNN.*' is too long for the worker's request \(at most 8191 bytes a line\)" \
  "a property line longer than the request allows" import "$sec/long-name.json"

# A job with a log path of its own is counted with it; a short job with
# a long log path still fits, and enqueue takes it.
run enqueue --log "$sec/$(head -c 200 /dev/zero | tr '\0' l).log" "$sec/app.msi" A=1
check_status 0 "a short job with a long log path"

finish
