# Hostile input paths, on the real file system: links to files and folders, link loops, named pipes and folders the
# user may not read. Each file is read once whatever the number of names that lead to it; folder links are followed
# only with -FollowSymlink, around loops; a pipe is never opened; an unreadable folder is an error and the rest is read.
# A hunt that could loop or block runs in a child pwsh with a deadline, so a regression fails instead of hanging.
# Fixed -EndTime 2024-06-30T00:00:00Z ($End).

BeforeDiscovery {
    # Symbolic links, hard links, mkfifo and chmod as used here are Unix tools.
    $NotUnix = -not ($IsLinux -or $IsMacOS)
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    Import-Module $ModuleManifest -Force

    $ZiaId = 'LowSlowExfil.Commands.GetZiaUploadProfileCommand'

    # A hunt with Get-ZiaUploadProfile reduced to what the tests compare: bytes per user, the errors, warnings and
    # verbose lines. The same text runs here and in the child processes.
    $HuntFunction = @'
function Get-HuntResult([hashtable] $Arguments) {
    $verbose = [System.Collections.Generic.List[string]]::new()
    $profiles = Get-ZiaUploadProfile @Arguments -EndTime ([datetime]::new(2024, 6, 30, 0, 0, 0, [DateTimeKind]::Utc)) -Verbose `
        -ErrorVariable errs -ErrorAction SilentlyContinue -WarningVariable warns -WarningAction SilentlyContinue 4>&1 |
        ForEach-Object { if ($_ -is [System.Management.Automation.VerboseRecord]) { $verbose.Add($_.Message) } else { $_ } }
    [pscustomobject]@{
        Sent     = @($profiles | Sort-Object UserName | ForEach-Object { "$($_.UserName)=$($_.TotalBytesSent)" }) -join ','
        Errors   = @($errs | ForEach-Object {
                [pscustomobject]@{ Id = $_.FullyQualifiedErrorId; Category = "$($_.CategoryInfo.Category)"; Message = $_.Exception.Message; Target = "$($_.TargetObject)" }
            })
        Warnings = @($warns | ForEach-Object Message)
        Verbose  = @($verbose)
    }
}
'@
    . ([scriptblock]::Create($HuntFunction))

    # Runs Get-HuntResult with each of $Hunts (hashtables of arguments) in a fresh pwsh that imports the module, and
    # returns the results. The child (with its own children) is killed if it outlives $TimeoutSeconds. -Unprivileged:
    # as root, the child runs without the capabilities that let root read any folder (setpriv), so chmod 000 holds.
    function Invoke-HuntInChild([hashtable[]] $Hunts, [int] $TimeoutSeconds = 60, [switch] $Unprivileged) {
        $huntsJson = (ConvertTo-Json -InputObject @($Hunts) -Depth 3 -Compress) -replace "'", "''"
        $script = @"
`$ErrorActionPreference = 'Stop'
Import-Module '$($ModuleManifest -replace "'", "''")'
$HuntFunction
`$results = @(foreach (`$h in (ConvertFrom-Json -InputObject '$huntsJson' -AsHashtable)) { Get-HuntResult `$h })
ConvertTo-Json -InputObject `$results -Depth 5 -Compress
"@
        $dotnet = @('dotnet', 'tool', 'run', 'pwsh', '--', '-NoProfile', '-NonInteractive', '-Command', $script)
        $command = if ($Unprivileged -and (& id -u) -eq '0') {
            @('setpriv', '--bounding-set', '-dac_override,-dac_read_search', '--inh-caps', '-dac_override,-dac_read_search', '--') + $dotnet
        }
        else { $dotnet }
        $psi = [System.Diagnostics.ProcessStartInfo]::new($command[0])
        foreach ($a in $command[1..($command.Count - 1)]) { $psi.ArgumentList.Add($a) }
        $psi.UseShellExecute = $false
        $psi.RedirectStandardOutput = $true
        $psi.RedirectStandardError = $true
        $psi.WorkingDirectory = $RepoRoot
        $p = [System.Diagnostics.Process]::Start($psi)
        $out = $p.StandardOutput.ReadToEndAsync()
        $err = $p.StandardError.ReadToEndAsync()
        if (-not $p.WaitForExit($TimeoutSeconds * 1000)) {
            $p.Kill($true)
            throw "The hunt did not finish within $TimeoutSeconds s (a link loop followed, or a pipe opened?)"
        }
        $p.WaitForExit()
        if ($p.ExitCode -ne 0) { throw "The child pwsh failed (exit code $($p.ExitCode)): $($err.Result) $($out.Result)" }
        $json = @($out.Result -split "`n" | Where-Object { $_.Trim() }) | Select-Object -Last 1
        , @(ConvertFrom-Json -InputObject $json)
    }

    # One upload of $Bytes by $User on 2024-06-$Day.
    function New-UploadFile([string] $Path, [string] $User, [long] $Bytes, [int] $Day = 12) {
        New-ZiaCsv -Path $Path -Rows @(New-ZiaRow -Time (New-UtcDate 2024 6 $Day 12) -User $User -Bytes $Bytes) | Out-Null
    }
}

Describe 'A file reached by more than one name' -Skip:$NotUnix {
    BeforeAll {
        $links = Join-Path $TestDrive 'links'
        New-Item -ItemType Directory -Path $links | Out-Null
        New-UploadFile (Join-Path $links 'day-11.csv') 'alice@contoso.com' $MB -Day 11
        New-UploadFile (Join-Path $links 'day-12.csv') 'bob@contoso.com' (2 * $MB)
        # latest.csv -> day-12.csv, as log shippers leave it; a hard link is the same file under a second name too.
        & ln -s 'day-12.csv' (Join-Path $links 'latest.csv')
        & ln (Join-Path $links 'day-11.csv') (Join-Path $links 'archived.csv')
    }

    It 'is read once when a folder holds a link to it or a hard link (the user''s bytes are not doubled)' {
        $r = Get-HuntResult @{ Path = $links }
        $r.Sent | Should -Be "alice@contoso.com=$MB,bob@contoso.com=$(2 * $MB)"
        $r.Errors | Should -BeNullOrEmpty
        $r.Verbose | Should -Contain "Skipped '$(Join-Path $links 'latest.csv')': same file as '$(Join-Path $links 'day-12.csv')'."
        $r.Verbose | Should -Contain "Skipped '$(Join-Path $links 'day-11.csv')': same file as '$(Join-Path $links 'archived.csv')'."
    }

    It 'is read once when named twice, through the link and directly' {
        $r = Get-HuntResult @{ LiteralPath = (Join-Path $links 'latest.csv'), (Join-Path $links 'day-12.csv') }
        $r.Sent | Should -Be "bob@contoso.com=$(2 * $MB)"
        $r.Verbose | Should -Contain "Skipped '$(Join-Path $links 'day-12.csv')': same file as '$(Join-Path $links 'latest.csv')'."
    }
}

Describe 'Folder links under -Recurse' -Skip:$NotUnix {
    BeforeAll {
        # tree/a.csv (alice 1 MB), tree/sub/b.csv (bob 2 MB); tree/sub/up -> .. and tree/sub/again -> .. (two ways
        # round one loop: followed blindly, the paths double at each turn); tree/elsewhere -> ../outside, where
        # c.csv (carol 3 MB) is. Not in TestDrive: Pester empties it with a .NET walk that follows such links.
        $LoopRoot = Join-Path ([System.IO.Path]::GetTempPath()) ('lse-loop-' + [guid]::NewGuid().ToString('N'))
        $tree = Join-Path $LoopRoot 'tree'
        $sub = Join-Path $tree 'sub'
        $outside = Join-Path $LoopRoot 'outside'
        New-Item -ItemType Directory -Path $sub, $outside | Out-Null
        New-UploadFile (Join-Path $tree 'a.csv') 'alice@contoso.com' $MB
        New-UploadFile (Join-Path $sub 'b.csv') 'bob@contoso.com' (2 * $MB)
        New-UploadFile (Join-Path $outside 'c.csv') 'carol@contoso.com' (3 * $MB)
        & ln -s '..' (Join-Path $sub 'up')
        & ln -s '..' (Join-Path $sub 'again')
        & ln -s '../outside' (Join-Path $tree 'elsewhere')
        $Results = Invoke-HuntInChild @(@{ Path = $tree; Recurse = $true }, @{ Path = $tree; Recurse = $true; FollowSymlink = $true })
    }

    AfterAll {
        # rm removes the links, not what they lead to.
        & rm -rf $LoopRoot
    }

    It 'are not followed by default: the walk ends and each file is read once; each link skipped is said in -Verbose' {
        $r = $Results[0]
        $r.Sent | Should -Be "alice@contoso.com=$MB,bob@contoso.com=$(2 * $MB)"
        $r.Errors | Should -BeNullOrEmpty
        foreach ($link in (Join-Path $sub 'up'), (Join-Path $sub 'again'), (Join-Path $tree 'elsewhere')) {
            $r.Verbose | Should -Contain "Skipped folder link '$link': folder links are followed only with -FollowSymlink."
        }
    }

    It 'are followed with -FollowSymlink, around the loop: the folder outside is read, each file once' {
        $r = $Results[1]
        $r.Sent | Should -Be "alice@contoso.com=$MB,bob@contoso.com=$(2 * $MB),carol@contoso.com=$(3 * $MB)"
        $r.Errors | Should -BeNullOrEmpty
        foreach ($link in (Join-Path $sub 'up'), (Join-Path $sub 'again')) {
            $r.Verbose | Should -Contain "Skipped folder link '$link': it leads back to '$tree', which holds it (a loop)."
        }
    }

    It 'is offered by the three cmdlets that read files' {
        foreach ($name in 'Find-LowSlowExfil', 'Get-ZiaUploadProfile', 'Get-O365SharingProfile') {
            (Get-Command $name).Parameters.Keys | Should -Contain 'FollowSymlink' -Because $name
        }
    }
}

Describe 'Named pipes' -Skip:$NotUnix {
    BeforeAll {
        # pipes/a.csv (alice 1 MB) beside pipes/feed.csv, a named pipe nobody writes to: opening it would wait forever.
        $pipes = Join-Path $TestDrive 'pipes'
        New-Item -ItemType Directory -Path $pipes | Out-Null
        New-UploadFile (Join-Path $pipes 'a.csv') 'alice@contoso.com' $MB
        $fifo = Join-Path $pipes 'feed.csv'
        & mkfifo $fifo
        $Results = Invoke-HuntInChild @(@{ Path = $pipes }, @{ Path = $fifo, (Join-Path $pipes 'a.csv') }, @{ LiteralPath = $fifo })
    }

    It 'found in a folder are skipped, never opened, and said in -Verbose' {
        $r = $Results[0]
        $r.Sent | Should -Be "alice@contoso.com=$MB"
        $r.Errors | Should -BeNullOrEmpty
        $r.Verbose | Should -Contain "Skipped '$fifo': a named pipe, not a regular file."
    }

    It 'named explicitly are a non-terminating error, never opened; the other files are read' {
        foreach ($r in $Results[1], $Results[2]) {
            @($r.Errors).Count | Should -Be 1
            $r.Errors[0].Id | Should -Be "NotRegularFile,$ZiaId"
            $r.Errors[0].Category | Should -Be 'InvalidArgument'
            $r.Errors[0].Target | Should -Be $fifo
            $r.Errors[0].Message | Should -BeLike "*'$fifo' is a named pipe, not a regular file*"
        }
        $Results[1].Sent | Should -Be "alice@contoso.com=$MB"
    }
}

Describe 'Folders and files the user may not read' -Skip:$NotUnix {
    BeforeAll {
        # perm/ok/a.csv (alice 1 MB) and perm/ok/secret.csv (chmod 000); perm/locked/b.csv (bob 2 MB) in a chmod 000
        # folder. The hunts run where the permissions hold: as root, in a child without root's override.
        $perm = Join-Path $TestDrive 'perm'
        $ok = Join-Path $perm 'ok'
        $locked = Join-Path $perm 'locked'
        New-Item -ItemType Directory -Path $ok, $locked | Out-Null
        New-UploadFile (Join-Path $ok 'a.csv') 'alice@contoso.com' $MB
        $secret = Join-Path $ok 'secret.csv'
        New-UploadFile $secret 'mallory@contoso.com' $MB
        New-UploadFile (Join-Path $locked 'b.csv') 'bob@contoso.com' (2 * $MB)
        & chmod 000 $locked $secret
        # Root reads a chmod 000 folder anyway; without setpriv (util-linux) the test cannot take that power away.
        $NoSetpriv = if ((& id -u) -eq '0' -and -not (Get-Command setpriv -CommandType Application -ErrorAction SilentlyContinue)) {
            'running as root and setpriv (util-linux) is missing: root would read the chmod 000 folder anyway'
        }
        if ($NoSetpriv) { return }
        $Results = Invoke-HuntInChild -Unprivileged @(
            @{ Path = $perm; Recurse = $true }
            @{ Path = (Join-Path $perm '*') }
            @{ Path = (Join-Path $locked '*'), (Join-Path $ok 'a.csv') }
            @{ LiteralPath = $locked, $ok }
            @{ Path = (Join-Path $locked 'b.csv'), (Join-Path $ok 'a.csv') }
        )
    }

    AfterAll {
        & chmod 755 $locked
        & chmod 644 $secret
    }

    It 'an unreadable folder is a non-terminating PermissionDenied error naming it; the readable files are read (<Name>)' -ForEach @(
        @{ Name = '-Recurse'; Index = 0 }
        @{ Name = '-Path perm/*'; Index = 1 }
        @{ Name = '-Path perm/locked/*'; Index = 2 }
        @{ Name = '-LiteralPath perm/locked'; Index = 3 }
    ) {
        if ($NoSetpriv) { Set-ItResult -Skipped -Because $NoSetpriv; return }
        $r = $Results[$Index]
        $r.Sent | Should -Be "alice@contoso.com=$MB"
        $folder = @($r.Errors | Where-Object Target -EQ $locked)
        $folder.Count | Should -Be 1
        $folder[0].Id | Should -Be "FolderUnreadable,$ZiaId"
        $folder[0].Category | Should -Be 'PermissionDenied'
        $folder[0].Message | Should -Be "Cannot read the folder '$locked': permission denied. Its files are not in the hunt; the other paths are read."
    }

    It 'a file in an unreadable folder, named explicitly, is a PermissionDenied error, not "does not exist"' {
        if ($NoSetpriv) { Set-ItResult -Skipped -Because $NoSetpriv; return }
        $r = $Results[4]
        $r.Sent | Should -Be "alice@contoso.com=$MB"
        @($r.Errors).Count | Should -Be 1
        $r.Errors[0].Id | Should -Be "PathUnreadable,$ZiaId"
        $r.Errors[0].Category | Should -Be 'PermissionDenied'
        $r.Errors[0].Target | Should -Be (Join-Path $locked 'b.csv')
    }

    It 'an unreadable file in a folder read is a non-terminating error naming it; the others are read' {
        if ($NoSetpriv) { Set-ItResult -Skipped -Because $NoSetpriv; return }
        $r = $Results[0]
        $file = @($r.Errors | Where-Object { $_.Message -like "*$secret*" })
        $file.Count | Should -Be 1
        $file[0].Id | Should -Be "FileUnreadable,$ZiaId"
        @($r.Errors).Count | Should -Be 2
    }
}

Describe 'Ctrl+C while walking folders' -Skip:$NotUnix {
    BeforeAll {
        # 64,000 empty folders, t/00-up -> .. first of all (so the walk says it has begun), then t/01/01/01 .. t/40/40/40.
        $BigRoot = Join-Path ([System.IO.Path]::GetTempPath()) ('lse-walk-' + [guid]::NewGuid().ToString('N'))
        $big = Join-Path $BigRoot 't'
        & bash -c 'for a in {01..40}; do mkdir -p "$1/$a"/{01..40}/{01..40} || exit 1; done && ln -s .. "$1/00-up"' bash $big
        $Hunt = @{ Path = $big; Recurse = $true; EndTime = $End; WarningAction = 'SilentlyContinue' }
    }

    AfterAll {
        & rm -rf $BigRoot
    }

    It 'stops the walk at once, not when the walk is over' {
        $full = Measure-Command { Get-ZiaUploadProfile @Hunt }
        $ps = [powershell]::Create()
        try {
            # The import on its own, not as a batch (see Workspace.Tests.ps1: a stopped batch can crash the process).
            $null = $ps.AddCommand('Import-Module').AddParameter('Name', $ModuleManifest).Invoke()
            $ps.Commands.Clear()
            $null = $ps.AddCommand('Get-ZiaUploadProfile').AddParameters($Hunt).AddParameter('Verbose')
            $async = $ps.BeginInvoke()
            # The first verbose line is the link skipped in the first folder: the walk has begun.
            $deadline = [datetime]::UtcNow.AddSeconds(60)
            while ($ps.Streams.Verbose.Count -eq 0 -and -not $async.IsCompleted -and [datetime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 1 }
            $ps.Streams.Verbose[0].Message | Should -BeLike "Skipped folder link '*00-up'*"
            $stop = Measure-Command { $ps.Stop() }
            $ps.InvocationStateInfo.State | Should -Be 'Stopped'
            $stop.TotalSeconds | Should -BeLessThan ($full.TotalSeconds / 4) -Because "the whole walk takes $($full.TotalSeconds) s"
        }
        finally { $ps.Dispose() }
    }
}
