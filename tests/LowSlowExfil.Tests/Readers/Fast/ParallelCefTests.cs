using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace LowSlowExfil.Tests
{
    /// <summary>
    /// One large NSS CEF feed is read on every core (ParallelNssCefReader): cut into chunks at line starts, parsed side
    /// by side, applied in file order. Wherever the cuts fall, the result must be the one-thread read's: the same
    /// events in the same order, the same replays recognised (a small replay window, so which id it still remembers
    /// depends on order), the same issues with the same line and record numbers, the same hand-over to the text
    /// reader at a line over the record cap.
    /// </summary>
    public class ParallelCefTests
    {
        private static readonly DateTime End = new DateTime(2026, 11, 1, 0, 0, 0, DateTimeKind.Utc);

        public sealed class CutFeed
        {
            public byte[] Bytes = Array.Empty<byte>();
            public int MaxRecordChars, ChunkBytes, Workers, ReplayWindow;
            public override string ToString() =>
                $"chunks of {ChunkBytes} bytes, {Workers} workers, replay window {ReplayWindow}, cap {MaxRecordChars}:\n" +
                Encoding.UTF8.GetString(Bytes).Replace("\r", "\\r").Replace("\n", "\\n\n");
        }

        public static class Arbitraries
        {
            // Events whose externalId repeats (replays after a reconnect) among the scanner's hostile feeds.
            private static readonly Gen<string> Replayed =
                from id in Gen.Choose(0, 6)
                from user in Gen.Elements("a@x.com", "A@X.com", "b@x.com", "")
                from day in Gen.Choose(1, 30)
                from sent in Gen.Choose(0, 5000)
                select $"<134>CEF:0|Zscaler|NSSWeblog|5.7|Allowed|Allowed|3|act=Allowed rt=Oct {day:00} 2026 10:00:00 suser={user} dhost=www.dropbox.com out={sent} externalId=id{id}";

            private static readonly Gen<byte[]> Segment = Gen.Frequency(
                (3, Replayed.Select(l => Encoding.UTF8.GetBytes(l))),
                (1, Gen.Elements("", " ", "\r", "not cef").Select(l => Encoding.UTF8.GetBytes(l))),
                (1, CefScannerTests.Arbitraries.Cef().Generator.Select(c => c.Bytes)));

            public static Arbitrary<CutFeed> Feed() => Arb.From(
                from segments in Segment.ListOf().Select(l => l.ToList()).Where(l => l.Count > 0 && l.Count < 40)
                from eol in Gen.Elements("\n", "\r\n")
                from cap in Gen.Elements(300, 400, 4096)
                from chunk in Gen.Frequency((3, Gen.Choose(1, 200)), (2, Gen.Choose(200, 3000)))
                from workers in Gen.Choose(2, 3)
                from window in Gen.Elements(2, 3, 1000)
                select new CutFeed
                {
                    Bytes = segments.SelectMany((s, i) => i == 0 ? s : Encoding.UTF8.GetBytes(eol).Concat(s)).ToArray(),
                    MaxRecordChars = cap, ChunkBytes = chunk, Workers = workers, ReplayWindow = window,
                });
        }

        /// <summary>Everything a read produced: events in order (or an accumulator's profiles), issues, counts.</summary>
        private static string Read(string path, CutFeed feed, bool parallel, bool intoAccumulator)
        {
            var issues = new StringBuilder();
            var ctx = new ReadContext
            {
                OnIssue = i => issues.AppendLine(i.ToString()), MaxRecordChars = feed.MaxRecordChars,
                RethrowUnexpected = true, Replays = new ReplayFilter(feed.ReplayWindow),
            };
            var summary = new FileReadSummary { File = path };
            var recording = new RecordingSink();
            var acc = new EventAccumulator(new HuntOptions(End, 30));
            IEventSink sink = intoAccumulator ? acc : (IEventSink)recording;
            if (parallel) ParallelNssCefReader.Read(path, sink, ctx, summary, feed.Workers, feed.ChunkBytes);
            else
                using (var file = File.OpenRead(path))
                    NssCefScanner.Read(file, path, sink, ctx, summary);
            string events = intoAccumulator
                ? acc.DescribeFilters() + "\n" + string.Join("\n", acc.Uploads.BuildProfiles().Select(p => $"{p.UserName} {p.TotalBytesSent} {p.ZIA_ActiveDays} {p.ZIA_TotalRequests} {p.FirstSeen:o} {p.LastSeen:o}"))
                : string.Join("\n", recording.Proxy.Select(e => $"{e.Time:o}|{e.Vendor ?? "(null)"}|{e.Action ?? "(null)"}|{e.User ?? "(null)"}|{e.Host ?? "(null)"}|{e.Sent?.ToString() ?? "(null)"}"));
            return $"{events}\n{issues}\n{summary}\nnotice: {summary.Notice}";
        }

        [Property(MaxTest = 300, QuietOnSuccess = true, Arbitrary = new[] { typeof(Arbitraries) })]
        public void ParallelRead_AnyCutPoints_ReadsAsOneThread(CutFeed feed)
        {
            using var dir = TestPaths.NewTempFolder();
            string path = dir.File("feed.cef");
            File.WriteAllBytes(path, feed.Bytes);
            Assert.Equal(Read(path, feed, parallel: false, intoAccumulator: false), Read(path, feed, parallel: true, intoAccumulator: false));
            Assert.Equal(Read(path, feed, parallel: false, intoAccumulator: true), Read(path, feed, parallel: true, intoAccumulator: true));
        }

        [Fact]
        public void OneLargeFeed_IsReadOnEveryCore_WithItsReplays_AsOneThreadAndTheTextReader()
        {
            // Through the public entry: a generated tenant's feed (with the replays its writer puts in) is cut into
            // ranges once it passes the parallel threshold, and reads as the one-thread scanner and the text reader do.
            using var dir = TestPaths.NewTempFolder();
            var tenant = SampleData.SampleTenant.Generate(new SampleData.SampleTenantOptions { BackgroundUsers = 30, EndTime = End });
            string path = dir.File("nss-web.cef");
            SampleData.SampleRawFeedWriter.WriteNssCef(tenant.ProxyEvents(), path, withPri: true);
            // A reconnect half-way: NSS resends its last 40 records (about 120 KB, across several chunks).
            var lines = File.ReadAllLines(path).ToList();
            lines.InsertRange(lines.Count / 2, lines.Skip(lines.Count / 2 - 40).Take(40).ToList());
            File.WriteAllLines(path, lines);

            (string Text, FileReadSummary Summary) ReadWith(bool fast, int threads)
            {
                var acc = new EventAccumulator(new HuntOptions(End, 30));
                var issues = new StringBuilder();
                var summary = LogFileReader.Read(path, acc, new ReadContext
                {
                    UseFastPaths = fast, MaxDegreeOfParallelism = threads, ParallelMinimumBytes = 64 * 1024, // chunks of 32 KB
                    OnIssue = i => issues.AppendLine(i.ToString()),
                });
                return ($"{issues}\n{summary}\n{acc.DescribeFilters()}\n" + string.Join("\n", acc.Uploads.BuildProfiles().Select(p =>
                    $"{p.UserName} {p.TotalBytesSent} {p.ZIA_ActiveDays} {p.ZIA_TotalRequests} {p.FirstSeen:o} {p.LastSeen:o} "
                    + string.Join(";", p.Destinations.Select(d => $"{d.DestinationHostName}={d.SentBytes}/{d.RequestCount}")))), summary);
            }

            var text = ReadWith(fast: false, threads: 1);
            var one = ReadWith(fast: true, threads: 1);
            var two = ReadWith(fast: true, threads: 2);
            Assert.Contains("replayed duplicates counted once", text.Text);
            Assert.Equal(1, one.Summary.Threads);
            // One thread when every fast path is off (LOWSLOWEXFIL_FAST_PATHS=0): the same reading, the text reader's.
            Assert.Equal(FastPath.Allowed ? 2 : 1, two.Summary.Threads);
            Assert.Equal(text.Text, one.Text);
            Assert.Equal(text.Text, two.Text);
        }
    }
}
