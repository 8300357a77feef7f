#!/usr/bin/env bash
# exit_names.sh: exit codes named under Wine (issue 13). A stand-in
# installer (tests/fake_installer.c, judged by its exit code) answers
# codes the exit-code table does not know, and msiq shows:
#   - 5 with the system's own message from FormatMessageW ("Access is
#     denied" on Windows; Wine's table says "Access denied"), in `show`,
#     the job's last error, the history message and `report`;
#   - 0xC0000005 in hex with the core table's name;
#   - 1603 with the table's name, not the system's text.
# Exit codes seen from Linux through `wine` keep only 8 bits, so every
# outcome is read from what msiq recorded and printed.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$MSIQ_TESTS_DIR/wine/lib.sh"

trap wine_prefix_cleanup EXIT
wine_prefix_init

export MSIQ_DB
MSIQ_DB=$(win_path "$work_dir/names.db")
export MSIQ_INSTALLER="$FAKE_INSTALLER_EXE"
export FAKE_INSTALLER_CODES
make_package "$work_dir/pkg.msi"
package=$(win_path "$work_dir/pkg.msi")

# run_code CODE: a job whose installer exits with CODE, run to its end;
# prints the job's id.
run_code() {
  echo "$1" >"$work_dir/codes"
  FAKE_INSTALLER_CODES=$(win_path "$work_dir/codes")
  local id
  id=$(msiq enqueue --max-attempts 1 "$package")
  timeout 120 wine "$MSIQ_EXE" run --drain --poll 200ms >>"$work_dir/run.log" 2>&1
  printf '%s\n' "$id"
}

denied=$(run_code 5)
check_equal "$(job_field "$denied" '.state + " " + (.exit_code|tostring)')" "failed 5" "5: the job failed with 5"
# Windows' wording or Wine's, whole, on one line, without the full stop.
denied_text='Access (is )?denied'
check_match "$(job_field "$denied" .last_error)" "^installer failed with exit code 5 \($denied_text\)$" \
  "5: last_error names the code with FormatMessageW's text, on one line"
check_match "$(job_field "$denied" '.history[0].message')" "^exit code 5 \($denied_text\): failed$" \
  "5: the history message names it too"
run show "$denied"
out=$(printf '%s' "$out" | tr -d '\r')
check_match "$out" "exit code: +5 \($denied_text\)" "5: show names the code"
run report
out=$(printf '%s' "$out" | tr -d '\r')
check_match "$out" "job $denied +failed +install +exit 5 \($denied_text\)" "5: report names the code"
check_match "$(tr -d '\r' <"$work_dir/run.log")" "job $denied: .*exit code 5 \($denied_text\)" \
  "5: the dispatcher's line names the code"

crashed=$(run_code 3221225477)
check_equal "$(job_field "$crashed" '.exit_code|tostring')" "3221225477" "0xC0000005: the full code is kept"
check_equal "$(job_field "$crashed" .last_error)" \
  "installer failed with exit code 0xC0000005 (STATUS_ACCESS_VIOLATION: access violation)" \
  "0xC0000005: in hex, with its name"
run list
out=$(printf '%s' "$out" | tr -d '\r')
check_match "$out" "^$crashed +failed .* 0xC0000005 " "0xC0000005: list shows it in hex"

failure=$(run_code 1603)
check_equal "$(job_field "$failure" .last_error)" "installer failed with exit code 1603 (ERROR_INSTALL_FAILURE)" \
  "1603: the table's name, not the system's text"

finish
