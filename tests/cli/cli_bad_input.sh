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
run enqueue "$app" A=1 --key base
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

# Hostile input (issue 15, item 16): text that is not UTF-8 and manifest
# numbers that do not fit are refused, so every --json output stays UTF-8.
is_utf8() {
  printf '%s' "$1" | iconv -f UTF-8 -t UTF-8 >/dev/null 2>&1
}
check_rejected 2 "argument 3 \('/tmp/caf\\\\xe9\.msi'\) is not valid UTF-8 \(byte 0xe9 at position 9\)" \
  "a target that is not UTF-8" enqueue --no-check $'/tmp/caf\xe9.msi'
if is_utf8 "$err"; then pass; else fail "the refusal of a target that is not UTF-8 is not UTF-8 itself"; fi
check_rejected 2 "argument 3 \('A=\\\\xff'\) is not valid UTF-8" "a property value that is not UTF-8" \
  enqueue "$app" $'A=\xff'
check_rejected 2 "argument 3 .* is not valid UTF-8" "a surrogate in an argument" \
  enqueue "$app" $'--key=k\xed\xa0\x80'
check_rejected 2 "argument 2 .* is not valid UTF-8" "a global option that is not UTF-8" \
  --db $'/tmp/q\xc3.db' list
MSIQ_DB=$'/tmp/msiq-bad-\xe9.db' run list
check_error 2 "MSIQ_DB \('/tmp/msiq-bad-\\\\xe9\.db'\) is not valid UTF-8" "MSIQ_DB that is not UTF-8"
if [ -e $'/tmp/msiq-bad-\xe9.db' ]; then fail "MSIQ_DB that is not UTF-8: a database was created"; else pass; fi

# import: numbers out of range are refused, not wrapped; a field given twice
# in one job is refused; the manifest must be UTF-8 (or UTF-16 with a BOM).
import_rejected() { # REGEX DESCRIPTION MANIFEST-BYTES (printf format)
  # shellcheck disable=SC2059 # the manifest is a printf format on purpose
  printf "$3" >"$work_dir/manifest.json"
  check_rejected 2 "$1" "$2" import --no-check "$work_dir/manifest.json"
}
import_rejected '"priority" 9223372036854775808 is out of range' "import: priority past 2^63-1" \
  '[{"target":"/p/a.msi","priority":9223372036854775808}]'
import_rejected '"after" id 99999999999999999999 is not a job id' "import: an after id past 2^63-1" \
  '[{"target":"/p/a.msi","after":[99999999999999999999]}]'
import_rejected '"max_attempts" -18446744073709551616 is out of range' "import: max_attempts past -2^63" \
  '[{"target":"/p/a.msi","max_attempts":-18446744073709551616}]'
import_rejected 'import item 2: field "priority" is given twice in one job' "import: a field twice in one job" \
  '[{"target":"/p/a.msi"},{"target":"/p/b.msi","priority":1,"priority":9}]'
import_rejected 'manifest\.json is not valid UTF-8 \(byte 0xe9 at line 2, column 19\)' "import: a manifest in Latin-1" \
  '[\n {"target":"/p/caf\xe9.msi"}]'
import_rejected "install target '/p/\\\\xed\\\\xa0\\\\x80\.msi' is not valid UTF-8" "import: an escaped lone surrogate" \
  '[{"target":"/p/\\ud800.msi"}]'
import_rejected 'odd number of bytes' "import: UTF-16 cut in the middle of a character" \
  '\xff\xfe[\x00]'
import_rejected 'unpaired surrogate' "import: UTF-16 with an unpaired surrogate" \
  '\xff\xfe[\x00\x00\xd8]\x00'
# A manifest PowerShell 5 wrote (UTF-16LE with a BOM) is read as such.
printf '[{"target":"/p/caf\xc3\xa9.msi","key":"utf16"}]' | iconv -f UTF-8 -t UTF-16LE |
  { printf '\xff\xfe'; cat; } >"$work_dir/utf16.json"
run import --no-check "$work_dir/utf16.json"
check_status 0 "import: a UTF-16LE manifest with a BOM is accepted"
utf16_id=$out
run --json show "$utf16_id"
check_equal "$(jq_of "$out" .target)" $'/p/caf\xc3\xa9.msi' "import: the UTF-16 manifest's target arrives as UTF-8"
run --json list
if is_utf8 "$out" && [ "$(jq_of "$out" length)" = "3" ]; then pass; else
  fail "list --json after the hostile input is not UTF-8 or holds other jobs: $out"
fi

# log: a log that is neither UTF-16 nor UTF-8 is converted from the ANSI code
# page (Windows-1252 on the simulation host) when shown.
printf 'Action start: InstallFiles.\r\nError 1310. Cannot write caf\xe9 \x93x\x94.\r\nReturn value 3.\r\n' >"$work_dir/ansi.log"
run enqueue --no-check --log "$work_dir/ansi.log" "$app" --key ansi-log
ansi_id=$out
run log "$ansi_id"
check_status 0 "log: an ANSI log is shown"
check_match "$out" $'Cannot write caf\xc3\xa9 \xe2\x80\x9cx\xe2\x80\x9d\\.' "log: the ANSI log is shown as UTF-8"
if is_utf8 "$out"; then pass; else fail "log: the ANSI log's text is not UTF-8"; fi
run log --failure "$ansi_id"
check_match "$out" $'^Error 1310\\. Cannot write caf\xc3\xa9' "log --failure: the excerpt of an ANSI log is UTF-8"

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
