# Find-LowSlowExfil -StatePath when the state cannot be saved, or is shared by hunts running at once, on the
# generated sample tenant (4 flagged users with -EndTime 2026-11-01T00:00:00Z). Real files, real folders, real
# pwsh processes: a state path that cannot be saved stops the hunt before anything is read; a save that fails
# after the hunt keeps the candidates; two hunts on one (corrupt) state file take turns.

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    Import-Module $ModuleManifest -Force

    $Tenant = Join-Path $TestDrive 't'
    New-LowSlowExfilSampleData -Path $Tenant -EndTime 2026-11-01 | Out-Null
    $SampleEnd = [datetime]'2026-11-01T00:00:00Z'
    $Designed = @('marcus.webb@contoso.com', 'priya.raman@contoso.com', 'sofia.marino@contoso.com', 'tom.okafor@contoso.com')
    $CmdId = 'LowSlowExfil.Commands.FindLowSlowExfilCommand'

    # Runs Find-LowSlowExfil and returns what reached the pipeline, the errors and warnings, and the terminating error.
    function Invoke-Hunt([hashtable] $Arguments) {
        $seen = [System.Collections.Generic.List[object]]::new()
        $stop = $null
        try {
            Find-LowSlowExfil @Arguments -ErrorVariable ev -WarningVariable wv -ErrorAction SilentlyContinue -WarningAction SilentlyContinue |
                ForEach-Object { $seen.Add($_) }
        }
        catch { $stop = $_ }
        [pscustomobject]@{ Objects = $seen.ToArray(); Errors = @($ev); Warnings = @($wv | ForEach-Object { "$_" }); Stop = $stop }
    }

    # Makes a folder read-only for this process, as an administrator would: chmod for a normal user, the immutable
    # attribute for root (whom permissions do not stop), a deny ACL on Windows. Returns how to undo it, or $null.
    function Lock-Folder([string] $Path) {
        if ($IsWindows) {
            $acl = Get-Acl -LiteralPath $Path
            $rule = [System.Security.AccessControl.FileSystemAccessRule]::new([System.Security.Principal.WindowsIdentity]::GetCurrent().Name,
                'CreateFiles, AppendData, Delete, DeleteSubdirectoriesAndFiles', 'Deny')
            $acl.AddAccessRule($rule)
            Set-Acl -LiteralPath $Path -AclObject $acl
            return { param($p) $a = Get-Acl -LiteralPath $p; $a.RemoveAccessRule($rule) | Out-Null; Set-Acl -LiteralPath $p -AclObject $a }.GetNewClosure()
        }
        if ((& id -u) -ne '0') {
            & chmod 555 $Path
            return { param($p) & chmod 755 $p }
        }
        & chattr +i $Path 2>$null
        if ($LASTEXITCODE -ne 0) { return $null }
        { param($p) & chattr -i $p }
    }
}

Describe '-StatePath that cannot be saved' {
    It 'stops before reading anything when -StatePath is a folder' {
        $folder = Join-Path $TestDrive 'a-folder'
        New-Item -ItemType Directory -Path $folder | Out-Null
        $missing = Join-Path $TestDrive 'no-such-log.csv'
        $r = Invoke-Hunt @{ Path = $Tenant, $missing; EndTime = $SampleEnd; StatePath = $folder }
        $r.Stop | Should -Not -BeNullOrEmpty
        $r.Stop.FullyQualifiedErrorId | Should -Be "StatePathIsFolder,$CmdId"
        "$($r.Stop)" | Should -BeLike "*$folder*is a folder*lowslow-state.json*Nothing was hunted*"
        $r.Objects.Count | Should -Be 0
        # Nothing was read: not even the missing input was looked at.
        @($r.Errors | Where-Object { "$($_.FullyQualifiedErrorId)" -like 'PathNotFound,*' }).Count | Should -Be 0
        @(Get-ChildItem -LiteralPath $folder -Force).Count | Should -Be 0
    }

    It 'stops before reading anything when the state''s folder is read-only' {
        $folder = Join-Path $TestDrive 'read-only'
        New-Item -ItemType Directory -Path $folder | Out-Null
        $undo = Lock-Folder $folder
        if (-not $undo) { Set-ItResult -Skipped -Because 'this machine cannot make a folder read-only for this user'; return }
        try {
            $r = Invoke-Hunt @{ Path = $Tenant; EndTime = $SampleEnd; StatePath = (Join-Path $folder 'state.json') }
        }
        finally { & $undo $folder }
        $r.Stop | Should -Not -BeNullOrEmpty
        $r.Stop.FullyQualifiedErrorId | Should -Be "StateFolderNotWritable,$CmdId"
        "$($r.Stop)" | Should -BeLike "*cannot be saved*files cannot be created in its folder '$folder'*Nothing was hunted*"
        $r.Objects.Count | Should -Be 0
        @(Get-ChildItem -LiteralPath $folder -Force).Count | Should -Be 0
    }

    It 'keeps the candidates when the save fails after the hunt, and reports the failure as an error' {
        $folder = Join-Path $TestDrive 'save-fails'
        $state = Join-Path $folder 'state.json'
        # The first candidate to reach the pipeline puts a folder where the state is to be saved, after the checks.
        $c = @(Find-LowSlowExfil -Path $Tenant -EndTime $SampleEnd -StatePath $state -ErrorVariable ev -ErrorAction SilentlyContinue |
            ForEach-Object -Begin { $n = 0 } -Process { if ($n++ -eq 0) { New-Item -ItemType Directory -Path $state | Out-Null }; $_ })
        (@($c.UserName | Sort-Object) -join ',') | Should -Be ($Designed -join ',')
        @($ev).Count | Should -Be 1
        $ev[0].FullyQualifiedErrorId | Should -Be "StateSaveFailed,$CmdId"
        "$($ev[0])" | Should -BeLike "*could not be saved to $state*candidates of this run were returned*may raise them again*"
        # Nothing half-written was left behind, and the folder in the state's place was not touched.
        @(Get-ChildItem -LiteralPath $folder -Force -Filter '*.tmp').Count | Should -Be 0
        @(Get-ChildItem -LiteralPath $state -Force).Count | Should -Be 0
    }
}

Describe '-StatePath shared by hunts running at once' {
    It 'waits for a hunt that holds the state, then fails naming the lock file' {
        $state = Join-Path $TestDrive 'busy/state.json'
        New-Item -ItemType Directory -Path (Split-Path $state) | Out-Null
        $lockPath = "$state.lock"
        # Another hunt holds the lock: an exclusive handle on the lock file, as Find-LowSlowExfil takes it.
        $held = [System.IO.FileStream]::new($lockPath, 'OpenOrCreate', 'ReadWrite', 'None')
        try {
            $clock = [System.Diagnostics.Stopwatch]::StartNew()
            $r = Invoke-Hunt @{ Path = $Tenant; EndTime = $SampleEnd; StatePath = $state; StateLockTimeout = 2 }
            $clock.Stop()
        }
        finally { $held.Dispose() }
        $r.Stop | Should -Not -BeNullOrEmpty
        $r.Stop.FullyQualifiedErrorId | Should -Be "StateBusy,$CmdId"
        "$($r.Stop)" | Should -BeLike "*Another hunt is using the alert state*$state*lock file*$lockPath*still held after 2 seconds*-StateLockTimeout*Nothing was hunted*"
        $r.Objects.Count | Should -Be 0
        $clock.Elapsed.TotalSeconds | Should -BeGreaterOrEqual 1.9
        @($r.Warnings | Where-Object { $_ -like "*Another hunt is using the alert state*$lockPath*waiting up to 2 seconds*" }).Count | Should -Be 1
        Test-Path -LiteralPath $state | Should -BeFalse
    }

    It 'runs two hunts on one corrupt state file one after the other (trial <Trial>)' -ForEach @(@{ Trial = 1 }, @{ Trial = 2 }, @{ Trial = 3 }) {
        $dir = Join-Path $TestDrive "race-$Trial"
        New-Item -ItemType Directory -Path $dir | Out-Null
        $state = Join-Path $dir 'state.json'
        # A large, truncated state: reading and rejecting it takes long enough for two hunts to meet there.
        $sb = [System.Text.StringBuilder]::new('{"version":1,"users":{')
        for ($u = 0; $u -lt 200000; $u++) { [void]$sb.Append('"u').Append($u).Append('@contoso.com":["2026-10-01"],') }
        [System.IO.File]::WriteAllText($state, $sb.ToString())
        $corrupt = [System.IO.File]::ReadAllBytes($state)

        # Each child imports the module, says it is ready, waits for the go file, hunts, and writes what happened.
        $child = Join-Path $dir 'child.ps1'
        Set-Content -LiteralPath $child -Value @'
param([string] $Manifest, [string] $Tenant, [string] $State, [string] $Dir, [string] $Name)
$ErrorActionPreference = 'Stop'
Import-Module $Manifest
New-Item -ItemType File -Path (Join-Path $Dir "$Name.ready") | Out-Null
while (-not (Test-Path -LiteralPath (Join-Path $Dir 'go'))) { Start-Sleep -Milliseconds 1 }
$result = @{ Count = -1; Errors = @(); Warnings = @(); Stop = $null }
try {
    $c = @(Find-LowSlowExfil -Path $Tenant -EndTime ([datetime]'2026-11-01T00:00:00Z') -StatePath $State -ErrorVariable ev -WarningVariable wv -ErrorAction SilentlyContinue -WarningAction SilentlyContinue)
    $result.Count = $c.Count
    $result.Errors = @($ev | ForEach-Object { "$($_.FullyQualifiedErrorId): $_" })
    $result.Warnings = @($wv | ForEach-Object { "$_" })
}
catch { $result.Stop = "$($_.FullyQualifiedErrorId): $_" }
$result | ConvertTo-Json -Depth 3 | Set-Content -LiteralPath (Join-Path $Dir "$Name.json")
'@
        $procs = foreach ($name in 'one', 'two') {
            $exe = [Environment]::ProcessPath
            $psi = [System.Diagnostics.ProcessStartInfo]::new($exe)
            # Under 'dotnet pwsh' the process is dotnet itself: run pwsh.dll from $PSHOME the same way.
            if ([System.IO.Path]::GetFileNameWithoutExtension($exe) -eq 'dotnet') { $psi.ArgumentList.Add((Join-Path $PSHOME 'pwsh.dll')) }
            foreach ($a in @('-NoProfile', '-NonInteractive', '-File', $child, $ModuleManifest, $Tenant, $state, $dir, $name)) { $psi.ArgumentList.Add($a) }
            $psi.UseShellExecute = $false
            $psi.RedirectStandardOutput = $true
            $psi.RedirectStandardError = $true
            $p = [System.Diagnostics.Process]::Start($psi)
            [pscustomobject]@{ Process = $p; Out = $p.StandardOutput.ReadToEndAsync(); Err = $p.StandardError.ReadToEndAsync() }
        }
        try {
            $clock = [System.Diagnostics.Stopwatch]::StartNew()
            while (-not ((Test-Path (Join-Path $dir 'one.ready')) -and (Test-Path (Join-Path $dir 'two.ready')))) {
                if ($clock.Elapsed.TotalSeconds -gt 120 -or @($procs | Where-Object { $_.Process.HasExited }).Count) { break }
                Start-Sleep -Milliseconds 20
            }
            New-Item -ItemType File -Path (Join-Path $dir 'go') | Out-Null
            foreach ($p in $procs) {
                if (-not $p.Process.WaitForExit(180000)) { $p.Process.Kill($true); throw "A hunt did not finish within 3 minutes." }
                $p.Process.WaitForExit()
            }
        }
        finally {
            foreach ($p in $procs) { if (-not $p.Process.HasExited) { $p.Process.Kill($true) } }
        }
        $results = foreach ($name in 'one', 'two') {
            $file = Join-Path $dir "$name.json"
            $file | Should -Exist -Because (($procs | ForEach-Object { $_.Err.Result }) -join "`n")
            Get-Content -LiteralPath $file -Raw | ConvertFrom-Json
        }

        # Both ended cleanly: no terminating error, no error at all, and never "Could not find file".
        foreach ($r in $results) {
            $r.Stop | Should -BeNullOrEmpty
            @($r.Errors).Count | Should -Be 0 -Because (@($r.Errors) -join "`n")
        }
        ($results | ConvertTo-Json -Depth 3) | Should -Not -Match 'Could not find file'
        # The first quarantined the corrupt file and raised every candidate; the second waited for it, read the
        # state it saved, and raised nobody again.
        (@($results | ForEach-Object { $_.Count } | Sort-Object) -join ',') | Should -Be '0,4'
        $quarantined = @(Get-ChildItem -LiteralPath $dir -Filter 'state.json.unreadable-*')
        $quarantined.Count | Should -Be 1
        [System.IO.File]::ReadAllBytes($quarantined[0].FullName).Length | Should -Be $corrupt.Length
        @($results.Warnings | Where-Object { $_ -like '*could not be read*moved to*' }).Count | Should -Be 1
        $json = Get-Content -LiteralPath $state -Raw | ConvertFrom-Json
        (@($json.users.PSObject.Properties.Name | Sort-Object) -join ',') | Should -Be ($Designed -join ',')
        @(Get-ChildItem -LiteralPath $dir -Force -Filter '*.tmp').Count | Should -Be 0
    }
}
