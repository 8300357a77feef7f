#!/usr/bin/env bash
# demo.sh: the README's main job. Builds msiq.exe for Windows, then, on a
# fresh Wine prefix with Wine's real msiexec: makes sample .msi packages,
# enqueues several installs while a simulated concurrent installation holds
# the Global\_MSIExecute mutex for a few seconds, dispatches them, and prints
# the final queue and what got installed.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

bash cmake/install-debian-packages.sh windows
echo "== Building msiq.exe (first run also builds SQLite, libuv and cmocka for Windows)"
cmake --preset windows >/dev/null
cmake --build --preset windows --target msiq hold_mutex >/dev/null

demo=$root/build/demo
rm -rf "$demo"
mkdir -p "$demo/packages"
export WINEDEBUG=-all
export WINEPREFIX=$demo/wine
msiq_exe=$root/build/windows/src/msiq.exe
hold_mutex_exe=$root/build/windows/tests/hold_mutex.exe

win_path() { printf 'Z:%s' "${1//\//\\}"; }
# msiq.exe prints Windows line ends; drop the CRs for this terminal.
msiq() { wine "$msiq_exe" "$@" | tr -d '\r'; }
step() { printf '\n== %s\n' "$*"; }

step "Preparing a fresh Wine prefix"
wineboot --init >/dev/null 2>&1
wineserver -w
wineserver -p
trap 'wineserver -k 2>/dev/null || true' EXIT
export MSIQ_DB
MSIQ_DB=$(win_path "$demo/queue.db")

step "Building sample packages with wixl"
n=0
for name in SevenZip NotepadPlusPlus VideoLan ReaderUpdate; do
  n=$((n + 1))
  echo "$name payload" >"$demo/payload-$name.txt"
  (cd "$demo" && wixl -D "ProductName=$name" -D ProductVersion=1.0.0 \
    -D "UpgradeCode=$(printf '5A1E0000-0000-4000-8000-%012d' "$n")" \
    -D "PayloadFile=payload-$name.txt" \
    -o "packages/$name.msi" "$root/tests/packages/sample.wxs") >/dev/null 2>&1
  echo "packages/$name.msi"
done

step "Enqueueing jobs"
seven=$(msiq enqueue --priority 10 --key 7zip "$(win_path "$demo/packages/SevenZip.msi")" ALLUSERS=1)
npp=$(msiq enqueue --priority 5 "$(win_path "$demo/packages/NotepadPlusPlus.msi")" "NOTE=installed by msiq")
vlc=$(msiq enqueue "$(win_path "$demo/packages/VideoLan.msi")")
reader=$(msiq enqueue --after "$vlc" "$(win_path "$demo/packages/ReaderUpdate.msi")")
again=$(msiq enqueue --key 7zip "$(win_path "$demo/packages/SevenZip.msi")" 2>/dev/null)
echo "7-Zip $seven, Notepad++ $npp, VLC $vlc, Reader $reader (after $vlc); 7-Zip again with its key: $again (nothing added)"
msiq list

step "A concurrent installation holds Global\\_MSIExecute for 4 seconds"
wine "$hold_mutex_exe" 4000 "$(win_path "$demo/held")" &
holder=$!
for _ in $(seq 1 100); do [ -e "$demo/held" ] && break; sleep 0.1; done
msiq status

step "Dispatching (drain mode: exits when the queue is done)"
msiq run --drain --poll 1s
wait "$holder" 2>/dev/null || true

step "Final queue"
msiq list
step "Job $seven in detail"
msiq show "$seven"
step "Installed by Wine's msiexec under C:\\Program Files (x86)"
( cd "$WINEPREFIX/drive_c/Program Files (x86)" && for d in SevenZip NotepadPlusPlus VideoLan ReaderUpdate; do
    printf '%-16s %s\n' "$d" "$(cat "$d/payload.txt" 2>/dev/null || echo '(missing)')"
  done )
