# Documentation as tests (issue 16): every PowerShell example of README.md, about_LowSlowExfil and each cmdlet's help
# (```powershell blocks of module/help/*.md, from which the built help is made) runs here as written, but for the
# placeholders of the substitution table below, against a generated tenant and a Log Analytics service on 127.0.0.1.
# Each example must write no error, and each of its statements must give something: what it outputs, the value it
# assigns, or what it hands to Export-Csv, Set-Content and the like. A new example that does not run fails this suite;
# one that cannot run here goes in the skip table with the reason.

BeforeDiscovery {
    . (Join-Path $PSScriptRoot 'DocExamples.ps1')
    $RepoRoot = (Resolve-Path (Join-Path $PSScriptRoot '../..')).Path

    # ── The skip table: examples that cannot run on a CI machine, and why. Each entry must match exactly one example
    # (by its document and a piece of its code), so a fixed or removed example cannot stay skipped unnoticed. ──
    $Skips = @(
        @{ Doc = 'README.md'; Contains = '-CertificatePath ./sp.pfx'
            Why = 'signs in to Azure itself: Get-AzAccessToken (Az.Accounts), a service principal registered in Microsoft Entra ID, the US Government cloud and a named Azure Data Explorer cluster (the same cmdlets run against the local service in the other examples)' }
        @{ Doc = 'README.md'; Contains = 'Set-AzStorageBlobContent'
            Why = 'an Azure Automation runbook: the module imported by name from the Automation account, Connect-AzAccount -Identity and Az.Storage (its hunt is Find-LowSlowExfil Example 11, which runs)' }
        @{ Doc = 'module/help/Find-LowSlowExfil.md'; Contains = 'Connect-AzAccount'
            Why = 'Connect-AzAccount signs in to Azure interactively (Az.Accounts is not installed here)' }
        @{ Doc = 'module/help/Find-LowSlowExfil.md'; Contains = 'CertificateThumbprint'
            Why = 'a service principal''s certificate in the certificate store, signed in against Microsoft Entra ID' }
        @{ Doc = 'module/help/Get-O365SharingProfile.md'; Contains = 'Search-UnifiedAuditLog'
            Why = 'Search-UnifiedAuditLog needs an Exchange Online session' }
        @{ Doc = 'README.md'; Contains = 'Send-LowSlowExfilResult -Endpoint $env:LOWSLOW_DCE'
            Why = 'an Azure Automation runbook: the module imported by name from the account, a real data collection endpoint; tests/Pester/Ingestion.Tests.ps1 runs Find-LowSlowExfil | Send-LowSlowExfilResult against the local stand-in' }
        @{ Doc = 'module/help/Send-LowSlowExfilResult.md'; Contains = 'lowslowexfil-dce-abcd'
            Why = 'the runbook in Azure, with a real data collection endpoint; tests/Pester/Ingestion.Tests.ps1 runs the same pipeline against the local stand-in' }
        @{ Doc = 'module/help/Export-LowSlowExfilDeployment.md'; Contains = 'Get-AzAutomationAccount'
            Why = 'deploys into a subscription with Az.Automation and Az.Resources; DeploymentTemplateTests check the template this writes' }
        @{ Doc = 'module/help/Export-LowSlowExfilRule.md'; Contains = 'New-AzResourceGroupDeployment'
            Why = 'deploys into a Sentinel workspace with Az.Resources; ScheduledRuleTests hold the template it writes to the documented schema and limits, and KqlCheckTests its query to Microsoft''s parser' }
        @{ Doc = 'README.md'; Contains = 'Register-PSResourceRepository -Name SocModules'
            Why = 'registers a file-share feed and installs into the user''s own module path; tests/Pester/Package.Tests.ps1 runs the same publish, install by name and import against a local folder feed in a fresh home' }
    )

    $All = @(Get-DocExample -RepoRoot $RepoRoot)
    $Runnable = [System.Collections.Generic.List[hashtable]]::new()
    $Skipped = [System.Collections.Generic.List[hashtable]]::new()
    foreach ($e in $All) {
        $skip = $Skips | Where-Object { $_.Doc -eq $e.Doc -and $e.Code.Contains($_.Contains) } | Select-Object -First 1
        $case = @{ Name = $e.Name; Doc = $e.Doc; Line = $e.Line; Code = $e.Code }
        if ($skip) { $case.Why = $skip.Why; $Skipped.Add($case) } else { $Runnable.Add($case) }
    }
    $SkipCases = @($Skips | ForEach-Object { @{ Doc = $_.Doc; Contains = $_.Contains } })
    $Documents = @(@('README.md', 'module/help/about_LowSlowExfil.md') +
        @((Get-ChildItem -LiteralPath (Join-Path $RepoRoot 'module/help') -Filter '*-*.md').Name | ForEach-Object { "module/help/$_" }) |
        ForEach-Object { @{ Doc = $_ } })
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    . (Join-Path $PSScriptRoot 'DocExamples.ps1')
    Import-Module $ModuleManifest -Force
    Import-TestSupport
    $All = @(Get-DocExample -RepoRoot $RepoRoot)

    # One tenant for every example, generated as a newcomer would (New-LowSlowExfilSampleData, ending at the start of
    # the current UTC day), with 20 ordinary users rather than 200 to keep the suite quick.
    $Inputs = Join-Path $TestDrive 'inputs'
    $Tenant = Join-Path $Inputs 'tenant'
    New-LowSlowExfilSampleData -Path $Tenant -BackgroundUsers 20 | Out-Null
    $TenantEnd = [datetime]::Parse((Import-PowerShellDataFile (Join-Path $Tenant 'tenant.psd1')).EndTime, [cultureinfo]::InvariantCulture,
        [System.Globalization.DateTimeStyles]::AdjustToUniversal -bor [System.Globalization.DateTimeStyles]::AssumeUniversal)
    # The same tenant's Zscaler traffic as raw NSS feeds, gzip-compressed, as an NSS server writes them.
    $Nss = Join-Path $Inputs 'nss'
    $generated = [LowSlowExfil.SampleData.SampleTenant]::Generate([LowSlowExfil.SampleData.SampleTenantOptions]@{
            EndTime = $TenantEnd; BackgroundUsers = 20; WholeSecondTimestamps = $true })
    New-Item -ItemType Directory $Nss | Out-Null
    [LowSlowExfil.SampleData.SampleRawFeedWriter]::WriteNssCef($generated.ProxyEvents(), (Join-Path $Nss 'zscaler-nss-1.log'), $false)
    [LowSlowExfil.SampleData.SampleRawFeedWriter]::GzipCopy((Join-Path $Nss 'zscaler-nss-1.log')) | Out-Null
    Remove-Item (Join-Path $Nss 'zscaler-nss-1.log')

    # The Log Analytics workspace of the examples: the fake service on 127.0.0.1 over the same tenant, serving the
    # workspace id the help uses, with a managed-identity endpoint as an Automation sandbox has one.
    $Token = 'doc-token-' + [guid]::NewGuid().ToString('N')
    $WorkspaceGuid = '00000000-0000-0000-0000-000000000000'
    $service = Start-FakeLogAnalytics -Arguments '--data', $Tenant, '--token', $Token, '--workspace', $WorkspaceGuid
    $Fake = $service.Process
    $Url = $service.Url
    $info = $service.Info
    $SavedEnvironment = @{ IDENTITY_ENDPOINT = $env:IDENTITY_ENDPOINT; IDENTITY_HEADER = $env:IDENTITY_HEADER; TEMP = $env:TEMP }
    $env:IDENTITY_ENDPOINT = $info['identity-endpoint']
    $env:IDENTITY_HEADER = $info['identity-header']

    # ── The substitution table: what each placeholder of the documentation stands for here. ──
    # Applied in this order to an example's text, as case-sensitive regular expressions; nothing else in it is changed.
    # Replace is the text put in, or a script block given the match ($args[0]) and the example ($args[1]).
    $Substitutions = @(
        @{ Find = '\./(exports|zia|o365)(?![\w-])'; Replace = $Tenant
            Why = 'folders of Log Analytics exports (CommonSecurityLog and OfficeActivity): the generated tenant' }
        @{ Find = '\./sample(?![\w-])'
            Replace = { param($m, $code) if ($code -match 'New-LowSlowExfilSampleData[^\n]*-Path \./sample(?![\w-])') { $m.Value } else { $Tenant } }
            Why = 'the sample tenant: the generated tenant, unless the example writes ./sample itself (then it is written afresh in the example''s folder)' }
        @{ Find = '\\\\logserver\\exports\\latest'; Replace = $Tenant; Why = 'a share of exports: the generated tenant' }
        @{ Find = 'D:\\Hunts\\'; Replace = './'; Why = 'a Windows folder for the outputs: the example''s folder' }
        @{ Find = '\./nss/'; Replace = "$Nss/"; Why = 'raw NSS feeds: the tenant''s Zscaler traffic written as gzip-compressed NSS CEF' }
        @{ Find = '2026-11-01'; Why = 'the end of a fixed window over your exports: the tenant''s end (not on a line reading ./sample, whose end is the day it is made)'
            Replace = { param($m, $code)
                $lineStart = $code.LastIndexOf("`n", [Math]::Max(0, $m.Index - 1)) + 1
                $lineEnd = $code.IndexOf("`n", $m.Index); if ($lineEnd -lt 0) { $lineEnd = $code.Length }
                if ($code.Substring($lineStart, $lineEnd - $lineStart) -match '\./sample(?![\w-])') { $m.Value } else { $TenantEnd.ToString('yyyy-MM-dd') } } }
        @{ Find = '\$workspaceId\b|''b7a3…''|\$env:SENTINEL_WORKSPACE_ID'; Replace = "'$WorkspaceGuid'"
            Why = 'a workspace id: the one the local service serves (the help''s examples already use it)' }
        @{ Find = '\(Get-AzAccessToken -ResourceUrl ''https://api\.loganalytics\.io'' -AsSecureString\)\.Token'
            Replace = "(ConvertTo-SecureString '$Token' -AsPlainText -Force)"; Why = 'a token from Az.Accounts: the token the local service accepts' }
        @{ Find = '\$LogicAppUrl'; Replace = "'$($Url.TrimEnd('/'))/_fake/webhook'"; Why = 'a Logic App''s HTTP trigger: the local service''s stand-in for one' }
        @{ Find = 'New-LowSlowExfilSampleData(?![^\n]*-BackgroundUsers)'; Replace = 'New-LowSlowExfilSampleData -BackgroundUsers 20'
            Why = 'a generated tenant: 20 ordinary users instead of 200, for speed' }
        @{ Find = '-BackgroundUsers \d+'; Replace = '-BackgroundUsers 20'; Why = 'a bigger generated company: 20 users, for speed (the files have the same form)' }
        @{ Find = '\| Set-Clipboard'; Replace = '| Out-Null'; Why = 'the clipboard: there is none on a CI machine (what would be copied is still checked)' }
        @{ Find = '\$dce\b'; Replace = "'$($Url.TrimEnd('/'))'"; Why = 'a data collection endpoint: the local service, which also stands in for the Logs Ingestion API' }
        @{ Find = '\$dcr\b'; Replace = "'dcr-00000000000000000000000000000000'"; Why = 'a data collection rule''s immutable id (nothing is sent under -WhatIf)' }
        @{ Find = 'Invoke-Item '; Replace = 'Get-Item '; Why = 'opening a report in the browser: there is none; the file is looked up instead' }
    )
    # The world an example runs in besides: a fresh folder of its own as the current location, holding the inputs
    # the examples presume (watchlist.csv, departments.csv, an outbox folder); -Endpoint of the hunting cmdlets set to
    # the local service (PSDefaultParameterValues; it applies to workspace hunts only); the managed-identity endpoint
    # in IDENTITY_ENDPOINT and IDENTITY_HEADER (for -UseManagedIdentity and the default credential chain); $env:TEMP
    # (a Windows and Automation variable) set to the example's folder; strict mode, so a placeholder left unreplaced
    # fails rather than running as $null.
    $Defaults = @{}
    # Bound only to a workspace or cluster hunt: a default the command line's parameter set lacks would stop PowerShell
    # from choosing a set at all (candidates piped into Get-ZiaUploadProfile, for one).
    $endpoint = { if ($args[0].BoundParameters.Contains('WorkspaceId') -or $args[0].BoundParameters.Contains('ClusterUri')) { $Url } }.GetNewClosure()
    foreach ($cmd in 'Find-LowSlowExfil', 'Get-ZiaUploadProfile', 'Get-O365SharingProfile') { $Defaults["${cmd}:Endpoint"] = $endpoint }
    $Users = @(Get-ZiaUploadProfile -Path $Tenant).UserName

    function Convert-DocText([string] $Code) {
        foreach ($row in $Substitutions) {
            $Code = if ($row.Replace -is [scriptblock]) {
                $text = $Code
                $Code -creplace $row.Find, { & $row.Replace $_ $text }
            }
            else { $Code -creplace $row.Find, { $row.Replace } }
        }
        $Code
    }

    function New-ExampleFolder([string] $Name) {
        $folder = Join-Path $TestDrive ('examples/' + ($Name -replace '[^\w.-]+', '_'))
        New-Item -ItemType Directory $folder -Force | Out-Null
        New-Item -ItemType Directory (Join-Path $folder 'outbox') | Out-Null
        # A watch list of departing employees, and an HR export of departments.
        @([pscustomobject]@{ UserName = 'priya.raman@contoso.com' }, [pscustomobject]@{ UserName = 'marcus.webb@contoso.com' }) |
            Export-Csv (Join-Path $folder 'watchlist.csv') -NoTypeInformation
        $i = 0
        $Users | ForEach-Object { [pscustomobject]@{ UserPrincipalName = $_; Department = ('Sales', 'Engineering')[$i++ % 2] } } |
            Export-Csv (Join-Path $folder 'departments.csv') -NoTypeInformation
        $folder
    }

    function Invoke-DocExample([string] $Name, [string] $Code) {
        # Runs the example in a scope of its own (a fresh module scope: no variable of this suite leaks into it).
        $script = ConvertTo-DocScript (Convert-DocText $Code) -Prologue 'Set-StrictMode -Version 1'
        $folder = New-ExampleFolder $Name
        $out = @{}
        $scope = [psmoduleinfo]::new($true)
        $scope.SessionState.PSVariable.Set('__out', $out)
        $scope.SessionState.PSVariable.Set('PSDefaultParameterValues', $Defaults.Clone())
        $run = $scope.NewBoundScriptBlock([scriptblock]::Create($script.Script))
        $env:TEMP = $folder
        Push-Location $folder
        try {
            $records = @(try { & $run *>&1 } catch { $_ })
        }
        finally {
            Pop-Location
            $env:TEMP = $SavedEnvironment.TEMP
        }
        [pscustomobject]@{
            Errors   = @($records | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] })
            Warnings = @($records | Where-Object { $_ -is [System.Management.Automation.WarningRecord] } | ForEach-Object Message)
            Empty    = @($script.Recorded | Where-Object { @($out[$_.N] | Where-Object { $null -ne $_ }).Count -eq 0 } | ForEach-Object Text)
            Code     = $script.Script
        }
    }
}

AfterAll {
    Stop-FakeLogAnalytics $Fake
    if ($SavedEnvironment) {
        $env:IDENTITY_ENDPOINT = $SavedEnvironment.IDENTITY_ENDPOINT
        $env:IDENTITY_HEADER = $SavedEnvironment.IDENTITY_HEADER
    }
}

Describe 'The documentation''s examples' {
    It 'are found in <Doc>' -ForEach $Documents {
        @($All | Where-Object Doc -EQ $Doc).Count | Should -BeGreaterThan 0 -Because 'every document has examples, and a fence the extractor misses would silently leave them untested'
    }

    It 'skip only what the skip table names: <Contains> (<Doc>)' -ForEach $SkipCases {
        @($All | Where-Object { $_.Doc -eq $Doc -and $_.Code.Contains($Contains) }).Count | Should -Be 1
    }

    It 'use every row of the substitution table' {
        $unused = $Substitutions | Where-Object { $row = $_; -not ($All | Where-Object { $_.Code -cmatch $row.Find }) }
        @($unused).Find | Should -BeNullOrEmpty -Because 'a row no example needs any more is a stale placeholder'
    }

    It 'hunt the sample tenant without a fixed -EndTime' {
        # The sample ends the day it is generated, so a date written in the help would miss it; the substitution table
        # leaves such lines alone, and this says why they fail.
        $fixed = $All | ForEach-Object { $e = $_; $e.Code -split "`n" | Where-Object { $_ -match '\./sample(?![\w-])' -and $_ -match '-EndTime\s+''?\d{4}-' } |
            ForEach-Object { "$($e.Name): $_" } }
        $fixed | Should -BeNullOrEmpty -Because 'the sample tenant ends at the start of the day it is made: hunt it without -EndTime, or with the EndTime of its tenant.psd1'
    }

    It '<Name>' -ForEach $Runnable {
        $r = Invoke-DocExample $Name $Code
        $said = ($r.Errors | ForEach-Object { "error: $($_.Exception.Message)" }) + ($r.Warnings | ForEach-Object { "warning: $_" })
        $r.Errors | Should -BeNullOrEmpty -Because ("the example must run without an error:`n" + ($said -join "`n") + "`n--- as run:`n" + $r.Code)
        $r.Empty | Should -BeNullOrEmpty -Because ("each statement must give something (warnings: $($r.Warnings -join '; '))`n--- as run:`n" + $r.Code)
    }

    foreach ($s in $Skipped) {
        It "$($s.Name) (skipped: $($s.Why))" -Skip { }
    }
}

Describe 'Alerts posted to a Logic App (ConvertTo-LowSlowExfilAlert Example 2)' {
    It 'reached the stand-in trigger as one JSON array of alerts' {
        $bodies = @(Invoke-RestMethod -Uri ($Url.TrimEnd('/') + '/_fake/webhook'))
        $bodies.Count | Should -BeGreaterThan 0
        $alerts = @($bodies[-1] | ConvertFrom-Json)
        $alerts.Count | Should -BeGreaterThan 0
        $alerts[0].AlertDisplayName | Should -Match '^Low & Slow Exfil Candidate - '
    }
}
