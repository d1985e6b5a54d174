namespace LowSlowExfil.Tests
{
    /// <summary>
    /// One tenant (whole-second timestamps), written in every format the module reads (plain and gzipped): each ZIA
    /// format paired with an O365 format must score exactly as the Log Analytics CSV exports do, in both modes, every
    /// property of every candidate in order, with no read issue. The Fortinet rows are absent from the raw NSS feeds
    /// (an NSS feed carries Zscaler's records only); they never count in either mode, so the result is the same.
    /// </summary>
    public sealed class OneTruthTests : IClassFixture<OneTruthTests.Tenant>
    {
        private const long MB = 1048576;

        public sealed class Tenant : IDisposable
        {
            public Tenant()
            {
                // Browsing rows are noise the rule always drops (no exfiltration host, no user, other vendor or a
                // category block), so fewer of them keep the raw files small without changing any designed outcome.
                Sample = SampleTenant.Generate(new SampleTenantOptions { WholeSecondTimestamps = true, BrowsingEventsPerUserPerDay = 1, OfficeEventsPerUserPerDay = 1 });
                Folder = TestPaths.NewTempFolder();
                Files = SampleRawFeedWriter.WriteAllFormats(Sample, Folder.Path, gzip: true);
                ProxyCount = 0;
                NssProxyCount = 0;
                foreach (var e in Sample.ProxyEvents())
                {
                    ProxyCount++;
                    if (SampleRawFeedWriter.IsNssEvent(e)) NssProxyCount++;
                }
                SharingCount = Sample.SharingEvents().LongCount();
                Baseline = Hunt.Read(Sample.EndTime, File(SampleExportWriter.CommonSecurityLogCsvName), File(SampleExportWriter.OfficeActivityCsvName));
                Direct = Hunt.FromEvents(Sample);
            }

            public SampleTenant Sample { get; }
            public TempFolder Folder { get; }
            public IReadOnlyList<string> Files { get; }
            public long ProxyCount { get; }
            public long NssProxyCount { get; }
            public long SharingCount { get; }
            /// <summary>The CSV exports read through LogFileReader: the truth every other format must match.</summary>
            public Hunt Baseline { get; }
            /// <summary>The generated events fed straight to the accumulators (no file at all).</summary>
            public Hunt Direct { get; }

            public string File(string name) => Path.Combine(Folder.Path, name);

            public void Dispose() => Folder.Dispose();
        }

        private readonly Tenant _t;

        public OneTruthTests(Tenant tenant) { _t = tenant; }

        /// <summary>Both modes scored from one pass over the files (a sink feeding two accumulators).</summary>
        public sealed class Hunt
        {
            public ScoreResult Kql, Intent;
            public readonly List<ReadIssue> Issues = new List<ReadIssue>();
            public readonly List<FileReadSummary> Summaries = new List<FileReadSummary>();

            public ScoreResult For(bool kql) => kql ? Kql : Intent;

            private sealed class Tee : IEventSink
            {
                public readonly EventAccumulator A, B;
                public Tee(EventAccumulator a, EventAccumulator b) { A = a; B = b; }
                public void AddProxy(DateTime t, string vendor, string action, string user, string host, long? sent)
                {
                    A.AddProxy(t, vendor, action, user, host, sent);
                    B.AddProxy(t, vendor, action, user, host, sent);
                }
                public void AddSharing(DateTime t, string user, string operation, string recordId = null)
                {
                    A.AddSharing(t, user, operation, recordId);
                    B.AddSharing(t, user, operation, recordId);
                }
            }

            private static Tee NewTee(DateTime end) => new Tee(
                new EventAccumulator(new HuntOptions(endTimeUtc: end, days: 30, kqlCompatible: true)),
                new EventAccumulator(new HuntOptions(endTimeUtc: end, days: 30, kqlCompatible: false)));

            private static ScoreResult Score(EventAccumulator acc) =>
                CandidateScorer.Score(acc.Uploads.BuildProfiles(), acc.Sharing.BuildProfiles(), new FlagThresholds());

            public static Hunt Read(DateTime end, params string[] files)
            {
                var h = new Hunt();
                var tee = NewTee(end);
                var ctx = new ReadContext { OnIssue = h.Issues.Add };
                foreach (var f in files) h.Summaries.Add(LogFileReader.Read(f, tee, ctx));
                h.Kql = Score(tee.A);
                h.Intent = Score(tee.B);
                return h;
            }

            public static Hunt FromEvents(SampleTenant tenant)
            {
                var h = new Hunt();
                var tee = NewTee(tenant.EndTime);
                foreach (var e in tenant.ProxyEvents()) tee.AddProxy(e.TimeGenerated, e.DeviceVendor, e.DeviceAction, e.SourceUserName, e.DestinationHostName, e.SentBytes);
                foreach (var e in tenant.SharingEvents()) tee.AddSharing(e.TimeGenerated, e.UserId, e.Operation);
                h.Kql = Score(tee.A);
                h.Intent = Score(tee.B);
                return h;
            }
        }

        // ───────────────────────────── the one truth ─────────────────────────────

        /// <summary>(ZIA file, O365 file): every format appears at least once on each side.</summary>
        public static IEnumerable<object[]> Pairs()
        {
            var pairs = new[]
            {
                (SampleExportWriter.CommonSecurityLogCsvName, SampleExportWriter.OfficeActivityCsvName),
                (SampleExportWriter.CommonSecurityLogJsonName, SampleExportWriter.OfficeActivityJsonName),
                (SampleRawFeedWriter.NssCefName, SampleRawFeedWriter.PurviewCsvName),
                (SampleRawFeedWriter.NssCefPriName, SampleRawFeedWriter.PurviewCsvNewLayoutName),
                (SampleRawFeedWriter.CloudNssJsonName, SampleRawFeedWriter.ManagementApiJsonName),
                (SampleRawFeedWriter.NssCefName, SampleRawFeedWriter.ManagementApiJsonLinesName),
                (SampleRawFeedWriter.CloudNssJsonName, SampleExportWriter.OfficeActivityJsonName),
                (SampleRawFeedWriter.NssLeefName, SampleRawFeedWriter.PurviewCsvName),
                (SampleRawFeedWriter.NssNameValueName, SampleRawFeedWriter.ManagementApiJsonName),
            };
            foreach (var (zia, o365) in pairs)
                foreach (bool gz in new[] { false, true })
                    yield return new object[] { zia, o365, gz };
        }

        [Theory]
        [MemberData(nameof(Pairs))]
        public void EveryFormat_ScoresExactlyAsTheCsvExports(string ziaFile, string o365File, bool gzip)
        {
            string suffix = gzip ? ".gz" : string.Empty;
            var h = Hunt.Read(_t.Sample.EndTime, _t.File(ziaFile + suffix), _t.File(o365File + suffix));

            Assert.Empty(h.Issues);
            var zia = h.Summaries[0];
            var o365 = h.Summaries[1];
            foreach (var s in h.Summaries)
            {
                Assert.False(s.Failed, s.ToString());
                Assert.Equal(0, s.Skipped);
                Assert.Equal(0, s.Replays);
                Assert.Null(s.Notice);
            }
            bool raw = ziaFile.EndsWith(".cef", StringComparison.Ordinal) || ziaFile == SampleRawFeedWriter.CloudNssJsonName
                || ziaFile == SampleRawFeedWriter.NssLeefName || ziaFile == SampleRawFeedWriter.NssNameValueName;
            Assert.Equal(raw ? _t.NssProxyCount : _t.ProxyCount, zia.ProxyEvents);
            Assert.Equal(0, zia.SharingEvents);
            Assert.Equal(_t.SharingCount, o365.SharingEvents);
            Assert.Equal(0, o365.ProxyEvents);
            Assert.Equal(ExpectedFormat(ziaFile), zia.Format);
            Assert.Equal(ExpectedFormat(o365File), o365.Format);

            foreach (bool kql in new[] { true, false })
                AssertSameResult(_t.Baseline.For(kql), h.For(kql), $"{ziaFile}{suffix} + {o365File}{suffix}, {(kql ? "KqlCompatible" : "Intent")}");
        }

        private static LogFormat ExpectedFormat(string name)
        {
            switch (name)
            {
                case SampleExportWriter.CommonSecurityLogCsvName: return LogFormat.CommonSecurityLogCsv;
                case SampleExportWriter.OfficeActivityCsvName: return LogFormat.OfficeActivityCsv;
                case SampleRawFeedWriter.NssCefName:
                case SampleRawFeedWriter.NssCefPriName: return LogFormat.NssCef;
                case SampleRawFeedWriter.NssLeefName:
                case SampleRawFeedWriter.NssNameValueName: return LogFormat.NssKeyValue;
                case SampleRawFeedWriter.PurviewCsvName:
                case SampleRawFeedWriter.PurviewCsvNewLayoutName: return LogFormat.PurviewAuditCsv;
                default: return LogFormat.Json;
            }
        }

        [Fact]
        public void Baseline_ReadsCleanly_AndEqualsTheEventsFedDirectly()
        {
            Assert.Empty(_t.Baseline.Issues);
            Assert.Equal(_t.ProxyCount, _t.Baseline.Summaries[0].ProxyEvents);
            Assert.Equal(_t.SharingCount, _t.Baseline.Summaries[1].SharingEvents);
            foreach (bool kql in new[] { true, false })
                AssertSameResult(_t.Direct.For(kql), _t.Baseline.For(kql), "CSV exports vs events, " + (kql ? "KqlCompatible" : "Intent"));
        }

        [Fact]
        public void WholeSecondTenant_KeepsTheDesignedOutcomes()
        {
            string U(string role) => _t.Sample.Actors[role].ToLowerInvariant();
            var kql = _t.Baseline.Kql;
            var intent = _t.Baseline.Intent;
            Assert.Equal(
                new[] { (U(SampleActorRoles.Blocked), ExfilReason.ZScore), (U(SampleActorRoles.Lookalike), ExfilReason.ZScore),
                        (U(SampleActorRoles.LowSlow), ExfilReason.Persistence), (U(SampleActorRoles.Spike), ExfilReason.ZScore) }
                    .OrderBy(x => x.Item1, StringComparer.Ordinal),
                kql.Flagged.Select(c => (c.UserName, c.Reasons)).OrderBy(x => x.UserName, StringComparer.Ordinal));
            Assert.Equal(
                new[] { (U(SampleActorRoles.LowSlow), ExfilReason.Persistence), (U(SampleActorRoles.Spike), ExfilReason.ZScore),
                        (U(SampleActorRoles.AnonSharer), ExfilReason.AnonymousLinks), (U(SampleActorRoles.VendorCase), ExfilReason.ZScore) }
                    .OrderBy(x => x.Item1, StringComparer.Ordinal),
                intent.Flagged.Select(c => (c.UserName, c.Reasons)).OrderBy(x => x.UserName, StringComparer.Ordinal));

            // Every time is a whole second; the edges actor's "just inside" events sit at WindowStart + 1 s.
            Assert.All(_t.Sample.ProxyEvents(), e => Assert.Equal(0, e.TimeGenerated.Ticks % TimeSpan.TicksPerSecond));
            Assert.All(_t.Sample.SharingEvents(), e => Assert.Equal(0, e.TimeGenerated.Ticks % TimeSpan.TicksPerSecond));
            string edges = _t.Sample.Actors[SampleActorRoles.Edges];
            Assert.Equal(
                new[] { _t.Sample.WindowStart, _t.Sample.WindowStart.AddSeconds(1), _t.Sample.EndTime, _t.Sample.EndTime.AddSeconds(1) },
                _t.Sample.ProxyEvents().Where(e => e.SourceUserName == edges && e.DeviceVendor == "Zscaler" && e.DestinationHostName == "drive.google.com").Select(e => e.TimeGenerated));
            foreach (bool k in new[] { true, false })
            {
                var c = _t.Baseline.For(k).All.Single(x => x.UserName == U(SampleActorRoles.Edges));
                Assert.Equal(6 * MB, c.GetUploadProfile().TotalBytesSent);     // 2 MB at +1 s and 4 MB at EndTime
                Assert.Equal(2, c.ZIA_ActiveDays);
                Assert.Equal(new[] { "FileDownloaded", "SharingSet" }, c.O365_Operations.ToArray());
            }
        }

        // ───────────────────────────── replays ─────────────────────────────

        [Theory]
        [InlineData(SampleRawFeedWriter.NssCefName)]
        [InlineData(SampleRawFeedWriter.NssCefPriName)]
        [InlineData(SampleRawFeedWriter.CloudNssJsonName)]
        [InlineData(SampleRawFeedWriter.NssLeefName)]
        [InlineData(SampleRawFeedWriter.NssNameValueName)]
        public void ReconnectReplay_OfTheLast50Records_ChangesNothing(string feed)
        {
            var lines = File.ReadAllLines(_t.File(feed));
            Assert.Equal(_t.NssProxyCount, lines.Length);
            string replayed = _t.File("replayed-" + feed);
            File.Copy(_t.File(feed), replayed, overwrite: true);
            File.AppendAllLines(replayed, lines.Skip(lines.Length - 50));   // the feed reconnects and resends its last 50 records

            var h = Hunt.Read(_t.Sample.EndTime, replayed, _t.File(SampleExportWriter.OfficeActivityCsvName));
            Assert.Empty(h.Issues);
            var s = h.Summaries[0];
            Assert.Equal(50, s.Replays);
            Assert.Equal(_t.NssProxyCount, s.ProxyEvents);
            Assert.Equal(_t.NssProxyCount + 50, s.Records);
            Assert.Equal(0, s.Skipped);
            foreach (bool kql in new[] { true, false })
                AssertSameResult(_t.Baseline.For(kql), h.For(kql), "replayed " + feed);
        }

        // ───────────────────────────── shape of the raw files ─────────────────────────────

        [Fact]
        public void NssWriters_FollowZscalersTemplates_KeyForKey()
        {
            string cefTemplate = File.ReadAllText(TestPaths.Fixture("zscaler", "nss-web.cef")).TrimEnd('\n');
            int ext = NthIndexOf(cefTemplate, '|', 7) + 1;
            var cefKeys = Regex.Matches(cefTemplate.Substring(ext), @"(?:^| )([A-Za-z0-9_]+)=").Cast<Match>().Select(m => m.Groups[1].Value).ToList();
            Assert.True(cefKeys.Count > 100);
            Assert.Equal(cefKeys, SampleRawFeedWriter.NssFieldKeys());

            string fof = File.ReadAllText(TestPaths.Fixture("zscaler", "cloud-nss-web.fof"));
            var fofKeys = Regex.Matches(fof, "\"([A-Za-z0-9_]+)\":").Cast<Match>().Select(m => m.Groups[1].Value).ToList();
            Assert.Equal(new[] { "TimeGenerated", "sourcetype", "vendor", "product", "version" }.Concat(cefKeys), fofKeys);

            // Every Cloud NSS line has the template's properties in its order, all strings.
            foreach (string line in File.ReadLines(_t.File(SampleRawFeedWriter.CloudNssJsonName)).Take(500))
                using (var doc = JsonDocument.Parse(line))
                {
                    Assert.Equal(fofKeys, doc.RootElement.EnumerateObject().Select(p => p.Name));
                    Assert.All(doc.RootElement.EnumerateObject(), p => Assert.Equal(JsonValueKind.String, p.Value.ValueKind));
                    Assert.Matches(@"^\d{4}-\d{2}-\d{2},\d{2}:\d{2}:\d{2}$", doc.RootElement.GetProperty("TimeGenerated").GetString());
                }
        }

        [Fact]
        public void NssCef_LinesSplitBackIntoTheTemplatesKeys_DespiteUnescapedSpacesAndEquals()
        {
            var keys = SampleRawFeedWriter.NssFieldKeys();
            var fields = new Dictionary<string, string>(StringComparer.Ordinal);
            var header = new Regex(@"^<134>[A-Z][a-z]{2} \d{2} \d{2}:\d{2}:\d{2} zscaler-nss CEF:0\|(Zscaler|zscaler)\|NSSWeblog\|5\.7\|[^|]+\|[^|]+\|3\|act=");
            var sawValue = new HashSet<string>(StringComparer.Ordinal);
            long n = 0;
            foreach (string line in File.ReadLines(_t.File(SampleRawFeedWriter.NssCefPriName)))
            {
                n++;
                Assert.Matches(header, line);
                int ext = NthIndexOf(line, '|', 7) + 1;
                NssCefReader.ParseExtension(line, ext, fields);
                Assert.Equal(keys.Count, fields.Count);   // no value swallowed a key, no value was cut at its '=' or spaces
                Assert.Matches(@"^[A-Z][a-z]{2} \d{2} \d{4} \d{2}:\d{2}:\d{2}$", fields["rt"]);
                foreach (var k in new[] { "requestClientApplication", "spriv", "cs1", "reason" })
                    if (fields[k].Contains(' ') && fields[k].Contains('=')) sawValue.Add(k);
                    else if (fields[k].Contains(' ')) sawValue.Add(k + " (spaces)");
                if (line.Contains("CEF:0|zscaler|")) sawValue.Add("vendor zscaler");
            }
            Assert.Equal(_t.NssProxyCount, n);
            Assert.Contains("requestClientApplication", sawValue);     // GoogleDriveFS/85.0.13.0 (Windows;OSVer=10.0.22631;)
            Assert.Contains("spriv", sawValue);                        // Guest Wi-Fi ssid=CONTOSO-GUEST
            Assert.Contains("cs1 (spaces)", sawValue);                 // IT, Security
            Assert.Contains("reason (spaces)", sawValue);              // Not allowed to browse this category
            Assert.Contains("vendor zscaler", sawValue);
            Assert.DoesNotContain(File.ReadLines(_t.File(SampleRawFeedWriter.NssCefName)), l => l.Contains("Fortinet") || l.StartsWith("<", StringComparison.Ordinal));
        }

        [Fact]
        public void AuditWriters_WriteBothPurviewLayouts_AndTheManagementApiShapes()
        {
            foreach (var name in new[] { SampleRawFeedWriter.PurviewCsvName, SampleRawFeedWriter.PurviewCsvNewLayoutName })
            {
                var bytes = File.ReadAllBytes(_t.File(name));
                Assert.Equal(new byte[] { 0xEF, 0xBB, 0xBF }, bytes.Take(3));   // UTF-8 with BOM
                int lf = Array.IndexOf(bytes, (byte)'\n');
                Assert.Equal((byte)'\r', bytes[lf - 1]);                          // CRLF line ends
            }
            string old = File.ReadLines(_t.File(SampleRawFeedWriter.PurviewCsvName)).First();
            Assert.Equal("\"CreationDate\",\"UserIds\",\"Operations\",\"AuditData\"", old);
            string neu = File.ReadLines(_t.File(SampleRawFeedWriter.PurviewCsvNewLayoutName)).First();
            Assert.Equal("RecordId,CreationDate,RecordType,Operation,UserId,AuditData,AssociatedAdminUnits,AssociatedAdminUnitsNames", neu);
            string row = File.ReadLines(_t.File(SampleRawFeedWriter.PurviewCsvNewLayoutName)).Skip(1).First();
            Assert.Matches(@"^[0-9a-f-]{36},\d{1,2}/\d{1,2}/\d{4} \d{1,2}:\d{2}:\d{2} (AM|PM),\w+,\w+,[^,]*,""\{""""CreationTime"""":""""\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}"""",", row);

            using (var doc = JsonDocument.Parse(File.ReadAllBytes(_t.File(SampleRawFeedWriter.ManagementApiJsonName))))
            {
                Assert.Equal(_t.SharingCount, doc.RootElement.GetArrayLength());
                var first = doc.RootElement[0];
                Assert.Equal(JsonValueKind.Number, first.GetProperty("RecordType").ValueKind);
                Assert.Matches(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$", first.GetProperty("CreationTime").GetString());
                var ev = _t.Sample.SharingEvents().First();
                Assert.Equal(ev.Id, first.GetProperty("Id").GetString());
                Assert.Equal(ev.Operation, first.GetProperty("Operation").GetString());
            }
            Assert.Equal(_t.SharingCount, File.ReadLines(_t.File(SampleRawFeedWriter.ManagementApiJsonLinesName)).LongCount());
        }

        [Fact]
        public void WriteAllFormats_ListsEveryFileAndItsGzip()
        {
            var names = _t.Files.Select(Path.GetFileName).ToList();
            var plain = new[]
            {
                SampleExportWriter.CommonSecurityLogCsvName, SampleExportWriter.CommonSecurityLogJsonName,
                SampleExportWriter.OfficeActivityCsvName, SampleExportWriter.OfficeActivityJsonName,
                SampleRawFeedWriter.NssCefName, SampleRawFeedWriter.NssCefPriName, SampleRawFeedWriter.CloudNssJsonName,
                SampleRawFeedWriter.NssLeefName, SampleRawFeedWriter.NssNameValueName,
                SampleRawFeedWriter.PurviewCsvName, SampleRawFeedWriter.PurviewCsvNewLayoutName,
                SampleRawFeedWriter.ManagementApiJsonName, SampleRawFeedWriter.ManagementApiJsonLinesName,
            };
            Assert.Equal(plain.SelectMany(p => new[] { p, p + ".gz" }), names);
            foreach (var f in _t.Files)
            {
                var head = new byte[2];
                using (var s = File.OpenRead(f)) s.ReadExactly(head, 0, 2);
                Assert.Equal(f.EndsWith(".gz", StringComparison.Ordinal), head[0] == 0x1F && head[1] == 0x8B);
            }
        }

        [Fact]
        public void RawWriters_RoundTripTrickyValues_AndTruncateToTheSecond()
        {
            var t0 = new DateTime(2026, 3, 9, 23, 59, 59, 999, DateTimeKind.Utc);
            var proxy = new[]
            {
                new SampleProxyEvent { TimeGenerated = t0, DeviceVendor = "Zscaler", DeviceProduct = "NSSWeblog", DeviceAction = "Caution|Warn",
                    SourceUserName = "zoë.o'neil@contoso.com", DestinationHostName = "files.example.com", SentBytes = 123_456, ReceivedBytes = 7,
                    RequestURL = "https://files.example.com/a b?x=1&y=\"2\"", SourceIP = "10.0.0.1", ExternalId = 1 },
                new SampleProxyEvent { TimeGenerated = t0.AddHours(1), DeviceVendor = "Fortinet", DeviceProduct = "Fortigate", DeviceAction = "accept",
                    SourceUserName = "x@contoso.com", DestinationHostName = "dropbox.com", SentBytes = 5, ReceivedBytes = 5, SourceIP = "10.0.0.2", ExternalId = 2 },
                new SampleProxyEvent { TimeGenerated = t0.AddHours(2), DeviceVendor = "ZSCALER", DeviceProduct = "NSSWeblog", DeviceAction = "Allowed",
                    SourceUserName = "", DestinationHostName = "drive.google.com", SentBytes = 0, ReceivedBytes = 0, SourceIP = "10.0.0.3", ExternalId = 3 },
            };
            var sharing = new[]
            {
                new SampleSharingEvent { TimeGenerated = t0, UserId = "o'brien@contoso.com", Operation = "AnonymousLinkCreated", OfficeWorkload = "SharePoint",
                    OfficeObjectId = "https://contoso.sharepoint.com/sites/Sales/Shared Documents/Pricing, Q4 \"draft\".xlsx", ClientIP = "203.0.113.9",
                    RecordType = 14, Id = "0b5e3c4a-1d2f-4a6b-8c9d-0e1f2a3b4c5d" },
                new SampleSharingEvent { TimeGenerated = t0.AddSeconds(1), UserId = "", Operation = "FileDownloaded", OfficeWorkload = "OneDrive",
                    OfficeObjectId = "", ClientIP = "198.51.100.1", RecordType = 6, Id = "1b5e3c4a-1d2f-4a6b-8c9d-0e1f2a3b4c5d" },
            };
            var second = new DateTime(t0.Ticks - t0.Ticks % TimeSpan.TicksPerSecond, DateTimeKind.Utc);
            using (var tmp = TestPaths.NewTempFolder())
            {
                var files = new List<string>();
                foreach (bool pri in new[] { false, true })
                {
                    string f = tmp.File(pri ? "pri.cef" : "plain.cef");
                    SampleRawFeedWriter.WriteNssCef(proxy, f, pri);
                    files.Add(f);
                }
                string cloud = tmp.File("cloud.json");
                SampleRawFeedWriter.WriteCloudNssJson(proxy, cloud);
                files.Add(cloud);
                foreach (var f in files)
                {
                    var sink = new RecordingSink();
                    var summary = LogFileReader.Read(f, sink, new ReadContext { OnIssue = sink.Issues.Add });
                    Assert.Empty(sink.Issues);
                    Assert.Equal(2, summary.ProxyEvents);   // the Fortinet row is not an NSS record
                    Assert.Equal((second, "Zscaler", "Caution|Warn", "zoë.o'neil@contoso.com", "files.example.com", (long?)123_456), sink.Proxy[0]);
                    Assert.Equal((second.AddHours(2), "ZSCALER", "Allowed", "", "drive.google.com", (long?)0), sink.Proxy[1]);
                }
                Assert.Contains("CEF:0|Zscaler|NSSWeblog|5.7|Caution\\|Warn|", File.ReadAllText(files[0]));

                var audit = new List<string>();
                foreach (bool layout in new[] { false, true })
                {
                    string f = tmp.File(layout ? "new.csv" : "old.csv");
                    SampleRawFeedWriter.WritePurviewCsv(sharing, f, layout);
                    audit.Add(f);
                }
                foreach (bool lines in new[] { false, true })
                {
                    string f = tmp.File(lines ? "api.jsonl" : "api.json");
                    SampleRawFeedWriter.WriteManagementApiJson(sharing, f, lines);
                    audit.Add(f);
                }
                foreach (var f in audit)
                {
                    var sink = new RecordingSink();
                    var summary = LogFileReader.Read(f, sink, new ReadContext { OnIssue = sink.Issues.Add });
                    Assert.Empty(sink.Issues);
                    Assert.Equal(2, summary.SharingEvents);
                    Assert.Equal(new[] { (second, "o'brien@contoso.com", "AnonymousLinkCreated"), (second.AddSeconds(1), "", "FileDownloaded") }, sink.Sharing);
                }
            }
        }

        // ───────────────────────────── comparison ─────────────────────────────

        private static int NthIndexOf(string s, char c, int n)
        {
            int i = -1;
            for (int k = 0; k < n; k++)
            {
                i = s.IndexOf(c, i + 1);
                if (i < 0) return -1;
            }
            return i;
        }

        /// <summary>
        /// Every public property of every candidate (the rule's columns, reasons, alert texts), in order, plus the
        /// hunt summary and each candidate's upload and sharing profiles (days, destinations, first/last times).
        /// </summary>
        private static void AssertSameResult(ScoreResult expected, ScoreResult actual, string what) =>
            ResultDump.AssertSame(ResultDump.Lines(expected), ResultDump.Lines(actual), what, atLeast: 150);
    }
}
