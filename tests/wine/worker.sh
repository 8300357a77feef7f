#!/usr/bin/env bash
# worker.sh: `msiq.exe --worker` under Wine, driving Wine's real msi.dll.
#
# Each case feeds a request to the worker through a FIFO (a pipe, as the
# dispatcher will give it; never a console) and checks the transcript the
# worker writes and what Windows Installer did:
#   - install of a package with 200 files (tests/packages/worker.wxs):
#     hello, the exact operation, increasing progress ending at 100 and no
#     more than about four a second, action lines, result 0, the exit code,
#     the verbose log, the product registered and its files present;
#   - repair by product code puts back a deleted file and writes the log
#     it is given (with the log mode *v+, whose append Wine ignores);
#   - uninstall by product code, and by package (REMOVE=ALL);
#   - cancel sent right behind `start`, and cancel half way (while the
#     package's custom action runs): `cancelling`, result 1602, the product
#     not registered, and for the first no files;
#   - a custom action that reports error 25001: an `error` line with its
#     number, text and action; a custom action that fails, a missing
#     package and a missing patch: their codes and operation lines;
#   - bad requests (result 1639) and a console on standard input (refused).
# What Wine's msi.dll does differently from Windows is noted where it shows.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$MSIQ_TESTS_DIR/wine/lib.sh"

T=$'\t'
worker_dir=""

cleanup_worker_test() {
  exec 3>&- 2>/dev/null
  wine_prefix_cleanup
}
trap cleanup_worker_test EXIT

# field TEXT: TEXT escaped for a protocol field (backslash and tab).
field() {
  local text=${1//\\/\\\\}
  printf '%s' "${text//$T/\\t}"
}

# stamp_lines OUT TIMES: copies each line to OUT, and to TIMES behind the
# time it arrived (microseconds), for the rate-limit check.
stamp_lines() {
  local line
  while IFS= read -r line; do
    printf '%s\n' "$line" >>"$1"
    printf '%s\t%s\n' "${EPOCHREALTIME//[.,]/}" "$line" >>"$2"
  done
}

# worker_start NAME: starts a worker whose standard input is a FIFO this
# shell holds open on fd 3 (opened read-write, so that opening never blocks
# and a worker that has exited cannot make a write fail).
worker_start() {
  worker_dir="$work_dir/$1"
  mkdir -p "$worker_dir"
  mkfifo "$worker_dir/in"
  {
    wine "$MSIQ_EXE" --worker <"$worker_dir/in" 2>"$worker_dir/err"
    echo "$?" >"$worker_dir/status"
  } | stamp_lines "$worker_dir/out" "$worker_dir/times" &
  exec 3<>"$worker_dir/in"
}

# worker_send LINE...: sends lines to the running worker.
worker_send() {
  printf '%s\n' "$@" >&3
}

# worker_finish: waits for the worker to exit (closing its input only then,
# since a closed input means cancel) and loads $transcript and $result.
worker_finish() {
  wait_until 180000 test -s "$worker_dir/status" ||
    fail "$(basename "$worker_dir"): the worker did not finish"
  exec 3>&-
  wait
  transcript=$(cat "$worker_dir/out" 2>/dev/null)
  result=$(printf '%s\n' "$transcript" | sed -n "s/^result$T//p")
  exit_status=$(cat "$worker_dir/status" 2>/dev/null)
}

# worker_run NAME LINE...: one whole request.
worker_run() {
  worker_start "$1"
  shift
  worker_send "$@"
  worker_finish
}

# lines_of KEYWORD: the transcript's KEYWORD lines.
lines_of() {
  printf '%s\n' "$transcript" | grep "^$1\\($T\\|\$\\)"
}

# check_common CASE: the frame every transcript has: hello first with the
# protocol version and a pid, result last, and the exit code is the result
# (its low 8 bits, all that wine passes on).
check_common() {
  check_match "$(printf '%s\n' "$transcript" | head -1)" "^hello${T}1${T}[0-9]+\$" "$1: hello comes first"
  check_match "$(printf '%s\n' "$transcript" | tail -1)" "^result${T}[0-9]+\$" "$1: result comes last"
  check_equal "$exit_status" "$((${result:-0} % 256))" "$1: the exit code is the result"
}

# check_operation CASE EXPECTED: the second line is `operation` with the
# exact call (escaped as the protocol writes it).
check_operation() {
  check_equal "$(printf '%s\n' "$transcript" | sed -n 2p)" "operation$T$(field "$2")" "$1: the operation line"
}

wine_prefix_init
# The package: 200 files plus the custom actions of worker.wxs
# (MsiqReportProgress keeps the bar moving for a while on a fast machine
# too); see worker_package_build in lib.sh.
worker_package_build
mkdir -p "$work_dir/logs dir"
log_path="$work_dir/logs dir/worker.log"

# 1. Install.
worker_run install "request${T}1" "install$T$(field "$package")" \
  "property${T}ALLUSERS${T}1" "property${T}MSIQACTIONSLEEP${T}600" "property${T}MSIQACTIONPROGRESS${T}1" \
  "log$T$(field "$(win_path "$log_path")")" "start"
check_common install
check_operation install "MsiInstallProductW(\"$package\", \"ALLUSERS=1 MSIQACTIONSLEEP=600 MSIQACTIONPROGRESS=1 REBOOT=ReallySuppress\")"
check_equal "$result" 0 "install: result"
progress=$(lines_of progress | cut -f2 | tr '\n' ' ')
echo "install: progress $progress" >&2
# MsiqReportProgress moves the bar for about 1.5 s however fast the files
# are copied, so at four lines a second there are several values.
if [ "$(lines_of progress | wc -l)" -ge 5 ]; then pass; else fail "install: only these progress values: $progress"; fi
check_match "$progress" ' ?100 $' "install: progress ends at 100"
if lines_of progress | cut -f2 | sort -n -c -u 2>/dev/null; then pass; else fail "install: progress does not increase: $progress"; fi
# Rate limit: n lines spread over at least (n - 2) intervals of 250 ms (the
# final value may follow the one before at once). Measured where the lines
# arrive, so the check errs towards passing.
progress_times=$(grep "^[0-9]*${T}progress$T" "$worker_dir/times" | cut -f1)
first=$(printf '%s\n' "$progress_times" | head -1)
last=$(printf '%s\n' "$progress_times" | tail -1)
count=$(printf '%s\n' "$progress_times" | wc -l)
if [ $(((count - 2) * 200000)) -le $((last - first)) ]; then pass; else
  fail "install: $count progress lines within $(((last - first) / 1000)) ms"
fi
check_equal "$(lines_of action | head -1)" "action${T}INSTALL" "install: the first action is INSTALL"
if [ "$(lines_of action | wc -l)" -ge 3 ]; then pass; else fail "install: too few action lines: $(lines_of action)"; fi
check_equal "$(lines_of error)$(lines_of cancelling)" "" "install: no error, no cancel"
# Windows Installer hides its Cancel button around the commit and shows it
# again; Wine does so too.
check_match "$(lines_of cancellable | cut -f2 | tr -d '\n')" '^[01]*0[01]*$' "install: cancellable lines, one hiding Cancel"
check_equal "$(product_state "$product_code")" "5 default" "install: the product is installed"
check_equal "$(installed_file_count)" "$payload_count" "install: every file is installed"
if grep -q "MsiqTestAction" "$log_path" 2>/dev/null; then pass; else fail "install: no verbose log at $log_path"; fi

# 2. Repair by product code, appending to the same log: the request's log
# mode is msiexec's /l letters, here *v+ (every kind, verbose, append).
rm -f "$program_files/$package_name/file7.bin"
log_size_before=$(stat -c %s "$log_path" 2>/dev/null || echo 0)
worker_run repair "request${T}1" "repair$T$product_code${T}omus" \
  "log$T$(field "$(win_path "$log_path")")$T*v+" "start"
check_common repair
check_operation repair "MsiConfigureProductExW(\"$product_code\", INSTALLLEVEL_DEFAULT, INSTALLSTATE_DEFAULT, \"REINSTALL=ALL REINSTALLMODE=omus REBOOT=ReallySuppress\")"
check_equal "$result" 0 "repair: result"
check_equal "$(lines_of progress | tail -1)" "progress${T}100" "repair: progress ends at 100"
if [ -e "$program_files/$package_name/file7.bin" ]; then pass; else fail "repair: the deleted file is not back"; fi
# The repair writes the same log (Wine's msi.dll ignores the append: it writes
# from the start of the existing file, over what was there; Windows
# appends), so only the repair's own content is checked.
if grep -q "REINSTALL" "$log_path" 2>/dev/null; then pass; else fail "repair: the log does not show the repair"; fi
echo "repair: the log went from $log_size_before to $(stat -c %s "$log_path") bytes" >&2

# 3. Uninstall by product code.
worker_run uninstall "request${T}1" "uninstall$T$product_code" "start"
check_common uninstall
check_operation uninstall "MsiConfigureProductExW(\"$product_code\", INSTALLLEVEL_DEFAULT, INSTALLSTATE_ABSENT, \"REBOOT=ReallySuppress\")"
check_equal "$result" 0 "uninstall: result"
check_equal "$(product_state "$product_code")" "-1 unknown" "uninstall: the product is gone"
check_equal "$(installed_file_count)" 0 "uninstall: the files are gone"

# 4. Cancel sent right behind `start`, in the same write. Under Wine the
# first point that honours IDCANCEL is a custom action's start (standard
# actions ignore it); MsiqTestAction's comes while the script is still being
# generated, so nothing has been changed yet.
worker_run cancel_at_once "request${T}1" "install$T$(field "$package")" "start" "cancel"
check_common "cancel at once"
check_equal "$result" 1602 "cancel at once: result"
check_equal "$(lines_of cancelling)" "cancelling" "cancel at once: one cancelling line"
check_equal "$(product_state "$product_code")" "-1 unknown" "cancel at once: the product is not installed"
check_equal "$(installed_file_count)" 0 "cancel at once: no file is installed"

# 5. Cancel half way: MsiqTestAction runs after InstallFiles, creates the
# marker and sleeps; the cancel lands at MsiqCancelPoint, the next custom
# action. The marker path has spaces, so its property is quoted.
marker="$work_dir/marker dir/half way"
mkdir -p "$work_dir/marker dir"
worker_start cancel_half_way
worker_send "request${T}1" "install$T$(field "$package")" \
  "property${T}MSIQACTIONSLEEP${T}3000" "property${T}MSIQACTIONMARKER$T$(field "$(win_path "$marker")")" "start"
wait_until 120000 test -e "$marker" || fail "cancel half way: the custom action did not start"
worker_send "cancel"
worker_finish
check_common "cancel half way"
check_operation "cancel half way" "MsiInstallProductW(\"$package\", \"MSIQACTIONSLEEP=3000 MSIQACTIONMARKER=\"$(win_path "$marker")\" REBOOT=ReallySuppress\")"
check_equal "$result" 1602 "cancel half way: result"
check_equal "$(lines_of cancelling)" "cancelling" "cancel half way: one cancelling line"
check_equal "$(product_state "$product_code")" "-1 unknown" "cancel half way: the product is not registered"
# Wine's rollback does not remove the files InstallFiles copied (Windows
# does); the next install takes them over.
echo "cancel half way: $(installed_file_count) files left behind by Wine's rollback" >&2

# 6. Uninstall by package: install again, then REMOVE=ALL.
worker_run reinstall "request${T}1" "install$T$(field "$package")" "start"
check_equal "$result" 0 "reinstall: result"
worker_run uninstall_package "request${T}1" "uninstall$T$(field "$package")" "start"
check_common "uninstall by package"
check_operation "uninstall by package" "MsiInstallProductW(\"$package\", \"REMOVE=ALL REBOOT=ReallySuppress\")"
check_equal "$result" 0 "uninstall by package: result"
check_equal "$(product_state "$product_code")" "-1 unknown" "uninstall by package: the product is gone"
check_equal "$(installed_file_count)" 0 "uninstall by package: the files are gone"

# 7. A custom action that reports error 25001 and fails.
worker_run error "request${T}1" "install$T$(field "$package")" "property${T}MSIQACTIONERROR${T}1" "start"
check_common error
check_equal "$result" 1603 "error: result"
check_match "$(lines_of error)" "^error${T}25001${T}[^$T]*MSIQACTIONERROR is set${T}MsiqReportError\$" \
  "error: the error line has the number, the text and the action"
check_equal "$(product_state "$product_code")" "-1 unknown" "error: the product is not installed"

# 8. A custom action that exits with 3 (Return="check"). Windows returns
# 1603 after error 1722; Wine returns 1627 and sends no error record.
worker_run action_fails "request${T}1" "install$T$(field "$package")" "property${T}MSIQACTIONEXIT${T}3" "start"
check_common "action fails"
check_match "$result" '^(1603|1627)$' "action fails: result"
check_equal "$(product_state "$product_code")" "-1 unknown" "action fails: the product is not registered"

# 9. A missing package: Windows returns 1619, Wine 2 (file not found); no
# record is sent and no progress is reported.
missing=$(win_path "$work_dir/missing.msi")
worker_run missing "request${T}1" "install$T$(field "$missing")" "start"
check_common missing
check_operation missing "MsiInstallProductW(\"$missing\", \"REBOOT=ReallySuppress\")"
check_match "$result" '^(1619|2)$' "missing: result"
check_equal "$(lines_of progress)$(lines_of error)" "" "missing: no progress, no error"

# 10. A patch: wixl cannot build .msp files, so a missing one. Windows
# returns 1619 or 1635; Wine returns 1627.
patch=$(win_path "$work_dir/missing.msp")
worker_run patch "request${T}1" "patch$T$(field "$patch")" "property${T}NOTE${T}two words" "start"
check_common patch
check_operation patch "MsiApplyMultiplePatchesW(\"$patch\", NULL, \"NOTE=\"two words\" REBOOT=ReallySuppress\")"
check_match "$result" '^(1619|1635|1627)$' "patch: result"

# 11. Bad requests: each gets hello, result 1639 and one stderr line, and
# no call is made.
check_bad_request() {
  local name=$1 reason=$2
  shift 2
  worker_run "$name" "$@"
  check_common "bad request $name"
  check_equal "$(printf '%s\n' "$transcript" | cut -f1 | tr '\n' ' ')" "hello result " "bad request $name: only hello and result"
  check_equal "$result" 1639 "bad request $name: result"
  check_match "$(cat "$worker_dir/err")" "^msiq: .*$reason" "bad request $name: stderr says why"
}
check_bad_request property_first "'property' before the operation" "request${T}1" "property${T}A${T}1" "start"
check_bad_request no_request "'install' before 'request'" "install$T$(field "$package")" "start"
check_bad_request version "protocol version 2" "request${T}2" "install$T$(field "$package")" "start"
check_bad_request repair_mode "repair mode 'xyz'" "request${T}1" "repair$T$product_code${T}xyz" "start"
check_bad_request unknown "unknown worker message 'instal'" "request${T}1" "instal$T$(field "$package")" "start"
# Input that ends before `start` (worker_finish closes it only after the
# exit, so it is closed here).
worker_start closed_early
worker_send "request${T}1" "install$T$(field "$package")"
exec 3>&-
wait_until 60000 test -s "$worker_dir/status"
wait
check_equal "$(sed -n "s/^result$T//p" "$worker_dir/out")" 1639 "closed early: result"
check_match "$(cat "$worker_dir/err")" "^msiq: .*ended before 'start'" "closed early: stderr says why"

# 12. A console on standard input: refused with one line and 1639, before
# hello. `script` gives the worker a terminal, which Wine turns into a
# console.
if command -v script >/dev/null; then
  console_out=$(script -qec "wine '$MSIQ_EXE' --worker" /dev/null </dev/null 2>&1)
  console_status=$?
  console_text=$(printf '%s' "$console_out" | sed 's/\x1b\[[0-9;?]*[A-Za-z]//g' | tr -d '\r')
  check_match "$console_text" "msiq:.*internal" "console: refused with a message"
  check_equal "$console_status" $((1639 % 256)) "console: exit code 1639"
  if printf '%s' "$console_text" | grep -q hello; then fail "console: said hello"; else pass; fi
else
  echo "console: skipped, no script(1) here" >&2
fi

if [ "$failed" -ne 0 ]; then
  for out in "$work_dir"/*/out; do
    echo "--- transcript of $(basename "$(dirname "$out")")" >&2
    cat "$out" >&2
  done
fi
finish
