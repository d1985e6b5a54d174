using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

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
}
