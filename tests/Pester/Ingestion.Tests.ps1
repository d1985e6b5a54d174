# Find-LowSlowExfil | Send-LowSlowExfilResult end to end through the module against the Logs Ingestion API
# stand-in of tests/FakeLogAnalytics on 127.0.0.1: what the stand-in accepted equals what the hunt found, batches
# stay under 1 MB, a refused batch is an error with its record count while the rest are sent, 429 is waited out,
# and no token reaches any output stream.

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    Import-Module $ModuleManifest -Force

    $Tenant = Join-Path $TestDrive 'tenant'
    New-LowSlowExfilSampleData -Path $Tenant -EndTime 2026-11-01 | Out-Null
    $SampleEnd = [datetime]'2026-11-01T00:00:00Z'
    $Token = 'pester-token-' + [guid]::NewGuid().ToString('N')
    $SecureToken = ConvertTo-SecureString $Token -AsPlainText -Force

    $service = Start-FakeLogAnalytics -Arguments '--token', $Token
    $Fake = $service.Process
    $Url = $service.Url
    $info = $service.Info
    $Send = @{ Endpoint = $Url; DcrImmutableId = $info['dcr']; AccessToken = $SecureToken }

    function Invoke-Fake([string] $Method, [string] $Path, $Body) {
        $request = @{ Method = $Method; Uri = ($Url.TrimEnd('/') + $Path) }
        if ($null -ne $Body) { $request.Body = ($Body | ConvertTo-Json -Depth 5 -AsArray:($Body -is [array])); $request.ContentType = 'application/json' }
        Invoke-RestMethod @request
    }

    # The stand-in checks every record against the columns the module declares for its table.
    $columns = [ordered]@{}
    foreach ($c in [LowSlowExfil.Reporting.IngestionRecord]::Columns) { $columns[$c.Key] = $c.Value }
    Invoke-Fake POST '/_fake/settings' @{ streamColumns = $columns } | Out-Null

    $Candidates = @(Find-LowSlowExfil -Path $Tenant -EndTime $SampleEnd)
    $All = @(Find-LowSlowExfil -Path $Tenant -EndTime $SampleEnd -IncludeAll)
}

AfterAll {
    Stop-FakeLogAnalytics $Fake
}

Describe 'Send-LowSlowExfilResult' {
    BeforeEach { Invoke-Fake POST '/_fake/reset' $null | Out-Null }

    It 'sends exactly what the hunt found, one row per flagged candidate, gzip to the rule''s stream' {
        $Candidates.Count | Should -BeGreaterThan 0
        $summary = Find-LowSlowExfil -Path $Tenant -EndTime $SampleEnd | Send-LowSlowExfilResult @Send
        $summary.RecordsSent | Should -Be $Candidates.Count
        $summary.RecordsFailed | Should -Be 0
        $got = Invoke-Fake GET '/_fake/ingested' $null
        @($got.records).Count | Should -Be $Candidates.Count
        foreach ($i in 0..($Candidates.Count - 1)) {
            $c = $Candidates[$i]; $r = $got.records[$i]
            $r.UserName | Should -Be $c.UserName
            $r.ZIA_TotalMBSent | Should -Be $c.ZIA_TotalMBSent
            $r.ZIA_ActiveDays | Should -Be $c.ZIA_ActiveDays
            $r.O365_AnonLinks | Should -Be $c.O365_AnonLinks
            @($r.O365_Operations) | Should -Be @($c.O365_Operations)
            $r.Zscore | Should -Be $c.Zscore
            $r.Reasons | Should -Be $c.Reasons.ToString()
            $r.Flagged | Should -BeTrue
            $r.Mode | Should -Be $c.GetSummary().Mode
            ([datetime]$r.WindowEnd).ToUniversalTime() | Should -Be $c.GetSummary().WindowEnd
            $r.ModuleVersion | Should -Not -BeNullOrEmpty
        }
        $req = @($got.requests)
        $req.Count | Should -Be 1
        $req[0].status | Should -Be 204
        $req[0].query | Should -Be '?api-version=2023-01-01'
        $req[0].contentEncoding | Should -Be 'gzip'
        $req[0].path | Should -Be "/dataCollectionRules/$($info['dcr'])/streams/Custom-LowSlowExfil_CL"
    }

    It 'skips unflagged candidates unless -IncludeAll' {
        $All.Count | Should -BeGreaterThan $Candidates.Count
        ($All | Send-LowSlowExfilResult @Send).RecordsSent | Should -Be $Candidates.Count
        ($All | Send-LowSlowExfilResult @Send -IncludeAll).RecordsSent | Should -Be $All.Count
    }

    It 'batches under the 1 MB request limit and loses nothing' {
        $many = foreach ($n in 1..15) { $All }
        $summary = $many | Send-LowSlowExfilResult @Send -IncludeAll
        $summary.RecordsSent | Should -Be $many.Count
        $summary.Batches | Should -BeGreaterThan 1
        $got = Invoke-Fake GET '/_fake/ingested' $null
        @($got.records).Count | Should -Be $many.Count
        foreach ($r in $got.requests) { $r.uncompressedBytes | Should -BeLessOrEqual 1000000; $r.status | Should -Be 204 }
    }

    It 'stops at once on Ctrl+C while a batch waits for its answer' {
        # The batch is sent on a worker while the pipeline thread writes its log lines as they come (the host
        # bridge); Stop() must still end the command at once, not when the service answers 30 s later.
        # Held, then refused: a batch the service answers after the test has moved on stores nothing.
        Invoke-Fake POST '/_fake/faults' @(@{ name = 'held'; delayMs = 30000; status = 503; count = 1 }) | Out-Null
        $ps = [powershell]::Create()
        try {
            # The module is loaded by a call of its own: a batch (Import-Module; the command) that is stopped can go on
            # touching its runspace after Dispose() and bring the whole test process down.
            $null = $ps.AddCommand('Import-Module').AddArgument($ModuleManifest).Invoke()
            $ps.Commands.Clear()
            $null = $ps.AddCommand('Send-LowSlowExfilResult').AddParameters($Send).AddParameter('InputObject', $Candidates).AddParameter('Verbose')
            $run = $ps.BeginInvoke()
            $until = [datetime]::UtcNow.AddSeconds(60)
            while (-not @($ps.Streams.Verbose | Where-Object Message -Match 'POST batch 1').Count -and -not $run.IsCompleted -and [datetime]::UtcNow -lt $until) { Start-Sleep -Milliseconds 100 }
            Start-Sleep -Milliseconds 300
            Assert-StopsAtOnce $ps $run
        }
        finally { $ps.Dispose() }
    }

    It 'reports a refused batch with its record count and still sends the rest' {
        $many = foreach ($n in 1..15) { $All }
        Invoke-Fake POST '/_fake/faults' @(@{ status = 403; count = 1 }) | Out-Null
        $summary = $many | Send-LowSlowExfilResult @Send -IncludeAll -ErrorVariable failed -ErrorAction SilentlyContinue
        $failed.Count | Should -Be 1
        $failed[0].FullyQualifiedErrorId | Should -BeLike 'IngestionBatchFailed*'
        $failed[0].Exception.Message | Should -BeLike "*batch 1 of $($summary.RecordsFailed) records*"
        $summary.RecordsFailed | Should -BeGreaterThan 0
        $summary.RecordsSent | Should -Be ($many.Count - $summary.RecordsFailed)
        @((Invoke-Fake GET '/_fake/ingested' $null).records).Count | Should -Be $summary.RecordsSent
    }

    It 'halves a batch the service refuses as too large (413) until it fits, and sends every row once' {
        # A service whose limit is a tenth of what the module batches at: every refused batch is split and resent.
        $many = foreach ($n in 1..15) { $All }
        Invoke-Fake POST '/_fake/settings' @{ ingestionLimitBytes = 100000 } | Out-Null
        try {
            $summary = $many | Send-LowSlowExfilResult @Send -IncludeAll -ErrorVariable failed
        }
        finally {
            Invoke-Fake POST '/_fake/settings' @{ ingestionLimitBytes = 1000000 } | Out-Null
        }
        $failed.Count | Should -Be 0
        $summary.RecordsSent | Should -Be $many.Count
        $summary.RecordsFailed | Should -Be 0
        $got = Invoke-Fake GET '/_fake/ingested' $null
        @($got.records).Count | Should -Be $many.Count
        @($got.requests | Where-Object status -EQ 413).Count | Should -BeGreaterThan 0
        foreach ($r in @($got.requests | Where-Object status -EQ 204)) { $r.uncompressedBytes | Should -BeLessOrEqual 100000 }
    }

    It 'warns, naming the row and field, when a field is over the 64 KB Log Analytics keeps' {
        $big = ($Candidates[0].GetType())::new()
        $big.UserName = ('x' * 70000) + '@contoso.example'
        $big.Reasons = $Candidates[0].Reasons
        $summary = $big | Send-LowSlowExfilResult @Send -WarningVariable warned -WarningAction SilentlyContinue
        $summary.RecordsSent | Should -Be 1
        $warned.Count | Should -Be 1
        "$($warned[0])" | Should -BeLike 'Record 1 (user xxx*UserName holds 70,016 bytes*cut short*'
        "$($warned[0])".Length | Should -BeLessThan 1000
    }

    It 'waits out 429 with Retry-After and sends everything once' {
        Invoke-Fake POST '/_fake/faults' @(@{ status = 429; retryAfter = 1; count = 2 }) | Out-Null
        $summary = $Candidates | Send-LowSlowExfilResult @Send
        $summary.RecordsSent | Should -Be $Candidates.Count
        @((Invoke-Fake GET '/_fake/ingested' $null).records).Count | Should -Be $Candidates.Count
    }

    It 'never writes the token to any output stream, also when the service refuses' {
        Invoke-Fake POST '/_fake/faults' @(@{ status = 401; count = 1 }) | Out-Null
        $out = $Candidates | Send-LowSlowExfilResult @Send -Verbose -ErrorAction Continue *>&1 | Out-String
        $out | Should -BeLike '*401*'
        $out | Should -Not -BeLike "*$Token*"
    }

    It 'sends nothing with -WhatIf' {
        $Candidates | Send-LowSlowExfilResult @Send -WhatIf | Out-Null
        @((Invoke-Fake GET '/_fake/ingested' $null).requests).Count | Should -Be 0
    }
}

Describe 'Export-LowSlowExfilDeployment' {
    It 'writes the ARM template by default and the same deployment as Bicep with -Format Bicep' {
        $json = Export-LowSlowExfilDeployment -Path (Join-Path $TestDrive 'lowslowexfil.json')
        $bicep = Export-LowSlowExfilDeployment -Format Bicep -Path (Join-Path $TestDrive 'lowslowexfil.bicep')
        $bicep.Name | Should -Be 'lowslowexfil.bicep'
        (Get-Content -Raw $json.FullName | ConvertFrom-Json).resources.Count | Should -Be 5
        $text = Get-Content -Raw $bicep.FullName
        $text | Should -BeLike "*resource analyticsRule 'Microsoft.SecurityInsights/alertRules@2023-02-01' = {*"
        $text | Should -BeLike '*output dcrImmutableId string = dataCollectionRule.properties.immutableId*'
        (Export-LowSlowExfilDeployment -Format Bicep) | Should -Be $text
    }
}
