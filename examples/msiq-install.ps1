<#
.SYNOPSIS
    Installs, patches, repairs or removes an MSI through the msiq queue and
    exits with a code Intune and Configuration Manager understand.

.DESCRIPTION
    msiq-install.ps1 is the install command of an Intune Win32 app or a
    Configuration Manager deployment type. Instead of starting msiexec itself
    (and failing with 1618 when another installation is running), it hands
    the job to msiq (`msiq.exe enqueue --wait`), which starts msiexec when
    Windows Installer is free, retries 1618 by itself, and reports the
    outcome. The script waits for the job and exits with msiexec's code.

    The job gets an idempotency key (-Key, by default "ACTION:PACKAGE-NAME"),
    so when the agent runs the script again (a retry, a re-evaluation) while
    the job is still queued or running, the script waits for that same job
    instead of adding a second one.

    Needs msiq.exe installed (by default C:\Program Files\msiq\msiq.exe) and
    its dispatcher running: `msiq.exe service install; msiq.exe service start`
    once per machine, or the scheduled task in msiq-drain-task.xml. Run as
    SYSTEM or an administrator (the queue admits only those).

.PARAMETER Package
    The .msi package, the .msp patch, or for -Action Uninstall or Repair a
    product code {XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX}. A relative path is
    taken from the script's working directory (the app's content folder).

.PARAMETER Action
    Install (default), Patch, Uninstall or Repair.

.PARAMETER Properties
    MSI properties as NAME=VALUE, passed to msiexec in this order: the
    script's remaining arguments, as on an msiexec command line
    (powershell.exe -File cannot pass an array to one parameter):
      ... -Package .\app.msi ALLUSERS=1 "INSTALLDIR=C:\Program Files\App"
    "{PackageDir}" in a value becomes the folder of the queued package (the
    staged copy with -Stage), so a transform shipped beside the package is
    found: 'TRANSFORMS={PackageDir}\custom.mst'. msiexec runs from the
    dispatcher's directory, so never give it a relative path.
    (Windows PowerShell 5.1 mangles double quotes inside native arguments:
    keep them out of values, or use PowerShell 7.3 or later.)

.PARAMETER Key
    The idempotency key. Default: "<action>:<package file name>", for
    example "install:7z2408-x64.msi".

.PARAMETER Priority
    The job's priority in the queue (higher runs first). Default 0.

.PARAMETER LogPath
    msiexec's verbose log. Default: msiq's, %ProgramData%\msiq\logs\job-<id>.log.

.PARAMETER WaitTimeout
    How long to wait for the job, as an msiq duration (50m, 1h30m). Keep it
    below the agent's own limit (Intune: 60 minutes by default; ConfigMgr:
    the deployment type's maximum run time). When it passes, the job stays in
    the queue and the script exits 1618, the code both agents retry later;
    the retry finds the same job by its key and waits again. Default 50m.

.PARAMETER Stage
    Copy the package's folder (with its .cab, .mst and other files) to
    %ProgramData%\msiq-staging\<key> (readable and writable by SYSTEM and
    Administrators only) and queue the copy. Use it with Intune and
    ConfigMgr: they may delete their content folder (IMECache, ccmcache)
    once the install command has ended, while a job that waited past
    -WaitTimeout still needs its package. The copy is removed once the job
    has finished.

.PARAMETER MsiqPath
    msiq.exe. Default: C:\Program Files\msiq\msiq.exe (the 64-bit Program
    Files folder, also when the script runs in 32-bit PowerShell).

.EXAMPLE
    Intune (Win32 app; the .intunewin holds the script and the package folder)

    Install command:
      %SystemRoot%\sysnative\WindowsPowerShell\v1.0\powershell.exe -NoProfile -ExecutionPolicy Bypass -File .\msiq-install.ps1 -Package .\7z2408-x64.msi -Stage "INSTALLDIR=C:\Program Files\7-Zip"
    Uninstall command:
      %SystemRoot%\sysnative\WindowsPowerShell\v1.0\powershell.exe -NoProfile -ExecutionPolicy Bypass -File .\msiq-install.ps1 -Action Uninstall -Package {23170F69-40C1-2702-2408-000001000000}
    (sysnative: the Intune Management Extension is a 32-bit process, and
    32-bit PowerShell would see the 32-bit Program Files folder.)
    Install behavior: System. Detection rule: the MSI product code.

    Return codes (Intune's defaults already say this; keep them):
      0     Success
      1707  Success
      3010  Soft reboot
      1641  Hard reboot
      1618  Retry        (only when -WaitTimeout passed: the job is still
                          queued; Intune retries and re-attaches to it)
    Every other code is a failure and is the installer's own code
    (1603, 1602, 1605, 1619, 1638, ...) or one of the script's (below).

.EXAMPLE
    Configuration Manager (application, Script Installer deployment type)

    Installation program:
      powershell.exe -NoProfile -ExecutionPolicy Bypass -File .\msiq-install.ps1 -Package .\AcroRead.msi -Stage -WaitTimeout 100m EULA_ACCEPT=YES "TRANSFORMS={PackageDir}\AcroRead.mst"
    Uninstall program:
      powershell.exe -NoProfile -ExecutionPolicy Bypass -File .\msiq-install.ps1 -Action Uninstall -Package {AC76BA86-7AD7-1033-7B44-AC0F074E4100}
    Maximum allowed run time: 120 minutes (above -WaitTimeout).
    Return codes: the defaults (0 Success, 1707 Success, 3010 Soft reboot,
    1641 Hard reboot, 1618 Fast retry) are right; everything else fails.

.NOTES
    Exit codes of this script:
      0, 3010, 1641   the job succeeded (3010: a reboot is needed; 1641: the
                      installer started one; msiq pauses its queue until the
                      machine has rebooted)
      1618            -WaitTimeout passed; the job is still in the queue.
                      (msiexec's own 1618 never comes back: msiq retries it.)
      other           the job failed: msiexec's code, 1603 when it had none
                      (timed out, dependency failed), 1602 when cancelled
      1639            msiq refused the request (bad package, property or
                      option; msiq's message is printed)
      2               msiq.exe was not found
      1603            msiq itself failed (database locked or damaged: see
                      `msiq.exe doctor`)
    Output: one line, for example
      msiq-install: job 12 install C:\...\7z2408-x64.msi: succeeded (exit 3010), reboot required
#>
# No positional binding: every word that is not a -Parameter is a property.
[CmdletBinding(PositionalBinding = $false)]
param(
    [Parameter(Mandatory = $true)]
    [string] $Package,

    [ValidateSet('Install', 'Patch', 'Uninstall', 'Repair')]
    [string] $Action = 'Install',

    [Parameter(ValueFromRemainingArguments = $true)]
    [string[]] $Properties = @(),

    [string] $Key,

    [int] $Priority = 0,

    [string] $LogPath,

    [string] $WaitTimeout = '50m',

    [switch] $Stage,

    [string] $MsiqPath
)

$ErrorActionPreference = 'Stop'
$ProductCodePattern = '^\{[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}\}$'

function Write-Result([string] $Text) {
    Write-Output "msiq-install: $Text"
}

# msiq.exe: the 64-bit Program Files also from 32-bit PowerShell.
if (-not $MsiqPath) {
    $programFiles = if ($env:ProgramW6432) { $env:ProgramW6432 } else { $env:ProgramFiles }
    $MsiqPath = Join-Path $programFiles 'msiq\msiq.exe'
}
if (-not (Test-Path -LiteralPath $MsiqPath -PathType Leaf)) {
    Write-Result "msiq.exe not found at $MsiqPath; install msiq on this machine first (or pass -MsiqPath)"
    exit 2
}

$isProductCode = $Package -match $ProductCodePattern
if ($isProductCode -and $Action -in @('Install', 'Patch')) {
    Write-Result "$Action needs a package file, not the product code $Package"
    exit 1639
}

# The target msiq queues: an absolute path (the dispatcher runs the job
# later, from another directory), or the product code as given.
$target = $Package
if (-not $isProductCode) {
    if (-not (Test-Path -LiteralPath $Package -PathType Leaf)) {
        Write-Result "package $Package not found (working directory $((Get-Location).Path))"
        exit 1639
    }
    $target = (Resolve-Path -LiteralPath $Package).ProviderPath
}

if (-not $Key) {
    $Key = '{0}:{1}' -f $Action.ToLowerInvariant(), (Split-Path -Leaf $target)
}

$stageDir = $null
if ($Stage -and -not $isProductCode) {
    # One folder per key: a retry of the same job reuses it.
    $safeKey = $Key -replace '[^A-Za-z0-9._-]', '_'
    $stageRoot = Join-Path $env:ProgramData 'msiq-staging'
    if (-not (Test-Path -LiteralPath $stageRoot)) {
        New-Item -ItemType Directory -Path $stageRoot | Out-Null
        # SYSTEM and Administrators only, like msiq's own data folder: what
        # is queued here gets installed as SYSTEM.
        & icacls.exe $stageRoot /inheritance:r /grant:r '*S-1-5-18:(OI)(CI)F' '*S-1-5-32-544:(OI)(CI)F' | Out-Null
        if ($LASTEXITCODE -ne 0) {
            Write-Result "cannot restrict access to $stageRoot (icacls exit $LASTEXITCODE)"
            exit 1603
        }
    }
    $stageDir = Join-Path $stageRoot $safeKey
    if (-not (Test-Path -LiteralPath $stageDir)) {
        $sourceDir = Split-Path -Parent $target
        $copying = "$stageDir.partial"
        if (Test-Path -LiteralPath $copying) {
            Remove-Item -LiteralPath $copying -Recurse -Force
        }
        Copy-Item -LiteralPath $sourceDir -Destination $copying -Recurse
        Rename-Item -LiteralPath $copying -NewName (Split-Path -Leaf $stageDir)
    }
    $target = Join-Path $stageDir (Split-Path -Leaf $target)
}

# {PackageDir} in a property value is the folder of the queued package (the
# staged copy with -Stage), for transforms and other files shipped with it.
if (-not $isProductCode) {
    $packageDir = Split-Path -Parent $target
    $Properties = @($Properties | ForEach-Object { $_.Replace('{PackageDir}', $packageDir) })
}

$arguments = @('--json', 'enqueue', '--action', $Action.ToLowerInvariant(),
    '--key', $Key, '--priority', "$Priority",
    '--wait', '--wait-timeout', $WaitTimeout)
if ($LogPath) {
    $arguments += @('--log', $LogPath)
}
# `--` so that a property can never be read as an msiq option.
$arguments += @('--', $target)
$arguments += $Properties

# Run msiq. Its stdout is UTF-8 (JSON); its messages go to stderr as one
# line starting with "msiq: ". 2>&1 keeps them apart as ErrorRecords, and
# ErrorActionPreference Continue keeps Windows PowerShell 5.1 from turning
# the first stderr line into a terminating error.
try { [Console]::OutputEncoding = [System.Text.Encoding]::UTF8 } catch { }
$ErrorActionPreference = 'Continue'
$output = & $MsiqPath @arguments 2>&1
$code = $LASTEXITCODE
$ErrorActionPreference = 'Stop'
$json = @($output | Where-Object { $_ -isnot [System.Management.Automation.ErrorRecord] } |
    ForEach-Object { "$_" })
$message = ($output | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] } |
    ForEach-Object { "$_" } | Where-Object { $_ -notmatch '^msiq: warning: ' } |
    Select-Object -First 1)

# With --json, a finished wait prints the job as a JSON array on stdout;
# msiq's own errors print nothing there. That tells an installer's exit code
# apart from msiq's (2, 3, 4, 5).
$job = $null
if ($json.Count -gt 0) {
    try {
        $job = @(($json -join "`n") | ConvertFrom-Json)[0]
    } catch {
        $job = $null
    }
}

if ($null -ne $job) {
    $line = 'job {0} {1} {2}: {3}' -f $job.id, $job.action, $job.target, $job.state
    if ($null -ne $job.exit_code) { $line += " (exit $($job.exit_code))" }
    if ($job.reboot_required) { $line += ', reboot required' }
    if ($job.last_error) {
        $line += ': ' + ($job.last_error -split "`n")[0]
        $line += " (see: msiq.exe log --failure $($job.id))"
    }
    Write-Result $line
    if ($stageDir -and (Test-Path -LiteralPath $stageDir)) {
        Remove-Item -LiteralPath $stageDir -Recurse -Force -ErrorAction SilentlyContinue
    }
    exit $code
}

switch ($code) {
    1460 {
        Write-Result "job $Key still queued or running after $WaitTimeout; exit 1618 so the agent retries later (see: msiq.exe status)"
        exit 1618
    }
    2 {
        Write-Result "msiq refused the job: $message"
        exit 1639
    }
    default {
        Write-Result "msiq failed (exit $code): $message"
        exit 1603
    }
}
