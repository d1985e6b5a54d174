using static LowSlowExfil.Tests.WorkspaceTestSupport;

namespace LowSlowExfil.Tests
{
    /// <summary>
    /// The engine's Logs Ingestion client against the stand-in ingestion endpoint over real HTTP on 127.0.0.1:
    /// what arrives equals what was sent, batches under the 1 MB limit, partial failure, retries, errors with the
    /// service's message, and no token in any text.
    /// </summary>
    public sealed class LogsIngestionClientTests
    {
        private static IngestionConnection Ingestion(FakeLogAnalyticsServer server, List<string> log = null, string token = null) => new IngestionConnection
        {
            Endpoint = server.BaseUri,
            DcrImmutableId = server.DcrImmutableId,
            StreamName = server.StreamName,
            Authentication = new QueryAuthentication { Kind = QueryAuthenticationKind.AccessToken, AccessToken = Secure(token ?? server.Token) },
            MaxRetries = 5,
            MaxRetryDelay = TimeSpan.FromSeconds(5),
            Log = log == null ? null : new Action<string>(line => { lock (log) log.Add(line); }),
        };

        private static List<string> Records(int n, int padding = 0, int seed = 1)
        {
            var r = new Random(seed);
            var list = new List<string>();
            for (int i = 0; i < n; i++)
            {
                // Random padding: gzip cannot shrink it, so the batches' compressed size stays near their raw size.
                var pad = new char[padding];
                for (int k = 0; k < padding; k++) pad[k] = (char)('a' + r.Next(26));
                list.Add(JsonSerializer.Serialize(new Dictionary<string, object>
                {
                    ["TimeGenerated"] = new DateTime(2026, 11, 30, 0, 0, 0, DateTimeKind.Utc).AddMinutes(i).ToString("o"),
                    ["UserName"] = "user" + i + "@contoso.example",
                    ["SentBytes"] = 1000L * i,
                    ["O365_Operations"] = new[] { "FileUploaded", "AnonymousLinkCreated" },
                    ["Pad"] = new string(pad),
                }));
            }
            return list;
        }

        private static string[] Received(FakeLogAnalyticsServer server) => server.Ingested.Select(e => e.GetRawText()).ToArray();

        private static string[] Normalized(IEnumerable<string> json) => json.Select(j => JsonDocument.Parse(j).RootElement.GetRawText()).ToArray();

        [Fact]
        public void Records_ArriveAsSent_GzipJsonWithTokenAndApiVersion()
        {
            using var server = new FakeLogAnalyticsServer();
            var records = Records(25);
            using var client = QueryClientFactory.CreateIngestion(Ingestion(server));
            var result = client.Send(records, CancellationToken.None);

            Assert.Equal(25, result.RecordsSent);
            Assert.Equal(0, result.RecordsFailed);
            Assert.Equal(1, result.Batches);
            Assert.Equal(Normalized(records), Received(server));
            var req = Assert.Single(server.IngestionRequests);
            Assert.Equal($"/dataCollectionRules/{server.DcrImmutableId}/streams/{server.StreamName}", req.Path);
            Assert.Equal("?api-version=2023-01-01", req.QueryString);
            Assert.Equal("gzip", req.Header("Content-Encoding"));
            Assert.StartsWith("application/json", req.Header("Content-Type"));
            Assert.True(req.TokenValid);
            Assert.Equal(204, req.Status);
        }

        [Fact]
        public void ManyRecords_AreBatched_UnderTheLimit_BeforeAndAfterGzip()
        {
            using var server = new FakeLogAnalyticsServer();
            var records = Records(2500, padding: 900);   // about 2.4 MB of JSON
            using var client = QueryClientFactory.CreateIngestion(Ingestion(server));
            var result = client.Send(records, CancellationToken.None);

            Assert.Equal(2500, result.RecordsSent);
            Assert.True(result.Batches >= 3, $"{result.Batches} batches");
            Assert.All(server.IngestionRequests, r =>
            {
                Assert.Equal(204, r.Status);
                Assert.True(System.Text.Encoding.UTF8.GetByteCount(r.Body) <= IngestionLimits.MaxRequestBytes);
            });
            Assert.Equal(Normalized(records), Received(server));
        }

        [Fact]
        public void RecordLargerThanTheLimit_IsReported_AndTheRestSent()
        {
            using var server = new FakeLogAnalyticsServer();
            var records = Records(3);
            records.Insert(1, Records(1, padding: IngestionLimits.MaxRequestBytes)[0]);
            using var client = QueryClientFactory.CreateIngestion(Ingestion(server));
            var result = client.Send(records, CancellationToken.None);

            Assert.Equal(3, result.RecordsSent);
            Assert.Equal(1, result.RecordsFailed);
            var f = Assert.Single(result.Failures);
            Assert.Equal("RecordTooLarge", f.Code);
            Assert.Contains("Record 2", f.Message);
            Assert.Equal(3, server.Ingested.Count);
        }

        [Fact]
        public void RefusedBatch_IsReportedWithItsCount_AndTheOthersStillSent()
        {
            using var server = new FakeLogAnalyticsServer();
            var records = Records(1500, padding: 900);
            var c = Ingestion(server);
            c.MaxRetries = 0;
            server.Enqueue(FakeFault.WithStatus(500));     // the first batch only
            using var client = QueryClientFactory.CreateIngestion(c);
            var result = client.Send(records, CancellationToken.None);

            var f = Assert.Single(result.Failures);
            Assert.Equal(1, f.Batch);
            Assert.Equal(500, f.Status);
            Assert.True(f.Records > 0);
            Assert.Equal(f.Records, result.RecordsFailed);
            Assert.Equal(1500 - f.Records, result.RecordsSent);
            // Nothing counted as sent that the stand-in did not accept.
            Assert.Equal(result.RecordsSent, server.Ingested.Count);
            Assert.Equal(Normalized(records.Skip(f.Records)), Received(server));
        }

        [Fact]
        public void TooLarge413_SplitsTheBatchInHalves_AndResends_DownToTheOneRecordRefused()
        {
            // A service whose limit is smaller than the client's batches: every 413 halves the batch until the
            // halves fit; a record too large on its own is reported by its number and user, the rest all land.
            using var server = new FakeLogAnalyticsServer { IngestionLimitBytes = 20000 };
            var records = Records(90, padding: 900);              // about 1.1 kB each, 100 kB in all
            records.Insert(40, Records(1, padding: 30000, seed: 7)[0].Replace("user0@", "big.sender@"));
            var c = Ingestion(server, log: new List<string>());
            c.MaxBatchBytes = 200000;                            // one batch as far as the client knows
            using var client = QueryClientFactory.CreateIngestion(c);
            var result = client.Send(records, CancellationToken.None);

            Assert.Equal(90, result.RecordsSent);
            Assert.Equal(1, result.RecordsFailed);
            var f = Assert.Single(result.Failures);
            Assert.Equal(413, f.Status);
            Assert.Equal(1, f.Records);
            Assert.Contains("record 41", f.Message);
            Assert.Contains("big.sender@contoso.example", f.Message);
            // Nothing counted as sent that the stand-in did not accept, nothing sent twice, order kept.
            Assert.Equal(result.RecordsSent, server.Ingested.Count);
            Assert.Equal(Normalized(records.Where((_, i) => i != 40)), Received(server));
            Assert.Contains(server.IngestionRequests, r => r.Status == 413);
            Assert.All(server.IngestionRequests.Where(r => r.Status == 204), r =>
                Assert.True(System.Text.Encoding.UTF8.GetByteCount(r.Body) <= 20000));
            Assert.Equal(result.Batches, server.IngestionRequests.Count(r => r.Status == 204) + result.BatchesFailed);
        }

        [Fact]
        public void TooLarge413_ForOneRecord_IsAnErrorNamingIt_NotRetried()
        {
            using var server = new FakeLogAnalyticsServer();
            server.Enqueue(FakeFault.WithStatus(413));
            using var client = QueryClientFactory.CreateIngestion(Ingestion(server));
            var result = client.Send(Records(1), CancellationToken.None);

            Assert.Equal(0, result.RecordsSent);
            var f = Assert.Single(result.Failures);
            Assert.Equal(413, f.Status);
            Assert.Contains("record 1", f.Message);
            Assert.Contains("user0@contoso.example", f.Message);
            Assert.Single(server.IngestionRequests);
            Assert.Empty(server.Ingested);
        }

        [Fact]
        public void FieldOver64KB_IsSent_WithAWarningNamingTheRowAndField_AsTheServiceCutsIt()
        {
            // The service stores a field over 64 KB cut short and says nothing; the client says it.
            using var server = new FakeLogAnalyticsServer();
            var records = Records(3);
            string hostile = new string('x', 70000) + "@contoso.example";
            records[1] = records[1].Replace("user1@contoso.example", hostile);
            using var client = QueryClientFactory.CreateIngestion(Ingestion(server));
            var result = client.Send(records, CancellationToken.None);

            Assert.Equal(3, result.RecordsSent);
            Assert.Empty(result.Failures);
            string w = Assert.Single(result.Warnings);
            Assert.StartsWith("Record 2 (user xxxx", w);
            Assert.Contains("UserName holds 70,016 bytes", w);
            Assert.True(w.Length < 1000, "the warning repeats the whole hostile value");
            // What the stand-in stored is cut at 64 KB, as the service stores it.
            Assert.Equal(FakeLogAnalyticsServer.MaxFieldBytes, server.Ingested[1].GetProperty("UserName").GetString().Length);
        }

        [Fact]
        public void Throttled_IsRetriedAfterRetryAfter_AndNothingIsDuplicated()
        {
            using var server = new FakeLogAnalyticsServer();
            server.Enqueue(FakeFault.Throttle("1"));
            server.Enqueue(FakeFault.WithStatus(503));
            var log = new List<string>();
            using var client = QueryClientFactory.CreateIngestion(Ingestion(server, log));
            var sw = System.Diagnostics.Stopwatch.StartNew();
            var result = client.Send(Records(10), CancellationToken.None);

            Assert.Equal(10, result.RecordsSent);
            Assert.Equal(2, client.Statistics.Retries);
            Assert.True(sw.Elapsed >= TimeSpan.FromSeconds(0.9), $"waited {sw.Elapsed}");
            Assert.Equal(10, server.Ingested.Count);
            Assert.Contains(log, l => l.Contains("Retry-After: 1"));
        }

        [Fact]
        public void ThrottleStorm_FailsTheBatchAfterTheRetries_WithTheServiceMessage()
        {
            using var server = new FakeLogAnalyticsServer();
            server.Enqueue(FakeFault.ThrottleMs(10), 20);
            var c = Ingestion(server);
            c.MaxRetries = 2;
            using var client = QueryClientFactory.CreateIngestion(c);
            var result = client.Send(Records(4), CancellationToken.None);

            Assert.Equal(0, result.RecordsSent);
            Assert.Equal(4, result.RecordsFailed);
            var f = Assert.Single(result.Failures);
            Assert.Equal(429, f.Status);
            Assert.Contains("throttled", f.Message);
            Assert.Contains("after 2 retries", f.Message);
            Assert.Empty(server.Ingested);
        }

        [Theory]
        [InlineData("stream")]
        [InlineData("dcr")]
        [InlineData("forbidden")]
        public void ClientErrors_CarryTheServiceMessage_AndAHint(string what)
        {
            using var server = new FakeLogAnalyticsServer();
            var c = Ingestion(server);
            if (what == "stream") c.StreamName = "Custom-Nope_CL";
            if (what == "dcr") c.DcrImmutableId = "dcr-ffffffffffffffffffffffffffffffff";
            if (what == "forbidden")
            {
                server.ForbiddenTokens.Add("reader-token-0123456789");
                c.Authentication.AccessToken = Secure("reader-token-0123456789");
            }
            using var client = QueryClientFactory.CreateIngestion(c);
            var result = client.Send(Records(3), CancellationToken.None);

            var f = Assert.Single(result.Failures);
            Assert.Equal(3, f.Records);
            Assert.Equal(0, result.RecordsSent);
            switch (what)
            {
                case "stream": Assert.Equal(404, f.Status); Assert.Contains("InvalidStream", f.Message); Assert.Contains("Custom-Nope_CL", f.Message); break;
                case "dcr": Assert.Equal(404, f.Status); Assert.Contains("not found", f.Message); break;
                case "forbidden": Assert.Equal(403, f.Status); Assert.Contains("Monitoring Metrics Publisher", f.Message); break;
            }
        }

        [Fact]
        public void SlowAnswer_IsAFailedBatch_NeverCountedAsSent()
        {
            using var server = new FakeLogAnalyticsServer();
            server.Enqueue(FakeFault.Slow(TimeSpan.FromSeconds(4)));
            var c = Ingestion(server);
            c.Timeout = TimeSpan.FromSeconds(1);
            using var client = QueryClientFactory.CreateIngestion(c);
            var result = client.Send(Records(2), CancellationToken.None);

            Assert.Equal(0, result.RecordsSent);
            var f = Assert.Single(result.Failures);
            Assert.Equal("ClientTimeout", f.Code);
            Assert.Contains("may or may not", f.Message);
        }

        [Fact]
        public void ServiceEchoingTheToken_NeverPutsItInText()
        {
            using var server = new FakeLogAnalyticsServer();
            server.Enqueue(FakeFault.Raw(400, "{\"error\":{\"code\":\"InvalidContent\",\"message\":\"bad request from Bearer " + server.Token + " token " + server.Token + "\"}}"));
            var log = new List<string>();
            using var client = QueryClientFactory.CreateIngestion(Ingestion(server, log));
            var result = client.Send(Records(2), CancellationToken.None);

            var f = Assert.Single(result.Failures);
            Assert.Contains("InvalidContent", f.Message);
            Assert.DoesNotContain(server.Token, f.Message);
            Assert.All(log, l => Assert.DoesNotContain(server.Token, l));
        }

        [Fact]
        public void StreamSchema_IsChecked_ByTheStandIn()
        {
            using var server = new FakeLogAnalyticsServer();
            server.StreamColumns = new Dictionary<string, string> { ["TimeGenerated"] = "datetime", ["UserName"] = "string", ["SentBytes"] = "long", ["O365_Operations"] = "dynamic" };
            using var client = QueryClientFactory.CreateIngestion(Ingestion(server));
            var result = client.Send(Records(2), CancellationToken.None);    // carries an undeclared "Pad"

            var f = Assert.Single(result.Failures);
            Assert.Equal(400, f.Status);
            Assert.Contains("'Pad' is not declared", f.Message);
        }

        [Theory]
        [InlineData("http://10.1.2.3/", "dcr-1", "Custom-X_CL")]
        [InlineData("https://x.ingest.monitor.azure.com/", "", "Custom-X_CL")]
        [InlineData("https://x.ingest.monitor.azure.com/", "dcr-1", "a/b")]
        public void BadConnection_IsRefusedBeforeAnythingIsSent(string endpoint, string dcr, string stream)
        {
            var c = new IngestionConnection
            {
                Endpoint = new Uri(endpoint), DcrImmutableId = dcr, StreamName = stream,
                Authentication = new QueryAuthentication { Kind = QueryAuthenticationKind.AccessToken, AccessToken = Secure("t0123456789") },
            };
            Assert.ThrowsAny<ArgumentException>(() => QueryClientFactory.CreateIngestion(c));
        }

        [Fact]
        public void Scope_IsTheMonitorAudience()
        {
            // As Microsoft documents it (Logs Ingestion tutorial; Azure.Monitor.Ingestion LogsIngestionAudience): the
            // resource is https://monitor.azure.com/ with its trailing slash, so the scope has two.
            Assert.Equal("https://monitor.azure.com//.default", LogsIngestionClient.MonitorScope(CloudEnvironment.Resolve("AzureCloud")));
            Assert.Equal("https://monitor.azure.us//.default", LogsIngestionClient.MonitorScope(CloudEnvironment.Resolve("AzureUSGovernment")));
            Assert.Equal("https://monitor.azure.cn//.default", LogsIngestionClient.MonitorScope(CloudEnvironment.Resolve("AzureChinaCloud")));
        }
    }
}
