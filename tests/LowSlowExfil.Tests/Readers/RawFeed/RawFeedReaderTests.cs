using System.IO.Compression;
using System.Text.Json.Nodes;

namespace LowSlowExfil.Tests
{
    /// <summary>
    /// Raw feeds and audit exports (SPEC §4): Zscaler NSS CEF over syslog, Cloud NSS JSON, Purview CSV, Management
    /// Activity API JSON, every shared fixture, and gzip. Fixtures are read in place; test input is built in a
    /// temp folder. Expected values are worked out by hand from the inputs.
    /// </summary>
    public partial class RawFeedReaderTests
    {
        /// <summary>rt=Jun 11 2024 02:52:44 read as UTC; also the Cloud NSS sample's "2024-06-11,02:52:44".</summary>
        private static readonly DateTime T0 = new DateTime(2024, 6, 11, 2, 52, 44, DateTimeKind.Utc);
        /// <summary>2024-06-11T02:52:44Z in epoch milliseconds (1,718,074,364 s).</summary>
        private const string T0EpochMs = "1718074364000";

        // ───────────────────────────── helpers ─────────────────────────────

        private static string Write(TempFolder dir, string name, string content, bool bom = false)
        {
            string path = dir.File(name);
            File.WriteAllText(path, content, new UTF8Encoding(bom));
            return path;
        }

        private static string WriteBytes(TempFolder dir, string name, byte[] bytes)
        {
            string path = dir.File(name);
            File.WriteAllBytes(path, bytes);
            return path;
        }

        private static byte[] Gzip(byte[] data) => TestPaths.Gzip(data);

        private static ReadContext Context(RecordingSink sink, TimeZoneInfo zone = null, int maxRecordChars = 16 * 1024 * 1024)
        {
            var ctx = sink.Context(maxRecordChars);
            if (zone != null) ctx.FeedTimeZone = zone;
            return ctx;
        }

        private static TimeZoneInfo Berlin => TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin");

        // ───────────────────────────── every fixture ─────────────────────────────

        public static IEnumerable<object[]> FixtureFiles => new[]
        {
            new object[] { "sentinel/CommonSecurityLog-ZScaler.json", 2, 0 },
            new object[] { "sentinel/OfficeActivity-training-lab.csv", 0, 266 },
            new object[] { "o365/elastic-sharepointfileop-events.json", 0, 12 },
            new object[] { "o365/elastic-sp-sharing-op-events.json", 0, 10 },
            new object[] { "zscaler/cloud-nss-sample-web.log", 1, 0 },
            new object[] { "zscaler/nss-web.cef", 0, 0 },
            new object[] { "zscaler/cloud-nss-web.fof", 0, 0 },
        };

        [Theory]
        [MemberData(nameof(FixtureFiles))]
        public void EveryFixture_ReadsWithoutIssues_AndYieldsItsEvents(string relative, int proxy, int sharing)
        {
            var sink = new RecordingSink();
            var summary = sink.Read(TestPaths.Fixture(relative.Split('/')));
            Assert.Empty(sink.Issues);
            Assert.False(summary.Failed);
            Assert.Equal(0, summary.Skipped);
            Assert.Equal((long)proxy, summary.ProxyEvents);
            Assert.Equal((long)sharing, summary.SharingEvents);
            Assert.Equal(proxy, sink.Proxy.Count);
            Assert.Equal(sharing, sink.Sharing.Count);
        }

        [Fact]
        public void EveryFixture_IsCoveredByTheTheory()
        {
            var onDisk = Directory.EnumerateFiles(TestPaths.Fixtures, "*", SearchOption.AllDirectories)
                .Where(f => !f.EndsWith(".md", StringComparison.OrdinalIgnoreCase))
                .Select(f => Path.GetRelativePath(TestPaths.Fixtures, f).Replace('\\', '/'))
                .OrderBy(f => f, StringComparer.Ordinal);
            Assert.Equal(FixtureFiles.Select(r => (string)r[0]).OrderBy(f => f, StringComparer.Ordinal), onDisk);
        }
    }
}
