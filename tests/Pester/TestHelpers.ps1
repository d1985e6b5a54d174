# Shared helpers for the Pester tests: dot-source in BeforeAll.
# They write small Log Analytics exports (CommonSecurityLog, OfficeActivity) the way the portal writes them:
# `TimeGenerated [UTC]` header, timestamps such as `4/28/2021, 3:05:26.000 PM`, every cell quoted, extra columns.

$RepoRoot = (Resolve-Path (Join-Path $PSScriptRoot '../..')).Path
$ModuleManifest = Join-Path $RepoRoot 'LowSlowExfil.psd1'
# Real public samples, read in place (never copied into the repo).
$SentinelFixtures = Join-Path $RepoRoot '../shared/fixtures/sentinel'

$MB = 1048576

function New-UtcDate {
    param([int] $Year, [int] $Month, [int] $Day, [int] $Hour = 0, [int] $Minute = 0, [int] $Second = 0)
    [datetime]::new($Year, $Month, $Day, $Hour, $Minute, $Second, [DateTimeKind]::Utc)
}

# The end of every hunt window in these tests: 2024-06-30T00:00:00Z. With -Days 30 the window is
# (2024-05-31T00:00:00Z, 2024-06-30T00:00:00Z].
$End = New-UtcDate 2024 6 30

function Format-LaTime {
    # Log Analytics portal export format: 4/28/2021, 3:05:26.000 PM (UTC).
    param([Parameter(Mandatory)] [datetime] $Time)
    $Time.ToString('M/d/yyyy, h:mm:ss.fff tt', [cultureinfo]::InvariantCulture)
}

function ConvertTo-CsvCell {
    param([AllowNull()] [object] $Value)
    if ($null -eq $Value) { return '' }
    $s = if ($Value -is [datetime]) { Format-LaTime $Value } else { [string]$Value }
    '"' + $s.Replace('"', '""') + '"'
}

function Write-CsvExport {
    # Writes $Rows (hashtables) under $Columns; a column missing from a row is written empty.
    param([string] $Path, [string[]] $Columns, [object[]] $Rows, [string[]] $Header = $Columns)
    $lines = [System.Collections.Generic.List[string]]::new()
    $lines.Add(($Header | ForEach-Object { ConvertTo-CsvCell $_ }) -join ',')
    foreach ($r in $Rows) {
        $lines.Add(($Columns | ForEach-Object { ConvertTo-CsvCell $r[$_] }) -join ',')
    }
    [System.IO.File]::WriteAllText($Path, ($lines -join "`n") + "`n", [System.Text.UTF8Encoding]::new($false))
    Get-Item -LiteralPath $Path
}

function New-ZiaRow {
    # One Zscaler web-proxy event. -Time is UTC.
    param(
        [Parameter(Mandatory)] [datetime] $Time,
        [Parameter(Mandatory)] [string] $User,
        [string] $HostName = 'dropbox.com',
        [long] $Bytes = 1048576,
        [string] $Action = 'Allowed',
        [string] $Vendor = 'Zscaler'
    )
    @{
        TenantId            = '00000000-0000-0000-0000-000000000001'
        TimeGenerated       = $Time
        DeviceVendor        = $Vendor
        DeviceProduct       = 'NSSWeblog'
        DeviceAction        = $Action
        SourceUserName      = $User
        DestinationHostName = $HostName
        SentBytes           = $Bytes
        ReceivedBytes       = 512
        RequestURL          = "https://$HostName/upload"
        Type                = 'CommonSecurityLog'
    }
}

function New-ZiaCsv {
    param([Parameter(Mandatory)] [string] $Path, [Parameter(Mandatory)] [object[]] $Rows)
    # CommonSecurityLog export columns: the rule's five plus extra ones, in no particular order.
    $columns = @('TenantId', 'TimeGenerated', 'DeviceVendor', 'DeviceProduct', 'DeviceAction', 'SourceUserName',
        'DestinationHostName', 'SentBytes', 'ReceivedBytes', 'RequestURL', 'Type')
    $header = $columns -replace '^TimeGenerated$', 'TimeGenerated [UTC]'
    Write-CsvExport -Path $Path -Columns $columns -Header $header -Rows $Rows
}

function New-O365Row {
    param(
        [Parameter(Mandatory)] [datetime] $Time,
        [Parameter(Mandatory)] [string] $User,
        [Parameter(Mandatory)] [string] $Operation
    )
    @{
        TenantId       = '00000000-0000-0000-0000-000000000001'
        RecordType     = 'SharePointFileOperation'
        TimeGenerated  = $Time
        Operation      = $Operation
        OfficeWorkload = 'SharePoint'
        UserId         = $User
        UserId_        = $User
        ClientIP       = '198.51.100.7'
        OfficeObjectId = 'https://contoso.sharepoint.com/sites/x/doc.docx'
        Type           = 'OfficeActivity'
    }
}

function New-O365Csv {
    param([Parameter(Mandatory)] [string] $Path, [Parameter(Mandatory)] [object[]] $Rows)
    # OfficeActivity export columns, with the `_`-suffixed duplicates real exports carry.
    $columns = @('TenantId', 'RecordType', 'TimeGenerated', 'Operation', 'OfficeWorkload', 'UserId', 'UserId_',
        'ClientIP', 'OfficeObjectId', 'Type')
    $header = $columns -replace '^TimeGenerated$', 'TimeGenerated [UTC]'
    Write-CsvExport -Path $Path -Columns $columns -Header $header -Rows $Rows
}

function New-DailyZiaRows {
    # One upload a day for -Days consecutive days starting at -Start (noon UTC), -Bytes each.
    param([string] $User, [datetime] $Start, [int] $Days, [long] $Bytes, [string] $HostName = 'dropbox.com')
    for ($i = 0; $i -lt $Days; $i++) {
        New-ZiaRow -Time $Start.AddDays($i).AddHours(12) -User $User -HostName $HostName -Bytes $Bytes
    }
}

function ConvertTo-CandidateText {
    # A candidate as one comparable string: every output column, O365_Operations as its JSON text.
    param([Parameter(ValueFromPipeline)] $Candidate)
    process {
        ($Candidate.UserName, $Candidate.ZIA_TotalMBSent, $Candidate.ZIA_ActiveDays, $Candidate.ZIA_TotalRequests,
            $Candidate.ZIA_UniqueDestCnt, $Candidate.O365_EventCount, $Candidate.O365_AnonLinks,
            $Candidate.O365_Operations.ToString(), $Candidate.DistinctChannels, $Candidate.Zscore, $Candidate.Reasons,
            $Candidate.AlertDisplayName, $Candidate.AlertDescription) -join '|'
    }
}

# Why the report's browser tests cannot run here, or $null when the browser at -Path exists. The tests install
# nothing: Chromium comes from the Bootstrap task (Debian's 'chromium', /usr/bin/chromium), which .ci/run runs first.
function Get-ChromiumSkipReason {
    param([string] $Path = '/usr/bin/chromium')
    if (Test-Path -LiteralPath $Path) { return $null }
    if (-not $IsLinux) { return "Chromium is not installed at $Path, and the browser tests use the Debian package 'chromium' (Linux only)." }
    "Chromium is not installed ($Path is missing): run 'dotnet pwsh ./build.ps1 Bootstrap' once to install it (with sudo when not root), then the tests again."
}

# The raw feed writers ([LowSlowExfil.SampleData.SampleRawFeedWriter]: NSS CEF, Cloud NSS JSON, Purview CSV,
# Management API JSON) are test data makers that do not ship: tests/LowSlowExfil.TestSupport, built once per session
# into out/test-support and loaded beside the module. Call it after Import-Module, so the writers bind to the module's
# own LowSlowExfil.Core (built here at the module's version, so the versions agree).
function Import-TestSupport {
    if ('LowSlowExfil.SampleData.SampleRawFeedWriter' -as [type]) { return }
    if (-not ('LowSlowExfil.SampleData.SampleTenant' -as [type])) { throw 'Import-TestSupport: import the module first (Import-Module $ModuleManifest).' }
    $out = Join-Path $RepoRoot 'out/test-support'
    $version = (Import-PowerShellDataFile $ModuleManifest).ModuleVersion
    $log = & dotnet build (Join-Path $RepoRoot 'tests/LowSlowExfil.TestSupport/LowSlowExfil.TestSupport.csproj') -c Release -o $out "-p:Version=$version" --nologo -v quiet 2>&1
    if ($LASTEXITCODE) { throw "Could not build tests/LowSlowExfil.TestSupport:`n$($log -join "`n")" }
    Add-Type -Path (Join-Path $out 'LowSlowExfil.TestSupport.dll')
}

# Builds tests/FakeLogAnalytics and starts it on a free port of 127.0.0.1 with these arguments (--data, --token,
# --workspace ...). Returns the process, its URL and what it says of itself (workspace, dcr, identity-endpoint,
# identity-header); stop it with Stop-FakeLogAnalytics.
function Start-FakeLogAnalytics {
    param([Parameter(Mandatory)] [string[]] $Arguments, [string] $BuildTo = (Join-Path $TestDrive 'fake'))
    & dotnet build (Join-Path $RepoRoot 'tests/FakeLogAnalytics/FakeLogAnalytics.csproj') -c Release -o $BuildTo --nologo -v quiet | Out-Null
    if ($LASTEXITCODE) { throw 'Could not build tests/FakeLogAnalytics.' }
    $psi = [System.Diagnostics.ProcessStartInfo]::new('dotnet')
    foreach ($a in @((Join-Path $BuildTo 'FakeLogAnalytics.dll'), '--port', '0') + $Arguments + @('--stdin')) { $psi.ArgumentList.Add($a) }
    $psi.RedirectStandardOutput = $true
    $psi.RedirectStandardInput = $true
    $psi.UseShellExecute = $false
    $process = [System.Diagnostics.Process]::Start($psi)
    $url = $process.StandardOutput.ReadLine()
    $info = @{}
    while (($line = $process.StandardOutput.ReadLine()) -and -not $line.StartsWith('events')) {
        $k, $v = $line -split ' ', 2
        $info[$k] = $v
    }
    [pscustomobject]@{ Process = $process; Url = $url; Info = $info }
}

# Stops a service started by Start-FakeLogAnalytics: closing its input ends it; killed if it does not end in 5 s.
function Stop-FakeLogAnalytics([System.Diagnostics.Process] $Process) {
    if ($Process -and -not $Process.HasExited) {
        $Process.StandardInput.Close()
        if (-not $Process.WaitForExit(5000)) { $Process.Kill() }
    }
}

# Stops a command running in $PowerShell (started with BeginInvoke) as Ctrl+C stops a pipeline, and checks it
# was still running and stopped at once.
function Assert-StopsAtOnce {
    param([Parameter(Mandatory)] [powershell] $PowerShell, [Parameter(Mandatory)] [System.IAsyncResult] $Run)
    $Run.IsCompleted | Should -BeFalse -Because 'the command must still be running when it is stopped'
    $sw = [System.Diagnostics.Stopwatch]::StartNew()
    $PowerShell.Stop()
    $sw.Elapsed.TotalSeconds | Should -BeLessThan 3
    $PowerShell.InvocationStateInfo.State | Should -Be 'Stopped'
}

# Runs a script in a new PowerShell process (the repo's pinned pwsh) with the module imported; returns what the child
# wrote to the console, host messages such as "What if:" included, as text.
function Invoke-ChildPwsh {
    param([Parameter(Mandatory)] [string] $Script)
    $full = "`$ErrorActionPreference = 'Stop'; Import-Module '$ModuleManifest'; $Script"
    Push-Location $RepoRoot # where the tool manifest is
    try { (& dotnet tool run pwsh -- -NoProfile -NonInteractive -Command $full 2>&1 | Out-String) }
    finally { Pop-Location }
}
