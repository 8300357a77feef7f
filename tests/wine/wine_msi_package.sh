#!/usr/bin/env bash
# wine_msi_package.sh: msiq's own package, msiq-VERSION-x64.msi (built by
# the msiq_msi target from cmake/msiq.wxs.in), through Wine's msiexec on a
# fresh prefix. Proves that:
#   1. `msiexec /i msiq.msi /qn` puts msiq.exe in C:\Program Files\msiq,
#      adds that folder to the system PATH, registers the msiq service and
#      starts it, and creates C:\ProgramData\msiq with the queue in it,
#      which Everyone may not change (a data folder someone created
#      beforehand with an access list that lets Everyone in is repaired);
#   2. the service runs a job: a package enqueued with the installed
#      msiq.exe is installed by the service's dispatcher (its worker and
#      Wine's msi.dll), and the service log says so;
#   3. `msiexec /x` stops and removes the service, removes msiq.exe and the
#      PATH entry, and keeps the queue: installed again, the service finds
#      the job of step 2;
#   4. `msiexec /x ... MSIQ_REMOVE_QUEUE=1` also removes C:\ProgramData\msiq.
# Wine's msiexec returns 0 here; as always under Wine only the low 8 bits
# of an exit code reach Linux, so outcomes are read from the files, the
# registry and the service manager.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$MSIQ_TESTS_DIR/wine/lib.sh"
trap wine_prefix_cleanup EXIT

if [ ! -f "${MSIQ_MSI:-}" ]; then
  fail "no package at '${MSIQ_MSI:-}' (the msiq_msi target builds it)"
  finish
  exit
fi

# The package's service uses the default queue, %ProgramData%\msiq\queue.db,
# and so must the commands below (tests/cli/lib.sh names one of its own).
unset MSIQ_DB
wine_prefix_init
chmod 0755 "$work_dir"
cp "$MSIQ_MSI" "$work_dir/msiq.msi"
msi=$(win_path "$work_dir/msiq.msi")
program_dir="$WINEPREFIX/drive_c/Program Files/msiq"
data_dir="$WINEPREFIX/drive_c/ProgramData/msiq"
installed='C:\Program Files\msiq\msiq.exe'
environment_key='HKLM\System\CurrentControlSet\Control\Session Manager\Environment'

# installed_msiq ARGS...: the installed msiq.exe, output without CRs.
installed_msiq() {
  wine "$installed" "$@" 2>>"$work_dir/msiq.err" | tr -d '\r'
  return "${PIPESTATUS[0]}"
}

# system_path: the system PATH as the registry holds it.
system_path() {
  wine reg query "$environment_key" /v PATH 2>/dev/null | tr -d '\r' |
    sed -n 's/^ *PATH *REG_[A-Z_]* *//p'
}

# service_state: what the service manager says of the msiq service
# ("RUNNING", "STOPPED"...; "" when there is no such service).
service_state() {
  wine sc query msiq 2>/dev/null | tr -d '\r' | sed -n 's/^ *STATE *: [0-9]* *//p'
}

service_is_running() {
  [ "$(service_state)" = RUNNING ]
}

# msiexec_run DESCRIPTION ARGS...: Wine's msiexec with a verbose log.
msiexec_run() {
  local description=$1
  shift
  if wine msiexec "$@" /qn /l*v "$(win_path "$work_dir/msiexec.log")" >/dev/null 2>&1; then
    pass
  else
    fail "$description: msiexec failed: $(grep -a -m 3 -i 'return value 3\|error' "$work_dir/msiexec.log" | tr -d '\r')"
  fi
}

# 1. Install. A data folder made beforehand that Everyone may change must
# not stay so: `service install`, which the package runs, repairs it.
mkdir -p "$data_dir"
chmod 0777 "$data_dir"
msiexec_run "install" /i "$msi"
if [ -f "$program_dir/msiq.exe" ]; then pass; else fail "install: no msiq.exe in C:\\Program Files\\msiq"; fi
check_equal "$(installed_msiq --version | head -c 5)" "msiq " "install: the installed msiq.exe runs"
check_match "$(system_path)" ';C:\\Program Files\\msiq\\?$' "install: the folder is on the system PATH"
if wait_until 10000 service_is_running; then pass; else fail "install: the service is not running ($(service_state))"; fi
check_match "$(installed_msiq service status)" '^service msiq: running$' "install: msiq service status says running"
if [ -f "$data_dir/queue.db" ]; then pass; else fail "install: no queue in C:\\ProgramData\\msiq"; fi
data_acl=$(wine "$ACL_EXE" 'C:\ProgramData\msiq' 2>/dev/null | tr -d '\r')
check_match "$data_acl" '^O:' "install: the data folder's access list can be read"
check_equal "$(printf '%s' "$data_acl" | grep -oE '\(A;[A-Z]*;[^;]*;;;WD\)' | grep -v ';0x1200a9;' | head -1)" "" \
  "install: Everyone may not change the data folder (was 0777 before)"

# 2. The service runs a job: a small package through the worker and Wine's
# msi.dll. The package lies in a folder only its owner may change, as
# msiq's package check wants.
package_dir="$work_dir/package"
mkdir -m 0755 "$package_dir"
echo payload >"$package_dir/payload.txt"
(cd "$package_dir" && wixl -D ProductName=MsiqPackageTest -D ProductVersion=1.0.0 \
  -D UpgradeCode=0E5C2B8A-51A4-4F0E-9B7D-3C1E2A4B5D6F -D PayloadFile=payload.txt \
  -o MsiqPackageTest.msi "$MSIQ_TESTS_DIR/packages/sample.wxs") >"$work_dir/wixl.log" 2>&1 ||
  fail "wixl could not build the test package: $(grep -v GLib "$work_dir/wixl.log" | tail -1)"
job=$(installed_msiq enqueue "$(win_path "$package_dir/MsiqPackageTest.msi")")
check_match "$job" '^[0-9]+$' "job: enqueue with the installed msiq.exe prints an id"
job_succeeded() {
  [ "$(installed_msiq --json show "$job" | jq -r .state)" = succeeded ]
}
if wait_until 30000 job_succeeded; then pass; else
  fail "job: the service did not run it ($(installed_msiq --json show "$job" | jq -c '[.state, .last_error]'))"
fi
if [ -f "$WINEPREFIX/drive_c/Program Files (x86)/MsiqPackageTest/payload.txt" ]; then pass; else
  fail "job: the package's file is not installed"
fi
check_match "$(tr -d '\r' <"$data_dir/msiq-service.log")" "job $job: attempt 1 succeeded" \
  "job: the service log records it"

# 3. Uninstall: the service and msiq.exe go, the queue stays.
msiexec_run "uninstall" /x "$msi"
check_equal "$(service_state)" "" "uninstall: the service is removed"
if [ -e "$program_dir/msiq.exe" ]; then fail "uninstall: msiq.exe is still there"; else pass; fi
if system_path | grep -qi 'Program Files\\msiq'; then fail "uninstall: the folder is still on PATH: $(system_path)"; else pass; fi
if [ -f "$data_dir/queue.db" ]; then pass; else fail "uninstall: the queue was removed without MSIQ_REMOVE_QUEUE"; fi
# Installed again, the service finds the kept queue and its job.
msiexec_run "reinstall" /i "$msi"
if wait_until 10000 service_is_running; then pass; else fail "reinstall: the service is not running ($(service_state))"; fi
check_equal "$(installed_msiq --json show "$job" | jq -r .state)" succeeded \
  "reinstall: the kept queue still holds the job"

# 4. Uninstall with MSIQ_REMOVE_QUEUE=1: the data folder goes too.
msiexec_run "uninstall with MSIQ_REMOVE_QUEUE=1" /x "$msi" MSIQ_REMOVE_QUEUE=1
check_equal "$(service_state)" "" "remove queue: the service is removed"
if [ -e "$data_dir" ]; then fail "remove queue: C:\\ProgramData\\msiq is still there: $(find "$data_dir" -mindepth 1 -maxdepth 1 -printf "%f ")"; else pass; fi
if [ -e "$program_dir/msiq.exe" ]; then fail "remove queue: msiq.exe is still there"; else pass; fi

finish
