using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using LowSlowExfil.Rule;
using LowSlowExfil.Scoring;
using LowSlowExfil.State;

namespace LowSlowExfil.Commands
{
    /// <summary>
    /// The rule end to end: profiles every user, scores them against the population and emits the candidates
    /// in the rule's order, from log files or from profiles piped in.
    /// </summary>
    [Cmdlet(VerbsCommon.Find, "LowSlowExfil", DefaultParameterSetName = PathSet)]
    [OutputType(typeof(ExfilCandidate))]
    public sealed class FindLowSlowExfilCommand : HuntCommandBase, IDisposable
    {
        private const string ProfileSet = "Profile";
        private readonly List<ZiaUploadProfile> _uploads = new List<ZiaUploadProfile>();
        private readonly List<O365SharingProfile> _sharing = new List<O365SharingProfile>();

        /// <summary>Upload profiles from Get-ZiaUploadProfile, scored instead of reading files.</summary>
        // Piped profiles arrive through -InputObject (HuntCommandBase), the one by-value pipeline parameter: with a
        // second one PowerShell could not tell a piped profile from a log record. In that set too, so that
        // `$uploads | Find-LowSlowExfil -SharingProfile $sharing` (and the other way round) binds.
        [Parameter(ParameterSetName = ProfileSet)]
        [Parameter(ParameterSetName = InputObjectSet)]
        [AllowEmptyCollection]
        public ZiaUploadProfile[] UploadProfile { get; set; }

        /// <summary>Sharing profiles from Get-O365SharingProfile to join to the upload profiles.</summary>
        [Parameter(ParameterSetName = ProfileSet)]
        [Parameter(ParameterSetName = InputObjectSet)]
        [AllowEmptyCollection]
        public O365SharingProfile[] SharingProfile { get; set; }

        /// <summary>Flag users whose Zscore is at least this (default 3.0).</summary>
        [Parameter]
        [ValidateFinite]
        public double ZScoreThreshold { get; set; } = FlagThresholds.DefaultZScore;

        /// <summary>Flag users with at least this many anonymous links ... (default 3) ...</summary>
        [Parameter]
        [ValidateRange(0, long.MaxValue)]
        public long AnonymousLinkThreshold { get; set; } = FlagThresholds.DefaultAnonymousLinks;

        /// <summary>... who also uploaded more than this many MB (default 10).</summary>
        [Parameter]
        [ValidateRange(0, double.MaxValue)]
        public double AnonymousLinkMinMB { get; set; } = FlagThresholds.DefaultAnonymousLinkMinMB;

        /// <summary>Flag users active on at least this many days ... (default 20) ...</summary>
        [Parameter]
        [ValidateRange(0, 3650)]
        public long PersistenceDays { get; set; } = FlagThresholds.DefaultPersistenceDays;

        /// <summary>... who also uploaded more than this many MB (default 50).</summary>
        [Parameter]
        [ValidateRange(0, double.MaxValue)]
        public double PersistenceMinMB { get; set; } = FlagThresholds.DefaultPersistenceMinMB;

        /// <summary>Emit every profiled user with its score, flagged or not.</summary>
        [Parameter]
        public SwitchParameter IncludeAll { get; set; }

        /// <summary>
        /// Score each user against their peer group instead of everyone: a hashtable (user = group) or the path of
        /// a CSV file with a user column (UserName, UserPrincipalName, Mail, ...) and a group column (Department, Group, ...).
        /// </summary>
        [Parameter]
        [ValidateNotNull]
        public object PeerGroup { get; set; }

        /// <summary>Peer groups with fewer scored users than this use the whole population (default 11).</summary>
        [Parameter]
        [ValidateRange(2, int.MaxValue)]
        public int MinimumPeerGroupSize { get; set; } = 11;

        /// <summary>MeanStdev (the rule's, default) or Robust (median and MAD: one huge uploader cannot hide the rest).</summary>
        [Parameter]
        public BaselineMethod Baseline { get; set; } = BaselineMethod.MeanStdev;

        /// <summary>Rule (default: uploads over 5 MB + any Microsoft 365 sharing) or Categories (channel categories uploaded to + sharing).</summary>
        [Parameter]
        public ChannelCounting DistinctChannels { get; set; } = ChannelCounting.Rule;

        /// <summary>
        /// A state file remembering which user-days were alerted, so a scheduled run does not raise the same uploads
        /// again: a flagged user is emitted only when they uploaded on a day no earlier alert covered.
        /// </summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string StatePath { get; set; }

        /// <summary>
        /// Also write the hunt as an HTML report (Export-LowSlowExfilReport's page) to this file: the candidates emitted,
        /// the nearest misses and the provenance, also when the hunt flags nobody. An existing file is replaced.
        /// </summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string ReportPath { get; set; }

        /// <summary>How long to wait, in seconds, while another hunt uses the same -StatePath (default 60).</summary>
        [Parameter]
        [ValidateRange(0, 86400)]
        public int StateLockTimeout { get; set; } = 60;

        private bool _uploadsFromCommandLine, _sharingFromCommandLine;
        private AlertStateLock _stateLock;
        private AlertState _state;

        protected override void BeginProcessing()
        {
            // Profiles given as arguments are bound before the pipeline runs: take them once here, and in
            // ProcessRecord only what each piped object binds.
            if (UploadProfile != null) { _uploads.AddRange(UploadProfile.Where(p => p != null)); _uploadsFromCommandLine = _profilesPiped = true; }
            if (SharingProfile != null) { _sharing.AddRange(SharingProfile.Where(p => p != null)); _sharingFromCommandLine = _profilesPiped = true; }
            // Before anything is read: a state that cannot be saved, or that another hunt is using, must stop the
            // hunt now rather than after it, when its result would be lost.
            if (StatePath != null) OpenState();
            // The same: a report path that cannot be written is said before the hunt, not after.
            if (ReportPath != null) _report = OutputFile.Resolve(this, ReportPath, noClobber: false, "an HTML file");
        }

        private System.IO.FileInfo _report;

        protected override void ProcessRecord()
        {
            if (ReadsFiles || ReadsWorkspace || ParameterSetName == InputObjectSet)
            {
                base.ProcessRecord();
                return;
            }
            if (!_uploadsFromCommandLine && UploadProfile != null) _uploads.AddRange(UploadProfile.Where(p => p != null));
            if (!_sharingFromCommandLine && SharingProfile != null) _sharing.AddRange(SharingProfile.Where(p => p != null));
        }

        /// <summary>Profiles piped in are scored as given; every other object is a log record (or a file) for the base.</summary>
        protected override bool TakePipedObject(object value)
        {
            if (value is ZiaUploadProfile upload) _uploads.Add(upload);
            else if (value is O365SharingProfile sharing) _sharing.Add(sharing);
            else return false;
            _profilesPiped = true;
            return true;
        }

        private bool _profilesPiped;

        protected override void EndProcessing()
        {
            IReadOnlyList<ZiaUploadProfile> uploads;
            IReadOnlyList<O365SharingProfile> sharing;
            if (ReadsLogs)
            {
                if (_profilesPiped)
                    WriteWarning("Profiles were given together with log records or files: the logs were hunted and the profiles ignored. Give one or the other.");
                var acc = ReadInputs(CreateOptions(), HuntSides.Both);
                uploads = acc.Uploads.BuildProfiles();
                sharing = acc.Sharing.BuildProfiles();
            }
            else
            {
                uploads = Distinct(_uploads, p => p.UserName, "upload").ToList();
                sharing = Distinct(_sharing, p => p.UserName, "sharing").ToList();
                CheckModes(_uploads.Select(p => p.Mode).Concat(_sharing.Select(p => p.Mode)));
            }
            // Both sides: a look-alike name in the Microsoft 365 logs also misses the join to the uploads.
            WarnAboutLookAlikeUsers(uploads.Select(p => p.UserName).Concat(sharing.Select(p => p.UserName)));

            var thresholds = new FlagThresholds
            {
                ZScore = ZScoreThreshold,
                AnonymousLinks = AnonymousLinkThreshold,
                AnonymousLinkMinMB = AnonymousLinkMinMB,
                PersistenceDays = PersistenceDays,
                PersistenceMinMB = PersistenceMinMB,
            };
            var scoring = new ScoringOptions
            {
                Thresholds = thresholds,
                Baseline = Baseline,
                PeerGroups = LoadPeerGroups(),
                MinimumPeerGroupSize = MinimumPeerGroupSize,
                DistinctChannels = DistinctChannels,
            };
            var result = CandidateScorer.Score(uploads, sharing, scoring);
            UserNameCompleter.Remember(result.All.Select(c => c.UserName));
            var s = result.Summary;
            s.PartialResults = PartialResults.ToArray();
            // All is in the rule's order already (Zscore, then MB, descending): the first unflagged are the nearest.
            s.NearMisses = result.All.Where(c => !c.IsFlagged()).Take(HuntProvenance.NearMissCount).ToArray();
            s.Provenance = new HuntProvenance
            {
                ModuleVersion = MyInvocation.MyCommand.Module?.Version?.ToString() ?? typeof(FindLowSlowExfilCommand).Assembly.GetName().Version.ToString(),
                Command = DescribeInvocation(),
                Source = ReadsLogs ? SourceDescription : "profiles piped in",
                Inputs = InputSummaries.Select(f => new HuntInput
                {
                    File = f.File, Format = f.Format.ToString(), Records = f.Records, Skipped = f.Skipped, Failed = f.Failed, Notice = f.Notice,
                }).ToArray(),
            };
            WriteVerbose($"Scored {s.Users} users: baseline mean {s.BaselineMean:0.###} MB, sample stdev {s.BaselineStdev:0.###} MB; {s.Flagged} flagged.");
            if (s.Users > 0 && s.Users < 11 && scoring.PeerGroups == null && Baseline == BaselineMethod.MeanStdev)
                WriteVerbose($"With {s.Users} users no Zscore can reach 3 (the sample-stdev bound is (n-1)/sqrt(n)); only the other clauses can flag.");

            var state = _state;
            var emittedCandidates = new List<ExfilCandidate>();
            bool annotate = scoring.PeerGroups != null || Baseline != BaselineMethod.MeanStdev;
            bool emitted = false;
            try
            {
                foreach (var c in IncludeAll ? result.All : result.Flagged)
                {
                    if (state != null && c.IsFlagged())
                    {
                        var days = c.GetUploadProfile()?.DailyUploads.Select(d => d.Day) ?? Enumerable.Empty<DateTime>();
                        var fresh = state.NewDays(c.UserName, days);
                        if (fresh.Count == 0)
                        {
                            WriteVerbose($"{c.UserName}: flagged ({c.Reasons}) but every upload day was already alerted; not raised again (-StatePath).");
                            continue;
                        }
                        state.Record(c.UserName, days);
                    }
                    WriteObject(annotate ? Annotate(c) : (object)c);
                    emittedCandidates.Add(c);
                }
                emitted = true;
                if (_report != null) WriteReport(emittedCandidates, s);
            }
            finally
            {
                // Also when a downstream command stopped the pipeline early: what was emitted is recorded.
                if (state != null) SaveState(state, s.WindowStart, report: emitted);
                ReleaseState();
            }
        }

        private void WriteReport(List<ExfilCandidate> candidates, HuntSummary summary)
        {
            try
            {
                using (var writer = new System.IO.StreamWriter(_report.FullName, false, new System.Text.UTF8Encoding(false), 64 * 1024))
                    Reporting.HtmlReport.Write(writer, candidates, new Reporting.HtmlReportOptions { Summary = summary });
                WriteVerbose($"Report written to {_report.FullName} ({candidates.Count} candidates).");
            }
            catch (Exception e) when (e is System.IO.IOException || e is UnauthorizedAccessException)
            {
                // The candidates are already in the pipeline: a report that cannot be written does not take them back.
                WriteError(new ErrorRecord(e, "ReportWriteFailed", ErrorCategory.WriteError, _report.FullName));
            }
        }

        /// <summary>Releases the state's lock when the pipeline ends in any way (stopped, or a terminating error elsewhere).</summary>
        public void Dispose() => ReleaseState();

        private void ReleaseState()
        {
            _stateLock?.Dispose();
            _stateLock = null;
        }

        /// <summary>With a peer group or robust baseline, say what each user was compared with (as extra properties, so default output is unchanged).</summary>
        private static PSObject Annotate(ExfilCandidate c)
        {
            var o = PSObject.AsPSObject(c);
            var ctx = c.GetScoreContext();
            // Instance properties come before the type's in Export-Csv: repeat the candidate's columns first (same
            // names and values, shadowing them) so the rule's columns still lead and the annotations follow.
            foreach (var p in typeof(ExfilCandidate).GetProperties())
                o.Properties.Add(new PSNoteProperty(p.Name, p.GetValue(c, null)));
            o.Properties.Add(new PSNoteProperty("PeerGroup", ctx.PeerGroup ?? "(all users)"));
            o.Properties.Add(new PSNoteProperty("BaselineMethod", ctx.Method.ToString()));
            o.Properties.Add(new PSNoteProperty("BaselineUsers", ctx.BaselineUsers));
            o.Properties.Add(new PSNoteProperty("BaselineCenter", Math.Round(ctx.BaselineCenter, 2)));
            o.Properties.Add(new PSNoteProperty("BaselineSpread", Math.Round(ctx.BaselineSpread, 2)));
            return o;
        }

        private IReadOnlyDictionary<string, string> LoadPeerGroups()
        {
            if (PeerGroup == null) return null;
            object value = PeerGroup is PSObject pso ? pso.BaseObject : PeerGroup;
            try
            {
                switch (value)
                {
                    case System.Collections.IDictionary map: return PeerGroupMap.FromDictionary(map);
                    case string path: return PeerGroupMap.FromCsv(SessionState.Path.GetUnresolvedProviderPathFromPSPath(path));
                    case System.IO.FileInfo file: return PeerGroupMap.FromCsv(file.FullName);
                }
            }
            catch (Exception e) when (e is System.IO.IOException || e is UnauthorizedAccessException || e is System.IO.InvalidDataException)
            {
                ThrowTerminatingError(new ErrorRecord(e, "PeerGroupUnreadable", ErrorCategory.ReadError, PeerGroup));
            }
            ThrowTerminatingError(new ErrorRecord(new ArgumentException("-PeerGroup takes a hashtable (user = group) or the path of a CSV file."),
                "InvalidPeerGroup", ErrorCategory.InvalidArgument, PeerGroup));
            return null;
        }

        /// <summary>Checks that the state can be saved, takes its lock and loads it; any failure ends the command before the hunt.</summary>
        private void OpenState()
        {
            string path = SessionState.Path.GetUnresolvedProviderPathFromPSPath(StatePath, out ProviderInfo provider, out _);
            if (provider == null || !string.Equals(provider.Name, "FileSystem", StringComparison.OrdinalIgnoreCase))
                ThrowTerminatingError(new ErrorRecord(new ArgumentException($"-StatePath '{StatePath}' is not a file system path."),
                    "StatePathNotFileSystem", ErrorCategory.InvalidArgument, StatePath));
            try
            {
                AlertState.CheckSavable(path);
            }
            catch (StatePathException e)
            {
                string advice = e.Problem == StatePathProblem.IsFolder
                    ? $"Give the path of a JSON file, e.g. '{System.IO.Path.Combine(e.Path, "lowslow-state.json")}'."
                    : "Choose a -StatePath the hunt can write to, or fix the permissions.";
                ThrowTerminatingError(new ErrorRecord(
                    new System.IO.IOException($"The alert state cannot be saved at -StatePath '{e.Path}': {e.Message} {advice} Nothing was hunted.", e),
                    e.Problem == StatePathProblem.IsFolder ? "StatePathIsFolder" : e.Problem == StatePathProblem.FileReadOnly ? "StateFileReadOnly" : "StateFolderNotWritable",
                    e.Problem == StatePathProblem.IsFolder ? ErrorCategory.InvalidArgument : ErrorCategory.PermissionDenied, e.Path));
            }

            try
            {
                _stateLock = AlertStateLock.Acquire(path, TimeSpan.FromSeconds(StateLockTimeout), StopToken,
                    lockPath => WriteWarning($"Another hunt is using the alert state {path} (its lock file {lockPath} is held); waiting up to {StateLockTimeout} seconds for it to finish."));
            }
            catch (OperationCanceledException)
            {
                throw new PipelineStoppedException();
            }
            catch (AlertStateBusyException e)
            {
                ThrowTerminatingError(new ErrorRecord(
                    new System.IO.IOException($"{e.Message} Only one hunt at a time can use a state file: wait for the other hunt to finish, give it longer with -StateLockTimeout, or use another -StatePath. Nothing was hunted.", e),
                    "StateBusy", ErrorCategory.ResourceBusy, e.LockPath));
            }
            catch (Exception e) when (e is System.IO.IOException || e is UnauthorizedAccessException)
            {
                ThrowTerminatingError(new ErrorRecord(
                    new System.IO.IOException($"The lock file of the alert state {path} could not be opened: {e.Message} Nothing was hunted.", e),
                    "StateLockFailed", ErrorCategory.PermissionDenied, AlertStateLock.LockPathFor(path)));
            }

            try
            {
                _state = AlertState.Load(path);
                if (_state.QuarantinedTo != null)
                    WriteWarning($"The alert state {path} could not be read ({_state.LoadError}); it was moved to {_state.QuarantinedTo} and this run starts afresh, so earlier alerts may be raised again.");
            }
            catch (Exception e) when (e is System.IO.IOException || e is UnauthorizedAccessException)
            {
                ReleaseState();
                ThrowTerminatingError(new ErrorRecord(e, "StateUnreadable", ErrorCategory.ReadError, path));
            }
        }

        /// <summary>
        /// Saves the state after the candidates were emitted. A failure is reported as a non-terminating error, so the
        /// candidates already in the pipeline (and in '$c = Find-LowSlowExfil ...') are kept.
        /// </summary>
        private void SaveState(AlertState state, DateTime windowStart, bool report)
        {
            try
            {
                state.Prune(windowStart);
                state.Save();
                if (report) WriteVerbose($"Alert state saved to {state.Path} ({state.Users} users).");
            }
            catch (Exception e) when (e is System.IO.IOException || e is UnauthorizedAccessException || e is System.Security.SecurityException)
            {
                // When the pipeline was stopped nothing more can be written to it; the stop itself is what the user sees.
                if (!report) return;
                WriteError(new ErrorRecord(
                    new System.IO.IOException($"The alert state could not be saved to {state.Path}: {e.Message} The candidates of this run were returned, but the next run will not know they were alerted and may raise them again.", e),
                    "StateSaveFailed", ErrorCategory.WriteError, state.Path));
            }
        }

        private IEnumerable<T> Distinct<T>(IEnumerable<T> items, Func<T, string> user, string kind)
        {
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var item in items)
            {
                // A profile built by hand can leave its user unset: the others are still hunted, and the analyst told.
                if (string.IsNullOrEmpty(user(item)))
                {
                    WriteError(new ErrorRecord(
                        new ArgumentException($"A {kind} profile without a UserName was ignored: every profile must name the user it is of (set UserName on a profile built by hand)."),
                        "ProfileWithoutUserName", ErrorCategory.InvalidData, item));
                    continue;
                }
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
