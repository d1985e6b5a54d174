<#
.SYNOPSIS
    For Invoke-Benchmark.ps1: the workspace path moves aggregates, not events. Hunts the sample tenant through
    tests/FakeLogAnalytics (on 127.0.0.1) and prints one line: round trips and bytes received against the events the
    service holds.
#>
param(
    [Parameter(Mandatory)] [string] $Module,
    [Parameter(Mandatory)] [string] $FakeLogAnalytics,
    [Parameter(Mandatory)] [string] $Tenant
)
$ErrorActionPreference = 'Stop'
Import-Module $Module
New-LowSlowExfilSampleData -Path $Tenant -EndTime 2026-11-01 -Force | Out-Null
$psi = [System.Diagnostics.ProcessStartInfo]::new('dotnet')
foreach ($a in @($FakeLogAnalytics, '--port', '0', '--data', $Tenant, '--token', 'bench', '--stdin')) { $psi.ArgumentList.Add($a) }
$psi.RedirectStandardOutput = $true; $psi.RedirectStandardInput = $true; $psi.UseShellExecute = $false
$p = [System.Diagnostics.Process]::Start($psi)
try {
    $url = $p.StandardOutput.ReadLine(); $ws = ($p.StandardOutput.ReadLine() -split ' ')[1]
    while (($l = $p.StandardOutput.ReadLine()) -notlike 'events*') { }
    $v = Find-LowSlowExfil -WorkspaceId $ws -Endpoint $url -AccessToken (ConvertTo-SecureString 'bench' -AsPlainText -Force) -EndTime ([datetime]'2026-11-01T00:00:00Z') -Verbose 4>&1 |
        Where-Object { $_ -is [System.Management.Automation.VerboseRecord] -and $_.Message -match 'round trip' }
    "Workspace path, on the sample tenant ($($l -replace '^events ', '')): $($v.Message)"
}
finally {
    $p.StandardInput.Close()
    if (-not $p.WaitForExit(5000)) { $p.Kill() }
}
