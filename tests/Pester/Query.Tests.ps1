# Get-LowSlowExfilQuery and Export-LowSlowExfilRule through the module (issue 17): what the printed KQL holds, what
# is refused with a message an analyst can act on. Whether the KQL parses and binds is checked by kqlcheck
# (tests/LowSlowExfil.Tests/KqlCheckTests.cs), over every query the module can write.

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    Import-Module $ModuleManifest -Force
    $QueryEnd = New-UtcDate 2026 11 1
}

Describe 'Non-finite thresholds' {
    It 'Get-LowSlowExfilQuery refuses -ZScoreThreshold <_> before writing any KQL' -ForEach @('NaN', 'Infinity', '-Infinity') {
        $value = [double]::Parse($_, [cultureinfo]::InvariantCulture)
        { Get-LowSlowExfilQuery -EndTime $QueryEnd -ZScoreThreshold $value } | Should -Throw '*finite number*'
    }

    It 'Find-LowSlowExfil refuses -ZScoreThreshold <_> (a NaN threshold would silently flag nobody)' -ForEach @('NaN', 'Infinity') {
        $value = [double]::Parse($_, [cultureinfo]::InvariantCulture)
        $csv = Join-Path $TestDrive 'empty.csv'
        Set-Content -LiteralPath $csv -Value '"TimeGenerated [UTC]","DeviceVendor","DeviceAction","SourceUserName","DestinationHostName","SentBytes"'
        { Find-LowSlowExfil -LiteralPath $csv -EndTime $QueryEnd -ZScoreThreshold $value } | Should -Throw '*finite number*'
    }
}

Describe 'Get-LowSlowExfilQuery reproduces a hunt with extra destinations' {
    BeforeAll {
        # The domains a query lists, in order, read back from its let statement.
        function Get-QueryDomains([string] $Query) {
            $line = ($Query -split "`n") | Where-Object { $_ -like 'let ExfilDomains = dynamic(*' } | Select-Object -First 1
            [regex]::Matches($line, '"((?:[^"\\]|\\.)*)"') | ForEach-Object { $_.Groups[1].Value }
        }
        $Catalog = Join-Path $TestDrive 'catalog.csv'
        Set-Content -LiteralPath $Catalog -Value "Domain,Channel`nfiles.example-share.net,CloudStorage`nPasteBin.com,CodeHosting"
    }

    It '-ExtendedDomains lists the catalogue''s upload hosts after the rule''s 24, as Find-LowSlowExfil -ExtendedDomains hunts them' {
        $domains = @(Get-QueryDomains (Get-LowSlowExfilQuery -EndTime $QueryEnd -ExtendedDomains))
        $domains.Count | Should -Be 40
        $domains | Should -Contain 'content.dropboxapi.com'
        $domains[0..23] | Should -Be @([LowSlowExfil.Rule.ExfilRule]::DefaultExfilDomains)
        $csv = Join-Path $TestDrive 'empty-proxy.csv'
        Set-Content -LiteralPath $csv -Value '"TimeGenerated [UTC]","DeviceVendor","DeviceAction","SourceUserName","DestinationHostName","SentBytes"'
        $verbose = Find-LowSlowExfil -LiteralPath $csv -EndTime $QueryEnd -ExtendedDomains -Verbose 4>&1 |
            Where-Object { $_ -is [System.Management.Automation.VerboseRecord] -and $_.Message -match 'destination domains' }
        $verbose.Message | Should -Match ', 40 destination domains'
    }

    It '-DomainCatalogPath adds the file''s domains (lower-cased, as hosts are compared), also to the upload query' {
        foreach ($kind in 'Hunting', 'UploadAggregation') {
            $domains = @(Get-QueryDomains (Get-LowSlowExfilQuery $kind -EndTime $QueryEnd -DomainCatalogPath $Catalog))
            $domains.Count | Should -Be 26
            $domains[-2..-1] | Should -Be @('files.example-share.net', 'pastebin.com')
        }
    }

    It 'an unreadable -DomainCatalogPath is an error naming the file' {
        $missing = Join-Path $TestDrive 'no-such-catalog.csv'
        { Get-LowSlowExfilQuery -DomainCatalogPath $missing } | Should -Throw "*no-such-catalog.csv*"
        $bad = Join-Path $TestDrive 'bad-catalog.csv'
        Set-Content -LiteralPath $bad -Value "Domain,Channel`nexample.org,Carrier pigeon"
        { Get-LowSlowExfilQuery -DomainCatalogPath $bad } | Should -Throw "*bad-catalog.csv:2*unknown channel*"
    }
}
