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
               the xunit tests, the Pester tests, and both again with every byte-level fast path off
               (LOWSLOWEXFIL_FAST_PATHS=0: the general readers alone); ends with one line 'N passed, N failed', the sum.
               With -NoFastPaths, both suites run once, with every fast path off.
      Demo     Build, generate the sample tenant into out/demo and show Find-LowSlowExfil's candidates.
      Package  Build, then stage the module as it ships in out/package/LowSlowExfil (no pdb, no .deps.json, with
               LICENSE) and write out/LowSlowExfil.zip (root: LowSlowExfil/, for an Azure Automation account) and
               out/LowSlowExfil.<version>.nupkg (for a gallery feed).
      RuntimeHosts  Publish tests/RuntimeHosts/RuntimeHost self-contained on .NET 8, 9 and 10 into out/runtime-hosts
               (Test does it; cached until their sources change), for running RuntimeHostTests on their own.
      Bench    Build, then tests/Benchmark/Invoke-Benchmark.ps1 with its defaults (run that script itself for its
               options, -UpdateReadme among them); writes out/bench. Not part of Test.
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

# Runs the xunit suite; returns its counts (a run that fails without a failed test, a build error, counts as one).
function Invoke-Xunit([string] $Results, [string] $Name, [switch] $NoBuild) {
    $extra = @(if ($NoBuild) { '--no-build' })
    & dotnet test (Join-Path $Root "tests/$ModuleName.Tests/$ModuleName.Tests.csproj") -c $Configuration --nologo @extra `
        --logger "trx;LogFileName=$Name.trx" --logger 'console;verbosity=minimal' --results-directory $Results | Out-Host
    $counts = @{ Passed = 0; Failed = 0 }
    $trx = Join-Path $Results "$Name.trx"
    if (Test-Path $trx) {
        $counters = ([xml](Get-Content -Raw $trx)).TestRun.ResultSummary.Counters
        $counts.Passed = [int]$counters.passed
        $counts.Failed = [int]$counters.failed + [int]$counters.error + [int]$counters.timeout + [int]$counters.aborted
    }
    if ($LASTEXITCODE -ne 0 -and $counts.Failed -eq 0) { $counts.Failed = 1; Write-Warning "dotnet test ($Name) failed without a failed test (build error?); counted as one failure." }
    $counts
}

# Runs the Pester suite in a fresh pwsh; returns its counts from the NUnit XML (no XML and a failing exit: one failure).
function Invoke-PesterSuite([string] $Results, [string] $Name) {
    $pester = Get-PesterModulePath
    $pesterXml = Join-Path $Results "$Name.xml"
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
    $counts = @{ Passed = 0; Failed = 0 }
    if (Test-Path $pesterXml) {
        $run = ([xml](Get-Content -Raw $pesterXml)).'test-results'
        $counts.Failed = [int]$run.failures + [int]$run.errors
        $counts.Passed = [int]$run.total - $counts.Failed - [int]$run.'not-run' - [int]$run.inconclusive - [int]$run.ignored - [int]$run.skipped - [int]$run.invalid
    }
    elseif ($code -ne 0) { $counts.Failed = 1; Write-Warning "Pester ($Name) did not run (exit code $code); counted as one failure." }
    $counts
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
    $xunit = Invoke-Xunit -Results $results -Name 'xunit'
    Write-Host 'Pester' -ForegroundColor Cyan
    $pesterCounts = Invoke-PesterSuite -Results $results -Name 'pester'

    # Both suites once more on the general readers alone (every fast path off), so a fast path and the reader it
    # stands in for cannot drift apart unseen, as Sep runs its suite once per parser. (-NoFastPaths runs only that.)
    $general = @{ Passed = 0; Failed = 0 }
    $generalPester = @{ Passed = 0; Failed = 0 }
    if (-not $NoFastPaths) {
        $env:LOWSLOWEXFIL_FAST_PATHS = '0'
        try {
            Write-Host 'xunit, fast paths off (LOWSLOWEXFIL_FAST_PATHS=0)' -ForegroundColor Cyan
            $general = Invoke-Xunit -Results $results -Name 'xunit-general' -NoBuild
            Write-Host 'Pester, fast paths off (LOWSLOWEXFIL_FAST_PATHS=0)' -ForegroundColor Cyan
            $generalPester = Invoke-PesterSuite -Results $results -Name 'pester-general'
        }
        finally { $env:LOWSLOWEXFIL_FAST_PATHS = $null }
    }

    $passed = $xunit.Passed + $pesterCounts.Passed + $general.Passed + $generalPester.Passed
    $failed = $xunit.Failed + $pesterCounts.Failed + $general.Failed + $generalPester.Failed
    Write-Host ("xunit: $($xunit.Passed) passed, $($xunit.Failed) failed; Pester: $($pesterCounts.Passed) passed, $($pesterCounts.Failed) failed$(if ($NoFastPaths) { ' (fast paths off)' })" +
        $(if (-not $NoFastPaths) { "; fast paths off: xunit $($general.Passed) passed, $($general.Failed) failed; Pester $($generalPester.Passed) passed, $($generalPester.Failed) failed" }))
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
    & (Join-Path $Root 'tests/Benchmark/Invoke-Benchmark.ps1') -NoBuild
}

function Invoke-Clean {
    foreach ($p in @($ModuleBin, $Out) + (Get-ChildItem $Root -Recurse -Directory -Include bin, obj | Where-Object FullName -NotLike "$Root/.git*").FullName) {
        if ($p -and (Test-Path $p)) { Remove-Item $p -Recurse -Force }
    }
}

$script:ExitCode = 0
foreach ($t in $Task) { & "Invoke-$t" }
exit $script:ExitCode
