# New-LowSlowExfilSampleData as a newcomer meets it: the tenant ends today, so the README's one-liner finds its actors;
# -WhatIf reports and writes nothing, whatever the folder holds.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    Import-Module $ModuleManifest -Force
}

Describe 'New-LowSlowExfilSampleData' {
    It 'ends the tenant at the start of the current UTC day by default, and a hunt without -EndTime finds its actors' {
        $dir = Join-Path $TestDrive 'today'
        New-LowSlowExfilSampleData -Path $dir -BackgroundUsers 40 | Out-Null
        $end = [datetime]::Parse((Import-PowerShellDataFile (Join-Path $dir 'tenant.psd1')).EndTime, [cultureinfo]::InvariantCulture, 'AdjustToUniversal')
        $end | Should -Be ([datetime]::UtcNow.Date)
        $found = @(Find-LowSlowExfil -Path $dir -WarningAction SilentlyContinue)
        $found.Count | Should -BeGreaterThan 0
        $found.UserName | Should -Contain 'marcus.webb@contoso.com'
    }

    It 'writes the same files on any day with -EndTime' {
        $a = Join-Path $TestDrive 'fixed-a'
        New-LowSlowExfilSampleData -Path $a -EndTime 2026-11-01 -BackgroundUsers 20 | Out-Null
        (Import-PowerShellDataFile (Join-Path $a 'tenant.psd1')).EndTime | Should -BeLike '2026-11-01T00:00:00*'
    }

    It '-WhatIf over existing files reports and writes nothing, without an error' {
        $dir = Join-Path $TestDrive 'whatif'
        New-LowSlowExfilSampleData -Path $dir -EndTime 2026-11-01 -BackgroundUsers 20 | Out-Null
        $before = Get-ChildItem $dir | ForEach-Object { "$($_.Name) $($_.Length) $($_.LastWriteTimeUtc.Ticks)" }
        New-LowSlowExfilSampleData -Path $dir -Seed 7 -WhatIf -ErrorVariable e | Out-Null
        $e | Should -BeNullOrEmpty
        # "What if:" goes to the host, not a stream: read it from a child process's console.
        Invoke-ChildPwsh "New-LowSlowExfilSampleData -Path '$dir' -Seed 7 -WhatIf" | Should -BeLike '*What if*existing file(s), which needs -Force*'
        Get-ChildItem $dir | ForEach-Object { "$($_.Name) $($_.Length) $($_.LastWriteTimeUtc.Ticks)" } | Should -Be $before
    }

    It '-WhatIf into a new folder creates nothing' {
        $dir = Join-Path $TestDrive 'never'
        New-LowSlowExfilSampleData -Path $dir -WhatIf 6>&1 | Out-Null
        Test-Path $dir | Should -BeFalse
    }

    It 'without -Force over existing files still refuses, naming them' {
        $dir = Join-Path $TestDrive 'exists'
        New-LowSlowExfilSampleData -Path $dir -EndTime 2026-11-01 -BackgroundUsers 20 | Out-Null
        { New-LowSlowExfilSampleData -Path $dir -BackgroundUsers 20 -ErrorAction Stop } | Should -Throw -ErrorId 'SampleDataExists*'
    }
}
