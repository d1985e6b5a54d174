using System.Diagnostics;
using System.Text.Json.Nodes;
using static LowSlowExfil.Tests.WorkspaceTestSupport;

namespace LowSlowExfil.Tests
{
    /// <summary>
    /// The engine's query client against the fake Log Analytics service over real HTTP on 127.0.0.1: typed columns,
    /// retries (what is retried and what never is), partial results, error messages, and the endpoint rules.
    /// </summary>
    public sealed class WorkspaceQueryClientTests : IClassFixture<SmallTenantFixture>
    {
        private readonly SmallTenantFixture _t;
        private readonly HuntOptions _kql, _intent;

        public WorkspaceQueryClientTests(SmallTenantFixture t)
        {
            _t = t;
            _kql = new HuntOptions(endTimeUtc: t.Sample.EndTime, days: 30, kqlCompatible: true);
            _intent = new HuntOptions(endTimeUtc: t.Sample.EndTime, days: 30, kqlCompatible: false);
        }

        private FakeLogAnalyticsServer NewServer() => new FakeLogAnalyticsServer(_t.Store);

        private string Zia(HuntOptions o = null) => KqlQueryBuilder.ZiaAggregation(o ?? _kql);

        private QueryTable RunZia(IQueryClient client, HuntOptions o = null, CancellationToken ct = default)
        {
            o = o ?? _kql;
            return client.Query(KqlQueryBuilder.ZiaAggregation(o), o.Window.Start, o.Window.End, ct);
        }

        // ───────────────────────── typed columns ─────────────────────────

        [Theory]
        [InlineData(false)]
        [InlineData(true)]
        public void EveryColumnType_IsParsed(bool adx)
        {
            using var server = NewServer();
            using var client = QueryClientFactory.Create(adx ? AdxConnection(server) : Connection(server));
            var table = RunZia(client);

            Assert.Equal(
                new[] { "UserName:string", "Day:datetime", "DestinationHostName:string", "SentBytes:long", "Requests:long", "Negative:long", "Oversized:long",
                        "FirstSeen:datetime", "LastSeen:datetime",
                        "IsSample:bool", "Properties:dynamic", "Score:real", "CorrelationId:guid", "Cost:decimal", "Duration:timespan", "Shard:int" },
                table.Columns.Select(c => c.Name + ":" + c.Type));
            Assert.Null(table.PartialError);

            // The server's own evaluation, in the order it sent it.
            var expected = QueryInterpreter.Evaluate(QueryInterpreter.Parse(Zia()), _t.Store, null, null).Rows;
            Assert.True(expected.Count > 20, "too few rows to exercise the types");
            Assert.Equal(expected.Count, table.Rows.Count);
            const int S = 9;   // the first spare column
            for (int i = 0; i < expected.Count; i++)
            {
                var row = table.Rows[i];
                for (int c = 0; c < S; c++) Assert.Equal(expected[i][c], row[c]);
                Assert.All(new[] { 1, 7, 8 }, c => Assert.Equal(DateTimeKind.Utc, ((DateTime)row[c]).Kind));
                Assert.All(new[] { 3, 4, 5, 6 }, c => Assert.IsType<long>(row[c]));   // every third row sent them as strings
                var spare = FakeLogAnalyticsServer.SpareValues(i);
                Assert.Equal(spare[0], row[S]);
                // dynamic: the JSON text (Log Analytics sends a string holding JSON; ADX, here, the JSON itself on even rows).
                var dyn = Assert.IsType<string>(row[S + 1]);
                Assert.True(JsonNode.DeepEquals(JsonNode.Parse((string)spare[1]), JsonNode.Parse(dyn)), dyn);
                if (!adx) Assert.Equal(spare[1], dyn);
                Assert.Equal(spare[2], row[S + 2]);         // NaN, ±Infinity arrive as strings
                Assert.Equal(spare[3], row[S + 3]);
                Assert.Equal(spare[4], row[S + 4]);         // decimal: a string on even rows, a number on odd
                Assert.Equal(spare[5], row[S + 5]);         // timespan: "1.02:03:04.5000000" and "02:03:04"
                Assert.Equal(spare[6], row[S + 6]);         // int, null every fifth
            }
            Assert.Contains(table.Rows, r => r[S + 2] is double d && double.IsNaN(d));
            Assert.Contains(table.Rows, r => r[S + 2] is double d && double.IsNegativeInfinity(d));
            Assert.Contains(table.Rows, r => r[S + 6] == null);
            Assert.Equal(expected.Count, client.Statistics.RowsReceived);
            Assert.Equal(1, client.Statistics.RoundTrips);
            Assert.True(client.Statistics.BytesReceived > 0);
        }

        [Fact]
        public void Parser_ReadsEveryShapeTheServiceSends()
        {
            // A canned answer: dynamic as an object and as an array, long and decimal as strings, real specials,
            // timespans with days and fractions, a null of every type, and a second table that is ignored.
            const string body = @"{""tables"":[{""name"":""PrimaryResult"",""columns"":[
                {""name"":""b"",""type"":""bool""},{""name"":""d"",""type"":""datetime""},{""name"":""y"",""type"":""dynamic""},
                {""name"":""i"",""type"":""int""},{""name"":""l"",""type"":""long""},{""name"":""r"",""type"":""real""},
                {""name"":""s"",""type"":""string""},{""name"":""g"",""type"":""guid""},{""name"":""m"",""type"":""decimal""},
                {""name"":""t"",""type"":""timespan""}],
              ""rows"":[
                [true,""2026-10-02T03:04:05.1234567Z"",{""a"":[1,2,{""b"":""\u00e9""}]},-7,""9007199254740993"",""Infinity"",""x\""y"",""0f8fad5b-d9cb-469f-a165-70867728950e"",""79228162514264337593543950335"",""-1.02:03:04.0050000""],
                [false,""2026-10-02T03:04:05Z"",[1,""two"",null],2147483647,-9223372036854775808,1.5e300,"""",""0F8FAD5B-D9CB-469F-A165-70867728950E"",0.1,""00:00:00.0000001""],
                [null,null,null,null,null,null,null,null,null,null]]},
              {""name"":""Other"",""columns"":[{""name"":""z"",""type"":""string""}],""rows"":[[""ignored""]]}]}";
            using var server = NewServer();
            server.Enqueue(FakeFault.Raw(200, body));
            using var client = QueryClientFactory.Create(Connection(server));
            var t = RunZia(client);
            Assert.Equal(3, t.Rows.Count);
            var a = t.Rows[0];
            Assert.Equal(true, a[0]);
            Assert.Equal(new DateTime(2026, 10, 2, 3, 4, 5, DateTimeKind.Utc).AddTicks(1234567), a[1]);
            Assert.Equal(@"{""a"":[1,2,{""b"":""\u00e9""}]}", a[2]);      // the raw JSON text, as received
            Assert.Equal(-7, a[3]);
            Assert.Equal(9007199254740993L, a[4]);                         // beyond a double's precision: exact
            Assert.Equal(double.PositiveInfinity, a[5]);
            Assert.Equal("x\"y", a[6]);
            Assert.Equal(Guid.Parse("0f8fad5b-d9cb-469f-a165-70867728950e"), a[7]);
            Assert.Equal(decimal.MaxValue, a[8]);
            Assert.Equal(-new TimeSpan(1, 2, 3, 4, 5), a[9]);
            var b = t.Rows[1];
            Assert.Equal(false, b[0]);
            Assert.Equal(@"[1,""two"",null]", b[2]);
            Assert.Equal(int.MaxValue, b[3]);
            Assert.Equal(long.MinValue, b[4]);
            Assert.Equal(1.5e300, b[5]);
            Assert.Equal("", b[6]);
            Assert.Equal(0.1m, b[8]);
            Assert.Equal(TimeSpan.FromTicks(1), b[9]);
            Assert.All(t.Rows[2], Assert.Null);
        }

        [Fact]
        public void Parser_GivesTheSameTable_WhateverTheBufferBoundaries()
        {
            // A real answer (every type, dynamic as objects on ADX rows) and an error beside the table, read with
            // buffers from 1 byte up: tokens, escapes and raw captures cut at every possible place.
            using var server = NewServer();
            server.CompressResponses = false;
            server.MaxRows = 40;
            var o = _kql;
            using var http = new System.Net.Http.HttpClient();
            var body = JsonSerializer.Serialize(new { db = server.Database, csl = Zia(o) });
            var request = new System.Net.Http.HttpRequestMessage(System.Net.Http.HttpMethod.Post, new Uri(server.BaseUri, "v1/rest/query"))
                { Content = new System.Net.Http.StringContent(body, Encoding.UTF8, "application/json") };
            request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", server.Token);
            var buffer = new System.IO.MemoryStream();
            using (var response = http.Send(request)) response.Content.ReadAsStream().CopyTo(buffer);
            byte[] answer = buffer.ToArray();

            var reference = LowSlowExfil.Engine.Json.QueryResponseParser.Parse(new System.IO.MemoryStream(answer));
            Assert.Equal(40, reference.Rows.Count);
            Assert.NotNull(reference.Error);
            Assert.True(reference.Error.IsResultTooLarge);
            foreach (int size in new[] { 1, 2, 3, 7, 16, 61, 255, 4096 })
            {
                var p = LowSlowExfil.Engine.Json.QueryResponseParser.Parse(new System.IO.MemoryStream(answer), size);
                Assert.Equal(reference.Columns.Select(x => x.Name + x.Type), p.Columns.Select(x => x.Name + x.Type));
                Assert.Equal(reference.Rows.Count, p.Rows.Count);
                for (int i = 0; i < p.Rows.Count; i++) Assert.Equal(reference.Rows[i], p.Rows[i]);
                Assert.Equal(reference.Error.Describe(), p.Error.Describe());
                Assert.Equal(3, p.Tables);
            }
        }

        // ───────────────────────── retries ─────────────────────────

        [Fact]
        public void ThrottleStorm_HonoursRetryAfter_ThenSucceeds()
        {
            using var server = NewServer();
            server.Enqueue(FakeFault.Throttle("1"));
            server.Enqueue(FakeFault.ThrottleMs(300));
            var now = DateTimeOffset.UtcNow;
            var until = now.AddSeconds(3).AddTicks(-(now.Ticks % TimeSpan.TicksPerSecond));   // an HTTP date has whole seconds
            server.Enqueue(FakeFault.ThrottleUntil(until));
            var log = new List<string>();
            using var client = QueryClientFactory.Create(Connection(server, log));
            var sw = Stopwatch.StartNew();
            var table = RunZia(client);
            sw.Stop();

            Assert.NotEmpty(table.Rows);
            var requests = server.QueryRequests;
            Assert.Equal(new[] { 429, 429, 429, 200 }, requests.Select(r => r.Status));
            Assert.Equal(3, client.Statistics.Retries);
            Assert.Equal(4, client.Statistics.RoundTrips);
            // Each wait is what the service asked for: 1 s, 300 ms, then until the HTTP date.
            var gaps = requests.Zip(requests.Skip(1), (x, y) => (y.ReceivedUtc - x.ReceivedUtc).TotalSeconds).ToArray();
            Assert.InRange(gaps[0], 0.95, 5);
            Assert.InRange(gaps[1], 0.28, 5);
            Assert.True(requests[3].ReceivedUtc >= until.UtcDateTime.AddMilliseconds(-50), $"{requests[3].ReceivedUtc:O} < {until:O}");
            Assert.True(sw.Elapsed.TotalSeconds >= 1.9, sw.Elapsed.ToString());
            Assert.Contains(log, l => l.Contains("Retry-After: 1") && l.Contains("retry 1 of 5"));
            Assert.Contains(log, l => l.Contains("x-ms-retry-after-ms: 300"));
            Assert.Equal(0, server.PendingFaults);
        }

        [Fact]
        public void RetryAfter_IsCappedAtMaxRetryDelay()
        {
            using var server = NewServer();
            server.Enqueue(FakeFault.Throttle("120"));
            var c = Connection(server);
            c.MaxRetryDelay = TimeSpan.FromMilliseconds(200);
            using var client = QueryClientFactory.Create(c);
            var sw = Stopwatch.StartNew();
            RunZia(client);
            Assert.True(sw.Elapsed < TimeSpan.FromSeconds(10), sw.Elapsed.ToString());
            Assert.Equal(2, server.QueryRequests.Count);
        }

        [Theory]
        [InlineData(500)]
        [InlineData(502)]
        [InlineData(503)]
        public void ServerErrors_AreRetried(int status)
        {
            using var server = NewServer();
            server.Enqueue(FakeFault.WithStatus(status), 2);
            var c = Connection(server);
            c.MaxRetryDelay = TimeSpan.FromMilliseconds(50);   // exponential backoff, capped
            using var client = QueryClientFactory.Create(c);
            var table = RunZia(client);
            Assert.NotEmpty(table.Rows);
            Assert.Equal(new[] { status, status, 200 }, server.QueryRequests.Select(r => r.Status));
            Assert.Equal(2, client.Statistics.Retries);
        }

        [Fact]
        public void MaxRetries_BoundsTheRetries()
        {
            using var server = NewServer();
            server.Enqueue(FakeFault.WithStatus(503), 10);
            var c = Connection(server);
            c.MaxRetries = 2;
            c.MaxRetryDelay = TimeSpan.FromMilliseconds(20);
            using var client = QueryClientFactory.Create(c);
            var e = Assert.Throws<QueryFailedException>(() => RunZia(client));
            Assert.Equal(503, e.Status);
            Assert.Equal("ServiceUnavailableError", e.Code);
            Assert.Contains("Log Analytics was unavailable (503 ServiceUnavailableError): The service is temporarily unavailable", e.Message);
            Assert.Contains("after 2 retries", e.Message);
            Assert.Equal(3, server.QueryRequests.Count);

            // MaxRetries = 0: one request, no retry.
            server.ClearRequests();
            c.MaxRetries = 0;
            using var once = QueryClientFactory.Create(c);
            Assert.Throws<QueryFailedException>(() => RunZia(once));
            Assert.Single(server.QueryRequests);
        }

        [Fact]
        public void GatewayTimeout_IsNeverRetried()
        {
            using var server = NewServer();
            server.Enqueue(FakeFault.GatewayTimeout(), 3);
            using var client = QueryClientFactory.Create(Connection(server));
            var e = Assert.Throws<QueryFailedException>(() => RunZia(client));
            Assert.Equal(504, e.Status);
            Assert.Equal("GatewayTimeout", e.Code);
            Assert.Contains("timed out running the query (504 GatewayTimeout)", e.Message);
            Assert.Contains("not re-run automatically", e.Message);
            Assert.Single(server.QueryRequests);
            Assert.Equal(0, client.Statistics.Retries);
        }

        [Fact]
        public void ClientTimeout_IsNeverRetried()
        {
            using var server = NewServer();
            server.Enqueue(FakeFault.Slow(TimeSpan.FromSeconds(5)), 3);
            var c = Connection(server);
            c.ServerTimeout = TimeSpan.FromSeconds(1);     // Prefer: wait=1; the client gives up after 2 s
            using var client = QueryClientFactory.Create(c);
            var sw = Stopwatch.StartNew();
            var e = Assert.Throws<QueryFailedException>(() => RunZia(client));
            Assert.Equal("ClientTimeout", e.Code);
            Assert.Equal(0, e.Status);
            Assert.Contains("not re-run automatically", e.Message);
            // Gave up by itself (not at once); the upper bound is only a sanity check, as a loaded machine stretches it:
            // the request count, read after a retry's backoff would have passed, is what shows no retry.
            Assert.InRange(sw.Elapsed.TotalSeconds, 1.5, 15);
            Thread.Sleep(2500);
            Assert.Single(server.QueryRequests);
            Assert.Equal("wait=1", server.QueryRequests[0].Header("Prefer"));
        }

        [Fact]
        public async System.Threading.Tasks.Task Cancellation_PropagatesAsCancellation()
        {
            using var server = NewServer();
            server.Enqueue(FakeFault.Slow(TimeSpan.FromSeconds(5)));
            using var client = QueryClientFactory.Create(Connection(server));
            using var cts = new CancellationTokenSource();
            var sw = Stopwatch.StartNew();
            var run = System.Threading.Tasks.Task.Run(() => RunZia(client, ct: cts.Token));
            // Cancel once the server holds the request (on a loaded machine reaching it can take seconds), then the
            // call must end well before the server's 5-second answer would.
            while (server.QueryRequests.Count == 0 && sw.Elapsed < TimeSpan.FromSeconds(30)) Thread.Sleep(20);
            Assert.Single(server.QueryRequests);
            var cancelled = Stopwatch.StartNew();
            cts.Cancel();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);
            Assert.True(cancelled.Elapsed < TimeSpan.FromSeconds(4.5), cancelled.Elapsed.ToString());
            Assert.Single(server.QueryRequests);
        }

        // ───────────────────────── partial results ─────────────────────────

        [Fact]
        public void PartialError_FailsUnlessAllowed()
        {
            using var server = NewServer();
            server.Enqueue(FakeFault.Partial());
            using (var client = QueryClientFactory.Create(Connection(server)))
            {
                var e = Assert.Throws<QueryFailedException>(() => RunZia(client));
                Assert.IsNotType<QueryResultTooLargeException>(e);
                Assert.Equal(200, e.Status);
                Assert.Equal("PartialError", e.Code);
                Assert.Contains("partial result (PartialError)", e.Message);
                Assert.Contains("E_LOW_MEMORY_CONDITION", e.Message);
            }

            server.Enqueue(FakeFault.Partial());
            var c = Connection(server);
            c.AllowPartialResults = true;
            using (var client = QueryClientFactory.Create(c))
            {
                var t = RunZia(client);
                Assert.NotNull(t.PartialError);
                Assert.Equal("PartialError", t.PartialError.Code);
                Assert.Contains("E_LOW_MEMORY_CONDITION", t.PartialError.Message);
                Assert.NotEmpty(t.Rows);
                // The next (complete) answer is not marked.
                Assert.Null(RunZia(client).PartialError);
            }
        }

        [Theory]
        [InlineData(false, false)]
        [InlineData(false, true)]
        [InlineData(true, false)]
        [InlineData(true, true)]
        public void TruncatedResult_AsksTheCallerToSplit(bool adx, bool allowPartial)
        {
            using var server = NewServer();
            server.MaxRows = 5;
            var c = adx ? AdxConnection(server) : Connection(server);
            c.AllowPartialResults = allowPartial;   // a truncated result is never accepted as partial: the caller splits
            using var client = QueryClientFactory.Create(c);
            var e = Assert.Throws<QueryResultTooLargeException>(() => RunZia(client));
            Assert.Equal(200, e.Status);
            Assert.Contains("E_QUERY_RESULT_SET_TOO_LARGE", e.Message);
            Assert.Single(server.QueryRequests);
            Assert.True(server.QueryRequests[0].Truncated);
        }

        [Fact]
        public void NoContent_IsAnEmptyTable()
        {
            using var server = NewServer();
            server.Enqueue(FakeFault.NoContent());
            using var client = QueryClientFactory.Create(Connection(server));
            var t = RunZia(client);
            Assert.Empty(t.Rows);
            Assert.Empty(t.Columns);
            Assert.Null(t.PartialError);
        }

        // ───────────────────────── errors and secrets ─────────────────────────

        [Theory]
        [InlineData(400, "BadArgumentError", "Log Analytics rejected the query (400 BadArgumentError): The request had some invalid properties.", "A recognition error occurred in the query")]
        [InlineData(401, "InvalidTokenError", "Log Analytics refused the credentials (401 InvalidTokenError): The provided authentication is not valid for this resource.", "Signature validation failed")]
        [InlineData(403, "InsufficientAccessError", "Log Analytics denied access (403 InsufficientAccessError): The provided credentials have insufficient access", "Log Analytics Reader")]
        [InlineData(404, "WorkspaceNotFoundError", "Log Analytics found no workspace '", "could not be found")]
        public void ServiceErrors_CarryTheServiceMessage_AndNeverTheToken(int status, string code, string text, string detail)
        {
            using var server = NewServer();
            var log = new List<string>();
            string token = server.Token;
            var c = Connection(server, log);
            string query = Zia();
            switch (status)
            {
                case 400: query = "CommonSecurityLog | take 10"; break;
                case 401:
                    token = "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.eyJhdWQiOiJodHRwczovL2FwaS5sb2dhbmFseXRpY3MuaW8ifQ.c2lnbmF0dXJlLWJ5dGVz";
                    c = Connection(server, log, token);
                    break;
                case 403:
                    token = "forbidden-" + Guid.NewGuid().ToString("N");
                    server.ForbiddenTokens.Add(token);
                    c = Connection(server, log, token);
                    break;
                case 404: c.WorkspaceId = Guid.NewGuid().ToString(); break;
            }
            using var client = QueryClientFactory.Create(c);
            var e = Assert.Throws<QueryFailedException>(() => client.Query(query, _kql.Window.Start, _kql.Window.End, default));
            Assert.Equal(status, e.Status);
            Assert.Equal(code, e.Code);
            Assert.Contains(text, e.Message);
            Assert.Contains(detail, e.Message);
            Assert.Single(server.QueryRequests);           // none of these is retried
            AssertNoSecret(token, e, log);
            Assert.True(server.QueryRequests[0].HadAuthorization);
        }

        [Fact]
        public void AHostileServiceEchoingTheToken_DoesNotGetItIntoMessagesOrLogs()
        {
            using var server = NewServer();
            server.Enqueue(new FakeFault { Name = "echo", EchoAuthorization = true });
            var log = new List<string>();
            using var client = QueryClientFactory.Create(Connection(server, log));
            var e = Assert.Throws<QueryFailedException>(() => RunZia(client));
            Assert.Equal(401, e.Status);
            Assert.Contains("***", e.Message);
            AssertNoSecret(server.Token, e, log);
        }

        [Fact]
        public void AnExpiredAccessToken_FailsClearly_WithoutTheToken()
        {
            using var server = NewServer();
            long past = DateTimeOffset.UtcNow.AddHours(-2).ToUnixTimeSeconds();
            string payload = Convert.ToBase64String(Encoding.UTF8.GetBytes("{\"exp\":" + past + "}")).TrimEnd('=').Replace('+', '-').Replace('/', '_');
            string token = "eyJhbGciOiJub25lIn0." + payload + ".c2ln";
            var log = new List<string>();
            using var client = QueryClientFactory.Create(Connection(server, log, token));
            var e = Assert.Throws<QueryFailedException>(() => RunZia(client));
            Assert.Equal("AuthenticationFailed", e.Code);
            Assert.Contains("expired", e.Message);
            Assert.Empty(server.QueryRequests);
            AssertNoSecret(token, e, log);
        }

        private static void AssertNoSecret(string token, Exception e, List<string> log)
        {
            for (var x = e; x != null; x = x.InnerException) Assert.DoesNotContain(token, x.Message);
            Assert.DoesNotContain(token, e.ToString());
            lock (log) Assert.All(log, l => Assert.DoesNotContain(token, l));
        }

        // ───────────────────────── the request ─────────────────────────

        [Fact]
        public void Request_HasTheQueryApisShape()
        {
            using var server = NewServer();
            var c = Connection(server);
            using var client = QueryClientFactory.Create(c);
            var t = RunZia(client);
            var r = Assert.Single(server.QueryRequests);
            Assert.Equal("POST", r.Method);
            Assert.Equal($"/v1/workspaces/{server.WorkspaceId}/query", r.Path);
            Assert.StartsWith("application/json", r.Header("Content-Type"));
            Assert.Equal("wait=600", r.Header("Prefer"));
            Assert.Equal("Bearer <redacted>", r.Header("Authorization"));
            Assert.Contains("gzip", r.Header("Accept-Encoding"));
            using var doc = JsonDocument.Parse(r.Body);
            Assert.Equal(Zia(), doc.RootElement.GetProperty("query").GetString());
            // The window is (start, end]; the timespan includes end itself.
            Assert.Equal("2026-10-02T00:00:00.0000000Z/2026-11-01T00:00:00.0010000Z", doc.RootElement.GetProperty("timespan").GetString());
            // gzip on the wire: fewer bytes than the JSON.
            Assert.True(client.Statistics.BytesReceived > 100);
            Assert.True(client.Statistics.BytesReceived < t.Rows.Count * 100, client.Statistics.BytesReceived.ToString());
        }

        [Fact]
        public void AdxRequest_HasTheRestApisShape()
        {
            using var server = NewServer();
            using var client = QueryClientFactory.Create(AdxConnection(server));
            var t = RunZia(client);
            Assert.NotEmpty(t.Rows);
            var r = Assert.Single(server.QueryRequests);
            Assert.Equal("/v1/rest/query", r.Path);
            using var doc = JsonDocument.Parse(r.Body);
            Assert.Equal(server.Database, doc.RootElement.GetProperty("db").GetString());
            Assert.Equal(Zia(), doc.RootElement.GetProperty("csl").GetString());
            Assert.Equal("00:10:00", doc.RootElement.GetProperty("properties").GetProperty("Options").GetProperty("servertimeout").GetString());
        }

        [Fact]
        public void Endpoints_FollowTheEnvironment()
        {
            string ws = Guid.NewGuid().ToString();
            Uri For(string env, Uri endpoint = null)
            {
                var c = new QueryConnection
                {
                    WorkspaceId = ws, Environment = env, Endpoint = endpoint,
                    Authentication = new QueryAuthentication { Kind = QueryAuthenticationKind.AccessToken, AccessToken = Secure("t0k3n-value") },
                };
                using var client = (KustoQueryClient)QueryClientFactory.Create(c);
                return client.QueryUri;
            }
            Assert.Equal(new Uri($"https://api.loganalytics.io/v1/workspaces/{ws}/query"), For("AzureCloud"));
            Assert.Equal(new Uri($"https://api.loganalytics.io/v1/workspaces/{ws}/query"), For(null));
            Assert.Equal(new Uri($"https://api.loganalytics.us/v1/workspaces/{ws}/query"), For("AzureUSGovernment"));
            Assert.Equal(new Uri($"https://api.loganalytics.azure.cn/v1/workspaces/{ws}/query"), For("AzureChinaCloud"));
            Assert.Equal(new Uri($"https://api.loganalytics.azure.com/v1/workspaces/{ws}/query"), For("AzureCloud", new Uri("https://api.loganalytics.azure.com")));
            Assert.Equal(new Uri($"https://api.loganalytics.azure.com/v1/workspaces/{ws}/query"), For("AzureCloud", new Uri("https://api.loganalytics.azure.com/v1/")));
            Assert.Throws<ArgumentException>(() => For("Mars"));
        }

        [Theory]
        [InlineData("http://example.com/", false)]
        [InlineData("http://10.1.2.3:8080/", false)]
        [InlineData("http://192.168.1.10/", false)]
        [InlineData("http://localhost.example.com/", false)]
        [InlineData("ftp://127.0.0.1/", false)]
        [InlineData("https://user:pass@api.loganalytics.io/", false)]
        [InlineData("http://127.0.0.1:1/", true)]
        [InlineData("http://127.8.9.10:1/", true)]
        [InlineData("http://localhost:1/", true)]
        [InlineData("http://[::1]:1/", true)]
        [InlineData("https://api.loganalytics.io/", true)]
        public void PlainHttp_IsAcceptedForLoopbackOnly(string endpoint, bool accepted)
        {
            var auth = new QueryAuthentication { Kind = QueryAuthenticationKind.AccessToken, AccessToken = Secure("t0k3n-value") };
            var la = new QueryConnection { WorkspaceId = Guid.NewGuid().ToString(), Endpoint = new Uri(endpoint), Authentication = auth };
            var adx = new QueryConnection { ClusterUri = new Uri(endpoint), Database = "db", Authentication = auth };
            foreach (var c in new[] { la, adx })
            {
                if (accepted) QueryClientFactory.Create(c).Dispose();
                else Assert.Throws<ArgumentException>(() => QueryClientFactory.Create(c));
            }
        }

        [Fact]
        public void PlainHttp_ToANonLoopbackHost_SendsNothing()
        {
            // Even a server that is really there (on loopback) is never reached through a non-loopback http name.
            using var server = NewServer();
            var c = Connection(server);
            c.Endpoint = new Uri($"http://fake-logs.example:{server.BaseUri.Port}/");
            Assert.Throws<ArgumentException>(() => QueryClientFactory.Create(c));
            Assert.Empty(server.Requests);
        }

        [Fact]
        public void InvalidConnections_AreRefusedBeforeAnythingIsSent()
        {
            var auth = new QueryAuthentication { Kind = QueryAuthenticationKind.AccessToken, AccessToken = Secure("t0k3n-value") };
            Assert.Throws<ArgumentException>(() => QueryClientFactory.Create(new QueryConnection { Authentication = auth }));
            Assert.Throws<ArgumentException>(() => QueryClientFactory.Create(new QueryConnection
                { WorkspaceId = "x", ClusterUri = new Uri("https://c.kusto.windows.net"), Database = "d", Authentication = auth }));
            Assert.Throws<ArgumentException>(() => QueryClientFactory.Create(new QueryConnection { ClusterUri = new Uri("https://c.kusto.windows.net"), Authentication = auth }));
            Assert.Throws<ArgumentException>(() => QueryClientFactory.Create(new QueryConnection
                { WorkspaceId = "x", Authentication = new QueryAuthentication { Kind = QueryAuthenticationKind.AccessToken } }));
            Assert.Throws<ArgumentException>(() => QueryClientFactory.Create(new QueryConnection
                { WorkspaceId = "x", Authentication = new QueryAuthentication { Kind = QueryAuthenticationKind.ClientCertificate, TenantId = "t", ClientId = "c" } }));
            Assert.Throws<ArgumentException>(() => QueryClientFactory.Create(new QueryConnection
                { WorkspaceId = "x", Authentication = new QueryAuthentication { Kind = QueryAuthenticationKind.ClientCertificate, TenantId = "t", ClientId = "c", CertificateThumbprint = "00" } }));
            Assert.Throws<ArgumentOutOfRangeException>(() => QueryClientFactory.Create(new QueryConnection { WorkspaceId = "x", Authentication = auth, MaxRetries = -1 }));
        }

        [Fact]
        public void OtherCredentialKinds_AreBuilt()
        {
            // Nothing is sent: construction only (the credentials ask for tokens lazily).
            foreach (var a in new[]
            {
                new QueryAuthentication { Kind = QueryAuthenticationKind.Default },
                new QueryAuthentication { Kind = QueryAuthenticationKind.Default, TenantId = Guid.NewGuid().ToString(), ClientId = Guid.NewGuid().ToString() },
                new QueryAuthentication { Kind = QueryAuthenticationKind.ManagedIdentity },
                new QueryAuthentication { Kind = QueryAuthenticationKind.ManagedIdentity, ClientId = Guid.NewGuid().ToString() },
            })
            {
                foreach (string env in new[] { "AzureCloud", "AzureUSGovernment", "AzureChinaCloud" })
                    QueryClientFactory.Create(new QueryConnection { WorkspaceId = Guid.NewGuid().ToString(), Environment = env, Authentication = a }).Dispose();
            }
            Assert.Equal("AccessToken", new QueryAuthentication { Kind = QueryAuthenticationKind.AccessToken, AccessToken = Secure("secret-token") }.ToString());
        }
    }
}
