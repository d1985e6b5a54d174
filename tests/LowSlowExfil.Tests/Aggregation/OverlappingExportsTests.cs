namespace LowSlowExfil.Tests
{
    /// <summary>
    /// Overlapping exports: audit records count once by their record Id across files and formats (the review saw
    /// O365_EventCount 8 and O365_AnonLinks 2 for one Purview export read under two names, instead of 4 and 1);
    /// CommonSecurityLog exports, whose rows carry no id, are named when they share hours; and a read whose events all
    /// lie outside the window says where the data is.
    /// </summary>
    public class OverlappingExportsTests
    {
        private static readonly DateTime End = new DateTime(2026, 11, 1, 0, 0, 0, DateTimeKind.Utc);

        private static List<SampleSharingEvent> Sharing() => new List<SampleSharingEvent>
        {
            new SampleSharingEvent { TimeGenerated = End.AddDays(-3), UserId = "Ann@x.com", Operation = "AnonymousLinkCreated", Id = "1b0f4a52-0000-0000-0000-000000000001", RecordType = 14 },
            new SampleSharingEvent { TimeGenerated = End.AddDays(-2), UserId = "ann@x.com", Operation = "FileDownloaded", Id = "1b0f4a52-0000-0000-0000-000000000002", RecordType = 6 },
            new SampleSharingEvent { TimeGenerated = End.AddDays(-2), UserId = "ann@x.com", Operation = "SharingSet", Id = "1b0f4a52-0000-0000-0000-000000000003", RecordType = 14 },
            new SampleSharingEvent { TimeGenerated = End.AddDays(-1), UserId = "bob@x.com", Operation = "FileCopied", Id = "1b0f4a52-0000-0000-0000-000000000004", RecordType = 6 },
        };

        private static (EventAccumulator Acc, List<FileReadSummary> Files) ReadAll(IReadOnlyList<string> files, int threads)
        {
            var acc = new EventAccumulator(new HuntOptions(End, 30, kqlCompatible: false));
            var summaries = new List<FileReadSummary>();
            var issues = new List<ReadIssue>();
            MultiFileReader.Read(files, acc, new ReadContext { OnIssue = issues.Add, MaxDegreeOfParallelism = threads }, r => summaries.Add(r.Summary));
            Assert.Empty(issues);
            return (acc, summaries);
        }

        private static string Describe(EventAccumulator acc) => string.Join("\n", acc.Sharing.BuildProfiles().Select(p =>
            $"{p.UserName} {p.O365_EventCount} anon={p.O365_AnonLinks} ops={string.Join(",", p.OperationCounts.OrderBy(o => o.Key).Select(o => o.Key + "=" + o.Value))}"));

        [Theory]
        [InlineData(1)]
        [InlineData(2)]
        public void TheSameAuditRecords_InSeveralFilesAndFormats_CountOnce(int threads)
        {
            using var dir = TestPaths.NewTempFolder();
            var events = Sharing();
            string purview = dir.File("purview.csv"), again = dir.File("purview-again.csv"), api = dir.File("audit.json"), oa = dir.File("OfficeActivity.csv");
            SampleRawFeedWriter.WritePurviewCsv(events, purview, newLayout: true);
            File.Copy(purview, again);
            SampleRawFeedWriter.WriteManagementApiJson(events.Take(2), api, jsonLines: true);
            SampleExportWriter.WriteOfficeActivityCsv(events.Skip(2), oa);

            var once = ReadAll(new[] { purview }, 1);
            string expected = "ann@x.com 3 anon=1 ops=AnonymousLinkCreated=1,FileDownloaded=1,SharingSet=1\nbob@x.com 1 anon=0 ops=FileCopied=1";
            Assert.Equal(expected, Describe(once.Acc));

            var all = ReadAll(new[] { purview, again, api, oa }, threads);
            Assert.Equal(expected, Describe(all.Acc));
            Assert.Equal(4, all.Acc.Sharing.Count(SharingDisposition.Counted));
            Assert.Equal(8, all.Acc.Sharing.Count(SharingDisposition.Duplicate));
            Assert.Contains("8 duplicates of audit records already counted", all.Acc.DescribeFilters());
        }

        [Fact]
        public void Merge_TakesADuplicateBackOut_AndDropsAUserLeftWithNothing()
        {
            var o = new HuntOptions(End, 30, kqlCompatible: false);
            var a = new SharingAccumulator(o);
            var b = new SharingAccumulator(o);
            a.Add(End.AddDays(-1), "ann@x.com", "AnonymousLinkCreated", "id-1");
            b.Add(End.AddDays(-1), "ANN@x.com", "AnonymousLinkCreated", "ID-1"); // ids compare without case, as GUIDs do
            b.Add(End.AddDays(-2), "bob@x.com", "SharingSet", "id-2");
            a.Merge(b);
            var p = a.BuildProfiles();
            Assert.Equal(new[] { "ann@x.com", "bob@x.com" }, p.Select(x => x.UserName));
            Assert.Equal(1, p[0].O365_EventCount);
            Assert.Equal(1, p[0].O365_AnonLinks);
            Assert.Equal(1, a.Count(SharingDisposition.Duplicate));
            Assert.Equal(2, a.Count(SharingDisposition.Counted));
        }

        [Fact]
        public void RecordsWithoutAnId_AreNotTakenForDuplicates()
        {
            var acc = new SharingAccumulator(new HuntOptions(End, 30, kqlCompatible: false));
            acc.Add(End.AddDays(-1), "ann@x.com", "SharingSet");
            acc.Add(End.AddDays(-1), "ann@x.com", "SharingSet", "");
            Assert.Equal(2, acc.BuildProfiles().Single().O365_EventCount);
        }

        private static List<SampleProxyEvent> Uploads(DateTime from, int hours) => Enumerable.Range(0, hours).Select(h => new SampleProxyEvent
        {
            TimeGenerated = from.AddHours(h).AddMinutes(5), DeviceVendor = "Zscaler", DeviceAction = "Allowed",
            SourceUserName = "ann@x.com", DestinationHostName = "dropbox.com", SentBytes = 1000,
        }).ToList();

        [Theory]
        [InlineData(1)]
        [InlineData(2)]
        public void CommonSecurityLogExports_SharingHours_AreNamed(int threads)
        {
            using var dir = TestPaths.NewTempFolder();
            string a = dir.File("week1.csv"), b = dir.File("week1-again.json"), c = dir.File("week3.csv");
            SampleExportWriter.WriteCommonSecurityLogCsv(Uploads(End.AddDays(-10), 48), a);
            SampleExportWriter.WriteCommonSecurityLogJson(Uploads(End.AddDays(-9), 48), b); // its first 24 hours are a's last
            SampleExportWriter.WriteCommonSecurityLogCsv(Uploads(End.AddDays(-3), 24), c);
            var read = ReadAll(new[] { a, b, c }, threads);
            var message = Assert.Single(ExportOverlap.Describe(read.Files));
            Assert.Contains($"'{a}' and '{b}' both hold counted uploads in the same 24 hour(s), 2026-10-23 00:00Z to 2026-10-24 00:00Z", message);
        }

        [Fact]
        public void EventsAllOutsideTheWindow_TellWhereTheDataLies()
        {
            var acc = new EventAccumulator(new HuntOptions(new DateTime(2026, 12, 3, 9, 0, 0, DateTimeKind.Utc), 30, kqlCompatible: false));
            acc.AddProxy(new DateTime(2026, 9, 27, 1, 0, 0, DateTimeKind.Utc), "Zscaler", "Allowed", "a@x.com", "dropbox.com", 5);
            acc.AddSharing(new DateTime(2026, 10, 31, 23, 0, 0, DateTimeKind.Utc), "a@x.com", "SharingSet");
            string m = acc.DescribeEmptyWindow();
            Assert.Equal("2 event(s) were read, but none fell in the hunt window (2026-11-03T09:00:00.000Z, 2026-12-03T09:00:00.000Z]: " +
                "the data spans 2026-09-27 01:00:00Z to 2026-10-31 23:00:00Z. Hunt it with -EndTime 2026-11-01 -Days 35.", m);
            acc.AddProxy(new DateTime(2026, 12, 1, 0, 0, 0, DateTimeKind.Utc), "Zscaler", "Allowed", "a@x.com", "dropbox.com", 5);
            Assert.Null(acc.DescribeEmptyWindow());
        }
    }
}
