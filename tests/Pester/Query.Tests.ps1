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
