#!/usr/bin/env bash
# cli_examples.sh: the files in examples/ are accepted by the msiq they ship
# with (examples/README.md says what is and is not tested). Natively, with
# the fake installer standing in for msiexec:
#   1. every example manifest (examples/*.json) imports into a scratch queue
#      with --no-check (its packages live on a Windows machine), no job it
#      makes has a deadline or a not-before time in the past (a manifest
#      carrying fixed dates goes stale the day after it was written), and
#      importing it again adds nothing (its keys are versioned);
#   2. the scheduled task (msiq-drain-task.xml) is UTF-16 LE with a byte
#      order mark, well-formed (xmllint), its time limit outlasts the window
#      plus the longest a job started at the window's end may run (so it can
#      never stop an installation), and its <Arguments> run as they are;
#   3. the Ansible play (ansible-msiq.yml) passes `ansible-playbook
#      --syntax-check` and `ansible-lint` (production profile), every
#      ansible.windows option it uses exists (ansible-doc), every
#      win_command has output_encoding_override and every exec and wait a
#      task timeout, and the msiq commands it runs (exec, import of its
#      batch, wait on the ids import printed, report) work;
#   4. the msiq commands the PowerShell wrapper (msiq-install.ps1) runs
#      print what it reads: status's dispatcher_running, list --state with
#      keys, enqueue --wait and wait as a JSON array of jobs, 1460 when the
#      wait times out.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$MSIQ_TESTS_DIR/cli/lib.sh"
# shellcheck source-path=SCRIPTDIR source=lib_dispatch.sh
. "$MSIQ_TESTS_DIR/cli/lib_dispatch.sh"

examples_dir="$MSIQ_TESTS_DIR/../examples"
cd "$work_dir" || exit 1

# ---------------------------------------------------------------------------
# 1. Manifests.
manifests=("$examples_dir"/*.json)
check_match "${#manifests[@]}" '^[1-9][0-9]*$' "examples: at least one manifest"
for manifest in "${manifests[@]}"; do
  name=$(basename "$manifest")
  export MSIQ_DB="$work_dir/$name.db"
  now=$(date -u +%Y-%m-%dT%H:%M:%SZ)
  run --json import --no-check "$manifest"
  check_status 0 "$name: import --no-check exits 0"
  check_equal "$err" "" "$name: import prints nothing on stderr"
  ids=$(jq_of "$out" 'map(tostring) | join(" ")')
  check_equal "$(jq_of "$out" 'length')" "$(jq length "$manifest")" \
    "$name: one job per manifest item"
  run --json list
  # ISO 8601 UTC times compare as text.
  stale=$(printf '%s' "$out" | jq -r --arg now "$now" \
    '[.[] | select((.deadline != null and .deadline < $now) or (.not_before != null and .not_before < $now)) | .key] | join(",")')
  check_equal "$stale" "" "$name: no job has a deadline or not-before time in the past"
  check_equal "$(jq_of "$out" '[.[] | select(.key == null)] | length')" "0" \
    "$name: every item has a key"
  run --json import --no-check "$manifest"
  check_status 0 "$name: a second import exits 0"
  check_equal "$(jq_of "$out" 'map(tostring) | join(" ")')" "$ids" \
    "$name: a second import prints the same ids"
  check_equal "$(msiq --json list | jq length)" "$(jq length "$manifest")" \
    "$name: a second import adds nothing"
done

# ---------------------------------------------------------------------------
# 2. The scheduled task.
task="$examples_dir/msiq-drain-task.xml"
check_equal "$(head -c 2 "$task" | od -An -tx1 | tr -d ' ')" "fffe" \
  "task: starts with the UTF-16 LE byte order mark"
check_match "$(iconv -f UTF-16 -t UTF-8 "$task" | head -n 1 | tr -d '\r')" 'encoding="UTF-16"' \
  "task: the XML declaration says UTF-16"
if xmllint --noout "$task" 2>"$work_dir/xmllint.err"; then pass; else
  fail "task: not well-formed: $(head -n 3 "$work_dir/xmllint.err")"
fi
task_value() {
  xmllint --xpath "string(//*[local-name()='$1'])" "$task" 2>/dev/null
}
task_arguments=$(task_value Arguments)
task_limit=$(task_value ExecutionTimeLimit)
check_match "$task_limit" '^PT[0-9]+H$' "task: an ExecutionTimeLimit in hours ($task_limit)"
check_match "$(task_value AllowHardTerminate)" '^true$' "task: Task Scheduler may end the run (so the limit matters)"
# The limit must outlast the window (a job may start just before it closes)
# plus that job's timeout (the run's --default-timeout), the cancel grace (10
# minutes by default, docs/engine.md) and the stop grace (30 s).
window=$(printf '%s\n' "$task_arguments" | sed -n 's/.*--window \([0-9:]*-[0-9:]*\).*/\1/p')
default_timeout=$(printf '%s\n' "$task_arguments" | sed -n 's/.*--default-timeout \([0-9]*\)h.*/\1/p')
check_match "$window" '^[0-9]{2}:[0-9]{2}-[0-9]{2}:[0-9]{2}$' "task: the run has a --window ($window)"
check_match "$default_timeout" '^[0-9]+$' "task: the run has a --default-timeout in hours"
if [ -n "$window" ] && [ -n "$default_timeout" ]; then
  open_minutes=$((10#${window:0:2} * 60 + 10#${window:3:2}))
  close_minutes=$((10#${window:6:2} * 60 + 10#${window:9:2}))
  window_minutes=$(((close_minutes - open_minutes + 1440) % 1440))
  needed_seconds=$(((window_minutes + default_timeout * 60 + 10) * 60 + 30))
  limit_seconds=$((${task_limit//[^0-9]/} * 3600))
  if [ "$limit_seconds" -gt "$needed_seconds" ]; then pass; else
    fail "task: ExecutionTimeLimit $task_limit can end a run while an installer runs (needs more than $needed_seconds s)"
  fi
fi
begin_section task
run_drain_arguments=()
read -r -a run_drain_arguments <<<"$task_arguments"
check_equal "${run_drain_arguments[0]}" run "task: the command is msiq run"
run_job=$(enqueue --not-before +1d "$(pkg later)")
check_match "$run_job" '^[0-9]+$' "task: a job for a later night"
# shellcheck disable=SC2086 # MSIQ_RUNNER may be a command with arguments
timeout 20 ${MSIQ_RUNNER:-} "$MSIQ_BIN" "${run_drain_arguments[@]}" --poll 100ms >>"$run_log" 2>&1
check_equal "$?" 0 "task: its arguments run and drain (exit 0): $(tail -n 2 "$run_log" | tr '\n' ' ')"

# ---------------------------------------------------------------------------
# 3. The Ansible play.
play="$examples_dir/ansible-msiq.yml"
if command -v ansible-playbook >/dev/null && command -v ansible-lint >/dev/null; then
  printf '[windows_workstations]\n' >"$work_dir/inventory.ini"
  if ANSIBLE_LOCAL_TEMP="$work_dir/ansible" ansible-playbook -i "$work_dir/inventory.ini" \
    --syntax-check "$play" >"$work_dir/syntax.log" 2>&1; then pass; else
    fail "play: ansible-playbook --syntax-check: $(tail -n 5 "$work_dir/syntax.log")"
  fi
  if (cd "$examples_dir" && ANSIBLE_LOCAL_TEMP="$work_dir/ansible" ansible-lint --offline \
    --profile production --nocolor ansible-msiq.yml) >"$work_dir/lint.log" 2>&1; then pass; else
    fail "play: ansible-lint --profile production: $(grep -v WARNING "$work_dir/lint.log" | tail -n 8)"
  fi
else
  fail "play: ansible-playbook or ansible-lint is missing (cmake/install-debian-packages.sh installs them)"
fi
# What ansible-lint cannot check for Windows modules (their options live in
# PowerShell), ansible-doc can: every option the play gives exists. Then the
# msiq commands of its win_command tasks, one line each: "exec ARGS",
# "import", "wait", "report ARGS".
mkdir -p "$work_dir/play-packages"
python3 - "$play" "$work_dir/play-packages" >"$work_dir/play.txt" 2>"$work_dir/play.err" <<'PYTHON'
import json, subprocess, sys, yaml
play_path, packages = sys.argv[1], sys.argv[2]
play = yaml.safe_load(open(play_path, encoding="utf-8"))[0]
variables = play["vars"]
tasks = play["tasks"] + play.get("handlers", [])
options = {}
problems = []
for task in tasks:
    for module, arguments in task.items():
        if not module.startswith("ansible.windows."):
            continue
        if module not in options:
            doc = json.loads(subprocess.run(["ansible-doc", "-j", module], check=True,
                                            capture_output=True, text=True).stdout)
            options[module] = set(doc[module]["doc"]["options"])
        for option in arguments:
            if option not in options[module]:
                problems.append(f"{task['name']}: {module} has no option {option}")
        if module != "ansible.windows.win_command":
            continue
        if arguments.get("output_encoding_override") != "utf-8":
            problems.append(f"{task['name']}: no output_encoding_override: utf-8")
        argv = arguments["argv"]
        if isinstance(argv, str):
            words = argv.split("'")
            command = words[1] if len(words) > 1 else ""
        else:
            command = [word for word in argv if not word.startswith("--") and word != argv[0]][0]
        if command in ("exec", "wait") and "timeout" not in task:
            problems.append(f"{task['name']}: {command} without a task timeout")
        if isinstance(argv, str):
            print(command)
            continue
        words = []
        for word in argv[1:]:
            word = word.replace("{{ msiq_packages_dir }}\\", packages + "/")
            words.append(word)
        print(command if command == "import" else command + " " + json.dumps(words))
batch = variables["msiq_batch"]
for item in batch:
    if not item["target"].startswith("{"):
        name = item["target"].split("\\")[-1]
        open(f"{packages}/{name}", "w").close()
        item["target"] = f"{packages}/{name}"
json.dump(batch, open(f"{packages}/batch.json", "w"))
print("wait-timeout " + variables["msiq_wait_timeout"])
for problem in problems:
    print("PROBLEM " + problem)
PYTHON
check_equal "$(cat "$work_dir/play.err")" "" "play: read by python3-yaml and ansible-doc"
check_equal "$(grep '^PROBLEM' "$work_dir/play.txt" | cut -c9-)" "" \
  "play: every option exists, every win_command decodes UTF-8, every exec and wait has a timeout"
begin_section play
cd "$work_dir/play-packages" || exit 1
make_package 7z2408-x64.msi
# The play names its packages only (python3 above left empty files):
# enqueue reads packages, so each becomes a real one.
for name in *.msi *.msp; do
  if [ -e "$name" ] && [ ! -s "$name" ]; then
    case $name in
      *.msp) make_patch_package "$name" ;;
      *) make_package "$name" ;;
    esac
  fi
done
start_dispatcher
play_wait_timeout=$(sed -n 's/^wait-timeout //p' "$work_dir/play.txt")
play_ids=()
while read -r command words; do
  case $command in
    exec | report)
      mapfile -t play_arguments < <(jq -r '.[]' <<<"$words")
      run "${play_arguments[@]}"
      check_status 0 "play: msiq ${play_arguments[*]} exits 0 ($err)"
      if [ "$command" = report ]; then
        check_equal "$(jq_of "$out" '.failures | type')" array "play: report --json has the failures the play reads"
      fi
      ;;
    import)
      run --json import - <"$work_dir/play-packages/batch.json"
      check_status 0 "play: msiq --json import - of the play's batch exits 0 ($err)"
      mapfile -t play_ids < <(jq_of "$out" '.[] | tostring')
      check_equal "${#play_ids[@]}" "$(jq length "$work_dir/play-packages/batch.json")" "play: import prints one id per item"
      ;;
    wait)
      run wait --timeout "$play_wait_timeout" "${play_ids[@]}"
      check_status 0 "play: msiq wait --timeout $play_wait_timeout on the batch's ids exits 0 ($err)"
      ;;
    *) ;;
  esac
done < <(grep -v '^PROBLEM\|^wait-timeout' "$work_dir/play.txt")
check_equal "$(grep -c . <<<"$(grep -v '^PROBLEM\|^wait-timeout' "$work_dir/play.txt")")" 5 \
  "play: five msiq commands found (exec, import, wait twice, report)"
stop_dispatcher
cd "$work_dir" || exit 1

# ---------------------------------------------------------------------------
# 4. The msiq commands of the PowerShell wrapper, as it runs them.
begin_section powershell
wrapper="$examples_dir/msiq-install.ps1"
app=$(pkg app)
# A queue with one (cancelled) job, so that status has a queue to read.
run enqueue --no-check "$sec/placeholder.msi"
run --json status
check_equal "$(jq_of "$out" '.dispatcher_running')" false "wrapper: status --json says no dispatcher runs"
check_match "$(grep -c "dispatcher_running" "$wrapper")" '^[1-9]' "wrapper: reads dispatcher_running"
run cancel "$(msiq --json list | jq -r '.[0].id')"
start_dispatcher
run --json status
check_equal "$(jq_of "$out" '.dispatcher_running')" true "wrapper: status --json says a dispatcher runs"
run --json enqueue --action install --key "install:app.msi:1.0.0" --priority 0 --wait --wait-timeout 50m -- "$app" ALLUSERS=1
check_status 0 "wrapper: enqueue --wait as the wrapper runs it exits 0 ($err)"
check_equal "$(jq_of "$out" '.[0] | [.action, .state, .exit_code, .reboot_required, .last_error, .key] | map(tostring) | join(" ")')" \
  "install succeeded 0 false null install:app.msi:1.0.0" "wrapper: enqueue --wait --json prints the job in an array"
job=$(jq_of "$out" '.[0].id')
run --json wait --timeout 50m "$job"
check_equal "$(jq_of "$out" '.[0].state')" succeeded "wrapper: wait --json prints the job in an array"
run pause
run --json enqueue --action install --key "install:app.msi:1.0.1" --priority 0 --wait --wait-timeout 1s -- "$app"
# Exit statuses reach POSIX in 8 bits: 1460 arrives as 180.
check_status $((1460 & 255)) "wrapper: a wait that times out exits 1460 (the wrapper exits 1618)"
run --json list --state queued
check_equal "$(jq_of "$out" '[.[] | select(.key == "install:app.msi:1.0.1")] | length')" 1 \
  "wrapper: list --state queued --json finds the waiting job by its key"
run --json enqueue --action install --key "install:missing.msi:1.0.0" --wait --wait-timeout 1s -- "$sec/missing.msi"
check_status 2 "wrapper: a refused enqueue exits 2 (the wrapper exits 1639)"
run resume
stop_dispatcher
for option in --json --action --key --priority --wait --wait-timeout --state --timeout; do
  check_match "$(grep -c -- "'$option'" "$wrapper")" '^[1-9]' "wrapper: runs msiq with $option as tested here"
done

finish
