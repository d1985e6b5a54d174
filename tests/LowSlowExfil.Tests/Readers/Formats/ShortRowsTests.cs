namespace LowSlowExfil.Tests
{
    /// <summary>
    /// CSV rows with fewer fields than the header (a tool that drops trailing empty cells) are read with the missing
    /// fields empty, as Import-Csv and Excel read them, and counted; rows with more fields stay an error.
    /// </summary>
    public class ShortRowsTests
    {
        private static readonly DateTime End = new DateTime(2026, 11, 1, 0, 0, 0, DateTimeKind.Utc);

        [Theory]
        [InlineData(true, 1)]
        [InlineData(false, 1)]
        [InlineData(true, 4)]
        public void RowsMissingTrailingEmptyFields_AreRead_AndCounted(bool fast, int threads)
        {
            using var dir = TestPaths.NewTempFolder();
            string path = dir.File("csl.csv");
            var lines = new List<string> { "TimeGenerated [UTC],DeviceVendor,DeviceAction,SourceUserName,DestinationHostName,SentBytes,RequestURL,Extra" };
            for (int i = 0; i < 2000; i++)
                lines.Add(i % 3 == 0
                    ? $"\"10/2{i % 8}/2026, 3:05:26.000 PM\",Zscaler,Allowed,u{i % 7}@x.com,dropbox.com,{i}"        // RequestURL and Extra missing
                    : i % 3 == 1
                        ? $"\"10/2{i % 8}/2026, 3:05:26.000 PM\",Zscaler,Allowed,u{i % 7}@x.com,dropbox.com,{i},https://x,"
                        : $"\"10/2{i % 8}/2026, 3:05:26.000 PM\",Zscaler,Allowed,u{i % 7}@x.com,dropbox.com");         // SentBytes missing too
            lines.Add("\"10/20/2026, 3:05:26.000 PM\",Zscaler,Allowed,long@x.com,dropbox.com,5,u,e,one too many");
            File.WriteAllText(path, string.Join("\n", lines) + "\n");
            var acc = new EventAccumulator(new HuntOptions(End, 30, kqlCompatible: false));
            var issues = new List<ReadIssue>();
            var summary = LogFileReader.Read(path, acc, new ReadContext
            {
                OnIssue = issues.Add, UseFastPaths = fast, MaxDegreeOfParallelism = threads, ParallelMinimumBytes = threads > 1 ? 1024 : long.MaxValue,
            });
            Assert.Equal(1333, summary.ShortRows);
            Assert.Contains("1333 rows with fewer fields than the header (the missing fields read as empty)", summary.ToString());
            var issue = Assert.Single(issues);
            Assert.Contains("has 9 fields where the header has 8", issue.Reason);
            var profiles = acc.Uploads.BuildProfiles();
            Assert.Equal(7, profiles.Count);
            Assert.Equal(Enumerable.Range(0, 2000).Where(i => i % 3 != 2).Sum(i => (long)i), profiles.Sum(p => p.TotalBytesSent));
            Assert.Equal(2000, profiles.Sum(p => p.ZIA_TotalRequests));
        }
    }
}
