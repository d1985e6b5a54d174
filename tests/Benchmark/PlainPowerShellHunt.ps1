<#
.SYNOPSIS
    The job as a PowerShell user would write it, for Invoke-Benchmark.ps1: Import-Csv | Where-Object | Group-Object
    over a CommonSecurityLog export (the rule's intent mode), the domains taken from the module's rule. Prints one
    JSON line: seconds, peak resident memory (VmHWM) and the users flagged.
#>
param(
    [Parameter(Mandatory)] [string] $Module,
    [Parameter(Mandatory)] [string] $Path,
    [Parameter(Mandatory)] [string] $EndTime
)
$ErrorActionPreference = 'Stop'
Import-Module $Module
$domains = @([LowSlowExfil.Rule.ExfilRule]::DefaultExfilDomains)
$sw = [Diagnostics.Stopwatch]::StartNew()
$end = [datetime]::Parse($EndTime, [cultureinfo]::InvariantCulture, 'AdjustToUniversal')
$start = $end.AddDays(-30)
$rows = Import-Csv $Path | Where-Object {
    $t = [datetime]::ParseExact($_.'TimeGenerated [UTC]', 'M/d/yyyy, h:mm:ss.fff tt', [cultureinfo]::InvariantCulture, 'AssumeUniversal,AdjustToUniversal')
    $h = ($_.DestinationHostName.ToLower() -replace ':\d+$', '').TrimEnd('.')
    $t -gt $start -and $t -le $end -and $_.DeviceVendor -eq 'Zscaler' -and $_.DeviceAction -notin 'block', 'blocked', 'deny' -and
        $_.SourceUserName -and ($domains | Where-Object { $h -eq $_ -or $h.EndsWith('.' + $_) })
}
$users = $rows | Group-Object { $_.SourceUserName.ToLower() } | ForEach-Object {
    $days = $_.Group | Group-Object { $_.'TimeGenerated [UTC]'.Split(',')[0] }
    [pscustomobject]@{
        UserName = $_.Name
        MB = [math]::Round(($_.Group | Measure-Object SentBytes -Sum).Sum / 1MB, 2)
        Days = $days.Count
    }
}
$stats = $users | Measure-Object MB -Average -StandardDeviation
$result = ($users | Where-Object { ($stats.StandardDeviation -gt 0 -and ($_.MB - $stats.Average) / $stats.StandardDeviation -ge 3) -or ($_.Days -ge 20 -and $_.MB -gt 50) }).UserName
$peak = [double]((Get-Content /proc/self/status | Where-Object { $_ -like 'VmHWM:*' }) -replace '\D', '') / 1024
[pscustomobject]@{ seconds = $sw.Elapsed.TotalSeconds; peakMB = $peak; flagged = ($result | Sort-Object) -join ';' } | ConvertTo-Json -Compress
