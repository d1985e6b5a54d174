using System;
using System.Collections.Generic;
using System.Globalization;
using System.Threading;

namespace LowSlowExfil.Readers
{
    /// <summary>Receives the events a reader decodes. Filtering is the receiver's business, not the reader's.</summary>
    public interface IEventSink
    {
        /// <summary>A web-proxy event (a CommonSecurityLog row or an NSS record).</summary>
        void AddProxy(DateTime timeUtc, string vendor, string action, string user, string host, long? sentBytes);

        /// <summary>
        /// A Microsoft 365 audit event (an OfficeActivity row or an audit record). <paramref name="recordId"/> is the audit
        /// record's Id (OfficeActivity's OfficeId), when the data carries it: the same record in two exports counts once.
        /// </summary>
        void AddSharing(DateTime timeUtc, string userId, string operation, string recordId = null);
    }

    /// <summary>A record or file that could not be read: where, and why.</summary>
    public sealed class ReadIssue
    {
        public ReadIssue(string file, long line, long record, string reason)
        {
            File = file;
            Line = line;
            Record = record;
            Reason = reason;
        }

        public string File { get; }
        /// <summary>1-based line where the record starts; 0 when the issue concerns the whole file.</summary>
        public long Line { get; }
        /// <summary>1-based record index within the file (data rows, not counting a header); 0 for the whole file.</summary>
        public long Record { get; }
        public string Reason { get; }
        /// <summary>For the closing issue of a file that had more than were reported one by one: how many were not.</summary>
        public long Unshown { get; internal set; }

        /// <summary>The record was an object in the pipeline, not a line of a file: <see cref="Record"/> is its position there.</summary>
        public bool FromPipeline { get; internal set; }

        public override string ToString() =>
            FromPipeline && Line > 0 ? $"{File}: object {Record}: {Reason}"
            : Line > 0 ? $"{File}:{Line}: record {Record}: {Reason}" : $"{File}: {Reason}";
    }

    /// <summary>Bytes read so far from one file.</summary>
    public readonly struct ReadProgress
    {
        public ReadProgress(string file, long bytesRead, long totalBytes)
        {
            File = file;
            BytesRead = bytesRead;
            TotalBytes = totalBytes;
        }

        public string File { get; }
        public long BytesRead { get; }
        public long TotalBytes { get; }
    }

    /// <summary>How one file was read.</summary>
    public sealed class FileReadSummary
    {
        public string File { get; set; }
        public LogFormat Format { get; set; }
        /// <summary>Records decoded (rows or JSON records), whether or not the rule counts them.</summary>
        public long Records { get; set; }
        public long ProxyEvents { get; set; }
        public long SharingEvents { get; set; }
        /// <summary>Records that could not be decoded; each one was reported as a ReadIssue.</summary>
        public long Skipped { get; set; }
        /// <summary>
        /// CSV rows with fewer fields than the header, read with the missing fields empty (as Import-Csv and Excel read
        /// them: a tool that drops trailing empty cells writes such rows).
        /// </summary>
        public long ShortRows { get; set; }
        /// <summary>
        /// JSON records (or the array holding them) with a comma before a closing bracket, which JSON forbids but which
        /// every peer reads (a file edited by hand, the Sentinel repository's sample data): read as if it were absent.
        /// </summary>
        public long TrailingCommas { get; set; }
        /// <summary>Raw-feed records replayed after a reconnect (same externalId), counted once.</summary>
        public long Replays { get; set; }
        /// <summary>Something about the file worth telling that is not an error (e.g. it is a feed template).</summary>
        public string Notice { get; set; }
        /// <summary>True when the file could not be read at all (or not past some point); reported as a ReadIssue.</summary>
        public bool Failed { get; set; }
        /// <summary>Bytes of the file as stored (compressed, for a .gz); 0 for a stream read without a file.</summary>
        public long Bytes { get; set; }
        /// <summary>How long reading the file took.</summary>
        public TimeSpan Elapsed { get; set; }
        /// <summary>Threads that read the file: more than one when a large CSV export was cut into ranges.</summary>
        public int Threads { get; set; } = 1;
        /// <summary>
        /// The UTC hours (hour numbers since year 1) in which the file had proxy events the rule counts: two exports that
        /// share hours may be overlapping exports of one table, whose rows carry no id to count them once by.
        /// </summary>
        public HashSet<long> CountedProxyHours { get; set; }

        public override string ToString() =>
            $"{File}: {Format}, {Records} records read ({ProxyEvents} proxy, {SharingEvents} sharing), {Skipped} skipped" +
            (Replays > 0 ? $", {Replays} replayed duplicates counted once" : "") +
            (ShortRows > 0 ? $", {ShortRows} rows with fewer fields than the header (the missing fields read as empty)" : "") +
            (TrailingCommas > 0 ? $", {TrailingCommas} trailing comma(s) before a closing bracket (read as if absent)" : "") + (Failed ? ", read failed" : "") + (Notice != null ? "; " + Notice : "");

        /// <summary>
        /// "634.1 MB in 0.55 s (1,153 MB/s, 2 threads)", or empty without a size or time. Apart from
        /// <see cref="ToString"/>, which says what was read and so is the same for every read of the same file.
        /// </summary>
        public string Speed()
        {
            if (Bytes <= 0 || Elapsed <= TimeSpan.Zero) return "";
            double mb = Bytes / 1048576.0;
            return string.Format(CultureInfo.InvariantCulture, "{0:N1} MB in {1:0.00} s ({2:N0} MB/s{3})",
                mb, Elapsed.TotalSeconds, mb / Elapsed.TotalSeconds, Threads > 1 ? ", " + Threads + " threads" : "");
        }
    }

    /// <summary>What a reader needs from its host: where issues and progress go, and when to stop.</summary>
    public sealed class ReadContext
    {
        public Action<ReadIssue> OnIssue { get; set; }
        public Action<ReadProgress> OnProgress { get; set; }
        public CancellationToken Cancellation { get; set; }

        /// <summary>Records longer than this are rejected (a line of hundreds of MB without a newline is not a record).</summary>
        public int MaxRecordChars { get; set; } = 16 * 1024 * 1024;

        /// <summary>The time zone raw NSS feeds were written in (their rt / TimeGenerated carry no zone). UTC by default.</summary>
        public TimeZoneInfo FeedTimeZone { get; set; } = TimeZoneInfo.Utc;

        /// <summary>
        /// Use the byte-level hot paths where they apply (a CommonSecurityLog CSV read into an EventAccumulator).
        /// They give the same results as the general readers; tests turn them off to prove it.
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
        internal IssueCap Issues { get; set; }

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
        internal ReadContext ForOneFile(Action<ReadIssue> onIssue, Action<ReadProgress> onProgress, ReplayFilter replays, CancellationToken cancellation, int threads) => new ReadContext
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

    /// <summary>The file formats the readers recognise.</summary>
    public enum LogFormat
    {
        Unknown,
        CommonSecurityLogCsv,
        OfficeActivityCsv,
        /// <summary>JSON records: exports, Cloud NSS, audit records (an array, JSON lines, or a known envelope).</summary>
        Json,
        /// <summary>Zscaler NSS web feed, CEF over syslog.</summary>
        NssCef,
        /// <summary>Purview / Search-UnifiedAuditLog CSV export (AuditData JSON per row).</summary>
        PurviewAuditCsv,
        /// <summary>A Zscaler feed output format template (placeholders, no events).</summary>
        FeedTemplate,
        /// <summary>Zscaler NSS web feed as key=value pairs: QRadar LEEF, or name-value pairs under NSS's own field names.</summary>
        NssKeyValue,
        /// <summary>Objects piped in (Import-Csv rows, ConvertFrom-Json objects, audit-log search results), not a file.</summary>
        PipelineObjects,
    }
}
