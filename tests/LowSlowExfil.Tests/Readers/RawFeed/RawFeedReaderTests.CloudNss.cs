using System.IO.Compression;
using System.Text.Json.Nodes;

namespace LowSlowExfil.Tests
{
    /// <summary>Part of <see cref="RawFeedReaderTests"/> (its helpers and every-fixture theory are in RawFeedReaderTests.cs).</summary>
    public partial class RawFeedReaderTests
    {
        // ───────────────────────────── Cloud NSS JSON ─────────────────────────────

        private static readonly Lazy<string> CloudNssSample =
            new Lazy<string>(() => File.ReadAllText(TestPaths.Fixture("zscaler", "cloud-nss-sample-web.log")));

        /// <summary>The fixture's record with some fields changed.</summary>
        private static string CloudNss(string user, string externalId, string time = "2024-06-11,02:52:44", string sent = "446",
                                       string host = "this.is.a.test.zscaler.com", bool indented = false)
        {
            var o = JsonNode.Parse(CloudNssSample.Value).AsObject();
            o["suser"] = user;
            o["externalId"] = externalId;
            o["TimeGenerated"] = time;
            o["out"] = sent;
            o["dhost"] = host;
            return o.ToJsonString(indented ? Indented : Compact);
        }

        private static readonly JsonSerializerOptions Indented = new JsonSerializerOptions { WriteIndented = true };
        private static readonly JsonSerializerOptions Compact = new JsonSerializerOptions();

        [Fact]
        public void CloudNss_SampleFixture_IsOneProxyEvent()
        {
            var sink = new RecordingSink();
            var summary = sink.Read(TestPaths.Fixture("zscaler", "cloud-nss-sample-web.log"));
            Assert.Empty(sink.Issues);
            Assert.Equal(LogFormat.Json, summary.Format);
            Assert.Equal((1L, 1L, 0L, 0L), (summary.Records, summary.ProxyEvents, summary.SharingEvents, summary.Skipped));
            var e = Assert.Single(sink.Proxy);
            Assert.Equal((T0, "Zscaler", "Allowed", "user@zscaler.com", "this.is.a.test.zscaler.com", (long?)446), e);
            Assert.Equal(DateTimeKind.Utc, e.Time.Kind);
        }

        [Fact]
        public void CloudNss_SampleFixture_IsShiftedByTheFeedTimeZone()
        {
            var sink = new RecordingSink();
            LogFileReader.Read(TestPaths.Fixture("zscaler", "cloud-nss-sample-web.log"), sink, Context(sink, Berlin));
            Assert.Empty(sink.Issues);
            Assert.Equal(new DateTime(2024, 6, 11, 0, 52, 44, DateTimeKind.Utc), Assert.Single(sink.Proxy).Time);
        }

        [Fact]
        public void CloudNss_FofTemplate_HasNoIssue_NoEvents()
        {
            var sink = new RecordingSink();
            var summary = sink.Read(TestPaths.Fixture("zscaler", "cloud-nss-web.fof"));
            Assert.Empty(sink.Issues);
            Assert.Empty(sink.Proxy);
            Assert.Empty(sink.Sharing);
            Assert.Equal(LogFormat.FeedTemplate, summary.Format);
            Assert.Equal((0L, 0L, 0L), (summary.Records, summary.ProxyEvents, summary.Skipped));
            Assert.False(summary.Failed);
            Assert.Contains("template", summary.Notice);
        }

        [Fact]
        public void CloudNss_JsonLines_WithAReplay()
        {
            using var dir = TestPaths.NewTempFolder();
            string content = string.Join("\n",
                CloudNss("a@contoso.com", "11", sent: "100", host: "www.dropbox.com"),
                CloudNss("b@contoso.com", "12", time: "2024-06-12,23:59:59", sent: "200"),
                CloudNss("a@contoso.com", "11", sent: "100", host: "www.dropbox.com"), // replay
                CloudNss("c@contoso.com", "13", sent: "")) + "\n";
            var sink = new RecordingSink();
            var summary = sink.Read(Write(dir, "cloud-nss.jsonl", content));

            Assert.Empty(sink.Issues);
            Assert.Equal(LogFormat.Json, summary.Format);
            Assert.Equal((4L, 3L, 1L, 0L), (summary.Records, summary.ProxyEvents, summary.Replays, summary.Skipped));
            Assert.Equal(new[]
            {
                (T0, "Zscaler", "Allowed", "a@contoso.com", "www.dropbox.com", (long?)100),
                (new DateTime(2024, 6, 12, 23, 59, 59, DateTimeKind.Utc), "Zscaler", "Allowed", "b@contoso.com", "this.is.a.test.zscaler.com", (long?)200),
                (T0, "Zscaler", "Allowed", "c@contoso.com", "this.is.a.test.zscaler.com", (long?)null),
            }, sink.Proxy);
        }

        [Fact]
        public void CloudNss_JsonArray_OfSeveralRecords_AndReplaysAcrossFiles()
        {
            using var dir = TestPaths.NewTempFolder();
            string array = "[\n" + string.Join(",\n",
                CloudNss("a@contoso.com", "21", indented: true),
                CloudNss("b@contoso.com", "22", sent: "1048576", indented: true),
                CloudNss("a@contoso.com", "21", indented: true), // replay
                CloudNss("c@contoso.com", "23", sent: "7", indented: true)) + "\n]\n";
            string lines = CloudNss("c@contoso.com", "23", sent: "7") + "\n" + CloudNss("d@contoso.com", "24", sent: "8") + "\n";
            string p1 = Write(dir, "cloud-nss-array.json", array);
            string p2 = Write(dir, "cloud-nss-more.json", lines);

            var sink = new RecordingSink();
            var ctx = sink.Context();
            var s1 = LogFileReader.Read(p1, sink, ctx);
            var s2 = LogFileReader.Read(p2, sink, ctx);

            Assert.Empty(sink.Issues);
            Assert.Equal((4L, 3L, 1L), (s1.Records, s1.ProxyEvents, s1.Replays));
            Assert.Equal((2L, 1L, 1L), (s2.Records, s2.ProxyEvents, s2.Replays));
            Assert.Equal(new[] { "a@contoso.com", "b@contoso.com", "c@contoso.com", "d@contoso.com" }, sink.Proxy.Select(p => p.User));
            Assert.Equal(new long?[] { 446, 1048576, 7, 8 }, sink.Proxy.Select(p => p.Sent));
        }

        [Fact]
        public void CloudNss_BadRecord_IsOneIssue_OthersCount()
        {
            using var dir = TestPaths.NewTempFolder();
            string content = string.Join("\n",
                CloudNss("a@contoso.com", "31"),
                CloudNss("b@contoso.com", "32", time: "yesterday"),
                CloudNss("c@contoso.com", "33", sent: "lots"),
                CloudNss("d@contoso.com", "34")) + "\n";
            var sink = new RecordingSink();
            var summary = sink.Read(Write(dir, "cloud-nss.jsonl", content));
            Assert.Equal(new[] { "a@contoso.com", "d@contoso.com" }, sink.Proxy.Select(p => p.User));
            Assert.Equal(new long[] { 2, 3 }, sink.Issues.Select(i => i.Line));
            Assert.Contains("TimeGenerated 'yesterday'", sink.Issues[0].Reason);
            Assert.Contains("out 'lots'", sink.Issues[1].Reason);
            Assert.Equal((4L, 2L), (summary.Records, summary.Skipped));
        }
    }
}
