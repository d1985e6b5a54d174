using System.IO.Compression;

namespace LowSlowExfil.Tests
{
    /// <summary>Log Analytics CSV / JSON exports: the fixtures, and each class of bad input.</summary>
    public class ExportReaderTests
    {
        private const string CslHeader = "TenantId,TimeGenerated [UTC],DeviceVendor,DeviceProduct,DeviceAction,SourceUserName,DestinationHostName,SentBytes,ReceivedBytes,AdditionalExtensions";

        private static string Write(TempFolder dir, string name, string content, bool bom = false)
        {
            string path = dir.File(name);
            File.WriteAllText(path, content, new UTF8Encoding(bom));
            return path;
        }

        [Fact]
        public void OfficeActivityFixture_ReadsEveryRecordWithoutIssues()
        {
            var sink = new RecordingSink();
            var summary = sink.Read(TestPaths.Fixture("sentinel", "OfficeActivity-training-lab.csv"));

            Assert.Empty(sink.Issues);
            Assert.Equal(LogFormat.OfficeActivityCsv, summary.Format);
            // 266 records on 531 physical lines: 36 cells hold line breaks.
            Assert.Equal(266, summary.Records);
            Assert.Equal(266, summary.SharingEvents);
            Assert.Equal(0, summary.Skipped);
            // UserId, not UserId_; the BOM does not hide the first column.
            Assert.Equal(1, sink.Sharing.Count(e => e.Operation == "AnonymousLinkCreated"));
            var anon = sink.Sharing.Single(e => e.Operation == "AnonymousLinkCreated");
            Assert.Equal("adelev@m365x816222.onmicrosoft.com", anon.User);
            // "4/28/2021, 2:44:16.000 PM" in the [UTC] column.
            Assert.Equal(new DateTime(2021, 4, 28, 14, 44, 16, DateTimeKind.Utc), anon.Time);
            Assert.Equal(DateTimeKind.Utc, anon.Time.Kind);
        }

        [Fact]
        public void CommonSecurityLogJsonFixture_ReadsBothRows()
        {
            var sink = new RecordingSink();
            var summary = sink.Read(TestPaths.Fixture("sentinel", "CommonSecurityLog-ZScaler.json"));

            Assert.Empty(sink.Issues);
            Assert.Equal(2, summary.ProxyEvents);
            Assert.Equal("Fortinet", sink.Proxy[0].Vendor);
            var z = sink.Proxy[1];
            Assert.Equal("Zscaler", z.Vendor);
            Assert.Equal("Allowed", z.Action);
            Assert.Equal("benjamin@contoso.com", z.User);
            Assert.Null(z.Host); // the sample row has no DestinationHostName
            Assert.Equal(307, z.Sent);
            Assert.Equal(new DateTime(2022, 3, 31, 8, 18, 20, 276, DateTimeKind.Utc), z.Time);
        }

        [Fact]
        public void Csv_AnyColumnOrder_QuotedMultilineCells_Crlf_Bom()
        {
            using var dir = TestPaths.NewTempFolder();
            string csv = "SentBytes,Extra,DestinationHostName,SourceUserName,DeviceAction,DeviceVendor,TimeGenerated [UTC]\r\n" +
                         "100,\"line one\r\nline \"\"two\"\"\",dropbox.com,a@x.com,Allowed,Zscaler,\"4/28/2021, 3:05:26.000 PM\"\r\n" +
                         "\r\n" +
                         "200,,github.com,b@x.com,,Zscaler,2021-04-28T23:59:59.999Z\r\n";
            var sink = new RecordingSink();
            var summary = sink.Read(Write(dir, "csl.csv", csv, bom: true));

            Assert.Empty(sink.Issues);
            Assert.Equal(LogFormat.CommonSecurityLogCsv, summary.Format);
            Assert.Equal(2, summary.Records);
            Assert.Equal(("a@x.com", "dropbox.com", (long?)100), (sink.Proxy[0].User, sink.Proxy[0].Host, sink.Proxy[0].Sent));
            Assert.Equal(new DateTime(2021, 4, 28, 15, 5, 26, DateTimeKind.Utc), sink.Proxy[0].Time);
            Assert.Equal(new DateTime(2021, 4, 28, 23, 59, 59, 999, DateTimeKind.Utc), sink.Proxy[1].Time);
            Assert.Equal("", sink.Proxy[1].Action);
        }

        [Fact]
        public void Csv_HeaderWithUtcOffset_IsConvertedToUtc()
        {
            using var dir = TestPaths.NewTempFolder();
            string csv = "TimeGenerated [UTC+02:00],UserId,Operation\n\"4/28/2021, 2:00:00.000 AM\",u@x.com,SharingSet\n";
            var sink = new RecordingSink();
            sink.Read(Write(dir, "oa.csv", csv));
            Assert.Empty(sink.Issues);
            Assert.Equal(new DateTime(2021, 4, 28, 0, 0, 0, DateTimeKind.Utc), sink.Sharing.Single().Time);
        }

        [Fact]
        public void Csv_HeaderInLocalTime_IsRefusedNotGuessed()
        {
            using var dir = TestPaths.NewTempFolder();
            var sink = new RecordingSink();
            var summary = sink.Read(Write(dir, "oa.csv", "TimeGenerated [Local Time],UserId,Operation\n\"4/28/2021, 2:00:00.000 AM\",u@x.com,SharingSet\n"));
            Assert.True(summary.Failed);
            Assert.Empty(sink.Sharing);
            Assert.Contains("Local Time", Assert.Single(sink.Issues).Reason);
        }

        [Fact]
        public void Csv_BadRows_AreReportedWithLineAndReason_AndTheRestCounts()
        {
            using var dir = TestPaths.NewTempFolder();
            string csv = CslHeader + "\n" +
                "t,\"4/28/2021, 3:05:26.000 PM\",Zscaler,NSSWeblog,Allowed,a@x.com,dropbox.com,10,5,\"multi\nline\"\n" + // lines 2-3
                "t,yesterday,Zscaler,NSSWeblog,Allowed,a@x.com,dropbox.com,10,5,\n" +                                // line 4: bad time
                "t,\"4/28/2021, 3:05:26.000 PM\",Zscaler,NSSWeblog,Allowed,a@x.com,dropbox.com,ten,5,\n" +         // line 5: bad bytes
                "t,\"4/28/2021, 3:05:26.000 PM\",Zscaler,NSSWeblog,Allowed,a@x.com,dropbox.com,1,2,3,4\n" +            // line 6: long row
                "t,\"4/28/2021, 3:05:27.000 PM\",Zscaler,NSSWeblog,Allowed,b@x.com,github.com,20,5,\n";            // line 7: good
            var sink = new RecordingSink();
            string path = Write(dir, "csl.csv", csv);
            var summary = sink.Read(path);

            Assert.Equal(5, summary.Records);
            Assert.Equal(3, summary.Skipped);
            Assert.Equal(new[] { "a@x.com", "b@x.com" }, sink.Proxy.Select(p => p.User));
            Assert.Equal(new long[] { 4, 5, 6 }, sink.Issues.Select(i => i.Line));
            Assert.Equal(new long[] { 2, 3, 4 }, sink.Issues.Select(i => i.Record));
            Assert.All(sink.Issues, i => Assert.Equal(path, i.File));
            Assert.Contains("TimeGenerated 'yesterday'", sink.Issues[0].Reason);
            Assert.Contains("SentBytes 'ten'", sink.Issues[1].Reason);
            Assert.Contains("has 11 fields where the header has 10", sink.Issues[2].Reason);
            Assert.StartsWith(path + ":4: record 2:", sink.Issues[0].ToString());
        }

        [Fact]
        public void Csv_StrayQuote_SwallowsTheNextLineIntoOneBadRecord_ReportedAtItsLine()
        {
            using var dir = TestPaths.NewTempFolder();
            string csv = "TimeGenerated [UTC],UserId,Operation\n" +
                         "\"4/28/2021, 2:00:00.000 AM\",u@x.com,SharingSet\n" +
                         "\"4/28/2021, 2:00:00.000 AM\",\"v@x.com,SharingSet\n" +
                         "\"4/28/2021, 2:00:00.000 AM\",w@x.com,SharingSet\n";
            var sink = new RecordingSink();
            var summary = sink.Read(Write(dir, "oa.csv", csv));
            Assert.Equal("u@x.com", Assert.Single(sink.Sharing).User);
            var issue = Assert.Single(sink.Issues);
            Assert.Equal(3, issue.Line);
            Assert.Contains("has 5 fields where the header has 3", issue.Reason);
            Assert.Equal(1, summary.Skipped);
        }

        [Fact]
        public void Csv_UnterminatedQuoteAtEndOfFile_IsReportedAtTheLineItOpened()
        {
            using var dir = TestPaths.NewTempFolder();
            string csv = "TimeGenerated [UTC],UserId,Operation\n" +
                         "\"4/28/2021, 2:00:00.000 AM\",u@x.com,SharingSet\n" +
                         "\"4/28/2021, 2:00:00.000 AM\",w@x.com,\"SharingSet\nmore\n";
            var sink = new RecordingSink();
            var summary = sink.Read(Write(dir, "oa.csv", csv));
            Assert.Equal("u@x.com", Assert.Single(sink.Sharing).User);
            var issue = Assert.Single(sink.Issues);
            Assert.Equal(3, issue.Line);
            Assert.Contains("unterminated quoted field (opened on line 3) at end of file", issue.Reason);
            Assert.Equal(1, summary.Skipped);
        }

        [Fact]
        public void Csv_OverlongRecord_IsSkippedAndReadingResumesOnTheNextLine()
        {
            using var dir = TestPaths.NewTempFolder();
            string csv = "TimeGenerated [UTC],UserId,Operation\n" +
                         "\"4/28/2021, 2:00:00.000 AM\",u@x.com," + new string('x', 5000) + "\n" +
                         "\"4/28/2021, 2:00:00.000 AM\",w@x.com,SharingSet\n";
            var sink = new RecordingSink();
            sink.Read(Write(dir, "oa.csv", csv), maxRecordChars: 1000);
            Assert.Equal("w@x.com", Assert.Single(sink.Sharing).User);
            var issue = Assert.Single(sink.Issues);
            Assert.Equal(2, issue.Line);
            Assert.Contains("longer than 1,000 characters", issue.Reason);
        }

        [Theory]
        [InlineData("Foo,Bar\n1,2\n", "neither CommonSecurityLog columns")]
        [InlineData("TimeGenerated [UTC],SourceUserName,DestinationHostName\n", "lacks column(s) DeviceVendor, DeviceAction, SentBytes")]
        [InlineData("", "the file is empty")]
        [InlineData("   \n\n", "the file is empty")]
        public void Csv_UnusableFile_IsOneFileLevelIssue(string content, string reason)
        {
            using var dir = TestPaths.NewTempFolder();
            var sink = new RecordingSink();
            string path = Write(dir, "bad.csv", content);
            var summary = sink.Read(path);
            Assert.True(summary.Failed);
            var issue = Assert.Single(sink.Issues);
            Assert.Equal(0, issue.Line);
            Assert.Contains(reason, issue.Reason);
            Assert.StartsWith(path + ": ", issue.ToString());
        }

        [Fact]
        public void BinaryFile_IsRefused()
        {
            using var dir = TestPaths.NewTempFolder();
            string path = dir.File("data.csv");
            File.WriteAllBytes(path, new byte[] { 0x4D, 0x5A, 0x90, 0x00, 0x03, 0x00, 0x00, 0x00, 0xFF });
            var sink = new RecordingSink();
            Assert.True(sink.Read(path).Failed);
            Assert.Contains("not text", Assert.Single(sink.Issues).Reason);
        }

        [Fact]
        public void MissingFile_IsAnIssueNotAnException()
        {
            var sink = new RecordingSink();
            var summary = sink.Read(Path.Combine(Path.GetTempPath(), "no-such-" + Guid.NewGuid() + ".csv"));
            Assert.True(summary.Failed);
            Assert.Contains("cannot read the file", Assert.Single(sink.Issues).Reason);
        }

        [Fact]
        public void Json_ArrayWithABrokenRecord_KeepsTheGoodOnes()
        {
            using var dir = TestPaths.NewTempFolder();
            string json = "[\n" +
                          "  {\"TimeGenerated\": \"4/28/2021, 3:05:26.000 PM\", \"DeviceVendor\": \"Zscaler\", \"SourceUserName\": \"a@x.com\", \"DestinationHostName\": \"dropbox.com\", \"SentBytes\": 5},\n" +
                          "  {\"TimeGenerated\": \"4/28/2021, 3:05:26.000 PM\", \"DeviceVendor\": \"Zscaler\", \"SentBytes\": tru},\n" +
                          "  {\"DeviceVendor\": \"Zscaler\", \"SourceUserName\": \"c@x.com\"},\n" +
                          "  {\"Hello\": 1},\n" +
                          "  {\"TimeGenerated\": \"2021-04-28T15:05:27Z\", \"DeviceVendor\": \"Zscaler\", \"SourceUserName\": \"b@x.com\", \"DestinationHostName\": \"github.com\", \"SentBytes\": \"7\"}\n" +
                          "]";
            var sink = new RecordingSink();
            var summary = sink.Read(Write(dir, "csl.json", json));
            Assert.Equal(new[] { "a@x.com", "b@x.com" }, sink.Proxy.Select(p => p.User));
            Assert.Equal(new long?[] { 5, 7 }, sink.Proxy.Select(p => p.Sent));
            Assert.Equal(5, summary.Records);
            Assert.Equal(3, summary.Skipped);
            Assert.Equal(new long[] { 3, 4, 5 }, sink.Issues.Select(i => i.Line));
            Assert.Contains("not valid JSON", sink.Issues[0].Reason);
            Assert.Contains("has no TimeGenerated", sink.Issues[1].Reason);
            Assert.Contains("neither a CommonSecurityLog row", sink.Issues[2].Reason);
        }

        [Fact]
        public void JsonLines_ABrokenLineDoesNotSwallowTheNext()
        {
            using var dir = TestPaths.NewTempFolder();
            string jsonl =
                "{\"TimeGenerated\":\"2021-04-28T10:00:00Z\",\"UserId\":\"a@x.com\",\"Operation\":\"SharingSet\"}\n" +
                "{\"TimeGenerated\":\"2021-04-28T10:00:00Z\",\"UserId\":\"b@x.com\",\"Operation\":\"SharingSet\"\n" +
                "{\"CreationTime\":\"2021-04-28T10:00:01\",\"UserId\":\"c@x.com\",\"Operation\":\"AnonymousLinkCreated\",\"RecordType\":14}\n";
            var sink = new RecordingSink();
            sink.Read(Write(dir, "oa.jsonl", jsonl));
            Assert.Equal(new[] { "a@x.com", "c@x.com" }, sink.Sharing.Select(s => s.User));
            Assert.Equal(new DateTime(2021, 4, 28, 10, 0, 1, DateTimeKind.Utc), sink.Sharing[1].Time);
            Assert.Equal(2, Assert.Single(sink.Issues).Line);
        }

        [Fact]
        public void Json_TruncatedArray_IsReported()
        {
            using var dir = TestPaths.NewTempFolder();
            string json = "[{\"TimeGenerated\":\"2021-04-28T10:00:00Z\",\"UserId\":\"a@x.com\",\"Operation\":\"SharingSet\"},\n{\"TimeGenerated\":\"2021-04-28T1";
            var sink = new RecordingSink();
            sink.Read(Write(dir, "oa.json", json));
            Assert.Equal("a@x.com", Assert.Single(sink.Sharing).User);
            Assert.Contains("truncated", Assert.Single(sink.Issues).Reason);
        }

        [Fact]
        public void FormatIsDetectedFromContentNotExtension_AndGzipIsRead()
        {
            using var dir = TestPaths.NewTempFolder();
            string csv = "TimeGenerated [UTC],UserId,Operation\n\"4/28/2021, 2:00:00.000 AM\",u@x.com,SharingSet\n";
            string path = dir.File("export.dat");
            using (var gz = new GZipStream(File.Create(path), CompressionLevel.Optimal))
            {
                var bytes = Encoding.UTF8.GetBytes(csv);
                gz.Write(bytes, 0, bytes.Length);
            }
            var sink = new RecordingSink();
            var summary = sink.Read(path);
            Assert.Empty(sink.Issues);
            Assert.Equal(LogFormat.OfficeActivityCsv, summary.Format);
            Assert.Equal("u@x.com", Assert.Single(sink.Sharing).User);
        }
    }
}
