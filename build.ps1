<#
.SYNOPSIS
    Builds, tests, demonstrates and packages the LowSlowExfil module.
.DESCRIPTION
    Tasks (run in the order given):
      Build    (default) publish the module assemblies into module/bin, so that
               'Import-Module ./LowSlowExfil.psd1' loads the fresh build.
      Test     Build, then run the xunit tests and the Pester tests; ends with one line 'N passed, N failed'.
      Demo     Build, generate the sample tenant into out/demo and show Find-LowSlowExfil's candidates.
      Package  Build, then zip the module folder (root: LowSlowExfil/) into out/ for an Automation account or a gallery.
      Clean    Remove build output.
    The version comes from LowSlowExfil.psd1 (ModuleVersion) and nowhere else.
.EXAMPLE
    dotnet tool restore && dotnet pwsh ./build.ps1 Test
#>
[CmdletBinding()]
param(
    [Parameter(Position = 0)]
    [ValidateSet('Build', 'Test', 'Demo', 'Package', 'Clean')]
    [string[]] $Task = 'Build',

    [ValidateSet('Debug', 'Release')]
    [string] $Configuration = 'Release'
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

function Invoke-Test {
    Invoke-Build
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
    Write-Host "xunit: $($xunit.Passed) passed, $($xunit.Failed) failed; Pester: $($pesterCounts.Passed) passed, $($pesterCounts.Failed) failed"
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
    $stage = Join-Path $Out "package/$ModuleName"
    if (Test-Path (Split-Path $stage)) { Remove-Item (Split-Path $stage) -Recurse -Force }
    New-Item -ItemType Directory -Path $stage -Force | Out-Null
    Copy-Item (Join-Path $Root "$ModuleName.psd1") $stage
    Copy-Item (Join-Path $Root 'module') $stage -Recurse
    Remove-Item (Join-Path $stage 'module/help') -Recurse -Force  # the help's sources; the built help is en-US
    Copy-Item (Join-Path $Root 'en-US') $stage -Recurse
    Copy-Item (Join-Path $Root 'README.md') $stage
    $zip = Join-Path $Out "$ModuleName-$Version.zip"
    if (Test-Path $zip) { Remove-Item $zip -Force }
    Compress-Archive -Path $stage -DestinationPath $zip
    Write-Host "Package: $zip" -ForegroundColor Cyan
}

function Invoke-Clean {
    foreach ($p in @($ModuleBin, $Out) + (Get-ChildItem $Root -Recurse -Directory -Include bin, obj | Where-Object FullName -NotLike "$Root/.git*").FullName) {
        if ($p -and (Test-Path $p)) { Remove-Item $p -Recurse -Force }
    }
}

$script:ExitCode = 0
foreach ($t in $Task) { & "Invoke-$t" }
exit $script:ExitCode
