using System;
using System.Collections.Generic;

namespace LowSlowExfil
{
    /// <summary>One user-day of uploads to exfiltration destinations (the rule's ZIA_Daily).</summary>
    public sealed class ZiaDailyUpload
    {
        public string UserName { get; set; } = null!;
        public DateTime Day { get; set; }
        public long DaySentBytes { get; set; }
        public long DayRequestCount { get; set; }
        public long DayDestinCount { get; set; }
    }

    /// <summary>Uploads to one destination host by one user over the window.</summary>
    public sealed class DestinationUpload
    {
        public string UserName { get; set; } = null!;
        public string DestinationHostName { get; set; } = null!;
        public Rule.ExfilChannel Channel { get; set; }
        public long SentBytes { get; set; }
        public double SentMB => Kql.KqlMath.BytesToRoundedMB(SentBytes);
        public long RequestCount { get; set; }
        public int ActiveDays { get; set; }
    }

    /// <summary>Uploads by one user to one channel (cloud storage, code hosting, messaging, webmail).</summary>
    public sealed class ChannelUpload
    {
        public string UserName { get; set; } = null!;
        public Rule.ExfilChannel Channel { get; set; }
        public long SentBytes { get; set; }
        public double SentMB => Kql.KqlMath.BytesToRoundedMB(SentBytes);
        public long RequestCount { get; set; }
        public int ActiveDays { get; set; }
        public int Destinations { get; set; }
    }

    /// <summary>One user's uploads over the window: the rule's ZIA_Users row and more.</summary>
    public sealed class ZiaUploadProfile
    {
        public string UserName { get; set; } = null!;
        public double ZIA_TotalMBSent { get; set; }
        public long ZIA_ActiveDays { get; set; }
        public long ZIA_TotalRequests { get; set; }
        /// <summary>The rule's sum of daily distinct destination counts.</summary>
        public long ZIA_UniqueDestCnt { get; set; }
        public long TotalBytesSent { get; set; }
        /// <summary>A true distinct count of destination hosts over the window.</summary>
        public long DistinctDestinations { get { FillDetail(); return _distinctDestinations; } set { FillDetail(); _distinctDestinations = value; } }
        public DateTime FirstSeen { get; set; }
        public DateTime LastSeen { get; set; }
        // A script's profile (New-Object, a [pscustomobject] cast) may set a collection to null: it reads as empty.
        public RowList<ZiaDailyUpload> DailyUploads { get { FillDetail(); return _dailyUploads; } set { FillDetail(); _dailyUploads = value ?? RowList<ZiaDailyUpload>.Empty; } }
        public RowList<DestinationUpload> Destinations { get { FillDetail(); return _destinations; } set { FillDetail(); _destinations = value ?? RowList<DestinationUpload>.Empty; } }
        /// <summary>Totals per channel (the domain catalogue's categories).</summary>
        public RowList<ChannelUpload> Channels { get { FillDetail(); return _channels; } set { FillDetail(); _channels = value ?? RowList<ChannelUpload>.Empty; } }

        private long _distinctDestinations;
        private RowList<ZiaDailyUpload> _dailyUploads = RowList<ZiaDailyUpload>.Empty;
        private RowList<DestinationUpload> _destinations = RowList<DestinationUpload>.Empty;
        private RowList<ChannelUpload> _channels = RowList<ChannelUpload>.Empty;
        // Set by the accumulator: the days, destinations and channels are made on first read, as scoring needs only
        // the totals and a hunt shows a few users' detail. The accumulator fills them before its state changes.
        private volatile Aggregation.IUploadDetail? _detail;

        internal bool DetailPending => _detail != null;

        internal void DeferDetail(Aggregation.IUploadDetail detail) => _detail = detail;

        /// <summary>The lazily made rows, set at once; the pending mark is cleared last so another thread reads them whole.</summary>
        internal void SetDetail(long distinctDestinations, RowList<ZiaDailyUpload> daily, RowList<DestinationUpload> destinations, RowList<ChannelUpload> channels)
        {
            _distinctDestinations = distinctDestinations;
            _dailyUploads = daily;
            _destinations = destinations;
            _channels = channels;
            _detail = null;
        }

        private void FillDetail() => _detail?.Fill(this);
        public DateTime WindowStart { get; set; }
        public DateTime WindowEnd { get; set; }
        public string? Mode { get; set; }
    }

    /// <summary>One user's Microsoft 365 sharing activity over the window (the rule's O365_Sharing row).</summary>
    public sealed class O365SharingProfile
    {
        public string UserName { get; set; } = null!;
        public long O365_EventCount { get; set; }
        public OperationSet O365_Operations { get => _operations; set => _operations = value ?? OperationSet.Empty; }
        public long O365_AnonLinks { get; set; }
        public DateTime O365_LastEvent { get; set; }
        public DateTime O365_FirstEvent { get; set; }
        /// <summary>Events per operation.</summary>
        public IReadOnlyDictionary<string, long> OperationCounts { get => _counts; set => _counts = value ?? new OperationCountMap(); }
        // Null from a script's hand-built profile reads as empty.
        private OperationSet _operations = OperationSet.Empty;
        private IReadOnlyDictionary<string, long> _counts = new OperationCountMap();
        public DateTime WindowStart { get; set; }
        public DateTime WindowEnd { get; set; }
        public string? Mode { get; set; }
    }

    /// <summary>One user's Microsoft 365 events of one operation.</summary>
    public sealed class O365OperationCount
    {
        public string UserName { get; set; } = null!;
        public string Operation { get; set; } = null!;
        public long Count { get; set; }
    }

    /// <summary>Which of the rule's three clauses flagged a user.</summary>
    [Flags]
    public enum ExfilReason
    {
        None = 0,
        /// <summary>Zscore ≥ threshold (default 3.0).</summary>
        ZScore = 1,
        /// <summary>O365_AnonLinks ≥ threshold (3) and ZIA_TotalMBSent &gt; threshold (10).</summary>
        AnonymousLinks = 2,
        /// <summary>ZIA_ActiveDays ≥ threshold (20) and ZIA_TotalMBSent &gt; threshold (50).</summary>
        Persistence = 4,
    }

    /// <summary>
    /// A scored user. The first ten properties are the rule's output columns, under its names and in its order;
    /// then Reasons and the alert texts. Nothing else is a property, so Export-Csv writes exactly these columns;
    /// the hunt's context and the user's profiles are reached through methods.
    /// </summary>
    public sealed class ExfilCandidate
    {
        // The five columns the alert texts quote are fields, so that changing one first fills texts still pending.
        private string _userName = null!;
        private double _totalMBSent, _zscore;
        private long _activeDays, _anonLinks;
        private string? _alertDisplayName, _alertDescription;
        // Set by the scorer: the alert texts are made on first read, as most scored users are never shown (a hunt
        // formats 2 of 5,000). What they read is what the scorer set, as if made then.
        private volatile bool _alertPending;

        public string UserName { get => _userName; set { FillAlerts(); _userName = value; } }
        public double ZIA_TotalMBSent { get => _totalMBSent; set { FillAlerts(); _totalMBSent = value; } }
        public long ZIA_ActiveDays { get => _activeDays; set { FillAlerts(); _activeDays = value; } }
        public long ZIA_TotalRequests { get; set; }
        public long ZIA_UniqueDestCnt { get; set; }
        public long O365_EventCount { get; set; }
        public long O365_AnonLinks { get => _anonLinks; set { FillAlerts(); _anonLinks = value; } }
        public OperationSet O365_Operations { get => _operations; set => _operations = value ?? OperationSet.Empty; }
        public long DistinctChannels { get; set; }
        public double Zscore { get => _zscore; set { FillAlerts(); _zscore = value; } }
        public ExfilReason Reasons { get; set; }
        public string? AlertDisplayName { get { FillAlerts(); return _alertDisplayName; } set { FillAlerts(); _alertDisplayName = value; } }
        public string? AlertDescription { get { FillAlerts(); return _alertDescription; } set { FillAlerts(); _alertDescription = value; } }

        /// <summary>The rule's alert texts are made from this candidate's columns when first read (or before one of them changes).</summary>
        internal void DeferAlerts() => _alertPending = true;

        private void FillAlerts()
        {
            if (!_alertPending) return;
            // Two threads may both fill: the texts are the same, and the flag is cleared only once both are written.
            _alertDisplayName = Scoring.CandidateScorer.FormatAlert(Rule.ExfilRule.AlertDisplayNameFormat, this);
            _alertDescription = Scoring.CandidateScorer.FormatAlert(Rule.ExfilRule.AlertDescriptionFormat, this);
            _alertPending = false;
        }

        // Null on a candidate built by hand (a script's New-Object); the scorer always sets them.
        internal HuntSummary? Summary;
        internal ZiaUploadProfile? UploadProfile;
        internal O365SharingProfile? SharingProfile;
        internal Scoring.ScoreContext? Context;
        // A field, not a property: Export-Csv writes a candidate's properties only. Null from a script reads as empty.
        private OperationSet _operations = OperationSet.Empty;

        /// <summary>True when at least one clause fired.</summary>
        public bool IsFlagged() => Reasons != ExfilReason.None;
        /// <summary>The window, mode and baseline this user was scored against.</summary>
        public HuntSummary? GetSummary() => Summary;
        /// <summary>The user's upload profile (days and destinations), when scored from events or profiles.</summary>
        public ZiaUploadProfile? GetUploadProfile() => UploadProfile;
        /// <summary>The user's sharing profile, or null when the user has no sharing events.</summary>
        public O365SharingProfile? GetSharingProfile() => SharingProfile;
        /// <summary>What this user was scored against: peer group (or the population), method, centre and spread.</summary>
        public Scoring.ScoreContext? GetScoreContext() => Context;
    }

    /// <summary>The population a hunt scored: its window, mode and baseline.</summary>
    public sealed class HuntSummary
    {
        public string? Mode { get; set; }
        public DateTime WindowStart { get; set; }
        public DateTime WindowEnd { get; set; }
        public int Users { get; set; }
        public double BaselineMean { get; set; }
        public double BaselineStdev { get; set; }
        public int Flagged { get; set; }
        /// <summary>The Zscore threshold the hunt flagged at (the rule's 3.0 unless changed).</summary>
        public double ZScoreThreshold { get; set; } = 3.0;
        /// <summary>Every scored user's ZIA_TotalMBSent (the population the baseline was computed over), for distributions.</summary>
        public double[] PopulationTotalsMB { get => _totals; set => _totals = value ?? new double[0]; }
        /// <summary>Partial workspace results accepted with -AllowPartialResults; empty when the data was complete.</summary>
        public string[] PartialResults { get => _partial; set => _partial = value ?? new string[0]; }
        public bool IsPartial => PartialResults.Length > 0;
        /// <summary>Where the hunt's numbers come from (module, command, inputs); null when not recorded.</summary>
        public HuntProvenance? Provenance { get; set; }
        /// <summary>The unflagged users closest to the Zscore cut-off, highest first (at most <see cref="HuntProvenance.NearMissCount"/>).</summary>
        public ExfilCandidate[] NearMisses { get => _misses; set => _misses = value ?? new ExfilCandidate[0]; }
        // A summary built by hand (a C# caller's, a script's) may set these to null: they read as empty.
        private double[] _totals = new double[0];
        private string[] _partial = new string[0];
        private ExfilCandidate[] _misses = new ExfilCandidate[0];
    }

    /// <summary>What a hunt ran and read, for a report that must stand on its own in a case file.</summary>
    public sealed class HuntProvenance
    {
        /// <summary>How many near misses a summary keeps.</summary>
        public const int NearMissCount = 10;

        public string ModuleVersion { get; set; } = null!;
        /// <summary>The command as it was called, parameter by parameter; secure strings are never written.</summary>
        public string Command { get; set; } = null!;
        /// <summary>"files", or the workspace / cluster queried.</summary>
        public string Source { get; set; } = null!;
        /// <summary>Null (a hand-built provenance) reads as empty.</summary>
        public HuntInput[] Inputs { get => _inputs; set => _inputs = value ?? new HuntInput[0]; }
        private HuntInput[] _inputs = new HuntInput[0];
    }

    /// <summary>One input file of a hunt and how it was read.</summary>
    public sealed class HuntInput
    {
        public string File { get; set; } = null!;
        public string Format { get; set; } = null!;
        public long Records { get; set; }
        public long Skipped { get; set; }
        public bool Failed { get; set; }
        public string? Notice { get; set; }
    }
}
