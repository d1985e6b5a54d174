# Offline help, as an analyst sees it after Import-Module ./LowSlowExfil.psd1: every exported cmdlet has help
# from the MAML file (not PowerShell's syntax-only stand-in), a description for every parameter, examples with
# code; and the about_LowSlowExfil topic is found. The help is built by ./build.ps1 Build
# (module/help/Build-Help.ps1, from module/help/*.md) into en-US/ beside the manifest, where PowerShell looks
# for a module's help.

BeforeDiscovery {
    # The cmdlets to check come from the manifest, so a cmdlet added to it without help fails here.
    $Cmdlets = @((Import-PowerShellDataFile (Join-Path $PSScriptRoot ../../LowSlowExfil.psd1)).CmdletsToExport)
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    Import-Module $ModuleManifest -Force
    $Module = Get-Module LowSlowExfil
    $ManifestCmdlets = @((Import-PowerShellDataFile $ModuleManifest).CmdletsToExport)
    # Parameters every cmdlet gets from PowerShell (documented in about_CommonParameters). -WhatIf and
    # -Confirm are not among them: a cmdlet that has them must document them.
    $CommonParameters = [System.Management.Automation.Cmdlet]::CommonParameters

    # The text of a help node (a description is a list of paragraphs), trimmed; '' when there is none.
    function Get-HelpText($Node) {
        if ($null -eq $Node) { return '' }
        (@($Node | ForEach-Object { if ($_ -is [string]) { $_ } else { $_.Text } }) -join "`n").Trim()
    }
}

Describe 'The help files' {
    It 'the cmdlets'' help file is built where PowerShell looks for it (en-US beside the manifest)' {
        $helpFile = @($Module.ExportedCmdlets.Values.HelpFile | Sort-Object -Unique)
        $helpFile.Count | Should -Be 1
        Join-Path $Module.ModuleBase "en-US/$($helpFile[0])" | Should -Exist -Because 'the help is built by ./build.ps1 Build'
    }

    It 'every cmdlet the module exports is checked below (listed in the manifest)' {
        @($Module.ExportedCmdlets.Keys | Sort-Object) | Should -Be @($ManifestCmdlets | Sort-Object)
    }
}

Describe 'Help for <_>' -ForEach $Cmdlets {
    BeforeAll {
        $Name = $_
        $Command = Get-Command -Name $Name -Module LowSlowExfil -CommandType Cmdlet
        $Help = Get-Help -Name $Name -Full
        $HelpParameters = @($Help.parameters.parameter)
    }

    It 'comes from the help file, not generated from the syntax' {
        # Without a MAML entry PowerShell makes up help from the syntax (an ExtendedCmdletHelpInfo).
        $Help.PSObject.TypeNames | Should -Contain 'MamlCommandHelpInfo' -Because "module/help/$Name.md must exist and be built"
    }

    It 'has a synopsis that is not the syntax' {
        $synopsis = Get-HelpText $Help.Synopsis
        $synopsis | Should -Not -BeNullOrEmpty
        $synopsis | Should -Not -Match "^$([regex]::Escape($Name))(\s|$)" -Because 'a synopsis made up from the syntax starts with the cmdlet name'
        $synopsis | Should -Not -Match '<CommonParameters>'
    }

    It 'has a description' {
        Get-HelpText $Help.description | Should -Not -BeNullOrEmpty
    }

    It 'describes every parameter' {
        $own = @($Command.Parameters.Keys | Where-Object { $_ -notin $CommonParameters })
        $own.Count | Should -BeGreaterThan 0
        $undocumented = foreach ($p in $own) {
            $entry = $HelpParameters | Where-Object { $_.name -eq $p }
            if (-not $entry -or -not (Get-HelpText $entry.description)) { "-$p" }
        }
        $undocumented | Should -BeNullOrEmpty -Because "each parameter needs '### -Name' and a description in module/help/$Name.md"
    }

    It 'documents no parameter the cmdlet does not have' {
        $extra = $HelpParameters | Where-Object { -not $Command.Parameters.ContainsKey($_.name) } | ForEach-Object { "-$($_.name)" }
        $extra | Should -BeNullOrEmpty
    }

    It 'has the compiled cmdlet''s parameter sets in its syntax' {
        # The syntax is written from the compiled cmdlet at build time: a stale help file shows up here.
        $helpSets = @($Help.syntax.syntaxItem | ForEach-Object { (@($_.parameter.name) | Sort-Object) -join ',' })
        foreach ($set in $Command.ParameterSets) {
            $names = (@($set.Parameters.Name | Where-Object { $_ -notin $CommonParameters }) | Sort-Object) -join ','
            $helpSets | Should -Contain $names -Because "parameter set '$($set.Name)' must appear in the help's syntax"
        }
        $helpSets.Count | Should -Be @($Command.ParameterSets).Count
    }

    It 'has at least one example, each with code' {
        $examples = @($Help.examples.example | Where-Object { $_ })
        $examples.Count | Should -BeGreaterThan 0 -Because "module/help/$Name.md needs '### Example 1: ...' with a powershell code block"
        foreach ($e in $examples) {
            Get-HelpText $e.code | Should -Not -BeNullOrEmpty -Because "$(Get-HelpText $e.title) needs code"
        }
        (@($examples | ForEach-Object { Get-HelpText $_.code }) -join "`n") | Should -Match ([regex]::Escape($Name)) -Because 'the examples should show the cmdlet'
    }

    It 'shows its examples with Get-Help -Examples' {
        $examples = Get-Help -Name $Name -Examples -ErrorAction Stop
        @($examples.examples.example).Count | Should -BeGreaterThan 0
        ($examples | Out-String) | Should -Match ([regex]::Escape($Name))
    }
}

Describe 'about_LowSlowExfil' {
    It 'is found by Get-Help' {
        $topic = Get-Help -Name about_LowSlowExfil -ErrorAction Stop | Out-String
        $topic | Should -Match 'about_LowSlowExfil'
        $topic | Should -Match 'SHORT DESCRIPTION'
        $topic | Should -Match 'LONG DESCRIPTION'
        $topic | Should -Match 'KqlCompatible'
    }

    It 'has a synopsis in the list of topics' {
        $entry = Get-Help -Name 'about_LowSlow*' | Where-Object Name -EQ 'about_LowSlowExfil'
        $entry | Should -Not -BeNullOrEmpty
        $entry.Synopsis | Should -Not -BeNullOrEmpty
    }
}
