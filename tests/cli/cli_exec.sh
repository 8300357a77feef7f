#!/usr/bin/env bash
# cli_exec.sh: `msiq exec`, the drop-in for msiexec (issue 13), on the POSIX
# simulation host with the fake installer. Proves:
#   1. words: the line after `exec` is split by msiexec's rules (a backslash
#      before a quote is an ordinary character), a property with spaces
#      stays one property, switches in any case with / or -;
#   2. the actions (/i, /x of a product code, /update, /p, /f), the log
#      switch, exit codes (1603 and 3010, compared as code & 255 on POSIX),
#      1618 waited out, and 1618 itself after the retry budget; exec's own
#      errors in msiexec's codes (1639 bad line, 1619 missing package, 1603
#      a queue it cannot open), never msiq's 2/4; refused lines change
#      nothing and create nothing;
#   3. repair modes in any case and order (/FOMUS, /fmous, /fvomus, stored
#      as REINSTALLMODE), letters outside p o e d c a m u s v refused;
#      /qb, /qb!, /qb-, /passive, /qr... run silently with one note line;
#   4. no dispatcher running: exec runs its own job (and those ahead of it)
#      through the same engine and exits; wait and enqueue --wait say at
#      once on stderr that no dispatcher runs, and keep waiting; where exec
#      cannot run the job itself it says why;
#   5. /update a.msp;b.msp: one patch job applying both in one installer
#      run (/update "a;b"), the second read like the first; a missing, an
#      empty, a repeated patch, or two files of one patch code, enqueue
#      nothing;
#   6. called from inside an installation (MSIQ_SIM_INSIDE_INSTALLATION
#      stands for an msiexec.exe ancestor): 1618 at once, nothing enqueued;
#   7. log switches /l[i|w|e|a|r|u|c|m|o|p|v|x|+|!|*] in any case and order
#      (and enqueue --log-mode): stored canonically, shown, passed on as
#      /lMODE and in the worker's request; + keeps the old log, a plain
#      /l*v replaces it; a bad letter is refused with 1639, named.
#
# Every section has its own database; dispatchers poll every 100 ms; every
# wait is bounded.
# MSIQ_RUNNER (empty, or a word such as "wine") is meant to split.
# shellcheck disable=SC2086
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$MSIQ_TESTS_DIR/cli/lib.sh"
# shellcheck source-path=SCRIPTDIR source=lib_dispatch.sh
. "$MSIQ_TESTS_DIR/cli/lib_dispatch.sh"

cd "$work_dir" || exit 1

dispatcher_options=(--poll 100ms --grace 2s)
dispatcher_time_limit=85

# One real package, copied into each section.
make_package "$work_dir/package.msi" "Exec App" 1.0.0 || exit 1
make_patch_package "$work_dir/patch.msp" || exit 1

# new_section NAME: a fresh directory, database, argv log and codes file,
# with the package as app.msi and a patch file fix.msp.
new_section() {
  begin_section "$1"
  export FAKE_INSTALLER_CODES="$sec/codes"
  cp "$work_dir/package.msi" "$sec/app.msi"
  cp "$work_dir/patch.msp" "$sec/fix.msp"
  cd "$sec" || exit 1
}

installer_runs() {
  if [ -e "$FAKE_INSTALLER_LOG" ]; then wc -l <"$FAKE_INSTALLER_LOG" | tr -d ' '; else echo 0; fi
}

# run_exec ARGS...: msiq ARGS, bounded by 30 s, as run does.
run_exec() {
  out=$(timeout 30 ${MSIQ_RUNNER:-} "$MSIQ_BIN" "$@" 2>"$sec/exec.err")
  status=$?
  err=$(cat "$sec/exec.err")
}

# last_run FIELDS: the cut -d' ' -f FIELDS of the fake installer's last line.
last_run() {
  tail -n 1 "$FAKE_INSTALLER_LOG" | cut -d' ' -f"$1"
}

# ---------------------------------------------------------------------------
# 1. Words by msiexec's rules.
new_section words
start_dispatcher
# The shell hands over INSTALLDIR=C:\Program Files\App\ as one word; exec
# joins its words back and splits them by msiexec's rules, so the trailing
# backslash does not swallow what follows (as the C runtime's \" would).
run_exec exec /i app.msi 'INSTALLDIR=C:\Program Files\App\' /qn X=1 'MSG=say "hi"'
check_status 0 "exec with a property ending in a backslash: exit 0 ($err)"
check_equal "$(tail -n 1 "$FAKE_INSTALLER_LOG")" \
  "[/i] [$sec/app.msi] [/qn] [/norestart] [/l*v] [$sec/logs/job-1.log] [INSTALLDIR=C:\\Program Files\\App\\] [X=1] [MSG=say \"hi\"]" \
  "exec: the property, then /qn, then X=1, and a quote inside a value"
run_exec exec -PACKAGE app.msi -QuIeT -Log other.log
check_status 0 "exec with - switches in any case: exit 0"
check_equal "$(last_run 1,2,6)" "[/i] [$sec/app.msi] [$sec/other.log]" "exec: -PACKAGE and -Log"
stop_dispatcher

# ---------------------------------------------------------------------------
# 2. Actions, logs, exit codes; refusals change nothing.
new_section actions
# Refused before the database exists: nothing is created.
run exec /i app.msi /t
check_error $((1639 & 255)) "/t needs a value" "exec /t without transforms is refused with 1639 (seen as 103)"
check_no_database "exec /t creates no database"
start_dispatcher
for bad in /forcerestart /i- -y /passivex; do
  check_rejected $((1639 & 255)) "msiexec switch '$bad' is not supported by msiq exec" "exec /i app.msi $bad" exec /i app.msi "$bad"
done
# /a and /j are actions of their own (tests/cli/cli_sequences.sh): one
# action a line.
for bad in /a /j; do
  check_rejected $((1639 & 255)) "only one of /i, /x, /update, /f, /a or /jm" "exec /i app.msi $bad" exec /i app.msi "$bad" app.msi
done
check_rejected $((1639 & 255)) "/l\\*v needs a log file" "exec /l*v without a file" exec /i app.msi "/l*v"
check_rejected $((1639 & 255)) "msiexec switch '/promptrestart' is not supported" "exec /promptrestart names the switch" exec /i app.msi /promptrestart
check_rejected $((1639 & 255)) "repair mode 'z' is not one of msiexec's letters" "exec /fz names the repair mode" exec /fz app.msi
check_rejected $((1639 & 255)) "repair mode 'OMUSX' is not one of" "exec /fomusx names the repair mode" exec /FOMUSX app.msi
check_rejected $((1639 & 255)) "msiexec switch '/qx' is not supported" "exec /qx is refused" exec /i app.msi /qx
check_rejected $((1639 & 255)) "msiexec switch '/qb\\?' is not supported" "exec /qb? is refused" exec /i app.msi '/qb?'
check_rejected $((1639 & 255)) "/i needs a package" "exec /i without a package" exec /i
check_rejected $((1639 & 255)) "no action" "exec without an action" exec /qn ALLUSERS=1
check_rejected $((1639 & 255)) "no action" "exec with no arguments" exec
check_rejected $((1639 & 255)) "only one of" "exec with two actions" exec /i app.msi /x app.msi
check_rejected $((1639 & 255)) "unexpected argument 'app.msi'" "exec with a bare word" exec app.msi
check_rejected $((1619 & 255)) "does not exist" "exec of a missing package: 1619 (seen as 83)" exec /i missing.msi
check_rejected $((1639 & 255)) "invalid property name" "exec with a bad property" exec /i app.msi 9X=1
run exec --help
check_status 0 "exec --help exits 0"
check_match "$out" "usage: msiq exec" "exec --help prints the usage"
check_equal "$(installer_runs)" "0" "exec: no refused command started an installer"

run_exec exec /i app.msi /qn ALLUSERS=1 "P=x y"
check_status 0 "exec /i app.msi /qn ALLUSERS=1: exit 0"
check_match "$out" '^job [0-9]+: succeeded \(exit 0\)$' "exec prints the job line"
check_equal "$(tail -n 1 "$FAKE_INSTALLER_LOG")" "[/i] [$sec/app.msi] [/qn] [/norestart] [/l*v] [$sec/logs/job-1.log] [ALLUSERS=1] [P=x y]" \
  "exec: the installer got the package and the properties"
run_exec exec /I app.msi /L*V custom.log /QN /NoRestart
check_status 0 "exec with /L*V custom.log: exit 0"
check_equal "$(last_run 5,6)" "[/l*v] [$sec/custom.log]" "exec: /L*V names the log, made absolute"
guid="{12345678-ABCD-EF01-2345-6789ABCDEF01}"
run_exec exec /x "$guid" /qn
check_equal "$status $(last_run 1,2)" "0 [/x] [$guid]" "exec /x of a product code"
# /i of a product code reconfigures the installed product.
run_exec exec /i "$guid" ADDLOCAL=Extras /qn
check_equal "$status $(last_run 1,2,7)" "0 [/i] [$guid] [ADDLOCAL=Extras]" "exec /i {ProductCode} PROP=...: a product code target"
check_rejected $((1639 & 255)) "invalid product code" "exec /i of a malformed product code: 1639" exec /i '{1234}'
run_exec exec /update fix.msp
check_equal "$status $(last_run 1,2)" "0 [/update] [$sec/fix.msp]" "exec /update"
run_exec exec /p fix.msp
check_equal "$status $(last_run 1,2)" "0 [/update] [$sec/fix.msp]" "exec /p"
run_exec exec /fomus app.msi
check_equal "$status $(last_run 1,2)" "0 [/fomus] [$sec/app.msi]" "exec /fomus"
run_exec exec /f app.msi
check_equal "$status $(last_run 1,2)" "0 [/fomus] [$sec/app.msi]" "exec /f repairs with /fomus"
# Exit codes: 1603 (seen as 67 on POSIX) and 3010 (194); 1618 is waited out.
echo "1603" >"$FAKE_INSTALLER_CODES"
run_exec exec /i app.msi
check_status $((1603 & 255)) "exec: a failed install exits 1603 (seen as 67)"
check_match "$out" '^job [0-9]+: failed \(exit 1603\): installer failed with exit code 1603' "exec: the line shows 1603"
echo "3010" >"$FAKE_INSTALLER_CODES"
run_exec --json exec /i app.msi
check_status $((3010 & 255)) "exec: 3010 (seen as 194)"
check_equal "$(jq_of "$out" '.[0] | [.state, .exit_code, .reboot_required] | map(tostring) | join(" ")')" "succeeded 3010 true" \
  "exec --json: the job with its full exit code"
echo "1618 0" >"$FAKE_INSTALLER_CODES"
stop_dispatcher
start_dispatcher --retry-base 100ms --retry-max 200ms
run_exec exec /i app.msi
check_status 0 "exec: 1618 is retried and never returned"
check_match "$out" '^job [0-9]+: succeeded \(exit 0\)$' "exec: after 1618, the success line"
# After the retry budget, 1618 itself, so the fleet tool's retry takes over
# (wait would say 1603).
echo "1618 1618 1618 1618 1618 1618 1618 1618 1618 1618 1618" >"$FAKE_INSTALLER_CODES"
run_exec exec /i app.msi
check_status $((1618 & 255)) "exec: after the retry budget spent on 1618, exit 1618 (seen as 82)"
check_match "$out" '^job [0-9]+: failed \(exit 1618\)' "exec: the job failed with 1618"
job=$(msiq --json list | jq -r 'last | .id')
run wait "$job"
check_status $((1603 & 255)) "wait on that job: 1603, never 1618"
stop_dispatcher
# Unbalanced quotes: the shell cannot hand over a lone quote inside a word
# as msiexec would see it, but a word with a quote is doubled and read back;
# on POSIX an argument with a control character is refused as a bad line.
check_rejected $((1639 & 255)) "control character" "exec with a newline in an argument: 1639" exec /i app.msi $'X=a\nb'
# A database problem is not a bad command line: 1603, not msiq's 4.
mkdir -p "$sec/not-a-database"
MSIQ_DB="$sec/not-a-database" run_exec exec /i app.msi
check_equal "$status" $((1603 & 255)) "exec on a queue it cannot open: 1603 (seen as 67), not 4 ($err)"

# ---------------------------------------------------------------------------
# 3. Repair modes and user-interface switches in any case and order.
new_section switches
start_dispatcher
run_exec exec /FOMUS app.msi
check_equal "$status $(tail -n 1 "$FAKE_INSTALLER_LOG")" "0 [/fomus] [$sec/app.msi] [/qn] [/norestart] [/l*v] [$sec/logs/job-1.log]" \
  "exec /FOMUS: msiexec's default mode, no REINSTALLMODE"
run_exec exec /fmous app.msi
check_equal "$status $(last_run 1,2,7)" "0 [/fmous] [$sec/app.msi] [REINSTALLMODE=mous]" "exec /fmous: the letters in their order"
run_exec exec /FVOMUS app.msi /qn
check_equal "$status $(last_run 1,2,7)" "0 [/fvomus] [$sec/app.msi] [REINSTALLMODE=vomus]" "exec /FVOMUS: lowercased, as REINSTALLMODE"
check_equal "$(job_field 3 '.properties | to_entries | map(.key + "=" + .value) | join(" ")')" "REINSTALLMODE=vomus" \
  "exec /fvomus: the job stores its mode as REINSTALLMODE"
run_exec exec /fa app.msi REINSTALLMODE=emus
check_equal "$status $(last_run 1,7)" "0 [/femus] [REINSTALLMODE=emus]" "exec /fa with REINSTALLMODE=emus: the property wins"
check_equal "$err" "" "exec /fomus: nothing on stderr"
for switch in /qb '/qb!' /qb- /QB+ '/qb!-' /passive /qr /qf -Passive; do
  run_exec exec /i app.msi "$switch"
  check_status 0 "exec $switch: exit 0 ($err)"
  check_equal "$err" "msiq: warning: exec: $switch shows a user interface in msiexec; a queue has no desktop, so msiq runs the job silently (as /qn)" \
    "exec $switch: one line on stderr says the job runs silently"
  check_equal "$(last_run 3)" "[/qn]" "exec $switch: the installer ran with /qn"
done
for switch in /q /qn /QN /qn- /qn+ '/qn!' /quiet; do
  run_exec exec /i app.msi "$switch"
  check_equal "$status|$err" "0|" "exec $switch: exit 0, nothing on stderr"
done
stop_dispatcher

# ---------------------------------------------------------------------------
# 4. No dispatcher running: exec runs its own job; wait says so at once.
new_section alone
run_exec exec /i app.msi /qn X=1
check_status 0 "exec without a dispatcher: exit 0 ($err)"
check_match "$out" '^job 1: succeeded \(exit 0\)$' "exec without a dispatcher: the job line on stdout"
check_match "$err" "msiq: warning: exec: no dispatcher is running; exec runs job 1 itself" "exec without a dispatcher: says it runs the job itself"
check_match "$err" "job 1 has finished: done" "exec without a dispatcher: its dispatcher stops after the job"
check_equal "$(last_run 1,2,7)" "[/i] [$sec/app.msi] [X=1]" "exec without a dispatcher: the installer ran the job"
# Through the same engine: exit codes and retries as with `msiq run`.
echo "1603" >"$FAKE_INSTALLER_CODES"
run_exec exec /i app.msi
check_status $((1603 & 255)) "exec without a dispatcher: a failed install exits 1603"
# A job ahead of it in the queue runs first, as it would with a dispatcher.
: >"$FAKE_INSTALLER_CODES"
run enqueue --priority 5 "$sec/fix.msp" --action patch
ahead=$out
run_exec exec /i app.msi
check_status 0 "exec without a dispatcher, a job ahead: exit 0"
check_equal "$(job_field "$ahead" .state)" succeeded "exec without a dispatcher: the job ahead ran too"
check_equal "$(tail -n 2 "$FAKE_INSTALLER_LOG" | cut -d' ' -f1 | tr '\n' ' ')" "[/update] [/i] " "exec without a dispatcher: in the queue's order"
# Nothing left running: no lock held, status says no dispatcher runs.
check_equal "$(msiq --json status | jq -r .dispatcher_running)" false "exec without a dispatcher: its dispatcher is gone"
# wait (and enqueue --wait) say at once that no dispatcher runs, and wait.
run enqueue app.msi
queued=$out
run_exec wait --timeout 1s "$queued"
check_status $((1460 & 255)) "wait without a dispatcher: still waits (until its timeout)"
check_match "$err" "^msiq: warning: no dispatcher is running: the jobs run once .msiq run. or the service starts; waiting" \
  "wait without a dispatcher: says so on stderr"
run_exec enqueue --wait --wait-timeout 1s app.msi
check_match "$err" "no dispatcher is running" "enqueue --wait without a dispatcher: says so on stderr"
check_equal "$(job_field "$queued" .state)" queued "wait without a dispatcher: the job stays queued"
# Where it cannot run the job itself (here: no installer to start), exec
# says why and waits for a dispatcher.
out=$(MSIQ_INSTALLER='' timeout 2 ${MSIQ_RUNNER:-} "$MSIQ_BIN" exec /i app.msi 2>"$sec/exec.err")
status=$?
check_equal "$status" 124 "exec that cannot run its job: waits for a dispatcher"
check_match "$(head -n 1 "$sec/exec.err")" "^msiq: warning: exec: no dispatcher is running, and exec cannot run job [0-9]+ itself \(.*\); waiting for a dispatcher" \
  "exec that cannot run its job: says why on stderr"

# ---------------------------------------------------------------------------
# 5. /update a.msp;b.msp applies both, in order, in one transaction.
new_section patches
make_patch_package "$sec/fix2.msp" "{6B4F1D2F-8C3E-4F7B-AD9C-2E3F40516273}" "" "Second Fix" || exit 1
cp "$sec/fix.msp" "$sec/fix-copy.msp"
start_dispatcher
run_exec --json exec /update "fix.msp;fix2.msp" /qn P=1
check_status 0 "exec /update a;b: exit 0 ($err)"
check_equal "$(tail -n 1 "$FAKE_INSTALLER_LOG" | cut -d" " -f1,2,7- | tr '\n' '|')" \
  "[/update] [$sec/fix.msp;$sec/fix2.msp] [P=1]|" "exec /update a;b: one installer run applying both, in order, with the properties (and no PATCH property)"
check_equal "$(jq_of "$out" 'map(.action + " " + .properties.PATCH + " " + (.package.more_patches | map(.path + " " + .patch_code + " " + .name) | join(","))) | join("|")')" \
  "patch $sec/fix2.msp $sec/fix2.msp {6B4F1D2F-8C3E-4F7B-AD9C-2E3F40516273} Second Fix" \
  "exec /update a;b: one job, the second patch in its PATCH property and read like the first"
echo "1603" >"$FAKE_INSTALLER_CODES"
run_exec exec /update "fix.msp;fix2.msp"
check_status $((1603 & 255)) "exec /update a;b that fails: 1603"
: >"$FAKE_INSTALLER_CODES"
check_rejected $((1619 & 255)) "fix3.msp' does not exist" "exec /update a;missing: 1619, nothing enqueued" exec /update "fix.msp;fix3.msp"
check_rejected $((1639 & 255)) "an empty patch name" "exec /update a;: 1639" exec /update "fix.msp;"
check_rejected $((1639 & 255)) "fix.msp' is named twice in one job" "exec /update a;a: 1639" exec /update "fix.msp;fix.msp"
check_rejected 2 "'$sec/app.msi' is not a Windows Installer patch \\(\\.msp\\): " \
  "enqueue --patch of a product (not a patch): exit 2, nothing enqueued" enqueue --patch app.msi fix.msp
check_rejected $((1639 & 255)) "are the same patch \\{5A3F0C1E-7B2D-4E6A-9C8B-1D2E3F405162\\}" "exec /update a;copy of a: 1639" exec /update "fix.msp;fix-copy.msp"
stop_dispatcher

# ---------------------------------------------------------------------------
# 6. Called from inside an installation: 1618 at once, nothing enqueued.
new_section inside
run enqueue app.msi
before=$(queue_snapshot)
out=$(MSIQ_SIM_INSIDE_INSTALLATION="msiexec.exe, process 4242" timeout 10 ${MSIQ_RUNNER:-} "$MSIQ_BIN" exec /i app.msi /qn 2>"$sec/exec.err")
status=$?
err=$(cat "$sec/exec.err")
check_status $((1618 & 255)) "exec inside an installation: 1618 at once (seen as 82)"
check_equal "$err" "msiq: exec: called from inside an installation (msiexec.exe, process 4242 is an ancestor): nothing is enqueued; 1618, as msiexec would answer" \
  "exec inside an installation: one line says why"
check_equal "$(queue_snapshot)" "$before" "exec inside an installation: the queue is unchanged"
check_equal "$(installer_runs)" 0 "exec inside an installation: no installer started"
cd "$work_dir" || exit 1

# ---------------------------------------------------------------------------
# 7. Log switches as msiexec has them: /l with its letters in any case and
# order, stored canonically with the job, passed on to the installer; +
# appends to an existing log, anything else replaces it; a letter outside
# msiexec's is refused with 1639 and nothing changes.
new_section logmodes
export FAKE_INSTALLER_WRITE_LOG=1
start_dispatcher
printf 'old content\n' >"$sec/keep.log"
run_exec exec /i app.msi /L*VX+ keep.log
check_status 0 "exec /L*VX+ keep.log: exit 0 ($err)"
check_equal "$(last_run 5,6)" "[/l*vx+] [$sec/keep.log]" "exec /L*VX+: the installer gets /l*vx+ and the log"
check_equal "$(head -n 1 "$sec/keep.log")" "old content" "exec /l*vx+: the old log is kept (+ appends)"
check_match "$(cat "$sec/keep.log")" "MSI \(s\) fake log" "exec /l*vx+: the new log follows the old"
check_equal "$(job_field 1 .log_mode)" "*vx+" "exec /L*VX+: --json shows the mode, canonical"
check_match "$(msiq show 1)" "log mode: +/l\*vx\+" "exec /L*VX+: show prints the mode"
printf 'old content\n' >"$sec/replace.log"
run_exec exec /i app.msi /l*v replace.log
check_status 0 "exec /l*v replace.log: exit 0 ($err)"
check_equal "$(last_run 5,6)" "[/l*v] [$sec/replace.log]" "exec /l*v: the installer gets /l*v"
check_equal "$(grep -c 'old content' "$sec/replace.log")" "0" "exec /l*v: the old log is replaced"
check_equal "$(job_field 2 .log_mode)" "*v" "exec /l*v: the mode is stored"
run_exec exec /i app.msi
check_equal "$(job_field 3 .log_mode) $(last_run 5)" "null [/l*v]" "exec without /l: no mode stored (null), the installer gets /l*v"
check_equal "$(msiq show 3 | grep -c '^log mode:')" "0" "exec without /l: show prints no mode"
run_exec exec /i app.msi /log all.log
check_equal "$status $(last_run 5,6)" "0 [/l*] [$sec/all.log]" "exec /log FILE is msiexec's /l*"
run_exec exec /i app.msi '/lvoicewarmup!' flush.log
check_equal "$status $(last_run 5)" "0 [/l*v!]" "exec /lvoicewarmup!: every kind, verbose, flushed: /l*v!"
run_exec exec /i app.msi '/l+' bare.log
check_equal "$status $(last_run 5)" "0 [/liwearmo+]" "exec /l+: Windows Installer's default kinds, iwearmo, appended"
runs=$(installer_runs)
check_rejected $((1639 & 255)) "/l\*vq: log mode letter 'q' is not one of msiexec's /l letters" "exec /l*vq names the bad letter: 1639" exec /i app.msi '/l*vq' bad.log
check_rejected $((1639 & 255)) "/lang: log mode letter 'n' is not one of" "exec /lang: 1639" exec /i app.msi /lang bad.log
check_rejected $((1639 & 255)) "/L\*V\+ needs a log file" "exec /L*V+ without a file" exec /i app.msi '/L*V+'
check_equal "$(installer_runs)" "$runs" "exec: a refused log switch starts no installer"
check_equal "$(printf '%s' "$err" | wc -l | tr -d ' ')" "0" "exec: the refusal is one line"
# enqueue --log-mode: the same letters, the same refusal.
printf 'old content\n' >"$sec/enq.log"
run enqueue --log "$sec/enq.log" --log-mode 'V*+' --wait app.msi
check_status 0 "enqueue --log-mode 'V*+' --wait: exit 0 ($err)"
check_equal "$(last_run 5,6)" "[/l*v+] [$sec/enq.log]" "enqueue --log-mode: the installer gets /l*v+"
check_equal "$(head -n 1 "$sec/enq.log")" "old content" "enqueue --log-mode '*v+': the old log is kept"
check_rejected 2 "--log-mode: log mode letter 'z' is not one of msiexec's /l letters" "enqueue --log-mode with a bad letter" enqueue --log-mode '*vz' app.msi
stop_dispatcher
unset FAKE_INSTALLER_WRITE_LOG
# The worker's way: the mode travels in the request's log line, and the
# stand-in worker replaces the log unless the mode has +.
export FAKE_INSTALLER_PROTOCOL="$sec/script"
export FAKE_INSTALLER_REQUEST_LOG="$sec/requests"
printf 'log new line\n' >"$sec/script"
start_dispatcher
printf 'old content\n' >"$sec/worker-keep.log"
run_exec exec /i app.msi '/l*v+' worker-keep.log
check_status 0 "exec /l*v+ through the worker: exit 0 ($err)"
check_equal "$(grep '^log' "$sec/requests" | tail -n 1)" "$(printf 'log\t%s\t*v+' "$sec/worker-keep.log")" \
  "exec /l*v+: the worker's request names the log and its mode"
check_equal "$(tr '\n' '|' <"$sec/worker-keep.log")" "old content|new line|" "exec /l*v+ through the worker: appended"
printf 'old content\n' >"$sec/worker-replace.log"
run_exec exec /i app.msi '/l*v' worker-replace.log
check_equal "$status $(tr '\n' '|' <"$sec/worker-replace.log")" "0 new line|" "exec /l*v through the worker: replaced"
stop_dispatcher
unset FAKE_INSTALLER_PROTOCOL FAKE_INSTALLER_REQUEST_LOG
cd "$work_dir" || exit 1

finish
