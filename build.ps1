<#
.SYNOPSIS
    Builds, tests, demonstrates and packages the LowSlowExfil module.
.DESCRIPTION
    Tasks (run in the order given):
      Build    (default) publish the module assemblies into module/bin, so that
               'Import-Module ./LowSlowExfil.psd1' loads the fresh build.
      Bootstrap  Install once what the tests need from the machine and the build cannot restore: headless Chromium
               (the Debian package 'chromium', /usr/bin/chromium) for the report's browser tests, with apt-get (through
               sudo when not root). Test installs nothing; without Chromium those tests are skipped and say so.
      Test     Build and Package, publish the .NET 8/9/10 runtime hosts (tests/RuntimeHosts, cached in out/), then run
               the xunit tests and the Pester tests; ends with one line 'N passed, N failed'. With -NoFastPaths, both
               suites run with every byte-level fast path off (LOWSLOWEXFIL_FAST_PATHS=0): the general readers alone.
      Demo     Build, generate the sample tenant into out/demo and show Find-LowSlowExfil's candidates.
      Package  Build, then stage the module as it ships in out/package/LowSlowExfil (no pdb, no .deps.json, with
               LICENSE) and write out/LowSlowExfil.zip (root: LowSlowExfil/, for an Azure Automation account) and
               out/LowSlowExfil.<version>.nupkg (for a gallery feed).
      RuntimeHosts  Publish tests/RuntimeHosts/RuntimeHost self-contained on .NET 8, 9 and 10 into out/runtime-hosts
               (Test does it; cached until their sources change), for running RuntimeHostTests on their own.
      Bench    Build, then time Find-LowSlowExfil against DuckDB, plain PowerShell and a bare scan on generated
               tenants of -BenchRows sizes and -BenchUsers users, each timed contender -BenchRepeat times (median);
               writes out/bench/results.csv and the table in README.md. Not part of Test.
      Clean    Remove build output.
    The version comes from LowSlowExfil.psd1 (ModuleVersion) and nowhere else.
.EXAMPLE
    dotnet tool restore && dotnet pwsh ./build.ps1 Bootstrap && dotnet pwsh ./build.ps1 Test
    A fresh machine: the pinned PowerShell, then Chromium (once, may ask for the sudo password), then every test.
    From PowerShell, several tasks run in one call: ./build.ps1 Bootstrap, Test
#>
[CmdletBinding()]
param(
    [Parameter(Position = 0)]
    [ValidateSet('Build', 'Bootstrap', 'Test', 'Demo', 'Package', 'RuntimeHosts', 'Bench', 'Clean')]
    [string[]] $Task = 'Build',

    # Bench: tenant sizes in ZIA rows, all with the same number of users (so memory can be seen to follow users x days,
    # not rows), and how many times each timed contender runs (interleaved; the median counts: this machine is noisy).
    [long[]] $BenchRows = @(1000000, 4000000, 16000000),
    [int] $BenchUsers = 5000,
    [ValidateRange(1, 9)]
    [int] $BenchRepeat = 3,

    [ValidateSet('Debug', 'Release')]
    [string] $Configuration = 'Release',

    # Test: the fast paths give the general readers' results, so the whole suites must pass without them too.
    [switch] $NoFastPaths
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest

$Root = $PSScriptRoot
$ModuleName = 'LowSlowExfil'
$Version = (Import-PowerShellDataFile (Join-Path $Root "$ModuleName.psd1")).ModuleVersion
$ModuleBin = Join-Path $Root 'module/bin'
$Out = Join-Path $Root 'out'
$script:Built = $false

function Invoke-Dotnet {
    & dotnet @args
    if ($LASTEXITCODE -ne 0) { throw "dotnet $($args -join ' ') failed with exit code $LASTEXITCODE." }
}

# Runs a script block in a fresh PowerShell process, so the module loads from the new build and never
# stays loaded in the build session.
function Invoke-InFreshPwsh([string] $Script) {
    Push-Location $Root
    try {
        & dotnet tool run pwsh -- -NoProfile -NonInteractive -Command $Script | Out-Host
        return $LASTEXITCODE
    }
    finally { Pop-Location }
}

# Like Invoke-InFreshPwsh, but returns the child's output instead of showing it.
function Invoke-InFreshPwshOutput([string] $Script) {
    Push-Location $Root
    try { & dotnet tool run pwsh -- -NoProfile -NonInteractive -Command $Script }
    finally { Pop-Location }
}

function Invoke-Build {
    if ($script:Built) { return }
    Write-Host "Building $ModuleName $Version ($Configuration)" -ForegroundColor Cyan
    # module/bin holds exactly what was published: clear it so nothing stale is loaded.
    if (Test-Path $ModuleBin) { Remove-Item $ModuleBin -Recurse -Force }
    Invoke-Dotnet publish (Join-Path $Root "src/$ModuleName/$ModuleName.csproj") -c $Configuration -o $ModuleBin `
        "-p:Version=$Version" --nologo -v quiet
    # The workspace engine and its Azure dependencies live apart in bin/Dependencies and are loaded in
    # isolation (see src/LowSlowExfil/EngineLoader.cs); the engine shares LowSlowExfil.Core with the cmdlets.
    $dependencies = Join-Path $ModuleBin 'Dependencies'
    Invoke-Dotnet publish (Join-Path $Root "src/$ModuleName.Engine/$ModuleName.Engine.csproj") -c $Configuration -o $dependencies `
        "-p:Version=$Version" --nologo -v quiet
    Get-ChildItem $dependencies -Filter "$ModuleName.Core.*" | Remove-Item -Force
    # Offline help: module/help/*.md merged with the compiled cmdlets' metadata into en-US/ beside the
    # manifest (where PowerShell looks for it), in a fresh process so this session never loads the module.
    if ((Invoke-InFreshPwsh "& ./module/help/Build-Help.ps1") -ne 0) { throw 'Building the help failed: see HELP ERROR above.' }
    $script:Built = $true
}

function Get-PesterModulePath {
    Invoke-Dotnet restore (Join-Path $Root 'tests/Pester/PesterTools.csproj') --nologo -v quiet
    $packages = (& dotnet nuget locals global-packages --list) -replace '^global-packages:\s*', ''
    $path = Join-Path $packages.Trim() 'pester/5.7.1/tools/Pester.psd1'
    if (-not (Test-Path $path)) { throw "Pester 5.7.1 was restored but $path is missing." }
    $path
}

# Headless Chromium for the report's browser tests (tests/Pester/Report.Tests.ps1): Debian's 'chromium' package. A task
# of its own, run once by hand or by CI, because it needs root: Test itself installs nothing.
$Chromium = '/usr/bin/chromium'

function Invoke-Bootstrap {
    if (Test-Path $Chromium) { Write-Host "Chromium is installed ($Chromium): nothing to do." -ForegroundColor Cyan; return }
    if (-not $IsLinux -or -not (Get-Command apt-get -ErrorAction Ignore)) {
        throw "Bootstrap installs Chromium with apt-get (the Debian package 'chromium', $Chromium), and there is no apt-get here. Install Chromium at $Chromium yourself, or run Test without it: the report's browser tests are then skipped."
    }
    Write-Host "Installing chromium for the report's browser tests (apt-get$(if ((& id -u) -ne '0') { ' through sudo' }))" -ForegroundColor Cyan
    $install = 'DEBIAN_FRONTEND=noninteractive apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium'
    if ((& id -u) -eq '0') { & sh -c $install | Out-Host } else { & sudo sh -c $install | Out-Host }
    if ($LASTEXITCODE -ne 0 -or -not (Test-Path $Chromium)) { throw "Installing chromium failed (exit code $LASTEXITCODE; $Chromium missing). See apt-get's messages above." }
    Write-Host "Chromium installed ($Chromium)." -ForegroundColor Cyan
}

function Invoke-Test {
    # Read once by the readers (Readers/Fast/FastPath.cs) in every process the tests start, this one's children included.
    $fastPaths = $env:LOWSLOWEXFIL_FAST_PATHS
    if ($NoFastPaths) { $env:LOWSLOWEXFIL_FAST_PATHS = '0' }
    try { Invoke-TestSuites }
    finally { $env:LOWSLOWEXFIL_FAST_PATHS = $fastPaths }
}

function Invoke-TestSuites {
    Invoke-Build
    # The package as it ships (tests read it: the runtime hosts, the dependency closure, the gallery install).
    Invoke-Package
    Invoke-RuntimeHosts
    if (-not (Test-Path $Chromium)) { Write-Warning "Chromium is not installed ($Chromium): the report's browser tests will be skipped. Run 'dotnet pwsh ./build.ps1 Bootstrap' once to install it." }
    $results = Join-Path $Out 'test-results'
    if (Test-Path $results) { Remove-Item $results -Recurse -Force }
    New-Item -ItemType Directory -Path $results -Force | Out-Null

    Write-Host 'xunit' -ForegroundColor Cyan
    & dotnet test (Join-Path $Root "tests/$ModuleName.Tests/$ModuleName.Tests.csproj") -c $Configuration --nologo `
        --logger 'trx;LogFileName=xunit.trx' --logger 'console;verbosity=minimal' --results-directory $results
    $xunit = @{ Passed = 0; Failed = 0 }
    $trx = Join-Path $results 'xunit.trx'
    if (Test-Path $trx) {
        $counters = ([xml](Get-Content -Raw $trx)).TestRun.ResultSummary.Counters
        $xunit.Passed = [int]$counters.passed
        $xunit.Failed = [int]$counters.failed + [int]$counters.error + [int]$counters.timeout + [int]$counters.aborted
    }
    if ($LASTEXITCODE -ne 0 -and $xunit.Failed -eq 0) { $xunit.Failed = 1; Write-Warning 'dotnet test failed without a failed test (build error?); counted as one failure.' }

    Write-Host 'Pester' -ForegroundColor Cyan
    $pester = Get-PesterModulePath
    $pesterXml = Join-Path $results 'pester.xml'
    $code = Invoke-InFreshPwsh @"
`$ErrorActionPreference = 'Stop'
Import-Module '$pester' -MinimumVersion 5.7.1
`$c = New-PesterConfiguration
`$c.Run.Path = '$(Join-Path $Root 'tests/Pester')'
`$c.Output.Verbosity = 'Detailed'
`$c.TestResult.Enabled = `$true
`$c.TestResult.OutputFormat = 'NUnitXml'
`$c.TestResult.OutputPath = '$pesterXml'
`$r = Invoke-Pester -Configuration `$c
"@
    $pesterCounts = @{ Passed = 0; Failed = 0 }
    if (Test-Path $pesterXml) {
        $run = ([xml](Get-Content -Raw $pesterXml)).'test-results'
        $pesterCounts.Failed = [int]$run.failures + [int]$run.errors
        $pesterCounts.Passed = [int]$run.total - $pesterCounts.Failed - [int]$run.'not-run' - [int]$run.inconclusive - [int]$run.ignored - [int]$run.skipped - [int]$run.invalid
    }
    elseif ($code -ne 0) { $pesterCounts.Failed = 1; Write-Warning "Pester did not run (exit code $code); counted as one failure." }

    $passed = $xunit.Passed + $pesterCounts.Passed
    $failed = $xunit.Failed + $pesterCounts.Failed
    Write-Host "xunit: $($xunit.Passed) passed, $($xunit.Failed) failed; Pester: $($pesterCounts.Passed) passed, $($pesterCounts.Failed) failed$(if ($NoFastPaths) { ' (fast paths off)' })"
    Write-Output "$passed passed, $failed failed"
    if ($failed -gt 0) { $script:ExitCode = 1 }
}

function Invoke-Demo {
    Invoke-Build
    $demo = Join-Path $Out 'demo'
    if (Test-Path $demo) { Remove-Item $demo -Recurse -Force }
    $code = Invoke-InFreshPwsh @"
`$ErrorActionPreference = 'Stop'
Import-Module ./$ModuleName.psd1
`$files = New-LowSlowExfilSampleData -Path '$demo' -Force
Write-Host "Sample tenant written to $demo (`$(`$files.Count) files)." -ForegroundColor Cyan
`$end = [datetime]::Parse((Import-PowerShellDataFile (Join-Path '$demo' 'tenant.psd1')).EndTime, [cultureinfo]::InvariantCulture, 'AdjustToUniversal')
Write-Host "Find-LowSlowExfil -Path $demo -EndTime `$(`$end.ToString('o')) -Days 30" -ForegroundColor Cyan
`$candidates = Find-LowSlowExfil -Path '$demo' -EndTime `$end -Days 30
`$candidates | Format-Table -AutoSize | Out-String -Width 160 | Out-Host
`$candidates | Export-Csv -NoTypeInformation -Path (Join-Path '$Out' 'demo-candidates.csv')
Write-Host "Same hunt, the rule as written (-KqlCompatible):" -ForegroundColor Cyan
Find-LowSlowExfil -Path '$demo' -EndTime `$end -Days 30 -KqlCompatible | Format-Table -AutoSize | Out-String -Width 160 | Out-Host
Write-Host "Candidates written to $(Join-Path $Out 'demo-candidates.csv')." -ForegroundColor Cyan
"@
    if ($code -ne 0) { throw "The demo failed (exit code $code)." }
}

function Invoke-Package {
    Invoke-Build
    # out/package/LowSlowExfil is what ships: the zip's root folder, and the folder the gallery package is made from.
    $stage = Join-Path $Out "package/$ModuleName"
    if (Test-Path (Split-Path $stage)) { Remove-Item (Split-Path $stage) -Recurse -Force }
    New-Item -ItemType Directory -Path $stage -Force | Out-Null
    Copy-Item (Join-Path $Root "$ModuleName.psd1") $stage
    Copy-Item (Join-Path $Root 'module') $stage -Recurse
    Remove-Item (Join-Path $stage 'module/help') -Recurse -Force  # the help's sources; the built help is en-US
    # Debug symbols and the build's dependency manifests are not needed to run (PowerShell and the engine's load
    # context resolve by folder) and only make the package bigger.
    Get-ChildItem $stage -Recurse -File -Include '*.pdb', '*.deps.json' | Remove-Item -Force
    Copy-Item (Join-Path $Root 'en-US') $stage -Recurse
    Copy-Item (Join-Path $Root 'README.md'), (Join-Path $Root 'LICENSE') $stage
    # Azure Automation takes a module only when the zip, the folder inside it and the manifest share its name.
    Get-ChildItem $Out -Filter "$ModuleName*.zip" -File | Remove-Item -Force
    $zip = Join-Path $Out "$ModuleName.zip"
    Compress-Archive -Path $stage -DestinationPath $zip
    # The gallery package (what Publish-PSResource sends), from the same folder; it checks the manifest as the
    # PowerShell Gallery does.
    Get-ChildItem $Out -Filter "$ModuleName.*.nupkg" -File | Remove-Item -Force
    Microsoft.PowerShell.PSResourceGet\Compress-PSResource -Path $stage -DestinationPath $Out
    $nupkg = Join-Path $Out "$ModuleName.$Version.nupkg"
    if (-not (Test-Path $nupkg)) { throw "Compress-PSResource wrote no $nupkg." }
    Write-Host "Package: $zip (Azure Automation) and $nupkg (a gallery feed)" -ForegroundColor Cyan
}

# tests/RuntimeHosts/RuntimeHost published self-contained for linux-x64 on .NET 8, 9 and 10 (PowerShell 7.4, 7.5,
# 7.6) into out/runtime-hosts/<tfm>, for RuntimeHostTests. Published again only when its sources, the core it is
# compiled against (with the report's embedded .css/.js) or the SDK change (a stamp beside each copy), so a test run
# restores the runtime packs once.
function Invoke-RuntimeHosts {
    $project = Join-Path $Root 'tests/RuntimeHosts/RuntimeHost/RuntimeHost.csproj'
    $inputs = @(Get-ChildItem (Join-Path $Root 'tests/RuntimeHosts'), (Join-Path $Root "src/$ModuleName.Core") -Recurse -File -Include '*.cs', '*.csproj', '*.css', '*.js' |
        Where-Object { $_.FullName -notmatch '[\\/](bin|obj)[\\/]' } | Sort-Object FullName)
    $sha = [System.Security.Cryptography.SHA256]::Create()
    $text = (& dotnet --version) + "`n" + (($inputs | ForEach-Object { $_.FullName.Substring($Root.Length) + ' ' + (Get-FileHash $_.FullName -Algorithm SHA256).Hash }) -join "`n")
    $stamp = [Convert]::ToHexString($sha.ComputeHash([Text.Encoding]::UTF8.GetBytes($text)))
    foreach ($tfm in 'net8.0', 'net9.0', 'net10.0') {
        $dir = Join-Path $Out "runtime-hosts/$tfm"
        $stampFile = Join-Path $dir '.stamp'
        if ((Test-Path $stampFile) -and (Get-Content -Raw $stampFile).Trim() -eq $stamp -and (Test-Path (Join-Path $dir 'RuntimeHost'))) { continue }
        Write-Host "Publishing the $tfm runtime host (self-contained, linux-x64)" -ForegroundColor Cyan
        if (Test-Path $dir) { Remove-Item $dir -Recurse -Force }
        Invoke-Dotnet publish $project -c Release -f $tfm -r linux-x64 --self-contained -o $dir "-p:Version=$Version" --nologo -v quiet
        Set-Content -Path $stampFile -Value $stamp
    }
}

function Invoke-Bench {
    Invoke-Build
    $bench = Join-Path $Out 'bench'
    New-Item -ItemType Directory -Path $bench -Force | Out-Null
    $exeDir = Join-Path $bench 'bin'
    Invoke-Dotnet build (Join-Path $Root 'tests/Benchmark/LowSlowExfil.Benchmark.csproj') -c Release -o $exeDir --nologo -v quiet
    $exe = Join-Path $exeDir 'LowSlowExfil.Benchmark.dll'
    $end = '2026-11-01T00:00:00Z'
    # One process per measurement, each printing one JSON line, so each peak memory (VmHWM) is its own.
    function Measure-Run([string] $Name, [scriptblock] $Run) {
        Write-Host "  $Name" -ForegroundColor DarkCyan
        $line = & $Run | Select-Object -Last 1
        try { $line | ConvertFrom-Json } catch { throw "$Name printed no result: $line" }
    }
    function Invoke-PwshMeasure([string] $Body) {
        Invoke-InFreshPwshOutput @"
`$ErrorActionPreference = 'Stop'
Import-Module ./$ModuleName.psd1
`$sw = [Diagnostics.Stopwatch]::StartNew()
$Body
`$peak = [double]((Get-Content /proc/self/status | Where-Object { `$_ -like 'VmHWM:*' }) -replace '\D', '') / 1024
[pscustomobject]@{ seconds = `$sw.Elapsed.TotalSeconds; peakMB = `$peak; flagged = (`$result -join ';') } | ConvertTo-Json -Compress
"@
    }
    # Runs a contender -BenchRepeat times; the median run stands for it, the others give its spread.
    function Measure-Median([object[]] $Runs) {
        $sorted = @($Runs | Sort-Object seconds)
        $median = $sorted[[int][math]::Floor(($sorted.Count - 1) / 2)]
        [pscustomobject]@{ seconds = $median.seconds; peakMB = ($sorted | Measure-Object peakMB -Maximum).Maximum
            flagged = $(if ($median.PSObject.Properties['flagged']) { $median.flagged }); spread = '{0:N2}–{1:N2}' -f $sorted[0].seconds, $sorted[-1].seconds }
    }
    $results = [System.Collections.Generic.List[object]]::new()
    foreach ($rows in $BenchRows) {
        $dir = Join-Path $bench "tenant-$rows"
        Write-Host "Tenant of about $rows ZIA rows, $BenchUsers users" -ForegroundColor Cyan
        $gen = Measure-Run 'generate' { & dotnet $exe generate $dir $rows $BenchUsers }
        $csv = Join-Path $dir 'CommonSecurityLog.csv'; $cef = Join-Path $dir 'nss-web.cef'
        $csvMB = $gen.csvBytes / 1MB; $cefMB = $gen.cefBytes / 1MB
        # One untimed pass so every contender reads the CSV from the page cache, not only the ones after the first.
        & dotnet $exe scan $csv | Out-Null
        $moduleRuns = @(); $duckRuns = @(); $scanRuns = @()
        foreach ($round in 1..$BenchRepeat) {
            $moduleRuns += Measure-Run "Find-LowSlowExfil (CSV), run $round" { Invoke-PwshMeasure "`$result = (Find-LowSlowExfil -LiteralPath '$csv' -EndTime ([datetime]'$end')).UserName" }
            $duckRuns += Measure-Run "DuckDB (read_csv + SQL), run $round" { & dotnet $exe duckdb $csv $end }
            $scanRuns += Measure-Run "bare scan (count line breaks), run $round" { & dotnet $exe scan $csv }
        }
        $module = Measure-Median $moduleRuns; $duck = Measure-Median $duckRuns; $scan = Measure-Median $scanRuns
        if (Test-Path $cef) { & dotnet $exe scan $cef | Out-Null } # warm, as for the CSV
        $cefRun = if (Test-Path $cef) { Measure-Run 'Find-LowSlowExfil (CEF)' { Invoke-PwshMeasure "`$result = (Find-LowSlowExfil -LiteralPath '$cef' -EndTime ([datetime]'$end')).UserName" } }
        # The same CSV as 8 gzip files: gzip streaming, and several files read on every core.
        $parts = Join-Path $dir 'gzip-parts'
        $split = Measure-Run 'split into 8 gzip files' { & dotnet $exe split $csv $parts 8 }
        $gzipRun = Measure-Run 'Find-LowSlowExfil (8 gzip files)' { Invoke-PwshMeasure "`$result = (Find-LowSlowExfil -Path '$parts/*.csv.gz' -EndTime ([datetime]'$end')).UserName" }
        if ($gzipRun.flagged -ne $module.flagged) { Write-Warning "The gzip parts and the CSV flag different users: '$($gzipRun.flagged)' vs '$($module.flagged)'." }
        # Plain PowerShell on a slice of 20,000 rows, scaled: the whole file would take hours.
        $slice = Join-Path $dir 'slice.csv'
        $sliceRows = 20000
        Get-Content $csv -TotalCount ($sliceRows + 1) | Set-Content $slice
        $plain = Measure-Run 'Import-Csv | Where-Object | Group-Object (slice)' { Invoke-PwshMeasure (Get-PlainPowerShellHunt $slice $end) }
        $plainSeconds = $plain.seconds * $gen.rows / $sliceRows
        if ($module.flagged -ne $duck.flagged) { Write-Warning "The module and DuckDB disagree: '$($module.flagged)' vs '$($duck.flagged)'." }
        foreach ($r in @(
            @{ Rows = $gen.rows; Contender = 'Find-LowSlowExfil, CSV'; Seconds = $module.seconds; Spread = $module.spread; MB = $csvMB; Peak = $module.peakMB }
            @{ Rows = $gen.rows; Contender = 'DuckDB read_csv + SQL'; Seconds = $duck.seconds; Spread = $duck.spread; MB = $csvMB; Peak = $duck.peakMB }
            @{ Rows = $gen.rows; Contender = 'Import-Csv | Where-Object | Group-Object (scaled)'; Seconds = $plainSeconds; Spread = ''; MB = $csvMB; Peak = $plain.peakMB }
            @{ Rows = $gen.rows; Contender = 'Bare scan (line breaks)'; Seconds = $scan.seconds; Spread = $scan.spread; MB = $csvMB; Peak = $scan.peakMB }
            $(if ($cefRun) { @{ Rows = $gen.cefRows; Contender = 'Find-LowSlowExfil, NSS CEF'; Seconds = $cefRun.seconds; Spread = ''; MB = $cefMB; Peak = $cefRun.peakMB } })
            @{ Rows = $gen.rows; Contender = "Find-LowSlowExfil, the CSV as 8 gzip files ($([math]::Round($split.gzipBytes / 1MB)) MB)"; Seconds = $gzipRun.seconds; Spread = ''; MB = $csvMB; Peak = $gzipRun.peakMB }
        )) {
            $results.Add([pscustomobject]@{
                Rows = $r.Rows; Users = $gen.users; Contender = $r.Contender; Seconds = [math]::Round($r.Seconds, 2); Spread = $r.Spread
                RowsPerSecond = [math]::Round($r.Rows / $r.Seconds); MBPerSecond = [math]::Round($r.MB / $r.Seconds, 1)
                VsDuckDB = [math]::Round($duck.seconds / $r.Seconds, 2); VsBareScan = [math]::Round($scan.seconds / $r.Seconds, 3)
                PeakMB = [math]::Round($r.Peak); Agrees = ($r.Contender -notlike 'Find*' -or $module.flagged -eq $duck.flagged)
            })
        }
        Remove-Item $dir -Recurse -Force
    }
    $results | Export-Csv (Join-Path $bench 'results.csv') -NoTypeInformation
    $workspaceLine = Measure-WorkspaceTransfer $bench
    $table = @('| Rows | Contender | Seconds (median) | Runs (s) | Rows/s | MB/s | × DuckDB speed | × bare-scan speed | Peak MB |', '|---:|---|---:|---|---:|---:|---:|---:|---:|')
    $table += $results | ForEach-Object { '| {0:N0} | {1} | {2} | {3} | {4:N0} | {5} | {6} | {7} | {8:N0} |' -f $_.Rows, ($_.Contender -replace '\|', '\|'), $_.Seconds, $_.Spread, $_.RowsPerSecond, $_.MBPerSecond, $_.VsDuckDB, $_.VsBareScan, $_.PeakMB }
    # Linear cost and flat memory: the module's seconds per million rows and its peak at each size (same users).
    $mine = @($results | Where-Object Contender -eq 'Find-LowSlowExfil, CSV')
    $scaling = "Find-LowSlowExfil on the CSV, per size: " + (($mine | ForEach-Object { '{0:N1}M rows {1:N2} s per million rows, peak {2:N0} MB' -f ($_.Rows / 1e6), ($_.Seconds / ($_.Rows / 1e6)), $_.PeakMB }) -join '; ') + '.'
    $machine = "$([Environment]::ProcessorCount) cores, $((Get-Date).ToUniversalTime().ToString('yyyy-MM-dd')), $BenchUsers users at every size, median of $BenchRepeat interleaved runs"
    $block = "<!-- bench:start -->`n_Measured by ``dotnet pwsh ./build.ps1 Bench`` on $machine._`n`n" + ($table -join "`n") + "`n`n$scaling`n`n$workspaceLine`n<!-- bench:end -->"
    $readme = Join-Path $Root 'README.md'
    $text = Get-Content -Raw $readme
    $text = [regex]::Replace($text, '(?s)<!-- bench:start -->.*?<!-- bench:end -->', { $block })
    Set-Content -Path $readme -Value $text -NoNewline
    $results | Format-Table -AutoSize | Out-String -Width 200 | Write-Host
}

# The workspace path moves aggregates, not events: hunt the sample tenant through tests/FakeLogAnalytics and
# report round trips and bytes against the events the service holds.
function Measure-WorkspaceTransfer([string] $Bench) {
    $tenant = Join-Path $Bench 'workspace-tenant'
    $fake = Join-Path $Bench 'fake'
    Invoke-Dotnet build (Join-Path $Root 'tests/FakeLogAnalytics/FakeLogAnalytics.csproj') -c Release -o $fake --nologo -v quiet | Out-Host
    $out = Invoke-InFreshPwshOutput @"
`$ErrorActionPreference = 'Stop'
Import-Module ./$ModuleName.psd1
New-LowSlowExfilSampleData -Path '$tenant' -EndTime 2026-11-01 -Force | Out-Null
`$psi = [System.Diagnostics.ProcessStartInfo]::new('dotnet')
foreach (`$a in @('$fake/FakeLogAnalytics.dll', '--port', '0', '--data', '$tenant', '--token', 'bench', '--stdin')) { `$psi.ArgumentList.Add(`$a) }
`$psi.RedirectStandardOutput = `$true; `$psi.RedirectStandardInput = `$true; `$psi.UseShellExecute = `$false
`$p = [System.Diagnostics.Process]::Start(`$psi)
`$url = `$p.StandardOutput.ReadLine(); `$ws = (`$p.StandardOutput.ReadLine() -split ' ')[1]
while ((`$l = `$p.StandardOutput.ReadLine()) -notlike 'events*') { }
`$events = `$l
`$v = Find-LowSlowExfil -WorkspaceId `$ws -Endpoint `$url -AccessToken (ConvertTo-SecureString 'bench' -AsPlainText -Force) -EndTime ([datetime]'2026-11-01T00:00:00Z') -Verbose 4>&1 |
    Where-Object { `$_ -is [System.Management.Automation.VerboseRecord] -and `$_.Message -match 'round trip' }
`$p.StandardInput.Close(); `$null = `$p.WaitForExit(5000)
"Workspace path, on the sample tenant (`$(`$events -replace '^events ', '')): `$(`$v.Message)"
"@
    $line = $out | Select-Object -Last 1
    Write-Host "  $line"
    $line
}

# The job as a PowerShell user would write it: Import-Csv | Where-Object | Group-Object (the rule's intent mode).
function Get-PlainPowerShellHunt([string] $Csv, [string] $End) {
    @"
`$end = [datetime]::Parse('$End', [cultureinfo]::InvariantCulture, 'AdjustToUniversal')
`$start = `$end.AddDays(-30)
`$domains = '$((@('drive.google.com','docs.google.com','dropbox.com','box.com','mega.nz','mediafire.com','sendspace.com','wetransfer.com','4shared.com','anonfiles.com','github.com','gitlab.com','bitbucket.org','gist.github.com','web.whatsapp.com','telegram.org','t.me','discord.com','discordapp.com','signal.org','mail.google.com','outlook.live.com','protonmail.com','tutanota.com')) -join ',')' -split ','
`$rows = Import-Csv '$Csv' | Where-Object {
    `$t = [datetime]::ParseExact(`$_.'TimeGenerated [UTC]', 'M/d/yyyy, h:mm:ss.fff tt', [cultureinfo]::InvariantCulture, 'AssumeUniversal,AdjustToUniversal')
    `$h = (`$_.DestinationHostName.ToLower() -replace ':\d+$', '').TrimEnd('.')
    `$t -gt `$start -and `$t -le `$end -and `$_.DeviceVendor -eq 'Zscaler' -and `$_.DeviceAction -notin 'block', 'blocked', 'deny' -and
        `$_.SourceUserName -and (`$domains | Where-Object { `$h -eq `$_ -or `$h.EndsWith('.' + `$_) })
}
`$users = `$rows | Group-Object { `$_.SourceUserName.ToLower() } | ForEach-Object {
    `$days = `$_.Group | Group-Object { `$_.'TimeGenerated [UTC]'.Split(',')[0] }
    [pscustomobject]@{
        UserName = `$_.Name
        MB = [math]::Round((`$_.Group | Measure-Object SentBytes -Sum).Sum / 1MB, 2)
        Days = `$days.Count
    }
}
`$stats = `$users | Measure-Object MB -Average -StandardDeviation
`$result = (`$users | Where-Object { (`$stats.StandardDeviation -gt 0 -and (`$_.MB - `$stats.Average) / `$stats.StandardDeviation -ge 3) -or (`$_.Days -ge 20 -and `$_.MB -gt 50) }).UserName
"@
}

function Invoke-Clean {
    foreach ($p in @($ModuleBin, $Out) + (Get-ChildItem $Root -Recurse -Directory -Include bin, obj | Where-Object FullName -NotLike "$Root/.git*").FullName) {
        if ($p -and (Test-Path $p)) { Remove-Item $p -Recurse -Force }
    }
}

$script:ExitCode = 0
foreach ($t in $Task) { & "Invoke-$t" }
exit $script:ExitCode
