@{
    # The one version source: build.ps1 reads ModuleVersion and stamps it on every assembly.
    ModuleVersion        = '0.1.0'
    GUID                 = '5d0f3a64-8a51-4a86-9a53-6f1c1e0b7c2a'
    Author               = 'LowSlowExfil contributors'
    CompanyName          = 'LowSlowExfil contributors'
    Copyright            = '(c) LowSlowExfil contributors. MIT License.'
    Description          = 'Hunts low-and-slow data exfiltration: users who upload to cloud storage, code hosting, messaging and webmail bit by bit over weeks (Zscaler ZIA proxy logs) while sharing Microsoft 365 files externally. Runs the logic of the Sentinel rule "Zscaler ZIA - Patient APT: Multi-Channel Low & Slow Exfiltration" on exported or raw logs.'
    PowerShellVersion    = '5.1'
    # Windows PowerShell 5.1 only: the assemblies are netstandard2.0, whose netstandard.dll is in the box from
    # .NET Framework 4.7.1; the package's dependency closure is checked against 4.7.2 (PackageClosureTests).
    DotNetFrameworkVersion = '4.7.2'
    CompatiblePSEditions = @('Desktop', 'Core')
    RootModule           = 'module/bin/LowSlowExfil.dll'
    FormatsToProcess     = @('module/LowSlowExfil.Format.ps1xml')
    TypesToProcess       = @()
    FunctionsToExport    = @()
    CmdletsToExport      = @('Get-ZiaUploadProfile', 'Get-O365SharingProfile', 'Find-LowSlowExfil', 'New-LowSlowExfilSampleData', 'Get-LowSlowExfilQuery', 'Export-LowSlowExfilReport', 'Export-LowSlowExfilCsv', 'ConvertTo-LowSlowExfilAlert', 'Send-LowSlowExfilResult', 'Export-LowSlowExfilDeployment', 'Export-LowSlowExfilRule')
    VariablesToExport    = @()
    AliasesToExport      = @()
    PrivateData          = @{
        PSData = @{
            # No LicenseUri / ProjectUri until there is a public address: the gallery refuses empty ones, and the
            # licence ships in the package (LICENSE).
            Tags         = @('Security', 'Sentinel', 'Zscaler', 'Exfiltration', 'Microsoft365', 'ThreatHunting', 'DLP', 'PSEdition_Desktop', 'PSEdition_Core')
            ReleaseNotes = 'First release: the Sentinel rule end to end on exported CommonSecurityLog and OfficeActivity logs.'
        }
    }
}
