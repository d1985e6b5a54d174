<#
.SYNOPSIS
    One timed process for Invoke-Benchmark.ps1: imports the module, calls Find-LowSlowExfil on the files once (the
    first call, which compiles the read path) and -Warm more times, and prints one JSON line: the first call's
    seconds and how many of them went to compiling code (JitInfo), the warm calls' median, how much of that median the file reads took (from -Verbose), the peak resident
    memory of the process (VmHWM) and the users flagged.
#>
param(
    [Parameter(Mandatory)] [string] $Module,
    [Parameter(Mandatory)] [string[]] $Path,
    [Parameter(Mandatory)] [string] $EndTime,
    [int] $Warm = 2
)
$ErrorActionPreference = 'Stop'
Import-Module $Module
$end = [datetime]::Parse($EndTime, [cultureinfo]::InvariantCulture, 'AdjustToUniversal')
$calls = foreach ($call in 0..$Warm) {
    # The runtime's own count of the time spent compiling methods (every thread), so the first call's fixed part can
    # be told apart: compiling the module's code, against everything else a first call does (buffers, threads).
    $jit = [System.Runtime.JitInfo]::GetCompilationTime($true)
    $sw = [Diagnostics.Stopwatch]::StartNew()
    $out = Find-LowSlowExfil -Path $Path -EndTime $end -Verbose 4>&1
    $seconds = $sw.Elapsed.TotalSeconds
    $jitSeconds = ([System.Runtime.JitInfo]::GetCompilationTime($true) - $jit).TotalSeconds
    $verbose = @($out | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] })
    # Each file's line ends "…; 634.1 MB in 0.55 s (1,153 MB/s, 2 threads)"; files read side by side overlap, so the
    # read time is only given for one file.
    $reads = @($verbose | ForEach-Object { if ($_.Message -match ' MB in (\d+(?:\.\d+)?) s \(') { [double]$Matches[1] } })
    [pscustomobject]@{
        Seconds = $seconds
        JitSeconds = $jitSeconds
        ReadSeconds = $(if ($Path.Count -eq 1 -and $reads.Count -eq 1) { $reads[0] } else { $null })
        Flagged = (@($out | Where-Object { $_ -isnot [System.Management.Automation.VerboseRecord] }).UserName | Sort-Object) -join ';'
    }
}
$warmCalls = @($calls | Select-Object -Skip 1 | Sort-Object Seconds)
$median = if ($warmCalls.Count) { $warmCalls[[int][math]::Floor(($warmCalls.Count - 1) / 2)] } else { $calls[0] }
$peak = [double]((Get-Content /proc/self/status | Where-Object { $_ -like 'VmHWM:*' }) -replace '\D', '') / 1024
[pscustomobject]@{
    firstSeconds = $calls[0].Seconds
    firstJitSeconds = $calls[0].JitSeconds
    warmJitSeconds = $median.JitSeconds
    warmSeconds = $median.Seconds
    readSeconds = $median.ReadSeconds
    peakMB = $peak
    flagged = $median.Flagged
} | ConvertTo-Json -Compress
