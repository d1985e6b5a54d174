# The cmdlet bases (issue 18): the window, destinations and mode are declared once (HuntWindowCommandBase,
# ExfilDomainCommandBase), so the cmdlets that hunt and the cmdlets that write KQL cannot drift apart; and
# progress is shown or not as the host, not the process's command line, says.

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    Import-Module $ModuleManifest -Force

    # What PowerShell binds by: type, sets, position, pipeline, aliases, validation and completion.
    function Get-ParameterShape([string] $Command, [string] $Name) {
        $p = (Get-Command $Command -Module LowSlowExfil).Parameters[$Name]
        $attributes = foreach ($a in $p.Attributes) {
            switch ($a) {
                { $_ -is [System.Management.Automation.ParameterAttribute] } { "Parameter($($a.ParameterSetName),$($a.Position),$($a.Mandatory),$($a.ValueFromPipeline),$($a.ValueFromPipelineByPropertyName))" }
                { $_ -is [System.Management.Automation.ValidateRangeAttribute] } { "Range($($a.MinRange),$($a.MaxRange))" }
                { $_ -is [System.Management.Automation.ArgumentCompleterAttribute] } { "Completer($($a.Type.Name))" }
                default { $a.GetType().Name }
            }
        }
        "$($p.ParameterType) $((@($attributes) | Sort-Object) -join ' ')"
    }
}

Describe 'Parameters declared once' {
    It '-<Name> is the same on every cmdlet that hunts or writes KQL' -ForEach @(
        @{ Name = 'ExfilDomain' }, @{ Name = 'ExtendedDomains' }, @{ Name = 'DomainCatalogPath' }
    ) {
        $shape = Get-ParameterShape Find-LowSlowExfil $Name
        $shape | Should -Match 'Parameter\(__AllParameterSets,'
        foreach ($c in 'Get-ZiaUploadProfile', 'Get-O365SharingProfile', 'Get-LowSlowExfilQuery', 'Export-LowSlowExfilRule') {
            Get-ParameterShape $c $Name | Should -Be $shape -Because "$c -$Name comes from the same declaration as Find-LowSlowExfil's"
        }
    }

    It '-ExfilDomain completes the domains on Get-LowSlowExfilQuery as on Find-LowSlowExfil' {
        # Get-LowSlowExfilQuery re-declared it without the completer; the shared declaration has it.
        $line = 'Get-LowSlowExfilQuery -ExfilDomain dropbox'
        $names = (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText
        $names | Should -Contain 'dropbox.com'
    }

    It '-<Name> is the same on the hunting cmdlets and Get-LowSlowExfilQuery' -ForEach @(
        @{ Name = 'Days' }, @{ Name = 'EndTime' }, @{ Name = 'KqlCompatible' }
    ) {
        $shape = Get-ParameterShape Find-LowSlowExfil $Name
        foreach ($c in 'Get-ZiaUploadProfile', 'Get-O365SharingProfile', 'Get-LowSlowExfilQuery') {
            Get-ParameterShape $c $Name | Should -Be $shape -Because "$c -$Name comes from the same declaration as Find-LowSlowExfil's"
        }
    }

    It 'Export-LowSlowExfilRule keeps its own -Days (1 to 14, refused with the reason) and has no -EndTime or -KqlCompatible' {
        $rule = Get-Command Export-LowSlowExfilRule
        $rule.Parameters['Days'].Attributes.Where({ $_ -is [System.Management.Automation.ValidateRangeAttribute] }) | Should -BeNullOrEmpty
        $rule.Parameters.Keys | Should -Not -Contain 'EndTime'
        $rule.Parameters.Keys | Should -Not -Contain 'KqlCompatible'
        { Export-LowSlowExfilRule -Days 15 } | Should -Throw '*14*'
    }

    It '<Command> still refuses a blank domain with its own error id, in the analyst''s words' -ForEach @(
        @{ Command = 'Get-LowSlowExfilQuery'; Id = 'InvalidQueryInput*' }
        @{ Command = 'Get-ZiaUploadProfile'; Id = 'InvalidHuntOptions*' }
    ) {
        $arguments = @{ ExfilDomain = ' '; ErrorAction = 'Stop' }
        if ($Command -ne 'Get-LowSlowExfilQuery') { $arguments.Path = $TestDrive }
        $e = { & $Command @arguments } | Should -Throw -ErrorId $Id -PassThru
        $e.Exception.Message | Should -Match 'At least one exfiltration domain is required'
        $e.Exception.Message | Should -Not -Match "\(Parameter '"
    }
}

Describe 'One way to sign in, chosen the same way by every cmdlet that calls Azure' {
    BeforeAll {
        $Token = ConvertTo-SecureString 'never-sent' -AsPlainText -Force
        $Tenant = Join-Path $TestDrive 'tenant'
        New-LowSlowExfilSampleData -Path $Tenant -EndTime 2026-11-01 | Out-Null
        $Flagged = @(Find-LowSlowExfil -Path $Tenant -EndTime 2026-11-01)
        # Nothing listens there: each case must be refused before anything is sent.
        $Calls = @{
            'Find-LowSlowExfil'       = { param($a) Find-LowSlowExfil -WorkspaceId 'w' -Endpoint 'http://127.0.0.1:9/' -ErrorAction Stop @a }
            'Get-ZiaUploadProfile'    = { param($a) Get-ZiaUploadProfile -ClusterUri 'http://127.0.0.1:9/' -Database 'd' -ErrorAction Stop @a }
            'Send-LowSlowExfilResult' = { param($a) $Flagged | Send-LowSlowExfilResult -Endpoint 'http://127.0.0.1:9/' -DcrImmutableId 'dcr-0' -ErrorAction Stop @a }
        }
    }

    It '<Command> refuses <What>' -ForEach @(
        foreach ($command in 'Find-LowSlowExfil', 'Get-ZiaUploadProfile', 'Send-LowSlowExfilResult') {
            @{ Command = $command; What = 'two ways at once'; Id = 'AmbiguousAuthentication*'; Says = 'Choose one way to authenticate'
                Arguments = { @{ AccessToken = $Token; UseManagedIdentity = $true } } }
            @{ Command = $command; What = 'a certificate without its tenant'; Id = 'IncompleteServicePrincipal*'; Says = 'A certificate needs -TenantId and -ClientId'
                Arguments = { @{ CertificateThumbprint = '0123456789abcdef'; ClientId = 'app' } } }
        }
    ) {
        $Flagged.Count | Should -BeGreaterThan 0
        $arguments = & $Arguments
        $e = { & $Calls[$Command] $arguments } | Should -Throw -ErrorId $Id -PassThru
        $e.Exception.Message | Should -Match ([regex]::Escape($Says))
    }
}
