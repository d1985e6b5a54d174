using static LowSlowExfil.Tests.WorkspaceTestSupport;

namespace LowSlowExfil.Tests
{
    /// <summary>
    /// A workspace read through the engine's client (push-down queries, typed results, WorkspaceReader) scores
    /// exactly as the same events read from the export files: every candidate (IncludeAll), every upload profile
    /// with its days and destinations, every sharing profile — in both modes, with and without range splitting.
    /// </summary>
    public sealed class WorkspaceEquivalenceTests : IClassFixture<SmallTenantFixture>
    {
        private readonly SmallTenantFixture _t;

        public WorkspaceEquivalenceTests(SmallTenantFixture t) { _t = t; }

        private HuntOptions Options(bool kql) => new HuntOptions(endTimeUtc: _t.Sample.EndTime, days: 30, kqlCompatible: kql);

        private sealed class Hunt
        {
            public EventAccumulator Acc;
            public ScoreResult Score;
            public List<string> Partial = new List<string>();
        }

        private Hunt FromFiles(bool kql)
        {
            var acc = new EventAccumulator(Options(kql));
            var issues = new List<ReadIssue>();
            foreach (string f in _t.Files) LogFileReader.Read(f, acc, new ReadContext { OnIssue = issues.Add });
            Assert.Empty(issues);
            return new Hunt { Acc = acc, Score = CandidateScorer.Score(acc.Uploads.BuildProfiles(), acc.Sharing.BuildProfiles(), new FlagThresholds()) };
        }

        private static Hunt FromWorkspace(IQueryClient client, HuntOptions o, List<string> log = null, ProxySchema schema = ProxySchema.CommonSecurityLog)
        {
            var acc = new EventAccumulator(o);
            var reader = new WorkspaceReader(client, log == null ? null : new Action<string>(log.Add)) { Schema = schema };
            reader.ReadUploads(acc, CancellationToken.None);
            reader.ReadSharing(acc, CancellationToken.None);
            return new Hunt { Acc = acc, Score = CandidateScorer.Score(acc.Uploads.BuildProfiles(), acc.Sharing.BuildProfiles(), new FlagThresholds()), Partial = reader.PartialResults };
        }

        [Theory]
        [InlineData(true, false)]
        [InlineData(false, false)]
        [InlineData(true, true)]
        [InlineData(false, true)]
        public void Workspace_ScoresExactlyAsTheFiles(bool kql, bool adx)
        {
            var files = FromFiles(kql);
            using var server = new FakeLogAnalyticsServer(_t.Store);
            using var client = QueryClientFactory.Create(adx ? AdxConnection(server) : Connection(server));
            var ws = FromWorkspace(client, Options(kql));

            AssertSame(files, ws, (kql ? "KqlCompatible" : "Intent") + (adx ? " via ADX" : ""));
            Assert.Empty(ws.Partial);
            Assert.Equal(2, server.QueryRequests.Count);
            Assert.All(server.QueryRequests, r => Assert.Equal(kql, r.Parsed.KqlCompatible));
            Assert.Equal(2, client.Statistics.RoundTrips);
        }

        [Theory]
        [InlineData(true)]
        [InlineData(false)]
        public void AsimWebSessions_ScoreExactlyAsTheFiles_AndAreAskedOfTheParser(bool kql)
        {
            // -Schema Asim: the uploads through _Im_WebSession (the fake's store standing for what the parser returns over
            // the same Zscaler traffic), split as any range is when a result is too large; the sharing from OfficeActivity.
            var files = FromFiles(kql);
            var o = Options(kql);
            using var server = new FakeLogAnalyticsServer(_t.Store);
            server.MaxRows = Math.Max(10, QueryInterpreter.Evaluate(QueryInterpreter.Parse(KqlQueryBuilder.ZiaAggregation(o, ProxySchema.Asim)), _t.Store, null, null).Rows.Count / 3);
            using var client = QueryClientFactory.Create(Connection(server));
            var log = new List<string>();
            var ws = FromWorkspace(client, o, log, ProxySchema.Asim);

            AssertSame(files, ws, (kql ? "KqlCompatible" : "Intent") + ", ASIM");
            var zia = server.QueryRequests.Where(r => r.Parsed.Kind == PushDownKind.ZiaAggregation).ToList();
            Assert.True(zia.Count >= 3, zia.Count + " upload requests");
            Assert.All(zia, r => Assert.True(r.Parsed.Asim));
            Assert.All(server.QueryRequests.Where(r => r.Parsed.Kind == PushDownKind.SharingAggregation), r => Assert.False(r.Parsed.Asim));
            Assert.Contains(log, l => l.Contains("ZIA uploads (ASIM web sessions)"));
        }

        [Theory]
        [InlineData(true)]
        [InlineData(false)]
        public void ResultsOverTheRowLimit_AreSplit_AndStillExact(bool kql)
        {
            var files = FromFiles(kql);
            var o = Options(kql);
            using var server = new FakeLogAnalyticsServer(_t.Store);
            int ziaRows = QueryInterpreter.Evaluate(QueryInterpreter.Parse(KqlQueryBuilder.ZiaAggregation(o)), _t.Store, null, null).Rows.Count;
            int sharingRows = QueryInterpreter.Evaluate(QueryInterpreter.Parse(KqlQueryBuilder.SharingAggregation(o)), _t.Store, null, null).Rows.Count;
            // Small enough that the 30 days must be halved at least three times for ZIA.
            server.MaxRows = Math.Max(10, ziaRows / 6);
            Assert.True(sharingRows > server.MaxRows, "the sharing query should be split too");
            var log = new List<string>();
            using var client = QueryClientFactory.Create(Connection(server));
            var ws = FromWorkspace(client, o, log);

            AssertSame(files, ws, (kql ? "KqlCompatible" : "Intent") + ", split");
            var requests = server.QueryRequests;
            int truncated = requests.Count(r => r.Truncated);
            Assert.True(truncated >= 4, $"{truncated} truncated answers");
            // Every truncated range was fetched again as two halves: one request, plus two per split.
            foreach (var kind in new[] { PushDownKind.ZiaAggregation, PushDownKind.SharingAggregation })
            {
                var mine = requests.Where(r => r.Parsed.Kind == kind).ToList();
                Assert.Equal(1 + 2 * mine.Count(r => r.Truncated), mine.Count);
                Assert.True(mine.Where(r => !r.Truncated).All(r => r.Rows <= server.MaxRows));
            }
            // At least three levels deep: some accepted range is at most 30 d / 8.
            var zia = requests.Where(r => r.Parsed.Kind == PushDownKind.ZiaAggregation && !r.Truncated).ToList();
            Assert.Contains(zia, r => r.Parsed.End.Value - r.Parsed.Start <= TimeSpan.FromDays(30.0 / 8));
            // The accepted ranges tile the window exactly.
            var ranges = zia.Select(r => (r.Parsed.Start, r.Parsed.End.Value)).OrderBy(r => r.Start).ToList();
            Assert.Equal(o.Window.Start, ranges[0].Start);
            Assert.Equal(o.Window.End, ranges[ranges.Count - 1].Item2);
            for (int i = 1; i < ranges.Count; i++) Assert.Equal(ranges[i - 1].Item2, ranges[i].Start);
            Assert.Equal(requests.Count, client.Statistics.RoundTrips);
            Assert.Contains(log, l => l.Contains("fetching it in two halves"));
            Assert.Empty(ws.Partial);
        }

        // ───────────────────────── managed identity ─────────────────────────

        [Fact]
        public void ManagedIdentity_EndToEnd_ThroughTheAutomationTokenEndpoint()
        {
            using var server = new FakeLogAnalyticsServer(_t.Store);
            var saved = new Dictionary<string, string>();
            foreach (string name in new[] { "IDENTITY_ENDPOINT", "IDENTITY_HEADER", "IDENTITY_SERVER_THUMBPRINT", "IMDS_ENDPOINT", "MSI_ENDPOINT", "MSI_SECRET" })
                saved[name] = Environment.GetEnvironmentVariable(name);
            try
            {
                foreach (var name in saved.Keys) Environment.SetEnvironmentVariable(name, null);
                Environment.SetEnvironmentVariable("IDENTITY_ENDPOINT", server.IdentityEndpoint.ToString());
                Environment.SetEnvironmentVariable("IDENTITY_HEADER", server.IdentityHeader);
                var c = Connection(server);
                c.Authentication = new QueryAuthentication { Kind = QueryAuthenticationKind.ManagedIdentity };
                var log = new List<string>();
                c.Log = log.Add;
                using var client = QueryClientFactory.Create(c);
                var ws = FromWorkspace(client, Options(false));
                AssertSame(FromFiles(false), ws, "managed identity");

                var id = Assert.Single(server.IdentityRequests);   // one token, cached for both queries
                Assert.Equal("GET", id.Method);
                Assert.Contains("resource=https://api.loganalytics.io", Uri.UnescapeDataString(id.QueryString), StringComparison.OrdinalIgnoreCase);
                Assert.Contains("api-version=2019-08-01", id.QueryString);
                Assert.Equal(server.IdentityHeader, id.Header("X-IDENTITY-HEADER"));
                Assert.All(server.QueryRequests, r => Assert.True(r.TokenValid));
                Assert.All(log, l => Assert.DoesNotContain(server.Token, l));
            }
            finally
            {
                foreach (var kv in saved) Environment.SetEnvironmentVariable(kv.Key, kv.Value);
            }
        }

        /// <summary>
        /// Ingestion with the Automation account's identity asks for Microsoft's documented audience: the Logs
        /// Ingestion tutorial and Azure.Monitor.Ingestion's LogsIngestionAudience use https://monitor.azure.com//.default,
        /// which the managed-identity endpoint receives as resource https://monitor.azure.com/. (Here, not in
        /// LogsIngestionClientTests: it sets the process's IDENTITY_* variables, as the test above does.)
        /// </summary>
        [Fact]
        public void ManagedIdentity_Ingestion_AsksForTheDocumentedMonitorAudience()
        {
            using var server = new FakeLogAnalyticsServer();
            var saved = new Dictionary<string, string>();
            foreach (string name in new[] { "IDENTITY_ENDPOINT", "IDENTITY_HEADER", "IDENTITY_SERVER_THUMBPRINT", "IMDS_ENDPOINT", "MSI_ENDPOINT", "MSI_SECRET" })
                saved[name] = Environment.GetEnvironmentVariable(name);
            try
            {
                foreach (var name in saved.Keys) Environment.SetEnvironmentVariable(name, null);
                Environment.SetEnvironmentVariable("IDENTITY_ENDPOINT", server.IdentityEndpoint.ToString());
                Environment.SetEnvironmentVariable("IDENTITY_HEADER", server.IdentityHeader);
                var c = new IngestionConnection
                {
                    Endpoint = server.BaseUri, DcrImmutableId = server.DcrImmutableId, StreamName = server.StreamName,
                    Authentication = new QueryAuthentication { Kind = QueryAuthenticationKind.ManagedIdentity },
                };
                using var client = QueryClientFactory.CreateIngestion(c);
                var result = client.Send(new[] { "{\"TimeGenerated\":\"2026-11-30T00:00:00Z\",\"UserName\":\"a@contoso.example\"}" }, CancellationToken.None);

                Assert.Equal(1, result.RecordsSent);
                var id = Assert.Single(server.IdentityRequests);
                Assert.Contains("resource=https://monitor.azure.com/&", Uri.UnescapeDataString(id.QueryString) + "&", StringComparison.Ordinal);
            }
            finally
            {
                foreach (var kv in saved) Environment.SetEnvironmentVariable(kv.Key, kv.Value);
            }
        }

        // ───────────────────────── KQL injection ─────────────────────────

        public static readonly string[] HostileDomains =
        {
            "evil\"domain.com",
            "back\\slash.com\\",
            "\"); OfficeActivity | take 1 //",
            "x\") | union (OfficeActivity | project UserId) | where (\"",
            "new\nline.com\r\n| take 1",
            "tab\there.com",
            "@\"verbatim\".com",
            "'single'.com",
            "// comment.com",
            "dropbox.com",
        };

        [Theory]
        [InlineData(true)]
        [InlineData(false)]
        public void HostileDomains_CannotChangeTheQuerysStructure(bool kql)
        {
            var end = _t.Sample.EndTime;
            var benign = new HuntOptions(end, 30, new[] { "dropbox.com", "t.me" }, kql);
            var hostile = new HuntOptions(end, 30, HostileDomains, kql);
            string a = KqlQueryBuilder.ZiaAggregation(benign), b = KqlQueryBuilder.ZiaAggregation(hostile);

            // Same stages, same where lines, once literals are masked (and lists of literals folded to one).
            Assert.Equal(KqlText.Stages(a).Count, KqlText.Stages(b).Count);
            Assert.Equal(Structure(a), Structure(b));
            // Every domain is exactly one literal of the query.
            var literals = KqlText.Literals(b).Select(l => l.Value).ToList();
            foreach (string d in hostile.Destinations.Domains)
                Assert.Contains(kql ? d : DestinationMatcher.DomainSuffixMatcher.NormalizeHost(d), literals);

            // The service receives them literally: the fake parses exactly these domains, and runs the query.
            using var server = new FakeLogAnalyticsServer(_t.Store);
            using var client = QueryClientFactory.Create(Connection(server));
            var table = client.Query(b, hostile.Window.Start, hostile.Window.End, CancellationToken.None);
            var r = Assert.Single(server.QueryRequests);
            Assert.Equal(200, r.Status);
            var expected = kql ? hostile.Destinations.Domains
                : hostile.Destinations.Domains.Select(DestinationMatcher.DomainSuffixMatcher.NormalizeHost).Distinct().ToList();
            Assert.Equal(expected, r.Parsed.Domains);
            Assert.Equal(PushDownKind.ZiaAggregation, r.Parsed.Kind);
            using (var doc = JsonDocument.Parse(r.Body)) Assert.Equal(b, doc.RootElement.GetProperty("query").GetString());
            // Only dropbox.com can match anything (by term in KqlCompatible mode, so evil-dropbox.com.example too).
            var dropboxOnly = new HuntOptions(end, 30, new[] { "dropbox.com" }, kql).Destinations;
            Assert.All(table.Rows, row => Assert.True(dropboxOnly.IsMatch((string)row[2]), (string)row[2]));
            Assert.NotEmpty(table.Rows);
        }

        /// <summary>The query's lines with literals masked and literal lists folded, without the per-domain "or" lines.</summary>
        private static List<string> Structure(string query)
        {
            var lines = KqlText.Mask(query).Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith("or ", StringComparison.Ordinal));
            return lines.Select(l => Regex.Replace(l, @"\$\d+(, \$\d+)*", "$L")).ToList();
        }

        // ───────────────────────── comparison ─────────────────────────

        private static void AssertSame(Hunt expected, Hunt actual, string what) =>
            ResultDump.AssertSame(Describe(expected), Describe(actual), what, atLeast: 100);

        /// <summary>The hunt's result (<see cref="ResultDump.Lines"/>), then every profile and the counted events.</summary>
        private static List<string> Describe(Hunt h)
        {
            var lines = ResultDump.Lines(h.Score);
            foreach (var p in h.Acc.Uploads.BuildProfiles()) lines.Add("profile " + ResultDump.Of(p));
            foreach (var p in h.Acc.Sharing.BuildProfiles()) lines.Add("sharing profile " + ResultDump.Of(p));
            lines.Add("counted " + h.Acc.Uploads.Count(ProxyDisposition.Counted) + " " + h.Acc.Sharing.Count(SharingDisposition.Counted));
            return lines;
        }
    }
}
