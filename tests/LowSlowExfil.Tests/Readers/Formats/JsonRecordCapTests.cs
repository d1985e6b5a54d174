using System.IO;
using System.Linq;
using System.Text;
using LowSlowExfil.Readers;
using Xunit;

namespace LowSlowExfil.Tests
{
    /// <summary>
    /// A JSON record longer than the record cap is skipped, with the line it starts on, wherever it lies in the file.
    /// The splitter used to check the cap only when its buffer ran out, so a long record inside the first 64 KB read
    /// was read as if the cap were not there, and the same record further on was refused.
    /// </summary>
    public class JsonRecordCapTests
    {
        private const string Small = "{\"CreationTime\":\"2026-09-27T00:03:32\",\"Operation\":\"FileAccessed\",\"UserId\":\"a@b.com\"}";

        [Theory]
        [InlineData(0, true)]
        [InlineData(0, false)]
        [InlineData(70_000, true)]
        [InlineData(70_000, false)]
        public void ARecordOverTheCap_IsSkipped_WhereverItLies(int padding, bool fast)
        {
            var text = new StringBuilder();
            int line = 1;
            while (text.Length < padding)
            {
                text.Append(Small).Append('\n');
                line++;
            }
            text.Append("{\"CreationTime\":\"2026-09-27T00:03:32\",\"Operation\":\"FileAccessed\",\"UserId\":\"" + new string('u', 320) + "\"}\n");
            text.Append(Small).Append('\n');

            var sink = new RecordingSink();
            var ctx = sink.Context(maxRecordChars: 300);
            ctx.UseFastPaths = fast;
            var summary = LogFileReader.Read(new MemoryStream(Encoding.UTF8.GetBytes(text.ToString())), "long.json", sink, ctx);

            var issue = Assert.Single(sink.Issues);
            Assert.Equal(line, issue.Line);
            Assert.Equal($"JSON record starting on line {line} is longer than 300 bytes; skipped to the next line", issue.Reason);
            Assert.Equal(line, sink.Sharing.Count);
            Assert.Equal((line + 1L, 1L), (summary.Records, summary.Skipped));
        }

        [Fact]
        public void ARecordOfExactlyTheCap_IsRead()
        {
            string record = "{\"CreationTime\":\"2026-09-27T00:03:32\",\"Operation\":\"FileAccessed\",\"UserId\":\"" + new string('u', 100) + "\"}";
            var sink = new RecordingSink();
            var ctx = sink.Context(maxRecordChars: Encoding.UTF8.GetByteCount(record));
            LogFileReader.Read(new MemoryStream(Encoding.UTF8.GetBytes(record + "\n" + record.Replace("uu", "uuu") + "\n")), "cap.json", sink, ctx);
            Assert.Single(sink.Sharing);
            Assert.Equal(2, Assert.Single(sink.Issues).Line);
        }
    }
}
