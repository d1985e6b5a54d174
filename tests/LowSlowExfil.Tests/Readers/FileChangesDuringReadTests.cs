namespace LowSlowExfil.Tests
{
    /// <summary>
    /// A file cut or grown while it is read is reported with the bytes seen (the review cut a 600 MB file to 300 MB and
    /// to 0 mid-read: no error, no warning, the tail silently missing).
    /// </summary>
    public class FileChangesDuringReadTests
    {
        private static readonly DateTime End = new DateTime(2026, 11, 1, 0, 0, 0, DateTimeKind.Utc);

        private static string BigCsv(TempFolder dir)
        {
            string path = dir.File("csl.csv");
            var row = Encoding.UTF8.GetBytes("\"10/20/2026, 3:05:26.000 PM\",Zscaler,Allowed,big@x.com,dropbox.com,1000,padding-padding-padding-padding\n");
            using (var f = File.Create(path))
            {
                var header = Encoding.UTF8.GetBytes("TimeGenerated [UTC],DeviceVendor,DeviceAction,SourceUserName,DestinationHostName,SentBytes,Extra\n");
                f.Write(header, 0, header.Length);
                for (int i = 0; i < 300_000; i++) f.Write(row, 0, row.Length); // ~33 MB
            }
            return path;
        }

        [Theory]
        [InlineData(true, 1, 0)]
        [InlineData(true, 1, 4 << 20)]
        [InlineData(false, 1, 4 << 20)]
        [InlineData(true, 2, 0)]
        public void AFileCutWhileRead_IsReportedWithTheBytesSeen(bool fast, int threads, long cutTo)
        {
            using var dir = TestPaths.NewTempFolder();
            string path = BigCsv(dir);
            long size = new FileInfo(path).Length;
            bool cut = false;
            var ctx = new ReadContext
            {
                UseFastPaths = fast, MaxDegreeOfParallelism = threads,
                OnProgress = p =>
                {
                    if (cut || p.BytesRead >= size) return;
                    cut = true;
                    using var f = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete);
                    f.SetLength(cutTo);
                },
            };
            var summary = LogFileReader.Read(path, new EventAccumulator(new HuntOptions(End, 30, kqlCompatible: false)), ctx);
            Assert.True(cut, "the test never cut the file");
            Assert.NotNull(summary.Notice);
            Assert.Contains($"the file changed size while it was read ({size:N0} bytes when opened, {cutTo:N0} at the end", summary.Notice);
            Assert.Contains("records past the cut are missing", summary.Notice);
        }

        [Fact]
        public void AFileGrownWhileRead_IsReportedToo()
        {
            using var dir = TestPaths.NewTempFolder();
            string path = BigCsv(dir);
            bool grown = false;
            var ctx = new ReadContext
            {
                MaxDegreeOfParallelism = 1,
                OnProgress = p =>
                {
                    if (grown) return;
                    grown = true;
                    File.AppendAllText(path, "\"10/21/2026, 3:05:26.000 PM\",Zscaler,Allowed,late@x.com,dropbox.com,1,x\n");
                },
            };
            var summary = LogFileReader.Read(path, new EventAccumulator(new HuntOptions(End, 30, kqlCompatible: false)), ctx);
            Assert.Contains("records written meanwhile may be missing or partial", summary.Notice);
        }

        [Fact]
        public void AnUnchangedFile_HasNoNotice()
        {
            using var dir = TestPaths.NewTempFolder();
            string path = BigCsv(dir);
            var summary = LogFileReader.Read(path, new EventAccumulator(new HuntOptions(End, 30, kqlCompatible: false)), new ReadContext());
            Assert.Null(summary.Notice);
            Assert.Equal(300_000, summary.Records);
        }
    }
}
