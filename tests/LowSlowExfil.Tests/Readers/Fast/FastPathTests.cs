namespace LowSlowExfil.Tests
{
    /// <summary>The byte-level CommonSecurityLog path gives exactly what the general CSV reader gives.</summary>
    public class FastPathTests
    {
        private static readonly DateTime End = new DateTime(2026, 11, 1, 0, 0, 0, DateTimeKind.Utc);

        private static (EventAccumulator Acc, FileReadSummary Summary, string Issues) Read(string path, bool fast, bool kql, int maxRecord = 16 * 1024 * 1024)
        {
            var acc = new EventAccumulator(new HuntOptions(End, 30, kqlCompatible: kql));
            var issues = new StringBuilder();
            var summary = LogFileReader.Read(path, acc, new ReadContext { UseFastPaths = fast, OnIssue = i => issues.AppendLine(i.ToString()), MaxRecordChars = maxRecord });
            return (acc, summary, issues.ToString());
        }

        private static void AssertSame(string path, bool kql, int maxRecord = 16 * 1024 * 1024)
        {
            var slow = Read(path, fast: false, kql, maxRecord);
            var fast = Read(path, fast: true, kql, maxRecord);
            Assert.Equal(slow.Issues, fast.Issues);
            Assert.Equal(slow.Summary.ToString(), fast.Summary.ToString());
            Assert.Equal(slow.Acc.DescribeFilters(), fast.Acc.DescribeFilters());
            Assert.Equal(Describe(slow.Acc), Describe(fast.Acc));
        }

        /// <summary>Every upload profile in full, one line a user (also what MultiFileReaderTests compare).</summary>
        internal static string Describe(EventAccumulator acc) => string.Join("\n", acc.Uploads.BuildProfiles().Select(p =>
            $"{p.UserName} {p.TotalBytesSent} {p.ZIA_ActiveDays} {p.ZIA_TotalRequests} {p.ZIA_UniqueDestCnt} {p.FirstSeen:o} {p.LastSeen:o} " +
            string.Join(";", p.Destinations.Select(d => $"{d.DestinationHostName}={d.SentBytes}/{d.RequestCount}/{d.ActiveDays}"))));

        [Theory]
        [InlineData(false)]
        [InlineData(true)]
        public void GeneratedTenant_SameProfilesBothModes(bool kql)
        {
            using var dir = TestPaths.NewTempFolder();
            var tenant = SampleTenant.Generate(new SampleTenantOptions { BackgroundUsers = 60 });
            string path = dir.File("csl.csv");
            SampleExportWriter.WriteCommonSecurityLogCsv(tenant.ProxyEvents(), path);
            AssertSame(path, kql);
            // And the fast path really ran: it counts the same events as the generator wrote.
            var fast = Read(path, fast: true, kql);
            Assert.Equal(tenant.ProxyEvents().Count(), fast.Summary.Records);
        }

        [Theory]
        [InlineData("\n")]
        [InlineData("\r\n")]
        public void EveryKindOfBadRow_SameIssuesAndCounts(string eol)
        {
            using var dir = TestPaths.NewTempFolder();
            const string header = "TenantId,TimeGenerated [UTC],DeviceVendor,DeviceAction,Extra,SourceUserName,DestinationHostName,SentBytes";
            string[] rows =
            {
                "t,\"10/20/2026, 3:05:26.000 PM\",Zscaler,Allowed,x,a@x.com,dropbox.com,100",
                "t,\"10/20/2026, 3:05:26.000 PM\",Zscaler,Allowed,\"multi" + eol + "line \"\"quoted\"\"\",A@X.com,www.dropbox.com,200",
                "",
                "t,\"10/20/2026, 3:05:26 PM\",Zscaler,Allowed,x,b@x.com,github.com,300",            // no fraction
                "t,2026-10-21T01:02:03Z,Zscaler,Allowed,x,b@x.com,github.com:443,400",               // ISO time
                "t,yesterday,Zscaler,Allowed,x,b@x.com,github.com,1",                                // bad time
                "t,\"10/20/2026, 3:05:26.000 PM\",Zscaler,Allowed,x,b@x.com,github.com,ten",          // bad bytes
                "t,\"10/20/2026, 3:05:26.000 PM\",Zscaler,Allowed,x,b@x.com,github.com, 7 ",          // spaced bytes (general parser)
                "t,\"10/20/2026, 3:05:26.000 PM\",Zscaler,Allowed,x,b@x.com,github.com,7.0",          // real-valued bytes
                "t,\"10/20/2026, 3:05:26.000 PM\",Zscaler,Allowed",                                   // short row
                "t,\"10/20/2026, 3:05:26.000 PM\",Zscaler,Allowed,x,b@x.com,github.com,1,extra",     // long row
                "t,\"10/20/2026, 3:05:26.000 PM\",zscaler,Allowed,x,c@x.com,dropbox.com,500",         // vendor case
                "t,\"10/20/2026, 3:05:26.000 PM\",Zscaler,Block,x,c@x.com,dropbox.com,600",           // blocked (KQL keeps)
                "t,\"10/20/2026, 3:05:26.000 PM\",Zscaler,Allowed,x,,dropbox.com,700",                // no user
                "t,\"10/20/2026, 3:05:26.000 PM\",Zscaler,Allowed,x,\"d@x.com\",\"evil-dropbox.com.example\",800",
                "t,\"10/20/2026, 3:05:26.000 PM\",Zscaler,Allowed,x,e@x.com,mydropbox.com,\"900\"",
                "t,\"9/1/2026, 3:05:26.000 PM\",Zscaler,Allowed,x,e@x.com,dropbox.com,1000",          // outside the window
                "t,\"10/20/2026, 3:05:26.000 PM\",Zscaler,Allowed,ab\"c,f@x.com,\"drop\"\"box.com\",1100", // stray quote mid-field
                "t,\"10/20/2026, 3:05:26.000 PM\",Zscaler,Allowed,\"x\"tail,g@x.com,box.com,1200",    // text after a closing quote
                "\"\"",                                                                                 // a blank line written as ""
                "t,\"13/45/2026, 3:05:26.000 PM\",Zscaler,Allowed,x,h@x.com,box.com,1300",            // impossible date
                "t,\"10/20/2026, 3:05:26.000 PM\",Zscaler,Allowed,x,h@x.com,box.com,1400,\"open",     // quote left open at the end
            };
            string path = dir.File("bad.csv");
            File.WriteAllText(path, header + eol + string.Join(eol, rows) + eol + "t,x" + eol + "more", new UTF8Encoding(true));
            AssertSame(path, kql: false);
            AssertSame(path, kql: true);
            Assert.Contains("unterminated quoted field", Read(path, true, false).Issues);
        }

        [Theory]
        [InlineData(2, false)]
        [InlineData(7, false)]
        [InlineData(7, true)]
        public void ParallelRanges_EqualOneThread_EvenWhenCutsFallInMultilineCells(int workers, bool kql)
        {
            using var dir = TestPaths.NewTempFolder();
            var tenant = SampleTenant.Generate(new SampleTenantOptions { BackgroundUsers = 40 });
            string path = dir.File("csl.csv");
            SampleExportWriter.WriteCommonSecurityLogCsv(tenant.ProxyEvents(), path);
            // Add bad rows so issues must come out in file order with absolute line numbers.
            File.AppendAllText(path, "x,\"multi\nline\",y\n" + "t,\"10/20/2026, 3:05:26.000 PM\"\n");

            (EventAccumulator, FileReadSummary, string) ReadWith(int threads)
            {
                var acc = new EventAccumulator(new HuntOptions(End, 30, kqlCompatible: kql));
                var issues = new StringBuilder();
                var ctx = new ReadContext { MaxDegreeOfParallelism = threads, ParallelMinimumBytes = 64 * 1024, OnIssue = i => issues.AppendLine(i.ToString()) };
                var summary = LogFileReader.Read(path, acc, ctx);
                return (acc, summary, issues.ToString());
            }

            var one = ReadWith(1);
            var many = ReadWith(workers);
            Assert.NotEqual("", one.Item3);
            Assert.Equal(one.Item3, many.Item3);
            Assert.Equal(one.Item2.ToString(), many.Item2.ToString());
            Assert.Equal(1, one.Item2.Threads);
            Assert.Equal(new FileInfo(path).Length, many.Item2.Bytes);
            // With every fast path off (LOWSLOWEXFIL_FAST_PATHS=0) nothing is cut into ranges: the same figures, on one thread.
            if (FastPath.Allowed)
            {
                Assert.True(many.Item2.Threads > 1, $"{many.Item2.Threads} threads");
                Assert.Matches(@"^[\d,.]+ MB in \d+\.\d\d s \([\d,]+ MB/s, \d+ threads\)$", many.Item2.Speed());
            }
            else Assert.Equal(1, many.Item2.Threads);
            Assert.Equal(one.Item1.DescribeFilters(), many.Item1.DescribeFilters());
            Assert.Equal(Describe(one.Item1), Describe(many.Item1));
            Assert.Equal(Describe(Read(path, fast: false, kql).Acc), Describe(many.Item1));
        }

        [Fact]
        public void Speed_SaysSizeTimeRateAndThreads()
        {
            var s = new FileReadSummary { Bytes = 3 * 1048576L, Elapsed = TimeSpan.FromSeconds(1.5), Threads = 2 };
            Assert.Equal("3.0 MB in 1.50 s (2 MB/s, 2 threads)", s.Speed());
            s.Threads = 1;
            Assert.Equal("3.0 MB in 1.50 s (2 MB/s)", s.Speed());
            Assert.Equal("", new FileReadSummary { Elapsed = TimeSpan.FromSeconds(1) }.Speed()); // a stream: no size
        }

        [Fact]
        public void ParallelCut_InsideAMultilineCell_GuessesTheNextRecordStart()
        {
            // Every record has a quoted cell with a line break in it, so half the line starts are not record starts.
            const string header = "TimeGenerated [UTC],DeviceVendor,Note,SourceUserName,DestinationHostName,SentBytes\n";
            var text = new StringBuilder(header);
            var recordStarts = new System.Collections.Generic.List<long>();
            for (int i = 0; i < 200; i++)
            {
                recordStarts.Add(text.Length);
                text.Append($"\"10/20/2026, 3:05:{i % 60:00}.000 PM\",Zscaler,\"first line,\nsecond, line {i}\",u{i}@x.com,dropbox.com,{i}\n");
            }
            byte[] bytes = Encoding.ASCII.GetBytes(text.ToString());
            using var stream = new MemoryStream(bytes);
            int fields = 6;
            foreach (long cut in new long[] { recordStarts[10] + 5, recordStarts[50] + 40, recordStarts[50] + 46, recordStarts[120] })
            {
                long guess = ParallelProxyCsvReader.LikelyRecordStart(stream, cut, fields);
                Assert.Equal(recordStarts.First(r => r >= cut), guess);
            }
        }

        [Fact]
        public void OverlongLine_SameIssue()
        {
            using var dir = TestPaths.NewTempFolder();
            string path = dir.File("long.csv");
            File.WriteAllText(path, "TimeGenerated [UTC],DeviceVendor,DeviceAction,SourceUserName,DestinationHostName,SentBytes\n" +
                "\"10/20/2026, 3:05:26.000 PM\",Zscaler,Allowed,a@x.com,dropbox.com," + new string('9', 5000) + "\n" +
                "\"10/20/2026, 3:05:26.000 PM\",Zscaler,Allowed,b@x.com,dropbox.com,5\n");
            AssertSame(path, kql: false, maxRecord: 1000);
            Assert.Contains("longer than 1,000 characters", Read(path, true, false, 1000).Issues);
        }
    }
}
