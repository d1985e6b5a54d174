# The workspace source end to end through the module: Find-LowSlowExfil / Get-*Profile -WorkspaceId against a
# real HTTP server on 127.0.0.1 that speaks the Log Analytics query API (tests/FakeLogAnalytics), over the
# same generated tenant that is also read from files. The engine is loaded in isolation (Dependencies/), so
# the module also works after another Azure.Core was loaded, as Az.Accounts does.

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    Import-Module $ModuleManifest -Force

    $Tenant = Join-Path $TestDrive 'tenant'
    New-LowSlowExfilSampleData -Path $Tenant -EndTime 2026-11-01 | Out-Null
    $SampleEnd = [datetime]'2026-11-01T00:00:00Z'
    $Token = 'pester-token-' + [guid]::NewGuid().ToString('N')
    $SecureToken = ConvertTo-SecureString $Token -AsPlainText -Force

    # The fake service; it says its URL, workspace id and managed-identity endpoint.
    $service = Start-FakeLogAnalytics -Arguments '--data', $Tenant, '--token', $Token
    $Fake = $service.Process
    $Url = $service.Url
    $info = $service.Info
    $WorkspaceId = $info['workspace']
    $Connection = @{ WorkspaceId = $WorkspaceId; Endpoint = $Url; AccessToken = $SecureToken; EndTime = $SampleEnd }

    function Invoke-Fake([string] $Method, [string] $Path, $Body) {
        $request = @{ Method = $Method; Uri = ($Url.TrimEnd("/") + $Path) }
        if ($null -ne $Body) { $request.Body = ($Body | ConvertTo-Json -Depth 5 -AsArray:($Body -is [array])); $request.ContentType = "application/json" }
        Invoke-RestMethod @request | ForEach-Object { $_ } # one object per array element
    }
}

AfterAll {
    Stop-FakeLogAnalytics $Fake
}

Describe 'Find-LowSlowExfil -WorkspaceId' {
    BeforeEach { Invoke-Fake POST '/_fake/reset' $null | Out-Null }

    It 'writes a report whose provenance names the workspace and the command, never the token (-ReportPath)' {
        $report = Join-Path $TestDrive 'ws-report.html'
        Find-LowSlowExfil @Connection -ReportPath $report | Out-Null
        $html = Get-Content -Raw $report
        $html | Should -BeLike "*Log Analytics workspace $WorkspaceId*"
        $html | Should -BeLike '*-AccessToken (secure string)*'
        $html | Should -Not -BeLike "*$Token*"
    }

    It 'gives exactly what the same data gives from files, in <Mode> mode' -ForEach @(
        @{ Mode = 'Intent'; Kql = $false }, @{ Mode = 'KqlCompatible'; Kql = $true }
    ) {
        $fromFiles = Find-LowSlowExfil -Path $Tenant -EndTime $SampleEnd -IncludeAll -KqlCompatible:$Kql | ConvertTo-Csv
        $fromWorkspace = Find-LowSlowExfil @Connection -IncludeAll -KqlCompatible:$Kql | ConvertTo-Csv
        $fromWorkspace.Count | Should -BeGreaterThan 200
        $fromWorkspace | Should -Be $fromFiles
    }

    It 'with -Schema Asim reads the uploads from the ASIM parser _Im_WebSession and gives what the files give, in <Mode> mode' -ForEach @(
        @{ Mode = 'Intent'; Kql = $false }, @{ Mode = 'KqlCompatible'; Kql = $true }
    ) {
        $fromFiles = Find-LowSlowExfil -Path $Tenant -EndTime $SampleEnd -IncludeAll -KqlCompatible:$Kql | ConvertTo-Csv
        $all = Find-LowSlowExfil @Connection -Schema Asim -IncludeAll -KqlCompatible:$Kql -Verbose 4>&1
        ($all | Where-Object { $_ -isnot [System.Management.Automation.VerboseRecord] } | ConvertTo-Csv) | Should -Be $fromFiles
        ($all | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }).Message | Should -Contain (
            "Hunt window (2026-10-02T00:00:00.000Z, 2026-11-01T00:00:00.000Z] (30 days), mode $Mode, 24 destination domains; querying workspace $WorkspaceId, uploads from the ASIM web-session parser _Im_WebSession.")
        $queries = @(Invoke-Fake GET '/_fake/requests' $null | ForEach-Object query)
        @($queries | Where-Object { $_ -match '(?m)^_Im_WebSession\(starttime=' }).Count | Should -Be 1
        @($queries | Where-Object { $_ -match '(?m)^CommonSecurityLog$' }).Count | Should -Be 0
        @($queries | Where-Object { $_ -match '(?m)^OfficeActivity$' }).Count | Should -Be 1
    }

    It 'fetches aggregates, not events: two round trips, one row per user-day-host and per user-operation' {
        $verbose = Find-LowSlowExfil @Connection -Verbose 4>&1 | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }
        $stats = $verbose.Message | Where-Object { $_ -match 'round trip' }
        $stats | Should -Match '^2 round trip\(s\), 0 retried'
        $requests = Invoke-Fake GET '/_fake/requests' $null
        @($requests | Where-Object { $_.path -like '/v1/workspaces/*' }).Count | Should -Be 2
    }

    It 'splits the time range when the result exceeds the service limits, with the same result' {
        Invoke-Fake POST '/_fake/settings' @{ maxRows = 150 } | Out-Null
        try {
            $split = Find-LowSlowExfil @Connection -IncludeAll | ConvertTo-Csv
            $requests = @(Invoke-Fake GET '/_fake/requests' $null | Where-Object { $_.path -like '/v1/workspaces/*' })
            $requests.Count | Should -BeGreaterThan 4
            $split | Should -Be (Find-LowSlowExfil -Path $Tenant -EndTime $SampleEnd -IncludeAll | ConvertTo-Csv)
        }
        finally { Invoke-Fake POST '/_fake/settings' @{ maxRows = 500000 } | Out-Null } # the service's limit
    }

    It 'waits out 429 with Retry-After and still succeeds' {
        Invoke-Fake POST '/_fake/faults' @(@{ status = 429; retryAfter = 1; count = 2 }) | Out-Null
        $r = Find-LowSlowExfil @Connection -Verbose 4>&1
        ($r | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] -and $_.Message -match 'round trip' }).Message | Should -Match '2 retried'
        @($r | Where-Object { $_ -isnot [System.Management.Automation.VerboseRecord] }).Count | Should -Be 4
    }

    It 'never re-runs a query the service timed out (504): one request, a terminating error' {
        Invoke-Fake POST '/_fake/faults' @(@{ status = 504; count = 1 }) | Out-Null
        { Find-LowSlowExfil @Connection -ErrorAction Stop } | Should -Throw -ErrorId 'QueryFailed*'
        @(Invoke-Fake GET '/_fake/requests' $null | Where-Object { $_.path -like '/v1/workspaces/*' }).Count | Should -Be 1
    }

    It 'stops at once on Ctrl+C while the answer is held back half-sent' {
        # The fake sends half of its gzip answer, then nothing for 30 s; Stop() is what Ctrl+C does to the pipeline.
        Invoke-Fake POST '/_fake/faults' @(@{ name = 'stalled body'; stallBodyMs = 30000; count = 1 }) | Out-Null
        $ps = [powershell]::Create()
        try {
            # The module is loaded by a call of its own: a batch (Import-Module; the command) that is stopped can go on
            # touching its runspace after Dispose() and bring the whole test process down.
            $null = $ps.AddCommand('Import-Module').AddArgument($ModuleManifest).Invoke()
            $ps.Commands.Clear()
            $null = $ps.AddCommand('Find-LowSlowExfil').AddParameters($Connection)
            $run = $ps.BeginInvoke()
            $until = [datetime]::UtcNow.AddSeconds(60)
            while (-not @(Invoke-Fake GET '/_fake/requests' $null | Where-Object bodyStalled).Count -and [datetime]::UtcNow -lt $until) { Start-Sleep -Milliseconds 100 }
            Start-Sleep -Milliseconds 500
            Assert-StopsAtOnce $ps $run
        }
        finally { $ps.Dispose() }
    }

    It 'tells a retry while it waits for it, not after: the engine''s log lines are written as they come' {
        # The engine logs from its own threads; the host bridge (CmdletHostContext.Run) writes each line while the
        # query runs. Before, the lines were queued and written once the query was over, the retry already sent.
        Invoke-Fake POST '/_fake/faults' @(@{ status = 429; retryAfter = 4; count = 1 }) | Out-Null
        $ps = [powershell]::Create()
        try {
            $null = $ps.AddCommand('Import-Module').AddArgument($ModuleManifest).Invoke()
            $ps.Commands.Clear()
            $null = $ps.AddCommand('Find-LowSlowExfil').AddParameters($Connection).AddParameter('Verbose')
            $run = $ps.BeginInvoke()
            $until = [datetime]::UtcNow.AddSeconds(60)
            while (-not @($ps.Streams.Verbose | Where-Object Message -Match 'answered 429').Count -and -not $run.IsCompleted -and [datetime]::UtcNow -lt $until) { Start-Sleep -Milliseconds 50 }
            @(Invoke-Fake GET '/_fake/requests' $null | Where-Object { $_.path -like '/v1/workspaces/*' }).Count | Should -Be 1 -Because 'the retry is told before it is sent'
            @($ps.EndInvoke($run)).Count | Should -Be 4
            @($ps.Streams.Verbose | Where-Object Message -Match 'answered 429').Count | Should -Be 1
            @($ps.Streams.Verbose | Where-Object Message -Match 'round trip').Message | Should -Match '1 retried'
        }
        finally { $ps.Dispose() }
    }

    It 'refuses a partial result unless -AllowPartialResults, then warns and marks the hunt' {
        Invoke-Fake POST '/_fake/faults' @(@{ partial = $true; count = 1 }) | Out-Null
        { Find-LowSlowExfil @Connection -ErrorAction Stop } | Should -Throw -ErrorId 'QueryFailed*'
        Invoke-Fake POST '/_fake/faults' @(@{ partial = $true; count = 1 }) | Out-Null
        $c = Find-LowSlowExfil @Connection -AllowPartialResults -WarningVariable w -WarningAction SilentlyContinue
        ($w -join "`n") | Should -Match 'Partial result accepted'
        $c[0].GetSummary().IsPartial | Should -BeTrue
    }

    It 'says why a bad token was refused, without ever showing the token' {
        $bad = ConvertTo-SecureString 'wrong-token-value' -AsPlainText -Force
        $err = $null
        try { Find-LowSlowExfil -WorkspaceId $WorkspaceId -Endpoint $Url -AccessToken $bad -EndTime $SampleEnd -Verbose -Debug 4>&1 5>&1 | Out-Null } catch { $err = $_ }
        $err | Should -Not -BeNullOrEmpty
        $err.Exception.Message | Should -Match '401'
        $err.CategoryInfo.Category | Should -Be 'PermissionDenied'
        ($err | Out-String) | Should -Not -Match 'wrong-token-value'
        $all = Find-LowSlowExfil @Connection -Verbose -Debug 4>&1 5>&1 | Out-String
        $all | Should -Not -Match ([regex]::Escape($Token))
    }

    It 'refuses plain http to a host that is not loopback' {
        { Find-LowSlowExfil -WorkspaceId $WorkspaceId -Endpoint 'http://api.example.com/' -AccessToken $SecureToken -EndTime $SampleEnd -ErrorAction Stop } |
            Should -Throw '*http*'
    }

    It 'gives the same result from an Azure Data Explorer database (-ClusterUri, -Database)' {
        $adx = Find-LowSlowExfil -ClusterUri $Url -Database $info['database'] -AccessToken $SecureToken -EndTime $SampleEnd -IncludeAll | ConvertTo-Csv
        $adx | Should -Be (Find-LowSlowExfil -Path $Tenant -EndTime $SampleEnd -IncludeAll | ConvertTo-Csv)
    }

    It 'profiles per user and per user-day from the workspace as from files' {
        (Get-ZiaUploadProfile @Connection -Daily | ConvertTo-Csv) | Should -Be (Get-ZiaUploadProfile -Path $Tenant -EndTime $SampleEnd -Daily | ConvertTo-Csv)
        (Get-O365SharingProfile @Connection | ConvertTo-Csv) | Should -Be (Get-O365SharingProfile -Path $Tenant -EndTime $SampleEnd | ConvertTo-Csv)
    }
}

Describe 'Managed identity (an Azure Automation job)' {
    It 'gets its token from IDENTITY_ENDPOINT / IDENTITY_HEADER and queries' {
        # In a child process, as a runbook would run, with the job's environment.
        $script = @"
`$env:IDENTITY_ENDPOINT = '$($info['identity-endpoint'])'
`$env:IDENTITY_HEADER = '$($info['identity-header'])'
Import-Module '$ModuleManifest'
`$c = Find-LowSlowExfil -WorkspaceId '$WorkspaceId' -Endpoint '$Url' -UseManagedIdentity -EndTime ([datetime]'2026-11-01T00:00:00Z')
`$c.UserName -join ','
"@
        $out = & dotnet tool run pwsh -- -NoProfile -NonInteractive -Command $script 2>&1
        $LASTEXITCODE | Should -Be 0
        # No -AccessToken: the fake accepts only the token its managed-identity endpoint issues.
        ($out | Select-Object -Last 1) | Should -Be 'marcus.webb@contoso.com,sofia.marino@contoso.com,priya.raman@contoso.com,tom.okafor@contoso.com'
        ($out -join "`n") | Should -Not -Match ([regex]::Escape($info['identity-header']))
    }
}

Describe 'Another Azure.Core already loaded (as with Az.Accounts)' {
    It 'leaves the other Azure.Core alone and still queries' {
        $packages = ((& dotnet nuget locals global-packages --list) -replace '^global-packages:\s*', '').Trim()
        $oldCore = Join-Path $packages 'azure.core/1.38.0/lib/netstandard2.0/Azure.Core.dll'
        Test-Path $oldCore | Should -BeTrue -Because 'build.ps1 Test restores Azure.Core 1.38.0 (tests/Pester/PesterTools.csproj)'
        $script = @"
Add-Type -Path '$oldCore'
Import-Module '$ModuleManifest'
`$c = Find-LowSlowExfil -WorkspaceId '$WorkspaceId' -Endpoint '$Url' -AccessToken (ConvertTo-SecureString '$Token' -AsPlainText -Force) -EndTime ([datetime]'2026-11-01T00:00:00Z')
`$loaded = [AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { `$_.GetName().Name -eq 'Azure.Core' } | ForEach-Object {
    `$alc = [System.Runtime.Loader.AssemblyLoadContext]::GetLoadContext(`$_)
    (`$(if (`$alc -eq [System.Runtime.Loader.AssemblyLoadContext]::Default) { 'default' } else { 'isolated' })) + ':' + `$_.GetName().Version
} | Sort-Object
"`$(`$loaded -join ',')|`$(`$c.Count)"
"@
        $out = & dotnet tool run pwsh -- -NoProfile -NonInteractive -Command $script 2>&1
        $LASTEXITCODE | Should -Be 0
        # The session's own Azure.Core stays 1.38 in the default context for everyone else; the module runs its own beside it.
        ($out | Select-Object -Last 1) | Should -Be 'default:1.38.0.0,isolated:1.64.0.0|4'
    }
}

Describe 'Get-LowSlowExfilQuery' {
    It 'prints the hunt as KQL with hostile domains as inert literals' {
        $q = Get-LowSlowExfilQuery -EndTime $SampleEnd -ExfilDomain 'dropbox.com', 'x"); OfficeActivity | take 1 //'
        $q | Should -Match 'let ExfilDomains = dynamic\(\["dropbox.com", "x\\"\); OfficeActivity \| take 1 //"\]\);'
        ($q -split "`n" | Where-Object { $_ -match '^\| ' }).Count |
            Should -Be ((Get-LowSlowExfilQuery -EndTime $SampleEnd -ExfilDomain 'dropbox.com', 'box.com') -split "`n" | Where-Object { $_ -match '^\| ' }).Count
    }
}
