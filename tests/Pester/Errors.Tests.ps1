# Bad input: every unreadable record or file is a non-terminating error naming the file and line, the run goes
# on, the good records still count, and -Verbose reports per file how many records were read and skipped.
# Fixed -EndTime 2024-06-30T00:00:00Z ($End), window (2024-05-31, 2024-06-30].

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    Import-Module (Join-Path $PSScriptRoot ../../LowSlowExfil.psd1) -Force

    $ZiaId = 'LowSlowExfil.Commands.GetZiaUploadProfileCommand'
    $header = '"TimeGenerated [UTC]","DeviceVendor","DeviceAction","SourceUserName","DestinationHostName","SentBytes","RequestURL"'

    # bad.csv: 7 columns; 5 records on lines 2-7; 3 bad ones; alice's 1 MB + 2 MB still count (3 MB, 2 requests).
    $bad = Join-Path $TestDrive 'bad.csv'
    @(
        $header                                                                                                             # line 1
        '"6/10/2024, 10:00:00.000 AM","Zscaler","Allowed","alice@contoso.com","dropbox.com","1048576","https://dropbox.com/a'  # line 2: record 1, good,
        'second line of a quoted cell"'                                                                                     # line 3:   a multi-line cell
        '"yesterday","Zscaler","Allowed","alice@contoso.com","dropbox.com","1048576","x"'                                   # line 4: record 2, bad timestamp
        '"6/10/2024, 11:00:00.000 AM","Zscaler","Allowed","alice@contoso.com","dropbox.com","1048576","x","extra"'          # line 5: record 3, 8 fields
        '"6/10/2024, 12:00:00.000 PM","Zscaler","Allowed","alice@contoso.com","dropbox.com","lots","x"'                     # line 6: record 4, SentBytes 'lots'
        '"6/11/2024, 1:00:00.000 PM","Zscaler","Allowed","alice@contoso.com","dropbox.com","2097152","x"'                   # line 7: record 5, good
    ) -join "`n" | Set-Content -LiteralPath $bad -NoNewline

    # quote.csv: record 1 good (bob, 1 MB); record 2 opens a quote on line 3 that never closes.
    $quote = Join-Path $TestDrive 'quote.csv'
    @(
        $header
        '"6/10/2024, 10:00:00.000 AM","Zscaler","Allowed","bob@contoso.com","dropbox.com","1048576","x"'
        '"6/10/2024, 11:00:00.000 AM","Zscaler","Allowed","bob@contoso.com","dropbox.com","1048576","https://dropbox.com/unterminated'
        'and the file ends'
    ) -join "`n" | Set-Content -LiteralPath $quote

    $wrongHeader = Join-Path $TestDrive 'wrong-header.csv'
    "Foo,Bar,Baz`n1,2,3`n" | Set-Content -LiteralPath $wrongHeader -NoNewline

    $empty = Join-Path $TestDrive 'empty.csv'
    [System.IO.File]::WriteAllBytes($empty, [byte[]]@())

    $binary = Join-Path $TestDrive 'binary.csv'
    [System.IO.File]::WriteAllBytes($binary, [byte[]](0x50, 0x4B, 0x03, 0x04, 0x14, 0x00, 0x00, 0x00, 0x08, 0x00, 0xFF, 0xFE))

    # broken.json: an array of 3 records (lines 2, 10, 17); the second lacks a comma. carol: 1 MB + 2 MB count.
    $json = Join-Path $TestDrive 'broken.json'
    @'
[
  {
    "TimeGenerated": "2024-06-10T10:00:00Z",
    "DeviceVendor": "Zscaler",
    "DeviceAction": "Allowed",
    "SourceUserName": "carol@contoso.com",
    "DestinationHostName": "dropbox.com",
    "SentBytes": 1048576
  },
  {
    "TimeGenerated": "2024-06-10T11:00:00Z"
    "DeviceVendor": "Zscaler",
    "SourceUserName": "carol@contoso.com",
    "DestinationHostName": "dropbox.com",
    "SentBytes": 1048576
  },
  {
    "TimeGenerated": "2024-06-11T10:00:00Z",
    "DeviceVendor": "Zscaler",
    "DeviceAction": "Allowed",
    "SourceUserName": "carol@contoso.com",
    "DestinationHostName": "dropbox.com",
    "SentBytes": 2097152
  }
]
'@ | Set-Content -LiteralPath $json -NoNewline

    # JSON lines: record 2 (line 2) is cut short, record 3 has a bad timestamp; dan's record 1 (4 MB) counts.
    $jsonl = Join-Path $TestDrive 'lines.jsonl'
    @(
        '{"TimeGenerated":"2024-06-12T10:00:00Z","DeviceVendor":"Zscaler","DeviceAction":"Allowed","SourceUserName":"dan@contoso.com","DestinationHostName":"mega.nz","SentBytes":4194304}'
        '{"TimeGenerated":"2024-06-12T11:00:00Z","DeviceVendor":"Zscaler","SourceUserName":"dan@con'
        '{"TimeGenerated":"June 12th","DeviceVendor":"Zscaler","DeviceAction":"Allowed","SourceUserName":"dan@contoso.com","DestinationHostName":"mega.nz","SentBytes":1}'
    ) -join "`n" | Set-Content -LiteralPath $jsonl

    # An OfficeActivity export with one bad timestamp on line 3: erin's two other events count.
    $o365 = Join-Path $TestDrive 'o365.csv'
    New-O365Csv -Path $o365 -Rows @(
        New-O365Row -Time (New-UtcDate 2024 6 10 9) -User 'erin@contoso.com' -Operation 'SharingSet'
        New-O365Row -Time (New-UtcDate 2024 6 10 10) -User 'erin@contoso.com' -Operation 'FileDownloaded'
        New-O365Row -Time (New-UtcDate 2024 6 10 11) -User 'erin@contoso.com' -Operation 'SharingSet'
    ) | Out-Null
    $text = Get-Content -LiteralPath $o365
    $text[2] = $text[2] -replace '"6/10/2024, 10:00:00\.000 AM"', '"2024-13-45 99:00"'
    $text | Set-Content -LiteralPath $o365

    $missing = Join-Path $TestDrive 'missing.csv'
}

Describe 'Record errors in a CSV export' {
    BeforeAll {
        $p = Get-ZiaUploadProfile -Path $bad -EndTime $End -ErrorVariable e -ErrorAction SilentlyContinue -WarningAction SilentlyContinue
    }

    It 'reports each bad record as a non-terminating error' {
        @($e).Count | Should -Be 3
        $e | ForEach-Object { $_.FullyQualifiedErrorId } | Should -Be @("RecordSkipped,$ZiaId", "RecordSkipped,$ZiaId", "RecordSkipped,$ZiaId")
        $e | ForEach-Object { $_.CategoryInfo.Category } | Should -Be @('InvalidData', 'InvalidData', 'InvalidData')
    }

    It 'names file, line, record and reason: unparsable timestamp' {
        $t = $e[0].TargetObject
        $t.File | Should -Be $bad
        $t.Line | Should -Be 4        # line 2-3 is one record with a multi-line cell
        $t.Record | Should -Be 2
        $t.Reason | Should -Be "TimeGenerated 'yesterday' is not a timestamp"
        $e[0].Exception.Message | Should -Be "$($bad):4: record 2: TimeGenerated 'yesterday' is not a timestamp"
    }

    It 'names file, line and reason: wrong field count' {
        $e[1].TargetObject.File | Should -Be $bad
        $e[1].TargetObject.Line | Should -Be 5
        $e[1].TargetObject.Reason | Should -Be 'has 8 fields where the header has 7'
    }

    It 'names file, line and reason: non-numeric SentBytes' {
        $e[2].TargetObject.Line | Should -Be 6
        $e[2].TargetObject.Reason | Should -Be "SentBytes 'lots' is not a whole number"
    }

    It 'reads a row that lacks its trailing empty fields, as Import-Csv does, and counts it in -Verbose' {
        $short = Join-Path $TestDrive 'short.csv'
        @(
            'TimeGenerated [UTC],DeviceVendor,DeviceAction,SourceUserName,DestinationHostName,SentBytes,RequestURL'
            '"6/10/2024, 11:00:00.000 AM",Zscaler,Allowed,bob@contoso.com,dropbox.com,1048576,https://x'
            '"6/11/2024, 11:00:00.000 AM",Zscaler,Allowed,bob@contoso.com,dropbox.com,1048576'
        ) -join "`n" | Set-Content -LiteralPath $short -NoNewline
        $out = Get-ZiaUploadProfile -Path $short -EndTime $End -Verbose -ErrorVariable err 4>&1
        $err | Should -BeNullOrEmpty
        ($out | Where-Object { $_ -is [LowSlowExfil.ZiaUploadProfile] }).ZIA_TotalRequests | Should -Be 2
        @($out | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] -and $_.Message -like '*1 rows with fewer fields than the header (the missing fields read as empty)*' }).Count | Should -Be 1
    }

    It 'still counts the good rows of the same file' {
        $p.UserName | Should -Be 'alice@contoso.com'
        $p.ZIA_TotalMBSent | Should -Be 3
        $p.ZIA_TotalRequests | Should -Be 2
        $p.ZIA_ActiveDays | Should -Be 2
    }

    It 'reports records read and skipped per file with -Verbose, and warns' {
        $out = Get-ZiaUploadProfile -Path $bad -EndTime $End -ErrorAction SilentlyContinue -Verbose 4>&1 3>&1
        $verbose = @($out | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] } | ForEach-Object Message)
        # One line per file: "<file>: <format>, <n> records read (<p> proxy, <s> sharing), <k> skipped".
        @($verbose -like "$($bad): CommonSecurityLogCsv, 5 records read (2 proxy, 0 sharing), 3 skipped*").Count | Should -Be 1
        $warning = @($out | Where-Object { $_ -is [System.Management.Automation.WarningRecord] } | ForEach-Object Message)
        $warning | Should -Be '3 record(s) could not be read; each is reported as an error (past the first 100 in a file, as one error counting the rest). The results count everything else.'
        @($out | Where-Object { $_ -is [LowSlowExfil.ZiaUploadProfile] }).Count | Should -Be 1
    }
}

Describe 'Unterminated quote' {
    It 'skips the record it opens and keeps the rows before it' {
        $p = Get-ZiaUploadProfile -Path $quote -EndTime $End -ErrorVariable e -ErrorAction SilentlyContinue -WarningAction SilentlyContinue
        @($e).Count | Should -Be 1
        $e[0].FullyQualifiedErrorId | Should -Be "RecordSkipped,$ZiaId"
        $e[0].TargetObject.File | Should -Be $quote
        $e[0].TargetObject.Line | Should -Be 3
        $e[0].TargetObject.Record | Should -Be 2
        $e[0].TargetObject.Reason | Should -Be 'unterminated quoted field (opened on line 3) at end of file'
        $p.UserName | Should -Be 'bob@contoso.com'
        $p.ZIA_TotalMBSent | Should -Be 1
        $p.ZIA_TotalRequests | Should -Be 1
    }
}

Describe 'Unreadable files' {
    It 'reports <Name>, and the other files of the run still count' -ForEach @(
        @{ Name = 'a CSV header with no known column'; Key = 'wrongHeader'; Reason = 'the header has neither CommonSecurityLog columns (DestinationHostName, SourceUserName, DeviceVendor)*' }
        @{ Name = 'an empty file'; Key = 'empty'; Reason = 'the file is empty' }
        @{ Name = 'a binary file'; Key = 'binary'; Reason = 'the file is not text:*' }
    ) {
        $file = Get-Variable -Name $Key -ValueOnly
        $p = Get-ZiaUploadProfile -Path $file, $quote -EndTime $End -ErrorVariable e -ErrorAction SilentlyContinue -WarningAction SilentlyContinue
        # quote.csv adds its own record error; the file error comes first.
        @($e).Count | Should -Be 2
        $e[0].FullyQualifiedErrorId | Should -Be "FileUnreadable,$ZiaId"
        $e[0].CategoryInfo.Category | Should -Be 'ReadError'
        $e[0].TargetObject.File | Should -Be $file
        $e[0].TargetObject.Line | Should -Be 0
        $e[0].TargetObject.Reason | Should -BeLike $Reason
        $e[0].Exception.Message | Should -Be "$($file): $($e[0].TargetObject.Reason)"
        $p.UserName | Should -Be 'bob@contoso.com'
        $p.ZIA_TotalMBSent | Should -Be 1
    }

    It 'says in -Verbose that the read failed' {
        $out = Get-ZiaUploadProfile -Path $empty -EndTime $End -ErrorAction SilentlyContinue -Verbose 4>&1 3>&1
        $verbose = @($out | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] } | ForEach-Object Message)
        @($verbose -like "$($empty): *, 0 records read (0 proxy, 0 sharing), 0 skipped, read failed*").Count | Should -Be 1
        $out | Where-Object { $_ -is [System.Management.Automation.WarningRecord] } | ForEach-Object Message |
            Should -Be '0 record(s) could not be read and 1 file(s) could not be read in full; each is reported as an error (past the first 100 in a file, as one error counting the rest). The results count everything else.'
    }
}

Describe 'JSON with a broken record' {
    It 'skips the broken record of an array and counts the others' {
        $p = Get-ZiaUploadProfile -Path $json -EndTime $End -ErrorVariable e -ErrorAction SilentlyContinue -WarningAction SilentlyContinue
        @($e).Count | Should -Be 1
        $e[0].FullyQualifiedErrorId | Should -Be "RecordSkipped,$ZiaId"
        $e[0].TargetObject.File | Should -Be $json
        $e[0].TargetObject.Line | Should -Be 10
        $e[0].TargetObject.Record | Should -Be 2
        $e[0].TargetObject.Reason | Should -BeLike 'not valid JSON at line *, byte *: *'
        $p.UserName | Should -Be 'carol@contoso.com'
        $p.ZIA_TotalMBSent | Should -Be 3
        $p.ZIA_TotalRequests | Should -Be 2
    }

    It 'reports JSON records read and skipped with -Verbose' {
        $out = Get-ZiaUploadProfile -Path $json -EndTime $End -ErrorAction SilentlyContinue -WarningAction SilentlyContinue -Verbose 4>&1
        $verbose = @($out | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] } | ForEach-Object Message)
        @($verbose -like "$($json): *, 3 records read (2 proxy, 0 sharing), 1 skipped*").Count | Should -Be 1
    }

    It 'skips a truncated line and a bad timestamp in JSON lines' {
        $p = Get-ZiaUploadProfile -Path $jsonl -EndTime $End -ErrorVariable e -ErrorAction SilentlyContinue -WarningAction SilentlyContinue
        @($e).Count | Should -Be 2
        ($e | ForEach-Object { '{0}:{1}' -f $_.TargetObject.Line, $_.TargetObject.Record }) -join ',' | Should -Be '2:2,3:3'
        $e[1].TargetObject.Reason | Should -Be "TimeGenerated 'June 12th' is not a timestamp"
        $p.UserName | Should -Be 'dan@contoso.com'
        $p.ZIA_TotalMBSent | Should -Be 4
    }
}

Describe 'Microsoft 365 export with a bad row' {
    It 'skips the row and counts the rest' {
        $s = Get-O365SharingProfile -Path $o365 -EndTime $End -ErrorVariable e -ErrorAction SilentlyContinue -WarningAction SilentlyContinue
        @($e).Count | Should -Be 1
        $e[0].FullyQualifiedErrorId | Should -Be 'RecordSkipped,LowSlowExfil.Commands.GetO365SharingProfileCommand'
        $e[0].TargetObject.File | Should -Be $o365
        $e[0].TargetObject.Line | Should -Be 3
        $e[0].TargetObject.Reason | Should -Be "TimeGenerated '2024-13-45 99:00' is not a timestamp"
        $s.UserName | Should -Be 'erin@contoso.com'
        $s.O365_EventCount | Should -Be 2
        ($s.O365_Operations -join ',') | Should -Be 'SharingSet'
    }
}

Describe 'Missing path' {
    It 'is an error and the other paths are still read' {
        $p = Get-ZiaUploadProfile -Path $missing, $quote -EndTime $End -ErrorVariable e -ErrorAction SilentlyContinue -WarningAction SilentlyContinue
        $e[0].FullyQualifiedErrorId | Should -Be "PathNotFound,$ZiaId"
        $e[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $e[0].TargetObject | Should -Be $missing
        $e[0].Exception.Message | Should -BeLike "*'$missing'*"
        @($e).Count | Should -Be 2    # + quote.csv's record error
        $p.UserName | Should -Be 'bob@contoso.com'
    }

    It 'is an error for -LiteralPath too' {
        Get-ZiaUploadProfile -LiteralPath $missing -EndTime $End -ErrorVariable e -ErrorAction SilentlyContinue -WarningAction SilentlyContinue | Should -BeNullOrEmpty
        @($e).Count | Should -Be 1
        $e[0].FullyQualifiedErrorId | Should -Be "PathNotFound,$ZiaId"
    }
}

Describe 'A whole hunt over good and bad files' {
    It 'reports every problem and scores everything readable' {
        $c = Find-LowSlowExfil -Path $bad, $quote, $wrongHeader, $empty, $binary, $json, $jsonl, $o365, $missing -EndTime $End -IncludeAll -ErrorVariable e -ErrorAction SilentlyContinue -WarningAction SilentlyContinue
        # Errors: missing (PathNotFound, while binding paths), then per file in order: bad 3, quote 1, wrong header,
        # empty, binary, broken.json 1, lines.jsonl 2, o365 1.
        ($e | ForEach-Object { ($_.FullyQualifiedErrorId -split ',')[0] }) -join ',' |
            Should -Be 'PathNotFound,RecordSkipped,RecordSkipped,RecordSkipped,RecordSkipped,FileUnreadable,FileUnreadable,FileUnreadable,RecordSkipped,RecordSkipped,RecordSkipped,RecordSkipped'
        # ZIA users: dan 4 MB, alice 3, carol 3, bob 1 (mean 2.75, stdev 1.258306): z 0.99, 0.2, 0.2, -1.39.
        ($c | ForEach-Object { '{0}={1}' -f $_.UserName, $_.ZIA_TotalMBSent }) -join ',' |
            Should -Be 'dan@contoso.com=4,alice@contoso.com=3,carol@contoso.com=3,bob@contoso.com=1'
        ($c.Zscore -join ',') | Should -Be '0.99,0.2,0.2,-1.39'
    }
}

Describe '-ErrorAction Stop' {
    It 'turns the first bad record into a terminating error' {
        $err = $null
        $out = $null
        try { $out = Get-ZiaUploadProfile -Path $bad, $quote -EndTime $End -ErrorAction Stop }
        catch { $err = $_ }
        $err | Should -Not -BeNullOrEmpty
        $err.FullyQualifiedErrorId | Should -Be "RecordSkipped,$ZiaId"
        $err.TargetObject.File | Should -Be $bad
        $err.TargetObject.Line | Should -Be 4
        $err.Exception.GetType().FullName | Should -Be 'LowSlowExfil.Commands.LogReadException'
        $out | Should -BeNullOrEmpty
    }

    It 'stops on an unreadable file' {
        { Find-LowSlowExfil -Path $empty, $quote -EndTime $End -ErrorAction Stop } |
            Should -Throw -ErrorId 'FileUnreadable,LowSlowExfil.Commands.FindLowSlowExfilCommand'
    }

    It 'stops on a missing path' {
        { Get-ZiaUploadProfile -Path $missing, $quote -EndTime $End -ErrorAction Stop } | Should -Throw -ErrorId "PathNotFound,$ZiaId"
    }
}
