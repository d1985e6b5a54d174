using System.Diagnostics;
using System.IO.Compression;
using System.Threading.Tasks;
using static LowSlowExfil.Tests.WorkspaceTestSupport;

namespace LowSlowExfil.Tests
{
    /// <summary>
    /// The query client against a hostile server on 127.0.0.1 (issue 14, item 6): an answer with no end, a gzip
    /// bomb, a cell with no end, too many rows, a trickle, a silence. Each must end with a clear error (or, on
    /// Ctrl+C, a cancellation) within bounded time and bytes, and none is retried. Small limits are set through the
    /// client's internal constructor so no test streams 100 MB; one test runs the default limits.
    /// </summary>
    public sealed class WorkspaceHostileResponseTests
    {
        private const string Token = "hostile-test-token-5f1c8d2a9b7e4c3d";
        private static readonly DateTime End = new DateTime(2026, 11, 1, 0, 0, 0, DateTimeKind.Utc);
        private const string Prefix = "{\"tables\":[{\"name\":\"PrimaryResult\",\"columns\":[{\"name\":\"UserName\",\"type\":\"string\"},{\"name\":\"SentBytes\",\"type\":\"long\"}],\"rows\":[";
        private static readonly byte[] Row = Encoding.UTF8.GetBytes("[\"alice@example.com " + new string('x', 1000) + "\",12345],");
        private const int MB = 1024 * 1024;

        private static QueryConnection Hostile(HostileHttpServer server, TimeSpan? serverTimeout = null) => new QueryConnection
        {
            WorkspaceId = "8f0c3a52-2d1e-4d7b-9a36-5c4e1b7f0a21",
            Endpoint = server.BaseUri,
            Authentication = new QueryAuthentication { Kind = QueryAuthenticationKind.AccessToken, AccessToken = Secure(Token) },
            ServerTimeout = serverTimeout ?? TimeSpan.FromMinutes(10),
            MaxRetries = 5,                                   // none of these answers may be retried
            MaxRetryDelay = TimeSpan.FromMilliseconds(50),
        };

        private static QueryTable Run(IQueryClient client, CancellationToken ct = default) =>
            client.Query("CommonSecurityLog | take 1", End.AddDays(-1), End, ct);

        /// <summary>Rows (64 KB at a time) until the client leaves or <paramref name="safety"/> body bytes are out.</summary>
        private static void EndlessRows(HostileExchange x, System.IO.Stream into, long safety, TimeSpan pause = default)
        {
            var chunk = new byte[64 * Row.Length];
            for (int i = 0; i < 64; i++) Buffer.BlockCopy(Row, 0, chunk, i * Row.Length, Row.Length);
            for (long sent = 0; sent < safety; sent += chunk.Length)
            {
                into.Write(chunk, 0, chunk.Length);
                if (pause > TimeSpan.Zero) x.Pause(pause);
            }
        }

        private static QueryFailedException Fails(IQueryClient client, TimeSpan within)
        {
            var sw = Stopwatch.StartNew();
            var e = Assert.Throws<QueryFailedException>(() => Run(client));
            Assert.True(sw.Elapsed < within, $"took {sw.Elapsed}");
            Assert.DoesNotContain(Token, e.ToString());
            return e;
        }

        private static void AssertTooLarge(QueryFailedException e, string what)
        {
            Assert.IsNotType<QueryResultTooLargeException>(e);     // not split and fetched again: nothing would be smaller
            Assert.Equal("ResponseTooLarge", e.Code);
            Assert.Equal(200, e.Status);
            Assert.Contains("larger than the service ever sends", e.Message);
            Assert.Contains(what, e.Message);
            Assert.Contains("not re-run", e.Message);
        }

        /// <summary>The client hung up: the server's writes failed long before its own safety limit.</summary>
        private static void AssertClientLeft(HostileHttpServer server, long maxBodyBytes)
        {
            Assert.True(server.AnswerEnded.Wait(TimeSpan.FromSeconds(15)), "the server is still writing");
            Assert.True(server.ClientLeft, "the answer ran to the server's safety limit");
            Assert.InRange(server.BodyBytes, 1, maxBodyBytes);
            Assert.Equal(1, server.Requests);
        }

        // ───────────────────────── size ─────────────────────────

        [Fact]
        public void AnEndlessBody_StopsAtTheWireCap_AndIsNotRetried()
        {
            using var server = new HostileHttpServer(x =>
            {
                x.Head();
                x.Write(Prefix);
                EndlessRows(x, x.Body, 48L * MB);
            });
            using var client = new KustoQueryClient(Hostile(server), new ResponseLimits { MaxWireBytes = 1 * MB });
            var e = Fails(client, TimeSpan.FromSeconds(15));
            AssertTooLarge(e, "more than 1 MB arrived");
            // 1 MB read; what the sockets' buffers held besides is all the server could push.
            AssertClientLeft(server, 24L * MB);
        }

        [Fact]
        public void AGzipBomb_StopsAtTheDecompressedCap()
        {
            using var server = new HostileHttpServer(x =>
            {
                x.Head(200, "Content-Encoding: gzip");
                using var gz = new GZipStream(x.Body, CompressionLevel.Fastest);
                byte[] prefix = Encoding.UTF8.GetBytes(Prefix);
                gz.Write(prefix, 0, prefix.Length);
                // 16 GB of JSON, a few MB of gzip a second: never all written before the client hangs up. (64 MB was under
                // 1 MB of gzip, which loopback's socket buffers could take whole, so the server sometimes finished first.)
                EndlessRows(x, gz, 16L * 1024 * MB);
            });
            using var client = new KustoQueryClient(Hostile(server), new ResponseLimits { MaxDecodedBytes = 4 * MB });
            var e = Fails(client, TimeSpan.FromSeconds(15));
            AssertTooLarge(e, "more than 4 MB once decompressed");
            AssertClientLeft(server, 8L * MB);
        }

        [Fact]
        public void ACellWithNoEnd_FailsClearly_WithoutBufferingIt()
        {
            using var server = new HostileHttpServer(x =>
            {
                x.Head();
                x.Write(Prefix + "[\"");
                var a = Encoding.ASCII.GetBytes(new string('a', 64 * 1024));
                for (long sent = 0; sent < 32L * MB; sent += a.Length) x.Write(a);
            });
            using var client = new KustoQueryClient(Hostile(server), new ResponseLimits { MaxValueBytes = 1 * MB });
            var e = Fails(client, TimeSpan.FromSeconds(15));
            AssertTooLarge(e, "a single value of more than 1 MB");
            AssertClientLeft(server, 24L * MB);
        }

        [Fact]
        public void MoreRowsThanTheServiceEverSends_FailClearly()
        {
            using var server = new HostileHttpServer(x =>
            {
                x.Head();
                x.Write(Prefix);
                var rows = new StringBuilder();
                for (int i = 0; i < 4096; i++) rows.Append("[\"u\",1],");
                byte[] chunk = Encoding.ASCII.GetBytes(rows.ToString());
                for (long sent = 0; sent < 16L * MB; sent += chunk.Length) x.Write(chunk);
            });
            using var client = new KustoQueryClient(Hostile(server), new ResponseLimits { MaxRows = 1000 });
            var e = Fails(client, TimeSpan.FromSeconds(15));
            AssertTooLarge(e, "more than 1,000 rows");
            AssertClientLeft(server, 12L * MB);
        }

        [Fact]
        public void TheDefaultLimits_StopACellWithNoEnd_At64MB()
        {
            // The limits the module runs with, end to end: a cell of endless 'a's, gzip-compressed (64 MB of it is
            // about 100 KB on the wire), stops at the 64 MB value cap.
            using var server = new HostileHttpServer(x =>
            {
                x.Head(200, "Content-Encoding: gzip");
                using var gz = new GZipStream(x.Body, CompressionLevel.Fastest);
                byte[] start = Encoding.UTF8.GetBytes(Prefix + "[\"");
                gz.Write(start, 0, start.Length);
                var a = Encoding.ASCII.GetBytes(new string('a', 1024 * 1024));
                for (long sent = 0; sent < 100L * MB; sent += a.Length) gz.Write(a, 0, a.Length);
            });
            using var client = QueryClientFactory.Create(Hostile(server));
            var e = Fails(client, TimeSpan.FromSeconds(30));
            AssertTooLarge(e, "a single value of more than 64 MB");
            Assert.Equal(1, server.Requests);
        }

        [Fact]
        public void TheDefaultLimits_AreAboveWhatTheServiceSends()
        {
            // The service's own limits are about 64 MB compressed and 500,000 rows per result (SPEC §5).
            using var server = new HostileHttpServer(x => { });
            using var client = (KustoQueryClient)QueryClientFactory.Create(Hostile(server));
            Assert.Equal(100L * MB, client.Limits.MaxWireBytes);
            Assert.Equal(1024L * MB, client.Limits.MaxDecodedBytes);
            Assert.Equal(64 * MB, client.Limits.MaxValueBytes);
            Assert.Equal(1000000, client.Limits.MaxRows);
        }

        // ───────────────────────── time ─────────────────────────

        [Theory]
        [InlineData(200)]
        [InlineData(400)]
        public void ATrickle_FailsAtTheClientDeadline(int status)
        {
            // A byte every 200 ms keeps every single read alive; the deadline covers the whole answer.
            using var server = new HostileHttpServer(x =>
            {
                x.Head(status);
                x.Write(Prefix + "[\"");
                for (int i = 0; i < 100; i++)
                {
                    x.Pause(TimeSpan.FromMilliseconds(200));
                    x.Write("a");
                }
                x.Write("\",1]]}]}");
            });
            // Prefer: wait=1; the client's deadline is 2 s after the request was sent.
            using var client = QueryClientFactory.Create(Hostile(server, TimeSpan.FromSeconds(1)));
            var sw = Stopwatch.StartNew();
            var e = Assert.Throws<QueryFailedException>(() => Run(client));
            Assert.Equal("ClientTimeout", e.Code);
            Assert.Equal(0, e.Status);
            Assert.Contains("no complete answer within 2 s", e.Message);
            Assert.Contains("not re-run automatically", e.Message);
            Assert.InRange(sw.Elapsed.TotalSeconds, 1.5, 6);
            AssertClientLeft(server, 1 * MB);
        }

        // ───────────────────────── Ctrl+C ─────────────────────────

        [Theory]
        [InlineData("silent")]
        [InlineData("trickle")]
        [InlineData("steady")]
        public async Task Cancellation_WhileTheBodyStreams_ReturnsPromptly(string how)
        {
            using var server = new HostileHttpServer(x =>
            {
                x.Head();
                x.Write(Prefix);
                x.Write(Row);
                switch (how)
                {
                    case "silent":
                        x.Pause(TimeSpan.FromSeconds(20));
                        break;
                    case "trickle":
                        for (int i = 0; i < 100; i++)
                        {
                            x.Pause(TimeSpan.FromMilliseconds(200));
                            x.Write(" ");
                        }
                        break;
                    default:
                        EndlessRows(x, x.Body, 96L * MB, TimeSpan.FromMilliseconds(10));   // about 6 MB/s, under every limit for 15 s
                        break;
                }
            });
            using var client = QueryClientFactory.Create(Hostile(server));   // the default 10-minute server timeout
            using var cts = new CancellationTokenSource();
            var run = Task.Run(() => Run(client, cts.Token));
            Assert.True(server.BodyStarted.Wait(TimeSpan.FromSeconds(30)), "no answer started");
            Thread.Sleep(300);                                  // the client is now inside the body
            Assert.False(run.IsCompleted, run.Exception?.ToString());
            var cancelled = Stopwatch.StartNew();
            cts.Cancel();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);
            Assert.True(cancelled.Elapsed < TimeSpan.FromSeconds(2), $"took {cancelled.Elapsed} after Ctrl+C");
            if (how != "silent") AssertClientLeft(server, 24L * MB);   // and the connection is dropped, not left streaming
        }

        [Fact]
        public async Task Cancellation_WhileTheFakeServiceHoldsBackAGzipAnswer_ReturnsPromptly()
        {
            // The shape the real service answers in (Content-Length, gzip), half sent and then held back for 20 s.
            using var server = new FakeLogAnalyticsServer();
            server.Enqueue(FakeFault.Stalled(TimeSpan.FromSeconds(20)));
            using var client = QueryClientFactory.Create(Connection(server));
            var o = new HuntOptions(endTimeUtc: End, days: 30, kqlCompatible: true);
            using var cts = new CancellationTokenSource();
            var run = Task.Run(() => client.Query(KqlQueryBuilder.ZiaAggregation(o), o.Window.Start, o.Window.End, cts.Token));
            var sw = Stopwatch.StartNew();
            while (!server.QueryRequests.Any(r => r.BodyStalled) && sw.Elapsed < TimeSpan.FromSeconds(30)) Thread.Sleep(20);
            Thread.Sleep(300);
            Assert.False(run.IsCompleted, run.Exception?.ToString());
            var cancelled = Stopwatch.StartNew();
            cts.Cancel();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);
            Assert.True(cancelled.Elapsed < TimeSpan.FromSeconds(2), $"took {cancelled.Elapsed} after Ctrl+C");
            Assert.Single(server.QueryRequests);
        }
    }
}
