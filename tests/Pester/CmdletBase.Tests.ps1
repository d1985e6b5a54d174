# The cmdlet bases (issue 18): the window, destinations and mode are declared once (HuntWindowCommandBase,
# ExfilDomainCommandBase), so the cmdlets that hunt and the cmdlets that write KQL cannot drift apart; and
# progress is shown or not as the host, not the process's command line, says.

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    Import-Module $ModuleManifest -Force

    # What PowerShell binds by: type, sets, position, pipeline, aliases, validation and completion.
    function Get-ParameterShape([string] $Command, [string] $Name) {
        $p = (Get-Command $Command -Module LowSlowExfil).Parameters[$Name]
        $attributes = foreach ($a in $p.Attributes) {
            switch ($a) {
                { $_ -is [System.Management.Automation.ParameterAttribute] } { "Parameter($($a.ParameterSetName),$($a.Position),$($a.Mandatory),$($a.ValueFromPipeline),$($a.ValueFromPipelineByPropertyName))" }
                { $_ -is [System.Management.Automation.ValidateRangeAttribute] } { "Range($($a.MinRange),$($a.MaxRange))" }
                { $_ -is [System.Management.Automation.ArgumentCompleterAttribute] } { "Completer($($a.Type.Name))" }
                default { $a.GetType().Name }
            }
        }
        "$($p.ParameterType) $((@($attributes) | Sort-Object) -join ' ')"
    }
}

Describe 'Parameters declared once' {
    It '-<Name> is the same on every cmdlet that hunts or writes KQL' -ForEach @(
        @{ Name = 'ExfilDomain' }, @{ Name = 'ExtendedDomains' }, @{ Name = 'DomainCatalogPath' }
    ) {
        $shape = Get-ParameterShape Find-LowSlowExfil $Name
        $shape | Should -Match 'Parameter\(__AllParameterSets,'
        foreach ($c in 'Get-ZiaUploadProfile', 'Get-O365SharingProfile', 'Get-LowSlowExfilQuery', 'Export-LowSlowExfilRule') {
            Get-ParameterShape $c $Name | Should -Be $shape -Because "$c -$Name comes from the same declaration as Find-LowSlowExfil's"
        }
    }

    It '-ExfilDomain completes the domains on Get-LowSlowExfilQuery as on Find-LowSlowExfil' {
        # Get-LowSlowExfilQuery re-declared it without the completer; the shared declaration has it.
        $line = 'Get-LowSlowExfilQuery -ExfilDomain dropbox'
        $names = (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText
        $names | Should -Contain 'dropbox.com'
    }

    It '-<Name> is the same on the hunting cmdlets and Get-LowSlowExfilQuery' -ForEach @(
        @{ Name = 'Days' }, @{ Name = 'EndTime' }, @{ Name = 'KqlCompatible' }
    ) {
        $shape = Get-ParameterShape Find-LowSlowExfil $Name
        foreach ($c in 'Get-ZiaUploadProfile', 'Get-O365SharingProfile', 'Get-LowSlowExfilQuery') {
            Get-ParameterShape $c $Name | Should -Be $shape -Because "$c -$Name comes from the same declaration as Find-LowSlowExfil's"
        }
    }

    It 'Export-LowSlowExfilRule keeps its own -Days (1 to 14, refused with the reason) and has no -EndTime or -KqlCompatible' {
        $rule = Get-Command Export-LowSlowExfilRule
        $rule.Parameters['Days'].Attributes.Where({ $_ -is [System.Management.Automation.ValidateRangeAttribute] }) | Should -BeNullOrEmpty
        $rule.Parameters.Keys | Should -Not -Contain 'EndTime'
        $rule.Parameters.Keys | Should -Not -Contain 'KqlCompatible'
        { Export-LowSlowExfilRule -Days 15 } | Should -Throw '*14*'
    }

    It '<Command> still refuses a blank domain with its own error id, in the analyst''s words' -ForEach @(
        @{ Command = 'Get-LowSlowExfilQuery'; Id = 'InvalidQueryInput*' }
        @{ Command = 'Get-ZiaUploadProfile'; Id = 'InvalidHuntOptions*' }
    ) {
        $arguments = @{ ExfilDomain = ' '; ErrorAction = 'Stop' }
        if ($Command -ne 'Get-LowSlowExfilQuery') { $arguments.Path = $TestDrive }
        $e = { & $Command @arguments } | Should -Throw -ErrorId $Id -PassThru
        $e.Exception.Message | Should -Match 'At least one exfiltration domain is required'
        $e.Exception.Message | Should -Not -Match "\(Parameter '"
    }
}

Describe 'One way to sign in, chosen the same way by every cmdlet that calls Azure' {
    BeforeAll {
        $Token = ConvertTo-SecureString 'never-sent' -AsPlainText -Force
        $Tenant = Join-Path $TestDrive 'tenant'
        New-LowSlowExfilSampleData -Path $Tenant -EndTime 2026-11-01 | Out-Null
        $Flagged = @(Find-LowSlowExfil -Path $Tenant -EndTime 2026-11-01)
        # Nothing listens there: each case must be refused before anything is sent.
        $Calls = @{
            'Find-LowSlowExfil'       = { param($a) Find-LowSlowExfil -WorkspaceId 'w' -Endpoint 'http://127.0.0.1:9/' -ErrorAction Stop @a }
            'Get-ZiaUploadProfile'    = { param($a) Get-ZiaUploadProfile -ClusterUri 'http://127.0.0.1:9/' -Database 'd' -ErrorAction Stop @a }
            'Send-LowSlowExfilResult' = { param($a) $Flagged | Send-LowSlowExfilResult -Endpoint 'http://127.0.0.1:9/' -DcrImmutableId 'dcr-0' -ErrorAction Stop @a }
        }
    }

    It '<Command> refuses <What>' -ForEach @(
        foreach ($command in 'Find-LowSlowExfil', 'Get-ZiaUploadProfile', 'Send-LowSlowExfilResult') {
            @{ Command = $command; What = 'two ways at once'; Id = 'AmbiguousAuthentication*'; Says = 'Choose one way to authenticate'
                Arguments = { @{ AccessToken = $Token; UseManagedIdentity = $true } } }
            @{ Command = $command; What = 'a certificate without its tenant'; Id = 'IncompleteServicePrincipal*'; Says = 'A certificate needs -TenantId and -ClientId'
                Arguments = { @{ CertificateThumbprint = '0123456789abcdef'; ClientId = 'app' } } }
        }
    ) {
        $Flagged.Count | Should -BeGreaterThan 0
        $arguments = & $Arguments
        $e = { & $Calls[$Command] $arguments } | Should -Throw -ErrorId $Id -PassThru
        $e.Exception.Message | Should -Match ([regex]::Escape($Says))
    }
}

Describe 'Progress is shown as the host says' {
    BeforeAll {
        $Csv = New-ZiaCsv -Path (Join-Path $TestDrive 'zia.csv') -Rows @(
            New-ZiaRow -Time (New-UtcDate 2024 6 20) -User 'alice@contoso.com'
            New-ZiaRow -Time (New-UtcDate 2024 6 21) -User 'bob@contoso.com'
        )
        # A host of our own for a runspace: named as the console host, with a console (RawUI), recording the
        # progress it is given. -NonInteractive is the flag the console host keeps on its user interface
        # (HostProgress.IsNonInteractive), set here as pwsh -NonInteractive sets it.
        if (-not ('LowSlowExfilTests.RecordingHost' -as [type])) {
            Add-Type -TypeDefinition @'
using System;
using System.Collections.Generic;
using System.Collections.ObjectModel;
using System.Globalization;
using System.Management.Automation;
using System.Management.Automation.Host;
using System.Security;

namespace LowSlowExfilTests
{
    public sealed class RecordingHost : PSHost
    {
        private readonly RecordingUI _ui;
        private readonly string _name;
        public RecordingHost(string name, bool nonInteractive) { _name = name; _ui = new RecordingUI(nonInteractive); }
        public List<ProgressRecord> Progress => _ui.Progress;
        public override string Name => _name;
        public override Version Version => new Version(1, 0);
        public override Guid InstanceId { get; } = Guid.NewGuid();
        public override PSHostUserInterface UI => _ui;
        public override CultureInfo CurrentCulture => CultureInfo.InvariantCulture;
        public override CultureInfo CurrentUICulture => CultureInfo.InvariantCulture;
        public override void EnterNestedPrompt() { }
        public override void ExitNestedPrompt() { }
        public override void NotifyBeginApplication() { }
        public override void NotifyEndApplication() { }
        public override void SetShouldExit(int exitCode) { }
    }

    public sealed class RecordingUI : PSHostUserInterface
    {
        private readonly bool _throwOnReadAndPrompt;
        private readonly RecordingRawUI _raw = new RecordingRawUI();
        public RecordingUI(bool nonInteractive) { _throwOnReadAndPrompt = nonInteractive; }
        public readonly List<ProgressRecord> Progress = new List<ProgressRecord>();
        public override PSHostRawUserInterface RawUI => _raw;
        public override void WriteProgress(long sourceId, ProgressRecord record) { lock (Progress) Progress.Add(record); }
        public override string ReadLine() { if (_throwOnReadAndPrompt) throw new PSInvalidOperationException("non-interactive"); return ""; }
        public override SecureString ReadLineAsSecureString() => new SecureString();
        public override void Write(string value) { }
        public override void Write(ConsoleColor foregroundColor, ConsoleColor backgroundColor, string value) { }
        public override void WriteLine(string value) { }
        public override void WriteErrorLine(string value) { }
        public override void WriteDebugLine(string message) { }
        public override void WriteVerboseLine(string message) { }
        public override void WriteWarningLine(string message) { }
        public override Dictionary<string, PSObject> Prompt(string caption, string message, Collection<FieldDescription> descriptions) => new Dictionary<string, PSObject>();
        public override PSCredential PromptForCredential(string caption, string message, string userName, string targetName) => null;
        public override PSCredential PromptForCredential(string caption, string message, string userName, string targetName, PSCredentialTypes allowedCredentialTypes, PSCredentialUIOptions options) => null;
        public override int PromptForChoice(string caption, string message, Collection<ChoiceDescription> choices, int defaultChoice) => defaultChoice;
    }

    public sealed class RecordingRawUI : PSHostRawUserInterface
    {
        public override ConsoleColor BackgroundColor { get; set; }
        public override Size BufferSize { get; set; } = new Size(120, 50);
        public override Coordinates CursorPosition { get; set; }
        public override int CursorSize { get; set; }
        public override ConsoleColor ForegroundColor { get; set; }
        public override bool KeyAvailable => false;
        public override Size MaxPhysicalWindowSize => new Size(120, 50);
        public override Size MaxWindowSize => new Size(120, 50);
        public override Coordinates WindowPosition { get; set; }
        public override Size WindowSize { get; set; } = new Size(120, 50);
        public override string WindowTitle { get; set; } = "";
        public override void FlushInputBuffer() { }
        public override BufferCell[,] GetBufferContents(Rectangle rectangle) => new BufferCell[0, 0];
        public override KeyInfo ReadKey(ReadKeyOptions options) => new KeyInfo();
        public override void ScrollBufferContents(Rectangle source, Coordinates destination, Rectangle clip, BufferCell fill) { }
        public override void SetBufferContents(Coordinates origin, BufferCell[,] contents) { }
        public override void SetBufferContents(Rectangle rectangle, BufferCell fill) { }
    }
}
'@
        }

        # Runs Get-ZiaUploadProfile in a runspace of its own with the given host; returns the progress records the host got.
        function Get-HuntProgress([System.Management.Automation.Host.PSHost] $HostToUse) {
            $iss = [System.Management.Automation.Runspaces.InitialSessionState]::CreateDefault2()
            $iss.ImportPSModule($ModuleManifest)
            $runspace = if ($HostToUse) { [runspacefactory]::CreateRunspace($HostToUse, $iss) } else { [runspacefactory]::CreateRunspace($iss) }
            $runspace.Open()
            try {
                $ps = [powershell]::Create()
                $ps.Runspace = $runspace
                $profiles = $ps.AddCommand('Get-ZiaUploadProfile').AddParameter('LiteralPath', $Csv.FullName).AddParameter('EndTime', $End).Invoke()
                $ps.Streams.Error | Should -BeNullOrEmpty
                @($profiles).Count | Should -Be 2
                # With no host of its own a runspace's progress is collected here.
                if ($HostToUse) { , $HostToUse.Progress.ToArray() } else { , @($ps.Streams.Progress) }
            }
            finally { $runspace.Dispose() }
        }

        # What the module decides in a real pwsh started with these arguments ($Host is that process's console host).
        function Get-ChildDecision([string[]] $PwshArguments, [hashtable] $Environment = @{}) {
            $script = Join-Path $TestDrive 'decide.ps1'
            Set-Content -LiteralPath $script -Value @"
Import-Module '$ModuleManifest'
`$type = [LowSlowExfil.Commands.HuntCommandBase].Assembly.GetType('LowSlowExfil.Commands.HostProgress', `$true)
'decision=' + `$type.GetMethod('Shows').Invoke(`$null, @(`$Host))
"@
            $saved = @{}
            foreach ($k in $Environment.Keys) { $saved[$k] = [Environment]::GetEnvironmentVariable($k); [Environment]::SetEnvironmentVariable($k, $Environment[$k]) }
            Push-Location $RepoRoot # where the tool manifest is
            try {
                $arguments = @('-NoProfile') + @($PwshArguments | ForEach-Object { $_ -replace '\{script\}', $script })
                $out = & dotnet tool run pwsh -- @arguments 2>&1 | Out-String
            }
            finally {
                Pop-Location
                foreach ($k in $saved.Keys) { [Environment]::SetEnvironmentVariable($k, $saved[$k]) }
            }
            if ($out -notmatch 'decision=(True|False)') { throw "The child pwsh said: $out" }
            [bool]::Parse($Matches[1])
        }
    }

    It 'a console host someone works at is shown the progress of a hunt' {
        $records = Get-HuntProgress ([LowSlowExfilTests.RecordingHost]::new('ConsoleHost', $false))
        $records.Count | Should -BeGreaterThan 0
        $records.Activity | Should -Contain 'Reading logs'
        $records[-1].RecordType | Should -Be 'Completed'
    }

    It 'where a console host keeps no flag, its arguments decide: <Arguments> is non-interactive: <Expected>' -ForEach @(
        @{ Arguments = @('pwsh', '-noni', '-File', 'x.ps1'); Expected = $true }
        @{ Arguments = @('powershell.exe', '/NonInteractive', '-Command', 'x'); Expected = $true }
        @{ Arguments = @('pwsh', '--NONINTERACTIVE'); Expected = $true }
        @{ Arguments = @('pwsh', '-File', 'x.ps1', '-NonInteractive'); Expected = $false }
        @{ Arguments = @('pwsh', '-Command', 'Find-LowSlowExfil -noni'); Expected = $false }
        @{ Arguments = @('pwsh', '-NoProfile'); Expected = $false }
    ) {
        # The fallback for a PowerShell whose console host spells its private flag otherwise (not checked here: 5.1).
        $type = [LowSlowExfil.Commands.HuntCommandBase].Assembly.GetType('LowSlowExfil.Commands.HostProgress', $true)
        $method = $type.GetMethod('StartedNonInteractive', [System.Reflection.BindingFlags] 'Static, NonPublic, Public')
        $method.Invoke($null, @(, [string[]] $Arguments)) | Should -Be $Expected
    }

    It 'a console host started non-interactive is shown no progress' {
        Get-HuntProgress ([LowSlowExfilTests.RecordingHost]::new('ConsoleHost', $true)) | Should -BeNullOrEmpty
    }

    It 'a host that is not a console (a runbook''s, a remote session''s) is shown no progress' {
        Get-HuntProgress ([LowSlowExfilTests.RecordingHost]::new('Default Host', $false)) | Should -BeNullOrEmpty
        Get-HuntProgress $null | Should -BeNullOrEmpty
    }

    It 'pwsh <Arguments> shows progress: <Shows>' -ForEach @(
        @{ Arguments = '-NonInteractive -File {script}'; Shows = $false }
        @{ Arguments = '-noni -File {script}'; Shows = $false }
        # PowerShell takes -- and / before its switches too: the process's arguments scanned for '-noni' missed these.
        @{ Arguments = '--NonInteractive -File {script}'; Shows = $false }
        @{ Arguments = '/NonInteractive -File {script}'; Shows = $false }
        # A script's own argument is not PowerShell's: the scan took this one for -NonInteractive.
        @{ Arguments = '-File {script} -NonInteractive'; Shows = $true }
        @{ Arguments = '-File {script}'; Shows = $true }
    ) {
        Get-ChildDecision ($Arguments -split ' ') | Should -Be $Shows
    }

    It 'an Azure Automation sandbox is shown no progress' {
        Get-ChildDecision @('-File', '{script}') @{ AUTOMATION_ASSET_ACCOUNTID = '00000000-0000-0000-0000-000000000000' } | Should -BeFalse
    }
}
