#!/usr/bin/env bash
# paths.sh: the Windows host's judgement of package and log paths
# (src/host/win/host_win_paths.c) and its staging with BCrypt, under Wine
# (issue 15, items 12 and 13).
#
# Wine has no ACLs of its own on Unix files: it describes a file's owner
# and DACL from its Unix owner and mode (the owner's uid as the current
# user or, for another uid, ANONYMOUS LOGON; the "other" bits as an entry
# for Everyone, with DELETE when they allow writing; the group bits not at
# all), and it reports a symbolic link to a folder as a reparse point. So
# this test makes "others" with world-writable modes and chown to nobody,
# as the native tests do, and proves through msiq.exe that:
#   - a --log in a world-writable folder, in a folder owned by nobody,
#     through a linked folder, or that is a folder, and a package writable
#     by everyone, are refused (exit 2, one line naming the account);
#   - private paths are accepted, and the fake installer runs the job;
#   - --stage from a world-writable folder records the SHA-256 of the copy
#     (BCrypt), equal to sha256sum's, the job runs the copy, and a copy
#     changed afterwards fails its job before the installer starts;
#   - a `logs` beside the database that is a file stops `run` (exit 4).
# What Wine cannot show (group-writable folders, file links, real DACLs,
# shares) is listed in docs/reliability.md.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$MSIQ_TESTS_DIR/wine/lib.sh"

trap wine_prefix_cleanup EXIT
for variable in $(compgen -v); do
  case $variable in
    FAKE_INSTALLER_EXE) ;; # the program, passed in by ctest
    FAKE_INSTALLER_* | MSIQ_SIM_* | MSIQ_INSTALLER*) unset "$variable" ;;
  esac
done

# msiq ARGS...: msiq.exe through Wine, output without the CRs, and the
# results in $out, $err, $status (one line per message).
run() {
  wine "$MSIQ_EXE" "$@" >"$work_dir/out" 2>"$work_dir/err" </dev/null
  status=$?
  out=$(tr -d '\r' <"$work_dir/out")
  err=$(tr -d '\r' <"$work_dir/err")
}

q="$work_dir/q"
mkdir -p "$q"
chmod 0700 "$work_dir" "$q"
export MSIQ_DB
MSIQ_DB=$(win_path "$q/queue.db")
wine_prefix_init
# The session's first program starts Wine's services, which inherit its
# output and keep it open: give them /dev/null.
wine cmd.exe /c exit 0 </dev/null >/dev/null 2>&1

mkdir -m 0700 "$work_dir/pkgs" "$work_dir/logs-ok"
make_package "$work_dir/pkgs/app.msi"
app=$(win_path "$work_dir/pkgs/app.msi")
w=$(win_path "$work_dir")

# 1. Refused at enqueue.
run enqueue "$app"
check_status 0 "a private package is accepted"
mkdir "$work_dir/open"
chmod 0777 "$work_dir/open"
run enqueue --log "$w\\open\\a.log" "$app"
check_error 2 "refusing log .*open.a\.log: .*open can be (deleted or renamed|written) by Everyone; name a log in a folder only administrators can change" \
  "a log in a world-writable folder is refused, naming Everyone"
mkdir -m 0700 "$work_dir/theirs"
chown nobody "$work_dir/theirs"
run enqueue --log "$w\\theirs\\a.log" "$app"
check_error 2 "refusing log .*theirs.a\.log: .*theirs is owned by .*, who is not an administrator" \
  "a log in a folder owned by another user is refused"
ln -s "$work_dir/logs-ok" "$work_dir/linked"
run enqueue --log "$w\\linked\\a.log" "$app"
check_error 2 "refusing log .*linked.a\.log: .*linked is a symbolic link or junction; name the real path" \
  "a log through a linked folder (a reparse point) is refused"
mkdir -m 0700 "$work_dir/logs-ok/dir.log"
run enqueue --log "$w\\logs-ok\\dir.log" "$app"
check_error 2 "refusing log .*dir\.log: it exists and is not a regular file" "a log that is a folder is refused"
make_package "$work_dir/pkgs/shared.msi"
chmod 0666 "$work_dir/pkgs/shared.msi"
run enqueue "$w\\pkgs\\shared.msi"
check_error 2 "refusing package .*shared\.msi: it can be (deleted or renamed|written) by Everyone; move it to a folder only administrators can change, or enqueue it with --stage" \
  "a package everyone may write is refused"

# 2. --stage: the copy's SHA-256 from BCrypt, the copy runs, a changed copy
# does not.
make_package "$work_dir/open/staged.msi" "Staged App"
source_sum=$(sha256sum "$work_dir/open/staged.msi" | cut -d' ' -f1)
run --json enqueue --stage --log "$w\\logs-ok\\staged.log" "$w\\open\\staged.msi"
check_status 0 "a package from a world-writable folder is accepted with --stage"
staged_job=$(jq_of "$out" .id)
copy=$(jq_of "$out" .target)
check_equal "$(jq_of "$out" .staged.sha256)" "$source_sum" "the copy's SHA-256 (BCrypt) is sha256sum's"
check_match "$copy" '^Z:.*\\q\\staged\\[0-9a-f]+-[0-9a-f]+-staged\.msi$' "the job runs a copy in staged\\ beside the database"
unix_copy="$q/staged/${copy##*\\}"
check_equal "$(sha256sum "$unix_copy" | cut -d' ' -f1)" "$source_sum" "the copy holds the source's bytes"
make_package "$work_dir/open/tampered.msi" "Tampered App"
run --json enqueue --stage "$w\\open\\tampered.msi"
tampered_job=$(jq_of "$out" .id)
tampered_copy="$q/staged/$(jq_of "$out" .target | sed 's/.*\\//')"
printf 'more\n' >>"$tampered_copy"

export MSIQ_INSTALLER
MSIQ_INSTALLER=$(win_path "$FAKE_INSTALLER_EXE")
export FAKE_INSTALLER_LOG
FAKE_INSTALLER_LOG=$(win_path "$work_dir/argv.log")
timeout 300 wine "$MSIQ_EXE" run --drain --poll 200ms >"$work_dir/run.log" 2>&1 </dev/null
run --json show "$staged_job"
check_equal "$(jq_of "$out" .state)" "succeeded" "the staged job ran ($(jq_of "$out" .last_error))"
check_match "$(tr -d '\r' <"$work_dir/argv.log")" "staged\.msi" "the installer got the copy"
run --json show "$tampered_job"
check_equal "$(jq_of "$out" .state)" "failed" "a copy changed after staging fails its job"
check_match "$(jq_of "$out" .last_error)" "has changed since it was staged" "and says so"
check_equal "$(grep -c 'tampered' "$work_dir/argv.log")" "0" "the changed copy never reached the installer"

# 3. A logs folder that is a file stops the dispatcher before any installer.
run enqueue "$app"
queued_job=$out
rm -rf "$q/logs"
: >"$q/logs"
timeout 300 wine "$MSIQ_EXE" run --drain --poll 200ms >"$work_dir/run2.log" 2>&1 </dev/null
check_equal "$?" "4" "run refuses a logs path that is a file (exit 4)"
check_match "$(tr -d '\r' <"$work_dir/run2.log")" "refusing log folder .*logs: it exists and is not a folder" "and says why"
run --json show "$queued_job"
check_equal "$(jq_of "$out" .state)" "queued" "the job stayed queued"

finish
