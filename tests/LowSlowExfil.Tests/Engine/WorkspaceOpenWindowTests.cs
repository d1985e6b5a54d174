using static LowSlowExfil.Tests.WorkspaceTestSupport;

namespace LowSlowExfil.Tests
{
    /// <summary>
    /// A window without an upper bound (-KqlCompatible without -EndTime, as the rule's ago()) is open in the workspace
    /// too: the request's timespan, which Log Analytics applies on top of the query, must not end it at the
    /// caller's clock. Rows stamped later (clock skew, future-dated records) count as the file readers count them.
    /// </summary>
    public sealed class WorkspaceOpenWindowTests
    {
        private static EventStore Events(DateTime now, out List<(DateTime, string, string, long)> rows)
        {
            rows = new List<(DateTime, string, string, long)>
            {
                (now.AddDays(-2), "alice@contoso.com", "dropbox.com", 1000),
                (now.AddHours(-1), "alice@contoso.com", "www.dropbox.com", 2000),
                (now.AddMinutes(10), "alice@contoso.com", "dropbox.com", 4000),     // the proxy's clock runs ahead
                (now.AddDays(2), "alice@contoso.com", "t.me", 8000),               // a future-dated record
                (now.AddDays(2).AddHours(1), "bob@contoso.com", "t.me", 16000),
            };
            var store = new EventStore();
            foreach (var (t, user, host, bytes) in rows) store.AddProxy(t, "Zscaler", "Allowed", user, host, bytes);
            for (int i = 0; i < 40; i++) store.AddProxy(now.AddDays(-1).AddMinutes(i), "Zscaler", "Allowed", $"user{i}@contoso.com", "dropbox.com", 10);
            return store;
        }

        [Theory]
        [InlineData(false)]
        [InlineData(true)]
        public void AnOpenWindow_CountsWhatTheFilesCount_EvenPastTheCallersClock(bool split)
        {
            var now = DateTime.UtcNow;
            var store = Events(now, out var rows);
            var o = new HuntOptions(endTimeUtc: null, days: 30, kqlCompatible: true);
            Assert.False(o.Window.HasUpperBound);

            var files = new EventAccumulator(o);
            foreach (var r in store.CommonSecurityLog) files.AddProxy(r.TimeGenerated, r.DeviceVendor, r.DeviceAction, r.SourceUserName, r.DestinationHostName, r.SentBytes);

            using var server = new FakeLogAnalyticsServer(store);
            if (split) server.MaxRows = 20;   // the open range is fetched in halves; the last half stays open
            using var client = QueryClientFactory.Create(Connection(server));
            var ws = new EventAccumulator(o);
            new WorkspaceReader(client).ReadUploads(ws, CancellationToken.None);

            string Describe(EventAccumulator a) => string.Join("\n", a.Uploads.BuildProfiles().OrderBy(p => p.UserName, StringComparer.Ordinal)
                .Select(p => $"{p.UserName} {p.ZIA_TotalRequests} {p.ZIA_TotalMBSent} {p.ZIA_ActiveDays}"));
            Assert.Equal(Describe(files), Describe(ws));
            var alice = ws.Uploads.BuildProfiles().Single(p => p.UserName == "alice@contoso.com");
            Assert.Equal(4, alice.ZIA_TotalRequests);
            Assert.Contains(ws.Uploads.BuildProfiles(), p => p.UserName == "bob@contoso.com");

            // The request that reaches the window's open end carries no timespan (it is optional and, when given, is
            // applied in addition to the query's own time filter); a bounded half carries its own.
            var requests = server.QueryRequests;
            Assert.Equal(split, requests.Count > 1);
            var open = requests.Where(r => r.Parsed.End == null).ToList();
            Assert.Single(open, r => !r.Truncated);
            Assert.All(open, r => { using var doc = JsonDocument.Parse(r.Body); Assert.False(doc.RootElement.TryGetProperty("timespan", out _), r.Body); });
            Assert.All(requests.Where(r => r.Parsed.End != null), r => Assert.NotNull(r.Timespan));
        }
    }
}
