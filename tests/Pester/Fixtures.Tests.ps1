# The real public Sentinel exports under ../shared/fixtures/sentinel, read in place (never copied into the repo).
#   OfficeActivity-training-lab.csv: Sentinel training lab export, 266 records, all on 2021-04-28 (UTC), UTF-8 BOM,
#     131 columns with `_`-suffixed duplicates, multi-line JSON cells.
#   CommonSecurityLog-ZScaler.json: 2 CommonSecurityLog rows (Fortinet, then Zscaler NSSWeblog) of 2022-03-30/31.

BeforeDiscovery {
    $repo = Join-Path $PSScriptRoot '../..'
    $sentinel = Join-Path $repo ../shared/fixtures/sentinel
    $exports = @(Get-ChildItem -LiteralPath $sentinel -File -ErrorAction SilentlyContinue |
        Where-Object Extension -In '.csv', '.json' | ForEach-Object { @{ Name = $_.Name; FullName = $_.FullName } })
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    Import-Module (Join-Path $PSScriptRoot ../../LowSlowExfil.psd1) -Force
    $repo = Join-Path $PSScriptRoot '../..'
    $sentinel = (Resolve-Path (Join-Path $repo ../shared/fixtures/sentinel)).Path
    $officeActivity = Join-Path $sentinel 'OfficeActivity-training-lab.csv'
    $zscalerJson = Join-Path $sentinel 'CommonSecurityLog-ZScaler.json'
    $labEnd = New-UtcDate 2021 4 29      # window (2021-03-30, 2021-04-29]
    $zscalerEnd = New-UtcDate 2022 4 1   # window (2022-03-02, 2022-04-01]
}

Describe 'Every Sentinel export fixture' {
    It 'finds the fixtures' {
        # (The -ForEach cases below come from the same listing, made at discovery.)
        $names = @(Get-ChildItem -LiteralPath $sentinel -File | Where-Object Extension -In '.csv', '.json').Name
        $names | Should -Contain 'OfficeActivity-training-lab.csv'
        $names | Should -Contain 'CommonSecurityLog-ZScaler.json'
    }

    It '<Name> is read without error by Get-ZiaUploadProfile' -ForEach $exports {
        $null = Get-ZiaUploadProfile -Path $FullName -EndTime $labEnd -ErrorVariable e
        @($e).Count | Should -Be 0
    }

    It '<Name> is read without error by Get-O365SharingProfile' -ForEach $exports {
        $null = Get-O365SharingProfile -Path $FullName -EndTime $labEnd -ErrorVariable e
        @($e).Count | Should -Be 0
    }

    It '<Name> is read without error or warning by Find-LowSlowExfil -KqlCompatible' -ForEach $exports {
        # Each export hunted over a window that holds its data (a window that holds none is now warned about).
        $end = if ($Name -like 'OfficeActivity*') { $labEnd } else { $zscalerEnd }
        $null = Find-LowSlowExfil -Path $FullName -EndTime $end -KqlCompatible -ErrorVariable e -WarningVariable w
        @($e).Count | Should -Be 0
        @($w).Count | Should -Be 0
    }
}

Describe 'OfficeActivity-training-lab.csv' {
    BeforeAll {
        # Hand count (the export read with Python's csv module): of 266 rows, 7 have a listed sharing Operation:
        #   adelev: 14:36:06 FileDownloaded, 14:44:15 SharingSet x3, 14:44:16 AnonymousLinkCreated
        #   johns:  14:20:50 SharingSet, 14:21:09 FileDownloaded
        $profiles = @(Get-O365SharingProfile -Path $officeActivity -EndTime $labEnd -ErrorVariable e)
        $adele = $profiles | Where-Object UserName -EQ 'adelev@m365x816222.onmicrosoft.com'
        $john = $profiles | Where-Object UserName -EQ 'johns@m365x816222.onmicrosoft.com'
    }

    It 'yields exactly two users' {
        @($e).Count | Should -Be 0
        ($profiles.UserName -join ',') | Should -Be 'adelev@m365x816222.onmicrosoft.com,johns@m365x816222.onmicrosoft.com'
    }

    It 'gives adelev 5 events: AnonymousLinkCreated, FileDownloaded, SharingSet x3' {
        $adele.O365_EventCount | Should -Be 5
        ($adele.O365_Operations -join ',') | Should -Be 'AnonymousLinkCreated,FileDownloaded,SharingSet'
        $adele.OperationCounts['AnonymousLinkCreated'] | Should -Be 1
        $adele.OperationCounts['FileDownloaded'] | Should -Be 1
        $adele.OperationCounts['SharingSet'] | Should -Be 3
        $adele.O365_FirstEvent | Should -Be (New-UtcDate 2021 4 28 14 36 6)
        $adele.O365_LastEvent | Should -Be (New-UtcDate 2021 4 28 14 44 16)
    }

    It 'counts 1 anonymous link for adelev in the default mode' {
        $adele.O365_AnonLinks | Should -Be 1
    }

    It 'counts 0 anonymous links with -KqlCompatible (has "Anonymous" is a term match)' {
        $k = Get-O365SharingProfile -Path $officeActivity -EndTime $labEnd -KqlCompatible -UserName 'adelev@*'
        $k.O365_EventCount | Should -Be 5
        $k.O365_AnonLinks | Should -Be 0
    }

    It 'gives johns 2 events: SharingSet and FileDownloaded' {
        $john.O365_EventCount | Should -Be 2
        ($john.O365_Operations -join ',') | Should -Be 'FileDownloaded,SharingSet'
        $john.O365_AnonLinks | Should -Be 0
        $john.O365_LastEvent | Should -Be (New-UtcDate 2021 4 28 14 21 9)
    }

    It 'reports 266 records read with -Verbose, with the size and speed of the read' {
        $verbose = @(Get-O365SharingProfile -Path $officeActivity -EndTime $labEnd -Verbose 4>&1 |
            Where-Object { $_ -is [System.Management.Automation.VerboseRecord] } | ForEach-Object Message)
        $line = @($verbose -like "$($officeActivity): *, 266 records read (0 proxy, 266 sharing), 0 skipped*")
        $line.Count | Should -Be 1
        $mb = [string]::Format([cultureinfo]::InvariantCulture, '{0:N1}', (Get-Item $officeActivity).Length / 1MB)
        $line[0] | Should -Match "; $([regex]::Escape($mb)) MB in \d+\.\d\d s \([\d,]+ MB/s\)$"
    }

    It 'drops every event when the window ends before 2021-04-28' {
        Get-O365SharingProfile -Path $officeActivity -EndTime (New-UtcDate 2021 4 28) | Should -BeNullOrEmpty
    }

    It 'keeps the events with -Days 1 (window (2021-04-28, 2021-04-29])' {
        (Get-O365SharingProfile -Path $officeActivity -EndTime $labEnd -Days 1).O365_EventCount -join ',' | Should -Be '5,2'
    }

    It 'joins to the ZIA side in Find-LowSlowExfil (no ZIA users: nothing scored)' {
        Find-LowSlowExfil -Path $officeActivity -EndTime $labEnd -IncludeAll -ErrorVariable e | Should -BeNullOrEmpty
        @($e).Count | Should -Be 0
    }
}

Describe 'CommonSecurityLog-ZScaler.json' {
    It 'reads 2 proxy records and counts neither' {
        # Record 1 is Fortinet (other vendor); record 2 is Zscaler but has no DestinationHostName, so it matches
        # no exfiltration domain.
        $out = Get-ZiaUploadProfile -Path $zscalerJson -EndTime $zscalerEnd -Verbose -ErrorVariable e 4>&1
        @($e).Count | Should -Be 0
        @($out | Where-Object { $_ -is [LowSlowExfil.ZiaUploadProfile] }).Count | Should -Be 0
        $verbose = @($out | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] } | ForEach-Object Message)
        @($verbose -like "$($zscalerJson): *, 2 records read (2 proxy, 0 sharing), 0 skipped*").Count | Should -Be 1
        @($verbose -like '*1 other vendor*').Count | Should -Be 1
        @($verbose -like '*1 to other destinations*').Count | Should -Be 1
    }

    It 'puts both records outside a window that ends before them' {
        $verbose = @(Get-ZiaUploadProfile -Path $zscalerJson -EndTime (New-UtcDate 2022 3 1) -Verbose 4>&1 |
            Where-Object { $_ -is [System.Management.Automation.VerboseRecord] } | ForEach-Object Message)
        @($verbose -like '*0 counted, 2 outside the window*').Count | Should -Be 1
    }
}

Describe 'The sentinel fixture folder' {
    It 'is read as a folder without error' {
        $c = Find-LowSlowExfil -Path $sentinel -EndTime $labEnd -IncludeAll -ErrorVariable e
        @($e).Count | Should -Be 0
        $c | Should -BeNullOrEmpty
        $s = Get-O365SharingProfile -Path $sentinel -EndTime $labEnd -ErrorVariable e2
        @($e2).Count | Should -Be 0
        ($s.O365_EventCount -join ',') | Should -Be '5,2'
    }
}
