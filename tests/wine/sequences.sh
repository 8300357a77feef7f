#!/usr/bin/env bash
# sequences.sh: the administrative and advertise sequences under Wine, with
# Wine's msi.dll through the dispatcher and `msiq.exe --worker`
# (issue 12, item 3):
#   - `enqueue --action admin --target-dir DIR` runs MsiInstallProductW with
#     ACTION=ADMIN and TARGETDIR: Wine's msi.dll has no administrative
#     installation (its msiexec /a answers the same), it logs the ADMIN
#     action as ended and returns 1626 (ERROR_FUNCTION_NOT_CALLED) with
#     nothing extracted; on Windows the image is written under DIR. So this
#     checks the job, the exact call and Wine's answer, not the image;
#   - `enqueue --action advertise`: Wine's MsiAdvertiseProductExW is a stub
#     that answers 120 (ERROR_CALL_NOT_IMPLEMENTED), so the job fails with
#     that code; on Windows it advertises the product.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$MSIQ_TESTS_DIR/wine/lib.sh"

dispatcher_pid=""
cleanup_sequences_test() {
  [ -n "$dispatcher_pid" ] && kill "$dispatcher_pid" 2>/dev/null
  wine_prefix_cleanup
}
trap cleanup_sequences_test EXIT

unset MSIQ_INSTALLER
MSIQ_DB=$(win_path "$work_dir/queue.db")
export MSIQ_DB
run_log="$work_dir/run.log"

wine_prefix_init
make_package "$work_dir/app.msi" "Msiq Admin Test" 1.0.0 || fail "make_package failed"
package=$(win_path "$work_dir/app.msi")
wine "$MSIQ_EXE" run --poll 200ms >>"$run_log" 2>&1 &
dispatcher_pid=$!
wait_until 120000 grep -q 'dispatcher started' "$run_log" ||
  fail "the dispatcher did not start: $(cat "$run_log")"

# 1. An administrative image.
image="$work_dir/image"
run enqueue --action admin --target-dir "$(win_path "$image")" "$package"
check_status 0 "admin: enqueue"
admin=$out
wait_finished "$admin" admin
echo "admin under Wine: $(job_field "$admin" '[.state, .exit_code, .last_error] | map(tostring) | join(" / ")')" >&2
check_equal "$(job_field "$admin" .properties.TARGETDIR)" "$(win_path "$image")" "admin: TARGETDIR as given, absolute"
check_equal "$(job_field "$admin" '.history[0].operation')" \
  "MsiInstallProductW(\"$package\", \"ACTION=ADMIN TARGETDIR=$(win_path "$image") REBOOT=ReallySuppress\"); REBOOT=ReallySuppress was added by msiq (the job does not set REBOOT)" \
  "admin: the worker's exact call"
check_equal "$(job_field "$admin" .exit_code)" "1626" \
  "admin: Wine's msi.dll has no administrative installation (1626)"
if grep -q "ADMIN" "$work_dir/logs/job-$admin.log" 2>/dev/null ||
  iconv -f UTF-16LE -t UTF-8 "$work_dir/logs/job-$admin.log" 2>/dev/null | grep -q "ADMIN"; then
  pass
else
  fail "admin: the verbose log does not show the ADMIN action"
fi

# 2. An advertisement: Wine answers 120.
run enqueue --action advertise --max-attempts 1 "$package"
check_status 0 "advertise: enqueue"
advertise=$out
wait_finished "$advertise" advertise
echo "advertise under Wine: $(job_field "$advertise" '[.state, .exit_code, .last_error] | map(tostring) | join(" / ")')" >&2
check_equal "$(job_field "$advertise" .exit_code)" "120" \
  "advertise: Wine's MsiAdvertiseProductExW is not implemented (120)"
check_equal "$(job_field "$advertise" '.history[0].operation')" \
  "MsiAdvertiseProductExW(\"$package\", ADVERTISEFLAGS_MACHINEASSIGN, NULL, 0, 0, 0)" \
  "advertise: the worker's exact call"

finish
