# build.ps1 as a newcomer and CI use it (issue 18): Test installs nothing on the machine (no apt-get, no sudo); what
# needs root is the documented Bootstrap task, and the browser tests say to run it when Chromium is missing.

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    $BuildScript = Join-Path $RepoRoot 'build.ps1'

    # The commands (and string constants) a script's functions hold, by function name; '' for the top level.
    function Get-ScriptAst([string] $Path) {
        $tokens = $errors = $null
        $ast = [System.Management.Automation.Language.Parser]::ParseFile($Path, [ref] $tokens, [ref] $errors)
        if ($errors) { throw "$Path does not parse: $($errors[0])" }
        $ast
    }

    # Words that install software on the machine: a package manager, or sudo to get root for one.
    $Installers = 'apt-get', 'apt', 'sudo', 'dnf', 'yum', 'apk'
    function Get-InstallerUse($Ast) {
        $Ast.FindAll({ param($n)
                ($n -is [System.Management.Automation.Language.CommandAst] -and $n.GetCommandName() -in $Installers) -or
                ($n -is [System.Management.Automation.Language.StringConstantExpressionAst] -and $n.Value -match '\b(apt-get|sudo)\b')
            }, $true) | ForEach-Object { "line $($_.Extent.StartLineNumber): $($_.Extent.Text)" }
    }
}

Describe 'build.ps1 Test' {
    It 'installs nothing: no function the Test task runs calls a package manager or sudo' {
        $ast = Get-ScriptAst $BuildScript
        $functions = @{}
        foreach ($f in $ast.FindAll({ param($n) $n -is [System.Management.Automation.Language.FunctionDefinitionAst] }, $true)) { $functions[$f.Name] = $f }
        # Every function Invoke-Test reaches, through calls by name.
        $reached = [System.Collections.Generic.HashSet[string]]::new()
        $queue = [System.Collections.Generic.Queue[string]]::new()
        $queue.Enqueue('Invoke-Test')
        while ($queue.Count) {
            $name = $queue.Dequeue()
            if (-not $functions.ContainsKey($name) -or -not $reached.Add($name)) { continue }
            foreach ($c in $functions[$name].FindAll({ param($n) $n -is [System.Management.Automation.Language.CommandAst] }, $true)) {
                if ($c.GetCommandName()) { $queue.Enqueue($c.GetCommandName()) }
            }
        }
        $reached | Should -Contain 'Invoke-Package'
        $found = foreach ($name in $reached) { Get-InstallerUse $functions[$name] | ForEach-Object { "${name}: $_" } }
        $found | Should -BeNullOrEmpty -Because 'installing needs root; that is ./build.ps1 Bootstrap, run once, not every test run'
    }

    It 'has a documented Bootstrap task for what needs root' {
        $ast = Get-ScriptAst $BuildScript
        $task = $ast.ParamBlock.Parameters | Where-Object { $_.Name.VariablePath.UserPath -eq 'Task' }
        $set = $task.Attributes | Where-Object { $_.TypeName.Name -eq 'ValidateSet' }
        $set.PositionalArguments.Value | Should -Contain 'Bootstrap'
        $help = $ast.GetHelpContent()
        $help.Description | Should -Match '(?m)^\s*Bootstrap\s+\S'
        $help.Examples -join "`n" | Should -Match 'build\.ps1 Bootstrap'
    }
}

Describe 'The Pester tests' {
    It 'install nothing either: no test file calls a package manager or sudo' {
        $found = foreach ($file in Get-ChildItem $PSScriptRoot -Filter '*.ps1' | Where-Object Name -ne 'Build.Tests.ps1') {
            Get-InstallerUse (Get-ScriptAst $file.FullName) | ForEach-Object { "$($file.Name): $_" }
        }
        $found | Should -BeNullOrEmpty
    }

    It 'skip the browser tests with the command that installs Chromium when it is missing' {
        $reason = Get-ChromiumSkipReason -Path (Join-Path $TestDrive 'no-such-chromium')
        $reason | Should -Match ([regex]::Escape('./build.ps1 Bootstrap'))
        $reason | Should -Match 'no-such-chromium'
        Get-ChromiumSkipReason -Path $BuildScript | Should -BeNullOrEmpty -Because 'an existing browser runs the tests'
    }
}
