using LowSlowExfil.Engine.Json;
using LowSlowExfil.Fuzz;

namespace LowSlowExfil.Tests
{
    /// <summary>
    /// Every crash, hang or contract break the fuzzers found (tests/Fuzz/run.sh), as a test: the fuzzer's own input
    /// under FuzzCases/&lt;target&gt;/ replayed through its target, and the smallest input that shows the bug, inline,
    /// with what the parser must do instead.
    /// </summary>
    public class FuzzRegressionTests
    {
        private static string CasesRoot => Path.Combine(TestPaths.RepoRoot, "tests", "LowSlowExfil.Tests", "FuzzCases");

        public static IEnumerable<object[]> Cases() =>
            FuzzTargets.Names.SelectMany(t => FuzzCorpusTests.Files(Path.Combine(CasesRoot, t)).Select(f => new object[] { t, Path.GetFileName(f) }));

        [Theory]
        [MemberData(nameof(Cases))]
        public void FuzzerFinding_IsFixed(string target, string file)
        {
            FuzzCorpusTests.RunBounded(target, File.ReadAllBytes(Path.Combine(CasesRoot, target, file)), $"FuzzCases/{target}/{file}");
        }

        // ───────────────────────── the workspace client's response parser ─────────────────────────

        private static ParsedResponse Parse(string json) => QueryResponseParser.Parse(new MemoryStream(Encoding.UTF8.GetBytes(json)));

        private const string IntColumn = "{\"tables\":[{\"name\":\"t\",\"columns\":[{\"name\":\"i\",\"type\":\"int\"},{\"name\":\"l\",\"type\":\"long\"}],\"rows\":[[{0},{1}]]}]}";

        private static string Rows(string i, string l) => IntColumn.Replace("{0}", i).Replace("{1}", l);

        /// <summary>
        /// Found by afl-fuzz (response): an int or long cell that does not fit — 7190070993 in an int column, "NaN" or
        /// 1e400 as a long, a decimal of 1e400 — threw OverflowException out of the parser and past the client, which
        /// turns only JsonException into its "InvalidResponse" error. Now each is a bad cell (JsonException).
        /// </summary>
        [Theory]
        [InlineData("7190070993", "1")]
        [InlineData("\"7190070993\"", "1")]
        [InlineData("\"NaN\"", "1")]
        [InlineData("1", "\"NaN\"")]
        [InlineData("1", "1e400")]
        [InlineData("1", "-9.3e18")]
        [InlineData("1", "\"9223372036854775808\"")]
        [InlineData("-2147483649", "1")]
        public void AnIntegerCellOutOfRange_IsABadCell_NotAnOverflow(string i, string l)
        {
            var e = Assert.Throws<JsonException>(() => Parse(Rows(i, l)));
            Assert.Contains("which is not a", e.Message);
        }

        [Fact]
        public void IntegerCellsSentAsReals_StillReadWhenTheyFit()
        {
            var p = Parse(Rows("1e3", "\"12.0\""));
            Assert.Equal(new object[] { 1000, 12L }, p.Rows.Single());
            p = Parse(Rows("-2147483648", "-9223372036854775808"));
            Assert.Equal(new object[] { int.MinValue, long.MinValue }, p.Rows.Single());
        }

        [Theory]
        [InlineData("decimal", "1e400")]
        [InlineData("decimal", "\"1e400\"")]
        [InlineData("timespan", "1e300")]
        public void OtherCellsOutOfRange_AreBadCells(string type, string cell)
        {
            string json = "{\"tables\":[{\"name\":\"t\",\"columns\":[{\"name\":\"x\",\"type\":\"" + type + "\"}],\"rows\":[[" + cell + "]]}]}";
            Assert.Throws<JsonException>(() => Parse(json));
        }

        /// <summary>
        /// Found by afl-fuzz (response): a string that is not valid UTF-8 (here the byte E8 alone, in an ADX
        /// "Exceptions" row) made Utf8JsonReader.GetString throw InvalidOperationException, which escaped the parser.
        /// Now the response is refused as unreadable (JsonException); ServiceError.FromBody returns no error object.
        /// </summary>
        [Fact]
        public void AStringThatIsNotUtf8_IsAnUnreadableResponse()
        {
            byte[] body = { (byte)'{', (byte)'"', (byte)'E', (byte)'x', (byte)'c', (byte)'e', (byte)'p', (byte)'t', (byte)'i', (byte)'o', (byte)'n', (byte)'s',
                (byte)'"', (byte)':', (byte)'[', (byte)'"', 0xE8, (byte)'"', (byte)']', (byte)'}' };
            var e = Assert.Throws<JsonException>(() => QueryResponseParser.Parse(new MemoryStream(body)));
            Assert.Contains("not valid UTF-8", e.Message);
            Assert.Null(ServiceError.FromBody(body));
            byte[] error = Encoding.UTF8.GetBytes("{\"error\":{\"code\":\"X\",\"message\":\"?\"}}");
            error[Array.IndexOf(error, (byte)'?')] = 0xE8;
            Assert.Null(ServiceError.FromBody(error));
        }

        // ───────────────────────── log readers ─────────────────────────

        private static (RecordingSink Sink, FileReadSummary Summary) ReadBytes(byte[] data, string name, TimeZoneInfo feedZone = null)
        {
            var sink = new RecordingSink();
            var ctx = sink.Context();
            ctx.RethrowUnexpected = true;
            if (feedZone != null) ctx.FeedTimeZone = feedZone;
            using var ms = new MemoryStream(data);
            return (sink, LogFileReader.Read(ms, name, sink, ctx));
        }

        private static byte[] Utf8(string s) => Encoding.UTF8.GetBytes(s);

        /// <summary>Replaces each '¤' of a template by the byte E8 alone, which is not UTF-8.</summary>
        private static byte[] WithBadByte(string template)
        {
            var bytes = new List<byte>();
            foreach (char c in template)
            {
                if (c == '¤') bytes.Add(0xE8);
                else bytes.AddRange(Encoding.UTF8.GetBytes(c.ToString()));
            }
            return bytes.ToArray();
        }

        private const string GoodAuditLine = "{\"CreationTime\":\"2026-10-20T20:03:19\",\"Operation\":\"FileCopied\",\"UserId\":\"b@contoso.com\"}\n";

        /// <summary>
        /// Found by afl-fuzz (json): System.Text.Json checks a string's UTF-8, and the surrogate pairs of its \\u
        /// escapes, only when the string is read; a property name or value that is neither threw
        /// InvalidOperationException out of LogFileReader, and the whole file was lost. Now that record is skipped with
        /// a reason and the next one still counts.
        /// </summary>
        [Theory]
        [InlineData("{\"CreationTime\":\"2026-10-20T20:03:19\",\"Operation\":\"FileCopied\",\"UserId\":\"a¤\"}\n")]           // a value
        [InlineData("{\"CreationTime\":\"2026-10-20T20:03:19\",\"Operation\":\"FileCopied\",\"User¤\":\"a\"}\n")]            // a name
        [InlineData("{\"CreationTime\":\"2026-10-20T20:03:19\",\"Operation\":\"FileCopied\",\"UserId\":\"\\ud800\"}\n")]    // a lone surrogate
        [InlineData("{\"CreationTime\":\"2026-10-20T20:03:19\",\"Operation\":\"FileCopied\",\"U\\udc00\":\"a\"}\n")]
        [InlineData("{\"events\":[{\"event\":{\"original\":\"{¤}\"}}]}\n")]                                                   // an envelope
        [InlineData("{\"events\":[{\"event\":{\"o\\ud800riginal\":\"{}\"}}]}\n")]
        [InlineData("{\"tables\":[{\"columns\":[{\"name\":\"TimeGener¤ated\"}],\"rows\":[[\"2026-10-20T03:05:26Z\"]]}]}\n")]  // a saved query response
        public void AJsonRecordThatIsNotText_IsSkipped_AndTheFileReadOn(string first)
        {
            var (sink, summary) = ReadBytes(WithBadByte(first + GoodAuditLine), "bad.json");
            var issue = Assert.Single(sink.Issues);
            Assert.Equal(1, issue.Line);
            Assert.Equal(1, summary.Skipped);
            Assert.False(summary.Failed);
            Assert.Equal("b@contoso.com", Assert.Single(sink.Sharing).User);
        }

        /// <summary>
        /// Found by afl-fuzz (json): a saved query response whose table, column or row has the wrong JSON kind threw
        /// InvalidOperationException (EnumerateArray / TryGetProperty on a string); a table without "columns" or
        /// "rows" was dropped without a word. Each is now one issue, and the well-formed rows still count.
        /// </summary>
        [Fact]
        public void ASavedQueryResponseOfTheWrongShape_IsReported_Piece_By_Piece()
        {
            string json = "{\"tables\":[[\"226Z\"],{\"rows\":[]},{\"columns\":[\"SentBytes\",{\"name\":7},{\"name\":\"UserId\"},{\"name\":\"Operation\"},{\"name\":\"TimeGenerated\"}]," +
                "\"rows\":[5,[1,2,\"a@contoso.com\",\"FileCopied\",\"2026-10-20T03:05:26Z\"]]}]}";
            var (sink, summary) = ReadBytes(Utf8(json), "response.json");
            Assert.Equal(new[]
            {
                "a table of the query response is not an object with a \"columns\" array and a \"rows\" array",
                "a table of the query response is not an object with a \"columns\" array and a \"rows\" array",
                "a row of the query response is Number, not an array of values",
            }, sink.Issues.Select(i => i.Reason));
            Assert.Equal("a@contoso.com", Assert.Single(sink.Sharing).User);
            Assert.Equal(4, summary.Records);
        }

        /// <summary>
        /// A Cloud NSS record that fails after its externalId was looked at must not mark that id as seen: the
        /// replay filter is now asked last, once every value of the record has been read.
        /// </summary>
        [Fact]
        public void AFailedCloudNssRecord_DoesNotMakeTheNextOneAReplay()
        {
            byte[] data = WithBadByte(
                "{\"sourcetype\":\"zscalernss\",\"TimeGenerated\":\"2026-10-20,02:52:44\",\"suser\":\"a¤\",\"dhost\":\"t.me\",\"out\":\"1\",\"externalId\":\"42\"}\n" +
                "{\"sourcetype\":\"zscalernss\",\"TimeGenerated\":\"2026-10-20,02:52:44\",\"suser\":\"a\",\"dhost\":\"t.me\",\"out\":\"1\",\"externalId\":\"42\"}\n");
            var (sink, summary) = ReadBytes(data, "cloud-nss.json");
            Assert.Single(sink.Issues);
            Assert.Single(sink.Proxy);
            Assert.Equal(0, summary.Replays);
        }

        private static string CefLine(string rt) =>
            "CEF:0|Zscaler|NSSWeblog|5.7|Allowed|r|3|act=Allowed suser=a@contoso.com dhost=t.me out=1 rt=" + rt + "\n";

        /// <summary>
        /// Found by afl-fuzz (cef): an rt in epoch milliseconds past year 9999 (AddMilliseconds), or a wall-clock rt
        /// whose UTC equivalent falls off DateTime's range in the feed's time zone (0001-01-01 east of UTC, 9999-12-31
        /// west of it), threw ArgumentOutOfRangeException; LogFileReader reported the whole file unreadable. Now that
        /// record's rt is "not a time" and the next record counts.
        /// </summary>
        [Theory]
        [InlineData("999999999999999999", null)]
        [InlineData("253402300800000", null)]                  // 10000-01-01T00:00:00Z
        [InlineData("Jan 01 0001 00:00:00", "Tokyo")]
        [InlineData("Dec 31 9999 23:59:59", "NewYork")]
        [InlineData("Dec 31 9999 23:59:59", "NewYorkDst")]
        [InlineData("2026-10-20 02:52:44", "OutOfRange")]
        public void AnRtWithNoUtcEquivalent_IsNotATime(string rt, string zone)
        {
            TimeZoneInfo tz = zone switch
            {
                "Tokyo" => TimeZoneInfo.CreateCustomTimeZone("t+9", TimeSpan.FromHours(9), "t+9", "t+9"),
                "NewYork" => TimeZoneInfo.CreateCustomTimeZone("t-5", TimeSpan.FromHours(-5), "t-5", "t-5"),
                "NewYorkDst" => TimeZoneInfo.CreateCustomTimeZone("t-5d", TimeSpan.FromHours(-5), "t-5d", "t-5d", "t-4d", new[]
                {
                    TimeZoneInfo.AdjustmentRule.CreateAdjustmentRule(DateTime.MinValue.Date, DateTime.MaxValue.Date, TimeSpan.FromHours(1),
                        TimeZoneInfo.TransitionTime.CreateFixedDateRule(new DateTime(1, 1, 1, 2, 0, 0), 3, 10),
                        TimeZoneInfo.TransitionTime.CreateFixedDateRule(new DateTime(1, 1, 1, 2, 0, 0), 11, 3)),
                }),
                _ => null,
            };
            if (zone == "OutOfRange") rt = "Dec 31 9999 23:59:59";
            var (sink, summary) = ReadBytes(Utf8(CefLine(rt) + CefLine("Oct 20 2026 02:52:44")), "feed.cef", tz ?? (zone == "OutOfRange"
                ? TimeZoneInfo.CreateCustomTimeZone("t-14", TimeSpan.FromHours(-14), "t-14", "t-14") : null));
            var issue = Assert.Single(sink.Issues);
            Assert.Equal(1, issue.Line);
            Assert.Contains("is not a time", issue.Reason);
            Assert.False(summary.Failed);
            Assert.Single(sink.Proxy);
        }

        [Fact]
        public void TheLargestEpochRt_StillReads()
        {
            var (sink, _) = ReadBytes(Utf8(CefLine("253402300799999")), "feed.cef");
            Assert.Empty(sink.Issues);
            Assert.Equal(new DateTime(9999, 12, 31, 23, 59, 59, 999, DateTimeKind.Utc), Assert.Single(sink.Proxy).Time);
        }

        // ───────────────────────── the CommonSecurityLog fast path ─────────────────────────

        private const string ProxyHeader = "TimeGenerated [UTC],DeviceVendor,DeviceAction,SourceUserName,DestinationHostName,SentBytes\n";
        private const string ProxyRow = "\"10/20/2026, 3:05:26.000 PM\",Zscaler,Allowed,a@contoso.com,dropbox.com,100\n";

        private static (string Issues, FileReadSummary Summary) ReadProxyCsv(byte[] data, bool fast, bool parallel, int maxRecordChars)
        {
            var acc = new Aggregation.EventAccumulator(new Rule.HuntOptions(FuzzTargets.End, 30));
            var issues = new List<string>();
            var ctx = new ReadContext { OnIssue = i => issues.Add(i.ToString()), MaxRecordChars = maxRecordChars, UseFastPaths = fast, RethrowUnexpected = true };
            if (!parallel)
            {
                ctx.MaxDegreeOfParallelism = 1;
                using var ms = new MemoryStream(data);
                var read = LogFileReader.Read(ms, "x.csv", acc, ctx);
                return (string.Join("\n", issues), read);
            }
            using var dir = TestPaths.NewTempFolder();
            string path = dir.File("x.csv");
            File.WriteAllBytes(path, data);
            ctx.MaxDegreeOfParallelism = 3;
            ctx.ParallelMinimumBytes = 64;
            var summary = LogFileReader.Read(path, acc, ctx);
            return (string.Join("\n", issues.Select(i => i.Replace(path, "x.csv"))), summary);
        }

        /// <summary>
        /// Found by the proxycsv target's first run, on a seed: the parallel reader shifted an issue's line number to
        /// the file's, but not the line its reason names ("unterminated quoted field (opened on line 1)" where one
        /// thread says line 13). The scanner now hands its issues over with the named line still relative, and the
        /// parallel reader shifts both.
        /// </summary>
        [Fact]
        public void TheParallelReader_NamesTheLineAQuoteOpenedOn_InFileLines()
        {
            var sb = new StringBuilder(ProxyHeader);
            for (int i = 0; i < 12; i++) sb.Append(ProxyRow);
            sb.Append("\"10/20/2026, 3:05:26.000 PM\",Zscaler,Allowed,a@contoso.com,dropbox.com,\"unterminated");
            byte[] data = Utf8(sb.ToString());
            var single = ReadProxyCsv(data, fast: true, parallel: false, 4096);
            var parallel = ReadProxyCsv(data, fast: true, parallel: true, 4096);
            Assert.Contains("x.csv:14: record 13: unterminated quoted field (opened on line 14) at end of file", parallel.Issues);
            Assert.Equal(single.Issues.Trim('\n'), parallel.Issues.Trim('\n'));
            FuzzTargets.ProxyCsv(data);
        }

        /// <summary>
        /// Found by the xunit mutation fuzzer (proxycsv): on a record over the record cap the byte-level scanner and
        /// CsvRecordReader disagreed — the scanner measured bytes, the reader characters (so "üüü…" was too long for
        /// one only), the scanner skipped the whole quoted record where the reader resynchronises on the first line
        /// break after the cap, and their messages named different lines. Now the scanner hands any record that may
        /// pass the cap, and the rest of the file, to the general reader: the same issues and records by construction.
        /// </summary>
        [Theory]
        [InlineData("multi-byte")]
        [InlineData("quoted-multiline")]
        [InlineData("one-long-line")]
        [InlineData("long-header")]
        public void ARecordOverTheCap_ReadsTheSame_OnTheFastPathAsOnTheGeneralOne(string shape)
        {
            string body = shape switch
            {
                "multi-byte" => ProxyHeader + "\"10/20/2026, 3:05:26 PM\",Zscaler,Allowed,\"" + new string('ü', 300) + "\",mega.nz,1\n" + ProxyRow,
                "quoted-multiline" => ProxyHeader + "\"10/20/2026, 3:05:26 PM\",Zscaler,Allowed,\"" + new string('x', 300) + "\n" + new string('y', 300) + "\",mega.nz,1\n" + ProxyRow + ProxyRow,
                "one-long-line" => ProxyHeader + ProxyRow + new string('z', 2000) + "\n" + ProxyRow,
                _ => ProxyHeader.Replace("SentBytes", "SentBytes" + new string(' ', 600)) + ProxyRow,
            };
            byte[] data = Utf8(body);
            var general = ReadProxyCsv(data, fast: false, parallel: false, 500);
            var fast = ReadProxyCsv(data, fast: true, parallel: false, 500);
            var parallel = ReadProxyCsv(data, fast: true, parallel: true, 500);
            Assert.Equal(general.Issues.Trim('\n'), fast.Issues.Trim('\n'));
            Assert.Equal(general.Issues.Trim('\n'), parallel.Issues.Trim('\n'));
            Assert.Equal(general.Summary.ToString(), fast.Summary.ToString());
            Assert.Equal((general.Summary.Records, general.Summary.Skipped, general.Summary.ProxyEvents), (parallel.Summary.Records, parallel.Summary.Skipped, parallel.Summary.ProxyEvents));
            if (shape == "multi-byte") Assert.Equal("", general.Issues.Trim('\n'));   // 300 characters, 600 bytes: under the cap
            else Assert.Contains("longer than 500 characters", general.Issues);
        }

        // ───────────────────────── gzip ─────────────────────────

        private static byte[] Gz(string text) => TestPaths.Gzip(Utf8(text));

        private static readonly byte[] EmptyMember = { 0x1F, 0x8B, 8, 0, 0, 0, 0, 0, 0, 3, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0 };

        /// <summary>
        /// Found by afl-fuzz (gzip), through the target's oracle that what GzipDecoder accepts GZipStream decodes the same:
        /// after an empty member (whose trailer is eight zero bytes), GzipDecoder looked for the trailer anywhere in what
        /// the deflate stream had read and preferred a match followed by a zero byte — a run of zeros inside the garbage
        /// that followed — so it skipped the garbage without a word and read the next member. Now only the first match
        /// (and the positions overlapping it) can be the trailer, and the garbage is "unexpected data after gzip member 1".
        /// </summary>
        [Theory]
        [InlineData(new byte[] { 0x1F, 0x8A, 0xF4, 0, 0, 0, 0, 0, 0x80, 3, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0 })]
        [InlineData(new byte[] { 0, 0, 0, 0, 0, 0, 0, 0 })]   // zeros between members are not trailing padding
        public void GarbageBetweenGzipMembers_IsReported_EvenWithAZeroRunInIt(byte[] garbage)
        {
            byte[] data = EmptyMember.Concat(garbage).Concat(Gz(GoodAuditLine)).ToArray();
            var (sink, summary) = ReadBytes(data, "audit.json.gz");
            Assert.True(summary.Failed);
            Assert.Contains("unexpected data after gzip member 1", Assert.Single(sink.Issues).Reason);
            Assert.Empty(sink.Sharing);
        }

        /// <summary>
        /// Found by afl-fuzz (gzip), after the fix above, the same way: a member whose deflate data is corrupt and never
        /// ends reads on into the next members (.NET's DeflateStream reports no error), produces nothing, and then any
        /// eight zero bytes further on matched its "trailer" (an empty member's CRC-32 and length are all zeros). An
        /// empty member's deflate data is now at most a few bytes, as encoders write it; the rest is reported.
        /// </summary>
        [Fact]
        public void ABrokenMemberThatReadsIntoTheNext_IsReported()
        {
            // The fuzzer's input: a member whose deflate data is garbage, ten zero bytes, then a good member.
            byte[] data = Convert.FromHexString(
                "1f8b0800000000000003ad59596f2337127edf78514f8b06596f23000000000000000000001f8b08000000000000030b" +
                "c9cc4d754fcd4b2d4a2c494d51880e0d718ed5092d4e2df24cd1f12f008966e6e7710100a22ed78e25000000");
            var (sink, summary) = ReadBytes(data, "broken.gz");
            Assert.True(summary.Failed);
            Assert.Contains("truncated or corrupt", Assert.Single(sink.Issues).Reason);
            Assert.Empty(sink.Sharing);
            Assert.Empty(sink.Proxy);
        }

        [Fact]
        public void EmptyMembers_ZeroPadding_AndConcatenation_StillRead()
        {
            foreach (var data in new[]
            {
                EmptyMember.Concat(Gz(GoodAuditLine)).ToArray(),
                Gz(GoodAuditLine).Concat(EmptyMember).Concat(new byte[64]).ToArray(),
                EmptyMember.Concat(EmptyMember).Concat(Gz(GoodAuditLine)).Concat(new byte[3]).ToArray(),
            })
            {
                var (sink, summary) = ReadBytes(data, "audit.json.gz");
                Assert.Empty(sink.Issues);
                Assert.False(summary.Failed);
                Assert.Single(sink.Sharing);
            }
        }
    }
}
