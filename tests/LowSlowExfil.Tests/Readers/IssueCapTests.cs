namespace LowSlowExfil.Tests
{
    /// <summary>
    /// A file of millions of bad records: the host is told the first ones and then one closing issue with the count
    /// by kind, in every read path; no reader holds the rest (the review saw 2.5–5.5 GB for 20–150 MB of bad lines read
    /// in parallel ranges, and OutOfMemoryException under a 1 GB heap).
    /// </summary>
    public class IssueCapTests
    {
        private static readonly DateTime End = new DateTime(2026, 11, 1, 0, 0, 0, DateTimeKind.Utc);

        private static string BadCsv(TempFolder dir, int badLines)
        {
            string path = dir.File("bad.csv");
            using (var w = new StreamWriter(path, false, new UTF8Encoding(false)))
            {
                w.Write("TimeGenerated [UTC],DeviceVendor,DeviceAction,SourceUserName,DestinationHostName,SentBytes\n");
                w.Write("\"10/20/2026, 3:05:26.000 PM\",Zscaler,Allowed,big@x.com,dropbox.com,1000\n");
                for (int i = 0; i < badLines; i++) w.Write(i % 10 == 0 ? "\"10/20/2026, 3:05:26.000 PM\",Zscaler,Allowed,big@x.com,dropbox.com,ten\n" : "x\n");
                w.Write("\"10/21/2026, 3:05:26.000 PM\",Zscaler,Allowed,big@x.com,dropbox.com,2000\n");
            }
            return path;
        }

        [Theory]
        [InlineData(true, 1)]
        [InlineData(true, 4)]
        [InlineData(false, 1)]
        public void MillionsOfBadLines_TheFirstHundredThenOneCount(bool fast, int threads)
        {
            using var dir = TestPaths.NewTempFolder();
            const int bad = 1_000_000;
            string path = BadCsv(dir, bad);
            foreach (string p in new[] { path, TestPaths.Gzip(path) })
            {
                var issues = new List<ReadIssue>();
                var acc = new EventAccumulator(new HuntOptions(End, 30, kqlCompatible: false));
                var summary = LogFileReader.Read(p, acc, new ReadContext
                {
                    OnIssue = issues.Add, UseFastPaths = fast, MaxDegreeOfParallelism = threads, ParallelMinimumBytes = threads > 1 ? 1024 : long.MaxValue,
                });
                Assert.Equal(bad, summary.Skipped);
                Assert.Equal(101, issues.Count);
                // The first hundred in file order, with their lines; then the count of the rest, by kind.
                Assert.Equal(Enumerable.Range(3, 100).Select(l => (long)l), issues.Take(100).Select(i => i.Line));
                var last = issues[100];
                Assert.Equal(0, last.Line);
                Assert.Equal(bad - 100, last.Unshown);
                Assert.Contains("... and 999,900 more records could not be read", last.Reason);
                Assert.Contains("899,910 like \"TimeGenerated 'x' is not a timestamp\"", last.Reason);
                Assert.Contains("99,990 like \"SentBytes 'ten' is not a whole number\"", last.Reason);
                Assert.Equal(3000, Assert.Single(acc.Uploads.BuildProfiles()).TotalBytesSent);
            }
        }

        [Fact]
        public void MultiFileRead_CapsEachFile_InFileOrder()
        {
            using var dir = TestPaths.NewTempFolder();
            string a = BadCsv(dir, 500);
            string b = dir.File("b.csv");
            File.Copy(a, b);
            var issues = new List<ReadIssue>();
            var acc = new EventAccumulator(new HuntOptions(End, 30, kqlCompatible: false));
            MultiFileReader.Read(new[] { a, b }, acc, new ReadContext { OnIssue = issues.Add, MaxIssuesPerFile = 10, MaxDegreeOfParallelism = 2 }, null);
            Assert.Equal(22, issues.Count);
            Assert.All(issues.Take(11), i => Assert.Equal(a, i.File));
            Assert.Equal(490, issues[10].Unshown);
            Assert.Equal(490, issues[21].Unshown);
        }

        [Fact]
        public void FileLevelIssues_AreAlwaysTold()
        {
            var told = new List<ReadIssue>();
            var cap = new IssueCap(told.Add, 1);
            cap.Report(new ReadIssue("f", 2, 1, "a"));
            cap.Report(new ReadIssue("f", 3, 2, "b"));
            cap.Report(new ReadIssue("f", 0, 0, "cannot read the file past record 2"));
            cap.Finish("f");
            Assert.Equal(new[] { "a", "cannot read the file past record 2" }, told.Take(2).Select(i => i.Reason));
            Assert.Equal(1, told[2].Unshown);
        }

        [Theory]
        [InlineData("TimeGenerated 'x,y' is not a timestamp", "TimeGenerated '…' is not a timestamp")]
        [InlineData("has 3 fields where the header has 12", "has N fields where the header has N")]
        [InlineData("unterminated quoted field (opened on line 12) at end of file", "unterminated quoted field (opened on line N) at end of file")]
        public void Kinds_LeaveValuesOut(string reason, string kind) => Assert.Equal(kind, IssueCap.Kind(reason));
    }
}
