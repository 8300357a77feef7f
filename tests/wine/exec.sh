#!/usr/bin/env bash
# exec.sh: `msiq.exe exec` as an msiexec drop-in under Wine (issue 13).
#
# Proves, with command lines handed to CreateProcessW exactly as written
# (tests/win/raw_spawn.c, which also prints the full exit code: Wine passes
# only 8 bits on to Linux):
#   - INSTALLDIR="C:\Program Files\App\" /qn X=1 is split by msiexec's
#     rules: the property (its trailing backslash kept), /qn, X=1; msiq's
#     global option --db with a quoted path in front of `exec` is still
#     msiq's;
#   - with no dispatcher running exec runs its job itself and exits with
#     the installer's full code (3010);
#   - exec's own errors are msiexec's codes: 1639 for an unclosed quote or
#     an unknown switch, 1619 for a missing package;
#   - started by a process named msiexec.exe (raw_spawn copied under that
#     name), exec answers 1618 at once and enqueues nothing.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$MSIQ_TESTS_DIR/wine/lib.sh"

trap wine_prefix_cleanup EXIT
wine_prefix_init

export MSIQ_INSTALLER="$FAKE_INSTALLER_EXE"
export FAKE_INSTALLER_CODES="$work_dir/codes"
: >"$FAKE_INSTALLER_CODES"
FAKE_INSTALLER_CODES=$(win_path "$FAKE_INSTALLER_CODES")
mkdir -p "$work_dir/q dir"
db="$work_dir/q dir/queue.db"
export MSIQ_DB="$db"
make_package "$work_dir/app.msi" "Wine Exec App" 1.0.0 || exit 1
exe=$(win_path "$MSIQ_EXE")
app=$(win_path "$work_dir/app.msi")

# spawn LINE: runs LINE through raw_spawn; $code is msiq's full exit code,
# $out raw_spawn's and msiq's stdout, $err msiq's stderr.
spawn() {
  printf '%s' "$1" >"$work_dir/line.txt"
  out=$(wine "$RAW_SPAWN_EXE" "$(win_path "$work_dir/line.txt")" 2>"$work_dir/err" | tr -d '\r')
  err=$(tr -d '\r' <"$work_dir/err")
  code=$(printf '%s\n' "$out" | sed -n 's/^exit //p')
}

# 1. msiexec's words, through a raw command line.
spawn "\"$exe\" --db \"$(win_path "$db")\" exec /i \"$app\" INSTALLDIR=\"C:\\Program Files\\App\\\" /qn X=1 MSG=\"say \"\"hi\"\"\""
check_equal "$code" 0 "raw line: exec exits 0 ($err)"
check_equal "$(job_field 1 '.properties | to_entries | map(.key + "=" + .value) | join("|")')" \
  "INSTALLDIR=C:\\Program Files\\App\\|X=1|MSG=say \"hi\"" \
  "raw line: the property keeps its trailing backslash, then /qn, then X=1"
check_match "$err" "no dispatcher is running; exec runs job 1 itself" "raw line: exec ran its own job"

# 2. Its own job, the installer's full code.
echo 3010 >"$work_dir/codes"
spawn "\"$exe\" exec /I \"$app\" /QB!"
check_equal "$code" 3010 "no dispatcher: exec exits with the installer's 3010"
check_match "$err" "/QB! shows a user interface in msiexec" "no dispatcher: /QB! runs silently with a note"
: >"$work_dir/codes"

# 3. msiexec's codes for exec's own errors.
spawn "\"$exe\" exec /i \"$app\" INSTALLDIR=\"C:\\open"
check_equal "$code" 1639 "an unclosed quote: 1639"
check_match "$err" "never closed" "an unclosed quote: says so"
spawn "\"$exe\" exec /i \"$app\" /forcerestart"
check_equal "$code" 1639 "an unknown switch: 1639"
spawn "\"$exe\" exec /i \"$(win_path "$work_dir/missing.msi")\""
check_equal "$code" 1619 "a missing package: 1619"
spawn "\"$exe\" exec /fz \"$app\""
check_equal "$code" 1639 "a bad repair mode: 1639"

# 4. From inside an installation: 1618 at once, nothing enqueued.
count_before=$(msiq --json list | jq length)
cp "$RAW_SPAWN_EXE" "$work_dir/msiexec.exe"
printf '%s' "\"$exe\" exec /i \"$app\" /qn" >"$work_dir/line.txt"
out=$(wine "$work_dir/msiexec.exe" "$(win_path "$work_dir/line.txt")" 2>"$work_dir/err" | tr -d '\r')
err=$(tr -d '\r' <"$work_dir/err")
check_equal "$out" "exit 1618" "an msiexec.exe parent: exec answers 1618"
check_match "$err" "called from inside an installation \\(msiexec.exe, process [0-9]+ is an ancestor\\)" \
  "an msiexec.exe parent: says so"
check_equal "$(msiq --json list | jq length)" "$count_before" "an msiexec.exe parent: nothing enqueued"
# The same helper under its own name is no installation.
spawn "\"$exe\" exec /i \"$app\" /qn"
check_equal "$code" 0 "raw_spawn.exe as the parent: exec runs the job"

finish
