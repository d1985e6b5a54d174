using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using LowSlowExfil.Rule;
using LowSlowExfil.Scoring;

namespace LowSlowExfil.Commands
{
    /// <summary>
    /// The rule end to end: profiles every user, scores them against the population and emits the candidates
    /// in the rule's order, from log files or from profiles piped in.
    /// </summary>
    [Cmdlet(VerbsCommon.Find, "LowSlowExfil", DefaultParameterSetName = PathSet)]
    [OutputType(typeof(ExfilCandidate))]
    public sealed class FindLowSlowExfilCommand : HuntCommandBase
    {
        private const string ProfileSet = "Profile";
        private readonly List<ZiaUploadProfile> _uploads = new List<ZiaUploadProfile>();
        private readonly List<O365SharingProfile> _sharing = new List<O365SharingProfile>();

        /// <summary>Upload profiles from Get-ZiaUploadProfile, scored instead of reading files.</summary>
        [Parameter(ValueFromPipeline = true, ParameterSetName = ProfileSet)]
        [AllowEmptyCollection]
        public ZiaUploadProfile[] UploadProfile { get; set; }

        /// <summary>Sharing profiles from Get-O365SharingProfile to join to the upload profiles.</summary>
        [Parameter(ValueFromPipeline = true, ParameterSetName = ProfileSet)]
        [AllowEmptyCollection]
        public O365SharingProfile[] SharingProfile { get; set; }

        /// <summary>Flag users whose Zscore is at least this (default 3.0).</summary>
        [Parameter]
        public double ZScoreThreshold { get; set; } = 3.0;

        /// <summary>Flag users with at least this many anonymous links ... (default 3) ...</summary>
        [Parameter]
        [ValidateRange(0, long.MaxValue)]
        public long AnonymousLinkThreshold { get; set; } = 3;

        /// <summary>... who also uploaded more than this many MB (default 10).</summary>
        [Parameter]
        [ValidateRange(0, double.MaxValue)]
        public double AnonymousLinkMinMB { get; set; } = 10;

        /// <summary>Flag users active on at least this many days ... (default 20) ...</summary>
        [Parameter]
        [ValidateRange(0, 3650)]
        public long PersistenceDays { get; set; } = 20;

        /// <summary>... who also uploaded more than this many MB (default 50).</summary>
        [Parameter]
        [ValidateRange(0, double.MaxValue)]
        public double PersistenceMinMB { get; set; } = 50;

        /// <summary>Emit every profiled user with its score, flagged or not.</summary>
        [Parameter]
        public SwitchParameter IncludeAll { get; set; }

        private bool _uploadsFromCommandLine, _sharingFromCommandLine;

        protected override void BeginProcessing()
        {
            // Profiles given as arguments are bound before the pipeline runs: take them once here, and in
            // ProcessRecord only what each piped object binds.
            if (UploadProfile != null) { _uploads.AddRange(UploadProfile.Where(p => p != null)); _uploadsFromCommandLine = true; }
            if (SharingProfile != null) { _sharing.AddRange(SharingProfile.Where(p => p != null)); _sharingFromCommandLine = true; }
        }

        protected override void ProcessRecord()
        {
            if (ReadsFiles || ReadsWorkspace)
            {
                base.ProcessRecord();
                return;
            }
            if (!_uploadsFromCommandLine && UploadProfile != null) _uploads.AddRange(UploadProfile.Where(p => p != null));
            if (!_sharingFromCommandLine && SharingProfile != null) _sharing.AddRange(SharingProfile.Where(p => p != null));
        }

        protected override void EndProcessing()
        {
            IEnumerable<ZiaUploadProfile> uploads;
            IEnumerable<O365SharingProfile> sharing;
            if (ReadsFiles || ReadsWorkspace)
            {
                var acc = ReadInputs(CreateOptions(), HuntSides.Both);
                uploads = acc.Uploads.BuildProfiles();
                sharing = acc.Sharing.BuildProfiles();
            }
            else
            {
                uploads = Distinct(_uploads, p => p.UserName, "upload");
                sharing = Distinct(_sharing, p => p.UserName, "sharing");
                CheckModes(_uploads.Select(p => p.Mode).Concat(_sharing.Select(p => p.Mode)));
            }

            var thresholds = new FlagThresholds
            {
                ZScore = ZScoreThreshold,
                AnonymousLinks = AnonymousLinkThreshold,
                AnonymousLinkMinMB = AnonymousLinkMinMB,
                PersistenceDays = PersistenceDays,
                PersistenceMinMB = PersistenceMinMB,
            };
            var result = CandidateScorer.Score(uploads, sharing, thresholds);
            var s = result.Summary;
            s.PartialResults = PartialResults.ToArray();
            WriteVerbose($"Scored {s.Users} users: baseline mean {s.BaselineMean:0.###} MB, sample stdev {s.BaselineStdev:0.###} MB; {s.Flagged} flagged.");
            if (s.Users > 0 && s.Users < 11)
                WriteVerbose($"With {s.Users} users no Zscore can reach 3 (the sample-stdev bound is (n-1)/sqrt(n)); only the other clauses can flag.");
            foreach (var c in IncludeAll ? result.All : result.Flagged) WriteObject(c);
        }

        private IEnumerable<T> Distinct<T>(IEnumerable<T> items, Func<T, string> user, string kind)
        {
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var item in items)
            {
                if (seen.Add(user(item))) { yield return item; continue; }
                WriteError(new ErrorRecord(
                    new ArgumentException($"A second {kind} profile for user '{user(item)}' was ignored: profile all the files of one hunt in one call so their events are aggregated together."),
                    "DuplicateProfile", ErrorCategory.InvalidArgument, item));
            }
        }

        private void CheckModes(IEnumerable<string> modes)
        {
            var distinct = modes.Where(m => m != null).Distinct().ToList();
            if (distinct.Count > 1)
                WriteWarning($"The profiles were made in different modes ({string.Join(", ", distinct)}); use -KqlCompatible on all or none.");
        }
    }
}
