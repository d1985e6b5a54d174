using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace LowSlowExfil.Tests
{
    /// <summary>
    /// The CommonSecurityLog fast path splits records on 64-byte masks (CsvBlocks). Hostile CSV — quotes doubled,
    /// stray or left open, multi-line cells, CR, CRLF, blank lines, short and long rows, fields of every length so
    /// that every construct meets a block edge — must read exactly as the field-by-field parse and the general
    /// reader read it: same records, issues, lines and profiles.
    /// </summary>
    public class BlockParsingTests
    {
        private static readonly DateTime End = new DateTime(2026, 11, 1, 0, 0, 0, DateTimeKind.Utc);
        private const string Header = "TenantId,TimeGenerated [UTC],DeviceVendor,Extra1,DeviceAction,Extra2,DestinationHostName,SentBytes,Extra3,SourceUserName,Extra4";
        private static readonly int Columns = Header.Split(',').Length;

        public sealed class HostileCsv
        {
            public string Text = "";
            public override string ToString() => Text.Replace("\r", "\\r").Replace("\n", "\\n\n");
        }

        public static class Arbitraries
        {
            public static Arbitrary<HostileCsv> Csv() => Arb.From(
                from eol in Gen.Elements("\n", "\r\n")
                from rows in Row.ListOf().Select(l => l.ToList()).Where(l => l.Count > 0 && l.Count < 60)
                from last in Gen.Elements("", "\n", "\r\n", "\r")
                select new HostileCsv { Text = Header + eol + string.Join(eol, rows.Select(r => r.Replace("\u0001", eol))) + last });

            private static readonly Gen<string> Filler = Gen.Choose(0, 90).Select(n => new string('x', n));

            // \u0001 stands for the file's line break, so multi-line cells use it.
            private static readonly Gen<string> Anything = Gen.Frequency(
                (6, Filler),
                (2, Gen.Elements("", "\"\"", "\"a,b\"", "\"say \"\"hi\"\"\"", "\"multi\u0001line\"", "\"cr\rinside\"", "\"lf\ninside\",",
                    "ab\"c", "tail\"", "\"x\"tail", "\"x\"t\"a", "\"\"d", "\"open", "a\rb", ",", "\"\"\"\"", "\"" + new string(',', 70) + "\"")),
                (1, from a in Filler from b in Filler select "\"" + a + "\u0001\"\"" + b + "\"\""+ "\""));

            private static readonly Gen<string> Time = Gen.Frequency(
                (6, Gen.Choose(0, 40).Select(d => "\"" + End.AddDays(-d).AddSeconds(d * 977).ToString("M/d/yyyy, h:mm:ss.fff tt", System.Globalization.CultureInfo.InvariantCulture) + "\"")),
                (1, Anything));

            private static Gen<string> Field(int column)
            {
                switch (column)
                {
                    case 1: return Time;
                    case 2: return Gen.Frequency((6, Gen.Constant("Zscaler")), (1, Gen.Elements("\"Zscaler\"", "Other")), (1, Anything));
                    case 4: return Gen.Frequency((6, Gen.Constant("Allowed")), (1, Gen.Elements("Block", "\"Allow\"\"ed\"")), (1, Anything));
                    case 6: return Gen.Frequency((6, Gen.Elements("dropbox.com", "www.github.com", "example.com", "\"mega.nz\"")), (1, Anything));
                    case 7: return Gen.Frequency((6, Gen.Choose(0, 100000).Select(n => n.ToString())), (1, Gen.Elements("\"42\"", "4x")), (1, Anything));
                    case 9: return Gen.Frequency((6, Gen.Elements("a@x.com", "B@X.com", "\"c@x.com\"", "")), (1, Anything));
                    default: return Anything;
                }
            }

            private static readonly Gen<string> Row = Gen.Frequency(
                (12, Gen.CollectToArray(Enumerable.Range(0, Columns), Field).Select(f => string.Join(",", f))),
                (1, Gen.Choose(0, Columns + 2).SelectMany(n => Gen.CollectToArray(Enumerable.Range(0, n), Field)).Select(f => string.Join(",", f))),
                (1, Gen.Elements("", "\"\"", "x")));
        }

        private static string Read(string path, bool fast, bool blocks, bool kql)
        {
            var acc = new EventAccumulator(new HuntOptions(End, 30, kqlCompatible: kql));
            var issues = new StringBuilder();
            var summary = LogFileReader.Read(path, acc, new ReadContext
            {
                UseFastPaths = fast, UseBlockParsing = blocks, MaxDegreeOfParallelism = 1,
                OnIssue = i => issues.AppendLine(i.ToString()),
            });
            return issues + "\n" + summary + "\n" + acc.DescribeFilters() + "\n" + string.Join("\n", acc.Uploads.BuildProfiles().Select(p =>
                $"{p.UserName} {p.TotalBytesSent} {p.ZIA_ActiveDays} {p.ZIA_TotalRequests} {p.FirstSeen:o} {p.LastSeen:o} " +
                string.Join(";", p.Destinations.Select(d => $"{d.DestinationHostName}={d.SentBytes}/{d.RequestCount}"))));
        }

        [Property(MaxTest = 300, QuietOnSuccess = true, Arbitrary = new[] { typeof(Arbitraries) })]
        public void Blocks_ReadHostileCsv_AsTheFieldByFieldParseAndTheGeneralReader(HostileCsv csv)
        {
            using var dir = TestPaths.NewTempFolder();
            string path = dir.File("hostile.csv");
            File.WriteAllText(path, csv.Text, new UTF8Encoding(false));
            string general = Read(path, fast: false, blocks: false, kql: false);
            Assert.Equal(general, Read(path, fast: true, blocks: false, kql: false));
            Assert.Equal(general, Read(path, fast: true, blocks: true, kql: false));
        }

        [Fact]
        public void Blocks_AreUsedHere()
        {
            // Otherwise the property above compares the field-by-field parse with itself.
            Assert.True(CsvBlocks.Supported, $"Vector<byte> is {System.Numerics.Vector<byte>.Count} bytes, accelerated: {System.Numerics.Vector.IsHardwareAccelerated}");
        }

        [Theory]
        [InlineData(0UL)]
        [InlineData(1UL)]
        [InlineData(0x8000000000000000UL)]
        [InlineData(0x0123456789ABCDEFUL)]
        [InlineData(ulong.MaxValue)]
        public void BitHelpers_MatchTheirDefinitions(ulong x)
        {
            int pop = Enumerable.Range(0, 64).Count(i => (x >> i & 1) != 0);
            Assert.Equal(pop, CsvBlocks.PopCount(x));
            ulong prefix = 0, parity = 0;
            for (int i = 0; i < 64; i++) { parity ^= x >> i & 1; prefix |= parity << i; }
            Assert.Equal(prefix, CsvBlocks.PrefixXor(x));
            if (x != 0)
            {
                Assert.Equal(Enumerable.Range(0, 64).First(i => (x >> i & 1) != 0), CsvBlocks.LowestBit(x));
                Assert.Equal(Enumerable.Range(0, 64).Last(i => (x >> i & 1) != 0), CsvBlocks.HighestBit(x));
            }
        }

        [Fact]
        public void LowestAndHighestBit_OfEverySingleBitAndPair()
        {
            for (int i = 0; i < 64; i++)
                for (int j = i; j < 64; j++)
                {
                    ulong x = (1UL << i) | (1UL << j);
                    Assert.Equal(i, CsvBlocks.LowestBit(x));
                    Assert.Equal(j, CsvBlocks.HighestBit(x));
                }
        }

        [Fact]
        public void Classify_FindsEveryQuoteDelimiterAndBreak_AtEveryOffset()
        {
            var rng = new Random(7);
            var bytes = new byte[4096];
            byte[] alphabet = Encoding.ASCII.GetBytes("\",\r\nab");
            for (int i = 0; i < bytes.Length; i++) bytes[i] = alphabet[rng.Next(alphabet.Length)];
            for (int at = 0; at + CsvBlocks.Size <= bytes.Length; at += 13)
            {
                ulong quotes, delimiters, breaks, lineFeeds;
                unsafe
                {
                    fixed (byte* p = &bytes[at]) CsvBlocks.Classify(p, out quotes, out delimiters, out breaks, out lineFeeds);
                }
                ulong Mask(Func<byte, bool> f) => Enumerable.Range(0, 64).Aggregate(0UL, (m, i) => f(bytes[at + i]) ? m | 1UL << i : m);
                Assert.Equal(Mask(c => c == '"'), quotes);
                Assert.Equal(Mask(c => c == ',' || c == '\r' || c == '\n'), delimiters);
                Assert.Equal(Mask(c => c == '\r' || c == '\n'), breaks);
                Assert.Equal(Mask(c => c == '\n'), lineFeeds);
            }
        }
    }
}
