# Export-LowSlowExfilReport and ConvertTo-LowSlowExfilAlert on the generated sample tenant, hunted with a fixed
# -EndTime of 2026-11-01T00:00:00Z: window (2026-10-02, 2026-11-01], the 30 UTC days 2026-10-02 … 2026-10-31.
# The report is then opened in headless Chromium (Debian package 'chromium', /usr/bin/chromium): it must render
# with its inline script run and no script error, give a real screenshot, and keep a hostile user name inert.

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    Import-Module $ModuleManifest -Force

    $SampleEnd = [datetime]'2026-11-01T00:00:00Z'
    $Tenant = Join-Path $TestDrive 't'
    New-LowSlowExfilSampleData -Path $Tenant -EndTime 2026-11-01 | Out-Null
    $Candidates = @(Find-LowSlowExfil -Path $Tenant -EndTime $SampleEnd)
    $Report = Join-Path $TestDrive 'report.html'
    $Written = $Candidates | Export-LowSlowExfilReport -Path $Report -PassThru
    $Html = Get-Content -LiteralPath $Report -Raw

    function Get-Count([string] $Text, [string] $Pattern) { [regex]::Matches($Text, $Pattern).Count }
}

Describe 'Export-LowSlowExfilReport' {
    It 'hunts the sample tenant to a few candidates' {
        $Candidates.Count | Should -BeGreaterThan 0
        $Candidates.UserName | Should -Contain 'marcus.webb@contoso.com'
    }

    It 'writes the report and returns the file with -PassThru' {
        $Written | Should -BeOfType ([System.IO.FileInfo])
        $Written.FullName | Should -Be (Get-Item -LiteralPath $Report).FullName
        $Written.Length | Should -BeGreaterThan 10000
        $Html | Should -Match '^<!DOCTYPE html>'
    }

    It 'is one self-contained file: no network resource, one inline script' {
        $Html | Should -Not -Match 'https?:'
        $Html | Should -Not -Match '//cdn'
        $Html | Should -Not -Match '<(link|img|iframe|object|embed)\b'
        $Html | Should -Not -Match '\ssrc\s*='
        $Html | Should -Not -Match 'url\('
        @([regex]::Matches($Html, '\shref="([^"]*)"').ForEach({ $_.Groups[1].Value }) | Where-Object { -not $_.StartsWith('#') }) | Should -BeNullOrEmpty
        Get-Count $Html '<script' | Should -Be 1
        $Html | Should -Match "Content-Security-Policy"
    }

    It 'is well-formed XML' {
        $settings = [System.Xml.XmlReaderSettings]@{ DtdProcessing = 'Ignore'; XmlResolver = $null }
        $reader = [System.Xml.XmlReader]::Create([System.IO.StringReader]::new($Html), $settings)
        try { $doc = [System.Xml.Linq.XDocument]::Load($reader) } finally { $reader.Dispose() }
        $doc.Root.Name.LocalName | Should -Be 'html'
    }

    It 'shows the hunt window, the mode, the population and the baseline' {
        $s = $Candidates[0].GetSummary()
        $Html | Should -Match ([regex]::Escape('2026-10-02 00:00 UTC → 2026-11-01 00:00 UTC (30 days)'))
        $Html | Should -Match ([regex]::Escape("<dd>$($s.Mode)</dd>"))
        $Html | Should -Match ([regex]::Escape("<dd>$($s.Users)</dd>"))
        $Html | Should -Match ([regex]::Escape('<dd>' + $s.BaselineMean.ToString('#,0.##', [cultureinfo]::InvariantCulture) + ' MB</dd>'))
        $s.PopulationTotalsMB.Count | Should -Be $s.Users
        $s.ZScoreThreshold | Should -Be 3
    }

    It 'has one section per candidate, each with every day of the window' {
        Get-Count $Html '<section class="candidate ' | Should -Be $Candidates.Count
        foreach ($c in $Candidates) {
            $Html | Should -Match ([regex]::Escape('data-user="' + [System.Net.WebUtility]::HtmlEncode($c.UserName) + '"'))
            $Html | Should -Match ([regex]::Escape([System.Net.WebUtility]::HtmlEncode($c.AlertDisplayName)))
        }
        # 30 days per candidate's chart, from 2026-10-02 to 2026-10-31.
        Get-Count $Html '<g class="day" data-day="' | Should -Be (30 * $Candidates.Count)
        Get-Count $Html 'data-day="2026-10-02"' | Should -Be $Candidates.Count
        Get-Count $Html 'data-day="2026-10-31"' | Should -Be $Candidates.Count
        Get-Count $Html 'data-day="2026-11-01"' | Should -Be 0
    }

    It 'draws the population''s distribution with the cut-off and the candidates' {
        $s = $Candidates[0].GetSummary()
        $Html | Should -Match ('class="histogram"[^>]*data-users="' + $s.Users + '"')
        $Html | Should -Match '<line class="cut"'
        Get-Count $Html '<g class="cand"' | Should -Be $Candidates.Count
    }

    It 'returns nothing without -PassThru' {
        $out = $Candidates | Export-LowSlowExfilReport -Path (Join-Path $TestDrive 'quiet.html')
        $out | Should -BeNullOrEmpty
        Join-Path $TestDrive 'quiet.html' | Should -Exist
    }

    It 'replaces an existing file, unless -NoClobber' {
        $path = Join-Path $TestDrive 'clobber.html'
        Set-Content -LiteralPath $path -Value 'old'
        $Candidates | Export-LowSlowExfilReport -Path $path
        Get-Content -LiteralPath $path -Raw | Should -Match '^<!DOCTYPE html>'

        Set-Content -LiteralPath $path -Value 'keep me'
        { $Candidates | Export-LowSlowExfilReport -Path $path -NoClobber } | Should -Throw -ErrorId 'NoClobber,LowSlowExfil.Commands.ExportLowSlowExfilReportCommand'
        Get-Content -LiteralPath $path -Raw | Should -Match '^keep me'
    }

    It 'replaces a read-only file only with -Force, and leaves it read-only' {
        $path = Join-Path $TestDrive 'readonly.html'
        Set-Content -LiteralPath $path -Value 'old'
        $item = Get-Item -LiteralPath $path
        $item.Attributes = $item.Attributes -bor [System.IO.FileAttributes]::ReadOnly
        { $Candidates | Export-LowSlowExfilReport -Path $path } | Should -Throw -ErrorId 'FileReadOnly,LowSlowExfil.Commands.ExportLowSlowExfilReportCommand'
        $Candidates | Export-LowSlowExfilReport -Path $path -Force
        Get-Content -LiteralPath $path -Raw | Should -Match '^<!DOCTYPE html>'
        (Get-Item -LiteralPath $path).Attributes.HasFlag([System.IO.FileAttributes]::ReadOnly) | Should -BeTrue
        $item = Get-Item -LiteralPath $path
        $item.Attributes = $item.Attributes -band -bnot [System.IO.FileAttributes]::ReadOnly
    }

    It 'writes nothing with -WhatIf' {
        $path = Join-Path $TestDrive 'whatif.html'
        $Candidates | Export-LowSlowExfilReport -Path $path -WhatIf
        $path | Should -Not -Exist
    }

    It 'stops when the folder does not exist' {
        { $Candidates | Export-LowSlowExfilReport -Path (Join-Path $TestDrive 'no/such/folder/r.html') } |
            Should -Throw -ErrorId 'DirectoryNotFound,LowSlowExfil.Commands.ExportLowSlowExfilReportCommand'
    }

    It 'writes a report saying there are no candidates when nothing is piped in' {
        $path = Join-Path $TestDrive 'empty.html'
        @() | Export-LowSlowExfilReport -Path $path
        $empty = Get-Content -LiteralPath $path -Raw
        $empty | Should -Match 'id="no-candidates"'
        $empty | Should -Match 'No candidates'
        Get-Count $empty '<section class="candidate ' | Should -Be 0
    }

    It 'takes every user from -IncludeAll' {
        $all = @(Find-LowSlowExfil -Path $Tenant -EndTime $SampleEnd -IncludeAll)
        $path = Join-Path $TestDrive 'all.html'
        $all | Export-LowSlowExfilReport -Path $path -DetailLimit $all.Count
        $text = Get-Content -LiteralPath $path -Raw
        Get-Count $text '<section class="candidate ' | Should -Be $all.Count
        Get-Count $text '<section class="candidate unflagged"' | Should -Be ($all.Count - $Candidates.Count)
        $text | Should -Not -Match 'id="details-omitted"'
    }

    It 'gives a detail section to the first -DetailLimit candidates only, flagged first, and keeps everyone in the table' {
        $all = @(Find-LowSlowExfil -Path $Tenant -EndTime $SampleEnd -IncludeAll)
        $all.Count | Should -BeGreaterThan 200
        $path = Join-Path $TestDrive 'capped.html'
        $out = $all | Export-LowSlowExfilReport -Path $path -DetailLimit 6 -Verbose 4>&1
        $text = Get-Content -LiteralPath $path -Raw
        Get-Count $text '<section class="candidate ' | Should -Be 6
        # The four flagged users, then the two highest Zscores of the rest.
        $expected = @($Candidates.UserName) + @($all | Where-Object Reasons -EQ 'None' | Sort-Object Zscore, ZIA_TotalMBSent -Descending | Select-Object -First 2 -ExpandProperty UserName)
        $sections = @([regex]::Matches($text, '<section class="candidate [a-z]+" id="candidate-\d+" data-user="([^"]*)"').ForEach({ [System.Net.WebUtility]::HtmlDecode($_.Groups[1].Value) }))
        (@($sections | Sort-Object) -join ',') | Should -Be (@($expected | Sort-Object) -join ',')
        # Every candidate is in the table; the page and -Verbose say how many sections were left out.
        $table = $text.Substring($text.IndexOf('<table class="candidates'), $text.IndexOf('</table>') - $text.IndexOf('<table class="candidates'))
        Get-Count $table '<td class="user">' | Should -Be $all.Count
        Get-Count $table '<a href="#candidate-' | Should -Be 6
        $text | Should -Match ('id="details-omitted" data-omitted="' + ($all.Count - 6) + '">Detail sections are shown for 6 of the ' + $all.Count + ' candidates')
        @($out | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] -and $_.Message -like "$($all.Count - 6) candidates are in the table only (-DetailLimit 6)*" }).Count | Should -Be 1
    }

    It 'writes 200 detail sections by default' {
        $all = @(Find-LowSlowExfil -Path $Tenant -EndTime $SampleEnd -IncludeAll)
        $path = Join-Path $TestDrive 'default-cap.html'
        $all | Export-LowSlowExfilReport -Path $path
        $text = Get-Content -LiteralPath $path -Raw
        Get-Count $text '<section class="candidate ' | Should -Be 200
        $text | Should -Match ('data-omitted="' + ($all.Count - 200) + '"')
    }
}

Describe 'ConvertTo-LowSlowExfilAlert' {
    It 'emits one JSON document per candidate, with Sentinel''s fields' {
        $json = @($Candidates | ConvertTo-LowSlowExfilAlert)
        $json.Count | Should -Be $Candidates.Count
        $json[0] | Should -BeOfType ([string])
        $a = $json[0] | ConvertFrom-Json
        $c = $Candidates[0]
        $a.AlertDisplayName | Should -Be $c.AlertDisplayName
        $a.Description | Should -Be $c.AlertDescription
        $a.Severity | Should -Be 'High'
        $a.Tactics | Should -Be @('Exfiltration')
        $a.TacticIds | Should -Be @('TA0010')
        $a.Techniques | Should -Be @('T1041', 'T1567', 'T1567.002')
        $a.ProductName | Should -Be 'LowSlowExfil'
        $a.ProviderName | Should -Be 'LowSlowExfil'
        ([datetime]$a.StartTimeUtc).ToUniversalTime() | Should -Be $c.GetUploadProfile().FirstSeen
        ([datetime]$a.EndTimeUtc).ToUniversalTime() | Should -Be $c.GetUploadProfile().LastSeen
        $a.TimeGenerated | Should -Not -BeNullOrEmpty
        $hosts = @($c.GetUploadProfile().Destinations | Select-Object -First 10 | ForEach-Object { $_.DestinationHostName.ToLowerInvariant() })
        $a.Entities.Count | Should -Be (1 + 2 * $hosts.Count)
        @($a.Entities | Where-Object Type -eq 'host' | ForEach-Object FullName) | Should -Be $hosts
        @($a.Entities | Where-Object Type -eq 'url' | ForEach-Object Url) | Should -Be @($hosts | ForEach-Object { "https://$_/" })
        $a.Entities[0].Type | Should -Be 'account'
        $a.Entities[0].FullName | Should -Be $c.UserName
        $a.Entities[0].Name + '@' + $a.Entities[0].UPNSuffix | Should -Be $c.UserName
        $a.CustomDetails.ZIA_TotalMBSent | Should -Be $c.ZIA_TotalMBSent
        $a.CustomDetails.ZIA_ActiveDays | Should -Be $c.ZIA_ActiveDays
        $a.CustomDetails.Zscore | Should -Be $c.Zscore
        $a.CustomDetails.O365_AnonLinks | Should -Be $c.O365_AnonLinks
        $a.CustomDetails.DistinctChannels | Should -Be $c.DistinctChannels
        $a.CustomDetails.Reasons | Should -Be @($c.Reasons.ToString() -split ', ')
        $details = $a.ExtendedProperties.'Custom Details' | ConvertFrom-Json
        $details.Zscore | Should -Be @($c.Zscore.ToString('R', [cultureinfo]::InvariantCulture))
    }

    It 'emits one JSON array with -AsArray, [] when there is nothing' {
        $json = @($Candidates | ConvertTo-LowSlowExfilAlert -AsArray -Compress)
        $json.Count | Should -Be 1
        $json[0] | Should -Not -Match "`n"
        $array = $json[0] | ConvertFrom-Json -NoEnumerate
        $array.Count | Should -Be $Candidates.Count
        @() | ConvertTo-LowSlowExfilAlert -AsArray -Compress | Should -Be '[]'
    }

    It 'skips unflagged candidates unless -IncludeUnflagged' {
        $all = @(Find-LowSlowExfil -Path $Tenant -EndTime $SampleEnd -IncludeAll)
        @($all | ConvertTo-LowSlowExfilAlert).Count | Should -Be $Candidates.Count
        @($all | ConvertTo-LowSlowExfilAlert -IncludeUnflagged).Count | Should -Be $all.Count
    }

    It 'gives the same alert id for the same hunt' {
        $first = ($Candidates[0] | ConvertTo-LowSlowExfilAlert | ConvertFrom-Json).SystemAlertId
        $again = (Find-LowSlowExfil -Path $Tenant -EndTime $SampleEnd | Select-Object -First 1 | ConvertTo-LowSlowExfilAlert | ConvertFrom-Json).SystemAlertId
        $again | Should -Be $first
    }
}

Describe 'The report in headless Chromium' {
    BeforeAll {
        $Chromium = '/usr/bin/chromium'
        # Why the browser tests cannot run, or $null: Chromium comes from './build.ps1 Bootstrap' (.ci/run runs it first).
        $NoChromium = Get-ChromiumSkipReason -Path $Chromium

        # Runs chromium headless in a fresh profile, without network or background services, and returns its
        # exit code and output. The process is killed (by id, with its children) if it outlives the timeout.
        function Invoke-Chromium([string[]] $Arguments, [int] $TimeoutSeconds = 120) {
            $profileDir = Join-Path ([System.IO.Path]::GetTempPath()) ('lse-chromium-' + [guid]::NewGuid().ToString('N'))
            New-Item -ItemType Directory -Path $profileDir | Out-Null
            try {
                $psi = [System.Diagnostics.ProcessStartInfo]::new($Chromium)
                foreach ($a in @('--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
                        '--disable-background-networking', '--disable-component-update', '--disable-sync',
                        "--user-data-dir=$profileDir") + $Arguments) { $psi.ArgumentList.Add($a) }
                $psi.UseShellExecute = $false
                $psi.RedirectStandardOutput = $true
                $psi.RedirectStandardError = $true
                $psi.WorkingDirectory = $profileDir
                $p = [System.Diagnostics.Process]::Start($psi)
                $out = $p.StandardOutput.ReadToEndAsync()
                $err = $p.StandardError.ReadToEndAsync()
                if (-not $p.WaitForExit($TimeoutSeconds * 1000)) {
                    $p.Kill($true)
                    throw "chromium did not finish within $TimeoutSeconds s"
                }
                $p.WaitForExit()
                [pscustomobject]@{ ExitCode = $p.ExitCode; StdOut = $out.Result; StdErr = $err.Result }
            }
            finally {
                Remove-Item -LiteralPath $profileDir -Recurse -Force -ErrorAction SilentlyContinue
            }
        }

        function Get-FileUrl([string] $Path) { ([System.Uri]::new((Get-Item -LiteralPath $Path).FullName)).AbsoluteUri }

        # The DOM after load, with the console on stderr (uncaught errors and CSP refusals show there).
        function Get-RenderedDom([string] $Path) {
            Invoke-Chromium @('--enable-logging=stderr', '--v=0', '--dump-dom', (Get-FileUrl $Path))
        }

        # A tenant with a user whose name is markup: script tags, quotes, an img with an event handler. Each
        # payload, if it ran, would change the page's title.
        $Evil = "<script>document.title='pwned'</script>`"o'neil<img src=x onerror=`"document.title='pwned2'`">@evil.example"
        $HostileTenant = Join-Path $TestDrive 'hostile'
        Copy-Item -LiteralPath $Tenant -Destination $HostileTenant -Recurse
        # 25 days x 3 MB = 75 MB over 25 days: Persistence.
        New-ZiaCsv -Path (Join-Path $HostileTenant 'zia-hostile.csv') -Rows @(
            New-DailyZiaRows -User $Evil -Start (New-UtcDate 2026 10 4) -Days 25 -Bytes 3145728 -HostName 'drive.google.com'
        ) | Out-Null
        $HostileCandidates = @(Find-LowSlowExfil -Path $HostileTenant -EndTime $SampleEnd)
        $HostileReport = Join-Path $TestDrive 'hostile.html'
        $HostileCandidates | Export-LowSlowExfilReport -Path $HostileReport -Title 'Hostile names'
    }

    It 'renders with its script run and no script error' {
        if ($NoChromium) { Set-ItResult -Skipped -Because $NoChromium; return }
        $r = Get-RenderedDom $Report
        $r.ExitCode | Should -Be 0 -Because $r.StdErr
        # The inline script marks <html> once it has run (so the CSP hash matched and nothing threw before).
        $r.StdOut | Should -Match '<html[^>]*\sdata-report-script="ran"'
        $r.StdErr | Should -Not -Match 'Uncaught'
        $r.StdErr | Should -Not -Match 'Refused to'
        # The script made the table sortable.
        $r.StdOut | Should -Match '<table class="candidates sortable js-sortable"'
    }

    It 'takes a screenshot of the report' {
        if ($NoChromium) { Set-ItResult -Skipped -Because $NoChromium; return }
        $png = Join-Path $TestDrive 'report.png'
        $r = Invoke-Chromium @("--screenshot=$png", '--window-size=1280,2000', '--hide-scrollbars', (Get-FileUrl $Report))
        $r.ExitCode | Should -Be 0 -Because $r.StdErr
        $png | Should -Exist
        $bytes = [System.IO.File]::ReadAllBytes($png)
        $bytes.Length | Should -BeGreaterThan 50000 -Because 'a rendered report with charts is far from a blank page'
        [System.BitConverter]::ToString($bytes, 0, 8) | Should -Be '89-50-4E-47-0D-0A-1A-0A'
        # IHDR: width and height, big-endian, at bytes 16..23.
        $width = ([int]$bytes[16] -shl 24) -bor ([int]$bytes[17] -shl 16) -bor ([int]$bytes[18] -shl 8) -bor $bytes[19]
        $height = ([int]$bytes[20] -shl 24) -bor ([int]$bytes[21] -shl 16) -bor ([int]$bytes[22] -shl 8) -bor $bytes[23]
        $width | Should -Be 1280
        $height | Should -Be 2000
        # Kept beside the test results for a human to look at.
        $results = Join-Path $RepoRoot 'out/test-results'
        New-Item -ItemType Directory -Path $results -Force | Out-Null
        Copy-Item -LiteralPath $png -Destination (Join-Path $results 'report-screenshot.png') -Force
        Copy-Item -LiteralPath $Report -Destination (Join-Path $results 'report.html') -Force
    }

    It 'keeps a user name holding a script tag inert' {
        if ($NoChromium) { Set-ItResult -Skipped -Because $NoChromium; return }
        $HostileCandidates.UserName | Should -Contain $Evil.ToLowerInvariant()
        $r = Get-RenderedDom $HostileReport
        $r.ExitCode | Should -Be 0 -Because $r.StdErr
        $dom = $r.StdOut
        # The report's own script ran; no injected one did (the title is untouched, no img element exists).
        $dom | Should -Match '<html[^>]*\sdata-report-script="ran"'
        $dom | Should -Match '<title>Hostile names</title>'
        $dom | Should -Not -Match '<title>pwned'
        $dom | Should -Not -Match '<img'
        Get-Count $dom '<script' | Should -Be 1
        # The name is there, as text.
        $dom | Should -Match ([regex]::Escape("&lt;script&gt;document.title='pwned'&lt;/script&gt;`"o'neil&lt;img src=x onerror=`"document.title='pwned2'`"&gt;@evil.example"))
        $r.StdErr | Should -Not -Match 'Uncaught'
    }
}

Describe 'Find-LowSlowExfil -ReportPath: a report for the case file' {
    BeforeAll {
        $Small = Join-Path $TestDrive 'small-tenant'
        New-LowSlowExfilSampleData -Path $Small -EndTime 2026-11-01 -BackgroundUsers 20 | Out-Null
    }

    It 'emits the candidates and writes the same hunt with its provenance and nearest misses' {
        $report = Join-Path $TestDrive 'hunt.html'
        $c = @(Find-LowSlowExfil -Path $Small -EndTime 2026-11-01 -ReportPath $report)
        $c.Count | Should -BeGreaterThan 0
        $html = Get-Content -Raw $report
        $version = (Get-Module LowSlowExfil).Version.ToString()
        $html | Should -BeLike '*<section id="provenance"*'
        $html | Should -BeLike "*Module version*$version*"
        [System.Net.WebUtility]::HtmlDecode($html) | Should -BeLike "*Find-LowSlowExfil -Path '$Small' -EndTime 2026-11-01T00:00:00Z -ReportPath*"
        $html | Should -BeLike "*CommonSecurityLog.csv*CommonSecurityLogCsv*"
        $html | Should -BeLike "*OfficeActivity.csv*OfficeActivityCsv*"
        $html | Should -BeLike '*<section id="near-misses"*Nearest misses*'
        foreach ($u in $c.UserName) { $html | Should -BeLike "*$u*" }
        { [xml]$html } | Should -Not -Throw
    }

    It 'writes a report of a hunt that flags nobody, saying so' {
        $report = Join-Path $TestDrive 'nobody.html'
        $c = @(Find-LowSlowExfil -Path $Small -EndTime 2026-11-01 -ZScoreThreshold 1000 -PersistenceDays 31 -AnonymousLinkThreshold 100000 -ReportPath $report)
        $c.Count | Should -Be 0
        $html = Get-Content -Raw $report
        $html | Should -BeLike '*data-fact="flagged"><dt>Flagged</dt><dd>0</dd>*'
        $html | Should -BeLike '*data-fact="population"><dt>Users scored</dt><dd>*'
        $html | Should -Not -BeLike '*data-fact="population"><dt>Users scored</dt><dd>0</dd>*'
        $html | Should -BeLike '*Nearest misses*'
        $html | Should -BeLike '*Records read*'
    }

    It 'says, when nothing is piped to Export-LowSlowExfilReport, that no hunt came with it' {
        $report = Join-Path $TestDrive 'empty.html'
        @() | Export-LowSlowExfilReport -Path $report
        Get-Content -Raw $report | Should -BeLike '*No hunt came with this report*Find-LowSlowExfil -ReportPath*'
    }

    It 'checks the report path before reading anything' {
        { Find-LowSlowExfil -Path $Small -ReportPath (Join-Path $TestDrive 'no/such/folder/r.html') -ErrorAction Stop } |
            Should -Throw -ErrorId 'DirectoryNotFound*'
    }
}
