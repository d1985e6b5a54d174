# Profiles and candidates a script builds by hand (New-Object, a [pscustomobject] cast), with properties left unset
# or set to $null, through the cmdlets: a null collection reads as empty, a profile without a user is reported by
# name and left out while the others are hunted, and nothing ends in a NullReferenceException.

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    Import-Module (Join-Path $PSScriptRoot ../../LowSlowExfil.psd1) -Force

    function New-Upload([string] $User, [double] $MB, [long] $Days = 25) {
        $u = New-Object LowSlowExfil.ZiaUploadProfile
        $u.UserName = $User
        $u.ZIA_TotalMBSent = $MB
        $u.ZIA_ActiveDays = $Days
        $u.WindowStart = $End.AddDays(-30)
        $u.WindowEnd = $End
        $u
    }
}

Describe 'Hand-built profiles into Find-LowSlowExfil' {
    It 'reports a profile without a UserName by name and hunts the others' {
        $nobody = New-Upload -User $null -MB 500
        $found = @(New-Upload 'a@contoso.com' 80), @(New-Upload 'b@contoso.com' 1), $nobody |
            Find-LowSlowExfil -IncludeAll -ErrorVariable errs -ErrorAction SilentlyContinue
        $found.UserName | Should -Be @('a@contoso.com', 'b@contoso.com')
        $errs.Count | Should -Be 1
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'ProfileWithoutUserName*'
        $errs[0].Exception.Message | Should -BeLike '*upload profile without a UserName was ignored*'
    }

    It 'reports a sharing profile without a UserName the same way' {
        $share = [LowSlowExfil.O365SharingProfile][pscustomobject]@{ O365_EventCount = 3; O365_AnonLinks = 3 }
        $found = @(New-Upload 'a@contoso.com' 80), $share | Find-LowSlowExfil -IncludeAll -ErrorVariable errs -ErrorAction SilentlyContinue
        $found.UserName | Should -Be 'a@contoso.com'
        $errs[0].Exception.Message | Should -BeLike '*sharing profile without a UserName was ignored*'
    }

    It 'reads null collections as empty, with -DistinctChannels Categories too' {
        $a = New-Upload 'a@contoso.com' 80
        $a.Channels = $null
        $a.Destinations = $null
        $a.DailyUploads = $null
        $share = [LowSlowExfil.O365SharingProfile][pscustomobject]@{ UserName = 'a@contoso.com'; O365_EventCount = 3; O365_AnonLinks = 3; O365_Operations = $null; OperationCounts = $null }
        $found = $a, (New-Upload 'b@contoso.com' 1), $share | Find-LowSlowExfil -IncludeAll -DistinctChannels Categories -ErrorAction Stop
        $c = $found | Where-Object UserName -EQ 'a@contoso.com'
        $c.DistinctChannels | Should -Be 1
        $c.O365_Operations.Count | Should -Be 0
        $json = $c | ConvertTo-LowSlowExfilAlert -Compress -ErrorAction Stop | ConvertFrom-Json
        @($json.Entities | Where-Object Type -EQ 'host').Count | Should -Be 0
        $report = Join-Path $TestDrive 'profiles.html'
        $found | Export-LowSlowExfilReport -Path $report -ErrorAction Stop
        Get-Content -LiteralPath $report -Raw | Should -Match 'a@contoso\.com'
    }
}

Describe 'Hand-built candidates into the reporting cmdlets' {
    BeforeAll {
        $bare = New-Object LowSlowExfil.ExfilCandidate
        $bare.O365_Operations = $null
        $bare.Reasons = 'ZScore'
        $cast = [LowSlowExfil.ExfilCandidate][pscustomobject]@{ UserName = $null; AlertDisplayName = $null; Zscore = 4; Reasons = 'ZScore' }
    }

    It 'converts them to alerts with an empty account' {
        $alerts = @($bare, $cast | ConvertTo-LowSlowExfilAlert -Compress -ErrorAction Stop | ConvertFrom-Json)
        $alerts.Count | Should -Be 2
        $alerts[0].CompromisedEntity | Should -Be ''
        $alerts[0].CustomDetails.Reasons | Should -Be 'ZScore'
    }

    It 'writes them to a report and a CSV' {
        $html = Join-Path $TestDrive 'bare.html'
        $csv = Join-Path $TestDrive 'bare.csv'
        $bare, $cast | Export-LowSlowExfilReport -Path $html -ErrorAction Stop
        $bare, $cast | Export-LowSlowExfilCsv -Path $csv -ErrorAction Stop
        Get-Content -LiteralPath $html -Raw | Should -Match 'id="candidate-table"'
        $rows = @(Import-Csv -LiteralPath $csv)
        $rows.Count | Should -Be 2
        $rows[0].O365_Operations | Should -Be '[]'
    }
}
