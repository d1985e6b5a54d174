using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Threading;
using LowSlowExfil.Aggregation;
using LowSlowExfil.Readers;
using LowSlowExfil.Rule;

namespace LowSlowExfil.Commands
{
    /// <summary>
    /// What the three hunting cmdlets share beyond the window, destinations and mode (HuntWindowCommandBase): input
    /// files or a workspace, read with errors, progress and cancellation surfaced the PowerShell way. The hunting
    /// itself is in the core.
    /// </summary>
    public abstract partial class HuntCommandBase : HuntWindowCommandBase, IAzureCredentialParameters
    {
        protected const string PathSet = "Path";
        protected const string LiteralPathSet = "LiteralPath";
        protected const string WorkspaceSet = "Workspace";
        protected const string ClusterSet = "Cluster";
        /// <summary>Drill-down: objects piped in from Find-LowSlowExfil, nothing read.</summary>
        protected const string CandidateSet = "Candidate";

        private InputPathResolver _inputs;
        private readonly CancellationTokenSource _stop = new CancellationTokenSource();
        // One for the files and the objects piped in: a record replayed in both is counted once.
        private readonly ReplayFilter _replays = new ReplayFilter();

        /// <summary>Files or folders to read; wildcards allowed. ZIA and Microsoft 365 files may be mixed.</summary>
        [Parameter(Mandatory = true, Position = 0, ParameterSetName = PathSet)]
        [ValidateNotNullOrEmpty]
        public string[] Path { get; set; }

        /// <summary>Files or folders to read, taken literally (no wildcards).</summary>
        [Parameter(Mandatory = true, ParameterSetName = LiteralPathSet, ValueFromPipelineByPropertyName = true)]
        [Alias("PSPath", "LP")]
        [ValidateNotNullOrEmpty]
        public virtual string[] LiteralPath { get; set; }

        /// <summary>Read the files of subfolders too (folder links only with -FollowSymlink).</summary>
        [Parameter(ParameterSetName = PathSet)]
        [Parameter(ParameterSetName = LiteralPathSet)]
        [Parameter(ParameterSetName = InputObjectSet)]
        public SwitchParameter Recurse { get; set; }

        /// <summary>With -Recurse, also walk into the folders that links lead to (each folder once, loops skipped).</summary>
        [Parameter(ParameterSetName = PathSet)]
        [Parameter(ParameterSetName = LiteralPathSet)]
        [Parameter(ParameterSetName = InputObjectSet)]
        public SwitchParameter FollowSymlink { get; set; }

        /// <summary>Time zone of raw Zscaler NSS feeds whose times carry none: a Windows or IANA id, or an offset such as +02:00; default UTC.</summary>
        [Parameter(ParameterSetName = PathSet)]
        [Parameter(ParameterSetName = LiteralPathSet)]
        [Parameter(ParameterSetName = InputObjectSet)]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(TimeZoneCompleter))]
        public string FeedTimeZone { get; set; }

        /// <summary>The most threads that read files at once (default: one per core); 1 reads everything on one thread.</summary>
        [Parameter(ParameterSetName = PathSet)]
        [Parameter(ParameterSetName = LiteralPathSet)]
        [Parameter(ParameterSetName = InputObjectSet)]
        [ValidateRange(1, 1024)]
        public int ThrottleLimit { get; set; } = System.Environment.ProcessorCount;

        /// <summary>Query this Log Analytics (Sentinel) workspace instead of reading files.</summary>
        [Parameter(Mandatory = true, ParameterSetName = WorkspaceSet)]
        [ValidateNotNullOrEmpty]
        public string WorkspaceId { get; set; }

        /// <summary>
        /// Where the workspace holds Zscaler web traffic: CommonSecurityLog (default, as the rule reads it) or Asim, Sentinel's
        /// normalised web sessions through the ASIM parser _Im_WebSession. Microsoft 365 is read from OfficeActivity either way.
        /// </summary>
        [Parameter(ParameterSetName = WorkspaceSet)]
        public Kql.ProxySchema Schema { get; set; }

        /// <summary>Query this Azure Data Explorer cluster instead of reading files (with -Database).</summary>
        [Parameter(Mandatory = true, ParameterSetName = ClusterSet)]
        [ValidateNotNull]
        public Uri ClusterUri { get; set; }

        /// <summary>The Azure Data Explorer database holding CommonSecurityLog and OfficeActivity.</summary>
        [Parameter(Mandatory = true, ParameterSetName = ClusterSet)]
        [ValidateNotNullOrEmpty]
        public string Database { get; set; }

        /// <summary>Overrides the service URL (private link, sovereign clouds). Plain http only for loopback.</summary>
        [Parameter(ParameterSetName = WorkspaceSet)]
        [Parameter(ParameterSetName = ClusterSet)]
        [ValidateNotNull]
        public Uri Endpoint { get; set; }

        /// <summary>The Azure cloud: AzureCloud (default), AzureUSGovernment or AzureChinaCloud.</summary>
        [Parameter(ParameterSetName = WorkspaceSet)]
        [Parameter(ParameterSetName = ClusterSet)]
        [ValidateSet("AzureCloud", "AzureUSGovernment", "AzureChinaCloud")]
        public string Environment { get; set; } = "AzureCloud";

        /// <summary>Authenticate as the managed identity (system-assigned, or user-assigned with -ClientId).</summary>
        [Parameter(ParameterSetName = WorkspaceSet)]
        [Parameter(ParameterSetName = ClusterSet)]
        public SwitchParameter UseManagedIdentity { get; set; }

        /// <summary>Client id of a user-assigned managed identity, or the application id of a service principal.</summary>
        [Parameter(ParameterSetName = WorkspaceSet)]
        [Parameter(ParameterSetName = ClusterSet)]
        [ValidateNotNullOrEmpty]
        public string ClientId { get; set; }

        /// <summary>Tenant of the service principal (with -CertificatePath or -CertificateThumbprint).</summary>
        [Parameter(ParameterSetName = WorkspaceSet)]
        [Parameter(ParameterSetName = ClusterSet)]
        [ValidateNotNullOrEmpty]
        public string TenantId { get; set; }

        /// <summary>Certificate file (PFX or PEM) of the service principal.</summary>
        [Parameter(ParameterSetName = WorkspaceSet)]
        [Parameter(ParameterSetName = ClusterSet)]
        [ValidateNotNullOrEmpty]
        public string CertificatePath { get; set; }

        /// <summary>Password of the certificate file.</summary>
        [Parameter(ParameterSetName = WorkspaceSet)]
        [Parameter(ParameterSetName = ClusterSet)]
        public System.Security.SecureString CertificatePassword { get; set; }

        /// <summary>Thumbprint of the service principal's certificate in the certificate store.</summary>
        [Parameter(ParameterSetName = WorkspaceSet)]
        [Parameter(ParameterSetName = ClusterSet)]
        [ValidateNotNullOrEmpty]
        public string CertificateThumbprint { get; set; }

        /// <summary>A bearer token you already hold (e.g. (Get-AzAccessToken -ResourceUrl https://api.loganalytics.io -AsSecureString).Token).</summary>
        [Parameter(ParameterSetName = WorkspaceSet)]
        [Parameter(ParameterSetName = ClusterSet)]
        public System.Security.SecureString AccessToken { get; set; }

        /// <summary>Accept a result the service marks as partial (with a warning) instead of failing.</summary>
        [Parameter(ParameterSetName = WorkspaceSet)]
        [Parameter(ParameterSetName = ClusterSet)]
        public SwitchParameter AllowPartialResults { get; set; }

        /// <summary>How long the service may run each query, in seconds (default 600, the maximum).</summary>
        [Parameter(ParameterSetName = WorkspaceSet)]
        [Parameter(ParameterSetName = ClusterSet)]
        [ValidateRange(1, 600)]
        public int ServerTimeoutSeconds { get; set; } = 600;

        protected bool ReadsFiles => ParameterSetName == PathSet || ParameterSetName == LiteralPathSet || (ParameterSetName == InputObjectSet && _inputs != null);

        protected bool ReadsWorkspace => ParameterSetName == WorkspaceSet || ParameterSetName == ClusterSet;

        /// <summary>How each input file was read, in file order (empty for a workspace hunt).</summary>
        protected IReadOnlyList<FileReadSummary> InputSummaries { get; private set; } = new FileReadSummary[0];

        /// <summary>What the hunt read: "files", or the workspace or cluster it queried.</summary>
        protected string SourceDescription => ReadsWorkspace ? (WorkspaceId != null ? "Log Analytics workspace " + WorkspaceId : ClusterUri + " database " + Database)
            : ReadsRecords ? (_inputs != null ? "files and objects piped in" : "objects piped in") : "files";

        /// <summary>The command as called, parameter by parameter, for a report's provenance: secure strings are never written.</summary>
        protected string DescribeInvocation()
        {
            var parts = new List<string> { MyInvocation.MyCommand.Name };
            foreach (var kv in MyInvocation.BoundParameters)
            {
                object v = kv.Value is PSObject pso ? pso.BaseObject : kv.Value;
                string text;
                if (v is SwitchParameter sw) { if (sw.IsPresent) parts.Add("-" + kv.Key); continue; }
                else if (v is System.Security.SecureString) text = "(secure string)";
                else if (v is string s) text = "'" + s.Replace("'", "''") + "'";
                else if (v is DateTime t) text = HuntWindow.ToUtc(t).ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture);
                else if (v is System.Collections.IEnumerable e && !(v is string))
                    text = string.Join(", ", e.Cast<object>().Take(20).Select(x => x is string xs ? "'" + xs.Replace("'", "''") + "'" : x is ExfilCandidate || x is ZiaUploadProfile || x is O365SharingProfile ? "(piped object)" : Convert.ToString(x, System.Globalization.CultureInfo.InvariantCulture)));
                else if (v is ZiaUploadProfile || v is O365SharingProfile || v is ExfilCandidate) text = "(piped object)";
                else text = Convert.ToString(v, System.Globalization.CultureInfo.InvariantCulture);
                parts.Add("-" + kv.Key + " " + text);
            }
            return string.Join(" ", parts);
        }

        /// <summary>Set when the service returned a partial result the user allowed.</summary>
        protected IReadOnlyList<string> PartialResults { get; private set; } = new string[0];

        // Made once: records piped in are counted with the options of the first, and the read at the end uses the same.
        protected HuntOptions CreateOptions() => _options ?? (_options = CreateOptions("InvalidHuntOptions", null));

        protected override void ProcessRecord()
        {
            if (ParameterSetName == InputObjectSet)
            {
                TakeInputObject();
                return;
            }
            if (!ReadsFiles) return;
            if (ParameterSetName == PathSet) foreach (string p in Path) AddInputPath(p, literal: false);
            else foreach (string p in LiteralPath) AddInputPath(p, literal: true);
        }

        /// <summary>A path given by -Path, -LiteralPath or the pipeline, resolved into the files to read (Ctrl+C stops the walk).</summary>
        private void AddInputPath(string path, bool literal)
        {
            if (_inputs == null) _inputs = new InputPathResolver(SessionState.Path, Recurse, FollowSymlink, _stop.Token, WriteError, WriteWarning, WriteVerbose);
            try
            {
                _inputs.Add(path, literal);
            }
            catch (OperationCanceledException)
            {
                throw new PipelineStoppedException();
            }
        }

        protected override void StopProcessing() => _stop.Cancel();

        /// <summary>Cancelled when the user stops the command (Ctrl+C).</summary>
        protected CancellationToken StopToken => _stop.Token;

        private readonly List<string> _userPatterns = new List<string>();

        /// <summary>Collects -UserName patterns, given on the command line or bound from piped objects.</summary>
        protected void AddUserPatterns(string[] patterns)
        {
            if (patterns != null) _userPatterns.AddRange(patterns);
        }

        /// <summary>The profiles of the users asked for (all when no -UserName), remembered for tab completion.</summary>
        protected List<T> ForRequestedUsers<T>(IReadOnlyList<T> profiles, Func<T, string> userName)
        {
            WarnAboutLookAlikeUsers(profiles.Select(userName));
            var users = new UserNameFilter(_userPatterns.ToArray());
            var selected = profiles.Where(p => users.IsMatch(userName(p))).ToList();
            UserNameCompleter.Remember(selected.Select(userName));
            return selected;
        }

        /// <summary>Most groups of look-alike user names warned about one by one; the rest are counted in one more warning.</summary>
        private const int LookAlikeWarnings = 10;

        /// <summary>
        /// Warns about user names that read as one person but are counted as several (a zero-width character, a trailing
        /// space, a Cyrillic letter): the rule groups by the exact lower-cased name and so does the module; the analyst is told.
        /// </summary>
        protected void WarnAboutLookAlikeUsers(IEnumerable<string> userNames)
        {
            var groups = UserNameVariants.Find(userNames);
            foreach (var g in groups.Take(LookAlikeWarnings))
            {
                WriteWarning($"{g.Variants.Count} user names look alike but differ as written, so they are counted as {g.Variants.Count} different users, as the rule counts them: "
                    + string.Join(", ", g.Variants.Select(v => "'" + UserNameVariants.Visible(v) + "'"))
                    + $" (they differ by {JoinWords(g.Differences)}; hidden and non-Latin characters are shown as {{U+code}}). "
                    + "If they are one person, add up their figures: each alone may stay under the thresholds.");
            }
            if (groups.Count > LookAlikeWarnings)
                WriteWarning($"{groups.Count - LookAlikeWarnings} more groups of look-alike user names were found; each group is counted as separate users.");
        }

        /// <summary>"a", "a and b", "a, b and c".</summary>
        private static string JoinWords(IReadOnlyList<string> words) =>
            words.Count <= 1 ? string.Join("", words) : string.Join(", ", words.Take(words.Count - 1)) + " and " + words[words.Count - 1];

        private CmdletHostContext _hostContext;

        /// <summary>Errors, warnings, verbose lines and progress from any thread (made on the pipeline thread at first use).</summary>
        private protected CmdletHostContext HostContext => _hostContext ?? (_hostContext = new CmdletHostContext(this));

        /// <summary>Which halves of the hunt a cmdlet needs (a workspace is only asked for those).</summary>
        [Flags]
        protected enum HuntSides { Uploads = 1, Sharing = 2, Both = 3 }

        /// <summary>Reads the files, or queries the workspace, into one accumulator (holding already the records piped in).</summary>
        protected EventAccumulator ReadInputs(HuntOptions options, HuntSides sides)
        {
            var acc = _pipedEvents ?? new EventAccumulator(options);
            if (ReadsWorkspace) ReadWorkspace(acc, sides);
            else ReadFiles(acc);
            return acc;
        }

        private void ReadWorkspace(EventAccumulator acc, HuntSides sides)
        {
            var options = acc.Options;
            WriteVerbose($"Hunt window {options.Window} ({options.Window.Days} days), mode {options.ModeName}, {options.Destinations.Domains.Count} destination domains; querying {(WorkspaceId != null ? "workspace " + WorkspaceId : ClusterUri + " database " + Database)}" +
                (Schema == Kql.ProxySchema.Asim && (sides & HuntSides.Uploads) != 0 ? ", uploads from the ASIM web-session parser _Im_WebSession." : "."));
            var host = HostContext;
            var connection = new Workspace.QueryConnection
            {
                WorkspaceId = WorkspaceId,
                ClusterUri = ClusterUri,
                Database = Database,
                Endpoint = Endpoint,
                Environment = Environment,
                AllowPartialResults = AllowPartialResults,
                ServerTimeout = TimeSpan.FromSeconds(ServerTimeoutSeconds),
                Authentication = AzureCredential.Choose(this, this),
                // The engine logs retries and round trips from its own threads.
                Log = host.Verbose,
            };
            var progress = new ProgressRecord(2, "Querying " + (WorkspaceId != null ? "Log Analytics" : "Azure Data Explorer"), "Connecting");
            Workspace.IQueryClient created = null;
            try
            {
                created = EngineLoader.CreateClient(connection);
            }
            catch (ArgumentException e)
            {
                // The connection's parameters were refused (plain http to a remote host, an URL with a password, ...).
                ThrowTerminatingError(new ErrorRecord(ReadErrors.ForUser(e), "InvalidConnection", ErrorCategory.InvalidArgument, (object)Endpoint ?? WorkspaceId ?? (object)ClusterUri));
            }
            try
            {
                using (var client = created)
                {
                    var reader = new Workspace.WorkspaceReader(client, host.Verbose) { Schema = Schema };
                    // Each query runs on a worker while this thread writes its log lines as they come.
                    if ((sides & HuntSides.Uploads) != 0)
                    {
                        progress.StatusDescription = "ZIA uploads per user, day and destination";
                        host.Progress(progress);
                        host.Run(() => reader.ReadUploads(acc, _stop.Token));
                    }
                    if ((sides & HuntSides.Sharing) != 0)
                    {
                        progress.StatusDescription = "Microsoft 365 sharing per user and operation";
                        host.Progress(progress);
                        host.Run(() => reader.ReadSharing(acc, _stop.Token));
                    }
                    var stats = client.Statistics;
                    WriteVerbose($"{stats.RoundTrips} round trip(s), {stats.Retries} retried, {stats.RowsReceived} aggregate rows, {stats.BytesReceived:N0} bytes received.");
                    foreach (string r in reader.RejectedRows)
                        WriteError(new ErrorRecord(new InvalidDataException(r), "WorkspaceRowRejected", ErrorCategory.InvalidData, WorkspaceId ?? (object)ClusterUri));
                    PartialResults = reader.PartialResults;
                    foreach (string p in reader.PartialResults) WriteWarning("Partial result accepted (-AllowPartialResults): " + p);
                }
            }
            catch (OperationCanceledException)
            {
                throw new PipelineStoppedException();
            }
            catch (Workspace.QueryFailedException e)
            {
                host.Flush();
                ThrowTerminatingError(new ErrorRecord(e, "QueryFailed:" + (e.Code ?? e.Status.ToString(System.Globalization.CultureInfo.InvariantCulture)),
                    e.Status == 401 || e.Status == 403 ? ErrorCategory.PermissionDenied : e.Status == 404 ? ErrorCategory.ObjectNotFound : ErrorCategory.InvalidOperation,
                    WorkspaceId ?? (object)ClusterUri));
            }
            finally
            {
                progress.RecordType = ProgressRecordType.Completed;
                host.Progress(progress);
            }
            WriteVerbose(acc.DescribeFilters());
        }

        private void ReadFiles(EventAccumulator acc)
        {
            var options = acc.Options;
            var files = _inputs?.Files ?? new string[0];
            var zone = ResolveFeedTimeZone();
            var replays = _replays;
            WriteVerbose($"Hunt window {options.Window} ({options.Window.Days} days), mode {options.ModeName}, {options.Destinations.Domains.Count} destination domains.");
            long skipped = 0;
            int failed = 0;
            var host = HostContext;
            var progress = new ProgressRecord(1, "Reading logs", "Starting");
            // Several files are read on every core; issues, summaries and progress still come here, on the pipeline
            // thread, in file order (MultiFileReader).
            var ctx = new ReadContext
            {
                Cancellation = _stop.Token,
                FeedTimeZone = zone,
                Replays = replays,
                MaxDegreeOfParallelism = ThrottleLimit,
                OnIssue = issue => host.Error(ReadErrors.ToErrorRecord(issue)),
                OnProgress = p =>
                {
                    progress.StatusDescription = p.File != null
                        ? $"{System.IO.Path.GetFileName(p.File)}: {p.BytesRead / 1048576.0:N0} of {p.TotalBytes / 1048576.0:N0} MB"
                        : $"{files.Count} files: {p.BytesRead / 1048576.0:N0} of {p.TotalBytes / 1048576.0:N0} MB";
                    progress.PercentComplete = p.TotalBytes > 0 ? (int)Math.Min(100, 100 * p.BytesRead / p.TotalBytes) : -1;
                    host.Progress(progress);
                },
            };
            var summaries = new List<FileReadSummary>();
            // The objects piped in come first, as they were read first: accounted for as a file is.
            var piped = FinishRecords();
            if (piped != null)
            {
                summaries.Add(piped);
                skipped += piped.Skipped;
                WriteVerbose(piped.ToString());
            }
            try
            {
                MultiFileReader.Read(files, acc, ctx, read =>
                {
                    var summary = read.Summary;
                    summaries.Add(summary);
                    skipped += summary.Skipped;
                    if (summary.Failed) failed++;
                    string speed = summary.Speed();
                    WriteVerbose(speed.Length == 0 ? summary.ToString() : summary + "; " + speed);
                    if (summary.Notice != null) WriteWarning($"{summary.File}: {summary.Notice}.");
                });
            }
            catch (OperationCanceledException)
            {
                throw new PipelineStoppedException();
            }
            progress.RecordType = ProgressRecordType.Completed;
            host.Progress(progress);
            WriteVerbose(acc.DescribeFilters());
            InputSummaries = summaries;
            foreach (string overlap in ExportOverlap.Describe(summaries)) WriteWarning(overlap);
            string empty = acc.DescribeEmptyWindow();
            if (empty != null) WriteWarning(empty);
            if (skipped > 0 || failed > 0)
                WriteWarning($"{skipped:N0} record(s) could not be read{(failed > 0 ? $" and {failed} file(s) could not be read in full" : "")}; " +
                    "each is reported as an error (past the first 100 in a file, as one error counting the rest). The results count everything else.");
        }

        private TimeZoneInfo ResolveFeedTimeZone()
        {
            var zone = FeedTimeZones.Resolve(FeedTimeZone, out string error);
            if (zone == null)
                ThrowTerminatingError(new ErrorRecord(new ArgumentException(error), "UnknownTimeZone", ErrorCategory.InvalidArgument, FeedTimeZone));
            return zone;
        }
    }
}
