namespace LowSlowExfil.Tests
{
    /// <summary>Several files read on several threads give what reading them one by one gives, reported in file order.</summary>
    public class MultiFileReaderTests
    {
        private static readonly DateTime End = new DateTime(2026, 11, 1, 0, 0, 0, DateTimeKind.Utc);

        private sealed class Outcome
        {
            public string Profiles, Filters;
            public List<string> Issues = new List<string>(), Summaries = new List<string>();
            public List<int> Order = new List<int>();
            public int ProgressWithoutFile;
            public int Threads;
        }

        private static Outcome ReadAll(IReadOnlyList<string> files, int workers, bool kql = false)
        {
            var acc = new EventAccumulator(new HuntOptions(End, 30, kqlCompatible: kql));
            var outcome = new Outcome { Threads = Thread.CurrentThread.ManagedThreadId };
            var ctx = new ReadContext
            {
                MaxDegreeOfParallelism = workers,
                ParallelMinimumBytes = 64 * 1024, // the large CSV is cut into ranges as well
                OnIssue = i =>
                {
                    Assert.Equal(outcome.Threads, Thread.CurrentThread.ManagedThreadId);
                    outcome.Issues.Add(i.ToString());
                },
                OnProgress = p =>
                {
                    Assert.Equal(outcome.Threads, Thread.CurrentThread.ManagedThreadId);
                    if (p.File == null) outcome.ProgressWithoutFile++;
                },
            };
            MultiFileReader.Read(files, acc, ctx, r =>
            {
                Assert.Equal(outcome.Threads, Thread.CurrentThread.ManagedThreadId);
                outcome.Order.Add(r.Index);
                outcome.Summaries.Add(r.Summary.ToString());
            });
            outcome.Profiles = FastPathTests.Describe(acc) + "\n" + string.Join("\n", acc.Sharing.BuildProfiles().Select(p =>
                $"{p.UserName} {p.O365_EventCount} {p.O365_AnonLinks} {p.O365_FirstEvent:o} {p.O365_LastEvent:o} {p.OperationCounts}"));
            outcome.Filters = acc.DescribeFilters();
            return outcome;
        }

        private static List<string> MixedFiles(TempFolder dir)
        {
            var tenant = SampleTenant.Generate(new SampleTenantOptions { BackgroundUsers = 4 });
            // Every format, plain and gzip: the two NSS CEF files hold the same records, so the second one's are
            // replays of the first's, found only if the feeds are read in order.
            var files = SampleRawFeedWriter.WriteAllFormats(tenant, dir.Path, gzip: true).ToList();
            string bad = dir.File("bad.csv");
            File.WriteAllText(bad, "TimeGenerated [UTC],DeviceVendor,DeviceAction,SourceUserName,DestinationHostName,SentBytes\n" +
                "\"10/20/2026, 3:05:26.000 PM\",Zscaler,Allowed,a@x.com,dropbox.com,12\nnot,enough\n" +
                "\"10/21/2026, 3:05:26.000 PM\",Zscaler,Allowed,a@x.com,dropbox.com,x\n");
            files.Insert(3, bad);
            files.Insert(7, dir.File("missing.csv"));
            files.Add(TestPaths.Fixture("zscaler", "nss-web.cef"));
            files.Add(TestPaths.Fixture("sentinel", "OfficeActivity-training-lab.csv"));
            return files;
        }

        [Theory]
        [InlineData(2, false)]
        [InlineData(4, false)]
        [InlineData(3, true)]
        public void ManyFiles_InParallel_EqualOneByOne(int workers, bool kql)
        {
            using var dir = TestPaths.NewTempFolder();
            var files = MixedFiles(dir);

            var one = ReadAll(files, 1, kql);
            var many = ReadAll(files, workers, kql);

            Assert.Equal(Enumerable.Range(0, files.Count), one.Order);
            Assert.Equal(one.Order, many.Order);
            Assert.Equal(one.Summaries, many.Summaries);
            Assert.Equal(one.Issues, many.Issues);
            Assert.Equal(one.Filters, many.Filters);
            Assert.Equal(one.Profiles, many.Profiles);
            // What makes the comparison worth having: issues from several files, replays across files, both sides.
            Assert.Contains(one.Issues, i => i.Contains("bad.csv"));
            Assert.Contains(one.Issues, i => i.Contains("missing.csv"));
            Assert.Contains(one.Summaries, s => s.Contains("replayed duplicates counted once"));
            Assert.Contains("counted", one.Filters);
            Assert.NotEqual(0, many.ProgressWithoutFile); // the parallel path ran
            Assert.Equal(0, one.ProgressWithoutFile);
        }

        [Fact]
        public void ManyTinyFiles_EveryFileCounts()
        {
            // Files that finish almost at once: each must be merged, not only reported (the last ones race the loop).
            using var dir = TestPaths.NewTempFolder();
            var files = new List<string>();
            for (int i = 0; i < 24; i++)
            {
                string f = dir.File($"zia-{i:00}.csv");
                File.WriteAllText(f, "TimeGenerated [UTC],DeviceVendor,DeviceAction,SourceUserName,DestinationHostName,SentBytes\n" +
                    $"\"10/20/2026, 3:05:26.000 PM\",Zscaler,Allowed,u{i:00}@x.com,dropbox.com,{i + 1}\n");
                files.Add(f);
            }
            for (int round = 0; round < 5; round++)
            {
                var many = ReadAll(files, 3);
                Assert.Equal(Enumerable.Range(0, 24).Select(i => $"u{i:00}@x.com {i + 1}"),
                    many.Profiles.Split('\n').Where(l => l.StartsWith("u")).Select(l => string.Join(" ", l.Split(' ').Take(2))));
                Assert.Equal(ReadAll(files, 1).Profiles, many.Profiles);
            }
        }

        [Fact]
        public void Shapes_AreKnownFromTheFirstBytes_PlainOrGzip()
        {
            using var dir = TestPaths.NewTempFolder();
            var tenant = SampleTenant.Generate(new SampleTenantOptions { BackgroundUsers = 3 });
            var files = SampleRawFeedWriter.WriteAllFormats(tenant, dir.Path, gzip: true);
            var ctx = new ReadContext { MaxDegreeOfParallelism = 2, ParallelMinimumBytes = 64 * 1024 };
            foreach (string f in files)
            {
                string name = Path.GetFileName(f);
                // NSS as key=value pairs (LEEF, name-value) carries record ids too: a raw feed, read in order.
                var expected = name.Contains(".cef") || name.Contains(".json") || name.Contains(".leef") || name.Contains("-nvp.log") ? LogFileReader.ReadShape.RawFeed
                    // Cut into ranges by the fast path only (none with LOWSLOWEXFIL_FAST_PATHS=0).
                    : name == "CommonSecurityLog.csv" && FastPath.Allowed ? LogFileReader.ReadShape.Ranges
                    : LogFileReader.ReadShape.Single;
                Assert.True(expected == MultiFileReader.ShapeOf(f, ctx, out long length), name);
                Assert.Equal(new FileInfo(f).Length, length);
            }
            // Too small to cut, or one thread: read whole.
            Assert.Equal(LogFileReader.ReadShape.Single, MultiFileReader.ShapeOf(dir.File("CommonSecurityLog.csv"), new ReadContext { MaxDegreeOfParallelism = 2 }, out _));
            Assert.Equal(LogFileReader.ReadShape.Single, MultiFileReader.ShapeOf(dir.File("CommonSecurityLog.csv"), new ReadContext { MaxDegreeOfParallelism = 1, ParallelMinimumBytes = 64 * 1024 }, out _));
            Assert.Equal(LogFileReader.ReadShape.Single, MultiFileReader.ShapeOf(dir.File("missing.cef"), ctx, out _));
        }

        [Fact]
        public void TheHostStopping_StopsTheRead()
        {
            // As -ErrorAction Stop does: the first issue handed to the host throws. That exception comes out, once the
            // workers have stopped (Read waits for them), and nothing more is reported after it.
            using var dir = TestPaths.NewTempFolder();
            var files = MixedFiles(dir);
            int issues = 0, afterStop = 0;
            bool stopped = false;
            var ctx = new ReadContext
            {
                MaxDegreeOfParallelism = 2,
                OnIssue = i =>
                {
                    if (stopped) afterStop++;
                    issues++;
                    stopped = true;
                    throw new InvalidOperationException("stop");
                },
            };
            var acc = new EventAccumulator(new HuntOptions(End, 30));
            var e = Assert.Throws<InvalidOperationException>(() => MultiFileReader.Read(files, acc, ctx, r => { if (stopped) afterStop++; }));
            Assert.Equal("stop", e.Message);
            Assert.Equal(1, issues);
            Assert.Equal(0, afterStop);
        }

        [Fact]
        public void Cancelled_Throws()
        {
            using var dir = TestPaths.NewTempFolder();
            var files = MixedFiles(dir);
            using var cts = new CancellationTokenSource();
            cts.Cancel();
            var acc = new EventAccumulator(new HuntOptions(End, 30));
            Assert.ThrowsAny<OperationCanceledException>(() =>
                MultiFileReader.Read(files, acc, new ReadContext { MaxDegreeOfParallelism = 2, Cancellation = cts.Token }, null));
        }
    }
}
