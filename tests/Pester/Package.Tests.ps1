# The module as it ships (build.ps1 Package, which build.ps1 Test runs first): the Azure Automation zip's layout,
# the manifest as the PowerShell Gallery reads it, and a gallery install end to end in new processes — publish to a
# local file repository, Install-PSResource into a fresh module path, Import-Module by name, a hunt.

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    $Out = Join-Path $RepoRoot 'out'
    $Stage = Join-Path $Out 'package/LowSlowExfil'
    $Version = (Import-PowerShellDataFile $ModuleManifest).ModuleVersion
    $Nupkg = Join-Path $Out "LowSlowExfil.$Version.nupkg"
    if (-not (Test-Path (Join-Path $Stage 'LowSlowExfil.psd1'))) { throw "$Stage is missing: run 'dotnet pwsh ./build.ps1 Package' first (build.ps1 Test does)." }

    # Runs a script in a new pwsh (this one's, started directly) whose home is $UserHome: PSResourceGet's repository
    # list and the CurrentUser module path ($UserHome/.local/share/powershell/Modules) are fresh, and nothing of this
    # machine's own PowerShell set-up is read or changed.
    function Invoke-IsolatedPwsh([string] $UserHome, [string] $Script) {
        $saved = $env:HOME, $env:XDG_DATA_HOME
        # .NET names no per-user folder that does not exist yet (and PSResourceGet would then write to the working
        # folder): make them first.
        New-Item -ItemType Directory -Force (Join-Path $UserHome '.local/share'), (Join-Path $UserHome '.config') | Out-Null
        $env:HOME = $UserHome
        $env:XDG_DATA_HOME = Join-Path $UserHome '.local/share'
        try { & dotnet (Join-Path $PSHOME 'pwsh.dll') -NoProfile -NonInteractive -Command $Script 2>&1 | ForEach-Object { "$_" } }
        finally { $env:HOME, $env:XDG_DATA_HOME = $saved }
    }

    function Get-RelativeFiles([string] $Folder) {
        Get-ChildItem $Folder -Recurse -File | ForEach-Object { [IO.Path]::GetRelativePath($Folder, $_.FullName) -replace '\\', '/' } | Sort-Object
    }
}

Describe 'The Azure Automation zip' {
    It 'is named as the module and holds the module folder of that name with its manifest, the licence, no pdb and no .deps.json' {
        $zip = Join-Path $Out 'LowSlowExfil.zip'
        Test-Path $zip | Should -BeTrue
        Get-ChildItem $Out -Filter 'LowSlowExfil-*.zip' | Should -BeNullOrEmpty
        Add-Type -AssemblyName System.IO.Compression.FileSystem
        $archive = [IO.Compression.ZipFile]::OpenRead($zip)
        try { $entries = @($archive.Entries | Where-Object { $_.Name } | ForEach-Object { $_.FullName -replace '\\', '/' }) }
        finally { $archive.Dispose() }
        @($entries | ForEach-Object { ($_ -split '/')[0] } | Sort-Object -Unique) | Should -Be @('LowSlowExfil')
        foreach ($f in 'LowSlowExfil.psd1', 'LICENSE', 'module/bin/LowSlowExfil.dll', 'module/bin/Dependencies/LowSlowExfil.Engine.dll', 'en-US/LowSlowExfil.dll-Help.xml') {
            $entries | Should -Contain "LowSlowExfil/$f"
        }
        @($entries | Where-Object { $_ -match '\.(pdb|deps\.json)$' }) | Should -BeNullOrEmpty
        # Exactly what the staged folder holds, which the gallery package and the tests' runtime hosts use too.
        ($entries -replace '^LowSlowExfil/', '' | Sort-Object) | Should -Be (Get-RelativeFiles $Stage)
    }
}

Describe 'The manifest, as the PowerShell Gallery reads it' {
    It 'has no empty value, tags both editions and names the .NET Framework Windows PowerShell needs' {
        $m = Import-PowerShellDataFile $ModuleManifest
        foreach ($k in $m.Keys) {
            if ($m[$k] -is [string]) { $m[$k] | Should -Not -BeNullOrEmpty -Because "$k is read by the gallery" }
        }
        foreach ($k in $m.PrivateData.PSData.Keys) {
            $m.PrivateData.PSData[$k] | Should -Not -BeNullOrEmpty -Because "PSData.$k is read by the gallery (leave a key out rather than empty)"
        }
        $m.PrivateData.PSData.Tags | Should -Contain 'PSEdition_Desktop'
        $m.PrivateData.PSData.Tags | Should -Contain 'PSEdition_Core'
        # netstandard2.0 assemblies need netstandard.dll, in the box from .NET Framework 4.7.1; 4.7.2 is what the
        # dependency closure test (PackageClosureTests) checks against.
        [version]$m.DotNetFrameworkVersion | Should -BeGreaterOrEqual ([version]'4.7.2')
    }
}

Describe 'Install from a gallery feed' {
    It 'publishes to a local file repository, installs with Install-PSResource into a fresh module path, imports by name in a new process and hunts files and the workspace (token, managed identity)' {
        Test-Path $Nupkg | Should -BeTrue -Because 'build.ps1 Package writes the gallery package'
        $userHome = Join-Path $TestDrive 'home'
        $feed = Join-Path $TestDrive 'feed'
        $published = Join-Path $TestDrive 'published'
        New-Item -ItemType Directory $userHome, $feed, $published | Out-Null
        # The package build.ps1 made is the feed's content; publishing the staged folder (as to the PowerShell
        # Gallery) must pass the same manifest checks.
        Copy-Item $Nupkg $feed
        $install = Invoke-IsolatedPwsh $userHome @"
`$ErrorActionPreference = 'Stop'
Register-PSResourceRepository -Name LseLocalFeed -Uri '$feed' -Trusted
Register-PSResourceRepository -Name LsePublishTest -Uri '$published' -Trusted
Publish-PSResource -Path '$Stage' -Repository LsePublishTest
(Get-ChildItem '$published' -Filter *.nupkg).Name
Install-PSResource -Name LowSlowExfil -Repository LseLocalFeed -Scope CurrentUser -TrustRepository -Quiet
'installed ' + (Get-InstalledPSResource -Name LowSlowExfil -Scope CurrentUser).InstalledLocation
"@
        $LASTEXITCODE | Should -Be 0 -Because ($install -join "`n")
        $install | Should -Contain "LowSlowExfil.$Version.nupkg"
        # The repositories were registered in the fresh home, nowhere else.
        Test-Path (Join-Path $userHome '.local/share/PSResourceGet/PSResourceRepository.xml') | Should -BeTrue
        $modules = Join-Path $userHome '.local/share/powershell/Modules'
        $installed = Join-Path $modules "LowSlowExfil/$Version"
        Test-Path (Join-Path $installed 'LowSlowExfil.psd1') | Should -BeTrue -Because ($install -join "`n")
        # Every file of the package arrived (the engine's Dependencies too).
        $missing = Get-RelativeFiles $Stage | Where-Object { -not (Test-Path (Join-Path $installed $_)) }
        $missing | Should -BeNullOrEmpty

        # The sample tenant, and the fake Log Analytics service on 127.0.0.1 serving it, for the workspace hunts.
        $tenant = Join-Path $TestDrive 'tenant'
        Import-Module $ModuleManifest -Force
        New-LowSlowExfilSampleData -Path $tenant -EndTime 2026-11-01 | Out-Null
        Remove-Module LowSlowExfil
        $token = 'gallery-token-' + [guid]::NewGuid().ToString('N')
        $service = Start-FakeLogAnalytics -Arguments '--data', $tenant, '--token', $token
        try {
            $info = $service.Info
            $url = $service.Url
            # In the new process: by name from the fresh module path; a file hunt, a workspace hunt with a token, and
            # one with managed identity as an Automation job has it.
            $hunt = Invoke-IsolatedPwsh $userHome @"
`$ErrorActionPreference = 'Stop'
Import-Module LowSlowExfil
(Get-Module LowSlowExfil).ModuleBase
`$end = [datetime]'2026-11-01T00:00:00Z'
'file ' + ((Find-LowSlowExfil -Path '$tenant' -EndTime `$end).UserName -join ',')
'token ' + ((Find-LowSlowExfil -WorkspaceId '$($info['workspace'])' -Endpoint '$url' -AccessToken (ConvertTo-SecureString '$token' -AsPlainText -Force) -EndTime `$end).UserName -join ',')
`$env:IDENTITY_ENDPOINT = '$($info['identity-endpoint'])'
`$env:IDENTITY_HEADER = '$($info['identity-header'])'
'identity ' + ((Find-LowSlowExfil -WorkspaceId '$($info['workspace'])' -Endpoint '$url' -UseManagedIdentity -EndTime `$end).UserName -join ',')
"@
        }
        finally { Stop-FakeLogAnalytics $service.Process }
        $LASTEXITCODE | Should -Be 0 -Because ($hunt -join "`n")
        $hunt[0] | Should -Be (Get-Item $installed).FullName
        $users = 'marcus.webb@contoso.com,sofia.marino@contoso.com,priya.raman@contoso.com,tom.okafor@contoso.com'
        $hunt[1..3] | Should -Be @("file $users", "token $users", "identity $users")
    }
}
