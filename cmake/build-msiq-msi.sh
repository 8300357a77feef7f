#!/usr/bin/env bash
# build-msiq-msi.sh: builds msiq's own package, msiq-VERSION-x64.msi, from
# cmake/msiq.wxs.in (configured by cmake/msiq_msi.cmake) and the built
# msiq.exe. wixl (msitools) compiles the WiX source; msibuild then adds what
# wixl 0.101 cannot write:
#   - the Environment table (wixl refuses <Environment>), which puts the
#     install folder on the system PATH and takes it off again at uninstall,
#     with the standard actions that write and remove it;
#   - the custom actions with exact types: wixl ignores Execute="rollback"
#     and places After/Before actions unreliably, so each row is written
#     here with its type and sequence number.
# usage: build-msiq-msi.sh WXS MSIQ_EXE OUTPUT_MSI
set -euo pipefail

wxs=$1
msiq_exe=$2
output=$3

# Custom action types (Windows Installer's CustomAction table): 18 runs an
# installed file (Source is its File key), 34 a program in a folder (Source
# is a Directory key); 0x400 runs it deferred, in the script, 0x100 with
# 0x400 only on rollback; 0x800 as LocalSystem (no impersonation); 0x40
# ignores its exit code.
run_file_deferred=$((18 | 0x400 | 0x800))
run_file_deferred_ignore=$((run_file_deferred | 0x40))
run_file_rollback=$((18 | 0x400 | 0x100 | 0x800 | 0x40))
run_folder_deferred_ignore=$((34 | 0x400 | 0x800 | 0x40))

# shellcheck disable=SC2016 # the backquotes are msibuild's SQL, not the shell's
queries=(
  'CREATE TABLE `Environment` (`Environment` CHAR(72) NOT NULL, `Name` CHAR(255) NOT NULL LOCALIZABLE, `Value` CHAR(255) LOCALIZABLE, `Component_` CHAR(72) NOT NULL PRIMARY KEY `Environment`)'
  # "=" sets the variable, "-" removes it at uninstall, "*" makes it a
  # system variable; "[~];" before the value appends it to what is there.
  "INSERT INTO \`Environment\` (\`Environment\`, \`Name\`, \`Value\`, \`Component_\`) VALUES ('MsiqPath', '=-*PATH', '[~];[INSTALLDIR]', 'MsiqExe')"
)

# custom_action NAME TYPE SOURCE TARGET SEQUENCE CONDITION
custom_action() {
  queries+=("INSERT INTO \`CustomAction\` (\`Action\`, \`Type\`, \`Source\`, \`Target\`) VALUES ('$1', $2, '$3', '$4')")
  queries+=("INSERT INTO \`InstallExecuteSequence\` (\`Action\`, \`Condition\`, \`Sequence\`) VALUES ('$1', '$6', $5)")
}

# standard_action NAME SEQUENCE
standard_action() {
  queries+=("INSERT INTO \`InstallExecuteSequence\` (\`Action\`, \`Sequence\`) VALUES ('$1', $2)")
}

# Uninstall (also the old product's during a major upgrade), while
# msiq.exe is still there (RemoveFiles is 3500): stop the service (a
# running installation finishes first, like `net stop`), remove it, and
# only when asked remove the data folder (queue, logs, service log). An
# upgrade never removes the queue. The service commands' exit codes are
# ignored so that msiq can be removed even when someone deleted the service
# by hand; tests/wine/wine_msi_package.sh checks that it is gone.
custom_action MsiqServiceStop "$run_file_deferred_ignore" MsiqExeFile \
  'service stop' 1700 'REMOVE~="ALL"'
custom_action MsiqServiceUninstall "$run_file_deferred_ignore" MsiqExeFile \
  'service uninstall' 1710 'REMOVE~="ALL"'
custom_action MsiqRemoveQueue "$run_folder_deferred_ignore" System64Folder \
  '"[System64Folder]cmd.exe" /d /c rmdir /s /q "[CommonAppDataFolder]msiq"' 1720 \
  'REMOVE~="ALL" AND MSIQ_REMOVE_QUEUE="1" AND NOT UPGRADINGPRODUCTCODE'
standard_action RemoveEnvironmentStrings 3300
standard_action WriteEnvironmentStrings 5200
# First install, once msiq.exe is in place: register the service (which
# creates the data folder and the queue, admin-only) and start it. A
# failure fails the installation; the rollback actions, run in reverse
# order, stop and remove the service again.
custom_action MsiqServiceInstallRollback "$run_file_rollback" MsiqExeFile \
  'service uninstall' 5900 'NOT Installed'
custom_action MsiqServiceInstall "$run_file_deferred" MsiqExeFile \
  'service install' 5910 'NOT Installed'
custom_action MsiqServiceStartRollback "$run_file_rollback" MsiqExeFile \
  'service stop' 5920 'NOT Installed'
custom_action MsiqServiceStart "$run_file_deferred" MsiqExeFile \
  'service start' 5930 'NOT Installed'

# wixl finds File/@Source only relative to the folder it runs in: stage
# msiq.exe in a folder of its own and compile there.
stage=$(mktemp -d "$(dirname "$output")/msiq-msi.XXXXXX")
trap 'rm -rf "$stage"' EXIT
cp "$msiq_exe" "$stage/msiq.exe"
cp "$wxs" "$stage/msiq.wxs"
(cd "$stage" && wixl -a x64 -D MsiqExe=msiq.exe -o msiq.msi msiq.wxs)
# MSIQ_REMOVE_QUEUE comes from the command line of an uninstall; Windows
# Installer passes such a property on to the elevated part of the
# installation only when it is listed in SecureCustomProperties (wixl
# lists its upgrade properties there).
secure=$(msiinfo export "$stage/msiq.msi" Property | tr -d '\r' |
  sed -n 's/^SecureCustomProperties\t//p')
if [ -n "$secure" ]; then
  queries+=("UPDATE \`Property\` SET \`Value\` = '$secure;MSIQ_REMOVE_QUEUE' WHERE \`Property\` = 'SecureCustomProperties'")
else
  queries+=("INSERT INTO \`Property\` (\`Property\`, \`Value\`) VALUES ('SecureCustomProperties', 'MSIQ_REMOVE_QUEUE')")
fi
msibuild_arguments=()
for query in "${queries[@]}"; do
  msibuild_arguments+=(-q "$query")
done
msibuild "$stage/msiq.msi" "${msibuild_arguments[@]}"
mv "$stage/msiq.msi" "$output"
