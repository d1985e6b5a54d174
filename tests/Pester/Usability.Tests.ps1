# What a newcomer types in the first minutes (issue 16): candidates piped into the profile cmdlets, -FeedTimeZone as
# an offset and its completion, -Verbose on the files a folder read leaves out, and messages worded for the person at
# the console rather than for a library user.

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    Import-Module $ModuleManifest -Force
}

Describe 'Candidates piped into the profile cmdlets' {
    BeforeAll {
        $Tenant = Join-Path $TestDrive 'pipe'
        New-LowSlowExfilSampleData -Path $Tenant -EndTime 2026-11-01 -BackgroundUsers 20 | Out-Null
        $SampleEnd = [datetime]'2026-11-01T00:00:00Z'
        $Candidates = @(Find-LowSlowExfil -Path $Tenant -EndTime $SampleEnd)
        $Views = @('Daily', 'Destinations', 'Channels')
        # With -Path the logs are read again for the candidates' users: what that gives, while the files are there.
        $WithPath = @{}
        foreach ($v in $Views) {
            $view = @{ $v = $true }
            $WithPath[$v] = $Candidates | Get-ZiaUploadProfile -Path $Tenant -EndTime $SampleEnd @view | ConvertTo-Csv
        }
        $WithPath['Operations'] = $Candidates | Get-O365SharingProfile -Path $Tenant -EndTime $SampleEnd -Operations | ConvertTo-Csv
        # Then the files go: without -Path a profile can only come from the candidate itself.
        Rename-Item $Tenant "$Tenant-gone"
    }

    It 'has candidates of every kind to pipe' {
        $Candidates.Reasons -join ',' | Should -Match 'ZScore'
        $Candidates.Reasons -join ',' | Should -Match 'AnonymousLinks'
    }

    It 'gives each candidate''s own upload profile to Get-ZiaUploadProfile, nothing read' {
        $c = $Candidates[0]
        $p = @($c | Get-ZiaUploadProfile -ErrorAction Stop)
        $p.Count | Should -Be 1
        [object]::ReferenceEquals($p[0], $c.GetUploadProfile()) | Should -BeTrue
    }

    It 'gives the -<_> rows of the candidates'' own profiles, as with -Path' -ForEach @('Daily', 'Destinations', 'Channels') {
        $view = @{ $_ = $true }
        $first = @($Candidates[0] | Get-ZiaUploadProfile @view -ErrorAction Stop)
        $first.Count | Should -BeGreaterThan 0
        $first[0].UserName | Should -Be $Candidates[0].UserName
        ($Candidates | Get-ZiaUploadProfile @view -ErrorAction Stop | ConvertTo-Csv) | Should -Be $WithPath[$_]
    }

    It 'gives the candidates'' own sharing profiles to Get-O365SharingProfile, -Operations too' {
        $anon = $Candidates | Where-Object Reasons -Match 'AnonymousLinks' | Select-Object -First 1
        $p = @($anon | Get-O365SharingProfile -ErrorAction Stop)
        [object]::ReferenceEquals($p[0], $anon.GetSharingProfile()) | Should -BeTrue
        @($anon | Get-O365SharingProfile -Operations -ErrorAction Stop | Where-Object Operation -EQ 'AnonymousLinkCreated').Count | Should -Be 1
        ($Candidates | Get-O365SharingProfile -Operations -ErrorAction Stop | ConvertTo-Csv) | Should -Be $WithPath['Operations']
    }

    It 'still takes files from Get-ChildItem by path' {
        $gone = "$Tenant-gone"
        @(Get-ChildItem $gone -Filter CommonSecurityLog.csv | Get-ZiaUploadProfile -EndTime $SampleEnd -UserName $Candidates[0].UserName).Count | Should -Be 1
    }
}
