# lib.sh: helpers for the tests that run the msiq binary as an admin would.
#
# Each test script sources this file, calls the check_* helpers and ends with
# `finish`, which prints "N passed, N failed" and sets the exit status.
# MSIQ_BIN is the binary under test; MSIQ_RUNNER (for example "wine") is put
# in front of it when set.

set -u

passed=0
failed=0
test_name=$(basename "$0" .sh)
work_dir=$(mktemp -d "${MSIQ_TEST_TMPDIR:-/tmp}/${test_name}.XXXXXX")
export MSIQ_DB="$work_dir/queue.db"
trap 'rm -rf "$work_dir"' EXIT

# Every msiq command a test runs is stopped after this many seconds (timeout
# exits 124), so that a command that hangs fails its test with the command
# named and the output so far, before ctest's own limit kills the whole
# script silently. No test command needs more than a few seconds; the limit is
# far above that so that a loaded machine or a sanitizer does not trip it.
msiq_command_limit=${MSIQ_TEST_COMMAND_LIMIT:-240}

# msiq ARGS...: runs the binary, output to stdout/stderr as usual.
msiq() {
  # shellcheck disable=SC2086 # MSIQ_RUNNER may be a command with arguments
  timeout -k 10 "$msiq_command_limit" ${MSIQ_RUNNER:-} "$MSIQ_BIN" "$@"
}

# run ARGS...: runs msiq, keeping stdout in $out, stderr in $err and the exit
# status in $status.
run() {
  out=$(msiq "$@" 2>"$work_dir/stderr")
  status=$?
  err=$(cat "$work_dir/stderr")
  if [ "$status" -eq 124 ]; then
    echo "HUNG: msiq $* did not finish within $msiq_command_limit s and was stopped" >&2
  fi
}

pass() {
  passed=$((passed + 1))
}

fail() {
  failed=$((failed + 1))
  echo "FAIL: $*" >&2
}

# check_status EXPECTED DESCRIPTION: the last run exited with EXPECTED.
check_status() {
  if [ "$status" -eq "$1" ]; then pass; else fail "$2: exit $status, expected $1 (stderr: $err)"; fi
}

# check_equal ACTUAL EXPECTED DESCRIPTION
check_equal() {
  if [ "$1" = "$2" ]; then pass; else fail "$3: got '$1', expected '$2'"; fi
}

# check_match TEXT REGEX DESCRIPTION (extended regular expression)
check_match() {
  if printf '%s' "$1" | grep -Eq -- "$2"; then pass; else fail "$3: '$1' does not match /$2/"; fi
}

# check_error EXPECTED_STATUS REGEX DESCRIPTION: the last run failed with
# EXPECTED_STATUS and one stderr line starting with "msiq: " matching REGEX.
check_error() {
  check_status "$1" "$3"
  local lines
  lines=$(printf '%s\n' "$err" | grep -c .)
  if [ "$lines" -eq 1 ] && printf '%s' "$err" | grep -Eq -- "^msiq: .*$2"; then
    pass
  else
    fail "$3: stderr is not one 'msiq: ' line matching /$2/: $err"
  fi
}

# queue_snapshot: a text dump of the whole queue, to prove a command changed
# nothing ("" when the database does not exist).
queue_snapshot() {
  if [ -e "$MSIQ_DB" ]; then msiq --json list 2>&1; else echo "(no database)"; fi
}

# jq_of JSON FILTER: applies a jq filter (raw output) to JSON text.
jq_of() {
  printf '%s' "$1" | jq -r "$2"
}

finish() {
  echo "$test_name: $passed passed, $failed failed"
  [ "$failed" -eq 0 ]
}

# check_rejected STATUS REGEX DESCRIPTION ARGS...: runs msiq ARGS and checks
# that it failed as check_error STATUS REGEX says and that the queue is
# exactly as it was before (queue_snapshot before == after).
check_rejected() {
  local expected_status=$1 regex=$2 description=$3 before after
  shift 3
  before=$(queue_snapshot)
  run "$@"
  check_error "$expected_status" "$regex" "$description"
  after=$(queue_snapshot)
  check_equal "$after" "$before" "$description: queue unchanged"
}

# check_no_database DESCRIPTION: no database file (nor its -wal/-shm) exists
# at $MSIQ_DB.
check_no_database() {
  if [ -e "$MSIQ_DB" ] || [ -e "$MSIQ_DB-wal" ] || [ -e "$MSIQ_DB-shm" ]; then
    fail "$1: a database file exists at $MSIQ_DB"
  else
    pass
  fi
}

# run_writers WRITERS JOBS_PER_WRITER: WRITERS background processes enqueue
# JOBS_PER_WRITER jobs each at the same time, one msiq process per job
# (`enqueue --no-check` of $work_dir/wN/pkgI.msi with the properties
# WRITER=N SEQ=I, so every target is distinct), and waits for them all.
# Writer N appends every id it got to $work_dir/ids.N, its stderr to err.N
# and one line per failed enqueue ("job I: exit STATUS") to fail.N.
run_writers() {
  local writers=$1 n pid pids=()
  for ((n = 1; n <= writers; n++)); do
    : >"$work_dir/ids.$n"
    : >"$work_dir/err.$n"
    enqueue_as_writer "$n" "$2" &
    pids+=($!)
  done
  for pid in "${pids[@]}"; do
    wait "$pid"
  done
}

# enqueue_as_writer N JOBS: the work of writer N of run_writers.
enqueue_as_writer() {
  local n=$1 i rc
  for ((i = 1; i <= $2; i++)); do
    msiq enqueue --no-check "$work_dir/w$n/pkg$i.msi" "WRITER=$n" "SEQ=$i" \
      >>"$work_dir/ids.$n" 2>>"$work_dir/err.$n"
    rc=$?
    if [ "$rc" -ne 0 ]; then echo "job $i: exit $rc" >>"$work_dir/fail.$n"; fi
  done
}

# package_property PACKAGE NAME: prints the value of property NAME in the
# Property table of the .msi PACKAGE (msitools' msiinfo), empty if absent.
package_property() {
  msiinfo export "$1" Property | tr -d '\r' | awk -F'\t' -v name="$2" '$1 == name { print $2 }'
}

# make_package OUT [NAME [VERSION]]: writes a real per-machine .msi (built by
# wixl from tests/packages/sample.wxs) to OUT, for tests whose target must be
# a Windows Installer package. One build per NAME and VERSION is kept in
# $MSIQ_TEST_TMPDIR/package-cache and copied, so a test that needs many
# packages pays wixl's second once, and copies of one NAME and VERSION share
# one ProductCode (as copies of one package on a file share do).
make_package() {
  local out=$1 name=${2:-Sample App} version=${3:-1.0.0}
  local cache_dir="${MSIQ_TEST_TMPDIR:-/tmp}/package-cache"
  local key
  key=$(printf '%s-%s' "$name" "$version" | tr -c 'A-Za-z0-9.-' '_')
  local cached="$cache_dir/$key.msi"
  if [ ! -s "$cached" ]; then
    mkdir -p "$cache_dir"
    local build_dir
    build_dir=$(mktemp -d "$cache_dir/build.XXXXXX")
    printf 'payload of %s %s\n' "$name" "$version" >"$build_dir/payload.txt"
    # The UpgradeCode is derived from the name, so two versions of one
    # name are related products, as an upgrade expects.
    local upgrade_code
    upgrade_code=$(printf '%s' "$name" | sha256sum |
      sed -E 's/^(.{8})(.{4})(.{4})(.{4})(.{12}).*/\1-\2-\3-\4-\5/' | tr a-f A-F)
    if ! (cd "$build_dir" && wixl -D "ProductName=$name" -D "ProductVersion=$version" \
      -D "UpgradeCode=$upgrade_code" -D PayloadFile=payload.txt -o package.msi \
      "$MSIQ_TESTS_DIR/packages/sample.wxs") >"$build_dir/wixl.log" 2>&1; then
      echo "make_package: wixl failed: $(grep -v GLib "$build_dir/wixl.log" | tail -1)" >&2
      rm -rf "$build_dir"
      return 1
    fi
    # Rename into place so a concurrent test never copies a half-written file.
    mv "$build_dir/package.msi" "$cached"
    rm -rf "$build_dir"
  fi
  cp "$cached" "$out"
}

# make_patch_package OUT [PATCH_CODE [TARGETS [DISPLAY_NAME]]]: writes a
# minimal real patch (.msp) to OUT with tests/make_patch.c (libmsi; the
# tool is $MSIQ_MAKE_PATCH_TOOL): the patch code, the product codes it
# targets (separated by ';') and a display name ("" for none, when its
# summary's Subject names it); by default a fixed code for one made-up
# product, for tests whose target must only be a patch. wixl cannot build
# patches. It holds no transforms: msiq reads what it says, no installer
# could apply it.
make_patch_package() {
  "$MSIQ_MAKE_PATCH_TOOL" "$1" "${2:-{5A3F0C1E-7B2D-4E6A-9C8B-1D2E3F405162\}}" \
    "${3:-{0B1C2D3E-4F50-6172-8394-A5B6C7D8E9F0\}}" "${4-Sample Fix}"
}
