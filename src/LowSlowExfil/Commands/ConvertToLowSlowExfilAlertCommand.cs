using System;
using System.Collections.Generic;
using System.Management.Automation;
using LowSlowExfil.Reporting;

namespace LowSlowExfil.Commands
{
    /// <summary>
    /// Converts candidates (from Find-LowSlowExfil) to Microsoft Sentinel-style alert JSON for a SOAR hand-off:
    /// one JSON document per candidate, or one array with -AsArray. The fields are named as Sentinel's alerts name
    /// them (AlertDisplayName, Description, Severity, Tactics, Techniques, StartTimeUtc, EndTimeUtc, Entities,
    /// ExtendedProperties, ...). Candidates no clause flagged (from -IncludeAll) are skipped unless -IncludeUnflagged.
    /// </summary>
    [Cmdlet(VerbsData.ConvertTo, "LowSlowExfilAlert")]
    [OutputType(typeof(string))]
    public sealed class ConvertToLowSlowExfilAlertCommand : PSCmdlet
    {
        private readonly List<ExfilCandidate> _all = new List<ExfilCandidate>();
        private SentinelAlertOptions _options;
        private int _skipped;

        /// <summary>The candidates (ExfilCandidate objects from Find-LowSlowExfil).</summary>
        [Parameter(ValueFromPipeline = true, Position = 0)]
        [AllowNull]
        [AllowEmptyCollection]
        public ExfilCandidate[] InputObject { get; set; }

        /// <summary>Emit one JSON array holding every alert (<c>[]</c> when there are none).</summary>
        [Parameter]
        public SwitchParameter AsArray { get; set; }

        /// <summary>One-line JSON instead of indented.</summary>
        [Parameter]
        public SwitchParameter Compress { get; set; }

        /// <summary>Also convert candidates that no clause flagged (listed by Find-LowSlowExfil -IncludeAll).</summary>
        [Parameter]
        public SwitchParameter IncludeUnflagged { get; set; }

        protected override void BeginProcessing()
        {
            // One TimeGenerated for every alert of this call.
            _options = new SentinelAlertOptions { TimeGenerated = DateTime.UtcNow, Indented = !Compress };
        }

        protected override void ProcessRecord()
        {
            if (InputObject == null) return;
            foreach (var c in InputObject)
            {
                if (c == null) continue;
                if (!c.IsFlagged() && !IncludeUnflagged)
                {
                    _skipped++;
                    WriteVerbose($"{c.UserName}: not flagged by any clause; no alert (use -IncludeUnflagged to convert it anyway).");
                    continue;
                }
                if (AsArray) _all.Add(c);
                else WriteObject(SentinelAlert.ToJson(c, _options));
            }
        }

        protected override void EndProcessing()
        {
            if (AsArray) WriteObject(SentinelAlert.ToJsonArray(_all, _options));
            if (_skipped > 0) WriteVerbose($"{_skipped} unflagged candidates were skipped.");
        }
    }
}
