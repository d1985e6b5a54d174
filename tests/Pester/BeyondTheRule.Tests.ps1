# The opt-in features beyond the rule, end to end through the cmdlets on a generated tenant
# (New-LowSlowExfilSampleData: seed 42, 200 background users, 35 days ending 2026-11-01T00:00:00Z), hunted with
# -EndTime 2026-11-01T00:00:00Z over the default 30 days. By design (see SampleTenant) the rule's default flags, in
# this (intent) mode: marcus.webb and sofia.marino (ZScore), priya.raman (Persistence), tom.okafor (AnonymousLinks).
# Expected numbers are recomputed here from the profiles (Get-ZiaUploadProfile), independently of the scorer.

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    Import-Module (Join-Path $PSScriptRoot ../../LowSlowExfil.psd1) -Force

    $Tenant = Join-Path $TestDrive 't'
    New-LowSlowExfilSampleData -Path $Tenant -EndTime 2026-11-01 | Out-Null
    $SampleEnd = [datetime]'2026-11-01T00:00:00Z'

    $Designed = @('marcus.webb@contoso.com', 'priya.raman@contoso.com', 'sofia.marino@contoso.com', 'tom.okafor@contoso.com')
    $RuleColumns = @('UserName', 'ZIA_TotalMBSent', 'ZIA_ActiveDays', 'ZIA_TotalRequests', 'ZIA_UniqueDestCnt', 'O365_EventCount',
        'O365_AnonLinks', 'O365_Operations', 'DistinctChannels', 'Zscore', 'Reasons', 'AlertDisplayName', 'AlertDescription')
    $Annotations = @('PeerGroup', 'BaselineMethod', 'BaselineUsers', 'BaselineCenter', 'BaselineSpread')

    $Profiles = @(Get-ZiaUploadProfile -Path $Tenant -EndTime $SampleEnd)
    $Plain = @(Find-LowSlowExfil -Path $Tenant -EndTime $SampleEnd)

    function Get-Round2([double] $Value) { [math]::Round($Value, 2, [MidpointRounding]::AwayFromZero) }

    function Get-Median([double[]] $Values) {
        $s = @($Values | Sort-Object)
        if ($s.Count % 2) { $s[($s.Count - 1) / 2] } else { ($s[$s.Count / 2 - 1] + $s[$s.Count / 2]) / 2 }
    }

    function Get-SampleStdev([double[]] $Values) {
        $mean = ($Values | Measure-Object -Average).Average
        $sq = 0.0
        foreach ($v in $Values) { $sq += ($v - $mean) * ($v - $mean) }
        [math]::Sqrt($sq / ($Values.Count - 1))
    }

    function Get-CsvHeader($Objects) {
        $path = Join-Path $TestDrive ("header-" + [guid]::NewGuid().ToString('N') + '.csv')
        $Objects | Export-Csv -LiteralPath $path -NoTypeInformation
        (Get-Content -LiteralPath $path -TotalCount 1)
    }

    function Split-Verbose($Output) {
        [pscustomobject]@{
            Objects = @($Output | Where-Object { $_ -isnot [System.Management.Automation.VerboseRecord] })
            Verbose = @($Output | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] } | ForEach-Object Message)
        }
    }
}

Describe 'The generated tenant under the rule (the reference for every opt-in)' {
    It 'flags the four designed users' {
        (@($Plain.UserName | Sort-Object) -join ',') | Should -Be ($Designed -join ',')
        $Profiles.Count | Should -BeGreaterThan 200
    }
}

Describe '-StatePath' {
    BeforeAll {
        $state = Join-Path $TestDrive 'state/alerts.json'   # the folder does not exist yet
        # One more day for one flagged user: marcus.webb (uploads on W(17), W(18)) uploads 1 MB on 2026-10-30.
        $extra = Join-Path $TestDrive 'extra.csv'
        New-ZiaCsv -Path $extra -Rows @(
            New-ZiaRow -Time ([datetime]::new(2026, 10, 30, 12, 0, 0, [DateTimeKind]::Utc)) -User 'marcus.webb@contoso.com' -HostName 'dropbox.com' -Bytes $MB
        ) | Out-Null
        $marcusDays = @(($Profiles | Where-Object UserName -EQ 'marcus.webb@contoso.com').DailyUploads.Day)
    }

    It 'emits the candidates on the first run, exactly as without a state' {
        $first = @(Find-LowSlowExfil -Path $Tenant -EndTime $SampleEnd -StatePath $state)
        (@($first | ConvertTo-CandidateText) -join "`n") | Should -Be (@($Plain | ConvertTo-CandidateText) -join "`n")
        $first[0].PSObject.Properties['PeerGroup'] | Should -BeNullOrEmpty
        Test-Path -LiteralPath $state | Should -BeTrue
    }

    It 'writes a valid JSON state with the alerted user-days' {
        $text = Get-Content -LiteralPath $state -Raw
        Test-Json -Json $text | Should -BeTrue
        $json = $text | ConvertFrom-Json
        $json.version | Should -Be 1
        (@($json.users.PSObject.Properties.Name | Sort-Object) -join ',') | Should -Be ($Designed -join ',')
        foreach ($u in $Designed) {
            $days = @(($Profiles | Where-Object UserName -EQ $u).DailyUploads.Day | ForEach-Object { $_.ToString('yyyy-MM-dd') })
            (@($json.users.$u) -join ',') | Should -Be ($days -join ',')
        }
        # Only the state file is in its folder, no temporary file left behind; off Windows its (released) lock file stays beside it.
        @(Get-ChildItem -LiteralPath (Split-Path $state) -Force).Name | Should -Be (@('alerts.json') + @(if (-not $IsWindows) { 'alerts.json.lock' }))
    }

    It 'emits nothing on a second identical run, and says why in -Verbose' {
        $r = Split-Verbose (Find-LowSlowExfil -Path $Tenant -EndTime $SampleEnd -StatePath $state -Verbose 4>&1)
        $r.Objects.Count | Should -Be 0
        foreach ($u in $Designed) {
            @($r.Verbose | Where-Object { $_ -like "$u*already alerted*" }).Count | Should -Be 1
        }
        @($r.Verbose | Where-Object { $_ -like 'Alert state saved to*' }).Count | Should -Be 1
        Test-Json -Json (Get-Content -LiteralPath $state -Raw) | Should -BeTrue
    }

    It 'raises only the user with a new day of uploads' {
        $c = @(Find-LowSlowExfil -Path $Tenant, $extra -EndTime $SampleEnd -StatePath $state)
        $c.UserName | Should -Be 'marcus.webb@contoso.com'
        $c[0].ZIA_TotalMBSent | Should -Be 901
        $c[0].ZIA_ActiveDays | Should -Be ($marcusDays.Count + 1)
        $json = Get-Content -LiteralPath $state -Raw | ConvertFrom-Json
        @($json.users.'marcus.webb@contoso.com') | Should -Contain '2026-10-30'
        # And the same data once more raises nobody.
        @(Find-LowSlowExfil -Path $Tenant, $extra -EndTime $SampleEnd -StatePath $state).Count | Should -Be 0
    }

    It 'does not change what -IncludeAll shows for users who were not flagged' {
        $all = @(Find-LowSlowExfil -Path $Tenant -EndTime $SampleEnd -StatePath $state -IncludeAll)
        $all.Count | Should -Be ($Profiles.Count - 4)   # the four flagged users were already alerted
        @($all | Where-Object { $_.Reasons -ne 'None' }).Count | Should -Be 0
    }

    It 'quarantines an unreadable state file with a warning and starts afresh' {
        $bad = Join-Path $TestDrive 'corrupt/state.json'
        New-Item -ItemType Directory -Path (Split-Path $bad) | Out-Null
        Set-Content -LiteralPath $bad -Value '{"version":1,"users":{"a@contoso.com":["2026-10-'
        $c = @(Find-LowSlowExfil -Path $Tenant -EndTime $SampleEnd -StatePath $bad -WarningVariable w -WarningAction SilentlyContinue)
        $c.Count | Should -Be 4   # every candidate raised again: safer than suppressing
        @($w).Count | Should -Be 1
        "$($w[0])" | Should -BeLike "*could not be read*moved to*unreadable-*"
        $moved = @(Get-ChildItem -LiteralPath (Split-Path $bad) -Filter 'state.json.unreadable-*')
        $moved.Count | Should -Be 1
        (Get-Content -LiteralPath $moved[0].FullName -Raw).StartsWith('{"version":1,"users":{"a@contoso.com":["2026-10-') | Should -BeTrue
        Test-Json -Json (Get-Content -LiteralPath $bad -Raw) | Should -BeTrue
        @((Get-Content -LiteralPath $bad -Raw | ConvertFrom-Json).users.PSObject.Properties.Name).Count | Should -Be 4
    }

    It 'saves an empty state when the hunt finds no uploads' {
        $none = Join-Path $TestDrive 'none.csv'
        New-ZiaCsv -Path $none -Rows @(New-ZiaRow -Time (New-UtcDate 2026 10 20 9) -User 'x@contoso.com' -HostName 'example.com') | Out-Null
        $s = Join-Path $TestDrive 'empty-state.json'
        @(Find-LowSlowExfil -Path $none -EndTime $SampleEnd -StatePath $s).Count | Should -Be 0
        (Get-Content -LiteralPath $s -Raw | ConvertFrom-Json).version | Should -Be 1
    }
}

Describe '-PeerGroup' {
    BeforeAll {
        # Engineering (11): the heavy uploaders, marcus.webb (900 MB) and sofia.marino (400 MB) among them.
        $engineering = @('marcus.webb', 'sofia.marino', 'lena.fischer', 'priya.raman', 'omar.haddad', 'grace.lindqvist',
            'tom.okafor', 'diego.alvarez', 'ruth.abebe', 'jane.doe', 'noah.brandt') | ForEach-Object { "$_@contoso.com" }
        # Design (15): hannah.kowalski (218.95 MB, z 2.95 under the rule: a near miss) and 14 ordinary users of a few MB.
        $designers = @($Profiles | Where-Object { $_.UserName -notin $engineering -and $_.UserName -notlike 'hannah.*' -and $_.UserName -notlike 'victor.*' } |
            Sort-Object UserName | Select-Object -First 14 -ExpandProperty UserName) + 'hannah.kowalski@contoso.com'
        $map = @{}
        foreach ($u in $engineering) { $map[$u] = 'Engineering' }
        foreach ($u in $designers) { $map[$u.ToUpperInvariant()] = 'Design' }   # keys in any case
        # A group smaller than 11: scored against everyone.
        $map['wei.wilson@contoso.com'] = 'Legal'

        $csv = Join-Path $TestDrive 'groups.csv'
        $map.GetEnumerator() | ForEach-Object { [pscustomobject]@{ UserPrincipalName = $_.Key; Title = 'x'; Department = $_.Value } } |
            Export-Csv -LiteralPath $csv -NoTypeInformation

        $byHashtable = @(Find-LowSlowExfil -Path $Tenant -EndTime $SampleEnd -PeerGroup $map -IncludeAll)
        $byCsv = @(Find-LowSlowExfil -Path $Tenant -EndTime $SampleEnd -PeerGroup $csv -IncludeAll)
        $plainAll = @(Find-LowSlowExfil -Path $Tenant -EndTime $SampleEnd -IncludeAll)

        function Get-GroupZ([string[]] $Members, [string] $User) {
            $values = @($Profiles | Where-Object { $_.UserName -in $Members } | ForEach-Object ZIA_TotalMBSent)
            $mean = ($values | Measure-Object -Average).Average
            $x = ($Profiles | Where-Object UserName -EQ $User).ZIA_TotalMBSent
            [pscustomobject]@{ Users = $values.Count; Mean = $mean; Sd = (Get-SampleStdev $values); Z = Get-Round2 (($x - $mean) / (Get-SampleStdev $values)) }
        }
    }

    It 'scores each user against their group (hashtable)' {
        $hannah = $byHashtable | Where-Object UserName -EQ 'hannah.kowalski@contoso.com'
        $g = Get-GroupZ ($designers | ForEach-Object { $_.ToLowerInvariant() }) 'hannah.kowalski@contoso.com'
        $g.Users | Should -Be 15
        $hannah.PeerGroup | Should -Be 'Design'
        $hannah.BaselineMethod | Should -Be 'MeanStdev'
        $hannah.BaselineUsers | Should -Be 15
        $hannah.BaselineCenter | Should -Be (Get-Round2 $g.Mean)
        $hannah.BaselineSpread | Should -Be (Get-Round2 $g.Sd)
        $hannah.Zscore | Should -Be $g.Z
        $hannah.Zscore | Should -BeGreaterOrEqual 3
        $hannah.Reasons | Should -Be 'ZScore'
        # Under the rule the same user is a near miss.
        ($Plain | Where-Object UserName -EQ 'hannah.kowalski@contoso.com') | Should -BeNullOrEmpty

        $marcus = $byHashtable | Where-Object UserName -EQ 'marcus.webb@contoso.com'
        $e = Get-GroupZ $engineering 'marcus.webb@contoso.com'
        $marcus.PeerGroup | Should -Be 'Engineering'
        $marcus.BaselineUsers | Should -Be 11
        $marcus.Zscore | Should -Be $e.Z
        $marcus.Zscore | Should -BeLessThan 3     # heavy in absolute terms, not among engineers
        $marcus.Reasons | Should -Be 'None'
    }

    It 'flags the group outliers and the other clauses, not the heavy engineers' {
        $flagged = @($byHashtable | Where-Object { $_.Reasons -ne 'None' } | ForEach-Object UserName | Sort-Object)
        ($flagged -join ',') | Should -Be 'hannah.kowalski@contoso.com,priya.raman@contoso.com,tom.okafor@contoso.com'
        # Without -IncludeAll the same three, in the rule's order.
        $c = @(Find-LowSlowExfil -Path $Tenant -EndTime $SampleEnd -PeerGroup $map)
        ($c.UserName -join ',') | Should -Be 'hannah.kowalski@contoso.com,priya.raman@contoso.com,tom.okafor@contoso.com'
    }

    It 'scores users outside the map and in too small a group against everyone' {
        $n = $Profiles.Count
        $all = @($Profiles.ZIA_TotalMBSent)
        foreach ($u in 'wei.wilson@contoso.com', 'victor.chen@contoso.com') {
            $c = $byHashtable | Where-Object UserName -EQ $u
            $c.PeerGroup | Should -Be '(all users)'
            $c.BaselineUsers | Should -Be $n
            $c.BaselineCenter | Should -Be (Get-Round2 ($all | Measure-Object -Average).Average)
            $c.Zscore | Should -Be ($plainAll | Where-Object UserName -EQ $u).Zscore
        }
    }

    It 'reads the same map from a CSV file' {
        (Get-Content -LiteralPath $csv -TotalCount 1) | Should -Be '"UserPrincipalName","Title","Department"'
        $byCsv.Count | Should -Be $byHashtable.Count
        for ($i = 0; $i -lt $byCsv.Count; $i++) {
            $a = $byHashtable[$i]; $b = $byCsv[$i]
            ($b | ConvertTo-CandidateText) | Should -Be ($a | ConvertTo-CandidateText)
            foreach ($p in $Annotations) { $b.$p | Should -Be $a.$p }
        }
    }

    It 'falls back to everyone for groups under -MinimumPeerGroupSize' {
        # Design has 15 scored users: with a minimum of 16 it is scored against everyone, and hannah is a near miss again.
        $c = @(Find-LowSlowExfil -Path $Tenant -EndTime $SampleEnd -PeerGroup $map -MinimumPeerGroupSize 16 -IncludeAll)
        $hannah = $c | Where-Object UserName -EQ 'hannah.kowalski@contoso.com'
        $hannah.PeerGroup | Should -Be '(all users)'
        $hannah.Reasons | Should -Be 'None'
        (@($c | Where-Object { $_.Reasons -ne 'None' } | ForEach-Object UserName | Sort-Object) -join ',') | Should -Be ($Designed -join ',')
    }

    It 'refuses a CSV without a user and a group column, naming the file and line' {
        $bad = Join-Path $TestDrive 'no-group.csv'
        "Name,Office`nx,y`n" | Set-Content -LiteralPath $bad -NoNewline
        $err = $null
        try { Find-LowSlowExfil -Path $Tenant -EndTime $SampleEnd -PeerGroup $bad -ErrorAction Stop } catch { $err = $_ }
        $err | Should -Not -BeNullOrEmpty
        $err.FullyQualifiedErrorId | Should -BeLike 'PeerGroupUnreadable,*'
        $err.Exception.Message | Should -BeLike "*no-group.csv:1:*user column*"
    }

    It 'refuses a -PeerGroup that is neither a hashtable nor a path' {
        { Find-LowSlowExfil -Path $Tenant -EndTime $SampleEnd -PeerGroup 42 -ErrorAction Stop } |
            Should -Throw -ErrorId 'InvalidPeerGroup,LowSlowExfil.Commands.FindLowSlowExfilCommand'
    }
}

Describe '-Baseline Robust' {
    BeforeAll {
        $robust = @(Find-LowSlowExfil -Path $Tenant -EndTime $SampleEnd -Baseline Robust -IncludeAll)
        $values = [double[]]@($Profiles.ZIA_TotalMBSent)
        $median = Get-Median $values
        $mad = Get-Median ([double[]]@($values | ForEach-Object { [math]::Abs($_ - $median) }))
    }

    It 'leaves the default output''s Export-Csv header exactly as it was' {
        Get-CsvHeader $Plain | Should -Be ((($RuleColumns | ForEach-Object { '"' + $_ + '"' }) -join ','))
        $Plain[0].PSObject.Properties.Name | Should -Be $RuleColumns
    }

    It 'adds the annotation properties after the rule''s columns' {
        Get-CsvHeader $robust | Should -Be ((($RuleColumns + $Annotations) | ForEach-Object { '"' + $_ + '"' }) -join ',')
        foreach ($c in $robust) {
            $c.PeerGroup | Should -Be '(all users)'
            $c.BaselineMethod | Should -Be 'Robust'
            $c.BaselineUsers | Should -Be $Profiles.Count
        }
        $mad | Should -BeGreaterThan 0
        $robust[0].BaselineCenter | Should -Be (Get-Round2 $median)
        $robust[0].BaselineSpread | Should -Be (Get-Round2 $mad)
    }

    It 'scores the modified z-score 0.6745 (x - median) / MAD' {
        foreach ($c in $robust) {
            $c.Zscore | Should -Be (Get-Round2 (0.6745 * ($c.ZIA_TotalMBSent - $median) / $mad)) -Because $c.UserName
        }
    }

    It 'flags against -ZScoreThreshold 3.5, the usual cut-off for modified z-scores' {
        $c35 = @(Find-LowSlowExfil -Path $Tenant -EndTime $SampleEnd -Baseline Robust -ZScoreThreshold 3.5)
        # Flagged: z >= 3.5, or by another clause (priya.raman: Persistence; tom.okafor: AnonymousLinks).
        $expected = @($robust | Where-Object { $_.Zscore -ge 3.5 -or "$($_.Reasons)" -match 'Persistence|AnonymousLinks' } | ForEach-Object UserName)
        $expected | Should -Contain 'priya.raman@contoso.com'
        $expected | Should -Contain 'tom.okafor@contoso.com'
        # 3.5 rather than 3 leaves out the ordinary uploaders just above 3.
        @($robust | Where-Object { $_.Zscore -ge 3 -and $_.Zscore -lt 3.5 }).Count | Should -BeGreaterThan 0
        ($c35.UserName -join ',') | Should -Be ($expected -join ',')
        # hannah.kowalski, the near miss under the rule, is far out under the robust baseline.
        $c35.UserName | Should -Contain 'hannah.kowalski@contoso.com'
        # The robust order is still Zscore desc.
        $c35[0].UserName | Should -Be 'marcus.webb@contoso.com'
    }
}

Describe '-ExtendedDomains' {
    BeforeAll {
        # eve uploads through Dropbox's API host, which the rule's list misses; frank only to a host in neither list.
        $api = Join-Path $TestDrive 'api-uploads.csv'
        New-ZiaCsv -Path $api -Rows @(
            New-ZiaRow -Time (New-UtcDate 2026 10 20 9) -User 'eve@contoso.com' -HostName 'content.dropboxapi.com' -Bytes (5 * $MB)
            New-ZiaRow -Time (New-UtcDate 2026 10 21 9) -User 'eve@contoso.com' -HostName 'Content.DropboxAPI.com:443' -Bytes (3 * $MB)
            New-ZiaRow -Time (New-UtcDate 2026 10 21 9) -User 'frank@contoso.com' -HostName 'files.example.org' -Bytes (2 * $MB)
            New-ZiaRow -Time (New-UtcDate 2026 10 21 10) -User 'gina@contoso.com' -HostName 'dropbox.com' -Bytes (1 * $MB)
        ) | Out-Null
    }

    It 'hunts the upload hosts the rule misses, with their channel' {
        (@(Get-ZiaUploadProfile -Path $api -EndTime $SampleEnd).UserName) -join ',' | Should -Be 'gina@contoso.com'
        $p = @(Get-ZiaUploadProfile -Path $api -EndTime $SampleEnd -ExtendedDomains)
        ($p.UserName -join ',') | Should -Be 'eve@contoso.com,gina@contoso.com'
        $eve = $p[0]
        $eve.ZIA_TotalMBSent | Should -Be 8
        $eve.ZIA_ActiveDays | Should -Be 2
        @($eve.Channels).Count | Should -Be 1
        "$($eve.Channels[0].Channel)" | Should -Be 'CloudStorage'
        $eve.Channels[0].SentMB | Should -Be 8
        $eve.Channels[0].Destinations | Should -Be 2   # two spellings of the host, as the rule counts hosts
    }

    It 'changes the generated tenant only by the extra hosts (slack.com is in the catalogue)' {
        $x = @(Get-ZiaUploadProfile -Path $Tenant -EndTime $SampleEnd -ExtendedDomains)
        $x.Count | Should -BeGreaterThan $Profiles.Count
        $hosts = @($x.Destinations.DestinationHostName | Sort-Object -Unique)
        $hosts | Should -Contain 'slack.com'
        # The hosts added are exactly those under the catalogue's extra (not the rule's) domains.
        $extraDomains = @([LowSlowExfil.Rule.DomainCatalog]::Default.Domains | Where-Object { -not $_.InRule } | ForEach-Object Domain)
        $underExtra = { param($h) @($extraDomains | Where-Object { $h -eq $_ -or $h.EndsWith(".$_") }).Count -gt 0 }
        $extraHosts = @($hosts | Where-Object { $_ -notin $Profiles.Destinations.DestinationHostName })
        $extraHosts | Should -Contain 'slack.com'
        foreach ($h in $extraHosts) { & $underExtra $h | Should -BeTrue -Because $h }
        foreach ($h in $Profiles.Destinations.DestinationHostName | Sort-Object -Unique) { & $underExtra $h | Should -BeFalse -Because $h }
        # Every upload to a host already hunted is counted as before.
        $marcus = $x | Where-Object UserName -EQ 'marcus.webb@contoso.com'
        $marcus.ZIA_TotalMBSent | Should -BeGreaterOrEqual 900
    }

    It 'adds only the catalogue''s extra hosts to an -ExfilDomain list' {
        $p = @(Get-ZiaUploadProfile -Path $api -EndTime $SampleEnd -ExfilDomain 'example.org' -ExtendedDomains)
        ($p.UserName -join ',') | Should -Be 'eve@contoso.com,frank@contoso.com'   # gina's dropbox.com is not in the list
        "$(($p | Where-Object UserName -EQ 'frank@contoso.com').Channels[0].Channel)" | Should -Be 'Unknown'
    }
}

Describe '-DomainCatalogPath' {
    BeforeAll {
        $uploads = Join-Path $TestDrive 'catalog-uploads.csv'
        New-ZiaCsv -Path $uploads -Rows @(
            New-ZiaRow -Time (New-UtcDate 2026 10 20 9) -User 'hal@contoso.com' -HostName 'eu.files.example.org' -Bytes (4 * $MB)
            New-ZiaRow -Time (New-UtcDate 2026 10 20 9) -User 'ivy@contoso.com' -HostName 'pastebin.com' -Bytes (2 * $MB)
            New-ZiaRow -Time (New-UtcDate 2026 10 20 9) -User 'jo@contoso.com' -HostName 'gist.github.com' -Bytes (1 * $MB)
            New-ZiaRow -Time (New-UtcDate 2026 10 20 9) -User 'kim@contoso.com' -HostName 'transfer.sh' -Bytes (1 * $MB)
        ) | Out-Null
        $catalog = Join-Path $TestDrive 'catalog.csv'
        @(
            '# our additions'
            'Domain,Channel'
            'files.example.org,CloudStorage'
            'pastebin.com,CodeHosting'        # also in the built-in catalogue, with the same channel
            'gist.github.com,Messaging'       # re-classified
        ) | Set-Content -LiteralPath $catalog
    }

    It 'hunts the file''s domains with their channels, on top of the rule''s' {
        $p = @(Get-ZiaUploadProfile -Path $uploads -EndTime $SampleEnd -DomainCatalogPath $catalog)
        ($p.UserName -join ',') | Should -Be 'hal@contoso.com,ivy@contoso.com,jo@contoso.com'   # transfer.sh needs -ExtendedDomains
        "$(($p | Where-Object UserName -EQ 'hal@contoso.com').Channels[0].Channel)" | Should -Be 'CloudStorage'
        "$(($p | Where-Object UserName -EQ 'ivy@contoso.com').Channels[0].Channel)" | Should -Be 'CodeHosting'
        "$(($p | Where-Object UserName -EQ 'jo@contoso.com').Channels[0].Channel)" | Should -Be 'Messaging'
        # With -ExtendedDomains too: the built-in extra hosts as well.
        $x = @(Get-ZiaUploadProfile -Path $uploads -EndTime $SampleEnd -DomainCatalogPath $catalog -ExtendedDomains)
        ($x.UserName -join ',') | Should -Be 'hal@contoso.com,ivy@contoso.com,jo@contoso.com,kim@contoso.com'
    }

    It 'feeds the channels into -DistinctChannels Categories' {
        $c = @(Find-LowSlowExfil -Path $uploads -EndTime $SampleEnd -DomainCatalogPath $catalog -DistinctChannels Categories -IncludeAll)
        foreach ($x in $c) { $x.DistinctChannels | Should -Be 1 }
    }

    It 'refuses a malformed catalogue, naming the file and line' {
        $bad = Join-Path $TestDrive 'bad-catalog.csv'
        "Domain,Channel`nok.example.com,Webmail`nx.example.com,Carrier pigeon`n" | Set-Content -LiteralPath $bad -NoNewline
        $err = $null
        try { Get-ZiaUploadProfile -Path $uploads -EndTime $SampleEnd -DomainCatalogPath $bad -ErrorAction Stop } catch { $err = $_ }
        $err | Should -Not -BeNullOrEmpty
        $err.FullyQualifiedErrorId | Should -BeLike 'DomainCatalogUnreadable,*'
        $err.Exception.Message | Should -BeLike "*bad-catalog.csv:3: unknown channel 'Carrier pigeon'*"
    }

    It 'refuses a missing catalogue file' {
        { Get-ZiaUploadProfile -Path $uploads -EndTime $SampleEnd -DomainCatalogPath (Join-Path $TestDrive 'absent.csv') -ErrorAction Stop } |
            Should -Throw -ErrorId 'DomainCatalogUnreadable,LowSlowExfil.Commands.GetZiaUploadProfileCommand'
    }
}

Describe '-DistinctChannels Categories' {
    BeforeAll {
        $rule = @(Find-LowSlowExfil -Path $Tenant -EndTime $SampleEnd -IncludeAll)
        $cats = @(Find-LowSlowExfil -Path $Tenant -EndTime $SampleEnd -IncludeAll -DistinctChannels Categories)
    }

    It 'counts the channel categories uploaded to, plus one for Microsoft 365 sharing' {
        $cats.Count | Should -Be $Profiles.Count
        foreach ($c in $cats) {
            $p = $c.GetUploadProfile()
            $expected = @($p.Channels | Where-Object { "$($_.Channel)" -ne 'Unknown' -and $_.SentBytes -gt 0 }).Count + [int]($c.O365_EventCount -gt 0)
            $c.DistinctChannels | Should -Be $expected -Because $c.UserName
        }
        # priya.raman: drive.google.com (CloudStorage) and github.com / gist.github.com (CodeHosting), and sharing: 3
        # (the rule counts 2: 72.23 MB > 5, and sharing).
        ($cats | Where-Object UserName -EQ 'priya.raman@contoso.com').DistinctChannels | Should -Be 3
        ($rule | Where-Object UserName -EQ 'priya.raman@contoso.com').DistinctChannels | Should -Be 2
    }

    It 'changes nothing else, and adds no columns' {
        for ($i = 0; $i -lt $rule.Count; $i++) {
            $cats[$i].UserName | Should -Be $rule[$i].UserName
            $cats[$i].Zscore | Should -Be $rule[$i].Zscore
            $cats[$i].Reasons | Should -Be $rule[$i].Reasons
        }
        Get-CsvHeader $cats | Should -Be ((($RuleColumns | ForEach-Object { '"' + $_ + '"' }) -join ','))
    }
}

Describe 'What a hunt makes only for the users it shows (issue 21)' {
    BeforeAll {
        $All = @(Find-LowSlowExfil -Path $Tenant -EndTime $SampleEnd -IncludeAll)
        function Get-Real([double] $Value) { $Value.ToString('0.##', [cultureinfo]::InvariantCulture) }
    }

    It 'gives every user, flagged or not, the alert texts of its own columns (-IncludeAll)' {
        @($All | Where-Object { $_.Reasons -ne 'None' }).Count | Should -Be 4
        @($All | Where-Object { $_.Reasons -eq 'None' }).Count | Should -BeGreaterThan 100
        foreach ($c in $All) {
            $c.AlertDisplayName | Should -BeExactly "Low & Slow Exfil Candidate - $($c.UserName) (z=$(Get-Real $c.Zscore), $(Get-Real $c.ZIA_TotalMBSent) MB over $($c.ZIA_ActiveDays) days)"
            $c.AlertDescription | Should -BeExactly "User $($c.UserName) uploaded $(Get-Real $c.ZIA_TotalMBSent) MB to non-corporate destinations across $($c.ZIA_ActiveDays) active days (z-score: $(Get-Real $c.Zscore)). Anonymous links created: $($c.O365_AnonLinks)."
        }
    }

    It 'gives every user the days and destinations its totals were made from' {
        foreach ($c in $All) {
            $p = $c.GetUploadProfile()
            $p.DailyUploads.Count | Should -Be $c.ZIA_ActiveDays
            ($p.DailyUploads | Measure-Object DaySentBytes -Sum).Sum | Should -Be $p.TotalBytesSent
            ($p.Destinations | Measure-Object SentBytes -Sum).Sum | Should -Be $p.TotalBytesSent
            ($p.DailyUploads | Measure-Object DayDestinCount -Sum).Sum | Should -Be $c.ZIA_UniqueDestCnt
            $p.DistinctDestinations | Should -Be $p.Destinations.Count
        }
    }

    It 'writes the same columns to Export-Csv for every user' {
        $csv = Join-Path $TestDrive 'all.csv'
        $All | Export-Csv -LiteralPath $csv -NoTypeInformation
        $back = @(Import-Csv -LiteralPath $csv)
        $back[0].PSObject.Properties.Name | Should -Be $RuleColumns
        $back.Count | Should -Be $All.Count
        $back[-1].AlertDescription | Should -BeExactly $All[-1].AlertDescription
    }

    It 'keeps as near misses the ten unflagged users closest to the cut-off, by Zscore then MB' {
        $expected = @($All | Where-Object { $_.Reasons -eq 'None' } | Sort-Object -Stable @{ Expression = 'Zscore'; Descending = $true }, @{ Expression = 'ZIA_TotalMBSent'; Descending = $true } | Select-Object -First 10)
        $near = @($Plain[0].GetSummary().NearMisses)
        $near.Count | Should -Be 10
        $near.UserName | Should -Be $expected.UserName
    }
}
