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

    The job gets an idempotency key (-Key; by default the action, the
    package's file name and its version, "install:7z2408-x64.msi:24.08.00.0"),
    so when the agent runs the script again (a retry, a re-evaluation) while
    the job is still queued or running, the script waits for that same job
    instead of adding a second one; a new version of the package is a new
    key, so it is never answered with the old version's job.

    Needs msiq installed (msiq.msi: C:\Program Files\msiq\msiq.exe and the
    msiq service) and its dispatcher running. When no dispatcher runs the
    script fails at once (exit 1603) instead of queueing a job nobody runs.
    Run as SYSTEM or an administrator (the queue admits only those).

    Console output is UTF-8. Every line the script prints also goes to its
    log, -ScriptLog.

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
    The idempotency key. Default: "<action>:<package file name>:<version>":
    for a .msi its ProductVersion ("install:7z2408-x64.msi:24.08.00.0"), for
    a .msp the first 16 hex digits of its SHA-256, for a product code
    nothing ("uninstall:{23170F69-...}").

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
    Copy the package's folder (with its .cab, .mst and other files) to a new
    folder %ProgramData%\msiq-stage-<random> and queue the copy. The folder
    is created by this run, with an access list that admits SYSTEM and
    Administrators only from the start (nothing inherited), and is checked
    before anything is copied: a folder of that name that already exists is
    never used (exit 1603). Use it with Intune and ConfigMgr: they may
    delete their content folder (IMECache, ccmcache) once the install
    command has ended, while a job that waited past -WaitTimeout still needs
    its package. A retry that finds the job by its key waits for it without
    staging again. The copy is removed once the job has finished.

.PARAMETER ScriptLog
    This script's own log, appended to. Default:
    %ProgramData%\msiq\logs\msiq-install.log (msiq's data folder, which
    only SYSTEM and Administrators can change).

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
    Every other code is a failure: the installer's own code (1603, 1602,
    1605, 1638, ...) or one of the script's (1619, 1639, 1603; below).

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
    Exit codes of this script, all of them:
      0, 3010, 1641   the job succeeded (3010: a reboot is needed; 1641: the
                      installer started one; msiq pauses its queue until the
                      machine has rebooted)
      1618            -WaitTimeout passed; the job is still in the queue.
                      (msiexec's own 1618 never comes back: msiq retries it.)
      1602            the job was cancelled (msiq.exe cancel)
      other           the job failed: the installer's own code (1603, 1605,
                      1638, ...), 1603 when it had none (timed out, a
                      dependency failed, deadline passed)
      1619            the package file was not found
      1639            msiq refused the request (bad package, property or
                      option; msiq's message is printed)
      1603            msiq.exe was not found, no dispatcher is running, the
                      staging folder could not be made private, or msiq
                      itself failed (database locked or damaged: see
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

    [string] $ScriptLog,

    [string] $MsiqPath
)

$ErrorActionPreference = 'Stop'
$ProductCodePattern = '^\{[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}\}$'
$SystemSid = 'S-1-5-18'
$AdministratorsSid = 'S-1-5-32-544'

# UTF-8 on the console (what the agent captures) and to native programs, so
# that package paths like "C:\Logiciels\Mise à jour" survive both ways; msiq
# reads and writes UTF-8.
$utf8 = New-Object System.Text.UTF8Encoding $false
try { [Console]::OutputEncoding = $utf8 } catch { }
$OutputEncoding = $utf8

if (-not $ScriptLog) {
    $ScriptLog = Join-Path $env:ProgramData 'msiq\logs\msiq-install.log'
}

# Write-Result TEXT: one line on the console and in the script's log (the
# log only if its folder exists: it is msiq's, made by msiq.msi).
function Write-Result([string] $Text) {
    $line = "msiq-install: $Text"
    Write-Output $line
    if (Test-Path -LiteralPath (Split-Path -Parent $ScriptLog) -PathType Container) {
        $stamp = (Get-Date).ToString('yyyy-MM-ddTHH:mm:sszzz')
        try {
            [System.IO.File]::AppendAllText($ScriptLog, "$stamp $line`r`n", $utf8)
        } catch { }
    }
}

# Stop CODE TEXT: says why and exits with CODE (one of the documented ones).
function Stop-Script([int] $Code, [string] $Text) {
    Write-Result "$Text (exit $Code)"
    exit $Code
}

# Invoke-Msiq ARGUMENTS: runs msiq.exe with the array ARGUMENTS (one
# parameter, so that PowerShell never reads "--json" or "--" as its own);
# sets $script:MsiqCode and returns its stdout lines. Its messages (stderr, "msiq: ...") go to $script:MsiqMessage.
# 2>&1 keeps them apart as ErrorRecords, and ErrorActionPreference Continue
# keeps Windows PowerShell 5.1 from turning the first stderr line into a
# terminating error.
function Invoke-Msiq([string[]] $Arguments) {
    $ErrorActionPreference = 'Continue'
    $output = & $MsiqPath @Arguments 2>&1
    $script:MsiqCode = $LASTEXITCODE
    $script:MsiqMessage = ($output | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] } |
        ForEach-Object { "$_" } | Where-Object { $_ -notmatch '^msiq: warning: ' } |
        Select-Object -First 1)
    return @($output | Where-Object { $_ -isnot [System.Management.Automation.ErrorRecord] } |
        ForEach-Object { "$_" })
}

# ConvertFrom-MsiqJson LINES: the JSON msiq printed, or $null.
function ConvertFrom-MsiqJson([string[]] $Lines) {
    if ($Lines.Count -eq 0) { return $null }
    try { return (($Lines -join "`n") | ConvertFrom-Json) } catch { return $null }
}

# Get-PackageVersion PATH: a .msi's ProductVersion (Windows Installer's COM
# object), or the first 16 hex digits of the file's SHA-256 (a .msp, or a
# .msi that cannot be read).
function Get-PackageVersion([string] $Path) {
    if ($Path -match '\.msi$') {
        try {
            $installer = New-Object -ComObject WindowsInstaller.Installer
            $database = $installer.GetType().InvokeMember('OpenDatabase', 'InvokeMethod', $null, $installer, @($Path, 0))
            $view = $database.GetType().InvokeMember('OpenView', 'InvokeMethod', $null, $database,
                @("SELECT ``Value`` FROM ``Property`` WHERE ``Property`` = 'ProductVersion'"))
            $view.GetType().InvokeMember('Execute', 'InvokeMethod', $null, $view, $null) | Out-Null
            $record = $view.GetType().InvokeMember('Fetch', 'InvokeMethod', $null, $view, $null)
            if ($null -ne $record) {
                $version = $record.GetType().InvokeMember('StringData', 'GetProperty', $null, $record, 1)
                if ($version) { return $version }
            }
        } catch { }
    }
    return (Get-FileHash -LiteralPath $Path -Algorithm SHA256).Hash.Substring(0, 16).ToLowerInvariant()
}

# New-PrivateFolder PATH: creates PATH with an access list that admits only
# SYSTEM and Administrators from the first moment (protected: nothing is
# inherited from %ProgramData%, where every user may create files), then
# checks that it got exactly that: a folder someone else made first is
# never used.
function New-PrivateFolder([string] $Path) {
    if (Test-Path -LiteralPath $Path) {
        Stop-Script 1603 "staging folder $Path already exists; refusing to reuse it"
    }
    $security = New-Object System.Security.AccessControl.DirectorySecurity
    $security.SetAccessRuleProtection($true, $false)
    foreach ($sid in @($SystemSid, $AdministratorsSid)) {
        $identity = New-Object System.Security.Principal.SecurityIdentifier $sid
        $rule = New-Object System.Security.AccessControl.FileSystemAccessRule($identity, 'FullControl',
            'ContainerInherit, ObjectInherit', 'None', 'Allow')
        $security.AddAccessRule($rule)
    }
    if ($PSVersionTable.PSEdition -eq 'Core') {
        [System.IO.FileSystemAclExtensions]::Create((New-Object System.IO.DirectoryInfo $Path), $security)
    } else {
        [System.IO.Directory]::CreateDirectory($Path, $security) | Out-Null
    }
    $acl = Get-Acl -LiteralPath $Path
    $owner = $acl.GetOwner([System.Security.Principal.SecurityIdentifier]).Value
    $others = @($acl.GetAccessRules($true, $true, [System.Security.Principal.SecurityIdentifier]) |
        Where-Object { $_.IdentityReference.Value -notin @($SystemSid, $AdministratorsSid) })
    $contents = @(Get-ChildItem -LiteralPath $Path -Force)
    if ($owner -notin @($SystemSid, $AdministratorsSid) -or $others.Count -gt 0 -or
        -not $acl.AreAccessRulesProtected -or $contents.Count -gt 0) {
        Stop-Script 1603 "staging folder $Path is not private to SYSTEM and Administrators (owner $owner); refusing to use it"
    }
}

# msiq.exe: the 64-bit Program Files also from 32-bit PowerShell.
if (-not $MsiqPath) {
    $programFiles = if ($env:ProgramW6432) { $env:ProgramW6432 } else { $env:ProgramFiles }
    $MsiqPath = Join-Path $programFiles 'msiq\msiq.exe'
}
if (-not (Test-Path -LiteralPath $MsiqPath -PathType Leaf)) {
    Stop-Script 1603 "msiq.exe not found at $MsiqPath; install msiq.msi on this machine first (or pass -MsiqPath)"
}

$isProductCode = $Package -match $ProductCodePattern
if ($isProductCode -and $Action -in @('Install', 'Patch')) {
    Stop-Script 1639 "$Action needs a package file, not the product code $Package"
}

# The target msiq queues: an absolute path (the dispatcher runs the job
# later, from another directory), or the product code as given.
$target = $Package
if (-not $isProductCode) {
    if (-not (Test-Path -LiteralPath $Package -PathType Leaf)) {
        Stop-Script 1619 "package $Package not found (working directory $((Get-Location).Path))"
    }
    $target = (Resolve-Path -LiteralPath $Package).ProviderPath
}

if (-not $Key) {
    $Key = '{0}:{1}' -f $Action.ToLowerInvariant(), (Split-Path -Leaf $target)
    if (-not $isProductCode) {
        $Key += ':' + (Get-PackageVersion $target)
    }
}

# Fail fast: a job nobody runs would only make the agent wait for
# -WaitTimeout. `status` fails too when there is no queue yet.
$status = ConvertFrom-MsiqJson (Invoke-Msiq @('--json', 'status'))
if ($null -eq $status -or -not $status.dispatcher_running) {
    Stop-Script 1603 "no msiq dispatcher is running (start the service: msiq.exe service start; status: $(if ($MsiqMessage) { $MsiqMessage } else { 'not running' }))"
}

# A retry of the same job (same key) while it is unfinished: wait for it
# instead of staging and queueing again.
$existing = $null
foreach ($state in @('queued', 'running', 'retrying')) {
    $jobs = ConvertFrom-MsiqJson (Invoke-Msiq @('--json', 'list', '--state', $state))
    $match = @($jobs | Where-Object { $_.key -eq $Key } | Select-Object -First 1)
    if ($match.Count -gt 0) { $existing = $match[0]; break }
}

$stageDir = $null
if ($null -ne $existing) {
    Write-Result "job $($existing.id) ($Key) is already $($existing.state); waiting for it"
    $json = Invoke-Msiq @('--json', 'wait', '--timeout', $WaitTimeout, "$($existing.id)")
} else {
    if ($Stage -and -not $isProductCode) {
        $stageDir = Join-Path $env:ProgramData ('msiq-stage-' + [guid]::NewGuid().ToString('N'))
        New-PrivateFolder $stageDir
        $sourceDir = Split-Path -Parent $target
        Copy-Item -Path (Join-Path $sourceDir '*') -Destination $stageDir -Recurse
        $target = Join-Path $stageDir (Split-Path -Leaf $target)
    }

    # {PackageDir} in a property value is the folder of the queued package
    # (the staged copy with -Stage), for transforms and other files shipped
    # with it.
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
    $json = Invoke-Msiq $arguments
}
$code = $MsiqCode

# With --json, a finished wait prints the job as a JSON array on stdout;
# msiq's own errors print nothing there. That tells an installer's exit code
# apart from msiq's (2, 3, 4, 5).
$job = $null
$parsed = ConvertFrom-MsiqJson $json
if ($null -ne $parsed) { $job = @($parsed)[0] }

if ($null -ne $job -and $job.state -in @('succeeded', 'failed', 'cancelled')) {
    $line = 'job {0} {1} {2}: {3}' -f $job.id, $job.action, $job.target, $job.state
    if ($null -ne $job.exit_code) { $line += " (exit $($job.exit_code))" }
    if ($job.reboot_required) { $line += ', reboot required' }
    if ($job.last_error) {
        $line += ': ' + ($job.last_error -split "`n")[0]
        $line += " (see: msiq.exe log --failure $($job.id))"
    }
    Write-Result $line
    $staged = Split-Path -Parent $job.target
    if ($staged -like (Join-Path $env:ProgramData 'msiq-stage-*')) {
        Remove-Item -LiteralPath $staged -Recurse -Force -ErrorAction SilentlyContinue
    }
    exit $code
}

switch ($code) {
    1460 {
        Stop-Script 1618 "job $Key still queued or running after $WaitTimeout; the agent retries later (see: msiq.exe status)"
    }
    2 {
        Stop-Script 1639 "msiq refused the job: $MsiqMessage"
    }
    default {
        Stop-Script 1603 "msiq failed (exit $code): $MsiqMessage"
    }
}
