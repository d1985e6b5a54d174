# Get-LowSlowExfilQuery and Export-LowSlowExfilRule through the module (issue 17): what the printed KQL holds, what
# is refused with a message an analyst can act on. Whether the KQL parses and binds is checked by kqlcheck
# (tests/LowSlowExfil.Tests/Kql/KqlCheckTests.cs), over every query the module can write.

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

Describe 'Export-LowSlowExfilRule' {
    It 'writes the ARM template for a .json path and the content-repository YAML for a .yaml path, with the same query' {
        $json = Join-Path $TestDrive 'rule.json'
        $yaml = Join-Path $TestDrive 'rule.yaml'
        Export-LowSlowExfilRule -Path $json -WarningAction SilentlyContinue | Should -BeNullOrEmpty
        $file = Export-LowSlowExfilRule -Path $yaml -PassThru -WarningAction SilentlyContinue
        $file.FullName | Should -Be $yaml
        $arm = Get-Content -LiteralPath $json -Raw | ConvertFrom-Json
        $resource = $arm.resources[0]
        $resource.type | Should -Be 'Microsoft.SecurityInsights/alertRules'
        $resource.kind | Should -Be 'Scheduled'
        $resource.properties.queryPeriod | Should -Be 'P14D'
        $resource.properties.queryFrequency | Should -Be 'P1D'
        $resource.properties.tactics | Should -Be @('Exfiltration')
        $resource.properties.query | Should -Match 'TimeGenerated > ago\(HuntWindow\)'
        $resource.properties.query.Length | Should -BeLessOrEqual 10000
        $text = Get-Content -LiteralPath $yaml -Raw
        $text | Should -Match '(?m)^kind: Scheduled$'
        $text | Should -Match '(?m)^queryPeriod: 14d$'
        # The YAML's query block, unindented, is the template's query.
        $block = [regex]::Match($text, '(?ms)^query: \|\n(.*?)\n(?=\S)').Groups[1].Value
        (($block -split "`n" | ForEach-Object { if ($_.Length) { $_.Substring(2) } else { $_ } }) -join "`n") + "`n" | Should -BeExactly $resource.properties.query
    }

    It 'says what a 14-day rule cannot see, and scales the persistence clause to it' {
        $null = Export-LowSlowExfilRule -WarningVariable seen -WarningAction SilentlyContinue
        $seen.Count | Should -Be 1
        "$seen" | Should -Match 'looks back at most 14 days'
        "$seen" | Should -Match '10 active days \(from 20\)'
        "$seen" | Should -Match 'runbook'
    }

    It 'refuses a window a scheduled rule cannot have, saying where the 30-day hunt belongs' {
        { Export-LowSlowExfilRule -Days 30 -WarningAction SilentlyContinue } | Should -Throw '*at most 14 days*runbook*'
        { Export-LowSlowExfilRule -PersistenceDays 20 -WarningAction SilentlyContinue } | Should -Throw '*never be reached*15 UTC days*'
        { Export-LowSlowExfilRule -Frequency (New-TimeSpan -Minutes 30) -WarningAction SilentlyContinue } | Should -Throw '*once an hour*'
    }

    It 'refuses a file name it cannot tell the format of, and keeps an existing file with -NoClobber' {
        { Export-LowSlowExfilRule -Path (Join-Path $TestDrive 'rule.txt') -WarningAction SilentlyContinue } | Should -Throw '*.json*-Format*'
        Test-Path (Join-Path $TestDrive 'rule.txt') | Should -BeFalse
        $kept = Join-Path $TestDrive 'kept.json'
        Set-Content -LiteralPath $kept -Value 'mine'
        { Export-LowSlowExfilRule -Path $kept -NoClobber -WarningAction SilentlyContinue } | Should -Throw '*already exists*'
        Get-Content -LiteralPath $kept | Should -Be 'mine'
    }

    It '-WhatIf writes nothing' {
        $path = Join-Path $TestDrive 'whatif.json'
        Export-LowSlowExfilRule -Path $path -WhatIf -WarningAction SilentlyContinue
        Test-Path $path | Should -BeFalse
    }
}
