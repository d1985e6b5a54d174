# User names that read as one person but are written differently (a zero-width character, a trailing space, a
# Cyrillic letter), in real Log Analytics exports read by the cmdlets. The rule groups by tolower(name) exactly and
# the module still does: such users stay separate, and each hunt says so in a warning naming the variants.

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    Import-Module $ModuleManifest -Force

    $Zw = [string][char]0x200B          # zero-width space
    $CyrA = [string][char]0x0430        # Cyrillic small a
    $Alices = @('alice@contoso.com', "al${Zw}ice@contoso.com", 'alice@contoso.com ', "${CyrA}lice@contoso.com")
    $Dir = Join-Path $TestDrive 'exports'
    New-Item -ItemType Directory -Path $Dir | Out-Null

    # Each Alice uploads 5 MB over 5 days; bob and ALICE-in-capitals (the rule lower-cases it: no variant) too.
    $rows = foreach ($n in $Alices + 'bob@contoso.com' + 'ALICE@contoso.com') { New-DailyZiaRows -User $n -Start (New-UtcDate 2024 6 1) -Days 5 -Bytes $MB }
    # dave uploads; his Microsoft 365 events are logged under a name with a zero-width space, so they miss the join.
    $rows += New-DailyZiaRows -User 'dave@contoso.com' -Start (New-UtcDate 2024 6 1) -Days 3 -Bytes $MB
    $Zia = New-ZiaCsv -Path (Join-Path $Dir 'CommonSecurityLog.csv') -Rows $rows
    $O365 = New-O365Csv -Path (Join-Path $Dir 'OfficeActivity.csv') -Rows @(
        New-O365Row -Time (New-UtcDate 2024 6 10 9) -User "dave${Zw}@contoso.com" -Operation 'AnonymousLinkCreated'
        New-O365Row -Time (New-UtcDate 2024 6 10 10) -User 'dave@contoso.com ' -Operation 'FileDownloaded'
        New-O365Row -Time (New-UtcDate 2024 6 10 11) -User 'erin@contoso.com' -Operation 'FileDownloaded'
    )

    # Runs a cmdlet and returns its output and its warnings (as text).
    function Get-Warnings([string] $Command, [hashtable] $Arguments) {
        $w = $null
        $out = & $Command @Arguments -WarningVariable w -WarningAction SilentlyContinue
        [pscustomobject]@{ Objects = @($out); Warnings = @($w | ForEach-Object { "$_" }) }
    }
}

Describe 'Look-alike user names' {
    It 'Find-LowSlowExfil names every variant in one warning and keeps them apart, as the rule does' {
        $r = Get-Warnings Find-LowSlowExfil @{ Path = $Dir; EndTime = $End; IncludeAll = $true }
        $alice = @($r.Warnings | Where-Object { $_ -like '*alice@contoso.com*' })
        $alice.Count | Should -Be 1
        $alice[0] | Should -BeLike "4 user names look alike but differ as written, so they are counted as 4 different users*"
        foreach ($shown in "'alice@contoso.com'", "'alice@contoso.com '", "'al{U+200B}ice@contoso.com'", "'{U+0430}lice@contoso.com'") {
            $alice[0] | Should -BeLike "*$shown*"
        }
        $alice[0] | Should -BeLike '*invisible characters*spaces before or after the name*Cyrillic or Greek letters*'
        # Not merged: each written form is its own user, with its own 5 MB (ALICE@ is alice@, lower-cased by the rule).
        # Compared ordinally: PowerShell's -ceq ignores zero-width characters, the very confusion warned about.
        foreach ($n in $Alices) {
            $c = @($r.Objects | Where-Object { [string]::Equals($_.UserName, $n, [StringComparison]::Ordinal) })
            $c.Count | Should -Be 1 -Because $n
            $c[0].ZIA_TotalMBSent | Should -Be ($(if ([string]::Equals($n, 'alice@contoso.com', [StringComparison]::Ordinal)) { 10 } else { 5 }))
        }
        $r.Objects.Count | Should -Be 6   # four Alices, bob, dave
    }

    It 'warns when a Microsoft 365 name misses the join to the uploads' {
        $r = Get-Warnings Find-LowSlowExfil @{ Path = $Dir; EndTime = $End; IncludeAll = $true }
        $dave = @($r.Warnings | Where-Object { $_ -like '*dave*' })
        $dave.Count | Should -Be 1
        $dave[0] | Should -BeLike "3 user names look alike*'dave@contoso.com', 'dave@contoso.com ', 'dave{U+200B}@contoso.com'*"
        # dave's sharing was logged under the other names: the rule does not join it, and neither does the module.
        ($r.Objects | Where-Object { [string]::Equals($_.UserName, 'dave@contoso.com', [StringComparison]::Ordinal) }).O365_EventCount | Should -Be 0
    }

    It 'warns from Get-ZiaUploadProfile and Get-O365SharingProfile too' {
        $zia = Get-Warnings Get-ZiaUploadProfile @{ LiteralPath = $Zia.FullName; EndTime = $End }
        @($zia.Warnings | Where-Object { $_ -like "*'{U+0430}lice@contoso.com'*" }).Count | Should -Be 1
        $zia.Objects.Count | Should -Be 6
        $o365 = Get-Warnings Get-O365SharingProfile @{ LiteralPath = $O365.FullName; EndTime = $End }
        @($o365.Warnings).Count | Should -Be 1
        $o365.Warnings[0] | Should -BeLike "2 user names look alike*'dave@contoso.com ', 'dave{U+200B}@contoso.com'*"
        $o365.Objects.Count | Should -Be 3
    }

    It 'says nothing when names only differ in case or are simply different' {
        $plain = Join-Path $TestDrive 'plain.csv'
        New-ZiaCsv -Path $plain -Rows @(
            foreach ($n in 'Frank@contoso.com', 'frank@contoso.com', 'FRANK@CONTOSO.COM', 'frank1@contoso.com', 'frankl@contoso.com') {
                New-ZiaRow -Time (New-UtcDate 2024 6 3 9) -User $n
            }
        ) | Out-Null
        $r = Get-Warnings Find-LowSlowExfil @{ LiteralPath = $plain; EndTime = $End; IncludeAll = $true }
        $r.Warnings.Count | Should -Be 0
        $r.Objects.Count | Should -Be 3
    }

    It 'warns about ten groups one by one and counts the rest in one more warning' {
        $many = Join-Path $TestDrive 'many.csv'
        New-ZiaCsv -Path $many -Rows @(
            for ($i = 0; $i -lt 25; $i++) {
                New-ZiaRow -Time (New-UtcDate 2024 6 3 9) -User "user$i@contoso.com"
                New-ZiaRow -Time (New-UtcDate 2024 6 3 9) -User "user$i@contoso.com${Zw}"
            }
        ) | Out-Null
        $r = Get-Warnings Find-LowSlowExfil @{ LiteralPath = $many; EndTime = $End; IncludeAll = $true }
        $r.Warnings.Count | Should -Be 11
        $r.Warnings[10] | Should -Be '15 more groups of look-alike user names were found; each group is counted as separate users.'
        $r.Objects.Count | Should -Be 50
    }
}
