using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Text;
using LowSlowExfil.Reporting;

namespace LowSlowExfil.Commands
{
    /// <summary>
    /// Writes the candidates piped in (from Find-LowSlowExfil, with or without -IncludeAll) as one self-contained
    /// HTML report: the hunt's window, mode and baseline, the candidates table, a section per candidate (alert text,
    /// reasons, daily uploads over every day of the window, destinations, channels, sharing) and the population's
    /// distribution of ZIA_TotalMBSent with the Zscore cut-off. The file loads nothing from the network.
    /// Overwrites like Out-File: -NoClobber refuses an existing file, -Force also replaces a read-only one.
    /// </summary>
    [Cmdlet(VerbsData.Export, "LowSlowExfilReport", SupportsShouldProcess = true)]
    [OutputType(typeof(FileInfo))]
    public sealed class ExportLowSlowExfilReportCommand : PSCmdlet
    {
        private readonly List<ExfilCandidate> _candidates = new List<ExfilCandidate>();

        /// <summary>The candidates (ExfilCandidate objects from Find-LowSlowExfil).</summary>
        [Parameter(ValueFromPipeline = true)]
        [AllowNull]
        [AllowEmptyCollection]
        public ExfilCandidate[] InputObject { get; set; }

        /// <summary>The HTML file to write.</summary>
        [Parameter(Mandatory = true, Position = 0)]
        [ValidateNotNullOrEmpty]
        [Alias("FilePath", "LiteralPath")]
        public string Path { get; set; }

        /// <summary>The report's title.</summary>
        [Parameter]
        public string Title { get; set; }

        /// <summary>Replace the file even when it is read-only (its read-only attribute is restored afterwards).</summary>
        [Parameter]
        public SwitchParameter Force { get; set; }

        /// <summary>Do not overwrite an existing file.</summary>
        [Parameter]
        [Alias("NoOverwrite")]
        public SwitchParameter NoClobber { get; set; }

        /// <summary>Emit the written file.</summary>
        [Parameter]
        public SwitchParameter PassThru { get; set; }

        protected override void ProcessRecord()
        {
            if (InputObject == null) return;
            foreach (var c in InputObject)
                if (c != null) _candidates.Add(c);
        }

        protected override void EndProcessing()
        {
            var file = OutputFile.Resolve(this, Path, NoClobber, "an HTML file");
            string path = file.FullName;
            bool readOnly = file.Exists && (file.Attributes & FileAttributes.ReadOnly) != 0;
            if (readOnly && !Force)
            {
                ThrowTerminatingError(new ErrorRecord(new UnauthorizedAccessException($"The file '{path}' is read-only; use -Force to replace it."),
                    "FileReadOnly", ErrorCategory.PermissionDenied, path));
            }

            int flagged = _candidates.Count(c => c.IsFlagged());
            if (!ShouldProcess(path, $"Write an HTML report of {_candidates.Count} candidates ({flagged} flagged)")) return;

            string html = HtmlReport.Render(_candidates, new HtmlReportOptions { Title = Title });
            try
            {
                if (readOnly) file.Attributes &= ~FileAttributes.ReadOnly;
                try
                {
                    File.WriteAllText(path, html, new UTF8Encoding(false));
                }
                finally
                {
                    if (readOnly) { file.Refresh(); if (file.Exists) file.Attributes |= FileAttributes.ReadOnly; }
                }
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException || e is System.Security.SecurityException)
            {
                ThrowTerminatingError(new ErrorRecord(e, "ReportWriteFailed", ErrorCategory.WriteError, path));
            }
            WriteVerbose($"Wrote {path}: {_candidates.Count} candidates ({flagged} flagged), {html.Length:N0} characters.");
            if (PassThru) WriteObject(new FileInfo(path));
        }
    }
}
