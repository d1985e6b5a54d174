# What a newcomer types in the first minutes (issue 16): candidates piped into the profile cmdlets, -FeedTimeZone as
# an offset and its completion, -Verbose on the files a folder read leaves out, and messages worded for the person at
# the console rather than for a library user.

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    Import-Module $ModuleManifest -Force
    Import-TestSupport
}

Describe 'Candidates piped into the profile cmdlets' {
    BeforeAll {
        $Tenant = Join-Path $TestDrive 'pipe'
        New-LowSlowExfilSampleData -Path $Tenant -EndTime 2026-11-01 -BackgroundUsers 20 | Out-Null
        $SampleEnd = [datetime]'2026-11-01T00:00:00Z'
        $Candidates = @(Find-LowSlowExfil -Path $Tenant -EndTime $SampleEnd)
        $Views = @('Daily', 'Destinations', 'Channels')
        # With -Path the logs are read again for the candidates' users: what that gives, while the files are there.
        $WithPath = @{}
        foreach ($v in $Views) {
            $view = @{ $v = $true }
            $WithPath[$v] = $Candidates | Get-ZiaUploadProfile -Path $Tenant -EndTime $SampleEnd @view | ConvertTo-Csv
        }
        $WithPath['Operations'] = $Candidates | Get-O365SharingProfile -Path $Tenant -EndTime $SampleEnd -Operations | ConvertTo-Csv
        # Then the files go: without -Path a profile can only come from the candidate itself.
        Rename-Item $Tenant "$Tenant-gone"
    }

    It 'has candidates of every kind to pipe' {
        $Candidates.Reasons -join ',' | Should -Match 'ZScore'
        $Candidates.Reasons -join ',' | Should -Match 'AnonymousLinks'
    }

    It 'gives each candidate''s own upload profile to Get-ZiaUploadProfile, nothing read' {
        $c = $Candidates[0]
        $p = @($c | Get-ZiaUploadProfile -ErrorAction Stop)
        $p.Count | Should -Be 1
        [object]::ReferenceEquals($p[0], $c.GetUploadProfile()) | Should -BeTrue
    }

    It 'gives the -<_> rows of the candidates'' own profiles, as with -Path' -ForEach @('Daily', 'Destinations', 'Channels') {
        $view = @{ $_ = $true }
        $first = @($Candidates[0] | Get-ZiaUploadProfile @view -ErrorAction Stop)
        $first.Count | Should -BeGreaterThan 0
        $first[0].UserName | Should -Be $Candidates[0].UserName
        ($Candidates | Get-ZiaUploadProfile @view -ErrorAction Stop | ConvertTo-Csv) | Should -Be $WithPath[$_]
    }

    It 'gives the candidates'' own sharing profiles to Get-O365SharingProfile, -Operations too' {
        $anon = $Candidates | Where-Object Reasons -Match 'AnonymousLinks' | Select-Object -First 1
        $p = @($anon | Get-O365SharingProfile -ErrorAction Stop)
        [object]::ReferenceEquals($p[0], $anon.GetSharingProfile()) | Should -BeTrue
        @($anon | Get-O365SharingProfile -Operations -ErrorAction Stop | Where-Object Operation -EQ 'AnonymousLinkCreated').Count | Should -Be 1
        ($Candidates | Get-O365SharingProfile -Operations -ErrorAction Stop | ConvertTo-Csv) | Should -Be $WithPath['Operations']
    }

    It 'still reads files piped from Get-ChildItem, and path strings, into <_>' -ForEach @('Get-ZiaUploadProfile', 'Get-O365SharingProfile') {
        # Without -UserName, which would choose the set: PowerShell must tell files from candidates by what is piped.
        $gone = "$Tenant-gone"
        $fromFiles = @(Get-ChildItem $gone -Filter *.csv | & $_ -EndTime $SampleEnd -ErrorAction Stop)
        $fromFiles.Count | Should -BeGreaterThan 20
        ($fromFiles | ConvertTo-Csv) | Should -Be (& $_ -Path $gone -EndTime $SampleEnd | ConvertTo-Csv)
        (@($gone) | & $_ -EndTime $SampleEnd -ErrorAction Stop | ConvertTo-Csv) | Should -Be ($fromFiles | ConvertTo-Csv)
    }
}

Describe '-FeedTimeZone' {
    BeforeAll {
        # A raw NSS feed (CEF over syslog) with one upload whose wall-clock time is 2026-10-10 12:00:00, as the
        # module's own feed writer lays records out.
        $Feed = Join-Path $TestDrive 'feed.cef'
        $upload = [LowSlowExfil.SampleData.SampleProxyEvent]@{
            TimeGenerated = [datetime]::new(2026, 10, 10, 12, 0, 0, [DateTimeKind]::Utc); DeviceVendor = 'Zscaler'
            DeviceProduct = 'NSSWeblog'; DeviceAction = 'Allowed'; SourceUserName = 'ann@contoso.com'
            DestinationHostName = 'dropbox.com'; SentBytes = $MB; ReceivedBytes = 512; RequestURL = 'https://dropbox.com/upload'
            SourceIP = '10.0.0.7'; ExternalId = 1
        }
        [LowSlowExfil.SampleData.SampleRawFeedWriter]::WriteNssCef([LowSlowExfil.SampleData.SampleProxyEvent[]] @($upload), $Feed, $false)
        function Get-FeedUpload([string] $Zone) {
            (Get-ZiaUploadProfile -Path $Feed -EndTime 2026-11-01 -FeedTimeZone $Zone -ErrorAction Stop).FirstSeen.ToString('yyyy-MM-ddTHH:mm:ss')
        }
    }

    It 'reads <Zone> as a fixed offset from UTC' -ForEach @(
        @{ Zone = '+02:00'; Utc = '2026-10-10T10:00:00' }
        @{ Zone = 'UTC+2'; Utc = '2026-10-10T10:00:00' }
        @{ Zone = 'UTC+02:00'; Utc = '2026-10-10T10:00:00' }
        @{ Zone = 'GMT+0200'; Utc = '2026-10-10T10:00:00' }
        @{ Zone = '-05:30'; Utc = '2026-10-10T17:30:00' }
        @{ Zone = 'UTC-03:30'; Utc = '2026-10-10T15:30:00' }
        @{ Zone = '+14:00'; Utc = '2026-10-09T22:00:00' }
        @{ Zone = 'Z'; Utc = '2026-10-10T12:00:00' }
        @{ Zone = 'UTC'; Utc = '2026-10-10T12:00:00' }
        @{ Zone = '-00:00'; Utc = '2026-10-10T12:00:00' }
    ) {
        Get-FeedUpload $Zone | Should -Be $Utc
    }

    It 'still takes a zone id, with its daylight saving time' {
        Get-FeedUpload 'Europe/Berlin' | Should -Be '2026-10-10T10:00:00' # CEST, UTC+2, in October
        Get-FeedUpload 'America/New_York' | Should -Be '2026-10-10T16:00:00' # EDT, UTC-4
    }

    It 'refuses <Zone> saying what it takes' -ForEach @(
        @{ Zone = '+15:00'; Says = 'offsets run from -14:00 to \+14:00' }
        @{ Zone = '+02:75'; Says = 'minutes from 00 to 59' }
        @{ Zone = 'Mars/Olympus'; Says = "Unknown time zone 'Mars/Olympus'.*'\+02:00'" }
        @{ Zone = '2'; Says = "Unknown time zone '2'" }
    ) {
        $e = { Get-FeedUpload $Zone } | Should -Throw -ErrorId 'UnknownTimeZone*' -PassThru
        $e.Exception.Message | Should -Match $Says
    }

    Context 'Tab completion' {
        BeforeAll {
            # A file whose name starts like a zone: PowerShell's fallback (file names) would offer it.
            $Here = Join-Path $TestDrive 'tabs'
            New-Item -ItemType Directory $Here | Out-Null
            Set-Content -Path (Join-Path $Here 'Europe-notes.txt') -Value 'x'
            Push-Location $Here
            function Get-Completion([string] $Line) {
                (TabExpansion2 -inputScript $Line -cursorColumn $Line.Length).CompletionMatches
            }
        }
        AfterAll { Pop-Location }

        It 'offers time-zone ids, not file names, for <Command>' -ForEach @(
            @{ Command = 'Find-LowSlowExfil' }, @{ Command = 'Get-ZiaUploadProfile' }, @{ Command = 'Get-O365SharingProfile' }
        ) {
            $m = @(Get-Completion "$Command -Path . -FeedTimeZone Europe")
            $m.CompletionText | Should -Contain 'Europe/Berlin'
            $m.CompletionText | Should -Not -Contain './Europe-notes.txt'
            $m.CompletionText | Should -Not -Match 'notes'
            ($m.ResultType | Sort-Object -Unique) | Should -Be 'ParameterValue'
        }

        It 'finds a zone by any part of its id, UTC first for an empty word' {
            (Get-Completion 'Find-LowSlowExfil -Path . -FeedTimeZone Berlin').CompletionText | Should -Contain 'Europe/Berlin'
            (Get-Completion 'Find-LowSlowExfil -Path . -FeedTimeZone ')[0].CompletionText | Should -Be 'UTC'
        }
    }
}

Describe 'A folder read says which files it left out' {
    BeforeAll {
        $Folder = Join-Path $TestDrive 'exports'
        New-Item -ItemType Directory $Folder | Out-Null
        $row = New-ZiaRow -Time (New-UtcDate 2024 6 20 12) -User 'ann@contoso.com' -Bytes (20 * $MB)
        New-ZiaCsv -Path (Join-Path $Folder 'zia.csv') -Rows @($row) | Out-Null
        # The same export saved under names a folder read does not take.
        Copy-Item (Join-Path $Folder 'zia.csv') (Join-Path $Folder 'zia.csv.bak')
        Copy-Item (Join-Path $Folder 'zia.csv') (Join-Path $Folder 'CommonSecurityLog')
        function Get-Verbose([string[]] $Path) {
            @(Get-ZiaUploadProfile -Path $Path -EndTime $End -Verbose 4>&1 | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }).Message
        }
    }

    It 'names each skipped file and why in -Verbose: <Name>' -ForEach @(
        @{ Name = 'zia.csv.bak'; Why = 'extension \.bak' }
        @{ Name = 'CommonSecurityLog'; Why = 'no extension' }
    ) {
        $said = @(Get-Verbose $Folder | Where-Object { $_ -like "Skipped '*$Name'*" })
        $said.Count | Should -Be 1
        $said[0] | Should -Match ([regex]::Escape((Join-Path $Folder $Name)))
        $said[0] | Should -Match $Why
        $said[0] | Should -Match 'Name it in -Path to read it'
    }

    It 'reads the log file beside them, and a skipped file when it is named' {
        @(Get-ZiaUploadProfile -Path $Folder -EndTime $End).ZIA_TotalMBSent | Should -Be 20
        @(Get-ZiaUploadProfile -Path (Join-Path $Folder 'zia.csv.bak') -EndTime $End).ZIA_TotalMBSent | Should -Be 20
    }

    It 'counts the skipped files in the warning of a folder with no log file' {
        $only = Join-Path $TestDrive 'only-bak'
        New-Item -ItemType Directory $only | Out-Null
        Copy-Item (Join-Path $Folder 'zia.csv') (Join-Path $only 'zia.csv.bak')
        Get-ZiaUploadProfile -Path $only -EndTime $End -WarningVariable w -WarningAction SilentlyContinue | Out-Null
        ($w -join "`n") | Should -Match 'holds no log files .*1 other file\(s\) were skipped \(-Verbose names them\)'
    }
}

Describe 'Messages for the person at the console' {
    It 'refuses a JSON record with a missing comma naming the file, line and byte, in plain words, and reads on' {
        $file = Join-Path $TestDrive 'OfficeActivity.json'
        $good = '{"TimeGenerated":"2024-06-20T12:00:00Z","UserId":"ann@contoso.com","Operation":"AnonymousLinkCreated"}'
        Set-Content -Path $file -Value "[`n$good,`n{`"TimeGenerated`":`"2024-06-20T13:00:00Z`",`"UserId`":`"bob@contoso.com`",`"Operation`":[`"x`" `"y`"]}`n]"
        $p = Get-O365SharingProfile -Path $file -EndTime $End -ErrorVariable e -ErrorAction SilentlyContinue -WarningAction SilentlyContinue
        $p.UserName | Should -Be 'ann@contoso.com'
        $e.Count | Should -Be 1
        $column = ('{"TimeGenerated":"2024-06-20T13:00:00Z","UserId":"bob@contoso.com","Operation":["x" "y"]}').IndexOf('"y"') + 1
        $e[0].Exception.Message | Should -Be "${file}:3: record 2: not valid JSON at line 3, byte ${column}: '`"' after a value, where a comma or a closing bracket should be (a missing comma?)"
        $e[0].TargetObject.File | Should -Be $file
        $e[0].TargetObject.Line | Should -Be 3
        ($e | Out-String) | Should -Not -Match 'reader options|LineNumber|BytePositionInLine'
    }

    It 'reads a JSON export with trailing commas (as in the Sentinel repository''s sample data) and counts them in -Verbose' {
        $file = Join-Path $TestDrive 'OfficeActivity-commas.json'
        Set-Content -Path $file -Value ("[`n" +
            '{"TimeGenerated":"2024-06-20T12:00:00Z","UserId":"ann@contoso.com","Operation":"AnonymousLinkCreated",},' + "`n" +
            '{"TimeGenerated":"2024-06-20T13:00:00Z","UserId":"bob@contoso.com","Operation":"FileDownloaded",},' + "`n]")
        $v = Get-O365SharingProfile -Path $file -EndTime $End -ErrorAction Stop -Verbose 4>&1
        @($v | Where-Object { $_ -isnot [System.Management.Automation.VerboseRecord] }).UserName | Should -Be 'ann@contoso.com', 'bob@contoso.com'
        @($v | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }).Message |
            Where-Object { $_.StartsWith("${file}: ") } | Should -BeLike "${file}: Json, 2 records read (0 proxy, 2 sharing), 0 skipped, 3 trailing comma(s) before a closing bracket (read as if absent)*"
    }

    It 'says what was wrong with <What> without naming a variable of the code' -ForEach @(
        @{ What = 'a sample end that is not a midnight'; Id = 'InvalidSampleOptions*'; Says = 'EndTime must be a UTC midnight'
            Run = { New-LowSlowExfilSampleData -Path (Join-Path $TestDrive 'never') -EndTime '2026-11-01T05:00:00Z' -ErrorAction Stop } }
        @{ What = 'plain http to a remote host'; Id = 'InvalidConnection*'; Says = 'uses plain http, which is accepted only for a loopback address'
            Run = { Find-LowSlowExfil -WorkspaceId 'w' -Endpoint 'http://api.example.com/' -AccessToken (ConvertTo-SecureString 't' -AsPlainText -Force) -ErrorAction Stop } }
        @{ What = 'an endpoint with a password in it'; Id = 'InvalidConnection*'; Says = 'must not carry user information'
            Run = { Get-ZiaUploadProfile -WorkspaceId 'w' -Endpoint 'https://u:p@api.example.com/' -AccessToken (ConvertTo-SecureString 't' -AsPlainText -Force) -ErrorAction Stop } }
        @{ What = 'a blank domain'; Id = 'InvalidHuntOptions*'; Says = 'At least one exfiltration domain is required'
            Run = { Find-LowSlowExfil -Path $TestDrive -ExfilDomain ' ' -ErrorAction Stop } }
    ) {
        $e = $Run | Should -Throw -ErrorId $Id -PassThru
        $e.Exception.Message | Should -Match ([regex]::Escape($Says))
        $e.Exception.Message | Should -Not -Match "\(Parameter '"
    }
}
