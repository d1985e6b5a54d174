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

        /// <summary>The most candidates given a detail section (default 200: the flagged first, then by Zscore); all stay in the table.</summary>
        [Parameter]
        [ValidateRange(0, int.MaxValue)]
        public int DetailLimit { get; set; } = HtmlReport.DefaultDetailLimit;

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

            var options = new HtmlReportOptions { Title = Title, DetailLimit = DetailLimit };
            long bytes = 0;
            try
            {
                if (readOnly) file.Attributes &= ~FileAttributes.ReadOnly;
                try
                {
                    // Streamed to the file: a page of 20,000 candidates is never held in memory as one string.
                    using (var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 64 * 1024))
                    {
                        using (var writer = new StreamWriter(stream, new UTF8Encoding(false), 64 * 1024))
                            HtmlReport.Write(writer, _candidates, options);
                        bytes = new FileInfo(path).Length;
                    }
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
            int detailed = Math.Min(DetailLimit, _candidates.Count);
            WriteVerbose($"Wrote {path}: {_candidates.Count} candidates ({flagged} flagged), {detailed} with a detail section, {bytes:N0} bytes.");
            if (detailed < _candidates.Count)
                WriteVerbose($"{_candidates.Count - detailed} candidates are in the table only (-DetailLimit {DetailLimit}).");
            if (PassThru) WriteObject(new FileInfo(path));
        }
    }
}
