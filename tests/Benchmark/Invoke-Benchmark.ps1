<#
.SYNOPSIS
    Times Find-LowSlowExfil against DuckDB, plain PowerShell and a bare scan, on every shape of export and format.
.DESCRIPTION
    For each size in -Rows and each shape in -Shape, generates a tenant (tests/Benchmark: generate) as a
    CommonSecurityLog CSV: 'Tenant' is the sample's own export, 'Portal' the Log Analytics portal's (whole-second
    TimeGenerated, quoted client hints in RequestClientApplication on every row, two-line AdditionalExtensions,
    a third of the user names in another letter case, -PortalUsers users). Each contender runs in a fresh process,
    -Repeat times interleaved (the median counts: this machine is shared and noisy):
      Find-LowSlowExfil   the first call of the session (and of it, the time spent compiling code, from the runtime's JitInfo)
                          and -Warm calls after it, timed apart; of the warm call, the share after the file read (profiles, scoring, output)
                          and the read alone in MB/s (Read MB/s: the file's bytes over its own -Verbose read time)
      DuckDB              the same hunt as read_csv + SQL (DuckDB.NET), a first and a warm call
      bare scan           read every byte and count line breaks on one thread (the floor)
    plus, once, plain PowerShell (Import-Csv | Where-Object | Group-Object on a 20,000-record slice, scaled by bytes)
    and the CSV cut into 8 gzip files (against DuckDB reading the same gzip files). At -FormatRows (the tenant shape) it also times one NSS CEF feed, a Cloud NSS
    JSON feed, a Purview audit CSV and a Management Activity API JSON file of the same tenant. The CEF feed's × DuckDB
    is per record against DuckDB on that tenant's CSV (DuckDB reads no CEF); the others each against DuckDB on the
    same file (read_json of the feed; read_csv + json_extract of AuditData; read_json of the API's array). Checks that
    the module and DuckDB flag the same users (for the audit files, which alone flag no one: the same O365 leg per user).

    Writes out/bench/results.csv and out/bench/results.md (the README's table). README.md changes only with
    -UpdateReadme. Not part of './build.ps1 Test'.
.EXAMPLE
    dotnet pwsh ./tests/Benchmark/Invoke-Benchmark.ps1 -Rows 1000000 -Repeat 3
.EXAMPLE
    dotnet pwsh ./build.ps1 Bench     # the same with the defaults, after a build
#>
[CmdletBinding()]
param(
    # Tenant sizes in ZIA rows; each shape keeps its user count at every size, so memory can be seen to follow
    # users × days, not rows.
    [long[]] $Rows = @(1000000, 4000000),
    [ValidateSet('Tenant', 'Portal')]
    [string[]] $Shape = @('Tenant', 'Portal'),
    [int] $Users = 5000,
    [int] $PortalUsers = 6000,
    # The size at which the other formats are written and timed (0: none), and which of them (the JSON readers are
    # far slower than the CSV and CEF ones: a run may time them at a smaller size on its own).
    [long] $FormatRows = 1000000,
    [ValidateSet('cef', 'cloudnss', 'purview', 'mgmtapi')]
    [string[]] $Formats = @('cef', 'cloudnss', 'purview', 'mgmtapi'),
    [ValidateRange(1, 9)]
    [int] $Repeat = 3,
    [ValidateRange(1, 9)]
    [int] $Warm = 2,
    [switch] $SkipPlainPowerShell,
    [switch] $SkipWorkspace,
    # Replace the table between <!-- bench:start --> and <!-- bench:end --> in README.md with this run's.
    [switch] $UpdateReadme,
    # Build.ps1 Bench has just built the module.
    [switch] $NoBuild,
    [string] $OutPath
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest
$Root = (Resolve-Path (Join-Path $PSScriptRoot '../..')).Path
if (-not $OutPath) { $OutPath = Join-Path $Root 'out/bench' }
$Manifest = Join-Path $Root 'LowSlowExfil.psd1'
$End = '2026-11-01T00:00:00Z'

function Invoke-Dotnet {
    & dotnet @args
    if ($LASTEXITCODE -ne 0) { throw "dotnet $($args -join ' ') failed with exit code $LASTEXITCODE." }
}

if (-not $NoBuild) {
    & dotnet tool run pwsh -- -NoProfile -NonInteractive -File (Join-Path $Root 'build.ps1') Build | Out-Host
    if ($LASTEXITCODE -ne 0) { throw "Building the module failed (exit code $LASTEXITCODE)." }
}
New-Item -ItemType Directory -Path $OutPath -Force | Out-Null
$exeDir = Join-Path $OutPath 'bin'
Invoke-Dotnet build (Join-Path $PSScriptRoot 'LowSlowExfil.Benchmark.csproj') -c Release -o $exeDir --nologo -v quiet
$exe = Join-Path $exeDir 'LowSlowExfil.Benchmark.dll'

# One process per measurement, each printing one JSON line last, so each peak memory (VmHWM) is its own.
function Measure-Run([string] $Name, [scriptblock] $Run) {
    Write-Host "  $Name" -ForegroundColor DarkCyan
    $line = & $Run | Select-Object -Last 1
    try { $line | ConvertFrom-Json } catch { throw "$Name printed no result: $line" }
}
function Invoke-Script([string] $Script, [object[]] $Arguments) {
    & dotnet tool run pwsh -- -NoProfile -NonInteractive -File (Join-Path $PSScriptRoot $Script) @Arguments
}
function Measure-Module([string] $Path) {
    Invoke-Script 'Measure-Hunt.ps1' @('-Module', $Manifest, '-EndTime', $End, '-Warm', $Warm, '-Path', $Path)
}
# The median run stands for a contender, the others give its spread.
function Get-Median([object[]] $Runs, [string] $Key = 'warmSeconds') {
    $sorted = @($Runs | Sort-Object $Key)
    $median = $sorted[[int][math]::Floor(($sorted.Count - 1) / 2)]
    [pscustomobject]@{
        Run = $median; Seconds = $median.$Key; PeakMB = ($sorted | Measure-Object peakMB -Maximum).Maximum
        Spread = if ($sorted.Count -gt 1) { '{0:N2}–{1:N2}' -f $sorted[0].$Key, $sorted[-1].$Key } else { '' }
        First = if ($median.PSObject.Properties['firstSeconds']) { @($Runs | ForEach-Object firstSeconds | Sort-Object)[[int][math]::Floor(($Runs.Count - 1) / 2)] } else { $null }
        FirstJit = if ($median.PSObject.Properties['firstJitSeconds']) { @($Runs | ForEach-Object firstJitSeconds | Sort-Object)[[int][math]::Floor(($Runs.Count - 1) / 2)] } else { $null }
    }
}

# A figure of the generator's answer, or null where that file was not written.
function Get-Field($Object, [string] $Name) { $p = $Object.PSObject.Properties[$Name]; if ($p) { $p.Value } }

$results = [System.Collections.Generic.List[object]]::new()
function Add-Result([string] $Export, [long] $RowCount, [string] $Contender, [double] $Bytes, $Measured, [double] $DuckSecondsPerRow, [double] $ScanSeconds, $ReadSeconds, [bool] $Agrees) {
    $s = [double]$Measured.Seconds
    $results.Add([pscustomobject]@{
        Export = $Export; Rows = $RowCount; Contender = $Contender; MB = [math]::Round($Bytes / 1MB)
        WarmSeconds = [math]::Round($s, 2); Spread = $Measured.Spread
        FirstCallSeconds = if ($null -ne $Measured.First) { [math]::Round($Measured.First, 2) } else { $null }
        FirstCallJitSeconds = if ($Measured.PSObject.Properties['FirstJit'] -and $null -ne $Measured.FirstJit) { [math]::Round($Measured.FirstJit, 2) } else { $null }
        RowsPerSecond = [math]::Round($RowCount / $s); MBPerSecond = [math]::Round($Bytes / 1MB / $s, 1)
        # The file read alone (a single file's own -Verbose time), for the read-rate targets.
        ReadMBPerSecond = if ($null -ne $ReadSeconds -and $ReadSeconds -gt 0) { [math]::Round($Bytes / 1MB / $ReadSeconds, 1) } else { $null }
        VsDuckDB = if ($DuckSecondsPerRow -gt 0) { [math]::Round($DuckSecondsPerRow * $RowCount / $s, 2) } else { $null }
        VsBareScan = if ($ScanSeconds -gt 0) { [math]::Round($ScanSeconds / $s, 3) } else { $null }
        PostReadPercent = if ($null -ne $ReadSeconds -and $s -gt 0) { [math]::Round(100 * [math]::Max(0.0, $s - $ReadSeconds) / $s, 1) } else { $null }
        PeakMB = [math]::Round($Measured.PeakMB); Agrees = $Agrees
    })
}

foreach ($rowCount in $Rows) {
    foreach ($exportShape in $Shape) {
        $userCount = if ($exportShape -eq 'Portal') { $PortalUsers } else { $Users }
        $dir = Join-Path $OutPath "$($exportShape.ToLowerInvariant())-$rowCount"
        $withFormats = $exportShape -eq 'Tenant' -and $rowCount -eq $FormatRows
        $written = if ($withFormats) { (@('csv') + $Formats) -join ',' } else { 'csv' }
        Write-Host "$exportShape shape, about $rowCount ZIA rows, $userCount users" -ForegroundColor Cyan
        $gen = Measure-Run "generate ($written)" { & dotnet $exe generate $dir $rowCount $userCount $exportShape.ToLowerInvariant() $written }
        $export = "$exportShape CSV"
        $csv = Join-Path $dir 'CommonSecurityLog.csv'
        # One untimed pass so every contender reads from the page cache, not only the ones after the first.
        & dotnet $exe scan $csv | Out-Null
        $moduleRuns = @(); $duckRuns = @(); $scanRuns = @()
        foreach ($round in 1..$Repeat) {
            $moduleRuns += Measure-Run "Find-LowSlowExfil, run $round" { Measure-Module $csv }
            $duckRuns += Measure-Run "DuckDB (read_csv + SQL), run $round" { & dotnet $exe duckdb $csv $End ($Warm + 1) }
            $scanRuns += Measure-Run "bare scan, run $round" { & dotnet $exe scan $csv }
        }
        $module = Get-Median $moduleRuns; $duck = Get-Median $duckRuns; $scan = Get-Median $scanRuns 'seconds'
        $duckPerRow = $duck.Seconds / $gen.rows
        $agrees = $module.Run.flagged -eq (($duck.Run.flagged -split ';' | Sort-Object) -join ';')
        if (-not $agrees) { Write-Warning "The module and DuckDB disagree on the $export of $rowCount rows: '$($module.Run.flagged)' vs '$($duck.Run.flagged)'." }
        Add-Result $export $gen.rows 'Find-LowSlowExfil' $gen.csvBytes $module $duckPerRow $scan.Seconds $module.Run.readSeconds $agrees
        Add-Result $export $gen.rows 'DuckDB read_csv + SQL' $gen.csvBytes $duck $duckPerRow $scan.Seconds $null $true
        Add-Result $export $gen.rows 'Bare scan (line breaks, one thread)' $gen.csvBytes $scan $duckPerRow $scan.Seconds $null $true

        if (-not $SkipPlainPowerShell -and $rowCount -eq $Rows[0]) {
            # A slice of 20,000 records (whole records: the portal's cells span lines), scaled by bytes: the whole file would take hours.
            $slice = Join-Path $dir 'slice.csv'
            & dotnet $exe head $csv $slice 20000 | Out-Null
            $plain = Measure-Run 'Import-Csv | Where-Object | Group-Object (slice)' { Invoke-Script 'PlainPowerShellHunt.ps1' @('-Module', $Manifest, '-Path', $slice, '-EndTime', $End) }
            $scale = $gen.csvBytes / (Get-Item $slice).Length
            Add-Result $export $gen.rows 'Import-Csv | Where-Object | Group-Object (scaled)' $gen.csvBytes ([pscustomobject]@{ Seconds = $plain.seconds * $scale; PeakMB = $plain.peakMB; Spread = ''; First = $null }) $duckPerRow $scan.Seconds $null $true
        }
        if ($exportShape -eq 'Tenant') {
            # The same CSV as 8 gzip files: gzip streaming, and several files read on every core.
            $parts = Join-Path $dir 'gzip-parts'
            $split = Measure-Run 'split into 8 gzip files' { & dotnet $exe split $csv $parts 8 }
            # Each against DuckDB reading the same 8 gzip files (read_csv inflates them too), interleaved.
            $gzRuns = @(); $gzDuckRuns = @()
            foreach ($round in 1..$Repeat) {
                $gzRuns += Measure-Run "Find-LowSlowExfil (8 gzip files), run $round" { Measure-Module $parts }
                $gzDuckRuns += Measure-Run "DuckDB (read_csv of the 8 gzip files + SQL), run $round" { & dotnet $exe duckdb $parts $End ($Warm + 1) }
            }
            $gz = Get-Median $gzRuns; $gzDuck = Get-Median $gzDuckRuns
            $gzExport = "Tenant CSV as 8 gzip files ($([math]::Round($split.gzipBytes / 1MB)) MB)"
            $gzAgrees = $gz.Run.flagged -eq $module.Run.flagged -and $gz.Run.flagged -eq (($gzDuck.Run.flagged -split ';' | Sort-Object) -join ';')
            if (-not $gzAgrees) { Write-Warning "The module and DuckDB disagree on the 8 gzip files of $rowCount rows." }
            Add-Result $gzExport $gen.rows 'Find-LowSlowExfil' $gen.csvBytes $gz ($gzDuck.Seconds / $gen.rows) $scan.Seconds $null $gzAgrees
            Add-Result $gzExport $gen.rows 'DuckDB read_csv + SQL' $gen.csvBytes $gzDuck ($gzDuck.Seconds / $gen.rows) $scan.Seconds $null $true
            Remove-Item $parts -Recurse -Force
        }
        if ($withFormats) {
            foreach ($f in @(
                # The CEF feed's × DuckDB is per record against DuckDB on the tenant's CSV (DuckDB reads no CEF); each other
                # format has its own DuckDB run on the same file (Duck: its format for DuckDbHunt). The audit files hold
                # sharing events, which alone flag no one: there the module's O365 leg per user (the core's, hashed) must
                # equal DuckDB's.
                @{ Key = 'cef'; Name = 'NSS CEF feed'; File = 'nss-web.cef'; Rows = $gen.cefRows; Bytes = (Get-Field $gen 'cefBytes'); Duck = $null }
                @{ Key = 'cloudnss'; Name = 'Cloud NSS JSON'; File = 'cloud-nss.json'; Rows = $gen.cefRows; Bytes = (Get-Field $gen 'cloudNssBytes'); Duck = 'cloudnss'; DuckName = 'DuckDB read_json + SQL' }
                @{ Key = 'purview'; Name = 'Purview audit CSV'; File = 'purview-audit.csv'; Rows = $gen.sharingRows; Bytes = (Get-Field $gen 'purviewBytes'); Duck = 'purview'; DuckName = 'DuckDB read_csv + json_extract(AuditData) + SQL' }
                @{ Key = 'mgmtapi'; Name = 'Management API JSON'; File = 'management-api.json'; Rows = $gen.sharingRows; Bytes = (Get-Field $gen 'mgmtApiBytes'); Duck = 'mgmtapi'; DuckName = 'DuckDB read_json + SQL' }
            ) | Where-Object { $_.Key -in $Formats }) {
                $path = Join-Path $dir $f.File
                & dotnet $exe scan $path | Out-Null
                $runs = @(); $scans = @(); $fDucks = @()
                foreach ($round in 1..$Repeat) {
                    $runs += Measure-Run "Find-LowSlowExfil ($($f.Name)), run $round" { Measure-Module $path }
                    if ($f.Duck) { $fDucks += Measure-Run "$($f.DuckName) ($($f.Name)), run $round" { & dotnet $exe duckdb $path $End ($Warm + 1) $f.Duck } }
                    $scans += Measure-Run "bare scan ($($f.Name)), run $round" { & dotnet $exe scan $path }
                }
                $m = Get-Median $runs
                $fScan = Get-Median $scans 'seconds'
                $fDuckPerRow = $duckPerRow
                $fAgrees = $true
                if ($f.Duck) {
                    $fDuck = Get-Median $fDucks
                    $fDuckPerRow = $fDuck.Seconds / $f.Rows
                    if ($f.Duck -eq 'cloudnss') {
                        $fAgrees = $m.Run.flagged -eq (($fDuck.Run.flagged -split ';' | Sort-Object) -join ';')
                        $what = "'$($m.Run.flagged)' vs '$($fDuck.Run.flagged)'"
                    } else {
                        $core = Measure-Run "the module's O365 leg ($($f.Name))" { & dotnet $exe core $path $End }
                        $fAgrees = $core.sharingDigest -eq $fDuck.Run.sharingDigest -and $core.sharingUsers -eq $fDuck.Run.sharingUsers
                        $what = "$($core.sharingUsers) users ($($core.sharingDigest)) vs $($fDuck.Run.sharingUsers) ($($fDuck.Run.sharingDigest))"
                    }
                    if (-not $fAgrees) { Write-Warning "The module and DuckDB disagree on the $($f.Name) of $rowCount rows: $what." }
                }
                Add-Result $f.Name $f.Rows 'Find-LowSlowExfil' $f.Bytes $m $fDuckPerRow $fScan.Seconds $m.Run.readSeconds $fAgrees
                if ($f.Duck) { Add-Result $f.Name $f.Rows $f.DuckName $f.Bytes $fDuck $fDuckPerRow $fScan.Seconds $null $true }
                Remove-Item $path -Force
            }
        }
        Remove-Item $dir -Recurse -Force
    }
}

$results | Export-Csv (Join-Path $OutPath 'results.csv') -NoTypeInformation
$workspaceLine = if (-not $SkipWorkspace) {
    $fake = Join-Path $OutPath 'fake'
    Invoke-Dotnet build (Join-Path $Root 'tests/FakeLogAnalytics/FakeLogAnalytics.csproj') -c Release -o $fake --nologo -v quiet | Out-Host
    $line = Invoke-Script 'Measure-WorkspaceTransfer.ps1' @('-Module', $Manifest, '-FakeLogAnalytics', (Join-Path $fake 'FakeLogAnalytics.dll'), '-Tenant', (Join-Path $OutPath 'workspace-tenant')) | Select-Object -Last 1
    Write-Host "  $line"
    $line
}

function Format-Cell($Value, [string] $Format = '{0}') { if ($null -eq $Value -or $Value -eq '') { '—' } else { $Format -f $Value } }
$table = @(
    '| Export | Rows | MB | Contender | Warm call (s, median) | Runs (s) | First call (s, of it compiling) | Rows/s | MB/s | Read MB/s | × DuckDB speed | × bare-scan speed | After the read | Peak MB |'
    '|---|---:|---:|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|'
)
$table += $results | ForEach-Object {
    '| {0} | {1:N0} | {2:N0} | {3} | {4} | {5} | {6} | {7:N0} | {8} | {9} | {10} | {11} | {12} | {13:N0} |' -f $_.Export, $_.Rows, $_.MB, ($_.Contender -replace '\|', '\|'),
        $_.WarmSeconds, $_.Spread, $(if ($null -ne $_.FirstCallJitSeconds) { '{0} (JIT {1})' -f $_.FirstCallSeconds, $_.FirstCallJitSeconds } else { Format-Cell $_.FirstCallSeconds }), $_.RowsPerSecond, $_.MBPerSecond, (Format-Cell $_.ReadMBPerSecond), (Format-Cell $_.VsDuckDB),
        (Format-Cell $_.VsBareScan), (Format-Cell $_.PostReadPercent '{0} %'), $_.PeakMB
}
$machine = "$([Environment]::ProcessorCount) cores, $((Get-Date).ToUniversalTime().ToString('yyyy-MM-dd')), median of $Repeat interleaved runs, each a fresh process: a first call, then $Warm warm call(s)"
$block = "<!-- bench:start -->`n_Measured by ``dotnet pwsh ./tests/Benchmark/Invoke-Benchmark.ps1`` on $machine._`n`n" + ($table -join "`n") +
    $(if ($workspaceLine) { "`n`n$workspaceLine" }) + "`n<!-- bench:end -->"
Set-Content -Path (Join-Path $OutPath 'results.md') -Value $block
$results | Format-Table Export, Rows, Contender, WarmSeconds, FirstCallSeconds, FirstCallJitSeconds, MBPerSecond, ReadMBPerSecond, VsDuckDB, VsBareScan, PostReadPercent, PeakMB -AutoSize | Out-String -Width 220 | Write-Host
Write-Host "Results: $(Join-Path $OutPath 'results.csv') and $(Join-Path $OutPath 'results.md')" -ForegroundColor Cyan
if ($UpdateReadme) {
    $readme = Join-Path $Root 'README.md'
    $text = Get-Content -Raw $readme
    if ($text -notmatch '<!-- bench:start -->') { throw "README.md has no <!-- bench:start --> marker to replace." }
    $text = [regex]::Replace($text, '(?s)<!-- bench:start -->.*?<!-- bench:end -->', { $block })
    Set-Content -Path $readme -Value $text -NoNewline
    Write-Host "README.md's table replaced." -ForegroundColor Cyan
}
