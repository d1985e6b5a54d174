using static LowSlowExfil.Tests.WorkspaceTestSupport;

namespace LowSlowExfil.Tests
{
    /// <summary>
    /// A record's bytes sent that is negative or past any single request (long.MaxValue, −1.19 GB) is an error for that
    /// record in every reader and on the workspace path, and no total wraps: found by the hostile-input review, where one
    /// such row took a 1.2 GB uploader off the candidates.
    /// </summary>
    public class SentBytesBoundTests
    {
        private static readonly DateTime End = new DateTime(2026, 11, 1, 0, 0, 0, DateTimeKind.Utc);
        private const long Honest = 1_250_000_000; // the user's real uploads, in two records

        public static IEnumerable<object[]> Hostile() => new[]
        {
            new object[] { "9223372036854775807", "is over 1 TiB" },
            new object[] { "-1193046471", "is negative" },
            new object[] { "1099511627777", "is over 1 TiB" },
        };

        private static (EventAccumulator Acc, List<ReadIssue> Issues, FileReadSummary Summary) Read(string path, bool fast, int threads = 1)
        {
            var acc = new EventAccumulator(new HuntOptions(End, 30, kqlCompatible: false));
            var issues = new List<ReadIssue>();
            var summary = LogFileReader.Read(path, acc, new ReadContext
            {
                OnIssue = issues.Add, UseFastPaths = fast, MaxDegreeOfParallelism = threads, ParallelMinimumBytes = threads > 1 ? 1 : long.MaxValue,
            });
            return (acc, issues, summary);
        }

        private static void AssertHostileRecordRefused(string path, string reason)
        {
            foreach (var (fast, threads) in new[] { (true, 1), (false, 1), (true, 3) })
            {
                var r = Read(path, fast, threads);
                var issue = Assert.Single(r.Issues);
                Assert.Contains(reason, issue.Reason);
                Assert.Equal(1, r.Summary.Skipped);
                var p = Assert.Single(r.Acc.Uploads.BuildProfiles());
                Assert.Equal(Honest, p.TotalBytesSent);
                Assert.Equal(2, p.ZIA_TotalRequests);
            }
        }

        [Theory]
        [MemberData(nameof(Hostile))]
        public void CommonSecurityLogCsv(string sent, string reason)
        {
            using var dir = TestPaths.NewTempFolder();
            string path = dir.File("csl.csv");
            File.WriteAllText(path,
                "TimeGenerated [UTC],DeviceVendor,DeviceAction,SourceUserName,DestinationHostName,SentBytes\n" +
                "\"10/20/2026, 3:05:26.000 PM\",Zscaler,Allowed,big@x.com,dropbox.com,1000000000\n" +
                $"\"10/21/2026, 3:05:26.000 PM\",Zscaler,Allowed,big@x.com,dropbox.com,{sent}\n" +
                "\"10/22/2026, 3:05:26.000 PM\",Zscaler,Allowed,big@x.com,dropbox.com,250000000\n");
            AssertHostileRecordRefused(path, reason);
            AssertHostileRecordRefused(TestPaths.Gzip(path), reason);
        }

        [Theory]
        [MemberData(nameof(Hostile))]
        public void CommonSecurityLogJson(string sent, string reason)
        {
            using var dir = TestPaths.NewTempFolder();
            string path = dir.File("csl.json");
            string Row(string day, string bytes) =>
                $"{{\"TimeGenerated\":\"2026-10-{day}T15:05:26Z\",\"DeviceVendor\":\"Zscaler\",\"DeviceAction\":\"Allowed\",\"SourceUserName\":\"big@x.com\",\"DestinationHostName\":\"dropbox.com\",\"SentBytes\":{bytes}}}";
            File.WriteAllText(path, "[" + Row("20", "1000000000") + "," + Row("21", sent) + "," + Row("22", "250000000") + "]");
            AssertHostileRecordRefused(path, reason);
        }

        [Theory]
        [MemberData(nameof(Hostile))]
        public void NssCefFeed(string sent, string reason)
        {
            using var dir = TestPaths.NewTempFolder();
            string path = dir.File("feed.cef");
            string Line(string day, string bytes, int id) =>
                $"<134>Oct {day} 15:05:26 zscaler-nss CEF:0|Zscaler|NSSWeblog|5.7|Allowed|Allowed|3|act=Allowed suser=big@x.com dhost=dropbox.com out={bytes} rt=Oct {day} 2026 15:05:26 externalId={id}\n";
            File.WriteAllText(path, Line("20", "1000000000", 1) + Line("21", sent, 2) + Line("22", "250000000", 3));
            AssertHostileRecordRefused(path, reason);
        }

        [Theory]
        [MemberData(nameof(Hostile))]
        public void CloudNssJson(string sent, string reason)
        {
            using var dir = TestPaths.NewTempFolder();
            string path = dir.File("cloud-nss.json");
            string Line(string day, string bytes, int id) =>
                $"{{\"TimeGenerated\":\"2026-10-{day},15:05:26\",\"act\":\"Allowed\",\"suser\":\"big@x.com\",\"dhost\":\"dropbox.com\",\"out\":\"{bytes}\",\"externalId\":\"{id}\"}}\n";
            File.WriteAllText(path, Line("20", "1000000000", 1) + Line("21", sent, 2) + Line("22", "250000000", 3));
            AssertHostileRecordRefused(path, reason);
        }

        [Fact]
        public void Totals_SaturateInsteadOfWrapping()
        {
            Assert.Equal(long.MaxValue, ByteSum.Add(long.MaxValue - 5, 6));
            Assert.Equal(long.MaxValue, ByteSum.Add(long.MaxValue, long.MaxValue));
            Assert.Equal(7, ByteSum.Add(3, 4));
            // Many records at the per-record bound: the total stops at the largest long and the user stays on top.
            var acc = new ZiaAccumulator(new HuntOptions(End, 30, kqlCompatible: false));
            for (int i = 0; i < 9_000_000; i += 1000)
                acc.AddAggregate("big@x.com", End.AddDays(-1 - i % 20), "dropbox.com", ExportSchema.MaxSentBytes * 1000, 1000, End.AddDays(-2), End.AddDays(-1));
            var p = Assert.Single(acc.BuildProfiles());
            Assert.Equal(long.MaxValue, p.TotalBytesSent);
            Assert.True(p.ZIA_TotalMBSent > 0);
            Assert.All(p.DailyUploads, d => Assert.True(d.DaySentBytes > 0));
        }

        [Fact]
        public void WorkspaceRows_WithAWrappedOrNegativeSum_AreRejectedAndReported()
        {
            var store = new EventStore();
            var day = End.AddDays(-3);
            store.AddProxy(day.AddHours(1), "Zscaler", "Allowed", "big@x.com", "dropbox.com", Honest);
            store.AddProxy(day.AddHours(2), "Zscaler", "Allowed", "big@x.com", "evil.dropbox.com", long.MaxValue);
            store.AddProxy(day.AddHours(3), "Zscaler", "Allowed", "big@x.com", "box.com", -1_193_046_471);
            using var server = new FakeLogAnalyticsServer(store);
            using var client = QueryClientFactory.Create(Connection(server));
            var acc = new EventAccumulator(new HuntOptions(End, 30, kqlCompatible: false));
            var reader = new WorkspaceReader(client);
            reader.ReadUploads(acc, CancellationToken.None);

            var p = Assert.Single(acc.Uploads.BuildProfiles());
            Assert.Equal(Honest, p.TotalBytesSent);
            Assert.Equal(2, reader.RejectedRows.Count);
            Assert.Contains(reader.RejectedRows, r => r.Contains("evil.dropbox.com") && r.Contains("over 1 TiB"));
            Assert.Contains(reader.RejectedRows, r => r.Contains("box.com") && r.Contains("is negative"));
        }
    
        [Theory]
        [InlineData(false)]
        [InlineData(true)]
        public void AHostileRecord_IsLeftOutOfItsGroup_NotTheGroupWithIt(bool kql)
        {
            // One user, one day, one host: honest records beside a wrapped and a negative size. The file readers skip
            // the two records (as read errors) and count the rest; the push-down must leave out the same two records,
            // not the whole group, and say so.
            var day = End.AddDays(-3);
            var rows = new (DateTime Time, long? Sent)[]
            {
                (day.AddHours(1), Honest), (day.AddHours(2), long.MaxValue), (day.AddHours(3), -1_193_046_471), (day.AddHours(4), 4096), (day.AddHours(5), null),
                (day.AddHours(6), ExportSchema.MaxSentBytes), (day.AddHours(7), ExportSchema.MaxSentBytes + 1),
            };
            var store = new EventStore();
            var files = new EventAccumulator(new HuntOptions(End, 30, kqlCompatible: kql));
            foreach (var (t, sent) in rows)
            {
                store.AddProxy(t, "Zscaler", "Allowed", "big@x.com", "dropbox.com", sent);
                if (ExportSchema.SentBytesProblem(sent) == null) files.AddProxy(t, "Zscaler", "Allowed", "big@x.com", "dropbox.com", sent);  // what a reader passes on
            }
            using var server = new FakeLogAnalyticsServer(store);
            using var client = QueryClientFactory.Create(Connection(server));
            var acc = new EventAccumulator(new HuntOptions(End, 30, kqlCompatible: kql));
            var reader = new WorkspaceReader(client);
            reader.ReadUploads(acc, CancellationToken.None);

            var expected = Assert.Single(files.Uploads.BuildProfiles());
            var p = Assert.Single(acc.Uploads.BuildProfiles());
            Assert.Equal(expected.TotalBytesSent, p.TotalBytesSent);
            Assert.Equal(4, p.ZIA_TotalRequests);
            Assert.Equal(expected.ZIA_TotalRequests, p.ZIA_TotalRequests);
            Assert.Equal(expected.FirstSeen, p.FirstSeen);
            Assert.Equal(expected.LastSeen, p.LastSeen);
            Assert.Equal(2, reader.RejectedRows.Count);
            Assert.Contains(reader.RejectedRows, r => r.Contains("'dropbox.com': 1 record(s) whose SentBytes is negative"));
            Assert.Contains(reader.RejectedRows, r => r.Contains("'dropbox.com': 2 record(s) whose SentBytes is over 1 TiB"));
        }

        [Fact]
        public void AGroupOfHostileRecordsOnly_AddsNoActiveDay()
        {
            var store = new EventStore();
            store.AddProxy(End.AddDays(-2), "Zscaler", "Allowed", "big@x.com", "dropbox.com", Honest);
            store.AddProxy(End.AddDays(-5), "Zscaler", "Allowed", "big@x.com", "dropbox.com", -5);
            using var server = new FakeLogAnalyticsServer(store);
            using var client = QueryClientFactory.Create(Connection(server));
            var acc = new EventAccumulator(new HuntOptions(End, 30, kqlCompatible: false));
            var reader = new WorkspaceReader(client);
            reader.ReadUploads(acc, CancellationToken.None);
            var p = Assert.Single(acc.Uploads.BuildProfiles());
            Assert.Equal(1, p.ZIA_ActiveDays);
            Assert.Equal(1, p.ZIA_TotalRequests);
            Assert.Contains("1 record(s) whose SentBytes is negative", Assert.Single(reader.RejectedRows));
        }
    }
}
