# Parameter binding and the behaviour of Get-ZiaUploadProfile, Get-O365SharingProfile and Find-LowSlowExfil.
# Every hunt uses a fixed -EndTime of 2024-06-30T00:00:00Z ($End); with -Days 30 the window is
# (2024-05-31T00:00:00Z, 2024-06-30T00:00:00Z]. 1 MB = 1048576 bytes.

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    Import-Module (Join-Path $PSScriptRoot ../../LowSlowExfil.psd1) -Force
}

Describe 'Input paths' {
    BeforeAll {
        $dir = Join-Path $TestDrive 'logs'
        New-Item -ItemType Directory -Path $dir | Out-Null
        # alice: 1 MB to drive.google.com + 2 MB to dropbox.com on 06-10, 1 MB to dropbox.com on 06-11
        #   -> ZIA_TotalMBSent 4, ZIA_ActiveDays 2, ZIA_TotalRequests 3, ZIA_UniqueDestCnt 2 + 1 = 3.
        New-ZiaCsv -Path (Join-Path $dir 'zia-a.csv') -Rows @(
            New-ZiaRow -Time (New-UtcDate 2024 6 10 10) -User 'alice@contoso.com' -HostName 'drive.google.com' -Bytes 1048576
            New-ZiaRow -Time (New-UtcDate 2024 6 10 11) -User 'alice@contoso.com' -HostName 'dropbox.com' -Bytes 2097152
            New-ZiaRow -Time (New-UtcDate 2024 6 11 9) -User 'alice@contoso.com' -HostName 'dropbox.com' -Bytes 1048576
        ) | Out-Null
        # bob (upper case in the log, lower-cased by the rule): 0.5 MB to github.com.
        New-ZiaCsv -Path (Join-Path $dir 'zia-b.csv') -Rows @(
            New-ZiaRow -Time (New-UtcDate 2024 6 12 8) -User 'BOB@Contoso.com' -HostName 'github.com' -Bytes 524288
        ) | Out-Null
        # alice shares twice in Microsoft 365.
        New-O365Csv -Path (Join-Path $dir 'o365.csv') -Rows @(
            New-O365Row -Time (New-UtcDate 2024 6 12 9) -User 'Alice@contoso.com' -Operation 'SharingSet'
            New-O365Row -Time (New-UtcDate 2024 6 12 10) -User 'Alice@contoso.com' -Operation 'FileDownloaded'
        ) | Out-Null
        # A file whose name holds wildcard characters: carol, 3 MB to box.com.
        $bracket = Join-Path $dir 'zia[1].csv'
        New-ZiaCsv -Path $bracket -Rows @(
            New-ZiaRow -Time (New-UtcDate 2024 6 13 8) -User 'carol@contoso.com' -HostName 'box.com' -Bytes 3145728
        ) | Out-Null
        # Not a log file: ignored when the folder is read.
        Set-Content -Path (Join-Path $dir 'notes.md') -Value 'not a log'
    }

    It 'takes -Path by position' {
        $p = Get-ZiaUploadProfile (Join-Path $dir 'zia-a.csv') -EndTime $End
        @($p).Count | Should -Be 1
        $p.UserName | Should -Be 'alice@contoso.com'
        $p.ZIA_TotalMBSent | Should -Be 4
        $p.ZIA_ActiveDays | Should -Be 2
        $p.ZIA_TotalRequests | Should -Be 3
        $p.ZIA_UniqueDestCnt | Should -Be 3
        $p.TotalBytesSent | Should -Be 4194304
    }

    It 'expands wildcards in -Path' {
        # zia-*.csv matches zia-a.csv and zia-b.csv, not zia[1].csv or o365.csv.
        $p = Get-ZiaUploadProfile -Path (Join-Path $dir 'zia-*.csv') -EndTime $End
        ($p.UserName -join ',') | Should -Be 'alice@contoso.com,bob@contoso.com'
        ($p.ZIA_TotalMBSent -join ',') | Should -Be '4,0.5'
    }

    It 'reports a -Path wildcard that matches nothing as an error' {
        $p = Get-ZiaUploadProfile -Path (Join-Path $dir 'nothing-*.csv'), (Join-Path $dir 'zia-b.csv') -EndTime $End -ErrorVariable e -ErrorAction SilentlyContinue -WarningAction SilentlyContinue
        $p.UserName | Should -Be 'bob@contoso.com'
        @($e).Count | Should -Be 1
        $e[0].FullyQualifiedErrorId | Should -Be 'PathNotFound,LowSlowExfil.Commands.GetZiaUploadProfileCommand'
        $e[0].TargetObject | Should -Be (Join-Path $dir 'nothing-*.csv')
    }

    It 'reads every log file of a folder, ZIA and Microsoft 365 together' {
        # zia-a, zia-b, zia[1] and o365.csv; notes.md is skipped.
        # 3 users: alice 4 MB, bob 0.5 MB, carol 3 MB; mean 2.5, sample stdev sqrt((2.25+4+0.25)/2) = 1.802776
        # z: alice 0.83, carol 0.28, bob -1.11.
        $c = Find-LowSlowExfil $dir -EndTime $End -IncludeAll -ErrorVariable e
        @($e).Count | Should -Be 0
        ($c.UserName -join ',') | Should -Be 'alice@contoso.com,carol@contoso.com,bob@contoso.com'
        ($c.Zscore -join ',') | Should -Be '0.83,0.28,-1.11'
        $alice = $c[0]
        $alice.O365_EventCount | Should -Be 2
        ($alice.O365_Operations -join ',') | Should -Be 'FileDownloaded,SharingSet'
        $alice.DistinctChannels | Should -Be 1   # 4 MB is not > 5; one O365 channel
        $c[1].O365_EventCount | Should -Be 0
    }

    It 'treats brackets in -Path as wildcards and reads them literally with -LiteralPath' {
        $bracket = Join-Path $dir 'zia[1].csv'
        Get-ZiaUploadProfile -Path $bracket -EndTime $End -ErrorVariable e -ErrorAction SilentlyContinue -WarningAction SilentlyContinue | Should -BeNullOrEmpty
        $e[0].FullyQualifiedErrorId | Should -BeLike 'PathNotFound,*'

        $p = Get-ZiaUploadProfile -LiteralPath $bracket -EndTime $End -ErrorVariable e2
        @($e2).Count | Should -Be 0
        $p.UserName | Should -Be 'carol@contoso.com'
        $p.ZIA_TotalMBSent | Should -Be 3
    }

    It 'binds Get-ChildItem output by PSPath' {
        $p = Get-ChildItem -LiteralPath $dir -Filter 'zia*.csv' | Get-ZiaUploadProfile -EndTime $End
        ($p.UserName -join ',') | Should -Be 'alice@contoso.com,bob@contoso.com,carol@contoso.com'
        $s = Get-ChildItem -LiteralPath $dir -Filter '*.csv' | Get-O365SharingProfile -EndTime $End
        $s.UserName | Should -Be 'alice@contoso.com'
        $s.O365_EventCount | Should -Be 2
    }
}

Describe 'Hunt window' {
    BeforeAll {
        $f = Join-Path $TestDrive 'window.csv'
        # Bytes are powers of two so the total says which rows counted.
        New-ZiaCsv -Path $f -Rows @(
            New-ZiaRow -Time (New-UtcDate 2024 5 31 0 0 0) -User 'win@contoso.com' -Bytes 1    # = End - 30d: excluded (strict)
            New-ZiaRow -Time (New-UtcDate 2024 5 31 0 0 1) -User 'win@contoso.com' -Bytes 2    # first second inside
            New-ZiaRow -Time (New-UtcDate 2024 6 29 12) -User 'win@contoso.com' -Bytes 16      # inside both windows
            New-ZiaRow -Time (New-UtcDate 2024 6 30 0 0 0) -User 'win@contoso.com' -Bytes 4    # = End: included
            New-ZiaRow -Time (New-UtcDate 2024 6 30 0 0 1) -User 'win@contoso.com' -Bytes 8    # after End: excluded
        ) | Out-Null
        $o = Join-Path $TestDrive 'window-o365.csv'
        New-O365Csv -Path $o -Rows @(
            New-O365Row -Time (New-UtcDate 2024 5 31 0 0 0) -User 'win@contoso.com' -Operation 'FileDownloaded'   # excluded
            New-O365Row -Time (New-UtcDate 2024 5 31 0 0 1) -User 'win@contoso.com' -Operation 'FileCopied'       # included
            New-O365Row -Time (New-UtcDate 2024 6 30 0 0 0) -User 'win@contoso.com' -Operation 'SharingSet'       # included
            New-O365Row -Time (New-UtcDate 2024 6 30 0 0 1) -User 'win@contoso.com' -Operation 'FileSyncDownloadedFull' # excluded
        ) | Out-Null
    }

    It 'has a strict lower bound and an inclusive upper bound (-Days 30)' {
        $p = Get-ZiaUploadProfile $f -EndTime $End -Days 30
        $p.TotalBytesSent | Should -Be 22      # 2 + 16 + 4
        $p.ZIA_TotalRequests | Should -Be 3
        $p.ZIA_ActiveDays | Should -Be 3       # 05-31, 06-29, 06-30
        $p.FirstSeen | Should -Be (New-UtcDate 2024 5 31 0 0 1)
        $p.LastSeen | Should -Be (New-UtcDate 2024 6 30)
    }

    It 'defaults to 30 days' {
        (Get-ZiaUploadProfile $f -EndTime $End).TotalBytesSent | Should -Be 22
    }

    It 'narrows the window with -Days' {
        # (06-29T00:00, 06-30T00:00]: 16 + 4.
        $p = Get-ZiaUploadProfile $f -EndTime $End -Days 1
        $p.TotalBytesSent | Should -Be 20
        $p.ZIA_ActiveDays | Should -Be 2
        $p.WindowStart | Should -Be (New-UtcDate 2024 6 29)
        $p.WindowEnd | Should -Be $End
    }

    It 'applies the same window to Microsoft 365 events' {
        $s = Get-O365SharingProfile $o -EndTime $End
        $s.O365_EventCount | Should -Be 2
        ($s.O365_Operations -join ',') | Should -Be 'FileCopied,SharingSet'
        $s.O365_FirstEvent | Should -Be (New-UtcDate 2024 5 31 0 0 1)
        $s.O365_LastEvent | Should -Be $End
    }

    It 'moves the window with -EndTime' {
        # (2024-05-30T00:00:01, 2024-06-29T00:00:01]: the 1-byte and 2-byte rows only.
        $p = Get-ZiaUploadProfile $f -EndTime (New-UtcDate 2024 6 29 0 0 1)
        $p.TotalBytesSent | Should -Be 3
    }
}

Describe '-ExfilDomain' {
    BeforeAll {
        $f = Join-Path $TestDrive 'domains.csv'
        New-ZiaCsv -Path $f -Rows @(
            New-ZiaRow -Time (New-UtcDate 2024 6 10 8) -User 'ed@contoso.com' -HostName 'dropbox.com' -Bytes 1048576       # 1 MB
            New-ZiaRow -Time (New-UtcDate 2024 6 10 9) -User 'ed@contoso.com' -HostName 'files.example.org' -Bytes 2097152 # 2 MB
        ) | Out-Null
    }

    It 'uses the rule''s 24 domains by default' {
        (Get-ZiaUploadProfile $f -EndTime $End).ZIA_TotalMBSent | Should -Be 1
    }

    It 'replaces the list' {
        # example.org only: the dropbox.com upload no longer counts; files.example.org is a subdomain.
        $p = Get-ZiaUploadProfile $f -EndTime $End -ExfilDomain 'example.org'
        $p.ZIA_TotalMBSent | Should -Be 2
        $p.ZIA_UniqueDestCnt | Should -Be 1
    }

    It 'takes several domains' {
        $p = Get-ZiaUploadProfile $f -EndTime $End -ExfilDomain 'example.org', 'dropbox.com'
        $p.ZIA_TotalMBSent | Should -Be 3
        $p.ZIA_UniqueDestCnt | Should -Be 2
    }

    It 'leaves no user when no domain matches' {
        Get-ZiaUploadProfile $f -EndTime $End -ExfilDomain 'nowhere.test' | Should -BeNullOrEmpty
    }
}

Describe '-KqlCompatible against the default mode' {
    BeforeAll {
        $zia = Join-Path $TestDrive 'kql-zia.csv'
        $o365 = Join-Path $TestDrive 'kql-o365.csv'
        $t = New-UtcDate 2024 6 15 8
        New-ZiaCsv -Path $zia -Rows @(
            # carol, all on 2024-06-15:
            New-ZiaRow -Time $t -User 'carol@contoso.com' -HostName 'dropbox.com' -Action 'Block' -Bytes 1048576                   # KQL only: 'Block' is not in the rule's list
            New-ZiaRow -Time $t.AddHours(1) -User 'carol@contoso.com' -HostName 'evil-dropbox.com.example' -Bytes 2097152          # KQL only: has 'dropbox.com' as terms
            New-ZiaRow -Time $t.AddHours(2) -User 'carol@contoso.com' -HostName 'mydropbox.com' -Bytes 4194304                     # neither
            New-ZiaRow -Time $t.AddHours(3) -User 'carol@contoso.com' -HostName 'dropbox.com' -Action 'BLOCK' -Bytes 8388608       # neither: BLOCK is listed
            New-ZiaRow -Time $t.AddHours(4) -User 'carol@contoso.com' -HostName 'drive.google.com' -Bytes 524288                   # both
            New-ZiaRow -Time $t.AddHours(5) -User 'carol@contoso.com' -HostName 'dropbox.com' -Vendor 'zscaler' -Bytes 262144      # default only: vendor any case
            # dave: 11 MB to dropbox.com.
            New-ZiaRow -Time $t -User 'dave@contoso.com' -HostName 'dropbox.com' -Bytes 11534336
        ) | Out-Null
        New-O365Csv -Path $o365 -Rows @(
            New-O365Row -Time $t -User 'dave@contoso.com' -Operation 'AnonymousLinkCreated'
            New-O365Row -Time $t.AddMinutes(1) -User 'dave@contoso.com' -Operation 'AnonymousLinkCreated'
            New-O365Row -Time $t.AddMinutes(2) -User 'dave@contoso.com' -Operation 'AnonymousLinkUsed'
            New-O365Row -Time $t.AddMinutes(3) -User 'dave@contoso.com' -Operation 'FileDownloaded'
        ) | Out-Null
    }

    It 'default mode: blocked in any case, domain match, vendor in any case' {
        # drive.google.com 524288 + zscaler/dropbox.com 262144 = 786432 bytes = 0.75 MB.
        $p = Get-ZiaUploadProfile $zia -EndTime $End -UserName 'carol*'
        $p.TotalBytesSent | Should -Be 786432
        $p.ZIA_TotalMBSent | Should -Be 0.75
        $p.ZIA_TotalRequests | Should -Be 2
        $p.ZIA_UniqueDestCnt | Should -Be 2
        $p.Mode | Should -Be 'Intent'
        ($p.Destinations.DestinationHostName | Sort-Object) -join ',' | Should -Be 'drive.google.com,dropbox.com'
    }

    It 'KQL mode: case-sensitive action and vendor, has_any term match' {
        # Block 1048576 + evil-dropbox.com.example 2097152 + drive.google.com 524288 = 3670016 bytes = 3.5 MB.
        $p = Get-ZiaUploadProfile $zia -EndTime $End -UserName 'carol*' -KqlCompatible
        $p.TotalBytesSent | Should -Be 3670016
        $p.ZIA_TotalMBSent | Should -Be 3.5
        $p.ZIA_TotalRequests | Should -Be 3
        $p.ZIA_UniqueDestCnt | Should -Be 3
        $p.Mode | Should -Be 'KqlCompatible'
        $p.Destinations.DestinationHostName | Should -Contain 'evil-dropbox.com.example'
    }

    It 'counts anonymous links only in the default mode' {
        $d = Get-O365SharingProfile $o365 -EndTime $End
        $d.O365_EventCount | Should -Be 4
        $d.O365_AnonLinks | Should -Be 3
        $k = Get-O365SharingProfile $o365 -EndTime $End -KqlCompatible
        $k.O365_EventCount | Should -Be 4
        $k.O365_AnonLinks | Should -Be 0    # 'AnonymousLinkCreated' has 'Anonymous' is false in Kusto
    }

    It 'flags dave by the anonymous-link clause only in the default mode' {
        # dave: 3 anonymous links and 11 MB > 10. Two users: z = +-0.71 in both modes.
        $d = Find-LowSlowExfil $zia, $o365 -EndTime $End
        $d.UserName | Should -Be 'dave@contoso.com'
        $d.Reasons | Should -Be ([LowSlowExfil.ExfilReason]::AnonymousLinks)
        $d.Zscore | Should -Be 0.71
        Find-LowSlowExfil $zia, $o365 -EndTime $End -KqlCompatible | Should -BeNullOrEmpty
        $k = Find-LowSlowExfil $zia, $o365 -EndTime $End -KqlCompatible -IncludeAll
        ($k.UserName -join ',') | Should -Be 'dave@contoso.com,carol@contoso.com'
        $k[0].O365_AnonLinks | Should -Be 0
        $k[0].O365_EventCount | Should -Be 4
        $k[1].ZIA_TotalMBSent | Should -Be 3.5
    }
}

Describe 'Get-ZiaUploadProfile -Daily' {
    BeforeAll {
        $f = Join-Path $TestDrive 'daily.csv'
        New-ZiaCsv -Path $f -Rows @(
            New-ZiaRow -Time (New-UtcDate 2024 6 10 1) -User 'dan@contoso.com' -HostName 'dropbox.com' -Bytes 100
            New-ZiaRow -Time (New-UtcDate 2024 6 10 23 59 59) -User 'dan@contoso.com' -HostName 'mega.nz' -Bytes 200
            New-ZiaRow -Time (New-UtcDate 2024 6 10 12) -User 'dan@contoso.com' -HostName 'dropbox.com' -Bytes 300
            New-ZiaRow -Time (New-UtcDate 2024 6 11 0) -User 'dan@contoso.com' -HostName 'mega.nz' -Bytes 400
            New-ZiaRow -Time (New-UtcDate 2024 6 11 3) -User 'erin@contoso.com' -HostName 'github.com' -Bytes 500
        ) | Out-Null
    }

    It 'emits one object per user-day' {
        # dan 06-10: 100+200+300 = 600 bytes, 3 requests, 2 hosts; dan 06-11: 400, 1, 1; erin 06-11: 500, 1, 1.
        $d = Get-ZiaUploadProfile $f -EndTime $End -Daily
        @($d).Count | Should -Be 3
        $d[0].GetType().Name | Should -Be 'ZiaDailyUpload'
        ($d | ForEach-Object { '{0} {1:yyyy-MM-dd} {2} {3} {4}' -f $_.UserName, $_.Day, $_.DaySentBytes, $_.DayRequestCount, $_.DayDestinCount }) -join '; ' |
            Should -Be 'dan@contoso.com 2024-06-10 600 3 2; dan@contoso.com 2024-06-11 400 1 1; erin@contoso.com 2024-06-11 500 1 1'
        $d[0].Day | Should -Be (New-UtcDate 2024 6 10)
        $d[0].Day.Kind | Should -Be 'Utc'
    }

    It 'adds up to the per-user profile' {
        $d = Get-ZiaUploadProfile $f -EndTime $End -Daily -UserName 'dan@contoso.com'
        ($d | Measure-Object DaySentBytes -Sum).Sum | Should -Be 1000
        ($d | Measure-Object DayDestinCount -Sum).Sum | Should -Be (Get-ZiaUploadProfile $f -EndTime $End -UserName 'dan@contoso.com').ZIA_UniqueDestCnt
    }
}

Describe '-UserName' {
    BeforeAll {
        $zia = Join-Path $TestDrive 'users.csv'
        New-ZiaCsv -Path $zia -Rows @(
            New-ZiaRow -Time (New-UtcDate 2024 6 10) -User 'alice@contoso.com'
            New-ZiaRow -Time (New-UtcDate 2024 6 10) -User 'Bob@Contoso.com'
            New-ZiaRow -Time (New-UtcDate 2024 6 10) -User 'carol@fabrikam.com'
        ) | Out-Null
        $o365 = Join-Path $TestDrive 'users-o365.csv'
        New-O365Csv -Path $o365 -Rows @(
            New-O365Row -Time (New-UtcDate 2024 6 10) -User 'alice@contoso.com' -Operation 'SharingSet'
            New-O365Row -Time (New-UtcDate 2024 6 10) -User 'carol@fabrikam.com' -Operation 'SharingSet'
        ) | Out-Null
    }

    It 'filters with wildcards' {
        (Get-ZiaUploadProfile $zia -EndTime $End -UserName '*@contoso.com').UserName -join ',' | Should -Be 'alice@contoso.com,bob@contoso.com'
    }

    It 'matches case-insensitively' {
        (Get-ZiaUploadProfile $zia -EndTime $End -UserName 'CAROL*').UserName | Should -Be 'carol@fabrikam.com'
        (Get-ZiaUploadProfile $zia -EndTime $End -UserName 'BOB@CONTOSO.COM').UserName | Should -Be 'bob@contoso.com'
    }

    It 'takes several patterns' {
        (Get-ZiaUploadProfile $zia -EndTime $End -UserName 'a*', 'c*').UserName -join ',' | Should -Be 'alice@contoso.com,carol@fabrikam.com'
    }

    It 'returns nothing when no user matches' {
        Get-ZiaUploadProfile $zia -EndTime $End -UserName 'zed*' | Should -BeNullOrEmpty
    }

    It 'filters Get-O365SharingProfile too' {
        (Get-O365SharingProfile $o365 -EndTime $End -UserName '*fabrikam*').UserName | Should -Be 'carol@fabrikam.com'
    }
}

Describe 'Find-LowSlowExfil thresholds' {
    BeforeAll {
        $zia = Join-Path $TestDrive 'thr-zia.csv'
        $o365 = Join-Path $TestDrive 'thr-o365.csv'
        $rows = @(
            # anna: 11 MB on one day, 3 anonymous links -> anonymous-link clause (3 >= 3 and 11 > 10).
            New-ZiaRow -Time (New-UtcDate 2024 6 20 9) -User 'anna@contoso.com' -Bytes 11534336
            # norm: 1 MB on one day; nothing fires.
            New-ZiaRow -Time (New-UtcDate 2024 6 20 9) -User 'norm@contoso.com' -Bytes 1048576
            # per: 19 days x 2.5 MB + 1 day x 3 MB = 50.5 MB over 20 days -> persistence clause (20 >= 20 and 50.5 > 50).
            New-DailyZiaRows -User 'per@contoso.com' -Start (New-UtcDate 2024 6 1) -Days 19 -Bytes 2621440
            New-ZiaRow -Time (New-UtcDate 2024 6 25 9) -User 'per@contoso.com' -Bytes 3145728
        )
        New-ZiaCsv -Path $zia -Rows $rows | Out-Null
        New-O365Csv -Path $o365 -Rows @(
            New-O365Row -Time (New-UtcDate 2024 6 21 9) -User 'anna@contoso.com' -Operation 'AnonymousLinkCreated'
            New-O365Row -Time (New-UtcDate 2024 6 21 10) -User 'anna@contoso.com' -Operation 'AnonymousLinkCreated'
            New-O365Row -Time (New-UtcDate 2024 6 21 11) -User 'anna@contoso.com' -Operation 'AnonymousLinkCreated'
        ) | Out-Null
        # MB: anna 11, per 50.5, norm 1; mean 20.8333, sample stdev 26.1741;
        # z: per 1.13, anna -0.38, norm -0.76. Three users: no z can reach 3 ((n-1)/sqrt(n) = 1.15).
        $paths = $zia, $o365
        function Get-Flagged { param([hashtable] $More = @{}) (Find-LowSlowExfil -Path $paths -EndTime $End @More | ForEach-Object { "$($_.UserName)=$($_.Reasons)" }) -join '; ' }
    }

    It 'flags by the default thresholds' {
        Get-Flagged | Should -Be 'per@contoso.com=Persistence; anna@contoso.com=AnonymousLinks'
        $c = Find-LowSlowExfil -Path $paths -EndTime $End
        ($c.Zscore -join ',') | Should -Be '1.13,-0.38'
        $c[0].ZIA_TotalMBSent | Should -Be 50.5
        $c[0].ZIA_ActiveDays | Should -Be 20
        $c[1].O365_AnonLinks | Should -Be 3
        $c[1].DistinctChannels | Should -Be 2   # 11 MB > 5 and 3 O365 events
    }

    It '-ZScoreThreshold' {
        Get-Flagged @{ ZScoreThreshold = 1.13 } | Should -Be 'per@contoso.com=ZScore, Persistence; anna@contoso.com=AnonymousLinks'
        Get-Flagged @{ ZScoreThreshold = 1.14 } | Should -Be 'per@contoso.com=Persistence; anna@contoso.com=AnonymousLinks'
        Get-Flagged @{ ZScoreThreshold = -0.76 } | Should -Be 'per@contoso.com=ZScore, Persistence; anna@contoso.com=ZScore, AnonymousLinks; norm@contoso.com=ZScore'
    }

    It '-AnonymousLinkThreshold' {
        Get-Flagged @{ AnonymousLinkThreshold = 4 } | Should -Be 'per@contoso.com=Persistence'
        Get-Flagged @{ AnonymousLinkThreshold = 3 } | Should -Be 'per@contoso.com=Persistence; anna@contoso.com=AnonymousLinks'
        # 0 links >= 0: norm (1 MB) still fails the MB condition; per (50.5 MB > 10) now also fires it.
        Get-Flagged @{ AnonymousLinkThreshold = 0 } | Should -Be 'per@contoso.com=AnonymousLinks, Persistence; anna@contoso.com=AnonymousLinks'
    }

    It '-AnonymousLinkMinMB' {
        Get-Flagged @{ AnonymousLinkMinMB = 11 } | Should -Be 'per@contoso.com=Persistence'   # 11 > 11 is false
        Get-Flagged @{ AnonymousLinkMinMB = 10.99 } | Should -Be 'per@contoso.com=Persistence; anna@contoso.com=AnonymousLinks'
    }

    It '-PersistenceDays' {
        Get-Flagged @{ PersistenceDays = 21 } | Should -Be 'anna@contoso.com=AnonymousLinks'
        # 1 day: anna (11 MB) and norm (1 MB) still fail the 50 MB condition.
        Get-Flagged @{ PersistenceDays = 1 } | Should -Be 'per@contoso.com=Persistence; anna@contoso.com=AnonymousLinks'
    }

    It '-PersistenceMinMB' {
        Get-Flagged @{ PersistenceMinMB = 50.5 } | Should -Be 'anna@contoso.com=AnonymousLinks'
        Get-Flagged @{ PersistenceMinMB = 50.49 } | Should -Be 'per@contoso.com=Persistence; anna@contoso.com=AnonymousLinks'
        Get-Flagged @{ PersistenceDays = 1; PersistenceMinMB = 10 } | Should -Be 'per@contoso.com=Persistence; anna@contoso.com=AnonymousLinks, Persistence'
    }

    It '-IncludeAll emits unflagged users with Reasons None' {
        $all = Find-LowSlowExfil -Path $paths -EndTime $End -IncludeAll
        ($all.UserName -join ',') | Should -Be 'per@contoso.com,anna@contoso.com,norm@contoso.com'
        $norm = $all[2]
        $norm.Reasons | Should -Be ([LowSlowExfil.ExfilReason]::None)
        "$($norm.Reasons)" | Should -Be 'None'
        $norm.IsFlagged() | Should -BeFalse
        $norm.Zscore | Should -Be -0.76
        $norm.O365_EventCount | Should -Be 0
        $norm.O365_Operations.Count | Should -Be 0
        $norm.DistinctChannels | Should -Be 0
    }
}

Describe 'Z-score tenant (12 users)' {
    BeforeAll {
        $zia = Join-Path $TestDrive 'z.csv'
        # MB per user: mallory 300 (3 days x 100 MB), then 20, 12, 11, 10, 9, 8, 7, 6, 5, b-low 1.01, a-low 1.00.
        # mean 32.500833, sample stdev 84.394296:
        # z = 3.17, -0.15, -0.24, -0.25, -0.27, -0.28, -0.29, -0.30, -0.31, -0.33, -0.37, -0.37.
        # a-low and b-low tie on z; ZIA_TotalMBSent desc puts b-low (1.01) first although 'a' sorts before 'b'.
        $rows = [System.Collections.Generic.List[object]]::new()
        $rows.AddRange([object[]]@(New-DailyZiaRows -User 'mallory@contoso.com' -Start (New-UtcDate 2024 6 1) -Days 3 -Bytes 104857600))
        foreach ($mb in 20, 12, 11, 10, 9, 8, 7, 6, 5) {
            $rows.Add((New-ZiaRow -Time (New-UtcDate 2024 6 15 10) -User ('user{0:d2}@contoso.com' -f $mb) -Bytes ($mb * 1048576)))
        }
        $rows.Add((New-ZiaRow -Time (New-UtcDate 2024 6 15 10) -User 'b-low@contoso.com' -Bytes 1059062))   # round(1.0100002, 2) = 1.01
        $rows.Add((New-ZiaRow -Time (New-UtcDate 2024 6 15 10) -User 'a-low@contoso.com' -Bytes 1048576))   # 1.00
        New-ZiaCsv -Path $zia -Rows $rows | Out-Null
    }

    It 'fires the Zscore clause' {
        $c = Find-LowSlowExfil $zia -EndTime $End
        @($c).Count | Should -Be 1
        $c.UserName | Should -Be 'mallory@contoso.com'
        $c.Zscore | Should -Be 3.17
        $c.ZIA_TotalMBSent | Should -Be 300
        $c.ZIA_ActiveDays | Should -Be 3
        $c.Reasons | Should -Be ([LowSlowExfil.ExfilReason]::ZScore)
        $c.DistinctChannels | Should -Be 1
        $c.GetSummary().Users | Should -Be 12
    }

    It 'compares the Zscore to -ZScoreThreshold inclusively' {
        (Find-LowSlowExfil $zia -EndTime $End -ZScoreThreshold 3.17).UserName | Should -Be 'mallory@contoso.com'
        Find-LowSlowExfil $zia -EndTime $End -ZScoreThreshold 3.18 | Should -BeNullOrEmpty
    }

    It 'orders by Zscore desc, then ZIA_TotalMBSent desc' {
        $all = Find-LowSlowExfil $zia -EndTime $End -IncludeAll
        @($all).Count | Should -Be 12
        ($all.Zscore -join ',') | Should -Be '3.17,-0.15,-0.24,-0.25,-0.27,-0.28,-0.29,-0.3,-0.31,-0.33,-0.37,-0.37'
        ($all.UserName[-2, -1] -join ',') | Should -Be 'b-low@contoso.com,a-low@contoso.com'
        ($all.ZIA_TotalMBSent[-2, -1] -join ',') | Should -Be '1.01,1'
    }

    It 'cannot reach z 3 with fewer than 11 users' {
        # Without the two lowest users: 10 users, bound (n-1)/sqrt(n) = 2.85; mallory's z is below 3.
        # MB 300, 20, 12, 11, 10, 9, 8, 7, 6, 5: mean 38.8, sample stdev 91.872859, mallory's z = 2.843 -> 2.84.
        $all = Find-LowSlowExfil $zia -EndTime $End -IncludeAll | Where-Object UserName -NotLike '?-low*'
        $ten = $all | ForEach-Object { $_.GetUploadProfile() } | Find-LowSlowExfil -IncludeAll
        @($ten).Count | Should -Be 10
        $ten[0].UserName | Should -Be 'mallory@contoso.com'
        $ten[0].Zscore | Should -Be 2.84
        $ten[0].Reasons | Should -Be ([LowSlowExfil.ExfilReason]::None)
    }
}

Describe 'Pipeline input to Find-LowSlowExfil' {
    BeforeAll {
        $zia = Join-Path $TestDrive 'pipe-zia.csv'
        $o365 = Join-Path $TestDrive 'pipe-o365.csv'
        New-ZiaCsv -Path $zia -Rows @(
            New-ZiaRow -Time (New-UtcDate 2024 6 20 9) -User 'anna@contoso.com' -Bytes 11534336
            New-ZiaRow -Time (New-UtcDate 2024 6 20 9) -User 'norm@contoso.com' -Bytes 1048576
            New-DailyZiaRows -User 'per@contoso.com' -Start (New-UtcDate 2024 6 1) -Days 19 -Bytes 2621440
            New-ZiaRow -Time (New-UtcDate 2024 6 25 9) -User 'per@contoso.com' -Bytes 3145728
        ) | Out-Null
        New-O365Csv -Path $o365 -Rows @(
            New-O365Row -Time (New-UtcDate 2024 6 21 9) -User 'anna@contoso.com' -Operation 'AnonymousLinkCreated'
            New-O365Row -Time (New-UtcDate 2024 6 21 10) -User 'anna@contoso.com' -Operation 'AnonymousLinkUsed'
            New-O365Row -Time (New-UtcDate 2024 6 21 11) -User 'anna@contoso.com' -Operation 'AnonymousLinkCreated'
            New-O365Row -Time (New-UtcDate 2024 6 21 12) -User 'norm@contoso.com' -Operation 'SharingSet'
            New-O365Row -Time (New-UtcDate 2024 6 21 13) -User 'nobody-zia@contoso.com' -Operation 'SharingSet'  # no ZIA side: not joined
        ) | Out-Null
        $fromFiles = @(Find-LowSlowExfil -Path $zia, $o365 -EndTime $End -IncludeAll | ConvertTo-CandidateText)
    }

    It 'scores from files as expected' {
        # Same MB as the threshold tenant: z per 1.13, anna -0.38, norm -0.76.
        $fromFiles.Count | Should -Be 3
        $fromFiles[0] | Should -Be ('per@contoso.com|50.5|20|20|20|0|0|[]|1|1.13|Persistence|' +
            'Low & Slow Exfil Candidate - per@contoso.com (z=1.13, 50.5 MB over 20 days)|' +
            'User per@contoso.com uploaded 50.5 MB to non-corporate destinations across 20 active days (z-score: 1.13). Anonymous links created: 0.')
        $fromFiles[1] | Should -Be ('anna@contoso.com|11|1|1|1|3|3|["AnonymousLinkCreated","AnonymousLinkUsed"]|2|-0.38|AnonymousLinks|' +
            'Low & Slow Exfil Candidate - anna@contoso.com (z=-0.38, 11 MB over 1 days)|' +
            'User anna@contoso.com uploaded 11 MB to non-corporate destinations across 1 active days (z-score: -0.38). Anonymous links created: 3.')
        $fromFiles[2] | Should -Be ('norm@contoso.com|1|1|1|1|1|0|["SharingSet"]|1|-0.76|None|' +
            'Low & Slow Exfil Candidate - norm@contoso.com (z=-0.76, 1 MB over 1 days)|' +
            'User norm@contoso.com uploaded 1 MB to non-corporate destinations across 1 active days (z-score: -0.76). Anonymous links created: 0.')
    }

    It 'gives the same result from piped upload profiles and -SharingProfile' {
        $piped = @(Get-ZiaUploadProfile -Path $zia -EndTime $End |
            Find-LowSlowExfil -SharingProfile (Get-O365SharingProfile -Path $o365 -EndTime $End) -IncludeAll -ErrorVariable e | ConvertTo-CandidateText)
        @($e).Count | Should -Be 0
        $piped.Count | Should -Be 3
        $piped | Should -Be $fromFiles
    }

    It 'gives the same flagged users without -IncludeAll' {
        $piped = @(Get-ZiaUploadProfile -Path $zia -EndTime $End |
            Find-LowSlowExfil -SharingProfile (Get-O365SharingProfile -Path $o365 -EndTime $End) | ConvertTo-CandidateText)
        $files = @(Find-LowSlowExfil -Path $zia, $o365 -EndTime $End | ConvertTo-CandidateText)
        $piped.Count | Should -Be 2
        $piped | Should -Be $files
    }

    It 'takes upload and sharing profiles mixed in one pipeline' {
        $mixed = @(@(Get-ZiaUploadProfile $zia -EndTime $End) + @(Get-O365SharingProfile $o365 -EndTime $End) |
            Find-LowSlowExfil -IncludeAll -ErrorVariable e | ConvertTo-CandidateText)
        @($e).Count | Should -Be 0   # no profile bound twice (DuplicateProfile)
        $mixed.Count | Should -Be 3
        $mixed | Should -Be $fromFiles
        # Sharing profiles first, then upload profiles: same result.
        $reversed = @(@(Get-O365SharingProfile $o365 -EndTime $End) + @(Get-ZiaUploadProfile $zia -EndTime $End) |
            Find-LowSlowExfil -IncludeAll -ErrorVariable e2 | ConvertTo-CandidateText)
        @($e2).Count | Should -Be 0
        $reversed.Count | Should -Be 3
        $reversed | Should -Be $fromFiles
    }

    It 'takes profiles as arguments' {
        $fromArgs = @(Find-LowSlowExfil -UploadProfile (Get-ZiaUploadProfile $zia -EndTime $End) -SharingProfile (Get-O365SharingProfile $o365 -EndTime $End) -IncludeAll | ConvertTo-CandidateText)
        $fromArgs.Count | Should -Be 3
        $fromArgs | Should -Be $fromFiles
    }
}

Describe 'Reading on several threads (-ThrottleLimit)' {
    BeforeAll {
        # A generated tenant: a 39 MB CommonSecurityLog export (cut into ranges when more than one thread may read)
        # and an OfficeActivity export (read beside it).
        $Tenant = Join-Path $TestDrive 'threads'
        New-LowSlowExfilSampleData -Path $Tenant -EndTime 2026-11-01 | Out-Null
        $SampleEnd = [datetime]'2026-11-01T00:00:00Z'

        function Invoke-Hunt([int] $Limit) {
            $all = @(Find-LowSlowExfil -Path $Tenant -EndTime $SampleEnd -IncludeAll -ThrottleLimit $Limit -Verbose 4>&1)
            [pscustomobject]@{
                Rows    = @($all | Where-Object { $_ -isnot [System.Management.Automation.VerboseRecord] } | ConvertTo-Csv -NoTypeInformation)
                PerFile = @($all | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] -and $_.Message -like '*records read*' } | ForEach-Object Message)
            }
        }
        $One = Invoke-Hunt 1
        $Many = Invoke-Hunt 4
    }

    It 'scores every user the same on one thread and on several' {
        $One.Rows.Count | Should -BeGreaterThan 200
        $Many.Rows | Should -Be $One.Rows
    }

    It 'reports the files in the order read, and how many threads read each' {
        $One.PerFile.Count | Should -Be 2
        $One.PerFile[0] | Should -BeLike '*CommonSecurityLog.csv: CommonSecurityLogCsv,*'
        $One.PerFile[1] | Should -BeLike '*OfficeActivity.csv: OfficeActivityCsv,*'
        $One.PerFile[0] | Should -Not -BeLike '*threads)'
        ($Many.PerFile -replace '; [^;]*MB/s[^;]*$', '') | Should -Be ($One.PerFile -replace '; [^;]*MB/s[^;]*$', '')
        # With every fast path off (./build.ps1 Test -NoFastPaths) no export is cut into ranges: one thread reads each.
        if ($env:LOWSLOWEXFIL_FAST_PATHS -eq '0') { $Many.PerFile[0] | Should -Not -BeLike '*threads)' }
        else { $Many.PerFile[0] | Should -Match ', 4 threads\)$' }
    }

    It 'refuses a limit below 1' {
        { Find-LowSlowExfil -Path $Tenant -ThrottleLimit 0 } | Should -Throw -ErrorId 'ParameterArgumentValidationError*'
    }
}
