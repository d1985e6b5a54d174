# Helpers of the documentation suite (Documentation.Tests.ps1): find the PowerShell examples of the documentation, and
# turn one into a script that records what each of its statements gave. Dot-sourced at discovery and at run time.

function Get-DocExample {
    # Every fenced PowerShell block (```powershell; also pwsh, ps1, ps) of README.md, the about topic and each cmdlet's
    # help, with its document, the line its code starts on and the heading above it.
    param([Parameter(Mandatory)] [string] $RepoRoot)
    $docs = @('README.md', 'module/help/about_LowSlowExfil.md') +
        @(Get-ChildItem -LiteralPath (Join-Path $RepoRoot 'module/help') -Filter '*.md' | Where-Object Name -NotLike 'about_*' |
            Sort-Object Name | ForEach-Object { "module/help/$($_.Name)" })
    foreach ($doc in $docs) {
        $lines = @(Get-Content -LiteralPath (Join-Path $RepoRoot $doc))
        $heading = ''
        $fence = $null   # the tag of the open fenced block ('' for a bare fence), $null outside one
        $code = $null
        for ($i = 0; $i -lt $lines.Count; $i++) {
            $line = $lines[$i]
            if ($null -eq $fence) {
                if ($line -match '^\s*```\s*([\w-]*)\s*$') {
                    $fence = $Matches[1]
                    if ($fence -match '^(powershell|pwsh|ps1|ps)$') { $code = [System.Collections.Generic.List[string]]::new(); $start = $i + 2 }
                }
                elseif ($line -match '^#{1,6}\s+(.+?)\s*$') { $heading = $Matches[1] }
                continue
            }
            if ($line -match '^\s*```\s*$') {
                if ($null -ne $code) {
                    [pscustomobject]@{
                        Doc     = $doc
                        Line    = $start
                        Heading = $heading
                        Code    = $code -join "`n"
                        Name    = "${doc}:$start $heading"
                    }
                }
                $fence = $null
                $code = $null
                continue
            }
            if ($null -ne $code) { $code.Add($line) }
        }
    }
}

# Commands whose output goes somewhere other than the pipeline: a statement ending in one is checked by what it was given.
$DocSinkCommands = @('Export-Csv', 'Set-Content', 'Add-Content', 'Out-File', 'Out-Null', 'Export-LowSlowExfilReport',
    'Export-LowSlowExfilCsv', 'Invoke-RestMethod', 'Write-Host', 'Set-Clipboard', 'Invoke-Item')

function Test-DocSink {
    # True when a pipeline element sends its output elsewhere (a file, a URL, nowhere), not down the pipeline.
    param([System.Management.Automation.Language.CommandBaseAst] $Element)
    if ($Element -isnot [System.Management.Automation.Language.CommandAst]) { return $false }
    $name = $Element.GetCommandName()
    $switches = @($Element.CommandElements | Where-Object { $_ -is [System.Management.Automation.Language.CommandParameterAst] } | ForEach-Object ParameterName)
    if ($switches -contains 'WhatIf') { return $true }   # -WhatIf tells the host, never the pipeline
    if ($name -in $DocSinkCommands) { return $switches -notcontains 'PassThru' }
    # Without -Path the rule is output; with it, written to the file.
    if ($name -eq 'Export-LowSlowExfilRule') { return $switches -contains 'Path' -and $switches -notcontains 'PassThru' }
    if ($name -in 'ForEach-Object', '%') {
        # ForEach-Object { ...; Set-Content ... }: a sink when its body ends in one.
        $body = $Element.CommandElements | Where-Object { $_ -is [System.Management.Automation.Language.ScriptBlockExpressionAst] } | Select-Object -Last 1
        $last = if ($body) { $body.ScriptBlock.EndBlock.Statements | Select-Object -Last 1 }
        return $last -is [System.Management.Automation.Language.PipelineAst] -and (Test-DocSink $last.PipelineElements[-1])
    }
    return $false
}

function ConvertTo-DocScript {
    # The example as a script that runs it statement by statement, as written, and keeps in $__out[n] what statement n
    # gave: its output; for an assignment, the value assigned; for a pipeline ending in a sink (Export-Csv, Set-Content,
    # ...), what reached the sink. Statements that are neither (a lone Set-Content, a foreach) run unrecorded.
    # Returns the script and the recorded statements (N, Text).
    param([Parameter(Mandatory)] [string] $Code, [string] $Prologue = '')
    $tokens = $null
    $errors = $null
    $ast = [System.Management.Automation.Language.Parser]::ParseInput($Code, [ref] $tokens, [ref] $errors)
    if ($errors) { throw "The example does not parse: $($errors[0].Message) (line $($errors[0].Extent.StartLineNumber))." }
    $out = [System.Text.StringBuilder]::new()
    if ($ast.ParamBlock) { [void] $out.AppendLine($ast.ParamBlock.Extent.Text) }
    [void] $out.AppendLine($Prologue)   # after param(), which must come first
    $recorded = [System.Collections.Generic.List[object]]::new()
    $n = 0
    foreach ($s in $ast.EndBlock.Statements) {
        $n++
        $text = $s.Extent.Text
        if ($s -is [System.Management.Automation.Language.AssignmentStatementAst] -and $s.Operator -eq 'Equals') {
            [void] $out.AppendLine($text)
            [void] $out.AppendLine("`$__out[$n] = @($($s.Left.Extent.Text))")
            $recorded.Add([pscustomobject]@{ N = $n; Text = $text })
        }
        elseif ($s -is [System.Management.Automation.Language.PipelineAst]) {
            $elements = $s.PipelineElements
            if (Test-DocSink $elements[-1]) {
                if ($elements.Count -gt 1) {
                    $source = ($elements[0..($elements.Count - 2)] | ForEach-Object { $_.Extent.Text }) -join ' | '
                    [void] $out.AppendLine("`$__out[$n] = @($source)")
                    [void] $out.AppendLine("`$__out[$n] | $($elements[-1].Extent.Text)")
                    $recorded.Add([pscustomobject]@{ N = $n; Text = $text })
                }
                else { [void] $out.AppendLine($text) }
            }
            else {
                [void] $out.AppendLine("`$__out[$n] = @($text)")
                $recorded.Add([pscustomobject]@{ N = $n; Text = $text })
            }
        }
        else { [void] $out.AppendLine($text) }
    }
    [pscustomobject]@{ Script = $out.ToString(); Recorded = $recorded }
}
