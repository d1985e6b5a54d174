<#
.SYNOPSIS
    Builds the module's offline help from the markdown in module/help: MAML for the cmdlets and the
    about_LowSlowExfil topic.
.DESCRIPTION
    Run by build.ps1 (Build task) in a fresh PowerShell process, after the assemblies are published into
    module/bin, so the build session itself never loads the module. No external module (platyPS) is needed.

    Where each part of the help comes from:
      - from the compiled cmdlets (Get-Command on the imported module): the cmdlet list, parameter sets,
        parameter names, types, Mandatory, Position, pipeline input, aliases, ValidateSet / enum values, and
        the default value of a parameter the markdown does not state (read from a new cmdlet instance);
      - from the markdown (module/help/<Cmdlet>.md, platyPS-like): synopsis, description, examples,
        parameter descriptions, stated default values, "Accept wildcard characters", inputs, outputs, notes,
        related links. A SYNTAX section, and any Type/Position/... written in a parameter's yaml block, are
        ignored: they cannot go stale because they are never read.

    The build fails, listing every problem at once, when an exported cmdlet has no markdown file, a markdown
    file documents no exported cmdlet, a cmdlet has no synopsis, description or example with code, or a
    parameter has no description (or documents a parameter the cmdlet does not have).

    Output (PowerShell looks for a binary module's help in <ModuleBase>/<culture>/, ModuleBase being the
    manifest's folder, whatever subfolder the RootModule assembly is in; it falls back to en-US):
      <manifest folder>/en-US/<RootModule assembly>.dll-Help.xml   e.g. en-US/LowSlowExfil.dll-Help.xml
      <manifest folder>/en-US/about_*.help.txt                     one per module/help/about_*.md

    Markdown format of a cmdlet file (see Find-LowSlowExfil.md):
      # <Cmdlet-Name>
      ## SYNOPSIS            one paragraph
      ## DESCRIPTION         paragraphs, "- " lists, fenced code
      ## EXAMPLES
      ### Example 1: <title>
      ```powershell         the code (several blocks are joined)
      ```
      remarks paragraphs (other fenced blocks, e.g. ```output, are kept in the remarks)
      ## PARAMETERS
      ### -<Name>            its description, optionally followed by
      ```yaml
      Default value: 30
      Accept wildcard characters: True
      ```
      ### CommonParameters   (optional; the standard text is generated)
      ## INPUTS / ## OUTPUTS  ### <Type name> then its description
      ## NOTES
      ## RELATED LINKS        "- [text](uri)" or "- Cmdlet-Name" lines
.PARAMETER ModuleManifest
    The module manifest to import (default: the repository's LowSlowExfil.psd1).
.PARAMETER SourcePath
    The folder holding the markdown (default: this script's folder).
.PARAMETER OutputPath
    Where to write the help (default: the en-US folder beside the manifest).
.EXAMPLE
    dotnet tool run pwsh -NoProfile -File ./module/help/Build-Help.ps1
#>
[CmdletBinding()]
param(
    [string] $ModuleManifest = (Join-Path $PSScriptRoot '../../LowSlowExfil.psd1'),
    [string] $SourcePath = $PSScriptRoot,
    [string] $OutputPath
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest

$ModuleManifest = (Resolve-Path -LiteralPath $ModuleManifest).Path
$SourcePath = (Resolve-Path -LiteralPath $SourcePath).Path
if (-not $OutputPath) { $OutputPath = Join-Path (Split-Path $ModuleManifest) 'en-US' }

# Every problem found is collected here; the build fails once, listing all of them.
$script:Problems = [System.Collections.Generic.List[string]]::new()
function Add-Problem([string] $Message) { $script:Problems.Add($Message) }

# Parameters PowerShell adds to every cmdlet: documented by PowerShell (about_CommonParameters), not here.
# -WhatIf and -Confirm are not among them: a cmdlet that has them documents them like its own parameters.
$CommonParameters = [System.Collections.Generic.HashSet[string]]::new(
    [string[]][System.Management.Automation.Cmdlet]::CommonParameters, [StringComparer]::OrdinalIgnoreCase)

#region Markdown reading

# Splits a markdown file into its H1 title and its sections: an ordered map of H2 heading ->
# @{ Lines = lines before the first H3; Subsections = list of @{ Title; Lines } }.
# Headings inside fenced code blocks are text, not headings.
function Read-MarkdownSections([string] $Path) {
    $lines = [string[]](Get-Content -LiteralPath $Path -Encoding utf8)
    $start = 0
    # A platyPS-style front matter block (--- ... ---) at the top carries nothing we use.
    if ($lines.Count -gt 0 -and $lines[0].Trim() -eq '---') {
        for ($i = 1; $i -lt $lines.Count; $i++) { if ($lines[$i].Trim() -eq '---') { $start = $i + 1; break } }
    }
    $doc = @{ Title = $null; Sections = [ordered]@{} }
    $section = $null
    $subsection = $null
    $inFence = $false
    for ($i = $start; $i -lt $lines.Count; $i++) {
        $line = $lines[$i]
        if ($line -match '^\s*(```|~~~)') { $inFence = -not $inFence }
        elseif (-not $inFence -and $line -match '^(#{1,3})\s+(.+?)\s*#*\s*$') {
            $level = $Matches[1].Length
            $text = $Matches[2]
            if ($level -eq 1) { $doc.Title = $text; $section = $null; $subsection = $null; continue }
            if ($level -eq 2) {
                $key = $text.ToUpperInvariant()
                $section = @{ Lines = [System.Collections.Generic.List[string]]::new(); Subsections = [System.Collections.Generic.List[object]]::new() }
                $doc.Sections[$key] = $section
                $subsection = $null
                continue
            }
            if ($null -ne $section) {
                $subsection = @{ Title = $text; Lines = [System.Collections.Generic.List[string]]::new() }
                $section.Subsections.Add($subsection)
                continue
            }
        }
        if ($null -ne $subsection) { $subsection.Lines.Add($line) }
        elseif ($null -ne $section) { $section.Lines.Add($line) }
    }
    $doc
}

# Inline markdown to plain help text: links become "text (uri)", emphasis markers go; `code` stays,
# as in PowerShell's own help.
function ConvertFrom-InlineMarkdown([string] $Text) {
    $Text = [regex]::Replace($Text, '\[([^\]]+)\]\(([^)\s]+)\)', {
            param($m)
            if ($m.Groups[1].Value -eq $m.Groups[2].Value) { $m.Groups[2].Value } else { "$($m.Groups[1].Value) ($($m.Groups[2].Value))" }
        })
    $Text = [regex]::Replace($Text, '<(https?://[^>\s]+)>', '$1')
    $Text = [regex]::Replace($Text, '\*\*(.+?)\*\*', '$1')
    $Text = [regex]::Replace($Text, '(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])', '$1')
    $Text
}

# Markdown block text to paragraphs (one MAML <maml:para> each): a paragraph's lines are joined with
# spaces; each list item is a paragraph of its own ("- item"); a fenced block or a table is one paragraph
# kept line by line.
function ConvertTo-Paragraphs([System.Collections.Generic.IEnumerable[string]] $Lines) {
    $paragraphs = [System.Collections.Generic.List[string]]::new()
    $text = [System.Collections.Generic.List[string]]::new()
    $block = [System.Collections.Generic.List[string]]::new()
    $inFence = $false
    $flushText = {
        if ($text.Count -gt 0) { $paragraphs.Add((ConvertFrom-InlineMarkdown ($text -join ' '))); $text.Clear() }
    }
    $flushBlock = {
        # Kept line by line, not indented: Get-Help trims a paragraph's first line, so an indent would be ragged.
        if ($block.Count -gt 0) { $paragraphs.Add(($block | ForEach-Object { $_.TrimEnd() }) -join "`n"); $block.Clear() }
    }
    foreach ($line in $Lines) {
        if ($inFence) {
            if ($line -match '^\s*(```|~~~)\s*$') { $inFence = $false; & $flushBlock } else { $block.Add($line) }
            continue
        }
        if ($line -match '^\s*(```|~~~)') { & $flushText; & $flushBlock; $inFence = $true; continue }
        if ($line -match '^\s*\|') { & $flushText; $block.Add($line.Trim()); continue }  # table row
        & $flushBlock
        if ($line.Trim() -eq '' -or $line -match '^\s*<!--.*-->\s*$') { & $flushText; continue }
        if ($line -match '^\s*([-*+]|\d+\.)\s+(.*)$') {
            & $flushText
            $marker = $Matches[1]; $item = $Matches[2].Trim()
            $bullet = if ($marker -match '\d') { $marker } else { '-' }
            $text.Add("$bullet $item")
            continue
        }
        $text.Add($line.Trim())
    }
    & $flushText
    & $flushBlock
    , $paragraphs.ToArray()
}

# True when a text is missing or a platyPS placeholder ("{{ Fill Path Description }}").
function Test-Blank([string[]] $Paragraphs) {
    $joined = ($Paragraphs -join ' ').Trim()
    return $joined -eq '' -or $joined -match '^\{\{.*\}\}$'
}

# Reads one cmdlet's markdown into the parts the MAML needs.
function Read-CommandMarkdown([string] $Path) {
    $doc = Read-MarkdownSections $Path
    $s = $doc.Sections
    $help = @{
        Name        = $doc.Title
        Synopsis    = @()
        Description = @()
        Examples    = [System.Collections.Generic.List[object]]::new()
        Parameters  = [ordered]@{}
        Inputs      = [System.Collections.Generic.List[object]]::new()
        Outputs     = [System.Collections.Generic.List[object]]::new()
        Notes       = @()
        Links       = [System.Collections.Generic.List[object]]::new()
    }
    if ($s.Contains('SYNOPSIS')) { $help.Synopsis = ConvertTo-Paragraphs $s['SYNOPSIS'].Lines }
    if ($s.Contains('DESCRIPTION')) { $help.Description = ConvertTo-Paragraphs $s['DESCRIPTION'].Lines }
    if ($s.Contains('NOTES')) { $help.Notes = ConvertTo-Paragraphs $s['NOTES'].Lines }

    if ($s.Contains('EXAMPLES')) {
        foreach ($sub in $s['EXAMPLES'].Subsections) {
            # The code is every ```powershell (or unlabelled) block; other blocks and text are the remarks.
            $code = [System.Collections.Generic.List[string]]::new()
            $remarks = [System.Collections.Generic.List[string]]::new()
            $fence = $null
            foreach ($line in $sub.Lines) {
                if ($null -eq $fence -and $line -match '^\s*```\s*(\w*)') {
                    $fence = if ($Matches[1] -in '', 'powershell', 'posh', 'ps', 'pwsh', 'ps1') { 'code' } else { 'remarks' }
                    if ($fence -eq 'code') { if ($code.Count -gt 0) { $code.Add('') } } else { $remarks.Add($line) }
                    continue
                }
                if ($null -ne $fence -and $line -match '^\s*```\s*$') {
                    if ($fence -eq 'remarks') { $remarks.Add($line) }
                    $fence = $null
                    continue
                }
                if ($fence -eq 'code') { $code.Add($line) } else { $remarks.Add($line) }
            }
            $help.Examples.Add(@{ Title = $sub.Title; Code = ($code -join "`n").Trim("`n"); Remarks = ConvertTo-Paragraphs $remarks })
        }
    }

    if ($s.Contains('PARAMETERS')) {
        foreach ($sub in $s['PARAMETERS'].Subsections) {
            if ($sub.Title -match '^CommonParameters$') { continue }
            if ($sub.Title -notmatch '^-(\w+)$') { Add-Problem "${Path}: '### $($sub.Title)' under PARAMETERS is not a parameter heading ('### -Name')."; continue }
            $name = $Matches[1]
            # A ```yaml block holds the facts the markdown may state; the rest of the text is the description.
            $text = [System.Collections.Generic.List[string]]::new()
            $yaml = @{}
            $inYaml = $false
            foreach ($line in $sub.Lines) {
                if (-not $inYaml -and $line -match '^\s*```\s*yaml\s*$') { $inYaml = $true; continue }
                if ($inYaml) {
                    if ($line -match '^\s*```\s*$') { $inYaml = $false }
                    elseif ($line -match '^\s*([^:]+?)\s*:\s*(.*?)\s*$') { $yaml[$Matches[1]] = $Matches[2] }
                    continue
                }
                $text.Add($line)
            }
            foreach ($key in $yaml.Keys) {
                if ($key -notin 'Default value', 'Accept wildcard characters') {
                    Write-Verbose "${Path}: -$name '$key' is ignored (taken from the compiled cmdlet)."
                }
            }
            $help.Parameters[$name] = @{
                Description = ConvertTo-Paragraphs $text
                Default     = $yaml['Default value']
                Globbing    = $yaml['Accept wildcard characters']
            }
        }
    }

    foreach ($kind in 'INPUTS', 'OUTPUTS') {
        if (-not $s.Contains($kind)) { continue }
        # (Assigned directly: an empty list returned from an 'if' would be unrolled to $null.)
        $list = $help.Outputs
        if ($kind -eq 'INPUTS') { $list = $help.Inputs }
        foreach ($sub in $s[$kind].Subsections) {
            $list.Add(@{ Type = $sub.Title.Trim('`'); Description = ConvertTo-Paragraphs $sub.Lines })
        }
    }

    if ($s.Contains('RELATED LINKS')) {
        foreach ($line in $s['RELATED LINKS'].Lines) {
            $item = ($line -replace '^\s*([-*+]|\d+\.)\s+', '').Trim()
            if ($item -eq '') { continue }
            if ($item -match '^\[([^\]]+)\]\(([^)]*)\)$') { $help.Links.Add(@{ Text = $Matches[1]; Uri = $Matches[2] }) }
            elseif ($item -match '^https?://\S+$') { $help.Links.Add(@{ Text = $item; Uri = $item }) }
            else { $help.Links.Add(@{ Text = $item; Uri = '' }) }
        }
    }
    $help
}

#endregion

#region Cmdlet metadata

# How PowerShell writes a type in help: String[], Int32, SwitchParameter (Nullable<T> as T).
function Get-TypeDisplayName([type] $Type) {
    if ($Type.IsArray) { return (Get-TypeDisplayName $Type.GetElementType()) + '[]' }
    $underlying = [Nullable]::GetUnderlyingType($Type)
    if ($underlying) { return Get-TypeDisplayName $underlying }
    if ($Type.IsGenericType) {
        $names = ($Type.GetGenericArguments() | ForEach-Object { Get-TypeDisplayName $_ }) -join ', '
        return ($Type.Name -replace '`\d+$', '') + "[$names]"
    }
    $Type.Name
}

# The values a parameter accepts, when they are a closed list (ValidateSet, or an enum).
function Get-ParameterValues([System.Management.Automation.ParameterMetadata] $Parameter) {
    $set = $Parameter.Attributes | Where-Object { $_ -is [System.Management.Automation.ValidateSetAttribute] } | Select-Object -First 1
    if ($set) { return , [string[]]$set.ValidValues }
    $type = $Parameter.ParameterType
    if ($type.IsArray) { $type = $type.GetElementType() }
    if ($type.IsEnum) { return , [string[]][enum]::GetNames($type) }
    , [string[]]@()
}

# The value a parameter has when it is not given, read from a new instance of the cmdlet; $null when the
# instance tells nothing useful (null, an empty array, DateTime.MinValue: "not given", explained in the text).
function Get-CodeDefault([object] $Instance, [string] $Name) {
    if ($null -eq $Instance) { return $null }
    $property = $Instance.GetType().GetProperty($Name)
    if ($null -eq $property -or -not $property.CanRead) { return $null }
    $value = $property.GetValue($Instance)
    if ($null -eq $value) { return $null }
    if ($value -is [System.Management.Automation.SwitchParameter]) { return [string]$value.IsPresent }
    if ($value -is [datetime]) {
        if ($value -eq [datetime]::MinValue) { return $null }
        return $value.ToString('yyyy-MM-ddTHH:mm:ss' + $(if ($value.Kind -eq 'Utc') { 'Z' }), [cultureinfo]::InvariantCulture)
    }
    if ($value -is [array]) {
        if ($value.Count -eq 0) { return $null }
        return ($value | ForEach-Object { [System.Convert]::ToString($_, [cultureinfo]::InvariantCulture) }) -join ', '
    }
    [System.Convert]::ToString($value, [cultureinfo]::InvariantCulture)
}

# One parameter's facts, merged over the parameter sets it belongs to (for the PARAMETERS section).
function Get-ParameterFacts([System.Management.Automation.CmdletInfo] $Command, [System.Management.Automation.ParameterMetadata] $Parameter) {
    $inSets = foreach ($set in $Command.ParameterSets) {
        $p = $set.Parameters | Where-Object Name -EQ $Parameter.Name
        if ($p) { $p }
    }
    $positions = @($inSets | Where-Object { $_.Position -ge 0 } | ForEach-Object Position | Sort-Object -Unique)
    $byValue = @($inSets | Where-Object ValueFromPipeline).Count -gt 0
    $byName = @($inSets | Where-Object ValueFromPipelineByPropertyName).Count -gt 0
    $pipeline = if ($byValue -and $byName) { 'True (ByValue, ByPropertyName)' } elseif ($byValue) { 'True (ByValue)' } elseif ($byName) { 'True (ByPropertyName)' } else { 'False' }
    @{
        Required = @($inSets).Count -gt 0 -and @($inSets | Where-Object { -not $_.IsMandatory }).Count -eq 0
        Position = if ($positions.Count -gt 0) { [string]$positions[0] } else { 'named' }
        Pipeline = $pipeline
        Aliases  = if ($Parameter.Aliases.Count -gt 0) { $Parameter.Aliases -join ', ' } else { 'none' }
        Globbing = [bool]($Parameter.Attributes | Where-Object { $_ -is [System.Management.Automation.SupportsWildcardsAttribute] })
    }
}

#endregion

#region MAML writing

$NsMaml = 'http://schemas.microsoft.com/maml/2004/10'
$NsCommand = 'http://schemas.microsoft.com/maml/dev/command/2004/10'
$NsDev = 'http://schemas.microsoft.com/maml/dev/2004/10'

function Write-Paragraphs([System.Xml.XmlWriter] $W, [string[]] $Paragraphs) {
    foreach ($p in $Paragraphs) { $W.WriteElementString('maml', 'para', $NsMaml, $p) }
}

function Write-MamlDescription([System.Xml.XmlWriter] $W, [string[]] $Paragraphs) {
    $W.WriteStartElement('maml', 'description', $NsMaml)
    Write-Paragraphs $W $Paragraphs
    $W.WriteEndElement()
}

function Write-DevType([System.Xml.XmlWriter] $W, [string] $Name) {
    $W.WriteStartElement('dev', 'type', $NsDev)
    $W.WriteElementString('maml', 'name', $NsMaml, $Name)
    $W.WriteElementString('maml', 'uri', $NsMaml, '')
    $W.WriteEndElement()
}

# A <command:parameter> element, as used both in a syntax item and in the parameters section.
function Write-MamlParameter {
    param(
        [System.Xml.XmlWriter] $W,
        [System.Management.Automation.ParameterMetadata] $Parameter,
        [hashtable] $Facts,      # Required, Position, Pipeline, Aliases, Globbing
        [hashtable] $Doc,        # Description, Default
        [switch] $InSyntax
    )
    $type = $Parameter.ParameterType
    $isSwitch = $type -eq [System.Management.Automation.SwitchParameter]
    $W.WriteStartElement('command', 'parameter', $NsCommand)
    $W.WriteAttributeString('required', $Facts.Required.ToString().ToLowerInvariant())
    $W.WriteAttributeString('variableLength', $type.IsArray.ToString().ToLowerInvariant())
    $W.WriteAttributeString('globbing', $Facts.Globbing.ToString().ToLowerInvariant())
    $W.WriteAttributeString('pipelineInput', $Facts.Pipeline)
    $W.WriteAttributeString('position', $Facts.Position)
    $W.WriteAttributeString('aliases', $Facts.Aliases)
    $W.WriteElementString('maml', 'name', $NsMaml, $Parameter.Name)
    # Get-Help shows a parameter's description from the parameters section only: not repeated per syntax item.
    if (-not $InSyntax) { Write-MamlDescription $W $Doc.Description }
    $values = Get-ParameterValues $Parameter
    if ($InSyntax -and $values.Count -gt 0) {
        # Shown by Get-Help as -Environment {AzureCloud | AzureUSGovernment | AzureChinaCloud}.
        $W.WriteStartElement('command', 'parameterValueGroup', $NsCommand)
        foreach ($v in $values) {
            $W.WriteStartElement('command', 'parameterValue', $NsCommand)
            $W.WriteAttributeString('required', 'false')
            $W.WriteAttributeString('command', 'variableLength', $NsCommand, 'false')
            $W.WriteString($v)
            $W.WriteEndElement()
        }
        $W.WriteEndElement()
    }
    elseif (-not ($InSyntax -and $isSwitch)) {
        $W.WriteStartElement('command', 'parameterValue', $NsCommand)
        $W.WriteAttributeString('required', (-not $isSwitch).ToString().ToLowerInvariant())
        $W.WriteAttributeString('variableLength', $type.IsArray.ToString().ToLowerInvariant())
        $W.WriteString((Get-TypeDisplayName $type))
        $W.WriteEndElement()
    }
    Write-DevType $W $type.FullName
    $W.WriteElementString('dev', 'defaultValue', $NsDev, $Doc.Default)
    $W.WriteEndElement()
}

# $ParameterDocs is ordered (the markdown's order): typed as IDictionary so that order survives the call.
function Write-MamlCommand([System.Xml.XmlWriter] $W, [System.Management.Automation.CmdletInfo] $Command, [hashtable] $Help, [System.Collections.IDictionary] $ParameterDocs) {
    $W.WriteStartElement('command', 'command', $NsCommand)
    $W.WriteAttributeString('xmlns', 'maml', $null, $NsMaml)
    $W.WriteAttributeString('xmlns', 'command', $null, $NsCommand)
    $W.WriteAttributeString('xmlns', 'dev', $null, $NsDev)

    $W.WriteStartElement('command', 'details', $NsCommand)
    $W.WriteElementString('command', 'name', $NsCommand, $Command.Name)
    $W.WriteElementString('command', 'verb', $NsCommand, $Command.Verb)
    $W.WriteElementString('command', 'noun', $NsCommand, $Command.Noun)
    Write-MamlDescription $W $Help.Synopsis
    $W.WriteEndElement()

    Write-MamlDescription $W $Help.Description

    # SYNTAX: one item per parameter set, from the compiled cmdlet; positional parameters first, by
    # position, then the mandatory ones, then the rest, each group in the markdown's order.
    $W.WriteStartElement('command', 'syntax', $NsCommand)
    $sets = @($Command.ParameterSets | Sort-Object { -not $_.IsDefault })
    foreach ($set in $sets) {
        $W.WriteStartElement('command', 'syntaxItem', $NsCommand)
        $W.WriteElementString('maml', 'name', $NsMaml, $Command.Name)
        $rank = @{}; $i = 0
        foreach ($name in $ParameterDocs.Keys) { $rank[$name] = $i++ }
        $own = @($set.Parameters | Where-Object { -not $CommonParameters.Contains($_.Name) } | Sort-Object { $rank[$_.Name] })
        $ordered = @($own | Where-Object { $_.Position -ge 0 } | Sort-Object Position) +
            @($own | Where-Object { $_.Position -lt 0 -and $_.IsMandatory }) +
            @($own | Where-Object { $_.Position -lt 0 -and -not $_.IsMandatory })
        foreach ($p in $ordered) {
            $meta = $Command.Parameters[$p.Name]
            $pipeline = if ($p.ValueFromPipeline -and $p.ValueFromPipelineByPropertyName) { 'True (ByValue, ByPropertyName)' }
                elseif ($p.ValueFromPipeline) { 'True (ByValue)' } elseif ($p.ValueFromPipelineByPropertyName) { 'True (ByPropertyName)' } else { 'False' }
            $facts = @{
                Required = $p.IsMandatory
                Position = if ($p.Position -ge 0) { [string]$p.Position } else { 'named' }
                Pipeline = $pipeline
                Aliases  = if ($p.Aliases.Count -gt 0) { $p.Aliases -join ', ' } else { 'none' }
                Globbing = $ParameterDocs[$p.Name].Globbing
            }
            Write-MamlParameter -W $W -Parameter $meta -Facts $facts -Doc $ParameterDocs[$p.Name] -InSyntax
        }
        $W.WriteEndElement()
    }
    $W.WriteEndElement()

    # PARAMETERS: in the markdown's order (the author groups them for the reader).
    $W.WriteStartElement('command', 'parameters', $NsCommand)
    foreach ($name in $ParameterDocs.Keys) {
        $meta = $Command.Parameters[$name]
        $facts = Get-ParameterFacts $Command $meta
        $facts.Globbing = $ParameterDocs[$name].Globbing
        Write-MamlParameter -W $W -Parameter $meta -Facts $facts -Doc $ParameterDocs[$name]
    }
    $W.WriteEndElement()

    foreach ($kind in @(@('inputTypes', 'inputType', $Help.Inputs), @('returnValues', 'returnValue', $Help.Outputs))) {
        $W.WriteStartElement('command', $kind[0], $NsCommand)
        foreach ($item in $kind[2]) {
            $W.WriteStartElement('command', $kind[1], $NsCommand)
            Write-DevType $W $item.Type
            Write-MamlDescription $W $item.Description
            $W.WriteEndElement()
        }
        $W.WriteEndElement()
    }

    $W.WriteStartElement('maml', 'alertSet', $NsMaml)
    $W.WriteStartElement('maml', 'alert', $NsMaml)
    Write-Paragraphs $W $Help.Notes
    $W.WriteEndElement()
    $W.WriteEndElement()

    $W.WriteStartElement('command', 'examples', $NsCommand)
    foreach ($ex in $Help.Examples) {
        $W.WriteStartElement('command', 'example', $NsCommand)
        $W.WriteElementString('maml', 'title', $NsMaml, "--------- $($ex.Title) ---------")
        $W.WriteElementString('dev', 'code', $NsDev, $ex.Code)
        $W.WriteStartElement('dev', 'remarks', $NsDev)
        Write-Paragraphs $W $ex.Remarks
        # An empty last paragraph: Get-Help then leaves a blank line before the next example's title.
        Write-Paragraphs $W @('')
        $W.WriteEndElement()
        $W.WriteEndElement()
    }
    $W.WriteEndElement()

    $W.WriteStartElement('command', 'relatedLinks', $NsCommand)
    foreach ($link in $Help.Links) {
        $W.WriteStartElement('maml', 'navigationLink', $NsMaml)
        $W.WriteElementString('maml', 'linkText', $NsMaml, $link.Text)
        $W.WriteElementString('maml', 'uri', $NsMaml, $link.Uri)
        $W.WriteEndElement()
    }
    $W.WriteEndElement()

    $W.WriteEndElement()  # command:command
}

#endregion

#region about_ topics

# Word-wraps one paragraph to $Width columns, every line starting with $Indent (the first with $First).
function Format-Wrapped([string] $Text, [string] $First, [string] $Indent, [int] $Width = 80) {
    $out = [System.Collections.Generic.List[string]]::new()
    $line = $First
    $empty = $true
    foreach ($word in ($Text -split '\s+' | Where-Object { $_ })) {
        if (-not $empty -and ($line.Length + 1 + $word.Length) -gt $Width) { $out.Add($line); $line = $Indent; $empty = $true }
        $line = if ($empty) { $line + $word } else { "$line $word" }
        $empty = $false
    }
    if (-not $empty) { $out.Add($line) }
    $out
}

# about_<Topic>.md -> about_<Topic>.help.txt, the plain-text layout of PowerShell's about topics:
# section titles in capitals at the margin, text indented four spaces and wrapped at 80 columns, code
# and tables kept as written (indented eight and four).
function ConvertTo-AboutText([string] $Path) {
    $doc = Read-MarkdownSections $Path
    $out = [System.Collections.Generic.List[string]]::new()
    $out.Add('TOPIC')
    $out.Add("    $($doc.Title)")
    $renderBody = {
        param($lines, [int] $width = 80)
        $text = [System.Collections.Generic.List[string]]::new()
        $inFence = $false
        $flush = {
            if ($text.Count -eq 0) { return }
            $para = ConvertFrom-InlineMarkdown ($text -join ' ')
            if ($para -match '^([-*+]|\d+\.)\s+(.*)$') {
                $marker = $Matches[1]; $item = $Matches[2]
                $bullet = if ($marker -match '\d') { $marker } else { '-' }
                Format-Wrapped $item "    $bullet " ('    ' + ' ' * ($bullet.Length + 1)) | ForEach-Object { $out.Add($_) }
            }
            else { Format-Wrapped $para '    ' '    ' $width | ForEach-Object { $out.Add($_) }; $out.Add('') }
            $text.Clear()
        }
        foreach ($line in $lines) {
            if ($inFence) {
                if ($line -match '^\s*(```|~~~)\s*$') { $inFence = $false; $out.Add('') } else { $out.Add(("        $line").TrimEnd()) }
                continue
            }
            if ($line -match '^\s*(```|~~~)') { & $flush; $inFence = $true; continue }
            if ($line -match '^\s*\|') { & $flush; $out.Add("    $($line.Trim())"); continue }
            if ($line.Trim() -eq '') { & $flush; if ($out[$out.Count - 1] -ne '') { $out.Add('') }; continue }
            if ($line -match '^\s*([-*+]|\d+\.)\s+') { & $flush }
            $text.Add($line.Trim())
        }
        & $flush
    }
    foreach ($key in $doc.Sections.Keys) {
        $section = $doc.Sections[$key]
        if ($out[$out.Count - 1] -ne '') { $out.Add('') }
        $out.Add($key)
        # Get-Help shows the line after SHORT DESCRIPTION as the topic's synopsis: keep it on one line.
        & $renderBody $section.Lines $(if ($key -eq 'SHORT DESCRIPTION') { [int]::MaxValue } else { 80 })
        foreach ($sub in $section.Subsections) {
            if ($out[$out.Count - 1] -ne '') { $out.Add('') }
            $out.Add("  $($sub.Title.ToUpperInvariant())")
            & $renderBody $sub.Lines
        }
    }
    while ($out.Count -gt 0 -and $out[$out.Count - 1] -eq '') { $out.RemoveAt($out.Count - 1) }
    @{ Title = $doc.Title; Text = ($out -join "`n") + "`n"; HasShortDescription = $doc.Sections.Contains('SHORT DESCRIPTION') }
}

#endregion

#region Main

Write-Host "Building help for $ModuleManifest from $SourcePath" -ForegroundColor Cyan
$module = Import-Module $ModuleManifest -Force -PassThru -ErrorAction Stop
$moduleName = $module.Name
$commands = @($module.ExportedCmdlets.Values | Sort-Object Name)
if ($commands.Count -eq 0) { throw "The module $moduleName exports no cmdlet: was it built (module/bin)?" }
# Every cmdlet comes from the RootModule assembly, whose help file PowerShell looks for under this name.
$helpFileName = @($commands.HelpFile | Sort-Object -Unique)
if ($helpFileName.Count -ne 1) { throw "The cmdlets name more than one help file ($($helpFileName -join ', ')); this script writes one." }
$helpFileName = $helpFileName[0]

$markdownFiles = @(Get-ChildItem -LiteralPath $SourcePath -Filter '*.md' -File)
$cmdletFiles = @($markdownFiles | Where-Object Name -NotLike 'about_*')
$aboutFiles = @($markdownFiles | Where-Object Name -Like 'about_*')

foreach ($file in $cmdletFiles) {
    if ($file.BaseName -notin $commands.Name) {
        Add-Problem "$($file.FullName) documents '$($file.BaseName)', which the module does not export (a renamed or removed cmdlet?)."
    }
}

$documented = [System.Collections.Generic.List[object]]::new()
foreach ($command in $commands) {
    $file = Join-Path $SourcePath "$($command.Name).md"
    if (-not (Test-Path -LiteralPath $file)) {
        Add-Problem "$($command.Name) has no help: create $file (# $($command.Name), ## SYNOPSIS, ## DESCRIPTION, ## EXAMPLES, ## PARAMETERS, ...)."
        continue
    }
    $help = Read-CommandMarkdown $file
    $where = "$($command.Name) ($file)"
    if ($help.Name -ne $command.Name) { Add-Problem "${where}: the title is '# $($help.Name)'; it must be '# $($command.Name)'." }
    if (Test-Blank $help.Synopsis) { Add-Problem "${where}: no SYNOPSIS." }
    if (Test-Blank $help.Description) { Add-Problem "${where}: no DESCRIPTION." }
    $withCode = @($help.Examples | Where-Object { $_.Code.Trim() -ne '' })
    if ($withCode.Count -eq 0) { Add-Problem "${where}: no example: add '### Example 1: <title>' with a ``````powershell block under '## EXAMPLES'." }
    foreach ($ex in $help.Examples) {
        if ($ex.Code.Trim() -eq '') { Add-Problem "${where}: '$($ex.Title)' has no ``````powershell code block." }
    }

    # Parameters: the compiled cmdlet says which exist; the markdown must describe each one.
    $actual = @($command.Parameters.Keys | Where-Object { -not $CommonParameters.Contains($_) })
    foreach ($name in $help.Parameters.Keys) {
        if ($name -notin $actual) { Add-Problem "${where}: documents -$name, which $($command.Name) does not have." }
    }
    $instance = try { [Activator]::CreateInstance($command.ImplementingType) } catch { $null }
    $docs = [ordered]@{}
    # Documented parameters first, in the markdown's order; an undocumented one is a problem (listed last).
    foreach ($name in @($help.Parameters.Keys | Where-Object { $_ -in $actual }) + @($actual | Where-Object { -not $help.Parameters.Contains($_) })) {
        $canonical = $command.Parameters[$name].Name
        $md = if ($help.Parameters.Contains($name)) { $help.Parameters[$name] } else { $null }
        if ($null -eq $md -or (Test-Blank $md.Description)) {
            Add-Problem "${where}: parameter -$canonical has no description: add '### -$canonical' and its text under '## PARAMETERS'."
            continue
        }
        $codeDefault = Get-CodeDefault $instance $canonical
        $isSwitch = $command.Parameters[$name].SwitchParameter
        $default = if ($md.Default) { $md.Default } elseif ($null -ne $codeDefault) { $codeDefault } elseif ($isSwitch) { 'False' } else { 'None' }
        # A stated numeric default that the code contradicts is stale text: say so, without failing.
        $a = 0.0; $b = 0.0
        if ($md.Default -and $null -ne $codeDefault -and
            [double]::TryParse($md.Default, [Globalization.NumberStyles]::Float, [cultureinfo]::InvariantCulture, [ref]$a) -and
            [double]::TryParse($codeDefault, [Globalization.NumberStyles]::Float, [cultureinfo]::InvariantCulture, [ref]$b) -and $a -ne $b) {
            Write-Warning "${where}: -$canonical states 'Default value: $($md.Default)' but the cmdlet's default is $codeDefault."
        }
        $globbing = if ($md.Globbing) { $md.Globbing -match '^(true|yes)$' } else { (Get-ParameterFacts $command $command.Parameters[$name]).Globbing }
        $docs[$canonical] = @{ Description = $md.Description; Default = $default; Globbing = [bool]$globbing }
    }

    # Inputs and outputs are the markdown's; mention (without failing) compiled facts it leaves out.
    $outputNames = @($help.Outputs.Type)
    foreach ($t in $command.OutputType) {
        if ($t.Name -notin $outputNames -and ($null -eq $t.Type -or ($t.Type.FullName -notin $outputNames -and $t.Type.Name -notin $outputNames))) {
            Write-Warning "${where}: OUTPUTS does not mention $($t.Name), one of the cmdlet's [OutputType]s."
        }
    }
    $documented.Add(@{ Command = $command; Help = $help; Parameters = $docs })
}

if ($aboutFiles.Count -eq 0) { Add-Problem "No about topic: create $(Join-Path $SourcePath "about_$moduleName.md")." }
$abouts = foreach ($file in $aboutFiles) {
    $about = ConvertTo-AboutText $file.FullName
    if ($about.Title -ne $file.BaseName) { Add-Problem "$($file.FullName): the title is '# $($about.Title)'; it must be '# $($file.BaseName)'." }
    if (-not $about.HasShortDescription) { Add-Problem "$($file.FullName): no '## SHORT DESCRIPTION' (Get-Help shows it as the topic's synopsis)." }
    @{ Name = $file.BaseName; Text = $about.Text }
}

if ($script:Problems.Count -gt 0) {
    foreach ($p in $script:Problems) { Write-Host "HELP ERROR: $p" -ForegroundColor Red }
    throw "The help is incomplete: $($script:Problems.Count) problem(s), listed above. Fix the markdown in $SourcePath."
}

# Write the MAML (UTF-8, indented) and the about topics (UTF-8 with a BOM, which Windows PowerShell 5.1
# needs to read non-ASCII text in a .help.txt).
New-Item -ItemType Directory -Path $OutputPath -Force | Out-Null
$mamlPath = Join-Path $OutputPath $helpFileName
$settings = [System.Xml.XmlWriterSettings]::new()
$settings.Indent = $true
$settings.Encoding = [System.Text.UTF8Encoding]::new($false)
$settings.NewLineChars = "`n"
$writer = [System.Xml.XmlWriter]::Create($mamlPath, $settings)
try {
    $writer.WriteStartDocument()
    $writer.WriteComment(" Generated by module/help/Build-Help.ps1 from module/help/*.md and the compiled cmdlets. Do not edit. ")
    $writer.WriteStartElement('helpItems', 'http://msh')
    $writer.WriteAttributeString('schema', 'maml')
    foreach ($d in $documented) { Write-MamlCommand $writer $d.Command $d.Help $d.Parameters }
    $writer.WriteEndElement()
    $writer.WriteEndDocument()
}
finally { $writer.Dispose() }
# Read it back: a malformed file would make Get-Help fall back to bare syntax without a word.
[void][xml](Get-Content -LiteralPath $mamlPath -Raw)
Write-Host "  $mamlPath ($($documented.Count) cmdlets)"

foreach ($about in $abouts) {
    $path = Join-Path $OutputPath "$($about.Name).help.txt"
    [System.IO.File]::WriteAllText($path, $about.Text, [System.Text.UTF8Encoding]::new($true))
    Write-Host "  $path"
}

#endregion
