using System.IO.Compression;
using System.Text.Json.Nodes;

namespace LowSlowExfil.Tests
{
    /// <summary>Part of <see cref="RawFeedReaderTests"/> (its helpers and every-fixture theory are in RawFeedReaderTests.cs).</summary>
    public partial class RawFeedReaderTests
    {
        // ───────────────────────────── gzip and unreadable files ─────────────────────────────

        private static string OfficeActivityCsv() =>
            "TimeGenerated [UTC],UserId,Operation,OfficeWorkload\n" +
            "\"4/28/2021, 2:00:00.000 AM\",u@contoso.com,SharingSet,SharePoint\n" +
            "\"4/28/2021, 2:00:01.000 AM\",v@contoso.com,AnonymousLinkCreated,\"multi\nline\"\n";

        private static string CommonSecurityLogCsv() =>
            "TimeGenerated [UTC],DeviceVendor,DeviceAction,SourceUserName,DestinationHostName,SentBytes\n" +
            "\"3/31/2022, 08:18:20.276 AM\",Zscaler,Allowed,a@contoso.com,www.dropbox.com,307\n";

        private static string NssFeed() => string.Join("\n",
            "<134>" + NssLine(("recordid", "1"), ("login", "a@contoso.com")),
            NssLine(("recordid", "2"), ("login", "b@contoso.com"), ("reqsize", "9999")),
            Bare(NssLine(("recordid", "1"), ("login", "a@contoso.com")))) + "\n";

        private static string CloudNssLines() =>
            CloudNss("a@contoso.com", "1") + "\n" + CloudNss("b@contoso.com", "2", sent: "5") + "\n" + CloudNss("a@contoso.com", "1") + "\n";

        public static IEnumerable<object[]> Formats => new[]
        {
            new object[] { "nss-cef" }, new object[] { "cloud-nss-jsonl" }, new object[] { "purview-old" }, new object[] { "purview-new" },
            new object[] { "mgmt-api-array" }, new object[] { "mgmt-api-jsonl" }, new object[] { "officeactivity-csv" },
            new object[] { "csl-csv" },
        }.Concat(FixtureFiles.Select(f => new[] { "fixture:" + f[0] }));

        private static byte[] Content(string format)
        {
            if (format.StartsWith("fixture:", StringComparison.Ordinal))
                return File.ReadAllBytes(TestPaths.Fixture(format.Substring(8).Split('/')));
            string text = format switch
            {
                "nss-cef" => NssFeed(),
                "cloud-nss-jsonl" => CloudNssLines(),
                "purview-old" => PurviewOld(),
                "purview-new" => PurviewNew(),
                "mgmt-api-array" => MgmtApiArray(),
                "mgmt-api-jsonl" => MgmtApiLines(),
                "officeactivity-csv" => OfficeActivityCsv(),
                "csl-csv" => CommonSecurityLogCsv(),
                _ => throw new ArgumentException(format),
            };
            return new UTF8Encoding(false).GetBytes(text);
        }

        private static string Describe(RecordingSink sink, FileReadSummary s) =>
            $"{s.Format} records={s.Records} proxy={s.ProxyEvents} sharing={s.SharingEvents} skipped={s.Skipped} replays={s.Replays} failed={s.Failed} notice={s.Notice}; " +
            string.Join(" | ", sink.Proxy.Select(p => p.ToString())) + " || " + string.Join(" | ", sink.Sharing.Select(p => p.ToString())) +
            " || issues: " + string.Join(" | ", sink.Issues.Select(i => i.Line + "/" + i.Record + ":" + i.Reason));

        [Theory]
        [MemberData(nameof(Formats))]
        public void Gzip_GivesTheSameEventsAsUncompressed(string format)
        {
            using var dir = TestPaths.NewTempFolder();
            byte[] bytes = Content(format);
            string plain = WriteBytes(dir, "plain.log", bytes);
            string gz = WriteBytes(dir, "plain.log.gz", Gzip(bytes));

            var a = new RecordingSink();
            var sa = a.Read(plain);
            var b = new RecordingSink();
            var sb = b.Read(gz);

            Assert.False(sb.Failed);
            Assert.True(a.Proxy.Count + a.Sharing.Count > 0 || sa.Notice != null, "the format yields events or is a template");
            Assert.Equal(Describe(a, sa), Describe(b, sb));
            Assert.Equal(a.Proxy, b.Proxy);
            Assert.Equal(a.Sharing, b.Sharing);
            Assert.Equal(a.Issues.Select(i => (i.Line, i.Record, i.Reason)), b.Issues.Select(i => (i.Line, i.Record, i.Reason)));
        }

        [Fact]
        public void Gzip_ExpectedEvents_ForEachBuiltFormat()
        {
            // The gzip comparison above is only as good as the uncompressed reads; pin those counts.
            var expected = new Dictionary<string, (int Proxy, int Sharing, int Issues)>
            {
                ["nss-cef"] = (2, 0, 0),
                ["cloud-nss-jsonl"] = (2, 0, 0),
                ["purview-old"] = (0, 2, 1),
                ["purview-new"] = (0, 2, 2),
                ["mgmt-api-array"] = (0, 3, 0),
                ["mgmt-api-jsonl"] = (0, 3, 0),
                ["officeactivity-csv"] = (0, 2, 0),
                ["csl-csv"] = (1, 0, 0),
            };
            using var dir = TestPaths.NewTempFolder();
            foreach (var kv in expected)
            {
                var sink = new RecordingSink();
                sink.Read(WriteBytes(dir, kv.Key + ".gz", Gzip(Content(kv.Key))));
                Assert.Equal((kv.Key, kv.Value.Proxy, kv.Value.Sharing, kv.Value.Issues), (kv.Key, sink.Proxy.Count, sink.Sharing.Count, sink.Issues.Count));
            }
        }

        /// <summary>Many distinct records, so half of the compressed bytes hold complete records.</summary>
        private static (string Text, Func<RecordingSink, IEnumerable<string>> Users) Many(string format, int n)
        {
            var rnd = new Random(12345);
            string Noise() => new string(Enumerable.Range(0, 40).Select(_ => (char)('a' + rnd.Next(26))).ToArray());
            var sb = new StringBuilder();
            switch (format)
            {
                case "nss-cef":
                    for (int i = 0; i < n; i++)
                        sb.Append(ShortCef($"act=Allowed suser=u{i}@contoso.com dhost={Noise()}.com out={rnd.Next(100000)} externalId={i} rt=Jun 11 2024 02:52:44")).Append('\n');
                    return (sb.ToString(), s => s.Proxy.Select(p => p.User));
                case "officeactivity-csv":
                    sb.Append("TimeGenerated [UTC],UserId,Operation,ObjectId\n");
                    for (int i = 0; i < n; i++)
                        sb.Append($"\"4/28/2021, 2:00:00.000 AM\",u{i}@contoso.com,SharingSet,https://contoso.sharepoint.com/{Noise()}\n");
                    return (sb.ToString(), s => s.Sharing.Select(p => p.User));
                default: // cloud-nss-jsonl
                    for (int i = 0; i < n; i++)
                        sb.Append(CloudNss($"u{i}@contoso.com", i.ToString(), host: Noise() + ".com")).Append('\n');
                    return (sb.ToString(), s => s.Proxy.Select(p => p.User));
            }
        }

        [Theory]
        [InlineData("nss-cef")]
        [InlineData("officeactivity-csv")]
        [InlineData("cloud-nss-jsonl")]
        public void Gzip_Truncated_IsAFileLevelIssue_AndTheEventsBeforeTheCutCount(string format)
        {
            const int n = 3000;
            using var dir = TestPaths.NewTempFolder();
            var (text, users) = Many(format, n);
            byte[] gz = Gzip(Encoding.UTF8.GetBytes(text));
            string path = WriteBytes(dir, "cut.log.gz", gz.Take(gz.Length / 2).ToArray());

            var sink = new RecordingSink();
            var summary = sink.Read(path);

            Assert.True(summary.Failed);
            var issue = Assert.Single(sink.Issues);
            Assert.Equal((0L, 0L), (issue.Line, issue.Record));
            Assert.Equal(path, issue.File);
            Assert.Contains("cannot read the file past record", issue.Reason);
            var got = users(sink).ToList();
            Assert.InRange(got.Count, 1, n - 1);
            // The events decoded before the cut, in order, with none lost or invented.
            Assert.Equal(Enumerable.Range(0, got.Count).Select(i => $"u{i}@contoso.com"), got);
            Assert.Equal(got.Count, summary.ProxyEvents + summary.SharingEvents);
            Assert.Equal(0, summary.Skipped);
        }

        [Fact]
        public void BinaryGarbage_WithNulBytes_IsRefused()
        {
            using var dir = TestPaths.NewTempFolder();
            var bytes = new byte[10000];
            new Random(7).NextBytes(bytes);
            bytes[0] = 0x50; // not a gzip magic
            bytes[100] = 0;
            var sink = new RecordingSink();
            string path = WriteBytes(dir, "garbage.log", bytes);
            var summary = sink.Read(path);
            Assert.True(summary.Failed);
            Assert.Empty(sink.Proxy);
            Assert.Empty(sink.Sharing);
            var issue = Assert.Single(sink.Issues);
            Assert.Equal(0, issue.Line);
            Assert.Contains("not text", issue.Reason);
        }

        [Fact]
        public void BinaryGarbage_WithoutNulBytes_IsOneFileLevelIssue()
        {
            using var dir = TestPaths.NewTempFolder();
            var rnd = new Random(8);
            var bytes = Enumerable.Range(0, 10000).Select(_ => (byte)rnd.Next(0x80, 0x100)).ToArray();
            var sink = new RecordingSink();
            var summary = sink.Read(WriteBytes(dir, "garbage.log", bytes));
            Assert.True(summary.Failed);
            Assert.Empty(sink.Proxy);
            Assert.Empty(sink.Sharing);
            Assert.Equal(0, Assert.Single(sink.Issues).Line);
        }

        [Fact]
        public void GzipMagicFollowedByGarbage_IsOneFileLevelIssue()
        {
            using var dir = TestPaths.NewTempFolder();
            var bytes = new byte[5000];
            new Random(9).NextBytes(bytes);
            bytes[0] = 0x1F;
            bytes[1] = 0x8B;
            var sink = new RecordingSink();
            var summary = sink.Read(WriteBytes(dir, "garbage.gz", bytes));
            Assert.True(summary.Failed);
            Assert.Empty(sink.Proxy);
            Assert.Empty(sink.Sharing);
            var issue = Assert.Single(sink.Issues);
            Assert.Equal(0, issue.Line);
            Assert.Contains("cannot read the file", issue.Reason);
        }

        private static readonly byte[] EmptyGzipMember =
        {
            0x1F, 0x8B, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, // header: deflate, no flags, Unix
            0x03, 0x00,                                                 // one empty final fixed-Huffman block
            0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,             // CRC-32 0, length 0
        };

        [Fact]
        public void Gzip_Truncated_WithinTheFirstKilobytes_StillCountsWhatCameBeforeTheCut()
        {
            // The whole decoded part fits in the format sniffer's 4 KB look-ahead.
            using var dir = TestPaths.NewTempFolder();
            var (text, users) = Many("nss-cef", 15);
            Assert.True(text.Length < 4096);
            byte[] gz = Gzip(Encoding.UTF8.GetBytes(text));
            string path = WriteBytes(dir, "cut.log.gz", gz.Take(gz.Length * 3 / 4).ToArray());
            var sink = new RecordingSink();
            var summary = sink.Read(path);

            Assert.True(summary.Failed);
            Assert.Equal(LogFormat.NssCef, summary.Format);
            Assert.Contains("truncated", Assert.Single(sink.Issues).Reason);
            var got = users(sink).ToList();
            Assert.InRange(got.Count, 1, 14);
            Assert.Equal(Enumerable.Range(0, got.Count).Select(i => $"u{i}@contoso.com"), got);
        }

        [Fact]
        public void Gzip_OnlyTheTrailerMissing_IsStillTruncation()
        {
            using var dir = TestPaths.NewTempFolder();
            byte[] gz = Gzip(Content("nss-cef"));
            var sink = new RecordingSink();
            var summary = sink.Read(WriteBytes(dir, "cut.gz", gz.Take(gz.Length - 8).ToArray()));
            Assert.True(summary.Failed);
            Assert.Equal(2, sink.Proxy.Count); // every record was complete
            Assert.Contains("cannot read the file past record 3: the gzip data is truncated or corrupt", Assert.Single(sink.Issues).Reason);
        }

        [Fact]
        public void Gzip_WrongCrcInTheTrailer_IsReported_AfterTheRecords()
        {
            using var dir = TestPaths.NewTempFolder();
            byte[] gz = Gzip(Content("mgmt-api-jsonl"));
            gz[gz.Length - 8] ^= 0x55;
            var sink = new RecordingSink();
            var summary = sink.Read(WriteBytes(dir, "bad-crc.gz", gz));
            Assert.True(summary.Failed);
            Assert.Equal(MgmtApiExpected, sink.Sharing);
            Assert.Contains("CRC-32", Assert.Single(sink.Issues).Reason);
        }

        [Fact]
        public void Gzip_ConcatenatedMembers_AreAllRead()
        {
            // `cat part1.gz part2.gz > all.gz` is a valid gzip file (gzip -d reads both members).
            using var dir = TestPaths.NewTempFolder();
            string part1 = NssLine(("recordid", "1"), ("login", "a@contoso.com")) + "\n";
            string part2 = NssLine(("recordid", "2"), ("login", "b@contoso.com")) + "\n" + NssLine(("recordid", "3"), ("login", "c@contoso.com")) + "\n";
            byte[] all = Gzip(Encoding.UTF8.GetBytes(part1)).Concat(EmptyGzipMember).Concat(Gzip(Encoding.UTF8.GetBytes(part2))).ToArray();
            var sink = new RecordingSink();
            var summary = sink.Read(WriteBytes(dir, "all.gz", all));
            Assert.Empty(sink.Issues);
            Assert.False(summary.Failed);
            Assert.Equal(new[] { "a@contoso.com", "b@contoso.com", "c@contoso.com" }, sink.Proxy.Select(p => p.User));
        }

        [Fact]
        public void Gzip_ManyConcatenatedMembers_OfAManyRecordFile()
        {
            using var dir = TestPaths.NewTempFolder();
            var (text, users) = Many("officeactivity-csv", 2000);
            string[] lines = text.Split('\n');
            // The header in its own member, then members of 1 to 50 lines.
            var ms = new MemoryStream();
            var rnd = new Random(3);
            for (int i = 0; i < lines.Length;)
            {
                int take = i == 0 ? 1 : rnd.Next(1, 51);
                string part = string.Join("\n", lines.Skip(i).Take(take)) + (i + take < lines.Length ? "\n" : "");
                byte[] g = Gzip(Encoding.UTF8.GetBytes(part));
                ms.Write(g, 0, g.Length);
                i += take;
            }
            var sink = new RecordingSink();
            var summary = sink.Read(WriteBytes(dir, "members.gz", ms.ToArray()));
            Assert.Empty(sink.Issues);
            Assert.Equal(Enumerable.Range(0, 2000).Select(i => $"u{i}@contoso.com"), users(sink));
            Assert.Equal(2000, summary.SharingEvents);
        }

        [Fact]
        public void Gzip_HeaderWithFileNameAndComment_AndTrailingZeroPadding()
        {
            using var dir = TestPaths.NewTempFolder();
            byte[] gz = Gzip(Content("csl-csv"));
            Assert.Equal(0, gz[3]); // GZipStream writes no optional header fields
            var withName = new List<byte>(gz.Take(10));
            withName[3] = 0x08 | 0x10; // FNAME, FCOMMENT
            withName.AddRange(Encoding.ASCII.GetBytes("CommonSecurityLog.csv\0exported by hand\0"));
            withName.AddRange(gz.Skip(10));
            withName.AddRange(new byte[512]); // zero padding after the last member
            var sink = new RecordingSink();
            var summary = sink.Read(WriteBytes(dir, "csl.csv.gz", withName.ToArray()));
            Assert.Empty(sink.Issues);
            Assert.Equal(("a@contoso.com", "www.dropbox.com", (long?)307), (sink.Proxy.Single().User, sink.Proxy.Single().Host, sink.Proxy.Single().Sent));
        }

        [Fact]
        public void Gzip_TrailingGarbage_IsReported_AfterTheRecords()
        {
            using var dir = TestPaths.NewTempFolder();
            byte[] gz = Gzip(Content("nss-cef")).Concat(Encoding.ASCII.GetBytes("garbage")).ToArray();
            var sink = new RecordingSink();
            var summary = sink.Read(WriteBytes(dir, "feed.gz", gz));
            Assert.True(summary.Failed);
            Assert.Equal(2, sink.Proxy.Count);
            Assert.Contains("unexpected data after gzip member 1", Assert.Single(sink.Issues).Reason);
        }

        [Theory]
        [InlineData("empty.log", false)]
        [InlineData("empty.gz", false)]
        [InlineData("empty.gz", true)]
        public void EmptyFile_AndEmptyGzip_AreOneFileLevelIssue(string name, bool gzipped)
        {
            using var dir = TestPaths.NewTempFolder();
            // GZipStream writes nothing at all for empty input; this is what `gzip -c </dev/null` writes.
            string path = WriteBytes(dir, name, gzipped ? EmptyGzipMember : Array.Empty<byte>());
            var sink = new RecordingSink();
            var summary = sink.Read(path);
            Assert.True(summary.Failed);
            Assert.Empty(sink.Proxy);
            Assert.Empty(sink.Sharing);
            var issue = Assert.Single(sink.Issues);
            Assert.Equal(0, issue.Line);
            Assert.Contains("the file is empty", issue.Reason);
            Assert.Equal(path + ": the file is empty", issue.ToString());
        }
    }
}
