namespace LowSlowExfil.Tests
{
    /// <summary>
    /// A stray NUL near the start of a log costs only its record, not the file (the review's 1.2 GB uploader went unscored
    /// for one NUL in the first 4 KB); UTF-16 exports with a byte order mark are read as text, in every format and path.
    /// </summary>
    public class TextEncodingTests
    {
        private static readonly DateTime End = new DateTime(2026, 11, 1, 0, 0, 0, DateTimeKind.Utc);

        private const string CsvHeader = "TimeGenerated [UTC],DeviceVendor,DeviceAction,SourceUserName,DestinationHostName,SentBytes,AdditionalExtensions\n";

        private static string CsvRow(int day, string user, long bytes, string extra = "x") =>
            $"\"10/{day}/2026, 3:05:26.000 PM\",Zscaler,Allowed,{user},dropbox.com,{bytes},{extra}\n";

        private static (EventAccumulator Acc, List<ReadIssue> Issues, FileReadSummary Summary) Read(string path, bool fast)
        {
            var acc = new EventAccumulator(new HuntOptions(End, 30, kqlCompatible: false));
            var issues = new List<ReadIssue>();
            var summary = LogFileReader.Read(path, acc, new ReadContext { OnIssue = issues.Add, UseFastPaths = fast });
            return (acc, issues, summary);
        }

        private static string Profiles(EventAccumulator acc) => string.Join("\n", acc.Uploads.BuildProfiles().Select(p => $"{p.UserName} {p.TotalBytesSent} {p.ZIA_ActiveDays}"));

        [Theory]
        [InlineData(true)]
        [InlineData(false)]
        public void NulInAnUnreadCell_NearTheStart_TheFileIsRead(bool fast)
        {
            using var dir = TestPaths.NewTempFolder();
            string path = dir.File("csl.csv");
            File.WriteAllText(path, CsvHeader + CsvRow(20, "big@x.com", 600_000_000, "a\0b") + CsvRow(21, "big@x.com", 600_000_000) + CsvRow(22, "small@x.com", 5));
            var r = Read(path, fast);
            Assert.Empty(r.Issues);
            Assert.False(r.Summary.Failed);
            Assert.Equal("big@x.com 1200000000 2\nsmall@x.com 5 1", Profiles(r.Acc));
        }

        [Theory]
        [InlineData(true)]
        [InlineData(false)]
        public void NulInATimestamp_NearTheStart_CostsOnlyThatRecord(bool fast)
        {
            using var dir = TestPaths.NewTempFolder();
            string path = dir.File("csl.csv");
            File.WriteAllText(path, CsvHeader + "\"10/2\0/2026, 3:05:26.000 PM\",Zscaler,Allowed,big@x.com,dropbox.com,7,x\n" + CsvRow(21, "big@x.com", 600_000_000));
            var r = Read(path, fast);
            var issue = Assert.Single(r.Issues);
            Assert.Equal(1, issue.Record);
            Assert.Contains("is not a timestamp", issue.Reason);
            Assert.Equal("big@x.com 600000000 1", Profiles(r.Acc));
        }

        [Fact]
        public void NulNearTheStartOfACefFeed_CostsNothingButItsRecord()
        {
            using var dir = TestPaths.NewTempFolder();
            string path = dir.File("feed.log");
            string Line(int day, long bytes, int id, string reason = "Allowed") =>
                $"<134>Oct {day} 15:05:26 zscaler-nss CEF:0|Zscaler|NSSWeblog|5.7|Allowed|{reason}|3|act=Allowed suser=big@x.com dhost=dropbox.com out={bytes} rt=Oct {day} 2026 15:05:26 externalId={id}\n";
            File.WriteAllText(path, Line(20, 600_000_000, 1, "Al\0lowed") + Line(21, 600_000_000, 2));
            foreach (bool fast in new[] { true, false })
            {
                var r = Read(path, fast);
                Assert.Empty(r.Issues);
                Assert.Equal("big@x.com 1200000000 2", Profiles(r.Acc));
            }
        }

        [Fact]
        public void RandomBinary_IsStillRefusedAsAFile()
        {
            using var dir = TestPaths.NewTempFolder();
            var bytes = new byte[8192];
            new Random(3).NextBytes(bytes);
            bytes[0] = (byte)'P'; // not a gzip or UTF-16 mark
            string path = dir.File("archive.csv");
            File.WriteAllBytes(path, bytes);
            var r = Read(path, fast: true);
            Assert.True(r.Summary.Failed);
            Assert.Contains("not text", Assert.Single(r.Issues).Reason);
        }

        public static IEnumerable<object[]> Utf16() => new[]
        {
            new object[] { "le", false },
            new object[] { "be", true },
        };

        private static byte[] Utf16Bytes(string text, bool bigEndian) => new UnicodeEncoding(bigEndian, byteOrderMark: true).GetPreamble()
            .Concat(new UnicodeEncoding(bigEndian, false).GetBytes(text)).ToArray();

        [Theory]
        [MemberData(nameof(Utf16))]
        public void Utf16Exports_WithAByteOrderMark_ReadAsTheirUtf8Twins(string name, bool bigEndian)
        {
            using var dir = TestPaths.NewTempFolder();
            // Long enough that a decode chunk ends inside a character: non-ASCII names and a surrogate pair on every row.
            var sb = new StringBuilder(CsvHeader);
            for (int i = 0; i < 4000; i++) sb.Append(CsvRow(10 + i % 20, $"user{i % 37}-é😀@x.com", 1000 + i, "\"ü,\"\"q\"\"\n😀\""));
            string text = sb.ToString();
            string utf8 = dir.File("utf8.csv");
            File.WriteAllText(utf8, text, new UTF8Encoding(false));
            string utf16 = dir.File($"utf16{name}.csv");
            File.WriteAllBytes(utf16, Utf16Bytes(text, bigEndian));
            var expected = Read(utf8, fast: true);
            Assert.Empty(expected.Issues);
            Assert.Equal(37, expected.Acc.Uploads.BuildProfiles().Count);
            foreach (string path in new[] { utf16, TestPaths.Gzip(utf16) })
                foreach (bool fast in new[] { true, false })
                {
                    var r = Read(path, fast);
                    Assert.Empty(r.Issues);
                    Assert.Equal(expected.Summary.Records, r.Summary.Records);
                    Assert.Equal(Profiles(expected.Acc), Profiles(r.Acc));
                }
        }

        [Theory]
        [MemberData(nameof(Utf16))]
        public void Utf16CefFeedAndJson_WithAByteOrderMark_AreRead(string name, bool bigEndian)
        {
            using var dir = TestPaths.NewTempFolder();
            string cef = dir.File($"feed-{name}.log");
            File.WriteAllBytes(cef, Utf16Bytes(
                "<134>Oct 20 15:05:26 zscaler-nss CEF:0|Zscaler|NSSWeblog|5.7|Allowed|Allowed|3|act=Allowed suser=Big@x.com dhost=dropbox.com out=700 rt=Oct 20 2026 15:05:26 externalId=1\n", bigEndian));
            string json = dir.File($"csl-{name}.json");
            File.WriteAllBytes(json, Utf16Bytes(
                "[{\"TimeGenerated\":\"2026-10-20T15:05:26Z\",\"DeviceVendor\":\"Zscaler\",\"DeviceAction\":\"Allowed\",\"SourceUserName\":\"big@x.com\",\"DestinationHostName\":\"dropbox.com\",\"SentBytes\":700}]", bigEndian));
            foreach (string path in new[] { cef, json })
                foreach (bool fast in new[] { true, false })
                {
                    var r = Read(path, fast);
                    Assert.Empty(r.Issues);
                    Assert.Equal("big@x.com 700 1", Profiles(r.Acc));
                }
        }
    }
}
