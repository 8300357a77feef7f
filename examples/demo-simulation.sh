#!/usr/bin/env bash
# demo-simulation.sh: the demo on the POSIX simulation host, without Wine
# (the README's main job is demo.sh, on Windows under Wine). Builds msiq
# natively and drains a small demo queue end to end: a simulated concurrent
# install holds the installer mutex for a few seconds, one package answers
# 1618 once (another installation is running) and is retried, one needs a
# reboot, and a patch waits for the install it applies to.
set -euo pipefail
cd "$(dirname "$0")/.."

bash cmake/install-debian-packages.sh native
cmake --preset native >/dev/null
cmake --build --preset native --target msiq fake_installer sim_mutex >/dev/null

msiq=$PWD/build/native/src/msiq
demo=$PWD/build/demo
rm -rf "$demo"
mkdir -p "$demo/packages"
for package in 7zip-x64.msi notepad-plus-plus.msi reader-update.msp vlc.msi; do
  : >"$demo/packages/$package"
done

# The simulation host (docs/testing.md): the mutex is a file lock, the
# installer a scripted stand-in for msiexec.
export MSIQ_DB=$demo/queue.db
export MSIQ_INSTALLER=$PWD/build/native/tests/fake_installer
export MSIQ_SIM_MUTEX=$demo/msiexecute.lock
export MSIQ_SIM_SERVICE=$demo/msiserver.state
export MSIQ_SIM_EXIT_CODE_DIR=$demo
export FAKE_INSTALLER_LOG=$demo/msiexec-calls.log
export FAKE_INSTALLER_CODES=$demo/exit-codes
export FAKE_INSTALLER_SLEEP_MS=300
# Exit codes in start order: 7-Zip 1618 (another installation is running),
# Notepad++ 0, VLC 0, the Reader patch 3010 (reboot required), 7-Zip's
# retry 0, the uninstall 1605 (product not installed: nothing to do).
echo "1618 0 0 3010 0 1605" >"$FAKE_INSTALLER_CODES"

step() { printf '\n== %s\n' "$*"; }

step "Enqueue jobs"
seven=$("$msiq" enqueue --priority 10 --key 7zip "$demo/packages/7zip-x64.msi" ALLUSERS=1)
echo "7-Zip install:            job $seven"
npp=$("$msiq" enqueue --priority 5 "$demo/packages/notepad-plus-plus.msi" "INSTALLDIR=C:\\Program Files\\Notepad++")
echo "Notepad++ install:        job $npp"
vlc=$("$msiq" enqueue "$demo/packages/vlc.msi")
echo "VLC install:              job $vlc"
reader=$("$msiq" enqueue --action patch --after "$vlc" "$demo/packages/reader-update.msp")
echo "Reader patch (after $vlc): job $reader"
old=$("$msiq" enqueue --action uninstall '{26A24AE4-039D-4CA4-87B4-2F32180111F0}')
echo "Old Java uninstall:       job $old"
again=$("$msiq" enqueue --key 7zip "$demo/packages/7zip-x64.msi" 2>/dev/null)
echo "7-Zip again with key:     job $again (same job, nothing added)"
"$msiq" list

step "A concurrent installation holds the Windows Installer mutex for 3 s"
build/native/tests/sim_mutex hold "$MSIQ_SIM_MUTEX" --for 3000 &
sleep 0.2
"$msiq" status

step "Dispatch (drain mode: exits when the queue is done)"
"$msiq" run --drain --poll 200ms --retry-base 1s --retry-max 2s

step "Final queue"
"$msiq" list
step "History of the job that met 1618"
"$msiq" show "$seven"
step "What msiexec was asked to do"
cat "$FAKE_INSTALLER_LOG"
step "Status"
"$msiq" status
