using System.Diagnostics;
using System.IO.Compression;
using System.Threading.Tasks;

namespace LowSlowExfil.Tests
{
    /// <summary>
    /// Ctrl+C inside gigabytes that hold no record (a gzip of blank lines after a header): the review waited ~40 s,
    /// because the readers checked for cancellation every 4,096 records. Now every read of the stream checks.
    /// </summary>
    public class CancellationByBytesTests
    {
        /// <summary>A CSV header, then <paramref name="members"/> gzip members of 64 MB of line breaks each.</summary>
        private static string BlankLinesBomb(TempFolder dir, string header, int members)
        {
            byte[] blank = new byte[64 << 20];
            blank.AsSpan().Fill((byte)'\n');
            byte[] member;
            using (var ms = new MemoryStream())
            {
                using (var gz = new GZipStream(ms, CompressionLevel.Fastest, leaveOpen: true)) gz.Write(blank, 0, blank.Length);
                member = ms.ToArray();
            }
            string path = dir.File("blank.csv.gz");
            using (var f = File.Create(path))
            {
                var head = TestPaths.Gzip(System.Text.Encoding.UTF8.GetBytes(header));
                f.Write(head, 0, head.Length);
                for (int i = 0; i < members; i++) f.Write(member, 0, member.Length);
            }
            return path;
        }

        [Theory]
        [InlineData("TimeGenerated [UTC],DeviceVendor,DeviceAction,SourceUserName,DestinationHostName,SentBytes\n", true)]
        [InlineData("TimeGenerated [UTC],DeviceVendor,DeviceAction,SourceUserName,DestinationHostName,SentBytes\n", false)]
        [InlineData("<134>Oct 20 15:05:26 zscaler-nss CEF:0|Zscaler|NSSWeblog|5.7|Allowed|Allowed|3|act=Allowed suser=a@x.com dhost=dropbox.com out=1 rt=Oct 20 2026 15:05:26\n", true)]
        [InlineData("<134>Oct 20 15:05:26 zscaler-nss CEF:0|Zscaler|NSSWeblog|5.7|Allowed|Allowed|3|act=Allowed suser=a@x.com dhost=dropbox.com out=1 rt=Oct 20 2026 15:05:26\n", false)]
        [InlineData("[\n", true)]
        public void CancelInsideAGzipOfBlankLines_StopsAtOnce(string header, bool fast)
        {
            using var dir = TestPaths.NewTempFolder();
            string path = BlankLinesBomb(dir, header, members: 64); // 4 GB of line breaks
            using var stop = new CancellationTokenSource();
            var acc = new EventAccumulator(new HuntOptions(new DateTime(2026, 11, 1, 0, 0, 0, DateTimeKind.Utc), 30, kqlCompatible: false));
            var read = Task.Run(() => LogFileReader.Read(path, acc, new ReadContext { Cancellation = stop.Token, UseFastPaths = fast }));
            Thread.Sleep(300);
            Assert.False(read.IsCompleted, "the read should still be going (4 GB)");
            var clock = Stopwatch.StartNew();
            stop.Cancel();
            var e = Assert.ThrowsAny<Exception>(() => read.Wait(TimeSpan.FromSeconds(30)));
            Assert.IsAssignableFrom<OperationCanceledException>(e is AggregateException a ? a.InnerException : e);
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2), $"stopped after {clock.Elapsed.TotalSeconds:0.0} s");
        }
    }
}
