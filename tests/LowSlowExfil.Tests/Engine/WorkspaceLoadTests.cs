using System.Diagnostics;
using System.Threading.Tasks;
using static LowSlowExfil.Tests.WorkspaceTestSupport;

namespace LowSlowExfil.Tests
{
    /// <summary>
    /// The query client under load, against the fake service on 127.0.0.1 (no other address is ever contacted): a storm
    /// of 429s, a server slower than the client's timeout, many queries at once. It finishes or fails within the bounds
    /// QueryConnection documents — at most MaxRetries retries of 429/500/502/503, each wait capped at MaxRetryDelay, a
    /// timed-out query never re-run — and never loops. Each test takes seconds.
    /// </summary>
    public sealed class WorkspaceLoadTests : IClassFixture<SmallTenantFixture>
    {
        private readonly SmallTenantFixture _t;
        private readonly HuntOptions _o;

        public WorkspaceLoadTests(SmallTenantFixture t)
        {
            _t = t;
            _o = new HuntOptions(endTimeUtc: t.Sample.EndTime, days: 30, kqlCompatible: true);
        }

        private QueryTable Run(IQueryClient client, CancellationToken ct = default) =>
            client.Query(KqlQueryBuilder.ZiaAggregation(_o), _o.Window.Start, _o.Window.End, ct);

        [Theory]
        [InlineData(0)]
        [InlineData(5)]
        [InlineData(20)]
        public void AStormOf429s_IsRetriedExactlyMaxRetriesTimes_ThenFailsClearly(int maxRetries)
        {
            using var server = new FakeLogAnalyticsServer(_t.Store);
            server.Enqueue(FakeFault.Throttle("0"), 100);
            var log = new List<string>();
            var c = Connection(server, log);
            c.MaxRetries = maxRetries;
            using var client = QueryClientFactory.Create(c);
            var sw = Stopwatch.StartNew();
            var e = Assert.Throws<QueryFailedException>(() => Run(client));
            sw.Stop();

            Assert.Equal(429, e.Status);
            Assert.Contains("Log Analytics throttled the query (429", e.Message);
            Assert.Contains($"Still throttled after {maxRetries} retries", e.Message);
            Assert.Equal(maxRetries + 1, server.QueryRequests.Count);
            Assert.All(server.QueryRequests, r => Assert.Equal(429, r.Status));
            Assert.Equal(maxRetries + 1, client.Statistics.RoundTrips);
            Assert.Equal(maxRetries, client.Statistics.Retries);
            Assert.Equal(100 - (maxRetries + 1), server.PendingFaults);    // the rest of the storm was never asked for
            lock (log) Assert.Equal(maxRetries, log.Count(l => l.Contains("answered 429")));
            Assert.True(sw.Elapsed < TimeSpan.FromSeconds(10), sw.Elapsed.ToString());
        }

        [Fact]
        public void AStormAskingForLongWaits_IsBoundedByMaxRetryDelay()
        {
            // Retry-After: 30 s a hundred times; MaxRetryDelay 100 ms, 8 retries: at most ~0.8 s of waiting, 9 requests.
            using var server = new FakeLogAnalyticsServer(_t.Store);
            server.Enqueue(FakeFault.Throttle("30"), 100);
            var c = Connection(server);
            c.MaxRetries = 8;
            c.MaxRetryDelay = TimeSpan.FromMilliseconds(100);
            using var client = QueryClientFactory.Create(c);
            var sw = Stopwatch.StartNew();
            var e = Assert.Throws<QueryFailedException>(() => Run(client));
            Assert.Equal(429, e.Status);
            Assert.Equal(9, server.QueryRequests.Count);
            Assert.True(sw.Elapsed < TimeSpan.FromSeconds(8), sw.Elapsed.ToString());
            Assert.True(sw.Elapsed >= TimeSpan.FromMilliseconds(8 * 90), sw.Elapsed.ToString());   // it did wait, capped
        }

        [Fact]
        public void AStormThatEnds_BeforeMaxRetries_StillSucceeds()
        {
            using var server = new FakeLogAnalyticsServer(_t.Store);
            server.Enqueue(FakeFault.Throttle("0"), 3);
            server.Enqueue(FakeFault.WithStatus(503), 1);
            server.Enqueue(FakeFault.ThrottleMs(0), 1);
            var c = Connection(server);
            c.MaxRetryDelay = TimeSpan.FromMilliseconds(20);
            using var client = QueryClientFactory.Create(c);
            var table = Run(client);
            Assert.NotEmpty(table.Rows);
            Assert.Equal(new[] { 429, 429, 429, 503, 429, 200 }, server.QueryRequests.Select(r => r.Status));
        }

        [Fact]
        public void AServerSlowerThanTheClientTimeout_GetsOneRequest_AndATimeoutError()
        {
            using var server = new FakeLogAnalyticsServer(_t.Store);
            server.Enqueue(FakeFault.Throttle("0"), 2);                  // throttled first: those are retried…
            server.Enqueue(FakeFault.Slow(TimeSpan.FromSeconds(6)), 5);  // …the slow answer is not
            var c = Connection(server);
            c.ServerTimeout = TimeSpan.FromSeconds(1);                   // client-side timeout a little over 1 s
            using var client = QueryClientFactory.Create(c);
            var sw = Stopwatch.StartNew();
            var e = Assert.Throws<QueryFailedException>(() => Run(client));
            sw.Stop();
            Assert.Equal("ClientTimeout", e.Code);
            Assert.Contains("not re-run automatically", e.Message);
            Assert.InRange(sw.Elapsed.TotalSeconds, 1.5, 5);
            Thread.Sleep(300);
            Assert.Equal(3, server.QueryRequests.Count);                 // 429, 429, then the one slow request
            Assert.Equal(4, server.PendingFaults);
        }

        [Fact]
        public void ManyQueriesAtOnce_AllComplete_WithTheSameResult()
        {
            const int Queries = 24;
            using var server = new FakeLogAnalyticsServer(_t.Store) { ResponseDelay = TimeSpan.FromMilliseconds(150) };
            server.Enqueue(FakeFault.Throttle("0"), 8);                  // some of them throttled on the way
            var c = Connection(server);
            c.MaxRetryDelay = TimeSpan.FromMilliseconds(50);
            var sw = Stopwatch.StartNew();
            using var shared = QueryClientFactory.Create(c);
            var tables = new QueryTable[Queries];
            Parallel.For(0, Queries, new ParallelOptions { MaxDegreeOfParallelism = 12 }, i =>
            {
                // Half share one client (one HTTP pipeline, concurrent requests), half have their own.
                if (i % 2 == 0) tables[i] = Run(shared);
                else
                {
                    using var own = QueryClientFactory.Create(c);
                    tables[i] = Run(own);
                }
            });
            sw.Stop();
            Assert.All(tables, t => Assert.NotEmpty(t.Rows));
            string first = Describe(tables[0]);
            Assert.All(tables, t => Assert.Equal(first, Describe(t)));
            Assert.Equal(Queries + 8, server.QueryRequests.Count);
            Assert.Equal(Queries, server.QueryRequests.Count(r => r.Status == 200));
            Assert.True(sw.Elapsed < TimeSpan.FromSeconds(20), sw.Elapsed.ToString());
        }

        private static string Describe(QueryTable t) =>
            string.Join("\n", t.Rows.Select(r => string.Join("|", r.Select(v => v?.ToString() ?? "null"))).OrderBy(s => s, StringComparer.Ordinal));
    }
}
