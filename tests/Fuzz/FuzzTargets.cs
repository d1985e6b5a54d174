using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Text;
using System.Text.Json;
using LowSlowExfil.Aggregation;
using LowSlowExfil.Engine.Json;
using LowSlowExfil.Readers;
using LowSlowExfil.Rule;

namespace LowSlowExfil.Fuzz
{
    /// <summary>An input made a parser break its contract (besides an exception escaping, which is one too).</summary>
    public sealed class FuzzFindingException : Exception
    {
        public FuzzFindingException(string message) : base(message) { }
    }

    /// <summary>
    /// The fuzz targets, one per parser. Shared by the fuzz harness (tests/Fuzz, run under afl-fuzz or libFuzzer)
    /// and the xunit project (the corpus and the regression cases replayed on every test run).
    /// <para>
    /// The contract every target checks: whatever the bytes, a reader only ever reports <see cref="ReadIssue"/>s —
    /// no exception escapes, every skipped record is reported once, the counts add up, the allocations stay within
    /// a budget proportional to the input (<see cref="Run"/>). The query response parser may also refuse a response
    /// with a <see cref="JsonException"/> (the client turns it into an "InvalidResponse" error), and nothing else.
    /// Where two implementations must agree (the byte-level CSV scanner and the general CSV reader, one thread and
    /// many, big buffers and tiny ones) they are held to it. A hang is caught by the fuzzer's timeout and by the
    /// xunit replay's.
    /// </para>
    /// </summary>
    public static class FuzzTargets
    {
        /// <summary>A small record cap, so inputs of a few KB reach the "record too long" paths.</summary>
        public const int MaxRecordChars = 4096;

        /// <summary>Fixed allowance per input (reader buffers: 1 MB scan buffer, 256 KB sniff, 64 KB text buffers…).</summary>
        public const long FixedAllocationBudget = 24L * 1024 * 1024;

        /// <summary>Allowance per input byte (or per decompressed byte for gzip).</summary>
        public const long AllocationPerByte = 1024;

        public static readonly DateTime End = new DateTime(2026, 11, 1, 0, 0, 0, DateTimeKind.Utc);

        public static readonly IReadOnlyList<string> Names = new[] { "csv", "cef", "json", "kv", "gzip", "proxycsv", "response" };

        [ThreadStatic] private static long t_extraBudgetBytes;

        /// <summary>
        /// Runs one input through a target on the calling thread; throws on a finding. The bytes the calling thread
        /// allocates are bounded by <see cref="FixedAllocationBudget"/> + <see cref="AllocationPerByte"/> × input bytes.
        /// </summary>
        public static void Run(string target, byte[] data)
        {
            var action = Get(target);
            t_extraBudgetBytes = 0;
            long before = GC.GetAllocatedBytesForCurrentThread();
            action(data);
            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            long limit = AllocationLimit(data.Length + t_extraBudgetBytes);
            if (allocated > limit)
                throw new FuzzFindingException($"target '{target}' allocated {allocated:N0} bytes for an input of {data.Length:N0} bytes (budget {limit:N0})");
        }

        public static long AllocationLimit(long inputBytes) => FixedAllocationBudget + AllocationPerByte * inputBytes;

        public static Action<byte[]> Get(string target)
        {
            switch (target)
            {
                case "csv": return Csv;
                case "cef": return Cef;
                case "json": return Json;
                case "kv": return KeyValue;
                case "gzip": return Gzip;
                case "proxycsv": return ProxyCsv;
                case "response": return Response;
                default: throw new ArgumentException($"Unknown fuzz target '{target}'. Targets: {string.Join(", ", Names)}.", nameof(target));
            }
        }

        // ───────────────────────── targets ─────────────────────────

        /// <summary>
        /// LogFileReader (format detection) into a plain sink, then the bytes forced through the CSV readers, with the
        /// fast paths (a Purview export's AuditData read from bytes) and without: every event, issue and count the same.
        /// </summary>
        public static void Csv(byte[] data)
        {
            ReadThroughEntry(data, "fuzz.csv");
            Agree("the CSV reader with its fast paths", ReadCsv(data, fast: true), "the CSV reader without", ReadCsv(data, fast: false));
        }

        private static string ReadCsv(byte[] data, bool fast)
        {
            var sink = new CheckingSink { Events = new StringBuilder() };
            var (ctx, issues) = Context();
            ctx.UseFastPaths = fast;
            var summary = new FileReadSummary { File = "fuzz.csv" };
            using (var text = Text(data)) LogAnalyticsCsvReader.Read(text, "fuzz.csv", sink, ctx, summary);
            CheckAccounting(summary, issues, "fuzz.csv", sink);
            return $"{sink.Events}\n{string.Join("\n", issues.Select(i => i.ToString()))}\n{summary}";
        }

        /// <summary>
        /// LogFileReader, then the bytes forced through the NSS CEF text reader and the byte-level scanner (a large
        /// buffer and one a record barely fits, whole or trickled a few bytes a read) in UTC and in zones with DST and
        /// far east: every event, issue and count the same. Then both into an accumulator (the scanner's cached verdicts).
        /// </summary>
        public static void Cef(byte[] data)
        {
            ReadThroughEntry(data, "fuzz.cef");
            foreach (var zone in new[] { TimeZoneInfo.Utc, DstZone, FarEastZone })
            {
                string text = ReadCef(data, zone, scanner: null);
                Agree("the CEF scanner", ReadCef(data, zone, scanner: (new MemoryStream(data, writable: false), NssCefScanner.BufferBytes)), "the CEF text reader", text);
                Agree("the CEF scanner with a small buffer, trickled", ReadCef(data, zone, scanner: (new TricklingStream(data), MaxRecordChars)), "the CEF text reader", text);
            }
            Same("the CEF scanner", ReadIntoAccumulator(data, "fuzz.cef", fast: true, parallel: false),
                "the CEF text reader", ReadIntoAccumulator(data, "fuzz.cef", fast: false, parallel: false));
        }

        /// <summary>Everything a CEF read produced, as text: events in order, issues, summary.</summary>
        private static string ReadCef(byte[] data, TimeZoneInfo zone, (Stream Stream, int BufferBytes)? scanner)
        {
            var sink = new CheckingSink { Events = new StringBuilder() };
            var (ctx, issues) = Context();
            ctx.FeedTimeZone = zone;
            var summary = new FileReadSummary { File = "fuzz.cef" };
            if (scanner is (Stream stream, int bufferBytes))
                using (stream) NssCefScanner.Read(stream, "fuzz.cef", sink, ctx, summary, bufferBytes);
            else
                using (var text = Text(data)) NssCefReader.Read(text, "fuzz.cef", sink, ctx, summary);
            CheckAccounting(summary, issues, "fuzz.cef", sink);
            return $"{sink.Events}\n{string.Join("\n", issues.Select(i => i.ToString()))}\n{summary}\nnotice: {summary.Notice}";
        }

        private static void Agree(string a, string x, string b, string y)
        {
            if (x != y) throw new FuzzFindingException($"{a} and {b} disagree:\n{Clip(x)}\n---\n{Clip(y)}");
        }

        /// <summary>
        /// LogFileReader, the bytes forced through the JSON splitter and mapper, and as a Purview AuditData cell; each
        /// with the byte-level scanner (JsonRecordScanner) and without: every event, issue and count the same.
        /// </summary>
        public static void Json(byte[] data)
        {
            ReadThroughEntry(data, "fuzz.json");
            foreach (var zone in new[] { TimeZoneInfo.Utc, DstZone })
                Agree("the JSON scanner", ReadJson(data, zone, fast: true), "the JSON mapper", ReadJson(data, zone, fast: false));
            string auditData = Encoding.UTF8.GetString(data);
            var cell = new CheckingSink { Events = new StringBuilder() };
            var (cellCtx, _) = Context();
            bool read = PurviewAudit.TryRead(auditData, cell, cellCtx, out string reason);
            if (!read && string.IsNullOrEmpty(reason))
                throw new FuzzFindingException("PurviewAudit refused an AuditData cell without a reason");
            var fastCell = new CheckingSink { Events = new StringBuilder() };
            bool fastRead = PurviewAudit.TryRead(auditData, fastCell, cellCtx, new JsonRecordScanner(), out string fastReason);
            Agree("the JSON scanner on an AuditData cell", $"{fastRead} {fastReason}\n{fastCell.Events}", "PurviewAudit", $"{read} {reason}\n{cell.Events}");
        }

        private static string ReadJson(byte[] data, TimeZoneInfo zone, bool fast)
        {
            var sink = new CheckingSink { Events = new StringBuilder() };
            var (ctx, issues) = Context();
            ctx.FeedTimeZone = zone;
            ctx.UseFastPaths = fast;
            var summary = new FileReadSummary { File = "fuzz.json" };
            using (var ms = new MemoryStream(data, writable: false)) LogFileReader.ReadJson(ms, "fuzz.json", sink, ctx, summary);
            CheckAccounting(summary, issues, "fuzz.json", sink);
            return $"{sink.Events}\n{string.Join("\n", issues.Select(i => i.ToString()))}\n{summary}";
        }

        /// <summary>
        /// LogFileReader, then the bytes forced through the NSS key=value reader (QRadar LEEF, name-value pairs) in UTC, in
        /// a zone with DST and at UTC+14 (a devTime in another zone than GMT is read in the feed's zone).
        /// </summary>
        public static void KeyValue(byte[] data)
        {
            ReadThroughEntry(data, "fuzz.leef");
            foreach (var zone in new[] { TimeZoneInfo.Utc, DstZone, FarEastZone })
            {
                var sink = new CheckingSink();
                var (ctx, issues) = Context();
                ctx.FeedTimeZone = zone;
                var summary = new FileReadSummary { File = "fuzz.leef" };
                using (var text = Text(data)) NssKeyValueReader.Read(text, "fuzz.leef", sink, ctx, summary);
                CheckAccounting(summary, issues, "fuzz.leef", sink);
            }
        }

        /// <summary>
        /// Gzip through LogFileReader, and the decoder on its own: it either decodes or throws InvalidDataException /
        /// IOException (which the reader reports), and whatever it accepts, .NET's GZipStream decodes the same way.
        /// </summary>
        public static void Gzip(byte[] data)
        {
            const long Cap = 8L * 1024 * 1024; // a bomb is read as far as this: linear work, not a hang
            var decoded = new MemoryStream();
            bool complete = false;
            try
            {
                using (var gz = new GzipDecoder(new MemoryStream(data, writable: false)))
                {
                    var buf = new byte[16 * 1024];
                    int n;
                    while ((n = gz.Read(buf, 0, buf.Length)) > 0)
                    {
                        if (decoded.Length < Cap) decoded.Write(buf, 0, n);
                        else return;   // too big to compare or read here; it streamed within the allocation budget
                    }
                    complete = true;
                }
            }
            catch (InvalidDataException) { }
            catch (IOException) { }
            t_extraBudgetBytes = decoded.Length * 2;

            if (complete && data.Length >= 2 && data[0] == 0x1F && data[1] == 0x8B)
            {
                byte[] reference;
                try
                {
                    using (var gz = new GZipStream(new MemoryStream(data, writable: false), CompressionMode.Decompress))
                    using (var ms = new MemoryStream())
                    {
                        gz.CopyTo(ms);
                        reference = ms.ToArray();
                    }
                }
                catch (InvalidDataException) { reference = null; }
                if (reference != null && !reference.AsSpan().SequenceEqual(decoded.ToArray()))
                    throw new FuzzFindingException($"GzipDecoder decoded {decoded.Length:N0} bytes where GZipStream decodes {reference.Length:N0} different ones");
            }
            ReadThroughEntry(data, "fuzz.gz");
        }

        /// <summary>
        /// A CommonSecurityLog CSV read three ways into an EventAccumulator: the byte-level ProxyCsvScanner, the general
        /// CSV reader, and ParallelProxyCsvReader over a temp file cut into tiny ranges. All three must agree exactly:
        /// issues, counts, filter tallies and profiles.
        /// </summary>
        public static void ProxyCsv(byte[] data)
        {
            var slow = ReadIntoAccumulator(data, "fuzz.csv", fast: false, parallel: false);
            var fast = ReadIntoAccumulator(data, "fuzz.csv", fast: true, parallel: false);
            Same("the byte-level scanner", fast, "the general CSV reader", slow);
            var parallel = ReadIntoAccumulator(data, "fuzz.csv", fast: true, parallel: true);
            Same("the parallel reader", parallel, "the general CSV reader", slow);
        }

        /// <summary>
        /// The workspace client's response parser: a response is read, or refused with a JsonException, and nothing
        /// else; read whole or trickled a few bytes at a time through a tiny buffer, it gives the same table.
        /// ServiceError.FromBody never throws.
        /// </summary>
        public static void Response(byte[] data)
        {
            string whole = ParseResponse(new MemoryStream(data, writable: false), 64 * 1024);
            string trickled = ParseResponse(new TricklingStream(data), 7);
            if (whole != trickled)
                throw new FuzzFindingException($"the response parser gives different results for the same bytes:\n{Clip(whole)}\n---\n{Clip(trickled)}");
            var error = ServiceError.FromBody(data);
            if (error != null)
            {
                _ = error.Describe();
                _ = error.IsResultTooLarge;
                _ = error.InnermostCode;
            }
        }

        // ───────────────────────── helpers ─────────────────────────

        private static string ParseResponse(Stream body, int bufferSize)
        {
            ParsedResponse p;
            try
            {
                p = QueryResponseParser.Parse(body, bufferSize);
            }
            catch (JsonException e)
            {
                return "refused: " + e.GetType().Name;
            }
            var sb = new StringBuilder();
            sb.Append("tables=").Append(p.Tables).Append('\n');
            foreach (var c in p.Columns) sb.Append(c.Name).Append(':').Append(c.Type).Append(',');
            sb.Append('\n');
            foreach (var row in p.Rows)
            {
                foreach (var v in row)
                    sb.Append(v == null ? "null" : v.GetType().Name + "=" + Convert.ToString(v is double d ? d.ToString("R", CultureInfo.InvariantCulture) : v, CultureInfo.InvariantCulture)).Append('|');
                sb.Append('\n');
            }
            if (p.Error != null)
            {
                sb.Append("error ").Append(p.Error.Code).Append(": ").Append(p.Error.Describe());
                _ = p.Error.IsResultTooLarge;
                _ = p.Error.InnermostCode;
            }
            return sb.ToString();
        }

        private sealed class ReadResult
        {
            public string Issues, Summary, Filters, Profiles;
        }

        private static ReadResult ReadIntoAccumulator(byte[] data, string name, bool fast, bool parallel)
        {
            var acc = new EventAccumulator(new HuntOptions(End, 30));
            var (ctx, issues) = Context();
            ctx.UseFastPaths = fast;
            FileReadSummary summary;
            if (parallel)
            {
                string path = Path.Combine(Path.GetTempPath(), $"lse-fuzz-{Environment.ProcessId}-{Environment.CurrentManagedThreadId}.csv");
                File.WriteAllBytes(path, data);
                ctx.MaxDegreeOfParallelism = 3;
                ctx.ParallelMinimumBytes = 64;
                try
                {
                    summary = LogFileReader.Read(path, acc, ctx);
                }
                finally
                {
                    File.Delete(path);
                }
                summary.File = name;
                issues = issues.Select(i => new ReadIssue(name, i.Line, i.Record, i.Reason)).ToList();
            }
            else
            {
                using (var ms = new MemoryStream(data, writable: false)) summary = LogFileReader.Read(ms, name, acc, ctx);
            }
            CheckAccounting(summary, issues, name, null);
            return new ReadResult
            {
                Issues = string.Join("\n", issues.Select(i => i.ToString())),
                Summary = summary.ToString(),
                Filters = acc.DescribeFilters(),
                Profiles = string.Join("\n", acc.Uploads.BuildProfiles().Select(p =>
                    $"{p.UserName} {p.TotalBytesSent} {p.ZIA_ActiveDays} {p.ZIA_TotalRequests} {p.ZIA_UniqueDestCnt} {p.FirstSeen:o} {p.LastSeen:o} " +
                    string.Join(";", p.Destinations.Select(d => $"{d.DestinationHostName}={d.SentBytes}/{d.RequestCount}/{d.ActiveDays}")))),
            };
        }

        private static void Same(string a, ReadResult x, string b, ReadResult y)
        {
            void Check(string what, string u, string v)
            {
                if (u != v) throw new FuzzFindingException($"{a} and {b} disagree on the {what}:\n{Clip(u)}\n---\n{Clip(v)}");
            }
            Check("issues", x.Issues, y.Issues);
            Check("summary", x.Summary, y.Summary);
            Check("filter tallies", x.Filters, y.Filters);
            Check("profiles", x.Profiles, y.Profiles);
        }

        /// <summary>Through the public entry (LogFileReader.Read on a stream), with a plain sink: the general readers.</summary>
        private static void ReadThroughEntry(byte[] data, string name)
        {
            var sink = new CheckingSink();
            var (ctx, issues) = Context();
            FileReadSummary summary;
            using (var ms = new MemoryStream(data, writable: false)) summary = LogFileReader.Read(ms, name, sink, ctx);
            CheckAccounting(summary, issues, name, sink);
        }

        private static (ReadContext, List<ReadIssue>) Context()
        {
            var issues = new List<ReadIssue>();
            var ctx = new ReadContext
            {
                OnIssue = issues.Add,
                MaxRecordChars = MaxRecordChars,
                MaxDegreeOfParallelism = 1,
                // A bug must surface as a finding, not be reported as "cannot read the file".
                RethrowUnexpected = true,
            };
            return (ctx, issues);
        }

        private static StreamReader Text(byte[] data) =>
            new StreamReader(new MemoryStream(data, writable: false), new UTF8Encoding(false, false), detectEncodingFromByteOrderMarks: true, bufferSize: 1024);

        /// <summary>Nothing dropped silently: one issue per skipped record (and one for a failed read), counts that add up.</summary>
        private static void CheckAccounting(FileReadSummary s, List<ReadIssue> issues, string name, CheckingSink sink)
        {
            long expected = s.Skipped + (s.Failed ? 1 : 0);
            if (issues.Count != expected)
                throw new FuzzFindingException($"{issues.Count} issue(s) reported where {s.Skipped} record(s) were skipped{(s.Failed ? " and the read failed" : "")}: {s}\n" +
                    string.Join("\n", issues.Take(5)));
            if (s.Records < s.Skipped + s.ProxyEvents + s.SharingEvents + s.Replays)
                throw new FuzzFindingException($"the counts do not add up: {s}");
            if (sink != null && (sink.Proxy != s.ProxyEvents || sink.Sharing != s.SharingEvents))
                throw new FuzzFindingException($"the sink received {sink.Proxy} proxy and {sink.Sharing} sharing events: {s}");
            foreach (var i in issues)
            {
                if (i.File != name || i.Line < 0 || i.Record < 0 || string.IsNullOrEmpty(i.Reason))
                    throw new FuzzFindingException($"malformed issue: {i}");
            }
        }

        private static string Clip(string s) => s.Length <= 2000 ? s : s.Substring(0, 2000) + "…";

        /// <summary>UTC−05:00 with a DST rule (second Sunday of March to first Sunday of November), like New York.</summary>
        private static readonly TimeZoneInfo DstZone = TimeZoneInfo.CreateCustomTimeZone("Fuzz/Dst", TimeSpan.FromHours(-5), "Fuzz DST", "Fuzz standard", "Fuzz daylight",
            new[]
            {
                TimeZoneInfo.AdjustmentRule.CreateAdjustmentRule(DateTime.MinValue.Date, DateTime.MaxValue.Date, TimeSpan.FromHours(1),
                    TimeZoneInfo.TransitionTime.CreateFloatingDateRule(new DateTime(1, 1, 1, 2, 0, 0), 3, 2, DayOfWeek.Sunday),
                    TimeZoneInfo.TransitionTime.CreateFloatingDateRule(new DateTime(1, 1, 1, 2, 0, 0), 11, 1, DayOfWeek.Sunday)),
            });

        /// <summary>UTC+14:00, the largest offset there is.</summary>
        private static readonly TimeZoneInfo FarEastZone = TimeZoneInfo.CreateCustomTimeZone("Fuzz/Kiritimati", TimeSpan.FromHours(14), "Fuzz +14", "Fuzz +14");

        /// <summary>Counts events and checks what a reader hands over is well formed.</summary>
        private sealed class CheckingSink : IEventSink
        {
            public long Proxy, Sharing;
            /// <summary>When set, every proxy event is written here, one line each (to compare two readers).</summary>
            public StringBuilder Events;

            public void AddProxy(DateTime timeUtc, string vendor, string action, string user, string host, long? sentBytes)
            {
                if (timeUtc.Kind != DateTimeKind.Utc) throw new FuzzFindingException($"a proxy event time of kind {timeUtc.Kind}");
                Proxy++;
                Events?.Append($"{timeUtc:o}|{vendor ?? "(null)"}|{action ?? "(null)"}|{user ?? "(null)"}|{host ?? "(null)"}|{(sentBytes.HasValue ? sentBytes.Value.ToString(CultureInfo.InvariantCulture) : "(null)")}\n");
            }

            public void AddSharing(DateTime timeUtc, string userId, string operation, string recordId = null)
            {
                if (timeUtc.Kind != DateTimeKind.Utc) throw new FuzzFindingException($"a sharing event time of kind {timeUtc.Kind}");
                Sharing++;
                Events?.Append($"{timeUtc:o}|{userId ?? "(null)"}|{operation ?? "(null)"}|{recordId ?? "(null)"}\n");
            }
        }

        /// <summary>Hands out at most a few bytes per read, as a slow network would.</summary>
        private sealed class TricklingStream : ReadOnlyStream
        {
            private readonly byte[] _data;
            private int _pos, _step;
            public TricklingStream(byte[] data) { _data = data; }
            public override int Read(byte[] buffer, int offset, int count)
            {
                int n = Math.Min(Math.Min(count, 1 + (_step++ % 3)), _data.Length - _pos);
                Buffer.BlockCopy(_data, _pos, buffer, offset, n);
                _pos += n;
                return n;
            }
        }
    }
}
