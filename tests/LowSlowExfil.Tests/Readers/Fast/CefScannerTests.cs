using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace LowSlowExfil.Tests
{
    /// <summary>
    /// NSS CEF feeds are read from bytes (NssCefScanner), decoding only what the rule reads. Hostile feeds — keys
    /// repeated or missing, values with spaces, trailing spaces, "key=" inside them, escapes, non-ASCII text, feed
    /// templates and URLs with '%', every form of rt the text reader knows and some it refuses, sizes that are not
    /// numbers, blank and non-CEF lines, CRLF, a byte order mark, lines about the record cap, a small buffer that
    /// lines cross — must read exactly as the text reader (NssCefReader) reads them: same events, issues and counts.
    /// </summary>
    public class CefScannerTests
    {
        private static readonly DateTime End = new DateTime(2026, 11, 1, 0, 0, 0, DateTimeKind.Utc);

        private static readonly TimeZoneInfo Eastern = TimeZoneInfo.CreateCustomTimeZone("Test/Eastern", TimeSpan.FromHours(-5), "Eastern", "EST", "EDT",
            new[]
            {
                TimeZoneInfo.AdjustmentRule.CreateAdjustmentRule(DateTime.MinValue.Date, DateTime.MaxValue.Date, TimeSpan.FromHours(1),
                    TimeZoneInfo.TransitionTime.CreateFloatingDateRule(new DateTime(1, 1, 1, 2, 0, 0), 3, 2, DayOfWeek.Sunday),
                    TimeZoneInfo.TransitionTime.CreateFloatingDateRule(new DateTime(1, 1, 1, 2, 0, 0), 11, 1, DayOfWeek.Sunday)),
            });

        public sealed class HostileCef
        {
            public byte[] Bytes = Array.Empty<byte>();
            public int MaxRecordChars;
            public bool InEastern;
            public override string ToString() =>
                $"cap {MaxRecordChars}, {(InEastern ? "Eastern" : "UTC")}:\n" + Encoding.UTF8.GetString(Bytes).Replace("\r", "\\r").Replace("\n", "\\n\n");
        }

        public static class Arbitraries
        {
            private static readonly string[] Rts =
            {
                "Sep 27 2026 00:02:36", "Oct 31 2026 23:59:59", "Feb 29 2024 12:00:00", "Feb 29 2025 12:00:00", "sep 27 2026 00:02:36",
                "SEP 27 2026 00:02:36", " Sep 27 2026 00:02:36", "Sep 27  2026 00:02:36", "Sep 7 2026 00:02:36", "Sep 27 2026 00:02:36.123",
                "2026-09-27 00:02:36", "2026-09-27T00:02:36", "Sep 27 2026 24:00:00", "Sep 31 2026 00:00:00", "Jan 01 0000 00:00:00",
                "Jan 01 0001 00:00:00", "Dec 31 9999 23:59:59", "Mar 08 2026 02:30:00", "Nov 01 2026 01:30:00", "1790000000000",
                "179000000000", "999999999999999999", "9999999999999999999", "253402300799999", "253402300800000", "0000", "", "Sxp 27 2026 00:02:36",
            };

            private static readonly Gen<string> Plain = Gen.Elements("Allowed", "Blocked", "Block", "dropbox.com", "www.github.com", "example.com",
                "a@contoso.com", "B@Contoso.com", "CORP\\nancy", "a\\=b", "x\\\\", "\\", "ü@contoso.com", "mega.nz:443", "General Browsing",
                "x y=z", "x act=evil", "ü act=x", "50%", "%20", "%s{login}", "%02d{dd}", "%\u0663s{x}", "%s{}", "%x{a}", "", " ", "  lead", "trail  ",
                "1523", "-5", "+5", "0005", "1e3", "307.0", "4x", "9999999999999999999", "7250000000000", "\u00A0",
                // Hostile keys and sizes (issue 14): quotes, separators of other formats, non-ASCII hosts, the long range's edges.
                "\"a\"\"b@x.com\"", "c\"d.dropbox.com", "a,b.dropbox.com", "x|y.dropbox.com", "tab\there.dropbox.com", "ü.dropbox.com",
                "9223372036854775807", "-9223372036854775808", "-1193046471", "1099511627776", "1099511627777");

            private static readonly Gen<string> Key = Gen.Frequency(
                (8, Gen.Elements("act", "suser", "dhost", "out", "rt", "externalId")),
                (4, Gen.Elements("cat", "request", "requestClientApplication", "cs1", "cn1Label", "in", "Severity", "name")),
                (1, Gen.Elements("foo", "actx", "Act", "xact", "äct", "ext_ernalId", "out2")));

            private static readonly Gen<string> Pair =
                from key in Key
                from eq in Gen.Frequency((12, Gen.Constant("=")), (1, Gen.Constant("\\=")))
                from value in key == "rt" ? Gen.Frequency((4, Gen.Elements(Rts)), (1, Plain)) : Plain
                select key + eq + value;

            private static readonly Gen<string> Extension =
                from pairs in Pair.ListOf().Select(l => l.ToList()).Where(l => l.Count < 14)
                from seps in Gen.Elements(" ", " ", " ", "  ").ArrayOf(14)
                from tail in Gen.Elements("", "", " ", "  ")
                select string.Concat(pairs.Select((p, i) => (i == 0 ? "" : seps[i]) + p)) + tail;

            private static readonly Gen<string> CefLine =
                from prefix in Gen.Elements("", "<134>", "<134>Sep 27 00:02:36 zscaler-nss ", "ü ")
                from vendor in Gen.Elements("Zscaler", "Zscaler", "zscaler", "Other", "Zs\\|caler", "Zscaler\\\\", "")
                from header in Gen.Frequency((10, Gen.Constant("|NSSWeblog|5.7|Allowed|Allowed|3|")), (1, Gen.Elements("|NSS\\|Weblog|5.7|A|A|3|", "|NSSWeblog|5.7|", "|a|b|c|d|e\\")))
                from extension in Extension
                select prefix + "CEF:0|" + vendor + header + extension;

            private static readonly Gen<string> Line = Gen.Frequency(
                (12, CefLine),
                (1, Gen.Elements("", " ", "\t", "\u00A0", "not cef at all", "<134>Sep 27 00:02:36 host restarting", "\r")),
                (1, Gen.Choose(1, 4).Select(n => "CEF:0|Zscaler|NSSWeblog|5.7|A|A|3|rt=Sep 27 2026 00:02:36 suser=" + string.Concat(Enumerable.Repeat("üx", n * 40)))),
                (1, Gen.Choose(250, 420).Select(n => "CEF:0|Zscaler|NSSWeblog|5.7|A|A|3|act=Allowed rt=Sep 27 2026 00:02:36 request=" + new string('r', n))));

            public static Arbitrary<HostileCef> Cef() => Arb.From(
                from bom in Gen.Frequency((6, Gen.Constant(false)), (1, Gen.Constant(true)))
                from eol in Gen.Elements("\n", "\r\n")
                from lines in Line.ListOf().Select(l => l.ToList()).Where(l => l.Count > 0 && l.Count < 30)
                from last in Gen.Elements("", "\n", "\r\n", "\r")
                from cap in Gen.Elements(300, 400, 4096)
                from eastern in Gen.Elements(false, true)
                select new HostileCef
                {
                    Bytes = (bom ? new byte[] { 0xEF, 0xBB, 0xBF } : Array.Empty<byte>()).Concat(Encoding.UTF8.GetBytes(string.Join(eol, lines) + last)).ToArray(),
                    MaxRecordChars = cap,
                    InEastern = eastern,
                });
        }

        /// <summary>Everything one read produced, as text: events in order (or the accumulator's tallies and profiles), issues, counts.</summary>
        private static string Read(HostileCef cef, int? scannerBuffer, bool intoAccumulator, bool trickle = false)
        {
            var issues = new StringBuilder();
            var ctx = new ReadContext
            {
                OnIssue = i => issues.AppendLine(i.ToString()), MaxRecordChars = cef.MaxRecordChars,
                FeedTimeZone = cef.InEastern ? Eastern : TimeZoneInfo.Utc, RethrowUnexpected = true,
            };
            var summary = new FileReadSummary { File = "hostile.cef" };
            var recording = new RecordingSink();
            var acc = new EventAccumulator(new HuntOptions(End, 30));
            IEventSink sink = intoAccumulator ? acc : (IEventSink)recording;
            Stream bytes = trickle ? new TricklingStream(cef.Bytes) : new MemoryStream(cef.Bytes, writable: false);
            if (scannerBuffer is int buffer) NssCefScanner.Read(bytes, "hostile.cef", sink, ctx, summary, buffer);
            else
                using (var text = new StreamReader(bytes, new UTF8Encoding(false, false), detectEncodingFromByteOrderMarks: true, bufferSize: 1024))
                    NssCefReader.Read(text, "hostile.cef", sink, ctx, summary);
            string events = intoAccumulator
                ? acc.DescribeFilters() + "\n" + string.Join("\n", acc.Uploads.BuildProfiles().Select(p => $"{p.UserName} {p.TotalBytesSent} {p.ZIA_ActiveDays} {p.ZIA_TotalRequests} {p.FirstSeen:o} {p.LastSeen:o}"))
                : string.Join("\n", recording.Proxy.Select(e => $"{e.Time:o} {e.Time.Kind}|{e.Vendor ?? "(null)"}|{e.Action ?? "(null)"}|{e.User ?? "(null)"}|{e.Host ?? "(null)"}|{e.Sent?.ToString() ?? "(null)"}"));
            return $"{events}\n{issues}\n{summary}\nnotice: {summary.Notice}";
        }

        [Property(MaxTest = 400, QuietOnSuccess = true, Arbitrary = new[] { typeof(Arbitraries) })]
        public void Scanner_ReadsHostileFeeds_AsTheTextReader(HostileCef cef)
        {
            string text = Read(cef, scannerBuffer: null, intoAccumulator: false);
            Assert.Equal(text, Read(cef, NssCefScanner.BufferBytes, intoAccumulator: false));
            // A buffer a line barely fits (or does not): partial lines move to its front, or the text reader takes over.
            Assert.Equal(text, Read(cef, 512, intoAccumulator: false, trickle: true));
            // Into an accumulator the scanner hands over its cached verdicts instead of the event's text.
            Assert.Equal(Read(cef, scannerBuffer: null, intoAccumulator: true), Read(cef, NssCefScanner.BufferBytes, intoAccumulator: true));
        }

        [Theory]
        [InlineData(false, false)]
        [InlineData(true, false)]
        [InlineData(false, true)]
        public void Scanner_IsTheReaderOfCefFiles_AndReadsATenantsFeed_AsTheTextReader(bool gzip, bool kql)
        {
            // Through the public entry, where UseFastPaths picks the scanner: a generated tenant's feed, with its
            // replays, plain and gzip, into the accumulator the cmdlets use.
            using var dir = TestPaths.NewTempFolder();
            var tenant = SampleData.SampleTenant.Generate(new SampleData.SampleTenantOptions { BackgroundUsers = 30 });
            string path = dir.File("nss-web.cef");
            SampleData.SampleRawFeedWriter.WriteNssCef(tenant.ProxyEvents(), path, withPri: true);
            if (gzip) path = TestPaths.Gzip(path);

            string ReadWith(bool fast)
            {
                var acc = new EventAccumulator(new HuntOptions(End, 30, kqlCompatible: kql));
                var issues = new StringBuilder();
                var summary = LogFileReader.Read(path, acc, new ReadContext { UseFastPaths = fast, OnIssue = i => issues.AppendLine(i.ToString()) });
                Assert.Equal(LogFormat.NssCef, summary.Format);
                return $"{issues}\n{summary}\n{acc.DescribeFilters()}\n" + string.Join("\n", acc.Uploads.BuildProfiles().Select(p =>
                    $"{p.UserName} {p.TotalBytesSent} {p.ZIA_ActiveDays} {p.ZIA_TotalRequests} {p.FirstSeen:o} {p.LastSeen:o} "
                    + string.Join(";", p.Destinations.Select(d => $"{d.DestinationHostName}={d.SentBytes}/{d.RequestCount}"))));
            }

            string text = ReadWith(fast: false);
            Assert.Contains(" counted", text);
            Assert.Equal(text, ReadWith(fast: true));
        }

        [Fact]
        public void Scanner_ReadsTheTemplateFixture_AsTheTextReader()
        {
            string path = TestPaths.Fixture("zscaler", "nss-web.cef");
            var fast = new RecordingSink();
            var slow = new RecordingSink();
            var slowCtx = slow.Context();
            slowCtx.UseFastPaths = false;
            var slowSummary = LogFileReader.Read(path, slow, slowCtx);
            var fastSummary = LogFileReader.Read(path, fast, fast.Context());
            Assert.Equal(slowSummary.ToString(), fastSummary.ToString());
            Assert.Equal(slowSummary.Notice, fastSummary.Notice);
            Assert.Empty(fast.Proxy);
            Assert.Empty(fast.Issues);
        }

        [Fact]
        public void Scanner_ReadsTheRuleValuesOnly_AndKeepsTheTextReadersKeySet()
        {
            // The scanner's slots are the text reader's wanted keys, in any order.
            Assert.True(NssCefReader.Wanted.SetEquals(new[] { "act", "suser", "dhost", "out", "rt", "externalId" }));
            var sink = new RecordingSink();
            var line = "CEF:0|Zscaler|NSSWeblog|5.7|Allowed|Allowed|3|act=Allowed  dhost=www.dropbox.com  out=42 cat=x act=Blocked rt=1790000000000 "
                + "requestClientApplication=Mozilla x act=y suser=a@b.com externalId=7 act=late cat=z";
            NssCefScanner.Read(new MemoryStream(Encoding.UTF8.GetBytes(line)), "x.cef", sink, sink.Context(), new FileReadSummary());
            // A repeat wins until all six are read ("act=y" inside a value is a key: NSS does not escape values);
            // after that the rest of the line is not read.
            var e = Assert.Single(sink.Proxy);
            Assert.Equal(("y", "a@b.com", "www.dropbox.com", (long?)42), (e.Action, e.User, e.Host, e.Sent));
            Assert.Equal(new DateTime(2026, 9, 21, 14, 13, 20, DateTimeKind.Utc), e.Time);
        }

        [Theory]
        [InlineData("\n", false)]
        [InlineData("\r\n", false)]
        [InlineData("\n", true)]
        public void Scanner_LinesAboutTheRecordCap_AsTheTextReader(string eol, bool multiByte)
        {
            // The cap counts characters (with a CR), the scanner sees bytes: each side of the edge, ASCII and not.
            const int Cap = 200;
            string head = "CEF:0|Zscaler|NSSWeblog|5.7|A|A|3|act=Allowed rt=Sep 27 2026 00:02:36 dhost=dropbox.com suser=a@b.com out=1 request=";
            var lines = Enumerable.Range(Cap - 3, 7).Select(n =>
                head + (multiByte ? string.Concat(Enumerable.Repeat("ü", n - head.Length)) : new string('r', n - head.Length)));
            var cef = new HostileCef { Bytes = Encoding.UTF8.GetBytes(string.Join(eol, lines) + eol), MaxRecordChars = Cap };
            string text = Read(cef, scannerBuffer: null, intoAccumulator: false);
            Assert.Contains("longer than 200 characters", text);
            Assert.Equal(text, Read(cef, NssCefScanner.BufferBytes, intoAccumulator: false));
            Assert.Equal(text, Read(cef, 256, intoAccumulator: false, trickle: true));
        }

        /// <summary>
        /// Found by review: after the scanner hands the rest of a file to the text reader, a leftover of exactly 64 KB
        /// filled the text reader's request, so it read again within the same call; when that read hit the cut gzip
        /// member, the whole 64 KB of text was lost with it (33 records instead of 325). Here: one member of 4 KB of
        /// lines, one of 64 KB opening with a line over the cap followed by lines with non-ASCII text, then a cut header.
        /// </summary>
        [Fact]
        public void HandOver_BeforeACutGzipMember_LosesNoCompleteLine()
        {
            const string Ok = "CEF:0|Zscaler|NSSWeblog|5.7|A|A|3|act=Allowed rt=Sep 27 2026 00:02:36 dhost=dropbox.com suser=\u00fc@b.com out=1 request=";
            static byte[] Exactly(int bytes, string first, string filler)
            {
                var sb = new StringBuilder(first);
                while (Encoding.UTF8.GetByteCount(sb.ToString()) + 400 < bytes) sb.Append(Ok + filler + "\n");
                int need = bytes - Encoding.UTF8.GetByteCount(sb.ToString()) - Encoding.UTF8.GetByteCount(Ok) - 1;
                return Encoding.UTF8.GetBytes(sb.Append(Ok + new string('q', need) + "\n").ToString());
            }
            byte[] first = Exactly(4096, "", "x"), second = Exactly(65536, Ok + new string('r', 2000) + "\n", string.Concat(Enumerable.Repeat("\u00fc", 50)));
            Assert.Equal((4096, 65536), (first.Length, second.Length));
            using var dir = TestPaths.NewTempFolder();
            string path = dir.File("cut.cef.gz");
            File.WriteAllBytes(path, TestPaths.Gzip(first).Concat(TestPaths.Gzip(second)).Concat(new byte[] { 0x1F, 0x8B, 0x08, 0x00 }).ToArray());

            string ReadWith(bool fast)
            {
                var sink = new RecordingSink();
                var ctx = sink.Context(maxRecordChars: 1000);
                ctx.UseFastPaths = fast;
                var summary = LogFileReader.Read(path, sink, ctx);
                return string.Join("\n", sink.Issues) + "\n" + summary;
            }
            string text = ReadWith(fast: false);
            Assert.Contains("longer than 1,000 characters", text);
            Assert.Contains("cannot read the file past record", text);
            Assert.Equal(text, ReadWith(fast: true));
        }

        /// <summary>Hands out at most a few bytes per read.</summary>
        private sealed class TricklingStream : MemoryStream
        {
            private int _step;
            public TricklingStream(byte[] data) : base(data, writable: false) { }
            public override int Read(byte[] buffer, int offset, int count) => base.Read(buffer, offset, Math.Min(count, 1 + (_step++ % 7) * 13));
        }
    }
}
