# Find-LowSlowExfil output as it reaches Export-Csv: the rule's columns in the rule's order, O365_Operations as a
# JSON array (a collection in the pipeline), the alert texts filled from the rule's templates.
# Fixed -EndTime 2024-06-30T00:00:00Z ($End), window (2024-05-31, 2024-06-30].

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    Import-Module (Join-Path $PSScriptRoot ../../LowSlowExfil.psd1) -Force

    $zia = Join-Path $TestDrive 'zia.csv'
    $o365 = Join-Path $TestDrive 'o365.csv'
    New-ZiaCsv -Path $zia -Rows @(
        # per: 19 days x 2.5 MB + 1 day x 3 MB = 50.5 MB over 20 days (20 requests, 1 host a day) -> Persistence.
        New-DailyZiaRows -User 'per@contoso.com' -Start (New-UtcDate 2024 6 1) -Days 19 -Bytes 2621440
        New-ZiaRow -Time (New-UtcDate 2024 6 25 9) -User 'per@contoso.com' -Bytes 3145728
        # anna: 11 MB on one day -> with 3 anonymous links, AnonymousLinks.
        New-ZiaRow -Time (New-UtcDate 2024 6 20 9) -User 'anna@contoso.com' -Bytes 11534336
        # norm: 1 MB, no Microsoft 365 activity -> not flagged.
        New-ZiaRow -Time (New-UtcDate 2024 6 20 9) -User 'norm@contoso.com' -Bytes 1048576
    ) | Out-Null
    New-O365Csv -Path $o365 -Rows @(
        New-O365Row -Time (New-UtcDate 2024 6 21 9) -User 'per@contoso.com' -Operation 'SharingSet'
        New-O365Row -Time (New-UtcDate 2024 6 21 10) -User 'per@contoso.com' -Operation 'FileDownloaded'
        New-O365Row -Time (New-UtcDate 2024 6 21 11) -User 'per@contoso.com' -Operation 'SharingSet'
        New-O365Row -Time (New-UtcDate 2024 6 22 9) -User 'anna@contoso.com' -Operation 'AnonymousLinkCreated'
        New-O365Row -Time (New-UtcDate 2024 6 22 10) -User 'anna@contoso.com' -Operation 'AnonymousLinkCreated'
        New-O365Row -Time (New-UtcDate 2024 6 22 11) -User 'anna@contoso.com' -Operation 'AnonymousLinkCreated'
    ) | Out-Null
    # MB: per 50.5, anna 11, norm 1 -> mean 20.8333, sample stdev 26.1741; z per 1.13, anna -0.38, norm -0.76.

    $candidates = @(Find-LowSlowExfil -Path $zia, $o365 -EndTime $End -IncludeAll)
    $csv = Join-Path $TestDrive 'candidates.csv'
    $candidates | Export-Csv -LiteralPath $csv -NoTypeInformation
    $lines = @(Get-Content -LiteralPath $csv)
    $imported = @(Import-Csv -LiteralPath $csv)
}

Describe 'Export-Csv of Find-LowSlowExfil' {
    It 'writes the rule''s ten columns first, in order, then Reasons and the alert texts' {
        $rule = '"UserName","ZIA_TotalMBSent","ZIA_ActiveDays","ZIA_TotalRequests","ZIA_UniqueDestCnt","O365_EventCount","O365_AnonLinks","O365_Operations","DistinctChannels","Zscore"'
        $lines[0].StartsWith($rule) | Should -BeTrue
        $lines[0] | Should -Be ($rule + ',"Reasons","AlertDisplayName","AlertDescription"')
    }

    It 'writes one line per candidate' {
        $lines.Count | Should -Be 4   # header + per, anna, norm (no multi-line cells)
    }

    It 'writes O365_Operations as a JSON array, never a .NET type name' {
        # per: FileDownloaded, SharingSet (x2) -> the set ["FileDownloaded","SharingSet"], CSV-quoted.
        # (Contains, not -like: '[' is a wildcard character.)
        $lines[1].Contains(',"[""FileDownloaded"",""SharingSet""]",') | Should -BeTrue
        $lines[2].Contains(',"[""AnonymousLinkCreated""]",') | Should -BeTrue
        $lines[3].Contains(',"[]",') | Should -BeTrue
        $imported[0].O365_Operations | Should -Be '["FileDownloaded","SharingSet"]'
        (Get-Content -Raw -LiteralPath $csv) | Should -Not -Match 'System\.'
    }

    It 'writes exactly these rows' {
        $lines[1] | Should -Be ('"per@contoso.com","50.5","20","20","20","3","0","[""FileDownloaded"",""SharingSet""]","2","1.13","Persistence",' +
            '"Low & Slow Exfil Candidate - per@contoso.com (z=1.13, 50.5 MB over 20 days)",' +
            '"User per@contoso.com uploaded 50.5 MB to non-corporate destinations across 20 active days (z-score: 1.13). Anonymous links created: 0."')
        $lines[2] | Should -Be ('"anna@contoso.com","11","1","1","1","3","3","[""AnonymousLinkCreated""]","2","-0.38","AnonymousLinks",' +
            '"Low & Slow Exfil Candidate - anna@contoso.com (z=-0.38, 11 MB over 1 days)",' +
            '"User anna@contoso.com uploaded 11 MB to non-corporate destinations across 1 active days (z-score: -0.38). Anonymous links created: 3."')
        $lines[3] | Should -Be ('"norm@contoso.com","1","1","1","1","0","0","[]","0","-0.76","None",' +
            '"Low & Slow Exfil Candidate - norm@contoso.com (z=-0.76, 1 MB over 1 days)",' +
            '"User norm@contoso.com uploaded 1 MB to non-corporate destinations across 1 active days (z-score: -0.76). Anonymous links created: 0."')
    }

    It 'writes several reasons as Export-Csv writes a flags enum' {
        # With PersistenceDays 1 and PersistenceMinMB 10, anna (1 day, 11 MB > 10) also fires persistence.
        $text = Find-LowSlowExfil -Path $zia, $o365 -EndTime $End -PersistenceDays 1 -PersistenceMinMB 10 | ConvertTo-Csv -NoTypeInformation
        $text[2] | Should -BeLike '"anna@contoso.com",*,"AnonymousLinks, Persistence","Low & Slow*'
    }

    It 'matches ConvertTo-Csv' {
        ($candidates | ConvertTo-Csv -NoTypeInformation) -join "`n" | Should -Be ($lines -join "`n")
    }
}

Describe 'O365_Operations in the pipeline' {
    BeforeAll { $per = $candidates[0] }

    It 'is a collection' {
        $per.O365_Operations.Count | Should -Be 2
        $per.O365_Operations[0] | Should -Be 'FileDownloaded'
        $per.O365_Operations[1] | Should -Be 'SharingSet'
        $per.O365_Operations -contains 'SharingSet' | Should -BeTrue
        $per.O365_Operations -contains 'AnonymousLinkCreated' | Should -BeFalse
        @($per.O365_Operations | ForEach-Object { $_.Length }) -join ',' | Should -Be '14,10'
        $per.O365_Operations -is [System.Collections.Generic.IReadOnlyList[string]] | Should -BeTrue
        @($per.O365_Operations).Count | Should -Be 2   # enumerates in the pipeline
    }

    It 'is empty, not null, for a user without Microsoft 365 events' {
        $null -eq $candidates[2].O365_Operations | Should -BeFalse
        $candidates[2].O365_Operations.Count | Should -Be 0
        $candidates[2].O365_Operations.ToString() | Should -Be '[]'
    }

    It 'gives the JSON array from ToString()' {
        # (PowerShell's own [string] cast joins a collection's items with $OFS; ToString() is what Export-Csv uses.)
        $per.O365_Operations.ToString() | Should -Be '["FileDownloaded","SharingSet"]'
        [string]$per.O365_Operations | Should -Be 'FileDownloaded SharingSet'
    }
}

Describe 'Import-Csv round trip' {
    It 'reads back the same values' {
        $imported.Count | Should -Be 3
        foreach ($i in 0..2) {
            $c = $candidates[$i]
            $r = $imported[$i]
            $r.UserName | Should -Be $c.UserName
            [double]$r.ZIA_TotalMBSent | Should -Be $c.ZIA_TotalMBSent
            [long]$r.ZIA_ActiveDays | Should -Be $c.ZIA_ActiveDays
            [long]$r.ZIA_TotalRequests | Should -Be $c.ZIA_TotalRequests
            [long]$r.ZIA_UniqueDestCnt | Should -Be $c.ZIA_UniqueDestCnt
            [long]$r.O365_EventCount | Should -Be $c.O365_EventCount
            [long]$r.O365_AnonLinks | Should -Be $c.O365_AnonLinks
            [long]$r.DistinctChannels | Should -Be $c.DistinctChannels
            [double]$r.Zscore | Should -Be $c.Zscore
            [LowSlowExfil.ExfilReason]$r.Reasons | Should -Be $c.Reasons
            $r.AlertDisplayName | Should -Be $c.AlertDisplayName
            $r.AlertDescription | Should -Be $c.AlertDescription
            # The JSON cell parses back to the same set.
            (@($r.O365_Operations | ConvertFrom-Json) -join ',') | Should -Be (@($c.O365_Operations) -join ',')
        }
    }

    It 'gives the hand-computed values' {
        $per = $imported[0]
        $per.ZIA_TotalMBSent | Should -Be '50.5'
        $per.Zscore | Should -Be '1.13'
        $per.O365_Operations | Should -Be '["FileDownloaded","SharingSet"]'
        @($per.O365_Operations | ConvertFrom-Json).Count | Should -Be 2
        $imported[1].Zscore | Should -Be '-0.38'
        $imported[2].Reasons | Should -Be 'None'
    }
}

Describe 'Alert texts' {
    It 'fill the rule''s AlertDisplayName template' {
        foreach ($c in $candidates) {
            $expected = 'Low & Slow Exfil Candidate - {0} (z={1}, {2} MB over {3} days)' -f $c.UserName,
                $c.Zscore.ToString('0.##', [cultureinfo]::InvariantCulture), $c.ZIA_TotalMBSent.ToString('0.##', [cultureinfo]::InvariantCulture), $c.ZIA_ActiveDays
            $c.AlertDisplayName | Should -Be $expected
        }
        $candidates[0].AlertDisplayName | Should -Be 'Low & Slow Exfil Candidate - per@contoso.com (z=1.13, 50.5 MB over 20 days)'
    }

    It 'fill the rule''s AlertDescription template' {
        $candidates[1].AlertDescription | Should -Be 'User anna@contoso.com uploaded 11 MB to non-corporate destinations across 1 active days (z-score: -0.38). Anonymous links created: 3.'
    }

    It 'say 0 anonymous links under -KqlCompatible, where the rule never counts them' {
        $k = Find-LowSlowExfil -Path $zia, $o365 -EndTime $End -KqlCompatible -IncludeAll
        ($k | Where-Object UserName -EQ 'anna@contoso.com').AlertDescription |
            Should -Be 'User anna@contoso.com uploaded 11 MB to non-corporate destinations across 1 active days (z-score: -0.38). Anonymous links created: 0.'
    }
}

Describe 'Export-Csv of the profile cmdlets' {
    It 'writes nested rows and operation counts as text, never a .NET type name' {
        $zp = @(Get-ZiaUploadProfile -Path $zia -EndTime $End | ConvertTo-Csv -NoTypeInformation)
        $zp[0] | Should -BeLike '"UserName","ZIA_TotalMBSent","ZIA_ActiveDays","ZIA_TotalRequests","ZIA_UniqueDestCnt",*'
        ($zp -join "`n") | Should -Not -Match 'System\.'
        $op = @(Get-O365SharingProfile -Path $o365 -EndTime $End | ConvertTo-Csv -NoTypeInformation)
        ($op -join "`n") | Should -Not -Match 'System\.'
        # per: FileDownloaded 1, SharingSet 2.
        $row = $op[2] | ConvertFrom-Csv -Header ($op[0] -replace '"' -split ',')
        $row.UserName | Should -Be 'per@contoso.com'
        $row.O365_Operations | Should -Be '["FileDownloaded","SharingSet"]'
        $row.OperationCounts | Should -Be '{"FileDownloaded":1,"SharingSet":2}'
        ($row.OperationCounts | ConvertFrom-Json).SharingSet | Should -Be 2
        $z = $zp[1] | ConvertFrom-Csv -Header ($zp[0] -replace '"' -split ',')
        $z.UserName | Should -Be 'anna@contoso.com'
        $z.DailyUploads | Should -Be '1 row'
        $z.Destinations | Should -Be '1 row'
        ($zp[3] | ConvertFrom-Csv -Header ($zp[0] -replace '"' -split ',')).DailyUploads | Should -Be '20 rows'
    }
}
