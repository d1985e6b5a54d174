using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.RegularExpressions;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using LowSlowExfil.Aggregation;
using LowSlowExfil.Readers;
using LowSlowExfil.Rule;
using LowSlowExfil.SampleData;
using LowSlowExfil.Scoring;
using Xunit;

namespace LowSlowExfil.Tests
{
    /// <summary>
    /// Property tests (FsCheck): generated event sets, written by the sample writers in every format, read back
    /// through <see cref="LogFileReader"/>; shuffled, split, read in parallel ranges, scored in both modes.
    /// </summary>
    /// <remarks>
    /// <para><b>What each format can carry</b> (the generators stay inside this; the limits are the formats', not bugs):</para>
    /// <list type="bullet">
    /// <item>Every format: no U+0000 (NUL bytes making 5 % of a file's start make it "not text"; the CSV and CEF writers
    /// write it raw) and no lone UTF-16 surrogate (not encodable as UTF-8). Times are whole seconds: CEF <c>rt</c>,
    /// Cloud NSS <c>TimeGenerated</c>, audit <c>CreationTime</c> have no fraction. An empty value and a missing one
    /// read the same (the JSON writers omit empty values, the CSV and NSS writers write them empty): compared as "".</item>
    /// <item>Log Analytics CSV / JSON exports, Cloud NSS JSON, Purview CSV (AuditData), Management API JSON: any other
    /// text, quotes, commas, CR, LF, <c>=</c>, <c>|</c>, backslashes, non-ASCII included (RFC 4180 quoting, JSON escapes).</item>
    /// <item>NSS CEF (<c>suser</c>, <c>act</c>, <c>dhost</c> in the extension; vendor and action in the header): NSS does not
    /// escape extension values, so a value cannot hold CR or LF (one record is one line; the writer turns them into
    /// spaces), cannot end in a space (the reader trims the end of a value), cannot hold <c>\\</c> or <c>\=</c> (decoded
    /// as the standard CEF escapes), cannot hold " key=" for a key of the feed template (it would start a new pair),
    /// and cannot hold a template placeholder such as <c>%s{login}</c> (the line is taken for the feed template).
    /// Proxy user names are generated inside these limits, since every proxy event goes through CEF too.</item>
    /// <item>NSS feeds (CEF, Cloud NSS) carry Zscaler's records only: the writer drops events whose vendor is not
    /// "Zscaler" in any letter case, and the properties expect exactly that.</item>
    /// <item>A writer given no events may write an empty file (CEF, Cloud NSS, JSON lines): the reader then reports
    /// "the file is empty" and reads no events.</item>
    /// </list>
    /// </remarks>
    public class PropertyTests
    {
        internal static readonly DateTime End = new DateTime(2026, 11, 1, 0, 0, 0, DateTimeKind.Utc);
        internal const int Days = 30;
        internal static readonly DateTime Start = End.AddDays(-Days);

        /// <summary>Thresholds low enough that small generated sets get flagged, so the flag clauses are compared too.</summary>
        private static FlagThresholds Low => new FlagThresholds { ZScore = 0.5, AnonymousLinks = 1, AnonymousLinkMinMB = 0, PersistenceDays = 2, PersistenceMinMB = 0.01 };

        // ───────────────────────────── 1. events → any format → the same events ─────────────────────────────

        [Property(MaxTest = 100, QuietOnSuccess = true, Arbitrary = new[] { typeof(PropertyArbitraries) })]
        public void EveryWriter_ReadsBackTheSameEvents(EventSet set)
        {
            using var dir = TestPaths.NewTempFolder();
            foreach (ProxyFormat f in Enum.GetValues(typeof(ProxyFormat)))
            {
                string path = dir.File("proxy-" + f);
                Formats.Write(f, set.Proxy, path);
                // NSS feeds carry Zscaler's own records only (the writer's documented filter).
                var expected = Formats.CarriesEveryVendor(f) ? set.Proxy : set.Proxy.Where(SampleRawFeedWriter.IsNssEvent).ToList();
                string label = $"{f} ({new FileInfo(path).Length} bytes)";

                var sink = new RecordingSink();
                var summary = LogFileReader.Read(path, sink, new ReadContext { OnIssue = sink.Issues.Add, UseFastPaths = false });
                AssertCleanOrEmpty(path, sink.Issues, label);
                Assert.Equal(expected.Select(Expect), sink.Proxy.Select(Normalize));
                Assert.Empty(sink.Sharing);
                Assert.Equal(expected.Count, summary.ProxyEvents);
                if (new FileInfo(path).Length > 0) Assert.Equal(Formats.Expected(f), summary.Format);

                foreach (bool kql in new[] { false, true })
                {
                    var direct = Acc(kql);
                    foreach (var e in expected) direct.AddProxy(e.TimeGenerated, e.DeviceVendor, e.DeviceAction, e.SourceUserName, e.DestinationHostName, e.SentBytes);
                    var read = Acc(kql);
                    var issues = new List<ReadIssue>();
                    LogFileReader.Read(path, read, new ReadContext { OnIssue = issues.Add });   // fast paths on
                    AssertCleanOrEmpty(path, issues, label + (kql ? ", KqlCompatible" : ", Intent"));
                    AssertSameAccumulators(direct, read, label);
                }
            }

            foreach (SharingFormat f in Enum.GetValues(typeof(SharingFormat)))
            {
                string path = dir.File("sharing-" + f);
                Formats.Write(f, set.Sharing, path);
                string label = $"{f} ({new FileInfo(path).Length} bytes)";

                var sink = new RecordingSink();
                var summary = LogFileReader.Read(path, sink, new ReadContext { OnIssue = sink.Issues.Add, UseFastPaths = false });
                AssertCleanOrEmpty(path, sink.Issues, label);
                Assert.Equal(set.Sharing.Select(Expect), sink.Sharing.Select(Normalize));
                Assert.Empty(sink.Proxy);
                Assert.Equal(set.Sharing.Count, summary.SharingEvents);
                if (new FileInfo(path).Length > 0) Assert.Equal(Formats.Expected(f), summary.Format);

                foreach (bool kql in new[] { false, true })
                {
                    var direct = Acc(kql);
                    foreach (var e in set.Sharing) direct.AddSharing(e.TimeGenerated, e.UserId, e.Operation);
                    var read = Acc(kql);
                    var issues = new List<ReadIssue>();
                    LogFileReader.Read(path, read, new ReadContext { OnIssue = issues.Add });
                    AssertCleanOrEmpty(path, issues, label + (kql ? ", KqlCompatible" : ", Intent"));
                    AssertSameAccumulators(direct, read, label);
                }
            }
        }

        // ───────────────────────────── 2. shuffling rows, splitting files ─────────────────────────────

        [Property(MaxTest = 100, QuietOnSuccess = true, Arbitrary = new[] { typeof(PropertyArbitraries) })]
        public void ShufflingRows_OrSplittingThemAcrossFiles_ChangesNothing(ShuffleCase c)
        {
            using var dir = TestPaths.NewTempFolder();
            // The truth: every row in its generated order, one CommonSecurityLog CSV and one OfficeActivity CSV.
            string zia = dir.File("all-proxy.csv"), o365 = dir.File("all-sharing.csv");
            SampleExportWriter.WriteCommonSecurityLogCsv(c.Events.Proxy, zia);
            SampleExportWriter.WriteOfficeActivityCsv(c.Events.Sharing, o365);

            var files = new List<string>();
            for (int f = 0; f < c.Files; f++)
            {
                var proxy = c.ProxyOrder.Where((_, i) => c.ProxyFile[i] == f).Select(i => c.Events.Proxy[i]).ToList();
                if (proxy.Count > 0)
                {
                    string p = dir.File($"part{f}-proxy-{c.ProxyFormats[f]}");
                    Formats.Write(c.ProxyFormats[f], proxy, p);
                    if (new FileInfo(p).Length > 0) files.Add(p);   // an NSS part of other vendors' rows only is empty
                }
                var sharing = c.SharingOrder.Where((_, i) => c.SharingFile[i] == f).Select(i => c.Events.Sharing[i]).ToList();
                if (sharing.Count > 0)
                {
                    string p = dir.File($"part{f}-sharing-{c.SharingFormats[f]}");
                    Formats.Write(c.SharingFormats[f], sharing, p);
                    files.Add(p);
                }
            }

            foreach (bool kql in new[] { false, true })
            {
                var truth = Acc(kql);
                var issues = new List<ReadIssue>();
                var ctx = new ReadContext { OnIssue = issues.Add };
                LogFileReader.Read(zia, truth, ctx);
                LogFileReader.Read(o365, truth, ctx);

                var parts = Acc(kql);
                ctx = new ReadContext { OnIssue = issues.Add };   // one read over all the parts, as a cmdlet does
                foreach (var f in files.OrderBy(f => f, StringComparer.Ordinal)) LogFileReader.Read(f, parts, ctx);
                Assert.Empty(issues);

                // Rows of other vendors are absent from NSS parts, so only the counted rows are compared, not every disposition.
                Assert.Equal(truth.Uploads.Count(ProxyDisposition.Counted), parts.Uploads.Count(ProxyDisposition.Counted));
                Assert.Equal(truth.Sharing.Count(SharingDisposition.Counted), parts.Sharing.Count(SharingDisposition.Counted));
                Assert.Equal(Describe.Profiles(truth), Describe.Profiles(parts));
                Assert.Equal(Describe.Score(Score(truth, null)), Describe.Score(Score(parts, null)));
                Assert.Equal(Describe.Score(Score(truth, Low)), Describe.Score(Score(parts, Low)));
            }
        }

        // ───────────────────────────── 3. parallel ranges = one thread ─────────────────────────────

        [Property(MaxTest = 100, QuietOnSuccess = true, Arbitrary = new[] { typeof(PropertyArbitraries) })]
        public void ReadingInParallelRanges_EqualsReadingWhole(ParallelCase c)
        {
            using var dir = TestPaths.NewTempFolder();
            string path = dir.File("csl.csv");
            c.Write(path, dir);
            // The parallel path is taken only for files of at least ParallelMinimumBytes (a shrunk case may be smaller).
            int minimum = (int)Math.Min(c.MinimumBytes, new FileInfo(path).Length);

            var general = ReadCsv(path, c.Kql, fast: false, threads: 1, minimum);
            var one = ReadCsv(path, c.Kql, fast: true, threads: 1, minimum);
            Assert.Equal(general, one);
            for (int threads = 2; threads <= 8; threads++)
                Assert.Equal(one, ReadCsv(path, c.Kql, fast: true, threads, minimum));
        }

        private static Snapshot ReadCsv(string path, bool kql, bool fast, int threads, int minimumBytes)
        {
            var acc = Acc(kql);
            var issues = new StringBuilder();
            var summary = LogFileReader.Read(path, acc, new ReadContext
            {
                UseFastPaths = fast,
                MaxDegreeOfParallelism = threads,
                ParallelMinimumBytes = minimumBytes,
                OnIssue = i => issues.Append(i.Line).Append('|').Append(i.Record).Append('|').Append(i.Reason).Append('\n'),
            });
            return new Snapshot
            {
                Issues = issues.ToString(),
                Summary = summary.ToString(),
                Filters = acc.DescribeFilters(),
                Profiles = Describe.Profiles(acc),
                Score = Describe.Score(Score(acc, Low)),
            };
        }

        /// <summary>Everything one read produced, compared as a whole (xunit shows which part differs).</summary>
        public sealed record Snapshot
        {
            public string Issues { get; init; }
            public string Summary { get; init; }
            public string Filters { get; init; }
            public string Profiles { get; init; }
            public string Score { get; init; }
        }

        // ───────────────────────────── 4. both modes agree outside the documented differences ─────────────────────────────

        [Property(MaxTest = 100, QuietOnSuccess = true, Arbitrary = new[] { typeof(PropertyArbitraries) })]
        public void BothModes_Agree_WhereNoDocumentedDifferenceApplies(ModeAgnosticSet s)
        {
            // Fed directly, and through the files (the CSV export takes the byte-level fast path).
            var directKql = Acc(true);
            var directIntent = Acc(false);
            foreach (var acc in new[] { directKql, directIntent })
            {
                foreach (var e in s.Events.Proxy) acc.AddProxy(e.TimeGenerated, e.DeviceVendor, e.DeviceAction, e.SourceUserName, e.DestinationHostName, e.SentBytes);
                foreach (var e in s.Events.Sharing) acc.AddSharing(e.TimeGenerated, e.UserId, e.Operation);
            }
            AssertModesAgree(directKql, directIntent);

            using var dir = TestPaths.NewTempFolder();
            string zia = dir.File("csl.csv"), o365 = dir.File("oa.json");
            SampleExportWriter.WriteCommonSecurityLogCsv(s.Events.Proxy, zia);
            SampleExportWriter.WriteOfficeActivityJson(s.Events.Sharing, o365);
            var fileKql = Acc(true);
            var fileIntent = Acc(false);
            foreach (var acc in new[] { fileKql, fileIntent })
                foreach (var f in new[] { zia, o365 })
                    Assert.Empty(Issues(f, acc));
            AssertModesAgree(fileKql, fileIntent);
            Assert.Equal(Describe.Profiles(directIntent), Describe.Profiles(fileIntent));
        }

        private static void AssertModesAgree(EventAccumulator kql, EventAccumulator intent)
        {
            Assert.Equal("KqlCompatible", kql.Options.ModeName);
            Assert.Equal("Intent", intent.Options.ModeName);
            Assert.Equal(kql.DescribeFilters(), intent.DescribeFilters());
            Assert.Equal(Describe.Profiles(kql, withMode: false), Describe.Profiles(intent, withMode: false));
            Assert.Equal(Describe.Score(Score(kql, null), withMode: false), Describe.Score(Score(intent, null), withMode: false));
            Assert.Equal(Describe.Score(Score(kql, Low), withMode: false), Describe.Score(Score(intent, Low), withMode: false));
        }

        // ───────────────────────────── found by the properties ─────────────────────────────

        /// <summary>
        /// JSON lines whose first record holds "CEF:" (Cloud NSS) or a placeholder-like "%s{login}" (an audit record) were
        /// sniffed as an NSS CEF feed or as a feed template: every line an issue, or no events at all. JSON is JSON now.
        /// </summary>
        [Theory]
        [InlineData("CEF:0|not|a|header")]
        [InlineData("%s{login}")]
        [InlineData("x %02d{dd} y")]
        public void JsonLines_WhoseFirstRecordHoldsCefOrAPlaceholder_AreStillJson(string user)
        {
            using var dir = TestPaths.NewTempFolder();
            var proxy = new[]
            {
                new SampleProxyEvent { TimeGenerated = End.AddDays(-1), DeviceVendor = "Zscaler", DeviceAction = "Allowed", SourceUserName = user, DestinationHostName = "dropbox.com", SentBytes = 7, ExternalId = 1 },
                new SampleProxyEvent { TimeGenerated = End.AddDays(-2), DeviceVendor = "Zscaler", DeviceAction = "Allowed", SourceUserName = "b@x.com", DestinationHostName = "box.com", SentBytes = 9, ExternalId = 2 },
            };
            var sharing = new[]
            {
                new SampleSharingEvent { TimeGenerated = End.AddDays(-1), UserId = user, Operation = "FileCopied", Id = "1" },
                new SampleSharingEvent { TimeGenerated = End.AddDays(-2), UserId = "b@x.com", Operation = "SharingSet", Id = "2" },
            };
            string cloud = dir.File("cloud.json"), api = dir.File("api.jsonl");
            SampleRawFeedWriter.WriteCloudNssJson(proxy, cloud);
            SampleRawFeedWriter.WriteManagementApiJson(sharing, api, jsonLines: true);

            var sink = new RecordingSink();
            var summaries = new[] { sink.Read(cloud), sink.Read(api) };
            Assert.Empty(sink.Issues);
            Assert.All(summaries, s => Assert.Equal(LogFormat.Json, s.Format));
            Assert.All(summaries, s => Assert.Null(s.Notice));
            Assert.Equal(new[] { user, "b@x.com" }, sink.Proxy.Select(p => p.User));
            Assert.Equal(new[] { user, "b@x.com" }, sink.Sharing.Select(p => p.User));
        }

        // ───────────────────────────── helpers ─────────────────────────────

        internal static EventAccumulator Acc(bool kql) => new EventAccumulator(new HuntOptions(End, Days, kqlCompatible: kql));

        private static ScoreResult Score(EventAccumulator acc, FlagThresholds thresholds) =>
            CandidateScorer.Score(acc.Uploads.BuildProfiles(), acc.Sharing.BuildProfiles(), thresholds ?? new FlagThresholds());

        private static List<ReadIssue> Issues(string path, IEventSink sink)
        {
            var issues = new List<ReadIssue>();
            LogFileReader.Read(path, sink, new ReadContext { OnIssue = issues.Add });
            return issues;
        }

        /// <summary>No issue, except "the file is empty" for a writer that wrote nothing (an NSS feed of no Zscaler events).</summary>
        private static void AssertCleanOrEmpty(string path, List<ReadIssue> issues, string label)
        {
            if (new FileInfo(path).Length == 0)
            {
                Assert.Equal(new[] { "the file is empty" }, issues.Select(i => i.Reason));
                return;
            }
            Assert.True(issues.Count == 0, label + ": " + string.Join("; ", issues));
        }

        private static void AssertSameAccumulators(EventAccumulator expected, EventAccumulator actual, string label)
        {
            Assert.Equal(expected.DescribeFilters(), actual.DescribeFilters());
            Assert.Equal(Describe.Profiles(expected), Describe.Profiles(actual));
            Assert.Equal(Describe.Score(Score(expected, Low)), Describe.Score(Score(actual, Low)));
        }

        private static string N(string s) => s ?? string.Empty;

        private static string Expect(SampleProxyEvent e) =>
            Normalize((e.TimeGenerated, e.DeviceVendor, e.DeviceAction, e.SourceUserName, e.DestinationHostName, (long?)e.SentBytes));

        private static string Normalize((DateTime Time, string Vendor, string Action, string User, string Host, long? Sent) p) =>
            $"{p.Time:o} v={Show.Q(N(p.Vendor))} a={Show.Q(N(p.Action))} u={Show.Q(N(p.User))} h={Show.Q(N(p.Host))} b={p.Sent?.ToString(CultureInfo.InvariantCulture) ?? "null"}";

        private static string Expect(SampleSharingEvent e) => Normalize((e.TimeGenerated, e.UserId, e.Operation));

        private static string Normalize((DateTime Time, string User, string Operation) s) =>
            $"{s.Time:o} u={Show.Q(N(s.User))} op={Show.Q(N(s.Operation))}";
    }

    // ───────────────────────────── cases ─────────────────────────────

    /// <summary>Web-proxy and Microsoft 365 events, as the sample writers take them.</summary>
    public sealed class EventSet
    {
        public EventSet(IEnumerable<SampleProxyEvent> proxy, IEnumerable<SampleSharingEvent> sharing)
        {
            Proxy = proxy.ToList();
            Sharing = sharing.ToList();
        }

        public List<SampleProxyEvent> Proxy { get; }
        public List<SampleSharingEvent> Sharing { get; }

        public override string ToString()
        {
            var sb = new StringBuilder();
            sb.Append($"{Proxy.Count} proxy, {Sharing.Count} sharing");
            foreach (var e in Proxy) sb.Append("\n  ").Append(Show.Proxy(e));
            foreach (var e in Sharing) sb.Append("\n  ").Append(Show.Sharing(e));
            return sb.ToString();
        }

        /// <summary>Halves first, then one event less at a time.</summary>
        public IEnumerable<EventSet> Shrink()
        {
            if (Proxy.Count > 1) yield return new EventSet(Proxy.Take(Proxy.Count / 2), Sharing);
            if (Sharing.Count > 1) yield return new EventSet(Proxy, Sharing.Take(Sharing.Count / 2));
            for (int i = 0; i < Proxy.Count; i++) yield return new EventSet(Proxy.Where((_, j) => j != i), Sharing);
            for (int i = 0; i < Sharing.Count; i++) yield return new EventSet(Proxy, Sharing.Where((_, j) => j != i));
        }
    }

    /// <summary>Events generated away from every documented difference between the modes.</summary>
    public sealed class ModeAgnosticSet
    {
        public ModeAgnosticSet(EventSet events) { Events = events; }
        public EventSet Events { get; }
        public override string ToString() => Events.ToString();
    }

    /// <summary>An event set, a permutation of its rows, and the file (with its format) each row goes to.</summary>
    public sealed class ShuffleCase
    {
        public EventSet Events { get; set; }
        public int[] ProxyOrder { get; set; }
        public int[] SharingOrder { get; set; }
        public int Files { get; set; }
        /// <summary>File of the i-th row in shuffled order.</summary>
        public int[] ProxyFile { get; set; }
        public int[] SharingFile { get; set; }
        public ProxyFormat[] ProxyFormats { get; set; }
        public SharingFormat[] SharingFormats { get; set; }

        public override string ToString() =>
            $"{Files} file(s): proxy [{string.Join(",", ProxyOrder.Select((r, i) => $"{r}→{ProxyFile[i]}"))}] in {string.Join(",", ProxyFormats)}; " +
            $"sharing [{string.Join(",", SharingOrder.Select((r, i) => $"{r}→{SharingFile[i]}"))}] in {string.Join(",", SharingFormats)}\n{Events}";
    }

    /// <summary>The malformed or unusual rows a CommonSecurityLog CSV gets between the writer's rows.</summary>
    public enum BadRow
    {
        ShortMultiline, Short, BadTime, BadBytes, Blank, QuotedBlank, LongRow, CrlfMultilineValid, SpacedBytes, RealBytes,
    }

    /// <summary>A CommonSecurityLog CSV: the writer's rows (with multi-line cells) and odd rows between them.</summary>
    public sealed class ParallelCase
    {
        /// <summary>Each item is an event (written by the CSV writer) or an odd row written by hand.</summary>
        public List<(SampleProxyEvent Event, BadRow? Bad)> Rows { get; set; }
        /// <summary>0: the file ends with a line break; 1: a short row without one; 2: a quote left open.</summary>
        public int Tail { get; set; }
        public bool Kql { get; set; }
        public int MinimumBytes { get; set; }

        public override string ToString() =>
            $"{(Kql ? "KqlCompatible" : "Intent")}, ParallelMinimumBytes {MinimumBytes}, tail {Tail}, {Rows.Count} rows:" +
            string.Concat(Rows.Select(r => "\n  " + (r.Bad.HasValue ? "odd row " + r.Bad : Show.Proxy(r.Event))));

        public IEnumerable<ParallelCase> Shrink()
        {
            for (int i = 0; i < Rows.Count; i++)
                if (Rows.Count > 20) yield return new ParallelCase { Rows = Rows.Where((_, j) => j != i).ToList(), Tail = Tail, Kql = Kql, MinimumBytes = MinimumBytes };
        }

        public void Write(string path, TempFolder dir)
        {
            string scratch = dir.File("chunk.csv");
            SampleExportWriter.WriteCommonSecurityLogCsv(Array.Empty<SampleProxyEvent>(), scratch);
            string headerLine = File.ReadAllText(scratch, Encoding.UTF8).TrimStart('\uFEFF');
            headerLine = headerLine.Substring(0, headerLine.IndexOf('\n'));
            var header = headerLine.Split(',');
            int n = header.Length;
            int time = Array.IndexOf(header, "TimeGenerated [UTC]"), vendor = Array.IndexOf(header, "DeviceVendor"), action = Array.IndexOf(header, "DeviceAction"),
                user = Array.IndexOf(header, "SourceUserName"), host = Array.IndexOf(header, "DestinationHostName"), sent = Array.IndexOf(header, "SentBytes");

            string Row(string t, string bytes, string u = "odd@x.com", int fields = -1, string eol = "\n")
            {
                var cells = Enumerable.Repeat(string.Empty, fields < 0 ? n : fields).ToArray();
                cells[time] = t;
                if (fields < 0)
                {
                    cells[vendor] = "Zscaler";
                    cells[action] = "Allowed";
                    cells[user] = u;
                    cells[host] = "dropbox.com";
                    cells[sent] = bytes;
                }
                return string.Join(",", cells) + eol;
            }
            const string okTime = "\"10/20/2026, 3:05:26.000 PM\"";

            var sb = new StringBuilder(headerLine).Append('\n');
            var chunk = new List<SampleProxyEvent>();
            void Flush()
            {
                if (chunk.Count == 0) return;
                SampleExportWriter.WriteCommonSecurityLogCsv(chunk, scratch);
                string text = File.ReadAllText(scratch, Encoding.UTF8).TrimStart('\uFEFF');
                sb.Append(text, text.IndexOf('\n') + 1, text.Length - text.IndexOf('\n') - 1);
                chunk.Clear();
            }
            foreach (var (e, bad) in Rows)
            {
                if (!bad.HasValue) { chunk.Add(e); continue; }
                Flush();
                switch (bad.Value)
                {
                    case BadRow.ShortMultiline: sb.Append("x,\"multi\nline\",y\n"); break;
                    case BadRow.Short: sb.Append("t," + okTime + "\n"); break;
                    case BadRow.BadTime: sb.Append(Row("yesterday", "1")); break;
                    case BadRow.BadBytes: sb.Append(Row(okTime, "ten")); break;
                    case BadRow.Blank: sb.Append('\n'); break;
                    case BadRow.QuotedBlank: sb.Append("\"\"\n"); break;
                    case BadRow.LongRow: sb.Append(Row(okTime, "1", fields: n + 1)); break;
                    case BadRow.CrlfMultilineValid: sb.Append(Row(okTime, "5", "\"crlf\r\nuser@x.com\"", eol: "\r\n")); break;
                    case BadRow.SpacedBytes: sb.Append(Row(okTime, " 7 ")); break;
                    case BadRow.RealBytes: sb.Append(Row(okTime, "7.0")); break;
                }
            }
            Flush();
            if (Tail == 1) sb.Append("t,x");
            else if (Tail == 2) sb.Append("t,\"open\nmore");
            File.WriteAllText(path, sb.ToString(), new UTF8Encoding(true));
        }
    }

    public enum ProxyFormat { CommonSecurityLogCsv, CommonSecurityLogJson, NssCef, NssCefWithPri, CloudNssJson }

    public enum SharingFormat { OfficeActivityCsv, OfficeActivityJson, PurviewCsv, PurviewCsvNewLayout, ManagementApiJson, ManagementApiJsonLines }

    internal static class Formats
    {
        public static void Write(ProxyFormat f, IEnumerable<SampleProxyEvent> events, string path)
        {
            switch (f)
            {
                case ProxyFormat.CommonSecurityLogCsv: SampleExportWriter.WriteCommonSecurityLogCsv(events, path); break;
                case ProxyFormat.CommonSecurityLogJson: SampleExportWriter.WriteCommonSecurityLogJson(events, path); break;
                case ProxyFormat.NssCef: SampleRawFeedWriter.WriteNssCef(events, path, withPri: false); break;
                case ProxyFormat.NssCefWithPri: SampleRawFeedWriter.WriteNssCef(events, path, withPri: true); break;
                default: SampleRawFeedWriter.WriteCloudNssJson(events, path); break;
            }
        }

        public static void Write(SharingFormat f, IEnumerable<SampleSharingEvent> events, string path)
        {
            switch (f)
            {
                case SharingFormat.OfficeActivityCsv: SampleExportWriter.WriteOfficeActivityCsv(events, path); break;
                case SharingFormat.OfficeActivityJson: SampleExportWriter.WriteOfficeActivityJson(events, path); break;
                case SharingFormat.PurviewCsv: SampleRawFeedWriter.WritePurviewCsv(events, path, newLayout: false); break;
                case SharingFormat.PurviewCsvNewLayout: SampleRawFeedWriter.WritePurviewCsv(events, path, newLayout: true); break;
                case SharingFormat.ManagementApiJson: SampleRawFeedWriter.WriteManagementApiJson(events, path, jsonLines: false); break;
                default: SampleRawFeedWriter.WriteManagementApiJson(events, path, jsonLines: true); break;
            }
        }

        /// <summary>Log Analytics exports carry every vendor's rows; NSS feeds only Zscaler's.</summary>
        public static bool CarriesEveryVendor(ProxyFormat f) => f == ProxyFormat.CommonSecurityLogCsv || f == ProxyFormat.CommonSecurityLogJson;

        public static LogFormat Expected(ProxyFormat f) =>
            f == ProxyFormat.CommonSecurityLogCsv ? LogFormat.CommonSecurityLogCsv
            : f == ProxyFormat.NssCef || f == ProxyFormat.NssCefWithPri ? LogFormat.NssCef : LogFormat.Json;

        public static LogFormat Expected(SharingFormat f) =>
            f == SharingFormat.OfficeActivityCsv ? LogFormat.OfficeActivityCsv
            : f == SharingFormat.PurviewCsv || f == SharingFormat.PurviewCsvNewLayout ? LogFormat.PurviewAuditCsv : LogFormat.Json;
    }

    // ───────────────────────────── generators ─────────────────────────────

    public static class PropertyArbitraries
    {
        public static Arbitrary<EventSet> EventSets() => Arb.From(EventGen.Set(0, 12, 0, 8, EventGen.AnyProxy, EventGen.AnySharing), s => s.Shrink());

        public static Arbitrary<ModeAgnosticSet> ModeAgnosticSets() =>
            Arb.From(EventGen.Set(5, 40, 0, 20, EventGen.ModeAgnosticProxy, EventGen.ModeAgnosticSharing).Select(s => new ModeAgnosticSet(s)),
                s => s.Events.Shrink().Select(e => new ModeAgnosticSet(e)));

        public static Arbitrary<ShuffleCase> ShuffleCases() => Arb.From(
            from events in EventGen.Set(0, 14, 0, 10, EventGen.AnyProxy, EventGen.AnySharing)
            from proxyOrder in Gen.Shuffle(Enumerable.Range(0, events.Proxy.Count).ToArray())
            from sharingOrder in Gen.Shuffle(Enumerable.Range(0, events.Sharing.Count).ToArray())
            from files in Gen.Choose(1, 4)
            from proxyFile in Gen.Choose(0, files - 1).ArrayOf(events.Proxy.Count)
            from sharingFile in Gen.Choose(0, files - 1).ArrayOf(events.Sharing.Count)
            from proxyFormats in Gen.Elements((ProxyFormat[])Enum.GetValues(typeof(ProxyFormat))).ArrayOf(files)
            from sharingFormats in Gen.Elements((SharingFormat[])Enum.GetValues(typeof(SharingFormat))).ArrayOf(files)
            select new ShuffleCase
            {
                Events = events, ProxyOrder = proxyOrder.ToArray(), SharingOrder = sharingOrder.ToArray(), Files = files,
                ProxyFile = proxyFile, SharingFile = sharingFile, ProxyFormats = proxyFormats, SharingFormats = sharingFormats,
            });

        public static Arbitrary<ParallelCase> ParallelCases() => Arb.From(
            from count in Gen.Choose(20, 70)
            from baseId in Gen.Choose(1, 1000)
            from rows in Gen.Frequency(
                    (8, EventGen.CsvProxy.Select(e => (Event: e, Bad: (BadRow?)null))),
                    (1, Gen.Elements((BadRow[])Enum.GetValues(typeof(BadRow))).Select(b => (Event: (SampleProxyEvent)null, Bad: (BadRow?)b))))
                .ListOf(count)
            from tail in Gen.Choose(0, 2)
            from kql in Gen.Elements(false, true)
            from minimum in Gen.Elements(1024, 4096)
            select new ParallelCase { Rows = EventGen.Number(rows.ToList(), baseId), Tail = tail, Kql = kql, MinimumBytes = minimum },
            c => c.Shrink());
    }

    internal static class EventGen
    {
        private static DateTime Start => PropertyTests.Start;
        private static DateTime End => PropertyTests.End;

        /// <summary>Whole seconds from 3 days before the window to 2 days after it, the window's edges often.</summary>
        public static readonly Gen<DateTime> Time = Gen.Frequency(
            (2, Gen.Elements(Start, Start.AddSeconds(1), Start.AddSeconds(-1), End, End.AddSeconds(-1), End.AddSeconds(1),
                End.AddDays(-1), End.AddDays(-1).AddSeconds(-1), Start.AddDays(1))),
            (8, Gen.Choose(0, 35 * 86400).Select(s => Start.AddDays(-3).AddSeconds(s))));

        private static readonly string[] OddVendors = { "zscaler", "ZSCALER", "ZScaler", "Fortinet", "Palo Alto Networks", "", null, "Zscaler Inc", " Zscaler" };

        private static readonly string[] Actions =
        {
            "Allowed", "Allowed", "Allowed", "Caution", "Blocked", "blocked", "block", "BLOCK", "Block", "BLOCKED", "deny", "Deny", "DENY",
            "", null, "Caution|Warn", @"Isolate\Browser",
        };

        private static readonly string[] Hosts =
        {
            "dropbox.com", "www.dropbox.com", "DROPBOX.COM", "dl.dropbox.com.", "drive.google.com", "docs.google.com:443", "gist.github.com",
            "github.com", "codeload.GitHub.com", "x.t.me", "t.me", "at.me", "t.media.com", "mydropbox.com", "evil-dropbox.com.example",
            "drive_google.com", "box.com", "mega.nz", "web.whatsapp.com", "example.org", "intranet.contoso.com", "", null,
        };

        /// <summary>A few names reused often, so users collect several events (and case variants merge).</summary>
        private static readonly string[] Users =
        {
            "alice@contoso.com", "ALICE@contoso.com", "Alice@Contoso.com", "Bob.Smith@contoso.com", @"CONTOSO\carol", "dave o'brien@contoso.com",
            "Zoë Łukasz", "山田太郎@contoso.jp", "eve \"the quoted\", jr", "frank=admin@x.com", "gina|ops", "henry 🙂", "İlknur@x.com",
            "STRASSE@x.com", "straße@x.com", " leading@x.com", "tab\tuser", "x y=z", "semi;colon", "{brace}[bracket]", "percent%20user",
            "CEF:0|not|a|header", "Kelvin\u212A@x.com", "nbsp\u00A0user\u00A0", "ls\u2028sep", "ctl\u0001x", "a\\", "\"", ",", "=",
        };

        private static readonly string[] Fragments =
        {
            "a", "B", "x", "é", "ß", "中", "🙂", " ", "\"", ",", "=", "|", "\\", "'", ";", ":", "%", "{", "}", "\t", "@", ".", "\u00A0", "İ", "#", "<", ">",
        };

        private static readonly string[] LineBreaks = { "\n", "\r\n", "\r" };

        private static Gen<string> Composite(bool lineBreaks) =>
            Gen.Choose(1, 10).SelectMany(n => Gen.Elements(lineBreaks ? Fragments.Concat(LineBreaks).ToArray() : Fragments).ListOf(n)).Select(l => string.Concat(l));

        /// <summary>User names any proxy format carries (see the class remarks on PropertyTests for NSS CEF's limits).</summary>
        private static readonly Gen<string> ProxyUser = Gen.Frequency(
            (6, Gen.Elements(Users)),
            (3, Composite(lineBreaks: false)),
            (1, Gen.Elements("", (string)null))).Where(CefCanCarry);

        /// <summary>User names for formats that quote or escape everything (CSV, JSON).</summary>
        private static readonly Gen<string> AnyUser = Gen.Frequency(
            (6, Gen.Elements(Users)),
            (1, Gen.Elements("multi\nline@x.com", "cr\rlf\r\n@x.com", " ", "trailing ", "a\\\\b", "a\\=b", "u in=5", "%s{login}")),
            (3, Composite(lineBreaks: true)),
            (1, Gen.Elements("", (string)null)));

        private static readonly Regex Placeholder = new Regex(@"%\d*[sd]\{[A-Za-z_]+\}", RegexOptions.CultureInvariant);
        private static readonly Regex SpaceKey = new Regex(@" ([A-Za-z0-9_]+)=", RegexOptions.CultureInvariant);
        private static readonly HashSet<string> CefKeys = new HashSet<string>(SampleRawFeedWriter.NssFieldKeys().Concat(new[]
        {
            "start", "end", "msg", "proto", "spt", "dpt", "duser", "dvchost", "deviceExternalId", "cn2", "cn2Label", "cn3", "cn3Label",
        }), StringComparer.Ordinal);

        /// <summary>What an NSS CEF extension value can hold (NSS does not escape values).</summary>
        internal static bool CefCanCarry(string s)
        {
            if (string.IsNullOrEmpty(s)) return true;
            if (s.IndexOf('\r') >= 0 || s.IndexOf('\n') >= 0 || s.EndsWith(" ", StringComparison.Ordinal)) return false;
            if (s.Contains("\\\\") || s.Contains("\\=") || Placeholder.IsMatch(s)) return false;
            foreach (Match m in SpaceKey.Matches(s))
                if (CefKeys.Contains(m.Groups[1].Value)) return false;
            return true;
        }

        private static readonly Gen<long> Bytes = Gen.Frequency(
            // Up to the per-record bound (1 TiB; past it a record is an error, SentBytesBoundTests), which sums of many stay far from overflowing.
            (2, Gen.Elements(0L, 1L, 131072L, 1048576L, 5L * 1048576 + 131072, int.MaxValue + 1L, (1L << 32) + 1, ExportSchema.MaxSentBytes - 1)),
            (1, Gen.Constant(ExportSchema.MaxSentBytes)),
            (6, Gen.Choose(0, 20_000).Select(i => (long)i)),
            (6, Gen.Choose(0, 60_000_000).Select(i => (long)i)),
            (2, Gen.Choose(1, 1 << 20).Select(i => i * 4096L)));

        private static Gen<SampleProxyEvent> Proxy(Gen<string> vendor, Gen<string> action, Gen<string> user, Gen<string> host) =>
            from t in Time
            from v in vendor
            from a in action
            from u in user
            from h in host
            from sent in Bytes
            from received in Gen.Choose(0, 100_000)
            from url in Gen.Elements(null, null, "http://plain.example/upload?x=1,2")
            select new SampleProxyEvent
            {
                TimeGenerated = t, DeviceVendor = v, DeviceProduct = "NSSWeblog", DeviceAction = a, SourceUserName = u, DestinationHostName = h,
                SentBytes = sent, ReceivedBytes = received, RequestURL = url, SourceIP = "10.1.2.3",
            };

        private static readonly Gen<string> Vendor = Gen.Frequency((6, Gen.Constant("Zscaler")), (4, Gen.Elements(OddVendors)));

        public static readonly Gen<SampleProxyEvent> AnyProxy = Proxy(Vendor, Gen.Elements(Actions), ProxyUser, Gen.Elements(Hosts));

        /// <summary>For CSV only: user names with line breaks too (multi-line quoted cells).</summary>
        public static readonly Gen<SampleProxyEvent> CsvProxy = Proxy(Vendor, Gen.Elements(Actions), AnyUser, Gen.Elements(Hosts));

        private static readonly string[] Operations =
        {
            "FileDownloaded", "FileSyncDownloadedFull", "FileCopied", "AnonymousLinkCreated", "AnonymousLinkUsed", "SharingSet",
            "SharingInvitationCreated", "AddedToSecureLink", "SecureLinkUsed", "anonymouslinkcreated", "ANONYMOUSLINKUSED", "FileAccessed",
            "UserLoggedIn", "PageViewed", "Anonymous Link", "", null,
        };

        private static readonly string[] Workloads = { "SharePoint", "OneDrive", "Exchange", "AzureActiveDirectory", null };

        private static readonly string[] ObjectIds =
        {
            "https://contoso.sharepoint.com/sites/Finance/Shared Documents/Budget, FY27.xlsx",
            "https://contoso-my.sharepoint.com/personal/alice_contoso_com/Documents/notes \"draft\".docx", null, "Inbox/Re: hello",
        };

        private static Gen<SampleSharingEvent> Sharing(Gen<string> operation) =>
            from t in Time
            from u in AnyUser
            from op in operation
            from w in Gen.Elements(Workloads)
            from o in Gen.Elements(ObjectIds)
            from rt in Gen.Elements(6, 14, 15, 2)
            select new SampleSharingEvent { TimeGenerated = t, UserId = u, Operation = op, OfficeWorkload = w, OfficeObjectId = o, RecordType = rt, ClientIP = "203.0.113.7" };

        public static readonly Gen<SampleSharingEvent> AnySharing = Sharing(Gen.Elements(Operations));

        // ── mode-agnostic: none of README's "Where the module differs" rows can apply ──

        /// <summary>Only "Zscaler" as the rule writes it: another letter case is a documented difference (the vendor match).</summary>
        private static readonly Gen<string> CanonicalVendor = Gen.Constant("Zscaler");

        /// <summary>Blocked only as the rule spells it (both modes drop these), or not blocked at all.</summary>
        private static readonly Gen<string> AgnosticAction = Gen.Elements("Allowed", "Allowed", "Caution", "", null, "block", "BLOCK", "Blocked", "blocked", "deny");

        private static readonly Gen<string> Label = Gen.Choose(1, 6).SelectMany(n => Gen.Elements("a", "b", "z", "0", "7", "-").ListOf(n))
            .Select(l => string.Concat(l).Trim('-')).Where(s => s.Length > 0);

        /// <summary>An exfiltration domain as is (any case, with a port or a trailing dot), a plain subdomain of one, or a host neither mode matches.</summary>
        private static readonly Gen<string> AgnosticHost = Gen.Frequency(
            (4, Gen.Elements(ExfilRule.DefaultExfilDomains.ToArray())),
            (1, Gen.Elements(ExfilRule.DefaultExfilDomains.ToArray()).Select(d => d.ToUpperInvariant())),
            (1, Gen.Elements(ExfilRule.DefaultExfilDomains.ToArray()).Select(d => d + ":443")),
            (1, Gen.Elements(ExfilRule.DefaultExfilDomains.ToArray()).Select(d => d + ".")),
            (3, from label in Label from d in Gen.Elements(ExfilRule.DefaultExfilDomains.ToArray()) select label + "." + d),
            (2, Gen.Elements("example.org", "intranet.contoso.com", "www.bbc.co.uk", "login.microsoftonline.com", "mydropbox.com", "", null)));

        public static readonly Gen<SampleProxyEvent> ModeAgnosticProxy = Proxy(CanonicalVendor, AgnosticAction, AnyUser, AgnosticHost);

        /// <summary>Every operation but the anonymous-link ones the modes count differently.</summary>
        public static readonly Gen<SampleSharingEvent> ModeAgnosticSharing =
            Sharing(Gen.Elements(Operations.Where(o => o != "AnonymousLinkCreated" && o != "AnonymousLinkUsed").ToArray()));

        public static Gen<EventSet> Set(int minProxy, int maxProxy, int minSharing, int maxSharing, Gen<SampleProxyEvent> proxy, Gen<SampleSharingEvent> sharing) =>
            from np in Gen.Choose(minProxy, maxProxy)
            from ns in Gen.Choose(minSharing, maxSharing)
            from p in proxy.ListOf(np)
            from s in sharing.ListOf(ns)
            from baseId in Gen.Choose(1, 1000)
            select new EventSet(Number(p.ToList(), baseId), Number(s.ToList(), baseId));

        /// <summary>Fresh copies with unique ids (NSS externalId: a repeated one is a replay), as a tenant assigns them.</summary>
        private static List<SampleProxyEvent> Number(List<SampleProxyEvent> events, int baseId) =>
            events.Select((e, i) => new SampleProxyEvent
            {
                TimeGenerated = e.TimeGenerated, DeviceVendor = e.DeviceVendor, DeviceProduct = e.DeviceProduct, DeviceAction = e.DeviceAction,
                SourceUserName = e.SourceUserName, DestinationHostName = e.DestinationHostName, SentBytes = e.SentBytes, ReceivedBytes = e.ReceivedBytes,
                RequestURL = e.RequestURL, SourceIP = e.SourceIP, ExternalId = baseId + i,
            }).ToList();

        private static List<SampleSharingEvent> Number(List<SampleSharingEvent> events, int baseId) =>
            events.Select((e, i) => new SampleSharingEvent
            {
                TimeGenerated = e.TimeGenerated, UserId = e.UserId, Operation = e.Operation, OfficeWorkload = e.OfficeWorkload,
                OfficeObjectId = e.OfficeObjectId, ClientIP = e.ClientIP, RecordType = e.RecordType,
                Id = SampleExportWriter.HashGuid((baseId + i).ToString(CultureInfo.InvariantCulture)),
            }).ToList();

        public static List<(SampleProxyEvent Event, BadRow? Bad)> Number(List<(SampleProxyEvent Event, BadRow? Bad)> rows, int baseId)
        {
            var numbered = Number(rows.Where(r => r.Event != null).Select(r => r.Event).ToList(), baseId);
            int k = 0;
            return rows.Select(r => r.Event != null ? (numbered[k++], (BadRow?)null) : r).ToList();
        }
    }

    // ───────────────────────────── canonical text of results ─────────────────────────────

    internal static class Describe
    {
        private static string R(double d) => d.ToString("R", CultureInfo.InvariantCulture);
        private static string T(DateTime t) => t.ToString("o", CultureInfo.InvariantCulture);

        public static string Profiles(EventAccumulator acc, bool withMode = true) =>
            Uploads(acc.Uploads.BuildProfiles(), withMode) + "\n--\n" + Sharing(acc.Sharing.BuildProfiles(), withMode);

        public static string Uploads(IEnumerable<ZiaUploadProfile> profiles, bool withMode = true) => string.Join("\n", profiles.Select(p =>
            $"{Show.Q(p.UserName)} mb={R(p.ZIA_TotalMBSent)} days={p.ZIA_ActiveDays} req={p.ZIA_TotalRequests} udest={p.ZIA_UniqueDestCnt} " +
            $"bytes={p.TotalBytesSent} ddest={p.DistinctDestinations} first={T(p.FirstSeen)} last={T(p.LastSeen)} " +
            $"window={T(p.WindowStart)}..{T(p.WindowEnd)}{(withMode ? " mode=" + p.Mode : "")}" +
            "\n    daily " + string.Join("; ", p.DailyUploads.Select(d => $"{Show.Q(d.UserName)} {T(d.Day)} {d.DaySentBytes}/{d.DayRequestCount}/{d.DayDestinCount}")) +
            "\n    dest " + string.Join("; ", p.Destinations.Select(d => $"{Show.Q(d.DestinationHostName)} {d.Channel} {d.SentBytes}/{d.RequestCount}/{d.ActiveDays}")) +
            "\n    chan " + string.Join("; ", p.Channels.Select(c => $"{c.Channel} {c.SentBytes}/{c.RequestCount}/{c.ActiveDays}/{c.Destinations}"))));

        public static string Sharing(IEnumerable<O365SharingProfile> profiles, bool withMode = true) => string.Join("\n", profiles.Select(p =>
            $"{Show.Q(p.UserName)} events={p.O365_EventCount} ops=[{string.Join(",", p.O365_Operations)}] anon={p.O365_AnonLinks} " +
            $"first={T(p.O365_FirstEvent)} last={T(p.O365_LastEvent)} counts={string.Join(",", p.OperationCounts.Select(kv => kv.Key + "=" + kv.Value))} " +
            $"window={T(p.WindowStart)}..{T(p.WindowEnd)}{(withMode ? " mode=" + p.Mode : "")}"));

        public static string Score(ScoreResult r, bool withMode = true)
        {
            var s = r.Summary;
            var sb = new StringBuilder();
            sb.Append($"users={s.Users} mean={R(s.BaselineMean)} stdev={R(s.BaselineStdev)} flagged={s.Flagged} z>={R(s.ZScoreThreshold)} ")
              .Append($"window={T(s.WindowStart)}..{T(s.WindowEnd)}{(withMode ? " mode=" + s.Mode : "")} population=[{string.Join(",", s.PopulationTotalsMB.Select(R))}]");
            foreach (var c in r.All)
            {
                var ctx = c.GetScoreContext();
                sb.Append($"\n{Show.Q(c.UserName)} {R(c.ZIA_TotalMBSent)} {c.ZIA_ActiveDays} {c.ZIA_TotalRequests} {c.ZIA_UniqueDestCnt} {c.O365_EventCount} ")
                  .Append($"{c.O365_AnonLinks} [{string.Join(",", c.O365_Operations)}] {c.DistinctChannels} z={R(c.Zscore)} {c.Reasons} ")
                  .Append($"ctx={ctx.PeerGroup}/{ctx.Method}/{ctx.BaselineUsers}/{R(ctx.BaselineCenter)}/{R(ctx.BaselineSpread)} ")
                  .Append($"| {Show.Q(c.AlertDisplayName)} | {Show.Q(c.AlertDescription)}");
            }
            return sb.ToString();
        }
    }

    /// <summary>Text for failure messages: control and non-ASCII characters as \uXXXX, so a difference is visible.</summary>
    internal static class Show
    {
        public static string Q(string s)
        {
            if (s == null) return "null";
            var sb = new StringBuilder("\"");
            foreach (char c in s)
            {
                if (c == '"' || c == '\\') sb.Append('\\').Append(c);
                else if (c < 0x20 || c > 0x7E) sb.Append("\\u").Append(((int)c).ToString("X4", CultureInfo.InvariantCulture));
                else sb.Append(c);
            }
            return sb.Append('"').ToString();
        }

        public static string Proxy(SampleProxyEvent e) =>
            $"P {e.TimeGenerated:o} v={Q(e.DeviceVendor)} a={Q(e.DeviceAction)} u={Q(e.SourceUserName)} h={Q(e.DestinationHostName)} b={e.SentBytes} id={e.ExternalId}";

        public static string Sharing(SampleSharingEvent e) =>
            $"S {e.TimeGenerated:o} u={Q(e.UserId)} op={Q(e.Operation)} w={Q(e.OfficeWorkload)} id={e.Id}";
    }
}
