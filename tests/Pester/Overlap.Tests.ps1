# Exports read more than once, and data outside the window: counted once where the records carry ids, named where
# they do not, and never a silent empty answer.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    Import-Module $ModuleManifest -Force
    $Tenant = Join-Path $TestDrive 'tenant'
    New-LowSlowExfilSampleData -Path $Tenant -EndTime 2026-11-01 -BackgroundUsers 20 | Out-Null
    $SampleEnd = [datetime]'2026-11-01T00:00:00Z'
}

Describe 'Overlapping exports' {
    It 'counts the audit records of an OfficeActivity export read under two names once' {
        $twice = Join-Path $TestDrive 'twice'
        New-Item -ItemType Directory $twice | Out-Null
        Copy-Item (Join-Path $Tenant 'OfficeActivity.csv') (Join-Path $twice 'OfficeActivity.csv')
        Copy-Item (Join-Path $Tenant 'OfficeActivity.csv') (Join-Path $twice 'OfficeActivity-again.csv')
        $once = Get-O365SharingProfile -Path (Join-Path $Tenant 'OfficeActivity.csv') -EndTime $SampleEnd | Sort-Object UserName
        $verbose = Get-O365SharingProfile -Path $twice -EndTime $SampleEnd -Verbose 4>&1
        $both = $verbose | Where-Object { $_ -isnot [System.Management.Automation.VerboseRecord] } | Sort-Object UserName
        ($both | ForEach-Object { "$($_.UserName) $($_.O365_EventCount) $($_.O365_AnonLinks)" }) |
            Should -Be ($once | ForEach-Object { "$($_.UserName) $($_.O365_EventCount) $($_.O365_AnonLinks)" })
        @($verbose | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] -and $_.Message -like '*duplicates of audit records already counted*' }).Count |
            Should -Be 1
    }

    It 'names two CommonSecurityLog exports that share hours' {
        $twice = Join-Path $TestDrive 'csl-twice'
        New-Item -ItemType Directory $twice | Out-Null
        Copy-Item (Join-Path $Tenant 'CommonSecurityLog.csv') (Join-Path $twice 'a.csv')
        Copy-Item (Join-Path $Tenant 'CommonSecurityLog.csv') (Join-Path $twice 'b.csv')
        Get-ZiaUploadProfile -Path $twice -EndTime $SampleEnd -WarningVariable w -WarningAction SilentlyContinue | Out-Null
        @($w | Where-Object Message -like "*a.csv' and '*b.csv' both hold counted uploads in the same * hour(s)*counted twice*").Count | Should -Be 1
    }
}

Describe 'Data outside the hunt window' {
    It 'says where the data lies and how to hunt it, instead of returning nothing silently' {
        $found = @(Find-LowSlowExfil -Path $Tenant -EndTime 2027-06-01 -WarningVariable w -WarningAction SilentlyContinue)
        $found.Count | Should -Be 0
        $said = @($w | Where-Object Message -like '*none fell in the hunt window*')
        $said.Count | Should -Be 1
        $said[0].Message | Should -BeLike '*event(s) were read, but none fell in the hunt window (2027-05-02*the data spans 2026-09-2* to 2026-11-01 00:00:01Z. Hunt it with -EndTime 2026-11-02 -Days 36.'

    }

    It 'says nothing of the kind when the window holds events' {
        Find-LowSlowExfil -Path $Tenant -EndTime $SampleEnd -WarningVariable w -WarningAction SilentlyContinue | Out-Null
        @($w | Where-Object Message -like '*none fell in the hunt window*').Count | Should -Be 0
    }
}
