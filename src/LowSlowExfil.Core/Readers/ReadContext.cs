using System;
using System.Threading;

namespace LowSlowExfil.Readers
{
    /// <summary>What a reader needs from its host: where issues and progress go, and when to stop.</summary>
    public sealed class ReadContext
    {
        public Action<ReadIssue>? OnIssue { get; set; }
        public Action<ReadProgress>? OnProgress { get; set; }
        public CancellationToken Cancellation { get; set; }

        /// <summary>Records longer than this are rejected (a line of hundreds of MB without a newline is not a record).</summary>
        public int MaxRecordChars { get; set; } = 16 * 1024 * 1024;

        /// <summary>The time zone raw NSS feeds were written in (their rt / TimeGenerated carry no zone). UTC by default.</summary>
        public TimeZoneInfo FeedTimeZone { get; set; } = TimeZoneInfo.Utc;

        /// <summary>
        /// Use the byte-level hot paths where they apply (see FastPath: a CommonSecurityLog CSV read into an
        /// EventAccumulator, an NSS CEF feed). They give the same results as the general readers; tests turn them off to
        /// prove it, and LOWSLOWEXFIL_FAST_PATHS=0 in the environment turns them off for every read.
        /// </summary>
        public bool UseFastPaths { get; set; } = true;

        /// <summary>The CommonSecurityLog fast path splits records on 64-byte masks (tests turn it off to hold it to the field-by-field parse).</summary>
        internal bool UseBlockParsing { get; set; } = true;

        /// <summary>Threads for one large file (1 reads on the calling thread only). Results are the same either way.</summary>
        public int MaxDegreeOfParallelism { get; set; } = Environment.ProcessorCount;

        /// <summary>Files smaller than this are read on one thread (tests lower it to cut small files into many ranges).</summary>
        internal long ParallelMinimumBytes { get; set; } = 16L * 1024 * 1024;

        /// <summary>
        /// Tests and fuzz targets: let an ArgumentException or NotSupportedException raised while parsing escape
        /// instead of being reported as "cannot read the file" (the safety net for users), so that a reader's bug shows.
        /// </summary>
        internal bool RethrowUnexpected { get; set; }

        /// <summary>Shared across the files of one read, so a replay in the next file is recognised too.</summary>
        public ReplayFilter Replays { get; set; } = new ReplayFilter();

        /// <summary>
        /// Issues a file reports one by one; past this the rest are counted and told as one closing issue (the host
        /// is not flooded, and a file of millions of bad records holds no more than these in memory).
        /// </summary>
        public int MaxIssuesPerFile { get; set; } = 100;

        /// <summary>The file being read's cap (set by LogFileReader per file); null reports every issue as it comes.</summary>
        internal IssueCap? Issues { get; set; }

        internal void Report(ReadIssue issue)
        {
            if (Issues != null) Issues.Report(issue);
            else OnIssue?.Invoke(issue);
        }

        /// <summary>This context for one file: the same settings, its own issue cap.</summary>
        internal ReadContext ForFile(IssueCap cap)
        {
            var c = ForOneFile(OnIssue, OnProgress, Replays, Cancellation, MaxDegreeOfParallelism);
            c.Issues = cap;
            return c;
        }

        /// <summary>This context for one file of a parallel read: its own issue and progress sinks, replay filter, stop and threads.</summary>
        internal ReadContext ForOneFile(Action<ReadIssue>? onIssue, Action<ReadProgress>? onProgress, ReplayFilter replays, CancellationToken cancellation, int threads) => new ReadContext
        {
            OnIssue = onIssue,
            OnProgress = onProgress,
            Cancellation = cancellation,
            MaxRecordChars = MaxRecordChars,
            FeedTimeZone = FeedTimeZone,
            UseFastPaths = UseFastPaths,
            UseBlockParsing = UseBlockParsing,
            MaxDegreeOfParallelism = threads,
            ParallelMinimumBytes = ParallelMinimumBytes,
            RethrowUnexpected = RethrowUnexpected,
            Replays = replays,
            MaxIssuesPerFile = MaxIssuesPerFile,
        };
    }
}
