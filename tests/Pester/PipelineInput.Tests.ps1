# Objects in the pipeline (issue 19): Import-Csv rows, ConvertFrom-Json objects, Search-UnifiedAuditLog results and
# Microsoft Graph audit-log records piped into the three hunting cmdlets read as the same records in files do: the
# same candidates, the same errors (naming the object's position), the same -Verbose counts. The pipelines that
# worked before (files, path strings, candidates, profiles) keep working beside them.

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    Import-Module $ModuleManifest -Force
    Import-TestSupport

    # One generated tenant (whole seconds, so the raw feeds hold the same times), in every format the writers know.
    $Folder = Join-Path $TestDrive 'tenant'
    $Tenant = [LowSlowExfil.SampleData.SampleTenant]::Generate([LowSlowExfil.SampleData.SampleTenantOptions]@{
            EndTime = [datetime]::new(2026, 11, 1, 0, 0, 0, [DateTimeKind]::Utc); BackgroundUsers = 40
            WholeSecondTimestamps = $true; BrowsingEventsPerUserPerDay = 1; OfficeEventsPerUserPerDay = 1 })
    [LowSlowExfil.SampleData.SampleRawFeedWriter]::WriteAllFormats($Tenant, $Folder, $false) | Out-Null
    $TenantEnd = '2026-11-01'
    function File([string] $Name) { Join-Path $Folder $Name }

    # The truth: the Log Analytics CSV exports read from their files.
    $Baseline = Find-LowSlowExfil -LiteralPath (File CommonSecurityLog.csv), (File OfficeActivity.csv) -EndTime $TenantEnd -IncludeAll -ErrorAction Stop |
        ConvertTo-Csv
    $BaselineUploads = Get-ZiaUploadProfile -LiteralPath (File CommonSecurityLog.csv) -EndTime $TenantEnd -ErrorAction Stop | ConvertTo-Csv
    $BaselineSharing = Get-O365SharingProfile -LiteralPath (File OfficeActivity.csv) -EndTime $TenantEnd -ErrorAction Stop | ConvertTo-Csv

    # Search-UnifiedAuditLog (ExchangeOnlineManagement) results: RecordType, CreationDate (a DateTime), UserIds,
    # Operations and AuditData (the audit record as JSON text), with the paging properties the cmdlet adds.
    function ConvertTo-UnifiedAuditLogResult {
        param([Parameter(ValueFromPipeline)] $Row)
        begin { $i = 0 }
        process {
            $i++
            [pscustomobject]@{
                RecordType   = $Row.RecordType
                CreationDate = [datetime]::Parse($Row.CreationDate, [cultureinfo]::InvariantCulture)
                UserIds      = $Row.UserIds
                Operations   = $Row.Operations
                AuditData    = $Row.AuditData
                ResultIndex  = $i
                ResultCount  = 0
            }
        }
    }

    # A Microsoft Graph audit-log query's records page, as the API returns it, through ConvertFrom-Json.
    function Get-GraphAuditRecords {
        $records = Get-Content -Raw (File ManagementApi.json) | ConvertFrom-Json -AsHashtable
        $value = foreach ($r in $records) {
            [ordered]@{
                id = $r.Id; createdDateTime = ([datetime]$r.CreationTime).ToString('yyyy-MM-ddTHH:mm:ssZ'); auditLogRecordType = 'sharePointSharingOperation'
                operation = $r.Operation; organizationId = $r.OrganizationId; userType = 'regular'; userId = $r.UserId
                userPrincipalName = $r.UserId; service = 'SharePoint'; objectId = $r.ObjectId; clientIp = $r.ClientIP
                administrativeUnits = @(); auditData = $r
            }
        }
        ((@{ '@odata.context' = 'https://graph.microsoft.com/v1.0/$metadata#security/auditLog/queries/x/records'; value = @($value) } |
            ConvertTo-Json -Depth 10) | ConvertFrom-Json).value
    }

    # ASIM web sessions (an _Im_WebSession export read with Import-Csv) made from the CommonSecurityLog rows.
    function ConvertTo-AsimRow {
        param([Parameter(ValueFromPipeline)] $Row)
        process {
            [pscustomobject]@{
                'TimeGenerated [UTC]' = $Row.'TimeGenerated [UTC]'; EventVendor = $Row.DeviceVendor; EventProduct = 'ZIA Proxy'
                DvcAction = if ($Row.DeviceAction -eq 'Allowed') { 'Allow' } else { 'Deny' }; DvcOriginalAction = $Row.DeviceAction
                SrcUsername = $Row.SourceUserName; DstHostname = $Row.DestinationHostName; Url = "https://$($Row.DestinationHostName)/x"
                SrcBytes = $Row.SentBytes; DstBytes = '17'; EventResult = 'Success'
            }
        }
    }

    # What each shape pipes, by name.
    $Shapes = @{
        'Import-Csv CommonSecurityLog'      = { Import-Csv (File CommonSecurityLog.csv) }
        'ConvertFrom-Json CommonSecurityLog' = { Get-Content -Raw (File CommonSecurityLog.json) | ConvertFrom-Json }
        'ConvertFrom-Json Cloud NSS lines'  = { Get-Content (File CloudNssWeblog.json) | ConvertFrom-Json }
        'Import-Csv ASIM web sessions'      = { Import-Csv (File CommonSecurityLog.csv) | ConvertTo-AsimRow }
        'Import-Csv OfficeActivity'         = { Import-Csv (File OfficeActivity.csv) }
        'ConvertFrom-Json OfficeActivity'   = { Get-Content -Raw (File OfficeActivity.json) | ConvertFrom-Json }
        'Import-Csv Purview'                = { Import-Csv (File PurviewAudit.csv) }
        'Import-Csv Purview (new layout)'   = { Import-Csv (File PurviewAudit-newlayout.csv) }
        'Search-UnifiedAuditLog results'    = { Import-Csv (File PurviewAudit.csv) | ConvertTo-UnifiedAuditLogResult }
        'ConvertFrom-Json Management API'   = { Get-Content -Raw (File ManagementApi.json) | ConvertFrom-Json }
        'Microsoft Graph audit-log records' = { Get-GraphAuditRecords }
    }
}

Describe 'Objects piped into the hunting cmdlets' {
    It 'Find-LowSlowExfil scores <Zia> + <O365> exactly as the exports read from files' -ForEach @(
        @{ Zia = 'Import-Csv CommonSecurityLog'; O365 = 'Import-Csv OfficeActivity' }
        @{ Zia = 'ConvertFrom-Json CommonSecurityLog'; O365 = 'ConvertFrom-Json OfficeActivity' }
        @{ Zia = 'ConvertFrom-Json Cloud NSS lines'; O365 = 'Search-UnifiedAuditLog results' }
        @{ Zia = 'Import-Csv ASIM web sessions'; O365 = 'Microsoft Graph audit-log records' }
        @{ Zia = 'Import-Csv CommonSecurityLog'; O365 = 'Import-Csv Purview' }
        @{ Zia = 'Import-Csv CommonSecurityLog'; O365 = 'Import-Csv Purview (new layout)' }
        @{ Zia = 'Import-Csv CommonSecurityLog'; O365 = 'ConvertFrom-Json Management API' }
    ) {
        $errors = $null
        $verbose = $null
        $found = @(& $Shapes[$Zia]) + @(& $Shapes[$O365]) |
            Find-LowSlowExfil -EndTime $TenantEnd -IncludeAll -ErrorVariable errors -Verbose 4>&1 |
            Tee-Object -Variable all | Where-Object { $_ -isnot [System.Management.Automation.VerboseRecord] }
        $errors | Should -BeNullOrEmpty
        $found | ConvertTo-Csv | Should -Be $Baseline
        $summary = @($all | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] -and $_.Message -like 'pipeline input:*' })
        $summary.Count | Should -Be 1
        $summary[0].Message | Should -Match '^pipeline input: PipelineObjects, \d+ records read \(\d+ proxy, \d+ sharing\), 0 skipped$'
    }

    It 'Get-ZiaUploadProfile and Get-O365SharingProfile profile piped rows as their files' {
        Import-Csv (File CommonSecurityLog.csv) | Get-ZiaUploadProfile -EndTime $TenantEnd -ErrorAction Stop | ConvertTo-Csv |
            Should -Be $BaselineUploads
        & $Shapes['Search-UnifiedAuditLog results'] | Get-O365SharingProfile -EndTime $TenantEnd -ErrorAction Stop | ConvertTo-Csv |
            Should -Be $BaselineSharing
    }

    It 'takes -InputObject by name too, a collection''s elements one by one' {
        $rows = @(Import-Csv (File CommonSecurityLog.csv))
        Get-ZiaUploadProfile -InputObject $rows -EndTime $TenantEnd -ErrorAction Stop | ConvertTo-Csv | Should -Be $BaselineUploads
    }

    It 'reads the Sentinel repository''s CommonSecurityLog sample through ConvertFrom-Json as from its file' {
        $fixture = Join-Path $SentinelFixtures 'CommonSecurityLog-ZScaler.json'
        $fromFile = Get-ZiaUploadProfile -LiteralPath $fixture -EndTime 2030-01-01 -Days 3650 -ExfilDomain 'example.com', 'com' -ErrorAction Stop -Verbose 4>&1
        $piped = Get-Content -Raw $fixture | ConvertFrom-Json | Get-ZiaUploadProfile -EndTime 2030-01-01 -Days 3650 -ExfilDomain 'example.com', 'com' -ErrorAction Stop -Verbose 4>&1
        $filters = { $_ -is [System.Management.Automation.VerboseRecord] -and $_.Message -like 'proxy events:*' }
        ($piped | Where-Object $filters).Message | Should -Be ($fromFile | Where-Object $filters).Message
        ($piped | Where-Object { $_ -isnot [System.Management.Automation.VerboseRecord] } | ConvertTo-Csv) |
            Should -Be ($fromFile | Where-Object { $_ -isnot [System.Management.Automation.VerboseRecord] } | ConvertTo-Csv)
    }
}

Describe 'A piped object that cannot be read' {
    BeforeAll {
        $good = @(Import-Csv (File CommonSecurityLog.csv))
        $bad = [pscustomobject]@{ 'TimeGenerated [UTC]' = 'yesterday'; DeviceVendor = 'Zscaler'; SourceUserName = 'a@contoso.com'; DestinationHostName = 'dropbox.com'; SentBytes = '5' }
        $noise = [pscustomobject]@{ Name = 'not a log record' }
        $errors = $null
        $all = @($good[0..9]) + $bad + @($good[10..($good.Count - 1)]) + $noise |
            Get-ZiaUploadProfile -EndTime $TenantEnd -ErrorVariable errors -ErrorAction SilentlyContinue -WarningVariable warnings -Verbose 4>&1
        $Verbose = @($all | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] } | ForEach-Object Message)
        $Errors = @($errors)
        $Warnings = @($warnings)
        $Count = $good.Count
    }

    It 'is an error naming its position in the pipeline and the reason' {
        $Errors.Count | Should -Be 2
        $Errors[0].Exception.Message | Should -Be "pipeline input: object 11: TimeGenerated 'yesterday' is not a timestamp"
        $Errors[0].FullyQualifiedErrorId | Should -BeLike 'RecordSkipped,*'
        $Errors[0].TargetObject.Record | Should -Be 11
        $Errors[1].Exception.Message | Should -BeLike "pipeline input: object $($Count + 2): the record is neither a CommonSecurityLog row*"
    }

    It 'is counted in -Verbose as a file''s bad record is, and the warning says records were skipped' {
        $Verbose | Should -Contain "pipeline input: PipelineObjects, $($Count + 2) records read ($Count proxy, 0 sharing), 2 skipped"
        $Warnings -join "`n" | Should -Match '^2 record\(s\) could not be read'
    }

    It 'costs only itself: every other row is counted' {
        # The good rows alone give the baseline's profiles.
        $good | Get-ZiaUploadProfile -EndTime $TenantEnd -ErrorAction Stop | ConvertTo-Csv | Should -Be $BaselineUploads
        ($all | Where-Object { $_ -isnot [System.Management.Automation.VerboseRecord] } | ConvertTo-Csv) | Should -Be $BaselineUploads
    }

    It 'past 100, the rest are counted in one closing error as a file''s are' {
        $errors = $null
        1..150 | ForEach-Object { [pscustomobject]@{ TimeGenerated = "bad $_"; SourceUserName = 'a'; DestinationHostName = 'dropbox.com'; SentBytes = 1 } } |
            Get-ZiaUploadProfile -EndTime $TenantEnd -ErrorVariable errors -ErrorAction SilentlyContinue | Out-Null
        $errors.Count | Should -Be 101
        $errors[100].Exception.Message | Should -Match '^pipeline input: \.\.\. and 50 more records could not be read'
    }
}

Describe 'The pipelines that worked before keep working beside -InputObject' {
    BeforeAll {
        $Candidates = @(Find-LowSlowExfil -LiteralPath (File CommonSecurityLog.csv), (File OfficeActivity.csv) -EndTime $TenantEnd -ErrorAction Stop)
        $Uploads = @(Get-ZiaUploadProfile -LiteralPath (File CommonSecurityLog.csv) -EndTime $TenantEnd -ErrorAction Stop)
        $Sharing = @(Get-O365SharingProfile -LiteralPath (File OfficeActivity.csv) -EndTime $TenantEnd -ErrorAction Stop)
    }

    It 'files and path strings piped in are read as -LiteralPath' {
        Get-Item (File CommonSecurityLog.csv) | Get-ZiaUploadProfile -EndTime $TenantEnd -ErrorAction Stop | ConvertTo-Csv | Should -Be $BaselineUploads
        (File CommonSecurityLog.csv) | Get-ZiaUploadProfile -EndTime $TenantEnd -ErrorAction Stop | ConvertTo-Csv | Should -Be $BaselineUploads
    }

    It 'files and records piped together are hunted together' {
        @((Get-Item (File CommonSecurityLog.csv))) + @(Import-Csv (File OfficeActivity.csv)) |
            Find-LowSlowExfil -EndTime $TenantEnd -IncludeAll -ErrorAction Stop | ConvertTo-Csv | Should -Be $Baseline
    }

    It 'candidates piped into Get-ZiaUploadProfile and Get-O365SharingProfile return their profiles' {
        $Candidates.Count | Should -BeGreaterThan 0
        @($Candidates | Get-ZiaUploadProfile -ErrorAction Stop).UserName | Should -Be @($Candidates.UserName)
        @($Candidates | Get-O365SharingProfile -ErrorAction Stop).Count | Should -Be @($Candidates | Where-Object { $_.GetSharingProfile() }).Count
    }

    It 'profiles piped into Find-LowSlowExfil are scored, with -SharingProfile too' {
        ($Uploads + $Sharing | Find-LowSlowExfil -IncludeAll -ErrorAction Stop | ConvertTo-Csv) | Should -Be $Baseline
        ($Uploads | Find-LowSlowExfil -SharingProfile $Sharing -IncludeAll -ErrorAction Stop | ConvertTo-Csv) | Should -Be $Baseline
        (Find-LowSlowExfil -UploadProfile $Uploads -SharingProfile $Sharing -IncludeAll -ErrorAction Stop | ConvertTo-Csv) | Should -Be $Baseline
    }

    It 'piped rows may be filtered with -UserName, which no row''s own UserName column sets' {
        $user = $Candidates[0].UserName
        $rows = Import-Csv (File CommonSecurityLog.csv) | Select-Object *, @{ n = 'UserName'; e = { 'nobody' } }
        @($rows | Get-ZiaUploadProfile -EndTime $TenantEnd -UserName $user -ErrorAction Stop).UserName | Should -Be $user
    }

    It 'each cmdlet has one by-value pipeline parameter, so no piped object is ambiguous' {
        foreach ($name in 'Find-LowSlowExfil', 'Get-ZiaUploadProfile', 'Get-O365SharingProfile') {
            $byValue = (Get-Command $name).Parameters.Values | Where-Object { $_.Attributes | Where-Object { $_ -is [System.Management.Automation.ParameterAttribute] -and $_.ValueFromPipeline } }
            @($byValue.Name) | Should -Be @('InputObject') -Because "$name binds piped objects through -InputObject only"
        }
    }
}

Describe 'Zscaler NSS feeds as key=value pairs, in a folder' {
    It 'reads <Name> among the folder''s files (.leef included) and hunts it as the exports' -ForEach @(
        @{ Name = 'the QRadar LEEF feed'; File = 'NssWeblog.leef' }
        @{ Name = 'the name-value pairs feed'; File = 'NssWeblog-nvp.log' }
    ) {
        # Not $folder: PowerShell's names ignore case, and $Folder is the tenant's.
        $dir = Join-Path $TestDrive ('kv-' + [IO.Path]::GetExtension($File).TrimStart('.'))
        New-Item -ItemType Directory $dir | Out-Null
        Copy-Item (File $File), (File OfficeActivity.csv) $dir
        $verbose = Find-LowSlowExfil -Path $dir -EndTime $TenantEnd -IncludeAll -ErrorAction Stop -Verbose 4>&1
        ($verbose | Where-Object { $_ -isnot [System.Management.Automation.VerboseRecord] } | ConvertTo-Csv) | Should -Be $Baseline
        @($verbose | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] -and $_.Message -like "*${File}: NssKeyValue, * 0 skipped*" }).Count | Should -Be 1
    }
}
